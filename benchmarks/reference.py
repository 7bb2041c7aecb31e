"""A plain NumPy reference of the benchmark networks: the accuracy oracle.

Written the straightforward way, independently of tinynet's kernels: every
layer is the textbook forward/backward pair, convolution is im2col through
``sliding_window_view`` and one matrix product, max pooling reshapes the
windows and takes ``argmax`` (which returns the *first* maximum, the tie rule
PyTorch and tinynet use).  The benchmark trains it from the same initial
weights in the same batch order as tinynet, and its test accuracy must agree
with tinynet's to within 0.3 points.

Shapes: Dense W (in, out); Conv2D W (F, C, k, k), inputs NCHW.  Float32
throughout.  Not optimized on purpose (it can be timed as a second column).
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Dense:
    def __init__(self, W, b):
        self.params = {"W": W.copy(), "b": b.copy()}

    def forward(self, x):
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, g, need_dx=True):
        self.grads = {"W": self.x.T @ g, "b": g.sum(axis=0)}
        return g @ self.params["W"].T if need_dx else None


class Conv2D:
    """Stride-1 convolution with zero padding ``p``."""

    def __init__(self, W, b, padding):
        self.params = {"W": W.copy(), "b": b.copy()}
        self.p = padding

    def forward(self, x):
        F, C, k, _ = self.params["W"].shape
        p = self.p
        xpad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        win = sliding_window_view(xpad, (k, k), axis=(2, 3))       # (N, C, OH, OW, k, k)
        N, _, OH, OW = win.shape[:4]
        cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(N * OH * OW, C * k * k)
        out = cols @ self.params["W"].reshape(F, -1).T + self.params["b"]   # (N*OH*OW, F)
        self.cache = (x.shape, cols, OH, OW)
        return out.reshape(N, OH, OW, F).transpose(0, 3, 1, 2)

    def backward(self, g, need_dx=True):
        x_shape, cols, OH, OW = self.cache
        F, C, k, _ = self.params["W"].shape
        N = g.shape[0]
        g2 = g.transpose(0, 2, 3, 1).reshape(N * OH * OW, F)
        self.grads = {"W": (g2.T @ cols).reshape(F, C, k, k), "b": g2.sum(axis=0)}
        if not need_dx:
            return None
        dcols = (g2 @ self.params["W"].reshape(F, -1)).reshape(N, OH, OW, C, k, k)
        p = self.p
        dxpad = np.zeros((N, C, x_shape[2] + 2 * p, x_shape[3] + 2 * p), dtype=g.dtype)
        for i in range(k):
            for j in range(k):
                dxpad[:, :, i:i + OH, j:j + OW] += dcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
        return dxpad[:, :, p:p + x_shape[2], p:p + x_shape[3]]


class MaxPool2D:
    """k x k windows, stride k (the sizes here divide evenly)."""

    def __init__(self, k):
        self.k = k

    def forward(self, x):
        N, C, H, W = x.shape
        k = self.k
        win = x.reshape(N, C, H // k, k, W // k, k).transpose(0, 1, 2, 4, 3, 5)
        win = win.reshape(N, C, H // k, W // k, k * k)
        self.arg = win.argmax(axis=-1)                   # first maximum of each window
        self.shape = x.shape
        return np.take_along_axis(win, self.arg[..., None], axis=-1)[..., 0]

    def backward(self, g, need_dx=True):
        N, C, H, W = self.shape
        k = self.k
        dwin = np.zeros((N, C, H // k, W // k, k * k), dtype=g.dtype)
        np.put_along_axis(dwin, self.arg[..., None], g[..., None], axis=-1)
        dwin = dwin.reshape(N, C, H // k, W // k, k, k).transpose(0, 1, 2, 4, 3, 5)
        return dwin.reshape(N, C, H, W)


class ReLU:
    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, g, need_dx=True):
        return g * self.mask


class Tanh:
    def forward(self, x):
        self.y = np.tanh(x)
        return self.y

    def backward(self, g, need_dx=True):
        return g * (1 - self.y ** 2)


class Sigmoid:
    def forward(self, x):
        with np.errstate(over="ignore"):  # exp(-x) = inf for x << 0 gives y = 0, as it should
            self.y = 1 / (1 + np.exp(-x))
        return self.y

    def backward(self, g, need_dx=True):
        return g * self.y * (1 - self.y)


class Flatten:
    def forward(self, x):
        self.shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, g, need_dx=True):
        return g.reshape(self.shape)


def softmax_cross_entropy(z, y):
    """Mean loss and dL/dz for logits z (N, C) and integer labels y (N,)."""
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    n = len(y)
    loss = -np.log(p[np.arange(n), y]).mean()
    p[np.arange(n), y] -= 1
    return loss, p / n


def mse(pred, target):
    d = pred - target
    return (d * d).mean(), 2 * d / d.size


class Model:
    """A list of layers built from a workload's architecture and initial weights."""

    def __init__(self, arch, weights):
        self.layers = []
        for spec, w in zip(arch, weights):
            kind = spec[0]
            if kind == "dense":
                self.layers.append(Dense(w["W"], w["b"]))
            elif kind == "conv":
                self.layers.append(Conv2D(w["W"], w["b"], spec[4]))
            elif kind == "pool":
                self.layers.append(MaxPool2D(spec[1]))
            else:
                self.layers.append({"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid,
                                    "flatten": Flatten}[kind]())

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, g):
        first = min(i for i, l in enumerate(self.layers) if hasattr(l, "params"))
        for i in range(len(self.layers) - 1, first - 1, -1):
            g = self.layers[i].backward(g, need_dx=i > first)

    def params_and_grads(self):
        return [(l.params[k], l.grads[k]) for l in self.layers if hasattr(l, "params")
                for k in l.params]


class SGD:
    def __init__(self, lr):
        self.lr = lr

    def step(self, pairs):
        for p, g in pairs:
            p -= self.lr * g


class Adam:
    """Kingma & Ba, bias-corrected, as in PyTorch."""

    def __init__(self, lr, b1=0.9, b2=0.999, eps=1e-8):
        self.lr, self.b1, self.b2, self.eps, self.t, self.m, self.v = lr, b1, b2, eps, 0, {}, {}

    def step(self, pairs):
        self.t += 1
        for i, (p, g) in enumerate(pairs):
            m = self.m[i] = self.b1 * self.m.get(i, 0) + (1 - self.b1) * g
            v = self.v[i] = self.b2 * self.v.get(i, 0) + (1 - self.b2) * g * g
            m_hat = m / (1 - self.b1 ** self.t)
            v_hat = v / (1 - self.b2 ** self.t)
            p -= (self.lr * m_hat / (np.sqrt(v_hat) + self.eps)).astype(p.dtype)


class Trainer:
    """Reference training: same weights, same batches, the loss of the workload."""

    def __init__(self, workload, weights):
        self.w = workload
        self.model = Model(workload.arch, weights)
        name, lr = workload.optimizer
        self.opt = SGD(lr) if name == "sgd" else Adam(lr)
        self.loss = softmax_cross_entropy if workload.kind == "classify" else mse

    def step(self, xb, yb):
        out = self.model.forward(xb)
        target = xb if self.w.kind == "autoencode" else yb
        value, g = self.loss(out, target)
        self.model.backward(g)
        self.opt.step(self.model.params_and_grads())
        return value

    def train_epoch(self, X, y, batches):
        for idx in batches:
            self.step(X[idx], None if y is None else y[idx])

    def predict(self, X, batch_size=1000):
        return np.concatenate([self.model.forward(X[i:i + batch_size])
                               for i in range(0, len(X), batch_size)])
