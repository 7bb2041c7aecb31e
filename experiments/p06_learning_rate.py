"""p06 — loss and training time vs learning rate: SGD, SGD with momentum, Adam.

Question: how do the final loss and the time to reach a target loss depend on
the learning rate, for SGD and for Adam, and which rate should one use?

Method: MLP 784-128-10 (ReLU), batch 128, the same number of epochs for every
point; learning rates on a half-decade log grid 1e-4 … 1 for three optimizers:
plain SGD (no momentum), SGD with momentum 0.9 (PyTorch form) and Adam
(β = 0.9, 0.999).  Measured per epoch: test loss and training-only time.

Definitions (stated, not tuned per point):
* diverged — the training loss became NaN/inf (recorded by fit_point; the run
  stops, is kept and is marked with a red ×);
* stuck — finished but the final test loss is no better than guessing
  (≥ ln 10 ≈ 2.303 nats), marked with a ▲;
* time to target — training seconds until the first epoch whose test loss is
  ≤ TARGET (per mode, below); epoch resolution, so an upper bound;
* recommended rate — among rates where no seed diverged, the lowest mean final
  test loss; we also name the fastest rate to the target among those whose
  final test loss is within 10% of that best.

Limits: one net, one batch size, a fixed epoch budget without schedules; a
rate that needs more epochs to shine is judged at this budget.
"""
import math

import tinynet as tn

from .core import plots
from .core.axes import readable_log
from .core.report import figure, table
from .core.seedstats import final_metric, fmt_stat, group, spread_phrase, stat
from .core.training import fit_point, mlp

ID = "p06-learning-rate"
TITLE = "Learning rate: SGD vs Adam"
QUESTION = "How do loss and training time depend on the learning rate, for SGD and Adam?"
ESTIMATE = {"smoke": 2, "quick": 30, "full": 380}

ARCH = [784, 128, 10]
BATCH = 128
LRS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0]
OPTIMIZERS = {  # name -> (label, factory)
    "sgd": ("SGD (no momentum)", lambda lr: tn.optim.SGD(lr)),
    "sgd-momentum": ("SGD + momentum 0.9", lambda lr: tn.optim.SGD(lr, momentum=0.9)),
    "adam": ("Adam", lambda lr: tn.optim.Adam(lr)),
}
CHANCE = math.log(10)
WITHIN_BEST = 0.10  # "fastest within 10% of the best final test loss"


def train_point(ctx, data):
    def fn(config):
        model = tn.Sequential(mlp(config["arch"]), seed=config["seed"])
        opt = OPTIMIZERS[config["optimizer"]][1](config["lr"])
        return fit_point(model, data, tn.losses.SoftmaxCrossEntropy(), opt, config["epochs"],
                         config["batch_size"], verbose=ctx.fit_verbose)
    return fn


def time_to_target(result, target):
    """(seconds, epochs) until the first epoch with test loss <= target, or (None, None)."""
    h = result["history"]
    for i, (loss, t) in enumerate(zip(h.get("test_loss", []), h.get("elapsed", []))):
        if loss is not None and loss <= target:
            return t, i + 1
    return None, None


def run(ctx):
    data = ctx.data()
    epochs = ctx.pick(smoke=1, quick=8, full=10)
    target = ctx.pick(smoke=1.0, quick=0.25, full=0.10)
    lrs = ctx.pick(smoke=[1e-2, 1.0], quick=LRS, full=LRS)
    opts = ctx.pick(smoke=["sgd"], quick=list(OPTIMIZERS), full=list(OPTIMIZERS))
    configs = [{"arch": ARCH, "optimizer": o, "lr": lr, "batch_size": BATCH, "epochs": epochs,
                "n_train": data["X_train"].shape[0], "n_test": data["X_test"].shape[0], "seed": s}
               for o in opts for lr in lrs for s in ctx.seeds]
    records = ctx.run_points(configs, train_point(ctx, data),
                             label=lambda c: f"{c['optimizer']} lr={c['lr']:g} seed={c['seed']}")

    rows = []
    for (opt, lr), recs in group(records, lambda c: (c["optimizer"], c["lr"])).items():
        res = [r["result"] for r in recs]
        tt = [time_to_target(x, target) for x in res]
        test_losses = [final_metric(r, "test_loss") for r in recs]
        rows.append({
            "optimizer": opt, "lr": lr, "runs": len(res),
            "diverged": sum(bool(x["diverged"]) for x in res),
            "stuck": sum(1 for v in test_losses if v is not None and v >= CHANCE),
            "diverged_epochs": [x["diverged_at"]["epoch"] + 1 for x in res if x["diverged"]],
            "train_loss": stat([final_metric(r, "train_loss") for r in recs]),
            "test_loss": stat(test_losses),
            "test_accuracy": stat([final_metric(r, "test_accuracy") for r in recs]),
            "reached": sum(1 for t, _ in tt if t is not None),
            "time_to_target": stat([t for t, _ in tt]),
            "epochs_to_target": stat([e for _, e in tt]),
            "sec_per_epoch": stat([sum(x["history"]["epoch_time"]) / len(x["history"]["epoch_time"])
                                   for x in res if x["history"].get("epoch_time")]),
        })
    recs_by_opt = {}
    for opt in opts:
        mine = [r for r in rows if r["optimizer"] == opt]
        usable = [r for r in mine if r["diverged"] == 0 and r["test_loss"]["n"] > 0]
        if not usable:
            recs_by_opt[opt] = None
            continue
        best = min(usable, key=lambda r: r["test_loss"]["mean"])
        near = [r for r in usable if r["test_loss"]["mean"] <= (1 + WITHIN_BEST) * best["test_loss"]["mean"]
                and r["reached"] == r["runs"]]
        fastest = min(near, key=lambda r: r["time_to_target"]["mean"]) if near else None
        recs_by_opt[opt] = {"lr": best["lr"], "test_loss": best["test_loss"],
                            "fastest_lr": fastest["lr"] if fastest else None,
                            "fastest_time": fastest["time_to_target"] if fastest else None}
    figures = _plots(ctx, rows, opts, target)
    return {"rows": rows, "recommended": recs_by_opt, "epochs": epochs, "target": target,
            "batch_size": BATCH, "n_train": data["X_train"].shape[0], "n_test": data["X_test"].shape[0],
            "n_seeds": len(ctx.seeds), "optimizers": opts, "figures": figures}


def _plots(ctx, rows, opts, target):
    fig, (ax_l, ax_t) = plots.figure(ncols=2, width=4.9, height=3.8)
    colors = {"sgd": "tab:blue", "sgd-momentum": "tab:green", "adam": "tab:orange"}
    marked = set()
    for opt in opts:
        mine = [r for r in rows if r["optimizer"] == opt]
        label, color = OPTIMIZERS[opt][0], colors[opt]
        xs = [r["lr"] for r in mine]
        mean = [r["test_loss"]["mean"] for r in mine]
        std = [r["test_loss"]["std"] for r in mine]
        ax_l.plot(xs, mean, "o-", color=color, label=f"{label}: test")
        ax_l.fill_between(xs, [m - s for m, s in zip(mean, std)], [m + s for m, s in zip(mean, std)],
                          color=color, alpha=0.2)
        ax_l.plot(xs, [r["train_loss"]["mean"] for r in mine], ".:", color=color, lw=1)
        tt = [r["time_to_target"]["mean"] if r["reached"] else float("nan") for r in mine]
        ax_t.plot(xs, tt, "o-", color=color, label=label)
        for r in mine:
            if r["diverged"]:
                for ax, y in ((ax_l, 3.0), (ax_t, None)):
                    y = y if y is not None else _top(rows)
                    ax.scatter([r["lr"]], [y], marker="x", color="red", s=60, zorder=5,
                               label="diverged (NaN/inf)" if ("div", ax) not in marked else None)
                    marked.add(("div", ax))
            elif r["stuck"]:
                ax_l.scatter([r["lr"]], [r["test_loss"]["mean"]], marker="^", color="black", s=40, zorder=5,
                             label="stuck at chance" if "stuck" not in marked else None)
                marked.add("stuck")
            if not r["diverged"] and r["reached"] < r["runs"]:
                ax_t.scatter([r["lr"]], [_top(rows)], marker="v", facecolors="none", edgecolors=color, s=50,
                             zorder=5, label="target not reached" if "nr" not in marked else None)
                marked.add("nr")
    ax_l.axhline(CHANCE, color="gray", ls="--", lw=1, label="chance (ln 10)")
    for ax in (ax_l, ax_t):
        ax.set_xscale("log")
        ax.set_yscale("log")
        readable_log(ax.yaxis)
        ax.set_xlabel("learning rate (log scale)")
    ax_l.set_ylabel("final loss (nats, log scale)")
    ax_l.set_title("final test loss (solid, ±std) and train loss (dotted)")
    ax_t.set_ylabel(f"training time to test loss ≤ {target} (s, log scale)")
    ax_t.set_title("time to target (top row: diverged ×, not reached ▽)")
    ax_l.legend(fontsize=6.5)
    ax_t.legend(fontsize=6.5)
    plots.save(fig, ctx.path("loss_time_vs_lr.png"))
    return ["loss_time_vs_lr.png"]


def _top(rows):
    """A y position above every measured time-to-target (for the 'not reached' row)."""
    times = [r["time_to_target"]["mean"] for r in rows if r["reached"]]
    return 1.5 * max(times) if times else 1.0


def _lrs(rows):
    return ", ".join(f"{r['lr']:g}" for r in rows)


def _label(opt):
    return OPTIMIZERS[opt][0]


def report(s):
    rows, target, n_seeds = s["rows"], s["target"], s["n_seeds"]
    body = [f"Setup: MLP 784-128-10 (ReLU), batch {s['batch_size']}, {s['epochs']} epochs, "
            f"{s['n_train']:,} training / {s['n_test']:,} test images, {n_seeds} seed(s) per point. "
            f"Target for the time measurement: test loss ≤ {target} nats (first epoch end that reaches it; "
            f"training-only seconds). *Diverged* = NaN/inf loss; *stuck* = final test loss ≥ ln 10.", ""]
    body.append(table(
        ["optimizer", "lr", "final train loss", "final test loss", "test accuracy", f"s to ≤ {target}",
         "epochs to it", "reached", "diverged", "s / epoch"],
        [[_label(r["optimizer"]), f"{r['lr']:g}", fmt_stat(r["train_loss"]), fmt_stat(r["test_loss"]),
          fmt_stat(r["test_accuracy"], pct=True),
          fmt_stat(r["time_to_target"], 3) if r["reached"] else "never",
          fmt_stat(r["epochs_to_target"], 3) if r["reached"] else "—",
          f"{r['reached']}/{r['runs']}",
          (f"**{r['diverged']}/{r['runs']}** (epoch {', '.join(map(str, r['diverged_epochs']))})"
           if r["diverged"] else "0") + (" (stuck)" if r["stuck"] else ""),
          fmt_stat(r["sec_per_epoch"], 3)] for r in rows]))
    body.append("")
    rec = s["recommended"]
    lines = []
    for opt in s["optimizers"]:
        r = rec.get(opt)
        if r is None:
            lines.append(f"- {_label(opt)}: every rate diverged; no recommendation.")
            continue
        mine = [x for x in rows if x["optimizer"] == opt]
        best_row = next(x for x in mine if x["lr"] == r["lr"])
        ok = [x for x in mine if x["diverged"] == 0 and x["test_loss"]["n"]]
        others = sorted((x for x in ok if x is not best_row), key=lambda x: x["test_loss"]["mean"])
        runner = others[0] if others else None
        text = (f"- **{_label(opt)}: lr = {r['lr']:g}** — lowest final test loss among non-diverged rates, "
                f"{fmt_stat(r['test_loss'])} (accuracy {fmt_stat(best_row['test_accuracy'], pct=True)})")
        if runner:
            text += (f"; next best lr = {runner['lr']:g} ({fmt_stat(runner['test_loss'])}), "
                     f"{spread_phrase(best_row['test_loss'], runner['test_loss'], n_seeds)}")
        if r["fastest_lr"] is not None:
            text += (f". Fastest to ≤ {target} among rates within {WITHIN_BEST:.0%} of that loss: lr = "
                     f"{r['fastest_lr']:g} ({fmt_stat(r['fastest_time'], 3)} s)")
        div = [x for x in mine if x["diverged"]]
        stuck = [x for x in mine if x["stuck"] and not x["diverged"]]
        if div:
            text += f". Diverged (some seed) at lr = {_lrs(div)}"
        if stuck:
            text += f"; stuck at chance at lr = {_lrs(stuck)}"
        lines.append(text + ".")
    body.append("**Recommended learning rates** (computed from the table):")
    body += lines
    body.append("")
    body += _compare_report_a(s)
    body += ["", figure(s, "loss_time_vs_lr.png", "final loss and time to target vs learning rate")]
    return "\n".join(body)


def _compare_report_a(s):
    rows, rec, target = s["rows"], s["recommended"], s["target"]
    out = ["**Against Report A:**", ""]
    # 1) an optimal rate with worse loss on both sides
    for opt in s["optimizers"]:
        mine = [r for r in rows if r["optimizer"] == opt]
        r = rec.get(opt)
        if r is None or not mine:
            continue
        interior = mine[0]["lr"] < r["lr"] < mine[-1]["lr"]
        out.append(f"- \"There is an optimal learning rate … beyond which the loss increases\": {_label(opt)}'s best "
                   f"rate {r['lr']:g} is {'inside' if interior else 'at the edge of'} the grid "
                   f"{'(worse on both sides: agrees)' if interior else '(the grid does not show an optimum: cannot confirm)'}.")
    # 2) Adam lower loss than SGD, especially at high rates
    if "adam" in rec and rec.get("adam") and any(rec.get(o) for o in ("sgd", "sgd-momentum")):
        a = rec["adam"]
        for o in ("sgd", "sgd-momentum"):
            b = rec.get(o)
            if not b:
                continue
            best_a, best_b = a["test_loss"], b["test_loss"]
            winner = "Adam" if best_a["mean"] < best_b["mean"] else _label(o)
            out.append(f"- \"Adam … achieves lower loss compared to SGD\": at each one's best rate, Adam "
                       f"{fmt_stat(best_a)} vs {_label(o)} {fmt_stat(best_b)} → {winner} is lower "
                       f"({spread_phrase(best_a, best_b, s['n_seeds'])}).")
        high = [lr for lr in sorted({r["lr"] for r in rows}) if lr >= 0.1]
        if high:
            def at(opt, lr):
                return next((r for r in rows if r["optimizer"] == opt and r["lr"] == lr), None)
            parts = []
            for lr in high:
                ra, rs = at("adam", lr), at("sgd", lr)
                if ra is None or rs is None:
                    continue
                fa = "diverged" if ra["diverged"] else f"{ra['test_loss']['mean']:.3g}"
                fs = "diverged" if rs["diverged"] else f"{rs['test_loss']['mean']:.3g}"
                parts.append(f"lr {lr:g}: Adam {fa}, SGD {fs}")
            adam_better_high = sum(
                1 for lr in high
                if (at("adam", lr) and at("sgd", lr) and not at("adam", lr)["diverged"]
                    and (at("sgd", lr)["diverged"] or at("adam", lr)["test_loss"]["mean"] < at("sgd", lr)["test_loss"]["mean"])))
            out.append("- \"… especially at higher learning rates\": final test loss at lr ≥ 0.1 — "
                       + "; ".join(parts) + f". Adam is better at {adam_better_high} of {len(high)} of these rates"
                       + (" (disagrees: at high rates Adam is the one that breaks down)." if adam_better_high < len(high) / 2
                          else " (agrees)."))
    # 3) training time vs learning rate
    spe = [r["sec_per_epoch"]["mean"] for r in rows if r["sec_per_epoch"]["n"]]
    lrs = sorted({r["lr"] for r in rows})
    split = lrs[max(0, len(lrs) // 2 - 1)]
    lo_half = [r["sec_per_epoch"]["mean"] for r in rows if r["lr"] <= split and r["sec_per_epoch"]["n"]]
    hi_half = [r["sec_per_epoch"]["mean"] for r in rows if r["lr"] > split and r["sec_per_epoch"]["n"]]
    if lo_half and hi_half:
        ratio = (sum(hi_half) / len(hi_half)) / (sum(lo_half) / len(lo_half)) if lo_half and hi_half else float("nan")
        out.append(f"- \"Training time generally increases with larger learning rates\": the time per epoch "
                   f"averages {sum(hi_half) / max(1, len(hi_half)):.3g} s at the larger half of the rates vs "
                   f"{sum(lo_half) / max(1, len(lo_half)):.3g} s at the smaller half (ratio {ratio:.2f}; all points "
                   f"range {min(spe):.3g}–{max(spe):.3g} s, shared-machine noise included), so per epoch the rate "
                   f"{'makes no material difference (within ±25%)' if 0.8 <= ratio <= 1.25 else 'does change the cost'}"
                   f". Time to reach test loss ≤ {target} —")
        ups = downs = 0
        for opt in s["optimizers"]:
            mine = [r for r in rows if r["optimizer"] == opt]
            reached = [r for r in mine if r["runs"] and r["reached"] == r["runs"]]
            if not reached:
                out[-1] += f" {_label(opt)}: never reached;"
                continue
            # epochs to target is free of timing noise; seconds follow it (constant cost per epoch)
            ep = [r["epochs_to_target"]["mean"] for r in reached]
            ups += sum(1 for a, b in zip(ep, ep[1:]) if b > a)
            downs += sum(1 for a, b in zip(ep, ep[1:]) if b < a)
            fastest = min(reached, key=lambda r: (r["epochs_to_target"]["mean"], r["time_to_target"]["mean"]))
            above = [r for r in mine if r["lr"] > reached[-1]["lr"]]
            out[-1] += (f" {_label(opt)}: {ep[0]:.3g} epoch(s) ({reached[0]['time_to_target']['mean']:.3g} s) at "
                        f"lr {reached[0]['lr']:g} → {fastest['epochs_to_target']['mean']:.3g} epoch(s) "
                        f"({fastest['time_to_target']['mean']:.3g} s) at lr {fastest['lr']:g}"
                        + (f" → {ep[-1]:.3g} epoch(s) at lr {reached[-1]['lr']:g}" if reached[-1] is not fastest else "")
                        + (f", not reached above lr {reached[-1]['lr']:g}" if above else "") + ";")
        out[-1] = out[-1].rstrip(";") + (f". Between neighbouring rates that reach the target, the epochs needed fall {downs} times and "
                    f"rise {ups} times: "
                    + ("larger rates are faster until they no longer reach the target, so the claim is "
                       "contradicted." if downs > ups else
                       "the claim holds in this range." if ups > downs else "no clear trend."))
    # 4) Adam needs less training time than SGD
    ta = [(o, rec[o]) for o in s["optimizers"] if rec.get(o) and rec[o]["fastest_time"]]
    if len(ta) >= 2:
        best = min(ta, key=lambda x: x[1]["fastest_time"]["mean"])
        out.append("- \"Adam typically requires less training time than SGD\": fastest time to the target "
                   "(among rates within 10% of each one's best loss): "
                   + ", ".join(f"{_label(o)} {fmt_stat(r['fastest_time'], 3)} s (lr {r['fastest_lr']:g})" for o, r in ta)
                   + f" → {_label(best[0])} is fastest"
                   + (" (agrees" if best[0] == "adam" else " (disagrees")
                   + (f"; {spread_phrase(best[1]['fastest_time'], rec['adam']['fastest_time'], s['n_seeds'], 'margin over Adam')})."
                      if best[0] != "adam" and rec.get("adam") and rec["adam"]["fastest_time"] else ")."))
    return out


if __name__ == "__main__":
    from .core.cli import main_single
    main_single(ID)
