# roomlinks: every target installs what it needs first; nothing is installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: all install test lint typecheck pytest run demo bench package clean

all: test

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/activate requirements.txt requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest

test: lint typecheck pytest

# exec: the launcher replaces the recipe's shell, so a SIGTERM that make forwards to its
# child reaches the launcher itself (a plain sh would die and orphan the whole stack).
run: install
	PORT=$(PORT) exec $(PY) -m local.stack

demo: install
	$(PY) -m local.demo

bench: install
	$(PY) -m bench

package: install
	$(BIN)/chalice package --stage prod build/package

clean:
	rm -rf $(VENV) node_modules .local build .pytest_cache .mypy_cache .ruff_cache
