"""mnist-adder: a CNN reads an MNIST digit, an MLP adds a random number to it.

The tutorial notebooks import everything they compute from here.
"""

from .data import DATA_ENV_VAR, MNISTRandom, conventional_loaders, data_generator, draw_numbers, find_mnist
from .device import choose_device, describe_gpu, gpu_info
from .fast_loader import TensorPairLoader, fast_loaders
from .model import MNISt, MNISTadder, count_parameters, print_summary
from .notebook import REPOSITORY_URL, show_source
from .places import checkpoint_path, image_dir, runs_dir
from .recipes import TrainConfig, augment_batch, load_trained_model, lr_range_test, train
from .training import fit, load_checkpoint, run_epoch, total_loss

__version__ = "1.2.0"  # the notebooks' install cells pin this release (tests check)

__all__ = [
    "DATA_ENV_VAR",
    "REPOSITORY_URL",
    "MNISTRandom",
    "MNISTadder",
    "MNISt",
    "TensorPairLoader",
    "TrainConfig",
    "augment_batch",
    "checkpoint_path",
    "choose_device",
    "conventional_loaders",
    "count_parameters",
    "data_generator",
    "describe_gpu",
    "draw_numbers",
    "fast_loaders",
    "find_mnist",
    "fit",
    "gpu_info",
    "image_dir",
    "load_checkpoint",
    "load_trained_model",
    "lr_range_test",
    "print_summary",
    "run_epoch",
    "runs_dir",
    "show_source",
    "total_loss",
    "train",
]
