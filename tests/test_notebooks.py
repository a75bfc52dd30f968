"""The stored notebooks are a complete, clean series (nbval checks their outputs separately)."""

from __future__ import annotations

import re

import pytest

from tests.notebook_outputs import NOTEBOOKS, code_cells, load, output_text, source
from tools import lesson_size

SERIES = [
    "00_start_here.ipynb",
    "01_information_and_entropy.ipynb",
    "02_cross_entropy_and_kl_divergence.ipynb",
    "03_maximum_likelihood.ipynb",
    "04_softmax.ipynb",
    "05_log_softmax_and_numerical_stability.ipynb",
    "06_nll_loss.ipynb",
    "07_cross_entropy_loss_in_pytorch.ipynb",
    "08_label_smoothing.ipynb",
    "09_training_with_cross_entropy.ipynb",
    "10_calibration.ipynb",
    "11_distillation.ipynb",
    "12_binary_cross_entropy_and_focal_loss.ipynb",
    "13_cross_entropy_for_language_models.ipynb",
    "A_documents.ipynb",
    "B_errata.ipynb",
]
# The numbered lessons, then the lettered appendices (reference, not lectures).
LESSONS = [name for name in SERIES[1:] if name[:2].isdigit()]
APPENDICES = [name for name in SERIES if not name[:2].isdigit()]
LOCAL_PATH = re.compile(r"(/root/|/home/|/work/|site-packages|dist-packages|[A-Za-z]:\\Users)")
LINK = re.compile(r"\]\(([^)#\s]+\.ipynb)")


def markdown(notebook: dict) -> str:
    return "\n".join(source(cell) for cell in notebook["cells"] if cell["cell_type"] == "markdown")


def mime_types(notebook: dict) -> set[str]:
    return {
        mime
        for cell in code_cells(notebook)
        for output in cell.get("outputs", [])
        for mime in output.get("data", {})
    }


def test_the_series_is_complete_and_nothing_else_is_in_the_folder() -> None:
    assert sorted(path.name for path in NOTEBOOKS.glob("*.ipynb")) == SERIES


@pytest.mark.parametrize("name", APPENDICES)
def test_appendix_has_a_lettered_title_and_links_on(name: str) -> None:
    notebook = load(name)
    assert source(notebook["cells"][0]).startswith(f"# {name[0]} · Appendix"), (
        f"{name}: first cell must be the title '# {name[0]} · Appendix …'"
    )
    following = SERIES[(SERIES.index(name) + 1) % len(SERIES)]
    assert following in source(notebook["cells"][-1]), f"{name}: the last cell links to {following}"


@pytest.mark.parametrize("name", SERIES)
def test_saved_after_one_clean_run(name: str) -> None:
    notebook = load(name)
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    cells = [cell for cell in code_cells(notebook) if source(cell).strip()]
    assert [cell["execution_count"] for cell in cells] == list(range(1, len(cells) + 1))
    for number, cell in enumerate(cells, start=1):
        tags = cell.get("metadata", {}).get("tags", [])
        for output in cell.get("outputs", []):
            if output["output_type"] == "error":
                assert "raises-exception" in tags, (
                    f"cell [{number}] stores an error but is not tagged"
                )
            assert not LOCAL_PATH.search(output_text(output)), f"cell [{number}] shows a local path"


@pytest.mark.parametrize("name", SERIES)
def test_links_point_to_notebooks_of_the_series(name: str) -> None:
    for target in LINK.findall(markdown(load(name))):
        # 00 links to its Chinese edition (tests/test_translations.py checks the other way)
        series = target.removeprefix("zh/") if name == SERIES[0] else target
        assert series in SERIES, f"{name} links to {target}, which is not in the series"


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_has_title_goals_figure_explorer_exercises_and_next_link(name: str) -> None:
    notebook = load(name)
    number = int(name[:2])
    first = source(notebook["cells"][0])
    assert first.startswith(f"# {number} ·"), (
        f"{name}: first cell must be the title '# {number} · …'"
    )
    assert "goals" in first.lower(), f"{name}: the first cell states the learning goals"
    assert "image/png" in mime_types(notebook), f"{name}: no figure"
    assert "application/vnd.jupyter.widget-view+json" in mime_types(notebook), (
        f"{name}: no explorer"
    )
    text = markdown(notebook)
    assert text.count("<details") >= 2, f"{name}: fewer than two folded solutions"
    feedback = [
        output_text(output)
        for cell in code_cells(notebook)
        for output in cell.get("outputs", [])
        if re.match(r"[✓✗] ", output_text(output))
    ]
    assert len(feedback) >= 2, f"{name}: fewer than two checked exercises"
    following = SERIES[(SERIES.index(name) + 1) % len(SERIES)]
    assert following in source(notebook["cells"][-1]), f"{name}: the last cell links to {following}"


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_is_lecture_sized_and_about_the_ideas(name: str) -> None:
    measured = lesson_size.size(NOTEBOOKS / name)
    assert measured.words <= lesson_size.MAX_WORDS, f"{name}: {measured.words} words"
    assert measured.code_cells <= lesson_size.MAX_CODE_CELLS, (
        f"{name}: {measured.code_cells} code cells"
    )
    assert measured.document_share <= lesson_size.MAX_DOCUMENT_SHARE, (
        f"{name}: {measured.document_share:.1%} of the prose is about the documents"
    )
