"""The network from the design notes: a CNN reads the digit, an MLP adds the number.

Class names follow the original notes (``MNISt``, ``MNISTadder``) so that ``torchsummary``
prints exactly their layer table.
"""

import copy

import torch
import torch.nn.functional as F
from torch import nn

# The notes don't give the rate. Of 0.1, 0.05, 0.02 and 0, this one's training accuracies come closest to
# their training log (the README's Results say how it was chosen).
NOTES_DROPOUT = 0.02


class Dropout(nn.Dropout):
    """``nn.Dropout`` whose mask costs less on the CPU.

    PyTorch draws one 32-bit random number per element for ``nn.Dropout`` on the CPU, which
    took a quarter of each training step here. This draws one 64-bit number per four elements
    (each gets 16 random bits): a CPU epoch runs about 1.4 times faster (benchmarks/README.md).
    Same behaviour: zero with probability ``p``, scale the rest by ``1/(1-p)``; identity in eval
    mode. One difference: ``p`` is rounded to a multiple of 1/65,536 (0.02 drops 1,311/65,536 =
    0.020004 of the elements). On a GPU, where drawing the mask costs little, and on any other
    device, it is ``nn.Dropout`` unchanged.
    """

    def forward(self, x):
        if not self.training or self.p == 0 or x.device.type != "cpu":
            return super().forward(x)
        count = x.numel()
        words = torch.randint(-(2**63), 2**63 - 1, ((count + 3) // 4,), dtype=torch.int64)
        bits16 = words.view(torch.int16)[:count].view_as(x)
        # scaling the mask, not x, keeps one multiply in the graph, so backward makes one pass too
        scaled_keep = (bits16 >= round(-32768 + self.p * 65536)).to(x.dtype).mul_(1.0 / (1.0 - self.p))
        return x * scaled_keep


def _conv_block(in_channels, out_channels):
    return [
        nn.Conv2d(in_channels, out_channels, kernel_size=3, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    ]


class MNISt(nn.Module):
    """The CNN: a 1x28x28 image -> 10 digit scores. (The name, like ``MNISTadder``, is the original notes'.)

    Returns ``(log_probs, probs)``: the log-probabilities feed the digit's NLL loss, the
    probabilities are the 10 numbers the adder reads.
    """

    def __init__(self, dropout=NOTES_DROPOUT):
        super().__init__()
        self.layers = nn.Sequential(
            *_conv_block(1, 10), Dropout(dropout),  # 26x26
            *_conv_block(10, 10), Dropout(dropout),  # 24x24
            *_conv_block(10, 15),  # 22x22
            nn.MaxPool2d(2),  # 11x11
            nn.Conv2d(15, 10, kernel_size=11, bias=False),  # 1x1: one score per digit
        )  # fmt: skip

    def forward(self, image):
        log_probs = F.log_softmax(self.layers(image).flatten(1), dim=-1)
        return log_probs, log_probs.exp()


def _linear_block(in_features, out_features, dropout):
    return [
        nn.Linear(in_features, out_features),
        nn.BatchNorm1d(out_features),
        nn.ReLU(inplace=True),
        Dropout(dropout),
    ]


def adder_mlp(dropout=NOTES_DROPOUT):
    """The adder: an MLP 20 -> 32 -> 64 -> 128 -> 19 (scores of the sums 0..18)."""
    return nn.Sequential(
        *_linear_block(20, 32, dropout),
        *_linear_block(32, 64, dropout),
        *_linear_block(64, 128, dropout),
        nn.Linear(128, 19),
    )


class MNISTadder(nn.Module):
    """The whole network: (image, one-hot number) -> (digit log-probs, sum logits).

    The CNN's 10 digit probabilities and the 10-long one-hot number are joined into one
    20-long vector, which an MLP 20 -> 32 -> 64 -> 128 -> 19 maps to the 19 sums 0..18.
    """

    def __init__(self, cnn_dropout=NOTES_DROPOUT, adder_dropout=NOTES_DROPOUT):
        super().__init__()
        self.mnist = MNISt(cnn_dropout)
        self.adder = adder_mlp(adder_dropout)

    def forward(self, image, number_onehot):
        digit_log_probs, digit_probs = self.mnist(image)
        combined = torch.cat([digit_probs, number_onehot], dim=-1)  # [N,10] + [N,10] -> [N,20]
        return digit_log_probs, self.adder(combined)


def count_parameters(model):
    """The number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def print_summary(model):
    """Print torchsummary's layer table for ``model``, leaving it untouched.

    torchsummary runs a training-mode forward pass, which would move BatchNorm's running
    statistics, so it runs on a copy. Its footer sums the input sizes with NumPy, which fails
    for two inputs of different shapes, so the parameter totals are printed here instead.
    """
    from torchsummary import summary

    device = next(model.parameters()).device
    if device.type not in ("cpu", "cuda"):  # torchsummary knows only these two
        device = torch.device("cpu")
    try:
        summary(copy.deepcopy(model).to(device), [(1, 28, 28), (10,)], device=device.type)
    except ValueError as error:
        if "inhomogeneous" not in str(error):
            raise
    total = sum(p.numel() for p in model.parameters())
    trainable = count_parameters(model)
    print("================================================================")
    print(f"Total params: {total:,}")
    print(f"Trainable params: {trainable:,}")
    print(f"Non-trainable params: {total - trainable:,}")
    print("----------------------------------------------------------------")
