"""Notebook 02: the prefix codes, the figures, the cross-entropy explorer, the discretised
Gaussian of the forward/reverse fits and the exercise checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from helpers import info
from helpers.lessons import cross_entropy_and_kl_divergence as lesson


def _binary(p: float) -> np.ndarray:
    return np.array([p, 1.0 - p])


def _is_prefix_free(words: list[str]) -> bool:
    return not any(a != b and b.startswith(a) for a in words for b in words)


@pytest.mark.parametrize(
    ("lengths", "expected"),
    [
        ([1, 2, 3, 3], ["0", "10", "110", "111"]),
        ([3.0, 1.0, 2.0, 3.0], ["110", "0", "10", "111"]),  # floats from -log2 of a dyadic q
        ([2, 2, 2, 2], ["00", "01", "10", "11"]),
        ([3, 1, 3], ["100", "0", "101"]),  # Kraft sum 3/4 < 1: a code with room to spare
        ([1], ["0"]),
    ],
)
def test_prefix_code_has_the_lengths_and_no_word_begins_another(lengths, expected) -> None:
    words = lesson.prefix_code(lengths)
    assert words == expected
    assert [len(word) for word in words] == [int(n) for n in lengths]
    assert _is_prefix_free(words)


def test_prefix_code_of_ideal_lengths_averages_the_cross_entropy() -> None:
    p, q = np.array([0.5, 0.25, 0.125, 0.125]), np.array([0.125, 0.5, 0.25, 0.125])
    lengths = np.array([len(word) for word in lesson.prefix_code(-np.log2(q))])
    assert float(p @ lengths) == pytest.approx(info.cross_entropy(p, q, "bits")) == 2.375
    assert float(q @ lengths) == pytest.approx(info.entropy(q, "bits")) == 1.75


@pytest.mark.parametrize(
    ("lengths", "message"),
    [
        ([1, 1, 2], "no prefix code"),  # Kraft sum 5/4 > 1
        ([1, 1.5], "whole numbers"),
        ([0, 1], "whole numbers"),
        ([], "whole numbers"),
        ([1, float("inf")], "whole numbers"),
    ],
)
def test_prefix_code_refuses_impossible_lengths(lengths, message) -> None:
    with pytest.raises(ValueError, match=message):
        lesson.prefix_code(lengths)


def test_code_lengths_figure_draws_one_panel_per_code_with_the_average_in_the_title() -> None:
    p = [0.5, 0.25, 0.125, 0.125]
    codes = {"Bob's words in Bob's code": ["0", "10", "110", "111"],
             "Bob's words in Alice's code": ["110", "0", "10", "111"]}
    figure = lesson.code_lengths_figure(p, codes, ["dog", "cat", "fish", "bird"])
    assert [axis.get_title() for axis in figure.axes] == [
        "Bob's words in Bob's code: average 1.75 bits",
        "Bob's words in Alice's code: average 2.375 bits"]  # p's words: the average is H(p, q)
    bars = figure.axes[1].patches
    np.testing.assert_allclose([bar.get_width() for bar in bars], p)
    np.testing.assert_allclose([bar.get_height() for bar in bars], [3, 1, 2, 3])
    np.testing.assert_allclose([bar.get_x() for bar in bars], [0, 0.5, 0.75, 0.875])


@pytest.mark.parametrize(("p", "q"), [(0.7, 0.4), (0.9, 0.5), (0.5, 0.5), (0.3, 0.8), (0.25, 0.99)])
def test_explorer_stacks_entropy_and_kl_into_cross_entropy(p: float, q: float) -> None:
    explorer = lesson.cross_entropy_explorer()
    before = explorer.image.value
    explorer.controls["p0"].value = p
    explorer.controls["q0"].value = q
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
    explorer.controls["p0"].value = 1.0
    explorer.controls["q0"].value = 0.02
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
        "Explorer: Cross-entropy = entropy + KL divergence (two outcomes) (p0=0.7, q0=0.4)"
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
    # one convention with the explorer: the two-outcome q is (q_0, 1 - q_0)
    assert {axis.get_xlabel() for axis in figure.axes} == {"$q_0$, where $q = (q_0, 1 - q_0)$"}
    explorer = lesson.cross_entropy_explorer()
    assert explorer.figure.axes[0].get_xlabel() == "$q_0$, where $q = (q_0, 1 - q_0)$"
    assert [control.description for control in explorer.controls.values()] == ["p_0", "q_0"]
    np.testing.assert_allclose(lesson.binary_pair(np.array([0.2, 0.7])), [[0.2, 0.8], [0.7, 0.3]])


def test_gaussian_bins_is_the_softmax_of_the_quadratic_logits() -> None:
    centres = np.linspace(-6, 6, 61)
    q = lesson.gaussian_bins(centres, -1.0, 1.5)
    logits = torch.tensor(-((centres + 1.0) ** 2) / (2 * 1.5**2))
    np.testing.assert_allclose(q, torch.softmax(logits, dim=0).numpy(), rtol=1e-12)
    assert q.sum() == pytest.approx(1.0) and centres[q.argmax()] == pytest.approx(-1.0)
    means, stds = np.array([-2.0, 0.0, 3.0]), np.array([0.5, 2.0])
    batch = lesson.gaussian_bins(centres, means[:, None, None], stds[None, :, None])
    assert batch.shape == (3, 2, 61)
    np.testing.assert_allclose(batch[2, 0], lesson.gaussian_bins(centres, 3.0, 0.5))
    np.testing.assert_allclose(batch.sum(axis=-1), 1.0)
    tiny = lesson.gaussian_bins(centres, 100.0, 0.01)  # far outside, narrow: no overflow, no nan
    assert np.isfinite(tiny).all() and tiny[-1] == 1.0
    with pytest.raises(ValueError, match="std must be positive"):
        lesson.gaussian_bins(centres, 0.0, 0.0)


def test_forward_kl_covers_both_modes_and_reverse_kl_seeks_one() -> None:
    centres = np.linspace(-6, 6, 61)
    p = 0.7 * lesson.gaussian_bins(centres, -2.5, 0.6) + 0.3 * lesson.gaussian_bins(
        centres, 2.5, 0.6)
    means, stds = np.linspace(-5, 5, 101), np.linspace(0.2, 5, 49)
    models = lesson.gaussian_bins(centres, means[:, None, None], stds[None, :, None])
    target = np.broadcast_to(p, models.shape)
    forward, reverse = info.kl_divergence(target, models), info.kl_divergence(models, target)
    i, j = np.unravel_index(forward.argmin(), forward.shape)
    assert -2.5 < means[i] < 2.5 and stds[j] > 2  # between the modes, wide
    i, j = np.unravel_index(reverse.argmin(), reverse.shape)
    assert (means[i], stds[j]) == pytest.approx((-2.5, 0.6))  # on the larger mode
    assert reverse[i, j] == pytest.approx(-math.log(0.7), abs=1e-3)  # misses the other 30 %
    figure = lesson.kl_fits_figure(centres, p, means, stds, forward, reverse)
    (axis,) = figure.axes
    fits = [line.get_ydata() for line in axis.lines]
    np.testing.assert_allclose(fits[1], lesson.gaussian_bins(centres, means[i], stds[j]))
    assert len(fits) == 2 and len(axis.patches) == 61
    assert "mu$ = -2.50" in axis.get_legend().get_texts()[1].get_text()


WRONG_NUMBERS = [None, "abc", [1.0, 2.0], np.zeros((2, 2)), float("nan"), 0.0]


def kl_solution(p: np.ndarray, q: np.ndarray) -> float:
    keep = p > 0
    return float((p[keep] * np.log(p[keep] / q[keep])).sum())


#: One correct answer per check (tests/lessons/test_checkers.py uses them too).
SOLUTIONS = {
    "check_code_length": 2.25,
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


def test_code_length_check_names_the_usual_mistakes() -> None:
    assert lesson.check_code_length(SOLUTIONS["check_code_length"]).correct
    assert lesson.check_code_length(9 / 4).correct
    for wrong, said in ((2.0, "H(p)"), (1.75, "H(q)"), (2.25 * math.log(2), "nats")):
        feedback = lesson.check_code_length(wrong)
        assert not feedback.correct and said in feedback.message
    for wrong in WRONG_NUMBERS:
        feedback = lesson.check_code_length(wrong)
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
