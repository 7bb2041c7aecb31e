"""Where a sweep's points run: in this process, or on Dask workers.

A *point* is ``fn(ctx, config) -> result``, with ``fn`` a module-level
function of an experiment (so a worker can import it by name) and ``ctx`` a
:class:`~experiments.core.context.PointContext` rebuilt on the worker from a
small spec (experiment id, mode, dataset, backend,
the user's ``--threads``).  Workers load their data
through ``tinynet.data`` (cache, data dir, or the verified download), once
per worker process: they need no shared filesystem.

The *client* owns the store: workers only return results, and the runner
writes each point file atomically as its result arrives.  A point that
raises comes back as a failure record with its traceback (the sweep goes on);
a worker that dies mid-point has its point rerun on another worker by Dask.

* :class:`LocalExecutor` — runs points one after the other in this process;
* :class:`DaskExecutor` — a ``LocalCluster``-like cluster of N single-purpose
  worker processes on this machine (``--workers N``), or an existing cluster
  (``--scheduler tcp://HOST:PORT``).  With ``--backend cupy``, one worker per
  visible GPU, each pinned to its GPU with ``CUDA_VISIBLE_DEVICES``.
"""
import os
import time
import traceback


def cpu_count():
    """CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _limit_threads(threads):
    """Cap BLAS and tinynet's element-wise threads in this process (``None``: leave as is)."""
    if not threads:
        return
    from tinynet.kernels import set_num_threads
    set_num_threads(threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=threads)


def _import_all(modules):
    import importlib
    for name in modules:
        importlib.import_module(name)


def execute_point(fn, spec, config):
    """Run one point where it is called (this process or a worker) and report how it went.

    ``spec["threads"]`` caps this process's threads (the executor's count);
    ``spec["requested_threads"]`` is the user's explicit ``--threads`` (None
    when not given), which the point sees as ``ctx.threads``.

    Returns ``{"ok": True, "result", "seconds", "meta"}`` or, when ``fn``
    raised, ``{"ok": False, "error", "traceback", "seconds", "meta"}`` — a
    failed point is data for the client to record, not a crash of the sweep.
    """
    import tinynet as tn

    from . import machine
    from .context import PointContext

    _limit_threads(spec.get("threads"))
    tn.use_backend(spec["backend"])
    ctx = PointContext(spec["id"], mode=spec["mode"], dataset=spec["dataset"], backend=spec["backend"],
                       verbose=spec.get("verbose", False), threads=spec.get("requested_threads"))
    start = time.perf_counter()
    meta = {**machine.describe(), "worker": spec.get("worker_label") or f"pid {os.getpid()}",
            "threads": spec.get("threads")}
    try:
        result = fn(ctx, config)
    except Exception as exc:  # noqa: BLE001 — any failure of one point is recorded, not raised
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc(),
                "seconds": time.perf_counter() - start, "meta": meta}
    return {"ok": True, "result": result, "seconds": time.perf_counter() - start, "meta": meta}


class LocalExecutor:
    """Points run one by one in this process (the default)."""

    distributed = False
    dashboard = None

    def __init__(self, threads=None):
        self.threads = threads
        self.requested_threads = threads  # --threads as the user gave it (None: not given)

    def describe(self):
        return "in this process"

    def preload(self, modules):
        """Nothing to do: points run in this process, which has imported the modules already."""

    def workers_alive(self):
        return 1

    def close(self):
        pass


class DaskExecutor:
    """Points run on a Dask cluster: a local one of ``workers`` processes, or ``scheduler``'s.

    threads  BLAS + element-wise threads per worker (default: cores // workers,
             at least 1) — N single-threaded workers on N cores, by default;
    backend  ``"cupy"``: one worker per visible GPU unless ``workers`` says
             otherwise, worker i pinned to GPU i.
    """

    distributed = True

    def __init__(self, workers=None, scheduler=None, backend="numpy", threads=None, dashboard=True):
        try:
            from dask.distributed import Client
        except ImportError as exc:  # pragma: no cover — dask is a requirement
            raise RuntimeError("--workers / --scheduler need dask.distributed: "
                               "pip install 'dask[distributed]'") from exc
        self.cluster = None
        self.requested_threads = threads  # --threads as the user gave it (None: not given)
        if scheduler:
            self.client = Client(scheduler, timeout="30s")
            self.threads = threads
            self.where = f"the Dask cluster at {scheduler}"
        else:
            workers, gpus = self._local_size(workers, backend)
            self.threads = threads or max(1, cpu_count() // workers)
            self.cluster = _local_cluster(workers, self.threads, gpus, dashboard)
            self.client = Client(self.cluster)
            self.where = (f"a local Dask cluster of {workers} worker process(es), "
                          f"{self.threads} thread(s) each" + (", one GPU each" if gpus else ""))
        self.dashboard = self.client.dashboard_link if dashboard else None

    @staticmethod
    def _local_size(workers, backend):
        if backend != "cupy":
            return (workers or cpu_count()), None
        visible = os.environ.get("CUDA_VISIBLE_DEVICES")
        if visible is not None:
            gpus = [g.strip() for g in visible.split(",") if g.strip()]
        else:
            import tinynet as tn
            gpus = [str(i) for i in range(tn.backend.gpu_count())]
        if not gpus:
            raise RuntimeError("--backend cupy with --workers: no visible GPU")
        workers = workers or len(gpus)
        return workers, [gpus[i % len(gpus)] for i in range(workers)]

    def describe(self):
        return self.where

    def preload(self, modules):
        """Import the experiment modules on every worker now, so that a run hours long uses the code
        it started with even where a worker meets an experiment late (a worker Dask restarts
        later imports whatever is on disk then)."""
        self.client.run(_import_all, list(modules))

    def submit(self, fn, spec, config, key):
        # pure=False and an explicit key: the same point submitted twice is one task
        return self.client.submit(execute_point, fn, spec, config, key=key, pure=False)

    def workers_alive(self):
        try:
            return len(self.client.scheduler_info(n_workers=-1).get("workers", {}))
        except Exception:  # noqa: BLE001 — progress display only
            return 0

    def close(self):
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


def _local_cluster(workers, threads, gpus, dashboard):
    """A cluster of ``workers`` nanny-managed processes, BLAS pinned to ``threads`` each.

    Built as a ``SpecCluster`` (what ``LocalCluster`` is) so that each worker
    can get its own environment: its thread counts, set before NumPy loads,
    and with GPUs its ``CUDA_VISIBLE_DEVICES``.
    """
    # Worker processes inherit this before they import distributed: their
    # INFO chatter (connections, plugins) would drown the sweep's progress.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    from dask.distributed import Nanny, Scheduler, SpecCluster

    env = {var: str(threads) for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                         "TINYNET_NUM_THREADS")}
    specs = {}
    for i in range(workers):
        worker_env = dict(env)
        if gpus:
            worker_env["CUDA_VISIBLE_DEVICES"] = gpus[i]
        specs[f"worker-{i}"] = {"cls": Nanny, "options": {"nthreads": 1, "env": worker_env,
                                                          "memory_limit": 0, "name": f"worker-{i}"}}
    scheduler = {"cls": Scheduler, "options": {"dashboard_address": ":0" if dashboard else None,
                                               "host": "127.0.0.1"}}
    return SpecCluster(workers=specs, scheduler=scheduler, silence_logs=40, name="tinynet-sweep")


def make_executor(workers=None, scheduler=None, backend="numpy", threads=None):
    """The executor the command line asks for: local unless --workers or --scheduler."""
    if workers is None and scheduler is None:
        return LocalExecutor(threads=threads)
    if workers is not None and workers < 1:
        raise ValueError(f"--workers must be >= 1, got {workers}")
    return DaskExecutor(workers=workers, scheduler=scheduler, backend=backend, threads=threads)
