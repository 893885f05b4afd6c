"""The tutorial's figures: what each one draws, from tiny synthetic data."""

import re
import shutil

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from mnist_adder_utils.handwriting import mnist_style
from mnist_adder_utils.plots import (
    COLUMN_NAMES,
    PREPARATION_TITLES,
    accuracy_curves,
    addition_table_plot,
    autograd_graph,
    confusion_plot,
    history_table,
    loss_curves,
    lr_finder_plot,
    mistakes_gallery,
    pair_grid,
    prediction_plot,
    preparation_steps,
    sample_grid,
    sum_distribution,
)
from mnist_adder_utils.training import STAT_KEYS

matplotlib.use("Agg")  # no display: draw into memory (switching after pyplot's import is fine while no figure is open)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def random_images(*shape, seed=0):
    return torch.randint(0, 256, shape, dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))


def texts_at(axis):
    """``{(x, y): text}`` for every text drawn in ``axis``."""
    return {tuple(map(float, text.get_position())): text.get_text() for text in axis.texts}


def history(epochs, offset=0.0):
    """A training history of ``epochs`` epochs whose values are all different."""
    return {
        split: {key: [offset + 10 * index + epoch + (0.5 if split == "test" else 0) for epoch in range(epochs)]
                for index, key in enumerate(STAT_KEYS)}
        for split in ("train", "test")
    }  # fmt: skip


# sample_grid, pair_grid


def test_sample_grid_captions_each_image_with_its_addition():
    images = random_images(10, 28, 28)
    digits, numbers = torch.arange(10), torch.tensor([9, 0, 5, 7, 1, 1, 2, 3, 4, 8])
    figure = sample_grid(images, digits, numbers, columns=4)
    axes = figure.axes
    assert len(axes) == 12  # 3 rows of 4
    for axis, image, digit, number in zip(axes, images, digits.tolist(), numbers.tolist(), strict=False):
        assert axis.get_title() == f"{digit} + {number} = {digit + number}"
        assert np.array_equal(axis.images[0].get_array(), image.numpy())
    assert axes[0].get_title() == "0 + 9 = 9" and axes[9].get_title() == "9 + 8 = 17"
    assert all(not axis.images and not axis.axison for axis in axes[10:])  # the two spare places stay blank


def test_sample_grid_draws_normalized_images_with_a_channel_as_28x28():
    # notebook 6 shows augmented batches: floats [N, 1, 28, 28]
    images = torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    figure = sample_grid(images, torch.tensor([1, 2, 3]), torch.tensor([4, 5, 6]))
    assert np.allclose(figure.axes[2].images[0].get_array(), images[2, 0].numpy())
    assert figure.axes[2].get_title() == "3 + 6 = 9"


@pytest.mark.parametrize("draw", ["sample_grid", "mistakes_gallery"])
def test_a_grid_of_one_column_draws_a_single_image(draw):
    images = random_images(1, 28, 28)
    if draw == "sample_grid":
        figure = sample_grid(images, torch.tensor([3]), torch.tensor([4]), columns=1)
    else:
        results = {"images": images, "digit": [3], "number": [4], "digit_pred": [5], "sum_pred": [9]}
        figure = mistakes_gallery(results, [0], columns=1)
    assert len(figure.axes) == 1 and np.array_equal(figure.axes[0].images[0].get_array(), images[0].numpy())


def test_pair_grid_shows_both_images_side_by_side_with_only_their_sum():
    pairs = torch.rand(3, 2, 28, 28, generator=torch.Generator().manual_seed(0))
    figure = pair_grid(pairs, torch.tensor([5, 12, 0]), columns=2)
    axes = figure.axes
    assert len(axes) == 4
    for axis, pair, title in zip(axes, pairs, ["sum 5", "sum 12", "sum 0"], strict=False):
        assert axis.get_title() == title
        drawn = axis.images[0].get_array()
        assert drawn.shape == (28, 56)
        assert np.allclose(drawn[:, :28], pair[0].numpy()) and np.allclose(drawn[:, 28:], pair[1].numpy())
    assert not axes[3].images and not axes[3].axison


def test_pair_grid_draws_a_single_pair_in_a_single_column():
    figure = pair_grid(torch.rand(1, 2, 28, 28), [7], columns=1)
    assert len(figure.axes) == 1 and figure.axes[0].get_title() == "sum 7"


# saving


def test_a_saved_figure_is_a_png_in_a_new_folder_the_same_bytes_every_time(tmp_path):
    images, digits, numbers = random_images(4, 28, 28), torch.tensor([1, 2, 3, 4]), torch.tensor([0, 0, 9, 9])
    first, second = tmp_path / "new" / "folder" / "grid.png", tmp_path / "again.png"
    sample_grid(images, digits, numbers, path=first)
    sample_grid(images, digits, numbers, path=second)
    assert first.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # no Matplotlib version in the file: committed figures change only when what they show changes
    assert first.read_bytes() == second.read_bytes() and b"Matplotlib" not in first.read_bytes()


# sum_distribution


def test_the_sum_distribution_counts_each_sum_against_the_uniform_triangle():
    sums = torch.tensor([0, 9, 9, 18, 5, 9, 5, 17, 1, 2])
    axis = sum_distribution(sums).axes[0]
    assert [bar.get_height() for bar in axis.patches] == [1, 1, 1, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 1]
    assert [bar.get_x() + bar.get_width() / 2 for bar in axis.patches] == list(range(19))
    expected = axis.lines[0].get_ydata()
    # two uniform digits: sum s comes (min(s, 18 - s) + 1) times in 100, so the 10 pairs expect 0.1 of a 0 and 1 of a 9
    assert len(expected) == 19 and sum(expected) == pytest.approx(10)
    assert expected[0] == pytest.approx(0.1) and expected[9] == pytest.approx(1.0) and expected[18] == pytest.approx(0.1)
    assert list(axis.get_xticks()) == list(range(19))
    assert axis.get_ylim()[1] > 3  # the tallest bar fits


# loss_curves, accuracy_curves, history_table


def test_loss_curves_plot_each_loss_per_epoch_train_and_test_on_a_log_scale():
    runs = history(3)
    figure = loss_curves(runs)
    assert len(figure.axes) == 3
    for axis, key in zip(figure.axes, ("digit_loss", "sum_loss", "loss"), strict=True):
        train, test = axis.lines
        assert (train.get_label(), test.get_label()) == ("train", "test")
        assert list(train.get_xdata()) == [1, 2, 3]
        assert list(train.get_ydata()) == runs["train"][key] and list(test.get_ydata()) == runs["test"][key]
    assert figure.axes[0].get_ylabel() == "mean loss per image"


def test_accuracy_curves_draw_every_run_and_every_point_within_the_axes():
    original = {"test": {"digit_accuracy": [95.2, 98.1, 98.9], "sum_accuracy": [90.4, 97.0, 98.5]}}
    improved = {"test": {"digit_accuracy": [98.0, 99.3], "sum_accuracy": [97.5, 99.1]}}
    figure = accuracy_curves({"original": original, "improved": improved})
    digit_axis, sum_axis = figure.axes
    for axis, key in ((digit_axis, "digit_accuracy"), (sum_axis, "sum_accuracy")):
        assert [line.get_label() for line in axis.lines] == ["original", "improved"]
        assert list(axis.lines[0].get_ydata()) == original["test"][key]
        assert list(axis.lines[1].get_xdata()) == [1, 2] and list(axis.lines[1].get_ydata()) == improved["test"][key]
        low, high = axis.get_ylim()
        assert low < 90.4 and high == 100  # the lowest point, the first epoch's sum, is not cut off


def test_accuracy_curves_zoom_no_closer_than_97_to_100_when_every_run_is_high():
    run = {"test": {"digit_accuracy": [98.6, 99.9], "sum_accuracy": [98.1, 99.2]}}
    for axis in accuracy_curves({"run": run}).axes:
        assert axis.get_ylim() == (97, 100)


def test_the_history_table_has_one_aligned_row_per_epoch():
    runs = history(2)
    runs["train"]["digit_loss"][0] = 0.123456
    lines = history_table(runs).splitlines()
    assert len(lines) == 3
    heading = re.compile("epoch|(?:train|test) (?:" + "|".join(sorted(COLUMN_NAMES.values(), key=len, reverse=True)) + ")")
    header = [match.group() for match in heading.finditer(lines[0])]
    names = [COLUMN_NAMES[key] for key in STAT_KEYS]
    assert header == ["epoch", *(f"train {name}" for name in names), *(f"test {name}" for name in names)]
    for epoch, line in enumerate(lines[1:]):
        values = line.split()
        assert values[0] == str(epoch + 1)
        assert values[1:] == [f"{runs[split][key][epoch]:.4f}" for split in ("train", "test") for key in STAT_KEYS]
        # each value ends under the end of its heading
        ends = [match.end() for match in re.finditer(r"\S+", line)]
        assert ends == [match.end() for match in heading.finditer(lines[0])]
    assert lines[1].split()[1] == "0.1235"


# lr_finder_plot


def test_the_lr_finder_plot_marks_the_chosen_rate_and_clips_the_explosion():
    lrs = [1e-4, 1e-3, 1e-2, 1e-1, 1.0]
    losses = [2.3, 2.2, 1.1, 0.9, 40.0]  # the loss explodes at the end of the range test
    axis = lr_finder_plot(lrs, losses, 0.05).axes[0]
    curve, chosen = axis.lines
    assert list(curve.get_xdata()) == lrs and list(curve.get_ydata()) == losses
    assert list(chosen.get_xdata()) == [0.05, 0.05]
    assert axis.get_ylim()[1] == pytest.approx(3 * 2.3)  # 40 would flatten the curve's useful part


def test_the_lr_finder_plot_shows_every_loss_when_none_explodes():
    axis = lr_finder_plot([1e-3, 1e-2, 1e-1], [2.3, 1.5, 2.0], 1e-2).axes[0]
    assert axis.get_ylim()[1] == pytest.approx(2.3)


# confusion_plot, addition_table_plot


def test_confusion_plot_draws_the_matrix_with_percent_labels():
    fractions = torch.tensor([[0.8, 0.2, 0.0], [0.0, 1.0, 0.0], [0.0004, 0.3, 0.6996]], dtype=torch.float64)
    figure = confusion_plot(fractions, "Digit: confusion")
    axis = figure.axes[0]
    assert np.allclose(axis.images[0].get_array(), 100 * fractions.numpy()) and axis.images[0].get_clim() == (0, 100)
    # at (x = predicted, y = true); zeros and entries under 0.05% unlabelled
    assert texts_at(axis) == {(0.0, 0.0): "80.0", (1.0, 0.0): "20.0", (1.0, 1.0): "100.0", (1.0, 2.0): "30.0", (2.0, 2.0): "70.0"}
    assert list(axis.get_xticks()) == list(axis.get_yticks()) == [0, 1, 2]


def test_addition_table_plot_shows_percent_right_for_every_digit_and_number():
    table = torch.full((10, 10), 0.99, dtype=torch.float64)
    table[3, 4] = 0.5  # digit 3 plus number 4
    figure = addition_table_plot(table)
    axis = figure.axes[0]
    assert np.allclose(axis.images[0].get_array(), 100 * table.numpy()) and axis.images[0].get_clim() == (95, 100)
    labels = texts_at(axis)
    assert len(labels) == 100 and labels[(4.0, 3.0)] == "50.0" and labels[(3.0, 4.0)] == "99.0"


# mistakes_gallery, prediction_plot


def test_the_mistakes_gallery_titles_each_image_with_truth_and_answer():
    images = random_images(5, 28, 28)
    results = {
        "images": images,
        "digit": torch.tensor([0, 1, 2, 4, 8]),
        "number": torch.tensor([5, 5, 5, 1, 9]),
        "digit_pred": torch.tensor([0, 1, 2, 9, 3]),
        "sum_pred": torch.tensor([5, 6, 7, 5, 12]),
    }
    figure = mistakes_gallery(results, torch.tensor([3, 4]), columns=4)
    axes = figure.axes
    assert len(axes) == 4
    assert axes[0].get_title() == "#3: 4+1=5\nsaid 9, sum 5" and axes[1].get_title() == "#4: 8+9=17\nsaid 3, sum 12"
    assert np.array_equal(axes[0].images[0].get_array(), images[3].numpy())
    assert np.array_equal(axes[1].images[0].get_array(), images[4].numpy())
    assert not axes[2].images and not axes[3].images


def test_the_mistakes_gallery_of_a_model_without_mistakes_is_blank():
    results = {key: torch.zeros(2, dtype=torch.long) for key in ("digit", "number", "digit_pred", "sum_pred")}
    figure = mistakes_gallery({**results, "images": random_images(2, 28, 28)}, torch.tensor([], dtype=torch.long))
    assert len(figure.axes) == 8 and not any(axis.images for axis in figure.axes)


def prediction(digit, total):
    digit_probs, sum_probs = [0.02] * 10, [0.01] * 19
    digit_probs[digit], sum_probs[total] = 0.82, 0.82
    return {"digit": digit, "sum": total, "digit_probs": digit_probs, "sum_probs": sum_probs}


def test_the_prediction_plot_shows_the_image_and_both_probability_bars():
    image, answer = random_images(28, 28), prediction(3, 7)
    figure = prediction_plot(image, 4, answer, true_digit=3)
    picture, digit_axis, sum_axis = figure.axes
    assert np.array_equal(picture.images[0].get_array(), image.numpy())
    assert picture.get_title() == "image + 4 (true 3 + 4 = 7)"
    for axis, probs, title in (
        (digit_axis, "digit_probs", "digit: 3 (82.0%)"),
        (sum_axis, "sum_probs", "sum: 7 (82.0%)"),
    ):
        assert axis.get_title() == title and axis.get_ylim() == (0, 1)
        assert [bar.get_height() for bar in axis.patches] == answer[probs]
    assert len(sum_axis.patches) == 19 and list(sum_axis.get_xticks()) == list(range(19))


@pytest.mark.parametrize(("true_digit", "title"), [(None, "image + 5"), (0, "image + 5 (true 0 + 5 = 5)")])
def test_the_prediction_plot_names_the_truth_only_when_known(true_digit, title):
    figure = prediction_plot(random_images(28, 28), 5, prediction(0, 5), true_digit)
    assert figure.axes[0].get_title() == title  # a true 0 is a truth too


# autograd_graph


def tiny_model_and_loss():
    """Notebook 0's tiny network and its loss."""
    torch.manual_seed(0)
    tiny = torch.nn.Sequential(torch.nn.Linear(1, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    inputs, targets = torch.tensor([[1.0], [2.0], [3.0]]), torch.tensor([[2.0], [4.0], [6.0]])
    return tiny, ((tiny(inputs) - targets) ** 2).mean()


@pytest.mark.filterwarnings("ignore:distutils Version classes:DeprecationWarning")  # torchviz's own
def test_the_autograd_graph_names_the_parameters_and_is_the_same_every_run():
    tiny, loss = tiny_model_and_loss()
    graph = autograd_graph(loss, tiny)
    for name in ("0.weight", "0.bias", "2.weight", "2.bias", "PowBackward0", "MeanBackward0"):
        assert name in graph.source
    assert not re.search(r"\b\d{6,}\b", graph.source)  # no Python object ids: they change every run
    tiny_again, loss_again = tiny_model_and_loss()
    assert autograd_graph(loss_again, tiny_again).source == graph.source


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
@pytest.mark.filterwarnings("ignore:distutils Version classes:DeprecationWarning")
def test_the_autograd_graph_is_saved_as_svg_and_nothing_else(tmp_path):
    tiny, loss = tiny_model_and_loss()
    autograd_graph(loss, tiny, path=tmp_path / "graph.svg")
    assert [path.name for path in tmp_path.iterdir()] == ["graph.svg"]  # the dot source is cleaned up
    svg = (tmp_path / "graph.svg").read_text()
    assert "<svg" in svg and "0.weight" in svg


# preparation_steps


def test_preparation_steps_show_each_stage_at_its_own_size():
    page = Image.new("L", (90, 60), 255)  # 90 wide, 60 high: a width x height swap would show
    ImageDraw.Draw(page).line([(30, 10), (50, 50)], fill=0, width=6)
    steps = {}
    mnist_style(page, steps)
    figure = preparation_steps(steps)
    assert len(figure.axes) == 5
    for axis, (name, pixels) in zip(figure.axes, steps.items(), strict=True):
        assert axis.get_title().startswith(PREPARATION_TITLES[name] + "\n")
        assert np.array_equal(axis.images[0].get_array(), pixels) and axis.images[0].get_clim() == (0, 1)
        assert list(axis.get_xticks()) == [] and list(axis.get_yticks()) == []
    assert figure.axes[0].get_title().endswith("\n90x60") and figure.axes[-1].get_title().endswith("\n28x28")
    cropped_height, cropped_width = steps["cropped"].shape
    assert figure.axes[2].get_title().endswith(f"\n{cropped_width}x{cropped_height}") and cropped_width != cropped_height
