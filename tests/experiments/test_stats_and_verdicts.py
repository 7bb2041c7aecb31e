"""The statistics module on hand-computed cases, and the verdict logic of the claims ledger.

Expected numbers were worked out by hand from the textbook formulas (t
quantiles from tables): e.g. Welch on (1, 2, 3) vs (4, 5, 6): Δ = −3,
se = √(1/3 + 1/3) = 0.8165, t = −3.674 on 4 degrees of freedom, p = 0.0213.
"""
import math

import pytest

from experiments.core import claims, stats

T_975_DOF2 = 4.302653  # two-sided 95% t quantile, 2 degrees of freedom
T_975_DOF4 = 2.776445


def test_summarize_uses_the_sample_sd_and_a_t_interval():
    s = stats.summarize([1.0, 2.0, 3.0, None, float("nan")])
    assert s["n"] == 3 and s["mean"] == 2.0 and s["sd"] == pytest.approx(1.0)
    half = T_975_DOF2 * 1.0 / math.sqrt(3)
    assert s["ci"] == pytest.approx([2.0 - half, 2.0 + half], rel=1e-6)
    assert s["values"] == [1.0, 2.0, 3.0, None, None]  # what was dropped stays visible


def test_one_value_has_no_spread_and_no_interval():
    s = stats.summarize([0.7])
    assert s["n"] == 1 and s["sd"] is None and s["ci"] == [None, None]
    assert stats.welch([0.7], [0.8])["p"] is None  # untestable, never a made-up p


def test_welch_on_a_hand_computed_case():
    r = stats.welch([1, 2, 3], [4, 5, 6])
    assert r["effect"] == -3.0
    assert r["p"] == pytest.approx(0.0213116, rel=1e-4)
    se = math.sqrt(2 / 3)
    assert r["ci"] == pytest.approx([-3 - T_975_DOF4 * se, -3 + T_975_DOF4 * se], rel=1e-5)


def test_paired_pairs_on_seeds_and_drops_incomplete_pairs():
    r = stats.paired([1, 2, 3, 4, 9], [1.5, 2.4, 3.6, 4.3, None])
    assert r["n"] == [4] and r["effect"] == pytest.approx(-0.45)
    assert r["p"] == pytest.approx(0.0060568, rel=1e-4)


def test_holm_adjusts_step_down_and_keeps_order():
    assert stats.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert stats.holm([0.5, None, 0.01]) == [pytest.approx(0.5), None, pytest.approx(0.02)]
    assert stats.holm([0.9, 0.8]) == [1.0, 1.0]  # 2 × 0.8 capped at 1; monotone after it


def test_spearman_of_a_monotone_and_of_a_flat_series():
    up = stats.spearman([1, 2, 3, 4, 5, 6], [0.1, 0.2, 0.25, 0.3, 0.5, 0.9])
    assert up["effect"] == pytest.approx(1.0) and up["p"] < 0.01
    assert stats.spearman([1, 2, 3], [1, 1, 1])["p"] is None  # undefined, not "no trend"


def test_tost_separates_equivalent_from_unknown():
    a = [0.900, 0.902, 0.898, 0.901, 0.899]
    b = [0.901, 0.899, 0.900, 0.902, 0.898]
    assert stats.equivalence(a, b, margin=0.01)["p_equivalence"] < 0.001
    noisy = [0.80, 0.95, 0.88, 0.99, 0.85]
    assert stats.equivalence(a, noisy, margin=0.01)["p_equivalence"] > 0.05


def _claim(result, kind="difference", expect=1):
    return claims.claim("x", "A", "a claim", "a test", result, kind=kind, expect=expect)


def test_a_planted_tie_is_inconclusive_never_supported():
    tie = stats.welch([0.970, 0.972, 0.968, 0.971, 0.969], [0.971, 0.969, 0.970, 0.972, 0.968])
    [decided] = claims.decide([_claim(tie, expect=1)])
    assert decided["verdict"] == "inconclusive"
    [decided] = claims.decide([_claim(tie, expect=-1)])
    assert decided["verdict"] == "inconclusive"


def test_a_clear_difference_supports_or_contradicts_by_its_sign():
    clear = stats.welch([0.98, 0.981, 0.979, 0.982, 0.98], [0.95, 0.951, 0.949, 0.952, 0.95])
    assert claims.decide([_claim(clear, expect=1)])[0]["verdict"] == "supported"
    assert claims.decide([_claim(clear, expect=-1)])[0]["verdict"] == "contradicted"


def test_holm_can_turn_a_marginal_result_inconclusive():
    marginal = {"test": "t", "effect": 1.0, "ci": [0.1, 1.9], "p": 0.03, "n": [5, 5]}
    alone = claims.decide([_claim(marginal)])
    assert alone[0]["verdict"] == "supported"
    crowd = claims.decide([_claim(marginal)] + [_claim({**marginal, "p": 0.5}) for _ in range(4)])
    assert crowd[0]["verdict"] == "inconclusive" and crowd[0]["p_support_adj"] > 0.05


def test_equivalence_claims_need_tost_and_a_real_difference_contradicts_them():
    same = stats.equivalence([0.9, 0.902, 0.898, 0.901, 0.899], [0.901, 0.899, 0.9, 0.902, 0.898], 0.01)
    differ = stats.equivalence([0.9, 0.902, 0.898, 0.901, 0.899], [0.95, 0.951, 0.949, 0.952, 0.95], 0.01)
    assert claims.decide([_claim(same, kind="equivalence")])[0]["verdict"] == "supported"
    assert claims.decide([_claim(differ, kind="equivalence")])[0]["verdict"] == "contradicted"
    tiny = stats.equivalence([0.9, 0.95], [0.91, 0.89], 0.01)
    assert claims.decide([_claim(tiny, kind="equivalence")])[0]["verdict"] == "inconclusive"


def test_exact_and_untested_claims():
    exact = claims.claim("f", "A", "formula", "closed form vs built model", kind="exact", holds=False)
    untested = claims.claim("u", "A", "an explanation", "not measurable", kind="untested")
    decided = claims.decide([exact, untested])
    assert [c["verdict"] for c in decided] == ["contradicted", "inconclusive"]
    with pytest.raises(ValueError, match="expect"):
        claims.claim("bad", "A", "q", "t", {"p": 0.1, "effect": 1}, kind="difference")


def test_the_ledger_table_shows_effect_ci_p_and_verdict():
    clear = stats.welch([0.98, 0.981, 0.979, 0.982, 0.98], [0.95, 0.951, 0.949, 0.952, 0.95])
    c = claims.claim("p0.x", "A", "deeper | better", "Welch, 5 seeds", clear, expect=1,
                     effect="test acc", unit="pct", budget="10 epochs")
    text = claims.ledger_table(claims.decide([c]), problem=False, other={"p0.x": "supported"})
    assert "deeper \\| better" in text and "+3.00" in text and "pts" in text and "**supported**" in text
    assert "→" in text and "10 epochs" in text


def test_grid_edge_is_flagged():
    assert "smallest" in claims.grid_edge(5e-5, [5e-5, 5e-4, 5e-3], "λ")
    assert "largest" in claims.grid_edge(512, [128, 256, 512])
    assert claims.grid_edge(256, [128, 256, 512]) == ""


def test_arms_without_spread_are_untestable_not_significant():
    # two seeds whose per-seed differences happen to be equal: sd = 0 is no evidence
    assert stats.paired([0.90, 0.91], [0.89, 0.90])["p"] is None
    assert stats.welch([0.5, 0.5], [0.6, 0.6])["p"] is None
    assert stats.equivalence([0.5, 0.5], [0.5, 0.5], 0.01)["p_equivalence"] is None
    tie = _claim(stats.paired([0.90, 0.91], [0.89, 0.90]))
    assert claims.decide([tie])[0]["verdict"] == "inconclusive"


# ------------------------------------------------------------- unstable runs
def test_unstable_needs_the_loss_to_stay_above_the_bar():
    """Oracle: the rule by hand.  1.5x the minimum at each of the last 2 epochs
    is unstable; a single spike at the last epoch (Adam's, which come back
    down) is not, nor is a rise that came back below the bar."""
    from experiments.core.training import instability, unstable
    spike = {"loss": [0.5, 0.2, 0.1, 0.1, 0.16]}               # one value above 0.15, at the end
    stays = {"loss": [0.5, 0.2, 0.1, 0.16, 0.17]}              # the last two above the bar
    back = {"loss": [0.5, 0.1, 0.2, 0.3, 0.14]}                # rose, then came back under it
    assert instability(spike) is None and instability(back) is None
    assert instability(stays) == {"loss": "loss", "min": 0.1, "final": 0.17, "since_epoch": 4}
    # a point stored under the earlier rule (its field says unstable) is read under the current one
    old = {"history": {"test_loss": spike["loss"]}, "unstable": {"loss": "test_loss"}, "diverged": False}
    assert unstable(old) is None
    assert unstable({"history": {"val_loss": stays["loss"]}, "diverged": False})["loss"] == "val_loss"
    assert unstable({"history": stays, "diverged": True}) is None                 # diverged, not unstable
    assert unstable({"unstable": {"loss": "test_loss"}, "diverged": False}) == {"loss": "test_loss"}  # no history


def test_values_identical_on_a_measurement_grid_use_the_rounding_spread():
    """Oracle by hand: five seeds at 100% train accuracy over n = 60,000 images
    (step q = 1/60,000) against "~0.9 ± 0.05".  sd floor q/√12 = 4.811e-6,
    se = 4.811e-6/√5 = 2.152e-6, t = 0.1/2.152e-6 ≈ 46,500 on 4 dof: p ≈ 0."""
    q = 1 / 60000
    r = stats.equivalence_to([1.0] * 5, 0.9, 0.05, resolution=q)
    assert r["sd_floor"] == pytest.approx(q / math.sqrt(12))
    assert r["se"] == pytest.approx(q / math.sqrt(12) / math.sqrt(5))
    assert r["p"] < 1e-12 and r["p_equivalence"] > 0.999
    half = T_975_DOF4 * r["se"]
    assert r["ci"] == pytest.approx([0.1 - half, 0.1 + half])
    c = claims.decide([claims.claim("x", "B", "~0.9", "TOST", r, kind="equivalence")])[0]
    assert c["verdict"] == "contradicted"
    assert "rounding" in claims.ledger_table([c])
    # inside the margin, the same floor supports "≈": 5 seeds all at 0.91
    assert claims.decide([claims.claim("y", "B", "~0.9", "TOST", stats.equivalence_to([0.91] * 5, 0.9, 0.05,
                                                                                        resolution=q),
                                       kind="equivalence")])[0]["verdict"] == "supported"


def test_the_rounding_floor_only_replaces_a_spread_below_it():
    # paired: whole epochs (q = 1), every seed 1 vs never (= 41): the difference's floor is √2/√12
    r = stats.paired([1] * 5, [41] * 5, resolution=1)
    assert r["sd_floor"] == pytest.approx(math.sqrt(2 / 12)) and r["effect"] == -40 and r["p"] < 1e-6
    # a real spread above the floor: the ordinary t-test, unchanged, no floor recorded
    a, b = [3, 5, 4, 6, 2], [1, 2, 1, 3, 1]
    assert stats.paired(a, b, resolution=1) == stats.paired(a, b)
    assert "sd_floor" not in stats.paired(a, b, resolution=1)
    # Welch: one arm without spread gets the floor, the other keeps its own
    w = stats.welch([1.0, 1.0, 1.0], [0.5, 0.7, 0.6], resolution=0.01)
    va, vb = (0.01 / math.sqrt(12)) ** 2 / 3, 0.01 / 3
    assert w["se"] == pytest.approx(math.sqrt(va + vb)) and w["sd_floor"] == pytest.approx(0.01 / math.sqrt(12))
    # without a declared step, identical values stay untestable (continuous outcomes)
    assert stats.one_sample([1.0] * 5, 0.9)["p"] is None


def test_agreement_counts_same_opposite_one_sided_and_missing_verdicts():
    ours = [{"id": i, "verdict": v} for i, v in
            enumerate(["supported", "inconclusive", "supported", "contradicted", "inconclusive", "supported"])]
    theirs = {0: "supported", 1: "inconclusive", 2: "contradicted", 3: "inconclusive", 4: "supported"}
    assert claims.agreement(ours, theirs) == {"same": 2, "opposite": 1, "one_decided": 2, "not_run": 1}
