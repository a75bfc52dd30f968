"""reveal.js slides of the notebooks, one deck per lecture, built without editing a notebook.

    python -m tools.slides --out build/slides        # make slides
    python -m tools.slides --out build/slides --execute

nbconvert's ``--to slides`` reads each cell's ``metadata.slideshow.slide_type``. The notebooks
carry none, and are not edited for it: :func:`assign_slide_types` sets the types on an in-memory
copy, from the structure every notebook of the series follows (CONTRIBUTING.md), and from the
height each cell will take on a 1280×720 slide (:mod:`tools.slide_layout` estimates it):

=============================================  ==============  =================================
cell                                           slide type      in the lecture
=============================================  ==============  =================================
markdown starting with ``#`` or ``##``         ``slide``       a new topic: next slide (→)
markdown starting with ``###`` or deeper       ``subslide``    a step of the topic: next (↓)
other markdown, after a code cell              ``subslide``    the next idea, on a fresh slide
other markdown, after markdown                 ``fragment``    appears on the same slide
code                                           ``-``           follows the prose it belongs to
a ``-`` or ``fragment`` cell that would make   ``subslide``    the slide is full: the next one
its slide taller than the budget                               down goes on with it
markdown holding a folded ``<details>`` block  ``notes``       the solution, open in the
                                                               speaker view (S), not on the slide
empty cell                                     ``skip``        left out
=============================================  ==============  =================================

A cell too tall for one slide is shown in pieces, each on the next slide down; nothing is left
out without the slide saying so:

- markdown is cut between its blocks (paragraphs, list items, formulas, quotes), a heading kept
  with the block after it; a table is cut into groups of rows, each under the table's header
  (and a long word of a row, such as a quoted signature, may break after its commas);
- code longer than :data:`CODE_LINES` lines and a text output longer than :data:`OUTPUT_LINES`
  lines show their first lines and a last one, "… N more lines: the whole … is in the notebook
  and in the speaker notes (S)"; the speaker notes hold the whole;
- a code cell whose outputs do not fit under its code shows them on the next slide.

``tools/web/slides.css`` sets the sizes the estimate assumes: prose at 20 px, code and outputs at
17 px (lines wrap, never scroll sideways), headings smaller than reveal.js's, figures at most
380 px high (an explorer's 330 px), tables at 17 px across the slide. No slide scrolls
(``reveal_scroll`` is off); ``tests/browser/test_slides_fit.py`` presents every slide of every
deck in Chromium at 1280×720 and fails on one that is taller or wider than the slide or that has
anything to scroll. A cell that already has a slide type keeps it (and is not cut), so an author
can override the rules for one cell in the notebook itself.

The decks use the same vendored reveal.js, MathJax, require.js, jQuery and widget renderer as the
HTML site (:mod:`tools.build_site`) and work offline. As on the site, the explorers work without a
kernel, over precomputed frames (:mod:`tools.static_explorers`, shared with ``make html`` through
the cache in ``build/frames``): the arrow keys move a focused slider, not the slides, and a swipe
on an explorer does not turn the slide. An exercise cell shows its question and "Run this cell in
the notebook to check your answer." instead of its stored verdict
(:func:`tools.build_site.question_only`).
"""

from __future__ import annotations

import copy
import re
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter

from tools import build_site, editions, static_explorers
from tools import slide_layout as layout

#: The most lines of code and of a text output a slide shows; the rest is cut, with a line
#: that says so (:data:`CODE_CUT`, :data:`OUTPUT_CUT`) and the whole in the speaker notes.
CODE_LINES, OUTPUT_LINES = 24, 24
CODE_CUT = "# … {} more lines: the whole cell is in the notebook and in the speaker notes (S)"
OUTPUT_CUT = "[… {} more lines: the whole output is in the notebook and in the speaker notes (S)]"
#: The stylesheet of the decks (sizes for a 1280×720 slide), copied to ``_static/``.
STYLE = build_site.ROOT / "tools" / "web" / "slides.css"


def _heading_level(source: str) -> int:
    """1 for ``# …``, 2 for ``## …``, …; 0 if the cell does not start with a heading."""
    first = source.lstrip().split("\n", 1)[0]
    level = len(first) - len(first.lstrip("#"))
    return level if 0 < level <= 6 and first[level:level + 1] == " " else 0


def slide_type(cell: nbformat.NotebookNode, previous: nbformat.NotebookNode | None) -> str:
    """The reveal.js slide type of ``cell`` by the rules of the module docstring, before the
    height of the slide is counted (:func:`assign_slide_types`)."""
    source = cell.source.strip()
    if not source:
        return "skip"
    if cell.cell_type != "markdown":
        return "-"
    level = _heading_level(source)
    if level in (1, 2):
        return "slide"
    if level >= 3:
        return "subslide"
    if source.startswith("<details"):
        return "notes"
    if previous is None:
        return "slide"
    return "subslide" if previous.cell_type == "code" else "fragment"


def _piece(cell: nbformat.NotebookNode, number: int, **changes: object) -> nbformat.NotebookNode:
    """A copy of ``cell`` as the ``number``-th piece of it on the slides (a fresh cell id), the
    next slide of the column after the first."""
    piece = copy.deepcopy(cell)
    piece.id = f"{cell.id}-{number}"[:64]
    piece.update(changes)
    piece.metadata["slideshow"] = {"slide_type": "subslide"}
    return piece


def _note(markdown: str) -> nbformat.NotebookNode:
    """A speaker note (reveal.js's S view), not shown on the slide."""
    return nbformat.v4.new_markdown_cell(markdown, metadata={"slideshow": {"slide_type": "notes"}})


def _table_parts(block: layout.Block, room: float) -> list[layout.Block]:
    """A table cut into groups of rows, every group under the header: the first fills the
    ``room`` left on the slide it starts on, each other a slide of its own."""
    lines = [line for line in block.source.split("\n") if line.strip()]
    header, rows = lines[:2], lines[2:]
    full = layout.BUDGET - layout.CELL_PADDING
    groups: list[list[str]] = [[]]
    limit = room
    for row in rows:
        if layout.table_height("\n".join(header + groups[-1] + [row])) > limit:
            if groups[-1]:
                groups.append([])
            limit = full  # (an empty first group: the table starts on the next slide)
        groups[-1].append(row)
    return [layout.Block("table", "\n".join(header + group)) for group in groups]


#: A word of a table cell long enough to widen its column past the slide, and where it may break.
_LONG_WORD = re.compile(r"(?<![`$\w])[^\s`$|]{30,}")
_BREAK_AFTER = re.compile(r"(?<=[,(=/])(?=\S)")


def breakable_tables(source: str) -> str:
    """``source`` with a line-break opportunity (``<wbr>``) after each comma, parenthesis,
    ``=`` and ``/`` of a long word in a table row outside code, math and links: a quoted signature
    would otherwise hold its column wider than the slide."""
    def row(line: str) -> str:
        if not line.lstrip().startswith("|"):
            return line
        # Code spans, math and links' targets stay whole.
        parts = re.split(r"(`[^`]*`|\$[^$]*\$|\]\([^)]*\))", line)
        return "".join(part if k % 2 else _LONG_WORD.sub(
            lambda m: _BREAK_AFTER.sub("<wbr>", m.group(0)), part) for k, part in enumerate(parts))

    return "\n".join(map(row, source.split("\n")))


def split_markdown(cell: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """``cell`` as one or more cells, each of whole blocks (paragraphs, list items, formulas,
    row groups of a table) that fit a slide; a heading stays with the block after it."""
    cell.source = breakable_tables(cell.source)
    if layout.markdown_height(cell.source) <= layout.BUDGET:
        return [cell]
    groups: list[list[layout.Block]] = [[]]
    used = float(layout.CELL_PADDING)
    for block in layout.blocks(cell.source):
        parts = [block] if block.kind != "table" else _table_parts(block, layout.BUDGET - used)
        for part in parts:
            size = layout.block_height(part)
            if groups[-1] and used + size > layout.BUDGET:
                carried = [groups[-1].pop()] if groups[-1][-1].kind == "heading" else []
                if carried and (not groups[-1] or layout.CELL_PADDING + size
                                + layout.block_height(carried[0]) > layout.BUDGET):
                    groups[-1] += carried  # the block after it is too tall for both
                    carried = []
                groups.append(carried)
                used = layout.CELL_PADDING + sum(map(layout.block_height, carried))
            groups[-1].append(part)
            used += size
    sources = ["\n\n".join(part.source for part in group) for group in groups]
    first = copy.deepcopy(cell)
    first.source = sources[0]
    return [first] + [_piece(cell, number, source=source)
                      for number, source in enumerate(sources[1:], start=2)]


def _cut_lines(text: str, keep: int, note: str) -> tuple[str, int]:
    """``text`` cut to its first ``keep`` lines and a line ``note`` (with the number of lines
    left out), and that number; ``text`` itself when it has at most ``keep + 1`` lines."""
    lines = text.rstrip("\n").split("\n")
    if len(lines) <= keep + 1:
        return text, 0
    left = len(lines) - keep
    end = "\n" if text.endswith("\n") else ""
    return "\n".join([*lines[:keep], note.format(left)]) + end, left


def cut_code(cell: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """``cell`` as the slides show it: code longer than :data:`CODE_LINES` and text outputs
    longer than :data:`OUTPUT_LINES` cut, with a line that says so and a speaker note that
    holds the whole; outputs on the next slide when code and outputs together do not fit."""
    shown = copy.deepcopy(cell)
    cuts: list[str] = []
    shown.source, left = _cut_lines(cell.source, CODE_LINES, CODE_CUT)
    if left:
        cuts.append(f"The whole code of this cell:\n\n```python\n{cell.source.rstrip()}\n```")
    for output in shown.outputs:
        key = "text" if output.output_type == "stream" else None
        if key is None and set(output.get("data", {})) == {"text/plain"}:
            output, key = output.data, "text/plain"
        if key is None:
            continue
        whole = output[key]
        output[key], left = _cut_lines(whole, OUTPUT_LINES, OUTPUT_CUT)
        if left:
            cuts.append(f"The whole output:\n\n```text\n{whole.rstrip()}\n```")
    pieces = [shown]
    if shown.outputs and layout.code_height(shown) > layout.BUDGET:
        outputs = _piece(shown, 2, outputs=shown.outputs)
        outputs.metadata["transient"] = {"remove_source": True}
        shown.outputs = []
        pieces.append(outputs)
    return pieces + [_note(cut) for cut in cuts]


def pieces(cell: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """``cell`` as the slides show it, in one or more cells (:func:`split_markdown`,
    :func:`cut_code`); a solution's folded block open in the speaker notes."""
    if "slide_type" in cell.metadata.get("slideshow", {}):
        return [cell]  # the author chose
    if cell.cell_type == "code" and cell.source.strip():
        return cut_code(cell)
    if cell.cell_type == "markdown" and cell.source.lstrip().startswith("<details"):
        cell.source = re.sub(r"<details(?![^>]*\bopen\b)", "<details open", cell.source, count=1)
        return [cell]
    if cell.cell_type == "markdown":
        return split_markdown(cell)
    return [cell]


def assign_slide_types(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``notebook`` cut into the cells the slides show (:func:`pieces`), every cell
    with a slide type; the original is unchanged.

    The types follow the rules of the module docstring, and a cell that would make its slide
    taller than :data:`tools.slide_layout.BUDGET` starts the next slide down instead. A type
    set in the notebook is kept.
    """
    deck = copy.deepcopy(notebook)
    deck.cells = [piece for cell in deck.cells for piece in pieces(cell)]
    previous, used = None, 0.0
    for cell in deck.cells:
        slideshow = cell.metadata.setdefault("slideshow", {})
        chosen = "slide_type" in slideshow
        kind = slideshow.setdefault("slide_type", slide_type(cell, previous))
        if kind in ("skip", "notes"):
            continue
        size = layout.height(cell)
        if not chosen and kind in ("-", "fragment") and previous is not None and (
                used + size > layout.BUDGET):
            kind = slideshow["slide_type"] = "subslide"
        used = size if kind in ("slide", "subslide") else used + size
        previous = cell
    return deck


def slides_exporter() -> SlidesExporter:
    return SlidesExporter(
        template_name="reveal_offline",
        extra_template_basedirs=[str(build_site.TEMPLATES)],
        reveal_url_prefix=build_site.URLS["reveal_url_prefix"],
        reveal_theme="white",  # its fonts ship with reveal.js (the default theme imports Google's)
        reveal_scroll=False,  # a slide never scrolls: the rules above make it fit
        reveal_width=str(layout.WIDTH),
        reveal_height=str(layout.HEIGHT),
        reveal_transition="none",
        reveal_number="c/t",
        require_js_url=build_site.URLS["require_js_url"],
        mathjax_url=build_site.URLS["mathjax_url"],
        jquery_url=build_site.URLS["jquery_url"],
        widget_renderer_url=build_site.URLS["widget_renderer_url"],
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def link_style(deck: str) -> str:
    """``deck`` with the stylesheet of the decks, last in its head: after reveal.js's theme,
    whose sizes it replaces."""
    link = f'<link rel="stylesheet" href="{build_site.STATIC}/{STYLE.name}">\n'
    return deck.replace("</head>", link + "</head>", 1)


def build_slides(out: Path, paths: Iterable[Path] | None = None, *, execute: bool = False,
                 cache: Path = static_explorers.CACHE) -> Path:
    """``out/NN_name.slides.html`` per notebook, ``out/index.html`` and ``out/_static``; the
    Chinese edition beside them (``NN_name.zh.slides.html``, ``index.zh.html``)."""
    out.mkdir(parents=True, exist_ok=True)
    build_site.copy_assets(out)
    shutil.copy2(STYLE, out / build_site.STATIC / STYLE.name)
    exporter = slides_exporter()
    return editions.write_editions(
        out, lambda notebook: link_style(exporter.from_notebook_node(
            assign_slide_types(notebook))[0]),
        ".slides.html", None if paths is None else list(paths), execute=execute, cache=cache,
        notes=(
            "One deck per lecture. Arrow keys: → next topic, ↓ next step; S opens the speaker "
            "view, F full screen. The explorers' sliders show precomputed values; to compute "
            "every value live, present the notebook in JupyterLab (make lab).",
            "每课一套幻灯片。方向键：→ 下一个主题，↓ 下一步；S 打开演讲者视图，F 全屏。"
            "探索器的滑块显示的是预先算好的值；要实时计算每一个值，请在 JupyterLab 中演示笔记本"
            "（make lab）。",
        ),
    )


def main(argv: list[str] | None = None) -> int:
    return build_site.command_line(build_slides, build_site.ROOT / "build" / "slides", argv)


if __name__ == "__main__":
    sys.exit(main())
