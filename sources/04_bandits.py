# %% [markdown]
# # 4. Beyond A/B testing: bandits
#
# **You will learn to** state the explore/exploit trade-off and measure it as regret, read and run
# epsilon-greedy, softmax, UCB1 and Thompson sampling, rerun a classic experiment and check it against
# theory, give Thompson sampling a posterior that suits revenue, and compare a bandit with an A/B/n test fairly:
# on the offer each one picks, on what the test costs, and on what the choice earns afterwards.
#
# | prerequisites | time to learn | runs in |
# |---|---|---|
# | chapter 03 (its simulated shop); probability distributions | 75 min reading, 35 min exercises | about 11 s on 2 cores (longer on a busy machine) |

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
SEED = 0                  # seeds every simulation
FAST = False              # True: fewer simulations and shorter horizons
N_SIMULATIONS = 5_000     # simulations of the classic experiment
LONG_HORIZON = 10_000     # steps of the regret experiment
LONG_RUNS = 300           # simulations of the regret experiment
SHOP_RUNS = 400           # simulated runs of each method in the shop
SHOP_UPDATES = 40         # how often a bandit updates its assignment probabilities during the shop's test
VISITORS_PER_DAY = 2_000  # the shop's traffic, to turn visitors into days
HORIZON_DAYS = 365        # how long the shop uses the offer it picks: the test, then the winner

# %%
if FAST:
    N_SIMULATIONS, LONG_HORIZON, LONG_RUNS, SHOP_RUNS = 1_000, 2_000, 200, 200

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
# in ten. The table below it gives each curve at a few steps.

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
print(pd.DataFrame({name: r.cumulative_regret()[[24, 49, 99, 249]] for name, r in runs.items()},
                   index=["step 25", "step 50", "step 100", "step 250"]).T.round(1).to_string())

# %% [markdown]
# *Figure: the cumulative regret over 250 steps of never exploring, always exploring and exploring 10 % of the
# time, averaged over the simulations; always exploring ends highest and exploring 10 % lowest.*

# %% [markdown]
# Never exploring locks each simulation onto the first arm that pays. When that is a bad arm, it stays there
# for good (the share below), and regret grows in a straight line. Always exploring never uses what it learns:
# also a straight line, and steeper. Exploring a little bends the curve and ends lowest:

# %%
never = runs["never explore (epsilon 0)"]
stuck = (never.arms[:, -50:] != never.best_arm).all(axis=1).mean()
final_regret = {name: r.cumulative_regret()[-1] for name, r in runs.items()}
print(f"never exploring: {stuck:.1%} of simulations play only bad arms in their last 50 steps")
helpers.claim(stuck > 0.05, "never exploring leaves some simulations on bad arms for good")
helpers.claim(final_regret["always explore (epsilon 1)"] > final_regret["never explore (epsilon 0)"]
              > final_regret["explore 10 % (epsilon 0.1)"], "always exploring costs most, exploring a little least")

# %% [markdown]
# ## Four algorithms, one interface
#
# Every policy in `helpers.bandits` has one method, `select(counts, sums, step, rng)`: given how often each arm
# was played and the sum of its rewards, in every simulation at once, it returns the next arm. The engine,
# `helpers.bandits.simulate`, keeps the counts and sums. Here are the four rules, as they are written there:

# %%
import inspect

from IPython.display import Code

Code("\n".join(inspect.getsource(method) for method in
               [B.EpsilonGreedy.select, B.Softmax.select, B.UCB1.select, B.ThompsonSampling._draw,
                B.ThompsonSampling.select]), language="python")

# %% [markdown]
# - **Epsilon-greedy** plays a random arm with probability epsilon, else the best mean so far.
# - **Softmax** plays each arm with probability proportional to exp(mean / temperature): a low temperature is
#   nearly greedy, a high one nearly random. Subtracting the largest value before `exp` keeps it finite for any
#   temperature.
# - **UCB1** plays the arm with the highest *upper confidence bound*, mean + sqrt(2 ln t / n): arms played
#   rarely get a large bonus ("optimism in the face of uncertainty").
# - **Thompson sampling** draws a plausible mean for each arm from its Beta posterior and plays the largest
#   draw: arms are played as often as they are likely to be the best. The *posterior* is the distribution
#   that describes what we believe about an arm's rate after seeing its data; for 0/1 rewards,
#   Beta(1 + successes, 1 + failures) starts flat (any rate equally likely) and narrows around the observed
#   rate as the plays accumulate. (`_draw` takes the posterior draws;
#   `scale`, 1 unless you set it, comes back in the shop.)
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
loop = np.array([thompson_one_run(ARMS, 250, rng) for _ in range(200)])
engine = B.simulate(B.ThompsonSampling(), ARMS, 250, N_SIMULATIONS, SEED)
engine_regret = (max(ARMS) - np.asarray(ARMS)[engine.arms]).sum(axis=1)
loop_se, engine_se = loop.std() / np.sqrt(len(loop)), engine_regret.std() / np.sqrt(len(engine_regret))
print(f"regret after 250 steps: loop {loop.mean():.2f} ± {loop_se:.2f}, engine {engine_regret.mean():.2f} ± "
      f"{engine_se:.2f}")
helpers.claim(abs(loop.mean() - engine_regret.mean()) < 3 * np.hypot(loop_se, engine_se),
              "the loop and the engine agree within three standard errors")

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
first_steps = pd.DataFrame({name: np.bincount(r.arms[:, :10].ravel(), minlength=5) / r.arms[:, :10].size
                            for name, r in tie_runs.items()}, index=[f"arm {i} ({m})" for i, m in enumerate(ARMS)]).T
first_steps.round(3)

# %% [markdown]
# In the first ten steps, the first-index version plays arm 0 far more often than the other bad arms, and the
# best arm less often than the fair version does. Put the best arm first and the bias would flatter the
# algorithm instead: results would depend on the order of the arms, which is arbitrary.

# %%
biased, fair = first_steps.loc["first-index tie-break"], first_steps.loc["random tie-break"]
helpers.claim(biased.iloc[0] > 3 * biased.iloc[1:4].max(), "first-index ties favour arm 0 over the other bad arms")
helpers.claim(biased.iloc[4] < fair.iloc[4], "first-index ties play the best (last) arm less than random ties")

# %% [markdown]
# ## The classic experiment
#
# J. M. White's *Bandit Algorithms for Website Optimization* (O'Reilly, 2012) compares the algorithms on exactly
# these five Bernoulli arms, four with mean 0.1 and one with 0.9, over 250 steps, averaged over 5,000
# simulations. We rerun his experiment for several settings of each algorithm rather than reproduce it: we break
# ties at random (his code takes the first index, and shuffles the arms once, so the best arm's place is random
# there), we add Thompson sampling, which his book does not cover, and we compare no number with his. Each
# setting is timed as it runs.

# %%
import time

settings = {**{f"epsilon {e}": B.EpsilonGreedy(e) for e in [0.1, 0.2, 0.3, 0.4, 0.5]},
            "annealing epsilon": B.AnnealingEpsilonGreedy(),
            **{f"softmax {t}": B.Softmax(t) for t in [0.1, 0.2, 0.3, 0.4, 0.5]},
            "UCB1": B.UCB1(), "Thompson": B.ThompsonSampling()}
classic, timings = {}, {}
for i, (name, policy) in enumerate(helpers.progress(settings.items(), description="settings",
                                                    total=len(settings))):
    start = time.perf_counter()
    classic[name] = B.simulate(policy, ARMS, 250, N_SIMULATIONS, SEED + i)
    timings[name] = time.perf_counter() - start
print(f"{len(settings)} settings, {N_SIMULATIONS:,} simulations of 250 steps each")
ax = helpers.plotting.bandit_panels(classic, metric="prob_best", ylabel="probability of playing the best arm")


def at_steps(metric, steps=(10, 50, 250)):
    """Each setting's curve of `metric` at a few steps: the numbers the panels draw."""
    return pd.DataFrame({name: getattr(r, metric)()[[s - 1 for s in steps]] for name, r in classic.items()},
                        index=[f"step {s}" for s in steps]).T


print(at_steps("prob_best").round(3).to_string())

# %% [markdown]
# *Figure: three panels (epsilon-greedy, softmax, and the other algorithms) with each setting's probability of
# playing the best arm at every step, averaged over the simulations.*

# %% [markdown]
# Each setting ran all its simulations at once. How long did that take on your machine? Four of them:

# %% tags=["nbval-ignore-output"]
pd.Series({name: timings[name] for name in ["epsilon 0.1", "softmax 0.1", "UCB1", "Thompson"]},
          name=f"seconds for {N_SIMULATIONS:,} simulations of 250 steps").round(2).to_frame()

# %% [markdown]
# The engine loops over the 250 steps only; each step handles all simulations at once with NumPy.
#
# The same runs, as average reward per step and cumulative reward:

# %%
ax = helpers.plotting.bandit_panels(classic, metric="average_reward", ylabel="average reward per step")
print(at_steps("average_reward").round(3).to_string())

# %% [markdown]
# *Figure: the same three panels, with each setting's average reward per step.*

# %%
ax = helpers.plotting.bandit_panels(classic, metric="cumulative_reward", ylabel="cumulative reward")
print(at_steps("cumulative_reward").round(1).to_string())

# %% [markdown]
# *Figure: the same three panels, with each setting's cumulative reward.*

# %% [markdown]
# Small epsilons and low temperatures learn fast here because the best arm is so much better; Thompson
# sampling and low-temperature softmax end near 1, UCB1 keeps exploring longer, and the epsilon-greedy curves
# level off below 1. The probability of playing the best arm at the last step:

# %%
last_step = pd.Series({name: result.prob_best()[-1] for name, result in classic.items()})
print(", ".join(f"{name} {value:.3f}" for name, value in last_step.items()))
helpers.claim(bool(last_step[["Thompson", "softmax 0.1"]].min() > 0.95),
              "Thompson sampling and softmax 0.1 end near 1")
helpers.claim(last_step["UCB1"] < last_step["Thompson"], "UCB1 is still exploring more than Thompson sampling")
helpers.claim(bool(last_step.filter(like="epsilon 0.").max() < 0.95), "fixed-epsilon curves level off below 1")
helpers.claim(last_step["annealing epsilon"] < last_step["epsilon 0.1"], "annealing ends below epsilon 0.1")
print(f"annealing epsilon at the last step: 1 / ln 250 = {1 / np.log(250):.2f}")

# %% [markdown]
# UCB1's curve zig-zags: it falls back sharply soon after the start and keeps rising and falling. UCB1 picks its
# arm by a fixed rule, with no random draw except to break ties, and its bonus grows with the step for every
# simulation alike. Simulations with the same history play the same arm at the same step, and early on most of
# them share a history (the best arm usually pays, the bad ones usually do not), so they go back to the bad arms
# together: the curve saw-tooths. Thompson sampling draws at random, so its simulations drift apart and its curve
# hardly ever drops by more than chance. Below, the steps after step 10 at which each curve drops by more than
# three Monte Carlo standard errors from one step to the next:

# %%
def sharp_drops(result):
    p = result.prob_best()
    se = np.sqrt(p * (1 - p) / result.arms.shape[0])
    return int((-np.diff(p)[9:] > 3 * se[10:]).sum())


drops = {name: sharp_drops(classic[name]) for name in ["UCB1", "Thompson"]}
print("steps with a sharp drop: " + ", ".join(f"{name} {n}" for name, n in drops.items()))
helpers.claim(drops["UCB1"] >= 10 and drops["Thompson"] < drops["UCB1"] / 5,
              "UCB1's curve drops sharply again and again, Thompson sampling's hardly ever")

# %% [markdown]
# Annealing epsilon-greedy ends below a fixed ε = 0.1: White's schedule, ε = 1 / ln t, is still above 0.1 at
# step 250 (printed above). It also decays too slowly in the long run: up to step T it explores about
# T / ln T times, which is more than any logarithm, so its regret is not logarithmic. The schedule of Auer et al.
# (2002), ε_t = min(1, c K / (d² t)) with d a lower bound on the gap to the best arm, decays like 1 / t, and its
# regret is logarithmic.

# %% [markdown]
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
plateaus["difference in se"] = (plateaus["simulated (last 50 steps)"] - plateaus["theory"]) / plateaus["Monte Carlo se"]
plateaus.round(4)

# %% [markdown]
# For epsilon-greedy with ε ≥ 0.2, theory and simulation agree within a few standard errors; with the smallest
# epsilon, which explores slowest, some simulations have not found the best arm yet after 250 steps, which pulls
# its average down. Softmax is never below its plateau by more than chance, and at the low temperatures, 0.1 to
# 0.3, all three settings sit above it: each difference is positive, and the three together, their sum of
# differences in se divided by √3, are far beyond chance. The plateau uses the true means; softmax uses its
# estimates, and the estimates of arms a bandit chose adaptively are biased downwards (Nie et al., 2018): a bad
# arm that pays early is played more until its estimate comes back down, while one that fails early is left alone
# with an estimate below the truth. The bad arms look worse than they are, so the best arm gets more than its
# plateau share. The section on what a bandit costs you measures this bias for the shop and removes it. The
# plateau is where each is heading, not where it is after 250 steps.

# %%
z = plateaus["difference in se"]
helpers.claim(bool(z[["epsilon 0.2", "epsilon 0.3", "epsilon 0.4", "epsilon 0.5"]].abs().max() < 4),
              "epsilon-greedy with epsilon >= 0.2 sits at its plateau")
not_found = (classic["epsilon 0.1"].arms[:, -50:] == classic["epsilon 0.1"].best_arm).mean(axis=1) < 0.5
helpers.claim(not_found.mean() > 0.001, "with epsilon 0.1, some simulations have not found the best arm yet")
helpers.claim(bool(z.filter(like="softmax").min() > -3), "softmax is never below its plateau by more than chance")
low = z[["softmax 0.1", "softmax 0.2", "softmax 0.3"]]
print(f"softmax 0.1 to 0.3 together: {low.sum() / np.sqrt(3):.1f} se above their plateaus")
helpers.claim(bool(low.min() > 0), "softmax 0.1, 0.2 and 0.3 each sit above their plateaus")
helpers.claim(low.sum() / np.sqrt(3) > 4, "together, softmax 0.1 to 0.3 sit clearly above their plateaus")

# %% [markdown]
# The bias, measured: the estimated mean of each bad arm after 250 steps of softmax 0.2, averaged over the
# simulations (arms never played have no estimate and are left out).

# %%
softmax = classic["softmax 0.2"]
bad_arms = np.arange(len(ARMS) - 1)
plays = (softmax.arms[:, :, None] == bad_arms).sum(axis=1)
paid = ((softmax.arms[:, :, None] == bad_arms) * softmax.rewards[:, :, None]).sum(axis=1)
estimates = paid[plays > 0] / plays[plays > 0]
estimate_se = estimates.std() / np.sqrt(len(estimates))
print(f"bad arms' estimated mean: {estimates.mean():.4f} ± {estimate_se:.4f}, true mean {ARMS[0]}")
helpers.claim(estimates.mean() < ARMS[0] - 3 * estimate_se, "the bad arms' estimates are biased downwards")

# %% [markdown]
# ## Regret over a long horizon
#
# The real test is the long run. A fixed epsilon keeps exploring at the same rate forever, so its regret grows
# in a straight line. UCB1 and Thompson sampling explore less and less, and their regret grows like the
# logarithm of time. Lai and Robbins (1985) proved that no algorithm that does well on every configuration of
# arms can do better than logarithmic,
# with a constant set by how hard the arms are to tell apart: regret ≥ c ln T with
# c = Σ (μ* − μ_a) / KL(μ_a, μ*), asymptotically, where KL is the Kullback-Leibler divergence between the
# arms' Bernoulli distributions. Auer et al. (2002) bounded UCB1's regret from above by
# 8 Σ ln T / (μ* − μ_a) + (1 + π²/3) Σ (μ* − μ_a). Both bounds depend on these arms' gaps: they are statements
# about this configuration, not worst cases over all arms (as the gaps shrink, Auer's constant grows without
# limit; over all configurations, the worst regret after T steps grows like √(K T ln T)).
#
# Dividing regret by ln t turns a logarithm into a flat line and makes the constant readable: the Lai-Robbins
# bound is the horizontal line c, and an algorithm that meets it asymptotically approaches it as T grows.

# %%
from matplotlib.ticker import LogLocator, NullFormatter, StrMethodFormatter

long_runs = {name: B.simulate(policy, ARMS, LONG_HORIZON, LONG_RUNS, SEED + 100 + i)
             for i, (name, policy) in enumerate({"epsilon 0.1": B.EpsilonGreedy(0.1), "UCB1": B.UCB1(),
                                                 "Thompson": B.ThompsonSampling()}.items())}
steps = np.arange(2, LONG_HORIZON + 1)
per_log = {name: r.cumulative_regret()[1:] / np.log(steps) for name, r in long_runs.items()}
per_log["Lai-Robbins lower bound"] = np.full(len(steps), B.lai_robbins_constant(ARMS))
per_log["UCB1 upper bound (Auer et al.)"] = B.ucb1_regret_bound(ARMS, steps) / np.log(steps)
ax = helpers.plotting.bandit_curves(per_log, ylabel="cumulative regret / ln t", log_x=True,
                                    title=f"Regret per unit of ln t over {LONG_HORIZON:,} steps")
ax.set_xlim(left=10)
ax.set_yscale("log")
ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
ax.yaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
ax.yaxis.set_minor_formatter(NullFormatter())
marks = [100, LONG_HORIZON // 10, LONG_HORIZON]
print(pd.DataFrame({name: values[[t - 2 for t in marks]] for name, values in per_log.items()},
                   index=[f"t = {t:,}" for t in marks]).T.round(2).to_string())

# %% [markdown]
# *Figure: cumulative regret divided by ln t against t, both on log scales, for epsilon-greedy, UCB1 and
# Thompson sampling, with the Lai-Robbins lower bound and the UCB1 upper bound of Auer et al. as references.*

# %% [markdown]
# The y axis is logarithmic too, so that the small constants stay apart, and labelled with plain numbers. The
# values at a tenth of the horizon and at the end, with their Monte Carlo standard errors (se), and the **slope**
# of regret against ln t between the two, (R(T) − R(T/10)) / ln 10: the number of the Lai-Robbins bound is a
# statement about that slope as T grows.

# %%
def regret_per_run(result, steps):
    gaps = result.arm_means.max() - result.arm_means
    return gaps[result.arms[:, :steps]].sum(axis=1)


tenth = LONG_HORIZON // 10
rows = {}
for name, result in long_runs.items():
    early, late = regret_per_run(result, tenth), regret_per_run(result, LONG_HORIZON)
    slope, root_n = (late - early) / np.log(10), np.sqrt(len(late))
    rows[name] = {"at T / 10": early.mean() / np.log(tenth), "at T": late.mean() / np.log(LONG_HORIZON),
                  "se at T": late.std() / root_n / np.log(LONG_HORIZON), "slope": slope.mean(),
                  "se slope": slope.std() / root_n}
constant = B.lai_robbins_constant(ARMS)
rows["Lai-Robbins lower bound"] = {"at T / 10": constant, "at T": constant, "slope": constant}
auer = B.ucb1_regret_bound(ARMS, np.array([tenth, LONG_HORIZON]))
rows["UCB1 upper bound (Auer et al.)"] = {"at T / 10": auer[0] / np.log(tenth), "at T": auer[1] / np.log(
    LONG_HORIZON), "slope": (auer[1] - auer[0]) / np.log(10)}
ends = pd.DataFrame(rows).T
print(ends.round(2).to_string())

# %% [markdown]
# Thompson sampling's line ends *under* the dashed lower bound: at this horizon its regret per ln t is below
# the Lai-Robbins constant. That is no contradiction. The bound is asymptotic: it says that regret / ln T cannot
# stay below c as T grows without limit, and it says nothing about any finite T. On these arms Thompson
# sampling plays each bad arm only a handful of times in the whole run (printed below), far from the
# asymptotic regime the bound describes.
#
# Epsilon-greedy's regret per ln t keeps climbing: its regret grows faster than any logarithm (linearly). UCB1's
# grows far more slowly, several times above the Lai-Robbins constant. Thompson sampling's regret per ln t is
# below the constant but of the same order, and its slope is far below UCB1's. That
# Thompson sampling's regret is logarithmic, with the Lai-Robbins constant in the limit, is a theorem (Agrawal and
# Goyal, 2012 and 2013; Kaufmann, Korda and Munos, 2012), not something this simulation proves. UCB1's own
# guarantee holds but is loose by the factor in the table: it is a bound, not a prediction.

# %%
thompson_plays = (long_runs["Thompson"].arms[:, :, None] == np.arange(len(ARMS) - 1)).sum(axis=1).mean(axis=0)
print("Thompson sampling's mean plays of each bad arm in the whole run: "
      + ", ".join(f"{n:.1f}" for n in thompson_plays))
thompson_vs_bound = ends.loc["Thompson", "at T"] / constant
helpers.claim(ends.loc["epsilon 0.1", "at T"] > 2 * ends.loc["epsilon 0.1", "at T / 10"],
              "epsilon-greedy's regret / ln t keeps climbing")
helpers.claim(0.5 < thompson_vs_bound < 1, "Thompson's regret / ln t is below the constant at this horizon, same order")
helpers.claim(ends.loc["Thompson", "slope"] + 3 * ends.loc["Thompson", "se slope"]
              < ends.loc["UCB1", "slope"] - 3 * ends.loc["UCB1", "se slope"], "Thompson's slope is below UCB1's")
helpers.claim(bool(thompson_plays.max() < 20), "Thompson sampling plays each bad arm only a handful of times")
helpers.claim(ends.loc["UCB1", "at T"] > 3 * constant, "UCB1's regret / ln t is several times the Lai-Robbins constant")
growth = ends["at T"] / ends["at T / 10"]
helpers.claim(growth["UCB1"] < growth["epsilon 0.1"] / 2, "UCB1's regret / ln t grows far more slowly than epsilon's")
helpers.claim(ends.loc["UCB1 upper bound (Auer et al.)", "at T"] > 3 * ends.loc["UCB1", "at T"],
              "Auer et al.'s bound is several times UCB1's actual regret")

# %% [markdown]
# UCB1's bonus ignores that a Bernoulli arm near 0.1 varies less than one near 0.5; **KL-UCB** (Garivier and
# Cappé, 2011) replaces the bonus by a confidence bound built from the same Kullback-Leibler divergence as the
# Lai-Robbins constant, and meets that constant asymptotically.
#
# ## The shop: offer variants as arms
#
# Back to the simulated shop of chapter 03. The marketing team has four offers for *all* visitors: none, 5 % off,
# 10 % off, and free shipping (the shop pays a fixed cost per order). Each persuades differently and costs
# differently; their true net revenue per visitor follows from the shop's assumptions. Its standard deviation
# per visitor comes from a pilot of 100,000 simulated visitors per offer, drawn the way the shop draws them:

# %%
shop = helpers.simulate.build_shop()
VARIANTS = helpers.simulate.OFFER_VARIANTS
true_value = np.array([helpers.simulate.variant_value(shop, v) for v in VARIANTS])
pilot_arms = np.repeat(np.arange(len(VARIANTS)), 100_000)
pilot = helpers.simulate.variant_rewards(shop, VARIANTS)(pilot_arms, np.random.default_rng(SEED))
reward_sd = np.array([pilot[pilot_arms == arm].std() for arm in range(len(VARIANTS))])
offers = pd.DataFrame({"true net revenue per visitor (€)": true_value, "sd per visitor (€)": reward_sd,
                       "true conversion": [helpers.simulate.variant_probability(shop, v).mean() for v in VARIANTS]},
                      index=[v.name for v in VARIANTS])
offers.round(3)

# %% [markdown]
# The offers differ by cents per visitor while one visitor's revenue varies by euros: most visitors buy nothing,
# a few spend a lot. How many visitors does it take to tell the best offer from the runner-up? An equal split
# with n visitors per offer estimates their difference with standard error sd · √(2 / n); to pick the better one
# with probability 95 %, the gap must be 1.645 of those standard errors, so n = 2 (1.645 · sd / gap)². For sd we
# take the largest of the four offers' standard deviations, to be on the safe side.

# %%
import math

from scipy import stats

ranked = np.argsort(true_value)[::-1]
gap = true_value[ranked[0]] - true_value[ranked[1]]
per_arm = math.ceil(2 * (stats.norm.ppf(0.95) * reward_sd.max() / gap) ** 2)
test_visitors = SHOP_UPDATES * math.ceil(len(VARIANTS) * per_arm / SHOP_UPDATES)
horizon = HORIZON_DAYS * VISITORS_PER_DAY
print(f"best: {VARIANTS[ranked[0]].name}, runner-up: {VARIANTS[ranked[1]].name}, gap {gap:.3f} € per visitor")
print(f"{per_arm:,} visitors per offer, a test of {test_visitors:,} visitors: "
      f"{test_visitors / VISITORS_PER_DAY:.0f} days at {VISITORS_PER_DAY:,} visitors a day")
helpers.claim(per_arm > 10_000, "telling the best offer from the runner-up takes tens of thousands per offer")
helpers.claim(test_visitors < horizon, "the test fits into the horizon")
helpers.claim(test_visitors / VISITORS_PER_DAY >= 14, "the test takes weeks of traffic")

# %% [markdown]
# That is weeks of traffic for a difference of cents. Whether it is worth it depends on how long the shop will
# use the winner: the **horizon**, here `HORIZON_DAYS` of traffic. Over the horizon, two things cost money: the
# visitors who get a worse offer *during* the test, and every visitor *after* it if the test picked the wrong
# offer. An equal-split test with n visitors per offer ends with each offer's mean estimated as
# Normal(true mean, sd² / n) (the central limit theorem, with tens of thousands of visitors), so we can compute
# both costs for any test length:

# %%
def equal_split_cost(per_offer, horizon, draws=20_000, seed=SEED):
    """Expected regret (€) of an equal-split test of `per_offer` visitors per offer, then its winner."""
    noise = np.random.default_rng(seed).standard_normal((draws, len(true_value)))  # same draws for every n
    gaps = true_value.max() - true_value
    chosen = np.argmax(true_value + reward_sd / np.sqrt(per_offer) * noise, axis=1)
    during = per_offer * gaps.sum()
    return during + (horizon - len(true_value) * per_offer) * gaps[chosen].mean(), (chosen == ranked[0]).mean()


lengths = np.unique(np.geomspace(per_arm / 20, min(20 * per_arm, horizon / 4 - 1), 40).astype(int))
cost = pd.DataFrame([equal_split_cost(n, horizon) for n in lengths], index=lengths,
                    columns=["total regret (€)", "P(right offer)"])
ax = cost["total regret (€)"].plot(logx=True, title=f"Equal-split test, then its winner, over {HORIZON_DAYS} days")
ax.axvline(per_arm, color="grey", linestyle=":", label="test sized for 95 %")
ax.set(xlabel="visitors per offer in the test (log scale)", ylabel="expected regret (€)")
_ = ax.legend()
shown = sorted({*np.linspace(0, len(lengths) - 1, 5).astype(int), int(np.argmin(cost["total regret (€)"]))})
print(cost.iloc[shown].rename_axis("visitors per offer").round(3).to_string())

# %% [markdown]
# *Figure: the expected total regret over the horizon of an equal-split test followed by its winner, against
# the number of visitors per offer in the test, with the size chosen for 95 % marked.*

# %% [markdown]
# The curve is U-shaped. A short test is cheap while it runs but often deploys a worse offer for the rest of
# the horizon; a long test pays for the losers long after the answer is clear. The sized test sits near the
# bottom for this horizon; for shorter horizons the best test is shorter, as the table shows:

# %%
best_length = {}
for days in [30, 90, HORIZON_DAYS, 2 * HORIZON_DAYS]:
    h = days * VISITORS_PER_DAY
    candidates = lengths[lengths < h / len(VARIANTS)]
    totals = [equal_split_cost(n, h)[0] for n in candidates]
    best_length[f"{days} days"] = {"best visitors per offer": candidates[int(np.argmin(totals))],
                                   "its total regret (€)": min(totals),
                                   "P(right offer)": equal_split_cost(candidates[int(np.argmin(totals))], h)[1]}
best_length = pd.DataFrame(best_length).T
print(best_length.round(3).to_string())
at = cost["total regret (€)"]
helpers.claim(bool(at[lengths <= per_arm / 4].min() > at[lengths >= per_arm].min()),
              "a test a quarter of the sized length or shorter costs more over the horizon")
helpers.claim(bool(at[lengths >= 4 * per_arm].min() > at[lengths <= per_arm].min()),
              "a test four times the sized length or longer costs more over the horizon")
helpers.claim(bool(np.all(np.diff(best_length["best visitors per offer"].to_numpy()) > 0)),
              "the longer the horizon, the longer the best test")
helpers.claim(equal_split_cost(per_arm, horizon)[0] < 1.1 * at.min(), "the sized test sits near the bottom")
helpers.claim(best_length.loc["30 days", "P(right offer)"] < 0.8, "for a month, the best test often picks a near-miss")

# %% [markdown]
# So the decision is not "is the difference significant?" but "what does a wrong choice cost over the time we
# will use it?". With a horizon of a month, no test long enough to find a gap of cents pays for itself: the
# best is a short test that often picks a near-miss. The longer the horizon, the more a careful test is worth.
#
# ## A fair comparison: bandits against the A/B/n test
#
# A bandit changes the allocation during the test. To compare it fairly with the A/B/n test, give every method
# the same test length, let each pick an offer at the end (the one with the best mean, unless the method has
# committed to one earlier), deploy it for the rest of the horizon, and score three things: the probability of picking the right offer, the regret during the
# test, and the total regret over the horizon.
#
# A production bandit does not update after every visitor: it updates its assignment probabilities
# `SHOP_UPDATES` times during the test (about once a day here), assigns each batch's visitors at random with
# them, and **logs them**. `helpers.bandits.simulate_batches` runs any policy that way. Each batch's revenue is
# drawn from the normal distribution with the offer's true mean and sd (the central limit theorem again: a
# batch holds hundreds of visitors per offer).
#
# The contenders, all behind the same interface:
#
# - the **equal split** (A/B/n), which is *explore-then-commit* with the whole test as exploration;
# - **explore-then-commit** with half the test (Lattimore and Szepesvári, 2020, chapter 6): an equal split for
#   half the test, then the rest of the test and the whole deployment on its winner, for good;
# - **epsilon-greedy** with ε = 0.1;
# - **Thompson sampling with a Beta posterior**, on revenue divided by 250 € to fit into [0, 1], as if it were
#   a conversion: the sum of the scaled revenues counts as fractional successes, a heuristic (Agrawal and Goyal,
#   2012, turn each reward in [0, 1] into a 0/1 success drawn with that probability, which keeps the Beta
#   posterior exact);
# - **Thompson sampling with a Gaussian posterior**: each offer's mean is Normal(mean so far, σ² / n), with σ
#   the revenue's standard deviation that the shop knows from its history without offers, used for every offer
#   (the offers' own standard deviations, in the table of offers, differ from σ; where one is larger, that
#   offer's posterior is too narrow);
# - **top-two Thompson sampling** (Russo, 2016), designed to *identify* the best arm: half the time it plays
#   the Gaussian posterior's leader, otherwise it redraws until another offer wins and plays that challenger,
#   so the runner-up keeps getting visitors until the two are told apart. Its assignment probabilities are
#   estimated from 200 posterior draws per update;
# - **explore first, then greedy**, with half the test: the same equal split as explore-then-commit, then the
#   offer with the best mean so far; unlike a commitment, it keeps measuring the offer it plays, and switches when
#   that offer's mean falls below another's.

# %%
batch = test_visitors // SHOP_UPDATES
sigma = float(reward_sd[0])
methods = {"equal split (A/B/n)": B.ExploreThenCommit(test_visitors),
           "explore-then-commit (half)": B.ExploreThenCommit(test_visitors // 2),
           "epsilon-greedy 0.1": B.EpsilonGreedy(0.1),
           "Thompson, Beta (revenue / 250 €)": B.ThompsonSampling(scale=250.0),
           "Thompson, Gaussian": B.GaussianThompsonSampling(sigma),
           "top-two Thompson, Gaussian": B.TopTwoThompsonSampling(0.5, sigma=sigma, n_draws=200),
           "explore first (half), then greedy": B.ExploreFirstThenGreedy(test_visitors // 2)}
batches = B.normal_sums(true_value, reward_sd)
shop_runs = {name: B.simulate_batches(policy, batches, true_value, batch_size=batch, n_batches=SHOP_UPDATES,
                                      n_simulations=SHOP_RUNS, seed=SEED + 10 + i, n_draws=100)
             for i, (name, policy) in enumerate(helpers.progress(methods.items(), description="methods",
                                                                 total=len(methods)))}

# %% [markdown]
# The table scores each method over `SHOP_RUNS` simulated tests (se: the Monte Carlo standard error).
# Explore-then-commit deploys the offer it committed to (the one it played most); every other method deploys
# the offer with the best mean at the end of the test.

# %%
def verdict(result, commits=False):
    chosen = result.most_played_arm() if commits else result.chosen_arm()
    right = (chosen == result.best_arm).astype(float)
    during = result.regret()
    total = during + (horizon - test_visitors) * (true_value.max() - true_value[chosen])
    n = len(chosen)
    return {"P(right offer)": right.mean(), "se P": right.std() / np.sqrt(n),
            "regret during test (€)": during.mean(), "se during": during.std() / np.sqrt(n),
            "total regret (€)": total.mean(), "se total": total.std() / np.sqrt(n)}


fair = pd.DataFrame({name: verdict(result, commits=name == "explore-then-commit (half)")
                     for name, result in shop_runs.items()}).T
fair.round(3)

# %% [markdown]
# What the table shows:
#
# - The equal split picks the right offer in about 95 % of tests, as it was sized to; every bandit loses less
#   *during* the test.
# - **Explore-then-commit** with half the test loses a little more than half as much as the equal split during
#   the test: half the test is an equal split, and the other half goes to its winner, which is sometimes wrong.
#   Its winner comes from a test half as long, so it picks the right offer less often, and over the horizon it
#   loses more than the sized equal split (computed without simulating below, where the two are told apart
#   more precisely). Shortening a test saves while it runs and costs after it. Committing on a fixed schedule
#   is itself the weakness: Garivier, Lattimore and Kaufmann (2016) proved that any strategy that first explores
#   and then commits has, over long horizons, about twice the regret of the best strategies that keep adapting.
# - **Explore first, then greedy** starts like explore-then-commit but keeps measuring the offer it plays and
#   switches when its mean disappoints: it picks the right offer more often than the commitment does.
# - **The posterior's fit matters while testing.** The Beta posterior treats revenue / 250 € like a conversion,
#   and its spread is much wider than the data's (the ratio is printed below), so it keeps exploring losers:
#   the Gaussian posterior cuts the regret during the test by a third or more. The Beta's extra exploration buys
#   at most a few points of probability of picking the right offer. Over the horizon the total regret includes
#   the deployment, which varies a lot from run to run (one wrong deployment costs as much as a whole test):
#   the Gaussian posterior's total regret is lower than the Beta's or about equal, but at this number of runs
#   the difference between the two is uncertain by thousands of euros (printed below). What a well-fitting
#   posterior surely buys here is a cheaper test.
# - Top-two Thompson sampling keeps testing the runner-up: it loses more during the test than plain Thompson
#   sampling, still less than the equal split, and picks the right offer at least as often as the equal
#   split, within the Monte Carlo error.
# - Over the horizon, every Thompson sampler, and explore first then greedy, ends with a lower total regret than
#   the sized equal split. Epsilon-greedy, which rarely shows the runner-up, picks the right offer less often
#   than the equal split, and its deployment costs it more than its whole test did: its total regret and the
#   equal split's are equal within their Monte Carlo error (printed below), so neither beats the other here.
# - The equal split's and explore-then-commit's rows can be computed without simulating: the `equal_split_cost`
#   above, at the same test length and at half of it, agrees with them within the Monte Carlo error (printed
#   below).

# %%
n_mean = test_visitors / len(VARIANTS)
beta_spread = 250.0 * np.sqrt(true_value / 250.0 * (1 - true_value / 250.0) / n_mean)
spread_ratio = beta_spread / (reward_sd / np.sqrt(n_mean))
print("Beta posterior's sd / the mean's actual sd, per offer: " + ", ".join(f"{r:.1f}" for r in spread_ratio))
helpers.claim(bool(spread_ratio.min() > 1.5), "the Beta posterior is much wider than the data warrant")

# %% [markdown]
# To check the table's statements, a few short names, `se_difference` (the standard error of a difference
# between two methods' figures):

# %%
F = fair.to_dict("index")
ab, etc, greedy, beta_ts, gauss, top_two, eps = (
    "equal split (A/B/n)", "explore-then-commit (half)", "explore first (half), then greedy",
    "Thompson, Beta (revenue / 250 €)", "Thompson, Gaussian", "top-two Thompson, Gaussian", "epsilon-greedy 0.1")


def se_difference(a, b, column="P"):
    return np.hypot(F[a][f"se {column}"], F[b][f"se {column}"])


def p_right(name):
    return F[name]["P(right offer)"]


def during(name):
    return F[name]["regret during test (€)"]


def total(name):
    return F[name]["total regret (€)"]


# %% [markdown]
# The computed rows, and the difference between the two posteriors' total regrets. The se of a computed row is
# that of the mean of `SHOP_RUNS` simulated tests under the same model. The table's own se is estimated from the
# few tests that picked a wrong offer, so it is itself uncertain; the computed one rests on 20,000 draws.

# %%
def equal_split_se(per_offer, runs=SHOP_RUNS, draws=20_000, seed=SEED):
    """Standard error of the mean total regret of `runs` equal-split tests, under equal_split_cost's model."""
    noise = np.random.default_rng(seed).standard_normal((draws, len(true_value)))
    chosen = np.argmax(true_value + reward_sd / np.sqrt(per_offer) * noise, axis=1)
    wrong = (true_value.max() - true_value)[chosen]
    return (horizon - len(true_value) * per_offer) * wrong.std() / np.sqrt(runs)


sizes = {ab: test_visitors // len(VARIANTS), etc: test_visitors // (2 * len(VARIANTS))}
analytic = {name: (*equal_split_cost(n, horizon), equal_split_se(n)) for name, n in sizes.items()}
for name, (cost_total, cost_right, cost_se) in analytic.items():
    print(f"{name} computed: total regret {cost_total:,.0f} € (se of {SHOP_RUNS} tests {cost_se:,.0f} €), "
          f"P(right offer) {cost_right:.3f}")
print(f"total regret, Beta minus Gaussian posterior: {total(beta_ts) - total(gauss):,.0f} "
      f"± {se_difference(beta_ts, gauss, 'total'):,.0f} €")
print(f"total regret, epsilon-greedy minus equal split: {total(eps) - total(ab):,.0f} "
      f"± {se_difference(eps, ab, 'total'):,.0f} €")

# %% [markdown]
# And the statements about the table, one check each:

# %%
helpers.claim(p_right(ab) > 0.9, "the equal split picks the right offer in about 95 % of tests")
helpers.claim(all(abs(total(m) - analytic[m][0]) < 3 * analytic[m][2] for m in analytic),
              "the simulated equal split and explore-then-commit agree with the computed ones")
helpers.claim(all(during(m) < during(ab) for m in F if m != ab), "every bandit loses less during the test")
helpers.claim(0.5 < during(etc) / during(ab) < 0.67, "explore-then-commit (half) loses a little more than half")
helpers.claim(analytic[etc][0] > analytic[ab][0], "over the horizon, explore-then-commit (half) loses more")
helpers.claim(p_right(etc) < p_right(ab), "explore-then-commit (half) picks the right offer less often")
helpers.claim(p_right(etc) < p_right(greedy), "explore first, then greedy picks the right offer more often")
helpers.claim(during(gauss) < 0.67 * during(beta_ts), "the Gaussian posterior cuts the Beta's test regret by a third+")
helpers.claim(p_right(beta_ts) - p_right(gauss) < 0.08, "the Beta's exploration buys at most a few points of P")
helpers.claim(total(gauss) < total(beta_ts) + 2 * se_difference(beta_ts, gauss, "total"),
              "the Gaussian posterior's total regret is lower or about equal")
helpers.claim(se_difference(beta_ts, gauss, "total") > 1_000, "the difference is uncertain by thousands of euros")
helpers.claim(during(gauss) < during(top_two), "top-two Thompson loses more during the test than plain Thompson")
helpers.claim(p_right(top_two) > p_right(ab) - 2 * se_difference(top_two, ab),
              "top-two Thompson picks the right offer at least as often as the equal split, within error")
helpers.claim(all(total(m) < total(ab) for m in [beta_ts, gauss, top_two, greedy]),
              "every Thompson sampler and explore first then greedy end with lower total regret")
helpers.claim(p_right(eps) < p_right(ab), "epsilon-greedy picks the right offer less often than the equal split")
helpers.claim(total(eps) > 2 * during(eps), "epsilon-greedy's deployment costs more than its test")
helpers.claim(abs(total(eps) - total(ab)) < 2 * se_difference(eps, ab, "total"),
              "epsilon-greedy's and the equal split's total regrets are equal within the error")

# %% [markdown]
# The figure shows where each method sends the visitors during the test: the share of each batch that gets
# the best offer, averaged over the simulated tests. Line styles tell the families apart: solid for the equal
# split and epsilon-greedy, dashed for the two that explore first, dotted for the Thompson samplers. The equal
# split stays at a quarter throughout, and so do the two methods that explore first, drawn dashed on top of it,
# until update 20: halfway through the test they stop splitting equally and jump to their winner.

# %%
styles = {ab: "-", eps: "-", etc: "--", greedy: "--", beta_ts: ":", gauss: ":", top_two: ":"}
ax = helpers.plotting.bandit_curves({name: r.share_best() for name, r in shop_runs.items()},
                                    ylabel="share of the batch on the best offer",
                                    title="Where each method sends the visitors")
for line in ax.get_lines():
    line.set(linestyle=styles[line.get_label()], linewidth=2)
ax.legend(fontsize=8)
ax.set_xlabel(f"update (batch of {batch:,} visitors)")
share_end = {name: r.share_best()[-1] for name, r in shop_runs.items()}
print("share of the last batch on the best offer: " + ", ".join(f"{n} {v:.2f}" for n, v in share_end.items()))
half = SHOP_UPDATES // 2
jump = {name: shop_runs[name].share_best()[half] - shop_runs[name].share_best()[half - 1] for name in [etc, greedy]}
print(f"share on the best offer, update {half} -> {half + 1}: " + ", ".join(f"{n} +{v:.2f}" for n, v in jump.items()))
helpers.claim(share_end["Thompson, Gaussian"] > share_end["Thompson, Beta (revenue / 250 €)"],
              "Gaussian Thompson ends with more traffic on the best offer than Beta Thompson")
first_half = np.array([shop_runs[name].share_best()[:half] for name in [etc, greedy]])
helpers.claim(bool(np.allclose(first_half, 0.25, atol=0.01)) and min(jump.values()) > 0.4,
              "the methods that explore first stay at a quarter until half the test, then jump")

# %% [markdown]
# *Figure: the share of each batch of visitors that gets the best offer, update by update, for the equal split
# and each bandit, averaged over the simulated tests.*

# %% [markdown]
# ## What the bandit costs you, and how logging fixes part of it
#
# Three things an A/B test gives and a bandit does not give for free:
#
# **1. Unbiased estimates of every offer.** A bandit stops playing an offer once it looks bad, so an offer that
# was unlucky early is rarely given the chance to recover, while a lucky one is played until its estimate comes
# back down: the plain means of adaptively collected data are biased downwards (Nie et al., 2018). The fix
# needs the log: each batch's assignment probabilities (*propensities*). Weighting each visitor's reward by
# one over the probability that they got that offer (**inverse-propensity weighting**) gives an unbiased
# estimate of what the offer would earn on everyone, as long as no probability is zero. So production bandits
# keep a floor: below, Gaussian Thompson sampling with every offer kept at 2 % of traffic or more.

# %%
floored = B.simulate_batches(B.GaussianThompsonSampling(sigma), batches, true_value, batch_size=batch,
                             n_batches=SHOP_UPDATES, n_simulations=SHOP_RUNS, seed=SEED + 20, min_share=0.02,
                             n_draws=100)
bias = {}
estimators = {"plain mean": floored.estimated_means(), "inverse-propensity weighted": floored.ipw_means()}
for label, estimates in estimators.items():
    bias[f"{label}: bias (€)"] = estimates.mean(axis=0) - true_value
    bias[f"{label}: se (€)"] = estimates.std(axis=0) / np.sqrt(SHOP_RUNS)
bias = pd.DataFrame(bias, index=offers.index)
bias["median visitors"] = np.median(floored.counts.sum(axis=1), axis=0)
bias.round(3)

# %% [markdown]
# The plain means lie below the truth for every offer the bandit neglects, and taken together by more than
# their Monte Carlo error; the inverse-propensity-weighted estimates are within a few standard errors of the truth for every
# offer, at the price of a larger spread for the neglected offers (compare the se columns: the weights reach
# 1 / 0.02 = 50). For a neglected offer, the plain mean rests on few visitors; the weighted one uses the same
# visitors, scaled up.

# %%
plain_z = bias["plain mean: bias (€)"] / bias["plain mean: se (€)"]
ipw_z = bias["inverse-propensity weighted: bias (€)"] / bias["inverse-propensity weighted: se (€)"]
neglected = bias["median visitors"] < bias["median visitors"].max()
print("bias in standard errors, plain: " + ", ".join(f"{z:.1f}" for z in plain_z)
      + "; weighted: " + ", ".join(f"{z:.1f}" for z in ipw_z))
pooled_z = plain_z[neglected].sum() / np.sqrt(neglected.sum())  # the neglected offers together
print(f"neglected offers together (plain means): {pooled_z:.1f} standard errors")
helpers.claim(bool((plain_z[neglected] < 0).all() and pooled_z < -2),
              "plain means of the neglected offers lie below the truth, together by more than their error")
helpers.claim(bool((ipw_z.abs() < 3.5).all()), "weighted estimates are within a few standard errors of the truth")
helpers.claim(bool((bias["inverse-propensity weighted: se (€)"] > bias["plain mean: se (€)"])[neglected].all()),
              "the weighted estimates of the neglected offers spread more")

# %% [markdown]
# **2. A clean significance test.** The sample sizes of a bandit depend on the outcomes so far, so the
# textbook tests and intervals of chapter 03 do not apply as they are. Logged propensities make unbiased
# estimates possible, as above, but not yet valid intervals: under adaptive assignment the weighted estimate is
# generally not close enough to normal for a textbook interval, because the weights of neglected offers grow
# as the bandit learns. Valid intervals need estimators built for adaptive data, such as adaptively weighted
# estimators (Hadad et al., 2021) or tests for batched bandits (Zhang, Janson and Murphy, 2020), or
# always-valid methods (chapter 05).
#
# **3. A sample-ratio check and guardrails.** Traffic is meant to drift between offers, so the check of chapter
# 03 against an equal split would always fire. With the log it works again: in each batch, the propensities say
# how many of the batch's visitors each offer *should* have got, and Pearson's chi-square statistic compares
# that with what the log holds. Given the past, every batch is a fresh random split, so the statistics of the B
# batches add up to one chi-square with B (K − 1) degrees of freedom for K offers. (Adding up the visitors over
# the batches first and testing once, against the summed expectations, would assume the variance of one split
# with the average probabilities, which is larger than that of the batches' different splits: that test is
# conservative.)
# `helpers.bandits.srm_p_values` does it:

# %%
Code(inspect.getsource(B.srm_p_values), language="python")

# %% [markdown]
# Below, the correct logs, and logs in which a faulty redirect loses one in ten, or one in a hundred, of the best
# offer's visitors, each checked with the threshold used in practice, p < 0.0005 (Fabijan et al., 2019), and, to
# check the test's calibration, with p < 0.05: on correct logs, a calibrated test fires in 5 % of runs.

# %%
lost, best, rng = {}, floored.best_arm, np.random.default_rng(SEED + 30)
for share in (0.1, 0.01):
    lost[share] = np.zeros_like(floored.counts)
    lost[share][:, :, best] = rng.binomial(floored.counts[:, :, best].astype(int), share)
p_values = {"correct logs": B.srm_p_values(floored.counts, floored.propensities),
            "10 % of one offer lost": B.srm_p_values(floored.counts - lost[0.1], floored.propensities),
            "1 % of one offer lost": B.srm_p_values(floored.counts - lost[0.01], floored.propensities),
            "checked against an equal split": stats.chisquare(floored.counts.sum(axis=1), axis=1).pvalue}
alarms = pd.DataFrame({"flagged at p < 0.0005": {name: (p < 0.0005).mean() for name, p in p_values.items()},
                       "flagged at p < 0.05": {name: (p < 0.05).mean() for name, p in p_values.items()}})
alarms

# %% [markdown]
# On correct logs the check fires at about its nominal rate. It catches the redirect that loses one in ten
# visitors in almost every run, the one that loses one in a hundred rarely: the check finds gross faults, not
# subtle ones, so a clean check does not prove a clean log.

# %%
calibration_se = np.sqrt(0.05 * 0.95 / SHOP_RUNS)
helpers.claim(alarms.loc["correct logs", "flagged at p < 0.0005"] < 0.02, "the check rarely fires on correct logs")
helpers.claim(abs(alarms.loc["correct logs", "flagged at p < 0.05"] - 0.05) < 3 * calibration_se,
              "on correct logs the check fires at about its nominal rate")
helpers.claim(alarms.loc["10 % of one offer lost", "flagged at p < 0.0005"] > 0.9,
              "the check catches a redirect that loses 10 % of one offer")
helpers.claim(alarms.loc["1 % of one offer lost", "flagged at p < 0.0005"] < 0.2,
              "a redirect that loses 1 % is caught rarely")
helpers.claim(alarms.loc["checked against an equal split", "flagged at p < 0.0005"] > 0.9,
              "against an equal split the check always fires")

# %% [markdown]
# Guardrails need the same care: an offer that hurts a guardrail metric (returns, complaints) is not watched
# unless you log and check that metric per offer, as in chapter 03.
#
# ## When to use which
#
# | situation | choose |
# |---|---|
# | you need an unbiased effect size with a confidence interval, guardrails, a decision you can defend | A/B test (chapter 03) |
# | a one-off choice between few variants, used for a long time, and only the choice matters | Thompson sampling (top-two to favour finding the best), as long as an A/B test would run, then its winner |
# | many variants, short-lived content (headlines, daily deals), cost of showing losers matters | bandit |
# | you will keep optimising forever and the best arm may change over time | bandit, with some exploration kept |
# | rewards arrive late (purchases days later) or the metric is very noisy | A/B test, or a bandit on a fast proxy |
#
# The second row is the shop's case, and the fair comparison above settles it on total regret: every Thompson
# sampler ended below the sized equal split. What the A/B test still buys is what the first row lists: an
# unbiased estimate of each offer's effect with a valid interval, guardrails checked per offer, and a sample-ratio
# check against a fixed split. When the decision must be defended with those, run the A/B test, and know that it
# costs money while it runs.
#
# Whatever you run: pick the posterior or the bonus for the reward's scale, log every assignment's
# probability, and keep every probability above a floor.
#
# ## A playground
#
# Pick an algorithm, its parameter (epsilon for epsilon-greedy, the temperature for softmax; UCB1 and Thompson
# sampling have none) and the arms' means; the playground runs the simulations and draws the probability of
# playing the best arm, averaged over them, with their number in the title (it needs a running kernel; the
# figures of the classic experiment above show the same function on a static page).

# %% tags=["nbval-ignore-output"]
helpers.widgets.bandit_playground()

# %% [markdown]
# ## Exercises
#
# ### Exercise 4.1
#
# Epsilon-greedy with epsilon 0.3 on four arms, once its estimates have settled: with what probability (a number
# between 0 and 1) does it play the best arm?

# %%
answer_4_1 = ...
helpers.exercises.ch04.q1.check(answer_4_1)

# %%
# helpers.exercises.ch04.q1.hint()
# helpers.exercises.ch04.q1.solution()

# %% [markdown]
# ### Exercise 4.2
#
# Softmax with temperature 0.25, on the classic arms (0.1, 0.1, 0.1, 0.1, 0.9) with the estimates equal to the
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
# ### Exercise 4.4
#
# A bandit's log holds three batches of 1,000 visitors. The offer "free shipping" was assigned with
# probability 0.5, 0.2 and 0.1 in them, and its visitors' net revenue summed to 2,100 €, 1,200 € and 300 €.
# Estimate, by inverse-propensity weighting, the net revenue per visitor if every one of the 3,000 visitors had
# got free shipping.

# %%
answer_4_4 = ...
helpers.exercises.ch04.q4.check(answer_4_4)

# %%
# helpers.exercises.ch04.q4.hint()
# helpers.exercises.ch04.q4.solution()

# %% [markdown]
# ## Key points
#
# - A bandit trades exploring (learning) against exploiting (earning); regret measures what the trade costs.
# - Epsilon-greedy and softmax are simple and plateau where theory says; a fixed epsilon pays a regret that
#   grows linearly forever, and White's annealing schedule, 1 / ln t, decays too slowly to stop that.
# - UCB1 and Thompson sampling achieve logarithmic regret (Auer et al., 2002; Agrawal and Goyal, 2012; Kaufmann
#   et al., 2012). Plot regret / ln t to tell them apart: on the classic arms Thompson sampling's is of the same
#   order as the Lai-Robbins constant (below it at this horizon: the bound is asymptotic), UCB1's several
#   times above it. Auer et al.'s bound depends on the gaps and is loose.
# - Break ties at random, or results depend on the order of the arms.
# - An algorithm's assumptions matter: a Beta posterior fits 0/1 rewards; for revenue, a Gaussian posterior
#   with the revenue's scale explores less and cuts the regret during the test by a third or more.
# - Compare a bandit with an A/B/n test on the same test length, by the offer each picks, the regret during
#   the test and the total regret including the deployment; size the test for the horizon the choice will be
#   used, not for significance alone. On the shop's one-off choice, Thompson sampling ends with less total
#   regret than the sized A/B test; the A/B test buys unbiased estimates, intervals and guardrails.
# - Explore-then-commit is an A/B test that decides early: cheaper while it runs, dearer afterwards. Do not
#   confuse it with exploring first and then staying greedy, which keeps learning.
# - Log every assignment's probability, and keep it above a floor: then inverse-propensity weighting gives
#   unbiased estimates (valid intervals need more) and the sample-ratio check works again, batch by batch.
#
# ## Further reading
#
# - J. M. White, *Bandit Algorithms for Website Optimization*, O'Reilly Media, 2012.
# - W. R. Thompson, "On the Likelihood that One Unknown Probability Exceeds Another in View of the Evidence of
#   Two Samples", *Biometrika* 25(3/4), 285–294, 1933.
# - P. Auer, N. Cesa-Bianchi and P. Fischer, "Finite-time Analysis of the Multiarmed Bandit Problem",
#   *Machine Learning* 47, 235–256, 2002.
# - T. L. Lai and H. Robbins, "Asymptotically efficient adaptive allocation rules", *Advances in Applied
#   Mathematics* 6(1), 4–22, 1985.
# - S. Agrawal and N. Goyal, "Analysis of Thompson Sampling for the Multi-armed Bandit Problem", *Proceedings of
#   the 25th Annual Conference on Learning Theory (COLT)*, PMLR 23, 39.1–39.26, 2012; and "Further Optimal Regret
#   Bounds for Thompson Sampling", *Proceedings of the 16th International Conference on Artificial Intelligence
#   and Statistics (AISTATS)*, PMLR 31, 99–107, 2013.
# - E. Kaufmann, N. Korda and R. Munos, "Thompson Sampling: An Asymptotically Optimal Finite-Time Analysis",
#   *Algorithmic Learning Theory (ALT 2012)*, Lecture Notes in Computer Science 7568, 199–213, Springer, 2012.
# - A. Garivier and O. Cappé, "The KL-UCB Algorithm for Bounded Stochastic Bandits and Beyond", *Proceedings of
#   the 24th Annual Conference on Learning Theory (COLT)*, PMLR 19, 359–376, 2011.
# - D. Russo, "Simple Bayesian Algorithms for Best Arm Identification", *Proceedings of the 29th Annual
#   Conference on Learning Theory (COLT)*, PMLR 49, 1417–1418, 2016; full version in *Operations Research*
#   68(6), 1625–1647, 2020.
# - D. J. Russo, B. Van Roy, A. Kazerouni, I. Osband and Z. Wen, "A Tutorial on Thompson Sampling",
#   *Foundations and Trends in Machine Learning* 11(1), 1–96, 2018.
# - T. Lattimore and C. Szepesvári, *Bandit Algorithms*, Cambridge University Press, 2020 (chapter 6:
#   explore-then-commit).
# - A. Garivier, T. Lattimore and E. Kaufmann, "On Explore-Then-Commit Strategies", *Advances in Neural
#   Information Processing Systems 29 (NIPS 2016)*, 784–792, 2016.
# - X. Nie, X. Tian, J. Taylor and J. Zou, "Why Adaptively Collected Data Have Negative Bias and How to Correct
#   for It", *Proceedings of the 21st International Conference on Artificial Intelligence and Statistics
#   (AISTATS)*, PMLR 84, 1261–1269, 2018.
# - D. G. Horvitz and D. J. Thompson, "A Generalization of Sampling Without Replacement from a Finite
#   Universe", *Journal of the American Statistical Association* 47(260), 663–685, 1952.
# - V. Hadad, D. A. Hirshberg, R. Zhan, S. Wager and S. Athey, "Confidence Intervals for Policy Evaluation in
#   Adaptive Experiments", *Proceedings of the National Academy of Sciences* 118(15), e2014602118, 2021.
# - K. W. Zhang, L. Janson and S. A. Murphy, "Inference for Batched Bandits", *Advances in Neural Information
#   Processing Systems 33 (NeurIPS 2020)*, 9818–9829, 2020.
# - A. Fabijan, J. Gupchup, S. Gupta, J. Omhover, W. Qin, L. Vermeer and P. Dmitriev, "Diagnosing Sample
#   Ratio Mismatch in Online Controlled Experiments: A Taxonomy and Rules of Thumb for Practitioners",
#   *Proceedings of the 25th ACM SIGKDD Conference on Knowledge Discovery and Data Mining*, 2156–2164, 2019.
# - R. Kohavi, D. Tang and Y. Xu, *Trustworthy Online Controlled Experiments: A Practical Guide to A/B Testing*,
#   Cambridge University Press, 2020 (chapter 21: sample ratio mismatch and other trust-related guardrail
#   metrics).
#
# ## What's next
#
# The shop's tests take weeks because revenue is noisy. Chapter 05 makes experiments faster and safer:
# variance reduction with the production model's score, heavy tails, and tests you may look at any time.
# Chapter 06 then lets a bandit choose the offer per visitor from the model's score, and uses logged
# propensities, as above, to evaluate a new policy before it runs.
