"""Exercises: write a layer's forward and backward yourself, then check them.

    python -m tinynet.learn list                     # the exercises
    python -m tinynet.learn start dense [--dir DIR]  # writes dense.py: the layer with TODOs
    python -m tinynet.learn check dense.py           # runs the checks on your file

``start`` writes a copy of a tinynet layer (or loss, or optimizer) whose
forward/backward bodies are TODOs, keeping the shapes and the derivation
hints.  ``check`` compares your code with the reference kernels
(``tinynet/kernels/naive.py``, tinynet's own layers), with finite differences
(``tinynet.gradcheck``) and with a hypothesis search over random small
shapes; for each check it says what passed and, on failure, which tensor
(y, dx, dW, db, ...) is wrong, the largest error, and the smallest input that
shows it.  It never prints the solution.

Modules: exercises (what each exercise is and what it is checked against),
checks (problems, comparisons, calling the learner's code), run (running an
exercise's checks on a file, the report), __main__ (the command line);
templates/ holds the files ``start`` writes.
"""
from .exercises import EXERCISES
from .checks import load_exercise_file
from .run import check_file

__all__ = ["EXERCISES", "check_file", "load_exercise_file"]
