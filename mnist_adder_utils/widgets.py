"""The notebooks' interactive widgets: the prediction explorer, a drawing pad and a picture upload that answer
with the model, and how a widget shows where no kernel runs (GitHub, nbviewer)."""

import base64
import io
from pathlib import Path

import torch

from .notebook import in_colab


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

    ``results`` is ``analysis.predict_test_set(...)``. Returns the widget box, to be shown with
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
    picture. On Colab, whose widget manager is its own, the widget is displayed the usual way. ``None`` (what
    ``upload_and_predict`` returns on Colab, having shown its answers already) shows nothing.
    """
    from IPython.display import display

    if widget is None:
        return
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


def _answer(model, picture, number):
    """Prepare ``picture`` (PIL) as MNIST was made; return a line saying what the model answers and a figure of
    it, or a line saying why it cannot (no digit on it) and ``None``."""
    from .handwriting import mnist_style
    from .plots import prediction_plot
    from .predict import predict

    try:
        prepared = mnist_style(picture)
    except ValueError as error:
        return str(error), None
    answer = predict(model, prepared, number)
    line = (f"digit {answer['digit']} ({answer['digit_probs'][answer['digit']]:.0%}), "
            f"{answer['digit']} + {number} = {answer['sum']} ({answer['sum_probs'][answer['sum']]:.0%})")  # fmt: skip
    return line, prediction_plot(prepared, number, answer)


def _read_file(model, content, number):
    """``_answer`` for the bytes of an uploaded file, or a line saying it is not a picture."""
    from PIL import Image, UnidentifiedImageError

    try:
        picture = Image.open(io.BytesIO(content))
        picture.load()
    except (UnidentifiedImageError, OSError, SyntaxError):
        return "that file is not a picture (expected a PNG, JPEG or BMP of a digit)", None
    return _answer(model, picture, number)


def _show_answer(output, line, figure):
    """Put an answer (``_answer``'s) in an ipywidgets ``Output``."""
    output.append_stdout(line + "\n")
    if figure is not None:
        _append_figure(output, figure)


UPLOAD_LIMIT = "up to 10 MB: Jupyter drops larger files without a word (its server's message size limit)"


def upload_and_predict(model, number=3):
    """Ask for a picture of a digit and show what the model reads in it, plus ``number``.

    On Colab: Colab's own file picker (``google.colab.files.upload``: no size limit, no widget), which waits
    for a file or Cancel; the answers are printed and drawn below, and nothing is returned. Elsewhere: an
    upload button (ipywidgets' ``FileUpload``, with its size limit said beside it) that answers each file
    it is given; returns that widget box, to be shown with ``show_widget``: its ``children`` are
    ((button, limit), output).
    """
    if in_colab():
        _upload_on_colab(model, number)
        return None
    import ipywidgets as widgets

    button = widgets.FileUpload(accept="image/*", multiple=False, description="picture of a digit")
    limit = widgets.Label(UPLOAD_LIMIT)
    output = widgets.Output()

    def show(_change=None):
        output.outputs = ()
        for content in uploaded_files(button.value):
            _show_answer(output, *_read_file(model, content, number))

    button.observe(show, names="value")
    return widgets.VBox([widgets.HBox([button, limit]), output])


def _upload_on_colab(model, number):
    """Colab's file picker rather than ``FileUpload``, which drops files of 1 MB or more on Colab (ipywidgets
    issue 3452) and would run under the custom widget manager the drawing pad switched on."""
    import matplotlib.pyplot as plt
    from google.colab import files
    from IPython.display import display

    uploaded = files.upload()
    if not uploaded:
        print("no picture chosen: run this cell again to upload one")
    for name, content in uploaded.items():
        line, figure = _read_file(model, content, number)
        print(f"{name}: {line}")
        if figure is not None:
            display(figure)
            plt.close(figure)


def draw_and_predict(model, number=3):
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
            _show_answer(output, *_answer(model, picture, number_slider.value))

    pad.observe(redraw, names="png")
    number_slider.observe(redraw, names="value")
    redraw()
    return widgets.HBox([pad, widgets.VBox([number_slider, output])])
