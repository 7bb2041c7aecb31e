"""A synthetic 2-D regression problem: the bump y = x1 * exp(-x1^2 - x2^2) on [-2, 2]^2.

``regression_bump`` draws the training set uniformly from the square with an
explicit seed; ``regression_grid`` is the dense test grid (1000 x 1000 by
default) on which a trained model's surface is compared with the truth.

Grid ordering: ``meshgrid(g, g, indexing="ij")`` flattened in C order, so row
``i * n + j`` is ``(g[i], g[j])`` with ``g = linspace(-2, 2, n)``;
``pred.reshape(n, n)[i, j]`` is then the prediction at ``x1 = g[i], x2 = g[j]``.

The function is computed in float64 and cast to ``dtype`` at the end.
(The experiments call this problem "b4", after the coursework report that
used it; ``regression_b4`` is kept as an alias of ``regression_bump``.)
"""
import numbers

from ..backend import np

LOW, HIGH = -2.0, 2.0


def bump_function(X):
    """y = x1 * exp(-x1^2 - x2^2) for X: (m, 2); returns (m, 1) float64."""
    X = np.asarray(X, dtype=np.float64)
    x1, x2 = X[:, 0], X[:, 1]
    return (x1 * np.exp(-x1 * x1 - x2 * x2))[:, None]


def regression_bump(m, seed=0, dtype="float32"):
    """Training set of the bump problem: X (m, 2) uniform in [-2, 2]^2, y (m, 1).

    ``seed`` is an int or a NumPy Generator.
    """
    if isinstance(m, bool) or not isinstance(m, numbers.Integral) or m < 0:
        raise ValueError(f"tinynet: m must be an int >= 0, got {m!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    X = rng.uniform(LOW, HIGH, size=(int(m), 2))
    return X.astype(dtype), bump_function(X).astype(dtype)


def regression_grid(n=1000, dtype="float32"):
    """Test grid of the bump problem: X (n*n, 2) on linspace(-2, 2, n)^2 ('ij' order), y (n*n, 1)."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"tinynet: n must be an int >= 1, got {n!r}")
    g = np.linspace(LOW, HIGH, int(n))
    x1, x2 = np.meshgrid(g, g, indexing="ij")
    X = np.stack([x1.ravel(), x2.ravel()], axis=1)
    return X.astype(dtype), bump_function(X).astype(dtype)


#: the name the experiments use (problem "b4" of the coursework report)
regression_b4 = regression_bump
