"""Max pooling kernels, looping over the kh*kw window offsets (not over pixels).

For each kernel offset (i, j) the strided slice ``x[:, :, i::s, j::s]`` holds
that offset's element of every window at once, so a window maximum is kh*kw
element-wise maxima of whole arrays.

Routing: a window's maximum equals one of its elements, so its derivative is 1
for that element and 0 for the others: the window's gradient goes there, and
overlapping windows add up (``naive.maxpool_backward_naive`` as loops).

Tie rule (documented, and the same as PyTorch's): when several elements of a
window are equal maxima, the *first* in row-major window order wins and gets
the whole gradient.  Ties are everywhere on real MNIST (ReLU zeros over the
blank background); sending the gradient to every tied element would multiply
it (one measured conv-bias gradient came out 3.4x too large that way).

How the rule is kept: the offsets are scanned in row-major order and offset k
takes the lead only when it is *strictly* greater than the maximum so far
(``better[k]``).  The winner of a window is therefore the last k whose
``better[k]`` is true (offset 0 if none).  Backward walks the offsets in
reverse: offset k receives the gradient still unclaimed where ``better[k]``,
and claims it.  Each window's gradient lands on exactly one element.

Speed notes (NumPy, measured): element-wise operations on contiguous arrays
run as one long loop, 5-10x faster than on stride-2 slices, so each offset's
slice is first copied into one contiguous buffer.  The (N, C) axes are merged
into one axis of "planes" in the order they have in memory, so channel-major
inputs (what Conv2D returns) stay channel-major without a transposing copy,
and the planes are split over CPU threads (see threads.py).
When the windows tile the image (stride == kernel size, the usual case) every
input element belongs to one window and dx is written, not accumulated.
"""
from ..backend import array_module
from .im2col import conv_output_size
from .threads import parallel_for


def _planes(x):
    """(N, C, H, W) -> ((B, H, W) in memory order, channel_major flag)."""
    n, c, h, w = x.shape
    channel_major = c > 1 and n > 1 and abs(x.strides[1]) > abs(x.strides[0])
    xt = x.transpose(1, 0, 2, 3) if channel_major else x
    return xt.reshape(n * c, h, w), channel_major   # a view for the usual layouts


def _unplanes(p, n, c, channel_major):
    """Inverse of _planes for a (B, H', W') result: a (N, C, H', W') view."""
    if channel_major:
        return p.reshape(c, n, *p.shape[1:]).transpose(1, 0, 2, 3)
    return p.reshape(n, c, *p.shape[1:])


def _offsets(oh, ow, kh, kw, stride):
    """(rows, cols) slices of each window offset, in row-major window order."""
    for i in range(kh):
        for j in range(kw):
            yield (slice(i, i + stride * (oh - 1) + 1, stride),
                   slice(j, j + stride * (ow - 1) + 1, stride))


def max_pool_forward(x, kh, kw, stride):
    """Window maxima and what backward needs to route the gradient.

    Shapes: x: (N, C, H, W) -> out: (N, C, OH, OW); returns (out, state) with
    state = (x.shape, dtype, layout, kernel, stride, better masks).
    """
    xp = array_module(x)
    n, c, h, w = x.shape
    oh = conv_output_size(h, kh, stride, 0)
    ow = conv_output_size(w, kw, stride, 0)
    planes, channel_major = _planes(x)
    b = n * c
    offsets = list(_offsets(oh, ow, kh, kw, stride))
    out = xp.empty((b, oh, ow), dtype=x.dtype)
    better = [xp.empty((b, oh, ow), dtype=bool) for _ in offsets[1:]]

    def body(sl):  # planes sl; the threads split the planes
        mine = out[sl]
        candidate = xp.empty_like(mine)
        for k, (rows, cols) in enumerate(offsets):
            if k == 0:
                mine[...] = planes[sl, rows, cols]
                continue
            candidate[...] = planes[sl, rows, cols]   # contiguous copy of the strided slice
            # strict: ties keep the earlier element (the first-max rule)
            xp.greater(candidate, mine, out=better[k - 1][sl])
            xp.maximum(mine, candidate, out=mine)

    parallel_for(body, b, x.size, x)
    state = (x.shape, x.dtype, channel_major, (kh, kw), stride, better)
    return _unplanes(out, n, c, channel_major), state


def max_pool_backward(grad_out, state):
    """Route each window's gradient to its first maximum.

    Shapes: grad_out: (N, C, OH, OW) -> dx: (N, C, H, W), same layout as x.
    """
    xp = array_module(grad_out)
    (n, c, h, w), dtype, channel_major, (kh, kw), stride, better = state
    oh, ow = grad_out.shape[2:]
    g = (grad_out.transpose(1, 0, 2, 3) if channel_major else grad_out).reshape(n * c, oh, ow)
    tiled = stride == kh and stride == kw            # each element in exactly one window
    covered = tiled and oh * kh == h and ow * kw == w
    dx = xp.empty((n * c, h, w), dtype=dtype) if covered else xp.zeros((n * c, h, w), dtype=dtype)
    offsets = list(_offsets(oh, ow, kh, kw, stride))

    def body(sl):
        unclaimed = xp.array(g[sl], dtype=dtype, order="C")    # a copy we may modify
        scratch = xp.empty_like(unclaimed)
        for k in range(len(offsets) - 1, -1, -1):   # last offset first: it wins when better
            rows, cols = offsets[k]
            if k == 0:
                share = unclaimed                    # what no later offset claimed
            else:
                # gradient of the windows offset k leads, then claimed
                share = xp.multiply(unclaimed, better[k - 1][sl], out=scratch)
                unclaimed -= share                   # (exact: g - g = 0, g - 0 = g)
            if tiled:
                dx[sl, rows, cols] = share           # disjoint slices: write, no zero-fill
            else:
                dx[sl, rows, cols] += share          # overlapping windows accumulate

    parallel_for(body, n * c, dx.size, grad_out)
    return _unplanes(dx, n, c, channel_major)
