"""helpers/losses.py and helpers/divergence.py: against PyTorch on generated inputs, and on the
documents' numbers.

**Properties** (hypothesis; marked ``slow``). Every loss is compared with
``torch.nn.functional`` for every argument combination: unbatched ``(C,)``, ``(N, C)``, ``(N, C,
d1)`` and ``(N, C, d1, d2)`` inputs; class-index and class-probability targets; with and without
class weights (zero weights included); with and without ignored targets (all of them ignored
included); the three reductions; label smoothing in [0, 1]; logits of scale ~1, ~30 and ~1e4;
float32 and float64. Gradients are compared with ``torch.autograd``. ``kl_div`` is compared with
``F.kl_div`` for each of its four reductions and both ``log_target``, on 1-D to 4-D shapes (some
broadcasting), float32 and float64, log-probabilities of logits up to ±30 and targets with exact
zeros (or, in log space, probabilities that underflow and ``-inf``). The strategies are in
``tests/strategies.py``; the information-theory properties are in ``tests/test_info.py``.

**Worked examples.** Each test names the document (in ``/work/shared/seeds/``) and the place the
number comes from. Documents print 4 decimals (``tensor(1.3644)``), so the helpers' results are
compared after rounding to 4 decimals, exactly as the documents rounded them, and with PyTorch
to rounding error. The inputs are float32, as ``torch.tensor([...])`` makes them in the
documents.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given
from hypothesis import strategies as st

from helpers import divergence, info, losses
from tests.strategies import (
    DTYPES,
    MANY,
    REDUCTIONS,
    SOME,
    DivergenceCase,
    LossCase,
    arrays_and_axes,
    generators,
    kl_div_cases,
    logit_arrays,
    loss_cases,
)

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


@pytest.mark.slow
@MANY
@given(arrays_and_axes())
def test_softmax_matches_torch(drawn: tuple[np.ndarray, float, int]) -> None:
    x, _, axis = drawn
    ours = losses.softmax(x, axis=axis)
    theirs = torch.softmax(torch.from_numpy(x), dim=axis).numpy()
    assert ours.dtype == x.dtype and ours.shape == x.shape
    rtol, atol = GRAD_TOLERANCE[x.dtype.type]
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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
# softmax_jacobian
# --------------------------------------------------------------------------------------------


@st.composite
def jacobian_cases(draw: st.DrawFn) -> tuple[np.ndarray, int]:
    """Logits of 1 to 3 dimensions (float32 or float64, scale ~1, ~30 or ~1e4) and an axis."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=5))
    logits, _ = draw(logit_arrays(shape=shape))
    return logits, draw(st.integers(-logits.ndim, logits.ndim - 1))


def autograd_softmax_jacobian(x: np.ndarray, axis: int) -> np.ndarray:
    """``torch.autograd.functional.jacobian`` of softmax for each slice along ``axis``, stacked
    with the class axis moved last: shape ``(…, C, C)``."""
    slices = np.moveaxis(x, axis, -1)
    rows = torch.from_numpy(np.ascontiguousarray(slices)).reshape(-1, slices.shape[-1])
    blocks = [
        torch.autograd.functional.jacobian(lambda v: torch.softmax(v, 0), row) for row in rows
    ]
    return torch.stack(blocks).reshape(*slices.shape, slices.shape[-1]).numpy()


@pytest.mark.slow
@MANY
@given(jacobian_cases())
def test_softmax_jacobian_matches_autograd(drawn: tuple[np.ndarray, int]) -> None:
    x, axis = drawn
    ours = losses.softmax_jacobian(x, axis=axis)
    theirs = autograd_softmax_jacobian(x, axis)
    assert ours.dtype == theirs.dtype == x.dtype
    assert ours.shape == theirs.shape == (*np.moveaxis(x, axis, -1).shape, x.shape[axis])
    rtol, atol = GRAD_TOLERANCE[x.dtype.type]
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


@pytest.mark.slow
@MANY
@given(jacobian_cases())
def test_softmax_jacobian_is_symmetric_psd_with_rows_summing_to_zero(
    drawn: tuple[np.ndarray, int],
) -> None:
    x, axis = drawn
    jacobian = losses.softmax_jacobian(x, axis=axis)
    classes = x.shape[axis]
    eps = float(np.finfo(x.dtype).eps)
    np.testing.assert_array_equal(jacobian, np.swapaxes(jacobian, -1, -2))
    np.testing.assert_allclose(jacobian.sum(axis=-1), 0.0, rtol=0, atol=4 * classes * eps)
    eigenvalues = np.linalg.eigvalsh(jacobian.astype(np.float64))
    assert np.all(eigenvalues >= -4 * classes * eps)
    # J = diag(q) − q qᵀ, with q the softmax of each slice
    q = np.moveaxis(losses.softmax(x, axis=axis), axis, -1)
    np.testing.assert_array_equal(np.diagonal(jacobian, axis1=-2, axis2=-1), q - q * q)


def test_softmax_jacobian_of_equal_logits() -> None:
    """C equal logits: q = 1/C, so J = (I − 1/C)/C: (C − 1)/C² on the diagonal, −1/C² off it."""
    jacobian = losses.softmax_jacobian(np.zeros((2, 4)), axis=1)
    assert jacobian.shape == (2, 4, 4)
    np.testing.assert_allclose(jacobian, np.broadcast_to((np.eye(4) - 0.25) / 4, (2, 4, 4)),
                               rtol=0, atol=1e-16)


@pytest.mark.parametrize(
    ("x", "axis", "error", "pattern"),
    [
        (np.array([1, 0, 1], dtype=np.int64), -1, TypeError,
         r"x must be a floating-point array \(logits\), got dtype int64"),
        (np.float64(2.0), -1, ValueError,
         r"x must have at least one dimension \(the class axis\), got a 0-d scalar 2\.0"),
        (np.zeros((2, 3)), 2, ValueError,
         r"axis=2 is out of range for an input with 2 dimensions: expected an integer in "
         r"\[-2, 1\]"),
        (np.zeros((2, 3)), 1.0, TypeError, r"axis must be an integer, got float: 1\.0"),
        ("abc", -1, TypeError, r"x must be a number or an array of numbers, got a string"),
        ([[1.0, 2.0], [3.0]], -1, ValueError, r"x must be a rectangular array of numbers"),
    ],
)
def test_softmax_jacobian_error_messages(x: Any, axis: Any, error: type[Exception],
                                         pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        losses.softmax_jacobian(x, axis=axis)


# --------------------------------------------------------------------------------------------
# nll_loss and cross_entropy
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
@MANY
@given(loss_cases(probabilities=False, smoothing=False))
def test_nll_loss_matches_torch(case: LossCase) -> None:
    log_probs = torch.log_softmax(torch.from_numpy(case.logits), dim=case.class_axis)
    theirs = F.nll_loss(log_probs, torch.from_numpy(case.target), **case.torch_kwargs())
    ours = losses.nll_loss(log_probs.numpy(), case.target, **case.kwargs)
    assert_loss_matches(ours, theirs, case)


@pytest.mark.slow
@MANY
@given(loss_cases(probabilities=False))
def test_cross_entropy_class_targets_match_torch(case: LossCase) -> None:
    theirs, _ = torch_cross_entropy_and_grad(case)
    ours = losses.cross_entropy(case.logits, case.target, label_smoothing=case.label_smoothing,
                                **case.kwargs)
    assert_loss_matches(ours, theirs, case)


@pytest.mark.slow
@MANY
@given(loss_cases(probabilities=True))
def test_cross_entropy_probability_targets_match_torch(case: LossCase) -> None:
    theirs, _ = torch_cross_entropy_and_grad(case)
    ours = losses.cross_entropy(case.logits, case.target, label_smoothing=case.label_smoothing,
                                **case.kwargs)
    assert_loss_matches(ours, theirs, case)


@pytest.mark.slow
@MANY
@given(loss_cases(probabilities=False))
def test_cross_entropy_grad_class_targets_matches_autograd(case: LossCase) -> None:
    _, theirs = torch_cross_entropy_and_grad(case)
    ours = losses.cross_entropy_grad(case.logits, case.target,
                                     label_smoothing=case.label_smoothing, **case.kwargs)
    assert_grad_matches(ours, theirs, case)


@pytest.mark.slow
@MANY
@given(loss_cases(probabilities=True))
def test_cross_entropy_grad_probability_targets_matches_autograd(case: LossCase) -> None:
    _, theirs = torch_cross_entropy_and_grad(case)
    ours = losses.cross_entropy_grad(case.logits, case.target,
                                     label_smoothing=case.label_smoothing, **case.kwargs)
    assert_grad_matches(ours, theirs, case)


@pytest.mark.slow
@SOME
@given(loss_cases(probabilities=False, smoothing=False))
def test_cross_entropy_is_nll_of_log_softmax(case: LossCase) -> None:
    log_probs = losses.log_softmax(case.logits, axis=case.class_axis)
    np.testing.assert_array_equal(
        losses.cross_entropy(case.logits, case.target, **case.kwargs),
        losses.nll_loss(log_probs, case.target, **case.kwargs),
    )


@pytest.mark.slow
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


@pytest.mark.slow
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


# --------------------------------------------------------------------------------------------
# kl_div
# --------------------------------------------------------------------------------------------

KL_REDUCTIONS = ("none", "sum", "mean", "batchmean")


def torch_kl_div(log_q: np.ndarray, target: np.ndarray, reduction: str,
                 log_target: bool) -> np.ndarray:
    """``F.kl_div`` on the arrays, checking that it warns exactly for ``reduction="mean"``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = F.kl_div(torch.from_numpy(np.asarray(log_q)), torch.from_numpy(np.asarray(target)),
                          reduction=reduction, log_target=log_target)
    said = [str(warning.message) for warning in caught]
    assert said == (["reduction: 'mean' divides the total loss by both the batch size and the "
                     "support size.'batchmean' divides only by the batch size, and aligns with "
                     "the KL div math definition.'mean' will be changed to behave the same as "
                     "'batchmean' in the next major release."] if reduction == "mean" else [])
    return result.numpy()


def kl_div_magnitude(case: DivergenceCase) -> np.ndarray | float:
    """The reduced sum of the pointwise terms' absolute values (float64): the scale of the
    rounding error (0 where a term is nan or ±inf, whose positions are compared exactly)."""
    log_q = case.log_q.astype(np.float64)
    target = case.target.astype(np.float64)
    p = np.exp(target) if case.log_target else target
    log_p = target if case.log_target else np.log(np.where(p > 0, p, 1.0))
    with np.errstate(invalid="ignore"):  # 0 · (-inf)
        terms = np.nan_to_num(np.abs(p * log_p) + np.abs(p * log_q), nan=0.0, posinf=0.0)
    if case.reduction == "none":
        return terms
    total = float(terms.sum())
    if case.reduction == "mean":
        return total / max(terms.size, 1)
    if case.reduction == "batchmean" and case.log_q.ndim:
        return total / max(case.log_q.shape[0], 1)
    return total


@pytest.mark.slow
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", KL_REDUCTIONS)
@MANY
@given(data=st.data())
def test_kl_div_matches_torch(reduction: str, log_target: bool, data: st.DataObject) -> None:
    case = data.draw(kl_div_cases(reduction, log_target))
    ours = divergence.kl_div(case.log_q, case.target, reduction=reduction,
                             log_target=log_target)
    theirs = torch_kl_div(case.log_q, case.target, reduction, log_target)
    assert isinstance(ours, np.ndarray if reduction == "none" else np.floating)
    assert np.shape(ours) == theirs.shape
    assert np.asarray(ours).dtype == theirs.dtype
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    # A float32 target's own terms are rounded in float32 even when the result is float64, and
    # NumPy's and PyTorch's float32 log and exp may differ in the last bit.
    rtol = 1e-10 if case.eps < 1e-10 else 4e-6
    atol = 16 * case.eps * kl_div_magnitude(case)
    error = np.abs(np.asarray(ours, dtype=np.float64) - theirs)
    assert np.all((error <= atol + rtol * np.abs(theirs)) | np.isnan(theirs)), (ours, theirs)


@pytest.mark.slow
@SOME
@given(st.integers(1, 5), st.integers(1, 6), st.sampled_from([1.0, 30.0]), generators())
def test_kl_div_is_the_kl_divergence_and_the_reductions_divide_its_sum(
    batch: int, classes: int, scale: float, rng: np.random.Generator,
) -> None:
    """For distributions (N, C) along the class axis: ``"sum"`` over one row is KL(p || q) of
    helpers.info, never negative; ``"batchmean"`` = sum / N, ``"mean"`` = sum / (N·C); in log
    space the same where p > 0."""
    log_q = losses.log_softmax(rng.uniform(-scale, scale, (batch, classes)), axis=1)
    p = losses.softmax(rng.uniform(-scale, scale, (batch, classes)), axis=1)
    p[:, 1:][rng.random((batch, classes - 1)) < 0.4] = 0.0  # zeros, one class always kept
    p /= p.sum(axis=1, keepdims=True)
    rows = divergence.kl_div(log_q, p, reduction="none").sum(axis=1)
    np.testing.assert_allclose(rows, info.kl_divergence(p, np.exp(log_q)), rtol=1e-9,
                               atol=1e-12 * scale)
    assert np.all(rows >= -1e-12 * scale)  # Gibbs' inequality
    total = divergence.kl_div(log_q, p, reduction="sum")
    assert divergence.kl_div(log_q, p, reduction="batchmean") == pytest.approx(total / batch,
                                                                               rel=1e-12)
    assert divergence.kl_div(log_q, p) == pytest.approx(total / p.size, rel=1e-12)
    positive = p > 0
    with np.errstate(divide="ignore"):
        in_log_space = divergence.kl_div(log_q, np.log(p), reduction="none", log_target=True)
    np.testing.assert_allclose(in_log_space[positive],
                               divergence.kl_div(log_q, p, reduction="none")[positive],
                               rtol=1e-9, atol=1e-12 * scale)


@pytest.mark.parametrize("dtype", DTYPES)
def test_kl_div_takes_zero_log_zero_as_zero_like_torch(dtype: type[np.floating]) -> None:
    """A target 0 contributes exactly 0 where log q is finite; with log q = -inf it is
    0 · (-inf) = nan, in PyTorch too (its xlogy covers only p log p)."""
    log_q = np.array([-0.5, -1.2, -np.inf, 0.0], dtype=dtype)
    target = np.array([0.0, 1.0, 0.0, 0.0], dtype=dtype)
    ours = divergence.kl_div(log_q, target, reduction="none")
    theirs = torch_kl_div(log_q, target, "none", False)
    np.testing.assert_array_equal(ours, theirs)
    assert ours[0] == 0.0 and not np.signbit(ours[0]) and np.isnan(ours[2])
    assert ours[1] == pytest.approx(1.2)
    in_log_space = divergence.kl_div(log_q, np.log(np.array([1e-45, 1.0, 1.0, 0.5], dtype)),
                                     reduction="none", log_target=True)
    assert np.isfinite(in_log_space[0]) and in_log_space[2] == np.inf


@pytest.mark.parametrize(
    ("input_shape", "target_shape"),
    [((), ()), ((), (4,)), ((3,), (2, 3)), ((2, 1), (2, 3)), ((0, 3), (0, 3)), ((2, 3), ())],
)
@pytest.mark.parametrize("reduction", KL_REDUCTIONS)
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_edge_shapes_match_torch(input_shape: tuple[int, ...],
                                        target_shape: tuple[int, ...], reduction: str,
                                        log_target: bool) -> None:
    """0-d input (``"batchmean"`` divides by nothing), broadcasting (``"batchmean"`` divides by
    the input's first axis, not the result's), an empty batch (``"mean"``/``"batchmean"``:
    0/0 = nan, as in PyTorch)."""
    rng = np.random.default_rng(4)
    log_q = np.asarray(-rng.random(input_shape) - 0.1)
    target = np.asarray(rng.random(target_shape))
    if log_target:
        target = np.log(target)
    ours = divergence.kl_div(log_q, target, reduction=reduction, log_target=log_target)
    theirs = torch_kl_div(log_q, target, reduction, log_target)
    assert np.shape(ours) == theirs.shape and np.asarray(ours).dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize(
    ("input_dtype", "input_shape", "target_dtype", "target_shape", "expected"),
    [
        (np.float32, (2, 3), np.float64, (2, 3), np.float64),
        (np.float64, (2, 3), np.float32, (2, 3), np.float64),
        (np.float32, (2, 3), np.float64, (), np.float32),  # a 0-d target does not promote
        (np.float64, (), np.float32, (2, 3), np.float32),
        (np.float64, (), np.float32, (), np.float64),
        (np.float16, (2, 3), np.float32, (3,), np.float32),
    ],
)
def test_kl_div_dtype_follows_torch_promotion(input_dtype, input_shape, target_dtype,
                                              target_shape, expected) -> None:
    log_q = np.full(input_shape, -1.0, dtype=input_dtype)
    target = np.full(target_shape, 0.25, dtype=target_dtype)
    for reduction in ("none", "sum"):
        ours = divergence.kl_div(log_q, target, reduction=reduction)
        assert np.asarray(ours).dtype == expected == torch_kl_div(log_q, target, reduction,
                                                                  False).dtype


def test_kl_div_mean_is_batchmean_over_the_number_of_classes() -> None:
    """The warning PyTorch gives for "mean", as a number: for (N, C) it is batchmean / C."""
    rng = np.random.default_rng(0)
    log_q = losses.log_softmax(rng.normal(size=(8, 5)), axis=1)
    p = losses.softmax(rng.normal(size=(8, 5)), axis=1)
    batchmean = divergence.kl_div(log_q, p, reduction="batchmean")
    assert divergence.kl_div(log_q, p) == pytest.approx(batchmean / 5, rel=1e-14)
    assert batchmean == pytest.approx(float(np.mean(info.kl_divergence(p, np.exp(log_q)))),
                                      rel=1e-12)


# --- the documents' worked examples --------------------------------------------------------

PREDS = np.array([[0.1, 0.2, 0.3, 0.4], [0.1, 0.1, 0.1, 0.1]], dtype=np.float32)
TARGET = np.array([2, 3])


def rounded(value: object, decimals: int = 4) -> np.ndarray:
    """As the documents print: 4 decimals (``+ 0.0`` turns ``-0.0`` into ``0.0``)."""
    return np.round(np.asarray(value, dtype=np.float64), decimals) + 0.0


def assert_printed(value: object, printed: object) -> None:
    np.testing.assert_array_equal(rounded(value), np.asarray(printed, dtype=np.float64))


def assert_same_as_torch(ours: object, theirs: torch.Tensor) -> None:
    expected = theirs.detach().numpy()
    assert np.asarray(ours).dtype == expected.dtype
    np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-6)


# --------------------------------------------------------------------------------------------
# 001_ee845424da2ec974.txt: preds = [[0.1, 0.2, 0.3, 0.4], [0.1, 0.1, 0.1, 0.1]], target [2, 3]
# --------------------------------------------------------------------------------------------


def test_001_softmax_rows() -> None:
    """Section 1: softmax of each row."""
    probabilities = losses.softmax(PREDS, axis=1)
    assert probabilities.dtype == np.float32
    assert_printed(probabilities, [[0.2138, 0.2363, 0.2612, 0.2887], [0.25, 0.25, 0.25, 0.25]])
    assert_same_as_torch(probabilities, F.softmax(torch.from_numpy(PREDS), dim=1))


def test_001_exponentials_and_manual_softmax() -> None:
    """Section 4, [2]: exp(preds); [3]: exp / row sum, the manual softmax."""
    exp = np.exp(PREDS)
    assert_printed(exp, [[1.1052, 1.2214, 1.3499, 1.4918], [1.1052, 1.1052, 1.1052, 1.1052]])
    manual = exp / exp.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(manual, losses.softmax(PREDS, axis=1), rtol=1e-6)


def test_001_log_softmax_rows() -> None:
    """Section 2 and 4, [4]: log_softmax of each row (natural log)."""
    log_probabilities = losses.log_softmax(PREDS, axis=1)
    assert_printed(
        log_probabilities,
        [[-1.5425, -1.4425, -1.3425, -1.2425], [-1.3863, -1.3863, -1.3863, -1.3863]],
    )
    np.testing.assert_allclose(log_probabilities, np.log(losses.softmax(PREDS, axis=1)),
                               rtol=1e-6)
    assert_same_as_torch(log_probabilities, F.log_softmax(torch.from_numpy(PREDS), dim=1))


def test_001_one_hot_target() -> None:
    """Section 4, [1]: one-hot encoding of target [2, 3]."""
    np.testing.assert_array_equal(losses.one_hot(TARGET, 4), [[0, 0, 1, 0], [0, 0, 0, 1]])
    np.testing.assert_array_equal(losses.one_hot(TARGET), F.one_hot(torch.from_numpy(TARGET)))


def test_001_nll_loss_and_cross_entropy() -> None:
    """Sections 3 and 4: -((-1.3425) + (-1.3863)) / 2 = 1.3644, four ways."""
    log_probabilities = losses.log_softmax(PREDS, axis=1)
    by_hand = -np.sum(losses.one_hot(TARGET, 4) * log_probabilities) / TARGET.shape[0]
    via_nll = losses.nll_loss(log_probabilities, TARGET)
    direct = losses.cross_entropy(PREDS, TARGET)
    for value in (by_hand, via_nll, direct):
        assert_printed(value, 1.3644)
    assert_printed(-(-1.3425 + -1.3863) / 2, 1.3644)  # the document's arithmetic
    assert np.asarray(direct).dtype == np.float32 and np.ndim(direct) == 0
    assert_same_as_torch(direct, F.cross_entropy(torch.from_numpy(PREDS),
                                                 torch.from_numpy(TARGET)))


def test_001_label_smoothing() -> None:
    """Section 2 (label smoothing): row sums -5.5700, -5.5452; 1.3894; 0.9·1.3644 + 0.1·1.3894."""
    log_probabilities = losses.log_softmax(PREDS, axis=1)
    # The document adds the 4-decimal values it printed: -5.5700. The exact row sum is
    # -5.57014…, which prints as -5.5701 (a rounding slip in the document, not in the loss).
    assert_printed(rounded(log_probabilities).sum(axis=1), [-5.5700, -5.5452])
    assert_printed(log_probabilities.sum(axis=1), [-5.5701, -5.5452])
    smooth_term = -log_probabilities.sum() / (2 * 4)
    assert_printed(smooth_term, 1.3894)
    assert_printed((1 - 0.1) * 1.3644 + 0.1 * 1.3894, 1.3669)  # the document's arithmetic
    ours = losses.cross_entropy(PREDS, TARGET, label_smoothing=0.1)
    assert_printed(ours, 1.3669)
    assert_same_as_torch(ours, F.cross_entropy(torch.from_numpy(PREDS), torch.from_numpy(TARGET),
                                               label_smoothing=0.1))
    # The document's LabelSmoothing_CrossEntropy: ε·mean(-Σ log p)/K + (1-ε)·nll.
    epsilon, k = 0.1, PREDS.shape[-1]
    document = epsilon * (-log_probabilities.sum(axis=-1)).mean() / k + (1 - epsilon) * (
        losses.nll_loss(log_probabilities, TARGET)
    )
    np.testing.assert_allclose(document, ours, rtol=1e-6)
    # Same as probability targets (1 - ε)·onehot + ε/K, since there are no weights.
    smoothed = losses.smooth_targets(TARGET, k, epsilon).astype(np.float32)
    np.testing.assert_allclose(losses.cross_entropy(PREDS, smoothed), ours, rtol=1e-6)


# --------------------------------------------------------------------------------------------
# 000_3e7c91f310c3397c.txt: LogSoftmax, NLLLoss, CrossEntropyLoss on small examples
# --------------------------------------------------------------------------------------------


def test_000_log_softmax_of_ones() -> None:
    """In [33]/[34]: LogSoftmax of (1, 1, 1, 1) is log(0.25) = -1.3863 everywhere."""
    ones = np.ones(4, dtype=np.float32)
    assert_printed(losses.log_softmax(ones), [-1.3863] * 4)
    assert_printed(losses.softmax(ones), [0.25] * 4)
    assert_printed(np.log(np.float32(0.25)), -1.3863)


def test_000_nll_loss_does_not_take_a_log() -> None:
    """In [35]: NLLLoss of [[0.2, 0.3, 0.5]] with target 2 is -0.5 (it only picks and negates)."""
    ours = losses.nll_loss(np.array([[0.2, 0.3, 0.5]], dtype=np.float32), np.array([2]))
    assert_printed(ours, -0.5)
    assert_same_as_torch(ours, F.nll_loss(torch.tensor([[0.2, 0.3, 0.5]]), torch.tensor([2])))


@pytest.mark.parametrize(
    ("logits", "target", "printed"),
    [
        ([[1.0, 1.0, 1.0, 1.0]], 2, 1.3863),  # In [36]: uniform over 4 classes, ln 4
        ([[0.0, 0.0, 100.0]], 2, 0.0),  # In [37]: confident and right
        ([[100.0, 0.0, 0.0]], 2, 100.0),  # In [41]: confident and wrong
        ([[0.2, 0.7, 0.1]], 1, 0.7679),  # 002: probabilities fed as logits
        ([[1.2, 2.4, 3.6]], 1, 1.5307),  # 002: raw scores
    ],
)
def test_cross_entropy_loss_examples(logits: list[list[float]], target: int,
                                     printed: float) -> None:
    """000 In [36], [37], [41] and 002: nn.CrossEntropyLoss()(input, target)."""
    x = np.array(logits, dtype=np.float32)
    ours = losses.cross_entropy(x, np.array([target]))
    assert_printed(ours, printed)
    assert_same_as_torch(ours, F.cross_entropy(torch.tensor(logits), torch.tensor([target])))
    # Unbatched (C,) input with a 0-d target gives the same.
    assert losses.cross_entropy(x[0], target) == ours


def test_000_confident_and_right_is_exactly_zero() -> None:
    """In [37]: tensor(0.) exactly in float32, not a tiny positive number and not -0.0."""
    ours = losses.cross_entropy(np.array([[0.0, 0.0, 100.0]], dtype=np.float32), np.array([2]))
    assert ours == 0.0 and not np.signbit(ours)
    assert str(ours) == "0.0"


def test_000_uniform_prediction_by_hand() -> None:
    """The document's -1 · log(1/4) = 1.3863 for target (0, 0, 0, 1), as a distribution."""
    assert_printed(info.cross_entropy([0, 0, 0, 1], [0.25] * 4), 1.3863)
    assert_printed(-1 * math.log(1 / 4), 1.3863)


# --------------------------------------------------------------------------------------------
# 002_5a08535a3e6b69e5.txt: LogSoftmax then NLLLoss gives the same 1.5307
# --------------------------------------------------------------------------------------------


def test_002_log_softmax_then_nll_loss() -> None:
    x = np.array([[1.2, 2.4, 3.6]], dtype=np.float32)
    ours = losses.nll_loss(losses.log_softmax(x, axis=1), np.array([1]))
    assert_printed(ours, 1.5307)
    np.testing.assert_allclose(ours, losses.cross_entropy(x, np.array([1])), rtol=1e-6)


def test_002_by_hand() -> None:
    """The document's hand computation: -x_1 + log Σ exp x for [0.2, 0.7, 0.1], class 1."""
    x = np.array([0.2, 0.7, 0.1])
    assert_printed(-x[1] + math.log(np.exp(x).sum()), 0.7679)
    assert_printed(-x[1] + losses.logsumexp(x), 0.7679)


# --------------------------------------------------------------------------------------------
# 003_487c11a78606db36.txt: CrossEntropyLoss equals -x[class] + log Σ exp x
# --------------------------------------------------------------------------------------------


def test_003_formula() -> None:
    x = np.array([[-0.7715, -0.6205, -0.2562]], dtype=np.float32)
    ours = losses.cross_entropy(x, np.array([0]))
    myselfout = -x[:, 0] + np.log(np.exp(x[:, 0]) + np.exp(x[:, 1]) + np.exp(x[:, 2]))
    np.testing.assert_allclose(ours, myselfout[0], rtol=1e-6)
    assert_same_as_torch(ours, F.cross_entropy(torch.from_numpy(x), torch.tensor([0])))
    assert_printed(ours, 1.3447)


# --------------------------------------------------------------------------------------------
# 004_097d806fe62eab93.txt: information, entropy, cross-entropy; the 3 × 3 example
# --------------------------------------------------------------------------------------------


def test_004_entropy_of_uniform_over_four() -> None:
    assert_printed(info.entropy([0.25] * 4), 1.3863)
    assert info.entropy([0.25] * 4) == pytest.approx(math.log(4), rel=1e-15)
    assert info.entropy([0.25] * 4, base="bits") == pytest.approx(2.0, rel=1e-15)


@pytest.mark.parametrize(
    ("p", "nats", "bits", "bans"),
    [
        (0.1, 0.3251, 0.4690, 0.1412),  # Xiao Ming hits 10% of his shots
        (0.999, 0.0079, 0.0114, 0.0034),  # Xiao Wang hits 99.9%
    ],
)
def test_004_binary_entropy_of_the_two_shooters(p: float, nats: float, bits: float,
                                                bans: float) -> None:
    """The formulas were images (lost); computed: H_b(p) in nats, bits and bans."""
    assert_printed(info.binary_entropy(p), nats)
    assert_printed(info.binary_entropy(p, base="bits"), bits)
    assert_printed(info.binary_entropy(p, base="bans"), bans)
    by_hand = -p * math.log2(p) - (1 - p) * math.log2(1 - p)
    assert info.binary_entropy(p, base=2) == pytest.approx(by_hand, rel=1e-14)
    assert info.binary_entropy(p) == info.entropy([p, 1 - p])


def test_004_the_shooter_who_hits_more_is_less_uncertain() -> None:
    assert info.binary_entropy(0.999) < info.binary_entropy(0.1) < info.binary_entropy(0.5)


def test_004_information_of_an_event() -> None:
    """I(x0) = -log p(x0); a certain event carries no information."""
    assert info.information(1.0) == 0.0
    assert_printed(info.information(0.1), 2.3026)
    assert_printed(info.information(0.1, base="bits"), 3.3219)
    assert info.information(0.0) == math.inf


@pytest.mark.parametrize(
    ("q", "nats", "bits"),
    [
        ([0.5, 0.2, 0.3], 0.6931, 1.0),
        ([0.8, 0.1, 0.1], 0.2231, 0.3219),
    ],
)
def test_004_cross_entropy_of_the_two_predictions(q: list[float], nats: float,
                                                  bits: float) -> None:
    """p = (1, 0, 0); q2 is closer to p and has the smaller cross-entropy (image lost)."""
    p = [1.0, 0.0, 0.0]
    assert_printed(info.cross_entropy(p, q), nats)
    assert_printed(info.cross_entropy(p, q, base="bits"), bits)
    assert info.cross_entropy(p, q) == -math.log(q[0])


def test_004_q2_is_closer_than_q1() -> None:
    p = [1.0, 0.0, 0.0]
    assert info.cross_entropy(p, [0.8, 0.1, 0.1]) < info.cross_entropy(p, [0.5, 0.2, 0.3])


def test_004_three_by_three_example() -> None:
    """The printed x_input (4 decimals), target [1, 2, 0]: softmax, log, NLL = 2.3185.

    The document's input came from ``torch.randn`` and was printed rounded to 4 decimals, so
    results computed from the printed input may differ by 1 in the 4th decimal.
    """
    x = np.array(
        [[2.8883, 0.1760, 1.0774], [1.1216, -0.0562, 0.0660], [-1.3939, -0.0967, 0.5853]],
        dtype=np.float32,
    )
    target = np.array([1, 2, 0])
    soft_output = [[0.8131, 0.0540, 0.1329], [0.6039, 0.1860, 0.2102], [0.0841, 0.3076, 0.6083]]
    log_output = [[-0.2069, -2.9192, -2.0178], [-0.5044, -1.6822, -1.5599],
                  [-2.4762, -1.1790, -0.4970]]
    last_digit = {"rtol": 0, "atol": 1.5e-4}
    np.testing.assert_allclose(losses.softmax(x, axis=1), soft_output, **last_digit)
    np.testing.assert_allclose(np.log(losses.softmax(x, axis=1)), log_output, **last_digit)
    np.testing.assert_allclose(losses.log_softmax(x, axis=1), log_output, **last_digit)
    assert_printed(losses.nll_loss(losses.log_softmax(x, axis=1), target), 2.3185)
    assert_printed(losses.cross_entropy(x, target), 2.3185)


def test_kl_div_is_one_of_the_losses() -> None:
    """``helpers.losses`` offers every loss of ``torch.nn.functional`` the series uses; ``kl_div``
    lives in ``helpers.divergence`` and is the same function here."""
    assert losses.kl_div is divergence.kl_div
    assert "kl_div" in losses.__all__
