"""Dense (fully connected) layer: y = x @ W + b.

Layout note for PyTorch users: tinynet stores ``W`` as (in_features,
out_features) and computes ``x @ W`` (the CS231n / Keras convention);
``torch.nn.Linear.weight`` is the transpose, (out, in), with ``x @ W.T``.
"""
from .base import Layer
from .. import backend
from .. import regularizers as _regularizers
from .. import validation as check


class Dense(Layer):
    """Fully connected layer.

    Shapes:
        x: (N, in_features) -> y: (N, out_features)
        W: (in_features, out_features), b: (out_features,)

    Forward:  y = x W + b
    Backward (chain rule, summed over the batch):
        dW = x^T dy          (in, out)
        db = sum_n dy_n      (out,)
        dx = dy W^T          (N, in)
    plus dR/dW when a regularizer is attached.

    >>> layer = Dense(3, 2)
    >>> layer.params["W"].shape, layer.params["b"].shape
    ((3, 2), (2,))
    """

    def __init__(self, in_features, out_features, *, init="auto", regularizer=None,
                 use_bias=True, dtype=None, seed=0):
        super().__init__(dtype)
        self.in_features = check.positive_int(in_features, "in_features", "Dense")
        self.out_features = check.positive_int(out_features, "out_features", "Dense")
        self.init, self.use_bias = init, check.boolean(use_bias, "use_bias", "Dense")
        self.regularizer = _regularizers.check(regularizer, "Dense")
        # A layer built alone gets weights from `seed`; a Sequential redraws
        # them from the model's own seed.
        self.reset_parameters(backend.host_generator(seed))

    def reset_parameters(self, rng, activation=None):
        shape = (self.in_features, self.out_features)
        W = self._init_weight(rng, self.init, shape, self.in_features, self.out_features, activation)
        self._set_param("W", W)
        if self.use_bias:
            self._set_zeros("b", (self.out_features,))

    def forward(self, x, training=False):
        self._check_input(x, ndim=2, sizes={1: self.in_features})
        y = x @ self.params["W"]
        if self.use_bias:
            y += self.params["b"]  # in place: no second (N, out) array
        self._cache = x
        return y

    def backward(self, grad_out, need_input_grad=True):
        x = self._require_cache()
        W = self.params["W"]
        xp = backend.array_module(grad_out)
        if self.trainable:
            # written into the existing grad arrays: no new (in, out) array per step
            xp.matmul(x.T, grad_out, out=self.grads["W"])    # dW = x^T dy
            if self.regularizer is not None:
                self.regularizer.add_grad(W, self.grads["W"])
            if self.use_bias:
                xp.sum(grad_out, axis=0, out=self.grads["b"])  # db = sum over the batch
        if not need_input_grad:
            return None
        if x.T.flags.c_contiguous and not x.flags.c_contiguous:
            # x came as the transpose of a (in, N) array (Flatten of a conv's
            # batch-innermost output): give dx the same layout, so the layers
            # below get their gradient without a transposing copy
            return (W @ grad_out.T).T                        # dx = dy W^T = (W dy^T)^T
        return grad_out @ W.T                                # dx = dy W^T

    def output_shape(self, input_shape):
        self._check_shape(input_shape, ndim=2, sizes={1: self.in_features})
        return (self.out_features,)

    @classmethod
    def state_shapes(cls, config):
        i = check.positive_int(config.get("in_features"), "in_features", "Dense")
        o = check.positive_int(config.get("out_features"), "out_features", "Dense")
        params = {"W": (i, o), "b": (o,)} if config.get("use_bias", True) else {"W": (i, o)}
        return params, {}

    def get_config(self):
        return {"in_features": self.in_features, "out_features": self.out_features,
                "init": self.init, "use_bias": self.use_bias,
                "regularizer": _regularizers.to_config(self.regularizer)}
