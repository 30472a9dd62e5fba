"""The vault's side of QEV: auction-only bond hooks, servicing gated on the settlement, winners first in
settled order paying their fee (pay-as-bid, rounded up), then FIFO; fees and bonds reach no one but
the vault's stayers (burned) and the sweeping keeper (tip)."""

from __future__ import annotations

import pytest

from scripts._suite.deployment import DEAD, USDAI
from tests.reference.shares import to_assets_down
from tests.unit.qev.helpers import REQUEST, bond_for, fee_for


@pytest.fixture
def watched(accounts):
    """Every account that could receive a fee or a bond, and the dead-shares holder."""
    return [*accounts[:13], DEAD]


# ---------------------------------------------------------------- hooks


@pytest.mark.parametrize("hook", ["lockBond", "releaseBond", "forfeitBond"])
@pytest.mark.parametrize("caller_name", ["alice", "governance"])
def test_bond_hook__caller_not_auction__reverts_auction_only(
    vault, requests, alice, hook, caller_name, request, reverts
):
    caller = request.getfixturevalue(caller_name)
    (ticket,) = requests(alice)
    args = {"lockBond": (ticket, 1), "releaseBond": (ticket,), "forfeitBond": (ticket, caller, 0)}[hook]
    with reverts(vault.AuctionOnly, caller=caller):
        getattr(vault, hook)(*args, sender=caller)


# ---------------------------------------------------------------- gate


def test_service__bids_not_settled__reverts_settlement_pending(
    auction, vault, alice, keeper, sealed_round, phase, unseal, cycle, reverts
):
    (ticket,), (op,) = sealed_round((alice, 5))
    phase("reveal", cycle)
    with reverts(vault.SettlementPending, cycleId=cycle):
        vault.serviceRedemptions(10, sender=keeper)
    unseal(op, alice)
    phase("closed", cycle)
    with reverts(vault.SettlementPending, cycleId=cycle):
        vault.serviceRedemptions(10, sender=keeper)
    auction.settle(cycle, [ticket], sender=keeper)
    vault.serviceRedemptions(10, sender=keeper)
    assert vault.pendingRedeemRequest(ticket, alice) == 0


def test_service__auction_without_bids__fifo_at_once(vault, alice, bob, keeper, requests, phase, cycle):
    tickets = requests(alice, bob)
    phase("reveal", cycle)
    tx = vault.serviceRedemptions(10, sender=keeper)
    assert [e.requestId for e in tx.events.filter(vault.RedemptionServiced)] == tickets
    assert all(e.feeShares == 0 for e in tx.events.filter(vault.RedemptionServiced))


# ---------------------------------------------------------------- pay-as-bid


def test_service__settled__winners_pay_ceil_fee_then_fifo(
    auction, vault, alice, bob, carol, keeper, watched, sealed_round, phase, unseal, cycle
):
    shares = REQUEST + 7  # fees and bonds do not divide evenly: every rounding is exercised
    tickets, openings = sealed_round((alice, 3), (bob, 13), (carol, 15, 6), shares=shares)
    phase("reveal", cycle)
    unseal(openings[0], alice)
    unseal(openings[1], bob)
    phase("closed", cycle)

    balances = {str(w): vault.balanceOf(w) for w in watched}
    supply = vault.totalSupply()
    sweep = auction.sweep(cycle, tickets[2], sender=keeper)
    bond = bond_for(shares, 6)
    tip = bond * auction.keeperTipBps() // 10_000
    assert sweep.events.filter(vault.BondForfeited)[0].burnedShares == bond - tip
    auction.settle(cycle, [tickets[1], tickets[0]], sender=keeper)

    nav, left, price = vault.redemptionAssets(), vault.totalSupply(), vault.convertToAssets(USDAI)
    assert left == supply - (bond - tip)
    tx = vault.serviceRedemptions(10, sender=keeper)

    served = tx.events.filter(vault.RedemptionServiced)
    assert [e.requestId for e in served] == [tickets[1], tickets[0], tickets[2]]
    expected_fees = [fee_for(shares, 13), fee_for(shares, 3), 0]
    assert [e.feeShares for e in served] == expected_fees
    assert expected_fees[:2] == [shares * 13 // 10_000 + 1, shares * 3 // 10_000 + 1]
    assert [e.shares for e in served] == [shares, shares, shares - bond]
    for e, fee in zip(served, expected_fees, strict=True):
        # Priced at the running redemption price; fee shares are burned without assets.
        assert e.assets == to_assets_down(e.shares - fee, nav, left)
        nav, left = nav - e.assets, left - e.shares
    assert vault.totalSupply() == left
    assert vault.reservedAssets() == sum(e.assets for e in served)
    for who, ticket, e in zip((alice, bob, carol), tickets, (served[1], served[0], served[2]), strict=True):
        assert vault.pendingRedeemRequest(ticket, who) == 0
        assert vault.claimableRedeemRequest(ticket, who) == e.shares - e.feeShares
    assert vault.balanceOf(vault) == 0
    # Only the keeper gained shares (its tip); the fees and the rest of the bond were burned.
    for w in watched:
        assert vault.balanceOf(w) == balances[str(w)] + (tip if str(w) == str(keeper) else 0)
    assert vault.convertToAssets(USDAI) > price


def test_service__in_batches__priority_then_fifo(
    auction, vault, alice, bob, carol, keeper, sealed_round, requests, phase, unseal, cycle
):
    tickets, openings = sealed_round((alice, 2), (bob, 2), (carol, 8))
    (late,) = requests(alice)  # made in the bid window: due at the same boundary, never bid
    phase("reveal", cycle)
    for opening, who in zip(openings, (alice, bob, carol), strict=True):
        unseal(opening, who)
    phase("closed", cycle)
    auction.settle(cycle, [tickets[2], tickets[0], tickets[1]], sender=keeper)
    order = []
    for batch in (1, 2, 1, 5):
        tx = vault.serviceRedemptions(batch, sender=keeper)
        order += [(e.requestId, e.feeShares) for e in tx.events.filter(vault.RedemptionServiced)]
    # FIFO revisits the winners (already served, nothing left) before reaching the late request.
    assert order == [
        (tickets[2], fee_for(REQUEST, 8)),
        (tickets[0], fee_for(REQUEST, 2)),
        (tickets[1], fee_for(REQUEST, 2)),
        (late, 0),
    ]


def test_service__fee_free_bid__served_first_without_fee(
    auction, vault, alice, bob, keeper, sealed_round, phase, unseal, cycle
):
    tickets, openings = sealed_round((alice, 0), (bob, 0))
    phase("reveal", cycle)
    unseal(openings[1], bob)
    phase("closed", cycle)
    auction.sweep(cycle, tickets[0], sender=keeper)
    auction.settle(cycle, [tickets[1]], sender=keeper)
    tx = vault.serviceRedemptions(10, sender=keeper)
    served = [(e.requestId, e.feeShares) for e in tx.events.filter(vault.RedemptionServiced)]
    assert served == [(tickets[1], 0), (tickets[0], 0)]


# ---------------------------------------------------------------- bonds across servicing


def test_service__fifo_reaches_ticket_with_locked_bond__passes_over_it_and_serves_the_rest(
    auction, vault, alice, bob, keeper, requests, phase, seal, cycle
):
    """The issue's stall: alice's due request is still waiting when she bids in the next cycle's
    auction. Revision 1 served her unbonded shares and stopped there, so bob behind her waited (with
    liquidity) until her bid was revealed or swept. Now FIFO passes over her bond, keeps her place in
    the held list and serves bob."""
    first, second = requests(alice, bob)
    phase("bid", cycle + 1)
    seal(alice, first, 1, 4)
    bond = bond_for(REQUEST, 4)
    tx = vault.serviceRedemptions(10, sender=keeper)
    assert [(e.requestId, e.shares) for e in tx.events.filter(vault.RedemptionServiced)] == [
        (first, REQUEST - bond),
        (second, REQUEST),
    ]
    assert tx.events.filter(vault.RequestHeld) == [vault.RequestHeld(requestId=first)]
    assert vault.pendingRedeemRequest(first, alice) == bond
    assert vault.queueState().fifoHead == second + 1
    assert vault.heldState() == (0, 1) and vault.heldAt(0) == first

    phase("closed", cycle + 1)
    sweep = auction.sweep(cycle + 1, first, sender=keeper)
    tip = bond * auction.keeperTipBps() // 10_000
    assert sweep.events.filter(vault.BondForfeited) == [
        vault.BondForfeited(requestId=first, burnedShares=bond - tip, keeper=keeper, tipShares=tip)
    ]
    # The forfeit emptied alice's request: it leaves her cap; the ticket stays for its claim.
    assert vault.requestOf(first) == (alice.address, 0, False)
    assert vault.openRequests(alice) == 0
    auction.settle(cycle + 1, [], sender=keeper)
    tx = vault.serviceRedemptions(10, sender=keeper)
    assert tx.events.filter(vault.RedemptionServiced) == []
    assert vault.heldState() == (1, 1)
    assert vault.balanceOf(vault) == 0


def test_service__revealed_bond_holder__fee_only_on_what_priority_serves(
    auction, vault, alice, bob, keeper, requests, phase, seal, unseal, cycle
):
    # Same start, but alice reveals: her released bond is all that is left, served first with her fee.
    first, second = requests(alice, bob)
    phase("bid", cycle + 1)
    op = seal(alice, first, 9, 5)
    bond = bond_for(REQUEST, 5)
    tx = vault.serviceRedemptions(10, sender=keeper)
    assert [e.requestId for e in tx.events.filter(vault.RedemptionServiced)] == [first, second]
    phase("reveal", cycle + 1)
    unseal(op, alice)
    phase("closed", cycle + 1)
    auction.settle(cycle + 1, [first], sender=keeper)
    tx = vault.serviceRedemptions(10, sender=keeper)
    served = [(e.requestId, e.shares, e.feeShares) for e in tx.events.filter(vault.RedemptionServiced)]
    assert served == [(first, bond, fee_for(bond, 9))]
    assert vault.openRequests(alice) == 0
    assert vault.heldState() == (1, 1)
