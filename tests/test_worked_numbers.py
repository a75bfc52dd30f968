"""Every number the source documents work out appears in a computed output of its notebook.

`worked_numbers.csv` lists each number as the document printed it, where, and which notebook
reproduces it. Here we check that the printed text stands in the stored output of a code cell
whose source does not type that number in; nbval checks that the stored outputs are what the
code computes. Together: each worked number is computed, not pasted.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from tests.notebook_outputs import NOTEBOOKS, code_cells, load, output_text, source, squeeze

CATALOGUE = Path(__file__).with_name("worked_numbers.csv")
DOCUMENTS = {
    "000_3e7c91f310c3397c.txt",
    "001_ee845424da2ec974.txt",
    "002_5a08535a3e6b69e5.txt",
    "003_487c11a78606db36.txt",
    "004_097d806fe62eab93.txt",
}
NUMBER = re.compile(r"-?\d+\.\d+")


def rows() -> list[dict[str, str]]:
    with CATALOGUE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def typed_in(number: str, code: str) -> bool:
    """Whether `number` stands in `code` as a whole literal (2.8883 is not in 2.88831)."""
    return re.search(rf"(?<![\d.]){re.escape(number.lstrip('-'))}(?!\d)", code) is not None


def test_catalogue_covers_every_document() -> None:
    per_document = Counter(row["document"] for row in rows())
    assert set(per_document) == DOCUMENTS, (
        f"documents without a worked number: {DOCUMENTS - set(per_document)}"
    )
    print("worked numbers per document:", dict(sorted(per_document.items())))


@pytest.mark.parametrize(
    "row",
    rows(),
    ids=lambda row: f"{row['document'][:3]}:{row['notebook'][:2]}:{row['printed'][:24]}",
)
def test_worked_number_is_a_computed_output(row: dict[str, str]) -> None:
    assert row["document"] in DOCUMENTS
    assert (NOTEBOOKS / row["notebook"]).exists(), f"no notebook {row['notebook']}"
    printed = squeeze(row["printed"])
    numbers = NUMBER.findall(printed)
    showing = [
        cell
        for cell in code_cells(load(row["notebook"]))
        if printed in squeeze(" ".join(output_text(output) for output in cell.get("outputs", [])))
    ]
    assert showing, (
        f"{row['printed']!r} ({row['document']}, {row['place']}) "
        f"is in no output of {row['notebook']}"
    )
    computed = (
        [cell for cell in showing if not all(typed_in(n, source(cell)) for n in numbers)]
        if numbers
        else showing
    )
    assert computed, f"{row['printed']!r} is shown only by cells that type it in"
