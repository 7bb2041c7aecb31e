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

BLAS is limited to one thread while training (threadpoolctl, when installed):
the matrices are tiny and a second thread only adds synchronisation (on a busy
2-core machine it made an epoch 30× slower).

Limits: one optimiser recipe (lr, epochs) for all candidates; a small grid;
with m = 100 the CV estimate itself is noisy (shown as the spread over folds).
"""
import contextlib
import math

import tinynet as tn

from .core import plots
from .core.b_common import fmt_ms, mean_std, met, save_small, spread_sentence
from .core.report import figure, table
from .core.training import mlp

ID = "b4-regression"
TITLE = "Regression of x1·exp(−x1²−x2²) from 100 and 1000 points"
QUESTION = ("Fit f(x) = x1·exp(−x1² − x2²) from m = 100 and m = 1000 uniform points in [−2, 2]²: which architecture "
            "is best per m, and what is its MSE on the 1000 × 1000 test grid?")
ESTIMATE = {"smoke": 3, "quick": 15, "full": 240}

M_VALUES = [100, 1000]
BARS = {1000: 1e-4, 100: 2e-3}
REPORT_B = {1000: 0.00573, 100: 0.0135}
ACTIVATIONS = {"tanh": tn.layers.Tanh, "relu": tn.layers.ReLU}
LR = 2e-2                 # Adam, cosine decay to LR/100 over the epochs
PLOT_STEP = 10            # every 10th grid point in each direction for the 3-D plots


def _blas_one_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _candidates(mode):
    widths = {"smoke": [8], "quick": [16, 64], "full": [16, 32, 64]}[mode]
    depths = {"smoke": [1, 2], "quick": [1, 3], "full": [1, 2, 3]}[mode]
    acts = ["tanh"] if mode == "smoke" else ["tanh", "relu"]
    return [{"activation": a, "hidden": [w] * d} for a in acts for d in depths for w in widths]


def _name(c):
    return f"{c['activation']} {'-'.join(str(h) for h in c['hidden'])}"


def _fit(config, X, y):
    model = tn.Sequential(mlp([2, *config["hidden"], 1], activation=ACTIVATIONS[config["activation"]]),
                          seed=config["seed"])
    lr = config["lr"]
    opt = tn.optim.Adam(lr=tn.schedules.CosineDecay(lr, config["epochs"], min_lr=lr / 100))
    result = {"params": model.num_params(), "diverged": False}
    with _blas_one_thread():
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


def _cv_point(sub_grid):
    Xs, ys = sub_grid

    def fn(config):
        np = tn.backend.np
        X, y = tn.data.regression_b4(config["m"], seed=config["data_seed"])
        folds = _folds(config["m"], config["k"], config["data_seed"])
        if config["scheme"] == "holdout":
            val = folds[0]
        else:
            val = folds[config["fold"]]
        train = np.setdiff1d(np.arange(config["m"]), val)
        model, result = _fit(config, X[train], y[train])
        if not result["diverged"]:
            result["val_mse"] = _mse(model, X[val], y[val])
            result["train_mse"] = _mse(model, X[train], y[train])
            result["subgrid_mse"] = _mse(model, Xs, ys)
        return result
    return fn


def _final_point(grid, plot_idx):
    Xg, yg = grid

    def fn(config):
        np = tn.backend.np
        X, y = tn.data.regression_b4(config["m"], seed=config["data_seed"])
        model, result = _fit(config, X, y)
        if result["diverged"]:
            return result
        result["train_mse"] = _mse(model, X, y)
        n = config["grid_n"]
        pred = model.predict(Xg, batch_size=65536)[:, 0].astype(np.float64)
        err = pred - yg[:, 0].astype(np.float64)
        result["test_mse"] = float(np.mean(err ** 2))
        result["test_max_abs_error"] = float(np.abs(err).max())
        result["train_points"] = np.round(np.concatenate([X, y], axis=1), 4).tolist()
        # a downsampled surface for the plots (every PLOT_STEP-th point each way), 4 significant digits
        sub = pred.reshape(n, n)[np.ix_(plot_idx, plot_idx)]
        result["surface"] = [[float(f"{v:.4g}") for v in row] for row in sub]
        return result
    return fn


def run(ctx):
    np = tn.backend.np
    grid_n = ctx.pick(smoke=100, quick=1000, full=1000)
    Xg, yg = tn.data.regression_grid(grid_n)
    sub_n = 101 if grid_n >= 101 else grid_n
    Xs, ys = tn.data.regression_grid(sub_n)
    epochs = ctx.pick(smoke=50, quick=1000, full=6000)
    cands = _candidates(ctx.mode)
    base = {"lr": LR, "epochs": epochs, "optimizer": "adam-fullbatch-cosine", "loss": "mse"}
    summary = {"grid_n": grid_n, "epochs": epochs, "lr": LR, "per_m": {}, "figures": []}
    plot_idx = list(range(0, grid_n, PLOT_STEP if grid_n >= 200 else 1))
    if plot_idx[-1] != grid_n - 1:
        plot_idx.append(grid_n - 1)
    for m in M_VALUES:
        scheme, k = ("kfold", ctx.pick(smoke=2, quick=4, full=4)) if m <= 100 else ("holdout", 5)
        configs = []
        for c in cands:
            folds = range(k) if scheme == "kfold" else [0]
            configs += [{**base, **c, "part": "search", "m": m, "data_seed": 0, "seed": 0, "scheme": scheme,
                         "k": k, "fold": f} for f in folds]
        recs = ctx.run_points(configs, _cv_point((Xs, ys)),
                              label=lambda c: f"m={c['m']} {_name(c)} fold {c['fold']}")
        table_rows = []
        for c in cands:
            rs = [r for r in recs if r["config"]["activation"] == c["activation"]
                  and r["config"]["hidden"] == c["hidden"]]
            table_rows.append({"name": _name(c), **c, "params": rs[0]["result"]["params"],
                               "diverged": sum(1 for r in rs if r["result"]["diverged"]),
                               "val_mse": [r["result"].get("val_mse") for r in rs],
                               "train_mse": [r["result"].get("train_mse") for r in rs],
                               "subgrid_mse": [r["result"].get("subgrid_mse") for r in rs],
                               "train_time": [r["result"]["train_time"] for r in rs]})
        ok = [r for r in table_rows if not r["diverged"]]
        best = min(ok, key=lambda r: mean_std(r["val_mse"])[0])
        finals = ctx.run_points([{**base, "activation": best["activation"], "hidden": best["hidden"],
                                  "part": "final", "m": m, "data_seed": s, "seed": s, "grid_n": grid_n}
                                 for s in ctx.seeds], _final_point((Xg, yg), plot_idx),
                                label=lambda c: f"m={c['m']} final {_name(c)} seed {c['seed']}")
        test = [r["result"].get("test_mse") for r in finals]
        value = mean_std(test)[0]
        summary["per_m"][str(m)] = {
            "m": m, "scheme": scheme, "k": k, "search": table_rows, "best": best["name"],
            "best_hidden": best["hidden"], "best_activation": best["activation"],
            "final": [{"seed": r["config"]["seed"], "diverged": r["result"]["diverged"],
                       "test_mse": r["result"].get("test_mse"), "train_mse": r["result"].get("train_mse"),
                       "max_abs_error": r["result"].get("test_max_abs_error"),
                       "train_time": r["result"]["train_time"]} for r in finals],
            "test_mse": test, "bar": BARS[m], "report_b": REPORT_B[m],
            "verdict": met(value, BARS[m], lower_is_better=True)}
        seed0 = next((r for r in finals if r["config"]["seed"] == ctx.seeds[0] and not r["result"]["diverged"]), None)
        if seed0 is not None:
            summary["figures"].append(_surface_plot(ctx, m, best["name"], seed0["result"], grid_n, plot_idx))
    summary["figures"].append(_search_plot(ctx, summary))
    return summary


def _surface_plot(ctx, m, name, result, grid_n, plot_idx):
    np = tn.backend.np
    g = np.linspace(-2.0, 2.0, grid_n)[plot_idx]
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
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_zlabel("ŷ (prediction)")
    ax.set_title(f"m = {m}: prediction of {name}\n(test MSE {result['test_mse']:.2e})", fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    ax2 = fig.add_subplot(1, 2, 2, projection="3d")
    ax2.plot_surface(x1, x2, pred - truth, cmap="coolwarm", rstride=stride, cstride=stride, linewidth=0,
                     antialiased=False)
    ax2.set_xlabel("x₁")
    ax2.set_ylabel("x₂")
    ax2.set_zlabel("ŷ − f (error)")
    ax2.set_title(f"m = {m}: error (max |error| {result['test_max_abs_error']:.2e})", fontsize=9)
    name_png = f"b4_surface_m{m}.png"
    save_small(fig, ctx.path(name_png))
    return name_png


def _search_plot(ctx, summary):
    fig, axes = plots.figure(ncols=len(M_VALUES), width=5.5, height=4.2)
    for ax, m in zip(axes, M_VALUES):
        info = summary["per_m"][str(m)]
        rows = info["search"]
        xs = list(range(len(rows)))
        val = [mean_std(r["val_mse"]) for r in rows]
        ax.errorbar(xs, [v[0] for v in val], yerr=[v[1] for v in val], fmt="o", capsize=3,
                    label="validation MSE (selection)" + (" ± std over folds" if info["scheme"] == "kfold" else ""))
        ax.plot(xs, [mean_std(r["subgrid_mse"])[0] for r in rows], "x", color="gray",
                label="101² test sub-grid (not used)")
        for x, r in zip(xs, rows):
            if r["diverged"]:
                plots.mark_diverged(ax, x, max(v[0] for v in val if math.isfinite(v[0])))
            if r["name"] == info["best"]:
                ax.axvline(x, color="green", ls=":", lw=1)
        ax.axhline(info["bar"], color="red", ls="--", lw=0.8, label=f"quality bar {info['bar']:g}")
        ax.axhline(info["report_b"], color="purple", ls=":", lw=0.8, label=f"Report B {info['report_b']:g}")
        ax.set_yscale("log")
        ax.set_xticks(xs)
        ax.set_xticklabels([r["name"] for r in rows], rotation=75, fontsize=6)
        ax.set_ylabel("MSE (squared units of f, log scale)")
        how = (f"{info['k']}-fold CV" if info["scheme"] == "kfold" else f"hold-out of {m // info['k']} points")
        ax.set_title(f"m = {m}: architecture search ({how})", fontsize=9)
        ax.legend(fontsize=6)
    save_small(fig, ctx.path("b4_search.png"))
    return "b4_search.png"


def report(summary):
    out = [f"Setup: MLPs 2 → hidden → 1, MSE loss, full-batch Adam lr {summary['lr']:g} cosine-decayed to "
           f"{summary['lr'] / 100:g} over {summary['epochs']} epochs (= steps); test set: the "
           f"{summary['grid_n']} × {summary['grid_n']} grid on [−2, 2]². Selection on the training points only "
           f"(k-fold CV for m = 100, a hold-out for m = 1000); the final model is retrained on all m points for each "
           f"of {summary['seeds']} seed(s) (seed s draws training set s and initialises with s; set 0 is the one the "
           f"search used).", ""]
    for m in M_VALUES:
        info = summary["per_m"].get(str(m))
        if not info:
            continue
        rows = sorted(info["search"], key=lambda r: mean_std(r["val_mse"])[0])
        how = f"{info['k']}-fold CV" if info["scheme"] == "kfold" else f"hold-out of {m // info['k']} points"
        out.append(f"**m = {m}** — search by {how}:")
        out.append("")
        out.append(table(["rank", "architecture", "params", "validation MSE", "train MSE", "101² sub-grid MSE (info)",
                          "train s"],
                         [[i + 1, r["name"] + (" — DIVERGED" if r["diverged"] else ""), r["params"],
                           fmt_ms(r["val_mse"], 3), fmt_ms(r["train_mse"], 3), fmt_ms(r["subgrid_mse"], 3),
                           fmt_ms(r["train_time"], 2)] for i, r in enumerate(rows)]))
        out.append("")
        value = mean_std(info["test_mse"])[0]
        best_row = rows[0]
        by_sub = min(info["search"], key=lambda r: mean_std(r["subgrid_mse"])[0])
        out.append(
            f"Selected: **{info['best']}**. Retrained on all {m} points: test MSE on the {summary['grid_n']}² grid "
            f"{fmt_ms(info['test_mse'], 3)} (per seed: "
            + ", ".join(f"{f['test_mse']:.3g}" if f["test_mse"] is not None else "diverged" for f in info["final"])
            + f"); Report B: {info['report_b']:g} — ours is "
            + (f"{info['report_b'] / value:.3g}× lower. " if value <= info["report_b"] else
               f"{value / info['report_b']:.3g}× HIGHER. ")
            + f"**Quality bar** ≤ {info['bar']:g}: **{info['verdict']}**"
            + ("." if summary["mode"] == "full" else f" (measured in {summary['mode']} mode with "
               f"{summary['epochs']} epochs; the bar applies to the full run)."))
        if len(rows) > 1:
            second = rows[1]
            out.append(f"Runner-up {second['name']} (validation MSE {fmt_ms(second['val_mse'], 3)}) vs the winner "
                       f"{fmt_ms(best_row['val_mse'], 3)}"
                       + (f" {spread_sentence(best_row['val_mse'], second['val_mse'], what='fold')}."
                          if info["scheme"] == "kfold" else " (one hold-out split: no spread)."))
        acts = {}
        for r in info["search"]:
            acts.setdefault(r["activation"], []).append(mean_std(r["val_mse"])[0])
        if len(acts) > 1:
            out.append("Best validation MSE per activation: " + ", ".join(
                f"{a} {min(v):.3g}" for a, v in acts.items()) + ".")
        out.append(f"(For information only: on the 101² test sub-grid the best candidate would have been "
                   f"{by_sub['name']}" + (" — the same as the selection." if by_sub["name"] == info["best"] else
                                          " — not the one selected.") + ")")
        out.append("")
    for m in M_VALUES:
        name = f"b4_surface_m{m}.png"
        if name in summary["figures"]:
            out += [figure(summary, name, f"m = {m}: predicted surface with the training points, and its error"), ""]
    out.append(figure(summary, "b4_search.png", "validation MSE per architecture"))
    return "\n".join(out)


if __name__ == "__main__":
    from .core.cli import main_single
    main_single(ID)
