"""NumPy vs CuPy: the same model gives the same numbers on both devices, and moves between them.

Runs only where CuPy finds a GPU (and TINYNET_TEST_BACKENDS does not exclude
"cupy").  Oracles: the NumPy backend itself (same host-drawn initial
weights, same input -> the same forward within float32 tolerance); the
weights before a move (bit-equal after a round trip to the GPU and back).
"""
import numpy as np
import pytest

import tinynet as tn
from tinynet import backend
from tinynet import layers as L
from tinynet.losses import SoftmaxCrossEntropy

from helpers import gpu_tests_enabled

pytestmark = pytest.mark.skipif(not gpu_tests_enabled(), reason="no GPU/CuPy")


def build(seed=0):
    return tn.Sequential([
        L.Conv2D(1, 4, 3, padding=1, regularizer=tn.L2(1e-4)), L.BatchNorm(4), L.ReLU(),
        L.MaxPool2D(2), L.Conv2D(4, 4, 3, stride=2, padding=1), L.ELU(), L.Flatten(),
        L.Dropout(0.2), L.Dense(16, 12), L.BatchNorm(12), L.Tanh(), L.Dense(12, 3)], seed=seed)


def data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 1, 8, 8)).astype("float32"), rng.integers(0, 3, n)


def host_weights(model):
    return [backend.to_host(v).copy() for layer in model
            for store in (layer.params, layer.buffers) for v in store.values()]


def devices(model):
    """The set of devices of every param, grad and buffer."""
    return {backend.device_of(v) for layer in model
            for store in (layer.params, layer.grads, layer.buffers) for v in store.values()}


def test_same_seed_same_initial_weights_and_forward():
    """Weights are drawn on the host: identical on both backends; the forward
    (inference and training mode, dropout aside) agrees within float32 tolerance."""
    X, _ = data()
    cpu = build()
    tn.use_backend("cupy")
    gpu = build()
    assert devices(gpu) == {"cupy"} and devices(cpu) == {"numpy"}
    for a, b in zip(host_weights(cpu), host_weights(gpu)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(gpu.predict(X), cpu.predict(X), rtol=1e-4, atol=1e-5)
    for model in (cpu, gpu):
        model[7].p = 0.0  # no dropout: the two device streams differ by design
    out_cpu = cpu.forward(X, training=True)
    out_gpu = backend.to_host(gpu.forward(backend.to_device(X, "cupy"), training=True))
    np.testing.assert_allclose(out_gpu, out_cpu, rtol=1e-4, atol=1e-5)


def test_gradients_agree_across_backends():
    """One backward on both devices: every gradient within float32 tolerance."""
    X, y = data()
    cpu = build()
    tn.use_backend("cupy")
    gpu = build()
    loss_c, loss_g = SoftmaxCrossEntropy(), SoftmaxCrossEntropy()
    for model in (cpu, gpu):
        model[7].p = 0.0
    loss_c.forward(cpu.forward(X, training=True), y)
    cpu.backward(loss_c.backward())
    loss_g.forward(gpu.forward(backend.to_device(X, "cupy"), training=True), backend.to_device(y, "cupy"))
    gpu.backward(loss_g.backward())
    for lc, lg in zip(cpu, gpu):
        for k in lc.grads:
            np.testing.assert_allclose(backend.to_host(lg.grads[k]), lc.grads[k], rtol=1e-3, atol=1e-5,
                                       err_msg=f"{lc!r} {k}")


def test_train_on_gpu_save_load_on_cpu(tmp_path):
    """Oracle: the GPU model's own weights (bit-equal after load) and predictions (float32 tolerance)."""
    X, y = data()
    tn.use_backend("cupy")
    gpu = build()
    gpu.fit(X, y, SoftmaxCrossEntropy(), tn.optim.Adam(1e-2), epochs=2, batch_size=8, verbose=0)
    gpu.save(tmp_path / "m.npz")
    tn.use_backend("numpy")
    cpu = tn.load(tmp_path / "m.npz")
    assert devices(cpu) == {"numpy"}
    for a, b in zip(host_weights(gpu), host_weights(cpu)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(cpu.predict(X), gpu.predict(X), rtol=1e-4, atol=1e-5)


def test_model_to_twice_and_back_moves_everything():
    """model.to('cupy') twice, train, to('numpy'), train: params, grads, buffers and
    optimizer state all move; the round trip itself changes no value."""
    X, y = data()
    model = build()
    opt = tn.optim.SGD(0.05, momentum=0.9)
    loss = SoftmaxCrossEntropy()
    model.fit(X, y, loss, opt, epochs=1, batch_size=8, verbose=0)
    before = host_weights(model)
    model.to("cupy")
    model.to("cupy")
    assert devices(model) == {"cupy"} and model.device == "cupy"
    state = [v for s in opt.state.values() for v in s.values() if hasattr(v, "shape")]
    assert state and {backend.device_of(v) for v in state} == {"cupy"}
    for a, b in zip(before, host_weights(model)):
        np.testing.assert_array_equal(a, b)
    model.fit(X, y, loss, opt, epochs=1, batch_size=8, verbose=0)
    model.to("numpy")
    assert devices(model) == {"numpy"}
    state = [v for s in opt.state.values() for v in s.values() if hasattr(v, "shape")]
    assert {backend.device_of(v) for v in state} == {"numpy"}
    hist = model.fit(X, y, loss, opt, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(hist.history["loss"][0])


def test_same_seed_is_reproducible_on_gpu():
    """Dropout masks come from the device generator seeded by the model: two GPU runs agree bit for bit."""
    X, y = data()
    tn.use_backend("cupy")
    runs = []
    for _ in range(2):
        model = build(seed=3)
        model.fit(X, y, SoftmaxCrossEntropy(), tn.optim.SGD(0.05), epochs=2, batch_size=8, verbose=0)
        runs.append(host_weights(model))
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_cupy_labels_out_of_range_caught_by_fit():
    """On the GPU the per-batch label check is skipped (a host sync); fit checks once, up front."""
    X, y = data()
    y[3] = 7
    tn.use_backend("cupy")
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\]"):
        build().fit(X, y, SoftmaxCrossEntropy(), tn.optim.SGD(0.1), verbose=0)
