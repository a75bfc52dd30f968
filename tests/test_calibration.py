"""helpers.calibration: reliability bins, expected calibration error (ECE) and the Brier score.

Known values by hand, the bin edges (right-closed), agreement with a plain loop over the bins
on generated data, invariances, and a clear error for every kind of bad input.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given

from helpers import calibration, losses
from tests.strategies import calibration_cases, distributions

SIX_PROBS = np.array([
    [0.95, 0.03, 0.02],
    [0.90, 0.05, 0.05],
    [0.85, 0.10, 0.05],
    [0.65, 0.25, 0.10],
    [0.55, 0.30, 0.15],
    [0.45, 0.35, 0.20],
])
SIX_LABELS = np.array([0, 0, 1, 0, 2, 0])


def loop_ece(probs: np.ndarray, labels: np.ndarray, n_bins: int) -> float:
    """The textbook definition, one bin at a time (bins (m/M, (m+1)/M], 0 in the first)."""
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    total = 0.0
    for m in range(n_bins):
        low, high = edges[m], edges[m + 1]
        in_bin = (confidence > low) & (confidence <= high)
        if m == 0:
            in_bin |= confidence == 0
        if in_bin.any():
            total += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return total


def test_six_predictions_by_hand() -> None:
    # bins of width 0.2: (0.8, 1] rows 0-2, conf 0.9, acc 2/3; (0.6, 0.8] row 3, conf 0.65, acc 1;
    # (0.4, 0.6] rows 4-5, conf 0.5, acc 1/2.
    bins = calibration.reliability_bins(SIX_PROBS, SIX_LABELS, n_bins=5)
    np.testing.assert_allclose(bins.edges, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    np.testing.assert_array_equal(bins.counts, [0, 0, 2, 1, 3])
    np.testing.assert_allclose(bins.confidence[2:], [0.5, 0.65, 0.9])
    np.testing.assert_allclose(bins.accuracy[2:], [0.5, 1.0, 2 / 3])
    assert np.isnan(bins.confidence[:2]).all() and np.isnan(bins.accuracy[:2]).all()
    assert bins.total == 6
    np.testing.assert_allclose(bins.weights, [0, 0, 2 / 6, 1 / 6, 3 / 6])
    np.testing.assert_allclose(bins.gaps[2:], [0.0, 0.35, 2 / 3 - 0.9])
    expected = 3 / 6 * abs(2 / 3 - 0.9) + 1 / 6 * abs(1 - 0.65)
    assert calibration.expected_calibration_error(SIX_PROBS, SIX_LABELS, n_bins=5) == (
        pytest.approx(expected, rel=1e-12)
    )
    assert expected == pytest.approx(0.175, rel=1e-12)


def test_default_is_fifteen_bins() -> None:
    bins = calibration.reliability_bins(SIX_PROBS, SIX_LABELS)
    assert bins.counts.shape == (15,)
    assert calibration.expected_calibration_error(SIX_PROBS, SIX_LABELS) == pytest.approx(
        loop_ece(SIX_PROBS, SIX_LABELS, 15), rel=1e-12
    )


def test_perfectly_calibrated_bins_give_zero() -> None:
    # four predictions at confidence 0.75, three of them right; four at 0.5, two right
    row_75 = [0.75, 0.25]
    row_50 = [0.5, 0.5]  # argmax picks class 0 on the tie
    probs = np.array([row_75] * 4 + [row_50] * 4)
    labels = np.array([0, 0, 0, 1, 0, 0, 1, 1])
    assert calibration.expected_calibration_error(probs, labels, n_bins=10) == pytest.approx(
        0.0, abs=1e-15
    )


def test_certain_predictions_all_right_or_all_wrong() -> None:
    one_hot = np.eye(3)[[0, 1, 2, 1]]
    right = np.array([0, 1, 2, 1])
    wrong = (right + 1) % 3
    assert calibration.expected_calibration_error(one_hot, right) == 0.0
    assert calibration.expected_calibration_error(one_hot, wrong) == 1.0
    bins = calibration.reliability_bins(one_hot, right)
    assert bins.counts[-1] == 4  # confidence exactly 1 belongs to the last bin


@pytest.mark.parametrize(
    ("confidence", "n_bins", "expected_bin"),
    [(0.5, 2, 0), (0.5000001, 2, 1), (0.25, 4, 0), (0.2500001, 4, 1), (0.75, 4, 2),
     (0.7500001, 4, 3), (1.0, 4, 3)],
)
def test_bins_are_closed_on_the_right(confidence: float, n_bins: int, expected_bin: int) -> None:
    num_classes = 2 if confidence >= 0.5 else 10  # room for the rest below the maximum
    rest = (1 - confidence) / (num_classes - 1)
    probs = np.array([[confidence] + [rest] * (num_classes - 1)])
    bins = calibration.reliability_bins(probs, np.array([0]), n_bins=n_bins)
    np.testing.assert_array_equal(bins.counts, np.eye(n_bins, dtype=np.int64)[expected_bin])


def test_a_confidence_below_one_half_with_many_classes() -> None:
    probs = np.full((1, 10), 0.1)
    probs[0, 3] = 0.19
    probs /= probs.sum()
    bins = calibration.reliability_bins(probs, np.array([3]), n_bins=10)
    assert int(np.flatnonzero(bins.counts)[0]) == 1  # 0.1743… is in (0.1, 0.2]


def test_one_bin_is_the_gap_between_accuracy_and_mean_confidence() -> None:
    rng = np.random.default_rng(0)
    probs = losses.softmax(rng.normal(size=(40, 4)), axis=1)
    labels = rng.integers(0, 4, size=40)
    expected = abs(np.mean(probs.argmax(axis=1) == labels) - probs.max(axis=1).mean())
    assert calibration.expected_calibration_error(probs, labels, n_bins=1) == pytest.approx(
        expected, rel=1e-12
    )


def test_accepts_float32_integer_one_hot_lists_and_tensors() -> None:
    torch = pytest.importorskip("torch")
    expected = calibration.expected_calibration_error(SIX_PROBS, SIX_LABELS, 5)
    for probs in (SIX_PROBS.astype(np.float32), SIX_PROBS.tolist(), torch.tensor(SIX_PROBS)):
        value = calibration.expected_calibration_error(probs, SIX_LABELS, 5)
        assert value == pytest.approx(expected, rel=1e-6)
    labels = torch.tensor(SIX_LABELS)
    assert calibration.expected_calibration_error(SIX_PROBS, labels, np.int64(5)) == expected
    one_hot = np.eye(2, dtype=np.int64)[[0, 1]]
    assert calibration.expected_calibration_error(one_hot, [0, 1]) == 0.0
    assert isinstance(expected, float)


@given(calibration_cases)
def test_matches_the_loop_and_stays_in_range(case: tuple[np.ndarray, np.ndarray, int]) -> None:
    logits, labels, n_bins = case
    probs = losses.softmax(logits, axis=1)
    value = calibration.expected_calibration_error(probs, labels, n_bins)
    assert value == pytest.approx(loop_ece(probs, labels, n_bins), rel=1e-9, abs=1e-12)
    assert 0.0 <= value <= 1.0
    bins = calibration.reliability_bins(probs, labels, n_bins)
    assert bins.total == len(labels)
    assert math.isclose(float(np.sum(bins.weights)), 1.0)
    order = np.random.default_rng(0).permutation(len(labels))
    shuffled = calibration.expected_calibration_error(probs[order], labels[order], n_bins)
    assert shuffled == pytest.approx(value, rel=1e-9, abs=1e-12)


BAD_PROBS = [
    (SIX_PROBS[0], ValueError, r"2-D array of shape \(N, C\).*got shape \(3,\)"),
    (SIX_PROBS[None], ValueError, r"2-D array.*got shape \(1, 6, 3\)"),
    (np.zeros((0, 3)), ValueError, r"at least one sample and one class, got shape \(0, 3\)"),
    (np.zeros((2, 0)), ValueError, r"at least one sample and one class, got shape \(2, 0\)"),
    ([[0.5, math.nan, 0.5]], ValueError, r"finite probabilities, got nan"),
    ([[math.inf, 0.0]], ValueError, r"finite probabilities, got inf"),
    ([[1.2, -0.2]], ValueError, r"probabilities in \[0, 1\], got 1\.2.*softmax first"),
    ([[2.0, 1.0, 0.1]], ValueError, r"probabilities in \[0, 1\], got 2"),
    ([[0.5, 0.2, 0.1]], ValueError, r"row 0 sums to 0\.8; pass softmax\(logits, axis=1\)"),
    ([[0.5, 0.5], [0.6, 0.6]], ValueError, r"row 1 sums to 1\.2"),
    ([[True, False]], TypeError, r"probabilities \(floating point\), got dtype bool"),
    ("0.5 0.5", TypeError, r"probs must be a number or an array of numbers, got a string"),
    (None, TypeError, r"probs must be .* got None"),
    ([[0.5 + 0j, 0.5]], TypeError, r"probs must hold real numbers"),
    ([[0.5, 0.5], [1.0]], ValueError, r"probs must be a rectangular array"),
]


@pytest.mark.parametrize(("probs", "error", "pattern"), BAD_PROBS)
@pytest.mark.parametrize(
    "function", [calibration.expected_calibration_error, calibration.reliability_bins]
)
def test_bad_probs(function, probs, error, pattern) -> None:
    labels = np.zeros(len(probs) if isinstance(probs, list) else 1, dtype=np.int64)
    with pytest.raises(error, match=pattern):
        function(probs, labels)


BAD_LABELS = [
    (np.array([0.0, 1.0, 2.0, 0.0, 1.0, 2.0]), TypeError,
     r"labels must hold integer class indices, got dtype float64"),
    (np.array([True] * 6), TypeError, r"integer class indices, got dtype bool"),
    (np.array([0, 1, 2]), ValueError, r"labels must have shape \(6,\).*got shape \(3,\)"),
    (SIX_LABELS[:, None], ValueError, r"must have shape \(6,\).*got shape \(6, 1\)"),
    (np.array(0), ValueError, r"must have shape \(6,\).*got shape \(\)"),
    (np.array([0, 1, 3, 0, 1, 2]), ValueError, r"class indices in \[0, C\) = \[0, 3\), got 3"),
    (np.array([0, -1, 2, 0, 1, 2]), ValueError, r"\[0, 3\), got -1"),
    ("abc", TypeError, r"labels must be a number or an array of numbers, got a string"),
    (None, TypeError, r"labels must be .* got None"),
]


@pytest.mark.parametrize(("labels", "error", "pattern"), BAD_LABELS)
def test_bad_labels(labels, error, pattern) -> None:
    with pytest.raises(error, match=pattern):
        calibration.expected_calibration_error(SIX_PROBS, labels)


@pytest.mark.parametrize(
    ("n_bins", "error", "pattern"),
    [
        (0, ValueError, r"n_bins must be a positive integer, got 0"),
        (-3, ValueError, r"positive integer, got -3"),
        (2.5, TypeError, r"positive integer, got float: 2\.5"),
        (15.0, TypeError, r"got float: 15\.0"),
        (True, TypeError, r"got bool: True"),
        ("15", TypeError, r"got str: '15'"),
        (None, TypeError, r"got NoneType: None"),
    ],
)
def test_bad_n_bins(n_bins, error, pattern) -> None:
    with pytest.raises(error, match=pattern):
        calibration.expected_calibration_error(SIX_PROBS, SIX_LABELS, n_bins)


# --------------------------------------------------------------------------------------------
# the Brier score
# --------------------------------------------------------------------------------------------


def loop_brier(probs: np.ndarray, labels: np.ndarray) -> list[float]:
    """Brier's formula, one sample and one class at a time."""
    return [
        sum((probs[n, c] - (1.0 if c == labels[n] else 0.0)) ** 2 for c in range(probs.shape[1]))
        for n in range(probs.shape[0])
    ]


def test_brier_score_by_hand() -> None:
    # row 0: (0.95 - 1)^2 + 0.03^2 + 0.02^2 = 0.0025 + 0.0009 + 0.0004
    scores = calibration.brier_score(SIX_PROBS, SIX_LABELS, reduction="none")
    assert scores[0] == pytest.approx(0.0038, rel=1e-12)
    np.testing.assert_allclose(scores, loop_brier(SIX_PROBS, SIX_LABELS), rtol=1e-12)
    assert calibration.brier_score(SIX_PROBS, SIX_LABELS) == pytest.approx(scores.mean(), rel=1e-12)
    assert calibration.brier_score(SIX_PROBS, SIX_LABELS, "sum") == pytest.approx(
        scores.sum(), rel=1e-12
    )
    assert isinstance(calibration.brier_score(SIX_PROBS, SIX_LABELS), float)
    assert scores.shape == (6,) and scores.dtype == np.float64


def test_brier_score_is_zero_when_certain_and_right_two_when_certain_and_wrong() -> None:
    one_hot = np.eye(4)[[0, 3, 1]]
    right = np.array([0, 3, 1])
    assert calibration.brier_score(one_hot, right) == 0.0
    np.testing.assert_array_equal(
        calibration.brier_score(one_hot, (right + 1) % 4, reduction="none"), [2.0, 2.0, 2.0]
    )
    uniform = np.full((1, 4), 0.25)  # (3/4)^2 + 3 (1/4)^2 = 3/4 = 1 - 1/C
    assert calibration.brier_score(uniform, [2]) == pytest.approx(0.75, rel=1e-15)


def test_brier_score_is_the_summed_squared_error_of_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    probs = losses.softmax(rng.normal(scale=2.0, size=(30, 5)), axis=1)
    labels = rng.integers(0, 5, size=30)
    target = torch.nn.functional.one_hot(torch.from_numpy(labels), 5).double()
    squared = torch.nn.functional.mse_loss(torch.from_numpy(probs), target, reduction="none")
    np.testing.assert_allclose(
        calibration.brier_score(probs, labels, reduction="none"), squared.sum(dim=1).numpy(),
        rtol=1e-12,
    )
    # nn.MSELoss's "mean" divides by N·C, Brier's mean by N
    assert calibration.brier_score(probs, labels) == pytest.approx(
        5 * torch.nn.functional.mse_loss(torch.from_numpy(probs), target).item(), rel=1e-12
    )


@given(calibration_cases)
def test_brier_score_matches_the_loop_and_stays_in_range(case) -> None:
    logits, labels, _ = case
    probs = losses.softmax(logits, axis=1)
    scores = calibration.brier_score(probs, labels, reduction="none")
    np.testing.assert_allclose(scores, loop_brier(probs, labels), rtol=1e-9, atol=1e-12)
    assert np.all(scores >= 0.0) and np.all(scores <= 2.0)
    # (1 - q_y)^2 + sum of the other q_c^2
    true_class = probs[np.arange(len(labels)), labels]
    others = np.sum(probs**2, axis=1) - true_class**2
    np.testing.assert_allclose(scores, (1 - true_class) ** 2 + others, rtol=1e-9, atol=1e-12)


@given(distributions(shape=(2, 4)))
def test_brier_score_is_strictly_proper(pair: np.ndarray) -> None:
    # labels drawn from p: the expected score of a report q is sum_y p_y BS(q, y)
    p, q = pair
    labels = np.arange(4)

    def expected(report: np.ndarray) -> float:
        scores = calibration.brier_score(np.tile(report, (4, 1)), labels, reduction="none")
        return float(np.dot(p, scores))

    decomposition = np.sum((q - p) ** 2) + np.sum(p * (1 - p))
    assert expected(q) == pytest.approx(decomposition, rel=1e-9, abs=1e-12)
    assert expected(p) <= expected(q) + 1e-12


@pytest.mark.parametrize(("probs", "error", "pattern"), BAD_PROBS)
def test_brier_score_bad_probs(probs, error, pattern) -> None:
    labels = np.zeros(len(probs) if isinstance(probs, list) else 1, dtype=np.int64)
    with pytest.raises(error, match=pattern):
        calibration.brier_score(probs, labels)


@pytest.mark.parametrize(("labels", "error", "pattern"), BAD_LABELS)
def test_brier_score_bad_labels(labels, error, pattern) -> None:
    with pytest.raises(error, match=pattern):
        calibration.brier_score(SIX_PROBS, labels)


@pytest.mark.parametrize("reduction", ["average", "batchmean", None, "MEAN"])
def test_brier_score_bad_reduction(reduction) -> None:
    with pytest.raises(ValueError, match=r"reduction must be one of 'none', 'mean', 'sum'"):
        calibration.brier_score(SIX_PROBS, SIX_LABELS, reduction=reduction)
