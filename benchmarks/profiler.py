"""Where tinynet's time goes: time by layer and by direction (forward / backward).

``profile_workload`` wraps, on one fresh model, every layer's ``forward`` and
``backward``, the loss and the optimizer's ``step`` with wall-clock timers,
runs the workload once through ``fit`` (one epoch; 200 steps for W7; the
inference passes for W6) and attributes the epoch time.  What the wrappers
do not see ("loop overhead": batch gathering, loss bookkeeping, Python) is
the epoch time minus the sum.  On the GPU each timed call is synchronised,
which makes the attribution honest and the total a little slower.
"""
import time
from collections import defaultdict

import tinynet as tn

from . import workloads as W


def _wrap(obj, attr, bucket, key, sync):
    inner = getattr(obj, attr)

    def timed(*args, **kwargs):
        start = time.perf_counter()
        out = inner(*args, **kwargs)
        sync()
        bucket[key] += time.perf_counter() - start
        return out

    setattr(obj, attr, timed)  # an instance attribute shadows the class method


def profile_workload(workload, data, regress_steps=200):
    """Profile one tinynet run of ``workload``; returns a dict with ``rows`` and totals."""
    xp = tn.backend.current_xp()
    sync = lambda: tn.backend.synchronize(xp)
    model = W.build_tinynet(workload)
    loss, opt = W.tinynet_loss(workload), W.tinynet_optimizer(workload)
    t = defaultdict(float)
    for i, layer in enumerate(model.layers):
        _wrap(layer, "forward", t, (i, "fwd"), sync)
        _wrap(layer, "backward", t, (i, "bwd"), sync)
    for attr in ("forward", "backward", "metric"):
        _wrap(loss, attr, t, ("loss", attr), sync)
    _wrap(opt, "step", t, ("optimizer", "step"), sync)
    X, y = data["X_train"], data["y_train"]
    if workload.kind == "infer":
        X = data["X_test"]
        model.predict(X, batch_size=workload.batch_size)  # warm-up, not counted
        t.clear()
        passes = 5
        start = time.perf_counter()
        for _ in range(passes):
            model.predict(X, batch_size=workload.batch_size)
        total = time.perf_counter() - start
        steps = passes * -(-len(X) // workload.batch_size)
    elif workload.kind == "regress":
        steps = regress_steps
        start = time.perf_counter()
        model.fit(X, y, loss, opt, epochs=steps, batch_size=len(X), shuffle=False, verbose=0)
        total = time.perf_counter() - start
    else:
        target = X if workload.kind == "autoencode" else y
        hist = model.fit(X, target, loss, opt, epochs=1, batch_size=workload.batch_size, verbose=0)
        total = hist.history["epoch_time"][0]
        steps = -(-len(X) // workload.batch_size)
    rows = []
    for i, layer in enumerate(model.layers):
        rows.append((f"{i} {layer!r}", t[(i, "fwd")], t[(i, "bwd")]))
    rows.append(("loss " + type(loss).__name__, t[("loss", "forward")] + t[("loss", "metric")],
                 t[("loss", "backward")]))
    rows.append((f"optimizer {type(opt).__name__}.step", 0.0, t[("optimizer", "step")]))
    accounted = sum(f + b for _, f, b in rows)
    rows.append(("loop overhead (gather, bookkeeping)", max(total - accounted, 0.0), 0.0))
    return {"name": workload.name, "title": workload.title, "total": total, "steps": steps,
            "rows": [{"part": p, "fwd": f, "bwd": b} for p, f, b in rows]}


def format_profile(prof):
    """The profile as a Markdown table: ms per step and share of the total."""
    total, steps = prof["total"], prof["steps"]
    unit = "pass" if prof["name"] == "W6" else "step"
    lines = [f"**{prof['name']} {prof['title']}**: {total:.3f} s for {steps} steps "
             f"({1e3 * total / steps:.2f} ms per step)", "",
             f"| part | forward ms/{unit} | backward ms/{unit} | share |",
             "|---|---:|---:|---:|"]
    for row in prof["rows"]:
        f, b = row["fwd"], row["bwd"]
        share = 100.0 * (f + b) / total if total else 0.0
        fmt = lambda v: f"{1e3 * v / steps:.3f}" if v else "-"
        lines.append(f"| {row['part']} | {fmt(f)} | {fmt(b)} | {share:.1f}% |")
    return "\n".join(lines)
