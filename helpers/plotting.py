"""The workbook's figures: one style, one size, a colour-blind-safe palette.

Chapters call these functions so that plotting detail stays out of the narrative.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

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


def log_histograms(frame, columns: list[str], *, title: str, unit: str | Mapping[str, str] = "") -> Axes:
    """One panel per column: a histogram of log10(1 + value), with the share of zeros in the panel's title.

    Use it for skewed, non-negative columns (durations, page values), where a linear histogram is one bar.
    ``unit`` names the values in the x-axis label: one text for every panel, or a mapping from column to text
    (columns it does not name read "value").
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
        if isinstance(unit, Mapping):
            ax.set_xlabel(f"log10(1 + {unit.get(name, 'value')})")
        else:
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
    roc_ax.legend(fontsize=7, loc="lower right")
    pr_ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 0.22))  # above the chance line, below the curves
    for ax in (roc_ax, pr_ax):
        ax.set_aspect("auto")
    fig.suptitle(title)
    fig.tight_layout()
    return roc_ax


def calibration(y_true, probability, *, n_bins: int = 10, title: str, strategy: str = "quantile") -> Axes:
    """Observed purchase rate against predicted probability, in bins holding equal numbers of sessions
    (``strategy="quantile"``) or of equal width (``strategy="uniform"``)."""
    from sklearn.calibration import CalibrationDisplay

    if n_bins < 2:
        raise ValueError(f"n_bins must be at least 2, got {n_bins}")
    if strategy not in ("quantile", "uniform"):
        raise ValueError(f"strategy must be 'quantile' or 'uniform', got {strategy!r}")
    fig, ax = plt.subplots()
    CalibrationDisplay.from_predictions(y_true, probability, n_bins=n_bins, strategy=strategy, ax=ax,
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
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
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


# Chapter 05's figures.


def bias_and_error(table, *, x: str, title: str, unit: str, labels: Sequence[str] | None = None) -> Axes:
    """Bias, standard error and root-mean-square error (columns ``bias``, ``standard error``, ``RMSE`` of
    ``table``) against the column ``x``, one line each. With ``labels`` (one per row), the rows are evenly spaced
    on the x-axis and named by them instead of placed at their values of ``x``."""
    if labels is not None and len(labels) != len(table):
        raise ValueError(f"labels must hold one label per row of table ({len(table)}), got {len(labels)}")
    fig, ax = plt.subplots()
    positions = table[x] if labels is None else list(range(len(table)))
    for index, column in enumerate(["bias", "standard error", "RMSE"]):
        values = table[column].abs() if column == "bias" else table[column]
        ax.plot(positions, values, marker="o", color=PALETTE[index], label="|bias|" if column == "bias" else column)
    if labels is not None:
        ax.set_xticks(positions, list(labels))
    ax.set_xlabel(x)
    ax.set_ylabel(unit)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def sequence_path(n, estimate, bands: Mapping[str, tuple[object, object]], *, truth: float, title: str,
                  xlabel: str, ylabel: str, ylim: tuple[float, float] | None = None,
                  stop: float | None = None) -> Axes:
    """A running estimate against the number of observations, with one band per interval (name to low, high
    arrays), the truth as a horizontal line, optional limits ``ylim`` of the y-axis and an optional vertical line
    at ``stop`` (where the first band leaves zero)."""
    import numpy as np

    fig, ax = plt.subplots()
    ax.plot(n, estimate, color="black", linewidth=1, label="running estimate")
    for index, (name, (low, high)) in enumerate(bands.items()):
        colour = PALETTE[index % len(PALETTE)]
        ax.fill_between(n, np.asarray(low, dtype=float), np.asarray(high, dtype=float), color=colour, alpha=0.25,
                        label=name)
    ax.axhline(truth, color=PALETTE[3], linestyle="--", linewidth=1, label="true effect")
    ax.axhline(0, color="grey", linewidth=0.8)
    if stop is not None:
        ax.axvline(stop, color=PALETTE[2], linestyle=":", linewidth=1.5,
                   label=f"{next(iter(bands), 'band')} leaves zero ({stop:,.0f})")
    if ylim is not None:
        if len(ylim) != 2 or not ylim[0] < ylim[1]:
            raise ValueError(f"ylim must be a (low, high) pair with low < high, got {ylim!r}")
        ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper right")
    return ax


def effect_by_day(days, estimate, low, high, truth, *, title: str, ylabel: str,
                  long_run: float | None = None, weekend=None) -> Axes:
    """Daily estimates with their intervals, the true daily effect, and optionally the long-run effect.

    ``weekend``, if given, lists the day numbers to shade as weekend days (each from day - 0.5 to day + 0.5).
    """
    fig, ax = plt.subplots()
    for number, day in enumerate(weekend if weekend is not None else []):
        ax.axvspan(day - 0.5, day + 0.5, color="grey", alpha=0.15, linewidth=0,
                   label="weekend" if number == 0 else None)
    ax.errorbar(days, estimate, yerr=[[e - lo for e, lo in zip(estimate, low, strict=True)],
                                      [h - e for e, h in zip(estimate, high, strict=True)]],
                fmt="o", capsize=2, color=PALETTE[0], label="estimate of the day (95 % interval)")
    ax.plot(days, truth, color=PALETTE[3], label="true effect of the day")
    if long_run is not None:
        ax.axhline(long_run, color="black", linestyle="--", linewidth=1, label="long-run true effect")
    ax.set_xlabel("day of the experiment")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def lines(x, series: Mapping[str, object], *, xlabel: str, ylabel: str, title: str,
          hlines: Mapping[str, float] | None = None, vlines: Mapping[str, float] | None = None) -> Axes:
    """One line per entry of ``series`` (label -> y values over ``x``), with labelled horizontal and vertical
    reference lines."""
    fig, ax = plt.subplots()
    for number, (label, y) in enumerate(series.items()):
        ax.plot(x, y, color=PALETTE[number % len(PALETTE)], marker="o" if len(x) <= 40 else None, markersize=3,
                label=label)
    for number, (label, value) in enumerate((hlines or {}).items()):
        ax.axhline(value, color="black", linestyle=["--", ":", "-."][number % 3], linewidth=1, label=label)
    for number, (label, value) in enumerate((vlines or {}).items()):
        ax.axvline(value, color="grey", linestyle=["--", ":", "-."][number % 3], linewidth=1, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


# Chapter 06's figures.

def offer_values_by_bin(values, *, bin_labels, offer_names, title: str) -> Axes:
    """Grouped bars: for each context bin, each offer's true value per visitor minus that of the first offer
    (no offer), so that the best offer of each bin stands out. ``values`` has shape (bins, offers)."""
    import numpy as np

    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape != (len(bin_labels), len(offer_names)):
        raise ValueError(f"values must have shape (bins, offers) = ({len(bin_labels)}, {len(offer_names)}), "
                         f"got {values.shape}")
    gains = values[:, 1:] - values[:, :1]
    fig, ax = plt.subplots()
    width = 0.8 / gains.shape[1]
    positions = np.arange(len(bin_labels))
    for index, name in enumerate(offer_names[1:]):
        ax.bar(positions + (index - (gains.shape[1] - 1) / 2) * width, gains[:, index], width,
               color=PALETTE[(index + 1) % len(PALETTE)], label=name)
    ax.axhline(0, color="grey", linewidth=1)
    ax.set_xticks(positions, list(bin_labels))
    ax.set_xlabel("production model's score (context bin)")
    ax.set_ylabel(f"true net revenue per visitor\nminus '{offer_names[0]}' (€)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def regret_bands(curves, *, ylabel: str, title: str, reference=None) -> Axes:
    """One line per named curve with a shaded band: ``curves[name] = (steps, middle, low, high)``; an optional
    ``reference = (label, steps, values)`` is drawn as a dashed grey line."""
    if not curves:
        raise ValueError("curves must hold at least one named (steps, middle, low, high) tuple")
    if reference is not None and len(reference) != 3:
        raise ValueError("reference must be None or a (label, steps, values) tuple")
    fig, ax = plt.subplots()
    for index, (name, (steps, middle, low, high)) in enumerate(curves.items()):
        colour = PALETTE[index % len(PALETTE)]
        ax.plot(steps, middle, color=colour, label=name)
        ax.fill_between(steps, low, high, color=colour, alpha=0.2, linewidth=0)
    if reference is not None:
        ax.plot(reference[1], reference[2], "--", color="grey", label=reference[0])
    ax.axhline(0, color="grey", linewidth=1)
    ax.set_xlabel("visitors")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def ope_intervals(table, *, title: str, unit: str) -> Axes:
    """One row per estimate: the value with its 95 % interval (columns ``estimate``, ``low``, ``high``) and the
    true value (column ``truth``) as a cross."""
    fig, ax = plt.subplots()
    rows = list(range(len(table)))
    ax.errorbar(table["estimate"], rows, xerr=[table["estimate"] - table["low"], table["high"] - table["estimate"]],
                fmt="o", color=PALETTE[0], capsize=4, label="estimate, 95 % interval")
    ax.scatter(table["truth"], rows, marker="x", s=80, color=PALETTE[3], zorder=3, label="true value")
    ax.set_yticks(rows, [" / ".join(map(str, label)) if isinstance(label, tuple) else str(label)
                         for label in table.index])
    ax.invert_yaxis()
    ax.set_xlabel(unit)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def error_by_exploration(epsilons, errors, *, title: str) -> Axes:
    """Standard error of an off-policy estimate against the logging policy's exploration share (log-log);
    ``errors`` maps an estimator's name to one standard error per epsilon."""
    fig, ax = plt.subplots()
    for index, (name, values) in enumerate(errors.items()):
        ax.plot(epsilons, values, "o-", color=PALETTE[index % len(PALETTE)], label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    from matplotlib.ticker import FuncFormatter, NullFormatter

    plain = FuncFormatter(lambda value, _: f"{value:g}")                  # 0.6, not 6×10⁻¹
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(plain)
    ax.set_xticks(list(epsilons), [f"{epsilon:g}" for epsilon in epsilons])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("exploration share epsilon of the logging policy (log scale)")
    ax.set_ylabel("standard error (€ per visitor)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def misses_by_size(sizes, below, above, n_repeats, *, nominal: float = 0.025, title: str, xlabel: str,
                   marks: Mapping[str, float] | None = None) -> Axes:
    """One-sided misses of intervals against a sample size (log scale): the share of intervals lying wholly below
    and wholly above the truth, with Monte Carlo whiskers of two standard errors (``n_repeats``: one number, or
    one per size), a dashed line at the nominal share per side and optional vertical marks (name to size)."""
    import numpy as np

    sizes = np.asarray(sizes, dtype=float)
    repeats = np.broadcast_to(np.asarray(n_repeats, dtype=float), sizes.shape)
    if (repeats < 1).any():
        raise ValueError(f"n_repeats must be positive, got {n_repeats}")
    fig, ax = plt.subplots()
    for index, (name, values) in enumerate((("interval below the truth", below), ("interval above the truth",
                                                                                 above))):
        values = np.asarray(values, dtype=float)
        if values.shape != sizes.shape:
            raise ValueError(f"{name.split()[1]} must hold one share per size")
        whisker = 2 * np.sqrt(values * (1 - values) / repeats)
        ax.errorbar(sizes, 100 * values, yerr=100 * whisker, marker="o", capsize=3, color=PALETTE[index],
                    label=name)
    ax.axhline(100 * nominal, color="black", linestyle="--", linewidth=1, label=f"nominal {100 * nominal:g} % per side")
    for index, (name, value) in enumerate((marks or {}).items()):
        ax.axvline(value, color=PALETTE[(index + 3) % len(PALETTE)], linestyle=":", label=name)
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("intervals missing the truth on that side (%)")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper right")
    return ax
