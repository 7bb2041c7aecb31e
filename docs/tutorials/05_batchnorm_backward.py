# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 5. BatchNorm's backward, through mu and var
#
# Per feature, over the batch of N values: `mu = mean x`, `var = mean (x - mu)^2`,
# `xhat = (x - mu) / sqrt(var + eps)`, `y = gamma xhat + beta`.
# x reaches the loss three ways: directly through xhat, through mu, and through var.
# We write the backward as that graph, step by step, then check that it equals the
# two-line formula in `tinynet/layers/norm.py`, and finite differences.

# %%
from tinynet.learn.tutorial import save  # before pyplot: Agg outside notebooks
import matplotlib.pyplot as plt
import numpy as np

import tinynet as tn

rng = np.random.default_rng(0)


# %%
N, D, eps = (8, 3, 1e-5)
x = rng.standard_normal((N, D)) * 2 + 1
gamma, beta = rng.standard_normal(D), rng.standard_normal(D)
dy = rng.standard_normal((N, D))

mu = x.mean(axis=0)
var = ((x - mu) ** 2).mean(axis=0)
r = 1 / np.sqrt(var + eps)
xhat = (x - mu) * r
y = gamma * xhat + beta

# %% [markdown]
# ## Step by step (the computational graph, backwards)

# %%
dbeta = dy.sum(axis=0)
dgamma = (dy * xhat).sum(axis=0)
dxhat = dy * gamma
dvar = (dxhat * (x - mu)).sum(axis=0) * (-0.5) * r ** 3        # xhat depends on var via r
dmu = -(dxhat * r).sum(axis=0) + dvar * (-2 / N) * (x - mu).sum(axis=0)   # 2nd term is 0
dx_steps = dxhat * r + dvar * 2 * (x - mu) / N + dmu / N

# %% [markdown]
# ## Simplified: r (dxhat - mean(dxhat) - xhat mean(dxhat xhat))

# %%
dx_simple = r * (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0))
assert np.allclose(dx_steps, dx_simple)

layer = tn.layers.BatchNorm(D, dtype="float64")
layer.params["gamma"][...] = gamma
layer.params["beta"][...] = beta
assert np.allclose(layer.forward(x, training=True), y)
assert np.allclose(layer.backward(dy), dx_steps)
assert np.allclose(layer.grads["gamma"], dgamma) and np.allclose(layer.grads["beta"], dbeta)
# seed=1: gradcheck's upstream gradient must not be the same draw as x (rng seed 0): for
# g = a x + c, dx is ~0 (BatchNorm's output does not change along x's own direction).
errors = tn.gradcheck(layer, x, training=True, seed=1)
print("step-by-step == simplified == BatchNorm; gradcheck:", {k: f"{v:.0e}" for k, v in errors.items()})
assert max(errors.values()) < 1e-6

# %% [markdown]
# ## What the mu and var paths contribute
# Forgetting them (treating mu and var as constants) gives `dxhat * r`, the inference-mode
# gradient, which is wrong in training.  The two extra terms remove the mean of dxhat and
# its component along xhat: dx sums to 0 over the batch and is orthogonal to xhat.

# %%
dx_const = dxhat * r
print("sum over batch of dx:", dx_steps.sum(axis=0).round(12), " without the paths:", dx_const.sum(axis=0).round(3))
fig, ax = plt.subplots(figsize=(5, 3))
ax.scatter(dx_const.ravel(), dx_steps.ravel(), s=12)
ax.plot([-3, 3], [-3, 3], "k--", lw=0.8)
ax.set_xlabel("dx treating mu, var as constants")
ax.set_ylabel("dx through mu and var")
save(fig, "05_batchnorm_paths.png")
