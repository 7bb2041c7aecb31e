"""The b4 regression set: y = x1 * exp(-x1^2 - x2^2), uniform in [-2, 2]^2, and its test grid."""
import pytest

from tinynet.backend import np
from tinynet.data import regression_b4, regression_grid


def test_training_set():
    X, y = regression_b4(500, seed=3)
    assert X.shape == (500, 2) and y.shape == (500, 1)
    assert X.dtype == np.float32 and y.dtype == np.float32
    assert X.min() >= -2 and X.max() <= 2 and X.min() < -1.9 and X.max() > 1.9
    expect = X[:, :1].astype(np.float64) * np.exp(-(X.astype(np.float64) ** 2).sum(1, keepdims=True))
    np.testing.assert_allclose(y, expect, rtol=1e-5, atol=1e-6)


def test_seeded():
    a, b = regression_b4(50, seed=1), regression_b4(50, seed=1)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], regression_b4(50, seed=2)[0])
    g = regression_b4(50, seed=np.random.default_rng(1))
    np.testing.assert_array_equal(g[0], a[0])
    assert regression_b4(10, dtype="float64")[0].dtype == np.float64


def test_grid_order_and_values():
    n = 7
    X, y = regression_grid(n)
    g = np.linspace(-2, 2, n)
    assert X.shape == (n * n, 2) and y.shape == (n * n, 1)
    grid = X.reshape(n, n, 2)  # 'ij': [i, j] is (g[i], g[j])
    np.testing.assert_allclose(grid[3, 5], [g[3], g[5]], rtol=1e-6)
    Y = y.reshape(n, n)
    np.testing.assert_allclose(Y[5, 1], g[5] * np.exp(-g[5] ** 2 - g[1] ** 2), rtol=1e-6)
    assert np.allclose(Y, -Y[::-1, :], atol=1e-7)  # odd in x1, even in x2
    assert np.allclose(Y, Y[:, ::-1], atol=1e-7)


def test_default_grid_is_a_million_points():
    X, y = regression_grid()
    assert X.shape == (1_000_000, 2) and X[0].tolist() == [-2, -2] and X[-1].tolist() == [2, 2]


@pytest.mark.parametrize("bad", [-1, 2.0, True])
def test_bad_sizes(bad):
    with pytest.raises(ValueError):
        regression_b4(bad)
    with pytest.raises(ValueError):
        regression_grid(bad if bad != -1 else 0)
