"""Property tests: ``helpers.losses`` against PyTorch, on generated inputs.

Every loss is compared with ``torch.nn.functional`` for every argument combination: unbatched
``(C,)``, ``(N, C)``, ``(N, C, d1)`` and ``(N, C, d1, d2)`` inputs; class-index and
class-probability targets; with and without class weights (zero weights included); with and
without ignored targets (all of them ignored included); the three reductions; label smoothing
in [0, 1]; logits of scale ~1, ~30 and ~1e4; float32 and float64. Gradients are compared with
``torch.autograd``. The strategies are in ``tests/strategies.py``; the information-theory
properties are in ``tests/test_info.py``.
"""

from __future__ import annotations

import math
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given
from hypothesis import strategies as st

from helpers import losses
from tests.strategies import (
    DTYPES,
    MANY,
    REDUCTIONS,
    SOME,
    LossCase,
    arrays_and_axes,
    loss_cases,
)

pytestmark = pytest.mark.slow

# The tensors here are tiny: one thread is ~100x faster than a contended thread pool.
torch.set_num_threads(1)

#: (rtol, atol per unit of logit scale) for losses, and (rtol, atol) for gradients, by dtype.
LOSS_TOLERANCE = {np.float32: (2e-6, 4e-6), np.float64: (1e-10, 1e-13)}
GRAD_TOLERANCE = {np.float32: (1e-5, 2e-6), np.float64: (1e-10, 1e-14)}


def assert_loss_matches(ours: Any, theirs: torch.Tensor, case: LossCase) -> None:
    expected = theirs.detach().numpy()
    assert isinstance(ours, np.ndarray | np.floating)
    assert np.shape(ours) == expected.shape
    assert np.asarray(ours).dtype == expected.dtype == case.dtype
    rtol, atol = LOSS_TOLERANCE[case.dtype]
    np.testing.assert_allclose(ours, expected, rtol=rtol, atol=atol * case.scale, equal_nan=True)


def assert_grad_matches(ours: np.ndarray, theirs: torch.Tensor, case: LossCase) -> None:
    expected = theirs.numpy()
    assert ours.shape == expected.shape == case.logits.shape
    assert ours.dtype == expected.dtype
    rtol, atol = GRAD_TOLERANCE[case.dtype]
    np.testing.assert_allclose(ours, expected, rtol=rtol, atol=atol, equal_nan=True)


def torch_cross_entropy_and_grad(case: LossCase) -> tuple[torch.Tensor, torch.Tensor]:
    logits = torch.tensor(case.logits, requires_grad=True)
    loss = F.cross_entropy(
        logits, torch.from_numpy(case.target), label_smoothing=case.label_smoothing,
        **case.torch_kwargs(),
    )
    loss.sum().backward()  # for reduction="none": the gradient of the sum
    assert logits.grad is not None
    return loss, logits.grad


# --------------------------------------------------------------------------------------------
# softmax, log_softmax, logsumexp
# --------------------------------------------------------------------------------------------


@MANY
@given(arrays_and_axes())
def test_softmax_matches_torch(drawn: tuple[np.ndarray, float, int]) -> None:
    x, _, axis = drawn
    ours = losses.softmax(x, axis=axis)
    theirs = torch.softmax(torch.from_numpy(x), dim=axis).numpy()
    assert ours.dtype == x.dtype and ours.shape == x.shape
    rtol, atol = GRAD_TOLERANCE[x.dtype.type]
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


@MANY
@given(arrays_and_axes())
def test_log_softmax_matches_torch(drawn: tuple[np.ndarray, float, int]) -> None:
    x, scale, axis = drawn
    ours = losses.log_softmax(x, axis=axis)
    theirs = torch.log_softmax(torch.from_numpy(x), dim=axis).numpy()
    assert ours.dtype == x.dtype and ours.shape == x.shape
    assert np.all(np.isfinite(ours))  # never log(0), even at scale 1e4 in float32
    rtol, atol = LOSS_TOLERANCE[x.dtype.type]
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol * scale)


@MANY
@given(arrays_and_axes(), st.booleans())
def test_logsumexp_matches_torch(drawn: tuple[np.ndarray, float, int], keepdims: bool) -> None:
    x, scale, axis = drawn
    ours = losses.logsumexp(x, axis=axis, keepdims=keepdims)
    theirs = torch.logsumexp(torch.from_numpy(x), dim=axis, keepdim=keepdims).numpy()
    assert np.shape(ours) == theirs.shape
    assert np.asarray(ours).dtype == x.dtype
    rtol, atol = LOSS_TOLERANCE[x.dtype.type]
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol * scale)


@pytest.mark.parametrize(
    "row",
    [
        [-math.inf, -math.inf],
        [math.inf, 0.0],
        [math.inf, -math.inf],
        [math.nan, 0.0],
        [-math.inf, 0.0],
        [math.inf, math.inf],
    ],
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_special_values_match_torch(row: list[float], dtype: type[np.floating]) -> None:
    x = np.array(row, dtype=dtype)
    t = torch.from_numpy(x)
    np.testing.assert_array_equal(losses.softmax(x), torch.softmax(t, 0).numpy())
    np.testing.assert_array_equal(losses.log_softmax(x), torch.log_softmax(t, 0).numpy())
    np.testing.assert_array_equal(losses.logsumexp(x), torch.logsumexp(t, 0).numpy())


@MANY
@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6),
               elements=st.floats(-50.0, 50.0)),
    st.floats(-1e3, 1e3),
)
def test_softmax_is_shift_invariant(x: np.ndarray, shift: float) -> None:
    np.testing.assert_allclose(losses.softmax(x + shift), losses.softmax(x), rtol=1e-9,
                               atol=1e-15)
    np.testing.assert_allclose(losses.log_softmax(x + shift), losses.log_softmax(x),
                               rtol=1e-9, atol=1e-9)


@MANY
@given(arrays_and_axes())
def test_softmax_is_a_distribution_and_log_softmax_its_log(
    drawn: tuple[np.ndarray, float, int],
) -> None:
    x, _, axis = drawn
    p = losses.softmax(x, axis=axis)
    eps = float(np.finfo(x.dtype).eps)
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=0, atol=8 * eps)
    # exp(log_softmax) is softmax (the log of softmax would be -inf where p underflows).
    np.testing.assert_allclose(np.exp(losses.log_softmax(x, axis=axis)), p, rtol=16 * eps,
                               atol=8 * eps)
    # log_softmax(x) = x - logsumexp(x)
    lse = losses.logsumexp(x.astype(np.float64), axis=axis, keepdims=True)
    np.testing.assert_allclose(losses.log_softmax(x.astype(np.float64), axis=axis),
                               x.astype(np.float64) - lse, rtol=1e-12, atol=1e-9)


# --------------------------------------------------------------------------------------------
# nll_loss and cross_entropy
# --------------------------------------------------------------------------------------------


@MANY
@given(loss_cases(probabilities=False, smoothing=False))
def test_nll_loss_matches_torch(case: LossCase) -> None:
    log_probs = torch.log_softmax(torch.from_numpy(case.logits), dim=case.class_axis)
    theirs = F.nll_loss(log_probs, torch.from_numpy(case.target), **case.torch_kwargs())
    ours = losses.nll_loss(log_probs.numpy(), case.target, **case.kwargs)
    assert_loss_matches(ours, theirs, case)


@MANY
@given(loss_cases(probabilities=False))
def test_cross_entropy_class_targets_match_torch(case: LossCase) -> None:
    theirs, _ = torch_cross_entropy_and_grad(case)
    ours = losses.cross_entropy(case.logits, case.target, label_smoothing=case.label_smoothing,
                                **case.kwargs)
    assert_loss_matches(ours, theirs, case)


@MANY
@given(loss_cases(probabilities=True))
def test_cross_entropy_probability_targets_match_torch(case: LossCase) -> None:
    theirs, _ = torch_cross_entropy_and_grad(case)
    ours = losses.cross_entropy(case.logits, case.target, label_smoothing=case.label_smoothing,
                                **case.kwargs)
    assert_loss_matches(ours, theirs, case)


@MANY
@given(loss_cases(probabilities=False))
def test_cross_entropy_grad_class_targets_matches_autograd(case: LossCase) -> None:
    _, theirs = torch_cross_entropy_and_grad(case)
    ours = losses.cross_entropy_grad(case.logits, case.target,
                                     label_smoothing=case.label_smoothing, **case.kwargs)
    assert_grad_matches(ours, theirs, case)


@MANY
@given(loss_cases(probabilities=True))
def test_cross_entropy_grad_probability_targets_matches_autograd(case: LossCase) -> None:
    _, theirs = torch_cross_entropy_and_grad(case)
    ours = losses.cross_entropy_grad(case.logits, case.target,
                                     label_smoothing=case.label_smoothing, **case.kwargs)
    assert_grad_matches(ours, theirs, case)


@SOME
@given(loss_cases(probabilities=False, smoothing=False))
def test_cross_entropy_is_nll_of_log_softmax(case: LossCase) -> None:
    log_probs = losses.log_softmax(case.logits, axis=case.class_axis)
    np.testing.assert_array_equal(
        losses.cross_entropy(case.logits, case.target, **case.kwargs),
        losses.nll_loss(log_probs, case.target, **case.kwargs),
    )


@SOME
@given(loss_cases(probabilities=False))
def test_unweighted_label_smoothing_is_cross_entropy_with_smoothed_targets(case: LossCase) -> None:
    """No weights, nothing ignored: ``label_smoothing=ε`` = targets ``(1−ε)·onehot + ε/C``."""
    target = np.where(case.target == case.ignore_index, 0, case.target)
    logits = case.logits.astype(np.float64)
    classes = logits.shape[case.class_axis]
    smoothed = np.moveaxis(
        losses.smooth_targets(target, classes, case.label_smoothing), -1, case.class_axis
    )
    with_index = losses.cross_entropy(logits, target, reduction=case.reduction,
                                      label_smoothing=case.label_smoothing)
    with_probabilities = losses.cross_entropy(logits, smoothed, reduction=case.reduction)
    np.testing.assert_allclose(with_index, with_probabilities, rtol=1e-10,
                               atol=1e-12 * case.scale)
    # ... and the gradient of the summed loss is softmax minus the smoothed target.
    grad = losses.cross_entropy_grad(logits, target, reduction="sum",
                                     label_smoothing=case.label_smoothing)
    np.testing.assert_allclose(grad, losses.softmax(logits, axis=case.class_axis) - smoothed,
                               rtol=1e-9, atol=1e-12)


@SOME
@given(loss_cases(probabilities=False))
def test_grad_is_the_derivative_of_the_loss(case: LossCase) -> None:
    """A central finite difference of ``cross_entropy`` in a random direction (float64)."""
    logits = case.logits.astype(np.float64) / case.scale  # scale ~1: smooth enough for h=1e-6
    weight = None if case.weight is None else case.weight.astype(np.float64)
    kwargs = {**case.kwargs, "weight": weight, "label_smoothing": case.label_smoothing}

    def total(x: np.ndarray) -> float:
        return float(np.sum(losses.cross_entropy(x, case.target, **kwargs)))

    # a mean over no counted targets (nan): nothing to differentiate
    assume(np.isfinite(total(logits)))
    direction = np.random.default_rng(0).standard_normal(logits.shape)
    h = 1e-6
    numeric = (total(logits + h * direction) - total(logits - h * direction)) / (2 * h)
    analytic = float(np.sum(losses.cross_entropy_grad(logits, case.target, **kwargs) * direction))
    assert numeric == pytest.approx(analytic, rel=1e-5, abs=1e-7)


@pytest.mark.parametrize("probabilities", [False, True])
@pytest.mark.parametrize("shape", [(0, 3), (0, 3, 2)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_empty_batch_matches_torch(
    probabilities: bool, shape: tuple[int, ...], reduction: str
) -> None:
    logits = np.zeros(shape)
    target = np.zeros(shape) if probabilities else np.zeros(shape[:1] + shape[2:], np.int64)
    case = LossCase(logits, target, 1.0, reduction=reduction, probabilities=probabilities)
    theirs, torch_grad = torch_cross_entropy_and_grad(case)
    assert_loss_matches(losses.cross_entropy(logits, target, reduction=reduction), theirs, case)
    assert_grad_matches(losses.cross_entropy_grad(logits, target, reduction=reduction),
                        torch_grad, case)
