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
