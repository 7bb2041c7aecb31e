"""Property tests: every layer's backward against central finite differences.

Oracle: ``tn.gradcheck`` (float64 copy of the layer, random upstream gradient
g, central differences of sum(g * layer(x)) with h = 1e-6) for the input and
every parameter separately; pass at relative error <= 1e-6.  That the oracle
itself can fail is shown in test_gradcheck.py.

Shapes are drawn by hypothesis (batch 1..4, channels 1..3, odd H/W, kernel
1..3, stride 1..2, padding 0..2, features 1..6).  Inputs are drawn away
from kinks: ReLU/LeakyReLU/ELU inputs at least 0.05 from 0, max-pool inputs
all distinct (a permutation of evenly spaced values).
"""
import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

import tinynet as tn
from tinynet import layers as L

from helpers import GRAD_TOL, away_from_zero, distinct_values, prop

SEEDS = st.integers(0, 2**32 - 1)
BATCH = st.integers(1, 4)
CHANNELS = st.integers(1, 3)
FEATURES = st.integers(1, 6)
ODD = st.sampled_from([1, 3, 5, 7])


def assert_gradients_match(layer, x, training=False, seed=0):
    """gradcheck ``layer`` on ``x``: the input and every parameter within GRAD_TOL."""
    errors = tn.gradcheck(layer, x, training=training, seed=seed)
    assert set(errors) == {"x", *layer.params}, "gradcheck skipped a tensor"
    bad = {k: v for k, v in errors.items() if not v <= GRAD_TOL}
    assert not bad, f"{layer!r} (training={training}): relative errors above {GRAD_TOL}: {bad}"


def image_shape(draw, min_h=1, min_w=1):
    """(N, C, H, W) with odd H, W at least the given minima."""
    h = draw(ODD.filter(lambda v: v >= min_h))
    w = draw(ODD.filter(lambda v: v >= min_w))
    return draw(BATCH), draw(CHANNELS), h, w


# ---------------------------------------------------------------- Dense
@prop(20)
@given(n=BATCH, d_in=FEATURES, d_out=FEATURES, use_bias=st.booleans(), seed=SEEDS)
def test_dense_gradients(xp_backend, n, d_in, d_out, use_bias, seed):
    """Dense: dx, dW (and db) match finite differences."""
    rng = np.random.default_rng(seed)
    layer = L.Dense(d_in, d_out, use_bias=use_bias, seed=seed)
    if use_bias:  # a nonzero bias, so a bug that ignores it in forward shows
        layer.params["b"][...] = xp_backend.asarray(rng.standard_normal(d_out))
    x = xp_backend.asarray(rng.standard_normal((n, d_in)))
    assert_gradients_match(layer, x, seed=seed)


# ---------------------------------------------------------------- Conv2D
@st.composite
def conv_cases(draw):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride, padding = draw(st.integers(1, 2)), draw(st.integers(0, 2))
    shape = image_shape(draw, min_h=kh - 2 * padding, min_w=kw - 2 * padding)
    return shape, draw(CHANNELS), (kh, kw), stride, padding, draw(SEEDS)


@prop(20)
@given(case=conv_cases())
def test_conv2d_gradients(xp_backend, case):
    """Conv2D (incl. 1x1 and rectangular kernels, stride 2, padding): dx, dW, db."""
    shape, f, kernel, stride, padding, seed = case
    rng = np.random.default_rng(seed)
    layer = L.Conv2D(shape[1], f, kernel, stride=stride, padding=padding, seed=seed)
    layer.params["b"][...] = xp_backend.asarray(rng.standard_normal(f))
    x = xp_backend.asarray(rng.standard_normal(shape))
    assert_gradients_match(layer, x, seed=seed)


# ------------------------------------------------------------- MaxPool2D
@st.composite
def pool_cases(draw):
    kh = draw(st.integers(1, 3))
    square = draw(st.booleans())
    kw = kh if square else draw(st.integers(1, 3))
    # stride None means "= kernel" and needs a square window
    stride = draw(st.sampled_from([None, 1, 2])) if square else draw(st.integers(1, 2))
    return image_shape(draw, min_h=kh, min_w=kw), (kh, kw), stride, draw(SEEDS)


@prop(20)
@given(case=pool_cases())
def test_maxpool_gradients(xp_backend, case):
    """MaxPool2D on distinct inputs (no ties), overlapping and disjoint windows."""
    shape, kernel, stride, seed = case
    rng = np.random.default_rng(seed)
    x = xp_backend.asarray(distinct_values(rng, shape))
    assert_gradients_match(L.MaxPool2D(kernel, stride=stride), x, seed=seed)


# ----------------------------------------------------------- activations
ACTIVATIONS = {
    "ReLU": lambda rng: L.ReLU(),
    "LeakyReLU": lambda rng: L.LeakyReLU(negative_slope=float(rng.uniform(0.01, 0.5))),
    "ELU": lambda rng: L.ELU(alpha=float(rng.uniform(0.5, 2.0))),
    "Sigmoid": lambda rng: L.Sigmoid(),
    "Tanh": lambda rng: L.Tanh(),
    "Softmax": lambda rng: L.Softmax(),
}

ANY_SHAPE = st.one_of(
    st.tuples(BATCH, FEATURES),
    st.tuples(BATCH, CHANNELS, ODD, ODD))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@prop(12)
@given(shape=ANY_SHAPE, seed=SEEDS)
def test_activation_gradients(xp_backend, name, shape, seed):
    """Element-wise activations and Softmax (last axis), 2-D and 4-D, away from kinks."""
    rng = np.random.default_rng(seed)
    x = xp_backend.asarray(2.0 * away_from_zero(rng, shape))
    assert_gradients_match(ACTIVATIONS[name](rng), x, seed=seed)


# --------------------------------------------------------------- Dropout
@prop(15)
@given(shape=ANY_SHAPE, p=st.sampled_from([0.0, 0.2, 0.5, 0.9]), training=st.booleans(),
       seed=SEEDS)
def test_dropout_gradients(xp_backend, shape, p, training, seed):
    """Dropout with its mask fixed (gradcheck restores the layer's rng per call)."""
    rng = np.random.default_rng(seed)
    x = xp_backend.asarray(rng.standard_normal(shape))
    assert_gradients_match(L.Dropout(p, seed=seed), x, training=training, seed=seed)


# ------------------------------------------------------------- BatchNorm
@prop(20)
@given(shape=ANY_SHAPE, training=st.booleans(), seed=SEEDS)
def test_batchnorm_gradients(xp_backend, shape, training, seed):
    """BatchNorm 2-D and 4-D, batch statistics (training) and running statistics."""
    c = shape[1]
    per_channel = int(np.prod(shape)) // c
    # With M = 2 values per channel the normalised output is +-1 whatever x,
    # so dy/dx ~ eps and the differences measure only rounding: skip M <= 2.
    assume(not training or per_channel >= 3)
    rng = np.random.default_rng(seed)
    layer = L.BatchNorm(c)
    layer.params["gamma"][...] = xp_backend.asarray(rng.uniform(0.5, 2.0, c))
    layer.params["beta"][...] = xp_backend.asarray(rng.standard_normal(c))
    layer.buffers["running_mean"][...] = xp_backend.asarray(rng.standard_normal(c))
    layer.buffers["running_var"][...] = xp_backend.asarray(rng.uniform(0.5, 2.0, c))
    x = xp_backend.asarray(rng.standard_normal(shape) * 2 + 1)
    assert_gradients_match(layer, x, training=training, seed=seed)


# -------------------------------------------------------- Flatten/Reshape
@prop(10)
@given(shape=st.tuples(BATCH, CHANNELS, ODD, ODD), seed=SEEDS)
def test_flatten_and_reshape_gradients(xp_backend, shape, seed):
    """Flatten and Reshape (to a permuted factorisation): the gradient is reshaped back."""
    rng = np.random.default_rng(seed)
    x = xp_backend.asarray(rng.standard_normal(shape))
    _, c, h, w = shape
    assert_gradients_match(L.Flatten(), x, seed=seed)
    assert_gradients_match(L.Reshape((h, w * c)), x, seed=seed)


@prop(10)
@given(shape=st.tuples(BATCH, CHANNELS, ODD, ODD), seed=SEEDS)
def test_flatten_and_dense_keep_the_batch_innermost_layout(xp_backend, shape, seed):
    """Oracle: NCHW reshapes and products.  A batch-innermost input (Conv2D's
    layout) flattens to a view with the (c, h, w) feature order; Dense takes
    it as it is, and both hand the gradient back in the input's layout."""
    xp = xp_backend.xp
    rng = np.random.default_rng(seed)
    n, c, h, w = shape
    x_host = rng.standard_normal(shape)
    x = xp.ascontiguousarray(xp_backend.asarray(x_host).transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    flat, dense = L.Flatten(), L.Dense(c * h * w, 3, dtype="float64")
    z = flat.forward(x)
    np.testing.assert_array_equal(xp_backend.host(z), x_host.reshape(n, -1))
    y = dense.forward(z)
    np.testing.assert_allclose(xp_backend.host(y), x_host.reshape(n, -1) @ xp_backend.host(dense.params["W"])
                               + xp_backend.host(dense.params["b"]), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal((n, 3))
    dz = dense.backward(xp_backend.asarray(g))
    dz_ref = g @ xp_backend.host(dense.params["W"]).T
    np.testing.assert_allclose(xp_backend.host(dz), dz_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(xp_backend.host(dense.grads["W"]), x_host.reshape(n, -1).T @ g, rtol=1e-12,
                               atol=1e-12)
    dx = flat.backward(dz)
    np.testing.assert_array_equal(xp_backend.host(dx), dz_ref.reshape(shape))
    if n > 1:    # the view and the layout (batch innermost), not copies
        assert z.base is not None and dx.transpose(1, 2, 3, 0).flags.c_contiguous
