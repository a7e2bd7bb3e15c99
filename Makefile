# The two commands of the README: `make run` and `make test`. Everything installs into .venv.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format bench package install install-test clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# checkov lives in its own virtualenv: its pins clash with the app's dependencies.
CHECKOV_VENV ?= .venv-checkov
$(CHECKOV_VENV)/bin/checkov:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/pip install --quiet checkov

install: $(VENV)/.run-installed
install-test: $(VENV)/.test-installed

run: install
	$(VENV)/bin/javumbo serve --host $(HOST) --port $(PORT)

lint: install-test
	$(VENV)/bin/ruff check src tests bench tools
	$(VENV)/bin/ruff format --check src tests bench tools
	$(VENV)/bin/mypy

format: install-test
	$(VENV)/bin/ruff format src tests bench tools
	$(VENV)/bin/ruff check --fix src tests bench tools

# pytest exits 5 when no test ran; make treats any non-zero exit as failure.
test: lint $(CHECKOV_VENV)/bin/checkov
	$(VENV)/bin/pytest

# The Lambda deployment zip (dist/javumbo-lambda.zip), its size checked against Lambda's limits.
package: install-test
	$(PY) tools/package_lambda.py --out dist/javumbo-lambda.zip

bench: install-test
	$(PY) -m bench

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) build dist .pytest_cache .mypy_cache .ruff_cache
