""""Comparable or better": a non-inferiority test with a margin derived from the test set's size.

Report A calls a model "comparable or better" (p08) or "competitive or even
superior" (p11) to a reference.  That is not "no difference" (TOST) — being
much better is fine — and not "better" either: it is *non-inferiority*,
mean(a) > mean(ref) − margin.  :func:`welch_noninferior` tests it as Welch's
t of ``a`` against ``ref − margin``, so ``effect`` = mean(a) − mean(ref) +
margin: positive and significant means "not worse by the margin"
(``claims.decide`` reads it with ``expect=+1``); significantly negative
means worse by more than the margin.

The margin: :func:`binomial_margin` — two binomial standard errors of the
reference's accuracy on the test set, sqrt(p(1 − p)/n_test).  Two models
closer than that cannot be told apart by one test set of that size, whatever
the seeds say, so a smaller margin would ask for more than the data resolve.
"""
import math

from . import stats

MARGIN_SES = 2


def binomial_margin(accuracy, n_test, ses=MARGIN_SES):
    """``ses`` binomial standard errors of ``accuracy`` measured on ``n_test`` images (a fraction)."""
    if accuracy is None or not n_test:
        return None
    return ses * math.sqrt(max(accuracy * (1 - accuracy), 0.0) / n_test)


def welch_noninferior(a, ref, margin):
    """Welch's t of mean(a) − (mean(ref) − margin); ``effect`` > 0 = not worse by ``margin``."""
    shifted = [None if v is None else v - margin for v in ref]
    res = stats.welch(a, shifted)
    return {**res, "test": f"Welch t vs reference − {100 * margin:.2f} pts", "margin": margin}
