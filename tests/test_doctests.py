"""The docstring examples in tinynet's core run and print what they say.

Oracle: the expected output written in each docstring (``doctest``).
``tinynet.data`` is left out: its examples download data sets.
"""
import doctest
import importlib
import pkgutil

import pytest

import tinynet

SKIP = ("tinynet.data", "tinynet.__main__")


def core_modules():
    names = ["tinynet"]
    for info in pkgutil.walk_packages(tinynet.__path__, "tinynet."):
        if not info.name.startswith(SKIP):
            names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", core_modules())
def test_docstring_examples(name):
    """Oracle: the expected output written under each example."""
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name):  # globals: a copy of the module's, as --doctest-modules
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"


def test_there_are_examples_to_run():
    """Guard: the parametrized test above is not vacuous."""
    finder = doctest.DocTestFinder(exclude_empty=True)
    count = sum(len(t.examples) for name in core_modules()
                for t in finder.find(importlib.import_module(name), name))
    assert count >= 8
