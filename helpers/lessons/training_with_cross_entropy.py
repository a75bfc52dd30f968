"""Figures, explorers and exercise checks of ``notebooks/09_training_with_cross_entropy.ipynb``.

Lesson 9 · Training with cross-entropy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from helpers import calibration, info, losses
from helpers.explorer import Explorer
from helpers.feedback import (
    Feedback,
    check_array,
    check_function,
    check_number,
)
from helpers.figures import COLORS, new_figure

#: One colour per class of notebook 9's three-class data (blue, red, yellow-green).
CLASS_COLORS = ("#1f77b4", "#d62728", "#2ca02c")
#: Hard targets in the model colour; label-smoothed ones in the reference colour.
SMOOTHING_COLORS = {"hard": COLORS["model"], "smoothed": COLORS["reference"]}


def run_label(model: str, epsilon: float) -> str:
    r"""``"MLP, ε = 0.1"``: the name of a training run, as the figures print it."""
    return f"{model}, $\\varepsilon$ = {epsilon:g}"


def _smoothing_color(epsilon: float) -> str:
    return SMOOTHING_COLORS["hard" if epsilon == 0 else "smoothed"]


def confidence_image(probabilities: np.ndarray) -> np.ndarray:
    r"""RGBA image (``uint8``, shape ``(H, W, 4)``, opaque) of class probabilities of shape
    ``(H, W, K)``: the colour of the predicted class :math:`\arg\max_k p_k`, blended with
    white by the certainty :math:`s = 1 - H(p) / \log K` (white: uniform, :math:`s = 0`; full
    colour: one-hot, :math:`s = 1`). Entropy rather than :math:`\max_k p_k` separates 0.93 from
    0.999, the difference between a label-smoothed and a hard-target model. Bytes rather than
    floats, because matplotlib draws them several times faster (explorers swap these images)."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    num_classes = probabilities.shape[-1]
    palette = np.array([_hex_rgb(CLASS_COLORS[k % len(CLASS_COLORS)]) for k in range(num_classes)])
    strength = 1 - info.entropy(probabilities) / np.log(num_classes)
    color = palette[probabilities.argmax(axis=-1)]
    rgb = np.clip(1 - strength[..., None] * (1 - color), 0.0, 1.0)
    alpha = np.ones((*rgb.shape[:-1], 1))
    return np.round(255 * np.concatenate([rgb, alpha], axis=-1)).astype(np.uint8)


def _hex_rgb(color: str) -> tuple[float, float, float]:
    return tuple(int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


def decision_regions_axes(
    ax: Axes,
    probabilities: np.ndarray,
    extent: tuple[float, float, float, float],
    points: np.ndarray,
    labels: np.ndarray,
    *,
    animated: bool = False,
):
    """Draw :func:`confidence_image` of a probability grid ``(H, W, K)`` over ``extent``
    ``(x0, x1, y0, y1)`` and the labelled points on top (small dots, one colour per class);
    return the image artist (``set_data`` swaps it). With ``animated=True`` the points are
    animated too, so that a blitted redraw paints them over the new image."""
    image = ax.imshow(confidence_image(probabilities), extent=extent, origin="lower",
                      interpolation="nearest", animated=animated, zorder=0)
    for k in np.unique(labels):
        chosen = points[labels == k]
        ax.scatter(chosen[:, 0], chosen[:, 1], s=7, color=CLASS_COLORS[int(k) % 3],
                   edgecolors="black", linewidths=0.4, zorder=2, animated=animated)
    ax.set(xlim=extent[:2], ylim=extent[2:], aspect="equal", xticks=[], yticks=[])
    ax.grid(False)
    return image


def training_curves_figure(
    train_losses: dict[tuple[str, float], np.ndarray],
    checkpoint_steps: np.ndarray,
    test_losses: dict[tuple[str, float], np.ndarray],
    *,
    smoothed_floor: float | None = None,
) -> Figure:
    r"""Left: the training objective at every step, one line per run ``(model, ε)`` (solid MLP,
    dashed linear; orange hard, purple smoothed), with the floor :math:`H(q')` of the smoothed
    loss dotted. Right: the plain (unsmoothed) cross-entropy on the test set at the checkpoints."""
    figure, (left, right) = new_figure(2, figsize=(9.0, 3.4))
    for (model, epsilon), values in train_losses.items():
        style = "-" if model == "MLP" else "--"
        left.plot(np.arange(len(values)), values, style, color=_smoothing_color(epsilon),
                  lw=1.4, label=run_label(model, epsilon))
        right.plot(checkpoint_steps, test_losses[(model, epsilon)], style,
                   color=_smoothing_color(epsilon), lw=1.4, label=run_label(model, epsilon))
    if smoothed_floor is not None:
        left.axhline(smoothed_floor, color=COLORS["neutral"], ls=":", lw=1)
        left.annotate(f"floor of the smoothed loss H(q') = {smoothed_floor:.3f}",
                      (0.98, smoothed_floor), xycoords=("axes fraction", "data"),
                      xytext=(0, 4), textcoords="offset points", ha="right", fontsize=8,
                      color=COLORS["neutral"])
    left.set(xlabel="step", ylabel="loss [nats]", title="training objective (train set)",
             ylim=(0, None))
    right.set(xlabel="step", ylabel="cross-entropy [nats]", ylim=(0, None),
              title=r"test cross-entropy, $\varepsilon = 0$ for all")
    left.legend(fontsize=8)
    return figure


def decision_regions_figure(
    probabilities: dict[str, np.ndarray],
    extent: tuple[float, float, float, float],
    points: np.ndarray,
    labels: np.ndarray,
) -> Figure:
    """One panel per entry ``title → probability grid (H, W, K)``: the predicted class (colour)
    and its confidence (saturation; white = uniform) over ``extent``, with the labelled points."""
    figure, axes = new_figure(len(probabilities), figsize=(2.6 * len(probabilities), 2.9))
    for ax, (title, grid) in zip(axes, probabilities.items(), strict=True):
        decision_regions_axes(ax, grid, extent, points, labels)
        ax.set_title(title, fontsize=9)
    return figure


def reliability_axes(ax: Axes, probs: np.ndarray, labels: np.ndarray, n_bins: int = 15) -> float:
    r"""A reliability diagram on ``ax``: per confidence bin (of
    :func:`helpers.calibration.reliability_bins`), the accuracy as a green bar and the gap
    between accuracy and mean confidence as a red (over-confident: accuracy below confidence)
    or blue (under-confident) box; the dotted diagonal is perfect calibration. Empty bins are
    left out. Returns the ECE, which is also written in the panel."""
    bins = calibration.reliability_bins(probs, labels, n_bins)
    filled = bins.counts > 0
    left_edges = bins.edges[:-1][filled]
    width = 1 / n_bins
    accuracy = bins.accuracy[filled]
    confidence = bins.confidence[filled]
    ax.bar(left_edges, accuracy, width=width, align="edge", color=COLORS["target"],
           edgecolor="white", lw=0.5, label="accuracy")
    for over, color, label in ((True, "#e41a1c", "over-confident gap"),
                               (False, "#377eb8", "under-confident gap")):
        chosen = (accuracy < confidence) == over
        low = np.minimum(accuracy, confidence)[chosen]
        ax.bar(left_edges[chosen], np.abs(confidence - accuracy)[chosen], bottom=low,
               width=width, align="edge", color=color, alpha=0.55, lw=0, label=label)
    ax.plot([0, 1], [0, 1], ":", color=COLORS["neutral"], lw=1)
    ece = calibration.expected_calibration_error(probs, labels, n_bins)
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="confidence", ylabel="accuracy")
    ax.text(0.04, 0.95, f"ECE = {ece:.3f}", transform=ax.transAxes, fontsize=9, va="top")
    return ece


def reliability_figure(
    probs: dict[str, np.ndarray], labels: np.ndarray, n_bins: int = 15
) -> Figure:
    """One reliability diagram per entry ``title → probabilities (N, K)`` (see
    :func:`reliability_axes`), the ECE in each panel."""
    figure, axes = new_figure(len(probs), figsize=(2.6 * len(probs), 2.9))
    for ax, (title, p) in zip(axes, probs.items(), strict=True):
        reliability_axes(ax, p, labels, n_bins)
        ax.set_title(title, fontsize=9)
        if ax is not axes[0]:
            ax.set_ylabel("")
    axes[0].legend(fontsize=7, loc="upper left", bbox_to_anchor=(0.0, 0.87), frameon=False)
    return figure


def logit_gap_figure(
    gaps: dict[tuple[str, float], np.ndarray],
    bound: float,
    *,
    limits: tuple[float, float] = (-8.0, 24.0),
) -> Figure:
    r"""Histograms of the gaps :math:`z_y - z_k` (true-class logit minus each other logit), one
    panel per model, hard and smoothed overlaid, the optimal gap
    :math:`g^* = \log\frac{1-\varepsilon+\varepsilon/K}{\varepsilon/K}` of the smoothed loss as
    a dashed line. Gaps beyond ``limits`` are counted in the legend, not drawn."""
    models = list(dict.fromkeys(model for model, _ in gaps))
    figure, axes = new_figure(len(models), figsize=(4.5 * len(models), 3.2))
    edges = np.linspace(*limits, 65)
    for ax, model in zip(axes, models, strict=True):
        for (name, epsilon), values in gaps.items():
            if name != model:
                continue
            beyond = int(np.sum((values < limits[0]) | (values > limits[1])))
            label = run_label(name, epsilon) + (f" ({beyond} beyond the axis)" if beyond else "")
            shown = values[(values >= limits[0]) & (values <= limits[1])]
            ax.hist(shown, bins=edges, histtype="stepfilled", alpha=0.45,
                    color=_smoothing_color(epsilon), label=label)
        ax.axvline(bound, color="black", ls="--", lw=1.2)
        ax.annotate(f"$g^*$ = {bound:.2f}", (bound, 1), xycoords=("data", "axes fraction"),
                    xytext=(-4, -12), textcoords="offset points", fontsize=9, ha="right")
        ax.set(xlabel=r"logit gap $z_y - z_k$, $k \ne y$ (train set)", ylabel="count",
               xlim=limits)
        ax.legend(fontsize=8, loc="upper right")
    return figure


def template_projection_figure(
    projections: dict[str, np.ndarray],
    labels: np.ndarray,
    templates: dict[str, np.ndarray],
) -> Figure:
    """Penultimate-layer activations projected on the plane through the class templates (the
    last layer's weight rows), one panel per entry ``title → (N, 2) coordinates``, dots coloured
    by true class; ``templates[title]`` holds the templates' ``(K, 2)`` coordinates in the same
    plane, drawn as arrows (directions only) from the centre of the points.

    Each panel is centred on the mean of its points and divided by the mean distance between
    its class means, so the panels share one scale whatever the size of the weights: a cluster
    of radius 0.5 is half as wide as the distance between clusters, in either panel."""
    scaled = {}
    for title, points in projections.items():
        means = np.array([points[labels == k].mean(axis=0) for k in np.unique(labels)])
        separation = np.mean([np.linalg.norm(means[j] - means[k])
                              for j in range(len(means)) for k in range(j)])
        scaled[title] = (points - points.mean(axis=0)) / separation
    limit = 1.05 * max(1.4, *(float(np.abs(points).max()) for points in scaled.values()))
    figure, axes = new_figure(len(projections), figsize=(3.9 * len(projections), 3.9))
    for ax, (title, points) in zip(axes, scaled.items(), strict=True):
        for k in np.unique(labels):
            chosen = points[labels == k]
            ax.scatter(chosen[:, 0], chosen[:, 1], s=4, alpha=0.5,
                       color=CLASS_COLORS[int(k) % 3], label=f"class {int(k)}")
        directions = templates[title] - templates[title].mean(axis=0)
        for k, direction in enumerate(directions):
            tip = 1.3 * direction / np.linalg.norm(direction)
            ax.annotate("", xy=tip, xytext=(0, 0),
                        arrowprops={"arrowstyle": "->", "color": CLASS_COLORS[k % 3], "lw": 2})
        ax.set(xlim=(-limit, limit), ylim=(-limit, limit), aspect="equal", title=title,
               xlabel="unit: mean distance between class means")
        ax.title.set_fontsize(10)
        ax.xaxis.label.set_fontsize(8)
    axes[0].legend(fontsize=8, loc="lower left", markerscale=2)
    return figure


def training_checkpoints_explorer(
    steps: np.ndarray,
    grid_probabilities: Mapping[tuple[str, float], np.ndarray],
    test_ece: Mapping[tuple[str, float], np.ndarray],
    test_accuracy: Mapping[tuple[str, float], np.ndarray],
    extent: tuple[float, float, float, float],
    points: np.ndarray,
    labels: np.ndarray,
) -> Explorer:
    r"""Training replayed from stored checkpoints. Choose a model and a step: the decision
    regions of its hard-target run (:math:`\varepsilon = 0`) and of its label-smoothed run
    redraw side by side (:func:`helpers.confidence_image`), and a marker moves along the
    test ECE of both runs.

    Runs are keyed ``(model, ε)``; every model needs the same two values of ε (the smaller one
    is drawn as "hard"). ``grid_probabilities[run]`` has shape ``(C, H, W, K)``: the class
    probabilities on an ``H × W`` grid over ``extent = (x0, x1, y0, y1)`` at each of the ``C``
    checkpoint ``steps``; ``test_ece[run]`` and ``test_accuracy[run]`` hold one number per
    checkpoint. Moving a control trains and evaluates nothing: it swaps the images and moves
    the markers.
    """
    steps = np.asarray(steps)
    models = list(dict.fromkeys(model for model, _ in grid_probabilities))
    epsilons = sorted({float(epsilon) for _, epsilon in grid_probabilities})
    if len(epsilons) != 2 or any(
        (model, epsilon) not in grid_probabilities for model in models for epsilon in epsilons
    ):
        raise ValueError("every model needs exactly the same two values of ε (hard and smoothed)")
    pair = {"hard": epsilons[0], "smoothed": epsilons[1]}
    top = 1.1 * max(float(np.max(values)) for values in test_ece.values())

    def build(figure: Figure):
        ax_hard, ax_smoothed, ax_ece = figure.subplots(1, 3, width_ratios=(1, 1, 1.3))
        images, titles, curves, markers = {}, {}, {}, {}
        for kind, ax in (("hard", ax_hard), ("smoothed", ax_smoothed)):
            run = (models[0], pair[kind])
            images[kind] = decision_regions_axes(
                ax, grid_probabilities[run][0], extent, points, labels, animated=True
            )
            titles[kind] = ax.set_title("", fontsize=9, animated=True)
            color = SMOOTHING_COLORS[kind]
            (curves[kind],) = ax_ece.plot(steps, np.zeros(steps.size), color=color, lw=1.5,
                                          animated=True, label=rf"$\varepsilon$ = {pair[kind]:g}")
            (markers[kind],) = ax_ece.plot([], [], "o", color=color, ms=7, animated=True)
        cursor = ax_ece.axvline(0, color=COLORS["neutral"], lw=0.8, ls=":", animated=True)
        ax_ece.set(xlim=(steps[0], steps[-1]), ylim=(0, top), xlabel="step",
                   ylabel="ECE (test, 15 bins)", title="calibration error during training")
        ax_ece.title.set_fontsize(9)
        ax_ece.legend(fontsize=8, loc="upper left")

        def update(model: str, step: int) -> str:
            index = int(np.searchsorted(steps, step))
            parts = []
            for kind in ("hard", "smoothed"):
                run = (model, pair[kind])
                images[kind].set_data(confidence_image(grid_probabilities[run][index]))
                titles[kind].set_text(f"{run_label(model, pair[kind])}, step {step}")
                curves[kind].set_ydata(test_ece[run])
                ece, accuracy = float(test_ece[run][index]), float(test_accuracy[run][index])
                markers[kind].set_data([step], [ece])
                parts.append(f"ε = {pair[kind]:g}: test accuracy {accuracy:.3f}, ECE {ece:.3f}")
            cursor.set_xdata([step, step])
            return f"{model}, step {step}: " + "; ".join(parts)

        return update

    controls = {
        "model": ipywidgets.Dropdown(options=models, value=models[-1], description="model",
                                  layout={"width": "180px"}),
        "step": ipywidgets.SelectionSlider(options=[int(s) for s in steps], value=int(steps[-1]),
                                        description="step"),
    }
    return Explorer("Training, checkpoint by checkpoint", controls, build, figsize=(9.6, 3.3))


#: Exercise 9.1's batch: logits, targets and ε.
SMOOTHED_GRADIENT_CASE = (np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]), np.array([1, 2]), 0.2)


def check_smoothed_gradient(answer: Any) -> Feedback:
    r"""Exercise 9.1: the gradient, with respect to the logits, of the mean label-smoothed
    cross-entropy of :data:`SMOOTHED_GRADIENT_CASE`:
    :math:`(\operatorname{softmax}(z) - q') / N`, :math:`q' = (1-\varepsilon)\,\mathrm{onehot}(y)
    + \varepsilon/K`."""
    logits, target, epsilon = SMOOTHED_GRADIENT_CASE
    expected = losses.cross_entropy_grad(logits, target, label_smoothing=epsilon)
    mistakes = [
        (losses.cross_entropy_grad(logits, target),
         "That is the gradient for the hard targets (ε = 0).",
         "Subtract the smoothed target q' = (1 − ε)·onehot(y) + ε/K, not the one-hot."),
        (len(target) * expected, "That is the gradient of the sum, N = 2 times too large.",
         "The default reduction is 'mean': divide by N."),
    ]
    return check_array(
        "Exercise 9.1", answer, expected, rtol=1e-3, atol=1e-4, mistakes=mistakes,
        hint="softmax each row, subtract q' = (1 − ε)·onehot(y) + ε/K, divide by N.",
    )


#: Exercise 9.2's six predictions (K = 3) and their true classes.
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
    r"""Exercise 9.2: the ECE of :data:`SIX_PREDICTIONS` with 5 bins of width 0.2,
    :math:`\sum_m \frac{|B_m|}{N}\,|\operatorname{acc}(B_m) - \operatorname{conf}(B_m)|`."""
    probs, labels = SIX_PREDICTIONS
    expected = calibration.expected_calibration_error(probs, labels, n_bins=5)
    bins = calibration.reliability_bins(probs, labels, n_bins=5)
    unweighted = float(np.mean(np.abs(bins.gaps[bins.counts > 0])))
    return check_number(
        "Exercise 9.2", answer, expected,
        mistakes=[(unweighted, "That is the plain mean of the bins' gaps.",
                   "Weight each bin's |accuracy − confidence| by its share of the predictions, "
                   "|B_m|/N.")],
        hint="confidence = the largest probability of a row; bins (0.4, 0.6], (0.6, 0.8], "
        "(0.8, 1]; per bin |accuracy − mean confidence|, weighted by the bin's share of the six.",
    )


def _ece_cases() -> list[tuple[np.ndarray, np.ndarray, int]]:
    rng = np.random.default_rng(9)
    cases = []
    for n, k, n_bins, scale in ((50, 3, 15, 2.0), (200, 5, 10, 4.0), (30, 2, 1, 1.0)):
        logits = scale * rng.normal(size=(n, k))
        cases.append((losses.softmax(logits, axis=1), rng.integers(0, k, size=n), n_bins))
    probs, labels = SIX_PREDICTIONS
    cases.append((probs, labels, 5))
    one_hot = np.eye(3)[[0, 1, 2, 0]]
    cases.append((one_hot, np.array([0, 1, 0, 0]), 15))  # confidence exactly 1: the last bin
    return cases


def check_ece_function(function: Any) -> Feedback:
    """Exercise 9.3: ``function(probs, labels, n_bins)`` returns the expected calibration error
    with ``n_bins`` equal-width bins, as :func:`helpers.calibration.expected_calibration_error`."""
    return check_function(
        "Exercise 9.3", function, calibration.expected_calibration_error, _ece_cases(),
        rtol=1e-9, atol=1e-12,
        hint="confidence = probs.max(axis=1), correct = probs.argmax(axis=1) == labels; bin "
        "m = 1..M holds ((m−1)/M, m/M]; sum over non-empty bins of (count/N)·|mean(correct) − "
        "mean(confidence)|.",
    )
