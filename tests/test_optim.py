"""Optimizers and learning-rate schedules against straightforward reference implementations.

Oracles: the textbook update rules written out plainly in float64 below
(PyTorch's SGD/momentum/Nesterov form, Kingma & Ba's bias-corrected Adam,
Loshchilov & Hutter's decoupled weight decay), run for a few steps on fixed
arrays with changing gradients; closed forms for the schedules.
"""
import math
import tracemalloc

import numpy as np
import pytest

from tinynet import optim, schedules


def ref_sgd(p, grads, lrs, momentum=0.0, nesterov=False, wd=0.0):
    v = np.zeros_like(p)
    for g, lr in zip(grads, lrs):
        p = p * (1 - lr * wd)              # decoupled decay, before the step
        if momentum:
            v = momentum * v + g
            step = g + momentum * v if nesterov else v
        else:
            step = g
        p = p - lr * step
    return p


def ref_adam(p, grads, lrs, b1=0.9, b2=0.999, eps=1e-8, wd=0.0):
    m, v = np.zeros_like(p), np.zeros_like(p)
    for t, (g, lr) in enumerate(zip(grads, lrs), start=1):
        p = p * (1 - lr * wd)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


CASES = {
    "SGD": (lambda s: optim.SGD(s), lambda p, g, l: ref_sgd(p, g, l)),
    "SGD-wd": (lambda s: optim.SGD(s, weight_decay=0.1), lambda p, g, l: ref_sgd(p, g, l, wd=0.1)),
    "momentum": (lambda s: optim.SGD(s, momentum=0.9), lambda p, g, l: ref_sgd(p, g, l, 0.9)),
    "nesterov": (lambda s: optim.SGD(s, momentum=0.8, nesterov=True, weight_decay=0.05),
                 lambda p, g, l: ref_sgd(p, g, l, 0.8, True, 0.05)),
    "Adam": (lambda s: optim.Adam(s), lambda p, g, l: ref_adam(p, g, l)),
    "Adam-betas": (lambda s: optim.Adam(s, betas=(0.5, 0.9), eps=1e-3),
                   lambda p, g, l: ref_adam(p, g, l, 0.5, 0.9, 1e-3)),
    "AdamW": (lambda s: optim.AdamW(s, weight_decay=0.2), lambda p, g, l: ref_adam(p, g, l, wd=0.2)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_optimizer_matches_reference(xp_backend, name):
    """Five steps over two params of different shapes, with a learning rate that
    changes every step through a schedule (set_epoch)."""
    make, ref = CASES[name]
    rng = np.random.default_rng(0)
    start = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    grads = [[rng.standard_normal(p.shape) for _ in range(5)] for p in start]
    lrs = [0.1, 0.05, 0.2, 0.01, 0.1]
    opt = make(lambda epoch: lrs[epoch])
    params = [xp_backend.asarray(p.copy()) for p in start]
    for step in range(5):
        opt.set_epoch(step)
        opt.step([(("layer", i), params[i], xp_backend.asarray(grads[i][step])) for i in range(2)])
    assert opt.iterations == 5
    for i in range(2):
        expected = ref(start[i], grads[i], lrs)
        np.testing.assert_allclose(xp_backend.host(params[i]), expected, rtol=1e-12, atol=1e-14)


def test_adam_first_step_moves_by_lr():
    """Bias correction: Adam's first step is lr * g / (|g| + eps) ~ lr * sign(g)."""
    p = np.zeros(4)
    g = np.array([1e-3, -2.0, 50.0, -1e-4])
    optim.Adam(0.01).step([("p", p, g)])
    np.testing.assert_allclose(p, -0.01 * np.sign(g), rtol=1e-4)


@pytest.mark.parametrize("make", [lambda: optim.SGD(0.1, weight_decay=0.5),
                                  lambda: optim.SGD(0.1, momentum=0.9, weight_decay=0.5),
                                  lambda: optim.AdamW(0.1, weight_decay=0.5)])
def test_decoupled_weight_decay_formula(make):
    """With zero gradients only the decay acts: p_t = p_0 * (1 - lr*wd)^t exactly."""
    p0 = np.array([1.0, -2.0, 3.0])
    p = p0.copy()
    opt = make()
    for _ in range(4):
        opt.step([("p", p, np.zeros(3))])
    np.testing.assert_allclose(p, p0 * (1 - 0.1 * 0.5) ** 4, rtol=1e-14)


def test_adamw_defaults_to_decay_and_adam_does_not():
    """Oracle: the documented defaults."""
    assert optim.AdamW().weight_decay == 0.01 and optim.Adam().weight_decay == 0.0


@pytest.mark.parametrize("name", sorted(CASES))
def test_step_reuses_its_state(name):
    """After the first step the state dict and its arrays are the same objects, updated in place."""
    opt = CASES[name][0](0.1)
    p, g = np.ones((3, 3)), np.full((3, 3), 0.5)
    opt.step([("p", p, g)])
    state = opt.state["p"]
    arrays = {k: v for k, v in state.items() if hasattr(v, "shape")}
    for _ in range(3):
        opt.step([("p", p, g)])
    assert opt.state["p"] is state and list(opt.state) == ["p"]
    assert all(state[k] is v for k, v in arrays.items())


@pytest.mark.parametrize("name", sorted(CASES))
def test_step_allocates_no_new_arrays(name):
    """Measured with tracemalloc (NumPy reports its buffers there): three steps on a
    800 kB parameter allocate less than 1% of it once the state exists."""
    opt = CASES[name][0](0.01)
    p = np.ones(200_000, "float32")
    g = np.full_like(p, 0.1)
    opt.step([("p", p, g)])
    tracemalloc.start()
    try:
        for _ in range(3):
            opt.step([("p", p, g)])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 0.01 * p.nbytes, f"{name}: {peak} bytes allocated"


def test_optimizer_argument_checks():
    """Oracle: the documented ValueErrors, each naming the argument."""
    with pytest.raises(ValueError, match=r"SGD: momentum must be a number in \[0, 1\), got 1.0"):
        optim.SGD(0.1, momentum=1.0)
    with pytest.raises(ValueError, match="SGD: nesterov=True needs momentum > 0"):
        optim.SGD(0.1, nesterov=True)
    with pytest.raises(ValueError, match="Adam: weight_decay must be a finite number >= 0, got -0.1"):
        optim.Adam(weight_decay=-0.1)
    with pytest.raises(ValueError, match=r"Adam: betas\[1\] must be a number in \[0, 1\), got 1.0"):
        optim.Adam(betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="SGD: lr must be a finite number > 0, got 0.0"):
        optim.SGD(0.0)


# -------------------------------------------------------------- schedules
def test_step_decay_values():
    """Oracle: lr * gamma ** (epoch // step_size) by hand."""
    s = schedules.StepDecay(0.1, step_size=3, gamma=0.5)
    assert [s(e) for e in range(7)] == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025])


def test_cosine_decay_values():
    """Endpoints, midpoint and a quarter by hand; constant at min_lr after `epochs`."""
    s = schedules.CosineDecay(1.0, epochs=8, min_lr=0.2)
    assert s(0) == pytest.approx(1.0)
    assert s(4) == pytest.approx(0.6)
    assert s(2) == pytest.approx(0.2 + 0.8 * (1 + math.cos(math.pi / 4)) / 2)
    assert s(8) == pytest.approx(0.2) and s(20) == pytest.approx(0.2)
    values = [s(e) for e in range(9)]
    assert all(a > b for a, b in zip(values, values[1:]))


def test_exponential_and_constant_values():
    """Oracle: lr * gamma ** epoch by hand."""
    s = schedules.ExponentialDecay(0.5, gamma=0.9)
    assert [s(e) for e in range(4)] == pytest.approx([0.5, 0.45, 0.405, 0.3645])
    assert schedules.Constant(0.3)(100) == 0.3
    assert isinstance(schedules.as_schedule(0.3), schedules.Constant)


def test_optimizer_follows_schedule():
    """Oracle: the schedule's value for the epoch set."""
    opt = optim.SGD(schedules.StepDecay(1.0, step_size=1, gamma=0.1))
    assert opt.lr == 1.0
    opt.set_epoch(2)
    assert opt.lr == pytest.approx(0.01)


def test_schedule_argument_checks():
    """Oracle: the documented ValueErrors."""
    with pytest.raises(ValueError, match="StepDecay: step_size must be a positive int, got 0"):
        schedules.StepDecay(0.1, step_size=0)
    with pytest.raises(ValueError, match="CosineDecay: epochs must be a positive int, got 0"):
        schedules.CosineDecay(0.1, epochs=0)
    with pytest.raises(ValueError, match="ExponentialDecay: lr must be a finite number > 0, got inf"):
        schedules.ExponentialDecay(float("inf"), 0.9)
