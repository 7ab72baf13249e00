# %% [markdown]
# # 4. Beyond A/B testing: bandits
#
# **You will learn to** state the explore/exploit trade-off and measure it as regret, read and run
# epsilon-greedy, softmax, UCB1 and Thompson sampling, reproduce a classic experiment and check it against
# theory, and judge when a bandit beats an A/B test and what it costs you.
#
# | prerequisites | time to learn | runs in |
# |---|---|---|
# | chapter 03 (its simulated shop); probability distributions | 60 min reading, 30 min exercises | about 25 s |

# %%
import helpers

helpers.setup_notebook()

# %% tags=["parameters"]
SEED = 0                # seeds every simulation
FAST = False            # True: fewer simulations and shorter horizons
N_SIMULATIONS = 5_000   # simulations of the classic experiment
LONG_HORIZON = 10_000   # steps of the regret experiment
SHOP_VISITORS = 40_000  # visitors per simulated bandit run in the shop
SHOP_RUNS = 100         # simulated runs in the shop

# %%
if FAST:
    N_SIMULATIONS, LONG_HORIZON, SHOP_VISITORS, SHOP_RUNS = 1_000, 2_000, 10_000, 40

# %% [markdown]
# ## Explore or exploit
#
# Chapter 03's A/B test split traffic evenly until the end and only then picked the winner. While it ran, half
# the visitors got the worse variant. A **bandit** (after the slot machine, the "one-armed bandit") decides
# visitor by visitor: *exploit* the variant that looks best so far, or *explore* another one in case it is
# better. Explore too little and you may lock onto a loser; explore too much and you keep paying for losers.
#
# **Regret** measures the price: after T visitors, the reward you would have expected from always playing the
# best arm, minus the reward you expected from the arms you actually played. The first figure shows the three
# attitudes on five arms, one of which is much better: never exploring, always exploring, and exploring one time
# in ten.

# %%
import numpy as np
import pandas as pd

B = helpers.bandits
ARMS = [0.1, 0.1, 0.1, 0.1, 0.9]
attitudes = {"never explore (epsilon 0)": B.EpsilonGreedy(0.0), "always explore (epsilon 1)": B.EpsilonGreedy(1.0),
             "explore 10 % (epsilon 0.1)": B.EpsilonGreedy(0.1)}
runs = {name: B.simulate(policy, ARMS, 250, N_SIMULATIONS, SEED) for name, policy in attitudes.items()}
ax = helpers.plotting.bandit_curves({name: r.cumulative_regret() for name, r in runs.items()},
                                    ylabel="cumulative regret (expected reward lost)",
                                    title="Exploring too little and too much both cost")

# %% [markdown]
# Never exploring locks each simulation onto the first arm that pays. When that is a bad arm, it stays there
# for good (the share below), and regret grows in a straight line. Always exploring never uses what it learns:
# also a straight line, and steeper. Exploring a little bends the curve.

# %%
never = runs["never explore (epsilon 0)"]
stuck = (never.arms[:, -50:] != never.best_arm).all(axis=1).mean()
print(f"never exploring: {stuck:.1%} of simulations play only bad arms in their last 50 steps")
#
# ## Four algorithms, one interface
#
# Every policy in `helpers.bandits` has one method, `select(counts, sums, step, rng)`: given how often each arm
# was played and the sum of its rewards, in every simulation at once, it returns the next arm. The engine,
# `helpers.bandits.simulate`, keeps the counts and sums. Here are the four rules, as they are written there:

# %%
import inspect

from IPython.display import Code

Code("\n".join(inspect.getsource(cls.select) for cls in
               [B.EpsilonGreedy, B.Softmax, B.UCB1, B.ThompsonSampling]), language="python")

# %% [markdown]
# - **Epsilon-greedy** plays a random arm with probability epsilon, else the best mean so far.
# - **Softmax** plays each arm with probability proportional to exp(mean / temperature): a low temperature is
#   nearly greedy, a high one nearly random. Subtracting the largest value before `exp` keeps it finite for any
#   temperature.
# - **UCB1** plays the arm with the highest *upper confidence bound*, mean + sqrt(2 ln t / n): arms played
#   rarely get a large bonus ("optimism in the face of uncertainty").
# - **Thompson sampling** draws a plausible mean for each arm from its Beta posterior and plays the largest
#   draw: arms are played as often as they are likely to be the best.
#
# The vectorised versions run thousands of simulations together. To see that they do what the words say,
# here is Thompson sampling written for one simulation, in a plain loop, and run many times; its average regret
# matches the vectorised engine's within the simulations' error.

# %%
def thompson_one_run(arm_means, horizon, rng):
    successes = np.zeros(len(arm_means))
    failures = np.zeros(len(arm_means))
    regret = 0.0
    for _ in range(horizon):
        arm = int(np.argmax(rng.beta(1 + successes, 1 + failures)))
        reward = rng.random() < arm_means[arm]
        successes[arm] += reward
        failures[arm] += 1 - reward
        regret += max(arm_means) - arm_means[arm]
    return regret


rng = np.random.default_rng(SEED)
loop = np.array([thompson_one_run(ARMS, 250, rng) for _ in range(300)])
engine = B.simulate(B.ThompsonSampling(), ARMS, 250, N_SIMULATIONS, SEED)
engine_regret = (max(ARMS) - np.asarray(ARMS)[engine.arms]).sum(axis=1)
print(f"regret after 250 steps: loop {loop.mean():.2f} ± {loop.std() / np.sqrt(len(loop)):.2f}, "
      f"engine {engine_regret.mean():.2f} ± {engine_regret.std() / np.sqrt(len(engine_regret)):.2f}")

# %% [markdown]
# (The loop takes `np.argmax`, which breaks ties by the first index; with continuous Beta draws, ties never
# happen, so here it does not matter. For the other policies it does, as we see next.)
#
# **Ties.** Before any reward, all estimated means are 0, and the four bad arms tie whenever they have paid
# nothing. A greedy rule that breaks ties by taking the first index always starts with arm 0 and prefers
# low-numbered arms, and in this experiment the best arm happens to be the last one. Compare the same
# epsilon-greedy with the two tie-breaks:

# %%
class FirstIndexEpsilonGreedy(B.EpsilonGreedy):
    """Epsilon-greedy with np.argmax's first-index tie-break: the biased version."""

    def select(self, counts, sums, step, rng):
        means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
        explore = rng.random(len(counts)) < self.epsilon
        return np.where(explore, rng.integers(0, counts.shape[1], len(counts)), np.argmax(means, axis=1))


tie_runs = {"random tie-break": B.simulate(B.EpsilonGreedy(0.1), ARMS, 250, N_SIMULATIONS, SEED),
            "first-index tie-break": B.simulate(FirstIndexEpsilonGreedy(0.1), ARMS, 250, N_SIMULATIONS, SEED)}
pd.DataFrame({name: np.bincount(r.arms[:, :10].ravel(), minlength=5) / r.arms[:, :10].size
              for name, r in tie_runs.items()}, index=[f"arm {i} ({m})" for i, m in enumerate(ARMS)]).T.round(3)

# %% [markdown]
# In the first ten steps, the first-index version plays arm 0 far more often than the other bad arms, and the
# best arm less often than the fair version does. Put the best arm first and the bias would flatter the
# algorithm instead: results would depend on the order of the arms, which is arbitrary.
#
# ## The classic experiment
#
# J. M. White's *Bandit Algorithms for Website Optimization* (O'Reilly, 2012) compares the algorithms on exactly
# these five Bernoulli arms, four with mean 0.1 and one with 0.9, over 250 steps, averaged over 5,000
# simulations. We reproduce it for several settings of each algorithm.

# %%
settings = {**{f"epsilon {e}": B.EpsilonGreedy(e) for e in [0.1, 0.2, 0.3, 0.4, 0.5]},
            "annealing epsilon": B.AnnealingEpsilonGreedy(),
            **{f"softmax {t}": B.Softmax(t) for t in [0.1, 0.2, 0.3, 0.4, 0.5]},
            "UCB1": B.UCB1(), "Thompson": B.ThompsonSampling()}
classic = {name: B.simulate(policy, ARMS, 250, N_SIMULATIONS, SEED + i)
           for i, (name, policy) in enumerate(helpers.progress(settings.items(), description="settings",
                                                               total=len(settings)))}
ax = helpers.plotting.bandit_panels(classic, metric="prob_best", ylabel="probability of playing the best arm")

# %% [markdown]
# Each of these fourteen settings ran all its simulations of 250 steps at once. How long does that take on your
# machine? Four of them again, timed:

# %% tags=["nbval-ignore-output"]
import time

timings = {}
for name in ["epsilon 0.1", "softmax 0.1", "UCB1", "Thompson"]:
    start = time.perf_counter()
    B.simulate(settings[name], ARMS, 250, N_SIMULATIONS, SEED)
    timings[name] = time.perf_counter() - start
pd.Series(timings, name=f"seconds for {N_SIMULATIONS:,} simulations of 250 steps").round(2).to_frame()

# %% [markdown]
# The engine loops over the 250 steps only; each step handles all simulations at once with NumPy.
#
# The same runs, as average reward per step and cumulative reward:

# %%
ax = helpers.plotting.bandit_panels(classic, metric="average_reward", ylabel="average reward per step")

# %%
ax = helpers.plotting.bandit_panels(classic, metric="cumulative_reward", ylabel="cumulative reward")

# %% [markdown]
# Small epsilons and low temperatures learn fast here because the best arm is so much better; Thompson
# sampling and low-temperature softmax end near 1, UCB1 keeps exploring longer, and the epsilon-greedy curves
# level off below 1.
#
# **The plateaus theory predicts.** Once the estimates have settled, epsilon-greedy plays the best arm with
# probability (1 − ε) + ε / K: it exploits, or it explores and happens to hit the best arm. Softmax plays it
# with probability exp(μ* / τ) / Σ exp(μ_i / τ), with the true means in place of the estimates. Compare with the
# simulations' last 50 steps:

# %%
rows = {}
for name, result in classic.items():
    if name.startswith("epsilon"):
        eps = settings[name].epsilon
        theory = (1 - eps) + eps / len(ARMS)
    elif name.startswith("softmax"):
        theory = settings[name].probabilities(np.asarray(ARMS))[-1]
    else:
        continue
    late = (result.arms[:, -50:] == result.best_arm).mean(axis=1)
    rows[name] = {"theory": theory, "simulated (last 50 steps)": late.mean(),
                  "Monte Carlo se": late.std() / np.sqrt(len(late))}
plateaus = pd.DataFrame(rows).T
plateaus.round(4)

# %% [markdown]
# For epsilon-greedy, theory and simulation agree closely; with the smallest epsilon, which explores slowest, a
# few simulations have not found the best arm yet after 250 steps, so it sits just below its plateau. Softmax
# sits slightly above its plateau at every temperature: with few plays, the bad arms' estimated means are
# mostly below their true 0.1, which makes the best arm look even better than it is. The plateau is where each
# is heading, not where it is after 250 steps.
#
# ## Regret over a long horizon
#
# The real test is the long run. Over 10,000 steps, a fixed epsilon keeps exploring at the same rate forever,
# so its regret grows in a straight line. UCB1 and Thompson sampling explore less and less, and their regret
# grows like the logarithm of time. Lai and Robbins (1985) proved that no algorithm can do better than
# logarithmic, with a constant set by how hard the arms are to tell apart:
# regret ≥ Σ (μ* − μ_a) / KL(μ_a, μ*) · ln T, asymptotically. Auer et al. (2002) bounded UCB1's regret from
# above. Both are drawn with the simulations (1,000 runs each; a log time axis makes logarithms straight lines):

# %%
long_runs = {name: B.simulate(policy, ARMS, LONG_HORIZON, 1_000 if not FAST else 200, SEED + 100 + i)
             for i, (name, policy) in enumerate({"epsilon 0.1": B.EpsilonGreedy(0.1), "UCB1": B.UCB1(),
                                                 "Thompson": B.ThompsonSampling()}.items())}
steps = np.arange(1, LONG_HORIZON + 1)
curves = {name: r.cumulative_regret() for name, r in long_runs.items()}
curves["Lai-Robbins lower bound"] = B.lai_robbins_constant(ARMS) * np.log(steps)
curves["UCB1 upper bound (Auer et al.)"] = B.ucb1_regret_bound(ARMS, steps)
ax = helpers.plotting.bandit_curves(curves, ylabel="cumulative regret", log_x=True,
                                    title=f"Regret over {LONG_HORIZON:,} steps")

# %%
final = {name: curve[-1] for name, curve in curves.items()}
print(f"after {LONG_HORIZON:,} steps: " + ", ".join(f"{name} {value:.1f}" for name, value in final.items()))
print(f"UCB1's bound is {final['UCB1 upper bound (Auer et al.)'] / final['UCB1']:.1f} times its actual regret")

# %% [markdown]
# Epsilon-greedy's regret is a straight line on the linear scale, an exponential on this log scale. UCB1 and
# Thompson flatten into straight lines on the log scale, i.e. logarithmic growth, and Thompson sampling stays
# close to the Lai-Robbins line. The bound is an asymptotic statement, so a good algorithm may sit slightly below
# it at finite T. UCB1's own guarantee is correct but loose by a large factor: it is a worst case over all arm
# configurations, not a prediction.
#
# ## The shop: offer variants as arms
#
# Back to the simulated shop of chapter 03. The marketing team has four offers for *all* visitors: none, 5 % off,
# 10 % off, and free shipping (the shop pays 4 € per order). Each persuades differently and costs differently;
# their true net revenue per visitor follows from the shop's assumptions:

# %%
shop = helpers.simulate.build_shop()
VARIANTS = helpers.simulate.OFFER_VARIANTS
true_value = np.array([helpers.simulate.variant_value(shop, v) for v in VARIANTS])
pd.DataFrame({"true net revenue per visitor (€)": true_value.round(3),
              "true conversion": [helpers.simulate.variant_probability(shop, v).mean().round(4) for v in VARIANTS]},
             index=[v.name for v in VARIANTS])

# %% [markdown]
# Compare three ways to run the next `SHOP_VISITORS` visitors: an equal-split A/B/n test (each visitor gets a random
# variant), epsilon-greedy, and Thompson sampling. Rewards are net revenue in euros; UCB1 and Thompson sampling
# expect rewards in [0, 1], so Thompson gets the revenue divided by 250 € (larger rewards, very rare, are
# clipped) and we convert back for the comparison.

# %%
SCALE = 250.0
shop_runs = {
    "equal split (A/B/n)": B.simulate_rewards(B.EpsilonGreedy(1.0), helpers.simulate.variant_rewards(shop, VARIANTS),
                                              true_value, SHOP_VISITORS, SHOP_RUNS, SEED),
    "epsilon-greedy 0.1": B.simulate_rewards(B.EpsilonGreedy(0.1), helpers.simulate.variant_rewards(shop, VARIANTS),
                                             true_value, SHOP_VISITORS, SHOP_RUNS, SEED + 1),
    "Thompson sampling": B.simulate_rewards(B.ThompsonSampling(),
                                            helpers.simulate.variant_rewards(shop, VARIANTS, scale=SCALE),
                                            true_value / SCALE, SHOP_VISITORS, SHOP_RUNS, SEED + 2),
}
euros = {name: (SCALE if name.startswith("Thompson") else 1.0) for name in shop_runs}
outcome = pd.DataFrame({name: {
    "net revenue (€, mean per run)": r.rewards.sum(axis=1).mean() * euros[name],
    "expected loss against the best offer (€)": r.cumulative_regret()[-1] * euros[name],
    "visitors on the best offer": (r.arms == r.best_arm).mean(),
    "last 1,000 visitors on the best offer": (r.arms[:, -1000:] == r.best_arm).mean(),
    "runs mostly on a wrong offer at the end": np.mean((r.arms[:, -1000:] == r.best_arm).mean(axis=1) < 0.5)}
    for name, r in shop_runs.items()}).T
outcome.round(3)

# %% [markdown]
# Both bandits earn more than the equal split, which keeps sending a quarter of the visitors to each offer,
# including the two that lose money against no offer at all. But neither has settled by the last visitor: the
# offers differ by cents per visitor while one visitor's revenue varies by tens of euros, so evidence builds
# slowly, and in a sizeable share of runs a wrong offer still gets most of the traffic at the end (last column).
# Epsilon-greedy commits early, which pays here on average but locks some runs onto a wrong offer. Thompson
# sampling's Beta posterior is built for 0/1 rewards; on revenue squeezed into [0, 1] it is wider than the data
# warrant, so it keeps exploring longer. The figure shows how slowly the traffic moves.

# %%
ax = helpers.plotting.bandit_curves({name: r.prob_best() for name, r in shop_runs.items()},
                                    ylabel="share of runs showing the best offer", smooth=200,
                                    title="Where each method sends the visitors")

# %% [markdown]
# **What the bandit costs you.** Three things an A/B test gives and a bandit does not:
#
# 1. **Unbiased estimates of the losers.** A bandit stops playing an arm once it looks bad, so an arm that was
#    unlucky early is rarely given the chance to recover: the estimates of losing arms are biased downwards,
#    and imprecise. Compare each arm's estimated value at the end with the truth:

# %%
def arm_estimates(result, scale):
    counts = np.stack([(result.arms == a).sum(axis=1) for a in range(len(VARIANTS))], axis=1)
    sums = np.stack([np.where(result.arms == a, result.rewards, 0).sum(axis=1) for a in range(len(VARIANTS))],
                    axis=1)
    means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan) * scale
    se = np.nanstd(means, axis=0) / np.sqrt(np.sum(counts > 0, axis=0))
    return np.nanmean(means, axis=0), se, np.median(counts, axis=0)


table = pd.DataFrame({"truth (€)": true_value}, index=[v.name for v in VARIANTS])
for name, short in [("equal split (A/B/n)", "A/B/n"), ("Thompson sampling", "Thompson")]:
    mean_estimate, se, median_visitors = arm_estimates(shop_runs[name], euros[name])
    table[f"{short}: mean estimate (€)"] = mean_estimate
    table[f"{short}: bias in se"] = (mean_estimate - true_value) / se
    table[f"{short}: median visitors"] = median_visitors
table.round(3)

# %% [markdown]
# The equal split estimates every offer from a quarter of the visitors each, within a standard error or so
# of the truth. Thompson sampling's estimates lie below the truth for every offer, by one to a few standard
# errors (the "bias in se" column): an arm that had bad luck gets played less and keeps its low estimate, while
# one that had good luck gets played more until its estimate comes back down, so adaptively collected means are
# biased downwards (Nie et al., 2018). The losing offers also rest on fewer visitors.
#
# 2. **A clean significance test.** The sample sizes of a bandit depend on the outcomes so far, so the
#    textbook tests and intervals of chapter 03 do not apply without corrections.
# 3. **A sample-ratio check and guardrails.** Traffic is meant to drift between arms, so a sample-ratio
#    mismatch cannot be detected the usual way, and an arm that hurts a guardrail metric (returns, complaints)
#    is not watched unless you build that in.
#
# ## When to use which
#
# | situation | choose |
# |---|---|
# | you need a decision you can defend, an effect size with an interval, guardrails | A/B test (chapter 03) |
# | a one-off choice between few variants, with time to wait for the result | A/B test |
# | many variants, short-lived content (headlines, daily deals), cost of showing losers matters | bandit |
# | you will keep optimising forever and the best arm may change over time | bandit, with some exploration kept |
# | rewards arrive late (purchases days later) or the metric is very noisy | A/B test, or a bandit on a fast proxy |
#
# ## A playground
#
# Pick an algorithm, its parameter and the arms' means; the playground runs the simulation and draws the
# probability of playing the best arm (it needs a running kernel; the figures of the classic experiment above
# show the same function on a static page).

# %% tags=["nbval-ignore-output"]
helpers.widgets.bandit_playground()

# %% [markdown]
# ## Exercises
#
# ### Exercise 4.1
#
# Epsilon-greedy with epsilon 0.2 on five arms, once its estimates have settled: with what probability does it
# play the best arm?

# %%
answer_4_1 = ...
helpers.exercises.ch04.q1.check(answer_4_1)

# %%
# helpers.exercises.ch04.q1.hint()
# helpers.exercises.ch04.q1.solution()

# %% [markdown]
# ### Exercise 4.2
#
# Softmax with temperature 0.2, on the classic arms (0.1, 0.1, 0.1, 0.1, 0.9) with the estimates equal to the
# true means: with what probability does it play the best arm?

# %%
answer_4_2 = ...
helpers.exercises.ch04.q2.check(answer_4_2)

# %%
# helpers.exercises.ch04.q2.hint()
# helpers.exercises.ch04.q2.solution()

# %% [markdown]
# ### Exercise 4.3
#
# After 100 steps, UCB1 has played three arms 60, 30 and 10 times, with mean rewards 0.50, 0.45 and 0.30.
# Which arm (0, 1 or 2) does it play next?

# %%
answer_4_3 = ...
helpers.exercises.ch04.q3.check(answer_4_3)

# %%
# helpers.exercises.ch04.q3.hint()
# helpers.exercises.ch04.q3.solution()

# %% [markdown]
# ## Key points
#
# - A bandit trades exploring (learning) against exploiting (earning); regret measures what the trade costs.
# - Epsilon-greedy and softmax are simple and plateau where theory says; a fixed epsilon pays a regret that
#   grows linearly forever.
# - UCB1 and Thompson sampling achieve logarithmic regret; Thompson sampling is close to the Lai-Robbins limit.
# - Break ties at random, or results depend on the order of the arms.
# - In the shop, bandits earn more than an equal split; with small differences and noisy revenue they learn
#   slowly, and they give biased estimates, no clean test, no sample-ratio check and no guardrails.
# - An algorithm's assumptions matter: Thompson sampling's Beta posterior fits 0/1 rewards, UCB1's bonus
#   assumes rewards spread over [0, 1].
#
# ## Further reading
#
# - J. M. White, *Bandit Algorithms for Website Optimization*, O'Reilly Media, 2012.
# - P. Auer, N. Cesa-Bianchi and P. Fischer, "Finite-time Analysis of the Multiarmed Bandit Problem",
#   *Machine Learning* 47, 235–256, 2002.
# - T. L. Lai and H. Robbins, "Asymptotically efficient adaptive allocation rules", *Advances in Applied
#   Mathematics* 6(1), 4–22, 1985.
# - D. J. Russo, B. Van Roy, A. Kazerouni, I. Osband and Z. Wen, "A Tutorial on Thompson Sampling",
#   *Foundations and Trends in Machine Learning* 11(1), 1–96, 2018.
# - T. Lattimore and C. Szepesvári, *Bandit Algorithms*, Cambridge University Press, 2020.
# - X. Nie, X. Tian, J. Taylor and J. Zou, "Why Adaptively Collected Data Have Negative Bias and How to Correct
#   for It", *Proceedings of the 21st International Conference on Artificial Intelligence and Statistics
#   (AISTATS)*, PMLR 84, 1261–1269, 2018.
#
# ## What's next
#
# This is the end of the path from prototype to production: a model that ranks well, simplified and proven
# equal, then tested for what it does. The natural next steps are contextual bandits, which choose the offer per
# visitor from their features (uniting chapters 01 and 04), and uplift models, which predict the effect of the
# offer rather than the purchase (the lesson of chapter 03).
