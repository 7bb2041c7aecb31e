"""Shared fixtures for tinynet's tests.

* ``xp_backend``: runs a test once per array backend, NumPy always and CuPy
  when a GPU answers (otherwise that case is skipped, "no GPU/CuPy").  The
  environment variable ``TINYNET_TEST_BACKENDS`` (e.g. "cupy" or
  "numpy,cupy") restricts which backends run.  The fixture makes its backend
  the global one for the test (new layers are built there) and restores the
  previous one afterwards.
* An autouse guard restores tinynet's global backend and default dtype after
  every test, so one test that forgets cannot change the next one.
* Hypothesis: the property tests use ``helpers.prop(n)``: a small
  ``max_examples``, ``deadline=None``, and the function-scoped-fixture health
  check lifted, because ``xp_backend`` is *meant* to stay the same across the
  examples of one test.  Nothing is changed globally (no profile is loaded).
"""
import os
import sys
from dataclasses import dataclass

import numpy as np
import pytest

import tinynet as tn
from tinynet import backend

# Helpers (helpers.py; the oracles are tinynet/kernels/naive.py) live next to this file; tests in
# sub-folders import them as top-level modules.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import wanted_backends  # noqa: E402


def _backend_params():
    params = []
    for name in wanted_backends():
        marks = ()
        if name == "cupy" and not backend.gpu_available():
            marks = (pytest.mark.skip(reason="no GPU/CuPy"),)
        params.append(pytest.param(name, marks=marks, id=name))
    return params


BACKEND_PARAMS = _backend_params()


@dataclass(frozen=True)
class Backend:
    """What a test needs to know about the backend it runs on."""

    name: str
    xp: object

    def asarray(self, host_array):
        """``host_array`` (NumPy) on this backend."""
        return backend.to_device(np.asarray(host_array), self.name)

    @staticmethod
    def host(array):
        """Any array as a NumPy array."""
        return backend.to_host(array)


@pytest.fixture(params=BACKEND_PARAMS)
def xp_backend(request):
    """The backend under test, made the global one for the test's duration."""
    name = request.param
    previous = backend.get_backend()
    tn.use_backend(name)
    try:
        yield Backend(name, backend.module_for(name))
    finally:
        tn.use_backend(previous)


@pytest.fixture(autouse=True)
def _restore_tinynet_globals():
    """Put the global backend and default dtype back after each test."""
    name, dtype = backend.get_backend(), backend.get_default_dtype()
    yield
    backend._state["name"] = name
    tn.set_default_dtype(dtype)

