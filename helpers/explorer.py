"""Interactive explorers: sliders that redraw one matplotlib figure at once.

Every explorer is an :class:`Explorer`: a few ipywidgets controls, one matplotlib
:class:`~matplotlib.figure.Figure` drawn off-screen with Agg, and the figure shown as a PNG in an
``ipywidgets.Image``. Moving a control calls the explorer's *update* function, which only
changes the data of artists that already exist (``set_ydata``, ``set_height``…) and returns a
one-line readout. Artists created with ``animated=True`` are the moving parts: the rest of the
figure (axes, ticks, labels, static curves) is rendered once and kept as a background, and a
redraw paints only the moving parts over it (matplotlib's blitting), which keeps a slider step
to a few milliseconds. An explorer whose axes limits change with the controls simply marks no
artist animated, and each redraw renders the whole figure. No Output widget is involved, so the
same code runs in JupyterLab, under nbval and in tests (where
``explorer.controls[name].value = x`` drives it).

In a notebook an explorer displays as the widget; its plain-text form (what nbval compares)
is one stable line naming the explorer and its controls' values.

Each lesson's explorers are the ``*_explorer`` functions of its module in
:mod:`helpers.lessons`, beside the figures they draw.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import ipywidgets
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

#: ``update(**control_values) -> readout``: moves the artists, returns a line of text (or "").
Update = Callable[..., str]


def _png(canvas: FigureCanvasAgg) -> bytes:
    """The canvas as PNG bytes; fast zlib level, since the image only travels to the browser."""
    width, height = canvas.get_width_height()
    image = PIL.Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buffer = io.BytesIO()
    image.save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


class Explorer:
    """Controls that redraw one figure.

    Parameters
    ----------
    title:
        One line shown above the figure and in the plain-text form.
    controls:
        Name → ipywidgets value control (``FloatSlider``, ``IntSlider``, ``Dropdown``…). The
        names are the keyword arguments of ``update``.
    build:
        ``build(figure) -> update``: draws the static parts of the figure once, and returns
        the function that moves the artists for given control values.
    figsize:
        Figure size in inches; the PNG is rendered at 100 dpi.
    """

    def __init__(
        self,
        title: str,
        controls: Mapping[str, ipywidgets.ValueWidget],
        build: Callable[[Figure], Update],
        *,
        figsize: tuple[float, float] = (7.0, 3.6),
    ) -> None:
        self.title = title
        self.controls = dict(controls)
        self.figure = Figure(figsize=figsize, dpi=100, layout="constrained")
        self._canvas = FigureCanvasAgg(self.figure)
        self._update = build(self.figure)
        self._moving = self.figure.findobj(lambda artist: artist.get_animated())
        self._background = None
        self.image = ipywidgets.Image(format="png")
        self.readout = ipywidgets.HTML()
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.widget = ipywidgets.VBox(
            [
                ipywidgets.HTML(f"<b>{title}</b>"),
                ipywidgets.HBox(list(self.controls.values())),
                self.image,
                self.readout,
            ]
        )
        self.redraw()

    def values(self) -> dict[str, Any]:
        """The current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def redraw(self) -> None:
        """Move the artists for the current control values and render the figure to PNG."""
        self.readout.value = self._update(**self.values())
        if self._background is None or not self._moving:
            self._canvas.draw()
            # The layout is settled by the first full draw; keeping it fixed keeps the figure still.
            self.figure.set_layout_engine("none")
            if self._moving:
                self._background = self._canvas.copy_from_bbox(self.figure.bbox)
        else:
            self._canvas.restore_region(self._background)
        for artist in self._moving:
            self.figure.draw_artist(artist)
        self.image.value = _png(self._canvas)

    def _on_change(self, _change: Mapping[str, Any]) -> None:
        self.redraw()

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={value!r}" for name, value in self.values().items())
        return f"Explorer: {self.title} ({settings})"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle


def redraw_seconds(explorer: Explorer, control: str, values: Iterable[Any], *,
                   clock: Callable[[], float] = time.perf_counter) -> list[float]:
    """Set ``explorer.controls[control]`` to each value in turn; the time of each redraw.

    With the default wall clock this is what a learner feels as a slider step (the browser's PNG
    decode aside); ``clock=time.thread_time`` counts only this thread's CPU time, which other
    processes on a busy machine do not inflate.
    """
    seconds = []
    for value in values:
        started = clock()
        explorer.controls[control].value = value
        seconds.append(clock() - started)
    return seconds


#: The goal for a slider step: the median redraw of every explorer at most this (seconds).
REDRAW_GOAL_SECONDS = 0.050


def control_sweep(control: ipywidgets.ValueWidget, steps: int) -> list[Any]:
    """The values one control is stepped through: ``steps`` evenly spaced from ``min`` to ``max``
    (exponents for a ``FloatLogSlider``, whole numbers for an ``IntSlider``), or up to ``steps``
    of its options, evenly picked."""
    options = getattr(control, "options", None)
    if options:
        values = [option[1] if isinstance(option, tuple) else option for option in options]
        if len(values) > steps:
            values = [values[int(i)] for i in np.linspace(0, len(values) - 1, steps)]
        return values
    spaced = np.linspace(control.min, control.max, steps)
    kind = type(control).__name__
    if kind == "FloatLogSlider":
        return [float(control.base**e) for e in spaced]
    if kind.startswith("Int"):
        return sorted({int(v) for v in np.rint(spaced)})
    return [float(v) for v in spaced]


def sweep_seconds(explorer: Explorer, steps: int, *,
                  clock: Callable[[], float] = time.perf_counter) -> list[float]:
    """Seconds of each step of every control of ``explorer``, one control at a time, each put
    back to its first value afterwards (not timed). A value equal to the previous one is no
    step (no change, no redraw)."""
    times = []
    for name, control in explorer.controls.items():
        first = control.value
        steps_taken, previous = [], first
        for value in control_sweep(control, steps):
            if value != previous:
                steps_taken.append(value)
                previous = value
        times += redraw_seconds(explorer, name, steps_taken, clock=clock)
        control.value = first
    return times
