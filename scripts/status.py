"""Deployment status: `ape run status --network ... [--manifest PATH] [--html report.html]`.

Reads one snapshot of the whole suite at the latest block (USDai backing and base yield, sUSDai price,
NAV split and price history, the redemption queue by cycle, the QEV rounds, FiLo stacks and open
loans with the delinquent ones flagged) and prints it as tables; `--html` also writes it as one
self-contained static page. Addresses come from the deployment manifest (`--manifest`, else
`deployments/<network>.json`). Bad input prints one line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, network_option

from scripts._suite.errors import one_line_errors
from scripts._suite.manifest import default_manifest, load_manifest, manifest_option
from scripts._suite.status import read_snapshot, render_html, render_text

# Contract reverts and bad input become one human line (exit 1), never a traceback.
explained = one_line_errors("StakedUSDai", "USDai", "QEVAuction", "FiLoRegistry", "LoanBook")


@click.command(cls=ConnectedProviderCommand)
@network_option()
@manifest_option
@click.option("--html", "html_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also write the report as a static HTML page here.")
@click.option("--from-block", type=click.IntRange(0), default=None,
              help="Where the share-price history starts (default: the vault's genesis).")
@explained
def cli(manifest: Path | None = None, html_path: Path | None = None, from_block: int | None = None) -> None:
    """Print the deployment's status; --html also writes it as a page."""
    if html_path is not None and not html_path.parent.is_dir():
        raise ValueError(f"--html {html_path}: no folder {html_path.parent}")
    path = manifest or default_manifest()
    snapshot = read_snapshot(load_manifest(path)["contracts"], from_block=from_block)
    click.echo(render_text(snapshot), nl=False)
    if html_path is not None:
        html_path.write_text(render_html(snapshot), encoding="utf8")
        click.echo(f"report written to {html_path}")
