"""helpers/feedback.py: the generic checks answer with Feedback and never raise."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.feedback import Feedback, check_array, check_function, check_number


@pytest.mark.parametrize("answer", [None, "abc", [1, 2], object(), float("nan")])
def test_check_number_answers_not_yet_for_anything_that_is_not_the_number(answer) -> None:
    feedback = check_number("E", answer, 1.3863)
    assert isinstance(feedback, Feedback) and not feedback
    assert str(feedback).startswith("✗ E: not yet.")


def test_check_number_accepts_four_significant_digits_and_rejects_a_wrong_digit() -> None:
    assert check_number("E", 1.3863, np.log(4))
    assert not check_number("E", 1.3963, np.log(4))
    assert check_number("E", float("inf"), float("inf"))


def test_check_array_names_the_shape_and_the_first_difference() -> None:
    expected = np.array([[0.25, 0.75], [0.5, 0.5]])
    assert check_array("E", expected.tolist(), expected)
    assert "Expected shape (2, 2), got shape (4,)" in str(
        check_array("E", expected.ravel(), expected)
    )
    wrong = check_array("E", [[0.25, 0.75], [0.5, 0.4]], expected)
    assert "first at index (1, 1)" in wrong.message


def test_check_function_reports_the_learners_exception_without_raising() -> None:
    def broken(x):
        raise NotImplementedError("write me")

    feedback = check_function("E", broken, np.exp, [(np.zeros(3),)], hint="use np.exp")
    assert not feedback
    assert "Case 1 raised NotImplementedError: write me" in str(feedback)
    assert "Hint: use np.exp" in str(feedback)
    assert check_function("E", np.exp, np.exp, [(np.zeros(3),), (np.ones(2),)])
    assert not check_function("E", "not a function", np.exp, [(np.zeros(3),)])
