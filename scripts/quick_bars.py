"""The quick-run bars: what a short training run on the bundled sample reaches, over seeds, for each recipe.

    python scripts/quick_bars.py                  # train the runs not there yet, then report
    python scripts/quick_bars.py --report-only    # train none: the table and the floors from the rows there

The tests train notebooks 4 and 6 for 3 epochs on the bundled sample (6,000 training, 1,000 test digits), and
the Colab-like check for 1 epoch; each notebook asserts that its run clears a bar. A bar must hold for any seed and
CPU, yet be far above chance (10% for the digit, at most 10% for the sum) so that a broken recipe fails it: this
script trains each recipe for 1 and 3 epochs with seeds 1..5 and prints, for each, the mean ± std (worst) and the
bars, mean minus three standard deviations rounded down (runs_file.floor), which it writes into quick_bars.py's
part of mnist_adder_utils/floors.json for the notebooks.

Runs are appended to --out (scripts/quick_results.jsonl) as they end, known as seeds.py's are, and a rerun skips them.
"""

import argparse

import pandas as pd
from runs_file import (
    DIGIT,
    SHORT_RUN_FLOOR_STEP,
    SUM,
    WHERE,
    add_options,
    append_run,
    bookkeeping,
    floor,
    floors_of,
    last_epoch,
    load_runs,
    markdown,
    run_key,
    spread,
    where,
    write_floors,
)

from mnist_adder_utils.data import _unpack_sample
from mnist_adder_utils.recipes import TrainConfig, train

RECIPES, EPOCHS, SEEDS = ("original", "improved"), (1, 3), (1, 2, 3, 4, 5)


def run(recipe, epochs, seed, args, done):
    """One run's row: the newest in --out, else trained now (with --report-only, None)."""
    config = TrainConfig.for_recipe(recipe, epochs=epochs, seed=seed, data_root=str(_unpack_sample()))
    key, settings = run_key(config, args.where)
    if args.report_only or key in done:
        return done.get(key)
    _, history = train(config, progress=False, log=lambda line: None)
    done[key] = {"key": key, "recipe": recipe, **settings, **last_epoch(history), **bookkeeping(history)}
    append_run(args.out, done[key])
    return done[key]


def report(args, done):
    """Print each recipe's and run length's spreads and bars."""
    table = []
    for recipe in RECIPES:
        for epochs in EPOCHS:
            runs = [run(recipe, epochs, seed, args, done) for seed in SEEDS]
            if None in runs:
                table.append([recipe, epochs, "not yet run", "", ""])
                continue
            seeds = pd.DataFrame(runs)
            bars = ", ".join(f"{floor(seeds[measure], SHORT_RUN_FLOOR_STEP):.1f}" for measure in (DIGIT, SUM))
            table.append([recipe, epochs, spread(seeds[DIGIT]), spread(seeds[SUM]), bars])
    columns = ["recipe", "epochs", "digit, mean ± std (worst)", "sum, mean ± std (worst)", "bars: mean - 3 std (digit, sum)"]
    print(markdown(pd.DataFrame(table, columns=columns)))


def floors(done, where):
    """quick_bars.py's part of the floors file: the bars of each recipe (recipes.py's settings) by run length, from
    the runs on ``where``'s data, CPU and torch; None while one is missing."""
    recipes = {}
    for recipe in RECIPES:
        recipes[recipe] = {}
        for epochs in EPOCHS:
            runs = [done.get(run_key(TrainConfig.for_recipe(recipe, epochs=epochs, seed=seed), where)[0]) for seed in SEEDS]
            if None in runs:
                return None
            recipes[recipe][str(epochs)] = floors_of(runs, step=SHORT_RUN_FLOOR_STEP)
    return {"runs": {**{w: where[w] for w in WHERE}, "seeds": list(SEEDS)}, "floors": recipes}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_options(parser, "quick_results.jsonl")
    args = parser.parse_args()
    args.where = where(args, parser, str(_unpack_sample()))
    done = load_runs(args.out)
    report(args, done)
    write_floors(args.floors, "quick_bars.py", floors(done, args.where))


if __name__ == "__main__":
    main()
