"""The per-epoch progress display of ``fit``.

On a terminal: a tqdm bar per epoch that refreshes at most ~10 times a
second.  Anywhere else (a log file, CI, a notebook's captured output): no
bar, one summary line per epoch, so logs do not fill with carriage returns.
"""
import sys

from tqdm.auto import tqdm

from .callbacks import format_logs


class EpochProgress:
    """verbose=0: silent; 1: bar on a tty, else a line per epoch; 2: a line per epoch."""

    def __init__(self, verbose, epochs, stream=None):
        self.verbose, self.epochs = verbose, epochs
        self.stream = stream or sys.stdout
        self.use_bar = verbose == 1 and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.bar = None

    def start_epoch(self, epoch, steps):
        if self.use_bar:
            self.bar = tqdm(total=steps, desc=f"epoch {epoch + 1}/{self.epochs}", unit="step",
                            file=self.stream, leave=True, mininterval=0.1, dynamic_ncols=True)

    def update(self, steps, loss):
        if self.bar is not None:
            self.bar.update(steps)
            self.bar.set_postfix(loss=f"{loss:.4f}", refresh=False)

    def end_epoch(self, epoch, logs):
        if self.bar is not None:
            self.bar.set_postfix_str(format_logs(epoch, self.epochs, logs).split("  ", 1)[1])
            self.bar.close()
            self.bar = None
        elif self.verbose:
            print(format_logs(epoch, self.epochs, logs), file=self.stream, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
