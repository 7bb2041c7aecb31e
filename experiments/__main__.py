import sys

from experiments.core.cli import main

# The guard matters: Dask starts its worker processes with "spawn", which
# imports the main module again in each worker.
if __name__ == "__main__":
    sys.exit(main())
