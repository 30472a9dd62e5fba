"""`make replay FILE=<transcript>`: replays a campaign transcript (fuzz/failures/*.json) on a fresh local
chain outside Hypothesis, printing each call with its result and the first invariant that fails."""

from __future__ import annotations

import json
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand
from ape.logging import logger

from scripts._suite.campaign import FIXED_START, deploy_campaign, replay


@click.command(cls=ConnectedProviderCommand)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def cli(file: Path) -> None:
    logger.set_level("WARNING")
    try:
        record = json.loads(file.read_text())
        transcript = record["transcript"] if isinstance(record, dict) else record
    except (ValueError, KeyError) as exc:
        raise click.ClickException(f"{file} is not a campaign transcript: {exc}") from None
    if isinstance(record, dict) and record.get("failure"):
        click.echo(f"recorded failure: {record['failure'].splitlines()[0]}")
    failure = replay(deploy_campaign(FIXED_START), transcript, echo=click.echo)
    if failure is None:
        click.echo(f"replayed {len(transcript)} calls: every invariant held")
    else:
        raise SystemExit(1)
