import pytest
import torch

from mnist_adder_utils.device import DeviceError, choose_device, cudnn_version_text, describe_gpu, gpu_info

no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")


def test_gpu_info_lists_each_cuda_device(monkeypatch):
    # the CPU plays a machine with two GPUs, answering as torch does there
    gpus = [type("Properties", (), {"name": name, "total_memory": memory, "major": 8, "minor": 0, "multi_processor_count": 108})
            for name, memory in (("A100", 42_949_672_960), ("A100", 42_949_672_960))]  # fmt: skip
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda index: gpus[index])
    info = gpu_info()
    assert info["cuda_available"] and [gpu["name"] for gpu in info["gpus"]] == ["A100", "A100"]
    assert info["gpus"][0]["memory_gib"] == 40.0 and info["gpus"][1]["capability"] == "8.0"


@no_cuda
def test_without_a_gpu_the_report_says_so_and_how_to_get_one(monkeypatch):
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    report = describe_gpu()
    assert "No GPU found" in report and "Runtime -> Change runtime type" in report


def test_on_a_cuda_machine_the_report_names_each_gpu(monkeypatch):
    # the CPU plays a machine with one T4, answering as torch does there
    t4 = type("Properties", (), {"name": "Tesla T4", "total_memory": 15_828_320_256, "major": 7, "minor": 5,
                                 "multi_processor_count": 40})  # fmt: skip
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda index: t4)
    monkeypatch.setattr(torch.version, "cuda", "12.8")
    monkeypatch.setattr(torch.backends.cudnn, "version", lambda: 91900)
    assert describe_gpu().splitlines()[1:] == [
        "CUDA 12.8, cuDNN 9.19.0",
        "GPU 0: Tesla T4, 14.7 GiB, compute capability 7.5, 40 SMs",
    ]


@pytest.mark.parametrize(("version", "text"), [(91900, "9.19.0"), (90100, "9.1.0"), (8902, "8.9.2"), (None, "none")])
def test_cudnn_versions_read_as_people_write_them(version, text):
    assert cudnn_version_text(version) == text


@no_cuda
def test_asking_for_cuda_without_one_is_a_clear_error():
    with pytest.raises(DeviceError, match="CUDA was asked for but no CUDA GPU is available"):
        choose_device("cuda")


@pytest.mark.parametrize(("cuda", "mps", "expected"), [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")])
def test_auto_prefers_cuda_then_apples_gpu_then_the_cpu(monkeypatch, cuda, mps, expected):
    import mnist_adder_utils.device as device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)  # what each kind of machine would answer
    monkeypatch.setattr(device, "_mps_available", lambda: mps)
    assert choose_device("auto") == torch.device(expected)
    assert choose_device("cpu") == torch.device("cpu")  # asked for, whatever else there is


def test_unknown_device_is_refused():
    with pytest.raises(DeviceError, match="expected one of auto, cuda, mps, cpu"):
        choose_device("tpu")
