"""p08 — the smallest CNN that matches the dense model of p04.

Question (Report A, problem 8): search over conv filters, kernel size and dense
units for the smallest CNN (by parameter count) whose test accuracy matches the
dense model's, trained the same way.

Dense reference: the uniform model of p04, 784-256-256-256-10 with ReLU
(335,114 parameters), trained here (same data and machine) twice:
(a) with the CNNs' recipe — Adam lr 1e-3 decayed to 0 by a cosine schedule,
batch 128, 8 epochs (p09 uses the same recipe) — for the same-optimizer
comparison and the loss-vs-time curves; (b) with p04's own recipe — Adam lr
1e-3 constant, batch 128, p04's epochs (20 full, 15 quick) — the literal
"dense model of p04".  When p04's summary exists its own number is shown too.
The cosine schedule is used for the CNNs because with a constant lr the
test accuracy of the last epoch jumps by ±0.1–0.2 points (seen on full-size
runs), which is the size of the differences we look for.

CNN family: conv F@k×k (stride 1, no padding) → ReLU → maxpool 2 → flatten →
[dense h → ReLU] → dense 10, for F ∈ {2, 4, 8, 16, 32}, k ∈ {3, 5},
h ∈ {none, 32}, ordered by parameter count.

Method, in two stages because a CNN epoch is expensive on a CPU:

1. *Search*: the dense reference, then the candidates from the smallest up,
   are trained once (first seed) for a few epochs (``search_epochs``) on the
   training images left after carving a validation split (the selection set);
   test accuracy is recorded for the table.  A candidate *passes* when its
   validation accuracy ≥ the dense model's under the same short protocol,
   minus one binomial standard error sqrt(p(1-p)/n_val) of that accuracy
   (what one run on n_val images can resolve).
   The scan stops once ``shortlist`` candidates pass: a larger one cannot be
   the smallest match, and the large CNNs are the expensive ones.
2. *Confirmation*: the dense references, then the passing candidates from
   the smallest up, are trained with the full recipe (all training images of
   the mode, ``epochs`` epochs, every seed) and measured on the test set; the
   confirmation stops at the first candidate that matches.

"Matches" (stage 2): the CNN's mean test accuracy ≥ the dense model's mean
test accuracy minus its seed std (with one seed: ≥ its accuracy), for both
dense references (a) and (b), i.e. the stricter of the two.  The winner
is the smallest confirmed CNN that matches.  Quality bar (full run): the
winner has ≤ 1/5 of the dense model's parameters.

Limits: one seed and a short protocol in the search (a candidate that learns
slowly can be passed over); one optimizer and learning rate for every model.
"""
import tinynet as tn

from .core import plots
from .core.report import figure, table
from .core.seedstats import fmt_stat, stat
from .core.training import fit_point, mlp

np = tn.backend.np

ID = "p08-cnn-search"
TITLE = "Smallest CNN matching the dense model"
QUESTION = ("What is the smallest CNN (conv filters, kernel size, dense units) that matches the test "
            "accuracy of p04's dense model, and how do their losses move with training time?")
ESTIMATE = {"smoke": 5, "quick": 75, "full": 900}

DENSE_HIDDEN = [256, 256, 256]
LR, BATCH = 1e-3, 128
FILTERS, KERNELS, HIDDEN = (2, 4, 8, 16, 32), (3, 5), (0, 32)
PARAM_BAR = 1 / 5
P04_EPOCHS = {"quick": 15, "full": 20}  # p04's recipe: Adam lr 1e-3 constant, batch 128, these epochs


# ------------------------------------------------------------ architectures
def cnn_layers(arch):
    """Layers of a one-conv CNN ``{"filters", "kernel", "hidden"}`` on (N, 1, 28, 28)."""
    L = tn.layers
    f, k, h = arch["filters"], arch["kernel"], arch["hidden"]
    side = (28 - k + 1) // 2
    layers = [L.Conv2D(1, f, k), L.ReLU(), L.MaxPool2D(2), L.Flatten()]
    if h:
        layers += [L.Dense(f * side * side, h), L.ReLU(), L.Dense(h, 10)]
    else:
        layers += [L.Dense(f * side * side, 10)]
    return layers


def build(arch, seed=0):
    if arch["kind"] == "dense":
        return tn.Sequential(mlp([784] + arch["hidden"] + [10]), seed=seed)
    if arch["kind"] == "cnn":
        return tn.Sequential(cnn_layers(arch), seed=seed)
    raise ValueError(f"unknown arch kind {arch['kind']!r}")


def arch_name(arch):
    if arch["kind"] == "dense":
        return "dense 784-" + "-".join(map(str, arch["hidden"])) + "-10"
    h = f" → dense {arch['hidden']}" if arch["hidden"] else ""
    return f"conv {arch['filters']}@{arch['kernel']}×{arch['kernel']} → pool{h} → 10"


def count_params(arch):
    return build(arch).num_params()


def flat(data):
    """The same images as (N, 784) for the dense model."""
    return {k: (v.reshape(v.shape[0], -1) if k.startswith("X_") else v) for k, v in data.items()}


def _train(ctx, data, final_sets):
    """A point function: train ``config['arch']`` on ``data`` (NCHW images)."""
    def fn(config):
        arch = config["arch"]
        model = build(arch, seed=config["seed"])
        d = flat(data) if arch["kind"] == "dense" else data
        if config["n_train"] < d["X_train"].shape[0]:
            d = {**d, "X_train": d["X_train"][:config["n_train"]], "y_train": d["y_train"][:config["n_train"]]}
        loss = tn.losses.SoftmaxCrossEntropy()
        per_epoch = () if config["stage"] == "search" else ("test",)
        result = fit_point(model, d, loss, make_optimizer(config), epochs=config["epochs"],
                           batch_size=config["batch_size"], eval_sets=per_epoch,
                           final_train_eval=config["stage"] != "search", verbose=ctx.fit_verbose)
        if not result["diverged"]:
            for name in final_sets:
                if f"{name}_accuracy" not in result["final"]:
                    scores = model.evaluate(d[f"X_{name}"], d[f"y_{name}"], loss=loss)
                    result["final"].update({f"{name}_{k}": v for k, v in scores.items()})
        return result
    return fn


def _p04_reported(ctx):
    """p04's own test accuracy of its uniform model, when p04 has run in this mode (shown side by side)."""
    import json
    import os
    path = os.path.join(ctx.out, "p04-layer-shapes", "summary.json")
    try:
        with open(path) as f:
            summary = json.load(f)
    except (OSError, ValueError):
        return None
    if summary.get("mode") != ctx.mode:
        return None
    # p04's summary layout is its own; look for a row naming the uniform shape with a test accuracy
    for row in summary.get("rows", []) if isinstance(summary.get("rows"), list) else []:
        if not isinstance(row, dict):
            continue
        text = json.dumps({k: v for k, v in row.items() if isinstance(v, (str, int, float, list))})
        if "uniform" in text and row.get("regularizer") in (None, "none", "None"):
            acc = row.get("test_accuracy")
            acc = acc.get("mean") if isinstance(acc, dict) else acc
            if isinstance(acc, (int, float)):
                return {"test_accuracy": acc, "epochs": summary.get("epochs"), "lr": summary.get("lr"),
                        "row": {k: v for k, v in row.items() if not isinstance(v, (dict, list))}}
    return None


def make_optimizer(config):
    """Adam at config['lr'], with a cosine decay to 0 over config['epochs'] when asked (shared with p09)."""
    lr = config["lr"]
    if config.get("schedule") == "cosine":
        lr = tn.schedules.CosineDecay(lr, config["epochs"])
    return tn.optim.Adam(lr)


def _label(c):
    return f"{c['stage']}: {arch_name(c['arch'])} seed={c['seed']}"


def _acc(record, name):
    res = record["result"]
    return None if res["diverged"] else res["final"].get(f"{name}_accuracy")


def _curves(records):
    """Mean curves over seeds: elapsed train seconds, train loss, test loss (for p09 too)."""
    hists = [r["result"]["history"] for r in records]
    out = {}
    for key in ("elapsed", "loss", "test_loss", "test_accuracy"):
        mean, std = plots.mean_spread([h.get(key, []) for h in hists])
        out[key] = [None if not np.isfinite(v) else float(v) for v in mean]
        out[key + "_std"] = [None if not np.isfinite(v) else float(v) for v in std]
    return out


def summarize_group(arch, records):
    """Seed statistics of one architecture's stage-2 records (shared with p09)."""
    return {"arch": arch, "name": arch_name(arch) if arch["kind"] in ("dense", "cnn") else arch.get("name"),
            "params": records[0]["result"]["params"],
            "test_accuracy": stat([_acc(r, "test") for r in records]),
            "test_loss": stat([None if r["result"]["diverged"] else r["result"]["final"]["test_loss"]
                               for r in records]),
            "train_loss": stat([None if r["result"]["diverged"] else r["result"]["final"]["train_loss"]
                                for r in records]),
            "train_time": stat([r["result"]["train_time"] for r in records]),
            "diverged": sum(r["result"]["diverged"] for r in records), "runs": len(records),
            "curves": _curves(records)}


def run(ctx):
    n_val = ctx.pick(smoke=100, quick=2000, full=5000)
    n_search = ctx.pick(smoke=400, quick=None, full=None)  # None: every training image left after the split
    search_epochs = ctx.pick(smoke=1, quick=2, full=3)
    epochs = ctx.pick(smoke=1, quick=2, full=8)   # the same recipe as p09
    shortlist = ctx.pick(smoke=1, quick=2, full=3)
    dense_arch = {"kind": "dense", "hidden": DENSE_HIDDEN}
    dense_params = count_params(dense_arch)

    grid = [{"kind": "cnn", "filters": f, "kernel": k, "hidden": h}
            for f in FILTERS for k in KERNELS for h in HIDDEN]
    if ctx.mode == "smoke":
        grid = [{"kind": "cnn", "filters": 2, "kernel": 5, "hidden": 0},
                {"kind": "cnn", "filters": 4, "kernel": 3, "hidden": 0}]
    grid.sort(key=count_params)

    # ---- stage 1: scan the grid from the smallest model up, selection on a validation split;
    #      stop once `shortlist` candidates pass (the larger ones cannot be the smallest match).
    split = ctx.data(flatten=False, validation=n_val)
    n_search = min(n_search or split["X_train"].shape[0], split["X_train"].shape[0])
    common = {"lr": LR, "optimizer": "adam", "schedule": "cosine", "batch_size": BATCH}

    def search_cfg(arch):
        return {"stage": "search", "arch": arch, "n_train": n_search, "n_val": n_val,
                "epochs": search_epochs, "seed": ctx.seeds[0], **common}

    train_search = _train(ctx, split, ("val", "test"))
    dense_search = ctx.run_points([search_cfg(dense_arch)], train_search, label=_label)[0]
    dense_val = _acc(dense_search, "val")
    # One binomial standard error of the dense model's validation accuracy: a single short run
    # cannot separate two models closer than that, so such a candidate is confirmed in stage 2.
    tolerance = (dense_val * (1 - dense_val) / n_val) ** 0.5 if dense_val is not None else 0.0
    rows = []
    for i, arch in enumerate(grid):
        rec = ctx.run_points([search_cfg(arch)], train_search,
                             label=lambda c, i=i: f"search {i + 1}/{len(grid)}: {arch_name(c['arch'])}")[0]
        val = _acc(rec, "val")
        rows.append({"arch": arch, "name": arch_name(arch), "params": rec["result"]["params"],
                     "val_accuracy": val, "test_accuracy": _acc(rec, "test"),
                     "train_time": rec["result"]["train_time"], "diverged": rec["result"]["diverged"],
                     "passes": val is not None and dense_val is not None and val >= dense_val - tolerance})
        if sum(r["passes"] for r in rows) >= shortlist:
            break
    not_scanned = len(grid) - len(rows)
    passing = [r for r in rows if r["passes"]]
    shortlist_rule = "passing" if passing else "fallback"  # none passed: confirm the best by validation
    chosen = passing[:shortlist] or sorted([r for r in rows if r["val_accuracy"] is not None],
                                           key=lambda r: -r["val_accuracy"])[:1]

    # ---- stage 2: the dense model with the full recipe and with p04's own recipe (constant lr, p04's
    #      epochs: the literal "dense model of p04"), every seed; then the passing CNNs from the smallest
    #      up, every seed, until one matches both (the larger ones cannot be the smallest match).
    data = ctx.data(flatten=False)
    n_train = int(data["X_train"].shape[0])
    train_final = _train(ctx, data, ("test",))
    dense_cfgs = [{"stage": "final", "arch": dense_arch, "n_train": n_train, "epochs": epochs, "seed": s, **common}
                  for s in ctx.seeds]
    p04_epochs = ctx.pick(smoke=1, quick=P04_EPOCHS["quick"], full=P04_EPOCHS["full"])
    p04_cfgs = [{"stage": "final", "recipe": "p04", "arch": dense_arch, "n_train": n_train, "epochs": p04_epochs,
                 "seed": s, "lr": LR, "optimizer": "adam", "schedule": "constant", "batch_size": BATCH}
                for s in ctx.seeds]
    refs = ctx.run_points(dense_cfgs + p04_cfgs, train_final,
                          label=lambda c: _label(c) + (" (p04 recipe)" if c.get("recipe") else ""))
    dense = summarize_group(dense_arch, [r for r in refs if not r["config"].get("recipe")])
    dense_p04 = summarize_group(dense_arch, [r for r in refs if r["config"].get("recipe") == "p04"])
    dense_p04["name"] += f" (p04 recipe: constant lr, {p04_epochs} epochs)"
    # The CNN must match both dense references (same recipe, and p04's own): the stricter threshold.
    thresholds = {"same recipe": dense["test_accuracy"]["mean"] - dense["test_accuracy"]["std"],
                  "p04 recipe": dense_p04["test_accuracy"]["mean"] - dense_p04["test_accuracy"]["std"]}
    finite = [v for v in thresholds.values() if v == v]
    threshold = max(finite) if finite else float("nan")
    cnns, winner = [], None
    for r in chosen:
        cfgs = [{"stage": "final", "arch": r["arch"], "n_train": n_train, "epochs": epochs, "seed": s, **common}
                for s in ctx.seeds]
        g = summarize_group(r["arch"], ctx.run_points(cfgs, train_final, label=_label))
        ok = g["test_accuracy"]["n"] > 0
        g["matches_same"] = ok and g["test_accuracy"]["mean"] >= thresholds["same recipe"]
        g["matches_p04"] = ok and g["test_accuracy"]["mean"] >= thresholds["p04 recipe"]
        g["matches"] = ok and g["test_accuracy"]["mean"] >= threshold
        cnns.append(g)
        if g["matches"]:
            winner = g
            break
    p04_reported = _p04_reported(ctx)

    figures = [_plot_search(ctx, rows, dense_search, dense_params, cnns, dense, dense_p04),
               _plot_time(ctx, dense, winner or (cnns[0] if cnns else None))]
    return {"search": rows, "dense_search": {"val_accuracy": dense_val, "test_accuracy": _acc(dense_search, "test"),
                                             "tolerance": tolerance,
                                             "train_time": dense_search["result"]["train_time"]},
            "dense": dense, "dense_p04": dense_p04, "p04_reported": p04_reported, "thresholds": thresholds,
            "dense_params": dense_params, "cnns": cnns,
            "winner": winner["name"] if winner else None, "threshold": threshold, "shortlist_rule": shortlist_rule,
            "not_scanned": not_scanned, "grid_size": len(grid),
            "settings": {"n_val": n_val, "n_search": int(n_search), "search_epochs": search_epochs, "epochs": epochs,
                         "shortlist": shortlist, "lr": LR, "batch_size": BATCH, "optimizer": "Adam",
                         "schedule": "cosine decay to 0 over the epochs", "p04_epochs": p04_epochs,
                         "n_train": int(data["X_train"].shape[0]), "n_test": int(data["X_test"].shape[0])},
            "figures": figures}


# ----------------------------------------------------------------- figures
def _plot_search(ctx, rows, dense_search, dense_params, cnns, dense, dense_p04):
    fig, (ax1, ax2) = plots.figure(ncols=2, width=5.2, height=3.8)
    markers = {0: "o", 32: "^"}
    for k, color in zip(KERNELS, ("C0", "C1")):
        for h, marker in markers.items():
            sel = [r for r in rows if r["arch"]["kernel"] == k and r["arch"]["hidden"] == h
                   and r["val_accuracy"] is not None]
            if sel:
                ax1.scatter([r["params"] for r in sel], [100 * r["val_accuracy"] for r in sel], color=color,
                            marker=marker, label=f"{k}×{k}, " + (f"dense {h}" if h else "no hidden"))
            for r in rows:
                if r["diverged"]:
                    plots.mark_diverged(ax1, r["params"], 50)
    dv = dense_search["result"]
    if not dv["diverged"]:
        ax1.axhline(100 * dv["final"]["val_accuracy"], color="k", ls="--", label="dense ref. (same protocol)")
    ax1.axvline(dense_params * PARAM_BAR, color="gray", ls=":", label="1/5 of dense params")
    ax1.set_xscale("log")
    ax1.xaxis.set_minor_formatter(plots.plt.NullFormatter())
    ax1.set_xlabel("parameters (count, log scale)")
    ax1.set_ylabel("validation accuracy (%)")
    ax1.set_title("stage 1: search (short training, smallest first)", fontsize=9)
    ax1.legend(fontsize=6)
    for g in cnns + [dense, dense_p04]:
        ta = g["test_accuracy"]
        if ta["n"]:
            fmt = "s" if g is dense else "D" if g is dense_p04 else "o"
            ax2.errorbar([g["params"]], [100 * ta["mean"]], yerr=[100 * ta["std"]], fmt=fmt, capsize=3,
                         label=g["name"])
    ax2.axvline(dense_params * PARAM_BAR, color="gray", ls=":")
    ax2.set_xscale("log")
    ax2.xaxis.set_minor_formatter(plots.plt.NullFormatter())
    ax2.set_xlabel("parameters (count, log scale)")
    ax2.set_ylabel("test accuracy (%), mean ± std over seeds")
    ax2.set_title("stage 2: full recipe", fontsize=9)
    ax2.legend(fontsize=6)
    return plots.save(fig, ctx.path("search.png")).rsplit("/", 1)[-1]


def _plot_time(ctx, dense, cnn):
    fig, ax = plots.figure(width=6.0, height=4.0)
    for g, color in ((dense, "k"), (cnn, "C3")):
        if g is None:
            continue
        c = g["curves"]
        x = [v for v in c["elapsed"] if v is not None]
        for key, ls, what in (("loss", "-", "train"), ("test_loss", "--", "test")):
            mean = c[key][:len(x)]
            std = c[key + "_std"][:len(x)]
            line, = ax.plot(x, mean, ls=ls, color=color, marker=".", label=f"{g['name']} ({g['params']:,} p.): {what}")
            if g["runs"] > 1:
                ax.fill_between(x, [m - s for m, s in zip(mean, std)], [m + s for m, s in zip(mean, std)],
                                color=color, alpha=0.15)
    ax.set_yscale("log")
    ax.set_xlabel("training time (s, wall clock, evaluation excluded)")
    ax.set_ylabel("cross-entropy loss (nats, log scale)")
    ax.set_title("loss vs training time: same optimizer, batch size, LR", fontsize=9)
    ax.legend(fontsize=6)
    return plots.save(fig, ctx.path("loss_vs_time.png")).rsplit("/", 1)[-1]


# ------------------------------------------------------------------ report
def _pct(v):
    return "—" if v is None else f"{100 * v:.2f}%"


def report(summary):
    s, dense = summary["settings"], summary["dense"]
    ds = summary["dense_search"]
    body = [
        f"Dense reference: {dense['name']} ({summary['dense_params']:,} parameters), the uniform model of p04. "
        f"Every model: {s['optimizer']} lr {s['lr']:g} with {s.get('schedule', 'no schedule')}, batch "
        f"{s['batch_size']}.",
        "",
        f"**Stage 1 (search)**: CNNs in order of parameter count, each trained once for {s['search_epochs']} "
        f"epoch(s) on {s['n_search']:,} training images; selection on {s['n_val']:,} validation images carved "
        f"from the training set. The dense model under the same protocol: validation {_pct(ds['val_accuracy'])}, "
        f"test {_pct(ds['test_accuracy'])}. A CNN *passes* when its validation accuracy ≥ the dense model's minus one binomial "
        f"standard error ({100 * ds.get('tolerance', 0):.2f} points on {s['n_val']:,} images, the resolution of a "
        f"single run); the "
        f"scan stops once {s['shortlist']} pass ({summary.get('not_scanned', 0)} larger grid point(s) of "
        f"{summary.get('grid_size', len(summary['search']))} not trained).",
        "",
        table(["CNN (ordered by parameters)", "params", "params / dense", "val. accuracy", "test accuracy",
               "train time (s)", "passes"],
              [[r["name"], f"{r['params']:,}", f"{r['params'] / summary['dense_params']:.3f}",
                "DIVERGED" if r["diverged"] else _pct(r["val_accuracy"]), _pct(r["test_accuracy"]),
                f"{r['train_time']:.1f}", "yes" if r["passes"] else "no"] for r in summary["search"]]),
        "",
        ("**Stage 2 (confirmation)**: " + ("the passing CNNs from the smallest up, stopping at the first that "
                                              "matches,"
                                              if summary.get("shortlist_rule") == "passing" else
                                              "no CNN passed stage 1, so the one with the best validation accuracy")
         + " and the dense model, "
        f"{s['epochs']} epochs on {s['n_train']:,} training images, tested on {s['n_test']:,}; mean ± std over "
        f"{dense['runs']} seed(s). The dense model is also trained with p04's own recipe (Adam lr {s['lr']:g} "
        f"constant, {s.get('p04_epochs')} epochs). *Matches* = mean test accuracy ≥ dense mean − dense std for "
        f"BOTH dense references (the stricter threshold: "
        + ", ".join(f"{k} {_pct(v)}" for k, v in summary.get("thresholds", {}).items())
        + f") = {_pct(summary['threshold'])}."),
        "",
        table(["model", "params", "test accuracy", "test loss", "train time (s)", "≥ same-recipe dense",
               "≥ p04-recipe dense"],
              [[g["name"], f"{g['params']:,}", fmt_stat(g["test_accuracy"], pct=True), fmt_stat(g["test_loss"]),
                fmt_stat(g["train_time"], digits=3)]
               + [("yes" if g[k] else "no") if k in g else "—" for k in ("matches_same", "matches_p04")]
               for g in [dense] + ([summary["dense_p04"]] if summary.get("dense_p04") else []) + summary["cnns"]]),
        "",
    ]
    if summary.get("p04_reported"):
        rep = summary["p04_reported"]
        body += [f"p04's own run of its uniform model ({rep.get('epochs')} epochs, lr {rep.get('lr')}) reported "
                 f"{_pct(rep['test_accuracy'])} test accuracy (our p04-recipe dense model here: "
                 f"{fmt_stat(summary['dense_p04']['test_accuracy'], pct=True)}).", ""]
    winner = next((g for g in summary["cnns"] if g["name"] == summary["winner"]), None)
    if winner:
        frac = winner["params"] / summary["dense_params"]
        d_acc, w_acc = dense["test_accuracy"], winner["test_accuracy"]
        body.append(
            f"Winner: **{winner['name']}** with {winner['params']:,} parameters = {frac:.3f} of the dense model's "
            f"{summary['dense_params']:,} ({summary['dense_params'] / winner['params']:.1f}× fewer); test accuracy "
            f"{fmt_stat(w_acc, pct=True)} vs dense {fmt_stat(d_acc, pct=True)} "
            f"({100 * (w_acc['mean'] - d_acc['mean']):+.2f} points). Training took "
            f"{fmt_stat(winner['train_time'], digits=3)} s vs {fmt_stat(dense['train_time'], digits=3)} s for "
            f"the dense model ({winner['train_time']['mean'] / dense['train_time']['mean']:.1f}× the time).")
        body.append(f"Quality bar: winner ≤ 1/5 of the dense parameters ({summary['dense_params'] * PARAM_BAR:,.0f}): "
                    f"ours {winner['params']:,} → **{'met' if frac <= PARAM_BAR else 'MISSED'}**.")
    else:
        same = next((g for g in summary["cnns"] if g.get("matches_same")), None)
        if same:
            body.append(f"Against the same-recipe dense model alone, {same['name']} ({same['params']:,} parameters, "
                        f"{fmt_stat(same['test_accuracy'], pct=True)}) matches; p04's recipe "
                        f"({s.get('p04_epochs')} epochs vs {s['epochs']}) sets the higher bar.")
        body.append("No confirmed CNN matched both dense references' test accuracy. "
                    "Quality bar (a matching CNN with ≤ 1/5 of the dense parameters): **MISSED**.")
    body += ["", "Report A described a search 'ordered by parameter count' without numbers; the tables above are "
                 "ours.", "",
             figure(summary, "search.png", "search: accuracy vs parameters"), "",
             figure(summary, "loss_vs_time.png", "train/test loss vs training time, winner vs dense")]
    return "\n".join(body)


if __name__ == "__main__":
    from .core.cli import main_single
    main_single(ID)
