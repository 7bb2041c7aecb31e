"""The sweep runner: serial vs Dask workers, faults, locks, the timing pass.

Real clusters: a ``LocalCluster``-style cluster of 2 worker processes, and a
scheduler plus two workers started as separate processes on localhost (each
bounded in time and cleaned up).  The point functions live in
``sweep_points.py`` beside this file; the worker processes find it through
PYTHONPATH.
"""
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from experiments.core import plots
from experiments.core.context import Context, PointContext
from experiments.core.store import PointLocks, config_hash
from experiments.core.sweep import execute_point, make_executor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import sweep_points  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def worker_path(monkeypatch):
    """Worker processes import sweep_points (and this checkout's packages) through PYTHONPATH."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([HERE, REPO, os.environ.get("PYTHONPATH", "")]))


def _stored_results(records):
    """Results without their timings (those differ run to run by nature)."""
    out = []
    for r in records:
        res = {k: v for k, v in r["result"].items() if k != "train_time"}
        out.append(json.dumps({"config": r["config"], "result": res}, sort_keys=True))
    return out


def _read_points(folder):
    points = os.path.join(folder, "points")
    return {name: json.load(open(os.path.join(points, name)))
            for name in sorted(os.listdir(points)) if name.endswith(".json")}


def test_points_on_two_workers_equal_the_serial_run_and_failures_are_recorded(tmp_path, worker_path):
    configs = [{"seed": s} for s in range(5)] + [{"seed": 7, "fail": True}]
    serial = Context("sweep", mode="smoke", out=str(tmp_path / "serial"))
    serial_records = serial.run_points(configs, sweep_points.tiny_training)
    executor = make_executor(workers=2)
    try:
        assert executor.workers_alive() == 2
        # the runner imports every requested experiment on every worker before the first point
        executor.preload(["experiments.b4_regression"])
        loaded = executor.client.run(lambda: "experiments.b4_regression" in sys.modules)
        assert list(loaded.values()) == [True, True]
        dist = Context("sweep", mode="smoke", out=str(tmp_path / "dask"), executor=executor)
        dist_records = dist.run_points(configs, sweep_points.tiny_training)
    finally:
        executor.close()
    assert len(serial_records) == len(dist_records) == 5  # the failing point is not a result
    assert _stored_results(serial_records) == _stored_results(dist_records)
    for ctx in (serial, dist):
        assert ctx.points_failed == 1
        failed = list(ctx.failures.records())
        assert len(failed) == 1 and failed[0]["config"]["fail"] is True
        assert "planted failure" in failed[0]["error"] and "Traceback" in failed[0]["traceback"]
    # the points are stored by the client, one file each, same names in both folders
    assert _read_points(tmp_path / "serial" / "sweep").keys() == _read_points(tmp_path / "dask" / "sweep").keys()


def test_a_failed_point_is_retried_and_its_failure_cleared(tmp_path):
    fault = tmp_path / "fault"
    fault.write_text("on")
    configs = [{"fail_while": str(fault)}]
    ctx = Context("sweep", mode="smoke", out=str(tmp_path / "out"))
    assert ctx.run_points(configs, sweep_points.flaky) == []
    assert len(list(ctx.failures.records())) == 1
    assert ctx.store.get(ctx._full(configs[0])) is None  # a failure is never a finished point
    fault.unlink()
    again = Context("sweep", mode="smoke", out=str(tmp_path / "out"))
    assert len(again.run_points(configs, sweep_points.flaky)) == 1
    assert again.points_run == 1 and list(again.failures.records()) == []


def test_a_worker_killed_mid_point_has_its_point_rerun_elsewhere(tmp_path, worker_path):
    configs = [{"seed": s, "sleep": 1.0} for s in range(6)]
    executor = make_executor(workers=2)
    killed = []

    def kill_one_worker_once_busy():
        time.sleep(1.5)  # both workers are inside a point now
        pids = executor.client.run(os.getpid)
        pid = next(iter(pids.values()))
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    try:
        ctx = Context("sweep", mode="smoke", out=str(tmp_path), executor=executor)
        killer = threading.Thread(target=kill_one_worker_once_busy)
        killer.start()
        records = ctx.run_points(configs, sweep_points.tiny_training)
        killer.join()
    finally:
        executor.close()
    assert killed, "the test did not kill a worker"
    assert ctx.points_failed == 0
    assert sorted(r["config"]["seed"] for r in records) == list(range(6))
    assert len(_read_points(tmp_path / "sweep")) == 6


def _start(cmd, env, log):
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def test_points_run_on_a_scheduler_and_workers_started_by_hand(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([HERE, REPO, os.environ.get("PYTHONPATH", "")]),
           "DASK_LOGGING__DISTRIBUTED": "warning"}
    scheduler_file = tmp_path / "scheduler.json"
    log = open(tmp_path / "cluster.log", "wb")
    dask_cli = [sys.executable, "-m", "distributed.cli"]
    procs = [_start([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                     "--port", "0", "--no-dashboard", "--scheduler-file", str(scheduler_file)], env, log)]
    try:
        deadline = time.time() + 60
        while not scheduler_file.exists() and time.time() < deadline:
            time.sleep(0.2)
        assert scheduler_file.exists(), "the scheduler did not start in 60 s"
        address = json.loads(scheduler_file.read_text())["address"]
        for _ in range(2):
            procs.append(_start([sys.executable, "-m", "distributed.cli.dask_worker", address,
                                 "--nthreads", "1", "--nworkers", "1", "--no-dashboard"], env, log))
        executor = make_executor(scheduler=address)
        try:
            executor.client.wait_for_workers(2, timeout=60)
            ctx = Context("sweep", mode="smoke", out=str(tmp_path / "out"), executor=executor)
            records = ctx.run_points([{"seed": s} for s in range(4)], sweep_points.tiny_training)
        finally:
            executor.close()
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        log.close()
    assert dask_cli  # the commands above are the README's "dask scheduler" / "dask worker"
    assert sorted(r["config"]["seed"] for r in records) == [0, 1, 2, 3]
    workers = {r["meta"]["worker"] for r in records}
    assert all(w.startswith("pid ") for w in workers)


def test_a_killed_client_resumes_from_its_stored_points(tmp_path):
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {HERE!r})
        import sweep_points
        from experiments.core.context import Context
        ctx = Context("sweep", mode="smoke", out={str(tmp_path)!r})
        ctx.run_points([{{"seed": s, "sleep": 0.4}} for s in range(8)], sweep_points.tiny_training)
        print("RESULT ran", ctx.points_run, "cached", ctx.points_cached)
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([REPO, os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True)
    points = tmp_path / "sweep" / "points"
    deadline = time.time() + 60
    while time.time() < deadline and len(list(points.glob("*.json")) if points.exists() else []) < 3:
        time.sleep(0.05)
    proc.kill()
    proc.wait(timeout=10)
    before = {p.name for p in points.glob("*.json")}
    assert 3 <= len(before) < 8
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    last = out.stdout.strip().splitlines()[-1].split()
    ran, cached = int(last[2]), int(last[4])
    assert cached == len(before) and ran == 8 - len(before)
    assert before <= {p.name for p in points.glob("*.json")}
    assert not list(points.glob("*.lock")), "the killed runner's locks must be taken over and released"


def test_a_point_held_by_another_runner_is_waited_for_not_recomputed(tmp_path):
    ctx = Context("sweep", mode="smoke", out=str(tmp_path))
    config = ctx._full({"seed": 3})
    other = PointLocks(ctx.store.folder)  # another runner (same process id is alive: not stale)
    assert other.acquire(config)
    record = {"config": config, "result": {"final": {"loss": 0.5}}, "meta": {}}

    def other_runner_finishes():
        time.sleep(0.5)
        ctx.store.put(config, record)
        other.release(config)

    threading.Thread(target=other_runner_finishes).start()
    records = ctx.run_points([{"seed": 3}], sweep_points.tiny_training)
    assert ctx.points_run == 0 and records[0]["result"] == record["result"]


def test_a_dead_runners_lock_is_taken_over(tmp_path):
    ctx = Context("sweep", mode="smoke", out=str(tmp_path))
    config = ctx._full({"seed": 4})
    os.makedirs(ctx.store.folder, exist_ok=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with open(ctx.locks.path(config), "w") as f:
        json.dump({"host": os.uname().nodename, "pid": dead.pid, "since": 0}, f)
    records = ctx.run_points([{"seed": 4}], sweep_points.tiny_training)
    assert ctx.points_run == 1 and len(records) == 1
    assert not os.path.exists(ctx.locks.path(config))


def test_closures_are_refused_with_a_clear_message(tmp_path):
    ctx = Context("sweep", mode="smoke", out=str(tmp_path))
    with pytest.raises(TypeError, match="module-level function"):
        ctx.run_points([{"seed": 0}], lambda c, cfg: {})


def test_the_timing_pass_stores_repeats_median_iqr_and_load(tmp_path):
    ctx = Context("sweep", mode="smoke", out=str(tmp_path))
    records = ctx.run_timing([{"seconds": 0.25}, {"seconds": 2.0}], sweep_points.constant_seconds,
                             repeats=5, warmup=1)
    assert [r["result"]["samples"] for r in records] == [[0.25] * 5, [2.0] * 5]
    assert [r["result"]["median"] for r in records] == [0.25, 2.0]
    assert records[0]["result"]["iqr"] == 0.0
    assert records[0]["config"]["timing_pass"] is True and records[0]["config"]["repeats"] == 5
    assert "before" in records[0]["result"]["load"]
    again = Context("sweep", mode="smoke", out=str(tmp_path))
    again.run_timing([{"seconds": 0.25}], sweep_points.constant_seconds, repeats=5, warmup=1)
    assert again.points_run == 0  # stored: not timed twice


@pytest.fixture
def keep_threads():
    """Restore this process's BLAS and element-wise threads: --threads N caps them for the whole process."""
    from threadpoolctl import threadpool_limits

    from tinynet.kernels import num_threads, set_num_threads
    before = num_threads()
    with threadpool_limits(limits=None):  # on exit: every BLAS library back to its count before
        yield
    set_num_threads(before)


def test_an_explicit_threads_reaches_the_point_and_the_default_is_one_blas_thread(keep_threads):
    for given, blas in ((None, 1), (2, 2)):
        spec = {**PointContext("sweep", mode="smoke", threads=given).spec(), "threads": given}
        outcome = execute_point(sweep_points.threads_seen, spec, {"seed": 0})
        assert outcome["ok"], outcome.get("traceback")
        assert outcome["result"]["threads"] == given
        assert outcome["result"]["blas"] in ([], [blas])  # [] only without a BLAS threadpoolctl can see


def test_threads_is_a_run_setting_not_part_of_a_points_identity(tmp_path, keep_threads):
    # the id of a b3 point as stored before --threads reached the points: a full run's store is keyed by it
    b3_config = {"hidden": [512, 384], "width": 512, "depth": 2, "shrink": 0.75, "lr": 0.1, "momentum": 0.9,
                 "seed": 3, "epochs": 10, "batch_size": 128, "n_val": 5000, "n_data": None, "n_test": None,
                 "mode": "full", "dataset": "mnist", "backend": "numpy"}
    assert config_hash(b3_config) == "4687a47a3f8a7818"
    stored = {}
    for given in (None, 2):
        ctx = Context("sweep", mode="smoke", out=str(tmp_path / str(given)), executor=make_executor(threads=given))
        assert ctx.threads == given
        (record,) = ctx.run_points([{"seed": 0}], sweep_points.threads_seen)
        assert record["result"]["threads"] == given and "threads" not in record["config"]
        stored[given] = set(_read_points(tmp_path / str(given) / "sweep"))
    assert stored[None] == stored[2]


def test_a_figure_write_that_fails_leaves_the_old_figure(tmp_path):
    path = tmp_path / "fig.png"
    fig, ax = plots.figure()
    ax.plot([0, 1], [0, 1])
    plots.save(fig, str(path))
    good = path.read_bytes()
    fig, ax = plots.figure()
    ax.plot([0, 1], [1, 0])
    original = fig.savefig

    def crash(*args, **kwargs):
        original(*args, **kwargs)
        raise OSError("disk full (simulated)")

    fig.savefig = crash
    with pytest.raises(OSError):
        plots.save(fig, str(path))
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["fig.png"]  # no temp file left


def _without_timings(value):
    """A stored result with every wall-clock field dropped (keys naming time/elapsed/seconds)."""
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items()
                if not any(w in k for w in ("time", "elapsed", "seconds"))}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


@pytest.mark.slow
def test_a_real_experiment_stores_the_same_points_serial_and_on_two_workers(tmp_path, worker_path):
    from experiments.core import cli
    exp_id = "b4-regression"  # synthetic data: needs no MNIST, several points, seconds in smoke mode
    for out, extra in (("serial", []), ("dask", ["--workers", "2"])):
        assert cli.main(["run", exp_id, "--smoke", "--out", str(tmp_path / out), *extra]) == 0
    serial, dask = (_read_points(tmp_path / out / exp_id) for out in ("serial", "dask"))
    assert serial.keys() == dask.keys() and serial
    for name in serial:
        if serial[name]["config"].get("timing_pass"):
            continue  # timings are measurements, not results
        assert _without_timings(serial[name]["result"]) == _without_timings(dask[name]["result"]), name
