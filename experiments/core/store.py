"""One JSON file per training point, keyed by a hash of its full config.

A *point* is one training run (one config, one seed).  Its file
``<out>/<experiment id>/points/<hash>.json`` holds the config, the result
(per-epoch history, final metrics, wall time) and where it was made
(backend, library version, git commit, machine).  Files are written to a
temporary name and renamed, so an interrupted sweep leaves only complete
points; re-running skips them (``--force`` recomputes).
"""
import hashlib
import json
import math
import os
import socket
import threading
import time

from tinynet.data.fsutil import atomic_file


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
                yield read_json(os.path.join(self.folder, name))
            except (OSError, ValueError):
                continue

    def path(self, config):
        return os.path.join(self.folder, config_hash(config) + ".json")

    def get(self, config):
        path = self.path(config)
        if not os.path.exists(path):
            return None
        try:
            record = read_json(path)
        except (OSError, ValueError):
            return None  # unreadable: recompute rather than trust it
        return record if record.get("config") == _clean(config) else None

    def put(self, config, record):
        write_json(self.path(config), record)


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
