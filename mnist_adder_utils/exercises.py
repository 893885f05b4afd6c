"""The answers to the notebooks' "predict, then check" exercises, out of the reader's sight: ``check`` says whether
an answer is right and, when it is not, gives a hint rather than the answer; ``is_right`` is what solutions assert."""

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    answer: object  # a number, a word, or a tuple of them
    hint: str  # said when an answer is wrong: where to look, not what to find
    explanation: str  # said when it is right
    tolerance: float = 0.0  # for numbers: how far off (relative) still counts as right


QUESTIONS = {
    "00.1": Question(
        answer=1.93,
        tolerance=0.005,
        hint="the gradient at w = 1 is 2 * (1 - 3) * mean(x**2), and the step goes against it: w - lr * gradient.",
        explanation="The gradient is 2 * (1 - 3) * 14/3 = -18.67, so w = 1 + 0.05 * 18.67 = 1.93.",
    ),
    "00.2": Question(
        answer=(26, 1350),
        hint="for the size, count the places a 3x3 window fits along one row of the image, as section 3 did for 5 "
        "pixels. For the weights, look at the shape section 3 printed for the first convolution's weight, and what "
        "each of its four numbers counts. Answer as (size, weights).",
        explanation="28 - 3 + 1 = 26, and 10 x 15 x 3 x 3 = 1,350 weights: notebook 2's third convolution.",
    ),
    "00.3": Question(
        answer=(600, 938),
        hint="a last, smaller batch still counts as a batch: round up. Answer as (batches of 100, batches of 64).",
        explanation="60,000 / 100 = 600 exactly; 60,000 / 64 = 937.5, so 938 batches, the last of 32 images.",
    ),
    "00.4": Question(
        answer=8320,
        hint="one weight for every (input, output) pair, and one bias for every output.",
        explanation="64 x 128 weights + 128 biases = 8,320: the adder's third layer in notebook 2's table.",
    ),
    "00.5": Question(
        answer=0.407,
        tolerance=0.02,
        hint="steps_to_reach_three(lr, 0.9) is None where w never settles. Start from a rate that settles (0.25) and "
        "one that does not (1.0), try the rate halfway between, keep the half that holds the border, and repeat until "
        "two decimals stop changing.",
        explanation="With momentum m the border moves from 2 / curvature to 2 * (1 + m) / curvature: 3.8 / 9.33 = 0.41 "
        "(0.407 before rounding), 1.9 times plain descent's. Where w swings across 3 the gradient flips sign every "
        "step, and the velocity sums the pulls as 1 - 0.9 + 0.81 - ... = 1 / 1.9 of one pull: each swing is 1.9 times "
        "smaller.",
    ),
    "01.1": Question(
        answer=(6, 6, 2),
        hint="use section 5's formula, (min(s, 18 - s) + 1) ways for a sum s, or list the (digit, number) pairs, "
        "both 0 to 9, that make each sum. Answer as (ways to make 5, ways to make 13, ways to make 17).",
        explanation="5: (0, 5) to (5, 0), six pairs; 13: (4, 9) to (9, 4), six; 17: (8, 9) and (9, 8), two.",
    ),
    "02.2": Question(
        answer=(432, 32, 1344),
        hint="a convolution holds in_channels x out_channels x 3 x 3 weights; a BatchNorm a scale and a shift per "
        "channel; a Linear layer one weight per (input, output) pair and one bias per output. Answer as (conv, "
        "BatchNorm, Linear).",
        explanation="3 x 16 x 3 x 3 = 432, 2 x 16 = 32, and 20 x 64 + 64 = 1,344.",
    ),
    "03.1": Question(
        answer="cpu",
        hint="run the two lines and read the .device of each tensor. Answer with the device's name, as .device.type "
        "gives it.",
        explanation="New tensors go to the CPU unless told otherwise: that is why the model and every batch are moved "
        "with .to(device).",
    ),
    "03.2": Question(
        answer=(7.84, 138.252),
        tolerance=0.01,
        hint="bytes = how many values x bytes per value; a 28x28 image holds 28 x 28 pixels; a megabyte is a million "
        "bytes, a kilobyte a thousand. Answer as (megabytes of test images, kilobytes of parameters), to two decimals.",
        explanation="10,000 x 784 x 1 byte = 7.84 MB; 34,563 x 4 bytes = 138 kB. Both are tiny beside a GPU's memory.",
    ),
    "03.3": Question(
        answer=(23, 52),
        hint="torch.finfo(torch.float32).eps is the gap between 1.0 and the next number up: write it as a power of "
        "2. Answer as (k for float32, k for float64).",
        explanation="float32 keeps 24 significant binary digits, so 1 + 2**-23 is the next number after 1.0; float64 "
        "keeps 53, down to 2**-52. A relative precision of about 1e-7 is far finer than a training step's "
        "usual change to a weight.",
    ),
    "04.1": Question(
        answer=5.25,
        tolerance=0.002,
        hint="each loss is -log of the probability given to the right answer: what probability does a uniform guess "
        "give each digit, and each sum? Use the natural logarithm; the total is the two losses added.",
        explanation="ln 10 + ln 19 = 2.303 + 2.944 = 5.25, and an untrained model's loss is close to it.",
    ),
    "05.1": Question(
        answer=(2.303, 0.01, 4.605),
        tolerance=0.01,
        hint="NLL is -log p with the natural logarithm (math.log). Answer as three numbers, in the order the exercise asks them.",
        explanation="-ln 0.1 = 2.303, -ln 0.99 = 0.010, -ln 0.01 = 4.605. The first is ln 10: a model that only "
        "guesses among ten digits pays it on every image.",
    ),
    "05.2": Question(
        answer=(0.545, 0.93),
        tolerance=0.01,
        hint="each image costs -log of the probability its model gives the true digit (natural logarithm, math.log); "
        "each model's loss is the mean over all ten images, the right ones and the wrong ones. Answer as (A, B).",
        explanation="A: (8 x 0.105 + 2 x 2.303) / 10 = 0.545. B: (9 x 0.010 + 9.210) / 10 = 0.930. B makes half A's "
        "mistakes, yet its loss is 1.7 times A's: its one confident mistake costs more than all of A's images together.",
    ),
    "06.1": Question(
        answer=1.0905,
        tolerance=0.002,
        hint="the rate goes from start_lr to end_lr in steps - 1 equal multiplications: the factor is the (steps - 1)th "
        "root of end_lr / start_lr. Answer with three decimals.",
        explanation="(3 / 0.0001) ** (1 / 119) = 1.091: about 9% more at each batch, so every tenfold range of rates "
        "gets the same number of batches, about 27.",
    ),
    "06.2": Question(
        answer=2e-7,
        tolerance=0.01,
        hint="OneCycleLR starts at max_lr / div_factor and ends at that starting rate / final_div_factor; look up both "
        "defaults in PyTorch's documentation of OneCycleLR.",
        explanation="0.05 / 25 = 0.002 at the first batch, and 0.002 / 10,000 = 0.0000002 at the last: 250,000 times "
        "smaller than the peak, so the last batches barely move the weights.",
    ),
    "06.3": Question(
        answer=0.109,
        tolerance=0.05,
        hint="each image is right with probability p = 0.994, independently of the others; the share right over n "
        "images has standard deviation sqrt(p * (1 - p) / n). Answer in points (percent), with two decimals.",
        explanation="sqrt(0.994 * 0.006 / 5,000) = 0.0011, that is 0.11 points: about five images in 5,000. The peak "
        "rate's 0.03 points lie well inside it; the schedule's 1.6 points are fifteen times as large.",
    ),
    "06.4": Question(
        answer=1 / 0.81,
        tolerance=0.01,
        hint="the BatchNorm demo: weights s times as large get a gradient 1/s times as large. A step is lr times the "
        "gradient; relative to the weights, divide it by their size, which is s times as large. Answer with two decimals.",
        explanation="The gradient grows by 1 / 0.9 and the weights shrink by 0.9, so the step relative to the weights "
        "grows by 1 / 0.9² = 1.23: the layer learns as if its rate were 23% higher.",
    ),
    "07.1": Question(
        answer=(2, 1),
        hint="which of the 20 inputs come from the image, and which from the number? A one-hot vector holds a single "
        "1. And does the part that reads the digit ever see the number? Answer as (inputs that change, digits at most).",
        explanation="Only the one-hot number changes: its 1 moves from place 3 to place 7, two inputs. The ten digit "
        "probabilities come from the CNN, which never sees the number, so one image gets one digit whatever the number; "
        "only the sum can change.",
    ),
    "08.1": Question(
        answer=66,
        hint="count first the combinations with neither a 3 nor a 5: the swap leaves them alone. Then go through the "
        "ones with a 3 or a 5, and look for a pair whose two misreads cancel.",
        explanation="The 8 x 8 = 64 combinations with neither digit stay right. Of the 36 with a 3 or a 5, only (3, 5) "
        "and (5, 3) do: the two misreads cancel. So 66 of 100, and the 34 wrong sums are what tells the swapped "
        "naming from the true one.",
    ),
    "09.1": Question(
        answer=(101_632, 3_712),
        hint="count first the numbers of one pair: the image's pixels, then the number's one-hot slots; out come a "
        "score for each digit and for each sum. Then a batch holds 128 pairs. Answer as (values in, values out).",
        explanation="One pair: 28 x 28 = 784 pixels and 10 one-hot slots in, 10 digit and 19 sum scores out. 128 pairs: "
        "128 x 794 = 101,632 in and 128 x 29 = 3,712 out.",
    ),
    "09.2": Question(
        answer=(100, 130),
        hint="count a 1x3x3 kernel's weights, then ask what a bias adds per channel, and how many numbers BatchNorm "
        "keeps per channel. Answer as (folded, before).",
        explanation="Folded: 90 kernel weights and 10 biases. Before: 90 weights and 4 x 10 BatchNorm numbers. In eval "
        "mode BatchNorm is a scale, multiplied into the kernels, and a shift, the new bias: one number a channel.",
    ),
}


def _matches(answer, expected, tolerance):
    if isinstance(expected, tuple):
        return (
            isinstance(answer, (tuple, list))
            and len(answer) == len(expected)
            and all(_matches(a, e, tolerance) for a, e in zip(answer, expected, strict=True))
        )
    if isinstance(expected, str):
        return isinstance(answer, str) and answer.strip().lower() == expected
    if hasattr(answer, "item") and getattr(answer, "ndim", 1) == 0:  # a one-number tensor or NumPy value
        answer = answer.item()
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        return False
    return math.isclose(answer, expected, rel_tol=tolerance)


def is_right(question, answer):
    """Whether ``answer`` to ``question`` (e.g. ``"00.1"``) is right; a one-line ``ValueError`` for an unknown question."""
    if question not in QUESTIONS:
        raise ValueError(f"unknown question {question!r}: expected one of {', '.join(QUESTIONS)}")
    expected = QUESTIONS[question]
    return _matches(answer, expected.answer, expected.tolerance)


def check(question, *answer):
    """Say whether the answer to ``question`` is right, and if not give a hint (never the answer).

    ``check("01.1", (6, 6, 2))`` and ``check("01.1", 6, 6, 2)`` are the same; ``check("01.1", ...)`` asks.
    """
    answer = answer[0] if len(answer) == 1 else tuple(answer) if answer else ...
    right = is_right(question, answer)
    expected = QUESTIONS[question].answer
    if answer is ...:
        print(f"Question {question}: write your answer in place of the ... and run the cell again.")
    elif right:
        print(f"Right. {QUESTIONS[question].explanation}")
    elif isinstance(expected, tuple) and not (isinstance(answer, (tuple, list)) and len(answer) == len(expected)):
        print(f"Not yet ({answer!r}): the answer is {len(expected)} values, in the order the exercise asks them.")
    else:
        print(f"Not yet ({answer!r}). Hint: {QUESTIONS[question].hint}")
