"""helpers.calibration: reliability bins, expected calibration error (ECE), the Brier score and
temperature scaling.

Known values by hand, the bin edges (right-closed), agreement with a plain loop over the bins
on generated data, invariances, and a clear error for every kind of bad input; the fitted
temperature against PyTorch (an LBFGS optimisation, and the minimum of ``F.cross_entropy(x / τ,
y)`` on hundreds of generated cases of 1 to 4 dimensions, float32 and float64).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import calibration, losses
from tests.strategies import (
    MANY,
    SOME,
    calibration_cases,
    distributions,
    generators,
    logit_arrays,
)

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


# --------------------------------------------------------------------------------------------
# temperature scaling
# --------------------------------------------------------------------------------------------


def torch_nll(logits: np.ndarray, labels: np.ndarray, tau: float) -> float:
    """``F.cross_entropy(logits / tau, labels)`` in float64: what fit_temperature minimises."""
    torch = pytest.importorskip("torch")
    x = torch.from_numpy(np.asarray(logits, dtype=np.float64))
    return torch.nn.functional.cross_entropy(x / tau, torch.from_numpy(labels)).item()


def torch_slope(logits: np.ndarray, labels: np.ndarray, tau: float) -> float:
    """d NLL / d log τ at ``tau``, by autograd."""
    torch = pytest.importorskip("torch")
    log_tau = torch.tensor(math.log(tau), dtype=torch.float64, requires_grad=True)
    x = torch.from_numpy(np.asarray(logits, dtype=np.float64))
    torch.nn.functional.cross_entropy(x / log_tau.exp(), torch.from_numpy(labels)).backward()
    return log_tau.grad.item()


def torch_lbfgs_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """τ fitted as Guo et al.'s code does it: LBFGS on the NLL, here over log τ, in float64."""
    torch = pytest.importorskip("torch")
    x = torch.from_numpy(np.asarray(logits, dtype=np.float64))
    y = torch.from_numpy(labels)
    log_tau = torch.zeros((), dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([log_tau], lr=1, max_iter=200, tolerance_grad=1e-14,
                                  tolerance_change=1e-16, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(x / log_tau.exp(), y)
        loss.backward()
        return loss

    optimizer.step(closure)
    return log_tau.exp().item()


def test_fit_temperature_by_hand_for_identical_logits() -> None:
    # four samples with logits (0, 2), three labelled 1: the best softmax(x/τ) gives class 1 the
    # labels' frequency 3/4, so sigmoid(2/τ) = 3/4, 2/τ = log 3
    logits = np.tile([0.0, 2.0], (4, 1))
    labels = np.array([1, 1, 1, 0])
    assert calibration.fit_temperature(logits, labels) == pytest.approx(2 / math.log(3), rel=1e-12)
    for gap, share in ((0.5, 0.6), (3.0, 0.9), (10.0, 0.55)):
        n_right = round(100 * share)
        many = np.tile([0.0, gap], (100, 1))
        labels = np.array([1] * n_right + [0] * (100 - n_right))
        expected = gap / math.log(share / (1 - share))
        assert calibration.fit_temperature(many, labels) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("shape", "dtype"),
    [((400, 3), np.float64), ((400, 3), np.float32), ((50, 5, 4), np.float64),
     ((20, 4, 3, 2), np.float32), ((7,), np.float64)],
)
def test_fit_temperature_agrees_with_a_torch_optimisation(shape, dtype) -> None:
    rng = np.random.default_rng(sum(shape))
    logits = (4 * rng.normal(size=shape)).astype(dtype)
    class_axis = 0 if len(shape) == 1 else 1
    labels = np.argmax(logits, axis=class_axis)
    wrong = rng.random(labels.shape) < 0.3  # 30 % of the labels drawn at random
    labels = np.where(wrong, rng.integers(0, shape[class_axis], labels.shape), labels)
    if len(shape) == 1:
        labels = np.array(np.argsort(logits)[-2])  # one sample: its second-largest logit
    tau = calibration.fit_temperature(logits, labels)
    assert isinstance(tau, float) and tau > 0
    assert tau == pytest.approx(torch_lbfgs_temperature(logits, labels), rel=1e-6)


@st.composite
def temperature_cases(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """Logits of 1 to 4 dimensions (float32 or float64, scale ~1, ~30 or ~1e4) and labels that
    follow the largest logit with a drawn probability, otherwise drawn at random."""
    logits, _ = draw(logit_arrays())
    class_axis = 0 if logits.ndim == 1 else 1
    rng = draw(generators())
    follow = draw(st.sampled_from([0.0, 0.5, 0.8, 0.95, 1.0]))
    labels = np.argmax(logits, axis=class_axis)
    random = rng.integers(0, logits.shape[class_axis], labels.shape)
    labels = np.where(rng.random(labels.shape) < follow, labels, random).astype(np.int64)
    return logits, labels


@MANY
@given(temperature_cases())
def test_fit_temperature_minimises_torch_cross_entropy(case) -> None:
    logits, labels = case
    scale = float(np.max(np.abs(logits))) or 1.0
    try:
        tau = calibration.fit_temperature(logits, labels)
    except ValueError as error:  # then the NLL has no minimum at a finite τ > 0
        grid = scale * np.logspace(-4, 4, 33)
        nll = np.array([torch_nll(logits, labels, t) for t in grid])
        tolerance = 1e-9 * (1 + np.abs(nll))
        if "does not depend" in str(error):
            np.testing.assert_allclose(nll, nll[0], rtol=1e-12, atol=1e-12)
        elif "τ → ∞" in str(error):
            assert np.all(np.diff(nll) <= tolerance[1:])  # falls as τ grows
        else:
            assert "τ → 0" in str(error)
            assert np.all(np.diff(nll) >= -tolerance[1:])  # rises as τ grows
        return
    assert tau > 0 and math.isfinite(tau)
    best = torch_nll(logits, labels, tau)
    assert abs(torch_slope(logits, labels, tau)) <= 1e-9 * (1 + abs(best))
    for other in tau * np.array([0.5, 0.99, 0.9999, 1.0001, 1.01, 2.0]):
        assert best <= torch_nll(logits, labels, other) + 1e-12 * (1 + abs(best))


@SOME
@given(temperature_cases(), st.sampled_from([0.25, 3.0, 1000.0]))
def test_fit_temperature_scales_with_the_logits_and_keeps_every_prediction(case, factor) -> None:
    logits, labels = case
    logits = logits.astype(np.float64)
    try:
        tau = calibration.fit_temperature(logits, labels)
    except ValueError:
        with pytest.raises(ValueError):
            calibration.fit_temperature(factor * logits, labels)
        return
    assert calibration.fit_temperature(factor * logits, labels) == pytest.approx(
        factor * tau, rel=1e-9
    )
    class_axis = 0 if logits.ndim == 1 else 1
    np.testing.assert_array_equal(
        np.argmax(logits / tau, axis=class_axis), np.argmax(logits, axis=class_axis)
    )


def test_fit_temperature_invariances() -> None:
    rng = np.random.default_rng(5)
    logits = 3 * rng.normal(size=(200, 4))
    labels = np.where(rng.random(200) < 0.7, logits.argmax(axis=1), rng.integers(0, 4, 200))
    tau = calibration.fit_temperature(logits, labels)
    shifted = logits + rng.normal(scale=10, size=(200, 1))  # a constant per sample
    order = rng.permutation(200)
    classes = rng.permutation(4)  # class c becomes classes[c]
    relabelled = np.empty_like(logits)
    relabelled[:, classes] = logits
    for other_logits, other_labels in (
        (shifted, labels),
        (logits[order], labels[order]),
        (relabelled, classes[labels]),
        (np.concatenate([logits, logits]), np.concatenate([labels, labels])),
    ):
        assert calibration.fit_temperature(other_logits, other_labels) == pytest.approx(
            tau, rel=1e-9
        )
    float32 = logits.astype(np.float32)
    assert calibration.fit_temperature(float32, labels) == calibration.fit_temperature(
        float32.astype(np.float64), labels
    )
    # as F.cross_entropy: classes on axis 1, every other position a sample
    images = logits.reshape(50, 4, 4).transpose(0, 2, 1)  # (N, C, d) with N·d = 200 samples
    pixel_labels = labels.reshape(50, 4)
    assert calibration.fit_temperature(images, pixel_labels) == pytest.approx(tau, rel=1e-12)


@pytest.mark.parametrize(
    ("logits", "labels", "pattern"),
    [
        (np.zeros((3, 4)), [0, 1, 2], r"logits are all equal, so the NLL does not depend"),
        ([[0.0, 1.0], [2.0, 0.0]], [1, 0], r"every label has the largest logit .* τ → 0"),
        ([[0.0, 1.0], [1.0, 1.0]], [1, 0], r"ties included\), so the NLL keeps falling as τ → 0"),
        ([[0.0, 1.0], [2.0, 0.0]], [0, 1], r"no larger than the mean logit.* τ → ∞"),
        ([1.0, 2.0, 0.0], 1, r"largest logit .* τ → 0"),
        ([1.0, 2.0, 0.0], 2, r"τ → ∞"),
    ],
)
def test_fit_temperature_says_when_no_temperature_minimises(logits, labels, pattern) -> None:
    with pytest.raises(ValueError, match=pattern):
        calibration.fit_temperature(logits, labels)


@pytest.mark.parametrize(
    ("logits", "labels", "error", "pattern"),
    [
        ("1 2", [0], TypeError, r"logits must be a number or an array of numbers, got a string"),
        (None, [0], TypeError, r"logits must be .* got None"),
        ([[1, 2], [3, 4]], [0, 1], TypeError, r"logits must be a floating-point array"),
        (2.0, 0, ValueError, r"logits must have at least one dimension"),
        (np.zeros((0, 3)), np.zeros(0, np.int64), ValueError, r"at least one sample and one class"),
        (np.zeros((2, 0)), [0, 0], ValueError, r"at least one sample and one class"),
        ([[0.0, math.nan]], [0], ValueError, r"logits must hold finite logits, got nan"),
        ([[0.0, math.inf]], [0], ValueError, r"finite logits, got inf"),
        ([[0.5 + 0j, 0.5]], [0], TypeError, r"logits must hold real numbers"),
        ([[0.0, 1.0]], [0.0], TypeError, r"integer class indices, got dtype float64"),
        ([[0.0, 1.0]], [True], TypeError, r"labels must hold integer .* got dtype bool"),
        ([[0.0, 1.0], [1.0, 0.0]], [0], ValueError,
         r"labels must have shape \(2,\), the shape of logits \(2, 2\) without its class axis "
         r"\(axis 1\), got shape \(1,\)"),
        (np.zeros((2, 3, 4)), np.zeros((2, 3), np.int64), ValueError,
         r"labels must have shape \(2, 4\)"),
        ([[0.0, 1.0]], [2], ValueError, r"class indices in \[0, C\) = \[0, 2\), got 2"),
        ([[0.0, 1.0]], [-100], ValueError, r"\[0, 2\), got -100"),
        ([[0.0, 1.0]], None, TypeError, r"labels must be .* got None"),
    ],
)
def test_fit_temperature_bad_input(logits, labels, error, pattern) -> None:
    with pytest.raises(error, match=pattern):
        calibration.fit_temperature(logits, labels)
