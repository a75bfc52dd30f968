"""Appendix B (pitfalls and errata): its figure, explorer and exercise checks."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers import losses
from helpers.lessons import errata as lesson


@pytest.mark.parametrize("num_classes", [2, 3, 5])
def test_double_softmax_losses_match_torch(num_classes) -> None:
    p = np.array([0.01, 0.2, 0.5, 0.7, 0.99, 1.0])
    curves = losses.double_softmax_losses(p, num_classes)
    np.testing.assert_allclose(curves["nats"], -np.log(p))
    np.testing.assert_allclose(curves["bans"], -np.log10(p))
    probs = torch.empty(p.size, num_classes, dtype=torch.float64)
    probs[:, 0] = torch.from_numpy(p)
    probs[:, 1:] = torch.from_numpy((1 - p) / (num_classes - 1))[:, None]
    expected = F.cross_entropy(probs, torch.zeros(p.size, dtype=torch.long), reduction="none")
    np.testing.assert_allclose(curves["double"], expected.numpy(), rtol=1e-12)
    floor = math.log(1 + (num_classes - 1) / math.e)
    assert curves["double"][-1] == pytest.approx(floor)
    assert np.all(curves["double"] >= floor - 1e-12)


def test_figure_marks_document_002s_value() -> None:
    figure = lesson.double_softmax_figure(num_classes=3)
    (ax,) = figure.axes
    squares = [line for line in ax.lines if line.get_marker() == "s"]
    assert len(squares) == 1
    expected = F.cross_entropy(torch.tensor([[0.2, 0.7, 0.1]]), torch.tensor([1])).item()
    assert squares[0].get_ydata()[0] == pytest.approx(expected, rel=1e-6)
    assert round(expected, 4) == 0.7679


def test_explorer_shows_the_three_numbers() -> None:
    explorer = lesson.double_softmax_explorer()
    assert repr(explorer) == "Explorer: Probabilities fed to CrossEntropyLoss (p=0.7)"
    assert "−ln p = 0.3567" in explorer.readout.value
    assert "−log10 p = 0.1549" in explorer.readout.value
    left, right = explorer.figure.axes
    before = explorer.image.value
    for p in (0.05, 0.3, 0.5, 0.9, 1.0):
        explorer.controls["p"].value = p
        curves = losses.double_softmax_losses(np.array([p]))
        values = [curves[name][0] for name in ("nats", "bans", "double")]
        heights = [bar.get_height() for bar in right.patches]
        np.testing.assert_allclose(heights, np.minimum(values, 3.0))
        moving = [line for line in left.lines if line.get_marker() == "o"]
        marked = [line.get_ydata()[0] for line in moving]
        np.testing.assert_allclose(marked, np.minimum(values, 3.0))
        assert f"CrossEntropyLoss of the probabilities = {values[2]:.4f}" in explorer.readout.value
    assert explorer.image.value != before


def logits_8_1() -> torch.Tensor:
    return torch.tensor(lesson.DOUBLE_SOFTMAX_LOGITS, dtype=torch.float32)


def target_8_1() -> torch.Tensor:
    return torch.tensor(lesson.DOUBLE_SOFTMAX_TARGET)


def solution_8_2(logits, target):
    logits, target = torch.as_tensor(logits), torch.as_tensor(target)
    return F.cross_entropy(logits, target)


#: One correct answer per check (tests/lessons/test_checkers.py uses them too).
SOLUTIONS = {
    "check_fixed_double_softmax": nn.CrossEntropyLoss()(logits_8_1(), target_8_1()).item(),
    "check_sequence_loss": solution_8_2,
    "check_double_softmax_floor": math.log(1 + 2 / math.e),
}


def test_exercise_solutions_are_correct() -> None:
    for check, solution in SOLUTIONS.items():
        assert getattr(lesson, check)(solution).correct
    answer = SOLUTIONS["check_fixed_double_softmax"]
    assert lesson.check_fixed_double_softmax(torch.tensor(answer)).correct


def test_exercise_8_1_recognizes_the_buggy_value() -> None:
    buggy = nn.CrossEntropyLoss()(F.softmax(logits_8_1(), dim=1), target_8_1()).item()
    feedback = lesson.check_fixed_double_softmax(buggy)
    assert not feedback.correct
    assert "buggy snippet" in feedback.message


WRONG_NUMBERS = [None, "abc", [1.0, 2.0], float("nan"), 0.0, -1.0]


@pytest.mark.parametrize("answer", WRONG_NUMBERS)
def test_exercise_8_1_and_8_3_reject_wrong_answers(answer) -> None:
    for check in (lesson.check_fixed_double_softmax, lesson.check_double_softmax_floor):
        feedback = check(answer)
        assert not feedback.correct
        assert "not yet" in str(feedback)


def buggy_sequence_loss(logits, target):
    logits, target = torch.as_tensor(logits), torch.as_tensor(target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log_probs = nn.LogSoftmax()(logits)  # implicit dim: 0 for 3-D input
    return nn.NLLLoss()(log_probs, target)


def first_position_only(logits, target):
    return F.cross_entropy(torch.as_tensor(logits)[..., 0], torch.as_tensor(target)[..., 0])


def raises(logits, target):
    raise RuntimeError("boom")


@pytest.mark.parametrize(
    "function", [buggy_sequence_loss, first_position_only, raises, None, "abc"]
)
def test_exercise_8_2_rejects_wrong_functions_without_raising(function) -> None:
    feedback = lesson.check_sequence_loss(function)
    assert not feedback.correct
    assert str(feedback).startswith("✗ Exercise 8.2: not yet.")
