"""Where the tutorial keeps its files: runs (runs/, see ``checkpoint.checkpoint_path``) and figures (image/).

The command line and the notebooks share one runs folder, so a model trained with
``./run.sh train`` is the one notebook 5 opens.
"""

import os
from pathlib import Path

RUNS_ENV_VAR = "MNIST_ADDER_RUNS"
IMAGE_DIR_ENV_VAR = "MNIST_ADDER_IMAGE_DIR"


def repository_root():
    """The checkout this runs in (from its root or from notebooks/), or None (e.g. on Colab)."""
    for folder in (Path.cwd(), Path.cwd().parent):
        if (folder / "mnist_adder_utils").is_dir() and (folder / "notebooks").is_dir():
            return folder
    return None


def _folder(env_var, name):
    if os.environ.get(env_var):
        return Path(os.environ[env_var]).expanduser()
    root = repository_root()
    return (root if root is not None else Path.cwd()) / name


def runs_dir():
    """Where checkpoints go: $MNIST_ADDER_RUNS if set, else runs/ at the checkout's root, else ./runs."""
    return _folder(RUNS_ENV_VAR, "runs")


def image_dir():
    """Where the notebooks save their figures: $MNIST_ADDER_IMAGE_DIR if set (the tests use a
    scratch folder, so a test run never rewrites the committed figures), else the checkout's
    image/ folder, else ./image."""
    folder = _folder(IMAGE_DIR_ENV_VAR, "image")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shown(path):
    """``path`` as a reader should see it: relative to the current folder when it is below the
    checkout (no machine-specific prefix in a notebook's output), else as it is."""
    path, root = Path(path), repository_root()
    if root is not None and path.resolve().is_relative_to(root.resolve()):
        return Path(os.path.relpath(path.resolve(), Path.cwd()))
    return path
