"""What every notebook does around its lesson: its parameters, its set-up on Colab (the install checks, Google
Drive), and showing the package's own code. The interactive widgets are in ``widgets``."""

import importlib
import inspect
import os
import sys
import warnings
from importlib import metadata

from .places import RUNS_ENV_VAR, image_dir, runs_dir, shown  # noqa: F401  (image_dir: the notebooks' import)

REPOSITORY_URL = "https://github.com/mnist-adder/mnist-adder"  # the one place the notebooks' URL is kept
DRIVE_RUNS = "/content/drive/MyDrive/mnist-adder/runs"
RESTART_HINT = "Runtime -> Restart session, then Run all"


# What each notebook parameter's environment variable is, and its type (the tests shorten runs through them)
PARAMETER_VARIABLES = {"epochs": ("MNIST_ADDER_EPOCHS", int), "batch_size": ("MNIST_ADDER_BATCH_SIZE", int),
                       "seed": ("MNIST_ADDER_SEED", int), "data_root": ("MNIST_ADDER_DATA", str)}  # fmt: skip


def parameters(**defaults):
    """The notebook's parameters, in the order given: each default, unless its environment variable is set
    (``MNIST_ADDER_EPOCHS``, ``_BATCH_SIZE``, ``_SEED``, ``_DATA``), which is how the tests run short."""
    values = []
    for name, default in defaults.items():
        variable, kind = PARAMETER_VARIABLES[name]
        text = os.environ.get(variable)
        try:
            values.append(default if text is None else kind(text))
        except ValueError:
            raise ValueError(f"{variable}={text!r}: expected a whole number") from None
    return values


def in_colab():
    return "google.colab" in sys.modules


class NotebookStop(RuntimeError):
    """A stop the reader can act on; IPython shows it as one line, not a traceback."""

    def _render_traceback_(self):
        return [f"{type(self).__name__}: {self}"]


class RestartNeeded(NotebookStop):
    """pip replaced a package this Python process had already imported."""


class WrongRelease(NotebookStop):
    """The package installed is not the release the notebooks pin."""


def upgraded_since_import():
    """``{distribution: (imported version, installed version)}`` for imported packages that
    pip has since replaced on disk; the running process still uses the old one."""
    importlib.invalidate_caches()
    changed = {}
    for module_name, distributions in metadata.packages_distributions().items():
        with warnings.catch_warnings():  # some packages deprecate their __version__
            warnings.simplefilter("ignore")
            imported = getattr(sys.modules.get(module_name), "__version__", None)
        if not isinstance(imported, str):
            continue
        for distribution in distributions:
            try:
                installed = metadata.version(distribution)
            except metadata.PackageNotFoundError:
                continue
            if not _same_version(imported, installed):
                changed[distribution] = (imported, installed)
    return changed


def _same_version(first, second):
    from packaging.version import InvalidVersion, Version

    try:
        first, second = Version(first), Version(second)
    except InvalidVersion:  # a module's own spelling of its version: compare as text
        return first == second
    if not (first.local and second.local):  # torch says 2.11.0+cu126 where its metadata may say 2.11.0
        return first.public == second.public
    return first == second


def stop_if_restart_needed(release=None):
    """After the install cell's pip: stop with one line if pip upgraded something already imported, or if the
    package installed is not ``release``."""
    changed = upgraded_since_import()
    if changed:
        what = ", ".join(f"{name} {old} -> {new}" for name, (old, new) in sorted(changed.items()))
        raise RestartNeeded(f"pip upgraded {what}, already loaded in this session: {RESTART_HINT}.")
    installed = metadata.version("mnist-adder") if release is not None else None
    if installed != release:
        raise WrongRelease(
            f"mnist-adder {installed} was installed, but these notebooks were written for {release}: open the notebooks "
            f"of release {installed}, or report it at {REPOSITORY_URL}/issues"
        )


class ExtraMissing(NotebookStop):
    """A lesson needs one of the package's extras, which is not installed."""


def install_extra(extra):
    """What a lesson needs beyond the package (e.g. ``"export"``: ONNX and ONNX Runtime), pinned as the package pins
    them. On Colab, pip installs them (one line if it cannot, or if a restart is needed); elsewhere, one line says how
    to add them if they are missing."""
    from packaging.requirements import Requirement

    requirements = [Requirement(line) for line in metadata.requires("mnist-adder") or ()]
    wanted = [r for r in requirements if r.marker is not None and r.marker.evaluate({"extra": extra})]
    if not wanted:
        raise ValueError(f"mnist-adder has no extra {extra!r}")
    missing = [f"{r.name}{r.specifier}" for r in wanted if not _installed(r)]
    if not missing:
        return
    if not in_colab():
        raise ExtraMissing(
            f"this lesson needs {', '.join(missing)}: pip install \"mnist-adder[{extra}]\" "
            f"(in a checkout of the repository: pip install -e \".[{extra}]\")"
        )
    import subprocess

    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", *missing],
                         capture_output=True, text=True)  # fmt: skip
    if pip.returncode:
        error = next((line for line in reversed(pip.stderr.splitlines()) if line.startswith("ERROR")), "pip failed")
        raise ExtraMissing(f"could not install {', '.join(missing)} ({error}): check the connection")
    stop_if_restart_needed()


def _installed(requirement):
    """Whether a ``packaging`` requirement is installed, at a version it allows."""
    try:
        return requirement.specifier.contains(metadata.version(requirement.name), prereleases=True)
    except metadata.PackageNotFoundError:
        return False


def use_runs_folder(on_drive=False):
    """Say where checkpoints are kept; with ``on_drive`` (Colab only), on Google Drive first."""
    if on_drive:
        keep_runs_on_drive()
    print(f"checkpoints: {shown(runs_dir())}/ (the command line's train writes there too)")
    return runs_dir()


def keep_runs_on_drive(folder=DRIVE_RUNS):
    """On Colab: keep checkpoints on Google Drive, so a notebook in a new runtime finds earlier runs.

    Mounts Drive (Colab asks for permission) and points $MNIST_ADDER_RUNS there. Returns the folder.
    """
    if not in_colab():
        raise RuntimeError("Google Drive can be mounted on Colab only; here checkpoints stay in runs/")
    from google.colab import drive

    drive.mount("/content/drive")
    os.environ[RUNS_ENV_VAR] = str(folder)
    os.makedirs(folder, exist_ok=True)
    return folder


def show_source(*objects):
    """The source code of functions or classes, as a highlighted Markdown block."""
    from IPython.display import Markdown

    code = "\n\n".join(inspect.getsource(obj).rstrip() for obj in objects)
    return Markdown(f"```python\n{code}\n```")
