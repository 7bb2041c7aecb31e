"""2-D convolution (cross-correlation, like every framework) through im2col.

The loops that define it: ``tinynet/kernels/naive.py``; the tuned matrix
products: ``tinynet/kernels/conv.py``.
"""
from .base import Layer
from .. import backend
from .. import regularizers as _regularizers
from .. import validation as check
from ..kernels import conv_output_size
from ..kernels.conv import conv_backward, conv_forward, grad_rows


# Said when flat (N, 784) images reach a convolution: the usual mix-up.
_FLAT_HINT = ("images must be NCHW; for MNIST use load_mnist(flatten=False) or "
              "X.reshape(-1, 1, 28, 28)")


class Conv2D(Layer):
    """Convolution over NCHW images.

    Shapes:
        x: (N, C, H, W) -> y: (N, F, OH, OW),  OH = (H + 2p - kh) // s + 1
        W: (F, C, kh, kw)  (PyTorch's layout),  b: (F,)

    The math, as loops in ``tinynet/kernels/naive.py`` (read that first)::

        y[n, f, i, j] = sum_{c, p, q} xpad[n, c, i*s + p, j*s + q] * W[f, c, p, q] + b[f]

    As one matrix product, with cols = im2col(x): (C*kh*kw, OH*OW*N) (each
    output pixel's window as a column) and Wm = W.reshape(F, C*kh*kw)::

        forward:   y  = Wm @ cols + b
        backward:  dW = dy @ cols^T       (dy: (F, OH*OW*N); y is linear in Wm)
                   db = sum over n and pixels of dy
                   dx = col2im(Wm^T @ dy) (col2im is im2col's transpose, so
                                           it is the gradient; see naive.col2im_naive)

    The tuned versions of these lines (bias folded into the product, a reused
    columns buffer, a batch-innermost output view, chunks over threads) are the
    kernels in ``tinynet/kernels/conv.py``; the tests check them against the
    loops.  Memory layout: y is returned as a transposed *view* with shape
    (N, F, OH, OW) of an (F, OH, OW, N) array (the batch innermost in memory, so
    that every copy and add moves runs of N elements); values and shape are the
    NCHW ones.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, *,
                 init="auto", regularizer=None, dtype=None, seed=0):
        super().__init__(dtype)
        self.in_channels = check.positive_int(in_channels, "in_channels", "Conv2D")
        self.out_channels = check.positive_int(out_channels, "out_channels", "Conv2D")
        self.kernel_size = check.int_pair(kernel_size, "kernel_size", "Conv2D")
        self.stride = check.positive_int(stride, "stride", "Conv2D")
        self.padding = check.non_negative_int(padding, "padding", "Conv2D")
        self.init, self.regularizer = init, _regularizers.check(regularizer, "Conv2D")
        self._cols = None  # the im2col buffer, reused from step to step (kernels/conv.py)
        self.reset_parameters(backend.host_generator(seed))

    def reset_parameters(self, rng, activation=None):
        kh, kw = self.kernel_size
        shape = (self.out_channels, self.in_channels, kh, kw)
        fan_in, fan_out = self.in_channels * kh * kw, self.out_channels * kh * kw
        self._set_param("W", self._init_weight(rng, self.init, shape, fan_in, fan_out, activation))
        self._set_zeros("b", (self.out_channels,))

    def forward(self, x, training=False):
        self._check_input(x, ndim=4, sizes={1: self.in_channels}, hint=_FLAT_HINT)
        kh, kw = self.kernel_size
        if x.shape[2] + 2 * self.padding < kh or x.shape[3] + 2 * self.padding < kw:
            raise ValueError(f"{self!r}: input {tuple(x.shape)} is smaller than the kernel "
                             f"{self.kernel_size} (with padding {self.padding})")
        # y = Wm @ cols + b with cols = im2col(x) (and a row of ones that carries the bias)
        y, self._cols = conv_forward(x, self.params["W"], self.params["b"], self.stride, self.padding,
                                     reuse=self._cols)
        self._cache = (x.shape, self._cols)
        return y

    def backward(self, grad_out, need_input_grad=True):
        x_shape, cols = self._require_cache()
        dy = grad_rows(grad_out)                              # (F, OH*OW*N)
        W = self.params["W"]
        grads = self.grads if self.trainable else {}
        # dW = dy cols^T, db = sum of dy, dx = col2im(Wm^T dy)
        dx = conv_backward(dy, cols, W, x_shape, self.stride, self.padding, dW=grads.get("W"),
                           db=grads.get("b"), need_dx=need_input_grad)
        if self.trainable and self.regularizer is not None:
            self.regularizer.add_grad(W, self.grads["W"])
        return dx

    def output_shape(self, input_shape):
        self._check_shape(input_shape, ndim=4, sizes={1: self.in_channels}, hint=_FLAT_HINT)
        _, h, w = input_shape
        kh, kw = self.kernel_size
        size = lambda d, k: None if d is None else conv_output_size(d, k, self.stride, self.padding)
        return (self.out_channels, size(h, kh), size(w, kw))

    def get_config(self):
        return {"in_channels": self.in_channels, "out_channels": self.out_channels,
                "kernel_size": list(self.kernel_size), "stride": self.stride,
                "padding": self.padding, "init": self.init,
                "regularizer": _regularizers.to_config(self.regularizer)}

    @classmethod
    def state_shapes(cls, config):
        c = check.positive_int(config.get("in_channels"), "in_channels", "Conv2D")
        f = check.positive_int(config.get("out_channels"), "out_channels", "Conv2D")
        kh, kw = check.int_pair(config.get("kernel_size"), "kernel_size", "Conv2D")
        return {"W": (f, c, kh, kw), "b": (f,)}, {}
