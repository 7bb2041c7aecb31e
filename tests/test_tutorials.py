"""The tutorials in docs/tutorials run, as plain scripts, at a small size, and make their figures.

Each runs in a fresh interpreter (as a learner runs it) with
TINYNET_TUTORIAL_SMALL=1 (smaller data, fewer steps) and TINYNET_FIGURES
pointing at a temporary folder, so nothing is written into the repository.
They are also read with jupytext, to check they open as notebooks.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

TUTORIALS = Path(__file__).resolve().parents[1] / "docs" / "tutorials"
FILES = sorted(TUTORIALS.glob("[0-9][0-9]_*.py"))


def test_the_nine_tutorials_are_there_in_order():
    assert [p.name[:2] for p in FILES] == [f"{i:02d}" for i in range(1, 10)]


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_tutorial_runs_and_makes_its_figures(path, tmp_path):
    figures = tmp_path / "figures"
    env = dict(os.environ, TINYNET_TUTORIAL_SMALL="1", TINYNET_FIGURES=str(figures),
               MPLBACKEND="Agg", TINYNET_NUM_THREADS="1")
    result = subprocess.run([sys.executable, str(path)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    made = sorted(p.name for p in figures.glob("*.png"))
    assert made and all(name.startswith(path.name[:2]) for name in made), made
    assert not list(tmp_path.glob("*.png"))   # figures go to TINYNET_FIGURES only
    if path.name.startswith("09"):            # the GPU tutorial says where it ran
        assert ("No GPU (or no CuPy) here: running the same code on the CPU" in result.stdout
                or "GPU found: running on CuPy" in result.stdout)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_tutorial_opens_as_a_notebook(path):
    jupytext = pytest.importorskip("jupytext")
    notebook = jupytext.read(path)
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds[0] == "markdown" and kinds.count("code") >= 3, kinds
    assert notebook.cells[0].source.startswith("# ")      # a title
