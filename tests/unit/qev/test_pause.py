"""Pausing the auction stops new bids only: reveals, sweeps, settlement and servicing stay open, so a
pause never traps a bond or a redemption."""

from __future__ import annotations

from tests.unit.qev.helpers import REQUEST, fee_for


def test_bid__paused__reverts_enforced_pause(
    auction, alice, pauser, requests, phase, sealed_args, cycle, reverts
):
    (ticket,) = requests(alice)
    phase("bid")
    auction.pause(sender=pauser)
    _, words, proof = sealed_args(alice, ticket, 7)
    with reverts(auction.EnforcedPause):
        auction.bid(ticket, 4, words, proof, sender=alice)
    auction.unpause(sender=pauser)
    auction.bid(ticket, 4, words, proof, sender=alice)
    assert auction.roundOf(cycle).bids == 1


def test_paused__reveal_sweep_settle_service__stay_open(
    auction, vault, alice, bob, keeper, pauser, sealed_round, phase, unseal, cycle
):
    tickets, openings = sealed_round((alice, 6), (bob, 2))
    auction.pause(sender=pauser)
    phase("reveal", cycle)
    unseal(openings[0], alice)
    phase("closed", cycle)
    auction.sweep(cycle, tickets[1], sender=keeper)
    auction.settle(cycle, [tickets[0]], sender=keeper)
    tx = vault.serviceRedemptions(10, sender=keeper)
    served = [(e.requestId, e.feeShares) for e in tx.events.filter(vault.RedemptionServiced)]
    assert served == [(tickets[0], fee_for(REQUEST, 6)), (tickets[1], 0)]
    assert auction.paused()
