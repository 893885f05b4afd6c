"""The fast input pipeline training uses: whole-batch tensor work, no per-sample Python.

MNIST is decoded once into a uint8 tensor that lives on the training device (the GPU too: it
is only 47 MB). Each batch is sliced from it, normalized and paired with its random numbers in
a few tensor operations, where a DataLoader calls Python once per image.
"""

import torch

from .data import HELD_OUT_PAIRS_SEED, draw_numbers, load_mnist, normalize_pixels, one_hot


class TensorPairLoader:
    """Yields ``(image, number_onehot, digit, sum)`` batches, like the conventional loader.

    ``numbers=None`` draws fresh random numbers for every batch (training: new pairs each
    epoch); a tensor fixes one number per image (the test set). The sum comes as a class
    index, not one-hot: the loss wants the index and ``argmax`` of a one-hot is wasted work.
    """

    def __init__(self, images, labels, batch_size, seed, shuffle, numbers=None, device="cpu"):
        if images.dtype != torch.uint8 or images.dim() != 3:
            raise ValueError(f"images must be a uint8 tensor [N, 28, 28], got {images.dtype} {list(images.shape)}")
        self.device = torch.device(device)
        self.images = images.to(self.device)
        self.labels = labels.to(self.device)
        self.numbers = None if numbers is None else numbers.to(self.device)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = torch.Generator().manual_seed(seed)  # on the CPU: same draws on every device

    def __len__(self):
        return (len(self.images) + self.batch_size - 1) // self.batch_size

    def state_dict(self):
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state):
        self.generator.set_state(state["generator"].cpu())  # a CPU generator takes a CPU state only

    def __iter__(self):
        count = len(self.images)
        order = torch.randperm(count, generator=self.generator) if self.shuffle else torch.arange(count)
        for start in range(0, count, self.batch_size):
            index = order[start : start + self.batch_size].to(self.device, non_blocking=True)
            digit = self.labels[index]
            if self.numbers is None:
                number = torch.randint(0, 10, (len(index),), generator=self.generator).to(self.device, non_blocking=True)
            else:
                number = self.numbers[index]
            image = normalize_pixels(self.images[index].unsqueeze(1))
            yield image, one_hot(number, 10), digit, digit + number


def held_out_split(source, validation=0):
    """``(train_images, train_labels, held_images, held_labels)`` of MNIST from ``source``: the test set
    held out, or with ``validation=N`` the last N training images instead (never trained on): the
    split to choose settings by, leaving the test set for the final figures."""
    train = load_mnist(source, train=True)
    if not validation:
        test = load_mnist(source, train=False)
        return train.data, train.targets, test.data, test.targets
    if not 0 < validation < len(train.data):
        raise ValueError(f"validation must hold 1..{len(train.data) - 1} images, got {validation}")
    return train.data[:-validation], train.targets[:-validation], train.data[-validation:], train.targets[-validation:]


def fast_loaders(source, batch_size=128, seed=1, device="cpu", train_limit=None, validation=0):
    """Train and held-out ``TensorPairLoader``s over MNIST from ``source`` (a ``MnistSource``).

    The held-out pairs are the test set's, those of ``conventional_loaders``: both pipelines score
    the same pairs. With ``validation=N``, the last N training images are held out instead (each
    with a fixed number; see ``held_out_split``).
    """
    train_images, train_labels, held_images, held_labels = held_out_split(source, validation)
    train_images, train_labels = train_images[:train_limit], train_labels[:train_limit]
    return (
        TensorPairLoader(train_images, train_labels, batch_size, seed, shuffle=True, device=device),
        TensorPairLoader(
            held_images, held_labels, batch_size, seed, shuffle=False,
            numbers=draw_numbers(len(held_images), HELD_OUT_PAIRS_SEED), device=device,
        ),
    )  # fmt: skip
