"""tools/slides.py decides the slide breaks of the decks: the rules of its docstring, cells cut
into pieces that fit a slide by the estimate of tools/slide_layout.py, nothing left out without
a line that says so and the whole in the speaker notes. Whether the slides truly fit is measured
in Chromium (tests/browser/test_slides_fit.py)."""

from __future__ import annotations

import copy

import nbformat
import pytest

from tools import slide_layout as layout
from tools import slides
from tools.build_site import NOTEBOOKS

md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def stream(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def notebook(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=list(cells))


def types(deck: nbformat.NotebookNode) -> list[str]:
    return [cell.metadata["slideshow"]["slide_type"] for cell in deck.cells]


def shown_height(deck: nbformat.NotebookNode) -> list[float]:
    """The estimated height of each slide of ``deck``."""
    heights: list[float] = []
    for cell in deck.cells:
        kind = cell.metadata["slideshow"]["slide_type"]
        if kind in ("slide", "subslide") or not heights:
            heights.append(0.0)
        heights[-1] += layout.height(cell)
    return heights


def test_the_rules_of_a_short_notebook() -> None:
    deck = slides.assign_slide_types(notebook(
        md("# Title\n\nAbout."), md("More prose."), code("x = 1"), md("After code."),
        md("### A step"), md(""), md("<details><summary>Solution</summary>\n\nx\n</details>"),
    ))
    assert types(deck) == ["slide", "fragment", "-", "subslide", "subslide", "skip", "notes"]
    assert deck.cells[-1].source.startswith("<details open>")  # open in the speaker view


def test_the_original_is_unchanged_and_an_authors_type_is_kept() -> None:
    original = notebook(md("# Title"), md("Prose.", metadata={"slideshow": {"slide_type": "-"}}))
    kept = copy.deepcopy(original)
    deck = slides.assign_slide_types(original)
    assert original == kept
    assert types(deck) == ["slide", "-"]


def test_a_cell_that_would_overfill_its_slide_starts_the_next_one() -> None:
    paragraph = " ".join(["A sentence of some length about cross-entropy."] * 12)
    deck = slides.assign_slide_types(notebook(md("# Title"), *[md(paragraph) for _ in range(4)]))
    assert "subslide" in types(deck)[1:]
    assert max(shown_height(deck)) <= layout.BUDGET


def test_a_long_markdown_cell_is_cut_at_its_blocks_and_a_heading_stays_with_its_text() -> None:
    items = "\n".join(f"- item {k}: " + "words " * 30 for k in range(30))
    source = f"## Heading\n\nIntro.\n\n{items}\n\n### Later\n\nThe end."
    deck = slides.assign_slide_types(notebook(md(source)))
    pieces = [cell.source for cell in deck.cells]
    assert len(pieces) > 2
    assert types(deck) == ["slide"] + ["subslide"] * (len(pieces) - 1)
    assert max(shown_height(deck)) <= layout.BUDGET
    blocks = [block.source for piece in pieces for block in layout.blocks(piece)]
    assert blocks == [block.source for block in layout.blocks(source)]  # nothing lost or moved
    assert not any(piece.rstrip().endswith("### Later") for piece in pieces)


def test_a_long_table_is_cut_into_row_groups_each_under_the_header() -> None:
    header = "| term | note |\n|---|---|"
    rows = [f"| term {k} | " + "a note of several words " * 6 + "|" for k in range(60)]
    source = "## Glossary\n\nIntro.\n\n" + header + "\n" + "\n".join(rows)
    deck = slides.assign_slide_types(notebook(md(source)))
    assert len(deck.cells) > 2
    seen = []
    for cell in deck.cells:
        table = [block.source for block in layout.blocks(cell.source) if block.kind == "table"]
        assert len(table) == 1 and table[0].startswith(header)
        seen += table[0].split("\n")[2:]
    assert seen == rows
    assert max(shown_height(deck)) <= layout.BUDGET


def test_a_long_word_of_a_table_row_may_break_but_code_math_and_links_stay_whole() -> None:
    row = ('| "f(weight=None,size_average=None,ignore_index=-100)" | `g(a=1,b=2,c=3,d=4,e=5,f=6)` '
           "| [lesson 5](05_log_softmax_and_numerical_stability.ipynb) |")
    broken = slides.breakable_tables(row)
    assert '"f(<wbr>weight=<wbr>None,<wbr>size_average=' in broken
    assert "`g(a=1,b=2,c=3,d=4,e=5,f=6)`" in broken
    assert "(05_log_softmax_and_numerical_stability.ipynb)" in broken
    assert slides.breakable_tables("not a row " + "x," * 40) == "not a row " + "x," * 40


def test_long_code_and_output_are_cut_with_a_note_and_the_whole_in_the_speaker_notes() -> None:
    source = "\n".join(f"x{k} = {k}" for k in range(40))
    output = "".join(f"line {k}\n" for k in range(60))
    deck = slides.assign_slide_types(notebook(md("# T"), code(source, outputs=[stream(output)])))
    shown = [cell for cell in deck.cells if cell.cell_type == "code"]
    notes = [cell.source for cell in deck.cells
             if cell.metadata["slideshow"]["slide_type"] == "notes"]
    assert shown[0].source.split("\n")[-1] == slides.CODE_CUT.format(40 - slides.CODE_LINES)
    assert shown[0].source.count("\n") == slides.CODE_LINES
    text = shown[-1].outputs[0].text
    assert text.rstrip("\n").split("\n")[-1] == slides.OUTPUT_CUT.format(60 - slides.OUTPUT_LINES)
    assert any(source in note for note in notes) and any(output.rstrip() in note for note in notes)
    # Together too tall for one slide: the output is on the next, without the code again.
    assert len(shown) == 2 and shown[0].outputs == []
    assert shown[1].metadata["transient"] == {"remove_source": True}
    assert shown[1].metadata["slideshow"]["slide_type"] == "subslide"
    assert max(shown_height(deck)) <= layout.BUDGET


def test_short_code_is_shown_whole_with_its_output() -> None:
    cell = code("print(1)", outputs=[stream("1\n")])
    assert slides.cut_code(cell) == [cell]


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb"))[:3])
def test_a_notebook_of_the_series_keeps_every_cell_in_order(path) -> None:
    original = nbformat.read(path, as_version=4)
    deck = slides.assign_slide_types(original)
    ids = [cell.id.split("-")[0] for cell in deck.cells if cell.id.split("-")[0] in
           {c.id for c in original.cells}]
    assert list(dict.fromkeys(ids)) == [cell.id for cell in original.cells]
    nbformat.validate(deck)


@pytest.mark.parametrize(("text", "lines"), [("abc", 1), ("x" * 300, 4), ("交" * 120, 3)])
def test_wrapped_lines_counts_a_cjk_character_as_one_em(text: str, lines: int) -> None:
    assert layout.wrapped_lines(text, 20, 1000) == lines
