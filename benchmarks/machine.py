"""The machine side of a benchmark: threads, a description, the GEMM rate, peak memory.

* Threads: BLAS libraries read their thread count when they are loaded, so
  ``limit_threads_early`` sets the environment before NumPy/torch are
  imported; ``apply_thread_limits`` then also limits them at run time
  (threadpoolctl when installed, ``torch.set_num_threads``).
* The GEMM rate: float32 matrix products per second on this machine, measured
  at start-up, turns each workload's matrix-product FLOPs into a floor.
* Peak memory: Linux keeps a resident-set high-water mark (VmHWM) per process
  and lets a process reset it (``/proc/self/clear_refs`` = 5), so the peak
  of each framework's run can be read separately in one process.
"""
import os
import platform
import resource
import time

DEFAULT_THREADS = 2
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
_limits = []  # keeps threadpoolctl's controller alive


#: OpenBLAS's idle threads spin this long (2^n cycles) after a product before
#: they sleep.  OpenBLAS's own default (n = 28, ~0.1 s) keeps the cores busy
#: through the element-wise passes between products, where tinynet's threads
#: (and PyTorch's, in the same process) want them; 2^20 cycles (~0.4 ms)
#: still bridges the gaps between consecutive products.  Measured: W3 and W4
#: 25-30% faster, MLPs unchanged (benchmarks/RESULTS.md shows both settings).
OPENBLAS_THREAD_TIMEOUT = "20"


def limit_threads_early(threads=None, openblas_timeout=OPENBLAS_THREAD_TIMEOUT):
    """Set the BLAS/OpenMP thread variables (before NumPy is imported).

    ``openblas_timeout``: value for OPENBLAS_THREAD_TIMEOUT unless the
    environment already has one; "default" leaves OpenBLAS's own.
    """
    threads = str(int(threads)) if threads is not None else str(DEFAULT_THREADS)
    for var in _THREAD_VARS:
        os.environ[var] = threads
    if openblas_timeout not in (None, "default"):
        os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", str(openblas_timeout))


#: set by ``unset_coretype_early``: what it removed (read back for the header)
UNSET_NOTE_VAR = "TINYNET_BENCH_UNSET_CORETYPE"


def unset_coretype_early(environ=None):
    """Remove OPENBLAS_CORETYPE / GOTOBLAS_CORETYPE from this process's environment.

    Must run before NumPy is imported (OpenBLAS reads them when it loads).
    Leaves a note (``UNSET_NOTE_VAR``) naming what was removed, so the header
    can say so; returns that note ("" when nothing was set).
    """
    env = os.environ if environ is None else environ
    removed = [f"{v}={env.pop(v)}" for v in CORETYPE_VARS if v in env]
    note = ", ".join(removed) or env.get(UNSET_NOTE_VAR, "")
    env[UNSET_NOTE_VAR] = note or "nothing was set"
    return note


def apply_thread_limits(threads, torch=None):
    """Limit the BLAS pools that are already loaded; returns a short note of what was done."""
    notes = []
    try:
        from threadpoolctl import threadpool_limits
        _limits.append(threadpool_limits(limits=threads))
        notes.append("threadpoolctl")
    except ImportError:
        notes.append("environment variables only (pip install threadpoolctl to be sure)")
    if torch is not None:
        torch.set_num_threads(threads)
        notes.append("torch.set_num_threads")
    return ", ".join(notes)


def _blas_info(np):
    try:
        from threadpoolctl import threadpool_info
        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            p = pools[0]
            return (f"{p.get('internal_api')} {p.get('version')} "
                    f"({p.get('architecture')}, {p.get('num_threads')} threads)")
    except ImportError:
        pass
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # older NumPy: no dict mode
        return "unknown"


def describe(np, threads, torch=None, backend="numpy", thread_note=""):
    """A dict describing the machine and the software, for the table header and the JSON."""
    from experiments.core.machine import cpu_model  # imported late: numpy is loaded by now
    info = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "threads": threads,
        "thread_control": thread_note,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": _blas_info(np),
        "torch": getattr(torch, "__version__", None),
        "backend": backend,
        "load_average": [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "openblas_env": {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "GOTOBLAS_CORETYPE",
                                                    "OPENBLAS_L2_SIZE", "OPENBLAS_THREAD_TIMEOUT")
                         if k in os.environ},
    }
    pools = blas_pools()
    level = cpu_isa_level()
    info["blas_kernel"] = blas_kernel_line(pools)
    info["blas_pools"] = [{k: p.get(k) for k in ("internal_api", "version", "architecture",
                                                   "num_threads")} for p in pools]
    info["cpu_isa"] = _ISA_NAMES.get(level)
    info["coretype_warnings"] = coretype_warnings(os.environ, level, pools)
    info["coretype_unset"] = os.environ.get(UNSET_NOTE_VAR)
    if torch is not None:
        info["torch_threads"] = torch.get_num_threads()
    if backend == "cupy":
        from tinynet import backend as tb
        info["device"] = tb.describe()
    return info


def gemm_rate(xp, n=2048, repeats=5, sync=lambda: None):
    """Best-of-``repeats`` float32 GEMM rate in FLOP/s for an n x n x n product."""
    a = xp.ones((n, n), dtype=xp.float32)
    b = xp.ones((n, n), dtype=xp.float32)
    out = xp.empty((n, n), dtype=xp.float32)
    xp.matmul(a, b, out=out)  # warm-up: thread pool start, page faults
    sync()
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        xp.matmul(a, b, out=out)
        sync()
        best = min(best, time.perf_counter() - t)
    return 2.0 * n ** 3 / best


class PeakRSS:
    """Peak resident memory (bytes) of this process while the ``with`` block runs.

    Uses the Linux high-water mark, reset on entry; elsewhere falls back to the
    process-lifetime maximum (``exact`` is then False).
    """

    def __enter__(self):
        self.exact = _reset_hwm()
        self.start = _status_kb("VmRSS")
        self.peak = None
        return self

    def __exit__(self, *exc):
        hwm = _status_kb("VmHWM") if self.exact else None
        if hwm is None:
            self.exact = False
            # ru_maxrss is in kB on Linux, bytes on macOS
            scale = 1 if platform.system() == "Darwin" else 1024
            self.peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
        else:
            self.peak = hwm * 1024
        return False


def _reset_hwm():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _status_kb(key):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def current_rss():
    """Resident memory now, in bytes (None where /proc is missing)."""
    kb = _status_kb("VmRSS")
    return None if kb is None else kb * 1024


# ------------------------------------------------------------ BLAS kernel
#: OpenBLAS core types (the names threadpoolctl reports as ``architecture`` and
#: OPENBLAS_CORETYPE accepts) by the widest vector ISA their kernels use:
#: 1 SSE, 2 AVX, 3 AVX2/FMA, 4 AVX-512.  Lower-case keys; unknown names are
#: left unranked (no warning is guessed for them).
CORETYPE_LEVEL = {
    **{n: 1 for n in ("katmai", "coppermine", "northwood", "prescott", "banias", "core2",
                      "penryn", "dunnington", "nehalem", "atom", "opteron", "opteron_sse3",
                      "barcelona", "bobcat", "nano")},
    **{n: 2 for n in ("sandybridge", "bulldozer", "piledriver")},
    **{n: 3 for n in ("haswell", "zen", "excavator", "steamroller", "skylake")},
    **{n: 4 for n in ("skylakex", "cooperlake", "sapphirerapids")},
}
_ISA_NAMES = {1: "SSE", 2: "AVX", 3: "AVX2", 4: "AVX-512"}
#: environment variables that choose OpenBLAS's kernel instead of its CPU detection
CORETYPE_VARS = ("OPENBLAS_CORETYPE", "GOTOBLAS_CORETYPE")


def cpu_isa_level(flags=None):
    """Widest vector ISA this CPU offers (1-4 as in CORETYPE_LEVEL), from /proc/cpuinfo flags."""
    if flags is None:
        flags = set()
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("flags"):
                        flags = set(line.split(":", 1)[1].split())
                        break
        except OSError:
            return None
    flags = set(flags)
    if not flags:
        return None
    if "avx512f" in flags:
        return 4
    if "avx2" in flags and "fma" in flags:
        return 3
    if "avx" in flags:
        return 2
    return 1


def blas_pools():
    """threadpoolctl's view of the loaded BLAS libraries: [{internal_api, architecture, ...}]."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [p for p in threadpool_info() if p.get("user_api") == "blas"]


def coretype_warnings(env, cpu_level, pools):
    """Plain-language warnings when the BLAS kernel is older than the CPU allows.

    ``env``: the environment (a mapping), ``cpu_level``: ``cpu_isa_level()``,
    ``pools``: ``blas_pools()``.  A forced core type (OPENBLAS_CORETYPE) below
    the CPU's level is named, and so is a running kernel below it whatever
    the cause.  PyTorch (MKL / oneDNN) does not read these variables.
    """
    out = []
    if cpu_level is None:
        return out
    cpu_isa = _ISA_NAMES[cpu_level]
    for var in CORETYPE_VARS:
        value = env.get(var)
        level = CORETYPE_LEVEL.get(str(value).strip().lower()) if value else None
        if level is not None and level < cpu_level:
            out.append(f"WARNING: {var}={value} forces OpenBLAS's {_ISA_NAMES[level]} kernels on a "
                       f"CPU with {cpu_isa}; NumPy's products run slower than this machine allows "
                       f"(PyTorch is unaffected). Unset it, or pass --unset-coretype.")
    for p in pools:
        if p.get("internal_api") != "openblas":
            continue
        arch = p.get("architecture")
        level = CORETYPE_LEVEL.get(str(arch).lower()) if arch else None
        if level is not None and level < cpu_level:
            out.append(f"WARNING: OpenBLAS runs its {arch} ({_ISA_NAMES[level]}) kernels on a CPU "
                       f"with {cpu_isa}.")
    return out


def blas_kernel_line(pools):
    """'BLAS kernel: openblas 0.3.31 architecture=SkylakeX, num_threads=2' (one per library)."""
    if not pools:
        return "BLAS kernel: unknown (pip install threadpoolctl to see it)"
    return "BLAS kernel: " + "; ".join(
        f"internal_api={p.get('internal_api')} {p.get('version')}, "
        f"architecture={p.get('architecture')}, num_threads={p.get('num_threads')}"
        for p in pools)
