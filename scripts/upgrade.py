"""Upgrade: `ape run upgrade <Contract> --network ... --manifest PATH [--account ...] [--dry-run]`.

Upgrades one core contract (USDai, sUSDai, RedemptionTicket, QEVAuction, CaliberReceipt, FiLoRegistry,
LoanBook, CreditPolicy; any case, or the Solidity name) behind its proxy. The storage layout of the
current sources is compared with the one the manifest recorded at deploy; any incompatible change is
refused, one line per member, before anything is deployed (scripts/_suite/layout.py says what is
compatible). The new implementation is then deployed; if the sending account owns the ProxyAdmin the
upgrade is sent, else the calldata is printed for governance (with a TimelockController's schedule
and execute calls). The manifest is updated (implementations, storageLayouts, history). `--dry-run`
prints the plan and the calldata (at the implementation address the next deploy would get), and
deploys and sends nothing. The logic lives in scripts/_suite/upgrade.py."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from ape.cli import ConnectedProviderCommand, account_option, network_option

from scripts._suite.errors import one_line_errors
from scripts._suite.layout import LayoutError
from scripts._suite.manifest import default_manifest, manifest_option
from scripts._suite.prompts import confirm_live
from scripts._suite.upgrade import UpgradeRefused, run_upgrade


def _salt(value: str | None) -> bytes | None:
    if value is None:
        return None
    raw = bytes.fromhex(value.removeprefix("0x"))
    if len(raw) != 32:
        raise ValueError(f"--salt must be 32 bytes, got {len(raw)}")
    return raw


@click.command(cls=ConnectedProviderCommand)
@network_option()
@account_option()
@click.argument("contract")
@manifest_option
@click.option(
    "--salt",
    default=None,
    help="TimelockController salt (32 bytes hex; default: from contract and implementation).",
)
@click.option("--dry-run", is_flag=True, help="Print the plan and calldata; deploy and send nothing.")
@click.option("--yes", is_flag=True, help="Do not ask before broadcasting to a live network.")
@one_line_errors()
def cli(
    account: Any, contract: str, manifest: Path | None, salt: str | None, dry_run: bool, yes: bool
) -> None:
    """Upgrade CONTRACT's implementation after checking its storage layout."""
    from ape import chain, project

    try:
        run_upgrade(
            manifest or default_manifest(),
            contract,
            account,
            project=project,
            provider=chain.provider,
            dry_run=dry_run,
            salt=_salt(salt),
            echo=click.echo,
            confirm=lambda what: confirm_live(yes, what),
        )
    except UpgradeRefused as refused:
        click.echo(
            f"refused: the new storage layout is incompatible ({len(refused.lines)} change(s)):", err=True
        )
        for line in refused.lines:
            click.echo(line, err=True)
        sys.exit(1)
    except LayoutError as exc:
        raise ValueError(str(exc)) from None
