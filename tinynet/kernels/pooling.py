"""Max pooling kernels, looping over the kh*kw window offsets (not over pixels).

For each kernel offset (i, j) the strided slice ``x[:, :, i::s, j::s]`` holds
that offset's element of every window at once, so a window maximum is kh*kw
element-wise maxima of whole arrays.

Tie rule (documented, and the same as PyTorch's): when several elements of a
window are equal maxima, the *first* in row-major window order wins and gets
the whole gradient.  Ties are everywhere on real MNIST (ReLU zeros over the
blank background); sending the gradient to every tied element would multiply
it (one measured conv-bias gradient came out 3.4x too large that way).
"""
from ..backend import array_module
from .im2col import conv_output_size


def _window_slices(oh, ow, kh, kw, stride):
    for i in range(kh):
        for j in range(kw):
            yield i * kw + j, (slice(i, i + stride * (oh - 1) + 1, stride),
                               slice(j, j + stride * (ow - 1) + 1, stride))


def max_pool_forward(x, kh, kw, stride):
    """Window maxima and the offset of each window's first maximum.

    Shapes: x: (N, C, H, W) -> out: (N, C, OH, OW), argmax: (N, C, OH, OW) uint8
    (offset i*kw + j inside the window).
    """
    xp = array_module(x)
    n, c, h, w = x.shape
    oh = conv_output_size(h, kh, stride, 0)
    ow = conv_output_size(w, kw, stride, 0)
    out = argmax = None
    for k, (rows, cols) in _window_slices(oh, ow, kh, kw, stride):
        candidate = x[:, :, rows, cols]
        if out is None:
            out = candidate.copy()
            argmax = xp.zeros(out.shape, dtype=xp.uint8)
            continue
        better = candidate > out  # strict: an equal later element never wins (first-max rule)
        xp.copyto(argmax, k, where=better)
        xp.maximum(out, candidate, out=out)
    return out, argmax


def max_pool_backward(grad_out, argmax, x_shape, kh, kw, stride):
    """Route each window's gradient to its first maximum.

    Shapes: grad_out, argmax: (N, C, OH, OW) -> dx: (N, C, H, W).
    Overlapping windows (stride < kernel) can share an element, so offsets
    are accumulated one at a time with ``+=`` (never duplicate-index writes).
    """
    xp = array_module(grad_out)
    dx = xp.zeros(x_shape, dtype=grad_out.dtype)
    oh, ow = grad_out.shape[2:]
    for k, (rows, cols) in _window_slices(oh, ow, kh, kw, stride):
        dx[:, :, rows, cols] += xp.where(argmax == k, grad_out, 0)
    return dx
