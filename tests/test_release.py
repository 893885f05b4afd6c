"""The release script: it stamps the version and the repository into the notebooks, and the tree is stamped."""

import importlib.util
import json
from pathlib import Path

from mnist_adder_utils import __version__
from mnist_adder_utils.notebook import REPOSITORY_URL

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("release", ROOT / "scripts" / "release.py")
release = importlib.util.module_from_spec(spec)
spec.loader.exec_module(release)


def test_stamping_sets_the_release_and_the_repository_and_leaves_other_links_alone():
    install = "".join(json.loads((ROOT / "notebooks" / "04_training.ipynb").read_text())["cells"][1]["source"])
    title = "".join(json.loads((ROOT / "notebooks" / "04_training.ipynb").read_text())["cells"][0]["source"])
    other = "see [A-NeSI](https://github.com/HEmile/a-nesi/blob/main/README.md)"
    stamped = release.stamp(install + title + other, "9.9.9", "https://github.com/someone/fork")
    assert 'MNIST_ADDER_RELEASE = "9.9.9"' in stamped and "git+https://github.com/someone/fork@v" in stamped
    assert "colab.research.google.com/github/someone/fork/blob/main/notebooks/04_training.ipynb" in stamped
    assert other in stamped and "mnist-adder/mnist-adder" not in stamped.replace(other, "")


def test_the_notebooks_and_readme_are_stamped_with_this_release(tmp_path):
    for path in [*sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), ROOT / "README.md"]:
        text = path.read_text()
        assert release.stamp(text, __version__, REPOSITORY_URL) == text, f"run scripts/release.py --stamp-only ({path.name})"
