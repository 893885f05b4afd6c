"""Pictures of digits as users send them: any size, dark on light, off-centre, RGB or RGBA."""

import numpy as np
import pytest
import torch
from PIL import Image

from mnist_adder_utils.analysis import predict_batches
from mnist_adder_utils.data import load_mnist
from mnist_adder_utils.handwriting import NoDigitError, mnist_style
from mnist_adder_utils.predict import read_image_file
from mnist_adder_utils.recipes import TrainConfig, train


def as_user_picture(digit, rng, mode):
    """An MNIST digit as a user might send it: 200-400 px, dark ink on a light page, off-centre."""
    size = int(rng.integers(200, 401))
    ink = Image.fromarray(digit.numpy()).resize((size, size), Image.BICUBIC)
    page = Image.new("L", (size * 3 // 2, size * 3 // 2), 0)
    page.paste(ink, (int(rng.integers(0, size // 2)), int(rng.integers(0, size // 2))))
    dark_on_light = Image.eval(page, lambda value: 255 - value * 3 // 4)  # gray-blue ink on white paper
    if mode == "RGB":
        return Image.merge("RGB", [dark_on_light, dark_on_light, Image.eval(dark_on_light, lambda v: min(255, v + 40))])
    if mode == "RGBA":  # ink on a transparent background, as a drawing program saves it
        black = Image.new("L", page.size, 0)
        return Image.merge("RGBA", [black, black, black, page])
    return dark_on_light


@pytest.fixture(scope="module")
def quick_model(mnist_source, tmp_path_factory):
    config = TrainConfig.for_recipe(epochs=2, train_limit=20_000, data_root=str(mnist_source.root))
    config.checkpoint = str(tmp_path_factory.mktemp("run") / "c.pt")
    model, _ = train(config, progress=False, log=lambda line: None)
    return model.eval()


@pytest.mark.slow  # trains
def test_user_pictures_are_read_about_as_well_as_mnist_itself(mnist_source, quick_model):
    test = load_mnist(mnist_source, train=False)
    originals, digits = test.data[:500], test.targets[:500]
    rng = np.random.default_rng(0)
    prepared = torch.stack([mnist_style(as_user_picture(d, rng, ("L", "RGB", "RGBA")[i % 3])) for i, d in enumerate(originals)])
    numbers = torch.zeros(500, dtype=torch.long)
    on_originals = (predict_batches(quick_model, originals, numbers)[0] == digits).double().mean().item()
    on_pictures = (predict_batches(quick_model, prepared, numbers)[0] == digits).double().mean().item()
    assert on_originals > 0.9
    assert abs(on_pictures - on_originals) <= 0.01, (on_originals, on_pictures)


def test_a_prepared_digit_looks_like_mnist(mnist_source):
    digit = load_mnist(mnist_source, train=False).data[0]
    steps = {}
    prepared = mnist_style(as_user_picture(digit, np.random.default_rng(1), "RGBA"), steps).float()
    assert prepared.shape == (28, 28) and prepared[0].max() == 0 and prepared[:, 0].max() == 0  # black border
    rows, cols = torch.nonzero(prepared > 0, as_tuple=True)
    assert max(rows.max() - rows.min(), cols.max() - cols.min()) + 1 <= 21  # fits MNIST's 20-pixel box
    for profile in (prepared.sum(1), prepared.sum(0)):  # centre of mass of the rows, then the columns
        assert abs((profile * torch.arange(28.0)).sum() / profile.sum() - 14) <= 0.5
    assert list(steps) == ["gray", "ink", "cropped", "scaled", "centred"]


@pytest.mark.parametrize(("picture", "fragment"), [
    (Image.new("L", (200, 200), 255), "no digit found"),
    (Image.new("RGB", (64, 80), (200, 30, 30)), "no digit found"),
    (Image.new("RGBA", (50, 50), (0, 0, 0, 0)), "no digit found"),
])  # fmt: skip
def test_a_picture_without_ink_is_refused(picture, fragment):
    with pytest.raises(NoDigitError, match=fragment):
        mnist_style(picture)


def test_picture_files_of_any_size_and_format_are_read(tmp_path, mnist_source):
    digit = load_mnist(mnist_source, train=False).data[3]
    rng = np.random.default_rng(2)
    for suffix, mode in ((".png", "RGBA"), (".jpg", "RGB"), (".bmp", "L")):
        path = tmp_path / f"digit{suffix}"
        as_user_picture(digit, rng, mode).save(path)
        assert read_image_file(path).shape == (28, 28)
    Image.fromarray(digit.numpy()).save(tmp_path / "mnist.png")  # already MNIST's form: taken as it is
    assert torch.equal(read_image_file(tmp_path / "mnist.png"), digit)
