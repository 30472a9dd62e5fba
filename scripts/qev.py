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
from eth_utils import is_hex_address

from scripts._suite.errors import one_line_errors, preflight
from scripts._suite.qev import Opening, bid_tickets, make_bid, settlement_order, tier_for

DEFAULT_OPENINGS = Path.home() / ".qev" / "openings"
MAX_TIER = 13  # RangeProofLib.MAX_TIER: a bid proves f < 2^13


# Contract reverts and bad input become one human line (exit 1), never a traceback.
explained = one_line_errors("QEVAuction", "StakedUSDai")


def _auction(address: str) -> Any:
    """The auction at `address`, refusing what is not an address or holds no code."""
    if not is_hex_address(address):
        raise ValueError(f"not an address: {address!r}")
    if not chain.provider.get_code(address):
        raise ValueError(f"no contract at {address} on this network")
    return project.QEVAuction.at(address)


def check_fee(fee_bps: int, tier: int | None) -> int:
    """The tier a fee is bid at: the smallest that holds it, or `tier` if it does (f < 2^tier)."""
    if not 0 <= fee_bps < 2**MAX_TIER:
        raise ValueError(f"fee {fee_bps} bps is above the largest biddable fee ({2**MAX_TIER - 1} bps, tier {MAX_TIER})")
    chosen = tier_for(fee_bps) if tier is None else tier
    if fee_bps >= 2**chosen:
        raise ValueError(f"fee {fee_bps} bps does not fit tier {chosen} (fees below {2**chosen} bps)")
    return chosen


def prepare_openings(folder: Path) -> Path:
    """The openings folder, created owner-only; refuses a path that is not a directory before any bid."""
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"--openings {folder} is not a directory")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


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
@click.option("--fee", "fee_bps", type=int, required=True, help="Priority fee in bps (0 to 8191).")
@click.option("--tier", type=click.IntRange(4, MAX_TIER), default=None, help="Range tier (default: smallest that fits).")
@click.option("--openings", type=click.Path(path_type=Path), default=DEFAULT_OPENINGS, show_default=True)
@click.option("--dry-run", is_flag=True, help="Build the bid and simulate it against the chain, send nothing.")
@click.option("--yes", is_flag=True, help="Do not ask before broadcasting to a live network.")
@explained
def bid(account: Any, auction_address: str, ticket_id: int, fee_bps: int, tier: int | None, openings: Path, dry_run: bool, yes: bool) -> None:
    """Seal a bid for TICKET and lock its bond (the opening is saved before the bid is sent)."""
    chosen = check_fee(fee_bps, tier)
    auction = _auction(auction_address)
    folder = prepare_openings(openings)
    vault = project.StakedUSDai.at(auction.vault())
    cycle_id = int(vault.currentCycle())
    opening, words, proof = make_bid(chain.chain_id, auction.address, account.address, cycle_id, ticket_id, fee_bps, chosen)
    click.echo(f"cycle {cycle_id}, ticket {ticket_id}, tier {opening.tier}, proof {len(proof)} bytes")
    refused = preflight(auction.bid, ticket_id, opening.tier, words, proof, sender=account, contracts=(vault,))
    if refused is not None:
        raise ValueError(f"the auction would refuse this bid: {refused}")
    if dry_run:
        click.echo("dry run: the bid simulates successfully; nothing sent")
        return
    _confirm_live(yes, f"a bid for ticket {ticket_id}")
    path = opening.save(folder / f"{auction.address}-{cycle_id}-{ticket_id}.opening.json")
    click.echo(f"opening saved to {path} (keep it until you reveal)")
    auction.bid(ticket_id, opening.tier, words, proof, sender=account)
    click.echo("bid placed")


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@account_option()
@click.option("--opening", "opening_path", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--yes", is_flag=True)
@explained
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
@explained
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
@explained
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
@explained
def status(auction_address: str, cycle_id: int) -> None:
    """Print the bids of CYCLE (tiers only until revealed)."""
    auction = _auction(auction_address)
    names = ["none", "sealed", "revealed", "swept"]
    for ticket_id in bid_tickets(auction, cycle_id):
        b = auction.bidOf(cycle_id, ticket_id)
        fee = b.feeBps if int(b.status) == 2 else "-"
        click.echo(f"ticket {ticket_id}: tier {b.tier}, {names[int(b.status)]}, fee {fee}, bond {b.bondShares}")
