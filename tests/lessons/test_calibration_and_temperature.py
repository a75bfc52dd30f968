"""Notebook 10 (calibration): its figures, explorer and exercise checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from helpers import calibration, losses, toy
from helpers.lessons import calibration_and_temperature as lesson


def over_confident_logits() -> tuple[np.ndarray, np.ndarray]:
    """The Bayes posterior's logits of a seeded draw of the blobs, doubled: over-confident."""
    points, labels = toy.blobs(300, seed=3)
    return 2.0 * np.log(toy.bayes_posterior(points)), labels


def make_explorer():
    logits, labels = over_confident_logits()
    return lesson.temperature_explorer(logits, labels, tau_star=2.0)


def bar_heights(container) -> np.ndarray:
    return np.array([patch.get_height() for patch in container])


# --- figures -------------------------------------------------------------------------------


def test_reliability_figure_writes_the_ece_and_draws_the_accuracy() -> None:
    rng = np.random.default_rng(1)
    probs = {
        name: losses.softmax(scale * rng.normal(size=(300, 3)), axis=1)
        for name, scale in (("sharp", 4.0), ("soft", 0.5))
    }
    labels = rng.integers(0, 3, size=300)
    figure = lesson.reliability_figure(probs, labels, n_bins=15)
    assert len(figure.axes) == 2
    for ax, (name, p) in zip(figure.axes, probs.items(), strict=True):
        ece = calibration.expected_calibration_error(p, labels, 15)
        assert ax.get_title() == name
        assert any(text.get_text() == f"ECE = {ece:.3f}" for text in ax.texts)
        bins = calibration.reliability_bins(p, labels, 15)
        filled = bins.counts > 0
        accuracy, over, under = ax.containers
        np.testing.assert_allclose(bar_heights(accuracy), np.where(filled, bins.accuracy, 0.0))
        gaps = np.where(filled, bins.gaps, 0.0)
        np.testing.assert_allclose(bar_heights(over), np.maximum(-gaps, 0.0), atol=1e-15)
        np.testing.assert_allclose(bar_heights(under), np.maximum(gaps, 0.0), atol=1e-15)
    labels_shown = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert labels_shown == ["accuracy", "over-confident", "under-confident"]


def test_a_gap_bar_spans_accuracy_to_confidence() -> None:
    probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])
    labels = np.array([0, 1, 0, 0])  # bin (0.8, 0.9]: acc 0.5 < conf 0.9; (0.5, 0.6]: 1 > 0.6
    figure = lesson.reliability_figure({"four": probs}, labels, n_bins=10)
    accuracy, over, under = figure.axes[0].containers
    assert over[8].get_y() == pytest.approx(0.5) and over[8].get_height() == pytest.approx(0.4)
    assert under[5].get_y() == pytest.approx(0.6) and under[5].get_height() == pytest.approx(0.4)
    assert accuracy[5].get_height() == pytest.approx(1.0)
    assert sum(patch.get_height() for patch in over) == pytest.approx(0.4)


def test_ece_noise_figure_shows_every_test_set_and_the_means() -> None:
    eces = {300: np.array([0.04, 0.06]), 3000: np.array([0.01, 0.02, 0.015]),
            30_000: np.array([0.005])}
    figure = lesson.ece_noise_figure(eces)
    (ax,) = figure.axes
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert sorted(len(line.get_ydata()) for line in dots) == [1, 2, 3]
    mean, reference = [line for line in ax.lines if line.get_marker() != "o"]
    np.testing.assert_allclose(mean.get_ydata(), [0.05, 0.015, 0.005])
    sizes = np.array([300, 3000, 30_000])
    np.testing.assert_allclose(reference.get_ydata(), 0.05 * np.sqrt(300 / sizes))
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"


def test_temperature_figure_marks_the_fitted_temperature() -> None:
    taus = np.geomspace(0.25, 4, 41)
    nll = (np.log(taus) - np.log(1.5)) ** 2 + 0.4
    ece = np.abs(np.log(taus / 1.7)) / 10
    figure = lesson.temperature_figure(taus, nll, ece, 1.5)
    left, right = figure.axes
    np.testing.assert_allclose(left.lines[0].get_ydata(), nll)
    marker = left.lines[1]
    assert marker.get_xdata()[0] == 1.5
    assert marker.get_ydata()[0] == pytest.approx(np.interp(1.5, taus, nll))
    assert any("1.50" in text.get_text() for text in left.texts)
    vertical = sorted(line.get_xdata()[0] for line in right.lines[1:])
    assert vertical == [1.0, 1.5]
    assert [tick.get_text() for tick in right.get_xticklabels()] == ["0.25", "0.5", "1", "2", "4"]


# --- explorer ------------------------------------------------------------------------------


def test_explorer_redraws_the_reliability_diagram_at_each_temperature() -> None:
    logits, labels = over_confident_logits()
    explorer = make_explorer()
    assert repr(explorer) == "Explorer: Temperature scaling (tau=1.0)"
    ax_bins = explorer.figure.axes[0]
    accuracy_bars, over_bars, _ = ax_bins.containers
    markers = [line for ax in explorer.figure.axes for line in ax.lines if line.get_marker() == "o"]
    assert len(markers) == 2
    accuracy = np.mean(logits.argmax(axis=1) == labels)
    images = set()
    for tau in (0.5, 1.0, 2.0, 3.0):
        explorer.controls["tau"].value = tau
        tau = explorer.controls["tau"].value  # the slider's own rounding
        probs = losses.softmax(logits / tau, axis=1)
        bins = calibration.reliability_bins(probs, labels, 15)
        filled = bins.counts > 0
        np.testing.assert_allclose(bar_heights(accuracy_bars), np.where(filled, bins.accuracy, 0.0))
        ece = calibration.expected_calibration_error(probs, labels)
        nll = float(torch.nn.functional.cross_entropy(torch.from_numpy(logits / tau),
                                                      torch.from_numpy(labels)))
        assert explorer.readout.value == (
            f"τ = {tau:.2f}: ECE {ece:.3f}, NLL {nll:.4f}, accuracy {accuracy:.3f} "
            "(the same at every τ > 0)"
        )
        assert markers[0].get_xdata()[0] == tau and markers[0].get_ydata()[0] == pytest.approx(ece)
        assert markers[1].get_ydata()[0] == pytest.approx(nll)
        assert ax_bins.get_title() == rf"softmax$(x/\tau)$, $\tau$ = {tau:.2f}"
        images.add(bytes(explorer.image.value))
    assert len(images) == 4
    # doubled logits are over-confident: at τ = 1 the red gap bars carry weight, at τ = 2 less
    explorer.controls["tau"].value = 1.0
    over_at_one = bar_heights(over_bars).sum()
    explorer.controls["tau"].value = 2.0
    assert bar_heights(over_bars).sum() < over_at_one


def test_explorer_marks_the_fitted_temperature_in_its_legend() -> None:
    explorer = make_explorer()
    legend = [text.get_text() for text in explorer.figure.axes[1].get_legend().get_texts()]
    assert legend == ["ECE", "NLL", r"$\tau^*$ = 2.00"]


# --- exercises -----------------------------------------------------------------------------


def solution_10_3() -> list[float]:
    logits, labels = lesson.SIX_LOGITS
    x, y = torch.from_numpy(logits), torch.from_numpy(labels)
    return [(torch.softmax(x / tau, dim=1).argmax(dim=1) == y).double().mean().item()
            for tau in (3, -1)]


#: One correct answer per check (tests/lessons/test_checkers.py uses them too).
SOLUTIONS = {
    "check_six_predictions_ece": (
        3 / 6 * abs(2 / 3 - 0.9) + 1 / 6 * abs(1 - 0.65) + 2 / 6 * abs(0.5 - 0.5)
    ),
    "check_four_samples_temperature": 2 / math.log(3),
    "check_accuracy_at_two_temperatures": solution_10_3(),
}


def test_exercise_10_1_solution_and_the_unweighted_mean() -> None:
    assert lesson.check_six_predictions_ece(SOLUTIONS["check_six_predictions_ece"]).correct
    assert lesson.check_six_predictions_ece(0.175).correct
    unweighted = (abs(2 / 3 - 0.9) + abs(1 - 0.65) + 0.0) / 3
    feedback = lesson.check_six_predictions_ece(unweighted)
    assert not feedback.correct and "plain mean" in feedback.message


@pytest.mark.parametrize("answer", [None, "abc", [0.175, 0.175], np.nan, 0.35, 0.2, -0.175])
def test_exercise_10_1_rejects_wrong_answers(answer) -> None:
    feedback = lesson.check_six_predictions_ece(answer)
    assert not feedback.correct
    assert str(feedback).startswith("✗ Exercise 10.1: not yet.")


def test_exercise_10_2_solution_is_two_over_log_three() -> None:
    assert lesson.check_four_samples_temperature(2 / np.log(3)).correct
    assert lesson.check_four_samples_temperature(1.8205).correct
    fitted = calibration.fit_temperature(*lesson.FOUR_SAMPLES)
    assert lesson.check_four_samples_temperature(fitted).correct
    logits, _ = lesson.FOUR_SAMPLES
    tau = 2 / math.log(3)
    q = losses.softmax(logits / tau, axis=1)
    np.testing.assert_allclose(q[:, 1], 0.75)  # the labels' share of class 1


@pytest.mark.parametrize(
    ("answer", "said"),
    [(math.log(3) / 2, "1/τ"), (2 / math.log2(3), "log base 2"), (1.0, "off by"),
     (None, "one number")],
)
def test_exercise_10_2_names_the_mistakes(answer, said) -> None:
    feedback = lesson.check_four_samples_temperature(answer)
    assert not feedback.correct and said in feedback.message
    assert str(feedback).startswith("✗ Exercise 10.2: not yet.")


def test_exercise_10_3_solution() -> None:
    assert SOLUTIONS["check_accuracy_at_two_temperatures"] == pytest.approx([0.5, 1 / 6])
    solution = SOLUTIONS["check_accuracy_at_two_temperatures"]
    assert lesson.check_accuracy_at_two_temperatures(solution).correct
    assert lesson.check_accuracy_at_two_temperatures(torch.tensor([0.5, 1 / 6])).correct
    assert lesson.check_accuracy_at_two_temperatures((0.5, 0.1667)).correct


@pytest.mark.parametrize(
    ("answer", "said"),
    [([0.5, 0.5], "reverses the order"), ([1 / 6, 0.5], "differ"), (0.5, "shape"),
     ([0.5, 1 / 6, 0.5], "shape"), (None, "Expected an array")],
)
def test_exercise_10_3_rejects_wrong_answers(answer, said) -> None:
    feedback = lesson.check_accuracy_at_two_temperatures(answer)
    assert not feedback.correct and said in feedback.message
    assert str(feedback).startswith("✗ Exercise 10.3: not yet.")
