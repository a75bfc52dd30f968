r"""Figures, explorer and exercise checks of ``notebooks/11_distillation.ipynb``.

Lesson 11 · Distillation and temperature: a student learns from a teacher's soft targets
:math:`p^\tau = \operatorname{softmax}(x^{\rm t}/\tau)` by minimising
:math:`\tau^2\,\mathrm{KL}(p^\tau \,\|\, q^\tau)`, where
:math:`q^\tau = \operatorname{softmax}(x^{\rm s}/\tau)` is the student's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets
import numpy as np
from matplotlib.figure import Figure

from helpers import divergence, losses
from helpers.explorer import Explorer
from helpers.feedback import Feedback, check_function, check_number
from helpers.figures import COLORS, new_figure

#: The explorer's teacher and student logits for one input (C = 5 classes).
TEACHER_LOGITS = np.array([5.0, 2.5, 1.0, -1.0, -2.0])
STUDENT_LOGITS = np.array([3.0, 2.0, 2.0, 0.0, -1.0])


def soft_targets(x_teacher: np.ndarray, tau: float) -> np.ndarray:
    r"""The teacher's soft targets :math:`p^\tau = \operatorname{softmax}(x^{\rm t}/\tau)` along the
    last axis (float64)."""
    return losses.softmax(np.asarray(x_teacher, dtype=np.float64) / tau, axis=-1)


def distillation_gradient(x_student: np.ndarray, x_teacher: np.ndarray, tau: float) -> np.ndarray:
    r"""The gradient of :math:`\mathrm{KL}(p^\tau \,\|\, q^\tau)` (one sample, without the τ²) with
    respect to the student's logits: :math:`(q^\tau - p^\tau)/\tau`."""
    return (soft_targets(x_student, tau) - soft_targets(x_teacher, tau)) / tau


def soft_targets_figure(x_teacher: Sequence[float],
                        taus: Sequence[float] = (0.5, 1.0, 2.0, 4.0, 10.0)) -> Figure:
    r"""The teacher's soft targets :math:`\operatorname{softmax}(x^{\rm t}/\tau)` of one input, one
    group of bars per class and one bar per τ (entropy in nats in the legend)."""
    x_teacher = np.asarray(x_teacher, dtype=np.float64)
    classes = np.arange(x_teacher.size)
    figure, (ax,) = new_figure(figsize=(7.2, 3.6))
    width = 0.8 / len(taus)
    shades = np.linspace(0.3, 1.0, len(taus))
    for k, (tau, shade) in enumerate(zip(taus, shades, strict=True)):
        p = soft_targets(x_teacher, tau)
        entropy = float(-np.sum(p * np.log(p)))
        ax.bar(classes - 0.4 + (k + 0.5) * width, p, width=width,
               color=(0.85 * shade, 0.37 * shade, 0.0075),
               label=rf"$\tau = {tau:g}$, $H(p^\tau)$ = {entropy:.2f}")
    ax.axhline(1 / x_teacher.size, color=COLORS["reference"], ls=":", lw=1,
               label=r"uniform, $1/C$ ($\tau \to \infty$)")
    ax.set(xticks=classes, xlabel="class c", ylabel=r"$p^\tau_c$", ylim=(0, 1.02),
           title=r"Soft targets $\mathrm{softmax}(x^{\rm t}/\tau)$ of the teacher's logits "
                 + "(" + ", ".join(f"{v:g}" for v in x_teacher) + ")")
    ax.legend(fontsize=8, loc="upper right")
    return figure


def teacher_gap_figure(distance: np.ndarray, gaps: Mapping[str, np.ndarray], g_star: float,
                       students: Mapping[str, np.ndarray] | None = None,
                       centres: Sequence[float] = ()) -> Figure:
    r"""The gap :math:`x_0 - x_1` of each model along the line through the centres of classes 1
    and 0, with :math:`\pm g^*`, the optimal gap of label smoothing (lesson 8).

    ``gaps``: the Bayes posterior's (a difference of log posteriors) first, then the teachers',
    solid; ``students``: dash-dotted, the i-th in the colour of the i-th teacher; ``centres``:
    the positions of the centres of classes 1 and 0 on the line, marked on the x-axis."""
    figure, (ax,) = new_figure(figsize=(6.8, 3.6))
    colors = [COLORS["reference"], COLORS["model"], COLORS["target"], COLORS["neutral"]]
    for (name, gap), color in zip(gaps.items(), colors, strict=False):
        ax.plot(distance, gap, color=color, lw=2, label=name)
    for (name, gap), color in zip((students or {}).items(), colors[1:], strict=False):
        ax.plot(distance, gap, color=color, lw=1.5, ls="-.", label=name)
    for sign in (1, -1):
        ax.axhline(sign * g_star, color=COLORS["neutral"], ls="--", lw=1,
                   label=rf"$\pm g^*$ = $\pm${g_star:.2f}" if sign == 1 else None)
    ax.axhline(0, color=COLORS["neutral"], lw=0.5)
    for label, centre in zip(("centre of class 1", "centre of class 0"), centres, strict=False):
        ax.axvline(centre, color=COLORS["neutral"], ls=":", lw=1)
        ax.annotate(label, xy=(centre, 0), xycoords=("data", "axes fraction"), xytext=(3, 4),
                    textcoords="offset points", fontsize=8, color=COLORS["neutral"])
    ax.set(xlabel="position along the line from the centre of class 1 to that of class 0",
           ylabel=r"gap $x_0 - x_1$ (Bayes: $\log q_0 - \log q_1$)",
           xlim=(distance[0], distance[-1]),
           title="Teachers' and students' logits between two classes")
    ax.legend(fontsize=8, loc="upper left")
    return figure


def distillation_explorer() -> Explorer:
    r"""Distillation vs τ, for one input of C = 5 classes: the teacher's soft targets
    :math:`p^\tau` and the student's :math:`q^\tau` as bars, and the size of the gradient of
    :math:`\mathrm{KL}(p^\tau \,\|\, q^\tau)` with respect to the student's logits, without and
    with the factor τ², over τ (the current τ marked)."""
    classes = np.arange(TEACHER_LOGITS.size)
    taus = np.geomspace(0.5, 50.0, 121)
    norms = np.array([np.linalg.norm(distillation_gradient(STUDENT_LOGITS, TEACHER_LOGITS, t))
                      for t in taus])
    difference = STUDENT_LOGITS - TEACHER_LOGITS
    limit = float(np.linalg.norm(difference - difference.mean())) / TEACHER_LOGITS.size

    def build(figure: Figure):
        left, right = figure.subplots(1, 2, width_ratios=(1, 1.3))
        teacher = left.bar(classes - 0.2, np.zeros(classes.size), width=0.4, animated=True,
                           color=COLORS["target"], label=r"teacher $p^\tau$")
        student = left.bar(classes + 0.2, np.zeros(classes.size), width=0.4, animated=True,
                           color=COLORS["model"], label=r"student $q^\tau$")
        left.set(xticks=classes, xlabel="class c", ylabel="probability", ylim=(0, 1.02),
                 title=r"soft targets at temperature $\tau$")
        left.legend(fontsize=8, loc="upper right")
        right.loglog(taus, norms, color=COLORS["neutral"], label=r"$\|\nabla\|$, no factor")
        right.loglog(taus, taus**2 * norms, color=COLORS["model"], lw=2,
                     label=r"$\tau^2 \|\nabla\|$")
        right.axhline(limit, color=COLORS["reference"], ls="--", lw=1,
                      label=r"limit $\|x^{\rm s} - x^{\rm t}\|_{\rm centred} / C$")
        (points,) = right.plot([], [], "o", color=COLORS["reference"], animated=True)
        marker = right.axvline(1.0, color=COLORS["reference"], lw=1, animated=True)
        right.set(xlabel=r"temperature $\tau$", ylabel="gradient norm (student logits)",
                  title=r"gradient of KL: falls as $1/\tau^2$")
        right.legend(fontsize=8, loc="lower left")

        def update(tau: float) -> str:
            p = soft_targets(TEACHER_LOGITS, tau)
            q = soft_targets(STUDENT_LOGITS, tau)
            for bar, height in zip(teacher, p, strict=True):
                bar.set_height(height)
            for bar, height in zip(student, q, strict=True):
                bar.set_height(height)
            kl = float(divergence.kl_div(np.log(q), p, reduction="sum"))
            norm = float(np.linalg.norm(distillation_gradient(STUDENT_LOGITS, TEACHER_LOGITS,
                                                              tau)))
            points.set_data([tau, tau], [norm, tau**2 * norm])
            marker.set_xdata([tau, tau])
            shown = ", ".join(f"{value:.3f}" for value in p)
            return (f"τ = {tau:.2f}: teacher p = ({shown}); KL(p‖q) = {kl:.4f}, "
                    f"τ²·KL = {tau**2 * kl:.4f}; gradient norm {norm:.4f}, "
                    f"τ² × norm {tau**2 * norm:.4f} (limit {limit:.4f})")

        return update

    controls = {
        "tau": ipywidgets.FloatLogSlider(value=2.0, base=10, min=np.log10(0.5), max=np.log10(50),
                                         step=0.01, description="τ", readout_format=".2f"),
    }
    return Explorer("Distillation vs temperature", controls, build, figsize=(9.0, 3.6))


# --------------------------------------------------------------------------------------------
# exercises
# --------------------------------------------------------------------------------------------


def check_soft_target(answer: Any) -> Feedback:
    """Exercise 11.1: the soft target of class 1 for teacher logits (3, 1, 0) at τ = 2."""
    x_teacher = np.array([3.0, 1.0, 0.0])
    return check_number(
        "Exercise 11.1", answer, float(soft_targets(x_teacher, 2.0)[1]), rtol=1e-4, atol=1e-6,
        hint="divide the logits by τ first, then softmax: exp(x_1/τ) / Σ_c exp(x_c/τ).",
        mistakes={
            float(soft_targets(x_teacher, 1.0)[1]): "{value:.4f} is the probability at τ = 1.",
            float(soft_targets(x_teacher, 0.5)[1]): "{value:.4f} multiplies the logits by τ.",
        },
    )


def check_batchmean_from_mean(answer: Any) -> Feedback:
    """Exercise 11.2: ``reduction="mean"`` gave 0.0125 for (N, C) = (32, 10): the batchmean."""
    mean, batch, classes = 0.0125, 32, 10
    return check_number(
        "Exercise 11.2", answer, mean * classes, rtol=1e-6, atol=1e-9,
        hint="'mean' divides the sum by N·C elements, 'batchmean' by N only.",
        mistakes={
            mean * batch: "{value:g} multiplies by N; 'mean' already divides by N (and by C).",
            mean * batch * classes: "{value:g} is the sum over all N·C elements.",
            mean / classes: "{value:g} divides once more; 'batchmean' is the larger of the two.",
        },
    )


def _soft_term(x_student: np.ndarray, x_teacher: np.ndarray, tau: float,
               student_tau: float | None = None) -> float:
    """``kl_div(log softmax(x_student / τ), softmax(x_teacher / τ), "batchmean")``, without τ²."""
    student_tau = tau if student_tau is None else student_tau
    log_q = losses.log_softmax(np.asarray(x_student, dtype=np.float64) / student_tau, axis=1)
    return float(divergence.kl_div(log_q, soft_targets(x_teacher, tau), reduction="batchmean"))


def _hard_term(x_student: np.ndarray, y: np.ndarray) -> float:
    return float(losses.cross_entropy(np.asarray(x_student, dtype=np.float64), y))


def distillation_loss_reference(x_student: np.ndarray, x_teacher: np.ndarray, y: np.ndarray,
                                tau: float, alpha: float) -> float:
    r""":math:`\alpha\,\tau^2\,\frac1N \sum_n \mathrm{KL}(p^\tau_n \,\|\, q^\tau_n)
    + (1 - \alpha)\,\frac1N \sum_n -\log q_{n, y_n}` (``q`` at τ = 1 in the second term)."""
    return (alpha * tau**2 * _soft_term(x_student, x_teacher, tau)
            + (1 - alpha) * _hard_term(x_student, y))


def _distillation_cases() -> list[tuple[np.ndarray, np.ndarray, np.ndarray, float, float]]:
    rng = np.random.default_rng(11)
    cases = []
    for (n, c), tau, alpha in [((3, 5), 2.0, 0.9), ((5, 3), 4.0, 0.5), ((4, 6), 1.0, 1.0),
                               ((2, 5), 3.0, 0.0), ((6, 10), 8.0, 0.7)]:
        cases.append((2 * rng.normal(size=(n, c)), 4 * rng.normal(size=(n, c)),
                      rng.integers(0, c, size=n), tau, alpha))
    return cases


def _without_tau_squared(x_student, x_teacher, y, tau, alpha):
    return alpha * _soft_term(x_student, x_teacher, tau) + (1 - alpha) * _hard_term(x_student, y)


def _with_mean_reduction(x_student, x_teacher, y, tau, alpha):
    soft = tau**2 * _soft_term(x_student, x_teacher, tau) / np.shape(x_student)[1]
    return alpha * soft + (1 - alpha) * _hard_term(x_student, y)


def _student_at_tau_one(x_student, x_teacher, y, tau, alpha):
    soft = tau**2 * _soft_term(x_student, x_teacher, tau, student_tau=1.0)
    return alpha * soft + (1 - alpha) * _hard_term(x_student, y)


def check_distillation_loss(function: Any) -> Feedback:
    """Exercise 11.3: ``function(x_student, x_teacher, y, tau, alpha)``, the distillation loss
    mixed with the hard-label cross-entropy."""
    return check_function(
        "Exercise 11.3", function, distillation_loss_reference, _distillation_cases(),
        hint="soft term: tau**2 * kl_div(log_softmax(x_student / tau), softmax(x_teacher / tau), "
        "'batchmean'); hard term: the cross-entropy of x_student (τ = 1) with y; mix them "
        "with alpha and 1 - alpha.",
        mistakes=[
            (_without_tau_squared, "The soft term lacks its factor τ²."),
            (_with_mean_reduction, "The soft term is divided by N·C ('mean'), not by N."),
            (_student_at_tau_one, "The student's logits must be divided by τ too."),
        ],
    )
