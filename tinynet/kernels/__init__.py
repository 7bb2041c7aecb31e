"""Pure array kernels shared by layers: im2col/col2im, pooling windows, CPU threads.

Start with ``naive.py``: convolution, im2col/col2im and max pooling as plain
loops, the math the fast kernels must reproduce (and the tests' oracle).
Then ``im2col.py`` (windows as matrix columns, col2im), ``conv.py`` (the
convolution's matrix products), ``pooling.py`` (window maxima and the
first-max routing) and ``threads.py`` (splitting work over CPU threads).

Kernels take and return arrays, get ``xp`` from their inputs and keep no state
(``threads`` keeps only the thread count for splitting big element-wise work).
"""
from .im2col import conv_output_size, im2col, col2im, conv_input_grad_stride1
from .pooling import max_pool_forward, max_pool_backward
from .threads import num_threads, parallel_for, set_num_threads

__all__ = ["conv_output_size", "im2col", "col2im", "conv_input_grad_stride1", "max_pool_forward", "max_pool_backward",
           "num_threads", "parallel_for", "set_num_threads"]
