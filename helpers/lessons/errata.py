"""Figures, explorers and exercise checks of ``notebooks/B_errata.ipynb``.

Lesson 8 · Pitfalls and errata.
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


def double_softmax_figure(num_classes: int = 3) -> Figure:
    """Cross-entropy of a true-class probability p vs the loss of the probabilities fed as logits.

    The double-softmax "loss" is squeezed between log(1 + (K-1)/e) (at p = 1) and
    log(1 + (K-1) e^{1/(K-1)}) (at p = 0): it never rewards a confident right answer fully and
    never punishes a confident wrong one.
    """
    figure, (ax,) = new_figure(figsize=(6.8, 3.8))
    p = np.linspace(0.005, 1.0, 400)
    curves = losses.double_softmax_losses(p, num_classes)
    ax.plot(p, curves["nats"], color=COLORS["target"], lw=2,
            label=r"$-\ln p$ (cross-entropy, nats)")
    ax.plot(p, curves["bans"], color=COLORS["target"], ls="--", label=r"$-\log_{10} p$ (bans)")
    ax.plot(p, curves["double"], color=COLORS["model"], lw=2,
            label="CrossEntropyLoss(probabilities)  (softmax twice)")
    low = np.log(1 + (num_classes - 1) / np.e)
    high = np.log(1 + (num_classes - 1) * np.exp(1 / (num_classes - 1)))
    for bound in (low, high):
        ax.axhline(bound, color=COLORS["reference"], lw=0.8, ls=":")
    ax.text(0.02, low - 0.12, f"floor log(1+{num_classes - 1}/e) = {low:.4f}", fontsize=8,
            color=COLORS["reference"])
    ceiling = f"ceiling log(1+{num_classes - 1}e^(1/{num_classes - 1})) = {high:.4f}"
    ax.text(0.25, high + 0.05, ceiling, fontsize=8, color=COLORS["reference"])
    document = float(losses.cross_entropy(np.array([[0.2, 0.7, 0.1]]), np.array([1])))
    ax.plot([0.7], [document], "s", color=COLORS["model"], ms=7)
    ax.annotate(f"document 002: {document:.4f}", (0.7, document), textcoords="offset points",
                xytext=(6, 8), fontsize=8, color=COLORS["model"])
    ax.set(xlabel="probability of the true class p", ylabel="loss", xlim=(0, 1), ylim=(0, 3),
           title=f"Feeding probabilities to CrossEntropyLoss (K = {num_classes})")
    ax.legend(fontsize=8, loc="upper right")
    return figure


def double_softmax_explorer() -> Explorer:
    r"""A true-class probability p (the rest spread evenly over K-1 = 2 classes) and three
    numbers side by side: ``-ln p``, ``-log10 p`` and ``CrossEntropyLoss`` of the probabilities
    fed as logits, :math:`-\log\operatorname{softmax}(q)_{\rm true}`."""
    num_classes = 3
    p_grid = np.linspace(0.005, 1.0, 400)
    curves = losses.double_softmax_losses(p_grid, num_classes)
    names = ("nats", "bans", "double")
    labels = (r"$-\ln p$", r"$-\log_{10} p$", "CE(probs)")
    colors = (COLORS["target"], COLORS["target"], COLORS["model"])

    def build(figure: Figure):
        left, right = figure.subplots(1, 2, width_ratios=(1.5, 1))
        points = []
        for name, label, color, style in zip(names, labels, colors, ("-", "--", "-"),
                                             strict=True):
            left.plot(p_grid, curves[name], color=color, ls=style, label=label)
            (point,) = left.plot([], [], "o", color=color, animated=True)
            points.append(point)
        left.set(xlim=(0, 1), ylim=(0, 3), xlabel="probability of the true class p",
                 ylabel="loss", title="three numbers for the same prediction")
        left.legend(fontsize=8, loc="upper right")
        bars = right.bar(range(3), np.zeros(3), color=colors, animated=True)
        bars[1].set_alpha(0.55)
        texts = [right.text(i, 0, "", ha="center", va="bottom", fontsize=9, animated=True)
                 for i in range(3)]
        right.set(xticks=range(3), xticklabels=labels, ylim=(0, 3.3), title="side by side")

        def update(p: float) -> str:
            values = losses.double_softmax_losses(np.array([p]), num_classes)
            numbers = [float(values[name][0]) for name in names]
            for point, bar, text, value in zip(points, bars, texts, numbers, strict=True):
                shown = min(value, 3.0)
                point.set_data([p], [shown])
                bar.set_height(shown)
                text.set_position((bar.get_x() + bar.get_width() / 2, shown))
                text.set_text(f"{value:.4f}")
            return (f"p = {p:.3f}: −ln p = {numbers[0]:.4f} nats, −log10 p = {numbers[1]:.4f} "
                    f"bans, CrossEntropyLoss of the probabilities = {numbers[2]:.4f}")

        return update

    controls = {
        "p": ipywidgets.FloatSlider(value=0.7, min=0.01, max=1.0, step=0.01,
                                 description="p(true)", readout_format=".2f"),
    }
    return Explorer("Probabilities fed to CrossEntropyLoss", controls, build, figsize=(8.0, 3.4))


#: Exercise 8.1's logits and targets (a batch of 2 samples, 3 classes).
DOUBLE_SOFTMAX_LOGITS = np.array([[2.0, -1.0, 0.5], [0.3, 0.3, 1.5]])
DOUBLE_SOFTMAX_TARGET = np.array([0, 2])


def check_fixed_double_softmax(answer: Any) -> Feedback:
    """Exercise 8.1: the loss the snippet should print once the extra softmax is removed."""
    expected = float(losses.cross_entropy(DOUBLE_SOFTMAX_LOGITS, DOUBLE_SOFTMAX_TARGET))
    buggy = float(
        losses.cross_entropy(losses.softmax(DOUBLE_SOFTMAX_LOGITS, axis=1), DOUBLE_SOFTMAX_TARGET)
    )
    return check_number(
        "Exercise 8.1", answer, expected,
        mistakes={buggy: "That is what the buggy snippet prints: softmax is still applied twice."},
        hint="nn.CrossEntropyLoss applies log-softmax itself: give it the logits.",
    )


def _sequence_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(8)
    cases = []
    for shape in ((2, 3, 4), (3, 5, 2), (1, 4, 3)):
        n, c, length = shape
        logits = rng.normal(size=shape).astype(np.float32)
        cases.append((logits, rng.integers(0, c, size=(n, length))))
    return cases


def check_sequence_loss(function: Any) -> Feedback:
    """Exercise 8.2: ``function(logits, target)`` = mean cross-entropy of ``(N, C, L)`` logits."""
    return check_function(
        "Exercise 8.2", function, losses.cross_entropy,
        _sequence_cases(),
        rtol=1e-4,
        atol=1e-5,
        hint="the classes are on dim=1 of an (N, C, L) input: nn.LogSoftmax() without dim "
        "picks dim=0 for 3-D input. Say dim=1, or use F.cross_entropy directly.",
    )


def check_double_softmax_floor(answer: Any) -> Feedback:
    """Exercise 8.3: the smallest value CrossEntropyLoss can return when fed K = 3 probabilities."""
    expected = float(losses.cross_entropy(np.eye(3)[:1], np.array([0])))
    return check_number(
        "Exercise 8.3", answer, expected,
        hint="the best probability vector is one-hot, (1, 0, 0); what is −log softmax(1, 0, 0)₀?",
    )
