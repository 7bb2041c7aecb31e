"""Assemble <out>/REPORT.md from every experiment's summary.json.

Each experiment writes its own section from its measured numbers
(``module.report(summary)``); this module adds the header (machine, mode,
runtimes) and the table of contents, and writes the file atomically.
"""
import datetime
import json
import os
import time

from tinynet.fsutil import atomic_file

import experiments
from .progress import duration as _duration
from . import claims, stats
from .markdown import figure, table  # noqa: F401  (re-exported for the experiments)
from .helpers import dataset_name
from .store import FailureStore, PointStore, read_json

ANCHORS = """MNIST test error from the literature (PROBLEMS.md): linear softmax ≈ 7.5%; one hidden
layer of a few hundred units ≈ 2–4.7%; MLPs of 2–3 layers trained well ≈ 1.5–2%; small CNNs
≈ 0.7–1%."""
OTHER_DATA = """PROBLEMS.md's anchors and quality bars are MNIST's; {name} (Xiao, Rasul & Vollgraf
2017, arXiv:1708.07747) is a harder drop-in replacement with the same image size and splits,
so the sections show where each bar lies without a verdict, and the claims are tested on their
own terms."""


def load_summaries(out):
    """``{experiment id: summary}`` of every experiment with a readable summary under ``out``."""
    summaries = {}
    for exp_id in experiments.EXPERIMENTS:
        path = os.path.join(out, exp_id, "summary.json")
        if os.path.exists(path):
            try:
                summary = read_json(path)
            except (OSError, ValueError):
                continue  # damaged: reported as not run, rerun rewrites it
            if isinstance(summary, dict):
                summaries[exp_id] = summary
    return summaries


def decided_claims(summaries):
    """Every claim of every summary, Holm-decided within its problem, tagged with the problem id."""
    out = []
    for exp_id, summary in summaries.items():
        out += [{**c, "problem": exp_id} for c in claims.decide(summary.get("claims", []))]
    return out


def ledger(summaries, other=None, other_name="Fashion-MNIST"):
    """The report's opening section: every claim, its test and verdict, in one table."""
    decided = decided_claims(summaries)
    if not decided:
        return []
    n = claims.counts(decided)
    other_verdicts = None
    if other is not None:
        other_verdicts = {c["id"]: c["verdict"] for c in decided_claims(other)}
    lines = [
        "## Claims ledger", "",
        f"{len(decided)} claims of the two reports, each with the test we ran on our stored points: "
        f"**{n['supported']} supported, {n['contradicted']} contradicted, {n['inconclusive']} inconclusive**. "
        f"A verdict is *supported* or *contradicted* only when its test is significant at "
        f"α = {stats.ALPHA} after Holm's correction over the claims of its problem; everything else is "
        "*inconclusive* — a tie is never read as agreement. Effects are differences of means over seeds "
        "(or rank correlations) with t-based 95% intervals; \"no difference\" claims are tested for "
        "equivalence within the stated margin (TOST)."
        + ("" if other is None else " " + _agreement_text(decided, other_verdicts, other_name)),
        "",
        claims.ledger_table(decided, problem=True, other=other_verdicts, other_name=other_name),
        "",
    ]
    return lines


def _agreement_text(decided, other_verdicts, other_name):
    """The ledger's last column in one sentence: how often the other data set agrees."""
    a = claims.agreement(decided, other_verdicts)
    text = (f"The last column is the same claim's verdict on {other_name} (its own run and report): "
            f"the same verdict for {a['same']} of the {len(decided)} claims, the opposite one "
            f"(supported ↔ contradicted) for {a['opposite']}, and decided on one data set but "
            f"inconclusive on the other for {a['one_decided']}")
    return text + (f"; {a['not_run']} not run there yet." if a["not_run"] else ".")


def failures(out):
    """Markdown list of the points that failed and were not recomputed since."""
    lines = []
    for exp_id in experiments.EXPERIMENTS:
        for rec in FailureStore.of_experiment(os.path.join(out, exp_id)).records():
            config = {k: v for k, v in rec.get("config", {}).items() if k not in ("mode", "dataset", "backend")}
            lines.append(f"- {exp_id}: `{json.dumps(config, sort_keys=True)}` — {rec.get('error')}")
    if not lines:
        return []
    return ["## Failed points", "",
            f"{len(lines)} point(s) raised and are missing from the results below (tracebacks under "
            f"`<experiment>/failed/`; the next `run` retries them):", ""] + lines + [""]


def stored_cost(out, modes):
    """What the stored points cost: ``({backend: compute seconds}, busy wall seconds)``.

    ``modes``: {experiment id: mode}; every stored point of that mode is read
    once for both numbers.  Each point records its own training + evaluation
    time and when it finished, so both survive a run resumed over several
    sessions (the runner's wall time counts only its last invocation, where
    cached points cost nothing).  Compute sums the points' seconds; busy wall
    time is the union of their intervals [finished − seconds, finished]: two
    points side by side on two workers count once, and the idle time between
    sessions not at all.
    """
    points = [r for exp_id, mode in modes.items() for r in _points_of(out, exp_id, mode)]
    return _seconds_by_backend(points), _busy_wall(points)


def _seconds_by_backend(records):
    per_backend = {}
    for record in records:
        backend = record["config"].get("backend", "numpy")
        per_backend[backend] = per_backend.get(backend, 0.0) + record.get("meta", {}).get("seconds", 0.0)
    return per_backend


def _points_of(out, exp_id, mode):
    for record in PointStore.of_experiment(os.path.join(out, exp_id)).records():
        if record.get("config", {}).get("mode", mode) == mode:
            yield record


def _busy_wall(records):
    spans = []
    for record in records:
        meta = record.get("meta", {})
        try:
            end = datetime.datetime.fromisoformat(meta["finished"]).timestamp()
        except (KeyError, TypeError, ValueError):
            continue  # a point from before 'finished' was recorded: not counted
        spans.append((end - float(meta.get("seconds", 0.0)), end))
    total, current = 0.0, None
    for start, end in sorted(spans):
        if current is None or start > current[1]:
            total += 0.0 if current is None else current[1] - current[0]
            current = [start, end]
        else:
            current[1] = max(current[1], end)
    return total + (0.0 if current is None else current[1] - current[0])


def build_report(out, compare_out=None):
    """REPORT.md's text; ``compare_out``: a Fashion-MNIST results folder for the ledger's last column."""
    summaries = load_summaries(out)
    datasets = {s.get("dataset", "mnist") for s in summaries.values()}
    names = sorted(dataset_name({"dataset": d}) for d in datasets)
    on = "" if datasets <= {"mnist"} else f" — on {', '.join(names)}"
    lines = [f"# tinynet experiments: the two MNIST reports, reproduced{on}", ""]
    if not summaries:
        lines += [f"No results under `{out}/` yet: run `python -m experiments run all` first.", ""]
        return "\n".join(lines)
    first = next(iter(summaries.values()))
    m = first.get("machine", {})
    modes = sorted({s.get("mode") for s in summaries.values()})
    total = sum(s.get("wall_seconds", 0) for s in summaries.values())
    compute, busy = stored_cost(out, {exp_id: s.get("mode") for exp_id, s in summaries.items()})
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
        f"Wall time while points were running (the union of the points' own intervals, across "
        f"sessions): {_duration(busy)}. "
        f"Wall time of the last `run` of each experiment, summed (cached points cost nothing): "
        f"{_duration(total)}.",
        "",
        "Every number, table and conclusion below is computed from the stored results; "
        "where a report's claim and our measurement disagree, the section says so.",
        "",
        ("Anchors: " + ANCHORS if first.get("dataset", "mnist") == "mnist"
         else OTHER_DATA.format(name=dataset_name(first))).replace("\n", " "),
        "",
    ]
    other = load_summaries(compare_out) if compare_out and os.path.isdir(compare_out) else None
    lines += ledger(summaries, other=other or None)
    lines += failures(out)
    lines += [
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


def write_report(out, compare_out=None):
    text = build_report(out, compare_out)
    path = os.path.join(out, "REPORT.md")
    with atomic_file(path) as f:
        f.write(text.encode())
    return path
