import re

import pytest

from mnist_adder_utils.exercises import QUESTIONS, check, is_right


def test_a_right_answer_says_so_and_explains(capsys):
    check("00.1", 1.93)
    assert capsys.readouterr().out.startswith("Right. The gradient is")


@pytest.mark.parametrize(("question", "wrong"), [("00.1", 2.8), ("00.2", (26, 90)), ("00.3", (600, 937)), ("00.4", "8320"),
                                                 ("00.5", 0.21), ("00.4", True)])  # fmt: skip
def test_a_wrong_answer_gets_a_hint_not_the_answer(capsys, question, wrong):
    check(question, wrong)
    said = capsys.readouterr().out
    assert said.startswith(f"Not yet ({wrong!r}). Hint: ") and QUESTIONS[question].explanation not in said
    assert not is_right(question, wrong)


def test_numbers_count_within_their_tolerance_and_words_whatever_their_case():
    assert is_right("00.1", 1.931) and not is_right("00.1", 1.95)
    assert is_right("00.3", [600, 938]) and is_right("03.1", " CPU ")


def test_no_answer_yet_asks_for_one(capsys):
    check("00.4")
    assert capsys.readouterr().out == "Question 00.4: write your answer in place of the ... and run the cell again.\n"
    assert not is_right("00.4", ...)


def test_an_unknown_question_is_refused_in_one_line():
    with pytest.raises(ValueError, match=r"unknown question '9.9': expected one of 00.1, "):
        check("9.9", 1)


def _components(answer):
    return answer if isinstance(answer, tuple) else (answer,)


def _a_wrong_answer(answer):
    if isinstance(answer, tuple):
        return (_a_wrong_answer(answer[0]), *answer[1:])
    return "not this" if isinstance(answer, str) else answer * 2 + 1


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_question_takes_its_answer_refuses_another_and_hints_without_giving_it(capsys, question):
    expected = QUESTIONS[question]
    assert is_right(question, expected.answer) and not is_right(question, _a_wrong_answer(expected.answer))
    check(question, _a_wrong_answer(expected.answer))
    assert capsys.readouterr().out.startswith("Not yet (")
    for number in _components(expected.answer):
        if not isinstance(number, str) and not (isinstance(number, int) and number < 10):  # digits occur anyway
            assert not re.search(rf"(?<![\d.]){re.escape(f'{number:g}')}(?![\d])", expected.hint), number


def test_an_answer_in_another_form_is_read_or_told_its_form(capsys):
    import torch

    check("01.1", 6, 6, 2)  # the values without their parentheses
    assert capsys.readouterr().out.startswith("Right.")
    assert is_right("04.1", torch.tensor(5.25)) and is_right("05.1", (torch.tensor(2.303), 0.01, 4.605))
    check("01.1", 6)
    assert capsys.readouterr().out == "Not yet (6): the answer is 3 values, in the order the exercise asks them.\n"
