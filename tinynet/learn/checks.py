"""What the checks are made of: problems, comparisons, calling the learner's code.

A check is a function returning a list of *problems* (empty: passed).  A
problem names the tensor that is wrong (y, dx, dW, ...), says by how much
(the largest absolute error and gradcheck's relative error), where (the
index), and on which input (shown in full when it is tiny).  Reference
values are never printed: the report says what is wrong, not what is right.

Exceptions raised by the learner's code are problems too, reported with the
learner's file and line.
"""
import importlib.util
import os
import sys
import traceback

from ..backend import np
from ..gradcheck import relative_error

#: a tensor passes when gradcheck's relative error is at most this (float64)
TOL = 1e-6


class Problem:
    """One thing wrong: ``tensor`` (or a phase), and a ``text`` saying what."""

    def __init__(self, tensor, text):
        self.tensor, self.text = tensor, text

    def __str__(self):
        return f"{self.tensor}: {self.text}"


class LearnerError(Exception):
    """The learner's code raised; ``problem`` says where."""

    def __init__(self, problem):
        super().__init__(str(problem))
        self.problem = problem


def call_learner(phase, fn, *args, **kwargs):
    """``fn(*args)``, turning an exception from the learner's code into a LearnerError."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as exc:
        raise LearnerError(Problem(phase, f"not written yet ({exc or 'TODO'})")) from exc
    except LearnerError:
        raise
    except Exception as exc:
        raise LearnerError(Problem(phase, f"raised {type(exc).__name__}: {exc}"
                                   f"{_where(exc)}")) from exc


def _where(exc):
    """' (at FILE:LINE)' for the innermost frame outside tinynet, if any."""
    frames = traceback.extract_tb(exc.__traceback__)
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    mine = [f for f in frames if not os.path.abspath(f.filename).startswith(package)]
    if not mine:
        return ""
    f = mine[-1]
    return f" (at {f.filename}:{f.lineno}: {f.line})"


def show(name, array):
    """``name = [...]`` for tiny arrays, ``name: shape (...)`` otherwise."""
    array = np.asarray(array)
    if array.size <= 24:
        text = np.array2string(array, precision=4, separator=", ")
        return f"{name} = {' '.join(text.split())}  (shape {tuple(array.shape)})"
    return f"{name}: shape {tuple(array.shape)}"


def compare(tensor, got, want, inputs=(), tol=TOL):
    """Problems if ``got`` (the learner's) is not ``want`` (the reference), by shape or value.

    ``inputs``: (name, array) pairs shown with a failure, so the learner can
    reproduce it.
    """
    if got is None:
        return [Problem(tensor, "is None (did you return it / write it?)")]
    got = np.asarray(got)
    want = np.asarray(want)
    if got.shape != want.shape:
        return [Problem(tensor, f"has shape {got.shape}, expected {want.shape}"
                        + _inputs_text(inputs))]
    if not np.all(np.isfinite(got)):
        return [Problem(tensor, "contains NaN or inf" + _inputs_text(inputs))]
    err = relative_error(got, want)
    if err <= tol:
        return []
    diff = np.abs(got.astype(np.float64) - want)
    at = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
    at = tuple(int(i) for i in at)
    return [Problem(tensor, f"differs from the reference: max abs error {float(diff.max()):.3g} "
                            f"at index {at}, relative error {err:.2e} (pass mark {tol:g})"
                    + _inputs_text(inputs))]


def _inputs_text(inputs):
    if not inputs:
        return ""
    return "\n      on: " + "\n          ".join(show(n, a) for n, a in inputs)


def load_exercise_file(path):
    """Import the learner's file as a fresh module; returns it."""
    path = os.path.abspath(os.fspath(path))
    if not os.path.isfile(path):
        raise FileNotFoundError(f"tinynet.learn: no such file: {path}")
    name = "tinynet_learner_" + os.path.splitext(os.path.basename(path))[0].replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module   # deepcopy/pickling of the learner's classes find them here
    spec.loader.exec_module(module)
    return module
