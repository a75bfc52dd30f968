r"""A small classification problem with a known answer, and the loop that trains on it.

Three classes in the plane, each a Gaussian blob of standard deviation ``SIGMA`` around one of
three ``CENTRES`` on a circle, equally likely. Because the classes overlap, no classifier is
always right; because the blobs share one covariance, the best possible prediction, the Bayes
posterior, is a softmax of *linear* logits:

.. math:: q_c(a) = \operatorname{softmax}(x)_c, \qquad
          x_c = \frac{\mu_c \cdot a}{\sigma^2} - \frac{\lVert \mu_c \rVert^2}{2 \sigma^2}

The lessons on training, calibration and distillation train small torch models on it with
:func:`train_classifier` (full batch, Adam, a cosine-decayed learning rate, float64), the loop
that lesson 9 writes out by hand. Its results are the same on every CPU: with tanh units and a
decaying rate, a relative change of 1e-12 in the initial weights moves the final weights by about
1e-10 (lesson 9 says why this matters for the printed numbers).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from helpers._validation import check_integer_at_least, check_real_scalar
from helpers.losses import softmax

__all__ = ["CENTRES", "SIGMA", "bayes_posterior", "blobs", "model", "predict", "train_classifier"]

CLASSES = 3
ANGLES = np.pi / 2 + 2 * np.pi * np.arange(CLASSES) / CLASSES
#: The blobs' centres: three points on a circle of radius 1.5, class 0 at the top.
CENTRES = 1.5 * np.stack([np.cos(ANGLES), np.sin(ANGLES)], axis=1)
#: The blobs' standard deviation in each coordinate.
SIGMA = 1.0
#: A progress bar without elapsed time or rate, so that a stored notebook output is stable.
BAR_FORMAT = "{l_bar}{bar}| {n_fmt}/{total_fmt}"

Checkpoints = dict[int, dict[str, torch.Tensor]]


def blobs(n_per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n_per_class`` points of each class, float64 ``(3·n, 2)``, and their labels ``(3·n,)``,
    class by class, drawn with ``np.random.default_rng(seed)``."""
    n_per_class = check_integer_at_least(n_per_class, "n_per_class", 1)
    rng = np.random.default_rng(check_integer_at_least(seed, "seed", 0))
    labels = np.repeat(np.arange(CLASSES), n_per_class)
    points = CENTRES[labels] + SIGMA * rng.standard_normal((labels.size, 2))
    return points, labels


def bayes_posterior(points: np.ndarray) -> np.ndarray:
    r"""The best possible prediction for ``points`` of shape ``(n, 2)``: each class's posterior
    probability, ``(n, 3)``, a softmax of the linear logits in the module's docstring."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2), got {points.shape}")
    logits = points @ CENTRES.T / SIGMA**2 - (CENTRES**2).sum(axis=1) / (2 * SIGMA**2)
    return softmax(logits, axis=1)


def model(kind: str, hidden: int = 128, seed: int = 0) -> nn.Module:
    """A float64 classifier of 2-D points into 3 classes, its weights drawn with
    ``torch.manual_seed(seed)``: ``"linear"`` (``x = W a + b``, 9 parameters) or ``"mlp"``
    (``x = W_2 tanh(W_1 a + b_1)``, ``hidden`` tanh units, no last bias)."""
    if kind not in ("linear", "mlp"):
        raise ValueError(f'kind must be "linear" or "mlp", got {kind!r}')
    hidden = check_integer_at_least(hidden, "hidden", 1)
    torch.manual_seed(check_integer_at_least(seed, "seed", 0))
    if kind == "linear":
        return nn.Linear(2, CLASSES, dtype=torch.float64)
    return nn.Sequential(
        nn.Linear(2, hidden, dtype=torch.float64),
        nn.Tanh(),
        nn.Linear(hidden, CLASSES, bias=False, dtype=torch.float64),
    )


def predict(classifier: nn.Module, points: np.ndarray) -> np.ndarray:
    """``softmax(classifier(points))`` along the class axis, as a float64 NumPy array."""
    with torch.no_grad():
        logits = classifier(torch.as_tensor(np.asarray(points, dtype=np.float64)))
        return torch.softmax(logits, dim=1).numpy()


def _snapshot(classifier: nn.Module) -> dict[str, torch.Tensor]:
    return {name: value.clone() for name, value in classifier.state_dict().items()}


def train_classifier(
    classifier: nn.Module,
    points: torch.Tensor,
    target: torch.Tensor,
    *,
    steps: int = 1000,
    learning_rate: float = 0.02,
    label_smoothing: float = 0.0,
    every: int = 50,
    loss: Callable[[torch.Tensor], torch.Tensor] | None = None,
    progress: str | None = None,
) -> tuple[np.ndarray, Checkpoints]:
    r"""Full-batch training: Adam, the learning rate decayed along a cosine from
    ``learning_rate`` at step 0 towards 0 after ``steps``,
    :math:`\eta_t = \tfrac{\eta_0}{2}(1 + \cos(\pi t / T))`.

    The objective is ``F.cross_entropy(classifier(points), target,
    label_smoothing=label_smoothing)`` (``target``: class indices or class probabilities), or
    ``loss(classifier(points))`` when ``loss`` is given. Returns the objective at every step
    (before that step's update) and a copy of the weights every ``every`` steps and after the
    last (a *checkpoint*, keyed by step). ``progress`` names a ``tqdm`` progress bar; ``None``
    shows none. Trains ``classifier`` in place.
    """
    steps = check_integer_at_least(steps, "steps", 1)
    every = check_integer_at_least(every, "every", 1)
    learning_rate = check_real_scalar(learning_rate, "learning_rate")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate}")
    if loss is None:

        def loss(logits: torch.Tensor) -> torch.Tensor:
            return F.cross_entropy(logits, target, label_smoothing=label_smoothing)

    optimizer = torch.optim.Adam(classifier.parameters(), lr=learning_rate)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    iterations = range(steps)
    if progress is not None:
        from tqdm.auto import tqdm  # imported here: only the notebooks show progress

        iterations = tqdm(iterations, desc=progress, bar_format=BAR_FORMAT)
    objective, checkpoints = np.empty(steps), {}
    for step in iterations:
        if step % every == 0:
            checkpoints[step] = _snapshot(classifier)
        value = loss(classifier(points))
        optimizer.zero_grad()
        value.backward()
        optimizer.step()
        schedule.step()
        objective[step] = value.item()
    checkpoints[steps] = _snapshot(classifier)
    return objective, checkpoints
