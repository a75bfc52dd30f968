"""``helpers.info``: values, conventions (0 · log 0 = 0, +inf), units, shapes and return types;
and, on generated distributions, agreement with ``torch.distributions`` and the identities that
tie entropy, cross-entropy and KL divergence together."""

from __future__ import annotations

import math

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from helpers import info
from tests.strategies import MANY, UNIT_BASES, distributions

LN2, LN10 = math.log(2), math.log(10)


# --- units -----------------------------------------------------------------------------------


def test_units_table() -> None:
    assert info.UNITS == {"nats": math.e, "bits": 2.0, "bans": 10.0}


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("nats", math.e), ("nat", math.e), ("bits", 2.0), ("bit", 2.0), ("bans", 10.0),
        ("ban", 10.0), ("Bits", 2.0), (2, 2.0), (10.0, 10.0), (math.e, math.e),
        (np.float32(2), 2.0), (np.int64(3), 3.0), (1.5, 1.5),
    ],
)
def test_log_base_accepts_numbers_and_unit_names(base: float | str, expected: float) -> None:
    assert info.log_base(base) == expected
    assert isinstance(info.log_base(base), float)


@pytest.mark.parametrize(("unit", "scale"), [("nats", 1.0), ("bits", LN2), ("bans", LN10)])
def test_results_in_each_unit(unit: str, scale: float) -> None:
    """The same quantity in another unit is the value in nats divided by ln(base)."""
    p, q = [0.5, 0.25, 0.25], [0.25, 0.5, 0.25]
    assert info.entropy(p, unit) == pytest.approx(info.entropy(p) / scale, rel=1e-15)
    assert info.cross_entropy(p, q, unit) == pytest.approx(info.cross_entropy(p, q) / scale,
                                                           rel=1e-15)
    assert info.kl_divergence(p, q, unit) == pytest.approx(info.kl_divergence(p, q) / scale,
                                                           rel=1e-15)
    assert info.binary_entropy(0.3, unit) == pytest.approx(info.binary_entropy(0.3) / scale,
                                                           rel=1e-15)
    assert info.information(0.3, unit) == pytest.approx(-math.log(0.3) / scale, rel=1e-15)


def test_one_bit_one_nat_one_ban() -> None:
    assert info.binary_entropy(0.5, "bits") == 1.0
    assert info.entropy([0.5, 0.5], "bits") == 1.0
    assert info.entropy([0.1] * 10, "bans") == pytest.approx(1.0, rel=1e-15)
    assert info.information(1 / math.e) == pytest.approx(1.0, rel=1e-15)
    assert info.information(0.5, base=2) == 1.0
    assert info.entropy([0.25] * 4, "bits") == 2.0
    assert info.entropy([1 / 8] * 8, "bits") == pytest.approx(3.0, rel=1e-15)


# --- information -----------------------------------------------------------------------------


def test_information_values_and_conventions() -> None:
    assert info.information(1.0) == 0.0
    assert not math.copysign(1.0, info.information(1.0)) < 0  # 0.0, not -0.0
    assert info.information(0.0) == math.inf
    assert info.information(0.25, "bits") == 2.0
    np.testing.assert_array_equal(info.information([1.0, 0.5, 0.25, 0.0], "bits"),
                                  [0.0, 1.0, 2.0, math.inf])


def test_information_return_types() -> None:
    assert isinstance(info.information(0.5), float)
    assert isinstance(info.information(np.float32(0.5)), float)
    result = info.information([[0.5, 0.25], [1.0, 0.125]], "bits")
    assert isinstance(result, np.ndarray) and result.shape == (2, 2)
    assert result.dtype == np.float64


def test_information_does_not_need_a_distribution() -> None:
    """Probabilities of separate events: they need not sum to 1."""
    np.testing.assert_allclose(info.information([0.9, 0.9, 0.9]), [-math.log(0.9)] * 3)


# --- entropy ---------------------------------------------------------------------------------


def test_entropy_values() -> None:
    assert info.entropy([0.25] * 4) == pytest.approx(math.log(4), rel=1e-15)
    assert info.entropy([1.0]) == 0.0
    assert info.entropy([0.5, 0.25, 0.25], "bits") == 1.5
    expected = -(0.7 * math.log(0.7) + 0.2 * math.log(0.2) + 0.1 * math.log(0.1))
    assert info.entropy([0.7, 0.2, 0.1]) == pytest.approx(expected, rel=1e-15)


def test_entropy_zero_log_zero_is_zero() -> None:
    assert info.entropy([1.0, 0.0, 0.0]) == 0.0
    assert info.entropy([0.0, 1.0]) == 0.0
    assert info.entropy([0.5, 0.0, 0.5], "bits") == 1.0
    assert not math.copysign(1.0, info.entropy([0.0, 1.0])) < 0  # 0.0, not -0.0


def test_entropy_of_a_batch_is_per_row_over_the_last_axis() -> None:
    batch = np.array([[[1.0, 0.0], [0.5, 0.5]], [[0.25, 0.75], [0.75, 0.25]]])
    result = info.entropy(batch, "bits")
    assert isinstance(result, np.ndarray) and result.shape == (2, 2)
    np.testing.assert_allclose(result[0], [0.0, 1.0])
    np.testing.assert_allclose(result[1], [info.binary_entropy(0.25, "bits")] * 2, rtol=1e-15)


def test_entropy_return_type_of_one_distribution_is_float() -> None:
    assert isinstance(info.entropy([0.5, 0.5]), float)
    assert isinstance(info.entropy(np.array([0.5, 0.5], dtype=np.float32)), float)


def test_entropy_is_maximal_for_the_uniform_distribution() -> None:
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(5), size=100)
    assert np.all(info.entropy(p) < math.log(5))


def test_float32_distributions_get_a_float32_tolerance() -> None:
    """Float32 input is checked with a tolerance scaled by float32's epsilon and K."""
    p = np.full(1000, 1 / 1000, dtype=np.float32)
    p[0] += 1e-5  # off by 1e-5: float32 rounding over 1000 terms can do that
    assert info.entropy(p) == pytest.approx(math.log(1000), rel=1e-4)
    with pytest.raises(ValueError, match="sum to 1"):
        info.entropy(p.astype(np.float64))


def test_sums_close_to_one_are_accepted() -> None:
    assert info.entropy([0.1] * 10) == pytest.approx(math.log(10), rel=1e-15)  # sums to 0.99…9
    assert info.entropy([0.5 + 4e-7, 0.5]) == pytest.approx(math.log(2), rel=1e-6)


def test_inputs_may_be_lists_tuples_arrays_and_integers() -> None:
    assert info.entropy((0, 1)) == 0.0
    assert info.entropy(np.array([1, 0])) == 0.0
    assert info.cross_entropy([1, 0], [1, 0]) == 0.0


# --- cross-entropy and KL divergence ---------------------------------------------------------


def test_cross_entropy_of_a_one_hot_p_is_minus_log_q_of_the_class() -> None:
    assert info.cross_entropy([1, 0, 0], [0.5, 0.2, 0.3]) == -math.log(0.5)
    assert info.cross_entropy([0, 0, 1], [0.5, 0.2, 0.3], "bits") == pytest.approx(
        -math.log2(0.3), rel=1e-15
    )


def test_cross_entropy_conventions() -> None:
    # 0 · log q = 0 even for q = 0: classes p never produces cost nothing.
    assert info.cross_entropy([1.0, 0.0, 0.0], [0.5, 0.5, 0.0]) == pytest.approx(math.log(2))
    assert info.cross_entropy([1.0, 0.0], [1.0, 0.0]) == 0.0
    # q = 0 < p: an outcome that happens but was ruled out costs infinitely much.
    assert info.cross_entropy([0.5, 0.5], [1.0, 0.0]) == math.inf
    assert info.cross_entropy([0.0, 1.0], [1.0, 0.0]) == math.inf


def test_kl_divergence_values_and_conventions() -> None:
    p, q = [0.5, 0.5], [0.25, 0.75]
    expected = 0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.75)
    assert info.kl_divergence(p, q) == pytest.approx(expected, rel=1e-14)
    assert info.kl_divergence(p, p) == 0.0
    assert info.kl_divergence([1.0, 0.0], [0.5, 0.5], "bits") == 1.0
    assert info.kl_divergence([1.0, 0.0], [1.0, 0.0]) == 0.0  # 0 · log(0/0) = 0
    assert info.kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf


def test_kl_divergence_is_not_symmetric() -> None:
    p, q = [0.9, 0.1], [0.5, 0.5]
    assert info.kl_divergence(p, q) != pytest.approx(info.kl_divergence(q, p))


def test_kl_divergence_with_subnormal_q_does_not_overflow() -> None:
    value = info.kl_divergence([0.5, 0.5], [1.0 - 1e-310, 1e-310])
    assert math.isfinite(value) and value > 0


def test_cross_entropy_is_entropy_plus_kl_on_a_batch() -> None:
    rng = np.random.default_rng(1)
    p, q = rng.dirichlet(np.ones(4), size=(3, 5)), rng.dirichlet(np.ones(4), size=(3, 5))
    h = info.cross_entropy(p, q)
    assert isinstance(h, np.ndarray) and h.shape == (3, 5)
    np.testing.assert_allclose(h, info.entropy(p) + info.kl_divergence(p, q), rtol=1e-12)


def test_pair_return_types() -> None:
    assert isinstance(info.cross_entropy([0.5, 0.5], [0.5, 0.5]), float)
    assert isinstance(info.kl_divergence([0.5, 0.5], [0.5, 0.5]), float)
    assert info.kl_divergence([[0.5, 0.5]], [[0.5, 0.5]]).shape == (1,)


# --- binary entropy --------------------------------------------------------------------------


def test_binary_entropy_values_and_endpoints() -> None:
    assert info.binary_entropy(0.0) == 0.0
    assert info.binary_entropy(1.0) == 0.0
    assert info.binary_entropy(0.5) == pytest.approx(math.log(2), rel=1e-15)
    assert info.binary_entropy(0.1, "bits") == pytest.approx(
        -(0.1 * math.log2(0.1) + 0.9 * math.log2(0.9)), rel=1e-15
    )


def test_binary_entropy_is_symmetric_and_elementwise() -> None:
    p = np.linspace(0, 1, 11)
    result = info.binary_entropy(p, "bits")
    assert isinstance(result, np.ndarray) and result.shape == (11,)
    np.testing.assert_allclose(result, result[::-1], rtol=1e-12, atol=1e-15)
    assert result.argmax() == 5 and result[5] == 1.0
    assert isinstance(info.binary_entropy(0.3), float)
    assert info.binary_entropy([[0.3]]).shape == (1, 1)


def test_torch_tensors_are_accepted() -> None:
    torch = pytest.importorskip("torch")
    assert info.entropy(torch.tensor([0.5, 0.5])) == pytest.approx(math.log(2), rel=1e-7)
    assert info.binary_entropy(torch.tensor(0.5), "bits") == pytest.approx(1.0, rel=1e-7)


# --------------------------------------------------------------------------------------------
# properties: against torch.distributions and the identities
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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
