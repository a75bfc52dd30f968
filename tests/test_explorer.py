"""helpers/explorer.py: an Explorer redraws its figure and readout when a control moves."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from helpers.explorer import Explorer, redraw_seconds


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
