"""An error inside a layer, a learner's own included, keeps its file and line, and says which layer.

The learner's layer lives in its own file (written to a temporary folder and
imported from there), as it would in a learner's project.
"""
import importlib.util
import traceback

import numpy as np
import pytest

import tinynet as tn
from tinynet import layers as L

LEARNER_LAYER = '''\
from tinynet.layers import Layer


class Broken(Layer):
    def forward(self, x, training=False):
        self._cache = x
        if self.fail == "forward":
            return x @ x  # shapes (N, D) @ (N, D): the learner's mistake
        return x

    def backward(self, grad_out, need_input_grad=True):
        if self.fail == "backward":
            raise ZeroDivisionError("my backward is wrong")
        return grad_out


class Picky(Exception):
    def __init__(self, code, detail):
        super().__init__(f"{code}: {detail}")


class RaisesPicky(Layer):
    def forward(self, x, training=False):
        raise Picky(7, "custom exception")
'''


@pytest.fixture
def learner_module(tmp_path):
    path = tmp_path / "my_layers.py"
    path.write_text(LEARNER_LAYER)
    spec = importlib.util.spec_from_file_location("my_layers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, str(path)


def _line_of(text, needle):
    return next(i for i, line in enumerate(LEARNER_LAYER.splitlines(), 1) if needle in line)


def _model(module, fail):
    broken = module.Broken()
    broken.fail = fail
    return tn.Sequential([L.Dense(3, 3), broken, L.Dense(3, 2)], seed=0)


def test_forward_error_shows_the_learners_file_and_line_and_the_layer(learner_module):
    module, path = learner_module
    model = _model(module, "forward")
    x = np.ones((4, 3), "float32")
    with pytest.raises(ValueError) as info:
        model.forward(x)
    assert str(info.value).startswith("layer 1 of the model (Broken.forward): ")
    assert "matmul" in str(info.value)   # the original message is kept
    text = "".join(traceback.format_exception(info.value))
    assert f'File "{path}", line {_line_of(LEARNER_LAYER, "x @ x")}' in text
    assert "return x @ x" in text
    assert info.value.__cause__ is not None and info.value.__suppress_context__


def test_training_step_error_is_located_too(learner_module):
    """fit runs its own forward/backward loops (in training order); they locate errors the same way."""
    module, path = learner_module
    model = _model(module, "backward")
    X, y = np.ones((8, 3), "float32"), np.zeros(8, "int64")
    with pytest.raises(ZeroDivisionError, match=r"^layer 1 of the model \(Broken.backward\): "
                                                r"my backward is wrong") as info:
        model.fit(X, y, tn.losses.SoftmaxCrossEntropy(), tn.optim.SGD(0.1), verbose=0)
    text = "".join(traceback.format_exception(info.value))
    assert f'File "{path}", line {_line_of(LEARNER_LAYER, "my backward is wrong")}' in text


def test_backward_error_is_located(learner_module):
    module, path = learner_module
    model = _model(module, "backward")
    model.forward(np.ones((2, 3), "float32"))
    with pytest.raises(ZeroDivisionError, match="layer 1 of the model") as info:
        model.backward(np.ones((2, 2), "float32"))
    assert path in "".join(traceback.format_exception(info.value))


def test_an_exception_that_cannot_be_rebuilt_is_reraised_with_a_note(learner_module):
    module, path = learner_module
    model = tn.Sequential([L.Dense(3, 3), module.RaisesPicky()], seed=0)
    with pytest.raises(module.Picky) as info:
        model.forward(np.ones((2, 3), "float32"))
    assert str(info.value) == "7: custom exception"
    assert "layer 1 of the model (RaisesPicky.forward)" in getattr(info.value, "__notes__", [])
    assert path in "".join(traceback.format_exception(info.value))


def test_library_messages_that_name_the_layer_are_not_doubled():
    model = tn.Sequential([L.Dense(3, 4)], seed=0)
    with pytest.raises(ValueError, match=r"^layer 0 of the model: Dense\(") as info:
        model.forward(np.ones((2, 5), "float32"))
    assert "layers/base.py" in "".join(traceback.format_exception(info.value))
