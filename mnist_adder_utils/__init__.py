"""mnist-adder: a CNN reads an MNIST digit, an MLP adds a random number to it.

The tutorial notebooks import everything they compute from here. The modules, in the order data flows
through them (each imports only from those above it):

    places       where files live: checkpoints (runs/) and figures (image/)
    device       which device trains: CUDA, Apple's MPS or the CPU, and what the GPU is
    data         MNIST (full, or the bundled sample), its normalization, and the (image, number) pairs
    fast_loader  the batches training uses, cut from tensors on the device
    model        the network: the CNN, the MLP adder, their Dropout
    progress     the progress bars
    training     the loss, one epoch, fitting over epochs, the history and checkpoints
    recipes      the original and improved settings, and train(): data, model and optimizer put together
    trained      a trained model back: from its checkpoint, or trained now where there is none
    analysis     a trained model on the test set: predictions in batches, confusions, mistakes
    learned      did a run learn: the accuracy floors every measured run of its recipe cleared
    sums_only    notebook 8's task, trained through recipes.train: digits learnt from sums alone
    handwriting  any picture of a digit prepared as MNIST's digits were
    predict      one image and one number in, the digit and the sum out
    plots        the figures, one function each
    exercises    the answers to the notebooks' "predict, then check" questions
    notebook     what each notebook does around its lesson: parameters, Colab's set-up, showing the code
    drawing_pad  the drawing pad's widget (browser side and the picture it sends)
    widgets      the explorer, the drawing pad and the upload, each answering with the model
    cli          the command line: train, evaluate, predict, info
"""

from .data import DATA_ENV_VAR, MNISTRandom, conventional_loaders, data_generator, draw_numbers, find_mnist
from .device import choose_device, describe_gpu, gpu_info
from .fast_loader import TensorPairLoader, fast_loaders
from .model import MNISt, MNISTadder, count_parameters, print_summary
from .notebook import REPOSITORY_URL, show_source
from .places import checkpoint_path, image_dir, runs_dir
from .recipes import TrainConfig, augment_batch, lr_range_test, train
from .trained import load_trained_model
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
