# The README's two commands are `make dev` and `make test`; each installs what it needs on first use.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FIREBASE_TOOLS_VERSION := 15.34.2

.PHONY: help dev test test-unit lint format eval bench plan chat clean

help:
	@echo "make dev    run the whole system locally on the emulators (Ctrl-C stops it)"
	@echo "make test   run the whole test suite (starts and stops its own emulators)"
	@echo "make chat   chat as a citizen with the stack that 'make dev' runs"
	@echo "make lint | eval | bench | plan | clean"

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

venv: $(VENV)/.installed
tools: $(TOOLS_STAMP)

dev: $(VENV)/.installed $(TOOLS_STAMP)
	@$(BIN)/pakn dev

chat: $(VENV)/.installed
	@$(BIN)/pakn chat

test: $(VENV)/.installed $(TOOLS_STAMP)
	@$(BIN)/python -m pakn_dev.prerequisites
	@$(BIN)/ruff check functions devtools tests infra
	@$(BIN)/pakn plan >/dev/null
	@$(BIN)/pytest -p no:cacheprovider

test-unit: $(VENV)/.installed
	@$(BIN)/pytest -p no:cacheprovider tests/unit

lint: $(VENV)/.installed
	@$(BIN)/ruff check functions devtools tests infra
	@$(BIN)/ruff format --check functions devtools tests infra

format: $(VENV)/.installed
	@$(BIN)/ruff format functions devtools tests infra
	@$(BIN)/ruff check --fix functions devtools tests infra

eval: $(VENV)/.installed
	@$(BIN)/python -m pakn_dev.eval_classifier

bench: $(VENV)/.installed
	@$(BIN)/python -m pakn_dev.bench_classifier
	@$(BIN)/python -m pakn_dev.bench_webhook

plan: $(VENV)/.installed
	@$(BIN)/pakn plan

clean:
	rm -rf $(VENV) .tools .pakn-dev pakn.egg-info
