"""The book's build helpers and the teachers' guide: links that leave the book, the link check, the durations table."""

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def load(path):
    spec = importlib.util.spec_from_file_location(Path(path).stem, ROOT / path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build = load("book/build.py")
measure = load("scripts/measure_notebooks.py")


def test_links_that_leave_the_book_point_at_the_repository_and_pages_stay():
    text = "[a](notebooks/04_training.ipynb) [b](image/loss.png) [c](benchmarks/README.md#cpu) [d](https://x.org/y)"
    assert build.outside_links_to_repository(text, ".") == (
        f"[a](notebooks/04_training.ipynb) [b](image/loss.png) [c]({build.REPOSITORY_URL}/blob/main/benchmarks/README.md#cpu)"
        " [d](https://x.org/y)"
    )
    assert build.outside_links_to_repository("[home](../README.md)", "notebooks") == "[home](../index.md)"


def test_links_to_the_books_own_pages_in_docs_stay_links_between_pages():
    text = "[t](../docs/glossary.md#batchnorm) [r](../scripts/seeds.py)"
    assert build.outside_links_to_repository(text, "notebooks") == (
        f"[t](../docs/glossary.md#batchnorm) [r]({build.REPOSITORY_URL}/blob/main/scripts/seeds.py)"
    )
    assert build.outside_links_to_repository("[g](glossary.md#epoch)", "docs") == "[g](glossary.md#epoch)"


def test_the_colab_install_cell_is_left_out_of_the_book(tmp_path):
    import json

    build.book_notebook(NOTEBOOKS[0], tmp_path / "book.ipynb")
    cells = json.loads((tmp_path / "book.ipynb").read_text())["cells"]
    removed = [c for c in cells if "remove-cell" in c["metadata"].get("tags", [])]
    assert len(removed) == 1 and '"google.colab" in sys.modules' in "".join(removed[0]["source"])


def test_the_link_check_finds_a_missing_file_and_a_missing_anchor(tmp_path):
    (tmp_path / "a.html").write_text('<p id="here"><a href="b.html#there">b</a> <img src="gone.png"> <a href="#here">up</a>')
    (tmp_path / "b.html").write_text('<p id="elsewhere"><a href="https://example.org/">out</a> <a href="a.html">a</a>')
    assert build.broken_links(tmp_path) == ["a.html: b.html#there (no such anchor)", "a.html: gone.png (no such file)"]


def test_solutions_sit_behind_a_toggle_in_the_book_and_nowhere_else(tmp_path):
    build.book_notebook(NOTEBOOKS[1], tmp_path / "book.ipynb")
    import json

    cells = json.loads((tmp_path / "book.ipynb").read_text())["cells"]
    solutions = [c for c in cells if "solution" in c["metadata"].get("tags", [])]
    assert solutions and all("hide-cell" in c["metadata"]["tags"] for c in solutions)
    assert not [c for c in cells if "hide-cell" in c["metadata"].get("tags", []) and c not in solutions]
    assert "hide-cell" not in NOTEBOOKS[1].read_text()  # the committed notebook is left as it is


def test_the_guide_holds_the_durations_the_script_measures_now():
    guide = (ROOT / "docs" / "teaching.md").read_text()
    table = guide.split(measure.START, 1)[1].split(measure.END, 1)[0].strip()
    assert table == measure.table(NOTEBOOKS), "run: python scripts/measure_notebooks.py --write docs/teaching.md"


def test_the_guide_covers_every_notebook():
    guide = (ROOT / "docs" / "teaching.md").read_text()
    covered = set(re.findall(r"^### (\d)\. ", guide, flags=re.M))
    assert covered == {path.name[1] for path in NOTEBOOKS}


def test_a_notebook_is_measured_from_its_cells_timings(tmp_path):
    import json

    def cell(start, end):
        at = "2026-11-30T08:00:{:02d}.000Z"
        timing = {"iopub.execute_input": at.format(start), "shell.execute_reply": at.format(end)}
        return {"cell_type": "code", "source": "x = 1\n# a comment\n", "metadata": {"execution": timing}}

    words = " ".join(["word"] * 400)
    notebook = {"cells": [{"cell_type": "markdown", "source": f"# 9. A title\n{words}", "metadata": {}}, cell(0, 10),
                          cell(10, 40), {"cell_type": "code", "source": "y = 2", "metadata": {}}]}  # fmt: skip
    (tmp_path / "09_x.ipynb").write_text(json.dumps(notebook))
    measured = measure.measure(tmp_path / "09_x.ipynb")
    assert measured["title"] == "9. A title" and measured["run_seconds"] == 40 and measured["longest_seconds"] == 30
    assert measured["untimed_cells"] == 1 and measured["run_dates"] == ["2026-11-30"]
    assert measured["read_minutes"] == pytest.approx(403 / 200 + 3 / 10)  # 403 words, 3 lines of code


def test_writing_the_table_needs_the_guides_markers(tmp_path):
    guide = tmp_path / "guide.md"
    guide.write_text(f"intro\n{measure.START}\nold\n{measure.END}\nafter\n")
    measure.write_into(guide, "| new |")
    assert guide.read_text() == f"intro\n{measure.START}\n| new |\n{measure.END}\nafter\n"
    guide.write_text("no markers")
    with pytest.raises(ValueError, match="lacks the markers"):
        measure.write_into(guide, "| new |")
