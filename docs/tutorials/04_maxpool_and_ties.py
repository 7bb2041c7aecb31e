# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 4. Max pooling and ties
#
# `y = max(window)` equals one element of the window, so `dy/dx` is 1 there and 0 elsewhere:
# the window's gradient is *routed* to its maximum.  When several elements tie (everywhere
# after a ReLU: zeros), one must be chosen.  tinynet, like PyTorch, picks the **first** in
# row-major window order.  Giving the gradient to all tied elements would count it twice.

# %%
from tinynet.learn.tutorial import SMALL, save  # before pyplot: Agg outside notebooks
import matplotlib.pyplot as plt
import numpy as np

import tinynet as tn

rng = np.random.default_rng(0)

from tinynet.kernels import naive

# %%
x = np.array([[[[1., 3., 2., 2.],
                [0., 3., 2., 2.],
                [5., 1., 0., 0.],
                [1., 1., 0., 0.]]]])
pool = tn.layers.MaxPool2D(2, dtype="float64")
y = pool.forward(x)
dy = np.array([[[[10., 20.], [30., 40.]]]])
dx = pool.backward(dy)
print("y =\n", y[0, 0], "\ndx =\n", dx[0, 0])
# window 1: 3 ties at (0,1),(1,1): the first gets 10; window 2: all 2s: (0,2) gets 20
expected = np.zeros_like(x)
expected[0, 0, 0, 1], expected[0, 0, 0, 2], expected[0, 0, 2, 0], expected[0, 0, 2, 2] = 10, 20, 30, 40
assert np.array_equal(dx, expected)
assert dx.sum() == dy.sum()             # every window's gradient lands exactly once

# %% [markdown]
# The loop version (`naive.maxpool_backward_naive`) uses `np.argmax`, which returns the
# first maximum: exactly the rule.  The fast kernel scans the window offsets and takes the
# lead only on a *strictly* greater value; both agree on random tied inputs:

# %%
trials = 20 if SMALL else 200
for t in range(trials):
    xt = rng.integers(0, 3, (2, 2, 6, 6)).astype(float)      # lots of ties
    stride = int(rng.integers(1, 3))
    layer = tn.layers.MaxPool2D(2, stride=stride, dtype="float64")
    yt = layer.forward(xt)
    g = rng.standard_normal(yt.shape)
    ref, cache = naive.maxpool_forward_naive(xt, 2, 2, stride)
    assert np.array_equal(yt, ref)
    assert np.allclose(layer.backward(g), naive.maxpool_backward_naive(g, cache))
print(f"{trials} tied inputs: fast kernel == loops")

# %% [markdown]
# ## What splitting the gradient among ties would do
# On ReLU output (many exact zeros), counting every tied maximum sends more gradient
# than there is.

# %%
a = np.maximum(rng.standard_normal((1, 1, 8, 8)) - 0.8, 0)   # a ReLU output: mostly 0
out, cache = naive.maxpool_forward_naive(a, 2, 2, 2)
windows = a.reshape(1, 1, 4, 2, 4, 2)
every = (windows == out[:, :, :, None, :, None]).reshape(a.shape).astype(float)
first = naive.maxpool_backward_naive(np.ones_like(out), cache)
print("gradient mass, first-max rule:", first.sum(), " every tied max:", every.sum())

fig, axes = plt.subplots(1, 3, figsize=(9, 3))
for ax, img, title in zip(axes, (a[0, 0], first[0, 0], every[0, 0]),
                          ("ReLU output", "dx, first max", "dx, every tied max")):
    ax.imshow(img, cmap="viridis")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
save(fig, "04_maxpool_ties.png")
