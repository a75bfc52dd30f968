"""Exercise checks: the learner writes a number or a function, a ``check_…`` call answers.

A check never raises. Whatever the learner passes (``None``, a string, ``10**400``, a ragged
list, a complex number, an object whose conversion raises, a function that raises, hangs or
writes into its arguments), the answer is a :class:`Feedback` that says *correct*, or what was
received and a hint. Feedback prints as one or two plain lines, so the stored notebook outputs
are short and stable. Only ``KeyboardInterrupt`` and ``SystemExit`` still stop the cell.

The generic checks are :func:`check_number`, :func:`check_array` and :func:`check_function`;
each lesson's exercises are thin ``check_…`` functions built on them, in its module of
:mod:`helpers.lessons`, and their reference answers are computed, never typed in. Known wrong
answers go in a table of ``mistakes``, compared with the same tolerance as the right one.
"""

from __future__ import annotations

import contextvars
import copy
import linecache
import math
import numbers
import re
import reprlib
import sysconfig
import threading
import traceback
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: Seconds a learner's function may take for one case; tests lower it.
TIME_LIMIT = 5.0

#: Known wrong answers and what to say about them: ``{wrong: message}``, or pairs
#: ``(wrong, message)`` or triples ``(wrong, message, hint)``; without a hint the check's own
#: hint is given. ``{value}`` in a message is replaced by the learner's answer (a float for one
#: number: ``"{value:.4g} is the probability"``). For :func:`check_function`, ``wrong`` is a
#: function of the case's arguments: the learner's result is compared with its result.
Mistakes = Mapping[Any, str] | Iterable[Sequence[Any]]


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


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 100
_REPR.maxlong = 60
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach")


def describe(value: Any) -> str:
    """What the learner passed, in a few words: never raises, never a memory address."""
    try:
        if isinstance(value, np.ndarray):
            return f"an array of shape {value.shape} and dtype {value.dtype}"
        if _is_tensor(value):
            return f"a {type(value).__name__} of shape {tuple(value.shape)} and dtype {value.dtype}"
        if isinstance(value, int) and not isinstance(value, bool) and as_float_array(value) is None:
            sign = "a negative" if value < 0 else "an"
            return f"{sign} int of {_digits(value)} digits, beyond the range of a float (±1.8e308)"
        if callable(value) and hasattr(value, "__name__") and not isinstance(value, type):
            return f"function {value.__name__}"
        text = f"{type(value).__name__} {_ADDRESS.sub('', _REPR.repr(value))}"
        text = text if len(text) <= 120 else text[:119] + "…"
        if isinstance(value, str) and _is_a_number(value):
            text += " (text: write the number without quotes)"
        return text
    except Exception:  # a learner's object may break anything; its type is still known
        return f"an object of type {type(value).__name__}"


def _digits(value: int) -> str:
    try:
        return str(len(str(abs(value))))
    except ValueError:  # beyond Python's limit for int-to-str (4300 digits)
        return f"about {int(math.log10(abs(value))) + 1}"


def _is_a_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def as_float_array(value: Any) -> np.ndarray | None:
    """The learner's value as a float64 array, or None if it is not real numbers: ``None``,
    strings, bools, complex numbers, ragged lists, ints beyond a float's range, objects whose
    ``__array__`` or ``__float__`` raises. Torch tensors are detached (gradients or not)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _float_array(value)
    except Exception:  # whatever the conversion raises, the value is not a number
        return None


def _float_array(value: Any) -> np.ndarray | None:
    if value is None or isinstance(value, (str, bytes, bool, np.bool_)):
        return None
    if isinstance(value, numbers.Real):  # ints of any size, Fractions, NumPy scalars
        return np.asarray(float(value))  # OverflowError beyond ±1.8e308
    if _is_tensor(value):
        value = value.detach().cpu()
        if value.is_complex() or str(value.dtype) == "torch.bool":
            return None
        value = value.double().numpy()
    if isinstance(value, (list, tuple)):
        try:
            array = np.asarray(value)
        except Exception:  # ragged, or elements NumPy cannot take (tensors with grad)
            array = np.empty(0, dtype=object)
        if array.dtype.kind == "O":  # one by one, each as above
            return _stack([_float_array(part) for part in value])
    elif hasattr(type(value), "__float__") and not hasattr(value, "__array__"):
        return np.asarray(float(value))  # Decimal, or a learner's class
    else:
        array = np.asarray(value)
    return array.astype(np.float64, copy=False) if array.dtype.kind in "iuf" else None


def _stack(parts: list[np.ndarray | None]) -> np.ndarray | None:
    if not parts or any(part is None for part in parts) or len({p.shape for p in parts}) != 1:
        return None
    return np.stack(parts)


def _entries(mistakes: Mistakes) -> list[tuple[Any, str, str]]:
    """The table as triples ``(wrong, message, hint)``; hint ``""`` where none is given."""
    pairs = mistakes.items() if isinstance(mistakes, Mapping) else mistakes
    return [(entry[0], entry[1], entry[2] if len(entry) > 2 else "") for entry in pairs]


def _known_mistake(
    exercise: str, array: np.ndarray | None, table: list[tuple[Any, str, str]],
    rtol: float, atol: float, hint: str,
) -> Feedback | None:
    """The feedback of the first wrong answer in ``table`` that ``array`` is close to."""
    if array is None:
        return None
    for wrong, message, own_hint in table:
        target = as_float_array(wrong)
        if target is not None and target.shape == array.shape and np.all(
            np.isclose(array, target, rtol=rtol, atol=atol)
        ):
            value = float(array) if array.ndim == 0 else array
            return Feedback(exercise, False, message.format(value=value), own_hint or hint)
    return None


def check_number(
    exercise: str,
    answer: Any,
    expected: float,
    *,
    rtol: float = 1e-3,
    atol: float = 1e-4,
    hint: str = "",
    mistakes: Mistakes = (),
) -> Feedback:
    """Compare a numeric answer with ``expected``: correct when ``|a - e| <= atol + rtol·|e|``;
    a wrong answer within the same tolerance of one in ``mistakes`` gets that entry's message.

    The default tolerance accepts an answer rounded to four significant digits, as the source
    documents print them.
    """
    array = as_float_array(answer)
    if array is None or array.size != 1:
        return Feedback(exercise, False, f"Expected one number, got {describe(answer)}.", hint)
    array = array.reshape(())
    value = float(array)
    if math.isnan(value):
        return Feedback(exercise, False, "Your answer is nan.", hint)
    if np.isclose(value, expected, rtol=rtol, atol=atol):
        return Feedback(exercise, True, f"{value:.6g}")
    known = _known_mistake(exercise, array, _entries(mistakes), rtol, atol, hint)
    if known is not None:
        return known
    if math.isinf(expected) or math.isinf(value):
        return Feedback(exercise, False, f"You gave {value:.6g}; that is not it.", hint)
    return Feedback(
        exercise, False, f"You gave {value:.6g}; that is off by {value - expected:+.3g}.", hint
    )


def _array_problem(array: np.ndarray | None, answer: Any, expected: np.ndarray,
                   rtol: float, atol: float) -> str | None:
    """What is wrong with ``array`` (the learner's ``answer`` converted), or None if nothing."""
    if array is None:
        return f"Expected an array of shape {expected.shape}, got {describe(answer)}."
    if array.shape != expected.shape:
        return f"Expected shape {expected.shape}, got shape {array.shape}."
    if np.any(np.isnan(array) & ~np.isnan(expected)):
        return "Your array has nan where a number is expected."
    close = np.isclose(array, expected, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    first = tuple(int(i) for i in np.argwhere(~close)[0])
    return (
        f"{int((~close).sum())} of {close.size} entries differ; first at index {first}: "
        f"you have {array[first]:.6g}, expected {expected[first]:.6g}."
    )


def check_array(
    exercise: str,
    answer: Any,
    expected: np.ndarray,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    hint: str = "",
    mistakes: Mistakes = (),
) -> Feedback:
    """Compare an array answer (NumPy, torch or nested lists) with ``expected``, shape first;
    a wrong answer close to an array in ``mistakes`` gets that entry's message."""
    expected = np.asarray(expected, dtype=np.float64)
    array = as_float_array(answer)
    problem = _array_problem(array, answer, expected, rtol, atol)
    if problem is None:
        return Feedback(exercise, True, "")
    known = _known_mistake(exercise, array, _entries(mistakes), rtol, atol, hint)
    return known if known is not None else Feedback(exercise, False, problem, hint)


_NOT_THE_LEARNERS = tuple(
    {str(Path(sysconfig.get_paths()[key]).resolve()) for key in ("stdlib", "platstdlib", "purelib")}
    | {str(Path(__file__).resolve().parent)}
)


def _where(error: BaseException, function: Callable[..., Any]) -> str:
    """`` (line 3 of your function: `return 1 / 0`)``: the last line of the traceback that is the
    learner's code; nothing where that line is a ``raise`` (its message speaks for itself)."""
    frames = [
        (frame.f_code, line) for frame, line in traceback.walk_tb(error.__traceback__)
        if not str(Path(frame.f_code.co_filename).resolve()).startswith(_NOT_THE_LEARNERS)
    ]
    if not frames:
        return ""
    code, line = frames[-1]
    source = linecache.getline(code.co_filename, line).strip()
    if re.match(r"raise\b", source):
        return ""
    owner = "your function" if code is getattr(function, "__code__", None) else code.co_name
    shown = f": `{source[:80]}`" if source else ""
    return f" (line {line - code.co_firstlineno + 1} of {owner}{shown})"


def _raised(error: Exception) -> str:
    try:
        return f"{type(error).__name__}: {str(error)[:300]}"
    except Exception:  # an exception whose __str__ raises
        return type(error).__name__


def call_learner(function: Callable[..., Any], args: Sequence[Any]) -> tuple[Any, str | None]:
    """``function(*args)`` on a deep copy of ``args``, in a daemon thread, for at most
    :data:`TIME_LIMIT` seconds: ``(result, None)``, or ``(None, what went wrong)``
    to follow "Case 2 ".

    An ``Exception`` is reported with the learner's line; ``KeyboardInterrupt`` and
    ``SystemExit`` are raised again here. A function that does not return is left running
    (a thread cannot be stopped), and the check goes on.
    """
    args = copy.deepcopy(tuple(args))
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = function(*args)
        except BaseException as error:  # handed to the calling thread, which decides
            outcome["error"] = error

    # The copied context carries np.errstate (a context variable) into the thread.
    thread = threading.Thread(target=contextvars.copy_context().run, args=(run,), daemon=True)
    thread.start()
    thread.join(TIME_LIMIT)
    if thread.is_alive():
        return None, f"ran out of time: your function did not return within {TIME_LIMIT:g} s."
    error = outcome.get("error")
    if error is None:
        return outcome.get("result"), None
    if not isinstance(error, Exception):
        raise error
    return None, f"raised {_raised(error)}{_where(error, function)}"


def check_function(
    exercise: str,
    function: Any,
    reference: Callable[..., Any],
    cases: Iterable[Sequence[Any]],
    *,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    hint: str = "",
    mistakes: Mistakes = (),
) -> Feedback:
    """Call the learner's ``function`` and ``reference`` on each case (a tuple of arguments),
    each on its own deep copy, under floating-point errors ignored (the feedback says nan).

    Correct when every result matches in shape and value. The first case that fails is named,
    or, when the result there matches that of a wrong function in ``mistakes``, its message.
    An exception inside the learner's function, or one that takes longer than
    :data:`TIME_LIMIT`, is reported, never raised (see :func:`call_learner`).
    """
    if not callable(function):
        return Feedback(exercise, False, f"Expected a function, got {describe(function)}.", hint)
    cases = list(cases)
    with np.errstate(all="ignore"):
        for number, args in enumerate(cases, start=1):
            result, failure = call_learner(function, args)
            if failure is not None:
                return Feedback(exercise, False, f"Case {number} {failure}", hint)
            expected = np.asarray(reference(*copy.deepcopy(args)), dtype=np.float64)
            array = as_float_array(result)
            problem = _array_problem(array, result, expected, rtol, atol)
            if problem is None:
                continue
            table = [(wrong(*copy.deepcopy(args)), message, own_hint)
                     for wrong, message, own_hint in _entries(mistakes)]
            known = _known_mistake(exercise, array, table, rtol, atol, hint)
            if known is not None:
                return known
            return Feedback(exercise, False, f"Case {number} of {len(cases)}: {problem}", hint)
    return Feedback(exercise, True, f"All {len(cases)} cases agree with the reference.")
