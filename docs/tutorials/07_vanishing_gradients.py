# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 7. Vanishing gradients: per-layer gradient norms, sigmoid vs ReLU
#
# Backprop multiplies by each layer's local derivative.  The sigmoid's is at most 1/4, so
# through many sigmoid layers the gradient shrinks geometrically towards the input; ReLU's
# is 0 or 1, and with He initialization the norms stay about level.

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

# %%
depth, width, N = (6, 32, 64) if SMALL else (12, 128, 256)
X = rng.standard_normal((N, width))
y = rng.integers(0, 10, N)
loss = tn.losses.SoftmaxCrossEntropy()


def gradient_norms(activation):
    layers = []
    for _ in range(depth):
        layers += [tn.layers.Dense(width, width), activation()]
    model = tn.Sequential(layers + [tn.layers.Dense(width, 10)], seed=0, dtype="float64")
    loss(model.forward(X, training=True), y)
    model.backward(loss.backward())
    return [float(np.linalg.norm(layer.grads["W"])) for layer in model.layers
            if isinstance(layer, tn.layers.Dense)][:-1]


norms = {"sigmoid": gradient_norms(tn.layers.Sigmoid), "relu": gradient_norms(tn.layers.ReLU)}
for name, values in norms.items():
    print(f"{name:>7}: |dW| first layer {values[0]:.2e}, last hidden layer {values[-1]:.2e}")
ratio = lambda v: v[0] / v[-1]
assert ratio(norms["sigmoid"]) < 0.1 * ratio(norms["relu"])

# %%
fig, ax = plt.subplots(figsize=(5, 3))
for name, values in norms.items():
    ax.semilogy(range(1, depth + 1), values, "o-", label=name)
ax.set_xlabel("layer (1 = nearest the input)")
ax.set_ylabel("|dL/dW| (Frobenius)")
ax.legend()
save(fig, "07_gradient_norms.png")
