# %% [markdown]
# # 0. Start here
#
# **You will learn** what this workbook teaches and in which order, how to run it on your laptop, on Binder or
# on a JupyterHub, how to check that your environment is the one the chapters were executed with, and how the
# exercises work.
#
# | prerequisites | time to learn | runs in |
# |---|---|---|
# | Python and pandas basics; a first scikit-learn model | 15 min reading, 20 min exercises | about 2 s on 2 cores (longer on a busy machine) |

# %% [markdown]
# ## What this workbook is about
#
# An analytics team has built a model that predicts, while a visitor is still browsing a web shop, whether the
# visit will end in a purchase. It scores well on a test set. The production team now has to run it inside the
# shop's request path, and the shop wants to act on its predictions: show some visitors a time-limited
# discount. This workbook follows that model from the analysts' notebook to live traffic:
#
# 1. build the best prototype you can, and evaluate it honestly;
# 2. simplify it until it is cheap, predictable and small enough for production, then export it and
#    reimplement it in a few lines that a Go or Java team could port, and prove the copy equal;
# 3. find out what acting on it does to revenue, with A/B tests in a simulated shop where the truth is known;
# 4. go beyond A/B tests with bandit algorithms;
# 5. make experiments faster and safer: less variance, ratio metrics, results you may look at early;
# 6. let a bandit use the model's score, and judge a new policy from logged data before launching it.
#
# The thread through all six: the model with the best offline score is not automatically the one that earns
# the most online, and every part of a system must earn the complexity it adds. The framing follows the closing
# chapter of Müller and Guido's *Introduction to Machine Learning with Python* (O'Reilly, 2016).
#
# ## The chapters
#
# | chapter | what you do | time to learn |
# |---|---|---|
# | 00 Start here | set up, check the environment, try the exercises | 35 min |
# | 01 The prototype | baselines, pipelines, grouped cross-validation, leakage, metrics for 15 % positives, a model card | 100 min |
# | 02 Simplify for production | a measured complexity audit, export, a plain-Python scorer, parity, input contract, drift | 120 min |
# | 03 A/B testing | a simulated shop, power analysis, hash assignment, analysis, sample-ratio checks, peeking | 140 min |
# | 04 Bandits | epsilon-greedy, softmax, UCB1, Thompson sampling; regret; bandit against A/B/n | 110 min |
# | 05 Faster and safer experiments | CUPED and CUPAC, heavy tails, ratio metrics and the delta method, always-valid inference, novelty and interference | 105 min |
# | 06 Contextual bandits and off-policy evaluation | bandits that use the model's score, propensity logging, IPS, SNIPS and doubly robust estimates, a launch decision | 105 min |
#
# Each chapter runs on its own: none reads files that another one wrote, and a chapter that needs an earlier
# chapter's model rebuilds it with a function from `helpers`.

# %% [markdown]
# ## Running the workbook
#
# **On your computer** (Python 3.11 or newer, and `make`): in the workbook's folder, `make lab` creates a
# virtual environment in `.venv` with the pinned packages the first time, then opens JupyterLab on this
# chapter. `make test` runs every check the workbook has. Without `make`, or with conda, the README gives the
# equivalent commands.
#
# **On Binder**: the launch link in the README builds the same environment in your browser, with nothing to
# install. You get about 2 GB of memory, and your changes are lost when the session ends, so download what you
# want to keep.
#
# **On a JupyterHub**: clone the repository in a terminal there and install the pins into your own kernel, as
# the README describes.
#
# Every chapter starts with the same cell: it imports `helpers` and prepares the kernel. It seeds the global
# random generators, makes scikit-learn print estimators as text, sets the style of the figures and prints the
# versions of the main packages in one line.

# %%
import os
import subprocess
import sys

if "google.colab" in sys.modules or "KAGGLE_KERNEL_RUN_TYPE" in os.environ:  # a chapter opened alone there:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet",  # install the workbook's package
                           "prototype-to-production @ git+https://github.com/OWNER/REPOSITORY@v0.2.0"])
import helpers

helpers.setup_notebook()

# %% [markdown]
# The next cell holds the knobs of the chapter. Every chapter has one: `SEED` fixes every random draw, and
# `FAST` shrinks the slow parts for a quick run in a workshop. The tests run each chapter once more with
# another seed in fast mode, so no conclusion may depend on the seed. This chapter's only random draw, the split
# of exercise 0.3, has a fixed seed of its own; its knobs are here so that it behaves like the others.

# %% tags=["parameters"]
SEED = 0      # change it: the conclusions of a chapter must not depend on it
FAST = False  # True runs the slow parts of a chapter with fewer repetitions

# %% [markdown]
# ## Is your environment the right one?
#
# The committed outputs of the chapters were produced with the exact package versions in `requirements.txt`.
# `helpers.check_env()` compares what your kernel has with those pins and says where it runs. It lists the
# packages that decide the chapters' numbers, and any other package that differs from its pin
# (`helpers.check_env(show_all=True)` lists them all). If it warns, your numbers may differ slightly from the ones
# printed in the chapters; the README says how to fix it.

# %%
report = helpers.check_env()

# %% [markdown]
# ## The data
#
# The shop's sessions are real: the *Online Shoppers Purchasing Intention* data set (Sakar and Kastro, 2018, UCI
# Machine Learning Repository, CC BY 4.0), one year of sessions of an online retailer, each by a different
# visitor. `helpers.data.load_sessions()` reads the file, checks its SHA-256 checksum, so that an altered file is
# never analysed by mistake, and gives every column a proper type: counts as integers, durations and rates as
# floats, the month, the visitor type and the integer codes of operating system, browser, region and traffic
# source as categories, and `Weekend` and the target `Revenue` as booleans.

# %%
sessions = helpers.data.load_sessions()
print(f"{len(sessions):,} sessions, {sessions.shape[1]} columns")
sessions.head()

# %% [markdown]
# The column types, as the chapters will use them:

# %%
sessions.dtypes.astype(str).value_counts()

# %% [markdown]
# ## One split for the whole workbook
#
# A model is judged on sessions it has never seen. The workbook sets a quarter of the sessions aside once, as
# the test set, and every chapter uses the same split, so that numbers from different chapters can be compared.
# `helpers.data.fixed_split` stratifies by `Revenue` (both parts keep the same share of purchases) and keeps
# identical rows together on one side, so that the test set holds no copy of a training row. The figure shows
# the share of purchases in each part; the shares are printed below it.

# %%
X_train, X_test, y_train, y_test = helpers.data.fixed_split(sessions)
parts = {"all sessions": sessions["Revenue"], "training set": y_train, "test set": y_test}
shares = {name: float(target.mean()) for name, target in parts.items()}
ax = helpers.plotting.share_bars(shares, {name: len(target) for name, target in parts.items()},
                                 title="Share of sessions that end in a purchase",
                                 ylabel="sessions with a purchase (%)")
print(", ".join(f"{name}: {share:.2%}" for name, share in shares.items()))
helpers.claim(max(shares.values()) - min(shares.values()) < 0.001,
              "the three shares of purchases agree to within 0.1 percentage points")
helpers.claim(max(shares.values()) < 0.2, "fewer than one session in five ends in a purchase")

# %% [markdown]
# *Figure: the share of sessions that end in a purchase, for all sessions, the training set and the test set;
# the three bars have the same height.*

# %% [markdown]
# The three bars have the same height, to within a tenth of a percentage point: the split kept the share of
# purchases. The bars also show how rare purchases are: fewer than one session in five. Keep that in mind for
# chapter 01, where it decides which metrics make sense.
#
# Does the test set really hold no copy of a training row? An inner merge on all columns keeps exactly the test
# rows that have an identical row in the training set (dropping the training set's own repeats first, so that
# each test row is counted once):

# %%
train_rows = X_train.assign(Revenue=y_train)
test_rows = X_test.assign(Revenue=y_test)
copies = test_rows.merge(train_rows.drop_duplicates(), how="inner")
print(f"test sessions with an exact copy in the training set: {len(copies)}")
helpers.claim(len(copies) == 0, "the test set holds no copy of a training row")

# %% [markdown]
# The check confirms it. Exercise 0.3 shows what a split that ignores identical rows does.
#
# **How the test set is used.** No model in this workbook is compared, tuned or chosen on the test set: every
# choice is made with the training set alone. Once chapter 01 has chosen its model, it scores the test set to
# confirm the model's score, and later chapters score it again to confirm other things. A test set that has
# helped to choose would give an optimistic score.

# %% [markdown]
# ## How the exercises work
#
# Each exercise gives you a variable to fill in, `answer_0_1 = ...`, and a check. Run the check as it is and it
# tells you that you have not answered yet. Replace `...` with your answer (what the exercise asks for: usually
# a number, or code that computes it) and run the cell again: the check says whether you are right and, if not,
# what seems to be wrong. Below it, a cell holds the calls for a hint (call it again for the next one) and for a
# solution; uncomment the line you want. The first two exercises are warm-ups; the last two break something on
# purpose, to show what the workbook protects you from.
#
# ### Exercise 0.1
#
# What share of the sessions ended in a purchase? Give a number between 0 and 1, with at least three decimals.

# %%
answer_0_1 = ...  # a share between 0 and 1
helpers.exercises.ch00.q1.check(answer_0_1)

# %%
# helpers.exercises.ch00.q1.hint()
# helpers.exercises.ch00.q1.solution()

# %% [markdown]
# ### Exercise 0.2
#
# Some rows of the table are exact copies of an earlier row. How many rows are such repeats?

# %%
answer_0_2 = ...  # a whole number of rows
helpers.exercises.ch00.q2.check(answer_0_2)

# %%
# helpers.exercises.ch00.q2.hint()
# helpers.exercises.ch00.q2.solution()

# %% [markdown]
# ### Exercise 0.3
#
# Break the split on purpose. The cell below splits the sessions with scikit-learn's `train_test_split`, which
# stratifies by `Revenue` but knows nothing about identical rows. How many rows of its test part have an exact
# copy in its training part?

# %%
from sklearn.model_selection import train_test_split

train_part, test_part = train_test_split(sessions, test_size=0.25, stratify=sessions["Revenue"], random_state=0)
answer_0_3 = ...  # a whole number of test rows
helpers.exercises.ch00.q3.check(answer_0_3)

# %%
# helpers.exercises.ch00.q3.hint()
# helpers.exercises.ch00.q3.solution()

# %% [markdown]
# ### Exercise 0.4
#
# Break the data on purpose, in a copy. The workbook's data file is `helpers.data.SESSIONS_FILE`. Read its
# bytes, change one letter (for example one `Returning_Visitor` spelled `Returning_visitor`), write the result
# to the file `altered` that the cell below names in a new temporary folder, then load that copy with
# `helpers.data.load_sessions(altered)`. Which exception stops you? Give the exception's class, as in
# `answer_0_4 = type(error)`. The original file is never touched.

# %%
import tempfile
from pathlib import Path

altered = Path(tempfile.mkdtemp()) / "sessions.csv"  # write your altered copy here
answer_0_4 = ...  # the class of the exception that load_sessions raises
helpers.exercises.ch00.q4.check(answer_0_4)

# %%
# helpers.exercises.ch00.q4.hint()
# helpers.exercises.ch00.q4.solution()

# %% [markdown]
# ## Starting again
#
# - To run a chapter from scratch, use *Kernel → Restart Kernel and Run All Cells*. Every chapter runs top to
#   bottom in a fresh kernel.
# - To throw away your edits to a chapter and get it back as published: close its tab, run
#   `make restore CHAPTER=03` (with the chapter's number) in a terminal in the workbook's folder, and open it
#   again. On a JupyterHub that gave you the workbook through a link, delete the notebook and click the link
#   again; on Binder, open the launch link again.
# - To rebuild the environment from scratch: `make clean-venv lab`.
#
# ## Key points
#
# - `make lab` sets everything up and opens the workbook; `make test` checks all of it.
# - `helpers.check_env()` tells you whether your packages match the pins behind the committed outputs.
# - The data is real and checked by its checksum; every chapter uses the same train/test split, which keeps
#   identical rows on one side.
# - Models are chosen without the test set; afterwards it is used to confirm, never to choose.
# - Exercises run without an answer; `check()`, `hint()` and `solution()` are one call away.
#
# ## Further reading
#
# - A. C. Müller and S. Guido, *Introduction to Machine Learning with Python: A Guide for Data Scientists*,
#   O'Reilly Media, 2016; chapter 8, "Wrapping Up", on going from prototype to production and testing
#   production systems.
# - D. Sculley, G. Holt, D. Golovin, E. Davydov, T. Phillips, D. Ebner, V. Chaudhary and M. Young, "Machine
#   Learning: The High Interest Credit Card of Technical Debt", *SE4ML: Software Engineering for Machine
#   Learning* (NIPS 2014 Workshop), 2014.
# - C. O. Sakar, S. O. Polat, M. Katircioglu and Y. Kastro, "Real-time prediction of online shoppers' purchasing
#   intention using multilayer perceptron and LSTM recurrent neural networks", *Neural Computing and
#   Applications* 31, 6893–6908, 2019. The data: C. Sakar and Y. Kastro, "Online Shoppers Purchasing Intention
#   Dataset", UCI Machine Learning Repository, 2018, DOI 10.24432/C5F88Q.
#
# ## What's next
#
# Chapter 01 builds the analytics team's prototype: baselines, pipelines, cross-validation and metrics that suit
# a target where only about one session in six is positive.
