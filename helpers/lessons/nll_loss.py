"""Figures, explorers and exercise checks of ``notebooks/06_nll_loss.ipynb``.

Lesson 6 · Negative log-likelihood: `NLLLoss`.
"""

from __future__ import annotations

from typing import Any

import ipywidgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from helpers import losses
from helpers.explorer import Explorer
from helpers.feedback import (
    Feedback,
    check_function,
    check_number,
)
from helpers.figures import COLORS, new_figure


def nll_curve_figure(target_probabilities: dict[str, float]) -> Figure:
    r"""The loss of one sample against the probability its target gets: :math:`-\log q_y`.

    Natural log (nats): :math:`-\log 1 = 0`, and :math:`-\log q_y \to \infty` as
    :math:`q_y \to 0`. Each entry of ``target_probabilities`` (a label and its :math:`q_y`) is
    marked at :math:`(q_y, -\log q_y)`. The dashed line :math:`-q_y` is what ``NLLLoss`` returns
    when it is given probabilities instead of log-probabilities: a pitfall, not a loss.
    """
    figure, (ax,) = new_figure(figsize=(6.6, 3.9))
    q = np.linspace(0.004, 1.0, 500)
    ax.plot(q, -np.log(q), color=COLORS["model"], label=r"$-\log q_y$: NLLLoss given $\log q$")
    ax.plot(q, -q, "--", color=COLORS["reference"],
            label=r"$-q_y$: NLLLoss given $q$ itself (pitfall)")
    ax.axhline(0.0, color=COLORS["neutral"], linewidth=0.8)
    # Labels stacked in a column, the highest loss on top, so that they never overlap.
    by_loss = sorted(target_probabilities.items(), key=lambda item: item[1])
    for row, (label, probability) in enumerate(by_loss):
        loss = -np.log(probability)
        ax.plot([probability], [loss], "o", color=COLORS["target"])
        ax.annotate(
            f"{label}: $q_y$ = {probability:.4f}, $-\\log q_y$ = {loss:.4f}", (probability, loss),
            textcoords="axes fraction", xytext=(0.4, 0.66 - 0.08 * row), fontsize=8,
            va="center", arrowprops={"arrowstyle": "-", "color": COLORS["neutral"],
                                     "linewidth": 0.6},
        )
    ax.set(xlim=(0, 1.02), ylim=(-1.3, 5.5), xlabel=r"probability of the target class, $q_y$",
           ylabel="loss of one sample [nats]",
           title="NLLLoss picks the target's log-probability and negates it")
    ax.legend(loc="upper right", fontsize=8)
    return figure


def weighted_nll_axes(
    ax: Axes, target: np.ndarray, sample_loss: np.ndarray, ylim: float
) -> tuple[list[Rectangle], Line2D, Line2D]:
    r"""Draw the unweighted losses :math:`-\log q_{n,y_n}` as filled bars (one colour per class)
    and outlined bars for :math:`\ell_n = w_{y_n}(-\log q_{n,y_n})` (heights set by the caller),
    plus two horizontal lines for the weighted mean :math:`\sum_n \ell_n / \sum_n w_{y_n}` and
    for :math:`\sum_n \ell_n / N`. The y axis is fixed to ``[0, ylim]`` (taller outlined bars are
    clipped), so that the moving parts, created ``animated=True``, can be redrawn over a cached
    background.

    Returns the outlined bars and the two lines, whose data an explorer moves.
    """
    palette = [COLORS["target"], COLORS["model"], COLORS["reference"], COLORS["neutral"]]
    colors = [palette[int(y) % len(palette)] for y in target]
    positions = np.arange(len(target))
    ax.bar(positions - 0.18, sample_loss, width=0.34, alpha=0.5, color=colors,
           label=r"$-\log q_{n,y_n}$ (filled)")
    weighted = ax.bar(positions + 0.18, sample_loss, width=0.34, fill=False, linewidth=1.6,
                      edgecolor=colors, animated=True,
                      label=r"$\ell_n = w_{y_n}\,(-\log q_{n,y_n})$, 'none' (outlined)")
    (mean_line,) = ax.plot([-0.5, len(target) - 0.5], [0, 0], color=COLORS["model"],
                           linewidth=2, label=r"'mean' $=\sum_n \ell_n / \sum_n w_{y_n}$",
                           animated=True)
    (per_n_line,) = ax.plot([-0.5, len(target) - 0.5], [0, 0], "--", color=COLORS["neutral"],
                            label=r"$\sum_n \ell_n / N$ (not PyTorch's mean)",
                            animated=True)
    ax.set_xticks(positions, [f"n={n}\ny={int(y)}" for n, y in enumerate(target)])
    ax.set(ylabel="loss [nats]", xlim=(-0.6, len(target) - 0.4), ylim=(0, ylim))
    ax.legend(loc="upper left", fontsize=8)
    return list(weighted), mean_line, per_n_line


def weighted_nll_explorer() -> Explorer:
    r"""NLLLoss's weighted mean :math:`\sum_n \ell_n / \sum_n w_{y_n}`, with
    :math:`\ell_n = w_{y_n}(-\log q_{n,y_n})` as in the notebook, with one slider per class
    weight, next to :math:`\sum_n \ell_n / N`.

    Five samples, three classes: class 0 is common and well predicted, class 2 is rare and
    badly predicted (:math:`q_{n,y_n} = 0.05`). The unweighted :math:`-\log q_{n,y_n}` (nats)
    do not depend on the weights; the weighted mean always lies between the smallest and the
    largest of them, while :math:`\sum_n \ell_n / N` grows with the weights.
    """
    target = np.array([0, 0, 0, 1, 2])
    target_probability = np.array([0.9, 0.8, 0.6, 0.5, 0.05])
    num_classes = 3
    # Full rows of log-probabilities: the target gets q_{y_n}, the other classes share the rest.
    probabilities = np.tile((1 - target_probability)[:, None] / (num_classes - 1), num_classes)
    probabilities[np.arange(len(target)), target] = target_probability
    log_probs = np.log(probabilities)
    sample_loss = -np.log(target_probability)

    def build(figure: Figure):
        (ax,) = figure.subplots(1, 1, squeeze=False)[0]
        weighted, mean_line, per_n_line = weighted_nll_axes(ax, target, sample_loss, 5.0)

        def update(w0: float, w1: float, w2: float) -> str:
            weight = np.array([w0, w1, w2])
            per_sample = losses.nll_loss(log_probs, target, weight=weight, reduction="none")
            for bar, height in zip(weighted, per_sample, strict=True):
                bar.set_height(height)
            mean = float(losses.nll_loss(log_probs, target, weight=weight))
            per_n = float(per_sample.sum()) / len(target)
            mean_line.set_ydata([mean, mean])
            per_n_line.set_ydata([per_n, per_n])
            return (
                f"weight = [{w0:.1f}, {w1:.1f}, {w2:.1f}]: Σ ℓ_n = {per_sample.sum():.4f}, "
                f"Σ w[y_n] = {weight[target].sum():.1f} → mean = {mean:.4f} "
                f"(Σ ℓ_n / N = {per_n:.4f})"
            )

        return update

    def slider(name: str) -> ipywidgets.FloatSlider:
        return ipywidgets.FloatSlider(
            value=1.0, min=0.0, max=5.0, step=0.1, description=name, readout_format=".1f",
            continuous_update=True,
        )

    controls = {"w0": slider("w[0]"), "w1": slider("w[1]"), "w2": slider("w[2]")}
    return Explorer("NLLLoss with class weights: the weighted mean", controls, build,
                    figsize=(7.0, 3.8))


#: Exercises 6.1 and 6.2: the model's probabilities for three samples and three classes.
_NLL_PROBABILITIES = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.25, 0.5]])


def _check_nll_mean(
    exercise: str, answer: Any, target: list[int], weight: list[float] | None, *,
    divided_by_n: tuple[str, str], hint: str,
) -> Feedback:
    """``nll_loss`` (mean) on ``log`` of :data:`_NLL_PROBABILITIES`; the sum divided by N = 3
    instead is the known mistake, with ``divided_by_n`` = (message, hint)."""
    log_probs, target = np.log(_NLL_PROBABILITIES), np.array(target)
    weight = None if weight is None else np.array(weight)
    expected = float(losses.nll_loss(log_probs, target, weight=weight))
    total = float(losses.nll_loss(log_probs, target, weight=weight, reduction="sum"))
    return check_number(exercise, answer, expected, hint=hint,
                        mistakes=[(total / len(target), *divided_by_n)])


def check_weighted_nll_mean(answer: Any) -> Feedback:
    r"""Exercise 6.1: ``nn.NLLLoss(weight=[1, 4, 2])`` on ``log`` of :data:`_NLL_PROBABILITIES`
    with targets ``[0, 2, 1]``, reduction ``'mean'``:
    :math:`\sum_n w_{y_n}\ell_n / \sum_n w_{y_n}`."""
    return _check_nll_mean(
        "Exercise 6.1", answer, [0, 2, 1], [1.0, 4.0, 2.0],
        divided_by_n=("You gave {value:.6g}: the weighted sum divided by N = 3.",
                      "PyTorch's weighted mean divides by the sum of the targets' weights, "
                      "Σ w[y_n]."),
        hint="ℓ_n = −w[y_n]·log q_n[y_n]; 'mean' = Σ ℓ_n / Σ w[y_n] (natural log).",
    )


def check_ignored_nll_mean(answer: Any) -> Feedback:
    r"""Exercise 6.2: ``nn.NLLLoss()`` (``ignore_index=-100``) on ``log`` of
    :data:`_NLL_PROBABILITIES` with targets ``[0, -100, 1]``, reduction ``'mean'``."""
    return _check_nll_mean(
        "Exercise 6.2", answer, [0, -100, 1], None,
        divided_by_n=("You gave {value:.6g}: the sum divided by N = 3.",
                      "An ignored target leaves the denominator too: divide by the 2 counted "
                      "samples."),
        hint="The ignored sample contributes 0 and is not counted; average −log q over the rest.",
    )


def check_nll_loss_function(function: Any) -> Feedback:
    """Exercise 6.3: ``function(log_q, y, weight)`` must equal
    ``nll_loss(log_q, y, weight=weight)`` (mean, ``ignore_index=-100``) on NumPy input."""
    rng = np.random.default_rng(5)
    log_probs = losses.log_softmax(rng.normal(size=(6, 4)), axis=1)
    cases = [
        (np.log(_NLL_PROBABILITIES), np.array([0, 2, 1]), None),
        (np.log(_NLL_PROBABILITIES), np.array([0, 2, 1]), np.array([1.0, 4.0, 2.0])),
        (log_probs, np.array([3, 0, -100, 1, 1, 2]), None),
        (log_probs, np.array([3, 0, -100, 1, 1, 2]), np.array([0.5, 1.0, 2.0, 4.0])),
    ]
    return check_function(
        "Exercise 6.3", function,
        lambda log_probs, target, weight: losses.nll_loss(log_probs, target, weight=weight),
        cases,
        hint="counted = y != -100; w = weight[y] (or 1) where counted, else 0; "
        "return Σ −w·log_q[n, y_n] / Σ w.",
    )
