"""Notebook 13 (cross-entropy for language models): its text, figures, explorer and exercise
checks."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from helpers.feedback import Feedback
from helpers.lessons import cross_entropy_for_language_models as lesson
from helpers.scale import DEFAULT_CHUNK_SIZE

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "ce_memory_results.json"


# --- the text and the bigram figure -----------------------------------------------------------


def test_the_text_is_a_few_thousand_lower_case_characters_with_single_spaces() -> None:
    text = lesson.load_text()
    assert 5000 <= len(text) <= 6000
    assert text == text.lower() == text.strip()
    assert "  " not in text and "\n" not in text
    alphabet = sorted(set(text))
    assert alphabet[0] == " " and set("etaoinshr") <= set(alphabet) and len(alphabet) == 30


def test_the_bigram_figure_draws_the_losses_their_two_levels_and_the_table() -> None:
    alphabet = "ab c"
    rng = np.random.default_rng(0)
    table = rng.dirichlet(np.ones(4), size=4)
    losses = np.linspace(math.log(4), 1.0, 50)
    figure = lesson.bigram_figure(losses, 1.0, table, alphabet)
    ax_loss, ax_table = figure.axes[:2]
    curve, minimum, uniform = ax_loss.lines
    np.testing.assert_allclose(curve.get_ydata(), losses)
    np.testing.assert_allclose(curve.get_xdata(), np.arange(1, 51))
    assert minimum.get_ydata()[0] == 1.0 and uniform.get_ydata()[0] == pytest.approx(math.log(4))
    # the curve is the smoothed objective (pseudo-counts included), not the training-text loss
    assert ax_loss.get_ylabel().startswith("objective") and "pseudo-counts" in ax_loss.get_title()
    (image,) = ax_table.images
    np.testing.assert_allclose(image.get_array(), table)
    assert [label.get_text() for label in ax_table.get_xticklabels()] == ["a", "b", "_", "c"]


# --- explorer ---------------------------------------------------------------------------------


def explorer_lines(explorer):
    (ax,) = explorer.figure.axes
    logits, with_gradient, block, points = ax.lines[:4]
    return logits, with_gradient, block, points


def test_explorer_starts_at_llama_3_and_shows_4_20_gb_of_float32_logits() -> None:
    explorer = lesson.logits_memory_explorer()
    assert repr(explorer) == (
        "Explorer: Memory of the logits "
        "(tokens=8192, vocabulary=128256, bytes_per_number=4, chunk_size=1024)"
    )
    assert explorer.readout.value == (
        "NT = 8,192 tokens × C = 128,256 × 4 bytes: logits 4.20 GB, with their gradient 8.41 GB; "
        "chunked, one block of 1,024 tokens: 525 MB (1/8 of the logits)"
    )
    logits, with_gradient, block, points = explorer_lines(explorer)
    grid = logits.get_xdata()
    np.testing.assert_allclose(logits.get_ydata(), 8192 * grid * 4 / 1e9)
    np.testing.assert_allclose(with_gradient.get_ydata(), 2 * 8192 * grid * 4 / 1e9)
    np.testing.assert_allclose(block.get_ydata(), 1024 * grid * 4 / 1e9)
    np.testing.assert_allclose(points.get_xdata(), [128256] * 3)
    np.testing.assert_allclose(
        points.get_ydata(), np.array([1, 2, 1 / 8]) * 8192 * 128256 * 4 / 1e9
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [("tokens", 131072), ("vocabulary", 256000), ("bytes_per_number", 2), ("chunk_size", 64)],
)
def test_every_control_moves_the_points_and_the_readout_by_the_formula(name, value) -> None:
    explorer = lesson.logits_memory_explorer()
    before_image, before_readout = explorer.image.value, explorer.readout.value
    explorer.controls[name].value = value
    assert explorer.image.value != before_image
    assert explorer.readout.value != before_readout
    settings = explorer.values()
    tokens, vocabulary = settings["tokens"], settings["vocabulary"]
    width, chunk = settings["bytes_per_number"], settings["chunk_size"]
    logits_bytes = tokens * vocabulary * width
    _, _, block, points = explorer_lines(explorer)
    np.testing.assert_allclose(points.get_xdata(), [vocabulary] * 3)
    np.testing.assert_allclose(
        points.get_ydata(),
        [logits_bytes / 1e9, 2 * logits_bytes / 1e9, min(chunk, tokens) * vocabulary * width / 1e9],
    )
    rows = min(chunk, tokens)
    np.testing.assert_allclose(block.get_ydata(), rows * block.get_xdata() * width / 1e9)
    assert f"NT = {tokens:,} tokens × C = {vocabulary:,} × {width} bytes" in explorer.readout.value
    assert f"1/{tokens // chunk} of the logits" in explorer.readout.value


def test_a_chunk_as_large_as_the_batch_saves_nothing_and_the_readout_says_so() -> None:
    explorer = lesson.logits_memory_explorer()
    explorer.controls["tokens"].value = 512
    explorer.controls["chunk_size"].value = 4096
    assert explorer.readout.value.endswith(
        "one block of 512 tokens: 263 MB (c ≥ NT: one block, no saving)"
    )
    logits, _, block, _ = explorer_lines(explorer)
    np.testing.assert_allclose(block.get_ydata(), logits.get_ydata())


def test_byte_sizes_are_printed_in_decimal_units_with_three_digits() -> None:
    text = lesson._bytes_text
    assert [text(x) for x in (512, 12_345, 525e6, 4.2e9, 134e9, 1.5e12)] == [
        "512 B",
        "12.3 kB",
        "525 MB",
        "4.20 GB",
        "134 GB",
        "1,500 GB",
    ]


# --- benchmark figure and results file --------------------------------------------------------


def test_the_committed_benchmark_results_meet_the_goals_and_the_figure_shows_them() -> None:
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    config = results["config"]
    assert (config["tokens"], config["hidden"], config["vocab"]) == (4096, 256, 32768)
    assert (config["dtype"], config["seed"], config["threads"]) == ("float32", 0, 2)
    naive = results["naive"]
    compared = next(
        row
        for row in results["chunked"]
        if (row["method"], row["chunk_size"])
        == (results["compared_method"], results["compared_chunk_size"])
    )
    # the compared setting is the default of helpers.scale.chunked_cross_entropy
    assert (compared["method"], compared["chunk_size"]) == ("chunked", DEFAULT_CHUNK_SIZE)
    assert results["memory_ratio"] == pytest.approx(
        compared["peak_above_baseline_mib"] / naive["peak_above_baseline_mib"], abs=1e-4
    )
    assert results["time_ratio"] == pytest.approx(
        compared["median_seconds"] / naive["median_seconds"], abs=1e-4
    )
    assert results["memory_ratio"] <= 1 / 8
    assert results["time_ratio"] <= 1.0
    assert "/" not in results["machine"]["cpu"] and "benchmarks/ce_memory.py" in results["command"]

    figure = lesson.chunked_benchmark_figure(results)
    ax_memory, ax_time = figure.axes
    assert "d = 256, C = 32768" in figure.get_suptitle()  # d the hidden size, as in the notebook
    ordered = [naive, *sorted(results["chunked"], key=lambda r: (r["method"], r["chunk_size"]))]
    assert [p.get_height() for p in ax_memory.patches[: len(ordered)]] == [
        row["peak_above_baseline_mib"] for row in ordered
    ]
    assert [p.get_height() for p in ax_time.patches[: len(ordered)]] == [
        row["median_seconds"] for row in ordered
    ]


# --- exercise checks --------------------------------------------------------------------------


def mean_loss(token_losses, target):
    counted = target != -100
    return token_losses[counted].sum() / counted.sum()


def mean_loss_in_place(token_losses, target):  # writes into its input: the check hands it copies
    token_losses[target == -100] = 0.0
    token_losses /= (target != -100).sum()
    return token_losses.sum()


def raises(*_args):
    raise NotImplementedError


#: One correct answer per check (tests/lessons/test_checkers.py uses them too).
SOLUTIONS = {
    "check_bits_per_character": 2500 * 2.5 / math.log(2) / 10_000,
    "check_token_mean": mean_loss,
    "check_logits_gigabytes": 8 * 4096 * 256000 * 2 / 1e9,
}


def test_solutions_are_correct() -> None:
    for check, solution in SOLUTIONS.items():
        assert getattr(lesson, check)(solution).correct
    assert lesson.check_bits_per_character(0.9017).correct  # four significant digits
    assert lesson.check_token_mean(mean_loss_in_place).correct
    assert lesson.check_logits_gigabytes(16.78).correct


def not_yet(feedback: Feedback) -> str:
    assert isinstance(feedback, Feedback) and not feedback.correct
    text = str(feedback)
    assert text.startswith("✗ Exercise 13.")
    return text


@pytest.mark.parametrize("answer", [None, "abc", [0.9, 0.9], 0.95, float("nan"), 3.6067, object()])
def test_exercise_13_1_rejects_wrong_answers(answer) -> None:
    not_yet(lesson.check_bits_per_character(answer))


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (2.5 / math.log(2), "bits per token"),
        (2.5 * 2500 / 10_000, "nats per character"),
        (2.5 * 2500 / 10_000 / math.log(10), "bans"),
        (2.5 / math.log(2) * 4, "characters per token"),
    ],
)
def test_exercise_13_1_names_the_known_mistakes(answer, said) -> None:
    assert said in not_yet(lesson.check_bits_per_character(answer))


@pytest.mark.parametrize(
    "answer",
    [
        None,
        "abc",
        2.0,
        raises,
        lambda losses, target: losses.sum(),  # the sum
        lambda losses, target: [mean_loss(losses, target)] * 2,  # wrong shape
        lambda losses, target: losses.max(),
    ],
)
def test_exercise_13_2_rejects_wrong_answers(answer) -> None:
    not_yet(lesson.check_token_mean(answer))


def test_exercise_13_2_names_the_per_sequence_mean_and_the_counted_padding() -> None:
    def per_sequence(losses, target):
        counted = target != -100
        return np.mean((losses * counted).sum(axis=1) / counted.sum(axis=1))

    assert "each sequence" in not_yet(lesson.check_token_mean(per_sequence))
    counts_padding = lesson.check_token_mean(lambda losses, target: losses.mean())
    assert "padding counts" in not_yet(counts_padding)


@pytest.mark.parametrize("answer", [None, "abc", [16.8, 16.8], 16.0, float("nan"), object()])
def test_exercise_13_3_rejects_wrong_answers(answer) -> None:
    not_yet(lesson.check_logits_gigabytes(answer))


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (8 * 4096 * 256000 * 2 / 2**30, "GiB"),
        (8 * 4096 * 256000 * 2, "in bytes"),
        (8 * 4096 * 256000 * 4 / 1e9, "float32"),
        (4096 * 256000 * 2 / 1e9, "one sequence"),
    ],
)
def test_exercise_13_3_names_the_known_mistakes(answer, said) -> None:
    assert said in not_yet(lesson.check_logits_gigabytes(answer))
