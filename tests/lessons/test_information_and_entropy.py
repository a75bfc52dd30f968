"""Notebook 01: the binary-entropy explorer, the figures and the exercise checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from helpers import info
from helpers.explorer import Explorer
from helpers.lessons import information_and_entropy as lesson


def _bold_curve_point_and_bars(explorer: Explorer):
    left, right = explorer.figure.axes
    curve, point = left.lines[3], left.lines[4]  # after the three faint curves (bits, nats, bans)
    return curve, point, list(right.patches), right.texts


@pytest.mark.parametrize("unit", ["bits", "nats", "bans"])
def test_explorer_marks_the_binary_entropy_and_the_information_of_both_outcomes(unit: str) -> None:
    explorer = lesson.binary_entropy_explorer()
    explorer.controls["unit"].value = unit
    curve, point, bars, labels = _bold_curve_point_and_bars(explorer)
    np.testing.assert_allclose(curve.get_ydata(), info.binary_entropy(curve.get_xdata(), unit))
    np.testing.assert_allclose(np.max(curve.get_ydata()), math.log(2) / math.log(info.UNITS[unit]))
    for p in (0.001, 0.1, 0.5, 0.73, 0.999):
        before = explorer.image.value
        explorer.controls["p"].value = p
        assert explorer.image.value != before
        h = -p * math.log(p) - (1 - p) * math.log(1 - p)
        h /= math.log(info.UNITS[unit])
        np.testing.assert_allclose(point.get_xydata(), [[p, h]])
        expected = [-math.log(p), -math.log(1 - p)]
        expected = [value / math.log(info.UNITS[unit]) for value in expected] + [h]
        np.testing.assert_allclose([bar.get_height() for bar in bars], expected)
        assert [label.get_text() for label in labels] == [f"{value:.4f}" for value in expected]
        assert explorer.readout.value.startswith(f"p = {p:.3f}: I(A) = {expected[0]:.4f}")
        assert f"= {h:.4f} {unit}" in explorer.readout.value


def test_explorer_readout_for_xiao_ming_in_bits_and_plain_text_form() -> None:
    explorer = lesson.binary_entropy_explorer()
    assert repr(explorer) == (
        "Explorer: Binary entropy: the expected information of two outcomes (p=0.1, unit='bits')"
    )
    assert "H_b = 0.100·3.3219 + 0.900·0.1520 = 0.4690 bits" in explorer.readout.value
    assert "(maximum 1.0000 bits, at p = 0.5)" in explorer.readout.value


def test_changing_the_unit_rescales_by_one_over_ln_b() -> None:
    explorer = lesson.binary_entropy_explorer()
    curve = explorer.figure.axes[0].lines[3]
    heights = {}
    for unit in ("bits", "nats", "bans"):
        before = explorer.image.value
        explorer.controls["unit"].value = unit
        if unit != "bits":
            assert explorer.image.value != before
        heights[unit] = np.asarray(curve.get_ydata()).copy()
    np.testing.assert_allclose(heights["bits"] * math.log(2), heights["nats"], atol=1e-15)
    np.testing.assert_allclose(heights["bans"] * math.log(10), heights["nats"], atol=1e-15)


def test_figures_draw_the_shooters_and_the_bound() -> None:
    figure = lesson.information_and_entropy_figure({"Xiao Ming": 0.1, "Xiao Wang": 0.999})
    assert isinstance(figure, Figure) and len(figure.axes) == 2
    marked = [line.get_xydata() for line in figure.axes[1].lines if line.get_marker() == "o"]
    np.testing.assert_allclose(marked[0], [[0.1, info.binary_entropy(0.1, "bits")]])
    np.testing.assert_allclose(marked[1], [[0.999, info.binary_entropy(0.999, "bits")]])
    left_labels = [line.get_label() for line in figure.axes[0].lines]
    right_labels = [line.get_label() for line in figure.axes[1].lines]
    assert left_labels[0] == r"$-\log_2 p$"  # the base is written: the axis is in bits
    assert r"maximum $\log_2 2 = 1$ bit, at $p = 1/2$" in right_labels
    in_nats = lesson.information_and_entropy_figure({"Xiao Ming": 0.1}, base="nats")
    assert in_nats.axes[0].lines[0].get_label() == r"$-\ln p$"
    assert r"maximum $\ln 2 = 0.6931$ nats, at $p = 1/2$" in [
        line.get_label() for line in in_nats.axes[1].lines
    ]
    rng = np.random.default_rng(0)
    entropies = {k: info.entropy(rng.dirichlet(np.ones(k), size=20)) for k in (2, 3, 4)}
    bound = lesson.entropy_bound_figure(entropies)
    assert isinstance(bound, Figure) and len(bound.axes) == 1
    assert bound.axes[0].get_title() == r"$0 \leq H(p) \leq \ln C$"
    assert [info.unit_name(b) for b in (2, math.e, 10, "bits", 3)] == [
        "bits",
        "nats",
        "bans",
        "bits",
        "log base 3",
    ]


WRONG_NUMBERS = [None, "abc", [1.0, 2.0], np.zeros((2, 2)), float("nan"), 0.0]


def entropy_in_bits(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


#: One correct answer per check (tests/lessons/test_checkers.py uses them too).
SOLUTIONS = {
    "check_die_entropy": math.log2(6),
    "check_nats_to_bits": 1.5 / math.log(2),
    "check_entropy_in_bits": entropy_in_bits,
}


@pytest.mark.parametrize(
    ("check", "solution"),
    [
        (lesson.check_die_entropy, SOLUTIONS["check_die_entropy"]),
        (lesson.check_nats_to_bits, SOLUTIONS["check_nats_to_bits"]),
    ],
)
def test_number_checks_accept_the_solution_and_reject_the_rest(check, solution) -> None:
    assert check(solution).correct
    assert check(round(solution, 4)).correct  # four significant digits, as printed
    assert not check(math.log(6) if check is lesson.check_die_entropy else 1.5 * math.log(2))
    for wrong in WRONG_NUMBERS:
        feedback = check(wrong)
        assert not feedback.correct and str(feedback).startswith("✗")


def test_entropy_function_check() -> None:
    solution = entropy_in_bits

    def naive(p: np.ndarray) -> float:  # nan (or a warning) on a zero probability
        return float(-(p * np.log2(p)).sum())

    def in_nats(p: np.ndarray) -> float:
        p = p[p > 0]
        return float(-(p * np.log(p)).sum())

    def raises(p: np.ndarray) -> float:
        raise NotImplementedError("write me")

    assert lesson.check_entropy_in_bits(solution).correct
    for wrong in (naive, in_nats, raises, lambda p: p, None, "abc", 3.0):
        feedback = lesson.check_entropy_in_bits(wrong)
        assert not feedback.correct and "Hint:" in str(feedback)
    assert "raised NotImplementedError: write me" in str(lesson.check_entropy_in_bits(raises))
    assert "shape" in str(lesson.check_entropy_in_bits(lambda p: p))
