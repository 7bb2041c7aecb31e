"""Training callbacks (Keras semantics): History, EarlyStopping, EpochLogger, CSVLogger.

``fit`` calls, on every callback: ``set_model(model)``, ``on_train_begin()``,
``on_epoch_end(epoch, logs)`` after each epoch (logs: loss, accuracy,
val_loss, val_accuracy, epoch_time, lr, ...), ``on_train_end()``.  A callback
stops training by setting ``model.stop_training = True``.
"""
import csv
import math
import os

from . import validation as check


class History:
    """Per-epoch metrics: ``history.history["val_accuracy"][epoch]``.

    Keys: loss (mean training loss over the epoch's batches, weight penalty
    included), accuracy (training batches, classification only), val_loss /
    val_accuracy (with validation_data), epoch_time (seconds of training,
    validation excluded), lr.
    """

    def __init__(self):
        self.history = {}
        self.epoch = []

    def append(self, epoch, logs):
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __len__(self):
        return len(self.epoch)

    def __repr__(self):
        return f"History(epochs={len(self.epoch)}, keys={sorted(self.history)})"


class Callback:
    """Base class; override the hooks you need."""

    model = None

    def set_model(self, model):
        self.model = model

    def on_train_begin(self):
        pass

    def on_epoch_end(self, epoch, logs):
        pass

    def on_train_end(self):
        pass


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    ``mode`` 'min' / 'max' / 'auto' (max for names containing 'acc').
    ``restore_best_weights`` puts back the weights of the best epoch at the end.
    """

    def __init__(self, monitor="val_loss", patience=0, min_delta=0.0, mode="auto",
                 restore_best_weights=False, start_from_epoch=0):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if not isinstance(monitor, str):
            raise TypeError(f"EarlyStopping: monitor must be a metric name such as 'val_loss', "
                            f"got {monitor!r}")
        self.monitor = monitor
        self.patience = check.non_negative_int(patience, "patience", "EarlyStopping")
        self.min_delta = abs(check.real(min_delta, "min_delta", "EarlyStopping"))
        self.restore_best_weights = check.boolean(restore_best_weights, "restore_best_weights",
                                                  "EarlyStopping")
        self.start_from_epoch = check.non_negative_int(start_from_epoch, "start_from_epoch",
                                                       "EarlyStopping")
        self.maximize = mode == "max" or (mode == "auto" and "acc" in monitor)

    def on_train_begin(self):
        self.best, self.best_epoch, self.wait = None, None, 0
        self.best_weights, self.stopped_epoch = None, None

    def _improved(self, value):
        if self.best is None:
            return True
        if self.maximize:
            return value > self.best + self.min_delta
        return value < self.best - self.min_delta

    def on_epoch_end(self, epoch, logs):
        if self.monitor not in logs:
            # Raised at the first epoch end: the first moment the logged names are known.
            raise ValueError(f"EarlyStopping: monitor {self.monitor!r} is not among the logged "
                             f"metrics {sorted(logs)} (val_* needs validation_data)")
        value = logs[self.monitor]
        if epoch < self.start_from_epoch or not math.isfinite(value):
            return
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        # `patience` epochs without improvement stop training (Keras's rule:
        # with patience=3, the third bad epoch in a row is the last one).
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)


def format_logs(epoch, epochs, logs):
    """'epoch 3/10  loss 0.1234  accuracy 0.9650  ...  1.2s' (one line)."""
    parts = [f"epoch {epoch + 1}/{epochs}"]
    for key, value in logs.items():
        if key in ("epoch_time", "lr"):
            continue
        parts.append(f"{key} {value:.4f}")
    parts.append(f"lr {logs.get('lr', float('nan')):.3g}")
    parts.append(f"{logs.get('epoch_time', 0.0):.1f}s")
    return "  ".join(parts)


class EpochLogger(Callback):
    """Print one line per epoch (use with ``verbose=0`` to replace the bar)."""

    def __init__(self, print_fn=print):
        self.print_fn = print_fn

    def on_train_begin(self):
        self.epochs = getattr(self.model, "_fit_epochs", 0)

    def on_epoch_end(self, epoch, logs):
        self.print_fn(format_logs(epoch, self.epochs, logs))


class CSVLogger(Callback):
    """Append one CSV row per epoch to ``path`` (flushed each epoch)."""

    def __init__(self, path):
        self.path = os.fspath(path)
        self._keys = None

    def on_epoch_end(self, epoch, logs):
        new = self._keys is None
        if new:
            self._keys = ["epoch", *logs]
        with open(self.path, "w" if new else "a", newline="") as f:
            writer = csv.writer(f)
            if new:
                writer.writerow(self._keys)
            writer.writerow([epoch, *(logs.get(k, "") for k in self._keys[1:])])
