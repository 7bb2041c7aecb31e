"""Verdict logic of the timing questions (p05, p06, p07, b1, b3): no training, synthetic records only.

A timing difference is a finding only when its test is significant *and* it
exceeds the IQR of repeated identical runs (experiments.core.timing); the GPU
claims of p07 are inconclusive when no GPU run is stored.
"""
import math

import pytest
from scipy import stats as stats_scipy

from experiments import p05_batch_size as p05
from experiments import p07_activations as p07
from experiments.core import claims, stats, timing


def _rec(samples, **config):
    """A timing record as Context.run_timing stores it."""
    return {"config": {"replica": 0, **config},
            "result": {"samples": list(samples), **stats.median_iqr(samples), "load": None}}


def _decide_one(c):
    return claims.decide([c])[0]["verdict"]


def test_difference_within_the_iqr_is_not_a_finding():
    # medians 1.00 vs 1.05 s, but identical runs spread by ~0.4 s: a planted tie
    a = _rec([0.6, 0.8, 1.0, 1.2, 1.4, 1.0, 1.0])
    b = _rec([1.05] * 6 + [1.06])
    res = timing.difference(a, b)
    assert res["p"] is None and res["p_welch"] is not None and "not a finding" in res["gate"]
    c = claims.claim("t.x", "A", "a is faster", "Welch", res, expect=-1)
    assert _decide_one(c) == "inconclusive"


def test_clear_difference_beyond_the_iqr_is_decided():
    a = _rec([1.00, 1.01, 0.99, 1.02, 1.00])
    b = _rec([2.00, 2.02, 1.98, 2.01, 2.00])
    res = timing.difference(a, b)
    assert res["gate"] == "" and res["p"] < 0.001 and res["effect"] == pytest.approx(-1.0, abs=0.02)
    assert _decide_one(claims.claim("t.y", "A", "a is faster", "Welch", res, expect=-1)) == "supported"
    assert _decide_one(claims.claim("t.z", "A", "a is slower", "Welch", res, expect=1)) == "contradicted"


def test_replica_gap_raises_the_noise_floor():
    a = _rec([1.00, 1.01, 0.99, 1.00, 1.00])
    b = _rec([1.10, 1.11, 1.09, 1.10, 1.10])
    assert timing.difference(a, b)["p"] is not None
    assert timing.difference(a, b, null_gap=0.2)["p"] is None  # two identical configs differed by 0.2 s


def test_paired_log_ratio_by_hand():
    # rounds 2/1 and 4/1: ln ratios ln 2 and 2 ln 2 — mean 1.5 ln 2, se ln 2 / 2, t = 3 on 1 dof,
    # whose two-sided p is 1 − (2/π)·atan(3)
    slow, fast = _rec([2.0, 4.0]), _rec([1.0, 1.0])
    res = timing.paired_log_ratio([(slow, fast)])
    assert res["effect"] == pytest.approx(1.5 * math.log(2))
    assert res["p"] == pytest.approx(1 - 2 / math.pi * math.atan(3.0))
    assert res["gate"] == "" and res["within_iqr"] == 0  # |Δ median| 2 s > IQR 1 s


def test_paired_log_ratio_withholds_p_when_a_pair_is_inside_its_iqr():
    clear = (_rec([2.0, 2.2, 1.8, 2.1, 1.9]), _rec([1.0, 1.02, 0.98, 1.01, 0.99]))
    # a consistent 3% lead, but repeated identical runs spread by 20%: inside the IQR
    noisy = (_rec([1.03, 1.236, 0.927, 1.133, 0.824]), _rec([1.00, 1.20, 0.90, 1.10, 0.80]))
    rounds = [math.log(x / y) for a, b in (clear, noisy)
              for x, y in zip(a["result"]["samples"], b["result"]["samples"])]
    expected = stats_scipy.ttest_1samp(rounds, 0.0)
    res = timing.paired_log_ratio([clear, noisy])
    assert res["n"] == [10] and res["within_iqr"] == 1
    assert res["p"] is None and res["p_welch"] == pytest.approx(expected.pvalue) and expected.pvalue < 0.05
    assert "not a finding (1 of 2 pair(s) within their IQR)" in res["gate"]
    assert _decide_one(claims.claim("t.r", "B", "a is slower", "paired t", res, expect=1)) == "inconclusive"
    alone = timing.paired_log_ratio([clear])  # the clear pair by itself: beyond its IQR, p kept
    assert alone["p"] == pytest.approx(stats_scipy.ttest_1samp(rounds[:5], 0.0).pvalue) and alone["gate"] == ""
    assert _decide_one(claims.claim("t.s", "B", "a is slower", "paired t", alone, expect=1)) == "supported"


def test_equivalence_of_timings():
    a = _rec([1.00, 1.01, 0.99, 1.00, 1.02])
    b = _rec([1.01, 1.00, 1.00, 0.99, 1.01])
    res = timing.equivalent(a, b, 0.2)
    assert res["p_equivalence"] < 0.05
    assert _decide_one(claims.claim("t.e", "A", "about the same", "TOST", res, kind="equivalence")) == "supported"


def test_trend_and_slopes():
    xs = [16, 64, 256, 1024]
    recs = [_rec([0.4 / (x / 16) ** 0.5 * f for f in (0.99, 1.0, 1.01)]) for x in xs]  # time ∝ B^-0.5
    res = timing.trend(xs, recs)
    assert res["effect"] < -0.9 and res["p"] is not None
    s, se, n = timing.slope(xs, recs)
    assert s == pytest.approx(-0.5, abs=0.01) and n == 12
    assert timing.slope_vs(xs, recs, 1.0)["effect"] == pytest.approx(-1.5, abs=0.01)


def test_range_difference_is_deterministic():
    cpu = [_rec([1.0, 1.01, 0.99]), _rec([2.0, 2.02, 1.98])]
    gpu = [_rec([0.1, 0.101, 0.099]), _rec([0.11, 0.111, 0.109])]
    r1, r2 = timing.range_difference(cpu, gpu), timing.range_difference(cpu, gpu)
    assert r1 == r2 and r1["effect"] < 0 and r1["p"] < 0.05


def test_blowups_find_transient_and_lasting_spikes():
    # the full-batch case: test loss 0.56 → 3.30 in epochs 7–10
    curve = [2.0, 1.0, 0.7, 0.6, 0.57, 0.56, 1.2, 3.3, 2.5, 0.9, 0.5]
    assert p05.blowups(curve) == [(7, 10, 0.56, 3.3)]  # 0.9 ≥ 1.5 × 0.56 still
    assert p05.blowups([1.0, 0.8, 0.6, 0.5]) == []


def test_vanishing_transient_vs_persistent():
    # step 1: 1000× below ReLU (d = −3), over training: 0.68× (d ≈ −0.17): transient, not persistent
    transient = stats.one_sample([-3.1, -2.9, -3.0, -3.05, -2.95], -1.0)
    persistent = stats.one_sample([-0.15, -0.18, -0.17, -0.16, -0.19], -1.0)
    text = p07._persistence(transient, persistent)
    assert "transient" in text
    c = claims.claim("p07.v", "A", "sigmoid suffers from vanishing gradients", "t", persistent, expect=-1)
    assert _decide_one(c) == "contradicted"


def test_gpu_claims_inconclusive_without_a_gpu_run():
    cpu = [_rec([1.0, 1.02, 0.98, 1.0, 1.01], activation=a) for a in ("relu", "sigmoid")]
    out = p07._timing_claims({"numpy": {"timing": cpu, "points": []}}, "numpy", ["relu", "sigmoid"])
    gpu = [c for c in out if c["id"].startswith("p07.gpu-")]
    assert len(gpu) == 3
    for c in claims.decide(gpu):
        assert c["verdict"] == "inconclusive" and c["note"] == "no GPU run stored"


def test_gpu_faster_is_tested_when_gpu_timings_are_stored():
    acts = ("relu", "sigmoid")
    cpu = [_rec([1.0, 1.02, 0.98, 1.0, 1.01], activation=a) for a in acts]
    gpu = [_rec([0.2, 0.21, 0.19, 0.2, 0.2], activation=a) for a in acts]
    out = p07._timing_claims({"numpy": {"timing": cpu, "points": []}, "cupy": {"timing": gpu, "points": []}},
                             "numpy", list(acts))
    faster = next(c for c in claims.decide(out) if c["id"] == "p07.gpu-faster")
    assert faster["kind"] == "difference" and faster["verdict"] == "supported"
