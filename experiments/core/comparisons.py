"""Claims about several comparisons at once, as one test result for the ledger.

"Decreasing widths generalize best" holds only if decreasing beats *every*
other shape; "uniform did not reach the lowest loss" holds if *some* other
shape beats it.  Each comparison is a ``stats`` test (paired / Welch) whose
``effect`` has the claim's predicted sign ``expect``; this module combines
them into one result dict of the ``stats`` layout, so that
``claims.decide`` can Holm-adjust it like any other:

* :func:`all_of` — intersection–union test: every effect must have the
  predicted sign, and the combined p is the *largest* p (valid without any
  correction).  The effect shown is the one closest to zero (the weakest
  link).  When some comparison goes the other way, the claim's opposite
  ("some arm does better") is an *any* claim: see below.
* :func:`any_of` — union: the smallest p among the comparisons in the
  predicted direction, Bonferroni-multiplied by the number of comparisons.
  Its opposite ("none of them") is an all-of claim.

The two are duals, so each returns, in the direction the data point to, the
test of the claim or of its negation; the ledger reads the sign of
``effect`` against ``expect`` as usual.
"""


def _pick(results, expect):
    usable = [r for r in results if r.get("effect") is not None and r.get("p") is not None]
    agree = [r for r in usable if r["effect"] * expect > 0]
    disagree = [r for r in usable if r["effect"] * expect <= 0]
    return usable, agree, disagree


def _combined(r, p, how, results):
    return {**r, "p": min(1.0, p), "test": f"{how} of {len(results)} × {r['test']}",
            "parts": [{k: x.get(k) for k in ("effect", "ci", "p", "n", "label")} for x in results]}


def _intersection(group, expect, results):
    """All of ``group`` in direction ``expect``: the weakest effect, the largest p."""
    weakest = min(group, key=lambda r: abs(r["effect"]))
    return _combined(weakest, max(r["p"] for r in group), "all", results)


def _union(group, results):
    """Some of ``group``: the smallest p × the number of comparisons."""
    best = min(group, key=lambda r: r["p"])
    return _combined(best, best["p"] * len(results), "any", results)


def all_of(results, expect):
    """One result for "every comparison has the sign ``expect``" (see the module doc)."""
    usable, agree, disagree = _pick(results, expect)
    if not usable or len(usable) < len(results):
        return _missing(results)
    if not disagree:
        return _intersection(agree, expect, results)
    return _union(disagree, results)  # evidence against: some comparison goes the other way


def any_of(results, expect):
    """One result for "at least one comparison has the sign ``expect``"."""
    usable, agree, disagree = _pick(results, expect)
    if not usable:
        return _missing(results)
    if agree:
        return _union(agree, results)
    if len(usable) < len(results):
        return _missing(results)
    return _intersection(disagree, -expect, results)  # evidence against: every comparison goes the other way


def _missing(results):
    return {"test": f"combination of {len(results)} tests", "effect": None, "ci": [None, None], "p": None,
            "n": [r.get("n") for r in results],
            "parts": [{k: x.get(k) for k in ("effect", "ci", "p", "n", "label")} for x in results]}


def labelled(result, label):
    """``result`` with a ``label`` (which comparison it is, shown in the parts)."""
    return {**result, "label": label}
