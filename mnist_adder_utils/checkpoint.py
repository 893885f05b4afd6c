"""Checkpoints, all of it: where they go, what they hold, writing one atomically, reading one safely, the random
states they keep, the rules for resuming from one, and a trained model back from one."""

import contextlib
import os
import pickle
import re
import shutil
from pathlib import Path

import torch

from .model import MNISTadder
from .places import runs_dir, shown

CHECKPOINT_KEYS = ("model", "history", "epoch")  # what every use of a checkpoint reads
RESUME_KEYS = ("optimizer", "train_loader", "rng", "config")  # and what resuming reads besides
# A resumed run must share these settings with its checkpoint, or it would mix two runs in one (a one-cycle
# schedule also fixes its epochs: the rate's curve is laid out over them).
RESUME_MUST_MATCH = ("recipe", "batch_size", "lr", "momentum", "weight_decay", "schedule", "augment", "dropout",
                     "seed", "train_limit", "validation")  # fmt: skip
# a history written before its keys were renamed (December 2026), under its old names
OLD_HISTORY_KEYS = {"loss1": "digit_loss", "loss2": "sum_loss", "total": "loss", "acc1": "digit_accuracy",
                    "acc2": "sum_accuracy"}  # fmt: skip


class CheckpointError(ValueError):
    """A checkpoint file is missing, cannot be written, or is not one of this package's."""


def checkpoint_path(recipe):
    """Where a recipe's run is kept, e.g. runs/original/checkpoint.pt: the command line and the notebooks share it."""
    return runs_dir() / recipe / "checkpoint.pt"


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

    The caller moves what it needs to its device (``load_state_dict`` copies onto the model's). A history
    written under the old key names (``acc1``, ``loss1``, ...) is read under the new ones.
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
    for split in ("train", "test"):
        stats = state["history"].get(split) if isinstance(state["history"], dict) else None
        if isinstance(stats, dict):
            state["history"][split] = {OLD_HISTORY_KEYS.get(key, key): values for key, values in stats.items()}
    return state


def rng_states():
    states = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def restore_rng_states(states):
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


def restore_training(state, model, optimizer, scheduler, train_loader):
    """Put a checkpoint's weights, optimizer, schedule, loader and random states back, so that training goes on
    where it stopped; a malformed part is named in one line."""
    _restore("weights", model.load_state_dict, state["model"])
    _restore("optimizer state", optimizer.load_state_dict, state["optimizer"])
    if scheduler is not None and state.get("scheduler"):
        _restore("learning-rate schedule", scheduler.load_state_dict, state["scheduler"])
    _restore("data loader's state", train_loader.load_state_dict, state["train_loader"])
    _restore("random states", restore_rng_states, state["rng"])


def check_same_data(trained, source, checkpoint):
    """Refuse, in one line, to resume a run on other data than it was trained on (full MNIST against the sample)."""
    images = trained.get("training_images")  # checkpoints written before this was kept say nothing: let them go on
    if images is not None and images != source.training_images:
        raise CheckpointError(
            f"cannot resume {shown(checkpoint)}: it was trained on {images:,} training images, and this run would read "
            f"{source.training_images:,} ({source.description}); give the same data (--data-root), or train a new run "
            "with another --checkpoint"
        )


def resumable_checkpoint(config):
    """``config.checkpoint``, loaded, if training can go on from it as ``config`` asks; else a one-line
    ``CheckpointError`` saying what differs (nothing is trained or written)."""
    if config.checkpoint is None:
        raise CheckpointError("nothing to resume: this run keeps no checkpoint")
    path = shown(config.checkpoint)
    state = load_checkpoint(config.checkpoint)
    missing = [key for key in RESUME_KEYS if state.get(key) is None]
    if missing:
        raise CheckpointError(
            f"cannot resume {path}: it holds no {' or '.join(missing)} (weights alone can be evaluated, not "
            "trained on); train a new run with another --checkpoint"
        )
    trained = state["config"]
    if state["epoch"] >= config.epochs:
        longer = (
            "its one-cycle schedule has ended, so train a new run with more --epochs and another --checkpoint"
            if trained.get("schedule") == "onecycle"
            else f"to train longer, resume with more epochs (e.g. --epochs {state['epoch'] + 10})"
        )
        raise CheckpointError(
            f"{path} has finished {state['epoch']} epochs, {config.epochs} were asked for: nothing to resume; {longer}"
        )
    must_match = RESUME_MUST_MATCH + (("epochs",) if trained.get("schedule") == "onecycle" else ())
    for setting in must_match:
        asked = getattr(config, setting)
        if setting in trained and trained[setting] != asked:
            flag = "--" + setting.replace("_", "-")
            why = " (its one-cycle schedule is laid out over them)" if setting == "epochs" else ""
            raise CheckpointError(
                f"cannot resume {path} with {flag} {asked}: it was trained with {flag} {trained[setting]}{why}; "
                "resume with the same settings, or train a new run with another --checkpoint"
            )
    return state


def load_trained_model(checkpoint, device="cpu"):
    """The model in a checkpoint, in eval mode, and the checkpoint itself."""
    state = load_checkpoint(checkpoint)  # on the CPU; the weights move to the device below
    model = MNISTadder()
    try:
        model.load_state_dict(state["model"])
    except (RuntimeError, TypeError, AttributeError):
        expected, found = set(model.state_dict()), set(state["model"]) if isinstance(state["model"], dict) else set()
        raise CheckpointError(
            f"{checkpoint} holds the weights of another model ({len(expected - found)} of MNISTadder's "
            f"{len(expected)} tensors missing, {len(found - expected)} unknown ones, or shapes that differ): "
            "expected a checkpoint written by this package's train"
        ) from None
    return model.to(device).eval(), state
