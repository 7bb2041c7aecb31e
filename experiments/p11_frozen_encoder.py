"""p11 — a frozen auto-encoder encoder + a trained linear softmax vs a plain linear softmax.

Question (Report A, problem 11): freeze the encoder F of p10 and train only a
linear softmax layer on its d-dimensional code; how does that compare with a
linear softmax on the raw pixels in accuracy, overfitting, parameter count and
training time?

The encoder: p10's, re-derived inside p11's own points with p10's recipe and
config (``experiments/core/autoencoder.py``: same seed, data split and
plateau rule give the same weights — points run on workers without a shared
filesystem, so p11 does not read p10's files).  The run then checks each
encoder's weight fingerprint against ``summary["encoders"][d][seed]`` of
``<out>/p10-autoencoder/summary.json`` and says how many match.

The probe (the same recipe for every arm): a linear softmax Dense(k, 10) on
*standardized* features (per-feature mean and sd of the probe's training
rows), Adam, batch ``PROBE_BATCH``, trained until the validation loss stops
improving (patience ``PATIENCE``, at most ``max_epochs``; best weights kept),
its learning rate chosen per arm from the same grid ``LRS`` by mean
validation accuracy (never the test set).  Arms, every seed:

* *encoder*: the frozen encoder's d-dim code, d ∈ {8, 32, 128} (quick: 8, 32);
* *PCA*: the first d principal components of the same training images (the
  control: is the AE's code better than a linear projection of the same size?);
* *pixels*: the 784 standardized pixels (the plain linear softmax).

Each arm is trained on all training images (minus the validation split) and
on a small labelled set of ``n_small`` images (the overfitting half of Report
A's claim: "especially if the dataset is small").

Tests: non-inferiority of encoder vs pixels per d (margin: 2 binomial SEs of
the pixel probe's accuracy on the test set); encoder vs PCA per d (Welch);
the generalization gap (train − test accuracy) of the encoder probe vs the
pixel probe at both sizes (Welch); parameter counts (exact); training only
the last layer vs the whole model from scratch, per epoch, from the serial
timing pass (Welch on the repeats, gated by their IQR: ``core/timing.py``).

Limits: the encoder was trained for reconstruction, not for classes; one
probe family (linear); the timing compares one epoch of each at batch 128.
"""
import os

import tinynet as tn

from .core import autoencoder as ae
from .core import claims, plots, stats, timing
from .core.noninferiority import binomial_margin, welch_noninferior
from .core.report import figure, table
from .core.store import read_json
from .core.training import fit_point
from .core.tuning import choose_on_validation

np = tn.backend.np

ID = "p11-frozen-encoder"
TITLE = "Frozen encoder + linear softmax vs linear softmax"
QUESTION = ("Does a frozen p10 encoder with a trained linear softmax on top match a plain linear softmax "
            "in accuracy, does it overfit more, and at what cost in parameters and training time?")
ESTIMATE = {"smoke": 5, "quick": 30, "full": 800}

LRS = (1e-3, 1e-2, 1e-1)
PROBE_BATCH = 256
PATIENCE = 3
P10_ID = "p10-autoencoder"
KINDS = ("encoder", "pca", "pixels")


def latents(ctx):
    return ctx.pick(smoke=(8,), quick=(8, 32), full=(8, 32, 128))


def main_d(ctx):
    return ctx.pick(smoke=8, quick=32, full=32)


def probe_settings(ctx):
    return {"lrs": list(LRS), "batch_size": PROBE_BATCH, "patience": PATIENCE,
            "max_epochs": ctx.pick(smoke=3, quick=15, full=40), "n_small": ctx.pick(smoke=100, quick=500, full=1000),
            "n_val": ae.n_val(ctx)}


# -------------------------------------------------------------------- probe
def _standardized(features, n):
    """Features scaled by the mean and sd of the first n training rows (constant columns left as 0)."""
    mu = features["train"][:n].mean(axis=0)
    sd = features["train"][:n].std(axis=0)
    sd = np.where(sd > 1e-6, sd, 1.0)
    return {k: ((v - mu) / sd).astype(np.float32) for k, v in features.items()}


def train_probes(features, labels, probe, seed, kind):
    """Every (n, lr) probe of one feature set: list of compact results."""
    out = []
    loss = tn.losses.SoftmaxCrossEntropy()
    n_all = features["train"].shape[0]
    for n in (probe["n_small"], n_all):
        f = _standardized(features, n)
        data = {"X_train": f["train"][:n], "y_train": labels["train"][:n], "X_val": f["val"], "y_val": labels["val"]}
        for lr in probe["lrs"]:
            model = tn.Sequential([tn.layers.Dense(f["train"].shape[1], 10)], seed=seed)
            stop = tn.callbacks.EarlyStopping(monitor="val_loss", patience=probe["patience"],
                                              restore_best_weights=True)
            res = fit_point(model, data, loss, tn.optim.Adam(lr), epochs=probe["max_epochs"],
                            batch_size=probe["batch_size"], eval_sets=(), use_validation=True, callbacks=[stop])
            if not res["diverged"]:
                res["final"].update({f"test_{k}": v for k, v in
                                     model.evaluate(f["test"], labels["test"], loss=loss).items()})
                res["final"]["gap"] = res["final"]["train_accuracy"] - res["final"]["test_accuracy"]
            out.append({"kind": kind, "n": int(n), "lr": lr, "final": res.get("final", {}),
                        "diverged": res["diverged"], "epochs_run": res["epochs_done"],
                        "best_epoch": None if stop.best_epoch is None else stop.best_epoch + 1,
                        "train_time": res["train_time"],
                        "curve": {"val_accuracy": res["history"].get("val_accuracy", []),
                                  "accuracy": res["history"].get("accuracy", [])}})
    return out


def _labels(data):
    return {"train": data["labels_train"], "val": data["labels_val"], "test": data["labels_test"]}


def encoder_point(ctx, config):
    """Re-derive p10's encoder (d, seed), then probe its code and PCA's first d components."""
    result, model, data = ae.train_autoencoder(ctx, config["encoder"])
    if result["diverged"]:
        return {"diverged": True, "fingerprint": None, "probes": []}
    d, encoder = config["d"], model[:ae.ENCODER_LAYERS]
    code = {k: encoder.predict(data[f"X_{k}"]) for k in ("train", "val", "test")}
    mean, _, vecs = ae.pca(ctx, config["probe"]["n_val"])
    comps = {k: ae.pca_features(data[f"X_{k}"], mean, vecs, d) for k in ("train", "val", "test")}
    labels = _labels(data)
    probes = (train_probes(code, labels, config["probe"], config["seed"], "encoder")
              + train_probes(comps, labels, config["probe"], config["seed"], "pca"))
    return {"diverged": False, "fingerprint": result["fingerprint"], "ae_test_mse": result["final"]["test_loss"],
            "probes": probes}


def pixel_point(ctx, config):
    """The plain linear softmax: the same probe on the standardized pixels."""
    data = ae.ae_data(ctx, config["probe"]["n_val"])
    pixels = {k: data[f"X_{k}"] for k in ("train", "val", "test")}
    return {"diverged": False, "probes": train_probes(pixels, _labels(data), config["probe"], config["seed"],
                                                      "pixels")}


def timing_point(ctx, config):
    """Seconds of one training epoch (batch 128) of the frozen model, the whole model, or the probe alone."""
    L, d = tn.layers, config["d"]
    X = ctx.data(validation=config["n_val"])["X_train"][:config["n"]]
    y = ctx.data(validation=config["n_val"])["y_train"][:config["n"]]
    encoder = [L.Dense(784, ae.HIDDEN), L.ReLU(), L.Dense(ae.HIDDEN, d)]
    if config["unit"] == "frozen":
        for layer in encoder:
            layer.trainable = False
    if config["unit"] == "probe_on_code":
        model, X = tn.Sequential([L.Dense(d, 10)], seed=0), np.random.default_rng(0).normal(
            size=(X.shape[0], d)).astype(np.float32)
    else:
        model = tn.Sequential(encoder + [L.Dense(d, 10)], seed=0)
    return timing.epoch_seconds(model, {"X_train": X, "y_train": y}, tn.losses.SoftmaxCrossEntropy(),
                                tn.optim.Adam(1e-3), 128)


# ---------------------------------------------------------------------- run
def _pseudo_records(records):
    """One record per probe (config: kind, d, n, lr, seed), as tuning and stats expect."""
    out = []
    for r in records:
        for p in r["result"].get("probes", []):
            out.append({"config": {"kind": p["kind"], "d": r["config"].get("d"), "n": p["n"], "lr": p["lr"],
                                   "seed": r["config"]["seed"]},
                        "result": {"final": p["final"], "diverged": p["diverged"], "probe": p}})
    return out


def _p10_fingerprints(ctx):
    try:
        summary = read_json(os.path.join(ctx.out, P10_ID, "summary.json"))
    except (OSError, ValueError):
        return None
    if summary.get("mode") != ctx.mode or summary.get("dataset", "mnist") != ctx.dataset:
        return None
    return summary.get("encoders")


def run(ctx):
    probe = probe_settings(ctx)
    ds = latents(ctx)
    enc_cfgs = [{"arm": "encoder", "d": d, "encoder": ae.ae_config(ctx, d, s), "probe": probe, "seed": s}
                for d in ds for s in ctx.seeds]
    records = ctx.run_points(enc_cfgs, encoder_point, label=lambda c: f"encoder d={c['d']} + probes, seed={c['seed']}")
    records += ctx.run_points([{"arm": "pixels", "probe": probe, "seed": s} for s in ctx.seeds], pixel_point,
                              label=lambda c: f"pixel probes, seed={c['seed']}")
    n_time = ctx.pick(smoke=300, quick=5000, full=20000)
    timings = ctx.run_timing([{"unit": u, "d": main_d(ctx), "n": n_time, "n_val": probe["n_val"]}
                              for u in ("scratch", "frozen", "probe_on_code")], timing_point,
                             label=lambda c: f"one epoch, {c['unit']}")

    pseudo = _pseudo_records(records)
    n_all = max((p["config"]["n"] for p in pseudo), default=0)
    arm = lambda c: (c["kind"], c["d"] if c["kind"] != "pixels" else None, c["n"])  # noqa: E731
    chosen = choose_on_validation(pseudo, arm, lambda c: c["lr"], metric="val_accuracy", lower_is_better=False)
    cells = {}
    for key, pick in chosen.items():
        recs = sorted([r for r in pseudo if arm(r["config"]) == key and r["config"]["lr"] == pick["value"]],
                      key=lambda r: r["config"]["seed"])
        cells["|".join(map(str, key))] = {
            "kind": key[0], "d": key[1], "n": key[2], "lr": pick["value"], "lr_edge": pick["edge"],
            "lr_scores": {f"{v:g}": m for v, m in pick["scores"].items()},
            **{m: stats.summarize([stats.final_metric(r, m) for r in recs])
               for m in ("test_accuracy", "train_accuracy", "val_accuracy", "gap", "test_loss")},
            "epochs_run": stats.summarize([r["result"]["probe"]["epochs_run"] for r in recs]),
            "best_epoch": stats.summarize([r["result"]["probe"]["best_epoch"] for r in recs]),
            "capped": sum(r["result"]["probe"]["epochs_run"] >= probe["max_epochs"] for r in recs),
            "curve": [r["result"]["probe"]["curve"] for r in recs]}

    p10 = _p10_fingerprints(ctx)
    checks = []
    for r in records:
        if r["config"]["arm"] != "encoder" or p10 is None:
            continue
        theirs = p10.get(str(r["config"]["d"]), {}).get(str(r["config"]["seed"]))
        if theirs:
            same_cfg = theirs.get("config") == r["config"]["encoder"]
            checks.append(same_cfg and theirs.get("fingerprint") == r["result"].get("fingerprint"))
    d0 = main_d(ctx)
    params = {"frozen_total": tn.Sequential(ae.layers(d0)[:ae.ENCODER_LAYERS] + [tn.layers.Dense(d0, 10)]).num_params(),
              "frozen_trainable": d0 * 10 + 10, "linear": 784 * 10 + 10}
    summary = {"cells": cells, "latents": list(ds), "main_d": d0, "n_all": n_all, "probe": probe, "params": params,
               "timing": {t["config"]["unit"]: t for t in timings}, "timing_n": n_time,
               "encoder_check": {"p10_found": p10 is not None, "compared": len(checks), "matching": sum(checks)},
               "n_test": int(ctx.data(validation=probe["n_val"])["X_test"].shape[0])}
    summary["claims"] = _claims(summary)
    summary["figures"] = [_plot(ctx, summary)]
    return summary


def _cell(summary, kind, d, n):
    n = summary["probe"]["n_small"] if n == "small" else summary["n_all"]
    return summary["cells"].get("|".join(map(str, (kind, None if kind == "pixels" else d, n))))


def _vals(cell, metric):
    return cell[metric]["values"] if cell else []


def _claims(summary):
    p = summary["probe"]
    budget = (f"probe: Adam, lr from {{{', '.join(f'{v:g}' for v in p['lrs'])}}} by validation accuracy per arm, "
              f"batch {p['batch_size']}, early stopping on val. loss (patience {p['patience']}, ≤ {p['max_epochs']} "
              f"epochs); encoder: p10's recipe")
    pix = _cell(summary, "pixels", None, "all")
    out = []
    margin = binomial_margin(pix["test_accuracy"]["mean"] if pix else None, summary["n_test"]) or 0.0
    for d in summary["latents"]:
        enc, pca = _cell(summary, "encoder", d, "all"), _cell(summary, "pca", d, "all")
        out.append(claims.claim(
            f"p11.competitive-d{d}", "A",
            "freezing it and training only the last layer for classification can lead to competitive or even "
            "superior performance compared to a baseline linear softmax model",
            f"frozen encoder (d = {d}) + tuned standardized probe vs the same probe on pixels: non-inferiority "
            f"on test accuracy, margin {100 * margin:.2f} pts (2 binomial SEs)",
            welch_noninferior(_vals(enc, "test_accuracy"), _vals(pix, "test_accuracy"), margin), expect=+1,
            budget=budget, effect="encoder − (pixels − m)", unit="pct",
            note=" ".join(x for x in (enc and enc["lr_edge"], pix and pix["lr_edge"]) if x)))
        out.append(claims.claim(
            f"p11.discriminative-d{d}", "A",
            "relies on the assumption that the pre-trained encoder (F) has learned meaningful and discriminative "
            "features from the data",
            f"probe on the encoder's code vs on the first {d} principal components (the PCA-{d} control): "
            "Welch t on test accuracy",
            stats.welch(_vals(enc, "test_accuracy"), _vals(pca, "test_accuracy")), expect=+1, budget=budget,
            effect="encoder − PCA", unit="pct"))
    prm = summary["params"]
    out.append(claims.claim(
        "p11.more-complex", "A",
        "The frozen encoder approach typically results in a more complex model compared to a baseline linear "
        "softmax model", f"parameter counts at d = {summary['main_d']} (exact)", kind="exact",
        holds=prm["frozen_total"] > prm["linear"],
        effect=f"{prm['frozen_total']:,} in all ({prm['frozen_trainable']:,} trainable) vs {prm['linear']:,}"))
    d0 = summary["main_d"]
    for size, cid, quote in (("all", "p11.overfitting-risk", "it also increases the risk of overfitting"),
                             ("small", "p11.overfitting-small-data", "especially if the dataset is small")):
        enc, pixc = _cell(summary, "encoder", d0, size), _cell(summary, "pixels", None, size)
        n = p["n_small"] if size == "small" else summary["n_all"]
        out.append(claims.claim(
            cid, "A", quote,
            f"generalization gap (train − test accuracy) of the frozen-encoder probe (d = {d0}) vs the pixel "
            f"probe, both trained on {n:,} labelled images: Welch t",
            stats.welch(_vals(enc, "gap"), _vals(pixc, "gap")), expect=+1, budget=budget,
            effect="gap encoder − gap pixels", unit="pct"))
    t = summary["timing"]
    out.append(claims.claim(
        "p11.last-layer-faster", "A",
        "Training only the last layer of the frozen encoder model is computationally more efficient compared to "
        "training the entire model from scratch",
        f"serial timing pass: one epoch on {summary['timing_n']:,} images (batch 128), whole model from scratch "
        f"vs frozen encoder + last layer, d = {d0}", timing.difference(t.get("scratch"), t.get("frozen")),
        expect=+1, budget="timing pass (warm-up excluded, repeats interleaved)", effect="scratch − frozen (s/epoch)",
        note=(timing.difference(t.get("scratch"), t.get("frozen")).get("gate") or "")))
    return out


# ------------------------------------------------------------------ figure
def _plot(ctx, summary):
    fig, (ax1, ax2) = plots.figure(ncols=2, width=5.0, height=3.8)
    ds = summary["latents"]
    for kind, color, marker in (("encoder", "C3", "o"), ("pca", "C0", "s")):
        for size, ls in (("all", "-"), ("small", ":")):
            cells = [(d, _cell(summary, kind, d, size)) for d in ds]
            cells = [(d, c) for d, c in cells if c and c["test_accuracy"]["n"]]
            if cells:
                ax1.errorbar([d for d, _ in cells], [100 * c["test_accuracy"]["mean"] for _, c in cells],
                             yerr=[100 * (c["test_accuracy"]["sd"] or 0) for _, c in cells], fmt=marker + ls,
                             color=color, capsize=3, label=f"{kind} probe, n = {'small' if size == 'small' else 'all'}")
    for size, ls in (("all", "--"), ("small", ":")):
        pix = _cell(summary, "pixels", None, size)
        if pix and pix["test_accuracy"]["n"]:
            ax1.axhline(100 * pix["test_accuracy"]["mean"], color="k", ls=ls, label=f"pixels, n = {size}")
    ax1.set_xscale("log", base=2)
    plots.decorate(ax1, title="probe test accuracy vs d", xlabel="code size d (log₂)",
                   ylabel="test accuracy (%), mean ± sd", legend_size=6)
    for kind, color in (("encoder", "C3"), ("pca", "C0"), ("pixels", "k")):
        cell = _cell(summary, kind, summary["main_d"], "all")
        if not cell:
            continue
        for i, curve in enumerate(cell["curve"]):
            for key, ls in (("accuracy", ":"), ("val_accuracy", "-")):
                ys = [100 * v for v in curve.get(key, [])]
                what = "train (running)" if key == "accuracy" else "validation"
                ax2.plot(range(1, len(ys) + 1), ys, ls=ls, color=color, lw=1,
                         label=f"{kind}: {what}" if i == 0 else None)
    plots.decorate(ax2, title=f"chosen probes per epoch (d = {summary['main_d']}, all seeds)", xlabel="epoch",
                   ylabel="accuracy (%)", legend_size=6)
    return plots.save(fig, ctx.path("probe.png")).rsplit("/", 1)[-1]


# ------------------------------------------------------------------ report
def report(summary):
    p, decided = summary["probe"], claims.decide(summary["claims"])
    verdict = {c["id"]: c["verdict"] for c in decided}
    fs = lambda x: stats.fmt_summary(x, pct=True) if x and x["n"] else "—"  # noqa: E731
    chk = summary["encoder_check"]
    body = [claims.ledger_table(decided, problem=False), "",
            f"Encoders: p10's recipe, re-derived inside p11's points; "
            + (f"{chk['matching']} of {chk['compared']} have the same weight fingerprint as p10's stored encoders."
               if chk["p10_found"] else "p10's summary for this mode was not found, so no cross-check was made.")
            + f" Probe: linear softmax on standardized features, Adam, batch {p['batch_size']}, early stopping on the "
              f"validation loss (patience {p['patience']}, ≤ {p['max_epochs']} epochs, best weights kept), lr chosen "
              f"per arm from {{{', '.join(f'{v:g}' for v in p['lrs'])}}} by mean validation accuracy "
              f"({p['n_val']:,} held-out images); trained on {summary['n_all']:,} or {p['n_small']:,} labelled images, "
              f"tested on {summary['n_test']:,}.", ""]
    rows = []
    for size in ("all", "small"):
        for kind in KINDS:
            for d in ([None] if kind == "pixels" else summary["latents"]):
                c = _cell(summary, kind, d, size)
                if not c:
                    continue
                rows.append([kind + ("" if d is None else f" d={d}"), f"{c['n']:,}", f"{c['lr']:g}"
                             + (" (edge)" if c["lr_edge"] else ""), fs(c["val_accuracy"]), fs(c["train_accuracy"]),
                             fs(c["test_accuracy"]), fs(c["gap"]), stats.fmt_summary(c["epochs_run"], digits=3),
                             f"{c['capped']}/{c['test_accuracy']['n']}"])
    body += [table(["features", "labelled", "lr", "val. acc.", "train acc.", "test acc.", "gap (train − test)",
                    "epochs", "hit the cap"], rows), ""]
    pix = _cell(summary, "pixels", None, "all")
    for d in summary["latents"]:
        enc, pca = _cell(summary, "encoder", d, "all"), _cell(summary, "pca", d, "all")
        if not (enc and pix and enc["test_accuracy"]["n"] and pix["test_accuracy"]["n"]):
            continue
        diff = enc["test_accuracy"]["mean"] - pix["test_accuracy"]["mean"]
        body.append(f"d = {d}: encoder probe {fs(enc['test_accuracy'])} vs pixels {fs(pix['test_accuracy'])} "
                    f"({100 * diff:+.2f} points; 'competitive': **{verdict[f'p11.competitive-d{d}']}**); vs the "
                    f"PCA-{d} control {fs(pca['test_accuracy']) if pca else '—'} (encoder better: "
                    f"**{verdict[f'p11.discriminative-d{d}']}**).")
    d0 = summary["main_d"]
    enc = _cell(summary, "encoder", d0, "all")
    if enc and enc["train_accuracy"]["n"]:
        runs = enc["test_accuracy"]["n"]
        text = (f"The tuned probe at d = {d0} reaches {fs(enc['train_accuracy'])} on its training images vs "
                f"{fs(enc['test_accuracy'])} on the test set, after {stats.fmt_summary(enc['epochs_run'], digits=3)} "
                f"epochs (best at {stats.fmt_summary(enc['best_epoch'], digits=3)}); it stopped on its validation "
                f"plateau in {runs - enc['capped']} of {runs} runs"
                + (f", the other {enc['capped']} reached the {p['max_epochs']}-epoch cap" if enc["capped"] else ""))
        pca = _cell(summary, "pca", d0, "all")
        if enc["train_accuracy"]["mean"] < enc["test_accuracy"]["mean"] and pca and pca["train_accuracy"]["n"]:
            same = pca["train_accuracy"]["mean"] < pca["test_accuracy"]["mean"]
            text += (f". Train < test here, and {'also' if same else 'NOT'} for the PCA-{d0} probe "
                     f"({fs(pca['train_accuracy'])} vs {fs(pca['test_accuracy'])})"
                     + (": a linear probe on so few features cannot overfit, and these test digits are easier for "
                        "it, so the inversion alone does not show an unconverged probe" if same else ""))
        body.append(text + ".")
    body.append(f"Overfitting (train − test accuracy gap, encoder d = {d0} vs pixels): all labelled images "
                f"**{verdict['p11.overfitting-risk']}**, {p['n_small']:,} labelled images "
                f"**{verdict['p11.overfitting-small-data']}**.")
    t = summary["timing"]
    if t.get("scratch") and t.get("frozen"):
        body.append(f"Timing pass ({timing.load_text(list(t.values()))}): one epoch on {summary['timing_n']:,} "
                    f"images — from scratch {timing.fmt(t['scratch'])}, frozen encoder + last layer "
                    f"{timing.fmt(t['frozen'])}, the last layer alone on precomputed codes "
                    f"{timing.fmt(t.get('probe_on_code'))}; 'training only the last layer is more efficient': "
                    f"**{verdict['p11.last-layer-faster']}**.")
    body += ["", figure(summary, "probe.png", "probe test accuracy vs d and chosen probes per epoch")]
    return "\n".join(body)


if __name__ == "__main__":
    from .core.cli import main_single
    raise SystemExit(main_single(ID))
