# Hongfan developer tasks. `make run` for a local server with demo data, `make test` for
# lint + the whole test suite (PostgreSQL included when a server answers on 127.0.0.1:5432).

PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Two install sets: what serving needs (make run, make schema) and that plus the test tools
# (make test, make venv). pip's own output goes to stderr, so `make schema > file` is clean.
BASE_STAMP := $(VENV)/.installed-base
TEST_STAMP := $(VENV)/.installed-test
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check
# e.g. PYTEST_ARGS="-n 2 --dist loadfile" runs the tests in two processes (pytest-xdist),
# each with its own PostgreSQL database (tests/conftest.py)
PYTEST_ARGS ?=
BENCH_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv venv-base browser run test lint schema bench clean

help:
	@echo "make run     install what serving needs, create + migrate the database, load the demo data if empty, serve"
	@echo "make test    install the test tools too; ruff, mypy, import contracts, pytest (PostgreSQL too when a server answers)"
	@echo "make venv    create $(VENV) (Python >= 3.11 from PY=$(PY)) and install Hongfan with the test tools"
	@echo "make browser install chromium + fonts-wqy-microhei for the admin browser tests (apt-get, when possible)"
	@echo "make schema  print the GraphQL SDL (and nothing else: make schema > graph/schema.graphql)"
	@echo "make bench   run the benchmarks (BENCH_ARGS=--quick for a smoke test; see bench/README.md)"
	@echo "make clean   remove caches and build output (keeps $(VENV) and the database)"

venv: $(TEST_STAMP)
venv-base: $(BASE_STAMP)

$(BIN)/python:
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Hongfan needs Python >= 3.11; $(PY) is $$($(PY) --version 2>&1). Try: make PY=python3.11" >&2; exit 1; }
	@echo "creating $(VENV) with $$($(PY) --version)" >&2
	@$(PY) -m venv "$(VENV)" >&2

# Each set reinstalls only when pyproject.toml is newer than its stamp (or the venv is new).
$(BASE_STAMP): pyproject.toml | $(BIN)/python
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "$(VENV) has $$($(BIN)/python --version 2>&1); Hongfan needs >= 3.11: rm -rf $(VENV)" >&2; exit 1; }
	@echo "installing Hongfan into $(VENV) (what serving needs)" >&2
	@$(PIP_INSTALL) -e . >&2
	@touch "$(BASE_STAMP)"

$(TEST_STAMP): pyproject.toml $(BASE_STAMP)
	@echo "installing the test tools into $(VENV)" >&2
	@$(PIP_INSTALL) -e '.[test]' >&2
	@touch "$(TEST_STAMP)"

# db upgrade creates the database first when it does not exist (PostgreSQL; SQLite: the file).
run: $(BASE_STAMP)
	$(BIN)/hongfan db upgrade
	$(BIN)/hongfan demo --if-empty
	$(BIN)/hongfan serve

# The admin browser tests (tests/e2e) drive Debian's chromium with a CJK font. Install both
# when missing and possible (apt-get as root or with passwordless sudo); otherwise say so and
# go on: the tests then skip with the reason, or fail when CI=true, where they are required.
WQY_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc

browser:
	@if command -v chromium >/dev/null 2>&1 && [ -f "$(WQY_FONT)" ]; then \
		:; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
		echo "make: chromium or fonts-wqy-microhei missing and no apt-get here; the browser tests will skip (fail under CI=true)" >&2; \
	else \
		if [ "$$(id -u)" = 0 ]; then sudo=""; \
		elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
		else sudo="none"; fi; \
		if [ "$$sudo" = none ]; then \
			echo "make: chromium or fonts-wqy-microhei missing; run as root: apt-get install chromium fonts-wqy-microhei (the browser tests skip until then, fail under CI=true)" >&2; \
		else \
			echo "make: installing chromium and fonts-wqy-microhei with apt-get"; \
			( $$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei ) \
				|| echo "make: apt-get could not install chromium/fonts-wqy-microhei; the browser tests will skip (fail under CI=true)" >&2; \
		fi; \
	fi

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(TEST_STAMP) browser lint
	HONGFAN_PYTHON=$(abspath $(BIN))/python bash .ci/with-postgres $(BIN)/python -m pytest -q $(PYTEST_ARGS)

# The recursive make keeps an install's messages on stderr; stdout is the SDL alone.
schema:
	@$(MAKE) --no-print-directory venv-base >&2
	@$(BIN)/hongfan schema

bench: $(TEST_STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
