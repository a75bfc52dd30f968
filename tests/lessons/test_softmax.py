"""Notebook 04 (softmax): its figure, its explorer and its exercise checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers import losses
from helpers.lessons import softmax as lesson

PREDS_ROW = [0.1, 0.2, 0.3, 0.4]  # document 001's first sample


def test_temperature_figure_draws_both_panels_with_the_right_curves() -> None:
    figure = lesson.softmax_temperature_figure(PREDS_ROW)
    bars_ax, curves_ax = figure.axes
    # three temperatures x four classes
    heights = np.array([patch.get_height() for patch in bars_ax.patches]).reshape(3, 4)
    for row, temperature in zip(heights, (0.1, 1.0, 10.0), strict=True):
        expected = F.softmax(torch.tensor(PREDS_ROW, dtype=torch.float64) / temperature, dim=0)
        np.testing.assert_allclose(row, expected.numpy(), rtol=1e-12)
    grid = curves_ax.lines[0].get_xdata()
    for k in range(4):
        np.testing.assert_allclose(
            curves_ax.lines[k].get_ydata(),
            losses.softmax(np.asarray(PREDS_ROW)[None, :] / grid[:, None], axis=1)[:, k],
        )
    # the limits the figure claims: one-hot at T = 0.01, uniform at T = 100
    assert curves_ax.lines[3].get_ydata()[0] > 0.9999
    at_t_100 = [line.get_ydata()[-1] for line in curves_ax.lines[:4]]
    np.testing.assert_allclose(at_t_100, 0.25, atol=1e-3)


def test_temperature_explorer_redraws_bars_and_readout() -> None:
    explorer = lesson.softmax_temperature_explorer(PREDS_ROW)
    assert repr(explorer) == (
        "Explorer: softmax(v / T): temperature and one logit (temperature=1.0, last_logit=0.4)"
    )
    assert "p = [0.2138, 0.2363, 0.2612, 0.2887], sum 1.0000" in explorer.readout.value
    prob_ax = explorer.figure.axes[1]
    before = explorer.image.value
    for temperature in (0.01, 0.3, 1.0, 5.0, 100.0):
        explorer.controls["temperature"].value = temperature
        temperature = explorer.controls["temperature"].value  # the slider may round
        heights = [patch.get_height() for patch in prob_ax.patches]
        np.testing.assert_allclose(heights, losses.softmax(np.asarray(PREDS_ROW) / temperature))
        assert f"T = {temperature:.3g}" in explorer.readout.value
    assert explorer.image.value != before
    explorer.controls["temperature"].value = 0.01
    assert prob_ax.patches[3].get_height() > 0.9999  # T -> 0: one-hot on the argmax
    explorer.controls["last_logit"].value = -2.0  # class 2 (0.3) becomes the argmax
    heights = [patch.get_height() for patch in prob_ax.patches]
    assert int(np.argmax(heights)) == 2 and heights[2] > 0.99
    assert explorer.figure.axes[0].patches[3].get_height() == pytest.approx(-2.0)


def stable_softmax(x, axis=-1):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    exp = np.exp(shifted)
    return exp / np.sum(exp, axis=axis, keepdims=True)


def naive_softmax(x, axis=-1):
    exp = np.exp(x)
    return exp / np.sum(exp, axis=axis, keepdims=True)


def raises(x, axis=-1):
    raise NotImplementedError("not written yet")


#: One correct answer per check (tests/lessons/test_checkers.py uses them too).
SOLUTIONS = {
    "check_softmax_probability": math.exp(2.4) / (math.exp(1.2) + math.exp(2.4) + math.exp(3.6)),
    "check_temperature": 1 / math.log(9),
    "check_stable_softmax": stable_softmax,
}


def test_solutions_are_correct() -> None:
    for check, solution in SOLUTIONS.items():
        assert getattr(lesson, check)(solution).correct
    assert lesson.check_softmax_probability(F.softmax(torch.tensor([1.2, 2.4, 3.6]), 0)[1])
    assert lesson.check_softmax_probability(round(SOLUTIONS["check_softmax_probability"], 4))
    temperature = SOLUTIONS["check_temperature"]
    assert F.softmax(torch.tensor([0.0, 1.0]) / temperature, dim=0)[1].item() == pytest.approx(0.9)


@pytest.mark.parametrize(
    "answer",
    [None, "abc", [0.2164, 0.2164], np.zeros((2, 3)), 0.0652, 0.7184, float("nan")],
)
def test_exercise_3_1_rejects_wrong_answers(answer) -> None:
    feedback = lesson.check_softmax_probability(answer)
    assert not feedback.correct
    assert str(feedback).startswith("✗ Exercise 3.1: not yet.")


@pytest.mark.parametrize("answer", [None, "abc", [0.4551, 0.4551], math.log(9), 0.9, -0.4551])
def test_exercise_3_2_rejects_wrong_answers(answer) -> None:
    assert not lesson.check_temperature(answer).correct


@pytest.mark.parametrize(
    "function", [None, "abc", naive_softmax, raises, lambda x, axis=-1: x, np.exp]
)
def test_exercise_3_3_rejects_wrong_functions(function) -> None:
    feedback = lesson.check_stable_softmax(function)
    assert not feedback.correct
    assert feedback.hint


def test_exercise_3_3_names_the_overflow_case_and_the_wrong_axis() -> None:
    assert "Case 3 of 6" in str(lesson.check_stable_softmax(naive_softmax))
    assert "raised NotImplementedError" in str(lesson.check_stable_softmax(raises))

    def last_axis_only(x, axis=-1):
        return stable_softmax(x, axis=-1)

    assert not lesson.check_stable_softmax(last_axis_only).correct
