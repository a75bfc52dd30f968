"""How big a lesson is: prose words, code cells, and the share of prose about the documents.

    .venv/bin/python -m tools.lesson_size                       # every notebook
    .venv/bin/python -m tools.lesson_size notebooks/03_*.ipynb

Words are counted in markdown cells, outside fenced code and HTML tags; a Chinese character counts
as one word. A paragraph is *about the documents* when it names one ("document 004", "004", a
seed's file name, 文档, "From the documents") or is a ``>`` quote; the share is the words of such
paragraphs over all prose words. The limits of a lesson (CONTRIBUTING.md): at most about 2,000
words, 35 code cells, and a quarter of the prose about the documents.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
ABOUT_A_DOCUMENT = re.compile(r"\b[Dd]ocuments?\b|文档|\b00[0-4]\b|^\s*>", re.M)
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# A tag starts with a letter or "/" after "<"; "<" in maths ($q_c < 1$) is not one.
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
WORD = re.compile(r"[A-Za-z0-9][\w'’.\-−]*")
MAX_WORDS = 2000
MAX_CODE_CELLS = 35
MAX_DOCUMENT_SHARE = 0.25


def words(text: str) -> int:
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = HTML_TAG.sub(" ", text)
    chinese = len(CHINESE.findall(text))
    return len(WORD.findall(CHINESE.sub(" ", text))) + chinese


@dataclass(frozen=True)
class Size:
    words: int
    code_cells: int
    document_words: int

    @property
    def document_share(self) -> float:
        return self.document_words / self.words if self.words else 0.0


def size(path: Path) -> Size:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    paragraphs = [
        paragraph
        for cell in notebook["cells"]
        if cell["cell_type"] == "markdown"
        for paragraph in re.split(r"\n\s*\n", "".join(cell["source"]))
    ]
    return Size(
        words=sum(words(paragraph) for paragraph in paragraphs),
        code_cells=sum(cell["cell_type"] == "code" for cell in notebook["cells"]),
        document_words=sum(words(p) for p in paragraphs if ABOUT_A_DOCUMENT.search(p)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    paths = parser.parse_args().notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    for path in paths:
        s = size(path)
        print(f"{path.name:48s} {s.words:5d} words  {s.code_cells:3d} code cells  "
              f"{s.document_share:6.1%} about the documents")


if __name__ == "__main__":
    main()
