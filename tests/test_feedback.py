"""helpers/feedback.py: the generic checks answer with Feedback and never raise."""

from __future__ import annotations

import decimal
import fractions
import signal
import threading
import time

import numpy as np
import pytest
import torch

from helpers import feedback
from helpers.feedback import (
    Feedback,
    as_float_array,
    check_array,
    check_function,
    check_number,
    describe,
)


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
    assert feedback.message == "Case 1 raised NotImplementedError: write me"  # a raise: no line
    assert "Hint: use np.exp" in str(feedback)
    assert check_function("E", np.exp, np.exp, [(np.zeros(3),), (np.ones(2),)])
    assert not check_function("E", "not a function", np.exp, [(np.zeros(3),)])


# --- 1. every answer is converted defensively ------------------------------------------------


class ArrayRaises:
    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("no array here")

    def __repr__(self) -> str:
        return "ArrayRaises()"


class FloatRaises:
    def __float__(self) -> float:
        raise RuntimeError("no float here")

    def __repr__(self) -> str:
        return "FloatRaises()"


class ReprRaises:
    def __repr__(self) -> str:
        raise RuntimeError("no repr here")


@pytest.mark.parametrize(
    ("answer", "received"),
    [
        (10**400, "an int of 401 digits, beyond the range of a float (±1.8e308)"),
        (-(10**400), "a negative int of 401 digits, beyond the range of a float (±1.8e308)"),
        (ArrayRaises(), "ArrayRaises ArrayRaises()"),
        (FloatRaises(), "FloatRaises FloatRaises()"),
        (ReprRaises(), "ReprRaises <ReprRaises instance>"),
        ([[1, 2], [3]], "list [[1, 2], [3]]"),
        ([1.0, 10**400], f"list [1.0, {'1' + '0' * 27}...{'0' * 29}]"),
        ([0.5, None], "list [0.5, None]"),
        (complex(1, 2), "complex (1+2j)"),
        (np.complex64(1), "complex64 np.complex64(1+0j)"),
        (True, "bool True"),
        (np.True_, "bool np.True_"),
        ("0.5", "str '0.5' (text: write the number without quotes)"),
        ("abc", "str 'abc'"),
        (None, "NoneType None"),
        ([], "an array of shape (0,) and dtype float64"),
        (np.zeros((2, 2)), "an array of shape (2, 2) and dtype float64"),
        (np.array(["0.5"]), "an array of shape (1,) and dtype <U3"),
        (torch.tensor([1 + 2j]), "a Tensor of shape (1,) and dtype torch.complex64"),
        (lambda x: x, "function <lambda>"),
        (object(), "object <object object>"),  # no memory address
    ],
)
def test_a_value_that_is_not_one_number_is_named(answer, received) -> None:
    if isinstance(answer, list) and not answer:
        answer = np.array([])  # [] itself is described as a list
        received = "an array of shape (0,) and dtype float64"
    feedback = check_number("E", answer, 0.5, hint="h")
    assert not feedback and feedback.hint == "h"
    assert feedback.message == f"Expected one number, got {received}."
    assert check_array("E", answer, np.zeros(3)).message.startswith(
        (f"Expected an array of shape (3,), got {received}.", "Expected shape (3,), got shape (")
    )


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        (np.array(0.5), 0.5),  # 0-d array
        (np.array([0.5]), 0.5),
        (np.float32(0.5), 0.5),
        (torch.tensor(0.5, requires_grad=True), 0.5),
        (torch.tensor([0.5], dtype=torch.bfloat16), 0.5),
        (fractions.Fraction(1, 2), 0.5),
        (decimal.Decimal("0.5"), 0.5),
        (2**70, 2.0**70),  # beyond int64, within a float
    ],
)
def test_a_number_in_any_form_is_accepted(answer, value) -> None:
    assert check_number("E", answer, value)
    assert float(as_float_array(answer).reshape(())) == value


def test_arrays_from_tensors_with_grad_and_lists_of_them() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    assert check_array("E", x * 2, [2.0, 4.0])
    assert check_array("E", [x[0], x[1]], [1.0, 2.0])  # 0-d tensors requiring grad
    assert check_array("E", [[1, 2], [3, 4]], [[1, 2], [3, 4]])
    assert as_float_array(torch.tensor([True])) is None
    assert as_float_array([True, False]) is None


def test_inf_and_nan_answers() -> None:
    assert check_number("E", np.inf, 1.0).message == "You gave inf; that is not it."
    assert check_number("E", -np.inf, 1.0).message == "You gave -inf; that is not it."
    assert check_number("E", np.nan, 1.0).message == "Your answer is nan."
    assert not check_number("E", 1.0, np.inf)
    assert check_array("E", [1.0, np.nan], [1.0, 2.0]).message == (
        "Your array has nan where a number is expected."
    )
    assert "you have inf, expected 2" in check_array("E", [1.0, np.inf], [1.0, 2.0]).message


def test_a_huge_answer_is_never_materialized() -> None:
    huge = np.broadcast_to(0.5, (100_000, 100_000))  # 10^10 entries, 80 GB if copied
    assert check_number("E", huge, 0.5).message.startswith("Expected one number, got an array")
    assert check_array("E", huge, np.zeros(3)).message == (
        "Expected shape (3,), got shape (100000, 100000)."
    )


# --- 2. the learner's function and the reference get copies ---------------------------------


def test_a_function_that_writes_into_its_inputs_corrupts_nothing() -> None:
    p = np.array([0.25, 0.75])

    def reference(q):
        assert q.sum() == 1.0, "p must sum to 1"  # raises if the learner's edit reached it
        q[:] = 0.0  # the reference may write into its copy too
        return np.array(1.0)

    def learner(q):
        q[:] = -7.0
        return 1.0

    assert check_function("E", learner, reference, [(p,), (p,)])
    assert p.tolist() == [0.25, 0.75]


def test_a_learner_that_computes_then_overwrites_its_input_is_still_right() -> None:
    def exp_then_clear(x):
        y = np.exp(x)
        x[...] = 0.0
        return y

    assert check_function("E", exp_then_clear, np.exp, [(np.arange(3.0),)])


# --- 3. the time limit ----------------------------------------------------------------------


def test_a_function_that_does_not_return_is_left_behind(monkeypatch) -> None:
    monkeypatch.setattr(feedback, "TIME_LIMIT", 0.1)
    release = threading.Event()

    def sleeps(x):
        release.wait(10.0)
        return x

    start = time.perf_counter()
    result = check_function("E", sleeps, np.exp, [(np.zeros(2),)], hint="h")
    elapsed = time.perf_counter() - start
    release.set()
    assert not result and result.hint == "h"
    assert result.message == "Case 1 ran out of time: your function did not return within 0.1 s."
    assert elapsed < 1.0


def test_the_default_time_limit_is_five_seconds() -> None:
    assert feedback.TIME_LIMIT == 5.0
    assert f"within {feedback.TIME_LIMIT:g} s" == "within 5 s"


def test_floating_point_errors_in_the_learners_thread_are_feedback_not_warnings() -> None:
    def naive_softmax(x):  # overflows: nan, with a RuntimeWarning (an error under pytest)
        return np.exp(x) / np.exp(x).sum()

    def softmax(x):
        e = np.exp(x - x.max())
        return e / e.sum()

    result = check_function("E", naive_softmax, softmax, [(np.array([1000.0, 0.0]),)])
    assert result.message == "Case 1 of 1: Your array has nan where a number is expected."


# --- 4. an exception names the learner's line; KeyboardInterrupt still stops the cell --------


def helper_that_divides(total):
    return 1 / (total - total)


def test_an_exception_names_the_last_line_of_the_learners_code() -> None:
    def divides(x):
        total = float(x.sum())
        return 1 / (total - total)

    def calls_a_helper(x):
        return helper_that_divides(float(x.sum()))

    def indexes(x):
        return x[10]

    cases = [(np.ones(2),), (np.ones(3),)]
    assert check_function("E", divides, np.sum, cases).message == (
        "Case 1 raised ZeroDivisionError: float division by zero "
        "(line 3 of your function: `return 1 / (total - total)`)"
    )
    assert check_function("E", calls_a_helper, np.sum, cases).message == (
        "Case 1 raised ZeroDivisionError: float division by zero "
        "(line 2 of helper_that_divides: `return 1 / (total - total)`)"
    )
    assert check_function("E", indexes, np.sum, cases).message == (
        "Case 1 raised IndexError: index 10 is out of bounds for axis 0 with size 2 "
        "(line 2 of your function: `return x[10]`)"
    )
    assert check_function("E", lambda x: x["a"], np.sum, cases).message.startswith(
        "Case 1 raised IndexError: only integers, slices"
    )


def test_a_failure_in_a_later_case_is_named_by_its_number() -> None:
    def fails_on_three(x):
        if x.size == 3:
            raise ValueError("three")
        return x.sum()

    message = check_function("E", fails_on_three, np.sum, [(np.ones(2),), (np.ones(3),)]).message
    assert message == "Case 2 raised ValueError: three"


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit])
def test_keyboard_interrupt_and_system_exit_still_stop_the_cell(stop) -> None:
    def interrupted(x):
        raise stop

    with pytest.raises(stop):
        check_function("E", interrupted, np.exp, [(np.zeros(2),)])


def test_ctrl_c_while_waiting_for_the_learners_function_stops_the_cell() -> None:
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("SIGINT is not Python's KeyboardInterrupt here")
    release = threading.Event()

    def presses_ctrl_c(x):
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        release.wait(10.0)

    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        check_function("E", presses_ctrl_c, np.exp, [(np.zeros(2),)])
    release.set()
    assert time.perf_counter() - start < 2.0


# --- 5. the table of known mistakes ----------------------------------------------------------


def test_check_number_recognizes_known_mistakes_with_its_own_tolerance() -> None:
    table = {2.0: "That is twice the answer."}
    assert check_number("E", 2.0015, 1.0, mistakes=table, hint="h").message == (
        "That is twice the answer."
    )
    assert check_number("E", 2.0015, 1.0, mistakes=table, hint="h").hint == "h"
    far = check_number("E", 2.01, 1.0, mistakes=table)  # beyond 1e-4 + 1e-3·2
    assert far.message == "You gave 2.01; that is off by +1.01."
    tight = check_number("E", 2.0015, 1.0, rtol=1e-6, atol=1e-6, mistakes=table)
    assert tight.message.startswith("You gave 2.0015")
    pairs = [(2.0, "{value:.3f} is twice the answer.", "Halve it.")]
    feedback = check_number("E", 2.00001, 1.0, mistakes=pairs, hint="h")
    assert (feedback.message, feedback.hint) == ("2.000 is twice the answer.", "Halve it.")
    assert check_number("E", 1.0, 1.0, mistakes={1.0: "never said: right wins"})
    assert check_number("E", None, 1.0, mistakes=table).message.startswith("Expected one number")


def test_check_array_recognizes_known_mistakes_of_the_same_shape() -> None:
    expected = np.array([0.1, -0.1])
    table = [(2 * expected, "That is the sum.", "Divide by N."), (-expected, "Wrong sign.")]
    assert check_array("E", [0.2, -0.2], expected, mistakes=table).message == "That is the sum."
    assert check_array("E", [-0.1, 0.1], expected, mistakes=table, hint="h").hint == "h"
    assert check_array("E", [0.2], expected, mistakes=table).message.startswith("Expected shape")
    assert check_array("E", expected, expected, mistakes=table)


def test_check_function_recognizes_a_known_wrong_function_on_the_failing_case() -> None:
    def doubled(x):
        return 2 * np.exp(x)

    mistakes = [(doubled, "Twice exp.", "Do not double.")]
    result = check_function("E", lambda x: 2 * np.exp(x), np.exp, [(np.zeros(2),)],
                            mistakes=mistakes)
    assert (result.message, result.hint) == ("Twice exp.", "Do not double.")
    other = check_function("E", lambda x: 3 * np.exp(x), np.exp, [(np.zeros(2),)],
                           mistakes=mistakes)
    assert other.message.startswith("Case 1 of 1: 2 of 2 entries differ")


def test_describe_never_raises_and_never_shows_an_address() -> None:
    assert describe(ReprRaises()) == "ReprRaises <ReprRaises instance>"
    assert "0x" not in describe(object()) and "0x" not in describe(check_number)
    assert len(describe("x" * 10_000)) <= 120
