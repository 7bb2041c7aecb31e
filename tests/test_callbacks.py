"""Callbacks: EarlyStopping on crafted histories, History, CSVLogger, EpochLogger.

Oracle for EarlyStopping: Keras's documented semantics, worked out by hand on
a crafted sequence of metric values ("patience: number of epochs with no
improvement after which training will be stopped"; with patience=3 the
training stops after three consecutive epochs without improvement).
"""
import csv

import numpy as np
import pytest

import tinynet as tn
from tinynet import layers as L
from tinynet.callbacks import Callback, CSVLogger, EarlyStopping, EpochLogger, History


class FakeModel:
    """Just what EarlyStopping touches: stop_training and get/set_weights."""

    def __init__(self):
        self.stop_training = False
        self.weights = None
        self.restored = None

    def get_weights(self):
        return self.weights

    def set_weights(self, weights):
        self.restored = weights


def run(callback, values, monitor="val_loss"):
    """Feed ``values`` epoch by epoch; return the number of epochs run."""
    model = FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    epochs = 0
    for epoch, value in enumerate(values):
        model.weights = f"weights after epoch {epoch}"
        callback.on_epoch_end(epoch, {monitor: value})
        epochs += 1
        if model.stop_training:
            break
    callback.on_train_end()
    return epochs, model


@pytest.mark.parametrize("patience, expected_epochs", [
    (0, 3),  # best at epoch 1; epoch 2 does not improve -> stop there
    (1, 3),  # one epoch without improvement is enough too
    (2, 4),  # epochs 2 and 3 do not improve -> stop at epoch 3
    (3, 7),  # epoch 4 improves (0.4), then 5, 6 do not... and 7 ends the data
])
def test_early_stopping_patience(patience, expected_epochs):
    """Oracle: Keras's rule worked out by hand on a crafted val_loss sequence."""
    values = [1.0, 0.5, 0.6, 0.7, 0.4, 0.45, 0.5]
    epochs, _ = run(EarlyStopping(patience=patience), values)
    assert epochs == expected_epochs


def test_early_stopping_min_delta_and_mode():
    """Improvements smaller than min_delta do not count; 'acc' metrics are maximised."""
    es = EarlyStopping(patience=2, min_delta=0.1)
    epochs, _ = run(es, [1.0, 0.95, 0.92, 0.5, 0.49])
    assert epochs == 3 and es.best == 1.0 and es.stopped_epoch == 2
    es = EarlyStopping(monitor="val_accuracy", patience=1)
    epochs, _ = run(es, [0.5, 0.6, 0.55, 0.7], monitor="val_accuracy")
    assert epochs == 3 and es.best == 0.6 and es.best_epoch == 1


def test_early_stopping_restores_best_weights():
    """Oracle: the weights handed out at the best epoch (epoch 1) come back at the end."""
    es = EarlyStopping(patience=1, restore_best_weights=True)
    _, model = run(es, [1.0, 0.3, 0.5, 0.6])
    assert model.restored == "weights after epoch 1"
    _, model = run(EarlyStopping(patience=1), [1.0, 0.3, 0.5, 0.6])
    assert model.restored is None  # only when asked


def test_early_stopping_start_from_epoch_and_nan():
    """Epochs before start_from_epoch and non-finite values are ignored."""
    es = EarlyStopping(patience=1, start_from_epoch=2)
    epochs, _ = run(es, [0.1, 0.9, 1.0, 1.1, 1.2])
    assert epochs == 4 and es.best_epoch == 2
    es = EarlyStopping(patience=1)
    epochs, _ = run(es, [1.0, float("nan"), 0.9, 0.95])
    assert epochs == 4 and es.best == 0.9


def test_early_stopping_errors():
    """Oracle: the documented ValueErrors (the first names the logged metrics)."""
    with pytest.raises(ValueError, match="monitor 'val_loss' is not among the logged metrics \\['loss'\\]"):
        run(EarlyStopping(), [1.0], monitor="loss")
    with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max'"):
        EarlyStopping(mode="up")


class CraftedMetric(Callback):
    """Writes a crafted 'score' into the logs, so EarlyStopping sees a known sequence."""

    def __init__(self, values):
        self.values = values

    def on_train_begin(self):
        self.weights = []

    def on_epoch_end(self, epoch, logs):
        logs["score"] = self.values[epoch]
        self.weights.append([tn.backend.to_host(p).copy() for layer in self.model
                             for p in layer.params.values()])


def test_early_stopping_inside_fit_restores_best_epoch():
    """In a real fit: stops after `patience` bad epochs and puts back the best epoch's weights."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((32, 3)).astype("float32"), rng.integers(0, 2, 32)
    model = tn.Sequential([L.Dense(3, 2)], seed=0)
    crafted = CraftedMetric([3.0, 1.0, 2.0, 2.5, 0.1, 0.1])
    es = EarlyStopping(monitor="score", patience=2, restore_best_weights=True)
    hist = model.fit(X, y, tn.losses.SoftmaxCrossEntropy(), tn.optim.SGD(0.5), epochs=6,
                     batch_size=8, callbacks=[crafted, es], verbose=0)
    assert len(hist) == 4 and es.best_epoch == 1 and es.stopped_epoch == 3
    now = [p for layer in model for p in layer.params.values()]
    for got, best in zip(now, crafted.weights[1]):
        np.testing.assert_array_equal(got, best)
    assert any(not np.array_equal(a, b) for a, b in zip(crafted.weights[1], crafted.weights[3]))


def test_history_and_loggers(tmp_path):
    """History collects per-epoch lists; CSVLogger writes a header + one row per epoch;
    EpochLogger prints the formatted line."""
    h = History()
    h.append(0, {"loss": 1.0, "lr": 0.1})
    h.append(1, {"loss": 0.5, "lr": 0.1})
    assert h.history == {"loss": [1.0, 0.5], "lr": [0.1, 0.1]} and len(h) == 2
    path = tmp_path / "log.csv"
    logger = CSVLogger(path)
    logger.on_epoch_end(0, {"loss": 1.0, "accuracy": 0.5})
    logger.on_epoch_end(1, {"loss": 0.5, "accuracy": 0.75})
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows == [["epoch", "loss", "accuracy"], ["0", "1.0", "0.5"], ["1", "0.5", "0.75"]]
    lines = []
    el = EpochLogger(print_fn=lines.append)
    el.epochs = 3
    el.on_epoch_end(1, {"loss": 0.25, "epoch_time": 1.26, "lr": 0.01})
    assert lines == ["epoch 2/3  loss 0.2500  lr 0.01  1.3s"]
