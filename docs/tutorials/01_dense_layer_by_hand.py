# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 1. One dense layer by hand, then gradcheck
#
# A dense layer computes `y = x W + b` for a batch `x: (N, D)`, `W: (D, M)`, `b: (M,)`.
# Backprop gives it `dy = dL/dy` (same shape as y) and asks for `dL/dW`, `dL/db`, `dL/dx`.
# We write all three with NumPy, compare them with `tinynet.layers.Dense`, and check them
# against finite differences.  Runs as a script (`python 01_dense_layer_by_hand.py`) or as a
# notebook (jupytext).

# %%
from tinynet.learn.tutorial import save  # before pyplot: Agg outside notebooks
import matplotlib.pyplot as plt
import numpy as np

import tinynet as tn

rng = np.random.default_rng(0)

# %% [markdown]
# ## Forward
# `y[n, m] = sum_d x[n, d] W[d, m] + b[m]`.

# %%
N, D, M = 4, 3, 2
x = rng.standard_normal((N, D))
W = rng.standard_normal((D, M))
b = rng.standard_normal(M)
y = x @ W + b
print("y shape", y.shape)

# %% [markdown]
# ## Backward, one index at a time
# `W[d, m]` appears in `y[n, m]` for every `n`, with coefficient `x[n, d]`, so
# `dL/dW[d, m] = sum_n x[n, d] dy[n, m]`, which is the matrix product `x^T dy`.
# `b[m]` appears in every `y[n, m]` with coefficient 1: `dL/db = sum_n dy[n]`.
# `x[n, d]` appears in `y[n, m]` for every `m`, with coefficient `W[d, m]`: `dL/dx = dy W^T`.
# Each result has the shape of the thing it is the gradient of: that alone catches most
# transposition mistakes.

# %%
dy = rng.standard_normal((N, M))     # any upstream gradient (never all ones: it hides bugs)
dW = x.T @ dy
db = dy.sum(axis=0)
dx = dy @ W.T
assert dW.shape == W.shape and db.shape == b.shape and dx.shape == x.shape

# %% [markdown]
# ## The same with tinynet's layer

# %%
layer = tn.layers.Dense(D, M, dtype="float64")
layer.params["W"][...] = W
layer.params["b"][...] = b
assert np.allclose(layer.forward(x), y)
assert np.allclose(layer.backward(dy), dx)
assert np.allclose(layer.grads["W"], dW) and np.allclose(layer.grads["b"], db)
print("tinynet's Dense agrees with the hand-written backward")

# %% [markdown]
# ## Finite differences
# `(f(w + h) - f(w - h)) / 2h` approximates `df/dw` to O(h^2).  In float64 with h = 1e-6 a
# correct backward agrees to about 1e-9 relative error.  `tn.gradcheck` does this for the
# input and for every parameter.  Here we also see what a planted bug looks like: a
# backward that forgets to sum db over the batch (uses dy[0] only).

# %%
errors = tn.gradcheck(layer, x)
print("gradcheck:", {k: f"{v:.1e}" for k, v in errors.items()})
assert max(errors.values()) < 1e-6


class BuggyDense(tn.layers.Dense):
    def backward(self, grad_out, need_input_grad=True):
        dx = super().backward(grad_out, need_input_grad)
        self.grads["b"][...] = grad_out[0]            # the bug
        return dx


buggy = BuggyDense(D, M, dtype="float64")
bug_errors = tn.gradcheck(buggy, x)
print("gradcheck of the buggy layer:", {k: f"{v:.1e}" for k, v in bug_errors.items()})
assert bug_errors["b"] > 1e-3 and bug_errors["W"] < 1e-6

# %%
fig, ax = plt.subplots(figsize=(5, 3))
names = list(errors)
ax.bar(np.arange(3) - 0.2, [errors[k] for k in names], 0.4, label="Dense")
ax.bar(np.arange(3) + 0.2, [bug_errors[k] for k in names], 0.4, label="db bug")
ax.set_xticks(range(3), [f"d{k}" for k in names])
ax.set_yscale("log")
ax.axhline(1e-6, color="k", lw=0.8, ls="--")
ax.set_ylabel("relative error vs finite differences")
ax.legend()
save(fig, "01_gradcheck.png")
