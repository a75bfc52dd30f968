"""Notebook 02: the cross-entropy explorer, the figure and the exercise checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from helpers import info
from helpers.lessons import cross_entropy_and_kl_divergence as lesson


def _binary(p: float) -> np.ndarray:
    return np.array([p, 1.0 - p])


@pytest.mark.parametrize(("p", "q"), [(0.7, 0.4), (0.9, 0.5), (0.5, 0.5), (0.3, 0.8), (0.25, 0.99)])
def test_explorer_stacks_entropy_and_kl_into_cross_entropy(p: float, q: float) -> None:
    explorer = lesson.cross_entropy_explorer()
    before = explorer.image.value
    explorer.controls["p"].value = p
    explorer.controls["q"].value = q
    if (p, q) != (0.7, 0.4):
        assert explorer.image.value != before
    h = info.entropy(_binary(p))
    kl = info.kl_divergence(_binary(p), _binary(q))
    cross = info.cross_entropy(_binary(p), _binary(q))
    reverse = info.kl_divergence(_binary(q), _binary(p))
    assert cross == pytest.approx(h + kl)
    left, right = explorer.figure.axes
    curve, entropy_line, gap, point = left.lines
    t = np.asarray(curve.get_xdata())
    np.testing.assert_allclose(curve.get_ydata(), -p * np.log(t) - (1 - p) * np.log(1 - t))
    np.testing.assert_allclose(entropy_line.get_ydata(), [h, h])
    np.testing.assert_allclose(gap.get_xydata(), [[q, h], [q, cross]])
    np.testing.assert_allclose(point.get_xydata(), [[q, cross]])
    entropy_bar, kl_bar, reverse_bar = right.patches
    assert entropy_bar.get_height() == pytest.approx(h)
    assert kl_bar.get_y() == pytest.approx(h)
    assert kl_bar.get_height() == pytest.approx(min(kl, 3.2 - h))
    assert reverse_bar.get_height() == pytest.approx(min(reverse, 3.2))
    assert [text.get_text() for text in right.texts[:2]] == [f"{cross:.4f}", f"{reverse:.4f}"]
    assert explorer.readout.value == (
        f"p = ({p:.2f}, {1 - p:.2f}), q = ({q:.2f}, {1 - q:.2f}): H(p) = {h:.4f} + "
        f"KL(p‖q) = {kl:.4f} → H(p, q) = {cross:.4f} nats; KL(q‖p) = {reverse:.4f} nats"
    )


def test_one_hot_target_gives_minus_log_q_and_an_infinite_reverse_kl() -> None:
    explorer = lesson.cross_entropy_explorer()
    explorer.controls["p"].value = 1.0
    explorer.controls["q"].value = 0.02
    assert f"H(p, q) = {-math.log(0.02):.4f} nats" in explorer.readout.value
    assert "H(p) = 0.0000" in explorer.readout.value
    assert explorer.readout.value.endswith("KL(q‖p) = inf nats")
    right = explorer.figure.axes[1]
    assert right.patches[2].get_height() == pytest.approx(3.2)  # drawn to the top
    assert right.patches[1].get_height() == pytest.approx(3.2)  # 3.91 nats of KL, cut at the top
    assert right.texts[0].get_text() == f"{-math.log(0.02):.4f}"  # the label tells the true value
    assert right.texts[1].get_text() == "inf"


def test_plain_text_form() -> None:
    assert repr(lesson.cross_entropy_explorer()) == (
        "Explorer: Cross-entropy = entropy + KL divergence (two outcomes) (p=0.7, q=0.4)"
    )


def test_figure_marks_both_divergences() -> None:
    figure = lesson.cross_entropy_and_kl_figure(0.9, q_mark=0.5)
    assert isinstance(figure, Figure) and len(figure.axes) == 2
    marks = [line.get_xydata()[0] for line in figure.axes[1].lines if line.get_marker() == "o"]
    np.testing.assert_allclose(
        marks,
        [
            [0.9, 0.0],
            [0.5, info.kl_divergence([0.9, 0.1], [0.5, 0.5])],
            [0.5, info.kl_divergence([0.5, 0.5], [0.9, 0.1])],
        ],
    )
    assert len(lesson.cross_entropy_and_kl_figure(0.3).axes[1].lines) == 3  # no marks
    np.testing.assert_allclose(lesson.binary_pair(np.array([0.2, 0.7])), [[0.2, 0.8], [0.7, 0.3]])


WRONG_NUMBERS = [None, "abc", [1.0, 2.0], np.zeros((2, 2)), float("nan"), 0.0]


def kl_solution(p: np.ndarray, q: np.ndarray) -> float:
    keep = p > 0
    return float((p[keep] * np.log(p[keep] / q[keep])).sum())


#: One correct answer per check (tests/lessons/test_checkers.py uses them too).
SOLUTIONS = {
    "check_one_hot_cross_entropy": -math.log(0.3),
    "check_kl_divergence": kl_solution,
    "check_smallest_cross_entropy": 1.0297,
}


@pytest.mark.parametrize(
    ("check", "solution", "near_miss"),
    [
        (lesson.check_one_hot_cross_entropy, SOLUTIONS["check_one_hot_cross_entropy"],
         -math.log(0.6)),
        (lesson.check_smallest_cross_entropy, SOLUTIONS["check_smallest_cross_entropy"], 0.0),
    ],
)
def test_number_checks(check, solution, near_miss) -> None:
    assert check(solution).correct
    assert not check(near_miss).correct
    other_unit_or_bound = math.log(3)  # ln K, the largest entropy, is not the smallest H(p, q)
    if check is lesson.check_one_hot_cross_entropy:
        other_unit_or_bound = -math.log2(0.3)  # bits, not nats
    assert not check(other_unit_or_bound).correct
    for wrong in WRONG_NUMBERS:
        feedback = check(wrong)
        assert not feedback.correct and str(feedback).startswith("✗")


def test_kl_function_check() -> None:
    solution = kl_solution

    def reversed_arguments(p: np.ndarray, q: np.ndarray) -> float:
        return solution(q, p)

    def cross_entropy_instead(p: np.ndarray, q: np.ndarray) -> float:
        keep = p > 0
        return float(-(p[keep] * np.log(q[keep])).sum())

    def raises(p: np.ndarray, q: np.ndarray) -> float:
        raise NotImplementedError("write me")

    assert lesson.check_kl_divergence(solution).correct
    for wrong in (reversed_arguments, cross_entropy_instead, raises, lambda p, q: p, None, "abc"):
        feedback = lesson.check_kl_divergence(wrong)
        assert not feedback.correct and "Hint:" in str(feedback)
    assert "raised NotImplementedError" in str(lesson.check_kl_divergence(raises))
