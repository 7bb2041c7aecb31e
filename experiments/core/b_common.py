"""Small helpers shared by the Report B experiments (b1–b4): seed statistics and formatting."""
import math

import tinynet as tn

np = tn.backend.np


def mean_std(values):
    """(mean, population std, n) of the finite values (std = 0 for one value; NaNs for none)."""
    vals = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not vals:
        return float("nan"), float("nan"), 0
    arr = np.asarray(vals)
    return float(arr.mean()), float(arr.std()) if len(vals) > 1 else 0.0, len(vals)


def fmt_ms(values, digits=4, pct=False):
    """'m ± s' (or 'm' for one value); pct=True prints fractions as percent."""
    m, s, n = mean_std(values)
    if n == 0:
        return "—"
    scale, unit = (100.0, "%") if pct else (1.0, "")
    if n == 1:
        return f"{m * scale:.{digits}g}{unit}"
    return f"{m * scale:.{digits}g} ± {s * scale:.2g}{unit}"


def fmt_pct(value, digits=2):
    return "—" if value is None else f"{100.0 * value:.{digits}f}%"


def within_spread(a_values, b_values):
    """True when |mean_a − mean_b| ≤ std_a + std_b (core/seedstats.py's criterion); None with one seed."""
    ma, sa, na = mean_std(a_values)
    mb, sb, nb = mean_std(b_values)
    if na < 2 or nb < 2:
        return None  # one seed: no spread to compare with
    return abs(ma - mb) <= sa + sb


def spread_sentence(a_values, b_values, what="seed"):
    """A clause saying whether a difference of means lies within the spread (over seeds, or folds)."""
    verdict = within_spread(a_values, b_values)
    if verdict is None:
        return f"(single {what}: the {what} spread is unknown, so the difference is not tested against noise)"
    return (f"(the difference is WITHIN the {what} spread, |Δ| ≤ std₁ + std₂: not significant)" if verdict
            else f"(the difference exceeds the {what} spread, |Δ| > std₁ + std₂)")


def met(value, bar, lower_is_better=False):
    """'met' / 'MISSED' for a quality bar."""
    if value is None or not math.isfinite(value):
        return "MISSED"
    ok = value <= bar if lower_is_better else value >= bar
    return "met" if ok else "MISSED"


def group(records, key_fn):
    """{key: [records...]} preserving first-seen order."""
    out = {}
    for r in records:
        out.setdefault(key_fn(r["config"]), []).append(r)
    return out


class WeightNorms(tn.callbacks.Callback):
    """Per epoch, for each Dense layer's W (host copies, so any backend): Frobenius norm,
    mean |w| and the fraction of weights with |w| < ``small`` (L1 drives weights to ~0)."""

    def __init__(self, small=1e-3):
        self.small = small
        self.norms, self.mean_abs, self.small_frac = [], [], []

    def on_train_begin(self):
        self.norms, self.mean_abs, self.small_frac = [], [], []

    def on_epoch_end(self, epoch, logs):
        norms, mean_abs, small = [], [], []
        for layer in self.model.layers:
            if "W" in layer.params:
                W = tn.backend.to_host(layer.params["W"]).astype(np.float64)
                norms.append(float(np.sqrt((W * W).sum())))
                mean_abs.append(float(np.abs(W).mean()))
                small.append(float((np.abs(W) < self.small).mean()))
        self.norms.append(norms)
        self.mean_abs.append(mean_abs)
        self.small_frac.append(small)

    def as_dict(self):
        return {"norm": self.norms, "mean_abs": self.mean_abs, "small_frac": self.small_frac,
                "small_threshold": self.small}


def save_small(fig, path):
    """``plots.save`` then re-encode the PNG with a 256-colour palette (plots have few colours;
    this typically cuts the file 2–3×, keeping figures under the ~80 KB the brief asks for)."""
    from . import plots
    plots.save(fig, path)
    try:
        from PIL import Image
    except ImportError:  # Pillow comes with matplotlib; without it keep the plain PNG
        return path
    from tinynet.data.fsutil import atomic_file
    with Image.open(path) as img:
        small = img.convert("RGB").quantize(colors=256)
    with atomic_file(path) as f:  # atomic, like plots.save
        small.save(f, format="PNG", optimize=True)
    return path
