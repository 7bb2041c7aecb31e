"""Batch normalization for dense (N, D) and convolutional (N, C, H, W) inputs."""
from .base import Layer
from .. import validation as check


class BatchNorm(Layer):
    """Normalize each feature/channel over the batch, then scale and shift.

    Shapes:
        x: (N, C) or (N, C, H, W) -> y: same shape
        gamma, beta: (C,);  buffers running_mean, running_var: (C,)

    Training (statistics over the M = N or N*H*W values of each channel)::

        mu = mean(x),  var = mean((x - mu)^2)
        xhat = (x - mu) / sqrt(var + eps),   y = gamma * xhat + beta
        running stats <- (1 - momentum) * running + momentum * batch stats
        (running_var uses the unbiased var * M/(M-1), as PyTorch does)

    Inference uses the running statistics instead of the batch's.

    Backward (training; sums over the M values of a channel)::

        dbeta  = sum dy,   dgamma = sum dy * xhat
        dxhat  = dy * gamma
        dx = (1/sqrt(var+eps)) * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))

    (derived through mu and var in ``backward``, where the line is).
    """

    def __init__(self, num_features, momentum=0.1, eps=1e-5, dtype=None, seed=0):
        super().__init__(dtype)
        self.num_features = check.positive_int(num_features, "num_features", "BatchNorm")
        self.momentum = check.real(momentum, "momentum", "BatchNorm", 0.0, 1.0)
        self.eps = check.real(eps, "eps", "BatchNorm", 0.0, low_open=True)
        self.reset_parameters(None)

    def reset_parameters(self, rng, activation=None):
        xp, c = self.xp, (self.num_features,)
        self.params["gamma"] = xp.ones(c, dtype=self.dtype)
        self.grads["gamma"] = xp.zeros(c, dtype=self.dtype)
        self._set_zeros("beta", c)
        self.buffers["running_mean"] = xp.zeros(c, dtype=self.dtype)
        self.buffers["running_var"] = xp.ones(c, dtype=self.dtype)

    def _axes_and_view(self, x):
        # reduce over every axis but the channel axis 1; params broadcast as (1, C, 1, 1)
        if x.ndim == 2:
            return (0,), (1, self.num_features)
        return (0, 2, 3), (1, self.num_features, 1, 1)

    def forward(self, x, training=False):
        if x.ndim not in (2, 4):
            self._check_input(x, ndim=2, sizes={1: self.num_features})
        self._check_input(x, ndim=x.ndim, sizes={1: self.num_features})
        axes, view = self._axes_and_view(x)
        gamma = self.params["gamma"].reshape(view)
        beta = self.params["beta"].reshape(view)
        if training:
            mu = x.mean(axis=axes, keepdims=True)
            centered = x - mu
            var = (centered * centered).mean(axis=axes, keepdims=True)
            inv_std = 1.0 / self.xp.sqrt(var + self.eps)
            m = x.size // self.num_features
            self._update_running(mu.reshape(-1), var.reshape(-1) * (m / max(m - 1, 1)))
        else:
            mu = self.buffers["running_mean"].reshape(view)
            inv_std = 1.0 / self.xp.sqrt(self.buffers["running_var"].reshape(view) + self.eps)
            centered = x - mu
        xhat = centered * inv_std
        self._cache = (xhat, inv_std, axes, view, training)
        return xhat * gamma + beta

    def _update_running(self, mean, unbiased_var):
        mom = self.momentum
        rm, rv = self.buffers["running_mean"], self.buffers["running_var"]
        rm *= 1 - mom
        rm += mom * mean
        rv *= 1 - mom
        rv += mom * unbiased_var

    def backward(self, grad_out, need_input_grad=True):
        xhat, inv_std, axes, view, training = self._require_cache()
        if self.trainable:
            self.grads["beta"] = grad_out.sum(axis=axes)
            self.grads["gamma"] = (grad_out * xhat).sum(axis=axes)
        if not need_input_grad:
            return None
        dxhat = grad_out * self.params["gamma"].reshape(view)     # y = gamma xhat + beta
        if not training:  # running stats are constants: y is affine in x
            return dxhat * inv_std
        # Through mu and var (per channel, M values, sums over them; r = 1/sqrt(var+eps)):
        #   xhat_k = (x_k - mu) r,   mu = 1/M sum x,   var = 1/M sum (x - mu)^2
        #   dvar = sum_k dxhat_k (x_k - mu) * (-1/2) r^3          = -(r^2/2) sum dxhat xhat
        #   dmu  = -r sum dxhat + dvar * (-2/M) sum (x - mu)       = -r sum dxhat
        #          (the second term is 0: deviations from the mean sum to 0)
        #   dx_k = dxhat_k r + dvar * 2 (x_k - mu) / M + dmu / M
        #        = r (dxhat_k - mean(dxhat) - xhat_k mean(dxhat xhat))
        # using 2 (x_k - mu) / M * dvar = -(r/M) xhat_k sum dxhat xhat.  The line below
        # is that last formula: two means instead of the three-step chain.
        return inv_std * (dxhat - dxhat.mean(axis=axes, keepdims=True)
                          - xhat * (dxhat * xhat).mean(axis=axes, keepdims=True))

    def output_shape(self, input_shape):
        ndim = len(input_shape) + 1
        self._check_shape(input_shape, ndim=ndim if ndim in (2, 4) else 2, sizes={1: self.num_features})
        return tuple(input_shape)

    def get_config(self):
        return {"num_features": self.num_features, "momentum": self.momentum, "eps": self.eps}

    @classmethod
    def state_shapes(cls, config):
        c = (check.positive_int(config.get("num_features"), "num_features", "BatchNorm"),)
        return {"gamma": c, "beta": c}, {"running_mean": c, "running_var": c}
