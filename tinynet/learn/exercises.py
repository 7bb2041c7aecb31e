"""The exercises: what each one asks for and what it is checked against.

Layer exercises (dense, conv2d, maxpool2d, batchnorm, relu, sigmoid) run the
same four checks, on float64 inputs with random parameters:

1. forward: y against the reference on a small fixed case;
2. backward: dx and every parameter's gradient (dW, db, ...) against the reference;
3. finite differences: ``tinynet.gradcheck`` on the learner's layer alone;
4. a hypothesis search over random small shapes (and strides, paddings ...):
   the smallest case on which anything differs.

References: the loop kernels of ``tinynet/kernels/naive.py`` (conv2d,
maxpool2d) or tinynet's own layers (dense, batchnorm, activations, losses,
Adam), always fed the learner layer's own parameters.  softmax_ce, dropout
and adam have checks of their own (a loss value, a random mask, optimizer steps).
"""
import os

from .. import layers as L
from .. import losses, optim
from ..backend import np
from ..gradcheck import gradcheck
from ..kernels import naive
from .checks import TOL, LearnerError, Problem, call_learner, compare, show

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")


def _hypothesis():
    try:
        import hypothesis  # noqa: F401
        return True
    except ImportError:
        return False


def _describe(case):
    return ", ".join(f"{k}={v}" for k, v in case.items() if k != "seed")


def _search(cases, run, examples):
    """Problems on the smallest case (hypothesis shrinks) for which ``run(case)`` finds any."""
    from hypothesis import HealthCheck, Verbosity, given, settings
    found = []

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              verbosity=Verbosity.quiet, suppress_health_check=list(HealthCheck))
    @given(cases)
    def search(case):
        try:
            problems = run(case)
        except LearnerError as exc:
            problems = [exc.problem]
        if problems:
            found.append((case, problems))
            raise AssertionError(problems[0])

    try:
        search()
    except Exception:
        if not found:
            raise
    if not found:
        return []
    case, problems = found[-1]   # hypothesis replays the shrunk example last
    return [Problem(p.tensor, f"{p.text}\n      smallest failing case found: {_describe(case)}")
            for p in problems[:1]]


class Exercise:
    """Base: a name, a one-line title, a template file and a list of checks."""

    name = title = class_name = None

    def template_path(self):
        return os.path.join(TEMPLATES, f"{self.name}.py.txt")

    def template_text(self):
        with open(self.template_path(), encoding="utf-8") as f:
            return f.read()

    def learner_class(self, module):
        cls = getattr(module, self.class_name, None)
        if cls is None:
            raise LearnerError(Problem("import", f"the file defines no class {self.class_name!r}"))
        return cls

    def checks(self):
        raise NotImplementedError


# --------------------------------------------------------------- layers
class LayerExercise(Exercise):
    """A layer checked against a reference forward/backward on the same parameters."""

    training = True
    examples = 25

    def __init__(self, name, title, class_name, fixed_case, cases, ctor, draw_x,
                 reference, draw_params=None, extra_checks=()):
        self.name, self.title, self.class_name = name, title, class_name
        self.fixed_case, self._cases, self.ctor, self.draw_x = fixed_case, cases, ctor, draw_x
        self.reference = reference        # (params, x, case) -> (y, backward(g) -> {dx, dW, ...})
        self.draw_params = draw_params or (lambda name, shape, rng: rng.standard_normal(shape))
        self.extra_checks = list(extra_checks)

    def build(self, module, case):
        """The learner's layer for ``case``, float64, with random parameters; and its rng."""
        cls = self.learner_class(module)
        rng = np.random.default_rng(case["seed"])
        layer = call_learner("__init__", cls, **self.ctor(case), dtype="float64")
        for name, p in getattr(layer, "params", {}).items():
            p[...] = self.draw_params(name, p.shape, rng)
        return layer, rng

    def run(self, module, case, parts=("y", "grads")):
        layer, rng = self.build(module, case)
        params = {k: v.copy() for k, v in layer.params.items()}
        x = self.draw_x(case, rng)
        y_ref, ref_backward = self.reference(params, x.copy(), case)
        g = rng.standard_normal(y_ref.shape)
        inputs = [("x", x)] + sorted(params.items())
        y = call_learner("forward", layer.forward, x.copy(), training=self.training)
        problems = compare("y", y, y_ref, inputs) if "y" in parts else []
        if "grads" not in parts:
            return problems
        want = ref_backward(g)
        try:
            dx = call_learner("backward", layer.backward, g.copy())
        except LearnerError as exc:
            shapes = ", ".join(f"{k} {tuple(np.shape(v))}" for k, v in want.items())
            exc.problem.text += f"\n      the shapes backward should produce: {shapes}"
            raise
        inputs = inputs + [("g = dL/dy", g)]
        problems += compare("dx", dx, want["dx"], inputs)
        for name in sorted(params):
            problems += compare(f"d{name}", layer.grads.get(name), want[f"d{name}"], inputs)
        return problems

    def finite_differences(self, module):
        layer, rng = self.build(module, self.fixed_case)
        x = self.draw_x(self.fixed_case, rng)
        errors = call_learner("gradcheck", gradcheck, layer, x, training=self.training)
        return [Problem("dx" if k == "x" else f"d{k}",
                        f"your backward vs finite differences of your forward: relative error "
                        f"{e:.2e} (pass mark {TOL:g})\n      on: {show('x', x)}")
                for k, e in errors.items() if not e <= TOL]

    def search(self, module):
        if not _hypothesis():
            return [Problem("search", "skipped: needs hypothesis (pip install hypothesis)")]
        return _search(self._cases(), lambda case: self.run(module, case), self.examples)

    def checks(self):
        case = _describe(self.fixed_case)
        return [(f"forward: y matches the reference ({case})",
                 lambda m: self.run(m, self.fixed_case, parts=("y",))),
                ("backward: dx and the parameter gradients match the reference",
                 lambda m: self.run(m, self.fixed_case)),
                ("finite differences (tinynet.gradcheck, float64)", self.finite_differences),
                (f"hypothesis search: {self.examples} random small cases", self.search),
                *[(title, lambda m, fn=fn: fn(self, m)) for title, fn in self.extra_checks]]


def _library_reference(layer_cls, ctor, training=True):
    """Reference = tinynet's own layer, given the learner's parameters."""
    def reference(params, x, case):
        layer = layer_cls(**ctor(case), dtype="float64")
        for k, v in params.items():
            layer.params[k][...] = v
        y = layer.forward(x, training=training)

        def backward(g):
            dx = layer.backward(g)
            return {"dx": dx, **{f"d{k}": layer.grads[k] for k in params}}
        return np.array(y), backward
    return reference


def _strategies():
    from hypothesis import strategies as st
    return st


def _normal(shape_of):
    return lambda case, rng: rng.standard_normal(shape_of(case))


# dense -------------------------------------------------------------------
def _dense_ctor(case):
    return {"in_features": case["D"], "out_features": case["M"]}


def _dense_cases():
    st = _strategies()
    return st.fixed_dictionaries({"N": st.integers(1, 4), "D": st.integers(1, 4),
                                  "M": st.integers(1, 4), "seed": st.integers(0, 2**16)})


DENSE = LayerExercise(
    "dense", "fully connected layer y = x W + b", "Dense",
    {"N": 3, "D": 4, "M": 2, "seed": 0}, _dense_cases, _dense_ctor,
    _normal(lambda c: (c["N"], c["D"])), _library_reference(L.Dense, _dense_ctor))


# conv2d ------------------------------------------------------------------
def _conv_ctor(case):
    return {"in_channels": case["C"], "out_channels": case["F"], "kernel_size": case["k"],
            "stride": case["stride"], "padding": case["pad"]}


def _conv_reference(params, x, case):
    y, cache = naive.conv2d_forward_naive(x, params["W"], params["b"], case["stride"], case["pad"])

    def backward(g):
        dx, dW, db = naive.conv2d_backward_naive(g, cache)
        return {"dx": dx, "dW": dW, "db": db}
    return y, backward


def _conv_cases():
    st = _strategies()

    @st.composite
    def cases(draw):
        k, stride, pad = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(0, 1))
        return {"N": draw(st.integers(1, 2)), "C": draw(st.integers(1, 2)),
                "H": draw(st.integers(max(1, k - 2 * pad), 5)),
                "W": draw(st.integers(max(1, k - 2 * pad), 5)),
                "F": draw(st.integers(1, 2)), "k": k, "stride": stride, "pad": pad,
                "seed": draw(st.integers(0, 2**16))}
    return cases()


CONV2D = LayerExercise(
    "conv2d", "2-D convolution (loops or im2col, your choice)", "Conv2D",
    {"N": 2, "C": 2, "H": 5, "W": 4, "F": 3, "k": 3, "stride": 2, "pad": 1, "seed": 0},
    _conv_cases, _conv_ctor, _normal(lambda c: (c["N"], c["C"], c["H"], c["W"])), _conv_reference)


# maxpool2d ---------------------------------------------------------------
def _distinct(case, rng):
    """No ties, neighbours 0.01 apart: finite differences are well defined."""
    shape = (case["N"], case["C"], case["H"], case["W"])
    size = int(np.prod(shape))
    return rng.permutation((np.arange(size) - size / 2.0) * 0.01).reshape(shape)


def _pool_ctor(case):
    return {"kernel_size": case["k"], "stride": case["stride"]}


def _pool_reference(params, x, case):
    y, cache = naive.maxpool_forward_naive(x, case["k"], case["k"], case["stride"])
    return y, lambda g: {"dx": naive.maxpool_backward_naive(g, cache)}


def _pool_cases():
    st = _strategies()

    @st.composite
    def cases(draw):
        k = draw(st.integers(1, 3))
        return {"N": draw(st.integers(1, 2)), "C": draw(st.integers(1, 2)),
                "H": draw(st.integers(k, 6)), "W": draw(st.integers(k, 6)), "k": k,
                "stride": draw(st.integers(1, 3)), "seed": draw(st.integers(0, 2**16))}
    return cases()


def _pool_ties(exercise, module):
    """All-equal and few-valued inputs: each window's gradient goes to its first maximum."""
    problems = []
    for case, levels in (({"N": 1, "C": 1, "H": 4, "W": 4, "k": 2, "stride": 2, "seed": 0}, 1),
                         ({"N": 1, "C": 2, "H": 5, "W": 5, "k": 3, "stride": 1, "seed": 1}, 2)):
        tied = lambda c, rng, levels=levels: rng.integers(0, levels, (c["N"], c["C"], c["H"], c["W"])) * 1.0
        exercise_with_ties = LayerExercise(
            exercise.name, exercise.title, exercise.class_name, case, None, _pool_ctor, tied,
            _pool_reference)
        problems += exercise_with_ties.run(module, case)
        if problems:
            problems[0].text += ("\n      (tie rule: the FIRST maximum in row-major window order "
                                 "gets the whole gradient, the other tied elements get 0)")
            return problems
    return problems


MAXPOOL2D = LayerExercise(
    "maxpool2d", "max pooling and its tie rule", "MaxPool2D",
    {"N": 2, "C": 2, "H": 4, "W": 5, "k": 2, "stride": 2, "seed": 0},
    _pool_cases, _pool_ctor, _distinct, _pool_reference,
    extra_checks=[("ties: each window's gradient goes to its first maximum", _pool_ties)])


# batchnorm ---------------------------------------------------------------
def _bn_ctor(case):
    return {"num_features": case["D"]}


def _bn_cases():
    st = _strategies()
    return st.fixed_dictionaries({"N": st.integers(2, 5), "D": st.integers(1, 3),
                                  "seed": st.integers(0, 2**16)})


BATCHNORM = LayerExercise(
    "batchnorm", "batch normalization (training mode), backward through mu and var", "BatchNorm",
    {"N": 4, "D": 3, "seed": 0}, _bn_cases, _bn_ctor, _normal(lambda c: (c["N"], c["D"])),
    _library_reference(L.BatchNorm, _bn_ctor),
    draw_params=lambda name, shape, rng: (1.0 if name == "gamma" else 0.0) + 0.5 * rng.standard_normal(shape))


# activations --------------------------------------------------------------
def _act_cases():
    st = _strategies()
    return st.fixed_dictionaries({"N": st.integers(1, 4), "D": st.integers(1, 4),
                                  "seed": st.integers(0, 2**16)})


def _away_from_zero(case, rng):
    z = rng.standard_normal((case["N"], case["D"]))
    return np.where(z >= 0, 0.05 + z, -0.05 + z)   # ReLU's kink at 0 stays out of reach


RELU = LayerExercise(
    "relu", "ReLU, the simplest backward", "ReLU", {"N": 3, "D": 4, "seed": 0}, _act_cases,
    lambda case: {}, _away_from_zero, _library_reference(L.ReLU, lambda case: {}))

SIGMOID = LayerExercise(
    "sigmoid", "sigmoid, backward from the output", "Sigmoid", {"N": 3, "D": 4, "seed": 0},
    _act_cases, lambda case: {}, _normal(lambda c: (c["N"], c["D"])),
    _library_reference(L.Sigmoid, lambda case: {}))


# softmax cross-entropy ------------------------------------------------------
class LossExercise(Exercise):
    """A loss: the value and dL/dz against tinynet's loss, finite differences, a search."""

    examples = 25

    def __init__(self, name, title, class_name, reference_cls):
        self.name, self.title, self.class_name = name, title, class_name
        self.reference_cls = reference_cls
        self.fixed_case = {"N": 3, "C": 4, "scale": 1.0, "seed": 0}

    def data(self, case):
        rng = np.random.default_rng(case["seed"])
        z = case["scale"] * rng.standard_normal((case["N"], case["C"]))
        return z, rng.integers(0, case["C"], case["N"])

    def run(self, module, case, parts=("L", "dz")):
        z, y = self.data(case)
        loss = call_learner("__init__", self.learner_class(module))
        ref = self.reference_cls()
        want_L = float(ref.forward(z.copy(), y))
        want_dz = ref.backward()
        inputs = [("z (logits)", z), ("y (labels)", y)]
        got_L = call_learner("forward", loss.forward, z.copy(), y)
        problems = compare("L", np.asarray(got_L, dtype=np.float64).reshape(()), np.asarray(want_L), inputs)
        if "dz" in parts:
            problems += compare("dz (dL/dlogits)", call_learner("backward", loss.backward), want_dz, inputs)
        return problems

    def finite_differences(self, module):
        z, y = self.data(self.fixed_case)
        loss = call_learner("__init__", self.learner_class(module))
        errors = call_learner("gradcheck", gradcheck, loss, z, y)
        return [Problem("dz (dL/dlogits)", f"your backward vs finite differences of your forward: "
                        f"relative error {e:.2e} (pass mark {TOL:g})\n      on: {show('z', z)}")
                for e in errors.values() if not e <= TOL]

    def cases(self):
        st = _strategies()
        return st.fixed_dictionaries({"N": st.integers(1, 4), "C": st.integers(1, 4),
                                      "scale": st.sampled_from([1.0, 10.0, 1000.0]),
                                      "seed": st.integers(0, 2**16)})

    def search(self, module):
        if not _hypothesis():
            return [Problem("search", "skipped: needs hypothesis (pip install hypothesis)")]
        return _search(self.cases(), lambda case: self.run(module, case), self.examples)

    def checks(self):
        big = dict(self.fixed_case, scale=1000.0)
        return [("forward: the loss value L matches the reference",
                 lambda m: self.run(m, self.fixed_case, parts=("L",))),
                ("backward: dL/dz matches the reference", lambda m: self.run(m, self.fixed_case)),
                ("large logits (|z| ~ 1000): L and dL/dz finite and right (log-sum-exp)",
                 lambda m: self.run(m, big)),
                ("finite differences (tinynet.gradcheck, float64)", self.finite_differences),
                (f"hypothesis search: {self.examples} random small cases", self.search)]


SOFTMAX_CE = LossExercise("softmax_ce", "softmax cross-entropy on logits, gradient (p - onehot)/N",
                          "SoftmaxCrossEntropy", losses.SoftmaxCrossEntropy)


# dropout ---------------------------------------------------------------------
class DropoutExercise(Exercise):
    """Inverted dropout: a random mask, so checked by its properties, not against values."""

    name, title, class_name = "dropout", "inverted dropout (scale 1/(1-p) at training)", "Dropout"

    def build(self, module, p, seed=0):
        return call_learner("__init__", self.learner_class(module), p=p, dtype="float64", seed=seed)

    def inference(self, module):
        layer = self.build(module, 0.5)
        x = np.random.default_rng(0).standard_normal((3, 4))
        y = call_learner("forward", layer.forward, x.copy(), training=False)
        problems = compare("y (training=False)", y, x, [("x", x)])
        g = np.random.default_rng(1).standard_normal((3, 4))
        problems += compare("dx (training=False)", call_learner("backward", layer.backward, g), g, [("g", g)])
        return problems

    def mask(self, module):
        problems = []
        for p in (0.25, 0.5, 0.8):
            layer = self.build(module, p)
            x = np.random.default_rng(2).uniform(1, 2, (100, 200))   # no zeros: y/x is the mask
            y = np.asarray(call_learner("forward", layer.forward, x.copy(), training=True))
            if y.shape != x.shape:
                return [Problem("y", f"has shape {y.shape}, expected {x.shape}")]
            m = y / x
            kept = np.abs(m) > 0
            if not np.allclose(m[kept], 1.0 / (1.0 - p), rtol=1e-12, atol=0):
                bad = float(m[kept][np.argmax(np.abs(m[kept] - 1 / (1 - p)))])
                problems.append(Problem("y", f"with p={p}, a kept element is scaled by {bad:.4g}; "
                                             f"inverted dropout keeps E[y] = x"))
                continue
            frac, n = 1.0 - kept.mean(), x.size
            sigma = (p * (1 - p) / n) ** 0.5
            if abs(frac - p) > 5 * sigma:
                problems.append(Problem("y", f"with p={p}, {frac:.3f} of the elements were "
                                             f"dropped (expected about {p})"))
            g = np.random.default_rng(3).standard_normal(x.shape)
            dx = call_learner("backward", layer.backward, g.copy())
            problems += compare(f"dx (p={p})", dx, g * m, [])
        return problems

    def finite_differences(self, module):
        layer = self.build(module, 0.5, seed=3)
        if not hasattr(layer, "reseed"):
            return [Problem("reseed", "the layer needs the template's reseed(seed) method")]
        x = np.random.default_rng(0).standard_normal((3, 4))
        errors = call_learner("gradcheck", gradcheck, layer, x, training=True)
        return [Problem("dx", f"your backward vs finite differences: relative error {e:.2e}")
                for e in errors.values() if not e <= TOL]

    def checks(self):
        return [("inference (training=False): y = x and dx = g", self.inference),
                ("training: each y is 0 or x/(1-p), about a fraction p dropped, dx = g * mask",
                 self.mask),
                ("finite differences with a fixed mask (tinynet.gradcheck)", self.finite_differences)]


DROPOUT = DropoutExercise()


# adam ------------------------------------------------------------------------
class AdamExercise(Exercise):
    """Adam's update, step by step, against tinynet.optim.Adam."""

    name, title, class_name = "adam", "Adam with bias correction", "Adam"
    examples = 25

    def run(self, module, case):
        rng = np.random.default_rng(case["seed"])
        kwargs = {"lr": case["lr"], "betas": (case["b1"], case["b2"]), "eps": 1e-8}
        mine = call_learner("__init__", self.learner_class(module), **kwargs)
        ref = optim.Adam(**kwargs)
        p0 = rng.standard_normal(case["shape"])
        p_mine, p_ref = p0.copy(), p0.copy()
        for t in range(1, case["steps"] + 1):
            g = rng.standard_normal(case["shape"]) * 10.0 ** rng.uniform(-3, 1)
            call_learner("step", mine.step, [("p", p_mine, g.copy())])
            ref.step([("p", p_ref, g.copy())])
            problems = compare(f"param after step {t}", p_mine, p_ref,
                               [("param before step 1", p0), (f"grad at step {t}", g)])
            if problems:
                problems[0].text += (f"\n      (lr={case['lr']}, betas=({case['b1']}, {case['b2']}),"
                                     f" eps=1e-8)")
                return problems
        return []

    def cases(self):
        st = _strategies()
        return st.fixed_dictionaries({
            "shape": st.sampled_from([(1,), (3,), (2, 2)]), "steps": st.integers(1, 6),
            "lr": st.sampled_from([1e-3, 0.1]), "b1": st.sampled_from([0.0, 0.5, 0.9]),
            "b2": st.sampled_from([0.9, 0.999]), "seed": st.integers(0, 2**16)})

    def search(self, module):
        if not _hypothesis():
            return [Problem("search", "skipped: needs hypothesis (pip install hypothesis)")]
        return _search(self.cases(), lambda case: self.run(module, case), self.examples)

    def checks(self):
        base = {"shape": (2, 3), "lr": 0.01, "b1": 0.9, "b2": 0.999, "seed": 0}
        return [("the first step (where bias correction matters most)",
                 lambda m: self.run(m, dict(base, steps=1))),
                ("ten steps", lambda m: self.run(m, dict(base, steps=10))),
                (f"hypothesis search: {self.examples} random cases (lr, betas, steps)", self.search)]


ADAM = AdamExercise()

EXERCISES = {ex.name: ex for ex in (DENSE, RELU, SIGMOID, SOFTMAX_CE, CONV2D, MAXPOOL2D,
                                     BATCHNORM, DROPOUT, ADAM)}
