"""The notebooks' structure: what every lesson must have. (nbval runs them; this checks their form.)"""

import json
import re
from pathlib import Path

import pytest
import torch
from nbval.plugin import find_comment_markers

from mnist_adder_utils import MNISTadder
from mnist_adder_utils.notebook import REPOSITORY_URL, image_dir, prediction_explorer

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SLUG = REPOSITORY_URL.removeprefix("https://github.com/")


def cells(path):
    return json.loads(path.read_text())["cells"]


def test_the_series_is_numbered_one_to_seven():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06", "07"]


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
    assert all(name in "".join(tagged[0]["source"]) for name in ("EPOCHS", "BATCH_SIZE", "SEED", "DATA_ROOT"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_are_a_clean_finished_run(path):
    code_cells = [c for c in cells(path) if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    counts = [c["execution_count"] for c in code_cells]
    assert None not in counts and counts == sorted(counts), "run top to bottom before committing"
    for cell in code_cells:
        for output in cell["outputs"]:
            assert output["output_type"] != "error"
            assert not re.search(r"/(work|root|tmp|home)/", json.dumps(output)), "an output shows a local path"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_nbval_reads_every_ignore_marker(path):
    # nbval honours a marker only when the comment line is exactly "# NBVAL_IGNORE_OUTPUT"
    for cell in cells(path):
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and "NBVAL_IGNORE_OUTPUT" in source:
            assert dict(find_comment_markers(source)).get("check") is False, source.splitlines()[0]


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
