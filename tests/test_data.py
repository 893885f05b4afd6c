import gzip
import shutil
import warnings

import pytest
import torch

from mnist_adder_utils.data import (
    HELD_OUT_PAIRS_SEED,
    SAMPLE_DIR,
    BundledSampleWarning,
    DataError,
    MNISTRandom,
    check_mnist_files,
    conventional_loaders,
    data_generator,
    draw_numbers,
    find_mnist,
    load_mnist,
    normalize_transform,
)
from mnist_adder_utils.fast_loader import TensorPairLoader, fast_loaders


def copy_raw(source, tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    shutil.copytree(source.root / "MNIST" / "raw", raw)
    return raw


def test_explicit_root_without_files_is_an_error_naming_the_file(tmp_path):
    with pytest.raises(DataError, match="train-images-idx3-ubyte is missing"):
        find_mnist(tmp_path)


def test_environment_root_without_files_is_an_error_not_a_fallback(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_ADDER_DATA", str(tmp_path))
    with pytest.raises(DataError, match="MNIST/raw"):
        find_mnist()


def test_truncated_file_is_reported_with_expected_size(mnist_source, tmp_path):
    raw = copy_raw(mnist_source, tmp_path)
    path = raw / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte is \d+ bytes, expected \d+ .*truncated"):
        check_mnist_files(tmp_path)


def test_corrupt_header_is_reported(mnist_source, tmp_path):
    raw = copy_raw(mnist_source, tmp_path)
    path = raw / "train-labels-idx1-ubyte"
    path.write_bytes(b"\x00\x00\x00\x00" + path.read_bytes()[4:])
    with pytest.raises(DataError, match="train-labels-idx1-ubyte is not an MNIST IDX file: expected magic number 2049"):
        check_mnist_files(tmp_path)


@pytest.mark.parametrize(("name", "label"), [("train-labels-idx1-ubyte", 255), ("t10k-labels-idx1-ubyte", 12)])
def test_a_label_outside_0_to_9_is_refused_naming_the_file_and_the_item(mnist_source, tmp_path, name, label):
    raw = copy_raw(mnist_source, tmp_path)
    path = raw / name
    data = bytearray(path.read_bytes())
    data[8 + 3] = label  # the fourth label
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match=f"{name} holds the label {label} at item 3: MNIST labels are digits 0..9"):
        find_mnist(tmp_path)


def test_a_folder_holding_the_sample_is_not_called_the_full_set(tmp_path, monkeypatch):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for packed in SAMPLE_DIR.glob("*.gz"):
        (raw / packed.stem).write_bytes(gzip.decompress(packed.read_bytes()))
    monkeypatch.setenv("MNIST_ADDER_DATA", str(tmp_path))
    assert find_mnist().description == "6,000 training images, from the folder $MNIST_ADDER_DATA names"


def test_a_folder_holding_full_mnist_is_the_full_set(mnist_source):
    if mnist_source.is_sample:
        pytest.skip("full MNIST is not at hand ($MNIST_ADDER_DATA unset)")
    assert mnist_source.description == "the full set, from the folder $MNIST_ADDER_DATA names"


def test_offline_fallback_is_the_bundled_sample_with_one_warning(offline_home):
    with pytest.warns(BundledSampleWarning, match="bundled sample .* MNIST_ADDER_DATA") as caught:
        source = find_mnist()
    assert len(caught) == 1 and "\n" not in str(caught[0].message)
    assert source.is_sample
    with warnings.catch_warnings(record=True) as again:  # a second call in the same process stays quiet
        warnings.simplefilter("always")
        assert find_mnist().is_sample
    assert again == []
    train, test = load_mnist(source, train=True), load_mnist(source, train=False)
    assert (len(train), len(test)) == (6000, 1000)
    assert torch.bincount(train.targets).tolist() == [600] * 10
    assert torch.bincount(test.targets).tolist() == [100] * 10


def test_bundled_sample_is_small():
    size = sum(path.stat().st_size for path in SAMPLE_DIR.iterdir())
    assert size < 2 * 2**20


def test_numbers_are_seeded_digits():
    numbers = draw_numbers(1000, seed=5)
    assert numbers.min() == 0 and numbers.max() == 9
    assert torch.equal(numbers, draw_numbers(1000, seed=5))
    assert not torch.equal(numbers, draw_numbers(1000, seed=6))


def test_data_generator_sums_digit_and_number(mnist_source):
    mnist = load_mnist(mnist_source, train=False)
    numbers = draw_numbers(len(mnist), 0)
    for index in range(0, len(mnist), 97):
        image, label, number, total = data_generator(mnist, numbers, index)
        assert label == int(mnist.targets[index]) and number == int(numbers[index])
        assert total == label + number and 0 <= total <= 18


def test_mnist_random_items_are_one_hot_and_add_up(mnist_source):
    dataset = MNISTRandom(load_mnist(mnist_source, False, normalize_transform()), HELD_OUT_PAIRS_SEED)
    image, number_onehot, digit, sum_onehot = dataset[3]
    assert image.shape == (1, 28, 28) and number_onehot.shape == (10,) and sum_onehot.shape == (19,)
    assert number_onehot.sum() == 1 and sum_onehot.sum() == 1
    assert sum_onehot.argmax() == digit + number_onehot.argmax()


def test_test_pairs_do_not_depend_on_the_training_seed(mnist_source):
    _, test_a = conventional_loaders(mnist_source, seed=1)
    _, test_b = conventional_loaders(mnist_source, seed=2)
    assert torch.equal(test_a.dataset.numbers, test_b.dataset.numbers)


def test_fast_test_batches_equal_the_conventional_ones(mnist_source):
    _, conventional = conventional_loaders(mnist_source, batch_size=64)
    _, fast = fast_loaders(mnist_source, batch_size=64)
    (image_a, number_a, digit_a, sum_a), (image_b, number_b, digit_b, sum_b) = next(iter(conventional)), next(iter(fast))
    assert torch.allclose(image_a, image_b, atol=1e-5)
    assert torch.equal(number_a, number_b) and torch.equal(digit_a, digit_b)
    assert torch.equal(sum_a.argmax(dim=1), sum_b)


def test_fast_train_batches_cover_the_data_once_and_add_up(mnist_source):
    train, _ = fast_loaders(mnist_source, batch_size=100, train_limit=1000)
    seen = 0
    for image, number_onehot, digit, total in train:
        assert image.shape == (len(digit), 1, 28, 28) and image.dtype == torch.float32
        assert torch.equal(total, digit + number_onehot.argmax(dim=1))
        seen += len(digit)
    assert seen == 1000 and len(train) == 10


def test_fast_loader_is_repeatable_and_resumable(mnist_source):
    mnist = load_mnist(mnist_source, train=True)
    make = lambda: TensorPairLoader(mnist.data[:300], mnist.targets[:300], 128, seed=3, shuffle=True)  # noqa: E731
    first, second = make(), make()
    list(first)
    state = first.state_dict()
    list(second)
    second_epoch = [b[3] for b in second]
    resumed = make()
    resumed.load_state_dict(state)
    assert all(torch.equal(a, b[3]) for a, b in zip(second_epoch, resumed, strict=True))


def test_fast_loader_refuses_float_images():
    with pytest.raises(ValueError, match="uint8 tensor"):
        TensorPairLoader(torch.zeros(4, 28, 28), torch.zeros(4, dtype=torch.long), 2, 0, False)


def test_every_pipeline_normalizes_pixels_alike_and_leaves_the_callers_tensor_alone():
    from PIL import Image

    from mnist_adder_utils.data import normalize_pixels

    pixels = torch.arange(0, 256, dtype=torch.uint8)[:196].reshape(14, 14)
    conventional = normalize_transform()(Image.fromarray(pixels.numpy()))[0]  # torchvision's ToTensor + Normalize
    assert torch.allclose(normalize_pixels(pixels), conventional, atol=1e-6)
    as_floats = pixels.float() / 255
    assert torch.allclose(normalize_pixels(as_floats), conventional, atol=1e-6)
    assert torch.equal(as_floats, pixels.float() / 255), "normalized in place: the caller's image changed"
