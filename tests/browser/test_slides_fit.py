"""Every slide of every deck of `make slides`, both editions, fits 1280×720 without scrolling.

The decks are built into a temporary directory (the explorers' frames from the cache in
build/frames) and opened from ``file://`` in Chromium at 1280×720, the presentation size the
decks configure in reveal.js. Each slide is presented in turn, as the arrow keys would, because
reveal.js lays out only the slides near the present one and the deck re-typesets a slide's
formulas when it is shown; once MathJax's queue is empty and the slide's images have loaded, the
slide is measured. A slide fails when its content is taller or wider than the slide (reveal.js
would cut it at the edge of the screen) or when an element on it needs a scroll bar (a teacher
cannot scroll through a slide). Fragments count: they are laid out, only hidden.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser import _support
from tools import build_site, slides
from tools import slide_layout as layout

WAIT_MS = 90_000
DECKS = [f"{path.stem}{infix}.slides.html"
         for infix in ("", ".zh") for path in _support.notebook_paths()]

#: Present each slide of the deck in turn and measure it: its indices, content size, the
#: elements on it that scroll, and its first words.
MEASURE = """async () => {
  const Reveal = require('_static/reveal.js/dist/reveal.js');
  const {width, height} = Reveal.getConfig();
  const settled = () => new Promise((done) => MathJax.Hub.Queue(done));
  const frame = () => new Promise((done) => requestAnimationFrame(
      () => requestAnimationFrame(done)));
  const loaded = (img) => img.complete ? null
      : new Promise((done) => { img.onload = img.onerror = done; });
  const scrolls = (element) => {
    const style = getComputedStyle(element);
    const can = (overflow) => overflow === 'auto' || overflow === 'scroll';
    return (can(style.overflowY) && element.scrollHeight > element.clientHeight + 1)
        || (can(style.overflowX) && element.scrollWidth > element.clientWidth + 1);
  };
  const leaves = [...document.querySelectorAll('.reveal .slides section')]
    .filter((section) => !section.querySelector('section'));
  const measured = [];
  for (const slide of leaves) {
    const {h, v} = Reveal.getIndices(slide);
    Reveal.slide(h, v);
    await settled();
    await Promise.all([...slide.querySelectorAll('img')].map(loaded));
    await frame();
    await settled();
    const scrolling = [slide, ...slide.querySelectorAll('*')]
      .filter((element) => element.closest('aside.notes') === null && scrolls(element))
      .map((element) => element.tagName.toLowerCase() + '.' + [...element.classList].join('.'));
    measured.push({h, v, height: slide.scrollHeight, width: slide.scrollWidth, scrolling,
                   words: slide.innerText.replace(/\\s+/g, ' ').trim().slice(0, 60)});
  }
  return {width, height, slides: measured};
}"""


@pytest.fixture(scope="module")
def decks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("slides")
    try:
        slides.build_slides(out)
    except build_site.MissingAssets as error:
        pytest.fail(str(error), pytrace=False)
    return out


def measure(browser: Any, deck: Path) -> dict[str, Any]:
    """Every slide of ``deck`` presented at 1280×720 and measured (:data:`MEASURE`)."""
    context = browser.new_context(viewport={"width": layout.WIDTH, "height": layout.HEIGHT})
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(deck.as_uri())
        page.wait_for_selector(".reveal.ready", state="attached", timeout=WAIT_MS)
        page.wait_for_function("() => window.MathJax && MathJax.Hub && MathJax.Hub.queue",
                               timeout=WAIT_MS)
        measured = page.evaluate(MEASURE)
        assert not errors, f"{deck.name}: {errors}"
        return measured
    finally:
        context.close()


def overflows(measured: dict[str, Any]) -> list[str]:
    """The slides that do not fit, each with where it is, by how much, and its first words."""
    width, height = measured["width"], measured["height"]
    found = []
    for slide in measured["slides"]:
        problems = []
        if slide["height"] > height:
            problems.append(f"{slide['height'] / height:.2f} times too tall")
        if slide["width"] > width:
            problems.append(f"{slide['width'] / width:.2f} times too wide")
        if slide["scrolling"]:
            problems.append(f"scrolls in {', '.join(sorted(set(slide['scrolling'])))}")
        if problems:
            found.append(f"slide {slide['h']}.{slide['v']}: {'; '.join(problems)}: "
                         f"{slide['words']!r}")
    return found


@pytest.mark.parametrize("name", DECKS)
def test_every_slide_fits_1280_by_720(decks: Path, browser: Any, name: str) -> None:
    started = time.monotonic()
    measured = measure(browser, decks / name)
    assert (measured["width"], measured["height"]) == (layout.WIDTH, layout.HEIGHT), (
        f"{name}: reveal.js is configured for {measured['width']}×{measured['height']}")
    assert len(measured["slides"]) > 1, f"{name}: {len(measured['slides'])} slides"
    found = overflows(measured)
    print(f"{name}: {len(measured['slides'])} slides, {len(found)} do not fit, "
          f"{time.monotonic() - started:.1f} s")
    assert not found, (f"{name}: {len(found)} of {len(measured['slides'])} slides do not fit:"
                       + "".join(f"\n  {problem}" for problem in found))
