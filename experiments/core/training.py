"""Train a tinynet model for one point and measure it the same way everywhere.

``fit_point`` trains with ``model.fit``, evaluates extra sets (the test set)
after every epoch through a callback — outside the timed part, since
``epoch_time`` is measured by ``fit`` around the training steps only — and
returns a JSON-able result::

    {"history": {"loss": [...], "accuracy": [...], "test_loss": [...], ...,
                 "epoch_time": [...], "elapsed": [...]},   # elapsed = cumulative train time
     "final": {"train_loss", "train_accuracy", "test_loss", "test_accuracy", ...},
     "train_time": seconds, "params": n, "diverged": False}

A run whose loss turns NaN/inf is recorded (``diverged: True`` with the epoch,
step and learning rate, and the history of the finished epochs), not raised:
the sweep goes on and the plots mark it.  A run that stays finite but blows
up — a loss that rises to at least 1.5× its minimum and stays there, i.e. is
above that bar at each of the last 2 epochs — is recorded as ``unstable``
(which loss, its minimum, its final value, the epoch it last crossed the
bar), beside ``diverged``.  One value above the bar at the very last epoch
is not enough: it cannot tell a loss that stays up from one of Adam's
one-epoch spikes, which come back down.
"""
import tinynet as tn


class EvalEachEpoch(tn.callbacks.Callback):
    """Add ``<name>_loss`` / ``<name>_accuracy`` for each extra set to the epoch logs."""

    def __init__(self, sets, loss):
        self.sets, self.loss = sets, loss
        self.records = {}  # our own copy: fit appends logs to History before the callbacks run

    def on_epoch_end(self, epoch, logs):
        for name, (X, y) in self.sets.items():
            for key, value in self.model.evaluate(X, y, loss=self.loss).items():
                logs[f"{name}_{key}"] = value
                self.records.setdefault(f"{name}_{key}", []).append(value)


UNSTABLE_FACTOR = 1.5
#: "and stays there": this many final values must all be above the bar
UNSTABLE_PERSIST = 2
#: the rule in words, for the reports
UNSTABLE_TEXT = (f"loss ≥ {UNSTABLE_FACTOR:g}× its minimum at each of the last {UNSTABLE_PERSIST} epochs")


def instability(history, keys=None):
    """The first loss series of ``history`` that ended unstable, or None.

    Unstable = each of the last ``UNSTABLE_PERSIST`` values is ≥
    ``UNSTABLE_FACTOR`` × the series' minimum (it rose far above its best and
    stayed there); ``since`` is the first epoch of the final run of epochs
    above that bar.
    """
    keys = keys or [k for k in history if k == "loss" or k.endswith("_loss")]
    for key in keys:
        values = [v for v in history.get(key, []) if v is not None]
        if len(values) < 2:
            continue
        low = min(values)
        bar = UNSTABLE_FACTOR * low
        if low > 0 and len(values) >= UNSTABLE_PERSIST and all(v >= bar for v in values[-UNSTABLE_PERSIST:]):
            since = len(values) - 1
            while since > 0 and values[since - 1] >= bar:
                since -= 1
            return {"loss": key, "min": low, "final": values[-1], "since_epoch": since + 1}
    return None



def unstable(result):
    """A fit_point result's instability under the current rule, or None.

    Recomputed from the stored per-epoch history, so points stored under an
    earlier rule (one value above the bar at the last epoch) are read the
    same way as new ones; results without a history keep their stored field.
    """
    if result.get("diverged"):
        return None
    history = result.get("history")
    if isinstance(history, dict) and any(k == "loss" or k.endswith("_loss") for k in history):
        return instability(history)
    return result.get("unstable")

def fit_point(model, data, loss, optimizer, epochs, batch_size, eval_sets=("test",),
              use_validation=False, callbacks=(), verbose=0, final_train_eval=True):
    """Train ``model`` on ``data`` (a Context.data() dict) and measure it."""
    sets = {name: (data[f"X_{name}"], data[f"y_{name}"]) for name in eval_sets}
    validation = (data["X_val"], data["y_val"]) if use_validation else None
    cbs = [EvalEachEpoch(sets, loss), *callbacks]
    result = {"params": model.num_params(), "diverged": False}
    try:
        history = model.fit(data["X_train"], data["y_train"], loss=loss, optimizer=optimizer,
                            epochs=epochs, batch_size=batch_size, validation_data=validation,
                            callbacks=cbs, verbose=verbose)
    except tn.DivergenceError as exc:
        history = exc.history
        result.update(diverged=True, diverged_at={"epoch": exc.epoch, "step": exc.step,
                                                  "lr": exc.lr})
    hist = {k: list(v) for k, v in history.history.items()}
    for key, values in cbs[0].records.items():  # History may miss what callbacks add to logs
        hist.setdefault(key, list(values)[:len(history)])
    elapsed, total = [], 0.0
    for t in hist.get("epoch_time", []):
        total += t
        elapsed.append(total)
    hist["elapsed"] = elapsed
    result["history"] = hist
    result["unstable"] = None if result["diverged"] else instability(hist)
    result["train_time"] = total
    result["epochs_done"] = len(elapsed)
    if not result["diverged"]:
        final = {}
        if final_train_eval:
            final.update({f"train_{k}": v for k, v in
                          model.evaluate(data["X_train"], data["y_train"], loss=loss).items()})
        for name, (X, y) in sets.items():
            final.update({f"{name}_{k}": v for k, v in model.evaluate(X, y, loss=loss).items()})
        if use_validation:
            final.update({f"val_{k}": v for k, v in model.evaluate(*validation, loss=loss).items()})
        result["final"] = final
    return result


def mlp(sizes, activation=tn.layers.ReLU, dropout=0.0, batchnorm=False, regularizer=None):
    """Layers of an MLP ``sizes[0] -> ... -> sizes[-1]`` (linear output: logits)."""
    L = tn.layers
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(L.Dense(a, b, regularizer=regularizer))
        if i < len(sizes) - 2:
            if batchnorm:
                layers.append(L.BatchNorm(b))
            layers.append(activation())
            if dropout:
                layers.append(L.Dropout(dropout))
    return layers
