"""A quote is the document's own words: each Chinese passage a notebook quotes is in the document
it is attributed to.

The documents are in ``../shared/seeds/`` beside the repository (CI lays them there). A quoted
passage is a markdown ``>`` line or a "…" span; one with six or more Han characters is a quote
of a document, and each run of three or more Han characters in it must occur in the text of the
document it is attributed to (compared after NFKC normalisation, with white space and markup
removed). A quote is attributed to the documents its cell names (``002`` or
``002_5a08535a3e6b69e5.txt``), or, where its cell names none, to those the nearest markdown cell
above it names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping

import pytest

from tests.notebook_outputs import NOTEBOOKS, load, seed_documents, source

HAN = r"[\u4e00-\u9fff]"
DOCUMENT_NAME = re.compile(r"\b(00[0-4])(?:_[0-9a-f]{16}\.txt)?\b")


def squash(text: str) -> str:
    return re.sub(r"[\s*_`$\\{}()\[\]]", "", unicodedata.normalize("NFKC", text))


def quoted_passages(markdown: str) -> list[str]:
    lines = [line.lstrip("> ").strip() for line in markdown.split("\n") if line.startswith(">")]
    # inline code first: the text between `"mean"` and a later `"sum"` is no quote
    spans = re.findall(r'["\u201c]([^"\u201d]*' + HAN + r'[^"\u201d]*)["\u201d]',
                       re.sub(r"`[^`\n]*`", " ", markdown))
    return [text for text in lines + spans if len(re.findall(HAN, text)) >= 6]


def missing_runs(passage: str, document: str) -> list[str]:
    runs = re.findall(HAN + "{3,}", unicodedata.normalize("NFKC", passage))
    return [run for run in runs if run not in document]


def attributed_quotes(cells: list[dict]) -> Iterator[tuple[int, str, list[str]]]:
    """(markdown cell number, quoted passage, the documents it is attributed to) in order."""
    named: list[str] = []
    for number, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        text = source(cell)
        named = sorted(set(DOCUMENT_NAME.findall(text))) or named
        for passage in quoted_passages(text):
            yield number, passage, named


def problems(cells: list[dict], documents: Mapping[str, str]) -> list[str]:
    found = []
    for number, passage, named in attributed_quotes(cells):
        if not named:
            found.append(f"markdown cell {number}: {passage[:40]!r} names no document before it")
            continue
        text = "".join(documents[name] for name in named)
        if missing := missing_runs(passage, text):
            found.append(f"markdown cell {number}: {passage[:40]!r} ({missing[0]!r} is not in "
                         f"document {', '.join(named)})")
    return found


@pytest.fixture(scope="module")
def documents() -> dict[str, str]:
    return {number: squash(text) for number, text in seed_documents().items()}


def markdown(text: str) -> dict:
    return {"cell_type": "markdown", "source": text}


def test_the_checks_find_a_made_up_quote() -> None:
    text = '> 将输入经过softmax激活函数之后\n\nand "这是一个编造的句子" inline'
    assert quoted_passages(text) == ["将输入经过softmax激活函数之后", "这是一个编造的句子"]
    document = squash("将输入经过 softmax 激活函数")
    assert missing_runs("将输入经过softmax激活函数", document) == []
    assert missing_runs("将输入经过softmax激活函数之后", document) == ["激活函数之后"]


def test_a_quote_is_checked_against_the_document_it_is_attributed_to() -> None:
    documents = {"000": squash("交叉熵损失函数"), "001": squash("手动计算softmax的结果")}
    quote = '"交叉熵损失函数的定义"'
    cells = [markdown("Document 001 says:"), {"cell_type": "code", "source": ""},
             markdown(f"> {quote[1:-1]}")]
    assert [named for _, _, named in attributed_quotes(cells)] == [["001"]]
    assert problems(cells, documents) == [
        "markdown cell 2: '交叉熵损失函数的定义' ('交叉熵损失函数的定义' is not in document 001)"
    ]
    assert problems([markdown(f"`000_3e7c91f310c3397c.txt`: {quote}")], documents) == [
        "markdown cell 0: '交叉熵损失函数的定义' ('交叉熵损失函数的定义' is not in document 000)"
    ]
    assert problems([markdown(f"In 000: {quote.replace('的定义', '')}")], documents) == []
    assert "names no document" in problems([markdown(f"> {quote[1:-1]}")], documents)[0]


@pytest.mark.parametrize(
    "name", sorted(str(path.relative_to(NOTEBOOKS)) for path in NOTEBOOKS.glob("*.ipynb"))
    + sorted(str(path.relative_to(NOTEBOOKS)) for path in NOTEBOOKS.glob("zh/*.ipynb")),
)
def test_every_chinese_quote_stands_in_its_document(name: str, documents: dict[str, str]) -> None:
    found = problems(load(name)["cells"], documents)
    assert not found, "\n".join(found)
