"""Split a big element-wise kernel over CPU threads.

Why: NumPy runs each element-wise operation (a copy, a comparison, a
maximum, an add) on one core, while the matrix products already use every
BLAS thread.  NumPy releases the GIL inside those loops, so Python threads
working on disjoint slices of the same arrays run in parallel: on a 2-core
machine the pooling, im2col and col2im passes of a CNN take about half the
time.  CuPy arrays are never split (the GPU runs each operation in parallel
already), nor are small jobs (handing work to a thread costs ~20 us).

The thread count is ``TINYNET_NUM_THREADS``, else ``OMP_NUM_THREADS``, else
the number of CPUs this process may use.  ``set_num_threads(1)`` turns the
splitting off.
"""
import contextlib
import os
from concurrent.futures import ThreadPoolExecutor

from ..backend import device_of

#: jobs touching fewer array elements than this run in the calling thread
MIN_ELEMENTS = 1 << 17

_state = {"threads": None, "executor": None, "blas": None}


def _default_threads():
    for var in ("TINYNET_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(var, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def num_threads():
    """Threads used for element-wise kernels on the CPU."""
    if _state["threads"] is None:
        _state["threads"] = _default_threads()
    return _state["threads"]


def set_num_threads(n):
    """Use ``n`` threads for element-wise CPU kernels (1: no splitting)."""
    n = int(n)
    if n < 1:
        raise ValueError(f"tinynet: the number of threads must be >= 1, got {n}")
    _state["threads"] = n
    if _state["executor"] is not None:
        _state["executor"].shutdown()
        _state["executor"] = None


def parallel_for(body, n, elements, like, min_elements=None):
    """Run ``body(sl)`` over slices ``sl`` that partition ``range(n)``.

    The slices run in parallel threads when ``like`` is a NumPy array and the
    job touches at least ``min_elements`` (default MIN_ELEMENTS) elements;
    otherwise ``body(slice(0, n))`` runs here.  ``body`` must write only the
    part of its outputs that its slice owns (then the result does not depend
    on the split).
    """
    threads = min(num_threads(), n)
    least = MIN_ELEMENTS if min_elements is None else min_elements
    if threads < 2 or elements < least or device_of(like) != "numpy":
        body(slice(0, n))
        return
    if _state["executor"] is None:
        _state["executor"] = ThreadPoolExecutor(num_threads() - 1, thread_name_prefix="tinynet")
    cuts = [n * i // threads for i in range(threads + 1)]
    parts = [slice(cuts[i], cuts[i + 1]) for i in range(threads)]
    futures = [_state["executor"].submit(body, part) for part in parts[1:]]
    body(parts[0])            # the calling thread takes the first share
    for future in futures:
        future.result()       # waits, and re-raises a worker's exception here


def _blas_controller():
    """threadpoolctl's controller of the loaded BLAS libraries (made once), or False."""
    if _state["blas"] is None:
        try:
            from threadpoolctl import ThreadpoolController
            _state["blas"] = ThreadpoolController().select(user_api="blas")
        except Exception:   # threadpoolctl missing or unable to inspect: no limiting
            _state["blas"] = False
    return _state["blas"]


@contextlib.contextmanager
def blas_single_threaded():
    """Within the block, BLAS products run on the calling thread only.

    Why: when tinynet's own threads each run a product on independent data,
    a multi-threaded BLAS would start its own threads per call on top of
    them (measured: 2-3x slower than one-thread products side by side).
    Uses threadpoolctl (a tinynet requirement; ~10 us per block); without it
    the block changes nothing.
    """
    ctl = _blas_controller()
    if not ctl:
        yield
        return
    with ctl.limit(limits=1):
        yield
