"""Losses: the only place that averages over the batch and carries 1/N.

Every loss takes the network's raw outputs (logits), never probabilities:
computing softmax/sigmoid inside the loss lets us use the stable
log-sum-exp form and the simple fused gradients below.

Interface (like a layer, but the output is a scalar)::

    value = loss.forward(pred, target)   # 0-d array on pred's device
    grad  = loss.backward()              # dL/dpred, same shape as pred
"""
from . import backend


class Loss:
    """Base class: ``forward(pred, target)`` -> scalar, ``backward()`` -> dL/dpred."""

    #: name of the metric ``metric()`` computes, or None
    metric_name = None

    def __init__(self):
        self._cache = None

    def forward(self, pred, target):
        raise NotImplementedError

    def backward(self):
        raise NotImplementedError

    def metric(self, pred, target):
        """Number of correct predictions in the batch (0-d array), if defined."""
        raise NotImplementedError

    def check_target(self, target, n_outputs):
        """Validate a whole target array once (``fit`` calls this before training)."""

    def __call__(self, pred, target):
        return self.forward(pred, target)

    def __repr__(self):
        return f"{type(self).__name__}()"

    def _check_pred(self, pred, ndim=None):
        if not hasattr(pred, "dtype") or pred.dtype.kind != "f":
            raise TypeError(f"{self!r}: expected floating-point predictions (logits), "
                            f"got {getattr(pred, 'dtype', type(pred).__name__)}")
        if ndim is not None and pred.ndim != ndim:
            raise ValueError(f"{self!r}: expected predictions of shape (N, C), got {tuple(pred.shape)}")

    def _require_cache(self):
        if self._cache is None:
            raise RuntimeError(f"{self!r}: backward() called before forward()")
        return self._cache


class SoftmaxCrossEntropy(Loss):
    """Softmax + cross-entropy on logits, with integer class labels, fused.

    Shapes: logits ``z: (N, C)``, labels ``y: (N,)`` integers in [0, C).

    Forward (log-sum-exp through the max shift, so exp never overflows)::

        s = z - max_j z_j                      (row-wise shift; L is unchanged)
        L = 1/N * sum_i [ log sum_j exp(s_ij) - s_i,y_i ]

    Backward: dL/dz = (softmax(z) - onehot(y)) / N.

    >>> import tinynet as tn; np = tn.backend.np
    >>> loss = SoftmaxCrossEntropy()
    >>> round(float(loss.forward(np.zeros((2, 4), "float32"), np.array([1, 3]))), 4)  # log 4
    1.3863
    """

    metric_name = "accuracy"

    def forward(self, pred, target):
        self._check_pred(pred, ndim=2)
        xp = backend.array_module(pred, target)
        self._check_labels(target, pred.shape, xp)
        n = pred.shape[0]
        rows = xp.arange(n)
        shifted = pred - pred.max(axis=1, keepdims=True)
        exp = xp.exp(shifted)
        sum_exp = exp.sum(axis=1)
        # mean over the batch of log(sum exp) - shifted logit of the true class
        loss = (xp.log(sum_exp) - shifted[rows, target]).mean()
        exp /= sum_exp[:, None]  # exp now holds softmax(z), reused by backward
        self._cache = (exp, target, rows)
        return loss

    def backward(self):
        # Derivation, for one row i (drop i): L_i = log sum_j exp(z_j) - z_y.
        #   d/dz_k log sum_j exp(z_j) = exp(z_k) / sum_j exp(z_j) = p_k   (softmax)
        #   d/dz_k z_y                = [k == y]                         (onehot)
        # so dL_i/dz_k = p_k - [k == y], and L = 1/N sum_i L_i brings the 1/N.
        # (The shift by max_j z_j changes no L_i: it cancels between the two terms.)
        probs, target, rows = self._require_cache()
        grad = probs.copy()
        grad[rows, target] -= 1  # p - onehot(y); one label per row: no duplicate indices
        grad /= probs.shape[0]   # the batch mean's 1/N
        return grad

    def metric(self, pred, target):
        return (pred.argmax(axis=1) == target).sum()

    def _check_labels(self, target, pred_shape, xp):
        if not hasattr(target, "dtype") or target.dtype.kind not in "iu":
            raise TypeError(
                f"{self!r}: expected integer class labels of shape ({pred_shape[0]},), got "
                f"{getattr(target, 'dtype', type(target).__name__)} of shape "
                f"{tuple(getattr(target, 'shape', ()))} (for one-hot labels pass y.argmax(1))")
        if target.shape != (pred_shape[0],):
            raise ValueError(f"{self!r}: expected labels of shape ({pred_shape[0]},) to match "
                             f"logits {tuple(pred_shape)}, got {tuple(target.shape)}")
        # A value check is a host round-trip on the GPU; fit checks the whole
        # label array once instead (check_target), so here only on the host.
        if backend.device_of(target) == "numpy" and target.size:
            self._check_range(target, pred_shape[1])

    def check_target(self, target, n_outputs):
        if n_outputs is None:
            return
        host = backend.to_host(target)
        if host.dtype.kind not in "iu":
            raise TypeError(f"{self!r}: expected integer class labels, got {host.dtype}"
                            " (for one-hot labels pass y.argmax(1))")
        if host.size:
            self._check_range(host, n_outputs)

    def _check_range(self, target, n_classes):
        lo, hi = int(target.min()), int(target.max())
        if lo < 0 or hi >= n_classes:
            raise ValueError(f"{self!r}: labels must lie in [0, {n_classes - 1}] for {n_classes} "
                             f"logits, found values in [{lo}, {hi}]")


class MSE(Loss):
    """Mean squared error over every element.

    Shapes: ``pred, target: (N, ...)`` (same shape).
    L = 1/M * sum (pred - target)^2 with M = pred.size;  dL/dpred = 2 (pred - target) / M.
    """

    def forward(self, pred, target):
        self._check_pred(pred)
        _check_same_shape(self, pred, target)
        xp = backend.array_module(pred, target)
        diff = pred - target
        self._cache = diff
        return xp.vdot(diff.ravel(), diff.ravel()) / diff.size

    def backward(self):
        # L = 1/M sum_k (p_k - t_k)^2, and only term k depends on p_k:
        # dL/dp_k = 1/M * 2 (p_k - t_k).  M counts every element, not just N.
        diff = self._require_cache()
        return diff * (2.0 / diff.size)


class BinaryCrossEntropy(Loss):
    """Sigmoid + binary cross-entropy on logits (targets in [0, 1]).

    Shapes: ``z, y: (N, ...)``.  Per element, stable for any z:
    l = max(z, 0) - z*y + log(1 + exp(-|z|));  L = mean(l);
    dL/dz = (sigmoid(z) - y) / M.
    """

    def forward(self, pred, target):
        self._check_pred(pred)
        _check_same_shape(self, pred, target)
        xp = backend.array_module(pred, target)
        # With s = sigmoid(z): l = -y log s - (1 - y) log(1 - s).  log s = -log(1 + e^-z)
        # and log(1 - s) = -z - log(1 + e^-z), so l = z - z y + log(1 + e^-z).  For z < 0
        # e^-z overflows; log(1 + e^-z) = -z + log(1 + e^z) rewrites it as
        # l = max(z, 0) - z y + log(1 + e^-|z|), finite for every z.
        if backend.device_of(target) == "numpy" and target.size:  # on the GPU: fit checks once
            self._check_range(target)
        loss = (xp.maximum(pred, 0) - pred * target + xp.log1p(xp.exp(-xp.abs(pred)))).mean()
        self._cache = (pred, target)
        return loss

    def backward(self):
        pred, target = self._require_cache()
        xp = backend.array_module(pred)
        # From l = z - z y + log(1 + e^-z):  dl/dz = 1 - y - e^-z / (1 + e^-z)
        #   = 1 - y - (1 - s) = s - y,  with s = sigmoid(z); the mean brings 1/M.
        # sigmoid via tanh: no overflow for large |z|
        sig = 0.5 * (xp.tanh(0.5 * pred) + 1)
        return (sig - target) / pred.size

    def check_target(self, target, n_outputs):
        host = backend.to_host(target)
        if host.dtype.kind == "f" and host.size:
            self._check_range(host)

    def _check_range(self, target):
        # Outside [0, 1] the loss has no minimum: training would run off to -inf.
        lo, hi = float(target.min()), float(target.max())
        if lo < 0 or hi > 1:
            raise ValueError(f"{self!r}: targets must lie in [0, 1], found values in [{lo:g}, {hi:g}]")


def _check_same_shape(loss, pred, target):
    if not hasattr(target, "shape") or tuple(target.shape) != tuple(pred.shape):
        raise ValueError(f"{loss!r}: expected targets of shape {tuple(pred.shape)} like the "
                         f"predictions, got {tuple(getattr(target, 'shape', ()))}")
    if target.dtype != pred.dtype:
        raise TypeError(f"{loss!r}: expected targets of dtype {pred.dtype} like the predictions, "
                        f"got {target.dtype}")


LOSSES = {cls.__name__: cls for cls in (SoftmaxCrossEntropy, MSE, BinaryCrossEntropy)}
