"""The system-wide campaign in the suite: a fixed seed (HYPOTHESIS_SEED overrides it), a few short
examples of the whole suite under attack (scripts/_suite/campaign.py); and the campaign's promises: a
seed gives the same transcript twice, and a transcript replays outside Hypothesis to the same calls and
results. Long campaigns: `make fuzz SEED=<n> STEPS=<m> EXAMPLES=<k>`; a saved failure:
`make replay FILE=<transcript>`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from ape import chain

from scripts._suite import campaign
from scripts._suite.campaign import deploy_campaign, replay, run_campaign
from tests.support import depth

SEED = int(os.environ.get("HYPOTHESIS_SEED", "0"))


REGRESSIONS = sorted((Path(__file__).parent / "regressions").glob("*.json"))


@pytest.fixture(scope="module")
def env() -> Any:
    """A suite of its own, deployed as a launch deploys it, the campaign's actors and its book."""
    built = deploy_campaign()
    yield built
    chain.provider.make_request("anvil_removeBlockTimestampInterval", [])


def _campaign(env: Any, seed_: int, steps: int, examples: int) -> None:
    run_campaign(env, seed_, steps, examples)


def test_system__whole_suite_under_attack__invariants_hold(env):
    steps, examples = depth(30, 3)
    _campaign(env, SEED, steps, examples)


def test_transcript__same_seed_twice__same_calls_and_results__and_replays(env):
    runs = []
    for _ in range(2):
        _campaign(env, 7, 12, 1)
        runs.append([dict(step) for step in campaign.TRANSCRIPT])
    assert runs[0] == runs[1] and len(runs[0]) > 1
    lines: list[str] = []
    assert replay(env, runs[0], echo=lines.append) is None
    assert [dict(step) for step in campaign.TRANSCRIPT] == runs[0]
    assert len(lines) == len(runs[0])


@pytest.mark.parametrize("path", REGRESSIONS, ids=lambda p: p.stem)
def test_regression__saved_failure__replays_with_every_invariant_holding(env, path):
    """Each transcript here made an invariant fail on a bug the campaign found (or one planted to show
    it would); replayed on today's code, every invariant holds."""
    record = json.loads(path.read_text())
    lines: list[str] = []
    assert replay(env, record["transcript"], echo=lines.append) is None, "\n".join(lines[-5:])
