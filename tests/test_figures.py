"""helpers/figures.py: one colour per role, and new_figure's constrained-layout grid."""

from __future__ import annotations

import matplotlib.colors
from matplotlib.figure import Figure

from helpers.figures import COLORS, new_figure


def test_every_role_has_its_own_valid_colour() -> None:
    assert set(COLORS) == {"target", "model", "reference", "neutral"}
    assert len(set(COLORS.values())) == len(COLORS)
    assert all(matplotlib.colors.is_color_like(color) for color in COLORS.values())


def test_new_figure_returns_its_axes_as_a_flat_list_in_reading_order() -> None:
    figure, axes = new_figure(3, nrows=2, figsize=(6.0, 4.0))
    assert isinstance(figure, Figure)
    assert len(axes) == 6 and all(ax.figure is figure for ax in axes)
    assert tuple(figure.get_size_inches()) == (6.0, 4.0) and figure.dpi == 100
    assert figure.get_layout_engine().__class__.__name__ == "ConstrainedLayoutEngine"
    first, second = axes[0].get_subplotspec(), axes[1].get_subplotspec()
    assert (first.rowspan.start, first.colspan.start) == (0, 0)
    assert (second.rowspan.start, second.colspan.start) == (0, 1)
