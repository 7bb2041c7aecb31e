"""``python -m benchmarks``: set the thread count *before* NumPy is imported, then run."""
import sys

from .machine import limit_threads_early, unset_coretype_early


def _option(argv, name):
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


if __name__ == "__main__":
    # OpenBLAS/MKL read their thread count from the environment when they are
    # loaded, so this must happen before anything imports NumPy or torch.
    if "--unset-coretype" in sys.argv[1:]:
        unset_coretype_early()   # this process only; the calling shell keeps its value
    timeout = _option(sys.argv[1:], "--openblas-timeout")
    limit_threads_early(_option(sys.argv[1:], "--threads"),
                        **({"openblas_timeout": timeout} if timeout else {}))
    from .cli import main
    sys.exit(main())
