"""The hypothesis strategies of the property tests, and the settings and draws they share.

Shapes, dtypes, scales and modes are drawn by hypothesis; the bulk values of an array come from
a NumPy generator that hypothesis seeds (:func:`generators`), so an example costs microseconds
and still replays exactly. Used by ``test_losses.py`` (:func:`loss_cases`, :func:`kl_div_cases`),
``test_binary.py`` (:func:`logit_cases`, :func:`probability_cases`, :func:`focal_cases`),
``test_info.py``
(:func:`distributions`) and ``test_calibration.py`` (:data:`calibration_cases`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import torch
from hypothesis import settings
from hypothesis import strategies as st

from helpers import binary, info

MANY = settings(max_examples=200)
SOME = settings(max_examples=100)

DTYPES = (np.float32, np.float64)
SCALES = (1.0, 30.0, 1e4)
REDUCTIONS = ("none", "mean", "sum")

#: Bases of the logarithm: unit names (plural and singular), their bases, and two others.
UNIT_BASES = st.sampled_from([*info.UNITS, "bit", "nat", "ban", 2, 10, math.e, 3.5, 1.25])


@st.composite
def generators(draw: st.DrawFn) -> np.random.Generator:
    """A NumPy generator seeded by hypothesis: fast bulk values, reproducible draws.

    Drawing every array element through hypothesis costs milliseconds per example; shapes,
    dtypes, scales and modes are drawn by hypothesis, the values from this generator.
    """
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


# --------------------------------------------------------------------------------------------
# losses with a class axis: softmax family, nll_loss, cross_entropy
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


@st.composite
def arrays_and_axes(draw: st.DrawFn) -> tuple[np.ndarray, float, int]:
    """Logits (as :func:`logit_arrays`), their scale, and an axis of theirs."""
    logits, scale = draw(logit_arrays())
    axis = draw(st.integers(-logits.ndim, logits.ndim - 1))
    return logits, scale, axis


@dataclass
class LossCase:
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
def loss_cases(
    draw: st.DrawFn,
    probabilities: bool | None = None,
    smoothing: bool = True,
) -> LossCase:
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
        return LossCase(logits, raw.astype(dtype), scale, weight, -100, reduction,
                        label_smoothing, probabilities=True)
    index_shape = logits.shape[:1] + logits.shape[2:] if logits.ndim > 1 else ()
    target = rng.integers(0, classes, index_shape)
    ignore_index = draw(st.just(-100) | st.integers(0, classes - 1))
    ignored = draw(st.sampled_from(["none", "some", "all"]))
    if ignored != "none":
        mask = rng.random(index_shape) < 0.3 if ignored == "some" else np.ones(index_shape, bool)
        target = np.where(mask, ignore_index, target)
    return LossCase(logits, target, scale, weight, ignore_index, reduction, label_smoothing)


@dataclass
class DivergenceCase:
    """One call of ``kl_div``: log-probabilities, a target (``log_target``: log-probabilities),
    shapes that broadcast, and the logit scale."""

    log_q: np.ndarray
    target: np.ndarray
    reduction: str
    log_target: bool
    scale: float

    @property
    def eps(self) -> float:
        """Machine epsilon of the less precise of the two arrays."""
        return max(float(np.finfo(self.log_q.dtype).eps), float(np.finfo(self.target.dtype).eps))


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    """float64 log-softmax along the class axis (1, or 0 for one distribution)."""
    axis = 0 if logits.ndim == 1 else 1
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


@st.composite
def kl_div_cases(draw: st.DrawFn, reduction: str, log_target: bool) -> DivergenceCase:
    """``kl_div`` arguments: ``log_softmax`` of logits up to ±1 or ±30 along the class axis of a
    1-D to 4-D shape; the target a distribution with exact zeros (``log_target``: its log, with
    entries whose probability underflows, and now and then ``-inf``). Mostly the two have one
    shape; else one of them has a shape that broadcasts to the other's (0-d included)."""
    shape = draw(input_shapes())
    dtype = draw(st.sampled_from(DTYPES))
    target_dtype = draw(st.sampled_from([dtype, dtype, np.float32, np.float64]))
    scale = draw(st.sampled_from([1.0, 30.0]))
    rng = draw(generators())
    broadcast = draw(st.sampled_from(["no", "no", "target", "input"]))
    target_shape = draw(broadcastable_shapes(shape)) if broadcast == "target" else shape
    input_shape = draw(broadcastable_shapes(shape)) if broadcast == "input" else shape
    log_q = _take(_log_softmax(rng.uniform(-scale, scale, shape)), input_shape)
    log_p = _log_softmax(rng.uniform(-scale, scale, shape) * draw(st.sampled_from([1.0, 5.0])))
    p = np.exp(log_p)
    zeros = rng.random(shape) < draw(st.sampled_from([0.0, 0.3, 0.6]))
    if log_target:
        if draw(st.sampled_from([False, False, False, True])):  # log 0 (the loss is then nan)
            log_p = np.where(zeros & (rng.random(shape) < 0.2), -np.inf, log_p)
        values = _take(log_p, target_shape)
    else:
        values = _take(np.where(zeros, 0.0, p), target_shape)
    return DivergenceCase(np.asarray(log_q).astype(dtype), np.asarray(values).astype(target_dtype),
                          reduction, log_target, scale)


def _take(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The part of ``array`` of ``shape``, a shape that broadcasts to its own: the leading axes
    that ``shape`` lacks at index 0, each other axis cut to its first ``size`` entries."""
    index = (0,) * (array.ndim - len(shape)) + tuple(slice(0, size) for size in shape)
    return array[index]


# --------------------------------------------------------------------------------------------
# binary losses: elementwise, any shape
# --------------------------------------------------------------------------------------------


@st.composite
def elementwise_shapes(draw: st.DrawFn) -> tuple[int, ...]:
    """``()``, ``(N,)``, ``(N, C)`` or ``(N, C, d)``, with N ≤ 6, C ≤ 5, d ≤ 4."""
    rank = draw(st.sampled_from([0, 1, 1, 2, 2, 2, 3, 3]))
    sizes = (draw(st.integers(1, 6)), draw(st.integers(1, 5)), draw(st.integers(1, 4)))
    return sizes[:rank]


@st.composite
def broadcastable_shapes(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that broadcasts to ``shape``: its last k axes, each kept or set to 1."""
    k = draw(st.integers(0, len(shape)))
    tail = shape[len(shape) - k:]
    return tuple(size if draw(st.booleans()) else 1 for size in tail)


@dataclass
class BinaryCase:
    """One call of a binary loss: input (logits or probabilities), target and options."""

    values: np.ndarray
    target: np.ndarray
    weight: np.ndarray | None
    pos_weight: np.ndarray | None
    reduction: str

    @property
    def eps(self) -> float:
        """Machine epsilon of the least precise array involved."""
        arrays = [a for a in (self.values, self.target, self.weight, self.pos_weight)
                  if a is not None]
        return max(float(np.finfo(a.dtype).eps) for a in arrays)


@st.composite
def binary_targets(draw: st.DrawFn, rng: np.random.Generator, shape: tuple[int, ...],
                   dtype: type[np.floating]) -> np.ndarray:
    """Hard labels 0/1, soft labels in [0, 1], or a mix of both."""
    kind = draw(st.sampled_from(["hard", "soft", "mixed"]))
    hard = rng.integers(0, 2, shape).astype(np.float64)
    soft = rng.random(shape)
    if kind == "hard":
        values = hard
    elif kind == "soft":
        values = soft
    else:
        values = np.where(rng.random(shape) < 0.5, hard, soft)
    return np.asarray(values).astype(dtype)


@st.composite
def elementwise_weights(draw: st.DrawFn, rng: np.random.Generator, shape: tuple[int, ...],
                        dtype: type[np.floating], positive: bool = False) -> np.ndarray | None:
    """None, or non-negative weights of a shape that broadcasts to ``shape``.

    For ``positive`` (pos_weight) the shape is mostly ``(C,)``, one weight per class on the last
    axis, and the values are in [0.1, 10].
    """
    mode = draw(st.sampled_from(["none", "none", "last axis", "broadcast", "scalar"]))
    if mode == "none":
        return None
    if mode == "last axis":
        weight_shape = shape[-1:]
    elif mode == "scalar":
        weight_shape = ()
    else:
        weight_shape = draw(broadcastable_shapes(shape))
    if positive:
        values = np.exp(rng.uniform(math.log(0.1), math.log(10.0), weight_shape))
    else:
        values = rng.uniform(0.0, 3.0, weight_shape)
        values[rng.random(weight_shape) < 0.2] = 0.0
    weight_dtype = draw(st.sampled_from([dtype, dtype, np.float64]))
    return np.asarray(values).astype(weight_dtype)


@st.composite
def logit_cases(draw: st.DrawFn) -> BinaryCase:
    """Arguments of binary_cross_entropy_with_logits; the target's dtype may differ."""
    shape = draw(elementwise_shapes())
    dtype = draw(st.sampled_from(DTYPES))
    scale = draw(st.sampled_from(SCALES))
    rng = draw(generators())
    logits = rng.uniform(-1.0, 1.0, shape) * scale
    if draw(st.booleans()):
        logits = np.round(logits, 1)  # exact zeros and ties
    target_dtype = draw(st.sampled_from([dtype, dtype, dtype, np.float32, np.float64]))
    return BinaryCase(
        np.asarray(logits).astype(dtype),
        draw(binary_targets(rng, shape, target_dtype)),
        draw(elementwise_weights(rng, shape, dtype)),
        draw(elementwise_weights(rng, shape, dtype, positive=True)),
        draw(st.sampled_from(REDUCTIONS)),
    )


@st.composite
def probability_cases(draw: st.DrawFn) -> BinaryCase:
    """Arguments of binary_cross_entropy: probabilities with exact 0s and 1s, tiny ones, and
    sigmoids of large logits (1.0 after rounding), so the −100 clamp is exercised."""
    shape = draw(elementwise_shapes())
    dtype = draw(st.sampled_from(DTYPES))
    scale = draw(st.sampled_from(SCALES))
    rng = draw(generators())
    probs = binary.sigmoid((rng.uniform(-1.0, 1.0, shape) * scale).astype(dtype))
    probs = np.asarray(probs).copy()
    if draw(st.booleans()):
        special = np.array([0.0, 1.0, 1e-30, 1e-45, 1 - 1e-7, 0.5], dtype=dtype)
        mask = rng.random(shape) < 0.3
        probs[mask] = rng.choice(special, size=shape)[mask]
    return BinaryCase(
        probs,
        draw(binary_targets(rng, shape, dtype)),
        draw(elementwise_weights(rng, shape, dtype)),
        None,
        draw(st.sampled_from(REDUCTIONS)),
    )


@st.composite
def focal_shapes(draw: st.DrawFn) -> tuple[int, ...]:
    """1-D to 4-D: ``(N,)``, ``(N, C)``, ``(N, C, d1)`` or ``(N, C, d1, d2)``, each side ≤ 5."""
    rank = draw(st.integers(1, 4))
    return tuple(draw(st.integers(1, 5)) for _ in range(rank))


@dataclass
class FocalCase:
    """One call of ``sigmoid_focal_loss``: logits, targets, alpha, gamma and reduction."""

    inputs: np.ndarray
    targets: np.ndarray
    alpha: float
    gamma: float
    reduction: str

    @property
    def eps(self) -> float:
        """Machine epsilon of the less precise of the two arrays."""
        return max(float(np.finfo(a.dtype).eps) for a in (self.inputs, self.targets))

    def kwargs(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "gamma": self.gamma, "reduction": self.reduction}


#: alpha: torchvision's -1 (no weighting) and another negative, both ends, its default, any.
FOCAL_ALPHAS = st.sampled_from([-1.0, -0.5, 0.0, 0.25, 0.25, 0.5, 1.0]) | st.floats(0.0, 1.0)
#: gamma: 0 (the cross-entropy), fractions, the paper's 2, up to 5 (the paper's range).
FOCAL_GAMMAS = st.sampled_from([0.0, 0.0, 0.5, 1.0, 2.0, 2.0, 3.0, 5.0]) | st.floats(0.0, 5.0)


@st.composite
def focal_cases(draw: st.DrawFn, scales: tuple[float, ...] = (1.0, 5.0, 30.0)) -> FocalCase:
    """Arguments of ``sigmoid_focal_loss``: logits up to ±30 (exact ±30 and 0 included), hard,
    soft or mixed targets (maybe in the other float dtype), every alpha kind and gamma ≥ 0."""
    shape = draw(focal_shapes())
    dtype = draw(st.sampled_from(DTYPES))
    scale = draw(st.sampled_from(scales))
    rng = draw(generators())
    logits = rng.uniform(-1.0, 1.0, shape) * scale
    if draw(st.booleans()):
        logits = np.round(logits, 1)  # exact zeros and ties
    if draw(st.booleans()):  # the extremes
        logits[rng.random(shape) < 0.2] = rng.choice([-scale, scale])
    target_dtype = draw(st.sampled_from([dtype, dtype, dtype, np.float32, np.float64]))
    return FocalCase(
        np.asarray(logits).astype(dtype),
        draw(binary_targets(rng, shape, target_dtype)),
        draw(FOCAL_ALPHAS),
        draw(FOCAL_GAMMAS),
        draw(st.sampled_from(REDUCTIONS)),
    )


# --------------------------------------------------------------------------------------------
# information theory and calibration: distributions along the last axis
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


#: ``(logits, labels, n_bins)``: ``N ≤ 60`` rows of ``K ≤ 6`` logits in [-8, 8] (softmax them),
#: their class indices and 1 to 20 bins.
calibration_cases = st.integers(1, 60).flatmap(
    lambda n: st.integers(2, 6).flatmap(
        lambda k: st.tuples(
            hnp.arrays(np.float64, (n, k), elements=st.floats(-8, 8)),
            hnp.arrays(np.int64, (n,), elements=st.integers(0, k - 1)),
            st.integers(1, 20),
        )
    )
)
