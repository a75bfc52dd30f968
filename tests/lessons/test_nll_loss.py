"""Notebook 06 (NLLLoss): its figure, its explorer and its exercise checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.explorer import Explorer
from helpers.lessons import nll_loss as lesson

Q = torch.tensor([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.25, 0.5]])  # the exercises' data


def test_nll_curve_figure_marks_the_samples_on_minus_log_q_and_shows_minus_q() -> None:
    samples = {"sample 0": 0.7101, "sample 1": 0.1595, "sample 2": 0.25}
    figure = lesson.nll_curve_figure(samples)
    (ax,) = figure.axes
    curve, pitfall = ax.lines[0], ax.lines[1]
    np.testing.assert_allclose(curve.get_ydata(), -np.log(curve.get_xdata()))
    np.testing.assert_allclose(pitfall.get_ydata(), -pitfall.get_xdata())
    points = {
        (round(float(line.get_xdata()[0]), 4), round(float(line.get_ydata()[0]), 4))
        for line in ax.lines[2:]
        if line.get_marker() == "o"
    }
    assert points == {(q, round(-math.log(q), 4)) for q in samples.values()}
    labels = [text.get_text() for text in ax.texts]
    assert "sample 1: $q_y$ = 0.1595, $-\\log q_y$ = 1.8357" in labels
    # stacked from the highest loss down: sample 1, sample 2, sample 0
    heights = {text.get_text().split(":")[0]: text.get_position()[1] for text in ax.texts}
    assert heights["sample 1"] > heights["sample 2"] > heights["sample 0"]


def weighted_state(explorer: Explorer) -> tuple[list[float], float, float]:
    ax = explorer.figure.axes[0]
    outlined = [patch.get_height() for patch in ax.patches if not patch.get_fill()]
    mean_line, per_n_line = ax.lines[0], ax.lines[1]
    return outlined, float(mean_line.get_ydata()[0]), float(per_n_line.get_ydata()[0])


def test_weighted_nll_explorer_draws_torchs_weighted_mean() -> None:
    explorer = lesson.weighted_nll_explorer()
    assert repr(explorer) == (
        "Explorer: NLLLoss with class weights: the weighted mean (w0=1.0, w1=1.0, w2=1.0)"
    )
    target = torch.tensor([0, 0, 0, 1, 2])
    q_target = torch.tensor([0.9, 0.8, 0.6, 0.5, 0.05], dtype=torch.float64)
    probabilities = ((1 - q_target) / 2)[:, None].repeat(1, 3)
    probabilities[torch.arange(5), target] = q_target
    log_probs = torch.log(probabilities)
    before = bytes(explorer.image.value)
    for w0, w1, w2 in [(1.0, 1.0, 1.0), (1.0, 1.0, 4.0), (5.0, 0.5, 0.1), (2.0, 2.0, 2.0)]:
        explorer.controls["w0"].value = w0
        explorer.controls["w1"].value = w1
        explorer.controls["w2"].value = w2
        weight = torch.tensor([w0, w1, w2], dtype=torch.float64)
        outlined, mean, per_n = weighted_state(explorer)
        expected_none = F.nll_loss(log_probs, target, weight=weight, reduction="none")
        np.testing.assert_allclose(outlined, expected_none.numpy(), rtol=1e-12)
        assert mean == pytest.approx(F.nll_loss(log_probs, target, weight=weight).item())
        assert per_n == pytest.approx(expected_none.sum().item() / 5)
        assert f"mean = {mean:.4f}" in explorer.readout.value
        # ℓ_n already holds the weight: the readout's sum is Σ ℓ_n, not Σ w[y_n]·ℓ_n
        assert f"Σ ℓ_n = {expected_none.sum().item():.4f}," in explorer.readout.value
        assert f"Σ ℓ_n / N = {per_n:.4f}" in explorer.readout.value
        # a weighted average of the per-sample losses: between their minimum and maximum
        assert -math.log(0.9) - 1e-12 <= mean <= -math.log(0.05) + 1e-12
    # equal weights: the unweighted mean
    assert mean == pytest.approx(float(-torch.log(q_target).mean()))
    assert bytes(explorer.image.value) != before


def test_weighted_nll_explorer_legend_weights_each_sample_once() -> None:
    # ℓ_n = w[y_n]·(−log q[n, y_n]) already holds the weight, as in the notebook's section 2
    ax = lesson.weighted_nll_explorer().figure.axes[0]
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == [
        r"'mean' $=\sum_n \ell_n / \sum_n w_{y_n}$",
        r"$\sum_n \ell_n / N$ (not PyTorch's mean)",
        r"$-\log q_{n,y_n}$ (filled)",
        r"$\ell_n = w_{y_n}\,(-\log q_{n,y_n})$, 'none' (outlined)",
    ]


def test_weighted_nll_explorer_all_weights_zero_gives_nan() -> None:
    explorer = lesson.weighted_nll_explorer()
    for name in ("w0", "w1", "w2"):
        explorer.controls[name].value = 0.0
    _, mean, per_n = weighted_state(explorer)
    assert math.isnan(mean) and per_n == 0.0
    assert "mean = nan" in explorer.readout.value


def solution_6_1() -> float:
    weight = torch.tensor([1.0, 4.0, 2.0])
    return F.nll_loss(torch.log(Q), torch.tensor([0, 2, 1]), weight=weight).item()


def solution_6_2() -> float:
    return F.nll_loss(torch.log(Q), torch.tensor([0, -100, 1])).item()


def my_nll_loss(log_q, y, weight):
    counted = y != -100
    safe_y = np.where(counted, y, 0)
    w = np.ones(log_q.shape[1]) if weight is None else weight
    w_target = np.where(counted, w[safe_y], 0.0)
    picked = log_q[np.arange(len(y)), safe_y]
    return np.sum(-w_target * picked) / np.sum(w_target)


#: One correct answer per check (tests/lessons/test_checkers.py uses them too).
SOLUTIONS = {
    "check_weighted_nll_mean": solution_6_1(),
    "check_ignored_nll_mean": solution_6_2(),
    "check_nll_loss_function": my_nll_loss,
}


def test_exercise_solutions_are_correct() -> None:
    for check, solution in SOLUTIONS.items():
        assert getattr(lesson, check)(solution).correct
    # the notebook's hand solution
    hand = (-1 * math.log(0.7) - 2 * math.log(0.6) - 4 * math.log(0.25)) / (1 + 2 + 4)
    assert lesson.check_weighted_nll_mean(hand).correct
    assert lesson.check_weighted_nll_mean(torch.tensor(hand)).correct
    assert lesson.check_ignored_nll_mean((-math.log(0.7) - math.log(0.25)) / 2).correct


def test_exercise_checks_name_the_divide_by_n_mistake() -> None:
    divided_by_n = (-1 * math.log(0.7) - 2 * math.log(0.6) - 4 * math.log(0.25)) / 3
    feedback = lesson.check_weighted_nll_mean(divided_by_n)
    assert not feedback and "divided by N = 3" in feedback.message
    feedback = lesson.check_ignored_nll_mean((-math.log(0.7) - math.log(0.25)) / 3)
    assert not feedback and "divided by N = 3" in feedback.message


@pytest.mark.parametrize("answer", [None, "abc", [1.0, 2.0], 0.5, float("nan"), np.zeros((2, 2))])
def test_number_checks_answer_not_yet_without_raising(answer) -> None:
    for check in (lesson.check_weighted_nll_mean, lesson.check_ignored_nll_mean):
        feedback = check(answer)
        assert not feedback.correct
        assert str(feedback).startswith("✗ Exercise 6.")


def unweighted_mean(log_probs, target, weight):
    return -np.mean(log_probs[np.arange(len(target)), np.where(target < 0, 0, target)])


def raises(log_probs, target, weight):
    raise ValueError("boom")


@pytest.mark.parametrize(
    "function",
    [None, "abc", 1.0, raises, unweighted_mean, lambda log_probs, target, weight: np.zeros(2)],
)
def test_function_check_answers_not_yet_without_raising(function) -> None:
    feedback = lesson.check_nll_loss_function(function)
    assert not feedback.correct
    assert str(feedback).startswith("✗ Exercise 6.3")
