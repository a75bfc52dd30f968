"""helpers/explorer.py: an Explorer redraws its figure and readout when a control moves, and
renders its frames for a page without a kernel."""

from __future__ import annotations

import io
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import PIL.Image
from matplotlib.figure import Figure

from helpers.explorer import Explorer, control_sweep, control_values, sweep_seconds, write_frames


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


def test_control_values_of_a_slider_are_steps_it_can_reach_at_a_readable_stride() -> None:
    slider = widgets.FloatSlider(value=0.7, min=0.0, max=1.0, step=0.01, readout_format=".2f")
    pairs = control_values(slider, limit=41)
    assert [label for label, _ in pairs] == [f"{k / 20:.2f}" for k in range(21)]
    np.testing.assert_allclose([value for _, value in pairs], np.arange(21) / 20)
    # From a minimum off the stride: both ends, then the multiples of the stride from zero.
    offset = control_values(widgets.FloatSlider(value=0.4, min=0.01, max=0.99, step=0.01))
    assert [label for label, _ in offset][:3] == ["0.01", "0.05", "0.10"]
    assert [label for label, _ in offset][-2:] == ["0.95", "0.99"]


def test_control_values_keep_the_current_value_ends_and_limit() -> None:
    odd = widgets.FloatSlider(value=0.5, min=-3.0, max=3.0, step=0.1, readout_format=".1f")
    labels = [label for label, _ in control_values(odd, limit=41)]
    assert labels[0] == "-3.0" and labels[-1] == "3.0" and "0.5" in labels
    assert labels.index("0.5") == labels.index("0.4") + 1 == labels.index("0.6") - 1
    for limit in (5, 12, 41):
        assert 2 < len(control_values(odd, limit=limit)) <= limit
    integers = control_values(widgets.IntSlider(value=3, min=2, max=200), limit=41)
    assert all(isinstance(value, int) for _, value in integers)
    assert [value for _, value in integers][:4] == [2, 3, 10, 15]


def test_control_values_of_a_log_slider_stay_inside_it() -> None:
    # log10(0.5) is no multiple of the step: a rounded exponent would fall below the minimum
    # and the slider would clamp it.
    tau = widgets.FloatLogSlider(value=2.0, base=10, min=np.log10(0.5), max=np.log10(50),
                                 step=0.01, readout_format=".2f")
    pairs = control_values(tau)
    values = [value for _, value in pairs]
    assert values[0] >= 0.5 and values[-1] <= 50 and 2.0 in values
    assert pairs[0][0] == "0.50" and pairs[-1][0] == "50.00"
    assert values == sorted(values) and len(values) <= 41
    for value in values:
        tau.value = value
        assert tau.value == value


def test_control_values_of_options_are_every_option_with_its_label() -> None:
    dropdown = widgets.Dropdown(options=[("float32", 4), ("bfloat16", 2)], value=2)
    assert control_values(dropdown) == [("float32", 4), ("bfloat16", 2)]
    many = widgets.SelectionSlider(options=list(range(100)), value=37)
    values = [value for _, value in control_values(many, limit=10)]
    assert len(values) == 11 and 37 in values and values[0] == 0 and values[-1] == 99


def two_control_explorer(*, slope_max: float = 2.0) -> Explorer:
    def build(figure: Figure):
        ax = figure.subplots()
        x = np.linspace(0, 1, 50)
        (line,) = ax.plot(x, x, animated=True)

        def update(slope: float, sign: int) -> str:
            line.set_ydata(sign * slope * x)
            return f"slope {sign * slope:.2f}"

        return update

    controls = {
        "slope": widgets.FloatSlider(value=1.0, min=0, max=slope_max, step=0.5),
        "sign": widgets.Dropdown(options=[("up", 1), ("down", -1)], value=1),
    }
    return Explorer("Line", controls, build)


def test_frames_cover_every_combination_when_few_else_one_control_at_a_time() -> None:
    explorer = two_control_explorer()
    grid = list(explorer.frames(grid_limit=10))  # 5 slopes × 2 signs
    assert sorted(setting for setting, _, _ in grid) == [(i, j) for i in range(5) for j in range(2)]
    readouts = {setting: readout for setting, _, readout in grid}
    assert readouts[(4, 1)] == "slope -2.00" and readouts[(0, 0)] == "slope 0.00"
    assert len({png for _, png, _ in grid}) == 9  # slope 0 up and down draw the same line

    sweep = [setting for setting, _, _ in explorer.frames(grid_limit=9)]
    assert sweep == [(2, 0), (0, 0), (1, 0), (3, 0), (4, 0), (2, 1)]
    assert explorer.values() == {"slope": 1.0, "sign": 1}  # put back


def test_a_frame_is_the_live_figure_in_256_colours() -> None:
    explorer = two_control_explorer()
    frames = {setting: (png, readout) for setting, png, readout in explorer.frames()}
    explorer.controls["slope"].value = 2.0
    live = PIL.Image.open(io.BytesIO(bytes(explorer.image.value))).convert("RGB")
    png, readout = frames[(4, 0)]
    frame = PIL.Image.open(io.BytesIO(png))
    assert frame.mode == "P" and frame.size == live.size
    assert readout == explorer.readout.value
    # Quantization moves a colour a little, never a line: the images agree almost everywhere.
    difference = np.abs(np.asarray(frame.convert("RGB"), float) - np.asarray(live, float))
    assert np.mean(difference.max(axis=2) > 32) < 0.002
    other = np.asarray(PIL.Image.open(io.BytesIO(frames[(0, 0)][0])).convert("RGB"), float)
    assert np.mean(np.abs(other - np.asarray(live, float)).max(axis=2) > 32) > 0.002


def test_write_frames_saves_each_figure_once_and_describes_the_controls(tmp_path: Path) -> None:
    manifest = write_frames(two_control_explorer(), tmp_path, grid_limit=10)
    assert manifest["title"] == "Line" and manifest["complete"]
    assert [(c["name"], c["kind"], c["labels"], c["first"]) for c in manifest["controls"]] == [
        ("slope", "range", ["0.00", "0.50", "1.00", "1.50", "2.00"], 2),
        ("sign", "select", ["up", "down"], 0),
    ]
    assert len(manifest["frames"]) == 10
    files = {file for file, _ in manifest["frames"].values()}
    assert files == {path.name for path in tmp_path.iterdir()} and len(files) == 9
    assert manifest["frames"]["4,1"][1] == "slope -2.00"
    assert (manifest["width"], manifest["height"]) == (700, 360)
    assert not write_frames(two_control_explorer(slope_max=5.0), tmp_path / "b",
                            grid_limit=10)["complete"]
