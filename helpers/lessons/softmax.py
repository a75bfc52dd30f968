"""Figures, explorers and exercise checks of ``notebooks/04_softmax.ipynb``.

Lesson 3 · Softmax.
"""

from __future__ import annotations

import math
from typing import Any

import ipywidgets
import numpy as np
from matplotlib.figure import Figure

from helpers import info, losses
from helpers.explorer import Explorer
from helpers.feedback import (
    Feedback,
    check_function,
    check_number,
)
from helpers.figures import COLORS, new_figure


def softmax_temperature_figure(
    logits: np.ndarray | list[float], temperatures: tuple[float, ...] = (0.1, 1.0, 10.0)
) -> Figure:
    r"""softmax(v / T) of one logit vector v, at a few temperatures and as a function of T.

    .. math:: \operatorname{softmax}(v / T)_k = \frac{e^{v_k / T}}{\sum_m e^{v_m / T}}

    Left: one group of bars per temperature in ``temperatures``, one bar per class. Right: each
    p_k against T on a log axis from 0.01 to 100; T -> 0 tends to the one-hot vector of the
    argmax, T -> infinity to the uniform 1/C (dashed). Class k has colour ``C{k}`` in both.
    """
    v = np.asarray(logits, dtype=np.float64)
    classes = np.arange(v.size)
    figure, (bars_ax, curves_ax) = new_figure(2, figsize=(10.0, 3.8))
    width = 0.8 / v.size
    for group, temperature in enumerate(temperatures):
        p = losses.softmax(v / temperature)
        offsets = group + (classes - (v.size - 1) / 2) * width
        bars_ax.bar(offsets, p, width, color=[f"C{k}" for k in classes], edgecolor="white")
    bars_ax.axhline(1 / v.size, ls="--", lw=1, color=COLORS["reference"])
    bars_ax.set(
        xticks=range(len(temperatures)),
        xticklabels=[f"T = {t:g}" for t in temperatures],
        ylabel=r"$\mathrm{softmax}(v/T)_k$",
        ylim=(0, 1),
        title="bars: classes 0..C-1 at each temperature",
    )
    grid = np.logspace(-2, 2, 401)
    curves = losses.softmax(v[None, :] / grid[:, None], axis=1)
    for k in classes:
        curves_ax.plot(grid, curves[:, k], color=f"C{k}", label=f"class {k}: $v_{k}$ = {v[k]:g}")
    curves_ax.axhline(1 / v.size, ls="--", lw=1, color=COLORS["reference"], label="1/C")
    curves_ax.axvline(1.0, ls=":", lw=1, color=COLORS["neutral"])
    curves_ax.set_xscale("log")
    curves_ax.set(
        xlabel="temperature T (log scale)",
        ylabel=r"$p_k$",
        ylim=(0, 1.02),
        title=r"T $\to$ 0: one-hot argmax;  T $\to \infty$: uniform",
    )
    curves_ax.legend(fontsize="small", loc="center right")
    return figure


def softmax_temperature_explorer(
    logits: tuple[float, ...] | list[float] | np.ndarray = (0.1, 0.2, 0.3, 0.4),
) -> Explorer:
    r"""p = softmax(v / T): move the temperature T and the last logit, the bars of p redraw.

    .. math:: p_k = \frac{e^{v_k / T}}{\sum_m e^{v_m / T}}

    Left: the logits v (the last one follows its slider). Right: p with a dashed line at 1/C.
    """
    base = np.asarray(logits, dtype=np.float64)
    classes = np.arange(base.size)
    colors = [f"C{k}" for k in classes]

    def build(figure: Figure):
        logit_ax, prob_ax = figure.subplots(1, 2)
        logit_bars = logit_ax.bar(classes, base, color=colors, animated=True)
        logit_ax.axhline(0.0, lw=0.8, color=COLORS["neutral"])
        logit_ax.set(
            xticks=classes, xlabel="class k", ylabel="logit $v_k$", ylim=(-3.3, 3.3),
            title="logits v",
        )
        prob_bars = prob_ax.bar(classes, np.zeros_like(base), color=colors, animated=True)
        labels = [
            prob_ax.text(k, 0.0, "", ha="center", va="bottom", fontsize="small", animated=True)
            for k in classes
        ]
        prob_ax.axhline(1 / base.size, ls="--", lw=1, color=COLORS["reference"])
        prob_ax.set(
            xticks=classes, xlabel="class k", ylabel="$p_k$", ylim=(0, 1.1),
            title="p = softmax(v / T)",
        )

        def update(temperature: float, last_logit: float) -> str:
            v = base.copy()
            v[-1] = last_logit
            p = losses.softmax(v / temperature)
            for bar, value in zip(logit_bars, v, strict=True):
                bar.set_height(value)
            for k, (bar, label, value) in enumerate(zip(prob_bars, labels, p, strict=True)):
                bar.set_height(value)
                label.set_position((k, value))
                label.set_text(f"{value:.3f}")
            shown = ", ".join(f"{value:.4f}" for value in p)
            return (
                f"T = {temperature:.3g}, v = [{', '.join(f'{x:g}' for x in v)}]: "
                f"p = [{shown}], sum {p.sum():.4f}; entropy {info.entropy(p):.4f} nats "
                f"(uniform: ln {base.size} = {np.log(base.size):.4f})"
            )

        return update

    controls = {
        "temperature": ipywidgets.FloatLogSlider(
            value=1.0, base=10, min=-2, max=2, step=0.02, description="T",
            readout_format=".3g",
        ),
        "last_logit": ipywidgets.FloatSlider(
            value=round(float(base[-1]), 6), min=-3.0, max=3.0, step=0.1,
            description=f"logit {base.size - 1}", readout_format=".1f",
        ),
    }
    return Explorer(
        "softmax(v / T): temperature and one logit", controls, build, figsize=(9.0, 3.6)
    )


def check_softmax_probability(answer: Any) -> Feedback:
    r"""Exercise 3.1: softmax([1.2, 2.4, 3.6])_1, document 002's logits, class 1.

    .. math:: p_1 = \frac{e^{2.4}}{e^{1.2} + e^{2.4} + e^{3.6}}
    """
    expected = float(losses.softmax(np.array([1.2, 2.4, 3.6]))[1])
    return check_number(
        "Exercise 3.1", answer, expected,
        hint="p_1 = e^2.4 / (e^1.2 + e^2.4 + e^3.6); math.exp computes e^x. "
        "Class indices count from 0, so class 1 is the middle logit.",
    )


def check_temperature(answer: Any) -> Feedback:
    r"""Exercise 3.2: the temperature T at which softmax([0, 1] / T)_1 = 0.9.

    .. math:: \frac{1}{1 + e^{-1/T}} = 0.9 \iff T = \frac{1}{\ln(0.9 / 0.1)}
    """
    probability = 0.9
    expected = 1.0 / math.log(probability / (1.0 - probability))
    return check_number(
        "Exercise 3.2", answer, expected,
        hint="With two logits, softmax([0, 1] / T)_1 = 1 / (1 + e^(-1/T)). "
        "Set it equal to 0.9 and solve for T.",
    )


def check_stable_softmax(function: Any) -> Feedback:
    """Exercise 3.3: ``stable_softmax(x, axis)`` in NumPy, exact for logits of any size.

    Compared with :func:`helpers.losses.softmax` on 1-D, 2-D and 3-D inputs, along several
    axes, including logits of ±1000 that make the naive ``exp(x) / sum(exp(x))`` return nan.
    """
    rng = np.random.default_rng(3)
    cases = [
        (np.array([0.1, 0.2, 0.3, 0.4]), -1),
        (np.array([[0.1, 0.2, 0.3, 0.4], [0.1, 0.1, 0.1, 0.1]]), 1),
        (np.array([1000.0, 0.0]), 0),
        (np.array([[-1000.0, -1001.0], [1000.0, 1000.0]]), 1),
        (rng.normal(scale=300.0, size=(3, 4)), 0),
        (rng.normal(scale=300.0, size=(2, 3, 4)), 1),
    ]
    return check_function(  # a naive answer overflows: the feedback says nan, no RuntimeWarning
        "Exercise 3.3", function, losses.softmax, cases,
        hint="Subtract the maximum along the axis first: "
        "x - np.max(x, axis=axis, keepdims=True); then exp, and divide by the sum along "
        "the same axis (keepdims=True, so that it broadcasts).",
    )
