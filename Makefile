# roomlinks: every target installs what it needs first; nothing is installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: all install test lint typecheck pytest run demo reconcile bench package deploy destroy e2e clean

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

# One reconcile pass against the stack `make run` started; the summary JSON is the last line.
reconcile: install
	$(PY) -m local.reconcile

bench: install
	$(PY) -m bench

# AWS (README "Deploy to AWS"): STAGE defaults to dev; DEPLOY_ARGS passes options on, e.g.
# DEPLOY_ARGS="--parameter AlarmEmail=ops@example.com". destroy refuses prod.
STAGE ?= dev

package: install
	$(PY) -m local.deploy package --stage $(STAGE)

deploy: install
	$(PY) -m local.deploy deploy --stage $(STAGE) $(DEPLOY_ARGS)

destroy: install
	$(PY) -m local.deploy destroy --stage $(STAGE)

# examples/frontend in headless Chromium (tests/e2e). Debian's chromium, driven by Playwright's
# Python package (requirements-dev.txt); nothing downloads a browser. apt only when it is missing.
e2e: install
	@command -v /usr/bin/chromium >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }
	$(BIN)/pytest tests/e2e

clean:
	rm -rf $(VENV) node_modules .local build .pytest_cache .mypy_cache .ruff_cache
