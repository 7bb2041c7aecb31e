"""Matplotlib helpers (Agg backend, PNG): curves with mean ± spread bands, diverged markers."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

import tinynet as tn  # noqa: E402

np = tn.backend.np
DPI = 80


def figure(ncols=1, nrows=1, width=6.0, height=4.0, **kw):
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False, **kw)
    return fig, axes.ravel() if ncols * nrows > 1 else axes[0, 0]


def save(fig, path):
    """Write the figure as a PNG atomically (temp file + rename) and close it.

    Several runners may share one results folder: a reader never sees a
    half-written PNG, and a crash leaves the previous figure in place.
    """
    from tinynet.fsutil import atomic_file
    fig.tight_layout()
    with atomic_file(path) as f:
        fig.savefig(f, dpi=DPI, format="png")
    plt.close(fig)
    return path


def decorate(ax, title=None, xlabel=None, ylabel=None, logx=False, logy=False, legend=True, grid=True,
             legend_size=7):
    """The finishing touches every experiment's axes get: labels, log scales, legend, light grid."""
    from .axes import readable_log
    if title:
        ax.set_title(title)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if logx:
        ax.set_xscale("log")
        readable_log(ax.xaxis)
    if logy:
        ax.set_yscale("log")
        readable_log(ax.yaxis)
    if grid:
        ax.grid(True, alpha=0.3, lw=0.5)
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=legend_size)
    return ax


def mean_spread(series):
    """Mean and std over seeds of equally long lists (shorter ones are NaN-padded)."""
    n = max((len(s) for s in series), default=0)
    arr = np.full((len(series), n), np.nan)
    for i, s in enumerate(series):
        arr[i, :len(s)] = [np.nan if v is None else v for v in s]
    with np.errstate(all="ignore"):
        mean = np.nanmean(arr, axis=0) if len(series) else arr
        std = np.nanstd(arr, axis=0) if len(series) > 1 else np.zeros(n)
    return mean, std


def band(ax, x, series, label=None, color=None, **kw):
    """Plot the mean over seeds with a ±1 std band (no band for one seed)."""
    mean, std = mean_spread(series)
    x = np.asarray(x[:len(mean)], dtype=float)
    line, = ax.plot(x, mean[:len(x)], label=label, color=color, **kw)
    if len(series) > 1:
        ax.fill_between(x, (mean - std)[:len(x)], (mean + std)[:len(x)], color=line.get_color(), alpha=0.2)
    return line


def mark_diverged(ax, x, y, label="diverged"):
    """A red cross where a run diverged (recorded, not dropped)."""
    ax.scatter([x], [y], marker="x", color="red", s=60, zorder=5, label=label)
