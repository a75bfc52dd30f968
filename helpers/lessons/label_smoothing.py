"""Figures, explorers and exercise checks of ``notebooks/08_label_smoothing.ipynb``.

Lesson 8 · Label smoothing.
"""

from __future__ import annotations

from typing import Any

import ipywidgets
import numpy as np
from matplotlib.figure import Figure

from helpers import losses
from helpers.explorer import Explorer
from helpers.feedback import (
    Feedback,
    check_function,
    check_number,
)
from helpers.figures import COLORS, new_figure


def label_smoothing_gap_figure(
    num_classes: int = 4, epsilons: tuple[float, ...] = (0.0, 0.05, 0.1, 0.2, 0.4)
) -> Figure:
    r"""Loss vs the gap :math:`g = x_y - x_c` between the true-class logit and the other (equal)
    logits, one curve per ε, for ``num_classes`` = C classes.

    Each curve's minimum (at :func:`helpers.losses.optimal_gap`,
    :math:`g^* = \log\frac{1-\varepsilon+\varepsilon/C}{\varepsilon/C}`, value = the entropy of the
    smoothed target) is marked; the hard target (ε = 0) has none: its loss only tends to 0 as the
    gap grows.
    """
    figure, (ax,) = new_figure(figsize=(6.8, 3.8))
    gap = np.linspace(-1.0, 10.0, 441)
    shades = np.linspace(0.35, 1.0, len(epsilons))
    for epsilon, shade in zip(epsilons, shades, strict=True):
        if epsilon == 0:
            hard = losses.smoothed_loss_vs_gap(gap, num_classes, 0.0)
            ax.plot(gap, hard, color=COLORS["neutral"], lw=2,
                    label=r"$\varepsilon = 0$ (hard target): no minimum")
            continue
        color = (0.85 * shade, 0.37 * shade, 0.0075)
        ax.plot(gap, losses.smoothed_loss_vs_gap(gap, num_classes, epsilon), color=color,
                label=rf"$\varepsilon = {epsilon:g}$")
        best = losses.optimal_gap(num_classes, epsilon)
        value = float(losses.smoothed_loss_vs_gap(np.array([best]), num_classes, epsilon)[0])
        ax.plot([best], [value], "o", color=color, ms=6, zorder=3)
        ax.annotate(f"{best:.2f}", (best, value), textcoords="offset points", xytext=(0, -13),
                    ha="center", fontsize=8, color=color)
    ax.axhline(0, color=COLORS["reference"], lw=0.8, ls=":")
    ax.set(xlabel=r"logit gap $g = x_y - x_c$ (every $c \neq y$)",
           ylabel="loss [nats]", xlim=(gap[0], gap[-1]), ylim=(-0.1, 2.2),
           title=f"Label-smoothed cross-entropy, C = {num_classes} classes (dot: minimum)")
    ax.legend(fontsize=8, loc="upper right")
    return figure


def label_smoothing_explorer() -> Explorer:
    r"""Label smoothing vs ε (and the number of classes C): the smoothed target
    ``(1-ε)·one_hot + ε/C`` as bars, and the loss vs the logit gap with its minimum at
    :math:`g^* = \log((1-ε+ε/C)/(ε/C))` marked."""
    max_classes = 10
    gap = np.linspace(0.0, 10.0, 301)

    def build(figure: Figure):
        left, right = figure.subplots(1, 2, width_ratios=(1, 1.5))
        classes = np.arange(max_classes)
        hard = left.bar(classes, np.zeros(max_classes), width=0.8, fill=False,
                        edgecolor=COLORS["neutral"], ls="--", animated=True,
                        label="one-hot")
        bars = left.bar(classes, np.zeros(max_classes), width=0.55, animated=True,
                        color=COLORS["model"], label="smoothed")
        left.set(xlim=(-0.6, max_classes - 0.4), ylim=(0, 1.05), xticks=classes,
                 xlabel="class (0 = true)", ylabel="target probability",
                 title="target distribution")
        left.legend(fontsize=8, loc="upper right")
        (hard_curve,) = right.plot(gap, np.zeros_like(gap), color=COLORS["neutral"],
                                   lw=1, animated=True, label=r"$\varepsilon = 0$")
        (curve,) = right.plot(gap, np.zeros_like(gap), color=COLORS["model"], lw=2,
                              animated=True, label="smoothed")
        marker = right.axvline(0, color=COLORS["reference"], ls="--", lw=1, animated=True)
        (point,) = right.plot([], [], "o", color=COLORS["reference"], animated=True)
        right.set(xlim=(gap[0], gap[-1]), ylim=(0, 2.5), xlabel="logit gap g",
                  ylabel="loss [nats]", title="loss vs gap (dashed: optimal gap)")
        right.legend(fontsize=8, loc="upper right")

        def update(epsilon: float, num_classes: int) -> str:
            target = losses.smooth_targets(0, num_classes, epsilon)
            for k in range(max_classes):
                visible = k < num_classes
                bars[k].set_visible(visible)
                hard[k].set_visible(visible)
                if visible:
                    bars[k].set_height(target[k])
                    hard[k].set_height(1.0 if k == 0 else 0.0)
            hard_curve.set_ydata(losses.smoothed_loss_vs_gap(gap, num_classes, 0.0))
            curve.set_ydata(losses.smoothed_loss_vs_gap(gap, num_classes, epsilon))
            head = (f"ε = {epsilon:.2f}, C = {num_classes}: true class "
                    f"1 − ε + ε/C = {target[0]:.4f}, others ε/C = {target[1]:.4f}; ")
            if epsilon == 0:
                marker.set_visible(False)
                point.set_data([], [])
                return head + "no finite minimum: the loss → 0 only as the gap → ∞"
            best = losses.optimal_gap(num_classes, epsilon)
            value = float(losses.smoothed_loss_vs_gap(np.array([best]), num_classes, epsilon)[0])
            marker.set_visible(True)
            marker.set_xdata([best, best])
            point.set_data([best], [value])
            return (head + f"optimal gap log({target[0]:.4f}/{target[1]:.4f}) = {best:.4f}, "
                    f"minimal loss H(p) = {value:.4f} nats")

        return update

    controls = {
        "epsilon": ipywidgets.FloatSlider(value=0.1, min=0.0, max=0.99, step=0.01,
                                       description="ε", readout_format=".2f"),
        "num_classes": ipywidgets.IntSlider(value=4, min=2, max=max_classes, description="C"),
    }
    return Explorer("Label smoothing vs ε", controls, build, figsize=(8.0, 3.4))


def check_smoothed_true_class(answer: Any) -> Feedback:
    """Exercise 8.1: the smoothed target of the true class for C = 10, ε = 0.1."""
    expected = float(losses.smooth_targets(np.array(0), 10, 0.1)[0])
    return check_number(
        "Exercise 8.1", answer, expected, rtol=1e-6, atol=1e-9,
        hint="the uniform part puts ε/C on every class, the true class too: 1 − ε + ε/C.",
    )


def check_optimal_gap(answer: Any) -> Feedback:
    """Exercise 8.2: the optimal logit gap for C = 10, ε = 0.1 (natural log)."""
    target = losses.smooth_targets(np.array(0), 10, 0.1)
    expected = float(np.log(target[0] / target[1]))
    return check_number(
        "Exercise 8.2", answer, expected,
        hint="at the optimum softmax(x) equals the smoothed target, so the gap is the log of "
        "the ratio of the true-class target to another class's target.",
    )


def _label_smoothing_cases() -> list[tuple[np.ndarray, np.ndarray, float]]:
    rng = np.random.default_rng(7)
    preds = np.array([[0.1, 0.2, 0.3, 0.4], [0.1, 0.1, 0.1, 0.1]])
    return [
        (preds, np.array([2, 3]), 0.1),
        (preds, np.array([2, 3]), 0.0),
        (rng.normal(size=(5, 3)), rng.integers(0, 3, size=5), 0.3),
        (3 * rng.normal(size=(4, 6)), rng.integers(0, 6, size=4), 0.9),
    ]


def check_label_smoothed_loss(function: Any) -> Feedback:
    """Exercise 8.3: ``function(logits, y, epsilon)`` = mean label-smoothed cross-entropy."""
    return check_function(
        "Exercise 8.3", function,
        lambda logits, target, epsilon: losses.cross_entropy(
            logits, target, label_smoothing=epsilon
        ),
        _label_smoothing_cases(),
        hint="log_q = losses.log_softmax(logits, axis=1); take (1 − ε)·(mean NLL of the true "
        "class) + ε·(mean over samples and classes of −log_q).",
    )
