"""Data-file helpers: all-or-nothing writes (``atomic_file``, from tinynet.fsutil), MD5 digests,
reading a possibly gzipped file with a size limit.
"""
import gzip
import hashlib
import os
import zlib

from ..fsutil import atomic_file
from .errors import DataError

GZIP_MAGIC = b"\x1f\x8b"


def write_bytes_atomic(path, data):
    """Write ``data`` to ``path`` all-or-nothing."""
    with atomic_file(path) as f:
        f.write(data)


def md5_hex(data):
    """MD5 hex digest of a bytes-like object (identifies files; not used for security)."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def is_gzip(data_or_path):
    """True when the bytes (or the file) start with the gzip magic number."""
    if isinstance(data_or_path, (bytes, bytearray, memoryview)):
        return bytes(data_or_path[:2]) == GZIP_MAGIC
    with open(data_or_path, "rb") as f:
        return f.read(2) == GZIP_MAGIC


def _too_big(what, max_bytes):
    return DataError(f"tinynet: {what}: larger than expected (more than {max_bytes} bytes "
                     "uncompressed); it is not the file it claims to be")


def decompress_limited(fileobj, max_bytes, what):
    """The contents of a binary file object, gunzipped if it is gzip, at most ``max_bytes``.

    The limit guards against a gzip "bomb" from an untrusted source: a
    genuine file is never larger than its known size.
    """
    head = fileobj.read(2)
    fileobj.seek(-len(head), 1)
    try:
        if head == GZIP_MAGIC:
            with gzip.GzipFile(fileobj=fileobj, mode="rb") as gz:
                data = gz.read(max_bytes + 1)
        else:
            data = fileobj.read(max_bytes + 1)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DataError(f"tinynet: {what}: the gzip data is corrupt or truncated ({exc})") from exc
    if len(data) > max_bytes:
        raise _too_big(what, max_bytes)
    return data


def read_maybe_gzip(path, max_bytes, what=None):
    """The (uncompressed) contents of the file ``path``, refusing more than ``max_bytes``."""
    what = what or os.fspath(path)
    try:
        with open(path, "rb") as f:
            return decompress_limited(f, max_bytes, what)
    except OSError as exc:
        raise DataError(f"tinynet: cannot read {what}: {exc}") from exc
