"""The simulated shop: its truth is exact, its simulations agree with the truth, bad input is refused."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import abtest, data, simulate, widgets


@pytest.fixture(scope="module")
def shop():
    return simulate.build_shop()  # from the workbook's sessions, loaded by build_shop itself


def middle(features):
    return (features["PageValues"] > 0).to_numpy()


def test_build_is_deterministic(sessions):
    rows = sessions.iloc[:2_000]  # a part of the sessions: the same code, a fifth of the time
    assert np.array_equal(simulate.build_shop(rows).base_probability, simulate.build_shop(rows).base_probability)


def test_shop_is_built_on_the_workbook_sessions(shop, sessions):
    assert shop.sessions.equals(sessions.reset_index(drop=True))


def test_true_probabilities_are_calibrated(shop):
    assert abs(shop.base_probability.mean() - shop.sessions[data.TARGET].mean()) < 0.01


def test_truth_is_the_population_average(shop):
    truth = shop.truth(middle)
    offered = middle(shop.sessions)
    p = shop.purchase_probability(offered)
    assert truth.offered_share == pytest.approx(offered.mean())
    assert truth.conversion_rate == pytest.approx(p.mean())
    expected = np.mean(p * shop.mean_order_value * (shop.margin - shop.discount * offered))
    assert truth.net_revenue == pytest.approx(expected)


def test_offer_helps_hesitant_visitors_most(shop):
    p = shop.base_probability
    lift = shop.purchase_probability(np.ones(len(p), bool)) - p
    assert (lift >= 0).all()
    assert lift[(p > 0.4) & (p < 0.6)].mean() > lift[p > 0.9].mean()
    assert lift[(p > 0.4) & (p < 0.6)].mean() > lift[p < 0.02].mean()


def test_simulations_agree_with_the_truth(shop):
    """Means over 4,000 simulated experiments lie within 4 Monte Carlo standard errors of the exact truth."""
    arms = shop.simulate(simulate.no_offer, middle, n_visitors=20_000, n_experiments=4_000, seed=11)
    truth_a, truth_b = shop.truth(simulate.no_offer), shop.truth(middle)
    for conversions, n, truth in ((arms.conversions_a, arms.n_a, truth_a), (arms.conversions_b, arms.n_b, truth_b)):
        rates = conversions / n
        assert abs(rates.mean() - truth.conversion_rate) < 4 * rates.std() / np.sqrt(len(rates))
    revenue = arms.revenue_b / arms.n_b
    assert abs(revenue.mean() - truth_b.net_revenue) < 4 * revenue.std() / np.sqrt(len(revenue))
    assert abs((arms.n_b / 20_000).mean() - 0.5) < 0.002


def test_event_log_agrees_with_the_truth_and_assigns_by_hash(shop):
    log = shop.event_log(simulate.no_offer, middle, n_visitors=60_000, experiment="t", seed=5)
    treatment = log[log["variant"] == "treatment"]
    truth = shop.truth(middle)
    se = np.sqrt(truth.conversion_rate * (1 - truth.conversion_rate) / len(treatment))
    assert abs(treatment["purchased"].mean() - truth.conversion_rate) < 4 * se
    assert not log.loc[log["variant"] == "control", "offered"].any()
    assert (log.loc[~log["purchased"], "net_revenue"] == 0).all()
    again = shop.event_log(simulate.no_offer, middle, n_visitors=60_000, experiment="t", seed=99)
    assert (again["variant"] == log["variant"]).all()


def test_bad_policies_and_arguments_are_refused(shop):
    with pytest.raises(ValueError, match="^a policy must return 12330 booleans"):
        shop.truth(lambda features: np.ones(3, bool))
    with pytest.raises(TypeError, match="^policy must be a function"):
        shop.truth("everyone")
    with pytest.raises(ValueError, match="^n_visitors must be positive"):
        shop.simulate(simulate.no_offer, middle, n_visitors=0, n_experiments=1, seed=0)
    with pytest.raises(ValueError, match="^segment selects no session"):
        shop.truth(middle, np.zeros(len(shop.sessions), bool))
    with pytest.raises(ValueError, match="^need 0 < discount < margin < 1"):
        simulate.Shop(shop.sessions, shop.base_probability, discount=0.4)
    with pytest.raises(ValueError, match="^base_probability must lie strictly between 0 and 1"):
        simulate.Shop(shop.sessions, np.zeros(len(shop.sessions)))


def test_widget_texts_wrap_the_tested_functions():
    text = widgets.describe_sample_size(15.0, 2.0, 0.8, 0.05, 6_000)
    right = abtest.sample_size_per_arm(0.15, 0.02)  # 5,274 per arm, 10,548 in all: 2 days, so 1 whole week
    assert f"{right:,} visitors per arm" in text and "15.0 % -> 17.0 %" in text
    assert "2 day(s)" in text and "run 1 whole week(s)" in text and "conversion only" in text
    # 7 days exactly is one week; one visitor a day more than the traffic needs still rounds up to whole weeks
    per_day = math.ceil(2 * right / 7)
    assert "run 1 whole week(s)" in widgets.describe_sample_size(15.0, 2.0, 0.8, 0.05, per_day)
    assert "run 2 whole week(s)" in widgets.describe_sample_size(15.0, 2.0, 0.8, 0.05, per_day - 1)
    strict = abtest.sample_size_per_arm(0.15, 0.01, alpha=0.01, power=0.9)  # non-default power and alpha
    weeks = math.ceil(math.ceil(2 * strict / 6_000) / 7)
    assert f"{strict:,} visitors per arm" in widgets.describe_sample_size(15.0, 1.0, 0.9, 0.01, 6_000)
    assert f"run {weeks} whole week(s)" in widgets.describe_sample_size(15.0, 1.0, 0.9, 0.01, 6_000)
    with pytest.raises(ValueError, match="^baseline_percent must lie strictly between 0 and 100"):
        widgets.describe_sample_size(100.0, 1.0, 0.8, 0.05, 6_000)
    with pytest.raises(ValueError, match="^lift_points must be positive"):
        widgets.describe_sample_size(99.5, 1.0, 0.8, 0.05, 6_000)
    with pytest.raises(ValueError, match="^visitors_per_day must be a positive integer"):
        widgets.describe_sample_size(15.0, 1.0, 0.8, 0.05, 0)
    assert "% of A/A tests declared significant" in widgets.describe_peeking(3, "Pocock")


def test_truth_is_a_logistic_model_of_another_family_than_the_prototype(sessions, monkeypatch):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from helpers.prototype import make_prototype_pipeline

    assert isinstance(simulate.make_truth_pipeline()[-1], LogisticRegression)
    # the prototype's family with 10 boosting rounds instead of 100: the same wiring, a tenth of the time
    def quick_prototype():
        return make_prototype_pipeline().set_params(model__max_iter=10)

    monkeypatch.setattr(simulate, "make_prototype_pipeline", quick_prototype)
    rows = sessions.iloc[:4_000]
    boosting = simulate.build_shop(rows, truth_model="boosting")
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=2024)
    by_hand = cross_val_predict(quick_prototype(), rows[data.FEATURES], rows[data.TARGET], cv=folds,
                                method="predict_proba")[:, 1]
    assert np.allclose(boosting.base_probability, np.clip(by_hand, 0.001, 0.999))
    logistic = simulate.build_shop(rows, truth_model="logistic", margin=0.4)
    assert np.corrcoef(logistic.base_probability, boosting.base_probability)[0, 1] < 0.99
    assert logistic.margin == 0.4
    with pytest.raises(ValueError, match="^truth_model must be 'logistic' or 'boosting'"):
        simulate.build_shop(sessions, truth_model="forest")


def test_subset_keeps_the_assumptions_and_the_truth_of_its_rows(shop):
    rows = np.arange(0, len(shop.sessions), 3)
    part = shop.subset(rows)
    assert len(part.sessions) == len(rows) and part.max_uplift == shop.max_uplift
    assert np.array_equal(part.base_probability, shop.base_probability[rows])
    mask = np.zeros(len(shop.sessions), bool)
    mask[rows] = True
    assert part.truth(middle).net_revenue == pytest.approx(shop.truth(middle, mask).net_revenue)
    assert np.array_equal(shop.subset(mask).base_probability, part.base_probability)
    with pytest.raises(ValueError, match="^rows must be distinct positions"):
        shop.subset(np.array([1, 1]))
    with pytest.raises(ValueError, match="^rows must be distinct positions"):
        shop.subset(np.array([len(shop.sessions)]))
    with pytest.raises(ValueError, match="^rows selects no session"):
        shop.subset(np.zeros(len(shop.sessions), bool))
    with pytest.raises(TypeError, match="^rows must be a boolean mask or whole-number positions"):
        shop.subset(np.array([0.5]))


def test_weekday_shifts_the_log_odds_and_draws_weekend_sessions(shop):
    logit = lambda p: np.log(p / (1 - p))  # noqa: E731
    nobody = np.zeros(len(shop.sessions), bool)
    for weekday in range(7):
        shifted = shop.purchase_probability(nobody, weekday=weekday)
        assert np.allclose(logit(shifted) - logit(shop.base_probability), simulate.WEEKLY_LOG_ODDS[weekday])
        weekend = shop.sessions["Weekend"].to_numpy(bool)
        assert np.array_equal(shop.day_sessions(weekday), weekend if weekday >= 5 else ~weekend)
    assert sum(simulate.WEEKLY_TRAFFIC) == pytest.approx(7)
    saturday = shop.truth(simulate.no_offer, weekday=5)
    by_hand = shop.purchase_probability(nobody, weekday=5)[shop.day_sessions(5)].mean()
    assert saturday.conversion_rate == pytest.approx(by_hand)
    assert np.allclose(shop.purchase_probability(nobody), shop.base_probability, rtol=1e-12)
    for bad in (7, -1, 2.0, True):
        with pytest.raises(ValueError, match="^weekday must be"):
            shop.truth(simulate.no_offer, weekday=bad)


def test_truth_over_days_weights_each_weekday_by_its_traffic(shop):
    week = shop.truth_over_days(middle, days=7)
    days = [shop.truth(middle, weekday=d) for d in range(7)]
    weights = np.array(simulate.WEEKLY_TRAFFIC) / 7
    assert week.net_revenue == pytest.approx(weights @ [t.net_revenue for t in days])
    assert week.conversion_rate == pytest.approx(weights @ [t.conversion_rate for t in days])
    assert shop.truth_over_days(middle, days=21).net_revenue == pytest.approx(week.net_revenue)
    assert shop.truth_over_days(middle, days=1) == shop.truth(middle, weekday=0)
    ten = np.array([2, 2, 2, 1, 1, 1, 1]) * simulate.WEEKLY_TRAFFIC
    assert shop.truth_over_days(middle, days=10).conversion_rate == pytest.approx(
        ten @ [t.conversion_rate for t in days] / ten.sum())
    # a segment's days weigh by the segment's share of each day's sessions
    new = (shop.sessions["VisitorType"] == "New_Visitor").to_numpy()
    seg = [shop.truth(middle, new, weekday=d) for d in range(7)]
    share = np.array([new[shop.day_sessions(d)].mean() for d in range(7)]) * simulate.WEEKLY_TRAFFIC
    assert shop.truth_over_days(middle, new, days=7).net_revenue == pytest.approx(
        share @ [t.net_revenue for t in seg] / share.sum())
    with pytest.raises(ValueError, match="^days must be positive"):
        shop.truth_over_days(middle, days=0)


def test_weekly_event_log_follows_the_week(shop):
    log = shop.event_log(simulate.no_offer, middle, n_visitors=14_000, experiment="w", seed=3,
                         visitors_per_day=1_000, weekly=True)
    per_day = log.groupby("day").size()
    assert list(per_day) == [round(share * 1_000) for share in simulate.WEEKLY_TRAFFIC] * 2
    assert (log.groupby("day")["weekday"].first().to_numpy() == np.array(simulate.WEEKDAYS * 2)).all()
    weekend = shop.sessions["Weekend"].to_numpy(bool)[log["session"]]
    assert np.array_equal(weekend, log["weekday"].isin(["Sat", "Sun"]).to_numpy())
    big = shop.event_log(simulate.no_offer, simulate.no_offer, n_visitors=140_000, experiment="w", seed=4,
                         visitors_per_day=10_000, weekly=True)
    for weekday in (0, 6):
        part = big.loc[big["weekday"] == simulate.WEEKDAYS[weekday], "purchased"]
        truth = shop.truth(simulate.no_offer, weekday=weekday).conversion_rate
        assert abs(part.mean() - truth) < 4 * np.sqrt(truth * (1 - truth) / len(part))
    plain = shop.event_log(simulate.no_offer, middle, n_visitors=3_000, experiment="w", seed=3)
    assert "weekday" not in plain and plain["day"].max() == 2
    with pytest.raises(TypeError, match="^weekly must be True or False"):
        shop.event_log(simulate.no_offer, middle, n_visitors=10, experiment="w", seed=3, weekly="yes")
    with pytest.raises(ValueError, match="^the shop has no session to draw on Sat"):
        shop.subset(~shop.sessions["Weekend"].to_numpy(bool)).event_log(
            simulate.no_offer, middle, n_visitors=8_000, experiment="w", seed=3, visitors_per_day=1_000,
            weekly=True)


def test_event_logs_and_simulations_depend_on_the_seed_only(shop):
    first = shop.event_log(simulate.no_offer, middle, n_visitors=5_000, experiment="s", seed=8, weekly=True)
    assert first.equals(shop.event_log(simulate.no_offer, middle, n_visitors=5_000, experiment="s", seed=8,
                                       weekly=True))
    other = shop.event_log(simulate.no_offer, middle, n_visitors=5_000, experiment="s", seed=9, weekly=True)
    assert not first["session"].equals(other["session"])
    arms = shop.simulate(simulate.no_offer, middle, n_visitors=2_000, n_experiments=5, seed=8)
    again = shop.simulate(simulate.no_offer, middle, n_visitors=2_000, n_experiments=5, seed=8)
    assert np.array_equal(arms.revenue_b, again.revenue_b)


@pytest.mark.parametrize("make", ["power_explorer", "peeking_explorer", "bandit_playground"])
def test_an_explorer_without_a_kernel_reads_as_a_note(make):
    """Where no kernel runs (GitHub, a static page) an explorer's text is a note, not a list of its controls."""
    from helpers import widgets

    explorer = getattr(widgets, make)()
    bundle = explorer._repr_mimebundle_()
    assert bundle["text/plain"] == widgets.EXPLORER_NOTE and "interactive(children" not in bundle["text/plain"]
    assert "application/vnd.jupyter.widget-view+json" in bundle  # with a kernel, the widget itself shows


# --- the shop's stated definitions on a small hand-made shop, Monte Carlo within its standard error -----------

from scipy import stats  # noqa: E402


@pytest.fixture(scope="module")
def small(sessions):
    """A shop on 3,000 real sessions with its own true probabilities and non-default assumptions, so that a
    default silently used instead of an argument shows (no model is fitted: fast)."""
    rows = sessions.iloc[:3_000]
    p = np.random.default_rng(0).uniform(0.02, 0.9, len(rows))
    return simulate.Shop(rows, p, margin=0.4, discount=0.15, max_uplift=0.8, order_median=45.0, order_sigma=0.5)


def logit(p):
    return np.log(p / (1 - p))


def test_offer_adds_max_uplift_times_4p1mp_to_the_log_odds(small):
    p = small.base_probability
    everyone = np.ones(len(p), bool)
    assert logit(small.purchase_probability(everyone)) == pytest.approx(logit(p) + 0.8 * 4 * p * (1 - p), rel=1e-9)
    half = np.arange(len(p)) % 2 == 0
    assert small.purchase_probability(half)[~half] == pytest.approx(p[~half], rel=1e-12)
    # on a weekday the shift comes first, and the uplift is that of the shifted probability
    q = 1 / (1 + np.exp(-(logit(p) + simulate.WEEKLY_LOG_ODDS[6])))
    assert logit(small.purchase_probability(everyone, weekday=6)) == pytest.approx(
        logit(q) + 0.8 * 4 * q * (1 - q), rel=1e-9)


def test_mean_order_value_is_the_lognormal_mean(small):
    assert small.mean_order_value == pytest.approx(stats.lognorm(s=0.5, scale=45.0).mean(), rel=1e-12)


def test_truth_uses_margin_discount_and_the_segment(small):
    offered = (small.sessions["PageValues"] > 0).to_numpy()
    p = small.purchase_probability(offered)
    segment = (small.sessions["VisitorType"] == "New_Visitor").to_numpy()
    truth = small.truth(middle, segment)
    value = stats.lognorm(s=0.5, scale=45.0).mean() * np.where(offered, 0.4 - 0.15, 0.4)
    assert truth.offered_share == pytest.approx(offered[segment].mean())
    assert truth.conversion_rate == pytest.approx(p[segment].mean())
    assert truth.net_revenue == pytest.approx((p * value)[segment].mean())
    assert small.truth(simulate.offer_to_everyone).offered_share == 1.0
    assert small.truth(simulate.no_offer).offered_share == 0.0


def test_truth_over_days_of_a_weekend_segment(small):
    weekend = small.sessions["Weekend"].to_numpy(bool)
    saturday, sunday = (small.truth(middle, weekend, weekday=d) for d in (5, 6))
    both = small.truth_over_days(middle, weekend, days=7)
    w = np.array(simulate.WEEKLY_TRAFFIC[5:])
    assert both.net_revenue == pytest.approx(w @ [saturday.net_revenue, sunday.net_revenue] / w.sum())
    assert small.truth_over_days(middle, weekend, days=6) == saturday
    with pytest.raises(ValueError, match="^segment selects no session on the days of the experiment"):
        small.truth_over_days(middle, weekend, days=5)
    with pytest.raises(ValueError, match="^segment selects no session on Mon"):
        small.truth(middle, weekend, weekday=0)


def test_simulate_uses_the_treatment_share_and_agrees_with_the_truth(small):
    """4,000 experiments of 2,000 visitors with 30 % in the treatment. Each check lies within 4 Monte Carlo
    standard errors: sd over experiments / sqrt(experiments). Revenue squares: each buyer's squared net revenue
    has mean factor^2 * median^2 * exp(2 sigma^2), the log-normal's second moment."""
    arms = small.simulate(simulate.no_offer, middle, n_visitors=2_000, n_experiments=4_000, seed=21,
                          treatment_share=0.3)
    assert (arms.n_a + arms.n_b == 2_000).all()
    share = arms.n_b / 2_000
    assert abs(share.mean() - 0.3) < 4 * math.sqrt(0.3 * 0.7 / 2_000 / 4_000)
    assert share.std() == pytest.approx(math.sqrt(0.3 * 0.7 / 2_000), rel=0.1)
    offered = middle(small.sessions)
    second_moment = 45.0**2 * math.exp(2 * 0.5**2)
    for n, conversions, revenue, revenue_sq, policy in (
            (arms.n_a, arms.conversions_a, arms.revenue_a, arms.revenue_sq_a, simulate.no_offer),
            (arms.n_b, arms.conversions_b, arms.revenue_b, arms.revenue_sq_b, middle)):
        truth = small.truth(policy)
        flags = policy(small.sessions)
        p = small.purchase_probability(flags)
        squares = np.mean(p * second_moment * (0.4 - 0.15 * flags) ** 2)
        for observed, expected in ((conversions / n, truth.conversion_rate), (revenue / n, truth.net_revenue),
                                   (revenue_sq / n, squares)):
            assert abs(observed.mean() - expected) < 4 * observed.std() / math.sqrt(4_000)
    assert offered.any() and not offered.all()


def test_simulate_depends_on_the_seed_only_and_names_its_arguments(small):
    def run(seed):
        return small.simulate(simulate.no_offer, middle, n_visitors=500, n_experiments=20, seed=seed)

    first, again, other = run(3), run(3), run(4)
    for name in ("n_b", "conversions_a", "conversions_b", "revenue_a", "revenue_sq_b"):
        assert np.array_equal(getattr(first, name), getattr(again, name))
    assert not np.array_equal(first.revenue_a, other.revenue_a)
    for kwargs, words in (({"n_experiments": 0}, "^n_experiments must be positive"),
                          ({"treatment_share": 1.0}, "^treatment_share must lie strictly between 0 and 1"),
                          ({"n_visitors": 10.0}, "^n_visitors must be a whole number")):
        arguments = {"n_visitors": 100, "n_experiments": 2, "seed": 0, **kwargs}
        with pytest.raises((ValueError, TypeError), match=words):
            small.simulate(simulate.no_offer, middle, **arguments)


def test_order_values_in_small_blocks_equal_one_block(small):
    """Memory is bounded by drawing a block of experiments at a time; the sums must not depend on the block size,
    including experiments without buyers and one larger than a block."""
    for buyers, chunk in ((np.array([3, 0, 12, 1, 0, 5, 2]), 4), (np.array([1, 5, 1, 10]), 2)):
        results = []
        for size in (chunk, 10**9):
            revenue, revenue_sq = np.zeros(len(buyers)), np.zeros(len(buyers))
            small._add_order_values(buyers, 0.25, np.random.default_rng(5), revenue, revenue_sq, chunk=size)
            results.append((revenue, revenue_sq))
        values = 0.25 * np.random.default_rng(5).lognormal(math.log(45.0), 0.5, buyers.sum())
        owner = np.repeat(np.arange(len(buyers)), buyers)
        for revenue, revenue_sq in results:
            assert revenue == pytest.approx(np.bincount(owner, weights=values, minlength=len(buyers)))
            assert revenue_sq == pytest.approx(np.bincount(owner, weights=values**2, minlength=len(buyers)))


class _DrawRecorder:
    """A generator that records how many standard normal values each call draws."""

    def __init__(self, seed):
        self.rng, self.sizes = np.random.default_rng(seed), []

    def standard_normal(self, size):
        self.sizes.append(size)
        return self.rng.standard_normal(size)


@pytest.mark.parametrize(("buyers", "chunk", "blocks"), [
    ([1, 1, 1, 1, 1, 1], 3, [3, 3]),                 # whole experiments while they fit, then the next block
    ([3, 0, 12, 1, 0, 5, 2], 4, [3, 12, 1, 5, 2]),   # an experiment larger than a block is a block alone
    ([5, 1], 3, [5, 1]),
    ([3, 0, 0], 1, [3]),                             # a block without orders draws nothing
    ([2_000_000, 1], None, [2_000_000, 1]),          # the default block: two million orders
])
def test_order_values_are_drawn_in_blocks_of_at_most_chunk_orders(small, buyers, chunk, blocks):
    """Memory stays bounded: each draw holds whole experiments, at most ``chunk`` orders unless one experiment
    alone has more, and each block takes as many experiments as fit."""
    buyers = np.array(buyers)
    revenue, revenue_sq = np.zeros(len(buyers)), np.zeros(len(buyers))
    recorder = _DrawRecorder(3)
    options = {} if chunk is None else {"chunk": chunk}
    small._add_order_values(buyers, 1.0, recorder, revenue, revenue_sq, **options)
    assert recorder.sizes == blocks
    assert (revenue > 0).tolist() == (buyers > 0).tolist()


def test_event_log_follows_its_definition(small):
    """Every column against the definitions of assumptions 3-5, with visitors_per_day and an assignment given."""
    offered = middle(small.sessions)
    log = small.event_log(simulate.no_offer, middle, n_visitors=20_000, experiment="e", seed=6,
                          visitors_per_day=700, assignment=lambda ids: np.where(
                              np.arange(len(ids)) % 4 == 0, "control", "treatment"))
    assert (log["day"].to_numpy() == np.arange(20_000) // 700 + 1).all()
    assert (log["variant"] == np.where(np.arange(20_000) % 4 == 0, "control", "treatment")).all()
    rows = log["session"].to_numpy()
    assert (log["offered"] == ((log["variant"] == "treatment") & offered[rows])).all()
    assert (log["VisitorType"].to_numpy() == small.sessions["VisitorType"].to_numpy()[rows]).all()
    assert (log["visitor_id"].iloc[[0, 123]] == ["v0000000", "v0000123"]).all()
    bought = log["purchased"].to_numpy()
    factor = np.where(log["offered"], 0.4 - 0.15, 0.4)
    assert log["net_revenue"].to_numpy() == pytest.approx(log["order_value"].to_numpy() * factor, abs=0.01)
    assert (log.loc[~bought, "order_value"] == 0).all()
    values = log.loc[bought, "order_value"]
    assert stats.kstest(values, stats.lognorm(s=0.5, scale=45.0).cdf).pvalue > 0.001
    for flag in (True, False):
        part = log[log["offered"] == flag]
        p = small.purchase_probability(np.full(len(small.sessions), flag))[part["session"].to_numpy()].mean()
        assert abs(part["purchased"].mean() - p) < 4 * math.sqrt(p * (1 - p) / len(part))
    again = small.event_log(simulate.no_offer, middle, n_visitors=2_000, experiment="e", seed=6)
    other = small.event_log(simulate.no_offer, middle, n_visitors=2_000, experiment="e", seed=7)
    assert again.equals(small.event_log(simulate.no_offer, middle, n_visitors=2_000, experiment="e", seed=6))
    assert not again["order_value"].equals(other["order_value"])
    assert (again["variant"] == simulate.abtest.assign(again["visitor_id"].tolist(), "e", {
        "control": 0.5, "treatment": 0.5})).all()
    assert again["day"].max() == 1  # 2,000 visitors a day by default


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"n_visitors": 0}, ValueError, "^n_visitors must be positive"),
    ({"visitors_per_day": 0}, ValueError, "^visitors_per_day must be positive"),
    ({"weekly": 1}, TypeError, "^weekly must be True or False"),
])
def test_event_log_names_the_bad_argument(small, kwargs, error, words):
    arguments = {"n_visitors": 10, "experiment": "e", "seed": 0, **kwargs}
    with pytest.raises(error, match=words):
        small.event_log(simulate.no_offer, middle, **arguments)


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"base_probability": np.full(5, 0.5)}, "^base_probability must have one value per session"),
    ({"base_probability": np.full(10, 1.0)}, "^base_probability must lie strictly between 0 and 1"),
    ({"discount": 0.3, "margin": 0.3}, "^need 0 < discount < margin < 1"),
    ({"discount": 0.0}, "^need 0 < discount < margin < 1"),
    ({"margin": 1.0, "discount": 0.1}, "^need 0 < discount < margin < 1"),
    ({"max_uplift": -0.1}, "^max_uplift must be >= 0"),
    ({"order_median": 0.0}, "^max_uplift must be >= 0, order_median and order_sigma > 0"),
    ({"order_sigma": 0.0}, "^max_uplift must be >= 0, order_median and order_sigma > 0"),
])
def test_shop_names_the_bad_assumption(sessions, kwargs, words):
    arguments = {"base_probability": np.full(10, 0.5), **kwargs}
    with pytest.raises(ValueError, match=words):
        simulate.Shop(sessions.iloc[:10], **arguments)


def test_shop_accepts_an_offer_without_persuasion(sessions):
    shop = simulate.Shop(sessions.iloc[:10], np.full(10, 0.3), max_uplift=0)
    assert shop.purchase_probability(np.ones(10, bool)) == pytest.approx(np.full(10, 0.3))


def test_subset_keeps_every_non_default_assumption(small):
    part = small.subset(np.array([5, 2, 9]))
    assert (part.margin, part.discount, part.max_uplift, part.order_median, part.order_sigma) == (
        0.4, 0.15, 0.8, 45.0, 0.5)
    assert np.array_equal(part.base_probability, small.base_probability[[5, 2, 9]])
    assert part.sessions.index.tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="^rows must be distinct positions from 0 to 2999"):
        small.subset(np.array([-1, 3]))
    with pytest.raises(ValueError, match="^a policy must return 3000 booleans"):
        small.subset(np.ones(5, bool))
    with pytest.raises(TypeError, match="^rows must be a boolean mask or whole-number positions"):
        small.subset(np.array([[1, 2]]))
    with pytest.raises(ValueError, match="^weekday must be a whole number from 0"):
        small.day_sessions(None)


def test_build_shop_clips_out_of_fold_probabilities(sessions):
    """A nearly separable target (buyers are the sessions with a page value) drives the out-of-fold predictions
    to both ends; they are clipped to [0.001, 0.999] and come from five shuffled stratified folds (seed 2024)."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    rows = sessions.iloc[:400].copy()
    rows[data.TARGET] = rows["PageValues"] > 0
    shop = simulate.build_shop(rows, margin=0.35)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=2024)
    by_hand = cross_val_predict(simulate.make_truth_pipeline(), rows[data.FEATURES], rows[data.TARGET].astype(int),
                                cv=folds, method="predict_proba")[:, 1]
    assert by_hand.min() < 0.001 and by_hand.max() > 0.999
    assert np.allclose(shop.base_probability, np.clip(by_hand, 0.001, 0.999))
    assert shop.margin == 0.35


def test_truth_pipeline_is_the_stated_logistic_regression(sessions):
    """Its docstring, built independently: log(1 + x) of the numbers standardised, one-hot categories with those
    under 20 sessions pooled, the weekend flag, and scikit-learn's logistic regression fitted by Newton's method
    to a tolerance of 1e-8."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    stated = make_pipeline(ColumnTransformer([
        ("numbers", make_pipeline(FunctionTransformer(np.log1p), StandardScaler()), data.NUMERIC_COLUMNS),
        ("categories", OneHotEncoder(handle_unknown="ignore", min_frequency=20), data.CATEGORICAL_COLUMNS),
        ("flags", "passthrough", data.BOOLEAN_COLUMNS),
    ]), LogisticRegression(solver="newton-cholesky", tol=1e-8))
    rows = sessions.iloc[:3_000]
    x, y = rows[data.FEATURES], rows[data.TARGET].astype(int)
    ours = simulate.make_truth_pipeline().fit(x, y).predict_proba(x)[:, 1]
    assert ours == pytest.approx(stated.fit(x, y).predict_proba(x)[:, 1], abs=1e-9)


def test_variant_values_and_rewards(small):
    """variant_value is the population mean of p * (mean order value * (margin - discount) - fixed cost); the
    sampler's rewards average to it within 4 Monte Carlo standard errors, divided by the scale."""
    from helpers import bandits

    variants = [simulate.OfferVariant("none"), simulate.OfferVariant("gift", discount=0.05, max_uplift=1.2,
                                                                        fixed_cost=3.0)]
    p = [small.base_probability, 1 / (1 + np.exp(-(logit(small.base_probability)
                                                    + 1.2 * 4 * small.base_probability
                                                    * (1 - small.base_probability))))]
    mov = stats.lognorm(s=0.5, scale=45.0).mean()
    values = [np.mean(p[0] * mov * 0.4), np.mean(p[1] * (mov * 0.35 - 3.0))]
    assert [simulate.variant_value(small, v) for v in variants] == pytest.approx(values, rel=1e-12)
    assert simulate.variant_probability(small, variants[1]) == pytest.approx(p[1], rel=1e-12)
    sample = simulate.variant_rewards(small, variants)
    arms = np.arange(40_000) % 2
    rewards = sample(arms, np.random.default_rng(8))
    for arm in (0, 1):
        r = rewards[arms == arm]
        assert abs(r.mean() - values[arm]) < 4 * r.std() / math.sqrt(len(r))
    assert rewards.max() > 1 and (rewards[arms == 1] < 0).any()            # unscaled: euros, fixed cost paid
    scaled = simulate.variant_rewards(small, variants, scale=50.0)(arms, np.random.default_rng(8))
    assert scaled.max() == 1.0                                              # clipped at 1
    unclipped = rewards / 50.0
    assert scaled == pytest.approx(np.minimum(unclipped, 1.0))             # the same draws, scaled then clipped
    assert np.array_equal(sample(arms, np.random.default_rng(9)), sample(arms, np.random.default_rng(9)))
    assert not np.array_equal(sample(arms, np.random.default_rng(9)), sample(arms, np.random.default_rng(10)))
    result = bandits.simulate_rewards(bandits.EpsilonGreedy(1.0), sample, values, 5, 3, seed=0)
    assert result.rewards.shape == (3, 5)
    with pytest.raises(ValueError, match="^variants must list at least one OfferVariant"):
        simulate.variant_rewards(small, [])
    with pytest.raises(ValueError, match="^scale must be positive, got 0"):
        simulate.variant_rewards(small, variants, scale=0)


@pytest.fixture(scope="module")
def tiny(sessions):
    """Three sessions: one on the weekend, two on weekdays; each day's pool is tiny, so every draw shows."""
    weekend = sessions["Weekend"].to_numpy(bool)
    rows = sessions.iloc[[np.flatnonzero(weekend)[0], *np.flatnonzero(~weekend)[:2]]]
    return simulate.Shop(rows, np.array([0.2, 0.4, 0.6]))


def test_weekly_event_log_numbers_days_from_one_and_draws_every_session_of_a_day(tiny):
    log = tiny.event_log(simulate.no_offer, simulate.no_offer, n_visitors=1_400, experiment="w", seed=1,
                         visitors_per_day=100, weekly=True)
    assert np.issubdtype(log["day"].dtype, np.integer)
    assert log["day"].unique().tolist() == list(range(1, 15))
    assert log.groupby("day")["weekday"].first().tolist() == list(simulate.WEEKDAYS) * 2
    weekend = log["weekday"].isin(["Sat", "Sun"])
    assert set(log.loc[weekend, "session"]) == {0} and set(log.loc[~weekend, "session"]) == {1, 2}


def test_truth_over_days_by_default_is_one_week_and_weighs_a_one_session_day(tiny):
    """The weekend pool holds one session: it weighs its traffic times 1 / 1 of the segment's share."""
    assert tiny.truth_over_days(simulate.offer_to_everyone) == tiny.truth_over_days(simulate.offer_to_everyone,
                                                                                     days=7)
    truths = [tiny.truth(simulate.offer_to_everyone, weekday=d) for d in range(7)]
    weights = np.array(simulate.WEEKLY_TRAFFIC)
    expected = weights @ [t.net_revenue for t in truths] / weights.sum()
    assert tiny.truth_over_days(simulate.offer_to_everyone).net_revenue == pytest.approx(expected)
    one_weekday = np.array([True, True, False])         # the weekend session and one of the two weekday sessions
    seg = [tiny.truth(simulate.offer_to_everyone, one_weekday, weekday=d) for d in range(7)]
    share = weights * np.array([0.5] * 5 + [1.0] * 2)
    assert tiny.truth_over_days(simulate.offer_to_everyone, one_weekday).net_revenue == pytest.approx(
        share @ [t.net_revenue for t in seg] / share.sum())


def test_missing_day_messages_name_the_weekday_in_full(tiny):
    with pytest.raises(ValueError,
                       match=r"^weekday must be a whole number from 0 \(Monday\) to 6 \(Sunday\), got None$"):
        tiny.day_sessions(None)
    with pytest.raises(ValueError, match=r"^the shop has no session to draw on Sat \(assumption 6 draws weekend "
                                         r"sessions on Saturdays and Sundays, the others on weekdays\)$"):
        tiny.subset(np.array([1, 2])).event_log(simulate.no_offer, simulate.no_offer, n_visitors=100, experiment="w",
                                                seed=0, visitors_per_day=10, weekly=True)


def test_every_session_can_be_drawn_in_logs_and_rewards(tiny):
    """Visitors are drawn uniformly from all sessions (assumption 1): with three sessions each shows up, and the
    variant's reward averages over all three (within 4 Monte Carlo standard errors)."""
    log = tiny.event_log(simulate.no_offer, simulate.no_offer, n_visitors=300, experiment="t", seed=2)
    assert set(log["session"]) == {0, 1, 2}
    variant = simulate.OfferVariant("none")
    rewards = simulate.variant_rewards(tiny, [variant])(np.zeros(20_000, dtype=int), np.random.default_rng(3))
    assert abs(rewards.mean() - simulate.variant_value(tiny, variant)) < 4 * rewards.std() / math.sqrt(20_000)
    bought = rewards > 0
    assert abs(bought.mean() - 0.4) < 4 * math.sqrt(0.24 / 20_000)


def test_event_log_has_2000_visitors_a_day_by_default(tiny):
    log = tiny.event_log(simulate.no_offer, simulate.no_offer, n_visitors=4_001, experiment="t", seed=2)
    assert (log["day"].to_numpy() == np.arange(4_001) // 2_000 + 1).all() and log["day"].max() == 3


def test_event_log_columns_and_amounts_in_cents(tiny):
    log = tiny.event_log(simulate.no_offer, simulate.offer_to_everyone, n_visitors=700, experiment="c", seed=4,
                         visitors_per_day=100, weekly=True)
    assert log.columns.tolist() == ["visitor_id", "day", "weekday", "session", "variant", "offered", "purchased",
                                    "order_value", "net_revenue", "VisitorType"]
    for column in ("order_value", "net_revenue"):
        cents = log[column].to_numpy() * 100
        assert np.allclose(cents, np.round(cents), rtol=0, atol=1e-6)
        assert (log[column] > 0).any()


def test_simulated_counts_are_whole_numbers_and_policies_are_named(tiny):
    arms = tiny.simulate(simulate.no_offer, simulate.offer_to_everyone, n_visitors=100, n_experiments=3, seed=0)
    for name in ("n_a", "n_b", "conversions_a", "conversions_b"):
        assert np.issubdtype(getattr(arms, name).dtype, np.integer), name
    with pytest.raises(TypeError, match="^policy must be a function of the sessions' features, got str$"):
        tiny.truth("everyone")


def test_shop_defaults_and_its_sessions_index(sessions):
    """Chapter 03, assumption 4: order values have a median of 60 €. The sessions are renumbered from 0, with no
    column added."""
    rows = sessions.iloc[5:10]
    shop = simulate.Shop(rows, np.full(5, 0.3))
    assert shop.order_median == 60.0 and (shop.margin, shop.discount) == (0.30, 0.10)
    assert shop.sessions.columns.tolist() == sessions.columns.tolist()
    assert shop.sessions.index.tolist() == [0, 1, 2, 3, 4]
    assert simulate.Shop(rows, np.full(5, 0.3), order_median=0.5).mean_order_value < 1  # cents are allowed
