"""The machinery every notebook relies on: Explorer redraws, checks never raise."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.figure import Figure

from helpers.exercises import Feedback, check_array, check_function, check_number
from helpers.widgets import Explorer, redraw_seconds


def line_explorer() -> Explorer:
    def build(figure: Figure):
        ax = figure.subplots()
        x = np.linspace(0, 1, 50)
        (line,) = ax.plot(x, x, animated=True)

        def update(slope: float) -> str:
            line.set_ydata(slope * x)
            return f"slope {slope:.2f}"

        return update

    return Explorer("Line", {"slope": widgets.FloatSlider(value=1.0, min=0, max=2)}, build)


def test_moving_a_control_redraws_the_figure_and_readout() -> None:
    explorer = line_explorer()
    before = bytes(explorer.image.value)
    assert before.startswith(b"\x89PNG")
    explorer.controls["slope"].value = 2.0
    assert explorer.readout.value == "slope 2.00"
    assert bytes(explorer.image.value) != before
    np.testing.assert_allclose(explorer.figure.axes[0].lines[0].get_ydata()[-1], 2.0)


def test_plain_text_form_is_one_stable_line_and_the_widget_view_is_offered() -> None:
    explorer = line_explorer()
    bundle = explorer._repr_mimebundle_()
    assert bundle["text/plain"] == "Explorer: Line (slope=1.0)"
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_a_redraw_takes_well_under_50_ms() -> None:
    explorer = line_explorer()
    durations = redraw_seconds(explorer, "slope", [float(s) for s in np.linspace(0, 2, 21)])
    assert np.median(durations) < 0.05


@pytest.mark.parametrize("answer", [None, "abc", [1, 2], object(), float("nan")])
def test_check_number_answers_not_yet_for_anything_that_is_not_the_number(answer) -> None:
    feedback = check_number("E", answer, 1.3863)
    assert isinstance(feedback, Feedback) and not feedback
    assert str(feedback).startswith("✗ E: not yet.")


def test_check_number_accepts_four_significant_digits_and_rejects_a_wrong_digit() -> None:
    assert check_number("E", 1.3863, np.log(4))
    assert not check_number("E", 1.3963, np.log(4))
    assert check_number("E", float("inf"), float("inf"))


def test_check_array_names_the_shape_and_the_first_difference() -> None:
    expected = np.array([[0.25, 0.75], [0.5, 0.5]])
    assert check_array("E", expected.tolist(), expected)
    assert "Expected shape (2, 2), got shape (4,)" in str(
        check_array("E", expected.ravel(), expected)
    )
    wrong = check_array("E", [[0.25, 0.75], [0.5, 0.4]], expected)
    assert "first at index (1, 1)" in wrong.message


def test_check_function_reports_the_learners_exception_without_raising() -> None:
    def broken(x):
        raise NotImplementedError("write me")

    feedback = check_function("E", broken, np.exp, [(np.zeros(3),)], hint="use np.exp")
    assert not feedback
    assert "Case 1 raised NotImplementedError: write me" in str(feedback)
    assert "Hint: use np.exp" in str(feedback)
    assert check_function("E", np.exp, np.exp, [(np.zeros(3),), (np.ones(2),)])
    assert not check_function("E", "not a function", np.exp, [(np.zeros(3),)])
