"""No number in the prose that the code does not print.

A number with a decimal point or an exponent that a notebook's prose states (16.64, −88.72,
1e−45, 25.2 GB) must stand in a stored output of the same notebook, or be an input typed in one
of its code cells or of the code the prose shows (an exercise's inputs stand in its solution's
code). nbval checks that the outputs are what the code computes; together, a number the reader is
told is a number the code shows. Code in the prose (fenced blocks, `inline code`, the folded
solutions), link targets, arXiv identifiers, section numbers and quoted lines (``>``: a
document's words, not ours) are not read as claims.
"""

from __future__ import annotations

import re

import pytest

from tests.notebook_outputs import NOTEBOOKS, code_cells, load, output_text, source

# 0.7679, −88.72, 1e−45, 2.5e-3; a leading sign is not part of the match (outputs print "-").
NUMBER = re.compile(r"(?<![\w.])(\d+\.\d+(?:[eE][-−+]?\d+)?|\d+[eE][-−+]?\d+)(?![\w.]*\d)")
NOT_PROSE = re.compile(
    r"```.*?```"  # fenced code
    r"|<details>.*?</details>"  # folded solutions: code the learner may type
    r"|`[^`\n]*`"  # inline code
    r"|\]\([^)]*\)"  # link targets
    r"|arXiv:\S+"  # a paper's identifier
    r"|^#+ *[\d.]+"  # a heading's section number
    r"|<[^>]+>"  # HTML tags and their attributes
    r"|^>.*?$",  # a quoted line
    re.S | re.M,
)
CODE_IN_PROSE = re.compile(r"```.*?```|`[^`\n]*`", re.S)


def normalise(text: str) -> str:
    return text.replace("−", "-").replace("\u2009", "")


def prose_numbers(markdown: str) -> list[str]:
    """The decimal and exponent numbers a markdown text states outside code and addresses."""
    return [normalise(match) for match in NUMBER.findall(NOT_PROSE.sub(" ", markdown))]


def shown(notebook: dict) -> str:
    """Everything the notebook's code cells type in or print."""
    parts = []
    for cell in code_cells(notebook):
        parts.append(source(cell))
        parts.extend(output_text(output) for output in cell.get("outputs", []))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            parts.extend(CODE_IN_PROSE.findall(source(cell)))
    return normalise("\n".join(parts))


def unsupported(notebook: dict) -> list[str]:
    text = shown(notebook)
    found = []
    for number, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for value in prose_numbers(source(cell)):
            if not re.search(rf"(?<![\d.]){re.escape(value)}(?!\d)", text):
                found.append(f"markdown cell {number}: {value}")
    return found


def test_the_reader_finds_numbers_in_prose_and_ignores_code() -> None:
    text = (
        "The loss is 0.7679 nats, −88.72 at worst and 1e−45 near zero; version 2.13.0.\n"
        "```python\nx = 3.25\n```\n`y = 4.5` and [a link](https://example.org/v1.2)\n"
        "### 2.1 · Liger-Kernel (arXiv:2410.10989).\n"
        "<details><summary>Solution</summary>\n\n```python\nanswer = 6.75\n```\n</details>\n"
        "> 结果为0.2612\n"
    )
    assert prose_numbers(text) == ["0.7679", "88.72", "1e-45"]


def test_a_number_no_cell_shows_is_found() -> None:
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": "It is 1.3863, or 16.64 on a bad day; try 0.9."},
            {"cell_type": "markdown", "source": "<details>\n\n```python\nf(0.9)\n```\n</details>"},
            {"cell_type": "code", "source": "print(round(math.log(4), 4))",
             "outputs": [{"output_type": "stream", "name": "stdout", "text": "1.3863\n"}]},
        ]
    }
    assert unsupported(notebook) == ["markdown cell 0: 16.64"]


@pytest.mark.parametrize(
    "name", sorted(str(path.relative_to(NOTEBOOKS)) for path in NOTEBOOKS.glob("*.ipynb"))
    + sorted(str(path.relative_to(NOTEBOOKS)) for path in NOTEBOOKS.glob("zh/*.ipynb")),
)
def test_every_number_in_the_prose_is_printed_or_typed_by_the_code(name: str) -> None:
    found = unsupported(load(name))
    assert not found, "\n".join(found)
