"""The CNN recipe p08 (one conv layer) and p09 (two) share: architectures, training, aggregation.

Every model of p08 and p09 — CNNs and the dense reference — trains the same
way, so their numbers compare directly and p09 can read p08's per-seed
results from p08's summary:

* Adam, learning rate ``LR`` decayed to 0 by a cosine schedule over the
  epochs, batch ``BATCH``, ``epochs(ctx)`` epochs (the nominal budget;
  p08 also retrains the decisive candidate at twice that);
* on the training images minus a validation split of ``n_val(ctx)`` images
  (selection happens on validation, claims are tested on the test set);
  quick mode uses the first ``n_train(ctx)`` of them (half) and 2,000 test
  images to fit its budget;
* test loss and accuracy after every epoch (the loss-vs-time curves; the
  train loss is fit's running mean over each epoch's batches), validation
  accuracy at the end (no separate pass over the training set: it would cost
  a third of an epoch and no claim uses it).

The cosine schedule is used because with a constant learning rate the last
epoch's test accuracy jumps by ±0.1–0.2 points from epoch to epoch, the size
of the differences p08 looks for.

Architectures (stride 1, no padding, NCHW input (N, 1, 28, 28)):

* ``{"kind": "cnn", "filters": F, "kernel": k, "hidden": h}`` — conv F@k×k →
  ReLU → maxpool 2 → flatten → [dense h → ReLU] → dense 10;
* ``{"kind": "cnn2", "c1": [F1, k1], "c2": [F2, k2], "hidden": h}`` — two
  conv → ReLU → maxpool 2 blocks, then dense h → ReLU → dense 10;
* ``{"kind": "dense", "hidden": [256, 256, 256]}`` — p04's uniform MLP.
"""
import tinynet as tn

from . import plots, stats
from .training import fit_point, mlp

np = tn.backend.np

LR, BATCH = 1e-3, 128
DENSE = {"kind": "dense", "hidden": [256, 256, 256]}
# p09's one-conv reference when p08's summary is absent: p08's full-run winner before issue 10.
DEFAULT_ONE_CONV = {"kind": "cnn", "filters": 16, "kernel": 5, "hidden": 0}


def epochs(ctx):
    """The nominal training budget of every CNN comparison (p08 and p09 alike)."""
    return ctx.pick(smoke=1, quick=2, full=6)


def n_val(ctx):
    return ctx.pick(smoke=100, quick=2000, full=5000)


def n_train(ctx):
    """Training images used (None: all left after the validation split; quick mode uses half of them)."""
    return ctx.pick(smoke=None, quick=5000, full=None)


def n_test(ctx):
    """Test images (None: the mode's default; quick mode tests on 2,000 to fit its budget)."""
    return ctx.pick(smoke=None, quick=2000, full=None)


def recipe(ctx, n_epochs=None):
    """The config keys every p08/p09 point shares (the budget stated in each claim)."""
    return {"lr": LR, "optimizer": "adam", "schedule": "cosine", "batch_size": BATCH,
            "epochs": n_epochs or epochs(ctx), "n_val": n_val(ctx), "n_train": n_train(ctx),
            "n_test": n_test(ctx)}


def data(ctx, flatten=False):
    """The images every p08/p09 model sees (training rows before the n_train cut)."""
    return ctx.data(flatten=flatten, validation=n_val(ctx), n_test=n_test(ctx))


def budget_text(config):
    n = config["epochs"]
    return (f"{n} epoch{'s' if n != 1 else ''}, Adam lr {config['lr']:g} "
            f"{'with cosine decay to 0' if config['schedule'] == 'cosine' else 'constant'}, batch "
            f"{config['batch_size']}, fixed recipe (no tuning)")


# ------------------------------------------------------------ architectures
def _conv_side(side, k):
    return (side - k + 1) // 2


def layers(arch):
    L = tn.layers
    if arch["kind"] == "dense":
        return mlp([784] + list(arch["hidden"]) + [10])
    if arch["kind"] == "cnn":
        f, k, h = arch["filters"], arch["kernel"], arch["hidden"]
        side = _conv_side(28, k)
        out = [L.Conv2D(1, f, k), L.ReLU(), L.MaxPool2D(2), L.Flatten()]
        return out + ([L.Dense(f * side * side, h), L.ReLU(), L.Dense(h, 10)] if h
                      else [L.Dense(f * side * side, 10)])
    if arch["kind"] == "cnn2":
        (f1, k1), (f2, k2), h = arch["c1"], arch["c2"], arch["hidden"]
        side = _conv_side(_conv_side(28, k1), k2)
        return [L.Conv2D(1, f1, k1), L.ReLU(), L.MaxPool2D(2),
                L.Conv2D(f1, f2, k2), L.ReLU(), L.MaxPool2D(2), L.Flatten(),
                L.Dense(f2 * side * side, h), L.ReLU(), L.Dense(h, 10)]
    raise ValueError(f"unknown arch kind {arch['kind']!r} (expected 'dense', 'cnn' or 'cnn2')")


def build(arch, seed=0):
    return tn.Sequential(layers(arch), seed=seed)


def count_params(arch):
    return build(arch).num_params()


def arch_name(arch):
    if arch["kind"] == "dense":
        return "dense 784-" + "-".join(map(str, arch["hidden"])) + "-10"
    if arch["kind"] == "cnn":
        h = f" → dense {arch['hidden']}" if arch["hidden"] else ""
        return f"conv {arch['filters']}@{arch['kernel']}×{arch['kernel']} → pool{h} → 10"
    (f1, k1), (f2, k2) = arch["c1"], arch["c2"]
    return f"conv {f1}@{k1}×{k1} → pool → conv {f2}@{k2}×{k2} → pool → dense {arch['hidden']} → 10"


def make_optimizer(config):
    lr = config["lr"]
    if config.get("schedule") == "cosine":
        lr = tn.schedules.CosineDecay(lr, config["epochs"])
    return tn.optim.Adam(lr)


# ---------------------------------------------------------------- training
def train_point(ctx, config):
    """A point: train ``config['arch']`` with the recipe in ``config``; test curves, final val/test."""
    arch = config["arch"]
    data = ctx.data(flatten=arch["kind"] == "dense", validation=config["n_val"], n_test=config.get("n_test"))
    if config.get("n_train"):
        data = {**data, "X_train": data["X_train"][:config["n_train"]], "y_train": data["y_train"][:config["n_train"]]}
    model = build(arch, seed=config["seed"])
    loss = tn.losses.SoftmaxCrossEntropy()
    result = fit_point(model, data, loss, make_optimizer(config), epochs=config["epochs"],
                       batch_size=config["batch_size"], eval_sets=("test",), final_train_eval=False,
                       verbose=ctx.fit_verbose)
    if not result["diverged"]:  # validation once, at the end: it only serves the selection
        result["final"].update({f"val_{k}": v for k, v in
                                model.evaluate(data["X_val"], data["y_val"], loss=loss).items()})
    return result


# ------------------------------------------------------------- aggregation
METRICS = ("test_accuracy", "val_accuracy", "test_loss")


def values(records, metric="test_accuracy"):
    """Per-seed final values (None for a diverged run), in seed order."""
    return [stats.final_metric(r, metric) for r in sorted(records, key=lambda r: r["config"]["seed"])]


def group(arch, records):
    """One model's seed summary: params, METRICS (stats.summarize), train time, mean curves."""
    row = stats.table_by(records, lambda c: "all", METRICS)[0] if records else \
        {"seeds": 0, "diverged": 0, **{m: stats.summarize([]) for m in METRICS}}
    return {"arch": arch, "name": arch_name(arch), "params": count_params(arch),
            "epochs": records[0]["config"]["epochs"] if records else None,
            "runs": row["seeds"], "diverged": row["diverged"], **{m: row[m] for m in METRICS},
            "train_time": stats.summarize([r["result"].get("train_time") for r in records]),
            "unstable": sum(bool(r["result"].get("unstable")) for r in records),
            "curves": curves(records)}


def curves(records):
    """Mean over seeds of elapsed training seconds, train loss and test loss per epoch."""
    hists = [r["result"]["history"] for r in records]
    out = {}
    for key in ("elapsed", "loss", "test_loss"):
        mean, std = plots.mean_spread([h.get(key, []) for h in hists])
        out[key] = [None if not np.isfinite(v) else float(v) for v in mean]
        out[key + "_std"] = [None if not np.isfinite(v) else float(v) for v in std]
    return out


def plot_loss_vs_time(ax_train, ax_test, entries):
    """Train / test loss vs elapsed training time for ``[(group, colour, label)]`` on two axes."""
    for g, color, label in entries:
        c = g["curves"]
        x = [np.nan if v is None else v for v in c["elapsed"]]
        for ax, key in ((ax_train, "loss"), (ax_test, "test_loss")):
            y = [np.nan if v is None else v for v in c[key]][:len(x)]
            ax.plot(x[:len(y)], y, marker=".", color=color, label=f"{label} ({g['params']:,} p.)")
    for ax, what in ((ax_train, "train"), (ax_test, "test")):
        plots.decorate(ax, title=f"{what} loss vs training time (mean over seeds)",
                       xlabel="elapsed training time of the accuracy runs (s)",
                       ylabel=f"{what} cross-entropy (nats, log)", logy=True, legend=ax is ax_train,
                       legend_size=6)
