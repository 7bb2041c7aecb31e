"""Run an exercise's checks on a learner's file and write the report (what ``check`` prints)."""
import os

from .checks import LearnerError, call_learner, load_exercise_file
from .exercises import EXERCISES


def exercise_of(module, path):
    """The exercise a file is for: its EXERCISE variable, else the file name."""
    name = getattr(module, "EXERCISE", None) or os.path.splitext(os.path.basename(path))[0]
    if name not in EXERCISES:
        raise ValueError(f"tinynet.learn: {path} is for exercise {name!r}, which does not exist; "
                         f"set EXERCISE = one of {sorted(EXERCISES)} in the file")
    return EXERCISES[name]


def run_checks(exercise, module):
    """[(title, problems)] for every check of ``exercise`` on the learner's ``module``."""
    results = []
    for title, check in exercise.checks():
        try:
            problems = check(module)
        except LearnerError as exc:
            problems = [exc.problem]
        results.append((title, problems))
    return results


def report(exercise, path, results):
    """The text the command line prints."""
    lines = [f"tinynet.learn check {path}  (exercise: {exercise.name}, {exercise.title})"]
    for title, problems in results:
        lines.append(f"  {'PASS' if not problems else 'FAIL'}  {title}")
        for p in problems:
            lines.append("        " + str(p).replace("\n", "\n        "))
    passed = sum(not p for _, p in results)
    lines.append(f"{passed} of {len(results)} checks passed"
                 + ("" if passed == len(results) else
                    "; fix the first failing check first (later ones often follow from it)"))
    return "\n".join(lines)


def check_file(path):
    """Run the checks on ``path``: returns ``(all_passed, report_text)``."""
    try:
        module = call_learner("import", load_exercise_file, path)
    except LearnerError as exc:
        return False, f"tinynet.learn check {path}\n  FAIL  importing the file\n        {exc.problem}"
    exercise = exercise_of(module, path)
    results = run_checks(exercise, module)
    return all(not p for _, p in results), report(exercise, path, results)
