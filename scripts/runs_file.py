"""What the seed scripts share: their results files (one JSON line a run, appended as each run ends, so an
interrupted script loses nothing and a rerun skips what is there), the choice rule's score and the spreads."""

import dataclasses
import json
import statistics
from pathlib import Path

import torch

from mnist_adder_utils.data import find_mnist, load_mnist
from mnist_adder_utils.device import cpu_name
from mnist_adder_utils.recipes import TrainConfig

# what shapes a run's figures (where it runs from, and where it saves to, do not)
TRAINING_SETTINGS = tuple(
    f.name for f in dataclasses.fields(TrainConfig) if f.name not in {"recipe", "device", "data_root", "checkpoint"}
)


# a run is known by these: its settings, its data, the CPU type (rounding differs between CPUs) and torch's version
IDENTITY = (*TRAINING_SETTINGS, "data", "cpu", "torch")


def identity(run):
    """What a run is known by, as one text. (Rows written before runs said their data were all of full MNIST.)"""
    return json.dumps({name: run.get(name, "MNIST" if name == "data" else None) for name in IDENTITY}, sort_keys=True)


def load_runs(path, key=identity):
    """The runs already in the results file ``path``, by ``key(run)``; where a run was written twice, the newest row."""
    path = Path(path)
    return {key(r): r for r in map(json.loads, path.read_text().splitlines())} if path.is_file() else {}


def cpu_details():
    """What a CPU's name can hide, kept beside each run (not in its key): one name, e.g. "AMD EPYC", covers
    generations that round differently, as their family and model numbers and torch's vector instructions show."""
    fields = {}
    if Path("/proc/cpuinfo").is_file():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            name, _, value = (part.strip() for part in line.partition(":"))
            if name in ("cpu family", "model") and name not in fields:
                fields[name] = value
    return ", ".join([f"{name} {value}" for name, value in fields.items()] + [torch.backends.cpu.get_cpu_capability()])


def run_key(config):
    """``(key, settings)``: every training setting of ``config``, its data, the CPU type and torch's version."""
    settings = {name: getattr(config, name) for name in TRAINING_SETTINGS}
    images = len(load_mnist(find_mnist(config.data_root), train=True))
    data = {60_000: "MNIST", 6_000: "bundled sample"}.get(images, f"{images:,} training images")
    settings.update(data=data, cpu=cpu_name(), torch=torch.__version__)
    return identity(settings), {**settings, "cpu_details": cpu_details()}


def append_run(path, result):
    with open(path, "a") as f:
        f.write(json.dumps(result) + "\n")


def validation_score(runs):
    """The choice rule's score: digit and sum accuracy at the last epoch, averaged, over the seeds."""
    return statistics.mean((r["digit"] + r["sum"]) / 2 for r in runs)


def spread(values):
    """``mean ± std% (worst x%)``, the sample standard deviation over the seeds."""
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}% (worst {min(values):.2f}%)"
