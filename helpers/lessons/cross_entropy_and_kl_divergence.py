"""Figures, explorers and exercise checks of ``notebooks/02_cross_entropy_and_kl_divergence.ipynb``.

Lesson 2 · Cross-entropy and KL divergence.
"""

from __future__ import annotations

from typing import Any

import ipywidgets
import numpy as np
from matplotlib.figure import Figure

from helpers import info
from helpers.explorer import Explorer
from helpers.feedback import (
    Feedback,
    check_function,
    check_number,
)
from helpers.figures import COLORS, new_figure


def binary_pair(t: np.ndarray | float) -> np.ndarray:
    """The two-outcome distributions ``(t, 1 - t)``, stacked along a new last axis."""
    t = np.asarray(t, dtype=np.float64)
    return np.stack([t, 1.0 - t], axis=-1)


def cross_entropy_and_kl_figure(
    p: float, q_mark: float | None = None, base: float | str = "nats"
) -> Figure:
    r"""For a fixed two-outcome ``p = (p, 1-p)`` and every ``q = (t, 1-t)``.

    Left: :math:`H(p, q) = H(p) + \mathrm{KL}(p \| q)`: the cross-entropy curve, the entropy
    line it touches at ``t = p``, and the KL divergence as the gap between them.
    Right: :math:`\mathrm{KL}(p \| q)` and :math:`\mathrm{KL}(q \| p)`: not the same function.
    ``q_mark`` (a ``t``) marks both divergences of one ``q``.
    """
    unit = info.unit_name(base)
    figure, (left, right) = new_figure(2, figsize=(9.0, 3.6))
    t = np.linspace(0.01, 0.99, 393)
    p_pair = binary_pair(np.full_like(t, p))
    q_pair = binary_pair(t)
    cross = info.cross_entropy(p_pair, q_pair, base)
    h = float(info.entropy(binary_pair(p), base))
    left.fill_between(t, h, cross, color=COLORS["model"], alpha=0.2,
                      label=r"gap = $\mathrm{KL}(p\,\|\,q)$")
    left.plot(t, cross, color=COLORS["model"], label=r"$H(p, q)$")
    left.axhline(h, color=COLORS["target"], linestyle="--", label=rf"$H(p)$ = {h:.4f}")
    left.plot([p], [h], "o", color=COLORS["target"])
    left.annotate("minimum at q = p", (p, h), textcoords="offset points",
                  xytext=(-8, -14) if p > 0.5 else (8, -14), ha="right" if p > 0.5 else "left",
                  fontsize=9, color=COLORS["target"])
    left.set(xlabel="t, where q = (t, 1 - t)", ylabel=unit, ylim=(0, 3),
             title=rf"$p = ({p:g}, {1 - p:g})$: cross-entropy = entropy + KL")
    left.legend(loc="upper center", fontsize=8)
    right.plot(t, info.kl_divergence(p_pair, q_pair, base), color=COLORS["model"],
               label=r"$\mathrm{KL}(p\,\|\,q)$")
    right.plot(t, info.kl_divergence(q_pair, p_pair, base), color=COLORS["reference"],
               label=r"$\mathrm{KL}(q\,\|\,p)$")
    right.plot([p], [0.0], "o", color=COLORS["target"])
    if q_mark is not None:
        p_one, q_one = binary_pair(p), binary_pair(q_mark)
        for value, color in (
            (info.kl_divergence(p_one, q_one, base), COLORS["model"]),
            (info.kl_divergence(q_one, p_one, base), COLORS["reference"]),
        ):
            right.plot([q_mark], [value], "o", color=color)
            right.annotate(f"{value:.4f}", (q_mark, value), textcoords="offset points",
                           xytext=(6, 2), fontsize=9, color=color)
    right.set(xlabel="t, where q = (t, 1 - t)", ylabel=unit, ylim=(0, 3),
              title="KL is not symmetric (both are 0 at q = p)")
    right.legend(loc="upper center", fontsize=8)
    return figure


def cross_entropy_explorer() -> Explorer:
    r"""Two outcomes: target ``p = (p, 1-p)``, prediction ``q = (q, 1-q)``, in nats.

    Left: :math:`H(p, q)` as a function of ``q`` for the current ``p``, the line :math:`H(p)`,
    and the current ``q`` with the gap :math:`\mathrm{KL}(p \| q)` drawn.
    Right: the stacked bar :math:`H(p) + \mathrm{KL}(p \| q) = H(p, q)`, and
    :math:`\mathrm{KL}(q \| p)` beside it (not the same number).
    """
    q_grid = np.linspace(0.01, 0.99, 393)
    top = 3.2  # taller values (up to -ln 0.01 = 4.61) are drawn to the top and labelled

    def build(figure: Figure):
        left, right = figure.subplots(1, 2)
        (curve,) = left.plot(q_grid, q_grid, color=COLORS["model"], label="$H(p, q)$",
                             animated=True)
        (entropy_line,) = left.plot([0, 1], [0, 0], color=COLORS["target"],
                                    linestyle="--", label="$H(p)$", animated=True)
        (gap,) = left.plot([], [], color=COLORS["reference"], linewidth=4,
                           label=r"$\mathrm{KL}(p\,\|\,q)$", animated=True)
        (point,) = left.plot([], [], "o", color=COLORS["model"], animated=True)
        left.set(xlabel="q, where the prediction is (q, 1 - q)", ylabel="nats", xlim=(0, 1),
                 ylim=(0, top), title="cross-entropy as a function of q")
        left.legend(loc="upper center", fontsize=8)
        entropy_bar, kl_bar, reverse_bar = right.bar(
            [0, 0, 1], [0.0, 0.0, 0.0], width=0.6, animated=True,
            color=[COLORS["target"], COLORS["reference"], COLORS["neutral"]])
        right.set_xticks([0, 1], ["$H(p, q)$\n$= H(p) + \\mathrm{KL}(p\\,\\|\\,q)$",
                                  r"$\mathrm{KL}(q\,\|\,p)$"])
        right.set(ylabel="nats", ylim=(0, top), xlim=(-0.6, 1.6),
                  title="the same numbers, stacked")
        totals = [right.text(x, 0.0, "", ha="center", va="bottom", fontsize=9, animated=True)
                  for x in (0, 1)]
        parts = [right.text(0.32, 0.0, "", ha="left", va="center", fontsize=8, animated=True)
                 for _ in range(2)]

        def update(p: float, q: float) -> str:
            target, prediction = binary_pair(p), binary_pair(q)
            h = float(info.entropy(target))
            kl = float(info.kl_divergence(target, prediction))
            cross = float(info.cross_entropy(target, prediction))
            reverse = float(info.kl_divergence(prediction, target))
            curve.set_ydata(info.cross_entropy(binary_pair(np.full_like(q_grid, p)),
                                               binary_pair(q_grid)))
            entropy_line.set_ydata([h, h])
            gap.set_data([q, q], [h, cross])
            point.set_data([q], [cross])
            entropy_bar.set_height(h)
            kl_bar.set_y(h)
            kl_bar.set_height(min(kl, top - h))  # a bar taller than the axes ends at the top
            # KL(q||p) is inf when p puts 0 where q does not: that bar too ends at the top.
            for text, x, value in ((totals[0], 0, cross), (totals[1], 1, reverse)):
                text.set_position((x, value if value < top * 0.93 else top * 0.93))
                text.set_text(f"{value:.4f}")
            reverse_bar.set_height(min(reverse, top))
            parts[0].set_position((0.32, h / 2))
            parts[0].set_text(f"H(p) {h:.4f}" if h > 0.15 else "")
            parts[1].set_position((0.32, h + kl / 2))
            parts[1].set_text(f"KL {kl:.4f}" if kl > 0.15 else "")
            return (
                f"p = ({p:.2f}, {1 - p:.2f}), q = ({q:.2f}, {1 - q:.2f}): "
                f"H(p) = {h:.4f} + KL(p‖q) = {kl:.4f} → H(p, q) = {cross:.4f} nats; "
                f"KL(q‖p) = {reverse:.4f} nats"
            )

        return update

    controls = {
        "p": ipywidgets.FloatSlider(value=0.7, min=0.0, max=1.0, step=0.01, description="p"),
        "q": ipywidgets.FloatSlider(value=0.4, min=0.01, max=0.99, step=0.01, description="q"),
    }
    return Explorer("Cross-entropy = entropy + KL divergence (two outcomes)", controls, build,
                    figsize=(9.0, 3.8))


def check_one_hot_cross_entropy(answer: Any) -> Feedback:
    """Exercise 2.1: H(p, q) in nats for q = (0.1, 0.6, 0.3) and the true class 2 (one-hot p)."""
    return check_number(
        "Exercise 2.1", answer, info.cross_entropy([0.0, 0.0, 1.0], [0.1, 0.6, 0.3]),
        hint="with a one-hot p only the term of the true class is left: -ln q_2 "
        "(class 2 is the third entry, counting from 0).",
    )


def check_kl_divergence(function: Any) -> Feedback:
    """Exercise 2.2: ``kl(p, q)`` in nats for 1-D arrays, with 0·log(0/q) = 0 (q > 0 here)."""
    cases = [
        (np.array([0.9, 0.1]), np.array([0.5, 0.5])),
        (np.array([0.5, 0.5]), np.array([0.9, 0.1])),
        (np.array([0.2, 0.5, 0.3]), np.array([0.2, 0.5, 0.3])),
        (np.array([1.0, 0.0, 0.0]), np.array([0.5, 0.2, 0.3])),
        (np.array([0.0, 0.25, 0.75]), np.array([0.1, 0.6, 0.3])),
    ]
    return check_function(
        "Exercise 2.2", function, info.kl_divergence, cases,
        hint="KL(p‖q) = Σ p·ln(p/q) over the entries with p > 0 (a term with p = 0 is 0, "
        "but 0·ln 0 is nan in floating point).",
    )


def check_smallest_cross_entropy(answer: Any) -> Feedback:
    """Exercise 2.3: min over q of H(p, q) for p = (0.2, 0.5, 0.3), in nats: H(p), at q = p."""
    return check_number(
        "Exercise 2.3", answer, info.entropy([0.2, 0.5, 0.3]),
        hint="H(p, q) = H(p) + KL(p‖q) and KL ≥ 0 with equality only at q = p (Gibbs).",
    )
