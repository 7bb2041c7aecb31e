"""Reference solutions of the tinynet.learn exercises, as the method bodies a learner writes.

``solved(name)`` is the exercise's template with each ``raise NotImplementedError("TODO: C.m")``
line replaced by the body below, so the template's own scaffolding (constructor,
state, reseed) is what gets checked.  Written the way a learner would: plain
NumPy, loops where loops are clearest.
"""
import textwrap

from tinynet.learn import EXERCISES

SOLUTIONS = {
    "dense": {
        "Dense.forward": """
            self._cache = x
            return x @ W + b
        """,
        "Dense.backward": """
            self.grads["W"] = x.T @ grad_out
            self.grads["b"] = grad_out.sum(axis=0)
            return grad_out @ W.T
        """,
    },
    "relu": {
        "ReLU.forward": """
            self._cache = x > 0
            return np.maximum(x, 0)
        """,
        "ReLU.backward": """
            return grad_out * self._cache
        """,
    },
    "sigmoid": {
        "Sigmoid.forward": """
            y = 0.5 * (1 + np.tanh(0.5 * x))
            self._cache = y
            return y
        """,
        "Sigmoid.backward": """
            y = self._cache
            return grad_out * y * (1 - y)
        """,
    },
    "softmax_ce": {
        "SoftmaxCrossEntropy.forward": """
            s = pred - pred.max(axis=1, keepdims=True)
            log_sum = np.log(np.exp(s).sum(axis=1))
            n = pred.shape[0]
            self._cache = (np.exp(s - log_sum[:, None]), target)
            return (log_sum - s[np.arange(n), target]).mean()
        """,
        "SoftmaxCrossEntropy.backward": """
            p, y = self._cache
            n = p.shape[0]
            grad = p.copy()
            grad[np.arange(n), y] -= 1
            return grad / n
        """,
    },
    "conv2d": {
        "Conv2D.forward": """
            n_, c_, h, w = x.shape
            f_ = W.shape[0]
            oh, ow = (h + 2 * pad - k) // s + 1, (w + 2 * pad - k) // s + 1
            xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            y = np.zeros((n_, f_, oh, ow))
            for n in range(n_):
                for f in range(f_):
                    for i in range(oh):
                        for j in range(ow):
                            window = xpad[n, :, i * s:i * s + k, j * s:j * s + k]
                            y[n, f, i, j] = np.sum(window * W[f]) + b[f]
            self._cache = (x.shape, xpad)
            return y
        """,
        "Conv2D.backward": """
            (n_, c_, h, w), xpad = self._cache
            dxpad = np.zeros_like(xpad)
            dW, db = np.zeros_like(W), np.zeros(W.shape[0])
            for n in range(grad_out.shape[0]):
                for f in range(grad_out.shape[1]):
                    for i in range(grad_out.shape[2]):
                        for j in range(grad_out.shape[3]):
                            g = grad_out[n, f, i, j]
                            dxpad[n, :, i * s:i * s + k, j * s:j * s + k] += g * W[f]
                            dW[f] += g * xpad[n, :, i * s:i * s + k, j * s:j * s + k]
                            db[f] += g
            self.grads["W"][...] = dW
            self.grads["b"][...] = db
            return dxpad[:, :, pad:pad + h, pad:pad + w]
        """,
    },
    "maxpool2d": {
        "MaxPool2D.forward": """
            n_, c_, h, w = x.shape
            oh, ow = (h - k) // s + 1, (w - k) // s + 1
            y = np.zeros((n_, c_, oh, ow))
            for n in range(n_):
                for c in range(c_):
                    for i in range(oh):
                        for j in range(ow):
                            y[n, c, i, j] = x[n, c, i * s:i * s + k, j * s:j * s + k].max()
            self._cache = x
            return y
        """,
        "MaxPool2D.backward": """
            x = self._cache
            dx = np.zeros_like(x)
            n_, c_, oh, ow = grad_out.shape
            for n in range(n_):
                for c in range(c_):
                    for i in range(oh):
                        for j in range(ow):
                            window = x[n, c, i * s:i * s + k, j * s:j * s + k]
                            p, q = np.unravel_index(np.argmax(window), window.shape)
                            dx[n, c, i * s + p, j * s + q] += grad_out[n, c, i, j]
            return dx
        """,
    },
    "batchnorm": {
        "BatchNorm.forward": """
            mu = x.mean(axis=0)
            var = ((x - mu) ** 2).mean(axis=0)
            r = 1.0 / np.sqrt(var + eps)
            xhat = (x - mu) * r
            self._cache = (xhat, r)
            return gamma * xhat + beta
        """,
        "BatchNorm.backward": """
            xhat, r = self._cache
            self.grads["beta"][...] = grad_out.sum(axis=0)
            self.grads["gamma"][...] = (grad_out * xhat).sum(axis=0)
            dxhat = grad_out * gamma
            return r * (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0))
        """,
    },
    "dropout": {
        "Dropout.forward": """
            if not training:
                self._cache = None
                return x
            mask = (self.rng.random(x.shape) >= self.p) / (1.0 - self.p)
            self._cache = mask
            return x * mask
        """,
        "Dropout.backward": """
            return grad_out if self._cache is None else grad_out * self._cache
        """,
    },
    "adam": {
        "Adam._update": """
            m *= b1
            m += (1 - b1) * grad
            v *= b2
            v += (1 - b2) * grad * grad
            mhat = m / (1 - b1 ** t)
            vhat = v / (1 - b2 ** t)
            param -= lr * mhat / (np.sqrt(vhat) + eps)
        """,
    },
}


def solved(name, bug=None):
    """The template of exercise ``name`` with the solution filled in.

    ``bug``: an optional ``(old, new)`` text replacement in the solution (a planted bug).
    """
    text = EXERCISES[name].template_text()
    for method, body in SOLUTIONS[name].items():
        line = f'        raise NotImplementedError("TODO: {method}")\n'
        assert line in text, (name, method)
        text = text.replace(line, textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 8) + "\n")
    if bug is not None:
        old, new = bug
        assert text.count(old) == 1, (name, old)
        text = text.replace(old, new)
    return text
