r"""PyTorch's softmax, log-softmax, NLL and cross-entropy losses, from scratch in NumPy.

Every function here reproduces ``torch.nn.functional`` (same arguments, same defaults, same
results to rounding) without importing torch, so a notebook can compute a loss three ways
(by hand, with these helpers, with PyTorch) and check that they agree. The property tests in
``tests/test_losses.py`` compare them with torch on generated inputs. The binary losses (sigmoid,
BCE) are in :mod:`helpers.binary`, the KL-divergence loss ``kl_div`` in :mod:`helpers.divergence`.

Shapes (as in PyTorch; ``C`` classes, class axis 1, or 0 when unbatched):

=====================  ==========================  ======================================
input (logits)         class-index target          class-probability target
=====================  ==========================  ======================================
``(C,)``               ``()``                      ``(C,)``
``(N, C)``             ``(N,)``                    ``(N, C)``
``(N, C, d1, …, dk)``  ``(N, d1, …, dk)``          ``(N, C, d1, …, dk)``
=====================  ==========================  ======================================

A target with exactly the input's shape holds class probabilities (floating point); any other
target holds class indices (integers). Computation happens in the input's floating dtype
(float32 in, float32 out), like PyTorch; integer logits raise ``TypeError`` as in PyTorch.

Deliberate differences from PyTorch (stricter or more lenient, never a different number):

* errors are ``ValueError``/``TypeError`` with messages naming the argument and the expectation;
* ``label_smoothing < 0`` is an error (PyTorch silently ignores it);
* ``softmax``/``log_softmax``/``logsumexp`` reject 0-d input (PyTorch treats it as one class);
* ``reduction="elementwise_mean"`` (PyTorch's pre-1.0 name for ``"mean"``) is an error;
* class-index targets may have any integer dtype (PyTorch wants int64 or uint8), and ``weight``
  is cast to the input's dtype (PyTorch raises for a float64 weight with float32 input).

Results follow PyTorch's dtype rules: a float32 input gives float32 losses and gradients; a
float64 probability target with float32 logits gives a float64 loss (type promotion), and a
float32 gradient.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from helpers._loss_arguments import ClassLoss, IndexTarget, ProbabilityTarget, parse_class_loss
from helpers._numerics import FloatArray, Reduction, quiet, reduce, scalar_or_array
from helpers._validation import (
    REDUCTIONS,
    check_label_smoothing,
    one_hot_arguments,
    softmax_arguments,
)
from helpers.divergence import kl_div  # PyTorch's KLDivLoss; its own module keeps this one short

__all__ = [
    "REDUCTIONS",
    "cross_entropy",
    "cross_entropy_grad",
    "double_softmax_losses",
    "kl_div",
    "log_softmax",
    "logsumexp",
    "nll_loss",
    "one_hot",
    "optimal_gap",
    "smooth_targets",
    "smoothed_loss_vs_gap",
    "softmax",
    "softmax_jacobian",
]


# --------------------------------------------------------------------------------------------
# softmax, log_softmax, logsumexp
# --------------------------------------------------------------------------------------------


@quiet
def logsumexp(x: ArrayLike, axis: int = -1, keepdims: bool = False) -> np.ndarray | np.floating:
    r"""``log Σ exp x`` along ``axis``, without overflow (like ``torch.logsumexp``).

    .. math:: \operatorname{LSE}(x) = \log \sum_k e^{x_k} = m + \log \sum_k e^{x_k - m},
              \qquad m = \max_k x_k

    Subtracting the maximum ``m`` makes the largest exponent ``e^0 = 1``: nothing overflows,
    and the sum is at least 1, so its log is finite. Special values as in PyTorch: a slice of
    all ``-inf`` gives ``-inf``, any ``+inf`` gives ``+inf``, NaN propagates, an empty slice
    gives ``-inf``. Integer input is promoted to float64 (PyTorch promotes to its default
    float). Returns a NumPy scalar for 1-D input without ``keepdims``, else an array.
    """
    array, axis = softmax_arguments(x, axis, promote_integers=True)
    m = np.max(array, axis=axis, keepdims=True, initial=-np.inf)
    m = np.where(np.isfinite(m), m, 0).astype(array.dtype)
    out = np.log(np.sum(np.exp(array - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        out = np.squeeze(out, axis=axis)
    return scalar_or_array(out)


@quiet
def softmax(x: ArrayLike, axis: int = -1) -> FloatArray:
    r"""Softmax along ``axis`` (``torch.softmax(x, dim=axis)``): probabilities from logits.

    .. math:: \operatorname{softmax}(x)_k = \frac{e^{x_k}}{\sum_j e^{x_j}}
              = \frac{e^{x_k - m}}{\sum_j e^{x_j - m}}, \qquad m = \max_j x_j

    Computed with the maximum subtracted, so float32 logits of ±1e4 give exact results.
    Invariant under adding a constant to all logits of a slice. Keeps the floating dtype;
    integer input raises ``TypeError``, 0-d input and an axis out of range ``ValueError``.
    Slices with ``+inf`` or only ``-inf`` give NaN, as in PyTorch.
    """
    array, axis = softmax_arguments(x, axis, promote_integers=False)
    m = np.max(array, axis=axis, keepdims=True, initial=-np.inf)
    e = np.exp(array - m)
    return e / np.sum(e, axis=axis, keepdims=True)


@quiet
def softmax_jacobian(x: ArrayLike, axis: int = -1) -> FloatArray:
    r"""The Jacobian of :func:`softmax` along ``axis``: ``J[..., i, j] = ∂q_i / ∂x_j``.

    .. math:: \frac{\partial q_i}{\partial x_j} = q_i\,(\delta_{ij} - q_j), \qquad
              J = \operatorname{diag}(q) - q\,q^\top, \qquad q = \operatorname{softmax}(x)

    One ``C × C`` matrix per slice of ``x`` along ``axis`` (row ``i``: the probability ``q_i``,
    column ``j``: the logit ``x_j``), so the shape is ``x.shape + (C,)`` with the class axis
    moved last: ``(C, C)`` for a 1-D ``x`` of ``C`` logits, ``(N, C, C)`` for ``(N, C)`` and
    ``axis=1``. Each ``J`` is symmetric and positive semidefinite, and its rows and columns sum
    to 0 (the probabilities always sum to 1). Keeps the floating dtype; same errors as
    :func:`softmax`.
    """
    array, axis = softmax_arguments(x, axis, promote_integers=False)
    q = np.moveaxis(softmax(array, axis=axis), axis, -1)[..., :, None]  # (…, C, 1): q_i
    return q * np.eye(q.shape[-2], dtype=q.dtype) - q * np.swapaxes(q, -1, -2)


@quiet
def log_softmax(x: ArrayLike, axis: int = -1) -> FloatArray:
    r"""Log-softmax along ``axis`` (``torch.log_softmax(x, dim=axis)``): log-probabilities.

    .. math:: \log \operatorname{softmax}(x)_k = x_k - \operatorname{LSE}(x)
              = (x_k - m) - \log \sum_j e^{x_j - m}, \qquad m = \max_j x_j

    Never takes the log of a rounded-to-zero probability: a logit 1e4 below the maximum gives
    about ``-1e4``, not ``-inf``. Keeps the floating dtype; same errors as :func:`softmax`.
    """
    array, axis = softmax_arguments(x, axis, promote_integers=False)
    m = np.max(array, axis=axis, keepdims=True, initial=-np.inf)
    shifted = array - m
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


# --------------------------------------------------------------------------------------------
# one-hot and smoothed targets
# --------------------------------------------------------------------------------------------


def one_hot(target: ArrayLike, num_classes: int = -1) -> FloatArray:
    r"""One-hot encoding of class indices, as float64 (``F.one_hot(target, C).float()``).

    .. math:: \operatorname{onehot}(y)_c = [c = y], \qquad c = 0, \dots, C - 1

    The result has shape ``target.shape + (C,)``. ``num_classes=-1`` (the default, as in
    PyTorch) means ``max(target) + 1``. Indices must be in ``[0, C)``.
    """
    indices, num_classes = one_hot_arguments(target, num_classes)
    return (indices[..., None] == np.arange(num_classes)).astype(np.float64)


def _smoothing_weights(epsilon: float, num_classes: int) -> tuple[float, float]:
    r"""``(1 − ε, ε/C)``: label smoothing keeps ``1 − ε`` of the target and spreads ``ε``
    evenly over the ``C`` classes."""
    return 1 - epsilon, epsilon / num_classes


def _smooth(target: np.ndarray, epsilon: float, num_classes: int) -> np.ndarray:
    r"""The label-smoothed target :math:`(1 - \varepsilon)\,p + \varepsilon / C` (``p`` itself
    for ε = 0)."""
    if epsilon == 0:
        return target
    keep, spread = _smoothing_weights(epsilon, num_classes)
    return keep * target + spread


def smooth_targets(target: ArrayLike, num_classes: int, epsilon: float) -> FloatArray:
    r"""Label-smoothed targets: the one-hot vector mixed with the uniform distribution.

    .. math:: p_c = (1 - \varepsilon)\,[c = y] + \frac{\varepsilon}{C}

    So the true class gets ``1 − ε + ε/C`` and every other class ``ε/C``; each row still sums
    to 1. ``cross_entropy(logits, smooth_targets(y, C, ε))`` (probability targets) equals
    ``cross_entropy(logits, y, label_smoothing=ε)`` when there are no class weights. Float64,
    shape ``target.shape + (C,)``; ``epsilon`` in [0, 1].
    """
    epsilon = check_label_smoothing(epsilon, "epsilon")
    encoded = one_hot(target, num_classes)
    return _smooth(encoded, epsilon, encoded.shape[-1])


def smoothed_loss_vs_gap(gap: np.ndarray, num_classes: int, epsilon: float) -> np.ndarray:
    r"""Label-smoothed loss of the logits ``(g, 0, …, 0)`` with true class 0, for each gap ``g``.

    .. math:: \ell(g) = -\Big(1-\varepsilon+\frac{\varepsilon}{C}\Big)\log q_{\rm true}
              - (C-1)\,\frac{\varepsilon}{C}\log q_{\rm other},\qquad
              q_{\rm true} = \frac{e^g}{e^g+C-1},\quad q_{\rm other} = \frac{1}{e^g+C-1}

    computed with :func:`cross_entropy` (``label_smoothing=ε``, float64).
    """
    gap = np.asarray(gap, dtype=np.float64)
    logits = np.zeros((gap.size, num_classes))
    logits[:, 0] = gap.ravel()
    target = np.zeros(gap.size, dtype=np.int64)
    loss = cross_entropy(logits, target, reduction="none", label_smoothing=epsilon)
    return np.asarray(loss).reshape(gap.shape)


def optimal_gap(num_classes: int, epsilon: float) -> float:
    r"""The minimizing gap :math:`g^* = \log\big((1-\varepsilon+\varepsilon/C)/(\varepsilon/C)\big)`
    between the true-class logit and each other logit, for ``num_classes`` = C (``inf`` for
    ε = 0)."""
    if epsilon == 0:
        return float("inf")
    keep, spread = _smoothing_weights(epsilon, num_classes)
    return float(np.log((keep + spread) / spread))


# --------------------------------------------------------------------------------------------
# the losses: per-position terms, then the reduction
# --------------------------------------------------------------------------------------------

#: How nll_loss and cross_entropy name and read their input (for the checks and the messages).
_NLL_LOSS = ClassLoss(
    "nll_loss", "log_probs", "log-probabilities", takes_probabilities=False, log_softmax=None
)
_CROSS_ENTROPY = ClassLoss(
    "cross_entropy", "logits", "logits", takes_probabilities=True, log_softmax=log_softmax
)


def _nll_terms(problem: IndexTarget) -> np.ndarray:
    """``−w_y log q_y`` at each position (0 where ignored)."""
    picked = np.take_along_axis(problem.log_probs, problem.target[..., None], axis=-1)[..., 0]
    return np.where(problem.mask, -picked * problem.target_weight, 0).astype(problem.dtype)


def _smoothing_terms(problem: IndexTarget) -> np.ndarray:
    """The label-smoothing term ``−Σ_c w_c log q_c`` at each position (0 where ignored)."""
    log_probs = problem.log_probs
    weighted = log_probs if problem.weight is None else log_probs * problem.weight
    return np.where(problem.mask, -np.sum(weighted, axis=-1), 0).astype(problem.dtype)


def _reduce_over_targets(losses: np.ndarray, problem: IndexTarget) -> np.ndarray | np.floating:
    """Reduced as nll_loss reduces: ``"mean"`` divides by the total weight ``Σ_n w_{y_n}``."""
    return reduce(losses, problem.reduction, np.sum(problem.target_weight, dtype=problem.dtype))


def _probability_loss(problem: ProbabilityTarget) -> np.ndarray | np.floating:
    """``−Σ_c w_c p_c log q_c`` (``p`` smoothed), reduced; ``"mean"`` divides by the positions."""
    target = _smooth(problem.target, problem.label_smoothing, problem.num_classes)
    product = problem.log_probs * target
    if problem.weight is not None:
        product = product * problem.weight
    losses = -np.sum(product, axis=-1)
    # 0/0 = nan for an empty batch.
    return reduce(losses, problem.reduction, np.asarray(problem.positions, dtype=losses.dtype))


@quiet
def nll_loss(log_probs: ArrayLike, target: ArrayLike, weight: ArrayLike | None = None,
             ignore_index: int = -100, reduction: Reduction = "mean") -> np.ndarray | np.floating:
    r"""Negative log-likelihood loss, exactly ``torch.nn.functional.nll_loss``.

    ``log_probs`` holds log-probabilities (usually ``log_softmax(logits, axis=1)``; nothing
    checks that they are), class axis 1 (0 when unbatched), and ``target`` class indices
    ``y_n`` in ``[0, C)``. With class weights ``w`` (default all 1), per element ``n``:

    .. math:: \ell_n = -\,w_{y_n}\, (\log q)_{n, y_n} \cdot [y_n \ne \text{ignore\_index}]

    The loss picks the log-probability of the true class; nothing else of the input matters. The
    reductions:

    * ``"none"``: the vector ``(ℓ_0, …, ℓ_{N−1})`` (shape of ``target``; ignored positions 0);
    * ``"sum"``: :math:`\sum_n \ell_n`;
    * ``"mean"``: :math:`\sum_n \ell_n \,/\, \sum_n w_{y_n} [y_n \ne \text{ignore\_index}]`,
      a *weighted* mean: divided by the total weight of the counted targets, not by ``N``.
      Without weights this is the plain mean over non-ignored targets; if every target is
      ignored it is ``0/0 = nan``, as in PyTorch.

    Returns a NumPy scalar for ``"mean"``/``"sum"``, an array for ``"none"``, in the input's
    dtype. Example (``000_3e7c91f310c3397c.txt``): ``nll_loss([[0.2, 0.3, 0.5]], [2]) == -0.5``.
    """
    problem = parse_class_loss(_NLL_LOSS, log_probs, target, weight, ignore_index, reduction)
    return _reduce_over_targets(_nll_terms(problem), problem)


@quiet
def cross_entropy(logits: ArrayLike, target: ArrayLike, weight: ArrayLike | None = None,
                  ignore_index: int = -100, reduction: Reduction = "mean",
                  label_smoothing: float = 0.0) -> np.ndarray | np.floating:
    r"""Cross-entropy loss from logits, exactly ``torch.nn.functional.cross_entropy``.

    ``cross_entropy = nll_loss ∘ log_softmax`` along the class axis (axis 1, or 0 unbatched).

    **Class-index targets** ``y_n`` (integers, shape of the input without the class axis),
    class weights ``w`` (default 1), ``ε = label_smoothing``:

    .. math:: \ell_n = -\,w_{y_n} \log \frac{e^{x_{n,y_n}}}{\sum_c e^{x_{n,c}}}
              \quad (\varepsilon = 0),

    .. math:: \ell_n = (1 - \varepsilon)\Big(-w_{y_n} \log q_{n,y_n}\Big)
              + \frac{\varepsilon}{C} \Big(-\sum_{c=0}^{C-1} w_c \log q_{n,c}\Big),

    both 0 where ``y_n = ignore_index``. ``"mean"`` divides :math:`\sum_n \ell_n` by
    :math:`\sum_n w_{y_n}` over non-ignored targets (both terms by the same total; ``nan`` if
    none is left), ``"sum"`` adds, ``"none"`` returns the ``ℓ_n``. Without weights the smoothed
    loss is the cross-entropy against ``(1 − ε)·onehot(y) + ε/C`` (:func:`smooth_targets`).
    Note: the smoothing term weighs *every* class by its own ``w_c``, not by ``w_{y_n}``.

    **Class-probability targets** ``p`` (floating, same shape as ``logits``), smoothed to
    ``(1 − ε) p + ε/C`` when ``ε > 0``, and ``q = softmax(logits)`` along the class axis:

    .. math:: \ell_n = -\sum_{c=0}^{C-1} w_c\, p_{n,c} \log q_{n,c}

    Here ``"mean"`` divides by the number of elements ``N·d1·…·dk`` (not by any weights), and
    ``ignore_index`` does not apply (a value ≥ 0 is an error, as in PyTorch).

    Returns a NumPy scalar for ``"mean"``/``"sum"``, an array for ``"none"``, in the input's
    dtype. Example (``001_ee845424da2ec974.txt``):
    ``cross_entropy([[0.1, 0.2, 0.3, 0.4], [0.1, 0.1, 0.1, 0.1]], [2, 3])`` ≈ 1.3644, and
    ≈ 1.3669 with ``label_smoothing=0.1``.
    """
    problem = parse_class_loss(
        _CROSS_ENTROPY, logits, target, weight, ignore_index, reduction, label_smoothing
    )
    if isinstance(problem, ProbabilityTarget):
        return _probability_loss(problem)
    nll = _reduce_over_targets(_nll_terms(problem), problem)
    if problem.label_smoothing == 0:
        return nll
    # PyTorch: (1 - ε) · nll_loss(...) + (ε / C) · smooth_loss, each reduced on its own.
    keep, spread = _smoothing_weights(problem.label_smoothing, problem.num_classes)
    smooth = _reduce_over_targets(_smoothing_terms(problem), problem)
    loss = np.asarray(keep * nll + smooth * spread, dtype=problem.dtype)
    return scalar_or_array(loss, keep_0d=problem.reduction == "none")


def _probability_grad(problem: ProbabilityTarget) -> np.ndarray:
    """``∂ℓ/∂ log q = −w_c p_c`` (``p`` the smoothed target), over the positions for "mean"."""
    p = _smooth(problem.target, problem.label_smoothing, problem.num_classes)
    grad = -p if problem.weight is None else -(p * problem.weight)
    if problem.reduction == "mean":
        count = problem.positions
        grad = grad / count if count else grad
    return grad


def _index_grad(problem: IndexTarget) -> np.ndarray:
    """``∂ℓ/∂ log q``: ``−(1 − ε) w_y`` at the true class, plus ``−(ε/C) w_c`` at every class when
    smoothing; 0 where ignored; over the total weight ``Σ_n w_{y_n}`` for "mean"."""
    dtype = problem.dtype
    scale = np.asarray(1, dtype=dtype)
    if problem.reduction == "mean":
        scale = scale / np.sum(problem.target_weight, dtype=dtype)
    keep, spread = _smoothing_weights(problem.label_smoothing, problem.num_classes)
    grad = np.zeros(problem.log_probs.shape, dtype=dtype)
    true_class = np.where(problem.mask, -scale * keep * problem.target_weight, 0).astype(dtype)
    np.put_along_axis(grad, problem.target[..., None], true_class[..., None], axis=-1)
    if problem.label_smoothing > 0:
        class_weights = np.ones(problem.num_classes, dtype=dtype)
        if problem.weight is not None:
            class_weights = problem.weight
        smooth = -(scale * spread) * class_weights
        grad = grad + np.where(problem.mask[..., None], smooth, 0).astype(dtype)
    return grad


@quiet
def cross_entropy_grad(logits: ArrayLike, target: ArrayLike, weight: ArrayLike | None = None,
                       ignore_index: int = -100, reduction: Reduction = "mean",
                       label_smoothing: float = 0.0) -> FloatArray:
    r"""Gradient of :func:`cross_entropy` with respect to ``logits`` (same shape and dtype).

    What ``torch.autograd`` gives for ``cross_entropy(logits, target, …)``; for
    ``reduction="none"`` it is the gradient of the **sum** of the per-element losses (autograd
    with ``grad_outputs`` of ones). With ``q = softmax(logits)`` along the class axis and
    ``p`` the target distribution (``onehot(y)``, smoothed if ``ε > 0``, or the given
    probabilities):

    .. math:: \frac{\partial \ell_n}{\partial x_{n,c}} = q_{n,c} - p_{n,c}
              \qquad \text{(no weights)}

    In general, with ``g_{n,c} = ∂ℓ_n/∂\log q_{n,c}`` (``−w_{y_n}(1−ε)`` at the true class plus
    ``−(ε/C) w_c`` everywhere, or ``−w_c p_{n,c}`` for probabilities):

    .. math:: \frac{\partial \ell_n}{\partial x_{n,c}} = g_{n,c} - q_{n,c} \sum_j g_{n,j}
              \;=\; q_{n,c} \sum_j w_j p_{n,j} - w_c p_{n,c}
              \quad\text{(probability targets)}

    scaled by ``1/D`` for ``"mean"`` (``D = Σ_n w_{y_n}`` over non-ignored class targets, or
    ``N·d1·…·dk`` for probability targets). Ignored positions get a zero gradient.
    """
    problem = parse_class_loss(
        _CROSS_ENTROPY, logits, target, weight, ignore_index, reduction, label_smoothing
    )
    if isinstance(problem, ProbabilityTarget):
        g = _probability_grad(problem)
    else:
        g = _index_grad(problem)
    # Backward of log_softmax: g − q · Σ_c g (q recovered as exp(log q)).
    grad = g - np.exp(problem.log_probs) * np.sum(g, axis=-1, keepdims=True)
    return np.moveaxis(grad.astype(problem.dtype, copy=False), -1, problem.class_axis)


# --------------------------------------------------------------------------------------------
# a pitfall computed: probabilities fed to cross_entropy as logits
# --------------------------------------------------------------------------------------------


def double_softmax_losses(p: np.ndarray, num_classes: int = 3) -> dict[str, np.ndarray]:
    r"""For a true-class probability ``p`` = :math:`q_y` (the rest spread evenly), three "losses":

    ``-ln p`` (the cross-entropy in nats), ``-log10 p`` (in bans), and what
    ``nn.CrossEntropyLoss`` returns when the *probabilities*
    :math:`q = (q_y, \frac{1-q_y}{C-1}, …)` are fed as logits:
    :math:`-\log \operatorname{softmax}(q)_y`.
    """
    p = np.asarray(p, dtype=np.float64)
    probs = np.empty((p.size, num_classes))
    probs[:, 0] = p.ravel()
    probs[:, 1:] = ((1 - p.ravel()) / (num_classes - 1))[:, None]
    target = np.zeros(p.size, dtype=np.int64)
    with np.errstate(divide="ignore"):
        return {
            "nats": -np.log(p),
            "bans": -np.log10(p),
            "double": np.asarray(cross_entropy(probs, target, reduction="none")).reshape(p.shape),
        }
