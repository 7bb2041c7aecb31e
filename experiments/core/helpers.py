"""Non-statistical helpers the experiments share: a weight-norm callback, compact PNGs, curve readings.

* :class:`WeightNorms` — per epoch, each Dense layer's weight norm, mean |w|
  and the share of near-zero weights (what an L1 / L2 penalty does);
* :func:`save_small` — ``plots.save`` then a 256-colour PNG (2–3× smaller);
* :func:`met` — ``"met"`` / ``"MISSED"`` for a quality bar;
  :func:`bar_verdict` — the words a report writes for one: PROBLEMS.md's
  bars are for the full run on MNIST, so a quick run or another data set
  says where it stands without a verdict;
* :func:`dataset_name` — "MNIST" / "Fashion-MNIST" for a summary's data set;
* :func:`small_net_threads` — a context that runs small dense training with
  one BLAS thread unless the user gave ``--threads`` (on a busy 2-core machine
  two BLAS threads per process spin against the other processes: a 784-128-10
  point took 0.6–4.8 s with the default threads and 0.33 s with one);
* :func:`epochs_to_fraction` — how fast a curve converges, as the first epoch
  at which it has made a given share of its total improvement;
* :func:`max_drawdown` — the largest fall of a curve below its running best
  (a "dip" in an accuracy curve).

The statistics behind verdicts live in :mod:`experiments.core.stats`.
"""
import contextlib
import math

import tinynet as tn

np = tn.backend.np


def met(value, bar, lower_is_better=False):
    """'met' / 'MISSED' for a quality bar."""
    if value is None or not math.isfinite(value):
        return "MISSED"
    ok = value <= bar if lower_is_better else value >= bar
    return "met" if ok else "MISSED"


DATASET_NAMES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}


def dataset_name(summary):
    """How the text names the summary's data set."""
    key = summary.get("dataset") or "mnist"
    return DATASET_NAMES.get(key, key)


def bar_verdict(ok, summary, detail=""):
    """``**met**`` / ``**MISSED**`` for a full MNIST run; otherwise where the value stands, and why no verdict.

    ok       whether the value is on the right side of the bar;
    detail   what makes a non-full run smaller (e.g. ``"5,000 training images"``).
    """
    side = "above" if ok else "below"
    if dataset_name(summary) != "MNIST":
        return f"{side} it; the bar is MNIST's (PROBLEMS.md), not assessed on {dataset_name(summary)}"
    if summary.get("mode") != "full":
        return f"{side} the bar, not assessed in {summary.get('mode')} mode" + (f" ({detail})" if detail else "")
    return f"**{'met' if ok else 'MISSED'}**"


def small_net_threads(ctx):
    """BLAS threads for training a small dense net: ``ctx.threads`` when the user gave ``--threads``, else 1.

    One by default because a small net's matrix products are too short for
    a second BLAS thread to pay: on a busy 2-core machine it spins against
    the other processes instead (see the module docstring).  An explicit
    ``--threads N`` wins.  ``threadpoolctl.threadpool_limits(n, "blas")``
    when threadpoolctl is installed, else a no-op.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=ctx.threads or 1, user_api="blas")


def epochs_to_fraction(curve, fraction=0.95, higher_is_better=True):
    """First epoch (1-based) at which ``curve`` has made ``fraction`` of its best improvement.

    The improvement is measured from the first epoch's value to the best value
    of the whole curve, so the reading does not depend on where the curve
    plateaus (a strongly regularized net plateaus lower but may get there as
    fast).  None for a curve shorter than 2 epochs, with a missing value, or
    one that never improves.
    """
    vals = list(curve)
    if len(vals) < 2 or any(v is None or not math.isfinite(v) for v in vals):
        return None
    sign = 1.0 if higher_is_better else -1.0
    start, best = sign * vals[0], max(sign * v for v in vals)
    if best <= start:
        return None
    bar = start + fraction * (best - start)
    return next(i + 1 for i, v in enumerate(vals) if sign * v >= bar)


def max_drawdown(curve):
    """Largest drop of ``curve`` below its running maximum (0 for a curve that never falls)."""
    vals = [v for v in curve if v is not None and math.isfinite(v)]
    peak, worst = -math.inf, 0.0
    for v in vals:
        peak = max(peak, v)
        worst = max(worst, peak - v)
    return worst


class WeightNorms(tn.callbacks.Callback):
    """Per epoch, for each Dense layer's W (host copies, so any backend): Frobenius norm,
    mean |w| and the fraction of weights with |w| < ``small`` (L1 drives weights to ~0)."""

    def __init__(self, small=1e-3):
        self.small = small
        self.norms, self.mean_abs, self.small_frac = [], [], []

    def on_train_begin(self):
        self.norms, self.mean_abs, self.small_frac = [], [], []

    def on_epoch_end(self, epoch, logs):
        norms, mean_abs, small = [], [], []
        for layer in self.model.layers:
            if "W" in layer.params:
                W = tn.backend.to_host(layer.params["W"]).astype(np.float64)
                norms.append(float(np.sqrt((W * W).sum())))
                mean_abs.append(float(np.abs(W).mean()))
                small.append(float((np.abs(W) < self.small).mean()))
        self.norms.append(norms)
        self.mean_abs.append(mean_abs)
        self.small_frac.append(small)

    def as_dict(self):
        return {"norm": self.norms, "mean_abs": self.mean_abs, "small_frac": self.small_frac,
                "small_threshold": self.small}


def save_small(fig, path):
    """``plots.save`` then re-encode the PNG with a 256-colour palette (plots have few colours;
    this typically cuts the file 2–3×, keeping figures under the ~80 KB the brief asks for)."""
    from . import plots
    plots.save(fig, path)
    try:
        from PIL import Image
    except ImportError:  # Pillow comes with matplotlib; without it keep the plain PNG
        return path
    from tinynet.fsutil import atomic_file
    with Image.open(path) as img:
        small = img.convert("RGB").quantize(colors=256)
    with atomic_file(path) as f:  # atomic, like plots.save
        small.save(f, format="PNG", optimize=True)
    return path
