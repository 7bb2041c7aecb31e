"""Weight initializers and the model's ``init="auto"`` choice.

Oracles: the closed-form limits and variances (He: Var = gain^2 / fan_in,
Glorot: Var = 2 gain^2 / (fan_in + fan_out); U(-a, a) has variance a^2 / 3),
checked on 200k draws (a 2% tolerance is > 10 standard errors); PyTorch's
gain table; and, for "auto", the limit of the drawn weights, which tells He
from Glorot apart by a factor of > 1.4 for the shapes used.
"""
import math

import numpy as np
import pytest

import tinynet as tn
from tinynet import init
from tinynet import layers as L

FAN_IN, FAN_OUT = 400, 500
SHAPE = (FAN_IN, FAN_OUT)


@pytest.mark.parametrize("fn, variance", [
    (init.he_uniform, 2.0 / FAN_IN), (init.he_normal, 2.0 / FAN_IN),
    (init.glorot_uniform, 2.0 / (FAN_IN + FAN_OUT)), (init.glorot_normal, 2.0 / (FAN_IN + FAN_OUT)),
])
def test_initializer_variance(fn, variance):
    """Oracle: the closed-form variance (and the uniform limit sqrt(3 Var))."""
    w = fn(np.random.default_rng(0), SHAPE, FAN_IN, FAN_OUT, np.float32)
    assert w.dtype == np.float32 and w.shape == SHAPE
    assert float(w.astype("float64").var()) == pytest.approx(variance, rel=0.02)
    assert abs(float(w.mean())) < 0.01 * math.sqrt(variance)
    if "uniform" in fn.__name__:
        assert float(np.abs(w).max()) <= math.sqrt(3 * variance) * (1 + 1e-6)


def test_gain_table():
    """PyTorch's calculate_gain values."""
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("sigmoid") == 1.0 and init.calculate_gain(None) == 1.0


def test_unknown_initializer():
    """Oracle: the documented ValueError listing the known names."""
    with pytest.raises(ValueError, match="unknown initializer 'xavier'; expected 'auto' or one of"):
        L.Dense(3, 2, init="xavier")


def _limit(layer):
    return float(np.abs(layer.params["W"]).max())


def test_auto_picks_he_before_relu_and_glorot_otherwise():
    """Dense -> BatchNorm -> ReLU gets He (BN is skipped); Dense -> Tanh and a Dense followed by
    another weight layer get Glorot; Conv2D -> Dropout -> ELU gets He."""
    he = math.sqrt(6 / FAN_IN)
    glorot = math.sqrt(6 / (FAN_IN + FAN_OUT))
    model = tn.Sequential([L.Dense(FAN_IN, FAN_OUT), L.BatchNorm(FAN_OUT), L.ReLU(),
                           L.Dense(FAN_OUT, FAN_IN), L.Tanh(),
                           L.Dense(FAN_IN, FAN_OUT), L.Dense(FAN_OUT, FAN_IN)], seed=0)
    assert _limit(model[0]) == pytest.approx(he, rel=0.01)
    assert _limit(model[3]) == pytest.approx(math.sqrt(6 / (FAN_OUT + FAN_IN)), rel=0.01)
    assert _limit(model[5]) == pytest.approx(glorot, rel=0.01)
    conv = tn.Sequential([L.Conv2D(16, 32, 5), L.Dropout(0.1), L.ELU()], seed=0)[0]
    assert _limit(conv) == pytest.approx(math.sqrt(6 / (16 * 25)), rel=0.01)


def test_explicit_init_is_kept_by_the_model():
    """Oracle: the Glorot limit, although a ReLU follows (auto would pick He)."""
    model = tn.Sequential([L.Dense(FAN_IN, FAN_OUT, init="glorot_uniform"), L.ReLU()], seed=0)
    assert _limit(model[0]) == pytest.approx(math.sqrt(6 / (FAN_IN + FAN_OUT)), rel=0.01)
    assert not model[0].params["b"].any()  # biases start at zero
