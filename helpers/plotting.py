"""The workbook's figures: one style, one size, a colour-blind-safe palette.

Chapters call these functions so that plotting detail stays out of the narrative.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.axes import Axes

#: Okabe & Ito's palette, distinguishable with the common forms of colour blindness
#: (M. Okabe and K. Ito, "Color Universal Design", 2008).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]
#: One size for every figure, in inches (width, height).
FIGSIZE = (7.0, 4.0)


def apply_style() -> None:
    """Set the workbook's matplotlib defaults: size, palette, grid, font sizes."""
    mpl.rcParams.update({
        "figure.figsize": FIGSIZE,
        "figure.dpi": 100,
        "axes.prop_cycle": mpl.cycler(color=PALETTE),
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.axisbelow": True,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 12,
        "axes.labelsize": 11,
        "legend.frameon": False,
    })


def share_bars(shares: Mapping[str, float], counts: Mapping[str, int], *, title: str, ylabel: str,
               reference: float | None = None, reference_label: str = "") -> Axes:
    """Draw one bar per group with its share (as a percentage) and its count written on the bar.

    Parameters
    ----------
    shares : mapping of group name to a share in [0, 1]
    counts : mapping of the same group names to the number of rows behind each share
    title, ylabel : str
        The figure's title and the y-axis label (say the unit).
    reference : float in [0, 1], optional
        Draws a dashed horizontal line at this share, labelled ``reference_label``.
    """
    if not shares:
        raise ValueError("shares must name at least one group")
    if set(shares) != set(counts):
        raise ValueError(f"counts must have the same groups as shares: {sorted(shares)} vs {sorted(counts)}")
    for name, value in shares.items():
        if not 0 <= value <= 1:
            raise ValueError(f"shares[{name!r}] must be a share between 0 and 1, got {value!r}")
    if reference is not None and not 0 <= reference <= 1:
        raise ValueError(f"reference must be a share between 0 and 1, got {reference!r}")
    fig, ax = plt.subplots()
    names = list(shares)
    heights = [100 * shares[name] for name in names]
    bars = ax.bar(names, heights, color=PALETTE[0], width=0.6)
    for bar, name in zip(bars, names, strict=True):
        ax.annotate(f"{bar.get_height():.1f} %\nof {counts[name]:,}", (bar.get_x() + bar.get_width() / 2,
                    bar.get_height()), ha="center", va="bottom", fontsize=9)
    if reference is not None:
        ax.axhline(100 * reference, color=PALETTE[3], linestyle="--", label=reference_label or None)
        if reference_label:
            ax.legend(loc="lower right")
    ax.grid(axis="x", visible=False)
    ax.set_axisbelow(True)
    ax.set_ylim(0, max(heights) * 1.3)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    return ax


def log_histograms(frame, columns: list[str], *, title: str, unit: str = "") -> Axes:
    """One panel per column: a histogram of log10(1 + value), with the share of zeros in the panel's title.

    Use it for skewed, non-negative columns (durations, page values), where a linear histogram is one bar.
    """
    import numpy as np

    if not columns:
        raise ValueError("columns must name at least one column")
    absent = [name for name in columns if name not in frame.columns]
    if absent:
        raise ValueError(f"columns {absent} are not in the frame; it has {list(frame.columns)}")
    fig, axes = plt.subplots(1, len(columns), sharey=True, squeeze=False)
    for ax, name in zip(axes[0], columns, strict=True):
        values = frame[name].to_numpy(dtype=float)
        if (values < 0).any():
            raise ValueError(f"column {name!r} has negative values; log10(1 + x) needs x >= 0")
        ax.hist(np.log10(1 + values), bins=40, color=PALETTE[0])
        ax.set_title(f"{name}\n({(values == 0).mean():.0%} are zero)", fontsize=10)
        ax.set_xlabel(f"log10(1 + value{', ' + unit if unit else ''})")
    axes[0][0].set_ylabel("sessions")
    fig.suptitle(title)
    fig.tight_layout()
    return axes[0][0]


def cv_strip(scores: Mapping[str, object], *, metric: str, title: str) -> Axes:
    """Each model's per-fold cross-validation scores as dots, with the mean as a vertical bar."""
    import numpy as np

    if not scores:
        raise ValueError("scores must hold at least one model")
    fig, ax = plt.subplots()
    names = list(scores)
    for row, name in enumerate(names):
        values = np.asarray(scores[name], dtype=float)
        if values.ndim != 1 or values.size == 0:
            raise ValueError(f"scores[{name!r}] must be a non-empty 1-d sequence of fold scores")
        ax.scatter(values, np.full(values.size, row), color=PALETTE[row % len(PALETTE)], alpha=0.7, zorder=3)
        ax.plot([values.mean()] * 2, [row - 0.3, row + 0.3], color="black", linewidth=2, zorder=4)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlabel(f"{metric} per fold (dots) and mean (bar)")
    ax.set_title(title)
    return ax


def roc_pr_curves(y_true, scores: Mapping[str, object], *, title: str) -> Axes:
    """ROC and precision-recall curves of several scores side by side (scikit-learn's displays)."""
    from sklearn.metrics import PrecisionRecallDisplay, RocCurveDisplay

    if not scores:
        raise ValueError("scores must hold at least one model")
    fig, (roc_ax, pr_ax) = plt.subplots(1, 2)
    for index, (name, score) in enumerate(scores.items()):
        colour = PALETTE[index % len(PALETTE)]
        RocCurveDisplay.from_predictions(y_true, score, name=name, ax=roc_ax, curve_kwargs={"color": colour},
                                         plot_chance_level=index == 0, chance_level_kw={"color": "grey"})
        PrecisionRecallDisplay.from_predictions(y_true, score, name=name, ax=pr_ax,
                                                curve_kwargs={"color": colour}, plot_chance_level=index == 0,
                                                chance_level_kw={"color": "grey"})
    roc_ax.set_title("ROC curve", fontsize=10)
    pr_ax.set_title("precision-recall curve", fontsize=10)
    for ax in (roc_ax, pr_ax):
        ax.legend(fontsize=7, loc="lower left" if ax is pr_ax else "lower right")
        ax.set_aspect("auto")
    fig.suptitle(title)
    fig.tight_layout()
    return roc_ax


def calibration(y_true, probability, *, n_bins: int = 10, title: str) -> Axes:
    """Observed purchase rate against predicted probability, in bins holding equal numbers of sessions."""
    from sklearn.calibration import CalibrationDisplay

    if n_bins < 2:
        raise ValueError(f"n_bins must be at least 2, got {n_bins}")
    fig, ax = plt.subplots()
    CalibrationDisplay.from_predictions(y_true, probability, n_bins=n_bins, strategy="quantile", ax=ax,
                                        name="prototype (out-of-fold)", color=PALETTE[0])
    ax.set_xlabel("predicted probability of a purchase")
    ax.set_ylabel("observed share of purchases")
    ax.set_title(title)
    return ax


def benefit_cost(table, *, x: str, y: str, yerr: str | None = None, title: str) -> Axes:
    """One labelled point per row of ``table``: cost on a log x-axis, benefit on the y-axis, optional whiskers."""
    import numpy as np

    for column in [x, y] + ([yerr] if yerr else []):
        if column not in table.columns:
            raise ValueError(f"table has no column {column!r}; it has {list(table.columns)}")
    if (np.asarray(table[x], dtype=float) <= 0).any():
        raise ValueError(f"column {x!r} must be positive for a log axis")
    fig, ax = plt.subplots()
    for index, (name, row) in enumerate(table.iterrows()):
        colour = PALETTE[index % len(PALETTE)]
        ax.errorbar(row[x], row[y], yerr=row[yerr] if yerr else None, fmt="o", color=colour, capsize=3,
                    label=str(name))
    ax.set_xscale("log")
    ax.set_xlabel(f"{x} (log scale)")
    ax.set_ylabel(y)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="lower right")
    return ax


def pvalue_histogram(p_values, *, title: str, bins: int = 20) -> Axes:
    """Histogram of p-values with the flat line a uniform distribution would give."""
    import numpy as np

    values = np.asarray(p_values, dtype=float)
    if values.ndim != 1 or values.size == 0 or ((values < 0) | (values > 1)).any():
        raise ValueError("p_values must be a non-empty 1-d array of values in [0, 1]")
    fig, ax = plt.subplots()
    ax.hist(values, bins=bins, range=(0, 1), color=PALETTE[0], edgecolor="white")
    ax.axhline(values.size / bins, color=PALETTE[3], linestyle="--", label="uniform")
    ax.set_xlabel("p-value")
    ax.set_ylabel("experiments")
    ax.set_title(title)
    ax.legend(loc="upper right")
    return ax


def interval_coverage(lows, highs, truth: float, *, title: str, unit: str, n_show: int = 100) -> Axes:
    """The first ``n_show`` confidence intervals as vertical lines, those that miss the truth in a second colour."""
    import numpy as np

    lows, highs = np.asarray(lows, dtype=float), np.asarray(highs, dtype=float)
    if lows.shape != highs.shape or lows.ndim != 1 or (lows > highs).any():
        raise ValueError("lows and highs must be 1-d arrays of the same length with lows <= highs")
    covered = (lows <= truth) & (truth <= highs)
    shown = slice(0, min(n_show, len(lows)))
    fig, ax = plt.subplots()
    index = np.arange(len(lows))[shown]
    colours = np.where(covered[shown], PALETTE[0], PALETTE[3])
    ax.vlines(index, lows[shown], highs[shown], colors=colours, linewidth=1.5)
    ax.axhline(truth, color="black", linewidth=1, label="true effect")
    ax.set_xlabel("simulated experiment")
    ax.set_ylabel(f"95 % interval ({unit})")
    ax.set_title(f"{title}\n{covered.mean():.1%} of {len(lows):,} intervals cover the truth "
                 f"(missing ones in orange)", fontsize=11)
    ax.legend(loc="upper right")
    return ax


def sample_size_curves(baselines, lifts_points, *, alpha: float = 0.05, power: float = 0.8) -> Axes:
    """Visitors per arm against the absolute lift to detect, one curve per baseline rate."""
    import numpy as np

    from helpers.abtest import sample_size_per_arm

    fig, ax = plt.subplots()
    for index, baseline in enumerate(baselines):
        sizes = [sample_size_per_arm(baseline, lift / 100, alpha=alpha, power=power) for lift in lifts_points]
        ax.plot(lifts_points, sizes, marker="o", color=PALETTE[index % len(PALETTE)],
                label=f"baseline {baseline:.0%}")
    ax.set_yscale("log")
    ax.set_xlabel("lift to detect (percentage points)")
    ax.set_ylabel("visitors per arm (log scale)")
    ax.set_title(f"Sample size for a two-sided test, alpha {alpha:g}, power {power:.0%}")
    ax.legend()
    ax.set_xticks(np.asarray(lifts_points))
    return ax


def peeking_curve(looks, curves, *, nominal: float = 0.05, title: str) -> Axes:
    """False-positive rate against the number of looks, one line per design, with Monte Carlo whiskers.

    ``curves`` maps a design's name to a pair (rates, standard errors), one value per entry of ``looks``; the
    whiskers span two standard errors either side.
    """
    fig, ax = plt.subplots()
    for index, (name, (rates, errors)) in enumerate(curves.items()):
        if len(rates) != len(looks) or len(errors) != len(looks):
            raise ValueError(f"curves[{name!r}] must hold one rate and one error per look count")
        ax.errorbar(looks, [100 * r for r in rates], yerr=[200 * e for e in errors], marker="o", capsize=3,
                    color=PALETTE[index % len(PALETTE)], label=name)
    ax.axhline(100 * nominal, color="black", linestyle="--", linewidth=1, label=f"nominal {nominal:.0%}")
    ax.set_xlabel("number of looks at the data")
    ax.set_ylabel("A/A tests declared significant (%)")
    ax.set_title(title)
    ax.legend()
    return ax


def effect_estimates(table, *, estimate: str, low: str, high: str, truth: str, unit: str, title: str) -> Axes:
    """One row per policy: the estimate with its interval, and the true effect as a cross."""
    fig, ax = plt.subplots()
    rows = list(range(len(table)))
    ax.errorbar(table[estimate], rows, xerr=[table[estimate] - table[low], table[high] - table[estimate]],
                fmt="o", color=PALETTE[0], capsize=4, label="A/B estimate, 95 % interval")
    ax.scatter(table[truth], rows, marker="x", s=80, color=PALETTE[3], zorder=3, label="true effect")
    ax.axvline(0, color="grey", linewidth=1)
    ax.set_yticks(rows, list(table.index))
    ax.invert_yaxis()
    ax.set_xlabel(unit)
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8)
    return ax


def bandit_curves(curves, *, ylabel: str, title: str, log_x: bool = False, smooth: int | None = None) -> Axes:
    """One line per named curve against the step number (1, 2, …), optionally smoothed by a moving average."""
    import numpy as np

    if not curves:
        raise ValueError("curves must hold at least one named array")
    if smooth is not None and smooth < 1:
        raise ValueError(f"smooth must be a positive window length, got {smooth}")
    fig, ax = plt.subplots()
    for index, (name, values) in enumerate(curves.items()):
        values = np.asarray(values, dtype=float)
        if smooth:
            values = np.convolve(values, np.ones(smooth) / smooth, mode="valid")
        steps = np.arange(1, len(values) + 1) + (smooth - 1 if smooth else 0)
        style = "--" if "bound" in name else "-"
        ax.plot(steps, values, style, color=PALETTE[index % len(PALETTE)], label=name)
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel("step (visitor)" + (" , log scale" if log_x else "") + (f"; moving average of {smooth}"
                                                                           if smooth else ""))
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def bandit_panels(results, *, metric: str, ylabel: str) -> Axes:
    """Three panels for the classic experiment: the epsilon-greedy settings, the softmax settings, and the
    annealing epsilon-greedy, UCB1 and Thompson sampling. ``metric`` names a :class:`BanditResult` method."""
    import numpy as np

    groups = {"epsilon-greedy": [n for n in results if n.startswith("epsilon")],
              "softmax": [n for n in results if n.startswith("softmax")],
              "others": [n for n in results if not n.startswith(("epsilon", "softmax"))]}
    fig, axes = plt.subplots(1, 3, sharey=True, figsize=(FIGSIZE[0] * 1.6, FIGSIZE[1]))
    for ax, (title, names) in zip(axes, groups.items(), strict=True):
        for index, name in enumerate(names):
            values = getattr(results[name], metric)()
            ax.plot(np.arange(1, len(values) + 1), values, color=PALETTE[index % len(PALETTE)], label=name)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("step")
        ax.legend(fontsize=7)
    axes[0].set_ylabel(ylabel)
    fig.suptitle(f"Five arms (0.1, 0.1, 0.1, 0.1, 0.9): {ylabel}")
    fig.tight_layout()
    return axes[0]
