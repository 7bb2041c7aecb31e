"""One JSON file per training point, keyed by a hash of its full config.

A *point* is one training run (one config, one seed).  Its file
``<out>/<experiment id>/points/<hash>.json`` holds the config, the result
(per-epoch history, final metrics, wall time) and where it was made
(backend, library version, git commit, machine).  Files are written to a
temporary name and renamed, so an interrupted sweep leaves only complete
points; re-running skips them (``--force`` recomputes).

A stored point is trusted only when it is *finished*: a JSON object whose
``config`` equals the one asked for, with a ``result`` object and, unless the
run diverged, finite metrics in ``result["final"]`` (NaN is stored as null).
A damaged file (unreadable, or valid JSON of another shape) or an unfinished
point is recomputed, with a RuntimeWarning naming the file.
"""
import hashlib
import json
import math
import numbers
import os
import socket
import threading
import time
import warnings

from tinynet.fsutil import atomic_file


def config_hash(config):
    """Stable 16-hex-digit hash of a JSON-able config."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _clean(value):
    """JSON-safe: NaN/inf become None (JSON has no NaN), numpy scalars become floats."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not hasattr(value, "__len__"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(path, data, compact=True):
    """Write ``data`` as JSON atomically (temp file in the same folder, then rename)."""
    options = {"separators": (",", ":")} if compact else {"indent": 1}
    text = json.dumps(_clean(data), allow_nan=False, **options)
    with atomic_file(path) as f:
        f.write(text.encode())


def read_json(path):
    with open(path) as f:
        return json.load(f)


def shape_problem(record):
    """Why ``record`` is not shaped like a point ({"config": {...}, "result": {...},
    "meta": {...}}; result and meta optional here), or None when it is."""
    if not isinstance(record, dict):
        return f"a JSON {type(record).__name__}, not an object"
    if not isinstance(record.get("config"), dict):
        return "no config object"
    for key in ("result", "meta"):
        if key in record and not isinstance(record[key], dict):
            return f"{key} is not an object"
    seconds = record.get("meta", {}).get("seconds", 0.0)
    if not isinstance(seconds, numbers.Real) or isinstance(seconds, bool):
        return "meta.seconds is not a number"
    return None


def unfinished_metric(record):
    """The name of a NaN/inf/null metric in ``result["final"]`` of a run that did not
    diverge (such a point is not finished), else None."""
    result = record["result"]
    if result.get("diverged"):
        return None
    final = result.get("final", {})
    for name, value in (final.items() if isinstance(final, dict) else ()):
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return name
    return None


class PointStore:
    """The finished points of one experiment under ``<out>/<id>/points``."""

    def __init__(self, folder):
        self.folder = folder

    @classmethod
    def of_experiment(cls, experiment_folder):
        """The store of ``<out>/<id>``: its ``points`` sub-folder."""
        return cls(os.path.join(experiment_folder, "points"))

    def records(self):
        """Every readable stored point, in file-name order.

        Only ``<hash>.json`` files count: a crash mid-write leaves a hidden
        ``.part`` temp file, which is not a point.  Unreadable files are
        skipped, as ``get`` treats them as missing.
        """
        names = sorted(os.listdir(self.folder)) if os.path.isdir(self.folder) else []
        for name in names:
            if name.startswith(".") or not name.endswith(".json"):
                continue
            try:
                record = read_json(os.path.join(self.folder, name))
            except (OSError, ValueError):
                continue
            if shape_problem(record) is None:
                yield record

    def path(self, config):
        return os.path.join(self.folder, config_hash(config) + ".json")

    def get(self, config):
        path = self.path(config)
        if not os.path.exists(path):
            return None
        try:
            record = read_json(path)
        except (OSError, ValueError) as exc:
            return _recompute(path, f"unreadable: {type(exc).__name__}")
        problem = shape_problem(record) or (None if "result" in record else "no result")
        if problem:
            return _recompute(path, problem)
        if record["config"] != _clean(config):
            return None  # another config (a hash collision): not this point
        metric = unfinished_metric(record)
        if metric is not None:
            warnings.warn(f"point file {path} has a non-finite metric {metric!r} in a run that did "
                          f"not diverge: not a finished point; recomputing it", RuntimeWarning,
                          stacklevel=2)
            return None
        return record

    def put(self, config, record):
        write_json(self.path(config), record)


def _recompute(path, why):
    warnings.warn(f"point file {path} is damaged ({why}); recomputing it", RuntimeWarning,
                  stacklevel=3)
    return None


# ----------------------------------------------------------- failed points
class FailureStore:
    """Points that raised, under ``<out>/<id>/failed/<hash>.json`` (config, error, traceback).

    A failed point is not a finished one: the next run tries it again, and a
    success removes its failure file.  ``report`` lists what is still here.
    """

    def __init__(self, folder):
        self.folder = folder

    @classmethod
    def of_experiment(cls, experiment_folder):
        return cls(os.path.join(experiment_folder, "failed"))

    def path(self, config):
        return os.path.join(self.folder, config_hash(config) + ".json")

    def put(self, config, record):
        os.makedirs(self.folder, exist_ok=True)
        write_json(self.path(config), record, compact=False)

    def clear(self, config):
        try:
            os.remove(self.path(config))
        except FileNotFoundError:
            pass

    def records(self):
        return PointStore(self.folder).records()


# ------------------------------------------------------------------- locks
LOCK_STALE_SECONDS = 600  # a lock not refreshed for this long belongs to a runner that is gone


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class PointLocks:
    """Which runner computes which point, so several runners can share one ``--out``.

    A runner takes ``points/<hash>.lock`` (created exclusively) before it
    computes a point and removes it once the point is stored; others skip the
    point and wait for its file.  A lock is *stale* — and may be taken over —
    when its process is gone (same host) or it was not refreshed for
    ``LOCK_STALE_SECONDS`` (another host): the holder refreshes the locks it
    holds from a background thread.
    """

    def __init__(self, folder):
        self.folder = folder
        self.held = set()
        self._lock = threading.Lock()
        self._keeper = None

    def path(self, config):
        return os.path.join(self.folder, config_hash(config) + ".lock")

    def acquire(self, config):
        """Take the point's lock; False when a live runner holds it."""
        os.makedirs(self.folder, exist_ok=True)
        path = self.path(config)
        for _ in range(2):
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                if not self.stale(path):
                    return False
                try:
                    os.remove(path)  # take over a dead runner's lock
                except FileNotFoundError:
                    pass
                continue
            with os.fdopen(fd, "w") as f:
                json.dump({"host": socket.gethostname(), "pid": os.getpid(), "since": time.time()}, f)
            with self._lock:
                self.held.add(path)
            self._ensure_keeper()
            return True
        return False

    def release(self, config):
        path = self.path(config)
        with self._lock:
            self.held.discard(path)
        try:
            os.remove(path)
        except FileNotFoundError:
            pass

    def release_all(self):
        with self._lock:
            paths, self.held = list(self.held), set()
        for path in paths:
            try:
                os.remove(path)
            except FileNotFoundError:
                pass

    def held_elsewhere(self, config):
        """True while another live runner holds this point's lock."""
        path = self.path(config)
        return os.path.exists(path) and path not in self.held and not self.stale(path)

    @staticmethod
    def stale(path):
        try:
            age = time.time() - os.path.getmtime(path)
            with open(path) as f:
                owner = json.load(f)
        except (OSError, ValueError):
            return True  # vanished or half-written: nobody we can wait for
        if not isinstance(owner, dict):
            return True
        if owner.get("host") == socket.gethostname() and isinstance(owner.get("pid"), int):
            return not _pid_alive(owner["pid"])
        return age > LOCK_STALE_SECONDS

    def _ensure_keeper(self):
        if self._keeper is None or not self._keeper.is_alive():
            self._keeper = threading.Thread(target=self._refresh, daemon=True, name="point-lock-keeper")
            self._keeper.start()

    def _refresh(self):
        while True:
            time.sleep(LOCK_STALE_SECONDS / 10)
            with self._lock:
                paths = list(self.held)
            if not paths:
                return
            for path in paths:
                try:
                    os.utime(path)
                except OSError:
                    pass
