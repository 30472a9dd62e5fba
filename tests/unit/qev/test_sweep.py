"""QEVAuction.sweep: after the reveal window, an unrevealed bid's bond is burned for the holders who
stay, less a keeper tip; nothing else moves."""

from __future__ import annotations

import pytest

from scripts._suite.deployment import DEAD, USDAI
from tests.unit.qev.helpers import REQUEST, bond_for, strict_reverts


def test_sweep__before_reveal_window_closes__reverts_reveal_window_open(
    auction, alice, keeper, sealed_round, phase, cycle, reverts
):
    (ticket,), _ = sealed_round((alice, 4))
    _, _, closes = auction.windows(cycle)
    phase("closed", cycle, offset=-1)
    with reverts(auction.RevealWindowOpen, cycleId=cycle, closes=closes):
        auction.sweep(cycle, ticket, sender=keeper)


def test_sweep__revealed_bid__reverts_bid_not_sealed(
    auction, alice, keeper, sealed_round, phase, unseal, cycle, reverts
):
    (ticket,), (op,) = sealed_round((alice, 4))
    phase("reveal", cycle)
    unseal(op, alice)
    phase("closed", cycle)
    with reverts(auction.BidNotSealed, cycleId=cycle, ticketId=ticket):
        auction.sweep(cycle, ticket, sender=keeper)


def test_sweep__twice__reverts_bid_not_sealed(auction, alice, keeper, sealed_round, phase, cycle, reverts):
    (ticket,), _ = sealed_round((alice, 4))
    phase("closed", cycle)
    auction.sweep(cycle, ticket, sender=keeper)
    with reverts(auction.BidNotSealed, cycleId=cycle, ticketId=ticket):
        auction.sweep(cycle, ticket, sender=keeper)


def test_sweep__ticket_without_bid__reverts_bid_not_sealed(
    auction, alice, bob, keeper, sealed_round, requests, phase, cycle, reverts
):
    sealed_round((alice, 4))
    (other,) = requests(bob)
    phase("closed", cycle)
    with reverts(auction.BidNotSealed, cycleId=cycle, ticketId=other):
        auction.sweep(cycle, other, sender=keeper)


def test_sweep__next_cycle__reverts_reveal_window_open(
    auction, alice, keeper, sealed_round, phase, cycle, reverts
):
    (ticket,), _ = sealed_round((alice, 4))
    phase("closed", cycle)
    _, _, closes = auction.windows(cycle + 1)
    with reverts(auction.RevealWindowOpen, cycleId=cycle + 1, closes=closes):
        auction.sweep(cycle + 1, ticket, sender=keeper)


def test_sweep__cycle_without_the_bid__reverts_bid_not_sealed(
    auction, alice, keeper, sealed_round, phase, cycle, reverts
):
    # The bid is cycle k's; cycle k+1's sweep of the same ticket finds nothing sealed.
    (ticket,), _ = sealed_round((alice, 4))
    phase("closed", cycle + 1)
    with reverts(auction.BidNotSealed, cycleId=cycle + 1, ticketId=ticket):
        auction.sweep(cycle + 1, ticket, sender=keeper)
    assert auction.bidOf(cycle, ticket).status == 1


@pytest.mark.parametrize("tip_bps", [0, 100, 1000])
def test_sweep__unrevealed__burns_bond_less_keeper_tip(
    auction, vault, governance, alice, bob, carol, keeper, sealed_round, phase, unseal, cycle, tip_bps
):
    if tip_bps != auction.keeperTipBps():
        auction.setKeeperTip(tip_bps, sender=governance)
    shares = REQUEST + 11
    (ticket_alice, ticket_bob), (op_alice, _) = sealed_round((alice, 3, 4), (bob, 100, 7), shares=shares)
    phase("reveal", cycle)
    unseal(op_alice, alice)
    phase("closed", cycle)
    bond = bond_for(shares, 7)
    tip = bond * tip_bps // 10_000
    holders = [alice, bob, carol, DEAD]
    balances = [vault.balanceOf(h) for h in holders]
    keeper_before, escrow, supply = vault.balanceOf(keeper), vault.balanceOf(vault), vault.totalSupply()
    price = vault.convertToAssets(USDAI)

    tx = auction.sweep(cycle, ticket_bob, sender=keeper)

    assert tx.events.filter(auction.BidSwept) == [
        auction.BidSwept(cycleId=cycle, ticketId=ticket_bob, keeper=keeper, bondShares=bond)
    ]
    assert tx.events.filter(vault.BondForfeited) == [
        vault.BondForfeited(requestId=ticket_bob, burnedShares=bond - tip, keeper=keeper, tipShares=tip)
    ]
    assert vault.balanceOf(keeper) == keeper_before + tip
    assert vault.totalSupply() == supply - (bond - tip)
    assert vault.balanceOf(vault) == escrow - bond
    assert [vault.balanceOf(h) for h in holders] == balances
    assert vault.bondOf(ticket_bob) == 0
    assert vault.pendingRedeemRequest(ticket_bob, bob) == shares - bond
    assert vault.pendingRedeemRequest(ticket_alice, alice) == shares
    assert auction.bidOf(cycle, ticket_bob).status == 3
    assert auction.roundOf(cycle).swept == 1
    if bond > tip:
        assert vault.convertToAssets(USDAI) > price  # the burn is the stayers' gain


def test_sweep__by_the_bidder__tip_is_all_it_recovers(auction, vault, alice, sealed_round, phase, cycle):
    # Sweeping is permissionless: a bidder that sweeps its own bid gets the tip back, no more.
    (ticket,), _ = sealed_round((alice, 4, 6))
    phase("closed", cycle)
    bond = bond_for(REQUEST, 6)
    before = vault.balanceOf(alice)
    auction.sweep(cycle, ticket, sender=alice)
    assert vault.balanceOf(alice) == before + bond * auction.keeperTipBps() // 10_000


def test_sweep__earlier_unswept_bond_released_by_later_reveal__still_burned(
    auction, vault, alice, keeper, requests, phase, seal, unseal, cycle
):
    (ticket,) = requests(alice)
    phase("bid", cycle)
    seal(alice, ticket, 4, 13)  # never revealed, and nobody sweeps it in time
    first_bond = bond_for(REQUEST, 13)
    phase("bid", cycle + 1)
    # One bond per request: the second bid is refused while the first bond is locked.
    with strict_reverts(vault.BondAlreadyLocked, requestId=ticket):
        seal(alice, ticket, 1, 4)
    tip = first_bond * auction.keeperTipBps() // 10_000
    tx = auction.sweep(cycle, ticket, sender=keeper)
    assert tx.events.filter(vault.BondForfeited)[0].burnedShares == first_bond - tip


def test_set_auction__bond_locked__reverts_bonds_outstanding(vault, alice, governance, requests, phase, seal, cycle):
    (ticket,) = requests(alice)
    phase("bid", cycle)
    seal(alice, ticket, 4, 4)
    # Only the auction that locked a bond can release or burn it.
    with strict_reverts(vault.BondsOutstanding, count=1):
        vault.setAuction("0x0000000000000000000000000000000000000000", sender=governance)
