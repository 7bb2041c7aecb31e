"""Shape-only layers: Flatten and Reshape (views, no copies when possible)."""
import math

from .base import Layer
from .. import validation as check
from ..kernels.im2col import batch_innermost


class Flatten(Layer):
    """(N, d1, d2, ...) -> (N, d1*d2*...);  backward reshapes the gradient back.

    The features of image n are x[n] in row-major (c, h, w) order, whatever
    x's memory layout.  For the batch-innermost arrays Conv2D returns
    ((C, H, W, N) in memory) that matrix already exists, transposed: the
    output is the free view ``x.transpose(1, 2, 3, 0).reshape(-1, N).T``,
    whose memory is (C*H*W, N); Dense multiplies it as it is (BLAS reads a
    transposed operand at no cost).  Otherwise NumPy's reshape, a copy only
    when the layout needs one.
    """

    def forward(self, x, training=False):
        self._check_input(x)
        if x.ndim < 2:
            raise ValueError(f"{self!r}: expected input of shape (N, ...) with at least 2 "
                             f"dimensions, got {tuple(x.shape)}")
        n = x.shape[0]
        batch_last = x.ndim > 2 and n > 1 and batch_innermost(x)
        self._cache = (x.shape, batch_last)
        if batch_last:
            return x.transpose(*range(1, x.ndim), 0).reshape(-1, n).T     # a view
        return x.reshape(n, -1)

    def backward(self, grad_out, need_input_grad=True):
        shape, batch_last = self._require_cache()
        if batch_last:   # hand the gradient back in the layout x had (a view when grad_out allows)
            return grad_out.T.reshape(*shape[1:], shape[0]).transpose(len(shape) - 1, *range(len(shape) - 1))
        return grad_out.reshape(shape)

    def output_shape(self, input_shape):
        if any(d is None for d in input_shape):
            return (None,)
        return (math.prod(input_shape),)


class Reshape(Layer):
    """(N, *in_shape) -> (N, *target_shape), e.g. Reshape((1, 28, 28)) after a decoder."""

    def __init__(self, target_shape, dtype=None):
        super().__init__(dtype)
        if not isinstance(target_shape, (tuple, list)) or not target_shape:
            raise TypeError(f"Reshape: target_shape must be a non-empty tuple of ints, got {target_shape!r}")
        self.target_shape = tuple(check.positive_int(d, f"target_shape[{i}]", "Reshape")
                                  for i, d in enumerate(target_shape))

    def forward(self, x, training=False):
        self._check_input(x)
        if x.ndim < 1 or math.prod(x.shape[1:]) != math.prod(self.target_shape):
            raise ValueError(f"{self!r}: cannot reshape input of shape {tuple(x.shape)} to "
                             f"(N, {', '.join(map(str, self.target_shape))}): sizes differ")
        self._cache = x.shape
        return x.reshape((x.shape[0],) + self.target_shape)

    def backward(self, grad_out, need_input_grad=True):
        return grad_out.reshape(self._require_cache())

    def output_shape(self, input_shape):
        if None not in input_shape and math.prod(input_shape) != math.prod(self.target_shape):
            raise ValueError(f"{self!r}: cannot reshape input of shape (N, "
                             f"{', '.join(map(str, input_shape))}) to (N, "
                             f"{', '.join(map(str, self.target_shape))}): sizes differ")
        return self.target_shape

    def get_config(self):
        return {"target_shape": list(self.target_shape)}
