"""im2col / col2im: turn a convolution into one matrix product.

For an input ``x: (N, C, H, W)``, a kernel (kh, kw), a stride s and zero
padding p, every output pixel (n, oh, ow) sees the window

    xpad[n, c, oh*s + i, ow*s + j]     for i < kh, j < kw

im2col lays these windows out as the columns of *one* matrix,

    cols: (C*kh*kw, OH*OW*N),  row c*kh*kw + i*kw + j,  column oh*OW*N + ow*N + n

so the whole batch's convolution is a single product ``Wm @ cols`` with
``Wm = W.reshape(F, C*kh*kw)``, whose result ``(F, OH*OW*N)`` is the output
with the channel axis first and the batch axis last in memory ("CHWN").
Why this layout (measured, float32, MNIST-sized batches): one large product
runs 2-3x faster than N small per-image ones; the backward products
``dy @ cols.T`` (for dW) and ``Wm.T @ dy`` (for dx) need no transposed
copies of the big arrays; and with the batch innermost, every copy and add
of im2col, col2im and max pooling moves runs of OW*N (or N) contiguous
elements.  In the NCHW order those runs are one image row, OW = 14 or 28
elements, and NumPy spends most of such a pass in per-row loop overhead
(measured: im2col + product + pool + col2im of W4's and W3's convolutions
9-41% less CPU time with the batch innermost).

The windows are read through a *strided view* of the (padded) input, no
Python loop over pixels, and copied once into the contiguous ``cols``.  The
padded input is made batch-innermost first (one copy, which the padding
needs anyway), so the view reads contiguous runs for any layout of ``x``.

col2im is its adjoint: each column's gradient is added back onto the window it
came from.  Why that is the gradient: im2col is linear, cols = A x with A a 0/1
matrix (each entry of cols copies one element of x), and for every G

    <im2col(x), G> = <A x, G> = <x, A^T G> = <x, col2im(G)>

so col2im = A^T, and dL/dx = A^T dL/dcols = col2im(dL/dcols).  The tests check
this identity on random x and G (``naive.col2im_naive`` is the loop version).  Windows overlap when s < k, so the additions must accumulate; we
loop over the kh*kw kernel offsets and add one strided slice at a time, which
is deterministic and never writes one element twice in one operation (unlike
``add.at`` or duplicate-index assignment, whose result CuPy leaves undefined).
"""
from ..backend import array_module
from .threads import parallel_for


def conv_output_size(size, kernel, stride, padding):
    """floor((size + 2p - k) / s) + 1, the number of window positions."""
    return (size + 2 * padding - kernel) // stride + 1


def batch_innermost(x):
    """True when x: (N, ...) is a view of a contiguous (..., N) array (for images: the CHWN layout)."""
    return x.transpose(*range(1, x.ndim), 0).flags.c_contiguous


def _pad(x, padding):
    """Zero-padded copy of x: (N, C, H+2p, W+2p), batch-innermost (CHWN) in memory.

    With p = 0, x itself when it is CHWN already, else a CHWN copy.
    """
    if padding == 0 and batch_innermost(x):
        return x
    xp = array_module(x)
    n, c, h, w = x.shape
    # Allocated (C, Hp, Wp, N) and viewed as (N, C, Hp, Wp): im2col then reads
    # runs of OW*N contiguous elements.
    out = (xp.zeros if padding else xp.empty)((c, h + 2 * padding, w + 2 * padding, n), dtype=x.dtype)
    src = x.transpose(1, 2, 3, 0)

    def body(sl):  # input rows sl (the threads split the rows)
        rows = slice(padding + sl.start, padding + sl.stop)
        out[:, rows, padding:padding + w] = src[:, sl]

    parallel_for(body, h, x.size, x)
    return out.transpose(3, 0, 1, 2)


def window_view(xpad, kh, kw, oh, ow, stride):
    """windows[c, i, j, oh, ow, n] = xpad[n, c, oh*s + i, ow*s + j]: a strided view, no copy."""
    xp = array_module(xpad)
    n, c = xpad.shape[:2]
    sn, sc, sh, sw = xpad.strides
    return xp.lib.stride_tricks.as_strided(
        xpad, shape=(c, kh, kw, oh, ow, n), strides=(sc, sh, sw, sh * stride, sw * stride, sn))


def im2col(x, kh, kw, stride=1, padding=0, out=None):
    """Windows of ``x`` as the columns of one matrix.

    Shapes: x: (N, C, H, W), any strides -> cols: (C*kh*kw, OH*OW*N).
    ``out``: optional contiguous (C*kh*kw, OH*OW*N) array to fill (e.g. the
    first rows of a larger buffer).  Returns ``(cols, (OH, OW))``.
    """
    xp = array_module(x)
    n, c, h, w = x.shape
    oh = conv_output_size(h, kh, stride, padding)
    ow = conv_output_size(w, kw, stride, padding)
    windows = window_view(_pad(x, padding), kh, kw, oh, ow, stride)
    if out is None:
        out = xp.empty((c * kh * kw, oh * ow * n), dtype=x.dtype)
    dst = out.reshape(c, kh, kw, oh, ow, n)

    def body(sl):  # output rows sl
        dst[:, :, :, sl] = windows[:, :, :, sl]  # the one copy

    parallel_for(body, oh, out.size, x)
    return out, (oh, ow)


def _clip(offset, size, out_size, stride, padding):
    """Output positions whose tap at kernel ``offset`` lands inside [0, size), and where.

    Tap of output o: o*s + offset - p.  Returns (first o, last o + 1, first tap).
    """
    lo = max(0, -(-(padding - offset) // stride))                  # ceil((p - offset) / s)
    hi = min(out_size, (size - 1 + padding - offset) // stride + 1)
    return lo, hi, lo * stride + offset - padding


def col2im(dcols, x_shape, kh, kw, stride=1, padding=0):
    """Adjoint of im2col: sum each column's gradient back onto its window.

    Shapes: dcols: (C*kh*kw, OH*OW*N) -> dx: (N, C, H, W) (x_shape), batch-innermost
    (CHWN) in memory like the columns.  Taps that fall into the zero padding are
    dropped (their gradient belongs to no input element).
    """
    xp = array_module(dcols)
    n, c, h, w = x_shape
    oh = conv_output_size(h, kh, stride, padding)
    ow = conv_output_size(w, kw, stride, padding)
    d = dcols.reshape(c, kh, kw, oh, ow, n)
    taps = []
    for i in range(kh):
        r0, r1, hr = _clip(i, h, oh, stride, padding)
        for j in range(kw):
            c0, c1, wc = _clip(j, w, ow, stride, padding)
            if r1 > r0 and c1 > c0:
                rows = slice(hr, hr + stride * (r1 - r0 - 1) + 1, stride)
                cols = slice(wc, wc + stride * (c1 - c0 - 1) + 1, stride)
                covers_all = (rows.stop - rows.start == h and cols.stop - cols.start == w
                              and stride == 1)
                taps.append((covers_all, (i, j, r0, r1, c0, c1), (rows, cols)))
    # An offset whose taps cover every input element (stride 1 with 'same'
    # padding has one) is written first by assignment: no zero-fill pass.
    taps.sort(key=lambda t: not t[0])
    if taps and taps[0][0]:
        dx = xp.empty((c, h, w, n), dtype=dcols.dtype)
    else:
        dx = xp.zeros((c, h, w, n), dtype=dcols.dtype)

    def body(sl):  # channels sl: each writes only its own channels
        for k, (covers_all, (i, j, r0, r1, c0, c1), (rows, cols)) in enumerate(taps):
            src = d[sl, i, j, r0:r1, c0:c1]
            if k == 0 and covers_all:
                dx[sl] = src
            else:
                dx[sl, rows, cols] += src  # one kernel offset at a time

    parallel_for(body, c, dcols.size, dcols)
    return dx.transpose(3, 0, 1, 2)
