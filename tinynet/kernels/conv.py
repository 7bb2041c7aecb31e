"""Convolution as one matrix product over im2col columns: the tuned pieces of Conv2D.

The math (``naive.py`` has it as loops), with cols = im2col(x): (K, M),
K = C*kh*kw, M = OH*OW*N, Wm = W.reshape(F, K) and dy: (F, M)::

    y  = Wm @ cols + b           dW = dy @ cols^T      db = sum_m dy      dx = col2im(Wm^T @ dy)

What the functions here add, each for a measured reason:

* The bias rides inside the product: ``cols`` gets one extra row of ones and
  Wm one extra column b, so ``[Wm | b] @ [cols; 1] = Wm @ cols + b`` adds the
  bias for free, and in backward ``[cols; 1] @ dy^T = [dW | db]^T`` yields both
  gradients from one product.
* The columns buffer (the largest array of a CNN step) is reused from step to
  step while its shape stays the same: no allocation per step.
* y comes out of the product as (F, OH, OW, N) and is returned as a
  transposed *view* (N, F, OH, OW) (batch innermost in memory, "CHWN"):
  transposing to NCHW would copy the largest activation every step, backward
  wants exactly this layout back (``grad_rows`` is then a free reshape), and
  the layers in between (ReLU, max pooling, batch norm) keep it, with runs of
  N elements instead of image rows (see ``im2col.py``).
* The products, im2col and col2im run by chunks sized to stay in the cache,
  spread over threads, each with a one-thread BLAS, and the backward's two
  products share one threaded region (``conv_fast.py``), bit-identical for
  any thread count.
"""
from ..backend import array_module
from .conv_fast import conv2d_backward, conv2d_forward


def _columns_buffer(x, rows, m, reuse):
    """A (rows, m) buffer whose last row is ones: ``reuse`` when it still fits."""
    xp = array_module(x)
    if (reuse is None or reuse.shape != (rows, m) or reuse.dtype != x.dtype
            or array_module(reuse) is not xp):
        reuse = xp.empty((rows, m), dtype=x.dtype)
        reuse[-1] = 1   # the bias row; im2col only ever writes the rows above it
    return reuse


def conv_forward(x, W, b, stride, padding, reuse=None):
    """y = Wm @ im2col(x) + b, as [Wm | b] @ [cols; 1].

    Shapes: x: (N, C, H, W), W: (F, C, kh, kw), b: (F,) -> y: (N, F, OH, OW),
    a view of the (F, OH*OW*N) product (batch innermost); also returns cols1 =
    [im2col(x); 1]: (C*kh*kw + 1, OH*OW*N), for backward (pass it back as
    ``reuse`` next step: it is refilled in place while its shape fits).
    """
    xp = array_module(x)
    n, _, h, w = x.shape
    f, c, kh, kw = W.shape
    oh = (h + 2 * padding - kh) // stride + 1
    ow = (w + 2 * padding - kw) // stride + 1
    cols1 = _columns_buffer(x, c * kh * kw + 1, n * oh * ow, reuse)
    Wb = xp.concatenate([W.reshape(f, -1), b[:, None]], axis=1)          # (F, K + 1)
    y = conv2d_forward(x, Wb, kh, kw, stride, padding, cols1)           # (F, OH*OW*N)
    return y.reshape(f, oh, ow, n).transpose(3, 0, 1, 2), cols1


def grad_rows(grad_out):
    """dy as a matrix, (N, F, OH, OW) -> (F, OH*OW*N).

    A free reshape of the batch-innermost gradient the layers above return; a
    copy only for other layouts.
    """
    return grad_out.transpose(1, 2, 3, 0).reshape(grad_out.shape[1], -1)


def conv_backward(dy, cols1, W, x_shape, stride, padding, dW=None, db=None, need_dx=True):
    """dW = dy @ cols^T and db = sum of dy (in place, when given), and dx = col2im(Wm^T @ dy).

    The parameter gradients come from one product, ``[cols; 1] @ dy^T =
    [dW | db]^T``: (C*kh*kw + 1, F); this orientation (the long axis shared,
    the small F last) ran 0-25% faster in OpenBLAS than dy @ cols^T.
    Shapes: dy: (F, OH*OW*N), cols1: (K + 1, OH*OW*N), W, dW: (F, C, kh, kw),
    db: (F,) -> dx: (N, C, H, W) = x_shape (batch innermost), or None.
    """
    f, _, kh, kw = W.shape
    k = W.size // f
    dWb_t, dx = conv2d_backward(dy, cols1, W.reshape(f, k), x_shape, kh, kw, stride, padding,
                                need_dw=dW is not None, need_dx=need_dx)
    if dW is not None:
        dW[...] = dWb_t[:k].T.reshape(dW.shape)
        db[...] = dWb_t[k]
    return dx
