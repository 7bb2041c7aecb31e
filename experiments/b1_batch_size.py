"""b1 — batch size 128 vs 1024 vs full batch (60000) for a 784-128-10 ReLU MLP, SGD lr 0.4.

Question (Report B): how does the batch size change learning?  Report B saw all
three batch sizes end near loss 0.325 and accuracy ≈ 0.90, and said the time
per epoch stayed constant "because Python runs on a single process".

Accuracy points (``ctx.run_points``, may run in parallel): plain SGD (no
momentum: Report B names only the learning rate), lr 0.4 for every batch size
(as in the report — not tuned per B), softmax cross-entropy, ``ctx.seeds``
seeds (5 in full mode; seed s = the same initial weights for every B, so
seeds pair the batch sizes).
* Equal epochs: every batch size trains for the same number of epochs; the
  "loss" and "accuracy" Report B quotes are read as Keras prints them — the
  running means over the last epoch's batches.
* Equal updates: after the same epochs, full-batch gradient descent has made
  469× fewer updates than batch 128, so the full-batch run of seed 0 is
  continued for ≥ one epoch of batch 128's updates (one update per epoch).

Timing (``ctx.run_timing``: serial, warm-up round excluded, ≥ 5 repeats in
full mode, configs interleaved, load average recorded): one training epoch of
a fresh seed-0 model per batch size with the BLAS pool limited to 1 thread
and to all cores (threadpoolctl; on the GPU or without threadpoolctl only the
default), plus, at the full batch, the *process CPU seconds* of that epoch
(CPU s / wall s > 1 means NumPy's products ran on more than one core).  The
old 2.90× "speed-up" from 1 → 2 threads on 2 cores came from a warm-up in one
arm; here the warm-up round is discarded and every config sees the same
machine drift.  Times come only from this pass; a difference counts only
when its test is significant *and* it exceeds the repeats' IQR.

Claims (Holm within the problem): "≈ 0.325" and "≈ 0.90" per batch size as
TOST equivalence to the stated value (margins: ±20% of 0.325 = ±0.065 nats —
the "~" of an approximate reading; ±0.05 accuracy — the rounding interval of
"0.9" written to one decimal); "the same loss" / "the same shape" as paired
TOST between batch 128 and the full batch; "constant epoch time" as TOST
(±20%) between the slowest and fastest batch size; "single process" as TOST
(±10%) between 1 BLAS thread and all cores at the full batch.

Limits: one learning rate for all batch sizes (as in the report) — not the
best rate for each.
"""
import math
import os
import time

import tinynet as tn

from .core import claims, plots, stats, timing
from .core.report import figure, table
from .core.helpers import bar_verdict
from .core.training import fit_point, mlp, unstable

ID = "b1-batch-size"
TITLE = "Batch size 128 vs 1024 vs full batch"
QUESTION = "Batch size 128 vs 1024 vs 60000 (full batch): how do loss, accuracy and time per epoch change?"
# quick: measured 78–128 s at load 2.5–3 (batch 128 with 2 BLAS threads on a busy machine), ≈ 20 s unloaded
# (estimated from per-epoch times);
# full ≈ 15 points × ~18 s + the 480-epoch full-batch run ~200 s + ~25 s timing pass ≈ 8 min
ESTIMATE = {"smoke": 4, "quick": 25, "full": 500}

ARCH = [784, 128, 10]
LR = 0.4
REPORT_LOSS, REPORT_ACC = 0.325, 0.90   # Report B's end point for all three batch sizes
LOSS_MARGIN, ACC_MARGIN = 0.2 * REPORT_LOSS, 0.05
TIME_MARGIN, THREAD_MARGIN = 0.20, 0.10
QUALITY_BAR = 0.975                      # issue: 784-128-10 at batch 128, full mode


def _batch_sizes(n_train):
    sizes = []
    for b in (128, 1024, n_train):
        b = min(b, n_train)
        if b not in sizes:
            sizes.append(b)
    return sizes


def _label(bs, n_train):
    return f"full batch ({bs})" if bs == n_train else f"batch {bs}"


def train_point(ctx, config):
    model = tn.Sequential(mlp(config["arch"]), seed=config["seed"])
    opt = tn.optim.SGD(lr=config["lr"], momentum=config["momentum"])
    result = fit_point(model, ctx.data(), tn.losses.SoftmaxCrossEntropy(), opt, epochs=config["epochs"],
                       batch_size=config["batch_size"], final_train_eval=False, verbose=ctx.fit_verbose)
    result["steps_per_epoch"] = math.ceil(config["n_train"] / config["batch_size"])
    return result


def time_point(ctx, config):
    """One epoch of a fresh seed-0 model: wall seconds (``measure="wall"``) or process CPU seconds."""
    from contextlib import nullcontext
    model = tn.Sequential(mlp(config["arch"]), seed=config["seed"])
    opt = tn.optim.SGD(lr=config["lr"])
    limit = nullcontext()
    if config["blas_threads"]:
        from threadpoolctl import threadpool_limits
        limit = threadpool_limits(limits=config["blas_threads"], user_api="blas")
    with limit:
        cpu0 = time.process_time()
        wall = timing.epoch_seconds(model, ctx.data(), tn.losses.SoftmaxCrossEntropy(), opt, config["batch_size"])
        cpu = time.process_time() - cpu0
    return cpu if config["measure"] == "cpu" else wall


def _thread_counts(ctx):
    """(BLAS thread counts to time, reason when only the default is timed)."""
    if ctx.backend != "numpy":
        return [None], f"backend {ctx.backend}: BLAS threads do not apply on the GPU"
    try:
        import threadpoolctl  # noqa: F401  (optional dependency)
    except ImportError:
        return [None], "threadpoolctl is not installed (optional: pip install threadpoolctl)"
    cores = os.cpu_count() or 1
    return ([1, cores] if cores > 1 else [1]), ""


def _first_reach(values, target):
    """1-based index of the first value <= target, or None."""
    for i, v in enumerate(values):
        if v is not None and v <= target:
            return i + 1
    return None


def run(ctx):
    data = ctx.data()
    n_train, n_test = len(data["y_train"]), len(data["y_test"])
    sizes = _batch_sizes(n_train)
    epochs = ctx.pick(smoke=1, quick=10, full=40)
    # full-batch GD makes one update per epoch: seed 0 goes on past one epoch of batch 128's updates
    long_epochs = max(epochs, ctx.pick(smoke=2, quick=100, full=480))
    base = {"arch": ARCH, "activation": "relu", "loss": "softmax_ce", "optimizer": "sgd", "lr": LR,
            "momentum": 0.0, "n_train": n_train, "n_test": n_test}
    configs = [{**base, "part": "curves", "batch_size": bs, "seed": seed,
                "epochs": long_epochs if (bs == n_train and seed == ctx.seeds[0]) else epochs}
               for seed in ctx.seeds for bs in sizes]
    records = ctx.run_points(configs, train_point,
                             label=lambda c: f"B={c['batch_size']} seed={c['seed']} epochs={c['epochs']}")

    threads, skipped = _thread_counts(ctx)
    tbase = {"arch": ARCH, "lr": LR, "seed": 0, "n_train": n_train, "unit": "1 epoch"}
    tconfigs = [{**tbase, "batch_size": bs, "blas_threads": t, "measure": "wall"} for bs in sizes for t in threads]
    tconfigs += [{**tbase, "batch_size": sizes[-1], "blas_threads": t, "measure": "cpu"} for t in threads]
    timed = ctx.run_timing(tconfigs, time_point, label=lambda c: f"B={c['batch_size']} threads={c['blas_threads']} "
                                                                 f"{c['measure']}")

    rows, per_bs = [], {}
    for bs in sizes:
        recs = [r for r in records if r["config"]["batch_size"] == bs]
        seeds = []
        for r in recs:
            h = r["result"]["history"]
            cut = {k: list(h.get(k, []))[:epochs] for k in ("loss", "accuracy", "test_loss", "test_accuracy")}
            seeds.append({"seed": r["config"]["seed"], "diverged": r["result"]["diverged"],
                          "unstable": unstable(r["result"]), **cut})
            if r["config"]["epochs"] > epochs:
                per_bs.setdefault(bs, {})["long"] = {k: list(h.get(k, [])) for k in
                                                     ("loss", "accuracy", "test_loss", "test_accuracy")}
        per_bs.setdefault(bs, {})["seeds"] = seeds
        per_bs[bs]["steps_per_epoch"] = math.ceil(n_train / bs)
        ok = [s for s in seeds if not s["diverged"] and len(s["loss"]) >= epochs]
        end = lambda key: stats.summarize([s[key][epochs - 1] for s in ok])  # noqa: E731
        rows.append({"batch_size": bs, "label": _label(bs, n_train), "steps_per_epoch": per_bs[bs]["steps_per_epoch"],
                     "seeds": len(seeds), "diverged": sum(bool(s["diverged"]) for s in seeds),
                     "unstable": sum(bool(s["unstable"]) for s in seeds),
                     "train_loss": end("loss"), "train_accuracy": end("accuracy"),
                     "test_loss": end("test_loss"), "test_accuracy": end("test_accuracy"),
                     "epochs_to_report_loss": [_first_reach(s["loss"], REPORT_LOSS) for s in ok]})

    equal_updates = _equal_updates(sizes, per_bs)
    full_long = per_bs[sizes[-1]].get("long")
    report_point = None
    if full_long:
        k = _first_reach(full_long["loss"], REPORT_LOSS)
        report_point = {"updates": k, "available": len(full_long["loss"]),
                        "accuracy": full_long["accuracy"][k - 1] if k else None,
                        "test_accuracy": full_long["test_accuracy"][k - 1] if k else None,
                        "final_loss": full_long["loss"][-1]}
    tim = [{"batch_size": r["config"]["batch_size"], "blas_threads": r["config"]["blas_threads"],
            "measure": r["config"]["measure"], **{k: r["result"][k] for k in ("median", "iqr", "samples")}}
           for r in timed]
    bar = next((r["test_accuracy"] for r in rows if r["batch_size"] == 128), None)
    summary = {"n_train": n_train, "n_test": n_test, "epochs": epochs, "long_epochs": long_epochs,
               "batch_sizes": sizes, "rows": rows, "per_batch_size": per_bs, "equal_updates": equal_updates,
               "report_point": report_point, "timing": tim, "threads": threads, "threads_skipped": skipped,
               "timing_load": timing.load_text(timed), "cores": os.cpu_count(),
               "quality_bar": {"bar": QUALITY_BAR, "value": bar}}
    summary["claims"] = _claims(records, timed, sizes, epochs, threads, n_train)
    summary["figures"] = _plots(ctx, sizes, per_bs, tim, threads, n_train, epochs)
    return summary


def _equal_updates(sizes, per_bs):
    """Seed 0 (the long full-batch run) at ≈ one epoch of the smallest batch's updates."""
    target = per_bs[sizes[0]]["steps_per_epoch"]
    out = []
    for bs in sizes:
        spe = per_bs[bs]["steps_per_epoch"]
        need = math.ceil(target / spe)
        curve = per_bs[bs].get("long") or (per_bs[bs]["seeds"][0] if per_bs[bs]["seeds"] else None)
        have = curve is not None and len(curve["loss"]) >= need
        out.append({"batch_size": bs, "epochs": need, "updates": need * spe,
                    "test_loss": curve["test_loss"][need - 1] if have else None,
                    "test_accuracy": curve["test_accuracy"][need - 1] if have else None})
    return out


# ------------------------------------------------------------------- claims
def _end(records, bs, key, epochs):
    """{seed: the metric's value at the last common epoch} for one batch size."""
    out = {}
    for r in records:
        if r["config"]["batch_size"] != bs or r["result"]["diverged"]:
            continue
        h = r["result"]["history"].get(key, [])
        if len(h) >= epochs:
            out[r["config"]["seed"]] = h[epochs - 1]
    return out


def _reach(records, bs, epochs):
    """{seed: epochs to running-mean train loss ≤ 0.325 within the common epochs, never = epochs + 1}."""
    out = {}
    for r in records:
        if r["config"]["batch_size"] == bs:
            k = _first_reach(r["result"]["history"].get("loss", [])[:epochs], REPORT_LOSS)
            out[r["config"]["seed"]] = epochs + 1 if k is None else k
    return out


def _scaled(record, k):
    """A timing record with every sample divided by k (seconds per update from seconds per epoch)."""
    res = record["result"]
    return {**record, "result": {**res, "samples": [v / k for v in res["samples"]], "median": res["median"] / k,
                                 "iqr": res["iqr"] / k}}


def _claims(records, timed, sizes, epochs, threads, n_train):
    budget = f"{epochs} epochs, plain SGD lr {LR} at every batch size (the report's setting, not tuned)"
    out = []
    for bs in sizes:
        name = _label(bs, n_train)
        out.append(claims.claim(
            f"b1.end-loss-{'full' if bs == n_train else bs}", "B",
            f"they all reach around the same loss by the final epoch (~0.325) [{name}]",
            f"train loss (running mean of the last epoch, as Keras prints it), TOST against {REPORT_LOSS} "
            f"±{LOSS_MARGIN:.3g}", stats.equivalence_to(list(_end(records, bs, "loss", epochs).values()),
                                                        REPORT_LOSS, LOSS_MARGIN),
            kind="equivalence", budget=budget, effect="loss − 0.325",
            note="margin ±20% of 0.325: the '~' of an approximate reading"))
        out.append(claims.claim(
            f"b1.end-acc-{'full' if bs == n_train else bs}", "B",
            f"and around the same accuracy by then too (~0.9) [{name}]",
            f"train accuracy (running mean of the last epoch), TOST against {REPORT_ACC} ±{ACC_MARGIN}",
            stats.equivalence_to(list(_end(records, bs, "accuracy", epochs).values()), REPORT_ACC, ACC_MARGIN,
                                 resolution=1 / n_train),  # a count of correct images out of n_train
            kind="equivalence", budget=budget, effect="acc − 0.90", unit="pct",
            note="margin ±0.05: the rounding interval of '0.9' written to one decimal"))
    small, large = sizes[0], sizes[-1]
    a, b = _end(records, small, "loss", epochs), _end(records, large, "loss", epochs)
    seeds = sorted(set(a) & set(b))
    out.append(claims.claim(
        "b1.same-end-loss", "B",
        "We will not see much of a difference in … the final accuracy and loss as a function of batch size",
        f"final train loss, {_label(small, n_train)} − {_label(large, n_train)}, paired TOST ±{LOSS_MARGIN:.3g}",
        stats.equivalence([a[s] for s in seeds], [b[s] for s in seeds], LOSS_MARGIN, pair=True),
        kind="equivalence", budget=budget, effect="Δ train loss"))
    a, b = _reach(records, small, epochs), _reach(records, large, epochs)
    seeds = sorted(set(a) & set(b))
    margin = max(1.0, 0.1 * epochs)
    out.append(claims.claim(
        "b1.same-shape", "B",
        "the shapes of our graphs did not change as a result of our batch size",
        f"epochs until the train loss first reaches {REPORT_LOSS} (never = {epochs + 1}), {_label(small, n_train)} − "
        f"{_label(large, n_train)}, paired TOST ±{margin:g} epochs (10% of the run)",
        stats.equivalence([a[s] for s in seeds], [b[s] for s in seeds], margin, pair=True, resolution=1),
        kind="equivalence", budget=budget, effect="Δ epochs"))
    out += _timing_claims(timed, sizes, threads, n_train)
    out.append(claims.claim(
        "b1.memory", "B", "when given very large sample sizes, we would run out of memory. This problem was averted "
        "using batches", "not measured", kind="untested", budget=budget,
        note="memory was not measured; the full-batch runs here completed (this machine's RAM, not theirs)"))
    return out


def _timing_claims(timed, sizes, threads, n_train):
    out = []
    tb = "timing pass: 1 epoch of a seed-0 model per repeat, warm-up excluded"
    wall = {(r["config"]["batch_size"], r["config"]["blas_threads"]): r for r in timed
            if r["config"]["measure"] == "wall"}
    cpu = {r["config"]["blas_threads"]: r for r in timed if r["config"]["measure"] == "cpu"}
    most = threads[-1]
    small, large = sizes[0], sizes[-1]
    if (small, most) in wall and (large, most) in wall:
        steps_small, steps_large = math.ceil(n_train / small), math.ceil(n_train / large)
        res = timing.ratio_difference(_scaled(wall[(small, most)], steps_small), _scaled(wall[(large, most)], steps_large))
        out.append(claims.claim(
            "b1.time-per-batch-lower-small", "B",
            "we presume that the run time per batch will be far lower for smaller batches",
            f"log seconds per update, {_label(small, n_train)} − {_label(large, n_train)}, Welch on timing repeats, "
            "gated by IQR", res, expect=-1, budget=tb, effect="Δ log s/update", note=res.get("gate", "")))
    per_b = [wall[(bs, most)] for bs in sizes if (bs, most) in wall]
    if len(per_b) >= 2:
        fast, slow = min(per_b, key=timing.median), max(per_b, key=timing.median)
        res = timing.equivalent(slow, fast, TIME_MARGIN)
        out.append(claims.claim(
            "b1.epoch-time-constant", "B", "our average runtime for a single epoch remained constant",
            f"seconds per epoch, slowest ({_label(slow['config']['batch_size'], n_train)}) vs fastest "
            f"({_label(fast['config']['batch_size'], n_train)}) batch size, {most or 'default'} BLAS thread(s), "
            f"TOST ±{TIME_MARGIN:.0%}", res, kind="equivalence", budget=tb, effect="Δ s/epoch (slowest − fastest)",
            note=(res.get("gate") + "; " if res.get("gate") else "") + f"margin ±{TIME_MARGIN:.0%}: a difference a "
                 "user would notice between epochs"))
    if len(threads) >= 2 and (large, 1) in wall and (large, most) in wall:
        res = timing.equivalent(wall[(large, most)], wall[(large, 1)], THREAD_MARGIN)
        ratio = {t: timing.median(cpu[t]) / timing.median(wall[(large, t)]) for t in cpu if (large, t) in wall}
        out.append(claims.claim(
            "b1.single-process", "B", "This is because Python is locked to only run on a single process",
            f"seconds per epoch at the full batch, {most} BLAS threads vs 1, TOST ±{THREAD_MARGIN:.0%} (a single "
            "process on one core would give the same time)", res, kind="equivalence", budget=tb,
            effect=f"Δ s/epoch ({most} − 1 threads)",
            note=(res.get("gate") + "; " if res.get("gate") else "")
            + "CPU s / wall s: " + ", ".join(f"{t} thread(s) {v:.2f}" for t, v in sorted(ratio.items()))))
    else:
        out.append(claims.claim(
            "b1.single-process", "B", "This is because Python is locked to only run on a single process",
            "BLAS threads 1 vs all cores", kind="untested", note="thread counts could not be varied here"))
    return out


# ------------------------------------------------------------------ figures
def _plots(ctx, sizes, per_bs, tim, threads, n_train, epochs):
    colors = dict(zip(sizes, ("tab:blue", "tab:orange", "tab:green")))
    fig, (ax_loss, ax_acc) = plots.figure(ncols=2, width=5.0, height=3.6)
    x = list(range(1, epochs + 1))
    for bs in sizes:
        seeds, lab = per_bs[bs]["seeds"], _label(bs, n_train)
        plots.band(ax_loss, x, [s["loss"] for s in seeds], label=f"{lab} train", color=colors[bs])
        plots.band(ax_loss, x, [s["test_loss"] for s in seeds], label=f"{lab} test", color=colors[bs], ls="--")
        plots.band(ax_acc, x, [s["accuracy"] for s in seeds], label=f"{lab} train", color=colors[bs])
        plots.band(ax_acc, x, [s["test_accuracy"] for s in seeds], label=f"{lab} test", color=colors[bs], ls="--")
    ax_loss.axhline(REPORT_LOSS, color="gray", ls=":", label="Report B end (0.325)")
    ax_acc.axhline(REPORT_ACC, color="gray", ls=":", label="Report B end (0.90)")
    plots.decorate(ax_loss, f"equal epochs: loss (SGD lr {LR})", "epoch", "cross-entropy loss (nats, log)", logy=True)
    plots.decorate(ax_acc, "equal epochs: accuracy", "epoch", "accuracy (fraction)")
    plots.save(fig, ctx.path("b1_curves.png"))

    fig, (ax_l, ax_a) = plots.figure(ncols=2, width=5.5, height=4.0)
    for bs in sizes:
        spe = per_bs[bs]["steps_per_epoch"]
        curve = per_bs[bs].get("long") or (per_bs[bs]["seeds"][0] if per_bs[bs]["seeds"] else None)
        if not curve or not curve["loss"]:
            continue
        xs = [spe * (i + 1) for i in range(len(curve["loss"]))]
        ax_l.plot(xs, curve["loss"], "-", color=colors[bs], label=f"{_label(bs, n_train)} train (epoch mean)")
        ax_l.plot(xs, curve["test_loss"], "--", color=colors[bs], label=f"{_label(bs, n_train)} test")
        ax_a.plot(xs, curve["test_accuracy"], "-", color=colors[bs], label=_label(bs, n_train))
    ax_l.axhline(REPORT_LOSS, color="gray", ls=":", label="Report B (0.325)")
    ax_a.axhline(REPORT_ACC, color="gray", ls=":", label="Report B (0.90)")
    plots.decorate(ax_l, "equal updates: loss vs steps (seed 0)", "parameter updates (log)",
                   "cross-entropy loss (nats, log)", logx=True, logy=True)
    plots.decorate(ax_a, "equal updates: test accuracy vs steps (seed 0)", "parameter updates (log)",
                   "test accuracy (fraction)", logx=True)
    plots.save(fig, ctx.path("b1_updates.png"))

    fig, ax = plots.figure(width=6.0, height=3.6)
    width = 0.8 / max(1, len(threads))
    for j, t in enumerate(threads):
        vals = [next((x for x in tim if x["batch_size"] == bs and x["blas_threads"] == t and x["measure"] == "wall"),
                     None) for bs in sizes]
        ax.bar([i + j * width for i in range(len(sizes))], [v["median"] if v else 0 for v in vals], width,
               yerr=[v["iqr"] if v else 0 for v in vals],
               label=f"{t if t else 'default'} BLAS thread{'s' if (t or 2) > 1 else ''}")
    ax.set_xticks([i + width * (len(threads) - 1) / 2 for i in range(len(sizes))])
    ax.set_xticklabels([_label(bs, n_train) for bs in sizes], fontsize=8)
    plots.decorate(ax, "seconds per epoch, timing pass (median, bar = IQR)", None, "s per epoch")
    plots.save(fig, ctx.path("b1_time.png"))
    return ["b1_curves.png", "b1_updates.png", "b1_time.png"]


# ------------------------------------------------------------------- report
def report(summary):
    decided = claims.decide(summary["claims"])
    by_id = {c["id"]: c for c in decided}
    rows, E, n = summary["rows"], summary["epochs"], summary["n_train"]
    out = [claims.ledger_table(decided, problem=False), "",
           f"Setup: 784-128-10 ReLU MLP, softmax cross-entropy, plain SGD (no momentum) lr {LR}, {n:,} training / "
           f"{summary['n_test']:,} test images, {E} epochs for every batch size, {rows[0]['seeds']} seed(s) "
           "(mean ± sd). Train loss/accuracy are running means over each epoch's batches (as Keras prints them); "
           "test numbers are measured after each epoch.", ""]
    out.append(table(
        ["batch", "updates/epoch", f"train loss @{E}", f"train acc @{E}", f"test loss @{E}", f"test acc @{E}",
         "epochs to loss ≤ 0.325", "diverged / unstable"],
        [[r["label"], r["steps_per_epoch"], stats.fmt_summary(r["train_loss"]),
          stats.fmt_summary(r["train_accuracy"], pct=True), stats.fmt_summary(r["test_loss"]),
          stats.fmt_summary(r["test_accuracy"], pct=True),
          ", ".join("never" if e is None else str(e) for e in r["epochs_to_report_loss"]),
          f"{r['diverged']} / {r['unstable']} of {r['seeds']}"] for r in rows]))
    out.append("")
    ends = [by_id.get(f"b1.end-loss-{'full' if r['batch_size'] == n else r['batch_size']}") for r in rows]
    out.append("**Equal epochs.** Report B's \"all reach around the same loss (~0.325) and accuracy (~0.9)\": "
               + "; ".join(f"{r['label']} loss {stats.fmt_summary(r['train_loss'])} → **{c['verdict']}**"
                           for r, c in zip(rows, ends) if c)
               + f" (TOST ±{LOSS_MARGIN:.3g} around 0.325). \"Not much of a difference … as a function of batch "
               f"size\": **{by_id['b1.same-end-loss']['verdict']}** ({claims.effect_text(by_id['b1.same-end-loss'])}); "
               f"\"the shapes did not change\": **{by_id['b1.same-shape']['verdict']}** "
               f"({claims.effect_text(by_id['b1.same-shape'])}).")
    eq = summary["equal_updates"]
    if eq:
        parts = [f"{_label(e['batch_size'], n)} after {e['epochs']} epoch(s) = {e['updates']} updates: "
                 + ("not run that long" if e["test_loss"] is None else
                    f"test loss {e['test_loss']:.4g}, test accuracy {100 * e['test_accuracy']:.2f}%") for e in eq]
        out += ["", f"**Equal updates** (seed 0; test numbers): " + "; ".join(parts) + "."]
        accs = [e["test_accuracy"] for e in eq if e["test_accuracy"] is not None]
        ends_acc = [r["test_accuracy"]["mean"] for r in rows if r["test_accuracy"]["mean"] is not None]
        if len(accs) == len(eq) > 1 and len(ends_acc) > 1:
            out.append(f"At equal updates the test accuracies span {100 * (max(accs) - min(accs)):.2f} points (one "
                       f"seed, no test); at equal epochs the means span {100 * (max(ends_acc) - min(ends_acc)):.2f} "
                       "points.")
    rp = summary["report_point"]
    if rp:
        out.append(f"Full-batch gradient descent (seed 0) first reaches loss {REPORT_LOSS} after {rp['updates']} "
                   f"updates (= epochs), train accuracy {100 * rp['accuracy']:.2f}%, test accuracy "
                   f"{100 * rp['test_accuracy']:.2f}%: Report B's common end point is what a run with few updates "
                   "looks like." if rp["updates"] else
                   f"Full-batch gradient descent did not reach loss {REPORT_LOSS} within {rp['available']} updates "
                   f"(last: {rp['final_loss']:.4g}).")
    out += ["", f"**Time** (timing pass only: {summary['timing_load']}"
            + (f"; {summary['threads_skipped']}" if summary["threads_skipped"] else "") + ")."]
    tim = summary["timing"]
    if tim:
        out += ["", table(["batch", "BLAS threads", "measure", "median s", "IQR s", "repeats"],
                          [[_label(t["batch_size"], n), t["blas_threads"] or "default",
                            "wall s / epoch" if t["measure"] == "wall" else "process CPU s / epoch",
                            f"{t['median']:.3g}", f"{t['iqr']:.2g}", len(t["samples"])] for t in tim]), ""]
    for cid, what in (("b1.epoch-time-constant", "\"runtime for a single epoch remained constant\""),
                      ("b1.single-process", "\"because Python is locked to only run on a single process\""),
                      ("b1.time-per-batch-lower-small", "\"run time per batch far lower for smaller batches\"")):
        c = by_id.get(cid)
        if c:
            out.append(f"- {what}: {claims.effect_text(c)}, p {claims.p_text(c)} — **{c['verdict']}**"
                       + (f" ({c['note']})" if c.get("note") else "") + ".")
    qb = summary["quality_bar"]
    if qb["value"] and qb["value"]["mean"] is not None:
        met = qb["value"]["mean"] >= qb["bar"]
        out += ["", f"**Quality bar** (full mode: 784-128-10 at batch 128 ≥ {100 * qb['bar']:.1f}% test accuracy): "
                    f"ours {stats.fmt_summary(qb['value'], pct=True)} after {E} epochs at lr {LR} — "
                + bar_verdict(met, summary, f"{n:,} images") + "."]
    out += ["", figure(summary, "b1_curves.png", "loss and accuracy per epoch for each batch size"),
            "", figure(summary, "b1_updates.png", "loss and test accuracy vs number of updates"),
            "", figure(summary, "b1_time.png", "time per epoch (timing pass)")]
    return "\n".join(out)


if __name__ == "__main__":
    from .core.cli import main_single
    raise SystemExit(main_single(ID))
