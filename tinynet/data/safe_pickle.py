"""A restricted unpickler for downloaded pickles that should hold only numpy arrays.

``pickle.load`` runs whatever callable a pickle names (``os.system`` ...), so
bytes from the network never reach it.  :class:`ArrayUnpickler` resolves
*only* the three globals a pickled ndarray needs:

* ``numpy.core.multiarray._reconstruct`` (also spelled ``numpy._core...`` by
  NumPy >= 2), the function that allocates the array;
* ``numpy.ndarray``, the class passed to it;
* ``numpy.dtype``, here wrapped so that object dtypes (which would unpickle
  arbitrary Python objects into the array) are refused.

Every other global, any persistent id, is refused with :class:`DataError`.
Tuples, lists, strings and numbers are built by pickle's own opcodes and need
no global.  The result is also checked after loading (:func:`check_arrays`).

``encoding="latin1"`` is the documented way to read NumPy arrays pickled by
Python 2 (their raw bytes were ``str``).  Limits: meant for plain numeric
arrays and tuples/lists of them, nothing else.
"""
import io
import pickle

from ..backend import np
from .errors import DataError

# The reconstruct function, taken from NumPy itself rather than imported by a
# private module path that moved between NumPy 1 and 2.
_reconstruct = np.empty(0).__reduce__()[0]


def _checked_dtype(*args):
    """numpy.dtype(*args), refusing dtypes that hold Python objects."""
    dt = np.dtype(*args)
    if dt.hasobject:
        raise pickle.UnpicklingError(f"object dtype {dt} refused (it would unpickle Python objects)")
    return dt


_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): _checked_dtype,
}


class ArrayUnpickler(pickle.Unpickler):
    """An Unpickler that admits only what numpy arrays and tuples need."""

    def find_class(self, module, name):
        """Resolve a global only if it is one of the array-building names above."""
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"global {module}.{name} refused (only numpy arrays may be unpickled)") from None

    def persistent_load(self, pid):
        """Persistent ids are an escape hatch for arbitrary objects: refused."""
        raise pickle.UnpicklingError("persistent ids refused")


def check_arrays(obj, what):
    """Raise DataError unless ``obj`` is tuples/lists of non-object numpy arrays."""
    if isinstance(obj, (tuple, list)):
        for item in obj:
            check_arrays(item, what)
    elif isinstance(obj, np.ndarray):
        if obj.dtype.hasobject:
            raise DataError(f"tinynet: {what}: holds an object array; refused")
    else:
        raise DataError(f"tinynet: {what}: holds a {type(obj).__name__}, expected only "
                        "tuples of numpy arrays; refused")


def safe_load(file, what="pickle", encoding="latin1"):
    """Unpickle numpy arrays (and tuples/lists of them) from a binary file or bytes.

    Raises DataError, naming ``what``, for anything else.
    """
    if isinstance(file, (bytes, bytearray, memoryview)):
        file = io.BytesIO(file)
    try:
        obj = ArrayUnpickler(file, encoding=encoding).load()
    except pickle.UnpicklingError as exc:
        raise DataError(f"tinynet: {what}: refused to unpickle: {exc}") from None
    except (EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError,
            OverflowError, MemoryError) as exc:
        # A malformed stream, or allowed callables given bad arguments.
        raise DataError(f"tinynet: {what}: not a valid pickle of numpy arrays "
                        f"({type(exc).__name__}: {exc})") from None
    check_arrays(obj, what)
    return obj
