"""The claims ledger: each claim of the two reports, the test we ran, and its verdict.

An experiment's ``run`` returns ``summary["claims"]``: one dict per claim of
Report A or B that its problem covers, made by :func:`claim`.  The verdict is
*not* decided by the experiment: :func:`decide` applies Holm's correction over
all the claims of one problem and then reads each claim's adjusted p-values:

* **supported** — the claim's own hypothesis is significant at the adjusted
  level (a difference in the predicted direction; equivalence within the
  stated margin for a "no difference" claim);
* **contradicted** — the opposite is significant (a difference against the
  predicted direction; a difference for a "no difference" claim);
* **inconclusive** — neither.  A tie is inconclusive, never "agrees".

Kinds of claim:

``difference``  result of stats.welch / paired / one_sample / spearman;
                ``expect`` = +1 or −1, the sign the claim predicts for
                ``result["effect"]``.
``equivalence`` result of stats.equivalence / equivalence_to: "no
                difference", "about the same", "≈ 0.325" — supported only by
                a TOST within the stated margin.
``exact``       a deterministic computation (a formula, a count):
                ``holds`` True / False decides, no p-value.
``untested``    a statement these runs cannot measure (an explanation, a
                recommendation): always inconclusive, with the reason.
"""
import math

from . import stats
from .markdown import table

KINDS = ("difference", "equivalence", "exact", "untested")
VERDICTS = ("supported", "contradicted", "inconclusive")


def claim(cid, source, quote, test, result=None, *, kind="difference", expect=None, holds=None,
          budget="", note="", effect="", unit=""):
    """One ledger row (JSON-able).

    cid     stable id, e.g. ``"p03.train-loss-falls-with-k"`` (the Fashion-MNIST
            column matches rows on it);
    source  ``"A"`` or ``"B"`` (which report), or ``"PROBLEMS.md"`` for one of its anchors;
    quote   the claim, quoted;
    test    what we ran, in words (arms, seeds, the statistic);
    result  a stats test dict (kinds difference / equivalence);
    expect  +1 / −1: the sign of ``result["effect"]`` the claim predicts;
    holds   kind ``exact``: whether the computation bears the claim out;
    budget  the training budget the comparison used (epochs, lr choice);
    effect  what ``result["effect"]`` measures (e.g. "test acc, k=2 − k=1");
    unit    ``"pct"`` when the effect is a fraction shown in points.
    """
    if kind not in KINDS:
        raise ValueError(f"claim {cid}: kind must be one of {KINDS}, got {kind!r}")
    if kind == "difference" and expect not in (1, -1):
        raise ValueError(f"claim {cid}: a difference claim needs expect=+1 or -1, got {expect!r}")
    if kind in ("difference", "equivalence") and result is None:
        raise ValueError(f"claim {cid}: kind {kind!r} needs a stats result")
    if kind == "exact" and holds is None:
        raise ValueError(f"claim {cid}: an exact claim needs holds=True/False")
    return {"id": cid, "source": source, "quote": quote, "test": test, "kind": kind,
            "expect": expect, "holds": holds, "result": result, "budget": budget, "note": note,
            "effect": effect, "unit": unit}


def _support_against(c):
    """The claim's (p for it, p against it), before correction."""
    r = c.get("result") or {}
    p, eff = r.get("p"), r.get("effect")
    if c["kind"] == "difference":
        if p is None or eff is None or eff == 0:
            return None, None
        return (p, None) if (eff > 0) == (c["expect"] > 0) else (None, p)
    if c["kind"] == "equivalence":
        return r.get("p_equivalence"), p
    return None, None


def decide(claims, alpha=stats.ALPHA):
    """Holm-adjust the claims of one problem and set each claim's verdict (returns new dicts)."""
    sa = [_support_against(c) for c in claims]
    family = [p for pair in sa for p in pair]
    adjusted = stats.holm(family)
    out = []
    for i, c in enumerate(claims):
        ps, pa = adjusted[2 * i], adjusted[2 * i + 1]
        if c["kind"] == "exact":
            verdict = "supported" if c["holds"] else "contradicted"
        elif ps is not None and ps < alpha:
            verdict = "supported"
        elif pa is not None and pa < alpha:
            verdict = "contradicted"
        else:
            verdict = "inconclusive"
        out.append({**c, "p_support": sa[i][0], "p_against": sa[i][1],
                    "p_support_adj": ps, "p_against_adj": pa, "verdict": verdict})
    return out


def counts(claims):
    """``{"supported": n, "contradicted": n, "inconclusive": n}``."""
    out = dict.fromkeys(VERDICTS, 0)
    for c in claims:
        out[c["verdict"]] += 1
    return out


def agreement(claims, other):
    """How a run's verdicts compare with another data set's, claim by claim.

    claims: decided claims (with ``id`` and ``verdict``); other: {claim id: verdict}.
    Returns counts of ``same`` (equal verdicts, inconclusive included), ``opposite``
    (supported on one, contradicted on the other), ``one_decided`` (decided on one
    data set, inconclusive on the other) and ``not_run`` (no verdict there).
    """
    out = dict.fromkeys(("same", "opposite", "one_decided", "not_run"), 0)
    for c in claims:
        theirs = other.get(c["id"])
        if theirs is None:
            out["not_run"] += 1
        elif theirs == c["verdict"]:
            out["same"] += 1
        elif "inconclusive" in (theirs, c["verdict"]):
            out["one_decided"] += 1
        else:
            out["opposite"] += 1
    return out


def _num(v, unit):
    if v is None or not math.isfinite(v):
        return "—"
    return f"{v * 100:+.2f}" if unit == "pct" else f"{v:+.3g}"


def effect_text(c):
    """``+1.23 [0.80, 1.66] pts`` — the effect with its 95% interval."""
    if c["kind"] == "exact":
        return c.get("effect") or "—"
    r = c.get("result")
    if not r or r.get("effect") is None:
        return "—"
    lo, hi = r.get("ci", [None, None])
    unit = " pts" if c.get("unit") == "pct" else ""
    ci = "" if lo is None or hi is None else f" [{_num(lo, c.get('unit'))}, {_num(hi, c.get('unit'))}]"
    what = f"{c['effect']}: " if c.get("effect") else ""
    return f"{what}{_num(r['effect'], c.get('unit'))}{ci}{unit}"


def p_text(c):
    """The p-value that decided the verdict, raw → Holm-adjusted."""
    if c["kind"] == "exact":
        return "exact"
    if c["kind"] == "untested":
        return "—"
    ps, pa = c.get("p_support"), c.get("p_against")
    raw, adj = (ps, c.get("p_support_adj")) if ps is not None and (pa is None or ps <= pa) \
        else (pa, c.get("p_against_adj"))
    if raw is None:
        return "—"
    return f"{stats.fmt_p(raw)} → {stats.fmt_p(adj)}"


VERDICT_MARK = {"supported": "**supported**", "contradicted": "**contradicted**",
                "inconclusive": "inconclusive"}


def ledger_table(claims, problem=True, other=None, other_name="Fashion-MNIST"):
    """The Markdown ledger of (decided) claims; ``other``: {claim id: verdict} of another run."""
    header = (["problem"] if problem else []) + [
        "claim (quoted)", "our test", "budget", "effect [95% CI]", "p (raw → Holm)", "verdict"]
    if other is not None:
        header.append(other_name)
    rows = []
    for c in claims:
        test = c["test"] + (f" — {c['note']}" if c.get("note") else "") + _floor_text(c)
        row = ([c.get("problem", "")] if problem else []) + [
            f"{c['source']}: “{c['quote']}”", test, c.get("budget") or "—", effect_text(c), p_text(c),
            VERDICT_MARK[c["verdict"]]]
        if other is not None:
            row.append(other.get(c["id"], "not run"))
        rows.append([str(v).replace("|", "\\|").replace("\n", " ") for v in row])
    return table(header, rows)


def _floor_text(c):
    """Say so when a test's spread was the measurement's rounding floor (stats module docstring)."""
    floor = (c.get("result") or {}).get("sd_floor")
    if not floor:
        return ""
    return (f" — the seeds' spread is below the measurement's step q, so the test takes the sd of rounding to "
            f"that step (q/√12 per value: {floor:.3g}) as its spread")


def grid_edge(best, grid, what="value"):
    """A warning when the chosen setting sits at its grid's edge (the optimum may lie outside)."""
    grid = list(grid)
    if len(grid) < 2 or best not in grid:
        return ""
    lo, hi = min(grid), max(grid)
    if best == lo:
        return f"the best {what} ({best}) is the smallest tried: the optimum may lie below the grid"
    if best == hi:
        return f"the best {what} ({best}) is the largest tried: the optimum may lie above the grid"
    return ""
