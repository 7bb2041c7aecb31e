"""p05 — loss and training time vs batch size (784-128-10 ReLU MLP).

Question: how do the final train/test loss and the training time move with the
batch size, from 16 to the full training set?

Accuracy points (``ctx.run_points``, may run in parallel): the same net,
optimizer (SGD, momentum 0.9) and number of epochs for every batch size B,
``ctx.seeds`` seeds per B (5 in full mode; seed s = the same initial weights
for every B, so seeds pair the batch sizes).  The learning rate follows the
square-root scaling rule from a base of 0.05 at B = 128, capped at 0.5:

    lr(B) = min(0.05 · sqrt(B / 128), 0.5)

A larger batch averages the gradient over more examples, so its noise falls
like 1/sqrt(B); scaling the step like sqrt(B) keeps the per-step noise
comparable.  The linear rule would ask for lr ≈ 23 at the full batch.  The
rule is *not* tuned per B: where it is too aggressive the run is recorded as
it is — *diverged* (NaN/inf), *unstable* (``fit_point``: the loss ends ≥ 1.5×
its minimum) or with a *transient blow-up* (the test loss rose ≥ 1.5× above
its running minimum at some epoch and came back) — and the text says so.

Timing (``ctx.run_timing``, serial, warm-up round excluded, ≥ 5 repeats in full
mode, configs interleaved round-robin, load average recorded): one training
epoch of a fresh seed-0 model at each B.  Every time claim rests on these
repeats only (never on the accuracy points' ``epoch_time``); a time
difference counts only when its test is significant *and* it exceeds the IQR
of the repeats (``core.timing``).  The loss-vs-time figure places each epoch
at epoch × the timing pass's median seconds per epoch.

Tests (``core.stats``, Holm within the problem by the report): Spearman ρ of
log B against the per-seed final losses over the lower half of the grid
("decrease initially") and the upper half ("degradation beyond a point");
Spearman ρ of log B against the timing repeats ("time increases with B");
OLS log–log slopes of time vs B ("not linear", "diminishing
returns").

Limits: one architecture, one base learning rate; "same number of epochs"
means a large batch takes far fewer steps — the table gives the steps.
"""
import math

import tinynet as tn

from .core import claims, plots, stats, timing
from .core.report import figure, table
from .core.helpers import bar_verdict
from .core.training import UNSTABLE_FACTOR, UNSTABLE_TEXT, fit_point, mlp, unstable

ID = "p05-batch-size"
TITLE = "Batch size: loss and training time"
QUESTION = "How do loss and training time depend on the batch size?"
# measured: quick ≈ 20 s on the shared 2-core machine (load 0.4; 150 s at load 3–4: BLAS thread contention);
# full ≈ 50 points × ~13 s (20 epochs, 10 batch sizes) + ~40 s timing pass ≈ 12 min
ESTIMATE = {"smoke": 4, "quick": 25, "full": 720}

ARCH = [784, 128, 10]
BASE_LR, BASE_BATCH, LR_CAP, MOMENTUM = 0.05, 128, 0.5, 0.9
QUALITY_BAR = 0.975  # test accuracy at B = 128, full mode (from the issue)


def scaled_lr(batch):
    return min(BASE_LR * math.sqrt(batch / BASE_BATCH), LR_CAP)


def _model(config):
    return tn.Sequential(mlp(config["arch"]), seed=config["seed"])


def train_point(ctx, config):
    """One accuracy point: train at batch size B for the stated epochs."""
    opt = tn.optim.SGD(config["lr"], momentum=config["momentum"])
    return fit_point(_model(config), ctx.data(), tn.losses.SoftmaxCrossEntropy(), opt, config["epochs"],
                     config["batch_size"], verbose=ctx.fit_verbose)


def time_point(ctx, config):
    """One timing unit: seconds of one training epoch of a fresh seed-0 model at batch size B."""
    opt = tn.optim.SGD(config["lr"], momentum=config["momentum"])
    return timing.epoch_seconds(_model(config), ctx.data(), tn.losses.SoftmaxCrossEntropy(), opt,
                                config["batch_size"])


def blowups(values, factor=UNSTABLE_FACTOR):
    """Epoch spans where a loss curve sat ≥ factor × its running minimum: [(first, last, low, peak)]."""
    spans, low, cur = [], math.inf, None
    for i, v in enumerate(values):
        if v is None or not math.isfinite(v):
            continue
        if v >= factor * low:
            cur = [i + 1, i + 1, low, v] if cur is None else [cur[0], i + 1, cur[2], max(cur[3], v)]
        else:
            if cur:
                spans.append(tuple(cur))
            cur = None
        low = min(low, v)
    if cur:
        spans.append(tuple(cur))
    return spans


def run(ctx):
    data = ctx.data()
    n_train, n_test = data["X_train"].shape[0], data["X_test"].shape[0]
    batches = ctx.pick(smoke=[32, n_train],
                       quick=[16, 64, 256, 1024, 4096, n_train],
                       full=[16, 32, 64, 128, 256, 512, 1024, 4096, 16384, n_train])
    epochs = ctx.pick(smoke=1, quick=8, full=20)
    base = {"arch": ARCH, "optimizer": "sgd", "momentum": MOMENTUM,
            "lr_rule": f"min({BASE_LR}*sqrt(B/{BASE_BATCH}), {LR_CAP})", "n_train": n_train, "n_test": n_test}
    configs = [{**base, "batch_size": b, "lr": scaled_lr(b), "epochs": epochs, "seed": s}
               for b in batches for s in ctx.seeds]
    records = ctx.run_points(configs, train_point,
                             label=lambda c: f"B={c['batch_size']} lr={c['lr']:.3g} seed={c['seed']}")
    timed = ctx.run_timing([{**base, "batch_size": b, "lr": scaled_lr(b), "seed": 0, "unit": "1 epoch"}
                            for b in batches], time_point, label=lambda c: f"B={c['batch_size']}")
    t_by_b = {r["config"]["batch_size"]: r for r in timed}

    rows = []
    for row in stats.table_by(records, lambda c: c["batch_size"], ["train_loss", "test_loss", "test_accuracy"]):
        b = row["key"]
        recs = [r for r in records if r["config"]["batch_size"] == b]
        spans = {r["config"]["seed"]: blowups(r["result"]["history"].get("test_loss", [])) for r in recs}
        t = t_by_b.get(b)
        rows.append({**row, "batch_size": b, "lr": scaled_lr(b), "steps_per_epoch": math.ceil(n_train / b),
                     "steps": math.ceil(n_train / b) * epochs,
                     "unstable": [r["config"]["seed"] for r in recs if unstable(r["result"])],
                     "unstable_detail": [unstable(r["result"]) for r in recs if unstable(r["result"])],
                     "blowups": {s: v for s, v in spans.items() if v},
                     "time": None if t is None else {k: t["result"][k] for k in ("median", "iqr", "samples")}})
    summary = {"rows": rows, "epochs": epochs, "n_train": n_train, "n_test": n_test, "base_lr": BASE_LR,
               "base_batch": BASE_BATCH, "lr_cap": LR_CAP, "momentum": MOMENTUM, "quality_bar": QUALITY_BAR,
               "n_seeds": len(ctx.seeds), "timing_load": timing.load_text(timed),
               "timing_repeats": len(timed[0]["result"]["samples"]) if timed else 0}
    summary["claims"] = _claims(records, timed, batches, epochs)
    summary["figures"] = _plots(ctx, records, rows)
    return summary


def _halves(batches):
    half = len(batches) // 2
    return batches[:max(half, 1)], batches[half:]


def _per_seed(records, batches, metric):
    """(log B, value) pairs of every seed of the given batch sizes."""
    xs, ys = [], []
    for r in records:
        b = r["config"]["batch_size"]
        if b in batches:
            xs.append(math.log(b))
            ys.append(stats.final_metric(r, metric))
    return xs, ys


def _claims(records, timed, batches, epochs):
    lower, upper = _halves(batches)
    budget = (f"{epochs} epochs at every B, SGD momentum {MOMENTUM}, lr = min({BASE_LR}·√(B/{BASE_BATCH}), "
              f"{LR_CAP}) (a rule, not tuned)")
    tbudget = "timing pass: 1 epoch of a seed-0 model per repeat, warm-up excluded"
    out = []
    lo_txt = f"B ∈ {{{', '.join(map(str, lower))}}}"
    hi_txt = f"B ∈ {{{', '.join(map(str, upper))}}}"
    for metric, cid, word in (("train_loss", "train", "training"), ("test_loss", "test", "testing")):
        xs, ys = _per_seed(records, lower, metric)
        out.append(claims.claim(
            f"p05.{cid}-loss-falls-initially", "A",
            f"As batch size increases, both training loss and testing loss tend to decrease initially [{word} half]",
            f"Spearman ρ of log B vs final {metric.replace('_', ' ')} per seed, lower half of the grid ({lo_txt})",
            stats.spearman(xs, ys), expect=-1, budget=budget, effect="ρ"))
    xs, ys = _per_seed(records, upper, "test_loss")
    out.append(claims.claim(
        "p05.degradation-beyond-a-point", "A",
        "beyond a certain point, increasing the batch size may lead to slower convergence or degradation in "
        "generalization performance",
        f"Spearman ρ of log B vs final test loss per seed, upper half of the grid ({hi_txt})",
        stats.spearman(xs, ys), expect=1, budget=budget, effect="ρ"))
    out.append(claims.claim(
        "p05.tradeoff", "A",
        "There might be a trade-off between convergence speed and generalization performance",
        "not tested as a claim", kind="untested", budget=budget,
        note="a hedged 'might be … depending on the dataset' makes no measurable prediction; the table "
             "shows steps, loss and seconds per epoch for every B side by side"))
    t_by_b = {r["config"]["batch_size"]: r for r in timed}
    recs = [t_by_b.get(b) for b in batches]
    out.append(claims.claim(
        "p05.time-grows-with-batch", "A",
        "Training time generally increases with larger batch sizes due to the computational overhead of "
        "processing larger batches",
        "Spearman ρ of log B vs seconds per epoch (timing-pass repeats), gated by the repeats' IQR",
        timing.trend(batches, recs), expect=1, budget=tbudget, effect="ρ",
        note=timing.trend(batches, recs).get("gate", "")))
    lin = timing.slope_vs(batches, recs, 1.0)
    slope = lin["slope"]
    out.append(claims.claim(
        "p05.time-not-linear", "A", "the increase in training time may not be linear with batch size",
        "OLS slope of log(seconds per epoch) on log B over the timing repeats, tested against 1 "
        "(linear growth)", lin, expect=-1, budget=tbudget, effect="slope − 1",
        note="" if slope is None else f"fitted slope {slope:.3g} (time ∝ B^{slope:.2g})"))
    lo_recs = [t_by_b.get(b) for b in lower]
    hi_recs = [t_by_b.get(b) for b in upper]
    dim = timing.slope_difference(lower, lo_recs, upper, hi_recs)
    s_lo = dim["slopes"][0]
    if s_lo is None or dim["effect"] is None:
        expect, note = 1, "too few timed batch sizes"
    else:
        # 'returns' = the change in time as B grows (the exponent); diminishing = the upper half's slope lies
        # closer to zero than the lower half's, whichever sign the lower half has
        expect = -1 if s_lo > 0 else 1
        lo_only = timing.slope_vs(lower, lo_recs, 0.0)
        if lo_only["p"] is None or lo_only["p"] >= stats.ALPHA:
            dim = {**dim, "p": None}
            note = "the lower half's slope is not significantly non-zero: there are no returns to diminish"
        else:
            note = (f"exponent {s_lo:.3g} (lower half) → {dim['slopes'][1]:.3g} (upper half); "
                    "diminishing = the upper slope moves towards 0")
    out.append(claims.claim(
        "p05.diminishing-returns", "A", "there might be diminishing returns beyond a certain batch size",
        f"difference of log–log slopes (exponent of time ∝ B^slope), upper ({hi_txt}) minus lower ({lo_txt}) half, "
        "timing repeats", dim, expect=expect, budget=tbudget, effect="Δ slope", note=note))
    return out


# ------------------------------------------------------------------ figures
def _plots(ctx, records, rows):
    xs = [r["batch_size"] for r in rows]
    fig, (ax_l, ax_t) = plots.figure(ncols=2, width=4.8, height=3.6)
    for key, label in (("train_loss", "train (final, inference mode)"), ("test_loss", "test (final)")):
        have = [r for r in rows if r[key]["mean"] is not None]  # a batch size whose every seed diverged has none
        bx, means = [r["batch_size"] for r in have], [r[key]["mean"] for r in have]
        sds = [r[key]["sd"] or 0.0 for r in have]
        line, = ax_l.plot(bx, means, "o-", label=label)
        ax_l.fill_between(bx, [max(m - d, 0.5 * m) for m, d in zip(means, sds)],
                          [m + d for m, d in zip(means, sds)], color=line.get_color(), alpha=0.2)
    first = True
    for r in rows:
        if r["unstable"] or r["blowups"]:
            ax_l.scatter([r["batch_size"]], [r["test_loss"]["mean"]], marker="^", color="red", s=60, zorder=5,
                         label="unstable / blow-up" if first else None)
            first = False
        if r["diverged"]:
            plots.mark_diverged(ax_l, r["batch_size"], 2.3, label=None)
    plots.decorate(ax_l, "final loss after the same number of epochs (mean ± sd)", "batch size (log)",
                   "cross-entropy loss (nats, log)", logx=True, logy=True)
    med = [r["time"]["median"] if r["time"] else float("nan") for r in rows]
    iq = [r["time"]["iqr"] if r["time"] else 0 for r in rows]
    ax_t.errorbar(xs, med, yerr=[[v / 2 for v in iq], [v / 2 for v in iq]], fmt="o-", capsize=3)
    plots.decorate(ax_t, "seconds per epoch (timing pass: median, bar = IQR)", "batch size (log)",
                   "s per epoch (log)", logx=True, logy=True, legend=False)
    plots.save(fig, ctx.path("loss_time_vs_batch.png"))

    fig, ax = plots.figure(width=6.4, height=4.2)
    cmap = plots.plt.get_cmap("viridis")
    for i, r in enumerate(rows):
        if not r["time"]:
            continue
        hs = [x["result"]["history"].get("test_loss", []) for x in records
              if x["config"]["batch_size"] == r["batch_size"]]
        n = max((len(h) for h in hs), default=0)
        t = [(e + 1) * r["time"]["median"] for e in range(n)]
        plots.band(ax, t, hs, label=f"B = {r['batch_size']}", color=cmap(i / max(1, len(rows) - 1)), marker=".")
    plots.decorate(ax, "test loss vs training time (epoch × timing-pass median s/epoch)",
                   "training time (s, log)", "test loss (nats, log)", logx=True, logy=True, legend_size=7)
    plots.save(fig, ctx.path("loss_vs_time.png"))
    return ["loss_time_vs_batch.png", "loss_vs_time.png"]


# ------------------------------------------------------------------- report
def _fmt_t(r):
    if not r["time"]:
        return "—"
    return f"{r['time']['median']:.3g} (IQR {r['time']['iqr']:.2g})"


def _stability(rows):
    """Sentences on diverged / unstable / blown-up runs, from the stored results."""
    n_div = sum(r["diverged"] for r in rows)
    unstable_rows = [r for r in rows if r["unstable"]]
    blown = [r for r in rows if r["blowups"]]
    parts = [f"{n_div} run(s) diverged to NaN/inf." if n_div else "No run diverged to NaN/inf."]
    if unstable_rows:
        parts.append(f"Unstable at the end ({UNSTABLE_TEXT}): " + "; ".join(
            f"B = {r['batch_size']:,} (lr {r['lr']:.3g}): {len(r['unstable'])}/{r['seeds']} seeds, e.g. "
            f"{r['unstable_detail'][0]['loss'].replace('_', ' ')} min {r['unstable_detail'][0]['min']:.3g} → "
            f"final {r['unstable_detail'][0]['final']:.3g} (above the bar since epoch "
            f"{r['unstable_detail'][0]['since_epoch']})" for r in unstable_rows) + ".")
    if blown:
        parts.append("Transient or lasting blow-ups of the test loss (≥ 1.5× its running minimum): " + "; ".join(
            f"B = {r['batch_size']:,}: {len(r['blowups'])}/{r['seeds']} seeds, e.g. seed "
            f"{next(iter(r['blowups']))} {r['blowups'][next(iter(r['blowups']))][0][2]:.3g} → "
            f"{r['blowups'][next(iter(r['blowups']))][0][3]:.3g} in epochs "
            f"{r['blowups'][next(iter(r['blowups']))][0][0]}–{r['blowups'][next(iter(r['blowups']))][0][1]}"
            for r in blown) + ". The learning-rate rule is too aggressive there: those batch sizes' final losses "
            "describe an unstable run, not the batch size's best.")
    if not unstable_rows and not blown:
        parts.append("No run was unstable or had a blow-up of its test loss.")
    return " ".join(parts)


def _verdict_words(c):
    return {"supported": "supported", "contradicted": "contradicted",
            "inconclusive": "inconclusive"}[c["verdict"]]


def report(s):
    decided = claims.decide(s["claims"])
    by_id = {c["id"]: c for c in decided}
    rows = s["rows"]
    body = [claims.ledger_table(decided, problem=False), "",
            f"Setup: MLP 784-128-10 (ReLU), SGD with momentum {s['momentum']}, {s['epochs']} epochs for every "
            f"batch size, {s['n_train']:,} training / {s['n_test']:,} test images, {s['n_seeds']} seed(s) per "
            f"B (mean ± sd). Learning rate lr(B) = min({s['base_lr']}·√(B/{s['base_batch']}), {s['lr_cap']}). "
            f"Seconds per epoch come from the serial timing pass only ({s['timing_repeats']} repeats of one "
            f"epoch per B after a warm-up round; {s['timing_load']}).", ""]
    body.append(table(
        ["batch", "lr", "steps", "final train loss", "final test loss", "test accuracy",
         "s / epoch (median, IQR)", "diverged", "unstable", "blow-ups"],
        [[f"{r['batch_size']:,}", f"{r['lr']:.4g}", f"{r['steps']:,}", stats.fmt_summary(r["train_loss"]),
          stats.fmt_summary(r["test_loss"]), stats.fmt_summary(r["test_accuracy"], pct=True), _fmt_t(r),
          f"{r['diverged']}/{r['seeds']}", f"{len(r['unstable'])}/{r['seeds']}",
          f"{len(r['blowups'])}/{r['seeds']}"] for r in rows]))
    body += ["", "**Stability.** " + _stability(rows), ""]
    ok = [r for r in rows if r["test_loss"]["n"]]
    if ok:
        best = min(ok, key=lambda r: r["test_loss"]["mean"])
        tr_best = min(ok, key=lambda r: r["train_loss"]["mean"])
        edge = claims.grid_edge(best["batch_size"], [r["batch_size"] for r in rows], what="batch size")
        body.append(
            f"**Loss.** The lowest mean final test loss is at B = {best['batch_size']:,} "
            f"({stats.fmt_summary(best['test_loss'])}, 95% CI {stats.fmt_ci(best['test_loss'])})"
            + (f" — {edge}" if edge else "") + f"; the lowest final train loss at B = {tr_best['batch_size']:,} "
            f"({stats.fmt_summary(tr_best['train_loss'])}). With equal epochs a smaller batch makes more updates.")
        for cid, what in (("p05.train-loss-falls-initially", "the training loss"),
                          ("p05.test-loss-falls-initially", "the test loss")):
            c = by_id[cid]
            r = c["result"]
            body.append(f"Report A's \"both training and testing loss tend to decrease initially\" — for {what} "
                        f"over the lower half of the grid {claims.effect_text(c)}, p {claims.p_text(c)}: "
                        f"**{_verdict_words(c)}**"
                        + (f" (the loss {'falls' if (r['effect'] or 0) < 0 else 'rises'} with B there)."
                           if c["verdict"] != "inconclusive" else " (no significant trend after Holm)."))
        c = by_id["p05.degradation-beyond-a-point"]
        body.append(f"\"Degradation beyond a certain point\": over the upper half {claims.effect_text(c)}, "
                    f"p {claims.p_text(c)} — **{_verdict_words(c)}**.")
    timed = [r for r in rows if r["time"]]
    if len(timed) >= 2:
        slow = max(timed, key=lambda r: r["time"]["median"])
        fast = min(timed, key=lambda r: r["time"]["median"])
        c = by_id["p05.time-grows-with-batch"]
        body += ["", f"**Time** (timing pass). Seconds per epoch range from {fast['time']['median']:.3g} s at "
                 f"B = {fast['batch_size']:,} to {slow['time']['median']:.3g} s at B = {slow['batch_size']:,} "
                 f"(IQR of repeats ≤ {max(r['time']['iqr'] for r in timed):.2g} s). Report A's \"training time "
                 f"generally increases with larger batch sizes\": {claims.effect_text(c)}, p "
                 f"{claims.p_text(c)} — **{_verdict_words(c)}**"
                 + (f" ({c['result']['gate']})" if c["result"].get("gate") else "")
                 + (". Time per epoch falls as B grows: a small batch pays a fixed per-step cost (Python, "
                    f"small matrix products) {slow['steps_per_epoch']:,} times per epoch at B = "
                    f"{slow['batch_size']:,}." if (c["result"]["effect"] or 0) < 0 else ".")]
        c = by_id["p05.time-not-linear"]
        d = by_id["p05.diminishing-returns"]
        body.append(f"\"Not linear with batch size\": {c['note']}; {claims.effect_text(c)} — "
                    f"**{_verdict_words(c)}**. \"Diminishing returns beyond a certain batch size\": {d['note']}; "
                    f"{claims.effect_text(d)}, p {claims.p_text(d)} — **{_verdict_words(d)}**.")
    acc = next((r["test_accuracy"] for r in rows if r["batch_size"] == s["base_batch"]), None)
    if acc and acc["n"]:
        met = acc["mean"] >= s["quality_bar"]
        verdict = bar_verdict(met, s, f"{s['n_train']:,} training images")
        body += ["", f"**Quality bar** (full mode: ≥ {100 * s['quality_bar']:.1f}% test accuracy at "
                     f"B = {s['base_batch']}): ours {stats.fmt_summary(acc, pct=True)} — {verdict}."]
    body += ["", figure(s, "loss_time_vs_batch.png", "final loss and seconds per epoch vs batch size"),
             "", figure(s, "loss_vs_time.png", "test loss vs training time per batch size")]
    return "\n".join(body)


if __name__ == "__main__":
    from .core.cli import main_single
    raise SystemExit(main_single(ID))
