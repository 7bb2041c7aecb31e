"""Point functions for the sweep tests: module-level, so Dask workers import them by name.

Each trains a tiny tinynet model on synthetic data (deterministic by seed);
``sleep`` keeps a point busy long enough to kill its worker, ``fail`` makes
it raise.
"""
import time

import tinynet as tn

np = tn.backend.np


def tiny_training(ctx, config):
    if config.get("fail"):
        raise ValueError(f"planted failure in point seed={config['seed']}")
    rng = np.random.default_rng(config["seed"])
    X = rng.standard_normal((256, 8), dtype=np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    model = tn.Sequential([tn.layers.Dense(8, 32), tn.layers.ReLU(), tn.layers.Dense(32, 2)],
                          seed=config["seed"])
    loss = tn.losses.SoftmaxCrossEntropy()
    hist = model.fit(X, y, loss=loss, optimizer=tn.optim.SGD(0.1, momentum=0.9), epochs=3,
                     batch_size=32, verbose=0)
    if config.get("sleep"):
        time.sleep(config["sleep"])
    return {"final": model.evaluate(X, y, loss=loss), "history": {"loss": hist.history["loss"]},
            "train_time": sum(hist.history["epoch_time"])}


def constant_seconds(ctx, config):
    """A 'timing' function whose measurement is known: the timing pass must store it as given."""
    return config["seconds"]


def flaky(ctx, config):
    """Fails while the file ``config["fail_while"]`` exists: a transient fault."""
    import os
    if os.path.exists(config["fail_while"]):
        raise RuntimeError("transient fault")
    return {"final": {"value": 1.0}}


def small_mlp_point(ctx, config):
    """An MLP on noisy synthetic data, trained with fit_point at the config's learning rate."""
    from experiments.core.training import fit_point, mlp
    rng = np.random.default_rng(0)
    data = {"X_train": (rng.normal(size=(64, 8)) * 10).astype(np.float32),
            "y_train": rng.integers(0, 3, 64), "X_test": rng.normal(size=(16, 8)).astype(np.float32),
            "y_test": rng.integers(0, 3, 16)}
    model = tn.Sequential(mlp([8, 16, 3]), seed=config["seed"])
    with np.errstate(all="ignore"):  # a diverging run overflows: that is what it tests
        return fit_point(model, data, tn.losses.SoftmaxCrossEntropy(), tn.optim.SGD(lr=config["lr"]),
                         epochs=3, batch_size=16)


CALLS = []  # what recording_point computed, in this process (serial runs only)


def recording_point(ctx, config):
    """A trivial finished point that records which configs were computed."""
    CALLS.append(config["lr"])
    return {"diverged": False, "final": {"test_accuracy": 0.5}, "train_time": 0.0}


def threads_seen(ctx, config):
    """The user's --threads as the point sees it, and the BLAS threads of a small net's training."""
    from threadpoolctl import threadpool_info

    from experiments.core.helpers import small_net_threads
    with small_net_threads(ctx):
        blas = sorted({lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"})
    return {"threads": ctx.threads, "blas": blas}
