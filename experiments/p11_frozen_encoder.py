"""p11 — a frozen auto-encoder encoder + a trained linear softmax vs a plain linear softmax.

Question (Report A, problem 11): freeze the encoder F of p10 and train only a
linear softmax layer on its d-dimensional code; how does that compare with a
linear softmax on the raw pixels (≈ 92.5% test accuracy in the literature) in
accuracy, parameter count and training time?

Method.  The p10 encoder with d = ``P11_LATENT`` (784 → 256 → ReLU → d) is
loaded from ``<out>/p10-autoencoder/encoder_d{d}_seed{s}.npz`` when its saved
config equals the one p10 would use in this mode; otherwise it is trained
here with p10's own builder and config (and saved in this experiment's
folder).  Its layers get ``trainable = False`` and a ``Dense(d, 10)`` is
stacked on top; ``fit`` then updates only that layer (backpropagation stops at
it).  Compared with the same training recipe (Adam, batch 128, same epochs,
every seed; each model's learning rate picked from {1e-3, 1e-2, 3e-2} by
validation accuracy, since the code's scale differs from the pixels'):

* *linear softmax*: Dense(784, 10) on the pixels;
* *frozen encoder + linear*: the model above;
* *same architecture from scratch*: 784 → 256 → d → 10, every layer trained —
  the check of Report A's claim that training only the last layer is cheaper
  than training the whole model.

Limits: one latent size; the encoder was trained for reconstruction, not for
classes; a probe on a frozen encoder still pays the encoder's forward pass
every step (features could be precomputed once — not done here).
"""
import json
import os

import tinynet as tn

from .core import plots
from .core.report import figure, table
from .core.seedstats import fmt_stat, stat, within_spread
from .core.training import fit_point
from . import p10_autoencoder as p10

np = tn.backend.np

ID = "p11-frozen-encoder"
TITLE = "Frozen encoder + linear softmax vs linear softmax"
QUESTION = ("Does a frozen p10 encoder with a trained linear softmax on top beat a plain linear softmax "
            "(≈ 92.5%) in accuracy, and at what cost in parameters and training time?")
ESTIMATE = {"smoke": 4, "quick": 15, "full": 200}

LRS, BATCH = (1e-3, 1e-2, 3e-2), 128   # Adam learning rates tried per model
LITERATURE_LINEAR = 0.925
MODELS = ("linear_softmax", "frozen_encoder", "scratch")
NAMES = {"linear_softmax": "linear softmax 784 → 10",
         "frozen_encoder": "frozen encoder (784 → 256 → d) + trained Dense(d, 10)",
         "scratch": "784 → 256 → d → 10, all layers trained from scratch"}


def _p10_folder(ctx):
    return os.path.join(ctx.out, p10.ID)


def _encoder_config(ctx, seed):
    """The p10 config of the encoder for this seed, without the run's bookkeeping keys."""
    return p10.ae_config(ctx, p10.P11_LATENT, seed)


def _load_encoder(ctx, seed):
    """(encoder model, where it came from): p10's saved file if its config matches, else trained here."""
    expected = _encoder_config(ctx, seed)
    for folder in (_p10_folder(ctx), ctx.folder):
        npz, meta = p10.encoder_paths(folder, p10.P11_LATENT, seed)
        if os.path.exists(npz) and os.path.exists(meta):
            with open(meta) as f:
                saved = json.load(f)
            same = all(saved.get(k) == v for k, v in expected.items()) and \
                saved.get("mode") == ctx.mode and saved.get("dataset") == ctx.dataset
            if same:
                return tn.load(npz), os.path.relpath(npz, ctx.out)
    config = {**expected, "mode": ctx.mode, "dataset": ctx.dataset, "backend": ctx.backend}
    _, model = p10.train_autoencoder(config, p10.ae_data(ctx), ctx.fit_verbose, encoder_to=ctx.folder)
    return model[:p10.ENCODER_LAYERS], "trained inside p11 (no matching p10 file)"


def _build(ctx, config):
    L, d, s = tn.layers, config["latent"], config["seed"]
    if config["model"] == "linear_softmax":
        return tn.Sequential([L.Dense(784, 10)], seed=s), None
    if config["model"] == "scratch":
        return tn.Sequential([L.Dense(784, p10.HIDDEN), L.ReLU(), L.Dense(p10.HIDDEN, d), L.Dense(d, 10)],
                             seed=s), None
    encoder, source = _load_encoder(ctx, s)
    for layer in encoder.layers:
        layer.trainable = False
    return tn.Sequential(list(encoder.layers) + [L.Dense(d, 10)], seed=s), source


def _point(ctx, data):
    def fn(config):
        model, source = _build(ctx, config)
        search = config["stage"] == "lr_search"
        result = fit_point(model, data, tn.losses.SoftmaxCrossEntropy(), tn.optim.Adam(config["lr"]),
                           epochs=config["epochs"], batch_size=config["batch_size"], verbose=ctx.fit_verbose,
                           eval_sets=() if search else ("test",), use_validation=search,
                           final_train_eval=not search)
        result["params_trainable"] = model.num_params(trainable_only=True)
        result["encoder_source"] = source
        return result
    return fn


def _configs(ctx, stage, models_lrs, seeds, epochs, n_train, n_val=0):
    configs = []
    for m, lr in models_lrs:
        for s in seeds:
            c = {"stage": stage, "model": m, "latent": p10.P11_LATENT, "lr": lr, "batch_size": BATCH,
                 "epochs": epochs, "n_train": n_train, "n_val": n_val, "seed": s}
            if m == "frozen_encoder":
                c["encoder"] = _encoder_config(ctx, s)  # a different encoder is a different point
            configs.append(c)
    return configs


def run(ctx):
    epochs = ctx.pick(smoke=1, quick=5, full=10)
    n_val = ctx.pick(smoke=100, quick=2000, full=5000)
    # 1. learning rate per model, chosen on a validation split (first seed): the features' scales differ
    #    (pixels in [0, 1] vs an unnormalized code), so one fixed LR would favour one model.
    split = ctx.data(validation=n_val)
    search = ctx.run_points(_configs(ctx, "lr_search", [(m, lr) for m in MODELS for lr in LRS], ctx.seeds[:1],
                                     epochs, int(split["X_train"].shape[0]), n_val),
                            _point(ctx, split), label=lambda c: f"LR search: {c['model']} lr={c['lr']:g}")
    lr_table, chosen = {}, {}
    for m in MODELS:
        accs = {}
        for r in search:
            if r["config"]["model"] == m:
                res = r["result"]
                accs[r["config"]["lr"]] = None if res["diverged"] else res["final"].get("val_accuracy")
        lr_table[m] = {f"{lr:g}": a for lr, a in accs.items()}
        valid = {lr: a for lr, a in accs.items() if a is not None}
        chosen[m] = max(valid, key=valid.get) if valid else LRS[0]
    # 2. every model with its chosen LR on all training images, every seed, tested
    data = ctx.data()
    configs = _configs(ctx, "final", [(m, chosen[m]) for m in MODELS], ctx.seeds, epochs,
                       int(data["X_train"].shape[0]))
    records = ctx.run_points(configs, _point(ctx, data),
                             label=lambda c: f"{c['model']} lr={c['lr']:g} seed={c['seed']}")
    rows = {}
    for m in MODELS:
        res = [r["result"] for r in records if r["config"]["model"] == m]
        ok = [x for x in res if not x["diverged"]]
        rows[m] = {"model": m, "name": NAMES[m], "params": res[0]["params"],
                   "params_trainable": res[0]["params_trainable"],
                   "test_accuracy": stat([x["final"]["test_accuracy"] for x in ok]),
                   "test_loss": stat([x["final"]["test_loss"] for x in ok]),
                   "train_accuracy": stat([x["final"]["train_accuracy"] for x in ok]),
                   "train_time": stat([x["train_time"] for x in res]),
                   "epoch_time": stat([t for x in res for t in x["history"].get("epoch_time", [])]),
                   "diverged": sum(x["diverged"] for x in res), "runs": len(res),
                   "encoder_source": sorted({x.get("encoder_source") for x in res if x.get("encoder_source")}),
                   "lr": chosen[m], "lr_val_accuracy": lr_table[m]}
    figures = [_plot(ctx, records)]
    return {"rows": rows, "latent": p10.P11_LATENT, "literature_linear": LITERATURE_LINEAR, "figures": figures,
            "settings": {"epochs": epochs, "lrs": list(LRS), "batch_size": BATCH, "n_val": n_val,
                         "n_train": int(data["X_train"].shape[0]), "n_test": int(data["X_test"].shape[0])}}


def _plot(ctx, records):
    fig, (ax1, ax2) = plots.figure(ncols=2, width=4.8, height=3.6)
    for m, color in zip(MODELS, ("C0", "C3", "C2")):
        hist = [r["result"]["history"] for r in records if r["config"]["model"] == m]
        n = max(len(h.get("test_accuracy", [])) for h in hist)
        x = list(range(1, n + 1))
        plots.band(ax1, x, [[100 * a for a in h.get("test_accuracy", [])] for h in hist], label=m, color=color,
                   marker=".")
        el, _ = plots.mean_spread([h.get("elapsed", []) for h in hist])
        plots.band(ax2, list(el), [h.get("test_loss", []) for h in hist], label=m, color=color, marker=".")
    ax1.axhline(100 * LITERATURE_LINEAR, color="gray", ls=":", label="literature linear ≈ 92.5%")
    ax1.xaxis.set_major_locator(plots.plt.MaxNLocator(integer=True))
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("test accuracy (%)")
    ax1.legend(fontsize=7)
    ax2.set_xlabel("training time (s, wall clock)")
    ax2.set_ylabel("test cross-entropy (nats, log scale)")
    ax2.set_yscale("log")
    ax2.legend(fontsize=7)
    return plots.save(fig, ctx.path("probe.png")).rsplit("/", 1)[-1]


def report(summary):
    s, rows, d = summary["settings"], summary["rows"], summary["latent"]
    lin, fro, scr = rows["linear_softmax"], rows["frozen_encoder"], rows["scratch"]
    body = [
        f"Encoder: p10's d = {d} encoder ({', '.join(fro['encoder_source']) or '—'}). Every model: Adam, batch "
        f"{s['batch_size']}, {s['epochs']} epochs. Learning rate per model chosen from "
        f"{{{', '.join(format(v, 'g') for v in s['lrs'])}}} by validation accuracy ({s['n_val']:,} images carved "
        f"from the training set, first seed), then trained on {s['n_train']:,} training images and tested on "
        f"{s['n_test']:,}; mean ± std over {lin['runs']} seed(s).",
        "",
        table(["model"] + [f"val. acc. lr {v:g}" for v in s["lrs"]] + ["chosen lr"],
              [[r["name"]] + ["—" if r["lr_val_accuracy"].get(f"{v:g}") is None else
                              f"{100 * r['lr_val_accuracy'][f'{v:g}']:.2f}%" for v in s["lrs"]] + [f"{r['lr']:g}"]
               for r in (lin, fro, scr)]),
        "",
        table(["model", "test accuracy", "train accuracy", "test loss", "params (total)", "params (trainable)",
               "train time (s)", "s/epoch"],
              [[r["name"], fmt_stat(r["test_accuracy"], pct=True), fmt_stat(r["train_accuracy"], pct=True),
                fmt_stat(r["test_loss"]), f"{r['params']:,}", f"{r['params_trainable']:,}",
                fmt_stat(r["train_time"], digits=3), fmt_stat(r["epoch_time"], digits=3)]
               for r in (lin, fro, scr)]),
        "",
    ]
    la, fa = lin["test_accuracy"], fro["test_accuracy"]
    if la["n"] and fa["n"]:
        diff = fa["mean"] - la["mean"]
        seeds = min(la["n"], fa["n"])
        spread = ("single seed, spread unknown" if seeds < 2 else
                  "within the seed spread" if within_spread(la, fa) else "beyond the seed spread")
        verdict = "BETTER than" if diff > 0 else "WORSE than"
        if seeds >= 2 and within_spread(la, fa):
            verdict = "indistinguishable from"
        body.append(
            f"**Verdict:** the frozen encoder + linear softmax ({fmt_stat(fa, pct=True)}) is {verdict} the plain "
            f"linear softmax ({fmt_stat(la, pct=True)}): {100 * diff:+.2f} points ({spread}). Our linear softmax is "
            f"{100 * (la['mean'] - summary['literature_linear']):+.2f} points from the literature's ≈ "
            f"{100 * summary['literature_linear']:.1f}%.")
        body.append(
            f"Report A, claim 1 ('competitive or even superior'): "
            f"{'holds' if diff >= -0.005 else 'does NOT hold'} here (criterion: no worse than 0.5 points below).")
    body.append(
        f"Claim 2 (a more complex model): the frozen model has {fro['params']:,} parameters in all, "
        f"{fro['params'] / lin['params']:.0f}× the linear softmax's {lin['params']:,}, but only "
        f"{fro['params_trainable']:,} trainable ({fro['params_trainable'] / lin['params']:.3f}× the linear model's).")
    if fro["train_time"]["n"] and scr["train_time"]["n"] and lin["train_time"]["n"]:
        t_f, t_s, t_l = fro["train_time"]["mean"], scr["train_time"]["mean"], lin["train_time"]["mean"]
        body.append(
            f"Claim 3 (training only the last layer is faster than training from scratch): frozen "
            f"{t_f:.3g} s vs from scratch {t_s:.3g} s → {t_s / t_f:.1f}× "
            f"{'faster — holds' if t_f < t_s else 'SLOWER — does not hold'}; but the frozen model still costs "
            f"{t_f / t_l:.1f}× the linear softmax's {t_l:.3g} s, since every step runs the encoder's forward pass. "
            f"The same architecture trained end to end reaches {fmt_stat(scr['test_accuracy'], pct=True)}"
            f" ({100 * (scr['test_accuracy']['mean'] - fa['mean']):+.2f} points vs frozen).")
    body += ["", figure(summary, "probe.png", "test accuracy per epoch and test loss vs training time")]
    return "\n".join(body)


if __name__ == "__main__":
    from .core.cli import main_single
    main_single(ID)
