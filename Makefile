# Hongfan developer tasks. `make run` for a local server with demo data, `make test` for
# lint + the whole test suite (PostgreSQL included when a server answers on 127.0.0.1:5432).

PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
BENCH_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv run test schema bench clean

help:
	@echo "make venv    create $(VENV) (Python >= 3.11 from PY=$(PY)) and install Hongfan with test extras"
	@echo "make run     migrate the database, load demo data if it is empty, serve"
	@echo "make test    ruff + pytest; a throwaway PostgreSQL database when a server answers"
	@echo "make schema  print the GraphQL SDL"
	@echo "make bench   run the benchmarks (BENCH_ARGS=--quick for a smoke test; see bench/README.md)"
	@echo "make clean   remove caches and build output (keeps $(VENV) and the database)"

venv: $(STAMP)

# Reinstalls only when pyproject.toml is newer than the stamp (or the venv is new).
$(STAMP): pyproject.toml
	@if [ ! -x "$(BIN)/python" ]; then \
		$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
			|| { echo "Hongfan needs Python >= 3.11; $(PY) is $$($(PY) --version 2>&1). Try: make PY=python3.11" >&2; exit 1; }; \
		echo "creating $(VENV) with $$($(PY) --version)"; \
		$(PY) -m venv "$(VENV)"; \
	fi
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "$(VENV) has $$($(BIN)/python --version 2>&1); Hongfan needs >= 3.11: rm -rf $(VENV)" >&2; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch "$(STAMP)"

run: venv
	$(BIN)/hongfan db upgrade
	$(BIN)/hongfan demo --if-empty
	$(BIN)/hongfan serve

test: venv
	$(BIN)/ruff check .
	HONGFAN_PYTHON=$(abspath $(BIN))/python bash .ci/with-postgres $(BIN)/python -m pytest -q $(PYTEST_ARGS)

schema: venv
	@$(BIN)/hongfan schema

bench: venv
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
