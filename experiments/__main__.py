import sys

from experiments.core.cli import main

sys.exit(main())
