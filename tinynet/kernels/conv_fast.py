"""Convolution forward and backward by chunks of images, the chunks spread over CPU threads.

The mathematics is that of ``im2col.py`` (read that first): with the columns
``cols = [im2col(x); 1]: (C*kh*kw + 1, N*OH*OW)`` and ``Wb = [Wm | b]``,

    y          = Wb @ cols                      (F, N*OH*OW)
    [dW | db]^T = cols @ dy^T                   (C*kh*kw + 1, F)
    dx         = col2im(Wm^T @ dy)              (N, C, H, W)

Here every product is cut along the images: a chunk of ``m`` images owns the
columns ``[n0*OH*OW, n1*OH*OW)`` of cols, y and dy, and

    y[:, chunk]  = Wb @ cols[:, chunk]
    [dW | db]^T  = sum over chunks of cols[:, chunk] @ dy[:, chunk]^T
    dx[chunk]    = col2im(Wm^T @ dy[:, chunk])

Why (measured on the benchmark's 2-core machine, W4's 16->32 3x3 conv,
per-pair medians of alternating runs): one product per batch writes Wm^T @ dy
(16.5 MB) out and reads it back for col2im; per chunk of 32 images the same
block stays in the core's cache between the product and the adds (-15% CPU
time on one thread).  And instead of one 2-thread BLAS call after another,
each with a wait for both cores, the two threads take independent chunks,
each running a one-thread product and its element-wise work: -19% wall time
for the dx step on the shared machine.  Python threads run in parallel here
because NumPy and OpenBLAS release the GIL.

Determinism: the chunk size comes from the shapes only (not from the thread
count), each chunk's dW/db partial product has its own buffer and the
partials are summed in chunk order, so the result is the same with 1 or 2
threads.  On CuPy (or with one thread) the chunks run one after another in
the calling thread; CuPy gets one chunk per batch (the GPU needs no tiling).
"""
import itertools

from ..backend import array_module, device_of
from .im2col import _pad, col2im, conv_output_size, im2col
from .threads import blas_single_threaded, num_threads, parallel_for

#: the columns (and output) of one chunk are kept near this size, so a chunk's
#: product reads them from the core's L2 cache (measured: 0.5-2 MB alike)
CHUNK_BYTES = 1 << 20
#: chunk only products with at least this many rows C*kh*kw: below it (one
#: input channel: K = 9 or 25) the products are memory-bound copies, and on a
#: quiet machine the whole-batch path (a threaded im2col copy, one two-thread
#: product) measured 13-43% faster than chunks; with K = 144 (W4's second conv)
#: the chunks measured 14% faster quiet and ~40% faster under load
CHUNK_MIN_K = 64
#: images per dx chunk: Wm^T @ dy of one chunk (C*kh*kw x m*OH*Wp floats);
#: 32 images of W4's conv (2.3 MB) ran as fast as 16 and faster than 8 or 64
DX_CHUNK_BYTES = 2 << 20


def _chunks(n, per_image_bytes, budget, xp_is_numpy):
    """Fixed cut points [0, s, 2s, ..., n] from the shapes (never from the thread count)."""
    if n == 0:
        return [0, 0]             # one empty chunk: y has no columns, dW = 0
    size = n if not xp_is_numpy else max(1, min(n, budget // max(per_image_bytes, 1)))
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
    """y = Wb @ [im2col(x); 1], chunk by chunk; also fills ``cols`` for backward.

    Shapes: x: (N, C, H, W) any strides, Wb: (F, C*kh*kw + 1),
    cols: (C*kh*kw + 1, N*OH*OW) with its last row already 1 ->
    y: (F, N*OH*OW) (channel-major: reshape to (F, N, OH, OW)).
    """
    xp = array_module(x)
    n, c, h, w = x.shape
    f, k1 = Wb.shape
    if k1 - 1 < CHUNK_MIN_K or device_of(x) != "numpy":     # the whole batch at once
        im2col(x, kh, kw, stride, padding, out=cols[:k1 - 1])
        return Wb @ cols
    oh = conv_output_size(h, kh, stride, padding)
    ow = conv_output_size(w, kw, stride, padding)
    per = oh * ow
    xpad = _pad(x, padding)    # threads inside; done before the chunk threads start
    sn, sc, sh, sw = xpad.strides
    # windows[c, i, j, n, oh, ow] = xpad[n, c, oh*s + i, ow*s + j]: a view, no copy
    windows = xp.lib.stride_tricks.as_strided(
        xpad, shape=(c, kh, kw, n, oh, ow), strides=(sc, sh, sw, sn, sh * stride, sw * stride))
    dst = cols[:k1 - 1].reshape(c, kh, kw, n, oh, ow)        # a view of the buffer's rows
    y = xp.empty((f, n * per), dtype=x.dtype)
    cuts = _chunks(n, (k1 + f) * per * x.itemsize, CHUNK_BYTES, device_of(x) == "numpy")

    def body(i):
        a, b = cuts[i], cuts[i + 1]
        dst[:, :, :, a:b] = windows[:, :, :, a:b]             # this chunk's columns
        xp.matmul(Wb, cols[:, a * per:b * per], out=y[:, a * per:b * per])

    _run_chunks(body, len(cuts) - 1, x)
    return y


def conv2d_backward(dy, cols, Wm, x_shape, kh, kw, stride, padding, need_dw=True,
                    need_dx=True):
    """[dW | db]^T and dx, chunk by chunk.

    Shapes: dy: (F, N*OH*OW), cols: (C*kh*kw + 1, N*OH*OW), Wm: (F, C*kh*kw) ->
    (dWb_t: (C*kh*kw + 1, F) or None, dx: (N, C, H, W) channel-major, or None).
    """
    xp = array_module(dy)
    n, c, h, w = x_shape
    f, k = Wm.shape
    oh = conv_output_size(h, kh, stride, padding)
    ow = conv_output_size(w, kw, stride, padding)
    per = oh * ow
    is_numpy = device_of(dy) == "numpy"
    whole = k < CHUNK_MIN_K or not is_numpy
    dWb_t = None
    if whole and need_dw:                     # one product over the batch (see CHUNK_MIN_K)
        dWb_t = cols @ dy.T
        if not need_dx:
            return dWb_t, None
        if stride != 1:
            return dWb_t, col2im(Wm.T @ dy, x_shape, kh, kw, stride, padding)
        need_dw = False                       # done; dx below in one chunk
    budget = CHUNK_BYTES if not whole else float("inf")
    cuts = _chunks(n, (k + 1 + f) * per * dy.itemsize, budget, is_numpy) if need_dw else [0]
    parts = xp.empty((len(cuts) - 1, k + 1, f), dtype=dy.dtype)
    total = lambda: (parts.sum(axis=0) if len(parts) > 1 else parts[0]) if need_dw else None

    def dw_body(i):
        a, b = cuts[i], cuts[i + 1]
        xp.matmul(cols[:, a * per:b * per], dy[:, a * per:b * per].T, out=parts[i])

    if not need_dx or stride != 1:
        _run_chunks(dw_body, len(cuts) - 1, dy)
        if not need_dx:
            return total(), None
        return total(), col2im(Wm.T @ dy, x_shape, kh, kw, stride, padding)

    # Stride 1: col2im with whole-row adds.  col2im adds kh*kw shifted (OH, OW)
    # blocks, which NumPy runs as one short loop per output row (OW elements),
    # mostly loop overhead.  Here dy is first widened to rows of Wp = W + 2p
    # with zeros in the extra columns, so Wm^T @ dy yields every tap's block
    # with the padded row length, and in the flattened padded image tap
    # (i, j) is ONE contiguous add of OH*Wp elements per image, shifted by
    # i*Wp + j.  What runs past the end of a row lands in the next row's
    # first columns, but it comes from the zero columns: it adds nothing.
    hp, wp = h + 2 * padding, w + 2 * padding
    rows = oh * wp
    WmT = xp.ascontiguousarray(Wm.T)
    dy4 = dy.reshape(f, n, oh, ow)
    dxp = xp.zeros((c, n, hp * wp + kw - 1), dtype=dy.dtype)
    dx_cuts = _chunks(n, k * rows * dy.itemsize, DX_CHUNK_BYTES if not whole else float("inf"),
                      is_numpy)

    def dx_body(i):
        a, b = dx_cuts[i], dx_cuts[i + 1]
        m = b - a
        # dy of the chunk widened to rows of Wp with zeros in the extra columns
        wide = xp.zeros((f, m, oh, wp), dtype=dy.dtype)
        wide[..., :ow] = dy4[:, a:b]
        d = (WmT @ wide.reshape(f, m * rows)).reshape(c, kh, kw, m, rows)   # cache-sized
        for ki in range(kh):
            for kj in range(kw):
                start = ki * wp + kj
                dxp[:, a:b, start:start + rows] += d[:, ki, kj]

    # the big dx chunks first, then the dW chunks fill in: one threaded region
    n_dw = len(cuts) - 1
    jobs = [(dx_body, i) for i in range(len(dx_cuts) - 1)] + [(dw_body, i) for i in range(n_dw)]
    _run_chunks(lambda j: jobs[j][0](jobs[j][1]), len(jobs), dy)
    dx = dxp[:, :, :hp * wp].reshape(c, n, hp, wp)[:, :, padding:padding + h, padding:padding + w]
    return (total() if not whole else dWb_t), dx.transpose(1, 0, 2, 3)
