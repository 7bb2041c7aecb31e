"""p04 — uniform vs decreasing vs increasing layer widths, with and without regularization.

Question: at equal depth (3 hidden layers) and ≈ equal parameter count, does
the shape of the widths matter — which one overfits, which generalizes best —
and what do L2 and dropout change?

Method: the uniform net 784-256-256-256-10 sets the budget; the decreasing
(ratio ½ per layer, 4w-2w-w) and increasing (w-2w-4w) nets get widths solved so
their counts match it within 2% (the table shows the counts).  All nets: ReLU,
Adam (lr 1e-3), batch 128, the same number of epochs.  After every epoch the
test loss and the loss on a fixed subset of the training images are measured
in inference mode (so dropout is off and the L2 penalty is not added: train and
test curves are on the same scale).  Regularized variants: an L2 penalty
``tn.L2(1e-4)`` (λ·ΣW², added to the loss, Keras semantics) on every Dense
weight matrix, or Dropout(p = 0.2) after every hidden ReLU.

Measures (stated, not tuned): the *late* test loss = the mean of the test
loss over the last 3 epochs (one unlucky last epoch — Adam's loss spikes —
should not decide the ranking); the *rise* = late test loss − the lowest test
loss over the epochs (how far the test loss climbed back: overfitting); the
*gap* = late test loss − late train-subset loss.  "Generalizes best" = lowest
mean late test loss.

Limits: one budget, one depth, one optimizer setting, one strength per
regularizer (not tuned), a fixed epoch count with no early stopping.
"""
import tinynet as tn

from .core import plots
from .core.report import figure, table
from .core.seedstats import fmt_stat, group, spread_phrase, stat, within_spread
from .core.training import fit_point, mlp

ID = "p04-layer-shapes"
TITLE = "Layer shapes: uniform, decreasing, increasing"
QUESTION = "At equal depth and parameter count, do uniform, decreasing or increasing widths generalize better?"
ESTIMATE = {"smoke": 2, "quick": 60, "full": 650}

UNIFORM = [256, 256, 256]
SHAPE_RATIOS = {"uniform": (1, 1, 1), "decreasing": (4, 2, 1), "increasing": (1, 2, 4)}
L2_STRENGTH, DROPOUT = 1e-4, 0.2
LR, BATCH = 1e-3, 128
MATCH_TOLERANCE = 0.02
LATE_EPOCHS = 3  # the "late" losses average the last 3 epochs
REGULARIZERS = {"none": "no regularization", "l2": f"L2 λ = {L2_STRENGTH:g}", "dropout": f"dropout p = {DROPOUT}"}


def count(widths):
    sizes = [784] + list(widths) + [10]
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def solve_widths(ratios, target):
    """Widths with the given ratios (first two rounded, last one solved) whose count is closest to target."""
    if ratios == (1, 1, 1):
        return list(UNIFORM)
    best = None
    for w1 in range(8, 2048):
        w2 = max(1, round(w1 * ratios[1] / ratios[0]))
        # count is linear in w3 once w1, w2 are fixed: solve for it
        fixed = 784 * w1 + w1 + w1 * w2 + w2 + 10
        w3 = round((target - fixed) / (w2 + 1 + 10))
        if w3 < 1:
            break
        err = abs(count([w1, w2, w3]) - target) / target
        shape_err = abs(w3 / w1 - ratios[2] / ratios[0]) / (ratios[2] / ratios[0])
        if err <= MATCH_TOLERANCE / 4 and (best is None or shape_err < best[0]):
            best = (shape_err, [w1, w2, w3])
    return best[1]


def shapes():
    target = count(UNIFORM)
    return {name: solve_widths(r, target) for name, r in SHAPE_RATIOS.items()}


def train_point(ctx, data):
    def fn(c):
        reg = tn.L2(c["l2"]) if c["l2"] else None
        layers = mlp([784] + c["widths"] + [10], dropout=c["dropout"], regularizer=reg)
        model = tn.Sequential(layers, seed=c["seed"])
        return fit_point(model, data, tn.losses.SoftmaxCrossEntropy(), tn.optim.Adam(c["lr"]), c["epochs"],
                         c["batch_size"], eval_sets=("test", "trainsub"), verbose=ctx.fit_verbose)
    return fn


def run(ctx):
    data = ctx.data()
    n_sub = min(10_000, data["X_train"].shape[0])
    # a fixed subset of the training images, evaluated after each epoch like the test set
    data["X_trainsub"], data["y_trainsub"] = data["X_train"][:n_sub], data["y_train"][:n_sub]
    epochs = ctx.pick(smoke=1, quick=15, full=15)
    regs = ctx.pick(smoke=["none"], quick=list(REGULARIZERS), full=list(REGULARIZERS))
    shape_widths = shapes()
    names = ctx.pick(smoke=["uniform", "increasing"], quick=list(shape_widths), full=list(shape_widths))
    configs = [{"shape": name, "widths": shape_widths[name], "regularizer": reg,
                "l2": L2_STRENGTH if reg == "l2" else 0.0, "dropout": DROPOUT if reg == "dropout" else 0.0,
                "optimizer": "adam", "lr": LR, "batch_size": BATCH, "epochs": epochs,
                "n_train": data["X_train"].shape[0], "n_test": data["X_test"].shape[0], "n_trainsub": n_sub,
                "seed": s}
               for reg in regs for name in names for s in ctx.seeds]
    records = ctx.run_points(configs, train_point(ctx, data),
                             label=lambda c: f"{c['shape']} {c['widths']} reg={c['regularizer']} seed={c['seed']}")
    rows, curves = [], {}
    for (reg, name), recs in group(records, lambda c: (c["regularizer"], c["shape"])).items():
        res = [r["result"] for r in recs]
        fin = [None if x["diverged"] else x["final"] for x in res]
        hist = [x["history"] for x in res]
        mins = [min((v for v in h.get("test_loss", []) if v is not None), default=None) for h in hist]
        late_test = [None if x["diverged"] else _late(h.get("test_loss", [])) for x, h in zip(res, hist)]
        late_train = [None if x["diverged"] else _late(h.get("trainsub_loss", [])) for x, h in zip(res, hist)]
        argmins = [None if m is None else h["test_loss"].index(m) + 1 for m, h in zip(mins, hist)]
        rows.append({
            "regularizer": reg, "shape": name, "widths": recs[0]["config"]["widths"],
            "params": res[0]["params"], "runs": len(res), "diverged": sum(bool(x["diverged"]) for x in res),
            "train_loss": stat([f and f["train_loss"] for f in fin]),
            "test_loss": stat([f and f["test_loss"] for f in fin]),
            "test_accuracy": stat([f and f["test_accuracy"] for f in fin]),
            "min_test_loss": stat(mins), "best_epoch": stat(argmins),
            "late_test_loss": stat(late_test), "late_train_loss": stat(late_train),
            "rise": stat([None if (t is None or m is None) else t - m for t, m in zip(late_test, mins)]),
            "gap": stat([None if (t is None or u is None) else t - u for t, u in zip(late_test, late_train)]),
            "sec_per_epoch": stat([sum(h["epoch_time"]) / len(h["epoch_time"]) for h in hist if h.get("epoch_time")]),
        })
        curves[f"{reg}|{name}"] = {"test": [h.get("test_loss", []) for h in hist],
                                   "train": [h.get("trainsub_loss", []) for h in hist],
                                   "diverged": [x["diverged"] for x in res]}
    figures = _plots(ctx, rows, curves, regs, names, epochs)
    return {"rows": rows, "shapes": {n: shape_widths[n] for n in names}, "target_params": count(UNIFORM),
            "regularizers": regs, "epochs": epochs, "lr": LR, "batch_size": BATCH, "l2": L2_STRENGTH,
            "dropout": DROPOUT, "n_train": data["X_train"].shape[0], "n_test": data["X_test"].shape[0],
            "n_trainsub": n_sub, "n_seeds": len(ctx.seeds), "figures": figures}


def _late(values):
    vals = [v for v in values[-LATE_EPOCHS:] if v is not None]
    return sum(vals) / len(vals) if vals else None


def _plots(ctx, rows, curves, regs, names, epochs):
    colors = {"uniform": "tab:blue", "decreasing": "tab:green", "increasing": "tab:red"}
    # top row: test loss (linear, where the shapes differ); bottom row: train loss (log, it spans decades)
    fig, axes = plots.figure(ncols=len(regs), nrows=2, width=2.9, height=2.2, sharey="row")
    axes = list(axes)  # row-major: the first len(regs) are the top row
    top, bottom = axes[:len(regs)], axes[len(regs):]
    x = list(range(1, epochs + 1))
    for ax_te, ax_tr, reg in zip(top, bottom, regs):
        for name in names:
            c = curves.get(f"{reg}|{name}")
            if not c:
                continue
            widths = next(r["widths"] for r in rows if r["shape"] == name)
            plots.band(ax_te, x, c["test"], label=f"{name} {'-'.join(map(str, widths))}", color=colors[name])
            plots.band(ax_tr, x, c["train"], label=name, color=colors[name])
            for series, div in zip(c["test"], c["diverged"]):
                if div:
                    plots.mark_diverged(ax_te, len(series) + 1, 0.3, label=None)
        ax_te.set_title(f"{REGULARIZERS[reg]}: test")
        ax_tr.set_title(f"{REGULARIZERS[reg]}: train subset")
        ax_tr.set_yscale("log")
        ax_tr.set_xlabel("epoch")
    top[0].set_ylabel("test loss (nats)")
    bottom[0].set_ylabel("train loss (nats, log scale)")
    top[0].legend(fontsize=6.5)
    plots.save(fig, ctx.path("loss_curves.png"))

    fig, (ax_t, ax_r) = plots.figure(ncols=2, width=4.4, height=3.3)
    n = len(names)
    for j, name in enumerate(names):
        mine = [next((r for r in rows if r["regularizer"] == reg and r["shape"] == name), None) for reg in regs]
        xs = [i + (j - (n - 1) / 2) * 0.25 for i in range(len(regs))]
        for ax, key in ((ax_t, "late_test_loss"), (ax_r, "rise")):
            ax.bar(xs, [r[key]["mean"] if r else 0 for r in mine], width=0.25,
                   yerr=[r[key]["std"] if r else 0 for r in mine], color=colors[name], capsize=2, label=name)
    for ax, title, ylabel in ((ax_t, f"test loss, mean of last {LATE_EPOCHS} epochs", "test loss (nats)"),
                              (ax_r, "overfitting: late − lowest test loss", "test-loss rise (nats)")):
        ax.set_xticks(range(len(regs)))
        ax.set_xticklabels([REGULARIZERS[r] for r in regs], fontsize=7)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
    ax_t.legend(fontsize=7)
    plots.save(fig, ctx.path("summary_bars.png"))
    return ["loss_curves.png", "summary_bars.png"]


def _row(rows, reg, shape):
    return next((r for r in rows if r["regularizer"] == reg and r["shape"] == shape), None)


def report(s):
    rows, n_seeds = s["rows"], s["n_seeds"]
    body = [f"Setup: 3 hidden layers, ReLU, Adam (lr {s['lr']}), batch {s['batch_size']}, {s['epochs']} epochs, "
            f"{s['n_train']:,} training / {s['n_test']:,} test images, {n_seeds} seed(s). Train curves: loss on a fixed "
            f"subset of {s['n_trainsub']:,} training images after each epoch, inference mode. L2 = `tn.L2({s['l2']:g})` on "
            f"every Dense weight (penalty λ·ΣW² in the training loss); dropout p = {s['dropout']} after each hidden ReLU.",
            "", table(["shape", "widths", "params", "vs uniform"],
                      [[n, "-".join(map(str, w)), f"{_count(w):,}", f"{100 * (_count(w) / s['target_params'] - 1):+.3f}%"]
                       for n, w in s["shapes"].items()]), ""]
    body.append(f"Columns: final = after the last epoch (train loss on all training images); late = mean of the "
                f"last {LATE_EPOCHS} epochs; rise = late test loss − lowest test loss; gap = late test − late "
                f"train-subset loss. Rankings use the late test loss.")
    body.append("")
    body.append(table(
        ["shape", "regularizer", "final train loss", "final test loss", "late test loss", "lowest test loss (epoch)",
         "rise", "gap", "test accuracy", "s / epoch"],
        [[r["shape"], REGULARIZERS[r["regularizer"]], fmt_stat(r["train_loss"]),
          fmt_stat(r["test_loss"]) + (f" (**{r['diverged']}/{r['runs']} diverged**)" if r["diverged"] else ""),
          fmt_stat(r["late_test_loss"]),
          f"{fmt_stat(r['min_test_loss'])} ({fmt_stat(r['best_epoch'], 3)})", fmt_stat(r["rise"]), fmt_stat(r["gap"]),
          fmt_stat(r["test_accuracy"], pct=True), fmt_stat(r["sec_per_epoch"], 3)] for r in rows]))
    body.append("")
    shapes_ = list(s["shapes"])
    for reg in s["regularizers"]:
        mine = [_row(rows, reg, n) for n in shapes_]
        mine = [r for r in mine if r and r["late_test_loss"]["n"] and r["rise"]["n"]]
        if len(mine) < 2:
            continue
        best = min(mine, key=lambda r: r["late_test_loss"]["mean"])
        second = sorted(mine, key=lambda r: r["late_test_loss"]["mean"])[1]
        over = max(mine, key=lambda r: r["rise"]["mean"])
        least = min(mine, key=lambda r: r["rise"]["mean"])
        overfit = (f"overfits most: **{over['shape']}** (test loss rose {fmt_stat(over['rise'])} above its minimum "
                   f"at epoch {fmt_stat(over['best_epoch'], 3)}; train–test gap {fmt_stat(over['gap'])}; least: "
                   f"{least['shape']}, rise {fmt_stat(least['rise'])}, "
                   f"{spread_phrase(over['rise'], least['rise'], n_seeds)})"
                   if over["rise"]["mean"] > 0 else "no shape's test loss rose above its minimum")
        body.append(
            f"- **{REGULARIZERS[reg]}**: generalizes best: **{best['shape']}** (late test loss "
            f"{fmt_stat(best['late_test_loss'])}, vs {second['shape']} {fmt_stat(second['late_test_loss'])}: "
            f"{spread_phrase(best['late_test_loss'], second['late_test_loss'], n_seeds)}); {overfit}.")
    body.append("")
    body += _regularization(s)
    body.append("")
    body += _report_a(s)
    body += ["", figure(s, "loss_curves.png", "train and test loss per epoch, per regularizer"),
             "", figure(s, "summary_bars.png", "late test loss and test-loss rise per shape and regularizer")]
    return "\n".join(body)


def _count(widths):
    return count(widths)


def _regularization(s):
    rows, out = s["rows"], []
    for reg in s["regularizers"]:
        if reg == "none":
            continue
        parts = []
        for n in s["shapes"]:
            a, b = _row(rows, "none", n), _row(rows, reg, n)
            if not a or not b or not a["late_test_loss"]["n"] or not b["late_test_loss"]["n"]:
                continue
            d = b["late_test_loss"]["mean"] - a["late_test_loss"]["mean"]
            parts.append(f"{n} {a['late_test_loss']['mean']:.4f} → {b['late_test_loss']['mean']:.4f} ({d:+.4f}; rise "
                         f"{a['rise']['mean']:.4f} → {b['rise']['mean']:.4f})")
        if parts:
            out.append(f"- {REGULARIZERS[reg]} vs none, late test loss: " + "; ".join(parts) + ".")
    return out


def _report_a(s):
    rows, out = s["rows"], ["**Against Report A:**", ""]
    plain = {n: _row(rows, "none", n) for n in s["shapes"]}
    plain = {n: r for n, r in plain.items() if r and r["late_test_loss"]["n"]}
    if len(plain) == 3:
        order = sorted(plain, key=lambda n: plain[n]["late_test_loss"]["mean"])
        most_over = max(plain, key=lambda n: plain[n]["rise"]["mean"])
        out.append(f"- \"Uniform … didn't achieve the lowest test loss\": uniform ranks {order.index('uniform') + 1} "
                   f"of 3 by late test loss ({plain['uniform']['late_test_loss']['mean']:.4f}) → "
                   + ("agrees." if order[0] != "uniform" else "disagrees: uniform is lowest."))
        n = s["n_seeds"]
        out.append(f"- \"Decreasing … showed promising results\" (implied best): decreasing ranks "
                   f"{order.index('decreasing') + 1} of 3 ({plain['decreasing']['late_test_loss']['mean']:.4f}) → "
                   + (f"agrees ({spread_phrase(plain[order[0]]['late_test_loss'], plain[order[1]]['late_test_loss'], n, 'lead over ' + order[1])})."
                      if order[0] == "decreasing" else
                      f"disagrees: {order[0]} is lowest ({spread_phrase(plain[order[0]]['late_test_loss'], plain['decreasing']['late_test_loss'], n, 'lead over decreasing')})."))
        by_rise = sorted(plain, key=lambda k: -plain[k]["rise"]["mean"])
        out.append(f"- \"Increasing … suffered from overfitting as training progressed\": the largest test-loss rise "
                   f"is {most_over}'s (increasing {fmt_stat(plain['increasing']['rise'])}, decreasing "
                   f"{fmt_stat(plain['decreasing']['rise'])}, uniform {fmt_stat(plain['uniform']['rise'])}) → "
                   + (f"agrees ({spread_phrase(plain[by_rise[0]]['rise'], plain[by_rise[1]]['rise'], n, 'margin over ' + by_rise[1])})."
                      if most_over == "increasing" else
                      f"disagrees ({spread_phrase(plain[most_over]['rise'], plain['increasing']['rise'], n, 'margin over increasing')})."))
    for reg, claim in (("l2", "L2 helped … particularly for … increasing size"), ("dropout", "Dropout also proved beneficial")):
        if reg not in s["regularizers"] or not plain:
            continue
        gains, beyond = {}, 0
        for n in plain:
            r = _row(rows, reg, n)
            if r and r["late_test_loss"]["n"]:
                gains[n] = plain[n]["late_test_loss"]["mean"] - r["late_test_loss"]["mean"]
                beyond += gains[n] > 0 and not within_spread(plain[n]["late_test_loss"], r["late_test_loss"])
        if not gains:
            continue
        helped = [n for n, g in gains.items() if g > 0]
        biggest = max(gains, key=gains.get)
        out.append(f"- \"{claim}\": it lowers the late test loss for {len(helped)} of {len(gains)} shapes "
                   + (f"({beyond} of them beyond the seed spread) " if s["n_seeds"] > 1 else "(single seed) ") +
                   f"({', '.join(f'{n} {g:+.4f}' for n, g in gains.items())}; positive = better); largest gain: "
                   f"{biggest}" + (" → agrees." if (reg == "l2" and biggest == "increasing" and gains[biggest] > 0)
                                   or (reg == "dropout" and len(helped) == len(gains)) else
                                   " → partly agrees." if helped else " → disagrees."))
    return out


if __name__ == "__main__":
    from .core.cli import main_single
    main_single(ID)
