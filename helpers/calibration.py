r"""Calibration of a classifier's probabilities: reliability bins, expected calibration error, and
the Brier score.

A classifier predicts the class :math:`\hat y_n = \arg\max_k p_{n,k}` with **confidence**
:math:`c_n = \max_k p_{n,k}`. It is *calibrated* when, among all predictions made with
confidence about :math:`c`, a fraction :math:`c` is correct. Following Guo et al. (2017), *On
Calibration of Modern Neural Networks*, the confidences are sorted into :math:`M` equal-width
bins :math:`B_m = \big(\tfrac{m-1}{M}, \tfrac{m}{M}\big]` (the first bin also holds 0), and in
each bin the mean confidence is compared with the accuracy:

.. math:: \operatorname{conf}(B_m) = \frac{1}{|B_m|}\sum_{n \in B_m} c_n, \qquad
          \operatorname{acc}(B_m) = \frac{1}{|B_m|}\sum_{n \in B_m} [\hat y_n = y_n]

.. math:: \mathrm{ECE} = \sum_{m=1}^{M} \frac{|B_m|}{N}\,
          \big|\operatorname{acc}(B_m) - \operatorname{conf}(B_m)\big|

A reliability diagram plots :math:`\operatorname{acc}(B_m)` against the bins: bars below the
diagonal mean over-confidence, bars above it under-confidence. Müller, Kornblith & Hinton
(2019), *When does label smoothing help?*, report ECE with :math:`M = 15` bins, the default here.

The **Brier score** (Brier 1950) scores each prediction against its label, not a bin: the squared
distance between the predicted distribution :math:`q_n` and the one-hot label,
:math:`\mathrm{BS}_n = \sum_{c} (q_{n,c} - [c = y_n])^2`, from 0 (certain and right) to 2 (certain
and wrong). Its expected value under the true class distribution is smallest when the predicted
distribution is the true one (a *proper* scoring rule, like the log loss).

NumPy only. Bad input raises ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind,
wrong value) with a message that names the argument.
"""

from __future__ import annotations

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
    describe_shape,
    sums_off_one,
)

__all__ = ["ReliabilityBins", "brier_score", "expected_calibration_error", "reliability_bins"]


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
