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
from . import validation as check
from .schedules import Constant, Schedule


class Optimizer:
    """Base class: learning rate (number or schedule), weight decay, state, devices."""

    def __init__(self, lr, weight_decay=0.0):
        owner = type(self).__name__
        if isinstance(lr, Schedule) or (callable(lr) and not isinstance(lr, type)):
            self.schedule = lr  # any callable epoch -> lr
        elif isinstance(lr, str) or not check._is_real(lr):
            raise TypeError(f"{owner}: lr must be a finite number > 0 or a schedule, got {lr!r}")
        else:
            self.schedule = Constant(check.real(lr, "lr", owner, 0.0, low_open=True))
        self.lr = float(self.schedule(0))
        self.weight_decay = check.real(weight_decay, "weight_decay", owner, 0.0)
        self.state = {}
        self.iterations = 0

    def set_epoch(self, epoch):
        """Set the learning rate for ``epoch`` from the schedule."""
        lr = self.schedule(epoch)
        if not check._is_real(lr) or not float(lr) >= 0 or not math.isfinite(lr):
            raise ValueError(f"{type(self).__name__}: the schedule gave the learning rate "
                             f"{lr!r} for epoch {epoch}; expected a finite number >= 0")
        self.lr = float(lr)

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
        self.momentum = check.real(momentum, "momentum", "SGD", 0.0, 1.0, high_open=True)
        self.nesterov = check.boolean(nesterov, "nesterov", "SGD")
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
        owner = type(self).__name__
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{owner}: betas must be a pair (beta1, beta2) of numbers in [0, 1), "
                             f"got {betas!r}")
        self.beta1, self.beta2 = (check.real(b, f"betas[{i}]", owner, 0.0, 1.0, high_open=True)
                                  for i, b in enumerate(betas))
        self.eps = check.real(eps, "eps", owner, 0.0, low_open=True)

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
        # Bias correction: m starts at 0, so m_t = (1 - b1) sum_{s<=t} b1^(t-s) g_s, and
        # for a steady gradient g, E[m_t] = g (1 - b1) sum_{s<t} b1^s = g (1 - b1^t):
        # early averages are shrunk towards 0 by c1 = 1 - b1^t (e.g. 0.1 g at t = 1).
        # m_t / c1 undoes that; likewise v_t / c2 for E[g^2].
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
