"""p05 — loss and training time vs batch size (784-128-10 ReLU MLP).

Question: how do the final train/test loss and the training time move with the
batch size, from 16 to the full training set?

Method: the same net, optimizer (SGD, momentum 0.9) and number of epochs for
every batch size B.  The learning rate follows the square-root scaling rule
from a base of 0.05 at B = 128, capped at 0.5:

    lr(B) = min(0.05 · sqrt(B / 128), 0.5)

Why: a larger batch averages the gradient over more examples, so its noise
falls like 1/sqrt(B); scaling the step like sqrt(B) keeps the per-step noise
(and, with a fixed number of epochs, part of the lost progress) comparable.
The linear rule (lr ∝ B) would ask for lr ≈ 23 at the full batch, far past the
stable range; the cap of 0.5 (10× the base, reached at B = 12,800) is where
full-batch training was checked to stay finite.  A run that diverges anyway is
recorded and marked.  Times are training-only (``epoch_time``).

Limits: one architecture, one base learning rate; "same number of epochs"
means a large batch takes far fewer steps, which is the point of the comparison
but also why its loss is higher — the report gives the number of steps too.
"""
import math

import tinynet as tn

from .core import plots
from .core.axes import readable_log
from .core.report import figure, table
from .core.seedstats import final_metric, fmt_stat, group, spread_phrase, stat, within_spread
from .core.training import fit_point, mlp

ID = "p05-batch-size"
TITLE = "Batch size: loss and training time"
QUESTION = "How do loss and training time depend on the batch size?"
ESTIMATE = {"smoke": 2, "quick": 20, "full": 300}

ARCH = [784, 128, 10]
BASE_LR, BASE_BATCH, LR_CAP, MOMENTUM = 0.05, 128, 0.5, 0.9
QUALITY_BAR = 0.975  # test accuracy at B = 128, full mode (from the issue)


def scaled_lr(batch):
    return min(BASE_LR * math.sqrt(batch / BASE_BATCH), LR_CAP)


def train_point(ctx, data):
    def fn(config):
        model = tn.Sequential(mlp(config["arch"]), seed=config["seed"])
        opt = tn.optim.SGD(config["lr"], momentum=config["momentum"])
        return fit_point(model, data, tn.losses.SoftmaxCrossEntropy(), opt, config["epochs"],
                         config["batch_size"], verbose=ctx.fit_verbose)
    return fn


def run(ctx):
    data = ctx.data()
    n_train = data["X_train"].shape[0]
    batches = ctx.pick(smoke=[32, n_train],
                       quick=[16, 32, 64, 128, 256, 512, 1024, 4096, n_train],
                       full=[16, 32, 64, 128, 256, 512, 1024, 4096, 16384, n_train])
    epochs = ctx.pick(smoke=1, quick=10, full=20)
    configs = [{"arch": ARCH, "optimizer": "sgd", "momentum": MOMENTUM, "batch_size": b,
                "lr": scaled_lr(b), "lr_rule": f"min({BASE_LR}*sqrt(B/{BASE_BATCH}), {LR_CAP})",
                "epochs": epochs, "n_train": n_train, "n_test": data["X_test"].shape[0], "seed": s}
               for b in batches for s in ctx.seeds]
    records = ctx.run_points(configs, train_point(ctx, data),
                             label=lambda c: f"B={c['batch_size']} lr={c['lr']:.3g} seed={c['seed']}")
    by_batch = group(records, lambda c: c["batch_size"])

    rows = []
    for b, recs in by_batch.items():
        res = [r["result"] for r in recs]
        sec_per_epoch = [sum(x["history"]["epoch_time"]) / len(x["history"]["epoch_time"])
                         for x in res if x["history"].get("epoch_time")]
        rows.append({
            "batch_size": b, "lr": recs[0]["config"]["lr"], "steps_per_epoch": math.ceil(n_train / b),
            "steps": math.ceil(n_train / b) * epochs,
            "diverged": sum(bool(x["diverged"]) for x in res), "runs": len(res),
            "train_loss": stat([final_metric(r, "train_loss") for r in recs]),
            "test_loss": stat([final_metric(r, "test_loss") for r in recs]),
            "test_accuracy": stat([final_metric(r, "test_accuracy") for r in recs]),
            "sec_per_epoch": stat(sec_per_epoch),
            "train_time": stat([x["train_time"] for x in res]),
        })
    figures = _plots(ctx, by_batch, rows)
    bar_row = next((r for r in rows if r["batch_size"] == BASE_BATCH), None)
    return {"rows": rows, "epochs": epochs, "n_train": n_train, "n_test": data["X_test"].shape[0],
            "base_lr": BASE_LR, "base_batch": BASE_BATCH, "lr_cap": LR_CAP, "momentum": MOMENTUM,
            "quality_bar": QUALITY_BAR,
            "bar_accuracy": None if bar_row is None else bar_row["test_accuracy"],
            "n_seeds": len(ctx.seeds), "figures": figures}


def _plots(ctx, by_batch, rows):
    xs = [r["batch_size"] for r in rows]
    # 1) final loss vs batch size, with diverged batch sizes marked
    fig, (ax_l, ax_t) = plots.figure(ncols=2, width=4.8, height=3.6)
    for key, label in (("train_loss", "train (final, inference mode)"), ("test_loss", "test (final)")):
        means = [r[key]["mean"] for r in rows]
        stds = [r[key]["std"] for r in rows]
        line, = ax_l.plot(xs, means, "o-", label=label)
        lo = [m - s for m, s in zip(means, stds)]
        hi = [m + s for m, s in zip(means, stds)]
        ax_l.fill_between(xs, lo, hi, color=line.get_color(), alpha=0.2)
    first_div = True
    for r in rows:
        if r["diverged"]:
            plots.mark_diverged(ax_l, r["batch_size"], 2.3, label="diverged" if first_div else None)
            first_div = False
    ax_l.set_xscale("log")
    ax_l.set_yscale("log")
    ax_l.set_xlabel("batch size (examples, log scale)")
    ax_l.set_ylabel("cross-entropy loss (nats, log scale)")
    ax_l.set_title("final loss after the same number of epochs")
    ax_l.legend(fontsize=8)
    # 2) seconds per epoch vs batch size
    means = [r["sec_per_epoch"]["mean"] for r in rows]
    stds = [r["sec_per_epoch"]["std"] for r in rows]
    ax_t.errorbar(xs, means, yerr=stds, fmt="o-", capsize=3)
    ax_t.set_xscale("log")
    ax_t.set_yscale("log")
    readable_log(ax_t.yaxis)
    ax_t.set_xlabel("batch size (examples, log scale)")
    ax_t.set_ylabel("training time per epoch (s, log scale)")
    ax_t.set_title("seconds per epoch (mean ± std over seeds)")
    plots.save(fig, ctx.path("loss_time_vs_batch.png"))

    # 3) test loss vs wall-clock training time
    fig, ax = plots.figure(width=6.4, height=4.2)
    cmap = plots.plt.get_cmap("viridis")
    for i, (b, recs) in enumerate(by_batch.items()):
        color = cmap(i / max(1, len(by_batch) - 1))
        hs = [r["result"]["history"] for r in recs]
        # mean over seeds of the per-epoch test loss, placed at the mean elapsed time
        t_mean, _ = plots.mean_spread([h.get("elapsed", []) for h in hs])
        plots.band(ax, list(t_mean), [h.get("test_loss", []) for h in hs], label=f"B = {b}", color=color,
                   marker=".")
        for r in recs:
            if r["result"]["diverged"]:
                h = r["result"]["history"]
                plots.mark_diverged(ax, h["elapsed"][-1] if h.get("elapsed") else 1e-2, 2.3, label=None)
    ax.set_xscale("log")
    ax.set_yscale("log")
    readable_log(ax.xaxis)
    readable_log(ax.yaxis)
    ax.set_xlabel("training time (s, cumulative, log scale)")
    ax.set_ylabel("test loss (nats, log scale)")
    ax.set_title("test loss vs wall-clock training time (one dot per epoch)")
    ax.legend(fontsize=7, ncol=2)
    plots.save(fig, ctx.path("loss_vs_time.png"))
    return ["loss_time_vs_batch.png", "loss_vs_time.png"]


def report(s):
    rows, n_seeds = s["rows"], s["n_seeds"]
    body = [f"Setup: MLP 784-128-10 (ReLU), SGD with momentum {s['momentum']}, {s['epochs']} epochs for every "
            f"batch size, {s['n_train']:,} training / {s['n_test']:,} test images, {n_seeds} seed(s). "
            f"Learning rate: square-root scaling from {s['base_lr']} at B = {s['base_batch']}, capped at "
            f"{s['lr_cap']}: lr(B) = min({s['base_lr']}·√(B/{s['base_batch']}), {s['lr_cap']}). "
            f"Loss = softmax cross-entropy; train loss evaluated after training, in inference mode.", ""]
    body.append(table(
        ["batch", "lr", "steps", "final train loss", "final test loss", "test accuracy", "s / epoch",
         "diverged"],
        [[f"{r['batch_size']:,}", f"{r['lr']:.4g}", f"{r['steps']:,}", fmt_stat(r["train_loss"]),
          fmt_stat(r["test_loss"]), fmt_stat(r["test_accuracy"], pct=True),
          fmt_stat(r["sec_per_epoch"], digits=3), f"{r['diverged']}/{r['runs']}"] for r in rows]))
    body.append("")
    ok = [r for r in rows if r["test_loss"]["n"] > 0]
    if ok:
        best = min(ok, key=lambda r: r["test_loss"]["mean"])
        worst = max(ok, key=lambda r: r["test_loss"]["mean"])
        second = min((r for r in ok if r is not best), key=lambda r: r["test_loss"]["mean"], default=None)
        body.append(
            f"**Loss.** With the same {s['epochs']} epochs, the lowest final test loss is at B = "
            f"{best['batch_size']:,} ({fmt_stat(best['test_loss'])}, {best['steps']:,} steps) and the highest at "
            f"B = {worst['batch_size']:,} ({fmt_stat(worst['test_loss'])}, {worst['steps']:,} steps)"
            + (f"; the runner-up is B = {second['batch_size']:,} ({fmt_stat(second['test_loss'])}) — "
               f"{spread_phrase(best['test_loss'], second['test_loss'], n_seeds)}." if second else ".")
        )
        small = [r for r in ok if r["batch_size"] < best["batch_size"]]
        large = [r for r in ok if r["batch_size"] >= best["batch_size"]]
        inc_large = all(a["test_loss"]["mean"] <= b["test_loss"]["mean"] for a, b in zip(large, large[1:]))
        text = (f"Above B = {best['batch_size']:,} the final test loss "
                + ("rises at every step up in batch size" if inc_large else "rises overall but not at every step")
                + " (fewer updates in the same epochs)")
        if small:
            worst_small = max(small, key=lambda r: r["test_loss"]["mean"])
            beyond = sum(1 for r in small if not within_spread(r["test_loss"], best["test_loss"]))
            text += (f"; the smaller batches are worse by at most "
                     f"{worst_small['test_loss']['mean'] - best['test_loss']['mean']:.4f} "
                     f"(B = {worst_small['batch_size']})"
                     + (f", {beyond} of {len(small)} beyond the seed spread" if n_seeds > 1 else ""))
        body.append(text + ".")
        tr_best = min(ok, key=lambda r: r["train_loss"]["mean"])
        body.append(f"The lowest final train loss is at B = {tr_best['batch_size']:,} "
                    f"({fmt_stat(tr_best['train_loss'])}); the train–test gap there is "
                    f"{tr_best['test_loss']['mean'] - tr_best['train_loss']['mean']:.4f}.")
    divs = [r for r in rows if r["diverged"]]
    body.append("No run diverged (NaN/inf) with this learning-rate rule." if not divs else
                "Diverged runs (recorded, marked on the plots): " +
                ", ".join(f"B = {r['batch_size']:,} ({r['diverged']}/{r['runs']}, lr {r['lr']:.3g})" for r in divs) + ".")
    # time
    t = [r for r in rows if r["sec_per_epoch"]["n"] > 0]
    if len(t) >= 2:
        fastest = min(t, key=lambda r: r["sec_per_epoch"]["mean"])
        slowest = max(t, key=lambda r: r["sec_per_epoch"]["mean"])
        mono = sum(1 for a, b in zip(t, t[1:]) if b["sec_per_epoch"]["mean"] < a["sec_per_epoch"]["mean"])
        body.append("")
        body.append(
            f"**Time.** Seconds per epoch fall from {fmt_stat(slowest['sec_per_epoch'], 3)} s at B = "
            f"{slowest['batch_size']:,} to {fmt_stat(fastest['sec_per_epoch'], 3)} s at B = "
            f"{fastest['batch_size']:,} ({slowest['sec_per_epoch']['mean'] / fastest['sec_per_epoch']['mean']:.1f}× "
            f"faster); the epoch time drops at {mono} of the {len(t) - 1} steps up in batch size. Small batches "
            f"pay a fixed per-step cost (Python, small matrix products) {slowest['steps_per_epoch']:,} times per epoch.")
        body.append("")
        body.append(
            "**Report A** claimed that \"training time generally increases with larger batch sizes\". "
            + (f"Our measurement disagrees: the time per epoch at the largest batch ({t[-1]['batch_size']:,}: "
               f"{t[-1]['sec_per_epoch']['mean']:.3g} s) is {t[0]['sec_per_epoch']['mean'] / t[-1]['sec_per_epoch']['mean']:.1f}× "
               f"shorter than at the smallest ({t[0]['batch_size']}: {t[0]['sec_per_epoch']['mean']:.3g} s)."
               if t[-1]["sec_per_epoch"]["mean"] < t[0]["sec_per_epoch"]["mean"] else
               f"Our measurement agrees: {t[-1]['sec_per_epoch']['mean']:.3g} s per epoch at B = "
               f"{t[-1]['batch_size']:,} vs {t[0]['sec_per_epoch']['mean']:.3g} s at B = {t[0]['batch_size']}.")
            + " Report A's \"both training and testing loss tend to decrease initially\" as batch size grows: "
            + (f"in our runs the test loss at B = {ok[1]['batch_size']} is "
               f"{'lower' if ok[1]['test_loss']['mean'] < ok[0]['test_loss']['mean'] else 'higher'} than at "
               f"B = {ok[0]['batch_size']} ({ok[1]['test_loss']['mean']:.4f} vs {ok[0]['test_loss']['mean']:.4f})"
               if len(ok) > 1 else "not enough batch sizes to tell")
            + (f"; beyond the best batch size (B = {best['batch_size']:,}) the test loss "
               f"{'rises' if worst['batch_size'] > best['batch_size'] else 'does not rise'}, so Report A's "
               f"\"degradation beyond a certain point\" "
               f"{'holds' if worst['batch_size'] > best['batch_size'] else 'does not hold'} here."))
    acc = s.get("bar_accuracy")
    body.append("")
    if acc and acc["n"]:
        met = acc["mean"] >= s["quality_bar"]
        verdict = (f"**{'met' if met else 'MISSED'}**" if s.get("mode") == "full" else
                   f"{'above' if met else 'below'} the bar, not assessed: this {s.get('mode')}-mode run "
                   f"trains on {s['n_train']:,} images and the bar applies to the full run")
        body.append(
            f"**Quality bar** (full mode: ≥ {100 * s['quality_bar']:.1f}% test accuracy at B = {s['base_batch']}): "
            f"ours {fmt_stat(acc, pct=True)} (worst seed {100 * min(v for v in acc['values'] if v is not None):.2f}%) — "
            f"{verdict}.")
    body += ["", figure(s, "loss_time_vs_batch.png", "final loss and seconds per epoch vs batch size"),
             "", figure(s, "loss_vs_time.png", "test loss vs training time per batch size")]
    return "\n".join(body)


if __name__ == "__main__":
    from .core.cli import main_single
    main_single(ID)
