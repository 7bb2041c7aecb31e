"""Weight penalties (L1, L2) attached to a layer's weights ``W`` (never its bias).

Keras semantics: the penalty is *part of the loss* the model reports, and its
gradient is added to dL/dW inside the layer's backward.  It is added once per
step, not per example (it is not divided by N)::

    L1(l1):  R(W) = l1 * sum |W|      dR/dW = l1 * sign(W)
    L2(l2):  R(W) = l2 * sum W^2      dR/dW = 2 * l2 * W

Decoupled weight decay (``p <- p - lr*wd*p``) is a different thing and lives
in the optimizers (``weight_decay=``).
"""
from . import backend, validation


class Regularizer:
    """Base class: ``penalty(W)`` -> scalar, ``add_grad(W, dW)`` adds dR/dW in place."""

    def penalty(self, W):
        raise NotImplementedError

    def add_grad(self, W, dW):
        raise NotImplementedError

    def get_config(self):
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _check_strength(name, value, owner):
    return validation.real(value, name, owner, 0.0)


def check(regularizer, owner):
    """A layer's ``regularizer`` argument: None or a Regularizer instance."""
    if regularizer is None:
        return None
    return validation.instance(regularizer, Regularizer, "regularizer", owner, "tn.L2(1e-4)")


class L1(Regularizer):
    """R(W) = l1 * sum|W|  (pushes small weights to exactly zero)."""

    def __init__(self, l1=0.01):
        self.l1 = _check_strength("l1", l1, "L1")

    def penalty(self, W):
        return self.l1 * backend.array_module(W).abs(W).sum()

    def add_grad(self, W, dW):
        xp = backend.array_module(W)
        dW += self.l1 * xp.sign(W)  # sign(0) = 0: the subgradient at the kink

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """R(W) = l2 * sum W^2  (shrinks large weights most)."""

    def __init__(self, l2=0.01):
        self.l2 = _check_strength("l2", l2, "L2")

    def penalty(self, W):
        flat = W.ravel()
        return self.l2 * backend.array_module(W).vdot(flat, flat)

    def add_grad(self, W, dW):
        dW += (2.0 * self.l2) * W

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    """R(W) = l1 * sum|W| + l2 * sum W^2."""

    def __init__(self, l1=0.0, l2=0.0):
        self._l1, self._l2 = L1(l1), L2(l2)

    def penalty(self, W):
        return self._l1.penalty(W) + self._l2.penalty(W)

    def add_grad(self, W, dW):
        self._l1.add_grad(W, dW)
        self._l2.add_grad(W, dW)

    def get_config(self):
        return {"l1": self._l1.l1, "l2": self._l2.l2}


REGULARIZERS = {cls.__name__: cls for cls in (L1, L2, L1L2)}


def from_config(config):
    """Rebuild a regularizer from ``{"class": name, **args}`` (closed registry)."""
    if config is None:
        return None
    config = dict(config)
    name = config.pop("class", None)
    if name not in REGULARIZERS:
        raise ValueError(f"tinynet: unknown regularizer {name!r}; expected one of {sorted(REGULARIZERS)}")
    return REGULARIZERS[name](**config)


def to_config(regularizer):
    if regularizer is None:
        return None
    return {"class": type(regularizer).__name__, **regularizer.get_config()}
