"""Max pooling over NCHW images.

The loops that define it: ``tinynet/kernels/naive.py``; the tuned kernels
(one pass per window offset, not per pixel): ``tinynet/kernels/pooling.py``.
"""
from .base import Layer
from .. import validation as check
from ..kernels import conv_output_size, max_pool_backward, max_pool_forward


class MaxPool2D(Layer):
    """Maximum over kh x kw windows moved by ``stride`` (default: the kernel size).

    Shapes: x: (N, C, H, W) -> y: (N, C, OH, OW),  OH = (H - kh) // s + 1
    (rows/columns that do not fill a window are dropped, as in PyTorch).

    Forward::

        y[n, c, i, j] = max_{p < kh, q < kw} x[n, c, i*s + p, j*s + q]

    Backward (routing): y equals one element of its window, x[n, c, i*s + p*, j*s + q*],
    so dy/dx is 1 there and 0 elsewhere in the window::

        dx[n, c, i*s + p*, j*s + q*] += dy[n, c, i, j]     (overlapping windows add up)

    Tie rule: (p*, q*) is the *first* maximum in row-major window order (as
    in PyTorch).  Ties are everywhere after a ReLU (zeros); giving the
    gradient to every tied element would count it several times.
    ``naive.maxpool_backward_naive`` is this rule as loops.
    """

    def __init__(self, kernel_size, stride=None, dtype=None):
        super().__init__(dtype)
        self.kernel_size = k = check.int_pair(kernel_size, "kernel_size", "MaxPool2D")
        self.stride = None if stride is None else check.positive_int(stride, "stride", "MaxPool2D")
        if self.stride is None and k[0] != k[1]:
            raise ValueError(f"MaxPool2D: a rectangular window {k} needs an explicit stride")

    @property
    def _stride(self):
        # stride=None means "windows side by side" (stride = kernel size)
        return self.stride if self.stride is not None else self.kernel_size[0]

    def forward(self, x, training=False):
        self._check_input(x, ndim=4)
        kh, kw = self.kernel_size
        if x.shape[2] < kh or x.shape[3] < kw:
            raise ValueError(f"{self!r}: input {tuple(x.shape)} is smaller than the window {self.kernel_size}")
        y, first_max = max_pool_forward(x, kh, kw, self._stride)   # window maxima
        self._cache = first_max  # where each window's first maximum is, for backward
        return y

    def backward(self, grad_out, need_input_grad=True):
        # dx: each window's dy goes to its first maximum, 0 elsewhere
        return max_pool_backward(grad_out, self._require_cache())

    def output_shape(self, input_shape):
        self._check_shape(input_shape, ndim=4)
        c, h, w = input_shape
        kh, kw = self.kernel_size
        size = lambda d, k: None if d is None else conv_output_size(d, k, self._stride, 0)
        return (c, size(h, kh), size(w, kw))

    def get_config(self):
        return {"kernel_size": list(self.kernel_size), "stride": self.stride}
