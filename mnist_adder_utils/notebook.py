"""Helpers for the notebooks: show the package's code, find image/, the interactive explorer."""

import inspect
import io
import os
import sys
from pathlib import Path

import torch

REPOSITORY_URL = "https://github.com/mnist-adder/mnist-adder"  # the one place the notebooks' URL is kept
IMAGE_DIR_ENV_VAR = "MNIST_ADDER_IMAGE_DIR"


def in_colab():
    return "google.colab" in sys.modules


def show_source(*objects):
    """The source code of functions or classes, as a highlighted Markdown block."""
    from IPython.display import Markdown

    code = "\n\n".join(inspect.getsource(obj).rstrip() for obj in objects)
    return Markdown(f"```python\n{code}\n```")


def image_dir():
    """Where the notebooks save their figures: $MNIST_ADDER_IMAGE_DIR if set (the tests use a
    scratch folder, so a test run never rewrites the committed figures), else the repository's
    image/ folder when run inside it (notebooks/), else ./image."""
    if os.environ.get(IMAGE_DIR_ENV_VAR):
        folder = Path(os.environ[IMAGE_DIR_ENV_VAR])
    elif (Path.cwd().parent / "mnist_adder_utils").is_dir():
        folder = Path.cwd().parent / "image"
    else:
        folder = Path("image")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def prediction_explorer(model, results, number=3):
    """Sliders for a test image and a number, a "random" button, and the model's answer drawn live.

    ``results`` is ``analysis.test_set_results(...)``. Returns the widget box; its
    ``children`` are (controls, output) for tests and further wiring.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import Image

    from .plots import prediction_plot
    from .predict import predict

    if in_colab():  # Colab renders ipywidgets 8 only through its custom widget manager
        from google.colab import output as colab_output

        colab_output.enable_custom_widget_manager()
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
        png = io.BytesIO()
        figure.savefig(png, format="png", dpi=90, bbox_inches="tight")
        plt.close(figure)
        output.outputs = ()  # replace, not append; works from callbacks and outside a kernel too
        output.append_display_data(Image(png.getvalue()))

    def pick_random(_button):
        index_slider.value = int(torch.randint(len(images), (1,), generator=picker))

    index_slider.observe(redraw, names="value")
    number_slider.observe(redraw, names="value")
    random_button.on_click(pick_random)
    redraw()
    return widgets.VBox([widgets.HBox([index_slider, number_slider, random_button]), output])
