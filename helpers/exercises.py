"""Exercise checks: the learner writes a number or a function, a ``check_…`` call answers.

A check never raises. Whatever the learner passes (``None``, a string, an array of the wrong
shape, a function that raises), the answer is a :class:`Feedback` that says *correct*, or
what is wrong and a hint. Feedback prints as one or two plain lines, so the stored notebook
outputs are short and stable.

The generic checks are :func:`check_number`, :func:`check_array` and :func:`check_function`;
each notebook's exercises are thin ``check_…`` functions built on them, defined at the end of
this module, and their reference answers are computed, never typed in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers import calibration, info, losses


@dataclass(frozen=True)
class Feedback:
    """The answer of a check: ``correct`` and one message (and a hint when not correct)."""

    exercise: str
    correct: bool
    message: str
    hint: str = ""

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        if self.correct:
            return f"✓ {self.exercise}: correct. {self.message}".rstrip()
        text = f"✗ {self.exercise}: not yet. {self.message}"
        if self.hint:
            text += f"\n  Hint: {self.hint}"
        return text

    def __repr__(self) -> str:
        return str(self)


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if hasattr(value, "shape") and hasattr(value, "dtype"):  # a torch tensor
        return f"a {type(value).__name__} of shape {tuple(value.shape)} and dtype {value.dtype}"
    return f"{type(value).__name__} {value!r}"[:120]


def _as_float_array(value: Any) -> np.ndarray | None:
    """The learner's value as a float64 array, or None if it is not numeric."""
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    if isinstance(value, (str, bytes)) or value is None:
        return None
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return array


def check_number(
    exercise: str,
    answer: Any,
    expected: float,
    *,
    rtol: float = 1e-3,
    atol: float = 1e-4,
    hint: str = "",
) -> Feedback:
    """Compare a numeric answer with ``expected``: correct when ``|a - e| <= atol + rtol·|e|``.

    The default tolerance accepts an answer rounded to four significant digits, as the source
    documents print them.
    """
    array = _as_float_array(answer)
    if array is None or array.size != 1:
        return Feedback(
            exercise, False, f"Expected one number, got {_describe(answer)}.", hint
        )
    value = float(array.reshape(()))
    if math.isnan(value):
        return Feedback(exercise, False, "Your answer is nan.", hint)
    if math.isinf(expected) or math.isinf(value):
        if value == expected:
            return Feedback(exercise, True, f"{value}")
        return Feedback(exercise, False, f"You gave {value:.6g}; that is not it.", hint)
    if abs(value - expected) <= atol + rtol * abs(expected):
        return Feedback(exercise, True, f"{value:.6g}")
    return Feedback(
        exercise,
        False,
        f"You gave {value:.6g}; that is off by {value - expected:+.3g}.",
        hint,
    )


def check_array(
    exercise: str,
    answer: Any,
    expected: np.ndarray,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    hint: str = "",
) -> Feedback:
    """Compare an array answer (NumPy, torch or nested lists) with ``expected``, shape first."""
    expected = np.asarray(expected, dtype=np.float64)
    array = _as_float_array(answer)
    if array is None:
        wanted = f"Expected an array of shape {expected.shape}, got {_describe(answer)}."
        return Feedback(exercise, False, wanted, hint)
    if array.shape != expected.shape:
        return Feedback(
            exercise,
            False,
            f"Expected shape {expected.shape}, got shape {array.shape}.",
            hint,
        )
    if np.any(np.isnan(array) & ~np.isnan(expected)):
        return Feedback(exercise, False, "Your array has nan where a number is expected.", hint)
    close = np.isclose(array, expected, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return Feedback(exercise, True, "")
    first = tuple(int(i) for i in np.argwhere(~close)[0])
    return Feedback(
        exercise,
        False,
        f"{int((~close).sum())} of {close.size} entries differ; first at index {first}: "
        f"you have {array[first]:.6g}, expected {expected[first]:.6g}.",
        hint,
    )


def check_function(
    exercise: str,
    function: Any,
    reference: Callable[..., Any],
    cases: Iterable[Sequence[Any]],
    *,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    hint: str = "",
) -> Feedback:
    """Call the learner's ``function`` and ``reference`` on each case (a tuple of arguments).

    Correct when every result matches in shape and value. The first case that fails is named;
    an exception inside the learner's function is reported, never raised.
    """
    if not callable(function):
        return Feedback(exercise, False, f"Expected a function, got {_describe(function)}.", hint)
    cases = list(cases)
    for number, args in enumerate(cases, start=1):
        try:
            result = function(*args)
        except Exception as error:  # the learner's code may raise anything; report it
            return Feedback(
                exercise,
                False,
                f"Case {number} raised {type(error).__name__}: {error}",
                hint,
            )
        outcome = check_array(
            exercise, result, np.asarray(reference(*args), dtype=np.float64), rtol=rtol, atol=atol
        )
        if not outcome.correct:
            return Feedback(
                exercise,
                False,
                f"Case {number} of {len(cases)}: {outcome.message}",
                hint,
            )
    return Feedback(exercise, True, f"All {len(cases)} cases agree with the reference.")


# --- 03_softmax ---


def check_softmax_probability(answer: Any) -> Feedback:
    r"""Exercise 3.1: softmax([1.2, 2.4, 3.6])_1, document 002's logits, class 1.

    .. math:: p_1 = \frac{e^{2.4}}{e^{1.2} + e^{2.4} + e^{3.6}}
    """
    expected = float(losses.softmax(np.array([1.2, 2.4, 3.6]))[1])
    return check_number(
        "Exercise 3.1",
        answer,
        expected,
        hint="p_1 = e^2.4 / (e^1.2 + e^2.4 + e^3.6); math.exp computes e^x. "
        "Class indices count from 0, so class 1 is the middle logit.",
    )


def check_temperature(answer: Any) -> Feedback:
    r"""Exercise 3.2: the temperature T at which softmax([0, 1] / T)_1 = 0.9.

    .. math:: \frac{1}{1 + e^{-1/T}} = 0.9 \iff T = \frac{1}{\ln(0.9 / 0.1)}
    """
    probability = 0.9
    expected = 1.0 / math.log(probability / (1.0 - probability))
    return check_number(
        "Exercise 3.2",
        answer,
        expected,
        hint="With two logits, softmax([0, 1] / T)_1 = 1 / (1 + e^(-1/T)). "
        "Set it equal to 0.9 and solve for T.",
    )


def check_stable_softmax(function: Any) -> Feedback:
    """Exercise 3.3: ``stable_softmax(x, axis)`` in NumPy, exact for logits of any size.

    Compared with :func:`helpers.losses.softmax` on 1-D, 2-D and 3-D inputs, along several
    axes, including logits of ±1000 that make the naive ``exp(x) / sum(exp(x))`` return nan.
    """
    rng = np.random.default_rng(3)
    cases = [
        (np.array([0.1, 0.2, 0.3, 0.4]), -1),
        (np.array([[0.1, 0.2, 0.3, 0.4], [0.1, 0.1, 0.1, 0.1]]), 1),
        (np.array([1000.0, 0.0]), 0),
        (np.array([[-1000.0, -1001.0], [1000.0, 1000.0]]), 1),
        (rng.normal(scale=300.0, size=(3, 4)), 0),
        (rng.normal(scale=300.0, size=(2, 3, 4)), 1),
    ]
    # A naive answer overflows; the feedback, not a RuntimeWarning, should say so.
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        return check_function(
            "Exercise 3.3",
            function,
            losses.softmax,
            cases,
            hint="Subtract the maximum along the axis first: "
            "x - np.max(x, axis=axis, keepdims=True); then exp, and divide by the sum along "
            "the same axis (keepdims=True, so that it broadcasts).",
        )


# --- 04_log_softmax_and_numerical_stability ---


def check_huge_logit_log_probability(answer: Any) -> Feedback:
    r"""Exercise 4.1: log softmax([1000, 1001, 1002])_0, computed without overflow.

    .. math:: \log \operatorname{softmax}(v)_0 = v_0 - \operatorname{LSE}(v)
              = -2 - \ln(1 + e^{-1} + e^{-2})
    """
    expected = float(losses.log_softmax(np.array([1000.0, 1001.0, 1002.0]))[0])
    return check_number(
        "Exercise 4.1",
        answer,
        expected,
        hint="Shift by the maximum 1002: the logits become [-2, -1, 0], and "
        "log softmax_0 = -2 - ln(e^-2 + e^-1 + e^0). math.exp(1000) would overflow.",
    )


def check_stable_logsumexp(function: Any) -> Feedback:
    """Exercise 4.2: ``stable_logsumexp(x, axis)`` in NumPy, finite where the naive one is not.

    Compared with :func:`helpers.losses.logsumexp` (no ``keepdims``: the axis is removed) on
    1-D, 2-D and 3-D inputs, including logits of ±1000.
    """
    rng = np.random.default_rng(4)
    cases = [
        (np.array([0.1, 0.2, 0.3, 0.4]), -1),
        (np.array([[0.1, 0.2, 0.3, 0.4], [0.1, 0.1, 0.1, 0.1]]), 1),
        (np.array([1000.0, 0.0]), 0),
        (np.array([[-1000.0, -1000.0], [1000.0, 999.0]]), 1),
        (rng.normal(scale=300.0, size=(3, 4)), 0),
        (rng.normal(scale=300.0, size=(2, 3, 4)), 1),
    ]
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        return check_function(
            "Exercise 4.2",
            function,
            losses.logsumexp,
            cases,
            hint="m = np.max(x, axis=axis, keepdims=True); LSE = m + log(sum(exp(x - m))) along "
            "the axis; remove the kept axis at the end (np.squeeze(..., axis=axis)).",
        )


def check_log_softmax_gradient(answer: Any) -> Feedback:
    r"""Exercise 4.3: the gradient of log softmax(x)_1 with respect to x = [1.2, 2.4, 3.6].

    .. math:: \frac{\partial}{\partial x_j} \log \operatorname{softmax}(x)_k
              = [j = k] - \operatorname{softmax}(x)_j
    """
    x = np.array([1.2, 2.4, 3.6])
    expected = losses.one_hot(np.array(1), x.size) - losses.softmax(x)
    return check_array(
        "Exercise 4.3",
        answer,
        expected,
        rtol=1e-4,
        atol=1e-4,
        hint="Either autograd (x.requires_grad_(), F.log_softmax(x, dim=0)[1].backward(), "
        "x.grad) or the formula onehot(1) - softmax(x): three numbers that sum to 0.",
    )


# --- 07_label_smoothing ---


def check_smoothed_true_class(answer: Any) -> Feedback:
    """Exercise 7.1: the smoothed target of the true class for K = 10, ε = 0.1."""
    expected = float(losses.smooth_targets(np.array(0), 10, 0.1)[0])
    return check_number(
        "Exercise 7.1", answer, expected, rtol=1e-6, atol=1e-9,
        hint="the uniform prior puts ε/K on every class, the true class too: 1 − ε + ε/K.",
    )


def check_optimal_gap(answer: Any) -> Feedback:
    """Exercise 7.2: the optimal logit gap for K = 10, ε = 0.1 (natural log)."""
    target = losses.smooth_targets(np.array(0), 10, 0.1)
    expected = float(np.log(target[0] / target[1]))
    return check_number(
        "Exercise 7.2", answer, expected,
        hint="at the optimum softmax(z) equals the smoothed target, so the gap is the log of "
        "the ratio of the true-class target to another class's target.",
    )


def _label_smoothing_cases() -> list[tuple[np.ndarray, np.ndarray, float]]:
    rng = np.random.default_rng(7)
    preds = np.array([[0.1, 0.2, 0.3, 0.4], [0.1, 0.1, 0.1, 0.1]])
    return [
        (preds, np.array([2, 3]), 0.1),
        (preds, np.array([2, 3]), 0.0),
        (rng.normal(size=(5, 3)), rng.integers(0, 3, size=5), 0.3),
        (3 * rng.normal(size=(4, 6)), rng.integers(0, 6, size=4), 0.9),
    ]


def check_label_smoothed_loss(function: Any) -> Feedback:
    """Exercise 7.3: ``function(logits, target, epsilon)`` = mean label-smoothed cross-entropy."""
    return check_function(
        "Exercise 7.3",
        function,
        lambda logits, target, epsilon: losses.cross_entropy(
            logits, target, label_smoothing=epsilon
        ),
        _label_smoothing_cases(),
        hint="log_p = losses.log_softmax(logits, axis=1); take (1 − ε)·(mean NLL of the true "
        "class) + ε·(mean over samples and classes of −log_p).",
    )


# --- 08_pitfalls_and_errata ---

#: Exercise 8.1's logits and targets (a batch of 2 samples, 3 classes).
DOUBLE_SOFTMAX_LOGITS = np.array([[2.0, -1.0, 0.5], [0.3, 0.3, 1.5]])
DOUBLE_SOFTMAX_TARGET = np.array([0, 2])


def check_fixed_double_softmax(answer: Any) -> Feedback:
    """Exercise 8.1: the loss the snippet should print once the extra softmax is removed."""
    expected = float(losses.cross_entropy(DOUBLE_SOFTMAX_LOGITS, DOUBLE_SOFTMAX_TARGET))
    buggy = float(
        losses.cross_entropy(losses.softmax(DOUBLE_SOFTMAX_LOGITS, axis=1), DOUBLE_SOFTMAX_TARGET)
    )
    feedback = check_number(
        "Exercise 8.1", answer, expected,
        hint="nn.CrossEntropyLoss applies log-softmax itself: give it the logits.",
    )
    if not feedback.correct and _as_float_array(answer) is not None:
        value = _as_float_array(answer)
        if value.size == 1 and abs(float(value.reshape(())) - buggy) <= 1e-4 + 1e-3 * buggy:
            return Feedback(
                "Exercise 8.1", False,
                "That is what the buggy snippet prints: softmax is still applied twice.",
                feedback.hint,
            )
    return feedback


def _sequence_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(8)
    cases = []
    for shape in ((2, 3, 4), (3, 5, 2), (1, 4, 3)):
        n, c, length = shape
        logits = rng.normal(size=shape).astype(np.float32)
        cases.append((logits, rng.integers(0, c, size=(n, length))))
    return cases


def check_sequence_loss(function: Any) -> Feedback:
    """Exercise 8.2: ``function(logits, target)`` = mean cross-entropy of ``(N, C, L)`` logits."""
    return check_function(
        "Exercise 8.2",
        function,
        losses.cross_entropy,
        _sequence_cases(),
        rtol=1e-4,
        atol=1e-5,
        hint="the classes are on dim=1 of an (N, C, L) input: nn.LogSoftmax() without dim "
        "picks dim=0 for 3-D input. Say dim=1, or use F.cross_entropy directly.",
    )


def check_double_softmax_floor(answer: Any) -> Feedback:
    """Exercise 8.3: the smallest value CrossEntropyLoss can return when fed K = 3 probabilities."""
    expected = float(losses.cross_entropy(np.eye(3)[:1], np.array([0])))
    return check_number(
        "Exercise 8.3", answer, expected,
        hint="the best probability vector is one-hot, (1, 0, 0); what is −log softmax(1, 0, 0)₀?",
    )


# --- 01_information_and_entropy ---


def check_die_entropy(answer: Any) -> Feedback:
    """Exercise 1.1: the entropy of a fair six-sided die, in bits (the reference is log2 6)."""
    return check_number(
        "Exercise 1.1",
        answer,
        info.entropy(np.full(6, 1 / 6), base="bits"),
        hint="six equally likely outcomes: H = -Σ (1/6)·log2(1/6); which closed form is that?",
    )


def check_nats_to_bits(answer: Any) -> Feedback:
    """Exercise 1.2: an entropy of 1.5 nats, in bits (change of base: divide by ln 2)."""
    return check_number(
        "Exercise 1.2",
        answer,
        1.5 / math.log(2),
        hint="log2 x = ln x / ln 2: a number of nats divided by ln 2 is a number of bits "
        "(1 bit = ln 2 ≈ 0.693 nats, so there are more bits than nats).",
    )


def check_entropy_in_bits(function: Any) -> Feedback:
    """Exercise 1.3: ``entropy_in_bits(p)`` for a 1-D NumPy array ``p``, with 0·log 0 = 0."""
    cases = [
        (np.array([0.5, 0.5]),),
        (np.array([0.1, 0.9]),),
        (np.full(4, 0.25),),
        (np.array([0.7, 0.2, 0.1, 0.0]),),
        (np.array([1.0, 0.0]),),
    ]
    return check_function(
        "Exercise 1.3",
        function,
        lambda p: info.entropy(p, base="bits"),
        cases,
        hint="-(p * log2 p).sum(), but a zero probability gives 0 * log2(0) = 0 * (-inf) = nan: "
        "keep only the terms with p > 0 (p = p[p > 0] first).",
    )


# --- 02_cross_entropy_and_kl_divergence ---


def check_one_hot_cross_entropy(answer: Any) -> Feedback:
    """Exercise 2.1: H(p, q) in nats for q = (0.1, 0.6, 0.3) and the true class 2 (one-hot p)."""
    return check_number(
        "Exercise 2.1",
        answer,
        info.cross_entropy([0.0, 0.0, 1.0], [0.1, 0.6, 0.3]),
        hint="with a one-hot p only the term of the true class is left: -ln q_2 "
        "(class 2 is the third entry, counting from 0).",
    )


def check_kl_divergence(function: Any) -> Feedback:
    """Exercise 2.2: ``kl(p, q)`` in nats for 1-D arrays, with 0·log(0/q) = 0 (q > 0 here)."""
    cases = [
        (np.array([0.9, 0.1]), np.array([0.5, 0.5])),
        (np.array([0.5, 0.5]), np.array([0.9, 0.1])),
        (np.array([0.2, 0.5, 0.3]), np.array([0.2, 0.5, 0.3])),
        (np.array([1.0, 0.0, 0.0]), np.array([0.5, 0.2, 0.3])),
        (np.array([0.0, 0.25, 0.75]), np.array([0.1, 0.6, 0.3])),
    ]
    return check_function(
        "Exercise 2.2",
        function,
        info.kl_divergence,
        cases,
        hint="KL(p‖q) = Σ p·ln(p/q) over the entries with p > 0 (a term with p = 0 is 0, "
        "but 0·ln 0 is nan in floating point).",
    )


def check_smallest_cross_entropy(answer: Any) -> Feedback:
    """Exercise 2.3: min over q of H(p, q) for p = (0.2, 0.5, 0.3), in nats: H(p), at q = p."""
    return check_number(
        "Exercise 2.3",
        answer,
        info.entropy([0.2, 0.5, 0.3]),
        hint="H(p, q) = H(p) + KL(p‖q) and KL ≥ 0 with equality only at q = p (Gibbs).",
    )


# --- 05_nll_loss ---

#: Exercises 5.1 and 5.2: the model's probabilities for three samples and three classes.
_NLL_PROBABILITIES = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.25, 0.5]])


def _near(answer: Any, value: float) -> bool:
    """Whether ``answer`` is one number within four significant digits of ``value``."""
    array = _as_float_array(answer)
    return array is not None and array.size == 1 and bool(
        abs(float(array.reshape(())) - value) <= 1e-4 + 1e-3 * abs(value)
    )


def check_weighted_nll_mean(answer: Any) -> Feedback:
    r"""Exercise 5.1: ``nn.NLLLoss(weight=[1, 4, 2])`` on ``log`` of :data:`_NLL_PROBABILITIES`
    with targets ``[0, 2, 1]``, reduction ``'mean'``:
    :math:`\sum_n w_{y_n}\ell_n / \sum_n w_{y_n}`."""
    target = np.array([0, 2, 1])
    weight = np.array([1.0, 4.0, 2.0])
    log_probs = np.log(_NLL_PROBABILITIES)
    expected = float(losses.nll_loss(log_probs, target, weight=weight))
    divided_by_n = float(losses.nll_loss(log_probs, target, weight=weight, reduction="sum")) / 3
    if _near(answer, divided_by_n) and not _near(answer, expected):
        return Feedback(
            "Exercise 5.1", False, f"You gave {float(_as_float_array(answer)):.6g}: the weighted "
            "sum divided by N = 3.",
            "PyTorch's weighted mean divides by the sum of the targets' weights, Σ w[y_n].",
        )
    return check_number(
        "Exercise 5.1", answer, expected,
        hint="ℓ_n = −w[y_n]·log q_n[y_n]; 'mean' = Σ ℓ_n / Σ w[y_n] (natural log).",
    )


def check_ignored_nll_mean(answer: Any) -> Feedback:
    r"""Exercise 5.2: ``nn.NLLLoss()`` (``ignore_index=-100``) on ``log`` of
    :data:`_NLL_PROBABILITIES` with targets ``[0, -100, 1]``, reduction ``'mean'``."""
    target = np.array([0, -100, 1])
    log_probs = np.log(_NLL_PROBABILITIES)
    expected = float(losses.nll_loss(log_probs, target))
    divided_by_n = float(losses.nll_loss(log_probs, target, reduction="sum")) / 3
    if _near(answer, divided_by_n) and not _near(answer, expected):
        return Feedback(
            "Exercise 5.2", False, f"You gave {float(_as_float_array(answer)):.6g}: the sum "
            "divided by N = 3.",
            "An ignored target leaves the denominator too: divide by the 2 counted samples.",
        )
    return check_number(
        "Exercise 5.2", answer, expected,
        hint="The ignored sample contributes 0 and is not counted; average −log q over the rest.",
    )


def check_nll_loss_function(function: Any) -> Feedback:
    """Exercise 5.3: ``function(log_probs, target, weight)`` must equal
    ``nll_loss(log_probs, target, weight=weight)`` (mean, ``ignore_index=-100``) on NumPy input."""
    rng = np.random.default_rng(5)
    log_probs = losses.log_softmax(rng.normal(size=(6, 4)), axis=1)
    cases = [
        (np.log(_NLL_PROBABILITIES), np.array([0, 2, 1]), None),
        (np.log(_NLL_PROBABILITIES), np.array([0, 2, 1]), np.array([1.0, 4.0, 2.0])),
        (log_probs, np.array([3, 0, -100, 1, 1, 2]), None),
        (log_probs, np.array([3, 0, -100, 1, 1, 2]), np.array([0.5, 1.0, 2.0, 4.0])),
    ]
    return check_function(
        "Exercise 5.3", function,
        lambda log_probs, target, weight: losses.nll_loss(log_probs, target, weight=weight),
        cases,
        hint="keep = target != -100; w = weight[target] (or 1) times keep; "
        "return Σ −w·log_probs[n, y_n] / Σ w.",
    )


# --- 06_cross_entropy_loss_in_pytorch ---


def check_cross_entropy_by_hand(answer: Any) -> Feedback:
    r"""Exercise 6.1: ``F.cross_entropy(tensor([[2.0, 1.0, 0.1]]), tensor([0]))``,
    i.e. :math:`\log(e^{2} + e^{1} + e^{0.1}) - 2`."""
    expected = float(losses.cross_entropy(np.array([[2.0, 1.0, 0.1]]), np.array([0])))
    return check_number(
        "Exercise 6.1", answer, expected,
        hint="ℓ = log Σ_c e^{x_c} − x_y with the natural log; here y = 0, so x_y = 2.0.",
    )


def check_cross_entropy_gradient(answer: Any) -> Feedback:
    r"""Exercise 6.2: the gradient of the mean cross-entropy of logits
    ``[[2.0, 1.0, 0.1], [0.5, 0.5, 3.0]]`` with targets ``[0, 1]``:
    :math:`(\operatorname{softmax}(x) - \operatorname{onehot}(y)) / N`."""
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 0.5, 3.0]])
    target = np.array([0, 1])
    expected = losses.cross_entropy_grad(logits, target)
    array = _as_float_array(answer)
    if array is not None and array.shape == expected.shape and np.allclose(array, 2 * expected):
        return Feedback(
            "Exercise 6.2", False, "That is the gradient of the sum, twice the expected values.",
            "The default reduction is 'mean': divide by N = 2.",
        )
    return check_array(
        "Exercise 6.2", answer, expected, rtol=1e-3, atol=1e-4,
        hint="softmax each row (dim=1), subtract 1 at the target class, divide by N.",
    )


def check_stable_cross_entropy(function: Any) -> Feedback:
    """Exercise 6.3: ``function(logits, target)`` must equal ``cross_entropy(logits, target)``
    (mean over the batch) on NumPy float64 input, including logits of ±1000."""
    rng = np.random.default_rng(6)
    cases = [
        (np.array([[2.0, 1.0, 0.1]]), np.array([0])),
        (rng.normal(size=(5, 4)), np.array([0, 3, 1, 1, 2])),
        (np.array([[1000.0, 0.0, -1000.0], [0.0, 0.0, 1000.0]]), np.array([2, 2])),
        (np.array([[-1000.0, -1001.0, -1002.0]]), np.array([1])),
    ]
    return check_function(
        "Exercise 6.3", function,
        lambda logits, target: losses.cross_entropy(logits, target),
        cases,
        hint="subtract each row's maximum m before exp: log Σ e^{x} = m + log Σ e^{x − m}.",
    )


# --- 11_cross_entropy_at_scale ---


def check_logits_gigabytes(answer: Any) -> Feedback:
    r"""Exercise 11.1: the memory, in GB (:math:`10^9` bytes), of float32 logits for
    :math:`T = 8192` tokens and Llama 3's vocabulary :math:`V = 128256`:
    :math:`T \cdot V \cdot 4 / 10^9`."""
    n_bytes = 8192 * 128256 * 4
    expected = n_bytes / 1e9
    value = _as_float_array(answer)
    if value is not None and value.size == 1:
        number = float(value.reshape(()))
        if math.isclose(number, n_bytes / 2**30, rel_tol=1e-3):
            return Feedback(
                "Exercise 11.1", False, f"{number:.6g} is the size in GiB (2^30 bytes).",
                "The exercise asks for GB = 10^9 bytes, as GPU memory is quoted.",
            )
        if math.isclose(number, n_bytes, rel_tol=1e-3):
            return Feedback(
                "Exercise 11.1", False, f"{number:.6g} is the size in bytes.", "Divide by 10^9."
            )
    return check_number(
        "Exercise 11.1", answer, expected,
        hint="tokens × vocabulary × 4 bytes per float32 number, divided by 10^9.",
    )


def check_merged_logsumexp(function: Any) -> Feedback:
    r"""Exercise 11.2: ``function(a, b)`` merges the log-sum-exps of two disjoint blocks of one
    row, :math:`a = \log\sum_{v \in A} e^{z_v}` and :math:`b = \log\sum_{v \in B} e^{z_v}`,
    into :math:`\log\sum_{v \in A \cup B} e^{z_v} = m + \log(e^{a-m} + e^{b-m})`,
    :math:`m = \max(a, b)`; it must not overflow at 1000 nor underflow at −1000, and an empty
    block (:math:`-\infty`) must change nothing."""
    cases = [(0.5, 1.2), (3.0, 3.0), (1000.0, 999.0), (-1000.0, -1001.0), (-math.inf, 2.0),
             (7.5, -math.inf), (-20.0, 30.0)]
    return check_function(
        "Exercise 11.2", function, lambda a, b: np.logaddexp(a, b), cases,
        rtol=1e-9, atol=1e-9,
        hint="take m = max(a, b) out: log(e^a + e^b) = m + log(e^(a−m) + e^(b−m)); "
        "both exponents are ≤ 0, and one of them is exactly 0.",
    )


def check_block_gradient(function: Any) -> Feedback:
    r"""Exercise 11.3: ``function(z, y, n)`` returns one block of the gradient of the mean
    cross-entropy with respect to the logits: :math:`G = (\operatorname{softmax}(z) -
    \operatorname{onehot}(y)) / N` row by row, with zero rows where ``y == -100`` (ignored), and
    :math:`N` = ``n``, the number of counted tokens of the whole batch (not of the block)."""
    rng = np.random.default_rng(11)
    cases = [
        (np.array([[2.0, 1.0, 0.1]]), np.array([0]), 1),
        (rng.normal(size=(4, 6)), np.array([5, 0, 2, 2]), 10),
        (rng.normal(size=(3, 5)), np.array([1, -100, 4]), 7),
        (np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 999.0]]), np.array([2, 1]), 2),
    ]

    def reference(z: np.ndarray, y: np.ndarray, n: int) -> np.ndarray:
        return losses.cross_entropy_grad(z, y, reduction="sum") / n

    if callable(function):
        learner = function

        def on_copies(z: np.ndarray, y: np.ndarray, n: int) -> Any:
            return learner(z.copy(), y.copy(), n)  # a learner's in-place edit stays local

        function = on_copies
        for z, y, n in cases[1:3]:
            try:
                result = _as_float_array(on_copies(z, y, n))
            except Exception:  # reported by check_function below
                break
            per_block = reference(z, y, n) * n / max(int((y != -100).sum()), 1)
            if result is not None and result.shape == z.shape and np.allclose(result, per_block):
                return Feedback(
                    "Exercise 11.3", False,
                    "Your rows are divided by the block's own number of tokens.",
                    "Divide by n, the number of counted tokens in the whole batch: the mean is "
                    "over all tokens, and each block contributes its share.",
                )
    return check_function(
        "Exercise 11.3", function, reference, cases,
        hint="softmax each row stably (subtract the row maximum), subtract 1 at column y, "
        "set the rows with y == -100 to 0, divide everything by n.",
    )


# --- 10_binary_cross_entropy ---

#: Exercise 10.1: three predicted probabilities and their labels.
BCE_PROBS_10_1 = (0.9, 0.2, 0.6)
BCE_LABELS_10_1 = (1.0, 0.0, 0.0)
#: Exercise 10.2: the base rate of positives and the pos_weight.
BASE_RATE_10_2 = 0.1
POS_WEIGHT_10_2 = 4.0


def check_bce_by_hand(answer: Any) -> Feedback:
    r"""Exercise 10.1: ``nn.BCELoss()`` (mean) of probabilities (0.9, 0.2, 0.6) with labels
    (1, 0, 0): :math:`-\frac13\big(\ln 0.9 + \ln 0.8 + \ln 0.4\big)`."""
    probs, labels = np.array(BCE_PROBS_10_1), np.array(BCE_LABELS_10_1)
    expected = float(losses.binary_cross_entropy(probs, labels))
    total = float(losses.binary_cross_entropy(probs, labels, reduction="sum"))
    value = _as_float_array(answer)
    if value is not None and value.size == 1 and np.isclose(value.reshape(()), total, rtol=1e-3):
        return Feedback("Exercise 10.1", False, "That is the sum of the three losses.",
                        "The default reduction is 'mean': divide by the 3 elements.")
    return check_number(
        "Exercise 10.1", answer, expected,
        hint="per element −[y ln p + (1 − y) ln(1 − p)]: a label 0 scores ln(1 − p); then the "
        "mean of the three.",
    )


def optimal_constant_logit(base_rate: float, pos_weight: float) -> float:
    r"""The constant logit that minimizes the expected ``BCEWithLogitsLoss`` when a fraction
    ``base_rate`` of the labels is 1, found numerically (golden-section search on
    :math:`E(x) = \pi p \operatorname{softplus}(-x) + (1 - \pi)\operatorname{softplus}(x)`,
    a convex function)."""

    def expected(x: float) -> float:
        positive = losses.binary_cross_entropy_with_logits(x, 1.0, pos_weight=pos_weight)
        negative = losses.binary_cross_entropy_with_logits(x, 0.0)
        return float(base_rate * positive + (1 - base_rate) * negative)

    low, high = -50.0, 50.0
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(200):
        left, right = high - ratio * (high - low), low + ratio * (high - low)
        if expected(left) < expected(right):
            high = right
        else:
            low = left
    return (low + high) / 2


def check_optimal_constant_logit(answer: Any) -> Feedback:
    r"""Exercise 10.2: base rate :math:`\pi = 0.1`, ``pos_weight`` p = 4: the constant logit that
    minimizes the expected loss (:math:`\ln(p\pi/(1-\pi)) = \ln(4/9)`)."""
    expected = optimal_constant_logit(BASE_RATE_10_2, POS_WEIGHT_10_2)
    value = _as_float_array(answer)
    if value is not None and value.size == 1:
        number = float(value.reshape(()))
        probability = float(losses.sigmoid(expected))
        if abs(number - probability) < 1e-3 and abs(number - expected) > 1e-3:
            return Feedback("Exercise 10.2", False,
                            f"{number:.4g} is the probability σ(x*); the question asks for the "
                            "logit x*.", "Take the logit of it: ln(q / (1 − q)).")
        unweighted = math.log(BASE_RATE_10_2 / (1 - BASE_RATE_10_2))
        if abs(number - unweighted) < 1e-3:
            return Feedback("Exercise 10.2", False,
                            "That is the best logit without pos_weight, ln(π / (1 − π)).",
                            "pos_weight multiplies the positives' loss by p: set the derivative "
                            "−πp σ(−x) + (1 − π) σ(x) to zero.")
    return check_number(
        "Exercise 10.2", answer, expected, rtol=1e-4, atol=1e-4,
        hint="E(x) = πp·softplus(−x) + (1 − π)·softplus(x); its derivative is "
        "−πp·σ(−x) + (1 − π)·σ(x). Set it to zero and solve for x.",
    )


def _stable_bce_cases() -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(10)
    return [
        (np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.0, 1.0]), np.array(1.0)),
        (rng.normal(size=(4, 3)), rng.integers(0, 2, (4, 3)).astype(np.float64),
         np.array([1.0, 2.0, 5.0])),
        (np.array([[1000.0, -1000.0], [-1000.0, 1000.0]]), np.array([[0.0, 1.0], [0.0, 1.0]]),
         np.array([3.0, 0.5])),
        (np.array([40.0, -40.0, 0.0]), np.array([0.0, 1.0, 0.3]), np.array(2.0)),
    ]


def check_stable_bce_with_logits(function: Any) -> Feedback:
    """Exercise 10.3: ``function(logits, target, pos_weight)`` must equal
    ``F.binary_cross_entropy_with_logits(logits, target, pos_weight=pos_weight)`` (mean) on
    NumPy float64 input, including logits of ±1000 and a ``(C,)`` pos_weight."""
    return check_function(
        "Exercise 10.3", function,
        lambda x, y, p: losses.binary_cross_entropy_with_logits(x, y, pos_weight=p),
        _stable_bce_cases(),
        rtol=1e-7, atol=1e-9,
        hint="ℓ = (1 − y)·x + (1 + (p − 1)·y)·softplus(−x), with "
        "softplus(t) = max(t, 0) + log1p(exp(−|t|)); then the mean.",
    )


# --- 09_training_with_cross_entropy ---


#: Exercise 9.1's batch: logits, targets and ε.
SMOOTHED_GRADIENT_CASE = (np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]), np.array([1, 2]), 0.2)


def check_smoothed_gradient(answer: Any) -> Feedback:
    r"""Exercise 9.1: the gradient, with respect to the logits, of the mean label-smoothed
    cross-entropy of :data:`SMOOTHED_GRADIENT_CASE`:
    :math:`(\operatorname{softmax}(z) - q') / N`, :math:`q' = (1-\varepsilon)\,\mathrm{onehot}(y)
    + \varepsilon/K`."""
    logits, target, epsilon = SMOOTHED_GRADIENT_CASE
    expected = losses.cross_entropy_grad(logits, target, label_smoothing=epsilon)
    array = _as_float_array(answer)
    if array is not None and array.shape == expected.shape and np.all(np.isfinite(array)):
        if np.allclose(array, losses.cross_entropy_grad(logits, target), rtol=1e-3, atol=1e-4):
            return Feedback(
                "Exercise 9.1", False, "That is the gradient for the hard targets (ε = 0).",
                "Subtract the smoothed target q' = (1 − ε)·onehot(y) + ε/K, not the one-hot.",
            )
        if np.allclose(array, len(target) * expected, rtol=1e-3, atol=1e-4):
            return Feedback(
                "Exercise 9.1", False, "That is the gradient of the sum, N = 2 times too large.",
                "The default reduction is 'mean': divide by N.",
            )
    return check_array(
        "Exercise 9.1", answer, expected, rtol=1e-3, atol=1e-4,
        hint="softmax each row, subtract q' = (1 − ε)·onehot(y) + ε/K, divide by N.",
    )


#: Exercise 9.2's six predictions (K = 3) and their true classes.
SIX_PREDICTIONS = (
    np.array([
        [0.95, 0.03, 0.02],
        [0.90, 0.05, 0.05],
        [0.85, 0.10, 0.05],
        [0.65, 0.25, 0.10],
        [0.55, 0.30, 0.15],
        [0.45, 0.35, 0.20],
    ]),
    np.array([0, 0, 1, 0, 2, 0]),
)


def check_six_predictions_ece(answer: Any) -> Feedback:
    r"""Exercise 9.2: the ECE of :data:`SIX_PREDICTIONS` with 5 bins of width 0.2,
    :math:`\sum_m \frac{|B_m|}{N}\,|\operatorname{acc}(B_m) - \operatorname{conf}(B_m)|`."""
    probs, labels = SIX_PREDICTIONS
    expected = calibration.expected_calibration_error(probs, labels, n_bins=5)
    bins = calibration.reliability_bins(probs, labels, n_bins=5)
    filled = bins.counts > 0
    unweighted = float(np.mean(np.abs(bins.gaps[filled])))
    value = _as_float_array(answer)
    if value is not None and value.size == 1 and math.isclose(
        float(value.reshape(())), unweighted, rel_tol=1e-3
    ) and not math.isclose(unweighted, expected, rel_tol=1e-3):
        return Feedback(
            "Exercise 9.2", False, "That is the plain mean of the bins' gaps.",
            "Weight each bin's |accuracy − confidence| by its share of the predictions, |B_m|/N.",
        )
    return check_number(
        "Exercise 9.2", answer, expected,
        hint="confidence = the largest probability of a row; bins (0.4, 0.6], (0.6, 0.8], "
        "(0.8, 1]; per bin |accuracy − mean confidence|, weighted by the bin's share of the six.",
    )


def _ece_cases() -> list[tuple[np.ndarray, np.ndarray, int]]:
    rng = np.random.default_rng(9)
    cases = []
    for n, k, n_bins, scale in ((50, 3, 15, 2.0), (200, 5, 10, 4.0), (30, 2, 1, 1.0)):
        logits = scale * rng.normal(size=(n, k))
        cases.append((losses.softmax(logits, axis=1), rng.integers(0, k, size=n), n_bins))
    probs, labels = SIX_PREDICTIONS
    cases.append((probs, labels, 5))
    one_hot = np.eye(3)[[0, 1, 2, 0]]
    cases.append((one_hot, np.array([0, 1, 0, 0]), 15))  # confidence exactly 1: the last bin
    return cases


def check_ece_function(function: Any) -> Feedback:
    """Exercise 9.3: ``function(probs, labels, n_bins)`` returns the expected calibration error
    with ``n_bins`` equal-width bins, as :func:`helpers.calibration.expected_calibration_error`."""
    return check_function(
        "Exercise 9.3", function, calibration.expected_calibration_error, _ece_cases(),
        rtol=1e-9, atol=1e-12,
        hint="confidence = probs.max(axis=1), correct = probs.argmax(axis=1) == labels; bin "
        "m = 1..M holds ((m−1)/M, m/M]; sum over non-empty bins of (count/N)·|mean(correct) − "
        "mean(confidence)|.",
    )
