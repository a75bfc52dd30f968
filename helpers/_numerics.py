"""What :mod:`helpers.info`, :mod:`helpers.losses` and :mod:`helpers.binary` share besides their
checks: quiet floating point, the reductions of a loss, and how a result is returned."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Literal, ParamSpec, TypeVar

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

__all__ = ["FloatArray", "Reduction", "quiet", "reduce", "scalar_or_array"]

Reduction = Literal["none", "mean", "sum"]
FloatArray = npt.NDArray[np.floating]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def quiet(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``function`` without NumPy's floating-point warnings.

    NaN and ±inf propagate on purpose (as in PyTorch, which never warns): ``0/0`` for a mean
    over no targets, ``inf − inf`` for a row with ``+inf`` logits, ``0 · inf`` and so on.
    """

    @functools.wraps(function)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return function(*args, **kwargs)

    return wrapper


def scalar_or_array(
    result: ArrayLike, keep_0d: bool = False, python_float: bool = False
) -> np.ndarray | np.generic | float:
    """A result as the helpers return it: a scalar for one value, else the array.

    A 0-d result becomes a NumPy scalar (a Python float with ``python_float``, as
    :mod:`helpers.info` returns), unless ``keep_0d``: a loss with ``reduction="none"`` is an
    array, 0-d for one unbatched sample.
    """
    array = np.asarray(result)
    if array.ndim or keep_0d:
        return array
    return float(array) if python_float else array[()]


def reduce(
    losses: np.ndarray, reduction: str, denominator: np.ndarray
) -> np.ndarray | np.floating:
    """A loss reduced as PyTorch reduces it, in the losses' dtype.

    ``"none"``: the losses themselves (an array); ``"sum"``: their total; ``"mean"``: the total
    divided by ``denominator`` (the total weight of the counted targets, or the number of
    positions or elements; ``0/0 = nan`` when there are none). Totals are NumPy scalars.
    """
    if reduction == "none":
        return np.asarray(losses)
    # Adding 0.0 turns a -0.0 total into 0.0, as PyTorch's accumulator does.
    total = np.sum(losses, dtype=losses.dtype) + 0.0
    if reduction == "mean":
        total = total / denominator
    return scalar_or_array(np.asarray(total, dtype=losses.dtype))
