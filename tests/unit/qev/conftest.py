"""Helpers for the QEV auction unit tests: strict revert matching, time travel through a cycle's
phases, redemption requests ("tickets") for named actors, and sealed bids made with zk/.

Phases of cycle k's auction (B = start of cycle k+1): bid [B - bidWindow, B), reveal
[B, B + revealWindow), then sweep and settle. `auction.windows(k)` returns (bidOpens, B, revealCloses).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ape import project

from scripts._suite.qev import Opening, make_bid, place_bid, reveal_bid, settlement_order
from tests.unit.qev.helpers import REQUEST, STAKE

# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="package", autouse=True)
def _no_base_yield(suite: Any, keeper: Any) -> None:
    """wM stops earning for this package (accrued yield harvested first). These tests price servicing
    exactly from views read before the transaction; since revision 2 base yield is in the price every
    second, so a slow machine would see a second of it between the read and the servicing. Base
    yield in the price is tested in tests/integration/test_nav_attacks.py."""
    suite.wm.setEarnerRate(0, sender=suite.deployer)
    suite.usdai.harvestBaseYield(sender=keeper)


@pytest.fixture(scope="package", autouse=True)
def _no_reserve_fee(suite: Any, governance: Any, _no_base_yield: None) -> None:
    """No reserve fee in this package: its tests bid at tiers 4 to 6 (fast proofs), whose fees sit
    below the default reserve of 10 bps. The reserve fee at its default has its own tests
    (tests/unit/qev/test_reserve.py), which set it back."""
    suite.auction.setMinFee(0, sender=governance)


@pytest.fixture(scope="session")
def operator(accounts: Any) -> Any:
    """An ERC-7540 operator the tests approve for alice (no role, no shares of its own)."""
    return accounts[11]


@pytest.fixture(scope="session")
def at(pin_time: Callable[[int], int]) -> Callable[[int], int]:
    """`at(t)`: the shared `pin_time` (views read now see what the next transaction sees)."""
    return pin_time


@pytest.fixture
def cycle(vault: Any) -> int:
    """The cycle the test starts in (cycle 0: the suite was just deployed)."""
    return int(vault.currentCycle())


@pytest.fixture(scope="session")
def phase(auction: Any, vault: Any, at: Callable[[int], int]) -> Callable[..., int]:
    """`phase(name, cycle=None, offset=0)`: moves to the start (plus `offset` seconds) of a phase of
    `cycle`'s auction (default: the current cycle) and returns the timestamp. Names: `bid` (bid
    window opens), `reveal` (the boundary B), `closed` (reveal window closed: sweep and settle)."""

    def _phase(name: str, cycle_id: int | None = None, offset: int = 0) -> int:
        cycle_id = int(vault.currentCycle()) if cycle_id is None else cycle_id
        bid_opens, boundary, reveal_closes = (int(t) for t in auction.windows(cycle_id))
        start = {"bid": bid_opens, "reveal": boundary, "closed": reveal_closes}[name]
        return at(start + offset)

    return _phase


@pytest.fixture(scope="session")
def requests(vault: Any, stake: Callable[[Any, int], int]) -> Callable[..., list[int]]:
    """`requests(*actors, shares=REQUEST, controller=None)`: stakes STAKE for each actor and opens one
    redemption request of `shares` each; returns the ids. With `controller`, each request is the
    actor's, then its ticket is handed to `controller` (ERC-721 transfer): a request names another
    controller only with its consent."""

    def _requests(*actors: Any, shares: int = REQUEST, controller: Any = None) -> list[int]:
        ids = []
        for who in actors:
            if vault.balanceOf(who) < shares:
                stake(who, max(STAKE, shares))
            tx = vault.requestRedeem(shares, who, who, sender=who)
            ids.append(int(tx.return_value))
            if controller is not None:
                ticket = project.RedemptionTicket.at(vault.ticket())
                ticket.transferFrom(who, controller, ids[-1], sender=who)
        return ids

    return _requests


@pytest.fixture(scope="session")
def sealed_args(chain: Any, auction: Any, vault: Any) -> Callable[..., tuple[Opening, list[int], bytes]]:
    """`sealed_args(bidder, ticket, fee, tier=4, cycle_id=None, chain_id=None, auction_address=None)`:
    a fresh (opening, commitment words, proof) bound to the given context (default: this chain, this
    auction, the current cycle) without sending it."""

    def _args(
        bidder: Any,
        ticket: int,
        fee: int,
        tier: int = 4,
        cycle_id: int | None = None,
        chain_id: int | None = None,
        auction_address: str | None = None,
    ) -> tuple[Opening, list[int], bytes]:
        return make_bid(
            chain.chain_id if chain_id is None else chain_id,
            auction_address or auction.address,
            getattr(bidder, "address", bidder),
            int(vault.currentCycle()) if cycle_id is None else cycle_id,
            ticket,
            fee,
            tier,
        )

    return _args


@pytest.fixture(scope="session")
def seal(auction: Any, vault: Any) -> Callable[..., Opening]:
    """`seal(bidder, ticket, fee, tier=4)`: places a valid sealed bid for the current cycle; returns
    the opening."""

    def _seal(bidder: Any, ticket: int, fee: int, tier: int = 4) -> Opening:
        opening, _ = place_bid(auction, vault, bidder, ticket, fee, tier)
        return opening

    return _seal


@pytest.fixture(scope="session")
def unseal(auction: Any) -> Callable[[Opening, Any], Any]:
    """`unseal(opening, sender)`: reveals a bid; returns the receipt."""

    def _unseal(opening: Opening, sender: Any) -> Any:
        return reveal_bid(auction, opening, sender)

    return _unseal


@pytest.fixture(scope="session")
def order(auction: Any) -> Callable[[int, list[int]], list[int]]:
    """`order(cycle, tickets)`: the settlement list (revealed bids, fee descending, then ticket)."""

    def _order(cycle_id: int, tickets: list[int]) -> list[int]:
        return settlement_order(auction, cycle_id, tickets)

    return _order


@pytest.fixture(scope="session")
def sealed_round(
    requests: Callable[..., list[int]], phase: Callable[..., int], seal: Callable[..., Opening]
) -> Any:
    """`sealed_round((actor, fee[, tier]), ..., shares=REQUEST)`: one request per spec (in that order,
    so ticket ids ascend with it), then the bid window of the current cycle and one sealed bid each
    (tier 4 unless given); returns (tickets, openings)."""

    def _round(*specs: tuple[Any, ...], shares: int = REQUEST) -> tuple[list[int], list[Opening]]:
        tickets = requests(*(spec[0] for spec in specs), shares=shares)
        phase("bid")
        openings = [
            seal(spec[0], ticket, spec[1], spec[2] if len(spec) > 2 else 4)
            for spec, ticket in zip(specs, tickets, strict=True)
        ]
        return tickets, openings

    return _round
