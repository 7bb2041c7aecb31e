"""Learning-rate schedules, evaluated once per epoch (epoch 0 is the first).

An optimizer takes either a number (constant rate) or a schedule::

    opt = tn.optim.SGD(lr=tn.schedules.StepDecay(0.1, step_size=10, gamma=0.1))

``fit`` calls ``optimizer.set_epoch(epoch)`` before each epoch.
"""
import math

from . import validation as check


class Schedule:
    """Base class: ``schedule(epoch) -> learning rate``."""

    def __call__(self, epoch):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


class Constant(Schedule):
    """lr(epoch) = lr."""

    def __init__(self, lr):
        self.lr = _positive(lr, "lr", "Constant")

    def __call__(self, epoch):
        return self.lr


class StepDecay(Schedule):
    """lr(epoch) = lr * gamma ** (epoch // step_size)."""

    def __init__(self, lr, step_size, gamma=0.1):
        self.lr = _positive(lr, "lr", "StepDecay")
        self.step_size = check.positive_int(step_size, "step_size", "StepDecay")
        self.gamma = _positive(gamma, "gamma", "StepDecay")

    def __call__(self, epoch):
        return self.lr * self.gamma ** (epoch // self.step_size)


class CosineDecay(Schedule):
    """lr(epoch) = min_lr + (lr - min_lr) * (1 + cos(pi * t)) / 2,  t = min(epoch / epochs, 1)."""

    def __init__(self, lr, epochs, min_lr=0.0):
        self.lr = _positive(lr, "lr", "CosineDecay")
        self.epochs = check.positive_int(epochs, "epochs", "CosineDecay")
        self.min_lr = check.real(min_lr, "min_lr", "CosineDecay", 0.0)

    def __call__(self, epoch):
        t = min(epoch / self.epochs, 1.0)
        return self.min_lr + (self.lr - self.min_lr) * 0.5 * (1.0 + math.cos(math.pi * t))


class ExponentialDecay(Schedule):
    """lr(epoch) = lr * gamma ** epoch."""

    def __init__(self, lr, gamma):
        self.lr, self.gamma = _positive(lr, "lr", "ExponentialDecay"), _positive(gamma, "gamma", "ExponentialDecay")

    def __call__(self, epoch):
        return self.lr * self.gamma ** epoch


def _positive(value, name, owner):
    return check.real(value, name, owner, 0.0, low_open=True)


def as_schedule(lr):
    """A Schedule from a number or a Schedule (or any callable epoch -> lr)."""
    if isinstance(lr, Schedule) or callable(lr):
        return lr
    return Constant(lr)
