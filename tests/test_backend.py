"""The backend contract: one module imports NumPy/CuPy, kernels take xp from their inputs,
and choosing an unusable backend fails with one clear error.

Oracles: the source tree parsed with ``ast`` (no regex guessing), with a
self-test showing the scanner catches every import form it claims to; the
documented error types and messages.
"""
import ast
import importlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinynet as tn
from tinynet import backend

PACKAGE = Path(tn.__file__).resolve().parent
ARRAY_LIBS = {"numpy", "cupy", "cupyx"}
#: modules that must take ``xp`` from their inputs, never the host module
XP_ONLY = ["layers/*.py", "kernels/*.py", "losses.py", "optim.py", "regularizers.py"]


def _root(name):
    return (name or "").split(".")[0]


def array_library_imports(source):
    """[(line, what)] for every import of numpy/cupy in ``source``:
    ``import numpy``, ``from numpy.x import y``, ``importlib.import_module("cupy")``,
    ``import_module("cupy")``, ``__import__("numpy")``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if _root(a.name) in ARRAY_LIBS]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and _root(node.module) in ARRAY_LIBS:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            arg = node.args[0]
            if (name in ("import_module", "__import__") and isinstance(arg, ast.Constant)
                    and isinstance(arg.value, str) and _root(arg.value) in ARRAY_LIBS):
                found.append((node.lineno, f"{name}({arg.value!r})"))
    return found


def host_module_uses(source):
    """[(line, what)] for every use of the host module ``backend.np``:
    ``from ..backend import np`` or ``backend.np`` (docstrings are not code)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] == "backend":
            found += [(node.lineno, f"from {node.module} import np")
                      for a in node.names if a.name == "np"]
        elif (isinstance(node, ast.Attribute) and node.attr == "np"
              and isinstance(node.value, ast.Name) and node.value.id == "backend"):
            found.append((node.lineno, "backend.np"))
    return found


def test_scanners_catch_every_form():
    """Self-test: each forbidden form is found, and harmless look-alikes are not."""
    bad = "\n".join(["import numpy", "import numpy.linalg as la", "from numpy import zeros",
                     "import cupy as cp", "from cupyx.scipy import ndimage",
                     "importlib.import_module('cupy')", "import_module('numpy.random')",
                     "__import__('cupy')"])
    assert len(array_library_imports(bad)) == 8
    ok = "from .backend import array_module\nimport numbers\nx = 'import numpy'\n"
    assert array_library_imports(ok) == [] and host_module_uses(ok) == []
    host = "from ..backend import np\nfrom .. import backend\nbackend.np.zeros(3)\nxp is backend.np\n"
    assert len(host_module_uses(host)) == 3
    assert host_module_uses('"""\n>>> np = tn.backend.np\n"""\n') == []


def test_only_backend_imports_numpy_or_cupy():
    """Oracle: the ast scan of every tinynet module but backend.py finds no NumPy/CuPy import."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "backend.py" and path.parent == PACKAGE:
            continue
        for line, what in array_library_imports(path.read_text()):
            offenders.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {what}")
    assert not offenders, "import NumPy/CuPy only in tinynet/backend.py:\n" + "\n".join(offenders)


def test_compute_modules_take_xp_from_their_inputs():
    """Oracle: the ast scan finds no use of backend.np in layers, kernels, losses, optim, regularizers."""
    files = sorted({p for pattern in XP_ONLY for p in PACKAGE.glob(pattern)})
    assert len(files) >= 10
    offenders = [f"{p.relative_to(PACKAGE.parent)}:{line}: {what}"
                 for p in files for line, what in host_module_uses(p.read_text())]
    assert not offenders, ("layers/kernels/losses/optim/regularizers must use "
                           "backend.array_module(x), not the host module:\n" + "\n".join(offenders))


# ------------------------------------------------------------ choosing
def test_unknown_backend():
    """Oracle: the documented ValueError, and the global backend left unchanged."""
    with pytest.raises(ValueError, match=r"unknown backend 'bogus'; expected one of \('numpy', 'cupy'\)"):
        tn.use_backend("bogus")
    assert tn.get_backend() == "numpy"


@pytest.mark.skipif(backend.gpu_available(), reason="a GPU is available here")
def test_cupy_without_gpu_raises_backend_error():
    """Oracle: on this GPU-less machine, the documented BackendError and an unchanged backend."""
    with pytest.raises(backend.BackendError, match=r"tinynet: the 'cupy' backend needs CuPy|"
                                                   r"no CUDA GPU"):
        tn.use_backend("cupy")
    assert tn.get_backend() == "numpy"  # unchanged after the failure
    assert backend.gpu_available() is False


def test_missing_cupy_is_explained(monkeypatch):
    """Simulated on any machine: CuPy not importable -> BackendError with the install hint."""
    real = importlib.import_module

    def no_cupy(name, *args, **kwargs):
        if name == "cupy":
            raise ImportError("No module named 'cupy'")
        return real(name, *args, **kwargs)
    monkeypatch.setattr(backend, "_cupy", None)
    monkeypatch.setattr(backend.importlib, "import_module", no_cupy)
    with pytest.raises(backend.BackendError, match=r"needs CuPy, which is not installed\. Install it "
                                                   r"with `pip install -e \"\.\[gpu\]\"`"):
        tn.use_backend("cupy")
    assert backend.gpu_available() is False
    assert tn.get_backend() == "numpy"


def test_cupy_without_driver_is_explained(monkeypatch):
    """Simulated: CuPy imports but no CUDA device answers."""
    class Runtime:
        @staticmethod
        def getDeviceCount():
            raise RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")

    class FakeCupy:
        cuda = type("cuda", (), {"runtime": Runtime})

    real = importlib.import_module
    monkeypatch.setattr(backend, "_cupy", None)
    monkeypatch.setattr(backend.importlib, "import_module",
                        lambda name, *a, **k: FakeCupy if name == "cupy" else real(name, *a, **k))
    with pytest.raises(backend.BackendError, match=r"CuPy is installed but no CUDA GPU answers "
                                                   r"\(RuntimeError: cudaErrorNoDevice"):
        tn.use_backend("cupy")


@pytest.mark.parametrize("value, ok", [("numpy", True), ("NumPy ", True), ("bogus", False)])
def test_backend_environment_variable(value, ok):
    """TINYNET_BACKEND is read once at import; a bad value fails loudly there."""
    env = dict(os.environ, TINYNET_BACKEND=value)
    env.pop("TINYNET_TEST_BACKENDS", None)
    code = "import tinynet as tn; print(tn.get_backend())"
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          cwd=PACKAGE.parent, timeout=120)
    if ok:
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == "numpy"
    else:
        assert proc.returncode != 0
        assert "unknown backend 'bogus'" in proc.stderr


def test_host_helpers():
    """to_device on the host is a no-op (no copy); to_host gives NumPy; describe names NumPy."""
    a = np.arange(3.0)
    assert backend.to_device(a, "numpy") is a
    assert backend.to_host([1, 2]).tolist() == [1, 2]
    assert backend.array_module(a, None) is np and backend.array_module() is np
    assert backend.device_of(a) == "numpy"
    assert backend.describe() == f"numpy {np.__version__}"
    backend.synchronize(np)  # a no-op on the host


@pytest.mark.skipif(not backend.gpu_available(), reason="no GPU/CuPy")
def test_mixing_devices_is_one_clear_error():
    """Oracle: the documented DeviceMismatchError (a ValueError) instead of CuPy's deep TypeError."""
    import cupy  # noqa: the GPU case only
    layer = tn.layers.Dense(3, 2)  # on the host
    with pytest.raises(backend.DeviceMismatchError, match="arrays on the CPU \\(numpy\\) and on the GPU"):
        layer.forward(cupy.zeros((2, 3), "float32"))
    assert issubclass(backend.DeviceMismatchError, ValueError)


def test_test_backends_variable(monkeypatch):
    """Oracle: the rules of TINYNET_TEST_BACKENDS, which the xp_backend fixture follows."""
    from helpers import wanted_backends
    monkeypatch.delenv("TINYNET_TEST_BACKENDS", raising=False)
    assert wanted_backends() == ("numpy", "cupy")
    monkeypatch.setenv("TINYNET_TEST_BACKENDS", " CuPy ")
    assert wanted_backends() == ("cupy",)
    monkeypatch.setenv("TINYNET_TEST_BACKENDS", "numpy,cupy")
    assert wanted_backends() == ("numpy", "cupy")
    monkeypatch.setenv("TINYNET_TEST_BACKENDS", "numpy,tpu")
    with pytest.raises(pytest.UsageError, match=r"unknown backend\(s\) \['tpu'\]"):
        wanted_backends()
