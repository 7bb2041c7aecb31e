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

Safety: arrays are read by :mod:`tinynet.safe_npz` (no pickle, ever), and
layers are rebuilt only from tinynet's closed registry of class names (never
an importable path), so loading a file cannot run code.  Loading is strict and
checks before it allocates: the path must be a regular file; the whole header
(types included: ``"trainable": "false"`` is an error, not True) and every
array's declared shape and dtype are checked against the architecture the
header describes, and the model's total size against a limit
(:data:`MAX_MODEL_BYTES`, 1 GiB; ``load(path, max_bytes=...)`` or
``$TINYNET_MAX_MODEL_BYTES`` to change it), before any array is read.  A
missing or extra array, or a shape that differs from the architecture, is an
error.  Every malformed file raises :class:`ModelFileError`.

Division of work: this module reads and writes files of layers; it never
builds a model.  ``tinynet.load`` (model.py) wraps ``read_layers`` in a
``Sequential``, and ``Sequential.save`` calls ``save`` here: model.py imports
io.py, never the other way round.

Crash safety: ``save`` writes to a temporary file in the target folder,
flushes it to disk, then renames it over the target (atomic on POSIX and
Windows), so a crash leaves either the old file or the new one, never half.
"""
import contextlib
import json
import os
import stat
import zipfile
import zlib

from . import backend
from . import validation as check
from .backend import np
from .fsutil import atomic_file
from .layers import REGISTRY
from .safe_npz import NpzError, NpzIndex
from .version import __version__

FORMAT_VERSION = 1
HEADER_KEY = "__tinynet__"
#: Default limit of ``load``: the bytes of parameters and buffers a file may
#: declare (and, plus HEADER_MAX_BYTES, the file's size).  Override per call
#: (``max_bytes=``) or with ``$TINYNET_MAX_MODEL_BYTES``.
MAX_MODEL_BYTES = 1 << 30
#: The JSON header's limit: far above any real model's (~250 bytes a layer).
HEADER_MAX_BYTES = 16 << 20


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


def max_model_bytes():
    """The size limit of ``load``: ``$TINYNET_MAX_MODEL_BYTES`` if set, else 1 GiB."""
    text = os.environ.get("TINYNET_MAX_MODEL_BYTES")
    if not text:
        return MAX_MODEL_BYTES
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"TINYNET_MAX_MODEL_BYTES must be a positive int (bytes), got {text!r}")
    return value


def read_layers(path, max_bytes=None):
    """The layers, seed and dtype of a file written by ``save``: ``(layers, seed, dtype)``.

    The layers carry their saved weights (on the current backend);
    ``tn.load`` (model.py) wraps them in a ``Sequential``.

    Every malformed file raises :class:`ModelFileError` (a missing one,
    FileNotFoundError).  The whole header and every array's declared shape
    are checked against the architecture before anything is allocated, and a
    model needing more than ``max_bytes`` (default :func:`max_model_bytes`,
    1 GiB) of parameters and buffers, or a file larger than that, is refused.
    """
    path = os.fspath(path)
    limit = max_model_bytes() if max_bytes is None else check.positive_int(max_bytes, "max_bytes", "load")
    with _open_regular_file(path, limit) as f:
        try:
            index = NpzIndex(f)
            header = _read_header(path, index)
        except (zipfile.BadZipFile, NpzError, ValueError, OSError, EOFError, KeyError,
                UnicodeDecodeError, RecursionError, NotImplementedError, zlib.error) as exc:
            raise ModelFileError(f"{path}: cannot read a tinynet model file "
                                 f"(truncated or corrupted?): {type(exc).__name__}: {exc}") from None
        dtype, seed, plan = _check_header(path, header, index, limit)
        layers = _build_layers(path, plan, dtype)
        try:
            for layer, spec in zip(layers, plan):
                for kind, name, key in spec["arrays"]:
                    store = getattr(layer, kind)
                    value = index.read(key).astype(dtype)  # a copy: frombuffer's array is read-only
                    store[name] = backend.to_device(value, layer.device)
        except (zipfile.BadZipFile, NpzError, OSError, EOFError, zlib.error) as exc:
            raise ModelFileError(f"{path}: cannot read a tinynet model file "
                                 f"(truncated or corrupted?): {type(exc).__name__}: {exc}") from None
    return layers, seed, dtype


@contextlib.contextmanager
def _open_regular_file(path, limit):
    """The file opened for reading, if it is a regular file no larger than allowed.

    Opened non-blocking and checked with fstat on the open descriptor: a FIFO
    would otherwise block ``open`` forever, and a check by name before the
    open could be raced.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file (FIFO, device, socket?)"
            raise ModelFileError(f"{path}: {kind}; tinynet reads models only from regular files")
        if st.st_size > limit + HEADER_MAX_BYTES:
            raise ModelFileError(f"{path}: the file has {st.st_size:,} bytes, more than the limit of "
                                 f"{limit:,} bytes; {_LIMIT_HINT}")
        f = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with f:
        yield f


_LIMIT_HINT = "raise it with tn.load(path, max_bytes=...) or $TINYNET_MAX_MODEL_BYTES if you trust the file"


def _read_header(path, index):
    member = index.members.get(HEADER_KEY)
    if member is None:
        raise ModelFileError(f"{path}: not a tinynet model file (no {HEADER_KEY!r} entry)")
    if member.dtype.kind != "U" or member.shape != () or member.nbytes > HEADER_MAX_BYTES:
        raise ModelFileError(f"{path}: the {HEADER_KEY!r} entry is not a JSON text of at most "
                             f"{HEADER_MAX_BYTES:,} bytes (dtype {member.dtype}, shape {member.shape})")
    return json.loads(str(index.read(HEADER_KEY)[()]))


_SPEC_KEYS = {"class", "config", "trainable", "params", "buffers"}


def _shape_list(value):
    return (isinstance(value, list) and len(value) <= 8
            and all(type(d) is int and d >= 0 for d in value))


def _check_header(path, header, index, limit):
    """Check the header and every array's declared shape and dtype, before any allocation.

    Returns (dtype, seed, plan): one entry per layer with its class, config,
    trainable flag and the arrays to read as (kind, name, key).
    """
    if not isinstance(header, dict) or header.get("format") != "tinynet":
        raise ModelFileError(f"{path}: not a tinynet model file (header format "
                             f"{header.get('format') if isinstance(header, dict) else header!r:.80})")
    if header.get("version") != FORMAT_VERSION:
        raise ModelFileError(f"{path}: file format version {header.get('version')!r:.40}; this "
                             f"tinynet ({__version__}) reads version {FORMAT_VERSION}")
    dtype = header.get("dtype", "float32")
    if dtype not in ("float32", "float64"):
        raise ModelFileError(f"{path}: dtype {dtype!r:.40}; tinynet models are 'float32' or 'float64'")
    itemsize = np.dtype(dtype).itemsize
    seed = header.get("seed", 0)
    if seed is not None and (type(seed) is not int or seed < 0):
        raise ModelFileError(f"{path}: seed must be a non-negative int or null, got {seed!r:.40}")
    specs = header.get("layers", [])
    if not isinstance(specs, list) or not all(isinstance(spec, dict) for spec in specs):
        raise ModelFileError(f"{path}: header 'layers' must be a list of objects, got {specs!r:.80}")
    plan, expected, total = [], {HEADER_KEY}, 0
    for i, spec in enumerate(specs):
        name = spec.get("class")
        cls = REGISTRY.get(name) if isinstance(name, str) else None
        if cls is None:
            raise ModelFileError(f"{path}: layer {i} has unknown class {name!r:.80}; "
                                 f"known: {sorted(REGISTRY)}")
        where = f"{path}: layer {i} ({name})"
        unknown = set(spec) - _SPEC_KEYS
        if unknown:
            raise ModelFileError(f"{where}: unknown header keys {sorted(unknown)!r:.80}")
        config = spec.get("config", {})
        if not isinstance(config, dict):
            raise ModelFileError(f"{where}: bad config: must be an object, got {config!r:.80}")
        trainable = spec.get("trainable", True)
        if not isinstance(trainable, bool):
            raise ModelFileError(f"{where}: 'trainable' must be true or false, got {trainable!r:.40}")
        try:
            shapes = dict(zip(("params", "buffers"), cls.state_shapes(config)))
        except (TypeError, ValueError) as exc:
            raise ModelFileError(f"{where}: bad config: {exc}") from None
        arrays = []
        for kind, needed in shapes.items():
            declared = spec.get(kind, {})
            if not isinstance(declared, dict) or not all(_shape_list(v) for v in declared.values()):
                raise ModelFileError(f"{where}: {kind} must map names to shapes (lists of ints), "
                                     f"got {declared!r:.80}")
            if set(declared) != set(needed):
                raise ModelFileError(f"{where} {kind} mismatch: file has {sorted(declared)}, "
                                     f"the layer has {sorted(needed)}")
            for array_name, shape in needed.items():
                key = f"layers.{i}.{kind}.{array_name}"
                member = index.members.get(key)
                if member is None:
                    raise ModelFileError(f"{path}: missing array {key!r}")
                if member.dtype.kind != "f":  # never cast strings, ints or complex silently
                    raise ModelFileError(f"{path}: {key} has dtype {member.dtype}, expected floating point")
                for what, got in (("header declares", tuple(declared[array_name])),
                                  ("array has", member.shape)):
                    if got != tuple(shape):
                        raise ModelFileError(f"{path}: {key} {'has' if what == 'array has' else what} "
                                             f"shape {got}, the architecture needs {tuple(shape)}")
                total += _prod(shape) * itemsize
                expected.add(key)
                arrays.append((kind, array_name, key))
        plan.append({"class": cls, "config": config, "trainable": trainable, "arrays": arrays})
    extra = set(index.members) - expected
    if extra:
        raise ModelFileError(f"{path}: unexpected arrays {sorted(extra)[:20]} (not in the architecture)")
    if total > limit:
        raise ModelFileError(f"{path}: the model declares {total:,} bytes of parameters and buffers, "
                             f"more than the limit of {limit:,} bytes; {_LIMIT_HINT}")
    return dtype, seed, plan


def _prod(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def _build_layers(path, plan, dtype):
    """The layers of ``plan`` (sizes checked already), with their config type-checked."""
    layers = []
    for i, spec in enumerate(plan):
        cls = spec["class"]
        try:
            layer = cls.from_config(spec["config"], dtype=dtype)
        except (TypeError, ValueError) as exc:
            raise ModelFileError(f"{path}: layer {i} ({cls.__name__}): bad config: {exc}") from None
        layer.trainable = spec["trainable"]
        layer.initialized_by_model = True  # keep the loaded weights
        layers.append(layer)
    return layers
