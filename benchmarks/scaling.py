"""Scaling section: time per epoch vs MLP width and vs batch size, tinynet next to PyTorch.

``python -m benchmarks --scaling [--markdown scaling.md]`` trains

* the MLP 784-H-10 (ReLU, SGD 0.1, batch 128) for H in ``--scaling-widths``;
* the MLP 784-512-10 (ReLU, SGD 0.1) for each batch size in ``--scaling-batches``;

one epoch per round, tinynet and PyTorch alternately in this process (the
runner of W1-W7: same weights, same batches, ratio per round).  The NumPy
reference is skipped here: the point is how each library's cost grows, where
the fixed per-step cost dominates (small widths, small batches) and where the
matrix products do (large ones).  Each row carries its GEMM floor and the
load average measured just before it.
"""
import os

from . import report, workloads as W
from .runner import run_workload


def _ints(text):
    return [int(v) for v in str(text).split(",") if v.strip()]


def scaling_workloads(widths, batches):
    """(section, x value, Workload) for every point of the two sweeps."""
    out = []
    for h in widths:
        arch = (("dense", 784, h), ("relu",), ("dense", h, 10))
        out.append(("width", h, W.Workload(f"S-width-{h}", f"MLP 784-{h}-10, batch 128",
                                           "classify", arch, "flat", ("sgd", 0.1), 128)))
    for b in batches:
        arch = (("dense", 784, 512), ("relu",), ("dense", 512, 10))
        out.append(("batch", b, W.Workload(f"S-batch-{b}", f"MLP 784-512-10, batch {b}",
                                           "classify", arch, "flat", ("sgd", 0.1), b)))
    return out


def run_scaling(args, machine, rate, torch, device, log=print):
    """Run both sweeps; print (and with ``--markdown`` write) the two tables."""
    points = scaling_workloads(_ints(args.scaling_widths), _ints(args.scaling_batches))
    data = W.load_data(W.WORKLOADS["W1"], args.limit)
    n = len(data["X_train"])
    rows = []
    for section, x, w in points:
        load = [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else None
        log(f"{w.name} {w.title} ... (load average {load})")
        res = run_workload(w, data, args.rounds, torch=torch, device=device, reference=False,
                           log=lambda s: log(s))
        res["floor_seconds"] = W.gemm_flops(w, n) / rate
        res["load_average_before"] = load
        rows.append((section, x, res))
    text = scaling_markdown(rows, n, args.rounds, machine, rate)
    log("")
    log(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
        log(f"wrote {args.markdown}")
    return 0


def _table(rows, section, head, n):
    lines = [f"| {head} | tinynet s/epoch | PyTorch s/epoch | ratio tn/PT median [min-max] "
             "| GEMM floor s | tn/floor | PT/floor | images/s tn / PT | load before |",
             "|" + "---|" * 9]
    for sec, x, res in rows:
        if sec != section:
            continue
        tn, pt, r = res.get("tinynet"), res.get("torch"), res.get("ratio")
        floor = res["floor_seconds"]
        cell = lambda s: f"{s['median']:.3f}" if s else "-"
        per_floor = lambda s: f"{s['median'] / floor:.2f}" if s else "-"
        ips = " / ".join(f"{n / s['median']:,.0f}" if s else "-" for s in (tn, pt))
        ratio = f"{r['median']:.2f} [{r['min']:.2f}-{r['max']:.2f}]" if r else "-"
        load = res.get("load_average_before")
        lines.append(f"| {x} | {cell(tn)} | {cell(pt)} | {ratio} | {floor:.3f} | {per_floor(tn)} "
                     f"| {per_floor(pt)} | {ips} | {load[0] if load else '-'} |")
    return "\n".join(lines)


def scaling_markdown(rows, n, rounds, machine, rate):
    """The scaling section as Markdown: a header block and one table per sweep."""
    head = report.machine_lines(machine, rate / 1e9)
    return "\n".join([
        "```", *head, "```", "",
        f"One epoch = {n:,} MNIST images; {rounds} alternating round(s) per point; "
        "ratio = tinynet time / PyTorch time per round (below 1: tinynet faster).",
        "", "**Time per epoch vs width** (MLP 784-H-10, ReLU, SGD, batch 128)", "",
        _table(rows, "width", "width H", n),
        "", "**Time per epoch vs batch size** (MLP 784-512-10, ReLU, SGD)", "",
        _table(rows, "batch", "batch size", n)])
