"""The real MNIST (shared data folder, as on CI) and Fashion-MNIST (Debian's package).

Found through $TINYNET_DATA when set, else <repo>/../shared/data; skipped
with a reason when absent.  One cache folder serves the whole module so the
files are verified once and the other tests exercise the fast path.
"""
import dataclasses
import time
from pathlib import Path

import pytest

from data_helpers import shared_data_dir
from tinynet.backend import np
from tinynet.data import DataError, fetch, load_fashion_mnist, load_mnist
from tinynet.data.sources import obtain
from tinynet.data.specs import FASHION_MNIST

SHARED = shared_data_dir()
DEBIAN = Path(FASHION_MNIST.system_dirs[0])
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]

needs_mnist = pytest.mark.skipif(
    SHARED is None or not (SHARED / "mnist").is_dir() and not any(SHARED.glob("train-images*")),
    reason="the shared MNIST folder is absent (set TINYNET_DATA, or create ../shared/data/mnist)")
needs_fashion = pytest.mark.skipif(
    not DEBIAN.is_dir(),
    reason=f"Debian's Fashion-MNIST is absent ({DEBIAN}; `apt-get install dataset-fashion-mnist`)")


@pytest.fixture(scope="module")
def module_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def shared(monkeypatch, module_cache):
    """TINYNET_DATA pointing at the shared data, and the module's cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(module_cache))
    monkeypatch.setenv("TINYNET_DATA", str(SHARED))
    return SHARED


@needs_mnist
def test_real_mnist_has_the_official_class_counts(shared):
    (X, y), (Xt, yt) = load_mnist()
    assert X.shape == (60000, 784) and Xt.shape == (10000, 784)
    assert X.dtype == np.float32 and y.dtype == np.int64 and y.shape == (60000,)
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.bincount(y).tolist() == TRAIN_COUNTS
    assert np.bincount(yt).tolist() == TEST_COUNTS


@needs_mnist
def test_later_loads_are_fast(shared):
    load_mnist()  # make sure the decoded cache exists
    t0 = time.perf_counter()
    load_mnist()
    elapsed = time.perf_counter() - t0
    assert elapsed < 1.0, f"a cached load took {elapsed:.2f} s"


@needs_mnist
def test_image_layout(shared):
    (X, _), _ = load_mnist()
    (X4, _), (Xt4, _) = load_mnist(flatten=False)
    assert X4.shape == (60000, 1, 28, 28) and Xt4.shape == (10000, 1, 28, 28)
    np.testing.assert_array_equal(X4[:100].reshape(100, -1), X[:100])


@needs_mnist
def test_validation_split(shared):
    (Xa, ya), _ = load_mnist()
    (Xtr, ytr), (Xv, yv), (Xte, yte) = load_mnist(validation=5000, seed=3)
    assert len(Xtr) == 55000 and len(Xv) == 5000 and len(Xte) == 10000
    # Together exactly the training set: same labels, same images (compared through
    # their pixel sums, as multisets).
    assert (np.bincount(ytr, minlength=10) + np.bincount(yv, minlength=10)).tolist() == TRAIN_COUNTS
    np.testing.assert_array_equal(np.sort(np.concatenate([Xtr.sum(1), Xv.sum(1)])),
                                  np.sort(Xa.sum(1)))
    # The carve is the documented permutation (determinism by seed is tested on the toy set).
    val_idx = np.sort(np.random.default_rng(3).permutation(60000)[:5000])
    np.testing.assert_array_equal(yv, ya[val_idx])


@needs_mnist
def test_bad_arguments(shared):
    with pytest.raises(ValueError, match="floating"):
        load_mnist(dtype="int32")
    with pytest.raises(ValueError, match=r"validation must be in \[0, 60000\)"):
        load_mnist(validation=60000)
    with pytest.raises(TypeError, match="validation must be an int"):
        load_mnist(validation=0.5)


@needs_mnist
def test_subfolder_itself_works_and_never_touches_the_network(monkeypatch, tmp_path):
    # Fresh cache, so the files are really read; the autouse fixture fails any network use.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "fresh"))
    monkeypatch.setenv("TINYNET_DATA", str(SHARED / "mnist"))
    result = fetch("mnist")
    assert all(s.startswith(str(SHARED / "mnist")) for s in result.sources.values())


@needs_mnist
def test_a_folder_of_mnist_is_not_taken_for_fashion_mnist(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "fresh"))
    no_debian = dataclasses.replace(FASHION_MNIST, system_dirs=())
    with pytest.raises(DataError, match="(?s)skipped .*it is the MNIST file, not Fashion-MNIST's"):
        obtain(no_debian, data_dir=SHARED / "mnist", network=False)


@needs_fashion
def test_fashion_mnist_from_debian():
    (X, y), (Xt, yt) = load_fashion_mnist(flatten=False)
    assert X.shape == (60000, 1, 28, 28) and Xt.shape == (10000, 1, 28, 28)
    assert np.bincount(y).tolist() == [6000] * 10 and np.bincount(yt).tolist() == [1000] * 10
