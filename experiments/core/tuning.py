"""Equal tuning budgets: every compared arm picks its setting from the same grid, on validation.

Comparing arms (activations, layer shapes, regularizers) at one hand-picked
learning rate compares how well that rate suits each arm.  Instead each arm
trains at every value of the same small grid (learning rates, λ, dropout p),
and :func:`choose_on_validation` picks, per arm, the value with the best mean
*validation* metric over the tuning seeds — never the test set.  The
comparison then uses each arm at its own chosen value.
"""
from . import stats
from .claims import grid_edge


def choose_on_validation(records, arm, setting, metric="val_loss", lower_is_better=True):
    """Per arm, the grid value with the best mean validation ``metric``.

    records  stored points (each ``result["final"]`` holds ``metric``);
    arm      config -> the arm it belongs to (hashable);
    setting  config -> the tuned value (hashable, e.g. the learning rate).

    Returns ``{arm: {"value", "score" (summary), "grid" (sorted values),
    "scores" ({value: mean}), "edge" (warning text or "")}}``.  Values whose
    every seed diverged score as missing and are never chosen.
    """
    by_arm = {}
    for key, recs in stats.group(records, lambda c: (arm(c), setting(c))).items():
        by_arm.setdefault(key[0], {})[key[1]] = stats.summarize(
            [stats.final_metric(r, metric) for r in recs])
    chosen = {}
    for a, scores in by_arm.items():
        finite = {v: s for v, s in scores.items() if s["mean"] is not None}
        grid = sorted(scores)
        if not finite:
            chosen[a] = {"value": None, "score": None, "grid": grid, "scores": {}, "edge": ""}
            continue
        pick = (min if lower_is_better else max)(finite, key=lambda v: finite[v]["mean"])
        chosen[a] = {"value": pick, "score": finite[pick], "grid": grid,
                     "scores": {v: s["mean"] for v, s in scores.items()},
                     "edge": grid_edge(pick, grid, what=f"{metric}-chosen value")}
    return chosen
