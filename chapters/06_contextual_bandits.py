# %% [markdown]
# # 6. Contextual bandits and off-policy evaluation
#
# **You will learn to** see what targeting by a model's score is worth before any algorithm runs, run two
# contextual bandits (Thompson sampling per score bin and LinUCB) and measure their regret, log every decision
# with its probability, estimate the value of a new targeting policy from such a log with inverse propensity
# scoring, self-normalised IPS and the doubly robust estimator, check those estimates against the truth, and
# decide what to launch and how to confirm it.
#
# | prerequisites | time to learn | runs in |
# |---|---|---|
# | chapters 02–04 (the production model, the simulated shop, bandits); expectations and variances | 70 min reading, 35 min exercises | about 35 s |

# %%
import helpers

helpers.setup_notebook()

# %% tags=["parameters"]
SEED = 0                # seeds every simulation
FAST = False            # True: fewer simulated runs and logs
N_RUNS = 40             # simulated runs of each bandit
HORIZON = 100_000       # visitors per bandit run (ten days at 10,000 a day)
LOG_VISITORS = 50_000   # visitors per logged data set for off-policy evaluation
N_LOGS = 100            # repeated logs for the coverage of the intervals

# %%
if FAST:
    N_RUNS, N_LOGS = 24, 40

# %% [markdown]
# ## The decision, per visitor
#
# Chapter 04 tested four offers on *all* visitors: no offer, 5 % off, 10 % off and free shipping. Chapter 03
# found that whether an offer pays depends on how likely the visitor is to buy anyway. Chapter 02 built a
# production model that estimates exactly that, in microseconds, from seven fields known while the visitor
# browses. Put them together: the shop can choose the offer **per visitor**, with the model's score as the
# *context* of the decision.
#
# The simulated shop is the one of chapters 03 and 04. Visitors are drawn from the test set's sessions, which
# the production model never saw in training, so the score is an honest estimate of the purchase probability,
# not the model's memory. The shop's own purchase probabilities, with and without each offer, give the exact
# expected net revenue of every (visitor, offer) pair.

# %%
import numpy as np
import pandas as pd

C = helpers.contextual
shop = helpers.simulate.build_shop()
X_train, X_test, y_train, y_test = helpers.data.fixed_split(helpers.data.load_sessions())
production = helpers.production.build_production_model(X_train, y_train)
score = production.predict_proba(X_test[helpers.production.PRODUCTION_FIELDS])[:, 1]
VARIANTS = helpers.simulate.OFFER_VARIANTS
env = C.shop_environment(shop, VARIANTS, score, rows=X_test.index.to_numpy())
truth = env.expected_rewards            # (sessions, offers): exact expected net revenue in €
print(f"{len(score):,} sessions; offers: {', '.join(env.names)}")

# %% [markdown]
# Cut the score into five bins. Within each bin, average every offer's true value over the bin's sessions.
# The **best context-free policy** shows one offer to everyone; the **best contextual policy** shows, in each
# bin, the offer that is best there. (A policy that knew every visitor's hidden probability could do better
# still; it is printed as a ceiling that no score-based policy reaches.)

# %%
EDGES = [0.05, 0.2, 0.4, 0.7]
BIN_LABELS = ["< 0.05", "0.05–0.2", "0.2–0.4", "0.4–0.7", ">= 0.7"]
bin_table, bin_share = C.bin_values(env, EDGES)
best_per_bin = bin_table.argmax(axis=1)
best_global = int(truth.mean(axis=0).argmax())
values = {"best global offer": truth.mean(axis=0).max(),
          "best contextual policy (per bin)": (bin_table.max(axis=1) * bin_share).sum(),
          "ceiling: best offer per visitor": truth.max(axis=1).mean()}
table = pd.DataFrame(bin_table, index=BIN_LABELS, columns=env.names).assign(
    share=bin_share, best=np.array(env.names)[best_per_bin])
print({name: round(value, 3) for name, value in values.items()}, "best global:", env.names[best_global])
table.round(3)

# %% [markdown]
# The best contextual policy earns more per visitor than any single offer, and the best offer differs between
# bins (the `best` column): the very likely buyers are best left alone, as in chapter 03, while others are
# worth an offer. The figure shows each offer's gain over no offer, bin by bin.

# %%
helpers.claim(values["best contextual policy (per bin)"] > values["best global offer"],
              "the best contextual policy beats the best global offer")
helpers.claim(len(set(best_per_bin)) > 1, "the best offer differs between score bins")
ax = helpers.plotting.offer_values_by_bin(bin_table, bin_labels=BIN_LABELS, offer_names=env.names,
                                          title="Which offer pays depends on the score")

# %% [markdown]
# That difference per visitor is the prize. A bandit has to find it from noisy purchases, while it pays for
# every visitor it shows a worse offer.
#
# ## Two learners, one interface
#
# A contextual policy in `helpers.contextual` has three methods: `start` creates its state for many simulations
# at once, `probabilities(state, contexts)` gives the probability of every offer for every visitor of a batch,
# and `update` learns from the batch. The engine, `helpers.contextual.simulate`, draws each visitor's offer from
# those probabilities and **logs the probability of the offer it drew**; that will matter for evaluation. It
# updates the policy after every 1,000 visitors (a couple of hours of the shop's traffic): a serving system
# refreshes its model on a schedule, not after every visitor.
#
# - **Thompson sampling per bin** keeps, for every bin and offer, a normal posterior of the mean reward. For a
#   visitor it draws one plausible mean per offer from the visitor's bin and shows the largest. A small share
#   `epsilon` of visitors gets a random offer, so that every offer keeps some probability (we will see why).
# - **LinUCB** (Li, Chu, Langford and Schapire, 2010) fits, per offer, a ridge regression of the reward on
#   (1, score, score², score³) and shows the offer with the highest upper confidence bound, estimate + alpha ×
#   its standard error. The rule itself is deterministic; here it too shows a random offer to a share epsilon
#   of visitors, which keeps it from locking onto a wrong curve and keeps every offer's probability above
#   zero.
#
# Their code, as the engine runs it:

# %%
import inspect

from IPython.display import Code

Code("\n".join(inspect.getsource(method) for method in
               [C.BinnedThompson.probabilities, C.BinnedThompson.update, C.LinUCB.probabilities]), language="python")

# %% [markdown]
# Thompson sampling's probabilities are not drawn but computed (by numerical integration), so that the engine
# can log them. To see that this is the same as "draw a mean per offer and show the largest", take the posterior of a short
# run and write the rule for one visitor in two lines; its choices, over many draws, match the engine's
# probabilities within their Monte Carlo error.

# %%
thompson = C.BinnedThompson(EDGES, noise_sd=13.0, epsilon=0.05)
early = C.simulate(thompson, env, horizon=3_000, n_simulations=1, seed=SEED, learn_from="purchases")
means, sds = thompson.posterior(early.state)
rng = np.random.default_rng(SEED)


def thompson_choice(means, sds, rng):
    return int(np.argmax(rng.normal(means, sds)))   # one plausible mean per offer; show the largest


top = len(EDGES)   # the bin of the highest scores
draws = np.array([thompson_choice(means[0, top], sds[0, top], rng) for _ in range(20_000)])
by_hand = (1 - thompson.epsilon) * np.bincount(draws, minlength=4) / len(draws) + thompson.epsilon / 4
engine = thompson.probabilities(early.state, np.array([[0.9]]))[0, 0]
mc_error = np.sqrt(by_hand * (1 - by_hand) / len(draws))
print("by hand:", by_hand.round(4), " engine:", engine.round(4))
helpers.claim(bool(np.all(np.abs(by_hand - engine) < 4 * mc_error + 1e-3)),
              "the engine's Thompson probabilities match the two-line rule within Monte Carlo error")

# %% [markdown]
# **What the learners learn from.** Net revenue per visitor is very noisy: most visitors buy nothing, and an
# order's value varies by tens of euros. Chapter 04's bandits learned slowly for that reason. The offers change
# *whether* a visitor buys, not what the order is worth (the shop's fourth assumption), and the shop knows what
# an average order is worth under each offer. So the learners learn from purchases times that known value
# (`learn_from="purchases"`): the same expectation without the noise of the order values. Regret is measured in
# expected net revenue either way.
#
# ## Regret
#
# Run each learner `N_RUNS` times for `HORIZON` visitors, together with context-free Thompson sampling (the same
# learner with a single bin), the bandit of chapter 04.

# %%
learners = {"Thompson, no context": C.BinnedThompson([], noise_sd=13.0, epsilon=0.05),
            "Thompson per bin": thompson,
            "LinUCB": C.LinUCB(alpha=25.0, degree=3, epsilon=0.05)}
runs = {name: C.simulate(policy, env, horizon=HORIZON, n_simulations=N_RUNS, seed=SEED + index,
                         learn_from="purchases")
        for index, (name, policy) in enumerate(helpers.progress(learners.items(), description="learners",
                                                                 total=len(learners)))}
best_contextual = (C.binned_policy(EDGES, best_per_bin, env.n_actions)(score) * truth).sum(axis=1)
steps = np.arange(1_000, HORIZON + 1, 1_000)    # keep the cumulative regret every 1,000 visitors
regret = {name: run.cumulative_regret(env, best_contextual)[:, steps - 1] for name, run in runs.items()}
ax = helpers.plotting.regret_bands(
    {name: (steps, r.mean(axis=0), *np.quantile(r, [0.1, 0.9], axis=0))
     for name, r in regret.items()},
    ylabel="cumulative regret (€)", title="Regret against the best contextual policy (mean, 10–90 % of runs)")

# %% [markdown]
# The lines are the mean over runs, the bands hold 80 % of the runs. Regret against the best global offer is
# the same curve shifted by the prize: the best contextual policy's gain over the best global offer, summed over
# the visitors. The table gives both at the end, and the regret per visitor over the last fifth of the horizon,
# where the learners have settled most.

# %%
prize = best_contextual - truth[:, best_global]          # per session, against the best global offer
tail = np.searchsorted(steps, 0.8 * HORIZON)                # the checkpoint at four fifths of the horizon
rows = {}
for name, run in runs.items():
    final = regret[name][:, -1]
    against_global = final - prize[run.sessions].sum(axis=1)
    late = (final - regret[name][:, tail]) / (HORIZON - steps[tail])
    rows[name] = {"regret vs contextual (€)": final.mean(), "se": final.std(ddof=1) / np.sqrt(N_RUNS),
                  "regret vs best global (€)": against_global.mean(),
                  "se ": against_global.std(ddof=1) / np.sqrt(N_RUNS),
                  "last fifth, per visitor (€)": late.mean(), "se  ": late.std(ddof=1) / np.sqrt(N_RUNS)}
regret_table = pd.DataFrame(rows).T
print(f"prize per visitor: {prize.mean():.3f} €")
regret_table.round(3)

# %% [markdown]
# Both contextual learners lose less than the context-free bandit, which can at best find the best global
# offer. In the last fifth of the horizon, both lose less per visitor against the best contextual policy than
# the prize is worth: they now earn more per visitor than the best global offer could. Over the whole horizon
# their regret against the best global offer (second column) says whether the learning has already paid for
# itself. Neither learner reaches zero regret per visitor: each still shows a random offer to 5 % of visitors,
# and keeps testing offers whose difference in a bin is a few cents.

# %%
contextual_se = np.hypot(regret_table["se"], regret_table.loc["Thompson, no context", "se"])
for name in ["Thompson per bin", "LinUCB"]:
    helpers.claim(regret_table.loc["Thompson, no context", "regret vs contextual (€)"]
                  - regret_table.loc[name, "regret vs contextual (€)"] > 2 * contextual_se[name],
                  f"{name} loses less than context-free Thompson sampling")
    late = regret_table.loc[name]
    helpers.claim(late["last fifth, per visitor (€)"] + 2 * late["se  "] < prize.mean(),
                  f"late in the run, {name} earns more per visitor than the best global offer")
helpers.claim(bool((regret_table["last fifth, per visitor (€)"] > 0).all()), "no learner reaches zero regret")

# %% [markdown]
# ## Logging for evaluation
#
# The team now has ideas for other targeting policies. Must each be run live to learn what it is worth? Not if
# the log says, for every decision, **with what probability the logged offer was chosen** (its *propensity*).
# The engine logged it:

# %%
log = runs["Thompson per bin"]
pd.DataFrame({"score": score[log.sessions[0, -5:]].round(3), "offer": np.array(env.names)[log.arms[0, -5:]],
              "propensity": log.propensities[0, -5:].round(4), "net revenue (€)": log.rewards[0, -5:].round(2)})

# %% [markdown]
# **Inverse propensity scoring** (IPS; Horvitz and Thompson, 1952) estimates the value of a *target* policy
# from a log collected under another: each logged reward is weighted by the target's probability of the logged
# offer divided by its propensity, and the weighted rewards are averaged. Offers the logging policy chose
# rarely count more, exactly enough to make up for how rarely they were chosen. In three lines, next to
# `helpers.ope.ips`:

# %%
def ips_by_hand(rewards, actions, propensities, target):
    weights = target[np.arange(len(actions)), actions] / propensities
    return np.mean(weights * rewards), np.std(weights * rewards, ddof=1) / np.sqrt(len(rewards))


everyone_free = np.eye(env.n_actions)[np.full(HORIZON, best_global)]   # target: the best global offer
args = (log.rewards[0], log.arms[0], log.propensities[0], everyone_free)
print("by hand:", np.round(ips_by_hand(*args), 6), " helpers.ope.ips:", np.round(helpers.ope.ips(*args), 6))

# %% [markdown]
# **A deterministic policy's log cannot evaluate another policy.** Suppose the shop had logged only its current
# policy, the best global offer for everyone, with no randomness: every propensity is 1, and the other offers
# never appear. Ask that log what the best contextual policy is worth:

# %%
current = C.binned_policy([], [best_global], env.n_actions)
candidate = C.binned_policy(EDGES, best_per_bin, env.n_actions)
deterministic = C.simulate(C.StaticPolicy(current), env, horizon=LOG_VISITORS, n_simulations=1, seed=SEED + 10,
                           batch=LOG_VISITORS)
context = score[deterministic.sessions[0]]
estimate, error = helpers.ope.ips(deterministic.rewards[0], deterministic.arms[0], deterministic.propensities[0],
                                  candidate(context))
candidate_truth = C.policy_value(env, candidate(score))
print(f"IPS from the deterministic log: {estimate:.3f} ± {1.96 * error:.3f} €; truth {candidate_truth:.3f} €")
helpers.claim(abs(estimate - candidate_truth) > 4 * error,
              "the deterministic log's estimate misses the truth by far more than its standard error")

# %% [markdown]
# The estimate is far off, and its interval does not warn you: where the candidate would show no offer, the log
# holds no visitor without an offer, so those visitors contribute nothing instead of their value. Nothing in the
# numbers can repair that; only randomness in the logging policy can.
#
# **How much exploration does the log need?** Let the current policy show a random offer to a share epsilon of
# visitors (propensity epsilon / 4 for each offer, plus 1 − epsilon for the current offer). The smaller
# epsilon, the larger the weights of the rare offers, and the larger the standard error of the estimate:

# %%
EPSILONS = [0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
errors = {"IPS": [], "SNIPS": []}
for index, epsilon in enumerate(EPSILONS):
    logging = C.StaticPolicy(C.binned_policy([], [best_global], env.n_actions, epsilon=epsilon))
    one = C.simulate(logging, env, horizon=LOG_VISITORS, n_simulations=1, seed=SEED + 20 + index, batch=10_000)
    target = candidate(score[one.sessions[0]])
    errors["IPS"].append(helpers.ope.ips(one.rewards[0], one.arms[0], one.propensities[0], target)[1])
    errors["SNIPS"].append(helpers.ope.snips(one.rewards[0], one.arms[0], one.propensities[0], target)[1])
print(pd.DataFrame(errors, index=pd.Index(EPSILONS, name="epsilon")).round(3).T)
ax = helpers.plotting.error_by_exploration(EPSILONS, errors, title="Small propensities, large standard errors")

# %% [markdown]
# With the least exploration the standard error is several times that of a fully random log: a few visitors
# with propensity epsilon / 4 carry weights of 4 / epsilon. Since a standard error shrinks with the square root
# of the number of visitors, halving it takes four times the log. The exploration a log needs follows from the
# precision the team wants and the traffic it can spend; a share of 0.2 is a common compromise, and the rest of
# this chapter uses it.

# %%
helpers.claim(errors["IPS"][0] > 2 * errors["IPS"][-1],
              "the least exploration gives more than twice the standard error of a fully random log")

# %% [markdown]
# ## Off-policy evaluation
#
# Two more estimators join IPS (all three in `helpers.ope`, each returning a value and a standard error):
#
# - **Self-normalised IPS** (SNIPS; Swaminathan and Joachims, 2015) divides the weighted rewards by the sum of
#   the weights instead of the number of visitors: slightly biased, usually less variable.
# - **Doubly robust** (DR; Dudík, Langford and Li, 2011) starts from a reward model's prediction of what the
#   target earns and adds the IPS-weighted error of the model on the logged offer. With correct propensities
#   it is unbiased whatever the model; the better the model, the smaller its variance. Our model is the mean
#   reward per score bin and offer, fitted on the other half of the log (so that no visitor's own reward
#   predicts it).
#
# The log: the current policy with epsilon = 0.2, for `LOG_VISITORS` visitors. The candidates: the current
# policy, the policy Thompson sampling per bin learned (its best posterior mean per bin in its first run),
# chapter 03's "10 % off to the undecided (score 0.1 to 0.5)", and no offer at all.

# %%
def reward_model(bins, actions, rewards, n_bins, n_actions):
    """Mean reward per (bin, offer) cell of a log: a table of shape (bins, offers)."""
    cell = bins * n_actions + actions
    totals = np.bincount(cell, weights=rewards, minlength=n_bins * n_actions)
    counts = np.bincount(cell, minlength=n_bins * n_actions)
    return (totals / np.maximum(counts, 1)).reshape(n_bins, n_actions)


def cross_fitted_predictions(context, actions, rewards):
    """Each visitor's predicted reward for every offer, from the model fitted on the other half of the log."""
    bins, half = C.bin_of(context, np.asarray(EDGES)), np.arange(len(context)) % 2 == 0
    predicted = np.empty((len(context), env.n_actions))
    for part in (half, ~half):
        model = reward_model(bins[~part], actions[~part], rewards[~part], len(EDGES) + 1, env.n_actions)
        predicted[part] = model[bins[part]]
    return predicted

# %% [markdown]
# One log, every candidate, every estimator, and the truth:

# %%
learned = thompson.greedy_actions(runs["Thompson per bin"].state)[0]
candidates = {"current (best global offer)": current,
              "learned by Thompson per bin": C.binned_policy(EDGES, learned, env.n_actions),
              "10 % off to the undecided": C.binned_policy([0.1, 0.5], [0, 2, 0], env.n_actions),
              "no offer": C.binned_policy([], [0], env.n_actions)}
ESTIMATORS = {"IPS": helpers.ope.ips, "SNIPS": helpers.ope.snips, "DR": helpers.ope.doubly_robust}
logging = C.StaticPolicy(C.binned_policy([], [best_global], env.n_actions, epsilon=0.2))


def evaluate(log, index):
    """Every estimator for every candidate on one log; rows (candidate, estimator)."""
    context, actions, rewards = score[log.sessions[index]], log.arms[index], log.rewards[index]
    predicted = cross_fitted_predictions(context, actions, rewards)
    rows = {}
    for name, policy in candidates.items():
        args = (rewards, actions, log.propensities[index], policy(context))
        for estimator, function in ESTIMATORS.items():
            rows[(name, estimator)] = function(*args, predicted) if estimator == "DR" else function(*args)
    return pd.DataFrame(rows, index=["estimate", "se"]).T

# %%
logs = C.simulate(logging, env, horizon=LOG_VISITORS, n_simulations=N_LOGS, seed=SEED + 30, batch=10_000)
candidate_truth = {name: C.policy_value(env, policy(score)) for name, policy in candidates.items()}
first = evaluate(logs, 0)
first["low"], first["high"] = first["estimate"] - 1.96 * first["se"], first["estimate"] + 1.96 * first["se"]
first["truth"] = [candidate_truth[name] for name, _ in first.index]
first.round(3)

# %%
ax = helpers.plotting.ope_intervals(first, title="One log, four candidates, three estimators",
                                    unit="net revenue per visitor (€)")

# %% [markdown]
# Each interval is an honest statement about one log. Whether the intervals deserve their 95 % is a question
# about many logs: repeat the log `N_LOGS` times and count how often each interval covers the truth. The table
# also gives each estimator's bias (mean estimate minus truth, with its Monte Carlo standard error) and its
# average standard error.

# %%
repeated = pd.concat({index: evaluate(logs, index) for index in
                      helpers.progress(range(N_LOGS), description="logs", total=N_LOGS)}, names=["log"])
repeated["truth"] = [candidate_truth[name] for _, name, _ in repeated.index]
repeated["covered"] = (repeated["estimate"] - repeated["truth"]).abs() <= 1.96 * repeated["se"]
repeated["error"] = repeated["estimate"] - repeated["truth"]
summary = repeated.groupby(level=[1, 2], sort=False).agg(
    coverage=("covered", "mean"), bias=("error", "mean"), spread=("error", "std"), mean_se=("se", "mean"))
summary["bias_se"] = summary["spread"] / np.sqrt(N_LOGS)
summary.round(3)

# %% [markdown]
# On average over candidates and estimators, the intervals cover the truth in about 95 % of the logs, and
# none falls far below (with `N_LOGS` logs, one coverage has a Monte Carlo error of two to three percentage
# points). Estimates that rest on a few visitors with large weights are skewed, which a normal interval
# ignores; that is where coverage tends to fall short. No estimator's bias stands out from its Monte Carlo
# error. The doubly robust estimator has the smallest standard errors: its reward model absorbs the part of
# the reward that the score bin predicts, and only the rest is weighted.

# %%
helpers.claim(bool(abs(summary["coverage"].mean() - 0.95) < 0.04), "the intervals cover the truth about 95 % on average")
helpers.claim(bool((summary["coverage"] >= 0.8).all()), "no interval covers the truth in less than 80 % of the logs")
helpers.claim(bool((summary["bias"].abs() < 4 * summary["bias_se"]).all()),
              "no estimator's bias exceeds four Monte Carlo standard errors")
helpers.claim(bool((summary.xs("DR", level=1)["mean_se"] < summary.xs("IPS", level=1)["mean_se"]).all()),
              "DR's standard errors are smaller than IPS's for every candidate")

# %% [markdown]
# ## The fix for chapter 04's biased estimates
#
# Chapter 04 found that a bandit's own averages of its arms are biased: an arm that was unlucky early is played
# less and keeps its low estimate. A contextual bandit adds a second bias: it shows each offer to a different
# mix of visitors, so "the average revenue of visitors who got no offer" mostly describes likely buyers. The
# adaptive log *plus its propensities* removes both: IPS on the bandit's own log, with the propensities it
# logged, is unbiased for the value of any policy, for example "show this offer to everyone". Averaged over the
# runs of Thompson sampling per bin:

# %%
tb = runs["Thompson per bin"]
rows = {}
for offer, name in enumerate(env.names):
    shown = tb.arms == offer
    naive = (tb.rewards * shown).sum(axis=1) / shown.sum(axis=1)
    weighted = (tb.rewards * shown / tb.propensities).mean(axis=1)   # IPS for "this offer to everyone"
    rows[name] = {"truth": truth[:, offer].mean(), "naive mean": naive.mean(),
                  "naive se": naive.std(ddof=1) / np.sqrt(N_RUNS), "IPS": weighted.mean(),
                  "IPS se": weighted.std(ddof=1) / np.sqrt(N_RUNS)}
fix = pd.DataFrame(rows).T
fix.round(3)

# %% [markdown]
# The naive means are far off, in both directions. The bandit soon stops showing the discounts to visitors with
# high scores, where they are costly, but keeps trying them on the many low scores, where they cost little and
# buyers are rare: the discounts' naive means describe mostly low-score visitors and fall far below their truth.
# Free shipping, shown mostly to the middle and high scores, looks better than it is. The IPS estimates sit
# within a few Monte Carlo standard errors of the truth for every offer. The price is variance: offers the bandit rarely shows have propensities near epsilon / 4, and their
# estimates are the least precise. This is also the answer to chapter 04's worry that a bandit allows no clean
# check: with logged propensities, every estimate of chapter 03 can be made from the log.

# %%
naive_error = (fix["naive mean"] - fix["truth"]) / fix["naive se"]
helpers.claim(bool((naive_error[["5 % off", "10 % off"]] < -4).all()), "the discounts' naive means are far below")
helpers.claim(bool(naive_error["free shipping"] > 3), "free shipping's naive mean is far above its truth")
helpers.claim(bool(((fix["IPS"] - fix["truth"]).abs() < 4 * fix["IPS se"]).all()),
              "IPS on the bandit's log is within four Monte Carlo standard errors of the truth for every offer")

# %% [markdown]
# ## The decision, and the test that confirms it
#
# The team's candidate is the policy Thompson sampling per bin learned. Against the current policy it differs
# by cents per visitor, less than the standard errors of the single estimates above. Estimate the *difference*
# from the same log, visitor by visitor: subtract the two policies' doubly robust terms per visitor. Where the
# two policies agree, the terms cancel exactly, so only the visitors on whom they differ add noise.

# %%
def dr_terms(target, actions, rewards, propensities, predicted):
    """Each logged visitor's doubly robust term for a target policy (their mean is the DR estimate)."""
    visitors = np.arange(len(actions))
    weights = target[visitors, actions] / propensities
    return (target * predicted).sum(axis=1) + weights * (rewards - predicted[visitors, actions])


def dr_difference(log, index, policy):
    """DR estimate of policy minus the current policy from one log, and its standard error."""
    context, actions, rewards = score[log.sessions[index]], log.arms[index], log.rewards[index]
    parts = (actions, rewards, log.propensities[index], cross_fitted_predictions(context, actions, rewards))
    difference = dr_terms(policy(context), *parts) - dr_terms(current(context), *parts)
    return difference.mean(), difference.std(ddof=1) / np.sqrt(len(difference))

# %%
current_truth = candidate_truth["current (best global offer)"]
decision = pd.DataFrame({name: dict(zip(["DR difference (€)", "se"], dr_difference(logs, 0, policy), strict=True),
                                    **{"true difference (€)": candidate_truth[name] - current_truth})
                         for name, policy in candidates.items() if name != "current (best global offer)"}).T
decision["low"] = decision["DR difference (€)"] - 1.96 * decision["se"]
decision["high"] = decision["DR difference (€)"] + 1.96 * decision["se"]
decision.round(3)

# %% [markdown]
# The log does not rule the learned policy out: the upper end of its interval lies above zero. Can a log like
# this one *confirm* the gain, with the lower end above zero? Ask all `N_LOGS` logs:

# %%
learned_policy = candidates["learned by Thompson per bin"]
learned_differences = np.array([dr_difference(logs, index, learned_policy) for index in range(N_LOGS)])
confirmed = np.mean(learned_differences[:, 0] - 1.96 * learned_differences[:, 1] > 0)
print(f"share of logs whose interval confirms a gain: {confirmed:.0%}; "
      f"typical standard error {np.median(learned_differences[:, 1]):.3f} €")
helpers.claim(bool(decision.loc["learned by Thompson per bin", "high"] > 0),
              "the log does not rule out the learned policy")
helpers.claim(bool(confirmed < 0.5), "most logs cannot confirm the learned policy's gain")

# %% [markdown]
# Most logs cannot: the gain at stake is a few cents and the standard error is of the same order. Off-policy
# evaluation has done its job: it ranked candidates without running them and kept the promising one. The
# launch decision belongs to an A/B test: the team launches the learned contextual policy to half of the
# traffic against the current policy, sized for the smallest gain worth the added complexity (say 0.10 € per
# visitor), with revenue's standard deviation from the log, two-sided at 5 % with 80 % power (chapter 03's
# formula, through statsmodels). Because this shop knows the truth, we can also say what power the test really
# has.

# %%
from scipy.stats import norm
from statsmodels.stats.power import tt_ind_solve_power

MIN_GAIN = 0.10
sd = logs.rewards[0].std()
per_arm = tt_ind_solve_power(effect_size=MIN_GAIN / sd, alpha=0.05, power=0.8)
days = 2 * per_arm / 10_000
true_gain = decision.loc["learned by Thompson per bin", "true difference (€)"]
true_power = norm.cdf(true_gain / (sd * np.sqrt(2 / per_arm)) - norm.ppf(0.975))
print(f"{per_arm:,.0f} visitors per arm: {days:.0f} days at 10,000 visitors a day; "
      f"planned power 80 % for {MIN_GAIN} €, true power {true_power:.0%} for the true gain {true_gain:.3f} €")
helpers.claim(bool(days > 28), "the confirming test needs more than four weeks of traffic")

# %% [markdown]
# The confirming test takes more than four weeks of all the shop's traffic. That is the honest size of the
# prize: a few percent of net revenue per visitor, real in the truth, and expensive to prove. Whether it earns
# the complexity of a score-driven offer engine, with its logging, monitoring and a model in the request path
# (chapter 02), is the team's call; this chapter gives them the numbers to make it. Chapter 05's variance
# reduction would shorten the test.
#
# ## Exercises
#
# A tiny log for the first three: five visitors, two offers (0 = no offer, 1 = free shipping). The logging policy
# showed free shipping with probability 0.2. The target policy shows free shipping to everyone.
#
# | visitor | offer shown | propensity | net revenue (€) |
# |---|---|---|---|
# | 1 | 0 | 0.8 | 0 |
# | 2 | 1 | 0.2 | 30 |
# | 3 | 1 | 0.2 | 0 |
# | 4 | 0 | 0.8 | 20 |
# | 5 | 1 | 0.2 | 10 |
#
# ### Exercise 6.1
#
# What is the IPS estimate of the target policy's value (€ per visitor)?

# %%
answer_6_1 = ...
helpers.exercises.ch06.q1.check(answer_6_1)

# %%
# helpers.exercises.ch06.q1.hint()
# helpers.exercises.ch06.q1.solution()

# %% [markdown]
# ### Exercise 6.2
#
# What is the self-normalised (SNIPS) estimate from the same log?

# %%
answer_6_2 = ...
helpers.exercises.ch06.q2.check(answer_6_2)

# %%
# helpers.exercises.ch06.q2.hint()
# helpers.exercises.ch06.q2.solution()

# %% [markdown]
# ### Exercise 6.3
#
# A reward model predicts 5 € for no offer and 12 € for free shipping, for every visitor. What is the doubly
# robust estimate of the target policy's value?

# %%
answer_6_3 = ...
helpers.exercises.ch06.q3.check(answer_6_3)

# %%
# helpers.exercises.ch06.q3.hint()
# helpers.exercises.ch06.q3.solution()

# %% [markdown]
# ### Exercise 6.4
#
# The shop logs its current offer with exploration epsilon = 0.2 over four offers: a share 0.2 of visitors gets
# one of the four offers at random. What is the largest importance weight (target probability / propensity)
# that a deterministic target policy can give a logged visitor?

# %%
answer_6_4 = ...
helpers.exercises.ch06.q4.check(answer_6_4)

# %%
# helpers.exercises.ch06.q4.hint()
# helpers.exercises.ch06.q4.solution()

# %% [markdown]
# ## Key points
#
# - With the production model's score as context, the best offer differs between visitors, and the best
#   contextual policy beats the best global offer; compute that prize from the truth before any algorithm runs.
# - Thompson sampling per score bin is the simplest contextual learner that works; LinUCB shares what it learns
#   across scores through a model, and its deterministic choices make its runs vary more.
# - Learn from the least noisy signal that has the same expectation: purchases times the known order value.
# - Log every decision with its propensity. A deterministic log cannot evaluate another policy, and small
#   propensities make estimates imprecise: exploration is the price of evaluation.
# - IPS, SNIPS and doubly robust estimates, with their standard errors, match the truth and cover it about
#   95 % of the time; DR is the most precise when its reward model is decent.
# - The adaptive log plus its propensities gives unbiased estimates where a bandit's own averages do not.
# - Off-policy evaluation ranks candidates; an A/B test sized from the estimate confirms the winner.
#
# ## Further reading
#
# - L. Li, W. Chu, J. Langford and R. E. Schapire, "A Contextual-Bandit Approach to Personalized News Article
#   Recommendation", *Proceedings of the 19th International Conference on World Wide Web (WWW)*, 661–670, 2010.
# - S. Agrawal and N. Goyal, "Thompson Sampling for Contextual Bandits with Linear Payoffs", *Proceedings of the
#   30th International Conference on Machine Learning (ICML)*, PMLR 28(3), 127–135, 2013.
# - S. Agrawal and N. Goyal, "Further Optimal Regret Bounds for Thompson Sampling", *Proceedings of the 16th
#   International Conference on Artificial Intelligence and Statistics (AISTATS)*, PMLR 31, 99–107, 2013.
# - D. G. Horvitz and D. J. Thompson, "A Generalization of Sampling Without Replacement From a Finite
#   Universe", *Journal of the American Statistical Association* 47(260), 663–685, 1952.
# - M. Dudík, J. Langford and L. Li, "Doubly Robust Policy Evaluation and Learning", *Proceedings of the 28th
#   International Conference on Machine Learning (ICML)*, 1097–1104, 2011.
# - A. Swaminathan and T. Joachims, "The Self-Normalized Estimator for Counterfactual Learning", *Advances in
#   Neural Information Processing Systems* 28, 3231–3239, 2015.
# - L. Li, W. Chu, J. Langford and X. Wang, "Unbiased Offline Evaluation of Contextual-bandit-based News Article
#   Recommendation Algorithms", *Proceedings of the 4th ACM International Conference on Web Search and Data
#   Mining (WSDM)*, 297–306, 2011.
# - Y. Saito, S. Aihara, M. Matsutani and Y. Narita, "Open Bandit Dataset and Pipeline: Towards Realistic and
#   Reproducible Off-Policy Evaluation", *NeurIPS Datasets and Benchmarks Track*, 2021.
#
# ## What's next
#
# This is where the workbook's two halves meet: a production model's score, served in microseconds, drives a
# decision that a bandit learns and that a log with propensities lets you evaluate before you run it. The
# natural next steps are uplift models, which predict the effect of an offer rather than the purchase, and
# off-policy *learning*: choosing the policy that maximises a doubly robust estimate.
