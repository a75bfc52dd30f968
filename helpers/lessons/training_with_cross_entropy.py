"""Figures, explorers and exercise checks of ``notebooks/09_training_with_cross_entropy.ipynb``.

Lesson 9 · Training with cross-entropy. Notation: ``x`` the logits, ``a`` an input point, ``y``
the class index, ``p`` the target distribution, ``q = softmax(x)``, ``C`` classes, ``N`` samples,
``ε`` label smoothing. A training *run* is keyed ``(model, ε)``, ``model`` ``"linear"`` or
``"mlp"`` as :func:`helpers.toy.model` names them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from helpers import info, losses
from helpers.explorer import Explorer
from helpers.feedback import Feedback, check_array
from helpers.figures import COLORS, new_figure

#: One colour per class of the three blobs (blue, red, green).
CLASS_COLORS = ("#1f77b4", "#d62728", "#2ca02c")

Run = tuple[str, float]


def run_name(model: str, epsilon: float, *, mathtext: bool = False) -> str:
    r"""The name of a training run: ``"linear"``, ``"MLP"``, ``"MLP, ε = 0.1"`` (with
    ``mathtext=True``, ``"MLP, $\varepsilon$ = 0.1"``, as the figures print it)."""
    name = "MLP" if model == "mlp" else model
    if epsilon == 0:
        return name
    symbol = r"$\varepsilon$" if mathtext else "ε"
    return f"{name}, {symbol} = {epsilon:g}"


def run_color(run: Run) -> str:
    """The colour of a run in every figure: linear grey, MLP orange, a smoothed run purple."""
    model, epsilon = run
    if epsilon != 0:
        return COLORS["reference"]
    return COLORS["model"] if model == "mlp" else COLORS["neutral"]


def confidence_image(probabilities: np.ndarray) -> np.ndarray:
    r"""RGBA image (``uint8``, shape ``(H, W, 4)``, opaque) of class probabilities of shape
    ``(H, W, C)``: the colour of the predicted class :math:`\arg\max_c q_c`, blended with
    white by the certainty :math:`s = 1 - H(q) / \log C` (white: uniform, :math:`s = 0`; full
    colour: one-hot, :math:`s = 1`). Entropy rather than :math:`\max_c q_c` separates 0.93 from
    0.999, the difference between a label-smoothed and a hard-target model. Bytes rather than
    floats, because matplotlib draws them several times faster (the explorer swaps these images)."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    num_classes = probabilities.shape[-1]
    palette = np.array([_hex_rgb(CLASS_COLORS[c % len(CLASS_COLORS)]) for c in range(num_classes)])
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
    """Draw :func:`confidence_image` of a probability grid ``(H, W, C)`` over ``extent``
    ``(x0, x1, y0, y1)`` and the labelled points on top (small dots, one colour per class);
    return the image artist (``set_data`` swaps it). With ``animated=True`` the points are
    animated too, so that a blitted redraw paints them over the new image."""
    image = ax.imshow(confidence_image(probabilities), extent=extent, origin="lower",
                      interpolation="nearest", animated=animated, zorder=0)
    for c in np.unique(labels):
        chosen = points[labels == c]
        ax.scatter(chosen[:, 0], chosen[:, 1], s=7, color=CLASS_COLORS[int(c) % 3],
                   edgecolors="black", linewidths=0.4, zorder=2, animated=animated)
    ax.set(xlim=extent[:2], ylim=extent[2:], aspect="equal", xticks=[], yticks=[])
    ax.grid(False)
    return image


def _curves_axes(
    ax_objective: Axes,
    ax_test: Axes,
    objectives: Mapping[Run, np.ndarray],
    steps: np.ndarray,
    test_losses: Mapping[Run, np.ndarray],
    best: float | None,
) -> None:
    """The training objective at every step on one axes, the test cross-entropy at the
    checkpoint ``steps`` on the other (the same axes may be given twice), one colour per run."""
    same = ax_objective is ax_test
    for run, values in objectives.items():
        label = run_name(*run, mathtext=True)
        smoothed = " (smoothed $p$)" if run[1] != 0 else ""  # another function than the others
        ax_objective.plot(np.arange(len(values)), values, "--" if same else "-",
                          color=run_color(run), lw=1.2,
                          label=f"{label}, objective" if same else label + smoothed)
        ax_test.plot(steps, test_losses[run], "-", color=run_color(run), lw=1.6,
                     label=f"{label}, test" if same else label)
    if best is not None:
        ax_test.axhline(best, color="black", ls=":", lw=1, label="Bayes posterior, test")


def training_curves_figure(
    objectives: Mapping[Run, np.ndarray],
    checkpoint_steps: np.ndarray,
    test_losses: Mapping[Run, np.ndarray],
    *,
    best: float | None = None,
) -> Figure:
    r"""Left: the training objective of each run at every step (the loss it minimised, against
    the smoothed :math:`p` for :math:`\varepsilon > 0`, which its legend says). Right: the plain
    cross-entropy :math:`-\frac1N\sum_n \log q_{n,y_n}` on the test set at the checkpoints, and
    ``best`` (the Bayes posterior's) dotted."""
    figure, (left, right) = new_figure(2, figsize=(9.0, 3.4))
    _curves_axes(left, right, objectives, np.asarray(checkpoint_steps), test_losses, best)
    left.set(xlabel="step", ylabel="loss [nats]", title="training objective (train set)",
             ylim=(0, None))
    right.set(xlabel="step", ylabel="cross-entropy [nats]", ylim=(0, None),
              title=r"test cross-entropy, $\varepsilon = 0$ for all")
    left.legend(fontsize=8)
    right.legend(fontsize=8, loc="lower right")
    return figure


def decision_regions_figure(
    probabilities: Mapping[str, np.ndarray],
    extent: tuple[float, float, float, float],
    points: np.ndarray,
    labels: np.ndarray,
) -> Figure:
    """One panel per entry ``title → probability grid (H, W, C)``: the predicted class (colour)
    and its certainty (saturation; white = uniform) over ``extent``, with the labelled points."""
    figure, axes = new_figure(len(probabilities), figsize=(2.6 * len(probabilities), 2.9))
    for ax, (title, grid) in zip(axes, probabilities.items(), strict=True):
        decision_regions_axes(ax, grid, extent, points, labels)
        ax.set_title(title, fontsize=9)
    return figure


#: What :func:`gradient_figure` draws, by key: the panel's title and whether its axis is log.
GRADIENT_MEASURES = {
    "gradient": (r"$\|\partial L / \partial \theta\|$, all parameters", True),
    "error": (r"mean of $\|q_n - p_n\|$ over the training points", False),
    "margin": (r"mean margin $x_{n,y_n} - \max_{c \neq y_n} x_{n,c}$", False),
}


def gradient_figure(
    checkpoint_steps: np.ndarray, measures: Mapping[Run, Mapping[str, np.ndarray]]
) -> Figure:
    r"""Three measures of each run at its checkpoints, one panel each (:data:`GRADIENT_MEASURES`):
    the size of the gradient of the training objective with respect to all parameters
    :math:`\theta` (log scale), the mean size of each training point's error
    :math:`q_n - p_n` (the gradient with respect to its logits, times ``N``), and the mean
    margin by which the true class's logit leads the largest other logit."""
    figure, axes = new_figure(len(GRADIENT_MEASURES), figsize=(11.0, 3.2))
    steps = np.asarray(checkpoint_steps)
    for ax, (key, (title, log)) in zip(axes, GRADIENT_MEASURES.items(), strict=True):
        for run, values in measures.items():
            ax.plot(steps, values[key], "o-", ms=3, color=run_color(run), lw=1.4,
                    label=run_name(*run, mathtext=True))
        ax.set(xlabel="step", title=title, yscale="log" if log else "linear")
        ax.title.set_fontsize(9)
    axes[0].legend(fontsize=8)
    return figure


def training_checkpoints_explorer(
    steps: np.ndarray,
    grid_probabilities: Mapping[Run, np.ndarray],
    objectives: Mapping[Run, np.ndarray],
    test_losses: Mapping[Run, np.ndarray],
    extent: tuple[float, float, float, float],
    points: np.ndarray,
    labels: np.ndarray,
) -> Explorer:
    r"""Training replayed from stored checkpoints. Move the step: the decision regions of every
    run redraw side by side (:func:`confidence_image`), and markers move along each run's
    training objective (dashed) and test cross-entropy (solid).

    ``grid_probabilities[run]`` has shape ``(S, H, W, C)``: the class probabilities on an
    ``H × W`` grid over ``extent = (x0, x1, y0, y1)`` at each of the ``S`` checkpoint ``steps``;
    ``objectives[run]`` holds the objective at every training step (at least ``steps[-1]``
    values; the last checkpoint, after the last step, reads the last one) and
    ``test_losses[run]`` one test cross-entropy per checkpoint. Moving the slider trains and
    evaluates nothing: it swaps the images and moves the markers.
    """
    steps = np.asarray(steps)
    runs = list(grid_probabilities)
    for run in runs:
        if grid_probabilities[run].shape[0] != steps.size or len(test_losses[run]) != steps.size:
            raise ValueError(f"run {run}: one grid and one test loss per checkpoint step needed")
        if len(objectives[run]) < steps[-1]:
            raise ValueError(f"run {run}: the objective needs at least {steps[-1]} steps")

    def objective_at(run: Run, index: int) -> float:
        values = objectives[run]
        return float(values[min(int(steps[index]), len(values) - 1)])

    def build(figure: Figure):
        axes = figure.subplots(1, len(runs) + 1, width_ratios=(1,) * len(runs) + (1.5,))
        images, markers = {}, {}
        for ax, run in zip(axes, runs, strict=False):
            images[run] = decision_regions_axes(
                ax, grid_probabilities[run][0], extent, points, labels, animated=True
            )
            ax.set_title(run_name(*run, mathtext=True), fontsize=9)
        curves = axes[-1]
        _curves_axes(curves, curves, objectives, steps, test_losses, None)
        for run in runs:
            (markers[run],) = curves.plot([], [], "o", ms=6, color=run_color(run), animated=True)
        cursor = curves.axvline(0, color=COLORS["neutral"], lw=0.8, ls=":", animated=True)
        curves.set(xlim=(steps[0], steps[-1]), ylim=(0, None), xlabel="step",
                   ylabel="loss [nats]", title="objective (dashed), test cross-entropy")
        curves.title.set_fontsize(9)
        curves.legend(fontsize=6, loc="upper right", ncols=2)

        def update(step: int) -> str:
            index = int(np.searchsorted(steps, step))
            parts = []
            for run in runs:
                images[run].set_data(confidence_image(grid_probabilities[run][index]))
                test = float(test_losses[run][index])
                markers[run].set_data([step, step], [objective_at(run, index), test])
                parts.append(f"{run_name(*run)}: objective {objective_at(run, index):.4f}, "
                             f"test {test:.4f}")
            cursor.set_xdata([step, step])
            return f"step {step}: " + "; ".join(parts)

        return update

    controls = {
        "step": ipywidgets.SelectionSlider(options=[int(s) for s in steps], value=int(steps[-1]),
                                           description="step", layout={"width": "420px"}),
    }
    return Explorer("Training, checkpoint by checkpoint", controls, build, figsize=(11.0, 3.0))


#: Exercise 9.1's batch: logits ``x`` (N, C), class indices ``y`` and ε.
SMOOTHED_GRADIENT_CASE = (np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]), np.array([1, 2]), 0.2)


def check_smoothed_gradient(answer: Any) -> Feedback:
    r"""Exercise 9.1: the gradient, with respect to the logits, of the mean label-smoothed
    cross-entropy of :data:`SMOOTHED_GRADIENT_CASE`: :math:`(q - p) / N`,
    :math:`p = (1-\varepsilon)\,\mathrm{onehot}(y) + \varepsilon/C`."""
    logits, target, epsilon = SMOOTHED_GRADIENT_CASE
    expected = losses.cross_entropy_grad(logits, target, label_smoothing=epsilon)
    mistakes = [
        (losses.cross_entropy_grad(logits, target),
         "That is the gradient for the one-hot targets (ε = 0).",
         "Subtract the smoothed target p = (1 − ε)·onehot(y) + ε/C, not the one-hot."),
        (len(target) * expected, "That is the gradient of the sum, N = 2 times too large.",
         "The default reduction is 'mean': divide by N."),
        (-expected, "The sign is flipped: that is (p − q)/N.",
         "The gradient is model minus target, q − p."),
    ]
    return check_array(
        "Exercise 9.1", answer, expected, rtol=1e-3, atol=1e-4, mistakes=mistakes,
        hint="softmax each row, subtract p = (1 − ε)·onehot(y) + ε/C, divide by N.",
    )


#: Exercise 9.2: a linear model ``x = W a + b`` (W, b), a batch of points ``a`` (N, 2), their
#: classes ``y`` and the learning rate of one plain gradient-descent step.
GRADIENT_STEP_CASE = (
    np.array([[0.5, -1.0], [1.0, 0.0], [0.0, 1.0]]),
    np.zeros(3),
    np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, -1.0]]),
    np.array([2, 0, 1]),
    0.5,
)


def _weight_gradient(weight: np.ndarray, bias: np.ndarray, points: np.ndarray,
                     labels: np.ndarray) -> np.ndarray:
    r""":math:`\partial L / \partial W = \frac1N \sum_n (q_n - p_n)\, a_n^\top` for the mean
    cross-entropy of the linear model :math:`x_n = W a_n + b`."""
    error = losses.cross_entropy_grad(points @ weight.T + bias, labels)  # (q_n - p_n) / N
    return error.T @ points


def check_gradient_step(answer: Any) -> Feedback:
    r"""Exercise 9.2: ``W`` after one step of plain gradient descent on the mean cross-entropy
    of :data:`GRADIENT_STEP_CASE`, :math:`W - \eta\,\frac1N \sum_n (q_n - p_n)\, a_n^\top`."""
    weight, bias, points, labels, rate = GRADIENT_STEP_CASE
    gradient = _weight_gradient(weight, bias, points, labels)
    expected = weight - rate * gradient
    mistakes = [
        (weight + rate * gradient, "That step goes uphill: W + η·gradient.",
         "Gradient descent subtracts: W − η·∂L/∂W."),
        (weight - rate * len(labels) * gradient,
         "That step uses the gradient of the sum, N = 3 times too large.",
         "F.cross_entropy's default reduction is 'mean': divide the sum over the samples by N."),
        (weight - gradient, "That step forgot the learning rate η = 0.5.",
         "Multiply the gradient by η before subtracting it."),
    ]
    return check_array(
        "Exercise 9.2", answer, expected, rtol=1e-3, atol=1e-4, mistakes=mistakes,
        hint="logits x_n = W a_n + b; q_n = softmax(x_n); ∂L/∂W = (1/N) Σ_n (q_n − p_n) a_nᵀ, "
        "a 3×2 array; then W − η·∂L/∂W.",
    )


#: Exercise 9.3: the labels of four samples that share one input (and so one set of logits).
SHARED_INPUT_LABELS = np.array([0, 0, 1, 2])


def check_cancelling_pulls(answer: Any) -> Feedback:
    r"""Exercise 9.3: the distribution :math:`q` at which the mean gradient
    :math:`\frac1N\sum_n (q - \mathrm{onehot}(y_n))` of :data:`SHARED_INPUT_LABELS` vanishes:
    the labels' frequencies."""
    labels = SHARED_INPUT_LABELS
    expected = np.bincount(labels, minlength=3) / labels.size
    mistakes = [
        (np.eye(3)[0], "That is what the two samples of class 0 alone would want.",
         "Each sample pulls q towards its own one-hot target; find where the pulls add up to 0."),
        (np.full(3, 1 / 3),
         "At the uniform q the two samples of class 0 pull harder than the others.",
         "Average the four targets: the mean gradient is q minus that average."),
    ]
    return check_array(
        "Exercise 9.3", answer, expected, rtol=1e-3, atol=1e-4, mistakes=mistakes,
        hint="the mean of q − onehot(y_n) over the four samples is q − (the mean of the one-hot "
        "targets); set it to 0.",
    )
