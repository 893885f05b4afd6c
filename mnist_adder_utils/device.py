"""The GPU check: what accelerator is here, and which device to train on."""

import platform
from pathlib import Path

import torch

DEVICE_CHOICES = ("auto", "cuda", "mps", "cpu")
COLAB_HINT = "On Colab: Runtime -> Change runtime type -> a GPU (e.g. T4), then run again."


class DeviceError(RuntimeError):
    """A device was asked for that this machine does not have."""


def _mps_available():
    return hasattr(torch.backends, "mps") and torch.backends.mps.is_available()


def cpu_name():
    """The processor's model name where the system tells it (Linux), else its architecture."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def gpu_info():
    """What the design notes' GPU checker showed, as a dict (one entry per CUDA device)."""
    info = {
        "torch": torch.__version__,
        "cuda_available": torch.cuda.is_available(),
        "mps_available": _mps_available(),
        "cpu": cpu_name(),
        "cpu_threads": torch.get_num_threads(),
        "gpus": [],
    }
    if info["cuda_available"]:
        info["cuda_version"] = torch.version.cuda
        info["cudnn_version"] = torch.backends.cudnn.version()
        for index in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(index)
            info["gpus"].append({
                "index": index,
                "name": props.name,
                "memory_gib": round(props.total_memory / 2**30, 1),
                "capability": f"{props.major}.{props.minor}",
                "multiprocessors": props.multi_processor_count,
            })  # fmt: skip
    return info


def cudnn_version_text(version):
    """cuDNN's version number as torch gives it (91900 since cuDNN 9, 8902 before) in the usual form: 9.19.0, 8.9.2."""
    if version is None:
        return "none"
    major_unit = 10000 if version >= 90000 else 1000  # cuDNN 9 widened the minor number to two digits
    return f"{version // major_unit}.{version % major_unit // 100}.{version % 100}"


def describe_gpu(info=None):
    """A short human-readable report of ``gpu_info()``."""
    info = gpu_info() if info is None else info
    lines = [f"PyTorch {info['torch']}"]
    if info["cuda_available"]:
        lines.append(f"CUDA {info['cuda_version']}, cuDNN {cudnn_version_text(info['cudnn_version'])}")
        for gpu in info["gpus"]:
            lines.append(
                f"GPU {gpu['index']}: {gpu['name']}, {gpu['memory_gib']} GiB, "
                f"compute capability {gpu['capability']}, {gpu['multiprocessors']} SMs"
            )
    elif info["mps_available"]:
        lines.append("Apple GPU available through MPS (Metal).")
    else:
        lines.append(f"No GPU found: training runs on the CPU ({info['cpu_threads']} threads).")
        lines.append(COLAB_HINT)
    return "\n".join(lines)


def describe_device(device):
    """A device in a reader's words, e.g. "the GPU (cuda)" or "the CPU"."""
    device = torch.device(device)
    return {"cuda": "the GPU (cuda)", "mps": "the Apple GPU (mps)", "cpu": "the CPU"}.get(device.type, str(device))


def choose_device(preferred="auto"):
    """The device to use: ``auto`` picks CUDA, else Apple MPS, else the CPU."""
    preferred = str(preferred).lower()
    if preferred not in DEVICE_CHOICES:
        raise DeviceError(f"unknown device {preferred!r}: expected one of {', '.join(DEVICE_CHOICES)}")
    if preferred == "cuda" and not torch.cuda.is_available():
        raise DeviceError("CUDA was asked for but no CUDA GPU is available here; use --device auto or cpu")
    if preferred == "mps" and not _mps_available():
        raise DeviceError("MPS was asked for but no Apple GPU is available here; use --device auto or cpu")
    if preferred != "auto":
        return torch.device(preferred)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")
