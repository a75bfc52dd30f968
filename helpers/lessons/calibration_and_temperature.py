"""Figures, explorer and exercise checks of ``notebooks/10_calibration.ipynb``.

Lesson 10 · Calibration: are the probabilities right? Reliability diagrams and the expected
calibration error (ECE), how noisy ECE is on a finite test set, and temperature scaling.
"""

from __future__ import annotations

import math
from typing import Any

import ipywidgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from helpers import calibration, losses
from helpers.explorer import Explorer
from helpers.feedback import Feedback, check_array, check_number
from helpers.figures import COLORS, new_figure

#: Bars of a reliability diagram: accuracy, and the gap to the mean confidence.
GAP_COLORS = {"over": "#e41a1c", "under": "#377eb8"}


def _bin_geometry(bins: calibration.ReliabilityBins) -> dict[str, np.ndarray]:
    """Heights of the bars of a reliability diagram, one per bin (0 for an empty bin)."""
    filled = bins.counts > 0
    accuracy = np.where(filled, bins.accuracy, 0.0)
    confidence = np.where(filled, bins.confidence, 0.0)
    return {
        "accuracy": accuracy,
        "low": np.minimum(accuracy, confidence),
        "over": np.where(accuracy < confidence, confidence - accuracy, 0.0),
        "under": np.where(accuracy > confidence, accuracy - confidence, 0.0),
    }


def _reliability_bars(ax: Axes, n_bins: int, *, animated: bool = False) -> dict[str, Any]:
    """Empty bars of a reliability diagram on ``ax`` (one per bin), the diagonal, the axes."""
    left = np.linspace(0.0, 1.0, n_bins + 1)[:-1]
    width = 1 / n_bins
    zeros = np.zeros(n_bins)
    bars = {
        "accuracy": ax.bar(left, zeros, width=width, align="edge", color=COLORS["target"],
                           edgecolor="white", lw=0.5, label="accuracy", animated=animated),
        "over": ax.bar(left, zeros, width=width, align="edge", color=GAP_COLORS["over"],
                       alpha=0.55, lw=0, label="over-confident", animated=animated),
        "under": ax.bar(left, zeros, width=width, align="edge", color=GAP_COLORS["under"],
                        alpha=0.55, lw=0, label="under-confident", animated=animated),
    }
    ax.plot([0, 1], [0, 1], ":", color=COLORS["neutral"], lw=1)
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="confidence", ylabel="accuracy")
    return bars


def _set_bars(bars: dict[str, Any], bins: calibration.ReliabilityBins) -> None:
    geometry = _bin_geometry(bins)
    for m, patch in enumerate(bars["accuracy"]):
        patch.set_height(geometry["accuracy"][m])
    for kind in ("over", "under"):
        for m, patch in enumerate(bars[kind]):
            patch.set_y(geometry["low"][m])
            patch.set_height(geometry[kind][m])


def _plain_log_axis(axis: Any, ticks: list[float] | None = None) -> None:
    """Tick labels of a log axis as plain numbers (0.25, 1, 4; 0.003, 0.01), no minor labels."""
    if ticks is not None:
        axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


def reliability_axes(ax: Axes, probs: np.ndarray, labels: np.ndarray, n_bins: int = 15) -> float:
    r"""A reliability diagram on ``ax``: per confidence bin (of
    :func:`helpers.calibration.reliability_bins`), the accuracy as a green bar and the gap
    between accuracy and mean confidence as a red (over-confident: accuracy below confidence)
    or blue (under-confident) box; the dotted diagonal is perfect calibration. Empty bins have
    no bar. Returns the ECE, which is also written in the panel."""
    bars = _reliability_bars(ax, n_bins)
    _set_bars(bars, calibration.reliability_bins(probs, labels, n_bins))
    ece = calibration.expected_calibration_error(probs, labels, n_bins)
    ax.text(0.04, 0.95, f"ECE = {ece:.3f}", transform=ax.transAxes, fontsize=9, va="top")
    return ece


def reliability_figure(
    probs: dict[str, np.ndarray], labels: np.ndarray, n_bins: int = 15
) -> Figure:
    """One reliability diagram per entry ``title → probabilities (N, C)`` (see
    :func:`reliability_axes`), the ECE in each panel."""
    figure, axes = new_figure(len(probs), figsize=(2.6 * len(probs), 2.9))
    for ax, (title, p) in zip(axes, probs.items(), strict=True):
        reliability_axes(ax, p, labels, n_bins)
        ax.set_title(title, fontsize=9)
        if ax is not axes[0]:
            ax.set_ylabel("")
    axes[0].legend(fontsize=7, loc="upper left", bbox_to_anchor=(0.0, 0.87), frameon=False)
    return figure


def ece_noise_figure(eces: dict[int, np.ndarray]) -> Figure:
    r"""The ECE of a perfectly calibrated model (the Bayes posterior) on many seeded test sets,
    ``eces[N]`` holding one value per test set of ``N`` points: a dot per test set, their mean
    joined by a line, and a dashed :math:`1/\sqrt{N}` line through the first mean."""
    sizes = np.array(sorted(eces))
    means = np.array([np.mean(eces[n]) for n in sizes])
    figure, (ax,) = new_figure(figsize=(5.2, 3.4))
    for n in sizes:
        ax.plot(np.full(len(eces[n]), n), eces[n], "o", color=COLORS["target"], alpha=0.45,
                ms=4)
    ax.plot(sizes, means, "-", color=COLORS["target"], lw=1.5, label="mean over the test sets")
    ax.plot(sizes, means[0] * np.sqrt(sizes[0] / sizes), "--", color=COLORS["reference"],
            lw=1.2, label=r"$\propto 1/\sqrt{N}$")
    ax.set(xscale="log", yscale="log", xlabel="test points N",
           ylabel="ECE of the Bayes posterior (15 bins)",
           title="a calibrated model's ECE: sampling noise")
    _plain_log_axis(ax.xaxis)
    _plain_log_axis(ax.yaxis, [0.003, 0.01, 0.03, 0.1])
    ax.title.set_fontsize(10)
    ax.legend(fontsize=8)
    return figure


def temperature_figure(
    taus: np.ndarray,
    validation_nll: np.ndarray,
    test_ece: np.ndarray,
    tau_star: float,
) -> Figure:
    r"""Left: the validation NLL of :math:`\operatorname{softmax}(x/\tau)` over ``taus``, its
    minimiser ``tau_star`` marked. Right: the test ECE over the same ``taus``, with
    :math:`\tau = 1` (the model as trained) and ``tau_star`` marked."""
    figure, (left, right) = new_figure(2, figsize=(9.0, 3.3))
    left.plot(taus, validation_nll, color=COLORS["model"], lw=1.6)
    best = float(np.interp(tau_star, taus, validation_nll))
    left.plot([tau_star], [best], "o", color="black", ms=6)
    left.annotate(rf"$\tau^*$ = {tau_star:.2f}", (tau_star, best), xytext=(0, 10),
                  textcoords="offset points", ha="center", fontsize=9)
    left.set(xscale="log", xlabel=r"temperature $\tau$", ylabel="NLL [nats]",
             title=r"validation NLL of softmax$(x/\tau)$")
    right.plot(taus, test_ece, color=COLORS["model"], lw=1.6)
    for tau, style, label in ((1.0, ":", r"$\tau$ = 1 (as trained)"),
                              (tau_star, "--", rf"$\tau^*$ = {tau_star:.2f}")):
        right.axvline(tau, color=COLORS["neutral"], ls=style, lw=1, label=label)
    right.set(xscale="log", xlabel=r"temperature $\tau$", ylabel="ECE (15 bins)",
              title="test ECE", ylim=(0, None))
    right.legend(fontsize=8)
    ticks = [t for t in (0.25, 0.5, 1.0, 2.0, 4.0) if taus.min() <= t <= taus.max()]
    for ax in (left, right):
        ax.title.set_fontsize(10)
        _plain_log_axis(ax.xaxis, ticks)
    return figure


def temperature_explorer(
    logits: np.ndarray,
    labels: np.ndarray,
    *,
    tau_star: float | None = None,
    n_bins: int = 15,
    limits: tuple[float, float] = (0.25, 4.0),
) -> Explorer:
    r"""A slider over the temperature :math:`\tau`: the reliability diagram of
    :math:`\operatorname{softmax}(x/\tau)` for ``logits`` ``(N, C)`` and ``labels`` redraws,
    and markers move along the ECE and the NLL as functions of :math:`\tau` (computed once on
    a grid over ``limits``); ``tau_star``, if given, is marked. The readout gives ECE, NLL and
    the accuracy, which no :math:`\tau > 0` changes."""
    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels)
    accuracy = float(np.mean(logits.argmax(axis=1) == labels))

    def at(tau: float) -> tuple[calibration.ReliabilityBins, float, float]:
        probs = losses.softmax(logits / tau, axis=1)
        bins = calibration.reliability_bins(probs, labels, n_bins)
        filled = bins.counts > 0
        ece = float(np.sum(bins.weights[filled] * np.abs(bins.gaps[filled])))
        nll = float(losses.cross_entropy(logits / tau, labels))
        return bins, ece, nll

    grid = np.geomspace(*limits, 121)
    curves = np.array([at(tau)[1:] for tau in grid])

    def build(figure: Figure):
        ax_bins, ax_curves = figure.subplots(1, 2, width_ratios=(1, 1.25))
        bars = _reliability_bars(ax_bins, n_bins, animated=True)
        ax_bins.legend(fontsize=7, loc="upper left", frameon=False)
        title = ax_bins.set_title("", fontsize=9, animated=True)
        ax_nll = ax_curves.twinx()
        handles = ax_curves.plot(grid, curves[:, 0], color=COLORS["model"], lw=1.5, label="ECE")
        handles += ax_nll.plot(grid, curves[:, 1], color=COLORS["reference"], lw=1.5, label="NLL")
        (ece_marker,) = ax_curves.plot([], [], "o", color=COLORS["model"], ms=7, animated=True)
        (nll_marker,) = ax_nll.plot([], [], "o", color=COLORS["reference"], ms=7, animated=True)
        cursor = ax_curves.axvline(1.0, color=COLORS["neutral"], lw=0.8, ls=":", animated=True)
        if tau_star is not None:
            handles.append(ax_curves.axvline(tau_star, color="black", lw=1, ls="--",
                                             label=rf"$\tau^*$ = {tau_star:.2f}"))
        ax_curves.set(xscale="log", xlabel=r"temperature $\tau$", ylim=(0, None),
                      xlim=limits, title="test ECE and NLL")
        _plain_log_axis(ax_curves.xaxis, [0.25, 0.5, 1.0, 2.0, 4.0])
        ax_curves.set_ylabel("ECE (15 bins)", color=COLORS["model"])
        ax_nll.set_ylabel("NLL [nats]", color=COLORS["reference"])
        ax_curves.title.set_fontsize(9)
        ax_curves.legend(handles=handles, fontsize=8, loc="upper center")

        def update(tau: float) -> str:
            bins, ece, nll = at(tau)
            _set_bars(bars, bins)
            title.set_text(rf"softmax$(x/\tau)$, $\tau$ = {tau:.2f}")
            ece_marker.set_data([tau], [ece])
            nll_marker.set_data([tau], [nll])
            cursor.set_xdata([tau, tau])
            return (f"τ = {tau:.2f}: ECE {ece:.3f}, NLL {nll:.4f}, accuracy {accuracy:.3f} "
                    "(the same at every τ > 0)")

        return update

    controls = {
        "tau": ipywidgets.FloatLogSlider(value=1.0, base=10, min=math.log10(limits[0]),
                                         max=math.log10(limits[1]), step=0.01,
                                         description="τ", readout_format=".2f"),
    }
    return Explorer("Temperature scaling", controls, build, figsize=(9.6, 3.5))


# --------------------------------------------------------------------------------------------
# exercises
# --------------------------------------------------------------------------------------------

#: Exercise 10.1's six predictions (C = 3) and their true classes.
SIX_PREDICTIONS = (
    np.array([
        [0.95, 0.03, 0.02],
        [0.90, 0.05, 0.05],
        [0.85, 0.10, 0.05],
        [0.65, 0.25, 0.10],
        [0.55, 0.30, 0.15],
        [0.45, 0.35, 0.20],
    ]),
    np.array([0, 0, 1, 0, 2, 0]),
)


def check_six_predictions_ece(answer: Any) -> Feedback:
    r"""Exercise 10.1: the ECE of :data:`SIX_PREDICTIONS` with 5 bins of width 0.2,
    :math:`\sum_m \frac{|B_m|}{N}\,|\operatorname{acc}(B_m) - \operatorname{conf}(B_m)|`."""
    probs, labels = SIX_PREDICTIONS
    expected = calibration.expected_calibration_error(probs, labels, n_bins=5)
    bins = calibration.reliability_bins(probs, labels, n_bins=5)
    unweighted = float(np.mean(np.abs(bins.gaps[bins.counts > 0])))
    return check_number(
        "Exercise 10.1", answer, expected,
        mistakes=[(unweighted, "That is the plain mean of the bins' gaps.",
                   "Weight each bin's |accuracy − confidence| by its share of the predictions, "
                   "|B_m|/N.")],
        hint="confidence = the largest probability of a row; bins (0.4, 0.6], (0.6, 0.8], "
        "(0.8, 1]; per bin |accuracy − mean confidence|, weighted by the bin's share of the six.",
    )


#: Exercise 10.2: four samples with the same logits (0, 2), three of them labelled 1.
FOUR_SAMPLES = (np.tile([0.0, 2.0], (4, 1)), np.array([1, 1, 1, 0]))


def check_four_samples_temperature(answer: Any) -> Feedback:
    r"""Exercise 10.2: the :math:`\tau` that minimises the mean NLL of :data:`FOUR_SAMPLES`
    under :math:`\operatorname{softmax}(x/\tau)`: :math:`2/\log 3`."""
    expected = calibration.fit_temperature(*FOUR_SAMPLES)
    return check_number(
        "Exercise 10.2", answer, expected,
        mistakes=[
            (1 / expected, "That is 1/τ, the factor that multiplies the logits.",
             "softmax(x/τ) divides the logits by τ: solve 2/τ = log 3 for τ."),
            (2 / math.log2(3), "That uses log base 2; softmax uses e.",
             "Solve e^(2/τ) = 3 with the natural log: 2/τ = log 3."),
        ],
        hint="all four samples get the same softmax(x/τ); the NLL is smallest when it gives "
        "class 1 the share of the labels that are 1 (notebook 3: the best constant model), "
        "so solve 1/(1 + e^(−2/τ)) = 3/4.",
    )


#: Exercise 10.3: six samples' logits (C = 3) and their labels.
SIX_LOGITS = (
    np.array([
        [2.0, 0.5, -1.0],
        [0.1, 1.5, 0.3],
        [-0.5, 0.2, 2.2],
        [1.0, 1.2, -2.0],
        [0.0, -1.0, 0.8],
        [3.0, 2.5, 0.0],
    ]),
    np.array([0, 1, 2, 0, 1, 1]),
)


def _accuracy_at(tau: float) -> float:
    logits, labels = SIX_LOGITS
    return float(np.mean(losses.softmax(logits / tau, axis=1).argmax(axis=1) == labels))


def check_accuracy_at_two_temperatures(answer: Any) -> Feedback:
    r"""Exercise 10.3: the accuracy of :math:`\operatorname{softmax}(x/\tau)` on
    :data:`SIX_LOGITS` at :math:`\tau = 3` and at :math:`\tau = -1`, as two numbers."""
    expected = np.array([_accuracy_at(3.0), _accuracy_at(-1.0)])
    same = _accuracy_at(1.0)
    return check_array(
        "Exercise 10.3", answer, expected, rtol=1e-3, atol=1e-3,
        mistakes=[
            (np.array([same, same]),
             "Right for τ = 3, but τ = −1 is not a temperature scaling: dividing by a negative "
             "number reverses the order of the logits.",
             "At τ = −1 the largest probability goes to the smallest logit: count how often "
             "the argmin is the label."),
        ],
        hint="for each τ, take the argmax of softmax(x/τ) per row (dim=1) and compare it with "
        "the labels; dividing by τ > 0 keeps the order of the logits, τ < 0 reverses it.",
    )
