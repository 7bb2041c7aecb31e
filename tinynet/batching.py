"""Minibatch iteration: index arrays that cover a data set once per epoch.

A neutral module: the training loop (``Sequential.fit``) and the data
package (``tinynet.data``) both use it; it depends on nothing but NumPy.

``batch_indices`` is what ``Model.fit`` calls, with the model's own NumPy
Generator, so shuffling is reproducible from the model's seed and
independent of any global random state.  The last, partial batch is kept
(dropping it would silently never train on up to ``batch_size - 1`` samples
of each epoch's order).

Indices are host int64 arrays; indexing a CuPy array with them works too.
"""
import numbers

from .backend import np


def batch_indices(n, batch_size, rng=None):
    """Yield int64 index arrays (batch_size,) covering range(n) once; the last may be shorter.

    ``rng`` (a NumPy Generator) shuffles with one permutation; None keeps the order.
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"tinynet: n must be an int >= 0, got {n!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"tinynet: batch_size must be an int >= 1, got {batch_size!r}")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError("tinynet: rng must be a NumPy Generator (np.random.default_rng(seed)) "
                        f"or None, got {type(rng).__name__}")
    n, batch_size = int(n), int(batch_size)
    order = np.arange(n, dtype=np.int64) if rng is None else rng.permutation(n).astype(np.int64)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def minibatches(X, y, batch_size, rng=None):
    """Yield (X[idx], y[idx]) batches, X: (N, ...), y: (N, ...) or None; see batch_indices."""
    n = len(X)
    if y is not None and len(y) != n:
        raise ValueError(f"tinynet: X has {n} samples but y has {len(y)}")
    for idx in batch_indices(n, batch_size, rng):
        yield X[idx], (None if y is None else y[idx])
