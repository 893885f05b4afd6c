"""What the seed scripts share: their results files (one JSON line a run, appended as each run ends, so an
interrupted script loses nothing and a rerun skips what is there), the choice rule's score and the spreads."""

import json
import statistics
from pathlib import Path


def load_runs(path):
    """The runs already in the results file ``path``, by their ``key``."""
    path = Path(path)
    return {r["key"]: r for r in map(json.loads, path.read_text().splitlines())} if path.is_file() else {}


def append_run(path, result):
    with open(path, "a") as f:
        f.write(json.dumps(result) + "\n")


def validation_score(runs):
    """The choice rule's score: digit and sum accuracy at the last epoch, averaged, over the seeds."""
    return statistics.mean((r["digit"] + r["sum"]) / 2 for r in runs)


def spread(values):
    """``mean ± std% (worst x%)``, the sample standard deviation over the seeds."""
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}% (worst {min(values):.2f}%)"
