"""Error analysis, single predictions' inputs, notebook 8's digit reading and augmentation, and pictures in gray."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from mnist_adder_utils.analysis import (
    addition_table,
    evaluate_checkpoint,
    mistakes,
    normalize_rows,
    predict_batches,
    predict_test_set,
)
from mnist_adder_utils.checkpoint import CheckpointError, save_checkpoint
from mnist_adder_utils.data import load_mnist
from mnist_adder_utils.fast_loader import TensorPairLoader, fast_loaders
from mnist_adder_utils.handwriting import grayscale
from mnist_adder_utils.model import MNISTadder
from mnist_adder_utils.predict import check_number, image_tensor
from mnist_adder_utils.sums_only import augment_pair, read_digits
from mnist_adder_utils.training import new_history


def constant_model(digit, total):
    """An MNISTadder that answers ``digit`` and the sum ``total`` whatever the input: its accuracies are known."""
    model = MNISTadder().eval()
    with torch.no_grad():
        norm, last_conv = model.mnist.layers[9], model.mnist.layers[12]
        norm.weight.zero_()  # the last BatchNorm outputs 1 everywhere ...
        norm.bias.fill_(1.0)
        last_conv.weight.zero_()  # ... so only the chosen digit's score is above 0
        last_conv.weight[digit] = 0.01
        model.adder[-1].weight.zero_()
        model.adder[-1].bias.zero_()
        model.adder[-1].bias[total] = 20.0
    return model


def random_images(count, seed=0):
    return torch.randint(0, 256, (count, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))


# analysis.predict_test_set


def test_predict_test_set_uses_the_held_out_pairs_training_reports_on(mnist_source):
    results = predict_test_set(constant_model(7, 12), mnist_source)
    test = load_mnist(mnist_source, train=False)
    assert torch.equal(results["images"], test.data) and torch.equal(results["digit"], test.targets)
    # the same (image, number) pairs as the held-out loader's: the figures of notebook 7 and the history agree
    assert torch.equal(results["number"], fast_loaders(mnist_source)[1].numbers)
    assert torch.equal(results["digit_pred"], torch.full_like(test.targets, 7))
    assert torch.equal(results["sum_pred"], torch.full_like(test.targets, 12))


# analysis.normalize_rows


def test_normalized_rows_are_fractions_of_their_totals_and_empty_rows_stay_zero():
    counts = torch.tensor([[1, 3, 0], [0, 0, 0], [2, 2, 4]])
    fractions = normalize_rows(counts)
    assert fractions.dtype == torch.float64
    assert torch.equal(fractions, torch.tensor([[0.25, 0.75, 0.0], [0.0, 0.0, 0.0], [0.25, 0.25, 0.5]], dtype=torch.float64))


# analysis.addition_table


@pytest.mark.parametrize("total", [0, 12])
def test_the_addition_table_scores_every_number_with_every_image(total):
    digits = torch.tensor([3, 3, 3, 9, 0, 5])  # digits 1, 2, 4, 6, 7, 8 have no image; 3 has more images than 9
    table, overall = addition_table(constant_model(4, total), random_images(6), digits)
    # a model that always answers `total` is right exactly where digit + number == total
    expected = torch.zeros(10, 10, dtype=torch.float64)
    for digit in digits.tolist():
        if 0 <= total - digit <= 9:
            expected[digit, total - digit] = 1.0
    assert table.dtype == torch.float64 and torch.equal(table, expected)
    right_pairs = sum(0 <= total - digit <= 9 for digit in digits.tolist())
    assert overall == pytest.approx(right_pairs / (10 * len(digits)))


# analysis.mistakes


def test_mistakes_are_the_pairs_with_a_wrong_digit_or_a_wrong_sum():
    results = {
        "digit": torch.tensor([1, 2, 3, 4, 5]),
        "number": torch.tensor([0, 5, 9, 1, 2]),
        "digit_pred": torch.tensor([1, 2, 8, 4, 6]),  # 2: digit wrong, its sum right; 4: both wrong
        "sum_pred": torch.tensor([1, 6, 12, 5, 8]),  # 1: sum wrong, its digit right
    }
    wrong = mistakes(results)
    assert wrong.tolist() == [1, 2, 4]
    assert torch.equal(results["digit"][wrong], torch.tensor([2, 3, 5]))  # usable as an index, as notebook 7 does


def test_a_model_without_mistakes_has_none():
    results = {"digit": torch.tensor([3, 9]), "number": torch.tensor([4, 9])}
    results.update(digit_pred=results["digit"].clone(), sum_pred=results["digit"] + results["number"])
    assert mistakes(results).shape == (0,)


# analysis.evaluate_checkpoint


def test_evaluating_a_checkpoint_reports_its_test_accuracies_as_json(mnist_source, tmp_path):
    checkpoint = tmp_path / "checkpoint.pt"
    save_checkpoint(checkpoint, model=constant_model(7, 12).state_dict(), history=new_history(), epoch=3)
    report = evaluate_checkpoint(checkpoint, data_root=str(mnist_source.root), device="cpu")
    assert json.loads(json.dumps(report)) == report  # plain values only: the command line prints it as JSON
    results = predict_test_set(MNISTadder(), mnist_source)  # for the test set's labels and numbers
    sevens = (results["digit"] == 7).double().mean().item()
    twelves = (results["digit"] + results["number"] == 12).double().mean().item()
    assert report == {
        "checkpoint": str(checkpoint),
        "epoch": 3,
        "data": "argument",
        "test_pairs": len(results["digit"]),
        "digit_accuracy": round(100 * sevens, 2),
        "sum_accuracy": round(100 * twelves, 2),
    }


def test_evaluating_a_missing_checkpoint_is_one_clear_line(mnist_source, tmp_path):
    with pytest.raises(CheckpointError) as error:
        evaluate_checkpoint(tmp_path / "none.pt", data_root=str(mnist_source.root), device="cpu")
    assert str(error.value).startswith(f"no checkpoint at {tmp_path / 'none.pt'}") and "\n" not in str(error.value)


# predict.check_number


@pytest.mark.parametrize("number", [0, 4, 9])
def test_a_number_0_to_9_is_accepted(number):
    assert check_number(number) == number


@pytest.mark.parametrize("number", [-1, 10, 3.0, True, "3", None, [3]])
def test_anything_but_an_integer_0_to_9_is_one_clear_error(number):
    with pytest.raises(ValueError) as error:
        check_number(number)
    assert str(error.value) == f"the number to add must be an integer 0..9, got {number!r}"


# predict.image_tensor


def test_one_image_is_normalized_exactly_as_training_batches_are():
    images = random_images(3)
    batch = next(iter(TensorPairLoader(images, torch.zeros(3, dtype=torch.long), 3, seed=0, shuffle=False)))[0]
    for image, trained_on in zip(images, batch, strict=True):
        prepared = image_tensor(image)
        assert prepared.shape == (1, 1, 28, 28) and prepared.dtype == torch.float32
        assert torch.allclose(prepared[0], trained_on, atol=1e-5)


def test_an_image_may_come_as_floats_0_to_1_with_a_channel_or_as_numpy():
    image = random_images(1)[0]
    expected = image_tensor(image)
    assert torch.allclose(image_tensor(image.float() / 255), expected, atol=1e-6)
    assert torch.equal(image_tensor(image[None]), expected)
    assert torch.equal(image_tensor(image.numpy()), expected)


@pytest.mark.parametrize(("shape", "named"), [((28, 27), "28x27"), ((2, 28, 28), "2x28x28"), ((784,), "784")])
def test_an_image_that_is_not_28x28_is_one_clear_error(shape, named):
    with pytest.raises(ValueError) as error:
        image_tensor(torch.zeros(shape, dtype=torch.uint8))
    assert str(error.value) == f"the image must be 28x28 pixels, got {named}"


# sums_only.read_digits


def test_read_digits_reads_every_image_across_batches():
    digits = read_digits(constant_model(7, 0).mnist, random_images(10), batch_size=4)
    assert torch.equal(digits, torch.full((10,), 7))


def test_read_digits_reads_as_the_full_models_digit_head_in_eval_mode(mnist_source):
    images = load_mnist(mnist_source, train=False).data[:20]
    torch.manual_seed(0)
    model = MNISTadder().train()  # read_digits must switch to eval: BatchNorm's batch statistics would change the answers
    read = read_digits(model.mnist, images, batch_size=6)
    assert not model.mnist.training
    # same normalization and same CNN as predict_batches: the same digits
    assert torch.equal(read, predict_batches(model, images, torch.zeros(20, dtype=torch.long))[0])


# sums_only.augment_pair


def corner_squares():
    """Four images, each a bright square in its own corner, as two pairs."""
    images = torch.zeros(4, 28, 28)
    for image, (top, left) in zip(images, [(2, 2), (2, 18), (18, 2), (18, 18)], strict=True):
        image[top : top + 8, left : left + 8] = 1.0
    return images.view(2, 2, 28, 28)


def test_augmenting_pairs_keeps_each_image_in_its_place():
    pairs = corner_squares()
    torch.manual_seed(0)
    augmented = augment_pair(pairs)
    assert augmented.shape == pairs.shape and augmented.dtype == pairs.dtype
    # shifted by 2 px and turned by 10 degrees at most, each square still overlaps its own corner most
    overlap = torch.einsum("ahw,bhw->ab", augmented.reshape(4, 28, 28), pairs.reshape(4, 28, 28))
    assert overlap.argmax(dim=1).tolist() == [0, 1, 2, 3]
    assert not torch.equal(augmented, pairs)


def test_the_two_images_of_a_pair_are_augmented_each_on_its_own():
    pairs = corner_squares()[:, :1].expand(2, 2, 28, 28).contiguous()  # the same image twice in each pair
    torch.manual_seed(0)
    augmented = augment_pair(pairs)
    assert not torch.allclose(augmented[:, 0], augmented[:, 1])


# handwriting.grayscale


def test_a_gray_picture_becomes_floats_0_to_1_rows_first():
    picture = Image.fromarray(np.array([[0, 51, 255], [102, 204, 153]], dtype=np.uint8))  # 3 wide, 2 high
    gray = grayscale(picture)
    assert gray.dtype == np.float32 and gray.shape == (2, 3)
    assert np.allclose(gray, [[0.0, 0.2, 1.0], [0.4, 0.8, 0.6]])


def test_a_colour_picture_becomes_its_luminance():
    picture = Image.new("RGB", (3, 1))
    for x, colour in enumerate([(255, 0, 0), (0, 255, 0), (255, 255, 255)]):
        picture.putpixel((x, 0), colour)
    assert np.allclose(grayscale(picture), [[0.299, 0.587, 1.0]], atol=0.005)  # ITU-R 601, PIL's weights


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_transparency_is_composited_on_white(mode):
    # a drawing program's transparent background must read as the white page, whatever colour it stores
    picture = Image.new("RGBA", (3, 1))
    for x, colour in enumerate([(0, 0, 0, 0), (0, 0, 0, 255), (0, 0, 0, 128)]):
        picture.putpixel((x, 0), colour)
    assert np.allclose(grayscale(picture.convert(mode)), [[1.0, 0.0, 127 / 255]], atol=0.005)


def test_a_transparent_palette_entry_or_gray_level_reads_as_white():
    palette = Image.new("P", (2, 1))
    palette.putpalette([0, 0, 0, 255, 0, 0])
    palette.putpixel((1, 0), 1)
    palette.info["transparency"] = 0  # palette entry 0 is transparent
    assert np.allclose(grayscale(palette), [[1.0, 0.299]], atol=0.005)
    gray = Image.fromarray(np.array([[7, 0]], dtype=np.uint8))
    gray.info["transparency"] = 7  # a PNG's tRNS for a gray picture: this level is transparent
    assert np.allclose(grayscale(gray), [[1.0, 0.0]])


def test_a_16_bit_gray_picture_keeps_its_levels():
    picture = Image.fromarray(np.array([[0, 19661, 32768, 65535]], dtype=np.uint16))  # mode I;16
    assert np.allclose(grayscale(picture), [[0.0, 0.3, 0.5, 1.0]], atol=0.01)
