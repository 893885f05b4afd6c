"""What the seed scripts share: their results files (one JSON line a run, appended as each run ends, so an
interrupted script loses nothing and a rerun skips what is there), the choice rule's score and the spreads."""

import dataclasses
import json
import statistics
from pathlib import Path

import torch

from mnist_adder_utils.device import cpu_name
from mnist_adder_utils.recipes import TrainConfig

# what shapes a run's figures (where it runs from, and where it saves to, do not)
TRAINING_SETTINGS = tuple(
    f.name for f in dataclasses.fields(TrainConfig) if f.name not in {"recipe", "device", "data_root", "checkpoint"}
)


def load_runs(path):
    """The runs already in the results file ``path``, by their ``key``."""
    path = Path(path)
    return {r["key"]: r for r in map(json.loads, path.read_text().splitlines())} if path.is_file() else {}


def run_key(config):
    """``(key, settings)``: every training setting of ``config``, the CPU type and the torch version, as one text."""
    settings = {name: getattr(config, name) for name in TRAINING_SETTINGS}
    settings.update(cpu=cpu_name(), torch=torch.__version__)
    return json.dumps(settings, sort_keys=True), settings


def append_run(path, result):
    with open(path, "a") as f:
        f.write(json.dumps(result) + "\n")


def validation_score(runs):
    """The choice rule's score: digit and sum accuracy at the last epoch, averaged, over the seeds."""
    return statistics.mean((r["digit"] + r["sum"]) / 2 for r in runs)


def spread(values):
    """``mean ± std% (worst x%)``, the sample standard deviation over the seeds."""
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}% (worst {min(values):.2f}%)"
