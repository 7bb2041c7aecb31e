"""p03 — depth vs width at a fixed parameter budget P.

Question: at a fixed number of parameters P, how do train and test loss move
with the number of hidden layers k (the width m shrinking as k grows)?  Where is
the sweet spot, and does it move with weight decay or batch normalization?

Method: for each budget P and k = 1 … 6, the width m from p02's solver (count
within a few % of P; the built counts are in the table).  Every net is trained
the same way: Adam (lr 1e-3), batch 128, a fixed number of epochs, softmax
cross-entropy; final train loss is evaluated after training (inference mode).
Sweet spot = the k with the lowest mean final test loss over seeds.

Bonus, same budgets and depths:
* weight decay — decoupled, on the optimizer (``Adam(weight_decay=0.1)``, i.e.
  AdamW: p ← p·(1 − lr·wd) each step), not a loss penalty;
* batch normalization — ``BatchNorm`` after every hidden Dense, before ReLU
  (it adds 2m parameters per hidden layer, ≤ 1.2% of P here; the widths are
  kept).
The bonus runs on fewer seeds in full mode (``BONUS_SEEDS``) to fit the time
budget; the report says how many.

Limits: one optimizer / learning rate for every shape (deep narrow nets might
prefer another), a fixed epoch budget, no schedule; "train loss" is the final
loss on the whole training set, not the running mean during the last epoch.
"""
import math

import tinynet as tn

from .core import plots
from .core.report import figure, table
from .core.seedstats import final_metric, fmt_stat, group, spread_phrase, stat, within_spread
from .core.training import fit_point, mlp
from .p02_depth_range import best_width

ID = "p03-depth-vs-width"
TITLE = "Depth vs width at a fixed parameter budget"
QUESTION = "At a fixed parameter budget P, how do train and test loss move with the depth k?"
ESTIMATE = {"smoke": 2, "quick": 50, "full": 720}

BUDGETS = [10_000, 50_000, 200_000]
DEPTHS = [1, 2, 3, 4, 5, 6]
LR, BATCH, WEIGHT_DECAY = 1e-3, 128, 0.1
BONUS_SEEDS = 2  # full mode: the bonus variants use the first 2 seeds
VARIANTS = {
    "plain": "plain (Adam)",
    "weight-decay": f"decoupled weight decay {WEIGHT_DECAY}",
    "batchnorm": "BatchNorm before each ReLU",
}


def train_point(ctx, data):
    def fn(c):
        layers = mlp([784] + [c["width"]] * c["depth"] + [10], batchnorm=c["batchnorm"])
        model = tn.Sequential(layers, seed=c["seed"])
        opt = tn.optim.Adam(c["lr"], weight_decay=c["weight_decay"])
        return fit_point(model, data, tn.losses.SoftmaxCrossEntropy(), opt, c["epochs"], c["batch_size"],
                         verbose=ctx.fit_verbose)
    return fn


def run(ctx):
    data = ctx.data()
    budgets = ctx.pick(smoke=[10_000], quick=BUDGETS, full=BUDGETS)
    depths = ctx.pick(smoke=[1, 2], quick=DEPTHS, full=DEPTHS)
    variants = ctx.pick(smoke=["plain"], quick=list(VARIANTS), full=list(VARIANTS))
    epochs = ctx.pick(smoke=1, quick=5, full=10)
    bonus_seeds = ctx.seeds if ctx.mode != "full" else ctx.seeds[:BONUS_SEEDS]
    configs = []
    for variant in variants:
        for P in budgets:
            for k in depths:
                for s in (ctx.seeds if variant == "plain" else bonus_seeds):
                    configs.append({
                        "variant": variant, "budget": P, "depth": k, "width": best_width(k, P),
                        "batchnorm": variant == "batchnorm",
                        "weight_decay": WEIGHT_DECAY if variant == "weight-decay" else 0.0,
                        "optimizer": "adam", "lr": LR, "batch_size": BATCH, "epochs": epochs,
                        "n_train": data["X_train"].shape[0], "n_test": data["X_test"].shape[0], "seed": s})
    records = ctx.run_points(configs, train_point(ctx, data),
                             label=lambda c: f"{c['variant']} P={c['budget']} k={c['depth']} m={c['width']} seed={c['seed']}")

    rows = []
    for (variant, P, k), recs in group(records, lambda c: (c["variant"], c["budget"], c["depth"])).items():
        rows.append({
            "variant": variant, "budget": P, "depth": k, "width": recs[0]["config"]["width"],
            "params": recs[0]["result"]["params"], "seeds": len(recs),
            "diverged": sum(bool(r["result"]["diverged"]) for r in recs),
            "train_loss": stat([final_metric(r, "train_loss") for r in recs]),
            "test_loss": stat([final_metric(r, "test_loss") for r in recs]),
            "train_accuracy": stat([final_metric(r, "train_accuracy") for r in recs]),
            "test_accuracy": stat([final_metric(r, "test_accuracy") for r in recs]),
            "train_time": stat([r["result"]["train_time"] for r in recs]),
        })
    sweet = {}
    for variant in variants:
        for P in budgets:
            mine = [r for r in rows if r["variant"] == variant and r["budget"] == P and r["test_loss"]["n"]]
            if not mine:
                continue
            ordered = sorted(mine, key=lambda r: r["test_loss"]["mean"])
            best = ordered[0]
            sweet[f"{variant}|{P}"] = {
                "variant": variant, "budget": P, "k": best["depth"], "width": best["width"],
                "test_loss": best["test_loss"], "test_accuracy": best["test_accuracy"],
                "runner_up": None if len(ordered) < 2 else {"k": ordered[1]["depth"],
                                                            "test_loss": ordered[1]["test_loss"]},
                # depths whose test loss is within the seed spread of the best one
                "tied": [r["depth"] for r in ordered[1:]
                         if abs(r["test_loss"]["mean"] - best["test_loss"]["mean"])
                         <= r["test_loss"]["std"] + best["test_loss"]["std"]],
            }
    figures = _plots(ctx, rows, budgets, variants)
    return {"rows": rows, "sweet_spots": sweet, "budgets": budgets, "depths": depths, "variants": variants,
            "epochs": epochs, "lr": LR, "batch_size": BATCH, "weight_decay": WEIGHT_DECAY,
            "n_seeds": len(ctx.seeds), "bonus_seeds": len(bonus_seeds),
            "n_train": data["X_train"].shape[0], "n_test": data["X_test"].shape[0], "figures": figures}


def _series(rows, variant, P, key):
    """Depths, means, stds (NaN where every seed diverged) and rows of one curve."""
    mine = sorted((r for r in rows if r["variant"] == variant and r["budget"] == P), key=lambda r: r["depth"])
    nan = float("nan")
    return ([r["depth"] for r in mine], [nan if r[key]["mean"] is None else r[key]["mean"] for r in mine],
            [nan if r[key]["std"] is None else r[key]["std"] for r in mine], mine)


def _plots(ctx, rows, budgets, variants):
    figures = []
    colors = plots.plt.get_cmap("tab10")
    fig, (ax_l, ax_a) = plots.figure(ncols=2, width=4.8, height=3.7)
    for i, P in enumerate(budgets):
        c = colors(i)
        ks, mean, std, mine = _series(rows, "plain", P, "test_loss")
        ax_l.errorbar(ks, mean, yerr=std, fmt="o-", color=c, capsize=3, label=f"P = {P:,}: test")
        ks2, tmean, _, _ = _series(rows, "plain", P, "train_loss")
        ax_l.plot(ks2, tmean, "s--", color=c, ms=3, lw=1, label=f"P = {P:,}: train")
        ks3, amean, astd, _ = _series(rows, "plain", P, "test_accuracy")
        ax_a.errorbar(ks3, [100 * a for a in amean], yerr=[100 * s for s in astd], fmt="o-", color=c, capsize=3,
                      label=f"P = {P:,}")
        for r in mine:
            if r["diverged"]:
                plots.mark_diverged(ax_l, r["depth"], 2.3, label=None)
    ax_l.set_yscale("log")
    ax_l.set_xlabel("hidden layers k (width m from p02)")
    ax_l.set_ylabel("final loss (nats, log scale)")
    ax_l.set_title("train (dashed) and test loss vs depth")
    ax_l.legend(fontsize=6.5, ncol=2)
    ax_a.set_xlabel("hidden layers k (width m from p02)")
    ax_a.set_ylabel("test accuracy (%)")
    ax_a.set_title("test accuracy vs depth (mean ± std)")
    ax_a.legend(fontsize=7)
    plots.save(fig, ctx.path("loss_vs_depth.png"))
    figures.append("loss_vs_depth.png")

    if len(variants) > 1:
        fig, axes = plots.figure(ncols=len(budgets), width=3.4, height=3.3)
        axes = list(axes) if len(budgets) > 1 else [axes]
        styles = {"plain": ("o-", "black"), "weight-decay": ("s-", "tab:purple"), "batchnorm": ("^-", "tab:red")}
        for ax, P in zip(axes, budgets):
            for v in variants:
                ks, mean, std, _ = _series(rows, v, P, "test_loss")
                fmt_, color = styles[v]
                ax.errorbar(ks, mean, yerr=std, fmt=fmt_, color=color, capsize=2, ms=4, label=VARIANTS[v])
            ax.set_title(f"P = {P:,}")
            ax.set_xlabel("hidden layers k")
            ax.set_ylabel("final test loss (nats)")
        axes[0].legend(fontsize=6.5)
        plots.save(fig, ctx.path("bonus_regularization.png"))
        figures.append("bonus_regularization.png")
    return figures


def report(s):
    rows, sweet, n_seeds = s["rows"], s["sweet_spots"], s["n_seeds"]
    body = [f"Setup: budgets P = {', '.join(f'{P:,}' for P in s['budgets'])}; k = {s['depths'][0]} … "
            f"{s['depths'][-1]} hidden layers of the width m from p02; every net trained with Adam "
            f"(lr {s['lr']}), batch {s['batch_size']}, {s['epochs']} epochs, on {s['n_train']:,} training / "
            f"{s['n_test']:,} test images; {n_seeds} seed(s) for the plain runs"
            + (f", {s['bonus_seeds']} for the bonus variants" if len(s["variants"]) > 1 else "")
            + ". Sweet spot = lowest mean final test loss.", ""]
    body.append(table(
        ["variant", "P", "k", "m", "params", "final train loss", "final test loss", "test accuracy", "train s"],
        [[r["variant"], f"{r['budget']:,}", r["depth"], r["width"], f"{r['params']:,}", fmt_stat(r["train_loss"]),
          fmt_stat(r["test_loss"]) + (f" ({r['diverged']} diverged)" if r["diverged"] else ""),
          fmt_stat(r["test_accuracy"], pct=True), fmt_stat(r["train_time"], 3)]
         for r in rows if r["variant"] == "plain"]))
    body.append("")
    body.append("**Sweet spots** (plain training):")
    for P in s["budgets"]:
        sp = sweet.get(f"plain|{P}")
        if not sp:
            continue
        ru = sp["runner_up"]
        line = (f"- P = {P:,}: best k = {sp['k']} (m = {sp['width']}), test loss {fmt_stat(sp['test_loss'])}, "
                f"accuracy {fmt_stat(sp['test_accuracy'], pct=True)}")
        if ru:
            line += (f"; runner-up k = {ru['k']} ({fmt_stat(ru['test_loss'])}): "
                     f"{spread_phrase(sp['test_loss'], ru['test_loss'], n_seeds)}")
        if sp["tied"] and n_seeds > 1:
            line += f". Depths within the seed spread of the best: k = {', '.join(map(str, sp['tied']))}"
        body.append(line + ".")
    body.append("")
    body += _trends(s)
    if len(s["variants"]) > 1:
        body.append("")
        body += _bonus(s)
    body += ["", figure(s, "loss_vs_depth.png", "train/test loss and test accuracy vs depth, one curve per budget")]
    if "bonus_regularization.png" in s.get("figures", []):
        body += ["", figure(s, "bonus_regularization.png", "test loss vs depth: plain, weight decay, BatchNorm")]
    return "\n".join(body)


def _trends(s):
    rows, out = s["rows"], ["**Against Report A** (\"as k increases, the train loss tends to decrease … beyond a "
                            "point the test loss increases\"; \"the sweet spot depends on P\"):", ""]
    for P in s["budgets"]:
        ks, tr, _, _ = _series(rows, "plain", P, "train_loss")
        _, te, _, _ = _series(rows, "plain", P, "test_loss")
        keep = [i for i in range(len(ks)) if math.isfinite(tr[i]) and math.isfinite(te[i])]
        ks, tr, te = [ks[i] for i in keep], [tr[i] for i in keep], [te[i] for i in keep]
        if len(ks) < 2:
            continue
        downs = sum(1 for a, b in zip(tr, tr[1:]) if b < a)
        best_tr = ks[min(range(len(tr)), key=lambda i: tr[i])]
        best_te = ks[min(range(len(te)), key=lambda i: te[i])]
        agrees = "agrees" if downs > (len(ks) - 1) / 2 else "disagrees"
        out.append(f"- P = {P:,}: train loss falls at {downs} of {len(ks) - 1} steps k → k+1 ({agrees} with "
                   f"\"train loss decreases with k\"; "
                   f"k = {ks[0]}: {tr[0]:.4g}, k = {ks[-1]}: {tr[-1]:.4g}; lowest at k = {best_tr}); "
                   f"test loss lowest at k = {best_te} and "
                   + (f"higher again by k = {ks[-1]} ({te[-1]:.4g} vs {min(te):.4g})"
                      if best_te < ks[-1] else "still lowest at the deepest net tried") + ".")
    spots = [s["sweet_spots"].get(f"plain|{P}", {}).get("k") for P in s["budgets"]]
    if len(spots) < 2:
        pass
    elif len(set(spots)) > 1:
        sps = [s["sweet_spots"].get(f"plain|{P}") for P in s["budgets"]]
        # a move is real if some budget's best k is outside another budget's set of tied-best depths
        robust = any(a["k"] not in [b["k"]] + b["tied"] for a in sps for b in sps if a and b)
        out.append(f"- The sweet spot moves with P: k = {', '.join(f'{k} (P = {P:,})' for k, P in zip(spots, s['budgets']))}"
                   + ("" if s["n_seeds"] < 2 else
                      " — beyond the seed spread (some budget's best k is not tied with another's)." if robust else
                      " — but every budget's best k is within the seed spread of the others' best, so the move "
                      "is not established.") + ("" if s["n_seeds"] > 1 else " (single seed)."))
    else:
        out.append(f"- The sweet spot does not move with P: k = {spots[0]} for every budget.")
    return out


def _bonus(s):
    sweet, out = s["sweet_spots"], [
        f"**Bonus — does the sweet spot move with regularization?** (weight decay: decoupled, "
        f"`Adam(weight_decay={s['weight_decay']})`; BatchNorm: after every hidden Dense; "
        f"{s['bonus_seeds']} seed(s) each)", ""]
    header = ["P"] + [f"best k: {v}" for v in s["variants"]] + [f"best test loss: {v}" for v in s["variants"]]
    trs = []
    moved = []
    for P in s["budgets"]:
        spots = [sweet.get(f"{v}|{P}") for v in s["variants"]]
        trs.append([f"{P:,}"] + [sp["k"] if sp else "—" for sp in spots]
                   + [fmt_stat(sp["test_loss"]) if sp else "—" for sp in spots])
        plain = sweet.get(f"plain|{P}")
        for v, sp in zip(s["variants"], spots):
            if v == "plain" or not sp or not plain:
                continue
            # is the plain sweet spot's depth still within the seed spread of the variant's best?
            still_tied = plain["k"] == sp["k"] or plain["k"] in sp["tied"]
            moved.append((P, v, plain["k"], sp["k"], still_tied,
                          sp["test_loss"]["mean"] - plain["test_loss"]["mean"],
                          within_spread(sp["test_loss"], plain["test_loss"])))
    out.append(table(header, trs))
    out.append("")
    # every variant's test loss per depth, for the curious reader
    ks = s["depths"]
    out.append(table(["variant", "P"] + [f"k = {k}" for k in ks],
                     [[v, f"{P:,}"] + [fmt_stat(r["test_loss"]) if r else "—"
                                       for r in (next((x for x in s["rows"] if x["variant"] == v
                                                       and x["budget"] == P and x["depth"] == k), None)
                                                 for k in ks)]
                      for P in s["budgets"] for v in s["variants"]]))
    out.append("")
    for P, v, k0, k1, tied, delta, same in moved:
        if k0 == k1:
            verdict = f"stays at k = {k0}"
        elif tied:
            verdict = f"moves from k = {k0} to k = {k1}, but k = {k0} is within the seed spread of the new best"
        else:
            verdict = f"moves from k = {k0} to k = {k1}"
        out.append(f"- P = {P:,}, {VARIANTS[v]}: the sweet spot {verdict}; the best test loss is "
                   f"{'lower' if delta < 0 else 'higher'} than plain by {abs(delta):.4f}"
                   + ("" if s["bonus_seeds"] < 2 else " (within the seed spread)" if same else " (beyond the seed spread)")
                   + ".")
    n_moved = sum(1 for m in moved if m[2] != m[3] and not m[4])
    spread_note = ("beyond the seed spread" if s["bonus_seeds"] > 1 and s["n_seeds"] > 1 else
                   "(single seed: the seed spread is unknown, so any move may be noise)")
    out.append(f"In {n_moved} of {len(moved)} (budget, variant) pairs the sweet spot moves {spread_note}. "
               f"Report A expected regularization to \"improve generalization\": the best test loss is lower with "
               f"the regularizer in {sum(1 for m in moved if m[5] < 0)} of {len(moved)} pairs"
               + ("" if s["bonus_seeds"] < 2 else
                  f" ({sum(1 for m in moved if m[5] < 0 and not m[6])} of them beyond the seed spread)") + ".")
    return out


if __name__ == "__main__":
    from .core.cli import main_single
    main_single(ID)
