"""The README's Python examples run as written (the public API is a contract).

Oracle: each block runs without error against the real library, and the
tour's results have the types and keys the README promises.  The data
loaders are swapped for a small slice of real-shaped data and every `fit`
is capped at one epoch, so the test takes seconds.
"""
import re
from pathlib import Path

import numpy as np
import pytest

import tinynet as tn

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def _fake_mnist(flatten=True, validation=0, seed=0, **_):
    rng = np.random.default_rng(seed)
    shape = (784,) if flatten else (1, 28, 28)

    def part(n):
        return rng.random((n, *shape), dtype=np.float32), rng.integers(0, 10, n)

    parts = [part(256)] + ([part(64)] if validation else []) + [part(64)]
    return tuple(parts)


@pytest.fixture
def small_data(monkeypatch, tmp_path):
    monkeypatch.setattr(tn.data, "load_mnist", _fake_mnist)
    monkeypatch.setattr(tn.data, "load_fashion_mnist", _fake_mnist)
    monkeypatch.setenv("TINYNET_MAX_EPOCHS", "1")
    monkeypatch.chdir(tmp_path)          # the tour saves net.npz in the current folder


def test_readme_has_python_examples():
    assert len(python_blocks()) >= 3


def test_tour_runs_as_written(small_data):
    tour = python_blocks()[0]
    assert "model.fit(" in tour and "tn.load(" in tour
    namespace = {}
    exec(compile(tour, "README.md (tour)", "exec"), namespace)
    hist, model, model2 = namespace["hist"], namespace["model"], namespace["model2"]
    assert set(hist.history) >= {"loss", "accuracy", "val_loss", "val_accuracy", "epoch_time"}
    X_test = namespace["X_test"]
    np.testing.assert_array_equal(model.predict(X_test), model2.predict(X_test))
    scores = model.evaluate(X_test, namespace["y_test"], loss=namespace["loss"])
    assert set(scores) == {"loss", "accuracy"}


def test_gradcheck_example_runs_and_passes():
    block = next(b for b in python_blocks() if "tn.gradcheck(" in b)
    namespace = {"tn": tn, "L": tn.layers}
    exec(compile(block, "README.md (gradcheck)", "exec"), namespace)
    errors = namespace["errors"]
    assert set(errors) == {"x", "W", "b"} and max(errors.values()) < 1e-6
