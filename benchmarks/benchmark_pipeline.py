"""How much faster is the fast input pipeline? One epoch of the original recipe, two ways.

(a) the conventional pipeline: torchvision Dataset + DataLoader, per-sample ToTensor/Normalize
    and per-sample one-hot encoding (MNISTRandom, as notebook 1 teaches it);
(b) the fast path training uses: MNIST decoded once into a tensor on the device, batches sliced,
    normalized and one-hot encoded as whole tensors (TensorPairLoader).

Same model, same optimizer, same batch size. The two alternate, several times, and the script
prints images/s for each and the ratio (b)/(a) with its median. Then evaluation throughput,
the cost of torch's nn.Dropout against the package's, and single-pair prediction latency.

    python benchmarks/benchmark_pipeline.py [--repeats 3] [--device auto] [--data-root DIR]
"""

import argparse
import statistics
import time

import torch
from torch import nn

from mnist_adder_utils import MNISTadder, choose_device, conventional_loaders, describe_gpu, fast_loaders, find_mnist
from mnist_adder_utils.predict import predict
from mnist_adder_utils.training import run_epoch


def train_epoch_seconds(loader, device, dropout_class=None):
    torch.manual_seed(0)
    model = MNISTadder().to(device)
    if dropout_class is not None:  # swap every Dropout for another implementation, same p
        for module in list(model.modules()):
            for name, child in module.named_children():
                if isinstance(child, nn.Dropout):
                    setattr(module, name, dropout_class(child.p))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    synchronize(device)
    started = time.perf_counter()
    run_epoch(model, loader, device, optimizer=optimizer, progress=False)
    synchronize(device)
    return time.perf_counter() - started, model


class SumIndices:
    """The conventional loader with its one-hot sums (the notes' encoding) as the class indices training takes."""

    def __init__(self, loader):
        self.loader = loader

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        for image, number_onehot, digit, sum_onehot in self.loader:
            yield image, number_onehot, digit, sum_onehot.argmax(dim=1)


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--data-root")
    args = parser.parse_args()
    device = choose_device(args.device)
    source = find_mnist(args.data_root)
    print(describe_gpu().splitlines()[1] if device.type == "cpu" else describe_gpu())
    print(f"device: {device}, torch {torch.__version__}, {torch.get_num_threads()} CPU threads, data: {source.kind}")
    conventional_train = SumIndices(conventional_loaders(source, batch_size=128, seed=1)[0])
    fast_train, fast_test = fast_loaders(source, batch_size=128, seed=1, device=device)
    images = len(fast_train.images)

    ratios = []
    for repeat in range(1, args.repeats + 1):
        seconds_a, _ = train_epoch_seconds(conventional_train, device)
        seconds_b, model = train_epoch_seconds(fast_train, device)
        ratios.append(seconds_a / seconds_b)
        print(
            f"repeat {repeat}: (a) DataLoader {images / seconds_a:8.0f} images/s ({seconds_a:5.1f} s/epoch)   "
            f"(b) fast path {images / seconds_b:8.0f} images/s ({seconds_b:5.1f} s/epoch)   (b)/(a) = {ratios[-1]:.2f}"
        )
    print(f"training epoch, fast path vs DataLoader: median ratio (b)/(a) = {statistics.median(ratios):.2f}")

    if device.type == "cpu":
        torch_dropout = [train_epoch_seconds(fast_train, device, nn.Dropout)[0] for _ in range(args.repeats)]
        ours = [train_epoch_seconds(fast_train, device)[0] for _ in range(args.repeats)]
        print(
            f"training epoch, torch nn.Dropout {statistics.median(torch_dropout):.1f} s vs the package's Dropout "
            f"{statistics.median(ours):.1f} s: ratio {statistics.median(torch_dropout) / statistics.median(ours):.2f}"
        )

    evaluation = []
    for _ in range(args.repeats):
        synchronize(device)
        started = time.perf_counter()
        run_epoch(model, fast_test, device, progress=False)
        synchronize(device)
        evaluation.append(len(fast_test.images) / (time.perf_counter() - started))
    print(f"evaluation: median {statistics.median(evaluation):.0f} images/s over the {len(fast_test.images)} test pairs")

    image = fast_test.images[0].cpu()
    for _ in range(20):  # warm up
        predict(model, image, 3)
    latencies = []
    for number in list(range(10)) * 30:
        started = time.perf_counter()
        predict(model, image, number)
        latencies.append(1000 * (time.perf_counter() - started))
    print(f"single-pair prediction: median {statistics.median(latencies):.2f} ms (300 calls)")


if __name__ == "__main__":
    main()
