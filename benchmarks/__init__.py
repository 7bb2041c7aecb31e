"""tinynet's speed benchmarks: workloads W1-W7 against PyTorch CPU and the GEMM floor.

Run ``python -m benchmarks`` (``--help`` for the options).  Every workload is
trained by tinynet, by PyTorch when ``torch`` is importable (the optional
``bench`` extra), and by a plain NumPy reference (``benchmarks/reference.py``)
from the same initial weights in the same batch order, so the speed ratio and
the learning (test accuracy / MSE) can be compared side by side.

Modules: ``machine`` (threads, machine description, GEMM rate, peak RSS),
``workloads`` (W1-W7, their data and matrix-product FLOPs), ``torch_runner``,
``reference``, ``profiler`` (time by layer and direction), ``report`` (table,
JSON, Markdown) and ``cli``.

Importing this package imports nothing heavy: ``__main__`` must limit the BLAS
threads before NumPy is loaded.
"""
