"""p10 — reconstruction loss vs latent size of a dense auto-encoder, against PCA.

Question (Report A, problem 10): how does the reconstruction loss change with
the encoder's output dimension d, and what does that say about the intrinsic
dimensionality of MNIST (raw dimension 784)?

Method.  A dense auto-encoder 784 → 256 → d → 256 → 784 (ReLU hidden layers,
linear code, sigmoid output) trained with MSE on [0, 1] pixels (the sigmoid
keeps outputs in the pixel range; MSE is the quantity PCA minimizes, so the
two compare on their own objective), Adam lr 1e-3, batch 128, for
d ∈ {2, 4, 8, 16, 32, 64, 128}, every seed.  The linear reference is PCA with
the same d: eigenvectors of the covariance of the *centered training images*
(numpy), test images projected and reconstructed.  Reported: test MSE per
pixel for both.

Intrinsic dimension, two criteria, both stated in the report:
(a) AE: the smallest d whose test MSE is within 25% of the d = 128 MSE;
(b) PCA: the number of components that explain 90% and 95% of the variance.

Quality bar (full run): AE MSE < PCA MSE for every d ≤ 32.

For p11 the encoder (``model[:3]``: Dense, ReLU, Dense — the code is the
linear output) of d = ``P11_LATENT`` is saved per seed as
``encoder_d{d}_seed{s}.npz`` (``tn.load`` reads it) with the AE config beside
it in ``encoder_d{d}_seed{s}.json``.

Limits: one architecture and training length per d; a longer training or a
wider AE would lower every AE point.
"""
import os

import tinynet as tn

from .core import plots
from .core.report import figure, table
from .core.seedstats import fmt_stat, stat
from .core.store import write_json
from .core.training import fit_point

np = tn.backend.np

ID = "p10-autoencoder"
TITLE = "Auto-encoder: reconstruction loss vs latent size"
QUESTION = ("How does a dense auto-encoder's reconstruction loss change with the encoder output "
            "dimension d (vs PCA), and what is the intrinsic dimensionality of MNIST?")
ESTIMATE = {"smoke": 5, "quick": 55, "full": 550}

LATENTS = (2, 4, 8, 16, 32, 64, 128)
HIDDEN = 256
LR, BATCH = 1e-3, 128
P11_LATENT = 32          # the encoder p11 freezes
ENCODER_LAYERS = 3       # Dense(784, 256), ReLU, Dense(256, d)
ID_TOLERANCE = 0.25      # criterion (a): within 25% of the d = 128 MSE
BAR_MAX_D = 32
SHOW = 8                 # test digits in the reconstruction grid (one per class 0..7)
GRID_PCA_D = (2, 8, 32, 128)  # PCA rows in the grid


def autoencoder_layers(d, hidden=HIDDEN):
    L = tn.layers
    return [L.Dense(784, hidden), L.ReLU(), L.Dense(hidden, d),                 # encoder: code is linear
            L.Dense(d, hidden), L.ReLU(), L.Dense(hidden, 784), L.Sigmoid()]  # decoder


def ae_config(ctx, d, seed, epochs=None):
    """The config of one AE point (p11 builds the same to find / retrain an encoder)."""
    epochs = epochs or ctx.pick(smoke=1, quick=4, full=8)
    n_train = ctx.pick(smoke=600, quick=12000, full=60000)
    return {"latent": d, "hidden": HIDDEN, "loss": "mse", "output": "sigmoid", "lr": LR, "batch_size": BATCH,
            "epochs": epochs, "n_train": n_train, "seed": seed}


def ae_data(ctx):
    """Images as inputs and targets (the labels are kept for p11 and for picking digits)."""
    data = ctx.data()
    return {"X_train": data["X_train"], "y_train": data["X_train"], "X_test": data["X_test"],
            "y_test": data["X_test"], "labels_test": data["y_test"], "labels_train": data["y_train"]}


def show_indices(labels):
    """The first test digit of each class 0..9."""
    return [int(np.flatnonzero(labels == c)[0]) for c in range(SHOW)]


def encoder_paths(folder, d, seed):
    base = os.path.join(folder, f"encoder_d{d}_seed{seed}")
    return base + ".npz", base + ".json"


def train_autoencoder(config, data, verbose=0, encoder_to=None):
    """Train one AE; returns (result, model).  Saves the encoder to ``encoder_to`` (folder) when given."""
    model = tn.Sequential(autoencoder_layers(config["latent"], config["hidden"]), seed=config["seed"])
    result = fit_point(model, data, tn.losses.MSE(), tn.optim.Adam(config["lr"]), epochs=config["epochs"],
                       batch_size=config["batch_size"], verbose=verbose)
    if encoder_to is not None and not result["diverged"]:
        npz, meta = encoder_paths(encoder_to, config["latent"], config["seed"])
        model[:ENCODER_LAYERS].save(npz)
        write_json(meta, config, compact=False)
    return result, model


def _point(ctx, data, idx):
    def fn(config):
        save = ctx.folder if config["latent"] == P11_LATENT else None
        result, model = train_autoencoder(config, data, ctx.fit_verbose, encoder_to=save)
        if not result["diverged"]:
            recon = model.predict(data["X_test"][idx])
            result["recon_u8"] = np.rint(255 * np.clip(recon, 0, 1)).astype(int).tolist()
        return result
    return fn


def pca(X_train):
    """Mean, eigenvalues (descending) and eigenvectors (columns) of the training covariance."""
    X = X_train.astype(np.float64)
    mean = X.mean(axis=0)
    Xc = X - mean
    cov = Xc.T @ Xc / X.shape[0]
    vals, vecs = np.linalg.eigh(cov)
    order = np.argsort(vals)[::-1]
    return mean, np.clip(vals[order], 0, None), vecs[:, order]


def pca_reconstruct(X, mean, vecs, d):
    V = vecs[:, :d]
    return (X.astype(np.float64) - mean) @ V @ V.T + mean


def run(ctx):
    latents = LATENTS if ctx.mode != "smoke" else (2, P11_LATENT)
    data = ae_data(ctx)
    idx = show_indices(data["labels_test"])
    configs = [ae_config(ctx, d, s) for d in latents for s in ctx.seeds]
    records = ctx.run_points(configs, _point(ctx, data, idx),
                             label=lambda c: f"AE d={c['latent']} seed={c['seed']}")

    mean, vals, vecs = pca(data["X_train"])
    explained = np.cumsum(vals) / vals.sum()
    # Test MSE of PCA for every d at once: ||x - mu||^2 minus the energy of the first d projections.
    centered = data["X_test"].astype(np.float64) - mean
    energy = (centered ** 2).sum(axis=1).mean()
    captured = np.cumsum(((centered @ vecs) ** 2).mean(axis=0))
    pca_all = (energy - captured) / centered.shape[1]              # pca_all[d - 1] = test MSE with d comps
    pca_curve_d = sorted(set(list(range(1, 17)) + list(range(16, 257, 8)) + list(latents)))
    pca_test = {d: float(pca_all[d - 1]) for d in pca_curve_d}
    comps = {f"{int(100 * q)}%": int(np.searchsorted(explained, q) + 1) for q in (0.8, 0.9, 0.95, 0.99)}

    rows = []
    for d in latents:
        recs = [r for r in records if r["config"]["latent"] == d]
        res = [r["result"] for r in recs]
        ok = [x for x in res if not x["diverged"]]
        rows.append({"d": d, "ae_test_mse": stat([x["final"]["test_loss"] for x in ok]),
                     "ae_train_mse": stat([x["final"]["train_loss"] for x in ok]),
                     "pca_test_mse": pca_test[d], "pca_explained": float(explained[d - 1]),
                     "train_time": stat([x["train_time"] for x in res]),
                     "params": res[0]["params"], "diverged": sum(x["diverged"] for x in res), "runs": len(res)})
    for r in rows:
        # how many PCA components reach this AE's test MSE (the AE code's "linear equivalent")
        r["pca_d_equal"] = (int(np.argmax(pca_all <= r["ae_test_mse"]["mean"]) + 1)
                            if r["ae_test_mse"]["n"] and (pca_all <= r["ae_test_mse"]["mean"]).any() else None)
        r["ae_beats_pca"] = r["ae_test_mse"]["n"] > 0 and r["ae_test_mse"]["mean"] < r["pca_test_mse"]
    bar_rows = [r for r in rows if r["d"] <= BAR_MAX_D]
    bar_met = bool(bar_rows) and all(r["ae_beats_pca"] for r in bar_rows)
    ref = rows[-1]["ae_test_mse"]["mean"] if rows[-1]["ae_test_mse"]["n"] else None
    intrinsic_ae = next((r["d"] for r in rows if ref is not None and r["ae_test_mse"]["n"]
                         and r["ae_test_mse"]["mean"] <= (1 + ID_TOLERANCE) * ref), None)

    encoders = []
    for s in ctx.seeds:
        npz, meta = encoder_paths(ctx.folder, P11_LATENT, s)
        if os.path.exists(npz):
            encoders.append(os.path.basename(npz))

    figures = [_plot_mse(ctx, rows, pca_test, ctx.mode), _plot_grid(ctx, records, latents, data, idx, mean, vecs),
               _plot_curves(ctx, records, latents)]
    return {"rows": rows, "pca_components_for": comps, "bar_met": bar_met, "intrinsic_ae": intrinsic_ae,
            "id_tolerance": ID_TOLERANCE, "ref_d": rows[-1]["d"], "bar_max_d": BAR_MAX_D,
            "pca_curve": {str(d): v for d, v in pca_test.items()}, "encoders": encoders,
            "p11_latent": P11_LATENT, "figures": figures,
            "settings": {"hidden": HIDDEN, "lr": LR, "batch_size": BATCH, "epochs": configs[0]["epochs"],
                         "n_train": int(data["X_train"].shape[0]), "n_test": int(data["X_test"].shape[0])}}


# ----------------------------------------------------------------- figures
def _plot_mse(ctx, rows, pca_test, mode):
    fig, ax = plots.figure(width=6.0, height=4.0)
    ds = sorted(pca_test)
    ax.plot(ds, [pca_test[d] for d in ds], color="gray", lw=1, label="PCA (every d)")
    ax.plot([r["d"] for r in rows], [r["pca_test_mse"] for r in rows], "s", color="k", label="PCA, same d")
    ok = [r for r in rows if r["ae_test_mse"]["n"]]
    ax.errorbar([r["d"] for r in ok], [r["ae_test_mse"]["mean"] for r in ok],
                yerr=[r["ae_test_mse"]["std"] for r in ok], fmt="o-", color="C3", capsize=3,
                label="auto-encoder (test, mean ± std)")
    ax.plot([r["d"] for r in ok], [r["ae_train_mse"]["mean"] for r in ok], ":", color="C3", label="auto-encoder (train)")
    for r in rows:
        if r["diverged"]:
            plots.mark_diverged(ax, r["d"], r["pca_test_mse"])
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("latent dimension d (log₂ scale)")
    ax.set_ylabel("reconstruction MSE per pixel ([0,1]² units, log)")
    ax.set_title("reconstruction error vs latent size", fontsize=9)
    ax.legend(fontsize=7)
    return plots.save(fig, ctx.path("mse_vs_d.png")).rsplit("/", 1)[-1]


def _plot_grid(ctx, records, latents, data, idx, mean, vecs):
    """Rows: originals, then AE (first seed) and PCA reconstructions for each d."""
    originals = data["X_test"][idx]
    rows, labels = [originals], ["original"]
    for d in latents:
        rec = next((r for r in records if r["config"]["latent"] == d and "recon_u8" in r["result"]), None)
        rows.append(np.asarray(rec["result"]["recon_u8"], dtype=float)[:len(idx)] / 255 if rec
                    else np.zeros_like(originals))
        labels.append(f"AE d={d}")
    for d in [d for d in latents if d in GRID_PCA_D]:
        rows.append(np.clip(pca_reconstruct(originals, mean, vecs, d), 0, 1))
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


def _plot_curves(ctx, records, latents):
    fig, ax = plots.figure(width=6.0, height=3.6)
    for i, d in enumerate(latents):
        hist = [r["result"]["history"] for r in records if r["config"]["latent"] == d]
        n = max(len(h.get("test_loss", [])) for h in hist)
        plots.band(ax, list(range(1, n + 1)), [h.get("test_loss", []) for h in hist], label=f"d={d}",
                   color=plots.plt.cm.plasma(i / max(1, len(latents) - 1)))
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(plots.plt.MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("test MSE per pixel (log scale)")
    ax.set_title("auto-encoder test MSE during training", fontsize=9)
    ax.legend(fontsize=7, ncol=2)
    return plots.save(fig, ctx.path("ae_curves.png")).rsplit("/", 1)[-1]


# ------------------------------------------------------------------ report
def _intrinsic_sentence(summary, comps):
    d_ae = summary["intrinsic_ae"]
    if d_ae is None:
        return "Criterion (a) is undefined (no AE result at the reference d)."
    row = next(r for r in summary["rows"] if r["d"] == d_ae)
    text = (f"Estimate (a) is {d_ae} against PCA's {comps['90%']} (90%) — "
            f"{comps['90%'] / d_ae:.1f}× fewer dimensions than the linear count, and "
            f"{784 / d_ae:.0f}× fewer than the raw 784.")
    if row["ae_beats_pca"] and row.get("pca_d_equal"):
        text += (f" At d = {d_ae} the AE's MSE is {row['pca_test_mse'] / row['ae_test_mse']['mean']:.1f}× below "
                 f"PCA's; PCA needs {row['pca_d_equal']} components for the same MSE, so the images lie near a "
                 f"curved set that a {d_ae}-dimensional non-linear code describes as well as a "
                 f"{row['pca_d_equal']}-dimensional linear subspace.")
    else:
        text += f" At d = {d_ae} the AE does NOT beat PCA, so (a) reflects this AE's limits more than the data."
    return text


def report(summary):
    s, rows = summary["settings"], summary["rows"]
    body = [
        f"Auto-encoder 784 → {s['hidden']} → d → {s['hidden']} → 784 (ReLU hidden, linear code, sigmoid output), "
        f"loss MSE on [0,1] pixels, Adam lr {s['lr']:g}, batch {s['batch_size']}, {s['epochs']} epochs on "
        f"{s['n_train']:,} training images; MSE per pixel on {s['n_test']:,} test images. PCA: eigenvectors of the "
        f"centered training images' covariance. Mean ± std over seeds.",
        "",
        table(["d", "AE test MSE", "AE train MSE", "PCA test MSE", "AE / PCA", "PCA comps. for the AE's MSE",
               "PCA explained var.", "AE params", "AE train time (s)"],
              [[r["d"], fmt_stat(r["ae_test_mse"]) if r["ae_test_mse"]["n"] else "DIVERGED",
                fmt_stat(r["ae_train_mse"]), f"{r['pca_test_mse']:.4g}",
                f"{r['ae_test_mse']['mean'] / r['pca_test_mse']:.2f}" if r["ae_test_mse"]["n"] else "—",
                r.get("pca_d_equal") or "—",
                f"{100 * r['pca_explained']:.1f}%", f"{r['params']:,}", fmt_stat(r["train_time"], digits=3)]
               for r in rows]),
        "",
    ]
    beats = [r["d"] for r in rows if r["ae_beats_pca"]]
    loses = [r["d"] for r in rows if not r["ae_beats_pca"]]
    body.append(f"The auto-encoder reconstructs better than PCA at d ∈ {{{', '.join(map(str, beats)) or '—'}}}"
                + (f" and worse at d ∈ {{{', '.join(map(str, loses))}}}" if loses else "") + ".")
    small = [r for r in rows if r["d"] <= summary["bar_max_d"] and r["ae_test_mse"]["n"]]
    if small:
        best = max(small, key=lambda r: r["pca_test_mse"] / r["ae_test_mse"]["mean"])
        gain = best["pca_test_mse"] / best["ae_test_mse"]["mean"]
        if gain > 1:
            body.append(f"The AE's largest advantage (d ≤ {summary['bar_max_d']}) is at d = {best['d']}: AE "
                        f"{best['ae_test_mse']['mean']:.4g} vs PCA {best['pca_test_mse']:.4g} ({gain:.1f}× lower).")
        else:
            body.append(f"The AE is worse than PCA at every d ≤ {summary['bar_max_d']} (closest at d = {best['d']}: "
                        f"AE {best['ae_test_mse']['mean']:.4g} vs PCA {best['pca_test_mse']:.4g}).")
    body.append(f"Quality bar: AE MSE < PCA MSE for every d ≤ {summary['bar_max_d']}: "
                f"**{'met' if summary['bar_met'] else 'MISSED'}**.")
    first, last = rows[0], rows[-1]
    if first["ae_test_mse"]["n"] and last["ae_test_mse"]["n"]:
        body.append(f"Report A: the loss decreases as d grows — ours goes from {first['ae_test_mse']['mean']:.4g} "
                    f"(d = {first['d']}) to {last['ae_test_mse']['mean']:.4g} (d = {last['d']}), "
                    + ("monotonically." if all(a["ae_test_mse"]["mean"] >= b["ae_test_mse"]["mean"]
                                               for a, b in zip(rows, rows[1:]) if a["ae_test_mse"]["n"] and b["ae_test_mse"]["n"])
                       else "but NOT monotonically (see the table)."))
    comps = summary["pca_components_for"]
    tol = int(100 * summary["id_tolerance"])
    body += ["",
             "**Intrinsic dimension** (criteria stated; they answer different questions):",
             "",
             f"- (a) auto-encoder: smallest d whose test MSE is within {tol}% of the d = {summary['ref_d']} MSE → "
             f"**d = {summary['intrinsic_ae'] if summary['intrinsic_ae'] is not None else '—'}**;",
             f"- (b) PCA (linear): components needed for 90% of the pixel variance: **{comps['90%']}**, for 95%: "
             f"**{comps['95%']}** (80%: {comps['80%']}, 99%: {comps['99%']}).",
             "",
             _intrinsic_sentence(summary, comps),
             "",
             f"Saved for p11: {', '.join(summary['encoders']) or 'no encoder files'} (d = {summary['p11_latent']}).",
             "",
             figure(summary, "mse_vs_d.png", "reconstruction MSE vs d, AE and PCA"), "",
             figure(summary, "reconstructions.png", "original vs reconstructed test digits"), "",
             figure(summary, "ae_curves.png", "AE test MSE per epoch")]
    return "\n".join(body)


if __name__ == "__main__":
    from .core.cli import main_single
    main_single(ID)
