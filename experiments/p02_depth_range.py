"""p02 — for a parameter budget P, which depths k of an MLP 784 → k×m → 10 are possible?

Method: for each k ≥ 1, the integer width m ≥ 10 (no hidden layer narrower
than the 10 outputs) whose exact count Params(k, m) is closest to P
(``experiments/core/mlp_budget.py``: the closed form and solver shared with
p01 and p03).  Params is increasing in m, so m is the rounded root of the
quadratic (k−1)m² + (795 + k − 1)m + 10 = P, checked against its neighbours.

Feasibility criterion (stated, not tuned): depth k is feasible for P when the
best count's relative error |Params − P| / P is at most ``TOLERANCE`` (10%).
Below the bound, an integer width always lands within a few percent of P; the
bound binds only at the deep end, where even m = 10 overshoots P:
Params(k, 10) = 7960 + 110(k−1), so k_max = ⌊(1.1P − 7960)/110⌋ + 1.  k = 0 (the
linear model, 7850 parameters) counts only where it meets the same tolerance.
The table also gives k_max at a 1% tolerance to show how much the answer rests
on the criterion.

Claims (kind ``exact``, deterministic): "solve Params(k, m) = P for k" is
checked against a brute-force scan of every integer (k, m ≥ 10) — the range it
gives and the width floor it needs; "may involve rounding" against whether
any (k, m) hits P exactly.  Limits: counts only; which k trains well is p03's
question.
"""
import math

from .core import claims, plots
from .core.claims import claim
from .core.mlp_budget import MIN_WIDTH, best_width, params_built, params_closed_form, params_report_a
from .core.report import figure, table

ID = "p02-depth-range"
TITLE = "Depth range for a parameter budget"
QUESTION = "For a parameter budget P, which depths k are possible?"
ESTIMATE = {"smoke": 1, "quick": 2, "full": 2}

BUDGETS = [10_000, 25_000, 50_000, 100_000, 200_000]
TOLERANCE = 0.10          # the feasibility criterion
STRICT_TOLERANCE = 0.01   # shown for comparison
DEPTHS_SHOWN = list(range(1, 7))  # the depths p03 trains


def row_for(k, P):
    m = best_width(k, P)
    count = params_closed_form(k, m if m is not None else 0)
    return {"k": k, "m": m, "count": count, "rel_error": (count - P) / P}


def k_max(P, tolerance):
    """Largest feasible k: Params(k, 10) = 7960 + 110 (k − 1) <= (1 + tol) P (scan to confirm)."""
    bound = int((P * (1 + tolerance) - params_closed_form(1, MIN_WIDTH)) // 110) + 1
    k = max(bound, 1)
    # confirm with the solver itself, moving until the criterion flips
    while k > 1 and abs(row_for(k, P)["rel_error"]) > tolerance:
        k -= 1
    while abs(row_for(k + 1, P)["rel_error"]) <= tolerance:
        k += 1
    return k


def k_min(P, tolerance):
    """Smallest feasible k (0 when the linear model's 7850 meets the tolerance)."""
    k = 0
    while abs(row_for(k, P)["rel_error"]) > tolerance:
        k += 1
    return k


def run(ctx):
    budgets = ctx.pick(smoke=BUDGETS[:2], quick=BUDGETS, full=BUDGETS)
    per_budget = []
    for P in budgets:
        lo, hi = k_min(P, TOLERANCE), k_max(P, TOLERANCE)
        rows = []
        for k in DEPTHS_SHOWN + [hi, hi + 1]:
            row = row_for(k, P)
            row["feasible"] = abs(row["rel_error"]) <= TOLERANCE
            if k in DEPTHS_SHOWN:  # the nets p03 builds: check the count on a built model
                row["built"] = params_built(k, row["m"])
                # Report A's formula (short of m biases) would pick this width instead
                row["m_report_a"] = best_width(k, P, formula=params_report_a)
            if row not in rows:
                rows.append(row)
        per_budget.append({"P": P, "k_min": lo, "k_max": hi,
                           "k_max_strict": k_max(P, STRICT_TOLERANCE),
                           "k0_rel_error": (params_closed_form(0, 0) - P) / P, "rows": rows})

    # figure: best width m(k) and the relative error over the whole feasible range
    fig, (ax_m, ax_e) = plots.figure(ncols=2, width=4.6, height=3.4)
    for b in per_budget:
        P = b["P"]
        ks = sorted(set(int(round(x)) for x in _log_grid(1, b["k_max"] + max(3, b["k_max"] // 5))))
        rows = [row_for(k, P) for k in ks]
        line, = ax_m.plot(ks, [r["m"] for r in rows], "-", label=f"P = {P:,}")
        ax_e.plot(ks, [100 * r["rel_error"] for r in rows], "-", color=line.get_color(), label=f"P = {P:,}")
        ax_m.axvline(b["k_max"], color=line.get_color(), ls=":", lw=1)
    ax_e.axhline(100 * TOLERANCE, color="gray", ls="--", lw=1, label=f"+{TOLERANCE:.0%} criterion")
    ax_m.axhline(MIN_WIDTH, color="gray", ls="--", lw=1, label="m = 10 floor")
    ax_e.set_ylim(-5, 30)
    plots.decorate(ax_m, "width closest to P (dotted: k_max)", "hidden layers k (log scale)",
                   "best width m (units, log scale)", logx=True, logy=True)
    plots.decorate(ax_e, "count error; infeasible above the dashed line", "hidden layers k (log scale)",
                   "relative error of the count to P (%)", logx=True)
    plots.save(fig, ctx.path("depth_range.png"))
    built_ok = all(r["built"] == r["count"] for b in per_budget for r in b["rows"] if "built" in r)
    summary = {"budgets": per_budget, "tolerance": TOLERANCE, "strict_tolerance": STRICT_TOLERANCE,
               "built_agrees": built_ok, "figures": ["depth_range.png"]}
    summary["claims"] = _claims(per_budget)
    return summary


def scan_range(P, tolerance, min_width=MIN_WIDTH):
    """(k_min, k_max) by brute force: every integer k >= 1 and m >= min_width, no solver.

    k is feasible when some integer m gives a count within ``tolerance`` of P.
    """
    feasible, k = [], 1
    while params_closed_form(k, min_width) <= P * (1 + tolerance):
        m = min_width
        while params_closed_form(k, m) < P * (1 - tolerance):
            m += 1
        if params_closed_form(k, m) <= P * (1 + tolerance):
            feasible.append(k)
        k += 1
    return (min(feasible), max(feasible)) if feasible else (None, None)


def solved_for_k(P, m):
    """The real k solving Params(k, m) = P at width m (Report A's recipe: solve for k)."""
    return 1 + (P - params_closed_form(1, m)) / (m * (m + 1))


def _claims(per_budget):
    tol = TOLERANCE
    checks = []
    for b in per_budget:
        P = b["P"]
        lo, hi = scan_range(P, tol)
        # solving for k: the deepest net is the one at the width floor, the shallowest k = 1
        k_hi = math.floor(solved_for_k(P * (1 + tol), MIN_WIDTH))
        checks.append({"P": P, "scan": [lo, hi], "solved": [1, k_hi], "solver": [b["k_min"] or 1, b["k_max"]],
                       "k_at_m1": math.floor(solved_for_k(P * (1 + tol), 1)),
                       "k_real": solved_for_k(P, MIN_WIDTH)})
    solve_ok = all(c["scan"] == c["solved"] == c["solver"] for c in checks)
    exact_hits, cases = 0, 0
    for b in per_budget:
        for r in b["rows"]:
            if r["k"] in DEPTHS_SHOWN:
                cases += 1
                exact_hits += r["count"] == b["P"]
    non_integer = [c for c in checks if not float(c["k_real"]).is_integer()]
    worst = max(abs(r["rel_error"]) for b in per_budget for r in b["rows"] if r["k"] in DEPTHS_SHOWN)
    first = checks[0]
    return [
        claim("p02.solve-for-k", "A", "To find the smallest and largest values of k for a given number of "
              "parameters P, we need to solve the equation Params(k, m) = P for k",
              f"k range from solving Params(k, m) = P for k at the extreme widths vs a brute-force scan of every "
              f"integer (k, m ≥ {MIN_WIDTH}) within ±{tol:.0%}, P = "
              + ", ".join(f"{c['P']:,}" for c in checks),
              kind="exact", holds=solve_ok,
              effect=(f"k_max = {first['solved'][1]} at P = {first['P']:,} both ways" if solve_ok else
                      "the solved range differs from the scan: " +
                      "; ".join(f"P = {c['P']:,}: {c['solved']} vs {c['scan']}" for c in checks)),
              note=(f"it needs a width floor Report A did not state (m ≥ {MIN_WIDTH} here): with m ≥ 1 the same "
                    f"recipe gives k_max = {first['k_at_m1']:,} at P = {first['P']:,} (nets one unit wide)")),
        claim("p02.rounding", "A", "This may involve rounding if k is not an integer",
              f"the real solution k of Params(k, {MIN_WIDTH}) = P, and whether any integer (k ≤ "
              f"{max(DEPTHS_SHOWN)}, m) hits P exactly", kind="exact", holds=bool(non_integer),
              effect=(f"k at m = {MIN_WIDTH} is non-integer for {len(non_integer)} of {len(checks)} budgets "
                      f"(P = {first['P']:,}: k = {first['k_real']:.2f}); {exact_hits} of {cases} (P, k ≤ "
                      f"{max(DEPTHS_SHOWN)}) pairs hit P exactly; the best integer width misses by ≤ "
                      f"{100 * worst:.2f}%"),
              note="m must be rounded as well as k: both are integers, so the count reached only approximates P"),
    ]


def _log_grid(lo, hi, n=36):
    return [lo * (hi / lo) ** (i / (n - 1)) for i in range(n)] if hi > lo else [lo]


def report(summary):
    tol, strict = summary["tolerance"], summary["strict_tolerance"]
    budgets = summary["budgets"]
    decided = claims.decide(summary["claims"])
    body = [claims.ledger_table(decided, problem=False), ""]
    body += [f"Criterion: depth k is feasible for budget P when the width m ≥ 10 closest to P "
            f"gives a count within ±{tol:.0%} of P (the table also shows k_max at ±{strict:.0%}).", ""]
    body.append(table(["P", "k_min", f"k_max (±{tol:.0%})", f"k_max (±{strict:.0%})",
                       "k = 0 error", "m at k = 1 … 6"],
                      [[f"{b['P']:,}", b["k_min"], b["k_max"], b["k_max_strict"],
                        f"{100 * b['k0_rel_error']:+.1f}%",
                        ", ".join(str(r["m"]) for r in b["rows"] if r["k"] in DEPTHS_SHOWN)]
                       for b in budgets]))
    body.append("")
    rows = []
    for b in budgets:
        for r in b["rows"]:
            rows.append([f"{b['P']:,}", r["k"], r["m"], f"{r['count']:,}", f"{100 * r['rel_error']:+.2f}%",
                         "yes" if r["feasible"] else "**no**",
                         f"{r['built']:,}" if "built" in r else "—",
                         r.get("m_report_a", "—")])
    body.append(table(["P", "k", "m(k)", "count", "rel. error", "feasible", "built model",
                       "m by Report A's formula"], rows))
    body.append("")
    first, last = budgets[0], budgets[-1]
    body.append(
        (f"Every budget admits k = {first['k_min']} hidden layer(s) upwards"
           if len({b['k_min'] for b in budgets}) == 1 else
           "k_min: " + ", ".join(f"{b['k_min']} (P = {b['P']:,})" for b in budgets))
        + f"; the deep end is set by the m = 10 "
        f"floor: k_max grows from {first['k_max']} (P = {first['P']:,}) to {last['k_max']} "
        f"(P = {last['P']:,}) at ±{tol:.0%}, and from {first['k_max_strict']} to {last['k_max_strict']} at "
        f"±{strict:.0%} (the stricter criterion removes "
        f"{100 * (1 - first['k_max_strict'] / first['k_max']):.0f}% of the depths at P = {first['P']:,} and "
        f"{100 * (1 - last['k_max_strict'] / last['k_max']):.0f}% at P = {last['P']:,}). "
        f"Inside the range an integer width reaches P within "
        f"{100 * max(abs(r['rel_error']) for b in budgets for r in b['rows'] if r['k'] in DEPTHS_SHOWN):.2f}% "
        f"for k = 1 … 6. The counts of the built models "
        f"{'agree with' if summary['built_agrees'] else 'DISAGREE with'} the closed form.")
    changed = [(b["P"], r["k"], r["m"], r["m_report_a"]) for b in budgets for r in b["rows"]
               if "m_report_a" in r and r["m_report_a"] != r["m"]]
    if changed:
        body.append(f"Solving Report A's formula (which omits m biases) instead picks a different width in "
                    f"{len(changed)} of the {sum(1 for b in budgets for r in b['rows'] if 'm_report_a' in r)} "
                    f"rows with k ≤ 6 (e.g. P = {changed[0][0]:,}, k = {changed[0][1]}: "
                    f"m = {changed[0][3]} instead of {changed[0][2]}).")
    else:
        body.append("Solving Report A's formula (which omits m biases) picks the same widths for k ≤ 6.")
    body.append("Report A only said to solve Params(k, m) = P for k with rounding, without numbers; "
                "it did not state the m ≥ 10 floor that bounds k from above.")
    body += ["", figure(summary, "depth_range.png", "best width and count error vs depth")]
    return "\n".join(body)


if __name__ == "__main__":
    from .core.cli import main_single
    raise SystemExit(main_single(ID))
