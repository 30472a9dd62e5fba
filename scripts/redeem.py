"""Redemption client: `ape run redeem request|list|cancel|claim|transfer --network ...`.

Every request is a ticket (ERC-721) with a place in the queue. A holder requests, lists its tickets
(pending, bonded, claimable, due date, place), cancels or reduces one, claims what was serviced, and
sells a ticket by transferring it. The vault's address comes from `--vault`, else from the deployment
manifest. Every failure prints one line: the decoded custom error, amounts in units and dates as dates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from ape.cli import ConnectedProviderCommand, account_option, network_option
from eth_utils import is_hex_address

from scripts._suite import redeem as lib
from scripts._suite.errors import format_value, one_line_errors
from scripts._suite.manifest import manifest_option, resolve
from scripts._suite.prompts import confirm_live

vault_option = click.option("--vault", "vault_address", default=None, help="sUSDai proxy address (default: the manifest's).")
yes_option = click.option("--yes", is_flag=True, help="Do not ask before broadcasting to a live network.")
dry_run_option = click.option("--dry-run", is_flag=True, help="Simulate against the chain; send nothing.")

# Contract reverts and bad input become one human line (exit 1), never a traceback.
_one_line = one_line_errors("StakedUSDai", "RedemptionTicket")


def explained(func: Any) -> Any:
    """One line per error; `--dry-run` ends after a successful simulation with one line too."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            func(*args, **kwargs)
        except lib.DryRun as done:
            click.echo(f"dry run: {done} simulates successfully; nothing sent")

    return _one_line(wrapper)


def _contracts(vault_address: str | None, manifest: Path | None) -> tuple[Any, Any]:
    address = resolve(vault_address, manifest, "sUSDai", "--vault")
    if not is_hex_address(address):
        raise ValueError(f"not an address: {address!r}")
    return lib.contracts(address)




@click.group()
def cli() -> None:
    """sUSDai redemptions: request, list, cancel, claim, transfer."""


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@account_option()
@vault_option
@manifest_option
@click.option("--shares", "amount", required=True, help="sUSDai to redeem, e.g. 1000 or 1,000.5.")
@yes_option
@dry_run_option
@explained
def request(
    account: Any, amount: str, yes: bool, vault_address: str | None = None, manifest: Path | None = None,
    dry_run: bool = False,
) -> None:
    """Request a redemption: escrows the shares and mints your ticket."""
    vault, _ = _contracts(vault_address, manifest)
    wei = lib.shares(amount)
    confirm_live(yes, f"a request for {lib.units(wei)} sUSDai")
    ticket_id, due = lib.request(vault, account, wei, dry_run)
    click.echo(f"ticket {ticket_id}: {lib.units(wei)} sUSDai, due {format_value('timestamp', due)}")


@cli.command(name="list", cls=ConnectedProviderCommand)
@network_option()
@account_option()
@vault_option
@manifest_option
@explained
def list_(account: Any, vault_address: str | None = None, manifest: Path | None = None) -> None:
    """The tickets you hold: pending, bonded, claimable, due date and place."""
    vault, ticket = _contracts(vault_address, manifest)
    held = lib.held_tickets(vault, ticket, account.address)
    if not held:
        click.echo("no tickets")
    for ticket_id in held:
        click.echo(lib.position(vault, ticket, ticket_id).line())


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@account_option()
@vault_option
@manifest_option
@click.option("--ticket", "ticket_id", type=int, required=True)
@click.option("--shares", "amount", default=None, help="sUSDai to take back (default: all pending).")
@yes_option
@dry_run_option
@explained
def cancel(
    account: Any, ticket_id: int, amount: str | None, yes: bool, vault_address: str | None = None,
    manifest: Path | None = None, dry_run: bool = False,
) -> None:
    """Cancel or reduce a ticket's pending shares (not while its QEV bond is locked)."""
    vault, _ = _contracts(vault_address, manifest)
    confirm_live(yes, f"a cancellation on ticket {ticket_id}")
    returned, remaining = lib.cancel(vault, account, ticket_id, lib.shares(amount) if amount else None, dry_run)
    click.echo(f"ticket {ticket_id}: {lib.units(returned)} sUSDai returned, {lib.units(remaining)} still pending")


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@account_option()
@vault_option
@manifest_option
@click.option("--shares", "amount", default=None, help="sUSDai to claim (default: all claimable).")
@click.option("--to", "receiver", default=None, help="Receiver of the USDai (default: you).")
@yes_option
@dry_run_option
@explained
def claim(
    account: Any, amount: str | None, receiver: str | None, yes: bool, vault_address: str | None = None,
    manifest: Path | None = None, dry_run: bool = False,
) -> None:
    """Claim serviced redemptions (oldest claimable first)."""
    vault, _ = _contracts(vault_address, manifest)
    if receiver is not None and not is_hex_address(receiver):
        raise ValueError(f"not an address: {receiver!r}")
    confirm_live(yes, "a claim")
    claimed, assets = lib.claim(vault, account, lib.shares(amount) if amount else None, receiver, dry_run)
    click.echo(f"claimed {lib.units(claimed)} sUSDai for {lib.units(assets)} USDai")


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@account_option()
@vault_option
@manifest_option
@click.option("--ticket", "ticket_id", type=int, required=True)
@click.option("--to", "to", required=True, help="The buyer's address.")
@yes_option
@dry_run_option
@explained
def transfer(
    account: Any, ticket_id: int, to: str, yes: bool, vault_address: str | None = None, manifest: Path | None = None,
    dry_run: bool = False,
) -> None:
    """Hand a ticket to TO: its pending and claimable parts, its bid and its place."""
    vault, ticket = _contracts(vault_address, manifest)
    if not is_hex_address(to):
        raise ValueError(f"not an address: {to!r}")
    confirm_live(yes, f"the transfer of ticket {ticket_id}")
    lib.transfer(vault, ticket, account, ticket_id, to, dry_run)
    click.echo(f"ticket {ticket_id} now held by {to}")
