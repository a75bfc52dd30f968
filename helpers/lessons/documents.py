r"""Computations and the figure of ``notebooks/A_documents.ipynb``.

Appendix A · The five documents, reproduced. Most of the appendix is the documents' own code,
run in the notebook; this module holds what document 004's forensics need: the 38 numbers its
3×3 example prints, computed in float64 for any inputs, the seeded search for inputs that
reproduce every printed digit, and a figure of where each number lies in its rounding interval.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from helpers import losses
from helpers.figures import COLORS, new_figure

#: A printed decimal number, as the documents and PyTorch print them (``-1.3863``, ``0.2500``).
NUMBER = re.compile(r"-?\d+\.\d+")

#: The five tensors document 004's example prints, in its order; the loss is printed twice.
DOCUMENT_004_TENSORS = ("x_input", "soft_output", "log_output", "logsoftmax_output")
DOCUMENT_004_NAMES = (
    *(f"{name}[{i}, {j}]" for name in DOCUMENT_004_TENSORS for i in range(3) for j in range(3)),
    "nlloss_output",
    "crossentropyloss_output",
)


def printed_numbers(text: str) -> list[str]:
    """The decimal numbers of a printed text, as strings, in reading order."""
    return NUMBER.findall(text)


def document_004_numbers(x: ArrayLike, target: ArrayLike) -> np.ndarray:
    r"""The 38 numbers document 004's example prints, in float64, for logits ``x``.

    ``x`` has shape ``(..., 3, 3)`` (one batch of three samples, or many candidate batches);
    ``target`` holds the three class indices :math:`y_n`. In the document's order, each tensor
    row by row: the input :math:`x`, :math:`q = \operatorname{softmax}(x)` along the class axis,
    :math:`\log q`, :math:`\operatorname{log\_softmax}(x) = x - \operatorname{LSE}(x)`, then the
    mean loss :math:`-\frac{1}{N}\sum_n \log q_{n, y_n}` twice (``NLLLoss`` and
    ``CrossEntropyLoss``). Returns shape ``(..., 38)``.
    """
    logits = np.asarray(x, dtype=np.float64)
    classes = np.asarray(target, dtype=np.int64)
    q = losses.softmax(logits, axis=-1)
    log_q = losses.log_softmax(logits, axis=-1)
    indices = np.broadcast_to(classes[:, None], (*log_q.shape[:-1], 1))
    loss = -np.take_along_axis(log_q, indices, axis=-1).mean(axis=(-2, -1))[..., None]
    flat = [array.reshape((*array.shape[:-2], 9)) for array in (logits, q, np.log(q), log_q)]
    return np.concatenate([*flat, loss, loss], axis=-1)


@dataclass(frozen=True)
class InputSearch:
    """The result of :func:`search_inputs`: every candidate, whether it reproduces every printed
    digit, and how far its closest number lies from a rounding boundary."""

    candidates: np.ndarray  #: (n, 3, 3) float32 inputs, each in the printed input's rounding box
    matches: np.ndarray  #: (n,) bool: all 38 numbers round to the printed ones
    margins: np.ndarray  #: (n,) float64: the smallest distance of the 38 from a rounding boundary

    @property
    def count(self) -> int:
        """How many candidates reproduce every printed digit."""
        return int(self.matches.sum())

    @property
    def best(self) -> int:
        """The index of the matching candidate farthest from any rounding boundary."""
        return int(np.argmax(np.where(self.matches, self.margins, -1.0)))

    @property
    def found(self) -> np.ndarray:
        """The best matching candidate, a float32 (3, 3) array."""
        return self.candidates[self.best]


def search_inputs(
    printed_x: ArrayLike,
    printed: ArrayLike,
    target: ArrayLike,
    *,
    candidates: int = 20_000,
    seed: int = 0,
    decimals: int = 4,
) -> InputSearch:
    r"""A seeded random search for float32 inputs that reproduce all of document 004's digits.

    Each candidate is the printed input plus a uniform offset in
    :math:`[-\tfrac12, \tfrac12] \cdot 10^{-\text{decimals}}` per entry (the inputs that print as
    the document's), rounded to float32 like ``torch.randn``'s. Its 38 numbers
    (:func:`document_004_numbers`) are computed in float64, so which candidates match does not
    depend on the last bit of float32 arithmetic, and compared, in units of the last printed
    digit, with ``printed`` (the document's 38 numbers).
    """
    rng = np.random.default_rng(seed)
    half = 0.5 * 10.0**-decimals
    box = np.asarray(printed_x, dtype=np.float64)
    offsets = rng.uniform(-half, half, size=(candidates, *box.shape))
    inputs = (box + offsets).astype(np.float32)
    scaled = document_004_numbers(inputs, target) * 10.0**decimals
    digits = np.round(np.asarray(printed, dtype=np.float64) * 10.0**decimals)
    nearest = np.round(scaled)
    matches = (nearest == digits).all(axis=-1)
    margins = (0.5 - np.abs(scaled - nearest)).min(axis=-1) * 10.0**-decimals
    return InputSearch(candidates=inputs, matches=matches, margins=margins)


def rounding_figure(
    printed: ArrayLike, computed: dict[str, ArrayLike], decimals: int = 4
) -> Figure:
    r"""Where each of document 004's 38 computed numbers lies in the rounding interval of the
    number the document printed: (computed − printed) in units of the last printed digit.

    Inside the band :math:`\pm\tfrac12` a number prints as the document's; a point outside it
    prints one digit off. One series of points per entry of ``computed`` (a label and the 38
    numbers, e.g. from the printed input and from the input the search found).
    """
    printed = np.asarray(printed, dtype=np.float64)
    figure, (ax,) = new_figure(figsize=(7.6, 3.4))
    index = np.arange(printed.size)
    ax.axhspan(-0.5, 0.5, color=COLORS["target"], alpha=0.12, lw=0,
               label="prints as the document's")
    styles = ((COLORS["model"], "o"), (COLORS["target"], "s"))
    for (label, values), (color, marker) in zip(computed.items(), styles, strict=False):
        offset = (np.asarray(values, dtype=np.float64) - printed) * 10.0**decimals
        outside = np.abs(offset) > 0.5
        ax.plot(index, offset, marker, color=color, ms=4,
                label=f"{label} ({outside.sum()} outside)")
        ax.plot(index[outside], offset[outside], marker, ms=9, mfc="none", color=color)
    for boundary in range(9, printed.size, 9):
        ax.axvline(boundary - 0.5, color=COLORS["neutral"], lw=0.6, ls=":")
    centres = [4, 13, 22, 31, 36.5]
    ax.set_xticks(centres, [*DOCUMENT_004_TENSORS, "losses"], fontsize=8)
    ax.set(xlim=(-1, printed.size), ylim=(-1.0, 1.0),
           ylabel="computed - printed\n[units of the last digit]",
           title="Document 004: each printed number against its rounding interval")
    ax.legend(fontsize=8, loc="lower left")
    return figure
