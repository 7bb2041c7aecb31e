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
import warnings

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
