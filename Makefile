# Two entry points do all set-up on a fresh machine:
#   make site   builds output/ from content/
#   make test   installs the test tools and runs the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: site test test-tools clean

$(BIN)/broadsheet: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

site: $(BIN)/broadsheet
	$(BIN)/broadsheet build

# System and npm tools that the tests drive (Chromium, the Nu Html Checker, ...).
test-tools: $(BIN)/broadsheet
	bash scripts/install-test-tools

test: test-tools
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

clean:
	rm -rf output .cache
