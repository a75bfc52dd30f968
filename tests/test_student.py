"""tools/student.py: the student edition has no solutions, no answered exercises, and runs."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import nbformat
import pytest

from tools.execute_notebooks import run
from tools.student import (
    NOTEBOOKS,
    SUPPORT_FILES,
    build,
    is_exercise,
    solutions,
    strip_solutions,
)

COURSE = sorted(NOTEBOOKS.glob("*.ipynb"))
NAMES = [path.name for path in COURSE]
#: Lines of a solution this short (``E.backward()``, ``)``) may well occur elsewhere.
MIN_LINE = 12
FENCED = re.compile(r"```[^\n]*\n(.*?)```", re.DOTALL)


@cache
def course(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / name, as_version=4)


@cache
def student(name: str) -> nbformat.NotebookNode:
    return strip_solutions(course(name))


def solution_lines(notebook: nbformat.NotebookNode) -> set[str]:
    """The stripped, non-trivial code lines inside the folded solutions of ``notebook``."""
    lines = set()
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for block in solutions(cell.source):
            for code in FENCED.findall(block):
                stripped = (line.strip() for line in code.splitlines())
                lines.update(line for line in stripped if len(line) >= MIN_LINE)
    return lines


def test_the_series_has_solutions_to_remove() -> None:
    secret = [
        line for name in NAMES for line in solution_lines(course(name))
        if line not in given_text(course(name))
    ]
    assert len(secret) > 40


def given_text(notebook: nbformat.NotebookNode) -> str:
    """The sources of ``notebook`` outside its folded solutions: what the learner is given."""
    sources = []
    for cell in notebook.cells:
        source = cell.source
        for block in solutions(source) if cell.cell_type == "markdown" else []:
            source = source.replace(block, "")
        sources.append(source)
    return "\n".join(sources)


@pytest.mark.parametrize("name", NAMES)
def test_no_solution_text_survives(name: str) -> None:
    text = "\n".join(cell.source for cell in student(name).cells)
    assert "<summary>Solution</summary>" not in text
    # A solution may repeat a line the learner is given (a placeholder's ``def`` line, a snippet
    # to fix); every other line of it must be gone.
    given = given_text(course(name))
    secret = [line for line in solution_lines(course(name)) if line not in given]
    assert [line for line in secret if line in text] == []


@pytest.mark.parametrize("name", NAMES)
def test_exercise_cells_keep_their_placeholder_and_lose_their_outputs(name: str) -> None:
    exercises = [cell for cell in course(name).cells if is_exercise(cell)]
    kept = [cell for cell in student(name).cells if is_exercise(cell)]
    assert [cell.source for cell in kept] == [cell.source for cell in exercises]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in kept)


@pytest.mark.parametrize("name", NAMES)
def test_every_other_cell_is_as_in_the_course(name: str) -> None:
    others = [
        cell for cell in course(name).cells
        if not is_exercise(cell) and not solutions(cell.source)
    ]
    assert [cell for cell in student(name).cells if not is_exercise(cell)
            and cell.source in {other.source for other in others}] == others


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("student")
    build(out)
    return out


def test_build_writes_every_notebook_and_what_they_need(edition: Path) -> None:
    assert sorted(path.name for path in edition.glob("*.ipynb")) == NAMES
    for name in SUPPORT_FILES:
        assert (edition / name).read_bytes() == (NOTEBOOKS / name).read_bytes()


@pytest.mark.parametrize("name", NAMES)
def test_student_notebook_runs_and_every_checker_says_not_yet(edition: Path, name: str) -> None:
    executed, _ = run(edition / name)  # raises CellExecutionError if a cell fails
    for cell in executed.cells:
        if is_exercise(cell):
            text = "".join(
                output.get("text", "") + output.get("data", {}).get("text/plain", "")
                for output in cell.outputs
            )
            assert "✗" in text and "not yet" in text, (name, cell.source, text)
            assert "✓" not in text, (name, cell.source, text)


# Hand-made notebooks.

def _notebook(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = list(cells)
    return notebook


SOLUTION = (
    "<details><summary>Solution</summary>\n\nTake the mean.\n\n"
    "```python\nanswer_1 = values.mean()\n```\n</details>"
)


def test_a_cell_with_text_and_a_solution_keeps_its_text() -> None:
    cell = nbformat.v4.new_markdown_cell(f"{SOLUTION}\n\n**Exercise 1.2.** Now the median.")
    result = strip_solutions(_notebook(cell))
    assert [c.source for c in result.cells] == ["**Exercise 1.2.** Now the median."]
    assert cell.source.startswith("<details>")  # the original is unchanged


def test_text_before_and_after_a_solution_is_kept() -> None:
    cell = nbformat.v4.new_markdown_cell(f"Before.\n\n{SOLUTION}\n\nAfter.")
    assert strip_solutions(_notebook(cell)).cells[0].source == "Before.\n\nAfter."


def test_a_cell_with_only_a_solution_is_dropped() -> None:
    notebook = _notebook(
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_markdown_cell(f"{SOLUTION}\n\n<details><summary>Solution</summary>x</details>\n"),
    )
    assert [c.source for c in strip_solutions(notebook).cells] == ["# Title"]


def test_other_details_blocks_are_kept() -> None:
    hint = "<details><summary>Hint</summary>Use the mean.</details>"
    notebook = _notebook(nbformat.v4.new_markdown_cell(hint))
    assert [c.source for c in strip_solutions(notebook).cells] == [hint]


def test_a_solution_tagged_cell_is_dropped() -> None:
    tagged = nbformat.v4.new_code_cell("answer_1 = values.mean()")
    tagged.metadata["tags"] = ["solution"]
    other = nbformat.v4.new_code_cell("values = [1, 2]")
    other.metadata["tags"] = ["hide-input"]
    result = strip_solutions(_notebook(tagged, other))
    assert [c.source for c in result.cells] == ["values = [1, 2]"]


def test_an_exercise_cell_loses_only_its_outputs() -> None:
    exercise = nbformat.v4.new_code_cell("answer_1 = None\nlesson.check_mean(answer_1)")
    exercise.outputs = [nbformat.v4.new_output("stream", text="✗ Exercise 1: not yet.\n")]
    exercise.execution_count = 3
    shown = nbformat.v4.new_code_cell("print(1)")
    shown.outputs = [nbformat.v4.new_output("stream", text="1\n")]
    shown.execution_count = 4
    result = strip_solutions(_notebook(exercise, shown))
    assert result.cells[0].source == exercise.source
    assert (result.cells[0].outputs, result.cells[0].execution_count) == ([], None)
    assert result.cells[1] == shown
