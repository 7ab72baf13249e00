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
# | chapters 02–05 (the production model, the simulated shop, bandits, faster experiments); expectations and variances | 70 min reading, 35 min exercises | about 9 s on 2 cores (longer on a busy machine) |

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
SEED = 0                # seeds every simulation
FAST = False            # True: fewer simulated runs and logs
N_RUNS = 40             # simulated runs of each bandit
HORIZON = 100_000       # visitors per bandit run (ten days at 10,000 a day)
LOG_VISITORS = 50_000   # visitors per logged data set for off-policy evaluation
N_LOGS = 100            # repeated logs for the coverage of the intervals
N_TESTS = 40            # simulated runs of the confirming A/B test

# %%
if FAST:
    N_RUNS, N_LOGS, N_TESTS = 24, 40, 24

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
print({name: round(float(value), 3) for name, value in values.items()}, "best global:", env.names[best_global])
table.round(3)

# %% [markdown]
# The best contextual policy earns more per visitor than any single offer, and the best offer differs between
# bins (the `best` column). No offer is best at both ends: for the very likely buyers, who buy anyway (as in
# chapter 03), and for the lowest scores, where the few extra purchases an offer brings do not pay for it,
# though there only by about 2 cents per visitor of that bin (compare the first row). Free shipping is best in
# between. The figure shows each offer's gain over no offer, bin by bin.

# %%
helpers.claim(values["best contextual policy (per bin)"] > values["best global offer"],
              "the best contextual policy beats the best global offer")
helpers.claim(bool(best_per_bin[0] == 0 and best_per_bin[-1] == 0 and (best_per_bin[1:-1] != 0).all()),
              "no offer is best in the lowest and the highest bin, an offer in between")
helpers.claim(bool(0.01 < bin_table[0, 0] - np.sort(bin_table[0])[-2] < 0.03),
              "in the lowest bin no offer beats the next best offer by about 2 cents per visitor")
ax = helpers.plotting.offer_values_by_bin(bin_table, bin_labels=BIN_LABELS, offer_names=env.names,
                                          title="Which offer pays depends on the score")

# %% [markdown]
# *Figure: each offer's expected gain in net revenue per visitor over no offer, in each bin of the production
# model's score; no offer is best in the lowest and the highest bin.*

# %% [markdown]
# That difference per visitor is the prize. Where does it come from? Each bin adds its share of visitors times
# the gain of its best offer over the best global offer there. And how much of it does a much simpler rule get,
# one threshold: the best global offer below the top bin's edge, the top bin's best offer above it?

# %%
prize_by_bin = bin_share * (bin_table.max(axis=1) - bin_table[:, best_global])
one_threshold = C.binned_policy(EDGES[-1:], [best_global, best_per_bin[-1]], env.n_actions)
one_threshold_gain = C.policy_value(env, one_threshold(score)) - values["best global offer"]
print("prize per visitor by bin (€):", dict(zip(BIN_LABELS, prize_by_bin.round(3).tolist(), strict=True)))
print(f"top bin: {prize_by_bin[-1] / prize_by_bin.sum():.0%} of the prize from {bin_share[-1]:.0%} of visitors; "
      f"one threshold at {EDGES[-1]} captures {one_threshold_gain / prize_by_bin.sum():.0%} of it")
helpers.claim(bool(prize_by_bin[-1] > 0.5 * prize_by_bin.sum()), "the top bin holds most of the prize")
helpers.claim(bool(one_threshold_gain > 0.75 * prize_by_bin.sum()),
              "a one-threshold rule captures more than three quarters of the prize")

# %% [markdown]
# Almost all of the prize sits in the top bin, a small share of the visitors: there the best global offer gives
# free shipping to people who would buy anyway. A rule with one threshold gets most of it. Keep that in mind
# when this chapter's machinery asks for its keep: every part of a system must earn the complexity it adds.
#
# A bandit has to find the prize from noisy purchases, while it pays for every visitor it shows a worse offer.
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
# - **Thompson sampling per bin** keeps, for every *cell* (a score bin and an offer), an approximately normal
#   posterior of the mean reward (approximate because it plugs in an estimate of the cell's variance). For a
#   visitor it draws one plausible mean per offer from the visitor's bin and shows the largest. A small share
#   `epsilon` of visitors gets a random offer, so that every offer keeps some probability (we will see why).
# - **LinUCB** (Li, Chu, Langford and Schapire, 2010) fits, per offer, a ridge regression of the reward on
#   (1, score, score², score³) and shows the offer with the highest upper confidence bound, estimate + alpha ×
#   √(x′A⁻¹x), where x are the visitor's features and A = λI + Σ xx′ the offer's ridge matrix: λ (the ridge
#   penalty) times the identity plus the sum of xx′ over the visitors the offer was shown to. As an offer
#   collects visitors with scores near x, A grows in that direction and the bonus shrinks. The square root is the
#   estimate's standard error divided by the reward's noise standard deviation, so alpha, in euros, puts the
#   bonus at alpha / (noise sd) standard errors. The rule itself is deterministic; here it too shows a random
#   offer to a share epsilon of visitors, which keeps it from locking onto a wrong curve and keeps every
#   offer's probability above zero.
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
#
# `noise_sd` is a prior guess of the reward's standard deviation, in euros. A cell's variance estimate is its
# sample variance shrunk towards `noise_sd`² as if by two extra visitors, so the guess matters only while a
# cell has few visitors; after a few dozen, the cell's own data dominate. The guess here, 13 €, is close to the
# standard deviation of net revenue over all visitors, which the shop's truth gives below. The learners learn
# from a less noisy signal (also below), whose standard deviation would be the better guess on average. Either
# way, the guess mainly shapes the posteriors of each cell's first visitors.

# %%
NOISE_SD = 13.0   # prior guess of the reward's standard deviation (€)
thompson = C.BinnedThompson(EDGES, noise_sd=NOISE_SD, epsilon=0.05)
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
# *whether* a visitor buys, not what the order is worth (the shop's fourth assumption in chapter 03: order values
# are skewed and unaffected by the offer), and the shop knows what
# an average order is worth under each offer. So the learners learn from purchases times that known value
# (`learn_from="purchases"`): the same expectation without the noise of the order values. Regret is measured in
# expected net revenue either way. The shop's truth gives both standard deviations exactly, for a visitor shown
# the best global offer:

# %%
ALPHA = 25.0   # LinUCB's bonus width (€)
offer_mean = truth[:, best_global].mean()
second_moments = {"net revenue": env.expected_squared_rewards[:, best_global],
                  "purchases × order value": env.purchase_probability[:, best_global] * env.order_values[best_global]**2}
signal_sd = {name: np.sqrt(moment.mean() - offer_mean**2) for name, moment in second_moments.items()}
print("standard deviation (€):", {name: round(float(sd), 2) for name, sd in signal_sd.items()},
      f"| LinUCB's bonus: alpha = {ALPHA:g} € is {ALPHA / signal_sd['purchases × order value']:.1f} standard errors")
helpers.claim(bool(signal_sd["purchases × order value"] < 0.8 * signal_sd["net revenue"]),
              "purchases times order value is much less noisy than net revenue")
helpers.claim(bool(signal_sd["purchases × order value"] < NOISE_SD and abs(NOISE_SD / signal_sd["net revenue"] - 1) < 0.1),
              "noise_sd lies above the learning signal's standard deviation, near that of net revenue")

# %% [markdown]
# The learning signal's standard deviation is well below that of net revenue, and the sample size needed for a
# given precision falls with its square. `NOISE_SD` lies near the larger of the two. LinUCB's alpha puts its
# bonus at a few standard errors.
#
# ## Regret
#
# Run each learner `N_RUNS` times for `HORIZON` visitors, together with context-free Thompson sampling (the same
# learner with a single bin), the bandit of chapter 04. All three get the same seed: in run *k* they meet the
# same visitors in the same order with the same random numbers (*common random numbers*), so that two learners
# can be compared run by run.

# %%
learners = {"Thompson, no context": C.BinnedThompson([], noise_sd=NOISE_SD, epsilon=0.05),
            "Thompson per bin": thompson,
            "LinUCB": C.LinUCB(alpha=ALPHA, degree=3, epsilon=0.05)}
runs = {name: C.simulate(policy, env, horizon=HORIZON, n_simulations=N_RUNS, seed=SEED, learn_from="purchases")
        for name, policy in helpers.progress(learners.items(), description="learners", total=len(learners))}
best_contextual = (C.binned_policy(EDGES, best_per_bin, env.n_actions)(score) * truth).sum(axis=1)
steps = np.arange(1_000, HORIZON + 1, 1_000)    # keep the cumulative regret every 1,000 visitors
regret = {name: run.cumulative_regret(env, best_contextual)[:, steps - 1] for name, run in runs.items()}
prize = best_contextual - truth[:, best_global]          # per session, against the best global offer
ax = helpers.plotting.regret_bands(
    {name: (steps, r.mean(axis=0), *np.quantile(r, [0.1, 0.9], axis=0))
     for name, r in regret.items()},
    ylabel="cumulative regret (€)", title="Regret against the best contextual policy (mean, 10–90 % of runs)",
    reference=("prize × visitors: the best global offer's regret", steps, prize.mean() * steps))
marks = [steps[len(steps) // 4 - 1], steps[len(steps) // 2 - 1], steps[-1]]
print(pd.DataFrame({**{name: r.mean(axis=0)[np.searchsorted(steps, marks)] for name, r in regret.items()},
                    "best global offer": prize.mean() * np.array(marks)},
                   index=[f"{m:,} visitors" for m in marks]).T.round().astype(int).to_string())

# %% [markdown]
# *Figure: the mean cumulative regret (€) against the best contextual policy of the three learners, with bands
# holding 80 % of the runs, beside the regret of showing everyone the best global offer.*

# %% [markdown]
# The lines are the mean over runs, the bands hold 80 % of the runs. The dashed line is the regret of showing
# everyone the best global offer: the prize (the best contextual policy's gain over the best global offer, per
# visitor) times the number of visitors. Regret against the best global offer is a learner's curve minus that
# line: a learner below the dashed line has earned more than the best global offer would have. The table gives
# both regrets at the end, and the regret per visitor over the last fifth of the horizon, where the learners
# have settled most.

# %%
tail = np.searchsorted(steps, 0.8 * HORIZON)                # the checkpoint at four fifths of the horizon
rows = {}
for name, run in runs.items():
    final = regret[name][:, -1]
    against_global = final - prize[run.sessions].sum(axis=1)
    late = (final - regret[name][:, tail]) / (HORIZON - steps[tail])
    rows[name] = {"regret vs contextual (€)": final.mean(),
                  "se (vs contextual)": final.std(ddof=1) / np.sqrt(N_RUNS),
                  "regret vs best global (€)": against_global.mean(),
                  "se (vs best global)": against_global.std(ddof=1) / np.sqrt(N_RUNS),
                  "last fifth, per visitor (€)": late.mean(), "se (last fifth)": late.std(ddof=1) / np.sqrt(N_RUNS)}
regret_table = pd.DataFrame(rows).T
print(f"prize per visitor: {prize.mean():.3f} €")
regret_table.round(3)

# %% [markdown]
# The two contextual learners met the same visitors, so compare them run by run: LinUCB's regret minus that of
# Thompson per bin, over the whole horizon and per visitor in the last fifth, with the standard error of the
# paired differences.

# %%
linucb, per_bin = regret["LinUCB"], regret["Thompson per bin"]
paired_whole = linucb[:, -1] - per_bin[:, -1]
paired_late = (linucb[:, -1] - linucb[:, tail] - per_bin[:, -1] + per_bin[:, tail]) / (HORIZON - steps[tail])
whole_se, late_se = paired_whole.std(ddof=1) / np.sqrt(N_RUNS), paired_late.std(ddof=1) / np.sqrt(N_RUNS)
print(f"LinUCB minus Thompson per bin, paired over runs: whole horizon {paired_whole.mean():,.0f} ± {whole_se:,.0f}"
      f" €; last fifth {paired_late.mean():+.4f} ± {late_se:.4f} € per visitor")

# %% [markdown]
# Both contextual learners lose less than the context-free bandit, which can at best find the best global
# offer. In the last fifth of the horizon, both lose less per visitor against the best contextual policy than
# the prize is worth: they now earn more per visitor than the best global offer could.
#
# Has the learning paid for itself over the whole horizon? The second column answers. LinUCB's regret against
# the best global offer lies below zero (compare it with its standard error): it has already earned more than
# showing everyone the best global offer would have. For Thompson per bin the answer is not clear: its regret against
# the best global offer lies within a few standard errors of zero.
#
# Run by run, LinUCB's regret over the whole horizon is no higher than that of Thompson per bin (the paired
# difference is negative, or within noise of zero), as you would expect from a model that shares what it
# learns across scores. Late in the run the order flips: on average over the runs, Thompson per bin loses less
# per visitor in the last fifth (compare the paired difference with its standard error). Neither reaches zero regret per visitor: each still shows a random offer to 5 % of visitors,
# and keeps testing offers whose difference in a bin is a few cents.

# %%
contextual_se = np.hypot(regret_table["se (vs contextual)"],
                         regret_table.loc["Thompson, no context", "se (vs contextual)"])
for name in ["Thompson per bin", "LinUCB"]:
    helpers.claim(regret_table.loc["Thompson, no context", "regret vs contextual (€)"]
                  - regret_table.loc[name, "regret vs contextual (€)"] > 2 * contextual_se[name],
                  f"{name} loses less than context-free Thompson sampling")
    row = regret_table.loc[name]
    helpers.claim(row["last fifth, per visitor (€)"] + 2 * row["se (last fifth)"] < prize.mean(),
                  f"late in the run, {name} earns more per visitor than the best global offer")
helpers.claim(bool((regret_table["last fifth, per visitor (€)"] > 0).all()), "no learner reaches zero regret")
helpers.claim(bool(regret_table.loc["LinUCB", "regret vs best global (€)"] < 0),
              "LinUCB has paid for itself against the best global offer")
helpers.claim(bool(abs(regret_table.loc["Thompson per bin", "regret vs best global (€)"])
                   < 3 * regret_table.loc["Thompson per bin", "se (vs best global)"]),
              "Thompson per bin's regret against the best global offer is within three standard errors of zero")
helpers.claim(bool(paired_whole.mean() < 2 * whole_se), "LinUCB's regret over the whole horizon is no higher")
helpers.claim(bool(paired_late.mean() > 0), "on average, Thompson per bin loses less per visitor in the last fifth")

# %% [markdown]
# ## Logging for evaluation
#
# The team now has ideas for other targeting policies. Must each be run live to learn what it is worth? Not if
# the log says, for every decision, **with what probability the logged offer was chosen** (its *propensity*).
# The engine logged it. Here are the last three visitors of the first run and the last two who bought (most
# visitors buy nothing, so their net revenue is 0 €):

# %%
log = runs["Thompson per bin"]
excerpt = np.unique(np.r_[np.flatnonzero(log.rewards[0] != 0)[-2:], np.arange(HORIZON - 3, HORIZON)])
pd.DataFrame({"score": score[log.sessions[0, excerpt]].round(3), "offer": np.array(env.names)[log.arms[0, excerpt]],
              "propensity": log.propensities[0, excerpt].round(4),
              "net revenue (€)": log.rewards[0, excerpt].round(2)}, index=pd.Index(excerpt + 1, name="visitor"))

# %% [markdown]
# **Inverse propensity scoring** (IPS; Horvitz and Thompson, 1952) estimates the value of a *target* policy
# from a log collected under another: each logged reward is weighted by the target's probability of the logged
# offer divided by its propensity, and the weighted rewards are averaged. Offers the logging policy chose
# rarely count more, exactly enough to make up for how rarely they were chosen. In three lines, next to
# `helpers.ope.ips`. The standard error treats the logged visitors as independent draws; on a bandit's log,
# whose propensities depend on earlier visitors, that is an approximation, which the section on chapter 04's
# estimates checks.

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
# epsilon, the larger the weights of the rare offers, and the larger the standard error of the estimate. But
# exploration is not free: every random offer is, on average, worse than the current one. The table gives both,
# the standard error of one log and the exact cost per visitor (the current policy's true value minus the
# logging policy's):

# %%
EPSILONS = [0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
errors, cost = {"IPS": [], "SNIPS": []}, []
for index, epsilon in enumerate(EPSILONS):
    explore = C.binned_policy([], [best_global], env.n_actions, epsilon=epsilon)
    one = C.simulate(C.StaticPolicy(explore), env, horizon=LOG_VISITORS, n_simulations=1, seed=SEED + 20 + index,
                     batch=10_000)
    target = candidate(score[one.sessions[0]])
    errors["IPS"].append(helpers.ope.ips(one.rewards[0], one.arms[0], one.propensities[0], target)[1])
    errors["SNIPS"].append(helpers.ope.snips(one.rewards[0], one.arms[0], one.propensities[0], target)[1])
    cost.append(values["best global offer"] - C.policy_value(env, explore(score)))
print(pd.DataFrame({**errors, "cost per visitor (€)": cost}, index=pd.Index(EPSILONS, name="epsilon")).round(3).T)
ax = helpers.plotting.error_by_exploration(EPSILONS, errors, title="Small propensities, large standard errors")

# %% [markdown]
# *Figure: the standard error of the IPS and SNIPS estimates of the candidate's value from one log, against the
# exploration rate epsilon of the logging policy.*

# %% [markdown]
# With the least exploration the standard error is more than twice that of a fully random log: a few visitors with
# propensity epsilon / 4 carry weights of 4 / epsilon. Each point comes from a single log, and a standard error
# estimated from one log is itself noisy, so the curve need not fall at every step; where two neighbouring points
# are close, their order can flip from one seed to the next. Read the trend, not each step. Since a standard error
# shrinks with the square root of the number of visitors, halving it takes four times the log. The cost grows in
# proportion to epsilon. The rest of this chapter logs with epsilon = 0.2, a choice for illustration; here is what
# it costs, next to the prize it is meant to find:

# %%
EPSILON = 0.2
cost_of_log = cost[EPSILONS.index(EPSILON)]
print(f"current policy {values['best global offer']:.3f} €, logging policy "
      f"{values['best global offer'] - cost_of_log:.3f} € per visitor: exploration costs {cost_of_log:.3f} € "
      f"per visitor, {cost_of_log / prize.mean():.0%} of the prize, {cost_of_log * LOG_VISITORS:,.0f} € over one log")
helpers.claim(errors["IPS"][0] > 2 * errors["IPS"][-1],
              "the least exploration gives more than twice the standard error of a fully random log")
helpers.claim(bool(np.all(np.diff(cost) > 0)), "exploration costs more the larger epsilon")
helpers.claim(bool(cost_of_log > 0.3 * prize.mean()), "the log's exploration costs a large share of the prize")

# %% [markdown]
# Exploring a fifth of the traffic at random costs a large share of the prize the team hopes to find, for as
# long as the log runs. Cheaper logs exist. **Targeted exploration** randomises only where the candidates
# disagree: in the bins and among the offers that some candidate would choose, with no random offers where
# every candidate shows the same thing (Bottou et al., 2013, discuss how to choose and price exploration in a
# live system). And a log the team already has may do: the contextual bandit's own log explores with
# epsilon = 0.05 plus Thompson sampling's own randomness, and it logged its propensities.

# %% [markdown]
# ## Off-policy evaluation
#
# Two more estimators join IPS (all three in `helpers.ope`, each returning a value and a standard error):
#
# - **Self-normalised IPS** (SNIPS) divides the weighted rewards by the sum of the weights instead of the number
#   of visitors: slightly biased, usually less variable. It is Hájek's (1971) ratio estimator from survey
#   sampling, which Swaminathan and Joachims (2015) brought to counterfactual learning.
# - **Doubly robust** (DR; Dudík, Langford and Li, 2011) starts from a reward model's prediction of what the
#   target earns and adds the IPS-weighted error of the model on the logged offer. With correct propensities
#   it is unbiased whatever the model; the better the model, the smaller its variance. Our model is the mean
#   reward per score bin and offer, fitted on the other half of the log (so that no visitor's own reward
#   predicts it).
#
# All three rest on **positivity**: every offer a target policy may show a visitor must have had a positive
# propensity for that visitor. The logging policy's epsilon guarantees it here; the deterministic log above
# broke it.
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
# The team's real question is whether a candidate beats the current policy. Estimate the *difference* from the
# same log, visitor by visitor: subtract the two policies' doubly robust terms per visitor. Where the two
# policies agree, the terms cancel exactly, so only the visitors on whom they differ add noise.

# %%
def dr_terms(target, actions, rewards, propensities, predicted):
    """Each logged visitor's doubly robust term for a target policy (their mean is the DR estimate)."""
    visitors = np.arange(len(actions))
    weights = target[visitors, actions] / propensities
    return (target * predicted).sum(axis=1) + weights * (rewards - predicted[visitors, actions])


CURRENT = "current (best global offer)"
learned = thompson.greedy_actions(runs["Thompson per bin"].state)[0]
candidates = {CURRENT: current,
              "learned by Thompson per bin": C.binned_policy(EDGES, learned, env.n_actions),
              "10 % off to the undecided": C.binned_policy([0.1, 0.5], [0, 2, 0], env.n_actions),
              "no offer": C.binned_policy([], [0], env.n_actions)}
ESTIMATORS = {"IPS": helpers.ope.ips, "SNIPS": helpers.ope.snips, "DR": helpers.ope.doubly_robust}
logging = C.StaticPolicy(C.binned_policy([], [best_global], env.n_actions, epsilon=EPSILON))

# %% [markdown]
# One function does it all for one log: every estimator for every candidate, and each candidate's DR difference
# from the current policy (the estimator `DR − current`).

# %%
def evaluate(log, index):
    """Estimates and standard errors on one log; rows (candidate, estimator)."""
    context, actions, rewards = score[log.sessions[index]], log.arms[index], log.rewards[index]
    propensities = log.propensities[index]
    predicted = cross_fitted_predictions(context, actions, rewards)
    baseline = dr_terms(current(context), actions, rewards, propensities, predicted)
    rows = {}
    for name, policy in candidates.items():
        target = policy(context)
        for estimator, function in ESTIMATORS.items():
            extra = (predicted,) if estimator == "DR" else ()
            rows[(name, estimator)] = function(rewards, actions, propensities, target, *extra)
        if name != CURRENT:
            difference = dr_terms(target, actions, rewards, propensities, predicted) - baseline
            rows[(name, "DR − current")] = difference.mean(), difference.std(ddof=1) / np.sqrt(len(difference))
    return pd.DataFrame(rows, index=["estimate", "se"]).T.rename_axis(["candidate", "estimator"])

# %% [markdown]
# One log, every candidate, every estimator, and the truth:

# %%
logs = C.simulate(logging, env, horizon=LOG_VISITORS, n_simulations=N_LOGS, seed=SEED + 30, batch=10_000)
candidate_truth = {name: C.policy_value(env, policy(score)) for name, policy in candidates.items()}


def truth_of(name, estimator):
    return candidate_truth[name] - (candidate_truth[CURRENT] if estimator == "DR − current" else 0.0)


first = evaluate(logs, 0)
first["low"], first["high"] = first["estimate"] - 1.96 * first["se"], first["estimate"] + 1.96 * first["se"]
first["truth"] = [truth_of(*row) for row in first.index]
first["covers"] = (first["low"] <= first["truth"]) & (first["truth"] <= first["high"])
single = first.drop(index="DR − current", level="estimator")

# %% [markdown]
# The figure draws each estimate with its 95 % interval beside the truth; the table below it holds the numbers.

# %%
ax = helpers.plotting.ope_intervals(single, title="One log, four candidates, three estimators",
                                    unit="net revenue per visitor (€)")
single.round(3)

# %% [markdown]
# *Figure: the estimated value of each of the four candidate policies from one log, by three estimators, with
# 95 % intervals and the true value of each candidate.*

# %% [markdown]
# And the differences from the current policy on the same log:

# %%
print(f"intervals on this log that miss the truth: {(~single['covers']).sum()} of {len(single)} values, "
      f"{(~first['covers']).sum() - (~single['covers']).sum()} of {len(first) - len(single)} differences")
first.xs("DR − current", level="estimator").round(3)

# %% [markdown]
# This log is one draw, and it is easy to over-read it. Some of its intervals may miss the truth (the line above
# counts them), and misses on one log tend to come together: every estimate from the log shares its visitors,
# so a log that happens to hold few of the rare, heavily weighted large orders pulls down all the estimates
# that lean on them. Whether the intervals deserve their 95 % is a question about many logs: repeat the log
# `N_LOGS` times and count how often each interval covers the truth. The table also gives each estimator's bias
# (mean estimate minus truth, with its Monte Carlo standard error), the spread of its estimates over the logs,
# its average standard error and how often it missed the truth from below.

# %%
repeated = pd.concat({index: evaluate(logs, index) for index in
                      helpers.progress(range(N_LOGS), description="logs", total=N_LOGS)}, names=["log"])
repeated["truth"] = [truth_of(name, estimator) for _, name, estimator in repeated.index]
repeated["error"] = repeated["estimate"] - repeated["truth"]
repeated["covered"] = repeated["error"].abs() <= 1.96 * repeated["se"]
repeated["missed below"] = repeated["error"] < -1.96 * repeated["se"]
summary = repeated.groupby(level=["candidate", "estimator"], sort=False).agg(
    coverage=("covered", "mean"), bias=("error", "mean"), spread=("error", "std"), mean_se=("se", "mean"),
    missed_below=("missed below", "mean"))
summary["bias_se"] = summary["spread"] / np.sqrt(N_LOGS)
print(f"Monte Carlo standard error of one coverage near 95 %: {np.sqrt(0.95 * 0.05 / N_LOGS):.3f}")
summary.round(3)

# %% [markdown]
# Read the table with its Monte Carlo error in mind, and remember that its rows are not independent checks:
# they all come from the same `N_LOGS` logs, so one unusual log moves many rows at once. Averaged over the rows,
# the intervals cover the truth close to 95 % of the time and none below 80 %, but some rows fall short of 95 %
# (in a table of rows that share their logs, some would by chance alone; the learned policy's rows below are
# examined more closely). No single estimator's bias stands out from its own Monte Carlo error, but the
# intervals miss mostly from below (the `missed_below` column; the next paragraphs say why). The doubly robust estimator has the smallest standard errors:
# its reward model absorbs the part of the reward that the score bin predicts, and only the rest is weighted.
#
# Why do some rows fall short, and mostly from below? The line below prints, for the learned policy, the candidate
# the team cares about, its coverage with the Monte Carlo error and the ratio of its average standard error to the
# actual spread of its estimates: a ratio below 1 means intervals too narrow for these logs. Are the standard errors
# wrong? For IPS the shop's truth answers exactly: a visitor's IPS term has variance E[w²r²] − V², with the weight
# w, the reward r and the policy's true value V, averaged over visitors, logged offers and rewards.

# %%
def exact_ips_se(policy):
    """Exact standard error of IPS for a policy on a log of LOG_VISITORS visitors, from the shop's truth."""
    logged, target = logging.function(score), policy(score)
    second_moment = (target**2 / logged * env.expected_squared_rewards).sum(axis=1).mean()
    return np.sqrt((second_moment - C.policy_value(env, target) ** 2) / LOG_VISITORS)


learned_rows = summary.loc["learned by Thompson per bin"].drop(index="DR − current")
print("learned policy, coverage:", learned_rows["coverage"].round(2).to_dict(),
      f"(Monte Carlo standard error {np.sqrt(0.95 * 0.05 / N_LOGS):.3f}); average se / spread:",
      (learned_rows["mean_se"] / learned_rows["spread"]).round(2).to_dict())
ips_rows = summary.xs("IPS", level="estimator")[["spread", "mean_se"]]
ips_rows["exact_se"] = [exact_ips_se(candidates[name]) for name in ips_rows.index]
ips_rows.round(3)

# %% [markdown]
# On average over the logs, the formula's standard error sits within a few percent of the exact one: the
# formula is nearly right. A row's coverage a few points from 95 %, or an average standard error a little off
# the spread, is mostly the Monte Carlo error of `N_LOGS` logs: the spread is itself an estimate, and a noisy
# one when the terms are skewed. And they are skewed: a few visitors with a rarely shown offer and a large
# order carry large weights. A log that happens to hold few of them has a low estimate *and* a low standard
# error, so its interval misses from below. A normal interval ignores that skew. For candidates that lean on
# rarely shown offers, count on intervals that can be somewhat too narrow; more exploration, a longer log or
# a better reward model (DR) shrinks the problem along with the interval.

# %%
helpers.claim(bool(abs(summary["coverage"].mean() - 0.95) < 0.04), "the intervals cover the truth about 95 % on average")
helpers.claim(bool((summary["coverage"] >= 0.8).all()), "no interval covers the truth in less than 80 % of the logs")
helpers.claim(bool(summary["coverage"].min() < 0.95), "some rows fall short of 95 %")
helpers.claim(bool((summary["bias"].abs() < 4 * summary["bias_se"]).all()),
              "no estimator's bias exceeds four Monte Carlo standard errors")
helpers.claim(bool((summary.xs("DR", level=1)["mean_se"] < summary.xs("IPS", level=1)["mean_se"]).all()),
              "DR's standard errors are smaller than IPS's for every candidate")
helpers.claim(bool((abs(ips_rows["mean_se"] / ips_rows["exact_se"] - 1) < 0.1).all()),
              "on average the IPS standard error is within 10 % of the exact one")
helpers.claim(bool(summary["missed_below"].sum() > 0.5 * (1 - summary["coverage"]).sum()),
              "most misses are from below")

# %% [markdown]
# Now the team's question: the differences from the current policy. For each candidate, the true difference,
# the mean estimate, how often the paired interval covers the truth, how often the estimate is positive (the
# log ranks the candidate above the current policy) beside how often a normal estimate with the true mean and
# the typical standard error would be, and how often the interval confirms a gain (its lower end lies above
# zero):

# %%
from scipy.stats import norm

differences = repeated.xs("DR − current", level="estimator")
differences = differences.assign(positive=differences["estimate"] > 0,
                                 confirmed=differences["estimate"] - 1.96 * differences["se"] > 0)
ranking = differences.groupby(level="candidate", sort=False).agg(
    truth=("truth", "first"), mean_estimate=("estimate", "mean"), coverage=("covered", "mean"),
    positive=("positive", "mean"), confirmed=("confirmed", "mean"), median_se=("se", "median"))
ranking.insert(4, "expected positive", norm.cdf(ranking["truth"] / ranking["median_se"]))
ranking.round(3)

# %% [markdown]
# The paired intervals cover the true differences in most logs, for every candidate. But the standard error of
# a difference is of the order of the differences at stake. The learned policy is truly better than the current
# one, yet the logs rank it above the current policy only roughly as often as that normal estimate predicts,
# far from always, and few confirm the gain. And each of the worse candidates comes out *above* the current
# policy in some logs.
#
# Off-policy evaluation on one log of this size is a screen, not a verdict: it narrows the field, at no cost
# in live traffic, and says honestly how unsure it is. For a gain of a few cents, the verdict needs more data:
# a larger log, or a test on live traffic.

# %%
learned_ranking = ranking.loc["learned by Thompson per bin"]
helpers.claim(bool((ranking["coverage"] >= 0.8).all()), "the paired intervals cover the true differences")
helpers.claim(bool(learned_ranking["truth"] > 0), "the learned policy is truly better than the current one")
helpers.claim(bool(learned_ranking["positive"] < 0.95), "far from all logs rank the learned policy higher")
helpers.claim(bool((abs(ranking["positive"] - ranking["expected positive"]) < 3 * np.sqrt(0.25 / N_LOGS) + 0.05).all()),
              "the logs rank each candidate higher about as often as the normal estimate predicts")
helpers.claim(bool(learned_ranking["confirmed"] < 0.5), "most logs cannot confirm the learned policy's gain")
worse = ranking.drop(index="learned by Thompson per bin")
helpers.claim(bool((worse["truth"] < 0).all() and (worse["positive"] > 0).all()),
              "some logs rank each worse candidate above the current policy")

# %% [markdown]
# ## The fix for chapter 04's biased estimates
#
# Chapter 04 found that a bandit's own averages of its arms are biased: an arm that was unlucky early is played
# less and keeps its low estimate. A contextual bandit adds a second bias: it shows each offer to a different
# mix of visitors, so "the average revenue of visitors who got no offer" mostly describes likely buyers. The
# adaptive log *plus its propensities* removes both: IPS on the bandit's own log, with the propensities it
# logged, is unbiased for the value of any policy that meets positivity, for example "show this offer to
# everyone". Here the bandit's epsilon keeps every offer's propensity at least epsilon / 4; a bandit that
# stops exploring leaves offers with propensity zero, and for them no estimate at all. The table averages over
# the runs of Thompson sampling per bin. Its last two columns are the check the logging section promised: the
# spread of one run's IPS estimate over the runs, beside that run's i.i.d. standard error (averaged over the
# runs).

# %%
tb = runs["Thompson per bin"]
in_top_bin = score[tb.sessions] >= EDGES[-1]                        # visitors in the top score bin
rows = {}
for offer, name in enumerate(env.names):
    shown = tb.arms == offer
    naive = (tb.rewards * shown).sum(axis=1) / shown.sum(axis=1)
    terms = tb.rewards * shown / tb.propensities                     # IPS terms for "this offer to everyone"
    weighted = terms.mean(axis=1)
    rows[name] = {"truth": truth[:, offer].mean(), "naive mean": naive.mean(),
                  "naive se": naive.std(ddof=1) / np.sqrt(N_RUNS), "IPS": weighted.mean(),
                  "IPS se": weighted.std(ddof=1) / np.sqrt(N_RUNS), "shown to": shown.mean(),
                  "from the top bin": in_top_bin[shown].mean(),
                  "one run: spread": weighted.std(ddof=1),
                  "one run: i.i.d. se": (terms.std(axis=1, ddof=1) / np.sqrt(HORIZON)).mean()}
fix = pd.DataFrame(rows).T
print(f"share of all visitors in the top bin: {bin_share[-1]:.3f}")
fix.round(3)

# %% [markdown]
# The naive means are far off, in both directions. The bandit soon stops showing the discounts to visitors with
# high scores, where they are costly, but keeps trying them on the many low scores, where they cost little and
# buyers are rare: the discounts' naive means describe mostly low-score visitors and fall far below their truth.
# Free shipping's naive mean lies clearly above its truth: the visitors it was shown to are a better mix than
# the average. No offer's naive mean lies above its truth as well: the bandit learned to show no offer in the
# top bin, so the visitors who got no offer hold a far larger share of likely buyers than the average visitor
# does (the `from the top bin` column, against the top bin's share of all visitors, printed above the table).
# The IPS estimates sit within a few Monte Carlo standard errors of the truth for every offer.
#
# The i.i.d. standard error of one run agrees with the actual spread of the estimates over the runs, within
# three of the spread's own Monte Carlo standard errors: on this adaptive log the approximation of the logging section holds. The
# price is variance: an offer the bandit rarely showed has large weights, and its estimate from one run is
# less precise than that of the offer it showed most. This is also the answer to chapter 04's worry that a
# bandit allows no clean check: with logged propensities, every estimate of chapter 03 can be made from the
# log, though the offers the bandit rarely showed come with the largest standard errors.

# %%
naive_error = (fix["naive mean"] - fix["truth"]) / fix["naive se"]
helpers.claim(bool((naive_error[["5 % off", "10 % off"]] < -3).all()), "the discounts' naive means are far below")
helpers.claim(bool(naive_error["free shipping"] > 2), "free shipping's naive mean is clearly above its truth")
helpers.claim(bool(naive_error["no offer"] > 1), "no offer's naive mean lies above its truth")
helpers.claim(bool(fix.loc["no offer", "from the top bin"] > 2 * bin_share[-1]),
              "the visitors shown no offer hold more than twice the top bin's share of all visitors")
helpers.claim(bool(((fix["IPS"] - fix["truth"]).abs() < 4 * fix["IPS se"]).all()),
              "IPS on the bandit's log is within four Monte Carlo standard errors of the truth for every offer")
spread_error = 1 / np.sqrt(2 * (N_RUNS - 1))          # relative Monte Carlo error of a standard deviation
helpers.claim(bool((abs(fix["one run: i.i.d. se"] / fix["one run: spread"] - 1) < 3 * spread_error).all()),
              "the i.i.d. standard error matches the spread over the runs")
rarest, commonest = fix["shown to"].idxmin(), fix["shown to"].idxmax()
helpers.claim(bool(fix.loc[rarest, "one run: spread"] > fix.loc[commonest, "one run: spread"]),
              "the offer shown least is estimated less precisely than the offer shown most")

# %% [markdown]
# ## The decision, and the test that confirms it
#
# The team's candidate is the policy Thompson sampling per bin learned. The shop's truth says it is better than
# the current policy, but the team cannot see the truth, and one log rarely confirms the gain. The launch
# decision belongs to an A/B test, and the team fixes its rule before the test starts.
#
# - **The bar.** A score-driven offer engine is not free: the model in the request path, the logging and the
#   monitoring cost money and attention. The team prices that at `ENGINE_COST` € per visitor, an assumption
#   you can change. The learned policy must earn more than that.
# - **The test.** One-sided at 5 %, against the bar: the null hypothesis is "the gain is at most the bar". The
#   team launches only when the test rejects it.
# - **The size.** A sample size always rests on an assumed effect. The log cannot supply one (its standard error
#   is of the order of the gain), so the team assumes a lift of `ASSUMED_LIFT` of the current policy's value per
#   visitor, estimated from the log, and plans 80 % power for it. If the true gain is smaller, the test has less
#   power than planned.
#
# Two choices shorten the test a lot. **Analyse only the visitors on whom the two policies differ** (a
# *triggered analysis*): both policies are functions of the score, so the shop can compute, for every visitor
# in either arm, whether the other arm would have shown something else. The other visitors get the same offer
# in both arms and add only noise. And **use the least noisy signal** with the same expectation: purchases
# times the known order value, as the learners did. That rests on the shop's assumption that the offers do not
# change what a buyer spends, which a live test checks with the average order value per arm as a guardrail,
# with net revenue kept as a secondary metric. The days follow from the traffic, rounded up to whole weeks as
# in chapter 03 (this chapter's shop has no weekly rhythm, a real one does):

# %%
from statsmodels.stats.power import tt_ind_solve_power

ENGINE_COST = 0.02       # € per visitor: say 200 € a day for serving, logging and monitoring, at 10,000 visitors
ASSUMED_LIFT = 0.02      # planning assumption: the learned policy earns 2 % more per visitor
VISITORS_PER_DAY = 10_000
learned_policy = candidates["learned by Thompson per bin"]
differs = learned != best_global                                      # per bin: do the two policies differ?
triggered_share = differs[C.bin_of(score, np.asarray(EDGES))].mean()
context, rewards, arms = score[logs.sessions[0]], logs.rewards[0], logs.arms[0]
triggered = differs[C.bin_of(context, np.asarray(EDGES))]
signal = (rewards != 0) * env.order_values[arms]                     # a purchase never nets exactly 0 €
assumed_gain = ASSUMED_LIFT * helpers.ope.ips(rewards, arms, logs.propensities[0], current(context))[0]
true_gain = candidate_truth["learned by Thompson per bin"] - candidate_truth[CURRENT]
print(f"triggered: {triggered_share:.0%} of visitors; assumed gain {assumed_gain:.3f} €, bar {ENGINE_COST} €, "
      f"true gain {true_gain:.3f} € per visitor")
helpers.claim(bool(ENGINE_COST < true_gain), "the learned policy truly clears the bar")

# %% [markdown]
# Three designs, each sized for the assumed gain with statsmodels. A triggered analysis compares the arms on
# the triggered visitors only, where the gain per visitor is larger (the whole gain, concentrated on fewer
# visitors), and the bar with it. The last column gives the power each design has at the true gain, over its whole weeks.

# %%
designs = {"all visitors, net revenue": (rewards, 1.0),
           "triggered, net revenue": (rewards[triggered], triggered_share),
           "triggered, purchases × order value": (signal[triggered], triggered_share)}
plan = {}
for name, (metric, share) in designs.items():
    sd = metric.std()
    per_arm = np.ceil(tt_ind_solve_power(effect_size=(assumed_gain - ENGINE_COST) / share / sd, alpha=0.05,
                                         power=0.8, alternative="larger"))   # whole visitors
    days_needed = 2 * per_arm / (VISITORS_PER_DAY * share)
    whole_weeks = 7 * np.ceil(days_needed / 7)
    true_z = (true_gain - ENGINE_COST) / share / (sd * np.sqrt(4 / (whole_weeks * VISITORS_PER_DAY * share)))
    plan[name] = {"sd (€)": sd, "visitors per arm": per_arm, "days needed": days_needed,
                  "days, whole weeks": whole_weeks, "power at the true gain": norm.cdf(true_z - norm.ppf(0.95))}
plan = pd.DataFrame(plan).T.astype({"visitors per arm": int})
helpers.claim(bool((np.diff(plan["days needed"]) < 0).all()),
              "the triggered analysis needs fewer days, and the less noisy signal fewer still")
plan.round(3)

# %% [markdown]
# The triggered analysis needs fewer days than the analysis of all visitors, and the less noisy signal fewer
# still: the same question, answered with a fraction of the traffic. The team runs the last design. The shop
# can run it too: each arm gets half the visitors for the planned days, one policy each, and the analysis
# compares the signal on the triggered visitors, one-sided against the bar. `N_TESTS` runs show how often such
# a test launches; the first plays the team's own test.

# %%
days = int(plan.loc["triggered, purchases × order value", "days, whole weeks"])
arm_visitors = days * VISITORS_PER_DAY // 2
arms_run = {arm: C.simulate(C.StaticPolicy(policy), env, horizon=arm_visitors, n_simulations=N_TESTS,
                            seed=SEED + 40 + index, batch=10_000)
            for index, (arm, policy) in enumerate([("treatment", learned_policy), ("control", current)])}


def triggered_signal(run):
    """Each visitor's purchase times order value, and whether the two policies differ for the visitor."""
    hit = differs[C.bin_of(score[run.sessions], np.asarray(EDGES))]
    return (run.rewards != 0) * env.order_values[run.arms], hit


def welch(values, hit):
    """Mean of the triggered visitors' values in each test run, and the variance of that mean."""
    n = hit.sum(axis=1)
    mean = (values * hit).sum(axis=1) / n
    variance = ((values - mean[:, None]) ** 2 * hit).sum(axis=1) / (n - 1)
    return mean, variance / n

# %% [markdown]
# The test statistic, by hand for every run, and statsmodels' Welch test for the first run, which agrees:

# %%
from statsmodels.stats.weightstats import ttest_ind

signals = {arm: triggered_signal(run) for arm, run in arms_run.items()}
(t_mean, t_var), (c_mean, c_var) = (welch(*signals[arm]) for arm in ("treatment", "control"))
bar_triggered = ENGINE_COST / triggered_share                         # the bar per triggered visitor
z = (t_mean - c_mean - bar_triggered) / np.sqrt(t_var + c_var)
launch = z > norm.ppf(0.95)
(t_values, t_hit), (c_values, c_hit) = signals["treatment"], signals["control"]
statsmodels_t = ttest_ind(t_values[0][t_hit[0]], c_values[0][c_hit[0]], alternative="larger", usevar="unequal",
                          value=bar_triggered)[0]
gain = triggered_share * (t_mean[0] - c_mean[0])
lower = triggered_share * (t_mean[0] - c_mean[0] - norm.ppf(0.95) * np.sqrt(t_var[0] + c_var[0]))
decision = "launch" if launch[0] else "do not launch"
print(f"the team's test, {days} days: gain {gain:.3f} € per visitor, one-sided 95 % lower bound {lower:.3f} €, "
      f"bar {ENGINE_COST} € -> {decision}  (z {z[0]:.3f}, statsmodels {statsmodels_t:.3f})")
power = plan.loc["triggered, purchases × order value", "power at the true gain"]
print(f"share of the {N_TESTS} simulated tests that launch: {launch.mean():.0%}; power at the true gain {power:.0%} "
      f"(Monte Carlo standard error at that power {np.sqrt(power * (1 - power) / N_TESTS):.0%})")
helpers.claim(bool(abs(z[0] - statsmodels_t) < 1e-6), "the hand-made test statistic agrees with statsmodels")
helpers.claim(bool(plan["days, whole weeks"].iloc[0] > 3 * days and plan["days, whole weeks"].iloc[0] > 60),
              "on all visitors and net revenue the test takes months, several times longer")

# %% [markdown]
# The first line is the team's decision: it launches the learned policy if its test cleared the bar, and keeps
# the current policy otherwise. Over many runs of the same test, the share that launches is the test's real
# power. The plan's power at the true gain is not quite that: it took one standard deviation, the log's, for
# both arms, and the log mostly shows the current policy's offer. The treatment arm shows other offers to the
# triggered visitors, with a spread of its own. The shop's truth gives each arm's exact spread on the
# triggered visitors, and with them the power the test really has:

# %%
def triggered_moments(policy):
    """Exact mean and variance of purchases × order value over the triggered visitors under a policy."""
    hit = differs[C.bin_of(score, np.asarray(EDGES))]
    offer = policy(score[hit]).argmax(axis=1)
    value = env.purchase_probability[hit, offer] * env.order_values[offer]
    second = env.purchase_probability[hit, offer] * env.order_values[offer] ** 2
    return value.mean(), second.mean() - value.mean() ** 2


(t_true, t_var_true), (c_true, c_var_true) = triggered_moments(learned_policy), triggered_moments(current)
per_arm_triggered = arm_visitors * triggered_share
exact_z = (t_true - c_true - bar_triggered) / np.sqrt((t_var_true + c_var_true) / per_arm_triggered)
exact_power = norm.cdf(exact_z - norm.ppf(0.95))
exact_mc = np.sqrt(exact_power * (1 - exact_power) / N_TESTS)
planned_sd = plan.loc["triggered, purchases × order value", "sd (€)"]
print(f"sd on the triggered visitors (€): planned {planned_sd:.2f}, treatment {np.sqrt(t_var_true):.2f}, "
      f"control {np.sqrt(c_var_true):.2f}; power with these: {exact_power:.0%} (Monte Carlo error {exact_mc:.0%}); "
      f"tests that launch: {launch.mean():.0%}")
helpers.claim(bool(np.sqrt(t_var_true) > planned_sd and exact_power < power),
              "the treatment arm spreads more than planned, so the real power is lower than the plan's")
helpers.claim(bool(abs(launch.mean() - exact_power) < 3 * max(exact_mc, 0.5 / N_TESTS)),
              "the simulated tests launch as often as the exact power says, within three Monte Carlo errors")

# %% [markdown]
# The treatment arm's signal spreads more than the log's, so the test has a little less power than the plan
# said, and the simulated tests launch about as often as that exact power predicts. A plan is only as good as
# its assumptions, the spread as much as the effect. The triggered analysis and the less noisy signal cut the
# test several times over; on all visitors and net revenue it would have taken months. Chapter 05's variance
# reduction would shorten it further.
#
# Whether the gain earns the complexity of a score-driven offer engine, with its logging, monitoring and a
# model in the request path (chapter 02), is the team's call, and the bar is how they make it explicit. One
# more comparison belongs beside it: the learned policy, bin by bin, next to the one-threshold rule from the
# start of the chapter.

# %%
pd.DataFrame({"learned policy": np.array(env.names)[learned],
              "one-threshold rule": np.array(env.names)[one_threshold(np.array([0.0, *EDGES])).argmax(axis=1)]},
             index=BIN_LABELS)

# %% [markdown]
# Where the two agree, the team can ship the rule, one threshold on the score, without the bandit behind it;
# where they differ, the rule is a candidate to test the same way. A rule costs less to run than an engine,
# so a lower bar would fit it.
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
#   contextual policy beats the best global offer. Compute that prize from the truth before any algorithm runs,
#   and see where it comes from: here almost all of it from the top score bin, and a one-threshold rule gets
#   most of it.
# - Thompson sampling per score bin is the simplest contextual learner that works; LinUCB shares what it learns
#   across scores through a model. Here LinUCB paid for itself within the horizon, and Thompson per bin lost
#   less per visitor late in the run.
# - Learn, and test, with the least noisy signal that has the same expectation: purchases times the known
#   order value.
# - Log every decision with its propensity. A deterministic log cannot evaluate another policy, small
#   propensities make estimates imprecise, and exploration costs revenue for as long as the log runs: target
#   it where the candidates differ.
# - IPS, SNIPS and doubly robust estimates are unbiased wherever positivity holds, and their standard errors
#   are nearly right on average. Their intervals cover the truth close to 95 % on average; the misses come
#   mostly from below, because rarely shown offers make the weighted terms skewed. DR is the most precise when
#   its reward model is decent.
# - The adaptive log plus its propensities gives unbiased estimates where a bandit's own averages do not.
# - One log is one draw. Off-policy evaluation screens candidates; a gain of a few cents needs an A/B test:
#   one-sided against the bar the gain must clear, sized for an assumed effect, analysed on the visitors where
#   the policies differ.
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
# - J. Hájek, comment on D. Basu, "An Essay on the Logical Foundations of Survey Sampling, Part One", in
#   V. P. Godambe and D. A. Sprott (eds.), *Foundations of Statistical Inference*, Holt, Rinehart and Winston,
#   Toronto, 236, 1971.
# - L. Bottou, J. Peters, J. Quiñonero-Candela, D. X. Charles, D. M. Chickering, E. Portugaly, D. Ray, P. Simard
#   and E. Snelson, "Counterfactual Reasoning and Learning Systems: The Example of Computational Advertising",
#   *Journal of Machine Learning Research* 14, 3207–3260, 2013.
# - R. Kohavi, D. Tang and Y. Xu, *Trustworthy Online Controlled Experiments: A Practical Guide to A/B
#   Testing*, Cambridge University Press, 2020; chapter 20, "Triggering for Improved Sensitivity".
# - Y. Saito, S. Aihara, M. Matsutani and Y. Narita, "Open Bandit Dataset and Pipeline: Towards Realistic and
#   Reproducible Off-Policy Evaluation", *NeurIPS Datasets and Benchmarks Track*, 2021.
#
# ## What's next
#
# This is where the workbook's two halves meet: a production model's score, served in microseconds, drives a
# decision that a bandit learns and that a log with propensities lets you evaluate before you run it. The
# natural next steps are uplift models, which predict the effect of an offer rather than the purchase, and
# off-policy *learning*: choosing the policy that maximises a doubly robust estimate.
