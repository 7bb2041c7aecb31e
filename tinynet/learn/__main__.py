"""python -m tinynet.learn list | start NAME [--dir DIR] [--force] | check FILE"""
import argparse
import os
import sys

from .run import check_file
from .exercises import EXERCISES


def _list():
    width = max(map(len, EXERCISES))
    print("tinynet exercises (python -m tinynet.learn start NAME):")
    for name, ex in EXERCISES.items():
        print(f"  {name:<{width}}  {ex.title}")
    return 0


def _start(name, folder, force):
    if name not in EXERCISES:
        print(f"tinynet.learn: no exercise {name!r}; choose one of: {', '.join(EXERCISES)}",
              file=sys.stderr)
        return 2
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{name}.py")
    if os.path.exists(path) and not force:
        print(f"tinynet.learn: {path} exists; not overwriting your work (--force to replace it)",
              file=sys.stderr)
        return 1
    with open(path, "w", encoding="utf-8") as f:
        f.write(EXERCISES[name].template_text())
    print(f"wrote {path}: fill in the TODOs, then run\n    python -m tinynet.learn check {path}")
    return 0


def _check(path):
    if not os.path.isfile(path):
        print(f"tinynet.learn: no such file: {path}", file=sys.stderr)
        return 2
    try:
        ok, text = check_file(path)
    except ValueError as exc:   # a file for no known exercise
        print(exc, file=sys.stderr)
        return 2
    print(text)
    return 0 if ok else 1


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tinynet.learn",
                                     description="Write a layer's backward yourself and check it.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the exercises")
    start = sub.add_parser("start", help="write an exercise file with TODOs")
    start.add_argument("name")
    start.add_argument("--dir", default=".", help="folder to write NAME.py into (default: here)")
    start.add_argument("--force", action="store_true", help="overwrite an existing file")
    check = sub.add_parser("check", help="check your file against the references")
    check.add_argument("file")
    args = parser.parse_args(argv)
    if args.command == "list":
        return _list()
    if args.command == "start":
        return _start(args.name, args.dir, args.force)
    return _check(args.file)


if __name__ == "__main__":
    sys.exit(main())
