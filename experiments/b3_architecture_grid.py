"""b3 — grid search over MLP architectures of depth ≤ 3 and first-layer width ≤ 512.

Question (Report B): which MLP with depth 1–3 and width ≤ 512 is best on
MNIST, and how do width, depth and the number of weights affect train and test
accuracy?  Report B found 784-512-384-10 best.

Method: first-layer width w ∈ {128, 256, 512}, depth d ∈ {1, 2, 3}, each later
layer ¾ of the one before (Report B's rule; it wrote "254" where 256 was meant:
256-192-144 here), plus the three depth-3 nets shrinking by ½ (Report B's first
choice, 128-64-32 / 256-128-64 / 512-256-128) for its "¾ beats ½" claim.  ReLU,
softmax cross-entropy, SGD with momentum 0.9 and a cosine decay of the
learning rate to 0 over a fixed budget of epochs, batch 128.

Equal tuning: every architecture trains at each learning rate of the same
grid (LRS) on the tuning seeds; ``tuning.choose_on_validation`` picks, per
architecture, the rate with the best mean validation accuracy (a validation
split carved from the training images; never the test set).  Each
architecture then runs all seeds at its own rate (the tuning seeds' runs are
reused).  The winner is the architecture with the best mean validation
accuracy among Report B's nine; the test set only reports.

Runtime: answered ONLY by the dedicated serial timing pass
(``ctx.run_timing``: one training epoch on a fixed slice of images, warm-up
discarded, repeats interleaved round-robin, median and IQR); a runtime
difference counts only when the round-paired t-test of log time ratios
(``timing.paired_log_ratio``) says so AND every pair's difference of medians
exceeds the IQR of repeated identical runs.

Tests (experiments/core/stats.py; verdicts by Holm over this problem's claims
in ``claims``): arms share seeds (same seed = same data order), so
comparisons are paired t-tests over seeds; "no effect of width at depth 1" is a
paired TOST with a ±0.5-point margin; "about 90%" / "by ~1%" are one-sample
TOSTs; the gap-vs-size trend is Spearman's ρ with its p-value.  Statistical
learning theory, computed: parameters P against the n training images, the
VC-dimension scale of ReLU nets (Θ(P·L·log P), Bartlett et al. 2019), and a
Hoeffding bound for selecting among the (architecture, lr) candidates on the
validation split — compared with the spread it has to resolve.

Training and the timing pass run with one BLAS thread unless ``--threads N``
is given (``helpers.small_net_threads``): on the busy 2-core machine two BLAS
threads per process made an epoch of 784-512-384-288 about 5× slower.

Limits: a fixed epoch budget (Report B trained 200 epochs; ours is far
shorter, with a decaying learning rate); a three-value lr grid tuned on the
first seeds (their validation scores are slightly optimistic); no dropout or
weight decay; "best" is best of these nine.
"""
import math

import tinynet as tn

from .core import claims, plots, stats, timing, tuning
from .core.helpers import bar_verdict, epochs_to_fraction, max_drawdown, save_small, small_net_threads
from .core.report import figure, table
from .core.training import fit_point, mlp, unstable

ID = "b3-architecture-grid"
TITLE = "Architecture grid: depth 1–3 × width 128/256/512"
QUESTION = ("Which MLP of depth ≤ 3 and width ≤ 512 is best on MNIST (≥ 9 architectures), and how do width, "
            "depth and the number of weights affect train and test accuracy?")
# quick: 28 s measured on the busy 2-core machine (load ≈ 7; ≈ 18 s at load ≈ 4.5).
# full: one sweep of the 12 nets at one lr and seed costs ≈ 13 s per epoch (per-point times of the last full run,
# ½-shrink nets estimated from their size), × 1.2 for one BLAS thread (CPU time of a single-threaded
# 784-512-384-288 epoch measured here: ≈ 3.4 s vs 2.8 s wall before), so ≈ 161 s per sweep at 10 epochs with the
# final evaluations; 6 tuning sweeps (3 lrs × 2 seeds) + 3 more seeds at the chosen lr = 9 sweeps ≈ 1450 s,
# + the timing pass (9 nets × 6 rounds × ≈ 0.25 s) ≈ 1465 s.
ESTIMATE = {"smoke": 4, "quick": 25, "full": 1500}

WIDTHS = [128, 256, 512]
DEPTHS = [1, 2, 3]
SHRINK, HALF = 0.75, 0.5
LRS = [0.03, 0.1, 0.3]          # the same learning-rate grid for every architecture
MOMENTUM, BATCH = 0.9, 128
QUALITY_BAR = 0.98
REPORT_B_BEST = [512, 384]
NO_EFFECT_MARGIN = 0.005        # "width did not affect accuracy": within ±0.5 points
ABOUT_90_MARGIN = 0.02          # "~90%": 88–92%
ONE_POINT_MARGIN = 0.005        # "by ~1%": 0.5–1.5 points
CONVERGED = 0.95                # share of its own validation improvement a run has made when "converged"
DELTA = 0.05                    # confidence of the Hoeffding bound: 95%


def hidden_sizes(width, depth, shrink=SHRINK):
    """[w, s·w, s²·w, ...] rounded to integers (128 -> 96 -> 72, 512 -> 384 -> 288; ½: 512 -> 256 -> 128)."""
    return [int(round(width * shrink ** i)) for i in range(depth)]


def _name(hidden):
    return "-".join(str(h) for h in hidden)


def train_point(ctx, config):
    """One architecture × learning rate × seed: val accuracy per epoch, train/val/test at the end."""
    data = ctx.data(validation=config["n_val"], n_train=config["n_data"], n_test=config["n_test"])
    model = tn.Sequential(mlp([784, *config["hidden"], 10]), seed=config["seed"])
    opt = tn.optim.SGD(lr=tn.schedules.CosineDecay(config["lr"], config["epochs"]), momentum=config["momentum"])
    loss = tn.losses.SoftmaxCrossEntropy()
    with small_net_threads(ctx):
        result = fit_point(model, data, loss, opt, epochs=config["epochs"], batch_size=config["batch_size"],
                           eval_sets=("val",), verbose=ctx.fit_verbose)
        if not result["diverged"]:  # the test set once, at the end (never used to choose anything)
            result["final"].update({f"test_{k}": v for k, v in
                                    model.evaluate(data["X_test"], data["y_test"], loss=loss).items()})
    return result


def epoch_seconds(ctx, config):
    """The timing pass's unit: one SGD epoch of a fresh model on the first ``n_time`` training images."""
    data = ctx.data(validation=config["n_val"], n_train=config["n_data"], n_test=config["n_test"])
    X, y = data["X_train"][:config["n_time"]], data["y_train"][:config["n_time"]]
    model = tn.Sequential(mlp([784, *config["hidden"], 10]), seed=0)
    with small_net_threads(ctx):  # as in the training points
        h = model.fit(X, y, tn.losses.SoftmaxCrossEntropy(), tn.optim.SGD(lr=0.01, momentum=MOMENTUM), epochs=1,
                      batch_size=BATCH, verbose=0)
    return sum(h.history["epoch_time"])


def _archs(mode):
    """(width, depth, shrink) of every architecture trained."""
    if mode == "smoke":
        return [(128, 1, SHRINK), (128, 2, SHRINK)]
    return [(w, d, SHRINK) for d in DEPTHS for w in WIDTHS] + [(w, 3, HALF) for w in WIDTHS]


def run(ctx):
    n_val = ctx.pick(smoke=100, quick=500, full=5000)
    n_data = ctx.pick(smoke=None, quick=2000, full=None)     # images before the validation split (None: the mode's)
    n_test = ctx.pick(smoke=None, quick=1000, full=None)
    data = ctx.data(validation=n_val, n_train=n_data, n_test=n_test)
    n_train = len(data["y_train"])
    epochs = ctx.pick(smoke=2, quick=3, full=10)
    lrs = ctx.pick(smoke=[0.03, 0.1], quick=LRS, full=LRS)
    tuning_seeds = ctx.seeds[:ctx.pick(smoke=1, quick=1, full=2)]
    base = {"activation": "relu", "optimizer": "sgd", "momentum": MOMENTUM, "schedule": "cosine",
            "batch_size": BATCH, "epochs": epochs, "n_val": n_val, "n_data": n_data, "n_test": n_test}
    cfg = lambda w, d, sh, lr, s: {**base, "hidden": hidden_sizes(w, d, sh), "width": w, "depth": d, "shrink": sh,
                                   "lr": lr, "seed": s}
    label = lambda c: f"{_name(c['hidden'])} lr {c['lr']:g} seed {c['seed']}"
    archs = _archs(ctx.mode)
    tune = ctx.run_points([cfg(w, d, sh, lr, s) for (w, d, sh) in archs for lr in lrs for s in tuning_seeds],
                          train_point, label=label)
    chosen = tuning.choose_on_validation(tune, arm=lambda c: _name(c["hidden"]), setting=lambda c: c["lr"],
                                         metric="val_accuracy", lower_is_better=False)
    finals = ctx.run_points([cfg(w, d, sh, chosen[_name(hidden_sizes(w, d, sh))]["value"], s)
                             for (w, d, sh) in archs if chosen.get(_name(hidden_sizes(w, d, sh)), {}).get("value")
                             for s in ctx.seeds], train_point, label=label)
    timed = ctx.run_timing([{"hidden": hidden_sizes(w, d, sh), "width": w, "depth": d, "n_val": n_val,
                              "n_data": n_data, "n_test": n_test, "n_time": ctx.pick(smoke=200, quick=600, full=10000)}
                             for (w, d, sh) in archs if sh == SHRINK], epoch_seconds,
                            label=lambda c: _name(c["hidden"]))
    times = {_name(r["config"]["hidden"]): r["result"] for r in timed}

    rows = []
    for (w, d, sh) in archs:
        name = _name(hidden_sizes(w, d, sh))
        recs = [r for r in finals if _name(r["config"]["hidden"]) == name]
        if not recs:
            continue
        agg = stats.table_by(recs, lambda c: 0, ["train_accuracy", "val_accuracy", "test_accuracy", "train_loss",
                                                  "test_loss"])[0]
        gaps = [None if stats.final_metric(r, "test_accuracy") is None else
                stats.final_metric(r, "train_accuracy") - stats.final_metric(r, "test_accuracy") for r in recs]
        val_curve = lambda r: r["result"]["history"].get("val_accuracy", [])
        rows.append({"width": w, "depth": d, "shrink": sh, "hidden": hidden_sizes(w, d, sh), "name": name,
                     "params": recs[0]["result"]["params"], "lr": chosen[name]["value"],
                     "lr_scores": {str(k): v for k, v in chosen[name]["scores"].items()},
                     "lr_edge": chosen[name]["edge"],
                     "diverged_seeds": [r["config"]["seed"] for r in recs if r["result"]["diverged"]],
                     "unstable_seeds": [r["config"]["seed"] for r in recs if unstable(r["result"])],
                     **{m: agg[m] for m in ("train_accuracy", "val_accuracy", "test_accuracy", "train_loss",
                                            "test_loss")},
                     "gap": stats.summarize(gaps),
                     "test_by_seed": stats.by_seed(recs, "test_accuracy"),
                     "t95_by_seed": {r["config"]["seed"]: epochs_to_fraction(val_curve(r), CONVERGED) for r in recs},
                     "dip_by_seed": {r["config"]["seed"]: max_drawdown(val_curve(r)) for r in recs},
                     "time": times.get(name),
                     "curves": {"val_accuracy": [val_curve(r) for r in recs]}})
    grid = [r for r in rows if r["shrink"] == SHRINK and r["val_accuracy"]["mean"] is not None]
    best = max(grid, key=lambda r: r["val_accuracy"]["mean"]) if grid else None
    figures = _plots(ctx, rows, epochs)
    edges = [] if best is None else [e for e in (
        claims.grid_edge(best["width"], sorted({r["width"] for r in grid}), what="first-layer width"),
        claims.grid_edge(best["depth"], sorted({r["depth"] for r in grid}), what="depth")) if e]
    summary = {"edges": edges, "lr_edges": [r["name"] for r in rows if r["lr_edge"]], "n_train": n_train,
               "n_val": n_val, "n_test": len(data["y_test"]), "epochs": epochs, "lrs": lrs,
               "tuning_seeds": tuning_seeds, "rows": rows, "best": best["name"] if best else None,
               "slt": _slt(rows, n_train, n_val, len(archs) * len(lrs)), "figures": figures,
               "timing": {"n_time": timed[0]["config"]["n_time"] if timed else None,
                          "repeats": timed[0]["config"]["repeats"] if timed else None,
                          "load": timed[0]["result"]["load"] if timed else None},
               "quality_bar": {"bar": QUALITY_BAR, "value": best["test_accuracy"]["mean"] if best else None}}
    summary["claims"] = _claims(summary, len(ctx.seeds))
    return summary


def _slt(rows, n, n_val, n_candidates):
    """Hypothesis-set size vs data, the measured gaps, and what a Hoeffding bound can resolve on validation."""
    out = [{"name": r["name"], "params": r["params"], "P_over_n": r["params"] / n,
            "vc_scale": r["params"] * (r["depth"] + 1) * math.log2(r["params"]),  # Θ(P·L·log P)
            "gap": r["gap"]["mean"]} for r in rows]
    vals = sorted([r["val_accuracy"]["mean"] for r in rows if r["val_accuracy"]["mean"] is not None], reverse=True)
    eps = math.sqrt(math.log(2 * n_candidates / DELTA) / (2 * n_val))
    p = vals[0] if vals else 0.5
    return {"rows": out, "n": n, "n_val": n_val, "candidates": n_candidates, "hoeffding": eps,
            "binomial_se": math.sqrt(p * (1 - p) / n_val),
            "val_range": (vals[0] - vals[-1]) if len(vals) > 1 else None,
            "val_lead": (vals[0] - vals[1]) if len(vals) > 1 else None,
            "spearman": stats.spearman([o["params"] for o in out], [o["gap"] for o in out])}


def _pair(a, b):
    seeds = sorted(set(a) & set(b))
    return [a[s] for s in seeds], [b[s] for s in seeds]


def _mean_over(rows, key, pick):
    """{seed: mean over the rows of row[key][seed]} for the seeds every picked row has a value for."""
    chosen = [r for r in rows if pick(r)]
    if not chosen:
        return {}
    seeds = set.intersection(*[{s for s, v in r[key].items() if v is not None} for r in chosen])
    return {s: sum(r[key][s] for r in chosen) / len(chosen) for s in sorted(seeds)}


def _diff(a, b):
    """{seed: a − b} over the shared seeds."""
    return {s: a[s] - b[s] for s in sorted(set(a) & set(b))}


def _claims(summary, n_seeds):
    rows, out = summary["rows"], []
    grid = [r for r in rows if r["shrink"] == SHRINK]
    by = {(r["width"], r["depth"], r["shrink"]): r for r in rows}
    budget = (f"{summary['epochs']} epochs, SGD momentum {MOMENTUM} cosine, lr per net from {summary['lrs']} on "
              f"validation; {n_seeds} seeds, paired")
    test_of = lambda w, d, sh=SHRINK: by[(w, d, sh)]["test_by_seed"] if (w, d, sh) in by else {}

    def top_claim(cid, quote, target, pool, what):
        """target vs the best other member of pool by mean validation accuracy, paired on seeds."""
        ref = max((r for r in pool if r is not target and r["val_accuracy"]["mean"] is not None),
                  key=lambda r: r["val_accuracy"]["mean"], default=None)
        if target is None or ref is None:
            return
        out.append(claims.claim(
            cid, "B", quote, f"test accuracy of {target['name']} vs the best other {what} by validation "
                             f"({ref['name']}): paired t",
            stats.paired(*_pair(target["test_by_seed"], ref["test_by_seed"])),
            expect=+1, unit="pct", budget=budget, effect=f"{target['name']} − {ref['name']}"))

    if (512, 1, SHRINK) in by and (128, 1, SHRINK) in by:
        out.append(claims.claim(
            "b3.depth1-width-no-effect", "B", "For networks of depth 1, the width did not seem to affect accuracy",
            f"test accuracy, 512 vs 128 (the extreme widths) at depth 1: paired TOST, margin "
            f"±{100 * NO_EFFECT_MARGIN:g} points",
            stats.equivalence(*_pair(test_of(512, 1), test_of(128, 1)), margin=NO_EFFECT_MARGIN, pair=True),
            kind="equivalence", unit="pct", budget=budget, effect="512 − 128",
            note="margin: half the ~1-point depth effect Report B does call an effect"))
        out.append(claims.claim(
            "b3.depth1-512-beats-128", "B", "Accuracy was highest for width of 512, followed by 128 [depth 1]",
            "test accuracy 512 − 128 at depth 1: paired t", stats.paired(*_pair(test_of(512, 1), test_of(128, 1))),
            expect=+1, unit="pct", budget=budget, effect="512 − 128"))
    if (128, 1, SHRINK) in by and (256, 1, SHRINK) in by:
        out.append(claims.claim(
            "b3.depth1-128-beats-256", "B", "… followed by 128, and finally 254 [depth 1]",
            "test accuracy 128 − 256 at depth 1: paired t", stats.paired(*_pair(test_of(128, 1), test_of(256, 1))),
            expect=+1, unit="pct", budget=budget, effect="128 − 256"))
    acc_d = {d: _mean_over(grid, "test_by_seed", lambda r, d=d: r["depth"] == d) for d in DEPTHS}
    if acc_d[1]:
        out.append(claims.claim(
            "b3.depth1-about-90", "B", "They all reached ~90% accuracy by 200 epochs [depth 1]",
            f"per-seed mean test accuracy of the depth-1 nets vs 90%: TOST ±{100 * ABOUT_90_MARGIN:g} points",
            stats.equivalence_to(list(acc_d[1].values()), 0.90, ABOUT_90_MARGIN), kind="equivalence", unit="pct",
            budget=budget, effect="depth-1 mean − 90%",
            note="our budget is far shorter than Report B's 200 epochs, so a lower accuracy could be budget"))
    if acc_d[1] and acc_d[2]:
        d21 = list(_diff(acc_d[2], acc_d[1]).values())
        out.append(claims.claim(
            "b3.depth2-beats-depth1", "B", "For networks of depth 2, we note all accuracies are higher than those "
                                           "obtained by a network which is only 1 layer deep",
            "per-seed mean test accuracy over the three widths, depth 2 − depth 1: one-sample t on the paired "
            "differences", stats.one_sample(d21, 0.0), expect=+1, unit="pct", budget=budget,
            effect="depth 2 − depth 1"))
        out.append(claims.claim(
            "b3.depth2-by-1pt", "B", "… higher … (by ~1%) [depth 2 vs depth 1]",
            f"the same paired differences vs 1 point: TOST ±{100 * ONE_POINT_MARGIN:g} points",
            stats.equivalence_to(d21, 0.01, ONE_POINT_MARGIN), kind="equivalence", unit="pct", budget=budget,
            effect="(depth 2 − depth 1) − 1 point"))
    d2 = [r for r in grid if r["depth"] == 2]
    top_claim("b3.depth2-widest-best", "Nonetheless, the highest accuracy was obtained by the network with the widest "
                                       "layers [depth 2]", by.get((512, 2, SHRINK)), d2, "depth-2 net")
    if len(d2) > 2:
        pts = [(r["width"], v) for r in d2 for v in r["dip_by_seed"].values()]
        out.append(claims.claim(
            "b3.depth2-dip-grows-with-width", "B", "a slight dip in accuracy around epoch 20. This dip is more severe "
                                                   "the wider the layer is [depth 2]",
            "largest fall of validation accuracy below its running best, per run, vs width at depth 2: Spearman ρ",
            stats.spearman([p[0] for p in pts], [p[1] for p in pts]), expect=+1, budget=budget,
            effect="ρ(width, dip)", note=f"our budget has no epoch 20 ({summary['epochs']} epochs, decaying lr): "
                                         "any dip of the run counts"))
    if acc_d[1] and acc_d[3]:
        out.append(claims.claim(
            "b3.depth3-below-depth1", "B", "Given a depth of 3, the overall accuracy and loss seem to go down (even "
                                           "below a 1 deep network)",
            "per-seed mean test accuracy over the three widths, depth 3 − depth 1: one-sample t on the paired "
            "differences", stats.one_sample(list(_diff(acc_d[3], acc_d[1]).values()), 0.0), expect=-1, unit="pct",
            budget=budget, effect="depth 3 − depth 1"))
        t_d = {d: _mean_over(grid, "t95_by_seed", lambda r, d=d: r["depth"] == d) for d in (1, 3)}
        out.append(claims.claim(
            "b3.depth3-converges-slower", "B", "Moreover the rate of convergence is much slower (far less steep) "
                                               "[depth 3]",
            f"epochs until a run has made {100 * CONVERGED:g}% of its own validation-accuracy improvement, per-seed "
            "mean over widths, depth 3 − depth 1: one-sample t on the paired differences",
            stats.one_sample(list(_diff(t_d[3], t_d[1]).values()), 0.0), expect=+1, budget=budget,
            effect="epochs, depth 3 − depth 1"))
    d3 = [r for r in grid if r["depth"] == 3]
    top_claim("b3.depth3-256-best", "The best accuracy was obtained with an initial width of 254, followed by an "
                                    "initial weight of 512, and finally 128 [depth 3]", by.get((256, 3, SHRINK)), d3,
              "depth-3 net")
    half = _mean_over([r for r in rows if r["depth"] == 3], "test_by_seed", lambda r: r["shrink"] == HALF)
    three_q = acc_d[3]
    if half and three_q:
        out.append(claims.claim(
            "b3.shrink-3q-beats-half", "B", "We found that when decreasing by a factor of 3/4, our results increased "
                                            "significantly [vs 1/2]",
            "per-seed mean test accuracy over the three depth-3 nets, ¾ shrink − ½ shrink: one-sample t on the paired "
            "differences", stats.one_sample(list(_diff(three_q, half).values()), 0.0), expect=+1, unit="pct",
            budget=budget, effect="¾ − ½", note="each net at its own validation-chosen lr"))
    top_claim("b3.best-512-384", "a network that is 2 layers deep and has widths 512 and 384 … obtains the best "
                                 "accuracy and lowest loss", by.get((512, 2, SHRINK)), grid, "net of the nine")
    if out and out[-1]["id"] == "b3.best-512-384":
        notes = summary["edges"] + ([f"lr at the edge of {summary['lrs']} for " + ", ".join(summary["lr_edges"])]
                                    if summary["lr_edges"] else [])
        out[-1]["note"] = "; ".join(notes)
    slt = summary["slt"]
    out.append(claims.claim(
        "b3.gap-grows-with-size", "B", "Motivate your selection of architecture from a statistical learning theory "
                                       "perspective (hypothesis set size, training set size, overfitting …)",
        "the SLT expectation that a bigger hypothesis set overfits more: Spearman ρ of the mean train − test "
        f"accuracy gap with the parameter count over the {len(slt['rows'])} nets", slt["spearman"], expect=+1,
        budget=budget, effect="ρ(P, gap)"))
    # runtime: the timing pass only
    tm = {(r["width"], r["depth"]): {"result": r["time"]} for r in grid if r["time"]}  # as timing records
    tbudget = (f"timing pass: one epoch of {summary['timing']['n_time']} images, 1 warm-up + "
               f"{summary['timing']['repeats']} interleaved rounds, serial")
    for cid, quote, pairs, effect in (
            ("b3.runtime-wider-longer", "The wider the layers, the longer the runtime",
             [(tm[(512, d)], tm[(128, d)]) for d in DEPTHS if (512, d) in tm and (128, d) in tm], "ln(t 512 / t 128)"),
            ("b3.runtime-depth2-longer", "a network that is 2 layers deep has a longer runtime than a network that is "
                                         "1 layer deep",
             [(tm[(w, 2)], tm[(w, 1)]) for w in WIDTHS if (w, 2) in tm and (w, 1) in tm], "ln(t depth 2 / t depth 1)"),
            ("b3.runtime-depth3-longer", "Runtime for these networks is slower (but not by much) than networks of "
                                         "depth 1 or 2",
             [(tm[(w, 3)], tm[(w, 2)]) for w in WIDTHS if (w, 3) in tm and (w, 2) in tm], "ln(t depth 3 / t depth 2)")):
        if not pairs:
            continue
        r = timing.paired_log_ratio(pairs)
        note = r["gate"] or "every pair's medians differ by more than the IQR of repeated identical runs"
        out.append(claims.claim(cid, "B", quote, f"round-paired one-sample t of {effect} over {len(pairs)} "
                                                 f"architecture pair(s), gated by the IQR", r, expect=+1,
                                budget=tbudget, effect=effect, note=note))
    return out


def _plots(ctx, rows, epochs):
    colors = {128: "tab:blue", 256: "tab:orange", 512: "tab:green"}
    markers = {1: "o", 2: "s", 3: "^"}
    fig, (ax, ax_gap) = plots.figure(ncols=2, width=5.3, height=4.0)
    for r in rows:
        t, g = r["test_accuracy"], r["gap"]
        if t["mean"] is None:
            continue
        face = colors[r["width"]] if r["shrink"] == SHRINK else "white"
        err = lambda s: ([[100 * (s["mean"] - s["ci"][0])], [100 * (s["ci"][1] - s["mean"])]]
                         if s["ci"][0] is not None else None)
        ax.errorbar([r["params"]], [100 * t["mean"]], yerr=err(t), fmt=markers[r["depth"]], color=colors[r["width"]],
                    mfc=face, capsize=3)
        ax.annotate(r["name"], (r["params"], 100 * t["mean"]), fontsize=6, xytext=(3, -8), textcoords="offset points")
        if g["mean"] is not None:
            ax_gap.errorbar([r["params"]], [100 * g["mean"]], yerr=err(g), fmt=markers[r["depth"]],
                            color=colors[r["width"]], mfc=face, capsize=3)
        for _ in r["diverged_seeds"]:
            plots.mark_diverged(ax, r["params"], 100 * t["mean"])
    for w, c in colors.items():
        ax.plot([], [], "s", color=c, label=f"first width {w}")
    for d, mk in markers.items():
        ax.plot([], [], mk, color="gray", label=f"depth {d}")
    ax.plot([], [], "^", color="gray", mfc="white", label="depth 3, ½ shrink")
    plots.decorate(ax, title="test accuracy (mean, 95% CI)", xlabel="parameters (weights + biases, log scale)",
                   ylabel="test accuracy (%)", logx=True)
    plots.decorate(ax_gap, title="generalization gap vs size", xlabel="parameters (weights + biases, log scale)",
                   ylabel="train − test accuracy (percentage points)", logx=True)
    save_small(fig, ctx.path("b3_accuracy_vs_params.png"))

    fig, axes = plots.figure(ncols=3, width=3.8, height=3.4, sharey=True)
    for i, d in enumerate(DEPTHS):
        ax = axes[i]
        for r in rows:
            if r["depth"] != d:
                continue
            plots.band(ax, list(range(1, epochs + 1)), [[100 * v for v in c] for c in r["curves"]["val_accuracy"]],
                       label=f"{r['name']} (lr {r['lr']:g})", color=colors[r["width"]],
                       ls="-" if r["shrink"] == SHRINK else "--")
        plots.decorate(ax, title=f"depth {d}: validation accuracy", xlabel="epoch",
                       ylabel="validation accuracy (%)" if i == 0 else None)
    save_small(fig, ctx.path("b3_curves.png"))
    return ["b3_accuracy_vs_params.png", "b3_curves.png"]


def _ci_text(r, unit="pct"):
    if not r or r.get("effect") is None:
        return "untestable"
    s = 100.0 if unit == "pct" else 1.0
    lo, hi = r["ci"]
    return (f"{s * r['effect']:+.2f}" + ("" if lo is None else f" [{s * lo:+.2f}, {s * hi:+.2f}]")
            + (" points" if unit == "pct" else "") + f", p = {stats.fmt_p(r['p'])}")


def report(summary):
    decided = claims.decide(summary.get("claims", []))
    by_id = {c["id"]: c for c in decided}
    rows, E, n = summary["rows"], summary["epochs"], summary["n_train"]
    out = ["**Claims** (Holm over this problem's claims):", "", claims.ledger_table(decided, problem=False), "",
           f"Setup: ReLU MLPs, SGD momentum {MOMENTUM}, learning rate cosine-decayed to 0 over {E} epochs, batch "
           f"{BATCH}; each net's initial rate chosen from {summary['lrs']} by mean validation accuracy over seed(s) "
           f"{summary['tuning_seeds']} (the same grid for every net); {n} training, {summary['n_val']} validation "
           f"(carved from the training images), {summary['n_test']} test images; {summary['seeds']} seed(s) per net at "
           f"its chosen rate; mean ± sample sd, paired over seeds. Report B wrote a first width of \"254\" where 256 "
           f"was meant (256-192-144 here). Seconds per epoch come from the serial timing pass (median [IQR] of one "
           f"epoch of {summary['timing']['n_time']} images), never from the training runs.", ""]
    ranked = sorted(rows, key=lambda r: -(r["val_accuracy"]["mean"] or 0.0))
    out.append(table(["rank (val)", "hidden layers", "params", "lr (chosen)", "train acc", "val acc", "test acc",
                      "train − test (points)", "s/epoch (timing pass)"],
                     [[i + 1, r["name"] + (" (½ shrink)" if r["shrink"] == HALF else "")
                       + (f" — DIVERGED seeds {r['diverged_seeds']}" if r["diverged_seeds"] else ""),
                       f"{r['params']:,}", f"{r['lr']:g}" + (" (edge)" if r["lr_edge"] else ""),
                       stats.fmt_summary(r["train_accuracy"], pct=True), stats.fmt_summary(r["val_accuracy"], pct=True),
                       stats.fmt_summary(r["test_accuracy"], pct=True),
                       stats.fmt(None if r["gap"]["mean"] is None else 100 * r["gap"]["mean"],
                                 None if r["gap"]["sd"] is None else 100 * r["gap"]["sd"], 3),
                       "—" if not r["time"] else f"{r['time']['median']:.3g} [{r['time']['iqr']:.2g}]"]
                      for i, r in enumerate(ranked)]))
    out.append("")
    if not summary["best"]:
        return "\n".join(out + ["No finished runs."])
    best = next(r for r in rows if r["name"] == summary["best"])
    edges = summary["lr_edges"]
    out.append(f"**Winner (by validation accuracy, among Report B's nine):** {best['name']} ({best['params']:,} "
               f"parameters, lr {best['lr']:g}), test accuracy {stats.fmt_summary(best['test_accuracy'], pct=True)}."
               + (f" **Grid edge (architecture):** {'; '.join(summary['edges'])} — the question caps width at 512 "
                  f"and depth at 3, so a better net may exist outside what it allows." if summary["edges"] else ""))
    if edges:
        out.append(f"**Grid edge (learning rate):** {len(edges)} net(s) chose a rate at the edge of {summary['lrs']} "
                   f"({', '.join(edges)}): their best rate may lie outside the grid, so they may be under-tuned.")
    c = by_id.get("b3.best-512-384")
    if c:
        out.append(f"Report B's best, 512-384: {c['effect']} = {_ci_text(c['result'])} — **{c['verdict']}**"
                   + (" (the seeds do not separate the two nets)." if c["verdict"] == "inconclusive" else "."))
    out.append("")
    words = {"supported": "supported", "contradicted": "contradicted", "inconclusive": "inconclusive"}
    for cid, what in (("b3.depth1-width-no-effect", "Depth 1, width has no effect (±0.5 points)"),
                      ("b3.depth1-512-beats-128", "Depth 1, 512 beats 128"),
                      ("b3.depth1-128-beats-256", "Depth 1, 128 beats 256"),
                      ("b3.depth1-about-90", "Depth-1 nets at ≈90%"),
                      ("b3.depth2-beats-depth1", "Depth 2 beats depth 1"),
                      ("b3.depth2-by-1pt", "… by ≈1 point"),
                      ("b3.depth2-widest-best", "Depth 2, the widest is best"),
                      ("b3.depth3-below-depth1", "Depth 3 below depth 1"),
                      ("b3.depth3-256-best", "Depth 3, 256-192-144 best"),
                      ("b3.shrink-3q-beats-half", "¾ shrink beats ½"),
                      ("b3.depth3-converges-slower", "Depth 3 converges slower than depth 1"),
                      ("b3.depth2-dip-grows-with-width", "The dip grows with width at depth 2")):
        c = by_id.get(cid)
        if not c:
            continue
        unit = c.get("unit") or ""
        r = c["result"]
        if c["kind"] == "equivalence":
            tail = f", TOST p = {stats.fmt_p(r.get('p_equivalence'))}"
        else:
            tail = ""
        out.append(f"- {what}: {c['effect']} = {_ci_text(r, unit)}{tail} — **{words[c['verdict']]}**"
                   + (" (neither the claim nor its opposite is established at this number of seeds)"
                      if c["verdict"] == "inconclusive" else "") + ".")
    out.append("")
    t_claims = [by_id[c] for c in ("b3.runtime-wider-longer", "b3.runtime-depth2-longer", "b3.runtime-depth3-longer")
                if c in by_id]
    if t_claims:
        load = summary["timing"]["load"] or {}
        out.append(f"Runtime, from the serial timing pass (load average before/after {load.get('before')} / "
                   f"{load.get('after')} on {load.get('cores')} cores): " + "; ".join(
                       f"{c['effect']} = {_ci_text(c['result'], unit='')} ({math.exp(c['result']['effect']):.2f}×)"
                       f" — **{c['verdict']}**" + (f" ({c['note']})" if c["result"].get("within_iqr") else "")
                       for c in t_claims if c["result"]["effect"] is not None) + ".")
        out.append("")
    slt = summary["slt"]
    ps = [o["params"] for o in slt["rows"]]
    gaps = [o["gap"] for o in slt["rows"] if o["gap"] is not None]
    over = sum(1 for o in slt["rows"] if o["params"] > n)
    vc_over = sum(1 for o in slt["rows"] if o["vc_scale"] > n)
    c = by_id.get("b3.gap-grows-with-size")
    rho = slt["spearman"]
    out.append(
        f"**Statistical learning theory.** The nets have P = {min(ps):,}–{max(ps):,} parameters for n = {n:,} training "
        f"images (P/n = {min(ps) / n:.2f}–{max(ps) / n:.2f}); {over} of {len(ps)} have more parameters than examples, "
        f"and the VC-dimension scale of ReLU nets, P·L·log₂P, exceeds n for {vc_over} of {len(ps)} — so a uniform VC "
        f"bound (gap ≲ √(VC/n)) is vacuous here and cannot rank these nets."
        + (f" Measured, the train − test gap is {100 * min(gaps):.2f}–{100 * max(gaps):.2f} points" if gaps else "")
        + (f", and its Spearman correlation with P is ρ = {rho['effect']:+.2f} (p = {stats.fmt_p(rho['p'])}, "
           f"n = {rho['n'][0]} nets): the claim that the bigger hypothesis set overfits more is **{c['verdict']}**"
           + (" — the gap SHRINKS as P grows (with train accuracy near 100%, the gap is just the test error, which "
              "the bigger nets lower)" if c["verdict"] == "contradicted" else "") + "."
           if c and rho["effect"] is not None else "."))
    eps, rng, lead = slt["hoeffding"], slt["val_range"], slt["val_lead"]
    if rng is not None:
        separates = 2 * eps < lead
        out.append(
            f"Selection on the validation split: with {slt['n_val']:,} validation images and {slt['candidates']} "
            f"(architecture, lr) candidates, Hoeffding's bound with a union over the candidates guarantees each "
            f"validation accuracy within ±{100 * eps:.2f} points of its true value (95%). The mean validation "
            f"accuracies of the nets span only {100 * rng:.2f} points, and the winner leads the runner-up by "
            f"{100 * lead:.2f} points"
            + (f" — less than the bound's width: **the bound cannot separate the candidates**, so learning theory "
               f"certifies no ranking among them; it only says every net's validation score is within "
               f"±{100 * eps:.2f} points of its true accuracy (hence the winner's true accuracy is within "
               f"{100 * 2 * eps:.2f} points of the best candidate's). The ranking rests on the paired seed tests "
               "above, and ties there stay ties." if not separates else
               " — more than twice the bound: the bound itself separates the winner from the rest.")
            + f" (Hoeffding ignores the variance: a binomial standard error at this accuracy is only "
              f"{100 * slt['binomial_se']:.2f} points, which is why seeds, not the bound, decide.)")
    qb = summary["quality_bar"]
    out.append("")
    value = "—" if qb["value"] is None else f"{100 * qb['value']:.2f}%"
    ok = qb["value"] is not None and qb["value"] >= qb["bar"]
    out.append(f"**Quality bar** (full mode: best MLP ≥ {100 * qb['bar']:.1f}% test accuracy): ours {value} "
               f"({summary['best']}) — " + bar_verdict(ok, summary, f"{n:,} images, {E} epochs") + ".")
    out += ["", figure(summary, "b3_accuracy_vs_params.png", "test accuracy and generalization gap vs parameter count"),
            "", figure(summary, "b3_curves.png", "validation accuracy per epoch per architecture, at its chosen lr")]
    return "\n".join(out)


if __name__ == "__main__":
    from .core.cli import main_single
    raise SystemExit(main_single(ID))
