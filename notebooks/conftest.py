"""pytest --nbval support for the notebooks: which cells are compared on full MNIST only.

(The progress bars, whose widget messages nbval would read only after a training cell ends, are turned off under
the tests by the repository's conftest.py.)
"""

from pathlib import Path

# Cells tagged so print what full MNIST gives (counts, sums of its pairs); on the bundled sample (offline, nothing
# set) the same code prints other figures. There their output is not compared, but they still run and their
# asserts must hold; on full MNIST they are compared like any other cell.
FULL_MNIST_OUTPUT_TAG = "full-mnist-output"
SANITIZERS = Path(__file__).with_name("nbval_sanitize.cfg")


def pytest_configure(config):
    # plain `pytest --nbval notebooks` masks what varies between runs just as ./run.sh test does
    if getattr(config.option, "nbval_sanitize_with", "not nbval") is None:
        config.option.nbval_sanitize_with = str(SANITIZERS)


def runs_on_the_bundled_sample():
    """Whether the notebooks will read the bundled sample: as they decide it, from $MNIST_ADDER_DATA or the cache."""
    import warnings

    from mnist_adder_utils.data import find_mnist

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the notebooks say it themselves
        return find_mnist().is_sample


def pytest_collection_modifyitems(config, items):
    tagged = [
        item for item in items
        if FULL_MNIST_OUTPUT_TAG in getattr(getattr(item, "cell", None), "metadata", {}).get("tags", []) and item.options["check"]
    ]  # fmt: skip
    if tagged and runs_on_the_bundled_sample():
        for item in tagged:
            item.options["check"] = False
