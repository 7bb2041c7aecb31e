"""Gradient checking: analytic backward vs central finite differences, in float64.

``gradcheck(layer, x)`` answers the learner's question "is my backward
right?".  It works on a float64 *copy* of the layer (float32 differences are
too noisy to trust: its rounding error ~1e-7 relative, divided by h, swamps
the derivative), draws a random upstream gradient ``g`` (never all ones: a
ones vector hides transposition and indexing bugs), and compares, for the
input and for every parameter separately,

    analytic:  d/dθ sum(g * layer(x))      from layer.backward(g)
               (+ the layer's weight penalty R(W), whose gradient backward adds)
    numeric:   (f(θ + h) - f(θ - h)) / 2h   for each element (mode="full")
               or along one random direction (mode="directional")

The error is ``max|a - n| / max(1e-8, max|a| + max|n|)``: the largest
absolute deviation relative to the tensor's scale.  With h = 1e-6 in float64 a
correct backward gives about 1e-9 or less; 1e-6 is the pass mark used in the
tests.  Losses are checked the same way (f = loss(pred, target), w.r.t. pred).

Limits: kinks (ReLU at 0, max-pool ties, |w| at 0 for L1) make the numeric
derivative meaningless there; draw inputs away from them.
"""
import copy

from . import backend
from .backend import np
from .losses import Loss

DEFAULT_STEP = 1e-6


def relative_error(analytic, numeric):
    """max|a - n| / max(1e-8, max|a| + max|n|) (0.0 for empty tensors)."""
    a, n = backend.to_host(analytic), backend.to_host(numeric)
    if a.size == 0:
        return 0.0
    scale = max(1e-8, float(np.abs(a).max()) + float(np.abs(n).max()))
    return float(np.abs(a - n).max()) / scale


def _float64_copy(obj):
    # A CuPy random Generator cannot be deep-copied (it holds a lock): the
    # copy shares it until _restart_rng gives the copy a stream of its own.
    rng = getattr(obj, "rng", None)
    clone = copy.deepcopy(obj, {id(rng): rng} if rng is not None else None)
    _restart_rng(clone)
    if hasattr(clone, "astype"):
        clone.astype("float64")
    return clone


def _restart_rng(layer):
    # Layers with randomness (Dropout) restart their stream from their seed
    # before every call, so they draw the same mask each time and the finite
    # differences see one fixed function.
    if hasattr(layer, "reseed"):
        layer.reseed(layer.seed)


def _numeric_full(f, array, h):
    """Central differences of scalar f() w.r.t. every element of ``array``."""
    xp = backend.array_module(array)
    grad = xp.zeros(array.shape, dtype=array.dtype)
    # Index element by element (not through reshape(-1), which silently
    # copies a non-contiguous array, so the perturbation would never reach it).
    for i in np.ndindex(*array.shape):
        old = float(array[i])
        array[i] = old + h
        plus = f()
        array[i] = old - h
        minus = f()
        array[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def _directional(f, array, analytic, h, rng):
    """Compare one random direction d: (f(θ+hd) - f(θ-hd))/2h vs <analytic, d>."""
    xp = backend.array_module(array)
    d = backend.to_device(rng.standard_normal(array.shape), backend.device_of(array))
    d /= float(xp.linalg.norm(d)) or 1.0
    old = array.copy()
    array += h * d
    plus = f()
    array[...] = old - h * d
    minus = f()
    array[...] = old
    numeric = (plus - minus) / (2 * h)
    predicted = float(xp.sum(analytic * d))
    return xp.asarray([predicted]), xp.asarray([numeric])


def gradcheck(obj, x, target=None, *, h=DEFAULT_STEP, seed=0, training=False,
              mode="full", params=True, verbose=False):
    """Check ``obj.backward`` (a Layer or a Loss) against finite differences.

    Shapes: ``x`` is whatever the layer takes, e.g. (N, C, H, W) for Conv2D;
    for a Loss, ``x`` is the prediction and ``target`` the labels/targets.

    Returns ``{tensor name: relative error}`` with ``"x"`` for the input and
    the parameter names (``"W"``, ``"b"``, ...).  ``mode="directional"``
    checks one random direction per tensor (fast on large tensors).

    >>> import tinynet as tn
    >>> errs = tn.gradcheck(tn.layers.Dense(3, 2), tn.backend.np.ones((4, 3)))
    >>> max(errs.values()) < 1e-6
    True
    """
    if mode not in ("full", "directional"):
        raise ValueError(f"gradcheck: mode must be 'full' or 'directional', got {mode!r}")
    rng = np.random.default_rng(seed)
    obj = _float64_copy(obj)
    device = getattr(obj, "device", backend.device_of(x))
    x = backend.to_device(backend.to_host(x).astype("float64"), device)
    is_loss = isinstance(obj, Loss)

    if is_loss:
        def f():
            return float(obj.forward(x, target))
        f()
        analytic = {"x": obj.backward()}
        tensors = {"x": x}
    else:
        y = obj.forward(x, training=training)
        g = backend.to_device(rng.standard_normal(y.shape), device)

        def f():
            _restart_rng(obj)
            out = obj.forward(x, training=training)
            # A regularizer's gradient is added in backward, so its penalty
            # (part of the loss, Keras semantics) belongs in f too.
            return float(backend.array_module(g).sum(g * out)) + float(obj.penalty())
        f()
        analytic = {"x": obj.backward(g)}
        analytic.update({k: v.copy() for k, v in obj.grads.items()} if params else {})
        tensors = {"x": x}
        tensors.update(obj.params if params else {})

    errors = {}
    for name, array in tensors.items():
        if mode == "full":
            numeric = _numeric_full(f, array, h)
            errors[name] = relative_error(analytic[name], numeric)
        else:
            a, n = _directional(f, array, analytic[name], h, rng)
            errors[name] = relative_error(a, n)
    if verbose:
        print(f"gradcheck {obj!r} ({mode}, h={h:g}, float64)")
        for name, err in errors.items():
            print(f"  d/d{name:<6} relative error {err:.2e}  {'ok' if err <= 1e-6 else 'CHECK'}")
    return errors
