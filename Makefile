# Everything runs from a fresh clone: each target first runs `setup` (idempotent).
SHELL := /bin/bash
export SOLCX_BINARY_PATH := $(CURDIR)/.solcx
export PATH := $(CURDIR)/tools/bin:$(CURDIR)/.venv/bin:$(PATH)
HYPOTHESIS_PROFILE ?= ci
export HYPOTHESIS_PROFILE

.PHONY: setup compile demo test bench lint clean env

setup:
	@bash tools/setup.sh

compile: setup
	@ape run build

demo: setup
	@ape run demo

test: setup
	@ape test tests -q -p no:cacheprovider

bench: setup
	@ANVIL_STEPS_TRACING=0 ape run bench

lint: setup
	@ruff check zk scripts tests tools
	@mypy
	@python tools/slither_gate.py

clean:
	rm -rf .build contracts/.cache .solc-deps .venv node_modules .solcx

# `source <(make -s env)` puts the toolchain on PATH in an interactive shell.
env:
	@echo "export PATH=$(CURDIR)/tools/bin:$(CURDIR)/.venv/bin:\$$PATH SOLCX_BINARY_PATH=$(CURDIR)/.solcx"
