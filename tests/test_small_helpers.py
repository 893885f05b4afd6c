"""Small helpers: progress bars, where MNIST is cached, the held-out split, the processor and device names."""

from pathlib import Path

import pytest
import torch
from tqdm.notebook import tqdm as notebook_tqdm
from tqdm.std import tqdm as text_tqdm

from mnist_adder_utils import device as device_module
from mnist_adder_utils.data import default_data_root, load_mnist
from mnist_adder_utils.device import cpu_name, describe_device
from mnist_adder_utils.fast_loader import held_out_split
from mnist_adder_utils.progress import PROGRESS_ENV_VAR, NotebookBar, progress_bar


class FakeDisplayHandle:
    """Stands in for IPython's DisplayHandle: notes what the output area is replaced with."""

    def __init__(self):
        self.updates = []

    def update(self, data, raw=False):
        self.updates.append((data, raw))


@pytest.fixture
def notebook_display(monkeypatch):
    """IPython's display() as in a notebook, recording what is shown and the handle it returns."""
    handle, shown = FakeDisplayHandle(), []

    def display(obj, display_id=False):
        shown.append(obj)
        return handle if display_id else None

    monkeypatch.setattr("IPython.display.display", display)
    return handle, shown


# progress.py


def test_a_finished_notebook_bar_leaves_its_final_line_as_plain_text(notebook_display):
    handle, shown = notebook_display
    bar = NotebookBar(range(3), desc="Train")
    assert shown == [bar.container]  # the widget is shown while the loop runs ...
    assert list(bar) == [0, 1, 2]
    # ... and replaced, once the loop ends, by its last line: what a saved notebook keeps
    ((data, raw),) = handle.updates
    assert raw and list(data) == ["text/plain"]
    assert data["text/plain"].startswith("Train: 100%|") and "3/3" in data["text/plain"]


def test_a_finished_notebook_bar_closes_its_widgets_and_updates_only_once(notebook_display):
    handle, _ = notebook_display
    bar = NotebookBar(range(2), desc="Test")
    widgets = (*bar.container.children, bar.container)
    assert all(widget.comm is not None for widget in widgets)
    list(bar)
    bar.close()  # a second close (e.g. by the garbage collector) must not overwrite the final line
    assert all(widget.comm is None for widget in widgets)  # no widget state left in the saved notebook
    assert len(handle.updates) == 1


def test_a_disabled_notebook_bar_shows_nothing(notebook_display):
    handle, shown = notebook_display
    bar = NotebookBar(range(4), desc="Train", disable=True)
    assert list(bar) == [0, 1, 2, 3]
    assert shown == [] and handle.updates == []


def test_outside_jupyter_the_progress_bar_is_text_redrawn_every_step(capsys):
    bar = progress_bar(range(5), desc="Train")
    assert isinstance(bar, text_tqdm) and not isinstance(bar, NotebookBar)
    assert list(bar) == [0, 1, 2, 3, 4]
    drawn = capsys.readouterr().err
    # mininterval=0: every step is drawn however fast the loop runs
    assert all(f"{step}/5" in drawn for step in range(6)) and "Train" in drawn


def test_the_progress_bar_redraws_every_miniters_steps_only(capsys):
    list(progress_bar(range(6), desc="Test", miniters=3))
    drawn = capsys.readouterr().err
    assert "3/6" in drawn and "6/6" in drawn
    assert "1/6" not in drawn and "2/6" not in drawn and "4/6" not in drawn


@pytest.fixture(autouse=True)
def bars_on(monkeypatch):
    """The bars as a reader sees them: the test runs turn them off (conftest.py), these tests look at them."""
    monkeypatch.delenv(PROGRESS_ENV_VAR, raising=False)


def test_the_bars_turn_themselves_off_when_the_environment_says_so(monkeypatch, capsys):
    monkeypatch.setenv(PROGRESS_ENV_VAR, "off")
    assert list(progress_bar(range(3), desc="Train")) == [0, 1, 2]
    assert capsys.readouterr().err == ""


def test_a_disabled_progress_bar_prints_nothing(capsys):
    assert list(progress_bar(range(3), desc="Train", disable=True)) == [0, 1, 2]
    assert capsys.readouterr().err == ""


def test_in_jupyter_the_progress_bar_is_the_notebook_bar(monkeypatch, notebook_display):
    handle, _ = notebook_display
    monkeypatch.setattr("mnist_adder_utils.progress.auto_tqdm", notebook_tqdm)  # what tqdm.auto picks in a kernel
    bar = progress_bar(range(3), desc="Train")
    assert isinstance(bar, NotebookBar)
    assert list(bar) == [0, 1, 2]
    assert "3/3" in handle.updates[0][0]["text/plain"]


# data.default_data_root


def test_the_data_root_is_under_xdg_cache_home_when_set(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert default_data_root() == tmp_path / "cache" / "mnist-adder"


@pytest.mark.parametrize("xdg", [None, ""], ids=["unset", "empty"])
def test_the_data_root_is_under_the_home_cache_without_xdg_cache_home(monkeypatch, tmp_path, xdg):
    # the XDG rule: an empty XDG_CACHE_HOME counts as unset, never as the current folder
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_data_root() == tmp_path / ".cache" / "mnist-adder"


# fast_loader.held_out_split


def test_without_validation_the_test_set_is_held_out(mnist_source):
    train, test = load_mnist(mnist_source, train=True), load_mnist(mnist_source, train=False)
    train_images, train_labels, held_images, held_labels = held_out_split(mnist_source)
    assert torch.equal(train_images, train.data) and torch.equal(train_labels, train.targets)
    assert torch.equal(held_images, test.data) and torch.equal(held_labels, test.targets)


def test_a_validation_split_holds_out_the_last_training_images(mnist_source):
    train = load_mnist(mnist_source, train=True)
    count = len(train.data)
    train_images, train_labels, held_images, held_labels = held_out_split(mnist_source, validation=500)
    assert len(train_images) == len(train_labels) == count - 500 and len(held_images) == len(held_labels) == 500
    # the last 500, never trained on, and nothing lost: the two parts are the training set in order
    assert torch.equal(held_images, train.data[-500:]) and torch.equal(held_labels, train.targets[-500:])
    assert torch.equal(torch.cat([train_images, held_images]), train.data)
    assert torch.equal(torch.cat([train_labels, held_labels]), train.targets)


@pytest.mark.parametrize("validation", [-1, "all"])
def test_a_validation_split_of_no_or_every_image_is_one_clear_error(mnist_source, validation):
    count = len(load_mnist(mnist_source, train=True).data)
    validation = count if validation == "all" else validation
    with pytest.raises(ValueError) as error:
        held_out_split(mnist_source, validation=validation)
    assert str(error.value) == f"validation must hold 1..{count - 1} images, got {validation}"


# device.cpu_name, device.describe_device


def fake_cpuinfo(monkeypatch, tmp_path, text):
    """Make cpu_name read ``text`` as /proc/cpuinfo (None: the file is missing, as on macOS or Windows)."""
    path = tmp_path / "cpuinfo"
    if text is not None:
        path.write_text(text)
    monkeypatch.setattr(device_module, "Path", lambda name: path if name == "/proc/cpuinfo" else Path(name))


def test_the_cpu_name_is_the_model_name_linux_reports(monkeypatch, tmp_path):
    cpuinfo = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz: rev 7\nflags\t\t: fpu\n"
    fake_cpuinfo(monkeypatch, tmp_path, cpuinfo * 2)
    assert cpu_name() == "Intel(R) Xeon(R) CPU @ 2.20GHz: rev 7"  # the whole name, colons in it kept


@pytest.mark.parametrize("cpuinfo", ["processor\t: 0\nBogoMIPS\t: 48.00\n", None], ids=["no model name", "no file"])
def test_without_a_model_name_the_cpu_name_is_the_platforms(monkeypatch, tmp_path, cpuinfo):
    fake_cpuinfo(monkeypatch, tmp_path, cpuinfo)
    monkeypatch.setattr("platform.processor", lambda: "arm")
    assert cpu_name() == "arm"
    monkeypatch.setattr("platform.processor", lambda: "")  # Linux often reports no processor: the machine then
    monkeypatch.setattr("platform.machine", lambda: "aarch64")
    assert cpu_name() == "aarch64"


@pytest.mark.parametrize(
    ("device", "words"),
    [
        ("cuda", "the GPU (cuda)"),
        (torch.device("cuda", 1), "the GPU (cuda)"),
        ("mps", "the Apple GPU (mps)"),
        ("cpu", "the CPU"),
        (torch.device("cpu"), "the CPU"),
        ("meta", "meta"),
    ],
)
def test_a_device_is_described_in_a_readers_words(device, words):
    assert describe_device(device) == words


def test_in_batches_answers_every_image_once_in_order_a_batch_at_a_time():
    from mnist_adder_utils.analysis import in_batches
    from mnist_adder_utils.data import normalize_pixels

    images = torch.randint(0, 256, (25, 28, 28), dtype=torch.uint8)
    numbers = torch.arange(25)
    sizes = []

    def answer(batch, number):
        sizes.append(len(batch))
        return batch.flatten(1).sum(dim=1), number * 2

    sums, doubled = in_batches(answer, images, numbers, batch_size=10)
    assert sizes == [10, 10, 5] and torch.equal(doubled, numbers * 2)
    assert torch.allclose(sums, normalize_pixels(images.unsqueeze(1)).flatten(1).sum(dim=1))


def test_show_source_prints_the_code_itself_as_a_python_block():
    from mnist_adder_utils.notebook import show_source
    from mnist_adder_utils.training import total_loss

    text = show_source(total_loss, held_out_split).data
    assert text.startswith("```python\ndef total_loss(") and text.endswith("\n```")
    assert "\n\ndef held_out_split(" in text


def test_a_checkpoint_loads_as_the_model_in_eval_mode_and_another_models_is_refused_in_one_line(tmp_path):
    from mnist_adder_utils import MNISTadder
    from mnist_adder_utils.checkpoint import CheckpointError, load_trained_model

    model = MNISTadder()
    torch.save({"model": model.state_dict(), "epoch": 3, "history": {}}, tmp_path / "ours.pt")
    loaded, state = load_trained_model(tmp_path / "ours.pt")
    assert not loaded.training and state["epoch"] == 3
    assert all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), model.state_dict().values(), strict=True))
    torch.save({"model": torch.nn.Linear(2, 2).state_dict(), "epoch": 3, "history": {}}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError) as refused:
        load_trained_model(tmp_path / "other.pt")
    assert "holds the weights of another model" in str(refused.value) and "\n" not in str(refused.value)
