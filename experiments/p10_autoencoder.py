"""p10 — reconstruction loss vs latent size of a dense auto-encoder, against PCA; intrinsic dimension.

Question (Report A, problem 10): how does the reconstruction loss change with
the encoder's output dimension d, and what does that say about the intrinsic
dimensionality of MNIST (raw dimension 784)?

Auto-encoder (``experiments/core/autoencoder.py``, shared with p11):
784 → 256 → d → 256 → 784, ReLU hidden layers, linear code, sigmoid output,
MSE on [0, 1] pixels, Adam lr 1e-3 constant, batch 128, for
d ∈ {2, 4, 8, 16, 32, 64, 128} (quick: 2, 8, 32), every seed (>= 5
full), on the training images minus a validation split (5,000 full).

Budget — trained to a plateau: each run goes on until its validation MSE has
not fallen by 1% of its best for 2 epochs, at most 2B epochs (B = 5 full, 3
quick, the nominal budget), and keeps the best validation epoch's weights.
Every conclusion is read twice: after B epochs (the same run's epoch B — with
a constant learning rate, identical to a B-epoch run) and at the plateau; a
run that reached the 2B cap without a plateau is counted and named.

Linear reference: PCA with the same d (eigenvectors of the centered training
images' covariance); test MSE per pixel for both.

Tests: per d, AE vs PCA is a one-sample t-test of the AE's per-seed test MSE
against PCA's (deterministic) MSE — a d where the difference is within the
seeds' spread is inconclusive, not "better"; the decrease with d is a
Spearman rank correlation over every (d, seed) run.

Intrinsic dimension: two standard estimators from nearest-neighbour
distances on random subsamples of the training images (one subsample of
``ID_SAMPLE`` images per seed, exact duplicates dropped): TwoNN (Facco et al.
2017, the MLE of the ratio of the second to the first neighbour distance) and
the Levina–Bickel MLE with k = 10 and 20 neighbours (MacKay–Ghahramani
averaging).  Beside them, the AE curve's own reading, stated as a criterion
not tied to the grid's top: the smallest d at which going to the next grid
size lowers the mean AE test MSE by less than ``CURVE_DROP``; a choice at
the grid's edge is flagged.  And PCA's counts for 80–99% of the variance.

For p11: ``summary["encoders"][d][seed]`` holds each encoder's config and
weight fingerprint (p11 re-derives the encoders and checks they are equal).

Limits: one architecture and optimizer; both estimators are biased low in
high dimension on small samples (the subsample size is stated).
"""
import tinynet as tn

from .core import autoencoder as ae
from .core import claims, plots, stats
from .core.report import figure, table
from .core.helpers import dataset_name

np = tn.backend.np

ID = "p10-autoencoder"
TITLE = "Auto-encoder: reconstruction loss vs latent size"
QUESTION = ("How does a dense auto-encoder's reconstruction loss change with the encoder output "
            "dimension d (vs PCA), and what is the intrinsic dimensionality of MNIST?")
ESTIMATE = {"smoke": 5, "quick": 28, "full": 1300}

LATENTS = (2, 4, 8, 16, 32, 64, 128)
CURVE_DROP = 0.10     # AE-curve criterion: the next grid size lowers the MSE by less than 10%
NEIGHBOURS = (10, 20)  # Levina–Bickel k
SHOW = 8               # test digits in the reconstruction grid (one per class 0..7)
GRID_PCA_D = (2, 8, 32, 128)


def latents(ctx):
    return ctx.pick(smoke=(2, 8), quick=(2, 8, 32), full=LATENTS)


def show_indices(labels):
    return [int(np.flatnonzero(labels == c)[0]) for c in range(SHOW)]


def ae_point(ctx, config):
    """Train one AE (shared recipe) and keep a few reconstructed test digits for the grid."""
    result, model, data = ae.train_autoencoder(ctx, config, ctx.fit_verbose)
    if not result["diverged"]:
        recon = model.predict(data["X_test"][show_indices(data["labels_test"])])
        result["recon_u8"] = np.rint(255 * np.clip(recon, 0, 1)).astype(int).tolist()
    return result


def id_point(ctx, config):
    """TwoNN and Levina–Bickel estimates on one random subsample of the training images."""
    X = ctx.data(validation=config["n_val"])["X_train"]
    keep = np.random.default_rng(config["seed"]).permutation(X.shape[0])[:config["n"]]
    dist = ae.neighbour_distances(X[keep], max(config["ks"]))
    final = {"twonn": ae.twonn(dist)}
    final.update({f"mle_k{k}": ae.levina_bickel(dist, k) for k in config["ks"]})
    return {"final": final, "n_unique": int(dist.shape[0]), "diverged": False}


def run(ctx):
    ds = latents(ctx)
    n_val = ae.n_val(ctx)
    nominal, cap = ae.budget(ctx)
    configs = [ae.ae_config(ctx, d, s) for d in ds for s in ctx.seeds]
    records = ctx.run_points(configs, ae_point, label=lambda c: f"AE d={c['latent']} seed={c['seed']}")
    n_id = ctx.pick(smoke=300, quick=2000, full=5000)
    id_records = ctx.run_points([{"estimator": "twonn+levina-bickel", "n": n_id, "ks": list(NEIGHBOURS),
                                  "n_val": n_val, "seed": s} for s in ctx.seeds], id_point,
                                label=lambda c: f"intrinsic dimension, subsample seed={c['seed']}")

    data = ae.ae_data(ctx, n_val)
    mean, vals, vecs = ae.pca(ctx, n_val)
    explained = np.cumsum(vals) / vals.sum()
    pca_all = ae.pca_test_mse(data["X_test"], mean, vecs)
    comps = {f"{int(100 * q)}%": int(np.searchsorted(explained, q) + 1) for q in (0.8, 0.9, 0.95, 0.99)}

    rows = []
    for d in ds:
        recs = sorted([r for r in records if r["config"]["latent"] == d], key=lambda r: r["config"]["seed"])
        res = [r["result"] for r in recs]
        final = [stats.final_metric(r, "test_loss") for r in recs]
        at_b = [None if x["diverged"] or not x.get("at_budget") else x["at_budget"]["test_loss"] for x in res]
        pca_d = float(pca_all[d - 1])
        row = {"d": d, "ae": stats.summarize(final), "ae_budget": stats.summarize(at_b),
               "ae_train": stats.summarize([stats.final_metric(r, "train_loss") for r in recs]),
               "pca": pca_d, "pca_explained": float(explained[d - 1]),
               "test": stats.one_sample(final, pca_d), "test_budget": stats.one_sample(at_b, pca_d),
               "capped": sum(not x.get("plateau", {}).get("stopped", False) for x in res if not x["diverged"]),
               "epochs_run": stats.summarize([x.get("plateau", {}).get("epochs_run") for x in res]),
               "best_epoch": stats.summarize([x.get("plateau", {}).get("best_epoch") for x in res]),
               "train_time": stats.summarize([x["train_time"] for x in res]),
               "params": res[0]["params"] if res else None, "runs": len(res),
               "diverged": sum(x["diverged"] for x in res)}
        m = row["ae"]["mean"]
        row["pca_d_equal"] = (int(np.argmax(pca_all <= m) + 1) if m is not None and (pca_all <= m).any() else None)
        rows.append(row)

    estimates = {name: stats.summarize([stats.final_metric(r, name) for r in id_records])
                 for name in ["twonn"] + [f"mle_k{k}" for k in NEIGHBOURS]}
    curve_d = _curve_plateau(rows)
    encoders = {str(d): {str(r["config"]["seed"]): {"fingerprint": r["result"].get("fingerprint"),
                                                    "config": {k: v for k, v in r["config"].items()
                                                               if k not in ("mode", "dataset", "backend")}}
                         for r in records if r["config"]["latent"] == d and not r["result"]["diverged"]}
                for d in ds}
    summary = {"rows": rows, "estimates": estimates, "curve_d": curve_d, "curve_drop": CURVE_DROP,
               "curve_edge": "" if curve_d is None else claims.grid_edge(curve_d, ds, what="latent size"),
               "pca_components_for": comps, "encoders": encoders, "id_sample": n_id,
               "id_unique": [r["result"]["n_unique"] for r in id_records],
               "settings": {"hidden": ae.HIDDEN, "lr": ae.LR, "batch_size": ae.BATCH, "budget": nominal,
                            "cap": cap, "plateau_rel": ae.PLATEAU_REL, "patience": ae.PLATEAU_PATIENCE,
                            "n_train": int(data["X_train"].shape[0]), "n_val": n_val,
                            "n_test": int(data["X_test"].shape[0]), "latents": list(ds)},
               "pca_curve": {str(d): float(pca_all[d - 1]) for d in sorted(set(range(1, 17)) | set(range(16, 257, 8))
                                                                           | set(ds))}}
    summary["claims"] = _claims(summary, records)
    summary["figures"] = [_plot_mse(ctx, summary), _plot_grid(ctx, records, ds, data, mean, vecs),
                          _plot_curves(ctx, records, ds, nominal)]
    return summary


def _curve_plateau(rows):
    """Smallest d whose next grid size lowers the mean AE MSE by less than CURVE_DROP (None: never)."""
    ok = [r for r in rows if r["ae"]["mean"] is not None]
    for a, b in zip(ok, ok[1:]):
        if b["ae"]["mean"] > (1 - CURVE_DROP) * a["ae"]["mean"]:
            return a["d"]
    return None


def _budget(s):
    return (f"to a plateau (val. MSE −{100 * s['plateau_rel']:.0f}% within {s['patience']} epochs), at most "
            f"{s['cap']} = 2×{s['budget']} epochs; Adam lr {s['lr']:g} constant, batch {s['batch_size']}, no tuning")


def _claims(summary, records):
    s, rows = summary["settings"], summary["rows"]
    budget = _budget(s)
    ok = [r for r in records if not r["result"]["diverged"]]
    out = [claims.claim(
        "p10.loss-falls-with-d", "A",
        "We get the reconstruction loss to decrease as we increase the dimensionality of the encoder output",
        f"Spearman ρ of d vs AE test MSE over every (d, seed) run, d ∈ {{{', '.join(map(str, s['latents']))}}}",
        stats.spearman([r["config"]["latent"] for r in ok], [stats.final_metric(r, "test_loss") for r in ok]),
        expect=-1, budget=budget, effect="ρ")]
    for row in rows:
        tb = row["test_budget"]
        note = (f"after {s['budget']} epochs: AE − PCA {_num(tb['effect'])} (p {stats.fmt_p(tb['p'])})"
                + (f"; {row['capped']} of {row['runs']} runs reached the {s['cap']}-epoch cap still improving"
                   if row["capped"] else "; every run reached its plateau"))
        out.append(claims.claim(
            f"p10.ae-beats-pca-d{row['d']}", "PROBLEMS.md",
            f"a non-linear auto-encoder should beat PCA at the same latent size (d = {row['d']})",
            f"AE per-seed test MSE vs PCA's (deterministic) test MSE at d = {row['d']}: one-sample t",
            row["test"], expect=-1, budget=budget, effect="AE − PCA (MSE)", note=note))
    twonn = summary["estimates"]["twonn"]
    out.append(claims.claim(
        "p10.intrinsic-dim-below-784", "A",
        "It provides insights into the intrinsic dimensionality of the MNIST dataset compared to its raw "
        "dimension of 784",
        f"TwoNN estimate on {len(twonn['values'])} random subsamples of {summary['id_sample']:,} training images "
        "vs the raw 784: one-sample t", stats.one_sample(twonn["values"], 784), expect=-1,
        budget="no training (nearest-neighbour distances)", effect="TwoNN − 784"))
    return out


def _num(v):
    return "—" if v is None else f"{v:+.3g}"


# ----------------------------------------------------------------- figures
def _plot_mse(ctx, summary):
    fig, ax = plots.figure(width=6.0, height=4.0)
    rows = summary["rows"]
    pc = summary["pca_curve"]
    dd = sorted(int(d) for d in pc)
    ax.plot(dd, [pc[str(d)] for d in dd], color="gray", lw=1, label="PCA (every d)")
    ok = [r for r in rows if r["ae"]["n"]]
    ax.errorbar([r["d"] for r in ok], [r["ae"]["mean"] for r in ok], yerr=[r["ae"]["sd"] or 0 for r in ok],
                fmt="o-", color="C3", capsize=3, label="AE at its plateau (test, mean ± sd)")
    okb = [r for r in rows if r["ae_budget"]["n"]]
    ax.plot([r["d"] for r in okb], [r["ae_budget"]["mean"] for r in okb], "x:", color="C3",
            label=f"AE after {summary['settings']['budget']} epochs")
    for r in rows:
        if r["diverged"]:
            plots.mark_diverged(ax, r["d"], r["pca"])
    colors = {"twonn": "C0", "mle_k10": "C2", "mle_k20": "C4"}
    for name, est in summary["estimates"].items():
        if est["mean"] is not None:
            ax.axvline(est["mean"], color=colors.get(name, "C5"), ls="--", lw=1,
                       label=f"{name.replace('_', ' ')} estimate {est['mean']:.1f}")
    ax.set_xscale("log", base=2)
    plots.decorate(ax, title="reconstruction error vs latent size", xlabel="latent dimension d (log₂)",
                   ylabel="test MSE per pixel (log)", logy=True, legend_size=6)
    return plots.save(fig, ctx.path("mse_vs_d.png")).rsplit("/", 1)[-1]


def _plot_grid(ctx, records, ds, data, mean, vecs):
    """Rows: originals, then AE (first seed) and PCA reconstructions for each d."""
    idx = show_indices(data["labels_test"])
    originals = data["X_test"][idx]
    rows, labels = [originals], ["original"]
    for d in ds:
        rec = next((r for r in records if r["config"]["latent"] == d and "recon_u8" in r["result"]), None)
        rows.append(np.asarray(rec["result"]["recon_u8"], dtype=float) / 255 if rec else np.zeros_like(originals))
        labels.append(f"AE d={d}")
    for d in [d for d in ds if d in GRID_PCA_D]:
        rows.append(np.clip(ae.pca_reconstruct(originals, mean, vecs, d), 0, 1))
        labels.append(f"PCA d={d}")
    mosaic = np.ones((len(rows) * 29, len(idx) * 29))
    for i, row in enumerate(rows):
        for j, img in enumerate(row):
            mosaic[i * 29:i * 29 + 28, j * 29:j * 29 + 28] = np.asarray(img).reshape(28, 28)
    fig, ax = plots.figure(width=3.6, height=0.3 * len(rows) + 0.4)
    ax.imshow(mosaic, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    ax.set_yticks([i * 29 + 14 for i in range(len(rows))])
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_xticks([])
    ax.set_title("test digits: original, AE and PCA reconstructions", fontsize=8)
    return plots.save(fig, ctx.path("reconstructions.png")).rsplit("/", 1)[-1]


def _plot_curves(ctx, records, ds, nominal):
    fig, ax = plots.figure(width=6.0, height=3.6)
    for i, d in enumerate(ds):
        hist = [r["result"]["history"] for r in records if r["config"]["latent"] == d]
        n = max((len(h.get("test_loss", [])) for h in hist), default=0)
        plots.band(ax, list(range(1, n + 1)), [h.get("test_loss", []) for h in hist], label=f"d={d}",
                   color=plots.plt.cm.plasma(i / max(1, len(ds) - 1)))
    ax.axvline(nominal, color="gray", ls=":", label=f"nominal budget ({nominal})")
    ax.xaxis.set_major_locator(plots.plt.MaxNLocator(integer=True))
    plots.decorate(ax, title="AE test MSE per epoch (runs stop at their plateau)", xlabel="epoch",
                   ylabel="test MSE per pixel (log)", logy=True, legend_size=6)
    return plots.save(fig, ctx.path("ae_curves.png")).rsplit("/", 1)[-1]


# ------------------------------------------------------------------ report
def report(summary):
    s, rows = summary["settings"], summary["rows"]
    decided = claims.decide(summary["claims"])
    verdict = {c["id"]: c["verdict"] for c in decided}
    fs = lambda x: stats.fmt_summary(x) if x["n"] else "DIVERGED"  # noqa: E731
    body = [
        claims.ledger_table(decided, problem=False), "",
        f"Auto-encoder 784 → {s['hidden']} → d → {s['hidden']} → 784 (ReLU hidden, linear code, sigmoid "
        f"output), "
        f"MSE on [0,1] pixels, trained {_budget(s)}, on {s['n_train']:,} training images ({s['n_val']:,} held out "
        f"for the plateau rule); test MSE per pixel on {s['n_test']:,} images, mean ± sd over seeds. PCA: the "
        f"centered training images' covariance.", "",
        table(["d", f"AE test MSE after {s['budget']} ep.", "AE test MSE at plateau", "PCA test MSE",
               "AE / PCA", "AE − PCA [95% CI]", "p", f"verdict (Holm)", "epochs run", "capped at 2B",
               "PCA comps. for the AE's MSE"],
              [[r["d"], fs(r["ae_budget"]), fs(r["ae"]), f"{r['pca']:.4g}",
                f"{r['ae']['mean'] / r['pca']:.2f}" if r["ae"]["n"] else "—",
                f"{_num(r['test']['effect'])} {stats.fmt_ci(r['test'])}", stats.fmt_p(r["test"]["p"]),
                verdict.get(f"p10.ae-beats-pca-d{r['d']}", "—"), stats.fmt_summary(r["epochs_run"], digits=3),
                f"{r['capped']}/{r['runs']}", r.get("pca_d_equal") or "—"] for r in rows]), ""]
    beats = [r["d"] for r in rows if verdict.get(f"p10.ae-beats-pca-d{r['d']}") == "supported"]
    loses = [r["d"] for r in rows if verdict.get(f"p10.ae-beats-pca-d{r['d']}") == "contradicted"]
    tied = [r["d"] for r in rows if verdict.get(f"p10.ae-beats-pca-d{r['d']}") == "inconclusive"]
    body.append("Per-d tests (Holm-adjusted): the AE reconstructs significantly better than PCA at d ∈ "
                f"{{{', '.join(map(str, beats)) or '—'}}}"
                + (f", significantly worse at d ∈ {{{', '.join(map(str, loses))}}}" if loses else "")
                + (f"; at d ∈ {{{', '.join(map(str, tied))}}} the difference is inconclusive" if tied else "") + ".")
    budget_beats = [r["d"] for r in rows if r["test_budget"]["p"] is not None and r["test_budget"]["effect"] < 0
                    and r["test_budget"]["p"] < stats.ALPHA]
    capped = sum(r["capped"] for r in rows)
    body.append(f"After the nominal {s['budget']} epochs (unadjusted p < {stats.ALPHA}) the AE is ahead at "
                f"d ∈ {{{', '.join(map(str, budget_beats)) or '—'}}}; "
                + ("the same set as at the plateau, so the conclusion does not depend on the budget. "
                   if budget_beats == beats else "a different set from the plateau's, so the budget matters here. ")
                + (f"{capped} run(s) reached the {s['cap']}-epoch cap still improving by ≥ "
                   f"{100 * s['plateau_rel']:.0f}% (see 'capped'): their MSE is an upper bound."
                   if capped else "Every run stopped on its plateau before the cap."))
    v = verdict.get("p10.loss-falls-with-d")
    body.append(f"Report A's 'the loss decreases as d grows': **{v}** (Spearman over all runs).")
    est, comps = summary["estimates"], summary["pca_components_for"]
    tw = est["twonn"]
    body += ["", "**Intrinsic dimension** (each criterion stated):", "",
             f"- TwoNN: **{stats.fmt_summary(tw, digits=3)}** (95% CI {stats.fmt_ci(tw)}) over "
             f"{tw['n']} subsamples of {summary['id_sample']:,} training images;",
             *[f"- Levina–Bickel MLE, k = {k}: **{stats.fmt_summary(est[f'mle_k{k}'], digits=3)}** "
               f"(95% CI {stats.fmt_ci(est[f'mle_k{k}'])});" for k in NEIGHBOURS],
             f"- AE curve: the smallest d whose next grid size lowers the AE's MSE by less than "
             f"{100 * summary['curve_drop']:.0f}% → "
             + (f"**d = {summary['curve_d']}**" if summary["curve_d"] is not None else
                "**none within the grid**: every step still lowers it by ≥ "
                f"{100 * summary['curve_drop']:.0f}%, so the curve gives no estimate (grid edge: the plateau, if any, "
                f"lies above d = {s['latents'][-1]})")
             + (f" — grid edge: {summary['curve_edge']}" if summary.get("curve_edge") else "") + ";",
             f"- PCA (linear): components for 80/90/95/99% of the variance: {comps['80%']}/{comps['90%']}/"
             f"{comps['95%']}/{comps['99%']}.", ""]
    if tw["mean"] is not None:
        mle = est[f"mle_k{NEIGHBOURS[-1]}"]["mean"]
        text = (f"The neighbour-based estimators put {dataset_name(summary)}'s intrinsic dimension near "
                f"{tw['mean']:.0f} (TwoNN)"
                + (f" and {mle:.0f} (MLE, k = {NEIGHBOURS[-1]})" if mle is not None else "")
                + f", {784 / tw['mean']:.0f}× below the raw 784 and {comps['90%'] / tw['mean']:.1f}× below PCA's "
                  f"90%-variance count — a curved, low-dimensional set that a linear subspace covers only with many "
                  f"more dimensions.")
        near = min((r for r in rows if r["ae"]["n"]), key=lambda r: abs(np.log(r["d"] / tw["mean"])), default=None)
        if near:
            text += (f" At the grid size nearest to it (d = {near['d']}) the AE's MSE is "
                     f"{near['ae']['mean'] / near['pca']:.2f}× PCA's.")
            top = [r for r in rows if r["ae"]["n"]][-1]
            if top["d"] > near["d"] and top["ae"]["mean"] < (1 - CURVE_DROP) * near["ae"]["mean"]:
                fall = 1 - top["ae"]["mean"] / near["ae"]["mean"]
                text += (f" Beyond it the AE's MSE still falls by {100 * fall:.0f}%"
                         f" (to {top['ae']['mean']:.4g} at d = {top['d']}): the reconstruction error keeps paying for "
                         f"dimensions that the neighbour-based estimates do not count, so the AE curve alone does "
                         f"not locate the intrinsic dimension.")
        body.append(text)
    body += ["", figure(summary, "mse_vs_d.png", "reconstruction MSE vs d, AE and PCA, with the estimates"), "",
             figure(summary, "reconstructions.png", "original vs reconstructed test digits"), "",
             figure(summary, "ae_curves.png", "AE test MSE per epoch")]
    return "\n".join(body)


if __name__ == "__main__":
    from .core.cli import main_single
    raise SystemExit(main_single(ID))
