# Everything runs from a fresh clone: each target first runs `setup` (idempotent).
SHELL := /bin/bash
export SOLCX_BINARY_PATH := $(CURDIR)/.solcx
export PATH := $(CURDIR)/tools/bin:$(CURDIR)/.venv/bin:$(PATH)
HYPOTHESIS_PROFILE ?= ci
export HYPOTHESIS_PROFILE

.PHONY: setup compile demo test bench lint clean env fuzz replay

setup:
	@bash tools/setup.sh

compile: setup
	@ape run build

demo: setup
	@ape run demo

# The points indexer reads state at past blocks, which a long session's anvil no longer holds (it keeps the
# last few thousand): its tests run in a session, and on a chain, of their own.
test: setup
	@ape test tests -q -p no:cacheprovider --ignore=tests/unit/points
	@ape test tests/unit/points -q -p no:cacheprovider

bench: setup
	@ANVIL_STEPS_TRACING=0 ape run bench

# The system-wide campaign (scripts/_suite/campaign.py): `make fuzz SEED=3 STEPS=100 EXAMPLES=200`; a failure
# is saved in fuzz/failures/ and replayed with `make replay FILE=fuzz/failures/<file>.json`.
SEED ?= 0
STEPS ?= 50
EXAMPLES ?= 50
fuzz: setup
	@ape run fuzz --seed $(SEED) --steps $(STEPS) --examples $(EXAMPLES)

replay: setup
	@test -n "$(FILE)" || { echo "usage: make replay FILE=fuzz/failures/<transcript>.json"; exit 2; }
	@ape run replay $(FILE)

lint: setup
	@ruff check zk scripts tests tools
	@mypy
	@python tools/slither_gate.py

clean:
	rm -rf .build contracts/.cache .solc-deps .venv node_modules .solcx .venues

# `source <(make -s env)` puts the toolchain on PATH in an interactive shell.
env:
	@echo "export PATH=$(CURDIR)/tools/bin:$(CURDIR)/.venv/bin:\$$PATH SOLCX_BINARY_PATH=$(CURDIR)/.solcx"
