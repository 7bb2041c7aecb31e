"""Reading an .npz (a zip of .npy members) that may be hostile, in two phases.

``NpzIndex(fileobj)`` reads only the zip directory and each member's small
.npy header: name, shape, dtype, order.  Nothing is decompressed beyond those
headers and nothing is allocated for the data, so the caller can check every
declared shape against what it expects (and against a size limit) first.
``index.read(name)`` then reads exactly the declared number of bytes of one
member.  Why not ``np.load``: it decompresses a member whole before anyone can
look at its shape, so a 2 KB file can cost gigabytes, and it happily returns a
plain .npy or a pickled object array to a caller that expected neither.

Refused (:class:`NpzError`, a ValueError): anything that is not a zip,
duplicate member names, members that are not .npy, encrypted members,
compression other than stored/deflate, object (pickle) dtypes, .npy format
versions other than 1.0/2.0, and members whose size in the zip directory
differs from what their .npy header declares.
"""
import zipfile

from .backend import np

_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


class NpzError(ValueError):
    """The .npz is malformed or uses a feature tinynet does not read."""


class Member:
    """One .npy member: ``name`` (without .npy), ``shape``, ``dtype``, ``fortran_order``."""

    def __init__(self, info, shape, dtype, fortran_order, data_offset):
        self.info, self.shape, self.dtype = info, shape, dtype
        self.fortran_order, self.data_offset = fortran_order, data_offset
        self.name = info.filename[:-len(".npy")]

    @property
    def nbytes(self):
        return _prod(self.shape) * self.dtype.itemsize


def _prod(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def _read_npy_header(f, name):
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise NpzError(f"member {name!r}: .npy format version {version} is not supported")
    if dtype.hasobject:
        raise NpzError(f"member {name!r} holds Python objects (a pickle), which tinynet never loads")
    if not all(isinstance(d, int) and d >= 0 for d in shape):
        raise NpzError(f"member {name!r}: invalid shape {shape!r}")
    return shape, fortran, dtype


class NpzIndex:
    """The members of an open .npz file object, each with its declared shape and dtype."""

    def __init__(self, fileobj):
        self.zip = zipfile.ZipFile(fileobj)
        infos = self.zip.infolist()
        names = [info.filename for info in infos]
        if len(set(names)) != len(names):
            raise NpzError("duplicate member names in the zip")
        self.members = {}
        for info in infos:
            if not info.filename.endswith(".npy"):
                raise NpzError(f"member {info.filename!r} is not a .npy array")
            if info.flag_bits & 0x1:
                raise NpzError(f"member {info.filename!r} is encrypted")
            if info.compress_type not in _COMPRESSION:
                raise NpzError(f"member {info.filename!r} uses compression method "
                               f"{info.compress_type}; only stored and deflate are read")
            with self.zip.open(info) as f:
                shape, fortran, dtype = _read_npy_header(f, info.filename)
                offset = f.tell()
            member = Member(info, shape, dtype, fortran, offset)
            if info.file_size != offset + member.nbytes:
                raise NpzError(f"member {info.filename!r}: the zip declares {info.file_size} bytes, "
                               f"its .npy header {offset + member.nbytes} (shape {shape}, {dtype})")
            self.members[member.name] = member

    def read(self, name):
        """The array of member ``name``: exactly its declared bytes, no pickle."""
        member = self.members[name]
        with self.zip.open(member.info) as f:
            f.read(member.data_offset)  # the header, parsed already
            data = f.read(member.nbytes)
        if len(data) != member.nbytes:
            raise NpzError(f"member {member.info.filename!r} is truncated")
        order = "F" if member.fortran_order else "C"
        return np.frombuffer(data, dtype=member.dtype).reshape(member.shape, order=order)

    def close(self):
        self.zip.close()
