"""Notebook 11 (cross-entropy at LLM scale): its explorer, benchmark figure and exercise checks."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from helpers.feedback import Feedback
from helpers.lessons import cross_entropy_at_scale as lesson
from helpers.scale import DEFAULT_CHUNK_SIZE

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "ce_memory_results.json"


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
        "T = 8,192 tokens × V = 128,256 × 4 bytes: logits 4.20 GB, with their gradient 8.41 GB; "
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
    assert f"T = {tokens:,} tokens × V = {vocabulary:,} × {width} bytes" in explorer.readout.value
    assert f"1/{tokens // chunk} of the logits" in explorer.readout.value


def test_a_chunk_as_large_as_the_batch_saves_nothing_and_the_readout_says_so() -> None:
    explorer = lesson.logits_memory_explorer()
    explorer.controls["tokens"].value = 512
    explorer.controls["chunk_size"].value = 4096
    assert explorer.readout.value.endswith(
        "one block of 512 tokens: 263 MB (c ≥ T: one block, no saving)"
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
    ordered = [naive, *sorted(results["chunked"], key=lambda r: (r["method"], r["chunk_size"]))]
    assert [p.get_height() for p in ax_memory.patches[: len(ordered)]] == [
        row["peak_above_baseline_mib"] for row in ordered
    ]
    assert [p.get_height() for p in ax_time.patches[: len(ordered)]] == [
        row["median_seconds"] for row in ordered
    ]


# --- exercise checks --------------------------------------------------------------------------


def merge_logsumexp(a, b):
    m = max(a, b)
    return m + math.log(math.exp(a - m) + math.exp(b - m))


def block_gradient(z, y, n):
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    counted = y != -100
    rows = np.arange(len(y))[counted]
    p[rows, y[counted]] -= 1.0
    p[~counted] = 0.0
    return p / n


def block_gradient_in_place(z, y, n):  # modifies its input: the check must hand it copies
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    counted = y != -100
    z[np.arange(len(y))[counted], y[counted]] -= 1.0
    z[~counted] = 0.0
    z /= n
    return z


def raises(*_args):
    raise NotImplementedError


#: One correct answer per check (tests/lessons/test_checkers.py uses them too).
SOLUTIONS = {
    "check_logits_gigabytes": 8192 * 128256 * 4 / 1e9,
    "check_merged_logsumexp": merge_logsumexp,
    "check_block_gradient": block_gradient,
}


def test_solutions_are_correct() -> None:
    for check, solution in SOLUTIONS.items():
        assert getattr(lesson, check)(solution).correct
    assert lesson.check_logits_gigabytes(4.2027).correct  # four significant digits
    assert lesson.check_merged_logsumexp(np.logaddexp).correct
    assert lesson.check_block_gradient(block_gradient_in_place).correct


def not_yet(feedback: Feedback) -> str:
    assert isinstance(feedback, Feedback) and not feedback.correct
    text = str(feedback)
    assert text.startswith("✗ Exercise 11.")
    return text


@pytest.mark.parametrize("answer", [None, "abc", [4.2, 4.2], 4.5, float("nan"), 8.405, object()])
def test_exercise_11_1_rejects_wrong_answers(answer) -> None:
    not_yet(lesson.check_logits_gigabytes(answer))


def test_exercise_11_1_names_the_unit_mistakes() -> None:
    assert "GiB" in not_yet(lesson.check_logits_gigabytes(8192 * 128256 * 4 / 2**30))
    assert "in bytes" in not_yet(lesson.check_logits_gigabytes(8192 * 128256 * 4))


@pytest.mark.parametrize(
    "answer",
    [
        None,
        "abc",
        3.0,
        raises,
        lambda a, b: math.log(math.exp(a) + math.exp(b)),  # overflows at 1000
        lambda a, b: np.log(np.exp(np.float64(a)) + np.exp(np.float64(b))),  # inf/-inf, warns
        lambda a, b: max(a, b),
        lambda a, b: a + b,
        lambda a, b: [merge_logsumexp(a, b)] * 2,  # wrong shape
    ],
)
def test_exercise_11_2_rejects_wrong_answers(answer) -> None:
    with np.errstate(all="ignore"):
        not_yet(lesson.check_merged_logsumexp(answer))


def unstable(z, y, n):
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    counted = y != -100
    p[np.arange(len(y))[counted], y[counted]] -= 1.0
    p[~counted] = 0.0
    return p / n


@pytest.mark.parametrize(
    "answer",
    [
        None,
        "abc",
        np.zeros((2, 3)),
        raises,
        lambda z, y, n: block_gradient(z, y, n) * n,  # the gradient of the sum
        lambda z, y, n: block_gradient(z, y, n)[:, :-1],  # wrong shape
        lambda z, y, n: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True) / n,  # no one-hot
        lambda z, y, n: block_gradient(z, np.where(y == -100, 0, y), n),  # ignored rows kept
        unstable,  # nan at logits of 1000
    ],
)
def test_exercise_11_3_rejects_wrong_answers(answer) -> None:
    with np.errstate(all="ignore"):
        not_yet(lesson.check_block_gradient(answer))


def test_exercise_11_3_says_when_a_block_is_divided_by_its_own_token_count() -> None:
    def per_block(z, y, n):
        return block_gradient(z, y, max(int((y != -100).sum()), 1))

    assert "block's own number of tokens" in not_yet(lesson.check_block_gradient(per_block))
