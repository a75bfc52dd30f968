"""Notebook 07 (CrossEntropyLoss): its figure, its explorer and its exercise checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.explorer import Explorer
from helpers.lessons import cross_entropy_loss_in_pytorch as lesson

DIRECTIONS = {
    "ones": np.array([1.0, 1.0, 1.0]),
    "target": np.array([1.0, 0.0, 0.0]),
    "other": np.array([0.0, 1.0, -1.0]),
    "mixed": np.array([-1.0, 2.0, 0.5]),
}


def test_loss_along_lines_figure_draws_torchs_loss_along_each_line() -> None:
    x = np.array([2.0, 1.0, 0.1])
    figure = lesson.loss_along_lines_figure(x, 0, DIRECTIONS)
    (ax,) = figure.axes
    curves = ax.lines[: len(DIRECTIONS)]
    assert [line.get_label() for line in curves] == list(DIRECTIONS)
    for line, v in zip(curves, DIRECTIONS.values(), strict=True):
        t = torch.from_numpy(line.get_xdata())
        rows = torch.from_numpy(x) + t[:, None] * torch.from_numpy(v)
        expected = F.cross_entropy(rows, torch.zeros(len(t), dtype=torch.long), reduction="none")
        loss = line.get_ydata()
        np.testing.assert_allclose(loss, expected.numpy(), rtol=1e-12, atol=1e-12)
        assert np.all(np.diff(loss, 2) >= -1e-12)  # convex: second differences never negative
    flat = curves[0].get_ydata()
    np.testing.assert_allclose(flat, flat[0], rtol=1e-12)  # shift invariance
    (point_x,), (point_y,) = ax.lines[-1].get_data()
    assert point_x == 0
    assert point_y == pytest.approx(F.cross_entropy(torch.from_numpy(x), torch.tensor(0)).item())


def explorer_state(explorer: Explorer):
    ax_loss, ax_probability = explorer.figure.axes
    curve, asymptote, tangent, point = ax_loss.lines[:4]
    bars = [patch.get_height() for patch in ax_probability.patches]
    return curve, asymptote, tangent, point, bars


def test_target_logit_explorer_tracks_torchs_cross_entropy_and_its_derivatives() -> None:
    explorer = lesson.target_logit_explorer(logits=(1.2, 2.4, 3.6), target=1)
    assert repr(explorer) == (
        "Explorer: Cross-entropy vs the target logit (target_logit=2.4, competitor_logit=3.6)"
    )
    assert "loss = −log q_1 = 1.5307" in explorer.readout.value  # document 002's second example
    assert explorer.controls["target_logit"].description == "x[1] (target)"
    assert explorer.controls["competitor_logit"].description == "x[2] (competitor)"
    before = bytes(explorer.image.value)
    for target_logit, competitor in [(-4.0, 3.6), (2.4, 3.6), (6.0, 0.0), (10.0, 10.0)]:
        explorer.controls["target_logit"].value = target_logit
        explorer.controls["competitor_logit"].value = competitor
        logits = torch.tensor([1.2, target_logit, competitor], dtype=torch.float64)
        expected = F.cross_entropy(logits[None], torch.tensor([1])).item()
        q = F.softmax(logits, dim=0)
        curve, asymptote, tangent, point, bars = explorer_state(explorer)
        assert point.get_ydata()[0] == pytest.approx(expected)
        assert point.get_xdata()[0] == pytest.approx(target_logit)
        np.testing.assert_allclose(bars, q.numpy(), rtol=1e-12)
        # the curve is the loss as a function of the target logit
        grid = curve.get_xdata()
        rows = logits.repeat(len(grid), 1)
        rows[:, 1] = torch.from_numpy(grid)
        ones = torch.ones(len(grid), dtype=torch.long)
        expected_curve = F.cross_entropy(rows, ones, reduction="none").numpy()
        np.testing.assert_allclose(curve.get_ydata(), expected_curve, rtol=1e-10, atol=1e-12)
        # the asymptote and the tangent (slope q_1 - 1, autograd's) lie below the convex curve
        assert np.all(asymptote.get_ydata() <= curve.get_ydata() + 1e-12)
        assert np.all(tangent.get_ydata() <= curve.get_ydata() + 1e-9)
        x = logits.clone().requires_grad_(True)
        F.cross_entropy(x, torch.tensor(1)).backward()
        slope = np.polyfit(grid, tangent.get_ydata(), 1)[0]
        assert slope == pytest.approx(x.grad[1].item(), abs=1e-9)
        readout = explorer.readout.value
        assert f"loss = −log q_1 = {expected:.4f}" in readout
        assert f"curvature q_1(1 − q_1) = {(q[1] * (1 - q[1])).item():.4f}" in readout
    assert bytes(explorer.image.value) != before


LOGITS_7_2 = torch.tensor([[2.0, 1.0, 0.1], [0.5, 0.5, 3.0]])
TARGET_7_2 = torch.tensor([0, 1])
X_7_3 = torch.tensor([2.0, 1.0, 0.1], dtype=torch.float64)
V_7_3 = torch.tensor([1.0, -1.0, 0.0], dtype=torch.float64)


def weighted_mean_by_hand() -> float:
    first = 3 * (math.log(math.exp(1) + math.exp(2) + 1) - 1)
    second = math.log(2 + math.exp(3)) - 3
    return (first + second) / (3 + 1)


def hessian_7_3() -> torch.Tensor:
    return torch.autograd.functional.hessian(
        lambda x: F.cross_entropy(x, torch.tensor(0)), X_7_3
    )


#: One correct answer per check (tests/lessons/test_checkers.py uses them too).
SOLUTIONS = {
    "check_weighted_mean": weighted_mean_by_hand(),
    "check_cross_entropy_gradient": (
        (torch.softmax(LOGITS_7_2, dim=1) - F.one_hot(TARGET_7_2, num_classes=3)) / 2
    ),
    "check_line_curvature": float(V_7_3 @ hessian_7_3() @ V_7_3),
}


def test_exercise_solutions_are_correct() -> None:
    for check, solution in SOLUTIONS.items():
        assert getattr(lesson, check)(solution).correct
    logits = torch.tensor(lesson.WEIGHTED_LOGITS)
    target = torch.tensor(lesson.WEIGHTED_TARGET)
    weight = torch.tensor(lesson.CLASS_WEIGHT)
    assert lesson.check_weighted_mean(F.cross_entropy(logits, target, weight=weight)).correct
    gradient = SOLUTIONS["check_cross_entropy_gradient"]
    assert lesson.check_cross_entropy_gradient(gradient.numpy().tolist()).correct
    q = torch.softmax(X_7_3, dim=0)
    assert lesson.check_line_curvature((q * V_7_3**2).sum() - (q * V_7_3).sum() ** 2).correct


def test_exercise_data_are_what_the_notebook_shows() -> None:
    np.testing.assert_array_equal(lesson.WEIGHTED_LOGITS, [[1.0, 2.0, 0.0], [0.0, 0.0, 3.0]])
    np.testing.assert_array_equal(lesson.WEIGHTED_TARGET, [0, 2])
    np.testing.assert_array_equal(lesson.CLASS_WEIGHT, [3.0, 1.0, 1.0])
    np.testing.assert_array_equal(lesson.LINE_LOGITS, X_7_3.numpy())
    np.testing.assert_array_equal(lesson.LINE_DIRECTION, V_7_3.numpy())
    assert lesson.LINE_TARGET == 0


def test_weighted_mean_check_names_the_two_common_mistakes() -> None:
    logits = torch.tensor(lesson.WEIGHTED_LOGITS)
    target = torch.tensor(lesson.WEIGHTED_TARGET)
    weight = torch.tensor(lesson.CLASS_WEIGHT)
    weighted_sum = F.cross_entropy(logits, target, weight=weight, reduction="sum")
    feedback = lesson.check_weighted_mean(weighted_sum / 2)
    assert not feedback and "divided by N" in feedback.message
    feedback = lesson.check_weighted_mean(F.cross_entropy(logits, target))
    assert not feedback and "unweighted mean" in feedback.message


def test_gradient_check_names_the_sum_and_the_sign_mistakes() -> None:
    gradient_of_sum = torch.softmax(LOGITS_7_2, dim=1) - F.one_hot(TARGET_7_2, num_classes=3)
    feedback = lesson.check_cross_entropy_gradient(gradient_of_sum)
    assert not feedback and "gradient of the sum" in feedback.message
    feedback = lesson.check_cross_entropy_gradient(-gradient_of_sum / 2)
    assert not feedback and "wrong sign" in feedback.message


def test_curvature_check_names_the_missing_outer_product() -> None:
    q = torch.softmax(X_7_3, dim=0)
    feedback = lesson.check_line_curvature((q * V_7_3**2).sum())
    assert not feedback and "diag(q)" in feedback.message


@pytest.mark.parametrize("check", ["check_weighted_mean", "check_line_curvature"])
@pytest.mark.parametrize("answer", [None, "abc", [1.0, 2.0], 0.4, float("nan")])
def test_number_checks_answer_not_yet_without_raising(check, answer) -> None:
    feedback = getattr(lesson, check)(answer)
    assert not feedback.correct and str(feedback).startswith("✗ Exercise 7.")


@pytest.mark.parametrize("answer", [None, "abc", np.zeros((3, 2)), np.zeros((2, 3)), 1.0])
def test_gradient_check_answers_not_yet_without_raising(answer) -> None:
    feedback = lesson.check_cross_entropy_gradient(answer)
    assert not feedback.correct and str(feedback).startswith("✗ Exercise 7.2")
