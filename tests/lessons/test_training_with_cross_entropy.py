"""Notebook 09 (training with cross-entropy): its figures, explorer and exercise checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers import losses
from helpers.lessons import training_with_cross_entropy as lesson

RUNS = [("linear", 0.0), ("mlp", 0.0), ("mlp", 0.1)]
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
    """The explorer on made-up training histories (tests/lessons/test_explorers.py uses it)."""
    rng = np.random.default_rng(0)
    grids = smooth_grids()
    objectives = {run: np.linspace(1.1, 0.3 + 0.1 * n, STEPS[-1]) for n, run in enumerate(RUNS)}
    test_losses = {run: np.linspace(1.0, 0.4 + 0.05 * n, STEPS.size) for n, run in enumerate(RUNS)}
    points = rng.normal(size=(30, 2))
    labels = np.repeat(np.arange(3), 10)
    explorer = lesson.training_checkpoints_explorer(
        STEPS, grids, objectives, test_losses, EXTENT, points, labels
    )
    return explorer, grids, objectives, test_losses


# --- names and colours -----------------------------------------------------------------------


def test_run_names_and_colours() -> None:
    assert lesson.run_name("linear", 0.0) == "linear"
    assert lesson.run_name("mlp", 0.0) == "MLP"
    assert lesson.run_name("mlp", 0.1) == "MLP, ε = 0.1"
    assert lesson.run_name("mlp", 0.1, mathtext=True) == r"MLP, $\varepsilon$ = 0.1"
    assert len({lesson.run_color(run) for run in RUNS}) == 3


# --- figures -------------------------------------------------------------------------------


def test_confidence_image_white_when_uniform_and_class_colour_when_certain() -> None:
    probabilities = np.array(
        [[[1 / 3, 1 / 3, 1 / 3], [1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]]
    )
    image = lesson.confidence_image(probabilities)
    assert image.shape == (2, 2, 4) and image.dtype == np.uint8
    np.testing.assert_array_equal(image[0, 0], [255, 255, 255, 255])
    for (i, j), c in (((0, 1), 0), ((1, 0), 1), ((1, 1), 2)):
        np.testing.assert_array_equal(image[i, j, :3], rgb255(lesson.CLASS_COLORS[c]))
    assert (image[..., 3] == 255).all()


def test_confidence_image_saturation_is_one_minus_normalized_entropy() -> None:
    p = losses.smooth_targets(np.array([0]), 3, 0.1)  # (0.9333, 0.0333, 0.0333)
    s = 1 - float(-np.sum(p * np.log(p))) / math.log(3)
    expected = 255 * (1 - s * (1 - np.array(rgb255(lesson.CLASS_COLORS[0])) / 255))
    np.testing.assert_allclose(lesson.confidence_image(p[None])[0, 0, :3], expected, atol=0.51)
    confident = lesson.confidence_image(np.array([[[0.999, 0.0005, 0.0005]]]))[0, 0, :3]
    smoothed = lesson.confidence_image(p[None])[0, 0, :3]
    assert np.all(confident.astype(int) <= smoothed.astype(int))  # closer to the full colour


def test_decision_regions_figure_one_panel_per_entry() -> None:
    grids = smooth_grids()
    final = {lesson.run_name(*run, mathtext=True): grids[run][-1] for run in RUNS}
    points = np.array([[0.0, 1.0], [1.0, -1.0], [-1.0, -1.0]])
    figure = lesson.decision_regions_figure(final, EXTENT, points, np.array([0, 1, 2]))
    assert len(figure.axes) == 3
    for ax, (title, grid) in zip(figure.axes, final.items(), strict=True):
        assert ax.get_title() == title
        (image,) = ax.images
        np.testing.assert_array_equal(image.get_array(), lesson.confidence_image(grid))
        assert sum(len(c.get_offsets()) for c in ax.collections) == 3


def test_training_curves_figure_draws_every_run_and_the_bayes_line() -> None:
    objectives = {run: np.linspace(1.0, 0.3, 200) for run in RUNS}
    test_loss = {run: np.linspace(1.0, 0.5, STEPS.size) for run in RUNS}
    figure = lesson.training_curves_figure(objectives, STEPS, test_loss, best=0.4009)
    left, right = figure.axes
    assert len(left.lines) == 3
    np.testing.assert_array_equal(left.lines[0].get_xdata(), np.arange(200))
    labels = [line.get_label() for line in left.lines]
    assert labels == ["linear", "MLP", r"MLP, $\varepsilon$ = 0.1 (smoothed $p$)"]
    for line, run in zip(right.lines, RUNS, strict=False):
        np.testing.assert_array_equal(line.get_xdata(), STEPS)
        assert line.get_color() == lesson.run_color(run)
    best = [line for line in right.lines if line.get_linestyle() == ":"]
    assert best and best[0].get_ydata()[0] == pytest.approx(0.4009)
    without = lesson.training_curves_figure(objectives, STEPS, test_loss)
    assert len(without.axes[1].lines) == 3


def test_gradient_figure_one_panel_per_measure_log_for_the_gradient() -> None:
    measures = {
        run: {key: np.linspace(1.0, 2.0 + n, STEPS.size) for key in lesson.GRADIENT_MEASURES}
        for n, run in enumerate(RUNS)
    }
    figure = lesson.gradient_figure(STEPS, measures)
    assert len(figure.axes) == 3
    assert [ax.get_yscale() for ax in figure.axes] == ["log", "linear", "linear"]
    for ax, key in zip(figure.axes, lesson.GRADIENT_MEASURES, strict=True):
        assert len(ax.lines) == 3
        for line, run in zip(ax.lines, RUNS, strict=True):
            np.testing.assert_array_equal(line.get_ydata(), measures[run][key])


# --- explorer ------------------------------------------------------------------------------


def test_explorer_swaps_images_and_moves_markers() -> None:
    explorer, grids, objectives, test_losses = make_explorer()
    assert repr(explorer) == "Explorer: Training, checkpoint by checkpoint (step=200)"
    *region_axes, ax_curves = explorer.figure.axes
    assert len(region_axes) == 3
    markers = [line for line in ax_curves.lines if line.get_marker() == "o"]
    assert len(markers) == 3
    images, readouts = set(), set()
    for index, step in enumerate(STEPS):
        explorer.controls["step"].value = int(step)
        for ax, marker, run in zip(region_axes, markers, RUNS, strict=True):
            np.testing.assert_array_equal(
                ax.images[0].get_array(), lesson.confidence_image(grids[run][index])
            )
            objective = objectives[run][min(int(step), len(objectives[run]) - 1)]
            np.testing.assert_array_equal(marker.get_xdata(), [step, step])
            np.testing.assert_allclose(marker.get_ydata(), [objective, test_losses[run][index]])
            assert (f"{lesson.run_name(*run)}: objective {objective:.4f}, "
                    f"test {test_losses[run][index]:.4f}") in explorer.readout.value
        assert explorer.readout.value.startswith(f"step {step}: linear: ")
        images.add(bytes(explorer.image.value))
        readouts.add(explorer.readout.value)
    assert len(images) == len(readouts) == STEPS.size  # every step drew its own picture


def test_explorer_needs_one_grid_and_loss_per_checkpoint_and_enough_steps() -> None:
    _, grids, objectives, test_losses = make_explorer()
    short = {run: values[:-1] for run, values in test_losses.items()}
    with pytest.raises(ValueError, match="one grid and one test loss per checkpoint"):
        lesson.training_checkpoints_explorer(
            STEPS, grids, objectives, short, EXTENT, np.zeros((1, 2)), np.zeros(1, dtype=int)
        )
    brief = {run: values[:10] for run, values in objectives.items()}
    with pytest.raises(ValueError, match="at least 200 steps"):
        lesson.training_checkpoints_explorer(
            STEPS, grids, brief, test_losses, EXTENT, np.zeros((1, 2)), np.zeros(1, dtype=int)
        )


# --- exercises -----------------------------------------------------------------------------


def solution_9_1() -> np.ndarray:
    logits, target, epsilon = lesson.SMOOTHED_GRADIENT_CASE
    n, c = logits.shape
    p = (1 - epsilon) * np.eye(c)[target] + epsilon / c
    return (losses.softmax(logits, axis=1) - p) / n


def test_exercise_9_1_solution_numpy_and_torch() -> None:
    assert lesson.check_smoothed_gradient(solution_9_1()).correct
    assert lesson.check_smoothed_gradient(torch.tensor(solution_9_1())).correct
    x = torch.tensor([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    y = torch.tensor([1, 2])
    p = (1 - 0.2) * F.one_hot(y, 3) + 0.2 / 3
    assert lesson.check_smoothed_gradient((torch.softmax(x, dim=1) - p) / 2).correct
    autograd = x.clone().requires_grad_(True)
    F.cross_entropy(autograd, y, label_smoothing=0.2).backward()
    assert lesson.check_smoothed_gradient(autograd.grad).correct


def test_exercise_9_1_names_the_common_mistakes() -> None:
    logits, target, _ = lesson.SMOOTHED_GRADIENT_CASE
    hard = lesson.check_smoothed_gradient(losses.cross_entropy_grad(logits, target))
    assert not hard.correct and "one-hot targets" in hard.message
    summed = lesson.check_smoothed_gradient(2 * solution_9_1())
    assert not summed.correct and "sum" in summed.message
    flipped = lesson.check_smoothed_gradient(-solution_9_1())
    assert not flipped.correct and "sign" in flipped.message


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
    ],
)
def test_exercise_9_1_rejects_wrong_answers(answer) -> None:
    feedback = lesson.check_smoothed_gradient(answer)
    assert not feedback.correct
    assert str(feedback).startswith("✗ Exercise 9.1: not yet.")


def solution_9_2() -> torch.Tensor:
    """The notebook's solution, in torch (float64)."""
    weight = torch.tensor([[0.5, -1.0], [1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    bias = torch.zeros(3, dtype=torch.float64)
    points = torch.tensor([[1.0, 2.0], [-1.0, 0.5], [0.0, -1.0]], dtype=torch.float64)
    labels = torch.tensor([2, 0, 1])
    error = torch.softmax(points @ weight.T + bias, dim=1) - F.one_hot(labels, 3)
    return weight - 0.5 * error.T @ points / len(labels)


def test_exercise_9_2_matches_the_case_and_autograd() -> None:
    weight, bias, points, labels, rate = lesson.GRADIENT_STEP_CASE
    w = torch.tensor(weight, requires_grad=True)
    logits = torch.tensor(points) @ w.T + torch.tensor(bias)
    F.cross_entropy(logits, torch.tensor(labels)).backward()
    by_autograd = weight - rate * w.grad.numpy()
    np.testing.assert_allclose(solution_9_2().numpy(), by_autograd, rtol=1e-12)
    assert lesson.check_gradient_step(solution_9_2()).correct
    assert lesson.check_gradient_step(by_autograd).correct
    assert lesson.check_gradient_step(by_autograd.round(4).tolist()).correct


def test_exercise_9_2_names_the_common_mistakes() -> None:
    weight, *_ = lesson.GRADIENT_STEP_CASE
    step = solution_9_2().numpy() - weight  # −η · gradient
    for answer, words in (
        (weight - step, "uphill"),
        (weight + 3 * step, "sum"),
        (weight + 3 * step, "N = 3"),
        (weight + step / 0.5, "learning rate"),
    ):
        feedback = lesson.check_gradient_step(answer)
        assert not feedback.correct and words in feedback.message


@pytest.mark.parametrize(
    "answer", [None, "abc", 0.5, np.zeros((3, 2)), np.zeros((2, 3)), np.full((3, 2), np.inf)]
)
def test_exercise_9_2_rejects_wrong_answers(answer) -> None:
    feedback = lesson.check_gradient_step(answer)
    assert not feedback.correct
    assert str(feedback).startswith("✗ Exercise 9.2: not yet.")


def test_exercise_9_3_the_mean_gradient_vanishes_where_no_sample_gradient_does() -> None:
    answer = SOLUTIONS["check_cancelling_pulls"]
    assert lesson.check_cancelling_pulls(answer).correct
    assert lesson.check_cancelling_pulls(torch.tensor([0.5, 0.25, 0.25])).correct
    labels = torch.from_numpy(lesson.SHARED_INPUT_LABELS)
    x = torch.log(torch.tensor(answer)).expand(4, 3).clone().requires_grad_(True)
    F.cross_entropy(x, labels).backward()
    torch.testing.assert_close(x.grad.sum(dim=0), torch.zeros(3, dtype=torch.float64))
    assert (x.grad.abs().sum(dim=1) > 0.2).all()  # each sample still pulls


@pytest.mark.parametrize(
    "answer, words",
    [(np.array([1.0, 0.0, 0.0]), "class 0 alone"), (np.full(3, 1 / 3), "pull harder")],
)
def test_exercise_9_3_names_the_common_mistakes(answer, words) -> None:
    feedback = lesson.check_cancelling_pulls(answer)
    assert not feedback.correct and words in feedback.message


@pytest.mark.parametrize("answer", [None, "abc", 0.5, [0.5, 0.5], [0.25, 0.5, 0.25]])
def test_exercise_9_3_rejects_wrong_answers(answer) -> None:
    feedback = lesson.check_cancelling_pulls(answer)
    assert not feedback.correct
    assert str(feedback).startswith("✗ Exercise 9.3: not yet.")


#: One correct answer per check (tests/lessons/test_checkers.py uses them too).
SOLUTIONS = {
    "check_smoothed_gradient": solution_9_1(),
    "check_gradient_step": solution_9_2().numpy(),
    "check_cancelling_pulls": np.bincount([0, 0, 1, 2], minlength=3) / 4,
}
