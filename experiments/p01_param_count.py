"""p01 — parameter count of an MLP 784 -> k hidden layers of m -> 10.

Closed form, counting every weight matrix and bias vector
(``experiments/core/mlp_budget.py``):

    k = 0:   Params = 784*10 + 10 = 7850               (linear softmax)
    k >= 1:  Params = (784*m + m) + (k-1)*(m*m + m) + (10*m + 10)
                    = 785m + (k-1) m (m+1) + 10m + 10

Method: for k = 0 … 5 and several widths m, the closed form is compared with
the count read off a built tinynet model, and the built model's arrays are
split into the terms Report A itemized (first-layer weights, the k−1 middle
weight matrices, output weights, hidden biases, output biases).  Report A's
formula ``784m + 10 + (k−1) m (m+1) + 10m`` counts the hidden biases as
(k−1)·m ("each hidden layer except the last one"); a built model has k·m.

Claims (all kind ``exact``: deterministic counts, no seeds, no training):
the linear model's 7850; the weight terms; the bias terms; the formula.
Limits: counts only — nothing is trained here.
"""
from .core import claims, plots
from .core.claims import claim
from .core.mlp_budget import layer_terms, params_built, params_closed_form, params_report_a
from .core.report import figure, table

ID = "p01-param-count"
TITLE = "Parameter count of an MLP"
QUESTION = "How many parameters does an MLP 784 → k hidden layers of m → 10 have?"
ESTIMATE = {"smoke": 1, "quick": 2, "full": 2}

DEPTHS = list(range(0, 6))


def run(ctx):
    widths = ctx.pick(smoke=[16, 64], quick=[16, 64, 128, 256, 512], full=[16, 32, 64, 128, 256, 512])
    rows = []
    for m in widths:
        for k in DEPTHS:
            if k == 0 and m != widths[0]:
                continue  # k = 0 has no hidden width
            terms = layer_terms(k, m)
            rows.append({"k": k, "m": None if k == 0 else m, "closed_form": params_closed_form(k, m),
                         "built": params_built(k, m), "terms": terms,
                         "report_a": None if k == 0 else params_report_a(k, m)})
    fig, ax = plots.figure()
    for m in widths:
        ks = [r["k"] for r in rows if r["m"] == m]
        ax.plot(ks, [r["built"] for r in rows if r["m"] == m], "o-", label=f"m = {m}")
    ax.axhline(params_closed_form(0, 0), color="gray", ls=":", label="k = 0 (7850)")
    plots.decorate(ax, "MLP 784 → k×m → 10: parameter count", "hidden layers k",
                   "parameters (count, log scale)", logy=True)
    plots.save(fig, ctx.path("params_vs_k.png"))
    summary = {"rows": rows, "figures": ["params_vs_k.png"],
               "all_agree": all(r["closed_form"] == r["built"] for r in rows)}
    summary["claims"] = _claims(rows)
    return summary


def _claims(rows):
    hidden = [r for r in rows if r["k"] >= 1]
    k0 = next(r for r in rows if r["k"] == 0)
    weights_ok = all(r["terms"]["first_weights"] == 784 * r["m"]
                     and r["terms"]["hidden_weights"] == (r["k"] - 1) * r["m"] ** 2
                     and r["terms"]["output_weights"] == 10 * r["m"] for r in hidden)
    biases_a = [(r["terms"]["hidden_biases"], (r["k"] - 1) * r["m"], r["terms"]["output_biases"]) for r in hidden]
    biases_ok = all(h == a and o == 10 for h, a, o in biases_a)
    short = sorted({r["built"] - r["report_a"] for r in hidden if r["report_a"] is not None})
    short_by_m = all(r["built"] - r["report_a"] == r["m"] for r in hidden)
    cases = f"{len(hidden)} (k, m) pairs, k = 1 … {max(r['k'] for r in hidden)}, " \
            f"m = {', '.join(str(m) for m in sorted({r['m'] for r in hidden}))}"
    return [
        claim("p01.linear-7850", "A", "Total parameters for a linear softmax model with no hidden layers: "
              "7840 + 10 = 7850", "count of a built 784 → 10 model", kind="exact",
              holds=k0["built"] == 7850 == k0["closed_form"], effect=f"built: {k0['built']:,}"),
        claim("p01.weight-terms", "A", "first hidden layer weights: 784 × m; k−1 hidden layers each with m × m "
              "weights; last hidden layer to output layer weights: m × 10",
              f"weight-matrix sizes of built models, {cases}", kind="exact", holds=weights_ok,
              effect="all weight terms match" if weights_ok else "a weight term differs"),
        claim("p01.bias-terms", "A", "Bias terms for each hidden layer except the last one: (k−1) × m parameters; "
              "bias terms for output layer: 10 parameters",
              f"bias-vector sizes of built models, {cases}", kind="exact", holds=biases_ok,
              effect=("hidden biases = (k−1)·m" if biases_ok else
                      f"hidden biases built: k·m (e.g. k = {hidden[-1]['k']}, m = {hidden[-1]['m']}: "
                      f"{biases_a[-1][0]:,} vs (k−1)·m = {biases_a[-1][1]:,}); output biases "
                      f"{'10' if all(o == 10 for _, _, o in biases_a) else 'not 10'}")),
        claim("p01.formula", "A", "Params(k, m) = 784 × m + 10 + (k−1) × m × (m+1) + m × 10",
              f"the formula vs the count of built models, {cases}", kind="exact",
              holds=all(r["report_a"] == r["built"] for r in hidden),
              effect=("equal in every case" if short == [0] else
                      "short by exactly m in every case (the first hidden layer's m biases)" if short_by_m else
                      f"differences {short}")),
    ]


def report(summary):
    rows = summary["rows"]
    decided = claims.decide(summary["claims"])
    body = [claims.ledger_table(decided, problem=False), ""]
    body.append(table(["k", "m", "closed form", "built model", "hidden biases (built)", "Report A formula",
                       "built − A"],
                      [[r["k"], r["m"] if r["m"] is not None else "—", f"{r['closed_form']:,}",
                        f"{r['built']:,}", f"{r['terms']['hidden_biases']:,}",
                        "—" if r["report_a"] is None else f"{r['report_a']:,}",
                        "—" if r["report_a"] is None else f"{r['built'] - r['report_a']:,}"]
                       for r in rows]))
    agree = summary["all_agree"]
    k0 = next(r for r in rows if r["k"] == 0)
    hidden = [r for r in rows if r["report_a"] is not None]
    by_m = all(r["built"] - r["report_a"] == r["m"] for r in hidden)
    verdict = {c["id"]: c["verdict"] for c in decided}
    body.append("")
    body.append(
        f"The closed form Params(k, m) = 785m + (k−1)m(m+1) + 10m + 10 (k ≥ 1) "
        f"{'agrees with' if agree else 'DISAGREES with'} the count read off the built models in "
        f"all {len(rows)} rows; k = 0 (linear softmax) has {k0['built']:,} parameters "
        f"({verdict['p01.linear-7850']}). Report A's weight terms are {verdict['p01.weight-terms']}; its bias "
        f"terms are {verdict['p01.bias-terms']}: a built model has k·m hidden biases, not (k−1)·m.")
    body.append("Report A's formula is therefore short by exactly m in every row (it leaves out the first hidden "
                "layer's m biases): " + verdict["p01.formula"] + "." if by_m else
                "Report A's formula differs from the built count by other than m in some rows: see the last column.")
    body += ["", figure(summary, "params_vs_k.png", "parameter count vs depth")]
    return "\n".join(body)


if __name__ == "__main__":
    from .core.cli import main_single
    raise SystemExit(main_single(ID))
