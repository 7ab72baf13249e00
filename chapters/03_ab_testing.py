# %% [markdown]
# # 3. Testing in production: A/B tests
#
# **You will learn to** see what offline evaluation cannot tell, design an A/B test (hypothesis, metric,
# guardrails, randomisation, sample size, duration), run it as an event log, analyse it with intervals you can
# trust, catch a broken experiment with a sample-ratio check, and avoid the false positives of peeking.
#
# | prerequisites | time to learn | runs in |
# |---|---|---|
# | chapters 01–02; confidence intervals and p-values | 80 min reading, 40 min exercises | about 15 s |

# %%
import helpers

helpers.setup_notebook()

# %% tags=["parameters"]
SEED = 0                    # seeds every simulated experiment
FAST = False                # True: fewer simulated repetitions
N_REPEATS = 2_000           # simulated experiments for A/A tests, coverage and peeking
VISITORS_PER_DAY = 10_000   # the shop's eligible traffic

# %%
if FAST:
    N_REPEATS = 400

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
# 1. Visitors are drawn at random, with replacement, from the 12,330 real sessions.
# 2. Without an offer, each session buys with a hidden true probability: an honest (out-of-fold) prediction of
#    a model fitted on all sessions.
# 3. The offer adds to the log-odds of buying an amount that is largest for hesitant visitors (probability
#    near 0.5) and small for visitors who buy anyway or have no intent.
# 4. Order values are skewed (log-normal, median 60 €), unaffected by the offer.
# 5. The shop keeps a 30 % margin; the offer's 10 % discount comes out of it, also for visitors who would
#    have bought without it.
#
# Because these are *all* the assumptions, the shop can compute the **true** effect of any targeting policy
# exactly, by averaging over its session population. Every estimate below is compared with that truth.

# %%
import numpy as np
import pandas as pd

shop = helpers.simulate.build_shop()
sessions = helpers.data.load_sessions()
X_train, X_test, y_train, y_test = helpers.data.fixed_split(sessions)
prototype = helpers.prototype.build_prototype(X_train, y_train)
print(f"{len(shop.sessions):,} sessions; true purchase rate without offers {shop.base_probability.mean():.2%}; "
      f"mean order value {shop.mean_order_value:.2f} €")

# %% [markdown]
# A targeting policy is a plain function of a session's features that says whom to show the offer. Four
# candidates: nobody, everybody, the visitors the prototype rates as likely buyers, and the undecided visitors
# in between.

# %%
def score(features):
    return prototype.predict_proba(features)[:, 1]


POLICIES = {
    "no offer": helpers.simulate.no_offer,
    "offer to everyone": helpers.simulate.offer_to_everyone,
    "likely buyers (score >= 0.5)": lambda features: score(features) >= 0.5,
    "undecided (0.1 <= score < 0.5)": lambda features: (score(features) >= 0.1) & (score(features) < 0.5),
}

# %% [markdown]
# The team's favourite is the undecided group: they are the ones an offer can still persuade. That is the
# hypothesis the A/B test will check: **showing the offer to undecided visitors raises net revenue per
# session.**
#
# ## Designing the test
#
# - **Overall evaluation criterion (OEC):** net revenue per session, after the discount. Conversion alone would
#   reward giving discounts to everyone.
# - **Guardrails:** conversion rate must not fall; the share of visitors who get a discount stays as planned.
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
# **An A/A test first.** Before trusting the set-up, run experiments in which both arms get *no* offer. The
# p-values of a sound test are then uniformly distributed, and about 5 % fall below 0.05. We simulate many A/A
# experiments of 20,000 visitors and test their conversion rates with a pooled z-test
# (`helpers.abtest.proportions_test`).

# %%
aa = shop.simulate(POLICIES["no offer"], POLICIES["no offer"], n_visitors=20_000, n_experiments=N_REPEATS,
                   seed=SEED)
p_values = np.array([helpers.abtest.proportions_test(int(ca), int(na), int(cb), int(nb)).p_value
                     for ca, na, cb, nb in zip(aa.conversions_a, aa.n_a, aa.conversions_b, aa.n_b, strict=True)])
share = np.mean(p_values < 0.05)
print(f"{share:.1%} of {N_REPEATS:,} A/A tests significant at 5 % "
      f"(Monte Carlo standard error {np.sqrt(share * (1 - share) / N_REPEATS):.1%})")
ax = helpers.plotting.pvalue_histogram(p_values, title="A/A tests: p-values should be uniform")

# %% [markdown]
# **How many visitors?** For the conversion rate (the guardrail), the classic formula for a two-sided
# two-proportion z-test with the variance pooled under the null gives the visitors per arm. Five lines:

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
# The OEC is harder. Net revenue per session is zero for most visitors and large for a few, so its standard
# deviation is several times its mean. Estimate it from a week of traffic before the test, then size the test to
# detect a change of `MDE_REVENUE` € per session (the share of the mean it represents is printed too):

# %%
from statsmodels.stats.power import tt_ind_solve_power

before = shop.event_log(POLICIES["no offer"], POLICIES["no offer"], n_visitors=7 * VISITORS_PER_DAY,
                        experiment="pre-period", seed=SEED + 1)
sd = before["net_revenue"].std()
MDE_REVENUE = 0.15
n_revenue = int(np.ceil(2 * ((norm.ppf(1 - alpha / 2) + norm.ppf(power)) * sd / MDE_REVENUE) ** 2))
print(f"net revenue per session: mean {before['net_revenue'].mean():.2f} €, sd {sd:.2f} €; "
      f"{MDE_REVENUE} € is {MDE_REVENUE / before['net_revenue'].mean():.1%} of the mean")
print(f"visitors per arm: formula {n_revenue:,}, statsmodels "
      f"{tt_ind_solve_power(effect_size=MDE_REVENUE / sd, alpha=alpha, power=power):,.0f}")

# %% [markdown]
# The revenue metric needs many times more visitors than the conversion rate. The test must be sized for the
# OEC; the guardrail then has more than enough power. **Duration:** at the shop's traffic, in whole weeks, so
# that every weekday counts equally:

# %%
N_PER_ARM = n_revenue
days = int(np.ceil(2 * N_PER_ARM / VISITORS_PER_DAY))
weeks = int(np.ceil(days / 7))
print(f"{2 * N_PER_ARM:,} visitors: {days} days at {VISITORS_PER_DAY:,} a day, so run {weeks} full weeks")

# %% [markdown]
# The static figure shows the same sample-size function over a few baselines and lifts; the explorer beside it
# lets you move the sliders (it needs a running kernel).

# %%
ax = helpers.plotting.sample_size_curves([0.05, 0.15, 0.30], [0.5, 1, 2, 3, 5])

# %% tags=["nbval-ignore-output"]
helpers.widgets.power_explorer(visitors_per_day=VISITORS_PER_DAY)

# %% [markdown]
# ## Running the test: an event log
#
# In production an experiment produces logs: who was assigned to which variant, whether the offer was shown,
# whether they bought, and for how much. The simulated shop writes the same log, visitor by visitor.

# %%
log = shop.event_log(POLICIES["no offer"], POLICIES["undecided (0.1 <= score < 0.5)"], n_visitors=2 * N_PER_ARM,
                     experiment="undecided-offer", seed=SEED, visitors_per_day=VISITORS_PER_DAY)
log.head()

# %% [markdown]
# **First, the sample-ratio check.** If the arms' sizes are incompatible with the planned 50/50 split, something
# in assignment or logging is broken and no other number can be trusted. A chi-square test:

# %%
counts = log["variant"].value_counts().reindex(list(SHARES))
print(counts.to_dict(), f"SRM p-value {helpers.abtest.srm_pvalue(counts.to_list(), list(SHARES.values())):.3f}")

# %% [markdown]
# No sign of a mismatch. Now the results by arm:

# %%
summary = log.groupby("variant").agg(visitors=("visitor_id", "size"), offered=("offered", "mean"),
                                     conversion=("purchased", "mean"), revenue=("net_revenue", "mean"))
summary

# %% [markdown]
# ## Analysis
#
# **Conversion.** The difference in conversion rate with its 95 % interval, and the relative lift, whose
# interval also accounts for the uncertainty of the control's rate:

# %%
by_arm = log.groupby("variant")["purchased"].agg(["sum", "size"])
result = helpers.abtest.proportions_test(int(by_arm.loc["control", "sum"]), int(by_arm.loc["control", "size"]),
                                         int(by_arm.loc["treatment", "sum"]), int(by_arm.loc["treatment", "size"]))
truth_control = shop.truth(POLICIES["no offer"])
truth_treatment = shop.truth(POLICIES["undecided (0.1 <= score < 0.5)"])
true_lift = truth_treatment.conversion_rate - truth_control.conversion_rate
print(f"difference {result.difference:+.4f}, 95 % CI {result.difference_ci[0]:+.4f} to "
      f"{result.difference_ci[1]:+.4f}, p = {result.p_value:.1e}   (truth {true_lift:+.4f})")
print(f"relative lift {result.relative_lift:+.1%}, 95 % CI {result.relative_lift_ci[0]:+.1%} to "
      f"{result.relative_lift_ci[1]:+.1%}   (truth {true_lift / truth_control.conversion_rate:+.1%})")

# %% [markdown]
# statsmodels gives the same z statistic and intervals:

# %%
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

count = [int(by_arm.loc["treatment", "sum"]), int(by_arm.loc["control", "sum"])]
nobs = [int(by_arm.loc["treatment", "size"]), int(by_arm.loc["control", "size"])]
z_sm, _ = proportions_ztest(count, nobs)
diff_ci = confint_proportions_2indep(count[0], nobs[0], count[1], nobs[1], method="wald")
ratio_ci = confint_proportions_2indep(count[0], nobs[0], count[1], nobs[1], method="log", compare="ratio")
print(f"z {z_sm:.6f} vs {result.z:.6f}; difference CI {np.round(diff_ci, 6)} vs "
      f"{np.round(result.difference_ci, 6)}; lift CI {np.round(np.array(ratio_ci) - 1, 6)} vs "
      f"{np.round(result.relative_lift_ci, 6)}")

# %% [markdown]
# **Revenue per session, the OEC.** Its distribution is very skewed, so we use Welch's t-test, which does not
# assume equal variances; with this many visitors the mean is close to normal despite the skew (the coverage
# check below confirms it).

# %%
from scipy.stats import ttest_ind

control_rev = log.loc[log["variant"] == "control", "net_revenue"]
treatment_rev = log.loc[log["variant"] == "treatment", "net_revenue"]
welch = ttest_ind(treatment_rev, control_rev, equal_var=False)
low, high = welch.confidence_interval()
true_revenue = truth_treatment.net_revenue - truth_control.net_revenue
print(f"net revenue per session: {treatment_rev.mean() - control_rev.mean():+.3f} €, 95 % CI {low:+.3f} to "
      f"{high:+.3f} €, p = {welch.pvalue:.1e}   (truth {true_revenue:+.3f} €)")

# %% [markdown]
# Both intervals contain the truth, and both exclude zero: the undecided policy raises conversion and net
# revenue. The guardrails hold: conversion did not fall, and the share of offered visitors matches the policy.
#
# **Do the intervals deserve their 95 %?** One experiment cannot say. Repeat the experiment many times in the
# simulated shop (aggregated, vectorised) and count how often each interval covers the true effect.

# The simulation returns each arm's visitors, conversions, and sum and sum of squares of revenue; the difference
# of the revenue means and its Welch standard error follow from those in a few lines:

# %%
def revenue_difference(arms):
    """Difference of mean revenue per visitor (B - A) and its Welch standard error, per experiment."""
    mean_a, mean_b = arms.revenue_a / arms.n_a, arms.revenue_b / arms.n_b
    var_a = (arms.revenue_sq_a - arms.n_a * mean_a**2) / (arms.n_a - 1)
    var_b = (arms.revenue_sq_b - arms.n_b * mean_b**2) / (arms.n_b - 1)
    return mean_b - mean_a, np.sqrt(var_a / arms.n_a + var_b / arms.n_b)


reps = shop.simulate(POLICIES["no offer"], POLICIES["undecided (0.1 <= score < 0.5)"], n_visitors=2 * N_PER_ARM,
                     n_experiments=N_REPEATS, seed=SEED + 2)
rate_a, rate_b = reps.conversions_a / reps.n_a, reps.conversions_b / reps.n_b
half = 1.96 * np.sqrt(rate_a * (1 - rate_a) / reps.n_a + rate_b * (1 - rate_b) / reps.n_b)
diff, se = revenue_difference(reps)
coverage = {"conversion difference": np.mean(np.abs(rate_b - rate_a - true_lift) <= half),
            "revenue difference (Welch)": np.mean(np.abs(diff - true_revenue) <= 1.96 * se)}
print({name: f"{value:.1%} ± {np.sqrt(value * (1 - value) / N_REPEATS):.1%}" for name, value in coverage.items()})

# %% [markdown]
# Both cover the truth about 95 % of the time, within the simulation's own error. (With this many visitors,
# Welch's t and the normal distribution give the same 1.96.) The first hundred revenue intervals:

# %%
ax = helpers.plotting.interval_coverage(diff - 1.96 * se, diff + 1.96 * se, true_revenue,
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
counts_buggy = buggy["variant"].value_counts().reindex(list(SHARES))
print(counts_buggy.to_dict(), f"SRM p-value {helpers.abtest.srm_pvalue(counts_buggy.to_list(), [0.5, 0.5]):.1e}")
print(buggy.groupby("variant")[["purchased", "net_revenue"]].mean().round(4))

# %% [markdown]
# The arms differ by only a few percent in size, but the check is unambiguous. And the damage is real: the lost
# visitors rarely buy, so the buggy treatment looks better than it is, and the conversion lift is overstated.
# When the sample-ratio check fails, stop and fix the pipeline; do not analyse the results.
#
# ## Segments, and testing many things at once
#
# Does the offer work for new and returning visitors alike? Each segment gets its own test, and every extra test
# is another chance of a false positive, so the p-values are corrected with Holm's method
# (`statsmodels.stats.multitest.multipletests`). Each estimate is compared with the segment's true effect.

# %%
from statsmodels.stats.multitest import multipletests

rows = []
for segment, part in log.groupby("VisitorType", observed=True):
    arms = part.groupby("variant")["purchased"].agg(["sum", "size"])
    res = helpers.abtest.proportions_test(int(arms.loc["control", "sum"]), int(arms.loc["control", "size"]),
                                          int(arms.loc["treatment", "sum"]), int(arms.loc["treatment", "size"]))
    mask = (shop.sessions["VisitorType"] == segment).to_numpy()
    truth = (shop.truth(POLICIES["undecided (0.1 <= score < 0.5)"], mask).conversion_rate
             - shop.truth(POLICIES["no offer"], mask).conversion_rate)
    rows.append({"segment": segment, "visitors": len(part), "lift": res.difference, "CI low": res.difference_ci[0],
                 "CI high": res.difference_ci[1], "true lift": truth, "p": res.p_value})
segments = pd.DataFrame(rows).set_index("segment")
segments["p (Holm)"] = multipletests(segments["p"], method="holm")[1]
segments.round(4)

# %% [markdown]
# Read the small segment with care: its interval is wide, and a "significant" segment found by slicing the data
# after the fact is a hypothesis for the next test, not a result.
#
# ## The surprise: the best predictor is not the best policy
#
# The prototype is best at finding likely buyers. So why not offer the discount to them? Ask the shop for the
# truth of every policy, and run the same A/B test (same size) for each treatment against no offer:

# %%
rows = {}
base = shop.truth(POLICIES["no offer"])
for number, (name, policy) in enumerate(list(POLICIES.items())[1:]):
    truth = shop.truth(policy)
    one = shop.simulate(POLICIES["no offer"], policy, n_visitors=2 * N_PER_ARM, n_experiments=1,
                        seed=SEED + 10 + number)
    (estimate,), (se_one,) = revenue_difference(one)
    rows[name] = {"offered": truth.offered_share, "true conversion lift": truth.conversion_rate
                  - base.conversion_rate, "true revenue effect": truth.net_revenue - base.net_revenue,
                  "estimate": estimate, "low": estimate - 1.96 * se_one, "high": estimate + 1.96 * se_one}
policies = pd.DataFrame(rows).T
policies.round(3)

# %%
ax = helpers.plotting.effect_estimates(policies, estimate="estimate", low="low", high="high",
                                       truth="true revenue effect", unit="net revenue per session (€)",
                                       title="Each policy against no offer: A/B estimate and truth")

# %% [markdown]
# Offering the discount to the likely buyers raises conversion, yet it **loses** money: most of them would have
# bought anyway, and now each pays 10 % less. The undecided visitors are where the offer changes decisions. No
# offline metric could have told: ROC AUC measures how well the score ranks buyers, and the likely-buyer policy
# uses exactly that ranking. What matters for the decision is the *effect* of the offer on each visitor (its
# uplift), which only an experiment measures.
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

# %% [markdown]
# With naive peeking the false-positive rate climbs with every extra look, far above the 5 % that each single
# look promises. A **group-sequential design** raises the bar at each look so that the overall rate stays at 5 %:
# Pocock's bar is the same at every look, O'Brien and Fleming's is very high early and close to 1.96 at the end.
# Their boundaries for five looks:

# %%
pd.DataFrame({kind: helpers.abtest.sequential_bounds(5, kind=kind) for kind in ["pocock", "obrien-fleming"]},
             index=pd.Index(range(1, 6), name="look")).round(3).T

# %% [markdown]
# The price: with the same maximum number of visitors, a sequential design has a little less power than a single
# analysis at the end, in exchange for the chance to stop early. Pocock pays more than O'Brien-Fleming. For the
# conversion guardrail's design (15 % → 17 %, the sample size from above):

# %%
n_conv = helpers.abtest.sample_size_per_arm(0.15, 0.02)
power_table = {name: helpers.abtest.sequential_power(1 if name.startswith("one") else 5, n_conv, 0.15, 0.17,
                                                     N_REPEATS, SEED, bounds=bounds)
               for name, bounds in [("one analysis at the end", None),
                                    ("Pocock, 5 looks", helpers.abtest.sequential_bounds(5, kind="pocock")),
                                    ("O'Brien-Fleming, 5 looks", helpers.abtest.sequential_bounds(5))]}
pd.DataFrame(power_table, index=["power", "Monte Carlo se"]).T.round(3)

# %% [markdown]
# To restore the lost power, a sequential design plans for somewhat more visitors at most, and in exchange it
# often stops well before that when the effect is real. The explorer below reruns the A/A simulation for any
# number of looks and design (with a running kernel; the figure above shows the same function).

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
# ## Key points
#
# - Offline metrics measure prediction; the effect of an action needs a randomised experiment.
# - Write down the hypothesis, the OEC and the guardrails before the test; randomise by visitor with a salted
#   hash; check the set-up with an A/A test.
# - Size the test for the OEC; skewed revenue needs far more visitors than conversion.
# - Check the sample ratio first: a failed check means the data cannot be trusted.
# - Report intervals, absolute and relative; correct for many segments; treat segment findings as hypotheses.
# - The policy built on the best predictor is not the most profitable one: target uplift, not likelihood.
# - Peeking inflates false positives; a group-sequential design keeps them at 5 % for a small price in power.
#
# ## Further reading
#
# - R. Kohavi, D. Tang and Y. Xu, *Trustworthy Online Controlled Experiments: A Practical Guide to A/B Testing*,
#   Cambridge University Press, 2020.
# - A. Fabijan, J. Gupchup, S. Gupta, J. Omhover, W. Qin, L. Vermeer and P. Dmitriev, "Diagnosing Sample Ratio
#   Mismatch in Online Controlled Experiments: A Taxonomy and Rules of Thumb for Practitioners", *Proceedings of
#   the 25th ACM SIGKDD International Conference on Knowledge Discovery & Data Mining*, 2156–2164, 2019.
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
