# The two commands of the README:
#   make demo   set up (if needed), then generate, train, score and evaluate the demo portfolio
#   make test   set up (if needed), then run the whole test suite
# Set-up creates .venv with Python 3.12 and installs the exact versions of requirements.lock.

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Python 3.12: on PATH, or from pyenv (whose shim only works when 3.12 is selected).
PY312 := $(firstword $(foreach c,python3.12 $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) /usr/local/bin/python3.12 /usr/bin/python3.12,$(shell $(c) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1 && echo $(c))))

.PHONY: demo test setup bench lint clean help chromium wrk screenshots

# Debian's Chromium renders the audit report in the test suite (tests/reports/test_render.py).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

help:
	@echo "make demo   - run the demo (generate, train, score, evaluate)"
	@echo "make test   - run the test suite"
	@echo "make bench  - print training time, scoring throughput and memory"
	@echo "make lint   - ruff"

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@if [ -z "$(PY312)" ]; then echo "error: Python 3.12 not found (tried python3.12 and pyenv)"; exit 1; fi
	@test -x $(BIN)/python || $(PY312) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/riskmodel demo

# One test process per core; a module's tests (and its fixtures) stay in one process.
test: $(STAMP) chromium wrk node_modules
	@url=$$(bash scripts/setup_postgres.sh) && \
	  RISKMODEL_TEST_POSTGRES=$$url $(BIN)/python -m pytest --numprocesses auto --dist loadfile

# Debian's Chromium renders the audit report and drives the workbench's browser tests; Noto CJK
# draws their Korean (without it, Hangul shows as boxes in the screenshots).
chromium:
	@{ command -v chromium >/dev/null 2>&1 && [ -d /usr/share/fonts/opentype/noto ]; } || { \
	  echo "installing Debian's chromium and fonts-noto-cjk (for the browser tests)"; \
	  $(SUDO) apt-get install -y --no-install-recommends chromium fonts-noto-cjk >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -qq && \
	    $(SUDO) apt-get install -y --no-install-recommends chromium fonts-noto-cjk; }; }

# htmx (shipped in riskmodel/service/static) and axe-core (the accessibility tests), from npm at
# the versions of package-lock.json.
node_modules: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch node_modules

# A local PostgreSQL server for the register's tests (tests/register, tests/service): installs and
# starts Debian's postgresql if needed and prints the URL for RISKMODEL_TEST_POSTGRES (make test
# runs it and sets the variable).
.PHONY: postgres
postgres:
	bash scripts/setup_postgres.sh

# Debian's wrk drives the service's load benchmark (scripts/bench_service.py and its test).
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "installing Debian's wrk (for the service's load benchmark)"; \
	  $(SUDO) apt-get install -y --no-install-recommends wrk >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y --no-install-recommends wrk; }; }

bench: $(STAMP) wrk
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/bench_large_file.py
	$(BIN)/python scripts/bench_statements.py
	$(BIN)/python scripts/bench_speed.py
	$(BIN)/python scripts/bench_service.py
	$(BIN)/python scripts/bench_monitoring.py

# The workbench's screenshots in docs/screenshots (README), taken by its browser tests.
screenshots: $(STAMP) chromium node_modules
	RISKMODEL_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q -n 0 \
	  tests/service/test_workbench_browser.py

lint: $(STAMP)
	$(BIN)/ruff check riskmodel scripts tests

clean:
	rm -rf $(VENV) data/raw/demo-* models/demo reports/demo .pytest_cache
