# Image Chat — every target installs what it needs first (idempotent, fast when up to date).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := functions/venv
PY := $(VENV)/bin/python
# Set before the rules: make expands prerequisites as it reads them. In the venv, so `make clean` forgets it.
CHROMIUM_STAMP := $(VENV)/.chromium
export CI ?= true

.PHONY: dev test bench demo lint install web clean openapi

dev: install ## run the whole stack locally; prints "API ready at <url>"
	$(PY) -m devtools.stack $(STACK_ARGS)

test: install $(CHROMIUM_STAMP) ## run every test against real emulators (browser tests included)
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install ## performance benchmarks (never part of `make test`), with real-size model outputs
	GEMINI_EMULATOR_PAYLOAD=realistic $(PY) -m benchmarks

demo: install ## a scripted three-turn edit against a running `make dev`
	$(PY) -m devtools.demo

lint: install
	$(VENV)/bin/ruff check functions devtools tests benchmarks
	$(VENV)/bin/mypy

openapi: install ## write docs/openapi.json from the route tables and schemas (a test checks it is current)
	$(PY) -m devtools.openapi

install: $(VENV)/.installed node_modules/.installed public/index.html

web: public/index.html ## build the web app (web/ → public/, what Hosting serves)

# The built app is not committed: public/ is rebuilt whenever a source of the app changes.
public/index.html: node_modules/.installed $(shell find web -type f)
	node web/build.mjs

# Debian's chromium for the browser tests (a Playwright browser download does not work offline).
# apt-get runs only when chromium is missing.
$(CHROMIUM_STAMP): $(VENV)/.installed
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }
	@touch $@

# functions/venv is also what firebase-tools uses for the Python functions.
$(VENV)/.installed: requirements.txt functions/requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

clean:
	rm -rf $(VENV) node_modules public .stack .pytest_cache .mypy_cache .ruff_cache test-artifacts
