"""Bad input: every error names the argument and says what was expected (and what it got).

For the losses, each bad call is also made with PyTorch, to show that PyTorch rejects it too
(our messages are meant to be clearer, never to reject what PyTorch accepts, except where
``helpers.losses`` documents it: ``label_smoothing < 0`` and 0-d input to softmax; and
``helpers.binary.sigmoid_focal_loss``: ``alpha > 1`` and ``gamma < 0``, which torchvision does
not check). The binary cross-entropies' errors are in ``test_binary.py``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers import binary, divergence, info, losses
from tests.test_binary import torchvision_sigmoid_focal_loss

torch.set_num_threads(1)

X = np.zeros((3, 4))  # N = 3 samples, C = 4 classes
Y = np.array([0, 1, 2])


# --------------------------------------------------------------------------------------------
# helpers.info
# --------------------------------------------------------------------------------------------

DISTRIBUTION_FUNCTIONS: list[Callable[[Any], Any]] = [
    info.entropy,
    lambda p: info.cross_entropy(p, p),  # p is checked first, so the message names p
    lambda p: info.kl_divergence(p, p),
]


@pytest.mark.parametrize(
    ("p", "error", "pattern"),
    [
        ([0.5, -0.1, 0.6], ValueError,
         r"must hold probabilities in \[0, 1\], got a negative entry -0\.1"),
        ([1.5, -0.5], ValueError, r"negative entry -0\.5"),
        ([0.2, 1.2], ValueError, r"in \[0, 1\], got an entry 1\.2 > 1"),
        ([0.5, 0.6], ValueError, r"must sum to 1 along its last axis .* sums to 1\.1\b"),
        ([[0.5, 0.5], [0.2, 0.2]], ValueError, r"sums to 0\.4 \(first at batch index \(1,\)\)"),
        ([], ValueError, r"non-empty probability distribution, got shape \(0,\)"),
        (np.zeros((2, 0)), ValueError, r"non-empty .* shape \(2, 0\)"),
        ([0.5, math.nan], ValueError, r"must hold finite probabilities .* got nan at index \(1,\)"),
        ([math.inf, 0.0], ValueError, r"finite probabilities .* got inf"),
        (1.0, ValueError, r"must be a probability distribution .* got a scalar"),
        ("0.5 0.5", TypeError, r"must be a number or an array of numbers, got a string"),
        (None, TypeError, r"got None"),
        ([{"a": 1}], TypeError, r"array of numbers, got list with dtype object"),
        ([0.5 + 0j, 0.5], TypeError, r"must hold real numbers, got complex"),
        ([[0.5, 0.5], [1.0]], ValueError, r"rectangular array of numbers"),
    ],
)
@pytest.mark.parametrize("function", DISTRIBUTION_FUNCTIONS, ids=["entropy", "cross_entropy",
                                                                  "kl_divergence"])
def test_bad_distributions(function: Callable[..., Any], p: Any, error: type[Exception],
                           pattern: str) -> None:
    with pytest.raises(error, match=pattern) as caught:
        function(p)
    assert str(caught.value).startswith("p must ")  # names the argument


@pytest.mark.parametrize("function", [info.information, info.binary_entropy])
@pytest.mark.parametrize(
    ("p", "error", "pattern"),
    [
        (-0.1, ValueError, r"p must hold probabilities in \[0, 1\], got a negative entry -0\.1"),
        ([0.5, 1.01], ValueError, r"p must hold probabilities in \[0, 1\], got an entry 1\.01 > 1"),
        (math.nan, ValueError, r"p must hold finite probabilities in \[0, 1\], got nan"),
        ("half", TypeError, r"p must be a number or an array of numbers, got a string"),
    ],
)
def test_bad_probabilities(function: Callable[..., Any], p: Any, error: type[Exception],
                           pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        function(p)


def test_probabilities_need_not_sum_to_one_elementwise() -> None:
    # [0.9, 0.9] sums to 1.8: accepted, and computed element by element (nothing summed).
    np.testing.assert_allclose(info.information([0.9, 0.9]), [-math.log(0.9)] * 2, rtol=1e-15)
    h = -(0.9 * math.log(0.9) + 0.1 * math.log(0.1))
    np.testing.assert_allclose(info.binary_entropy([0.9, 0.9]), [h, h], rtol=1e-15)


@pytest.mark.parametrize(
    ("p", "q", "pattern"),
    [
        ([0.5, 0.5], [1 / 3] * 3, r"p and q must have the same shape .* p of shape \(2,\) and q "
                                  r"of shape \(3,\)"),
        ([[0.5, 0.5]] * 2, [0.5, 0.5], r"same shape .* \(2, 2\) and q of shape \(2,\)"),
    ],
)
@pytest.mark.parametrize("function", [info.cross_entropy, info.kl_divergence])
def test_p_and_q_of_different_shapes(function: Callable[..., Any], p: Any, q: Any,
                                     pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        function(p, q)


@pytest.mark.parametrize("function", [info.cross_entropy, info.kl_divergence])
def test_q_is_validated_and_named(function: Callable[..., Any]) -> None:
    with pytest.raises(ValueError, match=r"^q must sum to 1 .* sums to 0\.9"):
        function([0.5, 0.5], [0.45, 0.45])
    with pytest.raises(ValueError, match=r"^q must hold probabilities .* negative"):
        function([0.5, 0.5], [1.5, -0.5])


@pytest.mark.parametrize(
    ("base", "error", "pattern"),
    [
        (0, ValueError, r"base must be a finite number greater than 1, or a unit name "
                        r"\('nats', 'bits', 'bans'\), got 0"),
        (-2.0, ValueError, r"base must be a finite number greater than 1.* got -2\.0"),
        (1, ValueError, r"greater than 1.* got 1$"),
        (1.0, ValueError, r"greater than 1.* got 1\.0"),
        (0.5, ValueError, r"got 0\.5 \(a base between 0 and 1 would make every entropy "
                          r"negative\)"),
        (math.inf, ValueError, r"finite number greater than 1.* got inf"),
        (math.nan, ValueError, r"finite number greater than 1.* got nan"),
        ("bytes", ValueError, r"base='bytes' is not a known unit: expected one of 'nats', "
                              r"'bits', 'bans'"),
        ("log2", ValueError, r"not a known unit"),
        (None, TypeError, r"base must be a real number, got NoneType"),
        (True, TypeError, r"base must be a real number, got bool"),
        ([2], TypeError, r"base must be a real number, got list"),
    ],
)
@pytest.mark.parametrize(
    "call",
    [
        lambda base: info.entropy([0.5, 0.5], base=base),
        lambda base: info.cross_entropy([0.5, 0.5], [0.5, 0.5], base=base),
        lambda base: info.kl_divergence([0.5, 0.5], [0.5, 0.5], base=base),
        lambda base: info.binary_entropy(0.5, base=base),
        lambda base: info.information(0.5, base=base),
        info.log_base,
    ],
    ids=["entropy", "cross_entropy", "kl_divergence", "binary_entropy", "information",
         "log_base"],
)
def test_bad_base(call: Callable[[Any], Any], base: Any, error: type[Exception],
                  pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        call(base)


# --------------------------------------------------------------------------------------------
# helpers.losses: softmax, log_softmax, logsumexp
# --------------------------------------------------------------------------------------------

SOFTMAXES = [losses.softmax, losses.log_softmax, losses.logsumexp]


@pytest.mark.parametrize("function", SOFTMAXES)
@pytest.mark.parametrize(
    ("axis", "pattern"),
    [
        (2, r"axis=2 is out of range for an input with 2 dimensions: expected an integer in "
            r"\[-2, 1\]"),
        (-3, r"axis=-3 is out of range .* \[-2, 1\]"),
    ],
)
def test_axis_out_of_range(function: Callable[..., Any], axis: int, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        function(np.zeros((2, 3)), axis=axis)
    with pytest.raises(IndexError):  # PyTorch rejects it too
        torch.softmax(torch.zeros(2, 3), dim=axis)


@pytest.mark.parametrize("function", SOFTMAXES)
def test_axis_must_be_an_integer(function: Callable[..., Any]) -> None:
    with pytest.raises(TypeError, match=r"axis must be an integer, got float: 1\.0"):
        function(np.zeros((2, 3)), axis=1.0)
    with pytest.raises(TypeError, match=r"axis must be an integer, got NoneType"):
        function(np.zeros((2, 3)), axis=None)


@pytest.mark.parametrize("function", SOFTMAXES)
def test_zero_dimensional_input(function: Callable[..., Any]) -> None:
    with pytest.raises(ValueError, match=r"x must have at least one dimension.* 0-d scalar"):
        function(np.float64(2.0))


@pytest.mark.parametrize("function", [losses.softmax, losses.log_softmax])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_integer_logits_are_refused_like_torch(function: Callable[..., Any],
                                               dtype: type[np.generic]) -> None:
    x = np.array([1, 0, 1], dtype=dtype)
    with pytest.raises(TypeError, match=rf"x must be a floating-point array \(logits\), got "
                                        rf"dtype {np.dtype(dtype)}"):
        function(x)
    with pytest.raises((RuntimeError, NotImplementedError)):
        getattr(torch, function.__name__)(torch.from_numpy(x), 0)


def test_logsumexp_promotes_integers_like_torch() -> None:
    ours = losses.logsumexp([1, 2, 3])
    theirs = torch.logsumexp(torch.tensor([1, 2, 3]), 0)
    assert ours == pytest.approx(theirs.item(), rel=1e-6)


@pytest.mark.parametrize("function", SOFTMAXES)
def test_non_numeric_input(function: Callable[..., Any]) -> None:
    with pytest.raises(TypeError, match=r"x must be a number or an array of numbers"):
        function("1 2 3")
    with pytest.raises(TypeError, match=r"x must be a number or an array of numbers"):
        function([None, 1.0])


# --------------------------------------------------------------------------------------------
# helpers.losses: nll_loss, cross_entropy, cross_entropy_grad
# --------------------------------------------------------------------------------------------

LOSSES = {
    "cross_entropy": (losses.cross_entropy, F.cross_entropy),
    "cross_entropy_grad": (losses.cross_entropy_grad, F.cross_entropy),
    "nll_loss": (losses.nll_loss, F.nll_loss),
}
CROSS_ENTROPIES = ["cross_entropy", "cross_entropy_grad"]


def to_torch(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    if isinstance(value, list):
        return torch.tensor(value)
    return value


def check_error(
    name: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    error: type[Exception],
    pattern: str,
    torch_too: bool = True,
) -> None:
    ours, theirs = LOSSES[name]
    with pytest.raises(error, match=pattern):
        ours(*args, **kwargs)
    if torch_too:
        torch_kwargs = {key: to_torch(value) for key, value in kwargs.items()}
        with pytest.raises((RuntimeError, ValueError, IndexError, TypeError)):
            theirs(*(to_torch(a) for a in args), **torch_kwargs)


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize(
    ("target", "pattern"),
    [
        ([0, 1, 4], r"target holds class index 4 at position \(2,\), but class indices must be "
                    r"in \[0, C\) = \[0, 4\) for input with C=4 classes \(or equal "
                    r"ignore_index=-100\)"),
        ([0, -1, 2], r"class index -1 at position \(1,\).* \[0, 4\)"),
        ([0, -100, 99], r"class index 99 at position \(2,\)"),
    ],
)
def test_class_index_out_of_range(name: str, target: list[int], pattern: str) -> None:
    function = name.removesuffix("_grad")
    check_error(name, (X, np.array(target)), {}, ValueError, rf"^{function}: .*{pattern}")


@pytest.mark.parametrize("name", LOSSES)
def test_class_index_out_of_range_with_spatial_dimensions(name: str) -> None:
    target = np.zeros((2, 5), dtype=np.int64)
    target[1, 3] = 7
    check_error(name, (np.zeros((2, 3, 5)), target), {}, ValueError,
                r"class index 7 at position \(1, 3\).* \[0, 3\)")


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_ignore_index_is_not_out_of_range(name: str, reduction: str) -> None:
    """Class 7 of 4 is accepted as the ignore_index: that row counts for nothing, as in torch."""
    ours, theirs = LOSSES[name]
    x = np.array([[0.3, -1.2, 2.0, 0.5], [1.0, 0.0, -0.5, 2.5], [-0.7, 0.4, 0.1, -2.0]])
    if name == "nll_loss":
        x = losses.log_softmax(x, axis=1)
    target = np.array([0, 7, 2])
    got = ours(x, target, ignore_index=7, reduction=reduction)
    # the same loss (gradient) with the ignored row removed, and zero in that row
    kept = np.array([0, 2])
    without = ours(x[kept], target[kept], reduction=reduction)
    if name == "cross_entropy_grad" or reduction == "none":
        assert got.shape == ((3, 4) if name == "cross_entropy_grad" else (3,))
        np.testing.assert_array_equal(got[1], 0.0)
        np.testing.assert_allclose(got[kept], without, rtol=1e-14)
    else:
        assert got == pytest.approx(without, rel=1e-14)
    # ... and what PyTorch computes (its autograd, for the gradient)
    x_t = torch.tensor(x, requires_grad=True)
    loss = theirs(x_t, torch.from_numpy(target), ignore_index=7, reduction=reduction)
    if name == "cross_entropy_grad":
        loss.sum().backward()
        assert x_t.grad is not None
        expected = x_t.grad.numpy()
    else:
        expected = loss.detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", LOSSES)
def test_float_targets_of_the_index_shape(name: str) -> None:
    check_error(name, (X, np.array([0.0, 1.0, 2.0])), {}, TypeError,
                r"class-index targets must be integers, got target of dtype float64 and shape "
                r"\(3,\)")
    if name != "nll_loss":
        with pytest.raises(TypeError, match=r"float targets must have the input's shape \(3, 4\) "
                                            r"\(class probabilities\)"):
            LOSSES[name][0](X, np.array([0.0, 1.0, 2.0]))


@pytest.mark.parametrize("name", CROSS_ENTROPIES)
def test_integer_targets_of_the_input_shape(name: str) -> None:
    check_error(name, (X, np.zeros((3, 4), dtype=np.int64)), {}, TypeError,
                r"target has the input's shape \(3, 4\), so it is read as class probabilities, "
                r"which must be floating point; got dtype int64\. Class-index targets "
                r"\(integers\) must have shape \(3,\)")


def test_nll_loss_takes_no_probability_targets() -> None:
    for target in (np.zeros((3, 4), dtype=np.int64), np.full((3, 4), 0.25)):
        check_error("nll_loss", (X, target), {}, ValueError,
                    r"target has the input's shape \(3, 4\), but nll_loss takes class indices: "
                    r"an integer target of shape \(3,\)")


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize(
    ("logits", "target", "pattern"),
    [
        (X, [0, 1], r"target of shape \(2,\) does not fit input of shape \(3, 4\): expected a "
                    r"target of shape \(3,\) .*the batch sizes differ: input has N=3, target "
                    r"has 2"),
        (X, 1, r"target of shape \(\) does not fit input of shape \(3, 4\).* one class index "
               r"per sample \(N=3\)"),
        (np.zeros((2, 3, 5)), np.zeros((2, 4), np.int64),
         r"expected a target of shape \(2, 5\).*the spatial shapes differ: input has \(5,\) "
         r"after the class axis, target has \(4,\)"),
        (np.zeros((2, 3, 5)), np.zeros((3, 5), np.int64),
         r"expected a target of shape \(2, 5\).*batch sizes differ: input has N=2, target has 3"),
        (np.zeros((2, 3, 5, 6)), np.zeros((2, 5, 5), np.int64),
         r"expected a target of shape \(2, 5, 6\).*spatial shapes differ"),
        (np.zeros(4), [1, 2], r"target of shape \(2,\) does not fit input of shape \(4,\).* "
                              r"unbatched input of shape \(C,\) the target is one integer"),
        (X, np.zeros((3, 1), np.int64), r"target of shape \(3, 1\) does not fit input of shape "
                                        r"\(3, 4\)"),
    ],
)
def test_shape_mismatch(name: str, logits: np.ndarray, target: Any, pattern: str) -> None:
    target = np.asarray(target)
    check_error(name, (logits, target), {}, ValueError, pattern)


@pytest.mark.parametrize("name", CROSS_ENTROPIES)
def test_probability_target_of_the_wrong_shape(name: str) -> None:
    check_error(name, (np.zeros((2, 3, 5)), np.full((2, 3, 4), 1 / 3)), {}, TypeError,
                r"class-index targets must be integers.*float targets must have the input's "
                r"shape \(2, 3, 5\) \(class probabilities\)")
    check_error(name, (X, np.full((4, 3), 0.25)), {}, TypeError,
                r"float targets must have the input's shape \(3, 4\)")


def test_unbatched_one_element_target_is_accepted_like_torch() -> None:
    x = np.array([0.1, 0.5, -0.3])
    ours = losses.cross_entropy(x, np.array([1]))
    assert ours == losses.cross_entropy(x, 1)
    assert ours == pytest.approx(F.cross_entropy(torch.from_numpy(x), torch.tensor([1])).item())


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize(
    ("weight", "pattern"),
    [
        (np.ones(3), r"weight must be a 1-D array with one weight per class \(length C=4\), got "
                     r"shape \(3,\)"),
        (np.ones((1, 4)), r"weight must be a 1-D .*\(length C=4\), got shape \(1, 4\)"),
        (np.ones(5), r"got shape \(5,\)"),
    ],
)
def test_bad_weight(name: str, weight: np.ndarray, pattern: str) -> None:
    check_error(name, (X, Y), {"weight": weight}, ValueError, pattern)


@pytest.mark.parametrize("name", LOSSES)
def test_non_numeric_weight(name: str) -> None:
    with pytest.raises(TypeError, match=r"weight must be a number or an array of numbers"):
        LOSSES[name][0](X, Y, weight="balanced")


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("reduction", ["avg", "elementwise_mean", "Mean", None, ""])
def test_unknown_reduction(name: str, reduction: Any) -> None:
    pattern = rf"reduction must be one of 'none', 'mean', 'sum', got {re.escape(repr(reduction))}"
    # PyTorch still maps its pre-1.0 'elementwise_mean' to 'mean' (with a warning); we refuse
    # it. PyTorch's message for None is a TypeError from deep inside, so only others compare.
    check_error(name, (X, Y), {"reduction": reduction}, ValueError, pattern,
                torch_too=reduction not in (None, "elementwise_mean"))


@pytest.mark.parametrize("name", CROSS_ENTROPIES)
@pytest.mark.parametrize("value", [1.5, 1.0000001, math.nan, math.inf])
def test_label_smoothing_above_one(name: str, value: float) -> None:
    check_error(name, (X, Y), {"label_smoothing": value}, ValueError,
                rf"label_smoothing must be a number in \[0, 1\], got {value!r}",
                torch_too=not math.isnan(value))
    if math.isnan(value):  # PyTorch's range check lets nan through: no error
        F.cross_entropy(torch.from_numpy(X), torch.from_numpy(Y), label_smoothing=value)


@pytest.mark.parametrize("name", CROSS_ENTROPIES)
def test_negative_label_smoothing_is_refused_though_torch_ignores_it(name: str) -> None:
    pattern = r"label_smoothing must be a number in \[0, 1\], got -0\.1"
    with pytest.raises(ValueError, match=pattern):
        LOSSES[name][0](X, Y, label_smoothing=-0.1)
    F.cross_entropy(torch.from_numpy(X), torch.from_numpy(Y), label_smoothing=-0.1)  # no error


@pytest.mark.parametrize("name", CROSS_ENTROPIES)
def test_label_smoothing_must_be_a_number(name: str) -> None:
    with pytest.raises(TypeError, match=r"label_smoothing must be a real number, got str"):
        LOSSES[name][0](X, Y, label_smoothing="0.1")


@pytest.mark.parametrize("name", CROSS_ENTROPIES)
def test_ignore_index_with_probability_targets(name: str) -> None:
    """As PyTorch: a non-negative ignore_index is an error with probability targets ..."""
    target = np.full((3, 4), 0.25)
    check_error(name, (X, target), {"ignore_index": 1}, ValueError,
                r"ignore_index=1 is not supported with class-probability targets")
    # ... and a negative one (the default -100 included) is simply not applicable.
    for ignore_index in (-100, -1):
        ours = losses.cross_entropy(X, target, ignore_index=ignore_index)
        theirs = F.cross_entropy(torch.from_numpy(X), torch.from_numpy(target),
                                 ignore_index=ignore_index)
        assert ours == pytest.approx(theirs.item(), rel=1e-12)


@pytest.mark.parametrize("name", LOSSES)
def test_ignore_index_must_be_an_integer(name: str) -> None:
    with pytest.raises(TypeError, match=r"ignore_index must be an integer .* got 1\.5"):
        LOSSES[name][0](X, Y, ignore_index=1.5)


@pytest.mark.parametrize("name", LOSSES)
def test_zero_dimensional_input_to_a_loss(name: str) -> None:
    argument = "log_probs" if name == "nll_loss" else "logits"
    check_error(name, (np.float64(1.0), np.int64(0)), {}, ValueError,
                rf"{argument} must have at least one dimension \(the class axis\), got a 0-d "
                r"scalar 1\.0")


@pytest.mark.parametrize("name", LOSSES)
def test_integer_input_to_a_loss(name: str) -> None:
    argument = "log_probs" if name == "nll_loss" else "logits"
    check_error(name, (np.zeros((3, 4), np.int64), Y), {}, TypeError,
                rf"{argument} must be a floating-point array .* got dtype int64")


@pytest.mark.parametrize("name", LOSSES)
def test_no_classes(name: str) -> None:
    with pytest.raises(ValueError, match=r"must have at least one class: its class axis "
                                         r"\(axis 1\) has length 0 in shape \(3, 0\)"):
        LOSSES[name][0](np.zeros((3, 0)), Y)


@pytest.mark.parametrize("name", LOSSES)
def test_non_numeric_arguments(name: str) -> None:
    with pytest.raises(TypeError, match=r"target must be a number or an array of numbers, got a "
                                        r"string"):
        LOSSES[name][0](X, "cat")
    with pytest.raises(TypeError, match=r"must be a number or an array of numbers, got None"):
        LOSSES[name][0](None, Y)
    with pytest.raises(TypeError, match=r"class-index targets must be integers, got target of "
                                        r"dtype bool"):
        LOSSES[name][0](X, np.array([True, False, True]))


@pytest.mark.parametrize("name", CROSS_ENTROPIES)
def test_nan_logits_propagate_like_torch(name: str) -> None:
    """NaN is not an error: it propagates to the loss and the gradient, as in PyTorch."""
    logits = np.array([[0.0, math.nan, 1.0], [0.0, 1.0, 2.0]])
    target = np.array([0, 1])
    x = torch.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, torch.from_numpy(target), reduction="none")
    loss.sum().backward()
    if name == "cross_entropy":
        ours = losses.cross_entropy(logits, target, reduction="none")
        np.testing.assert_array_equal(np.isnan(ours), [True, False])
        np.testing.assert_allclose(ours, loss.detach().numpy(), equal_nan=True)
    else:
        grad = losses.cross_entropy_grad(logits, target, reduction="none")
        assert x.grad is not None
        np.testing.assert_allclose(grad, x.grad.numpy(), equal_nan=True)
        assert np.isnan(grad[0]).all() and not np.isnan(grad[1]).any()


def test_a_mean_over_no_targets_is_nan_like_torch() -> None:
    target = np.array([-100, -100, -100])
    assert np.isnan(losses.cross_entropy(X, target))
    assert np.isnan(F.cross_entropy(torch.from_numpy(X), torch.from_numpy(target)).item())
    np.testing.assert_array_equal(losses.cross_entropy_grad(X, target), np.zeros_like(X))


# --------------------------------------------------------------------------------------------
# one_hot and smooth_targets
# --------------------------------------------------------------------------------------------


def test_one_hot_errors() -> None:
    with pytest.raises(ValueError, match=r"target holds class index 3, but class indices must be "
                                         r"in \[0, num_classes\) = \[0, 3\)"):
        losses.one_hot([0, 3], 3)
    with pytest.raises(ValueError, match=r"class index -1"):
        losses.one_hot([0, -1], 3)
    with pytest.raises(TypeError, match=r"target must hold integer class indices, got dtype "
                                        r"float64"):
        losses.one_hot([0.0, 1.0], 3)
    with pytest.raises(TypeError, match=r"num_classes must be an integer, got 3\.0"):
        losses.one_hot([0, 1], 3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"num_classes must be a positive integer \(or -1\), "
                                         r"got 0"):
        losses.one_hot([0, 1], 0)


def test_smooth_targets_errors() -> None:
    with pytest.raises(ValueError, match=r"epsilon must be a number in \[0, 1\], got 1\.5"):
        losses.smooth_targets([0, 1], 3, 1.5)
    with pytest.raises(ValueError, match=r"epsilon must be a number in \[0, 1\], got -0\.1"):
        losses.smooth_targets([0, 1], 3, -0.1)
    with pytest.raises(ValueError, match=r"class index 5"):
        losses.smooth_targets([0, 5], 3, 0.1)


# --------------------------------------------------------------------------------------------
# helpers.binary.sigmoid_focal_loss (torchvision's argument names: inputs, targets)
# --------------------------------------------------------------------------------------------

FOCAL_X = np.array([[0.5, -1.0, 2.0], [0.0, 3.0, -2.0]])  # N = 2, C = 3
FOCAL_Y = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])


def check_focal_error(args: tuple[Any, ...], kwargs: dict[str, Any], error: type[Exception],
                      pattern: str, torchvision_too: bool = True) -> None:
    """Our error, and (where torchvision checks at all) torchvision's code refusing it too."""
    with pytest.raises(error, match=pattern):
        binary.sigmoid_focal_loss(*args, **kwargs)
    if torchvision_too:
        with pytest.raises((RuntimeError, ValueError, TypeError)):
            torchvision_sigmoid_focal_loss(*(to_torch(a) for a in args), **kwargs)


@pytest.mark.parametrize(
    ("targets", "pattern"),
    [
        (FOCAL_Y[0], r"^sigmoid_focal_loss: targets of shape \(3,\) does not fit inputs of shape "
                     r"\(2, 3\): the two must have the same shape, one target per element "
                     r"\(PyTorch does not broadcast them either\)$"),
        (FOCAL_Y.T, r"^sigmoid_focal_loss: targets of shape \(3, 2\) does not fit inputs of "
                    r"shape \(2, 3\).*both hold 6 elements, so reshape one of them, e\.g\. "
                    r"targets\.reshape\(inputs\.shape\)"),
    ],
)
def test_focal_shape_mismatch(targets: np.ndarray, pattern: str) -> None:
    # torchvision's BCE call refuses (3, 2); a (3,) target it would broadcast: ours refuses both
    check_focal_error((FOCAL_X, targets), {}, ValueError, pattern,
                      torchvision_too=targets.ndim == 2)


@pytest.mark.parametrize("dtype", [np.int64, np.bool_])
def test_focal_integer_inputs_and_targets(dtype: type) -> None:
    check_focal_error((FOCAL_X.round().astype(dtype), FOCAL_Y), {}, TypeError,
                      rf"^inputs must be a floating-point array \(logits\), got dtype "
                      rf"{np.dtype(dtype)}; convert it first")
    check_focal_error((FOCAL_X, FOCAL_Y.astype(dtype)), {}, TypeError,
                      rf"^sigmoid_focal_loss: targets must be floating point \(labels 0\.0/1\.0, "
                      rf"or probabilities\), got dtype {np.dtype(dtype)}; convert it, e\.g\. "
                      r"targets\.astype\(inputs\.dtype\)")


def test_focal_non_numeric_arguments() -> None:
    with pytest.raises(TypeError, match=r"^inputs must be a number or an array of numbers, "
                                        r"got None"):
        binary.sigmoid_focal_loss(None, FOCAL_Y)
    with pytest.raises(TypeError, match=r"^targets must be a number or an array of numbers, "
                                        r"got a string: 'cat'"):
        binary.sigmoid_focal_loss(FOCAL_X, "cat")


@pytest.mark.parametrize(
    ("alpha", "error", "pattern"),
    [
        (1.5, ValueError, r"^sigmoid_focal_loss: alpha must be a number in \[0, 1\] \(the weight "
                          r"of the positives; the negatives get 1 - alpha\), or negative for no "
                          r"weighting, got 1\.5$"),
        (math.nan, ValueError, r"alpha must be a number in \[0, 1\].*got nan"),
        ("0.25", TypeError, r"^alpha must be a real number, got str: '0\.25'"),
        (None, TypeError, r"^alpha must be a real number, got NoneType: None"),
        (True, TypeError, r"^alpha must be a real number, got bool: True"),
        (np.array([0.25, 0.5]), TypeError, r"^alpha must be a real number, got ndarray"),
    ],
)
def test_focal_bad_alpha(alpha: Any, error: type[Exception], pattern: str) -> None:
    # torchvision accepts alpha > 1 (negative weights for the negatives) and NaN (no weighting)
    check_focal_error((FOCAL_X, FOCAL_Y), {"alpha": alpha}, error, pattern,
                      torchvision_too=error is TypeError and not isinstance(alpha, bool | str))


@pytest.mark.parametrize(
    ("gamma", "error", "pattern"),
    [
        (-1.0, ValueError, r"^sigmoid_focal_loss: gamma must be a finite number >= 0 \(the "
                           r"exponent of the modulating factor \(1 - p_t\)\^gamma; 0 gives the "
                           r"cross-entropy\), got -1\.0$"),
        (math.inf, ValueError, r"gamma must be a finite number >= 0 .*got inf"),
        (math.nan, ValueError, r"gamma must be a finite number >= 0 .*got nan"),
        ("2", TypeError, r"^gamma must be a real number, got str: '2'"),
    ],
)
def test_focal_bad_gamma(gamma: Any, error: type[Exception], pattern: str) -> None:
    check_focal_error((FOCAL_X, FOCAL_Y), {"gamma": gamma}, error, pattern,
                      torchvision_too=error is TypeError)


@pytest.mark.parametrize("reduction", ["avg", "elementwise_mean", "Mean", None, ""])
def test_focal_unknown_reduction(reduction: Any) -> None:
    """torchvision raises ValueError "Invalid Value for arg 'reduction'" listing the three
    modes; ours says the same, before computing anything."""
    pattern = rf"^reduction must be one of 'none', 'mean', 'sum', got {re.escape(repr(reduction))}$"
    check_focal_error((FOCAL_X, FOCAL_Y), {"reduction": reduction}, ValueError, pattern)


def test_focal_alpha_and_gamma_at_their_limits_are_accepted() -> None:
    for alpha in (-1.0, 0.0, 1.0, np.float32(0.25), 1):
        for gamma in (0, 0.0, 5.0, np.float64(2.0)):
            ours = binary.sigmoid_focal_loss(FOCAL_X, FOCAL_Y, alpha=alpha, gamma=gamma)
            theirs = torchvision_sigmoid_focal_loss(to_torch(FOCAL_X), to_torch(FOCAL_Y),
                                                    alpha=float(alpha), gamma=float(gamma))
            np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------------------------
# helpers.divergence: kl_div
# --------------------------------------------------------------------------------------------

LOG_Q = np.log(np.full((2, 3), 1 / 3))
P = np.array([[0.2, 0.3, 0.5], [0.0, 0.5, 0.5]])


def check_kl_div_error(args: tuple[Any, ...], kwargs: dict[str, Any], error: type[Exception],
                       pattern: str, torch_too: bool = True) -> None:
    """Our kl_div raises ``error`` matching ``pattern``; PyTorch's refuses the call too (with
    ``reduction="sum"`` unless given: PyTorch warns for its default, "mean")."""
    kwargs = {"reduction": "sum", **kwargs}
    with pytest.raises(error, match=pattern):
        divergence.kl_div(*args, **kwargs)
    if torch_too:
        with pytest.raises((RuntimeError, ValueError, TypeError)):
            F.kl_div(*(to_torch(a) for a in args), **kwargs)


@pytest.mark.parametrize("reduction", ["avg", "Mean", "batch_mean", "", None])
def test_kl_div_unknown_reduction(reduction: Any) -> None:
    pattern = (r"^reduction must be one of 'none', 'batchmean', 'sum', 'mean', got "
               rf"{re.escape(repr(reduction))}$")
    check_kl_div_error((LOG_Q, P), {"reduction": reduction}, ValueError, pattern)


def test_kl_div_refuses_the_pre_1_0_elementwise_mean_that_torch_still_maps_to_mean() -> None:
    with pytest.raises(ValueError, match=r"reduction must be one of .* got 'elementwise_mean'"):
        divergence.kl_div(LOG_Q, P, reduction="elementwise_mean")
    with pytest.warns(UserWarning):  # PyTorch: accepted, with a warning
        F.kl_div(torch.from_numpy(LOG_Q), torch.from_numpy(P), reduction="elementwise_mean")


@pytest.mark.parametrize("log_target", [1, 0.0, "yes", None, np.array([True])])
def test_kl_div_log_target_must_be_a_bool(log_target: Any) -> None:
    check_kl_div_error((LOG_Q, P), {"log_target": log_target}, TypeError,
                       rf"^log_target must be True or False, got {type(log_target).__name__}: ")


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_kl_div_integer_input_is_refused_like_torch(dtype: type) -> None:
    check_kl_div_error((np.zeros((2, 3), dtype=dtype), P), {}, TypeError,
                       rf"^input must be a floating-point array \(log-probabilities\), got dtype "
                       rf"{np.dtype(dtype)}")


@pytest.mark.parametrize(("log_target", "what"), [(False, "probabilities"),
                                                  (True, "log-probabilities")])
@pytest.mark.parametrize("dtype", [np.int64, np.bool_])
def test_kl_div_integer_target_is_refused_like_torch(log_target: bool, what: str,
                                                     dtype: type) -> None:
    target = np.array([[0, 1, 0], [1, 0, 0]], dtype=dtype)
    check_kl_div_error((LOG_Q, target), {"log_target": log_target}, TypeError,
                       rf"^target must be a floating-point array \({what}\), got dtype "
                       rf"{np.dtype(dtype)}")


@pytest.mark.parametrize(
    ("log_q", "target", "pattern"),
    [
        (LOG_Q, P.T, r"target of shape \(3, 2\) does not broadcast with input of shape \(2, 3\)"),
        (LOG_Q, np.full(2, 0.5), r"target of shape \(2,\) does not broadcast with input of "
                                 r"shape \(2, 3\)"),
        (np.zeros((4, 3)), P, r"target of shape \(2, 3\) does not broadcast with input of "
                              r"shape \(4, 3\)"),
    ],
)
def test_kl_div_shapes_that_do_not_broadcast(log_q: np.ndarray, target: np.ndarray,
                                             pattern: str) -> None:
    check_kl_div_error((log_q, target), {}, ValueError,
                       rf"^kl_div: {pattern}: aligned from the right, each pair of axes must have "
                       r"equal lengths or one of them 1")


def test_kl_div_non_numeric_arguments() -> None:
    with pytest.raises(TypeError, match=r"^input must be a number or an array of numbers, got "
                                        r"None"):
        divergence.kl_div(None, P)
    with pytest.raises(TypeError, match=r"^target must be a number or an array of numbers, got "
                                        r"a string"):
        divergence.kl_div(LOG_Q, "uniform")
    check_kl_div_error((LOG_Q, P.astype(np.complex64)), {}, TypeError,
                       r"^target must hold real numbers, got complex dtype complex64")


def test_kl_div_nan_and_negative_targets_propagate_like_torch() -> None:
    """Not errors: nothing checks that the arguments are distributions, as in PyTorch."""
    log_q = np.array([-1.0, -0.5, np.nan])
    target = np.array([-0.5, 0.5, 0.5])
    ours = divergence.kl_div(log_q, target, reduction="none")
    theirs = F.kl_div(torch.from_numpy(log_q), torch.from_numpy(target), reduction="none")
    np.testing.assert_array_equal(np.isnan(ours), [True, False, True])
    np.testing.assert_allclose(ours, theirs.numpy(), equal_nan=True)
