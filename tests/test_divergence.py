"""No silent NaN: fit never returns (or rolls back to) non-finite weights; inference says so.

Oracles: the weights themselves (every parameter and BatchNorm buffer finite
after a DivergenceError, equal to the last good ones), the exception's
``cause``, and the warning ``evaluate``/``predict`` give for non-finite outputs.
"""
import warnings

import numpy as np
import pytest

import tinynet as tn
from tinynet import layers as L


def _all_finite(model):
    return all(np.isfinite(tn.backend.to_host(v)).all()
               for layer in model for store in (layer.params, layer.buffers) for v in store.values())


def _data(n=16, d=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)).astype("float32"), rng.integers(0, classes, n)


@pytest.mark.parametrize("with_batchnorm, lr, scale, cause", [(True, 1e30, 1, "outputs"),
                                                               (False, 1e37, 1e3, "weights")])
def test_one_huge_step_is_caught_at_epoch_end(with_batchnorm, lr, scale, cause):
    """One full-batch step: the loss was finite, the model after it is not (huge weights
    whose outputs overflow; or inf weights).  Before: fit returned it."""
    X, y = _data()
    X *= scale
    middle = [L.BatchNorm(8)] if with_batchnorm else []
    model = tn.Sequential([L.Dense(4, 8), *middle, L.ReLU(), L.Dense(8, 3)], seed=0)
    before = model.get_weights()
    with np.errstate(all="ignore"), pytest.raises(tn.DivergenceError, match=cause) as info:
        model.fit(X, y, tn.losses.SoftmaxCrossEntropy(), tn.optim.SGD(lr), epochs=1,
                  batch_size=16, verbose=0)
    assert info.value.cause == cause
    assert _all_finite(model)
    for (p0, b0), (p1, b1) in zip(before, model.get_weights()):
        for k in p0:
            np.testing.assert_array_equal(p0[k], p1[k])


def test_never_rolls_back_to_non_finite_weights():
    """A model whose weights are already NaN is refused before training, not 'rolled back' to."""
    X, y = _data()
    model = tn.Sequential([L.Dense(4, 3)], seed=0)
    model[0].params["W"][0, 0] = np.nan
    with pytest.raises(ValueError, match=r"layer 0 \(Dense\) params W contains NaN or inf"):
        model.fit(X, y, tn.losses.SoftmaxCrossEntropy(), tn.optim.SGD(0.1), verbose=0)


def test_exploding_loss_names_its_cause():
    X, y = _data()
    X *= 1e3
    model = tn.Sequential([L.Dense(4, 64), L.ReLU(), L.Dense(64, 3)], seed=0)
    with np.errstate(all="ignore"), pytest.raises(tn.DivergenceError) as info:
        model.fit(X, y, tn.losses.SoftmaxCrossEntropy(), tn.optim.SGD(1e12), epochs=3,
                  batch_size=4, verbose=0)
    assert info.value.cause in ("loss", "weights", "outputs")
    assert info.value.cause in str(info.value)
    assert _all_finite(model)


def test_inputs_are_checked_after_the_cast():
    """float64 1e39 is finite, but inf in the model's float32: refused, naming the cast."""
    X = np.ones((4, 3))
    X[1, 2] = 1e39
    model = tn.Sequential([L.Dense(3, 2)])
    with pytest.raises(ValueError, match=r"input X contains NaN or inf values \(after the cast to float32, the model's dtype\)"):
        model.predict(X)


def test_non_finite_targets_are_refused():
    """NaN in MSE targets is the data's fault, said so before training (it was blamed on the lr)."""
    X = np.ones((4, 3), "float32")
    y = np.zeros((4, 2), "float32")
    y[0, 0] = np.nan
    model = tn.Sequential([L.Dense(3, 2)])
    with pytest.raises(ValueError, match=r"training data y contains NaN or inf values"):
        model.fit(X, y, tn.losses.MSE(), tn.optim.SGD(0.1), verbose=0)


def test_predict_and_evaluate_warn_on_non_finite_outputs():
    X, y = _data()
    model = tn.Sequential([L.Dense(4, 3)], seed=0)
    model[0].params["W"][...] = np.float32(3e38)
    with np.errstate(all="ignore"):
        with pytest.warns(RuntimeWarning, match=r"predict: \d+ of 48 outputs are NaN or inf"):
            out = model.predict(X)
        assert not np.isfinite(out).all()
        with pytest.warns(RuntimeWarning, match=r"evaluate: .* outputs are NaN or inf"):
            model.evaluate(X, y, tn.losses.SoftmaxCrossEntropy())
    model[0].params["W"][...] = 0.1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a healthy model: no warning
        model.predict(X)
