"""Notebook 04 (softmax): its figure, its explorer and its exercise checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers import losses
from helpers.lessons import softmax as lesson

LOGITS = [0.1, 0.2, 0.3, 0.4]  # the first sample of the lesson's running example


def test_temperature_figure_draws_both_panels_with_the_right_curves() -> None:
    figure = lesson.softmax_temperature_figure(LOGITS)
    bars_ax, curves_ax = figure.axes
    # three temperatures x four classes
    heights = np.array([patch.get_height() for patch in bars_ax.patches]).reshape(3, 4)
    for row, temperature in zip(heights, (0.1, 1.0, 10.0), strict=True):
        expected = F.softmax(torch.tensor(LOGITS, dtype=torch.float64) / temperature, dim=0)
        np.testing.assert_allclose(row, expected.numpy(), rtol=1e-12)
    grid = curves_ax.lines[0].get_xdata()
    for k in range(4):
        np.testing.assert_allclose(
            curves_ax.lines[k].get_ydata(),
            losses.softmax(np.asarray(LOGITS)[None, :] / grid[:, None], axis=1)[:, k],
        )
    # the limits the figure claims: one-hot at T = 0.01, uniform at T = 100
    assert curves_ax.lines[3].get_ydata()[0] > 0.9999
    at_t_100 = [line.get_ydata()[-1] for line in curves_ax.lines[:4]]
    np.testing.assert_allclose(at_t_100, 0.25, atol=1e-3)


def test_temperature_explorer_redraws_bars_jacobian_and_readout() -> None:
    explorer = lesson.softmax_temperature_explorer(LOGITS)
    assert repr(explorer) == (
        "Explorer: softmax(x / τ) and its Jacobian: temperature and one logit "
        "(temperature=1.0, last_logit=0.4)"
    )
    assert "q = [0.2138, 0.2363, 0.2612, 0.2887], sum 1.0000" in explorer.readout.value
    assert "q_c (1 - q_c) = [0.1681, 0.1805, 0.1930, 0.2053]" in explorer.readout.value
    prob_ax, jacobian_ax = explorer.figure.axes[1:3]
    before = explorer.image.value
    for temperature in (0.01, 0.3, 1.0, 5.0, 100.0):
        explorer.controls["temperature"].value = temperature
        temperature = explorer.controls["temperature"].value  # the slider may round
        heights = [patch.get_height() for patch in prob_ax.patches]
        scaled = np.asarray(LOGITS) / temperature
        np.testing.assert_allclose(heights, losses.softmax(scaled))
        q = torch.softmax(torch.tensor(scaled), 0)
        np.testing.assert_allclose(
            jacobian_ax.images[0].get_array(), (torch.diag(q) - torch.outer(q, q)).numpy(),
            rtol=1e-9, atol=1e-15,
        )
        assert f"τ = {temperature:.3g}" in explorer.readout.value
    assert explorer.image.value != before
    explorer.controls["temperature"].value = 0.01
    assert prob_ax.patches[3].get_height() > 0.9999  # τ -> 0: one-hot on the argmax
    assert np.abs(jacobian_ax.images[0].get_array()).max() < 1e-4  # and J fades to 0
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


Q = np.array([1, 1, 2]) / 4  # softmax(0, 0, ln 2)

#: One correct answer per check (tests/lessons/test_checkers.py uses them too).
SOLUTIONS = {
    "check_softmax_probability": math.exp(2.4) / (math.exp(1.2) + math.exp(2.4) + math.exp(3.6)),
    "check_temperature": 1 / math.log(9),
    "check_stable_softmax": stable_softmax,
    "check_softmax_jacobian": np.diag(Q) - np.outer(Q, Q),
}


def test_solutions_are_correct() -> None:
    for check, solution in SOLUTIONS.items():
        assert getattr(lesson, check)(solution).correct
    assert lesson.check_softmax_probability(F.softmax(torch.tensor([1.2, 2.4, 3.6]), 0)[1])
    assert lesson.check_softmax_probability(round(SOLUTIONS["check_softmax_probability"], 4))
    temperature = SOLUTIONS["check_temperature"]
    assert F.softmax(torch.tensor([0.0, 1.0]) / temperature, dim=0)[1].item() == pytest.approx(0.9)
    # the Jacobian as the notebook computes it three ways, and as a learner writes it in sixteenths
    x = torch.tensor([0.0, 0.0, math.log(2.0)], dtype=torch.float64)
    assert lesson.check_softmax_jacobian(
        torch.autograd.functional.jacobian(lambda v: torch.softmax(v, 0), x)
    )
    assert lesson.check_softmax_jacobian([[3 / 16, -1 / 16, -2 / 16], [-1 / 16, 3 / 16, -2 / 16],
                                          [-2 / 16, -2 / 16, 4 / 16]])
    assert lesson.check_softmax_jacobian(SOLUTIONS["check_softmax_jacobian"].astype(np.float32))


@pytest.mark.parametrize(
    "answer",
    [None, "abc", [0.2164, 0.2164], np.zeros((2, 3)), 0.0652, 0.7184, float("nan")],
)
def test_exercise_4_1_rejects_wrong_answers(answer) -> None:
    feedback = lesson.check_softmax_probability(answer)
    assert not feedback.correct
    assert str(feedback).startswith("✗ Exercise 4.1: not yet.")


@pytest.mark.parametrize("answer", [None, "abc", [0.4551, 0.4551], math.log(9), 0.9, -0.4551])
def test_exercise_4_2_rejects_wrong_answers(answer) -> None:
    assert not lesson.check_temperature(answer).correct


@pytest.mark.parametrize(
    "function", [None, "abc", naive_softmax, raises, lambda x, axis=-1: x, np.exp]
)
def test_exercise_4_3_rejects_wrong_functions(function) -> None:
    feedback = lesson.check_stable_softmax(function)
    assert not feedback.correct
    assert feedback.hint


def test_exercise_4_3_names_the_overflow_case_and_the_wrong_axis() -> None:
    assert "Case 3 of 6" in str(lesson.check_stable_softmax(naive_softmax))
    assert "raised NotImplementedError" in str(lesson.check_stable_softmax(raises))

    def last_axis_only(x, axis=-1):
        return stable_softmax(x, axis=-1)

    assert not lesson.check_stable_softmax(last_axis_only).correct


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (np.diag(Q), "That is diag(q) alone"),
        (-np.outer(Q, Q), "That is -q q^T alone"),
        (np.outer(Q, Q) - np.diag(Q), "The signs are flipped"),
        (np.diag(Q) - np.outer(Q, Q) + 0.01, "9 of 9 entries differ"),
        (np.eye(3), "entries differ"),
        (np.zeros((3, 4)), "Expected shape (3, 3), got shape (3, 4)"),
        ([Q, Q], "Expected shape (3, 3), got shape (2, 3)"),
        (None, "Expected an array of shape (3, 3)"),
    ],
)
def test_exercise_4_4_names_the_known_mistakes(answer, said) -> None:
    feedback = lesson.check_softmax_jacobian(answer)
    assert not feedback.correct
    assert str(feedback).startswith("✗ Exercise 4.4: not yet.")
    assert said in feedback.message
    assert feedback.hint
