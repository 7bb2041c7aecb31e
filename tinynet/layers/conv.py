"""2-D convolution (cross-correlation, like every framework) through im2col."""
from .base import Layer
from .. import backend
from .. import regularizers as _regularizers
from ..kernels import col2im, conv_output_size, im2col


def _pair(value, name):
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) for v in pair):
        raise ValueError(f"Conv2D: {name} must be an int or a pair of ints, got {value!r}")
    return pair


class Conv2D(Layer):
    """Convolution over NCHW images.

    Shapes:
        x: (N, C, H, W) -> y: (N, F, OH, OW),  OH = (H + 2p - kh) // s + 1
        W: (F, C, kh, kw)  (PyTorch's layout),  b: (F,)

    Forward, with cols = im2col(x): (N, C*kh*kw, OH*OW) and Wm = W.reshape(F, C*kh*kw):
        y[n] = Wm @ cols[n] + b           (one batched matrix product)
    Backward, with dy[n]: (F, OH*OW):
        dW = sum_n dy[n] @ cols[n]^T      reshaped to (F, C, kh, kw)
        db = sum over n and pixels of dy
        dx = col2im(Wm^T @ dy[n])         adds each column back onto its window
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, *,
                 init="auto", regularizer=None, dtype=None, seed=0):
        super().__init__(dtype)
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"Conv2D: {name} must be a positive int, got {value!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride, self.padding = int(stride), int(padding)
        if self.stride < 1 or self.padding < 0 or min(self.kernel_size) < 1:
            raise ValueError(f"Conv2D: need kernel_size >= 1, stride >= 1, padding >= 0; got "
                             f"{self.kernel_size}, {stride}, {padding}")
        self.init, self.regularizer = init, regularizer
        self.reset_parameters(backend.host_generator(seed))

    def reset_parameters(self, rng, activation=None):
        kh, kw = self.kernel_size
        shape = (self.out_channels, self.in_channels, kh, kw)
        fan_in, fan_out = self.in_channels * kh * kw, self.out_channels * kh * kw
        self._set_param("W", self._init_weight(rng, self.init, shape, fan_in, fan_out, activation))
        self._set_zeros("b", (self.out_channels,))

    def forward(self, x, training=False):
        self._check_input(x, ndim=4, sizes={1: self.in_channels})
        kh, kw = self.kernel_size
        if x.shape[2] + 2 * self.padding < kh or x.shape[3] + 2 * self.padding < kw:
            raise ValueError(f"{self!r}: input {tuple(x.shape)} is smaller than the kernel "
                             f"{self.kernel_size} (with padding {self.padding})")
        cols, (oh, ow) = im2col(x, kh, kw, self.stride, self.padding)
        Wm = self.params["W"].reshape(self.out_channels, -1)      # (F, C*kh*kw)
        y = Wm @ cols                                             # (N, F, OH*OW)
        y += self.params["b"][:, None]
        self._cache = (x.shape, cols)
        return y.reshape(x.shape[0], self.out_channels, oh, ow)

    def backward(self, grad_out, need_input_grad=True):
        x_shape, cols = self._require_cache()
        n, f = grad_out.shape[:2]
        dy = grad_out.reshape(n, f, -1)                           # (N, F, OH*OW)
        W = self.params["W"]
        if self.trainable:
            # sum_n dy[n] @ cols[n]^T as one contraction over (n, pixel)
            dW = backend.array_module(dy).tensordot(dy, cols, axes=([0, 2], [0, 2]))
            self.grads["W"] = dW.reshape(W.shape)
            if self.regularizer is not None:
                self.regularizer.add_grad(W, self.grads["W"])
            self.grads["b"] = dy.sum(axis=(0, 2))
        if not need_input_grad:
            return None
        dcols = W.reshape(f, -1).T @ dy                           # (N, C*kh*kw, OH*OW)
        kh, kw = self.kernel_size
        return col2im(dcols, x_shape, kh, kw, self.stride, self.padding)

    def output_shape(self, input_shape):
        _, h, w = input_shape
        kh, kw = self.kernel_size
        size = lambda d, k: None if d is None else conv_output_size(d, k, self.stride, self.padding)
        return (self.out_channels, size(h, kh), size(w, kw))

    def get_config(self):
        return {"in_channels": self.in_channels, "out_channels": self.out_channels,
                "kernel_size": list(self.kernel_size), "stride": self.stride,
                "padding": self.padding, "init": self.init,
                "regularizer": _regularizers.to_config(self.regularizer)}
