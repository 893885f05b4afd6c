"""The loss, one training step, the train and test loops, fitting over epochs with its history, and the
learning-rate range test."""

import contextlib
import copy
import math
import time
from typing import NamedTuple

import torch
import torch.nn.functional as F

from .checkpoint import check_checkpoint_writable, restore_training, rng_states, save_checkpoint
from .progress import progress_bar

STAT_KEYS = ("digit_loss", "sum_loss", "loss", "digit_accuracy", "sum_accuracy")
# Progress-bar updates per pass, whatever the machine's speed: each waits for the device and, in
# Jupyter, sends a few widget messages.
REFRESHES_PER_EPOCH = 10
DIVERGED = "the run diverged, the last good checkpoint is kept (try a smaller learning rate)"


class NonFiniteLossError(RuntimeError):
    """The loss became NaN or infinite: training diverged."""


def total_loss(digit_log_probs, digit_target, sum_logits, sum_target):
    """Both losses, as a pair ``(digit_loss, sum_loss)``: NLL on the digit's log-probabilities, CrossEntropy on the
    sum's logits (``sum_target`` holds class indices 0..18). Training minimizes their sum. The name is the notes'."""
    return F.nll_loss(digit_log_probs, digit_target), F.cross_entropy(sum_logits, sum_target)


def new_history():
    return {"train": {key: [] for key in STAT_KEYS}, "test": {key: [] for key in STAT_KEYS}, "epoch_seconds": []}


class BatchOutputs(NamedTuple):
    """What one batch gives: the model's two outputs, the batch's targets on the device, and the two losses."""

    digit_log_probs: torch.Tensor
    sum_logits: torch.Tensor
    digit: torch.Tensor
    sum_target: torch.Tensor
    digit_loss: torch.Tensor
    sum_loss: torch.Tensor


def forward_batch(model, batch, device, *, augment=None, loss_fn=total_loss):
    """One batch ``(image, number_onehot, digit, sum)`` through ``model`` on ``device`` (``augment``, if given, changes
    the images first), and its two losses as ``loss_fn`` gives them: a ``BatchOutputs``."""
    image, number_onehot, digit, sum_target = (tensor.to(device, non_blocking=True) for tensor in batch)
    if sum_target.dim() != 1:
        raise ValueError(
            f"sum targets must be class indices 0..18, one per image; got shape {list(sum_target.shape)} "
            "(the conventional loader's one-hot sums need .argmax(dim=1))"
        )
    if augment is not None:
        image = augment(image)
    digit_log_probs, sum_logits = model(image, number_onehot)
    digit_loss, sum_loss = loss_fn(digit_log_probs, digit, sum_logits, sum_target)
    return BatchOutputs(digit_log_probs, sum_logits, digit, sum_target, digit_loss, sum_loss)


def training_step(model, batch, device, optimizer, *, scheduler=None, augment=None, loss_fn=total_loss):
    """``forward_batch``, then one step of ``optimizer`` down the sum of the two losses (and of the schedule, if any)."""
    outputs = forward_batch(model, batch, device, augment=augment, loss_fn=loss_fn)
    optimizer.zero_grad(set_to_none=True)
    (outputs.digit_loss + outputs.sum_loss).backward()
    optimizer.step()
    if scheduler is not None:
        scheduler.step()
    return outputs


def _describe(label, batch_index, mean_loss, correct_digits, correct_sums, seen):
    accuracies = f"Acc1={100 * correct_digits / seen:.2f}%, Acc2={100 * correct_sums / seen:.2f}%"  # the notes' names
    return f"{label} ==> Batch:{batch_index}, Total-loss={mean_loss:.5f}, {accuracies}"


def run_epoch(model, loader, device, *, optimizer=None, scheduler=None, augment=None, progress=True, loss_fn=total_loss):
    """One pass over ``loader``: training when an optimizer is given, else evaluation.

    ``loss_fn(digit_log_probs, digit, sum_logits, sum)`` returns ``(digit_loss, sum_loss)``; training
    minimizes their sum. Any model whose ``forward(image, number_onehot)`` returns
    ``(digit_log_probs, sum_logits)`` can be trained.

    Returns the mean losses (digit, sum and their total) and both accuracies in percent. The bar shows
    the running means so far: the figures the epoch's summary line ends with, up to the rounding of the last digit.
    """
    training = optimizer is not None
    label = "Train" if training else "Test"
    model.train(training)
    # running totals of the digit loss, the sum loss, the correct digits and the correct sums, kept on the device
    # (reading one back every batch would make a GPU wait), in float32: Apple's MPS has no 64-bit floats
    totals = torch.zeros(4, device=device)
    seen = 0
    refresh_every = max(1, len(loader) // REFRESHES_PER_EPOCH)
    bar = progress_bar(loader, desc=label, disable=not progress, miniters=refresh_every)
    with torch.inference_mode() if not training else contextlib.nullcontext():
        for batch_index, batch in enumerate(bar):
            if training:
                out = training_step(model, batch, device, optimizer, scheduler=scheduler, augment=augment, loss_fn=loss_fn)
            else:
                out = forward_batch(model, batch, device, loss_fn=loss_fn)
            count = len(out.digit)
            seen += count
            totals += torch.stack([
                out.digit_loss.detach() * count, out.sum_loss.detach() * count,
                (out.digit_log_probs.argmax(dim=1) == out.digit).sum(), (out.sum_logits.argmax(dim=1) == out.sum_target).sum(),
            ]).to(totals.dtype)  # fmt: skip
            if batch_index % refresh_every == 0 or batch_index == len(loader) - 1:
                digit_loss_total, sum_loss_total, correct_digits, correct_sums = totals.tolist()
                if not math.isfinite(digit_loss_total + sum_loss_total):
                    raise NonFiniteLossError(f"the {label.lower()} loss became non-finite by batch {batch_index}: {DIVERGED}")
                # shown at the bar's next refresh, every refresh_every batches
                mean_loss = (digit_loss_total + sum_loss_total) / seen
                bar.set_description(_describe(label, batch_index, mean_loss, correct_digits, correct_sums, seen), refresh=False)
    digit_loss, sum_loss, correct_digits, correct_sums = (totals / seen).tolist()
    if not (math.isfinite(digit_loss) and math.isfinite(sum_loss)):
        raise NonFiniteLossError(f"the {label.lower()} loss became non-finite: {DIVERGED}")
    return {"digit_loss": digit_loss, "sum_loss": sum_loss, "loss": digit_loss + sum_loss,
            "digit_accuracy": 100 * correct_digits, "sum_accuracy": 100 * correct_sums}  # fmt: skip


def fit(model, optimizer, train_loader, test_loader, *, epochs, device, scheduler=None, augment=None,
        checkpoint_path=None, resume_from=None, config=None, progress=True, log=print, loss_fn=total_loss):  # fmt: skip
    """Train for ``epochs`` epochs, testing and checkpointing after each; return the history.

    ``resume_from`` is a loaded checkpoint: its weights, optimizer, schedule, random states
    and history are restored and training goes on from the epoch after it, so a resumed run
    ends where an uninterrupted one would.
    """
    history, first_epoch = new_history(), 1
    if checkpoint_path is not None:
        check_checkpoint_writable(checkpoint_path)
    if resume_from is not None:
        restore_training(resume_from, model, optimizer, scheduler, train_loader)
        history, first_epoch = resume_from["history"], resume_from["epoch"] + 1
    for epoch in range(first_epoch, epochs + 1):
        if progress:
            log(f"EPOCH: {epoch}")  # a header above the bars, as in the design notes
        started = time.perf_counter()
        train_stats = run_epoch(
            model,
            train_loader,
            device,
            optimizer=optimizer,
            scheduler=scheduler,
            augment=augment,
            progress=progress,
            loss_fn=loss_fn,
        )
        test_stats = run_epoch(model, test_loader, device, progress=progress, loss_fn=loss_fn)
        history["epoch_seconds"].append(time.perf_counter() - started)
        for split, stats in (("train", train_stats), ("test", test_stats)):
            for key in STAT_KEYS:
                history[split][key].append(stats[key])
        # in plain text too: where the bars do not render (GitHub, a log file) this line still tells the result
        summary = (f"train: Acc1={train_stats['digit_accuracy']:.2f}%, Acc2={train_stats['sum_accuracy']:.2f}%  "
                   f"test: Acc1={test_stats['digit_accuracy']:.2f}%, Acc2={test_stats['sum_accuracy']:.2f}%, "
                   f"total loss={test_stats['loss']:.4f}  ({history['epoch_seconds'][-1]:.0f} s)")  # fmt: skip
        log(summary if progress else f"EPOCH: {epoch}  {summary}")
        if checkpoint_path is not None:
            save_checkpoint(
                checkpoint_path, model=model.state_dict(), optimizer=optimizer.state_dict(),
                scheduler=scheduler.state_dict() if scheduler is not None else None,
                train_loader=train_loader.state_dict(), rng=rng_states(),
                epoch=epoch, history=history, config=config,
            )  # fmt: skip
    return history


def lr_range_test(model, loader, device, start_lr=1e-4, end_lr=3.0, steps=120, momentum=0.9):
    """Leslie Smith's learning-rate range test.

    Train for ``steps`` batches while the rate grows geometrically from ``start_lr`` to
    ``end_lr``, recording the smoothed loss; stop early once the loss explodes. ``model`` is
    left as it was. Returns ``(lrs, losses, suggested_lr)``, where the suggestion is the rate
    at the lowest smoothed loss divided by 2, a safe peak for a one-cycle schedule.
    """
    model = copy.deepcopy(model).to(device).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=start_lr, momentum=momentum)
    growth = (end_lr / start_lr) ** (1 / (steps - 1))
    lrs, losses, smoothed, best = [], [], None, math.inf
    batches = iter(())
    for step in range(steps):
        lr = start_lr * growth**step
        for group in optimizer.param_groups:
            group["lr"] = lr
        try:
            batch = next(batches)
        except StopIteration:
            batches = iter(loader)
            batch = next(batches)
        out = training_step(model, batch, device, optimizer)
        value = (out.digit_loss + out.sum_loss).item()
        smoothed = value if smoothed is None else 0.9 * smoothed + 0.1 * value
        lrs.append(lr)
        losses.append(smoothed)
        best = min(best, smoothed)
        if not math.isfinite(smoothed) or smoothed > 4 * best:
            break
    suggested = lrs[min(range(len(losses)), key=losses.__getitem__)] / 2
    return lrs, losses, suggested
