"""Timing claims from the serial timing pass (:meth:`Context.run_timing`): tests and helpers.

A timing record's result is ``{"samples", "median", "iqr", "load"}``: the
seconds of one measured unit (e.g. one training epoch), repeated, warm-up
excluded.  The repeats of one config are *repeated identical runs*, so their
interquartile range (IQR) is the noise floor of this machine at that moment.

The rule the timing questions (p05, p06, p07, b1) follow: a time difference is
a finding only when a test on the repeat samples says so **and** it exceeds
that spread.  :func:`difference` therefore gates Welch's test: when
|Δ median| is not larger than the larger IQR of the two configs (or than the
gap between two identical ``replica`` configs, when one was timed), the
result's ``p`` is set to None — the ledger then reads the claim as
inconclusive — and the raw Welch p is kept as ``p_welch`` with the reason in
``gate``.  :func:`equivalent` (TOST) and :func:`trend` (Spearman) apply the
same gate to the difference they rest on.  :func:`paired_log_ratio` pools
several pairs of configs (e.g. wider vs narrower nets at each depth) in one
round-paired t of log time ratios, gated pair by pair.

Also here: :func:`epoch_seconds` (one training epoch of a model, timed by
``fit``), :func:`load_text` (the load average recorded around the pass) and
:func:`slope_difference` (log–log slopes of time vs a setting in two ranges).
"""
import math

from scipy import stats as _st

import tinynet as tn

from . import stats

np = tn.backend.np


def samples(record):
    """The repeat samples (seconds) of a timing record."""
    return stats.finite(record["result"]["samples"]) if record else []


def median(record):
    return record["result"]["median"] if record else None


def iqr(record):
    return record["result"]["iqr"] if record else None


def noise_floor(records, null_gap=0.0):
    """The spread a difference must exceed: the largest IQR among ``records`` (and ``null_gap``)."""
    return max([iqr(r) or 0.0 for r in records if r] + [null_gap or 0.0])


def replica_gap(record_a, record_b):
    """|Δ median| of two identical configs timed side by side (the machine's own 'difference')."""
    if not record_a or not record_b:
        return 0.0
    return abs(median(record_a) - median(record_b))


def gate(result, delta, floor, what):
    """Keep ``result``'s p only when |delta| exceeds the noise floor."""
    result = {**result, "p_welch": result.get("p"), "noise_floor": floor, "delta_median": delta}
    if delta is None or abs(delta) <= floor:
        result["p"] = None
        result["gate"] = (f"|Δ median| = {abs(delta or 0):.3g} s ≤ {floor:.3g} s, the IQR of repeated "
                          f"identical runs: not a finding ({what})")
    else:
        result["gate"] = ""
    return result


def difference(a, b, null_gap=0.0):
    """Welch's t on the repeat samples of timing records a and b (effect = mean a − mean b), gated."""
    res = stats.welch(samples(a), samples(b))
    res["test"] = "Welch t on timing repeats, gated by IQR"
    delta = None if not (a and b) else median(a) - median(b)
    return gate(res, delta, noise_floor([a, b], null_gap), "difference")


def ratio_difference(a, b, null_gap=0.0):
    """As :func:`difference` on log seconds: effect = mean log(a) − mean log(b) (≈ relative gap)."""
    la = [math.log(v) for v in samples(a) if v > 0]
    lb = [math.log(v) for v in samples(b) if v > 0]
    res = stats.welch(la, lb)
    res["test"] = "Welch t on log timing repeats, gated by IQR"
    delta = None if not (a and b) else median(a) - median(b)
    return gate(res, delta, noise_floor([a, b], null_gap), "difference")


def paired_log_ratio(pairs):
    """Round-paired one-sample t of ln(t_a / t_b) pooled over pairs of timing records, gated by IQR.

    pairs: [(record a, record b)] of one timing pass.  Its configs are timed
    round-robin, so repeat i of a and repeat i of b ran side by side: each
    round gives one ln(t_a / t_b) (a time ratio is comparable across pairs of
    different sizes), and the t-test asks whether their mean is 0
    (``effect`` = mean ln(t_a / t_b); exp(effect) ≈ the typical ratio).

    The gate is :func:`gate`'s, applied to every pair: when any pair's
    |Δ median| is not larger than the larger IQR of its two configs, ``p`` is
    None (inconclusive), the raw p is kept as ``p_welch`` (the raw-p field of
    every gated timing test) and ``gate`` names the pair closest to its floor.
    ``within_iqr`` counts the pairs inside their IQR.
    """
    pairs = [(a, b) for a, b in pairs if a and b]
    # round i of a with round i of b (the raw samples, so that dropping one never shifts the rounds)
    logs = [math.log(x / y) for a, b in pairs
            for x, y in zip(a["result"]["samples"], b["result"]["samples"]) if x > 0 and y > 0]
    res = stats.one_sample(logs, 0.0)
    res["test"] = "round-paired one-sample t of log time ratios, gated by IQR"
    if not pairs:
        return {**res, "p": None, "within_iqr": 0, "gate": "no timed pair"}
    gaps = [(median(a) - median(b), noise_floor([a, b])) for a, b in pairs]
    within = sum(abs(d) <= f for d, f in gaps)
    delta, floor = min(gaps, key=lambda g: abs(g[0]) - g[1])  # the pair with the least room above its IQR
    gated = gate(res, delta, floor, f"{within} of {len(pairs)} pair(s) within their IQR")
    return {**gated, "within_iqr": within}


def equivalent(a, b, margin_rel, null_gap=0.0):
    """TOST on the repeat samples: is |mean a − mean b| < margin_rel × median(b)?

    A significant difference that stays within the noise floor cannot
    contradict an "about the same" claim: its p is dropped by the same gate.
    """
    margin = margin_rel * (median(b) or 0.0)
    res = stats.equivalence(samples(a), samples(b), margin)
    res["test"] = f"TOST ±{margin_rel:.0%} of {median(b):.3g} s on timing repeats"
    res["margin_rel"] = margin_rel
    delta = None if not (a and b) else median(a) - median(b)
    gated = gate(res, delta, noise_floor([a, b], null_gap), "difference")
    gated["p_equivalence"] = res.get("p_equivalence")
    return gated


def trend(xs, records, log_x=True):
    """Spearman ρ of the setting x against every repeat sample, gated by the end-to-end change.

    The gate: |median at the largest x − median at the smallest x| must exceed
    the largest IQR among the records.
    """
    pairs = [(math.log(x) if log_x else x, v) for x, r in zip(xs, records) if r for v in samples(r)]
    res = stats.spearman([p[0] for p in pairs], [p[1] for p in pairs])
    res["test"] = "Spearman ρ over timing repeats, gated by IQR"
    have = [(x, r) for x, r in zip(xs, records) if r]
    if len(have) < 2:
        return {**res, "p": None, "gate": "fewer than two timed settings"}
    lo, hi = min(have, key=lambda t: t[0])[1], max(have, key=lambda t: t[0])[1]
    return gate(res, median(hi) - median(lo), noise_floor([r for _, r in have]), "end-to-end change")


def slope(xs, records):
    """OLS slope of log(seconds) on log(x) over all repeat samples — the exponent of time ∝ x^slope: (slope, se, n)."""
    pts = [(math.log(x), math.log(v)) for x, r in zip(xs, records) if r for v in samples(r) if v > 0]
    if len(pts) < 3 or len({p[0] for p in pts}) < 2:
        return None, None, len(pts)
    fit = _st.linregress([p[0] for p in pts], [p[1] for p in pts])
    return float(fit.slope), float(fit.stderr), len(pts)


def slope_difference(xs_a, recs_a, xs_b, recs_b):
    """Log–log slope (exponent) of time vs x in range b minus that in range a, with a t-test.

    ``effect`` = slope_b − slope_a (difference of exponents); the
    standard error combines the two OLS standard errors, dof = n_a + n_b − 4.
    """
    sa, ea, na = slope(xs_a, recs_a)
    sb, eb, nb = slope(xs_b, recs_b)
    out = {"test": "difference of OLS log-log slopes", "effect": None, "ci": [None, None],
           "p": None, "n": [na, nb], "slopes": [sa, sb]}
    if sa is None or sb is None:
        return out
    diff, se = sb - sa, math.sqrt(ea ** 2 + eb ** 2)
    dof = max(1, na + nb - 4)
    out["effect"] = diff
    if se > 0:
        half = float(_st.t.ppf(0.5 + stats.CONFIDENCE / 2, dof)) * se
        out["ci"] = [diff - half, diff + half]
        out["p"] = float(2 * _st.t.sf(abs(diff) / se, dof))
    return out


def slope_vs(xs, records, value):
    """t-test of the OLS log–log slope (exponent) of time vs x against ``value`` (effect = slope − value)."""
    s, se, n = slope(xs, records)
    out = {"test": f"OLS log-log slope vs {value:g}", "effect": None, "ci": [None, None], "p": None, "n": [n],
           "slope": s}
    if s is None or not se:
        return out
    dof = max(1, n - 2)
    half = float(_st.t.ppf(0.5 + stats.CONFIDENCE / 2, dof)) * se
    out.update(effect=s - value, ci=[s - value - half, s - value + half],
               p=float(2 * _st.t.sf(abs(s - value) / se, dof)))
    return out


def log_range(records):
    """max − min of the log median seconds over ``records`` (how much the configs' times differ)."""
    meds = [math.log(median(r)) for r in records if r and median(r)]
    return max(meds) - min(meds) if len(meds) >= 2 else None


def range_difference(recs_a, recs_b, rounds=2000, seed=0):
    """log_range(b) − log_range(a), with a bootstrap over each config's repeat samples.

    Each round resamples every config's repeats with replacement and takes the
    medians again; the 95% interval is the percentile interval and the p-value
    the two-sided share of rounds on the other side of 0 (fixed seed: the
    same records give the same numbers).
    """
    effect = None
    la, lb = log_range(recs_a), log_range(recs_b)
    if la is not None and lb is not None:
        effect = lb - la
    out = {"test": "bootstrap of the spread of log medians across configs", "effect": effect,
           "ci": [None, None], "p": None, "n": [len(recs_a), len(recs_b)]}
    if effect is None:
        return out
    rng = np.random.default_rng(seed)

    def boot(recs):
        meds = []
        for r in recs:
            x = np.asarray(samples(r), dtype=np.float64)
            meds.append(math.log(float(np.median(rng.choice(x, size=len(x))))))
        return max(meds) - min(meds)

    diffs = np.asarray([boot(recs_b) - boot(recs_a) for _ in range(rounds)])
    lo, hi = np.percentile(diffs, [100 * (1 - stats.CONFIDENCE) / 2, 100 * (1 + stats.CONFIDENCE) / 2])
    out["ci"] = [float(lo), float(hi)]
    out["p"] = float(min(1.0, 2 * min((diffs <= 0).mean(), (diffs >= 0).mean()) + 1.0 / rounds))
    return out


def epoch_seconds(model, data, loss, optimizer, batch_size):
    """Seconds of one training epoch of ``model`` on data's training set, as ``fit`` times it."""
    history = model.fit(data["X_train"], data["y_train"], loss=loss, optimizer=optimizer, epochs=1,
                        batch_size=batch_size, verbose=0)
    return float(history.history["epoch_time"][0])


def load_text(records):
    """'load average 1.2 → 2.3 (1-min) on 2 cores' from the records of one timing pass."""
    loads = [r["result"].get("load") for r in records if r and r["result"].get("load")]
    if not loads:
        return "load not recorded"
    before = [l["before"][0] for l in loads if l.get("before")]
    after = [l["after"][0] for l in loads if l.get("after")]
    cores = loads[0].get("cores")
    if not before or not after:
        return f"load not available on this platform ({cores} cores)"
    return (f"1-min load average {min(before):.2f}–{max(before):.2f} before and {min(after):.2f}–"
            f"{max(after):.2f} after the pass, on {cores} cores")


def fmt(record, digits=3):
    """'0.412 s (IQR 0.011, n = 5)' for a timing record."""
    if not record:
        return "—"
    r = record["result"]
    return f"{r['median']:.{digits}g} s (IQR {r['iqr']:.2g}, n = {len(r['samples'])})"
