# %% [markdown]
# # 5. Faster and safer experiments
#
# **You will learn to** shorten a test with a pre-treatment covariate (CUPED, and CUPAC with the production
# model's score), tell a covariate you may use from one that biases the result, judge when skewed revenue breaks
# the normal approximation and what capping costs, compute the standard error of a ratio metric with the delta
# method, monitor a test continuously without inflating false positives, plan looks at uneven traffic with alpha
# spending, and recognise novelty and interference (and correct a leak you can observe).
#
# | prerequisites | time to learn | runs in |
# |---|---|---|
# | chapters 02–03; regression, confidence intervals | 70 min reading, 35 min exercises | about 7 s on 2 cores (longer on a busy machine) |

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
SEED = 0              # seeds every simulated experiment
FAST = False          # True: fewer simulated repetitions
N_REPEATS = 400       # simulated experiments behind each coverage and false-positive rate
N_VISITORS = 4_000    # visitors per simulated experiment in the coverage checks

# %%
if FAST:
    N_REPEATS = 200

# %% [markdown]
# ## The shop, its production model, and a test to speed up
#
# Chapter 03's test of the offer for undecided visitors needed weeks of traffic, because net revenue per visitor
# is noisy. This chapter makes such tests faster and their answers safer, in the same simulated shop, where the
# truth is known. The policy is now the one production runs: chapter 02's production model scores the session
# and the offer goes to visitors scored between 0.1 and 0.5.

# %%
import numpy as np
import pandas as pd

shop = helpers.simulate.build_shop()
sessions = helpers.data.load_sessions()
X_train, X_test, y_train, y_test = helpers.data.fixed_split(sessions)
production = helpers.production.build_production_model(X_train, y_train)
FIELDS = helpers.production.PRODUCTION_FIELDS
score = production.predict_proba(shop.sessions[FIELDS])[:, 1]    # one score per session of the shop


def undecided(features):
    p = production.predict_proba(features[FIELDS])[:, 1]
    return (p >= 0.1) & (p < 0.5)


control = helpers.simulate.no_offer
true_effect = shop.truth(undecided).net_revenue - shop.truth(control).net_revenue
print(f"true effect of the offer: {true_effect:+.4f} € net revenue per visitor")

# %% [markdown]
# To use a visitor's past, visitors need one. `helpers.experiments` adds, only where a function is asked for
# them, assumptions stated in its documentation:
#
# - **Returning visitors.** Each visitor has a habitual session; each of their sessions repeats it (its fields,
#   hence its true purchase probability) with probability `loyalty`, and is otherwise a fresh draw. Every single
#   session is still a uniform draw, so chapter 03's truth holds unchanged.
# - **Visitors spend alike.** Part (`spend_share`) of the spread of the log order value belongs to the visitor.
# - **A pre-period.** Before the test, each visitor had a Poisson number of sessions (`pre_sessions` on average)
#   without offers.
#
# One experiment with 20,000 visitors, each with one session in the test:

# %%
RETURNING = {"pre_sessions": 3.0, "loyalty": 0.8, "spend_share": 0.5}
one = helpers.experiments.visitor_experiments(shop, control, undecided, n_visitors=20_000, n_experiments=1,
                                              seed=SEED, session_value=score, **RETURNING)
treated, revenue, pre_revenue = one.treatment[0], one.revenue[0], one.pre_revenue[0]
print(f"{treated.sum():,} visitors in treatment, {(~treated).sum():,} in control; "
      f"{np.mean(one.pre_sessions[0] > 0):.0%} had a session in the pre-period")

# %% [markdown]
# ## CUPED: subtract what you could have predicted
#
# Deng, Xu, Kohavi and Walker (2013) noticed that much of a visitor's revenue in the test is predictable from
# before the test. With a covariate X measured *before* the treatment, the adjusted metric
# Y − θ (X − mean X) has the same expected difference between the arms (X cannot differ between randomised arms
# except by chance) and a smaller variance. The θ that minimises it is the regression slope cov(Y, X) / var(X);
# computing it within each arm keeps the treatment's own effect out of it. The notebook's own lines:

# %%
def within(values, arm_flags):
    """Deviations of the values from their own arm's mean."""
    return np.where(arm_flags, values - values[arm_flags].mean(), values - values[~arm_flags].mean())


x_dev, y_dev = within(pre_revenue, treated), within(revenue, treated)
theta = np.sum(x_dev * y_dev) / np.sum(x_dev**2)
adjusted = revenue - theta * (pre_revenue - pre_revenue.mean())
raw_diff = revenue[treated].mean() - revenue[~treated].mean()
cuped_diff = adjusted[treated].mean() - adjusted[~treated].mean()
print(f"theta {theta:.4f}; difference {raw_diff:+.4f} € unadjusted, {cuped_diff:+.4f} € with CUPED "
      f"(truth {true_effect:+.4f} €)")

# %% [markdown]
# `helpers.abtest.cuped` does the same and adds the interval and the share of variance removed. The same
# estimate is the treatment coefficient of an ordinary regression of Y on a treatment indicator and X
# (statsmodels); the two agree to rounding error:

# %%
import statsmodels.api as sm

cuped = helpers.abtest.cuped(revenue, pre_revenue, treated)
ols = sm.OLS(revenue, sm.add_constant(np.column_stack([treated, pre_revenue]).astype(float))).fit()
print(f"helpers {cuped.difference:+.10f}   notebook {cuped_diff:+.10f}   statsmodels OLS {ols.params[1]:+.10f}")
print(f"95 % CI {cuped.difference_ci[0]:+.3f} to {cuped.difference_ci[1]:+.3f} €; standard error "
      f"{cuped.standard_error:.4f} € against {cuped.unadjusted_standard_error:.4f} € unadjusted")

# %%
helpers.claim(abs(cuped.difference - ols.params[1]) < 1e-9 and abs(cuped.difference - cuped_diff) < 1e-9,
              "CUPED's difference equals the regression adjustment's treatment coefficient")

# %% [markdown]
# Do not judge CUPED by how close this one estimate is to the truth, with or without the adjustment. The
# standard error of one experiment of 20,000 visitors is larger than the effect itself, so one such experiment
# cannot tell an effect of this size from zero, and its estimates land wherever chance puts them. What an
# adjustment changes is the standard error: CUPED's is smaller than the unadjusted one. Whether that holds
# up, and whether the estimates are centred on the truth, only many repeated experiments can show; they come
# below.

# %%
helpers.claim(cuped.unadjusted_standard_error > abs(true_effect) and cuped.standard_error > abs(true_effect),
              "one experiment's standard error is larger than the effect")
helpers.claim(cuped.standard_error < cuped.unadjusted_standard_error, "CUPED lowers the standard error")

# %% [markdown]
# **How much variance does it remove?** About the squared correlation ρ² between metric and covariate
# (within the arms), because the adjusted metric keeps only the part of Y that X does not explain:

# %%
rho = np.corrcoef(x_dev, y_dev)[0, 1]
print(f"variance removed {cuped.variance_reduction:.1%}; rho^2 = {rho**2:.1%}")

# %%
helpers.claim(abs(cuped.variance_reduction - rho**2) < 0.01, "CUPED's variance reduction is about rho squared")

# %% [markdown]
# ## CUPAC: a model's prediction as the covariate
#
# Past revenue is a weak predictor: most visitors bought nothing before, or were never here. Li, Tang and
# Bauman's CUPAC ("control using predictions as covariates", DoorDash, 2020) adjusts with a model's prediction
# instead. Compare the two on the same footing first, from the same pre-period sessions: what the visitor spent
# there (CUPED), and what chapter 02's production model predicted for them, the average score of the visitor's
# pre-period sessions (visitors without one get the average score of all sessions).

# %%
def mean_pre_score(visitors):
    """Average production score of each visitor's pre-period sessions; the overall average without any."""
    had = visitors.pre_sessions > 0
    return np.where(had, visitors.pre_covariate / np.where(had, visitors.pre_sessions, 1), score.mean())


pre_score = mean_pre_score(one)[0]
cupac_pre = helpers.abtest.cuped(revenue, pre_score, treated)
print(f"variance removed: past revenue {cuped.variance_reduction:.1%}, "
      f"pre-period score {cupac_pre.variance_reduction:.1%}")

# %% [markdown]
# You need not choose: `cuped` also takes several covariates in columns, and is then the regression adjustment
# with all of them. Again statsmodels agrees:

# %%
both = np.column_stack([pre_revenue, pre_score])
cuped_both = helpers.abtest.cuped(revenue, both, treated)
ols_both = sm.OLS(revenue, sm.add_constant(np.column_stack([treated, both]).astype(float))).fit()
print(f"both covariates: variance removed {cuped_both.variance_reduction:.1%}; difference: helpers "
      f"{cuped_both.difference:+.10f}, statsmodels OLS {ols_both.params[1]:+.10f}")

# %%
helpers.claim(abs(cuped_both.difference - ols_both.params[1]) < 1e-9,
              "CUPED with two covariates equals the regression with both")

# %% [markdown]
# **A covariate from the session itself.** The production model can also score the visitor's session in the
# test. That is legitimate only if every field it reads is **known before the offer is shown**; otherwise the
# treatment can change the covariate. Which of its seven fields qualify?
#
# | field | known when the offer is shown? |
# |---|---|
# | `Month` | yes: the calendar |
# | page counts (`Administrative`, `Informational`, `ProductRelated`) so far | yes, as counted when the offer is shown |
# | `BounceRates`, `ExitRates` of the pages seen so far | yes |
# | `PageValues` of the pages seen so far | only by assumption (below) |
# | the same fields read at the end of the session | **no**: they include the checkout after a purchase |
# | the purchase, the order value | **no**: they are the outcome |
#
# **An assumption, not a fact of the data.** The real data records each session as a whole, after it ended, and
# web analytics credits `PageValues` to the pages that led to a transaction, that is, after the purchase. This
# chapter *assumes* that the shop records every field as it stood when the offer was shown (that is how the
# policy could use them), so the score of the session in the test qualifies:

# %%
cupac = helpers.abtest.cuped(revenue, score[one.first_session[0]], treated)
print(f"variance removed by the in-session score: {cupac.variance_reduction:.1%}")

# %%
helpers.claim(cupac.variance_reduction > cuped_both.variance_reduction,
              "the in-session score removes more than both pre-period covariates")

# %% [markdown]
# It removes far more than the pre-period covariates. Do not read that ranking as a law. In this shop the true
# purchase probability is itself a model (a logistic regression) of the session's recorded fields, these seven
# among them, so a score of the session is close to a copy of what generates the outcome; in a real shop much
# of what decides a purchase is recorded nowhere. The ranking belongs to this simulation: measure it on your own data, as the repeated
# experiments below do here.
#
# **A covariate read after the offer.** Suppose someone takes the production score from the fields as logged
# at the *end* of the session. A purchase adds the checkout's pages and credits page value to the session's
# pages (an assumption of `helpers.experiments.end_of_session_fields`). The offer causes purchases, so it raises
# this covariate in the treatment, and the adjustment subtracts part of the effect itself. Repeat the experiment
# many times with every covariate and compare with the truth:

# %%
score_end = production.predict_proba(helpers.experiments.end_of_session_fields(shop.sessions[FIELDS],
                                                                               purchased=True)[FIELDS])[:, 1]
reps = helpers.experiments.visitor_experiments(shop, control, undecided, n_visitors=N_VISITORS,
                                               n_experiments=N_REPEATS, seed=SEED + 1, session_value=score,
                                               **RETURNING)
covariates = {"CUPED: past revenue": reps.pre_revenue, "CUPAC: pre-period score": mean_pre_score(reps),
              "both pre-period covariates": np.stack([reps.pre_revenue, mean_pre_score(reps)], axis=-1),
              "in-session score when the offer is shown": score[reps.first_session],
              "in-session score at the end of the session": np.where(
                  reps.first_purchased, score_end[reps.first_session], score[reps.first_session])}
rows = {"no adjustment": [], **{name: [] for name in covariates}}
for i in range(N_REPEATS):
    for name, covariate in covariates.items():
        result = helpers.abtest.cuped(reps.revenue[i], covariate[i], reps.treatment[i])
        rows[name].append((result.difference, result.standard_error, result.variance_reduction))
    rows["no adjustment"].append((result.unadjusted_difference, result.unadjusted_standard_error, 0.0))
estimates = {name: np.array(values) for name, values in rows.items()}
del reps, covariates  # the simulated visitors are no longer needed: free their memory

# %% [markdown]
# For each analysis: the mean estimate and its Monte Carlo standard error, the spread of the estimates, the
# coverage of the 95 % interval, and the share of variance removed, averaged over the experiments:

# %%
def summarise(triples, truth):
    estimate, se, removed = triples[:, 0], triples[:, 1], triples[:, 2]
    cover = np.mean(np.abs(estimate - truth) <= 1.96 * se)
    return {"mean estimate": estimate.mean(), "MC se of mean": estimate.std() / np.sqrt(len(estimate)),
            "sd of estimates": estimate.std(), "coverage": cover, "variance removed": removed.mean(),
            "MC se of removed": removed.std() / np.sqrt(len(removed))}


table = pd.DataFrame({name: summarise(triples, true_effect) for name, triples in estimates.items()}).T
nominal_se = np.sqrt(0.95 * 0.05 / N_REPEATS)
print(f"truth {true_effect:+.4f} €; a coverage of 95 % would read between {0.95 - 3 * nominal_se:.1%} and "
      f"{0.95 + 3 * nominal_se:.1%} in {N_REPEATS} experiments (3 Monte Carlo standard errors)")
table.round(4)

# %% [markdown]
# The four legitimate covariates are centred on the truth, spread less than the unadjusted estimate, and their
# coverage is within Monte Carlo error of 95 %. That check is coarse: the band printed above is several points
# wide, so it rules out only gross failures. The averages of the variance removed are precise (next to last column): on the same
# pre-period, the model's prediction removes about as much as past revenue, both together a little more, the
# in-session score most.

# %%
legit = ["CUPED: past revenue", "CUPAC: pre-period score", "both pre-period covariates",
         "in-session score when the offer is shown"]
for name in legit:
    helpers.claim(abs(table.loc[name, "coverage"] - 0.95) < 3 * nominal_se, f"{name}: coverage within MC error of 95 %")
    helpers.claim(abs(table.loc[name, "mean estimate"] - true_effect) < 3 * table.loc[name, "MC se of mean"],
                  f"{name} is centred on the truth")
    helpers.claim(table.loc[name, "sd of estimates"] < table.loc["no adjustment", "sd of estimates"],
                  f"{name} spreads less than the unadjusted estimate")
removed = table["variance removed"]
helpers.claim(abs(removed[legit[1]] / removed[legit[0]] - 1) < 0.5,
              "on the same pre-period the two remove about as much")
helpers.claim(removed[legit[2]] > max(removed[legit[0]], removed[legit[1]]), "both together remove more than either")
helpers.claim(removed[legit[3]] > removed[legit[2]], "the in-session score removes the most")

# %% [markdown]
# The end-of-session score spreads least of all, and is centred far below the truth: it "explains away" the
# purchases the offer caused. Its estimates fall below the in-session score's in the same experiments, by far
# more than their Monte Carlo error. Its coverage does not show it: a bias of a fraction of a standard error
# lowers the coverage of a 95 % interval only a little, by the normal distribution's formula:

# %%
from scipy.stats import norm

post = "in-session score at the end of the session"
post_gap = estimates[post][:, 0] - estimates[legit[3]][:, 0]
bias_in_se = (table.loc[post, "mean estimate"] - true_effect) / estimates[post][:, 1].mean()
expected_cover = norm.cdf(1.96 - abs(bias_in_se)) - norm.cdf(-1.96 - abs(bias_in_se))
print(f"end-of-session minus in-session: {post_gap.mean():+.4f} € (MC se {post_gap.std() / np.sqrt(N_REPEATS):.4f}); "
      f"bias {bias_in_se:+.2f} standard errors, which leaves a coverage of {expected_cover:.1%}")

# %%
helpers.claim(post_gap.mean() + 3 * post_gap.std() / np.sqrt(N_REPEATS) < 0,
              "a covariate read after the offer pulls the estimate below the honest one")
helpers.claim(expected_cover > 0.95 - 3 * nominal_se, "a coverage check of this size cannot see that bias")
helpers.claim(table.loc[post, "sd of estimates"] < table.loc[legit, "sd of estimates"].min(),
              "the end-of-session score spreads least of all")

# %% [markdown]
# **What it buys.** At the same power, the visitors needed scale with the variance. Chapter 03 sized the test
# from a week of traffic; the same formula with the average variance removed by each legitimate covariate, and
# the days each saves at 10,000 visitors a day:

# %%
sd, MDE = np.sqrt(revenue[~treated].var() * 2), 0.15
n_plain = int(np.ceil(((norm.ppf(0.975) + norm.ppf(0.8)) * sd / MDE) ** 2))
plan = pd.DataFrame({"variance removed": [0.0, *removed[legit]]}, index=["plain", *legit])
plan["visitors per arm"] = np.ceil(n_plain * (1 - plan["variance removed"])).astype(int)
plan["days at 10,000 a day"] = np.ceil(2 * plan["visitors per arm"] / 10_000).astype(int)
plan.round(3)

# %% [markdown]
# ## Heavy tails
#
# Net revenue per visitor is zero for most visitors and large for a few: it is strongly **skewed**. The skewness
# s is the third central moment divided by the cube of the standard deviation; it measures lopsidedness, not
# spread. Kohavi's rule of thumb says from how many visitors per arm a mean is close enough to normal:
# n > 355 s², with s the skewness (not the standard deviation). The variance and the third central moment follow
# exactly from the shop's assumptions, a mixture of zero and log-normal order values, for either arm; the
# skewness can also be estimated from a simulated pre-period:

# %%
from scipy.stats import skew


def variance_and_third_moment(policy):
    """Exact variance and third central moment of one visitor's net revenue under a policy."""
    offered = shop.offers(policy)
    p, factor = shop.purchase_probability(offered), shop.margin - shop.discount * offered
    mu, s = np.log(shop.order_median), shop.order_sigma
    m1, m2, m3 = (np.mean(p * factor**k) * np.exp(k * mu + k**2 * s**2 / 2) for k in (1, 2, 3))
    return m2 - m1**2, m3 - 3 * m1 * m2 + 2 * m1**3


var_c, third_c = variance_and_third_moment(control)
var_t, third_t = variance_and_third_moment(undecided)
exact_skew = third_c / var_c**1.5
sample = helpers.experiments.visitor_experiments(shop, control, control, n_visitors=200_000, n_experiments=1,
                                                 seed=SEED + 2).revenue[0]
kohavi_n = 355 * exact_skew**2
print(f"skewness: exact {exact_skew:.2f}, from 200,000 simulated visitors {skew(sample):.2f}")
print(f"Kohavi's rule of thumb: n > 355 s^2 (s the skewness) = {kohavi_n:,.0f} visitors per arm")

# %% [markdown]
# Kohavi, Deng, Longbotham and Xu (2014) derive this rule from Boos and Hughes-Oliver's (2000) approximation of
# the **one-sided** error of a t interval: a skewed mean makes a 95 % interval miss on one side more often than
# 2.5 % and on the other side less often. The two-sided coverage hides this, because the two errors partly
# cancel. The rule concerns what you estimate, here a difference of two arms. Its skewness is exact:
# (third moment of the treatment / n_t² − third moment of the control / n_c²) / sd³. For 10,000 visitors split
# 10/90 (a cautious first ramp) and 50/50:

# %%
def skewness_of_difference(n_treatment, n_control):
    sd = np.sqrt(var_t / n_treatment + var_c / n_control)
    return (third_t / n_treatment**2 - third_c / n_control**2) / sd**3


ramp_skew, even_skew = skewness_of_difference(1_000, 9_000), skewness_of_difference(5_000, 5_000)
print(f"skewness of the estimated difference: 10 % ramp {ramp_skew:+.3f}, 50/50 split {even_skew:+.3f}")

# %%
helpers.claim(abs(even_skew) < abs(ramp_skew) / 10, "a 50/50 split nearly cancels the skewness of the difference")

# %% [markdown]
# With a 50/50 split the two arms are about equally skewed and the difference is nearly symmetric, so the rule
# per arm is then conservative. The ramp is where it bites: the treatment's small, skewed sample dominates the
# difference. Measure how often Welch's 95 % interval misses the true effect on each side, at several treatment
# sizes of a 10 % ramp (more experiments at the cheap small sizes, where the misses are rare events).

# %%
from scipy import stats

SIZES = [20, 50, 100, 300, 1_000, 3_000, int(float(f"{kohavi_n:.2g}"))]  # the last: Kohavi's n, rounded
WELCH_REPEATS = [2_000] * 6 + [800]  # fixed, in fast mode too: one-sided misses are rare; the last size is costly
welch = {"coverage": [], "interval above truth": [], "interval below truth": []}
for size, repeats in zip(SIZES, WELCH_REPEATS, strict=True):
    arms = shop.simulate(control, undecided, n_visitors=10 * size, n_experiments=repeats, seed=SEED + size,
                         treatment_share=0.1)
    mean_a, mean_b = arms.revenue_a / arms.n_a, arms.revenue_b / arms.n_b
    var_a = (arms.revenue_sq_a - arms.n_a * mean_a**2) / (arms.n_a - 1) / arms.n_a
    var_b = (arms.revenue_sq_b - arms.n_b * mean_b**2) / (arms.n_b - 1) / arms.n_b
    df = (var_a + var_b) ** 2 / (var_a**2 / (arms.n_a - 1) + var_b**2 / (arms.n_b - 1))
    half = stats.t.ppf(0.975, df) * np.sqrt(var_a + var_b)
    error = mean_b - mean_a - true_effect
    welch["coverage"].append(np.mean(np.abs(error) <= half))
    welch["interval above truth"].append(np.mean(error > half))
    welch["interval below truth"].append(np.mean(error < -half))
welch = pd.DataFrame(welch, index=pd.Index(SIZES, name="visitors in treatment")).assign(experiments=WELCH_REPEATS)

# %% [markdown]
# The figure: the share of intervals lying wholly below and wholly above the truth against the treatment's size,
# whiskers of two Monte Carlo standard errors, the nominal 2.5 % per side, and Kohavi's threshold. The table
# below it adds the two-sided coverage and the number of simulated experiments at each size.

# %%
ax = helpers.plotting.misses_by_size(SIZES, welch["interval below truth"], welch["interval above truth"],
                                     WELCH_REPEATS, title="Skewed revenue: one-sided misses of Welch's interval",
                                     xlabel="visitors in the treatment of a 10 % ramp (log scale)",
                                     marks={"355 s², s the skewness (Kohavi)": kohavi_n})
welch.round(3)

# %% [markdown]
# *Figure: the share of Welch's 95 % intervals lying wholly below and wholly above the true effect, against the
# number of visitors in the treatment of a 10 % ramp; at small sizes the misses below the truth dominate.*

# %% [markdown]
# With a few dozen visitors in the treatment, the interval covers the truth clearly less often than it claims,
# and its misses are lopsided: the treatment's mean is usually a little low (its few visitors rarely include
# the rare large orders), so the interval lies wholly below the truth far more often than above it. At 1,000
# visitors, a fifteenth of Kohavi's threshold, the two-sided coverage is already within a couple of points of
# 95 %, yet the misses are still lopsided: most of what is missing is missing on one side. Only towards 355 s²
# does each side come close to its 2.5 %: that one-sided error is what the rule controls.

# %%
at_1000 = welch.loc[1_000]
gap_se = np.sqrt((at_1000["interval below truth"] + at_1000["interval above truth"]) / at_1000["experiments"])
side_se = np.sqrt(0.025 * 0.975 / welch["experiments"].iloc[-1])
helpers.claim(welch["coverage"].iloc[0] < 0.95 - 3 * np.sqrt(0.95 * 0.05 / WELCH_REPEATS[0]),
              "at a few dozen visitors Welch's interval undercovers")
helpers.claim(welch["interval below truth"].iloc[0] > 5 * welch["interval above truth"].iloc[0],
              "the misses are lopsided at small n")
helpers.claim(abs(at_1000["coverage"] - 0.95) < 0.025, "at 1,000 treated visitors the two-sided coverage is near 95 %")
helpers.claim(at_1000["interval below truth"] - at_1000["interval above truth"] > 3 * gap_se,
              "at 1,000 treated visitors the misses are still lopsided")
helpers.claim(bool((abs(welch.iloc[-1][["interval below truth", "interval above truth"]] - 0.025) < 3 * side_se).all()),
              "at 355 s^2 each side misses about 2.5 %")

# %% [markdown]
# **Capping.** Large orders make the variance large. Capping (winsorising) each visitor's revenue at a
# threshold trades variance for bias: the capped metric has a smaller variance, but its true effect is no longer
# the effect on revenue. In the shop both are exact (`helpers.experiments.capped_moments` integrates the
# log-normal's tails), so the bias is measured against the truth. Caps at percentiles of a buyer's net revenue
# in the pre-period, and the standard error at 20,000 visitors per arm (the table follows the figure below):

# %%
buyers = sample[sample > 0]
N_ARM, rows = 20_000, []
for level in [90, 95, 99, 99.9, 100]:
    cap = np.percentile(buyers, level) if level < 100 else np.inf
    mean_c, var_c = helpers.experiments.capped_moments(shop, control, cap)
    mean_t, var_t = helpers.experiments.capped_moments(shop, undecided, cap)
    rows.append({"cap percentile": level, "cap (€)": cap, "true effect of capped metric": mean_t - mean_c,
                 "bias": mean_t - mean_c - true_effect, "standard error": np.sqrt((var_c + var_t) / N_ARM)})
caps = pd.DataFrame(rows)
caps["RMSE"] = np.sqrt(caps["bias"] ** 2 + caps["standard error"] ** 2)
caps["RMSE at 10 x the visitors"] = np.sqrt(caps["bias"] ** 2 + caps["standard error"] ** 2 / 10)

# %% [markdown]
# The figure shows the bias (its size), the standard error and their combination, the root-mean-square error,
# against the cap's percentile, evenly spaced; the 100th percentile is the largest order, that is, no cap.

# %%
ax = helpers.plotting.bias_and_error(caps, x="cap percentile", unit="€ per visitor",
                                     title="Capping revenue: bias against variance (20,000 per arm)",
                                     labels=[f"{level:g}" for level in caps["cap percentile"][:-1]] + ["100 (no cap)"])
caps.round(4)

# %% [markdown]
# *Figure: the size of the bias, the standard error and the root-mean-square error of the capped revenue
# effect at 20,000 visitors per arm, for caps from the 90th percentile of a buyer's revenue to no cap.*

# %% [markdown]
# The tighter the cap, the smaller the standard error and the larger the bias, and the bias is **upward**: the
# capped metric's true effect is larger than the offer's effect on revenue. Capping is not conservative; it can
# make an offer look better than it is. At 20,000 visitors per arm every cap here lowers the root-mean-square
# error. But the standard error shrinks with more visitors and the bias does not: with ten times the visitors,
# the tightest cap's error is larger than no cap's, and no cap lowers it by much (last column). Choose a high cap,
# before the test and from pre-period data, never after seeing the results, and report what it estimates.

# %%
helpers.claim(bool((np.diff(caps["standard error"]) > 0).all()), "a looser cap has a larger standard error")
helpers.claim(bool((np.diff(caps["bias"].abs()) < 0).all()), "a tighter cap has a larger bias")
helpers.claim(bool((caps["RMSE"].iloc[:-1] < caps["RMSE"].iloc[-1]).all()), "at 20,000 per arm every cap lowers RMSE")
helpers.claim(bool((caps["bias"].iloc[:-1] > 0).all()), "every cap biases the effect upwards")
tenfold = caps["RMSE at 10 x the visitors"]
helpers.claim(tenfold.iloc[0] > tenfold.iloc[-1], "at 10 x the visitors the tightest cap is worse than no cap")
helpers.claim(tenfold.min() > 0.9 * tenfold.iloc[-1], "at 10 x the visitors no cap lowers the error by much")

# %% [markdown]
# ## Ratio metrics and the unit of analysis
#
# Now let visitors come back during the test: `extra_sessions=2` gives each visitor 1 + Poisson(2) sessions.
# The team reports revenue **per session**: total revenue over total sessions in each arm. The visitor is
# randomised, not the session, and a visitor's sessions are alike (the same habits, the same spending). Treating
# sessions as independent gives a standard error that is too small. The delta method (Deng, Knoblich and Lu,
# 2018) works at the level of the visitor: for each arm with r = mean(Y) / mean(N) over its n visitors,
# var(r) ≈ var(Y − r N) / (n · mean(N)²), where var is the **sample variance** over the visitors (n − 1 in its
# denominator: `np.var(..., ddof=1)`, not NumPy's default `ddof=0`). The difference's variance is the sum of
# the two arms'.

# %%
RETURN_IN_TEST = {"extra_sessions": 2.0, "loyalty": 0.8, "spend_share": 0.5}
multi = helpers.experiments.visitor_experiments(shop, control, undecided, n_visitors=20_000, n_experiments=1,
                                                seed=SEED + 3, **RETURN_IN_TEST)
treated_m, revenue_m, sessions_m = multi.treatment[0], multi.revenue[0], multi.sessions[0]
ratio = helpers.abtest.ratio_difference(revenue_m, sessions_m, treated_m)
print(f"{sessions_m.sum():,} sessions of {len(sessions_m):,} visitors; revenue per session "
      f"{ratio.ratio_control:.3f} € (control), {ratio.ratio_treatment:.3f} € (treatment)")
print(f"difference {ratio.difference:+.4f} € per session, delta-method standard error {ratio.standard_error:.4f}")

# %% [markdown]
# The same standard error comes out of a regression of each session's revenue on the treatment indicator with
# standard errors clustered by visitor (statsmodels, without its small-sample correction; the delta method's
# sample variances differ from it by a factor n / (n − 1) per arm):

# %%
owner = np.repeat(np.arange(len(sessions_m)), sessions_m)
share = np.repeat(revenue_m / sessions_m, sessions_m)  # any split of a visitor's revenue gives the same sums
cluster = sm.OLS(share, sm.add_constant(treated_m[owner].astype(float))).fit(
    cov_type="cluster", cov_kwds={"groups": owner, "use_correction": False})
print(f"difference {cluster.params[1]:+.6f}, clustered standard error {cluster.bse[1]:.6f} "
      f"(delta method {ratio.difference:+.6f}, {ratio.standard_error:.6f})")

# %%
helpers.claim(abs(cluster.bse[1] / ratio.standard_error - 1) < 1e-3,
              "the delta method agrees with clustered standard errors")

# %% [markdown]
# Whether that matters, the repeated experiments say. For each, the naive interval (sessions as if independent)
# and the delta method's, against the true effect per session (the shop's per-session truth, because every
# session is a uniform draw):

# %%
many = helpers.experiments.visitor_experiments(shop, control, undecided, n_visitors=N_VISITORS,
                                               n_experiments=N_REPEATS, seed=SEED + 4, **RETURN_IN_TEST)
covered, width_ratio = {"naive (sessions independent)": [], "delta method": []}, []
for i in range(N_REPEATS):
    t_flags = many.treatment[i]
    result = helpers.abtest.ratio_difference(many.revenue[i], many.sessions[i], t_flags)
    naive_var = 0.0
    for arm in (t_flags, ~t_flags):
        n_s, total, total_sq = many.sessions[i][arm].sum(), many.revenue[i][arm].sum(), many.revenue_sq[i][arm].sum()
        naive_var += (total_sq - total**2 / n_s) / (n_s - 1) / n_s
    error = abs(result.difference - true_effect)
    covered["naive (sessions independent)"].append(error <= 1.96 * np.sqrt(naive_var))
    covered["delta method"].append(error <= 1.96 * result.standard_error)
    width_ratio.append(np.sqrt(naive_var) / result.standard_error)
ratio_coverage = {name: np.mean(values) for name, values in covered.items()}
del many  # free the simulated visitors' memory
print({name: f"{value:.1%} ± {np.sqrt(value * (1 - value) / N_REPEATS):.1%}" for name, value in ratio_coverage.items()})
print(f"naive width / delta-method width: mean {np.mean(width_ratio):.2f}, largest {np.max(width_ratio):.2f}")

# %% [markdown]
# The naive interval is narrower than the delta method's in every experiment (the ratio of the widths is printed
# above), so it covers the truth less often: its tests declare too many differences. The delta method's coverage
# is within Monte Carlo error of 95 %.

# %%
helpers.claim(bool(np.max(width_ratio) < 1),
              "the naive interval is narrower than the delta method's in every experiment")
helpers.claim(ratio_coverage["naive (sessions independent)"] < ratio_coverage["delta method"],
              "the naive interval of a ratio metric covers the truth less often")
helpers.claim(abs(ratio_coverage["delta method"] - 0.95) < 3 * nominal_se, "the delta method covers 95 % within MC error")

# %% [markdown]
# ## Always-valid inference: look after every visitor
#
# Chapter 03 showed that peeking inflates false positives and fixed it with a few planned looks. A **confidence
# sequence** goes further: a sequence of intervals meant to contain the true effect at *every* sample size at
# once, with probability at least 95 %. You may look after every visitor, stop whenever zero leaves it, or keep
# going past the planned size. We use the normal mixture of Robbins (1970), known in A/B testing as the mixture
# sequential probability ratio test (mSPRT) of Johari, Koomen, Pekelis and Walsh (2017/2022).
#
# Its guarantee is exact for normal observations with a known variance. Conversions are 0/1, and we plug in
# their variance: that makes it an **approximate** (asymptotic) confidence sequence in the sense of Waudby-Smith,
# Arbour, Sinha, Kennedy and Ramdas (2024), which holds as the normal approximation takes hold. (Howard, Ramdas,
# McAuliffe and Sekhon (2021) give non-asymptotic versions; for 0/1 data they need a larger variance proxy, so
# they are wider.) The simulation below checks how well the approximation does here.
#
# **The mixture.** The sequence averages the likelihood ratio of "the effect is δ" against "no effect" over a
# normal guess of δ with spread τ; averaged over that guess, the ratio grows large only when the data move away
# from zero. Its one knob is τ, the size of effect it expects; `helpers.abtest.mixture_tau` picks the τ that
# makes the band as narrow as possible at the planned size.
#
# The test is chapter 03's conversion guardrail: 15 % against 17 %. The variance of a pair of visitors (one per
# arm) is taken as known from the pre-period, where there is no effect. We let it run up to twice the planned
# size, to see what extending costs:

# %%
P_A, P_B = 0.15, 0.17
N_PLAN = helpers.abtest.sample_size_per_arm(P_A, P_B - P_A)
N_MAX = 2 * N_PLAN                          # how far the confidence sequence may be extended
VAR = 2 * P_A * (1 - P_A)                   # variance of one pair's difference, treatment minus control
tau = helpers.abtest.mixture_tau(VAR, N_PLAN)
n = np.arange(1, N_MAX + 1)
cs_half = helpers.abtest.confidence_sequence_half_width(n, VAR, tau)
fixed_half = norm.ppf(0.975) * np.sqrt(VAR / n)
VAR_EFFECT = P_A * (1 - P_A) + P_B * (1 - P_B)  # the pair variance if the effect is real
print(f"planned {N_PLAN:,} visitors per arm; at that size the confidence sequence is "
      f"{cs_half[N_PLAN - 1] / fixed_half[N_PLAN - 1]:.2f} times as wide as the fixed-size interval; "
      f"pair variance {VAR:.4f} without an effect, {VAR_EFFECT:.4f} with it")

# %% [markdown]
# At the planned size the band is narrower with the τ that `mixture_tau` chose than with half or twice that τ.
# It is wider than the fixed-size interval at every number of visitors: that is the price of being allowed to
# look at all of them.
#
# Why the variance without an effect? The sequence's promise that matters most is about false positives, and a
# false positive can only happen when there is no effect: then both arms convert at 15 % and the pair variance
# is exactly the one we plug in. With the 2-point effect the true pair variance is a little larger (printed
# above), so around the true effect the band is a little too narrow, by the square root of the ratio of the two
# variances, less than 3 %. That touches how well the band covers the size of a real effect, not the
# false-positive rate.

# %%
helpers.claim(bool(cs_half[N_PLAN - 1] < min(helpers.abtest.confidence_sequence_half_width(N_PLAN, VAR, f * tau)
                                             for f in (0.5, 2.0))), "the chosen tau is narrowest at the planned size")
helpers.claim(bool((cs_half > fixed_half).all()), "the confidence sequence is wider than the fixed-size interval")
helpers.claim(1 - np.sqrt(VAR / VAR_EFFECT) < 0.03, "with the effect the band is less than 3 % too narrow")

# %% [markdown]
# Nobody should read a z value off a handful of visitors: with 15 % conversion, 100 visitors per arm bring about
# 15 conversions each, a common minimum for the normal approximation. So every rule below starts looking at
# `N_MIN = 100` visitors per arm.
#
# The sequence also gives an **always-valid p-value**: after n visitors, the smallest α for which the level
# 1 − α sequence has already excluded zero at some look so far. It can only fall, and stopping the first time it
# drops below 5 % is the same as stopping the first time the 95 % band leaves zero; unlike an ordinary p-value,
# it stays valid however often you look. One simulated experiment with a real effect, visitor pair by visitor
# pair: the running difference with the confidence sequence and with the fixed-size 95 % interval recomputed at
# every visitor, and the always-valid p-value.

# %%
N_MIN = 100
rng = np.random.default_rng(SEED + 5)
path = np.cumsum((rng.random(N_PLAN) < P_B).astype(int) - (rng.random(N_PLAN) < P_A)) / n[:N_PLAN]
shown = slice(N_MIN - 1, N_PLAN)
p_values = helpers.abtest.always_valid_p_value(path[shown], n[shown], VAR, tau)
stop = n[shown][p_values < 0.05].min() if (p_values < 0.05).any() else None
ax = helpers.plotting.sequence_path(
    n[shown], path[shown], {"confidence sequence": (path[shown] - cs_half[shown], path[shown] + cs_half[shown]),
                            "fixed-size 95 % interval": (path[shown] - fixed_half[shown],
                                                         path[shown] + fixed_half[shown])},
    truth=P_B - P_A, title="A conversion test watched after every visitor", xlabel="visitors per arm",
    ylabel="difference in conversion rate (proportion; 0.02 = 2 points)", ylim=(-0.1, 0.1), stop=stop)
print(f"always-valid p-value at the planned size: {p_values[-1]:.2g}; the sequence "
      + (f"left zero at {stop:,} visitors per arm" if stop else "did not leave zero by the planned size"))

# %% [markdown]
# *Figure: the running difference in conversion rate of one simulated test, visitor pair by visitor pair, with
# the confidence sequence, the fixed-size 95 % interval recomputed at every visitor, and the true effect.*

# %% [markdown]
# The figure: the running difference (black), the confidence sequence (blue) and the fixed-size interval
# (orange) around it, the true effect dashed, and, if the sequence leaves zero, a vertical line where it does.
# The axis is cut at ±0.1, so over the first few hundred visitors the bands run off the figure. What to look
# for: where the blue band's lower edge rises above zero. From that visitor on you may stop and declare an
# effect, with false positives kept below 5 %; the printed line says whether and where it happened in this run
# (with another seed it may not happen by the planned size; the table further down shows how often it does). The orange band, narrower at every visitor, leaves zero sooner whenever the
# blue one does, and sometimes when it never does; checked after every visitor it is no 95 % interval, as the
# false-positive rates below show.

# %%
helpers.claim(bool(np.array_equal(p_values < 0.05, np.maximum.accumulate(np.abs(path[shown]) > cs_half[shown]))),
              "the always-valid p-value is below 5 % exactly once the band has left zero")

# %% [markdown]
# **Alpha spending for uneven looks.** The dashboard updates once a day, and daily traffic is not constant
# (weekdays differ, and days differ by chance: `helpers.experiments.daily_traffic`). Lan and DeMets (1983) spend
# the 5 % along the information fraction t (the share of the planned visitors seen), so the looks need not be
# planned or equally spaced. We use O'Brien–Fleming-type spending in the convention of the R package gsDesign
# and of Jennison and Turnbull's tables: 2.5 % on each side with the one-sided function 2 − 2Φ(z₀.₀₁₂₅ / √t),
# 4 − 4Φ(z₀.₀₁₂₅ / √t) in total, where Φ is the standard normal distribution function and z₀.₀₁₂₅ = 2.24 its
# upper 1.25 % point (at t = 1 each side has spent 2 − 2Φ(2.24) = 2.5 %). (Lan and DeMets' own two-sided form, 2 − 2Φ(z₀.₀₂₅ / √t), is another function
# and gives other boundaries.) First, a check of `helpers.abtest.spending_bounds` against published values for
# five equal looks (Jennison and Turnbull, 2000; gsDesign gives the same):

# %%
PUBLISHED = [4.8769, 3.3569, 2.6803, 2.2898, 2.0310]
ours = helpers.abtest.spending_bounds(np.arange(1, 6) / 5)
print(np.round(ours, 4), "largest difference", f"{np.max(np.abs(ours - PUBLISHED)):.1e}")

# %%
helpers.claim(np.max(np.abs(ours - PUBLISHED)) < 2e-3, "the spending boundaries match the published values")

# %% [markdown]
# The first boundary needs no grid: you can work it out by hand. Before the first look nothing has been spent,
# and the z statistic at that look is simply standard normal. So the boundary b is the z whose upper tail equals
# what one side may spend by then: b = Φ⁻¹(1 − (2 − 2Φ(z₀.₀₁₂₅ / √t₁))). For five equal looks, t₁ = 0.2. (The
# later boundaries depend on the earlier looks, because a path that crossed before has already stopped; that
# is what `spending_bounds` propagates.)

# %%
z_0125 = norm.isf(0.0125)                                # the upper 1.25 % point
one_side = 2 - 2 * norm.cdf(z_0125 / np.sqrt(0.2))     # what one side may spend by t = 0.2
first_bound = norm.isf(one_side)                         # the z with that upper tail: Phi^-1(1 - one_side)
print(f"z_0.0125 = {z_0125:.4f}; one side spends {one_side:.2e} by t = 0.2; first boundary {first_bound:.4f} "
      f"(spending_bounds {ours[0]:.4f}, published {PUBLISHED[0]})")

# %%
helpers.claim(abs(z_0125 - 2.24) < 0.005, "z_0.0125 is 2.24")
helpers.claim(abs(first_bound - ours[0]) < 1e-3 and abs(first_bound - PUBLISHED[0]) < 1e-3,
              "the first boundary by hand matches spending_bounds and the published value")

# %% [markdown]
# Now the test's own looks: 14 days of varying traffic, cumulated into information fractions, and the boundary
# at the end of each day:

# %%
traffic = helpers.experiments.daily_traffic(14, 1_000, seed=SEED + 6)
looks = np.minimum(np.cumsum(traffic) // 2, N_PLAN)          # visitors per arm by the end of each day
looks = np.unique(np.append(looks[looks < N_PLAN], N_PLAN))  # the planned size is the last look
bounds = helpers.abtest.spending_bounds(looks / N_PLAN)
pd.DataFrame({"visitors per arm": looks, "information fraction": looks / N_PLAN, "z boundary": bounds},
             index=pd.Index(range(1, len(looks) + 1), name="look")).round(3)

# %% [markdown]
# Every stopping rule is a threshold on the running difference at each number of visitors (infinite where
# nobody looks); two small functions build them. Beside the confidence sequence and Lan–DeMets: naive peeking (1.96 standard errors) after every
# visitor, from the minimum and, to show why the minimum matters, from the very first visitor; naive peeking
# at the daily looks; a single analysis at the planned size; and the confidence sequence extended to twice the
# planned size. The same simulated experiments go through all of them, first A/A experiments (no effect), then
# experiments with the 2-point effect:

# %%
def looking(half_width, first, last):
    """The thresholds half_width from visitor first to visitor last (per arm), infinite elsewhere."""
    rule = np.full(N_MAX, np.inf)
    rule[first - 1:last] = half_width[first - 1:last]
    return rule


def only_at(positions, z):
    """z standard errors at the given numbers of visitors per arm, infinite elsewhere."""
    rule = np.full(N_MAX, np.inf)
    rule[np.asarray(positions) - 1] = np.asarray(z) * np.sqrt(VAR / np.asarray(positions))
    return rule


# %% [markdown]
# The rules, and both sets of experiments:

# %%
Z = norm.ppf(0.975)
RULES = {"naive, every visitor": looking(fixed_half, N_MIN, N_PLAN),
         "naive, every visitor from the first": looking(fixed_half, 1, N_PLAN),
         "naive, daily looks": only_at(looks, Z),
         "confidence sequence, every visitor": looking(cs_half, N_MIN, N_PLAN),
         "the same, extended to twice the plan": looking(cs_half, N_MIN, N_MAX),
         "Lan-DeMets, daily looks": only_at(looks, bounds),
         "one analysis at the planned size": only_at([N_PLAN], Z)}
HORIZON = np.array([N_MAX if "extended" in name else N_PLAN for name in RULES])
stops = {}
for label, p_b in (("A/A", P_A), ("effect", P_B)):
    stops[label] = helpers.experiments.first_crossing(P_A, p_b, n_per_arm=N_MAX, n_experiments=N_REPEATS * 2,
                                                      seed=SEED + 7, half_width=np.array(list(RULES.values())))

# %% [markdown]
# For each rule: the false-positive rate under its monitoring, the power, and the average number of visitors
# per arm each experiment used, with an effect and without: an experiment that stops early counts the visitors
# at its stop, one that never stops counts the whole horizon.

# %%
R = N_REPEATS * 2
visitors_used = {label: np.where(s > 0, s, HORIZON[:, None]).mean(axis=1) for label, s in stops.items()}
false_positives = (stops["A/A"] > 0).mean(axis=1)
monitoring = pd.DataFrame({
    "false positives": false_positives, "MC se": np.sqrt(false_positives * (1 - false_positives) / R),
    "power": (stops["effect"] > 0).mean(axis=1), "visitors used, effect": visitors_used["effect"],
    "visitors used, no effect": visitors_used["A/A"]}, index=list(RULES))
monitoring.round(3)

# %% [markdown]
# Naive peeking after every visitor turns the 5 % into a large share of false positives, even from the
# minimum; from the very first visitor it is worse still, but that extra is mostly the normal approximation
# failing on a handful of visitors (one converting visitor against none is already "significant"), not the
# peeking. Naive peeking at the daily looks inflates the rate less, but still well above 5 %. The confidence
# sequence stays below 5 % although it was checked after every single visitor, and it still does when
# extended to twice the planned size; the daily Lan–DeMets looks keep about 5 %, as designed.
#
# Now the price. At the planned size, the confidence sequence detects the effect less often than Lan–DeMets,
# for about the same number of visitors used on average. How long must it be allowed to run to reach
# Lan–DeMets' power? Over the extended runs, the number of visitors by which that share of experiments had
# stopped, and the visitors such a design would use on average:

# %%
extended = list(RULES).index("the same, extended to twice the plan")
detected_at = np.where(stops["effect"][extended] > 0, stops["effect"][extended], np.inf)
lan_demets = monitoring.loc["Lan-DeMets, daily looks"]
target_power = lan_demets["power"]
n_same_power = int(np.quantile(detected_at, target_power, method="higher"))
used_same_power = np.minimum(detected_at, n_same_power).mean()
print(f"confidence sequence at Lan-DeMets' power ({target_power:.0%}): run up to {n_same_power:,} visitors per "
      f"arm; it uses {used_same_power:,.0f} on average with the effect and about {n_same_power:,} without, "
      f"against {lan_demets['visitors used, effect']:,.0f} and {lan_demets['visitors used, no effect']:,.0f} "
      f"for Lan-DeMets")

# %% [markdown]
# At equal power the confidence sequence costs more visitors, most of all when there is no effect. What it buys
# is freedom: you may look at any time, stop at any time, and extend a test that has not yet decided without
# planning the looks in advance. Lan–DeMets has spent its whole 5 % at the planned size and cannot be extended.
# When the looks can be planned, spending is cheaper; when they cannot, the confidence sequence is the honest
# choice.

# %%
fp, se_fp, power = monitoring["false positives"], monitoring["MC se"], monitoring["power"]
helpers.claim(fp["naive, every visitor"] > 4 * 0.05, "naive continuous peeking multiplies the false positives")
helpers.claim(fp["naive, every visitor from the first"] > fp["naive, every visitor"],
              "peeking from the first visitor is worse")
helpers.claim(fp["naive, daily looks"] > 0.05 + 3 * np.sqrt(0.05 * 0.95 / R),
              "naive daily looks inflate false positives")
helpers.claim(fp["confidence sequence, every visitor"] - 2 * se_fp["confidence sequence, every visitor"] < 0.05,
              "the confidence sequence keeps false positives below 5 %")
helpers.claim(fp["the same, extended to twice the plan"] - 2 * se_fp["the same, extended to twice the plan"] < 0.05,
              "extended to twice the plan, it still keeps them below 5 %")
helpers.claim(abs(fp["Lan-DeMets, daily looks"] - 0.05) < 3 * np.sqrt(0.05 * 0.95 / R),
              "daily Lan-DeMets looks keep about 5 %")
helpers.claim(power["confidence sequence, every visitor"] < power["Lan-DeMets, daily looks"],
              "at the planned size the confidence sequence has less power than Lan-DeMets")
used = monitoring["visitors used, effect"]
helpers.claim(abs(used["confidence sequence, every visitor"] / used["Lan-DeMets, daily looks"] - 1) < 0.1,
              "for about the same average number of visitors")
helpers.claim(used_same_power > used["Lan-DeMets, daily looks"],
              "at equal power the confidence sequence uses more visitors")

# %% [markdown]
# ## Threats a simulation can show
#
# **Novelty.** A new offer can persuade more while it is new. `helpers.experiments.daily_arms` multiplies the
# log-odds the offer adds by 1 + novelty · 2^(−(day − 1)/half-life) (an assumption: novelty 1.5, half-life 3
# days). Four weeks of 40,000 visitors a day, the effect estimated day by day against the true effect of each
# day:

# %%
DAYS, NOVELTY = 28, {"novelty": 1.5, "half_life": 3.0}
days = helpers.experiments.daily_arms(shop, control, undecided, traffic=np.full(DAYS, 40_000), seed=SEED + 8,
                                      **NOVELTY)
daily_truth = helpers.experiments.novelty_truth(shop, control, undecided, n_days=DAYS, **NOVELTY)
wide = days.pivot(index="day", columns="arm")
means = wide["revenue"] / wide["n"]
variances = (wide["revenue_sq"] - wide["n"] * means**2) / (wide["n"] - 1) / wide["n"]
daily = pd.DataFrame({"estimate": means["treatment"] - means["control"],
                      "se": np.sqrt(variances.sum(axis=1)), "truth": daily_truth}, index=wide.index)
ax = helpers.plotting.effect_by_day(daily.index, daily["estimate"], daily["estimate"] - 1.96 * daily["se"],
                                    daily["estimate"] + 1.96 * daily["se"], daily["truth"], long_run=true_effect,
                                    title="Novelty: the offer's effect fades", ylabel="€ per visitor")
print(daily.loc[[1, 2, 3, 7, 14, 21, 28]].round(3).T.rename_axis(columns="day").to_string())

# %% [markdown]
# *Figure: the offer's effect estimated day by day with its 95 % interval, beside the true effect of each day
# and the long-run effect, over four weeks.*

# %% [markdown]
# The daily estimates follow the true effect of each day, which starts well above the long-run effect and
# settles to it. A test stopped after its first week reports the first week's effect:

# %%
def pooled(frame):
    """Difference of the arms' mean revenue per visitor over the given days, and its standard error."""
    total = frame.groupby("arm")[["n", "revenue", "revenue_sq"]].sum()
    mean = total["revenue"] / total["n"]
    var = (total["revenue_sq"] - total["n"] * mean**2) / (total["n"] - 1) / total["n"]
    return mean["treatment"] - mean["control"], np.sqrt(var.sum())


week_one, week_one_se = pooled(days[days["day"] <= 7])
late, late_se = pooled(days[days["day"] > 14])
print(f"week 1: {week_one:+.3f} ± {1.96 * week_one_se:.3f} € (true {daily_truth[:7].mean():+.3f}); weeks 3-4: "
      f"{late:+.3f} ± {1.96 * late_se:.3f} € (true {daily_truth[14:].mean():+.3f}); long run {true_effect:+.3f} €")

# %%
helpers.claim(daily_truth[:7].mean() > 1.5 * true_effect, "the first week's true effect is well above the long run")
helpers.claim(week_one - late > 2 * np.hypot(week_one_se, late_se),
              "the first week's estimate exceeds the later weeks'")
helpers.claim(abs(late - true_effect) < 3 * late_se, "the weeks 3-4 estimate agrees with the long-run effect")

# %% [markdown]
# What helps against novelty is what this figure does: plot the effect by day, compare the early days with the
# late ones, run until the daily effect has settled, and read the effect from the settled days. Running whole
# weeks is no remedy: it protects against day-of-week effects (chapter 03), and this simulation has no weekly
# cycle, yet its whole first week reads far too high. Here the effect fades by calendar day for brand-new
# visitors with one session each. Where visitors return, novelty is a visitor getting used to the offer; then
# compare visitors by the time since their own first exposure (cohorts by the day they first saw it), which
# this simulation does not model.
#
# **Interference.** A shopper posts the offer's coupon code on a deal site, and some control visitors use it
# (`leak`: the chance that a control visitor finds it). The control arm is then partly treated, and the
# comparison shrinks towards zero; in expectation by the factor 1 − leak, because a leaked visitor behaves as a
# treated one. If the shop logs who came through the deal site (assumed here: the `leaked` flag of each
# visitor), the leak is **one-sided non-compliance**: some control visitors take the treatment. Then the
# difference divided by the difference in the share treated, 1 − the observed leak share of the control arm,
# estimates the effect on those who take the offer (the complier average causal effect of Angrist, Imbens and
# Rubin, 1996). Here who finds the code is random, so that is everybody's effect. The same simulated visitors
# (same seed) are run with several leak rates, so that the change each leak causes is measured experiment by
# experiment, with little Monte Carlo noise:

# %%
leak_estimates, corrected = {}, {}
for leak in [0.0, 0.25, 0.5]:
    sims = helpers.experiments.visitor_experiments(shop, control, undecided, n_visitors=N_VISITORS,
                                                   n_experiments=N_REPEATS, seed=SEED + 9, leak=leak)
    difference = np.array([r[t].mean() - r[~t].mean() for r, t in zip(sims.revenue, sims.treatment, strict=True)])
    leak_share = np.array([k[~t].mean() for k, t in zip(sims.leaked, sims.treatment, strict=True)])
    leak_estimates[leak], corrected[leak] = difference, difference / (1 - leak_share)
    del sims
change = {leak: values - leak_estimates[0.0] for leak, values in leak_estimates.items()}
leaks = pd.DataFrame({"mean estimate": {k: v.mean() for k, v in leak_estimates.items()},
                      "change from no leak": {k: v.mean() for k, v in change.items()},
                      "MC se of change": {k: v.std() / np.sqrt(N_REPEATS) for k, v in change.items()},
                      "expected change (-leak x truth)": {k: -k * true_effect for k in leak_estimates},
                      "corrected estimate": {k: v.mean() for k, v in corrected.items()},
                      "MC se of corrected": {k: v.std() / np.sqrt(N_REPEATS) for k, v in corrected.items()}})
print(f"truth {true_effect:+.4f} €")
leaks.rename_axis("leak").round(4)

# %%
helpers.claim(leaks["change from no leak"].iloc[-1] + 3 * leaks["MC se of change"].iloc[-1] < 0,
              "a leaked coupon biases the estimate towards zero")
helpers.claim(bool((abs(leaks["change from no leak"] - leaks["expected change (-leak x truth)"])
                    <= 3 * leaks["MC se of change"] + 1e-12).all()),
              "the estimate shrinks by about the factor 1 - leak")
helpers.claim(bool((abs(leaks["corrected estimate"] - true_effect) < 3 * leaks["MC se of corrected"]).all()),
              "dividing by 1 - the observed leak share recovers the effect")

# %% [markdown]
# The correction works because the leak is observed, one-sided and clean: a leaked visitor is simply treated.
# Its interval is wider (it divides by 1 − leak), and it fails when the leak is not logged. Real spillovers are
# rarely so tidy: shared budgets or stock, a marketplace where treated buyers take goods from control buyers,
# friends who tell friends. Then the randomisation unit must contain the interference: randomise by region, by
# time (switchback designs), or make codes personal.
#
# ## A decision guide
#
# | situation | technique | what it costs |
# |---|---|---|
# | a metric you can predict from before the test | CUPED / CUPAC: past metric, a model's prediction, or both in one regression; a covariate from the session only if its fields are known before the treatment | a covariate pipeline; a bias if the covariate is read after the treatment |
# | skewed metric and a small arm (a first ramp) | expect lopsided one-sided misses until the small arm has 355 s² visitors (s the skewness); balance the arms, wait for more visitors, or cap at a threshold fixed in advance | capping changes the estimand (a bias, here upward) |
# | analysis unit ≠ randomisation unit (per session, per order) | the delta method (or clustered standard errors) | nothing but care |
# | looks at uneven times, a few of them, planned | Lan–DeMets alpha spending | a little power, a plan |
# | you want to look at any time, stop early or extend | a confidence sequence / mSPRT | at equal power, more visitors than planned looks |
# | an effect that may fade | plot the effect by day, compare early with late, run until it settles; with returning visitors, by time since first exposure | time |
# | a leak to control you can observe (one-sided) | divide by 1 − the leak share (CACE) | a wider interval |
# | treated and control units interact | randomise by larger units (region, time: switchbacks) | fewer units, wider intervals |
#
# ## The chapter in numbers
#
# This chapter's measurements, from the runs above:

# %%
vr = table["variance removed"]
print(f"variance removed (average of {N_REPEATS} experiments): CUPED {vr[legit[0]]:.1%}, CUPAC from the "
      f"pre-period {vr[legit[1]]:.1%}, both {vr[legit[2]]:.1%}, in-session score {vr[legit[3]]:.1%}")
print(f"coverage of 95 % intervals: CUPED {table.loc[legit[0], 'coverage']:.1%}, CUPAC "
      f"{table.loc[legit[1], 'coverage']:.1%}, in-session {table.loc[legit[3], 'coverage']:.1%} "
      f"({N_REPEATS} experiments, Monte Carlo se {nominal_se:.1%})")
print(f"Welch, 10 % ramp: coverage {welch['coverage'].iloc[0]:.1%} at {SIZES[0]} treated visitors; misses below/"
      f"above the truth {at_1000['interval below truth']:.1%}/{at_1000['interval above truth']:.1%} at 1,000, "
      f"{welch['interval below truth'].iloc[-1]:.1%}/{welch['interval above truth'].iloc[-1]:.1%} at {SIZES[-1]:,}")
print(f"revenue per session: naive {ratio_coverage['naive (sessions independent)']:.1%}, delta method "
      f"{ratio_coverage['delta method']:.1%} ({N_REPEATS} experiments)")
print(f"false positives, checked after every visitor from {N_MIN}: naive {fp['naive, every visitor']:.1%}, "
      f"confidence sequence {fp['confidence sequence, every visitor']:.1%}, extended to twice the plan "
      f"{fp['the same, extended to twice the plan']:.1%} ({R} A/A experiments)")

# %% [markdown]
# ## Exercises
#
# ### Exercise 5.1
#
# A test needs 80,000 visitors per arm. A pre-period covariate has a correlation of 0.5 with the metric. About
# how many visitors per arm does the same test need with CUPED?

# %%
answer_5_1 = ...
helpers.exercises.ch05.q1.check(answer_5_1)

# %%
# helpers.exercises.ch05.q1.hint()
# helpers.exercises.ch05.q1.solution()

# %% [markdown]
# ### Exercise 5.2
#
# A metric's skewness is 4. By Kohavi's rule of thumb, from how many visitors per arm is its mean close enough
# to normal?

# %%
answer_5_2 = ...
helpers.exercises.ch05.q2.check(answer_5_2)

# %%
# helpers.exercises.ch05.q2.hint()
# helpers.exercises.ch05.q2.solution()

# %% [markdown]
# ### Exercise 5.3
#
# Six visitors: control visitors had revenue `[0, 30, 0]` over `[1, 3, 2]` sessions, treatment visitors
# `[12, 0, 45]` over `[2, 1, 4]` sessions. What is the delta method's standard error of the difference in
# revenue per session (treatment minus control)?

# %%
answer_5_3 = ...
helpers.exercises.ch05.q3.check(answer_5_3)

# %%
# helpers.exercises.ch05.q3.hint()
# helpers.exercises.ch05.q3.solution()

# %% [markdown]
# ### Exercise 5.4
#
# A test will be looked at when 30 %, 60 % and 100 % of its visitors have arrived. With O'Brien–Fleming-type
# alpha spending (two-sided 5 %), what z value must the first look exceed? Work it out by hand, as shown above
# for five equal looks, then compare with `helpers.abtest.spending_bounds`.

# %%
answer_5_4 = ...
helpers.exercises.ch05.q4.check(answer_5_4)

# %%
# helpers.exercises.ch05.q4.hint()
# helpers.exercises.ch05.q4.solution()

# %% [markdown]
# ### Exercise 5.5
#
# A coupon code leaked, and the shop logged that 20 % of the control visitors came through the deal site and
# used it. The test shows a difference of 0.10 € net revenue per visitor (treatment minus control). What is the
# offer's effect per visitor, if a leaked visitor behaves exactly as a treated one?

# %%
answer_5_5 = ...
helpers.exercises.ch05.q5.check(answer_5_5)

# %%
# helpers.exercises.ch05.q5.hint()
# helpers.exercises.ch05.q5.solution()

# %% [markdown]
# ## Key points
#
# - A covariate measured before the treatment removes about ρ² of the variance (CUPED); a model's prediction
#   can serve as the covariate (CUPAC), and several covariates go into one regression. The result equals
#   regression adjustment. Which covariate removes most depends on the data: here, on the same pre-period, the
#   prediction and past revenue did about equally well; measure it on yours, over many experiments.
# - A covariate the treatment can change (read after the offer) biases the estimate, however tight its interval,
#   and a coverage check of modest size may not see it: compare with the truth.
# - A skewed metric makes a 95 % interval miss lopsidedly, on one side, long after its two-sided coverage looks
#   right; Kohavi's n > 355 s² (s the skewness) controls that one-sided error. It bites where one arm is small (a ramp); with a
#   50/50 split the skewness of the difference largely cancels. Capping buys variance with bias, and the bias
#   need not be conservative.
# - When the analysis unit is finer than the randomisation unit, use the delta method; naive intervals are too
#   narrow.
# - Never read a z value off a handful of visitors. A confidence sequence may be checked after every visitor,
#   stopped at any time or extended, with false positives (approximately, for 0/1 data) below 5 %; at equal
#   power it needs more visitors than Lan–DeMets spending, which handles a few planned, uneven looks.
# - Novelty and interference bias even a perfect analysis: watch the effect by day and read it once it has
#   settled; correct an observed one-sided leak by 1 − leak share, and otherwise randomise units that do not
#   interact.
#
# ## Further reading
#
# - A. Deng, Y. Xu, R. Kohavi and T. Walker, "Improving the Sensitivity of Online Controlled Experiments by
#   Utilizing Pre-Experiment Data", *Proceedings of the Sixth ACM International Conference on Web Search and Data
#   Mining (WSDM)*, 123–132, 2013.
# - J. Li, Y. Tang and J. Bauman, "Improving Experimental Power through Control Using Predictions as Covariate
#   (CUPAC)", DoorDash Engineering blog, 8 June 2020.
# - R. Kohavi, A. Deng, R. Longbotham and Y. Xu, "Seven Rules of Thumb for Web Site Experimenters", *Proceedings
#   of the 20th ACM SIGKDD International Conference on Knowledge Discovery and Data Mining*, 1857–1866, 2014.
# - D. D. Boos and J. M. Hughes-Oliver, "How Large Does n Have to be for Z and t Intervals?", *The American
#   Statistician* 54(2), 121–128, 2000.
# - A. Deng, U. Knoblich and J. Lu, "Applying the Delta Method in Metric Analytics: A Practical Guide with Novel
#   Ideas", *Proceedings of the 24th ACM SIGKDD International Conference on Knowledge Discovery & Data Mining*,
#   233–242, 2018.
# - R. Johari, P. Koomen, L. Pekelis and D. Walsh, "Peeking at A/B Tests: Why it matters, and what to do about
#   it", *Proceedings of the 23rd ACM SIGKDD International Conference on Knowledge Discovery and Data Mining*,
#   1517–1525, 2017; and "Always Valid Inference: Continuous Monitoring of A/B Tests", *Operations Research*
#   70(3), 1806–1821, 2022.
# - S. R. Howard, A. Ramdas, J. McAuliffe and J. Sekhon, "Time-uniform, nonparametric, nonasymptotic confidence
#   sequences", *The Annals of Statistics* 49(2), 1055–1080, 2021.
# - I. Waudby-Smith, D. Arbour, R. Sinha, E. H. Kennedy and A. Ramdas, "Time-uniform central limit theory and
#   asymptotic confidence sequences", *The Annals of Statistics* 52(6), 2613–2640, 2024.
# - H. Robbins, "Statistical Methods Related to the Law of the Iterated Logarithm", *The Annals of Mathematical
#   Statistics* 41(5), 1397–1409, 1970.
# - K. K. G. Lan and D. L. DeMets, "Discrete sequential boundaries for clinical trials", *Biometrika* 70(3),
#   659–663, 1983.
# - C. Jennison and B. W. Turnbull, *Group Sequential Methods with Applications to Clinical Trials*, Chapman &
#   Hall/CRC, 2000.
# - K. M. Anderson, *gsDesign: Group Sequential Design*, R package, CRAN (spending functions and boundaries).
# - J. D. Angrist, G. W. Imbens and D. B. Rubin, "Identification of Causal Effects Using Instrumental
#   Variables", *Journal of the American Statistical Association* 91(434), 444–455, 1996.
# - P. Armitage, C. K. McPherson and B. C. Rowe, "Repeated Significance Tests on Accumulating Data", *Journal of
#   the Royal Statistical Society, Series A* 132(2), 235–244, 1969.
# - R. Kohavi, D. Tang and Y. Xu, *Trustworthy Online Controlled Experiments: A Practical Guide to A/B Testing*,
#   Cambridge University Press, 2020 (chapters on variance, novelty and interference).
#
# ## What's next
#
# Chapter 06 lets the production model's score choose the offer for each visitor, and evaluates a new targeting
# policy from the logs before it ever runs.
