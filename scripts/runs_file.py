"""What the seed scripts share: their results files (one JSON line a run, appended as each run ends, so an
interrupted script loses nothing and a rerun skips what is there), the one key a run is known by, the choice rule,
the spreads and the floors file they write.

    python scripts/runs_file.py --rekey    # bring every row of the three results files to the key and names below

Results files are written by the scripts only, never by hand; ``--rekey`` is the migration that brought the
rows written before one key and one set of names to them (see ``migrated``). It changes nothing on a second run.
"""

import argparse
import dataclasses
import json
import math
import os
import re
from pathlib import Path

import pandas as pd
import torch

from mnist_adder_utils.data import find_mnist, load_mnist
from mnist_adder_utils.device import cpu_name
from mnist_adder_utils.recipes import TrainConfig

SCRIPTS = Path(__file__).resolve().parent
RESULTS_FILES = ("seeds_results.jsonl", "quick_results.jsonl", "sums_only_results.jsonl")
# written by the three scripts, each its own part; mnist_adder_utils.learned reads it
FLOORS_FILE = SCRIPTS.parent / "mnist_adder_utils" / "floors.json"
FLOOR_SDS, FLOOR_STEP = 3, 0.1
# a short run on the bundled sample moves more between CPU types than five seeds on one CPU show: its floors are
# rounded down to a whole percent, which leaves that room
SHORT_RUN_FLOOR_STEP = 1.0
FLOOR_RULE = (
    f"the five seeds' mean minus {FLOOR_SDS} sample standard deviations, rounded down to {FLOOR_STEP} (short runs on "
    f"the bundled sample: to {SHORT_RUN_FLOOR_STEP}); each part written by the script it is named after, from the rows "
    "of its results file (scripts/), never by hand"
)

# what shapes a run's figures (where it runs from, and where it saves to, do not)
TRAINING_SETTINGS = tuple(
    f.name for f in dataclasses.fields(TrainConfig) if f.name not in {"recipe", "device", "data_root", "checkpoint"}
)
# where a run ran: its data, the CPU type (rounding differs between CPUs) and torch's version
WHERE = ("data", "cpu", "torch")
# a run is known by these, and by its head where it has one (notebook 8's runs)
IDENTITY = (*TRAINING_SETTINGS, *WHERE)
# a run's last-epoch test (or validation) accuracies, in %
DIGIT, SUM, DIGIT_NAMED = "digit_accuracy", "sum_accuracy", "digit_named_accuracy"


def identity(run):
    """What a run is known by, as one text: every field of ``IDENTITY`` (and its ``head``, if it has one)."""
    names = (*IDENTITY, "head") if "head" in run else IDENTITY
    missing = [name for name in names if name not in run]
    if missing:  # e.g. a setting TrainConfig gained after the row was written: a migration must say its value
        raise KeyError(f"a run without {', '.join(missing)}, which identity needs: {json.dumps(run)[:200]}")
    return json.dumps({name: run[name] for name in names}, sort_keys=True)


def load_runs(path):
    """The runs already in the results file ``path``, by ``identity``; where a run was written twice, the newest row."""
    path = Path(path)
    return {identity(r): r for r in map(json.loads, path.read_text().splitlines())} if path.is_file() else {}


def describe_data(data_root):
    """The training data a run on ``data_root`` sees, as the results files name it (by the training set's size)."""
    images = len(load_mnist(find_mnist(data_root), train=True))
    return {60_000: "MNIST", 6_000: "bundled sample"}.get(images, f"{images:,} training images")


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


def run_key(config, where, **extra):
    """``(key, settings)`` of a run of ``config``: ``extra`` (e.g. its head), every training setting, and ``where``'s
    data, CPU and torch version."""
    settings = {**extra, **{name: getattr(config, name) for name in TRAINING_SETTINGS}, **{w: where[w] for w in WHERE}}
    return identity(settings), settings


def add_options(parser, results):
    """The options every seed script has: its results file, the floors file, --report-only and whose runs to report."""
    parser.add_argument("--out", default=str(SCRIPTS / results), help="results, one run a line")
    parser.add_argument("--floors", default=str(FLOORS_FILE), help="the floors file, of which this script writes its part")
    parser.add_argument("--report-only", action="store_true", help="print the tables from the runs already there, train none")
    parser.add_argument("--cpu", help="with --report-only: the runs recorded under this CPU name (default: this machine's)")
    parser.add_argument("--torch", help="with --report-only: the runs recorded under this torch version (default: this one's)")


def where(args, parser, data_root):
    """The data, CPU and torch version of the runs this invocation trains or reports."""
    if (args.cpu or args.torch) and not args.report_only:
        parser.error("--cpu and --torch name another machine's runs: they go with --report-only (a run records its own)")
    return {"data": describe_data(data_root), "cpu": args.cpu or cpu_name(), "torch": args.torch or torch.__version__}


def last_epoch(history):
    """A run's row's accuracies: the last epoch's, on its test (or validation) set."""
    return {DIGIT: history["test"][DIGIT][-1], SUM: history["test"][SUM][-1]}


def bookkeeping(history):
    """What a row keeps beside its key and accuracies: what its CPU's name can hide, its training seconds, and the
    5-minute load average as it ended (above the threads torch used, the CPU was shared and the seconds are not clean)."""
    seconds = round(sum(history["epoch_seconds"]), 1)
    return {"cpu_details": cpu_details(), "train_seconds": seconds, "load_average_5min": round(os.getloadavg()[1], 2)}


def append_run(path, result):
    with open(path, "a") as f:
        f.write(json.dumps(result) + "\n")


def validation_score(runs):
    """The choice rule's score: digit and sum accuracy at the last epoch, averaged, over the seeds."""
    return pd.DataFrame(runs)[[DIGIT, SUM]].mean(axis=1).mean()


def choose(scores, epochs):
    """The choice rule: the label in ``scores`` ({label: score}) with the highest score; on a tie, the one with the
    fewer ``epochs`` ({label: epochs}); on a full tie, the one listed first (a change needs evidence)."""
    return max(scores, key=lambda label: (scores[label], -epochs[label]))  # max keeps the first of equals


def seeds_text(runs):
    """Each run's digit/sum accuracy, as ``99.36/99.31, 99.37/99.32``."""
    return ", ".join(f"{r[DIGIT]:.2f}/{r[SUM]:.2f}" for r in runs)


def spread(values):
    """``mean ± std% (worst x%)``, the sample standard deviation over the seeds."""
    values = pd.Series(values, dtype=float)
    return f"{values.mean():.2f} ± {values.std():.2f}% (worst {values.min():.2f}%)"


def floor(values, step=FLOOR_STEP):
    """A floor: the mean of ``values`` minus ``FLOOR_SDS`` sample standard deviations, rounded down to ``step``."""
    values = pd.Series(values, dtype=float)
    steps = (values.mean() - FLOOR_SDS * values.std()) / step
    return round(math.floor(round(steps, 6)) * step, 1)  # round(steps, 6): 991.9999999 is 992 steps


def floors_of(runs, measures=(DIGIT, SUM), step=FLOOR_STEP):
    """``{measure: floor}`` over ``runs``, for each of ``measures``, rounded down to ``step``."""
    return {measure: floor([r[measure] for r in runs], step) for measure in measures}


def markdown_row(cells):
    return "| " + " | ".join(map(str, cells)) + " |"


def markdown(table):
    """A DataFrame of text cells as a Markdown table (pandas' own ``to_markdown`` pads its cells)."""
    return "\n".join([markdown_row(table.columns), "|" + "---|" * len(table.columns), *map(markdown_row, table.values)])


def floors_text(parts):
    """The floors file's text: the rule, then ``parts`` ({script: its part}) by name, lists of numbers on one line."""
    content = json.dumps({"about": FLOOR_RULE, **dict(sorted(parts.items()))}, indent=2)
    return re.sub(r"\[\s+([^][{}]*?)\s+\]", lambda m: f"[{' '.join(m[1].split())}]", content) + "\n"


def write_floors(path, part, floors):
    """Put ``floors`` (None while a run behind them is missing) in the floors file as its ``part``; say what was done."""
    path = Path(path)
    if floors is None:
        print(f"floors: not all runs behind {part}'s floors are there; {path.name} left as it is")
        return
    parts = json.loads(path.read_text()) if path.is_file() else {}
    parts.pop("about", None)
    text = floors_text({**parts, part: floors})
    if path.is_file() and path.read_text() == text:
        print(f"floors: {part}'s part of {path.name} unchanged")
    else:
        path.write_text(text)
        print(f"floors: {part}'s part of {path.name} written: {json.dumps(floors['floors'])}")


# --- the migration (--rekey): the rows written before one key and one set of names -------------------------------

RENAMED_FIELDS = {"digit": DIGIT, "sum": SUM, "digit_named": DIGIT_NAMED}
# one configuration, the improved recipe as recipes.py has it, went by three labels
RENAMED_LABELS = {"as it stood (weight decay 0.0005)": "improved", "nothing undone": "improved"}
# notebook 8's rows of 2026-11-30 (commit 42c3b0f) were keyed by head, seed, epochs, dropout and validation only;
# train_sums_only then took every other setting from the improved recipe, which had these (recipes.py at 42c3b0f),
# and every run was on full MNIST
SUMS_ONLY_SETTINGS_OF_2026_11_30 = {
    "batch_size": 128, "lr": 0.05, "momentum": 0.9, "weight_decay": 5e-4, "schedule": "onecycle", "augment": True,
    "train_limit": None, "data": "MNIST",
}  # fmt: skip


def migrated(row):
    """``row`` with the names and the key as the scripts now write them: the accuracies renamed, one label for the
    improved recipe, the data of rows that predate the field (all of full MNIST), notebook 8's early rows' settings,
    ``key`` recomputed by ``identity``; its fields in one order (key, name, identity, the rest as they were)."""
    row = {RENAMED_FIELDS.get(name, name): value for name, value in row.items() if name != "key"}
    if "label" in row:
        row["label"] = RENAMED_LABELS.get(row["label"], row["label"])
    if "head" in row and "lr" not in row:
        row = {**SUMS_ONLY_SETTINGS_OF_2026_11_30, **row}
    row.setdefault("data", "MNIST")  # rows written before runs said their data were all of full MNIST
    first = [name for name in ("label", "recipe", "head", *IDENTITY) if name in row]
    return {"key": identity(row), **{name: row[name] for name in first}, **{k: v for k, v in row.items() if k not in first}}


def rekey(path):
    """Rewrite the results file ``path`` with every row ``migrated``; return counts of what changed."""
    path = Path(path)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    new = [migrated(row) for row in rows]
    counts = {
        "rows": len(rows),
        "rows changed": sum(a != b for a, b in zip(rows, new, strict=True)),
        "keys changed": sum(a["key"] != b["key"] for a, b in zip(rows, new, strict=True)),
        "fields renamed": sum(name in row for row in rows for name in RENAMED_FIELDS),
        "labels renamed": sum(row.get("label") in RENAMED_LABELS for row in rows),
        "data filled in": sum("data" not in row for row in rows),
        "notebook 8 settings filled in": sum("head" in row and "lr" not in row for row in rows),
    }
    if new != rows:
        path.write_text("".join(json.dumps(row) + "\n" for row in new))
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rekey", action="store_true", help="migrate every row of the three results files (see migrated)")
    args = parser.parse_args()
    if not args.rekey:
        parser.error("nothing to do: --rekey is this script's one action")
    for name in RESULTS_FILES:
        print(f"{name}: " + ", ".join(f"{what} {count}" for what, count in rekey(SCRIPTS / name).items()))


if __name__ == "__main__":
    main()
