"""2-D convolution (cross-correlation, like every framework) through im2col."""
from .base import Layer
from .. import backend
from .. import regularizers as _regularizers
from ..kernels import conv2d_backward, conv2d_forward, conv_output_size


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

    Forward, with cols = im2col(x): (C*kh*kw, N*OH*OW) and Wm = W.reshape(F, C*kh*kw):
        y = Wm @ cols + b                 (one matrix product for the whole batch)
    Backward, with dy: (F, N*OH*OW):
        dW = dy @ cols^T                  reshaped to (F, C, kh, kw) (computed as (cols @ dy^T)^T)
        db = sum over n and pixels of dy
        dx = col2im(Wm^T @ dy)            adds each column back onto its window

    Memory layout: y comes out of the product as (F, N, OH, OW) and is
    returned as a transposed *view* with shape (N, F, OH, OW) (channel-major
    in memory).  Values and shape are the NCHW ones; only the strides differ.
    Why: transposing to NCHW would copy the largest activation of a CNN on
    every step, and the backward products want exactly this layout back.

    The bias rides inside the product: cols gets one extra row of ones and
    Wm one extra column b, so y = [Wm | b] @ [cols; 1] adds the bias for free,
    and the same trick in backward, [cols; 1] @ dy^T, yields [dW | db]^T.
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
        self._cols = None  # the im2col buffer, reused from step to step (see _columns)
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
        n, f = x.shape[0], self.out_channels
        k = self.in_channels * kh * kw
        oh = conv_output_size(x.shape[2], kh, self.stride, self.padding)
        ow = conv_output_size(x.shape[3], kw, self.stride, self.padding)
        cols = self._columns(k + 1, n * oh * ow, x)               # (C*kh*kw + 1, N*OH*OW)
        xp = backend.array_module(x)
        Wb = xp.concatenate([self.params["W"].reshape(f, k), self.params["b"][:, None]], axis=1)
        # y = Wb @ [im2col(x); 1], filling cols, by chunks of images (see the kernel)
        y = conv2d_forward(x, Wb, kh, kw, self.stride, self.padding, cols)  # (F, N*OH*OW)
        self._cache = (x.shape, cols)
        return y.reshape(f, n, oh, ow).transpose(1, 0, 2, 3)     # (N, F, OH, OW) view

    def _columns(self, rows, m, x):
        """The im2col buffer, reused while the shape stays the same; last row = 1."""
        xp = backend.array_module(x)
        buf = self._cols
        if (buf is None or buf.shape != (rows, m) or buf.dtype != x.dtype
                or backend.array_module(buf) is not xp):
            buf = xp.empty((rows, m), dtype=x.dtype)
            buf[-1] = 1   # the bias row; im2col only ever writes the rows above it
            self._cols = buf
        return buf

    def backward(self, grad_out, need_input_grad=True):
        x_shape, cols = self._require_cache()
        n, f = grad_out.shape[:2]
        # (F, N*OH*OW): a free reshape of the channel-major gradient that the
        # layers above return; a copy only for other layouts.
        dy = grad_out.transpose(1, 0, 2, 3).reshape(f, -1)
        W = self.params["W"]
        k = W.size // f
        kh, kw = self.kernel_size
        # [dW | db]^T = [cols; 1] @ dy^T and dx = col2im(Wm^T @ dy), by chunks (see the kernel)
        dWb_t, dx = conv2d_backward(dy, cols, W.reshape(f, k), x_shape, kh, kw, self.stride,
                                    self.padding, need_dw=self.trainable,
                                    need_dx=need_input_grad)
        if self.trainable:
            self.grads["W"][...] = dWb_t[:k].T.reshape(W.shape)
            if self.regularizer is not None:
                self.regularizer.add_grad(W, self.grads["W"])
            self.grads["b"][...] = dWb_t[k]
        return dx

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
