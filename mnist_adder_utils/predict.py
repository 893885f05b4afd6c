"""Single predictions: one image and one number in, the digit and the sum out."""

from pathlib import Path

import torch
import torch.nn.functional as F

from .data import MNIST_MEAN, MNIST_STD


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
    image = image.float() / 255 if image.dtype == torch.uint8 else image.float()
    return ((image - MNIST_MEAN) / MNIST_STD).reshape(1, 1, 28, 28)


def read_image_file(path):
    """A 28x28 grayscale picture file as a uint8 tensor; white digit on black, as in MNIST."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no image file at {path}")
    try:
        with Image.open(path) as picture:
            picture = picture.convert("L")
    except UnidentifiedImageError:
        raise ValueError(f"{path} is not an image file PIL can read (expected e.g. a 28x28 PNG)") from None
    if picture.size != (28, 28):
        raise ValueError(f"{path} is {picture.size[0]}x{picture.size[1]} pixels, expected 28x28 like MNIST")
    return torch.frombuffer(bytearray(picture.tobytes()), dtype=torch.uint8).reshape(28, 28)


@torch.inference_mode()
def predict(model, image, number):
    """The model's answer for one image and one number.

    Returns a dict: ``digit``, ``sum``, and the probabilities ``digit_probs`` (10) and
    ``sum_probs`` (19) as lists.
    """
    check_number(number)
    device = next(model.parameters()).device
    model.eval()
    number_onehot = F.one_hot(torch.tensor([number]), 10).float()
    digit_log_probs, sum_logits = model(image_tensor(image).to(device), number_onehot.to(device))
    digit_probs, sum_probs = digit_log_probs.exp()[0].cpu(), sum_logits.softmax(dim=-1)[0].cpu()
    return {
        "digit": int(digit_probs.argmax()),
        "sum": int(sum_probs.argmax()),
        "digit_probs": digit_probs.tolist(),
        "sum_probs": sum_probs.tolist(),
    }
