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
        hint="a 3x3 kernel slides one pixel at a time and must stay inside the image: count its positions along a "
        "row. The layer holds one 3x3 kernel per pair of (input channel, output channel). Answer as (size, weights).",
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
        answer="converges",
        hint="momentum damps the swings that made each plain step overshoot further; the rule for this loss is that "
        "lr * curvature must stay below 2 * (1 + momentum). Answer 'converges' or 'diverges'.",
        explanation="lr * curvature = 0.25 * 9.33 = 2.33, below 2 * (1 + 0.9) = 3.8: w swings around 3 but settles.",
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
        hint="PyTorch never puts a tensor on a GPU unless asked. Answer with a device name: 'cpu', 'cuda' or 'mps'.",
        explanation="New tensors go to the CPU unless told otherwise: that is why the model and every batch are moved "
        "with .to(device).",
    ),
    "04.1": Question(
        answer=5.25,
        tolerance=0.03,
        hint="each loss is -log of the probability given to the right answer (1/10 for the digit, 1/19 for the sum, "
        "natural logarithm); the total is their sum.",
        explanation="ln 10 + ln 19 = 2.303 + 2.944 = 5.25, and an untrained model's loss is close to it.",
    ),
    "05.1": Question(
        answer=(2.303, 0.01, 4.605),
        tolerance=0.01,
        hint="NLL is -log p with the natural logarithm (math.log). Answer as three numbers, in the order the exercise asks them.",
        explanation="-ln 0.1 = 2.303, -ln 0.99 = 0.010, -ln 0.01 = 4.605: a confident mistake costs far more than a "
        "hesitant one.",
    ),
    "06.4": Question(
        answer=20,
        tolerance=0.01,
        hint="momentum adds 0.95 times the last step to each new step: a steady pull p gives p, then p + 0.95 p, then "
        "p + 0.95 p + 0.95² p, ... Sum the series.",
        explanation="1 + 0.95 + 0.95² + ... = 1 / (1 - 0.95) = 20: a steady pull, the decay's included, ends twenty "
        "times as strong as a single step's (at the schedule's lowest momentum, 0.85, about 6.7 times).",
    ),
    "07.1": Question(
        answer=("no", "yes"),
        hint="which part of the model reads the number? Answer as ('yes' or 'no' for the digit, 'yes' or 'no' for the sum).",
        explanation="The digit comes from the CNN, which never sees the number, so it cannot change; the sum comes from "
        "the adder, which reads both.",
    ),
    "08.1": Question(
        answer=(0.05, 0.06),
        tolerance=0.01,
        hint="count, among the 100 equally likely (digit, digit) pairs, those that make each sum. Answer as "
        "(p(sum 4), p(sum 13)).",
        explanation="Five of the 100 pairs make 4 ((0, 4) to (4, 0)) and six make 13 ((4, 9) to (9, 4)): 0.05 and 0.06.",
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
