"""Assemble <out>/REPORT.md from every experiment's summary.json.

Each experiment writes its own section from its measured numbers
(``module.report(summary)``); this module adds the header (machine, mode,
runtimes) and the table of contents, and writes the file atomically.
"""
import json
import os
import time

from tinynet.fsutil import atomic_file

import experiments
from .context import _duration
from .store import PointStore

ANCHORS = """MNIST test error from the literature (PROBLEMS.md): linear softmax ≈ 7.5%; one hidden
layer of a few hundred units ≈ 2–4.7%; MLPs of 2–3 layers trained well ≈ 1.5–2%; small CNNs
≈ 0.7–1%."""


def load_summaries(out):
    summaries = {}
    for exp_id in experiments.EXPERIMENTS:
        path = os.path.join(out, exp_id, "summary.json")
        if os.path.exists(path):
            with open(path) as f:
                summaries[exp_id] = json.load(f)
    return summaries


def stored_seconds(out, exp_id, mode):
    """Seconds spent on an experiment's stored points of one mode, per backend.

    Each point records its own training + evaluation time, so this sum is the
    cost of the whole run however many interrupted sessions it took (the
    runner's wall time counts only its last invocation, where cached points
    cost nothing).
    """
    per_backend = {}
    for record in PointStore.of_experiment(os.path.join(out, exp_id)).records():
        config = record.get("config", {})
        if config.get("mode", mode) != mode:
            continue
        backend = config.get("backend", "numpy")
        per_backend[backend] = per_backend.get(backend, 0.0) + record.get("meta", {}).get("seconds", 0.0)
    return per_backend


def build_report(out):
    summaries = load_summaries(out)
    lines = ["# tinynet experiments: the two MNIST reports, reproduced", ""]
    if not summaries:
        lines += [f"No results under `{out}/` yet: run `python -m experiments run all` first.", ""]
        return "\n".join(lines)
    first = next(iter(summaries.values()))
    m = first.get("machine", {})
    modes = sorted({s.get("mode") for s in summaries.values()})
    total = sum(s.get("wall_seconds", 0) for s in summaries.values())
    compute = {}
    for exp_id, summary in summaries.items():
        for backend, seconds in stored_seconds(out, exp_id, summary.get("mode")).items():
            compute[backend] = compute.get(backend, 0.0) + seconds
    compute_text = "; ".join(f"{b}: {_duration(t)}" for b, t in sorted(compute.items())) or "none stored"
    lines += [
        f"Generated {time.strftime('%Y-%m-%d %H:%M')} from the results in `{out}/` "
        f"(mode: {', '.join(modes)}; dataset: {first.get('dataset')}).",
        "",
        f"Machine: {m.get('cpu')}, {m.get('cores')} cores; backend {m.get('backend')}; "
        f"Python {m.get('python')}; tinynet {m.get('tinynet')} (commit {m.get('commit')}).",
        "",
        f"Compute time of the stored training points (training + evaluation, summed over "
        f"every point, whichever session ran it), per backend: {compute_text}. "
        f"Wall time of the last `run` of each experiment, summed (cached points cost nothing): "
        f"{_duration(total)}.",
        "",
        "Every number, table and conclusion below is computed from the stored results; "
        "where a report's claim and our measurement disagree, the section says so.",
        "",
        "Anchors: " + ANCHORS.replace("\n", " "),
        "",
        "## Contents",
        "",
    ]
    for exp_id in experiments.EXPERIMENTS:
        mod = experiments.load(exp_id)
        state = "" if exp_id in summaries else " — *not run*"
        lines.append(f"- [{exp_id}: {mod.TITLE}](#{exp_id}){state}")
    lines.append("")
    for exp_id in experiments.EXPERIMENTS:
        mod = experiments.load(exp_id)
        lines.append(f'<a id="{exp_id}"></a>')
        lines.append(f"## {exp_id}: {mod.TITLE}")
        lines.append("")
        lines.append(f"*Question:* {mod.QUESTION}")
        lines.append("")
        summary = summaries.get(exp_id)
        if summary is None:
            lines += [f"Not run yet: `python -m experiments run {exp_id}`.", ""]
            continue
        lines.append(mod.report(summary).strip())
        lines.append("")
        lines.append(f"<sub>{summary.get('mode')} mode, {summary.get('seeds')} seed(s), "
                     f"{_duration(summary.get('wall_seconds', 0))}, finished {summary.get('finished')}, "
                     f"backend {summary.get('machine', {}).get('backend')}.</sub>")
        lines.append("")
    return "\n".join(lines)


def write_report(out):
    text = build_report(out)
    path = os.path.join(out, "REPORT.md")
    with atomic_file(path) as f:
        f.write(text.encode())
    return path


def figure(summary, name, caption=""):
    """Markdown for a figure of this experiment (paths relative to REPORT.md)."""
    return f"![{caption or name}]({summary['id']}/{name})"


def table(header, rows):
    """A Markdown table from a header list and row lists (values already formatted)."""
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return "\n".join(out)
