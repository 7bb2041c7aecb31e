"""Every public argument is validated where it enters.

Oracle: a bad argument raises TypeError (wrong type) or ValueError (right type,
bad value) at once, with a message naming the owner, the argument, what was
expected and what was given; nothing is silently truncated (2.7 -> 2) or
coerced ('8' -> 8, 'false' -> True).  NumPy integers are accepted like ints.
"""
import numpy as np
import pytest

import tinynet as tn
from tinynet import layers as L


@pytest.mark.parametrize("make, error, pattern", [
    (lambda: L.Conv2D(1, 2, 3, stride=1.5), TypeError, r"Conv2D: stride must be a positive int, got 1\.5"),
    (lambda: L.Conv2D(1, 2, 3, padding=0.5), TypeError, r"Conv2D: padding must be a non-negative int, got 0\.5"),
    (lambda: L.Conv2D(1, 2, 3, padding=-1), ValueError, r"Conv2D: padding must be a non-negative int, got -1"),
    (lambda: L.Conv2D(1, 2, 2.5), TypeError, r"Conv2D: kernel_size must be an int or a pair of ints, got 2\.5"),
    (lambda: L.MaxPool2D(2.5), TypeError, r"MaxPool2D: kernel_size must be an int or a pair of ints, got 2\.5"),
    (lambda: L.MaxPool2D(2, stride=1.5), TypeError, r"MaxPool2D: stride must be a positive int, got 1\.5"),
    (lambda: L.Dropout("abc"), TypeError, r"Dropout: p must be a number in \[0, 1\), got 'abc'"),
    (lambda: L.Dropout("0.5"), TypeError, r"Dropout: p must be a number in \[0, 1\), got '0\.5'"),
    (lambda: L.BatchNorm(4, eps=-1), ValueError, r"BatchNorm: eps must be a finite number > 0, got -1\.0"),
    (lambda: L.BatchNorm(4, momentum=5), ValueError, r"BatchNorm: momentum must be a number in \[0, 1\], got 5\.0"),
    (lambda: L.LeakyReLU(float("nan")), ValueError, r"LeakyReLU: negative_slope must be a finite number, got nan"),
    (lambda: L.ELU("1"), TypeError, r"ELU: alpha must be a finite number, got '1'"),
    (lambda: L.Dense(4, 3, use_bias="no"), TypeError, r"Dense: use_bias must be True or False, got 'no'"),
    (lambda: L.Dense(True, 3), TypeError, r"Dense: in_features must be a positive int, got True"),
    (lambda: L.Dense(4, 3, regularizer=0.01), TypeError, r"Dense: regularizer must be a tinynet "
                                                         r"Regularizer such as tn\.L2\(1e-4\)"),
    (lambda: L.Reshape((2, 0)), ValueError, r"Reshape: target_shape\[1\] must be a positive int, got 0"),
    (lambda: L.Reshape((2, 1.5)), TypeError, r"Reshape: target_shape\[1\] must be a positive int, got 1\.5"),
    (lambda: tn.optim.SGD(-0.1), ValueError, r"SGD: lr must be a finite number > 0, got -0\.1"),
    (lambda: tn.optim.SGD(float("nan")), ValueError, r"SGD: lr must be a finite number > 0, got nan"),
    (lambda: tn.optim.SGD("0.1"), TypeError, r"SGD: lr must be a finite number > 0 or a schedule, got '0\.1'"),
    (lambda: tn.optim.SGD(0.1, momentum="0.9"), TypeError, r"SGD: momentum must be a number in \[0, 1\)"),
    (lambda: tn.optim.Adam(betas=(0.9,)), ValueError, r"Adam: betas must be a pair \(beta1, beta2\) of "
                                                      r"numbers in \[0, 1\), got \(0\.9,\)"),
    (lambda: tn.optim.Adam(betas=(0.9, 1.0)), ValueError, r"Adam: betas\[1\] must be a number in \[0, 1\), got 1\.0"),
    (lambda: tn.optim.Adam(eps=0), ValueError, r"Adam: eps must be a finite number > 0, got 0\.0"),
    (lambda: tn.optim.Adam(weight_decay=float("inf")), ValueError, r"Adam: weight_decay must be a finite number >= 0"),
    (lambda: tn.callbacks.EarlyStopping(patience=1.5), TypeError, r"EarlyStopping: patience must be a non-negative int"),
    (lambda: tn.L2("1e-3"), TypeError, r"L2: l2 must be a finite number >= 0, got '1e-3'"),
])
def test_bad_constructor_argument(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


def test_numpy_integers_are_accepted():
    """Oracle: np.int64 sizes build the same layer as Python ints (they were rejected)."""
    a, b = L.Dense(np.int64(4), np.int32(3)), L.Dense(4, 3)
    assert a.get_config() == b.get_config() and type(a.in_features) is int
    assert L.Conv2D(np.int64(1), 2, np.int64(3), stride=np.int64(2)).stride == 2
    assert L.MaxPool2D(np.int64(2)).kernel_size == (2, 2)
    assert L.BatchNorm(np.int16(3)).num_features == 3


# ------------------------------------------------------------- the model
def _mlp():
    return tn.Sequential([L.Dense(3, 4), L.ReLU(), L.Dense(4, 2)], seed=0)


X = np.zeros((4, 3), "float32")
Y = np.array([0, 1, 0, 1])
LOSS = tn.losses.SoftmaxCrossEntropy()


@pytest.mark.parametrize("kwargs, error, pattern", [
    (dict(epochs=-1), ValueError, r"fit: epochs must be a non-negative int, got -1"),
    (dict(epochs=2.7), TypeError, r"fit: epochs must be a non-negative int, got 2\.7"),
    (dict(batch_size=0), ValueError, r"fit: batch_size must be a positive int, got 0"),
    (dict(batch_size=-1), ValueError, r"fit: batch_size must be a positive int, got -1"),
    (dict(batch_size=None), TypeError, r"fit: batch_size must be a positive int, got None"),
    (dict(batch_size="8"), TypeError, r"fit: batch_size must be a positive int, got '8'"),
    (dict(optimizer=None), TypeError, r"fit: optimizer must be a tinynet Optimizer such as "
                                      r"tn\.optim\.SGD\(0\.1\) \(or an object with step, set_epoch, reset\), got None"),
    (dict(loss=tn.losses.SoftmaxCrossEntropy), TypeError, r"fit: loss must be an instance such as "
                                                         r"SoftmaxCrossEntropy\(\), got the class "
                                                         r"SoftmaxCrossEntropy itself"),
    (dict(shuffle="no"), TypeError, r"fit: shuffle must be True or False, got 'no'"),
])
def test_fit_arguments(kwargs, error, pattern):
    args = {"loss": LOSS, "optimizer": tn.optim.SGD(0.1), "verbose": 0, **kwargs}
    model = _mlp()
    before = model.get_weights()
    with pytest.raises(error, match=pattern):
        model.fit(X, Y, **args)
    for (p0, _), (p1, _) in zip(before, model.get_weights()):
        for k in p0:
            np.testing.assert_array_equal(p0[k], p1[k])


@pytest.mark.parametrize("bad", [0, -1, None, "8", 2.5])
def test_predict_and_evaluate_batch_size(bad):
    with pytest.raises((TypeError, ValueError), match=r"predict: batch_size must be a positive int"):
        _mlp().predict(X, batch_size=bad)
    with pytest.raises((TypeError, ValueError), match=r"evaluate: batch_size must be a positive int"):
        _mlp().evaluate(X, Y, LOSS, batch_size=bad)


def test_evaluate_needs_a_loss_instance():
    with pytest.raises(TypeError, match=r"evaluate: loss must be an instance such as"):
        _mlp().evaluate(X, Y, tn.losses.MSE)


def test_empty_model():
    with pytest.raises(ValueError, match=r"Sequential: the model has no layers"):
        tn.Sequential([]).fit(X, Y, LOSS, tn.optim.SGD(0.1), verbose=0)
    with pytest.raises(ValueError, match=r"Sequential: the model has no layers"):
        tn.Sequential([]).predict(X)


def test_bce_targets_outside_0_1():
    model = tn.Sequential([L.Dense(3, 2)])
    y = np.full((4, 2), 2.0, "float32")
    loss = tn.losses.BinaryCrossEntropy()
    with pytest.raises(ValueError, match=r"BinaryCrossEntropy\(\): targets must lie in \[0, 1\], "
                                         r"found values in \[2, 2\]"):
        model.fit(X, y, loss, tn.optim.SGD(0.1), verbose=0)
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 1\]"):
        loss.forward(np.zeros((4, 2), "float32"), y)


def test_early_stopping_on_a_metric_that_is_never_logged():
    cb = tn.callbacks.EarlyStopping(monitor="val_acc")
    with pytest.raises(ValueError, match=r"EarlyStopping: monitor 'val_acc' is not among the logged "
                                         r"metrics \[.*'loss'.*\]"):
        _mlp().fit(X, Y, LOSS, tn.optim.SGD(0.1), callbacks=[cb], verbose=0)


def test_summary_with_an_input_shape_of_the_wrong_size():
    with pytest.raises(ValueError, match=r"layer 0 of the model: Dense\(in_features=3, out_features=4\): "
                                         r"expected input of shape \(N, 3\), got \(N, 5\)"):
        _mlp().summary(input_shape=(5,), print_fn=None)
    cnn = tn.Sequential([L.Conv2D(1, 2, 3), L.Flatten()])
    with pytest.raises(ValueError, match=r"layer 0 of the model: Conv2D\(.*\): expected input of shape "
                                         r"\(N, 1, \*, \*\), got \(N, 3, 8, 8\)"):
        cnn.summary(input_shape=(3, 8, 8), print_fn=None)


def test_flat_images_given_to_a_cnn():
    """Oracle: a clear shape error with the fix, not an unpacking error from output_shape."""
    cnn = tn.Sequential([L.Conv2D(1, 2, 3), L.Flatten(), L.Dense(2 * 26 * 26, 10)])
    with pytest.raises(ValueError, match=r"layer 0 of the model: Conv2D\(.*\): expected input of shape "
                                         r"\(N, 1, \*, \*\), got \(N, 784\).*flatten=False"):
        cnn.fit(np.zeros((2, 784), "float32"), np.array([0, 1]), LOSS, tn.optim.SGD(0.1), verbose=0)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.matrix itself
def test_masked_arrays_and_matrices():
    masked = np.ma.masked_array(X, mask=np.zeros_like(X, bool))
    with pytest.raises(TypeError, match=r"training data X is a masked array.*X\.filled"):
        _mlp().fit(masked, Y, LOSS, tn.optim.SGD(0.1), verbose=0)
    # np.matrix is valid 2-D data: used as a plain array, the result a plain ndarray
    out = _mlp().predict(np.asmatrix(X))
    assert type(out) is np.ndarray
    np.testing.assert_array_equal(out, _mlp().predict(X))
