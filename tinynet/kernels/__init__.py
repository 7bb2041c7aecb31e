"""Pure array kernels shared by layers: im2col/col2im and pooling windows.

Kernels take and return arrays, get ``xp`` from their inputs and keep no state.
"""
from .im2col import conv_output_size, im2col, col2im
from .pooling import max_pool_forward, max_pool_backward

__all__ = ["conv_output_size", "im2col", "col2im", "max_pool_forward", "max_pool_backward"]
