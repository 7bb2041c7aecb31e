"""p07 — ReLU vs ELU vs sigmoid vs tanh vs leaky ReLU in a deeper MLP; do gradients vanish?

Question (Report A, problem 7): how does the activation function change the
loss curves and the time per epoch, and do sigmoid/tanh suffer from vanishing
gradients as the report claims?

Method.  One MLP 784 → 5 hidden layers of 128 → 10 (six Dense layers) per
activation, everything else equal: ``init="auto"`` (He-uniform before
ReLU/ELU/leaky ReLU, Glorot-uniform before sigmoid/tanh — the rule each
activation is usually paired with), batch 128, the same epochs, with two
optimizers: plain SGD (lr 0.1, no momentum: the update is the raw gradient, so
a vanishing gradient shows as slow learning) and Adam (lr 1e-3: it rescales
each parameter's step, which hides small gradients).  While training, an
optimizer wrapper (``GradNormTap``) records ‖dL/dW‖ (Frobenius norm of the
batch gradient of the mean loss) of every Dense layer every ``grad_every``
steps, before the update.  "Vanishing" is decided from the ratio
‖dL/dW₁‖ / ‖dL/dW₆‖ (first to last Dense layer), at the first step and as the
median over training: the criterion is ratio < 0.1 (the gradient shrinks by
more than 10× from the output to the input layer); it is shown next to ReLU's
ratio because the layers' shapes differ (784×128 vs 128×10).

GPU bonus.  ``python -m experiments run p07-activations --backend cupy`` trains
the same configs on the GPU; ``backend`` is part of every point's config hash,
so its points are stored beside the CPU points in the same folder.  Whichever
backend runs last, ``run`` also looks up the *other* backend's stored points
(cache lookups only, nothing is trained) and the report shows a CPU-vs-GPU
time-per-epoch table when both exist.  The curves and gradient figures come
from the backend of the last run (named in the section footer).

Limits: one width/depth; five hidden layers is deep enough for the sigmoid
effect but not for tanh to fail outright; Frobenius norms of differently
shaped matrices are compared as ratios, not absolutely.
"""
import math

import tinynet as tn

from .core import plots
from .core.report import figure, table
from .core.seedstats import fmt, fmt_stat, stat, within_spread
from .core.training import fit_point, mlp

np = tn.backend.np

ID = "p07-activations"
TITLE = "Activation functions and vanishing gradients"
QUESTION = ("ReLU vs ELU vs sigmoid vs tanh (and leaky ReLU) in a deeper MLP: loss curves, time per "
            "epoch, and per-layer gradient norms over training — do sigmoid/tanh show vanishing "
            "gradients?")
ESTIMATE = {"smoke": 5, "quick": 35, "full": 550}

ACTIVATIONS = {"relu": tn.layers.ReLU, "elu": tn.layers.ELU, "leaky_relu": tn.layers.LeakyReLU,
               "tanh": tn.layers.Tanh, "sigmoid": tn.layers.Sigmoid}
OPTIMIZERS = {"sgd": 0.1, "adam": 1e-3}  # optimizer -> learning rate
HIDDEN = [128] * 5
BATCH = 128
VANISHING_RATIO = 0.1
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


def _train(ctx, data):
    def fn(config):
        layers = mlp([784] + config["hidden"] + [10], activation=ACTIVATIONS[config["activation"]])
        model = tn.Sequential(layers, seed=config["seed"])
        dense = [layer for layer in model.layers if isinstance(layer, tn.layers.Dense)]
        tap = GradNormTap(_optimizer(config["optimizer"], config["lr"]), dense, config["grad_every"])
        result = fit_point(model, data, tn.losses.SoftmaxCrossEntropy(), tap,
                           epochs=config["epochs"], batch_size=config["batch_size"],
                           verbose=ctx.fit_verbose)
        result["grad_steps"] = tap.steps
        result["grad_norms"] = tap.norms  # [layer][record]
        return result
    return fn


def _configs(ctx, epochs, n_train, grad_every):
    return [{"activation": act, "optimizer": opt, "lr": lr, "hidden": HIDDEN, "epochs": epochs,
             "batch_size": BATCH, "n_train": n_train, "grad_every": grad_every, "seed": s}
            for opt, lr in OPTIMIZERS.items() for act in ACTIVATIONS for s in ctx.seeds]


def _ratio(norms, index):
    first, last = norms[0][index], norms[-1][index]
    if first is None or last is None or not last or not math.isfinite(first) or not math.isfinite(last):
        return None
    return first / last


def _median_ratio(norms):
    ratios = [r for r in (_ratio(norms, i) for i in range(len(norms[0]))) if r is not None and r > 0]
    return float(np.median(ratios)) if ratios else None


def _epoch_time(records):
    """Seconds per epoch over the epochs of every seed, the first (warm-up: CuPy compiles its kernels
    then) left out when there are more."""
    times = []
    for r in records:
        ts = r["result"]["history"].get("epoch_time", [])
        times += ts[1:] if len(ts) > 1 else ts
    return stat(times) if times else None


def _backend_name(record):
    return record.get("meta", {}).get("backend") or record["config"]["backend"]


def _select(records, opt, act):
    """The stored points of one optimizer and activation (one per seed)."""
    return [r for r in records if r["config"]["optimizer"] == opt and r["config"]["activation"] == act]


def _optimizers_in(records):
    """The optimizers that have stored points, in OPTIMIZERS order."""
    return [o for o in OPTIMIZERS if any(r["config"]["optimizer"] == o for r in records)]


def run(ctx):
    epochs = ctx.pick(smoke=1, quick=5, full=10)
    n_train = ctx.pick(smoke=600, quick=12000, full=60000)
    steps_per_epoch = math.ceil(n_train / BATCH)
    grad_every = max(1, steps_per_epoch // 10)  # ≈ 10 gradient records per epoch
    data = ctx.data(n_train=n_train)
    activations = list(ACTIVATIONS) if ctx.mode != "smoke" else ["relu", "sigmoid"]
    configs = [c for c in _configs(ctx, epochs, n_train, grad_every) if c["activation"] in activations]
    if ctx.mode == "smoke":
        configs = [c for c in configs if c["optimizer"] == "sgd"]
    records = ctx.run_points(configs, _train(ctx, data),
                             label=lambda c: f"{c['activation']} {c['optimizer']} seed={c['seed']}")

    rows = []
    for opt in OPTIMIZERS:
        for act in activations:
            recs = _select(records, opt, act)
            if not recs:
                continue
            res = [r["result"] for r in recs]
            ok = [x for x in res if not x["diverged"]]
            rows.append({
                "optimizer": opt, "lr": OPTIMIZERS[opt], "activation": act,
                "diverged": sum(x["diverged"] for x in res), "runs": len(res),
                "test_accuracy": stat([x["final"]["test_accuracy"] for x in ok]),
                "test_loss": stat([x["final"]["test_loss"] for x in ok]),
                "train_loss": stat([x["final"]["train_loss"] for x in ok]),
                "epoch_time": _epoch_time(recs),
                "ratio_start": stat([_ratio(x["grad_norms"], 0) for x in res]),
                "ratio_median": stat([_median_ratio(x["grad_norms"]) for x in res]),
                "first_norm_start": stat([x["grad_norms"][0][0] for x in res]),
                "last_norm_start": stat([x["grad_norms"][-1][0] for x in res]),
                "epochs_to_90": stat([next((i + 1 for i, a in enumerate(x["history"].get("test_accuracy", []))
                                            if a is not None and a >= 0.9), None) for x in res]),
            })

    # The other backend's stored points of the same configs (lookups only).
    timing = {}
    for backend in ("numpy", "cupy"):
        found = records if backend == ctx.backend else [
            rec for rec in (ctx.store.get({**c, "mode": ctx.mode, "dataset": ctx.dataset, "backend": backend})
                            for c in configs) if rec is not None]
        if not found:
            continue
        per_act = {}
        for opt in OPTIMIZERS:
            for act in activations:
                recs = _select(found, opt, act)
                if recs:
                    per_act[f"{opt}/{act}"] = _epoch_time(recs)
        timing[backend] = {"device": _backend_name(found[0]), "points": len(found), "epoch_time": per_act,
                           "cpu": found[0].get("meta", {}).get("cpu"),
                           "commits": sorted({str(r.get("meta", {}).get("commit")) for r in found}),
                           "configs": len(configs)}

    figures = [_plot_curves(ctx, records, activations), _plot_grad_norms(ctx, records, activations),
               _plot_grad_profile(ctx, records, activations), _plot_times(ctx, timing, activations)]
    return {"rows": rows, "timing": timing, "figures": figures, "epochs": epochs, "n_train": n_train,
            "hidden": HIDDEN, "batch_size": BATCH, "optimizers": OPTIMIZERS, "grad_every": grad_every,
            "steps_per_epoch": steps_per_epoch, "activations": activations, "backend": ctx.backend,
            "vanishing_ratio": VANISHING_RATIO}


# ----------------------------------------------------------------- figures
def _plot_curves(ctx, records, activations):
    opts = _optimizers_in(records)
    fig, axes = plots.figure(ncols=len(opts), width=5.2, height=3.8)
    axes = axes if len(opts) > 1 else [axes]
    for ax, opt in zip(axes, opts):
        for act in activations:
            recs = [r["result"] for r in _select(records, opt, act)]
            if not recs:
                continue
            hist = [x["history"] for x in recs]
            n = max(len(h.get("loss", [])) for h in hist)
            x = list(range(1, n + 1))
            plots.band(ax, x, [h.get("loss", []) for h in hist], label=f"{act} train", color=COLORS[act])
            plots.band(ax, x, [h.get("test_loss", []) for h in hist], color=COLORS[act], ls="--")
            for res in recs:
                if res["diverged"]:
                    plots.mark_diverged(ax, res["epochs_done"] + 1, 1.0)
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(plots.plt.MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel("cross-entropy loss (nats, log scale)")
        ax.set_title(f"{opt.upper()} lr {OPTIMIZERS[opt]:g}: train (solid), test (dashed)", fontsize=9)
        ax.legend(fontsize=7)
    return plots.save(fig, ctx.path("loss_curves.png")).rsplit("/", 1)[-1]


def _plot_grad_norms(ctx, records, activations):
    opts = _optimizers_in(records)
    fig, axes = plots.figure(ncols=len(activations), nrows=len(opts), width=2.2, height=1.9, sharey=True)
    axes = list(np.atleast_1d(axes))
    for row, opt in enumerate(opts):
        for col, act in enumerate(activations):
            ax = axes[row * len(activations) + col]
            recs = [r["result"] for r in _select(records, opt, act)]
            if not recs:
                continue
            steps = recs[0]["grad_steps"]
            # ≤ 40 log-spaced records per line: the x axis is logarithmic, and the PNG stays small
            keep = sorted(set(np.geomspace(1, len(steps), 40).astype(int) - 1)) if len(steps) > 40 else \
                list(range(len(steps)))
            n_layers = len(recs[0]["grad_norms"])
            for layer in range(n_layers):
                series = [[x["grad_norms"][layer][i] for i in keep if i < len(x["grad_norms"][layer])]
                          for x in recs]
                plots.band(ax, [steps[i] + 1 for i in keep], series, label=f"Dense {layer + 1}",
                           color=plots.plt.cm.viridis(layer / max(1, n_layers - 1)), lw=0.8)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(f"{act}, {opt.upper()}", fontsize=9)
            if row == len(opts) - 1:
                ax.set_xlabel("training step (log)")
            if col == 0:
                ax.set_ylabel("‖dL/dW‖ (log)")
            if row == 0 and col == len(activations) - 1:
                ax.legend(fontsize=6)
    return plots.save(fig, ctx.path("grad_norms.png")).rsplit("/", 1)[-1]


def _plot_grad_profile(ctx, records, activations):
    opts = _optimizers_in(records)
    fig, axes = plots.figure(ncols=len(opts), width=5.0, height=3.6)
    axes = axes if len(opts) > 1 else [axes]
    for ax, opt in zip(axes, opts):
        for act in activations:
            recs = [r["result"] for r in _select(records, opt, act)]
            if not recs:
                continue
            n_layers = len(recs[0]["grad_norms"])
            x = list(range(1, n_layers + 1))
            plots.band(ax, x, [[layer[0] for layer in r["grad_norms"]] for r in recs],
                       color=COLORS[act], label=f"{act} step 1", marker="o")
            # median over the records of the last epoch: the end of training
            per_epoch = max(1, len(recs[0]["grad_steps"]) // max(1, recs[0]["epochs_done"] or 1))
            end = [[float(np.median([v for v in layer[-per_epoch:] if v is not None] or [np.nan]))
                    for layer in r["grad_norms"]] for r in recs]
            plots.band(ax, x, end, color=COLORS[act], ls="--", marker="s", label=f"{act} last epoch")
        ax.set_yscale("log")
        ax.set_xlabel("Dense layer (1 = input side, 6 = output)")
        ax.set_ylabel("‖dL/dW‖ (log scale)")
        ax.set_title(f"{opt.upper()}: gradient norm per layer", fontsize=9)
        ax.legend(fontsize=6, ncol=2)
    return plots.save(fig, ctx.path("grad_profile.png")).rsplit("/", 1)[-1]


def _plot_times(ctx, timing, activations):
    fig, ax = plots.figure(width=6.0, height=3.4)
    backends = list(timing)
    keys = [f"{o}/{a}" for o in OPTIMIZERS for a in activations]
    width = 0.8 / max(1, len(backends))
    for b, backend in enumerate(backends):
        vals = [timing[backend]["epoch_time"].get(k) for k in keys]
        xs = [i + b * width for i in range(len(keys))]
        ax.bar(xs, [v["mean"] if v else 0 for v in vals], width,
               yerr=[v["std"] if v else 0 for v in vals], label=timing[backend]["device"])
    ax.set_xticks([i + width * (len(backends) - 1) / 2 for i in range(len(keys))])
    ax.set_xticklabels(keys, rotation=45, ha="right", fontsize=7)
    ax.set_ylabel("training time per epoch (s)")
    if len(backends) > 1:
        ax.set_yscale("log")
    ax.set_title("seconds per epoch (mean ± std over seeds and epochs, the first excluded)", fontsize=9)
    ax.legend(fontsize=7)
    return plots.save(fig, ctx.path("epoch_time.png")).rsplit("/", 1)[-1]


# ------------------------------------------------------------------ report
def _fmt_ratio(s):
    if s is None or s.get("n", 0) == 0:
        return "—"
    return fmt(s["mean"], s["std"], digits=3)


def report(summary):
    rows = summary["rows"]
    body = [
        f"MLP 784 → {len(summary['hidden'])}×{summary['hidden'][0]} → 10, batch {summary['batch_size']}, "
        f"{summary['epochs']} epochs on {summary['n_train']:,} training images, init='auto' (He-uniform "
        f"for ReLU/ELU/leaky ReLU, Glorot-uniform for tanh/sigmoid), optimizers: plain SGD lr "
        f"{summary['optimizers']['sgd']:g} (no momentum) and Adam lr {summary['optimizers']['adam']:g}. "
        f"Gradient norms recorded every {summary['grad_every']} steps ({summary['steps_per_epoch']} steps "
        f"per epoch). Mean ± std over seeds.",
        "",
        table(["optimizer", "activation", "test accuracy", "test loss", "train loss", "epochs to 90% test acc",
               "s/epoch", "‖g₁‖/‖g₆‖ step 1", "‖g₁‖/‖g₆‖ median over training", "diverged"],
              [[r["optimizer"].upper(), r["activation"], fmt_stat(r["test_accuracy"], pct=True),
                fmt_stat(r["test_loss"]), fmt_stat(r["train_loss"]),
                fmt_stat(r["epochs_to_90"], digits=2) if r["epochs_to_90"]["n"] else "never",
                fmt_stat(r["epoch_time"], digits=3) if r["epoch_time"] else "—",
                _fmt_ratio(r["ratio_start"]), _fmt_ratio(r["ratio_median"]),
                f"{r['diverged']}/{r['runs']}"] for r in rows]),
        "",
        "‖g₁‖/‖g₆‖ is the Frobenius norm of the first Dense layer's weight gradient (784×128) over the last "
        f"one's (128×10). Criterion for *vanishing*: ratio < {summary['vanishing_ratio']:g} (more than 10× "
        "smaller at the input side), judged against ReLU's ratio with the same optimizer, since the layer "
        "shapes alone make the ratios differ from 1.",
        "",
    ]
    # --- vanishing-gradient verdicts, computed
    verdicts = []
    for opt in summary["optimizers"]:
        opt_rows = {r["activation"]: r for r in rows if r["optimizer"] == opt}
        relu = opt_rows.get("relu")
        for act in ("sigmoid", "tanh"):
            r = opt_rows.get(act)
            if r is None or not r["ratio_start"]["n"]:
                continue
            start, med = r["ratio_start"]["mean"], r["ratio_median"]["mean"]
            vanish = start < summary["vanishing_ratio"]
            rel = ""
            if relu and relu["ratio_start"]["n"] and relu["ratio_start"]["mean"] > 0:
                rel = (f"; ReLU's ratio is {relu['ratio_start']['mean']:.3g} at step 1 and "
                       f"{relu['ratio_median']['mean']:.3g} median, so {act}'s ratio is "
                       f"{start / relu['ratio_start']['mean']:.3g}× ReLU's at step 1 and "
                       f"{med / relu['ratio_median']['mean']:.3g}× over training")
            verdicts.append(
                f"- {opt.upper()}, {act}: ‖g₁‖/‖g₆‖ = {start:.3g} at step 1 and {med:.3g} median over "
                f"training → {'VANISHING gradients (ratio < ' + format(summary['vanishing_ratio'], 'g') + ')' if vanish else 'no vanishing by this criterion'}{rel}.")
    if verdicts:
        body += ["**Vanishing gradients (Report A: sigmoid/tanh suffer from them):**", "", *verdicts, ""]
    # --- which activation won, per optimizer
    for opt in summary["optimizers"]:
        opt_rows = [r for r in rows if r["optimizer"] == opt and r["test_accuracy"]["n"]]
        if len(opt_rows) < 2:
            continue
        best = max(opt_rows, key=lambda r: r["test_accuracy"]["mean"])
        worst = min(opt_rows, key=lambda r: r["test_accuracy"]["mean"])
        seeds = best["test_accuracy"]["n"]
        spread = ("single seed: spread unknown" if seeds < 2 else
                  "within the seed spread" if within_spread(best["test_accuracy"], worst["test_accuracy"])
                  else "beyond the seed spread")
        order = sorted(opt_rows, key=lambda r: -r["test_accuracy"]["mean"])
        body.append(
            f"With {opt.upper()}, the ranking by final test accuracy is "
            f"{' > '.join(r['activation'] for r in order)}; {best['activation']} "
            f"({fmt_stat(best['test_accuracy'], pct=True)}) beats {worst['activation']} "
            f"({fmt_stat(worst['test_accuracy'], pct=True)}) by "
            f"{100 * (best['test_accuracy']['mean'] - worst['test_accuracy']['mean']):.2f} points ({spread}).")
    relu_family = {"relu", "elu", "leaky_relu"}
    for opt in summary["optimizers"]:
        opt_rows = [r for r in rows if r["optimizer"] == opt and r["train_loss"]["n"]]
        fam = [r["train_loss"]["mean"] for r in opt_rows if r["activation"] in relu_family]
        sat = [r["train_loss"]["mean"] for r in opt_rows if r["activation"] not in relu_family]
        if fam and sat:
            claim = max(fam) < min(sat)
            body.append(
                f"Report A's claim that ReLU/ELU reach a lower loss than sigmoid/tanh "
                f"{'HOLDS' if claim else 'does NOT hold'} with {opt.upper()} on final train loss "
                f"(ReLU family {min(fam):.4g}–{max(fam):.4g} vs sigmoid/tanh {min(sat):.4g}–{max(sat):.4g}).")
    # --- time per epoch
    times = [(r["epoch_time"]["mean"], r) for r in rows if r["epoch_time"]]
    if times:
        fast, slow = min(times, key=lambda t: t[0]), max(times, key=lambda t: t[0])
        body.append(
            f"Time per epoch ranges from {fast[0]:.3g} s ({fast[1]['optimizer']}/{fast[1]['activation']}) "
            f"to {slow[0]:.3g} s ({slow[1]['optimizer']}/{slow[1]['activation']}), a factor "
            f"{slow[0] / fast[0]:.2f}; Report A says activation differences in time are 'generally not "
            f"significant' — {'consistent' if slow[0] / fast[0] < 1.25 else 'our spread is larger than 25%'}.")
    # --- CPU vs GPU
    timing = summary.get("timing", {})
    if "numpy" in timing and "cupy" in timing:
        keys = [k for k in timing["numpy"]["epoch_time"] if k in timing["cupy"]["epoch_time"]]
        trs = []
        ratios = []
        for k in keys:
            c, g = timing["numpy"]["epoch_time"][k], timing["cupy"]["epoch_time"][k]
            ratios.append(c["mean"] / g["mean"])
            trs.append([k, fmt_stat(c, digits=3), fmt_stat(g, digits=3), f"{c['mean'] / g['mean']:.1f}×"])
        body += ["", f"**CPU vs GPU** (seconds per epoch; CPU: {timing['numpy']['device']} on "
                     f"{timing['numpy'].get('cpu')}; GPU: {timing['cupy']['device']}):", "",
                 table(["optimizer/activation", "CPU s/epoch", "GPU s/epoch", "speed-up"], trs), "",
                 f"GPU speed-up (CPU time / GPU time per epoch, first epoch excluded): {min(ratios):.1f}–"
                 f"{max(ratios):.1f}×, median {float(np.median(ratios)):.1f}×"
                 f"{' (below 1 = the GPU is slower)' if min(ratios) < 1 else ''}. "
                 f"Report A expected 'significant improvements' on a GPU: "
                 f"{'confirmed' if float(np.median(ratios)) > 2 else 'NOT confirmed at this model size'}."]
        for backend, name in (("numpy", "CPU"), ("cupy", "GPU")):
            t = timing[backend]
            if t.get("configs") and t["points"] < t["configs"]:
                body.append(f"The {name} column covers {t['points']} of the {t['configs']} points "
                            f"(the others were not run on that backend); only configs measured on both "
                            f"are compared.")
        if timing["numpy"].get("commits") != timing["cupy"].get("commits"):
            body.append(f"The two backends' points come from different code versions (git commit "
                        f"{', '.join(timing['numpy'].get('commits', []))} on the CPU, "
                        f"{', '.join(timing['cupy'].get('commits', []))} on the GPU, where 'None' "
                        f"means the run had no git checkout), so timings compare versions as well "
                        f"as devices.")
    else:
        have = ", ".join(timing) or "none"
        body += ["", f"CPU vs GPU: stored points for backend(s) {have} only; run "
                     "`python -m experiments run p07-activations --backend cupy` on a GPU machine (same "
                     "--out and mode) to add the GPU column."]
    body += ["",
             figure(summary, "loss_curves.png", "train/test loss per activation"), "",
             figure(summary, "grad_norms.png", "per-layer gradient norms over training"), "",
             figure(summary, "grad_profile.png", "gradient norm per layer at step 1 and in the last epoch"), "",
             figure(summary, "epoch_time.png", "seconds per epoch")]
    return "\n".join(body)


if __name__ == "__main__":
    from .core.cli import main_single
    main_single(ID)
