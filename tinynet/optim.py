"""Optimizers: SGD (momentum, Nesterov), Adam and AdamW, with in-place updates.

An optimizer keeps its state (velocities, moments) itself, keyed by
(layer, parameter name), never inside the layers.  ``step(items)`` takes
``(key, param, grad)`` triples (``Sequential`` passes its trainable ones) and
updates each ``param`` in place.  Each parameter gets one scratch buffer the
first time it is seen, so a step allocates nothing new.

``weight_decay`` is *decoupled* (Loshchilov & Hutter): p <- p * (1 - lr*wd),
applied before the gradient step, for every optimizer.  (For a penalty that
is part of the loss, use a regularizer such as ``tn.L2`` on the layer.)
"""
import math

from . import backend
from .schedules import as_schedule


class Optimizer:
    """Base class: learning rate (number or schedule), weight decay, state, devices."""

    def __init__(self, lr, weight_decay=0.0):
        self.schedule = as_schedule(lr)
        self.lr = float(self.schedule(0))
        self.weight_decay = float(weight_decay)
        if self.weight_decay < 0:
            raise ValueError(f"{type(self).__name__}: weight_decay must be >= 0, got {weight_decay}")
        self.state = {}
        self.iterations = 0

    def set_epoch(self, epoch):
        """Set the learning rate for ``epoch`` from the schedule."""
        self.lr = float(self.schedule(epoch))

    def step(self, items):
        """Update every ``(key, param, grad)`` in place."""
        self.iterations += 1
        for key, param, grad in items:
            state = self.state.get(key)
            if state is None:
                state = self.state[key] = self._init_state(param)
            if self.weight_decay:
                param *= 1.0 - self.lr * self.weight_decay
            self._begin(state)
            self._update(param, grad, state)

    def _begin(self, state):
        """Per-parameter bookkeeping before an update (Adam counts its steps)."""

    def _init_state(self, param):
        xp = backend.array_module(param)
        return {"scratch": xp.empty_like(param)}

    def _update(self, param, grad, state):
        raise NotImplementedError

    def to(self, device):
        """Move the state arrays to 'numpy' or 'cupy'."""
        for state in self.state.values():
            for k, value in state.items():
                if hasattr(value, "shape"):  # arrays move; counters (Adam's t) stay
                    state[k] = backend.to_device(value, device)
        return self

    def reset(self):
        """Forget all state (velocities, moments, step counts)."""
        self.state.clear()

    def forget(self, keys):
        """Drop the state of parameters that no longer exist (e.g. a rebuilt model)."""
        for key in list(keys):
            self.state.pop(key, None)

    def __repr__(self):
        return f"{type(self).__name__}(lr={self.lr:g})"


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum.

    PyTorch's form:  v <- mu * v + g;   p <- p - lr * v
    Nesterov:        p <- p - lr * (g + mu * v)
    """

    def __init__(self, lr=0.01, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(lr, weight_decay)
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        if not 0.0 <= self.momentum < 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum}")
        if self.nesterov and self.momentum == 0.0:
            raise ValueError("SGD: nesterov=True needs momentum > 0")

    def _init_state(self, param):
        state = super()._init_state(param)
        if self.momentum:
            state["velocity"] = backend.array_module(param).zeros_like(param)
        return state

    def _update(self, param, grad, state):
        xp, step = backend.array_module(param), state["scratch"]
        if not self.momentum:
            xp.multiply(grad, self.lr, out=step)
        else:
            v = state["velocity"]
            v *= self.momentum
            v += grad
            if self.nesterov:
                xp.multiply(v, self.momentum, out=step)
                step += grad
                step *= self.lr
            else:
                xp.multiply(v, self.lr, out=step)
        param -= step

    def __repr__(self):
        return f"SGD(lr={self.lr:g}, momentum={self.momentum:g}, nesterov={self.nesterov})"


class Adam(Optimizer):
    """Adam (Kingma & Ba), bias-corrected, as in PyTorch::

        m <- b1 m + (1 - b1) g,        v <- b2 v + (1 - b2) g^2
        p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)

    Stored form: the state keeps the exponentially weighted *sums*
    ``m_sum = m / (1 - b1)`` and ``v_sum = v / (1 - b2)``, updated as
    ``m_sum <- b1 m_sum + g`` and ``v_sum <- b2 v_sum + g^2``.  Why: the
    constant factors (1 - b1), (1 - b2) then move into the two scalars of the
    final step, and an update makes 10 passes over the parameter instead of
    12 (measured: see benchmarks/RESULTS.md, W5).  Same update in exact
    arithmetic; float32 rounding differs in the last bits.
    """

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(lr, weight_decay)
        self.beta1, self.beta2 = (float(b) for b in betas)
        self.eps = float(eps)
        if not (0 <= self.beta1 < 1 and 0 <= self.beta2 < 1):
            raise ValueError(f"Adam: betas must be in [0, 1), got {betas}")

    def _init_state(self, param):
        state = super()._init_state(param)
        xp = backend.array_module(param)
        state["m_sum"], state["v_sum"], state["t"] = xp.zeros_like(param), xp.zeros_like(param), 0
        return state

    def _begin(self, state):
        state["t"] += 1

    def _update(self, param, grad, state):
        xp, tmp = backend.array_module(param), state["scratch"]
        m_sum, v_sum, t = state["m_sum"], state["v_sum"], state["t"]
        b1, b2 = self.beta1, self.beta2
        m_sum *= b1                               # m_sum <- b1 m_sum + g        (2 passes)
        m_sum += grad
        v_sum *= b2                               # v_sum <- b2 v_sum + g^2      (3 passes)
        xp.multiply(grad, grad, out=tmp)
        v_sum += tmp
        # With c1 = 1 - b1^t, c2 = 1 - b2^t, m = (1-b1) m_sum, v = (1-b2) v_sum:
        #   lr/c1 * m / (sqrt(v/c2) + eps) = scale * m_sum / (sqrt(v_sum) + eps'),
        #   r = sqrt(c2 / (1-b2)),  scale = lr (1-b1) r / c1,  eps' = eps r
        # so the bias corrections and the (1-b) factors are two scalars  (5 passes).
        r = math.sqrt((1.0 - b2 ** t) / (1.0 - b2))
        xp.sqrt(v_sum, out=tmp)
        tmp += self.eps * r
        xp.divide(m_sum, tmp, out=tmp)
        tmp *= self.lr * (1.0 - b1) * r / (1.0 - b1 ** t)
        param -= tmp


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.01)."""

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(lr, betas, eps, weight_decay)
