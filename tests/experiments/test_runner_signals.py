"""The runner's command line: a signal stops a run cleanly, and every module is imported up front.

Real signals are delivered to this process (``os.kill``) while the runner is
inside a run; the experiment itself is replaced by a stand-in so the test
controls where the signal lands.
"""
import os
import signal
import time

import pytest

import experiments
from experiments.core import cli


def _signal_inside_the_run(monkeypatch, signum):
    def run_one(exp_id, mode, args, executor=None):
        os.kill(os.getpid(), signum)
        time.sleep(5)  # the handler raises at the next bytecode; never reached
        raise AssertionError("the signal did not stop the run")
    monkeypatch.setattr(cli, "run_one", run_one)


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_the_run_with_a_resume_hint(monkeypatch, capsys, signum, code):
    _signal_inside_the_run(monkeypatch, signum)
    before = signal.getsignal(signum)
    assert cli.main(["run", "b4-regression", "--smoke", "--out", "somewhere"]) == code
    err = capsys.readouterr().err
    assert "finished points are kept" in err
    assert "python -m experiments run b4-regression --smoke --out somewhere" in err
    assert signal.getsignal(signum) is before, "the previous handler must come back"


def test_sigint_works_even_when_the_shell_started_the_run_with_it_ignored(monkeypatch, capsys):
    # `cmd &` from a non-interactive shell: SIGINT arrives ignored (SIG_IGN)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _signal_inside_the_run(monkeypatch, signal.SIGINT)
        assert cli.main(["run", "b4-regression", "--smoke", "--out", "somewhere"]) == 130
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
    assert "run the same command again" in capsys.readouterr().err


def test_a_single_module_run_is_stopped_the_same_way(monkeypatch, capsys):
    _signal_inside_the_run(monkeypatch, signal.SIGTERM)
    assert cli.main_single("b4-regression", ["--smoke", "--out", "x"]) == 143
    assert "python -m experiments.b4_regression --smoke --out x" in capsys.readouterr().err


def test_every_requested_module_is_imported_before_the_first_point(monkeypatch):
    events = []
    real_load = experiments.load
    monkeypatch.setattr(experiments, "load", lambda exp_id: events.append(("load", exp_id)) or real_load(exp_id))
    monkeypatch.setattr(cli, "run_one", lambda exp_id, *a, **k: events.append(("run", exp_id)))
    ids = ["b4-regression", "p01-param-count", "p02-depth-range"]
    assert cli.main(["run", *ids, "--smoke", "--out", "unused"]) == 0
    first_run = next(i for i, e in enumerate(events) if e[0] == "run")
    assert {e[1] for e in events[:first_run] if e[0] == "load"} == set(ids)


def test_an_unknown_module_name_is_refused_with_the_known_ones():
    with pytest.raises(KeyError, match="known: p01-param-count"):
        experiments.module_name("p99-nothing")
