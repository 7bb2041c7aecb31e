"""im2col / col2im: turn a convolution into one matrix product.

For an input ``x: (N, C, H, W)``, a kernel (kh, kw), a stride s and zero
padding p, every output pixel (oh, ow) sees the window

    xpad[n, c, oh*s + i, ow*s + j]     for i < kh, j < kw

im2col lays these windows out as columns, ``cols: (N, C*kh*kw, OH*OW)``, so
the convolution of every image is ``W.reshape(F, C*kh*kw) @ cols[n]``.  The
windows are read through a *strided view* of the padded input (no Python loop
over pixels) and copied once into a contiguous array.

col2im is its adjoint: each column's gradient is added back onto the window it
came from.  Windows overlap when s < k, so the additions must accumulate; we
loop over the kh*kw kernel offsets and add one strided slice at a time, which
is deterministic and never writes one element twice in one operation (unlike
``add.at`` or duplicate-index assignment, whose result CuPy leaves undefined).
"""
from ..backend import array_module


def conv_output_size(size, kernel, stride, padding):
    """floor((size + 2p - k) / s) + 1, the number of window positions."""
    return (size + 2 * padding - kernel) // stride + 1


def _pad(x, padding):
    if padding == 0:
        return x
    xp = array_module(x)
    n, c, h, w = x.shape
    out = xp.zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=x.dtype)
    out[:, :, padding:padding + h, padding:padding + w] = x
    return out


def im2col(x, kh, kw, stride=1, padding=0):
    """Windows of ``x`` as columns.

    Shapes: x: (N, C, H, W) -> cols: (N, C*kh*kw, OH*OW), row index c*kh*kw + i*kw + j.
    Returns ``(cols, (OH, OW))``.
    """
    xp = array_module(x)
    n, c, h, w = x.shape
    oh = conv_output_size(h, kh, stride, padding)
    ow = conv_output_size(w, kw, stride, padding)
    xpad = _pad(x, padding)
    sn, sc, sh, sw = xpad.strides
    # windows[n, c, i, j, oh, ow] = xpad[n, c, oh*s + i, ow*s + j]: a view, no copy
    windows = xp.lib.stride_tricks.as_strided(
        xpad, shape=(n, c, kh, kw, oh, ow),
        strides=(sn, sc, sh, sw, sh * stride, sw * stride))
    cols = xp.ascontiguousarray(windows).reshape(n, c * kh * kw, oh * ow)
    return cols, (oh, ow)


def col2im(dcols, x_shape, kh, kw, stride=1, padding=0):
    """Adjoint of im2col: sum each column's gradient back onto its window.

    Shapes: dcols: (N, C*kh*kw, OH*OW) -> dx: (N, C, H, W) (x_shape).
    """
    xp = array_module(dcols)
    n, c, h, w = x_shape
    oh = conv_output_size(h, kh, stride, padding)
    ow = conv_output_size(w, kw, stride, padding)
    d = dcols.reshape(n, c, kh, kw, oh, ow)
    dxpad = xp.zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=dcols.dtype)
    for i in range(kh):
        rows = slice(i, i + stride * (oh - 1) + 1, stride)
        for j in range(kw):
            cols = slice(j, j + stride * (ow - 1) + 1, stride)
            dxpad[:, :, rows, cols] += d[:, :, i, j]  # one kernel offset at a time
    if padding == 0:
        return dxpad
    return dxpad[:, :, padding:padding + h, padding:padding + w]
