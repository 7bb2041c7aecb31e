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

Layouts: the kernels see x as (A, H, W, B) in its own memory order, A the
outer axis and B the inner one: (C, H, W, N) for the batch-innermost arrays
Conv2D returns (runs of N elements), (N*C, H, W, 1) or (C*N, H, W, 1) for
NCHW-like ones.  Output and gradient keep x's layout, so no transposing copy
is made, and the threads split the A axis (see threads.py).

Speed notes (NumPy, measured): element-wise operations on contiguous arrays
run as one long loop, 5-10x faster than on stride-2 slices, so each offset's
slice is first copied into one contiguous buffer.  When the windows tile the
image (stride == kernel size, the usual case) every input element belongs to
one window and dx is written, not accumulated.

Tiled windows, separably (``_tiled_forward``): when the k x k windows tile
whole planes (stride == k, H and W multiples of k), the window maximum is
taken in two stages, first across the k columns of each window row, then
across the k rows.  Why: the column stage reads the planes as one long
(A*H*OW, k, B) array, whose column j is a single strided run over the whole
batch, so each pass is one long loop (B = 1) or loops of N elements, never
rows of OW (W3's and W4's pools: 13 or 14 elements, mostly loop overhead);
backward measured 10-30% less CPU time that way.  The first-max rule
survives the split: within a window row the strict ``>`` keeps the first
column, and a later row takes the lead only when its maximum is strictly
greater, so the winner is the first maximum in row-major order.
"""
from ..backend import array_module
from .im2col import conv_output_size
from .threads import parallel_for


def _planes(x):
    """(N, C, H, W) -> ((A, H, W, B) view in memory order, layout tag).

    "chwn": batch innermost (what Conv2D returns), A = C, B = N;
    "cnhw": channel-major, A = C*N, B = 1; "nchw": A = N*C, B = 1.
    """
    n, c, h, w = x.shape
    sn, sc = abs(x.strides[0]), abs(x.strides[1])
    if n > 1 and sn < min(abs(x.strides[2]) if h > 1 else sn + 1, abs(x.strides[3]) if w > 1 else sn + 1):
        return x.transpose(1, 2, 3, 0), "chwn"
    if c > 1 and n > 1 and sc > sn:
        return x.transpose(1, 0, 2, 3).reshape(c * n, h, w, 1), "cnhw"
    return x.reshape(n * c, h, w, 1), "nchw"    # a view for the usual layouts


def _as_layout(g, layout):
    """A (N, C, H', W') gradient as (A, H', W', B) planes of ``layout`` (a view when it matches)."""
    n, c, h, w = g.shape
    if layout == "chwn":
        return g.transpose(1, 2, 3, 0)
    if layout == "cnhw":
        return g.transpose(1, 0, 2, 3).reshape(c * n, h, w, 1)
    return g.reshape(n * c, h, w, 1)


def _unplanes(p, n, c, layout):
    """Inverse of _planes for an (A, H', W', B) result: a (N, C, H', W') view."""
    if layout == "chwn":
        return p.transpose(3, 0, 1, 2)
    p = p.reshape(p.shape[:3])
    if layout == "cnhw":
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

    Shapes: x: (N, C, H, W) -> out: (N, C, OH, OW) in x's layout; returns
    (out, state) with state = (x.shape, dtype, layout, kernel, stride, masks).
    """
    xp = array_module(x)
    n, c, h, w = x.shape
    oh = conv_output_size(h, kh, stride, 0)
    ow = conv_output_size(w, kw, stride, 0)
    planes, layout = _planes(x)
    a, bn = planes.shape[0], planes.shape[3]
    if _tiles(planes, kh, kw, stride):
        out, masks = _tiled_forward(planes, kh)
        state = (x.shape, x.dtype, layout, (kh, kw), stride, ("tiled", masks))
        return _unplanes(out, n, c, layout), state
    offsets = list(_offsets(oh, ow, kh, kw, stride))
    out = xp.empty((a, oh, ow, bn), dtype=x.dtype)
    better = [xp.empty((a, oh, ow, bn), dtype=bool) for _ in offsets[1:]]

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

    parallel_for(body, a, x.size, x)
    state = (x.shape, x.dtype, layout, (kh, kw), stride, better)
    return _unplanes(out, n, c, layout), state


def max_pool_backward(grad_out, state):
    """Route each window's gradient to its first maximum.

    Shapes: grad_out: (N, C, OH, OW) -> dx: (N, C, H, W), same layout as x.
    """
    xp = array_module(grad_out)
    (n, c, h, w), dtype, layout, (kh, kw), stride, better = state
    g = _as_layout(grad_out, layout)
    a, oh, ow, bn = g.shape
    shape = (a, h, w, bn) if layout == "chwn" else (a, h, w, 1)
    if isinstance(better, tuple) and better[0] == "tiled":
        return _unplanes(_tiled_backward(g, better[1], shape, dtype, kh), n, c, layout)
    tiled = stride == kh and stride == kw            # each element in exactly one window
    covered = tiled and oh * kh == h and ow * kw == w
    dx = xp.empty(shape, dtype=dtype) if covered else xp.zeros(shape, dtype=dtype)
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

    parallel_for(body, a, dx.size, grad_out)
    return _unplanes(dx, n, c, layout)


def _tiles(planes, kh, kw, stride):
    """True when k x k windows with stride k tile contiguous planes exactly (the separable path)."""
    a, h, w, _ = planes.shape
    return (kh == kw == stride and kh > 1 and h % kh == 0 and w % kw == 0 and a > 0
            and planes.flags.c_contiguous)


def _first_max(candidates, out, masks):
    """out = max of candidates (first max wins); masks[k-1] = candidate k strictly led so far."""
    xp = array_module(out)
    xp.greater(candidates[1], candidates[0], out=masks[0])    # strict: ties keep the first
    xp.maximum(candidates[0], candidates[1], out=out)
    for k in range(2, len(candidates)):
        xp.greater(candidates[k], out, out=masks[k - 1])
        xp.maximum(out, candidates[k], out=out)


def _route(unclaimed, masks, targets):
    """targets[k] = the part of ``unclaimed`` that candidate k won (reverse of _first_max).

    The last candidate whose mask is set led last, so it won: walk backwards,
    each candidate claims what is still unclaimed where its mask is set.
    ``unclaimed`` is used up (modified in place).
    """
    xp = array_module(unclaimed)
    for k in range(len(targets) - 1, 0, -1):
        xp.multiply(unclaimed, masks[k - 1], out=targets[k])
        if k > 1:
            unclaimed -= targets[k]                 # exact: g - g = 0, g - 0 = g
        else:
            xp.subtract(unclaimed, targets[1], out=targets[0])


def _tiled_forward(planes, k):
    """Separable max over tiling k x k windows: planes (A, H, W, B) contiguous -> (A, OH, OW, B)."""
    xp = array_module(planes)
    a, h, w, bn = planes.shape
    oh, ow = h // k, w // k
    colmax = xp.empty((a, h, ow, bn), dtype=planes.dtype)   # max over each window row
    out = xp.empty((a, oh, ow, bn), dtype=planes.dtype)
    col_masks = [xp.empty((a, h, ow, bn), dtype=bool) for _ in range(k - 1)]
    row_masks = [xp.empty((a, oh, ow, bn), dtype=bool) for _ in range(k - 1)]

    def body(sl):
        # columns: (A*H*OW, k, B), one window row per row; column j is one long strided run
        cols = planes[sl].reshape(-1, k, bn)
        _first_max([cols[:, j] for j in range(k)], colmax[sl].reshape(-1, bn),
                   [m[sl].reshape(-1, bn) for m in col_masks])
        # rows: (A*OH, k, OW*B), window row i of every window
        rows = colmax[sl].reshape(-1, k, ow * bn)
        _first_max([rows[:, i] for i in range(k)], out[sl].reshape(-1, ow * bn),
                   [m[sl].reshape(-1, ow * bn) for m in row_masks])

    parallel_for(body, a, planes.size, planes)
    return out, (col_masks, row_masks)


def _tiled_backward(g, masks, shape, dtype, k):
    """Reverse of _tiled_forward: g (A, OH, OW, B) -> dx (A, H, W, B), each window's g on its first max."""
    xp = array_module(g)
    col_masks, row_masks = masks
    a, h, w, bn = shape
    ow = w // k
    dcol = xp.empty((a, h, ow, bn), dtype=dtype)             # gradient of each window row's max
    dx = xp.empty(shape, dtype=dtype)                        # tiled: every element written once

    def body(sl):
        unclaimed = xp.array(g[sl], dtype=dtype, order="C").reshape(-1, ow * bn)  # ours to modify
        rows = dcol[sl].reshape(-1, k, ow * bn)
        _route(unclaimed, [m[sl].reshape(-1, ow * bn) for m in row_masks], [rows[:, i] for i in range(k)])
        cols = dx[sl].reshape(-1, k, bn)
        _route(dcol[sl].reshape(-1, bn), [m[sl].reshape(-1, bn) for m in col_masks],
               [cols[:, j] for j in range(k)])

    parallel_for(body, a, a * h * w * bn, g)
    return dx
