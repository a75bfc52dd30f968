r"""PyTorch's KL-divergence loss, ``kl_div``, from scratch in NumPy.

Like :mod:`helpers.losses` (whose length it would push past the limit of a helpers file), it
reproduces ``torch.nn.functional.kl_div`` without importing torch: same arguments, defaults,
shapes, dtypes and results to rounding. ``tests/test_losses.py`` compares them on generated
inputs. For the divergence of two explicit distributions (in nats, bits or bans), see
:func:`helpers.info.kl_divergence`; ``kl_div`` is the loss, with PyTorch's argument order:

* ``input`` holds the **model's** log-probabilities :math:`\log q` (usually a ``log_softmax``);
* ``target`` holds the **target's** probabilities :math:`p`, or :math:`\log p` with
  ``log_target=True``;

so ``kl_div(log q, p, reduction="sum")`` is :math:`\mathrm{KL}(p \,\|\, q)`, the reverse of
the order in which the arguments are passed.

Shapes broadcast as in PyTorch (NumPy's rules); the result has the dtype of the two arrays
combined by PyTorch's promotion (float32 with float64 gives float64, but a 0-d operand does not
widen a dimensioned one); integer or bool arrays raise ``TypeError``, as in PyTorch.

Deliberate differences from PyTorch (never a different number): errors are ``ValueError`` /
``TypeError`` with messages naming the argument and the expectation; ``reduction="mean"`` does
not warn (PyTorch warns that it divides by every element, not by the batch: see
:func:`kl_div`); the pre-1.0 ``"elementwise_mean"`` and the arguments ``size_average`` and
``reduce`` are not accepted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from helpers._numerics import quiet, reduce
from helpers._validation import (
    KL_REDUCTIONS,
    check_reduction,
    common_float_dtype,
    describe_shape,
    floating_array_any_shape,
)

__all__ = ["KL_REDUCTIONS", "DivergenceReduction", "kl_div"]

DivergenceReduction = Literal["none", "batchmean", "sum", "mean"]


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


@quiet
def kl_div(input: ArrayLike, target: ArrayLike, reduction: DivergenceReduction = "mean",
           log_target: bool = False) -> np.ndarray | np.floating:
    r"""The KL-divergence loss, exactly ``torch.nn.functional.kl_div``.

    ``input`` is :math:`\log q` (log-probabilities), ``target`` is :math:`p`; pointwise

    .. math:: \ell = p\,(\log p - \log q) \quad\text{computed as}\quad
              \operatorname{xlogy}(p, p) - p \log q,

    where :math:`\operatorname{xlogy}(0, 0) = 0` (the convention :math:`0 \log 0 = 0`), so a
    target 0 contributes 0 wherever :math:`\log q` is finite. With ``log_target=True``,
    ``target`` is :math:`\log p` and

    .. math:: \ell = e^{\log p}\,(\log p - \log q),

    which stays finite for a target probability that underflows to 0. The reductions:

    * ``"none"``: the pointwise :math:`\ell` (the broadcast shape);
    * ``"sum"``: their total; for one distribution of shape ``(C,)`` this is
      :math:`\mathrm{KL}(p \,\|\, q)`;
    * ``"batchmean"``: the total divided by ``input.shape[0]`` (PyTorch divides by the input's
      first axis, whatever the broadcasting; by nothing for 0-d input): for ``(N, C)``, the
      mean over the batch of :math:`\mathrm{KL}(p_n \,\|\, q_n)`, the divergence's definition;
    * ``"mean"`` (the default): the total divided by the **number of elements**, ``N·C`` for
      ``(N, C)``: the batchmean divided by ``C``, not a KL divergence (PyTorch warns about it).

    Returns a NumPy scalar for the reductions, an array for ``"none"`` (0-d for 0-d input).
    Nothing checks that ``input`` or ``target`` are distributions: NaN and negative targets
    propagate as in PyTorch (:math:`\log` of a negative number is NaN).
    """
    arguments = parse_kl_div(input, target, reduction, log_target)
    dtype, p = arguments.dtype, arguments.target
    log_q = arguments.log_q.astype(dtype)
    # As PyTorch rounds: the terms of the target alone in its dtype, the rest in the result's.
    if arguments.log_target:
        pointwise = np.exp(p).astype(dtype) * (p.astype(dtype) - log_q)
    else:
        pointwise = np.where(p == 0, 0, p * np.log(p)).astype(dtype) - p.astype(dtype) * log_q
    # "batchmean" is a mean with another denominator (1 for 0-d input: the sum).
    mode = "mean" if arguments.reduction == "batchmean" else arguments.reduction
    return reduce(pointwise, mode, np.asarray(arguments.denominator, dtype=pointwise.dtype))
