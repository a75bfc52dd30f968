"""`make html` and `make slides` work offline: built into a temp dir, opened with the network cut.

The whole site and every deck are built (from the stored outputs, the explorers' frames from the
cache in build/frames, computed on the first run) into a temporary directory. No page may load a
script or stylesheet over http(s). Then one page and one deck, of the first notebook with an
explorer, are opened from ``file://`` in Chromium with every request that is not local aborted,
and must show: MathJax's typeset formulas (MathJax 2, as nbconvert's templates use it:
``.MathJax_CHTML``), reveal.js initialised (``.reveal.ready``, sections), the widgets saved with
the notebook that are not explorers (progress bars) rendered from their saved state, and every
explorer as a static explorer with its figure loaded. Then on every page and in every deck with
an explorer, each explorer's first slider is moved with the keyboard, as a learner would: its
figure must change to another precomputed frame that loads, and in a deck the slide must stay.
Any aborted or failed request fails the test, with its URL. No page or deck shows an exercise's
stored "✗ Exercise …: not yet" verdict; the page shows the line that replaces it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.browser import _support
from tools import build_site, slides, static_explorers
from tools.student import is_exercise

WAIT_MS = 90_000
#: The stored verdict of an exercise cell's placeholder (helpers/feedback.py).
VERDICT = re.compile(r"✗ Exercise [^:\n]*: not yet")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("site")
    try:
        build_site.build_html(out / "html")
        slides.build_slides(out / "slides")
    except build_site.MissingAssets as error:
        pytest.fail(str(error), pytrace=False)
    return {"html": out / "html", "slides": out / "slides"}


def widget_counts(path: Path) -> tuple[int, int]:
    """The explorers a notebook shows, and its other widget views (progress bars)."""
    notebook = nbformat.read(path, as_version=4)
    outputs = [output for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.outputs]
    views = sum(_support.WIDGET_VIEW in output.get("data", {}) for output in outputs)
    explorers = sum(len(static_explorers.explorer_outputs(cell)) for cell in notebook.cells
                    if cell.cell_type == "code")
    return explorers, views - explorers


def showcase() -> _support.NotebookFacts:
    """The first notebook of the series with an explorer (else the first notebook)."""
    paths = _support.notebook_paths()
    for path in paths:
        facts = _support.read_facts(path)
        if facts.first_explorer() is not None:
            return facts
    return _support.read_facts(paths[0])


def test_every_page_and_deck_loads_nothing_from_the_network(built: dict[str, Path]) -> None:
    names = [path.stem for path in _support.notebook_paths()]
    for kind, suffix in (("html", ".html"), ("slides", ".slides.html")):
        pages = sorted(built[kind].glob("*.html"))
        assert {page.name for page in pages} == {
            f"{name}{infix}{suffix}" for name in names for infix in ("", ".zh")
        } | {"index.html", "index.zh.html"}
        for page in pages:
            text = page.read_text(encoding="utf-8")
            assert build_site.remote_urls(text) == [], f"{page.name} loads from the network"
            assert not re.search(r"""(src|href)=["'](https?:)?//[^"']*\.(js|css)\b""", text), (
                f"{page.name}: a script or stylesheet URL with http(s) remains"
            )
            assert not VERDICT.search(text), f"{page.name} shows an exercise's stored verdict"
        for infix in ("", ".zh"):
            index = (built[kind] / f"index{infix}.html").read_text(encoding="utf-8")
            links = re.findall(r'<li><a href="([^"]+)"', index)
            assert links == [f"{name}{infix}{suffix}" for name in names], (
                f"{kind} index{infix}: series out of order")
        for page in pages:  # each page's language switch leads to its page in the other edition
            other = (page.name.replace(".zh.", ".") if ".zh." in page.name
                     else page.name.replace(".", ".zh.", 1))
            assert f'class="language-switch" href="{other}"' in page.read_text(encoding="utf-8"), (
                f"{page.name}: no language switch to {other}")


def open_offline(browser: Any, url: str) -> tuple[Any, Any, list[str]]:
    """A page at ``url`` in a context where every non-local request is aborted and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    problems: list[str] = []

    def route(route: Any) -> None:
        if _support.is_local(route.request.url):
            route.continue_()
        else:
            problems.append(f"blocked (needs the network): {route.request.url}")
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} ({r.failure})"))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.goto(url)
    return context, page, problems


def check_rendered(page: Any, facts: _support.NotebookFacts, what: str) -> None:
    page.wait_for_function(
        """() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0
                 && document.querySelectorAll('.MathJax_CHTML').length > 0""",
        timeout=WAIT_MS, polling=200,
    )
    assert page.locator(".MathJax_Error, .MathJax_CHTML merror").count() == 0, (
        f"{what}: MathJax reports an error"
    )
    explorers, others = widget_counts(facts.path)
    if others:
        page.wait_for_function(
            "(n) => document.querySelectorAll('.jupyter-widgets.widget-inline-hbox, "
            ".jupyter-widgets.widget-hbox').length >= n",
            arg=others, timeout=WAIT_MS, polling=200,
        )
    assert page.locator(".static-explorer").count() == explorers, f"{what}: explorers"
    page.wait_for_function(
        """() => [...document.querySelectorAll('img.static-explorer-figure')]
                   .every((img) => img.complete && img.naturalWidth > 0)""",
        timeout=WAIT_MS, polling=200,
    )
    assert "Error displaying widget" not in page.inner_text("body"), f"{what}: widget error"


def test_html_page_renders_offline(built: dict[str, Path], browser: Any) -> None:
    facts = showcase()
    page_file = built["html"] / f"{facts.path.stem}.html"
    shot = _support.ARTIFACTS / f"site_{facts.path.stem}.png"
    _support.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page, problems = open_offline(browser, page_file.as_uri())
    try:
        check_rendered(page, facts, page_file.name)
        if any(is_exercise(nbformat.v4.new_code_cell(cell.source)) for cell in facts.cells):
            body = page.inner_text("body")
            assert build_site.RUN_TO_CHECK in body, f"{page_file.name}: no 'Run this cell…'"
            assert not VERDICT.search(body), f"{page_file.name} shows an exercise's verdict"
        if facts.first_explorer() is not None:
            page.locator(".static-explorer").first.scroll_into_view_if_needed()
        page.screenshot(path=str(shot))
        assert not problems, f"{page_file.name} (screenshot {shot}):\n  " + "\n  ".join(problems)
    finally:
        context.close()


def test_slides_render_offline(built: dict[str, Path], browser: Any) -> None:
    facts = showcase()
    deck = built["slides"] / f"{facts.path.stem}.slides.html"
    shot = _support.ARTIFACTS / f"slides_{facts.path.stem}.png"
    _support.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page, problems = open_offline(browser, deck.as_uri())
    try:
        page.wait_for_selector(".reveal.ready .slides section", state="attached", timeout=WAIT_MS)
        sections = page.locator(".reveal .slides > section").count()
        assert sections > 1, f"{deck.name}: {sections} horizontal slides"
        check_rendered(page, facts, deck.name)
        if facts.first_explorer() is not None:
            # Present the slide of the explorer, as a teacher would reach it with the arrows.
            page.evaluate(
                """() => {
                     const Reveal = require('_static/reveal.js/dist/reveal.js');
                     const slide = document.querySelector('.static-explorer').closest('section');
                     const {h, v} = Reveal.getIndices(slide);
                     Reveal.slide(h, v);
                   }"""
            )
            page.wait_for_timeout(500)
        page.screenshot(path=str(shot))
        assert not problems, f"{deck.name} (screenshot {shot}):\n  " + "\n  ".join(problems)
    finally:
        context.close()


@pytest.mark.parametrize("kind", ["html", "slides"])
def test_the_language_switch_opens_the_chinese_edition_offline(
    built: dict[str, Path], browser: Any, kind: str
) -> None:
    """A page or deck's language switch opens the same notebook in Chinese, which renders."""
    facts = showcase()
    suffix = ".html" if kind == "html" else ".slides.html"
    start = built[kind] / f"{facts.path.stem}{suffix}"
    shot = _support.ARTIFACTS / f"{kind}_zh_{facts.path.stem}.png"
    _support.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page, problems = open_offline(browser, start.as_uri())
    try:
        page.locator("a.language-switch").click()
        page.wait_for_url(f"**/{facts.path.stem}.zh{suffix}", timeout=WAIT_MS)
        check_rendered(page, facts, f"{facts.path.stem}.zh{suffix}")
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        assert page.locator("a.language-switch").inner_text() == "English"
        page.screenshot(path=str(shot))
        assert not problems, f"{kind} (screenshot {shot}):\n  " + "\n  ".join(problems)
    finally:
        context.close()


#: reveal.js's indices of the slide now shown, and a way to present the slide of an element.
REVEAL_INDICES = "() => JSON.stringify(require('_static/reveal.js/dist/reveal.js').getIndices())"
PRESENT = """(element) => {
               const Reveal = require('_static/reveal.js/dist/reveal.js');
               const {h, v} = Reveal.getIndices(element.closest('section'));
               Reveal.slide(h, v);
             }"""


def move_first_sliders(page: Any, what: str, *, deck: bool, note: str) -> int:
    """Move the first slider of every explorer on ``page`` one step with the keyboard; its
    figure must become another frame, which loads. In a deck each explorer's slide is presented
    first, and the arrow key must move the slider, not the slides. The explorers moved."""
    explorers = page.locator(".static-explorer")
    for index in range(explorers.count()):
        explorer = explorers.nth(index)
        where = f"{what}, explorer {index + 1}"
        assert note in explorer.inner_text(), f"{where}: no note"
        figure = explorer.locator("img.static-explorer-figure")
        slider = explorer.locator('input[type="range"]').first
        if deck:
            slider.evaluate(PRESENT)
            page.wait_for_timeout(100)
        slide = page.evaluate(REVEAL_INDICES) if deck else None
        before = figure.get_attribute("src"), slider.input_value()
        at_end = slider.input_value() == slider.get_attribute("max")
        slider.focus()
        page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
        after = figure.get_attribute("src"), slider.input_value()
        assert after[1] != before[1], f"{where}: the slider did not move"
        assert after[0] != before[0], f"{where}: the figure stayed {before[0]}"
        figure.evaluate(
            """(img) => img.complete && img.naturalWidth > 0 ? true : new Promise(
                 (done, fail) => { img.onload = () => done(true); img.onerror = fail; })"""
        )
        if deck:
            assert page.evaluate(REVEAL_INDICES) == slide, f"{where}: the arrow key changed slide"
    return explorers.count()


@pytest.mark.parametrize("kind", ["html", "slides"])
def test_every_explorer_moves_offline(built: dict[str, Path], browser: Any, kind: str) -> None:
    suffix = ".html" if kind == "html" else ".slides.html"
    moved = 0
    for path in _support.notebook_paths():
        explorers, _ = widget_counts(path)
        if not explorers:
            continue
        for infix, language in (("", "en"), (".zh", "zh-CN")):  # both editions
            target = built[kind] / f"{path.stem}{infix}{suffix}"
            context, page, problems = open_offline(browser, target.as_uri())
            try:
                if kind == "slides":
                    page.wait_for_selector(".reveal.ready", state="attached", timeout=WAIT_MS)
                count = move_first_sliders(page, target.name, deck=kind == "slides",
                                           note=static_explorers.NOTES[language][0])
                assert count == explorers, (
                    f"{target.name}: {count} static explorers, {explorers} shown")
                moved += count
                assert not problems, f"{target.name}:\n  " + "\n  ".join(problems)
            finally:
                context.close()
    assert moved > 0, "no explorer in the series"
