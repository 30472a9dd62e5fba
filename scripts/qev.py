"""QEV client: `ape run qev bid|reveal|sweep|settle|status --network ...`.

Bidders make a sealed bid (fresh blinding, Pedersen commitment and range proof from zk/; the opening
saved to a file only its owner can read) and later reveal it. Keepers sweep unrevealed bids and
settle the cycle with the revealed bids sorted from the auction's events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from ape import chain, project
from ape.cli import ConnectedProviderCommand, account_option, network_option

from scripts._suite.qev import Opening, bid_tickets, make_bid, settlement_order

DEFAULT_OPENINGS = Path.home() / ".qev" / "openings"


def _auction(address: str) -> Any:
    return project.QEVAuction.at(address)


def _confirm_live(yes: bool, what: str) -> None:
    """Local and fork chains go ahead; a live network asks first (or takes --yes)."""
    network = chain.provider.network
    if network.is_local or network.name.endswith("-fork") or yes:
        return
    click.confirm(f"Broadcast {what} to {network.ecosystem.name}:{network.name}?", abort=True)


@click.group()
def cli() -> None:
    """Sealed-bid priority auction client."""


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@account_option()
@click.option("--auction", "auction_address", required=True, help="QEVAuction proxy address.")
@click.option("--ticket", "ticket_id", type=int, required=True, help="Your redemption request id.")
@click.option("--fee", "fee_bps", type=click.IntRange(0, 10_000), required=True, help="Priority fee in bps.")
@click.option("--tier", type=click.IntRange(4, 13), default=None, help="Range tier (default: smallest that fits).")
@click.option("--openings", type=click.Path(path_type=Path), default=DEFAULT_OPENINGS, show_default=True)
@click.option("--dry-run", is_flag=True, help="Build and check the bid, send nothing.")
@click.option("--yes", is_flag=True, help="Do not ask before broadcasting to a live network.")
def bid(account: Any, auction_address: str, ticket_id: int, fee_bps: int, tier: int | None, openings: Path, dry_run: bool, yes: bool) -> None:
    """Seal a bid for TICKET and lock its bond."""
    auction = _auction(auction_address)
    vault = project.StakedUSDai.at(auction.vault())
    cycle_id = int(vault.currentCycle())
    opening, words, proof = make_bid(chain.chain_id, auction.address, account.address, cycle_id, ticket_id, fee_bps, tier)
    click.echo(f"cycle {cycle_id}, ticket {ticket_id}, tier {opening.tier}, proof {len(proof)} bytes")
    if dry_run:
        click.echo("dry run: nothing sent")
        return
    _confirm_live(yes, f"a bid for ticket {ticket_id}")
    auction.bid(ticket_id, opening.tier, words, proof, sender=account)
    path = opening.save(openings / f"{auction.address}-{cycle_id}-{ticket_id}.opening.json")
    click.echo(f"bid placed; opening saved to {path} (keep it until you reveal)")


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@account_option()
@click.option("--opening", "opening_path", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--yes", is_flag=True)
def reveal(account: Any, opening_path: Path, yes: bool) -> None:
    """Reveal a bid from its saved opening."""
    opening = Opening.load(opening_path)
    auction = _auction(opening.auction)
    _confirm_live(yes, f"the reveal of ticket {opening.ticket_id}")
    auction.reveal(opening.ticket_id, list(opening.commitment), opening.fee_bps, opening.blinding, sender=account)
    click.echo(f"revealed ticket {opening.ticket_id}: {opening.fee_bps} bps")


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@account_option()
@click.option("--auction", "auction_address", required=True)
@click.option("--cycle", "cycle_id", type=int, required=True)
@click.option("--yes", is_flag=True)
def sweep(account: Any, auction_address: str, cycle_id: int, yes: bool) -> None:
    """Burn the bonds of every bid of CYCLE left unrevealed (keeper tip to you)."""
    auction = _auction(auction_address)
    sealed = [t for t in bid_tickets(auction, cycle_id) if int(auction.bidOf(cycle_id, t).status) == 1]
    if sealed:
        _confirm_live(yes, f"{len(sealed)} sweeps")
    for ticket_id in sealed:
        auction.sweep(cycle_id, ticket_id, sender=account)
    click.echo(f"swept {len(sealed)} unrevealed bids of cycle {cycle_id}")


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@account_option()
@click.option("--auction", "auction_address", required=True)
@click.option("--cycle", "cycle_id", type=int, required=True)
@click.option("--yes", is_flag=True)
def settle(account: Any, auction_address: str, cycle_id: int, yes: bool) -> None:
    """Settle CYCLE with its revealed bids sorted by fee, then request order."""
    auction = _auction(auction_address)
    order = settlement_order(auction, cycle_id, bid_tickets(auction, cycle_id))
    _confirm_live(yes, f"the settlement of cycle {cycle_id}")
    auction.settle(cycle_id, order, sender=account)
    click.echo(f"settled cycle {cycle_id}: {order}")


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@click.option("--auction", "auction_address", required=True)
@click.option("--cycle", "cycle_id", type=int, required=True)
def status(auction_address: str, cycle_id: int) -> None:
    """Print the bids of CYCLE (tiers only until revealed)."""
    auction = _auction(auction_address)
    names = ["none", "sealed", "revealed", "swept"]
    for ticket_id in bid_tickets(auction, cycle_id):
        b = auction.bidOf(cycle_id, ticket_id)
        fee = b.feeBps if int(b.status) == 2 else "-"
        click.echo(f"ticket {ticket_id}: tier {b.tier}, {names[int(b.status)]}, fee {fee}, bond {b.bondShares}")
