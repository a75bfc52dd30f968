"""The student edition: every notebook of the series without its solutions.

    python -m tools.student --out build/student     # make student
    python -m tools.student --out build/student --execute

For each ``notebooks/*.ipynb`` an in-memory copy is stripped (:func:`strip_solutions`) and
written to the output folder, with ``matplotlibrc`` beside it so that a kernel started there
gets the course's figures:

- every ``<details><summary>Solution</summary>…</details>`` block is cut out of its markdown
  cell; a cell left empty is dropped;
- a cell tagged ``solution`` (``metadata.tags``) is dropped;
- an exercise cell (a code cell that calls ``check_…``) keeps its source, which holds the
  placeholder (``answer_… = None`` or a function raising ``NotImplementedError``), and loses its
  outputs and execution count;
- every other cell is as in the course, outputs included.

``--execute`` runs each written notebook in a fresh kernel from the output folder (with
:func:`tools.execute_notebooks.run`) and fails if a cell raises; the files are not rewritten.
The notebooks find the repository's files (``requirements.txt``, ``benchmarks/``) from the
installed ``helpers`` package, not from the working directory, so the edition runs from any
folder of a clone whose ``helpers`` is installed (``pip install -e .``, as ``make`` does).
"""

from __future__ import annotations

import argparse
import copy
import re
import shutil
import sys
from pathlib import Path

import nbformat

from tools.execute_notebooks import run

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
#: Files the notebooks need beside them.
SUPPORT_FILES = ("matplotlibrc",)
SOLUTION_TAG = "solution"

#: A folded solution, with the blank lines after it.
SOLUTION_BLOCK = re.compile(
    r"<details[^>]*>\s*<summary[^>]*>\s*Solution\s*</summary>.*?</details>[ \t]*\n*",
    re.DOTALL | re.IGNORECASE,
)
#: A call of an exercise checker, e.g. ``lesson.check_mean_nll(answer_3_1)``.
CHECK_CALL = re.compile(r"\bcheck_\w+\s*\(")


def is_exercise(cell: nbformat.NotebookNode) -> bool:
    """True for a code cell that calls a ``check_…`` function: a learner's answer cell."""
    return cell.cell_type == "code" and bool(CHECK_CALL.search(cell.source))


def solutions(source: str) -> list[str]:
    """The folded solution blocks of a markdown source, in order."""
    return [match.group(0) for match in SOLUTION_BLOCK.finditer(source)]


def strip_solutions(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``notebook`` without its solutions (module docstring), as a copy: the original is kept."""
    student = copy.deepcopy(notebook)
    cells = []
    for cell in student.cells:
        if SOLUTION_TAG in cell.metadata.get("tags", []):
            continue
        if cell.cell_type == "markdown" and solutions(cell.source):
            cell.source = SOLUTION_BLOCK.sub("", cell.source).strip("\n")
            if not cell.source.strip():
                continue
        if is_exercise(cell):
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
        cells.append(cell)
    student.cells = cells
    return student


def build(out: Path, execute: bool = False) -> list[Path]:
    """Write the student edition of every notebook to ``out``; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    for name in SUPPORT_FILES:
        shutil.copy2(NOTEBOOKS / name, out / name)
    written = []
    for source in sorted(NOTEBOOKS.glob("*.ipynb")):
        target = out / source.name
        nbformat.write(strip_solutions(nbformat.read(source, as_version=4)), target)
        written.append(target)
        if execute:
            _, elapsed = run(target)
            print(f"{elapsed:6.1f} s  ran {target}", flush=True)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "student")
    parser.add_argument("--execute", action="store_true",
                        help="run each student notebook once from the output folder")
    args = parser.parse_args(argv)
    written = build(args.out, execute=args.execute)
    print(f"{len(written)} student notebooks in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
