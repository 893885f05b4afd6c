"""The seed scripts' shared parts, read from the committed results files and made-up rows; nothing trains."""

import argparse
import json
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
sys.path.insert(0, str(SCRIPTS))  # the scripts import runs_file as their neighbour
import runs_file  # noqa: E402
import seeds  # noqa: E402
import sums_only_seeds  # noqa: E402
from runs_file import DIGIT, SUM  # noqa: E402

from mnist_adder_utils.recipes import TrainConfig  # noqa: E402

WHERE = {"data": "MNIST", "cpu": "Some CPU", "torch": "2.14.1"}


def rows(name):
    return [json.loads(line) for line in (SCRIPTS / name).read_text().splitlines()]


@pytest.mark.parametrize("name", runs_file.RESULTS_FILES)
def test_every_row_of_every_results_file_recomputes_to_its_stored_key(name):
    stale = [number for number, row in enumerate(rows(name), 1) if runs_file.identity(row) != row["key"]]
    assert not stale, f"{name}: the stored key is not identity(row) on lines {stale}"


@pytest.mark.parametrize("name", runs_file.RESULTS_FILES)
def test_the_migration_has_run_on_every_row(name):
    """``runs_file.py --rekey`` leaves each row as it is: the accuracies' new names, one label for the improved recipe."""
    not_migrated = [number for number, row in enumerate(rows(name), 1) if runs_file.migrated(row) != row]
    assert not not_migrated, f"{name}: run scripts/runs_file.py --rekey (lines {not_migrated})"


def test_the_migration_renames_and_rekeys_an_old_row():
    settings = runs_file.run_key(TrainConfig(), WHERE)[1]
    old = {"key": "old", "label": "as it stood (weight decay 0.0005)", **settings, "digit": 99.0, "sum": 98.0}
    del old["data"]  # rows from before the field were all of full MNIST
    new = runs_file.migrated(old)
    assert new["label"] == "improved" and new["data"] == "MNIST"
    assert (new["digit_accuracy"], new["sum_accuracy"]) == (99.0, 98.0) and "digit" not in new and "sum" not in new
    assert new["key"] == runs_file.identity(new) == runs_file.run_key(TrainConfig(), WHERE)[0]


def test_notebook_8s_runs_are_known_by_their_cpu_and_torch_too():
    config = sums_only_seeds.config_of(1, {"dropout": 0.0, "epochs": 8}, 0)
    key, settings = runs_file.run_key(config, WHERE, head="exact")
    assert settings["head"] == "exact" and key == runs_file.identity(settings)
    assert key != runs_file.run_key(config, {**WHERE, "cpu": "Another CPU"}, head="exact")[0]
    assert key != runs_file.run_key(config, {**WHERE, "torch": "2.15.0"}, head="exact")[0]
    assert key != runs_file.run_key(config, WHERE, head="mlp")[0]


def test_load_runs_keeps_the_newest_row_of_a_run(tmp_path):
    (first, one), (other, two) = (runs_file.run_key(TrainConfig(seed=seed), WHERE) for seed in (1, 2))
    settings = {1: one, 2: two}
    path = tmp_path / "results.jsonl"
    for seed, accuracy in ((1, 97.0), (2, 98.0), (1, 99.0)):
        runs_file.append_run(path, {"key": "as stored", **settings[seed], "digit_accuracy": accuracy})
    runs = runs_file.load_runs(path)
    assert set(runs) == {first, other}  # known by identity, whatever the stored key says
    assert runs[first]["digit_accuracy"] == 99.0 and runs[other]["digit_accuracy"] == 98.0
    assert runs_file.load_runs(tmp_path / "none yet.jsonl") == {}


def test_a_floor_is_the_mean_minus_three_sample_standard_deviations_rounded_down():
    # mean 99.4; sample sd sqrt(0.4 / 4) = 0.3162; 99.4 - 3 * 0.3162 = 98.451, rounded down: 98.4 (the population sd,
    # 0.2828, would give 98.551 and 98.5; rounding to the nearest tenth would give 98.5)
    runs = [{"digit_accuracy": d, "sum_accuracy": s} for d, s in zip([99.0, 99.2, 99.4, 99.6, 99.8], [93.1] * 5, strict=True)]
    assert runs_file.floor([r["digit_accuracy"] for r in runs]) == 98.4
    # five equal values: the floor is the value itself (93.1 / 0.1 is 930.999... in floating point)
    assert runs_file.floors_of(runs) == {"digit_accuracy": 98.4, "sum_accuracy": 93.1}


def test_pandas_spread_is_the_sample_standard_deviation():
    assert runs_file.spread([99.0, 99.2, 99.4, 99.6, 99.8]) == "99.40 ± 0.32% (worst 99.00%)"


def test_the_choice_goes_to_the_highest_score():
    scores = {"improved": 99.430, "15 epochs": 99.225, "weight decay 0.001": 99.445, "no dropout": 99.345}
    epochs = {"improved": 25, "15 epochs": 15, "weight decay 0.001": 25, "no dropout": 25}
    assert seeds.choose(scores, epochs) == "weight decay 0.001"


def test_a_tie_goes_to_the_fewer_epochs_wherever_it_is_listed():
    epochs = {"improved": 25, "15 epochs": 15}
    assert seeds.choose({"improved": 99.43, "15 epochs": 99.43}, epochs) == "15 epochs"
    assert seeds.choose({"15 epochs": 99.43, "improved": 99.43}, epochs) == "15 epochs"


def test_a_full_tie_goes_to_the_first_listed():
    epochs = {"improved": 25, "weight decay 0.001": 25}
    assert seeds.choose({"improved": 99.35, "weight decay 0.001": 99.35}, epochs) == "improved"
    assert seeds.choose({"weight decay 0.001": 99.35, "improved": 99.35}, epochs) == "weight decay 0.001"


def test_seeds_chooses_from_the_rows_with_its_rule(capsys):
    """seeds.choice on made-up validation rows, with --report-only: it reads their scores and applies the rule."""
    accuracy = {"improved": 99.40, "15 epochs": 99.40, "weight decay 0.001": 99.30, "no dropout": 99.35}
    args = argparse.Namespace(data_root=None, where=WHERE, report_only=True, rerun=[], rerun_done=set())
    done = {}
    for label, overrides in seeds.CANDIDATES.items():
        for seed in seeds.CHOICE_SEEDS:
            config = TrainConfig.for_recipe("improved", seed=seed, validation=seeds.VALIDATION, **overrides)
            key, settings = runs_file.run_key(config, WHERE)
            done[key] = {"key": key, "label": label, **settings, DIGIT: accuracy[label], SUM: accuracy[label]}
    assert seeds.choice(args, done) == "15 epochs"  # tied with the recipe, in fewer epochs
    assert capsys.readouterr().out.endswith("-> 15 epochs\nnote: recipes.py's improved recipe is not the winner, 15 epochs; "
                                            "the report below trains the winner\n")  # fmt: skip
    del done[next(iter(done))]
    assert seeds.choice(args, done) is None
