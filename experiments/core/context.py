"""The Context an experiment runs in: mode, seeds, backend, data, point store, progress.

Modes:
* ``smoke`` — a tiny slice (hundreds of images, 1 epoch, 1–2 points) that
  the test suite runs in seconds to check outputs are well-formed;
* ``quick`` — a reduced version (data subset, fewer epochs/points) for a
  first look; all 15 experiments in <= 15 minutes on 2 cores;
* ``full`` — the real thing, several seeds, results committed in results/.
"""
import functools
import os
import sys
import time

import tinynet as tn

from . import machine
from .store import PointStore, write_json

MODES = ("smoke", "quick", "full")

# Training/test images used per mode (full: all of MNIST).
DATA_SIZES = {"smoke": (600, 300), "quick": (12000, 5000), "full": (60000, 10000)}


@functools.lru_cache(maxsize=4)
def _load(dataset, flatten):
    loader = {"mnist": tn.data.load_mnist, "fashion-mnist": tn.data.load_fashion_mnist}[dataset]
    return loader(flatten=flatten)


class Context:
    """Everything an experiment's ``run(ctx)`` needs besides its own logic."""

    def __init__(self, exp_id, mode="full", seeds=None, backend="numpy", dataset="mnist",
                 out="results", force=False, verbose=False, stream=None):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.id, self.mode, self.backend, self.dataset = exp_id, mode, backend, dataset
        self.force, self.verbose = force, verbose
        n_seeds = seeds if seeds else (3 if mode == "full" else 1)
        self.seeds = list(range(n_seeds))
        self.out = out
        self.folder = os.path.join(out, exp_id)
        self.store = PointStore.of_experiment(self.folder)
        self.stream = stream or sys.stdout
        self.points_run = self.points_cached = 0
        self.train_seconds = 0.0
        os.makedirs(self.folder, exist_ok=True)

    # ------------------------------------------------------------ settings
    def pick(self, smoke, quick, full):
        """The value for the current mode."""
        return {"smoke": smoke, "quick": quick, "full": full}[self.mode]

    @property
    def fit_verbose(self):
        """fit's own bar stays quiet inside sweeps unless -v."""
        return 1 if self.verbose else 0

    # ---------------------------------------------------------------- data
    def data(self, flatten=True, validation=0, n_train=None, n_test=None):
        """MNIST (or Fashion-MNIST) for this mode as a dict of host arrays.

        Keys: X_train, y_train, X_test, y_test and, with ``validation=k``,
        X_val, y_val carved from the training images (k of them).  In smoke and
        quick mode, subsets chosen by a fixed permutation (seed 0).
        """
        (X, y), (X_te, y_te) = _load(self.dataset, flatten)
        default_train, default_test = DATA_SIZES[self.mode]
        n_train = min(n_train or default_train, X.shape[0])
        n_test = min(n_test or default_test, X_te.shape[0])
        rng = tn.backend.np.random.default_rng(0)
        if n_train < X.shape[0]:
            keep = rng.permutation(X.shape[0])[:n_train]
            X, y = X[keep], y[keep]
        if n_test < X_te.shape[0]:
            keep = rng.permutation(X_te.shape[0])[:n_test]
            X_te, y_te = X_te[keep], y_te[keep]
        out = {"X_test": X_te, "y_test": y_te}
        if validation:
            perm = tn.backend.np.random.default_rng(1).permutation(X.shape[0])
            val, train = perm[:validation], perm[validation:]
            out.update(X_val=X[val], y_val=y[val], X_train=X[train], y_train=y[train])
        else:
            out.update(X_train=X, y_train=y)
        return out

    # -------------------------------------------------------------- points
    def run_points(self, configs, fn, label=None):
        """Run ``fn(config) -> result dict`` for each config not already stored.

        Prints one line per point with the sweep's progress and ETA. Returns
        the records (``{"config", "result", "meta"}``) in the order given.
        """
        configs = list(configs)
        label = label or (lambda c: ", ".join(f"{k}={v}" for k, v in c.items()
                                              if k not in ("mode", "dataset")))
        records, spent, computed = [], 0.0, 0
        for i, config in enumerate(configs):
            config = {**config, "mode": self.mode, "dataset": self.dataset, "backend": self.backend}
            record = None if self.force else self.store.get(config)
            if record is not None:
                self.points_cached += 1
                self._line(i, len(configs), label(config), record, "cached", None)
                records.append(record)
                continue
            start = time.perf_counter()
            result = fn(config)
            seconds = time.perf_counter() - start
            spent, computed = spent + seconds, computed + 1
            record = {"config": config, "result": result,
                      "meta": {**machine.describe(), "seconds": seconds,
                               "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")}}
            self.store.put(config, record)
            self.points_run += 1
            self.train_seconds += result.get("train_time", 0.0) if isinstance(result, dict) else 0.0
            remaining = [c for c in configs[i + 1:]]
            eta = spent / computed * len(remaining)
            self._line(i, len(configs), label(config), record, f"{seconds:.1f}s", eta)
            records.append(record)
        return records

    def _line(self, i, n, text, record, took, eta):
        result = record.get("result", {}) if isinstance(record, dict) else {}
        summary = ""
        if isinstance(result, dict):
            if result.get("diverged"):
                summary = "DIVERGED"
            else:
                final = result.get("final", {})
                parts = [f"{k} {v:.4g}" for k, v in final.items() if isinstance(v, (int, float))][:3]
                summary = "  ".join(parts)
        eta_text = "" if eta is None else f"  ETA {_duration(eta)}"
        print(f"[{self.id} {i + 1}/{n}{eta_text}] {text}  {summary}  ({took})",
              file=self.stream, flush=True)

    # ------------------------------------------------------------- outputs
    def path(self, name):
        """Path of an output file (figure, table) of this experiment."""
        return os.path.join(self.folder, name)

    def save_summary(self, summary, started):
        summary = {**summary, "id": self.id, "mode": self.mode, "dataset": self.dataset,
                   "seeds": len(self.seeds), "machine": machine.describe(),
                   "wall_seconds": time.perf_counter() - started,
                   "points_run": self.points_run, "points_cached": self.points_cached,
                   "finished": time.strftime("%Y-%m-%d %H:%M:%S")}
        write_json(self.path("summary.json"), summary, compact=False)
        return summary


def _duration(seconds):
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
