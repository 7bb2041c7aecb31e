"""Inverted dropout: active only when ``training=True``."""
from .base import Layer
from .. import backend
from .. import validation as check


class Dropout(Layer):
    """Zero each element with probability p during training; identity at inference.

    Shapes: any ``x: (N, ...)`` -> same shape.

    Inverted dropout scales the kept elements by 1/(1-p) at training time, so
    the expected activation is unchanged and inference needs no rescaling::

        m_i = [u_i >= p] / (1 - p),  u_i ~ U[0, 1)
        y = x * m          dy/dx = m   (the same mask)

    The mask is drawn on the layer's device from ``self.rng``, a Generator
    that the model sets from its seed (never the global RNG).
    """

    def __init__(self, p=0.5, dtype=None, seed=0):
        super().__init__(dtype)
        self.p = check.real(p, "p", "Dropout", 0.0, 1.0, high_open=True)
        self.reseed(seed)

    def reseed(self, seed):
        """Restart the mask stream from ``seed`` on this layer's device."""
        self.seed = int(seed)
        self.rng = backend.device_generator(self.seed, self.device)

    def forward(self, x, training=False):
        self._check_input(x)
        if not training or self.p == 0.0:
            self._cache = None
            return x
        u = self.rng.random(x.shape, dtype=x.dtype)
        mask = (u >= self.p).astype(x.dtype)  # cast the mask; never bool * float
        # E[y_i] = P(keep) * x_i / (1 - p) = (1 - p) * x_i / (1 - p) = x_i: with the
        # 1/(1-p) here, the expected activation at training equals the inference
        # one (identity), so inference needs no rescaling.
        mask *= 1.0 / (1.0 - self.p)
        self._cache = mask
        return x * mask

    def backward(self, grad_out, need_input_grad=True):
        mask = self._cache
        # y = x * m elementwise with m fixed: dy_i/dx_i = m_i (scale included)
        return grad_out if mask is None else grad_out * mask

    def to(self, device):
        super().to(device)
        # A generator cannot move between devices: restart the stream there
        # from the same seed (still fixed by the model seed).
        self.reseed(self.seed)
        return self

    def get_config(self):
        return {"p": self.p}
