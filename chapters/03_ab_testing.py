# %% [markdown]
# # 3. Testing in production: A/B tests
#
# **You will learn to** see what offline evaluation cannot tell, design an A/B test (hypothesis, metric,
# guardrails that can fail, randomisation, sample size, whole weeks), check the set-up with A/A tests, run it as
# an event log, analyse it with intervals you can trust, test whether segments differ, catch a broken experiment
# with a sample-ratio check, derive when a discount pays, and weigh what a sequential design buys and costs.
#
# | prerequisites | time to learn | runs in |
# |---|---|---|
# | chapters 01–02; confidence intervals and p-values | 90 min reading, 40 min exercises | about 20 s |

# %%
import helpers

helpers.setup_notebook()

# %% tags=["parameters"]
SEED = 0                    # seeds every simulated experiment
FAST = False                # True: fewer simulated repetitions
N_REPEATS = 2_000           # simulated experiments for coverage, segments and peeking
N_AA = 200                  # A/A tests run through assignment, event log and analysis
VISITORS_PER_DAY = 10_000   # the shop's eligible traffic on an average day

# %%
if FAST:
    N_REPEATS, N_AA = 400, 100

# %% [markdown]
# ## What the test set cannot tell
#
# Chapter 01's prototype ranks sessions well: on the test set, buyers get higher scores than non-buyers. The
# shop now wants to **act** on the score: show a discount to some visitors. An offer changes behaviour: some
# visitors buy because of it, others would have bought anyway and now pay less. The test set holds sessions in
# which nobody saw an offer, so it can measure how well the model *predicts* a purchase, but not what an offer
# *causes*. That needs an experiment, with some visitors offered and some not, chosen at random.
#
# ## A shop where the truth is known
#
# To learn the methods with a safety net, we experiment in a simulated shop built from the real sessions. Its
# assumptions are few and explicit (they are also in `helpers.simulate`'s documentation):
#
# 1. Visitors are drawn at random, with replacement, from the sessions of chapter 01's **test set**: the
#    prototype was never trained on them, as it would not have been on tomorrow's visitors.
# 2. Without an offer, each session buys with a hidden true probability: an honest (out-of-fold) prediction of
#    a **logistic regression** fitted on all sessions. It is deliberately of another family than the
#    gradient-boosting prototype: if the truth were the prototype's own kind of model, a policy that targets
#    with the prototype's score would be targeting with nearly the truth itself.
# 3. The offer adds to the log-odds of buying an amount that is largest for hesitant visitors (probability
#    near 0.5) and small for visitors who buy anyway or have no intent.
# 4. Order values are skewed (log-normal, median 60 €), unaffected by the offer.
# 5. The shop keeps a 30 % margin; the offer's 10 % discount comes out of it, also for visitors who would
#    have bought without it.
# 6. The week has a rhythm: an experiment starts on a Monday; traffic differs by weekday; on Saturdays and
#    Sundays the visitors are the sessions flagged `Weekend` in the data, and weekend visitors are more
#    decided (a fixed amount is added to their log-odds of buying). The numbers are in
#    `helpers.simulate.WEEKLY_TRAFFIC` and `WEEKLY_LOG_ODDS`.
#
# Because these are *all* the assumptions, the shop can compute the **true** effect of any targeting policy
# exactly, by averaging over its session population. Every estimate below is compared with that truth.

# %%
import numpy as np
import pandas as pd

sessions = helpers.data.load_sessions()
X_train, X_test, y_train, y_test = helpers.data.fixed_split(sessions)
prototype = helpers.prototype.build_prototype(X_train, y_train)
shop = helpers.simulate.build_shop(sessions).subset(X_test.index.to_numpy())
print(f"{len(shop.sessions):,} sessions; true purchase rate without offers {shop.base_probability.mean():.2%}; "
      f"mean order value {shop.mean_order_value:.2f} €")
pd.DataFrame({"traffic (average day = 1)": helpers.simulate.WEEKLY_TRAFFIC,
              "true conversion": [shop.truth(helpers.simulate.no_offer, weekday=d).conversion_rate
                                  for d in range(7)]}, index=helpers.simulate.WEEKDAYS).round(3).T

# %% [markdown]
# A targeting policy is a plain function of a session's features that says whom to show the offer. Four
# candidates: nobody, everybody, the visitors the prototype rates as likely buyers, and the undecided visitors
# in between.

# %%
from scipy.stats import spearmanr


def score(features):
    return prototype.predict_proba(features)[:, 1]


NO_OFFER = helpers.simulate.no_offer
UNDECIDED = "undecided (0.1 <= score < 0.5)"
POLICIES = {
    "no offer": NO_OFFER,
    "offer to everyone": helpers.simulate.offer_to_everyone,
    "likely buyers (score >= 0.5)": lambda features: score(features) >= 0.5,
    UNDECIDED: lambda features: (score(features) >= 0.1) & (score(features) < 0.5),
}
rank_correlation = spearmanr(score(shop.sessions[helpers.data.FEATURES]), shop.base_probability)[0]
print(f"rank correlation of the prototype's score with the true probability: {rank_correlation:.3f}")

# %%
helpers.claim(bool(0.7 < rank_correlation < 0.95), "the score ranks visitors much like the truth, not exactly")

# %% [markdown]
# The score ranks visitors much like the truth does, but not exactly: it is a good model of the shop, not the
# shop itself. (Section "The surprise" measures what that imperfection costs.)
#
# The team's favourite is the undecided group: they are the ones an offer can still persuade. That is the
# hypothesis the A/B test will check: **showing the offer to undecided visitors raises net revenue per
# session.**
#
# ## Designing the test
#
# - **Overall evaluation criterion (OEC):** net revenue per session, after the discount. Conversion alone would
#   reward giving discounts to everyone.
# - **Guardrails** are metrics the treatment could harm even when the OEC rises, each with a limit fixed
#   before the test: the **discount cost** per session stays within the marketing budget of 0.75 €; the **net
#   margin per order** falls by at most 20 % (every order costs the shop packing and shipping, which the OEC
#   does not see); and at most two thirds of the discounted orders **would have happened anyway** (the reason
#   for that limit is derived in "The surprise").
# - **Randomisation unit:** the visitor, so that a visitor sees the same variant on every page.
# - **Variants:** control (no offer) and treatment (the undecided policy), 50 % each.
#
# **Assignment by salted hash.** Each visitor id is hashed together with the experiment's name; the hash,
# read as a number between 0 and 1, picks the variant. No table of assignments to store, the same answer on
# every server, and a new experiment name reshuffles everyone independently.

# %%
SHARES = {"control": 0.5, "treatment": 0.5}
ids = [f"v{i:07d}" for i in range(20_000)]
first = helpers.abtest.assign(ids, "undecided-offer", SHARES)
again = helpers.abtest.assign(ids, "undecided-offer", SHARES)
other = helpers.abtest.assign(ids, "checkout-colour", SHARES)
print("same visitor, same variant:", bool((first == again).all()))
print(f"share in treatment: {(first == 'treatment').mean():.3f}")
pd.crosstab(pd.Series(first, name="undecided-offer"), pd.Series(other, name="checkout-colour"),
            normalize=True).round(3)

# %% [markdown]
# Each cell of the cross table is close to a quarter: being in this experiment's treatment says nothing about
# the variant in another experiment.
#
# **The analysis, written once.** Every experiment below, real or A/A, is analysed by the same function: the
# sample-ratio check, a pooled z-test of the conversion rates, and Welch's t-test of net revenue per session
# (Welch's test does not assume equal variances; with this many visitors the mean is close to normal despite the
# skew, and the coverage check below confirms it).

# %%
from scipy.stats import ttest_ind


def analyse(log):
    """Sample-ratio p-value, conversion z-test and revenue Welch test (treatment against control) of a log."""
    arms = log.groupby("variant")["purchased"].agg(["sum", "size"]).reindex(list(SHARES))
    srm = helpers.abtest.srm_pvalue(arms["size"].to_list(), list(SHARES.values()))
    conversion = helpers.abtest.proportions_test(int(arms.loc["control", "sum"]), int(arms.loc["control", "size"]),
                                                 int(arms.loc["treatment", "sum"]),
                                                 int(arms.loc["treatment", "size"]))
    revenue = ttest_ind(log.loc[log["variant"] == "treatment", "net_revenue"],
                        log.loc[log["variant"] == "control", "net_revenue"], equal_var=False)
    return {"srm": srm, "conversion": conversion, "revenue": revenue}

# %% [markdown]
# **A/A tests first.** Before trusting the set-up, run experiments in which both arms get *no* offer, through
# the whole path a real test takes: assignment by the salted hash (each A/A test under its own experiment name),
# the event log, and `analyse`. The p-values of a sound set-up are then uniformly distributed, and about 5 % fall
# below 0.05, for conversion and for revenue alike. A bug in assignment, logging or analysis shows up here,
# before it costs a real decision.

# %%
AA_VISITORS = 10_000
aa = [analyse(shop.event_log(NO_OFFER, NO_OFFER, n_visitors=AA_VISITORS, experiment=f"aa-{number}",
                             seed=10_000 * (SEED + 1) + number, visitors_per_day=VISITORS_PER_DAY))
      for number in range(N_AA)]
aa_p = pd.DataFrame({"conversion": [r["conversion"].p_value for r in aa],
                     "net revenue": [r["revenue"].pvalue for r in aa], "sample ratio": [r["srm"] for r in aa]})
aa_se = np.sqrt(0.05 * 0.95 / N_AA)
print(f"share of {N_AA} A/A tests with p < 0.05 (Monte Carlo standard error {aa_se:.1%} around 5 %):")
print((aa_p < 0.05).mean().map("{:.1%}".format).to_dict())
ax = helpers.plotting.pvalue_histogram(aa_p["net revenue"], title="A/A tests of net revenue: p-values")

# %% [markdown]
# The p-values of net revenue spread evenly over 0 to 1 (the figure), and for every metric the share below 0.05
# lies within a few Monte Carlo standard errors of 5 %:

# %%
helpers.claim(bool((np.abs((aa_p < 0.05).mean() - 0.05) < 3.5 * aa_se).all()),
              "every A/A share of p < 0.05 lies within 3.5 Monte Carlo standard errors of 5 %")

# %% [markdown]
# **How many visitors?** For the conversion rate, the classic formula for a two-sided two-proportion z-test with
# the variance pooled under the null gives the visitors per arm. Five lines:

# %%
from scipy.stats import norm

p1, p2, alpha, power = 0.15, 0.17, 0.05, 0.8
pooled = (p1 + p2) / 2
n_formula = ((norm.ppf(1 - alpha / 2) * np.sqrt(2 * pooled * (1 - pooled))
              + norm.ppf(power) * np.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) / (p2 - p1)) ** 2
print(f"formula: {n_formula:.1f}   helpers: {helpers.abtest.sample_size_per_arm(p1, p2 - p1)}")

# %% [markdown]
# statsmodels implements the same computation (its `samplesize_proportions_2indep_onetail`; R's
# `power.prop.test` agrees too):

# %%
from statsmodels.stats.proportion import samplesize_proportions_2indep_onetail

print(f"statsmodels: {samplesize_proportions_2indep_onetail(diff=p2 - p1, prop2=p1, power=power, alpha=alpha):.1f}")

# %% [markdown]
# **Revenue against conversion, like with like.** For any metric, the visitors per arm needed to detect a
# *relative* change δ of its mean are about 2 (z₁₋α/₂ + z_power)² · CV² / δ², where the **coefficient of
# variation** CV is the metric's standard deviation divided by its mean. For a conversion rate p,
# CV² = (1 − p) / p. Net revenue per session is zero for most visitors and large for a few, so its CV is larger.
# Estimate both from a week of traffic before the test, and size each for the same 5 % relative change:

# %%
before = shop.event_log(NO_OFFER, NO_OFFER, n_visitors=7 * VISITORS_PER_DAY, experiment="pre-period",
                        seed=SEED + 1, visitors_per_day=VISITORS_PER_DAY, weekly=True)
RELATIVE_CHANGE, z_sum = 0.05, norm.ppf(1 - alpha / 2) + norm.ppf(power)
metrics = before[["purchased", "net_revenue"]].astype(float)
sizing = pd.DataFrame({"mean": metrics.mean(), "sd": metrics.std()})
sizing["CV²"] = (sizing["sd"] / sizing["mean"]) ** 2
sizing["visitors per arm"] = np.ceil(2 * z_sum**2 * sizing["CV²"] / RELATIVE_CHANGE**2).astype(int)
exact = helpers.abtest.sample_size_per_arm(sizing.loc["purchased", "mean"], RELATIVE_CHANGE, relative=True)
revenue_factor = sizing.loc["net_revenue", "visitors per arm"] / sizing.loc["purchased", "visitors per arm"]
print(f"revenue needs {revenue_factor:.1f} times the visitors of conversion; the exact conversion formula "
      f"gives {exact:,}")
sizing.round(3)

# %% [markdown]
# At the same relative change, net revenue needs only about twice as many visitors as conversion, the ratio of
# their squared coefficients of variation, not many times more. (The approximate CV formula and the exact
# z-test formula agree closely for conversion.) Revenue is still the harder metric, and the test is sized for it
# because it is the OEC.

# %%
helpers.claim(bool(1.5 < revenue_factor < 2.5), "at the same relative change revenue needs about twice the "
              "visitors of conversion")
helpers.claim(bool(abs(exact / sizing.loc["purchased", "visitors per arm"] - 1) < 0.05),
              "the CV approximation and the exact formula agree within 5 % for conversion")

# %% [markdown]
# The team wants to detect a change of `MDE_REVENUE` € per session (the share of the mean it represents is
# printed too); the formula and statsmodels' power calculation for a t-test agree:

# %%
from statsmodels.stats.power import tt_ind_solve_power

sd = before["net_revenue"].std()
MDE_REVENUE = 0.15
n_revenue = int(np.ceil(2 * (z_sum * sd / MDE_REVENUE) ** 2))
print(f"net revenue per session: mean {before['net_revenue'].mean():.2f} €, sd {sd:.2f} €; "
      f"{MDE_REVENUE} € is {MDE_REVENUE / before['net_revenue'].mean():.1%} of the mean")
print(f"visitors per arm: formula {n_revenue:,}, statsmodels "
      f"{tt_ind_solve_power(effect_size=MDE_REVENUE / sd, alpha=alpha, power=power):,.0f}")

# %% [markdown]
# **Duration: whole weeks.** Traffic and buying differ by weekday (the table at the top), and so may the effect
# of the offer. A test that stops mid-week over-represents some weekdays. So the test runs whole weeks, long
# enough for the sample size:

# %%
N_PER_ARM = n_revenue
days_needed = int(np.ceil(2 * N_PER_ARM / VISITORS_PER_DAY))
WEEKS = int(np.ceil(days_needed / 7))
DAYS = 7 * WEEKS
print(f"{2 * N_PER_ARM:,} visitors: {days_needed} days at {VISITORS_PER_DAY:,} a day, so run {WEEKS} full weeks "
      f"({DAYS * VISITORS_PER_DAY:,} visitors)")

# %% [markdown]
# The static figure shows the conversion sample-size function over a few baselines and lifts; the explorer
# beside it lets you move the sliders (it needs a running kernel).

# %%
ax = helpers.plotting.sample_size_curves([0.05, 0.15, 0.30], [0.5, 1, 2, 3, 5])

# %% tags=["nbval-ignore-output"]
helpers.widgets.power_explorer(visitors_per_day=VISITORS_PER_DAY)

# %% [markdown]
# ## Running the test: an event log
#
# In production an experiment produces logs: who was assigned to which variant, on which day, whether the offer
# was shown, whether they bought, and for how much. The simulated shop writes the same log, visitor by visitor,
# with its weekly rhythm.

# %%
log = shop.event_log(NO_OFFER, POLICIES[UNDECIDED], n_visitors=DAYS * VISITORS_PER_DAY,
                     experiment="undecided-offer", seed=SEED, visitors_per_day=VISITORS_PER_DAY, weekly=True)
result = analyse(log)
log.head()

# %% [markdown]
# **First, the sample-ratio check.** If the arms' sizes are incompatible with the planned 50/50 split, something
# in assignment or logging is broken and no other number can be trusted. The check is a chi-square test, and
# the alarm threshold used in practice is **p < 0.0005**, not 0.05 (Fabijan et al., 2019): a platform that runs
# hundreds of experiments would otherwise raise false alarms every week, and a real mismatch in a large test
# gives p-values far smaller still.

# %%
SRM_ALARM = 0.0005
counts = log["variant"].value_counts().reindex(list(SHARES))
print(counts.to_dict(), f"SRM p-value {result['srm']:.3f}")
helpers.claim(result["srm"] > SRM_ALARM, "the sample-ratio check raises no alarm")

# %% [markdown]
# No alarm. Now the results by arm:

# %%
summary = log.groupby("variant").agg(visitors=("visitor_id", "size"), offered=("offered", "mean"),
                                     conversion=("purchased", "mean"), revenue=("net_revenue", "mean"))
summary

# %% [markdown]
# ## Analysis
#
# **Conversion.** The difference in conversion rate with its 95 % interval, and the relative lift, whose
# interval also accounts for the uncertainty of the control's rate. The truth is the shop's exact effect over
# the test's weekdays, each weighted by its traffic:

# %%
conversion = result["conversion"]
truth_control = shop.truth_over_days(NO_OFFER, days=DAYS)
truth_treatment = shop.truth_over_days(POLICIES[UNDECIDED], days=DAYS)
true_lift = truth_treatment.conversion_rate - truth_control.conversion_rate
print(f"difference {conversion.difference:+.4f}, 95 % CI {conversion.difference_ci[0]:+.4f} to "
      f"{conversion.difference_ci[1]:+.4f}, p = {conversion.p_value:.1e}   (truth {true_lift:+.4f})")
print(f"relative lift {conversion.relative_lift:+.1%}, 95 % CI {conversion.relative_lift_ci[0]:+.1%} to "
      f"{conversion.relative_lift_ci[1]:+.1%}   (truth {true_lift / truth_control.conversion_rate:+.1%})")

# %% [markdown]
# statsmodels gives the same z statistic and intervals:

# %%
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

by_arm = log.groupby("variant")["purchased"].agg(["sum", "size"])
count = [int(by_arm.loc["treatment", "sum"]), int(by_arm.loc["control", "sum"])]
nobs = [int(by_arm.loc["treatment", "size"]), int(by_arm.loc["control", "size"])]
z_sm, _ = proportions_ztest(count, nobs)
diff_ci = confint_proportions_2indep(count[0], nobs[0], count[1], nobs[1], method="wald")
ratio_ci = confint_proportions_2indep(count[0], nobs[0], count[1], nobs[1], method="log", compare="ratio")
print(f"z {z_sm:.6f} vs {conversion.z:.6f}; difference CI {np.round(diff_ci, 6)} vs "
      f"{np.round(conversion.difference_ci, 6)}; lift CI {np.round(np.array(ratio_ci) - 1, 6)} vs "
      f"{np.round(conversion.relative_lift_ci, 6)}")

# %% [markdown]
# **Revenue per session, the OEC**, by Welch's t-test, with the truth beside it:

# %%
low, high = result["revenue"].confidence_interval()
estimate = summary.loc["treatment", "revenue"] - summary.loc["control", "revenue"]
true_revenue = truth_treatment.net_revenue - truth_control.net_revenue
print(f"net revenue per session: {estimate:+.3f} €, 95 % CI {low:+.3f} to {high:+.3f} €, "
      f"p = {result['revenue'].pvalue:.1e}   (truth {true_revenue:+.3f} €)")
print(f"interval contains the truth: {low <= true_revenue <= high}; excludes zero: {low > 0 or high < 0}")

# %% [markdown]
# Compare each interval with the truth printed beside it. One experiment can miss: a 95 % interval misses the
# truth in one experiment out of twenty, and a test sized for 80 % power at 0.15 € misses an effect of that size
# one time in five. The coverage check further down counts how often, over many repetitions.
#
# **The effect, day by day.** The same Welch difference, computed for each day of the test separately, against
# the shop's true effect on that weekday:

# %%
daily = log.groupby(["day", "variant"])["net_revenue"].agg(["mean", "var", "size"]).unstack("variant")
day_effect = daily[("mean", "treatment")] - daily[("mean", "control")]
day_se = np.sqrt(daily[("var", "treatment")] / daily[("size", "treatment")]
                 + daily[("var", "control")] / daily[("size", "control")])
weekday_truth = np.array([shop.truth(POLICIES[UNDECIDED], weekday=d).net_revenue
                          - shop.truth(NO_OFFER, weekday=d).net_revenue for d in range(7)])
ax = helpers.plotting.effect_by_day(day_effect.index, day_effect, day_effect - 1.96 * day_se,
                                    day_effect + 1.96 * day_se, weekday_truth[(day_effect.index - 1) % 7],
                                    title="Effect of the offer by day of the test",
                                    ylabel="net revenue per session (€)", long_run=true_revenue)
print("true effect by weekday (€):", pd.Series(weekday_truth, index=helpers.simulate.WEEKDAYS).round(3).to_dict())

# %% [markdown]
# One day's estimate is too noisy to read alone (the wide intervals), but the truth shows the pattern: the offer
# earns more at weekends, when more visitors hover near a decision. What does a test that stops before the week
# is over estimate? Its expected value is the effect averaged over the days it ran, each weighted by its traffic.
# The shop computes it exactly for every possible stopping day (each policy's decisions for the shop's sessions
# are computed once, so the prototype does not score the same sessions again for every day):

# %%
def frozen(policy):
    """The same policy, with its decisions for the shop's sessions computed once."""
    decisions = shop.offers(policy)
    return lambda features: decisions


stop_days = np.arange(1, DAYS + 1)
undecided_once, nobody_once = frozen(POLICIES[UNDECIDED]), frozen(NO_OFFER)
expected_at_stop = np.array([shop.truth_over_days(undecided_once, days=d).net_revenue
                             - shop.truth_over_days(nobody_once, days=d).net_revenue for d in stop_days])
ax = helpers.plotting.lines(stop_days, {"what a test stopped that day estimates, on average": expected_at_stop},
                            hlines={"true effect over whole weeks": true_revenue}, xlabel="day the test stops",
                            ylabel="net revenue per session (€)", title="Stopping mid-week biases the estimate")
print(f"stopped after the first Friday: {expected_at_stop[4]:+.3f} €, after whole weeks: {true_revenue:+.3f} €")

# %% [markdown]
# A test stopped on a Friday misses the weekend and underestimates the effect, however many visitors it had;
# more visitors only make it more precisely wrong. At the end of every whole week the expected estimate equals
# the weekly truth.

# %%
helpers.claim(bool(expected_at_stop[4] < 0.9 * true_revenue),
              "a test stopped after the first Friday underestimates the weekly effect by more than 10 %")
helpers.claim(bool(np.allclose(expected_at_stop[6::7], true_revenue)),
              "at the end of every whole week the expected estimate equals the weekly truth")

# %% [markdown]
# **The guardrails.** Each guardrail gets an estimate and a 95 % interval, computed from the same log. A
# guardrail *holds* when even the worse end of its interval stays within the limit, and *trips* when the
# estimate itself is beyond it. The share of discounted orders that would have happened anyway compares, among
# the visitors the policy targets (known in both arms, because the policy is a function of the features), the
# control's conversion with the treatment's.

# %%
FEATURES = helpers.data.FEATURES


def guardrails(log, policy):
    """Estimate, worse end of the 95 % interval, limit and verdict of each guardrail of a test's log."""
    treated, z = log["variant"] == "treatment", norm.ppf(0.975)
    cost = (log["order_value"] * shop.discount * log["offered"])[treated]
    orders = log[log["purchased"]].groupby("variant")["net_revenue"].agg(["mean", "var", "size"])
    log_ratio = np.log(orders.loc["treatment", "mean"] / orders.loc["control", "mean"])
    log_se = np.sqrt((orders["var"] / (orders["size"] * orders["mean"] ** 2)).sum())
    targeted = log[policy(shop.sessions[FEATURES])[log["session"]]]
    arms = targeted.groupby("variant")["purchased"].agg(["sum", "size"])
    lift = helpers.abtest.proportions_test(int(arms.loc["control", "sum"]), int(arms.loc["control", "size"]),
                                           int(arms.loc["treatment", "sum"]), int(arms.loc["treatment", "size"]))
    table = pd.DataFrame({
        "estimate": [cost.mean(), 1 - np.exp(log_ratio), 1 / (1 + lift.relative_lift)],
        "worse end": [cost.mean() + z * cost.std() / np.sqrt(len(cost)), 1 - np.exp(log_ratio - z * log_se),
                      1 / (1 + lift.relative_lift_ci[0])],
        "limit": [0.75, 0.20, 2 / 3]},
        index=["discount cost per session (€)", "fall of net margin per order", "orders that happen anyway"])
    table["verdict"] = np.where(table["worse end"] <= table["limit"], "holds",
                                np.where(table["estimate"] > table["limit"], "TRIPS", "unclear"))
    return table


checks = guardrails(log, POLICIES[UNDECIDED])
checks.round(3)

# %%
helpers.claim(bool((checks["verdict"] == "holds").all()), "all three guardrails of the undecided test hold")

# %% [markdown]
# All three hold, each with its whole interval inside the limit. A guardrail that cannot fail protects nothing,
# so watch these trip: the marketing team proposes a one-week pilot that shows the offer to the *likely buyers*.
# The same log, the same analysis:

# %%
pilot = shop.event_log(NO_OFFER, POLICIES["likely buyers (score >= 0.5)"], n_visitors=7 * VISITORS_PER_DAY,
                       experiment="likely-buyers-pilot", seed=SEED + 3, visitors_per_day=VISITORS_PER_DAY,
                       weekly=True)
pilot_checks = guardrails(pilot, POLICIES["likely buyers (score >= 0.5)"])
pilot_checks.round(3)

# %%
helpers.claim(bool(pilot_checks.loc[["discount cost per session (€)", "orders that happen anyway"],
                                    "verdict"].eq("TRIPS").all()),
              "the pilot's discount cost and its share of orders that happen anyway both trip")

# %% [markdown]
# The pilot spends more than the budget on discounts, and most of its discounted orders would have been placed
# without them. The section on the surprise below explains why these two go together.
#
# **Do the intervals deserve their 95 %?** One experiment cannot say. Repeat the experiment many times in the
# simulated shop and count how often each interval covers the true effect. The repetitions use the shop's
# vectorised simulation, which has no weekly cycle (visitors drawn from all sessions alike), so their truth is
# the shop's plain truth. The simulation returns each arm's visitors, conversions, and sum and sum of squares
# of revenue; the difference of the revenue means and its Welch standard error follow in a few lines:

# %%
def revenue_difference(arms):
    """Difference of mean revenue per visitor (B - A) and its Welch standard error, per experiment."""
    mean_a, mean_b = arms.revenue_a / arms.n_a, arms.revenue_b / arms.n_b
    var_a = (arms.revenue_sq_a - arms.n_a * mean_a**2) / (arms.n_a - 1)
    var_b = (arms.revenue_sq_b - arms.n_b * mean_b**2) / (arms.n_b - 1)
    return mean_b - mean_a, np.sqrt(var_a / arms.n_a + var_b / arms.n_b)


reps = shop.simulate(NO_OFFER, POLICIES[UNDECIDED], n_visitors=2 * N_PER_ARM, n_experiments=N_REPEATS,
                     seed=SEED + 2)
plain = {name: shop.truth(POLICIES[name]) for name in POLICIES}
plain_lift = plain[UNDECIDED].conversion_rate - plain["no offer"].conversion_rate
plain_revenue = plain[UNDECIDED].net_revenue - plain["no offer"].net_revenue
rate_a, rate_b = reps.conversions_a / reps.n_a, reps.conversions_b / reps.n_b
half = 1.96 * np.sqrt(rate_a * (1 - rate_a) / reps.n_a + rate_b * (1 - rate_b) / reps.n_b)
diff, se = revenue_difference(reps)
coverage = pd.Series({"conversion difference": np.mean(np.abs(rate_b - rate_a - plain_lift) <= half),
                      "revenue difference (Welch)": np.mean(np.abs(diff - plain_revenue) <= 1.96 * se)})
coverage_se = np.sqrt(0.95 * 0.05 / N_REPEATS)
print(coverage.map("{:.1%}".format).to_dict(), f"Monte Carlo standard error {coverage_se:.1%}")

# %% [markdown]
# Both cover the truth about 95 % of the time, within the simulation's own error. (With this many visitors,
# Welch's t and the normal distribution give the same 1.96.) The first hundred revenue intervals:

# %%
helpers.claim(bool((np.abs(coverage - 0.95) < 3.5 * coverage_se).all()),
              "both intervals cover the truth within 3.5 Monte Carlo standard errors of 95 %")
ax = helpers.plotting.interval_coverage(diff - 1.96 * se, diff + 1.96 * se, plain_revenue,
                                        title="Revenue difference, repeated experiments", unit="€ per session")

# %% [markdown]
# ## A broken experiment, and the check that catches it
#
# Suppose the treatment is served through a redirect, and some visitors who leave quickly are lost before
# anything is logged: a bug in the assignment path. Simulate it by dropping, from the treatment, 30 % of the
# visitors whose session bounced on its first pages (bounce rate above 0.1).

# %%
rng = np.random.default_rng(SEED)
bounced = shop.sessions["BounceRates"].to_numpy()[log["session"]] > 0.1
lost = (log["variant"] == "treatment").to_numpy() & bounced & (rng.random(len(log)) < 0.3)
buggy = log[~lost]
buggy_result = analyse(buggy)
print(buggy["variant"].value_counts().reindex(list(SHARES)).to_dict(), f"SRM p-value {buggy_result['srm']:.1e}")
print(f"conversion lift: clean log {conversion.relative_lift:+.2%}, buggy log "
      f"{buggy_result['conversion'].relative_lift:+.2%}")

# %% [markdown]
# The arms differ by only a few percent in size, but the check is unambiguous, far below the 0.0005 alarm. And
# the damage is real: the lost visitors rarely buy, so the buggy treatment looks better than it is.
#
# This is **Twyman's law** at work: *any figure that looks interesting or different is usually wrong* (Kohavi,
# Tang and Xu, 2020, chapter 3). A lift that grows when something in the pipeline changes is a reason to look for
# the bug, not to celebrate. When the sample-ratio check fails, stop and fix the pipeline; do not analyse the
# results.

# %%
helpers.claim(buggy_result["srm"] < SRM_ALARM, "the buggy redirect trips the sample-ratio alarm (p < 0.0005)")
helpers.claim(buggy_result["conversion"].relative_lift > conversion.relative_lift,
              "the buggy log overstates the conversion lift")

# %% [markdown]
# ## Segments, and testing many things at once
#
# Does the offer work for new and returning visitors alike? Each segment gets its own test of the OEC, and every
# extra test is another chance of a false positive, so the p-values are corrected with Holm's method
# (`statsmodels.stats.multitest.multipletests`). Each estimate is compared with the segment's true effect.

# %%
from statsmodels.stats.multitest import multipletests

rows = []
for segment, part in log.groupby("VisitorType", observed=True):
    treated, control = (part.loc[part["variant"] == arm, "net_revenue"] for arm in ("treatment", "control"))
    welch = ttest_ind(treated, control, equal_var=False)
    mask = (shop.sessions["VisitorType"] == segment).to_numpy()
    truth = (shop.truth_over_days(POLICIES[UNDECIDED], mask, days=DAYS).net_revenue
             - shop.truth_over_days(NO_OFFER, mask, days=DAYS).net_revenue)
    rows.append({"segment": segment, "visitors": len(part), "effect": treated.mean() - control.mean(),
                 "se": np.sqrt(treated.var() / len(treated) + control.var() / len(control)),
                 "true effect": truth, "p": welch.pvalue})
segments = pd.DataFrame(rows).set_index("segment")
segments["p (Holm)"] = multipletests(segments["p"], method="holm")[1]
segments.round(3)

# %% [markdown]
# A tempting reading: "the offer works for returning visitors (significant) but not for new ones (not
# significant)". That is not a finding. **"Significant in one segment, not in another" is not a difference**
# (Gelman and Stern, 2006): a segment can miss significance simply because it is small. Whether the effects
# differ is its own question, with its own test, the **interaction test**: the difference of the two effects
# divided by its standard error.

# %%
new, returning = segments.loc["New_Visitor"], segments.loc["Returning_Visitor"]
interaction = new["effect"] - returning["effect"]
interaction_se = np.hypot(new["se"], returning["se"])
interaction_p = 2 * norm.sf(abs(interaction / interaction_se))
print(f"new minus returning: {interaction:+.3f} €, 95 % CI {interaction - 1.96 * interaction_se:+.3f} to "
      f"{interaction + 1.96 * interaction_se:+.3f} €, p = {interaction_p:.2f}   "
      f"(truth {new['true effect'] - returning['true effect']:+.3f} €)")

# %% [markdown]
# statsmodels gets the same test from a regression of net revenue on the treatment, the segment and their
# product, with heteroscedasticity-robust (HC2) standard errors; its interaction coefficient and standard error
# are the ones just computed:

# %%
import statsmodels.formula.api as smf

two = log[log["VisitorType"].isin(["New_Visitor", "Returning_Visitor"])].assign(
    treated=lambda frame: (frame["variant"] == "treatment").astype(float),
    new=lambda frame: (frame["VisitorType"] == "New_Visitor").astype(float))
fit = smf.ols("net_revenue ~ treated * new", data=two).fit(cov_type="HC2")
print(f"statsmodels: {fit.params['treated:new']:+.6f} ± {fit.bse['treated:new']:.6f}; "
      f"by hand: {interaction:+.6f} ± {interaction_se:.6f}")
helpers.claim(bool(np.isclose(fit.params["treated:new"], interaction) and np.isclose(fit.bse["treated:new"],
                                                                                    interaction_se)),
              "statsmodels' interaction coefficient and standard error equal the hand computation")

# %% [markdown]
# How often does the tempting reading arise, and how often does the interaction test agree with it? Repeat the
# test many times for each segment, at the sizes of this test (vectorised, without the weekly cycle), and count:

# %%
segment_truth, segment_reps = {}, {}
for number, name in enumerate(["New_Visitor", "Returning_Visitor"]):
    part = shop.subset((shop.sessions["VisitorType"] == name).to_numpy())
    segment_truth[name] = part.truth(POLICIES[UNDECIDED]).net_revenue - part.truth(NO_OFFER).net_revenue
    segment_reps[name] = revenue_difference(part.simulate(NO_OFFER, POLICIES[UNDECIDED],
                                                          n_visitors=int(segments.loc[name, "visitors"]),
                                                          n_experiments=N_REPEATS, seed=SEED + 20 + number))
(d_new, se_new), (d_ret, se_ret) = segment_reps["New_Visitor"], segment_reps["Returning_Visitor"]
significant_new, significant_ret = np.abs(d_new / se_new) > 1.96, np.abs(d_ret / se_ret) > 1.96
one_not_other = np.mean(significant_new != significant_ret)
interaction_found = np.mean(np.abs(d_new - d_ret) / np.hypot(se_new, se_ret) > 1.96)
print({name: f"true effect {value:+.3f} €" for name, value in segment_truth.items()})
print(f"one segment significant, the other not: {one_not_other:.1%}; interaction test significant: "
      f"{interaction_found:.1%} (Monte Carlo se at most {0.5 / np.sqrt(N_REPEATS):.1%})")

# %% [markdown]
# In many repetitions one segment is significant and the other is not, yet the interaction test rarely finds a
# difference, and the segment that more often "fails" is the new visitors, whose true effect is the *larger*
# one: they are simply fewer. Read segments with care: a segment that looks different after slicing the data is
# a hypothesis for the next test, not a result.

# %%
helpers.claim(segment_truth["New_Visitor"] > segment_truth["Returning_Visitor"],
              "new visitors' true effect is larger than returning visitors'")
helpers.claim(bool(one_not_other > interaction_found + 0.15),
              "'one significant, the other not' is far more frequent than a significant interaction")
helpers.claim(bool(significant_ret.mean() > significant_new.mean()),
              "the returning visitors' effect is significant more often than the new visitors'")

# %% [markdown]
# ## The surprise: the best predictor is not the best policy
#
# The prototype is best at finding likely buyers. So why not offer the discount to them? Ask the shop for the
# truth of every policy, and run the same A/B test (same size, vectorised) for each treatment against no offer:

# %%
rows = {}
for number, name in enumerate(list(POLICIES)[1:]):
    one = shop.simulate(NO_OFFER, POLICIES[name], n_visitors=2 * N_PER_ARM, n_experiments=1,
                        seed=SEED + 10 + number)
    (estimate,), (se_one,) = revenue_difference(one)
    rows[name] = {"offered": plain[name].offered_share,
                  "true conversion lift": plain[name].conversion_rate - plain["no offer"].conversion_rate,
                  "true revenue effect": plain[name].net_revenue - plain["no offer"].net_revenue,
                  "estimate": estimate, "low": estimate - 1.96 * se_one, "high": estimate + 1.96 * se_one}
policies = pd.DataFrame(rows).T
policies.round(3)

# %%
ax = helpers.plotting.effect_estimates(policies, estimate="estimate", low="low", high="high",
                                       truth="true revenue effect", unit="net revenue per session (€)",
                                       title="Each policy against no offer: A/B estimate and truth")
helpers.claim(bool((policies["true conversion lift"] > 0).all()), "every offer policy raises conversion")
helpers.claim(bool(policies.loc["likely buyers (score >= 0.5)", "true revenue effect"] < 0
                   < policies.loc[UNDECIDED, "true revenue effect"]),
              "the likely-buyer policy loses net revenue, the undecided policy earns it")

# %% [markdown]
# Offering the discount to the likely buyers raises conversion, yet it **loses** money. Why? Take one visitor
# who buys with probability p₀ without the offer and p₁ with it, and an order value V. Without the offer the
# shop expects p₀ · V · m (m the margin); with it, p₁ · V · (m − d) (d the discount). The offer pays only when
#
# **p₁ > m / (m − d) · p₀**, here p₁ > 1.5 · p₀: the offer must raise the purchase probability by half.
#
# Two consequences, of different kinds:
#
# - **General economics.** Since p₁ can never exceed 1, a visitor with p₀ > (m − d) / m (here two thirds) can
#   never pay back the discount, whatever the offer does. That upper cut-off follows from the margin and the
#   discount alone. Equivalently, p₀ / p₁ is the share of the discounted orders that would have happened anyway,
#   and the offer pays only when it stays below (m − d) / m: the guardrail limit of two thirds.
# - **The assumed uplift curve.** Which visitors below that cut-off pay, and whether visitors with little
#   intent do, depends on how much the offer persuades, the shop's assumption 3. Under it the ratio p₁ / p₀ is:

# %%
margin, discount = shop.margin, shop.discount
p0 = np.linspace(0.001, 0.999, 999)
p1 = 1 / (1 + np.exp(-(np.log(p0 / (1 - p0)) + shop.max_uplift * 4 * p0 * (1 - p0))))  # assumption 3
break_even, ceiling = margin / (margin - discount), (margin - discount) / margin
pays = p1 > break_even * p0
low_cut, high_cut = p0[pays].min(), p0[pays].max()
ax = helpers.plotting.lines(p0, {"p₁ / p₀ under the assumed uplift": p1 / p0},
                            hlines={"break-even m / (m − d)": break_even},
                            vlines={"no uplift can pay above (m − d) / m": ceiling},
                            xlabel="purchase probability without the offer, p₀", ylabel="p₁ / p₀",
                            title="Where the offer pays")
print(f"the offer pays for {low_cut:.3f} <= p0 <= {high_cut:.3f}; no uplift can pay above {ceiling:.3f}")

# %% [markdown]
# Under the assumed curve the offer pays only in a band of middling probabilities: above it, too many would
# have bought anyway (and above two thirds, nothing could help); below it, the offer persuades too few to
# cover the discount.

# %%
helpers.claim(bool(np.isclose(break_even, 1.5) and np.isclose(ceiling, 2 / 3)),
              "with a 30 % margin and a 10 % discount the break-even factor is 1.5 and the ceiling two thirds")
helpers.claim(bool(high_cut < ceiling), "the band where the offer pays ends below the general ceiling (m - d)/m")
helpers.claim(bool(low_cut > 0.01), "under the assumed uplift curve, visitors with little intent do not pay")

# %% [markdown]
# How close does the prototype's score get? Compare the undecided policy with the same cut-offs applied to the
# *true* probability (which no real shop knows), and with the best policy possible, which offers exactly where
# the offer pays (it needs the true uplift too):

# %%
true_p = shop.base_probability
with_offer = shop.purchase_probability(np.ones(len(true_p), bool))
oracles = {UNDECIDED: POLICIES[UNDECIDED],
           "undecided by the true probability": lambda features: (true_p >= 0.1) & (true_p < 0.5),
           "offer exactly where it pays": lambda features: with_offer * (margin - discount) > true_p * margin}
oracle_effect = pd.Series({name: shop.truth(policy).net_revenue - plain["no offer"].net_revenue
                           for name, policy in oracles.items()}, name="true revenue effect (€)")
oracle_effect.round(3)

# %%
helpers.claim(bool(oracle_effect.iloc[0] < oracle_effect.iloc[1] <= oracle_effect.iloc[2]),
              "the score-based policy earns less than the same cut-offs on the truth, which earn at most the best")

# %% [markdown]
# The score-based policy earns clearly less than the oracles: the prototype predicts purchases well, but it is
# not the truth. (With a truth built from the prototype's own kind of model, the gap would shrink, and the
# policies would look better than any real shop could make them.)
#
# What can tell a shop which visitors the offer persuades? Not ROC AUC: it measures how well the score ranks
# buyers, and the likely-buyer policy uses exactly that ranking. The upper cut-off is pure arithmetic and can be
# written down before any test. But the rest of the answer rests on the **uplift curve**, the offer's effect on
# each kind of visitor, which the simulated shop assumes and a real shop does not know. The test set holds no
# visitor who saw an offer, so it cannot measure it; a randomised experiment can.
#
# There is a second trap. Once the policy runs, the sessions the next model is trained on were shaped by the
# offers the current model chose: the training data is no longer a record of how visitors behave without an
# offer. This hidden feedback loop (Sculley et al., 2015) can make a model look better and better while the
# shop learns less and less; keeping a small random hold-out without the policy is the usual remedy.
#
# ## Peeking
#
# The test above was analysed once, at the end. In practice people look at the dashboard every day and stop when
# it turns significant. Simulate A/A tests (no true difference) checked at several equally spaced looks, and
# count how often any look shows p < 0.05:

# %%
LOOKS = [1, 2, 3, 5, 10, 20]
designs = {"naive: 1.96 at every look": lambda k: None,
           "Pocock": lambda k: helpers.abtest.sequential_bounds(k, kind="pocock"),
           "O'Brien-Fleming": lambda k: helpers.abtest.sequential_bounds(k, kind="obrien-fleming")}
curves = {name: list(zip(*[helpers.abtest.peeking_false_positive_rate(k, 5_000, 0.15, N_REPEATS, SEED + k,
                                                                       bounds=make(k)) for k in LOOKS],
                         strict=True)) for name, make in designs.items()}
ax = helpers.plotting.peeking_curve(LOOKS, curves, title="False positives of A/A tests checked repeatedly")
naive_rate, naive_se = curves["naive: 1.96 at every look"][0][-1], curves["naive: 1.96 at every look"][1][-1]
print(f"naive, {LOOKS[-1]} looks: {naive_rate:.1%} ± {naive_se:.1%}")

# %% [markdown]
# With naive peeking the false-positive rate climbs with every extra look, far above the 5 % that each single
# look promises. A **group-sequential design** raises the bar at each look so that the overall rate stays at 5 %:
# Pocock's bar is the same at every look, O'Brien and Fleming's is very high early and close to 1.96 at the end.

# %%
helpers.claim(bool(naive_rate > 0.05 + 4 * naive_se), "naive peeking at 20 looks inflates false positives")
sequential_rates = np.array(curves["Pocock"][0] + curves["O'Brien-Fleming"][0])
helpers.claim(bool((np.abs(sequential_rates - 0.05) < 4 * np.sqrt(0.05 * 0.95 / N_REPEATS)).all()),
              "both sequential designs keep the false-positive rate within 4 Monte Carlo se of 5 %")

# %% [markdown]
# Their boundaries for five looks:

# %%
pd.DataFrame({kind: helpers.abtest.sequential_bounds(5, kind=kind) for kind in ["pocock", "obrien-fleming"]},
             index=pd.Index(range(1, 6), name="look")).round(3).T

# %% [markdown]
# What does stopping early buy, and what does it cost? For the conversion design (15 % → 17 %, the sample size
# from above), simulate many experiments in which the effect is real, with one analysis at the end or with five
# looks, and record for each when it stopped, whether it detected the effect, and its estimate when it stopped
# (`helpers.abtest.sequential_runs`). One analysis at the end is the same simulation with bars that no look
# before the last can cross (infinite), so all three designs see the very same data. The **expected sample
# size** is the mean number of visitors used; the **bias** is the mean estimate minus the true difference.

# %%
n_conv = helpers.abtest.sample_size_per_arm(0.15, 0.02)
designs_5 = {"one analysis at the end": [np.inf] * 4 + [norm.ppf(0.975)],
             "Pocock, 5 looks": helpers.abtest.sequential_bounds(5, kind="pocock"),
             "O'Brien-Fleming, 5 looks": helpers.abtest.sequential_bounds(5)}
N_RUNS = 10 * N_REPEATS  # cheap: only counts are simulated, and the bias is small
rows = {}
for name, bounds in designs_5.items():
    runs = helpers.abtest.sequential_runs(5, n_conv, 0.15, 0.17, N_RUNS, SEED, bounds=bounds)
    early = runs.stop_look < 5
    rows[name] = {"power": runs.rejected.mean(), "expected visitors per arm": runs.n_per_arm.mean(),
                  "± se": runs.n_per_arm.std() / np.sqrt(N_RUNS), "bias": runs.estimate.mean() - 0.02,
                  "bias ± se": runs.estimate.std() / np.sqrt(N_RUNS),
                  "mean estimate when stopped early": runs.estimate[early].mean() if early.any() else np.nan}
sequential = pd.DataFrame(rows).T
sequential.round(4)

# %% [markdown]
# Read the table by column. **Power:** with the same maximum number of visitors, Pocock's design detects the
# effect less often than one analysis at the end; O'Brien-Fleming's loses much less (too little to show at this
# number of simulations), because its early bars are so high. **Expected
# visitors:** in exchange, when the effect is real, both sequential designs stop well before the maximum on
# average. **Bias:** a test that stops early stops *because* its estimate happened to be large, so the estimates
# of early stoppers overshoot the truth, and the design's estimate is biased upwards on average; one analysis at
# the end is unbiased. Report a sequential test's effect with that in mind (Jennison and Turnbull, 2000, chapter
# 8, give adjusted estimates).

# %%
fixed, obf = sequential.loc["one analysis at the end"], sequential.loc["O'Brien-Fleming, 5 looks"]
helpers.claim(bool((sequential.iloc[1:]["expected visitors per arm"] < 0.9 * n_conv).all()),
              "both sequential designs use under 90 % of the maximum visitors on average when the effect is real")
helpers.claim(bool((sequential.iloc[1:]["bias"] > 3 * sequential.iloc[1:]["bias ± se"]).all()),
              "both sequential designs overestimate the effect on average")
helpers.claim(bool(abs(fixed["bias"]) < 4 * fixed["bias ± se"]), "one analysis at the end is unbiased")
helpers.claim(bool((sequential.iloc[1:]["mean estimate when stopped early"] > 0.02 * 1.2).all()),
              "tests that stop early overshoot the true difference by more than 20 % on average")
helpers.claim(bool(sequential.loc["Pocock, 5 looks", "power"] < min(obf["power"], fixed["power"])),
              "Pocock's design has less power than one analysis at the end and than O'Brien-Fleming's")

# %% [markdown]
# The explorer below reruns the A/A simulation for any number of looks and design (with a running kernel; the
# figure above shows the same function).

# %% tags=["nbval-ignore-output"]
helpers.widgets.peeking_explorer()

# %% [markdown]
# ## Exercises
#
# ### Exercise 3.1
#
# The checkout team wants to detect a rise of conversion from 15 % to 16 % (two-sided, alpha 0.05, power 80 %).
# How many visitors per arm do they need? Use the formula or `helpers.abtest.sample_size_per_arm`.

# %%
answer_3_1 = ...
helpers.exercises.ch03.q1.check(answer_3_1)

# %%
# helpers.exercises.ch03.q1.hint()
# helpers.exercises.ch03.q1.solution()

# %% [markdown]
# ### Exercise 3.2
#
# A 50/50 experiment logged 50,600 visitors in control and 49,400 in treatment. What is the sample-ratio
# mismatch p-value?

# %%
answer_3_2 = ...
helpers.exercises.ch03.q2.check(answer_3_2)

# %%
# helpers.exercises.ch03.q2.hint()
# helpers.exercises.ch03.q2.solution()

# %% [markdown]
# ### Exercise 3.3
#
# Five segments gave the p-values 0.004, 0.011, 0.02, 0.04 and 0.3. How many remain significant at 5 % after
# Holm's correction?

# %%
answer_3_3 = ...
helpers.exercises.ch03.q3.check(answer_3_3)

# %%
# helpers.exercises.ch03.q3.hint()
# helpers.exercises.ch03.q3.solution()

# %% [markdown]
# ### Exercise 3.4
#
# Another shop keeps a 40 % margin and would offer 15 % off. Above which purchase probability without the offer
# can the offer never pay, whatever it does to the visitor?

# %%
answer_3_4 = ...
helpers.exercises.ch03.q4.check(answer_3_4)

# %%
# helpers.exercises.ch03.q4.hint()
# helpers.exercises.ch03.q4.solution()

# %% [markdown]
# ## Key points
#
# - Offline metrics measure prediction; the effect of an action needs a randomised experiment.
# - Write down the hypothesis, the OEC and the guardrails before the test; randomise by visitor with a salted
#   hash; check the set-up with an A/A test.
# - Run A/A tests through the whole path (assignment, log, analysis), for every metric you will decide on.
# - Visitors needed grow with a metric's squared coefficient of variation: at the same relative change, revenue
#   needs about twice the visitors of conversion here. Size the test for the OEC, and run whole weeks.
# - Choose guardrails the treatment can harm, with limits fixed in advance, and compute their verdicts.
# - Check the sample ratio first (alarm at p < 0.0005): a failed check means the data cannot be trusted, and a
#   surprisingly good result is a reason to look for a bug (Twyman's law).
# - Report intervals, absolute and relative; correct for many segments; test a difference between segments with
#   the interaction test, never by comparing their significance.
# - A discount pays only where it raises the purchase probability by the factor m / (m − d): never for visitors
#   who buy anyway. Which visitors it persuades, the uplift, only an experiment can measure.
# - Peeking inflates false positives; a group-sequential design keeps them at 5 %, stops early on average when
#   the effect is real, and overestimates the effect when it does.
#
# ## Further reading
#
# - R. Kohavi, D. Tang and Y. Xu, *Trustworthy Online Controlled Experiments: A Practical Guide to A/B Testing*,
#   Cambridge University Press, 2020.
# - A. Fabijan, J. Gupchup, S. Gupta, J. Omhover, W. Qin, L. Vermeer and P. Dmitriev, "Diagnosing Sample Ratio
#   Mismatch in Online Controlled Experiments: A Taxonomy and Rules of Thumb for Practitioners", *Proceedings of
#   the 25th ACM SIGKDD International Conference on Knowledge Discovery & Data Mining*, 2156–2164, 2019,
#   doi:10.1145/3292500.3330722.
# - A. Gelman and H. Stern, "The Difference Between 'Significant' and 'Not Significant' is not Itself
#   Statistically Significant", *The American Statistician* 60(4), 328–331, 2006.
# - S. J. Pocock, "Group sequential methods in the design and analysis of clinical trials", *Biometrika* 64(2),
#   191–199, 1977.
# - P. C. O'Brien and T. R. Fleming, "A multiple testing procedure for clinical trials", *Biometrics* 35(3),
#   549–556, 1979.
# - C. Jennison and B. W. Turnbull, *Group Sequential Methods with Applications to Clinical Trials*, Chapman &
#   Hall/CRC, 2000.
# - S. Holm, "A simple sequentially rejective multiple test procedure", *Scandinavian Journal of Statistics*
#   6(2), 65–70, 1979.
# - D. Sculley et al., "Hidden Technical Debt in Machine Learning Systems", *Advances in Neural Information
#   Processing Systems* 28, 2015.
#
# ## What's next
#
# An A/B test spends half of its traffic on the worse variant until the end. With several offer variants that
# cost grows. Chapter 04 lets the experiment shift traffic to the winners while it runs: bandit algorithms.
