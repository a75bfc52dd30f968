"""Both editions on the site and in the decks, with a language switch on every page.

The English pages are ``NN_name.html`` (decks ``NN_name.slides.html``) beside ``index.html``, as
before; the Chinese edition (``notebooks/zh/``) is ``NN_name.zh.html`` (``….zh.slides.html``)
beside ``index.zh.html``, in the same folder, so that both share ``_static/`` and whatever else
lies beside the pages. Every page, deck and index gets a small fixed link to the same page of the
other edition (:func:`add_language_switch`), and ``<html lang>`` says its language. Links between
notebooks stay within an edition; the Chinese 00's link to the English 00 (``../00_…ipynb``) and
the English 00's to the Chinese (``zh/00_…ipynb``) become links between the two pages.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import nbformat

from tools import build_site, static_explorers


@dataclass(frozen=True)
class Edition:
    language: str  # the page's <html lang>
    folder: Path  # where its notebooks are
    infix: str  # between the notebook's stem and the page's suffix: "" or ".zh"
    name: str  # how the other edition's switch names this one
    heading: str  # the index page's heading
    note: str  # the index page's note


ENGLISH = Edition("en", build_site.NOTEBOOKS, "", "English",
                  "Cross-entropy, from information to label smoothing",
                  "The notebooks of the series, in order, with their outputs.")
CHINESE = Edition("zh-CN", build_site.NOTEBOOKS / "zh", ".zh", "中文",
                  "交叉熵：从信息量到标签平滑",
                  "本系列的笔记本，按顺序排列，附带它们的输出。")
EDITIONS = (ENGLISH, CHINESE)

#: The switch: fixed at the top right, above reveal.js's slides, out of the way of the content.
SWITCH_STYLE = (
    "position:fixed;top:8px;right:12px;z-index:1000;font:14px/1.4 system-ui,sans-serif;"
    "background:#fff;border:1px solid #ccc;border-radius:4px;padding:2px 8px"
)


def other(edition: Edition) -> Edition:
    return CHINESE if edition is ENGLISH else ENGLISH


def page_name(stem: str, edition: Edition, suffix: str) -> str:
    """``01_x`` + ``.html`` → ``01_x.html`` (English) or ``01_x.zh.html`` (Chinese)."""
    return f"{stem}{edition.infix}{suffix}"


def add_language_switch(page: str, edition: Edition, target: str) -> str:
    """``page`` with ``<html lang>`` set and, first in its body, a link to ``target``: the same
    page in the other edition, named in that edition's language."""
    page = re.sub(r"<html\b[^>]*>", f'<html lang="{edition.language}">', page, count=1)
    switch = (f'<a class="language-switch" href="{html.escape(target)}" '
              f'hreflang="{other(edition).language}" style="{SWITCH_STYLE}">'
              f"{html.escape(other(edition).name)}</a>")
    page, count = re.subn(r"(<body\b[^>]*>)", lambda m: m.group(1) + switch, page, count=1)
    if not count:
        raise ValueError("the page has no <body>")
    return page


def link_editions(page: str, edition: Edition, suffix: str) -> str:
    """The links of 00 to the other edition's 00 point to that page."""
    if edition is CHINESE:
        return re.sub(r'href="\.\./((?:\d\d|[A-Z])_\w+)\.ipynb"',
                      lambda m: f'href="{page_name(m.group(1), ENGLISH, suffix)}"', page)
    return re.sub(r'href="zh/((?:\d\d|[A-Z])_\w+)\.ipynb"',
                  lambda m: f'href="{page_name(m.group(1), CHINESE, suffix)}"', page)


def _finish_page(page: str, path: Path, *, edition: Edition, suffix: str) -> str:
    """A converted page of ``edition``: links across editions, and its language switch."""
    return add_language_switch(link_editions(page, edition, suffix), edition,
                               page_name(path.stem, other(edition), suffix))


def write_editions(
    out: Path,
    convert: Callable[[nbformat.NotebookNode], str],
    suffix: str,
    paths: list[Path] | None = None,
    *,
    execute: bool = False,
    cache: Path = static_explorers.CACHE,
    notes: tuple[str, str] = ("", ""),
) -> Path:
    """Every page of both editions (``paths``: English notebooks to convert, with their Chinese
    editions; default the whole series), each with its language switch, and one index each with
    its note (``notes``: English, Chinese). Returns the English index.

    The Chinese pages show the frames of the English notebooks' explorers (the same code cells
    and cell ids), computed once (:mod:`tools.static_explorers`)."""
    english = build_site.notebook_paths() if paths is None else paths
    for edition, note in zip(EDITIONS, notes, strict=True):
        rows = build_site.write_pages(
            out, [edition.folder / path.name for path in english], convert,
            edition.infix + suffix, execute=execute, cache=cache,
            frames_of=lambda path: build_site.NOTEBOOKS / path.name,
            language=edition.language, finish=partial(_finish_page, edition=edition, suffix=suffix),
        )
        build_site.write_index(
            out, rows, edition.heading, f"{edition.note} {note}".strip(),
            page_name("index", edition, ".html"),
            finish=partial(add_language_switch, edition=edition,
                           target=page_name("index", other(edition), ".html")),
        )
    return out / "index.html"
