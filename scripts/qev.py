"""QEV client: `ape run qev bid|reveal|sweep|settle|status --network ...`.

Bidders make a sealed bid (fresh blinding, Pedersen commitment and range proof from zk/; the opening
saved to a file only its owner can read) and later reveal it. Keepers sweep unrevealed bids and
settle the cycle in batches with the eligible revealed bids sorted from the auction's events (a
partial settlement that left a bid out is challenged first). The auction's address comes from
`--auction`, else from the deployment manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from ape import chain, project
from ape.cli import ConnectedProviderCommand, account_option, network_option
from eth_utils import is_hex_address

from scripts._suite.abi import enum_name
from scripts._suite.errors import format_value, one_line_errors, preflight
from scripts._suite.manifest import manifest_option, resolve
from scripts._suite.prompts import confirm_live
from scripts._suite.qev import (
    Opening,
    bid_status,
    bid_tickets,
    make_bid,
    settle_in_batches,
    settlement_order,
    tier_for,
)

DEFAULT_OPENINGS = Path.home() / ".qev" / "openings"
MAX_TIER = 13  # RangeProofLib.MAX_TIER: a bid proves f < 2^13


# Contract reverts and bad input become one human line (exit 1), never a traceback.
explained = one_line_errors("QEVAuction", "StakedUSDai")


def _auction(address: str | None, manifest: Path | None = None) -> Any:
    """The auction at `address` (else the manifest's), refusing what is not an address or holds no code."""
    address = resolve(address, manifest, "QEVAuction", "--auction")
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




@click.group()
def cli() -> None:
    """Sealed-bid priority auction client."""


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@account_option()
@click.option("--auction", "auction_address", default=None, help="QEVAuction proxy address (default: the manifest's).")
@manifest_option
@click.option("--ticket", "ticket_id", type=int, required=True, help="Your redemption request id.")
@click.option("--fee", "fee_bps", type=int, required=True, help="Priority fee in bps (0 to 8191).")
@click.option("--tier", type=click.IntRange(4, MAX_TIER), default=None, help="Range tier (default: smallest that fits).")
@click.option("--openings", type=click.Path(path_type=Path), default=DEFAULT_OPENINGS, show_default=True)
@click.option("--dry-run", is_flag=True, help="Build the bid and simulate it against the chain, send nothing.")
@click.option("--yes", is_flag=True, help="Do not ask before broadcasting to a live network.")
@explained
def bid(
    account: Any, auction_address: str | None, ticket_id: int, fee_bps: int, tier: int | None, openings: Path,
    dry_run: bool, yes: bool, manifest: Path | None = None,
) -> None:
    """Seal a bid for TICKET and lock its bond (the opening is saved before the bid is sent)."""
    chosen = check_fee(fee_bps, tier)
    auction = _auction(auction_address, manifest)
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
    confirm_live(yes, f"a bid for ticket {ticket_id}")
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
    confirm_live(yes, f"the reveal of ticket {opening.ticket_id}")
    auction.reveal(opening.ticket_id, list(opening.commitment), opening.fee_bps, opening.blinding, sender=account)
    click.echo(f"revealed ticket {opening.ticket_id}: {opening.fee_bps} bps")


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@account_option()
@click.option("--auction", "auction_address", default=None, help="QEVAuction proxy address (default: the manifest's).")
@manifest_option
@click.option("--cycle", "cycle_id", type=int, required=True)
@click.option("--yes", is_flag=True)
@explained
def sweep(account: Any, auction_address: str | None, cycle_id: int, yes: bool, manifest: Path | None = None) -> None:
    """Burn the bonds of every bid of CYCLE left unrevealed (keeper tip to you)."""
    auction = _auction(auction_address, manifest)
    sealed_status = bid_status(auction, "Sealed")
    sealed = [t for t in bid_tickets(auction, cycle_id) if int(auction.bidOf(cycle_id, t).status) == sealed_status]
    if sealed:
        confirm_live(yes, f"{len(sealed)} sweeps")
    for ticket_id in sealed:
        auction.sweep(cycle_id, ticket_id, sender=account)
    click.echo(f"swept {len(sealed)} unrevealed bids of cycle {cycle_id}")


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@account_option()
@click.option("--auction", "auction_address", default=None, help="QEVAuction proxy address (default: the manifest's).")
@manifest_option
@click.option("--cycle", "cycle_id", type=int, required=True)
@click.option("--batch", type=click.IntRange(1, 4096), default=256, show_default=True, help="Entries per transaction.")
@click.option("--yes", is_flag=True)
@explained
def settle(
    account: Any, auction_address: str | None, cycle_id: int, yes: bool, batch: int = 256, manifest: Path | None = None
) -> None:
    """Settle CYCLE: its eligible revealed bids by fee, then request order, in batches."""
    auction = _auction(auction_address, manifest)
    if auction.roundOf(cycle_id).settled:
        raise ValueError(f"cycle {cycle_id} is already settled")
    order = settlement_order(auction, cycle_id, bid_tickets(auction, cycle_id))
    confirm_live(yes, f"the settlement of cycle {cycle_id}")
    for line in settle_in_batches(auction, cycle_id, order, account, batch):
        click.echo(line)
    click.echo(f"settled cycle {cycle_id}: {order}")


@cli.command(cls=ConnectedProviderCommand)
@network_option()
@click.option("--auction", "auction_address", default=None, help="QEVAuction proxy address (default: the manifest's).")
@manifest_option
@click.option("--cycle", "cycle_id", type=int, required=True)
@explained
def status(auction_address: str | None, cycle_id: int, manifest: Path | None = None) -> None:
    """Print CYCLE's phases and counts, then its bids (tiers only until revealed)."""
    auction = _auction(auction_address, manifest)
    opens, boundary, closes = (int(t) for t in auction.windows(cycle_id))
    r = auction.roundOf(cycle_id)
    click.echo(
        f"cycle {cycle_id}: bids {format_value('timestamp', opens)} to {format_value('timestamp', boundary)}, "
        f"reveals until {format_value('timestamp', closes)}"
    )
    click.echo(
        f"{r.bids} bids, {r.revealed} revealed ({r.eligible} at or above the {r.minFeeBps} bps reserve), "
        f"{r.swept} swept, {r.ranked} ranked, {'settled' if r.settled else 'not settled'}"
    )
    revealed_status = bid_status(auction, "Revealed")
    for ticket_id in bid_tickets(auction, cycle_id):
        b = auction.bidOf(cycle_id, ticket_id)
        fee = b.feeBps if int(b.status) == revealed_status else "-"
        status = enum_name(auction, "BidStatus", int(b.status)).lower()
        click.echo(f"ticket {ticket_id}: tier {b.tier}, {status}, fee {fee}, bond {b.bondShares}")
