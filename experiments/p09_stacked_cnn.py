"""p09 — two stacked conv layers vs p08's single-conv CNN.

Question (Report A, problem 9): does a CNN with two stacked convolutional
layers (different kernel sizes / filter counts) beat p08's one-conv CNN, in
accuracy per parameter and in loss vs training time?

Method.  Three two-conv CNNs, each
conv F1@k1 → ReLU → maxpool 2 → conv F2@k2 → ReLU → maxpool 2 → flatten →
dense h → ReLU → dense 10 (stride 1, no padding):

* small:  8@5×5 → 16@3×3, h = 32
* medium: 16@5×5 → 32@3×3, h = 64   (5×5 first, 3×3 second)
* swapped: 16@3×3 → 32@5×5, h = 64  (the kernel sizes in the other order)

trained with p08's recipe (Adam lr 1e-3 with cosine decay to 0, batch 128) on
all training images of
the mode for ``epochs`` epochs, every seed; test accuracy and loss after each
epoch.  p08's confirmed one-conv CNNs and its dense reference are read from
``<out>/p08-cnn-search/summary.json`` (same mode), not retrained; when p08 has
not run, the comparison is left out and the section says so.

Quality bar (full run): the best two-conv CNN reaches ≥ 99.0% test accuracy
(mean over seeds).

Limits: three configurations; p08's epochs may differ from ours (both are
printed); no padding, no batch norm, no data augmentation.
"""
import json
import os

import tinynet as tn

from .core import plots
from .core.report import figure, table
from .core.seedstats import fmt_stat, within_spread
from .core.training import fit_point
from . import p08_cnn_search as p08

np = tn.backend.np

ID = "p09-stacked-cnn"
TITLE = "Two stacked conv layers vs one"
QUESTION = ("Do two stacked conv layers (different kernel sizes / filter counts) beat p08's one-conv CNN "
            "in accuracy vs parameter count and in loss vs training time?")
ESTIMATE = {"smoke": 4, "quick": 45, "full": 1100}

CONFIGS = {
    "small": {"kind": "cnn2", "c1": [8, 5], "c2": [16, 3], "hidden": 32},
    "medium": {"kind": "cnn2", "c1": [16, 5], "c2": [32, 3], "hidden": 64},
    "swapped": {"kind": "cnn2", "c1": [16, 3], "c2": [32, 5], "hidden": 64},
}
BAR = 0.990


def cnn2_layers(arch):
    L = tn.layers
    (f1, k1), (f2, k2), h = arch["c1"], arch["c2"], arch["hidden"]
    side = ((28 - k1 + 1) // 2 - k2 + 1) // 2
    return [L.Conv2D(1, f1, k1), L.ReLU(), L.MaxPool2D(2),
            L.Conv2D(f1, f2, k2), L.ReLU(), L.MaxPool2D(2), L.Flatten(),
            L.Dense(f2 * side * side, h), L.ReLU(), L.Dense(h, 10)]


def arch_name(arch):
    (f1, k1), (f2, k2) = arch["c1"], arch["c2"]
    return f"conv {f1}@{k1}×{k1} → pool → conv {f2}@{k2}×{k2} → pool → dense {arch['hidden']} → 10"


def _point(ctx, data):
    def fn(config):
        model = tn.Sequential(cnn2_layers(config["arch"]), seed=config["seed"])
        return fit_point(model, data, tn.losses.SoftmaxCrossEntropy(), p08.make_optimizer(config),
                         epochs=config["epochs"], batch_size=config["batch_size"], verbose=ctx.fit_verbose)
    return fn


def _p08_summary(ctx):
    path = os.path.join(ctx.out, p08.ID, "summary.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        summary = json.load(f)
    return summary if summary.get("mode") == ctx.mode and summary.get("dataset") == ctx.dataset else None


def run(ctx):
    epochs = ctx.pick(smoke=1, quick=2, full=8)
    names = list(CONFIGS) if ctx.mode != "smoke" else ["small"]
    data = ctx.data(flatten=False)
    configs = [{"name": n, "arch": CONFIGS[n], "lr": p08.LR, "batch_size": p08.BATCH, "optimizer": "adam",
                "schedule": "cosine",
                "epochs": epochs, "n_train": int(data["X_train"].shape[0]), "seed": s}
               for n in names for s in ctx.seeds]
    records = ctx.run_points(configs, _point(ctx, data), label=lambda c: f"{c['name']} seed={c['seed']}")
    groups = []
    for n in names:
        g = p08.summarize_group(CONFIGS[n], [r for r in records if r["config"]["name"] == n])
        g.update(name=f"{n}: {arch_name(CONFIGS[n])}", key=n)
        groups.append(g)
    ok = [g for g in groups if g["test_accuracy"]["n"]]
    best = max(ok, key=lambda g: g["test_accuracy"]["mean"]) if ok else None

    ref = _p08_summary(ctx)
    one_conv = ref["cnns"] if ref else []
    dense = ref["dense"] if ref else None
    figures = [_plot_acc(ctx, groups, one_conv, dense), _plot_time(ctx, groups, one_conv, dense, ref)]
    return {"groups": groups, "best": best["key"] if best else None, "bar": BAR,
            "p08": None if ref is None else {"cnns": [{k: g[k] for k in ("name", "params", "test_accuracy",
                                                                          "train_time", "matches")}
                                                      for g in one_conv],
                                             "dense": {k: dense[k] for k in ("name", "params", "test_accuracy",
                                                                             "train_time")},
                                             "winner": ref.get("winner"), "epochs": ref["settings"]["epochs"]},
            "settings": {"epochs": epochs, "lr": p08.LR, "batch_size": p08.BATCH,
                         "n_train": int(data["X_train"].shape[0]), "n_test": int(data["X_test"].shape[0])},
            "figures": figures}


def _plot_acc(ctx, groups, one_conv, dense):
    fig, ax = plots.figure(width=6.0, height=4.0)
    series = [(groups, "o", "C3", "two conv (p09)"), (one_conv, "^", "C0", "one conv (p08)"),
              ([dense] if dense else [], "s", "k", "dense (p08 ref.)")]
    for gs, marker, color, label in series:
        gs = [g for g in gs if g["test_accuracy"]["n"]]
        if not gs:
            continue
        ax.errorbar([g["params"] for g in gs], [100 * g["test_accuracy"]["mean"] for g in gs],
                    yerr=[100 * g["test_accuracy"]["std"] for g in gs], fmt=marker, color=color, capsize=3,
                    label=label)
        for g in gs:
            ax.annotate(g.get("key") or g["name"].replace("conv ", "").split(" →")[0], (g["params"],
                        100 * g["test_accuracy"]["mean"]), fontsize=6, xytext=(3, 3), textcoords="offset points")
    for g in groups:
        if g["diverged"]:
            plots.mark_diverged(ax, g["params"], 100 * BAR)
    ax.axhline(100 * BAR, color="gray", ls=":", label="99.0% bar")
    ax.set_xscale("log")
    ax.xaxis.set_minor_formatter(plots.plt.NullFormatter())
    ax.set_xlabel("parameters (count, log scale)")
    ax.set_ylabel("test accuracy (%), mean ± std over seeds")
    ax.set_title("accuracy vs parameter count", fontsize=9)
    ax.legend(fontsize=7)
    return plots.save(fig, ctx.path("acc_vs_params.png")).rsplit("/", 1)[-1]


def _plot_time(ctx, groups, one_conv, dense, ref):
    fig, (ax1, ax2) = plots.figure(ncols=2, width=5.0, height=3.8)
    winner = next((g for g in one_conv if ref and g["name"] == ref.get("winner")), one_conv[0] if one_conv else None)
    entries = [(g, f"C{3 + i}", g["key"]) for i, g in enumerate(groups)]
    if winner:
        entries.append((winner, "C0", "p08 one-conv winner"))
    if dense:
        entries.append((dense, "k", "p08 dense ref."))
    for g, color, label in entries:
        c = g["curves"]
        x = [np.nan if v is None else v for v in c["elapsed"]]
        for ax, key in ((ax1, "loss"), (ax2, "test_loss")):
            y = [np.nan if v is None else v for v in c[key]][:len(x)]
            ax.plot(x[:len(y)], y, marker=".", color=color, label=label)
    for ax, what in ((ax1, "train"), (ax2, "test")):
        ax.set_yscale("log")
        ax.set_xlabel("training time (s, wall clock)")
        ax.set_ylabel(f"{what} cross-entropy (nats, log scale)")
        ax.set_title(f"{what} loss vs time (mean over seeds)", fontsize=9)
    ax1.legend(fontsize=6)
    return plots.save(fig, ctx.path("loss_vs_time.png")).rsplit("/", 1)[-1]


def report(summary):
    s, groups = summary["settings"], summary["groups"]
    body = [f"Two-conv CNNs, Adam lr {s['lr']:g} with cosine decay to 0 (p08's recipe), batch {s['batch_size']}, "
            f"{s['epochs']} epochs on "
            f"{s['n_train']:,} training images, tested on {s['n_test']:,}; mean ± std over seeds.", ""]
    rows = [[g["name"], f"{g['params']:,}", fmt_stat(g["test_accuracy"], pct=True), fmt_stat(g["test_loss"]),
             fmt_stat(g["train_time"], digits=3), "DIVERGED" if g["diverged"] else ""] for g in groups]
    p = summary.get("p08")
    if p:
        rows += [[f"p08 one-conv: {g['name']}", f"{g['params']:,}", fmt_stat(g["test_accuracy"], pct=True), "",
                  fmt_stat(g["train_time"], digits=3), f"p08, {p['epochs']} epochs"] for g in p["cnns"]]
        d = p["dense"]
        rows.append([f"p08 dense: {d['name']}", f"{d['params']:,}", fmt_stat(d["test_accuracy"], pct=True), "",
                     fmt_stat(d["train_time"], digits=3), f"p08, {p['epochs']} epochs"])
    body += [table(["model", "params", "test accuracy", "test loss", "train time (s)", "note"], rows), ""]
    best = next((g for g in groups if g["key"] == summary["best"]), None)
    if best:
        acc = best["test_accuracy"]
        body.append(f"Best two-conv CNN: **{best['key']}** ({best['params']:,} parameters), test accuracy "
                    f"{fmt_stat(acc, pct=True)}. Quality bar ≥ {100 * summary['bar']:.1f}%: "
                    f"**{'met' if acc['mean'] >= summary['bar'] else 'MISSED'}**"
                    + (" (quick/smoke run: the bar applies to the full run)" if summary.get("mode") != "full" else "")
                    + ".")
    if p and best and p["cnns"]:
        one = max(p["cnns"], key=lambda g: g["test_accuracy"]["mean"] if g["test_accuracy"]["n"] else -1)
        diff = best["test_accuracy"]["mean"] - one["test_accuracy"]["mean"]
        seeds = min(best["test_accuracy"]["n"], one["test_accuracy"]["n"])
        spread = ("single seed: spread unknown" if seeds < 2 else
                  "within the seed spread" if within_spread(best["test_accuracy"], one["test_accuracy"])
                  else "beyond the seed spread")
        ratio = best["params"] / one["params"]
        body.append(
            f"Against p08's best one-conv CNN ({one['name']}, {one['params']:,} parameters, "
            f"{fmt_stat(one['test_accuracy'], pct=True)}): {100 * diff:+.2f} points ({spread}) with "
            f"{ratio:.2f}× its parameters.")
        smaller = [g for g in groups if g["params"] <= one["params"] and g["test_accuracy"]["n"]]
        if smaller:
            sm = max(smaller, key=lambda g: g["test_accuracy"]["mean"])
            body.append(f"At no more parameters than that one-conv CNN, the two-conv '{sm['key']}' "
                        f"({sm['params']:,} p.) reaches {fmt_stat(sm['test_accuracy'], pct=True)} "
                        f"({100 * (sm['test_accuracy']['mean'] - one['test_accuracy']['mean']):+.2f} points).")
        if seeds < 2:
            verdict = ("consistent with" if diff > 0 else "NOT supported by") + \
                " these numbers (single seed: not tested against the seed spread)"
        elif diff > 0 and not within_spread(best["test_accuracy"], one["test_accuracy"]):
            verdict = "supported by these numbers (beyond the seed spread)"
        else:
            verdict = "NOT supported beyond the seed spread by these numbers"
        body.append(f"Report A's claim (two stacked conv layers give higher accuracy at comparable parameter "
                    f"count): {verdict}"
                    f"{'' if p['epochs'] == s['epochs'] else ' (note: p08 trained ' + str(p['epochs']) + ' epochs, p09 ' + str(s['epochs']) + ')'}.")
        if best["train_time"]["n"] and one["train_time"]["n"]:
            body.append(f"Training time: {best['train_time']['mean']:.3g} s for the best two-conv CNN vs "
                        f"{one['train_time']['mean']:.3g} s for p08's one-conv CNN "
                        f"({best['train_time']['mean'] / one['train_time']['mean']:.1f}×).")
    elif not p:
        body.append("p08's summary for this mode was not found, so the one-conv comparison is left out: run "
                    "`python -m experiments run p08-cnn-search` (same mode) first.")
    body += ["", figure(summary, "acc_vs_params.png", "accuracy vs parameters, one vs two conv layers"), "",
             figure(summary, "loss_vs_time.png", "train/test loss vs training time")]
    return "\n".join(body)


if __name__ == "__main__":
    from .core.cli import main_single
    main_single(ID)
