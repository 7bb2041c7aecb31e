"""p06 — loss and training time vs learning rate: SGD, SGD with momentum, Adam.

Question: how do the final loss and the time to reach a target loss depend on
the learning rate, for SGD and for Adam, and which rate should one use?

Accuracy points (``ctx.run_points``, may run in parallel): MLP 784-128-10
(ReLU), batch 128, the same number of epochs for every point, learning rates
on a log grid (half-decades 1e-4 … 1 in full mode) for three optimizers: plain
SGD (no momentum), SGD with momentum 0.9 and Adam (β = 0.9, 0.999); ``ctx.seeds``
seeds per (optimizer, rate), seed s = the same initial weights for every arm,
so seeds pair the arms.  A validation split (5,000 images in full mode) is
carved from the training images: each optimizer's rate is **chosen on
validation loss** (``core.tuning``), never on test; "tuned SGD" is the better
of plain SGD and SGD + momentum on validation (Report A: SGD needs "careful
tuning of learning rate, momentum").

Definitions: *diverged* — NaN/inf training loss (recorded, marked); *stuck* —
final test loss ≥ ln 10; *epochs to target* — first epoch whose test loss is
≤ TARGET (per mode); a run that never gets there is censored at epochs + 1;
in "loss at a high rate" comparisons a diverged run counts as ln 10 (chance —
a lower bound on how bad it is).

Timing (``ctx.run_timing``: serial, warm-up excluded, ≥ 5 repeats in full mode,
load recorded): one training epoch of a fresh seed-0 model for plain SGD and Adam at
their smallest rate, its chosen rate and its largest rate without a diverged
seed.  Seconds come only from this pass; *time to target* = epochs to target ×
the pass's median seconds per epoch at the chosen rate.  A time difference
counts only when its test is significant and it exceeds the repeats' IQR.

Tests (``core.stats``; Holm within the problem): paired t on seeds between
arms, Spearman ρ for trends, Welch on timing repeats (``core.timing``).

Limits: one net, one batch size, a fixed epoch budget without schedules; a
rate that needs more epochs to shine is judged at this budget.
"""
import math

import tinynet as tn

from .core import claims, plots, stats, timing
from .core.report import figure, table
from .core.training import fit_point, mlp, unstable
from .core.tuning import choose_on_validation

ID = "p06-learning-rate"
TITLE = "Learning rate: SGD vs Adam"
QUESTION = "How do loss and training time depend on the learning rate, for SGD and Adam?"
# measured: quick ≈ 54 s at load 1–2 (24 s of it training points; 290 s at load 4); full ≈ 135 points ×
# ~6 s (10 epochs on 55k images) + ~20 s timing pass ≈ 14 min
ESTIMATE = {"smoke": 4, "quick": 40, "full": 820}

ARCH = [784, 128, 10]
BATCH = 128
LRS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0]
LABELS = {"sgd": "SGD (no momentum)", "sgd-momentum": "SGD + momentum 0.9", "adam": "Adam"}
CHANCE = math.log(10)
HIGH_LR = 0.1  # "especially at higher learning rates": the rates >= this


def _optimizer(name, lr):
    if name == "sgd":
        return tn.optim.SGD(lr)
    if name == "sgd-momentum":
        return tn.optim.SGD(lr, momentum=0.9)
    return tn.optim.Adam(lr)


def _data(ctx):
    return ctx.data(validation=ctx.pick(smoke=200, quick=2000, full=5000))


def train_point(ctx, config):
    model = tn.Sequential(mlp(config["arch"]), seed=config["seed"])
    return fit_point(model, _data(ctx), tn.losses.SoftmaxCrossEntropy(),
                     _optimizer(config["optimizer"], config["lr"]), config["epochs"], config["batch_size"],
                     use_validation=True, verbose=ctx.fit_verbose)


def time_point(ctx, config):
    """Seconds of one training epoch of a fresh seed-0 model (rates that never diverged only)."""
    model = tn.Sequential(mlp(config["arch"]), seed=config["seed"])
    return timing.epoch_seconds(model, _data(ctx), tn.losses.SoftmaxCrossEntropy(),
                                _optimizer(config["optimizer"], config["lr"]), config["batch_size"])


def epochs_to_target(result, target, epochs):
    """First epoch (1-based) with test loss <= target; epochs + 1 when never (censored)."""
    for i, loss in enumerate(result["history"].get("test_loss", [])):
        if loss is not None and math.isfinite(loss) and loss <= target:
            return i + 1
    return epochs + 1


def _loss_or_chance(record):
    """Final test loss; a diverged run counts as ln 10 (chance)."""
    v = stats.final_metric(record, "test_loss")
    return CHANCE if v is None else v


def run(ctx):
    data = _data(ctx)
    n_train, n_val, n_test = data["X_train"].shape[0], data["X_val"].shape[0], data["X_test"].shape[0]
    epochs = ctx.pick(smoke=1, quick=5, full=10)
    target = ctx.pick(smoke=1.0, quick=0.3, full=0.10)
    lrs = ctx.pick(smoke=[1e-2, 1.0], quick=[1e-4, 1e-3, 1e-2, 1e-1, 1.0], full=LRS)
    opts = ctx.pick(smoke=["sgd", "adam"], quick=list(LABELS), full=list(LABELS))
    base = {"arch": ARCH, "batch_size": BATCH, "n_train": n_train, "n_val": n_val, "n_test": n_test}
    configs = [{**base, "optimizer": o, "lr": lr, "epochs": epochs, "seed": s}
               for o in opts for lr in lrs for s in ctx.seeds]
    records = ctx.run_points(configs, train_point,
                             label=lambda c: f"{c['optimizer']} lr={c['lr']:g} seed={c['seed']}")

    rows = []
    for row in stats.table_by(records, lambda c: (c["optimizer"], c["lr"]),
                              ["train_loss", "val_loss", "test_loss", "test_accuracy"]):
        opt, lr = row["key"]
        recs = [r for r in records if (r["config"]["optimizer"], r["config"]["lr"]) == (opt, lr)]
        rows.append({**row, "optimizer": opt, "lr": lr,
                     "stuck": sum(1 for r in recs if (stats.final_metric(r, "test_loss") or 0) >= CHANCE),
                     "unstable": sum(1 for r in recs if unstable(r["result"])),
                     "epochs_to_target": stats.summarize([epochs_to_target(r["result"], target, epochs)
                                                          for r in recs]),
                     "reached": sum(1 for r in recs if epochs_to_target(r["result"], target, epochs) <= epochs)})
    bad = {(r["optimizer"], r["lr"]) for r in rows if r["diverged"]}
    chosen = choose_on_validation([r for r in records if (r["config"]["optimizer"], r["config"]["lr"]) not in bad],
                                  arm=lambda c: c["optimizer"], setting=lambda c: c["lr"], metric="val_loss")
    chosen = {o: {**v, "edge": claims.grid_edge(v["value"], lrs, what=f"{LABELS[o]} rate")}
              for o, v in chosen.items()}
    sgds = [o for o in ("sgd", "sgd-momentum") if chosen.get(o, {}).get("score")]
    tuned_sgd = min(sgds, key=lambda o: chosen[o]["score"]["mean"]) if sgds else None

    # timing pass: smallest rate, chosen rate, largest rate without a diverged seed, per optimizer
    tconfigs = []
    for o in [o for o in opts if o in ("sgd", "adam")]:  # the optimizers the time claims compare
        ok = [lr for lr in lrs if (o, lr) not in bad]
        picks = sorted({ok[0], ok[-1], chosen[o]["value"]} - {None}) if ok and o in chosen else []
        tconfigs += [{**base, "optimizer": o, "lr": lr, "seed": 0, "unit": "1 epoch"} for lr in picks]
    timed = ctx.run_timing(tconfigs, time_point, label=lambda c: f"{c['optimizer']} lr={c['lr']:g}")
    times = {(r["config"]["optimizer"], r["config"]["lr"]): r for r in timed}

    summary = {"rows": rows, "epochs": epochs, "target": target, "batch_size": BATCH, "n_train": n_train,
               "n_val": n_val, "n_test": n_test, "n_seeds": len(ctx.seeds), "optimizers": opts, "lrs": lrs,
               "chosen": {o: {"lr": v["value"], "val_loss": v["score"], "edge": v["edge"]} for o, v in chosen.items()},
               "tuned_sgd": tuned_sgd, "timing_load": timing.load_text(timed),
               "timing": [{"optimizer": k[0], "lr": k[1], **{x: r["result"][x] for x in ("median", "iqr", "samples")}}
                          for k, r in times.items()]}
    summary["claims"] = _claims(records, rows, chosen, tuned_sgd, times, lrs, epochs, target)
    summary["figures"] = _plots(ctx, rows, opts, summary)
    return summary


# ------------------------------------------------------------------- claims
def _arm(records, opt, lr):
    return [r for r in records if r["config"]["optimizer"] == opt and r["config"]["lr"] == lr]


def _by_seed(records, fn):
    return {r["config"]["seed"]: fn(r) for r in records}


def _paired(a, b):
    """Paired t over the seeds two {seed: value} dicts share."""
    seeds = sorted(set(a) & set(b))
    return stats.paired([a[s] for s in seeds], [b[s] for s in seeds])


def _claims(records, rows, chosen, tuned_sgd, times, lrs, epochs, target):
    budget = (f"{epochs} epochs, batch {BATCH}, rate per optimizer chosen on validation loss from "
              f"{{{', '.join(f'{v:g}' for v in lrs)}}}")
    out = []
    lr_of = {o: v["value"] for o, v in chosen.items() if v["value"] is not None}  # None: every rate diverged
    # 1) an optimal rate, beyond which the loss increases
    for o in LABELS:
        if o not in lr_of:
            continue
        best, top = lr_of[o], max(lrs)
        if best == top:
            res = {**stats.paired([], []), "p": None}
            note = chosen[o]["edge"] + ": nothing beyond it was tried"
        else:
            res = _paired(_by_seed(_arm(records, o, top), _loss_or_chance),
                          _by_seed(_arm(records, o, best), _loss_or_chance))
            note = chosen[o]["edge"]
        out.append(claims.claim(
            f"p06.optimal-lr-{o}", "A",
            "There is an optimal learning rate for both optimization algorithms, beyond which the loss starts "
            f"to increase or fluctuate [{LABELS[o]}]",
            f"final test loss at the largest rate ({top:g}) − at the validation-chosen rate ({best:g}), paired "
            "on seeds; diverged = ln 10", res, expect=1, budget=budget, effect="Δ test loss", note=note))
    # 2) Adam vs (plain) SGD at their chosen rates
    if "adam" in lr_of and "sgd" in lr_of:
        a, s = _arm(records, "adam", lr_of["adam"]), _arm(records, "sgd", lr_of["sgd"])
        pair = f"Adam (lr {lr_of['adam']:g}) − SGD (lr {lr_of['sgd']:g}), each at its validation-chosen rate"
        out.append(claims.claim(
            "p06.adam-lower-loss", "A", "Adam optimization tends to … achieve lower loss compared to SGD",
            f"final test loss, {pair}, paired t", _paired(_by_seed(a, _loss_or_chance), _by_seed(s, _loss_or_chance)),
            expect=-1, budget=budget, effect="Δ test loss"))
        ett = lambda r: epochs_to_target(r["result"], target, epochs)  # noqa: E731
        out.append(claims.claim(
            "p06.adam-converges-faster", "A", "Adam optimization tends to converge faster … compared to SGD",
            f"epochs to test loss ≤ {target:g} (never = {epochs + 1}), {pair}, paired t",
            _paired(_by_seed(a, ett), _by_seed(s, ett)), expect=-1, budget=budget, effect="Δ epochs"))
        high = [lr for lr in lrs if lr >= HIGH_LR]
        va, vs = [], []
        for lr in high:
            da = _by_seed(_arm(records, "adam", lr), _loss_or_chance)
            ds = _by_seed(_arm(records, "sgd", lr), _loss_or_chance)
            for seed in sorted(set(da) & set(ds)):
                va.append(da[seed])
                vs.append(ds[seed])
        out.append(claims.claim(
            "p06.adam-better-at-high-lr", "A", "… especially at higher learning rates",
            f"final test loss Adam − SGD at the same rate, rates ≥ {HIGH_LR:g} ({', '.join(f'{v:g}' for v in high)}), "
            "paired on (rate, seed); diverged = ln 10", stats.paired(va, vs), expect=-1, budget=budget,
            effect="Δ test loss"))
        # time to target: epochs × timing-pass seconds per epoch at the chosen rate
        ta, ts = times.get(("adam", lr_of["adam"])), times.get(("sgd", lr_of["sgd"]))
        if ta and ts:
            ea, es = _by_seed(a, ett), _by_seed(s, ett)
            seeds = sorted(set(ea) & set(es))
            xa = [ea[k] * timing.median(ta) for k in seeds]
            xs = [es[k] * timing.median(ts) for k in seeds]
            res = stats.paired(xa, xs)
            floor = max(timing.iqr(ta) * stats.summarize([ea[k] for k in seeds])["mean"],
                        timing.iqr(ts) * stats.summarize([es[k] for k in seeds])["mean"])
            res = timing.gate(res, res["effect"], floor, "time to target")
            out.append(claims.claim(
                "p06.adam-less-time", "A", "Adam optimization typically requires less training time compared to SGD",
                f"seconds to test loss ≤ {target:g} = epochs to it × timing-pass median s/epoch, {pair}, paired t, "
                "gated by the timing IQR × epochs", res, expect=-1, budget=budget + "; timing pass",
                effect="Δ seconds", note=res.get("gate", "") + (
                    f"; s/epoch {timing.fmt(ta)} (Adam) vs {timing.fmt(ts)} (SGD)")))
        # lr depends on the optimizer: Adam at SGD's chosen rate vs at its own
        if lr_of["sgd"] != lr_of["adam"]:
            res = _paired(_by_seed(_arm(records, "adam", lr_of["sgd"]), _loss_or_chance),
                          _by_seed(a, _loss_or_chance))
        else:
            res = {**stats.paired([], []), "p": None}
        out.append(claims.claim(
            "p06.lr-depends-on-optimizer", "A",
            "A good learning rate depends on the specific dataset, model architecture, and optimization algorithm",
            f"Adam's final test loss at SGD's chosen rate ({lr_of['sgd']:g}) − at its own ({lr_of['adam']:g}), "
            "paired t (the optimizer part only: one dataset and one architecture here)", res, expect=1,
            budget=budget, effect="Δ test loss"))
    # 3) iterations (epochs to target) and seconds per epoch vs the rate
    for o in ("sgd", "adam"):
        recs = [r for r in records if r["config"]["optimizer"] == o]
        if not recs:
            continue
        out.append(claims.claim(
            f"p06.iterations-grow-with-lr-{o}", "A",
            "Training time generally increases with larger learning rates due to the increased number of "
            f"iterations required for convergence [{LABELS[o]}]",
            f"Spearman ρ of log rate vs epochs to test loss ≤ {target:g} (never = {epochs + 1}), every seed and rate",
            stats.spearman([math.log(r["config"]["lr"]) for r in recs],
                           [epochs_to_target(r["result"], target, epochs) for r in recs]),
            expect=1, budget=budget, effect="ρ"))
        timed = sorted((lr, rec) for (oo, lr), rec in times.items() if oo == o)
        if len(timed) >= 2:
            res = timing.difference(timed[-1][1], timed[0][1])
            out.append(claims.claim(
                f"p06.epoch-time-grows-with-lr-{o}", "A",
                f"Training time generally increases with larger learning rates [{LABELS[o]}, per epoch]",
                f"seconds per epoch at lr {timed[-1][0]:g} − at lr {timed[0][0]:g} (timing pass), Welch, gated by IQR",
                res, expect=1, budget="timing pass: 1 epoch of a seed-0 model per repeat", effect="Δ s/epoch",
                note=res.get("gate", "")))
    # 4) Adam overfits / tuned SGD generalizes better
    if "adam" in lr_of and tuned_sgd in lr_of:
        a, s = _arm(records, "adam", lr_of["adam"]), _arm(records, tuned_sgd, lr_of[tuned_sgd])
        gap = lambda r: (None if stats.final_metric(r, "test_loss") is None  # noqa: E731
                         else stats.final_metric(r, "test_loss") - stats.final_metric(r, "train_loss"))
        pair = (f"Adam (lr {lr_of['adam']:g}) vs tuned SGD = {LABELS[tuned_sgd]} (lr {lr_of[tuned_sgd]:g}), "
                "each chosen on validation")
        out.append(claims.claim(
            "p06.adam-overfits", "A", "[Adam] may suffer from overfitting in certain cases due to its adaptive nature",
            f"generalization gap (final test − train loss), {pair}, paired t", _paired(_by_seed(a, gap), _by_seed(s, gap)),
            expect=1, budget=budget, effect="Δ gap (Adam − SGD)"))
        acc = lambda r: stats.final_metric(r, "test_accuracy")  # noqa: E731
        out.append(claims.claim(
            "p06.sgd-generalizes-better", "A",
            "SGD … may require more careful tuning of hyperparameters (e.g., learning rate, momentum) but can "
            "potentially achieve better generalization performance",
            f"test accuracy, tuned SGD − Adam ({pair}), paired t", _paired(_by_seed(s, acc), _by_seed(a, acc)),
            expect=1, budget=budget, effect="Δ test acc (SGD − Adam)", unit="pct"))
    out.append(claims.claim(
        "p06.schedules-help", "A",
        "Techniques such as learning rate schedules, adaptive learning rates (e.g., Adam), and hyperparameter "
        "tuning can help identify an appropriate learning rate", "not tested as a claim", kind="untested",
        budget=budget, note="no schedule was run; the rates here are constant and chosen by a grid on validation"))
    return out


# ------------------------------------------------------------------ figures
def _plots(ctx, rows, opts, s):
    fig, (ax_l, ax_t) = plots.figure(ncols=2, width=4.9, height=3.8)
    colors = {"sgd": "tab:blue", "sgd-momentum": "tab:green", "adam": "tab:orange"}
    first = {"div": True, "stuck": True}
    for opt in opts:
        mine = [r for r in rows if r["optimizer"] == opt]
        xs = [r["lr"] for r in mine]
        mean = [r["test_loss"]["mean"] if r["test_loss"]["mean"] is not None else float("nan") for r in mine]
        ax_l.plot(xs, mean, "o-", color=colors[opt], label=f"{LABELS[opt]}: test")
        ax_l.plot(xs, [r["val_loss"]["mean"] if r["val_loss"]["mean"] is not None else float("nan")
                       for r in mine], ".:", color=colors[opt], lw=1)
        ax_t.plot(xs, [r["epochs_to_target"]["mean"] for r in mine], "o-", color=colors[opt], label=LABELS[opt])
        for r in mine:
            if r["diverged"]:
                ax_l.scatter([r["lr"]], [3.0], marker="x", color="red", s=60, zorder=5,
                             label="diverged" if first["div"] else None)
                first["div"] = False
            elif r["stuck"]:
                ax_l.scatter([r["lr"]], [r["test_loss"]["mean"]], marker="^", color="black", s=40, zorder=5,
                             label="stuck at chance" if first["stuck"] else None)
                first["stuck"] = False
        c = s["chosen"].get(opt)
        if c and c["lr"] is not None:
            ax_l.axvline(c["lr"], color=colors[opt], lw=0.8, ls="--")
    ax_l.axhline(CHANCE, color="gray", ls="--", lw=1, label="chance (ln 10)")
    ax_t.axhline(s["epochs"] + 1, color="gray", ls=":", lw=1, label="never (censored)")
    plots.decorate(ax_l, "final test loss (solid), validation (dotted); dashed = chosen rate", "learning rate (log)",
                   "loss (nats, log)", logx=True, logy=True, legend_size=6)
    plots.decorate(ax_t, f"epochs to test loss ≤ {s['target']} (mean over seeds)", "learning rate (log)",
                   "epochs", logx=True, legend_size=6)
    plots.save(fig, ctx.path("loss_time_vs_lr.png"))
    return ["loss_time_vs_lr.png"]


# ------------------------------------------------------------------- report
def report(s):
    decided = claims.decide(s["claims"])
    by_id = {c["id"]: c for c in decided}
    rows = s["rows"]
    body = [claims.ledger_table(decided, problem=False), "",
            f"Setup: MLP 784-128-10 (ReLU), batch {s['batch_size']}, {s['epochs']} epochs, {s['n_train']:,} training "
            f"/ {s['n_val']:,} validation / {s['n_test']:,} test images, {s['n_seeds']} seed(s) per point (mean ± sd). "
            f"Each optimizer's rate is chosen on validation loss. Target: test loss ≤ {s['target']} (epochs to it; "
            f"never = {s['epochs'] + 1}). Seconds per epoch only from the serial timing pass ({s['timing_load']}).", ""]
    body.append(table(
        ["optimizer", "lr", "final val loss", "final test loss", "test accuracy", "epochs to target", "reached",
         "diverged / stuck / unstable"],
        [[LABELS[r["optimizer"]], f"{r['lr']:g}", stats.fmt_summary(r["val_loss"]), stats.fmt_summary(r["test_loss"]),
          stats.fmt_summary(r["test_accuracy"], pct=True), stats.fmt_summary(r["epochs_to_target"], digits=3),
          f"{r['reached']}/{r['seeds']}", f"{r['diverged']} / {r['stuck']} / {r['unstable']}"] for r in rows]))
    body.append("")
    lines = []
    for o in s["optimizers"]:
        c = s["chosen"].get(o)
        if not c or c["lr"] is None:
            lines.append(f"- {LABELS[o]}: every rate had a diverged seed; nothing chosen.")
            continue
        lines.append(f"- **{LABELS[o]}: lr = {c['lr']:g}** (validation loss {stats.fmt_summary(c['val_loss'])})"
                     + (f" — {c['edge']}" if c["edge"] else ""))
    body += ["**Rates chosen on validation** (the recommendation, with its reason: lowest mean validation loss "
             "among rates where no seed diverged):", *lines]
    if s.get("tuned_sgd"):
        body.append(f"Tuned SGD (better on validation of plain and momentum): {LABELS[s['tuned_sgd']]}.")
    if s.get("timing"):
        body += ["", "Timing pass (seconds per epoch, median and IQR of repeats): " + "; ".join(
            f"{LABELS[t['optimizer']]} lr {t['lr']:g}: {t['median']:.3g} s (IQR {t['iqr']:.2g})" for t in s["timing"])
            + "."]
    body += ["", "**Against Report A** (verdicts from the ledger above):", ""]
    for c in decided:
        r = c.get("result") or {}
        why = {"supported": "the test is significant in the claimed direction after Holm",
               "contradicted": "the test is significant against the claim after Holm",
               "inconclusive": ("not tested: " + c["note"] if c["kind"] == "untested" else
                                r.get("gate") or ((c["note"] or "no p-value: fewer than two paired seeds, or no "
                                                   "spread between them")
                                                  if r.get("p") is None else "not significant after Holm"))
               }[c["verdict"]]
        body.append(f"- “{c['quote']}” — {claims.effect_text(c)}, p {claims.p_text(c)}: **{c['verdict']}** ({why}).")
    body += ["", figure(s, "loss_time_vs_lr.png", "final loss and epochs to target vs learning rate")]
    return "\n".join(body)


if __name__ == "__main__":
    from .core.cli import main_single
    raise SystemExit(main_single(ID))
