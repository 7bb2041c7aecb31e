"""Small test helpers: input generators that avoid kinks, finite differences.

Everything here works on host NumPy arrays in float64 unless stated.
"""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from tinynet import backend

#: pass mark for float64 gradient checks (the issue's target)
GRAD_TOL = 1e-6


def prop(max_examples):
    """Hypothesis settings for a property test: few examples, no deadline.

    The function-scoped-fixture check is lifted because ``xp_backend`` is
    meant to stay the same for all examples of one test.  For a thorough run,
    ``TINYNET_TEST_EXAMPLES=10`` multiplies every ``max_examples``.
    """
    scale = float(os.environ.get("TINYNET_TEST_EXAMPLES", "1"))
    return settings(max_examples=max(1, round(max_examples * scale)), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def away_from_zero(rng, shape, margin=0.05):
    """Normal draws pushed at least ``margin`` away from 0 (ReLU/ELU/L1 kinks).

    With h = 1e-6 a central difference crosses a kink only within h of it,
    so any margin >> 1e-6 keeps every difference on one side.
    """
    z = rng.standard_normal(shape)
    return np.where(z >= 0, margin + z, -margin + z)


def distinct_values(rng, shape, spacing=0.01):
    """A random permutation of evenly spaced values: no two elements equal.

    Neighbouring values differ by ``spacing`` >> h, so no max-pool window has
    a tie or a near-tie that a finite difference could flip.
    """
    size = int(np.prod(shape))
    values = (np.arange(size) - size / 2.0) * spacing
    return rng.permutation(values).reshape(shape)


def numeric_grad(f, array, h=1e-6):
    """Central differences of the scalar ``f()`` w.r.t. every element of ``array`` (in place)."""
    grad = np.zeros(array.shape, dtype=np.float64)
    flat = array.reshape(-1)  # a view: writes perturb ``array`` itself
    assert np.shares_memory(flat, array)
    for i in range(flat.size):
        old = float(flat[i])
        flat[i] = old + h
        plus = float(f())
        flat[i] = old - h
        minus = float(f())
        flat[i] = old
        grad.reshape(-1)[i] = (plus - minus) / (2 * h)
    return grad


def relative_error(a, n):
    """The CS231n/gradcheck metric: max|a - n| / max(1e-8, max|a| + max|n|)."""
    a, n = backend.to_host(a).astype(np.float64), backend.to_host(n).astype(np.float64)
    if a.size == 0:
        return 0.0
    return float(np.abs(a - n).max()) / max(1e-8, float(np.abs(a).max() + np.abs(n).max()))


def host(array):
    return backend.to_host(array)


KNOWN_BACKENDS = ("numpy", "cupy")


def wanted_backends():
    """The backends to test: all, or those named in TINYNET_TEST_BACKENDS ("cupy", "numpy,cupy")."""
    text = os.environ.get("TINYNET_TEST_BACKENDS", "").strip()
    if not text:
        return KNOWN_BACKENDS
    names = tuple(n.strip().lower() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in KNOWN_BACKENDS]
    if unknown:
        raise pytest.UsageError(f"TINYNET_TEST_BACKENDS: unknown backend(s) {unknown}; "
                                f"expected a comma-separated subset of {KNOWN_BACKENDS}")
    return names


def gpu_tests_enabled():
    """True when CuPy runs here and TINYNET_TEST_BACKENDS does not exclude it."""
    return "cupy" in wanted_backends() and backend.gpu_available()
