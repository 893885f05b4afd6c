import os
from pathlib import Path

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

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


class RecordDtypes(TorchDispatchMode):
    """Notes the dtype of every tensor any PyTorch operation produces."""

    def __init__(self):
        super().__init__()
        self.dtypes = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        result = func(*args, **(kwargs or {}))
        for value in torch.utils._pytree.tree_leaves(result):
            if isinstance(value, torch.Tensor):
                self.dtypes.add(value.dtype)
        return result


@pytest.fixture
def dtype_recorder():
    """``with dtype_recorder as recorded:`` notes in ``recorded.dtypes`` the dtype of every tensor made inside."""
    return RecordDtypes()


@pytest.fixture(autouse=True)
def own_runs_folder(tmp_path, monkeypatch):
    """Each test its own runs folder: none writes a checkpoint where another test, or a notebook, would find it."""
    monkeypatch.setenv("MNIST_ADDER_RUNS", str(tmp_path / "runs"))
