"""Weight initializers: He (Kaiming) and Glorot (Xavier), uniform and normal.

Each initializer draws on the *host* from a NumPy Generator that the model
owns, so a seed gives the same weights on every backend.  Shapes follow the
layer: Dense ``W: (in, out)``; Conv2D ``W: (out, in, kh, kw)`` with
fan_in = in*kh*kw and fan_out = out*kh*kw (PyTorch's convention).

Variance targets (Glorot & Bengio 2010; He et al. 2015):

* He:     Var(W) = gain^2 / fan_in,             gain = sqrt(2) for ReLU
* Glorot: Var(W) = gain^2 * 2 / (fan_in + fan_out)

A uniform U(-a, a) has variance a^2/3, hence a = sqrt(3 * Var).

``init="auto"`` (the default of Dense and Conv2D) picks He for the ReLU family
and Glorot for tanh, sigmoid or no activation.
"""
import math

RELU_FAMILY = ("relu", "leaky_relu", "elu")


def calculate_gain(activation, negative_slope=0.01):
    """The gain that keeps activations' variance stable (PyTorch's table)."""
    if activation in ("relu", "elu"):
        return math.sqrt(2.0)
    if activation == "leaky_relu":
        return math.sqrt(2.0 / (1.0 + negative_slope ** 2))
    if activation == "tanh":
        return 5.0 / 3.0
    return 1.0  # sigmoid, linear, softmax output


def he_uniform(rng, shape, fan_in, fan_out, dtype, gain=math.sqrt(2.0)):
    limit = gain * math.sqrt(3.0 / fan_in)
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def he_normal(rng, shape, fan_in, fan_out, dtype, gain=math.sqrt(2.0)):
    std = gain / math.sqrt(fan_in)
    return (rng.standard_normal(size=shape) * std).astype(dtype)


def glorot_uniform(rng, shape, fan_in, fan_out, dtype, gain=1.0):
    limit = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def glorot_normal(rng, shape, fan_in, fan_out, dtype, gain=1.0):
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return (rng.standard_normal(size=shape) * std).astype(dtype)


INITIALIZERS = {
    "he_uniform": he_uniform,
    "he_normal": he_normal,
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
}


def resolve(name, activation=None):
    """Map an init name ('auto', 'he_uniform', ...) to a function."""
    if name in (None, "auto"):
        return he_uniform if activation in RELU_FAMILY else glorot_uniform
    try:
        return INITIALIZERS[name]
    except KeyError:
        raise ValueError(f"tinynet: unknown initializer {name!r}; expected 'auto' or one of "
                         f"{sorted(INITIALIZERS)}") from None
