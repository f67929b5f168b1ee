# Two commands matter: `make run` and `make test` (see README). The rest are their parts.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint typecheck unit bench migrate playground clean lock audit

# Installs exactly what requirements.lock pins, each file checked against its hash, then the project itself.
# After changing pyproject.toml's dependencies: `make lock` (pip-tools), and commit both files.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
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

lock:
	$(PYTHON) -m venv /tmp/uca-pip-tools && /tmp/uca-pip-tools/bin/pip install --quiet pip-tools
	/tmp/uca-pip-tools/bin/pip-compile --quiet --extra dev --generate-hashes --no-emit-index-url --no-emit-find-links \
		--strip-extras --allow-unsafe -o requirements.lock pyproject.toml
	/tmp/uca-pip-tools/bin/pip-compile --quiet --generate-hashes --no-emit-index-url --no-emit-find-links \
		--strip-extras --allow-unsafe -o requirements-runtime.lock pyproject.toml

# The locked dependencies against the published advisories (PyPI's and OSV's); CI runs it after the tests.
audit: $(STAMP)
	bash tools/audit_dependencies.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
