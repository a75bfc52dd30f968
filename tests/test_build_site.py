"""tools/build_site.py: links between notebooks point to the converted pages; exercise cells
show their question and one line instead of their stored verdict; an edition with the same code
cells shows the explorers' frames of the original. tools/editions.py: both editions, each page
with a link to its page in the other."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import nbformat
import pytest

from tools import editions, static_explorers
from tools.build_site import NOTEBOOKS, RUN_TO_CHECK, link_pages, question_only, write_pages


def test_links_to_lessons_and_appendices_point_to_pages_and_keep_their_anchor() -> None:
    page = (
        '<a href="04_softmax.ipynb">4</a> <a href="A_documents.ipynb#document-002">A</a> '
        '<a href="B_errata.ipynb">B</a> <a href="https://example.org/x.ipynb">out</a>'
    )
    assert link_pages(page, ".html") == (
        '<a href="04_softmax.html">4</a> <a href="A_documents.html#document-002">A</a> '
        '<a href="B_errata.html">B</a> <a href="https://example.org/x.ipynb">out</a>'
    )


def test_exercise_cells_show_the_question_and_one_line_instead_of_the_verdict() -> None:
    verdict = nbformat.v4.new_output(
        "execute_result", data={"text/plain": "✗ Exercise 1.1: not yet. Expected one number."},
        execution_count=3,
    )
    figure = nbformat.v4.new_output("display_data", data={"text/plain": "<Figure>"})
    printed = nbformat.v4.new_output("stream", name="stdout", text="0.5\n")
    exercise_source = "answer_1_1 = None  # your answer\nlesson.check_surprise(answer_1_1)"
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("Call `check_surprise(answer)` below."),
        nbformat.v4.new_code_cell("print(0.5)", outputs=[printed]),
        nbformat.v4.new_code_cell(exercise_source, outputs=[verdict], execution_count=3),
        nbformat.v4.new_code_cell("plot()", outputs=[figure]),
        nbformat.v4.new_code_cell("lesson.check_softmax(softmax)", outputs=[]),
    ])
    others = [copy.deepcopy(notebook.cells[i]) for i in (0, 1, 3)]

    result = question_only(notebook)

    assert result is notebook
    for cell in (notebook.cells[2], notebook.cells[4]):
        assert [(o.output_type, o.name, o.text) for o in cell.outputs] == [
            ("stream", "stdout", RUN_TO_CHECK + "\n")
        ]
    assert notebook.cells[2].source == exercise_source
    assert [notebook.cells[i] for i in (0, 1, 3)] == others
    assert RUN_TO_CHECK == "Run this cell in the notebook to check your answer."
    nbformat.validate(notebook)


def test_write_pages_of_site_and_slides_converts_exercises_without_verdict(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title\n\nAbout."),
        nbformat.v4.new_code_cell(
            "lesson.check_x(answer)",
            outputs=[nbformat.v4.new_output(
                "execute_result", data={"text/plain": "✗ Exercise 1.1: not yet."},
                execution_count=1,
            )],
            execution_count=1,
        ),
    ])
    path = tmp_path / "01_x.ipynb"
    nbformat.write(notebook, path)
    seen: list[nbformat.NotebookNode] = []
    out = tmp_path / "out"
    out.mkdir()
    write_pages(out, [path], lambda nb: seen.append(nb) or "<p>page</p>", ".html")
    (converted,) = seen
    assert converted.cells[1].outputs[0].text == RUN_TO_CHECK + "\n"
    assert "not yet" in path.read_text(encoding="utf-8")  # the notebook itself is untouched


def test_each_page_links_to_its_page_in_the_other_edition() -> None:
    page = '<!DOCTYPE html>\n<html>\n<head></head>\n<body class="x">\n<p>…</p></body></html>'
    english = editions.add_language_switch(page, editions.ENGLISH, "01_x.zh.html")
    chinese = editions.add_language_switch(page, editions.CHINESE, "01_x.html")
    assert '<html lang="en">' in english and '<html lang="zh-CN">' in chinese
    assert re.search(r'<body class="x"><a class="language-switch" href="01_x.zh.html" '
                     r'hreflang="zh-CN" style="[^"]+">中文</a>', english)
    assert re.search(r'<a class="language-switch" href="01_x.html" hreflang="en" '
                     r'style="[^"]+">English</a>', chinese)
    with pytest.raises(ValueError, match="no <body>"):
        editions.add_language_switch("<p>no body</p>", editions.ENGLISH, "x")


def test_the_start_pages_link_across_editions_and_lessons_stay_within() -> None:
    english = '<a href="zh/00_start_here.ipynb">中文</a> <a href="01_x.html">1</a>'
    chinese = '<a href="../00_start_here.ipynb">English</a> <a href="01_x.zh.html">1</a>'
    assert editions.link_editions(english, editions.ENGLISH, ".html") == (
        '<a href="00_start_here.zh.html">中文</a> <a href="01_x.html">1</a>')
    assert editions.link_editions(chinese, editions.CHINESE, ".slides.html") == (
        '<a href="00_start_here.slides.html">English</a> <a href="01_x.zh.html">1</a>')


def test_both_editions_are_written_with_an_index_each(tmp_path: Path) -> None:
    def convert(notebook: nbformat.NotebookNode) -> str:
        return (f"<html><body><h1>{notebook.cells[0].source.splitlines()[0]}</h1>"
                '<a href="02_cross_entropy_and_kl_divergence.ipynb">2</a></body></html>')

    index = editions.write_editions(
        tmp_path, convert, ".html", [NOTEBOOKS / "01_information_and_entropy.ipynb"])
    assert index == tmp_path / "index.html"
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "01_information_and_entropy.html", "01_information_and_entropy.zh.html",
        "frames", "index.html", "index.zh.html"]
    # one set of frames, computed from the English notebook, for both editions' explorers
    assert [path.name for path in (tmp_path / "frames").iterdir()] == ["01_information_and_entropy"]
    english = (tmp_path / "01_information_and_entropy.html").read_text(encoding="utf-8")
    chinese = (tmp_path / "01_information_and_entropy.zh.html").read_text(encoding="utf-8")
    assert 'href="01_information_and_entropy.zh.html"' in english
    assert 'href="02_cross_entropy_and_kl_divergence.html"' in english
    assert 'href="01_information_and_entropy.html"' in chinese
    assert 'href="02_cross_entropy_and_kl_divergence.zh.html"' in chinese
    assert "信息量" in chinese and "Information" in english
    assert '<script src="_static/static_explorer.js">' in chinese  # its explorers are static
    indexes = [(tmp_path / name).read_text(encoding="utf-8") for name in ("index.html",
                                                                           "index.zh.html")]
    assert 'href="index.zh.html"' in indexes[0] and 'href="index.html"' in indexes[1]
    assert '<a href="01_information_and_entropy.zh.html">' in indexes[1]


def test_a_translated_edition_shows_the_frames_of_the_original(tmp_path: Path) -> None:
    """The page of a notebook with the same code cells and cell ids (``01_lines.zh.html`` beside
    the original's page, as tools/editions.py writes them) shows the frames computed from the
    original, copied once under the original's stem."""
    explorer = nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "m", "version_major": 2,
                                                     "version_minor": 0},
        "text/plain": "Explorer: Line (slope=1.0)",
    })
    original = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 1 · Lines"),
        nbformat.v4.new_code_cell("lesson.line_explorer()", outputs=[explorer]),
    ])
    translated = copy.deepcopy(original)
    translated.cells[0].source = "# 1 · 直线"
    english, chinese = tmp_path / "01_lines.ipynb", tmp_path / "zh" / "01_lines.ipynb"
    chinese.parent.mkdir()
    nbformat.write(original, english)
    nbformat.write(translated, chinese)
    # The cache entry a kernel run of the original would leave (static_explorers.compute).
    cell_id = original.cells[1].id
    entry = tmp_path / "cache" / f"01_lines-{static_explorers.cache_key(english)}"
    (entry / cell_id).mkdir(parents=True)
    (entry / cell_id / "f.png").write_bytes(b"png")
    manifest = {"title": "Line", "complete": True, "width": 10, "height": 10,
                "controls": [{"name": "slope", "description": "slope", "kind": "range",
                              "labels": ["1.0"], "first": 0}],
                "frames": {"0": ["f.png", "slope 1.0"]}}
    (entry / "explorers.json").write_text(json.dumps({cell_id: [manifest]}), encoding="utf-8")

    out = tmp_path / "site"
    out.mkdir()
    seen: list[nbformat.NotebookNode] = []
    write_pages(out, [chinese], lambda nb: seen.append(nb) or "<head></head><body></body>",
                ".zh.html", cache=tmp_path / "cache",
                frames_of=lambda path: english if path == chinese else path)
    (page_notebook,) = seen
    assert page_notebook.cells[0].source == "# 1 · 直线"
    html = page_notebook.cells[1].outputs[0]["data"]["text/html"]
    assert f'src="frames/01_lines/{cell_id}/f.png"' in html
    page = (out / "01_lines.zh.html").read_text(encoding="utf-8")
    assert '<script src="_static/static_explorer.js"></script>' in page
    assert (out / "frames" / "01_lines" / cell_id / "f.png").read_bytes() == b"png"
    assert [path.name for path in (out / "frames").iterdir()] == ["01_lines"]
