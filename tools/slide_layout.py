"""How tall a notebook cell is on a 1280×720 slide, estimated, and how to cut what does not fit.

:mod:`tools.slides` decides the slide breaks at build time, without a browser, so it needs the
height of each cell before reveal.js lays it out. The estimate works from the source and the
outputs: prose by the width of its characters (a CJK character is one em, Latin text about half
an em), code and text outputs by their lines, figures by their pixel size, at the sizes of
``tools/web/slides.css``. It errs on the tall side, and :data:`BUDGET` leaves room for the
rest; ``tests/browser/test_slides_fit.py`` measures every slide in Chromium, which is what
proves that they fit.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

import nbformat

#: reveal.js's slide, in CSS pixels (reveal.js scales it to the screen).
WIDTH, HEIGHT = 1280, 720
#: How much of :data:`HEIGHT` the estimated cells of one slide may fill: the rest is the
#: estimate's margin of error.
BUDGET = 620
#: Widths of a line of prose, of a list item, of code and of a text output, in pixels.
PROSE, ITEM, CODE, OUTPUT = 1200, 1150, 1200, 1120
#: Font sizes and line heights (slides.css).
TEXT_SIZE, TEXT_LINE = 20, 27
CODE_SIZE, CODE_LINE = 17, 20.4
TABLE_SIZE, TABLE_LINE = 17, 21.25
#: Largest figure and explorer figure on a slide (slides.css), and a text output's most lines.
FIGURE_HEIGHT, EXPLORER_FIGURE_HEIGHT = 380, 330
CELL_PADDING = 10
GAP = 12  # below each block of prose


def _char_width(char: str, size: float) -> float:
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return size
    if char in "ilI.,;:'|!()[] ":
        return size * 0.32
    if char.isupper() or char in "mwMW@%":
        return size * 0.7
    return size * 0.56


def _visible_math(tex: str) -> str:
    """Roughly the characters MathJax draws for ``tex``: commands become one glyph, grouping
    and scripts take no room of their own."""
    tex = re.sub(r"\\(?:left|right|big|Big|bigg|,|;|:|!|qquad|quad)", " ", tex)
    tex = re.sub(r"\\(?:mathrm|text|texttt|operatorname|mathbf|mathbb|boldsymbol)\{([^}]*)\}",
                 r"\1", tex)
    tex = re.sub(r"\\[A-Za-z]+", "x", tex)
    return re.sub(r"[{}^_]", "", tex)


def plain_text(markdown: str) -> str:
    """What a line of markdown shows: links as their text, no emphasis marks or tags, inline
    math as roughly the glyphs it draws."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"\$([^$]+)\$", lambda m: _visible_math(m.group(1)), text)
    text = re.sub(r"</?[A-Za-z][^>]*>", "", text)
    return re.sub(r"\*\*|__|`|(?<!\w)[*_]|[*_](?!\w)", "", text)


def text_width(text: str, size: float) -> float:
    return sum(_char_width(char, size) for char in text)


def wrapped_lines(text: str, size: float, width: float) -> int:
    """Lines that ``text`` takes at font ``size`` in ``width`` pixels (a word that does not
    fit moves to the next line: a tenth more)."""
    return max(1, math.ceil(text_width(text, size) * 1.1 / width))


def code_lines(text: str, width: float = CODE) -> int:
    """Lines of monospaced ``text``, each wrapped at ``width`` (slides.css wraps, never scrolls)."""
    per_line = int(width / (CODE_SIZE * 0.61))
    return sum(max(1, math.ceil(len(line) / per_line)) for line in text.rstrip("\n").split("\n"))


# --- markdown -----------------------------------------------------------------------------------


@dataclass
class Block:
    """A top-level block of a markdown cell: its kind and its source, as written (a piece of a
    cut cell is the blocks' sources joined)."""

    kind: str  # heading, paragraph, item, table, math, code, quote, details, html
    source: str


_ITEM = re.compile(r"\s{0,3}(?:[-*+]|\d+[.)])\s")
_STARTS = re.compile(r"#{1,6}\s|```|\$\$|\||>|<details|\s{0,3}(?:[-*+]|\d+[.)])\s")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _item_end(lines: list[str], start: int) -> int:
    """Where the list item starting at ``start`` ends: at the next item of its list or of an
    outer one, at another kind of block, or at a blank line not followed by its indented
    continuation (a nested list or a second paragraph stays in the item)."""
    indent, end = _indent(lines[start]), start + 1
    while end < len(lines):
        line = lines[end]
        if not line.strip():
            following = lines[end + 1] if end + 1 < len(lines) else ""
            if following.strip() and _indent(following) > indent:
                end += 1
                continue
            break
        if _indent(line) <= indent and _STARTS.match(line):
            break
        end += 1
    return end


def blocks(source: str) -> list[Block]:
    """The blocks of a markdown cell, in order; every line of ``source`` in exactly one."""
    lines = source.split("\n")
    found: list[Block] = []
    i = 0

    def take(kind: str, end: int) -> None:
        nonlocal i
        found.append(Block(kind, "\n".join(lines[i:end])))
        i = end

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            i += 1
            continue
        end = i + 1
        if stripped.startswith("```"):
            while end < len(lines) and not lines[end].strip().startswith("```"):
                end += 1
            take("code", min(end + 1, len(lines)))
        elif stripped.startswith("$$"):
            closed = stripped.count("$$") >= 2
            while not closed and end < len(lines):
                closed = "$$" in lines[end]
                end += 1
            take("math", end)
        elif re.match(r"#{1,6}\s", stripped):
            take("heading", end)
        elif stripped.startswith("|"):
            while end < len(lines) and lines[end].strip().startswith("|"):
                end += 1
            take("table", end)
        elif stripped.startswith("<details"):
            while end < len(lines) and "</details>" not in lines[end - 1]:
                end += 1
            take("details", end)
        elif stripped.startswith(">"):
            while end < len(lines) and lines[end].strip():
                end += 1
            take("quote", end)
        elif _ITEM.match(line):
            take("item", _item_end(lines, i))
        else:
            while end < len(lines) and lines[end].strip() and not _STARTS.match(lines[end]):
                end += 1
            take("html" if stripped.startswith("<") else "paragraph", end)
    return found


def _math_height(tex: str) -> float:
    rows = 1 + tex.count("\\\\")
    tall = any(word in tex for word in ("\\frac", "\\sum", "\\prod", "\\underbrace", "\\int",
                                        "\\begin{cases}", "\\binom"))
    return rows * (52 if tall else 34) + 24


def block_height(block: Block) -> float:
    """The estimated height of one block on a slide, with the gap below it."""
    source = block.source
    if block.kind == "heading":
        level = len(source) - len(source.lstrip("#"))
        size, gap = {1: (40, 14), 2: (32, 12)}.get(level, (26, 10))
        return wrapped_lines(plain_text(source.lstrip("#").strip()), size, PROSE) * size * 1.2 + gap
    if block.kind == "code":
        return code_lines("\n".join(source.split("\n")[1:-1])) * CODE_LINE + 16 + GAP
    if block.kind == "math":
        return _math_height(source)
    if block.kind == "table":
        return table_height(source)
    if block.kind == "details":
        return TEXT_LINE + GAP  # folded: its summary
    if block.kind == "item":
        text = " ".join(line.strip() for line in source.split("\n"))
        return wrapped_lines(plain_text(text), TEXT_SIZE, ITEM) * TEXT_LINE + 6
    if block.kind == "quote":  # paragraphs (between lines that are only ">"), indented
        text = "\n".join(line.strip().removeprefix(">").strip() for line in source.split("\n"))
        paragraphs = [" ".join(part.split()) for part in re.split(r"\n\s*\n", text)]
        return 8 + sum(wrapped_lines(plain_text(part), TEXT_SIZE, PROSE - 40) * TEXT_LINE + GAP
                       for part in paragraphs if part)
    # A paragraph, with any display math MathJax sets inside it.
    height = 0.0
    for k, part in enumerate(re.split(r"\$\$", source)):
        if k % 2:
            height += _math_height(part)
        elif part.strip():
            text = plain_text(" ".join(part.split()))
            height += wrapped_lines(text, TEXT_SIZE, PROSE) * TEXT_LINE
    return height + GAP


def table_rows(source: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in source.split("\n") if line.strip()]


def _unbreakable(text: str) -> float:
    """The width of the widest piece of ``text`` that a line cannot break: a word, or one CJK
    character (a line may break between any two)."""
    runs = re.split(r"\s+|(?<=[\u2e80-\uffef])|(?=[\u2e80-\uffef])", text)
    return max((text_width(run, TABLE_SIZE) for run in runs), default=0)


def table_height(source: str) -> float:
    """A table's height: its columns share the width as a browser's automatic table layout
    shares it (each at least its longest word, the rest in proportion to its text), and each
    row is as tall as its tallest cell."""
    rows = [row for k, row in enumerate(table_rows(source)) if k != 1]  # without |---|
    columns = max(map(len, rows))
    padding = 9
    texts = [[plain_text(cell.replace("<wbr>", " ")) for cell in row] + [""] * (columns - len(row))
             for row in rows]
    longest = [max(text_width(cell, TABLE_SIZE) for cell in column) + padding
               for column in zip(*texts, strict=True)]
    shortest = [max((_unbreakable(cell) for cell in column), default=0) + padding
                for column in zip(*texts, strict=True)]
    if sum(longest) <= PROSE:
        widths = longest
    else:
        spare = max(PROSE - sum(shortest), 0)
        extra = [high - low for high, low in zip(longest, shortest, strict=True)]
        widths = [low + spare * more / (sum(extra) or 1)
                  for low, more in zip(shortest, extra, strict=True)]
    height = 0.0
    for row in texts:
        lines = max(wrapped_lines(cell, TABLE_SIZE, max(width - padding, 20)) if cell else 1
                    for cell, width in zip(row, widths, strict=True))
        height += lines * TABLE_LINE + padding
    return height + GAP


def markdown_height(source: str) -> float:
    return CELL_PADDING + sum(map(block_height, blocks(source)))


# --- code ---------------------------------------------------------------------------------------


def _output_text(output: nbformat.NotebookNode) -> str | None:
    """The text an output shows, if it shows text (a stream, a plain-text result, an error)."""
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":
        return "\n".join(output.traceback)
    data = output.get("data", {})
    if "text/plain" in data and not any(key.startswith(("image/", "text/html", "application/"))
                                        for key in data):
        return data["text/plain"]
    return None


def output_height(output: nbformat.NotebookNode) -> float:
    text = _output_text(output)
    if text is not None:
        return code_lines(text, OUTPUT) * CODE_LINE + 16
    data = output.get("data", {})
    if "image/png" in data:
        width, height = png_size(data["image/png"])
        return min(height * min(1.0, OUTPUT / width), FIGURE_HEIGHT) + 60
    if "text/html" in data and "static-explorer" in data["text/html"]:
        return explorer_height(data["text/html"])
    if "application/vnd.jupyter.widget-view+json" in data:
        return 40  # a progress bar, from its saved state
    return 60


def png_size(encoded: str) -> tuple[int, int]:
    """Width and height of a base64 PNG, from its header."""
    import base64

    header = base64.b64decode(encoded[:44])
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


def explorer_height(page: str) -> float:
    """A static explorer (tools/static_explorers.py): title, controls, figure, readout, note."""
    size = re.search(r'class="static-explorer-figure"[^>]*width="(\d+)" height="(\d+)"', page)
    width, height = (int(size.group(1)), int(size.group(2))) if size else (900, 400)
    figure = min(height * min(1.0, OUTPUT / width), EXPLORER_FIGURE_HEIGHT)
    controls = page.count('class="static-explorer-control"')
    readout = re.search(r'class="static-explorer-readout">(.*?)</div>', page, re.S)
    readout_lines = (wrapped_lines(plain_text(readout.group(1)), TEXT_SIZE * 1.1, OUTPUT)
                     + readout.group(1).count("<br") if readout else 1)
    return 34 + math.ceil(controls / 3) * 40 + figure + readout_lines * 28 + 120


def input_height(source: str) -> float:
    return code_lines(source) * CODE_LINE + 22 if source.strip() else 0


def code_height(cell: nbformat.NotebookNode) -> float:
    shown = "" if cell.metadata.get("transient", {}).get("remove_source") else cell.source
    return CELL_PADDING + input_height(shown) + sum(map(output_height, cell.outputs))


def height(cell: nbformat.NotebookNode) -> float:
    """The estimated height of ``cell`` on a slide, in CSS pixels (0 for a speaker note)."""
    if cell.metadata.get("slideshow", {}).get("slide_type") in ("notes", "skip"):
        return 0
    if cell.cell_type == "markdown":
        return markdown_height(cell.source)
    if cell.cell_type == "code":
        return code_height(cell)
    return CELL_PADDING + code_lines(cell.source) * CODE_LINE
