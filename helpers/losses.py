r"""PyTorch's softmax, log-softmax, NLL and cross-entropy losses, from scratch in NumPy.

Every function here reproduces ``torch.nn.functional`` (same arguments, same defaults, same
results to rounding) without importing torch, so a notebook can compute a loss three ways
(by hand, with these helpers, with PyTorch) and check that they agree. The property tests in
``tests/test_losses_properties.py`` compare them with torch on generated inputs.

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

**Binary losses** (:func:`binary_cross_entropy`, :func:`binary_cross_entropy_with_logits`,
with :func:`sigmoid` and :func:`log_sigmoid`) are elementwise: input and target have the same
shape, any shape (0-d included), and there is no class axis. ``weight`` and ``pos_weight``
broadcast to the input's shape by NumPy's rules (axes aligned from the right, so a ``(C,)``
``pos_weight`` applies along the **last** axis), and ``"mean"`` divides by the number of
elements, whatever the weights. Deliberate differences: targets of another floating dtype than
the probabilities are cast to it in :func:`binary_cross_entropy` (PyTorch refuses them), and
``weight``/``pos_weight`` may be plain numbers or lists (PyTorch wants tensors).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Literal, ParamSpec, TypeVar

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

from helpers._validation import (
    as_numeric_array,
    check_axis,
    check_real_scalar,
    describe_shape,
)

__all__ = [
    "BCE_LOG_FLOOR",
    "REDUCTIONS",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
    "cross_entropy",
    "cross_entropy_grad",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "nll_loss",
    "one_hot",
    "optimal_gap",
    "sigmoid",
    "smooth_targets",
    "smoothed_loss_vs_gap",
    "softmax",
]

#: The values ``reduction`` accepts, as in PyTorch.
REDUCTIONS: tuple[str, ...] = ("none", "mean", "sum")

Reduction = Literal["none", "mean", "sum"]
FloatArray = npt.NDArray[np.floating]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _quiet(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``function`` without NumPy's floating-point warnings.

    NaN and ±inf propagate on purpose (as in PyTorch, which never warns): ``0/0`` for a mean
    over no targets, ``inf − inf`` for a row with ``+inf`` logits, ``0 · inf`` and so on.
    """

    @functools.wraps(function)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return function(*args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------------------------
# softmax, log_softmax, logsumexp
# --------------------------------------------------------------------------------------------


def _floating_array(x: ArrayLike, name: str, what: str) -> np.ndarray:
    """``x`` as a floating ndarray of any shape, 0-d included (dtype kept)."""
    array = as_numeric_array(x, name)
    if array.dtype.kind != "f":
        raise TypeError(
            f"{name} must be a floating-point array ({what}), got dtype {array.dtype}; "
            f"convert it first, e.g. np.asarray({name}, dtype=float) (PyTorch also refuses "
            "integer input here)"
        )
    return array


def _float_input(x: ArrayLike, name: str, what: str) -> np.ndarray:
    """``x`` as a floating ndarray of at least one dimension (dtype kept)."""
    array = _floating_array(x, name, what)
    if array.ndim == 0:
        raise ValueError(
            f"{name} must have at least one dimension (the class axis), got a 0-d scalar "
            f"{array[()]}"
        )
    return array


def _scalar_or_array(result: np.ndarray) -> np.ndarray | np.floating:
    """A NumPy scalar for a 0-d result (like a reduced loss), else the array itself."""
    return result[()] if result.ndim == 0 else result


def _loss_result(result: np.ndarray, reduction: str) -> np.ndarray | np.floating:
    """A NumPy scalar for ``"mean"``/``"sum"``; an array (0-d when unbatched) for ``"none"``."""
    return np.asarray(result) if reduction == "none" else np.asarray(result)[()]


@_quiet
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
    array = as_numeric_array(x, "x")
    if array.dtype.kind != "f":
        array = array.astype(np.float64)
    if array.ndim == 0:
        raise ValueError(f"x must have at least one dimension, got a 0-d scalar {array[()]}")
    axis = check_axis(axis, array.ndim)
    m = np.max(array, axis=axis, keepdims=True, initial=-np.inf)
    m = np.where(np.isfinite(m), m, 0).astype(array.dtype)
    out = np.log(np.sum(np.exp(array - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        out = np.squeeze(out, axis=axis)
    return _scalar_or_array(out)


@_quiet
def softmax(x: ArrayLike, axis: int = -1) -> FloatArray:
    r"""Softmax along ``axis`` (``torch.softmax(x, dim=axis)``): probabilities from logits.

    .. math:: \operatorname{softmax}(x)_k = \frac{e^{x_k}}{\sum_j e^{x_j}}
              = \frac{e^{x_k - m}}{\sum_j e^{x_j - m}}, \qquad m = \max_j x_j

    Computed with the maximum subtracted, so float32 logits of ±1e4 give exact results.
    Invariant under adding a constant to all logits of a slice. Keeps the floating dtype;
    integer input raises ``TypeError``, 0-d input and an axis out of range ``ValueError``.
    Slices with ``+inf`` or only ``-inf`` give NaN, as in PyTorch.
    """
    array = _float_input(x, "x", "logits")
    axis = check_axis(axis, array.ndim)
    m = np.max(array, axis=axis, keepdims=True, initial=-np.inf)
    e = np.exp(array - m)
    return e / np.sum(e, axis=axis, keepdims=True)


@_quiet
def log_softmax(x: ArrayLike, axis: int = -1) -> FloatArray:
    r"""Log-softmax along ``axis`` (``torch.log_softmax(x, dim=axis)``): log-probabilities.

    .. math:: \log \operatorname{softmax}(x)_k = x_k - \operatorname{LSE}(x)
              = (x_k - m) - \log \sum_j e^{x_j - m}, \qquad m = \max_j x_j

    Never takes the log of a rounded-to-zero probability: a logit 1e4 below the maximum gives
    about ``-1e4``, not ``-inf``. Keeps the floating dtype; same errors as :func:`softmax`.
    """
    array = _float_input(x, "x", "logits")
    axis = check_axis(axis, array.ndim)
    m = np.max(array, axis=axis, keepdims=True, initial=-np.inf)
    shifted = array - m
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


# --------------------------------------------------------------------------------------------
# one-hot and smoothed targets
# --------------------------------------------------------------------------------------------


def _class_indices(target: ArrayLike, name: str = "target") -> np.ndarray:
    array = as_numeric_array(target, name)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class indices, got dtype {array.dtype}")
    return array.astype(np.int64, copy=False)


def one_hot(target: ArrayLike, num_classes: int = -1) -> FloatArray:
    r"""One-hot encoding of class indices, as float64 (``F.one_hot(target, C).float()``).

    .. math:: \operatorname{onehot}(y)_k = [k = y], \qquad k = 0, \dots, C - 1

    The result has shape ``target.shape + (C,)``. ``num_classes=-1`` (the default, as in
    PyTorch) means ``max(target) + 1``. Indices must be in ``[0, C)``.
    """
    indices = _class_indices(target)
    if isinstance(num_classes, bool) or not isinstance(num_classes, int | np.integer):
        raise TypeError(f"num_classes must be an integer, got {num_classes!r}")
    num_classes = int(num_classes)
    if num_classes == -1:
        num_classes = int(indices.max()) + 1 if indices.size else 0
    if num_classes < 1 and indices.size:
        raise ValueError(f"num_classes must be a positive integer (or -1), got {num_classes}")
    if indices.size and (indices.min() < 0 or indices.max() >= num_classes):
        bad = indices[(indices < 0) | (indices >= num_classes)].flat[0]
        raise ValueError(
            f"target holds class index {bad}, but class indices must be in [0, num_classes) = "
            f"[0, {num_classes})"
        )
    return (indices[..., None] == np.arange(num_classes)).astype(np.float64)


def smooth_targets(target: ArrayLike, num_classes: int, epsilon: float) -> FloatArray:
    r"""Label-smoothed targets: the one-hot vector mixed with the uniform distribution.

    .. math:: t_k = (1 - \varepsilon)\,[k = y] + \frac{\varepsilon}{C}

    So the true class gets ``1 − ε + ε/C`` and every other class ``ε/C``; each row still sums
    to 1. ``cross_entropy(logits, smooth_targets(y, C, ε))`` (probability targets) equals
    ``cross_entropy(logits, y, label_smoothing=ε)`` when there are no class weights. Float64,
    shape ``target.shape + (C,)``; ``epsilon`` in [0, 1].
    """
    epsilon = _check_label_smoothing(epsilon, "epsilon")
    encoded = one_hot(target, num_classes)
    return (1.0 - epsilon) * encoded + epsilon / encoded.shape[-1]


def smoothed_loss_vs_gap(gap: np.ndarray, num_classes: int, epsilon: float) -> np.ndarray:
    r"""Label-smoothed loss of the logits ``(g, 0, …, 0)`` with true class 0, for each gap ``g``.

    .. math:: \ell(g) = -\Big(1-\varepsilon+\frac{\varepsilon}{K}\Big)\log p_{\rm true}
              - (K-1)\,\frac{\varepsilon}{K}\log p_{\rm other},\qquad
              p_{\rm true} = \frac{e^g}{e^g+K-1},\quad p_{\rm other} = \frac{1}{e^g+K-1}

    computed with :func:`cross_entropy` (``label_smoothing=ε``, float64).
    """
    gap = np.asarray(gap, dtype=np.float64)
    logits = np.zeros((gap.size, num_classes))
    logits[:, 0] = gap.ravel()
    target = np.zeros(gap.size, dtype=np.int64)
    loss = cross_entropy(logits, target, reduction="none", label_smoothing=epsilon)
    return np.asarray(loss).reshape(gap.shape)


def optimal_gap(num_classes: int, epsilon: float) -> float:
    r"""The minimizing gap :math:`g^* = \log\big((1-\varepsilon+\varepsilon/K)/(\varepsilon/K)\big)`
    (``inf`` for ε = 0)."""
    if epsilon == 0:
        return float("inf")
    return float(np.log((1 - epsilon + epsilon / num_classes) / (epsilon / num_classes)))


# --------------------------------------------------------------------------------------------
# argument checks and the shared set-up of nll_loss, cross_entropy and cross_entropy_grad
# --------------------------------------------------------------------------------------------


def _check_reduction(reduction: object) -> str:
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        valid = ", ".join(repr(r) for r in REDUCTIONS)
        raise ValueError(f"reduction must be one of {valid}, got {reduction!r}")
    return reduction


def _check_label_smoothing(value: object, name: str = "label_smoothing") -> float:
    number = check_real_scalar(value, name)
    if not 0.0 <= number <= 1.0:  # also rejects NaN
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
    return number


def _check_ignore_index(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"ignore_index must be an integer (a class index to skip), got {value!r}")
    return int(value)


class _Problem:
    """Validated arguments, with the class axis moved last.

    ``log_probs``: ``S + (C,)`` in the input dtype, where ``S`` is ``()`` unbatched, ``(N,)``,
    or ``(N, d1, …, dk)``. Class-index targets: ``target`` (int64, shape ``S``), ``mask`` (not
    ignored) and ``target_weight`` (``w[y]``, 0 where ignored). Probability targets:
    ``target`` of shape ``S + (C,)``.
    """

    def __init__(
        self,
        function: str,
        input_name: str,
        values: ArrayLike,
        target: ArrayLike,
        weight: ArrayLike | None,
        ignore_index: int,
        reduction: str,
        allow_probabilities: bool,
    ) -> None:
        array = _float_input(
            values, input_name, "logits" if input_name == "logits" else "log-probabilities"
        )
        self.reduction = _check_reduction(reduction)
        self.ignore_index = _check_ignore_index(ignore_index)
        self.class_axis = 0 if array.ndim == 1 else 1
        self.num_classes = array.shape[self.class_axis]
        self.dtype = array.dtype
        self.input_shape = array.shape
        if self.num_classes == 0:
            raise ValueError(
                f"{input_name} must have at least one class: its class axis "
                f"(axis {self.class_axis}) has length 0 in shape {describe_shape(array.shape)}"
            )
        self.values = array
        self.weight = self._weight(weight)
        target_array = as_numeric_array(target, "target")
        self.probabilities = target_array.shape == array.shape
        if self.probabilities:
            self._probability_target(function, target_array, allow_probabilities)
        else:
            self._index_target(function, target_array, allow_probabilities)

    def _weight(self, weight: ArrayLike | None) -> np.ndarray | None:
        if weight is None:
            return None
        array = as_numeric_array(weight, "weight")
        if array.ndim != 1 or array.shape[0] != self.num_classes:
            raise ValueError(
                f"weight must be a 1-D array with one weight per class (length "
                f"C={self.num_classes}), got shape {describe_shape(array.shape)}"
            )
        return array.astype(self.dtype)

    def _probability_target(
        self, function: str, target: np.ndarray, allow_probabilities: bool
    ) -> None:
        shape = describe_shape(self.input_shape)
        index_shape = describe_shape(self._index_shape())
        if not allow_probabilities:
            raise ValueError(
                f"{function}: target has the input's shape {shape}, but {function} takes "
                f"class indices: an integer target of shape {index_shape}. (Class "
                "probabilities of the input's shape are accepted by cross_entropy only.)"
            )
        if target.dtype.kind != "f":
            raise TypeError(
                f"{function}: target has the input's shape {shape}, so it is read as class "
                f"probabilities, which must be floating point; got dtype {target.dtype}. "
                f"Class-index targets (integers) must have shape {index_shape}."
            )
        if self.ignore_index >= 0:
            raise ValueError(
                f"{function}: ignore_index={self.ignore_index} is not supported with class-"
                "probability targets (target of the input's shape); leave ignore_index at its "
                "default -100 (PyTorch raises here too)"
            )
        self.target = np.moveaxis(target, self.class_axis, -1)
        self.log_probs = np.moveaxis(log_softmax(self.values, self.class_axis), self.class_axis, -1)

    def _index_shape(self) -> tuple[int, ...]:
        if len(self.input_shape) == 1:
            return ()
        return (self.input_shape[0], *self.input_shape[2:])

    def _index_target(self, function: str, target: np.ndarray, allow_probabilities: bool) -> None:
        expected = self._index_shape()
        if target.dtype.kind not in "iu":
            hint = (
                f"float targets must have the input's shape {describe_shape(self.input_shape)} "
                "(class probabilities)"
                if allow_probabilities
                else f"{function} takes class indices only"
            )
            raise TypeError(
                f"{function}: class-index targets must be integers, got target of dtype "
                f"{target.dtype} and shape {describe_shape(target.shape)}; {hint}"
            )
        if len(self.input_shape) == 1 and target.shape == (1,):
            target = target.reshape(())  # PyTorch accepts a 1-element target when unbatched
        if target.shape != expected:
            raise ValueError(self._shape_message(function, target.shape, allow_probabilities))
        target = target.astype(np.int64, copy=False)
        mask = target != self.ignore_index
        bad = mask & ((target < 0) | (target >= self.num_classes))
        if np.any(bad):
            position = tuple(int(i) for i in np.argwhere(bad)[0])
            value = int(target[position])
            where = f" at position {position}" if position else ""
            raise ValueError(
                f"{function}: target holds class index {value}{where}, but class indices must "
                f"be in [0, C) = [0, {self.num_classes}) for input with C={self.num_classes} "
                f"classes (or equal ignore_index={self.ignore_index})"
            )
        self.mask = mask
        self.target = np.where(mask, target, 0)
        if self.weight is None:
            self.target_weight = mask.astype(self.dtype)
        else:
            self.target_weight = np.where(mask, self.weight[self.target], 0).astype(self.dtype)
        # nll_loss is given log-probabilities; cross_entropy computes them from the logits.
        values = (
            self.values if function == "nll_loss" else log_softmax(self.values, self.class_axis)
        )
        self.log_probs = np.moveaxis(values, self.class_axis, -1)

    def _shape_message(self, function: str, got: tuple[int, ...], allow_probabilities: bool) -> str:
        shape = describe_shape(self.input_shape)
        expected = self._index_shape()
        also = (
            f" (class indices) or {shape} (class probabilities, floating point)"
            if allow_probabilities
            else " (class indices)"
        )
        message = (
            f"{function}: target of shape {describe_shape(got)} does not fit input of shape "
            f"{shape}: expected a target of shape {describe_shape(expected)}{also}"
        )
        if len(self.input_shape) == 1:
            return message + "; for an unbatched input of shape (C,) the target is one integer"
        if len(got) == 0:
            return message + f"; a batched input needs one class index per sample (N={expected[0]})"
        if got[0] != expected[0]:
            return message + (
                f"; the batch sizes differ: input has N={expected[0]}, target has {got[0]}"
            )
        if got[1:] != expected[1:]:
            return message + (
                f"; the spatial shapes differ: input has {describe_shape(expected[1:])} after "
                f"the class axis, target has {describe_shape(got[1:])}"
            )
        return message

    # --- the per-element losses and their reductions ---

    def reduce(self, losses: np.ndarray, denominator: np.ndarray) -> np.ndarray:
        if self.reduction == "none":
            return losses
        # Adding 0.0 turns a -0.0 total into 0.0, as PyTorch's accumulator does.
        total = np.sum(losses, dtype=losses.dtype) + 0.0
        if self.reduction == "sum":
            return np.asarray(total)
        return np.asarray(total / denominator)

    def nll(self) -> np.ndarray:
        """The weighted NLL of the class-index target, reduced."""
        picked = np.take_along_axis(self.log_probs, self.target[..., None], axis=-1)[..., 0]
        losses = np.where(self.mask, -picked * self.target_weight, 0).astype(self.dtype)
        return self.reduce(losses, np.sum(self.target_weight, dtype=self.dtype))

    def smooth(self) -> np.ndarray:
        """The label-smoothing term ``−Σ_c w_c log p_c``, masked, reduced like the NLL."""
        weighted = self.log_probs if self.weight is None else self.log_probs * self.weight
        losses = np.where(self.mask, -np.sum(weighted, axis=-1), 0).astype(self.dtype)
        return self.reduce(losses, np.sum(self.target_weight, dtype=self.dtype))

    def smoothed_probabilities(self, label_smoothing: float) -> np.ndarray:
        if label_smoothing > 0:
            return self.target * (1 - label_smoothing) + label_smoothing / self.num_classes
        return self.target

    def probability_loss(self, label_smoothing: float) -> np.ndarray:
        target = self.smoothed_probabilities(label_smoothing)
        product = self.log_probs * target
        if self.weight is not None:
            product = product * self.weight
        losses = -np.sum(product, axis=-1)
        # "mean" divides by the number of positions N·d1·…·dk (0/0 = nan for an empty batch).
        count = self.log_probs.size // self.num_classes
        return self.reduce(losses, np.asarray(count, dtype=losses.dtype))


# --------------------------------------------------------------------------------------------
# the losses
# --------------------------------------------------------------------------------------------


@_quiet
def nll_loss(
    log_probs: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: Reduction = "mean",
) -> np.ndarray | np.floating:
    r"""Negative log-likelihood loss, exactly ``torch.nn.functional.nll_loss``.

    ``log_probs`` holds log-probabilities (usually ``log_softmax(logits, axis=1)``; nothing
    checks that they are), class axis 1 (0 when unbatched), and ``target`` class indices
    ``y_n`` in ``[0, C)``. With class weights ``w`` (default all 1), per element ``n``:

    .. math:: \ell_n = -\,w_{y_n}\, x_{n, y_n} \cdot [y_n \ne \text{ignore\_index}]

    The loss picks the log-probability of the true class; nothing else of ``x`` matters. The
    reductions:

    * ``"none"``: the vector ``(ℓ_1, …, ℓ_N)`` (shape of ``target``; ignored positions 0);
    * ``"sum"``: :math:`\sum_n \ell_n`;
    * ``"mean"``: :math:`\sum_n \ell_n \,/\, \sum_n w_{y_n} [y_n \ne \text{ignore\_index}]`,
      a *weighted* mean: divided by the total weight of the counted targets, not by ``N``.
      Without weights this is the plain mean over non-ignored targets; if every target is
      ignored it is ``0/0 = nan``, as in PyTorch.

    Returns a NumPy scalar for ``"mean"``/``"sum"``, an array for ``"none"``, in the input's
    dtype. Example (``000_3e7c91f310c3397c.txt``): ``nll_loss([[0.2, 0.3, 0.5]], [2]) == -0.5``.
    """
    problem = _Problem(
        "nll_loss",
        "log_probs",
        log_probs,
        target,
        weight,
        ignore_index,
        reduction,
        allow_probabilities=False,
    )
    return _loss_result(problem.nll(), problem.reduction)


@_quiet
def cross_entropy(
    logits: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: Reduction = "mean",
    label_smoothing: float = 0.0,
) -> np.ndarray | np.floating:
    r"""Cross-entropy loss from logits, exactly ``torch.nn.functional.cross_entropy``.

    ``cross_entropy = nll_loss ∘ log_softmax`` along the class axis (axis 1, or 0 unbatched).

    **Class-index targets** ``y_n`` (integers, shape of the input without the class axis),
    class weights ``w`` (default 1), ``ε = label_smoothing``:

    .. math:: \ell_n = -\,w_{y_n} \log \frac{e^{x_{n,y_n}}}{\sum_c e^{x_{n,c}}}
              \quad (\varepsilon = 0),

    .. math:: \ell_n = (1 - \varepsilon)\Big(-w_{y_n} \log p_{n,y_n}\Big)
              + \frac{\varepsilon}{C} \Big(-\sum_{c=1}^{C} w_c \log p_{n,c}\Big),

    both 0 where ``y_n = ignore_index``. ``"mean"`` divides :math:`\sum_n \ell_n` by
    :math:`\sum_n w_{y_n}` over non-ignored targets (both terms by the same total; ``nan`` if
    none is left), ``"sum"`` adds, ``"none"`` returns the ``ℓ_n``. Without weights the smoothed
    loss is the cross-entropy against ``(1 − ε)·onehot(y) + ε/C`` (:func:`smooth_targets`).
    Note: the smoothing term weighs *every* class by its own ``w_c``, not by ``w_{y_n}``.

    **Class-probability targets** ``t`` (floating, same shape as ``logits``), smoothed to
    ``(1 − ε) t + ε/C`` when ``ε > 0``:

    .. math:: \ell_n = -\sum_{c=1}^{C} w_c\, t_{n,c} \log p_{n,c}

    Here ``"mean"`` divides by the number of elements ``N·d1·…·dk`` (not by any weights), and
    ``ignore_index`` does not apply (a value ≥ 0 is an error, as in PyTorch).

    Returns a NumPy scalar for ``"mean"``/``"sum"``, an array for ``"none"``, in the input's
    dtype. Example (``001_ee845424da2ec974.txt``):
    ``cross_entropy([[0.1, 0.2, 0.3, 0.4], [0.1, 0.1, 0.1, 0.1]], [2, 3])`` ≈ 1.3644, and
    ≈ 1.3669 with ``label_smoothing=0.1``.
    """
    epsilon = _check_label_smoothing(label_smoothing)
    problem = _Problem(
        "cross_entropy",
        "logits",
        logits,
        target,
        weight,
        ignore_index,
        reduction,
        allow_probabilities=True,
    )
    if problem.probabilities:
        return _loss_result(problem.probability_loss(epsilon), problem.reduction)
    if epsilon > 0:
        # PyTorch: (1 - ε) · nll_loss(...) + (ε / C) · smooth_loss, each reduced on its own.
        result = (1 - epsilon) * problem.nll() + problem.smooth() * (epsilon / problem.num_classes)
        return _loss_result(np.asarray(result, dtype=problem.dtype), problem.reduction)
    return _loss_result(problem.nll(), problem.reduction)


@_quiet
def cross_entropy_grad(
    logits: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: Reduction = "mean",
    label_smoothing: float = 0.0,
) -> FloatArray:
    r"""Gradient of :func:`cross_entropy` with respect to ``logits`` (same shape and dtype).

    What ``torch.autograd`` gives for ``cross_entropy(logits, target, …)``; for
    ``reduction="none"`` it is the gradient of the **sum** of the per-element losses (autograd
    with ``grad_outputs`` of ones). With ``p = softmax(logits)`` along the class axis and
    ``q`` the target distribution (``onehot(y)``, smoothed if ``ε > 0``, or the given
    probabilities):

    .. math:: \frac{\partial \ell_n}{\partial x_{n,c}} = p_{n,c} - q_{n,c}
              \qquad \text{(no weights)}

    In general, with ``g_{n,c} = ∂ℓ_n/∂\log p_{n,c}`` (``−w_{y_n}(1−ε)`` at the true class plus
    ``−(ε/C) w_c`` everywhere, or ``−w_c t_{n,c}`` for probabilities):

    .. math:: \frac{\partial \ell_n}{\partial x_{n,c}} = g_{n,c} - p_{n,c} \sum_j g_{n,j}
              \;=\; p_{n,c} \sum_j w_j q_{n,j} - w_c q_{n,c}
              \quad\text{(probability targets)}

    scaled by ``1/D`` for ``"mean"`` (``D = Σ_n w_{y_n}`` over non-ignored class targets, or
    ``N·d1·…·dk`` for probability targets). Ignored positions get a zero gradient.
    """
    epsilon = _check_label_smoothing(label_smoothing)
    problem = _Problem(
        "cross_entropy",
        "logits",
        logits,
        target,
        weight,
        ignore_index,
        reduction,
        allow_probabilities=True,
    )
    dtype = problem.dtype
    log_probs = problem.log_probs
    if problem.probabilities:
        q = problem.smoothed_probabilities(epsilon)
        grad_log_probs = -q if problem.weight is None else -(q * problem.weight)
        if problem.reduction == "mean":
            count = log_probs.size // problem.num_classes
            grad_log_probs = grad_log_probs / count if count else grad_log_probs
    else:
        scale = np.asarray(1, dtype=dtype)
        if problem.reduction == "mean":
            scale = scale / np.sum(problem.target_weight, dtype=dtype)
        # ∂(weighted NLL)/∂ log p: −w_y · scale at the true class (0 where ignored).
        nll_part = -scale
        if epsilon > 0:
            nll_part = nll_part * (1 - epsilon)
        grad_log_probs = np.zeros(log_probs.shape, dtype=dtype)
        true_class = np.where(problem.mask, nll_part * problem.target_weight, 0).astype(dtype)
        np.put_along_axis(grad_log_probs, problem.target[..., None], true_class[..., None], axis=-1)
        if epsilon > 0:
            class_weights = (
                np.ones(problem.num_classes, dtype=dtype)
                if problem.weight is None
                else problem.weight
            )
            smooth = -(scale * (epsilon / problem.num_classes)) * class_weights
            grad_log_probs = grad_log_probs + np.where(problem.mask[..., None], smooth, 0).astype(
                dtype
            )
    # Backward of log_softmax: g − softmax · Σ_c g (softmax recovered as exp(log p)).
    grad = grad_log_probs - np.exp(log_probs) * np.sum(grad_log_probs, axis=-1, keepdims=True)
    return np.moveaxis(grad.astype(dtype, copy=False), -1, problem.class_axis)


# --------------------------------------------------------------------------------------------
# binary cross-entropy: sigmoid, log_sigmoid, BCE from probabilities and from logits
# --------------------------------------------------------------------------------------------

#: The floor PyTorch puts under each log in :func:`binary_cross_entropy`: ``max(log p, −100)``,
#: so one element's loss is at most 100 (times its weight), never ``inf``.
BCE_LOG_FLOOR = -100.0


@_quiet
def sigmoid(x: ArrayLike) -> FloatArray:
    r"""The logistic function, elementwise (``torch.sigmoid``): a probability from a logit.

    .. math:: \sigma(x) = \frac{1}{1 + e^{-x}} = \frac{e^x}{1 + e^x},
              \qquad 1 - \sigma(x) = \sigma(-x)

    Computed as ``1 / (1 + exp(−x))`` in the input's floating dtype, as PyTorch does: for
    ``x ≪ 0`` the exponential overflows to ``inf`` and the result is ``0``; for ``x > 16.64`` in
    float32 (``x > 36.7`` in float64) ``1 + e^{−x}`` rounds to 1 and the result is exactly
    ``1.0``, so ``1 − σ(x)`` is 0. Integer input raises ``TypeError``; 0-d input is fine.
    """
    array = _floating_array(x, "x", "logits")
    return np.asarray(1 / (1 + np.exp(-array)))


@_quiet
def log_sigmoid(x: ArrayLike) -> FloatArray:
    r"""``log σ(x)`` elementwise without overflow or ``log 0`` (``F.logsigmoid``).

    .. math:: \log \sigma(x) = -\operatorname{softplus}(-x)
              = \min(x, 0) - \log\big(1 + e^{-|x|}\big)

    ``e^{−|x|} ≤ 1`` never overflows, and ``log1p`` keeps its digits when it is tiny: for
    ``x = −1e4`` the result is ``−1e4`` (``log(sigmoid(x))`` would be ``log 0 = −inf``), for
    ``x = 40`` it is ``−4.2e−18`` (``log(sigmoid(x))`` would be ``log 1 = 0``). Also
    ``log(1 − σ(x)) = log σ(−x)``. Keeps the floating dtype; integer input raises ``TypeError``.
    """
    array = _floating_array(x, "x", "logits")
    return np.asarray(np.minimum(array, 0) - np.log1p(np.exp(-np.abs(array))))


def _elementwise_target(function: str, target: ArrayLike, input_name: str,
                        input_shape: tuple[int, ...]) -> np.ndarray:
    """The target of a binary loss: floating, of exactly the input's shape."""
    array = as_numeric_array(target, "target")
    if array.shape != input_shape:
        message = (
            f"{function}: target of shape {describe_shape(array.shape)} does not fit "
            f"{input_name} of shape {describe_shape(input_shape)}: the two must have the same "
            "shape, one target per element (PyTorch does not broadcast them either)"
        )
        if array.size == math.prod(input_shape):
            message += (
                f"; both hold {array.size} elements, so reshape one of them, e.g. "
                f"target.reshape({input_name}.shape)"
            )
        raise ValueError(message)
    if array.dtype.kind != "f":
        raise TypeError(
            f"{function}: target must be floating point (labels 0.0/1.0, or probabilities), "
            f"got dtype {array.dtype}; convert it, e.g. target.astype({input_name}.dtype) "
            "(PyTorch refuses integer and bool targets too)"
        )
    return array


def _elementwise_weight(function: str, weight: ArrayLike | None, name: str, input_name: str,
                        input_shape: tuple[int, ...]) -> np.ndarray | None:
    """``weight`` or ``pos_weight``: numbers whose shape broadcasts to the input's shape."""
    if weight is None:
        return None
    array = as_numeric_array(weight, name)
    try:
        shape: tuple[int, ...] | None = np.broadcast_shapes(array.shape, input_shape)
    except ValueError:
        shape = None
    if shape != input_shape:
        message = (
            f"{function}: {name} of shape {describe_shape(array.shape)} does not broadcast to "
            f"{input_name} of shape {describe_shape(input_shape)}: {name} multiplies "
            f"{'the positive term of ' if name == 'pos_weight' else ''}each element's loss, so "
            "its axes, aligned from the right, must each have length 1 or the input's length "
            "(and there may not be more of them)"
        )
        if name == "pos_weight":
            message += (
                "; a (C,) pos_weight applies along the LAST axis, so for input (N, C) give it "
                "shape (C,), for input (N, C, d1, ..., dk) shape (C, 1, ..., 1)"
            )
        raise ValueError(message)
    if array.dtype.kind == "b":
        array = array.astype(np.float64)
    return array


def _check_unit_interval(function: str, array: np.ndarray, name: str, hint: str) -> None:
    """``ValueError`` naming the first entry outside [0, 1] (NaN included), as PyTorch checks."""
    outside = ~((array >= 0) & (array <= 1))
    if np.any(outside):
        position = tuple(int(i) for i in np.argwhere(outside)[0])
        where = f" at index {position}" if position else ""
        raise ValueError(
            f"{function}: {name} must hold values in [0, 1], got {array[position]}{where}{hint}"
        )


def _reduce_elementwise(losses: np.ndarray, reduction: str) -> np.ndarray | np.floating:
    """``"none"``: the array; ``"sum"``; ``"mean"``: the sum over the number of elements."""
    if reduction == "none":
        return _loss_result(losses, reduction)
    # Adding 0.0 turns a -0.0 total into 0.0, as PyTorch's accumulator does.
    total = np.sum(losses, dtype=losses.dtype) + 0.0
    if reduction == "mean":
        total = total / np.asarray(losses.size, dtype=losses.dtype)  # 0/0 = nan when empty
    return _loss_result(np.asarray(total, dtype=losses.dtype), reduction)


@_quiet
def binary_cross_entropy(
    probs: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: Reduction = "mean",
) -> np.ndarray | np.floating:
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
    unlike :func:`nll_loss`); an empty input gives ``nan``.

    Raises ``ValueError`` if a probability or a target lies outside [0, 1] or is NaN (PyTorch
    too), if the shapes differ, or if ``weight`` does not broadcast to the input's shape;
    ``TypeError`` for integer ``probs`` or targets. A target of another floating dtype is cast
    to the dtype of ``probs`` (PyTorch refuses it); the loss has the dtype of ``probs``.
    """
    function = "binary_cross_entropy"
    array = _floating_array(probs, "probs", "probabilities in [0, 1]")
    reduction = _check_reduction(reduction)
    target_array = _elementwise_target(function, target, "probs", array.shape)
    weight_array = _elementwise_weight(function, weight, "weight", "probs", array.shape)
    _check_unit_interval(
        function, array, "probs",
        "; it takes probabilities (e.g. sigmoid outputs): for logits use "
        "binary_cross_entropy_with_logits",
    )
    _check_unit_interval(function, target_array, "target", " (labels 0/1, or probabilities)")
    dtype = array.dtype
    y = target_array.astype(dtype, copy=False)
    log_p = np.maximum(np.log(array), BCE_LOG_FLOOR).astype(dtype, copy=False)
    log_not_p = np.maximum(np.log1p(-array), BCE_LOG_FLOOR).astype(dtype, copy=False)
    losses = (y - 1) * log_not_p - y * log_p
    if weight_array is not None:
        losses = (losses * weight_array).astype(dtype, copy=False)
    return _reduce_elementwise(np.asarray(losses, dtype=dtype), reduction)


class _BinaryProblem:
    """Validated arguments of the with-logits loss and its gradient."""

    function = "binary_cross_entropy_with_logits"

    def __init__(
        self,
        logits: ArrayLike,
        target: ArrayLike,
        weight: ArrayLike | None,
        pos_weight: ArrayLike | None,
        reduction: str,
    ) -> None:
        self.logits = _floating_array(logits, "logits", "logits, any real numbers")
        self.reduction = _check_reduction(reduction)
        shape = self.logits.shape
        self.target = _elementwise_target(self.function, target, "logits", shape)
        self.weight = _elementwise_weight(self.function, weight, "weight", "logits", shape)
        self.pos_weight = _elementwise_weight(
            self.function, pos_weight, "pos_weight", "logits", shape
        )


@_quiet
def binary_cross_entropy_with_logits(
    logits: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    pos_weight: ArrayLike | None = None,
    reduction: Reduction = "mean",
) -> np.ndarray | np.floating:
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
    problem = _BinaryProblem(logits, target, weight, pos_weight, reduction)
    x, y = problem.logits, problem.target
    dtype = y.dtype  # PyTorch: (1 - target).mul_(input) ... computes the loss in place
    log_sigmoid_x = log_sigmoid(x)
    if problem.pos_weight is not None:
        log_weight = (problem.pos_weight - 1) * y + 1
        log_sigmoid_x = (log_sigmoid_x * log_weight).astype(x.dtype, copy=False)
    losses = ((1 - y) * x).astype(dtype, copy=False)
    losses = (losses - log_sigmoid_x).astype(dtype, copy=False)
    if problem.weight is not None:
        losses = (losses * problem.weight).astype(dtype, copy=False)
    return _reduce_elementwise(np.asarray(losses, dtype=dtype), problem.reduction)


@_quiet
def binary_cross_entropy_with_logits_grad(
    logits: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    pos_weight: ArrayLike | None = None,
    reduction: Reduction = "mean",
) -> FloatArray:
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
    problem = _BinaryProblem(logits, target, weight, pos_weight, reduction)
    x, y = problem.logits, problem.target
    probability = sigmoid(x)
    if problem.pos_weight is None:
        grad = probability - y
    else:
        positive = problem.pos_weight * y
        grad = (positive + 1 - y) * probability - positive
    if problem.weight is not None:
        grad = grad * problem.weight
    if problem.reduction == "mean" and x.size:
        grad = grad / x.size
    return np.asarray(grad).astype(x.dtype, copy=False)
