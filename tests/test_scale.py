"""helpers.scale.chunked_cross_entropy equals F.cross_entropy(hidden @ weight.T, target).

Loss and both gradients, for every chunk size (1, divisors of T, non-divisors, larger than T),
float64 (to 1e-10) and float32 (to 1e-5), with ignore_index, and generated shapes; plus the
error messages and the promise that no (T, V) tensor is kept for backward.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from helpers.scale import DEFAULT_CHUNK_SIZE, chunked_cross_entropy

TOLERANCE = {torch.float64: 1e-10, torch.float32: 1e-5}
TOKENS, WIDTH, VOCABULARY = 24, 8, 50
# 1, divisors of T = 24, non-divisors, T itself and sizes larger than T
CHUNK_SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 23, 24, 25, 100]


def make_inputs(
    tokens: int = TOKENS,
    width: int = WIDTH,
    vocabulary: int = VOCABULARY,
    dtype: torch.dtype = torch.float64,
    seed: int = 0,
    scale: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    hidden = (scale * torch.randn(tokens, width, generator=generator, dtype=dtype)).requires_grad_()
    weight = torch.randn(vocabulary, width, generator=generator, dtype=dtype).requires_grad_()
    target = torch.randint(0, vocabulary, (tokens,), generator=generator)
    return hidden, weight, target


def loss_and_grads(loss_of, hidden, weight, target, **kwargs):
    loss = loss_of(hidden, weight, target, **kwargs)
    grad_hidden, grad_weight = torch.autograd.grad(loss, (hidden, weight))
    return loss, grad_hidden, grad_weight


def naive(hidden, weight, target, ignore_index: int = -100):
    return F.cross_entropy(hidden @ weight.T, target, ignore_index=ignore_index)


def assert_equal_to_naive(hidden, weight, target, **kwargs) -> None:
    tolerance = TOLERANCE[hidden.dtype]
    ignore_index = kwargs.get("ignore_index", -100)
    expected = loss_and_grads(naive, hidden, weight, target, ignore_index=ignore_index)
    actual = loss_and_grads(chunked_cross_entropy, hidden, weight, target, **kwargs)
    names = ("loss", "grad hidden", "grad weight")
    for name, got, want in zip(names, actual, expected, strict=True):
        assert got.dtype == want.dtype and got.shape == want.shape, name
        torch.testing.assert_close(got, want, rtol=tolerance, atol=tolerance, msg=name)


MODES = pytest.mark.parametrize("recompute", [False, True], ids=["in_forward", "recompute"])


@MODES
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=str)
@pytest.mark.parametrize("chunk_size", CHUNK_SIZES)
def test_loss_and_both_gradients_equal_the_naive_computation(dtype, chunk_size, recompute) -> None:
    hidden, weight, target = make_inputs(dtype=dtype, seed=chunk_size)
    assert_equal_to_naive(hidden, weight, target, chunk_size=chunk_size, recompute=recompute)


@MODES
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=str)
def test_the_default_chunk_size_with_several_blocks_and_a_partial_last_one(
    dtype, recompute
) -> None:
    tokens = 2 * DEFAULT_CHUNK_SIZE + 3
    hidden, weight, target = make_inputs(tokens=tokens, vocabulary=40, dtype=dtype)
    assert_equal_to_naive(hidden, weight, target, recompute=recompute)


@MODES
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=str)
@pytest.mark.parametrize("chunk_size", [1, 5, 24, 30])
@pytest.mark.parametrize("ignore_index", [-100, -1, 3])
def test_ignored_tokens_contribute_nothing_and_are_not_counted(
    dtype, chunk_size, ignore_index, recompute
) -> None:
    hidden, weight, target = make_inputs(dtype=dtype, seed=7)
    target[::3] = ignore_index  # 8 of 24 tokens; ignore_index=3 is also a real class index
    assert_equal_to_naive(
        hidden, weight, target, chunk_size=chunk_size, ignore_index=ignore_index,
        recompute=recompute,
    )
    loss = chunked_cross_entropy(hidden, weight, target, chunk_size, ignore_index)
    kept = target != ignore_index
    by_hand = F.cross_entropy(hidden[kept] @ weight.T, target[kept])
    torch.testing.assert_close(loss, by_hand, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


@MODES
@pytest.mark.parametrize("chunk_size", [1, 7, 100])
def test_every_token_ignored_gives_nan_and_zero_gradients_like_torch(chunk_size, recompute) -> None:
    hidden, weight, target = make_inputs()
    target[:] = -100
    loss, grad_hidden, grad_weight = loss_and_grads(
        chunked_cross_entropy, hidden, weight, target, chunk_size=chunk_size, recompute=recompute
    )
    naive_loss, naive_hidden, naive_weight = loss_and_grads(naive, hidden, weight, target)
    assert math.isnan(loss.item()) and math.isnan(naive_loss.item())
    torch.testing.assert_close(grad_hidden, naive_hidden)
    torch.testing.assert_close(grad_weight, naive_weight)
    assert not grad_hidden.any() and not grad_weight.any()


@MODES
def test_no_tokens_gives_nan_like_torch(recompute) -> None:
    hidden, weight, target = make_inputs(tokens=0)
    loss = chunked_cross_entropy(hidden, weight, target, chunk_size=4, recompute=recompute)
    assert math.isnan(loss.item()) and math.isnan(naive(hidden, weight, target).item())
    loss.backward()
    assert hidden.grad.shape == (0, WIDTH) and not weight.grad.any()


@MODES
def test_large_logits_stay_finite_and_equal_thanks_to_the_stable_log_sum_exp(recompute) -> None:
    hidden, weight, target = make_inputs(scale=300.0)  # logits of order 1e3: exp overflows
    assert (hidden @ weight.T).abs().max() > 1000
    assert_equal_to_naive(hidden, weight, target, chunk_size=5, recompute=recompute)


@MODES
def test_a_scaled_upstream_gradient_and_a_single_differentiable_input(recompute) -> None:
    hidden, weight, target = make_inputs()
    frozen = weight.detach()
    (3.5 * chunked_cross_entropy(hidden, frozen, target, 5, recompute=recompute)).backward()
    expected = torch.autograd.grad(3.5 * naive(hidden, frozen, target), hidden)[0]
    torch.testing.assert_close(hidden.grad, expected, rtol=1e-10, atol=1e-10)
    assert frozen.grad is None


@MODES
def test_a_second_backward_through_a_retained_graph_gives_the_same_gradients(recompute) -> None:
    hidden, weight, target = make_inputs()
    loss = chunked_cross_entropy(hidden, weight, target, 5, recompute=recompute)
    first = torch.autograd.grad(loss, (hidden, weight), retain_graph=True)
    second = torch.autograd.grad(2 * loss, (hidden, weight))
    for one, two in zip(first, second, strict=True):
        torch.testing.assert_close(2 * one, two, rtol=1e-12, atol=1e-12)


def test_without_grad_only_the_loss_is_computed() -> None:
    hidden, weight, target = make_inputs()
    with torch.no_grad():
        loss = chunked_cross_entropy(hidden, weight, target, 5)
    assert loss.grad_fn is None
    torch.testing.assert_close(loss, naive(hidden, weight, target).detach())
    detached = chunked_cross_entropy(hidden.detach(), weight.detach(), target, 5)
    assert detached.grad_fn is None and detached.item() == pytest.approx(loss.item(), abs=1e-12)


@MODES
def test_gradcheck_in_float64(recompute) -> None:
    hidden, weight, target = make_inputs(tokens=6, width=3, vocabulary=5)
    target[2] = -100
    assert torch.autograd.gradcheck(
        lambda h, w: chunked_cross_entropy(h, w, target, 4, recompute=recompute), (hidden, weight)
    )


def test_recompute_saves_only_per_token_numbers_for_backward_never_the_logits() -> None:
    tokens, vocabulary = 64, 1000
    hidden, weight, target = make_inputs(tokens=tokens, vocabulary=vocabulary, seed=3)
    loss = chunked_cross_entropy(hidden, weight, target, chunk_size=16, recompute=True)
    saved = loss.grad_fn.saved_tensors
    assert max(tensor.numel() for tensor in saved) == weight.numel()  # the inputs themselves
    created = [t for t in saved if t is not hidden and t is not weight]
    assert all(t.shape == (tokens,) for t in created), [tuple(t.shape) for t in created]


def test_gradient_in_forward_saves_only_the_two_gradients() -> None:
    hidden, weight, target = make_inputs(tokens=64, vocabulary=1000, seed=3)
    loss = chunked_cross_entropy(hidden, weight, target, chunk_size=16)
    shapes = [tuple(t.shape) for t in loss.grad_fn.saved_tensors]
    assert shapes == [tuple(hidden.shape), tuple(weight.shape)]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    tokens=st.integers(1, 20),
    width=st.integers(1, 6),
    vocabulary=st.integers(1, 30),
    chunk_size=st.integers(1, 25),
    ignore_every=st.integers(0, 4),
    seed=st.integers(0, 2**16),
    recompute=st.booleans(),
)
def test_generated_shapes_agree_with_naive_in_float64(
    tokens, width, vocabulary, chunk_size, ignore_every, seed, recompute
) -> None:
    hidden, weight, target = make_inputs(tokens, width, vocabulary, torch.float64, seed)
    if ignore_every:
        target[::ignore_every] = -100
    # every token ignored: covered by test_every_token_ignored_gives_nan_and_zero_gradients_...
    assume(not (target == -100).all())
    assert_equal_to_naive(hidden, weight, target, chunk_size=chunk_size, recompute=recompute)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    tokens=st.integers(1, 40),
    vocabulary=st.integers(2, 60),
    chunk_size=st.integers(1, 45),
    seed=st.integers(0, 2**16),
    recompute=st.booleans(),
)
def test_generated_shapes_agree_with_naive_in_float32(
    tokens, vocabulary, chunk_size, seed, recompute
) -> None:
    hidden, weight, target = make_inputs(tokens, 8, vocabulary, torch.float32, seed)
    assert_equal_to_naive(hidden, weight, target, chunk_size=chunk_size, recompute=recompute)


def _valid():
    return make_inputs(tokens=4, width=3, vocabulary=5)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda h, w, t: ([[1.0]], w, t, 2), TypeError, "hidden must be a torch.Tensor, got list"),
        (lambda h, w, t: (h, w.numpy(force=True), t, 2), TypeError,
         "weight must be a torch.Tensor"),
        (lambda h, w, t: (h, w, t.tolist(), 2), TypeError, "target must be a torch.Tensor"),
        (lambda h, w, t: (h.long(), w, t, 2), TypeError, "hidden must have a floating-point dtype"),
        (lambda h, w, t: (h, w.float(), t, 2), TypeError,
         "same dtype, got torch.float64 and torch.float32"),
        (lambda h, w, t: (h[0], w, t, 2), ValueError,
         "hidden must be 2-D, got 1-D with shape (3,)"),
        (lambda h, w, t: (h, w[None], t, 2), ValueError, "weight must be 2-D, got 3-D"),
        (lambda h, w, t: (h, w[:, :2], t, 2), ValueError,
         "hidden is (T, H) = (4, 3) and weight is (V, H) = (5, 2)"),
        (lambda h, w, t: (h, w[:0], t, 2), ValueError, "at least one row (V >= 1)"),
        (lambda h, w, t: (h, w, t.int(), 2), TypeError, "dtype torch.int64, got torch.int32"),
        (lambda h, w, t: (h, w, t.float(), 2), TypeError, "dtype torch.int64, got torch.float32"),
        (lambda h, w, t: (h, w, t[:3], 2), ValueError, "target must have shape (T,) = (4,)"),
        (lambda h, w, t: (h, w, t[:, None], 2), ValueError, "got (4, 1)"),
        (lambda h, w, t: (h, w, t, 0), ValueError, "chunk_size must be at least 1, got 0"),
        (lambda h, w, t: (h, w, t, -3), ValueError, "chunk_size must be at least 1, got -3"),
        (lambda h, w, t: (h, w, t, 2.0), TypeError, "chunk_size must be an int, got float"),
        (lambda h, w, t: (h, w, t, True), TypeError, "chunk_size must be an int, got bool"),
        (lambda h, w, t: (h, w, t, None), TypeError, "chunk_size must be an int, got NoneType"),
        (lambda h, w, t: (h, w, torch.tensor([0, 1, 5, 2]), 2), ValueError,
         "target[2] = 5 is not a class index: expected 0 <= target < V = 5"),
        (lambda h, w, t: (h, w, torch.tensor([0, -1, 4, 2]), 2), ValueError, "target[1] = -1"),
    ],
)
def test_invalid_inputs_raise_clear_errors(change, error, message) -> None:
    with pytest.raises(error) as raised:
        chunked_cross_entropy(*change(*_valid()))
    assert message in str(raised.value)


def test_ignore_index_must_be_an_int_and_marks_the_only_allowed_out_of_range_target() -> None:
    hidden, weight, _ = _valid()
    with pytest.raises(TypeError, match="ignore_index must be an int, got float"):
        chunked_cross_entropy(hidden, weight, torch.tensor([0, 1, 2, 3]), 2, ignore_index=-1.0)
    target = torch.tensor([0, -1, 4, 2])
    loss = chunked_cross_entropy(hidden, weight, target, 2, ignore_index=-1)
    torch.testing.assert_close(loss, naive(hidden, weight, target, ignore_index=-1))


def test_numpy_integers_are_accepted_as_chunk_size_and_ignore_index() -> None:
    hidden, weight, target = make_inputs()
    target[0] = -1
    loss = chunked_cross_entropy(hidden, weight, target, np.int64(5), ignore_index=np.int32(-1))
    torch.testing.assert_close(loss, naive(hidden, weight, target, ignore_index=-1))


def test_recompute_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="recompute must be True or False, got int"):
        chunked_cross_entropy(*_valid(), 2, recompute=1)
