# jctgov: `make run` starts everything on the embedded default; `make test` runs the whole suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run test test-fast test-ci-script lint format bench bench-load compile check clean

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	@$(PY) -c 'import sys; assert sys.version_info >= (3, 11), "jctgov needs Python 3.11+"'
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

# `npm install`, not `npm ci`: npm 11's ci refuses a lock that (rightly) lacks the other
# platforms' optional Anvil binaries; install still pins every version from the lock.
node_modules/.installed: package.json package-lock.json
	npm install --no-audit --no-fund --loglevel=error
	@touch $@

run: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py up

test: install
	$(BIN)/python .ci/ensure_chromium.py
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not browser and not worker"

# The tests of .ci/run itself (they run it, so `make test` leaves them out: see tests/conftest.py).
test-ci-script: install
	$(BIN)/pytest -m ci_script

# CI runs this before the tests (.ci/run). mypy's settings are in pyproject.toml ([tool.mypy]).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	DJANGO_DEBUG=1 $(BIN)/python manage.py check

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

compile: install
	npm run --silent compile

bench: install
	$(BIN)/python bench/snapshot.py
	$(BIN)/python bench/votes.py
	$(BIN)/python bench/matching.py
	$(BIN)/python bench/notify.py

# HTTP load against a production-like stack on loopback (PostgreSQL + Redis of this machine:
# BENCH_DATABASE_URL, BENCH_BROKER_URL, BENCH_CACHE_URL; see bench/stack.py).
bench-load: install
	$(BIN)/python bench/load.py

clean:
	rm -rf var staticfiles .pytest_cache
