"""Losses: gradients (property tests), values against naive formulas, stability, label checks.

Oracles: ``tn.gradcheck`` (central differences of the scalar loss w.r.t. the
logits, float64); the textbook formulas evaluated naively in float64 with
Python's ``math`` on moderate logits; and, for huge logits, the fact that
shifting all logits of a row by a constant leaves softmax cross-entropy
unchanged.
"""
import math

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

import tinynet as tn
from tinynet.losses import MSE, BinaryCrossEntropy, SoftmaxCrossEntropy

from helpers import GRAD_TOL, prop

SEEDS = st.integers(0, 2**32 - 1)
SHAPES = st.one_of(st.tuples(st.integers(1, 4), st.integers(1, 6)),
                   st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)))


@prop(20)
@given(n=st.integers(1, 4), c=st.integers(1, 6), scale=st.sampled_from([0.1, 1.0, 5.0]), seed=SEEDS)
def test_softmax_cross_entropy_gradient(xp_backend, n, c, scale, seed):
    """Oracle: gradcheck of the scalar loss w.r.t. the logits."""
    rng = np.random.default_rng(seed)
    z = xp_backend.asarray(scale * rng.standard_normal((n, c)))
    y = xp_backend.asarray(rng.integers(0, c, n))
    loss = SoftmaxCrossEntropy()
    loss.forward(z, y)
    # A confident correct prediction has a gradient of ~1e-5, and the
    # difference quotient's rounding (~1e-16 / h) is then no longer small
    # next to it: the metric, not the backward, would fail.
    assume(float(abs(loss.backward()).max()) > 1e-3)
    errors = tn.gradcheck(loss, z, y)
    assert errors["x"] <= GRAD_TOL, errors


@prop(20)
@given(shape=SHAPES, seed=SEEDS)
def test_mse_gradient(xp_backend, shape, seed):
    """Oracle: gradcheck of the scalar loss w.r.t. the predictions."""
    rng = np.random.default_rng(seed)
    pred = xp_backend.asarray(rng.standard_normal(shape))
    target = xp_backend.asarray(rng.standard_normal(shape))
    assert tn.gradcheck(MSE(), pred, target)["x"] <= GRAD_TOL


@prop(20)
@given(shape=SHAPES, hard=st.booleans(), seed=SEEDS)
def test_binary_cross_entropy_gradient(xp_backend, shape, hard, seed):
    """Targets either exact 0/1 labels or soft values in [0, 1]."""
    rng = np.random.default_rng(seed)
    z = xp_backend.asarray(3 * rng.standard_normal(shape))
    y = rng.integers(0, 2, shape).astype("float64") if hard else rng.uniform(0, 1, shape)
    assert tn.gradcheck(BinaryCrossEntropy(), z, xp_backend.asarray(y))["x"] <= GRAD_TOL


def test_loss_values_match_naive_formulas(xp_backend):
    """Oracle: per-element formulas with Python floats and math.exp/log."""
    rng = np.random.default_rng(3)
    z = rng.standard_normal((5, 4)) * 3
    labels = rng.integers(0, 4, 5)
    t = rng.uniform(0, 1, (5, 4))
    ce = sum(math.log(sum(math.exp(v) for v in row)) - row[k] for row, k in zip(z, labels)) / 5
    mse = sum((a - b) ** 2 for a, b in zip(z.ravel(), t.ravel())) / z.size
    sig = lambda v: 1 / (1 + math.exp(-v))
    bce = -sum(b * math.log(sig(a)) + (1 - b) * math.log(1 - sig(a))
               for a, b in zip(z.ravel(), t.ravel())) / z.size
    dev = xp_backend.asarray
    assert float(SoftmaxCrossEntropy()(dev(z), dev(labels))) == pytest.approx(ce, rel=1e-12)
    assert float(MSE()(dev(z), dev(t))) == pytest.approx(mse, rel=1e-12)
    assert float(BinaryCrossEntropy()(dev(z), dev(t))) == pytest.approx(bce, rel=1e-12)


def test_losses_are_stable_for_huge_logits(xp_backend):
    """float32 logits of +-1e4: finite values and gradients (no exp overflow).

    Oracle: CE is shift-invariant per row, so CE(z + 1e4) == CE(z); BCE of a
    confident correct logit is ~0 and of a confident wrong one is ~|z|.
    """
    dev = xp_backend.asarray
    z = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]], "float32")
    y = np.array([2, 0])
    ce = SoftmaxCrossEntropy()
    base = float(ce(dev(z), dev(y)))
    shifted = float(ce(dev(z + 1e4), dev(y)))
    assert shifted == pytest.approx(base, rel=1e-6)
    assert np.isfinite(xp_backend.host(ce.backward())).all()
    bce = BinaryCrossEntropy()
    big = np.array([[1e4, -1e4]], "float32")
    assert float(bce(dev(big), dev(np.array([[1.0, 0.0]], "float32")))) == pytest.approx(0.0, abs=1e-6)
    assert float(bce(dev(big), dev(np.array([[0.0, 1.0]], "float32")))) == pytest.approx(1e4, rel=1e-6)
    assert np.isfinite(xp_backend.host(bce.backward())).all()


def test_cross_entropy_metric_counts_correct_predictions(xp_backend):
    """Oracle: the hand-counted number of rows whose argmax equals the label."""
    z = xp_backend.asarray(np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]], "float32"))
    y = xp_backend.asarray(np.array([1, 1, 1]))
    assert int(SoftmaxCrossEntropy().metric(z, y)) == 2


# ----------------------------------------------------------------- errors
def test_labels_out_of_range():
    """Oracle: the message gives the valid range and the values found."""
    z = np.zeros((3, 4), "float32")
    with pytest.raises(ValueError, match=r"SoftmaxCrossEntropy\(\): labels must lie in \[0, 3\] "
                                         r"for 4 logits, found values in \[0, 4\]"):
        SoftmaxCrossEntropy()(z, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"found values in \[-1, 1\]"):
        SoftmaxCrossEntropy()(z, np.array([0, -1, 1]))


def test_labels_wrong_dtype():
    """Float or one-hot labels are refused with a hint, not silently cast."""
    with pytest.raises(TypeError, match=r"SoftmaxCrossEntropy\(\): expected integer class labels "
                                        r"of shape \(3,\), got float32 of shape \(3, 4\)"):
        SoftmaxCrossEntropy()(np.zeros((3, 4), "float32"), np.eye(4, dtype="float32")[:3])
    with pytest.raises(TypeError, match="expected integer class labels.*got float64"):
        SoftmaxCrossEntropy()(np.zeros((3, 4), "float32"), np.array([0.0, 1.0, 2.0]))


def test_labels_wrong_shape():
    """Oracle: the message gives the expected and the actual label shape."""
    with pytest.raises(ValueError, match=r"SoftmaxCrossEntropy\(\): expected labels of shape \(3,\) "
                                         r"to match logits \(3, 4\), got \(2,\)"):
        SoftmaxCrossEntropy()(np.zeros((3, 4), "float32"), np.array([0, 1]))


def test_logits_wrong_shape_or_dtype():
    """Oracle: the message names the loss and the expected (N, C) / float logits."""
    with pytest.raises(ValueError, match=r"SoftmaxCrossEntropy\(\): expected predictions of shape "
                                         r"\(N, C\), got \(3,\)"):
        SoftmaxCrossEntropy()(np.zeros(3, "float32"), np.array([0, 1, 2]))
    with pytest.raises(TypeError, match=r"MSE\(\): expected floating-point predictions.*int64"):
        MSE()(np.zeros((2, 2), "int64"), np.zeros((2, 2), "int64"))


def test_regression_targets_must_match():
    """Oracle: shape and dtype mismatches named, no broadcasting or upcast."""
    with pytest.raises(ValueError, match=r"MSE\(\): expected targets of shape \(2, 3\).*got \(3, 2\)"):
        MSE()(np.zeros((2, 3), "float32"), np.zeros((3, 2), "float32"))
    with pytest.raises(TypeError, match=r"BinaryCrossEntropy\(\): expected targets of dtype float32 "
                                        r"like the predictions, got float64"):
        BinaryCrossEntropy()(np.zeros((2, 3), "float32"), np.zeros((2, 3), "float64"))


def test_backward_before_forward():
    """Oracle: a RuntimeError naming the loss."""
    with pytest.raises(RuntimeError, match=r"MSE\(\): backward\(\) called before forward\(\)"):
        MSE().backward()
