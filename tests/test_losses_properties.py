"""Property tests: ``helpers.losses`` and ``helpers.info`` against PyTorch, on generated inputs.

Every loss is compared with ``torch.nn.functional`` for every argument combination: unbatched
``(C,)``, ``(N, C)``, ``(N, C, d1)`` and ``(N, C, d1, d2)`` inputs; class-index and
class-probability targets; with and without class weights (zero weights included); with and
without ignored targets (all of them ignored included); the three reductions; label smoothing
in [0, 1]; logits of scale ~1, ~30 and ~1e4; float32 and float64. Gradients are compared with
``torch.autograd``. The information-theory functions are checked against
``torch.distributions`` and against the identities that tie them together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from helpers import info, losses

pytestmark = pytest.mark.slow

# The tensors here are tiny: one thread is ~100x faster than a contended thread pool.
torch.set_num_threads(1)

MANY = settings(max_examples=200)
SOME = settings(max_examples=100)

DTYPES = (np.float32, np.float64)
SCALES = (1.0, 30.0, 1e4)
REDUCTIONS = ("none", "mean", "sum")

#: (rtol, atol per unit of logit scale) for losses, and (rtol, atol) for gradients, by dtype.
LOSS_TOLERANCE = {np.float32: (2e-6, 4e-6), np.float64: (1e-10, 1e-13)}
GRAD_TOLERANCE = {np.float32: (1e-5, 2e-6), np.float64: (1e-10, 1e-14)}


# --------------------------------------------------------------------------------------------
# strategies
# --------------------------------------------------------------------------------------------


@st.composite
def input_shapes(draw: st.DrawFn, min_rank: int = 1, max_rank: int = 4) -> tuple[int, ...]:
    """``(C,)``, ``(N, C)``, ``(N, C, d1)`` or ``(N, C, d1, d2)``; C ≤ 6, N ≤ 5, d ≤ 3."""
    rank = draw(st.integers(min_rank, max_rank))
    classes = draw(st.integers(1, 6))
    if rank == 1:
        return (classes,)
    batch = draw(st.integers(1, 5))
    spatial = tuple(draw(st.integers(1, 3)) for _ in range(rank - 2))
    return (batch, classes, *spatial)


@st.composite
def generators(draw: st.DrawFn) -> np.random.Generator:
    """A NumPy generator seeded by hypothesis: fast bulk values, reproducible draws.

    Drawing every array element through hypothesis costs milliseconds per example; shapes,
    dtypes, scales and modes are drawn by hypothesis, the values from this generator.
    """
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


@st.composite
def logit_arrays(
    draw: st.DrawFn, shape: tuple[int, ...] | None = None, min_rank: int = 1
) -> tuple[np.ndarray, float]:
    """Logits of a drawn dtype and scale (~1, ~30 or ~1e4), and that scale; maybe with ties."""
    if shape is None:
        shape = draw(input_shapes(min_rank=min_rank))
    dtype = draw(st.sampled_from(DTYPES))
    scale = draw(st.sampled_from(SCALES))
    unit = draw(generators()).uniform(-1.0, 1.0, shape)
    if draw(st.booleans()):
        unit = np.round(unit, 1)  # ties and exact zeros
    return (unit * scale).astype(dtype), scale


@dataclass
class Case:
    """One call: the arguments of ``cross_entropy`` (and ``nll_loss``) and the logit scale."""

    logits: np.ndarray
    target: np.ndarray
    scale: float
    weight: np.ndarray | None = None
    ignore_index: int = -100
    reduction: str = "mean"
    label_smoothing: float = 0.0
    probabilities: bool = False
    kwargs: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.kwargs = {
            "weight": self.weight,
            "ignore_index": self.ignore_index,
            "reduction": self.reduction,
        }

    @property
    def dtype(self) -> type[np.floating]:
        return self.logits.dtype.type

    @property
    def class_axis(self) -> int:
        return 0 if self.logits.ndim == 1 else 1

    def torch_kwargs(self) -> dict[str, Any]:
        weight = None if self.weight is None else torch.from_numpy(self.weight)
        return {**self.kwargs, "weight": weight}


@st.composite
def cases(
    draw: st.DrawFn,
    probabilities: bool | None = None,
    smoothing: bool = True,
) -> Case:
    """A loss call with every argument drawn; ``probabilities=None`` draws the target kind."""
    logits, scale = draw(logit_arrays())
    dtype = logits.dtype
    class_axis = 0 if logits.ndim == 1 else 1
    classes = logits.shape[class_axis]
    if probabilities is None:
        probabilities = draw(st.booleans())
    rng = draw(generators())
    weight_mode = draw(st.sampled_from(["none", "positive", "with zeros"]))
    weight = None
    if weight_mode != "none":
        weight = rng.uniform(0.1, 3.0, classes)
        if weight_mode == "with zeros":
            weight[rng.random(classes) < 0.4] = 0.0  # a zero total weight gives nan, as in torch
        weight = weight.astype(dtype)
    reduction = draw(st.sampled_from(REDUCTIONS))
    label_smoothing = (
        draw(st.just(0.0) | st.floats(0.0, 1.0) | st.just(1.0)) if smoothing else 0.0
    )
    if probabilities:
        raw = rng.random(logits.shape)
        raw[rng.random(logits.shape) < 0.3] = 0.0
        if draw(st.booleans()):  # a distribution per position (PyTorch does not insist)
            total = raw.sum(axis=class_axis, keepdims=True)
            raw = np.where(total > 0, raw / np.where(total > 0, total, 1.0), 1.0 / classes)
        return Case(logits, raw.astype(dtype), scale, weight, -100, reduction, label_smoothing,
                    probabilities=True)
    index_shape = logits.shape[:1] + logits.shape[2:] if logits.ndim > 1 else ()
    target = rng.integers(0, classes, index_shape)
    ignore_index = draw(st.just(-100) | st.integers(0, classes - 1))
    ignored = draw(st.sampled_from(["none", "some", "all"]))
    if ignored != "none":
        mask = rng.random(index_shape) < 0.3 if ignored == "some" else np.ones(index_shape, bool)
        target = np.where(mask, ignore_index, target)
    return Case(logits, target, scale, weight, ignore_index, reduction, label_smoothing)


def assert_loss_matches(ours: Any, theirs: torch.Tensor, case: Case) -> None:
    expected = theirs.detach().numpy()
    assert isinstance(ours, np.ndarray | np.floating)
    assert np.shape(ours) == expected.shape
    assert np.asarray(ours).dtype == expected.dtype == case.dtype
    rtol, atol = LOSS_TOLERANCE[case.dtype]
    np.testing.assert_allclose(ours, expected, rtol=rtol, atol=atol * case.scale, equal_nan=True)


def assert_grad_matches(ours: np.ndarray, theirs: torch.Tensor, case: Case) -> None:
    expected = theirs.numpy()
    assert ours.shape == expected.shape == case.logits.shape
    assert ours.dtype == expected.dtype
    rtol, atol = GRAD_TOLERANCE[case.dtype]
    np.testing.assert_allclose(ours, expected, rtol=rtol, atol=atol, equal_nan=True)


def torch_cross_entropy_and_grad(case: Case) -> tuple[torch.Tensor, torch.Tensor]:
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


@st.composite
def arrays_and_axes(draw: st.DrawFn) -> tuple[np.ndarray, float, int]:
    logits, scale = draw(logit_arrays())
    axis = draw(st.integers(-logits.ndim, logits.ndim - 1))
    return logits, scale, axis


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
@given(cases(probabilities=False, smoothing=False))
def test_nll_loss_matches_torch(case: Case) -> None:
    log_probs = torch.log_softmax(torch.from_numpy(case.logits), dim=case.class_axis)
    theirs = F.nll_loss(log_probs, torch.from_numpy(case.target), **case.torch_kwargs())
    ours = losses.nll_loss(log_probs.numpy(), case.target, **case.kwargs)
    assert_loss_matches(ours, theirs, case)


@MANY
@given(cases(probabilities=False))
def test_cross_entropy_class_targets_match_torch(case: Case) -> None:
    theirs, _ = torch_cross_entropy_and_grad(case)
    ours = losses.cross_entropy(case.logits, case.target, label_smoothing=case.label_smoothing,
                                **case.kwargs)
    assert_loss_matches(ours, theirs, case)


@MANY
@given(cases(probabilities=True))
def test_cross_entropy_probability_targets_match_torch(case: Case) -> None:
    theirs, _ = torch_cross_entropy_and_grad(case)
    ours = losses.cross_entropy(case.logits, case.target, label_smoothing=case.label_smoothing,
                                **case.kwargs)
    assert_loss_matches(ours, theirs, case)


@MANY
@given(cases(probabilities=False))
def test_cross_entropy_grad_class_targets_matches_autograd(case: Case) -> None:
    _, theirs = torch_cross_entropy_and_grad(case)
    ours = losses.cross_entropy_grad(case.logits, case.target,
                                     label_smoothing=case.label_smoothing, **case.kwargs)
    assert_grad_matches(ours, theirs, case)


@MANY
@given(cases(probabilities=True))
def test_cross_entropy_grad_probability_targets_matches_autograd(case: Case) -> None:
    _, theirs = torch_cross_entropy_and_grad(case)
    ours = losses.cross_entropy_grad(case.logits, case.target,
                                     label_smoothing=case.label_smoothing, **case.kwargs)
    assert_grad_matches(ours, theirs, case)


@SOME
@given(cases(probabilities=False, smoothing=False))
def test_cross_entropy_is_nll_of_log_softmax(case: Case) -> None:
    log_probs = losses.log_softmax(case.logits, axis=case.class_axis)
    np.testing.assert_array_equal(
        losses.cross_entropy(case.logits, case.target, **case.kwargs),
        losses.nll_loss(log_probs, case.target, **case.kwargs),
    )


@SOME
@given(cases(probabilities=False))
def test_unweighted_label_smoothing_is_cross_entropy_with_smoothed_targets(case: Case) -> None:
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
@given(cases(probabilities=False))
def test_grad_is_the_derivative_of_the_loss(case: Case) -> None:
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
    case = Case(logits, target, 1.0, reduction=reduction, probabilities=probabilities)
    theirs, torch_grad = torch_cross_entropy_and_grad(case)
    assert_loss_matches(losses.cross_entropy(logits, target, reduction=reduction), theirs, case)
    assert_grad_matches(losses.cross_entropy_grad(logits, target, reduction=reduction),
                        torch_grad, case)


# --------------------------------------------------------------------------------------------
# information theory: against torch.distributions and the identities
# --------------------------------------------------------------------------------------------


@st.composite
def distributions(
    draw: st.DrawFn, shape: tuple[int, ...] | None = None, positive: bool = False
) -> np.ndarray:
    """Probability distributions along the last axis (zeros allowed unless ``positive``)."""
    if shape is None:
        shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=6))
    rng = draw(generators())
    raw = rng.random(shape) ** draw(st.sampled_from([1.0, 4.0, 20.0]))  # peaked or flat
    if positive:
        raw = raw + 1e-3
    elif draw(st.booleans()):
        raw[rng.random(shape) < 0.4] = 0.0
        if draw(st.booleans()):
            raw[rng.random(shape) < 0.1] = 1e-310  # subnormal probabilities
    raw[..., 0] += 1e-3  # never an all-zero row
    return raw / raw.sum(axis=-1, keepdims=True)


UNIT_BASES = st.sampled_from([*info.UNITS, "bit", "nat", "ban", 2, 10, math.e, 3.5, 1.25])


@MANY
@given(distributions(), UNIT_BASES)
def test_entropy_matches_torch_and_its_bounds(p: np.ndarray, base: float | str) -> None:
    ln_b = math.log(info.log_base(base))
    theirs = torch.distributions.Categorical(probs=torch.from_numpy(p)).entropy().numpy()
    ours = info.entropy(p, base=base)
    assert np.shape(ours) == theirs.shape and (p.ndim > 1 or isinstance(ours, float))
    np.testing.assert_allclose(ours, theirs / ln_b, rtol=1e-12, atol=1e-14)
    # Change of base: H_b = H_nats / ln b.
    np.testing.assert_allclose(ours, np.asarray(info.entropy(p)) / ln_b, rtol=1e-14, atol=0)
    # The expected information: H(p) = Σ_k p_k I(p_k).
    surprisal = np.where(p > 0, info.information(p, base=base), 0.0)
    np.testing.assert_allclose(ours, np.sum(p * surprisal, axis=-1), rtol=1e-12, atol=1e-15)
    # 0 ≤ H(p) ≤ log_b K, with equality for the uniform distribution.
    k = p.shape[-1]
    assert np.all(np.asarray(ours) >= 0)
    assert np.all(np.asarray(ours) <= math.log(k) / ln_b * (1 + 1e-12) + 1e-15)
    uniform = info.entropy(np.full(p.shape, 1.0 / k), base=base)
    np.testing.assert_allclose(uniform, math.log(k) / ln_b, rtol=1e-14, atol=1e-15)


@MANY
@given(distributions(), st.data())
def test_cross_entropy_and_kl_identities_and_torch(p: np.ndarray, data: st.DataObject) -> None:
    positive_q = data.draw(st.booleans(), label="positive_q")
    q = data.draw(distributions(shape=p.shape, positive=positive_q), label="q")
    base = data.draw(UNIT_BASES, label="base")
    ln_b = math.log(info.log_base(base))
    h_pq = np.asarray(info.cross_entropy(p, q, base=base))
    h_p = np.asarray(info.entropy(p, base=base))
    kl = np.asarray(info.kl_divergence(p, q, base=base))
    # KL(p‖q) ≥ 0, H(p, q) ≥ H(p), both +inf exactly where some q_k = 0 < p_k.
    assert np.all(kl >= 0)
    assert np.all(h_pq >= h_p * (1 - 1e-12) - 1e-12)
    impossible = np.any((q == 0) & (p > 0), axis=-1)
    assert np.array_equal(np.isinf(h_pq), impossible)
    assert np.array_equal(np.isinf(kl), impossible)
    # H(p, q) = H(p) + KL(p‖q).
    finite = ~impossible
    np.testing.assert_allclose(h_pq[finite], (h_p + kl)[finite], rtol=1e-10, atol=1e-12)
    # Change of base, and KL(p‖p) = 0, H(p, p) = H(p).
    np.testing.assert_allclose(h_pq, np.asarray(info.cross_entropy(p, q)) / ln_b, rtol=1e-14)
    np.testing.assert_allclose(kl, np.asarray(info.kl_divergence(p, q)) / ln_b, rtol=1e-14)
    np.testing.assert_allclose(info.kl_divergence(p, p, base=base), 0.0, atol=1e-15)
    np.testing.assert_allclose(info.cross_entropy(p, p, base=base), h_p, rtol=1e-14, atol=0)
    if positive_q:
        p_t, q_t = torch.from_numpy(p), torch.from_numpy(q)
        torch_kl = torch.distributions.kl_divergence(
            torch.distributions.Categorical(probs=p_t), torch.distributions.Categorical(probs=q_t)
        )
        np.testing.assert_allclose(kl, torch_kl.numpy() / ln_b, rtol=1e-9, atol=1e-12)
        # H(p, q) = F.cross_entropy with logits log q and probability target p.
        k = p.shape[-1]
        torch_h = F.cross_entropy(
            torch.log(q_t).reshape(-1, k), p_t.reshape(-1, k), reduction="none"
        ).reshape(p.shape[:-1])
        np.testing.assert_allclose(h_pq, torch_h.numpy() / ln_b, rtol=1e-10, atol=1e-12)


@MANY
@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=5),
               elements=st.floats(0.0, 1.0)),
    UNIT_BASES,
)
def test_binary_entropy_and_information_match_torch(p: np.ndarray, base: float | str) -> None:
    ln_b = math.log(info.log_base(base))
    p_t = torch.from_numpy(p)
    entr = (torch.special.entr(p_t) + torch.special.entr(1 - p_t)).numpy()  # entr(x) = -x ln x
    ours = info.binary_entropy(p, base=base)
    assert np.shape(ours) == p.shape and (p.ndim > 0 or isinstance(ours, float))
    np.testing.assert_allclose(ours, entr / ln_b, rtol=1e-13, atol=1e-300)
    assert np.all(np.asarray(ours) <= math.log(2) / ln_b * (1 + 1e-15))
    both = np.stack([p, 1 - p], axis=-1)
    np.testing.assert_allclose(ours, info.entropy(both, base=base), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(info.information(p, base=base), -torch.log(p_t).numpy() / ln_b,
                               rtol=1e-14)
