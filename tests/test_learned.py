"""The floors a run of each recipe must clear: chosen by run length, below every measured run, and one line when missed."""

import json
import statistics
from pathlib import Path

import pytest

from mnist_adder_utils import sums_only
from mnist_adder_utils.learned import FLOORS, OTHER_RUNS, SUMS_ONLY_FLOORS, RunDidNotLearn, check_learned, recipe_floors
from mnist_adder_utils.recipes import RECIPES, TrainConfig

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def rows(name):
    return [json.loads(line) for line in (SCRIPTS / name).read_text().splitlines()]


def runs_of(recipe, results, **where):
    """The rows of ``results`` trained with exactly ``recipe``'s settings (and ``where``)."""
    settings = {**{k: getattr(TrainConfig(), k) for k in ("dropout", "weight_decay", "momentum")}, **RECIPES[recipe], **where}
    settings.pop("epochs") if "epochs" not in where else None
    return [r for r in results if all(r.get(k) == v for k, v in settings.items())]


def test_the_floor_follows_the_run_length_and_the_data():
    assert recipe_floors("original", 25, 25, on_sample=False) == FLOORS["original"]["full"]
    assert recipe_floors("improved", 3, 25, on_sample=False) == FLOORS["improved"][3]
    assert recipe_floors("improved", 1, 25, on_sample=True) == FLOORS["improved"][1]
    assert recipe_floors("original", 2, 25, on_sample=True) == FLOORS["original"][1]
    assert recipe_floors("original", 25, 25, on_sample=True) == OTHER_RUNS


@pytest.mark.parametrize("recipe", sorted(FLOORS))
def test_every_measured_full_run_clears_its_floor_and_the_floor_is_mean_minus_three_sd(recipe):
    full = runs_of(recipe, rows("seeds_results.jsonl"), validation=0, epochs=25)
    newest = {r["seed"]: r for r in full}  # a seed run twice counts once, its newest row
    assert len(newest) >= 5, f"{recipe}: fewer than five test seeds in seeds_results.jsonl"
    for index, measure in enumerate(("digit", "sum")):
        values = [r[measure] for r in newest.values()]
        floor = FLOORS[recipe]["full"][index]
        assert min(values) >= floor, (recipe, measure, values)
        assert floor <= statistics.mean(values) - 3 * statistics.stdev(values) < floor + 0.1


@pytest.mark.parametrize("recipe", sorted(FLOORS))
@pytest.mark.parametrize("epochs", [1, 3])
def test_every_measured_short_run_on_the_sample_clears_its_floor(recipe, epochs):
    short = runs_of(recipe, rows("quick_results.jsonl"), epochs=epochs, data="bundled sample")
    assert len(short) >= 5
    digit_floor, sum_floor = FLOORS[recipe][epochs]
    assert min(r["digit"] for r in short) >= digit_floor and min(r["sum"] for r in short) >= sum_floor


def test_every_measured_sums_only_run_clears_its_floor():
    full = [
        r for r in rows("sums_only_results.jsonl")
        if r["epochs"] == sums_only.EPOCHS and r["dropout"] == sums_only.DROPOUT and r["validation"] == 0
    ]  # fmt: skip
    exact = [r for r in full if r["head"] == "exact"]
    mlp = [r for r in full if r["head"] == "mlp"]
    assert len(exact) >= 5 and len(mlp) >= 5
    sum_floor, digit_floor, mlp_floor = SUMS_ONLY_FLOORS["full"]
    assert min(r["sum"] for r in exact) >= sum_floor and min(r["digit"] for r in exact) >= digit_floor
    assert min(r["sum"] for r in mlp) >= mlp_floor


def test_a_run_above_its_floors_says_so(capsys):
    check_learned({"digit": 98.91, "sum": 98.88}, {"digit": 98.4, "sum": 98.4})
    assert capsys.readouterr().out == "Yes, it learned: digit 98.91% (floor 98.4%), sum 98.88% (floor 98.4%).\n"


def test_a_run_below_a_floor_stops_with_one_line_naming_it():
    with pytest.raises(RunDidNotLearn) as stopped:
        check_learned({"digit": 98.91, "sum": 11.2}, {"digit": 98.4, "sum": 98.4})
    (line,) = stopped.value._render_traceback_()
    assert line.startswith("RunDidNotLearn: sum below the floor: digit 98.91% (floor 98.4%), sum 11.20% (floor 98.4%).")
