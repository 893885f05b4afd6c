"""Notebook 9's export: the ONNX file's contract, its agreement with PyTorch, and the export tools' install."""

import subprocess
import sys
import types

import onnx
import pytest
import torch

from mnist_adder_utils import notebook
from mnist_adder_utils.export import OPSET, PROBABILITY_TOLERANCE, compare_with_onnx_runtime, describe_onnx, export_onnx
from mnist_adder_utils.model import MNISTadder


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    torch.manual_seed(0)
    model = MNISTadder().train()
    path = export_onnx(model, tmp_path_factory.mktemp("onnx") / "adder.onnx")
    return model, path


def test_the_file_takes_any_batch_of_images_and_one_hot_numbers_and_gives_both_answers(exported):
    _, path = exported
    about = describe_onnx(path)
    assert about["opset"] == OPSET
    assert about["inputs"] == {"image": ("float", ["batch", 1, 28, 28]), "number_onehot": ("float", ["batch", 10])}
    assert about["outputs"] == {"digit_log_probs": ("float", ["batch", 10]), "sum_logits": ("float", ["batch", 19])}
    assert about["bytes"] == path.stat().st_size


def test_export_records_eval_mode_and_leaves_the_model_as_it_was(exported):
    model, path = exported
    operations = {node.op_type for node in onnx.load(path).graph.node}
    assert not {"Dropout", "BatchNormalization"} & operations  # Dropout off, BatchNorm folded into the layer before it
    assert model.training  # the model itself was not switched to eval mode
    metadata = {entry.key: entry.value for entry in onnx.load(path).metadata_props}
    assert metadata["normalization"] == "(pixel / 255 - 0.1307) / 0.3081"


def test_onnx_runtime_answers_as_pytorch_on_every_test_pair(exported, mnist_source):
    model, path = exported
    agreement = compare_with_onnx_runtime(model, path, mnist_source, batch_size=300)
    assert agreement["pairs"] == 1000  # the bundled sample's test set
    assert agreement["digits_agree"] == agreement["sums_agree"] == 1000
    assert agreement["largest_probability_difference"] < PROBABILITY_TOLERANCE
    assert model.training  # the comparison worked on a copy in eval mode


def test_a_different_network_in_the_file_is_caught(exported, mnist_source, tmp_path):
    model, _ = exported
    torch.manual_seed(1)
    other = export_onnx(MNISTadder(), tmp_path / "other.onnx")
    agreement = compare_with_onnx_runtime(model, other, mnist_source)
    assert agreement["largest_probability_difference"] > 1e-2 and agreement["sums_agree"] < agreement["pairs"]


def requires_also(monkeypatch, *extra_requirements):
    real = notebook.metadata.requires
    monkeypatch.setattr(notebook.metadata, "requires", lambda name: [*real(name), *extra_requirements])


def test_missing_export_tools_are_named_in_one_line_with_how_to_install_them(monkeypatch):
    requires_also(monkeypatch, 'no-such-package-here==1.0; extra == "export"')
    with pytest.raises(notebook.ExtraMissing) as stopped:
        notebook.install_extra("export")
    (line,) = stopped.value._render_traceback_()
    assert line == (
        'ExtraMissing: this lesson needs no-such-package-here==1.0: pip install "mnist-adder[export]" '
        '(in a checkout of the repository: pip install -e ".[export]")'
    )


def test_on_colab_the_export_tools_are_installed_and_a_failure_is_one_line(monkeypatch):
    requires_also(monkeypatch, 'no-such-package-here==1.0; extra == "export"')
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    calls = []

    def pip(command, **kwargs):
        calls.append(command[-1])
        return subprocess.CompletedProcess(command, 1, "", "ERROR: No matching distribution found\n")

    monkeypatch.setattr(subprocess, "run", pip)
    with pytest.raises(notebook.ExtraMissing, match=r"^could not install no-such-package-here==1.0 \(ERROR: No matching"):
        notebook.install_extra("export")
    assert calls == ["no-such-package-here==1.0"]  # only what is missing: the pinned tools already there stay


def test_nothing_is_installed_when_the_export_tools_are_there(monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: pytest.fail("pip ran"))
    notebook.install_extra("export")


def test_an_extra_with_ranges_is_satisfied_and_an_unknown_extra_is_named(monkeypatch):
    requires_also(monkeypatch, 'pytest>=1; extra == "ranges"')
    notebook.install_extra("ranges")  # installed, at a version the range allows: nothing to say
    with pytest.raises(ValueError, match="^mnist-adder has no extra 'exprot'$"):
        notebook.install_extra("exprot")
