"""Parameter budgets of an MLP 784 → k hidden layers → 10: counts, the width solver, weight norms.

The recipes p01–p04 share (no experiment module imports another):

* :func:`params_closed_form` — every weight and bias of 784 → k×m → 10;
  :func:`params_report_a` — Report A's formula as printed (it leaves out the
  first hidden layer's m biases); :func:`params_built` — the count read off a
  built tinynet model; :func:`layer_terms` — that count split into weights
  and biases per layer (what Report A itemized);
* :func:`count_widths` — the count of any widths 784 → w1 → … → 10;
* :func:`best_width` — for a budget P and a depth k, the width m ≥ 10 whose
  count is closest to P (p02's solver, p03's nets);
* :func:`weight_sq_norm` — ΣW² over a model's Dense weight matrices (what
  weight decay and L2 shrink).
"""
import math

import tinynet as tn

from .training import mlp

INPUTS, OUTPUTS = 784, 10
MIN_WIDTH = 10  # no hidden layer narrower than the 10 outputs


def params_closed_form(k, m):
    """Every weight and bias of 784 → k×m → 10 (k = 0: the linear softmax, 7850)."""
    if k == 0:
        return INPUTS * OUTPUTS + OUTPUTS
    return (INPUTS * m + m) + (k - 1) * m * (m + 1) + (OUTPUTS * m + OUTPUTS)


def params_report_a(k, m):
    """Report A's formula, as printed (defined for k >= 1)."""
    return INPUTS * m + 10 + (k - 1) * m * (m + 1) + m * 10


def built_model(widths, seed=0):
    """A tinynet MLP 784 → widths → 10 (ReLU)."""
    return tn.Sequential(mlp([INPUTS] + list(widths) + [OUTPUTS]), seed=seed)


def params_built(k, m):
    """The count read off a built tinynet model 784 → k×m → 10."""
    return built_model([m] * k).num_params()


def layer_terms(k, m):
    """The built model's count split as Report A itemized it.

    Returns ``{"first_weights", "hidden_weights", "output_weights",
    "hidden_biases", "output_biases"}`` read off the layers' arrays: the
    first Dense's W, the k−1 middle W's, the last W, the k hidden b's, the
    output b.
    """
    dense = [layer for layer in built_model([m] * k) if isinstance(layer, tn.layers.Dense)]
    sizes = [(int(d.params["W"].size), int(d.params["b"].size)) for d in dense]
    return {"first_weights": sizes[0][0] if k else 0,
            "hidden_weights": sum(w for w, _ in sizes[1:-1]),
            "output_weights": sizes[-1][0] if k else 0,
            "hidden_biases": sum(b for _, b in sizes[:-1]),
            "output_biases": sizes[-1][1]}


def count_widths(widths):
    """Weights + biases of 784 → widths → 10."""
    sizes = [INPUTS] + list(widths) + [OUTPUTS]
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def best_width(k, P, formula=params_closed_form):
    """The width m >= MIN_WIDTH whose count for depth k is closest to P (ties: smaller m).

    Params(k, m) = (k−1)m² + (795 + k − 1)m + 10 is increasing in m, so m is
    the rounded positive root of Params(k, m) = P, checked against its
    neighbours (and against ``formula`` when it is another count).
    """
    if k == 0:
        return None
    a, b, c = k - 1, 795 + (k - 1), 10 - P
    root = -c / b if a == 0 else (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    candidates = {max(MIN_WIDTH, int(math.floor(root)) + d) for d in (-1, 0, 1, 2)}
    return min(sorted(candidates), key=lambda m: abs(formula(k, m) - P))


def weight_sq_norm(model):
    """ΣW² over the Dense weight matrices of ``model`` (biases excluded, as L2 / weight decay see them)."""
    total = 0.0
    for layer in model:
        if isinstance(layer, tn.layers.Dense):
            W = tn.backend.to_host(layer.params["W"]).astype("float64")
            total += float((W * W).sum())
    return total
