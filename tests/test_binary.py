"""Binary cross-entropy: ``helpers.binary`` against PyTorch, by example, by property, by error.

``binary_cross_entropy`` and ``binary_cross_entropy_with_logits`` (and its gradient) are
compared with ``torch.nn.functional`` on generated inputs: shapes ``()``, ``(N,)``, ``(N, C)``
and ``(N, C, d)``; hard and soft targets; ``weight`` and ``pos_weight`` absent or of any shape
that broadcasts to the input (``pos_weight`` mostly ``(C,)`` on the last axis); the three
reductions; logits of scale ~1, ~30 and ~1e4; float32 and float64, mixed included. Each
comparison allows a few units of rounding of the terms that make up the loss (the tolerance is
computed from their size), so the tests are tight for small losses and fair for 1e4-sized ones.

``sigmoid_focal_loss`` is compared with torchvision's code written out in torch here
(:func:`torchvision_sigmoid_focal_loss`; torchvision is not a dependency), its gradient with
autograd's, and its hard-label values with the paper's formula.
"""

from __future__ import annotations

import inspect
import math
import re
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import binary, losses
from tests.strategies import (
    DTYPES,
    MANY,
    REDUCTIONS,
    SCALES,
    SOME,
    BinaryCase,
    FocalCase,
    elementwise_shapes,
    focal_cases,
    generators,
    logit_cases,
    probability_cases,
)

# The tensors here are tiny: one thread is ~100x faster than a contended thread pool.
torch.set_num_threads(1)

#: Allowed error, in units of the lower precision's epsilon times the size of the terms.
ULPS = 8


def tensor(value: Any) -> Any:
    """A NumPy array (or None) as a torch tensor, for calling torch with the same arguments."""
    return None if value is None else torch.from_numpy(np.asarray(value))


# --------------------------------------------------------------------------------------------
# tolerances: a few units of rounding of the terms that make up each loss
# --------------------------------------------------------------------------------------------


def reduce_magnitude(terms: np.ndarray, reduction: str) -> np.ndarray:
    """The size bound of the reduced loss: the sum of the terms' sizes (over n for "mean")."""
    if reduction == "none":
        return terms
    # Different summation orders: allow log2(n) more roundings of the total.
    total = terms.sum() * max(1.0, math.log2(max(terms.size, 1)))
    return np.asarray(total / terms.size if reduction == "mean" else total)


def logit_magnitude(case: BinaryCase) -> np.ndarray:
    """``|w| (|1 − y| |x| + |1 + (p − 1) y| |log σ(x)|)`` per element, in float64."""
    x = case.values.astype(np.float64)
    y = case.target.astype(np.float64)
    pos_weight = 1.0 if case.pos_weight is None else case.pos_weight.astype(np.float64)
    weight = 1.0 if case.weight is None else case.weight.astype(np.float64)
    log_weight = np.abs(1 + (pos_weight - 1) * y)
    size = np.abs(1 - y) * np.abs(x) + log_weight * np.abs(binary.log_sigmoid(x))
    return reduce_magnitude(np.broadcast_to(np.abs(weight) * size, x.shape), case.reduction)


def probability_magnitude(case: BinaryCase) -> np.ndarray:
    """``|w| (|1 − y| |max(log(1 − p), −100)| + |y| |max(log p, −100)|)`` per element."""
    p = case.values.astype(np.float64)
    y = case.target.astype(np.float64)
    weight = 1.0 if case.weight is None else case.weight.astype(np.float64)
    with np.errstate(divide="ignore"):
        size = (np.abs(1 - y) * np.abs(np.maximum(np.log1p(-p), -100.0))
                + np.abs(y) * np.abs(np.maximum(np.log(p), -100.0)))
    return reduce_magnitude(np.broadcast_to(np.abs(weight) * size, p.shape), case.reduction)


def assert_matches(ours: Any, theirs: torch.Tensor, magnitude: np.ndarray, eps: float) -> None:
    expected = theirs.detach().numpy()
    assert isinstance(ours, np.ndarray | np.floating)
    assert np.shape(ours) == expected.shape
    assert np.asarray(ours).dtype == expected.dtype
    error = np.abs(np.asarray(ours, dtype=np.float64) - expected.astype(np.float64))
    allowed = ULPS * eps * magnitude + 1e-300
    assert np.all(error <= allowed), (
        f"max error {error.max()} over allowed {allowed[np.argmax(error - allowed)]}"
        if error.size else "empty"
    )


def torch_with_logits(case: BinaryCase) -> tuple[torch.Tensor, torch.Tensor]:
    """PyTorch's loss and autograd's gradient (of the sum, for reduction="none")."""
    logits = torch.tensor(case.values, requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(
        logits, tensor(case.target), weight=tensor(case.weight),
        pos_weight=tensor(case.pos_weight), reduction=case.reduction,
    )
    loss.sum().backward()
    assert logits.grad is not None
    return loss, logits.grad


def kwargs_of(case: BinaryCase) -> dict[str, Any]:
    return {"weight": case.weight, "pos_weight": case.pos_weight, "reduction": case.reduction}


# --------------------------------------------------------------------------------------------
# properties: against torch
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
@MANY
@given(logit_cases())
def test_with_logits_matches_torch(case: BinaryCase) -> None:
    theirs, _ = torch_with_logits(case)
    ours = binary.binary_cross_entropy_with_logits(case.values, case.target, **kwargs_of(case))
    assert np.asarray(ours).dtype == case.target.dtype  # PyTorch: the target's dtype
    assert np.all(np.isfinite(ours))  # at scale 1e4 too
    assert_matches(ours, theirs, logit_magnitude(case), case.eps)


@pytest.mark.slow
@MANY
@given(logit_cases())
def test_with_logits_grad_matches_autograd(case: BinaryCase) -> None:
    _, theirs = torch_with_logits(case)
    ours = binary.binary_cross_entropy_with_logits_grad(case.values, case.target,
                                                        **kwargs_of(case))
    assert ours.shape == case.values.shape and ours.dtype == theirs.numpy().dtype
    assert ours.dtype == case.values.dtype
    # Each element: w·((1 − y + p·y)·σ(x) − p·y), a few roundings of terms of size w·(1 + 2p).
    pos_weight = 1.0 if case.pos_weight is None else case.pos_weight.astype(np.float64)
    weight = 1.0 if case.weight is None else np.abs(case.weight.astype(np.float64))
    size = np.broadcast_to(weight * (1 + 2 * pos_weight), case.values.shape)
    if case.reduction == "mean":
        size = size / max(case.values.size, 1)
    np.testing.assert_array_less(np.abs(ours - theirs.numpy()), ULPS * case.eps * size + 1e-300)


@pytest.mark.slow
@MANY
@given(probability_cases())
def test_binary_cross_entropy_matches_torch(case: BinaryCase) -> None:
    theirs = F.binary_cross_entropy(tensor(case.values), tensor(case.target),
                                    weight=tensor(case.weight), reduction=case.reduction)
    ours = binary.binary_cross_entropy(case.values, case.target, weight=case.weight,
                                       reduction=case.reduction)
    largest_weight = 1.0 if case.weight is None else float(np.max(case.weight, initial=1.0))
    count = case.values.size if case.reduction == "sum" else 1
    assert np.all(np.asarray(ours) <= 100 * largest_weight * count * 1.0001)  # never inf
    assert_matches(ours, theirs, probability_magnitude(case), case.eps)


@pytest.mark.slow
@SOME
@given(elementwise_shapes(), st.sampled_from(DTYPES), st.sampled_from(SCALES), generators())
def test_sigmoid_and_log_sigmoid_match_torch(shape: tuple[int, ...], dtype: type[np.floating],
                                              scale: float, rng: np.random.Generator) -> None:
    x = np.asarray(rng.uniform(-1.0, 1.0, shape) * scale).astype(dtype)
    eps = float(np.finfo(dtype).eps)
    ours, theirs = binary.sigmoid(x), torch.sigmoid(torch.from_numpy(x)).numpy()
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=4 * eps, atol=0)
    ours, theirs = binary.log_sigmoid(x), F.logsigmoid(torch.from_numpy(x)).numpy()
    assert ours.dtype == theirs.dtype and np.all(np.isfinite(ours))
    np.testing.assert_allclose(ours, theirs, rtol=4 * eps, atol=4 * eps)


# --------------------------------------------------------------------------------------------
# properties: identities
# --------------------------------------------------------------------------------------------


@SOME
@given(logit_cases())
def test_with_logits_is_bce_of_the_sigmoid_where_that_is_accurate(case: BinaryCase) -> None:
    """In float64 and for |x| ≤ 10, BCE(σ(x)) loses little: 1 − σ(x) ≥ 4.5e-5 keeps 11 digits.

    (At x = 27 it keeps only 4: 1 − σ(27) = 1.9e-12 is computed from σ(27) ≈ 1 − 1.9e-12.)
    """
    x = np.clip(case.values.astype(np.float64), -10.0, 10.0)
    y = case.target.astype(np.float64)
    kwargs = {"weight": case.weight, "reduction": case.reduction}
    np.testing.assert_allclose(
        binary.binary_cross_entropy(binary.sigmoid(x), y, **kwargs),
        binary.binary_cross_entropy_with_logits(x, y, **kwargs),
        rtol=1e-9, atol=1e-11,
    )


@SOME
@given(logit_cases())
def test_pos_weight_one_changes_nothing_and_weight_scales(case: BinaryCase) -> None:
    x, y = case.values, case.target
    plain = binary.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_array_equal(
        binary.binary_cross_entropy_with_logits(x, y, pos_weight=np.ones(x.shape[-1:]),
                                                reduction="none"),
        plain,
    )
    doubled = binary.binary_cross_entropy_with_logits(x, y, weight=2.0, reduction="none")
    np.testing.assert_array_equal(doubled, 2 * plain)  # times 2 is exact


@SOME
@given(st.integers(1, 6), st.sampled_from(SCALES), generators())
def test_two_class_cross_entropy_is_bce_of_the_logit_difference(
    n: int, scale: float, rng: np.random.Generator
) -> None:
    """softmax([a, b])_1 = σ(b − a): two-class cross-entropy = BCE with logit b − a."""
    logits = rng.uniform(-1.0, 1.0, (n, 2)) * scale
    labels = rng.integers(0, 2, n)
    for reduction in REDUCTIONS:
        np.testing.assert_allclose(
            losses.cross_entropy(logits, labels, reduction=reduction),
            binary.binary_cross_entropy_with_logits(logits[:, 1] - logits[:, 0],
                                                    labels.astype(np.float64),
                                                    reduction=reduction),
            rtol=1e-12, atol=1e-12 * scale,
        )
    # Class weights (1, p) with "sum" are pos_weight p (a "mean" divides differently).
    p = float(rng.uniform(0.1, 10.0))
    np.testing.assert_allclose(
        losses.cross_entropy(logits, labels, weight=np.array([1.0, p]), reduction="sum"),
        binary.binary_cross_entropy_with_logits(logits[:, 1] - logits[:, 0],
                                                labels.astype(np.float64), pos_weight=p,
                                                reduction="sum"),
        rtol=1e-12, atol=1e-12 * scale,
    )


@SOME
@given(logit_cases())
def test_grad_is_the_derivative_of_the_loss(case: BinaryCase) -> None:
    """A central difference in float64 along a random direction (scale-1 logits)."""
    x = case.values.astype(np.float64) / np.max(np.abs(case.values), initial=1.0)
    y = case.target.astype(np.float64)
    kwargs = kwargs_of(case)

    def total(z: np.ndarray) -> float:
        return float(np.sum(binary.binary_cross_entropy_with_logits(z, y, **kwargs)))

    direction = np.random.default_rng(0).standard_normal(x.shape)
    h = 1e-6
    numeric = (total(x + h * direction) - total(x - h * direction)) / (2 * h)
    analytic = float(np.sum(binary.binary_cross_entropy_with_logits_grad(x, y, **kwargs)
                            * direction))
    assert numeric == pytest.approx(analytic, rel=1e-5, abs=1e-7)


# --------------------------------------------------------------------------------------------
# examples
# --------------------------------------------------------------------------------------------


def test_one_probability_by_hand() -> None:
    assert binary.binary_cross_entropy(0.8, 1.0) == pytest.approx(-math.log(0.8), rel=1e-15)
    assert binary.binary_cross_entropy(0.8, 0.0) == pytest.approx(-math.log(0.2), rel=1e-14)
    # a soft target mixes the two: −(0.3 log 0.8 + 0.7 log 0.2)
    assert binary.binary_cross_entropy(0.8, 0.3) == pytest.approx(
        -(0.3 * math.log(0.8) + 0.7 * math.log(0.2)), rel=1e-14)


def test_the_clamp_at_minus_100() -> None:
    ours = binary.binary_cross_entropy(np.array([0.0, 1.0, 0.0, 1.0]),
                                       np.array([1.0, 0.0, 0.0, 1.0]), reduction="none")
    np.testing.assert_array_equal(ours, [100.0, 100.0, 0.0, 0.0])  # never inf, never nan
    assert binary.BCE_LOG_FLOOR == -100.0


def test_float32_sigmoid_of_40_is_one_and_bce_says_100_instead_of_40() -> None:
    x = np.float32(40.0)
    p = binary.sigmoid(x)
    assert p == 1.0 and torch.sigmoid(torch.tensor(40.0)).item() == 1.0
    assert binary.binary_cross_entropy(p, np.float32(0.0)) == 100.0
    assert F.binary_cross_entropy(torch.tensor(1.0), torch.tensor(0.0)).item() == 100.0
    stable = binary.binary_cross_entropy_with_logits(x, np.float32(0.0))
    assert stable == 40.0 and stable.dtype == np.float32
    # y = 1 and a very negative logit: the clamp caps the naive loss at 100, the true is 120.
    assert binary.binary_cross_entropy(binary.sigmoid(np.float32(-120.0)), np.float32(1.0)) == 100
    assert binary.binary_cross_entropy_with_logits(np.float32(-120.0), np.float32(1.0)) == 120


def test_the_naive_gradient_vanishes_and_the_stable_one_does_not() -> None:
    x = torch.tensor(40.0, requires_grad=True)
    F.binary_cross_entropy(torch.sigmoid(x), torch.tensor(0.0)).backward()
    assert x.grad is not None and x.grad.item() == 0.0
    ours = binary.binary_cross_entropy_with_logits_grad(np.float32(40.0), np.float32(0.0))
    assert ours == 1.0 and ours.dtype == np.float32


@pytest.mark.parametrize("dtype", DTYPES)
def test_huge_logits_are_exact(dtype: type[np.floating]) -> None:
    x = np.array([1e4, -1e4, 1e4, -1e4, 0.0], dtype=dtype)
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0], dtype=dtype)
    ours = binary.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_array_equal(ours, np.array([1e4, 1e4, 0.0, 0.0, math.log(2)], dtype))
    theirs = F.binary_cross_entropy_with_logits(torch.from_numpy(x), torch.from_numpy(y),
                                                reduction="none")
    np.testing.assert_array_equal(ours, theirs.numpy())


def test_reductions_and_weights() -> None:
    x = np.array([[0.5, -1.0, 2.0], [0.0, 3.0, -2.0]])
    y = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    weight = np.array([1.0, 2.0, 0.0])
    none = binary.binary_cross_entropy_with_logits(x, y, weight=weight, reduction="none")
    assert none.shape == (2, 3) and np.all(none[:, 2] == 0)
    total = binary.binary_cross_entropy_with_logits(x, y, weight=weight, reduction="sum")
    mean = binary.binary_cross_entropy_with_logits(x, y, weight=weight, reduction="mean")
    assert total == pytest.approx(none.sum(), rel=1e-15)
    assert mean == pytest.approx(none.sum() / 6, rel=1e-15)  # over elements, not over weights
    assert isinstance(mean, np.float64) and isinstance(total, np.float64)


def test_pos_weight_multiplies_the_positive_term_only() -> None:
    x = np.array([[0.5, -1.0], [2.0, 0.3]])
    y = np.array([[1.0, 0.0], [0.25, 1.0]])
    p = np.array([3.0, 0.5])
    ours = binary.binary_cross_entropy_with_logits(x, y, pos_weight=p, reduction="none")
    by_hand = -(p * y * binary.log_sigmoid(x) + (1 - y) * binary.log_sigmoid(-x))
    np.testing.assert_allclose(ours, by_hand, rtol=1e-15)
    theirs = F.binary_cross_entropy_with_logits(
        torch.from_numpy(x), torch.from_numpy(y), pos_weight=torch.from_numpy(p),
        reduction="none",
    )
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-15)


def test_pos_weight_aligns_with_the_last_axis_as_in_torch() -> None:
    """For (N, C, L) input with C == L, a (C,) pos_weight silently weighs the L axis."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 3))
    y = rng.integers(0, 2, (2, 3, 3)).astype(np.float64)
    p = np.array([1.0, 5.0, 10.0])
    last_axis = binary.binary_cross_entropy_with_logits(x, y, pos_weight=p)
    class_axis = binary.binary_cross_entropy_with_logits(x, y, pos_weight=p[:, None])
    assert last_axis != pytest.approx(class_axis)
    for ours, weight in ((last_axis, p), (class_axis, p[:, None])):
        theirs = F.binary_cross_entropy_with_logits(torch.from_numpy(x), torch.from_numpy(y),
                                                    pos_weight=torch.from_numpy(weight))
        assert ours == pytest.approx(theirs.item(), rel=1e-14)


def test_numbers_and_lists_are_accepted_for_weights() -> None:
    x = np.array([0.5, -1.0, 2.0])
    y = np.array([1.0, 0.0, 1.0])
    theirs = F.binary_cross_entropy_with_logits(torch.from_numpy(x), torch.from_numpy(y),
                                                weight=torch.tensor([2.0], dtype=torch.float64),
                                                pos_weight=torch.tensor([3.0, 3.0, 3.0],
                                                                        dtype=torch.float64))
    ours = binary.binary_cross_entropy_with_logits(x, y, weight=2, pos_weight=[3.0, 3.0, 3.0])
    assert ours == pytest.approx(theirs.item(), rel=1e-15)
    ours = binary.binary_cross_entropy(binary.sigmoid(x), y, weight=[True, False, True],
                                       reduction="sum")
    expected = binary.binary_cross_entropy(binary.sigmoid(x[[0, 2]]), y[[0, 2]], reduction="sum")
    assert ours == pytest.approx(expected, rel=1e-15)


def test_scalars_and_empty_inputs_like_torch() -> None:
    one = binary.binary_cross_entropy_with_logits(np.float32(0.3), np.float32(1.0),
                                                  reduction="none")
    assert isinstance(one, np.ndarray) and one.shape == () and one.dtype == np.float32
    assert isinstance(binary.binary_cross_entropy(0.3, 1.0), np.float64)
    for function, values in ((binary.binary_cross_entropy_with_logits, np.zeros((0, 3))),
                             (binary.binary_cross_entropy, np.zeros((0, 3)))):
        assert np.isnan(function(values, values))  # mean over no elements: 0/0
        assert function(values, values, reduction="sum") == 0.0
        assert function(values, values, reduction="none").shape == (0, 3)
    assert np.isnan(F.binary_cross_entropy_with_logits(torch.zeros(0), torch.zeros(0)).item())
    grad = binary.binary_cross_entropy_with_logits_grad(np.zeros((0, 3)), np.zeros((0, 3)))
    assert grad.shape == (0, 3)


@pytest.mark.parametrize(
    ("logits", "target"),
    [
        ([math.nan, 0.0], [1.0, 1.0]),
        ([math.inf, -math.inf, math.inf, -math.inf], [0.0, 0.0, 1.0, 1.0]),
        ([1.0, 2.0], [math.nan, 0.5]),
    ],
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_special_values_match_torch(logits: list[float], target: list[float],
                                    dtype: type[np.floating]) -> None:
    x, y = np.array(logits, dtype), np.array(target, dtype)
    theirs = F.binary_cross_entropy_with_logits(torch.from_numpy(x), torch.from_numpy(y),
                                                reduction="none")
    ours = binary.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_array_equal(ours, theirs.numpy())


def test_dtypes_follow_torch() -> None:
    x32 = np.array([0.5, -1.0], np.float32)
    y32 = np.array([1.0, 0.0], np.float32)
    for x, y in ((x32, y32), (x32, y32.astype(np.float64)), (x32.astype(np.float64), y32)):
        ours = binary.binary_cross_entropy_with_logits(x, y)
        theirs = F.binary_cross_entropy_with_logits(torch.from_numpy(x), torch.from_numpy(y))
        assert ours.dtype == theirs.numpy().dtype == y.dtype  # the target's dtype
        grad = binary.binary_cross_entropy_with_logits_grad(x, y)
        assert grad.dtype == x.dtype  # the logits' dtype, as autograd's
    # float32 logits and weights in float64: still float32, as in torch
    ours = binary.binary_cross_entropy_with_logits(x32, y32, weight=np.array([1.0, 2.0]),
                                                   pos_weight=np.array([3.0, 3.0]))
    assert ours.dtype == np.float32
    # binary_cross_entropy: a float64 target is cast to float32 probabilities (torch refuses)
    p32 = binary.sigmoid(x32)
    assert binary.binary_cross_entropy(p32, y32.astype(np.float64)).dtype == np.float32
    assert binary.binary_cross_entropy(p32, y32.astype(np.float64)) == (
        binary.binary_cross_entropy(p32, y32))
    with pytest.raises(RuntimeError, match="Found dtype Double but expected Float"):
        F.binary_cross_entropy(torch.from_numpy(p32), torch.from_numpy(y32.astype(np.float64)))


# --------------------------------------------------------------------------------------------
# bad input: our error names the argument and the expectation; torch refuses too
# --------------------------------------------------------------------------------------------

FUNCTIONS = {
    "binary_cross_entropy": (binary.binary_cross_entropy, F.binary_cross_entropy),
    "binary_cross_entropy_with_logits": (binary.binary_cross_entropy_with_logits,
                                         F.binary_cross_entropy_with_logits),
    "binary_cross_entropy_with_logits_grad": (binary.binary_cross_entropy_with_logits_grad,
                                              F.binary_cross_entropy_with_logits),
}
WITH_LOGITS = ["binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits_grad"]
P = np.array([[0.2, 0.7, 0.5], [0.9, 0.1, 0.4]])  # N = 2, C = 3
Y = np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 0.0]])


def input_name(name: str) -> str:
    return "probs" if name == "binary_cross_entropy" else "logits"


def check_error(name: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                error: type[Exception], pattern: str, torch_too: bool = True) -> None:
    ours, theirs = FUNCTIONS[name]
    with pytest.raises(error, match=pattern):
        ours(*args, **kwargs)
    if torch_too:
        torch_args = [torch.from_numpy(np.asarray(a)) for a in args]
        torch_kwargs = {k: tensor(v) if isinstance(v, np.ndarray) else v
                        for k, v in kwargs.items()}
        with pytest.raises((RuntimeError, ValueError, TypeError, NotImplementedError)):
            theirs(*torch_args, **torch_kwargs)


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize(
    ("target", "pattern"),
    [
        (Y[0], r"target of shape \(3,\) does not fit {x} of shape \(2, 3\): the two must have "
               r"the same shape, one target per element \(PyTorch does not broadcast them "
               r"either\)$"),
        (Y.T, r"target of shape \(3, 2\) does not fit {x} of shape \(2, 3\).*both hold 6 "
              r"elements, so reshape one of them, e\.g\. target\.reshape\({x}\.shape\)"),
        (Y[:, :, None], r"target of shape \(2, 3, 1\) does not fit {x} of shape \(2, 3\)"),
        (np.float64(1.0), r"target of shape \(\) does not fit {x} of shape \(2, 3\)"),
    ],
)
def test_shape_mismatch(name: str, target: np.ndarray, pattern: str) -> None:
    check_error(name, (P, target), {}, ValueError,
                rf"^{name.removesuffix('_grad')}: " + pattern.format(x=input_name(name)))


@pytest.mark.parametrize("name", WITH_LOGITS)
def test_column_of_logits_against_a_vector_of_labels(name: str) -> None:
    """The classic: a model's (N, 1) output against (N,) labels."""
    check_error(name, (np.zeros((4, 1)), np.zeros(4)), {}, ValueError,
                r"target of shape \(4,\) does not fit logits of shape \(4, 1\).*both hold 4 "
                r"elements")


@pytest.mark.parametrize(
    ("probs", "pattern"),
    [
        ([[0.2, 1.2, 0.5], [0.9, 0.1, 0.4]], r"probs must hold values in \[0, 1\], got 1\.2 at "
                                              r"index \(0, 1\); it takes probabilities \(e\.g\. "
                                              r"sigmoid outputs\): for logits use "
                                              r"binary_cross_entropy_with_logits"),
        ([[0.2, 0.7, 0.5], [0.9, -0.1, 0.4]], r"got -0\.1 at index \(1, 1\)"),
        ([[0.2, 0.7, 0.5], [0.9, 0.1, math.nan]], r"got nan at index \(1, 2\)"),
        ([[0.2, 0.7, math.inf], [0.9, 0.1, 0.5]], r"got inf at index \(0, 2\)"),
    ],
)
def test_probabilities_outside_the_unit_interval(probs: list[list[float]], pattern: str) -> None:
    check_error("binary_cross_entropy", (np.array(probs), Y), {}, ValueError,
                r"^binary_cross_entropy: .*" + pattern)


def test_probability_of_a_scalar_outside_the_unit_interval() -> None:
    with pytest.raises(ValueError, match=r"probs must hold values in \[0, 1\], got 2\.5;"):
        binary.binary_cross_entropy(2.5, 1.0)


@pytest.mark.parametrize(
    ("value", "pattern"),
    [(1.5, r"got 1\.5 at index \(0, 1\)"), (-0.5, r"got -0\.5"), (math.nan, r"got nan")],
)
def test_targets_outside_the_unit_interval(value: float, pattern: str) -> None:
    target = Y.copy()
    target[0, 1] = value
    check_error("binary_cross_entropy", (P, target), {}, ValueError,
                r"^binary_cross_entropy: target must hold values in \[0, 1\], " + pattern
                + r".* \(labels 0/1, or probabilities\)")


def test_with_logits_takes_any_target_like_torch() -> None:
    """No range check on the target of the with-logits loss (PyTorch has none either)."""
    x, y = np.array([0.5, -1.0]), np.array([2.0, -0.5])
    theirs = F.binary_cross_entropy_with_logits(torch.from_numpy(x), torch.from_numpy(y))
    assert binary.binary_cross_entropy_with_logits(x, y) == pytest.approx(theirs.item(),
                                                                          rel=1e-15)


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize(
    ("weight", "pattern"),
    [
        (np.ones(2), r"weight of shape \(2,\) does not broadcast to {x} of shape \(2, 3\): "
                     r"weight multiplies each element's loss, so its axes, aligned from the "
                     r"right, must each have length 1 or the input's length \(and there may "
                     r"not be more of them\)$"),
        (np.ones((1, 2, 3)), r"weight of shape \(1, 2, 3\) does not broadcast to {x} of shape "
                             r"\(2, 3\)"),
        (np.ones((2, 2)), r"weight of shape \(2, 2\) does not broadcast"),
    ],
)
def test_weight_that_does_not_broadcast(name: str, weight: np.ndarray, pattern: str) -> None:
    check_error(name, (P, Y), {"weight": weight}, ValueError,
                pattern.format(x=input_name(name)))


@pytest.mark.parametrize("name", WITH_LOGITS)
@pytest.mark.parametrize(
    ("shape", "pos_weight", "pattern"),
    [
        ((2, 3, 4), np.ones(3), r"pos_weight of shape \(3,\) does not broadcast to logits of "
                                r"shape \(2, 3, 4\): pos_weight multiplies the positive term "
                                r"of each element's loss.*; a \(C,\) pos_weight applies along "
                                r"the LAST axis, so for input \(N, C\) give it shape \(C,\), "
                                r"for input \(N, C, d1, \.\.\., dk\) shape \(C, 1, \.\.\., 1\)"),
        ((2, 3), np.ones(2), r"pos_weight of shape \(2,\) does not broadcast to logits of shape "
                             r"\(2, 3\)"),
        ((3,), np.ones((1, 3)), r"pos_weight of shape \(1, 3\) does not broadcast to logits of "
                                r"shape \(3,\)"),
    ],
)
def test_pos_weight_that_does_not_broadcast(name: str, shape: tuple[int, ...],
                                            pos_weight: np.ndarray, pattern: str) -> None:
    check_error(name, (np.zeros(shape), np.zeros(shape)), {"pos_weight": pos_weight},
                ValueError, pattern)


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("reduction", ["avg", "elementwise_mean", "Mean", None, ""])
def test_unknown_reduction(name: str, reduction: Any) -> None:
    pattern = rf"reduction must be one of 'none', 'mean', 'sum', got {re.escape(repr(reduction))}"
    check_error(name, (P, Y), {"reduction": reduction}, ValueError, pattern,
                torch_too=reduction not in (None, "elementwise_mean"))


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("dtype", [np.int64, np.bool_])
def test_integer_input(name: str, dtype: type) -> None:
    what = "probabilities in \\[0, 1\\]" if name == "binary_cross_entropy" else "logits"
    check_error(name, (P.round().astype(dtype), Y), {}, TypeError,
                rf"^{input_name(name)} must be a floating-point array \({what}.*\), got dtype "
                rf"{np.dtype(dtype)}; convert it first")


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("dtype", [np.int64, np.bool_])
def test_integer_target(name: str, dtype: type) -> None:
    check_error(name, (P, Y.astype(dtype)), {}, TypeError,
                rf"^{name.removesuffix('_grad')}: target must be floating point \(labels "
                rf"0\.0/1\.0, or probabilities\), got dtype {np.dtype(dtype)}; convert it, "
                rf"e\.g\. target\.astype\({input_name(name)}\.dtype\) \(PyTorch refuses integer "
                r"and bool targets too\)")


@pytest.mark.parametrize("name", FUNCTIONS)
def test_non_numeric_arguments(name: str) -> None:
    ours = FUNCTIONS[name][0]
    with pytest.raises(TypeError, match=rf"^{input_name(name)} must be a number or an array of "
                                        r"numbers, got None"):
        ours(None, Y)
    with pytest.raises(TypeError, match=r"^target must be a number or an array of numbers, got "
                                        r"a string: 'cat'"):
        ours(P, "cat")
    with pytest.raises(TypeError, match=r"^weight must be a number or an array of numbers, got "
                                        r"a string: 'balanced'"):
        ours(P, Y, weight="balanced")
    with pytest.raises(ValueError, match=r"^target must be a rectangular array of numbers"):
        ours(P, [[1.0, 0.0, 1.0], [1.0]])


@pytest.mark.parametrize("name", WITH_LOGITS)
def test_non_numeric_pos_weight(name: str) -> None:
    with pytest.raises(TypeError, match=r"^pos_weight must be a number or an array of numbers, "
                                        r"got None|^pos_weight must hold real numbers"):
        FUNCTIONS[name][0](P, Y, pos_weight=np.array([1 + 2j, 1.0, 1.0]))


@pytest.mark.parametrize("name", ["sigmoid", "log_sigmoid"])
def test_sigmoid_takes_floating_input(name: str) -> None:
    with pytest.raises(TypeError, match=r"^x must be a floating-point array \(logits\), got "
                                        r"dtype int64"):
        getattr(binary, name)(np.array([1, 2]))


# --------------------------------------------------------------------------------------------
# sigmoid_focal_loss: against torchvision's code, autograd and the paper's formula
# --------------------------------------------------------------------------------------------


def torchvision_sigmoid_focal_loss(inputs: torch.Tensor, targets: torch.Tensor,
                                   alpha: float = 0.25, gamma: float = 2.0,
                                   reduction: str = "none") -> torch.Tensor:
    """``torchvision.ops.sigmoid_focal_loss`` as its source computes it (torchvision 0.2x)."""
    p = torch.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"Invalid Value for arg 'reduction': '{reduction} \n Supported reduction "
                     "modes: 'none', 'mean', 'sum'")


def torch_focal(case: FocalCase) -> torch.Tensor:
    return torchvision_sigmoid_focal_loss(torch.from_numpy(case.inputs),
                                          torch.from_numpy(case.targets), **case.kwargs())


def focal_error_bound(case: FocalCase) -> np.ndarray:
    """What rounding may change in the loss, per element (or reduced).

    The cross-entropy is off by a few roundings of its terms, as in :func:`logit_magnitude`;
    ``u = 1 − p_t`` is off by a few units of eps in absolute terms (it comes from
    ``sigmoid(x)`` ≤ 1), so the factor ``u^γ`` by at most ``γ (u + c)^{γ−1} c`` for γ ≥ 1 and
    ``min(c^γ, γ (u − c)^{γ−1} c)`` for γ < 1, with ``c = 8 eps``.
    """
    eps = case.eps
    x = case.inputs.astype(np.float64)
    y = case.targets.astype(np.float64)
    p = 1 / (1 + np.exp(-x))
    u = np.abs(1 - (p * y + (1 - p) * (1 - y)))
    log_sigmoid_x = np.abs(binary.log_sigmoid(x))
    cross_entropy = (1 - y) * x + log_sigmoid_x
    terms = np.abs(1 - y) * np.abs(x) + log_sigmoid_x
    gamma, c = case.gamma, 8 * eps
    factor = u**gamma
    if gamma == 0:
        factor_error = np.zeros_like(u)
    elif gamma >= 1:
        factor_error = gamma * (u + c) ** (gamma - 1) * c
    else:
        with np.errstate(divide="ignore"):
            factor_error = np.minimum(c**gamma, gamma * np.maximum(u - c, 0) ** (gamma - 1) * c)
    weight = 1.0 if case.alpha < 0 else np.abs(case.alpha * y + (1 - case.alpha) * (1 - y))
    loss = weight * np.abs(cross_entropy) * factor
    element = weight * (ULPS * eps * terms * factor + np.abs(cross_entropy) * factor_error)
    element = element + ULPS * eps * loss
    if case.reduction == "none":
        return element
    rounds = max(1.0, math.log2(max(element.size, 1)))
    total = element.sum() + ULPS * eps * loss.sum() * rounds
    return np.asarray(total / element.size if case.reduction == "mean" else total)


@pytest.mark.slow
@settings(max_examples=300)
@given(focal_cases())
def test_sigmoid_focal_loss_matches_torchvisions_code(case: FocalCase) -> None:
    theirs = torch_focal(case).numpy()
    ours = binary.sigmoid_focal_loss(case.inputs, case.targets, **case.kwargs())
    assert isinstance(ours, np.ndarray | np.floating)
    assert np.shape(ours) == theirs.shape and np.asarray(ours).dtype == theirs.dtype
    assert np.all(np.isfinite(ours)) and np.all(np.asarray(ours) >= 0)
    error = np.abs(np.asarray(ours, dtype=np.float64) - theirs.astype(np.float64))
    allowed = focal_error_bound(case) + 1e-300
    assert np.all(error <= allowed), f"max error {error.max()}, allowed {allowed.min()}"


@pytest.mark.slow
@MANY
@given(focal_cases())
def test_sigmoid_focal_loss_gradient_matches_autograd(case: FocalCase) -> None:
    """A central difference of ours (float64; each element's loss depends on its own logit
    only, so one step of all logits gives every partial derivative) against autograd's gradient
    of torchvision's code."""
    x, y = case.inputs.astype(np.float64), case.targets.astype(np.float64)
    logits = torch.tensor(x, requires_grad=True)
    kwargs = case.kwargs()
    torchvision_sigmoid_focal_loss(logits, torch.from_numpy(y), **kwargs).sum().backward()
    assert logits.grad is not None
    h = 1e-6
    per_element = {**kwargs, "reduction": "none"}
    derivative = (binary.sigmoid_focal_loss(x + h, y, **per_element)
                  - binary.sigmoid_focal_loss(x - h, y, **per_element)) / (2 * h)
    if case.reduction == "mean":
        derivative = derivative / x.size
    np.testing.assert_allclose(derivative, logits.grad.numpy(), rtol=1e-5,
                               atol=1e-7 / (x.size if case.reduction == "mean" else 1))


@SOME
@given(focal_cases())
def test_hard_labels_follow_the_papers_formula(case: FocalCase) -> None:
    """FL = −α_t (1 − p_t)^γ log p_t with log p_t = log σ(±x), in float64, for labels 0/1."""
    x = case.inputs.astype(np.float64)
    y = np.round(case.targets).astype(np.float64)
    sign = torch.from_numpy(2 * y - 1)
    log_p_t = F.logsigmoid(sign * torch.from_numpy(x))
    modulating = (-torch.expm1(log_p_t)) ** case.gamma
    alpha_t = 1.0 if case.alpha < 0 else case.alpha * y + (1 - case.alpha) * (1 - y)
    paper = (-torch.as_tensor(alpha_t) * modulating * log_p_t).numpy()
    ours = binary.sigmoid_focal_loss(x, y, alpha=case.alpha, gamma=case.gamma, reduction="none")
    np.testing.assert_allclose(ours, paper, rtol=1e-9, atol=1e-13)


@SOME
@given(focal_cases())
def test_gamma_zero_is_the_alpha_weighted_bce_with_logits(case: FocalCase) -> None:
    x, y = case.inputs, case.targets
    ours = binary.sigmoid_focal_loss(x, y, alpha=case.alpha, gamma=0.0, reduction=case.reduction)
    weight = None
    if case.alpha >= 0:
        weight = torch.from_numpy(case.alpha * y + (1 - case.alpha) * (1 - y))
    theirs = F.binary_cross_entropy_with_logits(torch.from_numpy(x), torch.from_numpy(y),
                                                weight=weight, reduction=case.reduction)
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=ULPS * case.eps,
                               atol=ULPS * case.eps * float(np.max(np.abs(x), initial=1.0)))


@SOME
@given(focal_cases())
def test_alpha_weighs_positives_by_alpha_and_negatives_by_one_minus_alpha(case: FocalCase) -> None:
    x, y, gamma = case.inputs, case.targets, case.gamma
    unweighted = binary.sigmoid_focal_loss(x, y, alpha=-1.0, gamma=gamma)
    np.testing.assert_array_equal(binary.sigmoid_focal_loss(x, y, alpha=-0.5, gamma=gamma),
                                  unweighted)  # any negative alpha: no weighting
    for alpha in (0.0, 0.25, 0.5, 1.0, case.alpha):
        if alpha < 0:
            continue
        weighted = binary.sigmoid_focal_loss(x, y, alpha=alpha, gamma=gamma)
        np.testing.assert_allclose(weighted, (alpha * y + (1 - alpha) * (1 - y)) * unweighted,
                                   rtol=4 * case.eps, atol=0)
    hard = np.round(y)
    assert np.all(binary.sigmoid_focal_loss(x, hard, alpha=1.0, gamma=gamma)[hard == 0] == 0)
    assert np.all(binary.sigmoid_focal_loss(x, hard, alpha=0.0, gamma=gamma)[hard == 1] == 0)


def test_focal_loss_by_hand() -> None:
    x = np.array([2.0, -1.0, 0.5, -3.0])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    p = 1 / (1 + np.exp(-x))
    p_t = np.where(y == 1, p, 1 - p)
    alpha_t = np.where(y == 1, 0.25, 0.75)
    by_hand = -alpha_t * (1 - p_t) ** 2 * np.log(p_t)
    np.testing.assert_allclose(binary.sigmoid_focal_loss(x, y), by_hand, rtol=1e-13)
    np.testing.assert_allclose(torchvision_sigmoid_focal_loss(torch.from_numpy(x),
                                                              torch.from_numpy(y)).numpy(),
                               by_hand, rtol=1e-13)
    # p_t = 0.9, gamma = 2: a hundredth of the cross-entropy; p_t = 0.5: a quarter
    for probability, ratio in ((0.9, 0.01), (0.5, 0.25)):
        logit = np.array([math.log(probability / (1 - probability))])
        focal = binary.sigmoid_focal_loss(logit, np.ones(1), alpha=-1)
        assert focal[0] / -math.log(probability) == pytest.approx(ratio, rel=1e-12)


def test_focal_defaults_reductions_and_empty_input() -> None:
    assert inspect.signature(binary.sigmoid_focal_loss).parameters["alpha"].default == 0.25
    assert inspect.signature(binary.sigmoid_focal_loss).parameters["gamma"].default == 2.0
    x = np.array([[0.5, -1.0, 2.0], [0.0, 3.0, -2.0]])
    y = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    none = binary.sigmoid_focal_loss(x, y)  # torchvision's default reduction: "none"
    assert isinstance(none, np.ndarray) and none.shape == (2, 3)
    total = binary.sigmoid_focal_loss(x, y, reduction="sum")
    mean = binary.sigmoid_focal_loss(x, y, reduction="mean")
    assert isinstance(total, np.float64) and isinstance(mean, np.float64)
    assert total == pytest.approx(none.sum(), rel=1e-15)
    assert mean == pytest.approx(none.sum() / 6, rel=1e-15)
    one = binary.sigmoid_focal_loss(np.float32(0.3), np.float32(1.0))
    assert isinstance(one, np.ndarray) and one.shape == () and one.dtype == np.float32
    empty = np.zeros((0, 3))
    assert np.isnan(binary.sigmoid_focal_loss(empty, empty, reduction="mean"))
    assert binary.sigmoid_focal_loss(empty, empty, reduction="sum") == 0.0
    assert binary.sigmoid_focal_loss(empty, empty).shape == (0, 3)
    assert np.isnan(torchvision_sigmoid_focal_loss(torch.zeros(0), torch.zeros(0),
                                                   reduction="mean").item())


@pytest.mark.parametrize(("inputs", "targets"), [(np.float32, np.float32),
                                                 (np.float32, np.float64),
                                                 (np.float64, np.float32),
                                                 (np.float64, np.float64)])
def test_focal_dtypes_follow_torch(inputs: type, targets: type) -> None:
    x = np.array([0.5, -1.0, 30.0, -30.0], dtype=inputs)
    y = np.array([1.0, 0.0, 0.0, 1.0], dtype=targets)
    ours = binary.sigmoid_focal_loss(x, y)
    theirs = torchvision_sigmoid_focal_loss(torch.from_numpy(x), torch.from_numpy(y))
    assert ours.dtype == theirs.numpy().dtype == np.result_type(x, y)
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-6)


def test_focal_loss_of_confident_mistakes_is_finite_in_float32() -> None:
    """x = ±30 against the other label: p_t rounds to 0 or is tiny, yet −log p_t comes from the
    logits (BCE with logits), so the loss is α_t · 30, as in float64."""
    x = np.array([30.0, -30.0], dtype=np.float32)
    y = np.array([0.0, 1.0], dtype=np.float32)
    ours = binary.sigmoid_focal_loss(x, y, reduction="none")
    np.testing.assert_allclose(ours, [0.75 * 30.0, 0.25 * 30.0], rtol=1e-6)
