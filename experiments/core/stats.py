"""Statistics behind every verdict of the report: summaries, tests, Holm's correction.

One module, built on ``scipy.stats``, so that each number a verdict rests on
comes from a well-kept implementation and one formula:

* :func:`summarize` — mean, sample standard deviation (ddof = 1) and a
  t-based 95% confidence interval of the mean over seeds;
* :func:`welch` — two independent arms (Welch's t-test, unequal variances);
  :func:`paired` — two arms whose seeds pair (same seed = same init and data
  order), a paired t-test on the per-seed differences;
  :func:`one_sample` — a mean against a stated value (a report's "≈ 0.325");
* :func:`equivalence` / :func:`equivalence_to` — "no difference" claims need a
  test of their own: two one-sided tests (TOST) against a stated margin.  A
  large p-value of a difference test is *not* evidence of equality;
* :func:`spearman` — a monotone trend (rank correlation) with its p-value;
* :func:`holm` — Holm's step-down adjustment of a family of p-values.

Outcomes measured on a grid (an accuracy is a count over n examples, a step
of 1/n; "epochs until ..." is a whole number) can come out identical for every
seed: 100.00% train accuracy five times.  A t-test has no spread to work with
then.  Such callers pass ``resolution`` (the grid step q): the spread used is
never below q/√12, the standard deviation of rounding to that grid, so five
identical seeds far from a claimed value are evidence, while identical
continuous values (no ``resolution``) stay untestable.

Every test returns a plain dict (JSON-able, stored in the summaries):
``{"test", "effect", "ci": [lo, hi], "p", "n"}`` where ``effect`` is the
signed quantity the claim is about (a difference of means, a correlation).
Fewer than two finite values per arm give ``p = None`` (untestable, which
verdicts read as inconclusive), never a made-up number.
"""
import math

from scipy import stats as _st

import tinynet as tn

np = tn.backend.np

ALPHA = 0.05       # family-wise error rate of each problem's claims (Holm)
CONFIDENCE = 0.95  # confidence level of every interval shown


# ------------------------------------------------------------------ values
def finite(values):
    """The values that are real finite numbers (None / NaN / inf dropped)."""
    return [float(v) for v in values
            if v is not None and isinstance(v, (int, float)) and math.isfinite(v)]


def _t_ci(mean, se, dof):
    if not (dof > 0 and math.isfinite(se)):
        return [None, None]
    half = float(_st.t.ppf(0.5 + CONFIDENCE / 2, dof)) * se
    return [mean - half, mean + half]


def summarize(values):
    """``{"mean", "sd", "n", "ci", "values"}`` of the finite values.

    ``sd`` is the sample standard deviation (ddof = 1, None for one value);
    ``ci`` the t-based 95% interval of the mean (None bounds for n < 2).
    ``values`` keeps every value given (None for a diverged run), so the
    reader sees what was dropped.
    """
    vals = finite(values)
    n = len(vals)
    kept = [None if v is None or not isinstance(v, (int, float)) or not math.isfinite(v) else float(v)
            for v in values]
    if n == 0:
        return {"mean": None, "sd": None, "n": 0, "ci": [None, None], "values": kept}
    arr = np.asarray(vals, dtype=np.float64)
    mean = float(arr.mean())
    if n < 2:
        return {"mean": mean, "sd": None, "n": 1, "ci": [None, None], "values": kept}
    sd = float(arr.std(ddof=1))
    return {"mean": mean, "sd": sd, "n": n, "ci": _t_ci(mean, sd / math.sqrt(n), n - 1), "values": kept}


def median_iqr(values):
    """``{"median", "iqr", "n"}``: the robust summary of repeated timings."""
    vals = finite(values)
    if not vals:
        return {"median": None, "iqr": None, "n": 0}
    q1, med, q3 = np.percentile(np.asarray(vals, dtype=np.float64), [25, 50, 75])
    return {"median": float(med), "iqr": float(q3 - q1), "n": len(vals)}


# ------------------------------------------------------------------- tests
def _sd_floor(resolution):
    """The smallest standard deviation a value measured on a grid of step q can claim: q/√12."""
    return 0.0 if not resolution else float(resolution) / math.sqrt(12.0)


def _t_p(t, dof):
    """Two-sided p-value of a t statistic."""
    return float(2.0 * _st.t.sf(abs(t), dof))


def _result(test, effect, ci, p, n, **extra):
    p = None if p is None or not math.isfinite(p) else float(p)
    return {"test": test, "effect": None if effect is None else float(effect),
            "ci": [None if c is None else float(c) for c in ci], "p": p, "n": n, **extra}


def welch(a, b, resolution=None):
    """Welch's t-test of mean(a) − mean(b) (independent arms, unequal variances).

    The interval uses the Welch–Satterthwaite degrees of freedom.
    ``resolution``: the grid step of the measurement (module docstring).
    """
    a, b = finite(a), finite(b)
    n = [len(a), len(b)]
    if min(n) < 1:
        return _result("Welch t", None, [None, None], None, n)
    diff = float(np.mean(a) - np.mean(b))
    if min(n) < 2:
        return _result("Welch t", diff, [None, None], None, n)
    floor = _sd_floor(resolution)
    sa, sb = float(np.std(a, ddof=1)), float(np.std(b, ddof=1))
    va, vb = max(sa, floor) ** 2 / n[0], max(sb, floor) ** 2 / n[1]
    se = math.sqrt(va + vb)
    if se == 0.0:  # no spread within either arm: no variance to test against (e.g. 2 seeds alike)
        return _result("Welch t", diff, [None, None], None, n)
    dof = (va + vb) ** 2 / (va ** 2 / (n[0] - 1) + vb ** 2 / (n[1] - 1))
    if min(sa, sb) < floor:  # a spread below the grid step: the t-test on the floored spread
        return _result("Welch t", diff, _t_ci(diff, se, dof), _t_p(diff / se, dof), n, se=se, dof=dof,
                       sd_floor=floor)
    p = float(_st.ttest_ind(a, b, equal_var=False).pvalue)
    return _result("Welch t", diff, _t_ci(diff, se, dof), p, n, se=se, dof=dof)


def paired(a, b, resolution=None):
    """Paired t-test of mean(a − b) where a[i] and b[i] share seed i.

    Pairs with a missing (None / NaN) side are dropped, and the count says so.
    ``resolution``: the grid step of a and b; their difference's floor is
    √2 · q/√12 (each side rounded independently).
    """
    # the paired t-test is the one-sample t-test of the differences against 0 (every pair
    # differing alike is untestable, not p = 0); a difference's step is √2·q in sd terms
    d = [x - y for x, y in zip(a, b) if finite([x]) and finite([y])]
    return {**one_sample(d, 0.0, resolution and math.sqrt(2.0) * resolution), "test": "paired t"}


def one_sample(values, mu, resolution=None):
    """One-sample t-test of mean(values) − mu (``resolution``: the values' grid step)."""
    vals = finite(values)
    n = len(vals)
    if n == 0:
        return _result("one-sample t", None, [None, None], None, [0])
    diff = float(np.mean(vals)) - mu
    if n < 2:
        return _result("one-sample t", diff, [None, None], None, [n])
    sd, floor = float(np.std(vals, ddof=1)), _sd_floor(resolution)
    if max(sd, floor) == 0.0:  # identical values: no variance to test against
        return _result("one-sample t", diff, [None, None], None, [n])
    if sd < floor:
        se = floor / math.sqrt(n)
        return _result("one-sample t", diff, _t_ci(diff, se, n - 1), _t_p(diff / se, n - 1), [n], se=se,
                       dof=n - 1, sd_floor=floor)
    se = sd / math.sqrt(n)
    p = float(_st.ttest_1samp(vals, mu).pvalue)
    return _result("one-sample t", diff, _t_ci(diff, se, n - 1), p, [n], se=se, dof=n - 1)


def _tost_p(diff, se, dof, margin):
    """p-value of TOST: both one-sided tests must reject |true diff| >= margin."""
    p_low = _st.t.sf((diff + margin) / se, dof)    # H0: diff <= -margin
    p_high = _st.t.cdf((diff - margin) / se, dof)  # H0: diff >= +margin
    return float(max(p_low, p_high))


def equivalence(a, b, margin, pair=False, resolution=None):
    """TOST: is |mean(a) − mean(b)| < margin?  (paired on seeds with ``pair=True``).

    Returns the difference test's fields plus ``p_equivalence`` (small = the
    two arms are equivalent within ``margin``) and ``margin``.  Both tests
    share one standard error and degrees of freedom.
    """
    base = paired(a, b, resolution) if pair else welch(a, b, resolution)
    return _with_tost(base, margin)


def equivalence_to(values, target, margin, resolution=None):
    """TOST of a mean against a stated value: is |mean − target| < margin?"""
    return _with_tost(one_sample(values, target, resolution), margin)


def _with_tost(base, margin):
    out = {**base, "test": f"TOST ±{margin:g} ({base['test']})", "margin": margin, "p_equivalence": None}
    if base["p"] is not None and base["effect"] is not None:
        out["p_equivalence"] = _tost_p(base["effect"], base["se"], base["dof"], margin)
    return out


def spearman(x, y):
    """Spearman's rank correlation of y with x, its p-value and a Fisher-z 95% interval.

    Pairs with a non-finite side are dropped.  With every x or every y equal
    the correlation is undefined (p = None).
    """
    pairs = [(a, b) for a, b in zip(x, y) if finite([a]) and finite([b])]
    n = len(pairs)
    if n < 3 or len({a for a, _ in pairs}) < 2 or len({b for _, b in pairs}) < 2:
        return _result("Spearman ρ", None, [None, None], None, [n])
    res = _st.spearmanr([a for a, _ in pairs], [b for _, b in pairs])
    rho, p = float(res.statistic), float(res.pvalue)
    ci = [None, None]
    if n > 3 and abs(rho) < 1:
        z, half = math.atanh(rho), float(_st.norm.ppf(0.5 + CONFIDENCE / 2)) * 1.06 / math.sqrt(n - 3)
        ci = [math.tanh(z - half), math.tanh(z + half)]
    elif abs(rho) == 1:
        ci = [rho, rho]
    return _result("Spearman ρ", rho, ci, p, [n])


# ------------------------------------------------------- multiple testing
def holm(pvalues):
    """Holm's step-down adjusted p-values, in the order given (None stays None).

    Controls the family-wise error rate: reject every hypothesis whose
    adjusted p is below alpha.
    """
    indexed = sorted((p, i) for i, p in enumerate(pvalues) if p is not None)
    m = len(indexed)
    adjusted = [None] * len(pvalues)
    running = 0.0
    for rank, (p, i) in enumerate(indexed):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted


# --------------------------------------------------------------- grouping
def group(records, key):
    """``{key(config): [record, ...]}`` keeping the order settings first appear in."""
    out = {}
    for rec in records:
        out.setdefault(key(rec["config"]), []).append(rec)
    return out


def final_metric(record, name):
    """``result["final"][name]`` or None for a diverged / unfinished run."""
    res = record["result"]
    if res.get("diverged"):
        return None
    return res.get("final", {}).get(name)


def by_seed(records, name):
    """``{seed: final metric}`` — for pairing arms on their seeds."""
    return {r["config"]["seed"]: final_metric(r, name) for r in records}


def aligned(a_records, b_records, name):
    """Two lists of a final metric over the seeds both arms have, in seed order."""
    a, b = by_seed(a_records, name), by_seed(b_records, name)
    seeds = sorted(set(a) & set(b))
    return [a[s] for s in seeds], [b[s] for s in seeds]


def table_by(records, key, metrics):
    """Per-setting summaries: ``[{"key": k, "seeds": n, "diverged": d, metric: summarize(...)}]``.

    The one aggregation the experiments share: group the records by
    ``key(config)``, then summarize each final metric over seeds (a diverged
    run counts in ``diverged`` and as None in the values).
    """
    rows = []
    for k, recs in group(records, key).items():
        row = {"key": k, "seeds": len(recs),
               "diverged": sum(bool(r["result"].get("diverged")) for r in recs)}
        for m in metrics:
            row[m] = summarize([final_metric(r, m) for r in recs])
        rows.append(row)
    return rows


# ------------------------------------------------------------- formatting
def fmt(mean, sd=None, digits=4, pct=False):
    """``0.0812 ± 0.0011`` (or ``97.81 ± 0.12%`` with pct=True); '—' for a missing mean."""
    if mean is None or not math.isfinite(mean):
        return "—"
    if pct:
        text = f"{mean * 100:.2f}"
        if sd is not None and math.isfinite(sd) and sd > 0:
            text += f" ± {sd * 100:.2f}"
        return text + "%"
    text = f"{mean:.{digits}g}"
    if sd is not None and math.isfinite(sd) and sd > 0:
        text += f" ± {sd:.2g}"
    return text


def fmt_summary(s, digits=4, pct=False):
    """Format a :func:`summarize` dict as ``mean ± sd`` (n shown when seeds were lost)."""
    return fmt(s["mean"], s["sd"], digits=digits, pct=pct)


def fmt_ci(s, digits=3, pct=False):
    """``[lo, hi]`` of a summary or test result; '—' when unknown."""
    lo, hi = s.get("ci", [None, None])
    if lo is None or hi is None:
        return "—"
    if pct:
        return f"[{lo * 100:.2f}, {hi * 100:.2f}] pts"
    return f"[{lo:.{digits}g}, {hi:.{digits}g}]"


def fmt_p(p):
    if p is None:
        return "—"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"
