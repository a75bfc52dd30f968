"""reveal.js slides of the notebooks, one deck per lecture, built without editing a notebook.

    python -m tools.slides --out build/slides        # make slides
    python -m tools.slides --out build/slides --execute

nbconvert's ``--to slides`` reads each cell's ``metadata.slideshow.slide_type``. The notebooks
carry none, and are not edited for it: :func:`assign_slide_types` sets the types on an in-memory
copy, from the structure every notebook of the series follows (CONTRIBUTING.md):

=============================================  ==============  =================================
cell                                           slide type      in the lecture
=============================================  ==============  =================================
markdown starting with ``#`` or ``##``         ``slide``       a new topic: next slide (→)
markdown starting with ``###`` or deeper       ``subslide``    a step of the topic: next (↓)
other markdown, after a code cell              ``subslide``    the next idea, on a fresh slide
other markdown, after markdown                 ``fragment``    appears on the same slide
markdown holding a folded ``<details>`` block  ``-``           stays with its exercise
code                                           ``-``           follows the prose it belongs to
empty cell                                     ``skip``        left out
=============================================  ==============  =================================

So a slide shows a paragraph with the code and output (figure, explorer) it explains, and a
section heading opens a new column of slides. Slides scroll when their content is taller than
the screen (``reveal_scroll``). A cell that already has a slide type keeps it, so an author can
override the rule for one cell in the notebook itself.

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
import sys
from collections.abc import Iterable
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter

from tools import build_site, editions, static_explorers


def _heading_level(source: str) -> int:
    """1 for ``# …``, 2 for ``## …``, …; 0 if the cell does not start with a heading."""
    first = source.lstrip().split("\n", 1)[0]
    level = len(first) - len(first.lstrip("#"))
    return level if 0 < level <= 6 and first[level:level + 1] == " " else 0


def slide_type(cell: nbformat.NotebookNode, previous: nbformat.NotebookNode | None) -> str:
    """The reveal.js slide type of ``cell`` by the rules of the module docstring."""
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
        return "-"
    if previous is None:
        return "slide"
    return "subslide" if previous.cell_type == "code" else "fragment"


def assign_slide_types(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``notebook`` in which every cell has a slide type; the original is unchanged."""
    deck = copy.deepcopy(notebook)
    previous = None
    for cell in deck.cells:
        slideshow = cell.metadata.setdefault("slideshow", {})
        slideshow.setdefault("slide_type", slide_type(cell, previous))
        if slideshow["slide_type"] != "skip":
            previous = cell
    return deck


def slides_exporter() -> SlidesExporter:
    return SlidesExporter(
        template_name="reveal_offline",
        extra_template_basedirs=[str(build_site.TEMPLATES)],
        reveal_url_prefix=build_site.URLS["reveal_url_prefix"],
        reveal_theme="white",  # its fonts ship with reveal.js (the default theme imports Google's)
        reveal_scroll=True,
        reveal_transition="none",
        reveal_number="c/t",
        require_js_url=build_site.URLS["require_js_url"],
        mathjax_url=build_site.URLS["mathjax_url"],
        jquery_url=build_site.URLS["jquery_url"],
        widget_renderer_url=build_site.URLS["widget_renderer_url"],
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def build_slides(out: Path, paths: Iterable[Path] | None = None, *, execute: bool = False,
                 cache: Path = static_explorers.CACHE) -> Path:
    """``out/NN_name.slides.html`` per notebook, ``out/index.html`` and ``out/_static``; the
    Chinese edition beside them (``NN_name.zh.slides.html``, ``index.zh.html``)."""
    out.mkdir(parents=True, exist_ok=True)
    build_site.copy_assets(out)
    exporter = slides_exporter()
    return editions.write_editions(
        out, lambda notebook: exporter.from_notebook_node(assign_slide_types(notebook))[0],
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
