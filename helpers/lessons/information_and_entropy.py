"""Figures, explorers and exercise checks of ``notebooks/01_information_and_entropy.ipynb``.

Lesson 1 · Information and entropy.
"""

from __future__ import annotations

import math
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

#: Colours for the distributions an 01/02 figure marks, in order.
_MARK_COLORS_01 = ("#d95f02", "#1b9e77", "#7570b3", "#e7298a")


def _log_symbol(base: float | str) -> str:
    r"""The logarithm of a base in mathtext: ``\log_2``, ``\ln``, ``\log_{10}``, ``\log_{b}``."""
    value = info.log_base(base)
    return {2.0: r"\log_2", math.e: r"\ln", 10.0: r"\log_{10}"}.get(value, rf"\log_{{{value:g}}}")


def information_and_entropy_figure(
    shooters: dict[str, float], base: float | str = "bits"
) -> Figure:
    r"""Left: the information of an outcome, :math:`I(p) = -\log_b p`, with each shooter's hit
    (probability ``p``) and miss (``1 - p``) marked. Right: the binary entropy
    :math:`H_b(p) = -p \log_b p - (1-p) \log_b (1-p)`, each shooter's entropy marked, and its
    maximum :math:`\log_b 2` at ``p = 1/2`` (1 bit). The legends write the base (``-log_2 p``).

    ``shooters`` maps a name to the probability of a hit.
    """
    unit = info.unit_name(base)
    log = _log_symbol(base)
    figure, (left, right) = new_figure(2, figsize=(9.0, 3.6))
    grid = np.linspace(0.0005, 1.0, 800)
    left.plot(grid, info.information(grid, base), color=COLORS["neutral"], label=rf"$-{log} p$")
    p = np.linspace(0.0, 1.0, 801)
    right.plot(p, info.binary_entropy(p, base), color=COLORS["neutral"], label=r"$H_b(p)$")
    top = float(info.entropy([0.5, 0.5], base))
    top_unit = unit.removesuffix("s") if round(top, 12) == 1 else unit  # "1 bit"
    right.axhline(top, color=COLORS["reference"], linestyle="--", linewidth=1,
                  label=rf"maximum ${log} 2 = {top:.4g}$ {top_unit}, at $p = 1/2$")
    for color, (name, hit) in zip(_MARK_COLORS_01, shooters.items(), strict=False):
        outcomes = np.array([hit, 1.0 - hit])
        left.plot(outcomes, info.information(outcomes, base), "o", color=color,
                  label=f"{name}: hit, miss")
        for probability, event in zip(outcomes, ("hit", "miss"), strict=True):
            # right of the point when p is small; above and to the left near p = 1 (no overlap)
            offset = (6, 4) if probability < 0.5 else (-34, 8) if probability < 0.95 else (-10, 22)
            left.annotate(event, (probability, float(info.information(probability, base))),
                          textcoords="offset points", xytext=offset, color=color, fontsize=9)
        h = float(info.binary_entropy(hit, base))
        right.plot([hit], [h], "o", color=color, label=f"{name}: H = {h:.4f} {unit}")
    left.set(xlabel="probability p of the outcome", ylabel=f"information [{unit}]",
             title="Information of one outcome", xlim=(0, 1.02),
             ylim=(0, float(info.information(0.0005, base)) * 1.02))
    right.set(xlabel="p = P(hit)", ylabel=f"entropy [{unit}]",
              title="Entropy: the expected information", xlim=(0, 1), ylim=(0, top * 1.25))
    left.legend(loc="upper right", fontsize=8)
    right.legend(loc="lower center", fontsize=8)
    return figure


def entropy_bound_figure(
    entropies: dict[int, np.ndarray], base: float | str = "nats"
) -> Figure:
    r"""The entropies of random distributions over ``C`` outcomes (``C`` → array of entropies),
    under the bound :math:`H(p) \le \log_b C` that the uniform distribution reaches."""
    unit = info.unit_name(base)
    log = _log_symbol(base)
    figure, (ax,) = new_figure(1, figsize=(6.4, 3.6))
    sizes = np.array(sorted(entropies))
    rng = np.random.default_rng(0)  # horizontal jitter only, so the dots do not overlap
    for c in sizes:
        values = np.asarray(entropies[c])
        ax.plot(c + rng.uniform(-0.25, 0.25, values.size), values, ".", markersize=3,
                color=COLORS["model"], alpha=0.4,
                label="random distributions" if c == sizes[0] else None)
    fine = np.linspace(sizes.min() - 0.5, sizes.max() + 0.5, 200)
    ax.plot(fine, np.log(fine) / np.log(info.log_base(base)), color=COLORS["reference"],
            label=rf"${log} C$ (uniform distribution)")
    ax.plot(sizes, [info.entropy(np.full(c, 1.0 / c), base) for c in sizes], "o",
            color=COLORS["target"], label="uniform over C outcomes")
    ax.set(xlabel="number of outcomes C", ylabel=f"entropy [{unit}]", xticks=sizes,
           title=rf"$0 \leq H(p) \leq {log} C$", ylim=(0, None))
    ax.legend(loc="upper left", fontsize=8)
    return figure


def binary_entropy_explorer() -> Explorer:
    r"""A two-outcome event: A with probability ``p``, B with ``1 - p``, in a chosen unit.

    Left: :math:`H_b(p) = -p \log_b p - (1-p) \log_b (1-p)` in bits, nats and bans (faint), the
    chosen unit in bold, the current ``p`` marked. The three curves have one shape: changing the
    base only divides by :math:`\ln b`. Right: the information of each outcome,
    :math:`-\log_b p` and :math:`-\log_b (1-p)`, and their expectation :math:`H_b(p)`, as bars.
    The axes stay fixed, so that changing the unit shows the rescaling.
    """
    p_grid = np.linspace(0.0, 1.0, 401)
    smallest = 0.001  # the slider's end: I(0.001) in bits is the tallest bar

    def build(figure: Figure):
        left, right = figure.subplots(1, 2)
        for name in info.UNITS:
            values = info.binary_entropy(p_grid, name)
            left.plot(p_grid, values, color=COLORS["neutral"], linewidth=1, alpha=0.35)
            left.annotate(name, (0.5, float(values.max())), textcoords="offset points",
                          xytext=(0, 3), ha="center", fontsize=8, color=COLORS["neutral"])
        (curve,) = left.plot(p_grid, p_grid, color=COLORS["neutral"], linewidth=2.2,
                             animated=True)
        (point,) = left.plot([], [], "o", color=COLORS["model"], animated=True)
        left.set(xlabel="p = P(A)", ylabel="entropy, in the chosen unit", xlim=(0, 1),
                 ylim=(0, 1.12), title="binary entropy $H_b(p)$")
        bars = right.bar([0, 1, 2], [0.0, 0.0, 0.0], animated=True, color=[
            COLORS["model"], COLORS["target"], COLORS["reference"]])
        right.set_xticks([0, 1, 2], [r"$-\log_b p$" "\nI(A)", r"$-\log_b(1-p)$" "\nI(B)",
                                     "$H_b(p)$\nexpected"])
        right.set(ylim=(0, float(info.information(smallest, "bits")) * 1.1),
                  ylabel="information, in the chosen unit (base b)",
                  title="information of each outcome, and its mean")
        labels = [right.text(i, 0.0, "", ha="center", va="bottom", fontsize=9, animated=True)
                  for i in range(3)]

        def update(p: float, unit: str) -> str:
            # Change of base: log_b x = ln x / ln b, so every curve is the nats curve / ln b.
            curve.set_ydata(info.binary_entropy(p_grid, unit))
            i_a = float(info.information(p, unit))
            i_b = float(info.information(1.0 - p, unit))
            h = float(info.binary_entropy(p, unit))
            point.set_data([p], [h])
            for bar, label, value in zip(bars, labels, (i_a, i_b, h), strict=True):
                bar.set_height(value)
                label.set_position((bar.get_x() + bar.get_width() / 2, value))
                label.set_text(f"{value:.4f}")
            top = float(info.entropy([0.5, 0.5], unit))
            return (
                f"p = {p:.3f}: I(A) = {i_a:.4f}, I(B) = {i_b:.4f}, "
                f"H_b = {p:.3f}·{i_a:.4f} + {1 - p:.3f}·{i_b:.4f} = {h:.4f} {unit} "
                f"(maximum {top:.4f} {unit}, at p = 0.5)"
            )

        return update

    controls = {
        "p": ipywidgets.FloatSlider(value=0.1, min=smallest, max=1 - smallest, step=0.001,
                                 readout_format=".3f", description="p = P(A)"),
        "unit": ipywidgets.Dropdown(options=list(info.UNITS), value="bits", description="unit"),
    }
    return Explorer("Binary entropy: the expected information of two outcomes", controls, build,
                    figsize=(9.0, 3.6))


def check_die_entropy(answer: Any) -> Feedback:
    """Exercise 1.1: the entropy of a fair six-sided die, in bits (the reference is log2 6)."""
    return check_number(
        "Exercise 1.1", answer,
        info.entropy(np.full(6, 1 / 6), base="bits"),
        hint="six equally likely outcomes: H = -Σ (1/6)·log2(1/6); which closed form is that?",
    )


def check_nats_to_bits(answer: Any) -> Feedback:
    """Exercise 1.2: an entropy of 1.5 nats, in bits (change of base: divide by ln 2)."""
    return check_number(
        "Exercise 1.2", answer, 1.5 / math.log(2),
        hint="log2 x = ln x / ln 2: a number of nats divided by ln 2 is a number of bits "
        "(1 bit = ln 2 ≈ 0.693 nats, so there are more bits than nats).",
    )


def check_entropy_in_bits(function: Any) -> Feedback:
    """Exercise 1.3: ``entropy_in_bits(p)`` for a 1-D NumPy array ``p``, with 0·log 0 = 0."""
    cases = [
        (np.array([0.5, 0.5]),),
        (np.array([0.1, 0.9]),),
        (np.full(4, 0.25),),
        (np.array([0.7, 0.2, 0.1, 0.0]),),
        (np.array([1.0, 0.0]),),
    ]
    return check_function(
        "Exercise 1.3", function,
        lambda p: info.entropy(p, base="bits"),
        cases,
        hint="-(p * log2 p).sum(), but a zero probability gives 0 * log2(0) = 0 * (-inf) = nan: "
        "keep only the terms with p > 0 (p = p[p > 0] first).",
    )
