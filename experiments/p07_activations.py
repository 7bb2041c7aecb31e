"""p07 — ReLU vs ELU vs sigmoid vs tanh vs leaky ReLU in a deeper MLP; do gradients vanish?

Question (Report A, problem 7): how does the activation function change the
loss curves and the time per epoch, and do sigmoid/tanh suffer from vanishing
gradients as the report claims?

Accuracy points (``ctx.run_points``, may run in parallel).  One MLP 784 → 5
hidden layers of 128 → 10 (six Dense layers) per activation, everything else
equal: ``init="auto"`` (He-uniform before ReLU/ELU/leaky ReLU, Glorot-uniform
before sigmoid/tanh), batch 128, the same epochs, two optimizers: plain SGD
(no momentum: the update is the raw gradient, so a vanishing gradient shows as
slow learning) and Adam (it rescales each parameter's step).  **Equal tuning**:
every (activation, optimizer) arm trains at the same small grid of learning
rates (SGD 0.03 / 0.1 / 0.3, Adam 3e-4 / 1e-3 / 3e-3) on the tuning seeds, and
its rate is chosen on a validation split carved from the training images
(``core.tuning``, never on test); the chosen rate is then run on every seed
(5 in full mode; the tuning seeds' points are reused).  While training, an
optimizer wrapper (``GradNormTap``) records ‖dL/dW‖ of every Dense layer about
ten times per epoch, before the update.

Vanishing is judged against ReLU with the same optimizer, because the layer
shapes alone make ‖dL/dW₁‖/‖dL/dW₆‖ differ from 1: per seed,
d = log10(ratio_act / ratio_ReLU); "vanishing" = d < −1 (the input layer's
gradient, relative to the output layer's, more than 10× smaller than with
ReLU).  It is measured at step 1 (*transient*: the state at initialization)
and as the median over training (*persistent*); the ledger tests the
persistent one, the step-1 test is in the claim's note.

Timing (``ctx.run_timing``: serial, warm-up excluded, ≥ 5 repeats in full mode,
load recorded): one training epoch (SGD lr 0.1: an epoch's arithmetic does not
depend on the rate) of a fresh seed-0 model per activation, plus an identical
*replica* of the ReLU config — the gap between two identical configs is part
of the noise floor a time difference must exceed.  Times come only from this
pass.

GPU bonus.  ``python -m experiments run p07-activations --backend cupy`` runs
the same points and timing pass on the GPU; ``backend`` is part of every
config's hash, so they are stored beside the CPU ones in the same folder.
Whichever backend runs last looks up the *other* backend's stored timing
records and chosen-rate points (cache lookups only, nothing is trained); the
GPU claims are tested when both exist and are inconclusive ("no GPU run
stored") otherwise.

Tests (``core.stats``; Holm within the problem): Alexander–Govern (a one-way
test without equal variances, scipy) across the five activations; paired t on
seeds for ReLU/ELU (their per-seed mean) against sigmoid and tanh; one-sample
t of d against −1 for vanishing; TOST / Welch on timing repeats.

Limits: one width/depth; five hidden layers is deep enough for the sigmoid
effect but not for tanh to fail outright; a 3-point rate grid per optimizer.
"""
import math

from scipy import stats as _st

import tinynet as tn

from .core import claims, plots, stats, timing
from .core.helpers import save_small
from .core.report import figure, table
from .core.training import fit_point, mlp
from .core.tuning import choose_on_validation

np = tn.backend.np

ID = "p07-activations"
TITLE = "Activation functions and vanishing gradients"
QUESTION = ("ReLU vs ELU vs sigmoid vs tanh (and leaky ReLU) in a deeper MLP: loss curves, time per "
            "epoch, and per-layer gradient norms over training — do sigmoid/tanh show vanishing "
            "gradients?")
# measured: quick ≈ 30 s at load ~2.5; full ≈ 90 points × ~10.5 s (8 epochs on 55k images, 60 tuning +
# 30 more seeds) + ~40 s timing pass ≈ 17 min
ESTIMATE = {"smoke": 5, "quick": 35, "full": 1000}

ACTIVATIONS = {"relu": tn.layers.ReLU, "elu": tn.layers.ELU, "leaky_relu": tn.layers.LeakyReLU,
               "tanh": tn.layers.Tanh, "sigmoid": tn.layers.Sigmoid}
LR_GRID = {"sgd": [0.03, 0.1, 0.3], "adam": [3e-4, 1e-3, 3e-3]}  # the same grid for every activation
TIMING_LR = 0.1
HIDDEN = [128] * 5
BATCH = 128
VANISH_LOG10 = -1.0        # d < −1: more than 10× smaller than ReLU's ratio
TIME_MARGIN = 0.20         # "differences in training time are not significant": within ±20%
FAMILY, SATURATING = ("relu", "elu"), ("sigmoid", "tanh")
COLORS = {"relu": "C0", "elu": "C1", "leaky_relu": "C2", "tanh": "C3", "sigmoid": "C4"}


class GradNormTap:
    """Wraps an optimizer: every ``every`` steps records ‖grads['W']‖ of the given layers.

    The norms are read before the update, so they are the gradients the step
    uses.  Everything else (lr, set_epoch, to, ...) is delegated.
    """

    def __init__(self, optimizer, layers, every):
        self._inner, self._layers, self._every = optimizer, layers, max(1, int(every))
        self.steps, self.norms, self._count = [], [[] for _ in layers], 0

    def step(self, items):
        if self._count % self._every == 0:
            self.steps.append(self._count)
            for i, layer in enumerate(self._layers):
                g = layer.grads["W"]
                # float() of a 0-d array: one device->host sync on the GPU
                self.norms[i].append(float(layer.xp.sqrt((g * g).sum())))
        self._count += 1
        self._inner.step(items)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def _optimizer(name, lr):
    return tn.optim.SGD(lr) if name == "sgd" else tn.optim.Adam(lr)


def _sizes(ctx):
    """(training images incl. validation, validation images) per mode."""
    return ctx.pick(smoke=(700, 100), quick=(7000, 1000), full=(60000, 5000))


def _data(ctx):
    n, val = _sizes(ctx)
    return ctx.data(n_train=n, validation=val)


def _model(config):
    layers = mlp([784] + config["hidden"] + [10], activation=ACTIVATIONS[config["activation"]])
    return tn.Sequential(layers, seed=config["seed"])


def train_point(ctx, config):
    model = _model(config)
    dense = [layer for layer in model.layers if isinstance(layer, tn.layers.Dense)]
    tap = GradNormTap(_optimizer(config["optimizer"], config["lr"]), dense, config["grad_every"])
    result = fit_point(model, _data(ctx), tn.losses.SoftmaxCrossEntropy(), tap, epochs=config["epochs"],
                       batch_size=config["batch_size"], use_validation=True, verbose=ctx.fit_verbose)
    result["grad_steps"] = tap.steps
    result["grad_norms"] = tap.norms  # [layer][record]
    return result


def time_point(ctx, config):
    """Seconds of one training epoch of a fresh seed-0 model (SGD at TIMING_LR, no gradient tap)."""
    return timing.epoch_seconds(_model(config), _data(ctx), tn.losses.SoftmaxCrossEntropy(),
                                _optimizer("sgd", config["lr"]), config["batch_size"])


def _ratio(norms, index):
    first, last = norms[0][index], norms[-1][index]
    if first is None or last is None or not last or not math.isfinite(first) or not math.isfinite(last):
        return None
    return first / last


def ratio_start(result):
    return _ratio(result["grad_norms"], 0)


def ratio_median(result):
    ratios = [r for r in (_ratio(result["grad_norms"], i) for i in range(len(result["grad_norms"][0])))
              if r is not None and r > 0]
    return float(np.median(ratios)) if ratios else None


def _metric(record, name):
    """A per-seed number of one record (None when it cannot be read)."""
    res = record["result"]
    if name in ("ratio_start", "ratio_median"):
        return (ratio_start if name == "ratio_start" else ratio_median)(res)
    if name == "epoch1_test_loss":
        h = res["history"].get("test_loss", [])
        return h[0] if h else None
    return stats.final_metric(record, name)


def run(ctx):
    epochs = ctx.pick(smoke=1, quick=3, full=8)
    n_total, n_val = _sizes(ctx)
    data = _data(ctx)
    n_train = data["X_train"].shape[0]
    steps_per_epoch = math.ceil(n_train / BATCH)
    grad_every = max(1, steps_per_epoch // 10)  # ≈ 10 gradient records per epoch
    activations = list(ACTIVATIONS) if ctx.mode != "smoke" else ["relu", "sigmoid"]
    opts = ["sgd", "adam"] if ctx.mode != "smoke" else ["sgd"]
    grid = {o: (LR_GRID[o] if ctx.mode != "smoke" else [LR_GRID[o][1]]) for o in opts}
    tune_seeds = ctx.seeds[:ctx.pick(smoke=1, quick=1, full=2)]
    base = {"hidden": HIDDEN, "epochs": epochs, "batch_size": BATCH, "n_train": n_train, "n_val": n_val,
            "grad_every": grad_every}
    label = lambda c: f"{c['activation']} {c['optimizer']} lr={c['lr']:g} seed={c['seed']}"  # noqa: E731
    tune = ctx.run_points([{**base, "activation": a, "optimizer": o, "lr": lr, "seed": s}
                           for o in opts for a in activations for lr in grid[o] for s in tune_seeds],
                          train_point, label=label)
    chosen = choose_on_validation(tune, arm=lambda c: (c["optimizer"], c["activation"]),
                                  setting=lambda c: c["lr"], metric="val_loss")
    final_configs = [{**base, "activation": a, "optimizer": o, "lr": chosen[(o, a)]["value"], "seed": s}
                     for o in opts for a in activations if chosen.get((o, a), {}).get("value") is not None
                     for s in ctx.seeds]
    records = ctx.run_points(final_configs, train_point, label=label)

    tconfigs = [{"hidden": HIDDEN, "batch_size": BATCH, "n_train": n_train, "n_val": n_val, "activation": a,
                 "lr": TIMING_LR, "seed": 0, "unit": "1 epoch, SGD", "replica": 0} for a in activations]
    tconfigs.append({**tconfigs[0], "replica": 1})
    timed = ctx.run_timing(tconfigs, time_point, label=lambda c: f"{c['activation']}"
                           + (" (replica)" if c["replica"] else ""))
    other = "cupy" if ctx.backend == "numpy" else "numpy"
    # the other backend's timing records of the same configs (lookups only: nothing is run)
    stamp = {"timing_pass": True, "repeats": len(timed[0]["result"]["samples"]) if timed else 0, "warmup": 1,
             "mode": ctx.mode, "dataset": ctx.dataset, "backend": other}
    other_timed = [rec for rec in (ctx.store.get({**c, **stamp}) for c in tconfigs) if rec is not None]
    other_points = [rec for rec in (ctx.store.get({**c, "mode": ctx.mode, "dataset": ctx.dataset, "backend": other})
                                    for c in final_configs) if rec is not None]
    by_backend = {ctx.backend: {"timing": timed, "points": records}}
    if other_timed or other_points:
        by_backend[other] = {"timing": other_timed, "points": other_points}

    rows = []
    for o in opts:
        for a in activations:
            recs = _select(records, o, a)
            if not recs:
                continue
            row = {"optimizer": o, "activation": a, "lr": chosen[(o, a)]["value"], "edge": chosen[(o, a)]["edge"],
                   "lr_scores": chosen[(o, a)]["scores"], "runs": len(recs),
                   "diverged": sum(bool(r["result"]["diverged"]) for r in recs),
                   "unstable": sum(bool(r["result"].get("unstable")) for r in recs)}
            for m in ("test_accuracy", "test_loss", "train_loss", "epoch1_test_loss", "ratio_start", "ratio_median"):
                row[m] = stats.summarize([_metric(r, m) for r in recs])
            rows.append(row)
    summary = {"rows": rows, "epochs": epochs, "n_train": n_train, "n_val": n_val, "hidden": HIDDEN,
               "batch_size": BATCH, "grid": grid, "grad_every": grad_every, "steps_per_epoch": steps_per_epoch,
               "activations": activations, "optimizers": opts, "backend": ctx.backend,
               "tune_seeds": len(tune_seeds), "n_seeds": len(ctx.seeds), "timing_lr": TIMING_LR,
               "timing": {b: [{"activation": r["config"]["activation"], "replica": r["config"]["replica"],
                               **{k: r["result"][k] for k in ("median", "iqr", "samples")},
                               "device": r.get("meta", {}).get("backend")} for r in v["timing"]]
                          for b, v in by_backend.items()},
               "timing_load": timing.load_text(timed),
               "other_backend": {"name": other, "timing": len(other_timed), "points": len(other_points),
                                 "configs": len(final_configs)}}
    summary["claims"] = _claims(records, timed, by_backend, ctx.backend, opts, activations, epochs, grid,
                                len(tune_seeds))
    summary["figures"] = [_plot_curves(ctx, records, opts, activations),
                          _plot_grad_norms(ctx, records, opts, activations),
                          _plot_grad_profile(ctx, records, opts, activations),
                          _plot_times(ctx, summary["timing"], activations)]
    return summary


def _select(records, opt, act):
    return [r for r in records if r["config"]["optimizer"] == opt and r["config"]["activation"] == act]


def _per_seed(records, opt, act, metric):
    return {r["config"]["seed"]: _metric(r, metric) for r in _select(records, opt, act)}


def _family_vs(records, opt, act, metric, transform=None):
    """Per seed: mean over ReLU and ELU of ``metric`` and the same seed's value for ``act``."""
    f = [_per_seed(records, opt, a, metric) for a in FAMILY]
    s = _per_seed(records, opt, act, metric)
    fam, sat = [], []
    for seed in sorted(set(s).intersection(*[set(x) for x in f])):
        vals = [x[seed] for x in f] + [s[seed]]
        if any(v is None for v in vals):
            continue
        if transform:
            vals = [transform(v) for v in vals]
        fam.append(sum(vals[:-1]) / len(f))
        sat.append(vals[-1])
    return fam, sat


def _anova(records, opt, activations, metric):
    groups = [[v for v in _per_seed(records, opt, a, metric).values() if v is not None] for a in activations]
    groups = [stats.finite(g) for g in groups if len(stats.finite(g)) >= 2]
    means = [sum(g) / len(g) for g in groups]
    out = {"test": "Alexander–Govern across activations", "effect": (max(means) - min(means)) if means else None,
           "ci": [None, None], "p": None, "n": [len(g) for g in groups]}
    if len(groups) < 2:
        return out
    if all(np.std(g) > 0 for g in groups):
        p = float(_st.alexandergovern(*groups).pvalue)
    elif any(np.std(g) > 0 for g in groups):
        # a constant arm (e.g. stuck at chance on every seed) breaks the unequal-variance test
        out["test"] = "one-way ANOVA across activations (an arm has zero variance)"
        p = float(_st.f_oneway(*groups).pvalue)
    else:
        p = math.nan
    out["p"] = p if math.isfinite(p) else None
    return out


def _vanishing(records, opt, act, which):
    """One-sample t of d = log10(ratio_act / ratio_ReLU) per seed against −1."""
    relu, other = _per_seed(records, opt, "relu", which), _per_seed(records, opt, act, which)
    d = [math.log10(other[s] / relu[s]) for s in sorted(set(relu) & set(other))
         if relu[s] and other[s] and relu[s] > 0 and other[s] > 0]
    return stats.one_sample(d, VANISH_LOG10)


def _claims(records, timed, by_backend, backend, opts, activations, epochs, grid, n_tune):
    out = []
    for o in opts:
        budget = (f"{epochs} epochs, {o.upper()} rate per arm chosen on validation from "
                  f"{{{', '.join(f'{v:g}' for v in grid[o])}}} ({n_tune} tuning seed(s))")
        out.append(claims.claim(
            f"p07.activation-matters-{o}", "A",
            "The choice of activation function significantly affects the convergence and generalization of the model",
            f"{o.upper()}: final test accuracy across the {len(activations)} activations, Alexander–Govern "
            "(effect = best − worst arm mean)", _anova(records, o, activations, "test_accuracy"), expect=1,
            budget=budget, effect="max − min test acc", unit="pct"))
        for act in SATURATING:
            if act not in activations:
                continue
            fam, sat = _family_vs(records, o, act, "train_loss")
            out.append(claims.claim(
                f"p07.lower-loss-vs-{act}-{o}", "A",
                "Relu and ELU activation functions tend to … achieve lower loss compared to sigmoid and tanh "
                f"[{act}, {o.upper()}]",
                f"{o.upper()}: final train loss, per-seed mean of ReLU and ELU − {act}, paired t",
                stats.paired(fam, sat), expect=-1, budget=budget, effect="Δ train loss"))
            fam, sat = _family_vs(records, o, act, "epoch1_test_loss")
            out.append(claims.claim(
                f"p07.faster-vs-{act}-{o}", "A",
                "Relu and ELU activation functions tend to converge faster … compared to sigmoid and tanh "
                f"[{act}, {o.upper()}]",
                f"{o.upper()}: test loss after epoch 1, ReLU/ELU mean − {act}, paired t", stats.paired(fam, sat),
                expect=-1, budget=budget, effect="Δ epoch-1 test loss"))
            fam, sat = _family_vs(records, o, act, "test_accuracy")
            out.append(claims.claim(
                f"p07.poorer-generalization-{act}-{o}", "A",
                f"Sigmoid and tanh … leading to slower convergence and poorer generalization [{act}, {o.upper()}]",
                f"{o.upper()}: final test accuracy, ReLU/ELU mean − {act}, paired t", stats.paired(fam, sat),
                expect=1, budget=budget, effect="Δ test acc", unit="pct"))
            persistent = _vanishing(records, o, act, "ratio_median")
            transient = _vanishing(records, o, act, "ratio_start")
            t_word = ("—" if transient["effect"] is None else
                      f"{transient['effect'] + VANISH_LOG10:+.2f} (raw p vs −1 {stats.fmt_p(transient['p'])})")
            kind = _persistence(transient, persistent)
            out.append(claims.claim(
                f"p07.vanishing-{act}-{o}", "A",
                f"Sigmoid and tanh activation functions may suffer from the vanishing gradient problem, especially in "
                f"deeper networks [{act}, {o.upper()}]",
                f"{o.upper()}: d = log10(‖g₁‖/‖g₆‖ of {act} ÷ ReLU's), median over training, one-sample t against "
                "−1 (vanishing = more than 10× below ReLU)", persistent, expect=-1, budget=budget,
                effect="d + 1 (median over training)",
                note=f"at step 1: d = {t_word}; {kind}"))
    out += _timing_claims(by_backend, backend, activations)
    return out


def _persistence(transient, persistent):
    """Transient (step 1 only) vs persistent (over training), from the raw one-sample readings."""
    def state(r):
        if r["effect"] is None:
            return None
        below = r["effect"] < 0
        sure = r["p"] is not None and r["p"] < stats.ALPHA
        return below, sure
    t, p = state(transient), state(persistent)
    if t is None or p is None:
        return "no gradient records"

    def word(st):
        return ("below the bar" if st[0] else "above the bar") + ("" if st[1] else " (not significant)")
    if p[0] and p[1]:
        kind = "persistent"
    elif t[0] and t[1]:
        kind = "transient: at initialization only, not established over training"
    else:
        kind = "not established at step 1 or over training"
    return f"step 1 {word(t)}, over training {word(p)}: {kind}"


def _timing_claims(by_backend, backend, activations):
    out = []
    tb = "timing pass: 1 epoch (SGD lr 0.1) of a seed-0 model per repeat, warm-up excluded"
    cpu = {r["config"]["activation"]: r for r in by_backend.get("numpy", {}).get("timing", [])
           if not r["config"]["replica"]}
    replicas = [r for r in by_backend.get("numpy", {}).get("timing", []) if r["config"]["activation"] == "relu"]
    null_gap = timing.replica_gap(*replicas) if len(replicas) == 2 else 0.0
    if len(cpu) >= 2:
        fast = min(cpu.values(), key=timing.median)
        slow = max(cpu.values(), key=timing.median)
        res = timing.equivalent(slow, fast, TIME_MARGIN, null_gap=null_gap)
        out.append(claims.claim(
            "p07.time-differences-small", "A",
            "The training time may vary depending on the activation function used. However, the differences in "
            "training time are generally not significant",
            f"CPU: seconds per epoch of the slowest ({slow['config']['activation']}) vs the fastest "
            f"({fast['config']['activation']}) activation, TOST ±{TIME_MARGIN:.0%} of the fastest; noise floor "
            f"includes the gap between two identical ReLU configs ({null_gap:.3g} s)", res, kind="equivalence",
            budget=tb, effect="Δ s/epoch (slowest − fastest)",
            note=(res.get("gate") + "; " if res.get("gate") else "")
            + f"margin ±{TIME_MARGIN:.0%}: a fifth of an epoch's time is small next "
                 "to the accuracy effects this claim compares it with (tens of points for sigmoid with SGD)"))
    gpu = {r["config"]["activation"]: r for r in by_backend.get("cupy", {}).get("timing", [])
           if not r["config"]["replica"]}
    quotes = {
        "p07.gpu-faster": ("When running these experiments on a GPU, we can expect significant improvements in "
                           "training time … the training time for each configuration is likely to be reduced"),
        "p07.gpu-same-trends": ("The overall trends regarding the impact of activation functions on training "
                                "dynamics and efficiency are expected to remain similar"),
        "p07.gpu-activation-time-less-pronounced": ("the choice of activation function may have a less pronounced "
                                                    "impact on training time compared to when running on a CPU"),
    }
    common = [a for a in activations if a in cpu and a in gpu]
    if len(common) >= 1:
        # "for each configuration": the activation where the GPU gains least decides
        parts = {a: timing.ratio_difference(cpu[a], gpu[a]) for a in common}
        worst = min(common, key=lambda a: parts[a]["effect"] if parts[a]["effect"] is not None else math.inf)
        res = parts[worst]
        out.append(claims.claim(
            "p07.gpu-faster", "A", quotes["p07.gpu-faster"],
            f"log(CPU s/epoch) − log(GPU s/epoch) for the activation where the GPU gains least ({worst}), Welch on "
            "timing repeats, gated by IQR", res, expect=1, budget=tb, effect="log speed-up",
            note=(res.get("gate") or "") + "; speed-ups: " + ", ".join(
                f"{a} {timing.median(cpu[a]) / timing.median(gpu[a]):.2f}×" for a in common)))
        if len(common) >= 2:
            res = timing.range_difference([cpu[a] for a in common], [gpu[a] for a in common])
            out.append(claims.claim(
                "p07.gpu-activation-time-less-pronounced", "A", quotes["p07.gpu-activation-time-less-pronounced"],
                "spread of log s/epoch across activations, GPU − CPU, bootstrap over timing repeats", res, expect=-1,
                budget=tb, effect="Δ log range (GPU − CPU)"))
        else:
            out.append(_no_gpu("p07.gpu-activation-time-less-pronounced", quotes,
                               "fewer than 2 activations timed on both"))
    else:
        out.append(_no_gpu("p07.gpu-faster", quotes, "no GPU run stored"))
        out.append(_no_gpu("p07.gpu-activation-time-less-pronounced", quotes, "no GPU run stored"))
    cpu_p, gpu_p = by_backend.get("numpy", {}).get("points", []), by_backend.get("cupy", {}).get("points", [])
    if cpu_p and gpu_p:
        keys = sorted({(r["config"]["optimizer"], r["config"]["activation"]) for r in gpu_p}
                      & {(r["config"]["optimizer"], r["config"]["activation"]) for r in cpu_p})
        mean = lambda recs, k: stats.summarize([stats.final_metric(r, "test_accuracy") for r in recs  # noqa: E731
                                                if (r["config"]["optimizer"], r["config"]["activation"]) == k])["mean"]
        res = stats.spearman([mean(cpu_p, k) for k in keys], [mean(gpu_p, k) for k in keys])
        out.append(claims.claim(
            "p07.gpu-same-trends", "A", quotes["p07.gpu-same-trends"],
            f"Spearman ρ of the arms' mean test accuracy on CPU vs GPU ({len(keys)} optimizer × activation arms)",
            res, expect=1, budget="the CPU run's chosen rates on both devices", effect="ρ"))
    else:
        out.append(_no_gpu("p07.gpu-same-trends", quotes, "no GPU run stored"))
    return out


def _no_gpu(cid, quotes, reason):
    return claims.claim(cid, "A", quotes[cid], "CPU vs GPU on the same configs", kind="untested", note=reason)


# ----------------------------------------------------------------- figures
def _axes(fig_axes, n):
    return list(np.atleast_1d(fig_axes)) if n > 1 else [fig_axes]


def _plot_curves(ctx, records, opts, activations):
    fig, axes = plots.figure(ncols=len(opts), width=5.2, height=3.8)
    for ax, opt in zip(_axes(axes, len(opts)), opts):
        for act in activations:
            recs = [r["result"] for r in _select(records, opt, act)]
            if not recs:
                continue
            hist = [x["history"] for x in recs]
            n = max(len(h.get("loss", [])) for h in hist)
            x = list(range(1, n + 1))
            lr = _select(records, opt, act)[0]["config"]["lr"]
            plots.band(ax, x, [h.get("loss", []) for h in hist], label=f"{act} (lr {lr:g})", color=COLORS[act])
            plots.band(ax, x, [h.get("test_loss", []) for h in hist], color=COLORS[act], ls="--")
            for res in recs:
                if res["diverged"]:
                    plots.mark_diverged(ax, res["epochs_done"] + 1, 1.0)
        ax.xaxis.set_major_locator(plots.plt.MaxNLocator(integer=True))
        plots.decorate(ax, f"{opt.upper()} at each arm's chosen rate: train (solid), test (dashed)", "epoch",
                       "cross-entropy loss (nats, log)", logy=True)
    return save_small(fig, ctx.path("loss_curves.png")).rsplit("/", 1)[-1]


def _plot_grad_norms(ctx, records, opts, activations):
    fig, axes = plots.figure(ncols=len(activations), nrows=len(opts), width=2.2, height=1.9, sharey=True)
    axes = list(np.atleast_1d(axes))
    for row, opt in enumerate(opts):
        for col, act in enumerate(activations):
            ax = axes[row * len(activations) + col]
            recs = [r["result"] for r in _select(records, opt, act)]
            if not recs:
                continue
            steps = recs[0]["grad_steps"]
            keep = sorted(set(np.geomspace(1, len(steps), 40).astype(int) - 1)) if len(steps) > 40 else \
                list(range(len(steps)))
            n_layers = len(recs[0]["grad_norms"])
            for layer in range(n_layers):
                series = [[x["grad_norms"][layer][i] for i in keep if i < len(x["grad_norms"][layer])] for x in recs]
                plots.band(ax, [steps[i] + 1 for i in keep], series, label=f"Dense {layer + 1}",
                           color=plots.plt.cm.viridis(layer / max(1, n_layers - 1)), lw=0.8)
            plots.decorate(ax, f"{act}, {opt.upper()}", "step (log)" if row == len(opts) - 1 else None,
                           "‖dL/dW‖ (log)" if col == 0 else None, logx=True, logy=True,
                           legend=(row == 0 and col == len(activations) - 1), legend_size=6)
    return save_small(fig, ctx.path("grad_norms.png")).rsplit("/", 1)[-1]


def _plot_grad_profile(ctx, records, opts, activations):
    fig, axes = plots.figure(ncols=len(opts), width=5.0, height=3.6)
    for ax, opt in zip(_axes(axes, len(opts)), opts):
        for act in activations:
            recs = [r["result"] for r in _select(records, opt, act)]
            if not recs:
                continue
            x = list(range(1, len(recs[0]["grad_norms"]) + 1))
            plots.band(ax, x, [[layer[0] for layer in r["grad_norms"]] for r in recs], color=COLORS[act],
                       label=f"{act} step 1", marker="o")
            plots.band(ax, x, [[float(np.median([v for v in layer if v is not None] or [np.nan]))
                                for layer in r["grad_norms"]] for r in recs],
                       color=COLORS[act], ls="--", marker="s", label=f"{act} median over training")
        plots.decorate(ax, f"{opt.upper()}: gradient norm per layer", "Dense layer (1 = input side)",
                       "‖dL/dW‖ (log)", logy=True, legend_size=6)
    return save_small(fig, ctx.path("grad_profile.png")).rsplit("/", 1)[-1]


def _plot_times(ctx, timing_rows, activations):
    fig, ax = plots.figure(width=6.0, height=3.4)
    backends = list(timing_rows)
    width = 0.8 / max(1, len(backends))
    names = activations + ["relu (replica)"]
    for b, backend in enumerate(backends):
        by = {(t["activation"] + (" (replica)" if t["replica"] else "")): t for t in timing_rows[backend]}
        vals = [by.get(n) for n in names]
        xs = [i + b * width for i in range(len(names))]
        ax.bar(xs, [v["median"] if v else 0 for v in vals], width,
               yerr=[v["iqr"] if v else 0 for v in vals], label=f"{backend} (median, bar = IQR)")
    ax.set_xticks([i + width * (len(backends) - 1) / 2 for i in range(len(names))])
    ax.set_xticklabels(names, rotation=30, ha="right", fontsize=7)
    plots.decorate(ax, "seconds per epoch, timing pass (SGD lr 0.1)", None, "s per epoch",
                   logy=len(backends) > 1)
    return save_small(fig, ctx.path("epoch_time.png")).rsplit("/", 1)[-1]


# ------------------------------------------------------------------ report
def _ratio_text(s):
    return "—" if not s or not s["n"] else stats.fmt_summary(s, digits=3)


def report(summary):
    decided = claims.decide(summary["claims"])
    rows = summary["rows"]
    body = [
        claims.ledger_table(decided, problem=False), "",
        f"MLP 784 → {len(summary['hidden'])}×{summary['hidden'][0]} → 10, batch {summary['batch_size']}, "
        f"{summary['epochs']} epochs on {summary['n_train']:,} training images ({summary['n_val']:,} more held out "
        f"for validation), init='auto' (He-uniform for ReLU/ELU/leaky ReLU, Glorot-uniform for tanh/sigmoid). "
        "Equal tuning: every arm trains at the same rate grid per optimizer ("
        + "; ".join(f"{o.upper()} {{{', '.join(f'{v:g}' for v in summary['grid'][o])}}}" for o in summary["optimizers"])
        + f") on {summary['tune_seeds']} tuning seed(s) and keeps the rate with the lowest validation loss; the chosen "
        f"rate runs on {summary['n_seeds']} seed(s) (mean ± sd). Gradient norms recorded every "
        f"{summary['grad_every']} steps ({summary['steps_per_epoch']} steps per epoch).",
        "",
        table(["optimizer", "activation", "chosen lr", "test accuracy", "test loss", "train loss",
               "test loss after epoch 1", "‖g₁‖/‖g₆‖ step 1", "‖g₁‖/‖g₆‖ median over training",
               "diverged / unstable"],
              [[r["optimizer"].upper(), r["activation"], f"{r['lr']:g}" + (" (edge)" if r["edge"] else ""),
                stats.fmt_summary(r["test_accuracy"], pct=True), stats.fmt_summary(r["test_loss"]),
                stats.fmt_summary(r["train_loss"]), stats.fmt_summary(r["epoch1_test_loss"]),
                _ratio_text(r["ratio_start"]), _ratio_text(r["ratio_median"]),
                f"{r['diverged']} / {r['unstable']} of {r['runs']}"] for r in rows]),
        "",
    ]
    edges = [f"{r['optimizer'].upper()}/{r['activation']}: {r['edge']}" for r in rows if r["edge"]]
    if edges:
        body += ["Rates at the grid's edge (the optimum may lie outside the grid): " + "; ".join(edges) + ".", ""]
    body += ["**Vanishing gradients** (d = log10 of the arm's ‖g₁‖/‖g₆‖ over ReLU's with the same optimizer; "
             "vanishing = d < −1; transient = at step 1 only, persistent = over training):", ""]
    for c in decided:
        if c["id"].startswith("p07.vanishing-"):
            r = c["result"]
            d = None if r["effect"] is None else r["effect"] + VANISH_LOG10
            body.append(f"- {c['quote'].split('[')[-1].rstrip(']')}: median over training d = "
                        f"{'—' if d is None else f'{d:+.2f}'} ({10 ** d if d is not None else float('nan'):.3g}× ReLU's "
                        f"ratio); {c['note']}. Ledger verdict on the persistent claim: **{c['verdict']}**.")
    body.append("")
    for o in summary["optimizers"]:
        mine = [r for r in rows if r["optimizer"] == o and r["test_accuracy"]["n"]]
        if len(mine) < 2:
            continue
        order = sorted(mine, key=lambda r: -r["test_accuracy"]["mean"])
        c = next((x for x in decided if x["id"] == f"p07.activation-matters-{o}"), None)
        body.append(f"With {o.upper()}, mean test accuracy orders the arms {' > '.join(r['activation'] for r in order)} "
                    f"(best − worst {claims.effect_text(c) if c else '—'}; Alexander–Govern p "
                    f"{claims.p_text(c) if c else '—'}: **{c['verdict'] if c else '—'}**). A ranking between arms "
                    "whose paired test is inconclusive is not a finding.")
    verdicts = {}
    for c in decided:
        for key in ("lower-loss", "faster", "poorer-generalization"):
            if c["id"].startswith(f"p07.{key}-"):
                verdicts.setdefault(key, []).append(f"{c['id'].split(key + '-')[1]}: {c['verdict']}")
    names = {"lower-loss": "ReLU/ELU reach a lower train loss", "faster": "ReLU/ELU converge faster (epoch-1 test loss)",
             "poorer-generalization": "sigmoid/tanh generalize worse (test accuracy)"}
    for key, vs in verdicts.items():
        body.append(f"Report A: {names[key]} — per saturating activation and optimizer: {'; '.join(vs)}.")
    body.append("")
    t = summary["timing"].get(summary["backend"], [])
    if t:
        c = next((x for x in decided if x["id"] == "p07.time-differences-small"), None)
        rep = [x for x in t if x["activation"] == "relu"]
        body.append(
            f"**Time per epoch** (timing pass, SGD lr {summary['timing_lr']:g}, {summary['timing_load']}): "
            + "; ".join(f"{x['activation']}{' (replica)' if x['replica'] else ''} {x['median']:.3g} s (IQR {x['iqr']:.2g})"
                        for x in t)
            + (f". Two identical ReLU configs differ by {abs(rep[0]['median'] - rep[1]['median']):.3g} s — the "
               "machine's own noise." if len(rep) == 2 else ".")
            + (f" Report A's \"differences in training time are generally not significant\": slowest − fastest "
               f"{claims.effect_text(c)}, TOST ±{TIME_MARGIN:.0%} — **{c['verdict']}**." if c else ""))
    ob = summary["other_backend"]
    gpu = [c for c in decided if c["id"].startswith("p07.gpu-")]
    body += ["", "**CPU vs GPU** (Report A's bonus): " + (
        f"stored {ob['name']} records: {ob['timing']} timing config(s), {ob['points']} of {ob['configs']} "
        "chosen-rate points. " if ob["timing"] or ob["points"] else
        f"no {ob['name']} run stored (run `python -m experiments run p07-activations --backend "
        f"{'cupy' if ob['name'] == 'cupy' else 'numpy'}` with the same --out and mode to add it). ")
        + " ".join(f"{c['id'].split('.', 1)[1]}: **{c['verdict']}**"
                   + (f" ({c['note']})" if c["kind"] == "untested" else f" ({claims.effect_text(c)}, p {claims.p_text(c)})")
                   + "." for c in gpu)]
    body += ["",
             figure(summary, "loss_curves.png", "train/test loss per activation"), "",
             figure(summary, "grad_norms.png", "per-layer gradient norms over training"), "",
             figure(summary, "grad_profile.png", "gradient norm per layer at step 1 and over training"), "",
             figure(summary, "epoch_time.png", "seconds per epoch (timing pass)")]
    return "\n".join(body)


if __name__ == "__main__":
    from .core.cli import main_single
    raise SystemExit(main_single(ID))
