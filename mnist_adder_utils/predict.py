"""Single predictions: one image and one number in, the digit and the sum out."""

import warnings
from pathlib import Path

import torch

from .data import normalize_pixels, one_hot

MAX_PIXELS = 50_000_000  # a 50-megapixel photo; a larger picture would take gigabytes to decode


def check_number(number):
    """The number to add must be an integer 0..9: the one-hot input has 10 slots."""
    if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= 9:
        raise ValueError(f"the number to add must be an integer 0..9, got {number!r}")
    return number


def image_tensor(image):
    """A 28x28 image (uint8 0..255 tensor, or float 0..1) -> the normalized [1, 1, 28, 28] input."""
    image = torch.as_tensor(image)
    if image.dim() == 3 and image.shape[0] == 1:
        image = image[0]
    if tuple(image.shape) != (28, 28):
        raise ValueError(f"the image must be 28x28 pixels, got {'x'.join(map(str, image.shape))}")
    return normalize_pixels(image).reshape(1, 1, 28, 28)


def read_image_file(path):
    """A picture file of a digit (PNG, JPEG, BMP, ...; any size, colour or transparency) as the
    28x28 uint8 tensor the model reads. A 28x28 grayscale picture in MNIST's own form (light digit
    on black) is taken as it is; anything else goes through ``handwriting.mnist_style``.
    """
    from PIL import Image, UnidentifiedImageError

    from .handwriting import mnist_style

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no image file at {path}")
    try:
        with warnings.catch_warnings():  # PIL warns of a decompression bomb: the size check below says it in one line
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            opened = Image.open(path)
        with opened:
            if opened.width * opened.height > MAX_PIXELS:  # before its pixels are decoded into memory
                raise ValueError(
                    f"{path} is {opened.width}x{opened.height} pixels, more than the {MAX_PIXELS:,} this reads: "
                    "crop or shrink the picture to the digit"
                )
            opened.load()
            picture = opened.copy()
    except Image.DecompressionBombError:  # PIL's own limit, larger than ours: refused before its size is read
        raise ValueError(f"{path} is a picture of more than {MAX_PIXELS:,} pixels: crop or shrink it to the digit") from None
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        reason = "not an image file" if isinstance(error, UnidentifiedImageError) else "a damaged image file"
        raise ValueError(f"{path} is {reason} (expected a PNG, JPEG or BMP picture of a digit)") from None
    if picture.size == (28, 28) and picture.mode == "L":
        pixels = torch.frombuffer(bytearray(picture.tobytes()), dtype=torch.uint8).reshape(28, 28)
        border = torch.cat([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
        if border.float().median() < 128 and pixels.max() > 0:  # already as in MNIST (an all-black one has no digit)
            return pixels
    return mnist_style(picture)


@torch.inference_mode()
def predict(model, image, number):
    """The model's answer for one image and one number.

    Returns a dict: ``digit``, ``sum``, and the probabilities ``digit_probs`` (10) and
    ``sum_probs`` (19) as lists.
    """
    check_number(number)
    device = next(model.parameters()).device
    model.eval()
    digit_log_probs, sum_logits = model(image_tensor(image).to(device), one_hot([number], 10).to(device))
    digit_probs, sum_probs = digit_log_probs.exp()[0].cpu(), sum_logits.softmax(dim=-1)[0].cpu()
    return {
        "digit": int(digit_probs.argmax()),
        "sum": int(sum_probs.argmax()),
        "digit_probs": digit_probs.tolist(),
        "sum_probs": sum_probs.tolist(),
    }
