"""MNIST addition from sums alone: two digit images in, only their sum as the label (notebook 8).

The same CNN reads both images. Its two digit distributions give the sum's distribution exactly,
p(s) = sum over a + b = s of p(a) p(b), so the loss is the NLL of the true sum, and its gradient
teaches the CNN digits it is never shown. The variant puts the series' MLP adder in place of the
exact sum. Training goes through ``recipes.train`` with this task's model, batches, augmentation and
loss: a batch is ``(pair, unused, first_digit, sum)``, the first digit only to report how well the CNN
reads digits (training never uses it).
"""

import torch
import torch.nn.functional as F
from torch import nn

from .analysis import in_batches
from .data import HELD_OUT_PAIRS_SEED, augment_batch, normalize_pixels
from .fast_loader import TensorPairLoader, held_out_split
from .model import MNISt, adder_mlp
from .recipes import TrainConfig, train

SUMS = 19
SUMS_ONLY_EPOCHS = 8  # what lets both heads train within notebook 8's 10 minutes on 2 CPU cores
SUMS_ONLY_DROPOUT = 0.0  # chosen over the improved recipe's 0.05 on a validation split (scripts/sums_only_seeds.py)
_PAIR_SUM = (torch.arange(10)[:, None] + torch.arange(10)[None, :]).flatten()  # a + b for the 100 (a, b) pairs
_SUM_MASK = _PAIR_SUM[None, :] == torch.arange(SUMS)[:, None]  # [19, 100]: which pairs give each sum


def exact_sum(log_probs_a, log_probs_b):
    """The log-probabilities of the 19 sums 0..18, from two batches of digit log-probabilities [N, 10].

    log p(s) = log of the sum over a + b = s of p(a) p(b), computed in log space (logsumexp), so
    a sum whose probability is far below float32's smallest number still has a finite log and gradient.
    """
    pair_log_probs = (log_probs_a[:, :, None] + log_probs_b[:, None, :]).flatten(1)  # [N, 100]
    masked = pair_log_probs[:, None, :].masked_fill(~_SUM_MASK.to(pair_log_probs.device), float("-inf"))
    return masked.logsumexp(dim=-1)  # [N, 19]


class SumsOnlyModel(nn.Module):
    """One CNN reads both images of a pair; ``head="exact"`` adds their digit distributions exactly,
    ``head="mlp"`` feeds their 20 probabilities to the series' MLP adder instead.

    ``forward(pair, unused)`` takes ``pair`` [N, 2, 28, 28] and returns the first image's digit
    log-probabilities and the sum's scores (log-probabilities for "exact", logits for "mlp").
    """

    def __init__(self, head="exact", dropout=0.0):
        super().__init__()
        if head not in ("exact", "mlp"):
            raise ValueError(f"unknown head {head!r}: expected 'exact' or 'mlp'")
        self.head = head
        self.mnist = MNISt(dropout)
        self.adder = adder_mlp(dropout) if head == "mlp" else None

    def forward(self, pair, unused=None):
        count = len(pair)
        log_probs, probs = self.mnist(pair.reshape(2 * count, 1, *pair.shape[-2:]))
        log_probs, probs = log_probs.view(count, 2, 10), probs.view(count, 2, 10)
        if self.head == "exact":
            return log_probs[:, 0], exact_sum(log_probs[:, 0], log_probs[:, 1])
        return log_probs[:, 0], self.adder(probs.flatten(1))


def sum_loss(digit_log_probs, digit, sum_scores, total):
    """The loss of sums-only training, in ``run_epoch``'s form ``(digit_loss, sum_loss)``: no digit term
    (the digit labels are never used), cross-entropy of the sum (= its NLL for the exact head)."""
    return digit_log_probs.new_zeros(()), F.cross_entropy(sum_scores, total)


def augment_pair(pair):
    """Rotate and shift each image of each pair on its own (notebook 6's augmentation)."""
    return augment_batch(pair.reshape(-1, 1, *pair.shape[-2:])).view_as(pair)


class SumPairLoader(TensorPairLoader):
    """Batches of ``(pair, unused, first_digit, sum)`` over fixed pairs of images.

    ``pairs`` [P, 2] indexes ``images``; the order of the pairs is shuffled each epoch when ``shuffle``.
    """

    def __init__(self, images, labels, pairs, batch_size, seed, shuffle, device="cpu"):
        super().__init__(images, labels, batch_size, seed, shuffle, device=device)
        self.pairs = pairs.to(self.device)

    def __len__(self):
        return (len(self.pairs) + self.batch_size - 1) // self.batch_size

    def __iter__(self):
        count = len(self.pairs)
        order = torch.randperm(count, generator=self.generator) if self.shuffle else torch.arange(count)
        for start in range(0, count, self.batch_size):
            pairs = self.pairs[order[start : start + self.batch_size].to(self.device)]
            pair = normalize_pixels(self.images[pairs])  # [B, 2, 28, 28]
            digits = self.labels[pairs]
            yield pair, pair.new_empty(len(pairs), 0), digits[:, 0], digits.sum(dim=1)


def disjoint_pairs(count, seed):
    """``count // 2`` pairs [P, 2] of indices 0..count-1, each index used once (the benchmark's protocol)."""
    order = torch.randperm(count, generator=torch.Generator().manual_seed(seed))
    return order[: count // 2 * 2].view(-1, 2)


def sum_pair_loaders(source, batch_size=128, seed=1, device="cpu", train_limit=None, validation=0):
    """Train and test ``SumPairLoader``s: the training images paired by ``seed`` (30,000 pairs of
    full MNIST), the test images by a fixed seed (5,000 pairs, the same for every run). With
    ``validation=N`` the last N training images make the held-out pairs instead, never trained on."""
    train_images, train_labels, held_images, held_labels = held_out_split(source, validation)
    train_images, train_labels = train_images[:train_limit], train_labels[:train_limit]
    held_pairs = disjoint_pairs(len(held_images), HELD_OUT_PAIRS_SEED)
    return (
        SumPairLoader(train_images, train_labels, disjoint_pairs(len(train_images), seed), batch_size, seed, True, device),
        SumPairLoader(held_images, held_labels, held_pairs, batch_size, seed, False, device),
    )  # fmt: skip


@torch.inference_mode()
def read_digits(cnn, images, device="cpu", batch_size=1000):
    """The CNN's digit for each uint8 image [N, 28, 28]: how well it reads digits it was never told."""
    cnn.eval()
    (digits,) = in_batches(lambda image: [cnn(image)[0].argmax(dim=1)], images, device=device, batch_size=batch_size)
    return digits


def digit_names(confusion):
    """The one-to-one naming of the CNN's 10 outputs that agrees most often with the true digits.

    ``confusion[d, k]`` counts the images of digit ``d`` read as output ``k``. Under the exact sum,
    output k must mean digit k (the arithmetic uses k); an MLP adder ties no output to any digit,
    so its digits are read through the best naming. Returns ``names``: output k stands for digit
    ``names[k]``. Exact: dynamic programming over the sets of digits already named (2^10 of them).
    ``scipy.optimize.linear_sum_assignment`` solves the same problem in one call; the loop is written
    out because it shows the whole method (name the outputs one by one, keep the best way to reach
    each set of digits used) and needs no library beyond torch.
    """
    count = len(confusion)
    best = {0: (0, ())}  # digits named so far, as a bit mask -> (agreements, the digit of each output so far)
    for output in range(count):
        step = {}
        for named, (agreements, names) in best.items():
            for digit in range(count):
                if not named >> digit & 1:
                    candidate = (agreements + int(confusion[digit, output]), (*names, digit))
                    key = named | 1 << digit
                    if key not in step or candidate[0] > step[key][0]:
                        step[key] = candidate
        best = step
    return torch.tensor(best[(1 << count) - 1][1])


def train_sums_only(head="exact", progress=True, log=print, model=None, **settings):
    """Train a ``SumsOnlyModel`` on sum labels only; return ``(model, history)``.

    The optimizer, schedule, augmentation and weight decay are the improved recipe's (notebook 6), with
    ``SUMS_ONLY_DROPOUT`` and ``SUMS_ONLY_EPOCHS``; ``settings`` override any ``TrainConfig`` field (``epochs``,
    ``seed``, ``data_root``, ``validation``, ...). The history's test ``digit_accuracy`` is the CNN's digit accuracy
    on the first image of each test pair, ``sum_accuracy`` the sum accuracy. Saves a checkpoint only where
    ``checkpoint=`` says. ``model`` trains your own module instead, one that takes ``(pair, unused)``
    and returns ``(first digit's log-probabilities, sum scores)`` as ``SumsOnlyModel`` does.
    """
    config = TrainConfig.for_recipe("improved", **{"epochs": SUMS_ONLY_EPOCHS, "dropout": SUMS_ONLY_DROPOUT, **settings})
    new_model = (lambda config: SumsOnlyModel(head, config.dropout)) if model is None else lambda config: model
    return train(
        config, progress=progress, log=log, new_model=new_model, loss_fn=sum_loss,
        loaders=sum_pair_loaders, augment=augment_pair,
        details={"head": head if model is None else type(model).__name__},
    )  # fmt: skip
