"""Figures, explorers and exercise checks of ``notebooks/07_cross_entropy_loss_in_pytorch.ipynb``.

Lesson 7 · `nn.CrossEntropyLoss` in PyTorch. Notation: ``x`` the logits, ``y`` the class index,
``p`` the target distribution, ``q = softmax(x)``, ``C`` classes, ``N`` samples.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import cycle
from typing import Any

import ipywidgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from helpers import losses
from helpers.explorer import Explorer
from helpers.feedback import Feedback, check_array, check_number
from helpers.figures import COLORS, new_figure


def loss_along_lines_figure(
    x: np.ndarray, target: int, directions: Mapping[str, np.ndarray]
) -> Figure:
    r"""The loss of one sample along straight lines through its logits:
    :math:`t \mapsto \ell(x + t\,v) = \log\sum_c e^{x_c + t v_c} - (x_y + t v_y)`, one curve per
    direction ``v`` (label → vector), the point ``t = 0`` marked.

    Every curve bends upward (the Hessian :math:`\operatorname{diag}(q) - q q^\top` is positive
    semidefinite); along ``v = (1, …, 1)`` the curve is flat (shift invariance). Computed with
    :func:`helpers.losses.cross_entropy` in float64.
    """
    x = np.asarray(x, dtype=np.float64)
    steps = np.linspace(-4.0, 4.0, 161)
    target_column = np.full(steps.size, int(target))
    figure, (ax,) = new_figure(figsize=(6.4, 3.6))
    colors = cycle([COLORS["neutral"], COLORS["target"], COLORS["model"], COLORS["reference"]])
    for (label, v), color in zip(directions.items(), colors, strict=False):
        rows = x + steps[:, None] * np.asarray(v, dtype=np.float64)
        loss = losses.cross_entropy(rows, target_column, reduction="none")
        ax.plot(steps, loss, color=color, label=label)
    ax.plot([0.0], [float(losses.cross_entropy(x, int(target)))], "o", color="black",
            markersize=5, label=r"$t = 0$: the logits $x$")
    ax.set(xlabel=r"step $t$ along the direction $v$", ylabel=r"$\ell(x + t\,v)$ [nats]",
           xlim=(steps[0], steps[-1]), ylim=(-0.2, None),
           title=f"One sample's loss along lines in logit space (target y = {int(target)})")
    ax.legend(fontsize=8, loc="upper center")
    return figure


def target_logit_axes(
    ax_loss: Axes, ax_probability: Axes, grid: np.ndarray, num_classes: int, target: int
) -> tuple[Line2D, Line2D, Line2D, Line2D, list[Rectangle]]:
    r"""Empty artists for the target-logit explorer: the loss curve
    :math:`\ell(x_y) = \log\sum_c e^{x_c} - x_y`, its left asymptote
    :math:`\log\sum_{c \ne y} e^{x_c} - x_y`, the tangent at the current point, the point,
    and the bars of :math:`q = \operatorname{softmax}(x)`, all ``animated=True`` over fixed
    axes."""
    (curve,) = ax_loss.plot(grid, np.zeros_like(grid), color=COLORS["model"],
                            label=r"$\ell = \log\sum_c e^{x_c} - x_y$", animated=True)
    (asymptote,) = ax_loss.plot(grid, np.zeros_like(grid), "--", color=COLORS["reference"],
                                label=r"$\log\sum_{c\neq y} e^{x_c} - x_y$", animated=True)
    (tangent,) = ax_loss.plot(grid, np.zeros_like(grid), ":", color=COLORS["neutral"],
                              label=r"tangent, slope $q_y - 1$", animated=True)
    (point,) = ax_loss.plot([], [], "o", color=COLORS["target"], markersize=8, animated=True)
    ax_loss.set(xlim=(grid[0], grid[-1]), ylim=(-0.3, 12), xlabel=f"target logit $x_{target}$",
                ylabel="loss [nats]")
    ax_loss.set_yticks(range(0, 13, 3))
    ax_loss.legend(loc="upper right", fontsize=8)
    colors = [COLORS["target"] if c == target else COLORS["model"] for c in range(num_classes)]
    bars = ax_probability.bar(range(num_classes), np.zeros(num_classes), color=colors,
                              animated=True)
    ax_probability.set(ylim=(0, 1.05), xticks=range(num_classes), xlabel="class $c$",
                       ylabel=r"$q_c = $ softmax$(x)_c$", yticks=[0, 0.5, 1])
    return curve, asymptote, tangent, point, list(bars)


def target_logit_explorer(
    logits: tuple[float, ...] = (1.2, 2.4, 3.6), target: int = 1
) -> Explorer:
    r"""Cross-entropy of one sample as its target logit :math:`x_y` moves:
    :math:`\ell = \log\sum_c e^{x_c} - x_y = -\log q_y`, with its tangent.

    Sliders: the target logit :math:`x_y` and the largest competing logit (by default the last
    class). Far to the left the loss follows the line :math:`\log\sum_{c\ne y} e^{x_c} - x_y`
    (slope −1: a confidently wrong sample costs about the logit gap); far to the right it decays
    to 0 like :math:`e^{-x_y}`. The slope is :math:`q_y - 1` and the curvature
    :math:`q_y(1 - q_y) \ge 0` (the Hessian's diagonal entry), so the curve lies above each of
    its tangents: convex.
    """
    base = np.asarray(logits, dtype=np.float64)
    num_classes = len(base)
    competitor = max(c for c in range(num_classes) if c != target)
    others = [c for c in range(num_classes) if c != target]
    grid = np.linspace(-4.0, 10.0, 281)

    def build(figure: Figure):
        ax_loss, ax_probability = figure.subplots(1, 2, width_ratios=[1.7, 1])
        curve, asymptote, tangent, point, bars = target_logit_axes(
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
            q = losses.softmax(x)
            slope = float(q[target]) - 1
            tangent.set_ydata(loss + slope * (grid - target_logit))
            point.set_data([target_logit], [loss])
            for bar, height in zip(bars, q, strict=True):
                bar.set_height(height)
            shown = ", ".join(f"{v:.2f}" for v in x)
            probs = ", ".join(f"{v:.4f}" for v in q)
            curvature = float(q[target] * (1 - q[target]))
            return (
                f"x = [{shown}], y = {target}: q = softmax(x) = [{probs}], "
                f"loss = −log q_{target} = {loss:.4f}, slope q_{target} − 1 = {slope:.4f}, "
                f"curvature q_{target}(1 − q_{target}) = {curvature:.4f}"
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
            description=f"x[{competitor}] (competitor)", readout_format=".2f",
            style={"description_width": "initial"},
        ),
    }
    return Explorer("Cross-entropy vs the target logit", controls, build, figsize=(7.6, 3.4))


#: Exercise 7.1: two samples, three classes, class weights.
WEIGHTED_LOGITS = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 3.0]])
WEIGHTED_TARGET = np.array([0, 2])
CLASS_WEIGHT = np.array([3.0, 1.0, 1.0])


def check_weighted_mean(answer: Any) -> Feedback:
    r"""Exercise 7.1: ``F.cross_entropy(x, y, weight=w)`` for :data:`WEIGHTED_LOGITS`,
    :data:`WEIGHTED_TARGET`, :data:`CLASS_WEIGHT`: :math:`\sum_n \ell_n / \sum_n w_{y_n}`."""
    per_sample = losses.cross_entropy(WEIGHTED_LOGITS, WEIGHTED_TARGET, reduction="none")
    weights = CLASS_WEIGHT[WEIGHTED_TARGET]
    expected = float(np.sum(weights * per_sample) / np.sum(weights))
    return check_number(
        "Exercise 7.1", answer, expected,
        mistakes=[
            (float(np.sum(weights * per_sample) / len(weights)),
             "That is the weighted sum divided by N = 2.",
             "'mean' with class-index targets divides by Σ_n w[y_n] = 3 + 1, not by N."),
            (float(np.mean(per_sample)), "That is the unweighted mean.",
             "Multiply each sample's loss by the weight of its target class, w[y_n]."),
        ],
        hint="ℓ_n = w[y_n]·(log Σ_c e^{x_{n,c}} − x_{n,y_n}); then Σ_n ℓ_n / Σ_n w[y_n].",
    )


def check_cross_entropy_gradient(answer: Any) -> Feedback:
    r"""Exercise 7.2: the gradient of the mean cross-entropy of logits
    ``[[2.0, 1.0, 0.1], [0.5, 0.5, 3.0]]`` with targets ``[0, 1]``:
    :math:`(q_n - \operatorname{onehot}(y_n)) / N`."""
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 0.5, 3.0]])
    target = np.array([0, 1])
    expected = losses.cross_entropy_grad(logits, target)
    return check_array(
        "Exercise 7.2", answer, expected, rtol=1e-3, atol=1e-4,
        mistakes=[(2 * expected, "That is the gradient of the sum, twice the expected values.",
                   "The default reduction is 'mean': divide by N = 2."),
                  (-expected, "That has the wrong sign: onehot(y) − q.",
                   "The gradient is q − onehot(y): positive where the model is too confident.")],
        hint="q = softmax of each row (dim=1), subtract 1 at the target class, divide by N.",
    )


#: Exercise 7.3: one sample's logits, its target and a direction in logit space.
LINE_LOGITS = np.array([2.0, 1.0, 0.1])
LINE_TARGET = 0
LINE_DIRECTION = np.array([1.0, -1.0, 0.0])


def check_line_curvature(answer: Any) -> Feedback:
    r"""Exercise 7.3: the second derivative of :math:`t \mapsto \ell(x + t v)` at ``t = 0``,
    :math:`v^\top (\operatorname{diag}(q) - q q^\top) v = \sum_c q_c v_c^2 - (\sum_c q_c v_c)^2`
    (the variance of the entries of ``v`` under ``q``), for :data:`LINE_LOGITS`,
    :data:`LINE_TARGET` and :data:`LINE_DIRECTION`."""
    q = losses.softmax(LINE_LOGITS)
    mean_square = float(np.sum(q * LINE_DIRECTION**2))
    mean = float(np.sum(q * LINE_DIRECTION))
    return check_number(
        "Exercise 7.3", answer, mean_square - mean**2,
        mistakes=[(mean_square, "That is vᵀ diag(q) v alone.",
                   "The Hessian is diag(q) − q qᵀ: subtract (qᵀv)².")],
        hint="vᵀ ∇²ℓ v with ∇²ℓ = diag(q) − q qᵀ, q = softmax(x); the target does not enter.",
    )
