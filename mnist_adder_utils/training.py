"""The loss, the train and test loops, per-epoch history and checkpoints."""

import contextlib
import math
import os
import pickle
import re
import shutil
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from .progress import progress_bar

STAT_KEYS = ("loss1", "loss2", "total", "acc1", "acc2")
# Progress-bar updates per pass, whatever the machine's speed: each waits for the device and, in
# Jupyter, sends a few widget messages.
REFRESHES_PER_EPOCH = 10
DIVERGED = "the run diverged, the last good checkpoint is kept (try a smaller learning rate)"
CHECKPOINT_KEYS = ("model", "history", "epoch")  # what every use of a checkpoint reads
RESUME_KEYS = ("optimizer", "train_loader", "rng", "config")  # and what resuming reads besides


class NonFiniteLossError(RuntimeError):
    """The loss became NaN or infinite: training diverged."""


class CheckpointError(ValueError):
    """A checkpoint file is missing or is not one of this package's."""


def total_loss(digit_log_probs, digit_target, sum_logits, sum_target):
    """The two losses, ``(loss1, loss2)``: NLL on the digit's log-probabilities, CrossEntropy on the sum's logits.
    Training minimizes their sum, the total."""
    if sum_target.dim() == 2:  # the conventional loader's one-hot sums
        sum_target = sum_target.argmax(dim=1)
    return F.nll_loss(digit_log_probs, digit_target), F.cross_entropy(sum_logits, sum_target)


def new_history():
    return {"train": {key: [] for key in STAT_KEYS}, "test": {key: [] for key in STAT_KEYS}, "epoch_seconds": []}


def _describe(label, batch_index, mean_loss, correct1, correct2, seen):
    accuracies = f"Acc1={100 * correct1 / seen:.2f}%, Acc2={100 * correct2 / seen:.2f}%"
    return f"{label} ==> Batch:{batch_index}, Total-loss={mean_loss:.5f}, {accuracies}"


def run_epoch(model, loader, device, optimizer=None, scheduler=None, augment=None, progress=True, loss_fn=total_loss):
    """One pass over ``loader``: training when an optimizer is given, else evaluation.

    ``loss_fn(digit_log_probs, digit, sum_logits, sum)`` returns ``(loss1, loss2)``; training
    minimizes their sum. Any model whose ``forward(image, number_onehot)`` returns
    ``(digit_log_probs, sum_logits)`` can be trained.

    Returns the mean loss1, loss2 and total, and both accuracies in percent. The bar shows the
    running means so far: the figures the epoch's summary line ends with, up to the rounding of the last digit.
    """
    training = optimizer is not None
    label = "Train" if training else "Test"
    model.train(training)
    # loss1, loss2, correct1, correct2 (sums), in float32: Apple's MPS has no 64-bit floats
    running_sums = torch.zeros(4, device=device)
    seen = 0
    refresh_every = max(1, len(loader) // REFRESHES_PER_EPOCH)
    bar = progress_bar(loader, desc=label, disable=not progress, miniters=refresh_every)
    with torch.inference_mode() if not training else contextlib.nullcontext():
        for batch_index, (image, number_onehot, digit, sum_target) in enumerate(bar):
            image, number_onehot = image.to(device, non_blocking=True), number_onehot.to(device, non_blocking=True)
            digit, sum_target = digit.to(device, non_blocking=True), sum_target.to(device, non_blocking=True)
            if training and augment is not None:
                image = augment(image)
            digit_log_probs, sum_logits = model(image, number_onehot)
            loss1, loss2 = loss_fn(digit_log_probs, digit, sum_logits, sum_target)
            if training:
                optimizer.zero_grad(set_to_none=True)
                (loss1 + loss2).backward()
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
            sum_index = sum_target.argmax(dim=1) if sum_target.dim() == 2 else sum_target
            batch = len(digit)
            seen += batch
            running_sums += torch.stack([
                loss1.detach() * batch, loss2.detach() * batch,
                (digit_log_probs.argmax(dim=1) == digit).sum(), (sum_logits.argmax(dim=1) == sum_index).sum(),
            ]).to(running_sums.dtype)  # fmt: skip
            if batch_index % refresh_every == 0 or batch_index == len(loader) - 1:
                loss1_sum, loss2_sum, correct1, correct2 = running_sums.tolist()
                if not math.isfinite(loss1_sum + loss2_sum):
                    raise NonFiniteLossError(f"the {label.lower()} loss became non-finite by batch {batch_index}: {DIVERGED}")
                # shown at the bar's next refresh, every refresh_every batches
                mean_loss = (loss1_sum + loss2_sum) / seen
                bar.set_description(_describe(label, batch_index, mean_loss, correct1, correct2, seen), refresh=False)
    loss1, loss2, correct1, correct2 = (running_sums / seen).tolist()
    if not (math.isfinite(loss1) and math.isfinite(loss2)):
        raise NonFiniteLossError(f"the {label.lower()} loss became non-finite: {DIVERGED}")
    return {"loss1": loss1, "loss2": loss2, "total": loss1 + loss2, "acc1": 100 * correct1, "acc2": 100 * correct2}


def check_checkpoint_writable(path):
    """Refuse, with a ``CheckpointError``, a checkpoint path that cannot be written (before any training)."""
    path = Path(path)
    if not path.name:
        raise CheckpointError(f"the checkpoint path {str(path)!r} names no file; name one, e.g. runs/original/checkpoint.pt")
    probe = path.with_name(f"{path.name}.{os.getpid()}.probe")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe.touch()
        probe.unlink()
    except OSError as error:
        reason = error.strerror or error
        raise CheckpointError(f"cannot write the checkpoint {path}: {reason}; choose another place for it") from None
    if path.is_dir():
        raise CheckpointError(f"cannot write the checkpoint {path}: it is a folder; name a file, e.g. {path / 'checkpoint.pt'}")


@contextlib.contextmanager
def checkpoint_lock(path):
    """Hold ``path``.lock while a run writes ``path``: a second run on the same checkpoint is refused in one line,
    before it trains anything. A lock left by a run that died (its process is gone) is taken over. ``None``: no lock."""
    if path is None:  # a run that keeps no checkpoint
        yield
        return
    lock = Path(f"{path}.lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        owner = _lock_owner(lock)
        if owner is not None and owner != os.getpid() and _process_alive(owner):
            raise CheckpointError(
                f"another run (process {owner}) is writing {path}: let it finish, or train with another --checkpoint "
                f"(if no run is writing it, delete {lock})"
            ) from None
        lock.unlink(missing_ok=True)  # left by a run that died: take it over
        descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    with os.fdopen(descriptor, "w") as file:
        file.write(str(os.getpid()))
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _lock_owner(lock):
    try:
        return int(lock.read_text().strip())
    except (OSError, ValueError):
        return None


def _process_alive(pid):
    if os.name == "nt":  # os.kill(pid, 0) would send Ctrl-C there: take the lock's word for it
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def save_checkpoint(path, **state):
    """Write ``state`` to ``path`` atomically: a failed or interrupted write leaves the old file whole.

    A write that fails (a full disk, say) removes its partial file and raises ``CheckpointError``.
    """
    path = Path(path)
    check_checkpoint_writable(path)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.partial")  # each run its own: two runs never share one
    try:
        torch.save(state, temporary)
        os.replace(temporary, path)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if not isinstance(error, (OSError, RuntimeError)):
            raise  # e.g. KeyboardInterrupt: the old checkpoint is whole, let it through
        kept = "the previous checkpoint is kept" if path.is_file() else "no earlier checkpoint there"
        reason = getattr(error, "strerror", None) or "the write failed"
        raise CheckpointError(
            f"could not write the checkpoint {path} ({reason}; {_free_space(path.parent)} free there); {kept}"
        ) from None


def _free_space(folder):
    """The free space in ``folder``, in the unit that shows it: bytes, KiB, MiB or GiB."""
    free = shutil.disk_usage(folder).free
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if free < 1024 or unit == "GiB":
            return f"{free:,} bytes" if unit == "bytes" else f"{free:.1f} {unit}"
        free /= 1024


def load_checkpoint(path):
    """Read a checkpoint written by ``fit``, its tensors on the CPU; a one-line ``CheckpointError`` if it
    is not one. Only tensors and plain values are read (``weights_only``): a file that carries other
    pickled Python objects, which could run code as they load, is refused.

    The caller moves what it needs to its device (``load_state_dict`` copies onto the model's).
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}: train first (python -m mnist_adder_utils train)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        named = re.search(r"GLOBAL ([\w.]+)", str(error))  # a Python object the safe loader would not make
        if named is None:
            raise CheckpointError(f"{path} could not be read as a checkpoint (not a file torch.save wrote)") from None
        raise CheckpointError(
            f"{path} was refused: it carries a pickled Python object ({named.group(1)}), which could run code as "
            "it loads; expected a checkpoint written by this package's train (tensors and plain values only)"
        ) from None
    except Exception as error:
        raise CheckpointError(f"{path} could not be read as a checkpoint: not a file torch.save wrote ({_said(error)})") from None
    missing = [key for key in CHECKPOINT_KEYS if not isinstance(state, dict) or key not in state]
    if missing:
        raise CheckpointError(
            f"{path} is not an mnist-adder checkpoint (no {' or '.join(missing)} in it): "
            "expected a checkpoint written by this package's train"
        )
    return state


def _rng_states():
    states = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def _restore_rng_states(states):
    # PyTorch takes random states as CPU byte tensors only, whatever device they were mapped to
    torch.set_rng_state(states["torch"].cpu())
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([state.cpu() for state in states["cuda"]])


def first_line(error, limit=120):
    """The first line of an exception's message, at most ``limit`` characters ("no detail" if it has none)."""
    return str(error).splitlines()[0][:limit] if str(error) else "no detail"


def _said(error):
    """An exception in a few words: its type and the first line of its message."""
    return f"{type(error).__name__}: {first_line(error)}"


def _restore(part, load, state):
    """``load(state)``, or a one-line ``CheckpointError`` naming the ``part`` of the checkpoint that is malformed."""
    try:
        load(state)
    except (RuntimeError, KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        raise CheckpointError(
            f"cannot resume: the checkpoint's {part} is malformed ({_said(error)}); it was damaged, "
            "or not written by this package's train: train a new run with another --checkpoint"
        ) from None


def fit(model, optimizer, train_loader, test_loader, epochs, device, *, scheduler=None, augment=None,
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
        _restore("weights", model.load_state_dict, resume_from["model"])
        _restore("optimizer state", optimizer.load_state_dict, resume_from["optimizer"])
        if scheduler is not None and resume_from.get("scheduler"):
            _restore("learning-rate schedule", scheduler.load_state_dict, resume_from["scheduler"])
        _restore("data loader's state", train_loader.load_state_dict, resume_from["train_loader"])
        _restore("random states", _restore_rng_states, resume_from["rng"])
        history, first_epoch = resume_from["history"], resume_from["epoch"] + 1
    for epoch in range(first_epoch, epochs + 1):
        if progress:
            log(f"EPOCH: {epoch}")  # a header above the bars, as in the design notes
        started = time.perf_counter()
        train_stats = run_epoch(model, train_loader, device, optimizer, scheduler, augment, progress, loss_fn)
        test_stats = run_epoch(model, test_loader, device, progress=progress, loss_fn=loss_fn)
        history["epoch_seconds"].append(time.perf_counter() - started)
        for split, stats in (("train", train_stats), ("test", test_stats)):
            for key in STAT_KEYS:
                history[split][key].append(stats[key])
        # in plain text too: where the bars do not render (GitHub, a log file) this line still tells the result
        summary = (f"train: Acc1={train_stats['acc1']:.2f}%, Acc2={train_stats['acc2']:.2f}%  "
                   f"test: Acc1={test_stats['acc1']:.2f}%, Acc2={test_stats['acc2']:.2f}%, "
                   f"total loss={test_stats['total']:.4f}  ({history['epoch_seconds'][-1]:.0f} s)")  # fmt: skip
        log(summary if progress else f"EPOCH: {epoch}  {summary}")
        if checkpoint_path is not None:
            save_checkpoint(
                checkpoint_path, model=model.state_dict(), optimizer=optimizer.state_dict(),
                scheduler=scheduler.state_dict() if scheduler is not None else None,
                train_loader=train_loader.state_dict(), rng=_rng_states(),
                epoch=epoch, history=history, config=config,
            )  # fmt: skip
    return history
