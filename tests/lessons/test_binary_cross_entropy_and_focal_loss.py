"""Notebook 10 (binary cross-entropy): its figure, its explorer and its exercise checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers import binary
from helpers.explorer import Explorer
from helpers.lessons import binary_cross_entropy as lesson

torch.set_num_threads(1)


# --------------------------------------------------------------------------------------------
# figure
# --------------------------------------------------------------------------------------------


def torch_naive_float32(x: np.ndarray, target: float) -> np.ndarray:
    logits = torch.from_numpy(np.asarray(x, dtype=np.float32))
    return F.binary_cross_entropy(
        torch.sigmoid(logits), torch.full_like(logits, target), reduction="none"
    ).numpy()


def torch_stable_float32(x: np.ndarray, target: float) -> np.ndarray:
    logits = torch.from_numpy(np.asarray(x, dtype=np.float32))
    return F.binary_cross_entropy_with_logits(
        logits, torch.full_like(logits, target), reduction="none"
    ).numpy()


def assert_naive_matches_torch(x: np.ndarray, ours: np.ndarray, target: float) -> None:
    """NumPy's and torch's float32 sigmoids may differ in the last bit of p; the naive loss
    -log(p) or -log(1 - p) then differs by up to spacing(p) / p or spacing(p) / (1 - p)."""
    p = torch.sigmoid(torch.from_numpy(np.asarray(x, dtype=np.float32))).numpy().astype(np.float64)
    theirs = torch_naive_float32(x, target)
    room = p if target == 1.0 else 1 - p
    spacing = np.spacing(np.float32(p)).astype(np.float64)
    allowed = 2e-6 * np.abs(theirs) + 2 * spacing / np.maximum(room, spacing)
    assert np.all(np.abs(ours - theirs) <= allowed)
    assert np.array_equal(ours == 100.0, theirs == 100.0)  # the jumps are at the same place


@pytest.mark.parametrize("target", [0.0, 1.0])
def test_naive_and_stable_curves_are_torchs(target: float) -> None:
    x = np.linspace(-120.0, 120.0, 4801)
    np.testing.assert_allclose(
        binary.stable_bce_float32(x, target), torch_stable_float32(x, target), rtol=2e-6, atol=2e-6
    )
    assert_naive_matches_torch(x, binary.naive_bce_float32(x, target), target)


def test_where_the_naive_loss_jumps_to_100() -> None:
    x = np.linspace(0.0, 25.0, 25001)
    naive = binary.naive_bce_float32(x, 0.0)
    first = x[np.argmax(naive == 100.0)]
    assert first == pytest.approx(16.636, abs=1e-3)
    assert np.all(naive[x >= first] == 100.0) and np.all(naive[x < first] < 17.0)
    x = np.linspace(-120.0, 0.0, 120001)
    naive = binary.naive_bce_float32(x, 1.0)
    last = x[::-1][np.argmax(naive[::-1] == 100.0)]
    assert last == pytest.approx(-88.723, abs=1e-3)  # sigmoid underflows: e^{-x} overflows
    assert binary.stable_bce_float32(-120.0, 1.0) == pytest.approx(120.0)


def test_bce_figure_shows_both_losses_and_the_jump() -> None:
    figure = lesson.bce_naive_vs_stable_figure()
    wide_ax, near_ax = figure.axes
    assert len(wide_ax.lines) == 5  # four curves and the clamp line
    stable_y0, naive_y0 = near_ax.lines[:2]
    x = stable_y0.get_xdata()
    np.testing.assert_allclose(stable_y0.get_ydata(), torch_stable_float32(x, 0.0), rtol=2e-6)
    assert_naive_matches_torch(x, naive_y0.get_ydata(), 0.0)
    notes = [text.get_text() for text in near_ax.texts]
    assert any("x > 16.64" in note and "100" in note for note in notes)
    labels = [line.get_label() for line in wide_ax.lines[:4]]
    assert labels == [
        "y = 1: BCEWithLogitsLoss(x)",
        "y = 1: BCELoss(sigmoid(x))",
        "y = 0: BCEWithLogitsLoss(x)",
        "y = 0: BCELoss(sigmoid(x))",
    ]


# --------------------------------------------------------------------------------------------
# explorer
# --------------------------------------------------------------------------------------------


def softplus(x: np.ndarray | float) -> np.ndarray:
    return F.softplus(torch.as_tensor(x, dtype=torch.float64)).numpy()


def explorer_artists(explorer: Explorer):
    """The loss panel's four lines, then the expected-loss panel's four (as drawn)."""
    loss_ax, expected_ax = explorer.figure.axes
    return (*loss_ax.lines[:4], *expected_ax.lines[:4])


def test_pos_weight_explorer_tracks_the_formulas() -> None:
    explorer = lesson.pos_weight_explorer()
    assert repr(explorer) == (
        "Explorer: pos_weight: the loss of a positive, and the best constant logit "
        "(logit=2.0, pos_weight=1.0, base_rate=0.05)"
    )
    assert "lowest at x* = ln(pπ / (1 − π)) = -2.9444, σ(x*) = 0.0500" in explorer.readout.value
    before = bytes(explorer.image.value)
    for logit, pos_weight, base_rate in [
        (-6.0, 0.2, 0.5),
        (0.0, 19.0, 0.05),
        (3.5, 4.0, 0.1),
        (8.0, 30.0, 0.9),
    ]:
        explorer.controls["logit"].value = logit
        explorer.controls["pos_weight"].value = pos_weight
        explorer.controls["base_rate"].value = base_rate
        pos_weight = explorer.controls["pos_weight"].value  # as the log slider rounds it
        positive, negative, positive_dot, negative_dot, *right_panel = explorer_artists(explorer)
        expected, optimum, optimum_dot, expected_dot = right_panel
        grid = positive.get_xdata()
        theirs = F.binary_cross_entropy_with_logits(
            torch.from_numpy(grid),
            torch.ones(len(grid), dtype=torch.float64),
            pos_weight=torch.tensor(pos_weight, dtype=torch.float64),
            reduction="none",
        ).numpy()
        np.testing.assert_allclose(positive.get_ydata(), theirs, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(negative.get_ydata(), softplus(grid), rtol=1e-12, atol=1e-14)
        loss_1 = pos_weight * float(softplus(-logit))
        loss_0 = float(softplus(logit))
        assert positive_dot.get_ydata()[0] == pytest.approx(loss_1, rel=1e-12)
        assert negative_dot.get_ydata()[0] == pytest.approx(loss_0, rel=1e-12)
        assert positive_dot.get_xdata()[0] == negative_dot.get_xdata()[0] == logit
        mean_curve = base_rate * theirs + (1 - base_rate) * softplus(grid)
        np.testing.assert_allclose(expected.get_ydata(), mean_curve, rtol=1e-12, atol=1e-14)
        assert expected_dot.get_ydata()[0] == pytest.approx(
            base_rate * loss_1 + (1 - base_rate) * loss_0, rel=1e-12
        )
        best = math.log(pos_weight * base_rate / (1 - base_rate))
        assert optimum.get_xdata()[0] == pytest.approx(best)
        assert optimum_dot.get_xdata()[0] == pytest.approx(best)
        if -8 < best < 8:  # the dashed line marks the lowest point of the drawn curve
            assert abs(grid[np.argmin(mean_curve)] - best) <= grid[1] - grid[0]
        assert f"loss if y = 1: {loss_1:.4f}, if y = 0: {loss_0:.4f}" in explorer.readout.value
        assert f"σ(x*) = {1 / (1 + math.exp(-best)):.4f}" in explorer.readout.value
    assert "x* = ln(pπ / (1 − π)) = +0.0000" not in explorer.readout.value
    explorer.controls["logit"].value = 0.0
    explorer.controls["pos_weight"].value = 19.0
    explorer.controls["base_rate"].value = 0.05
    assert "x* = ln(pπ / (1 − π)) = +0.0000, σ(x*) = 0.5000" in explorer.readout.value
    assert bytes(explorer.image.value) != before


# --------------------------------------------------------------------------------------------
# exercises
# --------------------------------------------------------------------------------------------


def stable_solution(logits, target, pos_weight):
    softplus_of_minus_x = np.maximum(-logits, 0) + np.log1p(np.exp(-np.abs(logits)))
    per_element = (1 - target) * logits + (1 + (pos_weight - 1) * target) * softplus_of_minus_x
    return per_element.mean()


def naive_solution(logits, target, pos_weight):
    with np.errstate(all="ignore"):
        p = 1 / (1 + np.exp(-logits))
        return np.mean(-(pos_weight * target * np.log(p) + (1 - target) * np.log(1 - p)))


def clipped_solution(logits, target, pos_weight):
    p = np.clip(1 / (1 + np.exp(-np.clip(logits, -30, 30))), 1e-7, 1 - 1e-7)
    return np.mean(-(pos_weight * target * np.log(p) + (1 - target) * np.log(1 - p)))


def raises(logits, target, pos_weight):
    raise ZeroDivisionError("boom")


ANSWER_10_1 = -(math.log(0.9) + math.log(0.8) + math.log(0.4)) / 3
#: One correct answer per check (tests/lessons/test_checkers.py uses them too).
SOLUTIONS = {
    "check_bce_by_hand": ANSWER_10_1,
    "check_optimal_constant_logit": math.log(4 * 0.1 / 0.9),
    "check_stable_bce_with_logits": stable_solution,
}


def test_exercise_solutions_are_correct() -> None:
    for check, solution in SOLUTIONS.items():
        assert getattr(lesson, check)(solution).correct
    assert lesson.check_bce_by_hand(
        F.binary_cross_entropy(torch.tensor([0.9, 0.2, 0.6]), torch.tensor([1.0, 0.0, 0.0]))
    ).correct
    assert lesson.check_bce_by_hand(round(ANSWER_10_1, 4)).correct


@pytest.mark.parametrize(
    ("base_rate", "pos_weight"), [(0.1, 4.0), (0.05, 19.0), (0.5, 1.0), (0.9, 0.25), (0.3, 7.0)]
)
def test_the_reference_of_exercise_10_2_minimizes_the_expected_loss(base_rate, pos_weight) -> None:
    best = lesson.optimal_constant_logit(base_rate, pos_weight)

    def expected_loss(x: torch.Tensor) -> torch.Tensor:  # torch's loss, not the helpers'
        loss = F.binary_cross_entropy_with_logits
        ones, zeros = torch.ones_like(x), torch.zeros_like(x)
        return (base_rate * loss(x, ones, pos_weight=torch.tensor(pos_weight), reduction="none")
                + (1 - base_rate) * loss(x, zeros, reduction="none"))

    grid = torch.linspace(best - 5, best + 5, 100_001, dtype=torch.float64)
    assert float(grid[torch.argmin(expected_loss(grid))]) == pytest.approx(best, abs=1e-3)
    x = torch.tensor([best], dtype=torch.float64, requires_grad=True)
    expected_loss(x).sum().backward()
    assert abs(float(x.grad)) < 1e-12  # the derivative vanishes there


def test_checks_name_the_typical_mistakes() -> None:
    total = -(math.log(0.9) + math.log(0.8) + math.log(0.4))
    feedback = lesson.check_bce_by_hand(total)
    assert not feedback and "sum of the three losses" in feedback.message
    feedback = lesson.check_optimal_constant_logit(4 / 13)
    assert not feedback and "is the probability σ(x*)" in feedback.message
    feedback = lesson.check_optimal_constant_logit(math.log(0.1 / 0.9))
    assert not feedback and "without pos_weight" in feedback.message


@pytest.mark.parametrize(
    "answer", [None, "abc", [1.0, 2.0], np.zeros((2, 2)), 0.4, -math.log(0.9), float("nan")]
)
def test_bce_by_hand_answers_not_yet_without_raising(answer) -> None:
    feedback = lesson.check_bce_by_hand(answer)
    assert not feedback.correct and str(feedback).startswith("✗ Exercise 10.1")


@pytest.mark.parametrize("answer", [None, "abc", [0.1, 0.2], 0.0, -0.8, float("inf")])
def test_optimal_constant_logit_answers_not_yet_without_raising(answer) -> None:
    feedback = lesson.check_optimal_constant_logit(answer)
    assert not feedback.correct and str(feedback).startswith("✗ Exercise 10.2")


@pytest.mark.parametrize(
    "function",
    [
        None,
        "abc",
        raises,
        naive_solution,
        clipped_solution,
        lambda x, y, p: 0.0,
        lambda x, y, p: np.zeros(np.shape(x)),
    ],
)
def test_stable_bce_check_answers_not_yet_without_raising(function) -> None:
    feedback = lesson.check_stable_bce_with_logits(function)
    assert not feedback.correct and str(feedback).startswith("✗ Exercise 10.3")


def test_stable_bce_check_reports_the_failing_case() -> None:
    feedback = lesson.check_stable_bce_with_logits(naive_solution)
    assert "Case 3 of 4" in feedback.message  # the ±1000 logits
    feedback = lesson.check_stable_bce_with_logits(raises)
    assert "Case 1 raised ZeroDivisionError: boom" in feedback.message
