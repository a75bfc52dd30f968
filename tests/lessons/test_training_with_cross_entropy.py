"""Notebook 09 (training with cross-entropy): its figures, explorer and exercise checks."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from helpers import calibration, losses
from helpers.lessons import training_with_cross_entropy as lesson

RUNS = [(model, epsilon) for model in ("linear", "MLP") for epsilon in (0.0, 0.1)]
STEPS = np.arange(0, 201, 50)
EXTENT = (-3.0, 3.0, -3.0, 3.0)


def rgb255(color: str) -> list[int]:
    return [int(color[i : i + 2], 16) for i in (1, 3, 5)]


def smooth_grids(resolution: int = 41) -> dict[tuple[str, float], np.ndarray]:
    """Checkpoint grids like the notebook's: softmax of linear logits that sharpen with the step."""
    axis = np.linspace(EXTENT[0], EXTENT[1], resolution)
    plane = np.stack(np.meshgrid(axis, axis), axis=-1)
    directions = np.array([[0.0, 1.0], [-0.87, -0.5], [0.87, -0.5]])
    grids = {}
    for number, run in enumerate(RUNS):
        scales = (0.2 + STEPS / 50) / (1 + 2 * run[1]) + 0.1 * number
        grids[run] = np.stack([losses.softmax(s * plane @ directions.T, axis=-1) for s in scales])
    return grids


def make_explorer():
    rng = np.random.default_rng(0)
    grids = smooth_grids()
    ece = {run: np.linspace(0.2, 0.01 + 0.05 * n, STEPS.size) for n, run in enumerate(RUNS)}
    accuracy = {run: np.linspace(0.5, 0.8 + 0.01 * n, STEPS.size) for n, run in enumerate(RUNS)}
    points = rng.normal(size=(30, 2))
    labels = np.repeat(np.arange(3), 10)
    explorer = lesson.training_checkpoints_explorer(
        STEPS, grids, ece, accuracy, EXTENT, points, labels
    )
    return explorer, grids, ece, accuracy


# --- figures -------------------------------------------------------------------------------


def test_confidence_image_white_when_uniform_and_class_colour_when_certain() -> None:
    probabilities = np.array(
        [[[1 / 3, 1 / 3, 1 / 3], [1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]]
    )
    image = lesson.confidence_image(probabilities)
    assert image.shape == (2, 2, 4) and image.dtype == np.uint8
    np.testing.assert_array_equal(image[0, 0], [255, 255, 255, 255])
    for (i, j), k in (((0, 1), 0), ((1, 0), 1), ((1, 1), 2)):
        np.testing.assert_array_equal(image[i, j, :3], rgb255(lesson.CLASS_COLORS[k]))
    assert (image[..., 3] == 255).all()


def test_confidence_image_saturation_is_one_minus_normalized_entropy() -> None:
    p = losses.smooth_targets(np.array([0]), 3, 0.1)  # (0.9333, 0.0333, 0.0333)
    s = 1 - float(-np.sum(p * np.log(p))) / math.log(3)
    expected = 255 * (1 - s * (1 - np.array(rgb255(lesson.CLASS_COLORS[0])) / 255))
    np.testing.assert_allclose(lesson.confidence_image(p[None])[0, 0, :3], expected, atol=0.51)
    confident = lesson.confidence_image(np.array([[[0.999, 0.0005, 0.0005]]]))[0, 0, :3]
    smoothed = lesson.confidence_image(p[None])[0, 0, :3]
    assert np.all(confident.astype(int) <= smoothed.astype(int))  # closer to the full colour


def test_decision_regions_figure_one_panel_per_run() -> None:
    grids = smooth_grids()
    final = {lesson.run_label(*run): grids[run][-1] for run in RUNS}
    points = np.array([[0.0, 1.0], [1.0, -1.0], [-1.0, -1.0]])
    figure = lesson.decision_regions_figure(final, EXTENT, points, np.array([0, 1, 2]))
    assert len(figure.axes) == 4
    for ax, (title, grid) in zip(figure.axes, final.items(), strict=True):
        assert ax.get_title() == title
        (image,) = ax.images
        np.testing.assert_array_equal(image.get_array(), lesson.confidence_image(grid))
        assert sum(len(c.get_offsets()) for c in ax.collections) == 3
    assert lesson.run_label("MLP", 0.1) == r"MLP, $\varepsilon$ = 0.1"


def test_training_curves_figure() -> None:
    objectives = {run: np.linspace(1.0, 0.3, 201) for run in RUNS}
    test_loss = {run: np.linspace(1.0, 0.5, STEPS.size) for run in RUNS}
    figure = lesson.training_curves_figure(objectives, STEPS, test_loss, smoothed_floor=0.2911)
    left, right = figure.axes
    assert len(right.lines) == 4
    np.testing.assert_array_equal(right.lines[0].get_xdata(), STEPS)
    floor = [line for line in left.lines if line.get_linestyle() == ":"]
    assert floor and floor[0].get_ydata()[0] == pytest.approx(0.2911)
    assert any("0.291" in text.get_text() for text in left.texts)


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
        heights = [patch.get_height() for patch in ax.containers[0]]
        np.testing.assert_allclose(heights, bins.accuracy[bins.counts > 0])


def test_logit_gap_figure_marks_the_bound_and_counts_what_it_leaves_out() -> None:
    gaps = {
        ("linear", 0.0): np.array([1.0, 2.0, 3.0]),
        ("linear", 0.1): np.array([1.0, 2.0]),
        ("MLP", 0.0): np.array([1.0, 30.0, 90.0, -20.0]),
        ("MLP", 0.1): np.array([3.0, 3.3]),
    }
    bound = losses.optimal_gap(3, 0.1)
    figure = lesson.logit_gap_figure(gaps, bound)
    assert len(figure.axes) == 2
    for ax in figure.axes:
        assert any(line.get_xdata()[0] == pytest.approx(bound) for line in ax.lines)
    legend = [text.get_text() for text in figure.axes[1].get_legend().get_texts()]
    assert "(3 beyond the axis)" in legend[0]
    assert "beyond" not in legend[1]


def test_template_projection_figure_uses_the_mean_class_distance_as_unit() -> None:
    rng = np.random.default_rng(2)
    labels = np.repeat(np.arange(3), 50)
    centres = np.array([[0.0, 10.0], [-8.7, -5.0], [8.7, -5.0]])
    points = centres[labels] + rng.normal(size=(150, 2))
    templates = 2 * centres
    figure = lesson.template_projection_figure(
        {"a": points, "b": 3 * points}, labels, {"a": templates, "b": templates}
    )
    for ax in figure.axes:
        shown = np.concatenate([collection.get_offsets() for collection in ax.collections])
        shown_labels = np.concatenate(
            [np.full(len(c.get_offsets()), k) for k, c in enumerate(ax.collections)]
        )
        means = np.array([shown[shown_labels == k].mean(axis=0) for k in range(3)])
        distances = [np.linalg.norm(means[j] - means[k]) for j in range(3) for k in range(j)]
        assert np.mean(distances) == pytest.approx(1.0)
    assert figure.axes[0].get_xlim() == figure.axes[1].get_xlim()


# --- explorer ------------------------------------------------------------------------------


def test_explorer_swaps_images_and_moves_markers() -> None:
    explorer, grids, ece, accuracy = make_explorer()
    assert repr(explorer) == "Explorer: Training, checkpoint by checkpoint (model='MLP', step=200)"
    ax_hard, ax_smoothed, ax_ece = explorer.figure.axes
    markers = [line for line in ax_ece.lines if line.get_marker() == "o"]
    images, readouts = set(), set()
    for model in ("linear", "MLP"):
        explorer.controls["model"].value = model
        for index, step in enumerate(STEPS):
            explorer.controls["step"].value = int(step)
            for ax, marker, epsilon in zip(
                (ax_hard, ax_smoothed), markers, (0.0, 0.1), strict=True
            ):
                run = (model, epsilon)
                np.testing.assert_array_equal(
                    ax.images[0].get_array(), lesson.confidence_image(grids[run][index])
                )
                assert ax.get_title() == f"{lesson.run_label(model, epsilon)}, step {step}"
                assert marker.get_xdata()[0] == step
                assert marker.get_ydata()[0] == pytest.approx(ece[run][index])
                assert f"ECE {ece[run][index]:.3f}" in explorer.readout.value
                assert f"test accuracy {accuracy[run][index]:.3f}" in explorer.readout.value
            assert explorer.readout.value.startswith(f"{model}, step {step}: ε = 0: ")
            images.add(bytes(explorer.image.value))
            readouts.add(explorer.readout.value)
    assert len(images) == len(readouts) == 2 * STEPS.size  # every state drew its own picture


def test_explorer_image_changes_with_the_step() -> None:
    explorer, *_ = make_explorer()
    explorer.controls["step"].value = 0
    early = bytes(explorer.image.value)
    explorer.controls["step"].value = 200
    assert bytes(explorer.image.value) != early


def test_explorer_needs_the_same_two_epsilons_for_every_model() -> None:
    grids = smooth_grids()
    del grids[("MLP", 0.1)]
    ece = {run: np.zeros(STEPS.size) for run in grids}
    with pytest.raises(ValueError, match="same two values of ε"):
        lesson.training_checkpoints_explorer(
            STEPS, grids, ece, ece, EXTENT, np.zeros((1, 2)), np.zeros(1, dtype=int)
        )


# --- exercises -----------------------------------------------------------------------------


def solution_9_1() -> np.ndarray:
    logits, target, epsilon = lesson.SMOOTHED_GRADIENT_CASE
    n, k = logits.shape
    q = (1 - epsilon) * np.eye(k)[target] + epsilon / k
    return (losses.softmax(logits, axis=1) - q) / n


def test_exercise_9_1_solution_numpy_and_torch() -> None:
    torch = pytest.importorskip("torch")
    assert lesson.check_smoothed_gradient(solution_9_1()).correct
    assert lesson.check_smoothed_gradient(torch.tensor(solution_9_1())).correct
    logits = torch.tensor([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    labels = torch.tensor([1, 2])
    q = (1 - 0.2) * torch.nn.functional.one_hot(labels, 3) + 0.2 / 3
    assert lesson.check_smoothed_gradient((torch.softmax(logits, dim=1) - q) / 2).correct


def test_exercise_9_1_names_the_two_common_mistakes() -> None:
    logits, target, _ = lesson.SMOOTHED_GRADIENT_CASE
    hard = lesson.check_smoothed_gradient(losses.cross_entropy_grad(logits, target))
    assert not hard.correct and "hard targets" in hard.message
    summed = lesson.check_smoothed_gradient(2 * solution_9_1())
    assert not summed.correct and "sum" in summed.message


@pytest.mark.parametrize(
    "answer",
    [
        None,
        "abc",
        0.1,
        np.zeros((2, 3)),
        solution_9_1()[0],
        solution_9_1().T,
        np.full((2, 3), np.nan),
        solution_9_1() + 0.01,
        -solution_9_1(),
    ],
)
def test_exercise_9_1_rejects_wrong_answers(answer) -> None:
    feedback = lesson.check_smoothed_gradient(answer)
    assert not feedback.correct
    assert str(feedback).startswith("✗ Exercise 9.1: not yet.")


def test_exercise_9_2_solution() -> None:
    assert lesson.check_six_predictions_ece(SOLUTIONS["check_six_predictions_ece"]).correct
    assert lesson.check_six_predictions_ece(0.175).correct


def test_exercise_9_2_names_the_unweighted_mean() -> None:
    unweighted = (abs(2 / 3 - 0.9) + abs(1 - 0.65) + 0.0) / 3
    feedback = lesson.check_six_predictions_ece(unweighted)
    assert not feedback.correct and "plain mean" in feedback.message


@pytest.mark.parametrize("answer", [None, "abc", [0.175, 0.175], np.nan, 0.35, 0.2, -0.175])
def test_exercise_9_2_rejects_wrong_answers(answer) -> None:
    feedback = lesson.check_six_predictions_ece(answer)
    assert not feedback.correct
    assert str(feedback).startswith("✗ Exercise 9.2: not yet.")


def solution_9_3(probs, labels, n_bins):
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    edges = np.linspace(0, 1, n_bins + 1)
    total = 0.0
    for low, high in itertools.pairwise(edges):
        in_bin = (confidence > low) & (confidence <= high)
        if in_bin.any():
            total += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return total


def ceil_binning(probs, labels, n_bins):
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    index = np.clip(np.ceil(confidence * n_bins).astype(int) - 1, 0, n_bins - 1)
    return sum(
        np.mean(index == m) * abs(correct[index == m].mean() - confidence[index == m].mean())
        for m in range(n_bins)
        if np.any(index == m)
    )


#: One correct answer per check (tests/lessons/test_checkers.py uses them too).
SOLUTIONS = {
    "check_smoothed_gradient": solution_9_1(),
    "check_six_predictions_ece": (
        3 / 6 * abs(2 / 3 - 0.9) + 1 / 6 * abs(1 - 0.65) + 2 / 6 * abs(0.5 - 0.5)
    ),
    "check_ece_function": solution_9_3,
}


def test_exercise_9_3_accepts_the_solution_and_another_correct_binning() -> None:
    assert lesson.check_ece_function(solution_9_3).correct
    assert lesson.check_ece_function(ceil_binning).correct


def unweighted(probs, labels, n_bins):
    bins = calibration.reliability_bins(probs, labels, n_bins)
    filled = bins.counts > 0
    return float(np.mean(np.abs(bins.gaps[filled])))


def mean_probability_as_confidence(probs, labels, n_bins):
    confidence = probs.mean(axis=1)
    correct = probs.argmax(axis=1) == labels
    return abs(correct.mean() - confidence.mean())


def left_closed_without_last_edge(probs, labels, n_bins):
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    edges = np.linspace(0, 1, n_bins + 1)
    total = 0.0
    for low, high in itertools.pairwise(edges):
        in_bin = (confidence >= low) & (confidence < high)  # drops confidence exactly 1
        if in_bin.any():
            total += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return total


def raises(probs, labels, n_bins):
    raise ZeroDivisionError("oops")


@pytest.mark.parametrize(
    "function",
    [
        unweighted,
        mean_probability_as_confidence,
        left_closed_without_last_edge,
        raises,
        None,
        "abc",
        lambda probs, labels, n_bins: np.zeros(n_bins),
    ],
)
def test_exercise_9_3_rejects_wrong_functions_without_raising(function) -> None:
    feedback = lesson.check_ece_function(function)
    assert not feedback.correct
    assert str(feedback).startswith("✗ Exercise 9.3: not yet.")
