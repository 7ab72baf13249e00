# %% [markdown]
# # 2. Simplify for production
#
# **You will learn to** state production requirements as numbers, audit a model part by part for what each
# part costs and earns, simplify it on that evidence, export it to a small versioned spec, reimplement the
# scorer in plain code and prove it equal, measure latency and memory fairly, enforce an input contract, serve
# a month the data never saw, catch training/serving skew and drift, and release a model safely (shadow,
# rollback, fallback).
#
# | prerequisites | time to learn | runs in |
# |---|---|---|
# | chapter 01 (its model is rebuilt here by `helpers.prototype`) | 80 min reading, 40 min exercises | about 13 s on 2 cores (longer on a busy machine) |

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
SEED = 0             # seeds the folds, the bootstrap and the simulations
FAST = False         # True: fewer resamples and timed requests
N_AUDIT_FOLDS = 3    # grouped folds of the audit of inputs (nine refits of the prototype per fold)
N_FOLDS = 5          # grouped folds of the comparison of models and of the decision threshold
N_FAST_CALLS = 2_000  # timed requests for the fast implementations: enough for a 99th percentile
N_SLOW_CALLS = 100   # timed requests for the scikit-learn pipelines: enough for a 90th percentile
N_BOOTSTRAP = 1_000  # resamples for the confidence interval of the loss

# %%
if FAST:
    N_FAST_CALLS, N_BOOTSTRAP = 1_000, 300

# %% [markdown]
# ## The production team's requirements
#
# The shop decides whether to show an offer while it renders a page, so the model sits in the request path.
# The serving team writes the numbers down before anyone measures anything:
#
# | requirement | target | why |
# |---|---|---|
# | latency of one scoring call | 99th percentile under 5 ms | the whole page has 200 ms; the model gets a small slice |
# | memory | peak resident memory (RSS) of the serving process under 50 MB | many small service instances start and stop all day |
# | quality | test ROC AUC at most 0.02 below the prototype, judged by the *lower* end of the 95 % paired bootstrap interval of the difference | the team accepts a small, *proven* loss for a much simpler model |
# | every month | a valid request in any calendar month gets a score | the shop is open all year |
# | bad input | rejected with a clear message, never scored silently | a wrong score is worse than no score: the page then shows no offer |
# | dependencies | none beyond the service's own language (Go or Java) | the service has no Python runtime |
# | equality | the same probability as the analysts' model, to 1e-12, on every test session | otherwise the offline evaluation does not apply |

# %%
LATENCY_BUDGET = 5e-3   # seconds, for the 99th percentile
MEMORY_BUDGET_MB = 50
ALLOWED_LOSS = 0.02     # of test ROC AUC

# %% [markdown]
# ## Where the debt hides
#
# Sculley et al. (2014, 2015) describe how machine-learning systems pile up technical debt. Several of their
# patterns are visible in our prototype:
#
# - **Glue code and pipeline jungles.** Turning a request into a one-row `DataFrame` and pushing it through a
#   `ColumnTransformer` is glue: it exists because of the training library, and we will measure what it costs.
# - **Unstable data dependencies.** `PageValues` is computed by the web-analytics tool. If its definition or
#   tracking changes, the model's most important input changes under it.
# - **Underutilised data dependencies.** Inputs that add almost nothing still have to be collected, validated,
#   monitored and kept stable. The audit below looks for them.
# - **Entanglement (CACE: changing anything changes everything).** In a boosted ensemble no input is improved in
#   isolation; that is why we measure groups by removing them and refitting, not by reading importances.
# - **Hidden feedback loops.** Once offers are shown because of the model, future sessions are shaped by it;
#   chapter 03 returns to this.
#
# Breck et al. (2017) turn such concerns into a rubric of tests, *The ML Test Score*. This chapter works
# through several of its items, quoted as they write them: "All features are beneficial" and "No feature's
# cost is too much" (the audit), "A simpler model is not better" (the variants), "Training and serving are not
# skewed" (parity and the skew check), "Data invariants hold for inputs" (the input contract), "Serving models
# can be rolled back" and "Prediction quality has not regressed" (release and monitoring).
#
# ## The prototype, rebuilt
#
# We start from chapter 01's model, rebuilt by the helper (chapter 01 checked that it is the same model).

# %%
import numpy as np
import pandas as pd

sessions = helpers.data.load_sessions()
X_train, X_test, y_train, y_test = helpers.data.fixed_split(sessions)
prototype = helpers.prototype.build_prototype(X_train, y_train)
prototype

# %% [markdown]
# ## A complexity audit
#
# **Benefit of each group of inputs.** Remove one group, refit the prototype's pipeline on the same folds, and
# see how much the cross-validated ROC AUC drops. The drop is measured fold by fold, so its spread shows
# whether it is real. The folds keep identical rows together, with the same groups as the workbook's split, so
# that no fold is validated on copies of its own training rows, and give every fold the same share of buyers.
# Chapter 01 made such folds with `StratifiedGroupKFold`, which searches, group by group, for the fold that keeps
# the classes balanced, because in general a group can hold both classes. Ours cannot: `Revenue` is part of what
# makes two rows identical. So `helpers.data.stratified_group_folds` stratifies the groups themselves, with
# scikit-learn's `StratifiedKFold` over one entry per group, and maps them back to their rows; the cell prints
# each fold's share of buyers.
#
# The audit uses three folds, which keeps it to 27 fits of the prototype; the comparison of models below uses
# five. A drop counts as clearly real when its mean exceeds twice its standard deviation over the folds (the
# sample standard deviation, dividing by n − 1). That is a rough screen, not a test. With three folds it asks for
# a t statistic above 2√3 ≈ 3.5, a two-sided p-value of about 0.07 with two degrees of freedom; and the folds
# share training rows, so their spread understates the uncertainty (Nadeau and Bengio, 2003, correct the variance
# for this; corrected, the screen is more lenient still). A standard deviation from three values is itself
# uncertain by a factor of several.

# %%
from sklearn.model_selection import cross_validate

D = helpers.data
GROUPS = {"page values": ["PageValues"], "month": ["Month"], "bounce & exit rates": ["BounceRates", "ExitRates"],
          "page counts": D.COUNT_COLUMNS, "durations": D.DURATION_COLUMNS, "technical codes": D.CODE_COLUMNS,
          "visitor type": ["VisitorType"], "calendar flags": ["SpecialDay", "Weekend"]}
row_groups = D.duplicate_groups(X_train, y_train)
audit_folds, folds = (D.stratified_group_folds(row_groups, y_train, n_splits=n, seed=SEED)
                      for n in (N_AUDIT_FOLDS, N_FOLDS))
buyer_share = {n: [round(float(y_train.iloc[rows].mean()), 3) for _, rows in split]
               for n, split in ((N_AUDIT_FOLDS, audit_folds), (N_FOLDS, folds))}
print(f"{len(set(row_groups)):,} groups for {len(X_train):,} rows; buyers {y_train.mean():.3f} of all rows, "
      f"by fold: {buyer_share}")
helpers.claim(all(abs(share - y_train.mean()) < 0.005 for shares in buyer_share.values() for share in shares),
              "every fold's share of buyers lies within half a percentage point of the share in all rows")
helpers.claim(all(not set(row_groups[train]) & set(row_groups[rows]) for train, rows in audit_folds + folds),
              "no group of identical rows is split between fitting and validation")


def cv_auc(model, X, cv):
    """Cross-validated ROC AUC per fold, with the fitted fold models and their validation rows."""
    return cross_validate(model, X, y_train, cv=cv, scoring="roc_auc",
                          return_estimator=True, return_indices=True)


# %% [markdown]
# Removing a group from the prototype means removing its columns from the encoder, from the pass-through list
# and from the model's list of categorical inputs. A small function does that:

# %%
from sklearn.base import clone


def prototype_without(dropped):
    """The prototype's pipeline and parameters, without the dropped columns."""
    categories = [c for c in D.CATEGORICAL_COLUMNS if c not in dropped]
    numbers = [c for c in D.NUMERIC_COLUMNS + D.BOOLEAN_COLUMNS if c not in dropped]
    model = clone(prototype)
    encoder = model.named_steps["prepare"].transformers[0][1]
    model.named_steps["prepare"].transformers = [("categories", encoder, categories),
                                                 ("numbers", "passthrough", numbers)]
    return model.set_params(model__categorical_features=categories)


# %% [markdown]
# Now the audit itself: the prototype once with all inputs, then once without each group.

# %%
full = cv_auc(prototype, X_train, audit_folds)
drops = {name: full["test_score"] - cv_auc(prototype_without(columns), X_train, audit_folds)["test_score"]
         for name, columns in helpers.progress(GROUPS.items(), description="audit", total=len(GROUPS))}
benefit = pd.DataFrame({"fields": {name: len(columns) for name, columns in GROUPS.items()},
                        "AUC drop without it": {name: d.mean() for name, d in drops.items()},
                        "spread (sd over folds)": {name: d.std(ddof=1) for name, d in drops.items()}})
print(f"{(len(GROUPS) + 1) * len(audit_folds)} fits of the prototype: all inputs, then without each of "
      f"{len(GROUPS)} groups, on {len(audit_folds)} folds")
benefit.sort_values("AUC drop without it", ascending=False).round(4)

# %% [markdown]
# `PageValues` has by far the largest unique contribution (what the others cannot replace), the month a clear one,
# each more than twice its spread over folds.
# Every other group adds at most a few thousandths of ROC AUC. For those, benefit alone does not decide: a
# drop can be small and real (about twice its spread) or larger and as uncertain as the folds. Cost decides
# with it, and the cost of a field is mostly where it comes from and whether the request path has it when it
# decides. This table is the team's knowledge of the shop, not a measurement:
#
# | group | source | at decision time | cost of keeping it |
# |---|---|---|---|
# | page values | the analytics tool | only from past traffic (see the skew section) | a dependency on another team's system |
# | month | the server's clock | yes | none |
# | page counts, durations | the shop's own session log | so far in the session | low: the shop records them itself |
# | bounce & exit rates | the analytics tool, averages over past traffic | from yesterday's table | two more fields from the analytics tool, which `PageValues` needs anyway |
# | technical codes (OS, browser, region, traffic type) | the request (headers, address, referrer) | yes | low, but the codes are renumbered when browsers or regions change |
# | visitor type | a cookie | yes | low |
# | calendar flags (special day, weekend) | the calendar | yes | none |
#
# The audit cannot rank these small groups reliably: their drops are a few thousandths, with spreads of the same
# order, and another set of folds could order them differently. One of them may pass the two-spread screen by a
# hair (the cell below prints which groups pass); with three folds that is weak evidence. So cost decides, with one rule from Sculley et al.: a field that adds
# almost nothing still has to be collected, validated and monitored. We keep the page counts: they are cheap (the
# shop's own log) and, on average over the folds, add more than the durations from the same log. We keep the two
# rates: they come from the analytics tool, to which `PageValues` ties the model anyway, so they add fields, not
# a new dependency, and on average over the folds they add something. We drop the other ten fields: some of
# their small drops may be real, but no group of them adds 0.003 (less than a sixth of the allowance). The
# technical codes, the visitor type and the calendar flags would be cheap to keep as well; they go because each
# field is one more thing to validate and monitor, and the codes are renumbered whenever browsers or regions
# change: cost, not the audit, separates them from the page counts.
# Whether dropping all ten at once is safe, the variants below decide.

# %%
KEEP = ["Month", "Administrative", "Informational", "ProductRelated", "BounceRates", "ExitRates", "PageValues"]
kept = benefit.loc[["page values", "month", "page counts", "bounce & exit rates"]]
dropped = benefit.drop(kept.index)
print(f"kept {len(KEEP)} of {len(D.FEATURES)} input fields: {KEEP}")
print(f"the largest drop among the dropped groups: {dropped['AUC drop without it'].max():.4f}")
print("groups that pass the two-spread screen:", list(benefit.index[benefit["AUC drop without it"]
                                                                    > 2 * benefit["spread (sd over folds)"]]))

# %%
from scipy.stats import t as student_t

drop, spread = benefit["AUC drop without it"], benefit["spread (sd over folds)"]
helpers.claim(drop["page values"] > 5 * drop.drop("page values").max(),
              "page values carry by far the largest drop, more than five times the next")
helpers.claim(0.065 < 2 * student_t.sf(2 * np.sqrt(3), df=2) < 0.075,
              "with three folds, the two-spread screen is a t statistic above 2√3, a two-sided p-value of about "
              "0.07")
helpers.claim(bool((drop > 2 * spread)[["page values", "month"]].all()),
              "page values and month each drop the AUC by more than twice their spread over folds")
helpers.claim(bool(drop.drop(["page values", "month"]).max() < 0.005),
              "every other group adds at most a few thousandths (under 0.005)")
helpers.claim(drop["page counts"] > drop["durations"], "on average, the page counts add more than the durations")
helpers.claim(drop["bounce & exit rates"] > 0, "on average, the rates add something")
helpers.claim(bool((drop[dropped.index] < 0.003).all()), "every dropped group adds less than 0.003 of ROC AUC")

# %% [markdown]
# ## The month: a production outage in waiting
#
# The production pipeline should be simpler too: the month becomes a number, everything else passes through.
# The first version of this pipeline numbered the months by their position among the ten months *present in
# the data* (February 0, March 1, May 2, …). The data has no session in January or April. Watch what that does
# to a request on a January day:

# %%
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

NUMBERS = KEEP[1:]
SMALL_TREES = {"max_depth": 3, "max_iter": 30, "learning_rate": 0.2, "random_state": 0}


def small_pipeline(model, months):
    prepare = ColumnTransformer([("month", OrdinalEncoder(categories=[months]), ["Month"]),
                                 ("numbers", "passthrough", NUMBERS)], verbose_feature_names_out=False)
    return Pipeline([("prepare", prepare), ("model", model)])


ten_months = small_pipeline(HistGradientBoostingClassifier(**SMALL_TREES), D.MONTHS).fit(X_train[KEEP], y_train)
january = X_test[KEEP].head(1).astype(object).assign(Month="Jan")
try:
    ten_months.predict_proba(january)
except ValueError as error:
    print(f"January request: {type(error).__name__}: {error}")

# %% [markdown]
# The model cannot serve two months of the year. Worse, a Go team told that "the month becomes its calendar
# index" would compute `month - 1` (May = 4) while the model was trained with May = 2: every score in May to
# December would be wrong, silently. That is **training/serving skew**, and it hides in one sentence of prose.
#
# Two fixes are possible, and the audit's numbers decide. Dropping the month costs the prototype the drop in the
# table above, more than half of the 0.02 the team allows for the whole simplification (the production model's
# own figure follows below). So we keep it, with an encoding that serves every month: the **calendar index**, January 0 to December 11 (`month - 1`), from the list
# `helpers.production.CALENDAR_MONTHS`. The trees compare the month with thresholds halfway between months they
# saw, so a January request takes February's path and an April request March's: a documented, deterministic
# answer for months the model never saw (and a reason to watch those months' scores). April's is fragile:
# its index, 3, lies *exactly* on the threshold halfway between March (2) and May (4), and goes left, like
# March, only because a split reads `value <= threshold`; a port written with `<` would score April like May.
# The unit tests put a value exactly on every threshold of the spec, and one step either side, in Python and
# in Go.

# %%
CALENDAR = helpers.production.CALENDAR_MONTHS
calendar = small_pipeline(HistGradientBoostingClassifier(**SMALL_TREES), CALENDAR).fit(X_train[KEEP], y_train)
probability = {month: calendar.predict_proba(january.assign(Month=month))[0, 1] for month in CALENDAR}
same_on_seen = np.array_equal(calendar.predict_proba(X_test[KEEP]), ten_months.predict_proba(X_test[KEEP]))
print(f"identical scores on all test sessions: {same_on_seen}; month drop if removed: "
      f"{benefit.loc['month', 'AUC drop without it']:.4f}")
print("first test session in each month:", {month: round(float(p), 4) for month, p in probability.items()})
as_month = {month: calendar.predict_proba(X_test[KEEP].assign(Month=month))[:, 1] for month in ("Mar", "Apr", "May")}
print(f"all test sessions scored as April: the same as March for {np.mean(as_month['Apr'] == as_month['Mar']):.0%}, "
      f"the same as May for {np.mean(as_month['Apr'] == as_month['May']):.0%}")

# %%
helpers.claim(same_on_seen, "the calendar index gives the same scores as the ten-month position on every test session")
helpers.claim(probability["Jan"] == probability["Feb"] and probability["Apr"] == probability["Mar"],
              "a January request is scored like February, an April request like March")
helpers.claim(bool((as_month["Apr"] == as_month["Mar"]).all() and (as_month["Apr"] != as_month["May"]).any()),
              "every session is scored as in March when it comes in April, and some would score otherwise in May")
helpers.claim(benefit.loc["month", "AUC drop without it"] > ALLOWED_LOSS / 2,
              "dropping the month would cost the prototype more than half of the allowed loss")

# %% [markdown]
# The audit measured what the month is worth to the prototype. For the model we will ship, compare it with and
# without the month on the comparison's folds:

# %%
no_month = Pipeline([("prepare", ColumnTransformer([("numbers", "passthrough", NUMBERS)])),
                     ("model", HistGradientBoostingClassifier(**SMALL_TREES))])
calendar_run = cv_auc(calendar, X_train[KEEP], folds)  # the comparison of variants below reuses this run
without = cross_validate(no_month, X_train[KEEP], y_train, cv=folds, scoring="roc_auc")["test_score"]
month_gain = calendar_run["test_score"] - without
print(f"production model, ROC AUC with the month minus without: {month_gain.mean():.4f} "
      f"(paired sd over {len(folds)} folds {month_gain.std(ddof=1):.4f})")

# %%
helpers.claim(month_gain.mean() > 2 * month_gain.std(ddof=1),
              "the month helps the production model by more than twice its paired spread")
helpers.claim(month_gain.mean() > ALLOWED_LOSS / 2,
              "without the month, the production model would lose more than half of the allowance")

# %% [markdown]
# These folds mix all months, so every month validated on was also in training: the month's value here is this
# year's seasonal pattern, for months the model has seen. Whether the seasons repeat, one year of data cannot
# show; and for January and April, which the data does not hold, the trees answer with February's and March's
# paths, a guess nothing here can check. The flagged-share monitor below therefore expects each month's own share.
#
# The fix costs nothing on the months the model knows, because numbering the months differently but in the
# same order moves no split. The unit tests score a January and an April request with the production model in
# Python and in Go, so this outage cannot come back unnoticed.
#
# **Cost of the model's parts.** Now compare model variants on the kept fields: the prototype's own settings,
# gradient boosting with fewer and shallower trees, and a logistic regression in its best fair form, with
# chapter 01's `log1p` transform of the skewed numbers before scaling, fitted to its optimum by Newton's method
# as in chapter 01.

# %%
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

log_scaled = make_pipeline(FunctionTransformer(np.log1p), StandardScaler())
VARIANTS = {
    "prototype (17 fields)": prototype,
    "prototype settings, 7 fields": small_pipeline(
        clone(prototype.named_steps["model"]).set_params(categorical_features=None), CALENDAR),
    "30 trees of depth 3, 7 fields": calendar,
    "10 trees of depth 3, 7 fields": small_pipeline(HistGradientBoostingClassifier(
        max_depth=3, max_iter=10, learning_rate=0.5, random_state=0), CALENDAR),
    "logistic regression (log1p), 7 fields": make_pipeline(ColumnTransformer(
        [("month", OneHotEncoder(categories=[CALENDAR], handle_unknown="ignore"), ["Month"]),
         ("numbers", log_scaled, NUMBERS)]), LogisticRegression(solver="newton-cholesky")),
}

# %% [markdown]
# For each variant, on the five folds of the comparison: the cross-validated ROC AUC with its spread, the size
# of the pickled model and the time to fit. Request latency gets its own, careful section below.

# %%
import pickle

runs = {name: calendar_run if model is calendar  # thirty trees ran on these folds in the month check above
        else cv_auc(model, X_train if name.startswith("prototype (") else X_train[KEEP], folds)
        for name, model in VARIANTS.items()}
audit = pd.DataFrame({name: {"fields": 17 if name.startswith("prototype (") else len(KEEP),
                             "CV ROC AUC": run["test_score"].mean(), "AUC sd": run["test_score"].std(ddof=1),
                             "pickle (kB)": len(pickle.dumps(run["estimator"][0])) / 1e3}
                      for name, run in runs.items()}).T.astype({"fields": int})
audit.round({"CV ROC AUC": 4, "AUC sd": 4, "pickle (kB)": 1})

# %% [markdown]
# And the mean time to fit one fold, which varies from run to run (the tests do not compare it):

# %% tags=["nbval-ignore-output"]
pd.Series({name: run["fit_time"].mean() for name, run in runs.items()}).round(3).rename(
    "fit time per fold (s)").to_frame()

# %% [markdown]
# The ROC AUCs are deterministic, but part of their spread over folds is how hard each fold is, which every
# variant shares. All variants ran on the same folds, so compare them **paired**: the difference fold by fold
# removes what the folds share, and its mean and standard deviation over folds measure what is left. Each pair
# names everything it changes: the seven-field variant also reads the month as its calendar index instead of a
# category; thirty trees of depth 3 against the prototype's settings (a hundred trees of up to 15 leaves) also
# take larger steps (learning rate 0.2 against 0.05); and ten trees take larger steps still (0.5) to make up for
# fewer trees.

# %%
cv = audit["CV ROC AUC"]


def paired(a, b):
    """Mean and sd over folds of the per-fold ROC AUC difference a - b (the runs share their folds)."""
    difference = runs[a]["test_score"] - runs[b]["test_score"]
    return pd.Series({"mean difference": difference.mean(), "paired sd": difference.std(ddof=1)})


PAIRS = {"17 fields - 7 fields (prototype settings)": ("prototype (17 fields)", "prototype settings, 7 fields"),
         "prototype settings - 30 trees (7 fields)": ("prototype settings, 7 fields", "30 trees of depth 3, 7 fields"),
         "30 trees - 10 trees (7 fields)": ("30 trees of depth 3, 7 fields", "10 trees of depth 3, 7 fields"),
         "10 trees - logistic regression (7 fields)": ("10 trees of depth 3, 7 fields",
                                                       "logistic regression (log1p), 7 fields")}
pairs = pd.DataFrame({name: paired(*pair) for name, pair in PAIRS.items()}).T
pairs.round(4)

# %%
fields, trees30, trees10, logistic = (pairs.loc[name] for name in PAIRS)
helpers.claim(abs(fields["mean difference"]) < 2 * fields["paired sd"],
              "dropping ten fields changes CV ROC AUC by less than two paired standard deviations")
helpers.claim(fields["mean difference"] + 2 * fields["paired sd"] < ALLOWED_LOSS / 2,
              "dropping ten fields costs less than half of the allowance, even at two paired standard deviations")
helpers.claim(trees30["mean difference"] > 0, "thirty trees of depth 3 lose a little on average against the "
              "prototype's settings")
helpers.claim(0 < trees30["mean difference"] + 2 * trees30["paired sd"] < ALLOWED_LOSS / 2,
              "thirty trees of depth 3 lose less than half of the allowance against the prototype's settings, "
              "even at two paired standard deviations")
helpers.claim(trees10["mean difference"] > 0, "ten trees of depth 3 lose more than thirty on average")
helpers.claim(audit.loc["30 trees of depth 3, 7 fields", "pickle (kB)"]
              < audit.loc["prototype settings, 7 fields", "pickle (kB)"] / 2,
              "thirty trees of depth 3 weigh less than half of the prototype's settings")
helpers.claim(audit.loc["30 trees of depth 3, 7 fields", "pickle (kB)"]
              - audit.loc["10 trees of depth 3, 7 fields", "pickle (kB)"] < 50,
              "thirty trees weigh less than 50 kB more than ten (a thousandth of the memory budget)")
helpers.claim(cv.idxmin() == "logistic regression (log1p), 7 fields"
              and logistic["mean difference"] > max(0.01, 2 * logistic["paired sd"]),
              "the logistic regression loses clearly, even with log1p: to ten trees by more than 0.01 and more than "
              "two paired standard deviations")

# %% [markdown]
# The same table as a picture: benefit (up) against cost (right). Whiskers are one standard deviation over
# folds.

# %%
ax = helpers.plotting.benefit_cost(audit, x="pickle (kB)", y="CV ROC AUC", yerr="AUC sd",
                                   title="What each variant earns and what it weighs")
helpers.claim(audit["pickle (kB)"].idxmin() == cv.idxmin() == "logistic regression (log1p), 7 fields",
              "the lightest variant, the logistic regression, also earns the least")

# %% [markdown]
# *Figure: each variant's cross-validated ROC AUC (up, with one standard deviation over folds) against the size
# of its pickled model (right, on a logarithmic axis), the numbers of the table above; the logistic regression is
# lightest and lowest. The whiskers of the tree variants overlap, but they are unpaired: the paired table above
# decides between variants, not the whiskers.*

# %% [markdown]
# Dropping ten fields (and reading the month as its index) changes the ROC AUC by less than two paired standard
# deviations, so the folds cannot prove a loss, and even two paired standard deviations out it costs less than half
# of the allowance. Thirty trees of depth 3 lose a little on average against the prototype's settings on the same
# seven fields, again less than half of the allowance two paired standard deviations out, at less than half the
# size. Ten trees lose more than thirty on average (the paired table gives by how much, and how much the folds
# disagree); the choice needs no more than that, since thirty trees weigh less than 50 kB more (the table above; a
# thousandth of the 50 MB memory budget) and the sections below check them against every budget. The logistic
# regression, even with `log1p`, loses clearly, by more than 0.01 against ten trees and more than two paired
# standard deviations: "A simpler model is not better" holds here. (The test set confirms below that the whole
# simplification stays within the allowance.) We choose **30 trees of depth 3 on seven fields**:
# `helpers.production.build_production_model` builds exactly this model, and its out-of-fold predictions (from the
# comparison's own folds, no extra fits) give the decision threshold (maximum F1, chapter 01's way) and, later, the
# reference for monitoring.

# %%
from sklearn.metrics import precision_recall_curve

production = helpers.production.build_production_model(X_train, y_train)
same_model = np.array_equal(production.predict_proba(X_test[KEEP]), calendar.predict_proba(X_test[KEEP]))
oof = np.empty(len(y_train))
for model, rows in zip(runs["30 trees of depth 3, 7 fields"]["estimator"],
                       runs["30 trees of depth 3, 7 fields"]["indices"]["test"], strict=True):
    oof[rows] = model.predict_proba(X_train[KEEP].iloc[rows])[:, 1]


def max_f1_threshold(y_true, scores):
    """The score threshold with the largest F1 (chapter 01's rule)."""
    precision, recall, thresholds = precision_recall_curve(y_true, scores)
    return float(thresholds[np.argmax((2 * precision * recall / np.maximum(precision + recall, 1e-12))[:-1])])


THRESHOLD = max_f1_threshold(y_train, oof)
print(f"fields {helpers.production.PRODUCTION_FIELDS == KEEP}, identical predictions {same_model}, "
      f"threshold {THRESHOLD:.3f}")

# %%
helpers.claim(same_model, "build_production_model builds exactly the chosen variant")

# %% [markdown]
# ## What the simplification loses
#
# The models above were chosen without the test set. Chapter 01 used it once to evaluate the prototype; here we
# use it again, to *confirm* the simplified model, never to choose between models. A paired bootstrap draws the
# same sessions for both models in each resample, so the interval is for the *difference*
# (`helpers.production.bootstrap_auc_difference` computes `roc_auc_score` for all resamples at once).

# %%
from sklearn.metrics import roc_auc_score

p_proto = prototype.predict_proba(X_test)[:, 1]
p_prod = production.predict_proba(X_test[KEEP])[:, 1]
y = y_test.to_numpy()
rng = np.random.default_rng(SEED)
diffs = helpers.production.bootstrap_auc_difference(y, p_prod, p_proto, n_resamples=N_BOOTSTRAP, seed=rng)
change = roc_auc_score(y, p_prod) - roc_auc_score(y, p_proto)
low, high = np.percentile(diffs, [2.5, 97.5])
print(f"test ROC AUC: prototype {roc_auc_score(y, p_proto):.4f}, production {roc_auc_score(y, p_prod):.4f}")
print(f"difference {change:+.4f}, 95 % interval {low:+.4f} to {high:+.4f}; allowed loss {ALLOWED_LOSS}")

# %%
helpers.claim(low > -ALLOWED_LOSS, "the lower end of the interval lies above minus the allowed loss")
helpers.claim(low < 0 < high, "the interval of the difference contains zero")

# %% [markdown]
# The gate is the lower end of the interval, not the point estimate: even the worst difference the data
# supports stays inside the allowance. The interval contains zero: whatever the production model gives up is
# too small to measure on the test set. It needs fewer than half of the input fields.

# %% [markdown]
# ## Export to a small, readable spec
#
# A pickle ties the model to Python and to one version of scikit-learn. The serving team wants a file they can
# read, diff, review and load in Go: a JSON spec with the fields and their contract, the encoding of the month,
# every tree, the decision threshold, the checksum of the training data, the library versions and the metrics.
# It also carries a **model version**, computed from its content (fields, trees, threshold), so that every
# logged score can name the model that produced it.

# %%
spec = helpers.production.export_spec(
    production, threshold=THRESHOLD, training_sha256=D.SESSIONS_SHA256, training_rows=len(X_train),
    metrics={"test_roc_auc": roc_auc_score(y, p_prod), "cv_roc_auc": cv["30 trees of depth 3, 7 fields"]})
spec_text = helpers.production.spec_to_json(spec)
print(f"{len(spec_text) / 1e3:.1f} kB, {len(spec['model']['trees'])} trees, version {spec['model_version']}")

# %% [markdown]
# The beginning of the file, and its first tree. Every line can be read: a node either says where to go next,
# or holds a leaf value.

# %%
lines = spec_text.splitlines()
first_tree = lines.index('    "trees": [')
end_of_tree = lines.index("      ],", first_tree)
print("\n".join(lines[:15] + ["  ..."] + lines[first_tree - 3:end_of_tree + 1] + ["      ..."]))

# %% [markdown]
# We write it to the workbook's git-ignored `build/` folder (a temporary folder where only the package is
# installed), as a release job would, and read it back:

# %%
import helpers.scorer as scorer
from helpers.paths import BUILD_DIR, PACKAGE_DIR

path = BUILD_DIR / "purchase_intent_spec.json"
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(spec_text, encoding="utf-8")
loaded = scorer.load_spec(path.read_text(encoding="utf-8"))
print(path.name, loaded["format"], "format", loaded["format_version"], loaded["model_version"])

# %% [markdown]
# ## The scorer, reimplemented
#
# Here is the whole scorer in plain Python: standard library only. Encode the request, walk each tree from its
# root to a leaf, add up the leaves, apply the logistic function.

# %%
import inspect

from IPython.display import Code

Code(inspect.getsource(scorer.encode) + "\n\n" + inspect.getsource(scorer.score), language="python")

# %% [markdown]
# And the same scorer in Go, as the serving team would write it (the file ships with the workbook, at
# `helpers/go/scorer.go`; the tests compile it and compare its scores with Python's when Go is installed):

# %%
go_source = (PACKAGE_DIR / "go" / "scorer.go").read_text(encoding="utf-8")
start = go_source.index("// Score returns")
Code(go_source[start:go_source.index("func index")], language="go")

# %% [markdown]
# ## Parity: is it the same model?
#
# Score every test session with the plain scorer, from plain Python dicts as a service receives them, and
# compare with scikit-learn: probabilities and decisions.

# %%
requests = [{name: (str(value) if name == "Month" else value) for name, value in row.items()}
            for row in X_test[KEEP].astype(object).to_dict("records")]
plain = np.array([scorer.score(loaded, request) for request in requests])
gap = np.abs(plain - p_prod).max()
same_decisions = np.array_equal(plain >= THRESHOLD, p_prod >= THRESHOLD)
print(f"{len(requests):,} sessions: largest difference {gap:.1e} (bar: 1e-12); same decision for all: "
      f"{same_decisions}")

# %%
helpers.claim(gap <= 1e-12 and same_decisions, "the plain scorer equals scikit-learn to 1e-12, same decisions")

# %% [markdown]
# The trees compare the same float64 values with the same thresholds and add the same leaves in the same order,
# so the two agree far below the bar. But the service runs the **Go** scorer, not this one, so the artifact that
# ships must pass the same check. Where Go is installed, the helper compiles `scorer.go` into a small service
# that checks and scores every test session, as JSON requests on its input, and times each one; without Go,
# the Go lines say so and are not counted as passed.

# %%
GO = helpers.production.go_executable()
NOT_CHECKED = "not checked: Go is not installed"
if GO:
    go_run = helpers.production.run_go_scorer(spec_text, requests)
    go_gap = np.abs(go_run.probabilities - p_prod).max()
    go_same = np.array_equal(go_run.probabilities >= THRESHOLD, p_prod >= THRESHOLD)
    print(f"Go: {len(go_run.probabilities):,} sessions, largest difference from scikit-learn {go_gap:.1e}; "
          f"same decision for all: {go_same}")
else:
    print(NOT_CHECKED)

# %%
if GO:
    helpers.claim(go_gap <= 1e-12 and go_same, "the Go scorer equals scikit-learn to 1e-12 on every test session")

# %% [markdown]
# ## ONNX, the standard alternative
#
# ONNX is an open format for models with runtimes in many languages. `skl2onnx` converts the whole
# scikit-learn pipeline, encoder included; `onnxruntime` runs it. The converter triggers a deprecation notice
# inside the `onnx` package about how it stores booleans; it concerns the converter's authors, not us, so we
# silence that one message.

# %%
import warnings

import onnxruntime as ort
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType, StringTensorType

inputs = [("Month", StringTensorType([None, 1]))] + [(n, FloatTensorType([None, 1])) for n in NUMBERS]
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Field onnx.AttributeProto.ints", category=DeprecationWarning)
    onnx_model = convert_sklearn(production, initial_types=inputs, options={"zipmap": False})
onnx_bytes = onnx_model.SerializeToString()
session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])


def onnx_feeds(frame):
    return {"Month": frame[["Month"]].astype(str).to_numpy(),
            **{n: frame[[n]].to_numpy(np.float32) for n in NUMBERS}}


p_onnx = session.run(["probabilities"], onnx_feeds(X_test[KEEP]))[0][:, 1]
onnx_gap = np.abs(p_onnx - p_prod).max()
print(f"ONNX: {len(onnx_bytes) / 1e3:.1f} kB; largest difference {onnx_gap:.1e}; "
      f"decisions that differ: {np.sum((p_onnx >= THRESHOLD) != (p_prod >= THRESHOLD))}")

# %%
helpers.claim(1e-12 < onnx_gap < 1e-5, "ONNX agrees with scikit-learn to about seven digits, not to 1e-12")

# %% [markdown]
# Seven digits is what ordinary sessions see. A value one float64 step above a split threshold shows the
# risk: float32 rounds the value and the threshold to the same number, so ONNX sends it left where
# scikit-learn sends it right, and the score moves by a whole leaf. `helpers.production.threshold_requests`
# builds requests on every split threshold of the spec, and one step either side:

# %%
edge = pd.DataFrame(helpers.production.threshold_requests(loaded, requests[0]))
edge_onnx = session.run(["probabilities"], onnx_feeds(edge))[0][:, 1]
edge_gap = np.abs(edge_onnx - production.predict_proba(edge)[:, 1])
print(f"{len(edge)} requests on split thresholds: largest ONNX difference {edge_gap.max():.1e}; "
      f"{np.sum(edge_gap > 1e-4)} differ by more than 1e-4")

# %%
helpers.claim(edge_gap.max() > 100 * onnx_gap, "on split thresholds, ONNX's difference is a hundred times larger")

# %% [markdown]
# ONNX computes in float32, so it agrees with scikit-learn only to about seven digits on ordinary sessions,
# and by a whole leaf on a value that float32 rounds across a split. A session near such a split, or whose
# probability sits near the decision threshold, can get another decision. ONNX is
# the better choice when the model changes often or is large (one converter, many runtimes, no hand-written
# code to keep in step); the hand-written scorer wins when the model is small and stable, the team wants to
# read every line, and exact parity matters.
#
# ## Latency, measured fairly
#
# Each implementation scores **many different requests**, one at a time, as they arrive: dicts. The
# scikit-learn pipelines first build a one-row `DataFrame`, ONNX builds its arrays, the plain scorer takes the
# dict. A percentile is printed only where the sample supports it, with at least ten requests beyond it (so a
# 99th percentile needs 1,000 requests); the slow pipelines get fewer requests and fewer percentiles. Two
# comparisons matter: the **same model** (production pipeline against the plain scorer: what reimplementation
# buys) and the prototype against the production pipeline (what simplification buys). Where Go is installed,
# the Go scorer, the one that ships, is timed too, inside its own process, on every test session.

# %% tags=["nbval-ignore-output"]
from threadpoolctl import threadpool_limits

threadpool_limits(limits=1)  # one thread for every library from here on, as a small serving process would use
timing = helpers.production.time_requests
full_requests = X_test.astype(object).to_dict("records")
ONNX_TYPES = {n: np.float32 for n in NUMBERS}
latency = {
    "prototype pipeline": timing(lambda r: prototype.predict_proba(pd.DataFrame([r])), full_requests, N_SLOW_CALLS),
    "production pipeline": timing(lambda r: production.predict_proba(pd.DataFrame([r])), requests, N_SLOW_CALLS),
    "ONNX": timing(lambda r: session.run(None, {n: np.array([[v]], ONNX_TYPES.get(n)) for n, v in r.items()}),
                   requests, N_FAST_CALLS),
    "plain scorer": timing(lambda r: scorer.score(loaded, r), requests, N_FAST_CALLS),
    "plain scorer, checked": timing(lambda r: scorer.score_checked(loaded, r), requests, N_FAST_CALLS),
}
if GO:
    latency["Go scorer, checked"] = go_run.seconds  # the run above: every test session, timed in Go
table = helpers.production.latency_table(latency, budget=LATENCY_BUDGET)
table["same model: pipeline / this"] = table.loc["production pipeline", "median (µs)"] / table["median (µs)"]
table.loc["prototype pipeline", "same model: pipeline / this"] = np.nan  # another model: no same-model ratio
table.round(1)

# %% [markdown]
# Read the last column first: for the *same* model, the plain scorer answers many times faster than the
# scikit-learn pipeline, and the contract check adds little. The production pipeline is itself faster than
# the prototype's: simplification buys less than reimplementation. The budget column relates each variant to
# the 5 ms requirement. The pipelines' verdicts rest on 100 requests each, on a shared two-core machine: that
# supports a 90th percentile at most, and another run can move their numbers by a factor of two or three, so
# read a verdict such as "misses (p90)" as "in this run, the 90th percentile was over the budget". A pipeline
# whose measured percentiles all meet the budget gets "p99 not measured": 100 requests cannot show a 99th
# percentile (the table shows a percentile only when at least ten requests lie beyond it). The fast scorers'
# percentiles, on 1,000 requests or more, are firmer. Machines differ, so the checks below use generous margins:
# a factor of 20 where this machine measures far more, and the budget where the scorer needs a small fraction of
# it.

# %%
median = {name: np.median(seconds) for name, seconds in latency.items()}
helpers.claim(median["production pipeline"] > 20 * median["plain scorer"],
              "for the same model, the plain scorer is at least 20 times faster than the pipeline")
helpers.claim(median["prototype pipeline"] > median["production pipeline"],
              "the production pipeline answers faster than the prototype pipeline")
helpers.claim(median["prototype pipeline"] / median["production pipeline"]
              < median["production pipeline"] / median["plain scorer"],
              "simplification buys a smaller speed-up than reimplementation")
helpers.claim(np.percentile(latency["plain scorer, checked"], 99) < LATENCY_BUDGET,
              "the checked plain scorer's 99th percentile is within the latency budget")

# %%
if GO:
    helpers.claim(np.percentile(go_run.seconds, 99) < LATENCY_BUDGET,
                  "the Go scorer's 99th percentile is within the latency budget")

# %% [markdown]
# **Where the prototype's time goes.** A profiler records every function call. `cProfile` over twenty
# different requests shows which parts of one prototype request take the time; we add up the time spent inside
# three parts: building the `DataFrame`, the column transformers, and the code that walks the trees.

# %% tags=["nbval-ignore-output"]
import cProfile
import pstats

profiler = cProfile.Profile()
profiler.runcall(lambda: [prototype.predict_proba(pd.DataFrame([r])) for r in full_requests[:20]])
stats = pstats.Stats(profiler)
PARTS = {"dict to DataFrame": ("pandas/core/frame.py", "__init__"),
         "column transformers": ("_column_transformer.py", "transform"),
         "walking the trees": ("gradient_boosting.py", "_predict_iterations")}
shares = helpers.production.profile_shares(stats, PARTS)
shares.round(3).to_frame()

# %%
helpers.claim(shares["walking the trees"] < 0.2, "walking the trees takes less than a fifth of a request")
helpers.claim(shares["column transformers"] > 0.5, "the column transformers take more than half of a request")

# %% [markdown]
# The profile shows where the time goes: more than half of each request goes into column transformers, and
# there are two per request, the pipeline's own and a second one *inside* `HistGradientBoostingClassifier`,
# which re-encodes the categorical inputs it was told about; inside both, most of the work is checking and
# converting a one-row table. Walking the trees takes a small share. (A profiler slows every Python call, so it
# exaggerates Python-heavy parts somewhat; the shares still point at the same culprit.) So the glue is not the
# `DataFrame` alone: it is the input checking and conversion that the library repeats for every single call.
# **Batch throughput** tells another story: scoring all test sessions at once pays that overhead once, and the
# vectorised libraries shine.

# %% tags=["nbval-ignore-output"]
def rows_per_second(call, rows):
    """Rows per second of a batch call, from the median of three runs."""
    return rows / np.median(helpers.production.time_calls(call, repeats=3, warmup=1))


pd.Series({
    "prototype pipeline": rows_per_second(lambda: prototype.predict_proba(X_test), len(X_test)),
    "production pipeline": rows_per_second(lambda: production.predict_proba(X_test[KEEP]), len(X_test)),
    "ONNX": rows_per_second(lambda: session.run(None, onnx_feeds(X_test[KEEP])), len(X_test)),
    "plain scorer": rows_per_second(lambda: [scorer.score(loaded, r) for r in requests], len(X_test)),
}, name="rows per second, whole test set").round(-2).to_frame()

# %% [markdown]
# **Memory and size.** First the size of each model file. But the memory requirement is about the whole
# serving process: each variant is then served by a fresh Python process that imports only what it needs, loads
# the model and scores twenty requests, and reports its peak resident memory (RSS; it varies a little from run
# to run, so the tests do not compare it). The Go process's peak comes from the same run that timed it.

# %%
production_pickle, prototype_pickle = pickle.dumps(production), pickle.dumps(prototype)
sizes = {"prototype pipeline": len(prototype_pickle), "production pipeline": len(production_pickle),
         "ONNX": len(onnx_bytes), "plain scorer, checked": len(spec_text), "Go scorer, checked": len(spec_text)}
(pd.Series(sizes) / 1e3).round(1).rename("model file (kB)").to_frame()

# %% tags=["nbval-ignore-output"]
memory = helpers.production.peak_memory_mb({
    "prototype pipeline": ("pickle", prototype_pickle, full_requests[:20]),
    "production pipeline": ("pickle", production_pickle, requests[:20]),
    "ONNX": ("onnx", onnx_bytes, requests[:20]),
    "plain scorer, checked": ("json", spec_text.encode("utf-8"), requests[:20])})
if GO:
    memory["Go scorer, checked"] = go_run.peak_rss_mb
pd.Series(memory).round(1).rename("peak RSS (MB)").to_frame()

# %%
helpers.claim(memory["plain scorer, checked"] < MEMORY_BUDGET_MB, "the plain scorer's process is within the memory budget")
helpers.claim(memory["production pipeline"] > 2 * memory["plain scorer, checked"],
              "a scikit-learn serving process needs more than twice the plain scorer's memory")
helpers.claim(memory["plain scorer, checked"] < memory["ONNX"] < memory["production pipeline"],
              "the ONNX runtime's process lies between the plain scorer and scikit-learn")
if GO:
    helpers.claim(memory["Go scorer, checked"] < memory["plain scorer, checked"],
                  "the Go process needs less memory than the plain Python scorer's")

# %% [markdown]
# The scikit-learn processes carry NumPy, pandas, SciPy and scikit-learn whether the model is large or small;
# the plain scorer needs the interpreter and two standard-library modules, and a Go binary needs less still. The
# ONNX runtime's process lies between the plain scorer and scikit-learn; whether it fits the 50 MB budget depends
# on the machine and the runtime's version (the table shows this run), one more point for the spec and the plain
# scorer.
#
# ## The input contract
#
# Production traffic is not the test set. Requests arrive with fields missing, extra fields, numbers as text,
# `None`, `NaN`, months spelled differently, impossible values. What does each implementation do with them? The
# prototype gets the same request with its ten other fields filled from a real session.

# %%
single = requests[0]
cases = {**helpers.production.contract_cases(single), "month as 'Jun'": {**single, "Month": "Jun"}}
extra_fields = {k: v for k, v in full_requests[0].items() if k not in KEEP}
implementations = {
    "prototype": lambda r: prototype.predict_proba(pd.DataFrame([{**extra_fields, **r}]))[0, 1],
    "production pipeline": lambda r: production.predict_proba(pd.DataFrame([r]))[0, 1],
    "ONNX": lambda r: session.run(["probabilities"], {"Month": np.array([[r["Month"]]]), **{
        n: np.array([[r[n]]], dtype=np.float32) for n in NUMBERS}})[0][0, 1],
    "plain scorer": lambda r: scorer.score(loaded, r),
    "checked scorer": lambda r: scorer.score_checked(loaded, r),
}
contract = helpers.production.contract_table(implementations, cases)
contract

# %%
silent = contract.drop(index="valid request").drop(columns="checked scorer")
helpers.claim(bool((contract["checked scorer"].drop("valid request").str.startswith("error")).all()),
              "the checked scorer rejects every bad request")
helpers.claim(bool((~silent.apply(lambda column: column.str.startswith("error"))).sum().min() >= 3),
              "every other implementation scores at least three bad requests silently")

# %% [markdown]
# Read it row by row. Every implementation except the checked scorer returns a probability for several requests
# that are plainly wrong: a negative page count, an exit rate above 1, an absurd page value, an extra field.
# Those silent scores are the dangerous cells: nothing in the logs says anything went wrong. Where an
# implementation does fail, it fails with a generic exception that does not say which field was wrong. The
# checked scorer rejects every bad request and explains itself:

# %%
for case in ["missing field (ExitRates)", "number sent as text", "misspelt month (Sept)", "month as 'Jun'",
             "rate above 1"]:
    try:
        scorer.score_checked(loaded, cases[case])
    except scorer.InvalidRequest as error:
        print(f"{case:28} -> {error}")

# %% [markdown]
# The last-but-one line shows a fragile contract: the month names are the data file's, three letters except
# "June", so a client that sends "Jun" has all of June's traffic rejected. A sturdier contract takes the
# month as a number from 1 to 12, or the request's timestamp with a stated timezone, and maps it in the
# server; the name list stays inside the service.
#
# The check costs a few microseconds (the latency table has it). The unit tests go further with property-based
# testing (the `hypothesis` library generates thousands of requests, valid and invalid): the checked scorer
# never fails with anything but `InvalidRequest`, and every request it accepts, in any month, gets a
# probability between 0 and 1.

# %% [markdown]
# ## Training/serving skew: what the request path can know
#
# The model was trained on whole sessions; the request path scores a session while it runs. For each field,
# what can the service know at the moment it decides?
#
# | field | known at decision time? |
# |---|---|
# | `Month` | yes: the clock |
# | `Administrative`, `Informational`, `ProductRelated` | yes, as counts *so far* (lower than the session's final counts) |
# | `BounceRates`, `ExitRates` | yes: averages, over past traffic, of the pages seen so far |
# | `PageValues` | only from past traffic. The data's documentation and paper (Sakar et al., 2019) describe it as the average value of the pages a visitor saw before a transaction, a Google Analytics metric; a value computed after the session includes *this* session's own purchase, which the request path cannot know yet |
#
# So the training value of `PageValues` can leak the target, and the counts are final counts, not counts so
# far. Everything offline in this chapter, the test ROC AUC, the threshold and the share of sessions the model
# flags, describes the session as it *ended*; the service decides on the session as it *runs*. This data cannot
# repair that: it holds one row per finished session and no record of what was known at each page. The fix is
# operational: **log the features the service actually uses** with every score, then retrain and re-evaluate
# on those logs. Until then the model is not ready to decide mid-session, and the checklist at the end says so.
#
# The service that logs them must never take the page down. `serve` asks the checked scorer and falls back to
# no offer on a rejected request, on any other error, and on an answer later than the page's deadline; it
# logs every outcome with the model version, and a role that says whether its decision was shown (`live`) or
# only recorded (`shadow`, below). Python cannot interrupt a running call, so a late answer is discarded here;
# a Go service stops waiting at the deadline (a context with a timeout).

# %%
import time

DEADLINE = 0.05  # seconds: after this the page renders without the model's answer


def serve(spec, request, log, role="live", score=scorer.score_checked, deadline=DEADLINE):
    """Decide whether to show the offer; fall back to no offer on any failure or late answer; log the outcome."""
    start = time.perf_counter()
    try:
        probability, outcome = score(spec, request), "scored"
    except scorer.InvalidRequest:
        probability, outcome = None, "rejected"
    except Exception as error:  # any other failure: the page must still render, so log it and fall back
        probability, outcome = None, f"error: {type(error).__name__}"
    if outcome == "scored" and deadline is not None and time.perf_counter() - start > deadline:
        outcome = "late"
    decision = outcome == "scored" and probability >= spec["decision_threshold"]
    log.append({"model_version": spec["model_version"], "role": role, "features": request,
                "probability": probability, "outcome": outcome, "decision": decision,
                "offer": decision and role == "live"})
    return decision and role == "live"


# %% [markdown]
# Try the fallbacks: a request with a month the spec does not know, a spec whose trees were lost in transit, and
# a scorer that hangs. The share of requests that end in anything but a score is a monitor of its own (below).

# %%
def hanging(spec, request):
    time.sleep(2 * DEADLINE)
    return 0.99


failures = []
serve(loaded, {**requests[0], "Month": "Smarch"}, failures)
serve({**loaded, "model": {}}, requests[0], failures)
serve(loaded, requests[0], failures, score=hanging)
print([(record["outcome"], record["offer"]) for record in failures])

# %%
helpers.claim([r["outcome"][:5] for r in failures] == ["rejec", "error", "late"]
              and not any(r["offer"] for r in failures),
              "serve falls back to no offer on a rejected request, an unexpected error and a late answer")

# %% [markdown]
# Now the skew check at work, in a simulation under assumptions the data cannot test. The service decides at a
# random page of the session, so its page counts are counts so far (a uniform random share of the final
# counts); it reads page values from yesterday's analytics table, so a buyer's value lacks the part that the
# buyer's own purchase adds (we assume half); and the logging system stores the two rates as 32-bit floats.
# The numbers depend on these assumptions; the check does not.
#
# This replay, and those below, score thousands of requests back to back in this notebook. A pause of the
# notebook's whole process (its garbage collector, another program on a busy machine) would count there as a
# late answer that says nothing about the model, and would change the results from run to run; so `replay` is
# `serve` without the deadline. The latency section measured the answers against the budget, and the fallback
# on a late answer is shown above.

# %%
from functools import partial

replay = partial(serve, deadline=None)
seen = np.random.default_rng([SEED, 2]).random(len(X_test))
at_decision = X_test[KEEP].assign(
    **{n: np.floor(seen * X_test[n]).astype(int) for n in D.COUNT_COLUMNS},
    PageValues=np.where(y_test, X_test["PageValues"] / 2, X_test["PageValues"]),
    BounceRates=X_test["BounceRates"].astype(np.float32), ExitRates=X_test["ExitRates"].astype(np.float32))
log = []
for row in at_decision.astype(object).to_dict("records"):
    floats = {n: float(row[n]) for n in ["BounceRates", "ExitRates", "PageValues"]}
    replay(loaded, {**row, **floats, "Month": str(row["Month"])}, log)
served = pd.DataFrame([record["features"] for record in log], index=X_test.index)
served_scores = np.array([record["probability"] for record in log])

# %% [markdown]
# The check joins the logged features with training's for the same sessions and counts, per field, the share
# of sessions that differ: once exactly, once within a relative tolerance of one millionth, far above float32
# rounding and far below any change of meaning.

# %%
trained = X_test[KEEP]
skew = pd.DataFrame({"differs (exact)": (served[NUMBERS] != trained[NUMBERS]).mean(),
                     "differs (tolerance 1e-6)": pd.DataFrame(~np.isclose(
                         served[NUMBERS].astype(float), trained[NUMBERS], rtol=1e-6, atol=0), columns=NUMBERS).mean()})
skew.loc["Month"] = (served["Month"] != trained["Month"].astype(str)).mean()
print(f"test ROC AUC on training features {roc_auc_score(y, p_prod):.4f}, on served features "
      f"{roc_auc_score(y, served_scores):.4f}; log record: {log[0]['model_version']}, {log[0]['outcome']}")
skew.round(3)

# %%
tolerant = skew["differs (tolerance 1e-6)"]
helpers.claim(bool((tolerant[D.COUNT_COLUMNS + ["PageValues"]] > 0).all())
              and bool((tolerant[["BounceRates", "ExitRates", "Month"]] == 0).all()),
              "within the tolerance, the check flags the counts and PageValues, and not the rates or the month")
helpers.claim(bool((skew.loc[["BounceRates", "ExitRates"], "differs (exact)"] > 0.1).all()),
              "compared exactly, the rates differ in more than a tenth of sessions")
helpers.claim(roc_auc_score(y, served_scores) < roc_auc_score(y, p_prod),
              "the ROC AUC on served features is lower than on training features")

# %% [markdown]
# Within the tolerance, the check names exactly the fields whose meaning differs, counts and page values, and
# the share of sessions affected. Compared exactly, it would also flag the rates, which differ only by
# rounding: an alert that fires every day because two systems store numbers differently, and that soon nobody
# reads. The ROC AUC on the features the service really had is lower: the offline number was an upper bound,
# and by how much depends on assumptions that only logged features can replace. In production the same join
# runs every day on the logged records, and a field whose tolerant share of differences leaves zero raises an
# alert.
#
# ## Releasing a new model: shadow, gate, canary, rollback
#
# A retrained model must not go live on its offline score alone. Here the candidate has 60 trees of learning
# rate 0.1 instead of 30 of 0.2, and its **own** decision threshold, chosen as the production model's was:
# maximum F1 on its out-of-fold predictions, from the audit's folds. Reusing the old model's threshold would
# change the share of sessions flagged for no reason. We also prepare a bad release: the same candidate with
# a typo in its threshold, ten times too low.

# %%
from sklearn.model_selection import cross_val_predict

CANDIDATE = {"max_iter": 60, "learning_rate": 0.1}
candidate_model = helpers.production.build_production_model(X_train, y_train, **CANDIDATE)
candidate_oof = cross_val_predict(helpers.production.make_production_pipeline(**CANDIDATE), X_train[KEEP], y_train,
                                  cv=folds, method="predict_proba")[:, 1]
CANDIDATE_THRESHOLD = max_f1_threshold(y_train, candidate_oof)


def release(model, threshold):
    exported = helpers.production.export_spec(model, threshold=threshold, training_sha256=D.SESSIONS_SHA256,
                                              training_rows=len(X_train), metrics={})
    return scorer.load_spec(helpers.production.spec_to_json(exported))


candidate, typo = release(candidate_model, CANDIDATE_THRESHOLD), release(candidate_model, CANDIDATE_THRESHOLD / 10)
print(f"thresholds: live {THRESHOLD:.3f}, candidate {CANDIDATE_THRESHOLD:.3f}, typo {typo['decision_threshold']:.3f}")

# %% [markdown]
# **Shadow mode.** The live model answers every request. The service puts each logged request on a queue, and
# a worker scores the queue with the candidate *after* the answer has gone out, so the candidate adds no
# latency to the page; its records are marked `shadow`, and no offer is shown from them. The live requests
# are the test sessions.

# %%
live_log = []
for request in requests:
    replay(loaded, request, live_log)
shadow_log, typo_log = [], []
for record in live_log:  # the worker, off the request path
    replay(candidate, record["features"], shadow_log, role="shadow")
    replay(typo, record["features"], typo_log, role="shadow")
live, shadow = pd.DataFrame(live_log), pd.DataFrame(shadow_log)
print(f"live {live.model_version[0]} flags {live.decision.mean():.3f}; shadow {shadow.model_version[0]} "
      f"flags {shadow.decision.mean():.3f}, offers shown {shadow.offer.sum()}; same decision for "
      f"{np.mean(live.decision == shadow.decision):.3f}; the typo would flag {pd.DataFrame(typo_log).decision.mean():.3f}")

# %% [markdown]
# **The gate** compares the candidate with the live model *on the same requests*, so the season and the traffic
# mix cancel out: both models saw the same sessions. It passes when the candidate falls back at most one request
# in a hundred more often than the live model (a single pause of a busy machine must not roll back a sound
# model) and flags a share of sessions within 0.05 of the live model's, a fixed effect size the team chose,
# judged on at least 200 requests; a band that shrinks with traffic would fail sound models on busy days.
# Replayed here, no answer is late, so the gate compares rejections, errors and decisions; the candidate's
# speed is checked as the live model's was, against the latency budget, right after.

# %%
GATE_TOLERANCE, FALLBACK_TOLERANCE, GATE_MIN_N = 0.05, 0.01, 200


def gate(new, old):
    """True when the new model's log records match the old model's on the same requests."""
    if len(new) != len(old) or len(new) < GATE_MIN_N:
        raise ValueError(f"the gate compares two logs of the same {GATE_MIN_N} or more requests")
    fallbacks = [np.mean([r["outcome"] != "scored" for r in records]) for records in (new, old)]
    flagged = [np.mean([r["decision"] for r in records]) for records in (new, old)]
    return bool(fallbacks[0] <= fallbacks[1] + FALLBACK_TOLERANCE
                and abs(flagged[0] - flagged[1]) <= GATE_TOLERANCE)


print(f"gate: candidate {gate(shadow_log, live_log)}, typo {gate(typo_log, live_log)}")

# %% tags=["nbval-ignore-output"]
candidate_p99 = np.percentile(timing(lambda r: scorer.score_checked(candidate, r), requests, N_FAST_CALLS), 99)
print(f"the candidate's checked scorer: p99 {candidate_p99 * 1e6:.0f} µs, budget {LATENCY_BUDGET * 1e3:.0f} ms")
helpers.claim(candidate_p99 < LATENCY_BUDGET, "the candidate meets the latency budget at the 99th percentile")

# %%
helpers.claim(gate(shadow_log, live_log) and not gate(typo_log, live_log),
              "the shadow gate passes the candidate and stops the typo before it shows a single offer")

# %% [markdown]
# **Canary.** A candidate that passed the gate then serves a small share of live traffic, 10 %, while the live
# model scores the same canary requests in shadow. After every canary request, once there are 200, the gate
# runs again on the canary's requests, and a failure rolls the candidate back at once, automatically: the
# previous spec never left memory, so rollback is a pointer move. A day of traffic, the test sessions again:

# %%
def canary(new, requests, share=0.1):
    """Serve a share of requests with the new spec and the rest with the live one; roll back when the gate fails."""
    chosen = np.random.default_rng([SEED, 3]).random(len(requests)) < share
    new_log, paired_log, serving = [], [], new
    for request, to_new in zip(requests, chosen, strict=True):
        if to_new and serving is new:
            replay(new, request, new_log)
            replay(loaded, request, paired_log, role="shadow")
            if len(new_log) >= GATE_MIN_N and not gate(new_log, paired_log):
                serving = loaded  # automatic rollback
        else:
            replay(loaded, request, [])
    return serving is new, len(new_log)


(promoted, exposed), (typo_promoted, typo_exposed) = canary(candidate, requests), canary(typo, requests)
print(f"candidate promoted: {promoted} after {exposed} canary requests; typo promoted: {typo_promoted}, rolled "
      f"back after {typo_exposed} of {len(requests):,} requests ({typo_exposed / len(requests):.3f})")

# %%
helpers.claim(promoted and not typo_promoted and typo_exposed == GATE_MIN_N,
              "the canary promotes the candidate and rolls the typo back after the gate's minimum of requests")

# %% [markdown]
# Had the typo skipped the shadow gate, the canary would have shown its offers to a few percent of one day's
# sessions, not to all of them. Every record names its model version (the version covers the threshold too,
# so the typo got its own), so its decisions can be found and counted afterwards. **Online parity** is the
# last loop: the answers the Go service logged, recomputed offline from the logged features by the analysts'
# model, must agree to 1e-12; the Go run above did exactly that for every test session.

# %% [markdown]
# ## Drift: when the world changes
#
# Three plausible changes. **Broken tracking**: a tag loses the page value of half the sessions, and the
# analytics tool then reports 0 for them, or, in a second version of the bug, sends no value at all (`null`).
# **A shift in the audience**: a campaign brings many new visitors, so that half the sessions are new visitors
# instead of about one in seven. We simulate each on one half of the test set (the other half, scored by the
# same model, will serve as the reference for monitoring) and serve every request through `replay`, with its
# fallback.

# %%
reference_half = rng.permutation(len(X_test)) < len(X_test) // 2
live_rows = np.flatnonzero(~reference_half)
live_requests, y_live = [requests[i] for i in live_rows], y[live_rows]
lost = rng.random(len(live_rows)) < 0.5
new = (X_test["VisitorType"] == "New_Visitor").to_numpy()[live_rows]
weights = np.where(new, 0.5 / new.mean(), 0.5 / (1 - new.mean()))
rows = rng.choice(len(live_rows), size=len(live_rows), replace=True, p=weights / weights.sum())
worlds = {"as trained": (live_requests, y_live),
          "tracking sends 0": ([{**r, "PageValues": 0.0 if gone else r["PageValues"]}
                                for r, gone in zip(live_requests, lost, strict=True)], y_live),
          "tracking sends null": ([{**r, "PageValues": None if gone else r["PageValues"]}
                                   for r, gone in zip(live_requests, lost, strict=True)], y_live),
          "half new visitors": ([live_requests[i] for i in rows], y_live[rows])}
world_logs = {}
for name, (world_requests, _) in worlds.items():
    world_logs[name] = []
    for request in world_requests:
        replay(loaded, request, world_logs[name])

# %% [markdown]
# **Monitors that expect the season.** The share of sessions flagged and the share of zeros in `PageValues`
# both move with the month, so one expected share for the whole year would alert on an ordinary November day.
# Each monitor's expected value is therefore computed for the day's traffic: the training share of its month
# (out-of-fold decisions for the flagged share), averaged over the day's requests. An alert fires when the
# observed share lies more than 0.04 from that, a fixed effect size; it judges only days with at least 1,000
# requests, where three binomial standard errors of a share stay below 0.04.

# %%
MONITOR_TOLERANCE, MONITOR_MIN_N = 0.04, 1_000
train_months = X_train["Month"].astype(str).to_numpy()
flagged_by_month = pd.Series(oof >= THRESHOLD).groupby(train_months).mean()
zeros_by_month = pd.Series(X_train["PageValues"].to_numpy() == 0).groupby(train_months).mean()


def alert(observed, by_month, months):
    """True when a share lies more than the tolerance from its expectation for these months' traffic."""
    if len(months) < MONITOR_MIN_N:
        raise ValueError(f"a monitor judges at least {MONITOR_MIN_N} requests, got {len(months)}")
    return bool(abs(np.mean(observed) - by_month.reindex(months).mean()) > MONITOR_TOLERANCE)


print(f"out-of-fold flagged share by month: {flagged_by_month.round(3).to_dict()}")

# %%
helpers.claim(flagged_by_month.max() - flagged_by_month.min() > 2 * MONITOR_TOLERANCE,
              "the flagged share differs between months by more than twice the alert's tolerance")

# %% [markdown]
# For each world, what the model does (its ROC AUC on the sessions it scored, mean prediction against the
# observed purchase rate) and what cheap monitors see: the share of zeros in `PageValues`, the share of
# requests that got no score (the fallback), and the share of sessions flagged, each with its alert.

# %%
effects = {}
for name, (_, y_world) in worlds.items():
    records = pd.DataFrame(world_logs[name])
    scored = (records.outcome == "scored").to_numpy()
    p = records.probability[scored].to_numpy(float)
    months = [f["Month"] for f in records.features]
    zeros = [f["PageValues"] == 0 for f in records.features]
    effects[name] = {"ROC AUC": roc_auc_score(y_world[scored], p), "mean predicted": p.mean(),
                     "observed rate": y_world.mean(), "zeros in PageValues": np.mean(zeros),
                     "zeros alert": alert(zeros, zeros_by_month, months), "no score": 1 - scored.mean(),
                     "flagged": records.offer.mean(), "flag alert": alert(records.offer, flagged_by_month, months)}
effects = pd.DataFrame(effects).T
effects.round(3)

# %%
zero_alert = effects["zeros alert"]
helpers.claim(bool(zero_alert["tracking sends 0"] and not zero_alert["as trained"]),
              "the zeros alert fires when tracking sends 0, and not as trained")
helpers.claim(effects.loc["tracking sends null", "no score"] > 0.2 and effects.loc["as trained", "no score"] == 0,
              "the checked scorer rejects the null page values, and nothing as trained")
helpers.claim(bool(effects.loc["tracking sends 0", "flag alert"] and not effects.loc["as trained", "flag alert"]),
              "the flagged-share alert fires when tracking sends 0, and not as trained")
helpers.claim(bool(zero_alert["tracking sends null"]) and effects.loc["tracking sends null", "zeros in PageValues"]
              < effects.loc["as trained", "zeros in PageValues"],
              "when tracking sends null, the zeros alert fires because the share of zeros falls")
helpers.claim(effects.loc["tracking sends 0", "ROC AUC"] < effects.loc["as trained", "ROC AUC"] - 0.03,
              "losing page values lowers the ROC AUC")

# %% [markdown]
# Losing page values as zeros hurts the ranking, predictions fall below the observed rate, and fewer sessions
# are flagged; nothing fails, so only a monitor can see it, and two cheap ones do: the share of zeros leaves
# its seasonal expectation, and the flagged-share alert fires. When the same bug sends `null`, the checked
# scorer rejects those requests instead of scoring them as if the visitor had seen no valuable page: the share
# of requests without a score reveals the bug at once, and the page falls back to showing no offer. (The zeros
# alert fires then too, the other way round: the page values sent as `null` are no longer zeros, so the share of
# zeros falls below its expectation.) That fallback has a cost, which the logs measure: the
# offers that the model would have shown to these sessions with their true page values.

# %%
rejected = (pd.DataFrame(world_logs["tracking sends null"]).outcome == "rejected").to_numpy()
missed = np.mean(live.offer.to_numpy()[live_rows][rejected])
print(f"fallback: {rejected.mean():.3f} of sessions got no score; the model would have offered to {missed:.3f} "
      f"of them, against {live.offer.mean():.3f} of all sessions: {rejected.mean() * missed:.3f} of all "
      f"sessions lost their offer")

# %%
helpers.claim(abs(missed - live.offer.mean()) < 0.05,
              "the fallback hits sessions that would have been offered about as often as the average session")

# %% [markdown]
# The broken tag fails at random, so the fallback withholds offers in proportion to the traffic it hits: the
# last number above is the share of all sessions whose offer the outage cost. Errors and late answers get the
# same fallback, and their cost is counted the same way, from the share of `error` and `late` outcomes in the
# log.
#
# More new visitors raise the observed purchase rate, and the model follows only partly, because it never sees
# the visitor type; the flagged share barely moves. Here the monitors that compare whole distributions help.
#
# **Distribution monitors.** The population stability index (PSI) compares the distribution of a variable in
# production with a reference, over bins fixed on the reference:
# PSI = Σ (p_live − p_ref) · ln(p_live / p_ref). A common rule of thumb reads below 0.1 as stable and above
# 0.25 as a major shift. The reference for the score is the same model's scores on held-out sessions, the half
# of the test set we kept aside: scores on the training sessions would be too confident, and out-of-fold
# scores come from other models, whose scores take slightly different values (with many sessions sharing a
# score, bins and KS would then measure those small differences). Ten lines:

# %%
def psi(reference, live, bins=10):
    """Population stability index over quantile bins of the reference values."""
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)))
    edges[0], edges[-1] = -np.inf, np.inf
    expected = np.histogram(reference, edges)[0] / len(reference)
    actual = np.histogram(live, edges)[0] / len(live)
    expected, actual = np.clip(expected, 1e-6, None), np.clip(actual, 1e-6, None)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


# %% [markdown]
# The Kolmogorov–Smirnov test (`scipy.stats.ks_2samp`) asks whether two samples come from the same
# distribution. Apply both to the score in each world:

# %%
from scipy.stats import ks_2samp

reference = p_prod[reference_half]
scores = {name: pd.DataFrame(world_logs[name]).probability.dropna().to_numpy(float) for name in worlds}
monitor = pd.DataFrame({name: {"PSI score": psi(reference, s), "KS p score": ks_2samp(reference, s).pvalue}
                        for name, s in scores.items()}).T
monitor.round(4)

# %%
helpers.claim(monitor.loc["half new visitors", "KS p score"] < 0.01
              and monitor.loc["half new visitors", "PSI score"] > monitor.loc["as trained", "PSI score"],
              "KS and PSI both see the audience shift in the score")

# %% [markdown]
# KS sees the audience shift in the score that the flagged share missed, and PSI grows with it; read against
# the fixed rule of thumb, though, PSI calls it "stable". Neither sees the `null` bug: rejected requests never
# reach the score, which is why the share of requests without a score is a monitor of its own.

# %%
helpers.claim(monitor.loc["half new visitors", "PSI score"] < 0.1
              and monitor.loc["tracking sends null", "PSI score"] < 0.1,
              "PSI stays below 0.1 for the audience shift and for the null bug")

# %% [markdown]
# **Their limits.** KS answers "is there any difference?", and with enough data every difference is
# significant. Its statistic D, the largest gap between the two cumulative distributions, is an effect size;
# its p-value depends on D *and* on the number of sessions. Take the D of the audience shift and ask what
# p-value the same D would get on days of different traffic (the asymptotic Kolmogorov distribution, as
# `ks_2samp` uses for large samples, with the same number of sessions on both sides):

# %%
from scipy.stats import kstwobign

shift_d = ks_2samp(reference, scores["half new visitors"]).statistic
traffic = [100, 1_000, 10_000, 100_000]
same_d = pd.Series({n: kstwobign.sf(shift_d * np.sqrt(n / 2)) for n in traffic}, name="KS p-value, same D")
no_change = np.random.default_rng([SEED, 4]).choice(reference, size=(200, 100))  # 200 days of 100 sessions
psi_no_change = np.mean([psi(reference, day) for day in no_change])
print(f"audience shift on {len(scores['half new visitors']):,} sessions: D = {shift_d:.3f}, "
      f"PSI = {monitor.loc['half new visitors', 'PSI score']:.3f}; no change, 100 sessions: mean PSI "
      f"{psi_no_change:.3f}")
same_d.rename_axis("sessions per side").to_frame()

# %%
helpers.claim(same_d[100] > 0.05 and same_d[100_000] < 1e-6,
              "the same D is not significant on 100 sessions and overwhelmingly significant on 100,000")
helpers.claim(psi_no_change > 0.05, "with no change at all, the PSI of 100 sessions averages more than 0.05")
helpers.claim(psi_no_change > monitor.loc["half new visitors", "PSI score"] / 2,
              "no change on 100 sessions gives at least half the audience shift's PSI")

# %% [markdown]
# The same change is "not significant" on a quiet day and overwhelmingly significant on a busy one: KS's
# p-value measures the sample size as much as the change. D and PSI are effect sizes, but their sample values
# are biased upward on small samples: with no change at all, a day of 100 sessions gives a PSI above 0.05 on
# average, at least half the audience shift's PSI on all its sessions (both printed above). So a PSI or D threshold comes from their
# no-change distribution at the day's traffic (resampling the reference, as above), and a day needs a minimum
# number of sessions before it is judged. Monitor a few inputs and the score, alert on effect sizes with
# such thresholds (a share of zeros, the share without a score, a flagged share, a PSI) rather than p-values,
# and check the outcome (the purchase rate among flagged sessions) once it is known.
#
# ## Never unpickle a file you do not trust
#
# `pickle.load` runs code. A pickle can name any function to call while it is loaded. This harmless example
# only prints a line, but it could as well delete files or open a connection:

# %%
class NotAModel:
    def __reduce__(self):
        return (print, ("this line was printed by pickle.loads: it ran code from the file",))


payload = pickle.dumps(NotAModel())
result = pickle.loads(payload)

# %% [markdown]
# So never load a model pickle from a source you do not trust, and prefer formats that hold data, not code:
# the JSON spec above, ONNX, or `skops.io`, which checks the types in a scikit-learn file before it loads them.
#
# ## A production-readiness checklist
#
# Each line is computed from what this chapter measured.

# %%
DECISION_TIME = "offline metric on features as known at decision time"


def status(passed):
    return "pass" if passed else "FAIL"


# %%
checks = {
    DECISION_TIME: "FAIL: the data has end-of-session features only; log the served features, retrain, evaluate",
    "loss within the allowance (lower end of the interval)": status(low > -ALLOWED_LOSS),
    "at most half of the input fields": status(len(KEEP) <= len(D.FEATURES) / 2),
    "a score for a valid request in every calendar month (Python; Go in the unit tests)": status(all(
        0 < scorer.score_checked(loaded, {**single, "Month": month}) < 1 for month in CALENDAR)),
    "Go scorer equals scikit-learn to 1e-12 on every test session": status(go_gap <= 1e-12 and go_same)
    if GO else NOT_CHECKED,
    "Go scorer's p99 latency within budget": status(np.percentile(go_run.seconds, 99) < LATENCY_BUDGET)
    if GO else NOT_CHECKED,
    "Go serving process within the memory budget": status(go_run.peak_rss_mb < MEMORY_BUDGET_MB)
    if GO else NOT_CHECKED,
    "every contract violation rejected by the checked scorer": status(
        contract["checked scorer"].drop("valid request").str.startswith("error").all()),
    "fallback on rejection, error and late answer": status(not any(r["offer"] for r in failures)),
    "release through shadow gate and canary with automatic rollback": status(promoted and not typo_promoted),
    "model version in every log record": status(all(r["model_version"] == spec["model_version"] for r in log)),
}
for line, result in checks.items():
    print(f"{line:82} {result}")

# %%
blocking = [line for line, result in checks.items() if result not in ("pass", NOT_CHECKED)]
helpers.claim(blocking == [DECISION_TIME], "every line passes or waits for Go, except the decision-time metric")

# %% [markdown]
# The release is **blocked**: every line this chapter can check passes (where Go is missing, its lines say so
# instead), but the one that matters most for a mid-session decision cannot pass on this data. The model is
# ready to log the features it is served, in shadow, and not yet to decide. Once a few weeks of logged
# decision-time features exist, the same audit, threshold and gate run on them, and the first line can pass.

# %% [markdown]
# What the list cannot check: how the shop will respond to the offers, which is what chapter 03 measures.

# %% [markdown]
# ## Exercises
#
# ### Exercise 2.1
#
# A monitor bins a score into four bins. In training the bins held 40 %, 30 %, 20 % and 10 % of sessions; this
# week they hold 25 %, 30 %, 25 % and 20 %. What is the PSI? (Use the natural logarithm.)

# %%
answer_2_1 = ...
helpers.exercises.ch02.q1.check(answer_2_1)

# %%
# helpers.exercises.ch02.q1.hint()
# helpers.exercises.ch02.q1.solution()

# %% [markdown]
# ### Exercise 2.2
#
# Write the contract check for the month alone: a function `valid_month(value)` that returns `True` for a
# month the production model serves and `False` for anything else, without raising. The check calls it with
# many values.

# %%
def valid_month(value):
    ...


helpers.exercises.ch02.q2.check(valid_month)

# %%
# helpers.exercises.ch02.q2.hint()
# helpers.exercises.ch02.q2.solution()

# %% [markdown]
# ### Exercise 2.3
#
# The serving team wants to log the model's raw score, the log-odds before the logistic function. What is it
# for the first test session, `X_test.iloc[0]`, under the production model? (Think about how to get it from the
# spec, or from the probability.)

# %%
answer_2_3 = ...
helpers.exercises.ch02.q3.check(answer_2_3)

# %%
# helpers.exercises.ch02.q3.hint()
# helpers.exercises.ch02.q3.solution()

# %% [markdown]
# ### Exercise 2.4
#
# Be the Go team for a moment: score the session `requests[633]` by hand, from the JSON text `spec_text` alone,
# with the `json` and `math` modules and no helpers. What probability do you get? (Once it is right, try the bug
# the unit tests guard against: score `{**requests[633], "Month": "Apr"}` once with `<=` and once with `<` at the
# splits, and compare both with the same request in March and in May.)

# %%
answer_2_4 = ...
helpers.exercises.ch02.q4.check(answer_2_4)

# %%
# helpers.exercises.ch02.q4.hint()
# helpers.exercises.ch02.q4.solution()

# %% [markdown]
# ### Exercise 2.5
#
# The month failure, from the serving side: write `encode_month(name)`, which returns the number the production
# model uses for a month name, for all twelve months. The check compares it with the spec and recognises the
# encodings that caused the outage and the skew.

# %%
def encode_month(name):
    ...


helpers.exercises.ch02.q5.check(encode_month)

# %%
# helpers.exercises.ch02.q5.hint()
# helpers.exercises.ch02.q5.solution()

# %% [markdown]
# ## Key points
#
# - Write production requirements as numbers first, the allowed loss included; then every design choice can be
#   checked against them. Gate on the pessimistic end of an interval, not on a point estimate.
# - Audit each part of a model for benefit (cross-validated on grouped folds, with spread) and cost (fields,
#   size, time); drop what does not earn its keep. Here ten of seventeen inputs went, within the allowance.
# - The test set chose nothing: models were selected by cross-validation; the test set only confirmed.
# - An encoding is part of the model's contract. Numbering the months by their position in the data made the
#   model unable to serve January and April; the calendar index serves every month and scores the same.
# - A small model exported to a versioned, readable spec and scored by a few dozen lines of plain code equals
#   the library exactly, answers a request many times faster and needs a fraction of the memory. Compare
#   latency on many requests, with only the percentiles the sample supports, and the same model on both sides.
# - A profile, not a guess, says where the time goes: in scikit-learn's per-call input checking and
#   conversion (twice per request in the prototype, whose model re-encodes its categories), far more than in
#   the trees.
# - Gate the artifact that ships: the Go scorer's parity, latency and memory, not the Python stand-in's.
# - Features must be evaluated as the request path knows them. This data has end-of-session features only,
#   so its offline numbers are upper bounds and the checklist blocks the release until decision-time features
#   are logged. Log the features you served, with the model version, and compare them with training's within
#   a tolerance to catch skew.
# - Release through shadow mode (scored off the request path, marked as shadow), a gate that compares with
#   the live model on the same traffic, and a canary with automatic rollback; give a candidate its own
#   threshold; fall back to no offer on any failure or late answer.
# - Monitor with effect sizes whose expectation follows the season, with fixed tolerances and a minimum number
#   of sessions: shares of zeros, requests without a score, flagged share, PSI. KS's p-value measures the
#   sample size as much as the change, and small samples inflate PSI.
# - Never unpickle untrusted files.
#
# ## Further reading
#
# - D. Sculley, G. Holt, D. Golovin, E. Davydov, T. Phillips, D. Ebner, V. Chaudhary and M. Young, "Machine
#   Learning: The High Interest Credit Card of Technical Debt", *SE4ML: Software Engineering for Machine
#   Learning* (NIPS 2014 Workshop), 2014.
# - D. Sculley, G. Holt, D. Golovin, E. Davydov, T. Phillips, D. Ebner, V. Chaudhary, M. Young, J.-F. Crespo and
#   D. Dennison, "Hidden Technical Debt in Machine Learning Systems", *Advances in Neural Information Processing
#   Systems* 28 (NIPS 2015), 2503–2511, 2015.
# - E. Breck, S. Cai, E. Nielsen, M. Salib and D. Sculley, "The ML Test Score: A Rubric for ML Production
#   Readiness and Technical Debt Reduction", *Proceedings of the 2017 IEEE International Conference on Big Data
#   (Big Data)*, 1123–1132, 2017.
# - C. Nadeau and Y. Bengio, "Inference for the Generalization Error", *Machine Learning* 52(3), 239–281, 2003
#   (why the spread of cross-validation folds that share training rows understates the uncertainty).
# - C. O. Sakar, S. O. Polat, M. Katircioglu and Y. Kastro, "Real-time prediction of online shoppers' purchasing
#   intention using multilayer perceptron and LSTM recurrent neural networks", *Neural Computing and
#   Applications* 31, 6893–6908, 2019.
# - J. Bai, F. Lu, K. Zhang et al., *ONNX: Open Neural Network Exchange*, https://onnx.ai, 2019.
# - B. Yurdakul, "Statistical Properties of Population Stability Index", PhD dissertation, Western Michigan
#   University, 2018.
#
# ## What's next
#
# The model is ready to log in shadow, and to serve once decision-time features confirm it. But serving a
# prediction is not the goal: the shop wants to *act* on it, and no offline metric says what an offer does to
# revenue. Chapter 03 runs A/B tests in a simulated shop.
