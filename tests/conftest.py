import os
from pathlib import Path

import pytest

from mnist_adder_utils.data import DATA_ENV_VAR, MnistSource, _unpack_sample, check_mnist_files

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def mnist_source(tmp_path_factory):
    """Full MNIST when $MNIST_ADDER_DATA names it (as in CI), else the bundled sample."""
    root = os.environ.get(DATA_ENV_VAR)
    if root:
        check_mnist_files(root)
        return MnistSource(Path(root).resolve(), "environment")
    os.environ.setdefault("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    return MnistSource(_unpack_sample(), "bundled sample")


@pytest.fixture
def offline_home(tmp_path, monkeypatch):
    """No data root set, an empty cache folder, and downloads that fail as they do offline."""
    monkeypatch.delenv(DATA_ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr("mnist_adder_utils.data._try_download", lambda root: "URLError: no internet")
    monkeypatch.setattr("mnist_adder_utils.data._warned", set())
    return tmp_path
