# Shelfcount: `make run` serves the demo store; `make test` runs every test.
# Everything a fresh machine needs is set up by these targets; nothing is done by hand.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
FLASK  := $(VENV)/bin/flask --app wsgi
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint audit setup setup-dev system-deps vendor bench clean

run: setup system-deps vendor
	DEMO_MODE=1 ./scripts/run.sh

test: setup-dev system-deps vendor
	./scripts/test.sh

lint: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache --no-logo

# Known vulnerabilities in the pinned dependencies (pip-audit; README "Dependencies and
# advisories"). Needs the network, so `make test` does not run it.
audit: setup-dev
	@./scripts/audit.sh

setup: $(VENV)/.stamp-runtime
setup-dev: $(VENV)/.stamp-dev

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.stamp-runtime: requirements.txt | $(VENV)/bin/python
	$(PIP) install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.stamp-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PIP) install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@ $(VENV)/.stamp-runtime

# libzbar0 lets pyzbar decode what zxing-cpp missed; chromium drives the browser tests, and
# webkit2gtk-driver (under xvfb) runs the phone journeys in WebKit too.
# Installed when we can (root, apt); otherwise the app says once what it runs without.
system-deps:
	@./scripts/system-deps.sh

# Browser code from npm (the ZXing WebAssembly decoder), copied into static/vendor/.
vendor:
	@./scripts/vendor.sh

bench: setup-dev
	@echo "Benchmarks: see bench/README.md"

clean:
	rm -rf $(VENV) .venv-audit node_modules static/vendor .pytest_cache .ruff_cache
