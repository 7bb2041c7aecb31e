"""The restricted unpickler admits numpy arrays and tuples, and refuses everything else."""
import os
import pickle
import struct

import pytest

from tinynet.backend import np
from tinynet.data import DataError
from tinynet.data.safe_pickle import safe_load


def py2_array_pickle(a):
    """Opcodes of a NumPy array pickled by Python 2 (protocol 2), as in mnist.pkl.gz.

    Python 3 cannot write this form (it pickles bytes through _codecs.encode),
    so it is assembled by hand, following the real file's layout.
    """
    a = np.ascontiguousarray(a)
    kind = a.dtype.str  # e.g. '<f4', '|u1'
    order, code = kind[0], kind[1:]
    data = a.tobytes()
    out = [b"\x80\x02",
           b"cnumpy.core.multiarray\n_reconstruct\n", b"cnumpy\nndarray\n",
           b"K\x00\x85", b"U\x01b", b"\x87R",
           b"(", b"K\x01", b"(" + b"".join(b"J" + struct.pack("<i", d) for d in a.shape) + b"t",
           b"cnumpy\ndtype\n", b"U" + bytes([len(code)]) + code.encode(), b"K\x00K\x01\x87R",
           b"(K\x03U\x01" + order.encode() + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb",
           b"\x89", b"T" + struct.pack("<I", len(data)) + data, b"tb"]
    return b"".join(out)


def test_admits_a_python2_style_array_pickle():
    a = (np.arange(12, dtype=np.float32) / 256).reshape(3, 4)
    out = safe_load(py2_array_pickle(a) + b".", "py2")
    assert out.dtype == np.float32 and out.shape == (3, 4)
    np.testing.assert_array_equal(out, a)


def test_admits_the_mnist_pkl_layout():
    X, y = np.zeros((2, 4), np.float32) + 0.5, np.array([3, 7], dtype=np.int64)
    out = safe_load(b"\x80\x02(" + b"(" + py2_array_pickle(X)[2:] + py2_array_pickle(y)[2:]
                    + b"t" + b"t.", "py2")
    (X2, y2), = out
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)


@pytest.mark.parametrize("protocol", [3, 4])
def test_admits_python3_pickles_of_arrays(protocol):
    obj = ((np.arange(6, dtype=np.uint8).reshape(2, 3), np.arange(2)), [np.float64(0) + np.ones(2)])
    out = safe_load(pickle.dumps(obj, protocol=protocol), "p3")
    np.testing.assert_array_equal(out[0][0], obj[0][0])
    np.testing.assert_array_equal(out[1][0], obj[1][0])


class _Evil:
    """Unpickling this with plain pickle would create a folder (a stand-in for worse)."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (self.path,))


def test_refuses_a_malicious_pickle(tmp_path):
    target = tmp_path / "pwned"
    payload = pickle.dumps((np.zeros(2), _Evil(str(target))), protocol=4)
    with pytest.raises(DataError, match=r"refused to unpickle.*(posix|nt|os)\.mkdir") as exc:
        safe_load(payload, "mnist.pkl.gz from a test")
    assert "mnist.pkl.gz from a test" in str(exc.value)
    assert not target.exists()
    # Sanity: the payload really is dangerous for the plain unpickler.
    pickle.loads(payload)
    assert target.exists()


@pytest.mark.parametrize("module,name", [
    ("builtins", "eval"), ("__builtin__", "getattr"), ("os", "system"),
    ("subprocess", "Popen"), ("numpy", "load"), ("numpy.core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy.testing", "rundocs"),
])
def test_refuses_every_other_global(module, name):
    payload = b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\n."
    with pytest.raises(DataError, match=f"global {module}.{name} refused"):
        safe_load(payload, "p")


def test_refuses_object_arrays():
    with pytest.raises(DataError, match="object dtype"):
        safe_load(pickle.dumps(np.array([1, "a"], dtype=object), protocol=4), "p")


def test_refuses_non_array_contents():
    with pytest.raises(DataError, match="holds a dict"):
        safe_load(pickle.dumps({"a": np.zeros(2)}, protocol=4), "p")
    with pytest.raises(DataError, match="holds a str"):
        safe_load(pickle.dumps(("x",), protocol=4), "p")


def test_refuses_persistent_ids():
    with pytest.raises(DataError, match="persistent"):
        safe_load(b"\x80\x02U\x01xQ.", "p")


@pytest.mark.parametrize("raw", [b"", b"\x80\x02(", b"not a pickle at all"])
def test_malformed_streams_give_a_data_error(raw):
    with pytest.raises(DataError, match="'p'|p:"):
        safe_load(raw, "p")
