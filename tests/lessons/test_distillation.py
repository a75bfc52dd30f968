"""Notebook 11 (distillation): its soft targets, figures, explorer and exercise checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers import divergence, losses
from helpers.lessons import distillation as lesson

torch.set_num_threads(1)

X_TEACHER = np.array([6.0, 3.0, 1.0, -2.0])


@pytest.mark.parametrize("tau", [0.5, 1.0, 2.0, 7.5])
def test_soft_targets_are_the_softmax_of_the_logits_over_tau(tau: float) -> None:
    logits = np.array([[6.0, 3.0, 1.0, -2.0], [0.5, 4.0, 3.5, 0.0]])
    p = lesson.soft_targets(logits, tau)
    expected = torch.softmax(torch.from_numpy(logits) / tau, dim=1).numpy()
    np.testing.assert_allclose(p, expected, rtol=1e-12)
    assert np.all(np.diff(p[0]) < 0)  # the order of the logits is kept


def test_temperature_moves_soft_targets_between_one_hot_and_uniform() -> None:
    entropies = []
    for tau in (0.05, 0.5, 1.0, 4.0, 1e4):
        p = lesson.soft_targets(X_TEACHER, tau)
        entropies.append(-np.sum(p * np.log(np.where(p > 0, p, 1.0))))
    assert np.all(np.diff(entropies) > 0)
    np.testing.assert_allclose(lesson.soft_targets(X_TEACHER, 0.05), [1, 0, 0, 0], atol=1e-20)
    np.testing.assert_allclose(lesson.soft_targets(X_TEACHER, 1e4), 0.25, atol=1e-3)


@pytest.mark.parametrize("tau", [0.7, 1.0, 3.0, 40.0])
def test_distillation_gradient_is_autograd_of_kl(tau: float) -> None:
    x_student = torch.tensor(lesson.STUDENT_LOGITS, requires_grad=True)
    log_p = F.log_softmax(torch.from_numpy(lesson.TEACHER_LOGITS) / tau, dim=0)
    kl = F.kl_div(F.log_softmax(x_student / tau, dim=0), log_p, reduction="sum", log_target=True)
    (grad,) = torch.autograd.grad(kl, x_student)
    ours = lesson.distillation_gradient(lesson.STUDENT_LOGITS, lesson.TEACHER_LOGITS, tau)
    np.testing.assert_allclose(ours, grad.numpy(), rtol=1e-10, atol=1e-15)


def test_tau_squared_times_the_gradient_tends_to_the_centred_logit_difference_over_c() -> None:
    difference = lesson.STUDENT_LOGITS - lesson.TEACHER_LOGITS
    limit = (difference - difference.mean()) / difference.size
    scaled = 1e3**2 * lesson.distillation_gradient(lesson.STUDENT_LOGITS, lesson.TEACHER_LOGITS,
                                                   1e3)
    np.testing.assert_allclose(scaled, limit, atol=5e-3)


def test_soft_targets_figure_draws_one_bar_per_class_and_temperature() -> None:
    taus = (0.5, 1.0, 2.0, 4.0, 10.0)
    figure = lesson.soft_targets_figure(X_TEACHER, taus)
    (ax,) = figure.axes
    assert len(ax.containers) == len(taus)
    for container, tau in zip(ax.containers, taus, strict=True):
        heights = [bar.get_height() for bar in container]
        np.testing.assert_allclose(heights, lesson.soft_targets(X_TEACHER, tau))


def test_teacher_gap_figure_draws_each_gap_and_plus_minus_g_star() -> None:
    distance = np.linspace(-4, 4, 9)
    gaps = {"a": distance * 2, "b": np.tanh(distance)}
    students = {"s": distance * 0.5}
    g_star = losses.optimal_gap(3, 0.1)
    figure = lesson.teacher_gap_figure(distance, gaps, g_star, students=students,
                                       centres=(-1.3, 1.3))
    (ax,) = figure.axes
    curves = [line for line in ax.lines if len(line.get_xdata()) == distance.size]
    solid = [line for line in curves if line.get_linestyle() == "-"]
    dash_dotted = [line for line in curves if line.get_linestyle() == "-."]
    for line, gap in zip(solid, gaps.values(), strict=True):
        np.testing.assert_array_equal(line.get_ydata(), gap)
    (student,) = dash_dotted
    np.testing.assert_array_equal(student.get_ydata(), students["s"])
    assert student.get_color() == solid[1].get_color()  # the colour of the first teacher
    levels = sorted(line.get_ydata()[0] for line in ax.lines if line.get_linestyle() == "--")
    np.testing.assert_allclose(levels, [-g_star, g_star])
    centres = sorted(line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == ":")
    np.testing.assert_allclose(centres, [-1.3, 1.3])
    assert [text.get_text() for text in ax.texts] == ["centre of class 1", "centre of class 0"]


def test_teacher_gap_figure_without_students_or_centres_draws_only_the_gaps() -> None:
    distance = np.linspace(-4, 4, 9)
    figure = lesson.teacher_gap_figure(distance, {"a": distance}, 1.0)
    (ax,) = figure.axes
    assert [line.get_linestyle() for line in ax.lines if len(line.get_xdata()) == 9] == ["-"]
    assert not ax.texts


def test_explorer_moves_the_bars_and_the_points_with_tau() -> None:
    explorer = lesson.distillation_explorer()
    assert repr(explorer) == "Explorer: Distillation vs temperature (tau=2.0)"
    left, right = explorer.figure.axes
    teacher, student = left.containers
    (points,) = [line for line in right.lines if line.get_marker() == "o"]
    before = explorer.image.value
    for tau in (0.5, 1.0, 3.0, 20.0, 50.0):
        explorer.controls["tau"].value = tau
        tau = explorer.controls["tau"].value  # as the slider rounds it
        p = lesson.soft_targets(lesson.TEACHER_LOGITS, tau)
        q = lesson.soft_targets(lesson.STUDENT_LOGITS, tau)
        np.testing.assert_allclose([bar.get_height() for bar in teacher], p)
        np.testing.assert_allclose([bar.get_height() for bar in student], q)
        norm = np.linalg.norm(q - p) / tau
        np.testing.assert_allclose(points.get_ydata(), [norm, tau**2 * norm])
        kl = float(np.sum(p * (np.log(p) - np.log(q))))
        assert f"KL(p‖q) = {kl:.4f}" in explorer.readout.value
        assert f"τ²·KL = {tau**2 * kl:.4f}" in explorer.readout.value
    assert explorer.image.value != before


# --------------------------------------------------------------------------------------------
# exercises
# --------------------------------------------------------------------------------------------


def solution_11_3(x_student, x_teacher, y, tau, alpha):
    log_q = losses.log_softmax(np.asarray(x_student) / tau, axis=1)
    p = losses.softmax(np.asarray(x_teacher) / tau, axis=1)
    soft = tau**2 * divergence.kl_div(log_q, p, reduction="batchmean")
    hard = losses.cross_entropy(np.asarray(x_student), y)
    return alpha * soft + (1 - alpha) * hard


#: One correct answer per check (tests/lessons/test_checkers.py uses them too).
SOLUTIONS = {
    "check_soft_target": torch.softmax(torch.tensor([3.0, 1.0, 0.0], dtype=torch.float64) / 2,
                                       dim=0)[1].item(),
    "check_batchmean_from_mean": 0.0125 * 10,
    "check_distillation_loss": solution_11_3,
}


def test_exercise_solutions_are_correct() -> None:
    for check, solution in SOLUTIONS.items():
        assert getattr(lesson, check)(solution).correct, check


def test_the_reference_loss_is_what_pytorch_computes() -> None:
    for x_student, x_teacher, y, tau, alpha in lesson._distillation_cases():
        xs, xt = torch.from_numpy(x_student), torch.from_numpy(x_teacher)
        soft = tau**2 * F.kl_div(F.log_softmax(xs / tau, dim=1), F.log_softmax(xt / tau, dim=1),
                                 reduction="batchmean", log_target=True)
        hard = F.cross_entropy(xs, torch.from_numpy(y))
        expected = (alpha * soft + (1 - alpha) * hard).item()
        assert lesson.distillation_loss_reference(x_student, x_teacher, y, tau,
                                                  alpha) == pytest.approx(expected, rel=1e-12)


WRONG_NUMBERS = [None, "abc", [1.0, 2.0], float("nan"), np.zeros((2, 2))]


@pytest.mark.parametrize(
    ("answer", "said"),
    [(float(torch.softmax(torch.tensor([3.0, 1.0, 0.0]), dim=0)[1]), "at τ = 1"),
     (float(torch.softmax(torch.tensor([6.0, 2.0, 0.0]), dim=0)[1]), "multiplies the logits"),
     (0.5, "off by"), *((answer, "") for answer in WRONG_NUMBERS)],
)
def test_exercise_11_1_rejects_wrong_answers(answer, said: str) -> None:
    feedback = lesson.check_soft_target(answer)
    assert not feedback.correct
    assert str(feedback).startswith("✗ Exercise 11.1: not yet.") and said in feedback.message


@pytest.mark.parametrize(
    ("answer", "said"),
    [(0.4, "multiplies by N"), (4.0, "the sum"), (0.00125, "divides once more"),
     (0.0125, "off by"), *((answer, "") for answer in WRONG_NUMBERS)],
)
def test_exercise_11_2_rejects_wrong_answers(answer, said: str) -> None:
    feedback = lesson.check_batchmean_from_mean(answer)
    assert not feedback.correct and said in feedback.message


def terms(x_student, x_teacher, y, tau, student_tau=None, hard_tau=1.0):
    """The soft term without τ² (batchmean KL) and the hard term, as a learner might get them."""
    student_tau = tau if student_tau is None else student_tau
    log_q = losses.log_softmax(np.asarray(x_student) / student_tau, axis=1)
    p = losses.softmax(np.asarray(x_teacher) / tau, axis=1)
    soft = divergence.kl_div(log_q, p, reduction="batchmean")
    return soft, losses.cross_entropy(np.asarray(x_student) / hard_tau, y)


def without_tau_squared(x_student, x_teacher, y, tau, alpha):
    soft, hard = terms(x_student, x_teacher, y, tau)
    return alpha * soft + (1 - alpha) * hard


def with_mean(x_student, x_teacher, y, tau, alpha):
    soft, hard = terms(x_student, x_teacher, y, tau)
    return alpha * tau**2 * soft / np.shape(x_student)[1] + (1 - alpha) * hard


def student_at_tau_one(x_student, x_teacher, y, tau, alpha):
    soft, hard = terms(x_student, x_teacher, y, tau, student_tau=1.0)
    return alpha * tau**2 * soft + (1 - alpha) * hard


def hard_term_at_tau(x_student, x_teacher, y, tau, alpha):
    soft, hard = terms(x_student, x_teacher, y, tau, hard_tau=tau)
    return alpha * tau**2 * soft + (1 - alpha) * hard


def raises(x_student, x_teacher, y, tau, alpha):
    raise ZeroDivisionError("oops")


@pytest.mark.parametrize(
    ("function", "said"),
    [(without_tau_squared, "lacks its factor τ²"), (with_mean, "('mean')"),
     (student_at_tau_one, "divided by τ too"), (hard_term_at_tau, "Case"),
     (raises, "ZeroDivisionError"), (None, "Expected a function"), ("abc", "Expected a function")],
)
def test_exercise_11_3_rejects_wrong_functions_without_raising(function, said: str) -> None:
    feedback = lesson.check_distillation_loss(function)
    assert not feedback.correct
    assert str(feedback).startswith("✗ Exercise 11.3: not yet.") and said in feedback.message
