"""Helpers for the notebooks: show the package's code, Colab's set-up, the interactive explorer."""

import base64
import importlib
import inspect
import io
import os
import sys
import warnings
from importlib import metadata
from pathlib import Path

import torch

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


def _append_figure(output, figure):
    """Add ``figure`` to an ipywidgets ``Output`` as a PNG, and close it (a widget's figures are not shown inline)."""
    import matplotlib.pyplot as plt
    from IPython.display import Image

    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    output.append_display_data(Image(png.getvalue()))


def prediction_explorer(model, results, number=3):
    """Sliders for a test image and a number, a "random" button, and the model's answer drawn live.

    ``results`` is ``analysis.test_set_results(...)``. Returns the widget box, to be shown with
    ``display()`` (which works with ipywidgets 7, Colab's, and 8); its ``children`` are
    (controls, output) for tests and further wiring.
    """
    import ipywidgets as widgets

    from .plots import prediction_plot
    from .predict import predict

    images, digits = results["images"], results["digit"]
    index_slider = widgets.IntSlider(value=0, min=0, max=len(images) - 1, description="test image", continuous_update=False)
    number_slider = widgets.IntSlider(value=number, min=0, max=9, description="number")
    random_button = widgets.Button(description="random image", icon="random")
    output = widgets.Output()
    picker = torch.Generator().manual_seed(0)

    def redraw(_change=None):
        image = images[index_slider.value]
        prediction = predict(model, image, number_slider.value)
        figure = prediction_plot(image, number_slider.value, prediction, int(digits[index_slider.value]))
        output.outputs = ()  # replace, not append; works from callbacks and outside a kernel too
        _append_figure(output, figure)

    def pick_random(_button):
        index_slider.value = int(torch.randint(len(images), (1,), generator=picker))

    index_slider.observe(redraw, names="value")
    number_slider.observe(redraw, names="value")
    random_button.on_click(pick_random)
    redraw()
    return widgets.VBox([widgets.HBox([index_slider, number_slider, random_button]), output])


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def show_widget(widget, screenshot=None):
    """Display ``widget``, live; where no kernel runs it (GitHub, nbviewer), ``screenshot`` (a PNG) if there is
    one, else a line saying what is there, never a repr with memory addresses.

    JupyterLab, Jupyter Notebook and VS Code draw the live widget and ignore the rest; GitHub shows the
    picture. On Colab, whose widget manager is its own, the widget is displayed the usual way.
    """
    from IPython.display import display

    if in_colab():
        display(widget)
        return
    bundle = {WIDGET_VIEW: {"version_major": 2, "version_minor": 0, "model_id": widget.model_id}}
    if screenshot is not None and Path(screenshot).is_file():
        bundle["image/png"] = base64.b64encode(Path(screenshot).read_bytes()).decode()
        bundle["text/plain"] = f"a live widget (here a screenshot, {Path(screenshot).name}): run the notebook to use it"
    else:
        bundle["text/plain"] = "a live widget: run the notebook to use it"
    display(bundle, raw=True)


def uploaded_files(value):
    """The contents (bytes) of a ``FileUpload``'s files: ipywidgets 7 keeps a dict by file name,
    ipywidgets 8 a tuple of dicts."""
    files = value.values() if isinstance(value, dict) else value
    return [bytes(item["content"]) for item in files]


def _show_answer(output, model, picture, number):
    """Prepare ``picture`` (PIL) as MNIST was made and show in ``output`` what the model answers, in a line
    of text and a figure; or say in one line why it cannot (no digit on it)."""
    from .handwriting import mnist_style
    from .plots import prediction_plot
    from .predict import predict

    try:
        prepared = mnist_style(picture)
    except ValueError as error:
        output.append_stdout(f"{error}\n")
        return
    answer = predict(model, prepared, number)
    output.append_stdout(
        f"digit {answer['digit']} ({answer['digit_probs'][answer['digit']]:.0%}), "
        f"{answer['digit']} + {number} = {answer['sum']} ({answer['sum_probs'][answer['sum']]:.0%})\n"
    )
    _append_figure(output, prediction_plot(prepared, number, answer))


def upload_box(model, number=3):
    """A button to upload a picture of a digit; shows what the model reads in it, plus ``number``.

    Returns the widget box, to be shown with ``display()``; its ``children`` are (button, output).
    """
    import ipywidgets as widgets
    from PIL import Image, UnidentifiedImageError

    button = widgets.FileUpload(accept="image/*", multiple=False, description="picture of a digit")
    output = widgets.Output()

    def show(_change=None):
        output.outputs = ()
        for content in uploaded_files(button.value):
            try:
                picture = Image.open(io.BytesIO(content))
                picture.load()
            except (UnidentifiedImageError, OSError, SyntaxError):
                output.append_stdout("that file is not a picture (expected a PNG, JPEG or BMP of a digit)\n")
                continue
            _show_answer(output, model, picture, number)

    button.observe(show, names="value")
    return widgets.VBox([button, output])


def drawing_pad(model, number=3):
    """A pad to draw a digit on, a slider for the number, and the model's answer, redrawn after each stroke.

    Returns the widget box, to be shown with ``display()``; its ``children`` are (pad, (slider, output)).
    """
    import ipywidgets as widgets

    from .drawing_pad import DrawingPad

    pad = DrawingPad()
    number_slider = widgets.IntSlider(value=number, min=0, max=9, description="number")
    output = widgets.Output()

    def redraw(_change=None):
        output.outputs = ()
        picture = pad.picture()
        if picture is None:
            output.append_stdout("draw a digit on the pad\n")
        else:
            _show_answer(output, model, picture, number_slider.value)

    pad.observe(redraw, names="png")
    number_slider.observe(redraw, names="value")
    redraw()
    return widgets.HBox([pad, widgets.VBox([number_slider, output])])
