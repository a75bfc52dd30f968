r"""PyTorch's binary cross-entropy losses, from scratch in NumPy: sigmoid, log-sigmoid, BCE from
probabilities and from logits, the gradient of the latter, and the sigmoid focal loss.

Like :mod:`helpers.losses`, every function reproduces ``torch.nn.functional`` without importing
torch (:func:`sigmoid_focal_loss` reproduces ``torchvision.ops.sigmoid_focal_loss``);
``tests/test_binary.py`` compares them with torch on generated inputs.

The binary losses (:func:`binary_cross_entropy`, :func:`binary_cross_entropy_with_logits`,
with :func:`sigmoid` and :func:`log_sigmoid`) are elementwise: input and target have the same
shape, any shape (0-d included), and there is no class axis. ``weight`` and ``pos_weight``
broadcast to the input's shape by NumPy's rules (axes aligned from the right, so a ``(C,)``
``pos_weight`` applies along the **last** axis), and ``"mean"`` divides by the number of
elements, whatever the weights. Deliberate differences: targets of another floating dtype than
the probabilities are cast to it in :func:`binary_cross_entropy` (PyTorch refuses them), and
``weight``/``pos_weight`` may be plain numbers or lists (PyTorch wants tensors). Errors are
``ValueError``/``TypeError`` with messages naming the function, the argument and the
expectation.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from helpers._loss_arguments import (
    ElementwiseArguments,
    parse_binary_cross_entropy,
    parse_binary_cross_entropy_with_logits,
    parse_sigmoid_focal_loss,
)
from helpers._numerics import FloatArray, Reduction, quiet, reduce
from helpers._validation import floating_array_any_shape

__all__ = [
    "BCE_LOG_FLOOR",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
    "log_sigmoid",
    "sigmoid",
    "sigmoid_focal_loss",
]

#: The floor PyTorch puts under each log in :func:`binary_cross_entropy`: ``max(log p, −100)``,
#: so one element's loss is at most 100 (times its weight), never ``inf``.
BCE_LOG_FLOOR = -100.0


@quiet
def sigmoid(x: ArrayLike) -> FloatArray:
    r"""The logistic function, elementwise (``torch.sigmoid``): a probability from a logit.

    .. math:: \sigma(x) = \frac{1}{1 + e^{-x}} = \frac{e^x}{1 + e^x},
              \qquad 1 - \sigma(x) = \sigma(-x)

    Computed as ``1 / (1 + exp(−x))`` in the input's floating dtype, as PyTorch does: for
    ``x ≪ 0`` the exponential overflows to ``inf`` and the result is ``0``; for ``x > 16.64`` in
    float32 (``x > 36.7`` in float64) ``1 + e^{−x}`` rounds to 1 and the result is exactly
    ``1.0``, so ``1 − σ(x)`` is 0. Integer input raises ``TypeError``; 0-d input is fine.
    """
    array = floating_array_any_shape(x, "x", "logits")
    return np.asarray(1 / (1 + np.exp(-array)))


@quiet
def log_sigmoid(x: ArrayLike) -> FloatArray:
    r"""``log σ(x)`` elementwise without overflow or ``log 0`` (``F.logsigmoid``).

    .. math:: \log \sigma(x) = -\operatorname{softplus}(-x)
              = \min(x, 0) - \log\big(1 + e^{-|x|}\big)

    ``e^{−|x|} ≤ 1`` never overflows, and ``log1p`` keeps its digits when it is tiny: for
    ``x = −1e4`` the result is ``−1e4`` (``log(sigmoid(x))`` would be ``log 0 = −inf``), for
    ``x = 40`` it is ``−4.2e−18`` (``log(sigmoid(x))`` would be ``log 1 = 0``). Also
    ``log(1 − σ(x)) = log σ(−x)``. Keeps the floating dtype; integer input raises ``TypeError``.
    """
    array = floating_array_any_shape(x, "x", "logits")
    return np.asarray(np.minimum(array, 0) - np.log1p(np.exp(-np.abs(array))))


def _weighted_and_reduced(
    losses: np.ndarray, arguments: ElementwiseArguments, dtype: np.dtype
) -> np.ndarray | np.floating:
    """Each element's loss times its ``weight`` (if any), in ``dtype``, reduced as PyTorch
    reduces the binary losses: ``"mean"`` divides by the number of elements, whatever the
    weights (``0/0 = nan`` when there are none)."""
    if arguments.weight is not None:
        losses = (losses * arguments.weight).astype(dtype, copy=False)
    losses = np.asarray(losses, dtype=dtype)
    return reduce(losses, arguments.reduction, np.asarray(losses.size, dtype=dtype))


@quiet
def binary_cross_entropy(probs: ArrayLike, target: ArrayLike, weight: ArrayLike | None = None,
                         reduction: Reduction = "mean") -> np.ndarray | np.floating:
    r"""Binary cross-entropy of probabilities, exactly ``torch.nn.functional.binary_cross_entropy``.

    ``probs`` holds probabilities :math:`x_n \in [0, 1]` (e.g. sigmoid outputs), ``target`` the
    same shape of targets :math:`y_n \in [0, 1]` (labels 0/1, or soft labels), any shape; each
    element is one binary problem. With ``weight`` :math:`w` (broadcast to the input's shape,
    default 1), per element:

    .. math:: \ell_n = -\,w_n \big[\, y_n \cdot \max(\log x_n, -100)
              + (1 - y_n) \cdot \max(\log(1 - x_n), -100) \,\big]

    The clamp at −100 is PyTorch's: ``log 0 = −inf`` becomes −100, so ``x = 0`` with ``y = 1``
    (or ``x = 1`` with ``y = 0``) costs 100, not ``inf``, and ``0 · log 0`` never makes ``nan``.
    It is also why this loss fails on rounded sigmoids: in float32 ``sigmoid(40) == 1.0``, so
    ``y = 0`` costs 100 instead of the true ≈ 40 (use :func:`binary_cross_entropy_with_logits`).
    ``log(1 − x)`` is computed as ``log1p(−x)``, as PyTorch does.

    Reductions: ``"none"`` returns the :math:`\ell_n` (the input's shape), ``"sum"`` adds them,
    ``"mean"`` (default) divides the sum by the **number of elements** (not by the weights,
    unlike :func:`helpers.losses.nll_loss`); an empty input gives ``nan``.

    Raises ``ValueError`` if a probability or a target lies outside [0, 1] or is NaN (PyTorch
    too), if the shapes differ, or if ``weight`` does not broadcast to the input's shape;
    ``TypeError`` for integer ``probs`` or targets. A target of another floating dtype is cast
    to the dtype of ``probs`` (PyTorch refuses it); the loss has the dtype of ``probs``.
    """
    arguments = parse_binary_cross_entropy(probs, target, weight, reduction)
    x = arguments.values
    dtype = x.dtype
    y = arguments.target.astype(dtype, copy=False)
    log_p = np.maximum(np.log(x), BCE_LOG_FLOOR).astype(dtype, copy=False)
    log_not_p = np.maximum(np.log1p(-x), BCE_LOG_FLOOR).astype(dtype, copy=False)
    losses = (y - 1) * log_not_p - y * log_p
    return _weighted_and_reduced(losses, arguments, dtype)


@quiet
def binary_cross_entropy_with_logits(logits: ArrayLike, target: ArrayLike,
                                     weight: ArrayLike | None = None,
                                     pos_weight: ArrayLike | None = None,
                                     reduction: Reduction = "mean") -> np.ndarray | np.floating:
    r"""Binary cross-entropy of logits, exactly ``F.binary_cross_entropy_with_logits``.

    ``logits`` :math:`x_n` are any real numbers (the probability is :math:`\sigma(x_n)`),
    ``target`` :math:`y_n` of the same shape (labels 0/1 or soft labels; not checked, as in
    PyTorch), any shape. With ``weight`` :math:`w` and ``pos_weight`` :math:`p` (both broadcast
    to the input's shape; :math:`p` usually of shape ``(C,)``, one per class on the last axis):

    .. math:: \ell_n = -\,w_n \big[\, p_n\, y_n \log \sigma(x_n)
              + (1 - y_n) \log(1 - \sigma(x_n)) \,\big]

    computed without ever forming :math:`\sigma(x)`, in PyTorch's log-sum-exp form
    (:math:`\log\sigma(x) = -\operatorname{softplus}(-x)`,
    :math:`\log(1 - \sigma(x)) = -x - \operatorname{softplus}(-x)`):

    .. math:: \ell_n = w_n \big[\, (1 - y_n)\, x_n
              + \big(1 + (p_n - 1)\, y_n\big)\, \operatorname{softplus}(-x_n) \,\big],
              \qquad \operatorname{softplus}(t) = \max(t, 0) + \log\big(1 + e^{-|t|}\big)

    so that ``x = 40, y = 0`` costs 40 and ``x = −1e4, y = 1`` costs 1e4, in float32 too.
    ``pos_weight`` > 1 makes a missed positive cost more (it multiplies the :math:`y` term only);
    with :math:`p = n_{neg} / n_{pos}` positives and negatives weigh the same in total.

    Reductions as :func:`binary_cross_entropy`: ``"mean"`` divides by the number of elements.
    Special values as in PyTorch: NaN propagates, ``x = +inf`` with ``y = 0`` gives ``inf``,
    ``x = +inf`` with ``y = 1`` and ``x = −inf`` with ``y = 0`` give ``nan`` (``0 · inf`` and
    ``inf − inf``), exactly where PyTorch's formula gives ``nan`` too.

    Dtype, as in PyTorch: the loss has the **target's** floating dtype (float32 logits with a
    float64 target give float64; float64 logits with a float32 target give float32), while
    :math:`\log\sigma(x)` is computed in the logits' dtype. Integer or bool targets raise
    ``TypeError`` (PyTorch too); so do integer logits.
    """
    arguments = parse_binary_cross_entropy_with_logits(logits, target, weight, pos_weight,
                                                       reduction)
    x, y = arguments.values, arguments.target
    dtype = y.dtype  # PyTorch: (1 - target).mul_(input) ... computes the loss in place
    log_sigmoid_x = log_sigmoid(x)
    if arguments.pos_weight is not None:
        log_weight = (arguments.pos_weight - 1) * y + 1
        log_sigmoid_x = (log_sigmoid_x * log_weight).astype(x.dtype, copy=False)
    losses = ((1 - y) * x).astype(dtype, copy=False)
    losses = (losses - log_sigmoid_x).astype(dtype, copy=False)
    return _weighted_and_reduced(losses, arguments, dtype)


@quiet
def binary_cross_entropy_with_logits_grad(logits: ArrayLike, target: ArrayLike,
                                          weight: ArrayLike | None = None,
                                          pos_weight: ArrayLike | None = None,
                                          reduction: Reduction = "mean") -> FloatArray:
    r"""Gradient of :func:`binary_cross_entropy_with_logits` with respect to ``logits``.

    What ``torch.autograd`` gives (shape and dtype of ``logits``); for ``reduction="none"`` the
    gradient of the **sum** of the elementwise losses. Per element:

    .. math:: \frac{\partial \ell_n}{\partial x_n} = w_n \big[\, \sigma(x_n) - y_n \,\big]
              \quad \text{(no pos\_weight)}, \qquad
              \frac{\partial \ell_n}{\partial x_n}
              = w_n \big[\, (1 - y_n + p_n y_n)\,\sigma(x_n) - p_n y_n \,\big]

    divided by the number of elements for ``"mean"``. It is bounded by :math:`w_n \max(1, p_n)`
    in size and never vanishes for a wrong confident answer, unlike the gradient of
    ``binary_cross_entropy(sigmoid(x), y)``, which is exactly 0 once ``sigmoid(x)`` rounds to
    1.0. Same arguments, checks and errors as :func:`binary_cross_entropy_with_logits`.
    """
    arguments = parse_binary_cross_entropy_with_logits(logits, target, weight, pos_weight,
                                                       reduction)
    x, y = arguments.values, arguments.target
    probability = sigmoid(x)
    if arguments.pos_weight is None:
        grad = probability - y
    else:
        positive = arguments.pos_weight * y
        grad = (positive + 1 - y) * probability - positive
    if arguments.weight is not None:
        grad = grad * arguments.weight
    if arguments.reduction == "mean" and x.size:
        grad = grad / x.size
    return np.asarray(grad).astype(x.dtype, copy=False)


@quiet
def sigmoid_focal_loss(
    inputs: ArrayLike, targets: ArrayLike, alpha: float = 0.25, gamma: float = 2.0,
    reduction: Reduction = "none",
) -> np.ndarray | np.floating:
    r"""The focal loss of Lin et al. (2017), exactly ``torchvision.ops.sigmoid_focal_loss``.

    ``inputs`` are logits :math:`x` of any shape, ``targets`` :math:`y` of the same shape
    (labels 0/1; soft labels are computed by the same formula, as in torchvision). With
    :math:`p = \sigma(x)`, the probability the model gives the true label is
    :math:`p_t = p\,y + (1 - p)(1 - y)`, and per element

    .. math:: \mathrm{FL} = -\,\alpha_t\, (1 - p_t)^{\gamma} \log p_t,
              \qquad \alpha_t = \alpha\, y + (1 - \alpha)(1 - y),

    computed as torchvision computes it: :math:`-\log p_t` is
    :func:`binary_cross_entropy_with_logits` (``"none"``), times the modulating factor
    :math:`(1 - p_t)^{\gamma}` with :math:`p_t` from ``sigmoid(x)``, times :math:`\alpha_t`
    unless ``alpha`` < 0 (torchvision's ``alpha=-1``: no weighting). The factor is near 0 for an
    easy example (:math:`p_t` near 1) and near 1 for a hard one, so easy examples add little:
    at :math:`p_t = 0.9` and :math:`\gamma = 2` the loss is 100 times smaller than the
    cross-entropy. :math:`\gamma = 0` gives the :math:`\alpha_t`-weighted BCE with logits.

    Reductions: ``"none"`` (torchvision's default) returns the per-element losses,
    ``"sum"`` their total, ``"mean"`` the total over the number of elements (``nan`` when there
    are none). Any other ``reduction`` raises ``ValueError`` (torchvision too). The loss has the
    dtype of ``inputs`` and ``targets`` promoted (float32 with float64 gives float64).

    Checks as in :func:`binary_cross_entropy_with_logits` (floating inputs and targets of one
    shape, ``TypeError``/``ValueError`` naming the argument). Deliberate differences: ``alpha``
    must be a real number ≤ 1 (above 1 the negatives' weight :math:`1 - \alpha` would be
    negative) and ``gamma`` a finite real number ≥ 0; torchvision does not check them.
    """
    arguments = parse_sigmoid_focal_loss(inputs, targets, alpha, gamma, reduction)
    x, y = arguments.values, arguments.target
    dtype = np.result_type(x, y)
    probability = sigmoid(x)
    cross_entropy = binary_cross_entropy_with_logits(x, y, reduction="none")
    p_t = (probability * y + (1 - probability) * (1 - y)).astype(dtype, copy=False)
    losses = (cross_entropy * (1 - p_t) ** arguments.gamma).astype(dtype, copy=False)
    if arguments.alpha >= 0:
        alpha_t = arguments.alpha * y + (1 - arguments.alpha) * (1 - y)
        losses = (alpha_t * losses).astype(dtype, copy=False)
    return reduce(losses, arguments.reduction, np.asarray(losses.size, dtype=dtype))
