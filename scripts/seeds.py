"""Seed spread of the recipes, and the choice of the improved recipe's settings on a validation split.

    python scripts/seeds.py --data-root /path/to/mnist

1. Choice, on the validation split only (the last 5,000 training images held out, test set untouched):
   each candidate below trains with seeds 1 and 2; the one with the highest mean last-epoch accuracy
   (digit and sum averaged) wins, the fewer epochs on a tie, and on a full tie the one listed first
   (the recipe as it stands: a change needs evidence). The rule was fixed before any run; the last
   clause was written down when weight decay 0.001 tied with the recipe to the last digit.
2. Report, on the test set: the winner and the original recipe, each trained on all 60,000 training
   images with seeds 1..5; last-epoch test accuracies, mean ± std (sample std) and the worst seed.

Every run is appended to --out (scripts/seeds_results.jsonl, committed) as one JSON line as soon as it
ends, so an interrupted script loses nothing, and a rerun skips the runs already there. A line with a
"from" field was taken from a notebook's run of exactly the same configuration (on one machine type a
run is deterministic: notebook 6's improved seed 1 and this script's are the same figures). The figures
depend on the CPU type (rounding differs), so the results file says which machine ran them.
"""

import argparse
import json
import tempfile
from pathlib import Path

import torch
from runs_file import append_run, load_runs, spread, validation_score

from mnist_adder_utils.device import cpu_name
from mnist_adder_utils.recipes import TrainConfig, train

VALIDATION = 5000
CANDIDATES = {  # overrides of the improved recipe
    "improved, 15 epochs": {"epochs": 15},
    "improved, 25 epochs": {"epochs": 25},
    "improved, weight decay 0.001": {"epochs": 25, "weight_decay": 1e-3},
    "improved, dropout 0.05": {"epochs": 25, "dropout": 0.05},
}
CHOICE_SEEDS, REPORT_SEEDS = (1, 2), (1, 2, 3, 4, 5)


def run(name, recipe, overrides, seed, validation, data_root, done, out):
    key = json.dumps([name, seed, validation])
    if key in done:
        return done[key]
    config = TrainConfig.for_recipe(recipe, seed=seed, validation=validation, data_root=data_root, **overrides)
    with tempfile.TemporaryDirectory() as scratch:
        config.checkpoint = str(Path(scratch) / "checkpoint.pt")
        _, history = train(config, progress=False, log=lambda line: None)
    held_out = history["test"]
    result = {"key": key, "name": name, "recipe": recipe, "overrides": overrides, "seed": seed, "validation": validation,
              "cpu": cpu_name(), "torch": torch.__version__,
              "epochs": config.epochs, "digit": held_out["acc1"][-1], "sum": held_out["acc2"][-1],
              "train_seconds": round(sum(history["epoch_seconds"]), 1)}  # fmt: skip
    append_run(out, result)
    print(f"{name:<22} seed {seed} {'validation' if validation else 'test':>10}: "
          f"digit {result['digit']:.2f}%  sum {result['sum']:.2f}%  ({result['train_seconds']:.0f} s)", flush=True)  # fmt: skip
    done[key] = result
    return result


def summary(name, results):
    line = f"| {name} | {results[0]['epochs']} |"
    for key in ("digit", "sum"):
        line += f" {spread([r[key] for r in results])} |"
    return line + " " + ", ".join(f"{r['digit']:.2f}/{r['sum']:.2f}" for r in results) + " |"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", help="folder holding MNIST/raw (default: $MNIST_ADDER_DATA, else download)")
    parser.add_argument("--out", default=str(Path(__file__).with_name("seeds_results.jsonl")), help="results, one run a line")
    args = parser.parse_args()
    done = load_runs(args.out)

    scores = {}
    for name, overrides in CANDIDATES.items():
        results = [run(name, "improved", overrides, seed, VALIDATION, args.data_root, done, args.out) for seed in CHOICE_SEEDS]
        scores[name] = validation_score(results)
    winner = max(CANDIDATES, key=lambda name: (scores[name], -CANDIDATES[name]["epochs"]))
    print(f"validation: {', '.join(f'{n}: {s:.3f}%' for n, s in scores.items())} -> {winner}", flush=True)

    table = [
        "| recipe | epochs | digit, mean ± std (worst) | sum, mean ± std (worst) | seeds 1–5, digit/sum |",
        "|---|---|---|---|---|",
    ]
    for name, recipe, overrides in ((winner, "improved", CANDIDATES[winner]), ("original", "original", {})):
        results = [run(name, recipe, overrides, seed, 0, args.data_root, done, args.out) for seed in REPORT_SEEDS]
        table.append(summary(name, results))
    print("\n".join(table))


if __name__ == "__main__":
    main()
