"""Information theory on explicit, finite probability distributions (NumPy only).

All functions take a ``base`` for the logarithm: a number greater than 1, or a unit name.
The unit of the result follows from the base:

=========  ======  =================================
unit       base    also accepted
=========  ======  =================================
``nats``   e       ``"nat"`` (the default, ``math.e``)
``bits``   2       ``"bit"``
``bans``   10      ``"ban"`` (also called hartleys)
=========  ======  =================================

A distribution is an array whose **last axis** holds the probabilities ``p_0 … p_{C-1}``: each in
[0, 1], summing to 1. Leading axes are a batch: ``entropy`` of a ``(N, C)`` array is ``N``
entropies. Results are Python floats for a single distribution (or a scalar probability) and
float64 ndarrays for batches.

Conventions (the limits of the formulas, as in Cover & Thomas):
``0 · log 0 = 0``, ``0 · log(0/q) = 0``, ``p · log(p/0) = +inf`` for ``p > 0``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from helpers._numerics import scalar_or_array
from helpers._validation import (
    as_numeric_array,
    check_finite,
    check_real_scalar,
    describe_shape,
    sums_off_one,
)

__all__ = [
    "UNITS",
    "binary_entropy",
    "cross_entropy",
    "entropy",
    "information",
    "kl_divergence",
    "log_base",
    "unit_name",
]

#: The unit names ``base`` accepts, and the base of the logarithm each stands for.
UNITS: dict[str, float] = {"nats": math.e, "bits": 2.0, "bans": 10.0}

_SINGULAR = {"nat": "nats", "bit": "bits", "ban": "bans"}


def log_base(base: float | str = math.e) -> float:
    """The base of the logarithm as a float greater than 1, from a number or a unit name.

    ``log_base("bits") == 2.0``, ``log_base("nats") == math.e``, ``log_base(10) == 10.0``.
    Raises ``ValueError`` for an unknown unit name (listing the known ones) or a base that is
    not a finite number greater than 1 (0 < b < 1 is a valid logarithm but would make every
    entropy negative, so it is refused too), ``TypeError`` for anything else.
    """
    if isinstance(base, str):
        key = base.strip().lower()
        key = _SINGULAR.get(key, key)
        if key not in UNITS:
            known = ", ".join(f"{name!r}" for name in UNITS)
            raise ValueError(
                f"base={base!r} is not a known unit: expected one of {known} "
                "(or their singular forms), or a number greater than 1"
            )
        return UNITS[key]
    value = check_real_scalar(base, "base")
    if not (math.isfinite(value) and value > 1):
        why = " (a base between 0 and 1 would make every entropy negative)" if 0 < value < 1 else ""
        raise ValueError(
            f"base must be a finite number greater than 1, or a unit name ('nats', 'bits', "
            f"'bans'), got {base!r}{why}"
        )
    return value


def unit_name(base: float | str) -> str:
    """The unit of a base: ``"bits"`` (2), ``"nats"`` (e), ``"bans"`` (10), else "log base b"."""
    value = log_base(base)
    for name, unit_base in UNITS.items():
        if value == unit_base:
            return name
    return f"log base {value:g}"


def _ln_base(base: float | str) -> float:
    """``ln b``: dividing a natural log by it gives the log in base ``b``."""
    value = log_base(base)
    return 1.0 if value == math.e else math.log(value)


def _finish(result: np.ndarray) -> float | np.ndarray:
    """A float for a 0-d result, else the array; turns ``-0.0`` into ``0.0``."""
    return scalar_or_array(result + 0.0, python_float=True)


def _probabilities(p: ArrayLike, name: str) -> np.ndarray:
    """``p`` as float64, each entry a finite number in [0, 1]."""
    return _probabilities_and_dtype(p, name)[0]


def _probabilities_and_dtype(p: ArrayLike, name: str) -> tuple[np.ndarray, np.dtype]:
    """``p`` as float64 with entries in [0, 1], and the dtype it came with."""
    original = as_numeric_array(p, name)
    array = original.astype(np.float64, copy=False)
    check_finite(array, name, "probabilities in [0, 1]")
    if array.size:
        low, high = array.min(), array.max()
        if low < 0:
            raise ValueError(
                f"{name} must hold probabilities in [0, 1], got a negative entry {low:g}"
            )
        if high > 1:
            raise ValueError(f"{name} must hold probabilities in [0, 1], got an entry {high:g} > 1")
    return array, original.dtype


def _distribution(p: ArrayLike, name: str) -> np.ndarray:
    """``p`` as a float64 array whose last axis is a probability distribution."""
    array, dtype = _probabilities_and_dtype(p, name)
    if array.ndim == 0:
        raise ValueError(
            f"{name} must be a probability distribution (an array of probabilities summing to "
            f"1 along its last axis), got a scalar {float(array)}"
        )
    if array.shape[-1] == 0:
        raise ValueError(
            f"{name} must be a non-empty probability distribution, got shape "
            f"{describe_shape(array.shape)} (no outcomes along the last axis)"
        )
    sums, bad = sums_off_one(array, dtype)
    if np.any(bad):
        if sums.ndim == 0:
            where = ""
            actual = float(sums)
        else:
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            where = f" (first at batch index {index})"
            actual = float(sums[index])
        raise ValueError(
            f"{name} must sum to 1 along its last axis (a probability distribution), but it "
            f"sums to {actual:.10g}{where}"
        )
    return array


def _pair(p: ArrayLike, q: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    p_array = _distribution(p, "p")
    q_array = _distribution(q, "q")
    if p_array.shape != q_array.shape:
        raise ValueError(
            "p and q must have the same shape (the same outcomes, in the same order), got "
            f"p of shape {describe_shape(p_array.shape)} and q of shape "
            f"{describe_shape(q_array.shape)}"
        )
    return p_array, q_array


def information(p: ArrayLike, base: float | str = math.e) -> float | np.ndarray:
    r"""Self-information (surprisal) of outcomes with probability ``p``, elementwise.

    .. math:: I(p) = -\log_b p

    In nats for ``base=e`` (the default), bits for ``base=2`` / ``"bits"``, bans for ``10``.
    ``I(1) = 0`` (a certain event tells nothing), ``I(0) = +inf``.

    ``p`` is a probability or an array of them, each in [0, 1] (they need not sum to 1).
    Returns a float for a scalar ``p``, else an ndarray of the same shape.
    """
    array = _probabilities(p, "p")
    with np.errstate(divide="ignore"):
        result = -np.log(array) / _ln_base(base)
    return _finish(result)


def entropy(p: ArrayLike, base: float | str = math.e) -> float | np.ndarray:
    r"""Shannon entropy of the distribution(s) ``p`` over the last axis.

    .. math:: H(p) = -\sum_{c=0}^{C-1} p_c \log_b p_c, \qquad 0 \log 0 = 0

    The expected information :math:`E_p[I(p_c)]`; ``0 ≤ H(p) ≤ log_b C``, with ``H = log_b C``
    exactly for the uniform distribution. Units: nats (base e, default), bits (2), bans (10).

    Returns a float for a single distribution (1-D ``p``), an ndarray of shape ``p.shape[:-1]``
    for a batch.
    """
    array = _distribution(p, "p")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(array > 0, array * np.log(np.where(array > 0, array, 1.0)), 0.0)
    return _finish(-terms.sum(axis=-1) / _ln_base(base))


def cross_entropy(p: ArrayLike, q: ArrayLike, base: float | str = math.e) -> float | np.ndarray:
    r"""Cross-entropy of ``q`` relative to ``p`` (true ``p``, predicted ``q``), last axis.

    .. math:: H(p, q) = -\sum_{c=0}^{C-1} p_c \log_b q_c

    with ``0 · log q_c = 0`` (even for ``q_c = 0``) and ``H = +inf`` when some ``q_c = 0`` while
    ``p_c > 0``. ``H(p, q) = H(p) + KL(p‖q) ≥ H(p)``. Units: nats (default), bits, bans.

    For a one-hot ``p`` (the true class ``y``), ``H(p, q) = -log q_y``: the cross-entropy loss.
    Returns a float for 1-D inputs, an ndarray of shape ``p.shape[:-1]`` for batches.
    """
    p_array, q_array = _pair(p, q)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p_array > 0, p_array * np.log(q_array), 0.0)
    return _finish(-terms.sum(axis=-1) / _ln_base(base))


def kl_divergence(p: ArrayLike, q: ArrayLike, base: float | str = math.e) -> float | np.ndarray:
    r"""Kullback–Leibler divergence of ``q`` from ``p``, over the last axis.

    .. math:: KL(p \| q) = \sum_{c=0}^{C-1} p_c \log_b \frac{p_c}{q_c}

    with ``0 · log(0/q) = 0`` and ``+inf`` when some ``q_c = 0 < p_c``. Always ``≥ 0``, ``= 0``
    iff ``p = q``; not symmetric. ``KL(p‖q) = H(p, q) − H(p)``. Units: nats (default), bits,
    bans. Returns a float for 1-D inputs, an ndarray of shape ``p.shape[:-1]`` for batches.
    """
    p_array, q_array = _pair(p, q)
    positive = p_array > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        # log p − log q rather than log(p/q): p/q overflows for a subnormal q.
        log_ratio = np.log(np.where(positive, p_array, 1.0)) - np.log(q_array)
        terms = np.where(positive, p_array * log_ratio, 0.0)
    # Rounding can make a sum of terms that cancel exactly slightly negative; KL is >= 0.
    return _finish(np.maximum(terms.sum(axis=-1), 0.0) / _ln_base(base))


def binary_entropy(p: ArrayLike, base: float | str = math.e) -> float | np.ndarray:
    r"""Entropy of a coin that lands heads with probability ``p``, elementwise.

    .. math:: H_b(p) = -p \log_b p - (1 - p) \log_b (1 - p), \qquad H_b(0) = H_b(1) = 0

    The entropy of the distribution ``(p, 1 − p)``; maximal at ``p = 1/2``: 1 bit = ln 2 nats.
    Units: nats (default), bits, bans. Returns a float for scalar ``p``, else an ndarray.
    """
    array = _probabilities(p, "p")
    both = np.stack([array, 1.0 - array], axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(both > 0, both * np.log(np.where(both > 0, both, 1.0)), 0.0)
    return _finish(-terms.sum(axis=-1) / _ln_base(base))
