"""Max pooling over NCHW images."""
from .base import Layer
from .. import validation as check
from ..kernels import conv_output_size, max_pool_backward, max_pool_forward


class MaxPool2D(Layer):
    """Maximum over kh x kw windows moved by ``stride`` (default: the kernel size).

    Shapes: x: (N, C, H, W) -> y: (N, C, OH, OW),  OH = (H - kh) // s + 1
    (rows/columns that do not fill a window are dropped, as in PyTorch).

    Forward:  y = max over the window
    Backward: each window's gradient goes to its first maximum (row-major),
              the other elements get 0; overlapping windows add up.
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
        out, state = max_pool_forward(x, kh, kw, self._stride)
        self._cache = state  # the shape and the first-max positions, for backward
        return out

    def backward(self, grad_out, need_input_grad=True):
        return max_pool_backward(grad_out, self._require_cache())

    def output_shape(self, input_shape):
        self._check_shape(input_shape, ndim=4)
        c, h, w = input_shape
        kh, kw = self.kernel_size
        size = lambda d, k: None if d is None else conv_output_size(d, k, self._stride, 0)
        return (c, size(h, kh), size(w, kw))

    def get_config(self):
        return {"kernel_size": list(self.kernel_size), "stride": self.stride}
