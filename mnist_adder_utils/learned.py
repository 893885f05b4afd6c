"""Did a run learn? Each recipe's floors: accuracies that every measured run of it cleared, with room to spare.

A floor is the mean over five seeds minus three sample standard deviations, rounded down to 0.1 (to a whole percent
for the short runs on the bundled sample; docs/results.md lists the runs). A run below its floor did not just draw an
unlucky seed: something is wrong with its data, settings or code. The measured floors are read from ``floors.json``
beside this module, which the seed scripts write from their results files (scripts/seeds.py, quick_bars.py,
sums_only_seeds.py), each its own part; nobody types them.
"""

import json
from importlib import resources

_MEASURED = json.loads(resources.files(__package__).joinpath("floors.json").read_text())


def _digit_and_sum(floors):
    return floors["digit_accuracy"], floors["sum_accuracy"]


# (digit %, sum %) by recipe, then by run: "full" is the whole recipe on full MNIST (scripts/seeds.py); 1 and 3 are
# that many epochs on the bundled sample (scripts/quick_bars.py), which full MNIST clears as well.
FLOORS = {
    recipe: {
        "full": _digit_and_sum(full),
        **{int(epochs): _digit_and_sum(short) for epochs, short in _MEASURED["quick_bars.py"]["floors"][recipe].items()},
    }
    for recipe, full in _MEASURED["seeds.py"]["floors"].items()
}
# Set, not measured: the whole recipe on the bundled sample, far above chance (10%); no script writes it.
OTHER_RUNS = (90.0, 80.0)

# Notebook 8, over all of MNIST's training images: (exact sum's sum %, its digits %, MLP adder's sum %). "full", the
# whole 8 epochs, is measured (scripts/sums_only_seeds.py); "short", a run of at least 3 epochs, is set, not measured.
_NOTEBOOK_8 = _MEASURED["sums_only_seeds.py"]["floors"]
SUMS_ONLY_FLOORS = {
    "full": (_NOTEBOOK_8["exact"]["sum_accuracy"], _NOTEBOOK_8["exact"]["digit_accuracy"], _NOTEBOOK_8["mlp"]["sum_accuracy"]),
    "short": (90.0, 95.0, 20.0),
}


class RunDidNotLearn(RuntimeError):
    """A run ended below what every measured run of its recipe reached. IPython shows it as one line."""

    def _render_traceback_(self):
        return [f"{type(self).__name__}: {self}"]


def recipe_floors(recipe, epochs, full_epochs, on_sample):
    """The (digit, sum) floors for a run of ``recipe`` that trained ``epochs`` of its ``full_epochs``."""
    if epochs < full_epochs:
        return FLOORS[recipe][1 if epochs < 3 else 3]
    return OTHER_RUNS if on_sample else FLOORS[recipe]["full"]


def check_learned(reached, floors):
    """Say whether each accuracy in ``reached`` ({name: %}) clears its floor in ``floors`` ({name: %}); if one does
    not, stop with one line that names it."""
    short = [name for name in reached if reached[name] < floors[name]]
    pairs = ", ".join(f"{name} {reached[name]:.2f}% (floor {floors[name]}%)" for name in reached)
    if short:
        raise RunDidNotLearn(f"{' and '.join(short)} below the floor: {pairs}. Check the data, the settings and the code.")
    print(f"Yes, it learned: {pairs}.")
