"""Reading and writing the IDX format of the MNIST files (LeCun et al.).

An IDX file is: two zero bytes, a type code (0x08 unsigned byte, 0x09 signed
byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), the number of
dimensions, then each dimension as a big-endian uint32, then the values in
C order, big-endian.

The parser trusts nothing: it checks the magic number, that the header is
complete, the dimensions when the caller knows them, and that the payload
length is exactly product(dims) * itemsize (a truncated download and a file
with trailing bytes are both refused).  Errors are :class:`DataError` naming
the file, what was expected and what was found.

Limits: whole files in memory (MNIST is 47 MB at most); no streaming.
"""
from ..backend import np
from .errors import DataError

# type code -> big-endian dtype string
_CODES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_KINDS = {np.dtype(v).newbyteorder("="): k for k, v in _CODES.items()}


def read_header(raw, name="<bytes>", expect_shape=None):
    """Check an IDX header and length; return (big-endian dtype, shape, data offset)."""
    raw = memoryview(raw)
    if len(raw) < 4:
        raise DataError(f"tinynet: {name}: not an IDX file: {len(raw)} bytes, "
                        "shorter than the 4-byte magic number")
    magic = bytes(raw[:4])
    if magic[0] != 0 or magic[1] != 0 or magic[2] not in _CODES or magic[3] == 0:
        raise DataError(f"tinynet: {name}: not an IDX file: the magic number is 0x{magic.hex()}, "
                        "expected 0x0000TTNN (TT a type code in 08 09 0B 0C 0D 0E, NN >= 1 dims)")
    dtype, ndim = np.dtype(_CODES[magic[2]]), magic[3]
    offset = 4 + 4 * ndim
    if len(raw) < offset:
        raise DataError(f"tinynet: {name}: truncated IDX header: {ndim} dimensions need "
                        f"{offset} header bytes, found {len(raw)}")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    if expect_shape is not None:
        ok = len(shape) == len(expect_shape) and all(
            e is None or e == s for e, s in zip(expect_shape, shape))
        if not ok:
            want = "(" + ", ".join("any" if e is None else str(e) for e in expect_shape) + ")"
            raise DataError(f"tinynet: {name}: wrong IDX dimensions: expected {want}, found {shape}")
    need = dtype.itemsize
    for d in shape:
        need *= d
    have = len(raw) - offset
    if have < need:
        raise DataError(f"tinynet: {name}: truncated IDX file: shape {shape} needs {need} bytes "
                        f"of data, found {have} (an interrupted download?)")
    if have > need:
        raise DataError(f"tinynet: {name}: {have - need} unexpected bytes after the IDX data "
                        f"of shape {shape}")
    return dtype, shape, offset


def parse_idx(raw, name="<bytes>", expect_shape=None):
    """Decode IDX bytes into a new native-endian array of the stored shape.

    ``expect_shape`` is a tuple whose entries are ints or None (any size).
    """
    dtype, shape, offset = read_header(raw, name, expect_shape)
    count = 1
    for d in shape:
        count *= d
    arr = np.frombuffer(raw, dtype=dtype, count=count, offset=offset)
    # astype copies: the result owns writable, native-endian memory.
    return arr.astype(dtype.newbyteorder("="), copy=True).reshape(shape)


def encode_idx(array):
    """IDX bytes of ``array`` (dtype uint8, int8, int16, int32, float32 or float64)."""
    array = np.asarray(array)
    native = array.dtype.newbyteorder("=")
    if native not in _KINDS:
        raise ValueError(f"tinynet: IDX cannot store dtype {array.dtype}; "
                         "expected uint8, int8, int16, int32, float32 or float64")
    if array.ndim < 1 or array.ndim > 255:
        raise ValueError(f"tinynet: IDX needs 1 to 255 dimensions, got {array.ndim}")
    code = _KINDS[native]
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    return header + np.ascontiguousarray(array, dtype=_CODES[code]).tobytes()
