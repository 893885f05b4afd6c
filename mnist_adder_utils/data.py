"""MNIST, where it comes from, how its images are normalized, encoded and augmented, and the (image, random
number) pairs built on it."""

import contextlib
import gzip
import io
import math
import os
import shutil
import socket
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
import torchvision
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

DATA_ENV_VAR = "MNIST_ADDER_DATA"
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
HELD_OUT_PAIRS_SEED = 2022  # the held-out pairs (test set or validation split) never change, whatever the training seed
SAMPLE_DIR = Path(__file__).parent / "mnist_sample"
FULL_SET_HINT = f"for the full set, connect to the internet or set {DATA_ENV_VAR} to a folder holding MNIST/raw"
DOWNLOAD_TIMEOUT_S = 15
MAX_ROTATION_DEGREES = 10
MAX_SHIFT_PIXELS = 2
# Apple GPUs (MPS) lack grid_sample's "border" padding before torch 2.13; augment_batch samples another way there
NO_BORDER_PADDING_DEVICES = {"mps"}

# torchvision's raw file name -> (IDX magic number, the expected item shape)
MNIST_FILES = {
    "train-images-idx3-ubyte": (2051, (28, 28)),
    "train-labels-idx1-ubyte": (2049, ()),
    "t10k-images-idx3-ubyte": (2051, (28, 28)),
    "t10k-labels-idx1-ubyte": (2049, ()),
}


class DataError(ValueError):
    """MNIST is missing, truncated or corrupt where it was asked for."""


class BundledSampleWarning(UserWarning):
    """Training falls back on the small MNIST sample shipped with the package."""


@dataclass(frozen=True)
class MnistSource:
    """Where MNIST was found: ``root`` as torchvision takes it, and how it was chosen."""

    root: Path
    kind: str  # "argument", "environment", "default folder", "downloaded" or "bundled sample"

    @property
    def is_sample(self):
        return self.kind == "bundled sample"

    @property
    def training_images(self):
        """How many training images the folder holds, from its label file's header."""
        with open(self.root / "MNIST" / "raw" / "train-labels-idx1-ubyte", "rb") as labels:
            return int.from_bytes(labels.read(8)[4:], "big")

    @property
    def description(self):
        """Where the data came from, in a reader's words."""
        images = self.training_images if self.kind in ("argument", "environment") else 60_000
        which = "the full set" if images == 60_000 else f"{images:,} training images"
        return {
            "argument": f"{which}, from the folder given as data root",
            "environment": f"{which}, from the folder ${DATA_ENV_VAR} names",
            "default folder": "the full set, downloaded earlier into the cache folder",
            "downloaded": "the full set, just downloaded into the cache folder",
            "bundled sample": "the bundled sample shipped with the package (6,000 training, 1,000 test digits)",
        }[self.kind]


def default_data_root():
    """The one folder torchvision downloads MNIST into, whoever asks and from where."""
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "mnist-adder"


def check_mnist_files(root):
    """Raise ``DataError`` unless ``root/MNIST/raw`` holds the four IDX files, whole."""
    raw = Path(root) / "MNIST" / "raw"
    counts = {}
    for name, (magic, item_shape) in MNIST_FILES.items():
        path = raw / name
        if not path.is_file():
            raise DataError(f"{path} is missing: expected torchvision's MNIST layout <root>/MNIST/raw/{name}")
        header_len = 8 + 4 * len(item_shape)
        with open(path, "rb") as f:
            header = f.read(header_len)
        size = path.stat().st_size
        found_magic = int.from_bytes(header[:4], "big") if len(header) >= 4 else None
        if len(header) < header_len or found_magic != magic:
            raise DataError(f"{path} is not an MNIST IDX file: expected magic number {magic}, found {found_magic}")
        count = int.from_bytes(header[4:8], "big")
        dims = tuple(int.from_bytes(header[8 + 4 * i : 12 + 4 * i], "big") for i in range(len(item_shape)))
        if dims != item_shape:
            raise DataError(f"{path} holds items of shape {dims}, expected {item_shape}")
        expected = header_len + count * (28 * 28 if item_shape else 1)
        if size != expected:
            raise DataError(f"{path} is {size} bytes, expected {expected} ({count} items after the header): truncated or corrupt")
        counts[name] = count
        if not item_shape:  # a label file: every label a digit
            labels = path.read_bytes()[header_len:]
            if max(labels, default=0) > 9:
                position = next(i for i, label in enumerate(labels) if label > 9)
                raise DataError(f"{path} holds the label {labels[position]} at item {position}: MNIST labels are digits 0..9")
    for split in ("train", "t10k"):
        if counts[f"{split}-images-idx3-ubyte"] != counts[f"{split}-labels-idx1-ubyte"]:
            raise DataError(f"{raw}: {split} images and labels differ in count")


def _try_download(root):
    """Let torchvision download MNIST into ``root``; return the error text if it cannot."""
    previous_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)  # no internet should fail fast, not hang
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # torchvision prints every mirror it tries
            for train in (True, False):
                torchvision.datasets.MNIST(root, train=train, download=True)
        return None
    except Exception as error:  # any failure to fetch means: use the sample
        return f"{type(error).__name__}: {error}"
    finally:
        socket.setdefaulttimeout(previous_timeout)


def _unpack_sample():
    """Unpack the bundled sample's gzip files into a cache folder torchvision can read."""
    root = default_data_root() / "bundled-sample"
    try:
        check_mnist_files(root)
        return root
    except DataError:
        pass
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name in MNIST_FILES:
        with gzip.open(SAMPLE_DIR / f"{name}.gz", "rb") as src, tempfile.NamedTemporaryFile(dir=raw, delete=False) as tmp:
            shutil.copyfileobj(src, tmp)
        os.replace(tmp.name, raw / name)
    return root


_warned = set()  # fallback warnings already given in this process


def find_mnist(data_root=None, download=True):
    """Where to read MNIST from.

    In order: ``data_root``; else ``$MNIST_ADDER_DATA``; else the default folder, downloading
    into it if needed; else, with a warning, the sample bundled with the package. A root that
    was named explicitly must hold the files: it is an error, never a silent fallback.
    """
    for root, kind in ((data_root, "argument"), (os.environ.get(DATA_ENV_VAR) or None, "environment")):
        if root is not None:
            root = Path(root).expanduser().resolve()
            check_mnist_files(root)
            return MnistSource(root, kind)
    root = default_data_root()
    with contextlib.suppress(DataError):
        check_mnist_files(root)
        return MnistSource(root, "default folder")
    reason = _try_download(root) if download else "download=False"
    if reason is None:
        check_mnist_files(root)
        return MnistSource(root, "downloaded")
    message = (
        f"MNIST could not be downloaded ({reason.splitlines()[0][:120]}); using the bundled sample "
        f"of 6,000 training and 1,000 test digits: {FULL_SET_HINT}"
    )
    # once per process: Python's own once-per-location rule is reset whenever a library enters
    # warnings.catch_warnings(), and a notebook asks for the data in several cells
    if message not in _warned:
        _warned.add(message)
        warnings.warn(message, BundledSampleWarning, stacklevel=2)
    return MnistSource(_unpack_sample(), "bundled sample")


def load_mnist(source, train, transform=None):
    """torchvision's MNIST dataset from a ``MnistSource`` (never downloads)."""
    return torchvision.datasets.MNIST(source.root, train=train, transform=transform, download=False)


def normalize_pixels(images):
    """Pixels -> the normalized floats the CNN reads: uint8 0..255 or floats 0..1, any shape. The one place,
    beside ``normalize_transform`` (the conventional pipeline's), where images are normalized."""
    if images.dtype == torch.uint8:  # .float() makes a new tensor: normalizing it in place saves a copy per batch
        return images.float().sub_(255 * MNIST_MEAN).div_(255 * MNIST_STD)
    return (images.float() - MNIST_MEAN) / MNIST_STD


def normalize_transform():
    """The per-sample transform of the conventional pipeline: PIL image -> normalized tensor."""
    return transforms.Compose([transforms.ToTensor(), transforms.Normalize((MNIST_MEAN,), (MNIST_STD,))])


def one_hot(values, classes):
    """Integers as one-hot float vectors: the number's 10 slots (or the sum's 19). The one place they are encoded."""
    return F.one_hot(torch.as_tensor(values), classes).float()


def augment_batch(image):
    """Rotate each image by up to 10 degrees and shift it by up to 2 pixels, as one tensor op."""
    count = len(image)
    angle = (torch.rand(count, device=image.device) * 2 - 1) * math.radians(MAX_ROTATION_DEGREES)
    shift = (torch.rand(count, 2, device=image.device) * 2 - 1) * (2 * MAX_SHIFT_PIXELS / image.shape[-1])
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(image.shape), align_corners=False)
    return sample_with_border_padding(image, grid)


def sample_with_border_padding(image, grid):
    """``grid_sample`` that repeats the edge pixels (background) beyond the image, so no gray frame appears.

    Where "border" padding is missing (Apple GPUs before torch 2.13), the grid is clamped to the outer
    pixel centres instead and padded with zeros: bilinear sampling then reads only pixels inside the
    image, which gives the same values up to float rounding.
    """
    if image.device.type not in NO_BORDER_PADDING_DEVICES:
        return F.grid_sample(image, grid, padding_mode="border", align_corners=False)
    height, width = image.shape[-2:]
    edge = torch.tensor([1 - 1 / width, 1 - 1 / height], device=grid.device)  # (x, y) of the outer pixel centres
    return F.grid_sample(image, grid.clamp(-edge, edge), padding_mode="zeros", align_corners=False)


def draw_numbers(count, seed):
    """``count`` random integers 0..9, the same for the same seed on every machine."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, 10, (count,), generator=generator)


def data_generator(mnist, numbers, index):
    """(image, label, random number, sum) for one index. The name is the original notes'; it returns one
    sample, it is not a Python generator."""
    image, label = mnist[index]
    number = int(numbers[index])
    return image, label, number, label + number


class MNISTRandom(Dataset):
    """MNIST images paired with seeded random numbers, one-hot encoded as the notes describe.

    Each item is ``(image, number_onehot[10], digit, sum_onehot[19])``.
    """

    def __init__(self, mnist, seed):
        self.mnist = mnist
        self.numbers = draw_numbers(len(mnist), seed)

    def __len__(self):
        return len(self.mnist)

    def __getitem__(self, index):
        image, label, number, total = data_generator(self.mnist, self.numbers, index)
        number_onehot = one_hot(number, 10)
        sum_onehot = one_hot(total, 19)
        return image, number_onehot, label, sum_onehot


def conventional_loaders(source, batch_size=128, seed=1, num_workers=0):
    """The classic pipeline the first notebook teaches: Dataset + DataLoader, per-sample work."""
    train = MNISTRandom(load_mnist(source, True, normalize_transform()), seed)
    test = MNISTRandom(load_mnist(source, False, normalize_transform()), HELD_OUT_PAIRS_SEED)
    shuffle_generator = torch.Generator().manual_seed(seed)
    return (
        DataLoader(train, batch_size, shuffle=True, generator=shuffle_generator, num_workers=num_workers),
        DataLoader(test, batch_size, shuffle=False, num_workers=num_workers),
    )
