"""Readable log-scale ticks: labels at 1, 2, 5 × 10^k as plain numbers.

Matplotlib's default log axis labels only the decades, so an axis spanning
less than a decade shows no number at all, and its minor labels, when shown,
overlap.  ``readable_log(ax.yaxis)`` fixes both.
"""
from matplotlib import ticker


def readable_log(axis):
    """Major ticks at 1, 2, 5 × 10^k labelled like ``0.05`` / ``2`` / ``1e+04``; no minor labels."""
    axis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(ticker.NullFormatter())
