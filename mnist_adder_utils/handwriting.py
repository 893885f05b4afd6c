"""Any picture of a digit -> a 28x28 image prepared the way MNIST's digits were.

LeCun, Cortes and Burges describe MNIST's preparation: each digit was scaled to fit a 20x20 box,
keeping its aspect ratio, anti-aliased, then placed in a 28x28 field with its centre of mass at
the centre. A phone photo or a drawing (dark ink on white, any size, colour, transparency) goes
through the same steps here, after turning it into light ink on black.
"""

import numpy as np
import torch
from PIL import Image

BOX = 20  # MNIST's digits fit a 20x20 box ...
FIELD = 28  # ... inside a 28x28 field
CENTRE = 14.0  # where MNIST's centres of mass lie (pixel indices 0..27)
MIN_CONTRAST = 0.15  # ink must differ from the background by this much of the full range
INK_LEVEL = 0.2  # pixels this far from the background towards the ink count as ink for the bounding box


class NoDigitError(ValueError):
    """A picture with no ink on it: blank, or one flat colour."""


def grayscale(picture):
    """A PIL image of any mode as a float array 0..1, transparency composited on white."""
    if picture.mode.startswith("I;16") or picture.mode == "I":  # 16-bit gray, as a 16-bit PNG opens: 0..65535
        return np.clip(np.asarray(picture, dtype=np.float32) / 65535, 0, 1)
    if picture.mode in ("P", "PA") or (picture.mode in ("L", "RGB") and "transparency" in picture.info):
        picture = picture.convert("RGBA")
    if picture.mode in ("RGBA", "LA", "La", "RGBa"):
        white = Image.new("RGBA", picture.size, (255, 255, 255, 255))
        picture = Image.alpha_composite(white, picture.convert("RGBA"))
    return np.asarray(picture.convert("L"), dtype=np.float32) / 255


def mnist_style(picture, steps=None):
    """``picture`` (a PIL image) as MNIST would have it: a 28x28 uint8 tensor, white digit on black.

    Raises ``NoDigitError`` for a picture without ink. If ``steps`` is a dict, each stage is stored
    in it as an array (``gray``, ``ink``, ``cropped``, ``scaled``, ``centred``), for showing.
    """
    steps = {} if steps is None else steps
    gray = steps["gray"] = grayscale(picture)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    background = float(np.median(border))
    if background > 0.5:  # dark ink on a light page: invert, as MNIST's digits are light on black
        gray, background = 1 - gray, 1 - background
    contrast = float(gray.max()) - background
    if contrast < MIN_CONTRAST:
        raise NoDigitError(
            f"no digit found: the picture is blank or one flat colour (ink contrast {contrast:.2f}, need {MIN_CONTRAST})"
        )
    ink = steps["ink"] = np.clip((gray - background) / contrast, 0, 1)
    rows, cols = np.nonzero(ink > INK_LEVEL)
    cropped = steps["cropped"] = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    height, width = cropped.shape
    scale = BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # anti-aliased: shrinking averages each output pixel's area (no ringing, unlike Lanczos); growing interpolates
    resample = Image.BOX if scale < 1 else Image.BILINEAR
    scaled = Image.fromarray(np.uint8(np.round(cropped * 255))).resize(size, resample)
    scaled = steps["scaled"] = np.asarray(scaled, dtype=np.float32) / 255
    mass = scaled.sum()
    centre_y = (scaled.sum(axis=1) * np.arange(scaled.shape[0])).sum() / mass
    centre_x = (scaled.sum(axis=0) * np.arange(scaled.shape[1])).sum() / mass
    field = np.zeros((FIELD, FIELD), dtype=np.float32)
    top, left = round(CENTRE - centre_y), round(CENTRE - centre_x)
    _paste(field, scaled, top, left)
    steps["centred"] = field
    return torch.from_numpy(np.uint8(np.round(field * 255)))


def _paste(field, patch, top, left):
    """Paste ``patch`` into ``field`` at (top, left), cutting off what falls outside."""
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + patch.shape[0], field.shape[0]), min(left + patch.shape[1], field.shape[1])
    field[y0:y1, x0:x1] = patch[y0 - top : y1 - top, x0 - left : x1 - left]
