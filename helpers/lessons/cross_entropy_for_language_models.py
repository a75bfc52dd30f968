"""Figures, explorers and exercise checks of
``notebooks/13_cross_entropy_for_language_models.ipynb``.

Lesson 13 · Cross-entropy for language models: what the loss of a language model measures
(nats, perplexity, bits per character, the mean over tokens), a character-level bigram model,
and what the logits cost at scale.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import ipywidgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from helpers.explorer import Explorer
from helpers.feedback import Feedback, check_function, check_number
from helpers.figures import COLORS, new_figure

#: The lesson's text: an English essay written for this series, about 5,500 characters.
TEXT_FILE = Path(__file__).with_name("lighthouse_keeper.txt")


def load_text() -> str:
    """The lesson's text, lower-cased, every run of white space (line breaks too) one space."""
    return re.sub(r"\s+", " ", TEXT_FILE.read_text(encoding="utf-8").lower()).strip()


def _shown(character: str) -> str:
    """A character as a tick label: the space as ``_``."""
    return "_" if character == " " else character


def bigram_figure(
    losses: np.ndarray, minimum: float, probabilities: np.ndarray, alphabet: str
) -> Figure:
    r"""Left: the objective of the bigram table per step of gradient descent (the
    cross-entropy of the training pairs plus :math:`\alpha` times that of every pair, the
    pseudo-counts), from the uniform model's :math:`\ln C` down to ``minimum``, the objective of
    the count-based estimate. Right: the learned table
    :math:`q(\text{next} \mid \text{current})`, one row per current character (the space shown
    as ``_``)."""
    losses = np.asarray(losses, dtype=np.float64)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    size = len(alphabet)
    figure, (ax_loss, ax_table) = new_figure(2, figsize=(10.0, 4.4))
    ax_loss.plot(np.arange(1, losses.size + 1), losses, color=COLORS["model"],
                 label="gradient descent on the logits")
    ax_loss.axhline(minimum, color=COLORS["target"], linestyle="--",
                    label="count-based estimate")
    ax_loss.axhline(math.log(size), color=COLORS["reference"], linestyle=":",
                    label=rf"uniform: $\ln C$, $C = {size}$")
    ax_loss.set(xscale="log", xlabel="step", ylabel="objective [nats per pair]",
                title=r"objective: training pairs + $\alpha\cdot$pseudo-counts")
    ax_loss.legend(fontsize=8)
    image = ax_table.imshow(probabilities, cmap="Greys", vmin=0, vmax=1)
    ax_table.grid(False)
    ticks = np.arange(size)
    labels = [_shown(character) for character in alphabet]
    ax_table.set_xticks(ticks, labels, fontsize=7)
    ax_table.set_yticks(ticks, labels, fontsize=7)
    ax_table.set(xlabel="next character", ylabel="current character",
                 title=r"$q(\mathrm{next} \mid \mathrm{current})$")
    figure.colorbar(image, ax=ax_table, shrink=0.8, label="probability")
    return figure


#: Vocabulary sizes of well-known language models, marked on the memory figures.
VOCABULARIES = {"Llama 2": 32000, "GPT-2": 50257, "Llama 3": 128256, "Gemma 2": 256000}


def logits_memory_axes(ax: Axes, vocabulary: np.ndarray) -> tuple[Line2D, Line2D, Line2D, Line2D]:
    r"""Empty artists for the logits-memory explorer, over fixed log-log axes (GB vs :math:`C`):
    the naive logits :math:`NT \cdot C \cdot b` (:math:`NT` tokens, :math:`b` bytes per number),
    logits plus their gradient, the chunked version's one block :math:`c \cdot C \cdot b`, and the
    points at the current vocabulary size. The
    vocabularies of :data:`VOCABULARIES` and an 80 GB accelerator are marked."""
    placeholder = np.ones_like(vocabulary, dtype=np.float64)  # until update; 1: log axes
    (logits,) = ax.plot(vocabulary, placeholder, color=COLORS["model"], animated=True,
                        label=r"naive: logits $NT \cdot C \cdot b$")
    (with_gradient,) = ax.plot(vocabulary, placeholder, "--", color=COLORS["model"],
                               animated=True,
                               label=r"naive: logits + gradient $2\,NT \cdot C \cdot b$")
    (block,) = ax.plot(vocabulary, placeholder, color=COLORS["target"], animated=True,
                       label=r"chunked: one block $c \cdot C \cdot b$")
    (points,) = ax.plot([], [], "o", color=COLORS["neutral"], markersize=6, animated=True)
    ax.axhline(80, color=COLORS["reference"], linestyle=":", linewidth=1)
    ax.text(vocabulary[-1] / 1.15, 95, "80 GB: one large GPU", color=COLORS["reference"],
            fontsize=8, ha="right")
    for name, size in VOCABULARIES.items():
        ax.axvline(size, color=COLORS["neutral"], linewidth=0.6, alpha=0.5)
        ax.text(size * 1.04, 2e-4, name, rotation=90, fontsize=7, color=COLORS["neutral"],
                va="bottom")
    ax.set(xscale="log", yscale="log", xlim=(vocabulary[0], vocabulary[-1]), ylim=(1e-4, 1e4),
           xlabel="vocabulary size $C$", ylabel="memory [GB = $10^9$ bytes]")
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
        f"{config['tokens']} tokens, d = {config['hidden']}, C = {config['vocab']}, "
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
    r"""Memory of the logits :math:`x = h W_{\mathrm{out}}^\top` against the vocabulary size
    :math:`C`.

    Naive: the logits of :math:`NT` tokens hold :math:`NT \cdot C` numbers of :math:`b` bytes,
    and their gradient as many again (PyTorch's ``F.cross_entropy`` keeps about three such
    tensors at its peak). Chunked by blocks of :math:`c` tokens: one block of
    :math:`\min(c, NT) \cdot C` numbers at a time. Sliders: tokens :math:`NT`, vocabulary
    :math:`C`, bytes per number, chunk size :math:`c`; the curves are drawn for all :math:`C`,
    the points mark the chosen one.
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
            saving = "c ≥ NT: one block, no saving"
            if rows < tokens:
                saving = f"1/{tokens / rows:g} of the logits"
            return (
                f"NT = {tokens:,} tokens × C = {vocabulary:,} × {bytes_per_number} bytes: "
                f"logits {_bytes_text(logits_bytes)}, with their gradient "
                f"{_bytes_text(2 * logits_bytes)}; chunked, one block of {rows:,} tokens: "
                f"{_bytes_text(block_bytes)} ({saving})"
            )

        return update

    style = {"description_width": "initial"}
    controls = {
        "tokens": ipywidgets.SelectionSlider(
            options=[2**k for k in range(9, 18)], value=8192, description="tokens NT", style=style
        ),
        "vocabulary": ipywidgets.SelectionSlider(
            options=[8192, 16384, 32000, 50257, 65536, 128256, 256000, 512000],
            value=128256, description="vocabulary C", style=style,
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


#: Exercise 13.1: a model's mean loss per token (nats), and its validation text's tokens and
#: characters.
LOSS_PER_TOKEN, TOKENS, CHARACTERS = 2.5, 2_500, 10_000


def check_bits_per_character(answer: Any) -> Feedback:
    r"""Exercise 13.1: bits per character of a model whose mean loss is
    :data:`LOSS_PER_TOKEN` nats per token on a text of :data:`CHARACTERS` characters cut into
    :data:`TOKENS` tokens: total bits :math:`=` tokens · loss / ln 2, divided by the characters."""
    total_nats = LOSS_PER_TOKEN * TOKENS
    mistakes = [
        (LOSS_PER_TOKEN / math.log(2), "{value:.4g} is the bits per token.",
         "Spread the total bits over the characters: multiply by the tokens, divide by the "
         "characters."),
        (total_nats / CHARACTERS, "{value:.4g} is in nats per character.",
         "A bit is ln 2 nats: divide by ln 2 to change the unit."),
        (total_nats / CHARACTERS / math.log(10), "{value:.4g} is in bans (base 10).",
         "Bits are base 2: divide nats by ln 2, not ln 10."),
        (LOSS_PER_TOKEN / math.log(2) * CHARACTERS / TOKENS,
         "{value:.4g}: you multiplied by characters per token.",
         "Bits per character = total bits / characters, and total bits = tokens × bits per "
         "token."),
    ]
    return check_number(
        "Exercise 13.1", answer, total_nats / math.log(2) / CHARACTERS, mistakes=mistakes,
        hint="total nats = tokens × loss per token; bits = nats / ln 2; then divide by the "
        "number of characters.",
    )


def _token_mean(token_losses: np.ndarray, target: np.ndarray) -> float:
    counted = target != -100
    return float(token_losses[counted].sum() / counted.sum())


def _sequence_mean(token_losses: np.ndarray, target: np.ndarray) -> float:
    counted = target != -100
    return float(np.mean(np.sum(token_losses * counted, axis=1) / np.sum(counted, axis=1)))


def check_token_mean(function: Any) -> Feedback:
    r"""Exercise 13.2: ``function(token_losses, target)`` returns what ``F.cross_entropy`` with
    ``reduction='mean'`` returns for a batch of sequences: ``token_losses`` are the ``(N, T)``
    losses of ``reduction='none'`` (0 where ignored), ``target`` the ``(N, T)`` targets with
    ``-100`` at the padding; the mean is over the tokens that are not ignored."""
    rng = np.random.default_rng(13)

    def batch(lengths: list[int], width: int) -> tuple[np.ndarray, np.ndarray]:
        target = np.full((len(lengths), width), -100)
        for row, length in enumerate(lengths):
            target[row, :length] = rng.integers(0, 30, length)
        token_losses = np.where(target != -100, rng.uniform(0.5, 4.0, target.shape), 0.0)
        return token_losses, target

    cases = [batch([3, 3], 3), batch([2, 5], 5), batch([1, 4, 6], 8), batch([7], 9)]
    return check_function(
        "Exercise 13.2", function, _token_mean, cases,
        mistakes=[
            (_sequence_mean, "You averaged each sequence, then the sequences.",
             "The mean is over tokens: every counted token weighs the same, whatever the "
             "length of its sequence. Sum all the losses, divide by the number of counted "
             "tokens."),
            (lambda losses, target: float(np.mean(losses)), "You divided by N·T: the padding "
             "counts in your mean.", "Divide by the number of targets that are not -100."),
        ],
        hint="counted = target != -100; sum token_losses over the counted tokens and divide "
        "by counted.sum().",
    )


#: Exercise 13.3: a batch of N sequences of T tokens, vocabulary C, bytes per bfloat16 number.
BATCH, POSITIONS, VOCABULARY, BFLOAT16_BYTES = 8, 4096, 256_000, 2


def check_logits_gigabytes(answer: Any) -> Feedback:
    r"""Exercise 13.3: the memory, in GB (:math:`10^9` bytes), of the bfloat16 logits of
    :data:`BATCH` sequences of :data:`POSITIONS` tokens over Gemma 2's :data:`VOCABULARY`
    entries: :math:`N \cdot T \cdot C \cdot 2 / 10^9`."""
    n_bytes = BATCH * POSITIONS * VOCABULARY * BFLOAT16_BYTES
    mistakes = [
        (n_bytes / 2**30, "{value:.6g} is the size in GiB (2^30 bytes).",
         "The exercise asks for GB = 10^9 bytes, as accelerator memory is quoted."),
        (n_bytes, "{value:.6g} is the size in bytes.", "Divide by 10^9."),
        (2 * n_bytes / 1e9, "{value:.6g} GB is the size in float32 (4 bytes per number).",
         "bfloat16 takes 2 bytes per number."),
        (n_bytes / BATCH / 1e9, "{value:.6g} GB is one sequence's logits.",
         "The batch holds N = 8 sequences: N·T tokens in all."),
    ]
    return check_number(
        "Exercise 13.3", answer, n_bytes / 1e9, mistakes=mistakes,
        hint="N × T tokens × C logits each × 2 bytes per bfloat16 number, divided by 10^9.",
    )
