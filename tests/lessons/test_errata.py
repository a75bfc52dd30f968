"""Appendix B (errata): its table, its figure, explorer and exercise checks."""

from __future__ import annotations

import re
import warnings
from collections import Counter

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers import losses
from helpers.lessons import errata as lesson
from tests.notebook_outputs import code_cells, load, output_text, seed_documents, source
from tests.test_quotes import missing_runs, squash

NOTEBOOK = "B_errata.ipynb"
VERDICTS = ("wrong", "outdated", "imprecise", "right")


@pytest.mark.parametrize("num_classes", [2, 3, 5])
def test_double_softmax_losses_match_torch(num_classes) -> None:
    p = np.array([0.01, 0.2, 0.5, 0.7, 0.99, 1.0])
    curves = losses.double_softmax_losses(p, num_classes)
    np.testing.assert_allclose(curves["nats"], -np.log(p))
    np.testing.assert_allclose(curves["bans"], -np.log10(p))
    probs = torch.empty(p.size, num_classes, dtype=torch.float64)
    probs[:, 0] = torch.from_numpy(p)
    probs[:, 1:] = torch.from_numpy((1 - p) / (num_classes - 1))[:, None]
    expected = F.cross_entropy(probs, torch.zeros(p.size, dtype=torch.long), reduction="none")
    np.testing.assert_allclose(curves["double"], expected.numpy(), rtol=1e-12)
    floor = np.log(1 + (num_classes - 1) / np.e)
    assert curves["double"][-1] == pytest.approx(floor)
    assert np.all(curves["double"] >= floor - 1e-12)


def test_figure_marks_document_002s_value() -> None:
    figure = lesson.double_softmax_figure(num_classes=3)
    (ax,) = figure.axes
    squares = [line for line in ax.lines if line.get_marker() == "s"]
    assert len(squares) == 1
    expected = F.cross_entropy(torch.tensor([[0.2, 0.7, 0.1]]), torch.tensor([1])).item()
    assert squares[0].get_ydata()[0] == pytest.approx(expected, rel=1e-6)
    assert round(expected, 4) == 0.7679


@pytest.mark.parametrize("num_classes", [2, 3, 5])
def test_double_softmax_bounds_over_every_split(num_classes) -> None:
    """The equal-split ceiling is reached at q_y = 0; log(e + C - 1) bounds every split."""
    rng = np.random.default_rng(num_classes)
    probs = torch.from_numpy(rng.dirichlet(np.full(num_classes, 0.3), size=2000))
    target = torch.zeros(len(probs), dtype=torch.long)
    losses_any = F.cross_entropy(probs, target, reduction="none")
    bound = np.log(np.e + num_classes - 1)
    assert losses_any.max().item() <= bound + 1e-12
    worst = torch.zeros(1, num_classes, dtype=torch.float64)
    worst[0, 1] = 1.0
    assert F.cross_entropy(worst, torch.tensor([0])).item() == pytest.approx(bound)
    assert bound == pytest.approx(1 + np.log(1 + (num_classes - 1) / np.e))
    equal = losses.double_softmax_losses(np.array([0.0]), num_classes)["double"][0]
    assert equal == pytest.approx(np.log(1 + (num_classes - 1) * np.exp(1 / (num_classes - 1))))
    assert equal <= bound + 1e-12  # equal for C = 2, where there is one split


def test_figure_draws_the_floor_and_both_ceilings() -> None:
    (ax,) = lesson.double_softmax_figure(num_classes=3).axes
    levels = sorted(line.get_ydata()[0] for line in ax.lines if line.get_linestyle() == ":")
    np.testing.assert_allclose(levels, [np.log(1 + 2 / np.e), np.log(1 + 2 * np.exp(0.5)),
                                        np.log(np.e + 2)])


def test_explorer_shows_the_three_numbers() -> None:
    explorer = lesson.double_softmax_explorer()
    assert repr(explorer) == "Explorer: Probabilities fed to CrossEntropyLoss (q=0.7)"
    assert "−ln q_y = 0.3567" in explorer.readout.value
    assert "−log10 q_y = 0.1549" in explorer.readout.value
    left, right = explorer.figure.axes
    before = explorer.image.value
    for q in (0.05, 0.3, 0.5, 0.9, 1.0):
        explorer.controls["q"].value = q
        curves = losses.double_softmax_losses(np.array([q]))
        values = [curves[name][0] for name in ("nats", "bans", "double")]
        heights = [bar.get_height() for bar in right.patches]
        np.testing.assert_allclose(heights, np.minimum(values, 3.0))
        moving = [line for line in left.lines if line.get_marker() == "o"]
        marked = [line.get_ydata()[0] for line in moving]
        np.testing.assert_allclose(marked, np.minimum(values, 3.0))
        assert f"CrossEntropyLoss of the probabilities = {values[2]:.4f}" in explorer.readout.value
    assert explorer.image.value != before


def logits_b1() -> torch.Tensor:
    return torch.tensor(lesson.DOUBLE_SOFTMAX_LOGITS, dtype=torch.float32)


def target_b1() -> torch.Tensor:
    return torch.tensor(lesson.DOUBLE_SOFTMAX_TARGET)


def solution_b2(logits, target):
    logits, target = torch.as_tensor(logits), torch.as_tensor(target)
    return F.cross_entropy(logits, target)


#: One correct answer per check (tests/lessons/test_checkers.py uses them too).
SOLUTIONS = {
    "check_fixed_double_softmax": nn.CrossEntropyLoss()(logits_b1(), target_b1()).item(),
    "check_sequence_loss": solution_b2,
}


def test_exercise_solutions_are_correct() -> None:
    for check, solution in SOLUTIONS.items():
        assert getattr(lesson, check)(solution).correct
    answer = SOLUTIONS["check_fixed_double_softmax"]
    assert lesson.check_fixed_double_softmax(torch.tensor(answer)).correct


def test_exercise_b1_recognizes_the_buggy_value() -> None:
    buggy = nn.CrossEntropyLoss()(F.softmax(logits_b1(), dim=1), target_b1()).item()
    feedback = lesson.check_fixed_double_softmax(buggy)
    assert not feedback.correct
    assert "buggy snippet" in feedback.message


WRONG_NUMBERS = [None, "abc", [1.0, 2.0], float("nan"), 0.0, -1.0]


@pytest.mark.parametrize("answer", WRONG_NUMBERS)
def test_exercise_b1_rejects_wrong_answers(answer) -> None:
    feedback = lesson.check_fixed_double_softmax(answer)
    assert not feedback.correct
    assert "not yet" in str(feedback)


def buggy_sequence_loss(logits, target):
    logits, target = torch.as_tensor(logits), torch.as_tensor(target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log_probs = nn.LogSoftmax()(logits)  # implicit dim: 0 for 3-D input
    return nn.NLLLoss()(log_probs, target)


def first_position_only(logits, target):
    return F.cross_entropy(torch.as_tensor(logits)[..., 0], torch.as_tensor(target)[..., 0])


def raises(logits, target):
    raise RuntimeError("boom")


@pytest.mark.parametrize(
    "function", [buggy_sequence_loss, first_position_only, raises, None, "abc"]
)
def test_exercise_b2_rejects_wrong_functions_without_raising(function) -> None:
    feedback = lesson.check_sequence_loss(function)
    assert not feedback.correct
    assert str(feedback).startswith("✗ Exercise B.2: not yet.")


# The errata table of the notebook: every row quotes its own document, has a verdict, and the
# line of code it points to exists.

ROW = re.compile(r"^\| (E\d+) \| (00[0-4]), ")


def table_cell() -> str:
    (cell,) = [source(cell) for cell in load(NOTEBOOK)["cells"]
               if cell["cell_type"] == "markdown" and "| # | document, place |" in source(cell)]
    return cell


def table_rows() -> list[tuple[str, str, list[str]]]:
    """(erratum, document number, columns) for each row of the table."""
    rows = []
    for line in table_cell().splitlines():
        if match := ROW.match(line):
            columns = [column.strip() for column in line.strip().strip("|").split(" | ")]
            assert len(columns) == 6, f"{match[1]}: {len(columns)} columns"
            rows.append((match[1], match[2], columns))
    return rows


def test_every_row_has_a_verdict_a_correct_statement_and_a_link() -> None:
    rows = table_rows()
    assert len(rows) >= 19
    for erratum, document, (_, _, claim, verdict, correct, shown) in rows:
        assert verdict in VERDICTS, f"{erratum} ({document}): verdict {verdict!r}"
        assert claim and correct, f"{erratum} ({document}): empty claim or correct statement"
        assert re.search(r"\]\((#code|\d\d_\w+\.ipynb|A_documents\.ipynb#document-00[0-4])\)",
                         shown), f"{erratum} ({document}): no link"
    # the first edition's E1-E19 are all still there
    assert {f"E{n}" for n in range(1, 20)} <= {erratum for erratum, _, _ in rows}


def test_each_row_quotes_its_own_document() -> None:
    """Stricter than tests/test_quotes.py, which reads the table as one cell naming all five."""
    documents = seed_documents()
    for erratum, document, columns in table_rows():
        text = squash(documents[document])
        missing = missing_runs(" ".join(columns), text)
        assert not missing, f"{erratum} ({document}): {missing} not in document {document}"


def test_the_counts_of_verdicts_are_those_the_notebook_states() -> None:
    counts = Counter(columns[3] for _, _, columns in table_rows())
    stated = (f"Of the {sum(counts.values())} rows, {counts['wrong']} are wrong, "
              f"{counts['outdated']} outdated, {counts['imprecise']} imprecise and "
              f"{counts['right']} right.")
    assert stated in table_cell()
    summary = source(load(NOTEBOOK)["cells"][-1])
    assert (f"{sum(counts.values())} claims in the table, {counts['wrong']} are wrong, "
            f"{counts['outdated']} outdated, {counts['imprecise']} imprecise and "
            f"{counts['right']} right") in summary


def test_each_row_shown_by_code_has_its_line() -> None:
    printed: dict[str, set[str]] = {}
    for cell in code_cells(load(NOTEBOOK)):
        if match := re.match(r"# document (00[0-4])\n", source(cell)):
            text = "".join(output_text(output) for output in cell.get("outputs", []))
            printed[match[1]] = set(re.findall(r"^(E\d+)\b", text, flags=re.M))
    for erratum, document, columns in table_rows():
        if "(#code)" in columns[5]:
            assert erratum in printed.get(document, set()), (
                f"{erratum} ({document}) points to the code, which prints no line {erratum}"
            )
