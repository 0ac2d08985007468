# Quick start: `make run` serves the app, `make test` runs every test. Both set up what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup run test lint browser postgres redis nginx bench load mutation clean messages

setup: $(VENV)/.installed node_modules/.installed translations/en/LC_MESSAGES/messages.mo

# uv installs the same packages from PyPI as pip would, for a tenth of pip's CPU time (docs/decisions/0024).
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --system-certs --python $(BIN)/python -e '.[test]' \
	  || $(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'  # where uv cannot reach PyPI: pip's own settings
	touch $@

# The message catalogues (translations/*/LC_MESSAGES/messages.po) compiled for the app.
translations/en/LC_MESSAGES/messages.mo: translations/en/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -d translations -D messages --statistics

# After changing user-facing text: refresh the catalogue, then translate the new entries in messages.po.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 --no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -D messages --no-fuzzy-matching --ignore-obsolete

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Debian's Chromium, driven by Playwright in the browser tests (Playwright's own download is not used).
browser:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

# Debian's PostgreSQL and PostGIS: the tests start their own throwaway cluster from them (nothing needs to run).
postgres:
	@ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	  || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql postgresql-postgis postgis; }

# Debian's Redis: the test of rate limits shared by several processes starts its own throwaway redis-server.
redis:
	@command -v redis-server >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq redis-server; }

# Debian's nginx: the tests of the reverse proxy start it with deploy/nginx/geo-registry.conf in a temporary folder.
nginx:
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nginx; }

# The web server and the background worker together, as the Procfile names them (honcho: Ctrl-C stops both,
# running requests first); the database is created or upgraded before either starts.
run: setup
	$(BIN)/geo-registry init-db
	PATH="$(CURDIR)/$(BIN):$$PATH" HOST=$(HOST) $(BIN)/honcho --procfile Procfile start --port $(PORT)

# The code's own checks: lint and formatting (ruff), types (mypy). `$(BIN)/ruff format .` formats. The layers'
# contract (import-linter) runs with the tests (tests/test_layers.py).
lint: setup
	$(BIN)/ruff check --quiet .
	$(BIN)/ruff format --check --quiet .
	$(BIN)/mypy

# Every test, on every core (pytest-xdist: each worker has its own databases, servers and Chromium; tests marked
# xdist_group stay on one worker), the 15 slowest listed at the end. `make test TEST_WORKERS=0` runs them in one
# process; `$(BIN)/pytest -m "not browser and not slow"` is the quick loop while working.
TEST_WORKERS ?= auto
test: setup browser postgres redis nginx lint
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadgroup --durations=15

# The benchmark: a table of figures and one verdict line per row with a target (`make bench | grep ^verdict`);
# the default run takes under 10 minutes on 2 cores, `make bench BENCH=--full` every anchor and repetition.
BENCH ?=
bench: setup postgres
	@command -v wrk >/dev/null && command -v valgrind >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk valgrind; }
	$(BIN)/python bench/benchmark.py $(BENCH)

# Load test: lookups, joins and registrations for 30 s against 2 worker processes on PostgreSQL + PostGIS (a
# throwaway cluster) and 1 process on SQLite; no errors, no lost or doubled mail. Figures in docs/benchmarks.md.
load: setup postgres
	$(BIN)/python bench/load.py

# The mutation-testing benchmark (mutmut, fast tests only): share of mutants killed per module, and the survivors.
# Slow (hours on 2 shared cores); not part of `make test`. `bench/mutation.py --report` reprints the last run;
# `make mutation MUTANTS="geo_registry.domain.tokens.*"` runs (again) only the mutants matching those names or globs.
mutation: setup
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test,mutation]'
	$(BIN)/python bench/mutation.py $(MUTANTS)

clean:
	rm -rf $(VENV) node_modules .pytest_cache mutants
