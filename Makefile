# Two commands matter: `make run` and `make test` (see README). The rest are their parts.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint typecheck unit bench migrate playground clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	@test -f .env || { cp .env.example .env; echo "Created .env from .env.example (development mode)."; }
	bash tools/run.sh

test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy .

# Benchmarks print tables and write bench/results/*.json; they never fail on timing (issue 9; about 13 minutes on
# 2 cores). `make bench ARGS=--quick` is a shorter run.
bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)

migrate: $(STAMP)
	$(BIN)/python admin.py migrate

# The Teams app package build/uca-bot-teams-app.zip, placeholders filled from the environment and .env
# (`make package ARGS=--dev` for a try-out package with fake values).
.PHONY: package
package: $(STAMP)
	$(BIN)/python tools/package_app.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
