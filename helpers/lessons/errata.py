"""Figure, explorer and exercise checks of ``notebooks/B_errata.ipynb``.

Appendix B · Errata: the double-softmax mistake (probabilities given to ``CrossEntropyLoss``),
drawn and explored, and two exercises on the learners' common errors.
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
    r"""Cross-entropy :math:`-\ln q_y` of a true-class probability :math:`q_y` (the rest spread
    evenly over the other C - 1 classes) against the loss of those probabilities fed as logits.

    On this equal-split curve the double-softmax "loss" is squeezed between log(1 + (C-1)/e)
    (at q_y = 1) and log(1 + (C-1) e^{1/(C-1)}) (at q_y = 0); however the wrong probability is
    split it stays below log(e + C - 1) (all of it on one wrong class). It never rewards a
    confident right answer fully and never punishes a confident wrong one.
    """
    figure, (ax,) = new_figure(figsize=(6.8, 3.8))
    q = np.linspace(0.005, 1.0, 400)
    curves = losses.double_softmax_losses(q, num_classes)
    ax.plot(q, curves["nats"], color=COLORS["target"], lw=2,
            label=r"$-\ln q_y$ (cross-entropy, nats)")
    ax.plot(q, curves["bans"], color=COLORS["target"], ls="--",
            label=r"$-\log_{10} q_y$ (bans, log base 10)")
    ax.plot(q, curves["double"], color=COLORS["model"], lw=2,
            label="CrossEntropyLoss(probabilities)  (softmax twice)")
    low = np.log(1 + (num_classes - 1) / np.e)
    high = np.log(1 + (num_classes - 1) * np.exp(1 / (num_classes - 1)))
    bound_any_split = np.log(np.e + num_classes - 1)
    for bound in (low, high, bound_any_split):
        ax.axhline(bound, color=COLORS["reference"], lw=0.8, ls=":")
    ax.text(0.02, low - 0.12, f"floor log(1+{num_classes - 1}/e) = {low:.4f}", fontsize=8,
            color=COLORS["reference"])
    ceiling = (f"equal-split ceiling log(1+{num_classes - 1}e^(1/{num_classes - 1})) "
               f"= {high:.4f}")
    ax.text(0.3, high - 0.12, ceiling, fontsize=8, color=COLORS["reference"])
    ax.text(0.3, bound_any_split + 0.05, f"any split: log(e+{num_classes - 1}) = "
            f"{bound_any_split:.4f}", fontsize=8, color=COLORS["reference"])
    document = float(losses.cross_entropy(np.array([[0.2, 0.7, 0.1]]), np.array([1])))
    ax.plot([0.7], [document], "s", color=COLORS["model"], ms=7)
    ax.annotate(f"document 002: {document:.4f}", (0.7, document), textcoords="offset points",
                xytext=(6, 8), fontsize=8, color=COLORS["model"])
    ax.set(xlabel=r"probability of the true class $q_y$", ylabel="loss", xlim=(0, 1),
           ylim=(0, 3), title=f"Feeding probabilities to CrossEntropyLoss (C = {num_classes})")
    ax.legend(fontsize=8, loc="upper right")
    return figure


def double_softmax_explorer() -> Explorer:
    r"""A true-class probability :math:`q_y` (the rest spread evenly over C - 1 = 2 classes) and
    three numbers side by side: ``-ln q_y``, ``-log10 q_y`` and ``CrossEntropyLoss`` of the
    probabilities fed as logits, :math:`-\log\operatorname{softmax}(q)_y`."""
    num_classes = 3
    p_grid = np.linspace(0.005, 1.0, 400)
    curves = losses.double_softmax_losses(p_grid, num_classes)
    names = ("nats", "bans", "double")
    labels = (r"$-\ln q_y$", r"$-\log_{10} q_y$", "CE(probs)")
    colors = (COLORS["target"], COLORS["target"], COLORS["model"])

    def build(figure: Figure):
        left, right = figure.subplots(1, 2, width_ratios=(1.5, 1))
        points = []
        for name, label, color, style in zip(names, labels, colors, ("-", "--", "-"),
                                             strict=True):
            left.plot(p_grid, curves[name], color=color, ls=style, label=label)
            (point,) = left.plot([], [], "o", color=color, animated=True)
            points.append(point)
        left.set(xlim=(0, 1), ylim=(0, 3), xlabel=r"probability of the true class $q_y$",
                 ylabel="loss", title="three numbers for the same prediction")
        left.legend(fontsize=8, loc="upper right")
        bars = right.bar(range(3), np.zeros(3), color=colors, animated=True)
        bars[1].set_alpha(0.55)
        texts = [right.text(i, 0, "", ha="center", va="bottom", fontsize=9, animated=True)
                 for i in range(3)]
        right.set(xticks=range(3), xticklabels=labels, ylim=(0, 3.3), title="side by side")

        def update(q: float) -> str:
            values = losses.double_softmax_losses(np.array([q]), num_classes)
            numbers = [float(values[name][0]) for name in names]
            for point, bar, text, value in zip(points, bars, texts, numbers, strict=True):
                shown = min(value, 3.0)
                point.set_data([q], [shown])
                bar.set_height(shown)
                text.set_position((bar.get_x() + bar.get_width() / 2, shown))
                text.set_text(f"{value:.4f}")
            return (f"q_y = {q:.3f}: −ln q_y = {numbers[0]:.4f} nats, −log10 q_y = "
                    f"{numbers[1]:.4f} bans, CrossEntropyLoss of the probabilities = "
                    f"{numbers[2]:.4f}")

        return update

    controls = {
        "q": ipywidgets.FloatSlider(value=0.7, min=0.01, max=1.0, step=0.01,
                                 description="q_y", readout_format=".2f"),
    }
    return Explorer("Probabilities fed to CrossEntropyLoss", controls, build, figsize=(8.0, 3.4))


#: Exercise B.1's logits and targets (a batch of 2 samples, 3 classes).
DOUBLE_SOFTMAX_LOGITS = np.array([[2.0, -1.0, 0.5], [0.3, 0.3, 1.5]])
DOUBLE_SOFTMAX_TARGET = np.array([0, 2])


def check_fixed_double_softmax(answer: Any) -> Feedback:
    """Exercise B.1: the loss the snippet should print once the extra softmax is removed."""
    expected = float(losses.cross_entropy(DOUBLE_SOFTMAX_LOGITS, DOUBLE_SOFTMAX_TARGET))
    buggy = float(
        losses.cross_entropy(losses.softmax(DOUBLE_SOFTMAX_LOGITS, axis=1), DOUBLE_SOFTMAX_TARGET)
    )
    return check_number(
        "Exercise B.1", answer, expected,
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
    """Exercise B.2: ``function(logits, target)`` = mean cross-entropy of ``(N, C, L)`` logits."""
    return check_function(
        "Exercise B.2", function, losses.cross_entropy,
        _sequence_cases(),
        rtol=1e-4,
        atol=1e-5,
        hint="the classes are on dim=1 of an (N, C, L) input: nn.LogSoftmax() without dim "
        "picks dim=0 for 3-D input. Say dim=1, or use F.cross_entropy directly.",
    )

