"""Exercise checks: the learner writes a number or a function, a ``check_…`` call answers.

A check never raises. Whatever the learner passes (``None``, a string, an array of the wrong
shape, a function that raises), the answer is a :class:`Feedback` that says *correct*, or
what is wrong and a hint. Feedback prints as one or two plain lines, so the stored notebook
outputs are short and stable.

The generic checks are :func:`check_number`, :func:`check_array` and :func:`check_function`;
each lesson's exercises are thin ``check_…`` functions built on them, in its module of
:mod:`helpers.lessons`, and their reference answers are computed, never typed in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Feedback:
    """The answer of a check: ``correct`` and one message (and a hint when not correct)."""

    exercise: str
    correct: bool
    message: str
    hint: str = ""

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        if self.correct:
            return f"✓ {self.exercise}: correct. {self.message}".rstrip()
        text = f"✗ {self.exercise}: not yet. {self.message}"
        if self.hint:
            text += f"\n  Hint: {self.hint}"
        return text

    def __repr__(self) -> str:
        return str(self)


def describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if hasattr(value, "shape") and hasattr(value, "dtype"):  # a torch tensor
        return f"a {type(value).__name__} of shape {tuple(value.shape)} and dtype {value.dtype}"
    return f"{type(value).__name__} {value!r}"[:120]


def as_float_array(value: Any) -> np.ndarray | None:
    """The learner's value as a float64 array, or None if it is not numeric."""
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    if isinstance(value, (str, bytes)) or value is None:
        return None
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return array


def check_number(
    exercise: str,
    answer: Any,
    expected: float,
    *,
    rtol: float = 1e-3,
    atol: float = 1e-4,
    hint: str = "",
) -> Feedback:
    """Compare a numeric answer with ``expected``: correct when ``|a - e| <= atol + rtol·|e|``.

    The default tolerance accepts an answer rounded to four significant digits, as the source
    documents print them.
    """
    array = as_float_array(answer)
    if array is None or array.size != 1:
        return Feedback(
            exercise, False, f"Expected one number, got {describe(answer)}.", hint
        )
    value = float(array.reshape(()))
    if math.isnan(value):
        return Feedback(exercise, False, "Your answer is nan.", hint)
    if math.isinf(expected) or math.isinf(value):
        if value == expected:
            return Feedback(exercise, True, f"{value}")
        return Feedback(exercise, False, f"You gave {value:.6g}; that is not it.", hint)
    if abs(value - expected) <= atol + rtol * abs(expected):
        return Feedback(exercise, True, f"{value:.6g}")
    return Feedback(
        exercise,
        False,
        f"You gave {value:.6g}; that is off by {value - expected:+.3g}.",
        hint,
    )


def check_array(
    exercise: str,
    answer: Any,
    expected: np.ndarray,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    hint: str = "",
) -> Feedback:
    """Compare an array answer (NumPy, torch or nested lists) with ``expected``, shape first."""
    expected = np.asarray(expected, dtype=np.float64)
    array = as_float_array(answer)
    if array is None:
        wanted = f"Expected an array of shape {expected.shape}, got {describe(answer)}."
        return Feedback(exercise, False, wanted, hint)
    if array.shape != expected.shape:
        return Feedback(
            exercise,
            False,
            f"Expected shape {expected.shape}, got shape {array.shape}.",
            hint,
        )
    if np.any(np.isnan(array) & ~np.isnan(expected)):
        return Feedback(exercise, False, "Your array has nan where a number is expected.", hint)
    close = np.isclose(array, expected, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return Feedback(exercise, True, "")
    first = tuple(int(i) for i in np.argwhere(~close)[0])
    return Feedback(
        exercise,
        False,
        f"{int((~close).sum())} of {close.size} entries differ; first at index {first}: "
        f"you have {array[first]:.6g}, expected {expected[first]:.6g}.",
        hint,
    )


def check_function(
    exercise: str,
    function: Any,
    reference: Callable[..., Any],
    cases: Iterable[Sequence[Any]],
    *,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    hint: str = "",
) -> Feedback:
    """Call the learner's ``function`` and ``reference`` on each case (a tuple of arguments).

    Correct when every result matches in shape and value. The first case that fails is named;
    an exception inside the learner's function is reported, never raised.
    """
    if not callable(function):
        return Feedback(exercise, False, f"Expected a function, got {describe(function)}.", hint)
    cases = list(cases)
    for number, args in enumerate(cases, start=1):
        try:
            result = function(*args)
        except Exception as error:  # the learner's code may raise anything; report it
            return Feedback(
                exercise,
                False,
                f"Case {number} raised {type(error).__name__}: {error}",
                hint,
            )
        outcome = check_array(
            exercise, result, np.asarray(reference(*args), dtype=np.float64), rtol=rtol, atol=atol
        )
        if not outcome.correct:
            return Feedback(
                exercise,
                False,
                f"Case {number} of {len(cases)}: {outcome.message}",
                hint,
            )
    return Feedback(exercise, True, f"All {len(cases)} cases agree with the reference.")
