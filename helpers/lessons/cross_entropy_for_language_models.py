"""Figures, explorers and exercise checks of ``notebooks/11_cross_entropy_at_scale.ipynb``.

Lesson 11 · Cross-entropy at LLM scale: the loss that does not fit in memory.
"""

from __future__ import annotations

import math
from typing import Any

import ipywidgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from helpers import losses
from helpers.explorer import Explorer
from helpers.feedback import (
    Feedback,
    check_function,
    check_number,
)
from helpers.figures import COLORS, new_figure

#: Vocabulary sizes of well-known language models, marked on the memory figures.
VOCABULARIES = {"Llama 2": 32000, "GPT-2": 50257, "Llama 3": 128256, "Gemma 2": 256000}


def logits_memory_axes(ax: Axes, vocabulary: np.ndarray) -> tuple[Line2D, Line2D, Line2D, Line2D]:
    r"""Empty artists for the logits-memory explorer, over fixed log-log axes (GB vs :math:`V`):
    the naive logits :math:`T V b`, logits plus their gradient :math:`2 T V b`, the chunked
    version's one block :math:`c V b`, and the points at the current vocabulary size. The
    vocabularies of :data:`VOCABULARIES` and an 80 GB accelerator are marked."""
    placeholder = np.ones_like(vocabulary, dtype=np.float64)  # until update; 1: log axes
    (logits,) = ax.plot(vocabulary, placeholder, color=COLORS["model"], animated=True,
                        label=r"naive: logits $T \cdot V \cdot b$")
    (with_gradient,) = ax.plot(vocabulary, placeholder, "--", color=COLORS["model"],
                               animated=True,
                               label=r"naive: logits + gradient $2\,T \cdot V \cdot b$")
    (block,) = ax.plot(vocabulary, placeholder, color=COLORS["target"], animated=True,
                       label=r"chunked: one block $c \cdot V \cdot b$")
    (points,) = ax.plot([], [], "o", color=COLORS["neutral"], markersize=6, animated=True)
    ax.axhline(80, color=COLORS["reference"], linestyle=":", linewidth=1)
    ax.text(vocabulary[-1] / 1.15, 95, "80 GB: one large GPU", color=COLORS["reference"],
            fontsize=8, ha="right")
    for name, size in VOCABULARIES.items():
        ax.axvline(size, color=COLORS["neutral"], linewidth=0.6, alpha=0.5)
        ax.text(size * 1.04, 2e-4, name, rotation=90, fontsize=7, color=COLORS["neutral"],
                va="bottom")
    ax.set(xscale="log", yscale="log", xlim=(vocabulary[0], vocabulary[-1]), ylim=(1e-4, 1e4),
           xlabel="vocabulary size $V$", ylabel="memory [GB = $10^9$ bytes]")
    ax.legend(loc="upper left", fontsize=8)
    return logits, with_gradient, block, points


def chunked_benchmark_figure(results: dict) -> Figure:
    """The figures of ``benchmarks/ce_memory.py --json``: peak memory above the process baseline
    (left) and median forward + backward time (right) of the naive loss and of each chunked
    method per chunk size ``c``, each bar labelled with its value; the dotted lines mark 1/8 of
    the naive memory and the naive time (the goals), and the compared setting is outlined."""
    naive = results["naive"]
    chunked = sorted(results["chunked"], key=lambda row: (row["method"], row["chunk_size"]))
    rows = [naive, *chunked]
    kinds = {
        "naive": ("naive", COLORS["model"]),
        "chunked": ("chunked (gradient in forward)", COLORS["target"]),
        "chunked-recompute": ("chunked, recompute in backward", COLORS["reference"]),
    }
    names = ["naive"] + [f"c={row['chunk_size']}" for row in chunked]
    colors = [kinds[row["method"]][1] for row in rows]
    compared = (results["compared_method"], results["compared_chunk_size"])
    edges = [
        "black" if (row["method"], row["chunk_size"]) == compared else "none" for row in rows
    ]
    memory = [row["peak_above_baseline_mib"] for row in rows]
    seconds = [row["median_seconds"] for row in rows]
    figure, (ax_memory, ax_time) = new_figure(2, figsize=(9.0, 3.8))
    for ax, values, fmt in ((ax_memory, memory, "%.0f"), (ax_time, seconds, "%.2f")):
        bars = ax.bar(range(len(rows)), values, color=colors, edgecolor=edges, linewidth=1.5)
        ax.bar_label(bars, fmt=fmt, fontsize=7)
        ax.set_xticks(range(len(rows)), names, rotation=45, fontsize=7)
        ax.axhline(values[0] / 8 if ax is ax_memory else values[0],
                   color=COLORS["neutral"], linestyle=":", linewidth=1)
    ax_memory.set_ylabel("peak memory above baseline [MiB]")
    ax_memory.set_title("memory (dotted: 1/8 of naive)", fontsize=9)
    ax_time.set_ylabel("median time [s]")
    ax_time.set_title("forward + backward time (dotted: naive)", fontsize=9)
    handles = [Rectangle((0, 0), 1, 1, color=color) for _, color in kinds.values()]
    ax_memory.legend(handles, [label for label, _ in kinds.values()], fontsize=7, loc="upper right")
    config = results["config"]
    figure.suptitle(
        f"T = {config['tokens']}, H = {config['hidden']}, V = {config['vocab']}, "
        f"{config['dtype']}, {results['machine']['cores']} CPU cores", fontsize=9,
    )
    return figure


def _bytes_text(n_bytes: float) -> str:
    """Decimal units, as accelerator memory is quoted: 4.20 GB, 525 MB, 12.3 kB, 512 B."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= size:
            digits = "#.3g" if n_bytes < 100 * size else ",.0f"
            return f"{n_bytes / size:{digits}} {unit}"
    return f"{n_bytes:.0f} B"


def logits_memory_explorer() -> Explorer:
    r"""Memory of the logits :math:`Z = X W^\top` against the vocabulary size :math:`V`.

    Naive: the logits hold :math:`T \cdot V` numbers of :math:`b` bytes, and their gradient as
    many again (PyTorch's ``F.cross_entropy`` keeps about three such tensors at its peak).
    Chunked by blocks of :math:`c` tokens: one block of :math:`\min(c, T) \cdot V` numbers at a
    time. Sliders: tokens :math:`T`, vocabulary :math:`V`, bytes per number, chunk size
    :math:`c`; the curves are drawn for all :math:`V`, the points mark the chosen one.
    """
    grid = np.geomspace(1e3, 1e6, 200)

    def build(figure: Figure):
        ax = figure.subplots()
        logits, with_gradient, block, points = logits_memory_axes(ax, grid)

        def update(tokens: int, vocabulary: int, bytes_per_number: int, chunk_size: int) -> str:
            rows = min(chunk_size, tokens)
            logits.set_ydata(tokens * grid * bytes_per_number / 1e9)
            with_gradient.set_ydata(2 * tokens * grid * bytes_per_number / 1e9)
            block.set_ydata(rows * grid * bytes_per_number / 1e9)
            logits_bytes = tokens * vocabulary * bytes_per_number
            block_bytes = rows * vocabulary * bytes_per_number
            points.set_data(
                [vocabulary] * 3, [logits_bytes / 1e9, 2 * logits_bytes / 1e9, block_bytes / 1e9]
            )
            saving = "c ≥ T: one block, no saving"
            if rows < tokens:
                saving = f"1/{tokens / rows:g} of the logits"
            return (
                f"T = {tokens:,} tokens × V = {vocabulary:,} × {bytes_per_number} bytes: "
                f"logits {_bytes_text(logits_bytes)}, with their gradient "
                f"{_bytes_text(2 * logits_bytes)}; chunked, one block of {rows:,} tokens: "
                f"{_bytes_text(block_bytes)} ({saving})"
            )

        return update

    style = {"description_width": "initial"}
    controls = {
        "tokens": ipywidgets.SelectionSlider(
            options=[2**k for k in range(9, 18)], value=8192, description="tokens T", style=style
        ),
        "vocabulary": ipywidgets.SelectionSlider(
            options=[8192, 16384, 32000, 50257, 65536, 128256, 256000, 512000],
            value=128256, description="vocabulary V", style=style,
        ),
        "bytes_per_number": ipywidgets.Dropdown(
            options=[("float32 (4 bytes)", 4), ("bfloat16 (2 bytes)", 2)], value=4,
            description="dtype", style=style, layout={"width": "200px"},
        ),
        "chunk_size": ipywidgets.SelectionSlider(
            options=[2**k for k in range(6, 14)], value=1024, description="chunk c", style=style
        ),
    }
    return Explorer("Memory of the logits", controls, build, figsize=(7.6, 3.8))


def check_logits_gigabytes(answer: Any) -> Feedback:
    r"""Exercise 11.1: the memory, in GB (:math:`10^9` bytes), of float32 logits for
    :math:`T = 8192` tokens and Llama 3's vocabulary :math:`V = 128256`:
    :math:`T \cdot V \cdot 4 / 10^9`."""
    n_bytes = 8192 * 128256 * 4
    mistakes = [
        (n_bytes / 2**30, "{value:.6g} is the size in GiB (2^30 bytes).",
         "The exercise asks for GB = 10^9 bytes, as GPU memory is quoted."),
        (n_bytes, "{value:.6g} is the size in bytes.", "Divide by 10^9."),
    ]
    return check_number(
        "Exercise 11.1", answer, n_bytes / 1e9, mistakes=mistakes,
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

    def per_block(z: np.ndarray, y: np.ndarray, n: int) -> np.ndarray:
        return reference(z, y, max(int((y != -100).sum()), 1))

    return check_function(
        "Exercise 11.3", function, reference, cases,
        mistakes=[(per_block, "Your rows are divided by the block's own number of tokens.",
                   "Divide by n, the number of counted tokens in the whole batch: the mean is "
                   "over all tokens, and each block contributes its share.")],
        hint="softmax each row stably (subtract the row maximum), subtract 1 at column y, "
        "set the rows with y == -100 to 0, divide everything by n.",
    )
