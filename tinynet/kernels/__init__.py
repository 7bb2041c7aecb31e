"""Pure array kernels shared by layers: im2col/col2im, the chunked convolution
(conv_fast: im2col, products and col2im per chunk of images, over threads),
pooling windows, CPU threads.

Start with ``naive.py``: convolution, im2col/col2im and max pooling as plain
loops, the math the fast kernels must reproduce (and the tests' oracle).
Then ``im2col.py`` (windows as matrix columns, col2im), ``conv.py`` (the
convolution's matrix products), ``pooling.py`` (window maxima and the
first-max routing) and ``threads.py`` (splitting work over CPU threads).

Kernels take and return arrays, get ``xp`` from their inputs and keep no state
(``threads`` keeps only the thread count for splitting big element-wise work).
"""
from .im2col import conv_output_size, im2col, col2im
from .conv_fast import conv2d_backward, conv2d_forward
from .pooling import max_pool_forward, max_pool_backward
from .threads import blas_single_threaded, num_threads, parallel_for, set_num_threads

__all__ = ["conv2d_forward", "conv2d_backward", "conv_output_size", "im2col", "col2im", "max_pool_forward", "max_pool_backward",
           "num_threads", "parallel_for", "set_num_threads", "blas_single_threaded"]
