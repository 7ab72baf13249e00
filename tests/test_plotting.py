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
        assert ax.get_legend() is not None
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
