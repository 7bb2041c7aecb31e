"""Run one workload: tinynet, PyTorch and the NumPy reference, alternately, round by round.

Fairness rules:

* the three start from the same initial weights and see the same batches in
  the same order (tinynet's own shuffle, replayed from a clone of the model's
  Generator before each epoch);
* they run *alternately* in one process (tinynet first in even rounds,
  PyTorch first in odd ones), so machine noise hits both; the ratio is taken
  per round and summarised by its median and spread;
* each is warmed up first on a throwaway copy (thread pools, first-touch
  page faults), and the epoch time excludes data loading;
* tinynet is timed through ``Sequential.fit`` (its ``epoch_time``: the
  training loop only), the API its users call.
"""
import copy
import statistics
import time

import tinynet as tn
from tinynet.backend import np

from . import workloads as W
from .machine import PeakRSS
from .reference import Trainer

WARMUP_STEPS = 10
INFER_PASSES = 5  # W6: passes over the test images per round


class _Side:
    """Times, peak memory and the final test metric of one framework."""

    def __init__(self, name):
        self.name, self.times, self.peaks, self.metric, self.extra = name, [], [], None, {}

    def record(self, seconds, rss):
        self.times.append(seconds)
        self.peaks.append(rss.peak)

    def summary(self):
        if not self.times:
            return None
        return {"times": self.times, "median": statistics.median(self.times),
                "peak_rss_mb": max(self.peaks) / 2**20 if self.peaks and None not in self.peaks else None,
                "metric": self.metric, **self.extra}


def _clone_rng(rng):
    clone = np.random.Generator(type(rng.bit_generator)())
    clone.bit_generator.state = copy.deepcopy(rng.bit_generator.state)
    return clone


def _epoch_order(model, n, batch_size):
    """The batches ``fit`` will draw next, from a clone of the model's Generator."""
    clone = _clone_rng(model.rng)
    batches = list(tn.data.batch_indices(n, batch_size, rng=clone))
    bounds = np.cumsum([0] + [len(b) for b in batches])
    return batches, np.concatenate(batches), bounds, clone.bit_generator.state


def _test_metric(workload, out, data):
    if workload.kind == "classify":
        return 100.0 * float((out.argmax(axis=1) == data["y_test"]).mean())
    target = data["X_test"] if workload.kind == "autoencode" else data["y_test"]
    return float(np.mean((out.astype(np.float64) - target) ** 2))


def _tinynet_predict(model, X, batch_size=1000):
    return model.predict(X, batch_size=batch_size)


def _tinynet_forward(model, X, batch_size):
    """W6's timed pass: the model's forward over X in batches, like PyTorch's
    ``model(x)`` loop (``predict`` adds a one-off input check of the whole
    array, a finiteness pass that is not part of the network's forward)."""
    return tn.backend.np.concatenate([tn.backend.to_host(model.forward(X[i:i + batch_size]))
                                      for i in range(0, X.shape[0], batch_size)])


def run_workload(workload, data, rounds, torch=None, device="cpu", reference=True,
                 steps=None, log=print):
    """Run ``workload``; returns a dict (see ``report``)."""
    kind = workload.kind
    weights = W.initial_weights(W.build_tinynet(workload))
    tnside, ptside, refside = _Side("tinynet"), _Side("torch"), _Side("reference")
    result = {"name": workload.name, "title": workload.title, "unit": workload.unit,
              "kind": kind, "rounds": rounds, "order_verified": True}
    if kind == "infer":
        _run_inference(workload, data, rounds, torch, device, weights, tnside, ptside, log)
    elif kind == "regress":
        _run_regression(workload, data, rounds, torch, device, weights, reference, steps,
                        tnside, ptside, refside, log)
    else:
        result["order_verified"] = _run_training(workload, data, rounds, torch, device, weights,
                                                 reference, tnside, ptside, refside, log)
    result.update({"tinynet": tnside.summary(), "torch": ptside.summary(),
                   "reference": refside.summary()})
    if tnside.times and ptside.times:
        # Always a ratio of times (for W6, seconds per pass: the inverse ratio of images/s).
        ratios = [a / b for a, b in zip(tnside.times, ptside.times)]
        result["ratio"] = {"per_round": ratios, "median": statistics.median(ratios),
                           "min": min(ratios), "max": max(ratios)}
    return result


# ------------------------------------------------------------------ training
def _run_training(workload, data, rounds, torch, device, weights, reference,
                  tnside, ptside, refside, log):
    from .torch_runner import TorchRun
    X, y = data["X_train"], data["y_train"]
    target = X if workload.kind == "autoencode" else y
    n, bs = len(X), workload.batch_size
    model = W.build_tinynet(workload)
    loss, opt = W.tinynet_loss(workload), W.tinynet_optimizer(workload)
    pt = TorchRun(torch, workload, weights, data, device) if torch is not None else None
    ref = Trainer(workload, weights) if reference else None
    _warm_up(workload, data, torch, device, weights)
    verified = True
    for r in range(rounds):
        batches, perm, bounds, state_after = _epoch_order(model, n, bs)
        order = ["tinynet", "torch", "reference"]
        if r % 2:
            order = ["torch", "tinynet", "reference"]
        for who in order:
            if who == "tinynet":
                with PeakRSS() as rss:
                    hist = model.fit(X, target, loss, opt, epochs=1, batch_size=bs, verbose=0)
                tnside.record(hist.history["epoch_time"][-1], rss)
                verified &= model.rng.bit_generator.state == state_after
            elif who == "torch" and pt is not None:
                with PeakRSS() as rss:
                    seconds = pt.train_epoch(perm, bounds)
                ptside.record(seconds, rss)
            elif who == "reference" and ref is not None:
                with PeakRSS() as rss:
                    t0 = time.perf_counter()
                    ref.train_epoch(X, None if workload.kind == "autoencode" else y, batches)
                    seconds = time.perf_counter() - t0
                refside.record(seconds, rss)
        log(f"  {workload.name} round {r + 1}/{rounds}: tinynet {tnside.times[-1]:.3f} s"
            + (f", torch {ptside.times[-1]:.3f} s" if ptside.times else "")
            + (f", reference {refside.times[-1]:.3f} s" if refside.times else ""))
    Xt = data["X_test"]
    tnside.metric = _test_metric(workload, _tinynet_predict(model, Xt), data)
    if pt is not None:
        ptside.metric = _test_metric(workload, pt.predict(Xt)[0], data)
    if ref is not None:
        refside.metric = _test_metric(workload, ref.predict(Xt), data)
    return bool(verified)


def _warm_up(workload, data, torch, device, weights):
    """A few steps of each framework on throwaway copies (thread pools, page faults)."""
    from .torch_runner import TorchRun
    bs = workload.batch_size
    m = min(len(data["X_train"]), WARMUP_STEPS * bs)
    X, y = data["X_train"][:m], data["y_train"][:m]
    model = W.build_tinynet(workload)
    model.fit(X, X if workload.kind == "autoencode" else y, W.tinynet_loss(workload),
              W.tinynet_optimizer(workload), epochs=1, batch_size=bs, verbose=0)
    if torch is not None:
        pt = TorchRun(torch, workload, weights, {"X_train": X, "y_train": y}, device)
        bounds = np.arange(0, m + bs, bs).clip(max=m)
        pt.train_epoch(np.arange(m, dtype=np.int64), np.unique(bounds))


# ----------------------------------------------------------------- inference
def _run_inference(workload, data, rounds, torch, device, weights, tnside, ptside, log):
    from .torch_runner import TorchRun
    X = data["X_test"]
    model = W.build_tinynet(workload)
    pt = TorchRun(torch, workload, weights, {}, device) if torch is not None else None
    bs = workload.batch_size
    _tinynet_forward(model, X, bs)            # warm-up
    if pt is not None:
        pt.predict(X, bs)
    for r in range(rounds):
        order = ["tinynet", "torch"] if r % 2 == 0 else ["torch", "tinynet"]
        for who in order:
            if who == "tinynet":
                with PeakRSS() as rss:
                    t0 = time.perf_counter()
                    for _ in range(INFER_PASSES):
                        out_tn = _tinynet_forward(model, X, bs)
                    seconds = (time.perf_counter() - t0) / INFER_PASSES
                tnside.record(seconds, rss)
            elif pt is not None:
                with PeakRSS() as rss:
                    seconds = 0.0
                    for _ in range(INFER_PASSES):
                        out_pt, s = pt.predict(X, bs)
                        seconds += s
                ptside.record(seconds / INFER_PASSES, rss)
        log(f"  {workload.name} round {r + 1}/{rounds}: tinynet {len(X) / tnside.times[-1]:,.0f} img/s"
            + (f", torch {len(X) / ptside.times[-1]:,.0f} img/s" if ptside.times else ""))
    tnside.extra["images_per_s"] = len(X) / statistics.median(tnside.times)
    if pt is not None:
        ptside.extra["images_per_s"] = len(X) / statistics.median(ptside.times)
        # Same weights, same inputs: the outputs must agree to float32 rounding.
        tnside.extra["max_abs_diff_vs_torch"] = float(np.abs(out_tn - out_pt).max())


# ---------------------------------------------------------------- regression
def _run_regression(workload, data, rounds, torch, device, weights, reference, steps,
                    tnside, ptside, refside, log):
    from .torch_runner import TorchRun
    steps = steps or workload.steps
    X, y = data["X_train"], data["y_train"]
    Xg = data["X_test"]
    warm = W.build_tinynet(workload)      # warm-up on throwaway copies
    warm.fit(X, y, W.tinynet_loss(workload), W.tinynet_optimizer(workload), epochs=WARMUP_STEPS,
             batch_size=len(X), shuffle=False, verbose=0)
    if torch is not None:
        TorchRun(torch, workload, weights, {"X_train": X, "y_train": y}, device).regress(WARMUP_STEPS)
    for r in range(rounds):
        order = ["tinynet", "torch", "reference"]
        if r % 2:
            order = ["torch", "tinynet", "reference"]
        for who in order:
            if who == "tinynet":
                model = W.build_tinynet(workload)
                loss, opt = W.tinynet_loss(workload), W.tinynet_optimizer(workload)
                with PeakRSS() as rss:
                    t0 = time.perf_counter()
                    model.fit(X, y, loss, opt, epochs=steps, batch_size=len(X), shuffle=False,
                              verbose=0)
                    seconds = time.perf_counter() - t0
                tnside.record(seconds, rss)
                tnside.metric = _test_metric(workload, _tinynet_predict(model, Xg, 10000), data)
            elif who == "torch" and torch is not None:
                pt = TorchRun(torch, workload, weights, {"X_train": X, "y_train": y}, device)
                with PeakRSS() as rss:
                    seconds = pt.regress(steps)
                ptside.record(seconds, rss)
                ptside.metric = _test_metric(workload, pt.predict(Xg, 10000)[0], data)
            elif who == "reference" and reference:
                ref = Trainer(workload, weights)
                with PeakRSS() as rss:
                    t0 = time.perf_counter()
                    for _ in range(steps):
                        ref.step(X, y)
                    seconds = time.perf_counter() - t0
                refside.record(seconds, rss)
                refside.metric = _test_metric(workload, ref.predict(Xg, 10000), data)
        log(f"  {workload.name} round {r + 1}/{rounds}: tinynet {tnside.times[-1]:.3f} s"
            + (f", torch {ptside.times[-1]:.3f} s" if ptside.times else "")
            + (f", reference {refside.times[-1]:.3f} s" if refside.times else ""))
