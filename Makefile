# spectral_nb: two commands on a fresh machine.
#   make book   set up, fetch data, execute every chapter, build the HTML book in _build/html
#               and each chapter's Colab notebook in _build/colab
#   make test   set up, fetch data, lint, the sdist and wheel built and checked, unit tests, the
#               layer tests under every Keras backend, nbval over every chapter (smoke), book
#               build, the headless-browser check and the Colab rehearsal
# Other targets: make data | bench | bench-cluster | lint | dist | unit | backends | nbval |
# book-html | browser-check | chromium | colab-check | clean.  PROFILE=smoke|quick|paper|auto
# chooses the book's parameter profile (default auto: paper records if present, else quick).

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

.PHONY: all setup data test unit backends lint dist nbval book book-html browser-check chromium \
	colab-check bench bench-cluster clean

all: test

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[book,dev,cluster]"
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (spectral_nb)" >/dev/null
	touch $@

data: $(STAMP)
	$(PY) -m spectral_nb.data fetch all

lint: $(STAMP)
	$(PY) -m ruff check spectral_nb tests tools
	$(VENV)/bin/actionlint .github/workflows/*.yml

unit: $(STAMP) data
	$(PY) -m pytest -q tests

# The sdist and the wheel, as the release workflow builds them, into _build/dist (emptied first),
# then twine's check of their metadata and README rendering.
DIST_DIR := _build/dist

dist: $(STAMP)
	rm -rf $(DIST_DIR)
	$(PY) -m build --quiet --outdir $(DIST_DIR) .
	$(PY) -m twine check --strict $(DIST_DIR)/*

# The backend-neutral tests (tests/backends) once per Keras backend: TensorFlow, JAX, and
# PyTorch when it is installed (skipped with the reason otherwise).
backends: $(STAMP)
	$(PY) tests/backends/run.py

# Every page of the book that is a notebook.
NOTEBOOKS = $(sort $(wildcard book/*.ipynb))

nbval: $(STAMP) data
	SPECTRAL_NB_PROFILE=smoke $(PY) -m pytest -q -p no:cacheprovider --nbval-lax \
		--nbval-current-env --nbval-cell-timeout=900 $(NOTEBOOKS)

test: lint dist unit backends nbval
	SPECTRAL_NB_PROFILE=smoke $(MAKE) --no-print-directory book-html PROFILE=smoke
	$(MAKE) --no-print-directory browser-check
	$(MAKE) --no-print-directory colab-check

book: $(STAMP) data
	$(MAKE) --no-print-directory book-html PROFILE=$(PROFILE)

book-html: $(STAMP)
	$(PY) tools/build_book.py --profile $(PROFILE)

# Headless-Chromium check of the built pages (images, math, links) with a screenshot per page.
browser-check: $(STAMP) chromium
	$(PY) tools/browser_check.py _build/html --screenshots _build/screenshots

# Installs Debian's chromium for the browser check where that is possible (root with apt-get);
# never fails: without a browser the check reports SKIPPED for its rendered part.
CHROMIUM_LOG := _build/chromium-install.log
chromium:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
		|| command -v google-chrome >/dev/null 2>&1; then \
		echo "chromium: found"; \
	elif [ "$$(id -u)" != 0 ]; then \
		echo "chromium: not installed and not root, so not installing it (Debian: apt-get install chromium); the browser check will be skipped"; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
		echo "chromium: not installed and no apt-get to install it; the browser check will be skipped"; \
	else \
		mkdir -p $(dir $(CHROMIUM_LOG)); \
		echo "chromium: installing the Debian package with apt-get (log: $(CHROMIUM_LOG))"; \
		export DEBIAN_FRONTEND=noninteractive; \
		if apt-get install -y --no-install-recommends chromium >$(CHROMIUM_LOG) 2>&1 \
			|| { apt-get update >>$(CHROMIUM_LOG) 2>&1 \
				&& apt-get install -y --no-install-recommends chromium >>$(CHROMIUM_LOG) 2>&1; }; then \
			echo "chromium: installed"; \
		else \
			echo "chromium: apt-get could not install it (offline? see $(CHROMIUM_LOG)); the browser check will be skipped"; \
		fi; \
	fi

# A Colab rehearsal on every stack of tools/colab_stacks/ (Colab's published pip freeze on three
# dates, the oldest being the lowest supported; a fresh venv of Python 3.12 or 3.13 each): a
# chapter's generated Colab notebook runs with its install cell against this checkout; fails if
# pip freeze changed, or the notebook shows MyST or numbers other than the web page's.
colab-check: $(STAMP) data
	$(PY) tools/colab_check.py

bench: $(STAMP) data
	$(PY) -m spectral_nb.experiments.bench
	$(PY) -m spectral_nb.cnn.bench
	$(MAKE) --no-print-directory bench-cluster

# Runs per minute serial vs Ray on this machine, side by side, and the cluster's scaling.
bench-cluster: $(STAMP) data
	$(PY) -m spectral_nb.experiments.bench.cluster_speed
	$(PY) -m spectral_nb.experiments.bench.cluster_speed --scaling

clean:
	rm -rf _build .pytest_cache .ruff_cache
