"""Notebook 03 (maximum likelihood): its figure, its explorer and its exercise checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.lessons import maximum_likelihood as lesson


def autograd_squared_error(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    x = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    p = F.one_hot(torch.from_numpy(labels), x.shape[1]).double()
    ((torch.softmax(x, dim=1) - p) ** 2).sum().backward()
    return x.grad.numpy()


def test_squared_error_grad_is_what_autograd_gives() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=3.0, size=(50, 4))
    labels = rng.integers(0, 4, size=50)
    np.testing.assert_allclose(lesson.squared_error_grad(logits, labels),
                               autograd_squared_error(logits, labels), rtol=1e-10, atol=1e-15)
    # shift invariance: every row sums to 0
    np.testing.assert_allclose(lesson.squared_error_grad(logits, labels).sum(axis=1), 0.0,
                               atol=1e-15)


def test_squared_error_grad_of_the_true_class_vanishes_when_confidently_wrong() -> None:
    logits = np.array([[-30.0, 0.0, 0.0], [-30.0, 30.0, 0.0]])
    grad = lesson.squared_error_grad(logits, np.array([0, 0]))
    assert np.all(np.abs(grad[:, 0]) < 1e-12)
    assert np.all(np.abs(grad[1]) < 1e-12)  # all the mass on one wrong class: all of it vanishes


@pytest.mark.parametrize(
    "shown", [("0-1 loss", "cross-entropy"), ("squared error", "cross-entropy")]
)
def test_loss_and_slope_figure_draws_the_losses_and_their_autograd_slopes(shown) -> None:
    figure = lesson.loss_and_slope_figure(shown)
    loss_ax, slope_ax = figure.axes
    grid = loss_ax.lines[0].get_xdata()
    assert grid[0] == -8.0 and grid[-1] == 8.0
    x = torch.tensor(np.column_stack([grid, np.ones_like(grid), np.zeros_like(grid)]),
                     requires_grad=True)
    y = torch.zeros(len(grid), dtype=torch.long)
    q = torch.softmax(x, dim=1)
    computed = {
        "0-1 loss": (x.argmax(dim=1) != y).double(),
        "squared error": ((q - F.one_hot(y, 3).double()) ** 2).sum(dim=1),
        "cross-entropy": F.cross_entropy(x, y, reduction="none"),
    }
    for k, name in enumerate(shown):
        assert loss_ax.lines[k].get_label() == name
        loss = computed[name]
        np.testing.assert_allclose(loss_ax.lines[k].get_ydata(), loss.detach().numpy(),
                                   rtol=1e-10, atol=1e-12)
        slope = (torch.autograd.grad(loss.sum(), x)[0][:, 0].numpy()
                 if loss.requires_grad else np.zeros(len(grid)))
        np.testing.assert_allclose(slope_ax.lines[k].get_ydata(), slope, rtol=1e-10, atol=1e-12)
    cross_entropy_slope = slope_ax.lines[len(shown) - 1].get_ydata()
    assert cross_entropy_slope[0] == pytest.approx(-1.0, abs=1e-3)  # confidently wrong: -1
    for ax in (loss_ax, slope_ax):  # the dotted line where the argmax changes, in both figures
        dotted = [line for line in ax.lines if line.get_linestyle() == ":"]
        assert len(dotted) == 1 and list(dotted[0].get_xdata()) == [1.0, 1.0]


def test_binary_expected_scores_are_the_closed_forms() -> None:
    r = np.linspace(0.0, 1.0, 11)
    for p in (0.0, 0.3, 0.5, 0.7, 1.0):
        scores = lesson.binary_expected_scores(p, r)
        np.testing.assert_allclose(scores["Brier score"], 2 * (r - p) ** 2 + 2 * p * (1 - p),
                                   atol=1e-15)
        np.testing.assert_allclose(scores["linear score"], -(p * r + (1 - p) * (1 - r)))
        with np.errstate(divide="ignore", invalid="ignore"):
            log = -(np.where(p > 0, p * np.log(r), 0.0) + np.where(p < 1, (1 - p) * np.log(1 - r),
                                                                     0.0))
        np.testing.assert_allclose(scores["log score"], log)
        # the proper rules are least at r = p, on a fine grid
        fine = np.linspace(0.0, 1.0, 1001)
        for rule in ("log score", "Brier score"):
            assert fine[np.argmin(lesson.binary_expected_scores(p, fine)[rule])] == pytest.approx(p)


def test_scoring_rule_explorer_moves_the_curves_and_the_markers() -> None:
    explorer = lesson.scoring_rule_explorer()
    assert repr(explorer) == (
        "Explorer: Expected scores of a report r when the label is 1 with probability p "
        "(p=0.7, r=0.4)"
    )
    assert explorer.readout.value.startswith(
        "p = 0.70, r = 0.40: log score 0.7947 (least 0.6109 at r = 0.70); "
        "Brier score 0.6000 (least 0.4200 at r = 0.70); linear score -0.4600 (least -0.7000 "
        "at r = 1.00)"
    )
    before = explorer.image.value
    explorer.controls["p"].value = 0.2
    log_ax, brier_ax, linear_ax = explorer.figure.axes
    grid = log_ax.lines[0].get_xdata()
    expected = lesson.binary_expected_scores(0.2, grid)
    for ax, rule in zip((log_ax, brier_ax, linear_ax), expected, strict=True):
        np.testing.assert_allclose(ax.lines[0].get_ydata(), expected[rule])
        assert list(ax.lines[1].get_xdata()) == [0.2, 0.2]  # the dashed line r = p
    assert list(log_ax.lines[2].get_xdata()) == [0.2]  # least at the truth
    assert list(linear_ax.lines[2].get_xdata()) == [0.0]  # least at the end
    assert explorer.image.value != before
    explorer.controls["p"].value = 0.5
    assert "linear score -0.5000 (every r ties)" in explorer.readout.value
    assert len(linear_ax.lines[2].get_xdata()) == 0
    explorer.controls["p"].value = 1.0
    explorer.controls["r"].value = 0.0
    assert "log score inf" in explorer.readout.value  # the ring is not drawn, nothing raises
    assert len(log_ax.lines[3].get_xdata()) == 1 and len(log_ax.lines[3].get_ydata()) == 0


def squared_error_gradient_at_the_exercise() -> float:
    x = torch.tensor(lesson.EXERCISE_LOGITS, requires_grad=True)
    p = torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64)
    ((torch.softmax(x, dim=0) - p) ** 2).sum().backward()
    return x.grad[0].item()


#: One correct answer per check (tests/lessons/test_checkers.py uses them too).
SOLUTIONS = {
    "check_mean_nll": -(math.log(0.7) + math.log(0.8) + math.log(0.3)) / 3,
    "check_maximum_likelihood_model": np.array([30, 50, 20]) / 100,
    "check_squared_error_gradient": squared_error_gradient_at_the_exercise(),
}


def test_solutions_are_correct() -> None:
    for check, solution in SOLUTIONS.items():
        assert getattr(lesson, check)(solution).correct
    probs = torch.tensor(lesson.EXERCISE_PROBS)
    labels = torch.tensor(lesson.EXERCISE_LABELS)
    assert lesson.check_mean_nll(F.cross_entropy(torch.log(probs), labels))
    assert lesson.check_mean_nll(round(SOLUTIONS["check_mean_nll"], 4))
    assert lesson.check_maximum_likelihood_model([0.3, 0.5, 0.2])
    assert lesson.check_maximum_likelihood_model(torch.tensor([0.3, 0.5, 0.2]))
    assert lesson.check_squared_error_gradient(round(SOLUTIONS["check_squared_error_gradient"], 4))


def test_the_solutions_are_the_notebooks_numbers() -> None:
    # the arrays typed in the notebook's exercise cell are the module's
    np.testing.assert_array_equal(lesson.EXERCISE_PROBS,
                                  [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])
    np.testing.assert_array_equal(lesson.EXERCISE_LABELS, [0, 1, 0])
    np.testing.assert_array_equal(lesson.EXERCISE_COUNTS, [30, 50, 20])
    np.testing.assert_array_equal(lesson.EXERCISE_LOGITS, [-3.0, 0.0, 0.0])


PICKED = np.array([0.7, 0.8, 0.3])


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (None, "Expected one number"),
        (float(-np.log(PICKED).sum()), "is the sum"),
        (float(-np.log10(PICKED).mean()), "uses log10"),
        (float(np.log(PICKED).mean()), "its negative"),
        (float(np.prod(PICKED)), "the likelihood itself"),
        (float(-np.log([0.7, 0.8, 0.4]).mean()), "largest probability"),
        (1.0, "off by"),
    ],
)
def test_exercise_3_1_rejects_wrong_answers(answer, said) -> None:
    feedback = lesson.check_mean_nll(answer)
    assert not feedback.correct
    assert str(feedback).startswith("✗ Exercise 3.1: not yet.") and said in feedback.message


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ([0.0, 1.0, 0.0], "majority class"),
        ([1 / 3, 1 / 3, 1 / 3], "uniform"),
        ([30, 50, 20], "counts"),
        ([0.5, 0.3, 0.2], "2 of 3 entries differ"),
        ([0.3, 0.5], "Expected shape (3,)"),
        (0.5, "Expected shape (3,)"),
    ],
)
def test_exercise_3_2_rejects_wrong_answers(answer, said) -> None:
    feedback = lesson.check_maximum_likelihood_model(answer)
    assert not feedback.correct and said in feedback.message


def test_exercise_3_3_rejects_wrong_answers() -> None:
    q0 = math.exp(-3) / (math.exp(-3) + 2)
    for answer, said in (
        (q0 - 1, "cross-entropy's gradient"),
        (2 * (q0 - 1), "dE/dq_0"),
        (-SOLUTIONS["check_squared_error_gradient"], "sign is flipped"),
        (0.0, "off by"),
        ("-0.07", "without quotes"),
    ):
        feedback = lesson.check_squared_error_gradient(answer)
        assert not feedback.correct and said in feedback.message, (answer, feedback)
