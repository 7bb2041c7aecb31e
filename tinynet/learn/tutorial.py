"""What every tutorial in ``docs/tutorials`` starts with: its size switch and where figures go.

Imported before ``matplotlib.pyplot``: run as a script, the tutorials draw
with the Agg backend (figures to files, no window); in a notebook the
kernel's own backend stays.
"""
import os
import sys
import tempfile

import matplotlib

if "ipykernel" not in sys.modules:
    matplotlib.use("Agg")

#: the test suite runs each tutorial at a small size (TINYNET_TUTORIAL_SMALL=1)
SMALL = os.environ.get("TINYNET_TUTORIAL_SMALL") == "1"
#: figures go to $TINYNET_FIGURES, else a fresh temporary folder (never into the repository)
FIGURES = os.environ.get("TINYNET_FIGURES") or tempfile.mkdtemp(prefix="tinynet-tutorial-")
os.makedirs(FIGURES, exist_ok=True)


def save(fig, name):
    """Write ``fig`` as FIGURES/name and say where."""
    path = os.path.join(FIGURES, name)
    fig.tight_layout()
    fig.savefig(path)
    print("figure:", path)
    return path
