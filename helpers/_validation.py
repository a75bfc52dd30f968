"""Input checks shared by :mod:`helpers.info` and :mod:`helpers.losses`.

Every check raises ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind, wrong
value), and its message names the argument, says what was expected and what was received.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "as_numeric_array",
    "check_axis",
    "check_finite",
    "check_real_scalar",
    "describe_shape",
]


def describe_shape(shape: tuple[int, ...]) -> str:
    """``(2, 3)`` for a shape, ``()`` for a scalar: the way the messages print shapes."""
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(s) for s in shape) + ")"


def as_numeric_array(value: Any, name: str) -> np.ndarray:
    """``value`` as an ndarray of real numbers (bool, integer or floating dtype), unchanged dtype.

    Raises ``TypeError`` for strings, ``None``, objects and complex numbers, and ``ValueError``
    for ragged nested sequences. A PyTorch tensor on the CPU converts without copying.
    """
    if isinstance(value, str | bytes):
        raise TypeError(f"{name} must be a number or an array of numbers, got a string: {value!r}")
    if value is None:
        raise TypeError(f"{name} must be a number or an array of numbers, got None")
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:  # ragged nested lists, unconvertible objects
        raise ValueError(
            f"{name} must be a rectangular array of numbers (all rows the same length); "
            f"NumPy could not convert it: {error}"
        ) from None
    kind = array.dtype.kind
    if kind == "c":
        raise TypeError(f"{name} must hold real numbers, got complex dtype {array.dtype}")
    if kind not in "biuf":
        raise TypeError(
            f"{name} must be a number or an array of numbers, got {type(value).__name__} "
            f"with dtype {array.dtype}"
        )
    return array


def check_axis(axis: Any, ndim: int, name: str = "axis") -> int:
    """``axis`` normalised to ``0 … ndim-1``; ``ValueError`` naming the valid range otherwise."""
    if isinstance(axis, bool) or not isinstance(axis, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {type(axis).__name__}: {axis!r}")
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"{name}={axis} is out of range for an input with {ndim} dimension"
            f"{'s' if ndim != 1 else ''}: expected an integer in [{-ndim}, {ndim - 1}]"
        )
    return axis % ndim


def check_real_scalar(value: Any, name: str) -> float:
    """``value`` as a Python float; ``TypeError`` unless it is a real number."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
            return float(value)
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}: {value!r}")
    return float(value)


def check_finite(array: np.ndarray, name: str, what: str = "numbers") -> None:
    """``ValueError`` saying where, if ``array`` holds NaN or ±inf."""
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0]
        where = f" at index {tuple(int(i) for i in bad)}" if array.ndim else ""
        value = array[tuple(bad)] if array.ndim else array[()]
        raise ValueError(f"{name} must hold finite {what}, got {value}{where}")
