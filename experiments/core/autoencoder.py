"""The auto-encoder recipe p10 trains and p11 re-derives, PCA, and intrinsic-dimension estimators.

p10 (reconstruction vs latent size) and p11 (a probe on the frozen encoder)
need the *same* encoder.  Points run on workers without a shared filesystem,
so p11 does not read p10's weight files: it retrains the encoder inside its
own points from :func:`ae_config` — the same config and seed give the same
weights (training is deterministic per backend: the model's seed fixes the
initialization and the shuffling) — and checks the fingerprint
(:func:`fingerprint`) against the one p10 stored in its summary.

* :func:`ae_config` / :func:`train_autoencoder` — 784 → 256 → d → 256 → 784
  (ReLU hidden, linear code, sigmoid output), MSE on [0, 1] pixels, Adam,
  trained on the training images minus a validation split until the
  validation MSE stops improving (:class:`Plateau`), at most twice the
  nominal budget; the encoder is ``model[:ENCODER_LAYERS]``;
* :func:`pca` / :func:`pca_test_mse` — the linear reference, cached per
  process;
* :func:`twonn` and :func:`levina_bickel` — two standard intrinsic-dimension
  estimators computed from nearest-neighbour distances (numpy only).
"""
import contextlib
import hashlib
import math

import tinynet as tn

from .training import fit_point

np = tn.backend.np

HIDDEN = 256
LR, BATCH = 1e-3, 128
ENCODER_LAYERS = 3        # Dense(784, 256), ReLU, Dense(256, d): the code is linear
PLATEAU_REL = 0.01        # an epoch "improves" when the val MSE falls by >= 1% of the best so far
PLATEAU_PATIENCE = 2      # stop after this many epochs without such an improvement


def budget(ctx):
    """(nominal epochs B, cap = 2B): conclusions are read at B and at the plateau (<= 2B)."""
    nominal = ctx.pick(smoke=1, quick=3, full=5)
    return nominal, 2 * nominal


def n_val(ctx):
    return ctx.pick(smoke=100, quick=2000, full=5000)


def ae_config(ctx, d, seed):
    """The config of one AE (p10's point; p11 embeds the same dict to re-derive the encoder)."""
    nominal, cap = budget(ctx)
    return {"latent": d, "hidden": HIDDEN, "loss": "mse", "output": "sigmoid", "lr": LR, "batch_size": BATCH,
            "budget": nominal, "max_epochs": cap, "plateau_rel": PLATEAU_REL, "patience": PLATEAU_PATIENCE,
            "n_val": n_val(ctx), "seed": seed}


def layers(d, hidden=HIDDEN):
    L = tn.layers
    return [L.Dense(784, hidden), L.ReLU(), L.Dense(hidden, d),                 # encoder
            L.Dense(d, hidden), L.ReLU(), L.Dense(hidden, 784), L.Sigmoid()]  # decoder


def ae_data(ctx, validation):
    """Images as inputs and targets; the labels kept (p11's probe, the digit grid)."""
    data = ctx.data(validation=validation)
    return {"X_train": data["X_train"], "y_train": data["X_train"], "X_val": data["X_val"],
            "y_val": data["X_val"], "X_test": data["X_test"], "y_test": data["X_test"],
            "labels_train": data["y_train"], "labels_val": data["y_val"], "labels_test": data["y_test"]}


class Plateau(tn.callbacks.Callback):
    """Stop when ``monitor`` has not fallen by ``rel`` × its best value for ``patience`` epochs.

    A relative bar because the reconstruction MSE spans a factor 10 across
    latent sizes (one absolute ``min_delta`` would mean "converged" for d = 2
    and "barely started" for d = 128).  The best epoch's weights (the lowest
    value seen, however small its last gain) are restored at the end.
    """

    def __init__(self, rel, patience, monitor="val_loss"):
        self.rel, self.patience, self.monitor = rel, patience, monitor

    def on_train_begin(self):
        self.best = self.bar = self.best_weights = self.best_epoch = self.stopped_epoch = None
        self.wait = 0

    def on_epoch_end(self, epoch, logs):
        value = logs[self.monitor]
        if not math.isfinite(value):
            return
        if self.best is None or value < self.best:
            self.best, self.best_epoch, self.best_weights = value, epoch, self.model.get_weights()
        if self.bar is None or value < self.bar * (1 - self.rel):
            self.bar, self.wait = value, 0
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self):
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)


def fingerprint(model):
    """SHA-256 (16 hex digits) of a model's parameters: equal weights, equal fingerprint."""
    h = hashlib.sha256()
    for params, _ in model.get_weights():
        for key in sorted(params):
            h.update(np.ascontiguousarray(tn.backend.to_host(params[key])).tobytes())
    return h.hexdigest()[:16]


def train_autoencoder(ctx, config, verbose=0):
    """Train one AE to its plateau (or the cap); returns (result, model, data).

    result: fit_point's (final = the best validation epoch's weights), plus
    ``at_budget`` (test/val MSE after the nominal B epochs — with a constant
    learning rate the first B epochs of this run *are* a B-epoch run),
    ``plateau`` (stopped on the plateau rule, or hit the cap) and the
    encoder's ``fingerprint``.
    """
    data = ae_data(ctx, config["n_val"])
    model = tn.Sequential(layers(config["latent"], config["hidden"]), seed=config["seed"])
    stop = Plateau(config["plateau_rel"], config["patience"])
    result = fit_point(model, data, tn.losses.MSE(), tn.optim.Adam(config["lr"]), epochs=config["max_epochs"],
                       batch_size=config["batch_size"], use_validation=True, callbacks=[stop], verbose=verbose)
    hist, b = result["history"], config["budget"]
    result["at_budget"] = ({"test_loss": hist["test_loss"][b - 1], "val_loss": hist["val_loss"][b - 1]}
                           if len(hist.get("test_loss", [])) >= b else None)
    result["plateau"] = {"stopped": stop.stopped_epoch is not None, "best_epoch": (stop.best_epoch or 0) + 1,
                         "epochs_run": len(hist.get("val_loss", []))}
    result["fingerprint"] = fingerprint(model[:ENCODER_LAYERS])
    return result, model, data


# ----------------------------------------------------------------------- PCA
_PCA = {}


def _one_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: without it, LAPACK keeps its own thread count
        return contextlib.nullcontext()
    return threadpool_limits(limits=1)


def pca(ctx, validation):
    """(mean, eigenvalues descending, eigenvectors as columns) of the training images' covariance.

    Fitted on the same training images the AE sees (validation split
    removed); computed once per process for each (dataset, mode, split).
    """
    key = (ctx.dataset, ctx.mode, validation)
    if key not in _PCA:
        X = ctx.data(validation=validation)["X_train"].astype(np.float64)
        mean = X.mean(axis=0)
        Xc = X - mean
        with _one_thread():  # 784×784: ~0.3 s on one thread, but 10× that when 2 BLAS threads contend
            vals, vecs = np.linalg.eigh(Xc.T @ Xc / X.shape[0])
        order = np.argsort(vals)[::-1]
        _PCA[key] = (mean, np.clip(vals[order], 0, None), vecs[:, order])
    return _PCA[key]


def pca_test_mse(X_test, mean, vecs):
    """Per-pixel test MSE of PCA with d components, for every d at once (index d − 1)."""
    centered = X_test.astype(np.float64) - mean
    energy = (centered ** 2).sum(axis=1).mean()
    captured = np.cumsum(((centered @ vecs) ** 2).mean(axis=0))
    return (energy - captured) / centered.shape[1]


def pca_features(X, mean, vecs, d):
    return ((X.astype(np.float64) - mean) @ vecs[:, :d]).astype(np.float32)


def pca_reconstruct(X, mean, vecs, d):
    V = vecs[:, :d]
    return (X.astype(np.float64) - mean) @ V @ V.T + mean


# ------------------------------------------------------ intrinsic dimension
def neighbour_distances(X, k, chunk=1000):
    """Sorted Euclidean distances of each row of X to its k nearest other rows: (N, k).

    Exact duplicates (distance 0) are dropped first: both estimators divide
    by the nearest distance.
    """
    X = np.unique(np.asarray(X, dtype=np.float64), axis=0)
    sq = (X ** 2).sum(axis=1)
    out = np.empty((X.shape[0], k))
    for lo in range(0, X.shape[0], chunk):
        d2 = sq[lo:lo + chunk, None] + sq[None, :] - 2.0 * X[lo:lo + chunk] @ X.T
        rows = np.arange(d2.shape[0])
        d2[rows, lo + rows] = np.inf                      # not its own neighbour
        part = np.partition(d2, k, axis=1)[:, :k]
        out[lo:lo + chunk] = np.sqrt(np.clip(np.sort(part, axis=1), 0, None))
    return out


def twonn(dist):
    """TwoNN (Facco et al. 2017): μ = r₂/r₁ is Pareto(d); the MLE is d = N / Σ log μ."""
    mu = dist[:, 1] / dist[:, 0]
    mu = mu[np.isfinite(mu) & (mu > 1)]
    return float(len(mu) / np.log(mu).sum())


def levina_bickel(dist, k):
    """Levina–Bickel MLE with k neighbours, averaged as MacKay & Ghahramani suggest (mean of inverses)."""
    logs = np.log(dist[:, k - 1:k] / dist[:, :k - 1])  # log(T_k / T_j), j < k
    inv = logs.sum(axis=1) / (k - 1)                    # 1 / m̂_k(x)
    return float(1.0 / inv.mean())
