# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 9. The same code on the GPU
#
# Every tinynet layer is written once against an array module `xp`: NumPy on the CPU,
# CuPy on an NVIDIA GPU.  `tn.use_backend("cupy")` before building a model puts its weights
# on the GPU; the forward/backward code is unchanged.  This notebook runs anywhere: without
# a GPU (or without CuPy) it says so and runs the same steps on the CPU.

# %%
from tinynet.learn.tutorial import SMALL, save  # before pyplot: Agg outside notebooks
import matplotlib.pyplot as plt
import numpy as np

import tinynet as tn

rng = np.random.default_rng(0)

# %%
N, C = 5, 4
z = rng.standard_normal((N, C))
y = rng.integers(0, C, N)
import time

# %%
HAS_GPU = tn.backend.gpu_available()
BACKEND = "cupy" if HAS_GPU else "numpy"
if HAS_GPU:
    print("GPU found: running on CuPy")
else:
    print("No GPU (or no CuPy) here: running the same code on the CPU with NumPy")


# %%
def small_cnn():
    L = tn.layers
    return tn.Sequential([L.Conv2D(1, 8, 3, padding=1), L.ReLU(), L.MaxPool2D(2), L.Flatten(),
                          L.Dense(8 * 7 * 7, 10)], seed=0)


n = 256 if SMALL else 2048
X = rng.random((n, 1, 14, 14), dtype=np.float32)
y = (X[:, 0, :7].mean(axis=(1, 2)) > X[:, 0, 7:].mean(axis=(1, 2))).astype(np.int64)  # top vs bottom

times = {}
for name in ["numpy"] + (["cupy"] if HAS_GPU else []):
    tn.use_backend(name)
    model = small_cnn()                     # weights are created on the current backend
    t0 = time.perf_counter()
    model.fit(X, y, tn.losses.SoftmaxCrossEntropy(), tn.optim.Adam(1e-3),
              epochs=1 if SMALL else 3, batch_size=64, verbose=0)
    times[name] = time.perf_counter() - t0
    print(f"{name}: {times[name]:.2f} s, accuracy {model.evaluate(X, y, tn.losses.SoftmaxCrossEntropy())['accuracy']:.2f}")
tn.use_backend("numpy")

# %% [markdown]
# The results agree between backends up to float32 rounding (the order of additions in the
# matrix products differs); each backend on its own is deterministic for a given seed.

# %%
if HAS_GPU:
    tn.use_backend("numpy")
    cpu_out = small_cnn().forward(X[:8])
    tn.use_backend("cupy")
    gpu_out = tn.backend.to_host(small_cnn().forward(tn.backend.to_device(X[:8], "cupy")))
    tn.use_backend("numpy")
    print("max |CPU - GPU| on the same weights:", float(np.abs(cpu_out - gpu_out).max()))
    assert np.allclose(cpu_out, gpu_out, atol=1e-4)

fig, ax = plt.subplots(figsize=(4, 3))
ax.bar(list(times), list(times.values()))
ax.set_ylabel("training time (s)")
ax.set_title("GPU" if HAS_GPU else "CPU only (no GPU here)")
save(fig, "09_backends.png")
