"""Notebook 05 (log-softmax, numerical stability): its figure, explorer and exercise checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.lessons import log_softmax_and_numerical_stability as lesson


def test_logsumexp_figure_lies_between_max_and_max_plus_ln2() -> None:
    (ax,) = lesson.logsumexp_figure().axes
    lse_line = next(line for line in ax.lines if "LSE" in line.get_label())
    t, lse = lse_line.get_xdata(), lse_line.get_ydata()
    np.testing.assert_allclose(lse, np.logaddexp(0.0, t), rtol=1e-12)
    assert np.all(lse >= np.maximum(0, t)) and np.all(lse <= np.maximum(0, t) + math.log(2) + 1e-12)


def naive_log_softmax_float32(logits: list[float]) -> torch.Tensor:
    return torch.log(F.softmax(torch.tensor(logits, dtype=torch.float32), dim=0))


def test_float32_explorer_matches_torch_and_shows_the_failures() -> None:
    explorer = lesson.log_softmax_float32_explorer()
    assert repr(explorer) == (
        "Explorer: float32 logits (a, a - g): softmax by hand, then log, against log_softmax "
        "(gap=100.0, shift=0.0)"
    )
    # gap 100: the naive value has lost digits (subnormal), exactly as torch's float32 does
    expected = naive_log_softmax_float32([0.0, -100.0])[1].item()
    assert f"log(exp(x) / sum(exp(x))) = [0.0000, {expected:.4f}]" in explorer.readout.value
    assert f"{expected:.4f}" == "-99.9831"  # the value notebook 5 prints
    assert "log_softmax(x) = [0.0000, -100.0000]" in explorer.readout.value
    gap_ax, shift_ax = explorer.figure.axes
    stable_line, naive_line = gap_ax.lines[0], gap_ax.lines[1]
    gaps = stable_line.get_xdata()
    np.testing.assert_allclose(stable_line.get_ydata(), -gaps - np.log1p(np.exp(-gaps)), atol=1e-4)
    naive = naive_line.get_ydata()
    assert np.all(np.isnan(naive[gaps > 104])) and np.all(np.isfinite(naive[gaps < 103]))

    before = explorer.image.value
    explorer.controls["gap"].value = 120.0
    assert "log(exp(x) / sum(exp(x))) = [0.0000, -inf]" in explorer.readout.value
    assert "log_softmax(x) = [0.0000, -120.0000]" in explorer.readout.value
    assert explorer.image.value != before
    assert gap_ax.lines[2].get_ydata()[0] == pytest.approx(-120.0)  # the stable marker

    explorer.controls["shift"].value = 100.0  # e^100 overflows float32
    # exp(x) / sum(exp(x)) = [inf / inf, finite / inf] = [nan, 0]: the lower logit's log is -inf
    assert "log(exp(x) / sum(exp(x))) = [nan, -inf]" in explorer.readout.value
    assert "logsumexp(x) = 100.0000, log(sum(exp(x))) = inf" in explorer.readout.value
    assert np.all(np.isnan(gap_ax.lines[1].get_ydata()))  # no naive line left to draw
    shifts = shift_ax.lines[0].get_xdata()
    stable_lse = shift_ax.lines[0].get_ydata()
    np.testing.assert_allclose(stable_lse, shifts + np.log1p(np.exp(-120.0)), atol=1e-4)
    naive_lse = shift_ax.lines[1].get_ydata()
    assert np.all(np.isnan(naive_lse[shifts > 89]))
    assert np.all(np.isfinite(naive_lse[np.abs(shifts) < 80]))


def test_naive_log_probability_underflows_below_half_the_smallest_float32() -> None:
    explorer = lesson.log_softmax_float32_explorer()
    gap_ax = explorer.figure.axes[0]
    gaps, naive = gap_ax.lines[1].get_xdata(), gap_ax.lines[1].get_ydata()
    smallest = np.finfo(np.float32).smallest_subnormal
    cliff = math.log(smallest) - math.log(2)  # -103.97: e^{-g} rounds to 0 below it
    np.testing.assert_allclose(naive[(gaps > 103.5) & (gaps < 103.9)], math.log(smallest))
    assert np.all(np.isnan(naive[gaps > -cliff])) and np.all(np.isfinite(naive[gaps < -cliff]))
    for gap in (100.0, 103.5, 104.0, 120.0):  # the same as torch's log(F.softmax(x))
        torch_value = naive_log_softmax_float32([0.0, -gap])[1].item()
        explorer.controls["gap"].value = gap
        assert f"sum(exp(x))) = [0.0000, {torch_value:.4f}]" in explorer.readout.value
    explorer.controls["shift"].value = 89.0  # e^89 overflows, e^(89 - 120) does not
    assert "log(exp(x) / sum(exp(x))) = [nan, -inf]" in explorer.readout.value


def test_static_figure_is_the_explorer_at_its_start() -> None:
    figure = lesson.log_softmax_float32_figure()
    explorer = lesson.log_softmax_float32_explorer()
    assert len(figure.axes) == 2
    assert not figure.findobj(lambda artist: artist.get_animated())  # all drawn by savefig
    for static, moving in zip(figure.axes, explorer.figure.axes, strict=True):
        assert [line.get_label() for line in static.lines] == [
            line.get_label() for line in moving.lines
        ]
        for a, b in zip(static.lines, moving.lines, strict=True):
            np.testing.assert_array_equal(a.get_ydata(), b.get_ydata())
    assert figure.axes[0].lines[1].get_label() == "log(exp(x) / sum(exp(x)))[1]"


def stable_logsumexp(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    lse = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return np.squeeze(lse, axis=axis)


def naive_logsumexp(x, axis=-1):
    return np.log(np.sum(np.exp(x), axis=axis))


def keeps_the_axis(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    return m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))


def raises(x, axis=-1):
    raise NotImplementedError("not written yet")


def autograd_gradient() -> torch.Tensor:
    x = torch.tensor([1.2, 2.4, 3.6], requires_grad=True)
    F.log_softmax(x, dim=0)[1].backward()
    return x.grad


#: One correct answer per check (tests/lessons/test_checkers.py uses them too).
SOLUTIONS = {
    "check_huge_logit_log_probability": -2 - math.log(math.exp(-2) + math.exp(-1) + math.exp(0)),
    "check_stable_logsumexp": stable_logsumexp,
    "check_log_softmax_gradient": autograd_gradient(),
}


def test_solutions_are_correct() -> None:
    for check, solution in SOLUTIONS.items():
        assert getattr(lesson, check)(solution).correct
    torch_value = F.log_softmax(torch.tensor([1000.0, 1001.0, 1002.0]), dim=0)[0]
    assert lesson.check_huge_logit_log_probability(torch_value).correct
    x = torch.tensor([1.2, 2.4, 3.6])
    formula = torch.tensor([0.0, 1.0, 0.0]) - F.softmax(x, dim=0)
    assert lesson.check_log_softmax_gradient(formula.tolist()).correct
    assert lesson.check_log_softmax_gradient(np.round(formula.numpy(), 4)).correct


@pytest.mark.parametrize("answer", [None, "abc", [-2.4076] * 2, 2.4076, -0.4076, float("-inf")])
def test_exercise_5_1_rejects_wrong_answers(answer) -> None:
    feedback = lesson.check_huge_logit_log_probability(answer)
    assert not feedback.correct
    assert str(feedback).startswith("✗ Exercise 5.1: not yet.")


@pytest.mark.parametrize("function", [None, "abc", naive_logsumexp, keeps_the_axis, raises, np.max])
def test_exercise_5_2_rejects_wrong_functions(function) -> None:
    feedback = lesson.check_stable_logsumexp(function)
    assert not feedback.correct
    assert feedback.hint


@pytest.mark.parametrize(
    "answer",
    [
        None,
        "abc",
        [0.0652, -0.7836, 0.7184],  # the sign of the cross-entropy gradient instead
        [-0.0652, 0.7836],  # wrong shape
        [[-0.0652, 0.7836, -0.7184]],  # wrong shape
        [0.0, 1.0, 0.0],
    ],
)
def test_exercise_5_3_rejects_wrong_answers(answer) -> None:
    feedback = lesson.check_log_softmax_gradient(answer)
    assert not feedback.correct
    assert str(feedback).startswith("✗ Exercise 5.3: not yet.")
