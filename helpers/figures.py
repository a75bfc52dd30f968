"""The common look of the series' figures: one colour per role, and :func:`new_figure`.

Every figure of a lesson (``helpers.lessons.*``) is drawn with matplotlib's object API (no
pyplot, no global state): it returns a new :class:`~matplotlib.figure.Figure` (a notebook cell
that ends with it shows it inline) or draws on an ``Axes`` it is given, so that the same drawing
code serves a static figure and an :class:`helpers.explorer.Explorer`. Labels use plain ASCII or
LaTeX mathtext, never CJK characters (the default font lacks them and matplotlib would warn).
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure

#: One colour per role, used the same way in every notebook.
COLORS = {
    "target": "#1b9e77",     # the true class / the distribution p
    "model": "#d95f02",      # the model's prediction / the distribution q
    "reference": "#7570b3",  # bounds, asymptotes, theory curves
    "neutral": "#666666",
}


def new_figure(
    ncols: int = 1, *, nrows: int = 1, figsize: tuple[float, float] = (6.4, 3.6)
) -> tuple[Figure, list[Axes]]:
    """A figure of ``nrows × ncols`` axes, constrained layout, and its axes as a flat list."""
    figure = Figure(figsize=figsize, dpi=100, layout="constrained")
    axes = figure.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    return figure, axes
