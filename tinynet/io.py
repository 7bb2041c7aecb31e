"""Save and load models: one .npz of arrays plus the architecture as JSON, no pickle.

File layout (format version 1)::

    "__tinynet__"                 0-d unicode array: JSON header (below)
    "layers.<i>.params.<name>"    a parameter of layer i (e.g. layers.0.params.W)
    "layers.<i>.buffers.<name>"   a buffer (BatchNorm running statistics)

    header = {"format": "tinynet", "version": 1, "tinynet_version": ...,
              "dtype": "float32", "seed": 0,
              "layout": {"dense": "W (in_features, out_features), y = x @ W + b",
                         "conv": "NCHW, W (out, in, kh, kw)"},
              "layers": [{"class": "Dense", "config": {...}, "trainable": true,
                          "params": {"W": [784, 128], ...}, "buffers": {...}}, ...]}

Safety: the file is read with ``allow_pickle=False``, and layers are rebuilt
only from tinynet's closed registry of class names (never an importable path),
so loading a file cannot run code.  Loading is strict: a missing or extra
array, or a shape that differs from the architecture, is an error.

Division of work: this module reads and writes files of layers; it never
builds a model.  ``tinynet.load`` (model.py) wraps ``read_layers`` in a
``Sequential``, and ``Sequential.save`` calls ``save`` here: model.py imports
io.py, never the other way round.

Crash safety: ``save`` writes to a temporary file in the target folder,
flushes it to disk, then renames it over the target (atomic on POSIX and
Windows), so a crash leaves either the old file or the new one, never half.
"""
import json
import os
import zipfile

from . import backend
from .backend import np
from .fsutil import atomic_file
from .layers import REGISTRY
from .version import __version__

FORMAT_VERSION = 1
HEADER_KEY = "__tinynet__"


class ModelFileError(ValueError):
    """A file that is not a valid tinynet model (truncated, corrupted, foreign, mismatched)."""


def _header(model):
    layers = []
    for layer in model.layers:
        layers.append({
            "class": type(layer).__name__,
            "config": layer.get_config(),
            "trainable": bool(layer.trainable),
            "params": {k: list(v.shape) for k, v in layer.params.items()},
            "buffers": {k: list(v.shape) for k, v in layer.buffers.items()},
        })
    return {"format": "tinynet", "version": FORMAT_VERSION, "tinynet_version": __version__,
            "dtype": str(model.dtype), "seed": model.seed,
            "layout": {"dense": "W (in_features, out_features), y = x @ W + b",
                       "conv": "NCHW, W (out, in, kh, kw)"},
            "layers": layers}


def save(model, path):
    """Write ``model`` to ``path`` (.npz) atomically."""
    path = os.fspath(path)
    arrays = {HEADER_KEY: np.array(json.dumps(_header(model)))}
    for i, layer in enumerate(model.layers):
        for kind, store in (("params", layer.params), ("buffers", layer.buffers)):
            for name, value in store.items():
                arrays[f"layers.{i}.{kind}.{name}"] = backend.to_host(value)
    with atomic_file(path) as f:
        np.savez(f, **arrays)  # a file object: savez must not append ".npz"


def read_layers(path):
    """The layers, seed and dtype of a file written by ``save``: ``(layers, seed, dtype)``.

    The layers carry their saved weights (on the current backend).
    """
    path = os.fspath(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            if HEADER_KEY not in archive.files:
                raise ModelFileError(f"{path}: not a tinynet model file (no {HEADER_KEY!r} entry)")
            header = json.loads(str(archive[HEADER_KEY]))
            arrays = {k: archive[k] for k in archive.files if k != HEADER_KEY}
    except ModelFileError:
        raise
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError,
            json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: cannot read a tinynet model file "
                             f"(truncated or corrupted?): {type(exc).__name__}: {exc}") from None
    return _build(path, header, arrays)


def _build(path, header, arrays):
    if not isinstance(header, dict) or header.get("format") != "tinynet":
        raise ModelFileError(f"{path}: not a tinynet model file (header format "
                             f"{header.get('format') if isinstance(header, dict) else header!r})")
    if header.get("version") != FORMAT_VERSION:
        raise ModelFileError(f"{path}: file format version {header.get('version')!r}; this "
                             f"tinynet ({__version__}) reads version {FORMAT_VERSION}")
    # Check the header's structure before using it, so a malformed file is a
    # ModelFileError, not a TypeError from deep inside.
    dtype = header.get("dtype", "float32")
    if dtype not in ("float32", "float64"):
        raise ModelFileError(f"{path}: dtype {dtype!r}; tinynet models are 'float32' or 'float64'")
    seed = header.get("seed", 0)
    if seed is not None and (type(seed) is not int or seed < 0):
        raise ModelFileError(f"{path}: seed must be a non-negative int or null, got {seed!r}")
    specs = header.get("layers", [])
    if not isinstance(specs, list) or not all(isinstance(spec, dict) for spec in specs):
        raise ModelFileError(f"{path}: header 'layers' must be a list of objects, got {specs!r:.80}")
    layers, expected = [], set()
    for i, spec in enumerate(specs):
        cls = REGISTRY.get(spec.get("class"))
        if cls is None:
            raise ModelFileError(f"{path}: layer {i} has unknown class {spec.get('class')!r}; "
                                 f"known: {sorted(REGISTRY)}")
        try:
            layer = cls.from_config(spec.get("config", {}), dtype=dtype)
        except (TypeError, ValueError) as exc:
            raise ModelFileError(f"{path}: layer {i} ({spec.get('class')}): bad config: {exc}") from None
        layer.trainable = bool(spec.get("trainable", True))
        for kind, store in (("params", layer.params), ("buffers", layer.buffers)):
            if set(spec.get(kind, {})) != set(store):
                raise ModelFileError(f"{path}: layer {i} ({cls.__name__}) {kind} mismatch: file has "
                                     f"{sorted(spec.get(kind, {}))}, the layer has {sorted(store)}")
            for name in store:
                key = f"layers.{i}.{kind}.{name}"
                expected.add(key)
                if key not in arrays:
                    raise ModelFileError(f"{path}: missing array {key!r}")
                value = arrays[key]
                if value.dtype.kind != "f":  # never cast strings, ints or complex silently
                    raise ModelFileError(f"{path}: {key} has dtype {value.dtype}, expected floating point")
                if tuple(value.shape) != tuple(store[name].shape):
                    raise ModelFileError(f"{path}: {key} has shape {tuple(value.shape)}, the "
                                         f"architecture needs {tuple(store[name].shape)}")
                store[name] = backend.to_device(value.astype(dtype, copy=False), layer.device)
        layer.initialized_by_model = True  # keep the loaded weights
        layers.append(layer)
    extra = set(arrays) - expected
    if extra:
        raise ModelFileError(f"{path}: unexpected arrays {sorted(extra)} (not in the architecture)")
    return layers, seed, dtype
