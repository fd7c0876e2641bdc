# Two entry points do all set-up on a fresh machine:
#   make site   builds output/ from content/ (installs only what a build needs)
#   make test   installs the test tools too and runs the whole test suite
# Python packages come from the lock, requirements/*.txt, checked against its hashes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet
LOCK_FLAGS := --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links

.PHONY: site test test-tools lint lock golden clean

# What a build needs: the locked runtime packages (and the build backend), then this checkout,
# editable, without fetching anything else.
$(VENV)/.site: requirements/site.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --require-hashes -r requirements/site.txt
	$(PIP) install --no-deps --no-build-isolation -e .
	touch $@

# The test extra on top (pytest, Playwright, hypothesis, zizmor, ...).
$(VENV)/.test: $(VENV)/.site requirements/test.txt
	$(PIP) install --require-hashes -r requirements/test.txt
	touch $@

site: $(VENV)/.site
	$(BIN)/broadsheet build

# System and npm tools that the tests drive (Chromium, Java and the Nu Html Checker, actionlint, ...).
test-tools: $(VENV)/.test
	bash scripts/install-test-tools

test: test-tools lint
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# ruff (lint and format check) on the repository, mypy on the package: pyproject.toml configures both.
# Each of the three reports everything it finds, then the target fails if any found something.
# `make test` runs it first.
$(VENV)/.lint: $(VENV)/.test requirements/lint.txt
	$(PIP) install --require-hashes -r requirements/lint.txt
	touch $@

lint: $(VENV)/.lint
	status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	$(BIN)/mypy || status=1; \
	exit $$status

# Re-resolve the lock after a change to the dependencies in pyproject.toml (with the oldest supported
# Python, so that every package a 3.11 install needs is in it). docs/releasing.md has the details.
lock:
	$(PYTHON) -m venv .cache/lock
	.cache/lock/bin/python -m pip --quiet install pip-tools
	.cache/lock/bin/pip-compile $(LOCK_FLAGS) --all-build-deps --output-file requirements/site.txt pyproject.toml
	.cache/lock/bin/pip-compile $(LOCK_FLAGS) --all-build-deps --extra test --constraint requirements/site.txt \
		--output-file requirements/test.txt pyproject.toml
	.cache/lock/bin/pip-compile $(LOCK_FLAGS) --all-build-deps --extra test --extra lint \
		--constraint requirements/test.txt --output-file requirements/lint.txt pyproject.toml
	.cache/lock/bin/pip-compile $(LOCK_FLAGS) --constraint requirements/site.txt \
		--output-file requirements/release.txt requirements/release.in

# Rewrite the byte-for-byte manifests of the built site (tests/test_golden.py) after an intended change.
golden: $(VENV)/.test
	$(BIN)/python -m tests.test_golden

clean:
	rm -rf output .cache
