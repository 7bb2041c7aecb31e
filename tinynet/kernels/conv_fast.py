"""Convolution forward and backward by chunks, the chunks spread over CPU threads.

The mathematics is that of ``im2col.py`` (read that first): with the columns
``cols = [im2col(x); 1]: (C*kh*kw + 1, OH*OW*N)`` (columns in (oh, ow, n)
order: the batch innermost) and ``Wb = [Wm | b]``,

    y          = Wb @ cols                      (F, OH*OW*N)
    [dW | db]^T = cols @ dy^T                   (C*kh*kw + 1, F)
    dx         = col2im(Wm^T @ dy)              (N, C, H, W)

Here the products are cut into chunks:

* forward and dW along the output rows: a chunk of output rows [r0, r1) owns
  the columns ``[r0*OW*N, r1*OW*N)`` of cols, y and dy, and

      y[:, chunk]  = Wb @ cols[:, chunk]
      [dW | db]^T  = sum over chunks of cols[:, chunk] @ dy[:, chunk]^T

* dx along the input channels: the rows of ``Wm^T @ dy`` that belong to
  channels [c0, c1) are ``Wm[:, c0*kh*kw:c1*kh*kw]^T @ dy``, and col2im of
  them adds only into those channels of dx, so chunks never write the same
  element.

Why (measured on the benchmark's 2-core machine, W4's 16->32 3x3 conv,
per-pair medians of alternating runs): one product per batch writes Wm^T @ dy
(16.5 MB) out and reads it back for col2im; per chunk the same block stays in
the core's cache between the product and the adds (-15% CPU time on one
thread).  And instead of one 2-thread BLAS call after another, each with a
wait for both cores, the two threads take independent chunks, each running a
one-thread product and its element-wise work: -19% wall time for the dx step
on the shared machine.  Python threads run in parallel here because NumPy and
OpenBLAS release the GIL.

Determinism: the chunk sizes come from the shapes only (not from the thread
count), each chunk's dW/db partial product has its own buffer and the
partials are summed in chunk order, so the result is the same with 1 or 2
threads.  On CuPy (or with one thread) the chunks run one after another in
the calling thread; CuPy gets one chunk per batch (the GPU needs no tiling).
"""
import itertools

from ..backend import array_module, device_of
from .im2col import _pad, col2im, conv_output_size, im2col, window_view
from .threads import blas_single_threaded, num_threads, parallel_for

#: the columns (and output) of one chunk are kept near this size, so a chunk's
#: product reads them from the core's L2 cache (measured: 0.5-2 MB alike)
CHUNK_BYTES = 1 << 20
#: channels per dx chunk: the chunk's rows of Wm^T @ dy (m*kh*kw x OH*OW*N
#: floats) are kept near this size (W4's 16->32 conv: 2 channels, 1.8 MB)
DX_CHUNK_BYTES = 2 << 20


def _chunks(n, per_item_bytes, budget):
    """Fixed cut points [0, s, 2s, ..., n] from the shapes (never from the thread count)."""
    if n == 0:
        return [0, 0]             # one empty chunk: y has no columns, dW = 0
    size = max(1, min(n, budget // max(per_item_bytes, 1)))
    return list(range(0, n, size)) + [n]


def _run_chunks(body, count, like):
    """body(i) for i in range(count), over threads (each with a one-thread BLAS) when worth it.

    The threads pull the next chunk from a shared counter, so unequal chunks
    (dW and dx jobs) balance out; each chunk writes only its own outputs, so
    the result does not depend on which thread ran it.
    """
    if count < 2 or num_threads() < 2 or device_of(like) != "numpy":
        for i in range(count):
            body(i)
        return
    jobs = itertools.count()      # next() is atomic under the GIL

    def worker(_):
        for i in jobs:
            if i >= count:
                return
            body(i)

    with blas_single_threaded():
        parallel_for(worker, num_threads(), like.size, like, min_elements=0)


def conv2d_forward(x, Wb, kh, kw, stride, padding, cols):
    """y = Wb @ [im2col(x); 1], chunk by chunk of output rows; also fills ``cols`` for backward.

    Shapes: x: (N, C, H, W) any strides, Wb: (F, C*kh*kw + 1),
    cols: (C*kh*kw + 1, OH*OW*N) with its last row already 1 ->
    y: (F, OH*OW*N) (reshape to (F, OH, OW, N): batch innermost).
    """
    xp = array_module(x)
    n, c, h, w = x.shape
    f, k1 = Wb.shape
    # Every convolution is chunked on the CPU, one-channel ones included: with
    # the batch innermost their im2col copies are long runs too, and chunks
    # measured 8-17% less CPU per W4 step than one whole-batch product
    # (in the old NCHW order, rows of 28 elements, they had lost).
    if device_of(x) != "numpy":                          # the whole batch at once
        im2col(x, kh, kw, stride, padding, out=cols[:k1 - 1])
        return Wb @ cols
    oh = conv_output_size(h, kh, stride, padding)
    ow = conv_output_size(w, kw, stride, padding)
    per = ow * n                                  # columns per output row
    windows = window_view(_pad(x, padding), kh, kw, oh, ow, stride)   # pad: threads inside
    dst = cols[:k1 - 1].reshape(c, kh, kw, oh, ow, n)        # a view of the buffer's rows
    y = xp.empty((f, oh * per), dtype=x.dtype)
    cuts = _chunks(oh, (k1 + f) * per * x.itemsize, CHUNK_BYTES)

    def body(i):
        a, b = cuts[i], cuts[i + 1]
        dst[:, :, :, a:b] = windows[:, :, :, a:b]             # this chunk's columns
        xp.matmul(Wb, cols[:, a * per:b * per], out=y[:, a * per:b * per])

    _run_chunks(body, len(cuts) - 1, x)
    return y


def conv2d_backward(dy, cols, Wm, x_shape, kh, kw, stride, padding, need_dw=True,
                    need_dx=True):
    """[dW | db]^T and dx, chunk by chunk.

    Shapes: dy: (F, OH*OW*N), cols: (C*kh*kw + 1, OH*OW*N), Wm: (F, C*kh*kw) ->
    (dWb_t: (C*kh*kw + 1, F) or None, dx: (N, C, H, W) batch-innermost, or None).
    """
    xp = array_module(dy)
    n, c, h, w = x_shape
    f, k = Wm.shape
    oh = conv_output_size(h, kh, stride, padding)
    ow = conv_output_size(w, kw, stride, padding)
    if device_of(dy) != "numpy":                          # one product each over the batch
        dWb_t = cols @ dy.T if need_dw else None
        dx = col2im(Wm.T @ dy, x_shape, kh, kw, stride, padding) if need_dx else None
        return dWb_t, dx
    per = ow * n
    cuts = _chunks(oh, (k + 1 + f) * per * dy.itemsize, CHUNK_BYTES) if need_dw else [0]
    parts = xp.empty((len(cuts) - 1, k + 1, f), dtype=dy.dtype)

    def dw_body(i):
        a, b = cuts[i], cuts[i + 1]
        xp.matmul(cols[:, a * per:b * per], dy[:, a * per:b * per].T, out=parts[i])

    jobs = [(dw_body, i) for i in range(len(cuts) - 1)]
    if need_dx:
        taps = kh * kw
        WmT = Wm.T                                    # (K, F): rows of channel c are c*taps...
        hp, wp = h + 2 * padding, w + 2 * padding
        dxp = xp.zeros((c, hp, wp, n), dtype=dy.dtype)        # padded: every tap lands inside
        dx_cuts = _chunks(c, taps * oh * per * dy.itemsize, DX_CHUNK_BYTES)
        last_row, last_col = stride * (oh - 1) + 1, stride * (ow - 1) + 1

        def dx_body(i):
            a, b = dx_cuts[i], dx_cuts[i + 1]
            d = (WmT[a * taps:b * taps] @ dy).reshape(b - a, kh, kw, oh, ow, n)   # cache-sized
            for ki in range(kh):
                for kj in range(kw):
                    # rows of OW*N contiguous elements when stride == 1
                    dxp[a:b, ki:ki + last_row:stride, kj:kj + last_col:stride] += d[:, ki, kj]

        # the big dx chunks first, then the dW chunks fill in: one threaded region
        jobs = [(dx_body, i) for i in range(len(dx_cuts) - 1)] + jobs
    _run_chunks(lambda j: jobs[j][0](jobs[j][1]), len(jobs), dy)
    dWb_t = (parts.sum(axis=0) if len(parts) > 1 else parts[0]) if need_dw else None
    if not need_dx:
        return dWb_t, None
    dx = dxp[:, padding:padding + h, padding:padding + w]
    return dWb_t, dx.transpose(3, 0, 1, 2)
