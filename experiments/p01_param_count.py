"""p01 — parameter count of an MLP 784 -> k hidden layers of m -> 10.

Closed form, counting every weight matrix and bias vector:

    k = 0:   Params = 784*10 + 10 = 7850               (linear softmax)
    k >= 1:  Params = (784*m + m) + (k-1)*(m*m + m) + (10*m + 10)
                    = 785m + (k-1) m (m+1) + 10m + 10

Report A wrote ``784m + 10 + (k-1) m (m+1) + 10m``, which leaves out the first
hidden layer's m biases; the table shows that difference (always m).
"""
import tinynet as tn

from .core import plots
from .core.report import figure, table
from .core.training import mlp

ID = "p01-param-count"
TITLE = "Parameter count of an MLP"
QUESTION = "How many parameters does an MLP 784 → k hidden layers of m → 10 have?"
ESTIMATE = {"smoke": 1, "quick": 2, "full": 2}

INPUTS, OUTPUTS = 784, 10


def params_closed_form(k, m):
    """Our closed form (every weight and bias)."""
    if k == 0:
        return INPUTS * OUTPUTS + OUTPUTS
    return (INPUTS * m + m) + (k - 1) * m * (m + 1) + (OUTPUTS * m + OUTPUTS)


def params_report_a(k, m):
    """Report A's formula, as printed (defined for k >= 1)."""
    return INPUTS * m + 10 + (k - 1) * m * (m + 1) + m * 10


def params_built(k, m):
    """The count read off a tinynet model with these layers."""
    sizes = [INPUTS] + [m] * k + [OUTPUTS]
    return tn.Sequential(mlp(sizes), seed=0).num_params()


def run(ctx):
    widths = ctx.pick(smoke=[16, 64], quick=[16, 64, 128, 256, 512], full=[16, 32, 64, 128, 256, 512])
    depths = list(range(0, 6))
    rows = []
    for m in widths:
        for k in depths:
            if k == 0 and m != widths[0]:
                continue  # k = 0 has no hidden width
            closed, built = params_closed_form(k, m), params_built(k, m)
            rows.append({"k": k, "m": None if k == 0 else m, "closed_form": closed, "built": built,
                         "report_a": None if k == 0 else params_report_a(k, m)})
    fig, ax = plots.figure()
    for m in widths:
        ks = [r["k"] for r in rows if r["m"] == m]
        ax.plot(ks, [r["built"] for r in rows if r["m"] == m], "o-", label=f"m = {m}")
    ax.axhline(params_closed_form(0, 0), color="gray", ls=":", label="k = 0 (7850)")
    ax.set_yscale("log")
    ax.set_xlabel("hidden layers k")
    ax.set_ylabel("parameters (count, log scale)")
    ax.set_title("MLP 784 → k×m → 10: parameter count")
    ax.legend(fontsize=8)
    plots.save(fig, ctx.path("params_vs_k.png"))
    return {"rows": rows, "figures": ["params_vs_k.png"],
            "all_agree": all(r["closed_form"] == r["built"] for r in rows)}


def report(summary):
    rows = summary["rows"]
    body = [table(["k", "m", "closed form", "built model", "Report A formula", "A − ours"],
                  [[r["k"], r["m"] if r["m"] is not None else "—", f"{r['closed_form']:,}",
                    f"{r['built']:,}", "—" if r["report_a"] is None else f"{r['report_a']:,}",
                    "—" if r["report_a"] is None else f"{r['report_a'] - r['closed_form']:,}"]
                   for r in rows])]
    agree = summary["all_agree"]
    k0 = next(r for r in rows if r["k"] == 0)
    diffs = {r["report_a"] - r["closed_form"] + r["m"] for r in rows if r["report_a"] is not None}
    body.append("")
    body.append(
        f"The closed form Params(k, m) = 785m + (k−1)m(m+1) + 10m + 10 (k ≥ 1) "
        f"{'agrees with' if agree else 'DISAGREES with'} the count read off the built models in "
        f"all {len(rows)} rows; k = 0 (linear softmax) has {k0['built']:,} parameters.")
    if diffs == {0}:
        body.append("Report A's formula is short by exactly m in every row: it leaves out the first "
                    "hidden layer's m biases.")
    else:
        body.append("Report A's formula differs from the built count by other than m in some rows: "
                    "see the last column.")
    body += ["", figure(summary, "params_vs_k.png", "parameter count vs depth")]
    return "\n".join(body)


if __name__ == "__main__":
    from .core.cli import main_single
    main_single(ID)
