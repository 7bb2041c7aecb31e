"""Smoke test of the experiments framework: every experiment runs in smoke mode and
writes well-formed outputs; the report links resolve; resume and divergence work.

All experiments of ``experiments.EXPERIMENTS`` run once (module-scoped fixture)
into a temporary folder with ``--smoke`` on the real MNIST files from
``$TINYNET_DATA`` (default: the ``shared/data`` folder beside the checkout);
the test is skipped when that folder is absent.  One experiment that fails or
is missing fails its own parametrized test with the traceback.
"""
import datetime
import json
import os
import re
import sys
import time
import traceback
from pathlib import Path

import pytest

import tinynet as tn

import experiments
from experiments.core import cli
from experiments.core.context import Context

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MIN_PNG_BYTES = 1000        # a real plot, not an empty canvas
MAX_PNG_BYTES = 200_000     # the brief asks for ≤ ~80 KB; this only catches gross offenders
IDS = list(experiments.EXPERIMENTS)
RESUME_ID = "b4-regression"  # cheap (seconds) and made of several training points


def _data_dir():
    env = os.environ.get("TINYNET_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    """Run every experiment in smoke mode once; returns (out, {id: traceback or None}, {id: seconds})."""
    data = _data_dir()
    if not data.is_dir():
        pytest.skip(f"MNIST data folder {data} is absent (set TINYNET_DATA)")
    out = tmp_path_factory.mktemp("smoke")
    errors, seconds = {}, {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TINYNET_DATA", str(data))
        for exp_id in IDS:
            start = time.perf_counter()
            try:
                cli.main(["run", exp_id, "--smoke", "--out", str(out)])
                errors[exp_id] = None
            except BaseException:  # noqa: BLE001 — SystemExit from argparse too
                errors[exp_id] = traceback.format_exc()
            seconds[exp_id] = time.perf_counter() - start
    slowest = sorted(seconds.items(), key=lambda kv: -kv[1])[:5]
    print(f"smoke run: {sum(seconds.values()):.1f} s in all; slowest: "
          + ", ".join(f"{k} {v:.1f} s" for k, v in slowest))
    return out, errors, seconds


def _check_png(path):
    assert path.is_file(), f"figure {path} is missing"
    size = path.stat().st_size
    with open(path, "rb") as f:
        assert f.read(8) == PNG_MAGIC, f"{path} is not a PNG"
    assert size >= MIN_PNG_BYTES, f"{path} is only {size} bytes"
    assert size <= MAX_PNG_BYTES, f"{path} is {size} bytes (keep PNGs small: dpi 80, ≤ ~80 KB)"


@pytest.mark.slow
@pytest.mark.parametrize("exp_id", IDS)
def test_module_contract(exp_id):
    try:
        mod = experiments.load(exp_id)
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"experiment module for {exp_id} cannot be imported: {type(exc).__name__}: {exc}")
    assert mod.ID == exp_id
    assert isinstance(mod.TITLE, str) and mod.TITLE
    assert isinstance(mod.QUESTION, str) and mod.QUESTION
    assert set(mod.ESTIMATE) == {"smoke", "quick", "full"}
    assert all(isinstance(v, (int, float)) and v > 0 for v in mod.ESTIMATE.values())
    assert callable(mod.run) and callable(mod.report)


@pytest.mark.slow
@pytest.mark.parametrize("exp_id", IDS)
def test_smoke_outputs(smoke_run, exp_id):
    out, errors, _ = smoke_run
    if errors.get(exp_id):
        pytest.fail(f"{exp_id} failed in smoke mode:\n{errors[exp_id]}")
    folder = out / exp_id
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["id"] == exp_id and summary["mode"] == "smoke"
    figures = summary.get("figures")
    assert isinstance(figures, list), "summary.json must list its figures"
    for name in figures:
        assert name.endswith(".png"), f"figure {name!r} is not a PNG"
        _check_png(folder / name)
    n_points = summary["points_run"] + summary["points_cached"]
    files = sorted((folder / "points").glob("*.json")) if (folder / "points").is_dir() else []
    if n_points:
        assert files, f"{exp_id} ran {n_points} points but stored none"
    for f in files:
        record = json.loads(f.read_text())
        assert {"config", "result", "meta"} <= set(record), f"{f} lacks config/result/meta"
        assert record["config"]["mode"] == "smoke"


@pytest.mark.slow
def test_report_links_resolve(smoke_run):
    out, errors, _ = smoke_run
    assert cli.main(["report", "--out", str(out)]) == 0
    text = (out / "REPORT.md").read_text()
    for exp_id in IDS:
        assert f'<a id="{exp_id}"></a>' in text, f"no section for {exp_id}"
        if not errors.get(exp_id):
            assert f"Not run yet: `python -m experiments run {exp_id}`" not in text
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert links, "the report shows no figures"
    for link in links:
        assert (out / link).is_file(), f"REPORT.md links to a missing file: {link}"
    failed = [k for k, v in errors.items() if v]
    assert not failed, f"experiments failed in smoke mode: {failed}"


@pytest.mark.slow
def test_the_ledger_covers_every_claim_with_a_decided_verdict(smoke_run):
    """Every experiment emits its claims; the report opens with all of them, each decided."""
    from experiments.core import claims
    from experiments.core.report import decided_claims, load_summaries

    out, errors, _ = smoke_run
    summaries = load_summaries(str(out))
    decided = decided_claims(summaries)
    per_problem = {exp_id: len(s.get("claims", [])) for exp_id, s in summaries.items()}
    assert all(n > 0 for n in per_problem.values()), f"problems without claims: {per_problem}"
    assert len(decided) >= 40, f"the ledger has {len(decided)} claims; the two reports make 40+"
    assert len({c["id"] for c in decided}) == len(decided), "claim ids must be unique"
    for c in decided:
        assert c["kind"] in claims.KINDS and c["verdict"] in claims.VERDICTS
        assert c["source"] in ("A", "B", "PROBLEMS.md") and c["quote"] and c["test"]
    assert cli.main(["report", "--out", str(out)]) == 0
    text = (out / "REPORT.md").read_text()
    assert text.index("## Claims ledger") < text.index("## Contents")


@pytest.mark.slow
def test_rerun_uses_cached_points(smoke_run):
    out, errors, _ = smoke_run
    if errors.get(RESUME_ID):
        pytest.fail(f"{RESUME_ID} failed in the first run:\n{errors[RESUME_ID]}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TINYNET_DATA", str(_data_dir()))
        cli.main(["run", RESUME_ID, "--smoke", "--out", str(out)])
    summary = json.loads((out / RESUME_ID / "summary.json").read_text())
    assert summary["points_run"] == 0, "a re-run must skip finished points"
    assert summary["points_cached"] > 0


def test_diverged_point_is_recorded_and_sweep_goes_on(tmp_path):
    sys.path.insert(0, str(Path(__file__).parent / "experiments"))
    import sweep_points

    ctx = Context("t-diverge", mode="smoke", out=str(tmp_path), stream=open(os.devnull, "w"))
    records = ctx.run_points([{"lr": 1e12, "seed": 0}, {"lr": 0.01, "seed": 0}], sweep_points.small_mlp_point)
    assert len(records) == 2
    bad, good = records[0]["result"], records[1]["result"]
    assert bad["diverged"] is True and "diverged_at" in bad
    assert good["diverged"] is False and "final" in good
    assert len(list((tmp_path / "t-diverge" / "points").glob("*.json"))) == 2


def test_report_compute_time_sums_stored_points_per_backend(tmp_path):
    from experiments.core.report import stored_cost
    from experiments.core.store import write_json
    points = tmp_path / "p05-batch-size" / "points"
    points.mkdir(parents=True)
    for name, backend, mode, seconds in (("a", "numpy", "full", 10.0), ("b", "numpy", "full", 2.5),
                                         ("c", "cupy", "full", 4.0), ("d", "numpy", "quick", 99.0)):
        write_json(str(points / f"{name}.json"),
                   {"config": {"backend": backend, "mode": mode}, "meta": {"seconds": seconds}})
    # what a crash mid-write can leave: a hidden temp file; and a damaged point
    (points / ".e.json.x1y2.part").write_text('{"config": {"backend": "numpy", "mode": "fu')
    (points / "f.json").write_text('{"config": {"backend": "numpy", "mode": "full"}, "meta": {"sec')
    assert stored_cost(str(tmp_path), {"p05-batch-size": "full"})[0] == {"numpy": 12.5, "cupy": 4.0}
    assert stored_cost(str(tmp_path), {"p09-stacked-cnn": "full"})[0] == {}


def test_busy_wall_time_is_the_union_of_the_points_intervals(tmp_path):
    """Oracle by hand: points over [0, 10] and [5, 12] on two workers, then [20, 30] in a later
    session, and one point of another mode: busy wall time 12 + 10 = 22 s."""
    from experiments.core.report import stored_cost
    from experiments.core.store import write_json

    def at(seconds_after):
        t = datetime.datetime(2026, 12, 1, 1, 0, 0, tzinfo=datetime.timezone.utc) + datetime.timedelta(
            seconds=seconds_after)
        return t.strftime("%Y-%m-%dT%H:%M:%S%z")

    for exp_id, points in (("p05-batch-size", (("a", 10, 10, "full"), ("b", 12, 7, "full"))),
                           ("b1-batch-size", (("c", 30, 10, "full"), ("d", 100, 50, "quick"),
                                              ("e", None, 5, "full")))):
        folder = tmp_path / exp_id / "points"
        folder.mkdir(parents=True)
        for name, end, seconds, mode in points:
            meta = {"seconds": seconds} if end is None else {"seconds": seconds, "finished": at(end)}
            write_json(str(folder / f"{name}.json"), {"config": {"mode": mode}, "meta": meta})
    modes = {"p05-batch-size": "full", "b1-batch-size": "full"}
    assert stored_cost(str(tmp_path), modes)[1] == pytest.approx(22.0)
    assert stored_cost(str(tmp_path), {}) == ({}, 0.0)


@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
def test_quality_bars_and_anchors_are_mnist_only(tmp_path, dataset):
    """PROBLEMS.md's bars and literature anchors are MNIST's: on Fashion-MNIST the report shows where
    each bar lies without a met / MISSED verdict.  Built from the committed full-run summaries."""
    from experiments.core.report import build_report
    repo = Path(__file__).resolve().parents[1]
    for exp_id in ("b1-batch-size", "p05-batch-size", "b3-architecture-grid"):
        summary = json.loads((repo / "results" / exp_id / "summary.json").read_text())
        (tmp_path / exp_id).mkdir()
        (tmp_path / exp_id / "summary.json").write_text(json.dumps({**summary, "dataset": dataset}))
    text = build_report(str(tmp_path))
    bars = [line for line in text.splitlines() if line.startswith("**Quality bar**")]
    assert len(bars) == 3
    if dataset == "mnist":
        assert "Anchors: MNIST test error" in text
        assert all("**met**" in line or "**MISSED**" in line for line in bars)
    else:
        assert "Anchors: MNIST" not in text and "anchors and quality bars are MNIST's" in text
        assert all("not assessed on Fashion-MNIST" in line and "met**" not in line and "MISSED" not in line
                   for line in bars)
