"""Naive nested-loop oracles for convolution and max pooling (CS231n style).

These are the reference the fast im2col / strided-slice kernels are tested
against.  They loop over every output element and read the definition off
the page, so they are slow but easy to check by eye.  NumPy only, float64
in the tests.

Conventions (the same as tinynet's layers):

* NCHW inputs, conv weights ``w: (F, C, HH, WW)``, bias ``b: (F,)``;
  zero padding ``pad`` on both sides of H and W; cross-correlation
  (no kernel flip), as every framework does.
* Layers *sum* over the batch: ``dw`` and ``db`` are sums over n.
* Max pooling drops rows/columns that do not fill a window; its tie rule is
  "first maximum in row-major window order gets the whole gradient".
"""
import numpy as np


def conv2d_forward_naive(x, w, b, stride=1, pad=0):
    """out[n, f, i, j] = sum_{c, p, q} xpad[n, c, i*s + p, j*s + q] * w[f, c, p, q] + b[f].

    Shapes: x: (N, C, H, W), w: (F, C, HH, WW), b: (F,) ->
    out: (N, F, H', W') with H' = 1 + (H + 2*pad - HH) // stride.
    Returns ``(out, cache)``; ``cache = (x, w, b, stride, pad)``.
    """
    n_, c_, h, wd = x.shape
    f_, _, hh, ww = w.shape
    oh = 1 + (h + 2 * pad - hh) // stride
    ow = 1 + (wd + 2 * pad - ww) // stride
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((n_, f_, oh, ow), dtype=np.result_type(x, w))
    for n in range(n_):
        for f in range(f_):
            for i in range(oh):
                for j in range(ow):
                    window = xpad[n, :, i * stride:i * stride + hh, j * stride:j * stride + ww]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, stride, pad)


def conv2d_backward_naive(dout, cache):
    """Gradients of sum(dout * conv(x, w, b)), one window at a time.

    Shapes: dout: (N, F, H', W') -> dx: (N, C, H, W), dw: (F, C, HH, WW), db: (F,).
    Each output element adds ``dout * w[f]`` onto its input window (dx) and
    ``dout * window`` onto w[f] (dw); db sums dout over n, i, j.
    """
    x, w, b, stride, pad = cache
    n_, c_, h, wd = x.shape
    f_, _, hh, ww = w.shape
    _, _, oh, ow = dout.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxpad = np.zeros_like(xpad, dtype=np.result_type(x, dout))
    dw = np.zeros_like(w, dtype=np.result_type(w, dout))
    db = np.zeros_like(b, dtype=np.result_type(b, dout))
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


def maxpool_forward_naive(x, pool_height, pool_width, stride):
    """out[n, c, i, j] = max of the window x[n, c, i*s:i*s+ph, j*s:j*s+pw].

    Shapes: x: (N, C, H, W) -> out: (N, C, H', W'), H' = 1 + (H - ph) // s.
    Returns ``(out, cache)``; ``cache = (x, ph, pw, stride)``.
    """
    n_, c_, h, wd = x.shape
    oh = 1 + (h - pool_height) // stride
    ow = 1 + (wd - pool_width) // stride
    out = np.zeros((n_, c_, oh, ow), dtype=x.dtype)
    for n in range(n_):
        for c in range(c_):
            for i in range(oh):
                for j in range(ow):
                    window = x[n, c, i * stride:i * stride + pool_height,
                               j * stride:j * stride + pool_width]
                    out[n, c, i, j] = window.max()
    return out, (x, pool_height, pool_width, stride)


def maxpool_backward_naive(dout, cache):
    """Send each window's gradient to its FIRST maximum (row-major), the tie rule.

    ``np.argmax`` on the flattened window returns the first occurrence of the
    maximum, which is exactly the documented rule.  Overlapping windows
    (stride < window) add their contributions.
    Shapes: dout: (N, C, H', W') -> dx: (N, C, H, W).
    """
    x, ph, pw, stride = cache
    n_, c_, oh, ow = dout.shape
    dx = np.zeros_like(x, dtype=np.result_type(x, dout))
    for n in range(n_):
        for c in range(c_):
            for i in range(oh):
                for j in range(ow):
                    window = x[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw]
                    p, q = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * stride + p, j * stride + q] += dout[n, c, i, j]
    return dx
