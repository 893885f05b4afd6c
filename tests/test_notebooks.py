"""The notebooks' structure: what every lesson must have. (nbval runs them; this checks their form.)"""

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import types
from importlib.metadata import version
from pathlib import Path

import nbformat
import pytest
import torch
from nbval.plugin import find_comment_markers

from mnist_adder_utils import MNISTadder, __version__, runs_dir
from mnist_adder_utils import notebook as notebook_helpers
from mnist_adder_utils.exercises import QUESTIONS
from mnist_adder_utils.notebook import (
    REPOSITORY_URL,
    RestartNeeded,
    WrongRelease,
    image_dir,
    keep_runs_on_drive,
    parameters,
    stop_if_restart_needed,
)
from mnist_adder_utils.widgets import WIDGET_VIEW, prediction_explorer, show_widget

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SLUG = REPOSITORY_URL.removeprefix("https://github.com/")


def cells(path):
    return json.loads(path.read_text())["cells"]


def test_the_series_is_numbered_zero_to_nine():
    assert [p.name[:2] for p in NOTEBOOKS] == ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebook_has_title_badge_colab_install_and_parameters(path):
    notebook = cells(path)
    title = "".join(notebook[0]["source"])
    assert title.startswith("# ") and "What you will learn" in title
    assert f"colab.research.google.com/github/{SLUG}/blob/main/notebooks/{path.name}" in title
    install = "".join(notebook[1]["source"])
    assert '"google.colab" in sys.modules' in install and f"git+{REPOSITORY_URL}" in install
    tagged = [c for c in notebook if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    names = ("BATCH_SIZE", "SEED", "DATA_ROOT") + (("EPOCHS",) if path.name[:2] >= "04" else ())  # 0-3 train nothing
    assert all(name in "".join(tagged[0]["source"]) for name in names)
    assert "os.environ" not in "".join(tagged[0]["source"]), "the environment is read by parameters(), not in sight"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_are_a_clean_finished_run(path):
    code_cells = [c for c in cells(path) if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    counts = [c["execution_count"] for c in code_cells]
    assert None not in counts and counts == sorted(counts), "run top to bottom before committing"
    for cell in code_cells:
        for output in cell["outputs"]:
            assert output["output_type"] != "error"
            assert not re.search(r"/(work|root|tmp|home)/", json.dumps(output)), "an output shows a local path"
            assert not re.search(r" at 0x[0-9a-f]+", json.dumps(output)), "an output shows a memory address"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_nbval_markers_are_cell_tags_not_lines_of_the_readers_code(path):
    tags_nbval_reads = {"nbval-ignore-output", "nbval-skip", "nbval-check-output", "raises-exception"}
    ours = {"parameters", "solution", "exercises", "demos", "handwriting", "validation", "full-mnist-output"}  # last: conftest
    for cell in cells(path):
        if cell["cell_type"] == "code":
            assert not list(find_comment_markers("".join(cell["source"]))), "a # NBVAL_ comment: use a cell tag"
            tags = set(cell["metadata"].get("tags", []))
            assert tags <= tags_nbval_reads | ours, tags - tags_nbval_reads - ours  # a misspelt tag is silently ignored


def test_explorer_redraws_when_the_sliders_move():
    torch.manual_seed(0)
    images = torch.randint(0, 256, (5, 28, 28), dtype=torch.uint8)
    results = {"images": images, "digit": torch.tensor([1, 2, 3, 4, 5])}
    box = prediction_explorer(MNISTadder().eval(), results)
    (index_slider, number_slider, random_button), output = box.children[0].children, box.children[1]
    assert index_slider.max == 4 and number_slider.value == 3
    first = output.outputs[0]["data"]["image/png"]
    index_slider.value = 2
    assert len(output.outputs) == 1 and output.outputs[0]["data"]["image/png"] != first
    number_slider.value = 7
    assert len(output.outputs) == 1 and "image/png" in output.outputs[0]["data"]
    random_button.click()
    assert 0 <= index_slider.value <= 4


def test_figures_go_to_the_image_folder_or_where_the_environment_says(tmp_path, monkeypatch):
    repo = Path(__file__).resolve().parents[1]
    monkeypatch.delenv("MNIST_ADDER_IMAGE_DIR", raising=False)
    monkeypatch.chdir(repo / "notebooks")
    assert image_dir().resolve() == repo / "image"
    monkeypatch.setenv("MNIST_ADDER_IMAGE_DIR", str(tmp_path / "figures"))
    assert image_dir() == tmp_path / "figures" and (tmp_path / "figures").is_dir()


def test_every_install_cell_is_the_same_and_pins_this_release():
    installs = {"".join(cells(path)[1]["source"]) for path in NOTEBOOKS}
    assert len(installs) == 1, "the install cells differ"
    (install,) = installs
    assert f'MNIST_ADDER_RELEASE = "{__version__}"' in install and "stop_if_restart_needed(MNIST_ADDER_RELEASE)" in install


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_install_cell_shows_the_reader_one_line_and_the_parameters_speak_to_the_reader(path):
    install, parameters_cell = cells(path)[1:3]
    assert install["metadata"]["jupyter"]["source_hidden"] and install["metadata"]["cellView"] == "form"
    assert "".join(install["source"]).startswith("# @title On Colab, install this tutorial's package")  # what shows
    for cell in cells(path):
        text = "".join(cell["source"])
        addressed_to_the_tests = r"\b(nbval|pytest|CI|NBVAL|the tests|is tested)\b|MNIST_ADDER_(?!RELEASE|INSTALL_FROM)"
        assert not re.search(addressed_to_the_tests, text), text[:200]


def run_install_cell(monkeypatch, pip_exit_codes):
    """The install cell, run as on Colab with pip answering ``pip_exit_codes`` in turn: what pip was asked to
    install, and the releases the cell then checked for."""
    asked, checked = [], []

    def pip(command, **kwargs):
        asked.append(command[-1])
        return subprocess.CompletedProcess(command, pip_exit_codes[len(asked) - 1], "", "ERROR: No matching distribution\n")

    monkeypatch.setattr(subprocess, "run", pip)
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(notebook_helpers, "stop_if_restart_needed", checked.append)
    exec("".join(cells(NOTEBOOKS[0])[1]["source"]), {})
    return asked, checked


def test_the_install_cell_takes_the_release_from_pypi_else_its_git_tag_else_stops_in_one_line(monkeypatch):
    monkeypatch.delenv("MNIST_ADDER_INSTALL_FROM", raising=False)
    pypi, tag = f"mnist-adder=={__version__}", f"git+{REPOSITORY_URL}@v{__version__}"
    assert run_install_cell(monkeypatch, [0]) == ([pypi], [__version__])
    assert run_install_cell(monkeypatch, [1, 0]) == ([pypi, tag], [__version__])
    with pytest.raises(Exception) as stopped:
        run_install_cell(monkeypatch, [1, 1])
    assert stopped.value._render_traceback_() == [  # one line, with each source's own error
        f"InstallFailed: mnist-adder {__version__} not installed (ERROR: No matching distribution | ERROR: No matching "
        "distribution): check the connection, or that it is out"
    ]
    monkeypatch.setenv("MNIST_ADDER_INSTALL_FROM", "/a/checkout")  # the Colab-like check installs the source tree
    assert run_install_cell(monkeypatch, [0]) == (["/a/checkout"], [__version__])


def test_another_release_than_the_notebooks_pin_stops_them_in_one_line():
    stop_if_restart_needed(__version__)  # the release installed here: no stop
    with pytest.raises(WrongRelease) as stopped:
        stop_if_restart_needed("0.9.0")
    (line,) = stopped.value._render_traceback_()
    assert line.startswith(f"WrongRelease: mnist-adder {__version__} was installed, but these notebooks were written for 0.9.0")


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name[:2] >= "04"], ids=lambda p: p.name)
def test_notebooks_that_train_ask_colab_for_a_gpu(path):
    metadata = json.loads(path.read_text())["metadata"]
    assert metadata["accelerator"] == "GPU" and metadata["colab"]["gpuType"] == "T4"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_progress_bars_read_as_their_final_line(path):
    for cell in cells(path):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            assert not re.search(r"\b0%\|", "".join(data.get("text/plain", ""))), "a bar saved as a widget in its first state"
    assert "widgets" not in json.loads(path.read_text())["metadata"], "widget state saved (run.sh notebooks leaves it out)"
    assert len(path.read_bytes()) < 600_000, "large outputs crept in"


def test_a_package_upgraded_after_import_stops_the_install_cell_with_one_line(monkeypatch):
    import types

    monkeypatch.setitem(sys.modules, "numpy", types.SimpleNamespace(__version__="1.0.0"))
    with pytest.raises(RestartNeeded) as stopped:
        stop_if_restart_needed()
    (line,) = stopped.value._render_traceback_()
    assert f"numpy 1.0.0 -> {version('numpy')}" in line and "Runtime -> Restart session, then Run all" in line
    monkeypatch.undo()
    stop_if_restart_needed()  # nothing replaced: no stop


def test_checkpoints_can_go_to_google_drive_on_colab(tmp_path, monkeypatch):
    with pytest.raises(RuntimeError, match="on Colab only"):
        keep_runs_on_drive(tmp_path)
    monkeypatch.syspath_prepend(str(Path(__file__).parent / "colab"))
    imported_before = set(sys.modules)
    import google.colab.calls

    monkeypatch.setenv("MNIST_ADDER_RUNS", "runs")
    assert keep_runs_on_drive(tmp_path / "drive") == tmp_path / "drive"
    assert google.colab.calls.recorded == ["drive.mount /content/drive"] and runs_dir() == tmp_path / "drive"
    for module in set(sys.modules) - imported_before:  # not on Colab any more, for the tests after this one
        del sys.modules[module]


def test_a_widget_reads_as_its_screenshot_where_no_kernel_runs_it(tmp_path, monkeypatch):
    import ipywidgets
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()
    slider, screenshot = ipywidgets.IntSlider(), tmp_path / "pad.png"
    screenshot.write_bytes(b"\x89PNG a picture")
    with capture_output() as shown_with:
        show_widget(slider, screenshot)
    with capture_output() as shown_without:
        show_widget(slider, tmp_path / "missing.png")
    (with_picture,), (without,) = shown_with.outputs, shown_without.outputs
    assert with_picture.data[WIDGET_VIEW]["model_id"] == slider.model_id == without.data[WIDGET_VIEW]["model_id"]
    assert base64.b64decode(with_picture.data["image/png"]) == screenshot.read_bytes() and "image/png" not in without.data
    assert "0x" not in with_picture.data["text/plain"] + without.data["text/plain"]  # no repr with an address
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))  # Colab: its own way
    with capture_output() as on_colab:
        show_widget(slider, screenshot)
    assert "image/png" not in on_colab.outputs[0].data and "IntSlider" in on_colab.outputs[0].data["text/plain"]


def test_parameters_are_the_defaults_unless_the_environment_says_otherwise(monkeypatch):
    for variable in ("MNIST_ADDER_EPOCHS", "MNIST_ADDER_SEED", "MNIST_ADDER_DATA"):
        monkeypatch.delenv(variable, raising=False)
    assert parameters(epochs=25, seed=1, data_root=None) == [25, 1, None]
    monkeypatch.setenv("MNIST_ADDER_EPOCHS", "3")
    monkeypatch.setenv("MNIST_ADDER_DATA", "/data")
    assert parameters(seed=1, epochs=25, data_root=None) == [1, 3, "/data"]  # in the order asked
    monkeypatch.setenv("MNIST_ADDER_EPOCHS", "three")
    with pytest.raises(ValueError, match=r"^MNIST_ADDER_EPOCHS='three': expected a whole number$"):
        parameters(epochs=25)


def exercise_cells(path):
    notebook = cells(path)
    start = next(i for i, c in enumerate(notebook) if "".join(c["source"]).startswith("## Exercises"))
    statements = [c for c in notebook[start:] if c["cell_type"] == "markdown" and "".join(c["source"]).startswith("**Exercise ")]
    return statements, [c for c in notebook[start:] if "solution" in c["metadata"].get("tags", [])]


# Open-ended exercises whose answer is what the reader's own machine shows, with no claim to assert
NO_CLAIM = {("03", "4"): "timings", ("05", "5"): "a plot to read", ("07", "4"): "images to look at"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_answers_stay_hidden_until_the_reader_opens_the_solutions(path):
    notebook = cells(path)
    statements, solutions = exercise_cells(path)
    assert 3 <= len(statements) <= 5 and len(solutions) == len(statements)
    heading = next(i for i, c in enumerate(notebook) if "".join(c["source"]).startswith("## Solutions"))
    assert all(notebook.index(s) > heading for s in solutions) and all(notebook.index(s) < heading for s in statements)
    assert notebook[heading]["metadata"].get("jp-MarkdownHeadingCollapsed"), "the section starts collapsed in JupyterLab"
    assert notebook[heading]["id"] in json.loads(path.read_text())["metadata"]["colab"]["collapsed_sections"]  # Colab
    assert not [c for c in notebook[heading + 1 :] if c["cell_type"] == "code" and c not in solutions], "solutions last"
    assert all(c["metadata"].get("jupyter", {}).get("source_hidden") for c in solutions), "solutions start collapsed"
    assert all(c["metadata"]["jupyter"].get("outputs_hidden") for c in solutions), "their answers too"
    before = [c for c in notebook[:heading] if c["cell_type"] == "code"]
    assert not any("Right." in json.dumps(c["outputs"]) for c in before), "an answer shows before the solutions"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_lesson_has_a_predict_and_check_exercise_its_solution_asserts(path):
    questions = [q for q in QUESTIONS if q.startswith(path.name[:2] + ".")]
    assert questions, "no check() exercise"
    statements, solutions = exercise_cells(path)
    unanswered = "".join("".join(c["source"]) for c in cells(path) if c["cell_type"] == "code" and c not in solutions)
    answered = "".join("".join(c["source"]) for c in solutions)
    for question in questions:
        assert f'check("{question}", ...)' in unanswered, f"no check cell for {question}"
        assert f'assert is_right("{question}",' in answered, f"no solution asserts {question}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_solution_asserts_its_claim(path):
    _, solutions = exercise_cells(path)
    for solution in solutions:
        source = "".join(solution["source"])
        number = re.match(r"# Solution (\d+)", source).group(1)
        if (path.name[:2], number) not in NO_CLAIM:
            assert "assert " in source or "raise AssertionError" in source, f"solution {number} asserts nothing"


def test_every_question_is_asked_in_its_notebook():
    numbers = {path.name[:2] for path in NOTEBOOKS}
    assert {q.split(".")[0] for q in QUESTIONS} <= numbers


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name[:2] in ("04", "05", "06", "07")], ids=lambda p: p.name)
def test_each_training_lesson_has_an_exercise_that_trains_the_readers_own_variant(path):
    _, solutions = exercise_cells(path)
    sources = ["".join(c["source"]) for c in solutions]
    assert any("experiment(" in s and ("model=" in s or "loss_fn=" in s) for s in sources)


def test_the_sums_only_lesson_has_an_exercise_that_trains_the_readers_own_model():
    (path,) = [p for p in NOTEBOOKS if p.name.startswith("08")]
    _, solutions = exercise_cells(path)
    assert any("train_sums_only(model=" in "".join(c["source"]) for c in solutions)


def test_uploads_are_read_in_the_formats_of_ipywidgets_7_and_8():
    from mnist_adder_utils.widgets import uploaded_files

    version_7 = {"seven.png": {"metadata": {"name": "seven.png"}, "content": b"png bytes"}}
    version_8 = ({"name": "seven.png", "type": "image/png", "content": memoryview(b"png bytes")},)
    assert uploaded_files(version_7) == uploaded_files(version_8) == [b"png bytes"]
    assert uploaded_files(()) == uploaded_files({}) == []


def test_a_test_run_leaves_the_readers_checkpoints_and_figures_alone(tmp_path):
    # A checkout with a reader's trained model and the committed figures, and a notebook that does what notebooks 1-8
    # do: say where checkpoints go, train into runs/, save a figure into image/. nbval runs it as the test command does.
    repo = Path(__file__).resolve().parents[1]
    checkout = tmp_path / "checkout"
    (checkout / "notebooks").mkdir(parents=True)
    for name in ("conftest.py", "pyproject.toml", "notebooks/conftest.py", "notebooks/nbval_sanitize.cfg"):
        shutil.copy(repo / name, checkout / name)
    (checkout / "mnist_adder_utils").symlink_to(repo / "mnist_adder_utils")  # how places.repository_root() knows it
    readers = {checkout / "runs" / "original" / "checkpoint.pt": b"25 epochs of the reader's training",
               checkout / "image" / "samples.png": b"the committed figure"}  # fmt: skip
    for path, content in readers.items():
        path.parent.mkdir(parents=True)
        path.write_bytes(content)
    where = nbformat.v4.new_code_cell(
        "from mnist_adder_utils.notebook import use_runs_folder\n\nruns = use_runs_folder()", execution_count=1
    )
    where.outputs = [nbformat.v4.new_output("stream", text="checkpoints: ../runs/ (the command line's train writes there too)\n")]
    writes = nbformat.v4.new_code_cell(
        "from mnist_adder_utils import checkpoint_path, image_dir\nfrom mnist_adder_utils.checkpoint import save_checkpoint\n\n"
        "save_checkpoint(checkpoint_path('original'), model={}, history={}, epoch=3)\n"
        "figure_bytes = (image_dir() / 'samples.png').write_bytes(b'a figure of this test run')",
        execution_count=2,
    )
    nbformat.write(nbformat.v4.new_notebook(cells=[where, writes]), checkout / "notebooks" / "probe.ipynb")
    env = {key: value for key, value in os.environ.items() if key not in ("MNIST_ADDER_RUNS", "MNIST_ADDER_IMAGE_DIR")}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider", "notebooks/probe.ipynb"],
        cwd=checkout, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:]  # the scratch folder is shown as ../runs, as committed
    assert {path: path.read_bytes() for path in readers} == readers
    assert sorted(p for p in (checkout / "runs").rglob("*") if p.is_file()) == [checkout / "runs" / "original" / "checkpoint.pt"]
    assert sorted((checkout / "image").iterdir()) == [checkout / "image" / "samples.png"]
