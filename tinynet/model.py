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

from . import backend
from .backend import np
from .callbacks import History
from .io import read_layers, save as _save
from .batching import batch_indices
from .layers.activations import Activation, ReLU
from .layers.base import Layer
from .layers.dropout import Dropout
from .layers.pool import MaxPool2D
from .progress import EpochProgress


class DivergenceError(RuntimeError):
    """Training produced a NaN/inf loss.

    Attributes: ``epoch``, ``step`` (0-based, within the epoch), ``lr``,
    ``loss`` (the offending value) and ``history`` (the finished epochs).  The
    model's weights are rolled back to the end of the last finished epoch and
    the optimizer's state (momentum, Adam moments) is reset, so training can go
    on with a smaller learning rate.
    """

    def __init__(self, epoch, step, lr, loss, history):
        self.epoch, self.step, self.lr, self.loss, self.history = epoch, step, lr, loss, history
        super().__init__(
            f"training diverged: the loss became {loss} at epoch {epoch + 1}, step {step + 1} "
            f"(learning rate {lr:g}). The weights were rolled back to the end of epoch {epoch} "
            f"and the History keeps its {len(history)} finished epoch(s). Try a smaller "
            f"learning rate.")


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
    def _prepare(self, X, y, loss, what):
        """Check X (and y) once, cast to the model dtype, move to the model's device."""
        if not hasattr(X, "dtype") or not hasattr(X, "shape"):
            X = np.asarray(X)
        if X.dtype.kind not in "f":
            hint = " (scale images to [0, 1] first, e.g. X / 255)" if X.dtype.kind in "ui" else ""
            raise TypeError(f"Sequential: {what} X must be floating point, got {X.dtype}{hint}")
        if X.ndim < 2 or X.shape[0] == 0:
            raise ValueError(f"Sequential: {what} X must have shape (N, ...) with N >= 1, "
                             f"got {tuple(X.shape)}")
        xp = backend.array_module(X)
        if not bool(xp.isfinite(X).all()):
            raise ValueError(f"Sequential: {what} X contains NaN or inf values")
        X = backend.to_device(X, self.device).astype(self.dtype, copy=False)
        if y is None:
            return X, None
        if not hasattr(y, "dtype"):
            y = np.asarray(y)
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"Sequential: {what} has {X.shape[0]} inputs but {y.shape[0]} targets")
        if loss is not None:
            loss.check_target(y, self._output_size(X.shape[1:]))
        if y.dtype.kind == "f":
            y = y.astype(self.dtype, copy=False)
        return X, backend.to_device(y, self.device)

    def _output_size(self, input_shape):
        shape = self.output_shape(input_shape)
        return shape[-1] if len(shape) == 1 else None

    def output_shape(self, input_shape):
        """Per-sample output shape for a per-sample input shape (None = unknown)."""
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = layer.output_shape(shape)
        return shape

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
        if int(batch_size) < 1:
            raise ValueError(f"fit: batch_size must be >= 1, got {batch_size}")
        X, y = self._prepare(X, y, loss, "training data")
        val = None
        if validation_data is not None:
            val = self._prepare(*validation_data, loss, "validation data")
        epochs = _max_epochs_override(int(epochs))
        xp = backend.module_for(self.device)
        self.optimizer, self.stop_training, self._fit_epochs = optimizer, False, epochs
        history = self.history = History()
        callbacks = list(callbacks or ())
        for cb in callbacks:
            cb.set_model(self)
            cb.on_train_begin()
        progress = EpochProgress(verbose, epochs)
        try:
            for epoch in range(epochs):
                optimizer.set_epoch(epoch)
                logs = self._train_epoch(X, y, loss, optimizer, int(batch_size), shuffle,
                                         epoch, progress, xp)
                if val is not None:
                    scores = self.evaluate(*val, loss=loss, batch_size=max(int(batch_size), 1024))
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

    # --------------------------------------------------------- inference
    def predict(self, X, batch_size=1024):
        """Outputs (logits for a classifier) as a NumPy array, computed in batches."""
        X, _ = self._prepare(X, None, None, "input")
        outs = [backend.to_host(self.forward(X[i:i + batch_size]))
                for i in range(0, X.shape[0], batch_size)]
        return np.concatenate(outs)

    def evaluate(self, X, y, loss, batch_size=1024):
        """``{"loss": mean data loss, "accuracy": ...}`` (inference mode).

        The loss here is the data loss alone, without weight penalties, so
        regularized and plain models compare on the same scale.
        """
        X, y = self._prepare(X, y, loss, "evaluation data")
        xp = backend.module_for(self.device)
        total = xp.zeros((), dtype=xp.float64)  # an accumulator over N, not a hot path
        correct = xp.zeros((), dtype=xp.int64) if loss.metric_name else None
        for i in range(0, X.shape[0], batch_size):
            out = self.forward(X[i:i + batch_size])
            yb = y[i:i + batch_size]
            total += loss.forward(out, yb) * out.shape[0]
            if correct is not None:
                correct += loss.metric(out, yb)
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
        shape = tuple(input_shape) if input_shape is not None else self.input_shape
        if shape is None:
            first = self.layers[0] if self.layers else None
            shape = ((first.in_features,) if hasattr(first, "in_features")
                     else (getattr(first, "in_channels", None), None, None))
        rows = [("#", "layer", "output shape", "params")]
        for i, layer in enumerate(self.layers):
            shape = layer.output_shape(shape)
            frozen = "" if layer.trainable or not layer.params else " (frozen)"
            text = "(N, " + ", ".join("?" if d is None else str(d) for d in shape) + ")"
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


def load(path):
    """Rebuild a model saved with ``model.save(path)`` (on the current backend).

    Raises :class:`tinynet.io.ModelFileError` for a file that is not a valid
    tinynet model.
    """
    layers, seed, dtype = read_layers(path)
    return Sequential(layers, seed=seed, dtype=dtype)
