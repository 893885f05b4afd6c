"""mnist-adder: a CNN reads an MNIST digit, an MLP adds a random number to it.

The tutorial notebooks import everything they compute from here. The modules, in the order data flows
through them (each imports only from those above it):

    places       where files live: checkpoints (runs/) and figures (image/)
    device       which device trains: CUDA, Apple's MPS or the CPU, and what the GPU is
    data         MNIST (full, or the bundled sample), its normalization, one-hot encoding and augmentation, the pairs
    fast_loader  the batches training uses, cut from tensors on the device
    model        the network: the CNN, the MLP adder, their Dropout
    progress     the progress bars
    checkpoint   checkpoints: their place, format, atomic save, safe load, resume rules, a trained model back
    training     the loss, one step, one epoch, fitting over epochs with its history, the learning-rate range test
    recipes      the original and improved settings, their optimizer, and train(): data, model and optimizer put together
    trained      a recipe's model for a notebook: from its checkpoint, or trained now where there is none
    analysis     a trained model on the test set: predictions in batches, confusions, mistakes
    learned      did a run learn: the accuracy floors every measured run of its recipe cleared
    sums_only    notebook 8's task, trained through recipes.train: digits learnt from sums alone
    handwriting  any picture of a digit prepared as MNIST's digits were
    predict      one image and one number in, the digit and the sum out
    export       the trained network as an ONNX file, and its check against PyTorch (notebook 9)
    plots        the figures, one function each
    exercises    the answers to the notebooks' "predict, then check" questions
    notebook     what each notebook does around its lesson: parameters, Colab's set-up, showing the code
    drawing_pad  the drawing pad's widget (browser side and the picture it sends)
    widgets      the explorer, the drawing pad and the upload, each answering with the model
    cli          the command line: train, evaluate, predict, info
"""

import importlib as _importlib
import pkgutil as _pkgutil

__version__ = "1.2.0"  # the notebooks' install cells pin this release (tests check)

# what ``from mnist_adder_utils import NAME`` gives, and the module each comes from: imported on first use, so that
# the command line's --help answers without loading torch
_HOMES = {
    "DATA_ENV_VAR": "data", "MNISTRandom": "data", "conventional_loaders": "data", "data_generator": "data",
    "draw_numbers": "data", "find_mnist": "data", "augment_batch": "data",
    "choose_device": "device", "describe_gpu": "device", "gpu_info": "device",
    "TensorPairLoader": "fast_loader", "fast_loaders": "fast_loader",
    "MNISt": "model", "MNISTadder": "model", "count_parameters": "model", "print_summary": "model",
    "REPOSITORY_URL": "notebook", "show_source": "notebook",
    "image_dir": "places", "runs_dir": "places",
    "checkpoint_path": "checkpoint", "load_checkpoint": "checkpoint", "load_trained_model": "checkpoint",
    "fit": "training", "lr_range_test": "training", "run_epoch": "training", "total_loss": "training",
    "TrainConfig": "recipes", "train": "recipes",
}  # fmt: skip
_MODULES = {m.name for m in _pkgutil.iter_modules(__path__) if not m.name.startswith("_")}  # training and the others
__all__ = sorted(_HOMES)

def __getattr__(name):
    if name in _HOMES:
        return getattr(_importlib.import_module(f".{_HOMES[name]}", __name__), name)
    if name in _MODULES:  # mnist_adder_utils.training and the like, without importing it first
        return _importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([name for name in globals() if not name.startswith("_")] + [*_HOMES, *_MODULES])
