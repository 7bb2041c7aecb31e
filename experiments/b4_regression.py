"""b4 — regression of f(x) = x1·exp(−x1² − x2²) on [−2, 2]² from m = 100 and m = 1000 points.

Question (Report B): find the best architecture for m = 100 and for m = 1000,
report the final MSE on the test grid (linspace(−2, 2, 1000) in each
coordinate: 10⁶ points) and plot the predicted surface.  Report B: test MSE
0.00573 (m = 1000) and 0.0135 (m = 100).

Method: MLPs 2 → hidden → 1 with tanh or ReLU, widths × depths (the grid
below), MSE loss, full-batch Adam with a cosine-decayed learning rate (the
training sets are tiny: one step per epoch on all m points).  Selection never
looks at the test grid: for m = 100, 4-fold cross-validation on the 100
points; for m = 1000, a hold-out of 200 of the 1000 points.  The selected
architecture is then retrained on all m points, once per seed — seed s draws
training set s (seed 0 is the set the selection used) and initialises the
model with s — and evaluated on the full 10⁶-point grid (predicted in batches).
The search table also shows each candidate's MSE on a 101 × 101 sub-grid of
the test grid, for information only.

BLAS is limited to one thread while training unless ``--threads N`` is given
(``helpers.small_net_threads``; threadpoolctl, when installed): the matrices
are tiny and a second thread only adds synchronisation (on a busy 2-core
machine it made an epoch 30× slower).

Tests (experiments/core/stats.py): Report B's two test MSEs are compared
with ours on a log scale — a one-sample t-test / TOST of log10(our MSE) over
the seeds against log10(Report B's), "the same" meaning within a factor 2
(margin log10 2); m = 1000 vs m = 100 by Welch's t-test on log10 MSE (the seeds
draw different training sets per m, so they do not pair).  The two fold-wise
runner-up comparisons for m = 100 pair on folds.  A winner at the edge of the
width or depth grid is flagged, and for an upper edge one larger candidate
(double width, or one more layer) is trained on the same hold-out split to
show whether the optimum lies beyond the grid.

Limits: one optimiser recipe (lr, epochs) for all candidates; a small grid;
with m = 100 the CV estimate itself is noisy (the fold spread); the selection
uses data set 0 only, the other seeds' sets reuse its choice.
"""
import functools
import math

import tinynet as tn

from .core import claims, plots, stats
from .core.helpers import met, save_small, small_net_threads
from .core.report import figure, table
from .core.training import mlp

ID = "b4-regression"
TITLE = "Regression of x1·exp(−x1²−x2²) from 100 and 1000 points"
QUESTION = ("Fit f(x) = x1·exp(−x1² − x2²) from m = 100 and m = 1000 uniform points in [−2, 2]²: which architecture "
            "is best per m, and what is its MSE on the 1000 × 1000 test grid?")
# quick: 25 s measured on the busy 2-core machine (load ≈ 7).  full (per-point times of the last full run):
# m = 100: 18 candidates × 4 folds × ≈ 1.05 s ≈ 76 s; m = 1000: 18 × ≈ 2.9 s ≈ 52 s; one step beyond an edge
# ≈ 26 s; finals 5 × (0.8 + 8) s ≈ 44 s: ≈ 200 s.
ESTIMATE = {"smoke": 3, "quick": 25, "full": 240}

M_VALUES = [100, 1000]
BARS = {1000: 1e-4, 100: 2e-3}
REPORT_B = {1000: 0.00573, 100: 0.0135}
SAME_FACTOR = 2.0         # "the same MSE as Report B" = within a factor 2 (TOST margin log10 2)
ACTIVATIONS = {"tanh": tn.layers.Tanh, "relu": tn.layers.ReLU}
LR = 2e-2                 # Adam, cosine decay to LR/100 over the epochs
PLOT_STEP = 10            # every 10th grid point in each direction for the 3-D plots


def _candidates(mode):
    widths = {"smoke": [8], "quick": [16, 32], "full": [16, 32, 64]}[mode]
    depths = {"smoke": [1, 2], "quick": [1, 3], "full": [1, 2, 3]}[mode]
    acts = ["tanh"] if mode == "smoke" else ["tanh", "relu"]
    return [{"activation": a, "hidden": [w] * d} for a in acts for d in depths for w in widths]


def _name(c):
    return f"{c['activation']} {'-'.join(str(h) for h in c['hidden'])}"


def _fit(ctx, config, X, y):
    model = tn.Sequential(mlp([2, *config["hidden"], 1], activation=ACTIVATIONS[config["activation"]]),
                          seed=config["seed"])
    lr = config["lr"]
    opt = tn.optim.Adam(lr=tn.schedules.CosineDecay(lr, config["epochs"], min_lr=lr / 100))
    result = {"params": model.num_params(), "diverged": False}
    with small_net_threads(ctx):
        try:
            history = model.fit(X, y, tn.losses.MSE(), opt, epochs=config["epochs"], batch_size=len(X),
                                verbose=0)
        except tn.DivergenceError as exc:
            history = exc.history
            result.update(diverged=True, diverged_at={"epoch": exc.epoch, "step": exc.step, "lr": exc.lr})
    h = history.history
    stride = max(1, config["epochs"] // 100)  # keep ~100 points of the loss curve (JSON stays small)
    result["history"] = {"epoch": list(range(1, len(h.get("loss", [])) + 1))[stride - 1::stride],
                         "loss": list(h.get("loss", []))[stride - 1::stride]}
    result["train_time"] = float(sum(h.get("epoch_time", [])))
    result["epochs_done"] = len(h.get("loss", []))
    return model, result


def _mse(model, X, y, batch_size=65536):
    """MSE over a (possibly huge) set, predicted in batches, accumulated in float64."""
    np = tn.backend.np
    total = 0.0
    for i in range(0, len(X), batch_size):
        p = model.predict(X[i:i + batch_size], batch_size=batch_size).astype(np.float64)
        total += float(((p - y[i:i + batch_size].astype(np.float64)) ** 2).sum())
    return total / len(X)


def _folds(m, k, seed):
    perm = tn.backend.np.random.default_rng(1000 + seed).permutation(m)
    return [perm[i::k] for i in range(k)]


@functools.lru_cache(maxsize=2)
def _grid(n):
    """The n × n test grid (made once per process)."""
    return tn.data.regression_grid(n)


def _plot_index(grid_n):
    """Indices of the grid lines kept for the 3-D plots (every PLOT_STEP-th, and the last)."""
    idx = list(range(0, grid_n, PLOT_STEP if grid_n >= 200 else 1))
    if idx[-1] != grid_n - 1:
        idx.append(grid_n - 1)
    return idx


def cv_point(ctx, config):
    """One candidate on one fold (m = 100) or the hold-out split (m = 1000) of training set data_seed."""
    np = tn.backend.np
    X, y = tn.data.regression_b4(config["m"], seed=config["data_seed"])
    val = _folds(config["m"], config["k"], config["data_seed"])[config["fold"]]
    train = np.setdiff1d(np.arange(config["m"]), val)
    model, result = _fit(ctx, config, X[train], y[train])
    if not result["diverged"]:
        Xs, ys = _grid(config["subgrid_n"])
        result["final"] = {"val_mse": _mse(model, X[val], y[val]), "train_mse": _mse(model, X[train], y[train]),
                           "subgrid_mse": _mse(model, Xs, ys)}
    return result


def final_point(ctx, config):
    """The selected architecture retrained on all m points of set data_seed; MSE on the full test grid."""
    np = tn.backend.np
    X, y = tn.data.regression_b4(config["m"], seed=config["data_seed"])
    model, result = _fit(ctx, config, X, y)
    if result["diverged"]:
        return result
    n = config["grid_n"]
    Xg, yg = _grid(n)
    pred = model.predict(Xg, batch_size=65536)[:, 0].astype(np.float64)
    err = pred - yg[:, 0].astype(np.float64)
    result["final"] = {"test_mse": float(np.mean(err ** 2)), "test_max_abs_error": float(np.abs(err).max()),
                       "train_mse": _mse(model, X, y)}
    result["train_points"] = np.round(np.concatenate([X, y], axis=1), 4).tolist()
    # a downsampled surface for the plots (every PLOT_STEP-th point each way), 4 significant digits
    plot_idx = _plot_index(n)
    sub = pred.reshape(n, n)[np.ix_(plot_idx, plot_idx)]
    result["surface"] = [[float(f"{v:.4g}") for v in row] for row in sub]
    return result


def _edges(best, cands):
    """Grid-edge warnings for the winner's width and depth (depth 1 is the smallest MLP: no lower edge)."""
    same_act = [c for c in cands if c["activation"] == best["activation"]]
    widths = sorted({c["hidden"][0] for c in same_act})
    depths = sorted({len(c["hidden"]) for c in same_act})
    out = [claims.grid_edge(best["hidden"][0], widths, what="width")]
    if len(best["hidden"]) > 1:
        out.append(claims.grid_edge(len(best["hidden"]), depths, what="depth"))
    else:
        out.append(claims.grid_edge(1, depths, what="depth") if 1 == max(depths) else "")
    return [e for e in out if e]


def _beyond(best, cands):
    """One step past an upper edge: double the width, or one more layer (or both singly)."""
    same_act = [c for c in cands if c["activation"] == best["activation"]]
    w, d = best["hidden"][0], len(best["hidden"])
    out = []
    if w == max(c["hidden"][0] for c in same_act):
        out.append({"activation": best["activation"], "hidden": [2 * w] * d})
    if d == max(len(c["hidden"]) for c in same_act):
        out.append({"activation": best["activation"], "hidden": [w] * (d + 1)})
    return out


def _search_rows(recs, cands):
    rows = []
    for c in cands:
        rs = [r for r in recs if r["config"]["activation"] == c["activation"] and r["config"]["hidden"] == c["hidden"]]
        if not rs:
            continue
        rows.append({"name": _name(c), **c, "params": rs[0]["result"]["params"],
                     "diverged": sum(1 for r in rs if r["result"]["diverged"]),
                     "folds": [r["config"]["fold"] for r in rs],
                     "val_mse": [stats.final_metric(r, "val_mse") for r in rs],
                     "train_mse": [stats.final_metric(r, "train_mse") for r in rs],
                     "subgrid_mse": [stats.final_metric(r, "subgrid_mse") for r in rs],
                     "train_time": [r["result"]["train_time"] for r in rs]})
    for r in rows:
        r["val"] = stats.summarize(r["val_mse"])
    return rows


def run(ctx):
    grid_n = ctx.pick(smoke=100, quick=400, full=1000)   # the report's test grid is 1000 × 1000
    subgrid_n = 101 if grid_n >= 101 else grid_n
    epochs = ctx.pick(smoke=50, quick=250, full=6000)
    cands = _candidates(ctx.mode)
    base = {"lr": LR, "epochs": epochs, "optimizer": "adam-fullbatch-cosine", "loss": "mse"}
    summary = {"grid_n": grid_n, "epochs": epochs, "lr": LR, "per_m": {}, "figures": []}
    for m in M_VALUES:
        scheme, k = ("kfold", ctx.pick(smoke=2, quick=2, full=4)) if m <= 100 else ("holdout", 5)
        folds = range(k) if scheme == "kfold" else [0]
        search = {**base, "part": "search", "m": m, "data_seed": 0, "seed": 0, "scheme": scheme, "k": k,
                  "subgrid_n": subgrid_n}
        label = lambda c: f"m={c['m']} {_name(c)} fold {c['fold']}"
        recs = ctx.run_points([{**search, **c, "fold": f} for c in cands for f in folds], cv_point, label=label)
        rows = _search_rows(recs, cands)
        ok = [r for r in rows if r["val"]["mean"] is not None]
        best = min(ok, key=lambda r: r["val"]["mean"])
        edges = _edges(best, cands)
        beyond = _beyond(best, cands) if edges else []
        beyond_rows = []
        if beyond:
            brecs = ctx.run_points([{**search, **c, "fold": f, "part": "beyond-edge"} for c in beyond for f in folds],
                                   cv_point, label=label)
            beyond_rows = _search_rows(brecs, beyond)
        finals = ctx.run_points([{**base, "activation": best["activation"], "hidden": best["hidden"],
                                  "part": "final", "m": m, "data_seed": s, "seed": s, "grid_n": grid_n}
                                 for s in ctx.seeds], final_point,
                                label=lambda c: f"m={c['m']} final {_name(c)} seed {c['seed']}")
        test = [stats.final_metric(r, "test_mse") for r in finals]
        value = stats.summarize(test)["mean"]
        summary["per_m"][str(m)] = {
            "m": m, "scheme": scheme, "k": k, "search": rows, "best": best["name"],
            "best_hidden": best["hidden"], "best_activation": best["activation"], "best_params": best["params"],
            "edges": edges, "beyond": beyond_rows,
            "final": [{"seed": r["config"]["seed"], "diverged": r["result"]["diverged"],
                       "test_mse": stats.final_metric(r, "test_mse"),
                       "train_mse": stats.final_metric(r, "train_mse"),
                       "max_abs_error": stats.final_metric(r, "test_max_abs_error"),
                       "unstable": r["result"].get("unstable"),
                       "train_time": r["result"]["train_time"]} for r in finals],
            "test_mse": test, "test": stats.summarize(test), "bar": BARS[m], "report_b": REPORT_B[m],
            "verdict": met(value, BARS[m], lower_is_better=True)}
        seed0 = next((r for r in finals if r["config"]["seed"] == ctx.seeds[0] and not r["result"]["diverged"]), None)
        if seed0 is not None:
            summary["figures"].append(_surface_plot(ctx, m, best["name"], seed0["result"], grid_n))
    summary["figures"].append(_search_plot(ctx, summary))
    summary["claims"] = _claims(summary, len(ctx.seeds))
    return summary


def _log10(values):
    return [math.log10(v) if v is not None and v > 0 else None for v in values]


def _claims(summary, n_seeds):
    out = []
    budget = (f"full-batch Adam lr {summary['lr']:g} cosine, {summary['epochs']} steps; architecture chosen by "
              f"CV / hold-out on the training points; {n_seeds} seeds (training set s, init s)")
    margin = math.log10(SAME_FACTOR)
    for m in (1000, 100):
        info = summary["per_m"].get(str(m))
        if not info:
            continue
        rb = info["report_b"]
        note = f"ours {stats.fmt_summary(info['test'], 3)} (mean ± sd), {info['best']}"
        if info["edges"]:
            note += "; " + "; ".join(info["edges"])
        out.append(claims.claim(
            f"b4.test-mse-m{m}", "B", f"MSE Loss on test set: {rb:g}" + (" (m = 1000)" if m == 1000 else " (m = 100)"),
            f"log10 of our test MSE on the {summary['grid_n']}² grid over the seeds vs log10 {rb:g}: TOST within a "
            f"factor {SAME_FACTOR:g} (margin log10 {SAME_FACTOR:g} = {margin:.3f}), one-sample t for the difference",
            stats.equivalence_to(_log10(info["test_mse"]), math.log10(rb), margin), kind="equivalence",
            budget=budget, note=note, effect="log10(ours / Report B)"))
    big, small = summary["per_m"].get("1000"), summary["per_m"].get("100")
    if big and small:
        out.append(claims.claim(
            "b4.more-data-lower-mse", "B", "Big (m = 1000): 0.00573 … Small (m = 100): 0.0135",
            "log10 test MSE, m = 1000 vs m = 100, each at its own selected architecture: Welch t over the seeds "
            "(different training sets per m: no pairing)",
            stats.welch(_log10(big["test_mse"]), _log10(small["test_mse"])), expect=-1, budget=budget,
            effect="log10 MSE(m=1000) − log10 MSE(m=100)"))
    return out


def _surface_plot(ctx, m, name, result, grid_n):
    np = tn.backend.np
    g = np.linspace(-2.0, 2.0, grid_n)[_plot_index(grid_n)]
    x1, x2 = np.meshgrid(g, g, indexing="ij")
    truth = x1 * np.exp(-x1 ** 2 - x2 ** 2)
    pred = np.asarray(result["surface"], dtype=float)
    fig = plots.plt.figure(figsize=(9.0, 3.8))
    ax = fig.add_subplot(1, 2, 1, projection="3d")
    stride = max(1, len(g) // 30)  # ~30 × 30 facets: smooth enough, small PNG
    ax.plot_surface(x1, x2, pred, cmap="viridis", rstride=stride, cstride=stride, linewidth=0, antialiased=False)
    pts = np.asarray(result["train_points"])
    ax.scatter(pts[:, 0], pts[:, 1], pts[:, 2], s=3 if m > 100 else 8, color="red", depthshade=False,
               label=f"{m} training points")
    ax.set_zlabel("ŷ (prediction)")
    plots.decorate(ax, title=f"m = {m}: prediction of {name}\n(test MSE {result['final']['test_mse']:.2e})",
                   xlabel="x₁", ylabel="x₂", grid=False)
    ax.title.set_fontsize(9)
    ax2 = fig.add_subplot(1, 2, 2, projection="3d")
    ax2.plot_surface(x1, x2, pred - truth, cmap="coolwarm", rstride=stride, cstride=stride, linewidth=0,
                     antialiased=False)
    ax2.set_zlabel("ŷ − f (error)")
    plots.decorate(ax2, title=f"m = {m}: error (max |error| {result['final']['test_max_abs_error']:.2e})",
                   xlabel="x₁", ylabel="x₂", grid=False)
    ax2.title.set_fontsize(9)
    name_png = f"b4_surface_m{m}.png"
    save_small(fig, ctx.path(name_png))
    return name_png


def _search_plot(ctx, summary):
    fig, axes = plots.figure(ncols=len(M_VALUES), width=5.5, height=4.2)
    for ax, m in zip(axes, M_VALUES):
        info = summary["per_m"][str(m)]
        rows = info["search"] + info["beyond"]
        xs = list(range(len(rows)))
        means = [r["val"]["mean"] for r in rows]
        sds = [r["val"]["sd"] or 0.0 for r in rows]
        finite_means = [v for v in means if v is not None]
        ax.errorbar([x for x, v in zip(xs, means) if v is not None], finite_means,
                    yerr=[s for s, v in zip(sds, means) if v is not None], fmt="o", capsize=3,
                    label="validation MSE (selection)" + (" ± sd over folds" if info["scheme"] == "kfold" else ""))
        ax.plot(xs, [stats.summarize(r["subgrid_mse"])["mean"] for r in rows], "x", color="gray",
                label="101² test sub-grid (not used)")
        for x, r in zip(xs, rows):
            if r["diverged"] and finite_means:
                plots.mark_diverged(ax, x, max(finite_means))
            if r["name"] == info["best"]:
                ax.axvline(x, color="green", ls=":", lw=1)
        if info["beyond"]:
            ax.axvspan(len(info["search"]) - 0.5, len(rows) - 0.5, color="orange", alpha=0.15,
                       label="beyond the grid's edge (not selectable)")
        ax.axhline(info["bar"], color="red", ls="--", lw=0.8, label=f"quality bar {info['bar']:g}")
        ax.axhline(info["report_b"], color="purple", ls=":", lw=0.8, label=f"Report B {info['report_b']:g}")
        ax.set_xticks(xs)
        ax.set_xticklabels([r["name"] for r in rows], rotation=75, fontsize=6)
        how = (f"{info['k']}-fold CV" if info["scheme"] == "kfold" else f"hold-out of {m // info['k']} points")
        plots.decorate(ax, title=f"m = {m}: architecture search ({how})", ylabel="MSE (squared units of f, log scale)",
                       logy=True, legend_size=6)
        ax.title.set_fontsize(9)
    save_small(fig, ctx.path("b4_search.png"))
    return "b4_search.png"


def report(summary):
    decided = claims.decide(summary.get("claims", []))
    by_id = {c["id"]: c for c in decided}
    out = ["**Claims** (Holm over this problem's claims):", "", claims.ledger_table(decided, problem=False), ""]
    out.append(f"Setup: MLPs 2 → hidden → 1, MSE loss, full-batch Adam lr {summary['lr']:g} cosine-decayed to "
               f"{summary['lr'] / 100:g} over {summary['epochs']} epochs (= steps); test set: the "
               f"{summary['grid_n']} × {summary['grid_n']} grid on [−2, 2]². Selection on the training points only "
               f"(k-fold CV for m = 100, a hold-out for m = 1000); the final model is retrained on all m points for "
               f"each of {summary['seeds']} seed(s) (seed s draws training set s and initialises with s; set 0 is the "
               f"one the search used). Means ± sample sd (ddof = 1); intervals are t-based 95% CIs.")
    out.append("")
    for m in M_VALUES:
        info = summary["per_m"].get(str(m))
        if not info:
            continue
        rows = sorted(info["search"], key=lambda r: (r["val"]["mean"] is None, r["val"]["mean"] or 0.0))
        how = f"{info['k']}-fold CV" if info["scheme"] == "kfold" else f"hold-out of {m // info['k']} points"
        out.append(f"**m = {m}** — search by {how}:")
        out.append("")
        fmt = lambda v: stats.fmt_summary(stats.summarize(v), 3)
        out.append(table(["rank", "architecture", "params", "validation MSE", "train MSE", "101² sub-grid MSE (info)",
                          "train s"],
                         [[i + 1, r["name"] + (" — DIVERGED" if r["diverged"] else ""), r["params"],
                           fmt(r["val_mse"]), fmt(r["train_mse"]), fmt(r["subgrid_mse"]), fmt(r["train_time"])]
                          for i, r in enumerate(rows)]))
        out.append("")
        t = info["test"]
        c = by_id.get(f"b4.test-mse-m{m}")
        ratio = info["report_b"] / t["mean"] if t["mean"] else None
        lo, hi = t["ci"]
        ci = f" (95% CI [{lo:.3g}, {hi:.3g}])" if lo is not None else ""
        out.append(
            f"Selected: **{info['best']}** ({info['best_params']} parameters). Retrained on all {m} points: test MSE "
            f"on the {summary['grid_n']}² grid {stats.fmt_summary(t, 3)}{ci} over {t['n']} seed(s) (per seed: "
            + ", ".join(f"{f['test_mse']:.3g}" if f["test_mse"] is not None else "diverged" for f in info["final"])
            + f"); Report B: {info['report_b']:g}"
            + ("" if ratio is None else f" — ours is {ratio:.3g}× lower" if ratio >= 1 else
               f" — ours is {1 / ratio:.3g}× HIGHER")
            + (f"; “the same MSE within a factor {SAME_FACTOR:g}” is **{c['verdict']}**" if c else "")
            + f". **Quality bar** ≤ {info['bar']:g}: **{info['verdict']}**"
            + ("." if summary["mode"] == "full" else f" (measured in {summary['mode']} mode with "
               f"{summary['epochs']} epochs; the bar applies to the full run)."))
        unstable = [f["seed"] for f in info["final"] if f.get("unstable")]
        if unstable:
            out.append(f"Seeds {unstable} ended **unstable** (loss ≥ 1.5× its minimum at the last step).")
        if info["edges"]:
            out.append("**Grid edge:** " + "; ".join(info["edges"]) + ".")
            for b in info["beyond"]:
                best_row = next(r for r in info["search"] if r["name"] == info["best"])
                if b["val"]["mean"] is None:
                    out.append(f"One step beyond it, {b['name']} diverged.")
                    continue
                better = b["val"]["mean"] < best_row["val"]["mean"]
                out.append(f"One step beyond it, {b['name']} ({b['params']} parameters) reaches validation MSE "
                           f"{b['val']['mean']:.3g} vs the winner's {best_row['val']['mean']:.3g}"
                           + (" — lower: the optimum does lie beyond this grid, and our winner is only the best "
                              "of the grid." if better else
                              " — not lower: on this split the grid's edge is not hiding a better net.")
                           + (" (one hold-out split: no spread to test against)" if info["scheme"] == "holdout"
                              else ""))
        if len(rows) > 1 and rows[1]["val"]["mean"] is not None:
            first, second = rows[0], rows[1]
            line = (f"Runner-up {second['name']} (validation MSE {stats.fmt_summary(second['val'], 3)}) vs the "
                    f"winner {stats.fmt_summary(first['val'], 3)}")
            if info["scheme"] == "kfold":
                a = dict(zip(first["folds"], first["val_mse"]))
                b = dict(zip(second["folds"], second["val_mse"]))
                folds = sorted(set(a) & set(b))
                test = stats.paired([b[f] for f in folds], [a[f] for f in folds])
                sig = test["p"] is not None and test["p"] < stats.ALPHA
                line += (f": paired over the {len(folds)} folds, Δ = {test['effect']:.3g} "
                         f"{stats.fmt_ci(test)}, p = {stats.fmt_p(test['p'])} — "
                         + ("the winner is ahead beyond fold noise." if sig and test["effect"] > 0 else
                            "the two are not separated by the folds: the choice between them is a toss-up."))
            else:
                line += " (one hold-out split: no spread, so the ranking of close candidates is not tested)."
            out.append(line)
        acts = {}
        for r in info["search"]:
            if r["val"]["mean"] is not None:
                acts.setdefault(r["activation"], []).append(r["val"]["mean"])
        if len(acts) > 1:
            out.append("Best validation MSE per activation: " + ", ".join(
                f"{a} {min(v):.3g}" for a, v in acts.items()) + ".")
        by_sub = min((r for r in info["search"] if stats.summarize(r["subgrid_mse"])["mean"] is not None),
                     key=lambda r: stats.summarize(r["subgrid_mse"])["mean"], default=None)
        if by_sub:
            out.append(f"(For information only: on the 101² test sub-grid the best candidate would have been "
                       f"{by_sub['name']}" + (" — the same as the selection.)" if by_sub["name"] == info["best"] else
                                              " — not the one selected.)"))
        out.append("")
    c = by_id.get("b4.more-data-lower-mse")
    if c:
        r = c["result"]
        eff = r["effect"]
        out.append(f"More data: log10 MSE(m = 1000) − log10 MSE(m = 100) = {eff:+.2f}"
                   + (f" {stats.fmt_ci(r)}" if r["ci"][0] is not None else "")
                   + f" (a factor {10 ** -eff:.3g}), Welch p = {stats.fmt_p(r['p'])}: Report B's ordering "
                   + {"supported": "holds in our runs (supported).",
                      "contradicted": "is reversed in our runs (contradicted).",
                      "inconclusive": "is not established by our seeds (inconclusive)."}[c["verdict"]])
        out.append("")
    for m in M_VALUES:
        name = f"b4_surface_m{m}.png"
        if name in summary["figures"]:
            out += [figure(summary, name, f"m = {m}: predicted surface with the training points, and its error"), ""]
    out.append(figure(summary, "b4_search.png", "validation MSE per architecture"))
    return "\n".join(out)


if __name__ == "__main__":
    from .core.cli import main_single
    raise SystemExit(main_single(ID))
