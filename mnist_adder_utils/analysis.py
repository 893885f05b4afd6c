"""Error analysis of a trained model on the MNIST test set."""

import torch

from .checkpoint import load_trained_model
from .data import HELD_OUT_PAIRS_SEED, draw_numbers, find_mnist, load_mnist, normalize_pixels, one_hot
from .device import choose_device


@torch.inference_mode()
def in_batches(answer, images, *per_image, device="cpu", batch_size=1000):
    """``answer(normalized images, *per_image)`` over uint8 ``images`` [N, 28, 28] and the tensors ``per_image``
    ([N, ...] each), a batch at a time on ``device``; each of its outputs joined up, on the CPU."""
    outputs = []
    for start in range(0, len(images), batch_size):
        batch = normalize_pixels(images[start : start + batch_size].to(device).unsqueeze(1))
        extra = [tensor[start : start + batch_size].to(device) for tensor in per_image]
        outputs.append([output.cpu() for output in answer(batch, *extra)])
    return [torch.cat(column) for column in zip(*outputs, strict=True)]


def predict_batches(model, images, numbers, batch_size=1000):
    """Predicted digits and sums for uint8 ``images`` [N, 28, 28] and ``numbers`` [N] (0..9)."""

    def digit_and_sum(image, number):
        digit_log_probs, sum_logits = model(image, one_hot(number, 10))
        return digit_log_probs.argmax(dim=1), sum_logits.argmax(dim=1)

    model.eval()
    device = next(model.parameters()).device
    digits, sums = in_batches(digit_and_sum, images, numbers, device=device, batch_size=batch_size)
    return digits, sums


def predict_test_set(model, source):
    """Labels, numbers and predictions over the test set's fixed (image, number) pairs."""
    test = load_mnist(source, train=False)
    numbers = draw_numbers(len(test), HELD_OUT_PAIRS_SEED)
    digit_pred, sum_pred = predict_batches(model, test.data, numbers)
    return {"images": test.data, "digit": test.targets, "number": numbers, "digit_pred": digit_pred, "sum_pred": sum_pred}


def confusion_matrix(true, predicted, classes):
    """``counts[t, p]``: how often class ``t`` was predicted as ``p``."""
    return torch.bincount(true * classes + predicted, minlength=classes * classes).reshape(classes, classes)


def normalize_rows(counts):
    """Each row as fractions of its total (rows with no samples stay zero)."""
    totals = counts.sum(dim=1, keepdim=True).clamp(min=1)
    return counts.double() / totals


def addition_table(model, images, digits):
    """Sum accuracy for every (digit, number) pair, trying all ten numbers on every image.

    Returns ``(table, overall)``: ``table[d, n]`` is the fraction of test images of digit
    ``d`` whose sum with ``n`` came out right; ``overall`` is the accuracy over all
    ``10 * len(images)`` pairs.
    """
    correct = torch.zeros(10, 10, dtype=torch.float64)
    count = torch.bincount(digits, minlength=10).double()
    for number in range(10):
        numbers = torch.full_like(digits, number)
        _, sum_pred = predict_batches(model, images, numbers)
        right = (sum_pred == digits + number).double()
        correct[:, number] = torch.zeros(10, dtype=torch.float64).index_add_(0, digits, right)
    table = correct / count.clamp(min=1)[:, None]
    return table, float(correct.sum() / (10 * len(digits)))


def mistakes(results):
    """Indices of the test pairs where the digit or the sum is wrong."""
    wrong = (results["digit_pred"] != results["digit"]) | (results["sum_pred"] != results["digit"] + results["number"])
    return torch.nonzero(wrong).flatten()


def evaluate_checkpoint(checkpoint, data_root=None, device="auto"):
    """Test accuracies of a saved model, as a dict ready for JSON."""
    model, state = load_trained_model(checkpoint, choose_device(device))
    source = find_mnist(data_root)
    results = predict_test_set(model, source)
    digit_right = results["digit_pred"] == results["digit"]
    sum_right = results["sum_pred"] == results["digit"] + results["number"]
    return {
        "checkpoint": str(checkpoint),
        "epoch": state["epoch"],
        "data": source.kind,
        "test_pairs": len(digit_right),
        "digit_accuracy": round(100 * digit_right.double().mean().item(), 2),
        "sum_accuracy": round(100 * sum_right.double().mean().item(), 2),
    }


def early_stopping_epoch(losses, patience=5):
    """Early stopping replayed on a per-epoch held-out loss: ``(stop, best)``, 1-based epochs.

    Training stops after ``patience`` epochs without a new lowest loss; the checkpoint kept is
    the one of the ``best`` epoch. ``stop`` is the last epoch trained (the last one there is if
    the loss kept improving).
    """
    best, stop = 1, len(losses)
    for epoch, loss in enumerate(losses, start=1):
        if loss < losses[best - 1]:
            best = epoch
        elif epoch - best >= patience:
            stop = epoch
            break
    return stop, best
