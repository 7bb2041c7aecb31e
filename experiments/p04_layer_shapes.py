"""p04 — uniform vs decreasing vs increasing layer widths, with and without regularization.

Question: at equal depth (3 hidden layers) and ≈ equal parameter count, does
the shape of the widths matter — which one overfits, which generalizes best —
and what do L2 and dropout change?

Method: the uniform net 784-256-256-256-10 sets the budget; the decreasing
(ratio ½ per layer, 4w-2w-w) and increasing (w-2w-4w) nets get widths solved so
their counts match it within 0.5% (``experiments/core/mlp_budget.py`` counts
them; the table shows the counts).  All nets: ReLU, Adam, batch 128, the same
number of epochs (``EPOCHS``).  A validation split (``VALIDATION`` images) is
carved from the training images.  After every epoch the test loss, the
validation loss and the loss on a fixed subset of the training images are
measured in inference mode (dropout off, no L2 penalty added: every curve is
on the same scale).  Regularizers: an L2 penalty ``tn.L2(λ)`` (λ·ΣW² added to
the loss, Keras semantics) on every Dense weight matrix, or Dropout(p) after
every hidden ReLU.

Equal tuning budget: every (shape, regularizer) arm trains on the same small
grid on the first seed — every learning rate of ``LR_GRID``, crossed with
every λ of ``L2_GRID`` (L2 arms) or every p of ``DROPOUT_GRID`` (dropout
arms) — and keeps the setting with the lowest *late validation loss*; the
other seeds train at that setting only.  Nothing is chosen on the test set.

Measures (stated, not tuned): the *late* loss = the mean of the last 3
epochs (one unlucky last epoch — Adam's loss spikes — should not decide a
ranking); the *rise* = late test loss − the lowest test loss over the epochs
(how far the test loss climbed back: overfitting); the *gap* = late test loss
− late train-subset loss.

Tests (``experiments/core/stats.py``; Holm over this problem's claims in the
report): paired t-tests on seeds (same seed = same initialization and data
order in every arm); "X is best / overfits most" = X against every other
shape, an intersection–union test; "uniform is not the lowest" = some shape
beats it (Bonferroni); "helps most for increasing" = a per-seed contrast
(gain for increasing − mean gain for the others), one-sample t.

``summary["dense_model"]`` is the uniform, unregularized arm at its chosen
learning rate (widths, lr, epochs, test accuracy): p08 reads that key.

Limits: one budget and depth; 2-point grids (every choice sits at a grid
edge, flagged); tuning on one seed; a fixed epoch count with no early
stopping.
"""
import tinynet as tn

from .core import claims, plots, stats
from .core.claims import claim
from .core.comparisons import all_of, any_of, labelled
from .core.mlp_budget import count_widths
from .core.report import figure, table
from .core.training import UNSTABLE_TEXT, fit_point, mlp, unstable
from .core.tuning import choose_on_validation

ID = "p04-layer-shapes"
TITLE = "Layer shapes: uniform, decreasing, increasing"
QUESTION = "At equal depth and parameter count, do uniform, decreasing or increasing widths generalize better?"
# seconds on the busy 2-core machine, one single-threaded process; full: 66 points of ~25–28 s CPU
# (measured at full size: 25.3 s CPU for increasing, no regularization, 10 epochs)
ESTIMATE = {"smoke": 3, "quick": 25, "full": 1850}

UNIFORM = [256, 256, 256]
SHAPE_RATIOS = {"uniform": (1, 1, 1), "decreasing": (4, 2, 1), "increasing": (1, 2, 4)}
SHAPES = list(SHAPE_RATIOS)
LR_GRID = (1e-3, 3e-3)
L2_GRID = {"smoke": (1e-4,), "quick": (1e-4,), "full": (1e-4, 1e-3)}
DROPOUT_GRID = {"smoke": (0.2,), "quick": (0.2,), "full": (0.2, 0.5)}
BATCH = 128
EPOCHS = {"smoke": 1, "quick": 3, "full": 10}
VALIDATION = {"smoke": 100, "quick": 1000, "full": 5000}
N_TRAIN = {"smoke": None, "quick": 4000, "full": None}    # images before the validation split (None: the mode's)
N_TEST = {"smoke": None, "quick": 1000, "full": None}
N_TRAINSUB = {"smoke": 300, "quick": 1000, "full": 10_000}
MATCH_TOLERANCE = 0.02
LATE_EPOCHS = 3
REGULARIZERS = {"none": "no regularization", "l2": "L2", "dropout": "dropout"}


def solve_widths(ratios, target):
    """Widths with the given ratios (first two rounded, last one solved) whose count is closest to target."""
    if ratios == (1, 1, 1):
        return list(UNIFORM)
    best = None
    for w1 in range(8, 2048):
        w2 = max(1, round(w1 * ratios[1] / ratios[0]))
        # the count is linear in w3 once w1, w2 are fixed: solve for it
        fixed = 784 * w1 + w1 + w1 * w2 + w2 + 10
        w3 = round((target - fixed) / (w2 + 1 + 10))
        if w3 < 1:
            break
        err = abs(count_widths([w1, w2, w3]) - target) / target
        shape_err = abs(w3 / w1 - ratios[2] / ratios[0]) / (ratios[2] / ratios[0])
        if err <= MATCH_TOLERANCE / 4 and (best is None or shape_err < best[0]):
            best = (shape_err, [w1, w2, w3])
    return best[1]


def shapes():
    target = count_widths(UNIFORM)
    return {name: solve_widths(r, target) for name, r in SHAPE_RATIOS.items()}


def _late(values):
    vals = [v for v in values[-LATE_EPOCHS:] if v is not None]
    return sum(vals) / len(vals) if vals else None


def train_point(ctx, c):
    """One net of one (shape, regularizer) arm at one setting and seed."""
    base = ctx.data(validation=c["n_val"], n_train=c["n_train"], n_test=c["n_test"])
    data = dict(base)  # the shared dict stays untouched: add the train subset to a copy
    data["X_trainsub"], data["y_trainsub"] = base["X_train"][:c["n_trainsub"]], base["y_train"][:c["n_trainsub"]]
    reg = tn.L2(c["l2"]) if c["l2"] else None
    model = tn.Sequential(mlp([784] + c["widths"] + [10], dropout=c["dropout"], regularizer=reg), seed=c["seed"])
    result = fit_point(model, data, tn.losses.SoftmaxCrossEntropy(), tn.optim.Adam(c["lr"]), c["epochs"],
                       c["batch_size"], eval_sets=("test", "trainsub"), use_validation=True,
                       verbose=ctx.fit_verbose)
    if "final" in result:
        h = result["history"]
        test = [v for v in h.get("test_loss", []) if v is not None]
        lowest = min(test)
        result["final"].update(
            late_test_loss=_late(test), late_val_loss=_late(h.get("val_loss", [])),
            late_trainsub_loss=_late(h.get("trainsub_loss", [])), min_test_loss=lowest,
            best_epoch=test.index(lowest) + 1, first_test_loss=test[0],
            rise=_late(test) - lowest, gap=_late(test) - _late(h.get("trainsub_loss", [])))
    return result


def _config(ctx, shape, widths, reg, lr, strength, seed):
    return {"shape": shape, "widths": widths, "regularizer": reg,
            "l2": strength if reg == "l2" else 0.0, "dropout": strength if reg == "dropout" else 0.0,
            "optimizer": "adam", "lr": lr, "batch_size": BATCH, "epochs": ctx.pick(**EPOCHS),
            "n_val": ctx.pick(**VALIDATION), "n_train": ctx.pick(**N_TRAIN), "n_test": ctx.pick(**N_TEST),
            "n_trainsub": ctx.pick(**N_TRAINSUB), "seed": seed}


def _strength(c):
    return c["l2"] if c["regularizer"] == "l2" else c["dropout"] if c["regularizer"] == "dropout" else 0.0


def _label(c):
    reg = {"none": "none", "l2": f"L2 {c['l2']:g}", "dropout": f"dropout {c['dropout']:g}"}[c["regularizer"]]
    return f"{c['shape']} {'-'.join(map(str, c['widths']))} {reg} lr={c['lr']:g} seed={c['seed']}"


def run(ctx):
    widths = shapes()
    names = ctx.pick(smoke=SHAPES, quick=SHAPES, full=SHAPES)
    regs = list(REGULARIZERS)
    grids = {"none": (0.0,), "l2": ctx.pick(**L2_GRID), "dropout": ctx.pick(**DROPOUT_GRID)}
    tune_seeds, other_seeds = ctx.seeds[:1], ctx.seeds[1:]
    tuning = ctx.run_points([_config(ctx, n, widths[n], reg, lr, strength, s) for reg in regs for n in names
                             for lr in LR_GRID for strength in grids[reg] for s in tune_seeds],
                            train_point, label=_label)
    chosen = choose_on_validation(tuning, arm=lambda c: (c["shape"], c["regularizer"]),
                                  setting=lambda c: (c["lr"], _strength(c)), metric="late_val_loss")
    finals = [_config(ctx, n, widths[n], reg, *chosen[(n, reg)]["value"], s)
              for reg in regs for n in names if chosen.get((n, reg), {}).get("value") is not None
              for s in other_seeds]
    rest = ctx.run_points(finals, train_point, label=_label)
    keep = [r for r in tuning if chosen.get((r["config"]["shape"], r["config"]["regularizer"]), {}).get("value")
            == (r["config"]["lr"], _strength(r["config"]))]
    final = stats.group(keep + rest, lambda c: (c["shape"], c["regularizer"]))

    metrics = ["train_loss", "test_loss", "test_accuracy", "late_test_loss", "late_val_loss", "min_test_loss",
               "best_epoch", "rise", "gap"]
    rows = []
    for (name, reg), recs in final.items():
        row = stats.table_by(recs, lambda c: 0, metrics)[0]
        del row["key"]
        lr, strength = chosen[(name, reg)]["value"]
        row.update(shape=name, regularizer=reg, widths=widths[name], params=recs[0]["result"]["params"],
                   lr=lr, strength=strength, edge=_edges(lr, strength, grids[reg]),
                   unstable=sum(bool(unstable(r["result"])) for r in recs),
                   sec_per_epoch=stats.summarize([sum(r["result"]["history"]["epoch_time"]) /
                                                  max(1, len(r["result"]["history"]["epoch_time"]))
                                                  for r in recs if r["result"]["history"].get("epoch_time")]))
        rows.append(row)
    rows.sort(key=lambda r: (regs.index(r["regularizer"]), names.index(r["shape"])))
    base = ctx.data(validation=ctx.pick(**VALIDATION), n_train=ctx.pick(**N_TRAIN), n_test=ctx.pick(**N_TEST))
    setup = {"shapes": {n: widths[n] for n in names}, "target_params": count_widths(UNIFORM),
             "regularizers": regs, "epochs": ctx.pick(**EPOCHS), "lr_grid": list(LR_GRID),
             "l2_grid": list(grids["l2"]), "dropout_grid": list(grids["dropout"]), "batch_size": BATCH,
             "n_train": base["X_train"].shape[0], "n_val": base["X_val"].shape[0],
             "n_test": base["X_test"].shape[0], "n_trainsub": min(ctx.pick(**N_TRAINSUB), base["X_train"].shape[0]),
             "n_seeds": len(ctx.seeds), "tune_seeds": len(tune_seeds)}
    curves = {f"{reg}|{name}": {"test": [r["result"]["history"].get("test_loss", []) for r in recs],
                                "train": [r["result"]["history"].get("trainsub_loss", []) for r in recs]}
              for (name, reg), recs in final.items()}
    setup["edges"] = [sum(1 for r in rows if r["edge"]), len(rows)]
    summary = {"rows": rows, **setup, "figures": _plots(ctx, rows, curves, regs, names, setup["epochs"])}
    summary["claims"] = _claims(final, setup)
    dense = next((r for r in rows if r["shape"] == "uniform" and r["regularizer"] == "none"), None)
    summary["dense_model"] = None if dense is None else {
        "widths": dense["widths"], "params": dense["params"], "activation": "relu", "optimizer": "adam",
        "lr": dense["lr"], "batch_size": BATCH, "epochs": setup["epochs"], "seeds": dense["seeds"],
        "test_accuracy": dense["test_accuracy"], "test_loss": dense["test_loss"]}
    return summary


def _edges(lr, strength, grid):
    notes = [claims.grid_edge(lr, LR_GRID, what="learning rate")]
    if len(grid) > 1:
        notes.append(claims.grid_edge(strength, grid, what="strength"))
    return "; ".join(n for n in notes if n)


# ------------------------------------------------------------------ claims
def _set(values):
    """``{0.001, 0.003}``"""
    return "{" + ", ".join(f"{v:g}" for v in values) + "}"


def _aligned(final, a, b, name):
    if a not in final or b not in final:
        return [], []
    return stats.aligned(final[a], final[b], name)


def _by_seed(final, key, name):
    return stats.by_seed(final.get(key, []), name)


def _contrast(final, reg, target="increasing"):
    """Per seed: gain of ``reg`` for ``target`` − mean gain for the other shapes (gain = none − reg, late test)."""
    gains = {}
    for n in SHAPES:
        none, with_reg = _by_seed(final, (n, "none"), "late_test_loss"), _by_seed(final, (n, reg), "late_test_loss")
        gains[n] = {s: none[s] - with_reg[s] for s in set(none) & set(with_reg)
                    if none[s] is not None and with_reg[s] is not None}
    others = [n for n in SHAPES if n != target]
    seeds = sorted(set(gains[target]).intersection(*(gains[n] for n in others)))
    return [gains[target][s] - sum(gains[n][s] for n in others) / len(others) for s in seeds]


def _claims(final, s):
    budget = (f"{s['epochs']} epochs, Adam, batch {s['batch_size']}; per arm lr ∈ {_set(s['lr_grid'])} × "
              f"(L2 λ ∈ {_set(s['l2_grid'])} | dropout p ∈ {_set(s['dropout_grid'])}) chosen on {s['n_val']:,} "
              f"validation images ({s['tune_seeds']} tuning seed); {s['n_seeds']} seeds; chosen setting at a grid edge "
              f"in {s['edges'][0]} of {s['edges'][1]} arms")
    out = []

    def vs(a, b, name):
        """Paired test of shape a − shape b, no regularization."""
        return labelled(stats.paired(*_aligned(final, (a, "none"), (b, "none"), name)), f"{a} − {b}")

    out.append(claim(
        "p04.uniform-not-lowest", "A", "Uniform Layers: … it didn't achieve the lowest test loss compared to other "
        "architectures", "paired t on seeds, late test loss: uniform − decreasing and uniform − increasing; some "
        "shape lower than uniform (Bonferroni over the two)",
        any_of([vs("uniform", "decreasing", "late_test_loss"), vs("uniform", "increasing", "late_test_loss")], +1),
        expect=+1, budget=budget, effect="late test loss, uniform − other"))
    uni = final.get(("uniform", "none"), [])
    bad = sum(bool(unstable(r["result"])) or bool(r["result"].get("diverged")) for r in uni)
    rise = stats.summarize([stats.final_metric(r, "rise") for r in uni])
    out.append(claim(
        "p04.uniform-stable", "A", "Uniform Layers: This architecture demonstrated stable performance throughout "
        "training", f"count of uniform runs (no regularization) that diverged or ended unstable ({UNSTABLE_TEXT}), "
        f"of {len(uni)}", kind="exact", holds=bool(uni) and bad == 0, budget=budget,
        effect=f"{bad} of {len(uni)} unstable; test-loss rise {stats.fmt_summary(rise)}",
        note="stable = finite and not blown up; the rise (late − lowest test loss) is tested as overfitting below"))
    out.append(claim(
        "p04.decreasing-best", "A", "Layers of Decreasing Size: This architecture showed promising results",
        "paired t on seeds, late test loss: decreasing − uniform and decreasing − increasing; both < 0 "
        "(intersection–union: the larger p)",
        all_of([vs("decreasing", "uniform", "late_test_loss"), vs("decreasing", "increasing", "late_test_loss")], -1),
        expect=-1, budget=budget, effect="late test loss, decreasing − closest other"))
    dec = final.get(("decreasing", "none"), [])
    out.append(claim(
        "p04.decreasing-test-loss-falls", "A", "Layers of Decreasing Size: … a noticeable decrease in test loss "
        "over epochs", "paired t on seeds: late test loss − epoch-1 test loss (decreasing, no regularization)",
        stats.paired([stats.final_metric(r, "late_test_loss") for r in dec],
                     [stats.final_metric(r, "first_test_loss") for r in dec]),
        expect=-1, budget=budget, effect="late − epoch-1 test loss"))
    out.append(claim(
        "p04.increasing-overfits", "A", "Layers of Increasing Size: … it suffered from overfitting as training "
        "progressed", "paired t on seeds, test-loss rise (late − lowest): increasing − uniform and increasing − "
        "decreasing; both > 0 (intersection–union)",
        all_of([vs("increasing", "uniform", "rise"), vs("increasing", "decreasing", "rise")], +1),
        expect=+1, budget=budget, effect="rise, increasing − closest other"))
    for reg, what, quote_helps, quote_most, cid_most, extra in (
            ("l2", "L2", "Introducing L2 regularization helped improve the generalization performance of models",
             "[L2 helped] particularly for architectures prone to overfitting, such as layers of increasing size",
             "p04.l2-most-for-increasing", ""),
            ("dropout", "dropout", "Dropout also proved beneficial",
             "[dropout was beneficial] especially for architectures with deeper layers",
             "p04.dropout-most-for-deeper-layers",
             "read as: the shape whose deeper layers are the largest (increasing); every shape has 3 hidden "
             "layers")):
        pairs = [_aligned(final, (name, reg), (name, "none"), "late_test_loss") for name in SHAPES]
        out.append(claim(
            f"p04.{reg}-helps", "A", quote_helps,
            f"paired t over (shape, seed): late test loss with {what} − without, each arm at its own chosen setting",
            stats.paired(sum((a for a, _ in pairs), []), sum((b for _, b in pairs), [])),
            expect=-1, budget=budget, effect=f"late test loss, {what} − none"))
        if reg == "l2":
            pairs = [_aligned(final, (name, reg), (name, "none"), "rise") for name in SHAPES]
            out.append(claim(
                "p04.l2-prevents-overfitting", "A", "[L2] effectively penalized large weights, reducing model "
                "complexity and preventing overfitting",
                "paired t over (shape, seed): test-loss rise (late − lowest) with L2 − without",
                stats.paired(sum((a for a, _ in pairs), []), sum((b for _, b in pairs), [])),
                expect=-1, budget=budget, effect="rise, L2 − none"))
        out.append(claim(
            cid_most, "A", quote_most,
            f"one-sample t on seeds: {what}'s gain in late test loss for increasing − its mean gain for uniform "
            f"and decreasing (gain = none − {what})",
            stats.one_sample(_contrast(final, reg), 0.0), expect=+1, budget=budget,
            effect="gain for increasing − mean gain of others", note=extra))
    return out


# ------------------------------------------------------------------- plots
COLORS = {"uniform": "tab:blue", "decreasing": "tab:green", "increasing": "tab:red"}


def _plots(ctx, rows, curves, regs, names, epochs):
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
            row = next(r for r in rows if r["shape"] == name and r["regularizer"] == reg)
            plots.band(ax_te, x, c["test"], label=f"{name} {'-'.join(map(str, row['widths']))}", color=COLORS[name])
            plots.band(ax_tr, x, c["train"], label=name, color=COLORS[name])
        plots.decorate(ax_te, f"{REGULARIZERS[reg]}: test", ylabel="test loss (nats)" if ax_te is top[0] else None,
                       legend=ax_te is top[0], legend_size=6.5)
        for ax in (ax_te, ax_tr):
            ax.xaxis.set_major_locator(plots.plt.MaxNLocator(integer=True))
        plots.decorate(ax_tr, f"{REGULARIZERS[reg]}: train subset", "epoch",
                       "train loss (nats, log scale)" if ax_tr is bottom[0] else None, logy=True, legend=False)
    plots.save(fig, ctx.path("loss_curves.png"))

    fig, (ax_t, ax_r) = plots.figure(ncols=2, width=4.4, height=3.3)
    k = len(names)
    for j, name in enumerate(names):
        mine = [next((r for r in rows if r["regularizer"] == reg and r["shape"] == name), None) for reg in regs]
        xs = [i + (j - (k - 1) / 2) * 0.25 for i in range(len(regs))]
        for ax, key in ((ax_t, "late_test_loss"), (ax_r, "rise")):
            means = [r[key]["mean"] if r and r[key]["mean"] is not None else 0 for r in mine]
            halves = [r[key]["mean"] - r[key]["ci"][0] if r and r[key]["ci"][0] is not None else 0 for r in mine]
            ax.bar(xs, means, width=0.25, yerr=halves, color=COLORS[name], capsize=2, label=name)
    for ax, title, ylabel in ((ax_t, f"test loss, mean of last {LATE_EPOCHS} epochs", "test loss (nats)"),
                              (ax_r, "overfitting: late − lowest test loss", "test-loss rise (nats)")):
        ax.set_xticks(range(len(regs)))
        ax.set_xticklabels([REGULARIZERS[r] for r in regs], fontsize=7)
        plots.decorate(ax, title + " (95% CI)", ylabel=ylabel, legend=ax is ax_t)
    plots.save(fig, ctx.path("summary_bars.png"))
    return ["loss_curves.png", "summary_bars.png"]


# ------------------------------------------------------------------ report
def _setting(r):
    reg = {"none": "—", "l2": f"λ = {r['strength']:g}", "dropout": f"p = {r['strength']:g}"}[r["regularizer"]]
    return f"lr {r['lr']:g}, {reg}" if r["regularizer"] != "none" else f"lr {r['lr']:g}"


def _verdict_line(c):
    return f"**{c['verdict']}** ({claims.effect_text(c)}; p {claims.p_text(c)})" if c["kind"] != "exact" else \
        f"**{c['verdict']}** ({c['effect']})"


def report(s):
    rows = s["rows"]
    decided = {c["id"]: c for c in claims.decide(s["claims"])}
    f = stats.fmt_summary
    body = [claims.ledger_table(list(decided.values()), problem=False), ""]
    body.append(
        f"Setup: 3 hidden layers, ReLU, Adam, batch {s['batch_size']}, {s['epochs']} epochs, {s['n_train']:,} "
        f"training / {s['n_val']:,} validation / {s['n_test']:,} test images; {s['n_seeds']} seed(s) per arm. "
        f"Equal tuning: every (shape, regularizer) arm tried lr ∈ {_set(s['lr_grid'])} "
        f"(× λ ∈ {_set(s['l2_grid'])} for L2, × p ∈ {_set(s['dropout_grid'])} for dropout) on {s['tune_seeds']} "
        f"seed and kept the "
        f"lowest late validation loss. Train curves: loss on a fixed subset of {s['n_trainsub']:,} training images "
        f"after each epoch, inference mode. L2 = `tn.L2(λ)` on every Dense weight (λ·ΣW² in the training loss); "
        f"dropout after each hidden ReLU.")
    body += ["", table(["shape", "widths", "params", "vs uniform"],
                       [[n, "-".join(map(str, w)), f"{count_widths(w):,}",
                         f"{100 * (count_widths(w) / s['target_params'] - 1):+.3f}%"]
                        for n, w in s["shapes"].items()]),
             ""]
    edges = [r for r in rows if r["edge"]]
    body.append(f"Columns: late = mean of the last {LATE_EPOCHS} epochs; rise = late test loss − lowest test "
                "loss; gap = late test − late train-subset loss; mean ± sd over seeds. The chosen setting sits "
                f"at an edge of its grid in {len(edges)} of {len(rows)} arms (2-point grids: the best value may lie "
                "outside).")
    body.append("")
    body.append(table(
        ["shape", "regularizer", "chosen", "late val loss", "late test loss", "lowest test loss (epoch)", "rise",
         "gap", "final train loss", "test accuracy", "unstable"],
        [[r["shape"], REGULARIZERS[r["regularizer"]], _setting(r), f(r["late_val_loss"]), f(r["late_test_loss"]),
          f"{f(r['min_test_loss'])} ({f(r['best_epoch'], digits=3)})", f(r["rise"]), f(r["gap"]),
          f(r["train_loss"]), f(r["test_accuracy"], pct=True),
          f"{r['unstable']}/{r['seeds']}" + (f", {r['diverged']} diverged" if r["diverged"] else "")]
         for r in rows]))
    body.append("")
    for reg in s["regularizers"]:
        mine = [r for r in rows if r["regularizer"] == reg and r["late_test_loss"]["mean"] is not None]
        if len(mine) < 2:
            continue
        order = sorted(mine, key=lambda r: r["late_test_loss"]["mean"])
        over = sorted(mine, key=lambda r: -(r["rise"]["mean"] or 0))
        body.append(f"- {REGULARIZERS[reg]}: lowest mean late test loss {order[0]['shape']} "
                    f"({f(order[0]['late_test_loss'])}), then " + ", ".join(
                        f"{r['shape']} ({f(r['late_test_loss'])})" for r in order[1:])
                    + f"; largest mean rise {over[0]['shape']} ({f(over[0]['rise'])}). Rankings of means only: "
                      "the tests below say which differences are established.")
    body.append("")
    body.append("**Against Report A** (verdicts after Holm's correction over this problem's claims; inconclusive "
                "means the test could not tell, not agreement):")
    body.append("")
    for cid, what in (("p04.uniform-not-lowest", "\"Uniform … didn't achieve the lowest test loss\""),
                      ("p04.uniform-stable", "\"Uniform … stable performance throughout training\""),
                      ("p04.decreasing-best", "\"Decreasing … showed promising results\" (read: lowest test loss)"),
                      ("p04.decreasing-test-loss-falls", "\"Decreasing … a noticeable decrease in test loss over "
                                                         "epochs\""),
                      ("p04.increasing-overfits", "\"Increasing … suffered from overfitting\" (largest rise)"),
                      ("p04.l2-helps", "\"L2 helped improve generalization\""),
                      ("p04.l2-prevents-overfitting", "\"L2 … preventing overfitting\" (smaller rise)"),
                      ("p04.l2-most-for-increasing", "\"L2 … particularly for increasing size\""),
                      ("p04.dropout-helps", "\"Dropout also proved beneficial\""),
                      ("p04.dropout-most-for-deeper-layers", "\"Dropout … especially for deeper layers\"")):
        c = decided.get(cid)
        if c:
            body.append(f"- {what}: {_verdict_line(c)}" + (f" — {c['note']}" if c.get("note") else "") + ".")
    body += ["", figure(s, "loss_curves.png", "train and test loss per epoch, per regularizer"),
             "", figure(s, "summary_bars.png", "late test loss and test-loss rise per shape and regularizer")]
    return "\n".join(body)


if __name__ == "__main__":
    from .core.cli import main_single
    raise SystemExit(main_single(ID))
