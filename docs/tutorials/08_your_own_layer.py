# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 8. Write your own layer: Swish, then gradcheck it
#
# `swish(x) = x * sigmoid(x)`.  Its derivative, with s = sigmoid(x):
# `d/dx [x s] = s + x s (1 - s)`.  A layer is a forward that keeps what backward needs in
# `self._cache`, and a backward that returns dL/dx (and fills `self.grads` if it has
# parameters).  `tn.gradcheck` checks it; then it trains inside a `Sequential` like any layer.
# (For a checked exercise of the same kind: `python -m tinynet.learn start sigmoid`.)

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


class Swish(tn.layers.Layer):
    """y = x * sigmoid(x), element-wise.  x: (N, ...) -> y: same shape."""

    def forward(self, x, training=False):
        s = 0.5 * (1 + np.tanh(0.5 * x))       # sigmoid without overflow
        self._cache = (x, s)
        return x * s

    def backward(self, grad_out, need_input_grad=True):
        x, s = self._cache
        return grad_out * (s + x * s * (1 - s))


errors = tn.gradcheck(Swish(), rng.standard_normal((4, 5)))
print("gradcheck Swish:", {k: f"{v:.1e}" for k, v in errors.items()})
assert errors["x"] < 1e-6

# %% [markdown]
# A common mistake, the derivative of the sigmoid alone (forgetting the product rule), is
# caught at once:

# %%
class WrongSwish(Swish):
    def backward(self, grad_out, need_input_grad=True):
        x, s = self._cache
        return grad_out * s * (1 - s)


wrong = tn.gradcheck(WrongSwish(), rng.standard_normal((4, 5)))["x"]
print(f"gradcheck of the wrong backward: {wrong:.2f}")
assert wrong > 1e-2

# %% [markdown]
# ## Train with it
# Fit a small classifier on two noisy rings (inner: class 0, outer: class 1).

# %%
n = 300 if SMALL else 2000
t = rng.uniform(0, 2 * np.pi, n)
label = rng.integers(0, 2, n)
radius = 0.6 + 0.8 * label + 0.15 * rng.standard_normal(n)
X = np.stack([radius * np.cos(t), radius * np.sin(t)], 1).astype("float32")
model = tn.Sequential([tn.layers.Dense(2, 32), Swish(), tn.layers.Dense(32, 32), Swish(),
                       tn.layers.Dense(32, 2)], seed=0)
model.fit(X, label, tn.losses.SoftmaxCrossEntropy(), tn.optim.Adam(0.01),
          epochs=30 if SMALL else 100, batch_size=32, verbose=0)
scores = model.evaluate(X, label, tn.losses.SoftmaxCrossEntropy())
print(f"training accuracy with Swish: {scores['accuracy']:.2f}")
assert scores["accuracy"] > 0.8

# %%
g = np.linspace(-2, 2, 100)
gx, gy = np.meshgrid(g, g)
pred = model.predict(np.stack([gx.ravel(), gy.ravel()], 1).astype("float32")).argmax(1)
fig, axes = plt.subplots(1, 2, figsize=(8, 3.5))
xs = np.linspace(-5, 5, 200)
swish = Swish()
axes[0].plot(xs, swish.forward(xs), label="swish")
axes[0].plot(xs, swish.backward(np.ones_like(xs)), label="derivative (backward of ones)")
axes[0].legend()
axes[1].contourf(gx, gy, pred.reshape(gx.shape), alpha=0.3, cmap="coolwarm")
axes[1].scatter(X[:, 0], X[:, 1], c=label, s=4, cmap="coolwarm")
axes[1].set_title("decision regions")
save(fig, "08_swish.png")
