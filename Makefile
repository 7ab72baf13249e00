# From Prototype to Production: every target creates .venv first when it is missing (or when
# requirements.txt or pyproject.toml changed), with uv when it is on the PATH and venv + pip otherwise.
#
#   make lab        open JupyterLab on chapter 00
#   make test       run the whole test suite (all chapters under nbval, helpers, environment, data)
#   make execute    re-execute every chapter from its source and save the outputs (CHAPTERS="01" for one)
#   make book       execute into build/ and write static HTML pages with an index (build/book/index.html)
#   make measure    execution time and kernel peak memory of each chapter
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

.PHONY: venv lab test execute book measure lint check clean clean-venv

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "The workbook needs Python 3.11 or newer; $(PYTHON) is " + sys.version.split()[0] + ". Run: make PYTHON=python3.11 ...")'
	@if command -v uv >/dev/null 2>&1; then \
		echo "Creating $(VENV) with uv"; \
		uv venv --allow-existing --python $(PYTHON) $(VENV) && \
		uv pip install --python $(PY) -r requirements.txt -e . ; \
	else \
		echo "Creating $(VENV) with venv and pip (install uv to make this much faster)"; \
		$(PYTHON) -m venv $(VENV) && \
		$(PY) -m pip install --quiet --upgrade pip && \
		$(PY) -m pip install --quiet -r requirements.txt -e . ; \
	fi
	@touch $@

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --LabApp.default_url=/lab/tree/chapters/00_start_here.ipynb $(LAB_ARGS)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

execute: $(STAMP)
	$(PY) tools/notebooks.py execute $(CHAPTERS)

book: $(STAMP)
	$(PY) tools/notebooks.py book

measure: $(STAMP)
	$(PY) tools/notebooks.py measure $(CHAPTERS)

check: $(STAMP)
	$(PY) tools/notebooks.py check

lint: $(STAMP)
	$(VENV)/bin/ruff check helpers tests tools chapters/*.py

clean:
	rm -rf build .pytest_cache .ruff_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

clean-venv: clean
	rm -rf $(VENV)
