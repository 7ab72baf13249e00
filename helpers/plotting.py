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
