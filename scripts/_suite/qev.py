"""QEV client logic shared by `scripts/qev.py`, the demo, the benchmarks and the tests: sealed bids
made with zk/ (fresh blinding, commitment, range proof), openings kept in private files, and the
keeper's sorted settlement list."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from scripts._suite.abi import enum_value
from zk import commit, context, prove, random_blinding


@dataclass(frozen=True)
class Opening:
    """What a bidder must keep secret until the reveal window."""

    auction: str
    cycle_id: int
    ticket_id: int
    tier: int
    fee_bps: int
    blinding: int
    commitment: tuple[int, int]

    def save(self, path: Path) -> Path:
        """Writes the opening readable by its owner only (0600), refusing to overwrite one, and syncs it
        to disk: the CLI saves it before the bid is sent, so that a bond is never left without it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump({**asdict(self), "commitment": [str(c) for c in self.commitment], "blinding": str(self.blinding)}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        return path

    @classmethod
    def load(cls, path: Path) -> Opening:
        raw = json.loads(path.read_text())
        return cls(
            auction=raw["auction"],
            cycle_id=int(raw["cycle_id"]),
            ticket_id=int(raw["ticket_id"]),
            tier=int(raw["tier"]),
            fee_bps=int(raw["fee_bps"]),
            blinding=int(raw["blinding"]),
            commitment=(int(raw["commitment"][0]), int(raw["commitment"][1])),
        )


def tier_for(fee_bps: int, minimum: int = 4) -> int:
    """The smallest tier whose range holds `fee_bps` (the bond grows with the tier)."""
    return max(minimum, fee_bps.bit_length())


def make_bid(
    chain_id: int, auction: str, bidder: str, cycle_id: int, ticket_id: int, fee_bps: int, tier: int | None = None
) -> tuple[Opening, list[int], bytes]:
    """A fresh sealed bid: (opening to keep, commitment words, proof bytes)."""
    tier = tier if tier is not None else tier_for(fee_bps)
    blinding = random_blinding()
    commitment = commit(fee_bps, blinding)
    ctx = context(chain_id, auction, bidder, cycle_id, ticket_id, tier)
    proof = prove(fee_bps, blinding, tier, ctx)
    opening = Opening(str(auction), cycle_id, ticket_id, tier, fee_bps, blinding, (commitment[0], commitment[1]))
    return opening, [commitment[0], commitment[1]], proof


def place_bid(auction: Any, vault: Any, bidder: Any, ticket_id: int, fee_bps: int, tier: int | None = None) -> tuple[Opening, Any]:
    """Makes and sends a bid for the current cycle; returns (opening, receipt)."""
    cycle_id = int(vault.currentCycle())
    opening, words, proof = make_bid(
        auction.provider.chain_id, auction.address, bidder.address, cycle_id, ticket_id, fee_bps, tier
    )
    receipt = auction.bid(ticket_id, opening.tier, words, proof, sender=bidder)
    return opening, receipt


def bid_status(auction: Any, member: str) -> int:
    """The number of `IQEVAuction.BidStatus.<member>` (from the compiled ABI and its source)."""
    return enum_value(auction, "BidStatus", member)


def reveal_bid(auction: Any, opening: Opening, sender: Any) -> Any:
    return auction.reveal(opening.ticket_id, list(opening.commitment), opening.fee_bps, opening.blinding, sender=sender)


def settlement_order(auction: Any, cycle_id: int, ticket_ids: list[int]) -> list[int]:
    """The eligible revealed bids among `ticket_ids` (fee at or above the round's reserve), sorted as
    settlement requires: fee descending, then ticket (request) order."""
    reserve = int(auction.roundOf(cycle_id).minFeeBps)
    revealed_status = bid_status(auction, "Revealed")
    revealed = []
    for ticket_id in ticket_ids:
        bid = auction.bidOf(cycle_id, ticket_id)
        if int(bid.status) == revealed_status and int(bid.feeBps) >= reserve:
            revealed.append((int(bid.feeBps), ticket_id))
    return [ticket for _, ticket in sorted(revealed, key=lambda item: (-item[0], item[1]))]


def settlement_resume(auction: Any, cycle_id: int, order: list[int]) -> tuple[int | None, int]:
    """Where a paginated settlement stands against the correct `order`: (position to challenge, or
    None; index of the next entry to submit). An on-chain prefix that differs from `order` at p left
    out `order[p]`, which ranks between its entries p - 1 and p: that is the challenge."""
    ranked = int(auction.roundOf(cycle_id).ranked)
    for position in range(ranked):
        ticket_id, _ = auction.priorityAt(cycle_id, position)
        if int(ticket_id) != order[position]:
            return position, 0
    return None, ranked


def settle_in_batches(auction: Any, cycle_id: int, order: list[int], sender: Any, batch: int) -> list[str]:
    """Finishes the settlement of `cycle_id` in batches of at most `batch` entries, first discarding a
    partial list that left a bid out; returns one line per transaction."""
    lines = []
    challenge, start = settlement_resume(auction, cycle_id, order)
    if challenge is not None:
        auction.challengeSettlement(cycle_id, order[challenge], challenge, sender=sender)
        lines.append(f"challenged a partial settlement that left out ticket {order[challenge]}")
    if start == len(order) and order:
        return lines
    for first in range(start, max(len(order), 1), batch):
        chunk = order[first : first + batch]
        auction.settle(cycle_id, chunk, sender=sender)
        lines.append(f"ranked {first + len(chunk)} of {len(order)}")
    return lines


def bid_tickets(auction: Any, cycle_id: int, start_block: int = 0) -> list[int]:
    """The tickets that placed a bid in `cycle_id`, from the auction's `BidPlaced` logs."""
    from ape import chain

    logs = auction.BidPlaced.range(start_block, chain.blocks.height + 1)
    return sorted({int(log.ticketId) for log in logs if int(log.cycleId) == cycle_id})

