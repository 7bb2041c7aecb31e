"""Argument checks shared by layers, optimizers, losses, callbacks and the model.

Every public argument is checked where it enters, and a bad one raises at
once with a message of one shape::

    <owner>: <argument> must be <what is expected>, got <the value given>

e.g. ``Conv2D: stride must be a positive int, got 1.5``.  Why here and not
inline: the same rules (an int is an int, a float is never truncated
silently, NumPy scalars count as numbers, a bool is not a number) then hold
for every class alike.

Errors: a value of the wrong *type* raises ``TypeError``, a value of the right
type outside its range raises ``ValueError``.
"""
import math
import numbers


def _describe(value):
    """``repr`` of a value, with the type named when the repr hides it ('8' vs 8)."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return text if isinstance(value, (int, float, str, type(None))) else f"{text} ({type(value).__name__})"


def _is_int(value):
    # numbers.Integral covers int and every NumPy integer; bool is excluded on
    # purpose (Dense(True, 3) is a bug, not a layer of width 1).
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def integer(value, name, owner, minimum=None):
    """``value`` as a Python int, refusing floats (2.7, even 2.0), strings, bools and None."""
    if not _is_int(value):
        expected = "an int" if minimum is None else _int_range_text(minimum)
        raise TypeError(f"{owner}: {name} must be {expected}, got {_describe(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{owner}: {name} must be {_int_range_text(minimum)}, got {value}")
    return value


def _int_range_text(minimum):
    return {0: "a non-negative int", 1: "a positive int"}.get(minimum, f"an int >= {minimum}")


def positive_int(value, name, owner):
    """An int >= 1 (sizes, strides, batch sizes)."""
    return integer(value, name, owner, minimum=1)


def non_negative_int(value, name, owner):
    """An int >= 0 (padding, epochs, patience)."""
    return integer(value, name, owner, minimum=0)


def int_pair(value, name, owner, minimum=1):
    """An int or a pair of ints (kernel sizes), as a tuple of two ints >= ``minimum``."""
    pair = (value, value) if _is_int(value) else value
    if not isinstance(pair, (tuple, list)) or len(pair) != 2 or not all(_is_int(v) for v in pair):
        raise TypeError(f"{owner}: {name} must be an int or a pair of ints, got {_describe(value)}")
    if min(pair) < minimum:
        raise ValueError(f"{owner}: {name} must be {_int_range_text(minimum)} (or a pair of them), "
                         f"got {value!r}")
    return (int(pair[0]), int(pair[1]))


def real(value, name, owner, low=None, high=None, low_open=False, high_open=False):
    """``value`` as a finite Python float in the given interval (bounds optional).

    ``low_open``/``high_open`` exclude that bound: ``real(p, 'p', 'Dropout', 0, 1,
    high_open=True)`` accepts [0, 1).  Strings ('0.5'), None, bools and NaN
    are refused rather than converted.
    """
    expected = _interval_text(low, high, low_open, high_open)
    if not _is_real(value):
        raise TypeError(f"{owner}: {name} must be {expected}, got {_describe(value)}")
    value = float(value)
    ok = math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        raise ValueError(f"{owner}: {name} must be {expected}, got {value!r}")
    return value


def _interval_text(low, high, low_open, high_open):
    if low is None and high is None:
        return "a finite number"
    if high is None:
        return f"a finite number {'>' if low_open else '>='} {low:g}"
    if low is None:
        return f"a finite number {'<' if high_open else '<='} {high:g}"
    return f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def boolean(value, name, owner):
    """A real bool (or NumPy bool); the string 'false' is not False."""
    if type(value).__name__ not in ("bool", "bool_"):
        raise TypeError(f"{owner}: {name} must be True or False, got {_describe(value)}")
    return bool(value)


def instance(value, cls, name, owner, example, methods=()):
    """``value`` must be an instance of ``cls``; a class passed instead of an instance is named.

    With ``methods``, any object that has them all (callable) passes too: a
    wrapper around an optimizer, say, is welcome.
    """
    if isinstance(value, cls):
        return value
    if methods and not isinstance(value, type) and all(
            callable(getattr(value, m, None)) for m in methods):
        return value
    if isinstance(value, type) and issubclass(value, cls):
        raise TypeError(f"{owner}: {name} must be an instance such as {example}, got the class "
                        f"{value.__name__} itself (call it: {value.__name__}(...))")
    duck = f" (or an object with {', '.join(methods)})" if methods else ""
    raise TypeError(f"{owner}: {name} must be a tinynet {cls.__name__} such as {example}{duck}, "
                    f"got {_describe(value)}")
