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
each array's shape, dtype, byte size and mtime; the cache is used only when
all of it matches, so a half-written, stale (other digests) or replaced file
is ignored and rebuilt from the sources, never trusted.

Writing the cache is best effort: a read-only home directory only costs
speed (a warning is issued), never the load itself.
"""
import json
import os
import time
import warnings

from ..backend import np
from .fsutil import atomic_file, write_bytes_atomic
from .locations import dataset_cache_dir

FORMAT = 1
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
        arrays[f.key] = arr
    return arrays


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
                              "size": st.st_size, "mtime_ns": st.st_mtime_ns}
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
