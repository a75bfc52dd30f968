"""helpers/explorer.py: an Explorer redraws its figure and readout when a control moves."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from helpers.explorer import Explorer, control_sweep, sweep_seconds


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



def test_control_sweep_spans_each_kind_of_control() -> None:
    assert control_sweep(widgets.FloatSlider(value=0, min=0, max=2), 5) == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert control_sweep(widgets.IntSlider(value=0, min=0, max=3), 3) == [0, 2, 3]
    log = control_sweep(widgets.FloatLogSlider(value=1, base=10, min=-2, max=2), 3)
    np.testing.assert_allclose(log, [0.01, 1.0, 100.0])
    assert control_sweep(widgets.Dropdown(options=["a", "b", "c", "d"]), 2) == ["a", "d"]
    assert control_sweep(widgets.Dropdown(options=[("one", 1), ("two", 2)]), 5) == [1, 2]


def test_sweep_seconds_times_every_change_and_restores_the_control() -> None:
    explorer = line_explorer()
    explorer.controls["slope"].value = 0.0
    seconds = sweep_seconds(explorer, 3)  # slope 0 (no change: no step), 1, 2
    assert len(seconds) == 2 and all(s > 0 for s in seconds)
    assert explorer.controls["slope"].value == 0.0
