r"""Calibration of a classifier's probabilities: reliability bins, expected calibration error, the
Brier score, and temperature scaling.

A classifier with predicted distribution :math:`q_n = \operatorname{softmax}(x_n)` predicts the
class :math:`\hat y_n = \arg\max_c q_{n,c}` with **confidence** :math:`\hat q_n = \max_c q_{n,c}`.
It is *calibrated* when, among all predictions made with confidence about :math:`r`, a fraction
:math:`r` is correct. Following Guo et al. (2017), *On Calibration of Modern Neural Networks*,
the confidences are sorted into :math:`M` equal-width bins
:math:`B_m = \big(\tfrac{m-1}{M}, \tfrac{m}{M}\big]` (the first bin also holds 0), and in each
bin the mean confidence is compared with the accuracy:

.. math:: \operatorname{conf}(B_m) = \frac{1}{|B_m|}\sum_{n \in B_m} \hat q_n, \qquad
          \operatorname{acc}(B_m) = \frac{1}{|B_m|}\sum_{n \in B_m} [\hat y_n = y_n]

.. math:: \mathrm{ECE} = \sum_{m=1}^{M} \frac{|B_m|}{N}\,
          \big|\operatorname{acc}(B_m) - \operatorname{conf}(B_m)\big|

A reliability diagram plots :math:`\operatorname{acc}(B_m)` against the bins: bars below the
diagonal mean over-confidence, bars above it under-confidence. Guo et al. compute the ECE with
:math:`M = 15` bins, the default here; Müller, Kornblith & Hinton (2019), *When does label smoothing
help?*, draw 15-bin reliability diagrams.

The **Brier score** (Brier 1950) scores each prediction against its label, not a bin: the squared
distance between the predicted distribution :math:`q_n` and the one-hot label,
:math:`\mathrm{BS}_n = \sum_{c} (q_{n,c} - [c = y_n])^2`, from 0 (certain and right) to 2 (certain
and wrong). Its expected value under the true class distribution is smallest when the predicted
distribution is the true one (a *proper* scoring rule, like the log loss).

**Temperature scaling** (Guo et al. 2017) replaces :math:`\operatorname{softmax}(x_n)` by
:math:`\operatorname{softmax}(x_n / \tau)` with one :math:`\tau > 0` for all samples, fitted on
held-out data by minimising the negative log-likelihood (:func:`fit_temperature`). Dividing by a
positive number keeps the order of the logits, so every prediction and the accuracy stay as they
were; only the confidences move (:math:`\tau > 1` softens, :math:`\tau < 1` sharpens).

NumPy only. Bad input raises ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind,
wrong value) with a message that names the argument.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from helpers._numerics import Reduction
from helpers._validation import (
    as_numeric_array,
    check_finite,
    check_integer,
    check_reduction,
    class_indices,
    describe_shape,
    floating_array_with_class_axis,
    sums_off_one,
)

__all__ = [
    "ReliabilityBins",
    "brier_score",
    "expected_calibration_error",
    "fit_temperature",
    "reliability_bins",
]


@dataclass(frozen=True)
class ReliabilityBins:
    r"""Per-bin statistics of a reliability diagram (``M`` bins, arrays of length ``M``).

    Attributes
    ----------
    edges:
        ``M + 1`` bin edges ``np.linspace(0, 1, M + 1)``; bin ``m`` is ``(edges[m], edges[m+1]]``.
    counts:
        :math:`|B_m|`, the number of predictions in each bin (int64).
    confidence:
        :math:`\operatorname{conf}(B_m)`, the mean confidence in each bin (NaN for an empty bin).
    accuracy:
        :math:`\operatorname{acc}(B_m)`, the fraction of correct predictions (NaN if empty).
    """

    edges: np.ndarray
    counts: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray

    @property
    def total(self) -> int:
        """:math:`N`, the number of predictions."""
        return int(self.counts.sum())

    @property
    def weights(self) -> np.ndarray:
        r""":math:`|B_m| / N`, the share of predictions in each bin."""
        return self.counts / self.total

    @property
    def gaps(self) -> np.ndarray:
        r""":math:`\operatorname{acc}(B_m) - \operatorname{conf}(B_m)`: negative where the
        model is over-confident (NaN for an empty bin)."""
        return self.accuracy - self.confidence


def _check_probs(probs: ArrayLike) -> np.ndarray:
    array = as_numeric_array(probs, "probs")
    dtype = array.dtype  # the sums' tolerance depends on it: float32 rows are off by more
    if dtype.kind == "b":
        raise TypeError("probs must hold probabilities (floating point), got dtype bool")
    if array.ndim != 2:
        raise ValueError(
            f"probs must be a 2-D array of shape (N, C): one row of class probabilities per "
            f"sample, got shape {describe_shape(array.shape)}"
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(
            f"probs must hold at least one sample and one class, got shape "
            f"{describe_shape(array.shape)}"
        )
    array = array.astype(np.float64)
    check_finite(array, "probs", "probabilities")
    if np.any(array < 0) or np.any(array > 1):
        bad = array[(array < 0) | (array > 1)][0]
        raise ValueError(
            f"probs must hold probabilities in [0, 1], got {bad:g}; logits must go through "
            "softmax first"
        )
    sums, off = sums_off_one(array, dtype)
    if np.any(off):
        row = int(np.argmax(off))
        raise ValueError(
            f"every row of probs must sum to 1 (a distribution over the C={array.shape[1]} "
            f"classes), but row {row} sums to {sums[row]:.6g}; pass softmax(logits, axis=1), "
            "not logits or unnormalized scores"
        )
    return array


def _check_labels(labels: ArrayLike, num_samples: int, num_classes: int) -> np.ndarray:
    array = as_numeric_array(labels, "labels")
    if array.dtype.kind not in "iu":
        raise TypeError(
            f"labels must hold integer class indices, got dtype {array.dtype}; convert with "
            "labels.astype(int) if the values are whole numbers"
        )
    if array.shape != (num_samples,):
        raise ValueError(
            f"labels must have shape ({num_samples},), one class index per row of probs, got "
            f"shape {describe_shape(array.shape)}"
        )
    if np.any(array < 0) or np.any(array >= num_classes):
        bad = int(array[(array < 0) | (array >= num_classes)][0])
        raise ValueError(
            f"labels must be class indices in [0, C) = [0, {num_classes}), got {bad}"
        )
    return array.astype(np.int64)


def _check_arguments(
    probs: ArrayLike, labels: ArrayLike, n_bins: Any
) -> tuple[np.ndarray, np.ndarray, int]:
    """``probs`` as float64, ``labels`` as int64, ``n_bins`` as an int, each checked."""
    p = _check_probs(probs)
    y = _check_labels(labels, p.shape[0], p.shape[1])
    n_bins = check_integer(n_bins, "n_bins", "a positive integer")
    if n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins}")
    return p, y, n_bins


def reliability_bins(probs: ArrayLike, labels: ArrayLike, n_bins: int = 15) -> ReliabilityBins:
    r"""Sort the predictions into ``n_bins`` equal-width confidence bins; per bin, count them
    and compute their mean confidence and their accuracy.

    ``probs``: shape ``(N, C)``, each row a probability distribution (entries in [0, 1], rows
    summing to 1 as :mod:`helpers.info` checks it: within 1e-6, or ``4·C·eps`` for float32).
    ``labels``: ``N`` integer class indices.
    The confidence of row ``n`` is :math:`c_n = \max_k p_{n,k}`, the prediction
    :math:`\hat y_n = \arg\max_k p_{n,k}` (the first maximum on ties, as ``np.argmax``), and
    :math:`c_n` falls into bin :math:`m` when ``edges[m] < c_n <= edges[m+1]``, with
    ``edges = np.linspace(0, 1, n_bins + 1)`` (:math:`c_n = 0` goes to the first bin).

    .. math:: \operatorname{conf}(B_m) = \frac{1}{|B_m|}\sum_{n \in B_m} c_n, \qquad
              \operatorname{acc}(B_m) = \frac{1}{|B_m|}\sum_{n \in B_m} [\hat y_n = y_n]
    """
    p, y, n_bins = _check_arguments(probs, labels, n_bins)
    confidence = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # Right-closed bins: the number of inner edges strictly below c is the bin index.
    index = np.searchsorted(edges[1:-1], confidence, side="left")
    counts = np.bincount(index, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(index, weights=confidence, minlength=n_bins) / counts
        accuracy = np.bincount(index, weights=correct, minlength=n_bins) / counts
    return ReliabilityBins(edges, counts.astype(np.int64), mean_confidence, accuracy)


def expected_calibration_error(probs: ArrayLike, labels: ArrayLike, n_bins: int = 15) -> float:
    r"""Expected calibration error with ``n_bins`` equal-width confidence bins (Guo et al. 2017).

    .. math:: \mathrm{ECE} = \sum_{m=1}^{M} \frac{|B_m|}{N}\,
              \big|\operatorname{acc}(B_m) - \operatorname{conf}(B_m)\big|

    Empty bins contribute nothing. 0 means every bin's accuracy equals its mean confidence; the
    largest possible value is just below 1. Same arguments and checks as
    :func:`reliability_bins`. Note that ECE is an *estimate*: on a finite sample even a
    perfectly calibrated model scores above 0, and the value depends on ``n_bins``.
    """
    bins = reliability_bins(probs, labels, n_bins)
    filled = bins.counts > 0
    return float(np.sum(bins.weights[filled] * np.abs(bins.gaps[filled])))


def brier_score(
    probs: ArrayLike, labels: ArrayLike, reduction: Reduction = "mean"
) -> float | np.ndarray:
    r"""Brier score of predicted distributions against class labels (Brier 1950).

    ``probs``: shape ``(N, C)``, row ``n`` the predicted distribution :math:`q_n` over the ``C``
    classes (the checks of :func:`reliability_bins`); ``labels``: ``N`` integer class indices
    ``y_n``. Per sample, the squared distance between the prediction and the one-hot label:

    .. math:: \mathrm{BS}_n = \sum_{c=0}^{C-1} \big(q_{n,c} - [c = y_n]\big)^2
              = (1 - q_{n,y_n})^2 + \sum_{c \ne y_n} q_{n,c}^2

    ``reduction``: ``"none"`` returns the ``N`` values (float64 array), ``"sum"`` their total,
    ``"mean"`` (default, Brier's own definition) their mean, as a float. Each value lies in
    ``[0, 2]``: 0 for a certain, right prediction, 2 for a certain, wrong one. The rule is
    strictly proper: if the label is drawn from a distribution ``p``, the expected score
    :math:`\sum_c (q_c - p_c)^2 + \sum_c p_c (1 - p_c)` is smallest at ``q = p`` alone.
    """
    q = _check_probs(probs)
    y = _check_labels(labels, q.shape[0], q.shape[1])
    reduction = check_reduction(reduction)
    one_hot = np.zeros_like(q)
    one_hot[np.arange(q.shape[0]), y] = 1.0
    scores = np.sum((q - one_hot) ** 2, axis=1)
    if reduction == "none":
        return scores
    return float(scores.sum() if reduction == "sum" else scores.mean())


# --------------------------------------------------------------------------------------------
# temperature scaling
# --------------------------------------------------------------------------------------------


def _logits_and_labels(logits: ArrayLike, labels: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """``logits`` as float64 rows ``(positions, C)`` (class axis 1, or 0 when 1-D, moved last)
    and ``labels`` as int64 ``(positions,)``, each checked."""
    x = floating_array_with_class_axis(logits, "logits", "logits")
    class_axis = 0 if x.ndim == 1 else 1
    num_classes = x.shape[class_axis]
    if x.size == 0:
        raise ValueError(
            f"logits must hold at least one sample and one class, got shape "
            f"{describe_shape(x.shape)}"
        )
    x = x.astype(np.float64)
    check_finite(x, "logits", "logits")
    y = class_indices(labels, "labels")
    expected = () if x.ndim == 1 else (x.shape[0], *x.shape[2:])
    if x.ndim == 1 and y.shape == (1,):
        y = y.reshape(())  # as F.cross_entropy, one unbatched sample may carry a (1,) label
    if y.shape != expected:
        raise ValueError(
            f"labels must have shape {describe_shape(expected)}, the shape of logits "
            f"{describe_shape(x.shape)} without its class axis (axis {class_axis}), got shape "
            f"{describe_shape(y.shape)}"
        )
    if np.any(y < 0) or np.any(y >= num_classes):
        bad = int(y[(y < 0) | (y >= num_classes)].flat[0])
        raise ValueError(
            f"labels must be class indices in [0, C) = [0, {num_classes}), got {bad}"
        )
    rows = np.moveaxis(x, class_axis, -1).reshape(-1, num_classes)
    return rows, y.reshape(-1)


def _nll_slope(shifted: np.ndarray, true_shifted: np.ndarray, beta: float) -> tuple[float, float]:
    r"""First and second derivative in :math:`\beta = 1/\tau` of the mean NLL of
    :math:`\operatorname{softmax}(\beta x)`, from logits shifted so that each row's largest is 0:
    the mean of :math:`E_q[x] - x_y` and of :math:`\operatorname{Var}_q[x]`."""
    weights = np.exp(beta * shifted)
    q = weights / weights.sum(axis=1, keepdims=True)
    expected = np.sum(q * shifted, axis=1)
    variance = np.sum(q * (shifted - expected[:, None]) ** 2, axis=1)
    return float(np.mean(expected - true_shifted)), float(np.mean(variance))


def fit_temperature(logits: ArrayLike, labels: ArrayLike) -> float:
    r"""The temperature :math:`\tau > 0` that minimises the mean negative log-likelihood of
    ``labels`` under :math:`\operatorname{softmax}(x / \tau)` (temperature scaling, Guo et al.
    2017):

    .. math:: \tau^* = \arg\min_{\tau > 0}\; \frac{1}{N}\sum_{n} \Big(
              \log \sum_c e^{x_{n,c}/\tau} - x_{n,y_n}/\tau \Big),

    the value of ``F.cross_entropy(logits / tau, labels)`` at its minimum over ``tau``.

    ``logits``: floating, shape ``(C,)``, ``(N, C)`` or ``(N, C, d1, …)``, classes along axis 1
    (axis 0 when 1-D), as ``F.cross_entropy`` takes them; every position is a sample.
    ``labels``: integer class indices in ``[0, C)``, of the logits' shape without the class
    axis (no ``ignore_index``: every label counts). Computed in float64 whatever the input's
    dtype.

    In :math:`\beta = 1/\tau` the mean NLL is convex, with derivative
    :math:`\frac1N\sum_n (E_{q_n}[x_n] - x_{n,y_n})`, :math:`q_n = \operatorname{softmax}(\beta
    x_n)`; the root of that derivative is found by Newton's method kept inside a bracket, to
    about machine precision. Where a minimiser exists it is unique, so ``c·logits``
    gives ``c·τ*`` for ``c > 0``; adding a constant to a sample's logits, reordering the samples,
    or permuting the classes together with the labels leaves ``τ*`` unchanged.

    Raises ``ValueError`` when no finite :math:`\tau > 0` minimises the NLL: when every sample's
    logits are all equal (the NLL does not depend on :math:`\tau`), when on average the labels'
    logits are no larger than the mean logit (the NLL falls all the way to :math:`\tau \to
    \infty`, uniform predictions), or when every label has the largest logit of its sample,
    ties included (the NLL falls all the way to :math:`\tau \to 0`).
    """
    rows, y = _logits_and_labels(logits, labels)
    top = rows.max(axis=1)
    shifted = rows - top[:, None]  # <= 0, with a 0 in every row: exp never overflows
    true_shifted = shifted[np.arange(len(y)), y]
    if np.all(shifted == 0):
        raise ValueError(
            "fit_temperature: every sample's logits are all equal, so the NLL does not depend on "
            "the temperature; there is nothing to fit"
        )
    slope, _ = _nll_slope(shifted, true_shifted, 0.0)
    if slope >= 0:
        raise ValueError(
            "fit_temperature: on average the labels' logits are no larger than the mean logit, so "
            "the NLL keeps falling as τ → ∞ (uniform predictions); no finite temperature "
            "minimises it"
        )
    if np.all(true_shifted == 0):
        raise ValueError(
            "fit_temperature: every label has the largest logit of its sample (ties included), "
            "so the NLL keeps falling as τ → 0; no temperature > 0 minimises it"
        )
    low, high = 0.0, 1.0  # a bracket in β = 1/τ: slope < 0 at low, > 0 at high
    while _nll_slope(shifted, true_shifted, high)[0] < 0:
        low, high = high, 2 * high  # the root exists (checked above): this ends
        if high > 1e300:  # pragma: no cover - a guard against an endless loop
            raise ValueError("fit_temperature: found no temperature where the NLL turns up")
    beta = high / 2 if low == 0 else math.sqrt(low * high)
    for _ in range(200):
        slope, curvature = _nll_slope(shifted, true_shifted, beta)
        if slope == 0:
            break
        low, high = (beta, high) if slope < 0 else (low, beta)
        step = slope / curvature if curvature > 0 else math.inf
        candidate = beta - step
        if not low < candidate < high:
            candidate = (low + high) / 2
        if abs(candidate - beta) <= 4 * np.finfo(np.float64).eps * beta:
            beta = candidate
            break
        beta = candidate
    return 1.0 / beta
