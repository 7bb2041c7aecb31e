"""tinynet layers: one file per family, each a forward/backward pair.

| layer | file |
|---|---|
| Dense | dense.py |
| Conv2D | conv.py |
| MaxPool2D | pool.py |
| ReLU, LeakyReLU, ELU, Sigmoid, Tanh, Softmax | activations.py |
| Dropout | dropout.py |
| BatchNorm | norm.py |
| Flatten, Reshape | reshape.py |
"""
from .base import Layer
from .dense import Dense
from .conv import Conv2D
from .pool import MaxPool2D
from .activations import ELU, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .dropout import Dropout
from .norm import BatchNorm
from .reshape import Flatten, Reshape

#: The closed registry used by ``tinynet.load``: a saved file can only name
#: these classes, never an importable path.
REGISTRY = {cls.__name__: cls for cls in (
    Dense, Conv2D, MaxPool2D, ReLU, LeakyReLU, ELU, Sigmoid, Tanh, Softmax,
    Dropout, BatchNorm, Flatten, Reshape)}

__all__ = ["Layer", *REGISTRY]
