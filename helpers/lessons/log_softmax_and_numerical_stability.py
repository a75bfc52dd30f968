"""Figures, explorers and exercise checks of the notebook
``notebooks/05_log_softmax_and_numerical_stability.ipynb``.

Lesson 5 · Log-softmax and numerical stability.
"""

from __future__ import annotations

from typing import Any

import ipywidgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from helpers import losses
from helpers.explorer import Explorer, Update
from helpers.feedback import (
    Feedback,
    check_array,
    check_function,
    check_number,
)
from helpers.figures import COLORS, new_figure


def logsumexp_figure() -> Figure:
    r"""LSE(0, t) = ln(e^0 + e^t) against t: a smooth maximum of the two logits 0 and t.

    .. math:: \max(0, t) \le \operatorname{LSE}(0, t) \le \max(0, t) + \ln 2

    In general max_c x_c <= LSE(x) <= max_c x_c + ln C for C logits; the upper bound is reached
    when all logits are equal (t = 0 here), the lower one approached when one logit dominates.
    """
    t = np.linspace(-6.0, 6.0, 481)
    pairs = np.stack([np.zeros_like(t), t], axis=-1)
    lse = losses.logsumexp(pairs, axis=-1)
    top = np.maximum(0.0, t)
    figure, (ax,) = new_figure(1, figsize=(6.4, 3.8))
    ax.fill_between(
        t, top, top + np.log(2.0), color=COLORS["reference"], alpha=0.15,
        label=r"between max and max + $\ln 2$",
    )
    ax.plot(t, top, ls="--", color=COLORS["neutral"], label=r"$\max(0, t)$")
    ax.plot(t, lse, color=COLORS["model"], lw=2, label=r"$\mathrm{LSE}(0, t) = \ln(1 + e^t)$")
    ax.set(xlabel="t", ylabel="nats", title="log-sum-exp is a smooth maximum: LSE(0, t)")
    ax.legend(loc="upper left")
    return figure


def _float32_pairs(shift: float | np.ndarray, gap: float | np.ndarray) -> np.ndarray:
    """Logits (a, a - g) in float32, pairs along the last axis."""
    a, g = np.broadcast_arrays(np.asarray(shift, dtype=np.float64), np.asarray(gap, np.float64))
    return np.stack([a, a - g], axis=-1).astype(np.float32)


def _naive_log_softmax(x: np.ndarray) -> np.ndarray:
    """log(exp(x) / sum exp(x)) as written, in x's dtype: overflows and underflows silently."""
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        e = np.exp(x)
        return np.log(e / e.sum(axis=-1, keepdims=True))


def _naive_logsumexp(x: np.ndarray) -> np.ndarray:
    """log(sum exp(x)) as written, in x's dtype."""
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        return np.log(np.exp(x).sum(axis=-1))


def _drawable(y: np.ndarray) -> np.ndarray:
    """inf and nan become nan, which matplotlib leaves out of a line."""
    return np.where(np.isfinite(y), y, np.nan)


def _stable_and_naive_curves(
    ax: Axes, x: np.ndarray, stable: str, naive: str, animated: bool
) -> list[Line2D]:
    """The moving pair of curves: the stable computation wide and pale, the naive one on top."""
    return [
        ax.plot(x, x * 0, color=COLORS["target"], lw=4, alpha=0.5, label=stable,
                animated=animated)[0],
        ax.plot(x, x * 0, color=COLORS["model"], lw=1.5, label=naive, animated=animated)[0],
    ]


#: The naive route of the explorer and the figure: softmax written by hand, then the log.
_NAIVE = "log(exp(x) / sum(exp(x)))"
_GAPS = np.linspace(0.0, 150.0, 601)
_SHIFTS = np.linspace(-120.0, 120.0, 481)
_FIGSIZE = (10.0, 3.8)


def _float32_panels(figure: Figure, *, animated: bool) -> Update:
    """Draw the two panels of the float32 explorer on ``figure``; return ``update(gap, shift)``.

    ``animated`` marks the moving artists for the explorer's blitting; a static figure draws
    them as ordinary artists (a normal draw leaves animated artists out).
    """
    gaps, shifts = _GAPS, _SHIFTS
    overflow = float(np.log(np.finfo(np.float32).max))
    gap_ax, shift_ax = figure.subplots(1, 2)
    stable_gap, naive_gap = _stable_and_naive_curves(
        gap_ax, gaps, "log_softmax(x)[1]", f"{_NAIVE}[1]", animated
    )
    (stable_dot,) = gap_ax.plot([], [], "o", color=COLORS["target"], animated=animated)
    (naive_dot,) = gap_ax.plot([], [], "x", color=COLORS["model"], ms=9, animated=animated)
    gap_note = gap_ax.text(
        0.03, 0.05, "", transform=gap_ax.transAxes, color=COLORS["model"], animated=animated,
    )
    gap_ax.set(
        xlabel="gap g = $x_0 - x_1$", ylabel="$\\log q_1$ (float32)", xlim=(0, 150),
        ylim=(-160, 10), title="log-probability of the lower logit",
    )
    gap_ax.legend(loc="upper right", fontsize="small")

    stable_shift, naive_shift = _stable_and_naive_curves(
        shift_ax, shifts, "logsumexp(x)", "log(sum(exp(x)))", animated
    )
    (shift_dot,) = shift_ax.plot([], [], "o", color=COLORS["target"], animated=animated)
    shift_ax.axvline(overflow, ls=":", lw=1, color=COLORS["neutral"])
    shift_ax.text(
        overflow - 2, -125, f"$e^a$ overflows for a > {overflow:.1f}", ha="right",
        fontsize="small", color=COLORS["neutral"],
    )
    shift_note = shift_ax.text(
        0.97, 0.45, "", transform=shift_ax.transAxes, ha="right",
        color=COLORS["model"], animated=animated,
    )
    shift_ax.set(
        xlabel="shift a (both logits)", ylabel="LSE(x) (float32)", xlim=(-120, 120),
        ylim=(-135, 135), title="LSE(x + a) = LSE(x) + a",
    )
    shift_ax.legend(loc="upper left", fontsize="small")

    def update(gap: float, shift: float) -> str:
        over_gaps = _float32_pairs(shift, gaps)
        stable_gap.set_ydata(losses.log_softmax(over_gaps)[:, 1])
        naive_gap.set_ydata(_drawable(_naive_log_softmax(over_gaps)[:, 1]))
        over_shifts = _float32_pairs(shifts, gap)
        stable_shift.set_ydata(losses.logsumexp(over_shifts))
        naive_shift.set_ydata(_drawable(_naive_logsumexp(over_shifts)))

        x = _float32_pairs(shift, gap)
        stable = losses.log_softmax(x)
        naive = _naive_log_softmax(x)
        lse = losses.logsumexp(x)
        naive_lse = _naive_logsumexp(x)
        stable_dot.set_data([gap], [stable[1]])
        naive_dot.set_data([gap], _drawable(naive[1:]))
        shift_dot.set_data([shift], [lse])
        gap_note.set_text("" if np.isfinite(naive[1]) else f"naive: {naive[1]}")
        shift_note.set_text("" if np.isfinite(naive_lse) else f"naive: {naive_lse}")
        return (
            f"x = [{x[0]:g}, {x[1]:g}] in float32: "
            f"log_softmax(x) = [{stable[0]:.4f}, {stable[1]:.4f}], "
            f"{_NAIVE} = [{naive[0]:.4f}, {naive[1]:.4f}]; "
            f"logsumexp(x) = {lse:.4f}, log(sum(exp(x))) = {naive_lse:.4f}"
        )

    return update


def log_softmax_float32_explorer() -> Explorer:
    r"""Logits x = (a, a - g) in float32: softmax by hand, then log, against log_softmax(x).

    .. math:: \log \operatorname{softmax}(x)_1 = x_1 - \operatorname{LSE}(x)
              = -g - \ln(1 + e^{-g}),
              \qquad \operatorname{LSE}(x) = a + \ln(1 + e^{-g})

    Left: log q_1 against the gap g, for the current shift a. log_softmax does not depend on a;
    the naive log(exp(x) / sum(exp(x))) loses digits once e^{a-g} or the quotient is subnormal
    (below e^{-87.34}), is -inf once one of them rounds to 0 (below e^{-103.97}, half the smallest
    positive float32) and, once e^a overflows (a > 88.72), -inf for the lower logit
    (finite / inf) and nan for the upper one (inf / inf). Right: LSE(x) against a for the
    current g: stable ``losses.logsumexp`` and naive log(sum(exp(x))).
    (``torch.log(F.softmax(x))`` subtracts the maximum first: it shares the underflow, not the
    overflow.)
    """
    controls = {
        "gap": ipywidgets.FloatSlider(
            value=100.0, min=0.0, max=150.0, step=0.5, description="gap g",
            readout_format=".1f",
        ),
        "shift": ipywidgets.FloatSlider(
            value=0.0, min=-120.0, max=120.0, step=1.0, description="shift a",
            readout_format=".0f",
        ),
    }
    return Explorer(
        "float32 logits (a, a - g): softmax by hand, then log, against log_softmax", controls,
        lambda figure: _float32_panels(figure, animated=True), figsize=_FIGSIZE,
    )


def log_softmax_float32_figure(gap: float = 100.0, shift: float = 0.0) -> Figure:
    """The float32 explorer's two panels for one gap and shift, as a static figure.

    What the explorer shows before it is moved, for a reader without a running kernel.
    """
    figure = Figure(figsize=_FIGSIZE, dpi=100, layout="constrained")
    _float32_panels(figure, animated=False)(gap=gap, shift=shift)
    return figure


def check_huge_logit_log_probability(answer: Any) -> Feedback:
    r"""Exercise 5.1: log softmax([1000, 1001, 1002])_0, computed without overflow.

    .. math:: \log \operatorname{softmax}(x)_0 = x_0 - \operatorname{LSE}(x)
              = -2 - \ln(1 + e^{-1} + e^{-2})
    """
    expected = float(losses.log_softmax(np.array([1000.0, 1001.0, 1002.0]))[0])
    return check_number(
        "Exercise 5.1", answer, expected,
        hint="Shift by the maximum 1002: the logits become [-2, -1, 0], and "
        "log softmax_0 = -2 - ln(e^-2 + e^-1 + e^0). math.exp(1000) would overflow.",
    )


def check_stable_logsumexp(function: Any) -> Feedback:
    """Exercise 5.2: ``stable_logsumexp(x, axis)`` in NumPy, finite where the naive one is not.

    Compared with :func:`helpers.losses.logsumexp` (no ``keepdims``: the axis is removed) on
    1-D, 2-D and 3-D inputs, including logits of ±1000.
    """
    rng = np.random.default_rng(4)
    cases = [
        (np.array([0.1, 0.2, 0.3, 0.4]), -1),
        (np.array([[0.1, 0.2, 0.3, 0.4], [0.1, 0.1, 0.1, 0.1]]), 1),
        (np.array([1000.0, 0.0]), 0),
        (np.array([[-1000.0, -1000.0], [1000.0, 999.0]]), 1),
        (rng.normal(scale=300.0, size=(3, 4)), 0),
        (rng.normal(scale=300.0, size=(2, 3, 4)), 1),
    ]
    return check_function(
        "Exercise 5.2", function, losses.logsumexp, cases,
        hint="m = np.max(x, axis=axis, keepdims=True); LSE = m + log(sum(exp(x - m))) along "
        "the axis; remove the kept axis at the end (np.squeeze(..., axis=axis)).",
    )


def check_log_softmax_gradient(answer: Any) -> Feedback:
    r"""Exercise 5.3: the gradient of log softmax(x)_1 with respect to x = [1.2, 2.4, 3.6].

    .. math:: \frac{\partial}{\partial x_j} \log \operatorname{softmax}(x)_k
              = [j = k] - \operatorname{softmax}(x)_j
    """
    x = np.array([1.2, 2.4, 3.6])
    expected = losses.one_hot(np.array(1), x.size) - losses.softmax(x)
    return check_array(
        "Exercise 5.3", answer, expected, rtol=1e-4, atol=1e-4,
        hint="Either autograd (x.requires_grad_(), F.log_softmax(x, dim=0)[1].backward(), "
        "x.grad) or the formula onehot(1) - softmax(x): three numbers that sum to 0.",
    )
