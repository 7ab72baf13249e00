"""Interactive explorers. Each wraps a pure, tested function and has a static figure next to it in the chapter.

They need a running kernel; on a static page, the figure beside each explorer shows the same function.
"""

from __future__ import annotations

import math

import ipywidgets as widgets

from helpers import abtest

#: What an explorer shows where no kernel runs it (the committed notebook on GitHub, a static page).
#: (at most 110 characters: ipywidgets cuts longer text).
EXPLORER_NOTE = ("[Interactive explorer: run the chapter in Jupyter to use it;"
                 " the static figure beside it shows the same.]")


class Explorer(widgets.interactive):
    """An ipywidgets ``interactive`` whose text form is a short note instead of a list of its controls.

    A notebook viewed without a kernel shows a widget's text form; ``interactive``'s own is a long
    ``interactive(children=(FloatSlider(...`` that tells a reader nothing.
    """

    def __repr__(self) -> str:
        return EXPLORER_NOTE


def describe_sample_size(baseline_percent: float, lift_points: float, power: float, alpha: float,
                         visitors_per_day: int) -> str:
    """The text the power explorer shows: visitors per arm and whole weeks, for a rise of the conversion rate.

    Parameters
    ----------
    baseline_percent : float
        The control's conversion rate, in percent (0 < baseline_percent < 100).
    lift_points : float
        The absolute rise to detect, in percentage points (baseline_percent + lift_points < 100).
    power, alpha : float
        Power and two-sided significance level, each strictly between 0 and 1.
    visitors_per_day : int
        Eligible visitors a day, both arms together.

    Returns
    -------
    str
        Visitors per arm and in all, the days that takes, and the whole weeks to run (a test runs whole weeks).
        It sizes the conversion rate only; a revenue OEC needs its own, usually larger, sample size.
    """
    if not 0 < baseline_percent < 100:
        raise ValueError(f"baseline_percent must lie strictly between 0 and 100, got {baseline_percent!r}")
    if not 0 < lift_points < 100 - baseline_percent:
        raise ValueError(f"lift_points must be positive and keep baseline_percent + lift_points below 100, got "
                         f"{lift_points!r}")
    if isinstance(visitors_per_day, bool) or not isinstance(visitors_per_day, int) or visitors_per_day < 1:
        raise ValueError(f"visitors_per_day must be a positive integer, got {visitors_per_day!r}")
    n = abtest.sample_size_per_arm(baseline_percent / 100, lift_points / 100, alpha=alpha, power=power)
    days = math.ceil(2 * n / visitors_per_day)
    weeks = math.ceil(days / 7)
    return (f"conversion {baseline_percent:.1f} % -> {baseline_percent + lift_points:.1f} % (power {power:.0%}, "
            f"alpha {alpha:g}): {n:,} visitors per arm, {2 * n:,} in all = {days} day(s) at {visitors_per_day:,} "
            f"a day, so run {weeks} whole week(s). This sizes conversion only, not revenue (the OEC).")


def power_explorer(visitors_per_day: int = 6_000) -> widgets.Widget:
    """Sliders for baseline rate (%), detectable lift (points), power and alpha; shows the sample size and the
    whole weeks it takes."""
    return Explorer(
        lambda baseline_percent, lift_points, power, alpha: print(
            describe_sample_size(baseline_percent, lift_points, power, alpha, visitors_per_day)),
        baseline_percent=widgets.FloatSlider(value=5.0, min=1.0, max=50.0, step=0.5, description="baseline (%)"),
        lift_points=widgets.FloatSlider(value=0.5, min=0.1, max=5.0, step=0.1, description="lift (points)"),
        power=widgets.FloatSlider(value=0.8, min=0.5, max=0.95, step=0.05, description="power"),
        alpha=widgets.SelectionSlider(options=[0.001, 0.01, 0.05, 0.1], value=0.05, description="alpha"),
    )


def describe_peeking(n_looks: int, design: str, seed: int = 0) -> str:
    """The text the peeking explorer shows: the simulated false-positive rate of a design."""
    bounds = None if design == "naive (1.96 every look)" else abtest.sequential_bounds(
        n_looks, kind="pocock" if design == "Pocock" else "obrien-fleming")
    rate, se = abtest.peeking_false_positive_rate(n_looks, 5_000, 0.15, 2_000, seed, bounds=bounds)
    return f"{design}, {n_looks} look(s): {rate:.1%} of A/A tests declared significant (± {se:.1%})"


def peeking_explorer() -> widgets.Widget:
    """Sliders for the number of looks and the design; shows the false-positive rate of 2,000 A/A tests."""
    return Explorer(
        lambda n_looks, design: print(describe_peeking(n_looks, design)),
        n_looks=widgets.IntSlider(value=5, min=1, max=20, description="looks"),
        design=widgets.Dropdown(options=["naive (1.96 every look)", "Pocock", "O'Brien-Fleming"],
                                description="design"),
    )


def bandit_probability_best(algorithm: str, parameter: float, best_mean: float, other_mean: float,
                            horizon: int = 250, n_simulations: int = 1_000, seed: int = 0):
    """The curve the bandit playground draws: probability of playing the best of five arms at each step."""
    from helpers import bandits

    policies = {"epsilon-greedy": lambda: bandits.EpsilonGreedy(parameter),
                "softmax": lambda: bandits.Softmax(parameter),
                "UCB1": bandits.UCB1, "Thompson sampling": bandits.ThompsonSampling}
    if algorithm not in policies:
        raise ValueError(f"algorithm must be one of {list(policies)}, got {algorithm!r}")
    if not 0 <= other_mean < best_mean <= 1:
        raise ValueError(f"need 0 <= other_mean < best_mean <= 1 (the best arm must be best), got best_mean "
                         f"{best_mean!r}, other_mean {other_mean!r}")
    arms = [other_mean] * 4 + [best_mean]
    return bandits.simulate(policies[algorithm](), arms, horizon, n_simulations, seed).prob_best()


def bandit_parameter_name(algorithm: str) -> str | None:
    """The name of the playground algorithm's parameter ("epsilon", "temperature"), None when it has none."""
    names = {"epsilon-greedy": "epsilon", "softmax": "temperature", "UCB1": None, "Thompson sampling": None}
    if algorithm not in names:
        raise ValueError(f"algorithm must be one of {list(names)}, got {algorithm!r}")
    return names[algorithm]


def bandit_title(algorithm: str, parameter: float, best_mean: float, other_mean: float,
                 n_simulations: int | None = None) -> str:
    """The playground figure's title: the algorithm, its parameter if it has one, and the arms, rounded; with
    ``n_simulations``, a second line saying how many simulations the curve averages."""
    name = bandit_parameter_name(algorithm)
    setting = f" ({name} {parameter:.2f})" if name else ""
    title = f"{algorithm}{setting}: best arm {best_mean:.2f}, four others {other_mean:.2f}"
    if n_simulations is None:
        return title
    if isinstance(n_simulations, bool) or not isinstance(n_simulations, int) or n_simulations < 1:
        raise ValueError(f"n_simulations must be a positive integer or None, got {n_simulations!r}")
    return f"{title}\naverage of {n_simulations:,} simulations"


def bandit_playground() -> widgets.Widget:
    """Choose an algorithm, its parameter (epsilon or temperature) and the arms; see how fast it learns.

    The parameter slider is disabled for UCB1 and Thompson sampling, which have none, and the other arms' slider
    stays below the best arm's."""
    import matplotlib.pyplot as plt

    runs = 1_000

    def draw(algorithm, parameter, best_mean, other_mean):
        curve = bandit_probability_best(algorithm, parameter, best_mean, min(other_mean, best_mean - 0.05),
                                        n_simulations=runs)
        fig, ax = plt.subplots()
        ax.plot(range(1, len(curve) + 1), curve)
        ax.set_ylim(0, 1)
        ax.set_xlabel("step")
        ax.set_ylabel("probability of playing the best arm")
        ax.set_title(bandit_title(algorithm, parameter, best_mean, min(other_mean, best_mean - 0.05), runs))
        plt.show()

    wide = {"description_width": "8em"}  # room for "temperature", the longest description
    explorer = Explorer(
        draw,
        algorithm=widgets.Dropdown(options=["epsilon-greedy", "softmax", "UCB1", "Thompson sampling"],
                                   description="algorithm", style=wide),
        parameter=widgets.FloatSlider(value=0.1, min=0.01, max=1.0, step=0.01, description="epsilon", style=wide),
        best_mean=widgets.FloatSlider(value=0.9, min=0.05, max=1.0, step=0.05, description="best arm", style=wide),
        other_mean=widgets.FloatSlider(value=0.1, min=0.0, max=0.85, step=0.05, description="other arms",
                                       style=wide),
    )
    algorithm, parameter, best, other = explorer.children[:4]

    def follow_algorithm(change=None):
        name = bandit_parameter_name(algorithm.value)
        parameter.description, parameter.disabled = (name or "(none)"), name is None

    def follow_best(change=None):
        other.max = round(best.value - 0.05, 2)

    algorithm.observe(follow_algorithm, names="value")
    best.observe(follow_best, names="value")
    follow_algorithm()
    return explorer
