# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 6. Optimizers on a 2-D loss surface
#
# A long, narrow valley `f(a, b) = (a^2 + 20 b^2) / 2`, rotated, started at the same point:
# SGD zig-zags across the valley, momentum builds speed along it, Adam rescales each
# coordinate by its gradient's running RMS.  The optimizers are tinynet's own, stepping a
# 2-element parameter array in place, exactly as they step a model's weights.

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
angle = np.pi / 6
R = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
H = R @ np.diag([1.0, 20.0]) @ R.T          # the Hessian: condition number 20


def f(p):
    return 0.5 * p @ H @ p


def grad(p):
    return H @ p


steps = 40 if SMALL else 150
start = np.array([-2.0, 1.5])
runs = {"SGD lr=0.09": tn.optim.SGD(lr=0.09),
        "momentum 0.9, lr=0.02": tn.optim.SGD(lr=0.02, momentum=0.9),
        "Adam lr=0.1": tn.optim.Adam(lr=0.1)}
paths = {}
for name, opt in runs.items():
    p = start.copy()
    path = [p.copy()]
    for _ in range(steps):
        opt.step([("p", p, grad(p))])          # in place, like a layer's W
        path.append(p.copy())
    paths[name] = np.array(path)
    print(f"{name:<22} f after {steps} steps: {f(p):.2e}")
assert all(f(path[-1]) < f(start) for path in paths.values())

# %% [markdown]
# Adam's bias correction: its first step has size about lr in every coordinate, whatever the
# gradient's scale (m/sqrt(v) = g/|g| at t = 1 once corrected).  Without the correction the
# first steps would be (1-b1)/sqrt(1-b2) ~ 3x larger.

# %%
first_step = paths["Adam lr=0.1"][1] - start
print("Adam's first step:", first_step.round(4))
assert np.allclose(np.abs(first_step), 0.1, rtol=1e-3)

# %%
a, b = np.meshgrid(np.linspace(-2.5, 2.5, 80), np.linspace(-2, 2, 80))
Z = 0.5 * (H[0, 0] * a * a + 2 * H[0, 1] * a * b + H[1, 1] * b * b)
fig, ax = plt.subplots(figsize=(6, 4.5))
ax.contour(a, b, Z, levels=np.geomspace(0.01, Z.max(), 15), colors="0.7", linewidths=0.7)
for name, path in paths.items():
    ax.plot(path[:, 0], path[:, 1], ".-", ms=3, lw=1, label=name)
ax.plot(*start, "ko")
ax.set_aspect("equal")
ax.legend(fontsize=8)
save(fig, "06_optimizer_paths.png")
