"""A quote is the document's own words: each Chinese passage a notebook quotes is in a document.

The documents are in ``../shared/seeds/`` beside the repository (CI lays them there). A quoted
passage is a markdown ``>`` line or a "…" span; one with six or more Han characters is a quote
of a document, and each run of three or more Han characters in it must occur in the documents'
text (compared after NFKC normalisation, with white space and markup removed).
"""

from __future__ import annotations

import os
import re
import unicodedata

import pytest

from tests.notebook_outputs import NOTEBOOKS, load, source

SEEDS = NOTEBOOKS.parent.parent / "shared" / "seeds"
HAN = r"[\u4e00-\u9fff]"


def squash(text: str) -> str:
    return re.sub(r"[\s*_`$\\{}()\[\]]", "", unicodedata.normalize("NFKC", text))


def quoted_passages(markdown: str) -> list[str]:
    lines = [line.lstrip("> ").strip() for line in markdown.split("\n") if line.startswith(">")]
    spans = re.findall(r'["\u201c]([^"\u201d]*' + HAN + r'[^"\u201d]*)["\u201d]', markdown)
    return [text for text in lines + spans if len(re.findall(HAN, text)) >= 6]


def missing_runs(passage: str, documents: str) -> list[str]:
    runs = re.findall(HAN + "{3,}", unicodedata.normalize("NFKC", passage))
    return [run for run in runs if run not in documents]


@pytest.fixture(scope="module")
def documents() -> str:
    files = sorted(SEEDS.glob("*.txt"))
    if not files:
        if os.environ.get("CI"):
            pytest.fail(f"the source documents are missing: no *.txt in {SEEDS}")
        pytest.skip(f"the source documents are not beside the repository ({SEEDS})")
    return squash("".join(path.read_text(encoding="utf-8") for path in files))


def test_the_checks_find_a_made_up_quote() -> None:
    markdown = '> 将输入经过softmax激活函数之后\n\nand "这是一个编造的句子" inline'
    assert quoted_passages(markdown) == ["将输入经过softmax激活函数之后", "这是一个编造的句子"]
    documents = squash("将输入经过 softmax 激活函数")
    assert missing_runs("将输入经过softmax激活函数", documents) == []
    assert missing_runs("将输入经过softmax激活函数之后", documents) == ["激活函数之后"]


@pytest.mark.parametrize("name", sorted(path.name for path in NOTEBOOKS.glob("*.ipynb")))
def test_every_chinese_quote_stands_in_a_document(name: str, documents: str) -> None:
    problems = []
    for number, cell in enumerate(load(name)["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for passage in quoted_passages(source(cell)):
            if missing := missing_runs(passage, documents):
                problems.append(f"markdown cell {number}: {passage[:40]!r} "
                                f"({missing[0]!r} is in no document)")
    assert not problems, "\n".join(problems)
