"""`make fuzz SEED=<n> STEPS=<m> EXAMPLES=<k>`: the system-wide campaign (scripts/_suite/campaign.py) on a
fresh local chain, with progress (steps per second), replayable from its seed. A failing run is shrunk by
Hypothesis and its final (shrunk) sequence saved as a JSON transcript in `fuzz/failures/`; replay it with
`make replay FILE=<transcript>`."""

from __future__ import annotations

import json
import time
import traceback
from pathlib import Path

import click
from ape import chain
from ape.cli import ConnectedProviderCommand
from ape.logging import logger

from scripts._suite import campaign
from scripts._suite.campaign import FIXED_START, deploy_campaign, run_campaign
from scripts._suite.deployment import git_commit

FAILURES = Path(__file__).resolve().parent.parent / "fuzz" / "failures"


class Progress:
    def __init__(self, total_examples: int, steps: int) -> None:
        self.started = time.monotonic()
        self.last = 0.0
        self.steps = 0
        self.examples = 0
        self.total = total_examples
        self.per_example = steps

    def step(self) -> None:
        self.steps += 1
        now = time.monotonic()
        if now - self.last >= 5:
            self.last = now
            rate = self.steps / (now - self.started)
            click.echo(f"[fuzz {now - self.started:6.0f} s] {self.steps:,} steps, example {self.examples}/{self.total}, {rate:.1f} steps/s")

    def rate(self) -> float:
        return self.steps / max(time.monotonic() - self.started, 1e-9)


@click.command(cls=ConnectedProviderCommand)
@click.option("--seed", "seed_", type=int, default=0, show_default=True, help="The campaign's seed: the same seed, the same run.")
@click.option("--steps", type=int, default=50, show_default=True, help="Steps per example.")
@click.option("--examples", type=int, default=20, show_default=True, help="Examples (sequences) to run.")
@click.option("--shrink/--no-shrink", default=True, show_default=True, help="Shrink a failure before saving it.")
@click.option("--out", type=click.Path(path_type=Path), default=FAILURES, show_default=True)
@click.option("--last", type=click.Path(dir_okay=False, path_type=Path), help="Also save the last example's transcript here (a passing run too).")
def cli(seed_: int, steps: int, examples: int, shrink: bool, out: Path, last: Path | None) -> None:
    logger.set_level("WARNING")
    click.echo(f"system campaign: seed {seed_}, {examples} examples of up to {steps} steps (chain {chain.chain_id})")
    env = deploy_campaign(FIXED_START)
    progress = Progress(examples, steps)

    def counted(name: str) -> None:
        if name == "setup":
            progress.examples += 1
        progress.step()

    campaign.STEP_HOOKS.append(counted)
    try:
        run_campaign(env, seed_, steps, examples, shrink=shrink)
    except Exception as failure:  # noqa: BLE001 - any failure of the campaign is saved, then reported
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"seed{seed_}-{time.strftime('%Y%m%dT%H%M%S')}.json"
        record = {
            "seed": seed_, "steps": steps, "examples": examples, "commit": git_commit(),
            "failure": "".join(traceback.format_exception_only(failure)).strip(),
            "transcript": list(campaign.TRANSCRIPT),
        }
        path.write_text(json.dumps(record, indent=1))
        click.echo(f"FAILED after {progress.steps:,} steps ({progress.rate():.1f} steps/s): {record['failure'].splitlines()[0]}")
        click.echo(f"transcript ({len(record['transcript'])} calls): {path}\nreplay: make replay FILE={path}")
        raise SystemExit(1) from None
    finally:
        campaign.STEP_HOOKS.remove(counted)
    if last is not None:
        last.write_text(json.dumps({"seed": seed_, "steps": steps, "examples": examples, "transcript": list(campaign.TRANSCRIPT)}, indent=1))
    click.echo(f"passed: {progress.steps:,} steps in {progress.examples} examples, {progress.rate():.1f} steps/s")
