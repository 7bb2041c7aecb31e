"""Sequential: a stack of layers with fit / evaluate / predict / summary / save.

One training step, in full::

    out  = model.forward(xb, training=True)      # layer by layer
    L    = loss.forward(out, yb) + penalties     # loss takes the batch mean
    g    = loss.backward()                       # dL/dout, carries 1/N
    model.backward(g)                            # each layer fills .grads
    optimizer.step(model.trainable_items())      # in-place updates

Randomness belongs to the model: ``Sequential(layers, seed=0)`` owns a NumPy
Generator (weight init, shuffling) and seeds the device generator of every
Dropout layer; the same seed gives bit-identical training on one backend.
There is no global seeding and no clock-based default.
"""
import os
import time
import warnings

from . import backend
from . import validation as check
from .backend import np
from .batching import batch_indices
from .callbacks import Callback, History
from .io import read_layers, save as _save
from .layers.activations import Activation, ReLU
from .layers.base import Layer
from .layers.dropout import Dropout
from .layers.pool import MaxPool2D
from .losses import Loss
from .optim import Optimizer
from .progress import EpochProgress


class DivergenceError(RuntimeError):
    """Training produced a NaN/inf loss, or NaN/inf weights.

    Attributes: ``epoch``, ``step`` (0-based, within the epoch), ``lr``,
    ``loss`` (the last loss seen), ``history`` (the finished epochs) and
    ``cause``, what went non-finite first:

    * ``"loss"``: the loss of a step became NaN/inf (an exploding loss);
    * ``"weights"``: every loss was finite but a parameter or a BatchNorm
      buffer became NaN/inf (one update too large), found at the epoch's end;
    * ``"outputs"``: the weights are finite but so large that the outputs on
      a few training inputs (checked at the epoch's end) are NaN/inf.

    (Non-finite *data* never gets this far: ``fit`` refuses NaN/inf inputs and
    targets with a ValueError before the first step.)  The model's weights are
    rolled back to the end of the last finished epoch, which are always finite,
    and the optimizer's state (momentum, Adam moments) is reset, so training
    can go on with a smaller learning rate.
    """

    def __init__(self, epoch, step, lr, loss, history, cause="loss", detail=None):
        self.epoch, self.step, self.lr, self.loss, self.history = epoch, step, lr, loss, history
        self.cause = cause
        what = {"loss": f"the loss became {loss}",
                "weights": f"the weights became NaN/inf ({detail}) while the loss stayed finite",
                "outputs": f"the weights stayed finite but too large: the model's {detail} are "
                           f"NaN/inf, while the loss stayed finite"}[cause]
        super().__init__(
            f"training diverged ({cause}): {what} at epoch {epoch + 1}, step {step + 1} "
            f"(learning rate {lr:g}). The weights were rolled back to the end of epoch {epoch} "
            f"and the History keeps its {len(history)} finished epoch(s). Try a smaller "
            f"learning rate.")


def _host_array(X, what):
    """Host array-likes as plain ndarrays; a masked array is refused (its mask would be lost)."""
    if isinstance(X, np.ma.MaskedArray):
        raise TypeError(f"Sequential: {what} is a masked array; tinynet would ignore its mask. "
                        f"Fill or drop the masked values first ({what}.filled(value))")
    if isinstance(X, np.matrix) or not (hasattr(X, "dtype") and hasattr(X, "shape")):
        return np.asarray(X)  # np.matrix: same values, ordinary indexing
    return X


_LOSS_METHODS = ("forward", "backward", "check_target")


def _input_guess(layer):
    """The per-sample input shape a layer's own sizes imply, or None (for ``summary``)."""
    if hasattr(layer, "in_features"):
        return (layer.in_features,)
    if hasattr(layer, "in_channels"):
        return (layer.in_channels, None, None)
    return None


def _reraise_in_layer(exc, index, layer, phase):
    """Re-raise ``exc`` (from layer ``index``'s ``phase``) saying which layer it came from.

    The original exception stays in the chain (``raise ... from exc``), so the
    traceback still ends at the file and line that failed, a learner's own
    layer included.  The message gets "layer i of the model" in front, and
    the layer's class and phase when the message does not name them already.
    An exception type that cannot be rebuilt from a message (a custom
    ``__init__``) is re-raised as it is, with the location as a note (3.11+).
    """
    name = type(layer).__name__
    text = str(exc)
    where = f"layer {index} of the model"
    if not text.startswith(name):
        where += f" ({name}.{phase})"
    try:
        located = type(exc)(f"{where}: {text}")
    except Exception:
        located = None
    if located is None or str(located) != f"{where}: {text}":
        if hasattr(exc, "add_note"):
            exc.add_note(where)
        raise exc
    raise located from exc


def _max_epochs_override(epochs):
    # TINYNET_MAX_EPOCHS caps every fit (smoke tests, quick looks), like
    # Keras's KERAS_MAX_EPOCHS.
    cap = os.environ.get("TINYNET_MAX_EPOCHS")
    return min(epochs, int(cap)) if cap else epochs


def _warn_non_finite(where, bad, total):
    if bad:
        warnings.warn(f"Sequential.{where}: {bad} of {total} outputs are NaN or inf (diverged "
                      f"weights, or activations that overflow the model's dtype)",
                      RuntimeWarning, stacklevel=3)


class Sequential:
    """A stack of layers applied in order.

    >>> import tinynet as tn
    >>> model = tn.Sequential([tn.layers.Dense(4, 3), tn.layers.ReLU(), tn.layers.Dense(3, 2)])
    >>> model.num_params()
    23
    """

    def __init__(self, layers, seed=0, dtype=None):
        layers = list(layers)
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential: item {i} is a {type(layer).__name__}, not a tinynet layer")
        if len({id(layer) for layer in layers}) != len(layers):
            raise ValueError("Sequential: the same layer instance appears twice; a layer keeps one "
                             "forward cache and overwrites its grads, so each may appear once")
        self.layers = layers
        self.seed = seed
        seeds = np.random.SeedSequence(seed).spawn(2)
        self.rng = backend.host_generator(seeds[0])
        self._device_seed = int(seeds[1].generate_state(1)[0])
        reused = [layer for layer in layers if layer.initialized_by_model]
        self.device = reused[0].device if reused else backend.get_backend()
        self.dtype = backend.as_dtype(dtype) if dtype is not None else (
            reused[0].dtype if reused else backend.get_default_dtype())
        self.stop_training = False
        self.history = None
        self.optimizer = None
        self.input_shape = None  # per-sample, remembered from the last forward
        self._init_layers()

    # ----------------------------------------------------------- building
    def _following_activation(self, index):
        """Name of the first activation after layer ``index`` (for init='auto')."""
        for layer in self.layers[index + 1:]:
            if isinstance(layer, Activation):
                return layer.activation_name
            if layer.params and not type(layer).__name__ == "BatchNorm":
                return None  # the next weight layer comes first: linear
        return None

    def _init_layers(self):
        for i, layer in enumerate(self.layers):
            if layer.device != self.device:
                layer.to(self.device)
            if layer.dtype != self.dtype:
                layer.astype(self.dtype)
            if layer.initialized_by_model:
                continue  # weights from another model (e.g. a trained encoder) stay
            layer.reset_parameters(self.rng, activation=self._following_activation(i))
            if isinstance(layer, Dropout):
                layer.reseed(self._device_seed + i)
            layer.initialized_by_model = True

    # -------------------------------------------------------- containers
    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __getitem__(self, index):
        """``model[i]`` is a layer; ``model[a:b]`` a Sequential sharing those layers."""
        if isinstance(index, slice):
            return Sequential(self.layers[index], seed=self.seed, dtype=self.dtype)
        return self.layers[index]

    def __repr__(self):
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Sequential([\n  {inner}\n], seed={self.seed})"

    # ------------------------------------------------------ forward/back
    def forward(self, x, training=False):
        """Run every layer; ``training=True`` enables dropout / batch statistics."""
        self._require_layers()
        self.input_shape = tuple(x.shape[1:])
        for i, layer in enumerate(self.layers):
            try:
                x = layer.forward(x, training=training)
            except Exception as exc:
                _reraise_in_layer(exc, i, layer, "forward")
        return x

    __call__ = forward

    def _first_trainable(self):
        for i, layer in enumerate(self.layers):
            if layer.trainable and layer.params:
                return i
        return None

    def backward(self, grad_out):
        """Backpropagate dL/d(output) down to the first trainable layer.

        Layers below it (a frozen encoder, say) need no gradient at all, and
        the first trainable layer skips dL/dx, which nobody would use.
        """
        first = self._first_trainable()
        if first is None:
            return None
        for i in range(len(self.layers) - 1, first - 1, -1):
            try:
                grad_out = self.layers[i].backward(grad_out, need_input_grad=i > first)
            except Exception as exc:
                _reraise_in_layer(exc, i, self.layers[i], "backward")
        return grad_out

    def trainable_items(self):
        """``[((layer, name), param, grad), ...]`` for the optimizer."""
        return [((layer, name), p, layer.grads[name])
                for layer in self.layers if layer.trainable
                for name, p in layer.params.items()]

    def penalty(self):
        """Sum of the layers' weight penalties (0.0 without regularizers)."""
        total = 0.0
        for layer in self.layers:
            if layer.regularizer is not None:
                total = total + layer.penalty()
        return total

    # ------------------------------------------------------------- data
    def _require_layers(self):
        if not self.layers:
            raise ValueError("Sequential: the model has no layers; nothing to train or run")

    def _prepare(self, X, y, loss, what):
        """Check X (and y) once, cast to the model dtype, move to the model's device.

        Finiteness is checked *after* the cast: float64 1e39 is finite, but
        inf in float32.
        """
        self._require_layers()
        X = _host_array(X, f"{what} X")
        if X.dtype.kind not in "f":
            hint = " (scale images to [0, 1] first, e.g. X / 255)" if X.dtype.kind in "ui" else ""
            raise TypeError(f"Sequential: {what} X must be floating point, got {X.dtype}{hint}")
        if X.ndim < 2 or X.shape[0] == 0:
            raise ValueError(f"Sequential: {what} X must have shape (N, ...) with N >= 1, "
                             f"got {tuple(X.shape)}")
        with np.errstate(over="ignore"):  # an overflow here is reported just below, by name
            X = backend.to_device(X, self.device).astype(self.dtype, copy=False)
        self._check_finite_data(X, f"{what} X")
        if y is None:
            return X, None
        y = _host_array(y, f"{what} y")
        if y.ndim < 1 or y.shape[0] != X.shape[0]:
            raise ValueError(f"Sequential: {what} has {X.shape[0]} inputs but "
                             f"{y.shape[0] if y.ndim else 'a scalar as'} targets")
        if loss is not None:
            loss.check_target(y, self._output_size(X.shape[1:]))
        if y.dtype.kind == "f":
            y = backend.to_device(y, self.device).astype(self.dtype, copy=False)
            self._check_finite_data(y, f"{what} y")
        return X, backend.to_device(y, self.device)

    def _check_finite_data(self, array, what):
        if not bool(backend.array_module(array).isfinite(array).all()):
            raise ValueError(f"Sequential: {what} contains NaN or inf values (after the cast to "
                             f"{self.dtype}, the model's dtype)")

    def _output_size(self, input_shape):
        shape = self.output_shape(input_shape)
        return shape[-1] if len(shape) == 1 else None

    def output_shape(self, input_shape):
        """Per-sample output shape for a per-sample input shape (None = unknown)."""
        shape = tuple(input_shape)
        for i, layer in enumerate(self.layers):
            try:
                shape = layer.output_shape(shape)
            except (ValueError, TypeError) as exc:
                raise type(exc)(f"layer {i} of the model: {exc}") from exc
        return shape

    def _non_finite_weights(self):
        """'layer i (Class) params W' of the first NaN/inf parameter or buffer, else None."""
        for i, layer in enumerate(self.layers):
            for kind, store in (("params", layer.params), ("buffers", layer.buffers)):
                for name, value in store.items():
                    if not bool(backend.array_module(value).isfinite(value).all()):
                        return f"layer {i} ({type(layer).__name__}) {kind} {name}"
        return None

    # ------------------------------------------------------------ train
    def fit(self, X, y, loss, optimizer, epochs=1, batch_size=32, validation_data=None,
            shuffle=True, callbacks=(), verbose=1):
        """Train with minibatches; returns a :class:`History`.

        Shapes: X: (N, ...) float, y: (N,) integer labels for
        SoftmaxCrossEntropy or (N, ...) float targets for MSE/BCE.

        Per epoch: the examples are shuffled by the model's Generator and cut
        into batches of ``batch_size`` (the last, partial batch is kept).
        Raises :class:`DivergenceError` if the loss becomes NaN/inf.
        """
        loss = check.instance(loss, Loss, "loss", "fit", "SoftmaxCrossEntropy()", _LOSS_METHODS)
        optimizer = check.instance(optimizer, Optimizer, "optimizer", "fit", "tn.optim.SGD(0.1)",
                                   ("step", "set_epoch", "reset"))
        epochs = check.non_negative_int(epochs, "epochs", "fit")
        batch_size = check.positive_int(batch_size, "batch_size", "fit")
        shuffle = check.boolean(shuffle, "shuffle", "fit")
        callbacks = list(callbacks or ())
        for i, cb in enumerate(callbacks):
            check.instance(cb, Callback, f"callbacks[{i}]", "fit", "EarlyStopping()",
                           ("set_model", "on_train_begin", "on_epoch_end", "on_train_end"))
        X, y = self._prepare(X, y, loss, "training data")
        val = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise TypeError(f"fit: validation_data must be a pair (X_val, y_val), got "
                                f"{type(validation_data).__name__}")
            val = self._prepare(*validation_data, loss, "validation data")
        bad = self._non_finite_weights()
        if bad is not None:  # a rollback must never restore these
            raise ValueError(f"Sequential: {bad} contains NaN or inf before training; "
                             f"rebuild or reload the model")
        epochs = _max_epochs_override(epochs)
        xp = backend.module_for(self.device)
        self.optimizer, self.stop_training, self._fit_epochs = optimizer, False, epochs
        history = self.history = History()
        for cb in callbacks:
            cb.set_model(self)
            cb.on_train_begin()
        progress = EpochProgress(verbose, epochs)
        try:
            for epoch in range(epochs):
                optimizer.set_epoch(epoch)
                logs = self._train_epoch(X, y, loss, optimizer, batch_size, shuffle,
                                         epoch, progress, xp)
                if val is not None:
                    scores = self.evaluate(*val, loss=loss, batch_size=max(batch_size, 1024))
                    logs.update({f"val_{k}": v for k, v in scores.items()})
                for cb in callbacks:
                    cb.on_epoch_end(epoch, logs)  # may add metrics to logs
                history.append(epoch, logs)       # so History sees them (as in Keras)
                progress.end_epoch(epoch, logs)
                if self.stop_training:
                    break
        finally:
            progress.close()
        for cb in callbacks:
            cb.on_train_end()
        return history

    def _train_epoch(self, X, y, loss, optimizer, batch_size, shuffle, epoch, progress, xp):
        n = X.shape[0]
        order = list(batch_indices(n, batch_size, rng=self.rng if shuffle else None))
        # The whole permutation goes to the device once per epoch, not per batch.
        perm = backend.to_device(np.concatenate(order), self.device)
        bounds = np.cumsum([0] + [len(b) for b in order])
        snapshot = self.get_weights()  # to roll back to if this epoch diverges
        # On the GPU every float(loss) is a device->host sync; fetch the
        # recorded losses only every `sync_every` steps.  On the CPU a check
        # costs a few microseconds of Python, so every 16 steps (a NaN is
        # still reported at its exact step, and the epoch rolled back).
        sync_every = 16 if xp is np else 50
        step_losses = xp.zeros(len(order), dtype=self.dtype)
        correct = xp.zeros((), dtype=xp.int64) if loss.metric_name else None
        has_penalty = any(layer.regularizer is not None for layer in self.layers)
        plan = self._training_order()
        progress.start_epoch(epoch, len(order))
        backend.synchronize(xp)
        start, checked = time.perf_counter(), 0
        for step in range(len(order)):
            idx = perm[bounds[step]:bounds[step + 1]]
            xb, yb = X[idx], y[idx]
            out = self._forward_in_order(xb, plan)
            value = loss.forward(out, yb)
            if has_penalty:
                value = value + self.penalty()
            if correct is not None:
                correct += loss.metric(out, yb)
            self._backward_in_order(loss.backward(), plan)
            optimizer.step(self.trainable_items())
            step_losses[step] = value
            if step + 1 - checked >= sync_every or step + 1 == len(order):
                self._check_finite(step_losses, checked, step + 1, epoch, optimizer, snapshot)
                progress.update(step + 1 - checked, float(step_losses[step]))
                checked = step + 1
        backend.synchronize(xp)
        epoch_time = time.perf_counter() - start
        self._check_epoch_end(X[idx[:256]], epoch, len(order) - 1, step_losses, optimizer,
                              snapshot, xp)
        sizes = xp.asarray(np.diff(bounds).astype(self.dtype))
        logs = {"loss": float((step_losses * sizes).sum()) / n}
        if correct is not None:
            logs[loss.metric_name] = int(correct) / n
        logs["epoch_time"] = epoch_time
        logs["lr"] = optimizer.lr
        return logs

    def _training_order(self):
        """Layer indices in the order a training step runs them.

        Every ReLU that feeds a MaxPool2D runs *after* it.  Why: max-pooling
        commutes with ReLU (relu(max z) = max relu(z), window by window,
        exactly), so the ReLU and its backward touch kh*kw times fewer
        elements.  The gradient is identical too, including the first-max tie
        rule: a window whose max is > 0 has the same first maximum in z as in
        relu(z); one whose max is <= 0 gets no gradient either way (relu' = 0
        at its first element in the plain order, at its max in this one).
        """
        order = list(range(len(self.layers)))
        i = 0
        while i + 1 < len(order):
            if type(self.layers[i]) is ReLU and type(self.layers[i + 1]) is MaxPool2D:
                order[i], order[i + 1] = i + 1, i
                i += 2
            else:
                i += 1
        return order

    def _forward_in_order(self, x, order):
        """``forward(x, training=True)`` with the layers run in ``order``."""
        self.input_shape = tuple(x.shape[1:])
        for i in order:
            try:
                x = self.layers[i].forward(x, training=True)
            except Exception as exc:
                _reraise_in_layer(exc, i, self.layers[i], "forward")
        return x

    def _backward_in_order(self, grad_out, order):
        """``backward`` for a forward run in ``order`` (the reverse of it)."""
        first = self._first_trainable()
        if first is None:
            return None
        for i in reversed(order):
            if i < first:
                break
            try:
                grad_out = self.layers[i].backward(grad_out, need_input_grad=i > first)
            except Exception as exc:
                _reraise_in_layer(exc, i, self.layers[i], "backward")
        return grad_out

    def _check_finite(self, step_losses, lo, hi, epoch, optimizer, snapshot):
        recent = backend.to_host(step_losses[lo:hi])
        bad = np.flatnonzero(~np.isfinite(recent))
        if bad.size:
            self.set_weights(snapshot)
            optimizer.reset()  # its moments hold NaN/inf now; start them afresh
            raise DivergenceError(epoch, lo + int(bad[0]), optimizer.lr,
                                  float(recent[bad[0]]), self.history)

    def _check_epoch_end(self, probe, epoch, step, step_losses, optimizer, snapshot, xp):
        """Every loss was finite, but the updates after them may not be: check the result.

        The weights (params and BatchNorm buffers) must be finite, and so must
        the outputs on a few training inputs (``probe``: at most 256 of the last
        batch): huge but finite weights overflow into inf/NaN outputs too.
        Why: otherwise the last update of a fit is never checked, and fit
        could hand back a model that only outputs NaN.
        """
        bad, cause = self._non_finite_weights(), "weights"
        if bad is None and not bool(xp.isfinite(self.forward(probe)).all()):
            bad, cause = f"outputs on {probe.shape[0]} training inputs", "outputs"
        if bad is not None:
            self.set_weights(snapshot)
            optimizer.reset()
            raise DivergenceError(epoch, step, optimizer.lr, float(step_losses[step]),
                                  self.history, cause=cause, detail=bad)

    # --------------------------------------------------------- inference
    def predict(self, X, batch_size=1024):
        """Outputs (logits for a classifier) as a NumPy array, computed in batches.

        Warns (RuntimeWarning) when some outputs are NaN or inf.
        """
        batch_size = check.positive_int(batch_size, "batch_size", "predict")
        X, _ = self._prepare(X, None, None, "input")
        outs = [backend.to_host(self.forward(X[i:i + batch_size]))
                for i in range(0, X.shape[0], batch_size)]
        out = np.concatenate(outs)
        _warn_non_finite("predict", int(out.size - np.isfinite(out).sum()), out.size)
        return out

    def evaluate(self, X, y, loss, batch_size=1024):
        """``{"loss": mean data loss, "accuracy": ...}`` (inference mode).

        The loss here is the data loss alone, without weight penalties, so
        regularized and plain models compare on the same scale.  Warns
        (RuntimeWarning) when some outputs are NaN or inf.
        """
        loss = check.instance(loss, Loss, "loss", "evaluate", "SoftmaxCrossEntropy()", _LOSS_METHODS)
        batch_size = check.positive_int(batch_size, "batch_size", "evaluate")
        X, y = self._prepare(X, y, loss, "evaluation data")
        xp = backend.module_for(self.device)
        total = xp.zeros((), dtype=xp.float64)  # an accumulator over N, not a hot path
        correct = xp.zeros((), dtype=xp.int64) if loss.metric_name else None
        bad = xp.zeros((), dtype=xp.int64)
        size = 0
        for i in range(0, X.shape[0], batch_size):
            out = self.forward(X[i:i + batch_size])
            yb = y[i:i + batch_size]
            total += loss.forward(out, yb) * out.shape[0]
            bad += out.size - xp.isfinite(out).sum()
            size += out.size
            if correct is not None:
                correct += loss.metric(out, yb)
        _warn_non_finite("evaluate", int(bad), size)
        scores = {"loss": float(total) / X.shape[0]}
        if correct is not None:
            scores[loss.metric_name] = int(correct) / X.shape[0]
        return scores

    # ----------------------------------------------------------- weights
    def num_params(self, trainable_only=False):
        """Number of parameters (all, or only those of trainable layers)."""
        return sum(layer.num_params() for layer in self.layers
                   if layer.trainable or not trainable_only)

    def get_weights(self):
        """Copies of every layer's params and buffers (a list of dicts)."""
        return [({k: v.copy() for k, v in layer.params.items()},
                 {k: v.copy() for k, v in layer.buffers.items()}) for layer in self.layers]

    def set_weights(self, weights):
        """Copy ``get_weights()`` output back into the layers, in place."""
        if len(weights) != len(self.layers):
            raise ValueError(f"set_weights: expected {len(self.layers)} layers' weights, got {len(weights)}")
        for layer, (params, buffers) in zip(self.layers, weights):
            for store, new in ((layer.params, params), (layer.buffers, buffers)):
                if set(store) != set(new):
                    raise ValueError(f"set_weights: {layer!r} has {sorted(store)}, got {sorted(new)}")
                for k, v in new.items():
                    if tuple(v.shape) != tuple(store[k].shape):
                        raise ValueError(f"set_weights: {layer!r} {k} has shape "
                                         f"{tuple(store[k].shape)}, got {tuple(v.shape)}")
                    store[k][...] = backend.to_device(v, layer.device)

    def to(self, device):
        """Move the model (params, grads, buffers, optimizer state) to 'numpy' or 'cupy'."""
        backend.module_for(device)
        for layer in self.layers:
            layer.to(device)
        if self.optimizer is not None:
            self.optimizer.to(device)
        self.device = device
        return self

    def astype(self, dtype):
        """Cast every layer to ``dtype`` ('float32' or 'float64')."""
        self.dtype = backend.as_dtype(dtype)
        for layer in self.layers:
            layer.astype(self.dtype)
        return self

    def summary(self, input_shape=None, print_fn=print):
        """Print (and return) a table of layers, output shapes and parameter counts.

        ``input_shape`` is per sample, e.g. (1, 28, 28); without it, the shape
        seen by the last forward is used, and unknown sizes print as '?'.
        """
        if input_shape is not None:
            if not isinstance(input_shape, (tuple, list)):
                raise TypeError(f"summary: input_shape must be a per-sample shape such as "
                                f"(1, 28, 28), got {input_shape!r}")
            input_shape = tuple(check.positive_int(d, f"input_shape[{i}]", "summary")
                                for i, d in enumerate(input_shape))
        shape = input_shape if input_shape is not None else self.input_shape
        rows = [("#", "layer", "output shape", "params")]
        for i, layer in enumerate(self.layers):
            if shape is None:  # unknown so far: the first Dense/Conv2D tells its input
                shape = _input_guess(layer)
            if shape is not None:
                try:
                    shape = layer.output_shape(shape)
                except (ValueError, TypeError) as exc:
                    raise type(exc)(f"layer {i} of the model: {exc}") from exc
            frozen = "" if layer.trainable or not layer.params else " (frozen)"
            text = ("(N, " + ", ".join("?" if d is None else str(d) for d in shape) + ")"
                    if shape is not None else "(N, ?)")
            rows.append((str(i), repr(layer) + frozen, text, f"{layer.num_params():,}"))
        widths = [max(len(r[c]) for r in rows) for c in range(4)]
        line = lambda r: "  ".join(r[c].ljust(widths[c]) if c < 3 else r[c].rjust(widths[c])
                                   for c in range(4))
        total, trainable = self.num_params(), self.num_params(trainable_only=True)
        nbytes = sum(p.nbytes for layer in self.layers for p in layer.params.values())
        rule = "-" * len(line(rows[0]))
        text = "\n".join([line(rows[0]), rule, *(line(r) for r in rows[1:]), rule,
                          f"total params: {total:,} ({nbytes / 1024:.1f} KiB, {self.dtype})",
                          f"trainable params: {trainable:,}",
                          f"non-trainable params: {total - trainable:,}"])
        if print_fn is not None:
            print_fn(text)
        return text

    def save(self, path):
        """Write the architecture and weights to one .npz file (atomically)."""
        _save(self, path)


def load(path, max_bytes=None):
    """Rebuild a model saved with ``model.save(path)`` (on the current backend).

    Every malformed file raises :class:`tinynet.io.ModelFileError` (a missing
    one, FileNotFoundError).  The whole header and every array's declared
    shape are checked against the architecture before anything is allocated,
    and a model needing more than ``max_bytes`` (default
    :func:`tinynet.io.max_model_bytes`, 1 GiB) is refused.
    """
    layers, seed, dtype = read_layers(path, max_bytes=max_bytes)
    return Sequential(layers, seed=seed, dtype=dtype)
