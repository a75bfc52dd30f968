"""Notebook 07 (CrossEntropyLoss): its figure, its explorer and its exercise checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.explorer import Explorer
from helpers.lessons import cross_entropy_loss_in_pytorch as lesson

X_004 = np.array(  # document 004's printed x_input
    [[2.8883, 0.1760, 1.0774], [1.1216, -0.0562, 0.0660], [-1.3939, -0.0967, 0.5853]],
    dtype=np.float32,
)


def test_softmax_bars_figure_shows_each_rows_softmax_and_loss() -> None:
    figure = lesson.softmax_bars_figure(X_004, np.array([1, 2, 0]), title="004")
    axes = figure.axes
    assert len(axes) == 3
    softmax = F.softmax(torch.from_numpy(X_004), dim=1).numpy()
    for n, (ax, y) in enumerate(zip(axes, (1, 2, 0), strict=True)):
        heights = [patch.get_height() for patch in ax.patches]
        np.testing.assert_allclose(heights, softmax[n], rtol=1e-6)
        assert f"{-math.log(softmax[n, y]):.4f}" in ax.get_title()
        colors = [patch.get_facecolor() for patch in ax.patches]
        green = [k for k, color in enumerate(colors) if color == colors[y]]
        assert green == [y]


def explorer_state(explorer: Explorer):
    ax_loss, ax_probability = explorer.figure.axes
    curve, asymptote, point = ax_loss.lines[:3]
    bars = [patch.get_height() for patch in ax_probability.patches]
    return curve, asymptote, point, bars


def test_target_logit_explorer_tracks_torchs_cross_entropy() -> None:
    explorer = lesson.target_logit_explorer()
    assert repr(explorer) == (
        "Explorer: Cross-entropy vs the target logit (target_logit=2.4, competitor_logit=3.6)"
    )
    assert "loss = −log p_1 = 1.5307" in explorer.readout.value  # document 002's value
    before = bytes(explorer.image.value)
    for target_logit, competitor in [(-4.0, 3.6), (2.4, 3.6), (6.0, 0.0), (10.0, 10.0)]:
        explorer.controls["target_logit"].value = target_logit
        explorer.controls["competitor_logit"].value = competitor
        logits = torch.tensor([1.2, target_logit, competitor], dtype=torch.float64)
        expected = F.cross_entropy(logits[None], torch.tensor([1])).item()
        curve, asymptote, point, bars = explorer_state(explorer)
        assert point.get_ydata()[0] == pytest.approx(expected)
        assert point.get_xdata()[0] == pytest.approx(target_logit)
        np.testing.assert_allclose(bars, F.softmax(logits, dim=0).numpy(), rtol=1e-12)
        # the curve is the loss as a function of the target logit; the asymptote lies below it
        grid = curve.get_xdata()
        rows = logits.repeat(len(grid), 1)
        rows[:, 1] = torch.from_numpy(grid)
        ones = torch.ones(len(grid), dtype=torch.long)
        expected_curve = F.cross_entropy(rows, ones, reduction="none").numpy()
        np.testing.assert_allclose(curve.get_ydata(), expected_curve, rtol=1e-10, atol=1e-12)
        assert np.all(asymptote.get_ydata() <= curve.get_ydata() + 1e-12)
        assert f"loss = −log p_1 = {expected:.4f}" in explorer.readout.value
    assert bytes(explorer.image.value) != before


LOGITS_6_2 = torch.tensor([[2.0, 1.0, 0.1], [0.5, 0.5, 3.0]])
TARGET_6_2 = torch.tensor([0, 1])


def my_cross_entropy(logits, target):
    m = logits.max(axis=1, keepdims=True)
    log_sum_exp = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))
    return np.mean(log_sum_exp - logits[np.arange(len(target)), target])


def naive_cross_entropy(logits, target):
    with np.errstate(all="ignore"):
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return -np.mean(np.log(p[np.arange(len(target)), target]))


#: One correct answer per check (tests/lessons/test_checkers.py uses them too).
SOLUTIONS = {
    "check_cross_entropy_by_hand": math.log(math.exp(2.0) + math.exp(1.0) + math.exp(0.1)) - 2.0,
    "check_cross_entropy_gradient": (
        (torch.softmax(LOGITS_6_2, dim=1) - F.one_hot(TARGET_6_2, num_classes=3)) / 2
    ),
    "check_stable_cross_entropy": my_cross_entropy,
}


def test_exercise_solutions_are_correct() -> None:
    for check, solution in SOLUTIONS.items():
        assert getattr(lesson, check)(solution).correct
    assert lesson.check_cross_entropy_by_hand(
        F.cross_entropy(torch.tensor([[2.0, 1.0, 0.1]]), torch.tensor([0]))
    ).correct
    gradient = SOLUTIONS["check_cross_entropy_gradient"]
    assert lesson.check_cross_entropy_gradient(gradient.numpy().tolist()).correct


def test_gradient_check_names_the_sum_mistake() -> None:
    gradient_of_sum = torch.softmax(LOGITS_6_2, dim=1) - F.one_hot(TARGET_6_2, num_classes=3)
    feedback = lesson.check_cross_entropy_gradient(gradient_of_sum)
    assert not feedback and "gradient of the sum" in feedback.message


@pytest.mark.parametrize("answer", [None, "abc", [1.0, 2.0], 0.4, float("nan")])
def test_number_check_answers_not_yet_without_raising(answer) -> None:
    feedback = lesson.check_cross_entropy_by_hand(answer)
    assert not feedback.correct and str(feedback).startswith("✗ Exercise 6.1")


@pytest.mark.parametrize("answer", [None, "abc", np.zeros((3, 2)), np.zeros((2, 3)), 1.0])
def test_gradient_check_answers_not_yet_without_raising(answer) -> None:
    feedback = lesson.check_cross_entropy_gradient(answer)
    assert not feedback.correct and str(feedback).startswith("✗ Exercise 6.2")


def raises(logits, target):
    raise ZeroDivisionError("boom")


@pytest.mark.parametrize("function", [None, "abc", raises, naive_cross_entropy, lambda x, y: 0.0])
def test_function_check_answers_not_yet_without_raising(function) -> None:
    feedback = lesson.check_stable_cross_entropy(function)
    assert not feedback.correct and str(feedback).startswith("✗ Exercise 6.3")
