"""The cache of decoded, verified arrays that makes every load after the first fast.

Why decoded arrays rather than a "verified" flag next to the IDX files: the
files may live in a read-only shared folder and are usually gzipped, so even
with a flag each load would gunzip 11 MB (~0.3 s).  Instead, once the four
IDX files of a data set have passed the MD5 check, their uint8 arrays are
saved as ``.npy`` files in ``<user cache>/<data set>/decoded/``; a later load
reads them with ``allow_pickle=False`` in tens of milliseconds.

Why the key is the data set and not the source: every source is held to the
same official MD5s, so verified arrays are identical whichever source they
came from.  ``manifest.json`` (written last, atomically) records those MD5s,
each array's shape, dtype, byte size, mtime and the SHA-256 of its bytes; the
cache is used only when all of it matches, so a half-written, stale (other
digests), replaced or corrupted file is ignored and rebuilt from the sources,
never trusted.  Why a digest as well as size and mtime: a flipped bit (a bad
disk, a careless edit that restores the mtime) keeps both.  SHA-256 because
it is the fastest digest in hashlib on current CPUs (~1.5 GB/s with SHA
extensions): about 40 ms for MNIST's 55 MB, on a ~0.1 s load.

Writing the cache is best effort: a read-only home directory only costs
speed (a warning is issued), never the load itself.
"""
import hashlib
import json
import os
import time
import warnings

from ..backend import np
from .fsutil import atomic_file, write_bytes_atomic
from .locations import dataset_cache_dir

FORMAT = 2  # 2: each array's sha256 (a format-1 cache is rebuilt once)
MANIFEST = "manifest.json"


def decoded_dir(spec):
    """Folder of the decoded arrays of ``spec``."""
    return dataset_cache_dir(spec) / "decoded"


def read_manifest(spec):
    """The manifest dict of ``spec``'s decoded cache, or None if absent/unreadable."""
    try:
        with open(decoded_dir(spec) / MANIFEST, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def load_decoded(spec):
    """{key: uint8 array} from the cache when it is complete and current, else None."""
    manifest = read_manifest(spec)
    if manifest is None or manifest.get("format") != FORMAT or manifest.get("dataset") != spec.name:
        return None
    if manifest.get("md5") != {f.key: f.md5 for f in spec.files}:
        return None  # made for other official digests: stale
    folder = decoded_dir(spec)
    arrays = {}
    for f in spec.files:
        entry = (manifest.get("arrays") or {}).get(f.key) or {}
        path = folder / f"{f.key}.npy"
        try:
            st = os.stat(path)
            if st.st_size != entry.get("size") or st.st_mtime_ns != entry.get("mtime_ns"):
                return None  # replaced or touched since it was verified
            arr = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            return None
        if arr.dtype != np.uint8 or arr.shape != f.shape:
            return None
        if _digest(arr) != entry.get("sha256"):
            warnings.warn(f"tinynet: the decoded cache file {path} does not match its digest; "
                          f"rebuilding it from the verified files", RuntimeWarning, stacklevel=3)
            return None
        arrays[f.key] = arr
    return arrays


def _digest(array):
    """SHA-256 hex digest of a uint8 array's bytes."""
    return hashlib.sha256(memoryview(np.ascontiguousarray(array)).cast("B")).hexdigest()


def save_decoded(spec, arrays, sources):
    """Cache verified uint8 ``arrays`` ({key: array}); return the folder, or None on failure."""
    folder = decoded_dir(spec)
    try:
        entries = {}
        for f in spec.files:
            path = folder / f"{f.key}.npy"
            with atomic_file(path) as out:
                np.save(out, np.ascontiguousarray(arrays[f.key], dtype=np.uint8), allow_pickle=False)
            st = os.stat(path)
            entries[f.key] = {"shape": list(f.shape), "dtype": "uint8",
                              "size": st.st_size, "mtime_ns": st.st_mtime_ns,
                              "sha256": _digest(arrays[f.key])}
        manifest = {
            "format": FORMAT,
            "dataset": spec.name,
            "md5": {f.key: f.md5 for f in spec.files},
            "arrays": entries,
            "sources": {k: str(v) for k, v in sources.items()},
            # Informational only (shown by `python -m tinynet.data info`).
            "created": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        }
        # Written last: until it exists (and matches) the arrays above are not used.
        write_bytes_atomic(folder / MANIFEST, json.dumps(manifest, indent=1).encode("utf-8"))
        return folder
    except OSError as exc:
        warnings.warn(f"tinynet: could not cache the decoded {spec.title} arrays in {folder} "
                      f"({exc}); loading works but will not be fast", RuntimeWarning, stacklevel=3)
        return None
