"""The quick-run bars: what a short training run on the bundled sample reaches, over seeds, for each recipe.

    python scripts/quick_bars.py

The tests train notebooks 4 and 6 for 3 epochs on the bundled sample (6,000 training, 1,000 test digits), and
the Colab-like check for 1 epoch; each notebook asserts that its run clears a bar. A bar must hold for any seed and
CPU, yet be far above chance (10% for the digit, at most 10% for the sum) so that a broken recipe fails it: this
script trains each recipe for 1 and 3 epochs with seeds 1..5 and prints, for each, the mean ± std (worst) and the
mean minus three standard deviations, which the notebooks take, rounded down, as their bars.

Runs are appended to --out (scripts/quick_results.jsonl) as they end, known as seeds.py's are, and a rerun skips them.
"""

import argparse
import math
import statistics
from pathlib import Path

from runs_file import append_run, load_runs, run_key, spread

from mnist_adder_utils.data import _unpack_sample
from mnist_adder_utils.recipes import TrainConfig, train

EPOCHS, SEEDS = (1, 3), (1, 2, 3, 4, 5)


def run(recipe, epochs, seed, done, out):
    config = TrainConfig.for_recipe(recipe, epochs=epochs, seed=seed, data_root=str(_unpack_sample()))
    config.checkpoint = None
    key, settings = run_key(config)
    if key not in done:
        _, history = train(config, progress=False, log=lambda line: None)
        done[key] = {"key": key, "recipe": recipe, **settings,
                     "digit": history["test"]["acc1"][-1], "sum": history["test"]["acc2"][-1],
                     "train_seconds": round(sum(history["epoch_seconds"]), 1)}  # fmt: skip
        append_run(out, done[key])
    return done[key]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).with_name("quick_results.jsonl")), help="results, one run a line")
    args = parser.parse_args()
    done = load_runs(args.out)
    print("| recipe | epochs | digit, mean ± std (worst) | sum, mean ± std (worst) | bars: mean - 3 std (digit, sum) |")
    print("|---|---|---|---|---|")
    for recipe in ("original", "improved"):
        for epochs in EPOCHS:
            results = [run(recipe, epochs, seed, done, args.out) for seed in SEEDS]
            columns, bars = [], []
            for key in ("digit", "sum"):
                values = [r[key] for r in results]
                columns.append(spread(values))
                bars.append(f"{math.floor(10 * (statistics.mean(values) - 3 * statistics.stdev(values))) / 10:.1f}")  # down
            print(f"| {recipe} | {epochs} | {columns[0]} | {columns[1]} | {', '.join(bars)} |", flush=True)


if __name__ == "__main__":
    main()
