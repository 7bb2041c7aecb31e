"""tinynet: a neural-network library with hand-written forward and backward passes.

Every layer is a readable forward/backward pair written once against an array
backend (NumPy on the CPU, CuPy on an NVIDIA GPU).  Start with
``tinynet.layers.dense`` to see the pattern, and ``tinynet.gradcheck`` to
check any layer's backward against finite differences.
"""
from .version import __version__

from . import backend
from .backend import get_backend, get_default_dtype, set_default_dtype, use_backend
from . import layers, losses, optim, schedules, init, callbacks, data
from .regularizers import L1, L2, L1L2
from .model import DivergenceError, Sequential, load
from .io import ModelFileError
from .gradcheck import gradcheck

__all__ = [
    "Sequential", "load", "gradcheck", "use_backend", "get_backend", "set_default_dtype",
    "get_default_dtype", "L1", "L2", "L1L2", "DivergenceError", "ModelFileError",
    "layers", "losses", "optim", "schedules", "init", "callbacks", "data", "backend",
]
