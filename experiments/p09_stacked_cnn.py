"""p09 — two stacked conv layers vs p08's one-conv CNN.

Question (Report A, problem 9): does a CNN with two stacked convolutional
layers (different kernel sizes / filter counts) beat p08's one-conv CNN, in
accuracy per parameter and in loss vs training time?

Models: conv F1@k1 → ReLU → maxpool 2 → conv F2@k2 → ReLU → maxpool 2 →
flatten → dense h → ReLU → dense 10 (stride 1, no padding):

* small:  8@5×5 → 16@3×3, h = 32 (fewer parameters than p08's usual winner);
* medium: 16@5×5 → 32@3×3, h = 64.

Recipe: p08's, from ``experiments/core/cnn.py`` (Adam lr 1e-3 with cosine
decay to 0, batch 128, the nominal budget of 6 epochs full / 2 quick, the
training images minus the same validation split), every seed (>= 5 full).

The one-conv reference is read from p08's summary by explicit key:
``<out>/p08-cnn-search/summary.json`` → ``one_conv_reference`` (p08's
winner, or its best CNN when none matched: ``test_values`` per seed,
``params``, ``recipe``, ``curves``) and ``dense_reference`` (the dense model,
same recipe), used only when their ``recipe`` equals ours (same mode, dataset,
epochs, split).  Otherwise the one-conv reference (``cnn.DEFAULT_ONE_CONV``,
16@5×5) and the dense model are re-derived inside p09's points, and the text
says which.

Claims (Welch t on per-seed test accuracy; the best two-conv model is picked
on *validation* accuracy): the best two-conv CNN beats the one-conv CNN; a
two-conv CNN with no more than ``COMPARABLE`` × the one-conv's parameters
beats it; Report A's explanation (stacked layers learn more complex
features) is not measured here (untested).

Limits: two configurations, one recipe (no tuning), no padding, no batch norm,
no augmentation; loss-vs-time uses the elapsed time of the accuracy runs.
"""
import os

from .core import claims, cnn, plots, stats
from .core.report import figure, table
from .core.store import read_json

ID = "p09-stacked-cnn"
TITLE = "Two stacked conv layers vs one"
QUESTION = ("Do two stacked conv layers (different kernel sizes / filter counts) beat p08's one-conv CNN "
            "in accuracy vs parameter count and in loss vs training time?")
ESTIMATE = {"smoke": 4, "quick": 15, "full": 950}

CONFIGS = {
    "small": {"kind": "cnn2", "c1": [8, 5], "c2": [16, 3], "hidden": 32},
    "medium": {"kind": "cnn2", "c1": [16, 5], "c2": [32, 3], "hidden": 64},
}
COMPARABLE = 1.25   # "comparable parameter count": at most 1.25× the one-conv CNN's
P08_ID = "p08-cnn-search"


def _configs(ctx, arch, **extra):
    return [{"arch": arch, **cnn.recipe(ctx), **extra, "seed": s} for s in ctx.seeds]


def read_p08(ctx):
    """(one-conv ref, dense ref, where they came from) from p08's summary keys, or (None, None, why)."""
    path = os.path.join(ctx.out, P08_ID, "summary.json")
    try:
        summary = read_json(path)
    except (OSError, ValueError):
        return None, None, f"`{P08_ID}/summary.json` absent in this results folder"
    one, dense = summary.get("one_conv_reference"), summary.get("dense_reference")
    if summary.get("mode") != ctx.mode or summary.get("dataset", "mnist") != ctx.dataset:
        return None, None, f"`{P08_ID}/summary.json` is from another mode or dataset"
    if not one or not dense or one.get("recipe") != cnn.recipe(ctx) or dense.get("recipe") != cnn.recipe(ctx):
        return None, None, f"keys one_conv_reference / dense_reference absent or of another recipe in `{P08_ID}`"
    return one, dense, f"read from `{P08_ID}/summary.json`, keys one_conv_reference and dense_reference"


def run(ctx):
    names = list(CONFIGS) if ctx.mode != "smoke" else ["small"]
    data = cnn.data(ctx)
    groups = []
    for n in names:
        g = cnn.group(CONFIGS[n], ctx.run_points(_configs(ctx, CONFIGS[n]), cnn.train_point,
                                                 label=lambda c, n=n: f"{n} seed={c['seed']}"))
        groups.append({**g, "key": n})

    one, dense, source = read_p08(ctx)
    if one is None:
        ref = {}
        for key, arch in (("one", cnn.DEFAULT_ONE_CONV), ("dense", cnn.DENSE)):
            g = cnn.group(arch, ctx.run_points(_configs(ctx, arch), cnn.train_point,
                                               label=lambda c: f"{cnn.arch_name(c['arch'])} seed={c['seed']}"))
            ref[key] = {"name": g["name"], "params": g["params"], "test_values": g["test_accuracy"]["values"],
                        "test_accuracy": g["test_accuracy"], "train_time": g["train_time"], "curves": g["curves"],
                        "selection": "p09's default one-conv CNN (p08 not read)"}
        one, dense = ref["one"], ref["dense"]
        source = f"re-derived inside p09's points ({source})"

    s = {**cnn.recipe(ctx), "n_train": cnn.n_train(ctx) or int(data["X_train"].shape[0]),
         "n_test": int(data["X_test"].shape[0]),
         "n_val": int(data["X_val"].shape[0])}
    ok = [g for g in groups if g["val_accuracy"]["n"]]
    best = max(ok, key=lambda g: g["val_accuracy"]["mean"]) if ok else None
    comparable = [g for g in ok if g["params"] <= COMPARABLE * one["params"]]
    comp = max(comparable, key=lambda g: g["val_accuracy"]["mean"]) if comparable else None
    summary = {"groups": groups, "best": best["key"] if best else None, "comparable": comp["key"] if comp else None,
               "one_conv": one, "dense": dense, "source": source, "settings": s, "comparable_ratio": COMPARABLE}
    summary["claims"] = _claims(summary, best, comp, one)
    summary["figures"] = [_plot_acc(ctx, groups, one, dense), _plot_time(ctx, groups, one, dense)]
    return summary


def _claims(summary, best, comp, one):
    budget = cnn.budget_text(summary["settings"])
    out = []
    if best:
        out.append(claims.claim(
            "p09.two-conv-more-accurate", "A",
            "The CNN model from Problem 9, which includes two stacked convolutional layers, achieves a higher "
            "accuracy on the testing dataset compared to the CNN model from Problem 8",
            f"best two-conv CNN by validation ({best['key']}, {best['params']:,} p.) vs p08's one-conv "
            f"{one['name']} ({one['params']:,} p.): Welch t on test accuracy",
            stats.welch(best["test_accuracy"]["values"], one["test_values"]), expect=+1, budget=budget,
            effect="two-conv − one-conv", unit="pct"))
    if comp:
        out.append(claims.claim(
            "p09.better-at-comparable-params", "A",
            "the model from Problem 9 outperforms the model from Problem 8, as it achieves higher accuracy while "
            "maintaining a comparable parameter count",
            f"two-conv '{comp['key']}' ({comp['params']:,} p. ≤ {summary['comparable_ratio']}× the one-conv's "
            f"{one['params']:,}) vs the one-conv CNN: Welch t on test accuracy",
            stats.welch(comp["test_accuracy"]["values"], one["test_values"]), expect=+1, budget=budget,
            effect="two-conv − one-conv", unit="pct"))
    else:
        out.append(claims.claim(
            "p09.better-at-comparable-params", "A",
            "the model from Problem 9 outperforms the model from Problem 8, as it achieves higher accuracy while "
            "maintaining a comparable parameter count",
            "no two-conv CNN with a comparable parameter count was trained", kind="untested", budget=budget))
    out.append(claims.claim(
        "p09.stacking-learns-complex-features", "A",
        "incorporating two stacked convolutional layers with different kernel sizes and numbers enhances the "
        "model's ability to learn complex features from the input images",
        "not measured: an explanation of the accuracy gap (no analysis of the learned features was run)",
        kind="untested", budget=budget,
        note="the accuracy claims above are its only observable consequence"))
    return out


def _plot_acc(ctx, groups, one, dense):
    fig, ax = plots.figure(width=6.0, height=4.0)
    pts = [(g["params"], g["test_accuracy"], "o", "C3", f"two conv: {g['key']}") for g in groups] + [
        (one["params"], one["test_accuracy"], "^", "C0", "one conv (p08)"),
        (dense["params"], dense["test_accuracy"], "s", "k", "dense (p08 recipe)")]
    for params, acc, marker, color, label in pts:
        if acc["n"]:
            ax.errorbar([params], [100 * acc["mean"]], yerr=[100 * (acc["sd"] or 0)], fmt=marker, color=color,
                        capsize=3, label=label)
    for g in groups:
        if g["diverged"]:
            plots.mark_diverged(ax, g["params"], 100 * (one["test_accuracy"]["mean"] or 0.9))
    plots.decorate(ax, title="test accuracy vs parameter count", xlabel="parameters (count, log)",
                   ylabel="test accuracy (%), mean ± sd over seeds", logx=True)
    return plots.save(fig, ctx.path("acc_vs_params.png")).rsplit("/", 1)[-1]


def _plot_time(ctx, groups, one, dense):
    fig, (ax1, ax2) = plots.figure(ncols=2, width=5.0, height=3.8)
    entries = [(g, f"C{3 + i}", g["key"]) for i, g in enumerate(groups)]
    entries += [(one, "C0", "one conv (p08)"), (dense, "k", "dense")]
    cnn.plot_loss_vs_time(ax1, ax2, entries)
    return plots.save(fig, ctx.path("loss_vs_time.png")).rsplit("/", 1)[-1]


def report(summary):
    s, groups, one, dense = summary["settings"], summary["groups"], summary["one_conv"], summary["dense"]
    decided = claims.decide(summary["claims"])
    fs = lambda x: stats.fmt_summary(x, pct=True) if x["n"] else "DIVERGED"  # noqa: E731
    body = [claims.ledger_table(decided, problem=False), "",
            f"Two-conv CNNs with p08's recipe: {cnn.budget_text(s)}, on {s['n_train']:,} training images "
            f"({s['n_val']:,} held out for validation), tested on {s['n_test']:,}; one-conv and dense references "
            f"{summary['source']}.", "",
            table(["model", "params", "val. accuracy", "test accuracy", "test loss", "train time (s)", "seeds"],
                  [[f"{g['key']}: {g['name']}", f"{g['params']:,}", fs(g["val_accuracy"]), fs(g["test_accuracy"]),
                    stats.fmt_summary(g["test_loss"]) if g["test_loss"]["n"] else "—",
                    stats.fmt_summary(g["train_time"], digits=3), f"{g['runs']}"
                    + (f" ({g['diverged']} diverged)" if g["diverged"] else "")] for g in groups]
                  + [[f"one conv ({one.get('selection', 'p08')}): {one['name']}", f"{one['params']:,}", "—",
                      fs(one["test_accuracy"]), "—", stats.fmt_summary(one["train_time"], digits=3),
                      str(one["test_accuracy"]["n"])],
                     [f"dense: {dense['name']}", f"{dense['params']:,}", "—", fs(dense["test_accuracy"]), "—",
                      stats.fmt_summary(dense["train_time"], digits=3), str(dense["test_accuracy"]["n"])]]), ""]
    for c in decided:
        if c["kind"] != "difference":
            continue
        r = c["result"]
        if r.get("p") is None:
            body.append(f"{c['test'].split(':')[0]}: {100 * (r['effect'] or 0):+.2f} points, fewer than two seeds "
                        "per arm: no test (**inconclusive**).")
            continue
        what = {"supported": "higher, significantly after Holm's correction",
                "contradicted": "LOWER, significantly after Holm's correction",
                "inconclusive": "not significantly different after Holm's correction"}[c["verdict"]]
        body.append(f"{c['test'].split(':')[0]}: {100 * r['effect']:+.2f} points "
                    f"({stats.fmt_ci(r, pct=True)}) → the two-conv CNN's accuracy is {what} "
                    f"(**{c['verdict']}**).")
    best = next((g for g in groups if g["key"] == summary["best"]), None)
    if best and best["train_time"]["mean"] and one["train_time"]["mean"]:
        body.append(f"Training took {best['train_time']['mean']:.3g} s for '{best['key']}' vs "
                    f"{one['train_time']['mean']:.3g} s for the one-conv CNN (elapsed time of the accuracy runs, "
                    "not a timing measurement).")
    body += ["", figure(summary, "acc_vs_params.png", "accuracy vs parameters, one vs two conv layers"), "",
             figure(summary, "loss_vs_time.png", "train/test loss vs training time")]
    return "\n".join(body)


if __name__ == "__main__":
    from .core.cli import main_single
    raise SystemExit(main_single(ID))
