# The README's two commands are `make dev` and `make test`; each installs what it needs on first use.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FIREBASE_TOOLS_VERSION := 15.34.2

# `make dev PORT_BASE=9100` moves every local port (passed to `pakn dev --port-base`); unset: its default.
PORT_BASE ?=
# `make soak SOAK_SECONDS=60` shortens the soak (default 600 s of traffic, then at most 300 s of healing).
SOAK_SECONDS ?=

CHROMIUM := /usr/bin/chromium

.PHONY: help venv tools browser dev chat test test-unit test-packaging test-browser screenshots lint format \
	eval cv bench soak plan clean

# Each target's line in `make help` is the `## ...` comment after it: a target without one is not listed.
help: ## list these targets
	@awk 'BEGIN { FS = ":[^#]*## " } /^[a-z][a-z-]*:[^#]*## / { printf "make %-15s %s\n", $$1, $$2 }' \
		$(MAKEFILE_LIST)

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	@$(PYTHON) -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || \
		{ echo "Install Python 3.11 or newer with its venv module (apt-get install python3 python3-venv)." >&2; exit 2; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing Python packages into $(VENV) ..."
	@$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -e . 2>&1 \
		| grep -v "is ignored: it is neither" || true
	@$(BIN)/python -c 'import pakn, pakn_dev, functions_framework, google.cloud.firestore' \
		|| { echo "Installing the Python packages failed: see the pip output above." >&2; exit 2; }
	@touch $@

TOOLS_STAMP := .tools/.installed-$(FIREBASE_TOOLS_VERSION)

$(TOOLS_STAMP):
	@command -v npm >/dev/null || \
		{ echo "Install Node.js 20 or newer with npm (apt-get install nodejs npm): the Firebase Auth emulator runs on it." >&2; exit 2; }
	@echo "Installing firebase-tools $(FIREBASE_TOOLS_VERSION) into .tools/ (once; about two minutes) ..."
	@mkdir -p .tools && npm install --prefix .tools --no-audit --no-fund --loglevel=error \
		firebase-tools@$(FIREBASE_TOOLS_VERSION) >/dev/null
	@rm -f .tools/.installed-* && touch $@

# Playwright drives Debian's chromium (its own browser download cannot work here): installed when missing.
browser: ## Debian's chromium for the browser tests (apt-get install as root when missing)
	@test -x $(CHROMIUM) || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian's chromium for the browser tests (once) ..."; \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null \
				|| echo "Installing chromium failed: the browser tests are skipped." >&2; \
		else echo "Install Debian's chromium (apt-get install chromium) to run the browser tests." >&2; fi; }

venv: $(VENV)/.installed ## install the Python packages into .venv/ (then .venv/bin/pakn exists)
tools: $(TOOLS_STAMP) ## install firebase-tools into .tools/ (the Auth emulator; needs Node.js and npm)

dev: $(VENV)/.installed $(TOOLS_STAMP) ## run the whole system locally (Ctrl-C stops it); PORT_BASE=N moves its ports
	@$(BIN)/pakn dev$(if $(strip $(PORT_BASE)), --port-base $(strip $(PORT_BASE)))

chat: $(VENV)/.installed ## chat as a citizen with the stack that `make dev` runs
	@$(BIN)/pakn chat

test: $(VENV)/.installed $(TOOLS_STAMP) browser ## lint, then every test tier (starts and stops its own emulators)
	@$(BIN)/python -m pakn_dev.prerequisites
	@$(BIN)/ruff check functions devtools tests infra
	@$(BIN)/pakn plan >/dev/null
	@$(BIN)/pytest -p no:cacheprovider

test-unit: $(VENV)/.installed ## the unit tier only: seconds, no emulators, nothing but Python
	@$(BIN)/pytest -p no:cacheprovider tests/unit

test-packaging: $(VENV)/.installed ## the deploy bundle in a clean virtualenv, the plan against gcloud
	@$(BIN)/pytest -p no:cacheprovider tests/packaging

test-browser: $(VENV)/.installed $(TOOLS_STAMP) browser ## the officials' console in Chromium (Playwright)
	@$(BIN)/pytest -p no:cacheprovider tests/browser

screenshots: $(VENV)/.installed $(TOOLS_STAMP) browser ## the README's pictures of the console, into docs/screenshots/
	@mkdir -p docs/screenshots
	@PAKN_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/pytest -p no:cacheprovider -q tests/browser

lint: $(VENV)/.installed ## ruff: lint and check formatting
	@$(BIN)/ruff check functions devtools tests infra
	@$(BIN)/ruff format --check functions devtools tests infra

format: $(VENV)/.installed ## ruff: reformat and fix what it can
	@$(BIN)/ruff format functions devtools tests infra
	@$(BIN)/ruff check --fix functions devtools tests infra

eval: $(VENV)/.installed ## the classifier's accuracy on tests/data/labelled_messages.jsonl
	@$(BIN)/python -m pakn_dev.eval_classifier

cv: $(VENV)/.installed ## the classifier judged by 5-fold cross-validation over train and dev (about 3 minutes)
	@$(BIN)/python -m pakn_dev.cross_validation

bench: $(VENV)/.installed $(TOOLS_STAMP) ## speed beside same-run baselines: classifier, webhook, cold starts, pipeline, deadline sweep
	@$(BIN)/python -m pakn_dev.prerequisites
	@$(BIN)/python -m pakn_dev.bench_classifier
	@$(BIN)/python -m pakn_dev.bench_webhook
	@$(BIN)/python -m pakn_dev.bench_cold_start
	@$(BIN)/python -m pakn_dev.bench_pipeline
	@$(BIN)/python -m pakn_dev.bench_sweep

soak: $(VENV)/.installed $(TOOLS_STAMP) ## mixed traffic, Zalo failing 30 % of calls, a worker killed; SOAK_SECONDS=N
	@$(BIN)/python -m pakn_dev.prerequisites
	@$(BIN)/python -m pakn_dev.soak$(if $(strip $(SOAK_SECONDS)), --seconds $(strip $(SOAK_SECONDS)))

plan: $(VENV)/.installed ## print the deploy plan, offline (every resource and command)
	@$(BIN)/pakn plan

clean: ## remove .venv/, .tools/, .pakn-dev/ and the egg-info
	rm -rf $(VENV) .tools .pakn-dev pakn.egg-info
