"""Figures of the series, drawn with matplotlib's object API (no pyplot, no global state).

Every function here either returns a new :class:`~matplotlib.figure.Figure` (a notebook cell
that ends with it shows it inline) or draws on an ``Axes`` it is given, so that the same
drawing code serves a static figure and an :class:`helpers.widgets.Explorer`.
Labels use plain ASCII or LaTeX mathtext, never CJK characters (the default font lacks them
and matplotlib would warn on stderr).
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from helpers import calibration, info, losses

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


# --- 03_softmax ---


def softmax_temperature_figure(
    logits: np.ndarray | list[float], temperatures: tuple[float, ...] = (0.1, 1.0, 10.0)
) -> Figure:
    r"""softmax(v / T) of one logit vector v, at a few temperatures and as a function of T.

    .. math:: \operatorname{softmax}(v / T)_k = \frac{e^{v_k / T}}{\sum_m e^{v_m / T}}

    Left: one group of bars per temperature in ``temperatures``, one bar per class. Right: each
    p_k against T on a log axis from 0.01 to 100; T -> 0 tends to the one-hot vector of the
    argmax, T -> infinity to the uniform 1/C (dashed). Class k has colour ``C{k}`` in both.
    """
    v = np.asarray(logits, dtype=np.float64)
    classes = np.arange(v.size)
    figure, (bars_ax, curves_ax) = new_figure(2, figsize=(10.0, 3.8))
    width = 0.8 / v.size
    for group, temperature in enumerate(temperatures):
        p = losses.softmax(v / temperature)
        offsets = group + (classes - (v.size - 1) / 2) * width
        bars_ax.bar(offsets, p, width, color=[f"C{k}" for k in classes], edgecolor="white")
    bars_ax.axhline(1 / v.size, ls="--", lw=1, color=COLORS["reference"])
    bars_ax.set(
        xticks=range(len(temperatures)),
        xticklabels=[f"T = {t:g}" for t in temperatures],
        ylabel=r"$\mathrm{softmax}(v/T)_k$",
        ylim=(0, 1),
        title="bars: classes 0..C-1 at each temperature",
    )
    grid = np.logspace(-2, 2, 401)
    curves = losses.softmax(v[None, :] / grid[:, None], axis=1)
    for k in classes:
        curves_ax.plot(grid, curves[:, k], color=f"C{k}", label=f"class {k}: $v_{k}$ = {v[k]:g}")
    curves_ax.axhline(1 / v.size, ls="--", lw=1, color=COLORS["reference"], label="1/C")
    curves_ax.axvline(1.0, ls=":", lw=1, color=COLORS["neutral"])
    curves_ax.set_xscale("log")
    curves_ax.set(
        xlabel="temperature T (log scale)",
        ylabel=r"$p_k$",
        ylim=(0, 1.02),
        title=r"T $\to$ 0: one-hot argmax;  T $\to \infty$: uniform",
    )
    curves_ax.legend(fontsize="small", loc="center right")
    return figure


# --- 04_log_softmax_and_numerical_stability ---


def logsumexp_figure() -> Figure:
    r"""LSE(0, t) = ln(e^0 + e^t) against t: a smooth maximum of the two logits 0 and t.

    .. math:: \max(0, t) \le \operatorname{LSE}(0, t) \le \max(0, t) + \ln 2

    In general max_k v_k <= LSE(v) <= max_k v_k + ln C for C logits; the upper bound is reached
    when all logits are equal (t = 0 here), the lower one approached when one logit dominates.
    """
    t = np.linspace(-6.0, 6.0, 481)
    pairs = np.stack([np.zeros_like(t), t], axis=-1)
    lse = losses.logsumexp(pairs, axis=-1)
    top = np.maximum(0.0, t)
    figure, (ax,) = new_figure(1, figsize=(6.4, 3.8))
    ax.fill_between(
        t, top, top + np.log(2.0), color=COLORS["reference"], alpha=0.15,
        label=r"between max and max + $\ln 2$",
    )
    ax.plot(t, top, ls="--", color=COLORS["neutral"], label=r"$\max(0, t)$")
    ax.plot(t, lse, color=COLORS["model"], lw=2, label=r"$\mathrm{LSE}(0, t) = \ln(1 + e^t)$")
    ax.set(xlabel="t", ylabel="nats", title="log-sum-exp is a smooth maximum: LSE(0, t)")
    ax.legend(loc="upper left")
    return figure


# --- 07_label_smoothing ---


def smoothed_loss_vs_gap(gap: np.ndarray, num_classes: int, epsilon: float) -> np.ndarray:
    r"""Label-smoothed loss of the logits ``(g, 0, …, 0)`` with true class 0, for each gap ``g``.

    .. math:: \ell(g) = -\Big(1-\varepsilon+\frac{\varepsilon}{K}\Big)\log p_{\rm true}
              - (K-1)\,\frac{\varepsilon}{K}\log p_{\rm other},\qquad
              p_{\rm true} = \frac{e^g}{e^g+K-1},\quad p_{\rm other} = \frac{1}{e^g+K-1}

    computed with :func:`helpers.losses.cross_entropy` (``label_smoothing=ε``, float64).
    """
    gap = np.asarray(gap, dtype=np.float64)
    logits = np.zeros((gap.size, num_classes))
    logits[:, 0] = gap.ravel()
    target = np.zeros(gap.size, dtype=np.int64)
    loss = losses.cross_entropy(logits, target, reduction="none", label_smoothing=epsilon)
    return np.asarray(loss).reshape(gap.shape)


def optimal_gap(num_classes: int, epsilon: float) -> float:
    r"""The minimizing gap :math:`g^* = \log\big((1-\varepsilon+\varepsilon/K)/(\varepsilon/K)\big)`
    (``inf`` for ε = 0)."""
    if epsilon == 0:
        return float("inf")
    return float(np.log((1 - epsilon + epsilon / num_classes) / (epsilon / num_classes)))


def label_smoothing_gap_figure(
    num_classes: int = 4, epsilons: tuple[float, ...] = (0.0, 0.05, 0.1, 0.2, 0.4)
) -> Figure:
    """Loss vs the gap between the true-class logit and the other (equal) logits, one curve per ε.

    Each curve's minimum (at :func:`optimal_gap`, value = entropy of the smoothed target) is
    marked; the hard target (ε = 0) has none: its loss only tends to 0 as the gap grows.
    """
    figure, (ax,) = new_figure(figsize=(6.8, 3.8))
    gap = np.linspace(-1.0, 10.0, 441)
    shades = np.linspace(0.35, 1.0, len(epsilons))
    for epsilon, shade in zip(epsilons, shades, strict=True):
        if epsilon == 0:
            ax.plot(gap, smoothed_loss_vs_gap(gap, num_classes, 0.0), color=COLORS["neutral"],
                    lw=2, label=r"$\varepsilon = 0$ (hard target): no minimum")
            continue
        color = (0.85 * shade, 0.37 * shade, 0.0075)
        ax.plot(gap, smoothed_loss_vs_gap(gap, num_classes, epsilon), color=color,
                label=rf"$\varepsilon = {epsilon:g}$")
        best = optimal_gap(num_classes, epsilon)
        value = float(smoothed_loss_vs_gap(np.array([best]), num_classes, epsilon)[0])
        ax.plot([best], [value], "o", color=color, ms=6, zorder=3)
        ax.annotate(f"{best:.2f}", (best, value), textcoords="offset points", xytext=(0, -13),
                    ha="center", fontsize=8, color=color)
    ax.axhline(0, color=COLORS["reference"], lw=0.8, ls=":")
    ax.set(xlabel=r"logit gap $g = z_{\rm true} - z_{\rm other}$",
           ylabel="loss [nats]", xlim=(gap[0], gap[-1]), ylim=(-0.1, 2.2),
           title=f"Label-smoothed cross-entropy, K = {num_classes} classes (dot: minimum)")
    ax.legend(fontsize=8, loc="upper right")
    return figure


# --- 08_pitfalls_and_errata ---


def double_softmax_losses(p: np.ndarray, num_classes: int = 3) -> dict[str, np.ndarray]:
    r"""For a true-class probability ``p`` (the rest spread evenly), three "losses":

    ``-ln p`` (the cross-entropy in nats), ``-log10 p`` (in bans), and what
    ``nn.CrossEntropyLoss`` returns when the *probabilities* are fed as logits:
    :math:`-\log \operatorname{softmax}(q)_{\rm true}` with :math:`q = (p, \frac{1-p}{K-1}, …)`.
    """
    p = np.asarray(p, dtype=np.float64)
    probs = np.empty((p.size, num_classes))
    probs[:, 0] = p.ravel()
    probs[:, 1:] = ((1 - p.ravel()) / (num_classes - 1))[:, None]
    target = np.zeros(p.size, dtype=np.int64)
    with np.errstate(divide="ignore"):
        return {
            "nats": -np.log(p),
            "bans": -np.log10(p),
            "double": np.asarray(
                losses.cross_entropy(probs, target, reduction="none")
            ).reshape(p.shape),
        }


def double_softmax_figure(num_classes: int = 3) -> Figure:
    """Cross-entropy of a true-class probability p vs the loss of the probabilities fed as logits.

    The double-softmax "loss" is squeezed between log(1 + (K-1)/e) (at p = 1) and
    log(1 + (K-1) e^{1/(K-1)}) (at p = 0): it never rewards a confident right answer fully and
    never punishes a confident wrong one.
    """
    figure, (ax,) = new_figure(figsize=(6.8, 3.8))
    p = np.linspace(0.005, 1.0, 400)
    curves = double_softmax_losses(p, num_classes)
    ax.plot(p, curves["nats"], color=COLORS["target"], lw=2,
            label=r"$-\ln p$ (cross-entropy, nats)")
    ax.plot(p, curves["bans"], color=COLORS["target"], ls="--", label=r"$-\log_{10} p$ (bans)")
    ax.plot(p, curves["double"], color=COLORS["model"], lw=2,
            label="CrossEntropyLoss(probabilities)  (softmax twice)")
    low = np.log(1 + (num_classes - 1) / np.e)
    high = np.log(1 + (num_classes - 1) * np.exp(1 / (num_classes - 1)))
    for bound in (low, high):
        ax.axhline(bound, color=COLORS["reference"], lw=0.8, ls=":")
    ax.text(0.02, low - 0.12, f"floor log(1+{num_classes - 1}/e) = {low:.4f}", fontsize=8,
            color=COLORS["reference"])
    ceiling = f"ceiling log(1+{num_classes - 1}e^(1/{num_classes - 1})) = {high:.4f}"
    ax.text(0.25, high + 0.05, ceiling, fontsize=8, color=COLORS["reference"])
    document = float(losses.cross_entropy(np.array([[0.2, 0.7, 0.1]]), np.array([1])))
    ax.plot([0.7], [document], "s", color=COLORS["model"], ms=7)
    ax.annotate(f"document 002: {document:.4f}", (0.7, document), textcoords="offset points",
                xytext=(6, 8), fontsize=8, color=COLORS["model"])
    ax.set(xlabel="probability of the true class p", ylabel="loss", xlim=(0, 1), ylim=(0, 3),
           title=f"Feeding probabilities to CrossEntropyLoss (K = {num_classes})")
    ax.legend(fontsize=8, loc="upper right")
    return figure


# --- 01_information_and_entropy ---

#: Colours for the distributions an 01/02 figure marks, in order.
_MARK_COLORS_01 = ("#d95f02", "#1b9e77", "#7570b3", "#e7298a")


def unit_label(base: float | str) -> str:
    """The unit of a base: ``"bits"`` (2), ``"nats"`` (e), ``"bans"`` (10), else "log base b"."""
    value = info.log_base(base)
    for name, unit_base in info.UNITS.items():
        if value == unit_base:
            return name
    return f"log base {value:g}"


def information_and_entropy_figure(
    shooters: dict[str, float], base: float | str = "bits"
) -> Figure:
    r"""Left: the information of an outcome, :math:`I(p) = -\log_b p`, with each shooter's hit
    (probability ``p``) and miss (``1 - p``) marked. Right: the binary entropy
    :math:`H_b(p) = -p \log_b p - (1-p) \log_b (1-p)`, each shooter's entropy marked, and its
    maximum :math:`\log_b 2` at ``p = 1/2``.

    ``shooters`` maps a name to the probability of a hit.
    """
    unit = unit_label(base)
    figure, (left, right) = new_figure(2, figsize=(9.0, 3.6))
    grid = np.linspace(0.0005, 1.0, 800)
    left.plot(grid, info.information(grid, base), color=COLORS["neutral"], label=r"$-\log p$")
    p = np.linspace(0.0, 1.0, 801)
    right.plot(p, info.binary_entropy(p, base), color=COLORS["neutral"], label=r"$H_b(p)$")
    top = float(info.entropy([0.5, 0.5], base))
    right.axhline(top, color=COLORS["reference"], linestyle="--", linewidth=1,
                  label=r"maximum $\log 2$, at $p = 1/2$")
    for color, (name, hit) in zip(_MARK_COLORS_01, shooters.items(), strict=False):
        outcomes = np.array([hit, 1.0 - hit])
        left.plot(outcomes, info.information(outcomes, base), "o", color=color,
                  label=f"{name}: hit, miss")
        for probability, event in zip(outcomes, ("hit", "miss"), strict=True):
            # right of the point when p is small; above and to the left near p = 1 (no overlap)
            offset = (6, 4) if probability < 0.5 else (-34, 8) if probability < 0.95 else (-10, 22)
            left.annotate(event, (probability, float(info.information(probability, base))),
                          textcoords="offset points", xytext=offset, color=color, fontsize=9)
        h = float(info.binary_entropy(hit, base))
        right.plot([hit], [h], "o", color=color, label=f"{name}: H = {h:.4f} {unit}")
    left.set(xlabel="probability p of the outcome", ylabel=f"information [{unit}]",
             title="Information of one outcome", xlim=(0, 1.02),
             ylim=(0, float(info.information(0.0005, base)) * 1.02))
    right.set(xlabel="p = P(hit)", ylabel=f"entropy [{unit}]",
              title="Entropy: the expected information", xlim=(0, 1), ylim=(0, top * 1.25))
    left.legend(loc="upper right", fontsize=8)
    right.legend(loc="lower center", fontsize=8)
    return figure


def entropy_bound_figure(
    entropies: dict[int, np.ndarray], base: float | str = "nats"
) -> Figure:
    r"""The entropies of random distributions over ``K`` outcomes (``K`` → array of entropies),
    under the bound :math:`H(p) \le \log_b K` that the uniform distribution reaches."""
    unit = unit_label(base)
    figure, (ax,) = new_figure(1, figsize=(6.4, 3.6))
    ks = np.array(sorted(entropies))
    rng = np.random.default_rng(0)  # horizontal jitter only, so the dots do not overlap
    for k in ks:
        values = np.asarray(entropies[k])
        ax.plot(k + rng.uniform(-0.25, 0.25, values.size), values, ".", markersize=3,
                color=COLORS["model"], alpha=0.4,
                label="random distributions" if k == ks[0] else None)
    fine = np.linspace(ks.min() - 0.5, ks.max() + 0.5, 200)
    ax.plot(fine, np.log(fine) / np.log(info.log_base(base)), color=COLORS["reference"],
            label=r"$\log K$ (uniform distribution)")
    ax.plot(ks, [info.entropy(np.full(k, 1.0 / k), base) for k in ks], "o",
            color=COLORS["target"], label="uniform over K outcomes")
    ax.set(xlabel="number of outcomes K", ylabel=f"entropy [{unit}]", xticks=ks,
           title=r"$0 \leq H(p) \leq \log K$", ylim=(0, None))
    ax.legend(loc="upper left", fontsize=8)
    return figure


# --- 02_cross_entropy_and_kl_divergence ---


def binary_pair(t: np.ndarray | float) -> np.ndarray:
    """The two-outcome distributions ``(t, 1 - t)``, stacked along a new last axis."""
    t = np.asarray(t, dtype=np.float64)
    return np.stack([t, 1.0 - t], axis=-1)


def cross_entropy_and_kl_figure(
    p: float, q_mark: float | None = None, base: float | str = "nats"
) -> Figure:
    r"""For a fixed two-outcome ``p = (p, 1-p)`` and every ``q = (t, 1-t)``.

    Left: :math:`H(p, q) = H(p) + \mathrm{KL}(p \| q)`: the cross-entropy curve, the entropy
    line it touches at ``t = p``, and the KL divergence as the gap between them.
    Right: :math:`\mathrm{KL}(p \| q)` and :math:`\mathrm{KL}(q \| p)`: not the same function.
    ``q_mark`` (a ``t``) marks both divergences of one ``q``.
    """
    unit = unit_label(base)
    figure, (left, right) = new_figure(2, figsize=(9.0, 3.6))
    t = np.linspace(0.01, 0.99, 393)
    p_pair = binary_pair(np.full_like(t, p))
    q_pair = binary_pair(t)
    cross = info.cross_entropy(p_pair, q_pair, base)
    h = float(info.entropy(binary_pair(p), base))
    left.fill_between(t, h, cross, color=COLORS["model"], alpha=0.2,
                      label=r"gap = $\mathrm{KL}(p\,\|\,q)$")
    left.plot(t, cross, color=COLORS["model"], label=r"$H(p, q)$")
    left.axhline(h, color=COLORS["target"], linestyle="--", label=rf"$H(p)$ = {h:.4f}")
    left.plot([p], [h], "o", color=COLORS["target"])
    left.annotate("minimum at q = p", (p, h), textcoords="offset points",
                  xytext=(-8, -14) if p > 0.5 else (8, -14), ha="right" if p > 0.5 else "left",
                  fontsize=9, color=COLORS["target"])
    left.set(xlabel="t, where q = (t, 1 - t)", ylabel=unit, ylim=(0, 3),
             title=rf"$p = ({p:g}, {1 - p:g})$: cross-entropy = entropy + KL")
    left.legend(loc="upper center", fontsize=8)
    right.plot(t, info.kl_divergence(p_pair, q_pair, base), color=COLORS["model"],
               label=r"$\mathrm{KL}(p\,\|\,q)$")
    right.plot(t, info.kl_divergence(q_pair, p_pair, base), color=COLORS["reference"],
               label=r"$\mathrm{KL}(q\,\|\,p)$")
    right.plot([p], [0.0], "o", color=COLORS["target"])
    if q_mark is not None:
        p_one, q_one = binary_pair(p), binary_pair(q_mark)
        for value, color in (
            (info.kl_divergence(p_one, q_one, base), COLORS["model"]),
            (info.kl_divergence(q_one, p_one, base), COLORS["reference"]),
        ):
            right.plot([q_mark], [value], "o", color=color)
            right.annotate(f"{value:.4f}", (q_mark, value), textcoords="offset points",
                           xytext=(6, 2), fontsize=9, color=color)
    right.set(xlabel="t, where q = (t, 1 - t)", ylabel=unit, ylim=(0, 3),
              title="KL is not symmetric (both are 0 at q = p)")
    right.legend(loc="upper center", fontsize=8)
    return figure


# --- 05_nll_loss ---


def nll_curve_figure(
    samples: dict[str, list[float]], raw_probabilities: dict[str, float] | None = None
) -> Figure:
    r"""The loss of one sample against its target's probability: :math:`\ell = -\log p`.

    Natural log (nats): :math:`-\log 1 = 0`, and :math:`-\log p \to \infty` as :math:`p \to 0`.
    ``samples`` maps a label to target probabilities :math:`p`, each marked at
    :math:`(p, -\log p)`. ``raw_probabilities`` are marked on the dashed line :math:`-p`: what
    ``NLLLoss`` returns when it is given probabilities instead of log-probabilities.
    """
    figure, (ax,) = new_figure(figsize=(6.6, 3.9))
    p = np.linspace(0.004, 1.0, 500)
    ax.plot(p, -np.log(p), color=COLORS["model"], label=r"$-\log p$: NLLLoss given $\log p$")
    ax.plot(p, -p, "--", color=COLORS["reference"], label=r"$-p$: NLLLoss given $p$ itself")
    ax.axhline(0.0, color=COLORS["neutral"], linewidth=0.8)
    for number, (label, probabilities) in enumerate(samples.items()):
        probabilities = np.asarray(probabilities, dtype=np.float64)
        ax.plot(probabilities, -np.log(probabilities), "o", color=COLORS["target"])
        values = ", ".join(f"{v:.4f}" for v in -np.log(probabilities))
        ax.annotate(
            f"{label}: $-\\log p$ = {values}",
            (probabilities[0], -np.log(probabilities[0])),
            textcoords="offset points", xytext=(25, 45 - 22 * number), fontsize=8,
            arrowprops={"arrowstyle": "-", "color": COLORS["neutral"], "linewidth": 0.6},
        )
    for label, probability in (raw_probabilities or {}).items():
        ax.plot([probability], [-probability], "s", color=COLORS["reference"])
        ax.annotate(
            f"{label}: $-p$ = {-probability:.4f}", (probability, -probability),
            textcoords="offset points", xytext=(10, -16), fontsize=8,
        )
    ax.set(xlim=(0, 1.02), ylim=(-1.3, 5.5), xlabel=r"probability of the target class, $p$",
           ylabel="loss of one sample [nats]",
           title="NLLLoss picks the target's log-probability and negates it")
    ax.legend(loc="upper right", fontsize=8)
    return figure


def weighted_nll_axes(
    ax: Axes, target: np.ndarray, sample_loss: np.ndarray, ylim: float
) -> tuple[list[Rectangle], Line2D, Line2D]:
    r"""Draw the per-sample losses :math:`-\log q_{y_n}` as filled bars (one colour per class)
    and outlined bars for :math:`w_{y_n}(-\log q_{y_n})` (heights set by the caller), plus two
    horizontal lines for the weighted mean and for the sum divided by :math:`N`. The y axis is
    fixed to ``[0, ylim]`` (taller outlined bars are clipped), so that the moving parts, created
    ``animated=True``, can be redrawn over a cached background.

    Returns the outlined bars and the two lines, whose data an explorer moves.
    """
    palette = [COLORS["target"], COLORS["model"], COLORS["reference"], COLORS["neutral"]]
    colors = [palette[int(y) % len(palette)] for y in target]
    positions = np.arange(len(target))
    ax.bar(positions - 0.18, sample_loss, width=0.34, alpha=0.5, color=colors,
           label=r"$-\log q_{y_n}$ (filled)")
    weighted = ax.bar(positions + 0.18, sample_loss, width=0.34, fill=False, linewidth=1.6,
                      edgecolor=colors, label=r"$w_{y_n}\,(-\log q_{y_n})$, 'none' (outlined)",
                      animated=True)
    (mean_line,) = ax.plot([-0.5, len(target) - 0.5], [0, 0], color=COLORS["model"],
                           linewidth=2, label=r"'mean' $=\sum w_{y_n}\ell_n / \sum w_{y_n}$",
                           animated=True)
    (per_n_line,) = ax.plot([-0.5, len(target) - 0.5], [0, 0], "--", color=COLORS["neutral"],
                            label=r"$\sum w_{y_n}\ell_n / N$ (not PyTorch's mean)",
                            animated=True)
    ax.set_xticks(positions, [f"n={n}\ny={int(y)}" for n, y in enumerate(target)])
    ax.set(ylabel="loss [nats]", xlim=(-0.6, len(target) - 0.4), ylim=(0, ylim))
    ax.legend(loc="upper left", fontsize=8)
    return list(weighted), mean_line, per_n_line


# --- 06_cross_entropy_loss_in_pytorch ---


def softmax_bars_figure(logits: np.ndarray, target: np.ndarray, *, title: str = "") -> Figure:
    r"""One panel per sample: :math:`\operatorname{softmax}(x_n)` as bars, the target class
    :math:`y_n` highlighted, and the sample's loss :math:`\ell_n = -\log p_{n, y_n}` on top.

    Computed with :func:`helpers.losses.softmax` in the logits' own dtype.
    """
    logits = np.asarray(logits)
    probabilities = losses.softmax(logits, axis=1)
    figure, axes = new_figure(len(logits), figsize=(7.6, 3.0))
    for n, (ax, row, y) in enumerate(zip(axes, probabilities, target, strict=True)):
        y = int(y)
        colors = [COLORS["target"] if c == y else COLORS["model"] for c in range(len(row))]
        bars = ax.bar(range(len(row)), row, color=colors)
        ax.bar_label(bars, fmt="%.4f", fontsize=8)
        ax.set(ylim=(0, 1.12), xticks=range(len(row)), xlabel="class $c$",
               title=f"sample {n}: $y$ = {y}, $-\\log p_y$ = {-np.log(row[y]):.4f}")
        ax.title.set_fontsize(9)
    axes[0].set_ylabel(r"softmax$(x_n)_c$")
    if title:
        figure.suptitle(title, fontsize=10)
    return figure


def target_logit_axes(
    ax_loss: Axes, ax_probability: Axes, grid: np.ndarray, num_classes: int, target: int
) -> tuple[Line2D, Line2D, Line2D, list[Rectangle]]:
    r"""Empty artists for the target-logit explorer: the loss curve
    :math:`\ell(x_y) = \log\sum_c e^{x_c} - x_y`, its left asymptote
    :math:`\log\sum_{c \ne y} e^{x_c} - x_y`, the current point, and the softmax bars, all
    ``animated=True`` over fixed axes."""
    (curve,) = ax_loss.plot(grid, np.zeros_like(grid), color=COLORS["model"],
                            label=r"$\ell = \log\sum_c e^{x_c} - x_y$", animated=True)
    (asymptote,) = ax_loss.plot(grid, np.zeros_like(grid), "--", color=COLORS["reference"],
                                label=r"$\log\sum_{c\neq y} e^{x_c} - x_y$", animated=True)
    (point,) = ax_loss.plot([], [], "o", color=COLORS["target"], markersize=8, animated=True)
    ax_loss.set(xlim=(grid[0], grid[-1]), ylim=(-0.3, 12), xlabel=f"target logit $x_{target}$",
                ylabel="loss [nats]")
    ax_loss.set_yticks(range(0, 13, 3))
    ax_loss.legend(loc="upper right", fontsize=8)
    colors = [COLORS["target"] if c == target else COLORS["model"] for c in range(num_classes)]
    bars = ax_probability.bar(range(num_classes), np.zeros(num_classes), color=colors,
                              animated=True)
    ax_probability.set(ylim=(0, 1.05), xticks=range(num_classes), xlabel="class $c$",
                       ylabel=r"softmax$(x)_c$", yticks=[0, 0.5, 1])
    return curve, asymptote, point, list(bars)


# --- 11_cross_entropy_at_scale ---


#: Vocabulary sizes of well-known language models, marked on the memory figures.
VOCABULARIES = {"Llama 2": 32000, "GPT-2": 50257, "Llama 3": 128256, "Gemma 2": 256000}


def logits_memory_axes(ax: Axes, vocabulary: np.ndarray) -> tuple[Line2D, Line2D, Line2D, Line2D]:
    r"""Empty artists for the logits-memory explorer, over fixed log-log axes (GB vs :math:`V`):
    the naive logits :math:`T V b`, logits plus their gradient :math:`2 T V b`, the chunked
    version's one block :math:`c V b`, and the points at the current vocabulary size. The
    vocabularies of :data:`VOCABULARIES` and an 80 GB accelerator are marked."""
    zeros = np.ones_like(vocabulary, dtype=np.float64)
    (logits,) = ax.plot(vocabulary, zeros, color=COLORS["model"], animated=True,
                        label=r"naive: logits $T \cdot V \cdot b$")
    (with_gradient,) = ax.plot(vocabulary, zeros, "--", color=COLORS["model"], animated=True,
                               label=r"naive: logits + gradient $2\,T \cdot V \cdot b$")
    (block,) = ax.plot(vocabulary, zeros, color=COLORS["target"], animated=True,
                       label=r"chunked: one block $c \cdot V \cdot b$")
    (points,) = ax.plot([], [], "o", color=COLORS["neutral"], markersize=6, animated=True)
    ax.axhline(80, color=COLORS["reference"], linestyle=":", linewidth=1)
    ax.text(vocabulary[-1] / 1.15, 95, "80 GB: one large GPU", color=COLORS["reference"],
            fontsize=8, ha="right")
    for name, size in VOCABULARIES.items():
        ax.axvline(size, color=COLORS["neutral"], linewidth=0.6, alpha=0.5)
        ax.text(size * 1.04, 2e-4, name, rotation=90, fontsize=7, color=COLORS["neutral"],
                va="bottom")
    ax.set(xscale="log", yscale="log", xlim=(vocabulary[0], vocabulary[-1]), ylim=(1e-4, 1e4),
           xlabel="vocabulary size $V$", ylabel="memory [GB = $10^9$ bytes]")
    ax.legend(loc="upper left", fontsize=8)
    return logits, with_gradient, block, points


def chunked_benchmark_figure(results: dict) -> Figure:
    """The figures of ``benchmarks/ce_memory.py --json``: peak memory above the process baseline
    (left) and median forward + backward time (right) of the naive loss and of each chunked
    method per chunk size ``c``, each bar labelled with its value; the dotted lines mark 1/8 of
    the naive memory and the naive time (the goals), and the compared setting is outlined."""
    naive = results["naive"]
    chunked = sorted(results["chunked"], key=lambda row: (row["method"], row["chunk_size"]))
    rows = [naive, *chunked]
    kinds = {
        "naive": ("naive", COLORS["model"]),
        "chunked": ("chunked (gradient in forward)", COLORS["target"]),
        "chunked-recompute": ("chunked, recompute in backward", COLORS["reference"]),
    }
    names = ["naive"] + [f"c={row['chunk_size']}" for row in chunked]
    colors = [kinds[row["method"]][1] for row in rows]
    compared = (results["compared_method"], results["compared_chunk_size"])
    edges = [
        "black" if (row["method"], row["chunk_size"]) == compared else "none" for row in rows
    ]
    memory = [row["peak_above_baseline_mib"] for row in rows]
    seconds = [row["median_seconds"] for row in rows]
    figure, (ax_memory, ax_time) = new_figure(2, figsize=(9.0, 3.8))
    for ax, values, fmt in ((ax_memory, memory, "%.0f"), (ax_time, seconds, "%.2f")):
        bars = ax.bar(range(len(rows)), values, color=colors, edgecolor=edges, linewidth=1.5)
        ax.bar_label(bars, fmt=fmt, fontsize=7)
        ax.set_xticks(range(len(rows)), names, rotation=45, fontsize=7)
        ax.axhline(values[0] / 8 if ax is ax_memory else values[0],
                   color=COLORS["neutral"], linestyle=":", linewidth=1)
    ax_memory.set_ylabel("peak memory above baseline [MiB]")
    ax_memory.set_title("memory (dotted: 1/8 of naive)", fontsize=9)
    ax_time.set_ylabel("median time [s]")
    ax_time.set_title("forward + backward time (dotted: naive)", fontsize=9)
    handles = [Rectangle((0, 0), 1, 1, color=color) for _, color in kinds.values()]
    ax_memory.legend(handles, [label for label, _ in kinds.values()], fontsize=7, loc="upper right")
    config = results["config"]
    figure.suptitle(
        f"T = {config['tokens']}, H = {config['hidden']}, V = {config['vocab']}, "
        f"{config['dtype']}, {results['machine']['cores']} CPU cores", fontsize=9,
    )
    return figure


# --- 10_binary_cross_entropy ---


def naive_bce_float32(logits: np.ndarray | float, target: float) -> np.ndarray:
    r"""``BCELoss(sigmoid(x), y)`` per element in float32, as a model ending in a sigmoid gets it.

    .. math:: p = \operatorname{fl}_{32}\big(\sigma(x)\big), \qquad
              \ell = -\big[y \max(\log p, -100) + (1 - y) \max(\log(1 - p), -100)\big]

    The sigmoid is rounded to float32 first: for x > 16.64 it is exactly 1.0, so with y = 0 the
    loss is the clamp, 100, whatever x is; for x < -88.72 it underflows to 0 (e^{-x} overflows),
    so with y = 1 the loss is 100 as well.
    """
    x = np.asarray(logits, dtype=np.float32)
    p = losses.sigmoid(x)
    y = np.full(x.shape, target, dtype=np.float32)
    return np.asarray(losses.binary_cross_entropy(p, y, reduction="none"))


def stable_bce_float32(logits: np.ndarray | float, target: float) -> np.ndarray:
    r"""``BCEWithLogitsLoss(x, y)`` per element in float32:
    :math:`\ell = (1 - y)\,x + \operatorname{softplus}(-x)`, exact for any x."""
    x = np.asarray(logits, dtype=np.float32)
    y = np.full(x.shape, target, dtype=np.float32)
    return np.asarray(losses.binary_cross_entropy_with_logits(x, y, reduction="none"))


def bce_naive_vs_stable_figure() -> Figure:
    r"""BCE against the logit x in float32, for y = 1 and y = 0: ``BCELoss(sigmoid(x))`` (naive)
    against ``BCEWithLogitsLoss(x)`` (stable).

    Left, x in [-120, 120]: the stable losses are :math:`\operatorname{softplus}(-x)` (y = 1) and
    :math:`\operatorname{softplus}(x)` (y = 0), which grow like |x|; the naive ones jump to the
    clamp, 100: for y = 1 once :math:`\sigma(x)` underflows to 0 (x < -88.72), for y = 0 as soon
    as :math:`\sigma(x)` rounds to 1.0 (x > 16.64). Right, y = 0 and x in [0, 25]: before the jump,
    :math:`1 - \sigma(x)` is a multiple of float32's spacing below 1 (:math:`2^{-24}`), so the
    naive loss climbs in steps.
    """
    wide = np.linspace(-120.0, 120.0, 4801)
    near = np.linspace(0.0, 25.0, 5001)
    figure, (wide_ax, near_ax) = new_figure(2, figsize=(10.0, 3.9))
    for target, color in ((1.0, COLORS["target"]), (0.0, COLORS["model"])):
        wide_ax.plot(wide, stable_bce_float32(wide, target), color=color, lw=4, alpha=0.35,
                     label=f"y = {target:g}: BCEWithLogitsLoss(x)")
        wide_ax.plot(wide, naive_bce_float32(wide, target), color=color, lw=1.3,
                     label=f"y = {target:g}: BCELoss(sigmoid(x))")
    threshold = float(near[np.argmax(losses.sigmoid(near.astype(np.float32)) == 1.0)])
    wide_ax.axhline(100.0, ls=":", lw=1, color=COLORS["neutral"])
    wide_ax.text(-118, 103, "clamp: -log p <= 100", fontsize="small", color=COLORS["neutral"])
    wide_ax.set(xlabel="logit x", ylabel="loss (float32)", xlim=(-120, 120), ylim=(0, 165),
                title="float32: the naive loss jumps to the clamp, 100")
    wide_ax.legend(loc="upper center", fontsize="x-small", ncols=2)

    near_ax.plot(near, stable_bce_float32(near, 0.0), color=COLORS["model"], lw=4, alpha=0.35,
                 label="BCEWithLogitsLoss(x) = softplus(x)")
    near_ax.plot(near, naive_bce_float32(near, 0.0), color=COLORS["model"], lw=1.0,
                 label="BCELoss(sigmoid(x))")
    near_ax.axvline(threshold, ls=":", lw=1, color=COLORS["neutral"])
    near_ax.annotate(
        f"x > {threshold:.2f}:\nsigmoid(x) == 1.0,\nloss jumps to 100", xy=(threshold, 23.0),
        xytext=(threshold + 0.5, 3.0), ha="left", va="bottom", fontsize="small",
        color=COLORS["neutral"], arrowprops={"arrowstyle": "->", "color": COLORS["neutral"]},
    )
    near_ax.set(xlabel="logit x", ylabel="loss (float32)", xlim=(0, 25), ylim=(0, 25),
                title="y = 0: steps, then the jump")
    near_ax.legend(loc="upper left", fontsize="x-small")
    return figure


# --- 09_training_with_cross_entropy ---


#: One colour per class of notebook 9's three-class data (blue, red, yellow-green).
CLASS_COLORS = ("#1f77b4", "#d62728", "#2ca02c")
#: Hard targets in the model colour; label-smoothed ones in the reference colour.
SMOOTHING_COLORS = {"hard": COLORS["model"], "smoothed": COLORS["reference"]}


def run_label(model: str, epsilon: float) -> str:
    r"""``"MLP, ε = 0.1"``: the name of a training run, as the figures print it."""
    return f"{model}, $\\varepsilon$ = {epsilon:g}"


def _smoothing_color(epsilon: float) -> str:
    return SMOOTHING_COLORS["hard" if epsilon == 0 else "smoothed"]


def confidence_image(probabilities: np.ndarray) -> np.ndarray:
    r"""RGBA image (``uint8``, shape ``(H, W, 4)``, opaque) of class probabilities of shape
    ``(H, W, K)``: the colour of the predicted class :math:`\arg\max_k p_k`, blended with
    white by the certainty :math:`s = 1 - H(p) / \log K` (white: uniform, :math:`s = 0`; full
    colour: one-hot, :math:`s = 1`). Entropy rather than :math:`\max_k p_k` separates 0.93 from
    0.999, the difference between a label-smoothed and a hard-target model. Bytes rather than
    floats, because matplotlib draws them several times faster (explorers swap these images)."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    num_classes = probabilities.shape[-1]
    palette = np.array([_hex_rgb(CLASS_COLORS[k % len(CLASS_COLORS)]) for k in range(num_classes)])
    strength = 1 - info.entropy(probabilities) / np.log(num_classes)
    color = palette[probabilities.argmax(axis=-1)]
    rgb = np.clip(1 - strength[..., None] * (1 - color), 0.0, 1.0)
    alpha = np.ones((*rgb.shape[:-1], 1))
    return np.round(255 * np.concatenate([rgb, alpha], axis=-1)).astype(np.uint8)


def _hex_rgb(color: str) -> tuple[float, float, float]:
    return tuple(int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


def decision_regions_axes(
    ax: Axes,
    probabilities: np.ndarray,
    extent: tuple[float, float, float, float],
    points: np.ndarray,
    labels: np.ndarray,
    *,
    animated: bool = False,
):
    """Draw :func:`confidence_image` of a probability grid ``(H, W, K)`` over ``extent``
    ``(x0, x1, y0, y1)`` and the labelled points on top (small dots, one colour per class);
    return the image artist (``set_data`` swaps it). With ``animated=True`` the points are
    animated too, so that a blitted redraw paints them over the new image."""
    image = ax.imshow(confidence_image(probabilities), extent=extent, origin="lower",
                      interpolation="nearest", animated=animated, zorder=0)
    for k in np.unique(labels):
        chosen = points[labels == k]
        ax.scatter(chosen[:, 0], chosen[:, 1], s=7, color=CLASS_COLORS[int(k) % 3],
                   edgecolors="black", linewidths=0.4, zorder=2, animated=animated)
    ax.set(xlim=extent[:2], ylim=extent[2:], aspect="equal", xticks=[], yticks=[])
    ax.grid(False)
    return image


def training_curves_figure(
    train_losses: dict[tuple[str, float], np.ndarray],
    checkpoint_steps: np.ndarray,
    test_losses: dict[tuple[str, float], np.ndarray],
    *,
    smoothed_floor: float | None = None,
) -> Figure:
    r"""Left: the training objective at every step, one line per run ``(model, ε)`` (solid MLP,
    dashed linear; orange hard, purple smoothed), with the floor :math:`H(q')` of the smoothed
    loss dotted. Right: the plain (unsmoothed) cross-entropy on the test set at the checkpoints."""
    figure, (left, right) = new_figure(2, figsize=(9.0, 3.4))
    for (model, epsilon), values in train_losses.items():
        style = "-" if model == "MLP" else "--"
        left.plot(np.arange(len(values)), values, style, color=_smoothing_color(epsilon),
                  lw=1.4, label=run_label(model, epsilon))
        right.plot(checkpoint_steps, test_losses[(model, epsilon)], style,
                   color=_smoothing_color(epsilon), lw=1.4, label=run_label(model, epsilon))
    if smoothed_floor is not None:
        left.axhline(smoothed_floor, color=COLORS["neutral"], ls=":", lw=1)
        left.annotate(f"floor of the smoothed loss H(q') = {smoothed_floor:.3f}",
                      (0.98, smoothed_floor), xycoords=("axes fraction", "data"),
                      xytext=(0, 4), textcoords="offset points", ha="right", fontsize=8,
                      color=COLORS["neutral"])
    left.set(xlabel="step", ylabel="loss [nats]", title="training objective (train set)",
             ylim=(0, None))
    right.set(xlabel="step", ylabel="cross-entropy [nats]", ylim=(0, None),
              title=r"test cross-entropy, $\varepsilon = 0$ for all")
    left.legend(fontsize=8)
    return figure


def decision_regions_figure(
    probabilities: dict[str, np.ndarray],
    extent: tuple[float, float, float, float],
    points: np.ndarray,
    labels: np.ndarray,
) -> Figure:
    """One panel per entry ``title → probability grid (H, W, K)``: the predicted class (colour)
    and its confidence (saturation; white = uniform) over ``extent``, with the labelled points."""
    figure, axes = new_figure(len(probabilities), figsize=(2.6 * len(probabilities), 2.9))
    for ax, (title, grid) in zip(axes, probabilities.items(), strict=True):
        decision_regions_axes(ax, grid, extent, points, labels)
        ax.set_title(title, fontsize=9)
    return figure


def reliability_axes(ax: Axes, probs: np.ndarray, labels: np.ndarray, n_bins: int = 15) -> float:
    r"""A reliability diagram on ``ax``: per confidence bin (of
    :func:`helpers.calibration.reliability_bins`), the accuracy as a green bar and the gap
    between accuracy and mean confidence as a red (over-confident: accuracy below confidence)
    or blue (under-confident) box; the dotted diagonal is perfect calibration. Empty bins are
    left out. Returns the ECE, which is also written in the panel."""
    bins = calibration.reliability_bins(probs, labels, n_bins)
    filled = bins.counts > 0
    left_edges = bins.edges[:-1][filled]
    width = 1 / n_bins
    accuracy = bins.accuracy[filled]
    confidence = bins.confidence[filled]
    ax.bar(left_edges, accuracy, width=width, align="edge", color=COLORS["target"],
           edgecolor="white", lw=0.5, label="accuracy")
    for over, color, label in ((True, "#e41a1c", "over-confident gap"),
                               (False, "#377eb8", "under-confident gap")):
        chosen = (accuracy < confidence) == over
        low = np.minimum(accuracy, confidence)[chosen]
        ax.bar(left_edges[chosen], np.abs(confidence - accuracy)[chosen], bottom=low,
               width=width, align="edge", color=color, alpha=0.55, lw=0, label=label)
    ax.plot([0, 1], [0, 1], ":", color=COLORS["neutral"], lw=1)
    ece = calibration.expected_calibration_error(probs, labels, n_bins)
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="confidence", ylabel="accuracy")
    ax.text(0.04, 0.95, f"ECE = {ece:.3f}", transform=ax.transAxes, fontsize=9, va="top")
    return ece


def reliability_figure(
    probs: dict[str, np.ndarray], labels: np.ndarray, n_bins: int = 15
) -> Figure:
    """One reliability diagram per entry ``title → probabilities (N, K)`` (see
    :func:`reliability_axes`), the ECE in each panel."""
    figure, axes = new_figure(len(probs), figsize=(2.6 * len(probs), 2.9))
    for ax, (title, p) in zip(axes, probs.items(), strict=True):
        reliability_axes(ax, p, labels, n_bins)
        ax.set_title(title, fontsize=9)
        if ax is not axes[0]:
            ax.set_ylabel("")
    axes[0].legend(fontsize=7, loc="upper left", bbox_to_anchor=(0.0, 0.87), frameon=False)
    return figure


def logit_gap_figure(
    gaps: dict[tuple[str, float], np.ndarray],
    bound: float,
    *,
    limits: tuple[float, float] = (-8.0, 24.0),
) -> Figure:
    r"""Histograms of the gaps :math:`z_y - z_k` (true-class logit minus each other logit), one
    panel per model, hard and smoothed overlaid, the optimal gap
    :math:`g^* = \log\frac{1-\varepsilon+\varepsilon/K}{\varepsilon/K}` of the smoothed loss as
    a dashed line. Gaps beyond ``limits`` are counted in the legend, not drawn."""
    models = list(dict.fromkeys(model for model, _ in gaps))
    figure, axes = new_figure(len(models), figsize=(4.5 * len(models), 3.2))
    edges = np.linspace(*limits, 65)
    for ax, model in zip(axes, models, strict=True):
        for (name, epsilon), values in gaps.items():
            if name != model:
                continue
            beyond = int(np.sum((values < limits[0]) | (values > limits[1])))
            label = run_label(name, epsilon) + (f" ({beyond} beyond the axis)" if beyond else "")
            shown = values[(values >= limits[0]) & (values <= limits[1])]
            ax.hist(shown, bins=edges, histtype="stepfilled", alpha=0.45,
                    color=_smoothing_color(epsilon), label=label)
        ax.axvline(bound, color="black", ls="--", lw=1.2)
        ax.annotate(f"$g^*$ = {bound:.2f}", (bound, 1), xycoords=("data", "axes fraction"),
                    xytext=(-4, -12), textcoords="offset points", fontsize=9, ha="right")
        ax.set(xlabel=r"logit gap $z_y - z_k$, $k \ne y$ (train set)", ylabel="count",
               xlim=limits)
        ax.legend(fontsize=8, loc="upper right")
    return figure


def template_projection_figure(
    projections: dict[str, np.ndarray],
    labels: np.ndarray,
    templates: dict[str, np.ndarray],
) -> Figure:
    """Penultimate-layer activations projected on the plane through the class templates (the
    last layer's weight rows), one panel per entry ``title → (N, 2) coordinates``, dots coloured
    by true class; ``templates[title]`` holds the templates' ``(K, 2)`` coordinates in the same
    plane, drawn as arrows (directions only) from the centre of the points.

    Each panel is centred on the mean of its points and divided by the mean distance between
    its class means, so the panels share one scale whatever the size of the weights: a cluster
    of radius 0.5 is half as wide as the distance between clusters, in either panel."""
    scaled = {}
    for title, points in projections.items():
        means = np.array([points[labels == k].mean(axis=0) for k in np.unique(labels)])
        separation = np.mean([np.linalg.norm(means[j] - means[k])
                              for j in range(len(means)) for k in range(j)])
        scaled[title] = (points - points.mean(axis=0)) / separation
    limit = 1.05 * max(1.4, *(float(np.abs(points).max()) for points in scaled.values()))
    figure, axes = new_figure(len(projections), figsize=(3.9 * len(projections), 3.9))
    for ax, (title, points) in zip(axes, scaled.items(), strict=True):
        for k in np.unique(labels):
            chosen = points[labels == k]
            ax.scatter(chosen[:, 0], chosen[:, 1], s=4, alpha=0.5,
                       color=CLASS_COLORS[int(k) % 3], label=f"class {int(k)}")
        directions = templates[title] - templates[title].mean(axis=0)
        for k, direction in enumerate(directions):
            tip = 1.3 * direction / np.linalg.norm(direction)
            ax.annotate("", xy=tip, xytext=(0, 0),
                        arrowprops={"arrowstyle": "->", "color": CLASS_COLORS[k % 3], "lw": 2})
        ax.set(xlim=(-limit, limit), ylim=(-limit, limit), aspect="equal", title=title,
               xlabel="unit: mean distance between class means")
        ax.title.set_fontsize(10)
        ax.xaxis.label.set_fontsize(8)
    axes[0].legend(fontsize=8, loc="lower left", markerscale=2)
    return figure
