"""Where tinynet looks for data on disk, and where it caches.

* The *data directory*: the ``data_dir=`` argument, else the ``TINYNET_DATA``
  environment variable (a relative path is taken from the current directory).
  It may hold the four IDX files directly or in a per-data-set sub-folder
  (``mnist/``, ``fashion-mnist/``), so ``TINYNET_DATA=/work/shared/data`` and
  ``TINYNET_DATA=/work/shared/data/mnist`` both work.  It is only ever read:
  it may be read-only and shared.
* The *user cache*: ``$XDG_CACHE_HOME/tinynet`` when that variable holds an
  absolute path (as the XDG spec requires), else ``~/.cache/tinynet``; one
  sub-folder per data set.  Everything tinynet writes goes here.

An explicit data directory that does not exist is an error rather than a
silent fall-through to the network.
"""
import os
from pathlib import Path

from .errors import DataError

ENV_DATA = "TINYNET_DATA"


def cache_root():
    """The user cache folder of tinynet (it may not exist yet)."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "tinynet"


def dataset_cache_dir(spec):
    """The cache folder of one data set: <cache_root>/<spec.name>."""
    return cache_root() / spec.name


def data_root(data_dir=None):
    """(Path, how it was given) of the data directory, or None when there is none."""
    if data_dir is not None:
        path, origin = Path(os.fspath(data_dir)).expanduser(), "data_dir argument"
    elif os.environ.get(ENV_DATA, "").strip():
        path, origin = Path(os.environ[ENV_DATA].strip()).expanduser(), f"${ENV_DATA}"
    else:
        return None
    if not path.is_dir():
        raise DataError(f"tinynet: the data directory {str(path)!r} (from the {origin}) "
                        "does not exist or is not a folder")
    return path.resolve(), origin


def candidate_dirs(spec, data_dir=None):
    """The folders to search, in order, as (Path, label) pairs; existing ones only."""
    out = []
    root = data_root(data_dir)
    if root is not None:
        path, origin = root
        # The per-data-set sub-folder first: a flat folder may hold another data set
        # under the same file names (MNIST and Fashion-MNIST share them).
        for sub in spec.subdirs:
            if (path / sub).is_dir():
                out.append((path / sub, f"data directory {path / sub} ({origin})"))
        out.append((path, f"data directory {path} ({origin})"))
    cache = dataset_cache_dir(spec)
    if cache.is_dir():
        out.append((cache, f"user cache {cache}"))
    for sysdir in spec.system_dirs:
        if os.path.isdir(sysdir):
            out.append((Path(sysdir), f"system folder {sysdir}"))
    # The same folder reached twice (e.g. TINYNET_DATA points into the cache) is searched once.
    seen, unique = set(), []
    for path, label in out:
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            unique.append((path, label))
    return unique


def find_file(folder, idx_file):
    """Path of ``idx_file`` in ``folder`` (uncompressed preferred, then .gz), or None."""
    for name in (idx_file.name, idx_file.name + ".gz"):
        p = Path(folder) / name
        if p.is_file():
            return p
    return None
