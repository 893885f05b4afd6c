"""Training recipes: the settings of the original one (the design notes') and of the improved one, their
augmentation and optimizer, and ``train``, which runs a recipe end to end (with the range test behind the
improved rate)."""

import copy
import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F

from .data import find_mnist
from .device import choose_device, describe_device
from .fast_loader import fast_loaders
from .model import DROPOUT, MNISTadder
from .places import checkpoint_path, shown
from .training import (
    RESUME_KEYS,
    CheckpointError,
    check_checkpoint_writable,
    checkpoint_lock,
    fit,
    load_checkpoint,
    total_loss,
)

# What each recipe changes; anything not named takes TrainConfig's defaults.
RECIPES = {
    "original": {"epochs": 25, "lr": 0.01, "schedule": "constant", "augment": False},
    "improved": {"epochs": 25, "lr": 0.05, "schedule": "onecycle", "augment": True, "dropout": 0.05, "weight_decay": 5e-4},
}
MAX_ROTATION_DEGREES = 10
MAX_SHIFT_PIXELS = 2
ONE_CYCLE_MIN_STEPS = 8
MOMENTUM_SWING = 0.05  # the one-cycle schedule moves momentum this far either side of config.momentum
# A resumed run must share these settings with its checkpoint, or it would mix two runs in one (a one-cycle
# schedule also fixes its epochs: the rate's curve is laid out over them).
RESUME_MUST_MATCH = ("recipe", "batch_size", "lr", "momentum", "weight_decay", "schedule", "augment", "dropout",
                     "seed", "train_limit", "validation")  # fmt: skip
# Apple GPUs (MPS) lack grid_sample's "border" padding before torch 2.13; augment_batch samples another way there
NO_BORDER_PADDING_DEVICES = {"mps"}


@dataclass
class TrainConfig:
    recipe: str = "original"
    epochs: int = 25
    batch_size: int = 128
    lr: float = 0.01  # the peak rate for the one-cycle schedule
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "constant"  # or "onecycle"
    augment: bool = False
    dropout: float = DROPOUT  # every Dropout layer
    seed: int = 1
    device: str = "auto"
    data_root: str | None = None
    train_limit: int | None = None  # train on the first N images only (quick runs)
    validation: int = 0  # hold out the last N training images and test on them, not on the test set
    checkpoint: str | None = None  # None: no checkpoint; for_recipe sets runs/RECIPE/checkpoint.pt (places.runs_dir)

    def __post_init__(self):
        # paths as text: a checkpoint stores this config, and holds plain values only (see load_checkpoint)
        for name in ("data_root", "checkpoint"):
            if getattr(self, name) is not None:
                setattr(self, name, str(getattr(self, name)))

    @classmethod
    def for_recipe(cls, recipe="original", **overrides):
        """The recipe's settings, with ``overrides`` (those not None) on top."""
        if recipe not in RECIPES:
            raise ValueError(f"unknown recipe {recipe!r}: expected one of {', '.join(RECIPES)}")
        settings = {"checkpoint": str(checkpoint_path(recipe)), **RECIPES[recipe], "recipe": recipe}
        settings.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**settings)

    @property
    def full_epochs(self):
        """The epochs the recipe itself prescribes (a quick run trains fewer)."""
        return RECIPES[self.recipe]["epochs"]


def augment_batch(image):
    """Rotate each image by up to 10 degrees and shift it by up to 2 pixels, as one tensor op."""
    count = len(image)
    angle = (torch.rand(count, device=image.device) * 2 - 1) * math.radians(MAX_ROTATION_DEGREES)
    shift = (torch.rand(count, 2, device=image.device) * 2 - 1) * (2 * MAX_SHIFT_PIXELS / image.shape[-1])
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(image.shape), align_corners=False)
    return sample_with_border_padding(image, grid)


def sample_with_border_padding(image, grid):
    """``grid_sample`` that repeats the edge pixels (background) beyond the image, so no gray frame appears.

    Where "border" padding is missing (Apple GPUs before torch 2.13), the grid is clamped to the outer
    pixel centres instead and padded with zeros: bilinear sampling then reads only pixels inside the
    image, which gives the same values up to float rounding.
    """
    if image.device.type not in NO_BORDER_PADDING_DEVICES:
        return F.grid_sample(image, grid, padding_mode="border", align_corners=False)
    height, width = image.shape[-2:]
    edge = torch.tensor([1 - 1 / width, 1 - 1 / height], device=grid.device)  # (x, y) of the outer pixel centres
    return F.grid_sample(image, grid.clamp(-edge, edge), padding_mode="zeros", align_corners=False)


def make_optimizer(model, config, steps_per_epoch):
    """SGD with momentum (and weight decay), and a one-cycle schedule (stepped every batch) when the recipe asks.

    The one-cycle schedule also cycles the momentum, against the rate: highest (momentum + 0.05) while
    the rate is low, lowest (momentum - 0.05) at the peak rate.
    """
    nesterov = config.schedule == "onecycle"
    optimizer = torch.optim.SGD(
        model.parameters(), lr=config.lr, momentum=config.momentum, nesterov=nesterov, weight_decay=config.weight_decay
    )
    scheduler = None
    if config.schedule == "onecycle":
        steps = config.epochs * steps_per_epoch
        if steps < ONE_CYCLE_MIN_STEPS:  # with 4, OneCycleLR itself divides by zero
            raise ValueError(
                f"the one-cycle schedule needs at least {ONE_CYCLE_MIN_STEPS} batches in all to rise and fall; this run "
                f"has {steps} (epochs {config.epochs}, {steps_per_epoch} an epoch): train on more images or for more epochs"
            )
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=config.lr, epochs=config.epochs, steps_per_epoch=steps_per_epoch, pct_start=0.25,
            base_momentum=max(0.0, config.momentum - MOMENTUM_SWING),
            max_momentum=min(0.99, config.momentum + MOMENTUM_SWING),
        )  # fmt: skip
    return optimizer, scheduler


def new_adder(config):
    """The series' network, with the config's dropout in every Dropout layer."""
    return MNISTadder(config.dropout, config.dropout)


def train(config, resume=False, progress=True, log=print, model=None, loss_fn=total_loss, *,
          new_model=new_adder, loaders=fast_loaders, augment=augment_batch, details=None):  # fmt: skip
    """Train the network as ``config`` says; return ``(model, history)``.

    With ``resume``, go on from ``config.checkpoint`` instead of starting over. ``model`` (an
    ``nn.Module`` taking ``(image, number_onehot)``) and ``loss_fn`` (see ``run_epoch``) let you
    train your own variant with the same data, optimizer and schedule. Another task (notebook 8's)
    brings its own ``new_model(config)`` (called after seeding, so the seed fixes the first weights),
    ``loaders``, ``augment`` and ``details`` (saved in its checkpoints beside the config).
    """
    device = choose_device(config.device)
    if config.checkpoint is not None:
        check_checkpoint_writable(config.checkpoint)  # before loading data or training anything
    with checkpoint_lock(config.checkpoint):  # a second run on the same checkpoint stops here (none: no lock)
        # read and checked before any data is loaded: a resume that cannot go on stops here, with nothing written
        resume_from = resumable_checkpoint(config) if resume else None
        source = find_mnist(config.data_root)
        if resume_from is not None:
            check_same_data(resume_from["config"], source, config.checkpoint)
        log(f"MNIST: {source.description}; training on: {describe_device(device)}")
        torch.manual_seed(config.seed)
        model = (new_model(config) if model is None else model).to(device)
        train_loader, test_loader = loaders(source, config.batch_size, config.seed, device, config.train_limit, config.validation)
        if config.validation:
            log(f"held out for validation: the last {config.validation:,} training images (the 'test' figures below are theirs)")
        optimizer, scheduler = make_optimizer(model, config, len(train_loader))
        saved_config = {**asdict(config), "training_images": source.training_images, **(details or {})}
        history = fit(
            model, optimizer, train_loader, test_loader, config.epochs, device,
            scheduler=scheduler, augment=augment if config.augment else None,
            checkpoint_path=config.checkpoint, resume_from=resume_from, config=saved_config,
            progress=progress, log=log, loss_fn=loss_fn,
        )  # fmt: skip
    return model, history


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


def experiment(recipe="original", model=None, loss_fn=total_loss, data_root=None, **overrides):
    """A short run for an exercise; returns its history and saves nothing.

    Trains ``model`` (by default the recipe's own) with ``loss_fn``, by default for 1 epoch on the
    first 10,000 training images; ``overrides`` change any ``TrainConfig`` setting.
    """
    config = TrainConfig.for_recipe(recipe, data_root=data_root, **{"epochs": 1, "train_limit": 10_000, **overrides})
    config.checkpoint = None  # an experiment keeps no checkpoint, and never replaces a real one
    _, history = train(config, progress=False, log=lambda line: None, model=model, loss_fn=loss_fn)
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
            image, number_onehot, digit, total = next(batches)
        except StopIteration:
            batches = iter(loader)
            image, number_onehot, digit, total = next(batches)
        digit_log_probs, sum_logits = model(image.to(device), number_onehot.to(device))
        loss1, loss2 = total_loss(digit_log_probs, digit.to(device), sum_logits, total.to(device))
        optimizer.zero_grad(set_to_none=True)
        (loss1 + loss2).backward()
        optimizer.step()
        value = (loss1 + loss2).item()
        smoothed = value if smoothed is None else 0.9 * smoothed + 0.1 * value
        lrs.append(lr)
        losses.append(smoothed)
        best = min(best, smoothed)
        if not math.isfinite(smoothed) or smoothed > 4 * best:
            break
    suggested = lrs[min(range(len(losses)), key=losses.__getitem__)] / 2
    return lrs, losses, suggested
