"""Verdict logic and helpers of p08–p11 on planted cases (no training, well under a second).

* non-inferiority ("comparable or better"): a tie within the margin is
  supported, a clear deficit contradicted, a deficit inside the noise
  inconclusive;
* p10's per-d AE-vs-PCA test: a planted tie is inconclusive, never "better";
* the intrinsic-dimension estimators recover the dimension of a linear
  5-dimensional cloud embedded in 50 dimensions;
* the plateau rule stops after ``patience`` epochs without a relative gain and
  restores the best weights; the AE-curve criterion flags "no plateau";
* p08 reads p04's dense model by its explicit key (and says why when absent);
  p09 refuses p08's reference trained with another recipe.
"""
import json
import math

import numpy as np
import pytest

from experiments import p08_cnn_search as p08
from experiments import p09_stacked_cnn as p09
from experiments import p10_autoencoder as p10
from experiments.core import autoencoder as ae
from experiments.core import claims, cnn, stats
from experiments.core.noninferiority import binomial_margin, welch_noninferior


def _verdict(result, expect=+1):
    c = claims.claim("t.x", "A", "q", "t", result, expect=expect)
    return claims.decide([c])[0]["verdict"]


def test_margin_is_two_binomial_standard_errors():
    assert binomial_margin(0.98, 10000) == pytest.approx(2 * math.sqrt(0.98 * 0.02 / 10000))
    assert binomial_margin(None, 10000) is None


@pytest.mark.parametrize("shift, margin, verdict", [
    (0.0, 0.003, "supported"),       # same accuracy, margin wider than the noise
    (-0.010, 0.003, "contradicted"),  # 1 point worse, margin 0.3 points
    (-0.0025, 0.003, "inconclusive"),  # just inside the margin, within the seeds' spread
])
def test_noninferiority_verdicts(shift, margin, verdict):
    ref = [0.9840, 0.9845, 0.9835, 0.9842, 0.9838]
    noise = [0.0004, -0.0003, 0.0002, -0.0004, 0.0001]
    a = [r + shift + e for r, e in zip(ref, noise)]
    res = welch_noninferior(a, ref, margin)
    assert res["effect"] == pytest.approx(np.mean(a) - np.mean(ref) + margin)
    assert _verdict(res) == verdict


def test_ae_vs_pca_planted_tie_is_inconclusive():
    pca = 0.00420
    ae_runs = [0.00400, 0.00445, 0.00412, 0.00436, 0.00409]  # mean 0.0042: a tie
    assert _verdict(stats.one_sample(ae_runs, pca), expect=-1) == "inconclusive"
    better = [v - 0.001 for v in ae_runs]
    assert _verdict(stats.one_sample(better, pca), expect=-1) == "supported"


def test_intrinsic_dimension_estimators_on_a_linear_cloud():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1500, 5)) @ rng.normal(size=(5, 50))
    dist = ae.neighbour_distances(X, 20)
    assert dist.shape == (1500, 20) and np.all(np.diff(dist, axis=1) >= 0)
    assert ae.twonn(dist) == pytest.approx(5, rel=0.15)
    assert ae.levina_bickel(dist, 10) == pytest.approx(5, rel=0.15)


def test_neighbour_distances_drop_duplicates():
    X = np.array([[0.0, 0], [0, 0], [1, 0], [0, 2], [3, 3]])
    dist = ae.neighbour_distances(X, 2)
    assert dist.shape == (4, 2) and dist.min() > 0


class _FakeModel:
    def __init__(self):
        self.w, self.stop_training = 0, False

    def get_weights(self):
        return self.w

    def set_weights(self, w):
        self.w = w


def test_plateau_stops_on_relative_gain_and_restores_best():
    model, stop = _FakeModel(), ae.Plateau(rel=0.01, patience=2)
    stop.set_model(model)
    stop.on_train_begin()
    losses = [1.0, 0.5, 0.499, 0.498, 0.40]  # epochs 3 and 4 gain < 1%: stop after epoch 4
    for epoch, value in enumerate(losses):
        model.w = epoch
        stop.on_epoch_end(epoch, {"val_loss": value})
        if model.stop_training:
            break
    assert stop.stopped_epoch == 3
    stop.on_train_end()
    assert model.w == 3  # the lowest value seen (0.498), however small its gain


def test_ae_curve_criterion_and_no_plateau():
    def rows(mses):
        return [{"d": d, "ae": {"mean": m}} for d, m in zip((2, 4, 8, 16), mses)]
    assert p10._curve_plateau(rows([0.04, 0.02, 0.019, 0.0185])) == 4
    assert p10._curve_plateau(rows([0.04, 0.02, 0.01, 0.005])) is None


class _Ctx:
    def __init__(self, out, mode="quick", dataset="mnist"):
        self.out, self.mode, self.dataset = str(out), mode, dataset

    def pick(self, smoke, quick, full):
        return {"smoke": smoke, "quick": quick, "full": full}[self.mode]


def _write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def test_p08_reads_p04_dense_model_by_key(tmp_path):
    ctx = _Ctx(tmp_path)
    ref, why = p08.read_p04(ctx)
    assert ref is None and "absent" in why
    row = {"shape": "uniform", "regularizer": "none", "test_accuracy": {"values": [0.978, 0.981, 0.979]}}
    other = {"shape": "uniform", "regularizer": "l2", "test_accuracy": {"values": [0.5, 0.5]}}
    _write(tmp_path / p08.P04_ID / "summary.json", {"mode": "quick", "dataset": "mnist", "epochs": 15,
                                                    "lr": 0.001, "rows": [other, row]})
    ref, why = p08.read_p04(ctx)
    assert ref["values"] == [0.978, 0.981, 0.979] and ref["epochs"] == 15 and "rows[" in why
    ref, why = p08.read_p04(_Ctx(tmp_path, mode="full"))
    assert ref is None and "another mode" in why


def test_p09_refuses_p08_reference_of_another_recipe(tmp_path):
    ctx = _Ctx(tmp_path)
    one = {"name": "x", "params": 1, "test_values": [0.9, 0.91], "recipe": cnn.recipe(ctx)}
    _write(tmp_path / p09.P08_ID / "summary.json", {"mode": "quick", "dataset": "mnist", "one_conv_reference": one,
                                                    "dense_reference": one})
    assert p09.read_p08(ctx)[0] == one
    other = {**one, "recipe": {**one["recipe"], "epochs": 9}}
    _write(tmp_path / p09.P08_ID / "summary.json",
           {"mode": "quick", "dataset": "mnist", "one_conv_reference": other, "dense_reference": one})
    assert p09.read_p08(ctx)[0] is None
