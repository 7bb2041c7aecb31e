"""The IDX parser on crafted bytes: valid files, bad magic, truncation, wrong dimensions."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays, array_shapes

from tinynet.backend import np
from tinynet.data import DataError
from tinynet.data.idx import encode_idx, parse_idx, read_header

VALID = bytes([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3]) + bytes([1, 2, 3, 4, 5, 6])


def test_parses_a_hand_written_file():
    a = parse_idx(VALID, "x")
    assert a.dtype == np.uint8 and a.shape == (2, 3)
    assert a.tolist() == [[1, 2, 3], [4, 5, 6]]
    a[0, 0] = 9  # the result owns writable memory


def test_big_endian_values_are_decoded():
    raw = bytes([0, 0, 0x0B, 1, 0, 0, 0, 2]) + b"\x01\x02\xff\xfe"
    assert parse_idx(raw).tolist() == [0x0102, -2]


@settings(max_examples=60, deadline=None)
@given(arrays(st.sampled_from(["u1", "i1", "i2", "i4", "f4", "f8"]),
              array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5)))
def test_roundtrip(a):
    b = parse_idx(encode_idx(a), "roundtrip", expect_shape=a.shape)
    assert b.shape == a.shape and b.dtype == a.dtype.newbyteorder("=")
    np.testing.assert_array_equal(b, a)


@pytest.mark.parametrize("raw", [
    b"",
    b"\x00\x00",
    b"\x01\x00\x08\x01\x00\x00\x00\x00",          # first byte not zero
    b"\x00\x00\x07\x01\x00\x00\x00\x00",          # unknown type code
    b"\x00\x00\x08\x00",                          # zero dimensions
    b"\x89PNG\r\n\x1a\n" + bytes(20),             # a foreign file
    b"\x1f\x8b\x08\x00" + bytes(20),              # still gzipped
    b"<html><body>Not Found</body></html>",       # an error page saved as the file
])
def test_bad_magic_is_refused(raw):
    with pytest.raises(DataError, match="(not an IDX file|magic)") as exc:
        parse_idx(raw, "train-images-idx3-ubyte")
    assert "train-images-idx3-ubyte" in str(exc.value)


def test_truncated_header():
    with pytest.raises(DataError, match="truncated IDX header"):
        parse_idx(VALID[:9], "f")


def test_truncated_data():
    with pytest.raises(DataError, match=r"truncated IDX file: shape \(2, 3\) needs 6 bytes of data, found 5"):
        parse_idx(VALID[:-1], "f")


def test_trailing_bytes():
    with pytest.raises(DataError, match="1 unexpected bytes"):
        parse_idx(VALID + b"\x00", "f")


def test_wrong_dimensions():
    with pytest.raises(DataError, match=r"expected \(any, 28, 28\), found \(2, 3\)"):
        parse_idx(VALID, "f", expect_shape=(None, 28, 28))
    with pytest.raises(DataError, match="wrong IDX dimensions"):
        parse_idx(VALID, "f", expect_shape=(6,))
    assert parse_idx(VALID, "f", expect_shape=(None, 3)).shape == (2, 3)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=64))
def test_arbitrary_bytes_give_an_array_or_a_data_error(raw):
    try:
        read_header(raw, "fuzz")
    except DataError:
        pass


@given(st.integers(0, len(VALID) - 1))
def test_every_truncation_is_refused(n):
    with pytest.raises(DataError):
        parse_idx(VALID[:n], "f")


def test_encode_refuses_unsupported_dtypes():
    with pytest.raises(ValueError, match="cannot store dtype int64"):
        encode_idx(np.zeros(3, dtype=np.int64))
    with pytest.raises(ValueError, match="dimensions"):
        encode_idx(np.zeros((), dtype=np.uint8))
