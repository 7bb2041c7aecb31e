"""p08 — the smallest CNN that matches the dense model of p04.

Question (Report A, problem 8): search over conv filters, kernel size and dense
units for the smallest CNN (by parameter count) whose accuracy matches the
dense model's, trained the same way.

Recipe (``experiments/core/cnn.py``, shared with p09): every model — the
dense reference 784-256-256-256-10 (p04's uniform shape, 335,114 parameters)
and every CNN — trains with Adam lr 1e-3 decayed to 0 by a cosine schedule,
batch 128, for the nominal budget (6 epochs full, 2 quick), on the training
images minus a validation split (5,000 full), every seed (>= 5 full).

CNN family: conv F@k×k → ReLU → maxpool 2 → flatten → [dense h → ReLU] →
dense 10 with F ∈ {2, 4, 8, 16, 32}, k ∈ {3, 5}, h ∈ {0, 32} (20 candidates;
quick: F ∈ {4, 16, 32}, k = 5, h = 0 — a first look only), ordered by parameter count.

Search, at the full budget (no short screen: Report A's review found that a
1-seed, 3-epoch screen named the winner): the candidates are trained from the
smallest up, each at the full budget and every seed, until one *passes*: its
mean validation accuracy ≥ the dense model's mean validation accuracy minus
the margin m_val.  That one is the winner; every smaller candidate was
trained at the same budget and fell short.  Selection uses validation only.

Margins: two binomial standard errors of the dense model's accuracy on the
set it is measured on (``core/noninferiority.py``): what one set of that size
can resolve.

Claims, tested on the test set: the winner is non-inferior to the dense
model (Welch t of CNN − (dense − m)); non-inferior to p04's own dense model
too; every smaller candidate falls short (intersection–union of the same
tests, expect −1); the winner has fewer parameters (exact).  The budget
check: the smaller candidate with the best validation accuracy and the
dense model are retrained at twice the budget; if that candidate passes at
2× the budget, "smallest" depends on the budget and the text says so.

p04's dense model is read by an explicit key from
``<out>/p04-layer-shapes/summary.json`` (same mode and dataset): the row of
``summary["rows"]`` with ``shape == "uniform"`` and ``regularizer == "none"``,
its ``test_accuracy["values"]`` (per-seed test accuracies) and the recipe
keys ``epochs``, ``lr``, ``batch_size``, ``n_train`` (of the row, else of the
summary).  When that key is absent, p04's recipe (Adam lr 1e-3 constant,
batch 128, P04_EPOCHS epochs) is re-derived inside p08's points and the text
says so.  p08 writes ``summary["one_conv_reference"]`` and
``summary["dense_reference"]`` (per-seed values and recipe) for p09.

Limits: one optimizer, learning rate and schedule for every model (no tuning:
the same fixed recipe for all, as Report A's "same training setup"); the
parameter grid is coarse (a CNN between two grid points is not tried); the
loss-vs-time curves use the elapsed training time of the accuracy runs
(parallel runs share the machine: no timing claim is made from them).
"""
import os

from .core import claims, cnn, comparisons, plots, stats
from .core.noninferiority import binomial_margin, welch_noninferior
from .core.report import figure, table
from .core.store import read_json

ID = "p08-cnn-search"
TITLE = "Smallest CNN matching the dense model"
QUESTION = ("What is the smallest CNN (conv filters, kernel size, dense units) that matches the test "
            "accuracy of p04's dense model, and how do their losses move with training time?")
ESTIMATE = {"smoke": 5, "quick": 30, "full": 1700}

FILTERS, KERNELS, HIDDEN = (2, 4, 8, 16, 32), (3, 5), (0, 32)
P04_ID = "p04-layer-shapes"
P04_EPOCHS = {"smoke": 1, "quick": 3, "full": 15}  # p04's recipe for the fallback: Adam 1e-3 constant, batch 128


def grid(ctx):
    if ctx.mode == "smoke":
        archs = [{"kind": "cnn", "filters": 2, "kernel": 5, "hidden": 0},
                 {"kind": "cnn", "filters": 4, "kernel": 3, "hidden": 0}]
    elif ctx.mode == "quick":  # a first look within the quick budget
        archs = [{"kind": "cnn", "filters": f, "kernel": 5, "hidden": 0} for f in (4, 16, 32)]
    else:
        archs = [{"kind": "cnn", "filters": f, "kernel": k, "hidden": h}
                 for f in FILTERS for k in KERNELS for h in HIDDEN]
    return sorted(archs, key=cnn.count_params)


def _configs(ctx, arch, n_epochs=None, **extra):
    return [{"arch": arch, **cnn.recipe(ctx, n_epochs), **extra, "seed": s} for s in ctx.seeds]


def _label(c):
    return f"{cnn.arch_name(c['arch'])}, {c['epochs']} ep{' (' + c['recipe'] + ')' if c.get('recipe') else ''}, " \
           f"seed={c['seed']}"


def read_p04(ctx):
    """(reference, where it came from): p04's uniform/no-regularizer test accuracies, or None."""
    path = os.path.join(ctx.out, P04_ID, "summary.json")
    try:
        summary = read_json(path)
    except (OSError, ValueError):
        return None, f"`{P04_ID}/summary.json` absent in this results folder"
    if summary.get("mode") != ctx.mode or summary.get("dataset", "mnist") != ctx.dataset:
        return None, f"`{P04_ID}/summary.json` is from another mode or dataset"
    rows = summary.get("rows") if isinstance(summary.get("rows"), list) else []
    row = next((r for r in rows if isinstance(r, dict) and r.get("shape") == "uniform"
                and r.get("regularizer") == "none"), None)
    acc = row.get("test_accuracy") if row else None
    vals = stats.finite(acc.get("values", [])) if isinstance(acc, dict) else []
    if len(vals) < 2:
        return None, (f"key rows[shape=uniform, regularizer=none].test_accuracy.values missing from "
                      f"`{P04_ID}/summary.json`")
    pick = {k: row.get(k, summary.get(k)) for k in ("epochs", "lr", "batch_size", "n_train")}
    return {"values": vals, **pick, "widths": row.get("widths")}, (
        f"read from `{P04_ID}/summary.json`, key rows[shape=uniform, regularizer=none].test_accuracy.values")


def _mean(g, metric):
    return g[metric]["mean"]


def run(ctx):
    nominal = cnn.epochs(ctx)
    archs = grid(ctx)
    data = cnn.data(ctx)
    n_val, n_test = (int(data[k].shape[0]) for k in ("X_val", "X_test"))
    n_train = cnn.n_train(ctx) or int(data["X_train"].shape[0])

    dense = cnn.group(cnn.DENSE, ctx.run_points(_configs(ctx, cnn.DENSE), cnn.train_point, label=_label))
    dense_val = _mean(dense, "val_accuracy")
    m_val = binomial_margin(dense_val, n_val)
    bar = None if dense_val is None else dense_val - m_val

    # The search: smallest first, full budget, every seed, until one passes on validation.
    scanned, winner = [], None
    for i, arch in enumerate(archs):
        g = cnn.group(arch, ctx.run_points(_configs(ctx, arch), cnn.train_point,
                                           label=lambda c, i=i: f"{i + 1}/{len(archs)}: {_label(c)}"))
        g["passes"] = bar is not None and _mean(g, "val_accuracy") is not None and _mean(g, "val_accuracy") >= bar
        scanned.append(g)
        if g["passes"]:
            winner = g
            break
    best = winner or max((g for g in scanned if _mean(g, "val_accuracy") is not None),
                         key=lambda g: _mean(g, "val_accuracy"), default=None)
    smaller = scanned[:-1] if winner else []

    # p04's own dense model: by key from its summary, else re-derived here with p04's recipe.
    p04, p04_source = read_p04(ctx)
    if p04 is None:
        cfgs = [{**c, "schedule": "constant", "recipe": "p04"}
                for c in _configs(ctx, cnn.DENSE, P04_EPOCHS[ctx.mode])]
        recs = ctx.run_points(cfgs, cnn.train_point, label=_label)
        p04 = {"values": cnn.values(recs), "epochs": P04_EPOCHS[ctx.mode], "lr": cnn.LR, "batch_size": cnn.BATCH,
               "n_train": n_train, "widths": cnn.DENSE["hidden"]}
        p04_source = f"re-derived inside p08's points ({p04_source})"
    p04["summary"] = stats.summarize(p04["values"])
    p04["source"] = p04_source

    # Twice the budget for the closest smaller candidate (best validation accuracy) and the dense model.
    double = None
    if smaller:
        runner = max(smaller, key=lambda g: _mean(g, "val_accuracy") or 0.0)
        r2 = cnn.group(runner["arch"], ctx.run_points(_configs(ctx, runner["arch"], 2 * nominal), cnn.train_point,
                                                      label=_label))
        d2 = cnn.group(cnn.DENSE, ctx.run_points(_configs(ctx, cnn.DENSE, 2 * nominal), cnn.train_point,
                                                 label=_label))
        dv2 = _mean(d2, "val_accuracy")
        bar2 = None if dv2 is None else dv2 - binomial_margin(dv2, n_val)
        double = {"candidate": r2, "dense": d2, "bar": bar2,
                  "passes": bar2 is not None and _mean(r2, "val_accuracy") is not None
                  and _mean(r2, "val_accuracy") >= bar2}

    m_test = binomial_margin(_mean(dense, "test_accuracy"), n_test)
    m_p04 = binomial_margin(p04["summary"]["mean"], n_test)
    settings = {**cnn.recipe(ctx), "n_train": n_train, "n_val": n_val, "n_test": n_test,
                "grid": len(archs), "m_val": m_val, "m_test": m_test, "m_p04": m_p04, "bar": bar}
    summary = {"dense": dense, "scanned": scanned, "winner": winner["name"] if winner else None,
               "best": best["name"] if best else None, "double": double, "p04": p04,
               "not_scanned": len(archs) - len(scanned), "settings": settings,
               "edge": _edge(best, archs, winner)}
    summary["claims"] = _claims(summary, winner, best, smaller)
    summary["one_conv_reference"] = None if best is None else {
        "name": best["name"], "arch": best["arch"], "params": best["params"], "selection":
        "winner" if winner else "best validation accuracy (no candidate matched)",
        "test_values": best["test_accuracy"]["values"],
        "test_accuracy": best["test_accuracy"], "train_time": best["train_time"], "curves": best["curves"],
        "recipe": cnn.recipe(ctx)}
    summary["dense_reference"] = {"name": dense["name"], "params": dense["params"],
                                  "test_values": dense["test_accuracy"]["values"],
                                  "test_accuracy": dense["test_accuracy"], "train_time": dense["train_time"],
                                  "curves": dense["curves"], "recipe": cnn.recipe(ctx)}
    summary["figures"] = [_plot_search(ctx, summary), _plot_time(ctx, dense, best)]
    return summary


def _edge(best, archs, winner):
    if best is None:
        return ""
    params = [cnn.count_params(a) for a in archs]
    if winner is None:
        return (f"no candidate matched: the smallest match, if any, lies above the grid's largest CNN "
                f"({max(params):,} parameters)")
    if best["params"] == max(params):
        return f"the winner is the grid's largest CNN ({best['params']:,} parameters): only the last candidate passed"
    return claims.grid_edge(best["params"], params, what="parameter count")


def _claims(summary, winner, best, smaller):
    s, dense, p04 = summary["settings"], summary["dense"], summary["p04"]
    budget = cnn.budget_text(s)
    out = []
    if best is None:
        return out
    who = "winner" if winner else "best CNN by validation (none matched)"
    note = summary["edge"]
    res = welch_noninferior(best["test_accuracy"]["values"], dense["test_accuracy"]["values"], s["m_test"])
    out.append(claims.claim(
        "p08.cnn-comparable", "A",
        "find the smallest model that achieves comparable or better performance than the original architecture",
        f"{best['name']} ({who}) vs the dense model, same recipe: non-inferiority on test accuracy, margin "
        f"m = {100 * s['m_test']:.2f} pts (2 binomial SEs on {s['n_test']:,} test images)",
        res, expect=+1, budget=budget, effect="CNN − (dense − m)", unit="pct", note=note))
    res = welch_noninferior(best["test_accuracy"]["values"], p04["values"], s["m_p04"])
    out.append(claims.claim(
        "p08.cnn-vs-p04-model", "A",
        "compared the performance of the best CNN architecture found through the search with the original "
        "architecture from Problem 4",
        f"{who} vs p04's dense model ({p04['source']}; {p04.get('epochs')} epochs, lr {p04.get('lr')}): "
        f"non-inferiority on test accuracy, margin {100 * s['m_p04']:.2f} pts",
        res, expect=+1, budget=f"CNN: {budget}; p04 model: its own recipe", effect="CNN − (p04 dense − m)",
        unit="pct"))
    if winner and smaller:
        parts = [comparisons.labelled(welch_noninferior(g["test_accuracy"]["values"],
                                                        dense["test_accuracy"]["values"], s["m_test"]), g["name"])
                 for g in smaller]
        d2 = summary["double"]
        note2 = "" if d2 is None else (
            f"at 2× the budget ({d2['candidate']['epochs']} epochs) the closest smaller candidate "
            f"{d2['candidate']['name']} "
            f"{'PASSES: the winner depends on the budget' if d2['passes'] else 'still falls short'}"
            f" (val. {_pct(_mean(d2['candidate'], 'val_accuracy'))} vs bar {_pct(d2['bar'])})")
        out.append(claims.claim(
            "p08.smaller-fall-short", "A", "the smallest model that achieves comparable or better performance",
            f"each of the {len(smaller)} smaller candidates, trained at the same budget, vs the dense model: "
            f"non-inferiority tests combined (all must fall short)",
            comparisons.all_of(parts, expect=-1), expect=-1, budget=budget, effect="weakest: CNN − (dense − m)",
            unit="pct", note="; ".join(x for x in (note2, note) if x)))
    else:
        out.append(claims.claim(
            "p08.smaller-fall-short", "A", "the smallest model that achieves comparable or better performance",
            "no smaller candidate to compare with" if winner else "no candidate matched the dense model",
            kind="untested", budget=budget, note=note or "the winner is the grid's smallest CNN"))
    out.append(claims.claim(
        "p08.fewer-params", "A", "considering the total number of parameters in each model",
        f"parameters of the {who} vs the dense model (exact count)", kind="exact",
        holds=best["params"] < dense["params"],
        effect=f"{best['params']:,} vs {dense['params']:,} ({best['params'] / dense['params']:.3f}×)"))
    return out


# ----------------------------------------------------------------- figures
def _plot_search(ctx, summary):
    fig, ax = plots.figure(width=6.0, height=4.0)
    s, dense = summary["settings"], summary["dense"]
    for k, color in zip(KERNELS, ("C0", "C1")):
        for h, marker in ((0, "o"), (32, "^")):
            sel = [g for g in summary["scanned"] if g["arch"]["kernel"] == k and g["arch"]["hidden"] == h
                   and g["val_accuracy"]["n"]]
            if sel:
                ax.errorbar([g["params"] for g in sel], [100 * g["val_accuracy"]["mean"] for g in sel],
                            yerr=[100 * (g["val_accuracy"]["sd"] or 0) for g in sel], fmt=marker, color=color,
                            capsize=3, label=f"{k}×{k}, " + (f"dense {h}" if h else "no hidden"))
            for g in summary["scanned"]:
                if g["diverged"]:
                    plots.mark_diverged(ax, g["params"], 100 * (s["bar"] or 0.9))
    if s["bar"] is not None:
        ax.axhline(100 * dense["val_accuracy"]["mean"], color="k", ls="--", label="dense model (val.)")
        ax.axhline(100 * s["bar"], color="gray", ls=":", label="bar: dense − margin")
    plots.decorate(ax, title="search at the full budget: validation accuracy vs parameters",
                   xlabel="parameters (count, log)", ylabel="validation accuracy (%), mean ± sd", logx=True,
                   legend_size=6)
    return plots.save(fig, ctx.path("search.png")).rsplit("/", 1)[-1]


def _plot_time(ctx, dense, best):
    fig, (ax1, ax2) = plots.figure(ncols=2, width=5.0, height=3.8)
    cnn.plot_loss_vs_time(ax1, ax2, [(dense, "k", "dense")] + ([(best, "C3", best["name"])] if best else []))
    return plots.save(fig, ctx.path("loss_vs_time.png")).rsplit("/", 1)[-1]


# ------------------------------------------------------------------ report
def _pct(v):
    return "—" if v is None else f"{100 * v:.2f}%"


def _why(c):
    """Why a non-inferiority verdict came out as it did, from its own numbers."""
    r = c.get("result") or {}
    if c["verdict"] == "supported":
        return " (significantly above the bar dense − margin)"
    if r.get("p") is None:
        return " (fewer than two seeds per arm: no test)"
    if c["verdict"] == "contradicted":
        return " (significantly below the bar dense − margin)"
    side = "below" if (r.get("effect") or 0) < 0 else "above"
    return f" ({side} the bar dense − margin, but not significantly after Holm's correction)"


def _fs(summary_dict):
    return stats.fmt_summary(summary_dict, pct=True) if summary_dict["n"] else "DIVERGED"


def report(summary):
    s, dense = summary["settings"], summary["dense"]
    decided = claims.decide(summary["claims"])
    verdict = {c["id"]: c["verdict"] for c in decided}
    body = [claims.ledger_table(decided, problem=False), "",
            f"Every model: {cnn.budget_text(s)}, on {s['n_train']:,} training images ({s['n_val']:,} more held out "
            f"for validation), tested on {s['n_test']:,}; {dense['runs']} seeds each. Candidates are trained at this "
            f"full budget from the smallest up; a candidate *passes* when its mean validation accuracy ≥ the dense "
            f"model's ({_pct(dense['val_accuracy']['mean'])}) minus {100 * s['m_val']:.2f} points (2 binomial SEs on "
            f"{s['n_val']:,} images) = {_pct(s['bar'])}; the first to pass is the winner "
            f"({summary['not_scanned']} larger grid point(s) of {s['grid']} not trained).", "",
            table(["model (by parameters)", "params", "params / dense", "val. accuracy", "test accuracy",
                   "train time (s)", "passes"],
                  [[g["name"], f"{g['params']:,}", f"{g['params'] / dense['params']:.3f}", _fs(g["val_accuracy"]),
                    _fs(g["test_accuracy"]), stats.fmt_summary(g["train_time"], digits=3),
                    "yes" if g.get("passes") else "no"] for g in summary["scanned"]]
                  + [[dense["name"] + " (reference)", f"{dense['params']:,}", "1", _fs(dense["val_accuracy"]),
                      _fs(dense["test_accuracy"]), stats.fmt_summary(dense["train_time"], digits=3), "—"]]), ""]
    p04 = summary["p04"]
    body.append(f"p04's dense model ({p04['source']}): test accuracy {stats.fmt_summary(p04['summary'], pct=True)} "
                f"over {p04['summary']['n']} seeds ({p04.get('epochs')} epochs, lr {p04.get('lr')}, constant).")
    best = next((g for g in summary["scanned"] if g["name"] == summary["best"]), None)
    if best:
        c = next(c for c in decided if c["id"] == "p08.cnn-comparable")
        diff = best["test_accuracy"]["mean"] - dense["test_accuracy"]["mean"]
        lead = (f"Winner: **{best['name']}**" if summary["winner"] else
                f"No candidate passed; the best by validation is **{best['name']}**")
        body.append(
            f"{lead}, {best['params']:,} parameters = {best['params'] / dense['params']:.3f} of the dense model's "
            f"{dense['params']:,}. On the test set it reaches {_fs(best['test_accuracy'])} vs the dense model's "
            f"{_fs(dense['test_accuracy'])} ({100 * diff:+.2f} points); non-inferiority within "
            f"{100 * s['m_test']:.2f} points is **{c['verdict']}**"
            + _why(c) + ".")
        if summary["edge"]:
            body.append(f"Grid edge: {summary['edge']}.")
    sm = verdict.get("p08.smaller-fall-short")
    if summary["winner"] and sm:
        body.append(f"That every smaller candidate falls short at the same budget is **{sm}**"
                    + ("" if sm == "supported" else " (at least one smaller candidate is not significantly below "
                                                     "the bar)") + ".")
    d2 = summary.get("double")
    if d2:
        body.append(
            f"Budget check: at {d2['candidate']['epochs']} epochs (2×) the closest smaller candidate "
            f"{d2['candidate']['name']} reaches {_fs(d2['candidate']['val_accuracy'])} validation accuracy vs the "
            f"bar {_pct(d2['bar'])} (dense at 2×: {_fs(d2['dense']['val_accuracy'])}) → "
            + ("it passes: **the smallest matching CNN depends on the training budget**." if d2["passes"] else
               "it still falls short: the winner does not change at twice the budget."))
    body += ["", figure(summary, "search.png", "search: validation accuracy vs parameters"), "",
             figure(summary, "loss_vs_time.png", "train/test loss vs training time, winner vs dense"),
             "", "The loss-vs-time curves use the elapsed training time of the accuracy runs (which may share the "
                 "machine with other runs); no timing claim is made from them."]
    return "\n".join(body)


if __name__ == "__main__":
    from .core.cli import main_single
    raise SystemExit(main_single(ID))
