"""Input checks shared by :mod:`helpers.info`, ``losses``, ``binary``, ``calibration``, ``scale``.

Every check raises ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind, wrong
value), and its message names the argument, says what was expected and what was received.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "KL_REDUCTIONS",
    "REDUCTIONS",
    "SUM_TOLERANCE",
    "as_numeric_array",
    "check_axis",
    "check_finite",
    "check_integer",
    "check_label_smoothing",
    "check_real_scalar",
    "check_reduction",
    "class_indices",
    "common_float_dtype",
    "describe_shape",
    "floating_array_any_shape",
    "floating_array_with_class_axis",
    "one_hot_arguments",
    "softmax_arguments",
    "sums_off_one",
]

#: The values ``reduction`` accepts, as in PyTorch.
REDUCTIONS: tuple[str, ...] = ("none", "mean", "sum")

#: The values ``reduction`` accepts in ``kl_div``, as in PyTorch: also ``"batchmean"``.
KL_REDUCTIONS: tuple[str, ...] = ("none", "batchmean", "sum", "mean")

#: How far a distribution may sum from 1: ``|Σ_k p_k − 1| ≤ 1e-6`` for float64 input; input of
#: a lower precision gets ``4·C·eps`` of its dtype if that is more (a float32 softmax row of
#: ``C`` probabilities is off by up to about ``C·eps``).
SUM_TOLERANCE = 1e-6


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


def check_integer(
    value: Any, name: str, expected: str = "an integer", show_type: bool = True
) -> int:
    """``value`` as an int; ``TypeError`` unless it is an integer (``True`` is not one here).

    The message reads ``"{name} must be {expected}, got {type}: {value!r}"`` (without the type
    when ``show_type`` is false).
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        got = f"{type(value).__name__}: {value!r}" if show_type else repr(value)
        raise TypeError(f"{name} must be {expected}, got {got}")
    return int(value)


def check_integer_at_least(value: Any, name: str, minimum: int) -> int:
    """``value`` as an int ``>= minimum``: ``TypeError`` for a non-integer (as
    :func:`check_integer`), ``ValueError`` ``"{name} must be at least {minimum}, got {value}"``
    below."""
    value = check_integer(value, name)
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def check_axis(axis: Any, ndim: int, name: str = "axis") -> int:
    """``axis`` normalised to ``0 … ndim-1``; ``ValueError`` naming the valid range otherwise."""
    axis = check_integer(axis, name)
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


def sums_off_one(array: np.ndarray, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """The sums of the float64 ``array`` along its last axis, and where they miss 1 by more than
    :data:`SUM_TOLERANCE` allows for input that came in ``dtype``."""
    sums = array.sum(axis=-1)
    tolerance = SUM_TOLERANCE
    if dtype.kind == "f" and dtype.itemsize < 8:
        tolerance = max(SUM_TOLERANCE, 4 * array.shape[-1] * float(np.finfo(dtype).eps))
    return sums, np.abs(sums - 1.0) > tolerance


# --------------------------------------------------------------------------------------------
# floating input: elementwise (any shape) or along a class axis (at least one dimension)
# --------------------------------------------------------------------------------------------


def floating_array_any_shape(x: Any, name: str, what: str) -> np.ndarray:
    """``x`` as a floating ndarray of any shape, 0-d included (dtype kept): elementwise input."""
    array = as_numeric_array(x, name)
    if array.dtype.kind == "f":
        return array
    raise TypeError(
        f"{name} must be a floating-point array ({what}), got dtype {array.dtype}; "
        f"convert it first, e.g. np.asarray({name}, dtype=float) (PyTorch also refuses "
        "integer input here)"
    )


def floating_array_with_class_axis(x: Any, name: str, what: str) -> np.ndarray:
    """``x`` as a floating ndarray of at least one dimension, the class axis (dtype kept)."""
    array = floating_array_any_shape(x, name, what)
    if array.ndim == 0:
        raise ValueError(
            f"{name} must have at least one dimension (the class axis), got a 0-d scalar "
            f"{array[()]}"
        )
    return array


def common_float_dtype(a: np.ndarray, b: np.ndarray) -> np.dtype:
    """The dtype of an elementwise result of two floating arrays, by PyTorch's rule: a 0-d
    operand does not promote a dimensioned one of the same kind (float32 ``(N, C)`` with a
    float64 0-d array stays float32); otherwise the wider dtype wins."""
    if a.ndim == 0 and b.ndim:
        return b.dtype
    if b.ndim == 0 and a.ndim:
        return a.dtype
    return np.result_type(a.dtype, b.dtype)


def softmax_arguments(x: Any, axis: Any, promote_integers: bool) -> tuple[np.ndarray, int]:
    """``x`` (floating, at least 1-D) and ``axis`` normalised: the checks of ``softmax`` and
    ``log_softmax`` (integer ``x`` refused) and of ``logsumexp`` (promoted to float64)."""
    if not promote_integers:
        array = floating_array_with_class_axis(x, "x", "logits")
        return array, check_axis(axis, array.ndim)
    array = as_numeric_array(x, "x")
    if array.dtype.kind != "f":
        array = array.astype(np.float64)
    if array.ndim == 0:
        raise ValueError(f"x must have at least one dimension, got a 0-d scalar {array[()]}")
    return array, check_axis(axis, array.ndim)


# --------------------------------------------------------------------------------------------
# class indices, reductions, label smoothing
# --------------------------------------------------------------------------------------------


def class_indices(target: Any, name: str = "target") -> np.ndarray:
    """``target`` as int64 class indices; ``TypeError`` unless it holds integers."""
    array = as_numeric_array(target, name)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class indices, got dtype {array.dtype}")
    return array.astype(np.int64, copy=False)


def one_hot_arguments(target: Any, num_classes: Any) -> tuple[np.ndarray, int]:
    """The class indices and ``C`` of ``one_hot``: ``-1`` means ``max(target) + 1``, and every
    index must be in ``[0, C)``."""
    indices = class_indices(target)
    num_classes = check_integer(num_classes, "num_classes", show_type=False)
    if num_classes == -1:
        num_classes = int(indices.max()) + 1 if indices.size else 0
    if num_classes < 1 and indices.size:
        raise ValueError(f"num_classes must be a positive integer (or -1), got {num_classes}")
    if indices.size and (indices.min() < 0 or indices.max() >= num_classes):
        bad = indices[(indices < 0) | (indices >= num_classes)].flat[0]
        raise ValueError(
            f"target holds class index {bad}, but class indices must be in [0, num_classes) = "
            f"[0, {num_classes})"
        )
    return indices, num_classes


def check_reduction(reduction: Any, allowed: tuple[str, ...] = REDUCTIONS) -> str:
    """``reduction`` if it is one of ``allowed``; ``ValueError`` listing them otherwise."""
    if not isinstance(reduction, str) or reduction not in allowed:
        valid = ", ".join(repr(r) for r in allowed)
        raise ValueError(f"reduction must be one of {valid}, got {reduction!r}")
    return reduction


def check_label_smoothing(value: Any, name: str = "label_smoothing") -> float:
    """``value`` as a float in [0, 1] (PyTorch ignores a negative one; here it is an error)."""
    number = check_real_scalar(value, name)
    if not 0.0 <= number <= 1.0:  # also rejects NaN
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
    return number
