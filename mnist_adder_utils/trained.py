"""A recipe's trained model for a notebook: from its checkpoint, or, where there is none, trained now, so that each
notebook opens on its own."""

import contextlib

from .checkpoint import CheckpointError, checkpoint_path, load_trained_model
from .device import choose_device, describe_device
from .places import shown
from .recipes import TrainConfig, train

RECIPE_NOTEBOOKS = {"original": 4, "improved": 6}  # where each recipe is trained


def load_or_train(recipe="original", data_root=None, device="auto", epochs=None, quick_epochs=3, log=print):
    """``(model, history)`` of a recipe: from its checkpoint, else trained now. Says which.

    Lets a notebook open on its own (on Colab each notebook runs on a fresh machine). With no
    checkpoint, a GPU trains the recipe in full (``epochs``, by default the recipe's; about a
    minute on CUDA) and saves it where the other notebooks look; a CPU trains a quick run of at
    most ``quick_epochs`` epochs, saved apart from the real one (runs/RECIPE-quick/), and reloads
    it when the notebook is opened again.
    """
    device = choose_device(device)
    checkpoint = checkpoint_path(recipe)
    try:
        model, state = load_trained_model(checkpoint, device)
        log(f"Loaded {shown(checkpoint)}: the {recipe} recipe after {state['epoch']} epochs.")
        return model, state["history"]
    except CheckpointError:
        if checkpoint.is_file():  # there, but not readable or not ours: say so rather than overwrite it
            raise
        log(f"No checkpoint at {shown(checkpoint)} (notebook {RECIPE_NOTEBOOKS[recipe]} or the command line writes it).")
    config = TrainConfig.for_recipe(recipe, epochs=epochs, data_root=data_root, device=str(device), checkpoint=checkpoint)
    if device.type == "cpu":
        config.epochs = min(quick_epochs, config.epochs)
        config.checkpoint = str(checkpoint_path(f"{recipe}-quick"))
        with contextlib.suppress(CheckpointError, KeyError):  # a quick run from an earlier visit will do
            model, state = load_trained_model(config.checkpoint, device)
            if state["epoch"] >= config.epochs:
                log(f"Loaded {shown(config.checkpoint)}: the quick {state['epoch']}-epoch run of an earlier visit.")
                return model, state["history"]
        log(f"No GPU here: training a quick {config.epochs}-epoch run of the {recipe} recipe instead of its "
            f"{config.full_epochs} epochs; the figures below are that run's.")  # fmt: skip
    else:
        log(f"Training the {recipe} recipe now on {describe_device(device)}: {config.epochs} epochs.")
    model, history = train(config, progress=False, log=log)
    return model.eval(), history
