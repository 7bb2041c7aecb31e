# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 3. Convolution: loops, then im2col, then col2im
#
# `y[n, f, i, j] = sum_{c,p,q} xpad[n, c, i*s + p, j*s + q] W[f, c, p, q] + b[f]`.
# The loops in `tinynet/kernels/naive.py` say exactly this.  im2col lays each output pixel's
# window out as a column, so the whole convolution becomes one matrix product; col2im, its
# transpose, is the gradient with respect to x.

# %%
from tinynet.learn.tutorial import SMALL, save  # before pyplot: Agg outside notebooks
import matplotlib.pyplot as plt
import numpy as np

import tinynet as tn

rng = np.random.default_rng(0)

import time

from tinynet.kernels import naive
from tinynet.kernels import col2im, im2col

# %%
N, C, H, W_, F, k, s, pad = (2, 2, 6, 6, 3, 3, 1, 1) if SMALL else (4, 3, 12, 12, 8, 3, 1, 1)
x = rng.standard_normal((N, C, H, W_))
W = rng.standard_normal((F, C, k, k))
b = rng.standard_normal(F)

t0 = time.perf_counter()
y_loops, cache = naive.conv2d_forward_naive(x, W, b, s, pad)
t_loops = time.perf_counter() - t0

# %% [markdown]
# ## im2col: one product
# `cols: (C*k*k, N*OH*OW)`.  Row `c*k*k + p*k + q` of column `(n, i, j)` holds
# `xpad[n, c, i*s + p, j*s + q]`, so `W.reshape(F, -1) @ cols` sums over (c, p, q).

# %%
t0 = time.perf_counter()
cols = naive.im2col_naive(x, k, k, s, pad)
oh, ow = y_loops.shape[2:]
y_cols = (W.reshape(F, -1) @ cols + b[:, None]).reshape(F, N, oh, ow).transpose(1, 0, 2, 3)
t_cols = time.perf_counter() - t0
assert np.allclose(y_cols, y_loops)
fast_cols, _ = im2col(x, k, k, s, pad)                # tinynet's strided-view version
# The same columns in another order: (i, j, n), the batch innermost, so that its copies and adds
# move runs of OW*N elements instead of one image row (the why: tinynet/kernels/im2col.py).
batch_inner = lambda m: m.reshape(-1, N, oh, ow).transpose(0, 2, 3, 1).reshape(m.shape)
assert np.array_equal(fast_cols, batch_inner(cols))
layer = tn.layers.Conv2D(C, F, k, stride=s, padding=pad, dtype="float64")
layer.params["W"][...] = W
layer.params["b"][...] = b
t0 = time.perf_counter()
y_layer = layer.forward(x)
t_layer = time.perf_counter() - t0
assert np.allclose(y_layer, y_loops)
print(f"loops {t_loops * 1e3:.1f} ms, loop im2col + product {t_cols * 1e3:.1f} ms, "
      f"Conv2D {t_layer * 1e3:.2f} ms (one run each, not a benchmark)")

# %% [markdown]
# ## col2im is the adjoint of im2col, so it is the gradient
# im2col is linear: `cols = A x` with a 0/1 matrix A.  For any G,
# `<im2col x, G> = <A x, G> = <x, A^T G> = <x, col2im G>`.  If L depends on x through cols,
# `dL/dx = A^T dL/dcols = col2im(dL/dcols)`.  Check the identity on random x and G:

# %%
G = rng.standard_normal(cols.shape)
lhs, rhs = np.vdot(cols, G), np.vdot(x, naive.col2im_naive(G, x.shape, k, k, s, pad))
print(f"<im2col x, G> = {lhs:.6f}   <x, col2im G> = {rhs:.6f}")
assert np.isclose(lhs, rhs)
assert np.allclose(col2im(batch_inner(G), x.shape, k, k, s, pad), naive.col2im_naive(G, x.shape, k, k, s, pad))

# %% [markdown]
# ## The backward, three ways
# `dW = dy @ cols^T`, `db = sum dy`, `dx = col2im(Wm^T @ dy)`, against the loops and the layer.

# %%
dy = rng.standard_normal(y_loops.shape)
dx_ref, dW_ref, db_ref = naive.conv2d_backward_naive(dy, cache)
dy_m = dy.transpose(1, 0, 2, 3).reshape(F, -1)
assert np.allclose((dy_m @ cols.T).reshape(W.shape), dW_ref)
assert np.allclose(naive.col2im_naive(W.reshape(F, -1).T @ dy_m, x.shape, k, k, s, pad), dx_ref)
assert np.allclose(layer.backward(dy), dx_ref) and np.allclose(layer.grads["W"], dW_ref)
print("loops, im2col/col2im and Conv2D agree; gradcheck:",
      {k_: f"{v:.0e}" for k_, v in tn.gradcheck(tn.layers.Conv2D(2, 2, 3, stride=2, padding=1),
                                                rng.standard_normal((1, 2, 5, 5))).items()})

# %%
fig, axes = plt.subplots(1, 2, figsize=(8, 3))
axes[0].imshow(cols[:, :min(cols.shape[1], 60)], aspect="auto", cmap="coolwarm")
axes[0].set_title("im2col: windows as columns")
axes[0].set_xlabel("output pixel (n, i, j)")
axes[0].set_ylabel("(c, p, q)")
axes[1].imshow(naive.col2im_naive(np.ones_like(cols), x.shape, k, k, s, pad)[0, 0], cmap="viridis")
axes[1].set_title("col2im(ones): windows per pixel")
save(fig, "03_im2col.png")
