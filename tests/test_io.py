"""Save / load: exact round trips, strict refusal of bad files, atomic writes, no unpickling.

Oracles: the model before saving (every param and buffer bit-equal, same
classes, configs, trainable flags, predictions bit-equal); hand-corrupted
files built from a good one (each must raise ``tn.ModelFileError``, a
ValueError, with a message that says what is wrong); a simulated crash in
the middle of a write (the old file must survive byte for byte).
"""
import json
import os

import numpy as np
import pytest

import tinynet as tn
from tinynet import layers as L
from tinynet.io import HEADER_KEY


def randomise(model, seed=0):
    """Random params and BatchNorm buffers (positive variances), so nothing is at its init value."""
    rng = np.random.default_rng(seed)
    for layer in model:
        for store in (layer.params, layer.buffers):
            for k, v in store.items():
                values = (rng.uniform(0.5, 2.0, v.shape) if k == "running_var"
                          else rng.standard_normal(v.shape))
                v[...] = tn.backend.to_device(values.astype(v.dtype), layer.device)
    return model


def mlp(dtype=None):
    model = tn.Sequential([L.Dense(6, 8, regularizer=tn.L2(1e-3)), L.BatchNorm(8), L.ReLU(),
                           L.Dropout(0.3), L.Dense(8, 5, regularizer=tn.L1(2e-4), use_bias=False),
                           L.Tanh(), L.Dense(5, 3)], seed=4, dtype=dtype)
    model[4].trainable = False
    return randomise(model), np.random.default_rng(1).standard_normal((7, 6))


def cnn():
    """Every layer type tinynet has."""
    model = tn.Sequential([
        L.Conv2D(1, 3, 3, padding=1, regularizer=tn.L1L2(1e-4, 1e-3)), L.BatchNorm(3), L.ReLU(),
        L.MaxPool2D(2), L.Conv2D(3, 4, (3, 2), init="he_normal"), L.ELU(0.5),
        L.MaxPool2D((1, 2), stride=1), L.Flatten(), L.Dropout(0.25), L.Dense(16, 12),
        L.BatchNorm(12), L.LeakyReLU(0.2), L.Reshape((3, 4)), L.Sigmoid(), L.Flatten(),
        L.Dense(12, 5, init="glorot_normal"), L.Softmax()], seed=2)
    model[0].trainable = False
    model[10].trainable = False
    return randomise(model), np.random.default_rng(1).standard_normal((5, 1, 8, 8))


def assert_same_model(a, b):
    assert len(a) == len(b) and a.dtype == b.dtype
    for la, lb in zip(a, b):
        assert type(la) is type(lb)
        assert la.get_config() == lb.get_config()
        assert la.trainable == lb.trainable
        for store in ("params", "buffers"):
            sa, sb = getattr(la, store), getattr(lb, store)
            assert set(sa) == set(sb)
            for k in sa:
                assert sb[k].dtype == sa[k].dtype
                np.testing.assert_array_equal(tn.backend.to_host(sb[k]), tn.backend.to_host(sa[k]))


@pytest.mark.parametrize("build", [mlp, cnn, lambda: mlp("float64")], ids=["mlp", "cnn", "mlp-float64"])
def test_round_trip_is_exact(tmp_path, build):
    """Oracle: the saved model itself: bit-equal arrays, configs, flags, predictions."""
    model, X = build()
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = tn.load(path)
    assert_same_model(model, loaded)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert repr(loaded) == repr(model)  # regularizer configs included
    assert os.listdir(tmp_path) == ["model.npz"]  # no temp file left behind


def test_loaded_model_trains_on(tmp_path):
    """The frozen flag survives: fit on the loaded model leaves the frozen layer alone."""
    model, X = mlp()
    model.save(tmp_path / "m.npz")
    loaded = tn.load(tmp_path / "m.npz")
    frozen = loaded[4].params["W"].copy()
    y = np.random.default_rng(0).integers(0, 3, 7)
    loaded.fit(X, y, tn.losses.SoftmaxCrossEntropy(), tn.optim.SGD(0.1), epochs=1, verbose=0)
    np.testing.assert_array_equal(loaded[4].params["W"], frozen)
    assert not np.array_equal(loaded[0].params["W"], model[0].params["W"])


def test_save_keeps_the_exact_path(tmp_path):
    """A name without .npz is not renamed (savez gets a file object)."""
    model, _ = mlp()
    model.save(tmp_path / "weights.bin")
    assert os.listdir(tmp_path) == ["weights.bin"]
    assert_same_model(model, tn.load(str(tmp_path / "weights.bin")))


# ----------------------------------------------------------- bad files
@pytest.fixture
def good_file(tmp_path):
    model, _ = mlp()
    path = tmp_path / "good.npz"
    model.save(path)
    return path


def read_arrays(path):
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def write_variant(tmp_path, arrays, name="bad.npz"):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def edit_header(path, edit):
    arrays = read_arrays(path)
    header = json.loads(str(arrays[HEADER_KEY]))
    edit(header)
    arrays[HEADER_KEY] = np.array(json.dumps(header))
    return arrays


def test_truncated_file(tmp_path, good_file):
    """Oracle: half of a good file is refused as truncated/corrupted."""
    data = good_file.read_bytes()
    bad = tmp_path / "truncated.npz"
    bad.write_bytes(data[:len(data) // 2])
    with pytest.raises(tn.ModelFileError, match=r"truncated\.npz: cannot read a tinynet model file "
                                                r"\(truncated or corrupted\?\)"):
        tn.load(bad)


def test_random_bytes(tmp_path):
    """Oracle: 4 kB of noise is refused as not a model file."""
    bad = tmp_path / "noise.npz"
    bad.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(tn.ModelFileError, match="cannot read a tinynet model file"):
        tn.load(bad)


def test_npz_without_header(tmp_path):
    """Oracle: a valid .npz without the tinynet header is refused by name."""
    path = write_variant(tmp_path, {"a": np.zeros(3)})
    with pytest.raises(tn.ModelFileError, match="not a tinynet model file \\(no '__tinynet__' entry\\)"):
        tn.load(path)


def test_unknown_layer_class(tmp_path, good_file):
    """A name outside the closed registry, such as an importable path, is refused."""
    def edit(header):
        header["layers"][2]["class"] = "os.system"
    path = write_variant(tmp_path, edit_header(good_file, edit))
    with pytest.raises(tn.ModelFileError, match="layer 2 has unknown class 'os.system'; known: \\["):
        tn.load(path)


def test_unknown_regularizer_class(tmp_path, good_file):
    """Oracle: regularizers too come only from the closed registry."""
    def edit(header):
        header["layers"][0]["config"]["regularizer"] = {"class": "subprocess.Popen", "args": "ls"}
    path = write_variant(tmp_path, edit_header(good_file, edit))
    with pytest.raises(tn.ModelFileError, match=r"layer 0 \(Dense\): bad config: .*unknown regularizer"):
        tn.load(path)


@pytest.mark.parametrize("edit, pattern", [
    (lambda h: h.update(format="keras"), "not a tinynet model file \\(header format 'keras'\\)"),
    (lambda h: h.update(version=99), "file format version 99; this tinynet .* reads version 1"),
    (lambda h: h["layers"][0]["config"].update(in_features="six"), r"layer 0 \(Dense\): bad config"),
    (lambda h: h["layers"][0]["config"].update(kernel=3), r"layer 0 \(Dense\): bad config"),
    (lambda h: h["layers"][1]["buffers"].pop("running_var"), r"layer 1 \(BatchNorm\) buffers mismatch"),
], ids=["format", "version", "config-value", "config-key", "buffer-list"])
def test_bad_header(tmp_path, good_file, edit, pattern):
    """Oracle: each corrupted header field gives a message naming the field."""
    path = write_variant(tmp_path, edit_header(good_file, edit))
    with pytest.raises(tn.ModelFileError, match=pattern):
        tn.load(path)


@pytest.mark.parametrize("edit, pattern", [
    (lambda h: h.update(dtype="object"), "dtype 'object'; tinynet models are 'float32' or 'float64'"),
    (lambda h: h.update(dtype="float16"), "dtype 'float16'; tinynet models are"),
    (lambda h: h.update(layers=5), "header 'layers' must be a list of objects, got 5"),
    (lambda h: h.update(layers=["Dense"]), "header 'layers' must be a list of objects"),
    (lambda h: h.update(seed="abc"), "seed must be a non-negative int or null, got 'abc'"),
    (lambda h: h.update(seed=-1), "seed must be a non-negative int or null, got -1"),
], ids=["dtype-object", "dtype-float16", "layers-int", "layers-str", "seed-str", "seed-negative"])
def test_malformed_header_structure(tmp_path, good_file, edit, pattern):
    """Wrong types in the header are a ModelFileError, not a TypeError from deep inside
    (bug fixed in io.py: these raised TypeError/AttributeError or loaded an object-dtype model)."""
    with pytest.raises(tn.ModelFileError, match=pattern):
        tn.load(write_variant(tmp_path, edit_header(good_file, edit)))


@pytest.mark.parametrize("value", [np.array([["a"] * 8] * 6), np.ones((6, 8), complex),
                                   np.ones((6, 8), "int64")], ids=["str", "complex", "int"])
def test_non_float_arrays_are_refused(tmp_path, good_file, value):
    """A parameter stored as text, complex or integers is not silently cast (it was, or
    failed with a bare ValueError, before the fix in io.py)."""
    arrays = read_arrays(good_file)
    arrays["layers.0.params.W"] = value
    with pytest.raises(tn.ModelFileError, match=f"layers.0.params.W has dtype {value.dtype}, "
                                                "expected floating point"):
        tn.load(write_variant(tmp_path, arrays))


def test_header_that_is_not_an_object(tmp_path, good_file):
    """Oracle: a JSON list or invalid JSON as header is refused."""
    arrays = read_arrays(good_file)
    arrays[HEADER_KEY] = np.array(json.dumps([1, 2, 3]))
    with pytest.raises(tn.ModelFileError, match="not a tinynet model file"):
        tn.load(write_variant(tmp_path, arrays))
    arrays[HEADER_KEY] = np.array("{not json")
    with pytest.raises(tn.ModelFileError, match="cannot read a tinynet model file.*JSONDecodeError"):
        tn.load(write_variant(tmp_path, arrays, "b.npz"))


def test_missing_array(tmp_path, good_file):
    """Oracle: strict loading names the missing array."""
    arrays = read_arrays(good_file)
    del arrays["layers.1.buffers.running_mean"]
    with pytest.raises(tn.ModelFileError, match="missing array 'layers.1.buffers.running_mean'"):
        tn.load(write_variant(tmp_path, arrays))


def test_extra_array(tmp_path, good_file):
    """Oracle: strict loading names the unexpected array."""
    arrays = read_arrays(good_file)
    arrays["layers.0.params.backdoor"] = np.zeros(3, "float32")
    with pytest.raises(tn.ModelFileError, match=r"unexpected arrays \['layers.0.params.backdoor'\]"):
        tn.load(write_variant(tmp_path, arrays))


def test_shape_mismatch(tmp_path, good_file):
    """Oracle: the message gives both the file's shape and the architecture's."""
    arrays = read_arrays(good_file)
    arrays["layers.0.params.W"] = np.zeros((8, 6), "float32")
    with pytest.raises(tn.ModelFileError, match=r"layers.0.params.W has shape \(8, 6\), the "
                                                r"architecture needs \(6, 8\)"):
        tn.load(write_variant(tmp_path, arrays))


def test_missing_file_is_file_not_found(tmp_path):
    """Oracle: a missing path stays a FileNotFoundError (not a corrupt-file error)."""
    with pytest.raises(FileNotFoundError):
        tn.load(tmp_path / "nope.npz")


def test_model_file_error_is_a_value_error():
    """Oracle: the documented class hierarchy."""
    assert issubclass(tn.ModelFileError, ValueError)


# ------------------------------------------------------------ no pickle
def _unpickled(path):
    """Called only if someone unpickles an ``Evil`` object: leaves a file behind."""
    open(path, "w").close()
    return 0


class Evil:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return _unpickled, (self.path,)


@pytest.mark.parametrize("where", ["params", "header"])
def test_object_arrays_are_refused_without_unpickling(tmp_path, good_file, where):
    """An object array (pickle inside the .npz) is refused, and its payload never runs."""
    marker = tmp_path / "unpickled"
    arrays = read_arrays(good_file)
    key = "layers.0.params.W" if where == "params" else HEADER_KEY
    arrays[key] = np.array([Evil(str(marker))], dtype=object)
    path = write_variant(tmp_path, arrays)
    with pytest.raises(tn.ModelFileError, match="cannot read a tinynet model file"):
        tn.load(path)
    assert not marker.exists()
    # guard: the payload does run when unpickled on purpose
    with np.load(path, allow_pickle=True) as f:
        f[key]
    assert marker.exists()


# ------------------------------------------------------------ atomicity
@pytest.mark.parametrize("error", [OSError("No space left on device"), KeyboardInterrupt()])
def test_crash_mid_write_keeps_the_old_file(tmp_path, good_file, monkeypatch, error):
    """savez writes half a file, then fails: the old file is intact and no temp file is left."""
    before = good_file.read_bytes()

    def broken_savez(file, **arrays):
        file.write(before[:100])  # some bytes reach the (temporary) file
        raise error
    monkeypatch.setattr(tn.backend.np, "savez", broken_savez)
    model, _ = cnn()
    with pytest.raises(type(error)):
        model.save(good_file)
    assert good_file.read_bytes() == before
    assert os.listdir(tmp_path) == ["good.npz"]
    monkeypatch.undo()
    assert_same_model(tn.load(good_file), mlp()[0])


def test_crash_on_first_save_leaves_nothing(tmp_path, monkeypatch):
    """Oracle: the folder is as empty as before the failed save."""
    def broken_savez(file, **arrays):
        file.write(b"PK\x03\x04")
        raise OSError("disk full")
    monkeypatch.setattr(tn.backend.np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        mlp()[0].save(tmp_path / "new.npz")
    assert os.listdir(tmp_path) == []


# -------------------------------------------- hostile files: only ModelFileError
# Oracle for this section: tn.load raises tn.ModelFileError (never another
# exception, never a hang) and allocates nothing large before refusing.
import io as _io
import signal
import tracemalloc
import zipfile


def npz_bytes(members, compression=zipfile.ZIP_STORED):
    """A zip of raw members {name: bytes} (to craft what np.savez would never write)."""
    buf = _io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def npy_bytes(array):
    buf = _io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def good_members(good_file):
    return {k + ".npy": npy_bytes(v) for k, v in read_arrays(good_file).items()}


def load_peak(path, **kwargs):
    """tn.load(path) must raise ModelFileError; returns the peak traced allocation in bytes."""
    tracemalloc.start()
    try:
        with pytest.raises(tn.ModelFileError) as info:
            tn.load(path, **kwargs)
        return tracemalloc.get_traced_memory()[1], str(info.value)
    finally:
        tracemalloc.stop()


def test_plain_npy_file(tmp_path):
    path = tmp_path / "weights.npy"
    np.save(path, np.zeros(10))
    with pytest.raises(tn.ModelFileError, match="cannot read a tinynet model file"):
        tn.load(path)


@pytest.mark.parametrize("edit, pattern", [
    (lambda h: h["layers"][0].update({"class": ["Dense"]}), r"layer 0 has unknown class \['Dense'\]"),
    (lambda h: h["layers"][0].update({"class": {"a": 1}}), r"layer 0 has unknown class \{'a': 1\}"),
    (lambda h: h["layers"][0].update(params=5), r"layer 0 \(Dense\): params must map names to shapes"),
    (lambda h: h["layers"][0].update(config=[1]), r"layer 0 \(Dense\): bad config: must be an object"),
    (lambda h: h["layers"][0].update(trainable="false"), r"layer 0 \(Dense\): 'trainable' must be true or false"),
    (lambda h: h["layers"][1]["config"].update(eps=-1), r"layer 1 \(BatchNorm\): bad config: BatchNorm: eps must be"),
    (lambda h: h["layers"][1]["config"].update(momentum="0.1"), r"layer 1 \(BatchNorm\): bad config"),
    (lambda h: h["layers"][0]["config"].update(in_features=6.0), r"layer 0 \(Dense\): bad config: Dense: in_features"),
    (lambda h: h["layers"][0]["config"].update(use_bias="false"), r"layer 0 \(Dense\): bad config"),
    (lambda h: h["layers"][0]["params"].update(W=[6, "8"]), r"layer 0 \(Dense\): params must map names to shapes"),
    (lambda h: h["layers"][0]["params"].update(W=[8, 6]), r"layers\.0\.params\.W header declares shape \(8, 6\)"),
    (lambda h: h["layers"][2].update(config={"x": [[[[1]]]]}), r"layer 2 \(ReLU\): bad config"),
], ids=["class-list", "class-dict", "params-int", "config-list", "trainable-str", "eps-negative",
        "momentum-str", "in-float", "use-bias-str", "shape-str", "shape-differs", "config-nested"])
def test_wrongly_typed_header(tmp_path, good_file, edit, pattern):
    with pytest.raises(tn.ModelFileError, match=pattern):
        tn.load(write_variant(tmp_path, edit_header(good_file, edit)))


def test_deeply_nested_header(tmp_path, good_file):
    """JSON nested 100 000 deep: a ModelFileError, not a RecursionError."""
    arrays = read_arrays(good_file)
    arrays[HEADER_KEY] = np.array("[" * 100_000 + "]" * 100_000)
    with pytest.raises(tn.ModelFileError, match="cannot read a tinynet model file"):
        tn.load(write_variant(tmp_path, arrays))


@pytest.mark.parametrize("tamper, pattern", [
    (lambda m: m.update({"notes.txt": b"hello"}), r"member 'notes\.txt' is not a \.npy array"),
    (lambda m: m.update({"layers.0.params.W.npy": b"not an array"}), r"cannot read a tinynet model file"),
    (lambda m: m.update({"layers.0.params.W.npy": m["layers.0.params.W.npy"][:-20]}),
     r"the zip declares \d+ bytes, its \.npy header \d+"),
], ids=["text-member", "garbage-member", "short-member"])
def test_members_that_are_not_arrays(tmp_path, good_file, tamper, pattern):
    members = good_members(good_file)
    tamper(members)
    path = tmp_path / "bad.npz"
    path.write_bytes(npz_bytes(members))
    with pytest.raises(tn.ModelFileError, match=pattern):
        tn.load(path)


def test_unknown_compression_and_encryption(tmp_path, good_file):
    path = tmp_path / "bz2.npz"
    path.write_bytes(npz_bytes(good_members(good_file), zipfile.ZIP_BZIP2))
    with pytest.raises(tn.ModelFileError, match="uses compression method 12"):
        tn.load(path)
    data = bytearray(npz_bytes(good_members(good_file)))
    # set the 'encrypted' flag bit in every local and central directory header
    for magic, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(magic, start)) != -1:
            data[start + offset] |= 0x1
            start += 4
    path = tmp_path / "encrypted.npz"
    path.write_bytes(bytes(data))
    with pytest.raises(tn.ModelFileError, match="is encrypted"):
        tn.load(path)


def test_compressed_files_still_load(tmp_path, good_file):
    """Oracle: savez_compressed output (deflate) is a valid model file too."""
    path = tmp_path / "compressed.npz"
    np.savez_compressed(path, **read_arrays(good_file))
    assert_same_model(tn.load(path), tn.load(good_file))


def test_huge_declared_model_is_refused_before_allocation(tmp_path, good_file):
    """A 2 KB file declaring Dense(20000, 20000) (1.6 GB) is refused at once, allocating
    almost nothing (it cost 4.6 GB before); in_features=10**12 too (a bare MemoryError before)."""
    for i, size in enumerate((20000, 10**12)):
        def edit(h):
            h["layers"] = [{"class": "Dense", "config": {"in_features": size, "out_features": 20000},
                            "trainable": True, "params": {"W": [size, 20000], "b": [20000]}}]
        arrays = {HEADER_KEY: edit_header(good_file, edit)[HEADER_KEY],
                  "layers.0.params.W": np.zeros((1, 1), "float32"), "layers.0.params.b": np.zeros(1, "float32")}
        path = write_variant(tmp_path, arrays, f"huge{i}.npz")
        peak, message = load_peak(path)
        assert peak < 20 * 2**20, f"{peak / 2**20:.0f} MiB allocated before refusing"
        assert "more than the limit" in message or "the architecture needs" in message
    # the limit itself: a small model over a small limit, refused with the way to raise it
    with pytest.raises(tn.ModelFileError, match=r"declares \d[\d,]* bytes .* more than the limit of "
                                                r"100 bytes; raise it with tn\.load\(path, max_bytes=\.\.\.\)"):
        tn.load(good_file, max_bytes=100)
    assert len(tn.load(good_file, max_bytes=10**6)) == 7


def test_size_limit_from_the_environment(good_file, monkeypatch):
    monkeypatch.setenv("TINYNET_MAX_MODEL_BYTES", "100")
    with pytest.raises(tn.ModelFileError, match="more than the limit of 100 bytes"):
        tn.load(good_file)
    monkeypatch.setenv("TINYNET_MAX_MODEL_BYTES", "lots")
    with pytest.raises(ValueError, match="TINYNET_MAX_MODEL_BYTES must be a positive int"):
        tn.load(good_file)


def test_zip_bomb_is_not_decompressed(tmp_path, good_file):
    """An extra member of 200 MB of zeros (200 KB deflated): refused without inflating it."""
    members = good_members(good_file)
    buf = _io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        with zf.open("bomb.npy", "w", force_zip64=True) as f:
            np.lib.format.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False,
                                                     "shape": (200 * 2**18,)})
            chunk = bytes(2**20)
            for _ in range(200):
                f.write(chunk)
    path = tmp_path / "bomb.npz"
    path.write_bytes(buf.getvalue())
    peak, message = load_peak(path)
    assert "unexpected arrays ['bomb']" in message
    assert peak < 20 * 2**20


def test_not_a_regular_file(tmp_path):
    """A folder and a FIFO are refused by name (reading a FIFO hung before)."""
    with pytest.raises(tn.ModelFileError, match="a folder; tinynet reads models only from regular files"):
        tn.load(tmp_path)
    if not hasattr(os, "mkfifo"):
        return
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    signal.signal(signal.SIGALRM, lambda *a: pytest.fail("tn.load hung on a FIFO"))
    signal.alarm(10)
    try:
        with pytest.raises(tn.ModelFileError, match="not a regular file"):
            tn.load(fifo)
    finally:
        signal.alarm(0)


def test_state_shapes_match_the_built_layers():
    """Oracle: the shapes load checks before allocating are those the layer then has."""
    model, _ = cnn()
    for layer in list(model) + list(mlp()[0]):
        params, buffers = type(layer).state_shapes(layer.get_config())
        assert params == {k: v.shape for k, v in layer.params.items()}
        assert buffers == {k: v.shape for k, v in layer.buffers.items()}


# ------------------------------------------------------ save: file safety
def test_save_removes_stale_temp_files_of_its_target(tmp_path, good_file):
    """A killed save leaves '.good.npz.<random>.part'; the next save of good.npz removes it,
    and leaves other targets' temp files and other files alone."""
    stale = tmp_path / ".good.npz.k1ll3d_x.part"
    stale.write_bytes(b"x" * 100_000)
    other = tmp_path / ".other.npz.k1ll3d_x.part"
    other.write_bytes(b"y")
    lookalike = tmp_path / ".good.npz.backup.k1ll3d_x.part"
    lookalike.write_bytes(b"z")
    mlp()[0].save(good_file)
    assert sorted(os.listdir(tmp_path)) == sorted(["good.npz", other.name, lookalike.name])


@pytest.mark.skipif(not hasattr(os, "fchmod"), reason="POSIX permissions")
def test_save_keeps_the_permissions_of_the_file_it_replaces(tmp_path, good_file):
    os.chmod(good_file, 0o600)
    mlp()[0].save(good_file)
    assert os.stat(good_file).st_mode & 0o777 == 0o600
    umask = os.umask(0o027)
    try:
        mlp()[0].save(tmp_path / "new.npz")
    finally:
        os.umask(umask)
    assert os.stat(tmp_path / "new.npz").st_mode & 0o777 == 0o640  # 0666 less the umask


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symlinks")
def test_save_to_a_symlink_writes_its_target(tmp_path, good_file):
    """Like open(link, 'w'): the link stays a link, the file it points to gets the model."""
    link = tmp_path / "latest.npz"
    link.symlink_to(good_file.name)
    model, _ = cnn()
    model.save(link)
    assert link.is_symlink() and os.readlink(link) == good_file.name
    assert_same_model(tn.load(good_file), model)
    assert sorted(os.listdir(tmp_path)) == ["good.npz", "latest.npz"]
