"""The trained network as an ONNX file, which runs without Python or PyTorch (notebook 9, and the book's "Try it"
page): exporting it, describing the file, and checking that ONNX Runtime answers as PyTorch does.

The file's contract, which whoever runs it must keep: the image as float32 [N, 1, 28, 28], a light digit on black,
normalized as ``data.normalize_pixels`` does; the number one-hot as float32 [N, 10]. Out come the digit's
log-probabilities [N, 10] and the sum's logits [N, 19].
"""

import copy
import warnings
from pathlib import Path

import torch

from .analysis import in_batches
from .data import HELD_OUT_PAIRS_SEED, MNIST_MEAN, MNIST_STD, draw_numbers, load_mnist, one_hot

OPSET = 18  # read by ONNX Runtime 1.14 on and by ONNX Runtime Web; the file's format (IR version 10) needs 1.17 on
INPUT_NAMES = ("image", "number_onehot")
OUTPUT_NAMES = ("digit_log_probs", "sum_logits")
PROBABILITY_TOLERANCE = 1e-4  # the largest difference allowed between PyTorch's and ONNX Runtime's probabilities


def export_onnx(model, path):
    """Write ``model`` (an ``MNISTadder``, or any module taking ``(image, number_onehot)``) to ``path`` as ONNX, in
    eval mode and on the CPU, any batch size. Returns the path. The model itself is left as it was."""
    model = copy.deepcopy(model).cpu().eval()  # eval: Dropout off, BatchNorm's running statistics fixed in the file
    example = (torch.zeros(1, 1, 28, 28), one_hot([0], 10))
    batch = torch.export.Dim("batch", min=1, max=65_536)
    with warnings.catch_warnings():  # both inputs share one batch axis, as meant: the exporter would warn of it
        warnings.filterwarnings("ignore", ".*The axis name: batch will not be used")
        program = torch.onnx.export(
            model,
            example,
            input_names=list(INPUT_NAMES),
            output_names=list(OUTPUT_NAMES),
            opset_version=OPSET,
            dynamic_shapes=({0: batch}, {0: batch}),
            dynamo=True,
            verbose=False,
        )
        program.model.metadata_props.update(normalization=f"(pixel / 255 - {MNIST_MEAN}) / {MNIST_STD}", digit="light on black")
        program.save(str(path))
    return path


def describe_onnx(path):
    """What the file holds: its opset, size in bytes, and each input's and output's name, type and shape."""
    import onnx

    graph_model = onnx.load(str(path))

    def tensors(values):
        return {
            value.name: (
                onnx.TensorProto.DataType.Name(value.type.tensor_type.elem_type).lower(),
                [dim.dim_param or dim.dim_value for dim in value.type.tensor_type.shape.dim],
            )
            for value in values
        }

    opsets = {entry.domain or "ai.onnx": entry.version for entry in graph_model.opset_import}
    return {
        "opset": opsets["ai.onnx"],
        "bytes": Path(path).stat().st_size,
        "inputs": tensors(graph_model.graph.input),
        "outputs": tensors(graph_model.graph.output),
        "nodes": len(graph_model.graph.node),
    }


def compare_with_onnx_runtime(model, path, source, batch_size=1000):
    """Both PyTorch and ONNX Runtime on the test set's pairs (those training reports on): how many digit and sum
    predictions agree, and the largest difference between their probabilities. ``model`` itself is left as it was."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    model = copy.deepcopy(model).cpu().eval()
    test = load_mnist(source, train=False)
    numbers = draw_numbers(len(test), HELD_OUT_PAIRS_SEED)

    def both(images, numbers):  # a batch, normalized by in_batches, which runs under torch.inference_mode()
        number_onehot = one_hot(numbers, 10)
        digit_log_probs, sum_logits = model(images, number_onehot)
        feed = dict(zip(INPUT_NAMES, (images.numpy(), number_onehot.numpy()), strict=True))
        onnx_digit, onnx_sum = session.run(list(OUTPUT_NAMES), feed)
        return (
            digit_log_probs.exp(), sum_logits.softmax(dim=1),
            torch.from_numpy(onnx_digit).exp(), torch.from_numpy(onnx_sum).softmax(dim=1),
        )  # fmt: skip

    digit_probs, sum_probs, onnx_digit_probs, onnx_sum_probs = in_batches(both, test.data, numbers, batch_size=batch_size)
    largest = max((digit_probs - onnx_digit_probs).abs().max().item(), (sum_probs - onnx_sum_probs).abs().max().item())
    return {
        "pairs": len(test),
        "digits_agree": int((digit_probs.argmax(1) == onnx_digit_probs.argmax(1)).sum()),
        "sums_agree": int((sum_probs.argmax(1) == onnx_sum_probs.argmax(1)).sum()),
        "largest_probability_difference": largest,
    }
