"""Convolution as one matrix product over im2col columns: the tuned pieces of Conv2D.

The math (``naive.py`` has it as loops), with cols = im2col(x): (K, M),
K = C*kh*kw, M = N*OH*OW, Wm = W.reshape(F, K) and dy: (F, M)::

    y  = Wm @ cols + b           dW = dy @ cols^T      db = sum_m dy      dx = col2im(Wm^T @ dy)

What the functions here add, each for a measured reason:

* The bias rides inside the product: ``cols`` gets one extra row of ones and
  Wm one extra column b, so ``[Wm | b] @ [cols; 1] = Wm @ cols + b`` adds the
  bias for free, and in backward ``[cols; 1] @ dy^T = [dW | db]^T`` yields both
  gradients from one product.
* The columns buffer (the largest array of a CNN step) is reused from step to
  step while its shape stays the same: no allocation per step.
* y comes out of the product as (F, N, OH, OW) and is returned as a
  transposed *view* (N, F, OH, OW) (channel-major in memory): transposing to
  NCHW would copy the largest activation every step, and backward wants
  exactly this layout back (``grad_rows`` is then a free reshape).
* dx for stride 1 (the common case) goes through ``conv_input_grad_stride1``,
  the same sum as col2im with whole-row adds (see im2col.py).
"""
from ..backend import array_module
from .im2col import col2im, conv_input_grad_stride1, im2col


def columns_with_ones(x, kh, kw, stride, padding, reuse=None):
    """[im2col(x); 1]: (C*kh*kw + 1, N*OH*OW), the last row all ones.

    ``reuse``: the array this function returned last time; it is refilled in
    place when its shape, dtype and device still fit (im2col only writes the
    rows above the ones).  Returns ``(cols1, (OH, OW))``.
    """
    xp = array_module(x)
    n, c, h, w = x.shape
    oh = (h + 2 * padding - kh) // stride + 1
    ow = (w + 2 * padding - kw) // stride + 1
    k, shape = c * kh * kw, (c * kh * kw + 1, n * oh * ow)
    cols1 = reuse
    if (cols1 is None or cols1.shape != shape or cols1.dtype != x.dtype
            or array_module(cols1) is not xp):
        cols1 = xp.empty(shape, dtype=x.dtype)
        cols1[-1] = 1
    im2col(x, kh, kw, stride, padding, out=cols1[:k])
    return cols1, (oh, ow)


def conv_forward_matmul(W, b, cols1, n, oh, ow):
    """y = Wm @ cols + b, as [Wm | b] @ [cols; 1].

    Shapes: W: (F, C, kh, kw), b: (F,), cols1: (C*kh*kw + 1, N*OH*OW) ->
    y: (N, F, OH, OW), a channel-major view of the (F, N*OH*OW) product.
    """
    xp = array_module(W)
    f = W.shape[0]
    Wb = xp.concatenate([W.reshape(f, -1), b[:, None]], axis=1)     # (F, K + 1)
    y = Wb @ cols1                                                   # (F, N*OH*OW)
    return y.reshape(f, n, oh, ow).transpose(1, 0, 2, 3)


def grad_rows(grad_out):
    """dy as a matrix, (N, F, OH, OW) -> (F, N*OH*OW).

    A free reshape of the channel-major gradient the layers above return; a
    copy only for other layouts.
    """
    return grad_out.transpose(1, 0, 2, 3).reshape(grad_out.shape[1], -1)


def conv_param_grads(cols1, dy, dW, db):
    """dW = dy @ cols^T (reshaped to W's shape) and db = sum over n, pixels of dy, in place.

    Computed as ``[cols; 1] @ dy^T = [dW | db]^T``: (C*kh*kw + 1, F).  This
    orientation (the long axis N*OH*OW shared, the small F last) ran 0-25%
    faster in OpenBLAS than dy @ cols^T on the benchmark shapes.
    Shapes: cols1: (K + 1, M), dy: (F, M); dW: (F, C, kh, kw), db: (F,).
    """
    dWb_t = cols1 @ dy.T
    dW[...] = dWb_t[:-1].T.reshape(dW.shape)
    db[...] = dWb_t[-1]
    return dW, db


def conv_input_grad(W, dy, x_shape, stride, padding):
    """dx = col2im(Wm^T @ dy): each window's gradient added back onto the input.

    Shapes: W: (F, C, kh, kw), dy: (F, N*OH*OW) -> dx: (N, C, H, W) = x_shape
    (channel-major in memory).  Stride 1 takes ``conv_input_grad_stride1``,
    the same sum with whole-row adds.
    """
    f, _, kh, kw = W.shape
    Wm = W.reshape(f, -1)
    if stride == 1:
        return conv_input_grad_stride1(Wm, dy, x_shape, kh, kw, padding)
    return col2im(Wm.T @ dy, x_shape, kh, kw, stride, padding)
