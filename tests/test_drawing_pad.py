"""The drawing pad and the upload box, driven from the kernel side as the browser would drive them."""

import io
from datetime import datetime, timezone

import torch
from PIL import Image, ImageDraw

from mnist_adder_utils import MNISTadder
from mnist_adder_utils.drawing_pad import DrawingPad
from mnist_adder_utils.widgets import UPLOAD_LIMIT, draw_and_predict, upload_and_predict


def a_drawn_seven():
    picture = Image.new("RGB", (280, 280), "white")
    ImageDraw.Draw(picture).line([(60, 60), (220, 60), (120, 240)], fill="black", width=18)
    return picture


def text_of(output):
    return "".join(item.get("text", "") for item in output.outputs if item["output_type"] == "stream")


def test_a_picture_travels_through_the_pad_as_a_png():
    pad = DrawingPad()
    assert pad.picture() is None
    pad.show_picture(a_drawn_seven())
    assert pad.png.startswith("data:image/png;base64,")
    assert pad.picture().size == (280, 280) and pad.picture().getpixel((140, 60)) == (0, 0, 0)


def test_the_answer_follows_each_stroke_and_the_number():
    torch.manual_seed(0)
    box = draw_and_predict(MNISTadder().eval(), number=3)
    pad, (number_slider, output) = box.children[0], box.children[1].children
    assert text_of(output) == "draw a digit on the pad\n"
    pad.show_picture(a_drawn_seven())
    assert " + 3 = " in text_of(output) and any("image/png" in item.get("data", {}) for item in output.outputs)
    number_slider.value = 8
    assert " + 8 = " in text_of(output)
    pad.png = ""  # the clear button
    assert text_of(output) == "draw a digit on the pad\n"


def test_a_pad_without_ink_says_so_in_one_line():
    box = draw_and_predict(MNISTadder().eval())
    pad, output = box.children[0], box.children[1].children[1]
    pad.show_picture(Image.new("RGB", (280, 280), "white"))
    assert text_of(output).startswith("no digit found") and text_of(output).count("\n") == 1


def png_of(picture):
    png = io.BytesIO()
    picture.save(png, format="PNG")
    return png.getvalue()


def test_an_uploaded_file_that_is_not_a_picture_gets_one_line():
    box = upload_and_predict(MNISTadder().eval())
    (button, limit), output = box.children[0].children, box.children[1]
    assert limit.value == UPLOAD_LIMIT and "10 MB" in limit.value  # the button's limit, said beside it
    for content, expected in ((b"not a picture", "that file is not a picture"), (png_of(a_drawn_seven()), " + 3 = ")):
        upload = {"name": "seven.png", "type": "image/png", "size": len(content), "content": memoryview(content),
                  "last_modified": datetime.now(timezone.utc)}  # fmt: skip
        button.set_trait("value", (upload,))  # as ipywidgets 8 does when the browser uploads a file
        assert expected in text_of(output)


def test_on_colab_the_upload_is_colabs_file_picker_and_the_answers_are_printed(monkeypatch, capsys):
    import sys
    import types

    chosen = [{"seven.png": png_of(a_drawn_seven()), "notes.txt": b"not a picture"}, {}]
    colab, files = types.ModuleType("google.colab"), types.ModuleType("google.colab.files")
    files.upload = lambda: chosen.pop(0)
    colab.files = files
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab.files", files)
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    assert upload_and_predict(MNISTadder().eval(), number=3) is None  # no widget: Colab's FileUpload drops files >= 1 MB
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("seven.png: digit ") and " + 3 = " in lines[0]
    assert lines[1] == "notes.txt: that file is not a picture (expected a PNG, JPEG or BMP of a digit)"
    assert len(shown) == 1 and shown[0].axes  # the seven's figure, drawn; none for the text file
    upload_and_predict(MNISTadder().eval())  # the reader pressed Cancel upload
    assert capsys.readouterr().out == "no picture chosen: run this cell again to upload one\n"


def test_what_the_colab_upload_returns_shows_nothing_more(monkeypatch):
    from mnist_adder_utils.widgets import show_widget

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *args, **kwargs: shown.append(args))
    show_widget(None)  # upload_and_predict on Colab: the answers are printed already
    assert shown == []
