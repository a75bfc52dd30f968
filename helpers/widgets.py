"""Interactive explorers: sliders that redraw one matplotlib figure at once.

Every explorer is an :class:`Explorer`: a few ipywidgets controls, one matplotlib
:class:`~matplotlib.figure.Figure` drawn off-screen with Agg, and the figure shown as a PNG in an
``ipywidgets.Image``. Moving a control calls the explorer's *update* function, which only
changes the data of artists that already exist (``set_ydata``, ``set_height``…) and returns a
one-line readout; then the figure is rendered to PNG once. That keeps a redraw to a few
tens of milliseconds, and it needs no Output widget, so the same code runs in JupyterLab,
under nbval and in tests (where ``explorer.controls[name].value = x`` drives it).

In a notebook an explorer displays as the widget; its plain-text form (what nbval compares)
is one stable line naming the explorer and its controls' values.

Each notebook's explorers are the ``*_explorer`` functions at the end of this module; their
drawing code lives in :mod:`helpers.plots`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


#: ``update(**control_values) -> readout``: moves the artists, returns a line of text (or "").
Update = Callable[..., str]


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
        controls: Mapping[str, widgets.ValueWidget],
        build: Callable[[Figure], Update],
        *,
        figsize: tuple[float, float] = (7.0, 3.6),
    ) -> None:
        self.title = title
        self.controls = dict(controls)
        self.figure = Figure(figsize=figsize, dpi=100, layout="constrained")
        FigureCanvasAgg(self.figure)
        self._update = build(self.figure)
        self.image = widgets.Image(format="png")
        self.readout = widgets.HTML()
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox(
            [
                widgets.HTML(f"<b>{title}</b>"),
                widgets.HBox(list(self.controls.values())),
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
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
        self.image.value = buffer.getvalue()

    def _on_change(self, _change: Mapping[str, Any]) -> None:
        self.redraw()

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={value!r}" for name, value in self.values().items())
        return f"Explorer: {self.title} ({settings})"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle
