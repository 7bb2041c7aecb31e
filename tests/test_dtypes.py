"""dtype discipline: float32 in gives float32 out everywhere, float64 layers stay float64.

Oracle: the dtype of every array a layer, loss or optimizer produces or
stores (forward output, returned input gradient, every entry of ``params``,
``grads`` and ``buffers``, optimizer state) must equal the layer's dtype.
A single float64 leak (a Python float array, an int mask, an unsized
``zeros``) fails the test.
"""
import numpy as np
import pytest

import tinynet as tn
from tinynet import layers as L
from tinynet.losses import MSE, BinaryCrossEntropy, SoftmaxCrossEntropy


def layer_cases(dtype=None):
    """(layer, per-sample input shape) for every layer type, incl. regularized ones."""
    return [
        (L.Dense(4, 3, dtype=dtype), (4,)),
        (L.Dense(4, 3, regularizer=tn.L1L2(0.1, 0.1), use_bias=False, dtype=dtype), (4,)),
        (L.Conv2D(2, 3, 3, stride=2, padding=1, regularizer=tn.L2(0.1), dtype=dtype), (2, 5, 5)),
        (L.Conv2D(2, 3, (1, 2), regularizer=tn.L1(0.1), dtype=dtype), (2, 3, 3)),
        (L.MaxPool2D(2, dtype=dtype), (2, 4, 4)),
        (L.MaxPool2D(3, stride=1, dtype=dtype), (2, 4, 4)),
        (L.ReLU(dtype=dtype), (5,)),
        (L.LeakyReLU(0.1, dtype=dtype), (2, 3, 3)),
        (L.ELU(0.7, dtype=dtype), (5,)),
        (L.Sigmoid(dtype=dtype), (5,)),
        (L.Tanh(dtype=dtype), (5,)),
        (L.Softmax(dtype=dtype), (5,)),
        (L.Dropout(0.5, dtype=dtype), (5,)),
        (L.BatchNorm(3, dtype=dtype), (3,)),
        (L.BatchNorm(2, dtype=dtype), (2, 3, 3)),
        (L.Flatten(dtype=dtype), (2, 3, 3)),
        (L.Reshape((3, 6), dtype=dtype), (2, 3, 3)),
    ]


def _ids(cases):
    return [f"{type(layer).__name__}-{i}" for i, (layer, _) in enumerate(cases)]


def assert_layer_dtype(layer, shape, dtype, xp_backend, training):
    rng = np.random.default_rng(0)
    x = xp_backend.asarray(rng.standard_normal((3, *shape)).astype(dtype))
    y = layer.forward(x, training=training)
    assert y.dtype == dtype, f"{layer!r} forward -> {y.dtype}"
    g = xp_backend.asarray(rng.standard_normal(y.shape).astype(dtype))
    dx = layer.backward(g)
    assert dx.dtype == dtype, f"{layer!r} backward -> {dx.dtype}"
    for store in ("params", "grads", "buffers"):
        for k, v in getattr(layer, store).items():
            assert v.dtype == dtype, f"{layer!r} {store}[{k!r}] is {v.dtype}"
    assert layer.penalty() == 0.0 or layer.penalty().dtype == dtype


@pytest.mark.parametrize("training", [False, True], ids=["inference", "training"])
@pytest.mark.parametrize("index", range(len(layer_cases())), ids=_ids(layer_cases()))
def test_float32_layers_stay_float32(xp_backend, index, training):
    """Oracle: every produced or stored array has dtype float32, the layer's."""
    layer, shape = layer_cases()[index]
    assert layer.dtype == np.float32  # the default
    assert_layer_dtype(layer, shape, np.dtype("float32"), xp_backend, training)


@pytest.mark.parametrize("how", ["argument", "default"])
@pytest.mark.parametrize("index", range(len(layer_cases())), ids=_ids(layer_cases()))
def test_float64_layers_stay_float64(xp_backend, index, how):
    """float64 via ``dtype="float64"`` or ``tn.set_default_dtype`` (restored by the conftest guard)."""
    if how == "default":
        tn.set_default_dtype("float64")
        layer, shape = layer_cases()[index]
    else:
        layer, shape = layer_cases("float64")[index]
    assert layer.dtype == np.float64
    assert_layer_dtype(layer, shape, np.dtype("float64"), xp_backend, training=True)


def test_set_default_dtype_is_restored_and_validated():
    """Oracle: float32 is the default again (conftest guard); float16 is refused."""
    assert tn.get_default_dtype() == np.float32  # the guard restored any earlier change
    with pytest.raises(ValueError, match="default dtype must be float32 or float64, got float16"):
        tn.set_default_dtype("float16")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_losses_keep_dtype(xp_backend, dtype):
    """Each loss value (0-d) and its gradient have the prediction's dtype."""
    rng = np.random.default_rng(0)
    z = xp_backend.asarray(rng.standard_normal((4, 3)).astype(dtype))
    cases = [(SoftmaxCrossEntropy(), xp_backend.asarray(np.array([0, 2, 1, 2]))),
             (MSE(), xp_backend.asarray(rng.standard_normal((4, 3)).astype(dtype))),
             (BinaryCrossEntropy(), xp_backend.asarray(rng.uniform(0, 1, (4, 3)).astype(dtype)))]
    for loss, target in cases:
        value = loss.forward(z, target)
        assert value.dtype == dtype, f"{loss!r} value is {value.dtype}"
        assert loss.backward().dtype == dtype, f"{loss!r} gradient"


OPTIMIZERS = {
    "SGD": lambda: tn.optim.SGD(lr=0.1),
    "SGD-momentum": lambda: tn.optim.SGD(lr=0.1, momentum=0.9, weight_decay=0.01),
    "SGD-nesterov": lambda: tn.optim.SGD(lr=0.1, momentum=0.9, nesterov=True),
    "Adam": lambda: tn.optim.Adam(lr=0.01, weight_decay=0.1),
    "AdamW": lambda: tn.optim.AdamW(lr=0.01),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_step_keeps_float32(xp_backend, name):
    """Two steps on float32 params: params and every state array stay float32 (no float64 leak)."""
    model = tn.Sequential([L.Conv2D(1, 2, 3), L.BatchNorm(2), L.ReLU(), L.Flatten(),
                           L.Dense(8, 3)], seed=0)
    opt = OPTIMIZERS[name]()
    x = xp_backend.asarray(np.random.default_rng(0).standard_normal((4, 1, 4, 4)).astype("float32"))
    loss = SoftmaxCrossEntropy()
    for _ in range(2):
        loss.forward(model.forward(x, training=True), xp_backend.asarray(np.array([0, 1, 2, 0])))
        model.backward(loss.backward())
        opt.step(model.trainable_items())
    for layer in model:
        for k, p in layer.params.items():
            assert p.dtype == np.float32, f"{layer!r}.{k}"
    arrays = [v for state in opt.state.values() for v in state.values() if hasattr(v, "dtype")]
    assert arrays and all(a.dtype == np.float32 for a in arrays)


def test_fit_predict_evaluate_stay_float32(xp_backend):
    """A whole fit (dropout, batchnorm, regularizers, Adam) leaves no float64 behind;
    float64 input data is cast to the model's float32."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 1, 6, 6))  # float64 on purpose
    y = rng.integers(0, 3, 20)
    model = tn.Sequential([L.Conv2D(1, 2, 3, regularizer=tn.L2(1e-3)), L.BatchNorm(2), L.ELU(),
                           L.MaxPool2D(2), L.Flatten(), L.Dropout(0.3),
                           L.Dense(8, 3, regularizer=tn.L1(1e-3))], seed=0)
    model.fit(X, y, SoftmaxCrossEntropy(), tn.optim.Adam(1e-2), epochs=2, batch_size=8, verbose=0)
    for layer in model:
        for store in (layer.params, layer.grads, layer.buffers):
            assert all(v.dtype == np.float32 for v in store.values()), repr(layer)
    assert model.predict(X).dtype == np.float32
    assert np.isfinite(model.evaluate(X, y, SoftmaxCrossEntropy())["loss"])
