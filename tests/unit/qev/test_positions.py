"""Tickets carry their bids (docs/DECISIONS.md, QEV and "Requests are positions"): after a transfer the new holder bids and reveals
with the opening it bought, the bond stays with the request, and the seller can do neither. The
reserve fee at its default, and the squatter the issue measured: many cheap bids cannot take the
priority an honest, higher bid pays for."""

from __future__ import annotations

import pytest
from ape import project

from tests.unit.qev.helpers import REQUEST, bond_for, fee_for


@pytest.fixture
def ticket_nft(vault):
    return project.RedemptionTicket.at(vault.ticket())


@pytest.fixture
def reserve(auction, governance):
    """The reserve fee at its deployed default (this package otherwise runs without one)."""
    auction.setMinFee(auction.DEFAULT_MIN_FEE_BPS(), sender=governance)
    return int(auction.minFeeBps())


def test_sold_ticket__buyer_bids__seller_cannot(
    auction, vault, ticket_nft, alice, carol, requests, phase, sealed_args, seal, reverts
):
    (ticket,) = requests(alice)
    ticket_nft.transferFrom(alice, carol, ticket, sender=alice)
    phase("bid")
    _, words, proof = sealed_args(alice, ticket, 7)
    with reverts(auction.BidderUnauthorized, sender=alice, ticketId=ticket):
        auction.bid(ticket, 4, words, proof, sender=alice)
    seal(carol, ticket, 7)
    assert vault.bondOf(ticket) == bond_for(REQUEST, 4)


def test_sold_with_sealed_bid__buyer_reveals_with_the_bought_opening__bond_stays(
    auction, vault, ticket_nft, alice, carol, keeper, requests, phase, seal, unseal, cycle
):
    (ticket,) = requests(alice)
    phase("bid")
    opening = seal(alice, ticket, 12)
    bond = bond_for(REQUEST, 4)
    # Alice sells the ticket and hands over the opening; the bond goes with the request.
    ticket_nft.transferFrom(alice, carol, ticket, sender=alice)
    assert vault.bondOf(ticket) == bond
    assert vault.pendingRedeemRequest(ticket, carol) == REQUEST
    phase("reveal", cycle)
    tx = unseal(opening, carol)
    assert tx.events.filter(vault.BondReleased) == [vault.BondReleased(requestId=ticket, shares=bond)]
    phase("closed", cycle)
    auction.settle(cycle, [ticket], sender=keeper)
    tx = vault.serviceRedemptions(10, sender=keeper)
    served = [(e.requestId, e.controller, e.shares, e.feeShares) for e in tx.events.filter(vault.RedemptionServiced)]
    assert served == [(ticket, carol.address, REQUEST, fee_for(REQUEST, 12))]
    assert vault.maxRedeem(alice) == 0
    assert vault.maxRedeem(carol) == REQUEST - fee_for(REQUEST, 12)


def test_bonded_ticket__cannot_be_reduced_until_revealed(
    auction, vault, alice, requests, phase, seal, unseal, cycle, reverts
):
    (ticket,) = requests(alice)
    phase("bid")
    opening = seal(alice, ticket, 3)
    with reverts(vault.RequestBonded, requestId=ticket):
        vault.reduceRedeemRequest(ticket, REQUEST // 2, sender=alice)
    phase("reveal", cycle)
    unseal(opening, alice)
    vault.reduceRedeemRequest(ticket, REQUEST // 2, sender=alice)
    assert vault.pendingRedeemRequest(ticket, alice) == REQUEST // 2


def test_reserve_fee__bid_below_it__bond_back_no_priority(
    auction, vault, alice, bob, keeper, reserve, sealed_round, phase, unseal, cycle, reverts
):
    tickets, openings = sealed_round((alice, reserve - 1), (bob, reserve))
    phase("reveal", cycle)
    tx = unseal(openings[0], alice)
    # The bond comes back all the same.
    bond = bond_for(REQUEST, 4)
    assert tx.events.filter(vault.BondReleased) == [vault.BondReleased(requestId=tickets[0], shares=bond)]
    unseal(openings[1], bob)
    round_ = auction.roundOf(cycle)
    assert (round_.revealed, round_.eligible, round_.minFeeBps) == (2, 1, reserve)
    phase("closed", cycle)
    with reverts(auction.SettlementEntryInvalid, index=0, ticketId=tickets[0]):
        auction.settle(cycle, [tickets[0]], sender=keeper)
    auction.settle(cycle, [tickets[1]], sender=keeper)
    assert auction.priorityStatus(cycle) == (True, 1)


def test_reserve_fee__fixed_by_the_rounds_first_bid(
    auction, governance, alice, bob, reserve, sealed_round, phase, unseal, cycle
):
    tickets, openings = sealed_round((alice, 12), (bob, 12))
    auction.setMinFee(15, sender=governance)  # too late for this round
    phase("reveal", cycle)
    for opening, who in zip(openings, (alice, bob), strict=True):
        unseal(opening, who)
    assert auction.roundOf(cycle).eligible == 2


def test_squatter__many_cheap_bids__honest_higher_bid_served_first_and_pays(
    auction, vault, alice, bob, keeper, reserve, requests, phase, seal, unseal, cycle
):
    """The issue's crowding-out: a squatter fills the auction with cheap bids at the window's opening.
    With a reserve fee its fee-0 bids buy nothing, the cap is 4,096 (about 1.1 billion gas to fill),
    and settlement is paginated: the honest bid at 50 bps is served first and pays; the squatter's
    requests wait their FIFO turn and pay no fee."""
    squat = requests(alice, alice, alice, alice, alice, alice)
    (honest,) = requests(bob)
    phase("bid")
    openings = [seal(alice, t, 0) for t in squat]
    honest_opening = seal(bob, honest, 50, 6)
    phase("reveal", cycle)
    for opening in openings:
        unseal(opening, alice)
    unseal(honest_opening, bob)
    assert auction.roundOf(cycle).eligible == 1
    phase("closed", cycle)
    auction.settle(cycle, [honest], sender=keeper)
    tx = vault.serviceRedemptions(20, sender=keeper)
    served = [(e.requestId, e.feeShares) for e in tx.events.filter(vault.RedemptionServiced)]
    assert served[0] == (honest, fee_for(REQUEST, 50))
    assert served[1:] == [(t, 0) for t in squat]
    assert auction.maxBids() == 4096


def test_fee_eating_a_dust_fill__links_no_empty_claim__sold_claim_stays_the_buyers(
    auction, vault, usdai, ticket_nft, alice, carol, keeper, governance, strategist, mint_usdai,
    requests, phase, seal, unseal, cycle,
):
    """Review finding: a winner served one share at a time when the vault holds 1 wei had its fee
    (rounded up) take the whole part; the empty claim was linked into the holder's list and stayed
    there after the ticket was sold, so the seller's next claim walked into the buyer's claim. Now such
    a part is not served (the liquidity cannot pay one net share), and an empty claim is never linked."""
    winner, later = requests(alice, alice)
    phase("bid")
    opening = seal(alice, winner, 12)
    phase("reveal", cycle)
    unseal(opening, alice)
    phase("closed", cycle)
    auction.settle(cycle, [winner], sender=keeper)
    # All idle USDai out (a test-only registry), then 1 wei of liquidity.
    mock = project.MockSeniorCapital.deploy(usdai, vault, sender=governance)
    vault.setRegistry(mock, sender=governance)
    idle = usdai.balanceOf(vault) - vault.reservedAssets()
    vault.allocate(1, idle, sender=strategist)
    mint_usdai(keeper, 1)
    usdai.transfer(vault, 1, sender=keeper)
    tx = vault.serviceRedemptions(1, sender=keeper)
    assert tx.events.filter(vault.RedemptionServiced) == []
    assert vault.claimOf(winner) == (0, 0, 0)
    # Alice sells the winning ticket; cash comes home; both requests are served.
    ticket_nft.transferFrom(alice, carol, winner, sender=alice)
    mock.returnToVault(idle, sender=keeper)
    vault.serviceRedemptions(10, sender=keeper)
    sold, kept = vault.claimOf(winner), vault.claimOf(later)
    assert sold.shares == REQUEST - fee_for(REQUEST, 12) and kept.shares == REQUEST
    assert (vault.maxRedeem(carol), vault.maxRedeem(alice)) == (sold.shares, kept.shares)
    # Each claims exactly its own request.
    assert vault.redeem(kept.shares, alice, alice, sender=alice).return_value == kept.assets
    assert vault.redeem(sold.shares, carol, carol, sender=carol).return_value == sold.assets
