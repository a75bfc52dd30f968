"""Notebook 12 (binary cross-entropy and focal loss): its figure, its explorer and its exercise
checks, against torch (the focal loss as torchvision's code computes it)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.lessons import binary_cross_entropy_and_focal_loss as lesson
from tests.test_binary import torchvision_sigmoid_focal_loss

torch.set_num_threads(1)


def paper_focal_loss(p_t: np.ndarray, gamma: float, alpha_t: float = 1.0) -> np.ndarray:
    """−α_t (1 − p_t)^γ log p_t, in float64 torch."""
    p_t_tensor = torch.as_tensor(p_t, dtype=torch.float64)
    return (-alpha_t * (1 - p_t_tensor) ** gamma * torch.log(p_t_tensor)).numpy()


# --------------------------------------------------------------------------------------------
# the focal loss of p_t, the toy batch
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0])
@pytest.mark.parametrize(("alpha", "label"), [(-1.0, 1.0), (0.25, 1.0), (0.25, 0.0), (1.0, 0.0)])
def test_focal_loss_of_p_t_is_the_papers_formula(gamma: float, alpha: float, label: float) -> None:
    p_t = np.linspace(0.01, 0.99, 99)
    alpha_t = 1.0 if alpha < 0 else (alpha if label == 1.0 else 1 - alpha)
    np.testing.assert_allclose(lesson.focal_loss_of_p_t(p_t, gamma, alpha, label),
                               paper_focal_loss(p_t, gamma, alpha_t), rtol=1e-10, atol=1e-300)


def torch_toy_batch(gamma: float, alpha: float, positives=lesson.TOY_POSITIVES,
                    negatives=lesson.TOY_NEGATIVES) -> tuple[float, float]:
    """The toy batch built as the notebook builds it, through torchvision's code."""
    (n_positive, p_positive), (n_negative, p_negative) = positives, negatives
    logits = torch.cat([
        torch.full((n_positive,), math.log(p_positive / (1 - p_positive)), dtype=torch.float64),
        torch.full((n_negative,), math.log((1 - p_negative) / p_negative), dtype=torch.float64),
    ])
    labels = torch.cat([torch.ones(n_positive), torch.zeros(n_negative)]).double()
    loss = torchvision_sigmoid_focal_loss(logits, labels, alpha=alpha, gamma=gamma)
    return float(loss[:n_positive].sum()), float(loss[n_positive:].sum())


@pytest.mark.parametrize(("gamma", "alpha"), [(0.0, -1.0), (0.0, 0.25), (2.0, 0.25), (5.0, 0.9)])
def test_toy_batch_losses_are_torchvisions(gamma: float, alpha: float) -> None:
    ours = lesson.toy_batch_losses(gamma, alpha)
    assert ours == pytest.approx(torch_toy_batch(gamma, alpha), rel=1e-10)
    assert lesson.TOY_POSITIVES == (10, 0.3) and lesson.TOY_NEGATIVES == (10_000, 0.99)


def test_easy_negatives_dominate_the_cross_entropy_and_not_the_focal_loss() -> None:
    positives, negatives = lesson.toy_batch_losses(0.0, -1.0)
    assert negatives / (positives + negatives) == pytest.approx(0.893, abs=1e-3)
    positives, negatives = lesson.toy_batch_losses(2.0, 0.25)
    assert negatives / (positives + negatives) == pytest.approx(0.005, abs=1e-3)
    positives, negatives = lesson.toy_batch_losses(0.0, 0.25)  # α alone makes it worse
    assert negatives / (positives + negatives) > 0.95


# --------------------------------------------------------------------------------------------
# figure
# --------------------------------------------------------------------------------------------


def test_focal_loss_figure_draws_the_loss_and_the_ratio_for_each_gamma() -> None:
    figure = lesson.focal_loss_figure()
    loss_ax, ratio_ax = figure.axes
    assert len(loss_ax.lines) == len(ratio_ax.lines) - 1 == len(lesson.GAMMAS)  # + the p_t line
    assert lesson.GAMMAS == (0.0, 0.5, 1.0, 2.0, 5.0)
    for gamma, loss_line, ratio_line in zip(lesson.GAMMAS, loss_ax.lines, ratio_ax.lines,
                                            strict=False):
        p_t = np.asarray(loss_line.get_xdata())
        np.testing.assert_allclose(loss_line.get_ydata(), paper_focal_loss(p_t, gamma),
                                   rtol=1e-10)
        np.testing.assert_allclose(ratio_line.get_ydata(), (1 - p_t) ** gamma, rtol=1e-10)
    assert ratio_ax.get_yscale() == "log"
    assert ratio_ax.lines[-1].get_xdata()[0] == 0.9
    labels = [line.get_label() for line in loss_ax.lines]
    assert labels[0] == r"$\gamma = 0$ (cross-entropy)" and labels[3] == r"$\gamma = 2$"


# --------------------------------------------------------------------------------------------
# explorer
# --------------------------------------------------------------------------------------------


def test_focal_loss_explorer_tracks_the_formulas() -> None:
    explorer = lesson.focal_loss_explorer()
    assert repr(explorer) == (
        "Explorer: focal loss: the focusing exponent gamma and the class weight alpha "
        "(gamma=2.0, alpha=0.25)"
    )
    assert "the negatives carry 0.5% of the loss" in explorer.readout.value
    before = bytes(explorer.image.value)
    loss_ax, share_ax = explorer.figure.axes
    cross_entropy, positive, negative = loss_ax.lines[:3]
    p_t = np.asarray(cross_entropy.get_xdata())
    np.testing.assert_allclose(cross_entropy.get_ydata(), paper_focal_loss(p_t, 0.0), rtol=1e-10)
    for gamma, alpha in [(0.0, 0.25), (0.5, 0.75), (2.0, 0.25), (5.0, 1.0), (3.3, 0.0)]:
        explorer.controls["gamma"].value = gamma
        explorer.controls["alpha"].value = alpha
        np.testing.assert_allclose(positive.get_ydata(), paper_focal_loss(p_t, gamma, alpha),
                                   rtol=1e-10, atol=1e-300)
        np.testing.assert_allclose(negative.get_ydata(),
                                   paper_focal_loss(p_t, gamma, 1 - alpha), rtol=1e-10,
                                   atol=1e-300)
        positives, negatives = torch_toy_batch(gamma, alpha)
        share = negatives / (positives + negatives)
        bars = share_ax.patches
        assert bars[1].get_height() == pytest.approx(share, rel=1e-9)
        assert bars[0].get_height() == pytest.approx(1 - share, rel=1e-9, abs=1e-12)
        assert f"positives {positives:.4f}, negatives {negatives:.4f}" in explorer.readout.value
        assert f"carry {share:.1%} of the loss" in explorer.readout.value
        assert f"{0.1**gamma:.4g} × the cross-entropy" in explorer.readout.value
    explorer.controls["gamma"].value = 0.0
    explorer.controls["alpha"].value = 0.25
    assert "the negatives carry 96.2% of the loss" in explorer.readout.value
    assert bytes(explorer.image.value) != before


def test_focal_loss_explorer_takes_another_toy_batch() -> None:
    explorer = lesson.focal_loss_explorer(positives=(5, 0.6), negatives=(100, 0.9))
    positives, negatives = torch_toy_batch(2.0, 0.25, (5, 0.6), (100, 0.9))
    assert f"positives {positives:.4f}, negatives {negatives:.4f}" in explorer.readout.value
    labels = [label.get_text() for label in explorer.figure.axes[1].get_xticklabels()]
    assert labels == ["5 positives\n(p_t = 0.6)", "100 negatives\n(p_t = 0.9)"]
    explorer.controls["alpha"].value = 0.0  # only the negatives count
    assert "carry 100.0% of the loss" in explorer.readout.value


# --------------------------------------------------------------------------------------------
# exercises
# --------------------------------------------------------------------------------------------


def focal_solution(logits, targets, alpha, gamma):
    p = 1 / (1 + np.exp(-logits))
    p_t = p * targets + (1 - p) * (1 - targets)
    softplus_of_minus_x = np.maximum(-logits, 0) + np.log1p(np.exp(-np.abs(logits)))
    loss = ((1 - targets) * logits + softplus_of_minus_x) * (1 - p_t) ** gamma
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return loss


def naive_focal(logits, targets, alpha, gamma):
    with np.errstate(all="ignore"):
        p = 1 / (1 + np.exp(-logits))
        p_t = p * targets + (1 - p) * (1 - targets)
        loss = -((1 - p_t) ** gamma) * np.log(p_t)
    return (alpha * targets + (1 - alpha) * (1 - targets)) * loss if alpha >= 0 else loss


def always_alpha(logits, targets, alpha, gamma):
    return focal_solution(logits, targets, abs(alpha), gamma)


def raises(logits, targets, alpha, gamma):
    raise ZeroDivisionError("boom")


def _answer_12_2() -> float:
    p = 1 / (1 + math.exp(-2))
    first = -0.75 * p**2 * math.log(1 - p)
    second = -0.25 * (1 - p) ** 2 * math.log(p)
    return (first + second) / 2


#: One correct answer per check (tests/lessons/test_checkers.py uses them too).
SOLUTIONS = {
    "check_optimal_constant_logit": math.log(4 * 0.1 / 0.9),
    "check_focal_by_hand": _answer_12_2(),
    "check_sigmoid_focal_loss": focal_solution,
}


def test_exercise_solutions_are_correct() -> None:
    for check, solution in SOLUTIONS.items():
        assert getattr(lesson, check)(solution).correct
    theirs = torchvision_sigmoid_focal_loss(torch.tensor([2.0, 2.0]), torch.tensor([0.0, 1.0]),
                                            reduction="mean")
    assert lesson.check_focal_by_hand(theirs).correct
    assert lesson.check_focal_by_hand(round(_answer_12_2(), 4)).correct


@pytest.mark.parametrize(
    ("base_rate", "pos_weight"), [(0.1, 4.0), (0.05, 19.0), (0.5, 1.0), (0.9, 0.25), (0.3, 7.0)]
)
def test_the_reference_of_exercise_12_1_minimizes_the_expected_loss(base_rate, pos_weight) -> None:
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
    feedback = lesson.check_optimal_constant_logit(4 / 13)
    assert not feedback and "is the probability σ(x*)" in feedback.message
    feedback = lesson.check_optimal_constant_logit(math.log(0.1 / 0.9))
    assert not feedback and "without pos_weight" in feedback.message
    x, y = torch.tensor([2.0, 2.0]), torch.tensor([0.0, 1.0])
    for wrong, words in [
        (torchvision_sigmoid_focal_loss(x, y, reduction="sum"), "That is the sum"),
        (F.binary_cross_entropy_with_logits(x, y), "plain binary cross-entropy"),
        (torchvision_sigmoid_focal_loss(x, y, alpha=0.75, reduction="mean"), "α_t is swapped"),
        (torchvision_sigmoid_focal_loss(x, y, alpha=-1, reduction="mean"), "without α"),
    ]:
        feedback = lesson.check_focal_by_hand(wrong)
        assert not feedback and words in feedback.message


@pytest.mark.parametrize("answer", [None, "abc", [0.1, 0.2], 0.0, -0.8, float("inf")])
def test_optimal_constant_logit_answers_not_yet_without_raising(answer) -> None:
    feedback = lesson.check_optimal_constant_logit(answer)
    assert not feedback.correct and str(feedback).startswith("✗ Exercise 12.1")


@pytest.mark.parametrize("answer", [None, "abc", [0.1, 0.2], 0.0, 1.2376, float("nan")])
def test_focal_by_hand_answers_not_yet_without_raising(answer) -> None:
    feedback = lesson.check_focal_by_hand(answer)
    assert not feedback.correct and str(feedback).startswith("✗ Exercise 12.2")


@pytest.mark.parametrize(
    "function",
    [None, "abc", raises, naive_focal, always_alpha, lambda x, y, a, g: 0.0,
     lambda x, y, a, g: np.zeros(np.shape(x))],
)
def test_sigmoid_focal_loss_check_answers_not_yet_without_raising(function) -> None:
    feedback = lesson.check_sigmoid_focal_loss(function)
    assert not feedback.correct and str(feedback).startswith("✗ Exercise 12.3")


def test_sigmoid_focal_loss_check_reports_the_failing_case() -> None:
    feedback = lesson.check_sigmoid_focal_loss(naive_focal)
    assert "Case 4 of 4" in feedback.message  # the ±50 logits
    feedback = lesson.check_sigmoid_focal_loss(always_alpha)
    assert "Case 2 of 4" in feedback.message  # alpha = -1: no weighting
    feedback = lesson.check_sigmoid_focal_loss(raises)
    assert "Case 1 raised ZeroDivisionError: boom" in feedback.message
