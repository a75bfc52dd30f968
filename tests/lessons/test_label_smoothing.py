"""Notebook 08 (label smoothing): its figure, explorer and exercise checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers import losses
from helpers.lessons import label_smoothing as lesson


def analytic_loss(gap: np.ndarray, num_classes: int, epsilon: float) -> np.ndarray:
    """L(g) = -p_y g + log(e^g + C - 1) for logits (g, 0, ..., 0), true class 0,
    p_y = 1 - ε + ε/C."""
    true_target = 1 - epsilon + epsilon / num_classes
    return -true_target * gap + np.log(np.exp(gap) + num_classes - 1)


@pytest.mark.parametrize("num_classes", [2, 4, 10])
@pytest.mark.parametrize("epsilon", [0.0, 0.1, 0.5, 0.99])
def test_smoothed_loss_vs_gap_matches_the_closed_form_and_torch(num_classes, epsilon) -> None:
    gap = np.linspace(-2, 10, 25)
    values = losses.smoothed_loss_vs_gap(gap, num_classes, epsilon)
    expected = analytic_loss(gap, num_classes, epsilon)
    np.testing.assert_allclose(values, expected, rtol=1e-9, atol=1e-12)
    logits = torch.zeros(gap.size, num_classes, dtype=torch.float64)
    logits[:, 0] = torch.from_numpy(gap)
    expected = F.cross_entropy(
        logits, torch.zeros(gap.size, dtype=torch.long), reduction="none", label_smoothing=epsilon
    )
    np.testing.assert_allclose(values, expected.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("num_classes", [2, 4, 10])
@pytest.mark.parametrize("epsilon", [0.01, 0.1, 0.5, 0.9])
def test_optimal_gap_is_the_minimum_of_the_loss(num_classes, epsilon) -> None:
    best = losses.optimal_gap(num_classes, epsilon)
    assert best == pytest.approx(math.log(1 + num_classes * (1 - epsilon) / epsilon))
    around = best + np.array([-1e-3, 0.0, 1e-3])
    values = losses.smoothed_loss_vs_gap(around, num_classes, epsilon)
    assert values[1] < values[0] and values[1] < values[2]
    target = losses.smooth_targets(np.array(0), num_classes, epsilon)
    entropy = -np.sum(target * np.log(target))
    assert values[1] == pytest.approx(entropy, rel=1e-12)
    assert losses.optimal_gap(num_classes, 0.0) == math.inf


def test_figure_marks_one_minimum_per_positive_epsilon() -> None:
    epsilons = (0.0, 0.05, 0.1, 0.2, 0.4)
    figure = lesson.label_smoothing_gap_figure(num_classes=4, epsilons=epsilons)
    (ax,) = figure.axes
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert len(dots) == len(epsilons) - 1
    for dot, epsilon in zip(dots, epsilons[1:], strict=True):
        assert dot.get_xdata()[0] == pytest.approx(losses.optimal_gap(4, epsilon))


def test_explorer_moves_bars_curve_and_marker_with_epsilon_and_k() -> None:
    explorer = lesson.label_smoothing_explorer()
    assert repr(explorer) == "Explorer: Label smoothing vs ε (epsilon=0.1, num_classes=4)"
    left, right = explorer.figure.axes
    curve = right.lines[1]
    (point,) = [line for line in right.lines if line.get_marker() == "o"]
    before_image, before_readout = explorer.image.value, explorer.readout.value
    for epsilon in (0.05, 0.3, 0.6, 0.95):
        explorer.controls["epsilon"].value = epsilon
        for num_classes in (2, 4, 10):
            explorer.controls["num_classes"].value = num_classes
            target = losses.smooth_targets(np.array(0), num_classes, epsilon)
            heights = [bar.get_height() for bar in left.containers[1] if bar.get_visible()]
            np.testing.assert_allclose(heights, target)
            expected = analytic_loss(curve.get_xdata(), num_classes, epsilon)
            np.testing.assert_allclose(curve.get_ydata(), expected, rtol=1e-9, atol=1e-12)
            best = losses.optimal_gap(num_classes, epsilon)
            assert point.get_xdata()[0] == pytest.approx(best)
            assert point.get_ydata()[0] == pytest.approx(analytic_loss(best, num_classes, epsilon))
            assert f"= {best:.4f}" in explorer.readout.value
    assert explorer.image.value != before_image
    assert explorer.readout.value != before_readout


def test_explorer_at_epsilon_zero_has_no_minimum() -> None:
    explorer = lesson.label_smoothing_explorer()
    explorer.controls["epsilon"].value = 0.0
    assert "no finite minimum" in explorer.readout.value
    _, right = explorer.figure.axes
    (point,) = [line for line in right.lines if line.get_marker() == "o"]
    assert len(point.get_xdata()) == 0


def solution_8_3(logits, target, epsilon):
    log_p = losses.log_softmax(np.asarray(logits), axis=1)
    nll = -log_p[np.arange(len(target)), target].mean()
    return (1 - epsilon) * nll + epsilon * (-log_p.mean())


#: One correct answer per check (tests/lessons/test_checkers.py uses them too).
SOLUTIONS = {
    "check_smoothed_true_class": 1 - 0.1 + 0.1 / 10,
    "check_optimal_gap": math.log((1 - 0.1 + 0.1 / 10) / (0.1 / 10)),
    "check_label_smoothed_loss": solution_8_3,
}


def test_exercise_solutions_are_correct() -> None:
    for check, solution in SOLUTIONS.items():
        assert getattr(lesson, check)(solution).correct


WRONG_NUMBERS = [None, "abc", [1.0, 2.0], float("nan"), np.zeros((2, 2))]


@pytest.mark.parametrize("answer", [0.9, 0.91 + 1e-3, *WRONG_NUMBERS])
def test_exercise_8_1_rejects_wrong_answers(answer) -> None:
    feedback = lesson.check_smoothed_true_class(answer)
    assert not feedback.correct
    assert str(feedback).startswith("✗ Exercise 8.1: not yet.")


@pytest.mark.parametrize("answer", [math.log(0.9 / (0.1 / 9)), math.log10(91), *WRONG_NUMBERS])
def test_exercise_8_2_rejects_wrong_answers(answer) -> None:
    assert not lesson.check_optimal_gap(answer).correct


def plain_cross_entropy(logits, target, epsilon):
    return losses.cross_entropy(logits, target)  # ignores epsilon


def variant_smoothing(logits, target, epsilon):
    log_p = losses.log_softmax(np.asarray(logits), axis=1)
    k = log_p.shape[1]
    one_hot = losses.one_hot(target, k)
    q = (1 - epsilon) * one_hot + epsilon / (k - 1) * (1 - one_hot)
    return -(q * log_p).sum(axis=1).mean()


def per_sample(logits, target, epsilon):
    return losses.cross_entropy(logits, target, reduction="none", label_smoothing=epsilon)


def raises(logits, target, epsilon):
    raise ZeroDivisionError("oops")


@pytest.mark.parametrize(
    "function", [plain_cross_entropy, variant_smoothing, per_sample, raises, None, "abc"]
)
def test_exercise_8_3_rejects_wrong_functions_without_raising(function) -> None:
    feedback = lesson.check_label_smoothed_loss(function)
    assert not feedback.correct
    assert str(feedback).startswith("✗ Exercise 8.3: not yet.")
