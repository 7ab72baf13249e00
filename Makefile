# From Prototype to Production: every target creates .venv first when it is missing (or when
# requirements.txt or pyproject.toml changed), with uv when it is on the PATH and venv + pip otherwise.
#
#   make lab        open JupyterLab on chapter 00
#   make test       run the whole test suite (all chapters under nbval, helpers, environment, data)
#   make execute    re-execute every chapter from its source and save the outputs (CHAPTERS="01" for one)
#   make book       execute into build/ and write static HTML pages with an index (build/book/index.html)
#   make measure    execution time, kernel peak memory and CPU of each chapter, beside its budget (CELLS=3: and
#                   each chapter's three slowest cells, a profile)
#   make doctor     check this machine for a workshop in seconds (Python, packages, data, kernel, widgets)
#   make hub-link   an nbgitpuller link for a JupyterHub class: HUB=https://… REPO=https://… [CHAPTER=03]
#   make platforms  check that the pins install from wheels on every supported platform and Python (network)
#   make radar      the newest release of every dependency, unpinned: tests and chapters (network) -> build/radar.md
#   make mutants    mutation testing of the helpers that hold logic (MODULES="abtest scorer" for some) -> build/mutants.md
#   make soak       execute chapter 00 many times (RUNS=300) and count hangs
#   make restore    put a chapter's notebook back as published: CHAPTER=03 (throws away your edits)
#   make lint       ruff over helpers, tests, tools and the chapter sources
#   make clean      remove build/ and caches;  make clean-venv  remove .venv as well

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
CHAPTERS ?=
LAB_ARGS ?=
PYTEST_ARGS ?=

# Executed runs (execute, book, measure, test) set their own environment: no progress bars, one OpenMP
# thread, BLAS capped (EXECUTION_ENV in tools/notebooks.py). `make lab` keeps progress bars for the reader.

# uv: used when on the PATH; otherwise bootstrapped once from PyPI into .tools/uv (a private copy, nothing else
# on the machine changes); when that fails too, venv + pip install the same pins.
UV_HOME := .tools/uv
# `make venv USE_UV=0` forces venv + pip. uv compiles the packages' bytecode at install time, as pip does: where
# Python may not write .pyc files (PYTHONDONTWRITEBYTECODE, read-only installs) every kernel would otherwise
# compile numpy, pandas and scikit-learn again at each start.
USE_UV ?= 1
UV := $(if $(filter 1,$(USE_UV)),$(shell command -v uv 2>/dev/null),)

.PHONY: venv lab test execute book measure lint check clean clean-venv platforms radar mutants soak doctor hub-link restore

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "The workbook needs Python 3.11 or newer; $(PYTHON) is " + sys.version.split()[0] + ". Run: make PYTHON=python3.11 ...")'
	@uv="$(UV)"; \
	if [ "$(USE_UV)" = 1 ] && [ -z "$$uv" ] && [ ! -x $(UV_HOME)/bin/uv ]; then \
		echo "uv is not on the PATH: fetching a private copy into $(UV_HOME) (a few seconds)"; \
		$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(UV_HOME) uv >/dev/null 2>&1 \
			|| echo "Could not fetch uv; falling back to venv and pip (slower, same pins)"; \
	fi; \
	if [ "$(USE_UV)" = 1 ] && [ -z "$$uv" ] && [ -x $(UV_HOME)/bin/uv ]; then uv=$(UV_HOME)/bin/uv; fi; \
	if [ -n "$$uv" ]; then \
		echo "Creating $(VENV) with uv ($$uv)"; \
		$$uv venv --quiet --seed --allow-existing --python $(PYTHON) $(VENV) && \
		$$uv pip install --quiet --compile-bytecode --python $(PY) -r requirements.txt -e . ; \
	else \
		echo "Creating $(VENV) with venv and pip (install uv to make this much faster)"; \
		$(PYTHON) -m venv $(VENV) && \
		$(PY) -m pip install --quiet --upgrade pip && \
		$(PY) -m pip install --quiet -r requirements.txt -e . ; \
	fi
	@# The workbook's own package in bytecode too (an editable install is not compiled; Python would compile it
	@# at every start where PYTHONDONTWRITEBYTECODE is set, and once on first import elsewhere)
	@$(PY) -m compileall -q helpers
	@# JupyterLab without its news pop-up (and without asking the internet for updates) for this workbook only
	@mkdir -p $(VENV)/share/jupyter/lab/settings && cp tools/lab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $@

lab: $(STAMP)
	OMP_NUM_THREADS=1 $(VENV)/bin/jupyter lab --LabApp.default_url=/lab/tree/chapters/00_start_here.ipynb $(LAB_ARGS)

# Two workers (pytest-xdist): a chapter's cells stay together in one worker (conftest.py schedules), so nbval runs
# them in order in one kernel; the slow tests (fast runs, browser) go one by one to whichever worker is free.
TEST_WORKERS ?= 2

test: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

execute: $(STAMP)
	$(PY) tools/notebooks.py execute $(CHAPTERS)

book: $(STAMP)
	$(PY) tools/notebooks.py book

CELLS ?= 0
measure: $(STAMP)
	$(PY) tools/notebooks.py measure $(CHAPTERS) --cells $(CELLS)

MODULES ?=
mutants: $(STAMP)
	$(PY) tools/mutants.py $(MODULES)

HUB ?=
REPO ?=
hub-link: $(STAMP)
	@$(PY) tools/hub_link.py --hub "$(HUB)" --repo "$(REPO)" $(if $(CHAPTER),--chapter $(CHAPTER),)

# No dependency on the virtual environment: the doctor must also speak when .venv is missing or broken.
doctor:
	@if [ -x $(PY) ]; then $(PY) tools/doctor.py; else $(PYTHON) tools/doctor.py; fi

platforms: $(STAMP)
	$(PY) tools/platforms.py

radar: $(STAMP)
	$(PY) tools/radar.py

RUNS ?= 300
soak: $(STAMP)
	$(PY) tools/soak.py --runs $(RUNS)

CHAPTER ?=
restore: $(STAMP)
	@$(PY) tools/notebooks.py restore $(CHAPTER)

check: $(STAMP)
	$(PY) tools/notebooks.py check

lint: $(STAMP)
	$(VENV)/bin/ruff check conftest.py helpers tests tools sources

clean:
	rm -rf build .pytest_cache .ruff_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

clean-venv: clean
	rm -rf $(VENV)
