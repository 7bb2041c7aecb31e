"""The gradient checker is itself an oracle, so it must be able to fail.

Oracle here: deliberately broken backward passes (a wrong scale, a missing
transpose-sensitive term, an ignored parameter gradient) must be reported with
a large relative error, and a correct one with a tiny error, in both modes.
"""
import numpy as np
import pytest

import tinynet as tn
from tinynet import layers as L

from helpers import GRAD_TOL


class ScaledGradDense(L.Dense):
    """Dense whose input gradient is 1.01x too large (a subtle bug)."""

    def backward(self, grad_out, need_input_grad=True):
        return 1.01 * super().backward(grad_out, need_input_grad)


class NoBiasGradDense(L.Dense):
    """Dense that forgets to write db."""

    def backward(self, grad_out, need_input_grad=True):
        dx = super().backward(grad_out, need_input_grad)
        self.grads["b"] = self.grads["b"] * 0
        return dx


class OnesBlindDense(L.Dense):
    """dW = x^T (dy summed over outputs, broadcast): right for g = ones, wrong otherwise."""

    def backward(self, grad_out, need_input_grad=True):
        dx = super().backward(grad_out, need_input_grad)
        mean = grad_out.mean(axis=1, keepdims=True) * np.ones_like(grad_out)
        self.grads["W"] = self._cache.T @ mean
        return dx


@pytest.mark.parametrize("mode", ["full", "directional"])
def test_gradcheck_accepts_a_correct_backward(mode):
    """Oracle: Dense's backward is correct, so every error is below the pass mark."""
    x = np.random.default_rng(0).standard_normal((4, 3))
    errors = tn.gradcheck(L.Dense(3, 2), x, mode=mode)
    assert set(errors) == {"x", "W", "b"} and max(errors.values()) <= GRAD_TOL


@pytest.mark.parametrize("mode", ["full", "directional"])
@pytest.mark.parametrize("cls, broken", [(ScaledGradDense, "x"), (NoBiasGradDense, "b"),
                                         (OnesBlindDense, "W")])
def test_gradcheck_reports_a_broken_backward(cls, broken, mode):
    """The broken tensor (and only it) is far above the pass mark."""
    x = np.random.default_rng(0).standard_normal((4, 3))
    layer = cls(3, 2)
    layer.params["b"][...] = 0.5
    errors = tn.gradcheck(layer, x, mode=mode)
    assert errors[broken] > 1e-3, errors
    assert all(v <= GRAD_TOL for k, v in errors.items() if k != broken), errors


def test_gradcheck_checks_losses():
    """A correct loss passes; a loss whose gradient lacks the 1/N fails."""
    rng = np.random.default_rng(1)
    z, y = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    assert tn.gradcheck(tn.losses.SoftmaxCrossEntropy(), z, y)["x"] <= GRAD_TOL

    class NoMeanCE(tn.losses.SoftmaxCrossEntropy):
        def backward(self):
            return super().backward() * self._cache[0].shape[0]

    assert tn.gradcheck(NoMeanCE(), z, y)["x"] > 0.5


def test_gradcheck_leaves_the_layer_alone():
    """It works on a float64 copy: the float32 layer's params and dtype are unchanged."""
    layer = L.Dense(3, 2)
    before = layer.params["W"].copy()
    tn.gradcheck(layer, np.ones((2, 3), "float32"))
    assert layer.dtype == np.float32 and layer.params["W"].dtype == np.float32
    np.testing.assert_array_equal(layer.params["W"], before)


def test_gradcheck_rejects_unknown_mode():
    """Oracle: the documented ValueError."""
    with pytest.raises(ValueError, match="mode must be 'full' or 'directional'"):
        tn.gradcheck(L.ReLU(), np.ones((1, 2)), mode="fast")


def test_gradcheck_leaves_a_dropout_stream_alone(xp_backend):
    """The copy gets its own random stream: the original Dropout's next mask is
    the one a fresh Dropout with the same seed draws (oracle: that fresh layer)."""
    x = xp_backend.asarray(np.ones((4, 5), "float32"))
    used, fresh = L.Dropout(0.5, seed=3), L.Dropout(0.5, seed=3)
    errors = tn.gradcheck(used, x, training=True)
    assert errors["x"] <= GRAD_TOL
    np.testing.assert_array_equal(xp_backend.host(used.forward(x, training=True)),
                                  xp_backend.host(fresh.forward(x, training=True)))


def test_gradcheck_perturbs_non_contiguous_inputs():
    """A transposed (non-contiguous) input must still be perturbed element by element.

    Oracle: Tanh's backward is right, so the error must be tiny; a gradcheck
    that perturbed a copy would see a zero numeric gradient (error 1.0).
    """
    x = np.random.default_rng(0).standard_normal((5, 3)).T  # (3, 5), Fortran-ordered
    assert not x.flags.c_contiguous
    errors = tn.gradcheck(tn.layers.Tanh(), x)
    assert errors["x"] < 1e-6
