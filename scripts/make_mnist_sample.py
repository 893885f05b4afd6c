"""Make the small real-MNIST sample bundled with the package (the offline fallback).

Takes the first 600 training and the first 100 test images of each digit from a full MNIST in
torchvision's layout and writes them, gzipped IDX files, to mnist_adder_utils/mnist_sample/.

    python scripts/make_mnist_sample.py ../shared/mnist
"""

import gzip
import sys
from pathlib import Path

import torch
import torchvision

PER_DIGIT = {"train": 600, "t10k": 100}
OUT = Path(__file__).resolve().parents[1] / "mnist_adder_utils" / "mnist_sample"


def first_per_digit(labels, per_digit):
    chosen = [torch.nonzero(labels == digit).flatten()[:per_digit] for digit in range(10)]
    return torch.cat(chosen).sort().values  # keep MNIST's own order


def write_idx(path, magic, array):
    header = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in array.shape)
    # mtime=0: the same input gives byte-identical files
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as f:
        f.write(header + array.numpy().tobytes())


def main(root):
    OUT.mkdir(exist_ok=True)
    for split, per_digit in PER_DIGIT.items():
        mnist = torchvision.datasets.MNIST(root, train=split == "train", download=False)
        keep = first_per_digit(mnist.targets, per_digit)
        write_idx(OUT / f"{split}-images-idx3-ubyte.gz", 2051, mnist.data[keep])
        write_idx(OUT / f"{split}-labels-idx1-ubyte.gz", 2049, mnist.targets[keep].to(torch.uint8))
        print(f"{split}: {len(keep)} images")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/mnist")
