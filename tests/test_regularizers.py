"""L1 / L2 / L1L2 weight penalties: values, gradients inside Dense/Conv2D backward, configs.

The regularizer's gradient is added to dL/dW inside the layer's backward,
while its penalty is not part of ``forward``; so the gradient is checked
here on its own, with a large lambda (CS231n's advice), against three
oracles: the closed form (2*l2*W, l1*sign(W)), central differences of
``regularizer.penalty(W)``, and gradcheck of sum(g*y) + R(W).  L1 weights
are drawn at least 0.05 away from its kink at 0.
"""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinynet as tn
from tinynet import layers as L
from tinynet import regularizers

from helpers import GRAD_TOL, away_from_zero, numeric_grad, prop, relative_error

REGULARIZERS = {
    "L1": (lambda: tn.L1(3.0), lambda W: 3.0 * np.sign(W)),
    "L2": (lambda: tn.L2(5.0), lambda W: 10.0 * W),
    "L1L2": (lambda: tn.L1L2(l1=2.0, l2=4.0), lambda W: 2.0 * np.sign(W) + 8.0 * W),
}


def _build(kind, regularizer, rng):
    """A float64 Dense or Conv2D with W away from 0, and an input for it."""
    if kind == "Dense":
        layer = L.Dense(4, 3, regularizer=regularizer, dtype="float64")
        x = rng.standard_normal((3, 4))
    else:
        layer = L.Conv2D(2, 3, 2, padding=1, regularizer=regularizer, dtype="float64")
        x = rng.standard_normal((2, 2, 3, 3))
    layer.params["W"][...] = away_from_zero(rng, layer.params["W"].shape)
    return layer, x


@pytest.mark.parametrize("kind", ["Dense", "Conv2D"])
@pytest.mark.parametrize("name", sorted(REGULARIZERS))
@prop(10)
@given(seed=st.integers(0, 2**32 - 1))
def test_regularizer_gradient_added_in_backward(kind, name, seed):
    """grads[W](with R) - grads[W](without R) == dR/dW by closed form and by finite differences."""
    rng = np.random.default_rng(seed)
    make, closed_form = REGULARIZERS[name]
    reg = make()
    layer, x = _build(kind, reg, rng)
    y = layer.forward(x, training=True)
    g = rng.standard_normal(y.shape)
    layer.backward(g)
    with_reg = {k: v.copy() for k, v in layer.grads.items()}
    layer.regularizer = None
    layer.backward(g)  # same cache, no penalty
    reg_grad = with_reg["W"] - layer.grads["W"]
    W = layer.params["W"]
    np.testing.assert_allclose(reg_grad, closed_form(W), rtol=1e-12, atol=1e-12)
    numeric = numeric_grad(lambda: reg.penalty(W), W)
    assert relative_error(reg_grad, numeric) <= GRAD_TOL
    # the bias is never regularized
    np.testing.assert_array_equal(with_reg["b"], layer.grads["b"])


@pytest.mark.parametrize("kind", ["Dense", "Conv2D"])
@pytest.mark.parametrize("name", sorted(REGULARIZERS))
def test_gradcheck_of_regularized_layer(kind, name):
    """gradcheck differentiates sum(g*y) + R(W), the objective backward's gradient belongs to."""
    rng = np.random.default_rng(7)
    layer, x = _build(kind, REGULARIZERS[name][0](), rng)
    errors = tn.gradcheck(layer, x)
    assert max(errors.values()) <= GRAD_TOL, errors


def test_penalty_values():
    """Oracle: the formulas l1*sum|W| and l2*sum W^2 computed by hand on a 2x2 array."""
    W = np.array([[1.0, -2.0], [0.5, 0.0]])
    assert float(tn.L1(0.1).penalty(W)) == pytest.approx(0.1 * 3.5)
    assert float(tn.L2(0.1).penalty(W)) == pytest.approx(0.1 * 5.25)
    assert float(tn.L1L2(0.1, 0.2).penalty(W)) == pytest.approx(0.35 + 1.05)
    dW = np.zeros_like(W)
    tn.L1(1.0).add_grad(W, dW)
    np.testing.assert_array_equal(dW, [[1, -1], [1, 0]])  # sign(0) = 0: the subgradient


def test_penalty_counts_in_fit_loss_but_not_in_evaluate():
    """Keras semantics: fit's logged loss = data loss + sum of penalties; evaluate reports the data loss.

    Oracle: one full batch, so the logged loss is the value before the single
    (tiny) update step, recomputed by hand from the initial weights.
    """
    rng = np.random.default_rng(0)
    X = rng.standard_normal((16, 5)).astype("float32")
    y = rng.integers(0, 3, 16)
    model = tn.Sequential([L.Dense(5, 4, regularizer=tn.L2(0.5)), L.Tanh(),
                           L.Dense(4, 3, regularizer=tn.L1(0.25))], seed=1)
    W0, W2 = (model[i].params["W"].astype("float64") for i in (0, 2))
    loss = tn.losses.SoftmaxCrossEntropy()
    data_loss = float(loss(model.forward(X), y))
    penalty = 0.5 * float((W0 ** 2).sum()) + 0.25 * float(np.abs(W2).sum())
    assert float(model.penalty()) == pytest.approx(penalty, rel=1e-6)
    hist = model.fit(X, y, loss, tn.optim.SGD(lr=1e-12), epochs=1, batch_size=16, verbose=0)
    assert hist.history["loss"][0] == pytest.approx(data_loss + penalty, rel=1e-5)
    assert model.evaluate(X, y, loss)["loss"] == pytest.approx(data_loss, rel=1e-5)


def test_config_round_trip_and_refusals():
    """to_config/from_config rebuild the same regularizer; unknown names and negative
    strengths are refused."""
    for reg in (tn.L1(0.3), tn.L2(0.02), tn.L1L2(0.1, 0.2)):
        again = regularizers.from_config(regularizers.to_config(reg))
        assert type(again) is type(reg) and again.get_config() == reg.get_config()
    assert regularizers.from_config(None) is None
    with pytest.raises(ValueError, match="unknown regularizer 'os.system'"):
        regularizers.from_config({"class": "os.system"})
    with pytest.raises(ValueError, match="L2: l2 must be a finite number >= 0, got -1.0"):
        tn.L2(-1.0)
    with pytest.raises(ValueError, match="L1: l1 must be a finite number >= 0, got nan"):
        tn.L1(float("nan"))
