"""Command line: ``python -m benchmarks [--only W3] [--threads 2] [--json out.json] ...``."""
import argparse
import json
import os
import sys

from .machine import DEFAULT_THREADS, apply_thread_limits, describe, gemm_rate, limit_threads_early


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="tinynet speed benchmarks W1-W7 against PyTorch CPU and the GEMM floor.")
    p.add_argument("--only", action="append", metavar="W3",
                   help="run only these workloads (repeat or comma-separate: W1,W3)")
    p.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                   help=f"BLAS / PyTorch threads (default {DEFAULT_THREADS})")
    p.add_argument("--rounds", type=int, default=3,
                   help="alternating tinynet/PyTorch rounds per workload (default 3)")
    p.add_argument("--json", metavar="PATH", help="write the results as JSON")
    p.add_argument("--markdown", metavar="PATH",
                   help="write the table, the verdicts and a profile per workload as Markdown")
    p.add_argument("--backend", choices=("numpy", "cupy"), default="numpy",
                   help="tinynet backend; with cupy, PyTorch runs on CUDA (default numpy)")
    p.add_argument("--profile", action="append", metavar="W3",
                   help="print tinynet's time by layer and direction for these workloads "
                        "('all' for every one) instead of running the benchmark")
    p.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    p.add_argument("--no-reference", action="store_true",
                   help="skip the NumPy reference (and with it the accuracy check)")
    p.add_argument("--limit", type=int, metavar="N",
                   help="smoke test: train on the first N images (W7: N/10 steps, a 50x50 grid)")
    p.add_argument("--openblas-timeout", default=None, metavar="N|default",
                   help="OPENBLAS_THREAD_TIMEOUT for NumPy's OpenBLAS, set before NumPy loads "
                        "(default 20: idle BLAS threads sleep after ~0.4 ms instead of spinning "
                        "~0.1 s; 'default' keeps OpenBLAS's own; see benchmarks/machine.py)")
    p.add_argument("--gemm-size", type=int, default=2048, metavar="N",
                   help="size of the N x N x N product that measures the GEMM rate (default 2048)")
    p.add_argument("--unset-coretype", action="store_true",
                   help="run this benchmark process with OPENBLAS_CORETYPE/GOTOBLAS_CORETYPE "
                        "removed (set before NumPy loads; the header says so). Use when the "
                        "header warns that a forced core type is older than the CPU")
    p.add_argument("--scaling", action="store_true",
                   help="instead of W1-W7: time per epoch vs MLP width and vs batch size, "
                        "tinynet and PyTorch side by side (Markdown with --markdown)")
    p.add_argument("--scaling-widths", default="128,256,512,1024,2048,4096", metavar="LIST",
                   help="hidden widths of the 784-H-10 MLP for --scaling")
    p.add_argument("--scaling-batches", default="32,64,128,256,512,1024,2048,4096",
                   metavar="LIST", help="batch sizes (784-512-10 MLP) for --scaling")
    args = p.parse_args(argv)
    if args.rounds < 1:
        p.error("--rounds must be >= 1")
    if args.threads < 1:
        p.error("--threads must be >= 1")
    return args


def _names(values, all_names):
    if not values:
        return list(all_names)
    names = [v.strip().upper() for item in values for v in item.split(",") if v.strip()]
    if "ALL" in names:
        return list(all_names)
    unknown = [n for n in names if n not in all_names]
    if unknown:
        raise SystemExit(f"unknown workload(s) {unknown}; choose from {list(all_names)}")
    return [n for n in all_names if n in names]


def _rerun_without_coretype(argv):
    """Run the benchmark again in a child process whose environment lacks the core type
    (NumPy is already loaded here, so unsetting it in this process would change nothing)."""
    import subprocess
    from .machine import unset_coretype_early
    env = dict(os.environ)
    unset_coretype_early(env)
    cmd = [sys.executable, "-m", "benchmarks", *(sys.argv[1:] if argv is None else argv)]
    return subprocess.run(cmd, env=env).returncode


def main(argv=None):
    args = parse_args(argv)
    from .machine import CORETYPE_VARS
    if (args.unset_coretype and "numpy" in sys.modules
            and any(v in os.environ for v in CORETYPE_VARS)):
        return _rerun_without_coretype(argv)
    if args.unset_coretype:
        from .machine import unset_coretype_early
        unset_coretype_early()   # notes "nothing was set" (or what __main__ removed)
    if "numpy" not in sys.modules:   # run in-process (tests): still limit threads early
        limit_threads_early(args.threads, **({"openblas_timeout": args.openblas_timeout}
                                             if args.openblas_timeout else {}))
    import tinynet as tn
    from tinynet.backend import np

    from . import report, workloads as W
    from .profiler import format_profile, profile_workload
    from .runner import run_workload
    from .torch_runner import load_torch

    torch = None if (args.no_torch or args.profile) else load_torch()
    note = apply_thread_limits(args.threads, torch)
    from tinynet.kernels import threads as tn_threads
    tn_threads.set_num_threads(args.threads)   # tinynet's element-wise kernels
    note += ", tinynet.kernels.threads"
    if args.backend == "cupy":
        tn.use_backend("cupy")
    xp = tn.backend.current_xp()
    machine = describe(np, args.threads, torch, args.backend, note)
    rate = gemm_rate(xp, n=args.gemm_size, sync=lambda: tn.backend.synchronize(xp))
    machine["gemm_size"] = args.gemm_size
    for line in report.machine_lines(machine, rate / 1e9):
        print(line)
    if torch is None and not args.profile:
        print("PyTorch is not installed (or --no-torch): its columns stay empty. "
              "Install the optional extra with: pip install -e \".[bench]\"")
    device = "cuda" if args.backend == "cupy" else "cpu"

    if args.scaling:
        from .scaling import run_scaling
        return run_scaling(args, machine, rate, torch, device)

    if args.profile:
        for name in _names(args.profile, W.WORKLOADS):
            w = W.WORKLOADS[name]
            prof = profile_workload(w, W.load_data(w, args.limit),
                                    regress_steps=min(200, max(10, (args.limit or 2000) // 10)))
            print()
            print(format_profile(prof))
        return 0

    results, profiles, rates = [], [], [rate]
    for name in _names(args.only, W.WORKLOADS):
        w = W.WORKLOADS[name]
        load = [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else None
        print(f"{name} {w.title} ... (load average {load})", flush=True)
        data = W.load_data(w, args.limit)
        steps = min(w.steps, max(10, args.limit // 10)) if (args.limit and w.steps) else None
        res = run_workload(w, data, args.rounds, torch=torch, device=device,
                           reference=not args.no_reference, steps=steps,
                           log=lambda s: print(s, flush=True))
        n = len(data["X_test"]) if w.kind == "infer" else len(data["X_train"])
        res["gemm_flops"] = W.gemm_flops(w if not steps else _with_steps(w, steps), n)
        res["samples"] = n
        res["load_average_before"] = load
        results.append(res)
        # the GEMM rate again after each workload: the floor uses the best one
        # seen, so a busy moment at start-up cannot make the floor look easy
        rates.append(gemm_rate(xp, n=args.gemm_size, sync=lambda: tn.backend.synchronize(xp)))
        if args.markdown:
            profiles.append(profile_workload(w, data, regress_steps=min(200, steps or 200)))

    rate = max(rates)
    for res in results:
        floor_s = res["gemm_flops"] / rate
        res["floor_seconds"] = floor_s
        # W6 reports images/s: its floor is the images/s a GEMM-only run would reach
        res["floor_value"] = res["samples"] / floor_s if res["kind"] == "infer" else floor_s
        if res["tinynet"]:
            res["floor_ratio"] = res["tinynet"]["median"] / floor_s
    print()
    print(f"GEMM floor from the best float32 GEMM rate measured: {rate / 1e9:.1f} GFLOP/s "
          f"(all: {', '.join(f'{r / 1e9:.0f}' for r in rates)})")
    print(report.table(results))
    print()
    print(report.verdicts(results))
    doc = {"machine": machine, "gemm_flops_per_s": rate, "gemm_rates_measured": rates,
           "gemm_size": args.gemm_size,
           "rounds": args.rounds,
           "limit": args.limit, "results": results}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1, default=float)
        print(f"\nwrote {args.json}")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("\n".join(["```"] + report.machine_lines(machine, rate / 1e9) + ["```", ""]))
            f.write(f"GEMM floor rate: best of {len(rates)} measurements, {rate / 1e9:.1f} GFLOP/s.\n\n")
            f.write(report.table(results) + "\n\n" + report.verdicts(results) + "\n\n")
            for prof in profiles:
                f.write(format_profile(prof) + "\n\n")
        print(f"wrote {args.markdown}")
    return 0


def _with_steps(w, steps):
    from dataclasses import replace
    return replace(w, steps=steps)
