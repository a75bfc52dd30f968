"""Reading what a stored notebook shows: its code cells and the text of their outputs."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
#: The five source documents, beside the repository (CI lays them there).
SEEDS = NOTEBOOKS.parent.parent / "shared" / "seeds"


def seed_documents() -> dict[str, str]:
    """The text of each source document by its number (``"000"`` …). Without them a test fails
    under CI and is skipped elsewhere."""
    files = sorted(SEEDS.glob("*.txt"))
    if not files:
        if os.environ.get("CI"):
            pytest.fail(f"the source documents are missing: no *.txt in {SEEDS}")
        pytest.skip(f"the source documents are not beside the repository ({SEEDS})")
    return {path.name[:3]: path.read_text(encoding="utf-8") for path in files}


def load(name: str) -> dict:
    return json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    text = cell.get("source", "")
    return text if isinstance(text, str) else "".join(text)


def output_text(output: dict) -> str:
    """The text a reader sees of one output: stream text, plain-text data, or an error line."""
    if output.get("output_type") == "stream":
        text = output.get("text", "")
    elif output.get("output_type") == "error":
        text = f"{output.get('ename', '')}: {output.get('evalue', '')}"
    else:
        text = output.get("data", {}).get("text/plain", "")
    return text if isinstance(text, str) else "".join(text)


def squeeze(text: str) -> str:
    """Runs of white space count as one space."""
    return re.sub(r"\s+", " ", text).strip()


def code_cells(notebook: dict) -> list[dict]:
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
