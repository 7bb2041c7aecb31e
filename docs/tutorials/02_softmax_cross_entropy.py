# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 2. Softmax cross-entropy: where (p - onehot)/N comes from
#
# For logits `z: (N, C)` and labels `y`, `L = 1/N sum_i [log sum_j exp(z_ij) - z_i,y_i]`.
# For one row: `d/dz_k log sum_j exp(z_j) = exp(z_k) / sum_j exp(z_j) = p_k` (the softmax),
# and `d/dz_k z_y = [k == y]`.  So `dL/dz = (p - onehot(y)) / N`: the 1/N is the mean's.
# The derivation sits next to the line in `tinynet/losses.py`.

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


def loss_value(z):
    s = z - z.max(axis=1, keepdims=True)      # the shift cancels: L unchanged, exp(s) <= 1
    return np.mean(np.log(np.exp(s).sum(axis=1)) - s[np.arange(len(y)), y])


p = np.exp(z - z.max(axis=1, keepdims=True))
p /= p.sum(axis=1, keepdims=True)
analytic = (p - np.eye(C)[y]) / N

h = 1e-6
numeric = np.zeros_like(z)
for i in np.ndindex(*z.shape):
    old = z[i]
    z[i] = old + h
    plus = loss_value(z)
    z[i] = old - h
    minus = loss_value(z)
    z[i] = old
    numeric[i] = (plus - minus) / (2 * h)
err = np.abs(analytic - numeric).max() / (np.abs(analytic).max() + np.abs(numeric).max())
print(f"(p - onehot)/N vs finite differences: relative error {err:.1e}")
assert err < 1e-6

# %% [markdown]
# tinynet's fused loss gives the same gradient; and rows of the gradient sum to 0 (the
# softmax sums to 1, the one-hot too).

# %%
loss = tn.losses.SoftmaxCrossEntropy()
assert np.isclose(float(loss(z, y)), loss_value(z))
assert np.allclose(loss.backward(), analytic)
assert np.allclose(analytic.sum(axis=1), 0)

# %% [markdown]
# ## Why the shift matters
# Without subtracting the maximum, `exp(1000)` overflows to inf and the loss becomes nan.

# %%
big = z * 1000
with np.errstate(over="ignore", invalid="ignore"):
    naive = np.mean(np.log(np.exp(big).sum(axis=1)) - big[np.arange(N), y])
print("naive loss on large logits:", naive, "  shifted:", loss_value(big))
assert not np.isfinite(naive) and np.isfinite(loss_value(big))

# %% [markdown]
# ## The gradient along one logit
# Moving the true class's logit up lowers its gradient `p_y - 1` towards 0; another
# class's gradient `p_k` goes from 0 to 1 as its logit grows.

# %%
t = np.linspace(-6, 6, 61 if SMALL else 241)
rows = np.zeros((len(t), 3))
rows[:, 0] = t
lbl = np.zeros(len(t), dtype=int)
loss.forward(rows, lbl)
g_true = loss.backward()[:, 0] * len(t)
loss.forward(rows[:, ::-1].copy(), lbl)
g_other = loss.backward()[:, 2] * len(t)
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(t, g_true, label="dL/dz_k, k = label: p_k - 1")
ax.plot(t, g_other, label="dL/dz_k, k != label: p_k")
ax.set_xlabel("z_k (other logits 0)")
ax.legend()
save(fig, "02_softmax_gradient.png")
