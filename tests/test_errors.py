"""Clear errors: wrong shapes, dtypes and values name the layer and say expected vs actual.

Oracle: the exact message parts a learner needs (layer name, expected
shape/dtype, actual shape/dtype), matched with ``pytest.raises(match=...)``;
the label errors of SoftmaxCrossEntropy are in test_losses.py.
"""
import numpy as np
import pytest

import tinynet as tn
from tinynet import layers as L


def f32(*shape):
    return np.zeros(shape, "float32")


@pytest.mark.parametrize("layer, x, pattern", [
    (L.Dense(3, 2), f32(2, 4), r"Dense\(in_features=3, out_features=2\): expected input of shape "
                               r"\(N, 3\), got \(2, 4\)"),
    (L.Dense(3, 2), f32(2, 3, 1), r"Dense\(.*\): expected input of shape \(N, 3\), got \(2, 3, 1\)"),
    (L.Conv2D(3, 4, 3), f32(2, 1, 5, 5), r"Conv2D\(.*\): expected input of shape \(N, 3, \*, \*\), "
                                         r"got \(2, 1, 5, 5\)"),
    (L.Conv2D(1, 4, 3), f32(2, 25), r"Conv2D\(.*\): expected input of shape \(N, 1, \*, \*\), got \(2, 25\)"),
    (L.Conv2D(1, 4, 5), f32(2, 1, 3, 3), r"Conv2D\(.*\): input \(2, 1, 3, 3\) is smaller than the kernel"),
    (L.MaxPool2D(2), f32(2, 8), r"MaxPool2D\(.*\): expected input of shape \(N, C, H, W\), got \(2, 8\)"),
    (L.MaxPool2D(3), f32(1, 1, 2, 5), r"MaxPool2D\(.*\): input \(1, 1, 2, 5\) is smaller than the window"),
    (L.BatchNorm(4), f32(2, 3), r"BatchNorm\(num_features=4\): expected input of shape \(N, 4\), "
                                r"got \(2, 3\)"),
    (L.BatchNorm(4), f32(2, 3, 2, 2), r"BatchNorm\(num_features=4\): expected input of shape "
                                      r"\(N, 4, \*, \*\), got \(2, 3, 2, 2\)"),
    (L.BatchNorm(4), f32(2, 4, 2), r"BatchNorm\(num_features=4\): expected input of shape \(N, 4\), "
                                   r"got \(2, 4, 2\)"),
    (L.Flatten(), f32(3), r"Flatten\(\): expected input of shape \(N, \.\.\.\).*got \(3,\)"),
    (L.Reshape((2, 3)), f32(2, 5), r"Reshape\(target_shape=\(2, 3\)\): cannot reshape input of shape "
                                   r"\(2, 5\) to \(N, 2, 3\)"),
])
def test_wrong_input_shape(layer, x, pattern):
    """Oracle: the message names the layer, the expected shape and the actual one."""
    with pytest.raises(ValueError, match=pattern):
        layer.forward(x)


@pytest.mark.parametrize("layer, shape", [(L.Dense(3, 2), (2, 3)), (L.Conv2D(1, 2, 3), (1, 1, 4, 4)),
                                          (L.BatchNorm(3), (2, 3))])
def test_float64_into_float32_layer(layer, shape):
    """No silent upcast: the message names the layer, both dtypes and both fixes."""
    name = type(layer).__name__
    with pytest.raises(TypeError, match=rf"{name}\(.*\): expected input of dtype float32 \(the layer's "
                                        r"dtype\), got float64; cast the data"):
        layer.forward(np.zeros(shape))


@pytest.mark.parametrize("layer", [L.Dense(3, 2), L.ReLU(), L.Softmax(), L.MaxPool2D(1), L.Dropout(0.1)])
def test_integer_input(layer):
    """Oracle: a TypeError naming the layer and the integer dtype (no silent cast)."""
    name = type(layer).__name__
    with pytest.raises(TypeError, match=rf"{name}\(.*\): expected a floating-point input, got dtype int64"):
        layer.forward(np.zeros((2, 3, 1, 1) if name == "MaxPool2D" else (2, 3), "int64"))


def test_non_array_input():
    """Oracle: a TypeError naming the layer and the type received."""
    with pytest.raises(TypeError, match=r"Dense\(.*\): expected an array as input, got list"):
        L.Dense(3, 2).forward([[0.0, 0.0, 0.0]])


def test_backward_before_forward():
    """Oracle: a RuntimeError naming the layer, not an unpacking error on None."""
    with pytest.raises(RuntimeError, match=r"Dense\(.*\): backward\(\) called before forward\(\)"):
        L.Dense(3, 2).backward(f32(1, 2))


@pytest.mark.parametrize("make, pattern", [
    (lambda: L.Dense(0, 2), r"Dense: in_features must be a positive int, got 0"),
    (lambda: L.Conv2D(1, 2, 3, stride=0), r"Conv2D: stride must be a positive int, got 0"),
    (lambda: L.MaxPool2D((2, 3)), r"MaxPool2D: a rectangular window \(2, 3\) needs an explicit stride"),
    (lambda: L.Dropout(1.0), r"Dropout: p must be a number in \[0, 1\), got 1.0"),
    (lambda: L.BatchNorm(0), r"BatchNorm: num_features must be a positive int, got 0"),
])
def test_bad_constructor_arguments(make, pattern):
    """Oracle: each message names the class, the argument and the bad value."""
    with pytest.raises(ValueError, match=pattern):
        make()


# ------------------------------------------------------------------ model
def _mlp():
    return tn.Sequential([L.Dense(3, 4), L.ReLU(), L.Dense(4, 2)], seed=0)


def test_model_errors_say_which_layer():
    """Sequential prefixes the layer's own message with its index."""
    with pytest.raises(ValueError, match=r"layer 0 of the model: Dense\(in_features=3, out_features=4\): "
                                         r"expected input of shape \(N, 3\), got \(5, 7\)"):
        _mlp().predict(np.zeros((5, 7), "float32"))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_data_is_refused(bad):
    """Oracle: fit/predict refuse NaN/inf data up front, saying which data."""
    X = np.ones((4, 3), "float32")
    X[2, 1] = bad
    y = np.array([0, 1, 0, 1])
    loss, opt = tn.losses.SoftmaxCrossEntropy(), tn.optim.SGD(0.1)
    with pytest.raises(ValueError, match="Sequential: training data X contains NaN or inf values"):
        _mlp().fit(X, y, loss, opt, verbose=0)
    with pytest.raises(ValueError, match="Sequential: input X contains NaN or inf values"):
        _mlp().predict(X)
    with pytest.raises(ValueError, match="Sequential: validation data X contains NaN or inf"):
        _mlp().fit(np.ones((4, 3), "float32"), y, loss, opt, validation_data=(X, y), verbose=0)


def test_fit_checks_data_before_training():
    """Integer images, mismatched lengths and out-of-range labels fail before any step."""
    model, loss, opt = _mlp(), tn.losses.SoftmaxCrossEntropy(), tn.optim.SGD(0.1)
    before = model.get_weights()
    with pytest.raises(TypeError, match=r"training data X must be floating point, got uint8 \(scale "
                                        r"images to \[0, 1\] first"):
        model.fit(np.zeros((4, 3), "uint8"), np.zeros(4, int), loss, opt, verbose=0)
    with pytest.raises(ValueError, match="training data has 4 inputs but 3 targets"):
        model.fit(np.zeros((4, 3), "float32"), np.zeros(3, int), loss, opt, verbose=0)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 1\] for 2 logits, "
                                         r"found values in \[0, 2\]"):
        model.fit(np.zeros((4, 3), "float32"), np.array([0, 1, 2, 0]), loss, opt, verbose=0)
    with pytest.raises(TypeError, match="expected integer class labels, got float64"):
        model.fit(np.zeros((4, 3), "float32"), np.zeros(4), loss, opt, verbose=0)
    with pytest.raises(ValueError, match="fit: batch_size must be a positive int, got 0"):
        model.fit(np.zeros((4, 3), "float32"), np.zeros(4, int), loss, opt, batch_size=0, verbose=0)
    for (p0, _), (p1, _) in zip(before, model.get_weights()):
        for k in p0:
            np.testing.assert_array_equal(p0[k], p1[k])


def test_sequential_refuses_non_layers_and_repeated_layers():
    """Oracle: the documented TypeError/ValueError (a layer may appear once)."""
    with pytest.raises(TypeError, match="Sequential: item 1 is a str, not a tinynet layer"):
        tn.Sequential([L.ReLU(), "relu"])
    relu = L.ReLU()
    with pytest.raises(ValueError, match="the same layer instance appears twice"):
        tn.Sequential([relu, L.Dense(2, 2), relu])
