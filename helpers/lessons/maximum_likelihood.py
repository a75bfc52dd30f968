"""Figures, explorers and exercise checks of ``notebooks/03_maximum_likelihood.ipynb``.

Lesson 3 · Cross-entropy as a loss: maximum likelihood.
"""

from __future__ import annotations

import math
from typing import Any

import ipywidgets
import numpy as np
from matplotlib.figure import Figure

from helpers import calibration, info, losses
from helpers.explorer import Explorer
from helpers.feedback import Feedback, check_array, check_number
from helpers.figures import COLORS, new_figure

#: The losses :func:`loss_and_slope_figure` can draw, and their colours.
LOSS_COLORS = {
    "0-1 loss": COLORS["neutral"],
    "squared error": COLORS["reference"],
    "cross-entropy": COLORS["model"],
}


def squared_error_grad(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    r"""Gradient of the squared error :math:`E_n = \sum_c (q_{n,c} - p_{n,c})^2` with respect to
    the logits, ``q = softmax(x)`` along axis 1 and ``p`` the one-hot labels; shape ``(N, C)``.

    With :math:`\partial q_j / \partial x_c = q_j([j = c] - q_c)`:

    .. math:: \frac{\partial E_n}{\partial x_{n,c}}
              = 2\, q_{n,c} \Big( (q_{n,c} - p_{n,c}) - \sum_j q_{n,j} (q_{n,j} - p_{n,j}) \Big)

    Every entry carries the factor :math:`q_{n,c}`; cross-entropy's gradient is
    :math:`q_{n,c} - p_{n,c}`.
    """
    x = np.asarray(logits, dtype=np.float64)
    q = losses.softmax(x, axis=1)
    p = losses.one_hot(np.asarray(labels), x.shape[1]).astype(np.float64)
    error = q - p
    return 2.0 * q * (error - np.sum(q * error, axis=1, keepdims=True))


def _curves(name: str, logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A loss of the true class 0 and its slope in ``x_0``, for every row of ``logits``."""
    labels = np.zeros(len(logits), dtype=np.int64)
    if name == "0-1 loss":
        wrong = (np.argmax(logits, axis=1) != 0).astype(np.float64)
        return wrong, np.zeros(len(logits))
    if name == "squared error":
        q = losses.softmax(logits, axis=1)
        scores = calibration.brier_score(q, labels, reduction="none")
        return scores, squared_error_grad(logits, labels)[:, 0]
    loss = losses.cross_entropy(logits, labels, reduction="none")
    return loss, losses.cross_entropy_grad(logits, labels, reduction="none")[:, 0]


def loss_and_slope_figure(
    shown: tuple[str, ...] = ("0-1 loss", "cross-entropy"),
    others: tuple[float, ...] = (1.0, 0.0),
) -> Figure:
    r"""Losses of one sample of true class ``y = 0`` as its logit :math:`x_0` moves from -8 to 8,
    the other logits fixed at ``others``; left the losses, right their slopes
    :math:`\partial / \partial x_0`.

    A dotted line marks :math:`x_0 = \max(\text{others})`, where the argmax changes. ``shown``
    picks from :data:`LOSS_COLORS`: the 0-1 loss :math:`[\arg\max_c x_c \ne 0]` (slope 0
    wherever it has one; it jumps at the dotted line, where it has none), the squared error
    :math:`\sum_c (q_c - p_c)^2` (slope :func:`squared_error_grad`) and the cross-entropy
    :math:`-\log q_0` (slope :math:`q_0 - 1`), with :math:`q = \operatorname{softmax}(x)`.
    """
    grid = np.linspace(-8.0, 8.0, 801)
    logits = np.column_stack([grid, np.tile(np.asarray(others, dtype=np.float64), (grid.size, 1))])
    figure, (loss_ax, slope_ax) = new_figure(2, figsize=(9.6, 3.6))
    for name in shown:
        loss, slope = _curves(name, logits)
        color = LOSS_COLORS[name]
        loss_ax.plot(grid, loss, color=color, lw=2, label=name)
        slope_ax.plot(grid, slope, color=color, lw=2, label=name)
    for ax in (loss_ax, slope_ax):  # where the argmax changes: x_y passes the largest other logit
        ax.axvline(max(others), color=COLORS["neutral"], ls=":", lw=1)
    if "0-1 loss" in shown:
        slope_ax.text(-7.8, -0.06, "0-1 loss: slope 0 everywhere,\nnone at the jump (dotted)",
                      va="top", fontsize=8, color=COLORS["neutral"])
    else:
        slope_ax.text(-7.8, -0.2, "dotted: the argmax changes", va="top", fontsize=8,
                      color=COLORS["neutral"])
    slope_ax.axhline(-1.0, color=COLORS["neutral"], ls="--", lw=0.8)
    loss_ax.set(xlabel=r"logit of the true class $x_y$", ylabel="loss",
                ylim=(-0.1, 4.0), title="the loss of one sample (true class y = 0)")
    slope_ax.set(xlabel=r"logit of the true class $x_y$", ylabel=r"slope $\partial/\partial x_y$",
                 ylim=(-1.1, 0.15), title="its gradient: what training follows")
    loss_ax.legend(fontsize=8, loc="upper right")
    slope_ax.legend(fontsize=8, loc="lower right")
    return figure


def binary_expected_scores(p: float, r: np.ndarray) -> dict[str, np.ndarray]:
    r"""Two classes: label 1 with probability ``p``; the report gives class 1 probability ``r``.

    The expected score :math:`\sum_y p_y S(r, y)` of three rules, for every ``r``:

    .. math:: \text{log: } H(p, r), \qquad
              \text{Brier: } 2(r - p)^2 + 2p(1 - p), \qquad
              \text{linear: } -\big(p\,r + (1 - p)(1 - r)\big)
    """
    r = np.asarray(r, dtype=np.float64)
    target = np.broadcast_to(np.array([1.0 - p, p]), (*r.shape, 2))
    reports = np.stack([1.0 - r, r], axis=-1)
    flat = reports.reshape(-1, 2)
    brier = sum(
        target.reshape(-1, 2)[:, c]
        * calibration.brier_score(flat, np.full(len(flat), c), reduction="none")
        for c in range(2)
    )
    return {
        "log score": np.asarray(info.cross_entropy(target, reports)),
        "Brier score": np.asarray(brier).reshape(r.shape),
        "linear score": -(p * r + (1.0 - p) * (1.0 - r)),
    }


def _best_report(rule: str, p: float) -> float | None:
    """Where a rule's expected score is smallest; None where every report ties (linear, p = 1/2)."""
    if rule != "linear score":
        return p
    if math.isclose(p, 0.5):
        return None
    return 1.0 if p > 0.5 else 0.0


def scoring_rule_explorer() -> Explorer:
    r"""Two classes: the label is 1 with probability ``p``, the report ``r`` gives class 1
    probability ``r``. One panel per rule (log, Brier, linear): the expected score over every
    report, its minimum (dot) and the current ``r`` (ring); the dashed line is ``r = p``.
    """
    grid = np.linspace(0.0, 1.0, 401)
    limits = {"log score": (0.0, 3.0), "Brier score": (0.0, 2.0), "linear score": (-1.05, 0.05)}
    rules = tuple(limits)

    def build(figure: Figure):
        axes = figure.subplots(1, 3)
        artists = {}
        for ax, rule in zip(axes, rules, strict=True):
            (curve,) = ax.plot(grid, np.zeros_like(grid), color=COLORS["model"], lw=2,
                               animated=True, label="expected score")
            truth = ax.axvline(0.5, color=COLORS["target"], ls="--", lw=1, animated=True,
                               label="r = p")
            (best,) = ax.plot([], [], "o", color=COLORS["target"], ms=7, animated=True,
                              label="least")
            (now,) = ax.plot([], [], "o", mfc="none", mec=COLORS["model"], mew=2, ms=10,
                             animated=True, label="report r")
            ax.set(xlim=(0, 1), ylim=limits[rule], xlabel="report r = P(class 1)",
                   title=f"expected {rule}")
            artists[rule] = (curve, truth, best, now)
        axes[0].set_ylabel("expected score (lower is better)")
        axes[2].legend(fontsize=8, loc="lower center", ncols=2)

        def update(p: float, r: float) -> str:
            curves = binary_expected_scores(p, grid)
            at_r = binary_expected_scores(p, np.array([r]))
            parts = []
            for rule in rules:
                curve, truth, best, now = artists[rule]
                curve.set_ydata(curves[rule])
                truth.set_xdata([p, p])
                value = float(at_r[rule][0])
                now.set_data([r], [value] if math.isfinite(value) else [])
                where = _best_report(rule, p)
                if where is None:
                    best.set_data([], [])
                    best_text = "every r ties"
                else:
                    least = float(binary_expected_scores(p, np.array([where]))[rule][0])
                    best.set_data([where], [least])
                    best_text = f"least {least:.4f} at r = {where:.2f}"
                parts.append(f"{rule} {value:.4f} ({best_text})")
            return f"p = {p:.2f}, r = {r:.2f}: " + "; ".join(parts)

        return update

    controls = {
        "p": ipywidgets.FloatSlider(value=0.7, min=0.0, max=1.0, step=0.01,
                                    description="true p"),
        "r": ipywidgets.FloatSlider(value=0.4, min=0.0, max=1.0, step=0.01,
                                    description="report r"),
    }
    return Explorer("Expected scores of a report r when the label is 1 with probability p",
                    controls, build, figsize=(10.5, 3.6))


#: Exercise 3.1: a model's predictions for three samples, and their labels.
EXERCISE_PROBS = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])
EXERCISE_LABELS = np.array([0, 1, 0])


def check_mean_nll(answer: Any) -> Feedback:
    r"""Exercise 3.1: the mean negative log-likelihood, in nats, of :data:`EXERCISE_LABELS`
    under :data:`EXERCISE_PROBS`.

    .. math:: -\tfrac13 (\ln 0.7 + \ln 0.8 + \ln 0.3)
    """
    picked = EXERCISE_PROBS[np.arange(3), EXERCISE_LABELS]
    argmax = EXERCISE_PROBS.max(axis=1)
    return check_number(
        "Exercise 3.1", answer, float(-np.log(picked).mean()),
        hint="pick each sample's probability of its own label (q[n, y_n]), take -ln, and average "
        "over the N = 3 samples.",
        mistakes=[
            (float(-np.log(picked).sum()), "{value:.4g} is the sum; the mean divides by N = 3."),
            (float(-np.log10(picked).mean()), "{value:.4g} uses log10; nats need the natural log."),
            (float(np.log(picked).mean()), "{value:.4g} is the mean log-likelihood: the loss is "
             "its negative."),
            (float(np.prod(picked)), "{value:.4g} is the likelihood itself, not the loss."),
            (float(-np.log(argmax).mean()), "{value:.4g} picks each row's largest probability; "
             "the loss picks the probability of the label."),
        ],
    )


#: Exercise 3.2: how often each of three classes occurs in a training set.
EXERCISE_COUNTS = np.array([30, 50, 20])


def check_maximum_likelihood_model(answer: Any) -> Feedback:
    r"""Exercise 3.2: the constant model ``q`` (one distribution for every input) of largest
    likelihood for a training set with class counts :data:`EXERCISE_COUNTS`: the frequencies
    :math:`\hat p_c = N_c / N`."""
    frequencies = EXERCISE_COUNTS / EXERCISE_COUNTS.sum()
    return check_array(
        "Exercise 3.2", answer, frequencies, rtol=1e-3, atol=1e-4,
        hint="the mean NLL of a constant model is H(p̂, q), smallest at q = p̂: divide each "
        "count by the number of samples.",
        mistakes=[
            (np.eye(3)[np.argmax(EXERCISE_COUNTS)], "All on the majority class: a single label "
             "of another class then has probability 0, and the likelihood is 0."),
            (np.full(3, 1 / 3), "The uniform model ignores the counts; it is not the most likely."),
            (EXERCISE_COUNTS.astype(np.float64), "Those are the counts; a distribution sums to 1."),
        ],
    )


#: Exercise 3.3: the logits of one sample whose true class is 0.
EXERCISE_LOGITS = np.array([-3.0, 0.0, 0.0])


def check_squared_error_gradient(answer: Any) -> Feedback:
    r"""Exercise 3.3: :math:`\partial E / \partial x_0` of the squared error
    :math:`E = \sum_c (q_c - p_c)^2`, ``q = softmax(x)``, for :data:`EXERCISE_LOGITS` and the
    true class 0 (see :func:`squared_error_grad`)."""
    x = EXERCISE_LOGITS[None, :]
    q = losses.softmax(x, axis=1)[0]
    expected = float(squared_error_grad(x, np.array([0]))[0, 0])
    return check_number(
        "Exercise 3.3", answer, expected,
        hint="let autograd do it: logits with requires_grad=True, q = softmax, "
        "E = ((q - p) ** 2).sum() with the one-hot p = (1, 0, 0), E.backward(); or use the "
        "closed form 2 q_0 ((q_0 - 1) - sum_j q_j (q_j - p_j)).",
        mistakes=[
            (float(q[0] - 1.0), "{value:.4g} is the cross-entropy's gradient q_0 - 1."),
            (float(2.0 * (q[0] - 1.0)), "{value:.4g} is dE/dq_0; the question asks for the "
             "logit x_0, one step further through the softmax."),
            (-expected, "The sign is flipped: raising x_0 lowers the error."),
        ],
    )
