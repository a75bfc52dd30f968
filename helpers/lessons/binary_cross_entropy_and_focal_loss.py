"""Figures, explorers and exercise checks of
``notebooks/12_binary_cross_entropy_and_focal_loss.ipynb``.

Lesson 12 · Binary cross-entropy and focal loss. Notation of the lesson: ``x`` a logit, ``y`` a
label 0/1, ``p = σ(x)`` the model's probability of label 1, ``p_t`` its probability of the true
label (``p`` if y = 1, ``1 − p`` if y = 0).
"""

from __future__ import annotations

import math
from typing import Any

import ipywidgets
import numpy as np
from matplotlib.figure import Figure

from helpers import binary
from helpers.explorer import Explorer
from helpers.feedback import Feedback, check_function, check_number
from helpers.figures import COLORS, new_figure

#: The focusing exponents of the figure: the paper's Figure 1 draws these five.
GAMMAS = (0.0, 0.5, 1.0, 2.0, 5.0)

#: The toy batch of dense detection: a few hard positives among many easy negatives
#: (count, and the probability p_t each gives its true label).
TOY_POSITIVES = (10, 0.3)
TOY_NEGATIVES = (10_000, 0.99)


def logit_of(probability: np.ndarray | float) -> np.ndarray:
    """``x = ln(p / (1 − p))``: the logit whose sigmoid is ``probability``."""
    probability = np.asarray(probability, dtype=np.float64)
    return np.log(probability) - np.log1p(-probability)


def focal_loss_of_p_t(p_t: np.ndarray | float, gamma: float, alpha: float = -1.0,
                      label: float = 1.0) -> np.ndarray:
    r"""The focal loss of examples whose true label ``label`` gets probability ``p_t``, by
    :func:`helpers.binary.sigmoid_focal_loss` (``"none"``): the logit is :math:`\pm\ln(p_t / (1 -
    p_t))`, so :math:`\mathrm{FL} = -\alpha_t (1 - p_t)^\gamma \log p_t` (no α for α < 0)."""
    p_t = np.asarray(p_t, dtype=np.float64)
    logits = logit_of(p_t) if label == 1.0 else -logit_of(p_t)
    targets = np.full(p_t.shape, label)
    return np.asarray(binary.sigmoid_focal_loss(logits, targets, alpha=alpha, gamma=gamma))


def toy_batch_losses(gamma: float, alpha: float, positives: tuple[int, float] = TOY_POSITIVES,
                     negatives: tuple[int, float] = TOY_NEGATIVES) -> tuple[float, float]:
    """The total focal loss of a toy batch's positives and of its negatives (``"sum"``); each
    group is ``(count, p_t)``: that many examples, each giving its true label ``p_t``."""
    (n_positive, p_positive), (n_negative, p_negative) = positives, negatives
    positives = n_positive * float(focal_loss_of_p_t(p_positive, gamma, alpha, 1.0))
    negatives = n_negative * float(focal_loss_of_p_t(p_negative, gamma, alpha, 0.0))
    return positives, negatives


def focal_loss_figure(gammas: tuple[float, ...] = GAMMAS) -> Figure:
    r"""Left: the focal loss :math:`-(1 - p_t)^\gamma \log p_t` (no α) against :math:`p_t`, one
    curve per γ (γ = 0 is the cross-entropy), as in the paper's Figure 1. Right: the ratio
    FL / CE :math:`= (1 - p_t)^\gamma` on a log scale, the factor by which an example's loss is
    cut; the dotted line marks :math:`p_t` = 0.9, where γ = 2 cuts it 100-fold."""
    p_t = np.linspace(0.001, 0.999, 999)
    cross_entropy = focal_loss_of_p_t(p_t, 0.0)
    figure, (loss_ax, ratio_ax) = new_figure(2, figsize=(10.0, 3.9))
    shades = np.linspace(0.3, 1.0, len(gammas))
    for gamma, shade in zip(gammas, shades, strict=True):
        focal = focal_loss_of_p_t(p_t, gamma)
        color = COLORS["neutral"] if gamma == 0 else (0.85 * shade, 0.37 * shade, 0.0075)
        label = r"$\gamma = 0$ (cross-entropy)" if gamma == 0 else rf"$\gamma = {gamma:g}$"
        loss_ax.plot(p_t, focal, color=color, lw=2 if gamma == 0 else 1.5, label=label)
        ratio_ax.plot(p_t, focal / cross_entropy, color=color, lw=2 if gamma == 0 else 1.5,
                      label=label)
    loss_ax.set(xlabel=r"$p_t$, the probability of the true label", ylabel="loss [nats]",
                xlim=(0, 1), ylim=(0, 5), title=r"$\mathrm{FL} = -(1 - p_t)^\gamma \log p_t$")
    loss_ax.legend(fontsize="small", loc="upper right")
    ratio_ax.set_yscale("log")
    ratio_ax.axvline(0.9, ls=":", lw=1, color=COLORS["reference"])
    ratio_ax.set(xlabel=r"$p_t$", ylabel="FL / CE", xlim=(0, 1), ylim=(1e-6, 2),
                 title=r"FL / CE $= (1 - p_t)^\gamma$: easy examples are cut most")
    ratio_ax.legend(fontsize="small", loc="lower left")
    return figure


def focal_loss_explorer(positives: tuple[int, float] = TOY_POSITIVES,
                        negatives: tuple[int, float] = TOY_NEGATIVES) -> Explorer:
    r"""Focal loss over γ and α: left, the loss of a positive (:math:`\alpha_t = \alpha`) and of a
    negative (:math:`\alpha_t = 1 - \alpha`) against :math:`p_t`, with the cross-entropy dashed;
    right, the share of a toy batch's total loss that comes from its ``positives`` and from its
    ``negatives``, each ``(count, p_t)`` (by default a few hard positives among many easy
    negatives, :data:`TOY_POSITIVES` and :data:`TOY_NEGATIVES`)."""
    p_t = np.linspace(0.005, 0.995, 199)
    cross_entropy = focal_loss_of_p_t(p_t, 0.0)

    def build(figure: Figure):
        loss_ax, share_ax = figure.subplots(1, 2, width_ratios=(1.6, 1))
        loss_ax.plot(p_t, cross_entropy, ls="--", lw=1, color=COLORS["neutral"],
                     label="cross-entropy")
        (positive,) = loss_ax.plot(p_t, cross_entropy, color=COLORS["target"], lw=2,
                                   label=r"positive, $\alpha_t = \alpha$", animated=True)
        (negative,) = loss_ax.plot(p_t, cross_entropy, color=COLORS["model"], lw=2,
                                   label=r"negative, $\alpha_t = 1 - \alpha$", animated=True)
        loss_ax.set(xlabel=r"$p_t$", ylabel="loss of one example", xlim=(0, 1), ylim=(0, 3),
                    title=r"$\mathrm{FL} = -\alpha_t (1 - p_t)^\gamma \log p_t$")
        loss_ax.legend(fontsize="small", loc="upper right")
        bars = share_ax.bar([0, 1], [0.5, 0.5], width=0.6, animated=True,
                            color=[COLORS["target"], COLORS["model"]])
        share_ax.set(xticks=[0, 1], ylim=(0, 1), ylabel="share of the total loss",
                     title="toy batch: whose loss?")
        share_ax.set_xticklabels([f"{positives[0]} positives\n(p_t = {positives[1]:g})",
                                  f"{negatives[0]} negatives\n(p_t = {negatives[1]:g})"])

        def update(gamma: float, alpha: float) -> str:
            positive.set_ydata(focal_loss_of_p_t(p_t, gamma, alpha, 1.0))
            negative.set_ydata(focal_loss_of_p_t(p_t, gamma, alpha, 0.0))
            positive_loss, negative_loss = toy_batch_losses(gamma, alpha, positives, negatives)
            total = positive_loss + negative_loss
            share = negative_loss / total if total > 0 else 0.0
            bars[0].set_height(1 - share if total > 0 else 0.0)
            bars[1].set_height(share)
            ratio = (1 - 0.9) ** gamma
            return (
                f"γ = {gamma:.1f}, α = {alpha:.2f}: at p_t = 0.9 the loss is {ratio:.4g} × the "
                f"cross-entropy (before α). Toy batch: positives {positive_loss:.4f}, "
                f"negatives {negative_loss:.4f}; the negatives carry {share:.1%} of the loss"
            )

        return update

    controls = {
        "gamma": ipywidgets.FloatSlider(value=2.0, min=0.0, max=5.0, step=0.1,
                                        description="gamma", readout_format=".1f"),
        "alpha": ipywidgets.FloatSlider(value=0.25, min=0.0, max=1.0, step=0.05,
                                        description="alpha", readout_format=".2f"),
    }
    return Explorer("focal loss: the focusing exponent gamma and the class weight alpha",
                    controls, build, figsize=(10.0, 3.8))


# --------------------------------------------------------------------------------------------
# exercises
# --------------------------------------------------------------------------------------------

#: Exercise 12.1: the base rate of positives and the pos_weight.
BASE_RATE_12_1 = 0.1
POS_WEIGHT_12_1 = 4.0
#: Exercise 12.2: two examples with the same logit and opposite labels; torchvision's defaults.
LOGITS_12_2 = (2.0, 2.0)
LABELS_12_2 = (0.0, 1.0)


def optimal_constant_logit(base_rate: float, pos_weight: float) -> float:
    r"""The constant logit that minimizes the expected ``BCEWithLogitsLoss`` when a fraction
    ``base_rate`` of the labels is 1: the zero of the derivative of the convex
    :math:`E(x) = \pi p_w \operatorname{softplus}(-x) + (1 - \pi)\operatorname{softplus}(x)`,

    .. math:: E'(x) = -\pi p_w\,\sigma(-x) + (1 - \pi)\,\sigma(x) = 0
              \iff x^* = \ln \frac{p_w\pi}{1 - \pi}."""
    return math.log(pos_weight * base_rate / (1 - base_rate))


def check_optimal_constant_logit(answer: Any) -> Feedback:
    r"""Exercise 12.1: base rate :math:`\pi = 0.1`, ``pos_weight`` 4: the constant logit that
    minimizes the expected loss, :math:`\ln(4 \cdot 0.1 / 0.9) = \ln(4/9)`."""
    expected = optimal_constant_logit(BASE_RATE_12_1, POS_WEIGHT_12_1)
    mistakes = [
        (float(binary.sigmoid(expected)),
         "{value:.4g} is the probability σ(x*); the question asks for the logit x*.",
         "Take the logit of it: ln(q / (1 − q))."),
        (optimal_constant_logit(BASE_RATE_12_1, 1.0),
         "That is the best logit without pos_weight, ln(π / (1 − π)).",
         "pos_weight multiplies the positives' loss by 4: set the derivative "
         "−4π σ(−x) + (1 − π) σ(x) to zero."),
    ]
    return check_number(
        "Exercise 12.1", answer, expected, rtol=1e-4, atol=1e-4, mistakes=mistakes,
        hint="E(x) = π·p_w·softplus(−x) + (1 − π)·softplus(x); its derivative is "
        "−π·p_w·σ(−x) + (1 − π)·σ(x). Set it to zero and solve for x.",
    )


def check_focal_by_hand(answer: Any) -> Feedback:
    r"""Exercise 12.2: ``sigmoid_focal_loss`` with torchvision's α = 0.25, γ = 2 and
    ``reduction="mean"`` for logits (2, 2) and labels (0, 1)."""
    x, y = np.array(LOGITS_12_2), np.array(LABELS_12_2)
    expected = float(binary.sigmoid_focal_loss(x, y, reduction="mean"))
    total = float(binary.sigmoid_focal_loss(x, y, reduction="sum"))
    cross_entropy = float(binary.binary_cross_entropy_with_logits(x, y))
    swapped = float(np.mean(binary.sigmoid_focal_loss(x, y, alpha=-1.0) * np.where(y == 1, 0.75,
                                                                                      0.25)))
    unweighted = float(binary.sigmoid_focal_loss(x, y, alpha=-1.0, reduction="mean"))
    return check_number(
        "Exercise 12.2", answer, expected,
        mistakes=[
            (total, "That is the sum; reduction='mean' divides by the 2 elements.", ""),
            (cross_entropy, "That is the plain binary cross-entropy (γ = 0, no α).",
             "Multiply each element's cross-entropy by α_t (1 − p_t)^2."),
            (swapped, "α_t is swapped: the positive (y = 1) gets α = 0.25, the negative 0.75.",
             ""),
            (unweighted, "That is the loss without α (alpha=-1).",
             "Multiply by α_t: 0.25 for y = 1, 0.75 for y = 0."),
        ],
        hint="p = σ(2); for y = 0, p_t = 1 − p and α_t = 0.75; for y = 1, p_t = p and α_t = 0.25; "
        "each element −α_t (1 − p_t)² ln p_t, then the mean.",
    )


def _focal_cases() -> list[tuple[np.ndarray, np.ndarray, float, float]]:
    rng = np.random.default_rng(12)
    return [
        (np.array([2.0, -1.0, 0.5]), np.array([1.0, 0.0, 0.0]), 0.25, 2.0),
        (rng.normal(size=(4, 3)) * 3, rng.integers(0, 2, (4, 3)).astype(np.float64), -1.0, 1.5),
        (rng.normal(size=(2, 3)), rng.integers(0, 2, (2, 3)).astype(np.float64), 0.5, 0.0),
        (np.array([[50.0, -50.0], [50.0, -50.0]]), np.array([[0.0, 1.0], [1.0, 0.0]]), 0.25, 2.0),
    ]


def check_sigmoid_focal_loss(function: Any) -> Feedback:
    """Exercise 12.3: ``function(logits, targets, alpha, gamma)`` must return the per-element
    focal loss of :func:`helpers.binary.sigmoid_focal_loss` (``"none"``) on NumPy float64
    input, alpha < 0 meaning no weighting, including logits of ±50 against their label."""
    return check_function(
        "Exercise 12.3", function,
        lambda x, y, alpha, gamma: binary.sigmoid_focal_loss(x, y, alpha=alpha, gamma=gamma),
        _focal_cases(),
        rtol=1e-7, atol=1e-9,
        hint="−ln p_t is the BCE with logits, (1 − y)·x + softplus(−x), with "
        "softplus(t) = max(t, 0) + log1p(exp(−|t|)); p_t = p·y + (1 − p)(1 − y) with p = σ(x); "
        "multiply by (1 − p_t)**gamma, and by α_t = α·y + (1 − α)(1 − y) if alpha >= 0.",
    )
