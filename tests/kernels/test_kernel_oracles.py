"""The fast conv / pool kernels against the naive nested-loop oracles (tinynet/kernels/naive.py).

Oracles: ``conv2d_forward_naive`` / ``conv2d_backward_naive`` and
``maxpool_forward_naive`` / ``maxpool_backward_naive`` (first-max tie rule),
on small random float64 inputs, including non-contiguous views, stride > 1
and padding > 0; the adjoint identity <im2col(x), c> == <x, col2im(c)>; and
finite differences where ties leave the derivative well defined.
"""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinynet as tn
from tinynet import layers as L
from tinynet.kernels import col2im, im2col
from tinynet.kernels.naive import (col2im_naive, conv2d_backward_naive, conv2d_forward_naive,
                                   im2col_naive, maxpool_backward_naive, maxpool_forward_naive)

from helpers import GRAD_TOL, numeric_grad, prop, relative_error

SEEDS = st.integers(0, 2**32 - 1)


def noncontiguous_views(x, xp=np):
    """The same values as ``x`` laid out in memory in ways a kernel might mishandle,
    made on the device of ``xp`` (NumPy or CuPy) so both backends see real views."""
    x = xp.asarray(x)
    flipped = xp.ascontiguousarray(x[:, :, ::-1])[:, :, ::-1]           # negative row stride
    channels_last = xp.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    big = xp.zeros(x.shape[:2] + (2 * x.shape[2], 2 * x.shape[3]), dtype=x.dtype)
    big[:, :, ::2, ::2] = x
    strided = big[:, :, ::2, ::2]                                       # step-2 view
    fortran = xp.asfortranarray(x)
    views = {"contiguous": x, "flipped": flipped, "channels_last": channels_last,
             "strided": strided, "fortran": fortran}
    for name, v in views.items():
        np.testing.assert_array_equal(tn.backend.to_host(v), tn.backend.to_host(x), err_msg=name)
    return views


def test_views_really_are_noncontiguous(xp_backend):
    """Guard for the helper: on a generic shape every view but the first is non-contiguous."""
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    views = noncontiguous_views(x, xp_backend.xp)
    assert views["contiguous"].flags.c_contiguous
    assert all(not v.flags.c_contiguous for k, v in views.items() if k != "contiguous")
    assert views["flipped"].strides[2] < 0


@st.composite
def conv_cases(draw):
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride, pad = draw(st.integers(1, 2)), draw(st.integers(0, 2))
    h = draw(st.integers(max(1, k[0] - 2 * pad), 6))
    w = draw(st.integers(max(1, k[1] - 2 * pad), 6))
    return (draw(st.integers(1, 3)), draw(st.integers(1, 3)), h, w), draw(st.integers(1, 3)), \
        k, stride, pad, draw(SEEDS)


@prop(15)
@given(case=conv_cases())
def test_conv2d_matches_naive_oracle(xp_backend, case):
    """Forward and all three gradients equal the loops', for every memory layout of x."""
    shape, f, kernel, stride, pad, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    layer = L.Conv2D(shape[1], f, kernel, stride=stride, padding=pad, dtype="float64")
    w, b = rng.standard_normal(layer.params["W"].shape), rng.standard_normal(f)
    layer.params["W"][...] = xp_backend.asarray(w)
    layer.params["b"][...] = xp_backend.asarray(b)
    expected, cache = conv2d_forward_naive(x, w, b, stride, pad)
    dout = rng.standard_normal(expected.shape)
    dx_ref, dw_ref, db_ref = conv2d_backward_naive(dout, cache)
    for name, view in noncontiguous_views(x, xp_backend.xp).items():
        y = layer.forward(view)
        np.testing.assert_allclose(xp_backend.host(y), expected, rtol=1e-10, atol=1e-12, err_msg=name)
        dx = layer.backward(xp_backend.asarray(dout))
        np.testing.assert_allclose(xp_backend.host(dx), dx_ref, rtol=1e-10, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(xp_backend.host(layer.grads["W"]), dw_ref, rtol=1e-10,
                                   atol=1e-12, err_msg=name)
        np.testing.assert_allclose(xp_backend.host(layer.grads["b"]), db_ref, rtol=1e-10,
                                   atol=1e-12, err_msg=name)


@st.composite
def pool_cases(draw):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = draw(st.integers(1, 3))
    h, w = draw(st.integers(kh, 7)), draw(st.integers(kw, 7))
    # levels=3 gives many ties, levels=None distinct-ish continuous values
    return (draw(st.integers(1, 3)), draw(st.integers(1, 3)), h, w), (kh, kw), stride, \
        draw(st.sampled_from([None, 2, 3])), draw(SEEDS)


@prop(20)
@given(case=pool_cases())
def test_maxpool_matches_naive_oracle(xp_backend, case):
    """Forward and the routed gradient equal the loops' (same first-max rule), ties included."""
    shape, kernel, stride, levels, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) if levels is None else rng.integers(0, levels, shape) * 1.0
    expected, cache = maxpool_forward_naive(x, kernel[0], kernel[1], stride)
    dout = rng.standard_normal(expected.shape)
    dx_ref = maxpool_backward_naive(dout, cache)
    layer = L.MaxPool2D(kernel, stride=stride, dtype="float64")
    for name, view in noncontiguous_views(x, xp_backend.xp).items():
        y = layer.forward(view)
        np.testing.assert_array_equal(xp_backend.host(y), expected, err_msg=name)
        dx = layer.backward(xp_backend.asarray(dout))
        np.testing.assert_allclose(xp_backend.host(dx), dx_ref, rtol=1e-12, atol=1e-12, err_msg=name)


@prop(15)
@given(case=conv_cases())
def test_col2im_is_the_adjoint_of_im2col(xp_backend, case):
    """<im2col(x), c> == <x, col2im(c)> for random x and c: col2im is im2col's transpose."""
    shape, _, (kh, kw), stride, pad, seed = case
    rng = np.random.default_rng(seed)
    x = xp_backend.asarray(rng.standard_normal(shape))
    cols, _ = im2col(x, kh, kw, stride, pad)
    c = xp_backend.asarray(rng.standard_normal(cols.shape))
    lhs = float((cols * c).sum())
    rhs = float((x * col2im(c, shape, kh, kw, stride, pad)).sum())
    assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10)


@prop(10)
@given(case=conv_cases())
def test_im2col_col2im_match_their_loops_and_are_adjoint(case):
    """The loop versions: im2col(x) equals the fast im2col, col2im(G) the fast col2im, and
    <im2col x, G> = <x, col2im G> (the identity that makes col2im the gradient)."""
    shape, f, (kh, kw), stride, pad, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    cols = im2col_naive(x, kh, kw, stride, pad)
    oh_ow = conv_out(shape, kh, kw, stride, pad)
    # the fast columns are the loops' columns in (oh, ow, n) order (batch innermost)
    np.testing.assert_array_equal(cols, batch_major(im2col(x, kh, kw, stride, pad)[0], shape[0], *oh_ow))
    G = rng.standard_normal(cols.shape)
    dx = col2im_naive(G, shape, kh, kw, stride, pad)
    np.testing.assert_allclose(dx, col2im(batch_inner(G, shape[0], *oh_ow), shape, kh, kw, stride, pad),
                               rtol=1e-12, atol=1e-12)
    assert np.vdot(cols, G) == pytest.approx(np.vdot(x, dx), rel=1e-10, abs=1e-10)
    # and im2col turns the convolution into one product: Wm @ cols + b
    w, b = rng.standard_normal((f, shape[1], kh, kw)), rng.standard_normal(f)
    y = (w.reshape(f, -1) @ cols + b[:, None]).reshape(f, shape[0], *conv_out(shape, kh, kw, stride, pad))
    np.testing.assert_allclose(y.transpose(1, 0, 2, 3), conv2d_forward_naive(x, w, b, stride, pad)[0],
                               rtol=1e-10, atol=1e-12)


def test_col2im_without_the_adjoint_property_would_be_caught():
    """Guard: a col2im that *assigns* instead of adding (loses overlaps) breaks the identity."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 1, 4, 4))
    cols = im2col_naive(x, 3, 3, 1, 0)
    G = rng.standard_normal(cols.shape)
    wrong = np.zeros_like(x)
    for k in range(4):                       # 2x2 windows positions, each overwrites
        i, j = divmod(k, 2)
        wrong[0, :, i:i + 3, j:j + 3] = G[:, k].reshape(1, 3, 3)
    assert abs(np.vdot(cols, G) - np.vdot(x, wrong)) > 1e-3


def batch_major(cols, n, oh, ow):
    """Fast im2col's columns (oh, ow, n) reordered as the loops' (n, oh, ow)."""
    return cols.reshape(-1, oh, ow, n).transpose(0, 3, 1, 2).reshape(cols.shape)


def batch_inner(cols, n, oh, ow):
    """The loops' columns (n, oh, ow) reordered as fast im2col's (oh, ow, n)."""
    return cols.reshape(-1, n, oh, ow).transpose(0, 2, 3, 1).reshape(cols.shape)


def conv_out(shape, kh, kw, stride, pad):
    return ((shape[2] + 2 * pad - kh) // stride + 1, (shape[3] + 2 * pad - kw) // stride + 1)


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("levels", [None, 2])
@pytest.mark.parametrize("channel_major", [False, True])
def test_tiled_maxpool_separable_path_matches_oracle(xp_backend, k, levels, channel_major, monkeypatch):
    """The separable path (k x k windows tiling the planes: columns, then rows)
    against the loops, split over threads (even this small job), with ties
    everywhere (levels = 2) and in the channel-major layout Conv2D returns."""
    from tinynet.kernels import pooling, threads
    monkeypatch.setattr(threads, "MIN_ELEMENTS", 0)
    monkeypatch.setattr(threads, "num_threads", lambda: 3)
    rng = np.random.default_rng(k)
    shape = (40, 6, 6 * k, 4 * k)
    x = rng.standard_normal(shape) if levels is None else rng.integers(0, levels, shape) * 1.0
    expected, cache = maxpool_forward_naive(x, k, k, k)
    dout = rng.standard_normal(expected.shape)
    view = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3) if channel_major else x
    assert pooling._tiles(pooling._planes(view)[0], k, k, k)     # the path under test is taken
    layer = L.MaxPool2D(k, dtype="float64")
    y = layer.forward(xp_backend.asarray(view))
    np.testing.assert_array_equal(xp_backend.host(y), expected)
    dx = xp_backend.host(layer.backward(xp_backend.asarray(dout)))
    np.testing.assert_array_equal(dx, maxpool_backward_naive(dout, cache))


# ------------------------------------------------------------------- ties
def test_maxpool_all_zero_input_sends_gradient_to_first_element(xp_backend):
    """Oracle: the tie rule by hand. A window of equal values gives its whole
    gradient to its first element (row-major); nothing is split or duplicated."""
    x = xp_backend.asarray(np.zeros((2, 3, 4, 6), "float32"))
    layer = L.MaxPool2D(2)
    layer.forward(x)
    dout = np.random.default_rng(0).standard_normal((2, 3, 2, 3)).astype("float32")
    dx = xp_backend.host(layer.backward(xp_backend.asarray(dout)))
    expected = np.zeros((2, 3, 4, 6), "float32")
    expected[:, :, ::2, ::2] = dout
    np.testing.assert_array_equal(dx, expected)


def test_maxpool_overlapping_windows_with_ties(xp_backend):
    """3x3 windows, stride 1 (overlap), all zeros: element (i, j) collects the
    gradients of the windows whose first element it is, i.e. exactly one each."""
    x = xp_backend.asarray(np.zeros((1, 1, 5, 5)))
    layer = L.MaxPool2D(3, stride=1, dtype="float64")
    layer.forward(x)
    dout = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    dx = xp_backend.host(layer.backward(xp_backend.asarray(dout)))
    expected = np.zeros((1, 1, 5, 5))
    expected[:, :, :3, :3] = dout
    np.testing.assert_array_equal(dx, expected)


def mnist_like(n, rng, size=28):
    """Digit-like images: a blank (0) background, a ring and a bar of ink in
    [0, 1] quantised to k/255 (so saturated strokes tie too), like MNIST."""
    yy, xx = np.mgrid[:size, :size]
    images = np.zeros((n, 1, size, size))
    for i in range(n):
        u = size / 28
        cy, cx = rng.uniform(10 * u, 18 * u, 2)
        ry, rx = rng.uniform(5 * u, 9 * u), rng.uniform(3 * u, 7 * u)
        r = np.sqrt(((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2)
        ink = np.clip(1.5 - 4 * np.abs(r - 1), 0, 1)
        col, m = int(rng.integers(4 * u, size - 4 * u)), max(1, int(3 * u))
        ink[m:size - m, col:col + 2] = np.maximum(ink[m:size - m, col:col + 2], 0.8)
        images[i, 0] = np.round(ink * 255) / 255
    return images


def test_mnist_like_conv_relu_pool_matches_oracle(xp_backend):
    """ReLU of a conv on a blank-background image is mostly exact ties (zeros
    and bias-valued plateaus); the pooled gradient equals the naive
    first-max oracle, and its total equals sum(dout) (never multiplied)."""
    rng = np.random.default_rng(0)
    x = mnist_like(3, rng)
    conv = L.Conv2D(1, 4, 3, padding=1, dtype="float64", seed=1)
    b = np.array([0.1, -0.1, 0.0, 0.2])  # positive bias: tied positive plateaus
    conv.params["b"][...] = xp_backend.asarray(b)
    relu, pool = L.ReLU(), L.MaxPool2D(2, dtype="float64")
    a = xp_backend.host(relu.forward(conv.forward(xp_backend.asarray(x))))
    assert (a == 0).mean() > 0.3, "the input should be full of ties"
    pooled = pool.forward(xp_backend.asarray(a))
    ref, cache = maxpool_forward_naive(a, 2, 2, 2)
    np.testing.assert_array_equal(xp_backend.host(pooled), ref)
    dout = rng.standard_normal(ref.shape)
    dx = xp_backend.host(pool.backward(xp_backend.asarray(dout)))
    np.testing.assert_allclose(dx, maxpool_backward_naive(dout, cache), rtol=0, atol=1e-12)
    assert dx.sum() == pytest.approx(dout.sum(), rel=1e-12)
    assert np.count_nonzero(dx) == dout.size  # one element per window


def _naive_model_gradients(x, y, Wc, bc, Wd, bd):
    """Loss and gradients of conv(pad 1) -> ReLU -> maxpool 2 -> flatten -> dense -> CE, by the oracles."""
    n = x.shape[0]
    c_out, cc = conv2d_forward_naive(x, Wc, bc, 1, 1)
    a = np.maximum(c_out, 0)
    p, pc = maxpool_forward_naive(a, 2, 2, 2)
    flat = p.reshape(n, -1)
    z = flat @ Wd + bd
    s = z - z.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(n), y].mean()
    dz = np.exp(logp)
    dz[np.arange(n), y] -= 1
    dz /= n
    dWd, dbd = flat.T @ dz, dz.sum(0)
    dp = (dz @ Wd.T).reshape(p.shape)
    da = maxpool_backward_naive(dp, pc)
    dc = da * (c_out > 0)
    _, dWc, dbc = conv2d_backward_naive(dc, cc)
    return loss, {"Wc": dWc, "bc": dbc, "Wd": dWd, "bd": dbd}


def test_cnn_gradient_on_tied_input(xp_backend):
    """conv+relu+pool+dense on MNIST-like input full of ties.

    Oracle 1: the naive loops composed by hand with the same first-max rule.
    Oracle 2: central differences of the loss w.r.t. the conv bias and
    weights.  They are well defined here: the tied windows are background
    plateaus whose every element equals relu(bias) (the input is 0 there), so a
    change of bias moves all of them together, and a change of W does not move
    them at all.
    """
    rng = np.random.default_rng(1)
    x = mnist_like(2, rng, size=12)
    y = np.array([1, 2])
    model = tn.Sequential([L.Conv2D(1, 3, 3, padding=1), L.ReLU(), L.MaxPool2D(2), L.Flatten(),
                           L.Dense(3 * 6 * 6, 4)], seed=3, dtype="float64")
    conv, dense = model[0], model[4]
    conv.params["b"][...] = xp_backend.asarray(np.array([0.2, 0.05, -0.1]))
    loss = tn.losses.SoftmaxCrossEntropy()
    value = loss(model.forward(xp_backend.asarray(x), training=True), xp_backend.asarray(y))
    model.backward(loss.backward())
    host = {k: xp_backend.host(v) for k, v in (("Wc", conv.params["W"]), ("bc", conv.params["b"]),
                                               ("Wd", dense.params["W"]), ("bd", dense.params["b"]))}
    ref_loss, ref = _naive_model_gradients(x, y, **host)
    assert float(value) == pytest.approx(ref_loss, rel=1e-12)
    got = {"Wc": conv.grads["W"], "bc": conv.grads["b"], "Wd": dense.grads["W"], "bd": dense.grads["b"]}
    for k in ref:
        np.testing.assert_allclose(xp_backend.host(got[k]), ref[k], rtol=1e-9, atol=1e-12, err_msg=k)

    # finite differences on the host copy of the conv parameters
    def f():
        return _naive_model_gradients(x, y, **host)[0]
    for k in ("bc", "Wc"):
        numeric = numeric_grad(f, host[k])
        assert relative_error(xp_backend.host(got[k]), numeric) <= GRAD_TOL, k


def test_tie_splitting_would_be_caught():
    """Guard on the oracle above: a backward that sends the gradient to every
    tied element (not the first) has a bias gradient far from finite differences."""
    rng = np.random.default_rng(1)
    x = mnist_like(2, rng, size=12)
    conv = L.Conv2D(1, 1, 3, padding=1, dtype="float64")
    conv.params["b"][...] = 0.2
    a = np.maximum(conv.forward(x), 0)
    out, cache = maxpool_forward_naive(a, 2, 2, 2)
    windows = a.reshape(2, 1, 6, 2, 6, 2)
    every_max = (windows == out[:, :, :, None, :, None]).reshape(a.shape)
    d_every = every_max.sum()                 # d sum(pool) / d bias if ties were all routed
    d_first = maxpool_backward_naive(np.ones_like(out), cache)[a > 0].sum()
    assert d_first == pytest.approx(out[out > 0].size)  # each positive window: derivative 1
    assert d_every > 1.5 * d_first  # 133 vs 72 here: tie duplication inflates dL/db


@pytest.mark.parametrize("stride,pad,channel_major", [(1, 1, True), (1, 0, False), (2, 1, True)])
def test_chunked_threaded_conv_matches_naive_oracle_and_thread_count(monkeypatch, stride, pad,
                                                                   channel_major):
    """Oracle: the naive loops.  With one image per chunk (tiny chunk budgets)
    the chunked kernels run many chunks over two threads; forward, dW, db and
    dx equal the loops', and are bit-identical with one thread (the chunk
    cuts never depend on the thread count)."""
    from tinynet.kernels import conv_fast, threads
    monkeypatch.setattr(conv_fast, "CHUNK_BYTES", 1)
    monkeypatch.setattr(conv_fast, "DX_CHUNK_BYTES", 1)
    rng = np.random.default_rng(3)
    n, c, h, w, f, k = 5, 3, 6, 7, 4, 3
    x = rng.standard_normal((c, n, h, w)).transpose(1, 0, 2, 3) if channel_major \
        else rng.standard_normal((n, c, h, w))
    wts, b = rng.standard_normal((f, c, k, k)), rng.standard_normal(f)
    expected, cache = conv2d_forward_naive(x, wts, b, stride, pad)
    dout = rng.standard_normal(expected.shape)
    dx_ref, dw_ref, db_ref = conv2d_backward_naive(dout, cache)
    results = []
    saved = threads.num_threads()
    try:
        for count in (2, 1):
            threads.set_num_threads(count)
            layer = L.Conv2D(c, f, k, stride=stride, padding=pad, dtype="float64")
            layer.params["W"][...] = wts
            layer.params["b"][...] = b
            y = layer.forward(x)
            dx = layer.backward(dout)
            results.append((np.array(y), np.array(dx), layer.grads["W"].copy(),
                            layer.grads["b"].copy()))
    finally:
        threads.set_num_threads(saved)
    for y, dx, dw, db in results:
        np.testing.assert_allclose(y, expected, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dx, dx_ref, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dw, dw_ref, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(db, db_ref, rtol=1e-10, atol=1e-12)
    for a, b2 in zip(*results):
        np.testing.assert_array_equal(a, b2)
