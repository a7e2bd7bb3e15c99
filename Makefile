# The two commands of the README: `make run` and `make test`. Everything installs into .venv.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast lint format bench package install install-test clean webapp web-check web-types chromium postgresql image container-tools

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

# The tests also need the local testbed (testbed/: cluster, router, chaos, corrected moto), a
# package of its own so that the product wheel never ships it.
$(VENV)/.test-installed: pyproject.toml testbed/pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]' -e testbed
	touch $@

# checkov lives in its own virtualenv: its pins clash with the app's dependencies.
CHECKOV_VENV ?= .venv-checkov
$(CHECKOV_VENV)/bin/checkov:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/pip install --quiet checkov

install: $(VENV)/.run-installed
install-test: $(VENV)/.test-installed

# The web app (web/ -> src/javumbo/webapp): npm ci when the lock changed, a build when a source did.
web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund

webapp: | $(PY)
	$(PY) tools/build_webapp.py

# The web client's API types, generated from the server's OpenAPI document
# (web/src/api/schema.gen.ts; tests/api/test_web_types.py fails when it is stale).
web-types: web/node_modules/.package-lock.json install
	$(PY) tools/web_types.py

# eslint, tsc --noEmit and the Vitest unit tests of the web app.
web-check: web/node_modules/.package-lock.json
	cd web && npm run lint && npm run typecheck && npm test

# The postgres backend's tests start their own server from Debian's package (as user postgres).
postgresql:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; \
	fi

# s3rver (npm), an S3-compatible server without conditional writes, for the S3 adapter's tests.
S3RVER := tests/stores/s3rver/node_modules/.package-lock.json
$(S3RVER): tests/stores/s3rver/package-lock.json
	cd tests/stores/s3rver && npm ci --no-audit --no-fund

# podman (with runc) and mmdebstrap from Debian, for make image and the image's test.
container-tools:
	@if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v mmdebstrap >/dev/null; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends podman runc mmdebstrap uidmap containernetworking-plugins iptables slirp4netns fuse-overlayfs; \
	fi

# The container image (Containerfile; podman, or CONTAINER_ENGINE=docker; IMAGE=name:tag).
image: container-tools web/node_modules/.package-lock.json | $(PY)
	$(PY) tools/build_image.py

# The browser tests drive Debian's Chromium (never a downloaded browser).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-dejavu-core; \
	fi

# Serves the API and the web app; while it runs, edits under web/ are rebuilt (vite build --watch).
# The watcher is exec'd (not through npx) so that the pid killed on exit is vite itself.
run: install webapp
	@trap 'kill $$watcher 2>/dev/null' EXIT; \
	(cd web && exec node_modules/.bin/vite build --watch --emptyOutDir false --logLevel warn) & watcher=$$!; \
	$(VENV)/bin/javumbo serve --host $(HOST) --port $(PORT)

lint: install-test
	$(VENV)/bin/ruff check src testbed tests bench tools
	$(VENV)/bin/ruff format --check src testbed tests bench tools
	$(VENV)/bin/mypy
	$(PY) tools/dead_code.py

format: install-test
	$(VENV)/bin/ruff format src testbed tests bench tools
	$(VENV)/bin/ruff check --fix src testbed tests bench tools

# pytest exits 5 when no test ran; make treats any non-zero exit as failure.
test: lint web-check chromium postgresql container-tools $(S3RVER) webapp $(CHECKOV_VENV)/bin/checkov
	$(VENV)/bin/pytest

# The inner loop: the Python tests without those marked slow (no lint, no web checks).
test-fast: install-test chromium postgresql $(S3RVER) webapp
	$(VENV)/bin/pytest -m "not slow"

# The Lambda deployment zip (dist/javumbo-lambda.zip), its size checked against Lambda's limits.
package: install-test
	$(PY) tools/package_lambda.py --out dist/javumbo-lambda.zip

bench: install-test
	$(PY) -m bench

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) build dist .pytest_cache .mypy_cache .ruff_cache
