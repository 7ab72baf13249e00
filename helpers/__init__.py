"""helpers: the small library behind the workbook *From Prototype to Production*.

Plumbing lives here, tested, so that the chapters can keep to what they teach:

- :mod:`helpers.data` loads and checks the sessions and makes the workbook's one train/test split;
- :mod:`helpers.prototype` rebuilds chapter 01's final model for the later chapters;
- :mod:`helpers.production` builds and exports chapter 02's production model; :mod:`helpers.scorer` scores
  it in plain Python;
- :mod:`helpers.simulate` is chapter 03's simulated shop, :mod:`helpers.abtest` its experiment tools and
  :mod:`helpers.widgets` the interactive explorers;
- :mod:`helpers.bandits` holds chapter 04's bandit policies and their vectorised simulation engine;
- :mod:`helpers.contextual` holds chapter 06's contextual bandits and their engine, which logs propensities;
  :mod:`helpers.ope` estimates a policy's value from such a log (off-policy evaluation);
- :mod:`helpers.experiments` holds chapter 05's simulations (visitors with several sessions, novelty,
  interference, varying traffic, continuous monitoring);
- :mod:`helpers.plotting` holds the figure style and the chapters' plotting functions;
- :mod:`helpers.exercises` gives every exercise ``check()``, ``hint()`` and ``solution()``;
- :func:`claim` checks a chapter's claim in one line (silent when it holds);
- :func:`setup_notebook` prepares a chapter's kernel, :func:`check_env` compares the installed packages with
  the pins.
"""

from __future__ import annotations

__version__ = "0.2.0"

from helpers import (
    abtest,
    bandits,
    contextual,
    data,
    exercises,
    experiments,
    ope,
    plotting,
    production,
    prototype,
    scorer,
    simulate,
    widgets,
)
from helpers.claims import ClaimBroken, claim
from helpers.env import check_env
from helpers.notebook import progress, setup_notebook

__all__ = ["ClaimBroken", "__version__", "abtest", "bandits", "check_env", "claim", "data", "exercises",
           "experiments", "plotting", "production",
           "progress", "prototype", "scorer", "setup_notebook", "simulate", "widgets",
           "contextual", "ope"]
