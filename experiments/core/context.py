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

from . import machine, stats
from .progress import SweepProgress
from .store import FailureStore, PointLocks, PointStore, write_json
from .sweep import LocalExecutor, execute_point

MODES = ("smoke", "quick", "full")

# Training/test images used per mode (full: all of MNIST).
DATA_SIZES = {"smoke": (600, 300), "quick": (12000, 5000), "full": (60000, 10000)}
# Seeds per compared configuration, by default (--seeds overrides).
DEFAULT_SEEDS = {"smoke": 1, "quick": 2, "full": 5}
TIMING_REPEATS = {"smoke": 2, "quick": 3, "full": 5}


@functools.lru_cache(maxsize=4)
def _load(dataset, flatten):
    loader = {"mnist": tn.data.load_mnist, "fashion-mnist": tn.data.load_fashion_mnist}[dataset]
    return loader(flatten=flatten)


@functools.lru_cache(maxsize=8)
def _subset(dataset, mode, flatten, validation, n_train, n_test):
    """The arrays of :meth:`PointContext.data`, made once per process (a worker reuses them)."""
    (X, y), (X_te, y_te) = _load(dataset, flatten)
    default_train, default_test = DATA_SIZES[mode]
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


class PointContext:
    """What one point's function ``fn(ctx, config)`` may use: settings and data.

    The same object is rebuilt on a Dask worker from (id, mode, dataset,
    backend, threads), so a point function must need nothing else: everything
    that varies between points is in its ``config``.  ``threads`` is the
    user's explicit ``--threads`` (None when not given): a run setting, not
    part of any point's config, so it never changes which points are stored.
    """

    def __init__(self, exp_id, mode="full", dataset="mnist", backend="numpy", verbose=False, threads=None):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.id, self.mode, self.dataset, self.backend = exp_id, mode, dataset, backend
        self.verbose = verbose
        self.threads = threads

    def pick(self, smoke, quick, full):
        """The value for the current mode."""
        return {"smoke": smoke, "quick": quick, "full": full}[self.mode]

    @property
    def fit_verbose(self):
        """fit's own bar stays quiet inside sweeps unless -v."""
        return 1 if self.verbose else 0

    def data(self, flatten=True, validation=0, n_train=None, n_test=None):
        """MNIST (or Fashion-MNIST) for this mode as a dict of host arrays.

        Keys: X_train, y_train, X_test, y_test and, with ``validation=k``,
        X_val, y_val carved from the training images (k of them).  In smoke and
        quick mode, subsets chosen by a fixed permutation (seed 0).  The dict
        is shared between calls with the same arguments: do not modify it.
        """
        return _subset(self.dataset, self.mode, bool(flatten), int(validation), n_train, n_test)

    def spec(self):
        """The picklable description a worker rebuilds this context from."""
        return {"id": self.id, "mode": self.mode, "dataset": self.dataset, "backend": self.backend,
                "verbose": self.verbose, "requested_threads": self.threads}


class Context(PointContext):
    """Everything an experiment's ``run(ctx) -> summary`` needs besides its own logic.

    Points: ``ctx.run_points(configs, fn)`` runs ``fn(ctx, config)`` — a
    module-level function — for every config not stored yet, here or on the
    Dask workers of ``executor``; ``ctx.run_timing(configs, fn)`` runs the
    dedicated serial timing pass.
    """

    def __init__(self, exp_id, mode="full", seeds=None, backend="numpy", dataset="mnist",
                 out="results", force=False, verbose=False, stream=None, executor=None):
        executor = executor or LocalExecutor()
        super().__init__(exp_id, mode=mode, dataset=dataset, backend=backend, verbose=verbose,
                         threads=getattr(executor, "requested_threads", None))
        self.force = force
        self.seeds = list(range(seeds if seeds else DEFAULT_SEEDS[mode]))
        self.out = out
        self.folder = os.path.join(out, exp_id)
        self.store = PointStore.of_experiment(self.folder)
        self.failures = FailureStore.of_experiment(self.folder)
        self.locks = PointLocks(self.store.folder)
        self.executor = executor
        self.stream = stream or sys.stdout
        self.points_run = self.points_cached = self.points_failed = 0
        self.train_seconds = 0.0
        os.makedirs(self.folder, exist_ok=True)

    # -------------------------------------------------------------- points
    def _full(self, config):
        return {**config, "mode": self.mode, "dataset": self.dataset, "backend": self.backend}

    def _cached(self, config):
        return None if self.force else self.store.get(config)

    def run_points(self, configs, fn, label=None):
        """Run ``fn(ctx, config) -> result dict`` for each config not already stored.

        ``fn`` must be a module-level function (workers import it by name).
        Points run on this Context's executor; the runner stores each result
        as it arrives.  Points held by another runner on the same ``--out``
        are waited for, not recomputed.  A point that raises is recorded
        under ``failed/`` with its traceback and left out of the returned
        records.  Returns the records (``{"config", "result", "meta"}``) of the
        finished points, in the order given.
        """
        _check_point_function(fn)
        configs = [self._full(c) for c in configs]
        label = label or (lambda c: ", ".join(f"{k}={v}" for k, v in c.items()
                                              if k not in ("mode", "dataset", "backend")))
        records = [self._cached(c) for c in configs]
        self.points_cached += sum(r is not None for r in records)
        todo = [i for i, r in enumerate(records) if r is None]
        progress = SweepProgress(self.id, len(configs), len(configs) - len(todo), self.executor, self.stream)
        spec = {**self.spec(), "threads": getattr(self.executor, "threads", None)}
        try:
            waiting = self._compute(todo, configs, records, fn, spec, label, progress)
            for i in waiting:  # another runner had them: wait, or take over a dead runner's
                records[i] = self._wait_for(configs[i])
                if records[i] is None and self.locks.acquire(configs[i]):
                    self._compute([i], configs, records, fn, spec, label, progress)
                elif records[i] is not None:
                    progress.finished(label(configs[i]), records[i], "by another runner")
        finally:
            self.locks.release_all()
            progress.close()
        return [r for r in records if r is not None]

    def _compute(self, todo, configs, records, fn, spec, label, progress):
        """Compute the points ``todo`` whose locks we get; return those another runner holds."""
        mine, waiting = [], []
        for i in todo:
            (mine if self.locks.acquire(configs[i]) else waiting).append(i)
        if not self.executor.distributed:
            for i in mine:
                progress.started(1)
                self._finish(i, configs[i], execute_point(fn, spec, configs[i]), records, label, progress)
            return waiting
        from dask.distributed import as_completed
        futures = {}
        for i in mine:
            key = f"{self.id}-{self.store.path(configs[i]).rsplit(os.sep, 1)[-1][:-5]}"
            futures[self.executor.submit(fn, spec, configs[i], key)] = i
        progress.started(len(futures))
        for future in as_completed(futures):
            i = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # noqa: BLE001 — e.g. KilledWorker after repeated worker deaths
                import traceback
                outcome = {"ok": False, "error": f"{type(exc).__name__}: {exc}",
                           "traceback": "".join(traceback.format_exception(exc)), "seconds": 0.0, "meta": {}}
            self._finish(i, configs[i], outcome, records, label, progress)
            future.release()
        return waiting

    def _finish(self, i, config, outcome, records, label, progress):
        meta = {**outcome["meta"], "seconds": outcome["seconds"],
                "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        if outcome["ok"]:
            record = {"config": config, "result": outcome["result"], "meta": meta}
            self.store.put(config, record)
            self.failures.clear(config)
            records[i] = record
            self.points_run += 1
            result = outcome["result"]
            self.train_seconds += result.get("train_time", 0.0) if isinstance(result, dict) else 0.0
            progress.finished(label(config), record, f"{outcome['seconds']:.1f}s")
        else:
            self.failures.put(config, {"config": config, "error": outcome["error"],
                                       "traceback": outcome["traceback"], "meta": meta})
            self.points_failed += 1
            progress.failed(label(config), outcome["error"])
        self.locks.release(config)

    def _wait_for(self, config, poll=2.0):
        while self.locks.held_elsewhere(config):
            time.sleep(poll)
        return self.store.get(config)

    # -------------------------------------------------------------- timing
    def run_timing(self, configs, fn, label=None, repeats=None, warmup=1):
        """The dedicated timing pass: ``fn(ctx, config) -> seconds`` of one measured unit.

        Serial, in this process, never on workers and never while other
        points of this runner compute: ``warmup`` rounds discarded, then
        ``repeats`` rounds, the configs interleaved round-robin so that a
        drift of the machine's speed hits every config alike.  The machine's
        load average is recorded before and after.  One stored record per
        config: ``result = {"samples", "median", "iqr", "load"}``.
        """
        _check_point_function(fn)
        repeats = repeats or TIMING_REPEATS[self.mode]
        timing = {"timing_pass": True, "repeats": repeats, "warmup": warmup}
        configs = [self._full({**c, **timing}) for c in configs]
        label = label or (lambda c: ", ".join(f"{k}={v}" for k, v in c.items()
                                              if k not in ("mode", "dataset", "backend", *timing)))
        records = [self._cached(c) for c in configs]
        self.points_cached += sum(r is not None for r in records)
        todo = [i for i, r in enumerate(records) if r is None]
        if todo:
            print(f"[{self.id}] timing pass: {len(todo)} config(s) x ({warmup} warm-up + {repeats}) rounds, "
                  "serial, in this process", file=self.stream, flush=True)
            samples = {i: [] for i in todo}
            spent = dict.fromkeys(todo, 0.0)  # each config's own cost, warm-up included
            load_before = _loadavg()
            for round_ in range(warmup + repeats):
                for i in todo:
                    start = time.perf_counter()
                    seconds = float(fn(self, configs[i]))
                    spent[i] += time.perf_counter() - start
                    if round_ >= warmup:
                        samples[i].append(seconds)
            load_after = _loadavg()
            for i in todo:
                record = {"config": configs[i],
                          "result": {"samples": samples[i], **stats.median_iqr(samples[i]),
                                     "load": {"before": load_before, "after": load_after,
                                              "cores": os.cpu_count()}},
                          "meta": {**machine.describe(), "seconds": spent[i],
                                   "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")}}
                self.store.put(configs[i], record)
                records[i] = record
                self.points_run += 1
                print(f"[{self.id} timing] {label(configs[i])}: median {record['result']['median']:.3g} s, "
                      f"IQR {record['result']['iqr']:.2g} s over {repeats}", file=self.stream, flush=True)
        return records

    # ------------------------------------------------------------- outputs
    def path(self, name):
        """Path of an output file (figure, table) of this experiment."""
        return os.path.join(self.folder, name)

    def save_summary(self, summary, started):
        summary = {**summary, "id": self.id, "mode": self.mode, "dataset": self.dataset,
                   "seeds": len(self.seeds), "machine": machine.describe(),
                   "executor": self.executor.describe(),
                   "wall_seconds": time.perf_counter() - started,
                   "points_run": self.points_run, "points_cached": self.points_cached,
                   "points_failed": self.points_failed,
                   "finished": time.strftime("%Y-%m-%d %H:%M:%S")}
        write_json(self.path("summary.json"), summary, compact=False)
        return summary


def _loadavg():
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:  # not available on this platform
        return None


def _check_point_function(fn):
    """A point function must be importable by name, so a worker can run it."""
    qualname = getattr(fn, "__qualname__", "")
    if not callable(fn) or "<locals>" in qualname or "<lambda>" in qualname:
        raise TypeError(f"a point function must be a module-level function fn(ctx, config); got "
                        f"{qualname or fn!r} (closures cannot be sent to workers: put what varies "
                        "between points in the config)")
