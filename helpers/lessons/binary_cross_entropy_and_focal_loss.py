"""Figures, explorers and exercise checks of ``notebooks/10_binary_cross_entropy.ipynb``.

Lesson 10 · Binary cross-entropy.
"""

from __future__ import annotations

import math
from typing import Any

import ipywidgets
import numpy as np
from matplotlib.figure import Figure

from helpers import binary
from helpers.explorer import Explorer
from helpers.feedback import (
    Feedback,
    check_function,
    check_number,
)
from helpers.figures import COLORS, new_figure


def bce_naive_vs_stable_figure() -> Figure:
    r"""BCE against the logit x in float32, for y = 1 and y = 0: ``BCELoss(sigmoid(x))`` (naive)
    against ``BCEWithLogitsLoss(x)`` (stable).

    Left, x in [-120, 120]: the stable losses are :math:`\operatorname{softplus}(-x)` (y = 1) and
    :math:`\operatorname{softplus}(x)` (y = 0), which grow like |x|; the naive ones jump to the
    clamp, 100: for y = 1 once :math:`\sigma(x)` underflows to 0 (x < -88.72), for y = 0 as soon
    as :math:`\sigma(x)` rounds to 1.0 (x > 16.64). Right, y = 0 and x in [0, 25]: before the jump,
    :math:`1 - \sigma(x)` is a multiple of float32's spacing below 1 (:math:`2^{-24}`), so the
    naive loss climbs in steps.
    """
    wide = np.linspace(-120.0, 120.0, 4801)
    near = np.linspace(0.0, 25.0, 5001)
    figure, (wide_ax, near_ax) = new_figure(2, figsize=(10.0, 3.9))
    for target, color in ((1.0, COLORS["target"]), (0.0, COLORS["model"])):
        wide_ax.plot(wide, binary.stable_bce_float32(wide, target), color=color, lw=4,
                     alpha=0.35, label=f"y = {target:g}: BCEWithLogitsLoss(x)")
        wide_ax.plot(wide, binary.naive_bce_float32(wide, target), color=color, lw=1.3,
                     label=f"y = {target:g}: BCELoss(sigmoid(x))")
    threshold = float(near[np.argmax(binary.sigmoid(near.astype(np.float32)) == 1.0)])
    wide_ax.axhline(100.0, ls=":", lw=1, color=COLORS["neutral"])
    wide_ax.text(-118, 103, "clamp: -log p <= 100", fontsize="small", color=COLORS["neutral"])
    wide_ax.set(xlabel="logit x", ylabel="loss (float32)", xlim=(-120, 120), ylim=(0, 165),
                title="float32: the naive loss jumps to the clamp, 100")
    wide_ax.legend(loc="upper center", fontsize="x-small", ncols=2)

    near_ax.plot(near, binary.stable_bce_float32(near, 0.0), color=COLORS["model"], lw=4,
                 alpha=0.35, label="BCEWithLogitsLoss(x) = softplus(x)")
    near_ax.plot(near, binary.naive_bce_float32(near, 0.0), color=COLORS["model"], lw=1.0,
                 label="BCELoss(sigmoid(x))")
    near_ax.axvline(threshold, ls=":", lw=1, color=COLORS["neutral"])
    near_ax.annotate(
        f"x > {threshold:.2f}:\nsigmoid(x) == 1.0,\nloss jumps to 100", xy=(threshold, 23.0),
        xytext=(threshold + 0.5, 3.0), ha="left", va="bottom", fontsize="small",
        color=COLORS["neutral"], arrowprops={"arrowstyle": "->", "color": COLORS["neutral"]},
    )
    near_ax.set(xlabel="logit x", ylabel="loss (float32)", xlim=(0, 25), ylim=(0, 25),
                title="y = 0: steps, then the jump")
    near_ax.legend(loc="upper left", fontsize="x-small")
    return figure


def pos_weight_explorer() -> Explorer:
    r"""``BCEWithLogitsLoss`` with ``pos_weight`` p: the two per-label losses and the expected loss.

    Left: the loss of one element against its logit x, :math:`p \cdot \operatorname{softplus}(-x)`
    for a positive (y = 1) and :math:`\operatorname{softplus}(x)` for a negative (y = 0); the
    sliders move x and p. Right: the expected loss of a constant logit x when a fraction
    :math:`\pi` of the labels are positive (the base rate),

    .. math:: E(x) = \pi\, p \operatorname{softplus}(-x) + (1 - \pi) \operatorname{softplus}(x),
              \qquad x^* = \arg\min E = \ln \frac{p\,\pi}{1 - \pi},

    so :math:`\sigma(x^*) = p\pi / (p\pi + 1 - \pi)`: with p = 1 the sigmoid of the best logit is
    the base rate; with :math:`p = (1 - \pi)/\pi` it is 1/2. All curves are
    ``binary.binary_cross_entropy_with_logits`` (float64).
    """
    grid = np.linspace(-8.0, 8.0, 401)
    ones, zeros = np.ones_like(grid), np.zeros_like(grid)
    negative_curve = binary.binary_cross_entropy_with_logits(grid, zeros, reduction="none")

    def build(figure: Figure):
        loss_ax, expected_ax = figure.subplots(1, 2)
        (positive,) = loss_ax.plot(grid, grid * 0, color=COLORS["target"], lw=2,
                                   label="y = 1: p softplus(-x)", animated=True)
        loss_ax.plot(grid, negative_curve, color=COLORS["model"], lw=2,
                     label="y = 0: softplus(x)")
        (positive_dot,) = loss_ax.plot([], [], "o", color=COLORS["target"], animated=True)
        (negative_dot,) = loss_ax.plot([], [], "o", color=COLORS["model"], animated=True)
        loss_ax.set(xlabel="logit x", ylabel="loss of one element", xlim=(-8, 8), ylim=(0, 10),
                    title="BCEWithLogitsLoss(x, y, pos_weight=p)")
        loss_ax.legend(loc="upper center", fontsize="small")

        (expected,) = expected_ax.plot(grid, grid * 0, color=COLORS["reference"], lw=2,
                                       label="E(x), base rate pi", animated=True)
        optimum = expected_ax.axvline(0.0, ls="--", lw=1, color=COLORS["neutral"],
                                      animated=True)
        (optimum_dot,) = expected_ax.plot([], [], "s", color=COLORS["neutral"],
                                          label="minimum x*", animated=True)
        (expected_dot,) = expected_ax.plot([], [], "o", color=COLORS["reference"],
                                           animated=True)
        expected_ax.set(xlabel="constant logit x", ylabel="expected loss per element",
                        xlim=(-8, 8), ylim=(0, 4),
                        title=r"$E(x) = \pi p\,\mathrm{sp}(-x) + (1-\pi)\,\mathrm{sp}(x)$")
        expected_ax.legend(loc="upper center", fontsize="small")

        def update(logit: float, pos_weight: float, base_rate: float) -> str:
            positive_curve = binary.binary_cross_entropy_with_logits(
                grid, ones, pos_weight=pos_weight, reduction="none"
            )
            positive.set_ydata(positive_curve)
            mean_curve = base_rate * positive_curve + (1 - base_rate) * negative_curve
            expected.set_ydata(mean_curve)
            x = np.array([logit])
            loss_1 = float(binary.binary_cross_entropy_with_logits(x, np.ones(1),
                                                                   pos_weight=pos_weight))
            loss_0 = float(binary.binary_cross_entropy_with_logits(x, np.zeros(1)))
            positive_dot.set_data([logit], [loss_1])
            negative_dot.set_data([logit], [loss_0])
            mean_loss = base_rate * loss_1 + (1 - base_rate) * loss_0
            expected_dot.set_data([logit], [mean_loss])
            best = float(np.log(pos_weight * base_rate / (1 - base_rate)))
            best_loss = float(
                base_rate * binary.binary_cross_entropy_with_logits(best, 1.0,
                                                                     pos_weight=pos_weight)
                + (1 - base_rate) * binary.binary_cross_entropy_with_logits(best, 0.0)
            )
            optimum.set_xdata([best, best])
            optimum_dot.set_data([best], [best_loss])
            shown_best = round(best, 4) + 0.0  # never "-0.0000"
            return (
                f"x = {logit:+.2f}, σ(x) = {float(binary.sigmoid(logit)):.4f}; "
                f"loss if y = 1: {loss_1:.4f}, if y = 0: {loss_0:.4f}. "
                f"Base rate π = {base_rate:.2f}, p = {pos_weight:.2f}: E(x) = {mean_loss:.4f}, "
                f"lowest at x* = ln(pπ / (1 − π)) = {shown_best:+.4f}, "
                f"σ(x*) = {float(binary.sigmoid(best)):.4f}"
            )

        return update

    controls = {
        "logit": ipywidgets.FloatSlider(value=2.0, min=-8.0, max=8.0, step=0.05,
                                     description="logit x", readout_format=".2f"),
        "pos_weight": ipywidgets.FloatLogSlider(value=1.0, base=10, min=-1.0, max=1.5, step=0.01,
                                             description="pos_weight p", readout_format=".2f",
                                             style={"description_width": "initial"}),
        "base_rate": ipywidgets.FloatSlider(value=0.05, min=0.01, max=0.99, step=0.01,
                                         description="base rate pi", readout_format=".2f",
                                         style={"description_width": "initial"}),
    }
    return Explorer("pos_weight: the loss of a positive, and the best constant logit", controls,
                    build, figsize=(10.0, 3.8))


#: Exercise 10.1: three predicted probabilities and their labels.
BCE_PROBS_10_1 = (0.9, 0.2, 0.6)
BCE_LABELS_10_1 = (1.0, 0.0, 0.0)
#: Exercise 10.2: the base rate of positives and the pos_weight.
BASE_RATE_10_2 = 0.1
POS_WEIGHT_10_2 = 4.0


def check_bce_by_hand(answer: Any) -> Feedback:
    r"""Exercise 10.1: ``nn.BCELoss()`` (mean) of probabilities (0.9, 0.2, 0.6) with labels
    (1, 0, 0): :math:`-\frac13\big(\ln 0.9 + \ln 0.8 + \ln 0.4\big)`."""
    probs, labels = np.array(BCE_PROBS_10_1), np.array(BCE_LABELS_10_1)
    expected = float(binary.binary_cross_entropy(probs, labels))
    total = float(binary.binary_cross_entropy(probs, labels, reduction="sum"))
    return check_number(
        "Exercise 10.1", answer, expected,
        mistakes=[(total, "That is the sum of the three losses.",
                   "The default reduction is 'mean': divide by the 3 elements.")],
        hint="per element −[y ln p + (1 − y) ln(1 − p)]: a label 0 scores ln(1 − p); then the "
        "mean of the three.",
    )


def optimal_constant_logit(base_rate: float, pos_weight: float) -> float:
    r"""The constant logit that minimizes the expected ``BCEWithLogitsLoss`` when a fraction
    ``base_rate`` of the labels is 1: the zero of the derivative of the convex
    :math:`E(x) = \pi p \operatorname{softplus}(-x) + (1 - \pi)\operatorname{softplus}(x)`,

    .. math:: E'(x) = -\pi p\,\sigma(-x) + (1 - \pi)\,\sigma(x) = 0
              \iff e^{x} = \frac{p\pi}{1 - \pi}
              \iff x^* = \ln \frac{p\pi}{1 - \pi}."""
    return math.log(pos_weight * base_rate / (1 - base_rate))


def check_optimal_constant_logit(answer: Any) -> Feedback:
    r"""Exercise 10.2: base rate :math:`\pi = 0.1`, ``pos_weight`` p = 4: the constant logit that
    minimizes the expected loss (:math:`\ln(p\pi/(1-\pi)) = \ln(4/9)`)."""
    expected = optimal_constant_logit(BASE_RATE_10_2, POS_WEIGHT_10_2)
    mistakes = [
        (float(binary.sigmoid(expected)),
         "{value:.4g} is the probability σ(x*); the question asks for the logit x*.",
         "Take the logit of it: ln(q / (1 − q))."),
        (optimal_constant_logit(BASE_RATE_10_2, 1.0),
         "That is the best logit without pos_weight, ln(π / (1 − π)).",
         "pos_weight multiplies the positives' loss by p: set the derivative "
         "−πp σ(−x) + (1 − π) σ(x) to zero."),
    ]
    return check_number(
        "Exercise 10.2", answer, expected, rtol=1e-4, atol=1e-4, mistakes=mistakes,
        hint="E(x) = πp·softplus(−x) + (1 − π)·softplus(x); its derivative is "
        "−πp·σ(−x) + (1 − π)·σ(x). Set it to zero and solve for x.",
    )


def _stable_bce_cases() -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(10)
    return [
        (np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.0, 1.0]), np.array(1.0)),
        (rng.normal(size=(4, 3)), rng.integers(0, 2, (4, 3)).astype(np.float64),
         np.array([1.0, 2.0, 5.0])),
        (np.array([[1000.0, -1000.0], [-1000.0, 1000.0]]), np.array([[0.0, 1.0], [0.0, 1.0]]),
         np.array([3.0, 0.5])),
        (np.array([40.0, -40.0, 0.0]), np.array([0.0, 1.0, 0.3]), np.array(2.0)),
    ]


def check_stable_bce_with_logits(function: Any) -> Feedback:
    """Exercise 10.3: ``function(logits, target, pos_weight)`` must equal
    ``F.binary_cross_entropy_with_logits(logits, target, pos_weight=pos_weight)`` (mean) on
    NumPy float64 input, including logits of ±1000 and a ``(C,)`` pos_weight."""
    return check_function(
        "Exercise 10.3", function,
        lambda x, y, p: binary.binary_cross_entropy_with_logits(x, y, pos_weight=p),
        _stable_bce_cases(),
        rtol=1e-7, atol=1e-9,
        hint="ℓ = (1 − y)·x + (1 + (p − 1)·y)·softplus(−x), with "
        "softplus(t) = max(t, 0) + log1p(exp(−|t|)); then the mean.",
    )
