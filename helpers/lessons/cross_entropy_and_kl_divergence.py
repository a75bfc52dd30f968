"""Figures, explorers and exercise checks of ``notebooks/02_cross_entropy_and_kl_divergence.ipynb``.

Lesson 2 · Cross-entropy and KL divergence: the coding view (prefix codes and their lengths),
cross-entropy = entropy + KL, and a one-mode model fitted to a two-mode target by forward and by
reverse KL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

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


def prefix_code(lengths: ArrayLike) -> list[str]:
    r"""A prefix code (no code word begins another) whose code words have the given lengths.

    The canonical construction: sort the symbols by length, give the first the code word
    ``0…0``, and each next one the binary number one above the previous, padded with zeros on
    the right to its own length. It exists exactly when Kraft's inequality holds,
    :math:`\sum_c 2^{-\ell_c} \le 1`. ``lengths`` are whole numbers ≥ 1 (floats such as
    ``-log2(q)`` for a dyadic ``q`` are accepted); the code words come back in the input order.
    """
    values = np.asarray(lengths, dtype=np.float64).ravel()
    if values.size == 0 or not np.all(np.isfinite(values)) or np.any(values < 1) or np.any(
        values != np.round(values)
    ):
        raise ValueError(f"lengths must be whole numbers >= 1, got {values.tolist()}")
    whole = values.astype(int)
    kraft = sum(2.0 ** -int(length) for length in whole)
    if kraft > 1:
        raise ValueError(f"no prefix code has these lengths: sum of 2^-length is {kraft:g} > 1")
    words = [""] * whole.size
    code, previous = 0, 0
    for index in sorted(range(whole.size), key=lambda i: (whole[i], i)):
        code <<= int(whole[index]) - previous
        words[index] = format(code, f"0{whole[index]}b")
        code, previous = code + 1, int(whole[index])
    return words


def code_lengths_figure(
    p: ArrayLike, codes: dict[str, Sequence[str]], labels: Sequence[str]
) -> Figure:
    r"""Messages drawn from ``p``, sent with each code of ``codes`` (panel title: code words).

    One panel per code: symbol ``c`` is a bar of width :math:`p_c` and height :math:`\ell_c`
    (its code word's length), so the area is the average length :math:`\sum_c p_c \ell_c` in
    bits. The first code is drawn in the target's colour, the others in the model's.
    """
    probabilities = np.asarray(p, dtype=np.float64)
    figure, axes = new_figure(len(codes), figsize=(4.5 * len(codes), 3.4))
    top = max(len(word) for words in codes.values() for word in words) + 1
    for number, (axis, (title, words)) in enumerate(zip(axes, codes.items(), strict=True)):
        lengths = np.array([len(word) for word in words], dtype=np.float64)
        left = np.concatenate([[0.0], np.cumsum(probabilities)[:-1]])
        color = COLORS["target"] if number == 0 else COLORS["model"]
        axis.bar(left, lengths, width=probabilities, align="edge", color=color, alpha=0.6,
                 edgecolor="white")
        for x, width, length, label, word in zip(left, probabilities, lengths, labels, words,
                                                 strict=True):
            axis.text(x + width / 2, length + 0.1, f"{label}\n{word}", ha="center",
                      va="bottom", fontsize=8)
        average = float((probabilities * lengths).sum())
        axis.set(xlim=(0, 1), ylim=(0, top + 0.6), xlabel="probability $p_c$ (bar width)",
                 ylabel="code word length (bits)",
                 title=f"{title}: average {average:g} bits")
    return figure


def cross_entropy_and_kl_figure(
    p0: float, q_mark: float | None = None, base: float | str = "nats"
) -> Figure:
    r"""For a fixed two-outcome target ``(p0, 1 - p0)`` and every ``q = (q0, 1 - q0)``.

    Left: :math:`H(p, q) = H(p) + \mathrm{KL}(p \| q)`: the cross-entropy curve, the entropy
    line it touches at ``q0 = p0``, and the KL divergence as the gap between them.
    Right: :math:`\mathrm{KL}(p \| q)` and :math:`\mathrm{KL}(q \| p)`: not the same function.
    ``q_mark`` (a ``q0``) marks both divergences of one ``q``.
    """
    unit = info.unit_name(base)
    figure, (left, right) = new_figure(2, figsize=(9.0, 3.6))
    t = np.linspace(0.01, 0.99, 393)
    p_pair = binary_pair(np.full_like(t, p0))
    q_pair = binary_pair(t)
    cross = info.cross_entropy(p_pair, q_pair, base)
    h = float(info.entropy(binary_pair(p0), base))
    left.fill_between(t, h, cross, color=COLORS["model"], alpha=0.2,
                      label=r"gap = $\mathrm{KL}(p\,\|\,q)$")
    left.plot(t, cross, color=COLORS["model"], label=r"$H(p, q)$")
    left.axhline(h, color=COLORS["target"], linestyle="--", label=rf"$H(p)$ = {h:.4f}")
    left.plot([p0], [h], "o", color=COLORS["target"])
    left.annotate("minimum at q = p", (p0, h), textcoords="offset points",
                  xytext=(-8, -14) if p0 > 0.5 else (8, -14), ha="right" if p0 > 0.5 else "left",
                  fontsize=9, color=COLORS["target"])
    left.set(xlabel="$q_0$, where $q = (q_0, 1 - q_0)$", ylabel=unit, ylim=(0, 3),
             title=rf"$p = ({p0:g}, {1 - p0:g})$: cross-entropy = entropy + KL")
    left.legend(loc="upper center", fontsize=8)
    right.plot(t, info.kl_divergence(p_pair, q_pair, base), color=COLORS["model"],
               label=r"$\mathrm{KL}(p\,\|\,q)$")
    right.plot(t, info.kl_divergence(q_pair, p_pair, base), color=COLORS["reference"],
               label=r"$\mathrm{KL}(q\,\|\,p)$")
    right.plot([p0], [0.0], "o", color=COLORS["target"])
    if q_mark is not None:
        p_one, q_one = binary_pair(p0), binary_pair(q_mark)
        for value, color in (
            (info.kl_divergence(p_one, q_one, base), COLORS["model"]),
            (info.kl_divergence(q_one, p_one, base), COLORS["reference"]),
        ):
            right.plot([q_mark], [value], "o", color=color)
            right.annotate(f"{value:.4f}", (q_mark, value), textcoords="offset points",
                           xytext=(6, 2), fontsize=9, color=color)
    right.set(xlabel="$q_0$, where $q = (q_0, 1 - q_0)$", ylabel=unit, ylim=(0, 3),
              title="KL is not symmetric (both are 0 at q = p)")
    right.legend(loc="upper center", fontsize=8)
    return figure


def cross_entropy_explorer() -> Explorer:
    r"""Two outcomes: target ``p = (p0, 1 - p0)``, prediction ``q = (q0, 1 - q0)``, in nats.

    Left: :math:`H(p, q)` as a function of ``q0`` for the current ``p``, the line :math:`H(p)`,
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
        left.set(xlabel="$q_0$, where $q = (q_0, 1 - q_0)$", ylabel="nats", xlim=(0, 1),
                 ylim=(0, top), title="cross-entropy as a function of $q_0$")
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

        def update(p0: float, q0: float) -> str:
            target, prediction = binary_pair(p0), binary_pair(q0)
            h = float(info.entropy(target))
            kl = float(info.kl_divergence(target, prediction))
            cross = float(info.cross_entropy(target, prediction))
            reverse = float(info.kl_divergence(prediction, target))
            curve.set_ydata(info.cross_entropy(binary_pair(np.full_like(q_grid, p0)),
                                               binary_pair(q_grid)))
            entropy_line.set_ydata([h, h])
            gap.set_data([q0, q0], [h, cross])
            point.set_data([q0], [cross])
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
                f"p = ({p0:.2f}, {1 - p0:.2f}), q = ({q0:.2f}, {1 - q0:.2f}): "
                f"H(p) = {h:.4f} + KL(p‖q) = {kl:.4f} → H(p, q) = {cross:.4f} nats; "
                f"KL(q‖p) = {reverse:.4f} nats"
            )

        return update

    controls = {
        "p0": ipywidgets.FloatSlider(value=0.7, min=0.0, max=1.0, step=0.01, description="p_0"),
        "q0": ipywidgets.FloatSlider(value=0.4, min=0.01, max=0.99, step=0.01,
                                     description="q_0"),
    }
    return Explorer("Cross-entropy = entropy + KL divergence (two outcomes)", controls, build,
                    figsize=(9.0, 3.8))


def gaussian_bins(centres: ArrayLike, mean: ArrayLike, std: ArrayLike) -> np.ndarray:
    r"""A Gaussian discretised over bins: the softmax of the logits :math:`x_c`.

    .. math:: q_c = \frac{e^{x_c}}{\sum_{c'} e^{x_{c'}}}, \qquad
              x_c = -\frac{(t_c - \mu)^2}{2\sigma^2}

    for the bin centres :math:`t_c` (last axis). ``mean`` and ``std`` broadcast against the
    leading axes: arrays of shape ``(..., 1)`` give one distribution per parameter pair.
    """
    t = np.asarray(centres, dtype=np.float64)
    mu = np.asarray(mean, dtype=np.float64)
    sigma = np.asarray(std, dtype=np.float64)
    if np.any(sigma <= 0):
        raise ValueError("std must be positive")
    logits = -((t - mu) ** 2) / (2 * sigma**2)
    logits = logits - logits.max(axis=-1, keepdims=True)  # the largest logit becomes 0
    weights = np.exp(logits)
    return weights / weights.sum(axis=-1, keepdims=True)


def kl_fits_figure(
    centres: ArrayLike, p: ArrayLike, means: ArrayLike, stds: ArrayLike,
    forward: ArrayLike, reverse: ArrayLike,
) -> Figure:
    r"""The target ``p`` and the one-mode models that fit it best in each direction of KL.

    ``forward[i, j]`` and ``reverse[i, j]`` are :math:`\mathrm{KL}(p \| q_\theta)` and
    :math:`\mathrm{KL}(q_\theta \| p)` for :math:`\theta = (\mu_i, \sigma_j)` and
    :math:`q_\theta` = ``gaussian_bins(centres, means[i], stds[j])``; each curve is the model
    at the smallest entry of its grid.
    """
    t = np.asarray(centres, dtype=np.float64)
    mu, sigma = np.asarray(means, dtype=np.float64), np.asarray(stds, dtype=np.float64)
    figure, (axis,) = new_figure(figsize=(7.5, 3.6))
    axis.bar(t, np.asarray(p, dtype=np.float64), width=t[1] - t[0], color=COLORS["target"],
             alpha=0.45, label="target $p$ (two modes)")
    styles = (
        ("forward", r"$\mathrm{KL}(p\,\|\,q)$", np.asarray(forward), COLORS["model"]),
        ("reverse", r"$\mathrm{KL}(q\,\|\,p)$", np.asarray(reverse), COLORS["reference"]),
    )
    for name, label, divergence, color in styles:
        i, j = np.unravel_index(np.argmin(divergence), divergence.shape)
        axis.plot(t, gaussian_bins(t, mu[i], sigma[j]), color=color, linewidth=2,
                  label=rf"{name}: min {label} at $\mu$ = {mu[i]:.2f}, $\sigma$ = {sigma[j]:.2f}")
    axis.set(xlabel="bin centre $t_c$", ylabel="probability",
             title="one Gaussian fitted to two modes: covering or seeking")
    axis.legend(loc="upper right", fontsize=8)
    return figure


def check_code_length(answer: Any) -> Feedback:
    """Exercise 2.1: the average length in bits of uniform messages over four symbols, sent with
    the code built for q = (1/2, 1/4, 1/8, 1/8): H(p, q) = 2.25 bits."""
    uniform, q = np.full(4, 0.25), np.array([0.5, 0.25, 0.125, 0.125])
    return check_number(
        "Exercise 2.1", answer, info.cross_entropy(uniform, q, "bits"),
        hint="the code for q has lengths -log2 q_c = (1, 2, 3, 3); weight each length by how "
        "often the symbol is sent, p_c = 1/4.",
        mistakes=[
            (info.entropy(uniform, "bits"), "That is H(p), the length of the code built for p."),
            (info.entropy(q, "bits"), "That is H(q): q's own messages with q's code."),
            (info.cross_entropy(uniform, q), "That is the right quantity in nats; the question "
             "asks for bits."),
        ],
    )


def check_one_hot_cross_entropy(answer: Any) -> Feedback:
    """Exercise 2.2: H(p, q) in nats for q = (0.1, 0.6, 0.3) and the true class 2 (one-hot p)."""
    return check_number(
        "Exercise 2.2", answer, info.cross_entropy([0.0, 0.0, 1.0], [0.1, 0.6, 0.3]),
        hint="with a one-hot p only the term of the true class is left: -ln q_2 "
        "(class 2 is the third entry, counting from 0).",
    )


def check_kl_divergence(function: Any) -> Feedback:
    """Exercise 2.3: ``kl(p, q)`` in nats for 1-D arrays, with 0·log(0/q) = 0 (q > 0 here)."""
    cases = [
        (np.array([0.9, 0.1]), np.array([0.5, 0.5])),
        (np.array([0.5, 0.5]), np.array([0.9, 0.1])),
        (np.array([0.2, 0.5, 0.3]), np.array([0.2, 0.5, 0.3])),
        (np.array([1.0, 0.0, 0.0]), np.array([0.5, 0.2, 0.3])),
        (np.array([0.0, 0.25, 0.75]), np.array([0.1, 0.6, 0.3])),
    ]
    return check_function(
        "Exercise 2.3", function, info.kl_divergence, cases,
        hint="KL(p‖q) = Σ p·ln(p/q) over the entries with p > 0 (a term with p = 0 is 0, "
        "but 0·ln 0 is nan in floating point).",
    )


def check_smallest_cross_entropy(answer: Any) -> Feedback:
    """Exercise 2.4: min over q of H(p, q) for p = (0.2, 0.5, 0.3), in nats: H(p), at q = p."""
    return check_number(
        "Exercise 2.4", answer, info.entropy([0.2, 0.5, 0.3]),
        hint="H(p, q) = H(p) + KL(p‖q) and KL ≥ 0 with equality only at q = p (Gibbs).",
    )
