"""The floors a run of each recipe must clear: written by the seed scripts from their rows, chosen by run length,
and one line when missed."""

import json
import sys
from pathlib import Path

import pytest

from mnist_adder_utils.learned import OTHER_RUNS, RunDidNotLearn, check_learned, recipe_floors

ROOT = Path(__file__).resolve().parents[1]
FLOORS_FILE = ROOT / "mnist_adder_utils" / "floors.json"
sys.path.insert(0, str(ROOT / "scripts"))  # the scripts import runs_file as their neighbour
import quick_bars  # noqa: E402
import runs_file  # noqa: E402
import seeds  # noqa: E402
import sums_only_seeds  # noqa: E402

# each part of the floors file: the script that writes it, and its results file
WRITERS = {
    "seeds.py": (seeds, "seeds_results.jsonl"),
    "quick_bars.py": (quick_bars, "quick_results.jsonl"),
    "sums_only_seeds.py": (sums_only_seeds, "sums_only_results.jsonl"),
}


def measured(part):
    return json.loads(FLOORS_FILE.read_text())[part]["floors"]


def digit_and_sum(floors):
    return floors["digit_accuracy"], floors["sum_accuracy"]


def test_the_floors_file_is_what_the_seed_scripts_write_from_their_rows():
    committed = json.loads(FLOORS_FILE.read_text())
    assert set(committed) == {"about", *WRITERS}
    parts = {}
    for part, (script, results) in WRITERS.items():
        parts[part] = script.floors(runs_file.load_runs(ROOT / "scripts" / results), committed[part]["runs"])
        assert parts[part] is not None, f"{results} lacks runs behind {part}'s floors"
        assert parts[part] == committed[part], f"{FLOORS_FILE.name} is not what {part} writes: run scripts/{part} --report-only"
    assert runs_file.floors_text(parts) == FLOORS_FILE.read_text()


def test_the_floor_follows_the_run_length_and_the_data():
    full, short = measured("seeds.py"), measured("quick_bars.py")
    assert recipe_floors("original", 25, 25, on_sample=False) == digit_and_sum(full["original"])
    assert recipe_floors("improved", 25, 25, on_sample=False) == digit_and_sum(full["improved"])
    assert recipe_floors("improved", 3, 25, on_sample=False) == digit_and_sum(short["improved"]["3"])
    assert recipe_floors("improved", 1, 25, on_sample=True) == digit_and_sum(short["improved"]["1"])
    assert recipe_floors("original", 2, 25, on_sample=True) == digit_and_sum(short["original"]["1"])
    assert recipe_floors("original", 25, 25, on_sample=True) == OTHER_RUNS


def test_notebook_8s_full_floors_are_the_measured_ones():
    from mnist_adder_utils.learned import SUMS_ONLY_FLOORS

    notebook_8 = measured("sums_only_seeds.py")
    exact, mlp = notebook_8["exact"], notebook_8["mlp"]
    assert SUMS_ONLY_FLOORS["full"] == (exact["sum_accuracy"], exact["digit_accuracy"], mlp["sum_accuracy"])
    assert all(short < full for short, full in zip(SUMS_ONLY_FLOORS["short"], SUMS_ONLY_FLOORS["full"], strict=True))


def test_a_run_above_its_floors_says_so(capsys):
    check_learned({"digit": 98.91, "sum": 98.88}, {"digit": 98.4, "sum": 98.4})
    assert capsys.readouterr().out == "Yes, it learned: digit 98.91% (floor 98.4%), sum 98.88% (floor 98.4%).\n"


def test_a_run_below_a_floor_stops_with_one_line_naming_it():
    with pytest.raises(RunDidNotLearn) as stopped:
        check_learned({"digit": 98.91, "sum": 11.2}, {"digit": 98.4, "sum": 98.4})
    (line,) = stopped.value._render_traceback_()
    assert line.startswith("RunDidNotLearn: sum below the floor: digit 98.91% (floor 98.4%), sum 11.20% (floor 98.4%).")
