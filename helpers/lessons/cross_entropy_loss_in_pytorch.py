"""Figures, explorers and exercise checks of ``notebooks/07_cross_entropy_loss_in_pytorch.ipynb``.

Lesson 6 · `nn.CrossEntropyLoss` in PyTorch.
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
    check_array,
    check_function,
    check_number,
)
from helpers.figures import COLORS, new_figure


def softmax_bars_figure(logits: np.ndarray, target: np.ndarray, *, title: str = "") -> Figure:
    r"""One panel per sample: :math:`\operatorname{softmax}(x_n)` as bars, the target class
    :math:`y_n` highlighted, and the sample's loss :math:`\ell_n = -\log p_{n, y_n}` on top.

    Computed with :func:`helpers.losses.softmax` in the logits' own dtype.
    """
    logits = np.asarray(logits)
    probabilities = losses.softmax(logits, axis=1)
    figure, axes = new_figure(len(logits), figsize=(7.6, 3.0))
    for n, (ax, row, y) in enumerate(zip(axes, probabilities, target, strict=True)):
        y = int(y)
        colors = [COLORS["target"] if c == y else COLORS["model"] for c in range(len(row))]
        bars = ax.bar(range(len(row)), row, color=colors)
        ax.bar_label(bars, fmt="%.4f", fontsize=8)
        ax.set(ylim=(0, 1.12), xticks=range(len(row)), xlabel="class $c$",
               title=f"sample {n}: $y$ = {y}, $-\\log p_y$ = {-np.log(row[y]):.4f}")
        ax.title.set_fontsize(9)
    axes[0].set_ylabel(r"softmax$(x_n)_c$")
    if title:
        figure.suptitle(title, fontsize=10)
    return figure


def target_logit_axes(
    ax_loss: Axes, ax_probability: Axes, grid: np.ndarray, num_classes: int, target: int
) -> tuple[Line2D, Line2D, Line2D, list[Rectangle]]:
    r"""Empty artists for the target-logit explorer: the loss curve
    :math:`\ell(x_y) = \log\sum_c e^{x_c} - x_y`, its left asymptote
    :math:`\log\sum_{c \ne y} e^{x_c} - x_y`, the current point, and the softmax bars, all
    ``animated=True`` over fixed axes."""
    (curve,) = ax_loss.plot(grid, np.zeros_like(grid), color=COLORS["model"],
                            label=r"$\ell = \log\sum_c e^{x_c} - x_y$", animated=True)
    (asymptote,) = ax_loss.plot(grid, np.zeros_like(grid), "--", color=COLORS["reference"],
                                label=r"$\log\sum_{c\neq y} e^{x_c} - x_y$", animated=True)
    (point,) = ax_loss.plot([], [], "o", color=COLORS["target"], markersize=8, animated=True)
    ax_loss.set(xlim=(grid[0], grid[-1]), ylim=(-0.3, 12), xlabel=f"target logit $x_{target}$",
                ylabel="loss [nats]")
    ax_loss.set_yticks(range(0, 13, 3))
    ax_loss.legend(loc="upper right", fontsize=8)
    colors = [COLORS["target"] if c == target else COLORS["model"] for c in range(num_classes)]
    bars = ax_probability.bar(range(num_classes), np.zeros(num_classes), color=colors,
                              animated=True)
    ax_probability.set(ylim=(0, 1.05), xticks=range(num_classes), xlabel="class $c$",
                       ylabel=r"softmax$(x)_c$", yticks=[0, 0.5, 1])
    return curve, asymptote, point, list(bars)


def target_logit_explorer(
    logits: tuple[float, ...] = (1.2, 2.4, 3.6), target: int = 1
) -> Explorer:
    r"""Cross-entropy of one sample as its target logit :math:`x_y` moves:
    :math:`\ell = \log\sum_c e^{x_c} - x_y = -\log\operatorname{softmax}(x)_y`.

    Sliders: the target logit :math:`x_y` and the largest competing logit (by default the last
    class). Far to the left the loss follows the line :math:`\log\sum_{c\ne y} e^{x_c} - x_y`
    (slope −1: a confidently wrong sample costs the logit gap); far to the right it decays to
    0 like :math:`e^{-x_y}`. The default logits are document 002's ``[1.2, 2.4, 3.6]``.
    """
    base = np.asarray(logits, dtype=np.float64)
    num_classes = len(base)
    competitor = max(c for c in range(num_classes) if c != target)
    others = [c for c in range(num_classes) if c != target]
    grid = np.linspace(-4.0, 10.0, 281)

    def build(figure: Figure):
        ax_loss, ax_probability = figure.subplots(1, 2, width_ratios=[1.7, 1])
        curve, asymptote, point, bars = target_logit_axes(
            ax_loss, ax_probability, grid, num_classes, target
        )

        def update(target_logit: float, competitor_logit: float) -> str:
            x = base.copy()
            x[target] = target_logit
            x[competitor] = competitor_logit
            rows = np.tile(x, (grid.size, 1))
            rows[:, target] = grid
            curve.set_ydata(losses.logsumexp(rows, axis=1) - grid)
            asymptote.set_ydata(losses.logsumexp(x[others]) - grid)
            loss = float(losses.cross_entropy(x, target))
            point.set_data([target_logit], [loss])
            probability = losses.softmax(x)
            for bar, height in zip(bars, probability, strict=True):
                bar.set_height(height)
            shown = ", ".join(f"{v:.2f}" for v in x)
            probs = ", ".join(f"{v:.4f}" for v in probability)
            return (
                f"x = [{shown}], y = {target}: softmax(x) = [{probs}], "
                f"loss = −log p_{target} = {loss:.4f}"
            )

        return update

    controls = {
        "target_logit": ipywidgets.FloatSlider(
            value=float(base[target]), min=-4.0, max=10.0, step=0.05,
            description=f"x[{target}] (target)", readout_format=".2f",
            style={"description_width": "initial"},
        ),
        "competitor_logit": ipywidgets.FloatSlider(
            value=float(base[competitor]), min=-4.0, max=10.0, step=0.05,
            description=f"x[{competitor}]", readout_format=".2f",
            style={"description_width": "initial"},
        ),
    }
    return Explorer("Cross-entropy vs the target logit", controls, build, figsize=(7.6, 3.4))


def check_cross_entropy_by_hand(answer: Any) -> Feedback:
    r"""Exercise 6.1: ``F.cross_entropy(tensor([[2.0, 1.0, 0.1]]), tensor([0]))``,
    i.e. :math:`\log(e^{2} + e^{1} + e^{0.1}) - 2`."""
    expected = float(losses.cross_entropy(np.array([[2.0, 1.0, 0.1]]), np.array([0])))
    return check_number(
        "Exercise 6.1", answer, expected,
        hint="ℓ = log Σ_c e^{x_c} − x_y with the natural log; here y = 0, so x_y = 2.0.",
    )


def check_cross_entropy_gradient(answer: Any) -> Feedback:
    r"""Exercise 6.2: the gradient of the mean cross-entropy of logits
    ``[[2.0, 1.0, 0.1], [0.5, 0.5, 3.0]]`` with targets ``[0, 1]``:
    :math:`(\operatorname{softmax}(x) - \operatorname{onehot}(y)) / N`."""
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 0.5, 3.0]])
    target = np.array([0, 1])
    expected = losses.cross_entropy_grad(logits, target)
    return check_array(
        "Exercise 6.2", answer, expected, rtol=1e-3, atol=1e-4,
        mistakes=[(2 * expected, "That is the gradient of the sum, twice the expected values.",
                   "The default reduction is 'mean': divide by N = 2.")],
        hint="softmax each row (dim=1), subtract 1 at the target class, divide by N.",
    )


def check_stable_cross_entropy(function: Any) -> Feedback:
    """Exercise 6.3: ``function(logits, target)`` must equal ``cross_entropy(logits, target)``
    (mean over the batch) on NumPy float64 input, including logits of ±1000."""
    rng = np.random.default_rng(6)
    cases = [
        (np.array([[2.0, 1.0, 0.1]]), np.array([0])),
        (rng.normal(size=(5, 4)), np.array([0, 3, 1, 1, 2])),
        (np.array([[1000.0, 0.0, -1000.0], [0.0, 0.0, 1000.0]]), np.array([2, 2])),
        (np.array([[-1000.0, -1001.0, -1002.0]]), np.array([1])),
    ]
    return check_function(
        "Exercise 6.3", function, lambda logits, target: losses.cross_entropy(logits, target),
        cases,
        hint="subtract each row's maximum m before exp: log Σ e^{x} = m + log Σ e^{x − m}.",
    )
