"""Mean ± spread over seeds, and the wording that goes with it.

Sweeps store one point per (setting, seed).  These helpers group the records
by setting, reduce a metric over seeds (NaN / diverged runs excluded, and
counted), format ``mean ± std`` and decide whether two settings differ by more
than their seed spread.  Criterion used everywhere: two settings are
"within the seed spread" when ``|mean_a - mean_b| <= std_a + std_b``; with one
seed the spread is unknown and the text says so.
"""
import math

import tinynet as tn

np = tn.backend.np


def finite(values):
    """The values that are real finite numbers (None / NaN / inf dropped)."""
    return [float(v) for v in values
            if v is not None and isinstance(v, (int, float)) and math.isfinite(v)]


def mean_std(values):
    """``(mean, std, n)`` over the finite values (population std; 0 for one value)."""
    vals = finite(values)
    if not vals:
        return float("nan"), float("nan"), 0
    arr = np.asarray(vals, dtype=float)
    return float(arr.mean()), float(arr.std()) if len(vals) > 1 else 0.0, len(vals)


def fmt(mean, std=None, digits=4, pct=False):
    """``0.0812 ± 0.0011`` (or ``97.81 ± 0.12 %`` with pct=True); '—' for NaN."""
    if mean is None or not math.isfinite(mean):
        return "—"
    scale, suffix = (100.0, "%") if pct else (1.0, "")
    d = 2 if pct else digits
    text = f"{mean * scale:.{d}f}" if pct else f"{mean:.{digits}g}"
    if std is not None and math.isfinite(std) and std > 0:
        text += f" ± {std * scale:.{d}f}" if pct else f" ± {std:.2g}"
    return text + suffix


def fmt_stat(stat, digits=4, pct=False):
    """Format a ``{"mean", "std", "n"}`` dict (see :func:`stat`)."""
    return fmt(stat["mean"], stat["std"], digits=digits, pct=pct)


def stat(values):
    """``{"mean", "std", "n", "values"}`` (JSON-able; NaN kept as None by the store)."""
    m, s, n = mean_std(values)
    return {"mean": m, "std": s, "n": n, "values": [None if v is None else float(v) for v in values]}


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


def within_spread(a, b):
    """True when two ``stat`` dicts differ by no more than std_a + std_b."""
    return abs(a["mean"] - b["mean"]) <= (a["std"] or 0.0) + (b["std"] or 0.0)


def spread_phrase(best, other, n_seeds, what="difference"):
    """A clause saying whether ``best`` vs ``other`` is beyond the seed spread."""
    if n_seeds < 2:
        return f"single seed, so the seed spread of this {what} is unknown"
    if within_spread(best, other):
        return f"the {what} is within the seed spread (|Δ| ≤ std₁ + std₂ over {n_seeds} seeds)"
    return f"the {what} exceeds the seed spread (|Δ| > std₁ + std₂ over {n_seeds} seeds)"
