"""The array backend: the one module in tinynet that imports NumPy or CuPy.

Every kernel is written once against an *array module* ``xp`` (NumPy on the
CPU, CuPy on an NVIDIA GPU; CuPy copies NumPy's API).  Kernels never import
either library: they ask for the module that owns their inputs with
:func:`array_module`, so the same line of code runs on both devices.

The *global* backend (:func:`use_backend`, or the ``TINYNET_BACKEND``
environment variable read at import) only decides where *new* arrays are
created: parameters of a fresh model and data handed to ``fit``.  Arrays that
already exist stay where they are until moved with :func:`to_device` or
``model.to(...)``.

Limits: one GPU (CuPy's current device); no mixed-device models.
"""
import importlib
import os

import numpy

#: The host array module.  Modules that must produce NumPy arrays whatever the
#: backend (file I/O, data loading) use ``backend.np``; kernels never do.
np = numpy

BACKENDS = ("numpy", "cupy")


class BackendError(RuntimeError):
    """The requested backend cannot be used here (CuPy missing, no GPU, ...)."""


class DeviceMismatchError(ValueError):
    """Arrays from two devices met in one operation."""


_cupy = None  # the cupy module once it has been loaded successfully
_state = {"name": "numpy", "dtype": numpy.dtype("float32")}


def _load_cupy():
    """Import CuPy and check that a GPU answers; one clear error otherwise."""
    global _cupy
    if _cupy is not None:
        return _cupy
    try:
        cupy = importlib.import_module("cupy")
    except ImportError as exc:
        raise BackendError(
            "tinynet: the 'cupy' backend needs CuPy, which is not installed. "
            "Install it with `pip install -e \".[gpu]\"` (cupy-cuda12x, for an "
            "NVIDIA driver with CUDA 12) or the cupy-cuda13x wheel for CUDA 13. "
            f"(import error: {exc})") from exc
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDA driver missing or broken
        raise BackendError(
            "tinynet: CuPy is installed but no CUDA GPU answers "
            f"({type(exc).__name__}: {exc}). Use the 'numpy' backend on this machine.") from exc
    if count < 1:
        raise BackendError("tinynet: CuPy is installed but no CUDA GPU was found. "
                           "Use the 'numpy' backend on this machine.")
    _cupy = cupy
    return cupy


def _check_name(name):
    if name not in BACKENDS:
        raise ValueError(f"tinynet: unknown backend {name!r}; expected one of {BACKENDS}")


def module_for(name):
    """The array module of backend ``name`` ('numpy' or 'cupy')."""
    _check_name(name)
    return numpy if name == "numpy" else _load_cupy()


def use_backend(name):
    """Choose where new parameters and data are created: 'numpy' or 'cupy'.

    >>> use_backend("numpy"); get_backend()
    'numpy'
    """
    module_for(name)  # fails here, with a clear message, if CuPy cannot run
    _state["name"] = name


def get_backend():
    """Name of the global backend ('numpy' or 'cupy')."""
    return _state["name"]


def current_xp():
    """The array module of the global backend."""
    return module_for(_state["name"])


def gpu_available():
    """True when CuPy imports and a GPU answers (never raises)."""
    try:
        _load_cupy()
        return True
    except BackendError:
        return False


def gpu_count():
    """How many CUDA GPUs CuPy sees (0 without CuPy or a GPU; never raises)."""
    try:
        return int(_load_cupy().cuda.runtime.getDeviceCount())
    except BackendError:
        return 0


def _is_cupy_array(a):
    # Checked by module name, so this works without importing CuPy.
    return type(a).__module__.startswith("cupy")


def array_module(*arrays):
    """The module (numpy or cupy) that owns ``arrays``; NumPy when none is an array.

    Mixing host and device arrays raises :class:`DeviceMismatchError`, which
    is clearer than the TypeError CuPy raises deep inside an operation.
    """
    on_gpu = [_is_cupy_array(a) for a in arrays if a is not None]
    if any(on_gpu):
        if not all(on_gpu):
            raise DeviceMismatchError(
                "tinynet: arrays on the CPU (numpy) and on the GPU (cupy) were mixed in one "
                "operation; move the model and the data to one device with model.to(...) / "
                "tinynet.backend.to_device(...)")
        return _load_cupy()
    return numpy


def device_of(array):
    """'cupy' for a CuPy array, 'numpy' otherwise."""
    return "cupy" if _is_cupy_array(array) else "numpy"


def to_device(array, name=None):
    """A copy of ``array`` on backend ``name`` (default: the global backend).

    An array already there is returned as it is (no copy).
    """
    name = name or get_backend()
    _check_name(name)
    if name == "numpy":
        return to_host(array)
    cupy = _load_cupy()
    return array if _is_cupy_array(array) else cupy.asarray(array)


def to_host(array):
    """``array`` as a NumPy array (copied from the GPU when needed)."""
    if _is_cupy_array(array):
        return array.get()
    return numpy.asarray(array)


def synchronize(xp_module):
    """Wait for queued GPU work (for honest wall-clock times); no-op on NumPy."""
    if xp_module is not numpy:
        xp_module.cuda.get_current_stream().synchronize()


def set_default_dtype(dtype):
    """Set the dtype of newly built layers: 'float32' (default) or 'float64'.

    float64 is for gradient checks; training runs in float32.
    """
    dt = numpy.dtype(dtype)
    if dt not in (numpy.dtype("float32"), numpy.dtype("float64")):
        raise ValueError(f"tinynet: default dtype must be float32 or float64, got {dt}")
    _state["dtype"] = dt


def get_default_dtype():
    """The dtype new layers are built with (a numpy.dtype)."""
    return _state["dtype"]


def as_dtype(dtype):
    """Normalise a dtype spec ('float32', numpy.float32, None -> default)."""
    return get_default_dtype() if dtype is None else numpy.dtype(dtype)


def host_generator(seed):
    """A NumPy Generator (weight init, shuffling): identical on every backend."""
    return numpy.random.default_rng(seed)


def device_generator(seed, name):
    """A random Generator that draws directly on backend ``name`` (dropout masks).

    Drawing on the device avoids a host-to-device copy per step.
    """
    if name == "numpy":
        return numpy.random.default_rng(seed)
    return _load_cupy().random.default_rng(seed)


def describe():
    """A one-line description of the backend and device, for reports."""
    if get_backend() == "cupy":
        cupy = _load_cupy()
        dev = cupy.cuda.Device()
        props = cupy.cuda.runtime.getDeviceProperties(dev.id)
        gpu = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
        return f"cupy {cupy.__version__} on {gpu}"
    return f"numpy {numpy.__version__}"


_env = os.environ.get("TINYNET_BACKEND")
if _env:
    # Read once at import; an invalid or unusable value fails loudly here
    # rather than silently training on the CPU.
    use_backend(_env.strip().lower())
