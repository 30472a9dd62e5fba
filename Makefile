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

# The main session's anvil keeps its last 3,000 states in memory and writes none to disk
# (ANVIL_PRUNE_HISTORY, tools/bin/anvil): a full session otherwise writes gigabytes of past states and
# slows down as it goes (the FiLo machine took 93 s late in a session, 28 s on a pruned chain). The
# points indexer reads state at older blocks: its tests run in a session, and on a chain, of their own.
test: setup
	@ANVIL_PRUNE_HISTORY=3000 ape test tests -q -p no:cacheprovider --ignore=tests/unit/points
	@ape test tests/unit/points -q -p no:cacheprovider

# The anatomy (where each hot path's gas goes, from opcode traces) needs the step traces the first part
# turns off; it runs on a chain of its own in about 20 s.
bench: setup
	@ANVIL_STEPS_TRACING=0 ape run bench
	@ape run anatomy

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
