"""Seed spread of the recipes, the ablation of the improved recipe, and the choice of its settings, on a validation split.

    python scripts/seeds.py --data-root /path/to/mnist                  # train the runs not there yet, then report
    python scripts/seeds.py --data-root /path/to/mnist --report-only    # train none: tables and floors from the rows

1. Ablation, on the validation split (the last 5,000 training images held out, the test set untouched), seeds 1
   and 2: the improved recipe, then with each of its changes to the original recipe undone in turn.
2. Choice, on the same split and seeds, between the candidates below (changes to the improved recipe): the highest
   mean last-epoch accuracy, digit and sum averaged, wins; on a tie the fewer epochs; on a full tie the candidate
   listed first, the recipe itself (a change needs evidence). The script says so if the winner is not the recipe.
3. Report, on the test set: the winner and the original recipe, each trained on all 60,000 training images with
   seeds 1..5; last-epoch accuracies, mean ± sample std and the worst seed. Each recipe's floors (runs_file.floor)
   go into seeds.py's part of mnist_adder_utils/floors.json.

Each run is appended to --out (scripts/seeds_results.jsonl, committed) as it ends, and a rerun skips the runs already
there. A run is known by ``runs_file.identity`` (every setting, the data, the CPU name, torch's version), never by
its label. ``--rerun LABEL`` trains a label's runs again; the newest row of a run is the one used. With
``--report-only``, ``--cpu`` and ``--torch`` report another machine's runs. docs/results.md has the results and how
they came about.
"""

import argparse

import pandas as pd
from runs_file import (
    DIGIT,
    SUM,
    TRAINING_SETTINGS,
    WHERE,
    add_options,
    append_run,
    bookkeeping,
    choose,
    floors_of,
    last_epoch,
    load_runs,
    markdown,
    markdown_row,
    run_key,
    seeds_text,
    spread,
    validation_score,
    where,
    write_floors,
)

from mnist_adder_utils.recipes import TrainConfig, train

VALIDATION = 5000
CHOICE_SEEDS, REPORT_SEEDS = (1, 2), (1, 2, 3, 4, 5)
CANDIDATES = {  # changes to the improved recipe, the recipe itself first
    "improved": {},
    "15 epochs": {"epochs": 15},
    "weight decay 0.001": {"weight_decay": 1e-3},
    "no dropout": {"dropout": 0.0},
}


def ablations():
    """The improved recipe, then with each of its changes to the original recipe undone, by label."""
    original, improved = TrainConfig.for_recipe("original"), TrainConfig.for_recipe("improved")
    undone = {
        f"{setting.replace('_', ' ')} as the original: {getattr(original, setting)}": {setting: getattr(original, setting)}
        for setting in TRAINING_SETTINGS
        if getattr(original, setting) != getattr(improved, setting)
    }
    return {"improved": {}, **undone}


def run(label, recipe, overrides, seed, validation, args, done):
    """One run's row: the newest in --out, else trained now (with --report-only, None)."""
    config = TrainConfig.for_recipe(recipe, seed=seed, validation=validation, data_root=args.data_root, **overrides)
    key, settings = run_key(config, args.where)
    again = label in args.rerun and key not in args.rerun_done
    if args.report_only or (key in done and not again):
        return done.get(key)
    args.rerun_done.add(key)
    _, history = train(config, progress=False, log=lambda line: None)
    done[key] = result = {"key": key, "label": label, **settings, **last_epoch(history), **bookkeeping(history)}
    append_run(args.out, result)
    print(f"{label:<28} seed {seed} {'validation' if validation else 'test':>10}: "
          f"digit {result[DIGIT]:.2f}%  sum {result[SUM]:.2f}%  ({result['train_seconds']:.0f} s)", flush=True)  # fmt: skip
    return result


def validation_runs(label, overrides, args, done):
    return [run(label, "improved", overrides, seed, VALIDATION, args, done) for seed in CHOICE_SEEDS]


def ablation(args, done):
    """Print the ablation's table, a row as each variant's runs are there."""
    print("Ablation, on the validation split:")
    columns = ["the recipe before the choice, with", "digit and sum averaged", "seeds 1, 2: digit/sum", "against the recipe"]
    print(markdown_row(columns))
    print("|---|---|---|---|")
    baseline = None
    for label, overrides in ablations().items():
        runs = validation_runs(label, overrides, args, done)
        if None in runs:
            print(markdown_row([label, "not yet run", "", ""]), flush=True)
            continue
        score = validation_score(runs)
        baseline = baseline if overrides else score
        against = f"{score - baseline:+.2f}" if overrides and baseline is not None else ""
        print(markdown_row([label, f"{score:.2f}%", seeds_text(runs), against]), flush=True)


def choice(args, done):
    """Print the candidates' scores and return the winner's label (None while a run is missing)."""
    runs = {label: validation_runs(label, overrides, args, done) for label, overrides in CANDIDATES.items()}
    if any(None in seeds for seeds in runs.values()):
        print("choice: not all candidates have run yet")
        return None
    scores = {label: validation_score(seeds) for label, seeds in runs.items()}
    winner = choose(scores, {label: TrainConfig.for_recipe("improved", **o).epochs for label, o in CANDIDATES.items()})
    print(f"choice: {', '.join(f'{label}: {scores[label]:.3f}% ({seeds_text(runs[label])})' for label in runs)} -> {winner}")
    if CANDIDATES[winner]:
        print(f"note: recipes.py's improved recipe is not the winner, {winner}; the report below trains the winner")
    return winner


def report(winner, args, done):
    """Print the test runs of the winner and of the original recipe: mean ± std (worst) and each seed."""
    table = []
    for label, recipe, overrides in ((winner, "improved", CANDIDATES[winner]), ("original", "original", {})):
        runs = [run(label, recipe, overrides, seed, 0, args, done) for seed in REPORT_SEEDS]
        if None in runs:
            table.append([label, "not yet run", "", "", ""])
            continue
        seeds = pd.DataFrame(runs)
        table.append([label, seeds["epochs"].iloc[0], spread(seeds[DIGIT]), spread(seeds[SUM]), seeds_text(runs)])
    columns = ["recipe", "epochs", "digit, mean ± std (worst)", "sum, mean ± std (worst)", "seeds 1–5, digit/sum"]
    print(markdown(pd.DataFrame(table, columns=columns)))


def floors(done, where):
    """seeds.py's part of the floors file: each recipe's floors, from its test runs (recipes.py's settings, seeds
    1..5) on ``where``'s data, CPU and torch; None while one is missing."""
    recipes = {}
    for recipe in ("original", "improved"):
        runs = [done.get(run_key(TrainConfig.for_recipe(recipe, seed=seed), where)[0]) for seed in REPORT_SEEDS]
        if None in runs:
            return None
        recipes[recipe] = floors_of(runs)
    return {"runs": {**{w: where[w] for w in WHERE}, "seeds": list(REPORT_SEEDS)}, "floors": recipes}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", help="folder holding MNIST/raw (default: $MNIST_ADDER_DATA, else download)")
    add_options(parser, "seeds_results.jsonl")
    parser.add_argument("--rerun", action="append", default=[], metavar="LABEL",
                        help="train this label's runs again though rows exist (the newest row of a run counts)")  # fmt: skip
    args = parser.parse_args()
    args.where, args.rerun_done = where(args, parser, args.data_root), set()
    done = load_runs(args.out)
    ablation(args, done)
    winner = choice(args, done)
    if winner is not None:
        report(winner, args, done)
    write_floors(args.floors, "seeds.py", floors(done, args.where))


if __name__ == "__main__":
    main()
