"""python -m tinynet.learn: every reference solution passes check; planted bugs fail naming the tensor."""
import os
import subprocess
import sys

import pytest

from tinynet.learn import EXERCISES, check_file
from tinynet.learn.__main__ import main

from learn_solutions import SOLUTIONS, solved

REQUIRED = {"dense", "conv2d", "maxpool2d", "batchnorm", "softmax_ce", "dropout", "adam"}


def _write(tmp_path, name, text):
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    return str(path)


def test_the_required_exercises_exist_and_have_solutions():
    assert REQUIRED <= set(EXERCISES)
    assert set(SOLUTIONS) == set(EXERCISES)


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_reference_solution_passes_check(tmp_path, name):
    ok, text = check_file(_write(tmp_path, name, solved(name)))
    assert ok, text
    assert "FAIL" not in text and text.count("PASS") >= 3


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_the_untouched_template_fails_saying_todo(tmp_path, name):
    ok, text = check_file(_write(tmp_path, name, EXERCISES[name].template_text()))
    assert not ok
    assert "not written yet (TODO" in text and "PASS" not in text.split("\n", 1)[1]


PLANTED = [
    # (exercise, (solution text, bug), the tensor the report must name)
    ("dense", ('self.grads["W"] = x.T @ grad_out', 'self.grads["W"] = grad_out.T @ x'),
     "dW: has shape (2, 4), expected (4, 2)"),                       # a missing transpose
    ("softmax_ce", ("return grad / n", "return grad"), "dz (dL/dlogits): differs"),  # forgotten 1/N
    ("conv2d", ('self.grads["b"][...] = db', 'self.grads["b"][...] = db / grad_out.shape[0]'),
     "db: differs"),                                                  # a 1/N where none belongs
    ("batchnorm", ("dxhat - dxhat.mean(axis=0) - xhat", "dxhat - xhat"), "dx: differs"),  # no path via mu
    ("maxpool2d", ("dx[n, c, i * s + p, j * s + q] += grad_out", "dx[n, c, i * s + p, j * s + q] = grad_out"),
     "dx: differs"),                                                  # overlapping windows overwrite
    ("adam", ("mhat = m / (1 - b1 ** t)", "mhat = m"), "param after step 1: differs"),  # no bias correction
    ("dropout", ("/ (1.0 - self.p)", ""), "y: with p=0.25, a kept element is scaled by 1"),
    ("relu", ("return grad_out * self._cache", "return grad_out"), "dx: differs"),
]


@pytest.mark.parametrize("name, bug, message", PLANTED, ids=[p[0] for p in PLANTED])
def test_a_planted_bug_fails_naming_the_tensor(tmp_path, name, bug, message):
    ok, text = check_file(_write(tmp_path, name, solved(name, bug)))
    assert not ok
    assert message in text, text
    assert "FAIL" in text


def test_a_failure_shows_a_tiny_input_and_the_learners_line(tmp_path):
    """The hypothesis search shrinks to the smallest case; an exception shows the learner's line."""
    _, text = check_file(_write(tmp_path, "softmax_ce", solved("softmax_ce", ("return grad / n", "return grad"))))
    assert "smallest failing case found: N=" in text and "z (logits) = [[" in text
    path = _write(tmp_path, "dense", solved("dense", ("return grad_out @ W.T", "return grad_out @ W")))
    _, text = check_file(path)
    assert f"{path}:" in text and "return grad_out @ W" in text
    assert "the shapes backward should produce: dx (3, 4), dW (4, 2), db (2,)" in text


def test_cli_list_start_check(tmp_path, capsys):
    assert main(["list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in EXERCISES)
    assert main(["start", "dense", "--dir", str(tmp_path)]) == 0
    written = tmp_path / "dense.py"
    assert written.read_text() == EXERCISES["dense"].template_text()
    written.write_text(solved("dense"))
    assert main(["start", "dense", "--dir", str(tmp_path)]) == 1     # never overwrites work
    assert written.read_text() == solved("dense")
    assert main(["start", "nonsense", "--dir", str(tmp_path)]) == 2
    assert main(["check", str(written)]) == 0
    assert "4 of 4 checks passed" in capsys.readouterr().out
    other = tmp_path / "mine.py"
    other.write_text("x = 1\n")
    assert main(["check", str(other)]) == 2                           # for no known exercise


def test_cli_exit_status_as_a_program(tmp_path):
    bad = _write(tmp_path, "softmax_ce", solved("softmax_ce", ("return grad / n", "return grad")))
    result = subprocess.run([sys.executable, "-m", "tinynet.learn", "check", bad],
                            capture_output=True, text=True, env=dict(os.environ))
    assert result.returncode == 1 and "dz (dL/dlogits)" in result.stdout
