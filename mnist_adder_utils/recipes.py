"""The training recipes: the settings of the original one (the design notes') and of the improved one, the
optimizer and schedule they ask for, and ``train``, which runs a recipe end to end."""

from dataclasses import asdict, dataclass

import torch

from .checkpoint import check_checkpoint_writable, check_same_data, checkpoint_lock, resumable_checkpoint
from .data import augment_batch, find_mnist
from .device import choose_device, describe_device
from .fast_loader import fast_loaders
from .model import NOTES_DROPOUT, MNISTadder
from .training import fit, total_loss

# What each recipe changes; anything not named takes TrainConfig's defaults.
RECIPES = {
    "original": {"epochs": 25, "lr": 0.01, "schedule": "constant", "augment": False},
    "improved": {"epochs": 25, "lr": 0.05, "schedule": "onecycle", "augment": True, "dropout": 0.05, "weight_decay": 5e-4},
}
ONE_CYCLE_MIN_STEPS = 8
MOMENTUM_SWING = 0.05  # the one-cycle schedule moves momentum this far either side of config.momentum


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
    dropout: float = NOTES_DROPOUT  # every Dropout layer
    seed: int = 1
    device: str = "auto"
    data_root: str | None = None
    train_limit: int | None = None  # train on the first N images only (quick runs)
    validation: int = 0  # hold out the last N training images and test on them, not on the test set
    checkpoint: str | None = None  # None: no checkpoint; the recipe's own place is checkpoint.checkpoint_path(recipe)

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
        settings = {**RECIPES[recipe], "recipe": recipe}
        settings.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**settings)

    @property
    def full_epochs(self):
        """The epochs the recipe itself prescribes (a quick run trains fewer)."""
        return RECIPES[self.recipe]["epochs"]


def make_optimizer_and_schedule(model, config, steps_per_epoch):
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


def new_network(config):
    """The series' whole network (CNN and MLP adder), with the config's dropout in every Dropout layer."""
    return MNISTadder(config.dropout, config.dropout)


def train(config, *, resume=False, progress=True, log=print, new_model=new_network, loss_fn=total_loss,
          loaders=fast_loaders, augment=augment_batch, details=None):  # fmt: skip
    """Train a network as ``config`` says; return ``(model, history)``.

    With ``resume``, go on from ``config.checkpoint`` instead of starting over. ``new_model(config)`` builds the
    network after seeding, so the seed fixes its first weights; it and ``loss_fn`` (see ``run_epoch``) let you train
    your own variant with the same data, optimizer and schedule. Another task (notebook 8's) also brings its own
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
        model = new_model(config).to(device)
        train_loader, test_loader = loaders(source, config.batch_size, config.seed, device, config.train_limit, config.validation)
        if config.validation:
            log(f"held out for validation: the last {config.validation:,} training images (the 'test' figures below are theirs)")
        optimizer, scheduler = make_optimizer_and_schedule(model, config, len(train_loader))
        saved_config = {**asdict(config), "training_images": source.training_images, **(details or {})}
        history = fit(
            model, optimizer, train_loader, test_loader, epochs=config.epochs, device=device,
            scheduler=scheduler, augment=augment if config.augment else None,
            checkpoint_path=config.checkpoint, resume_from=resume_from, config=saved_config,
            progress=progress, log=log, loss_fn=loss_fn,
        )  # fmt: skip
    return model, history


def experiment(recipe="original", model=None, loss_fn=total_loss, data_root=None, **overrides):
    """A short run for an exercise; returns its history and saves nothing.

    Trains ``model`` (a network of your own, trained as it is; by default the recipe's own) with ``loss_fn``,
    by default for 1 epoch on the first 10,000 training images; ``overrides`` change any ``TrainConfig`` setting.
    """
    settings = {"epochs": 1, "train_limit": 10_000, **overrides, "checkpoint": None}  # never over a saved run
    config = TrainConfig.for_recipe(recipe, data_root=data_root, **settings)
    new_model = new_network if model is None else lambda config: model
    _, history = train(config, progress=False, log=lambda line: None, new_model=new_model, loss_fn=loss_fn)
    return history
