"""Command line: python -m mnist_adder_utils {train,evaluate,predict,info}.

Each command imports what it needs when it runs: ``--help`` answers without loading torch.
"""

import argparse
import json
import sys
import warnings

EXIT_ERROR, EXIT_INTERRUPTED = 2, 130


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value}")
    return value


def _number_in(low, high, expected, low_allowed=True):
    """An argparse type for a number from ``low`` up to (not including) ``high``."""

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not (low < value < high or (low_allowed and value == low)):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


_positive_float = _number_in(0, float("inf"), "a positive number", low_allowed=False)
_non_negative_float = _number_in(0, float("inf"), "a number of at least 0")
_fraction = _number_in(0, 1, "a number from 0 up to (not including) 1")


def _digit(text):
    if not (text.isascii() and text.isdigit() and 0 <= int(text) <= 9):  # isdigit alone takes "²", which int() refuses
        raise argparse.ArgumentTypeError(f"expected an integer 0..9, got {text!r}")
    return int(text)


def _test_index(text):
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"expected a test-set index 0..9999, got {text!r}")
    return int(text)


# what --recipe and --device offer, written out here so that the parser and --help need no torch (a test ties them to
# recipes.RECIPES and device.DEVICE_CHOICES)
RECIPE_NAMES = ("original", "improved")
DEVICE_NAMES = ("auto", "cuda", "mps", "cpu")


class OneLineErrorParser(argparse.ArgumentParser):
    """Reports a bad argument in one line on stderr (argparse adds the whole usage)."""

    def error(self, message):
        self.exit(EXIT_ERROR, f"error: {message} (see {self.prog} --help)\n")


def build_parser():
    parser = OneLineErrorParser(prog="python -m mnist_adder_utils", description="Train and use the MNIST adder.")
    parser.add_argument("--debug", action="store_true", help="on an unexpected error, show its whole traceback")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineErrorParser)

    train = commands.add_parser("train", help="train a model (the original recipe by default)")
    train.add_argument(
        "--recipe",
        choices=RECIPE_NAMES,
        metavar="RECIPE",
        default="original",
        help="settings to start from: %(choices)s (default: original)",
    )
    train.add_argument("--epochs", type=_positive_int, help="epochs (default: 25 for either recipe)")
    train.add_argument("--batch-size", type=_positive_int, help="batch size (default: 128)")
    train.add_argument("--lr", type=_positive_float, help="learning rate; the peak rate with --recipe improved")
    train.add_argument("--momentum", type=_fraction, help="SGD momentum (default: 0.9; one-cycle swings it by 0.05)")
    train.add_argument("--dropout", type=_fraction, help="rate of every Dropout layer (original: 0.02, improved: 0.05)")
    train.add_argument("--weight-decay", type=_non_negative_float, help="L2 penalty (original: 0, improved: 0.0005)")
    train.add_argument("--seed", type=int, help="random seed (default: 1)")
    train.add_argument("--train-limit", type=_positive_int, help="train on the first N training images only")
    train.add_argument("--validation", type=_positive_int, help="hold out the last N training images and test on them")
    train.add_argument("--checkpoint", help="checkpoint file (default: runs/RECIPE/checkpoint.pt, where the notebooks look)")
    train.add_argument("--resume", action="store_true", help="go on from the checkpoint instead of starting over")
    train.add_argument("--no-progress", action="store_true", help="no progress bars")

    evaluate = commands.add_parser("evaluate", help="test accuracies of a checkpoint, as JSON")
    evaluate.add_argument("checkpoint", help="a checkpoint written by train")

    predict = commands.add_parser("predict", help="predict the digit and the sum for one image and one number")
    predict.add_argument("checkpoint", help="a checkpoint written by train")
    which = predict.add_mutually_exclusive_group(required=True)
    which.add_argument("--image", help="a picture of a digit (PNG, JPEG, BMP; any size; dark on light or light on dark)")
    which.add_argument("--index", type=_test_index, help="an image of the MNIST test set, by index")
    predict.add_argument("--number", type=_digit, required=True, help="the number to add, 0..9")

    commands.add_parser("info", help="the GPU check: which device training would use")

    for command in (train, evaluate, predict):
        command.add_argument("--data-root", help="folder holding MNIST/raw (default: $MNIST_ADDER_DATA, else download)")
        command.add_argument(
            "--device",
            choices=DEVICE_NAMES,
            metavar="DEVICE",
            default="auto",
            help="%(choices)s (default: auto: CUDA, MPS, else CPU)",
        )
    return parser


def _train(args):
    from .checkpoint import checkpoint_path
    from .recipes import TrainConfig, train

    config = TrainConfig.for_recipe(
        args.recipe, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, momentum=args.momentum,
        dropout=args.dropout, weight_decay=args.weight_decay, seed=args.seed, train_limit=args.train_limit,
        validation=args.validation,
        checkpoint=checkpoint_path(args.recipe) if args.checkpoint is None else args.checkpoint,
        device=args.device, data_root=args.data_root,
    )  # fmt: skip
    try:
        _, history = train(config, resume=args.resume, progress=not args.no_progress)
    except KeyboardInterrupt:
        print(f"interrupted: the last finished epoch is saved in {config.checkpoint}; go on with --resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    test = history["test"]
    print(json.dumps({
        "recipe": config.recipe, "epochs": len(test["digit_accuracy"]), "checkpoint": config.checkpoint,
        "digit_accuracy": round(test["digit_accuracy"][-1], 2), "sum_accuracy": round(test["sum_accuracy"][-1], 2),
        "train_seconds": round(sum(history["epoch_seconds"]), 1),
    }))  # fmt: skip
    return 0


def _evaluate(args):
    from .analysis import evaluate_checkpoint

    print(json.dumps(evaluate_checkpoint(args.checkpoint, args.data_root, args.device)))
    return 0


def _predict(args):
    from .checkpoint import load_trained_model
    from .data import find_mnist, load_mnist
    from .device import choose_device
    from .predict import predict, read_image_file

    model, _ = load_trained_model(args.checkpoint, choose_device(args.device))
    if args.image is not None:
        image = read_image_file(args.image)
    else:
        test = load_mnist(find_mnist(args.data_root), train=False)
        if args.index >= len(test):
            raise ValueError(f"--index must be 0..{len(test) - 1} (the test set has {len(test)} images), got {args.index}")
        image = test.data[args.index]
    result = predict(model, image, args.number)
    print(json.dumps({"digit": result["digit"], "number": args.number, "sum": result["sum"],
                      "digit_confidence": round(max(result["digit_probs"]), 4),
                      "sum_confidence": round(max(result["sum_probs"]), 4)}))  # fmt: skip
    return 0


def _info(args):
    from .device import choose_device, describe_gpu

    print(describe_gpu())
    print(f"Training would use: {choose_device('auto')}")
    return 0


def main(argv=None):
    warnings.formatwarning = lambda message, category, *rest, **kw: f"warning: {message}\n"  # one line, no source
    args = build_parser().parse_args(argv)  # --help and bad arguments end here, before torch loads
    from .checkpoint import CheckpointError, first_line
    from .data import DataError
    from .device import DeviceError
    from .training import NonFiniteLossError

    handlers = {"train": _train, "evaluate": _evaluate, "predict": _predict, "info": _info}
    try:
        return handlers[args.command](args)
    except (DataError, DeviceError, CheckpointError, NonFiniteLossError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as error:  # a fault of this package: one line and where to report it, the traceback on --debug
        if args.debug:
            raise
        from .notebook import REPOSITORY_URL

        print(f"error: unexpected {type(error).__name__} ({first_line(error, 200)}); please report it at "
              f"{REPOSITORY_URL}/issues, with the output of the same command run with --debug", file=sys.stderr)  # fmt: skip
        return EXIT_ERROR
