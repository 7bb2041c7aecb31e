"""The benchmark workloads W1-W7: architecture, training settings, data and FLOPs.

An architecture is a tuple of plain layer specs, read by three builders
(tinynet here, PyTorch in ``torch_runner``, the NumPy reference in
``reference``), so the three run the same network from the same weights:

    ("dense", in, out)         ("conv", c_in, c_out, k, padding)   (stride 1)
    ("relu",) ("tanh",) ("sigmoid",) ("pool", k) (stride k) ("flatten",)

The GEMM floor of a workload is its matrix-product FLOPs divided by the
measured float32 GEMM rate.  Per sample and per weight layer, a forward
product costs 2*in*out (dense) or 2*OH*OW*F*C*k*k (conv); a training step
adds the same again for dW and for dX, except that the first weight layer
needs no dX.
"""
from dataclasses import dataclass, field

import tinynet as tn

MLP_W1 = (("dense", 784, 128), ("relu",), ("dense", 128, 10))
MLP_W2 = (("dense", 784, 512), ("relu",), ("dense", 512, 384), ("relu",), ("dense", 384, 10))
CNN_W3 = (("conv", 1, 32, 3, 0), ("relu",), ("pool", 2), ("flatten",), ("dense", 32 * 13 * 13, 10))
CNN_W4 = (("conv", 1, 16, 5, 2), ("relu",), ("pool", 2), ("conv", 16, 32, 3, 1), ("relu",),
          ("pool", 2), ("flatten",), ("dense", 32 * 7 * 7, 10))
AE_W5 = (("dense", 784, 256), ("relu",), ("dense", 256, 32), ("relu",), ("dense", 32, 256),
         ("relu",), ("dense", 256, 784), ("sigmoid",))
REG_W7 = (("dense", 2, 64), ("tanh",), ("dense", 64, 64), ("tanh",), ("dense", 64, 1))


@dataclass(frozen=True)
class Workload:
    """One benchmark workload.

    kind: 'classify' (softmax cross-entropy on MNIST labels, accuracy),
    'autoencode' (MSE against the input), 'infer' (forward only, images/s),
    'regress' (problem b4, full batch, a fixed number of steps).
    """

    name: str
    title: str
    kind: str
    arch: tuple
    input: str                  # 'flat' (N, 784), 'image' (N, 1, 28, 28) or 'b4' (N, 2)
    optimizer: tuple = ("sgd", 0.1)
    batch_size: int = 128
    steps: int = 0              # 'regress' only: full-batch steps
    seed: int = 0
    notes: str = field(default="")

    @property
    def unit(self):
        return {"infer": "img/s", "regress": "s"}.get(self.kind, "s/epoch")

    @property
    def higher_is_better(self):
        return self.kind == "infer"


WORKLOADS = {w.name: w for w in (
    Workload("W1", "MLP 784-128-10", "classify", MLP_W1, "flat", ("sgd", 0.1), 128),
    Workload("W2", "MLP 784-512-384-10", "classify", MLP_W2, "flat", ("sgd", 0.1), 128),
    Workload("W3", "CNN 32@3x3, pool 2, dense 10", "classify", CNN_W3, "image", ("sgd", 0.05), 128),
    Workload("W4", "CNN 16@5x5 p2, pool, 32@3x3 p1, pool, dense", "classify", CNN_W4, "image",
             ("sgd", 0.05), 128),
    Workload("W5", "AE 784-256-32-256-784", "autoencode", AE_W5, "flat", ("adam", 1e-3), 256),
    Workload("W6", "W2 inference, batch 1000", "infer", MLP_W2, "flat", batch_size=1000),
    Workload("W7", "regression 2-64-64-1 tanh (b4)", "regress", REG_W7, "b4", ("adam", 1e-2),
             1000, steps=2000),
)}


# ----------------------------------------------------------------- tinynet
def build_tinynet(workload):
    """The workload's network as a tinynet Sequential (weights from ``workload.seed``)."""
    L = tn.layers
    layers = []
    for spec in workload.arch:
        kind = spec[0]
        if kind == "dense":
            layers.append(L.Dense(spec[1], spec[2]))
        elif kind == "conv":
            layers.append(L.Conv2D(spec[1], spec[2], spec[3], stride=1, padding=spec[4]))
        elif kind == "pool":
            layers.append(L.MaxPool2D(spec[1]))
        elif kind == "flatten":
            layers.append(L.Flatten())
        else:
            layers.append({"relu": L.ReLU, "tanh": L.Tanh, "sigmoid": L.Sigmoid}[kind]())
    return tn.Sequential(layers, seed=workload.seed, dtype="float32")


def tinynet_loss(workload):
    return tn.losses.SoftmaxCrossEntropy() if workload.kind == "classify" else tn.losses.MSE()


def tinynet_optimizer(workload):
    name, lr = workload.optimizer
    return tn.optim.SGD(lr) if name == "sgd" else tn.optim.Adam(lr)


def initial_weights(model):
    """Host copies of the model's parameters: a list (one dict per layer)."""
    return [{k: tn.backend.to_host(v).copy() for k, v in layer.params.items()}
            for layer in model.layers]


# -------------------------------------------------------------------- data
def load_data(workload, limit=None):
    """Host float32 arrays {'X_train', 'y_train', 'X_test', 'y_test'} for the workload.

    ``limit`` keeps the first ``limit`` training (and at most ``limit`` test)
    examples, for smoke tests; for W7 it shrinks the test grid instead.
    """
    if workload.input == "b4":
        X, y = tn.data.regression_b4(1000, seed=workload.seed)
        Xg, yg = tn.data.regression_grid(1000 if limit is None else 50)
        return {"X_train": X, "y_train": y, "X_test": Xg, "y_test": yg}
    (X, y), (Xt, yt) = tn.data.load_mnist(flatten=workload.input == "flat")
    if limit is not None:
        X, y, Xt, yt = X[:limit], y[:limit], Xt[:limit], yt[:limit]
    return {"X_train": X, "y_train": y, "X_test": Xt, "y_test": yt}


# ------------------------------------------------------------------- FLOPs
def forward_flops_per_sample(arch, input_shape):
    """Matrix-product FLOPs of one forward pass, per weight layer: [(index, flops), ...]."""
    shape, out = tuple(input_shape), []
    for i, spec in enumerate(arch):
        kind = spec[0]
        if kind == "dense":
            out.append((i, 2 * spec[1] * spec[2]))
            shape = (spec[2],)
        elif kind == "conv":
            _, c, f, k, p = spec
            oh, ow = shape[1] + 2 * p - k + 1, shape[2] + 2 * p - k + 1
            out.append((i, 2 * oh * ow * f * c * k * k))
            shape = (f, oh, ow)
        elif kind == "pool":
            shape = (shape[0], shape[1] // spec[1], shape[2] // spec[1])
        elif kind == "flatten":
            shape = (int(_prod(shape)),)
    return out


def gemm_flops(workload, n_samples):
    """Matrix-product FLOPs of one timed run: an epoch, the inference pass or all W7 steps."""
    input_shape = {"flat": (784,), "image": (1, 28, 28), "b4": (2,)}[workload.input]
    per_layer = forward_flops_per_sample(workload.arch, input_shape)
    if workload.kind == "infer":
        return n_samples * sum(f for _, f in per_layer)
    # forward + dW for every weight layer, + dX for all but the first
    per_sample = sum(f * (2 if j == 0 else 3) for j, (_, f) in enumerate(per_layer))
    if workload.kind == "regress":
        return per_sample * n_samples * workload.steps
    return per_sample * n_samples


def _prod(shape):
    p = 1
    for d in shape:
        p *= d
    return p
