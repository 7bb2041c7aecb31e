"""Verdict logic of p01–p04: exact counts, the combined tests, planted ties (no training)."""
import pytest

from experiments import p02_depth_range, p03_depth_vs_width, p04_layer_shapes
from experiments.core import claims, comparisons, stats
from experiments.core.mlp_budget import (best_width, count_widths, layer_terms, params_built, params_closed_form,
                                         params_report_a)


def test_layer_terms_add_up_and_report_a_misses_m_biases():
    for k, m in ((1, 16), (3, 64)):
        t = layer_terms(k, m)
        assert sum(t.values()) == params_closed_form(k, m) == params_built(k, m)
        assert t["hidden_biases"] == k * m  # Report A itemized (k − 1)·m
        assert params_closed_form(k, m) - params_report_a(k, m) == m
    assert params_built(0, 0) == 7850
    assert count_widths([256, 256, 256]) == params_closed_form(3, 256)


def test_solved_depth_range_matches_a_brute_force_scan():
    for P in (10_000, 50_000):
        lo, hi = p02_depth_range.scan_range(P, 0.10)
        assert (lo, hi) == (1, p02_depth_range.k_max(P, 0.10))
        assert abs(params_closed_form(6, best_width(6, P)) - P) / P < 0.05


def _result(loss, seed):
    return {"result": {"diverged": False, "final": {"test_loss": loss}}, "config": {"seed": seed}}


def _arm(values):
    return [_result(v, s) for s, v in enumerate(values)]


NOISE = [0.003, -0.002, 0.001, -0.004, 0.002]


def test_intersection_union_takes_the_weaker_comparison():
    strong = {"test": "paired t", "effect": -0.5, "ci": [-0.6, -0.4], "p": 0.001, "n": [5]}
    weak = {"test": "paired t", "effect": -0.1, "ci": [-0.3, 0.1], "p": 0.2, "n": [5]}
    both = comparisons.all_of([strong, weak], -1)
    assert both["p"] == 0.2 and both["effect"] == -0.1
    some = comparisons.any_of([strong, weak], -1)
    assert some["p"] == pytest.approx(0.002) and some["effect"] == -0.5
    against = comparisons.all_of([strong, {**weak, "effect": 0.1}], -1)
    assert against["effect"] == 0.1 and against["p"] == pytest.approx(0.4)  # some arm goes the other way


def _sweet_setup(depth_losses):
    """final records and validation sweet spots for plain nets: {P: {k: [losses over seeds]}}."""
    final, sweet = {}, {}
    for P, by_k in depth_losses.items():
        for k, values in by_k.items():
            final[("plain", P, k)] = _arm(values)
        best = min(by_k, key=lambda k: sum(by_k[k]))
        sweet[f"plain|{P}"] = {"k": best, "worst_k": max(by_k, key=lambda k: sum(by_k[k])),
                               "depths": sorted(by_k), "edge": ""}
    return final, sweet


def test_sweet_spot_tied_across_budgets_is_inconclusive_and_a_clear_move_is_supported():
    s = {"budgets": [10_000, 200_000]}
    tied = {P: {1: [0.20 + n for n in NOISE], 3: [0.201 - n for n in NOISE]} for P in s["budgets"]}
    tied[200_000][3] = [0.199 - n for n in NOISE]  # the chosen depths differ, the losses do not
    final, sweet = _sweet_setup(tied)
    c = claims.decide([p03_depth_vs_width._moves_with_p(final, sweet, s, "")])[0]
    assert sweet["plain|10000"]["k"] != sweet["plain|200000"]["k"]
    assert c["verdict"] == "inconclusive"
    # seeds pair the arms: per-seed differences need spread of their own (a constant shift has sd 0)
    moved = {10_000: {1: [0.20 + n for n in NOISE], 3: [0.30 + 1.5 * n for n in NOISE]},
             200_000: {1: [0.10 + n for n in NOISE], 3: [0.05 + n / 2 for n in NOISE]}}
    final, sweet = _sweet_setup(moved)
    c = claims.decide([p03_depth_vs_width._moves_with_p(final, sweet, s, "")])[0]
    assert c["verdict"] == "supported"


def test_decreasing_ranked_first_within_noise_is_not_supported():
    def arm(base, shift):
        noise = NOISE[shift:] + NOISE[:shift]  # seeds do not move the arms together: a noisy paired difference
        final = [{"late_test_loss": base + n, "rise": 0.01, "first_test_loss": 1.0} for n in noise]
        return [{"result": {"diverged": False, "final": f}, "config": {"seed": s}} for s, f in enumerate(final)]
    final = {(shape, reg): arm(base, shift) for reg in ("none", "l2", "dropout")
             for shape, base, shift in (("uniform", 0.0902, 1), ("decreasing", 0.0900, 0), ("increasing", 0.0905, 2))}
    setup = {"epochs": 1, "lr_grid": [1e-3], "l2_grid": [1e-4], "dropout_grid": [0.2], "n_val": 10, "tune_seeds": 1,
             "n_seeds": 5, "batch_size": 128, "edges": [0, 9]}
    decided = {c["id"]: c for c in claims.decide(p04_layer_shapes._claims(final, setup))}
    assert decided["p04.decreasing-best"]["verdict"] == "inconclusive"
    assert decided["p04.uniform-not-lowest"]["verdict"] == "inconclusive"
    means = {shape: stats.summarize([stats.final_metric(r, "late_test_loss") for r in final[(shape, "none")]])["mean"]
             for shape in ("uniform", "decreasing", "increasing")}
    assert min(means, key=means.get) == "decreasing"  # it does rank first: the ranking alone is no verdict
