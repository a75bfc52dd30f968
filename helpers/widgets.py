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

Each notebook's explorers are the ``*_explorer`` functions at the end of this module; their
drawing code lives in :mod:`helpers.plots`.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from helpers import info, losses, plots

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
        controls: Mapping[str, widgets.ValueWidget],
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


def redraw_seconds(explorer: Explorer, control: str, values: Iterable[Any]) -> list[float]:
    """Set ``explorer.controls[control]`` to each value in turn; the wall time of each redraw.

    This is what a learner feels as a slider step (the browser's PNG decode aside).
    """
    seconds = []
    for value in values:
        started = time.perf_counter()
        explorer.controls[control].value = value
        seconds.append(time.perf_counter() - started)
    return seconds


# --- 03_softmax ---


def softmax_temperature_explorer(
    logits: tuple[float, ...] | list[float] | np.ndarray = (0.1, 0.2, 0.3, 0.4),
) -> Explorer:
    r"""p = softmax(v / T): move the temperature T and the last logit, the bars of p redraw.

    .. math:: p_k = \frac{e^{v_k / T}}{\sum_m e^{v_m / T}}

    Left: the logits v (the last one follows its slider). Right: p with a dashed line at 1/C.
    """
    base = np.asarray(logits, dtype=np.float64)
    classes = np.arange(base.size)
    colors = [f"C{k}" for k in classes]

    def build(figure: Figure):
        logit_ax, prob_ax = figure.subplots(1, 2)
        logit_bars = logit_ax.bar(classes, base, color=colors, animated=True)
        logit_ax.axhline(0.0, lw=0.8, color=plots.COLORS["neutral"])
        logit_ax.set(
            xticks=classes, xlabel="class k", ylabel="logit $v_k$", ylim=(-3.3, 3.3),
            title="logits v",
        )
        prob_bars = prob_ax.bar(classes, np.zeros_like(base), color=colors, animated=True)
        labels = [
            prob_ax.text(k, 0.0, "", ha="center", va="bottom", fontsize="small", animated=True)
            for k in classes
        ]
        prob_ax.axhline(1 / base.size, ls="--", lw=1, color=plots.COLORS["reference"])
        prob_ax.set(
            xticks=classes, xlabel="class k", ylabel="$p_k$", ylim=(0, 1.1),
            title="p = softmax(v / T)",
        )

        def update(temperature: float, last_logit: float) -> str:
            v = base.copy()
            v[-1] = last_logit
            p = losses.softmax(v / temperature)
            for bar, value in zip(logit_bars, v, strict=True):
                bar.set_height(value)
            for k, (bar, label, value) in enumerate(zip(prob_bars, labels, p, strict=True)):
                bar.set_height(value)
                label.set_position((k, value))
                label.set_text(f"{value:.3f}")
            shown = ", ".join(f"{value:.4f}" for value in p)
            return (
                f"T = {temperature:.3g}, v = [{', '.join(f'{x:g}' for x in v)}]: "
                f"p = [{shown}], sum {p.sum():.4f}; entropy {info.entropy(p):.4f} nats "
                f"(uniform: ln {base.size} = {np.log(base.size):.4f})"
            )

        return update

    controls = {
        "temperature": widgets.FloatLogSlider(
            value=1.0, base=10, min=-2, max=2, step=0.02, description="T",
            readout_format=".3g",
        ),
        "last_logit": widgets.FloatSlider(
            value=round(float(base[-1]), 6), min=-3.0, max=3.0, step=0.1,
            description=f"logit {base.size - 1}", readout_format=".1f",
        ),
    }
    return Explorer(
        "softmax(v / T): temperature and one logit", controls, build, figsize=(9.0, 3.6)
    )


# --- 04_log_softmax_and_numerical_stability ---


def _float32_pairs(shift: float | np.ndarray, gap: float | np.ndarray) -> np.ndarray:
    """Logits (c, c - g) in float32, pairs along the last axis."""
    c, g = np.broadcast_arrays(np.asarray(shift, dtype=np.float64), np.asarray(gap, np.float64))
    return np.stack([c, c - g], axis=-1).astype(np.float32)


def _naive_log_softmax(v: np.ndarray) -> np.ndarray:
    """log(exp(v) / sum exp(v)) as written, in v's dtype: overflows and underflows silently."""
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        e = np.exp(v)
        return np.log(e / e.sum(axis=-1, keepdims=True))


def _naive_logsumexp(v: np.ndarray) -> np.ndarray:
    """log(sum exp(v)) as written, in v's dtype."""
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        return np.log(np.exp(v).sum(axis=-1))


def _drawable(y: np.ndarray) -> np.ndarray:
    """inf and nan become nan, which matplotlib leaves out of a line."""
    return np.where(np.isfinite(y), y, np.nan)


def log_softmax_float32_explorer() -> Explorer:
    r"""Logits v = (c, c - g) in float32: naive log(softmax(v)) against log_softmax(v).

    .. math:: \log \operatorname{softmax}(v)_1 = v_1 - \operatorname{LSE}(v)
              = -g - \ln(1 + e^{-g}),
              \qquad \operatorname{LSE}(v) = c + \ln(1 + e^{-g})

    Left: log p_1 against the gap g, for the current shift c. log_softmax does not depend on c;
    the naive log(exp(v) / sum exp(v)) loses digits once e^{c-g} is subnormal, is -inf once it
    underflows to 0 (c - g < -103.3) and nan once e^c overflows (c > 88.7). Right: LSE(v)
    against c for the current g: stable ``losses.logsumexp`` and naive log(sum(exp(v))).
    """
    gaps = np.linspace(0.0, 150.0, 601)
    shifts = np.linspace(-120.0, 120.0, 481)
    overflow = float(np.log(np.finfo(np.float32).max))

    def build(figure: Figure):
        gap_ax, shift_ax = figure.subplots(1, 2)
        (stable_gap,) = gap_ax.plot(
            gaps, gaps * 0, color=plots.COLORS["target"], lw=4, alpha=0.5,
            label="log_softmax(v)[1]", animated=True,
        )
        (naive_gap,) = gap_ax.plot(
            gaps, gaps * 0, color=plots.COLORS["model"], lw=1.5,
            label="log(softmax(v))[1]", animated=True,
        )
        (stable_dot,) = gap_ax.plot([], [], "o", color=plots.COLORS["target"], animated=True)
        (naive_dot,) = gap_ax.plot([], [], "x", color=plots.COLORS["model"], ms=9, animated=True)
        gap_note = gap_ax.text(
            0.03, 0.05, "", transform=gap_ax.transAxes, color=plots.COLORS["model"],
            animated=True,
        )
        gap_ax.set(
            xlabel="gap g = $v_0 - v_1$", ylabel="$\\log p_1$ (float32)", xlim=(0, 150),
            ylim=(-160, 10), title="log-probability of the lower logit",
        )
        gap_ax.legend(loc="upper right", fontsize="small")

        (stable_shift,) = shift_ax.plot(
            shifts, shifts * 0, color=plots.COLORS["target"], lw=4, alpha=0.5,
            label="logsumexp(v)", animated=True,
        )
        (naive_shift,) = shift_ax.plot(
            shifts, shifts * 0, color=plots.COLORS["model"], lw=1.5,
            label="log(sum(exp(v)))", animated=True,
        )
        (shift_dot,) = shift_ax.plot([], [], "o", color=plots.COLORS["target"], animated=True)
        shift_ax.axvline(overflow, ls=":", lw=1, color=plots.COLORS["neutral"])
        shift_ax.text(
            overflow - 2, -125, f"$e^c$ overflows for c > {overflow:.1f}", ha="right",
            fontsize="small", color=plots.COLORS["neutral"],
        )
        shift_note = shift_ax.text(
            0.97, 0.45, "", transform=shift_ax.transAxes, ha="right",
            color=plots.COLORS["model"], animated=True,
        )
        shift_ax.set(
            xlabel="shift c (both logits)", ylabel="LSE(v) (float32)", xlim=(-120, 120),
            ylim=(-135, 135), title="LSE(v + c) = LSE(v) + c",
        )
        shift_ax.legend(loc="upper left", fontsize="small")

        def update(gap: float, shift: float) -> str:
            over_gaps = _float32_pairs(shift, gaps)
            stable_gap.set_ydata(losses.log_softmax(over_gaps)[:, 1])
            naive_gap.set_ydata(_drawable(_naive_log_softmax(over_gaps)[:, 1]))
            over_shifts = _float32_pairs(shifts, gap)
            stable_shift.set_ydata(losses.logsumexp(over_shifts))
            naive_shift.set_ydata(_drawable(_naive_logsumexp(over_shifts)))

            v = _float32_pairs(shift, gap)
            stable = losses.log_softmax(v)
            naive = _naive_log_softmax(v)
            lse = losses.logsumexp(v)
            naive_lse = _naive_logsumexp(v)
            stable_dot.set_data([gap], [stable[1]])
            naive_dot.set_data([gap], _drawable(naive[1:]))
            shift_dot.set_data([shift], [lse])
            gap_note.set_text("" if np.isfinite(naive[1]) else f"naive: {naive[1]}")
            shift_note.set_text("" if np.isfinite(naive_lse) else f"naive: {naive_lse}")
            return (
                f"v = [{v[0]:g}, {v[1]:g}] in float32: "
                f"log_softmax(v) = [{stable[0]:.4f}, {stable[1]:.4f}], "
                f"log(softmax(v)) = [{naive[0]:.4f}, {naive[1]:.4f}]; "
                f"logsumexp(v) = {lse:.4f}, log(sum(exp(v))) = {naive_lse:.4f}"
            )

        return update

    controls = {
        "gap": widgets.FloatSlider(
            value=100.0, min=0.0, max=150.0, step=0.5, description="gap g",
            readout_format=".1f",
        ),
        "shift": widgets.FloatSlider(
            value=0.0, min=-120.0, max=120.0, step=1.0, description="shift c",
            readout_format=".0f",
        ),
    }
    return Explorer(
        "float32 logits (c, c - g): log(softmax) against log_softmax", controls, build,
        figsize=(10.0, 3.8),
    )


# --- 07_label_smoothing ---


def label_smoothing_explorer() -> Explorer:
    r"""Label smoothing vs ε: the smoothed target ``(1-ε)·onehot + ε/K`` as bars, and the loss
    vs the logit gap with its minimum at :math:`g^* = \log((1-ε+ε/K)/(ε/K))` marked."""
    max_classes = 10
    gap = np.linspace(0.0, 10.0, 301)

    def build(figure: Figure):
        left, right = figure.subplots(1, 2, width_ratios=(1, 1.5))
        classes = np.arange(max_classes)
        hard = left.bar(classes, np.zeros(max_classes), width=0.8, fill=False,
                        edgecolor=plots.COLORS["neutral"], ls="--", animated=True,
                        label="one-hot")
        bars = left.bar(classes, np.zeros(max_classes), width=0.55, animated=True,
                        color=plots.COLORS["model"], label="smoothed")
        left.set(xlim=(-0.6, max_classes - 0.4), ylim=(0, 1.05), xticks=classes,
                 xlabel="class (0 = true)", ylabel="target probability",
                 title="target distribution")
        left.legend(fontsize=8, loc="upper right")
        (hard_curve,) = right.plot(gap, np.zeros_like(gap), color=plots.COLORS["neutral"],
                                   lw=1, animated=True, label=r"$\varepsilon = 0$")
        (curve,) = right.plot(gap, np.zeros_like(gap), color=plots.COLORS["model"], lw=2,
                              animated=True, label="smoothed")
        marker = right.axvline(0, color=plots.COLORS["reference"], ls="--", lw=1, animated=True)
        (point,) = right.plot([], [], "o", color=plots.COLORS["reference"], animated=True)
        right.set(xlim=(gap[0], gap[-1]), ylim=(0, 2.5), xlabel="logit gap g",
                  ylabel="loss [nats]", title="loss vs gap (dashed: optimal gap)")
        right.legend(fontsize=8, loc="upper right")

        def update(epsilon: float, num_classes: int) -> str:
            target = losses.smooth_targets(0, num_classes, epsilon)
            for k in range(max_classes):
                visible = k < num_classes
                bars[k].set_visible(visible)
                hard[k].set_visible(visible)
                if visible:
                    bars[k].set_height(target[k])
                    hard[k].set_height(1.0 if k == 0 else 0.0)
            hard_curve.set_ydata(plots.smoothed_loss_vs_gap(gap, num_classes, 0.0))
            curve.set_ydata(plots.smoothed_loss_vs_gap(gap, num_classes, epsilon))
            head = (f"ε = {epsilon:.2f}, K = {num_classes}: true class "
                    f"1 − ε + ε/K = {target[0]:.4f}, others ε/K = {target[1]:.4f}; ")
            if epsilon == 0:
                marker.set_visible(False)
                point.set_data([], [])
                return head + "no finite minimum: the loss → 0 only as the gap → ∞"
            best = plots.optimal_gap(num_classes, epsilon)
            value = float(plots.smoothed_loss_vs_gap(np.array([best]), num_classes, epsilon)[0])
            marker.set_visible(True)
            marker.set_xdata([best, best])
            point.set_data([best], [value])
            return (head + f"optimal gap log({target[0]:.4f}/{target[1]:.4f}) = {best:.4f}, "
                    f"minimal loss H(q') = {value:.4f} nats")

        return update

    controls = {
        "epsilon": widgets.FloatSlider(value=0.1, min=0.0, max=0.99, step=0.01,
                                       description="ε", readout_format=".2f"),
        "num_classes": widgets.IntSlider(value=4, min=2, max=max_classes, description="K"),
    }
    return Explorer("Label smoothing vs ε", controls, build, figsize=(8.0, 3.4))


# --- 08_pitfalls_and_errata ---


def double_softmax_explorer() -> Explorer:
    r"""A true-class probability p (the rest spread evenly over K-1 = 2 classes) and three
    numbers side by side: ``-ln p``, ``-log10 p`` and ``CrossEntropyLoss`` of the probabilities
    fed as logits, :math:`-\log\operatorname{softmax}(q)_{\rm true}`."""
    num_classes = 3
    p_grid = np.linspace(0.005, 1.0, 400)
    curves = plots.double_softmax_losses(p_grid, num_classes)
    names = ("nats", "bans", "double")
    labels = (r"$-\ln p$", r"$-\log_{10} p$", "CE(probs)")
    colors = (plots.COLORS["target"], plots.COLORS["target"], plots.COLORS["model"])

    def build(figure: Figure):
        left, right = figure.subplots(1, 2, width_ratios=(1.5, 1))
        points = []
        for name, label, color, style in zip(names, labels, colors, ("-", "--", "-"),
                                             strict=True):
            left.plot(p_grid, curves[name], color=color, ls=style, label=label)
            (point,) = left.plot([], [], "o", color=color, animated=True)
            points.append(point)
        left.set(xlim=(0, 1), ylim=(0, 3), xlabel="probability of the true class p",
                 ylabel="loss", title="three numbers for the same prediction")
        left.legend(fontsize=8, loc="upper right")
        bars = right.bar(range(3), np.zeros(3), color=colors, animated=True)
        bars[1].set_alpha(0.55)
        texts = [right.text(i, 0, "", ha="center", va="bottom", fontsize=9, animated=True)
                 for i in range(3)]
        right.set(xticks=range(3), xticklabels=labels, ylim=(0, 3.3), title="side by side")

        def update(p: float) -> str:
            values = plots.double_softmax_losses(np.array([p]), num_classes)
            numbers = [float(values[name][0]) for name in names]
            for point, bar, text, value in zip(points, bars, texts, numbers, strict=True):
                shown = min(value, 3.0)
                point.set_data([p], [shown])
                bar.set_height(shown)
                text.set_position((bar.get_x() + bar.get_width() / 2, shown))
                text.set_text(f"{value:.4f}")
            return (f"p = {p:.3f}: −ln p = {numbers[0]:.4f} nats, −log10 p = {numbers[1]:.4f} "
                    f"bans, CrossEntropyLoss of the probabilities = {numbers[2]:.4f}")

        return update

    controls = {
        "p": widgets.FloatSlider(value=0.7, min=0.01, max=1.0, step=0.01,
                                 description="p(true)", readout_format=".2f"),
    }
    return Explorer("Probabilities fed to CrossEntropyLoss", controls, build, figsize=(8.0, 3.4))


# --- 01_information_and_entropy ---


def binary_entropy_explorer() -> Explorer:
    r"""A two-outcome event: A with probability ``p``, B with ``1 - p``, in a chosen unit.

    Left: :math:`H_b(p) = -p \log_b p - (1-p) \log_b (1-p)` in bits, nats and bans (faint), the
    chosen unit in bold, the current ``p`` marked. The three curves have one shape: changing the
    base only divides by :math:`\ln b`. Right: the information of each outcome,
    :math:`-\log_b p` and :math:`-\log_b (1-p)`, and their expectation :math:`H_b(p)`, as bars.
    The axes stay fixed, so that changing the unit shows the rescaling.
    """
    p_grid = np.linspace(0.0, 1.0, 401)
    smallest = 0.001  # the slider's end: I(0.001) in bits is the tallest bar

    def build(figure: Figure):
        left, right = figure.subplots(1, 2)
        for name in info.UNITS:
            values = info.binary_entropy(p_grid, name)
            left.plot(p_grid, values, color=plots.COLORS["neutral"], linewidth=1, alpha=0.35)
            left.annotate(name, (0.5, float(values.max())), textcoords="offset points",
                          xytext=(0, 3), ha="center", fontsize=8, color=plots.COLORS["neutral"])
        (curve,) = left.plot(p_grid, p_grid, color=plots.COLORS["neutral"], linewidth=2.2,
                             animated=True)
        (point,) = left.plot([], [], "o", color=plots.COLORS["model"], animated=True)
        left.set(xlabel="p = P(A)", ylabel="entropy, in the chosen unit", xlim=(0, 1),
                 ylim=(0, 1.12), title="binary entropy $H_b(p)$")
        bars = right.bar([0, 1, 2], [0.0, 0.0, 0.0], animated=True, color=[
            plots.COLORS["model"], plots.COLORS["target"], plots.COLORS["reference"]])
        right.set_xticks([0, 1, 2], [r"$-\log p$" "\nI(A)", r"$-\log(1-p)$" "\nI(B)",
                                     "$H_b(p)$\nexpected"])
        right.set(ylim=(0, float(info.information(smallest, "bits")) * 1.1),
                  ylabel="information, in the chosen unit",
                  title="information of each outcome, and its mean")
        labels = [right.text(i, 0.0, "", ha="center", va="bottom", fontsize=9, animated=True)
                  for i in range(3)]

        def update(p: float, unit: str) -> str:
            # Change of base: log_b x = ln x / ln b, so every curve is the nats curve / ln b.
            curve.set_ydata(info.binary_entropy(p_grid, unit))
            i_a = float(info.information(p, unit))
            i_b = float(info.information(1.0 - p, unit))
            h = float(info.binary_entropy(p, unit))
            point.set_data([p], [h])
            for bar, label, value in zip(bars, labels, (i_a, i_b, h), strict=True):
                bar.set_height(value)
                label.set_position((bar.get_x() + bar.get_width() / 2, value))
                label.set_text(f"{value:.4f}")
            top = float(info.entropy([0.5, 0.5], unit))
            return (
                f"p = {p:.3f}: I(A) = {i_a:.4f}, I(B) = {i_b:.4f}, "
                f"H_b = {p:.3f}·{i_a:.4f} + {1 - p:.3f}·{i_b:.4f} = {h:.4f} {unit} "
                f"(maximum {top:.4f} {unit}, at p = 0.5)"
            )

        return update

    controls = {
        "p": widgets.FloatSlider(value=0.1, min=smallest, max=1 - smallest, step=0.001,
                                 readout_format=".3f", description="p = P(A)"),
        "unit": widgets.Dropdown(options=list(info.UNITS), value="bits", description="unit"),
    }
    return Explorer("Binary entropy: the expected information of two outcomes", controls, build,
                    figsize=(9.0, 3.6))


# --- 02_cross_entropy_and_kl_divergence ---


def cross_entropy_explorer() -> Explorer:
    r"""Two outcomes: target ``p = (p, 1-p)``, prediction ``q = (q, 1-q)``, in nats.

    Left: :math:`H(p, q)` as a function of ``q`` for the current ``p``, the line :math:`H(p)`,
    and the current ``q`` with the gap :math:`\mathrm{KL}(p \| q)` drawn.
    Right: the stacked bar :math:`H(p) + \mathrm{KL}(p \| q) = H(p, q)`, and
    :math:`\mathrm{KL}(q \| p)` beside it (not the same number).
    """
    q_grid = np.linspace(0.01, 0.99, 393)
    top = 3.2  # taller values (up to -ln 0.01 = 4.61) are drawn to the top and labelled

    def build(figure: Figure):
        left, right = figure.subplots(1, 2)
        (curve,) = left.plot(q_grid, q_grid, color=plots.COLORS["model"], label="$H(p, q)$",
                             animated=True)
        (entropy_line,) = left.plot([0, 1], [0, 0], color=plots.COLORS["target"],
                                    linestyle="--", label="$H(p)$", animated=True)
        (gap,) = left.plot([], [], color=plots.COLORS["reference"], linewidth=4,
                           label=r"$\mathrm{KL}(p\,\|\,q)$", animated=True)
        (point,) = left.plot([], [], "o", color=plots.COLORS["model"], animated=True)
        left.set(xlabel="q, where the prediction is (q, 1 - q)", ylabel="nats", xlim=(0, 1),
                 ylim=(0, top), title="cross-entropy as a function of q")
        left.legend(loc="upper center", fontsize=8)
        entropy_bar, kl_bar, reverse_bar = right.bar(
            [0, 0, 1], [0.0, 0.0, 0.0], width=0.6, animated=True,
            color=[plots.COLORS["target"], plots.COLORS["reference"], plots.COLORS["neutral"]])
        right.set_xticks([0, 1], ["$H(p, q)$\n$= H(p) + \\mathrm{KL}(p\\,\\|\\,q)$",
                                  r"$\mathrm{KL}(q\,\|\,p)$"])
        right.set(ylabel="nats", ylim=(0, top), xlim=(-0.6, 1.6),
                  title="the same numbers, stacked")
        totals = [right.text(x, 0.0, "", ha="center", va="bottom", fontsize=9, animated=True)
                  for x in (0, 1)]
        parts = [right.text(0.32, 0.0, "", ha="left", va="center", fontsize=8, animated=True)
                 for _ in range(2)]

        def update(p: float, q: float) -> str:
            target, prediction = plots.binary_pair(p), plots.binary_pair(q)
            h = float(info.entropy(target))
            kl = float(info.kl_divergence(target, prediction))
            cross = float(info.cross_entropy(target, prediction))
            reverse = float(info.kl_divergence(prediction, target))
            curve.set_ydata(info.cross_entropy(plots.binary_pair(np.full_like(q_grid, p)),
                                               plots.binary_pair(q_grid)))
            entropy_line.set_ydata([h, h])
            gap.set_data([q, q], [h, cross])
            point.set_data([q], [cross])
            entropy_bar.set_height(h)
            kl_bar.set_y(h)
            kl_bar.set_height(min(kl, top - h))  # a bar taller than the axes ends at the top
            # KL(q||p) is inf when p puts 0 where q does not: that bar too ends at the top.
            for text, x, value in ((totals[0], 0, cross), (totals[1], 1, reverse)):
                text.set_position((x, value if value < top * 0.93 else top * 0.93))
                text.set_text(f"{value:.4f}")
            reverse_bar.set_height(min(reverse, top))
            parts[0].set_position((0.32, h / 2))
            parts[0].set_text(f"H(p) {h:.4f}" if h > 0.15 else "")
            parts[1].set_position((0.32, h + kl / 2))
            parts[1].set_text(f"KL {kl:.4f}" if kl > 0.15 else "")
            return (
                f"p = ({p:.2f}, {1 - p:.2f}), q = ({q:.2f}, {1 - q:.2f}): "
                f"H(p) = {h:.4f} + KL(p‖q) = {kl:.4f} → H(p, q) = {cross:.4f} nats; "
                f"KL(q‖p) = {reverse:.4f} nats"
            )

        return update

    controls = {
        "p": widgets.FloatSlider(value=0.7, min=0.0, max=1.0, step=0.01, description="p"),
        "q": widgets.FloatSlider(value=0.4, min=0.01, max=0.99, step=0.01, description="q"),
    }
    return Explorer("Cross-entropy = entropy + KL divergence (two outcomes)", controls, build,
                    figsize=(9.0, 3.8))


# --- 05_nll_loss ---


def weighted_nll_explorer() -> Explorer:
    r"""NLLLoss's weighted mean :math:`\sum_n w_{y_n}\ell_n / \sum_n w_{y_n}` with one slider per
    class weight, next to :math:`\sum_n w_{y_n}\ell_n / N`.

    Five samples, three classes: class 0 is common and well predicted, class 2 is rare and
    badly predicted (:math:`q_{y_n} = 0.05`). :math:`\ell_n = -\log q_{y_n}` (nats) does not
    depend on the weights; the weighted mean always lies between the smallest and the largest
    :math:`\ell_n`, while the sum divided by :math:`N` grows with the weights.
    """
    target = np.array([0, 0, 0, 1, 2])
    target_probability = np.array([0.9, 0.8, 0.6, 0.5, 0.05])
    num_classes = 3
    # Full rows of log-probabilities: the target gets q_{y_n}, the other classes share the rest.
    probabilities = np.tile((1 - target_probability)[:, None] / (num_classes - 1), num_classes)
    probabilities[np.arange(len(target)), target] = target_probability
    log_probs = np.log(probabilities)
    sample_loss = -np.log(target_probability)

    def build(figure: Figure):
        (ax,) = figure.subplots(1, 1, squeeze=False)[0]
        weighted, mean_line, per_n_line = plots.weighted_nll_axes(ax, target, sample_loss, 5.0)

        def update(w0: float, w1: float, w2: float) -> str:
            weight = np.array([w0, w1, w2])
            per_sample = losses.nll_loss(log_probs, target, weight=weight, reduction="none")
            for bar, height in zip(weighted, per_sample, strict=True):
                bar.set_height(height)
            mean = float(losses.nll_loss(log_probs, target, weight=weight))
            per_n = float(per_sample.sum()) / len(target)
            mean_line.set_ydata([mean, mean])
            per_n_line.set_ydata([per_n, per_n])
            return (
                f"weight = [{w0:.1f}, {w1:.1f}, {w2:.1f}]: Σ w[y_n]·ℓ_n = {per_sample.sum():.4f}, "
                f"Σ w[y_n] = {weight[target].sum():.1f} → mean = {mean:.4f} "
                f"(Σ/N = {per_n:.4f})"
            )

        return update

    def slider(name: str) -> widgets.FloatSlider:
        return widgets.FloatSlider(
            value=1.0, min=0.0, max=5.0, step=0.1, description=name, readout_format=".1f",
            continuous_update=True,
        )

    controls = {"w0": slider("w[0]"), "w1": slider("w[1]"), "w2": slider("w[2]")}
    return Explorer("NLLLoss with class weights: the weighted mean", controls, build,
                    figsize=(7.0, 3.8))


# --- 06_cross_entropy_loss_in_pytorch ---


def target_logit_explorer(
    logits: tuple[float, ...] = (1.2, 2.4, 3.6), target: int = 1
) -> Explorer:
    r"""Cross-entropy of one sample as its target logit :math:`x_y` moves:
    :math:`\ell = \log\sum_c e^{x_c} - x_y = -\log\operatorname{softmax}(x)_y`.

    Sliders: the target logit :math:`x_y` and the largest competing logit (by default the last
    class). Far to the left the loss follows the line :math:`\log\sum_{c\ne y} e^{x_c} - x_y`
    (slope −1: a confidently wrong sample costs the logit gap); far to the right it decays to
    0 like :math:`e^{-x_y}`. The default logits are document 002's ``[1.2, 2.4, 3.6]``.
    """
    base = np.asarray(logits, dtype=np.float64)
    num_classes = len(base)
    competitor = max(c for c in range(num_classes) if c != target)
    others = [c for c in range(num_classes) if c != target]
    grid = np.linspace(-4.0, 10.0, 281)

    def build(figure: Figure):
        ax_loss, ax_probability = figure.subplots(1, 2, width_ratios=[1.7, 1])
        curve, asymptote, point, bars = plots.target_logit_axes(
            ax_loss, ax_probability, grid, num_classes, target
        )

        def update(target_logit: float, competitor_logit: float) -> str:
            x = base.copy()
            x[target] = target_logit
            x[competitor] = competitor_logit
            rows = np.tile(x, (grid.size, 1))
            rows[:, target] = grid
            curve.set_ydata(losses.logsumexp(rows, axis=1) - grid)
            asymptote.set_ydata(losses.logsumexp(x[others]) - grid)
            loss = float(losses.cross_entropy(x, target))
            point.set_data([target_logit], [loss])
            probability = losses.softmax(x)
            for bar, height in zip(bars, probability, strict=True):
                bar.set_height(height)
            shown = ", ".join(f"{v:.2f}" for v in x)
            probs = ", ".join(f"{v:.4f}" for v in probability)
            return (
                f"x = [{shown}], y = {target}: softmax(x) = [{probs}], "
                f"loss = −log p_{target} = {loss:.4f}"
            )

        return update

    controls = {
        "target_logit": widgets.FloatSlider(
            value=float(base[target]), min=-4.0, max=10.0, step=0.05,
            description=f"x[{target}] (target)", readout_format=".2f",
            style={"description_width": "initial"},
        ),
        "competitor_logit": widgets.FloatSlider(
            value=float(base[competitor]), min=-4.0, max=10.0, step=0.05,
            description=f"x[{competitor}]", readout_format=".2f",
            style={"description_width": "initial"},
        ),
    }
    return Explorer("Cross-entropy vs the target logit", controls, build, figsize=(7.6, 3.4))


# --- 11_cross_entropy_at_scale ---


def _bytes_text(n_bytes: float) -> str:
    """Decimal units, as accelerator memory is quoted: 4.20 GB, 525 MB, 12.3 kB, 512 B."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= size:
            digits = "#.3g" if n_bytes < 100 * size else ",.0f"
            return f"{n_bytes / size:{digits}} {unit}"
    return f"{n_bytes:.0f} B"


def logits_memory_explorer() -> Explorer:
    r"""Memory of the logits :math:`Z = X W^\top` against the vocabulary size :math:`V`.

    Naive: the logits hold :math:`T \cdot V` numbers of :math:`b` bytes, and their gradient as
    many again (PyTorch's ``F.cross_entropy`` keeps about three such tensors at its peak).
    Chunked by blocks of :math:`c` tokens: one block of :math:`\min(c, T) \cdot V` numbers at a
    time. Sliders: tokens :math:`T`, vocabulary :math:`V`, bytes per number, chunk size
    :math:`c`; the curves are drawn for all :math:`V`, the points mark the chosen one.
    """
    grid = np.geomspace(1e3, 1e6, 200)

    def build(figure: Figure):
        ax = figure.subplots()
        logits, with_gradient, block, points = plots.logits_memory_axes(ax, grid)

        def update(tokens: int, vocabulary: int, bytes_per_number: int, chunk_size: int) -> str:
            rows = min(chunk_size, tokens)
            logits.set_ydata(tokens * grid * bytes_per_number / 1e9)
            with_gradient.set_ydata(2 * tokens * grid * bytes_per_number / 1e9)
            block.set_ydata(rows * grid * bytes_per_number / 1e9)
            logits_bytes = tokens * vocabulary * bytes_per_number
            block_bytes = rows * vocabulary * bytes_per_number
            points.set_data(
                [vocabulary] * 3, [logits_bytes / 1e9, 2 * logits_bytes / 1e9, block_bytes / 1e9]
            )
            saving = "c ≥ T: one block, no saving"
            if rows < tokens:
                saving = f"1/{tokens / rows:g} of the logits"
            return (
                f"T = {tokens:,} tokens × V = {vocabulary:,} × {bytes_per_number} bytes: "
                f"logits {_bytes_text(logits_bytes)}, with their gradient "
                f"{_bytes_text(2 * logits_bytes)}; chunked, one block of {rows:,} tokens: "
                f"{_bytes_text(block_bytes)} ({saving})"
            )

        return update

    style = {"description_width": "initial"}
    controls = {
        "tokens": widgets.SelectionSlider(
            options=[2**k for k in range(9, 18)], value=8192, description="tokens T", style=style
        ),
        "vocabulary": widgets.SelectionSlider(
            options=[8192, 16384, 32000, 50257, 65536, 128256, 256000, 512000],
            value=128256, description="vocabulary V", style=style,
        ),
        "bytes_per_number": widgets.Dropdown(
            options=[("float32 (4 bytes)", 4), ("bfloat16 (2 bytes)", 2)], value=4,
            description="dtype", style=style, layout={"width": "200px"},
        ),
        "chunk_size": widgets.SelectionSlider(
            options=[2**k for k in range(6, 14)], value=1024, description="chunk c", style=style
        ),
    }
    return Explorer("Memory of the logits", controls, build, figsize=(7.6, 3.8))


# --- 10_binary_cross_entropy ---


def pos_weight_explorer() -> Explorer:
    r"""``BCEWithLogitsLoss`` with ``pos_weight`` p: the two per-label losses and the expected loss.

    Left: the loss of one element against its logit x, :math:`p \cdot \operatorname{softplus}(-x)`
    for a positive (y = 1) and :math:`\operatorname{softplus}(x)` for a negative (y = 0); the
    sliders move x and p. Right: the expected loss of a constant logit x when a fraction
    :math:`\pi` of the labels are positive (the base rate),

    .. math:: E(x) = \pi\, p \operatorname{softplus}(-x) + (1 - \pi) \operatorname{softplus}(x),
              \qquad x^* = \arg\min E = \ln \frac{p\,\pi}{1 - \pi},

    so :math:`\sigma(x^*) = p\pi / (p\pi + 1 - \pi)`: with p = 1 the sigmoid of the best logit is
    the base rate; with :math:`p = (1 - \pi)/\pi` it is 1/2. All curves are
    ``losses.binary_cross_entropy_with_logits`` (float64).
    """
    grid = np.linspace(-8.0, 8.0, 401)
    ones, zeros = np.ones_like(grid), np.zeros_like(grid)
    negative_curve = losses.binary_cross_entropy_with_logits(grid, zeros, reduction="none")

    def build(figure: Figure):
        loss_ax, expected_ax = figure.subplots(1, 2)
        (positive,) = loss_ax.plot(grid, grid * 0, color=plots.COLORS["target"], lw=2,
                                   label="y = 1: p softplus(-x)", animated=True)
        loss_ax.plot(grid, negative_curve, color=plots.COLORS["model"], lw=2,
                     label="y = 0: softplus(x)")
        (positive_dot,) = loss_ax.plot([], [], "o", color=plots.COLORS["target"], animated=True)
        (negative_dot,) = loss_ax.plot([], [], "o", color=plots.COLORS["model"], animated=True)
        loss_ax.set(xlabel="logit x", ylabel="loss of one element", xlim=(-8, 8), ylim=(0, 10),
                    title="BCEWithLogitsLoss(x, y, pos_weight=p)")
        loss_ax.legend(loc="upper center", fontsize="small")

        (expected,) = expected_ax.plot(grid, grid * 0, color=plots.COLORS["reference"], lw=2,
                                       label="E(x), base rate pi", animated=True)
        optimum = expected_ax.axvline(0.0, ls="--", lw=1, color=plots.COLORS["neutral"],
                                      animated=True)
        (optimum_dot,) = expected_ax.plot([], [], "s", color=plots.COLORS["neutral"],
                                          label="minimum x*", animated=True)
        (expected_dot,) = expected_ax.plot([], [], "o", color=plots.COLORS["reference"],
                                           animated=True)
        expected_ax.set(xlabel="constant logit x", ylabel="expected loss per element",
                        xlim=(-8, 8), ylim=(0, 4),
                        title=r"$E(x) = \pi p\,\mathrm{sp}(-x) + (1-\pi)\,\mathrm{sp}(x)$")
        expected_ax.legend(loc="upper center", fontsize="small")

        def update(logit: float, pos_weight: float, base_rate: float) -> str:
            positive_curve = losses.binary_cross_entropy_with_logits(
                grid, ones, pos_weight=pos_weight, reduction="none"
            )
            positive.set_ydata(positive_curve)
            mean_curve = base_rate * positive_curve + (1 - base_rate) * negative_curve
            expected.set_ydata(mean_curve)
            x = np.array([logit])
            loss_1 = float(losses.binary_cross_entropy_with_logits(x, np.ones(1),
                                                                   pos_weight=pos_weight))
            loss_0 = float(losses.binary_cross_entropy_with_logits(x, np.zeros(1)))
            positive_dot.set_data([logit], [loss_1])
            negative_dot.set_data([logit], [loss_0])
            mean_loss = base_rate * loss_1 + (1 - base_rate) * loss_0
            expected_dot.set_data([logit], [mean_loss])
            best = float(np.log(pos_weight * base_rate / (1 - base_rate)))
            best_loss = float(
                base_rate * losses.binary_cross_entropy_with_logits(best, 1.0,
                                                                     pos_weight=pos_weight)
                + (1 - base_rate) * losses.binary_cross_entropy_with_logits(best, 0.0)
            )
            optimum.set_xdata([best, best])
            optimum_dot.set_data([best], [best_loss])
            shown_best = round(best, 4) + 0.0  # never "-0.0000"
            return (
                f"x = {logit:+.2f}, σ(x) = {float(losses.sigmoid(logit)):.4f}; "
                f"loss if y = 1: {loss_1:.4f}, if y = 0: {loss_0:.4f}. "
                f"Base rate π = {base_rate:.2f}, p = {pos_weight:.2f}: E(x) = {mean_loss:.4f}, "
                f"lowest at x* = ln(pπ / (1 − π)) = {shown_best:+.4f}, "
                f"σ(x*) = {float(losses.sigmoid(best)):.4f}"
            )

        return update

    controls = {
        "logit": widgets.FloatSlider(value=2.0, min=-8.0, max=8.0, step=0.05,
                                     description="logit x", readout_format=".2f"),
        "pos_weight": widgets.FloatLogSlider(value=1.0, base=10, min=-1.0, max=1.5, step=0.01,
                                             description="pos_weight p", readout_format=".2f",
                                             style={"description_width": "initial"}),
        "base_rate": widgets.FloatSlider(value=0.05, min=0.01, max=0.99, step=0.01,
                                         description="base rate pi", readout_format=".2f",
                                         style={"description_width": "initial"}),
    }
    return Explorer("pos_weight: the loss of a positive, and the best constant logit", controls,
                    build, figsize=(10.0, 3.8))


# --- 09_training_with_cross_entropy ---


def training_checkpoints_explorer(
    steps: np.ndarray,
    grid_probabilities: Mapping[tuple[str, float], np.ndarray],
    test_ece: Mapping[tuple[str, float], np.ndarray],
    test_accuracy: Mapping[tuple[str, float], np.ndarray],
    extent: tuple[float, float, float, float],
    points: np.ndarray,
    labels: np.ndarray,
) -> Explorer:
    r"""Training replayed from stored checkpoints. Choose a model and a step: the decision
    regions of its hard-target run (:math:`\varepsilon = 0`) and of its label-smoothed run
    redraw side by side (:func:`helpers.plots.confidence_image`), and a marker moves along the
    test ECE of both runs.

    Runs are keyed ``(model, ε)``; every model needs the same two values of ε (the smaller one
    is drawn as "hard"). ``grid_probabilities[run]`` has shape ``(C, H, W, K)``: the class
    probabilities on an ``H × W`` grid over ``extent = (x0, x1, y0, y1)`` at each of the ``C``
    checkpoint ``steps``; ``test_ece[run]`` and ``test_accuracy[run]`` hold one number per
    checkpoint. Moving a control trains and evaluates nothing: it swaps the images and moves
    the markers.
    """
    steps = np.asarray(steps)
    models = list(dict.fromkeys(model for model, _ in grid_probabilities))
    epsilons = sorted({float(epsilon) for _, epsilon in grid_probabilities})
    if len(epsilons) != 2 or any(
        (model, epsilon) not in grid_probabilities for model in models for epsilon in epsilons
    ):
        raise ValueError("every model needs exactly the same two values of ε (hard and smoothed)")
    pair = {"hard": epsilons[0], "smoothed": epsilons[1]}
    top = 1.1 * max(float(np.max(values)) for values in test_ece.values())

    def build(figure: Figure):
        ax_hard, ax_smoothed, ax_ece = figure.subplots(1, 3, width_ratios=(1, 1, 1.3))
        images, titles, curves, markers = {}, {}, {}, {}
        for kind, ax in (("hard", ax_hard), ("smoothed", ax_smoothed)):
            run = (models[0], pair[kind])
            images[kind] = plots.decision_regions_axes(
                ax, grid_probabilities[run][0], extent, points, labels, animated=True
            )
            titles[kind] = ax.set_title("", fontsize=9, animated=True)
            color = plots.SMOOTHING_COLORS[kind]
            (curves[kind],) = ax_ece.plot(steps, np.zeros(steps.size), color=color, lw=1.5,
                                          animated=True, label=rf"$\varepsilon$ = {pair[kind]:g}")
            (markers[kind],) = ax_ece.plot([], [], "o", color=color, ms=7, animated=True)
        cursor = ax_ece.axvline(0, color=plots.COLORS["neutral"], lw=0.8, ls=":", animated=True)
        ax_ece.set(xlim=(steps[0], steps[-1]), ylim=(0, top), xlabel="step",
                   ylabel="ECE (test, 15 bins)", title="calibration error during training")
        ax_ece.title.set_fontsize(9)
        ax_ece.legend(fontsize=8, loc="upper left")

        def update(model: str, step: int) -> str:
            index = int(np.searchsorted(steps, step))
            parts = []
            for kind in ("hard", "smoothed"):
                run = (model, pair[kind])
                images[kind].set_data(plots.confidence_image(grid_probabilities[run][index]))
                titles[kind].set_text(f"{plots.run_label(model, pair[kind])}, step {step}")
                curves[kind].set_ydata(test_ece[run])
                ece, accuracy = float(test_ece[run][index]), float(test_accuracy[run][index])
                markers[kind].set_data([step], [ece])
                parts.append(f"ε = {pair[kind]:g}: test accuracy {accuracy:.3f}, ECE {ece:.3f}")
            cursor.set_xdata([step, step])
            return f"{model}, step {step}: " + "; ".join(parts)

        return update

    controls = {
        "model": widgets.Dropdown(options=models, value=models[-1], description="model",
                                  layout={"width": "180px"}),
        "step": widgets.SelectionSlider(options=[int(s) for s in steps], value=int(steps[-1]),
                                        description="step"),
    }
    return Explorer("Training, checkpoint by checkpoint", controls, build, figsize=(9.6, 3.3))
