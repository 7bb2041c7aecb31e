"""b1 — batch size 128 vs 1024 vs full batch (60000) for a 784-128-10 ReLU MLP, SGD lr 0.4.

Question (Report B): how does the batch size change learning?  Report B saw all
three batch sizes end near loss 0.325 and accuracy ≈ 0.90, and said the time
per epoch stayed constant "because Python runs on a single process".

Method: plain SGD (no momentum: Report B names only the learning rate), lr 0.4,
softmax cross-entropy, the same initialisation per seed for every batch size.
* Equal epochs: every batch size trains for the same number of epochs (same
  number of examples seen); curves of loss and accuracy per epoch.
* Equal updates: a batch of B makes ceil(N/B) updates per epoch, so after the
  same number of epochs full-batch gradient descent has made 469× fewer updates
  than batch 128.  The full-batch run of seed 0 is continued for many more epochs
  (one update each) so that all three can be compared at the same number of
  updates, and we find how many updates each needs to reach Report B's 0.325.
* Time: seconds per epoch and per update from fit's ``epoch_time`` (training
  only), and the same epochs with 1 vs 2 BLAS threads (threadpoolctl, optional:
  skipped when not installed or on the GPU) plus process CPU time / wall time,
  which is > 1 when NumPy's matrix products use more than one core.

Limits: one learning rate for all batch sizes (as in the report) — not the
best rate for each; "loss" and "accuracy" on the training side are Keras-style
running means over the epoch's batches (the weights change during the epoch);
test numbers are measured after each epoch.
"""
import math
import os
import time

import tinynet as tn

from .core import plots
from .core.b_common import fmt_ms, fmt_pct, mean_std, met, save_small, spread_sentence
from .core.report import figure, table
from .core.training import fit_point, mlp

ID = "b1-batch-size"
TITLE = "Batch size 128 vs 1024 vs full batch"
QUESTION = "Batch size 128 vs 1024 vs 60000 (full batch): how do loss, accuracy and time per epoch change?"
ESTIMATE = {"smoke": 3, "quick": 30, "full": 330}

ARCH = [784, 128, 10]
LR = 0.4
REPORT_LOSS, REPORT_ACC = 0.325, 0.90   # Report B's end point for all three batch sizes
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


def _train_point(data):
    def fn(config):
        model = tn.Sequential(mlp(config["arch"]), seed=config["seed"])
        opt = tn.optim.SGD(lr=config["lr"], momentum=config["momentum"])
        result = fit_point(model, data, tn.losses.SoftmaxCrossEntropy(), opt,
                           epochs=config["epochs"], batch_size=config["batch_size"],
                           final_train_eval=False)
        result["steps_per_epoch"] = math.ceil(config["n_train"] / config["batch_size"])
        return result
    return fn


def _thread_point(data):
    """Time a few epochs with the BLAS pool limited to ``blas_threads``."""
    from threadpoolctl import threadpool_limits

    def fn(config):
        model = tn.Sequential(mlp(config["arch"]), seed=config["seed"])
        opt = tn.optim.SGD(lr=config["lr"])
        with threadpool_limits(limits=config["blas_threads"], user_api="blas"):
            cpu0, wall0 = time.process_time(), time.perf_counter()
            history = model.fit(data["X_train"], data["y_train"], tn.losses.SoftmaxCrossEntropy(), opt,
                                epochs=config["epochs"], batch_size=config["batch_size"], verbose=0)
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        times = list(history.history["epoch_time"])
        return {"epoch_time": times, "train_time": sum(times), "cpu_seconds": cpu,
                "wall_seconds": wall, "cpu_per_wall": cpu / wall if wall > 0 else None,
                "diverged": False}
    return fn


def _threads_unavailable(ctx):
    if ctx.backend != "numpy":
        return f"backend {ctx.backend}: BLAS threads do not apply on the GPU"
    try:
        import threadpoolctl  # noqa: F401  (optional dependency)
    except ImportError:
        return "threadpoolctl is not installed (optional: pip install threadpoolctl)"
    return None


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
    epochs = ctx.pick(smoke=1, quick=20, full=40)
    # Full-batch GD makes one update per epoch: the seed-0 run goes on long
    # enough to pass one epoch of batch 128 (ceil(N/128) updates) and the loss 0.325.
    long_epochs = ctx.pick(smoke=2, quick=120, full=500)
    base = {"arch": ARCH, "activation": "relu", "loss": "softmax_ce", "optimizer": "sgd", "lr": LR,
            "momentum": 0.0, "n_train": n_train, "n_test": n_test}
    configs = []
    for seed in ctx.seeds:
        for bs in sizes:
            e = long_epochs if (bs == n_train and seed == ctx.seeds[0]) else epochs
            configs.append({**base, "part": "curves", "batch_size": bs, "epochs": e, "seed": seed})
    records = ctx.run_points(configs, _train_point(data))

    per_bs = {}
    for rec in records:
        c, r = rec["config"], rec["result"]
        h = r["history"]
        entry = per_bs.setdefault(c["batch_size"], {"seeds": [], "long": None})
        cut = {k: list(h.get(k, []))[:epochs] for k in ("loss", "accuracy", "test_loss", "test_accuracy",
                                                        "epoch_time")}
        entry["seeds"].append({"seed": c["seed"], "diverged": r["diverged"], "epochs_done": r["epochs_done"],
                               "diverged_at": r.get("diverged_at"), **cut})
        entry["steps_per_epoch"] = r["steps_per_epoch"]
        if c["epochs"] > epochs:
            entry["long"] = {k: list(h.get(k, [])) for k in ("loss", "accuracy", "test_loss", "test_accuracy")}

    rows = []
    for bs in sizes:
        entry = per_bs[bs]
        ok = [s for s in entry["seeds"] if not s["diverged"] and len(s["loss"]) >= epochs]
        end = lambda key: [s[key][epochs - 1] for s in ok]
        # median over epochs (robust to a noisy neighbour on a shared machine), then over seeds
        med = lambda s: float(tn.backend.np.median(s["epoch_time"])) if s["epoch_time"] else None
        epoch_times = [med(s) for s in entry["seeds"] if s["epoch_time"]]
        spe = entry["steps_per_epoch"]
        reach_epochs = [_first_reach(s["loss"], REPORT_LOSS) for s in ok]
        rows.append({"batch_size": bs, "label": _label(bs, n_train), "steps_per_epoch": spe,
                     "diverged_seeds": [s["seed"] for s in entry["seeds"] if s["diverged"]],
                     "train_loss": end("loss"), "train_accuracy": end("accuracy"),
                     "test_loss": end("test_loss"), "test_accuracy": end("test_accuracy"),
                     "epoch_time": epoch_times,
                     "step_time": [t / spe for t in epoch_times if t is not None],
                     "epochs_to_report_loss": reach_epochs})

    # equal updates: S = one epoch of the smallest batch
    small = sizes[0]
    target_updates = per_bs[small]["steps_per_epoch"]
    equal_updates = []
    for bs in sizes:
        entry = per_bs[bs]
        spe = entry["steps_per_epoch"]
        need_epochs = math.ceil(target_updates / spe)
        curve = entry["long"] or (entry["seeds"][0] if entry["seeds"] else None)
        if curve is None or len(curve["loss"]) < need_epochs:
            equal_updates.append({"batch_size": bs, "epochs": need_epochs, "updates": need_epochs * spe,
                                  "loss": None, "test_loss": None, "test_accuracy": None})
            continue
        equal_updates.append({"batch_size": bs, "epochs": need_epochs, "updates": need_epochs * spe,
                              "loss": curve["loss"][need_epochs - 1],
                              "test_loss": curve["test_loss"][need_epochs - 1],
                              "test_accuracy": curve["test_accuracy"][need_epochs - 1]})

    # where full-batch GD meets Report B's loss
    full_long = per_bs[sizes[-1]]["long"]
    report_point = None
    if full_long:
        k = _first_reach(full_long["loss"], REPORT_LOSS)
        report_point = {"updates": k, "available": len(full_long["loss"]),
                        "accuracy": full_long["accuracy"][k - 1] if k else None,
                        "test_accuracy": full_long["test_accuracy"][k - 1] if k else None,
                        "final_loss": full_long["loss"][-1], "final_test_accuracy": full_long["test_accuracy"][-1]}

    threads = _measure_threads(ctx, data, sizes, n_train, n_test)
    figures = _plots(ctx, sizes, per_bs, rows, threads, n_train, epochs)
    bar_value = mean_std(rows[0]["test_accuracy"])[0] if rows[0]["batch_size"] == 128 else None
    return {"n_train": n_train, "n_test": n_test, "epochs": epochs, "long_epochs": long_epochs,
            "batch_sizes": sizes, "rows": rows, "per_batch_size": per_bs,
            "equal_updates": equal_updates, "target_updates": target_updates,
            "report_point": report_point, "threads": threads, "figures": figures,
            "quality_bar": {"bar": QUALITY_BAR, "value": bar_value,
                            "verdict": met(bar_value, QUALITY_BAR) if bar_value is not None else "n/a"}}


def _measure_threads(ctx, data, sizes, n_train, n_test):
    reason = _threads_unavailable(ctx)
    if reason:
        return {"skipped": reason}
    epochs = ctx.pick(smoke=1, quick=3, full=3)
    configs = [{"part": "threads", "arch": ARCH, "lr": LR, "batch_size": bs, "blas_threads": t,
                "epochs": epochs, "seed": ctx.seeds[0], "n_train": n_train, "n_test": n_test}
               for bs in sizes for t in (1, 2)]
    recs = ctx.run_points(configs, _thread_point(data))
    out = []
    for rec in recs:
        c, r = rec["config"], rec["result"]
        times = sorted(r["epoch_time"])
        out.append({"batch_size": c["batch_size"], "blas_threads": c["blas_threads"],
                    "epoch_time": times[len(times) // 2], "cpu_per_wall": r["cpu_per_wall"]})
    return {"rows": out, "cores": os.cpu_count(), "epochs": epochs}


def _plots(ctx, sizes, per_bs, rows, threads, n_train, epochs):
    colors = dict(zip(sizes, ("tab:blue", "tab:orange", "tab:green")))
    fig, (ax_loss, ax_acc) = plots.figure(ncols=2, width=5.0, height=3.6)
    for bs in sizes:
        seeds = per_bs[bs]["seeds"]
        x = list(range(1, epochs + 1))
        lab = _label(bs, n_train)
        plots.band(ax_loss, x, [s["loss"] for s in seeds], label=f"{lab} train", color=colors[bs])
        plots.band(ax_loss, x, [s["test_loss"] for s in seeds], label=f"{lab} test", color=colors[bs], ls="--")
        plots.band(ax_acc, x, [s["accuracy"] for s in seeds], label=f"{lab} train", color=colors[bs])
        plots.band(ax_acc, x, [s["test_accuracy"] for s in seeds], label=f"{lab} test", color=colors[bs],
                   ls="--")
        for s in seeds:
            if s["diverged"]:
                last = len(s["loss"])
                plots.mark_diverged(ax_loss, max(last, 1), s["loss"][-1] if s["loss"] else 1.0)
    ax_loss.axhline(REPORT_LOSS, color="gray", ls=":", label="Report B end (0.325)")
    ax_acc.axhline(REPORT_ACC, color="gray", ls=":", label="Report B end (0.90)")
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("epoch (passes over the training set)")
    ax_loss.set_ylabel("cross-entropy loss (nats, log scale)")
    ax_acc.set_xlabel("epoch (passes over the training set)")
    ax_acc.set_ylabel("accuracy (fraction)")
    ax_loss.set_title(f"equal epochs: loss (SGD lr {LR})")
    ax_acc.set_title("equal epochs: accuracy")
    ax_loss.legend(fontsize=7)
    ax_acc.legend(fontsize=7)
    save_small(fig, ctx.path("b1_curves.png"))

    fig, (ax_l, ax_a) = plots.figure(ncols=2, width=5.5, height=4.0)
    for bs in sizes:
        entry = per_bs[bs]
        spe = entry["steps_per_epoch"]
        curve = entry["long"] or (entry["seeds"][0] if entry["seeds"] else None)
        if not curve or not curve["loss"]:
            continue
        x = [spe * (i + 1) for i in range(len(curve["loss"]))]
        ax_l.plot(x, curve["loss"], "-", color=colors[bs], label=f"{_label(bs, n_train)} train (epoch mean)")
        ax_l.plot(x, curve["test_loss"], "--", color=colors[bs], label=f"{_label(bs, n_train)} test")
        ax_a.plot(x, curve["test_accuracy"], "-", color=colors[bs], label=_label(bs, n_train))
    ax_l.axhline(REPORT_LOSS, color="gray", ls=":", label="Report B (0.325)")
    ax_a.axhline(REPORT_ACC, color="gray", ls=":", label="Report B (0.90)")
    for ax in (ax_l, ax_a):
        ax.set_xscale("log")
        ax.set_xlabel("parameter updates (SGD steps, log scale)")
    ax_l.set_yscale("log")
    ax_l.set_ylabel("cross-entropy loss (nats, log scale)")
    ax_a.set_ylabel("test accuracy (fraction)")
    ax_l.set_title("equal updates: loss vs steps (seed 0)")
    ax_a.set_title("equal updates: test accuracy vs steps (seed 0)")
    ax_l.legend(fontsize=7)
    ax_a.legend(fontsize=7)
    save_small(fig, ctx.path("b1_updates.png"))

    fig, (ax_e, ax_s) = plots.figure(ncols=2, width=5.0, height=3.8)
    names = [_label(bs, n_train) for bs in sizes]
    xs = list(range(len(sizes)))
    main = [mean_std(r["epoch_time"])[0] for r in rows]
    width = 0.27
    ax_e.bar([x - width for x in xs], main, width, label="main runs (all BLAS threads)")
    if "rows" in threads:
        for j, t in enumerate((1, 2)):
            vals = [next((r["epoch_time"] for r in threads["rows"]
                          if r["batch_size"] == bs and r["blas_threads"] == t), 0) for bs in sizes]
            ax_e.bar([x + j * width for x in xs], vals, width, label=f"{t} BLAS thread{'s' if t > 1 else ''}")
    ax_e.set_xticks(xs)
    ax_e.set_xticklabels(names, fontsize=8)
    ax_e.set_ylabel("time per epoch (s, training only)")
    ax_e.set_title(f"time per epoch ({n_train} images)")
    ax_e.legend(fontsize=7)
    ax_s.plot(sizes, [mean_std(r["step_time"])[0] * 1e3 for r in rows], "o-")
    ax_s.set_xscale("log")
    ax_s.set_yscale("log")
    ax_s.set_xlabel("batch size (examples, log scale)")
    ax_s.set_ylabel("time per update (ms, log scale)")
    ax_s.set_title("time per SGD step")
    save_small(fig, ctx.path("b1_time.png"))
    return ["b1_curves.png", "b1_updates.png", "b1_time.png"]


def report(summary):
    rows, E, n = summary["rows"], summary["epochs"], summary["n_train"]
    out = [f"Setup: 784-128-10 ReLU MLP, softmax cross-entropy, plain SGD (no momentum) lr {LR}, "
           f"{n} training / {summary['n_test']} test images, {E} epochs for every batch size, "
           f"{summary['seeds']} seed(s) (mean ± std). Train loss/accuracy are running means over each "
           f"epoch's batches (as Keras prints them); test numbers are measured after each epoch.", ""]
    out.append(table(
        ["batch", "updates/epoch", f"train loss @{E}", f"train acc @{E}", f"test loss @{E}", f"test acc @{E}",
         "s/epoch", "ms/update", "epochs to loss ≤ 0.325"],
        [[r["label"], r["steps_per_epoch"], fmt_ms(r["train_loss"]), fmt_ms(r["train_accuracy"], pct=True),
          fmt_ms(r["test_loss"]), fmt_ms(r["test_accuracy"], pct=True), fmt_ms(r["epoch_time"], 3),
          fmt_ms([t * 1e3 for t in r["step_time"]], 3),
          ", ".join("never" if e is None else str(e) for e in r["epochs_to_report_loss"])
          + (f" — DIVERGED seeds {r['diverged_seeds']}" if r["diverged_seeds"] else "")]
         for r in rows]))
    out.append("")
    small, large = rows[0], rows[-1]
    ms_small, ms_large = mean_std(small["test_accuracy"])[0], mean_std(large["test_accuracy"])[0]
    ls_small, ls_large = mean_std(small["train_loss"])[0], mean_std(large["train_loss"])[0]
    close = sum(1 for r in rows if abs(mean_std(r["train_loss"])[0] - REPORT_LOSS) <= 0.25 * REPORT_LOSS
                and abs(mean_std(r["train_accuracy"])[0] - REPORT_ACC) <= 0.02)
    out.append(
        f"**Equal epochs.** After {E} epoch(s), {small['label']} reaches train loss {ls_small:.4g} and test "
        f"accuracy {fmt_pct(ms_small)}; {large['label']} only train loss {ls_large:.4g} and test accuracy "
        f"{fmt_pct(ms_large)} — a gap of {100 * (ms_small - ms_large):.2f} points "
        f"{spread_sentence(small['test_accuracy'], large['test_accuracy'])}. "
        f"Report B's claim that all three end near loss {REPORT_LOSS} and accuracy ≈ {REPORT_ACC:.2f}: ours "
        + ", ".join(f"{r['label']} {mean_std(r['train_loss'])[0]:.3g} / {fmt_pct(mean_std(r['train_accuracy'])[0], 1)}"
                    for r in rows)
        + f" (train loss / train accuracy); {close} of {len(rows)} lie within ±25% of {REPORT_LOSS} in loss and "
          f"±2 points of {REPORT_ACC:.0%} in accuracy"
        + (" — we agree." if close == len(rows) else
           " — we DISAGREE: at equal epochs the batch size changes where training ends."))
    out.append("")
    eq = summary["equal_updates"]
    if eq:
        parts = [f"{_label(e['batch_size'], n)} after {e['epochs']} epoch(s) = {e['updates']} updates: "
                 + ("not run that long" if e["test_loss"] is None else
                    f"test loss {e['test_loss']:.4g}, test accuracy {fmt_pct(e['test_accuracy'])}") for e in eq]
        out.append(f"**Equal updates** (≈ {summary['target_updates']} updates = one epoch of the smallest batch, "
                   f"seed 0; test numbers, since a training loss averaged over an epoch is not comparable across "
                   f"batch sizes): " + "; ".join(parts) + ".")
        accs = [e["test_accuracy"] for e in eq if e["test_accuracy"] is not None]
        ends = [mean_std(r["test_accuracy"])[0] for r in rows]
        if len(accs) == len(eq) and len(accs) > 1:
            out.append(f"At equal updates the test accuracies span {100 * (max(accs) - min(accs)):.2f} points; at "
                       f"equal epochs ({E}) they span {100 * (max(ends) - min(ends)):.2f} points. "
                       + ("Progress follows the number of updates far more than the batch size: a big batch "
                          "gives a better gradient per step but, at a fixed lr, not a bigger step."
                          if max(accs) - min(accs) < 0.5 * (max(ends) - min(ends)) else
                          "The batch size matters even at equal updates here."))
    rp = summary["report_point"]
    if rp:
        if rp["updates"]:
            out.append(
                f"Full-batch gradient descent first reaches Report B's loss {REPORT_LOSS} after {rp['updates']} "
                f"updates (= epochs), where its training accuracy is {fmt_pct(rp['accuracy'])} and test accuracy "
                f"{fmt_pct(rp['test_accuracy'])}; batch 128 gets there within epoch "
                f"{', '.join(str(e) for e in small['epochs_to_report_loss'])}. So Report B's common end point "
                f"(loss ≈ 0.325, accuracy ≈ 0.90) is what a run with few updates looks like — it matches the full-batch "
                f"run after ~{rp['updates']} epochs, not batch 128, which after {E} epochs is at loss {ls_small:.3g}. "
                f"The plausible explanation is too few updates (or too few epochs) for the large batches, not a "
                f"property of the batch size.")
        else:
            out.append(f"Full-batch gradient descent did not reach loss {REPORT_LOSS} within {rp['available']} "
                       f"updates (last: {rp['final_loss']:.4g}).")
    out.append("")
    th = summary["threads"]
    times = [mean_std(r["epoch_time"])[0] for r in rows]
    per_epoch = ", ".join(f"{r['label']}: {t:.3g} s" for r, t in zip(rows, times))
    ratio = max(times) / min(times)
    # multiply-adds of one epoch (forward + two backward products per Dense layer): the same for every batch size
    macs = 3 * n * sum(a * b for a, b in zip(ARCH[:-1], ARCH[1:]))
    out.append(f"**Time per epoch.** {per_epoch} (max/min = {ratio:.2f}×"
               + (", roughly constant" if ratio < 1.5 else ", NOT constant") + "); per update it goes from "
               f"{mean_std(rows[0]['step_time'])[0] * 1e3:.3g} ms ({rows[0]['label']}) to "
               f"{mean_std(rows[-1]['step_time'])[0] * 1e3:.3g} ms ({rows[-1]['label']}). Every batch size does the "
               f"same {macs / 1e9:.2g} G multiply-adds per epoch, so equal epoch times are what one expects of "
               f"arithmetic-bound code; the differences come from the per-step Python overhead (many small batches) "
               f"and from memory traffic (one huge batch).")
    if "rows" in th:
        trs = th["rows"]
        lines = []
        speedups = {}
        for bs in summary["batch_sizes"]:
            one = next(r for r in trs if r["batch_size"] == bs and r["blas_threads"] == 1)
            two = next(r for r in trs if r["batch_size"] == bs and r["blas_threads"] == 2)
            speedups[bs] = one["epoch_time"] / two["epoch_time"]
            lines.append([_label(bs, n), f"{one['epoch_time']:.3g}", f"{two['epoch_time']:.3g}",
                          f"{speedups[bs]:.2f}×", f"{one['cpu_per_wall']:.2f}", f"{two['cpu_per_wall']:.2f}"])
        out += ["", table(["batch", "s/epoch, 1 BLAS thread", "s/epoch, 2 BLAS threads", "speed-up",
                           "CPU s / wall s (1 thread)", "CPU s / wall s (2 threads)"], lines), ""]
        cpu1 = min(r["cpu_per_wall"] for r in trs if r["blas_threads"] == 1)
        if cpu1 < 0.9:
            out.append(f"Caution: with one BLAS thread this process got only {cpu1:.2f} CPU-seconds per wall-second, "
                       f"so the machine was busy with other work and every time above is inflated; with 2 threads "
                       f"on a busy machine OpenBLAS threads wait for each other and small products slow down.")
            out.append("")
        best = max(speedups, key=speedups.get)
        cpu2 = max(r["cpu_per_wall"] for r in trs if r["blas_threads"] == 2)
        multi = cpu2 > 1.2 or speedups[best] > 1.2
        out.append(
            f"Report B's \"Python runs on a single process\": going from 1 to 2 BLAS threads changes the epoch time "
            f"by a factor (1-thread time / 2-thread time) of {', '.join(f'{speedups[b]:.2f}' for b in speedups)} "
            f"for {', '.join(_label(b, n) for b in speedups)}, and the process uses up to {cpu2:.2f} CPU-seconds per "
            f"wall-second with 2 threads ({th['cores']} cores here) — "
            + ("NumPy's matrix products DO run on more than one core (BLAS threads are not held back by the GIL), so "
               "\"single process\" does not explain a constant epoch time." if multi else
               "no sign of useful multi-core work in this measurement (on a busy machine the second thread may find "
               "no free core)."))
    else:
        out.append(f"(BLAS-thread measurement skipped: {th.get('skipped')}.)")
    out.append("")
    qb = summary["quality_bar"]
    if qb["value"] is not None:
        out.append(f"**Quality bar** (full mode: 784-128-10 at batch 128 ≥ {100 * qb['bar']:.1f}% test accuracy): "
                   f"ours {fmt_pct(qb['value'])} after {E} epochs at lr {LR} — **{qb['verdict']}**"
                   + ("" if summary["mode"] == "full" else f" (measured in {summary['mode']} mode on {n} images; "
                      "the bar applies to the full run)") + ".")
    out += ["", figure(summary, "b1_curves.png", "loss and accuracy per epoch for each batch size"),
            "", figure(summary, "b1_updates.png", "loss and test accuracy vs number of updates"),
            "", figure(summary, "b1_time.png", "time per epoch and per update")]
    return "\n".join(out)


if __name__ == "__main__":
    from .core.cli import main_single
    main_single(ID)
