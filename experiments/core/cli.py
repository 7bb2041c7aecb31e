"""Command line: ``python -m experiments list | run ID... | all | report``."""
import argparse
import contextlib
import os
import signal
import sys
import threading
import time

import tinynet as tn

import experiments
from .context import Context
from .progress import duration as _duration
from . import report as report_mod
from .sweep import make_executor


def _add_run_options(p):
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="reduced version: data subset, fewer epochs/points")
    mode.add_argument("--smoke", action="store_true", help="tiny slice in seconds (used by the test suite)")
    p.add_argument("--seeds", type=int, default=None,
                   help="seeds per compared setting (default: 1 smoke, 2 quick, 5 full)")
    p.add_argument("--backend", choices=tn.backend.BACKENDS, default="numpy")
    p.add_argument("--dataset", choices=("mnist", "fashion-mnist"), default="mnist")
    p.add_argument("--out", default=None,
                   help="results folder (default results/ for MNIST, results/fashion-mnist/ for "
                        "Fashion-MNIST; a quick/ sub-folder with --quick)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, metavar="N",
                       help="run the points on a local Dask cluster of N worker processes "
                            "(with --backend cupy: default one per visible GPU)")
    where.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                       help="run the points on an existing Dask cluster")
    p.add_argument("--threads", type=int, default=None,
                   help="BLAS / element-wise threads per worker (default: cores / workers)")
    p.add_argument("--force", action="store_true", help="recompute points already stored")
    p.add_argument("-v", "--verbose", action="store_true", help="show fit's per-epoch progress")


def default_out(mode, dataset="mnist"):
    base = "results" if dataset == "mnist" else os.path.join("results", dataset)
    return base if mode == "full" else os.path.join(base, mode)


class Stopped(KeyboardInterrupt):
    """A run stopped by a signal (Ctrl-C = SIGINT, ``kill`` = SIGTERM); ``code`` is the shell's exit status."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.code = 128 + signum


def _raise_stopped(signum, frame):
    raise Stopped(signum)


@contextlib.contextmanager
def stoppable():
    """Ctrl-C and ``kill`` both stop a run cleanly: stored points are kept, and it says how to resume.

    SIGINT is re-armed too: a run started in the background (``&``) by a
    non-interactive shell inherits SIGINT as *ignored*, so ``kill -INT``
    would do nothing.  The previous handlers come back afterwards.
    """
    if sys.platform == "win32" or threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {sig: signal.signal(sig, _raise_stopped) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def _run_all(ids, mode, args, resume):
    """Run the experiments ``ids`` on the executor ``args`` asks for.

    Returns ``(exit code of a signal stop or None, failed ids)``.  Every
    module is imported first, here and on the workers: a run takes hours,
    and code edited on disk meanwhile must not meet modules already loaded
    (an experiment imported late would see both).
    """
    for exp_id in ids:
        experiments.load(exp_id)
    failed = []
    with stoppable():
        try:
            executor = make_executor(workers=args.workers, scheduler=args.scheduler, backend=args.backend,
                                     threads=args.threads)
            try:
                executor.preload([experiments.module_name(i) for i in ids])
                for exp_id in ids:
                    try:
                        run_one(exp_id, mode, args, executor)
                    except Exception as exc:  # one broken experiment must not lose the others
                        failed.append(exp_id)
                        print(f"!! {exp_id} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                        if len(ids) == 1:
                            raise
            finally:
                executor.close()
        except KeyboardInterrupt as stop:
            print(f"stopped ({stop}): finished points are kept; run the same command again to resume:\n  {resume}",
                  file=sys.stderr, flush=True)
            return getattr(stop, "code", 130), failed
    return None, failed


def run_one(exp_id, mode, args, executor=None):
    module = experiments.load(exp_id)
    tn.use_backend(args.backend)
    out = args.out or default_out(mode, args.dataset)
    ctx = Context(exp_id, mode=mode, seeds=args.seeds, backend=args.backend, dataset=args.dataset,
                  out=out, force=args.force, verbose=args.verbose, executor=executor)
    print(f"== {exp_id}: {module.QUESTION}  [{mode}, {len(ctx.seeds)} seed(s), {args.backend}, "
          f"{args.dataset}; points run {ctx.executor.describe()}]", flush=True)
    started = time.perf_counter()
    summary = module.run(ctx)
    summary = ctx.save_summary(summary, started)
    print(f"== {exp_id} done in {_duration(summary['wall_seconds'])} "
          f"({ctx.points_run} points run, {ctx.points_cached} cached"
          + (f", {ctx.points_failed} FAILED: see {ctx.failures.folder}" if ctx.points_failed else "")
          + f") -> {ctx.folder}", flush=True)
    return summary


def _mode(args):
    return "smoke" if args.smoke else "quick" if args.quick else "full"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m experiments", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="experiment ids, questions and estimated times")
    run = sub.add_parser("run", help="run experiments (ids, or 'all')")
    run.add_argument("ids", nargs="+")
    _add_run_options(run)
    rep = sub.add_parser("report", help="write <out>/REPORT.md from the stored results")
    rep.add_argument("--out", default=None)
    rep.add_argument("--quick", action="store_true", help="report on the quick run's folder")
    rep.add_argument("--dataset", choices=("mnist", "fashion-mnist"), default="mnist")
    args = parser.parse_args(argv)

    if args.command == "list":
        for exp_id in experiments.EXPERIMENTS:
            m = experiments.load(exp_id)
            est = m.ESTIMATE
            print(f"{exp_id:22s} quick ~{_duration(est['quick'])}, full ~{_duration(est['full'])}  "
                  f"{m.QUESTION}")
        return 0
    if args.command == "report":
        mode = "quick" if args.quick else "full"
        out = args.out or default_out(mode, args.dataset)
        # the MNIST ledger gets a column: does each verdict hold on Fashion-MNIST too?
        compare = default_out(mode, "fashion-mnist") if args.dataset == "mnist" and not args.out else None
        path = report_mod.write_report(out, compare_out=compare)
        print(f"wrote {path}")
        return 0
    ids = list(experiments.EXPERIMENTS) if args.ids == ["all"] else args.ids
    unknown = [i for i in ids if i not in experiments.EXPERIMENTS]
    if unknown:
        parser.error(f"unknown experiment(s) {unknown}; see `python -m experiments list`")
    mode, started = _mode(args), time.perf_counter()
    resume = "python -m experiments " + " ".join(argv if argv is not None else sys.argv[1:])
    stopped, failed = _run_all(ids, mode, args, resume)
    if stopped is not None:
        return stopped
    print(f"all done in {_duration(time.perf_counter() - started)}"
          + (f"; FAILED: {', '.join(failed)}" if failed else "")
          + f". Write the report with: python -m experiments report"
          + (" --quick" if mode == "quick" else "")
          + (f" --dataset {args.dataset}" if args.dataset != "mnist" else ""), flush=True)
    return 1 if failed else 0


def main_single(exp_id, argv=None):
    """``python -m experiments.<module> [--quick] ...``: run one experiment."""
    parser = argparse.ArgumentParser(prog=f"python -m experiments.{experiments.EXPERIMENTS[exp_id]}")
    _add_run_options(parser)
    args = parser.parse_args(argv)
    resume = f"python -m {experiments.module_name(exp_id)} " + " ".join(argv if argv is not None else sys.argv[1:])
    stopped, _ = _run_all([exp_id], _mode(args), args, resume.strip())
    return 0 if stopped is None else stopped
