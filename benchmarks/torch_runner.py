"""The same workloads in PyTorch (CPU, or CUDA when the tinynet backend is CuPy).

PyTorch is optional (``pip install -e ".[bench]"``); ``load_torch`` returns
None when it is missing and the benchmark leaves its columns empty.  Each
network starts from tinynet's initial weights (Dense ``W`` is transposed
into ``Linear.weight``) and sees the same batches in the same order.  The
training loop is the idiomatic one: ``zero_grad``, forward, loss,
``backward``, ``step``, with PyTorch's default optimizer settings; the loss
(and the number of correct predictions) is accumulated per step, as tinynet's
``fit`` does.
"""
import time


def load_torch():
    """The torch module, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    return torch


class TorchRun:
    """One workload's network, optimizer and data in PyTorch."""

    def __init__(self, torch, workload, weights, data, device="cpu"):
        self.torch, self.w, self.device = torch, workload, torch.device(device)
        nn = torch.nn
        layers = []
        for spec, params in zip(workload.arch, weights):
            kind = spec[0]
            if kind == "dense":
                layer = nn.Linear(spec[1], spec[2])
                with torch.no_grad():
                    layer.weight.copy_(torch.from_numpy(params["W"].T.copy()))
                    layer.bias.copy_(torch.from_numpy(params["b"]))
            elif kind == "conv":
                layer = nn.Conv2d(spec[1], spec[2], spec[3], stride=1, padding=spec[4])
                with torch.no_grad():
                    layer.weight.copy_(torch.from_numpy(params["W"]))
                    layer.bias.copy_(torch.from_numpy(params["b"]))
            elif kind == "pool":
                layer = nn.MaxPool2d(spec[1])
            else:
                layer = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid,
                         "flatten": nn.Flatten}[kind]()
            layers.append(layer)
        self.model = nn.Sequential(*layers).to(self.device)
        self.loss = nn.CrossEntropyLoss() if workload.kind == "classify" else nn.MSELoss()
        name, lr = workload.optimizer
        opt = torch.optim.SGD if name == "sgd" else torch.optim.Adam
        self.opt = opt(self.model.parameters(), lr=lr)
        self.data = {k: torch.from_numpy(v).to(self.device) for k, v in data.items()}

    def sync(self):
        if self.device.type == "cuda":
            self.torch.cuda.synchronize()

    def train_epoch(self, perm, bounds):
        """One epoch over the batches perm[bounds[i]:bounds[i+1]]; returns seconds."""
        torch = self.torch
        X, y = self.data["X_train"], self.data["y_train"]
        perm = torch.from_numpy(perm).to(self.device)
        classify = self.w.kind == "classify"
        total = torch.zeros((), device=self.device)
        correct = torch.zeros((), dtype=torch.int64, device=self.device)
        self.model.train()
        self.sync()
        start = time.perf_counter()
        for step in range(len(bounds) - 1):
            idx = perm[bounds[step]:bounds[step + 1]]
            xb = X.index_select(0, idx)
            yb = y.index_select(0, idx) if classify else xb
            self.opt.zero_grad(set_to_none=True)
            out = self.model(xb)
            loss = self.loss(out, yb)
            loss.backward()
            self.opt.step()
            total += loss.detach() * len(idx)
            if classify:
                correct += (out.detach().argmax(1) == yb).sum()
        self.sync()
        return time.perf_counter() - start

    def regress(self, steps):
        """``steps`` full-batch steps; returns seconds."""
        X, y = self.data["X_train"], self.data["y_train"]
        total = self.torch.zeros((), device=self.device)
        self.model.train()
        self.sync()
        start = time.perf_counter()
        for _ in range(steps):
            self.opt.zero_grad(set_to_none=True)
            loss = self.loss(self.model(X), y)
            loss.backward()
            self.opt.step()
            total += loss.detach()
        self.sync()
        return time.perf_counter() - start

    def predict(self, X, batch_size=1000):
        """Outputs for host array X as a host array, and the seconds it took."""
        torch = self.torch
        Xt = torch.from_numpy(X).to(self.device)
        self.model.eval()
        self.sync()
        start = time.perf_counter()
        with torch.inference_mode():
            out = torch.cat([self.model(Xt[i:i + batch_size])
                             for i in range(0, Xt.shape[0], batch_size)])
            out = out.cpu().numpy()
        self.sync()
        return out, time.perf_counter() - start
