"""Points per hour of an experiment sweep: serial vs Dask workers, same points, one machine.

    python -m benchmarks.sweep_throughput                       # run all --quick: serial, then --workers 2
    python -m benchmarks.sweep_throughput --ids p03-depth-vs-width --mode full --seeds 1
    python -m benchmarks.sweep_throughput --workers 2 4 --markdown

Each variant runs ``python -m experiments run IDS`` in a fresh process into
its own empty folder (nothing cached), so every variant computes the same
points; the wall time includes process start, data loading and the cluster's
start-up, which is what a user waits for.  Variants alternate over
``--rounds`` rounds so that a drift of the machine's speed hits each alike.
The machine's load average is printed before each run: on a busy machine the
numbers say little, and the output says so.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def _points(folder):
    n = 0
    for root, _dirs, files in os.walk(folder):
        if os.path.basename(root) == "points":
            n += sum(1 for f in files if f.endswith(".json") and not f.startswith("."))
    return n


def run_variant(ids, mode, seeds, workers, env):
    """Wall seconds and points computed by one fresh run (``workers`` None: serial)."""
    out = tempfile.mkdtemp(prefix="sweep-throughput-")
    cmd = [sys.executable, "-m", "experiments", "run", *ids, "--out", out]
    if mode != "full":
        cmd.append(f"--{mode}")
    if seeds:
        cmd += ["--seeds", str(seeds)]
    if workers:
        cmd += ["--workers", str(workers)]
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    points = _points(out)
    shutil.rmtree(out, ignore_errors=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    return {"workers": workers or 0, "seconds": seconds, "points": points, "load_before": load}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.sweep_throughput", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ids", nargs="+", default=["all"])
    p.add_argument("--mode", choices=("smoke", "quick", "full"), default="quick")
    p.add_argument("--seeds", type=int, default=None)
    p.add_argument("--workers", type=int, nargs="+", default=[2],
                   help="worker counts to compare with the serial run")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--json", default=None, help="also write the measurements here")
    p.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = p.parse_args(argv)
    env = dict(os.environ)
    variants = [None] + args.workers
    runs = {v or 0: [] for v in variants}
    for r in range(args.rounds):
        for v in variants:
            res = run_variant(args.ids, args.mode, args.seeds, v, env)
            runs[v or 0].append(res)
            print(f"round {r + 1}: {'serial' if not v else f'--workers {v}'}: {res['points']} points in "
                  f"{res['seconds']:.1f} s ({3600 * res['points'] / res['seconds']:.0f} points/h), "
                  f"load before {res['load_before']:.2f}", flush=True)
    serial = statistics.median(x["seconds"] for x in runs[0])
    rows = []
    for v, results in runs.items():
        secs = statistics.median(x["seconds"] for x in results)
        pts = results[0]["points"]
        rows.append({"variant": "serial (1 process, all cores' threads)" if not v
                     else f"--workers {v} ({max(1, (os.cpu_count() or 1) // v)} thread(s) each)",
                     "points": pts, "seconds": secs, "points_per_hour": 3600 * pts / secs,
                     "speedup": serial / secs, "load": [x["load_before"] for x in results]})
    what = f"`run {' '.join(args.ids)}" + ("" if args.mode == "full" else f" --{args.mode}") \
        + (f" --seeds {args.seeds}" if args.seeds else "") + "`"
    if args.markdown:
        print(f"\n{what} on {os.cpu_count()} cores, median of {args.rounds} round(s):\n")
        print("| variant | points | wall s | points/hour | vs serial | load before |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['variant']} | {r['points']} | {r['seconds']:.0f} | {r['points_per_hour']:.0f} | "
                  f"{r['speedup']:.2f}x | {', '.join(f'{x:.2f}' for x in r['load'])} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"what": what, "cores": os.cpu_count(), "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
