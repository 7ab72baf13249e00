"""The plotting helpers draw what they say and reject what they cannot draw."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from helpers import plotting  # noqa: E402


def test_share_bars_draws_labelled_bars():
    ax = plotting.share_bars({"a": 0.2, "b": 0.1}, {"a": 10, "b": 20}, title="T", ylabel="share (%)",
                             reference=0.15, reference_label="overall")
    try:
        assert ax.get_title() == "T" and ax.get_ylabel() == "share (%)"
        assert [round(bar.get_height(), 6) for bar in ax.patches] == [20.0, 10.0]
        assert [text.get_text() for text in ax.texts] == ["20.0 %\nof 10", "10.0 %\nof 20"]
        assert [text.get_text() for text in ax.get_legend().get_texts()] == ["overall"]
        assert [list(line.get_ydata()) for line in ax.lines] == [[15.0, 15.0]]  # the reference, in percent
    finally:
        plt.close(ax.figure)


@pytest.mark.parametrize(("shares", "counts", "kwargs", "words"), [
    ({}, {}, {}, "at least one group"),
    ({"a": 0.2}, {"b": 1}, {}, "same groups"),
    ({"a": 20.0}, {"a": 1}, {}, r"shares\['a'\] must be a share"),
    ({"a": 0.2}, {"a": 1}, {"reference": 15}, "reference must be a share"),
])
def test_share_bars_rejects_bad_input(shares, counts, kwargs, words):
    with pytest.raises(ValueError, match=words):
        plotting.share_bars(shares, counts, title="T", ylabel="y", **kwargs)
    plt.close("all")


def test_apply_style_uses_the_colour_blind_safe_palette():
    plotting.apply_style()
    colours = [item["color"] for item in matplotlib.rcParams["axes.prop_cycle"]]
    assert colours == plotting.PALETTE


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"strategy": "equal"}, "strategy must be 'quantile' or 'uniform', got 'equal'"),
    ({"strategy": "Uniform"}, "strategy must be 'quantile' or 'uniform'"),
    ({"n_bins": 1}, "n_bins must be at least 2"),
])
def test_calibration_rejects_bad_arguments(kwargs, words):
    with pytest.raises(ValueError, match=words):
        plotting.calibration([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8], title="T", **kwargs)
    plt.close("all")


def test_calibration_uniform_bins_have_equal_width():
    import numpy as np

    rng = np.random.default_rng(0)
    probability = rng.uniform(0, 0.5, size=400) ** 2  # crowded near 0: quantile and uniform bins differ
    outcome = rng.uniform(size=400) < probability
    which = np.digitize(probability, np.linspace(0, 1, 6)[1:-1])  # five bins of width 0.2, by hand
    by_hand = np.sort([probability[which == k].mean() for k in np.unique(which)])
    drawn = {}
    for strategy in ("uniform", "quantile"):
        ax = plotting.calibration(outcome, probability, n_bins=5, title="T", strategy=strategy)
        drawn[strategy] = np.sort(ax.lines[-1].get_xdata())  # the curve; the diagonal is drawn first
        plt.close(ax.figure)
    assert np.allclose(drawn["uniform"], by_hand)
    assert len(drawn["quantile"]) == 5 and not np.allclose(drawn["quantile"][: len(by_hand)], by_hand)


def test_log_histograms_labels_each_panel_with_its_unit():
    import pandas as pd

    frame = pd.DataFrame({"a": [0.0, 1.0, 9.0], "b": [0.0, 0.0, 99.0]})
    ax = plotting.log_histograms(frame, ["a", "b"], title="T", unit={"a": "seconds"})
    try:
        labels = [panel.get_xlabel() for panel in ax.figure.axes]
        assert labels == ["log10(1 + seconds)", "log10(1 + value)"]
        assert ax.get_title() == "a\n(33% are zero)"
    finally:
        plt.close(ax.figure)
    ax = plotting.log_histograms(frame, ["a"], title="T", unit="s")
    try:
        assert ax.get_xlabel() == "log10(1 + value, s)"
    finally:
        plt.close(ax.figure)
