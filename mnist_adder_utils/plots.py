"""The tutorial's figures. Each function draws one figure and returns it."""

from pathlib import Path

import matplotlib.pyplot as plt
import torch

from .training import STAT_KEYS

LOSS_NAMES = {"digit_loss": "digit loss (NLL)", "sum_loss": "sum loss (CrossEntropy)", "loss": "total = digit + sum loss"}
# history_table's column headings, short enough for one line an epoch
COLUMN_NAMES = {"digit_loss": "digit loss", "sum_loss": "sum loss", "loss": "loss", "digit_accuracy": "digit %",
                "sum_accuracy": "sum %"}  # fmt: skip


def _save(figure, path):
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})  # no version: stable files
    return figure


def _pixels(image):
    """A 28x28 NumPy array for imshow, from an image tensor on any device, with or without its channel."""
    return torch.as_tensor(image).squeeze().cpu().numpy()


def _grid(count, columns, cell_size):
    """A figure of ``count`` pictures in rows of ``columns`` (at least one row), each cell ``cell_size`` inches,
    with no axes drawn; returns ``(figure, axes)``, ``axes`` always 2-D."""
    rows = max(1, (count + columns - 1) // columns)
    width, height = cell_size
    figure, axes = plt.subplots(rows, columns, figsize=(width * columns, height * rows), squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    return figure, axes


def sample_grid(images, digits, numbers, columns=8, path=None):
    """MNIST images captioned with their addition, e.g. "7 + 3 = 10"."""
    figure, axes = _grid(len(images), columns, (1.4, 1.6))
    for axis, image, digit, number in zip(axes.flat, images, digits, numbers, strict=False):
        axis.imshow(_pixels(image), cmap="gray")
        axis.set_title(f"{int(digit)} + {int(number)} = {int(digit) + int(number)}", fontsize=10)
    figure.tight_layout()
    return _save(figure, path)


def pair_grid(pairs, sums, columns=6, path=None):
    """Image pairs [N, 2, 28, 28] captioned with their sum only: what sums-only training is told."""
    figure, axes = _grid(len(pairs), columns, (2.2, 1.5))
    for axis, pair, total in zip(axes.flat, pairs, sums, strict=False):
        axis.imshow(torch.cat([torch.as_tensor(pair[0]), torch.as_tensor(pair[1])], dim=-1).cpu().numpy(), cmap="gray")
        axis.set_title(f"sum {int(total)}", fontsize=10)
    figure.tight_layout()
    return _save(figure, path)


def sum_distribution(sums, path=None):
    """How often each sum 0..18 occurs, against the triangle expected when both are uniform."""
    counts = torch.bincount(torch.as_tensor(sums), minlength=19)
    expected = torch.tensor([min(s, 18 - s) + 1 for s in range(19)], dtype=torch.float64) / 100 * len(sums)
    figure, axis = plt.subplots(figsize=(8, 3.5))
    axis.bar(range(19), counts.tolist(), color="tab:blue", label="drawn pairs")
    axis.plot(range(19), expected.tolist(), "k.--", label="expected: (min(s, 18 - s) + 1) / 100")
    axis.set(xlabel="sum = digit + number", ylabel="pairs", xticks=range(19), title="The 19 sum classes")
    axis.set_ylim(top=1.4 * max(counts.max().item(), expected.max().item()))  # room above the bars ...
    axis.legend(loc="upper left", ncols=2)  # ... for the legend
    return _save(figure, path)


def loss_curves(history, path=None):
    """The digit loss, the sum loss and their total per epoch, train and test."""
    epochs = range(1, len(history["train"]["loss"]) + 1)
    figure, axes = plt.subplots(1, 3, figsize=(14, 3.8), sharex=True)
    for axis, key in zip(axes, LOSS_NAMES, strict=True):
        for split, style in (("train", "-"), ("test", "--")):
            axis.plot(epochs, history[split][key], style, marker=".", label=split)
        axis.set(title=LOSS_NAMES[key], xlabel="epoch", yscale="log")
        axis.legend()
    axes[0].set_ylabel("mean loss per image")
    figure.tight_layout()
    return _save(figure, path)


def accuracy_curves(histories, path=None):
    """Test accuracy per epoch, digit and sum, for one or more named runs."""
    figure, axes = plt.subplots(1, 2, figsize=(12, 3.8), sharey=True)
    lowest = min(min(history["test"][key]) for history in histories.values() for key in ("digit_accuracy", "sum_accuracy"))
    for name, history in histories.items():
        epochs = range(1, len(history["test"]["digit_accuracy"]) + 1)
        for axis, key in zip(axes, ("digit_accuracy", "sum_accuracy"), strict=True):
            axis.plot(epochs, history["test"][key], marker=".", label=name)
    for axis, title in zip(axes, ("digit", "sum"), strict=True):
        # from just below the lowest point (no early epoch cut off), at most 97..100 when all are high
        axis.set(title=f"test accuracy: {title}", xlabel="epoch", ylabel="%", ylim=(min(97, int(lowest) - 0.5), 100))
        axis.grid(alpha=0.3)
        axis.legend()
    figure.tight_layout()
    return _save(figure, path)


def lr_finder_plot(lrs, losses, suggested, path=None):
    """The learning-rate range test: smoothed loss against the rate, suggestion marked."""
    figure, axis = plt.subplots(figsize=(7, 3.8))
    axis.plot(lrs, losses)
    axis.axvline(suggested, color="tab:red", linestyle="--", label=f"chosen peak lr = {suggested:.3g}")
    axis.set(xscale="log", xlabel="learning rate", ylabel="smoothed training loss", title="Learning-rate range test")
    axis.set_ylim(top=min(max(losses), 3 * losses[0]))
    axis.legend()
    return _save(figure, path)


def confusion_plot(fractions, title, path=None):
    """A row-normalized confusion matrix: rows are the truth, columns the prediction."""
    classes = len(fractions)
    figure, axis = plt.subplots(figsize=(0.45 * classes + 2, 0.45 * classes + 1.5))
    shown = axis.imshow(100 * fractions.numpy(), cmap="Blues", vmin=0, vmax=100)  # in percent, as the labels
    for true in range(classes):
        for predicted in range(classes):
            value = float(fractions[true, predicted])
            if value >= 0.0005:
                color = "white" if value > 0.5 else "black"
                axis.text(predicted, true, f"{100 * value:.1f}", ha="center", va="center", fontsize=7, color=color)
    axis.set(xticks=range(classes), yticks=range(classes), xlabel="predicted", ylabel="true", title=title)
    figure.colorbar(shown, fraction=0.046, pad=0.04, label="% of the row")
    figure.tight_layout()
    return _save(figure, path)


def addition_table_plot(table, path=None):
    """Sum accuracy (%) for every digit (rows) and number (columns)."""
    figure, axis = plt.subplots(figsize=(7.5, 6))
    shown = axis.imshow(100 * table.numpy(), cmap="RdYlGn", vmin=95, vmax=100)
    for digit in range(10):
        for number in range(10):
            axis.text(number, digit, f"{100 * float(table[digit, number]):.1f}", ha="center", va="center", fontsize=8)
    axis.set(xticks=range(10), yticks=range(10), xlabel="number added", ylabel="digit in the image",
             title="Sum accuracy (%) for every (digit, number) pair")  # fmt: skip
    figure.colorbar(shown, fraction=0.046, pad=0.04, label="% right (color clipped at 95)")
    figure.tight_layout()
    return _save(figure, path)


def mistakes_gallery(results, indices, columns=8, path=None):
    """Test pairs the model got wrong, titled with the truth and the prediction."""
    figure, axes = _grid(len(indices), columns, (1.6, 1.9))
    for axis, index in zip(axes.flat, indices, strict=False):
        digit, number = int(results["digit"][index]), int(results["number"][index])
        predicted_digit, predicted_sum = int(results["digit_pred"][index]), int(results["sum_pred"][index])
        axis.imshow(_pixels(results["images"][index]), cmap="gray")
        axis.set_title(f"#{int(index)}: {digit}+{number}={digit + number}\nsaid {predicted_digit}, sum {predicted_sum}",
                       fontsize=8, color="tab:red")  # fmt: skip
    figure.tight_layout()
    return _save(figure, path)


def prediction_plot(image, number, prediction, true_digit=None):
    """One image, the number added, and the model's probabilities for the digit and the sum."""
    figure, axes = plt.subplots(1, 3, figsize=(12, 2.8), gridspec_kw={"width_ratios": [1, 2.2, 3.8]})
    axes[0].imshow(_pixels(image), cmap="gray")
    axes[0].axis("off")
    truth = "" if true_digit is None else f" (true {true_digit} + {number} = {true_digit + number})"
    axes[0].set_title(f"image + {number}{truth}", fontsize=9)
    for axis, key, answer, title in ((axes[1], "digit_probs", "digit", "digit"), (axes[2], "sum_probs", "sum", "sum")):
        probs = prediction[key]
        colors = ["tab:green" if i == prediction[answer] else "tab:gray" for i in range(len(probs))]
        axis.bar(range(len(probs)), probs, color=colors)
        axis.set(xticks=range(len(probs)), ylim=(0, 1), title=f"{title}: {prediction[answer]} ({100 * max(probs):.1f}%)")
    figure.tight_layout()
    return figure


def history_table(history):
    """The per-epoch history as text rows, like the design notes' training log."""
    lines = [
        f"{'epoch':>5} "
        + " ".join(f"{'train ' + COLUMN_NAMES[k]:>16}" for k in STAT_KEYS)
        + " "
        + " ".join(f"{'test ' + COLUMN_NAMES[k]:>15}" for k in STAT_KEYS)
    ]
    for epoch in range(len(history["train"]["loss"])):
        row = [f"{history['train'][k][epoch]:16.4f}" for k in STAT_KEYS] + [
            f"{history['test'][k][epoch]:15.4f}" for k in STAT_KEYS
        ]
        lines.append(f"{epoch + 1:>5} " + " ".join(row))
    return "\n".join(lines)


def autograd_graph(output, model, path=None):
    """torchviz's drawing of the autograd graph behind ``output``, saved as SVG if ``path``.

    torchviz names each node by its Python object id, which changes every run; renaming them
    1, 2, 3... in order keeps the drawing identical from run to run.
    """
    import re

    from torchviz import make_dot

    graph = make_dot(output, params=dict(model.named_parameters()))
    renamed = {}
    rename = lambda match: renamed.setdefault(match.group(0), str(len(renamed) + 1))  # noqa: E731
    graph.body = [re.sub(r"\b\d{6,}\b", rename, line) for line in graph.body]
    if path is not None:
        path = Path(path)
        graph.render(path.with_suffix(""), format=path.suffix.lstrip("."), cleanup=True)
    return graph


PREPARATION_TITLES = {
    "gray": "the picture, in gray",
    "ink": "inverted: light ink on black",
    "cropped": "cropped to the ink",
    "scaled": "longer side 20 px",
    "centred": "28x28, centre of mass\nin the middle",
}


def preparation_steps(steps, path=None):
    """The stages of ``handwriting.mnist_style`` side by side, each at its own size."""
    figure, axes = plt.subplots(1, len(steps), figsize=(2.6 * len(steps), 2.9))
    for axis, (name, pixels) in zip(axes, steps.items(), strict=True):
        axis.imshow(pixels, cmap="gray", vmin=0, vmax=1)
        axis.set_title(f"{PREPARATION_TITLES[name]}\n{pixels.shape[1]}x{pixels.shape[0]}", fontsize=9)
        axis.set(xticks=[], yticks=[])
    figure.tight_layout()
    return _save(figure, path)
