"""One progress display per sweep: done/total, running, failed, ETA, workers alive.

On a terminal: a single tqdm bar whose postfix carries the counts.  Anywhere
else (a log file, CI): one line per finished or failed point with the same
counts, so a log shows what ran and how long each point took.
"""
import sys
import time

from tqdm.auto import tqdm


def duration(seconds):
    """``42s``, ``3m07s``, ``1h05m``."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _summary(record):
    result = record.get("result", {}) if isinstance(record, dict) else {}
    if not isinstance(result, dict):
        return ""
    if result.get("diverged"):
        return "DIVERGED"
    final = result.get("final", {})
    if not isinstance(final, dict):
        return ""
    parts = [f"{k} {v:.4g}" for k, v in final.items() if isinstance(v, (int, float))]
    return "  ".join(parts[:4])  # whole readings only: a cut mid-name reads as garbage


class SweepProgress:
    """Progress of one ``run_points`` call of experiment ``name``."""

    def __init__(self, name, total, cached, executor, stream=None):
        self.name, self.total, self.executor = name, total, executor
        self.stream = stream or sys.stdout
        self.done, self.cached, self.running, self.n_failed = cached, cached, 0, 0
        self.start = time.perf_counter()
        self.bar = None
        if total and cached < total:
            if getattr(executor, "dashboard", None):
                print(f"[{name}] Dask dashboard: {executor.dashboard}", file=self.stream, flush=True)
            if hasattr(self.stream, "isatty") and self.stream.isatty():
                self.bar = tqdm(total=total, initial=cached, desc=name, unit="pt", file=self.stream,
                                dynamic_ncols=True, mininterval=0.5)
        elif total:
            print(f"[{name}] {total} point(s), all stored", file=self.stream, flush=True)

    def _eta(self):
        computed = self.done - self.cached + self.n_failed
        remaining = self.total - self.done - self.n_failed
        if computed <= 0 or remaining <= 0:
            return None
        return (time.perf_counter() - self.start) / computed * remaining

    def _counts(self):
        eta = self._eta()
        workers = self.executor.workers_alive()
        running = min(self.running, workers) if workers else self.running
        queued = self.running - running
        return (f"{self.done}/{self.total} done, {running} running"
                + (f", {queued} queued" if queued else "")
                + f", {self.n_failed} failed, ETA {'—' if eta is None else duration(eta)}, workers {workers}")

    def started(self, n):
        """``n`` more points were handed to the executor (they run or wait for a worker)."""
        self.running += n
        self._refresh()

    def finished(self, text, record, took):
        self.running = max(0, self.running - 1)
        self.done += 1
        self._emit(f"{text}  {_summary(record)}  ({took})")

    def failed(self, text, error):
        self.running = max(0, self.running - 1)
        self.n_failed += 1
        self._emit(f"{text}  FAILED: {error}")

    def _refresh(self):
        if self.bar is not None:
            self.bar.set_postfix_str(self._counts(), refresh=True)

    def _emit(self, line):
        if self.bar is not None:
            self.bar.n = self.done
            self.bar.set_postfix_str(self._counts(), refresh=False)
            self.bar.refresh()
            if "FAILED" in line:
                self.bar.write(f"[{self.name}] {line}", file=self.stream)
            return
        print(f"[{self.name} {self._counts()}] {line}", file=self.stream, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()
