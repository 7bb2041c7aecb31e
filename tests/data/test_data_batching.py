"""batch_indices / minibatches: every sample once per epoch, seeded shuffles, partial last batch."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinynet.backend import np
from tinynet.data import batch_indices, minibatches


@settings(max_examples=80, deadline=None)
@given(n=st.integers(0, 300), batch_size=st.integers(1, 70), seed=st.none() | st.integers(0, 2**32))
def test_covers_every_index_once(n, batch_size, seed):
    rng = None if seed is None else np.random.default_rng(seed)
    batches = list(batch_indices(n, batch_size, rng))
    assert len(batches) == -(-n // batch_size)
    assert all(b.dtype == np.int64 for b in batches)
    assert all(len(b) == batch_size for b in batches[:-1])
    if batches:
        assert len(batches[-1]) == n - batch_size * (len(batches) - 1)  # the partial batch is kept
    flat = np.concatenate(batches) if batches else np.zeros(0, np.int64)
    assert sorted(flat.tolist()) == list(range(n))
    if seed is None:
        assert flat.tolist() == list(range(n))


def test_shuffle_is_a_function_of_the_generator():
    a = np.concatenate(list(batch_indices(100, 32, np.random.default_rng(7))))
    b = np.concatenate(list(batch_indices(100, 32, np.random.default_rng(7))))
    c = np.concatenate(list(batch_indices(100, 32, np.random.default_rng(8))))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(a, np.random.default_rng(7).permutation(100))


def test_successive_epochs_differ_with_one_generator():
    rng = np.random.default_rng(0)
    e1 = np.concatenate(list(batch_indices(50, 8, rng)))
    e2 = np.concatenate(list(batch_indices(50, 8, rng)))
    assert not np.array_equal(e1, e2)


def test_minibatches_pair_X_and_y():
    X = np.arange(20).reshape(10, 2)
    y = np.arange(10) * 10
    seen = []
    for xb, yb in minibatches(X, y, 4, np.random.default_rng(1)):
        np.testing.assert_array_equal(xb[:, 0] * 5, yb)
        seen += yb.tolist()
    assert sorted(seen) == y.tolist()
    assert [len(xb) for xb, _ in minibatches(X, y, 4)] == [4, 4, 2]
    assert all(yb is None for _, yb in minibatches(X, None, 3))


@pytest.mark.parametrize("args,exc", [
    ((-1, 4), ValueError), ((10, 0), ValueError), ((10, 2.5), ValueError),
    ((10, True), ValueError), ((10, 4, 123), TypeError),
])
def test_bad_arguments(args, exc):
    with pytest.raises(exc):
        list(batch_indices(*args))


def test_length_mismatch():
    with pytest.raises(ValueError, match="X has 3 samples but y has 2"):
        list(minibatches(np.zeros((3, 1)), np.zeros(2), 2))
