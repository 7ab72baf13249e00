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
# | chapters 01–02; confidence intervals and p-values | 100 min reading, 40 min exercises | about 10 s on 2 cores (longer on a busy machine) |

# %%
import os
import subprocess
import sys

if "google.colab" in sys.modules or "KAGGLE_KERNEL_RUN_TYPE" in os.environ:  # a chapter opened alone there:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet",  # install the workbook's package
                           "prototype-to-production @ git+https://github.com/OWNER/REPOSITORY@v0.2.0"])
import helpers

helpers.setup_notebook()

# %% tags=["parameters"]
SEED = 0                    # seeds every simulated experiment
FAST = False                # True: fewer simulated repetitions
N_REPEATS = 1_000           # simulated experiments for coverage, segments and peeking (se ≤ 1.6 points)
N_AA = 300                  # A/A tests run through assignment, event log and analysis
VISITORS_PER_DAY = 10_000   # the shop's eligible traffic on an average day

# %%
if FAST:
    N_REPEATS, N_AA = 400, 250

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
#    Sundays the visitors are the sessions flagged `Weekend` in the data; and each weekday adds its own amount
#    to every visitor's log-odds of buying: weekend visitors are more inclined to buy, Thursday's and Friday's
#    slightly less. The numbers are in `helpers.simulate.WEEKLY_TRAFFIC` and `WEEKLY_LOG_ODDS`.
#
# Because these are *all* the assumptions, the shop can compute the **true** effect of any targeting policy
# exactly, by averaging over its session population. Every estimate below is compared with a truth, of one of
# two kinds, and every printed truth says which:
#
# - the **weekly truth**: the effect over whole weeks with the weekly rhythm of assumption 6, each weekday
#   weighted by its traffic. The chapter's main test runs whole weeks, so it estimates this one.
# - the **no-weekday truth**: the effect in the same shop without the weekly rhythm, every visitor drawn from
#   all sessions alike. The fast repetitions further down simulate no weekdays, so they estimate this one.
#
# The two differ, because the offer's effect differs by weekday; the chapter shows by how much.

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
#   before the test. Here: the **discount cost** per session stays within the marketing budget of 0.75 €. A
#   real shop would guard more: returns (discounted orders may come back more often), repeat purchases
#   (visitors may learn to wait for a discount), the page's latency (if the offer needs an extra call). The
#   simulated shop models none of these, so this chapter checks only the budget and does not pretend to check
#   the rest. Costs that come with every order, such as packing and shipping, are no guardrail either: where
#   they matter, subtract them in the OEC (the simulated shop's margin is assumed to cover them).
# - **Triggered analysis:** the offer can change the behaviour only of the visitors the policy targets.
#   Analysing those alone, in both arms, removes the noise of the untouched majority (Kohavi, Tang and Xu,
#   2020, chapter 20). The policy is a function of a session's features, so the targeted visitors are known in
#   the control too.
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
# skew, and the coverage check below confirms it). Welch's test treats each row of the log as an independent
# observation, which is right here because each visitor, the unit of randomisation, has one session. Where
# visitors come back, revenue per session is a ratio of two sums per visitor, and its standard error needs the
# delta method (Deng, Knoblich and Lu, 2018), shown in chapter 05.

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
# the event log with the shop's weekly rhythm over one whole week, and `analyse`. The p-values of a sound set-up
# are then uniformly distributed, and about 5 % fall below 0.05, for conversion and for revenue alike. A bug in
# assignment, logging or analysis shows up here, before it costs a real decision. Each A/A test gets 500
# visitors a day, to keep many of them quick.
#
# How many A/A tests? Enough that a broken set-up cannot hide in the Monte Carlo error: with N tests, the share
# below 0.05 has standard error √(0.05 · 0.95 / N), and `N_AA` is chosen so that a band of 3.5 standard errors
# around 5 % stays clear of 10 %; the cell prints the smallest N that does, and `N_AA` leaves a margin above it.
# The cell takes a few seconds; run in Jupyter, it shows a progress bar.

# %%
from scipy.stats import binom, kstest

AA_PER_DAY = 500
aa = [analyse(shop.event_log(NO_OFFER, NO_OFFER, n_visitors=7 * AA_PER_DAY, experiment=f"aa-{number}",
                             seed=10_000 * (SEED + 1) + number, visitors_per_day=AA_PER_DAY, weekly=True))
      for number in helpers.progress(range(N_AA), description="A/A tests")]
aa_p = pd.DataFrame({"conversion": [r["conversion"].p_value for r in aa],
                     "net revenue": [r["revenue"].pvalue for r in aa], "sample ratio": [r["srm"] for r in aa]})
aa_se = np.sqrt(0.05 * 0.95 / N_AA)
uniformity = {name: kstest(aa_p[name], "uniform").pvalue for name in aa_p}
print(f"share of {N_AA} A/A tests with p < 0.05 (Monte Carlo standard error {aa_se:.2%} around 5 %, so 3.5 "
      f"standard errors reach {0.05 + 3.5 * aa_se:.1%}; the band stays below 10 % from "
      f"{int(np.ceil(0.05 * 0.95 * (3.5 / 0.05) ** 2))} tests on):")
print((aa_p < 0.05).mean().map("{:.1%}".format).to_dict())
print("Kolmogorov-Smirnov test of uniform p-values, its p-value:",
      {name: round(float(value), 3) for name, value in uniformity.items()})
caught = binom.sf(np.floor((0.05 + 3.5 * aa_se) * N_AA), N_AA, 0.10)
print(f"a set-up whose false-positive rate is 10 % would leave the band in {caught:.0%} of such runs")
ax = helpers.plotting.pvalue_histogram(aa_p["net revenue"], title="A/A tests of net revenue: p-values")

# %% [markdown]
# *Figure: a histogram of the net-revenue p-values of the A/A tests, spread evenly over 0 to 1.*

# %% [markdown]
# The figure shows the p-values of net revenue spread over 0 to 1. The eye is a poor judge of "evenly", so the
# Kolmogorov–Smirnov test (`scipy.stats.kstest`) compares each metric's p-values with the uniform distribution:
# none of its p-values is small. And for every metric the share below 0.05 lies within 3.5 Monte Carlo standard
# errors of 5 %, a band whose upper end stays below 10 %. That does not make a false-positive rate of 10 %
# certain to be caught: at this size such a set-up leaves the band only in the share of runs printed above. The
# Kolmogorov–Smirnov test adds power, since it uses every p-value, not only the share below 0.05:

# %%
helpers.claim(bool(min(uniformity.values()) > 0.001),
              "the Kolmogorov-Smirnov test finds no departure from uniform p-values (p > 0.001) for any metric")
helpers.claim(bool((np.abs((aa_p < 0.05).mean() - 0.05) < 3.5 * aa_se).all()),
              "every A/A share of p < 0.05 lies within 3.5 Monte Carlo standard errors of 5 %")
helpers.claim(bool(0.05 + 3.5 * aa_se < 0.10), "the 3.5-standard-error band around 5 % stays below 10 %")

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
# `power.prop.test` agrees too). Do not let the name mislead you: "onetail" does not mean a one-sided test. It
# sizes the two-sided test by default (`alternative="two-sided"`) and only leaves out the far tail of the
# power, the chance of a significant result in the wrong direction, which is negligible here:

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
sizing.rename(index={"purchased": "conversion", "net_revenue": "net revenue (€)"}).round(3)

# %% [markdown]
# In this shop, at the same relative change, net revenue needs about twice as many visitors as conversion: the
# ratio of their squared coefficients of variation. (The approximate CV formula and the exact z-test formula
# agree closely for conversion.)
#
# Where does the factor come from? Revenue per session is B · V, a purchase B (probability p) times an order
# value V whose own squared CV is c. Its mean is p·μ and its mean square p·μ²·(1 + c), so its CV² is
# (1 + c − p) / p, and the ratio to conversion's (1 − p) / p is
#
# **(1 + c − p) / (1 − p)**.
#
# The 2× is therefore not a law: it follows from the shop's assumed order values (assumption 4: log-normal
# with shape σ, for which c = exp(σ²) − 1). The formula with the measured p agrees with the measured factor,
# and heavier-tailed order values, as real shops often have, make it several times larger:

# %%
p_buy = sizing.loc["purchased", "mean"]
sigmas = pd.Index([shop.order_sigma, 1.0, 1.25, 1.5], name="order-value shape σ (the first is the shop's)")
factor_by_sigma = pd.Series((np.exp(sigmas.to_numpy() ** 2) - p_buy) / (1 - p_buy), index=sigmas,
                            name="revenue visitors / conversion visitors")
print(f"measured factor {revenue_factor:.2f}, formula {factor_by_sigma.iloc[0]:.2f}")
factor_by_sigma.round(1)

# %% [markdown]
# Revenue is the harder metric here, and the test is sized for it because it is the OEC. With heavy tails,
# capping each visitor's revenue at a threshold fixed in advance shrinks the variance, at the price of a bias
# (chapter 05).

# %%
helpers.claim(bool(1.5 < revenue_factor < 2.5), "in this shop, at the same relative change revenue needs about "
              "twice the visitors of conversion")
helpers.claim(bool(abs(exact / sizing.loc["purchased", "visitors per arm"] - 1) < 0.05),
              "the CV approximation and the exact formula agree within 5 % for conversion")
helpers.claim(bool(abs(revenue_factor / factor_by_sigma.iloc[0] - 1) < 0.15),
              "the measured factor agrees with (1 + c - p) / (1 - p) within 15 %")
helpers.claim(bool(factor_by_sigma.iloc[-1] > 3 * factor_by_sigma.iloc[0]),
              "heavier-tailed order values make the factor several times larger")

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
# beside it lets you move the sliders (it needs a running kernel) and rounds the duration up to whole weeks.
# Both size the conversion rate only: for a revenue OEC, size with its own standard deviation, as above.

# %%
BASELINES, LIFTS = [0.05, 0.15, 0.30], [0.5, 1, 2, 3, 5]
ax = helpers.plotting.sample_size_curves(BASELINES, LIFTS)
sizes = pd.DataFrame({f"baseline {b:.0%}": {f"+{lift} points": helpers.abtest.sample_size_per_arm(b, lift / 100)
                                            for lift in LIFTS} for b in BASELINES}).rename_axis("visitors per arm")
helpers.claim(bool((sizes.diff(axis=1).iloc[:, 1:] > 0).all().all()),
              "a higher baseline needs more visitors, at every lift")
helpers.claim(bool((sizes.iloc[0] / sizes.iloc[1]).between(3.5, 4.5).all()),
              "halving the lift from 1 to 0.5 points about quadruples the visitors")
sizes

# %% [markdown]
# *Figure: visitors per arm against the lift to detect, on a log scale, for baselines of 5 %, 15 % and 30 %;
# the table gives the same numbers: halving the lift roughly quadruples the visitors, and a higher baseline
# needs more.*

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
# interval also accounts for the uncertainty of the control's rate. The test ran whole weeks, so its truth is
# the weekly truth:

# %%
conversion = result["conversion"]
truth_control = shop.truth_over_days(NO_OFFER, days=DAYS)
truth_treatment = shop.truth_over_days(POLICIES[UNDECIDED], days=DAYS)
true_lift = truth_treatment.conversion_rate - truth_control.conversion_rate
print(f"difference {conversion.difference:+.4f}, 95 % CI {conversion.difference_ci[0]:+.4f} to "
      f"{conversion.difference_ci[1]:+.4f}, p = {conversion.p_value:.1e}   (weekly truth {true_lift:+.4f})")
print(f"relative lift {conversion.relative_lift:+.1%}, 95 % CI {conversion.relative_lift_ci[0]:+.1%} to "
      f"{conversion.relative_lift_ci[1]:+.1%}   (weekly truth {true_lift / truth_control.conversion_rate:+.1%})")

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
      f"p = {result['revenue'].pvalue:.1e}   (weekly truth {true_revenue:+.3f} €)")
side = "covers" if low <= true_revenue <= high else ("lies above" if low > true_revenue else "lies below")
print(f"the interval {side} the weekly truth; it {'excludes' if low > 0 or high < 0 else 'includes'} zero")

# %% [markdown]
# Compare each interval with the truth printed beside it; the last line says whether the revenue interval
# covers it, and if not, on which side it misses. A 95 % interval misses the truth in one experiment out of
# twenty. A miss from above in a test that came out significant deserves a second thought: among tests of
# modest power, those that reach significance tend to be the ones that overestimated the effect, the
# **winner's curse**. The coverage check further down counts both, over many repetitions.
#
# **The effect, day by day.** The same Welch difference, computed for each day of the test separately, against
# the shop's true effect on that weekday (day 1 is a Monday; weekends are shaded):

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
                                    ylabel="net revenue per session (€)", long_run=true_revenue,
                                    weekend=day_effect.index[(day_effect.index - 1) % 7 >= 5])
print("true effect by weekday (€):", pd.Series(weekday_truth, index=helpers.simulate.WEEKDAYS).round(3).to_dict())

# %% [markdown]
# *Figure: each day's estimated effect of the offer with its 95 % interval, beside that weekday's true effect
# (printed above) and the long-run truth, weekends marked.*

# %% [markdown]
# One day's estimate is too noisy to read alone (the wide intervals), but the truth shows the pattern: the offer
# earns more at weekends, when visitors are more inclined to buy. What does a test that stops before the week
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
                            hlines={"weekly truth (whole weeks)": true_revenue}, xlabel="day the test stops",
                            ylabel="net revenue per session (€)", title="Stopping mid-week biases the estimate")
print(f"stopped after the first Friday: {expected_at_stop[4]:+.3f} €, after whole weeks (weekly truth): "
      f"{true_revenue:+.3f} €")

# %% [markdown]
# *Figure: the expected estimate of a test stopped on each day, rising and falling with the week and meeting the
# weekly truth at the end of every whole week.*

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
# **The guardrail.** The discount cost per session gets an estimate and a 95 % interval, from the treatment's
# rows of the same log. It *holds* when even the worse end of its interval stays within the budget, and *trips*
# when the estimate itself is beyond it.

# %%
FEATURES = helpers.data.FEATURES
BUDGET = 0.75  # € of discount per session, fixed before the test


def budget_guardrail(log):
    """The treatment's discount cost per session: estimate, worse end of its 95 % interval, and verdict."""
    cost = (log["order_value"] * shop.discount * log["offered"])[log["variant"] == "treatment"]
    worse = cost.mean() + norm.ppf(0.975) * cost.std() / np.sqrt(len(cost))
    verdict = "holds" if worse <= BUDGET else ("TRIPS" if cost.mean() > BUDGET else "unclear")
    return {"discount cost per session (€)": round(float(cost.mean()), 3), "worse end (€)": round(float(worse), 3),
            "budget (€)": BUDGET, "verdict": verdict}


guardrail = budget_guardrail(log)
print(guardrail)
helpers.claim(guardrail["verdict"] == "holds", "the undecided test stays within the discount budget")

# %% [markdown]
# It holds, with its whole interval inside the budget. A guardrail that cannot fail protects nothing, so watch
# it trip: the marketing team proposes a one-week pilot that shows the offer to the *likely buyers*. The same
# log, the same check:

# %%
LIKELY = "likely buyers (score >= 0.5)"
pilot = shop.event_log(NO_OFFER, POLICIES[LIKELY], n_visitors=7 * VISITORS_PER_DAY,
                       experiment="likely-buyers-pilot", seed=SEED + 3, visitors_per_day=VISITORS_PER_DAY,
                       weekly=True)
pilot_guardrail = budget_guardrail(pilot)
print(pilot_guardrail)
helpers.claim(pilot_guardrail["verdict"] == "TRIPS", "the likely-buyer pilot's discount cost trips the budget")

# %% [markdown]
# **The triggered analysis.** Now the OEC among the targeted visitors only, in both arms: the effect per
# targeted visitor, and the same diluted to all visitors (times the targeted share), comparable with the
# estimate over everyone. The last row is the share of the treatment's targeted orders that would have happened
# anyway, estimated by the control's conversion divided by the treatment's.

# %%
def triggered(log, policy):
    """The OEC among the visitors a policy targets, in both arms, and the share of the treatment's orders
    there that would have happened anyway (the control's conversion over the treatment's)."""
    part = log[policy(shop.sessions[FEATURES])[log["session"]]]
    treated, control = (part[part["variant"] == arm] for arm in ("treatment", "control"))
    effect = treated["net_revenue"].mean() - control["net_revenue"].mean()
    se = np.sqrt(treated["net_revenue"].var() / len(treated) + control["net_revenue"].var() / len(control))
    share = len(part) / len(log)
    return {"targeted share": share, "effect per targeted visitor (€)": effect, "its se (€)": se,
            "diluted to all visitors (€)": share * effect, "diluted se (€)": share * se,
            "orders that happen anyway": control["purchased"].mean() / treated["purchased"].mean()}


overall_se = estimate / result["revenue"].statistic
readout = pd.DataFrame({"undecided test": triggered(log, POLICIES[UNDECIDED]),
                        "likely-buyer pilot": triggered(pilot, POLICIES[LIKELY])})
print(f"undecided test over all visitors: {estimate:+.3f} € (se {overall_se:.3f} €)")
readout.round(3)

# %% [markdown]
# The diluted triggered estimate and the estimate over everyone measure the same effect and differ by no more
# than chance allows, but the triggered one has a much smaller standard error: the untouched visitors add only
# noise. The last row looks like a guardrail but is not one. Order values do not depend on the offer, so among
# the targeted visitors the OEC's effect is proportional to p₁(m − d) − p₀m (p₀ and p₁ their purchase
# probabilities without and with the offer, m the margin, d the discount; "The surprise" derives it). It is
# positive exactly when p₀ / p₁ < (m − d) / m, two thirds here: the share of orders that happen anyway is the
# triggered OEC in words a marketing team reads easily. For the pilot both say that the offer loses money on
# the visitors it targets.

# %%
ceiling_share = (shop.margin - shop.discount) / shop.margin
helpers.claim(bool(readout.loc["diluted se (€)", "undecided test"] < overall_se
                   and abs(readout.loc["diluted to all visitors (€)", "undecided test"] - estimate) < 3 * overall_se),
              "the triggered analysis agrees with the analysis of all visitors, with a smaller standard error")
helpers.claim(bool(((readout.loc["effect per targeted visitor (€)"] > 0)
                    == (readout.loc["orders that happen anyway"] < ceiling_share)).all()
                   and readout.loc["effect per targeted visitor (€)", "likely-buyer pilot"] < 0),
              "in both tests the triggered effect is positive exactly when under two thirds of the orders "
              "happen anyway, and the pilot's is negative")

# %% [markdown]
# **Do the intervals deserve their 95 %?** One experiment cannot say. Repeat the experiment many times in the
# simulated shop and count how often each interval covers the true effect. The repetitions use the shop's
# vectorised simulation, which has no weekly cycle (visitors drawn from all sessions alike), so their truth is
# the no-weekday truth, a smaller effect than the weekly truth, since the offer earns most at weekends. The
# simulation returns each arm's visitors, conversions, and sum and sum of squares of revenue; the difference of
# the revenue means and its Welch standard error follow in a few lines:

# %%
def revenue_difference(arms):
    """Difference of mean revenue per visitor (B - A) and its Welch standard error, per experiment."""
    mean_a, mean_b = arms.revenue_a / arms.n_a, arms.revenue_b / arms.n_b
    var_a = (arms.revenue_sq_a - arms.n_a * mean_a**2) / (arms.n_a - 1)
    var_b = (arms.revenue_sq_b - arms.n_b * mean_b**2) / (arms.n_b - 1)
    return mean_b - mean_a, np.sqrt(var_a / arms.n_a + var_b / arms.n_b)


reps = shop.simulate(NO_OFFER, POLICIES[UNDECIDED], n_visitors=2 * N_PER_ARM, n_experiments=N_REPEATS,
                     seed=SEED + 2)
no_weekday = {name: shop.truth(POLICIES[name]) for name in POLICIES}
no_weekday_lift = no_weekday[UNDECIDED].conversion_rate - no_weekday["no offer"].conversion_rate
no_weekday_revenue = no_weekday[UNDECIDED].net_revenue - no_weekday["no offer"].net_revenue
rate_a, rate_b = reps.conversions_a / reps.n_a, reps.conversions_b / reps.n_b
half = 1.96 * np.sqrt(rate_a * (1 - rate_a) / reps.n_a + rate_b * (1 - rate_b) / reps.n_b)
diff, se = revenue_difference(reps)
coverage = pd.Series({"conversion difference": np.mean(np.abs(rate_b - rate_a - no_weekday_lift) <= half),
                      "revenue difference (Welch)": np.mean(np.abs(diff - no_weekday_revenue) <= 1.96 * se)})
coverage_se = np.sqrt(0.95 * 0.05 / N_REPEATS)
print(coverage.map("{:.1%}".format).to_dict(), f"Monte Carlo standard error {coverage_se:.1%}; distance from 95 % "
      f"in standard errors: {((coverage - 0.95) / coverage_se).round(1).to_dict()}")

# %% [markdown]
# Both cover the truth about 95 % of the time, within the simulation's own error: 3.5 of the printed standard
# errors either way, which at this size is enough to tell a 95 % interval from a 90 % one, not from a 96 % one. (With this many visitors, Welch's t and the normal distribution
# give the same 1.96.) The first hundred revenue intervals:

# %%
helpers.claim(bool((np.abs(coverage - 0.95) < 3.5 * coverage_se).all()),
              "both intervals cover the truth within 3.5 Monte Carlo standard errors of 95 %")
helpers.claim(bool(0.01 < 3.5 * coverage_se < 0.05),
              "3.5 standard errors are under 5 points (a 90 % interval would stand out) and over 1 point")
ax = helpers.plotting.interval_coverage(diff - 1.96 * se, diff + 1.96 * se, no_weekday_revenue,
                                        title="Revenue difference, repeated experiments", unit="€ per session")
print(f"no-weekday truth {no_weekday_revenue:+.3f} €, weekly truth {true_revenue:+.3f} €")
helpers.claim(bool(no_weekday_revenue < true_revenue), "the no-weekday truth is smaller than the weekly truth")

# %% [markdown]
# *Figure: the revenue intervals of the first hundred repeated experiments, each drawn against the no-weekday
# truth; those that miss it are drawn in orange.*

# %% [markdown]
# **Power and the winner's curse.** The same repetitions show how often a test of this size detects the
# no-weekday effect, and what the significant ones estimate on average:

# %%
significant = diff / se > 1.96
power_no_weekday = significant.mean()
exaggeration = diff[significant].mean() / no_weekday_revenue
exaggeration_se = diff[significant].std() / np.sqrt(significant.sum()) / no_weekday_revenue
power_se_no_weekday = np.sqrt(power_no_weekday * (1 - power_no_weekday) / N_REPEATS)
print(f"no-weekday truth {no_weekday_revenue:+.3f} €: power {power_no_weekday:.1%} (± {power_se_no_weekday:.1%}); "
      f"the significant "
      f"estimates average {exaggeration:.2f} times the truth (± {exaggeration_se:.2f})")

# %% [markdown]
# The test was sized for `MDE_REVENUE`, more than the no-weekday effect, so it detects that effect in fewer
# than the eight repetitions out of ten it was sized for, by more than two Monte Carlo standard errors. And the
# repetitions that reach significance overstate the effect on average: the ones that happened to overestimate
# are more likely to cross the bar. Gelman and Carlin (2014) call this a type M (magnitude) error; its size,
# the exaggeration ratio, grows as power falls. Read a significant result of a modestly powered test as an
# estimate that leans high, and prefer the interval to the point.

# %%
helpers.claim(bool(power_no_weekday + 2 * power_se_no_weekday < 0.8),
              "a test of this size detects the no-weekday effect in fewer than 80 % of runs, by over two se")
helpers.claim(bool(exaggeration > 1 + 3 * exaggeration_se),
              "significant estimates overstate the true effect on average (winner's curse)")

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
# (`statsmodels.stats.multitest.multipletests`). Each estimate is compared with the segment's weekly truth.

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
                 "weekly truth": truth, "p": welch.pvalue})
segments = pd.DataFrame(rows).set_index("segment")
segments["p (Holm)"] = multipletests(segments["p"], method="holm")[1]
shown = segments.round(3)
shown[["p", "p (Holm)"]] = segments[["p", "p (Holm)"]].map("{:.1e}".format)  # tiny p-values stay readable
shown

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
      f"(weekly truth {new['weekly truth'] - returning['weekly truth']:+.3f} €)")

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
# test many times for each segment, at the sizes of this test (vectorised, without the weekly cycle, so against
# the no-weekday truth), and count:

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
print({name: f"no-weekday truth {value:+.3f} €" for name, value in segment_truth.items()})
print(f"one segment significant, the other not: {one_not_other:.1%}; interaction test significant: "
      f"{interaction_found:.1%} (Monte Carlo se at most {0.5 / np.sqrt(N_REPEATS):.1%})")
true_gap = segment_truth["New_Visitor"] - segment_truth["Returning_Visitor"]
times_needed = ((norm.ppf(0.975) + norm.ppf(0.8)) * np.mean(np.hypot(se_new, se_ret)) / true_gap) ** 2
print(f"to detect the no-weekday gap of {true_gap:+.3f} € with 80 % power: {times_needed:.0f} times the visitors")

# %% [markdown]
# In many repetitions one segment is significant and the other is not, and the segment that more often "fails"
# is the new visitors, whose true effect is the *larger* one: they are simply fewer. The true effects do differ,
# yet the interaction test finds that difference in only a few percent of repetitions, barely more than the 5 %
# it flags when there is no difference at all. At this size it is badly underpowered: a gap like this one would
# need many times the visitors. So a non-significant interaction is no evidence that the effects are equal; it
# says only that the test cannot tell. Read segments with care: a segment that looks different after slicing
# the data is a hypothesis for the next test, not a result.

# %%
helpers.claim(segment_truth["New_Visitor"] > segment_truth["Returning_Visitor"],
              "new visitors' true effect is larger than returning visitors'")
helpers.claim(bool(one_not_other > interaction_found + 0.15),
              "'one significant, the other not' is far more frequent than a significant interaction")
helpers.claim(bool(significant_ret.mean() > significant_new.mean()),
              "the returning visitors' effect is significant more often than the new visitors'")
helpers.claim(bool(interaction_found < 0.15 and times_needed > 10),
              "the interaction test finds the true difference rarely and would need many times the visitors")

# %% [markdown]
# ## The surprise: the best predictor is not the best policy
#
# The prototype is best at finding likely buyers. So why not offer the discount to them? Ask the shop for the
# no-weekday truth of every policy, and run one A/B test of the test's size for each treatment against no offer.
# The runs use the vectorised simulation, like the repetitions above: no weekly cycle, so each compares with the
# no-weekday truth (for the undecided policy, the smaller effect whose power was measured above):

# %%
rows = {}
for number, name in enumerate(list(POLICIES)[1:]):
    one = shop.simulate(NO_OFFER, POLICIES[name], n_visitors=2 * N_PER_ARM, n_experiments=1,
                        seed=SEED + 10 + number)
    (one_estimate,), (se_one,) = revenue_difference(one)
    rows[name] = {"offered": no_weekday[name].offered_share,
                  "true conversion lift": no_weekday[name].conversion_rate - no_weekday["no offer"].conversion_rate,
                  "true revenue effect": no_weekday[name].net_revenue - no_weekday["no offer"].net_revenue,
                  "estimate": one_estimate, "low": one_estimate - 1.96 * se_one, "high": one_estimate + 1.96 * se_one}
policies = pd.DataFrame(rows).T
policies["significant"] = (policies["low"] > 0) | (policies["high"] < 0)
print("true conversion lift and true revenue effect: no-weekday truths")
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
# *Figure: each policy's A/B estimate of its effect on net revenue per session, with its 95 % interval, beside
# its true effect; the table above holds the same numbers.*

# %% [markdown]
# Check the undecided row's last column. With the power measured above, one run in a few misses significance at
# the no-weekday truth; if this one did, that is no evidence against the policy, only a test too small for the
# effect. The truths, which only the simulated shop knows, settle the ordering.
#
# Compare that row directly with the main test of the same policy, with as many visitors: one can be
# significant while the other is not. They are two random samples with intervals of about the same width, and they estimate different
# truths: the main test ran whole weeks, whose weekly truth is larger. The main test's triggered
# analysis estimated its effect with a smaller standard error than either:

# %%
main_low, main_high = result["revenue"].confidence_interval()
undecided_run = policies.loc[UNDECIDED]
print(f"main test, all visitors:       {estimate:+.3f} €, 95 % CI {main_low:+.3f} to {main_high:+.3f} € "
      f"(weekly truth {true_revenue:+.3f} €)")
print(f"main test, triggered, diluted: {readout.loc['diluted to all visitors (€)', 'undecided test']:+.3f} € "
      f"± {readout.loc['diluted se (€)', 'undecided test']:.3f} € (se)")
print(f"this run, all visitors:        {undecided_run['estimate']:+.3f} €, 95 % CI {undecided_run['low']:+.3f} "
      f"to {undecided_run['high']:+.3f} € (no-weekday truth {undecided_run['true revenue effect']:+.3f} €)")
widths = np.array([main_high - main_low, undecided_run["high"] - undecided_run["low"]])
helpers.claim(bool(abs(widths[1] / widths[0] - 1) < 0.2), "the two runs' intervals have about the same width")
helpers.claim(bool(readout.loc["diluted se (€)", "undecided test"] < widths[1] / (2 * 1.96)),
              "the main test's triggered estimate has a smaller standard error than this run's")

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
#   and the offer pays only when it stays below (m − d) / m: the two thirds of the triggered analysis above.
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
# *Figure: the ratio p₁ / p₀ that the assumed uplift gives at each purchase probability without the offer, against
# the break-even ratio; the offer pays where the curve lies above it, between the two printed bounds.*

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
oracle_effect = pd.Series({name: shop.truth(policy).net_revenue - no_weekday["no offer"].net_revenue
                           for name, policy in oracles.items()}, name="no-weekday true revenue effect (€)")
oracle_effect.round(3)

# %%
helpers.claim(bool(oracle_effect.iloc[0] < oracle_effect.iloc[1] <= oracle_effect.iloc[2]),
              "the score-based policy earns less than the same cut-offs on the truth, which earn at most the best")

# %% [markdown]
# The score-based policy earns clearly less than the oracles: the prototype predicts purchases well, but it is
# not the truth. How much does that depend on the shop's truth? Rebuild the shop once with a truth of the
# prototype's own family (gradient boosting, out of fold, `truth_model="boosting"`) and compare, in each shop,
# the score's rank correlation with the truth and the score-based policy's share of the best policy's effect:

# %%
def score_policy_against_truth(a_shop):
    """Rank correlation of the score with a shop's truth, and the undecided policy's share of the best effect."""
    p0, p1 = a_shop.base_probability, a_shop.purchase_probability(np.ones(len(a_shop.base_probability), bool))
    nobody = a_shop.truth(NO_OFFER).net_revenue
    best = a_shop.truth(lambda features: p1 * (margin - discount) > p0 * margin).net_revenue - nobody
    return {"rank correlation": spearmanr(score(a_shop.sessions[FEATURES]), p0)[0],
            "share of the best effect": (a_shop.truth(POLICIES[UNDECIDED]).net_revenue - nobody) / best}


boosting_shop = helpers.simulate.build_shop(sessions, truth_model="boosting").subset(X_test.index.to_numpy())
truths = pd.DataFrame({"logistic truth (this chapter)": score_policy_against_truth(shop),
                       "boosting truth (the prototype's family)": score_policy_against_truth(boosting_shop)})
truths.round(3)

# %% [markdown]
# With a truth of its own family, the score ranks visitors almost like the truth, and the score-based policy
# gets much closer to the best one. A shop whose truth is built like the targeting model flatters the policy;
# that is why this chapter's truth is a logistic regression. Which truth a real shop has, nobody knows.

# %%
helpers.claim(bool((truths.iloc[:, 1] > truths.iloc[:, 0]).all()),
              "with a truth of the prototype's family, the score ranks closer to the truth and its policy gets "
              "closer to the best")

# %% [markdown]
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
# *Figure: the false-positive rate of A/A tests against the number of looks, for naive peeking and the two
# group-sequential designs, with Monte Carlo whiskers of two standard errors.*

# %% [markdown]
# With naive peeking the false-positive rate climbs with every extra look, far above the 5 % that each single
# look promises. A **group-sequential design** raises the bar at each look so that the overall rate stays at 5 %:
# Pocock's bar is the same at every look, O'Brien and Fleming's is very high early and close to 1.96 at the end.

# %%
helpers.claim(bool(naive_rate > 0.05 + 4 * naive_se), "naive peeking at 20 looks inflates false positives")
sequential_rates = np.array(curves["Pocock"][0] + curves["O'Brien-Fleming"][0])
print(f"sequential designs: false-positive rates from {sequential_rates.min():.1%} to {sequential_rates.max():.1%} "
      f"(Monte Carlo se {np.sqrt(0.05 * 0.95 / N_REPEATS):.1%})")
helpers.claim(bool((np.abs(sequential_rates - 0.05) < 4 * np.sqrt(0.05 * 0.95 / N_REPEATS)).all()),
              "both sequential designs keep the false-positive rate within 4 Monte Carlo se of 5 %")

# %% [markdown]
# Their boundaries for five looks:

# %%
pd.DataFrame({kind: helpers.abtest.sequential_bounds(5, kind=kind) for kind in ["pocock", "obrien-fleming"]},
             index=pd.Index(range(1, 6), name="look")).round(3).T

# %% [markdown]
# What does stopping early buy, and what does it cost? Take the conversion design (15 % → 17 %, the sample size
# from above) and simulate many experiments with one analysis at the end or with five looks
# (`helpers.abtest.sequential_runs`). One analysis at the end is the same simulation with bars that no look
# before the last can cross (infinite), so at the same maximum the single analysis and both sequential designs
# see the very same data and can be compared run by run.
#
# A fair comparison also gives every design the same power. Looking early spends some of the 5 %, so a
# sequential design needs a larger maximum for the same power; `helpers.abtest.inflation_factor` computes the
# factor by integrating over the paths of the z statistic (Jennison and Turnbull, 2000, chapter 2, tabulate the
# same factors):

# %%
n_conv = helpers.abtest.sample_size_per_arm(0.15, 0.02)
bounds_5 = {"Pocock": helpers.abtest.sequential_bounds(5, kind="pocock"),
            "O'Brien-Fleming": helpers.abtest.sequential_bounds(5)}
inflation = {name: helpers.abtest.inflation_factor(bounds) for name, bounds in bounds_5.items()}
print("inflation factor for 80 % power:", {name: round(value, 3) for name, value in inflation.items()})
designs_5 = {"one analysis at the end": ([np.inf] * 4 + [norm.ppf(0.975)], n_conv)}
for name, bounds in bounds_5.items():
    designs_5[f"{name}, same maximum"] = (bounds, n_conv)
    designs_5[f"{name}, raised maximum"] = (bounds, int(np.ceil(inflation[name] * n_conv)))

# %% [markdown]
# Each design runs twice: with the real effect, recording when it stopped, whether it detected the effect and
# its estimate then, and without any effect, recording when it stopped. The **expected sample size** is the
# mean number of visitors used, here as a share of the single analysis's ("visitors / fixed design"); the
# **bias** is the mean estimate minus the true difference.

# %%
N_RUNS = 10 * N_REPEATS  # cheap: only counts are simulated, and the bias is small
rows, errors, runs = {}, {}, {}
for name, (bounds, n_max) in designs_5.items():
    runs[name] = helpers.abtest.sequential_runs(5, n_max, 0.15, 0.17, N_RUNS, SEED, bounds=bounds)
    null = helpers.abtest.sequential_runs(5, n_max, 0.15, 0.15, N_RUNS, SEED + 1, bounds=bounds)
    early = runs[name].stop_look < 5
    rows[name] = {"maximum per arm": n_max, "power": runs[name].rejected.mean(),
                  "visitors / fixed (effect)": runs[name].n_per_arm.mean() / n_conv,
                  "visitors / fixed (no effect)": null.n_per_arm.mean() / n_conv,
                  "bias": runs[name].estimate.mean() - 0.02,
                  "estimate if stopped early": runs[name].estimate[early].mean() if early.any() else np.nan}
    errors[name] = {"visitors / fixed (no effect)": null.n_per_arm.std() / np.sqrt(N_RUNS) / n_conv,
                    "bias": runs[name].estimate.std() / np.sqrt(N_RUNS)}
sequential, errors = pd.DataFrame(rows).T.astype({"maximum per arm": int}), pd.DataFrame(errors).T
power_se = np.sqrt(0.8 * 0.2 / N_RUNS)
print(f"Monte Carlo standard errors: power {power_se:.4f}, bias at most {errors['bias'].max():.4f}, visitors / "
      f"fixed (no effect) at most {errors['visitors / fixed (no effect)'].max():.4f}")
sequential.set_axis(pd.MultiIndex.from_tuples(
    [("", "max per arm"), ("", "power"), ("visitors / fixed design", "with effect"),
     ("visitors / fixed design", "no effect"), ("estimate", "bias"), ("estimate", "if stopped early")]),
    axis=1).round(4)

# %% [markdown]
# O'Brien-Fleming's design and one analysis at the end saw the same data at the same maximum, so their power
# can be compared run by run: the difference of the two designs' rejections in each run, averaged, with its
# standard error.

# %%
fixed_hits = runs["one analysis at the end"].rejected.astype(float)
obf_loss = fixed_hits - runs["O'Brien-Fleming, same maximum"].rejected
obf_loss_se = obf_loss.std() / np.sqrt(N_RUNS)
print(f"O'Brien-Fleming's power loss at the same maximum: {obf_loss.mean():.4f} ± {obf_loss_se:.4f}")

# %% [markdown]
# Read the table by column.
#
# - **Power.** At the same maximum, Pocock's design detects the effect clearly less often than one analysis
#   at the end. O'Brien-Fleming's loses about a point: small, because its early bars are so high, but many
#   times its standard error in the paired comparison. Raised by the inflation factor, both regain the single
#   analysis's power.
# - **Visitors, with the effect.** At equal power, both sequential designs use fewer visitors on average than
#   the single analysis, when the effect is real.
# - **Visitors, no effect.** With no effect, a design without a *futility* boundary (a bar for stopping
#   because the effect looks absent) almost always runs to its maximum: at the same maximum it saves next to
#   nothing, and raised to equal power it uses *more* visitors than one analysis at the end. Designs that also
#   stop for futility exist (Jennison and Turnbull, 2000); they need a still larger maximum for the same power.
# - **Bias.** A test that stops early stops *because* its estimate happened to be large, so the designs'
#   estimates are biased upwards on average, and the tests that stop early overshoot the true difference by
#   far; one analysis at the end is unbiased. Report a sequential test's effect with that in mind (Jennison and
#   Turnbull, 2000, chapter 8, give adjusted estimates).

# %%
same = sequential.loc[["Pocock, same maximum", "O'Brien-Fleming, same maximum"]]
raised = sequential.loc[["Pocock, raised maximum", "O'Brien-Fleming, raised maximum"]]
fixed = sequential.loc["one analysis at the end"]
helpers.claim(bool(fixed["power"] - same["power"].iloc[0] > max(4 * power_se, 3 * obf_loss.mean())),
              "Pocock at the same maximum loses power, far more than O'Brien-Fleming")
helpers.claim(bool(0.003 < obf_loss.mean() < 0.03 and obf_loss.mean() > 3 * obf_loss_se),
              "O'Brien-Fleming loses about a point of power, many times its paired standard error")
helpers.claim(bool((np.abs(raised["power"] - fixed["power"]) < 4 * np.sqrt(2) * power_se).all()),
              "raised by the inflation factor, both designs have the single analysis's power")
helpers.claim(bool((raised["visitors / fixed (effect)"] < 0.9).all()),
              "at equal power, both designs use under 90 % of the single analysis's visitors with the effect")
helpers.claim(bool((same["visitors / fixed (no effect)"] > 0.95).all()
                   and (raised["visitors / fixed (no effect)"]
                        > 1 + 3 * errors.loc[raised.index, "visitors / fixed (no effect)"]).all()),
              "without an effect, same-maximum designs save under 5 % and raised designs use more visitors")
helpers.claim(bool((sequential.iloc[1:]["bias"] > 3 * errors.iloc[1:]["bias"]).all()),
              "all sequential designs overestimate the effect on average")
helpers.claim(bool(abs(fixed["bias"]) < 4 * errors.loc["one analysis at the end", "bias"]),
              "one analysis at the end is unbiased")
helpers.claim(bool((sequential.iloc[1:]["estimate if stopped early"] > 0.02 * 1.2).all()),
              "tests that stop early overshoot the true difference by more than 20 % on average")

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
# - Run A/A tests through the whole path (assignment, weekly log, analysis), for every metric you will decide
#   on, enough of them to see a wrong rate, and test the p-values' uniformity rather than judge it by eye.
# - Visitors needed grow with a metric's squared coefficient of variation: at the same relative change, revenue
#   needs (1 + c − p) / (1 − p) times the visitors of conversion, c the order value's squared CV: about twice
#   in this shop, several times with heavier tails. Size the test for the OEC, and run whole weeks.
# - Choose guardrails the treatment can harm and you can measure, with limits fixed in advance, and compute
#   their verdicts; costs that come with every order belong in the OEC. Analysing only the targeted visitors
#   (a triggered analysis) estimates the same effect with a smaller standard error.
# - A 95 % interval misses the truth one time in twenty; the significant results of a modestly powered test
#   overstate the effect on average (the winner's curse).
# - Check the sample ratio first (alarm at p < 0.0005): a failed check means the data cannot be trusted, and a
#   surprisingly good result is a reason to look for a bug (Twyman's law).
# - Report intervals, absolute and relative; correct for many segments; test a difference between segments with
#   the interaction test, never by comparing their significance; a non-significant interaction is no
#   evidence of equal effects, because the interaction test is usually badly underpowered.
# - A discount pays only where it raises the purchase probability by the factor m / (m − d): never for visitors
#   who buy anyway. Which visitors it persuades, the uplift, only an experiment can measure.
# - Peeking inflates false positives; a group-sequential design keeps them at 5 % but, at the same maximum,
#   costs power (about a point for O'Brien-Fleming, far more for Pocock). Raised to the same power, it uses
#   fewer visitors on average when the effect is real, but without a futility boundary *more* than one analysis
#   at the end when there is no effect; and it overestimates the effect when it stops early.
#
# ## Further reading
#
# - R. Kohavi, D. Tang and Y. Xu, *Trustworthy Online Controlled Experiments: A Practical Guide to A/B Testing*,
#   Cambridge University Press, 2020.
# - A. Fabijan, J. Gupchup, S. Gupta, J. Omhover, W. Qin, L. Vermeer and P. Dmitriev, "Diagnosing Sample Ratio
#   Mismatch in Online Controlled Experiments: A Taxonomy and Rules of Thumb for Practitioners", *Proceedings of
#   the 25th ACM SIGKDD International Conference on Knowledge Discovery & Data Mining*, 2156–2164, 2019,
#   doi:10.1145/3292500.3330722.
# - A. Gelman and J. Carlin, "Beyond Power Calculations: Assessing Type S (Sign) and Type M (Magnitude)
#   Errors", *Perspectives on Psychological Science* 9(6), 641–651, 2014.
# - A. Deng, U. Knoblich and J. Lu, "Applying the Delta Method in Metric Analytics: A Practical Guide with Novel
#   Ideas", *Proceedings of the 24th ACM SIGKDD International Conference on Knowledge Discovery & Data Mining*,
#   233–242, 2018.
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
