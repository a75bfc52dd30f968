"""Figures, explorers and exercise checks of ``notebooks/04_softmax.ipynb``.

Lesson 4 · Softmax: logits x, q = softmax(x / τ), and the Jacobian diag(q) − q qᵀ.
"""

from __future__ import annotations

import math
from typing import Any

import ipywidgets
import numpy as np
from matplotlib.figure import Figure

from helpers import info, losses
from helpers.explorer import Explorer
from helpers.feedback import (
    Feedback,
    check_array,
    check_function,
    check_number,
)
from helpers.figures import COLORS, new_figure


def softmax_temperature_figure(
    logits: np.ndarray | list[float], temperatures: tuple[float, ...] = (0.1, 1.0, 10.0)
) -> Figure:
    r"""softmax(x / τ) of one logit vector x, at a few temperatures and as a function of τ.

    .. math:: q_c(\tau) = \operatorname{softmax}(x / \tau)_c
              = \frac{e^{x_c / \tau}}{\sum_k e^{x_k / \tau}}

    Left: one group of bars per temperature in ``temperatures``, one bar per class. Right: each
    q_c against τ on a log axis from 0.01 to 100; τ -> 0 tends to the one-hot vector of the
    argmax, τ -> infinity to the uniform 1/C (dashed). Class c has colour ``C{c}`` in both.
    """
    x = np.asarray(logits, dtype=np.float64)
    classes = np.arange(x.size)
    figure, (bars_ax, curves_ax) = new_figure(2, figsize=(10.0, 3.8))
    width = 0.8 / x.size
    for group, temperature in enumerate(temperatures):
        q = losses.softmax(x / temperature)
        offsets = group + (classes - (x.size - 1) / 2) * width
        bars_ax.bar(offsets, q, width, color=[f"C{c}" for c in classes], edgecolor="white")
    bars_ax.axhline(1 / x.size, ls="--", lw=1, color=COLORS["reference"])
    bars_ax.set(
        xticks=range(len(temperatures)),
        xticklabels=[rf"$\tau$ = {t:g}" for t in temperatures],
        ylabel=r"$\mathrm{softmax}(x/\tau)_c$",
        ylim=(0, 1),
        title="bars: classes 0..C-1 at each temperature",
    )
    grid = np.logspace(-2, 2, 401)
    curves = losses.softmax(x[None, :] / grid[:, None], axis=1)
    for c in classes:
        curves_ax.plot(grid, curves[:, c], color=f"C{c}", label=f"class {c}: $x_{c}$ = {x[c]:g}")
    curves_ax.axhline(1 / x.size, ls="--", lw=1, color=COLORS["reference"], label="1/C")
    curves_ax.axvline(1.0, ls=":", lw=1, color=COLORS["neutral"])
    curves_ax.set_xscale("log")
    curves_ax.set(
        xlabel=r"temperature $\tau$ (log scale)",
        ylabel=r"$q_c$",
        ylim=(0, 1.02),
        title=r"$\tau \to 0$: one-hot argmax;  $\tau \to \infty$: uniform",
    )
    curves_ax.legend(fontsize="small", loc="center right")
    return figure


def softmax_temperature_explorer(
    logits: tuple[float, ...] | list[float] | np.ndarray = (0.1, 0.2, 0.3, 0.4),
) -> Explorer:
    r"""q = softmax(x / τ) and its Jacobian: move τ and the last logit, the figure redraws.

    .. math:: q_c = \frac{e^{x_c / \tau}}{\sum_k e^{x_k / \tau}}, \qquad
              J = \operatorname{diag}(q) - q q^\top

    Left: the logits x (the last one follows its slider). Middle: q with a dashed line at 1/C.
    Right: J, the Jacobian of softmax at its input x / τ (so ∂q/∂x = J / τ), on a fixed colour
    scale [-1/4, 1/4] (no entry leaves it): it fades to 0 as q becomes one-hot.
    """
    base = np.asarray(logits, dtype=np.float64)
    classes = np.arange(base.size)
    colors = [f"C{c}" for c in classes]

    def build(figure: Figure):
        logit_ax, prob_ax, jacobian_ax = figure.subplots(1, 3)
        logit_bars = logit_ax.bar(classes, base, color=colors, animated=True)
        logit_ax.axhline(0.0, lw=0.8, color=COLORS["neutral"])
        logit_ax.set(
            xticks=classes, xlabel="class c", ylabel="logit $x_c$", ylim=(-3.3, 3.3),
            title="logits x",
        )
        prob_bars = prob_ax.bar(classes, np.zeros_like(base), color=colors, animated=True)
        labels = [
            prob_ax.text(c, 0.0, "", ha="center", va="bottom", fontsize="small", animated=True)
            for c in classes
        ]
        prob_ax.axhline(1 / base.size, ls="--", lw=1, color=COLORS["reference"])
        prob_ax.set(
            xticks=classes, xlabel="class c", ylabel="$q_c$", ylim=(0, 1.1),
            title=r"q = softmax(x / $\tau$)",
        )
        image = jacobian_ax.imshow(
            np.zeros((base.size, base.size)), cmap="RdBu_r", vmin=-0.25, vmax=0.25,
            interpolation="nearest", animated=True,
        )
        figure.colorbar(image, ax=jacobian_ax, shrink=0.8)
        jacobian_ax.set(
            xticks=classes, yticks=classes, xlabel="logit j", ylabel="probability i",
            title=r"$J = \mathrm{diag}(q) - q q^\top$ at $x / \tau$",
        )

        def update(temperature: float, last_logit: float) -> str:
            x = base.copy()
            x[-1] = last_logit
            q = losses.softmax(x / temperature)
            jacobian = losses.softmax_jacobian(x / temperature)
            for bar, value in zip(logit_bars, x, strict=True):
                bar.set_height(value)
            for c, (bar, label, value) in enumerate(zip(prob_bars, labels, q, strict=True)):
                bar.set_height(value)
                label.set_position((c, value))
                label.set_text(f"{value:.3f}")
            image.set_data(jacobian)
            shown = ", ".join(f"{value:.4f}" for value in q)
            diagonal = ", ".join(f"{value:.4f}" for value in np.diagonal(jacobian))
            return (
                f"τ = {temperature:.3g}, x = [{', '.join(f'{v:g}' for v in x)}]: "
                f"q = [{shown}], sum {q.sum():.4f}; entropy {info.entropy(q):.4f} nats "
                f"(uniform: ln {base.size} = {np.log(base.size):.4f}); "
                f"diagonal of J, q_c (1 - q_c) = [{diagonal}]"
            )

        return update

    controls = {
        "temperature": ipywidgets.FloatLogSlider(
            value=1.0, base=10, min=-2, max=2, step=0.02, description="τ",
            readout_format=".3g",
        ),
        "last_logit": ipywidgets.FloatSlider(
            value=round(float(base[-1]), 6), min=-3.0, max=3.0, step=0.1,
            description=f"logit {base.size - 1}", readout_format=".1f",
        ),
    }
    return Explorer(
        "softmax(x / τ) and its Jacobian: temperature and one logit", controls, build,
        figsize=(12.0, 3.6),
    )


def check_softmax_probability(answer: Any) -> Feedback:
    r"""Exercise 4.1: softmax([1.2, 2.4, 3.6])_1, the probability of class 1.

    .. math:: q_1 = \frac{e^{2.4}}{e^{1.2} + e^{2.4} + e^{3.6}}
    """
    expected = float(losses.softmax(np.array([1.2, 2.4, 3.6]))[1])
    return check_number(
        "Exercise 4.1", answer, expected,
        hint="q_1 = e^2.4 / (e^1.2 + e^2.4 + e^3.6); math.exp computes e^x. "
        "Class indices count from 0, so class 1 is the middle logit.",
    )


def check_temperature(answer: Any) -> Feedback:
    r"""Exercise 4.2: the temperature τ at which softmax([0, 1] / τ)_1 = 0.9.

    .. math:: \frac{1}{1 + e^{-1/\tau}} = 0.9 \iff \tau = \frac{1}{\ln(0.9 / 0.1)}
    """
    probability = 0.9
    expected = 1.0 / math.log(probability / (1.0 - probability))
    return check_number(
        "Exercise 4.2", answer, expected,
        hint="With two logits, softmax([0, 1] / τ)_1 = 1 / (1 + e^(-1/τ)). "
        "Set it equal to 0.9 and solve for τ.",
    )


def check_stable_softmax(function: Any) -> Feedback:
    """Exercise 4.3: ``stable_softmax(x, axis)`` in NumPy, exact for logits of any size.

    Compared with :func:`helpers.losses.softmax` on 1-D, 2-D and 3-D inputs, along several
    axes, including logits of ±1000 that make the naive ``exp(x) / sum(exp(x))`` return nan.
    """
    rng = np.random.default_rng(3)
    cases = [
        (np.array([0.1, 0.2, 0.3, 0.4]), -1),
        (np.array([[0.1, 0.2, 0.3, 0.4], [0.1, 0.1, 0.1, 0.1]]), 1),
        (np.array([1000.0, 0.0]), 0),
        (np.array([[-1000.0, -1001.0], [1000.0, 1000.0]]), 1),
        (rng.normal(scale=300.0, size=(3, 4)), 0),
        (rng.normal(scale=300.0, size=(2, 3, 4)), 1),
    ]
    return check_function(  # a naive answer overflows: the feedback says nan, no RuntimeWarning
        "Exercise 4.3", function, losses.softmax, cases,
        hint="Subtract the maximum along the axis first: "
        "x - np.max(x, axis=axis, keepdims=True); then exp, and divide by the sum along "
        "the same axis (keepdims=True, so that it broadcasts).",
    )


def check_softmax_jacobian(answer: Any) -> Feedback:
    r"""Exercise 4.4: the 3 × 3 Jacobian of softmax at x = (0, 0, ln 2), where q = (1, 1, 2)/4.

    .. math:: J = \operatorname{diag}(q) - q q^\top
    """
    x = np.array([0.0, 0.0, math.log(2.0)])
    q = losses.softmax(x)
    mistakes = [
        (np.diag(q), "That is diag(q) alone: subtract the outer product q q^T."),
        (-np.outer(q, q), "That is -q q^T alone: add q_i on the diagonal (the delta_ij term)."),
        (np.outer(q, q) - np.diag(q), "The signs are flipped: J_ii = q_i (1 - q_i) is positive."),
    ]
    return check_array(
        "Exercise 4.4", answer, losses.softmax_jacobian(x), rtol=0.0, atol=1e-4,
        hint="First q = softmax(x) (e^(ln 2) = 2); then J_ij = q_i (delta_ij - q_j), "
        "i.e. diag(q) - q q^T (np.diag, np.outer). A 3 x 3 array.",
        mistakes=mistakes,
    )
