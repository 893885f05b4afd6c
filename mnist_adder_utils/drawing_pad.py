"""A drawing pad for the notebooks: draw a digit with the mouse or a finger, get it back as a picture.

Built on anywidget, which JupyterLab, Jupyter Notebook, VS Code and Colab load themselves: the
browser side is the small JavaScript module below (its pen, pen.js, shared with the book's Try it page), the kernel
side one synced value, ``png``.
"""

import base64
import io
from pathlib import Path

import anywidget
import traitlets

PEN_JS = (Path(__file__).parent / "pen.js").read_text()
PAD_JS = PEN_JS + """
function render({ model, el }) {
  const size = model.get("size");
  const canvas = document.createElement("canvas");
  canvas.width = size;
  canvas.height = size;
  canvas.className = "mnist-adder-pad";
  // touch-action none: a finger draws instead of scrolling the page
  canvas.style.cssText = "border: 1px solid #999; touch-action: none; cursor: crosshair; display: block;";
  const pen = canvas.getContext("2d");
  const blank = () => {
    pen.fillStyle = "white";
    pen.fillRect(0, 0, size, size);
  };
  blank();
  let last = null;
  let sent = null;  // the picture this view sent, not to be drawn over a new stroke when it comes back
  canvas.addEventListener("pointerdown", (event) => {
    canvas.setPointerCapture(event.pointerId);
    last = pointAt(canvas, event, size);
    strokeDot(pen, last, model.get("pen_width"));
  });
  canvas.addEventListener("pointermove", (event) => {
    if (last === null) return;
    const next = pointAt(canvas, event, size);
    strokeLine(pen, last, next, model.get("pen_width"));
    last = next;
  });
  const finish = () => {
    if (last === null) return;
    last = null;
    sent = canvas.toDataURL("image/png");
    model.set("png", sent);  // the kernel reads the picture after each stroke
    model.save_changes();
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);
  const clear = document.createElement("button");
  clear.textContent = "clear";
  clear.className = "mnist-adder-pad-clear";
  clear.addEventListener("click", () => {
    blank();
    model.set("png", "");
    model.save_changes();
  });
  // a picture given from Python (model.png set in the kernel) is drawn on the canvas too
  model.on("change:png", () => {
    const png = model.get("png");
    if (!png) return blank();
    if (png === sent) return;
    const picture = new Image();
    picture.onload = () => pen.drawImage(picture, 0, 0, size, size);
    picture.src = png;
  });
  el.append(canvas, clear);
}
export default { render };
"""


class DrawingPad(anywidget.AnyWidget):
    """A white square to draw a digit on in black, with a "clear" button.

    After each stroke the browser sends the whole drawing to the kernel as a PNG (``png``, a data URL;
    "" when cleared); observe ``png`` to react to it, and ``picture()`` reads it.
    """

    _esm = PAD_JS
    png = traitlets.Unicode("").tag(sync=True)
    size = traitlets.Int(280).tag(sync=True)
    # about MNIST's stroke once the digit is scaled to 20 pixels (a 200-pixel digit, 10 times smaller)
    pen_width = traitlets.Int(18).tag(sync=True)

    def picture(self):
        """The drawing as a PIL image, or None while the pad is empty."""
        from PIL import Image

        if not self.png:
            return None
        _header, _, data = self.png.partition(",")
        return Image.open(io.BytesIO(base64.b64decode(data)))

    def show_picture(self, picture):
        """Put a PIL image on the pad, as if it had been drawn there (for tests and for a demo without a mouse).
        It is fitted into the square keeping its shape, on white."""
        from PIL import ImageOps

        png = io.BytesIO()
        ImageOps.pad(picture.convert("RGB"), (self.size, self.size), color="white").save(png, format="PNG")
        self.png = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")
