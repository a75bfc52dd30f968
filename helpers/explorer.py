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

Without a kernel (the HTML site and the slides of ``tools/``) nothing can call *update*, so
:func:`write_frames` renders it ahead of time: :func:`control_values` picks at most
:data:`MAX_VALUES` values of each control on its own step grid, :meth:`Explorer.frames` draws the
figure for each setting (every combination when there are at most :data:`GRID_LIMIT`, else one
control at a time with the others at their first value), and the frames are saved as small
palette PNGs beside a manifest that the page's script reads.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import ipywidgets
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

#: ``update(**control_values) -> readout``: moves the artists, returns a line of text (or "").
Update = Callable[..., str]

#: At most this many values of one slider are precomputed for a page without a kernel.
MAX_VALUES = 41
#: Every combination of the controls' values is precomputed when there are at most this many;
#: beyond, one control at a time (the others at their first value), which keeps a page small.
GRID_LIMIT = 100
#: The strides between precomputed values, in slider steps: 1, 2, 5, 10, 20, 50, … so that a
#: learner reads 0.05, 0.10, 0.15 under the slider, not 0.042, 0.083.
_NICE_STRIDES = tuple(m * 10**e for e in range(7) for m in (1, 2, 5))

#: One precomputed frame: the position of each control's value in :func:`control_values`, the
#: figure as a small PNG, the readout.
Frame = tuple[tuple[int, ...], bytes, str]


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

    def frames(self, *, limit: int = MAX_VALUES, grid_limit: int = GRID_LIMIT) -> Iterator[Frame]:
        """The figure and readout for each setting a page without a kernel offers.

        Each control takes the values of :func:`control_values`; every combination when there
        are at most ``grid_limit``, else the current setting and then one control at a time
        with the others at their current value. The frames are drawn through the controls, as
        a learner's slider would, and the controls are put back afterwards.
        """
        choices = [control_values(control, limit) for control in self.controls.values()]
        first_values = self.values()
        first = tuple([value for _, value in values].index(first_values[name])
                      for name, values in zip(self.controls, choices, strict=True))
        with contextlib.ExitStack() as held:
            # In a kernel each redraw would send its PNG to the front end: the widgets' state
            # messages are held, and one per widget is sent at the end.
            for widget in (self.image, self.readout, *self.controls.values()):
                held.enter_context(widget.hold_sync())
            held.callback(self._put_back, first_values)  # runs first, while still held
            for setting in _settings(choices, first, grid_limit):
                for control, values, position in zip(self.controls.values(), choices, setting,
                                                     strict=True):
                    control.value = values[position][1]
                    if control.value != values[position][1]:
                        raise ValueError(f"{self.title}: {control.description} refused "
                                         f"{values[position][1]!r}")
                yield setting, _small_png(self._canvas), self.readout.value

    def _put_back(self, values: Mapping[str, Any]) -> None:
        for name, value in values.items():
            self.controls[name].value = value

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


# --- frames for a page without a kernel -------------------------------------------------------

def _labelled_options(control: ipywidgets.ValueWidget) -> list[tuple[str, Any]]:
    return [option if isinstance(option, tuple) else (str(option), option)
            for option in control.options]


def _on_grid(control: ipywidgets.ValueWidget, limit: int) -> list[Any]:
    """At most ``limit`` values of a numeric slider, each one it can reach (``min + j·step``, of
    the exponent for a log slider): both ends, the current value, and the multiples of the
    smallest nice stride that fit, counted from zero where zero is on the step grid (0.05, 0.10,
    … rather than 0.01, 0.06, … from a minimum of 0.01), else from the current value or the
    minimum."""
    log = type(control).__name__ == "FloatLogSlider"
    low, high, step = control.min, control.max, control.step
    steps = round((high - low) / step)
    current = math.log(control.value, control.base) if log else control.value

    def step_of(position: float) -> int | None:
        j = (position - low) / step
        return round(j) if math.isclose(j, round(j), abs_tol=1e-6) else None

    def position(j: int) -> float:
        # The ends exactly: a rounded end can fall outside the slider, which clamps it.
        return low if j == 0 else high if j == steps else round(low + j * step, 10)

    anchor = next((j for j in (step_of(0.0), step_of(current)) if j is not None), 0)
    for stride in _NICE_STRIDES:
        # A step closer than half a stride to the current value would sit beside it.
        indices = {j for j in range(anchor % stride, steps + 1, stride)
                   if abs(position(j) - current) > stride * step / 2 - 1e-9} | {0, steps}
        if len(indices) + 1 <= limit:
            break
    positions = sorted({position(j) for j in indices} | {current})
    if isinstance(control.value, int):
        return [round(p) for p in positions]
    values = [float(control.base**p) if log else p for p in positions]
    # The current value as the control holds it, not as recomputed from its exponent.
    return [control.value if p == current else v for p, v in zip(positions, values, strict=True)]


def control_values(control: ipywidgets.ValueWidget,
                   limit: int = MAX_VALUES) -> list[tuple[str, Any]]:
    """The (label, value) pairs a page without a kernel offers for ``control``, in its order.

    A slider gets at most ``limit`` values it can reach, labelled with its readout format; a
    control with options (dropdown, selection slider) every option, or ``limit`` of them evenly
    picked (:func:`control_sweep`). The current value is always among them.
    """
    if getattr(control, "options", None):
        options = _labelled_options(control)
        kept = set(map(repr, control_sweep(control, limit))) | {repr(control.value)}
        return [(label, value) for label, value in options if repr(value) in kept]
    values = _on_grid(control, limit)
    return [(format(value, control.readout_format), value) for value in values]


def _small_png(canvas: FigureCanvasAgg) -> bytes:
    """The canvas as a 256-colour PNG: a third of the size of the full-colour one, and a line
    plot shows no difference."""
    width, height = canvas.get_width_height()
    image = PIL.Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    palette = image.convert("RGB").quantize(256, method=PIL.Image.Quantize.FASTOCTREE)
    buffer = io.BytesIO()
    palette.save(buffer, format="png", optimize=True)
    return buffer.getvalue()


def _settings(choices: list[list[tuple[str, Any]]], first: tuple[int, ...],
              grid_limit: int) -> Iterator[tuple[int, ...]]:
    """Every combination of positions when they are at most ``grid_limit``; else ``first`` and
    then each control over its positions with the others at ``first``."""
    if math.prod(len(values) for values in choices) <= grid_limit:
        yield from itertools.product(*(range(len(values)) for values in choices))
        return
    yield first
    for which, values in enumerate(choices):
        for position in range(len(values)):
            if position != first[which]:
                yield (*first[:which], position, *first[which + 1:])


def write_frames(explorer: Explorer, directory: Path, *, limit: int = MAX_VALUES,
                 grid_limit: int = GRID_LIMIT) -> dict[str, Any]:
    """Save every frame of :meth:`Explorer.frames` in ``directory`` (named by content, so that
    equal figures are stored once) and return the manifest a page needs to swap them: title,
    controls (name, description, kind, labels, position of the current value), frames (``"i,j"``
    → [file, readout]), whether every combination is there, the image size."""
    directory.mkdir(parents=True, exist_ok=True)
    frames = {}
    for setting, png, readout in explorer.frames(limit=limit, grid_limit=grid_limit):
        name = hashlib.sha256(png).hexdigest()[:16] + ".png"
        (directory / name).write_bytes(png)
        frames[",".join(map(str, setting))] = [name, readout]
    controls = []
    for name, control in explorer.controls.items():
        values = control_values(control, limit)
        controls.append({
            "name": name,
            "description": control.description or name,
            "kind": "range" if "Slider" in type(control).__name__ else "select",
            "labels": [label for label, _ in values],
            "first": [value for _, value in values].index(control.value),
        })
    width, height = explorer._canvas.get_width_height()
    return {
        "title": explorer.title, "controls": controls, "frames": frames,
        "complete": len(frames) == math.prod(len(c["labels"]) for c in controls),
        "width": width, "height": height,
    }
