"""Verdict logic specific to Report B's modules (b2, b3, b4), on planted numbers: no training.

Curve readings of experiments/core/helpers.py by hand (b3's timing test is
tested with the other timing tests, in test_timing_claims.py); b4's
grid-edge flag and its one-step-beyond candidates; b4's claims against Report
B's MSEs on planted seeds.
"""
import pytest

from experiments import b3_architecture_grid as b3
from experiments import b4_regression as b4
from experiments.core import claims, helpers


def test_epochs_to_fraction_reads_the_share_of_the_runs_own_improvement():
    # improvement 0.5 -> 0.95 is 0.45; 95% of it is reached at 0.9275: epoch 4
    assert helpers.epochs_to_fraction([0.5, 0.7, 0.9, 0.95], 0.95) == 4
    assert helpers.epochs_to_fraction([0.5, 0.7, 0.9, 0.95], 0.8) == 3
    assert helpers.epochs_to_fraction([1.0, 0.4, 0.2], 0.95, higher_is_better=False) == 3
    assert helpers.epochs_to_fraction([0.9, 0.9, 0.8], 0.95) is None   # never improves
    assert helpers.epochs_to_fraction([0.9], 0.95) is None
    assert helpers.epochs_to_fraction([0.5, None, 0.9], 0.95) is None


def test_max_drawdown_is_the_largest_fall_below_the_running_best():
    assert helpers.max_drawdown([0.90, 0.95, 0.93, 0.96, 0.90]) == pytest.approx(0.06)
    assert helpers.max_drawdown([0.1, 0.2, 0.3]) == 0.0


def test_hidden_sizes_follow_report_bs_shrink_rules():
    assert b3.hidden_sizes(256, 3) == [256, 192, 144]
    assert b3.hidden_sizes(512, 2) == [512, 384]
    assert b3.hidden_sizes(512, 3, b3.HALF) == [512, 256, 128]


def test_b4_flags_a_winner_at_the_grid_edge_and_proposes_one_step_beyond():
    cands = b4._candidates("full")
    largest = {"activation": "tanh", "hidden": [64, 64, 64]}
    edges = b4._edges(largest, cands)
    assert len(edges) == 2 and all("largest tried" in e for e in edges)
    beyond = b4._beyond(largest, cands)
    assert {"activation": "tanh", "hidden": [128, 128, 128]} in beyond
    assert {"activation": "tanh", "hidden": [64, 64, 64, 64]} in beyond
    middle = {"activation": "tanh", "hidden": [32]}
    assert b4._edges(middle, cands) == [] and b4._beyond(middle, cands) == []  # depth 1 is no edge to flag


def _b4_summary(mse_1000, mse_100):
    per_m = lambda m, v: {"report_b": b4.REPORT_B[m], "test_mse": v, "test": {"mean": sum(v) / len(v), "sd": 0.0},
                          "best": "tanh 64", "edges": []}
    return {"lr": b4.LR, "epochs": 10, "grid_n": 1000,
            "per_m": {"1000": per_m(1000, mse_1000), "100": per_m(100, mse_100)}}


def test_b4_claims_compare_with_report_b_on_a_log_scale():
    far = _b4_summary([3e-6, 2.5e-6, 3.5e-6, 2.8e-6, 3.1e-6], [1.2e-4, 1.4e-4, 1.1e-4, 1.3e-4, 1.25e-4])
    verdicts = {c["id"]: c["verdict"] for c in claims.decide(b4._claims(far, 5))}
    assert verdicts == {"b4.test-mse-m1000": "contradicted", "b4.test-mse-m100": "contradicted",
                        "b4.more-data-lower-mse": "supported"}
    near = _b4_summary([0.0055, 0.0058, 0.0060, 0.0056, 0.0057], [0.013, 0.014, 0.0135, 0.0138, 0.0132])
    verdicts = {c["id"]: c["verdict"] for c in claims.decide(b4._claims(near, 5))}
    assert verdicts["b4.test-mse-m1000"] == "supported" and verdicts["b4.test-mse-m100"] == "supported"
