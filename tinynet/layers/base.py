"""The Layer base class: parameters, gradients, buffers, input checks, devices.

A layer is a pair of hand-written functions:

* ``forward(x, training=False)`` computes the output and keeps, in
  ``self._cache``, exactly what ``backward`` will need;
* ``backward(grad_out)`` receives dL/d(output), writes dL/d(parameter) into
  ``self.grads[name]`` (overwriting, never accumulating) and returns dL/d(input).

Conventions every layer follows:

* Layers *sum* over the batch; only the loss takes the mean and carries 1/N.
* ``self.params`` and ``self.grads`` are dicts with the same keys;
  ``self.buffers`` holds non-trained state (BatchNorm running statistics).
* ``training`` (a forward argument: dropout / batch statistics on or off) and
  ``trainable`` (an attribute: frozen layers are skipped by the optimizer) are
  different things.
* Because grads are overwritten, a layer instance may appear only once in a
  forward pass (``model[:3]`` shares layers, but is called separately).
"""
import inspect

from .. import backend
from .. import init as initializers
from .. import regularizers


class Layer:
    """Base class of every tinynet layer (see the module docstring)."""

    def __init__(self, dtype=None):
        self.params = {}
        self.grads = {}
        self.buffers = {}
        self.trainable = True
        self.regularizer = None
        self.dtype = backend.as_dtype(dtype)
        self.device = backend.get_backend()
        self._cache = None
        # False until a Sequential (or a loaded file) has initialised this
        # layer: a model re-initialises fresh layers from its own seed, and
        # leaves layers taken from another model as they are.
        self.initialized_by_model = False

    # ------------------------------------------------------------------ API
    def forward(self, x, training=False):
        """Compute the output for ``x``; keep what backward needs."""
        raise NotImplementedError

    def backward(self, grad_out, need_input_grad=True):
        """Return dL/dx and fill ``self.grads``.

        ``need_input_grad=False`` lets the first layer of a model skip dL/dx,
        which nobody uses (it then returns None).
        """
        raise NotImplementedError

    def output_shape(self, input_shape):
        """Per-sample output shape for a per-sample ``input_shape``.

        Unknown sizes are ``None`` and propagate (used by ``summary``).
        """
        return tuple(input_shape)

    def reset_parameters(self, rng, activation=None):
        """Draw the parameters from the NumPy Generator ``rng``.

        ``activation`` names the non-linearity that follows this layer in a
        model ('relu', 'tanh', ...), used by ``init="auto"``.
        """

    def get_config(self):
        """Constructor arguments as a JSON-able dict (for ``save``)."""
        return {}

    @classmethod
    def state_shapes(cls, config):
        """``({param: shape}, {buffer: shape})`` of a layer built from ``config``.

        Computed without building the layer, so ``load`` can check a file's
        sizes before allocating anything.  Raises TypeError/ValueError for a
        config whose sizes are not valid.
        """
        return {}, {}

    @classmethod
    def from_config(cls, config, dtype=None):
        """Rebuild a layer from ``get_config()`` output (used by ``load``)."""
        config = dict(config)
        if config.get("regularizer") is not None:
            config["regularizer"] = regularizers.from_config(config["regularizer"])
        return cls(**config, dtype=dtype)

    def penalty(self):
        """Regularization penalty of this layer's weights (0.0 when none)."""
        if self.regularizer is None or not self.params:
            return 0.0
        return self.regularizer.penalty(self.params["W"])

    # -------------------------------------------------------------- helpers
    @property
    def xp(self):
        """The array module (numpy or cupy) this layer's arrays live on."""
        return backend.module_for(self.device)

    def _set_param(self, name, host_array):
        """Store a parameter (drawn on the host) on this layer's device."""
        array = backend.to_device(host_array.astype(self.dtype, copy=False), self.device)
        self.params[name] = array
        self.grads[name] = self.xp.zeros_like(array)

    def _set_zeros(self, name, shape):
        """Store a zero-filled parameter (biases, BatchNorm's beta)."""
        self.params[name] = self.xp.zeros(shape, dtype=self.dtype)
        self.grads[name] = self.xp.zeros(shape, dtype=self.dtype)

    def _init_weight(self, rng, init, shape, fan_in, fan_out, activation):
        initializer = initializers.resolve(init, activation)
        return initializer(rng, shape, fan_in, fan_out, self.dtype)

    def num_params(self):
        """Number of scalars in ``self.params``."""
        return int(sum(p.size for p in self.params.values()))

    def to(self, device):
        """Move params, grads and buffers to 'numpy' or 'cupy' (in place)."""
        for store in (self.params, self.grads, self.buffers):
            for k in store:
                store[k] = backend.to_device(store[k], device)
        self.device = device
        self._cache = None
        return self

    def astype(self, dtype):
        """Cast params, grads and buffers to ``dtype`` (in place)."""
        dtype = backend.as_dtype(dtype)
        for store in (self.params, self.grads, self.buffers):
            for k in store:
                store[k] = store[k].astype(dtype)
        self.dtype = dtype
        self._cache = None
        return self

    def __repr__(self):
        # Show only the arguments that differ from the constructor's defaults.
        defaults = {name: p.default for name, p in
                    inspect.signature(type(self).__init__).parameters.items()}
        args = []
        for key, value in self.get_config().items():
            if isinstance(value, list):
                value = tuple(value)
            default = defaults.get(key, inspect.Parameter.empty)
            if value == default or (isinstance(default, int) and value == (default, default)):
                continue
            if key == "regularizer":
                value = regularizers.from_config(value)
            args.append(f"{key}={value!r}")
        return f"{type(self).__name__}({', '.join(args)})"

    # ------------------------------------------------------- input checking
    def _check_input(self, x, ndim=None, sizes=None, what="input", hint=None):
        """Raise a clear error when ``x`` is not what this layer takes.

        ``ndim``: required number of dimensions (batch included);
        ``sizes``: {axis: required size}.  Layers with parameters also
        require ``x.dtype`` to equal their own dtype (no silent upcasts).
        ``hint``: a likely fix, appended to a shape error.
        """
        if not hasattr(x, "shape") or not hasattr(x, "dtype"):
            raise TypeError(f"{self!r}: expected an array as {what}, got {type(x).__name__}")
        if x.dtype.kind != "f":
            raise TypeError(f"{self!r}: expected a floating-point {what}, got dtype {x.dtype}")
        if self.params and x.dtype != self.dtype:
            raise TypeError(
                f"{self!r}: expected {what} of dtype {self.dtype} (the layer's dtype), "
                f"got {x.dtype}; cast the data (x.astype('{self.dtype}')) or the layer "
                f"(layer.astype('{x.dtype}'))")
        if (ndim is not None and x.ndim != ndim) or any(x.shape[axis] != size
                                                        for axis, size in (sizes or {}).items()):
            hint = f" ({hint})" if hint and x.ndim != ndim else ""
            raise ValueError(f"{self!r}: expected {what} of shape {self._shape_text(ndim, sizes)}, "
                             f"got {tuple(x.shape)}{hint}")
        backend.array_module(x, *self.params.values())  # raises on mixed devices

    def _check_shape(self, input_shape, ndim=None, sizes=None, hint=None):
        """``_check_input`` for a per-sample shape (``output_shape``, ``summary``).

        ``ndim`` and ``sizes`` count the batch axis, as in ``_check_input``;
        sizes that are None (unknown) pass.
        """
        shape = (None, *input_shape)
        if (ndim is not None and len(shape) != ndim) or any(
                shape[axis] is not None and shape[axis] != size for axis, size in (sizes or {}).items()):
            hint = f" ({hint})" if hint and len(shape) != ndim else ""
            text = ", ".join("?" if d is None else str(d) for d in shape[1:])
            raise ValueError(f"{self!r}: expected input of shape {self._shape_text(ndim, sizes)}, "
                             f"got (N, {text}){hint}")

    @staticmethod
    def _shape_text(ndim, sizes):
        names = {2: "(N, D)", 4: "(N, C, H, W)"}
        if ndim is None:
            return "(N, ...)"
        parts = ["N"] + ["*"] * (ndim - 1)
        for axis, size in (sizes or {}).items():
            parts[axis] = str(size)
        return "(" + ", ".join(parts) + ")" if sizes else names.get(ndim, f"{ndim}-D")

    def _require_cache(self):
        if self._cache is None:
            raise RuntimeError(f"{self!r}: backward() called before forward()")
        return self._cache
