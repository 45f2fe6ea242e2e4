# Portcullis: `make run` serves the app with demo data; `make test` runs every check.
# Both install what they are missing (and only that) before they start.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Builds live outside the clone so that later clones (and CI on this machine) reuse them.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/portcullis/target
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

TRUNK_VERSION := 0.21.14
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/{getline; gsub(/[^0-9.]/,""); print}' Cargo.lock)
BIN_DEBUG := $(CARGO_TARGET_DIR)/debug/portcullis
BIN_RELEASE := $(CARGO_TARGET_DIR)/release/portcullis
E2E_ADDR ?= 127.0.0.1:8089
NEXTEST_VERSION := 0.9.143
# Python tools the tests drive: a real SMTP server (aiosmtpd).
TOOLS_VENV := $(HOME)/.cache/portcullis/venv
TOOLS_PY := $(TOOLS_VENV)/bin/python

.PHONY: help run test tools test-tools spa build-release lint unit-tests e2e openapi fmt bench bench-tools chromium node-modules

help:
	@echo "make run      build the web app and the server, seed demo data, serve on \$${PORTCULLIS_ADDR:-127.0.0.1:8080}"
	@echo "make test     formatting, lints, wasm build, unit + integration tests (SQLite, and PostgreSQL"
	@echo "              when PORTCULLIS_TEST_PG_URL is set), browser end-to-end tests"
	@echo "make openapi  regenerate openapi.json from the code"
	@echo "make fmt      format the code"
	@echo "make bench    benchmarks (speed and memory targets); the deals benchmark seeds 1M deals once"
	@echo "              (kept in ~/.cache/portcullis/bench and, with PORTCULLIS_TEST_PG_URL set, in the"
	@echo "              PostgreSQL database portcullis_bench); BENCH=deals runs only it, BENCH=documents the 40 MiB"
	@echo "              document upload/download (local store and moto S3), BENCH=quick all but the deals"

## ---- tools (each installed only when missing or at the wrong version) ----

tools: node-modules
	@rustup target list --installed | grep -qx wasm32-unknown-unknown \
		|| rustup target add wasm32-unknown-unknown
	@if [ "$$(trunk --version 2>/dev/null)" != "trunk $(TRUNK_VERSION)" ]; then \
		echo "Installing trunk $(TRUNK_VERSION) (a few minutes, once)"; \
		cargo install trunk --version $(TRUNK_VERSION) --locked; fi
	@if [ "$$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]; then \
		echo "Installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (a few minutes, once)"; \
		cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force; fi
	@wasm-opt --version | grep -q 'version 132' \
		|| { echo "wasm-opt 132 from node_modules is required (npm ci)"; exit 1; }

# What the integration suite needs beyond Rust: cargo-nextest (runs the suite in parallel
# processes) and a Python environment with aiosmtpd (a real SMTP server for delivery tests).
test-tools:
	@if ! cargo nextest --version 2>/dev/null | grep -q '^cargo-nextest $(NEXTEST_VERSION)'; then \
		if ! cargo nextest --version >/dev/null 2>&1; then \
			echo "Installing cargo-nextest $(NEXTEST_VERSION) (a few minutes, once)"; \
			cargo install cargo-nextest --version $(NEXTEST_VERSION) --locked; fi; fi
	@if ! $(TOOLS_PY) -c 'import aiosmtpd' 2>/dev/null; then \
		echo "Creating the test tools' Python environment in $(TOOLS_VENV)"; \
		python3 -m venv $(TOOLS_VENV) && $(TOOLS_VENV)/bin/pip install -q 'aiosmtpd==1.4.6'; fi
	@if ! $(TOOLS_PY) -c 'import moto.server' 2>/dev/null; then \
		echo "Installing moto (an S3 stand-in for the document store tests)"; \
		$(TOOLS_VENV)/bin/pip install -q 'moto[server]==5.2.5'; fi

node-modules:
	@if [ ! -x node_modules/.bin/wasm-opt ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
		npm ci --no-audit --no-fund; fi

chromium:
	@if ! command -v chromium >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y chromium chromium-driver; \
		else echo "Chromium is missing: install Debian's chromium package (sudo apt-get install chromium)"; exit 1; fi; fi

# The deals benchmark's load generator.
bench-tools:
	@if ! command -v wrk >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y wrk; \
		else echo "wrk is missing: install Debian's wrk package (sudo apt-get install wrk)"; exit 1; fi; fi

## ---- build and run ----

# The web app is rebuilt only when its sources change, so that an unchanged dist/ does not
# make the server (which embeds it) rebuild either.
SPA_SOURCES := $(shell find web shared/src -type f 2>/dev/null) Trunk.toml Cargo.toml Cargo.lock .cargo/config.toml

dist/index.html: $(SPA_SOURCES) | tools
	trunk build --release
	@touch dist/index.html

spa: tools dist/index.html

build-release: spa
	cargo build --release -p portcullis-api

run: build-release
	@$(BIN_RELEASE) seed-demo
	@echo "API reference: http://$${PORTCULLIS_ADDR:-127.0.0.1:8080}/api/docs/"
	@echo "Metrics:       http://$${PORTCULLIS_ADDR:-127.0.0.1:8080}/metrics"
	exec $(BIN_RELEASE) serve

## ---- checks ----

lint: tools
	cargo fmt --all --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy -p portcullis-web --target wasm32-unknown-unknown -- -D warnings
	cargo build -p portcullis-shared --target wasm32-unknown-unknown

unit-tests: spa test-tools
	@if [ -z "$${PORTCULLIS_TEST_PG_URL:-}" ]; then \
		echo "PostgreSQL suite skipped: set PORTCULLIS_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test to run it"; fi
	# The server binary, for the tests that run several server processes.
	cargo build --workspace --exclude portcullis-web
	cargo nextest run --workspace --exclude portcullis-web --no-fail-fast

e2e: spa chromium
	# The whole workspace, so features unify exactly as in `cargo test` and nothing rebuilds.
	cargo build --workspace --exclude portcullis-web
	PORTCULLIS_BIN=$(BIN_DEBUG) E2E_ADDR=$(E2E_ADDR) bash tests/e2e/run.sh

test: lint unit-tests e2e contract
	@echo "All checks passed."

# The API contract as an integrator meets it (tests/contract/run.sh): the spec validates, the
# served API answers only what the spec documents, and a generated client has every operation.
# The Python tools live in a venv outside the clone, installed when missing or at another version.
CONTRACT_VENV ?= $(HOME)/.cache/portcullis/venv
CONTRACT_PACKAGES := openapi-spec-validator==0.9.0 schemathesis==4.32.5 openapi-python-client==0.29.1
CONTRACT_ADDR ?= 127.0.0.1:8090

.PHONY: contract
contract:
	@if [ ! -x $(CONTRACT_VENV)/bin/python ]; then python3 -m venv $(CONTRACT_VENV); fi
	@installed="$$($(CONTRACT_VENV)/bin/python -m pip freeze 2>/dev/null)"; \
	for p in $(CONTRACT_PACKAGES); do \
		if ! grep -qix "$$p" <<<"$$installed"; then \
			echo "Installing $(CONTRACT_PACKAGES) into $(CONTRACT_VENV) (once)"; \
			$(CONTRACT_VENV)/bin/python -m pip install --quiet $(CONTRACT_PACKAGES); break; fi; done
	# The whole workspace, so features unify exactly as in `cargo test` and nothing rebuilds.
	cargo build --workspace --exclude portcullis-web
	PORTCULLIS_BIN=$(BIN_DEBUG) CONTRACT_VENV=$(CONTRACT_VENV) CONTRACT_ADDR=$(CONTRACT_ADDR) bash tests/contract/run.sh

openapi:
	cargo run -q -p portcullis-api -- openapi > openapi.json

fmt:
	cargo fmt --all

# The server and the bench in one build, so the crates they share build once. The deals
# benchmark runs the release server as its own process (pgbench beside it on PostgreSQL).
bench: spa bench-tools
	cargo build --release -p portcullis-api -p portcullis-tests
	PORTCULLIS_BIN=$(BIN_RELEASE) $(CARGO_TARGET_DIR)/release/bench $${BENCH:-}
