# spectral_nb: two commands on a fresh machine.
#   make book   set up, fetch data, execute every chapter, build the HTML book in _build/html
#   make test   set up, fetch data, lint, unit tests, nbval over every chapter (smoke), book build
#               and the headless-browser check
# Other targets: make data | bench | lint | clean.  PROFILE=quick|paper|auto chooses the
# book's parameter profile (default auto: paper records if present, else quick).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PROFILE ?= auto

# Inline figures: an inherited MPLBACKEND=Agg would leave notebooks without images.
unexport MPLBACKEND
export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONHASHSEED := 0

.PHONY: all setup data test unit lint nbval book book-html browser-check bench clean

all: test

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[book,dev]"
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (spectral_nb)" >/dev/null
	touch $@

data: $(STAMP)
	$(PY) -m spectral_nb.data fetch all

lint: $(STAMP)
	$(PY) -m ruff check spectral_nb tests tools

unit: $(STAMP) data
	$(PY) -m pytest -q tests

nbval: $(STAMP) data
	SPECTRAL_NB_PROFILE=smoke $(PY) -m pytest -q -p no:cacheprovider --nbval-lax \
		--nbval-current-env --nbval-cell-timeout=900 book

test: lint unit nbval
	SPECTRAL_NB_PROFILE=smoke $(MAKE) --no-print-directory book-html PROFILE=smoke
	$(PY) tools/browser_check.py _build/html --screenshots _build/screenshots

book: $(STAMP) data
	$(MAKE) --no-print-directory book-html PROFILE=$(PROFILE)

book-html: $(STAMP)
	$(PY) tools/build_book.py --profile $(PROFILE)

bench: $(STAMP) data
	$(PY) -m spectral_nb.experiments.bench

clean:
	rm -rf _build .pytest_cache .ruff_cache
