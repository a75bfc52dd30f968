"""tools/build_site.py: links between notebooks point to the converted pages."""

from __future__ import annotations

from tools.build_site import link_pages


def test_links_to_lessons_and_appendices_point_to_pages_and_keep_their_anchor() -> None:
    page = (
        '<a href="04_softmax.ipynb">4</a> <a href="A_documents.ipynb#document-002">A</a> '
        '<a href="B_errata.ipynb">B</a> <a href="https://example.org/x.ipynb">out</a>'
    )
    assert link_pages(page, ".html") == (
        '<a href="04_softmax.html">4</a> <a href="A_documents.html#document-002">A</a> '
        '<a href="B_errata.html">B</a> <a href="https://example.org/x.ipynb">out</a>'
    )
