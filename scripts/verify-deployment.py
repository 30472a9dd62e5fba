"""`ape run verify-deployment --network ... [--manifest PATH]`: checks the deployment against its manifest
and this build (scripts/_suite/verify.py): proxies, implementations' code, every role holder, wiring
and parameters. Prints each mismatch on one line and exits 1 if there is any."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from ape import chain
from ape.cli import ConnectedProviderCommand, network_option

from scripts._suite.manifest import default_manifest, load_manifest, manifest_option
from scripts._suite.verify import verify_deployment


@click.command(cls=ConnectedProviderCommand)
@network_option()
@manifest_option
def cli(manifest: Path | None) -> None:
    path = manifest or default_manifest()
    try:
        data = load_manifest(path)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        problems = verify_deployment(data, chain.provider)
    except KeyError as exc:
        raise click.ClickException(f"manifest {path} lacks {exc} (written by an older deploy?)") from None
    if problems:
        for problem in problems:
            click.echo(f"MISMATCH {problem}")
        click.echo(f"{len(problems)} mismatches between {path} and chain {chain.chain_id}")
        sys.exit(1)
    count = len(data["contracts"])
    click.echo(f"ok: {count} contracts, their proxies, code, roles, wiring and parameters match {path}")
