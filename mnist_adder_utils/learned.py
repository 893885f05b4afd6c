"""Did a run learn? Each recipe's floors: accuracies that every measured run of it cleared, with room to spare.

A floor is the mean over five seeds minus three standard deviations, rounded down (docs/results.md lists the
runs). A run below its floor did not just draw an unlucky seed: something is wrong with its data, settings or code.
"""

# (digit %, sum %) by recipe, then by run: "full" is the whole recipe on full MNIST (scripts/seeds.py); 1 and 3 are
# that many epochs on the bundled sample (scripts/quick_bars.py), which full MNIST clears as well.
FLOORS = {
    "original": {"full": (98.4, 98.4), 1: (90.0, 68.0), 3: (93.0, 93.0)},
    "improved": {"full": (99.2, 99.1), 1: (82.0, 39.0), 3: (95.0, 95.0)},
}
OTHER_RUNS = (90.0, 80.0)  # the whole recipe on the bundled sample: far above chance (10%), not measured over seeds

# Notebook 8, over all of MNIST's training images (scripts/sums_only_seeds.py): (exact sum's sum %, its digits %,
# MLP adder's sum %) for the full 8 epochs; a shorter run of at least 3 epochs clears the second row.
SUMS_ONLY_FLOORS = {"full": (98.1, 99.0, 94.8), "short": (90.0, 95.0, 20.0)}


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
