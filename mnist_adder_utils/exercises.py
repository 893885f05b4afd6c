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
        hint="a 3x3 kernel fits in 28 - 3 + 1 positions per row; the layer holds one 3x3 kernel per pair of "
        "(input channel, output channel). Answer as (size, weights).",
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
}


def _matches(answer, expected, tolerance):
    if isinstance(expected, tuple):
        return isinstance(answer, (tuple, list)) and len(answer) == len(expected) and all(
            _matches(a, e, tolerance) for a, e in zip(answer, expected, strict=True)
        )
    if isinstance(expected, str):
        return isinstance(answer, str) and answer.strip().lower() == expected
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        return False
    return math.isclose(answer, expected, rel_tol=tolerance)


def is_right(question, answer):
    """Whether ``answer`` to ``question`` (e.g. ``"00.1"``) is right; a one-line ``ValueError`` for an unknown question."""
    if question not in QUESTIONS:
        raise ValueError(f"unknown question {question!r}: expected one of {', '.join(QUESTIONS)}")
    expected = QUESTIONS[question]
    return _matches(answer, expected.answer, expected.tolerance)


def check(question, answer=...):
    """Say whether ``answer`` to ``question`` is right, and if not give a hint (never the answer)."""
    right = is_right(question, answer)
    if answer is ...:
        print(f"Question {question}: write your answer in place of the ... and run the cell again.")
    elif right:
        print(f"Right. {QUESTIONS[question].explanation}")
    else:
        print(f"Not yet ({answer!r}). Hint: {QUESTIONS[question].hint}")
