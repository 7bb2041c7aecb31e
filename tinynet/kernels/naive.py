"""Reference kernels: convolution and max pooling written as loops, read straight off the math.

Read this file first.  Every function here loops over output elements and
does what the formula in its docstring says, nothing more; the fast layers
(``tinynet/layers/conv.py``, ``tinynet/layers/pool.py``, on the kernels in
``im2col.py``, ``conv.py`` and ``pooling.py`` next to this file) compute
exactly the same numbers, and the tests check that they do, on random
inputs, odd strides, padding, non-contiguous arrays and ties.  These loops
are slow (pure Python): use them on tiny inputs, to learn and to check.

NumPy arrays (or CuPy: ``xp`` comes from the inputs, but loops on a GPU
are slower still).  Conventions (the same as tinynet's layers):

* NCHW inputs ``x: (N, C, H, W)``, conv weights ``w: (F, C, HH, WW)``, bias
  ``b: (F,)``; zero padding ``pad`` on both sides of H and W; cross-correlation
  (no kernel flip), as every framework does.
* Layers *sum* over the batch: ``dw`` and ``db`` are sums over n.
* Max pooling drops rows/columns that do not fill a window; its tie rule is
  "the first maximum in row-major window order gets the whole gradient".

The backward functions are the chain rule for one output element at a time:
if ``out[k] = f(inputs)``, then every input that ``out[k]`` read receives
``dout[k] * d out[k] / d input``, and the contributions of different outputs
add up (an input read by two windows gets two terms).
"""
from ..backend import array_module


def output_size(size, kernel, stride, pad):
    """Number of window positions along one axis: 1 + (size + 2*pad - kernel) // stride."""
    return 1 + (size + 2 * pad - kernel) // stride


def pad_images(x, pad):
    """x: (N, C, H, W) -> (N, C, H + 2*pad, W + 2*pad) with zeros around each image."""
    xp = array_module(x)
    return xp.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


# ------------------------------------------------------------------ conv
def conv2d_forward_naive(x, w, b, stride=1, pad=0):
    """out[n, f, i, j] = sum_{c, p, q} xpad[n, c, i*s + p, j*s + q] * w[f, c, p, q] + b[f].

    Shapes: x: (N, C, H, W), w: (F, C, HH, WW), b: (F,) ->
    out: (N, F, H', W') with H' = 1 + (H + 2*pad - HH) // stride.
    Returns ``(out, cache)``; ``cache = (x, w, b, stride, pad)``.
    """
    xp = array_module(x)
    n_, c_, h, wd = x.shape
    f_, _, hh, ww = w.shape
    oh, ow = output_size(h, hh, stride, pad), output_size(wd, ww, stride, pad)
    xpad = pad_images(x, pad)
    out = xp.zeros((n_, f_, oh, ow), dtype=xp.result_type(x, w))
    for n in range(n_):
        for f in range(f_):
            for i in range(oh):
                for j in range(ow):
                    window = xpad[n, :, i * stride:i * stride + hh, j * stride:j * stride + ww]
                    out[n, f, i, j] = xp.sum(window * w[f]) + b[f]
    return out, (x, w, b, stride, pad)


def conv2d_backward_naive(dout, cache):
    """Gradients of sum(dout * conv(x, w, b)), one output element at a time.

    Shapes: dout: (N, F, H', W') -> dx: (N, C, H, W), dw: (F, C, HH, WW), db: (F,).

    out[n, f, i, j] is linear in its window and in w[f], so (chain rule):
        d out / d window = w[f]    ->  dxpad[n, :, window] += dout[n, f, i, j] * w[f]
        d out / d w[f]   = window  ->  dw[f]               += dout[n, f, i, j] * window
        d out / d b[f]   = 1       ->  db[f]               += dout[n, f, i, j]
    The gradient that lands in the zero padding belongs to no input: cut it off.
    """
    xp = array_module(dout)
    x, w, b, stride, pad = cache
    n_, c_, h, wd = x.shape
    f_, _, hh, ww = w.shape
    _, _, oh, ow = dout.shape
    xpad = pad_images(x, pad)
    dxpad = xp.zeros_like(xpad, dtype=xp.result_type(x, dout))
    dw = xp.zeros_like(w, dtype=xp.result_type(w, dout))
    db = xp.zeros_like(b, dtype=xp.result_type(b, dout))
    for n in range(n_):
        for f in range(f_):
            for i in range(oh):
                for j in range(ow):
                    rows = slice(i * stride, i * stride + hh)
                    cols = slice(j * stride, j * stride + ww)
                    dxpad[n, :, rows, cols] += dout[n, f, i, j] * w[f]
                    dw[f] += dout[n, f, i, j] * xpad[n, :, rows, cols]
                    db[f] += dout[n, f, i, j]
    dx = dxpad[:, :, pad:pad + h, pad:pad + wd]
    return dx, dw, db


# ---------------------------------------------------------- im2col / col2im
def im2col_naive(x, hh, ww, stride=1, pad=0):
    """Each output pixel's window as one column: the convolution becomes one matrix product.

    cols[c*HH*WW + p*WW + q, n*H'*W' + i*W' + j] = xpad[n, c, i*s + p, j*s + q]

    Shapes: x: (N, C, H, W) -> cols: (C*HH*WW, N*H'*W').  Then, with
    wm = w.reshape(F, C*HH*WW), ``wm @ cols + b[:, None]`` is the convolution,
    as (F, N*H'*W'): the sum over (c, p, q) in conv2d_forward_naive is the
    sum over the rows of cols.
    """
    xp = array_module(x)
    n_, c_, h, wd = x.shape
    oh, ow = output_size(h, hh, stride, pad), output_size(wd, ww, stride, pad)
    xpad = pad_images(x, pad)
    cols = xp.zeros((c_ * hh * ww, n_ * oh * ow), dtype=x.dtype)
    for n in range(n_):
        for i in range(oh):
            for j in range(ow):
                window = xpad[n, :, i * stride:i * stride + hh, j * stride:j * stride + ww]
                cols[:, n * oh * ow + i * ow + j] = window.reshape(-1)   # (c, p, q) row-major
    return cols


def col2im_naive(dcols, x_shape, hh, ww, stride=1, pad=0):
    """The adjoint (transpose) of im2col: add each column back onto the window it came from.

    Shapes: dcols: (C*HH*WW, N*H'*W') -> dx: (N, C, H, W) = x_shape.

    Why it is the gradient: im2col is linear, cols = A x for a 0/1 matrix A
    (each column entry copies one input element).  For any G of cols' shape,

        <im2col(x), G> = sum_k (A x)_k G_k = sum_m x_m (A^T G)_m = <x, col2im(G)>

    with col2im = A^T: element x_m receives the sum of the G entries that
    were copies of it.  So if L depends on x through cols, dL/dx = A^T dL/dcols
    = col2im(dL/dcols).  Windows overlap when stride < kernel size: an input
    element copied into several columns collects several terms (the +=).
    """
    xp = array_module(dcols)
    n_, c_, h, wd = x_shape
    oh, ow = output_size(h, hh, stride, pad), output_size(wd, ww, stride, pad)
    dxpad = xp.zeros((n_, c_, h + 2 * pad, wd + 2 * pad), dtype=dcols.dtype)
    for n in range(n_):
        for i in range(oh):
            for j in range(ow):
                column = dcols[:, n * oh * ow + i * ow + j].reshape(c_, hh, ww)
                dxpad[n, :, i * stride:i * stride + hh, j * stride:j * stride + ww] += column
    return dxpad[:, :, pad:pad + h, pad:pad + wd]


# --------------------------------------------------------------- max pool
def maxpool_forward_naive(x, pool_height, pool_width, stride):
    """out[n, c, i, j] = max of the window x[n, c, i*s:i*s+ph, j*s:j*s+pw].

    Shapes: x: (N, C, H, W) -> out: (N, C, H', W'), H' = 1 + (H - ph) // s.
    Returns ``(out, cache)``; ``cache = (x, ph, pw, stride)``.
    """
    xp = array_module(x)
    n_, c_, h, wd = x.shape
    oh, ow = output_size(h, pool_height, stride, 0), output_size(wd, pool_width, stride, 0)
    out = xp.zeros((n_, c_, oh, ow), dtype=x.dtype)
    for n in range(n_):
        for c in range(c_):
            for i in range(oh):
                for j in range(ow):
                    window = x[n, c, i * stride:i * stride + pool_height,
                               j * stride:j * stride + pool_width]
                    out[n, c, i, j] = window.max()
    return out, (x, pool_height, pool_width, stride)


def maxpool_backward_naive(dout, cache):
    """Send each window's gradient to its FIRST maximum (row-major): the tie rule.

    Routing: out = max(window) equals one element of the window, x[m*], so
    near x, d out / d x[m] = 1 for m = m* and 0 for the others: the window's
    whole gradient goes to its maximum; overlapping windows (stride < window)
    add their contributions.

    Ties: when several elements equal the maximum, max is not differentiable
    there, and some rule must pick *one* element (sending dout to each tied
    element would count it several times: the sum of dx would exceed the sum
    of dout).  tinynet, like PyTorch, picks the first in row-major window
    order: ``argmax`` of the flattened window returns exactly that one.

    Shapes: dout: (N, C, H', W') -> dx: (N, C, H, W).
    """
    xp = array_module(dout)
    x, ph, pw, stride = cache
    n_, c_, oh, ow = dout.shape
    dx = xp.zeros_like(x, dtype=xp.result_type(x, dout))
    for n in range(n_):
        for c in range(c_):
            for i in range(oh):
                for j in range(ow):
                    window = x[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw]
                    p, q = xp.unravel_index(xp.argmax(window), window.shape)
                    dx[n, c, i * stride + p, j * stride + q] += dout[n, c, i, j]
    return dx
