"""The arguments of the losses, checked and parsed into small frozen records: one call per loss.

:func:`parse_class_loss` reads the arguments of ``nll_loss`` and ``cross_entropy`` (and its
gradient) into an :class:`IndexTarget` or a :class:`ProbabilityTarget`, with the class axis
moved last; :func:`parse_binary_cross_entropy` and :func:`parse_binary_cross_entropy_with_logits`
read those of the elementwise binary losses into :class:`ElementwiseArguments`;
:func:`parse_kl_div` those of ``kl_div`` into :class:`DivergenceArguments`. Bad arguments
raise ``TypeError``/``ValueError`` with messages that name the function and the argument.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers._validation import (
    KL_REDUCTIONS,
    as_numeric_array,
    check_integer,
    check_label_smoothing,
    check_reduction,
    common_float_dtype,
    describe_shape,
    floating_array_any_shape,
    floating_array_with_class_axis,
)

__all__ = [
    "ClassLoss",
    "DivergenceArguments",
    "ElementwiseArguments",
    "IndexTarget",
    "ProbabilityTarget",
    "parse_binary_cross_entropy",
    "parse_binary_cross_entropy_with_logits",
    "parse_class_loss",
    "parse_kl_div",
]


# --------------------------------------------------------------------------------------------
# nll_loss, cross_entropy, cross_entropy_grad: a class axis (1, or 0 unbatched)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ClassLoss:
    """What a loss with a class axis takes, for its checks and their messages."""

    name: str  #: ``"cross_entropy"``: the function, as the messages name it
    input_name: str  #: ``"logits"``: its first argument
    input_kind: str  #: ``"logits"`` or ``"log-probabilities"``
    takes_probabilities: bool  #: whether a target of the input's shape (probabilities) is allowed
    #: turns the input into log-probabilities along an axis; None: it holds them already
    log_softmax: Callable[[np.ndarray, int], np.ndarray] | None


@dataclass(frozen=True, eq=False)
class _ClassAxisArguments:
    """Checked arguments with the class axis moved last.

    ``log_probs`` has shape ``S + (C,)`` in the input's dtype, where ``S`` is ``()`` unbatched,
    ``(N,)`` or ``(N, d1, …, dk)``; ``weight`` is ``(C,)`` in that dtype, or None.
    """

    log_probs: np.ndarray
    target: np.ndarray
    weight: np.ndarray | None
    reduction: str
    label_smoothing: float
    class_axis: int
    num_classes: int
    dtype: np.dtype


@dataclass(frozen=True, eq=False)
class IndexTarget(_ClassAxisArguments):
    """Class-index targets: ``target`` (int64, shape ``S``, 0 where ignored), ``mask`` (True where
    not ignored) and ``target_weight`` (``w[y]``, 0 where ignored)."""

    mask: np.ndarray
    target_weight: np.ndarray


@dataclass(frozen=True, eq=False)
class ProbabilityTarget(_ClassAxisArguments):
    """Class-probability targets: ``target`` of shape ``S + (C,)``, floating."""

    @property
    def positions(self) -> int:
        """``N·d1·…·dk``: what ``"mean"`` divides by."""
        return self.log_probs.size // self.num_classes


def parse_class_loss(
    loss: ClassLoss,
    values: Any,
    target: Any,
    weight: Any,
    ignore_index: Any,
    reduction: Any,
    label_smoothing: Any = 0.0,
) -> IndexTarget | ProbabilityTarget:
    """Check the arguments of ``loss`` and read them into a record, the class axis last.

    A target of exactly the input's shape holds class probabilities, any other class indices.
    """
    epsilon = check_label_smoothing(label_smoothing)
    array = floating_array_with_class_axis(values, loss.input_name, loss.input_kind)
    reduction = check_reduction(reduction)
    ignore_index = check_integer(
        ignore_index, "ignore_index", "an integer (a class index to skip)", show_type=False
    )
    class_axis = 0 if array.ndim == 1 else 1
    num_classes = array.shape[class_axis]
    if num_classes == 0:
        raise ValueError(
            f"{loss.input_name} must have at least one class: its class axis "
            f"(axis {class_axis}) has length 0 in shape {describe_shape(array.shape)}"
        )
    common = {
        "weight": _class_weights(weight, num_classes, array.dtype),
        "reduction": reduction,
        "label_smoothing": epsilon,
        "class_axis": class_axis,
        "num_classes": num_classes,
        "dtype": array.dtype,
    }
    target_array = as_numeric_array(target, "target")
    if target_array.shape == array.shape:
        _check_probability_target(loss, target_array, array.shape, ignore_index)
        return ProbabilityTarget(
            log_probs=_log_probs_class_last(loss, array, class_axis),
            target=np.moveaxis(target_array, class_axis, -1),
            **common,
        )
    indices = _index_target(loss, target_array, array.shape, num_classes, ignore_index)
    mask = indices != ignore_index
    indices = np.where(mask, indices, 0)
    weights = common["weight"]
    if weights is None:
        target_weight = mask.astype(array.dtype)
    else:
        target_weight = np.where(mask, weights[indices], 0).astype(array.dtype)
    return IndexTarget(
        log_probs=_log_probs_class_last(loss, array, class_axis),
        target=indices,
        mask=mask,
        target_weight=target_weight,
        **common,
    )


def _log_probs_class_last(loss: ClassLoss, array: np.ndarray, class_axis: int) -> np.ndarray:
    log_probs = array if loss.log_softmax is None else loss.log_softmax(array, class_axis)
    return np.moveaxis(log_probs, class_axis, -1)


def _class_weights(weight: Any, num_classes: int, dtype: np.dtype) -> np.ndarray | None:
    if weight is None:
        return None
    array = as_numeric_array(weight, "weight")
    if array.ndim != 1 or array.shape[0] != num_classes:
        raise ValueError(
            f"weight must be a 1-D array with one weight per class (length "
            f"C={num_classes}), got shape {describe_shape(array.shape)}"
        )
    return array.astype(dtype)


def _index_shape(input_shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of class-index targets: the input's shape without the class axis."""
    if len(input_shape) == 1:
        return ()
    return (input_shape[0], *input_shape[2:])


def _check_probability_target(
    loss: ClassLoss, target: np.ndarray, input_shape: tuple[int, ...], ignore_index: int
) -> None:
    function = loss.name
    shape = describe_shape(input_shape)
    index_shape = describe_shape(_index_shape(input_shape))
    if not loss.takes_probabilities:
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
    if ignore_index >= 0:
        raise ValueError(
            f"{function}: ignore_index={ignore_index} is not supported with class-"
            "probability targets (target of the input's shape); leave ignore_index at its "
            "default -100 (PyTorch raises here too)"
        )


def _index_target(
    loss: ClassLoss,
    target: np.ndarray,
    input_shape: tuple[int, ...],
    num_classes: int,
    ignore_index: int,
) -> np.ndarray:
    """The class indices as int64 of the index shape, each in [0, C) or ``ignore_index``."""
    function = loss.name
    if target.dtype.kind not in "iu":
        hint = (
            f"float targets must have the input's shape {describe_shape(input_shape)} "
            "(class probabilities)"
            if loss.takes_probabilities
            else f"{function} takes class indices only"
        )
        raise TypeError(
            f"{function}: class-index targets must be integers, got target of dtype "
            f"{target.dtype} and shape {describe_shape(target.shape)}; {hint}"
        )
    if len(input_shape) == 1 and target.shape == (1,):
        target = target.reshape(())  # PyTorch accepts a 1-element target when unbatched
    if target.shape != _index_shape(input_shape):
        raise ValueError(_shape_message(loss, input_shape, target.shape))
    target = target.astype(np.int64, copy=False)
    bad = (target != ignore_index) & ((target < 0) | (target >= num_classes))
    if np.any(bad):
        position = tuple(int(i) for i in np.argwhere(bad)[0])
        value = int(target[position])
        where = f" at position {position}" if position else ""
        raise ValueError(
            f"{function}: target holds class index {value}{where}, but class indices must "
            f"be in [0, C) = [0, {num_classes}) for input with C={num_classes} "
            f"classes (or equal ignore_index={ignore_index})"
        )
    return target


def _shape_message(loss: ClassLoss, input_shape: tuple[int, ...], got: tuple[int, ...]) -> str:
    shape = describe_shape(input_shape)
    expected = _index_shape(input_shape)
    also = (
        f" (class indices) or {shape} (class probabilities, floating point)"
        if loss.takes_probabilities
        else " (class indices)"
    )
    message = (
        f"{loss.name}: target of shape {describe_shape(got)} does not fit input of shape "
        f"{shape}: expected a target of shape {describe_shape(expected)}{also}"
    )
    if len(input_shape) == 1:
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


# --------------------------------------------------------------------------------------------
# binary_cross_entropy, binary_cross_entropy_with_logits (and its gradient): elementwise
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ElementwiseArguments:
    """Checked arguments of a binary loss: ``values`` (probabilities or logits, floating) and
    ``target`` of one shape; ``weight`` and ``pos_weight`` broadcast to it, or None."""

    values: np.ndarray
    target: np.ndarray
    weight: np.ndarray | None
    pos_weight: np.ndarray | None
    reduction: str


def parse_binary_cross_entropy(
    probs: Any, target: Any, weight: Any, reduction: Any
) -> ElementwiseArguments:
    """The arguments of ``binary_cross_entropy``: probabilities and targets in [0, 1]."""
    function = "binary_cross_entropy"
    arguments = _parse_elementwise(
        function, "probs", "probabilities in [0, 1]", probs, target, weight, None, reduction
    )
    _check_unit_interval(
        function, arguments.values, "probs",
        "; it takes probabilities (e.g. sigmoid outputs): for logits use "
        "binary_cross_entropy_with_logits",
    )
    _check_unit_interval(
        function, arguments.target, "target", " (labels 0/1, or probabilities)"
    )
    return arguments


def parse_binary_cross_entropy_with_logits(
    logits: Any, target: Any, weight: Any, pos_weight: Any, reduction: Any
) -> ElementwiseArguments:
    """The arguments of ``binary_cross_entropy_with_logits`` and of its gradient."""
    return _parse_elementwise(
        "binary_cross_entropy_with_logits", "logits", "logits, any real numbers",
        logits, target, weight, pos_weight, reduction,
    )


def _parse_elementwise(
    function: str, input_name: str, what: str, values: Any, target: Any, weight: Any,
    pos_weight: Any, reduction: Any,
) -> ElementwiseArguments:
    array = floating_array_any_shape(values, input_name, what)
    reduction = check_reduction(reduction)
    shape = array.shape
    return ElementwiseArguments(
        values=array,
        target=_elementwise_target(function, target, input_name, shape),
        weight=_elementwise_weight(function, weight, "weight", input_name, shape),
        pos_weight=_elementwise_weight(function, pos_weight, "pos_weight", input_name, shape),
        reduction=reduction,
    )


def _elementwise_target(
    function: str, target: Any, input_name: str, input_shape: tuple[int, ...]
) -> np.ndarray:
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


def _elementwise_weight(
    function: str, weight: Any, name: str, input_name: str, input_shape: tuple[int, ...]
) -> np.ndarray | None:
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


# --------------------------------------------------------------------------------------------
# kl_div: elementwise, broadcasting
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DivergenceArguments:
    """Checked arguments of ``kl_div``: ``log_q`` (the input) and ``target``, floating, shapes
    that broadcast; ``dtype``, the result's; ``denominator``: what ``"mean"`` (the number of
    elements) or ``"batchmean"`` (the input's first axis, 1 for 0-d input) divides the sum by."""

    log_q: np.ndarray
    target: np.ndarray
    dtype: np.dtype
    reduction: str
    log_target: bool
    denominator: int


def parse_kl_div(input: Any, target: Any, reduction: Any, log_target: Any) -> DivergenceArguments:
    """The arguments of ``kl_div``: floating arrays that broadcast (as PyTorch does)."""
    reduction = check_reduction(reduction, KL_REDUCTIONS)
    if not isinstance(log_target, bool | np.bool_):
        raise TypeError(
            f"log_target must be True or False, got {type(log_target).__name__}: {log_target!r}"
        )
    what = "log-probabilities" if log_target else "probabilities"
    log_q = floating_array_any_shape(input, "input", "log-probabilities")
    p = floating_array_any_shape(target, "target", what)
    try:
        shape = np.broadcast_shapes(log_q.shape, p.shape)
    except ValueError:
        raise ValueError(
            f"kl_div: target of shape {describe_shape(p.shape)} does not broadcast with input "
            f"of shape {describe_shape(log_q.shape)}: aligned from the right, each pair of axes "
            "must have equal lengths or one of them 1 (usually the two have one shape, (N, C))"
        ) from None
    denominator = 1
    if reduction == "mean":
        denominator = math.prod(shape)
    elif reduction == "batchmean" and log_q.ndim:
        denominator = log_q.shape[0]  # PyTorch divides by input.size(0), whatever broadcasts
    return DivergenceArguments(
        log_q, p, common_float_dtype(log_q, p), reduction, bool(log_target), denominator
    )
