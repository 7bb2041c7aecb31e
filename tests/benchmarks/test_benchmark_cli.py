"""Smoke test of the benchmark command line (``python -m benchmarks``).

Runs every workload on a tiny slice of MNIST, one round, without PyTorch,
and checks the *shape* of what comes back: exit status, the printed table,
the JSON fields, that the NumPy reference ran and matched tinynet's test
metric.  Oracle for the learning check: the reference implementation
(benchmarks/reference.py) trained from the same weights on the same batches.
No timing is asserted anywhere: speed is measured, never tested.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tinynet as tn

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def mnist_available():
    try:
        tn.data.load_mnist()
    except tn.data.DataError as exc:  # no data and no network: nothing to benchmark
        pytest.skip(f"MNIST not available: {exc}")


def _run(args, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "benchmarks", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)


def test_cli_runs_every_workload_and_writes_json(tmp_path, mnist_available):
    out = tmp_path / "bench.json"
    md = tmp_path / "bench.md"
    proc = _run(["--limit", "300", "--rounds", "1", "--threads", "1", "--gemm-size", "256",
                 "--no-torch", "--json", str(out), "--markdown", str(md)], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PyTorch is not installed (or --no-torch)" in proc.stdout
    assert "| W4 |" in proc.stdout and "| W7 |" in proc.stdout
    doc = json.loads(out.read_text())
    assert doc["machine"]["threads"] == 1 and doc["machine"]["cores"] >= 1
    names = [r["name"] for r in doc["results"]]
    assert names == ["W1", "W2", "W3", "W4", "W5", "W6", "W7"]
    for res in doc["results"]:
        assert res["tinynet"]["median"] > 0 and res["torch"] is None and "ratio" not in res
        assert res["gemm_flops"] > 0 and res["floor_seconds"] > 0
        if res["kind"] != "infer":
            assert res["order_verified"], res["name"]
            ref, tnm = res["reference"]["metric"], res["tinynet"]["metric"]
            # same weights, same batches: the plain reference learns the same thing
            if res["kind"] == "classify":
                assert abs(ref - tnm) <= 0.3, res["name"]
            else:
                assert abs(ref - tnm) <= 0.1 * abs(ref), res["name"]
    text = md.read_text()
    assert "| part | forward ms/step |" in text and "W4" in text


def test_cli_profile(tmp_path, mnist_available):
    proc = _run(["--profile", "W3", "--limit", "256", "--threads", "1", "--gemm-size", "256"],
                tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "MaxPool2D" in proc.stdout and "loop overhead" in proc.stdout


def test_cli_rejects_unknown_workload(tmp_path):
    proc = _run(["--only", "W9", "--no-torch"], tmp_path)
    assert proc.returncode != 0 and "unknown workload" in (proc.stdout + proc.stderr)


def test_cli_scaling_and_unset_coretype_run_on_a_tiny_slice(tmp_path, mnist_available):
    """--scaling writes both tables; --unset-coretype is reported in the header.

    The test leaves OPENBLAS_CORETYPE as the environment has it (tests never
    change it); only the benchmark's own process may drop it."""
    md = tmp_path / "scaling.md"
    proc = _run(["--scaling", "--limit", "256", "--rounds", "1", "--threads", "1",
                 "--gemm-size", "128", "--no-torch", "--unset-coretype",
                 "--scaling-widths", "16,32", "--scaling-batches", "64",
                 "--markdown", str(md)], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "--unset-coretype:" in proc.stdout and "BLAS kernel:" in proc.stdout
    text = md.read_text()
    assert "Time per epoch vs width" in text and "Time per epoch vs batch size" in text
    for row in ("| 16 |", "| 32 |", "| 64 |"):
        assert row in text


def test_coretype_warning_names_a_forced_older_kernel():
    """Pure decision function: a core type below the CPU's ISA warns, equal or unknown does not."""
    from benchmarks.machine import coretype_warnings
    skx = [{"internal_api": "openblas", "architecture": "SkylakeX"}]
    hsw = [{"internal_api": "openblas", "architecture": "Haswell"}]
    forced = coretype_warnings({"OPENBLAS_CORETYPE": "Haswell"}, 4, hsw)
    assert len(forced) == 2 and "OPENBLAS_CORETYPE=Haswell" in forced[0] and "AVX-512" in forced[0]
    assert coretype_warnings({}, 4, skx) == []
    assert coretype_warnings({"OPENBLAS_CORETYPE": "Haswell"}, 3, hsw) == []   # an AVX2 CPU
    assert coretype_warnings({"OPENBLAS_CORETYPE": "SomethingNew"}, 4, skx) == []
