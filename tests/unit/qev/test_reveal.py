"""QEVAuction.reveal: only the committed (fee, blinding) opens a bid, only inside [B, B + revealWindow),
only once; the bond goes back to the ticket's pending shares."""

from __future__ import annotations

import pytest

from scripts._suite.deployment import DEAD
from tests.unit.qev.helpers import REQUEST, bond_for
from zk import N


def test_reveal__valid_opening__releases_bond(
    auction, vault, alice, bob, keeper, sealed_round, phase, unseal, cycle
):
    shares = REQUEST + 3
    (ticket,), (opening,) = sealed_round((alice, 9, 5), shares=shares)
    bond = bond_for(shares, 5)
    phase("reveal", cycle)
    holders = [alice, bob, keeper, DEAD, vault]
    balances = [vault.balanceOf(h) for h in holders]
    supply = vault.totalSupply()

    tx = unseal(opening, alice)

    assert tx.events.filter(auction.BidRevealed) == [
        auction.BidRevealed(cycleId=cycle, ticketId=ticket, feeBps=9)
    ]
    assert tx.events.filter(vault.BondReleased) == [vault.BondReleased(requestId=ticket, shares=bond)]
    assert vault.bondOf(ticket) == 0
    assert vault.requestOf(ticket).shares == shares
    assert vault.pendingRedeemRequest(ticket, alice) == shares
    stored = auction.bidOf(cycle, ticket)
    assert (stored.status, stored.feeBps, stored.bondShares) == (2, 9, bond)
    assert auction.roundOf(cycle).revealed == 1
    assert [vault.balanceOf(h) for h in holders] == balances
    assert vault.totalSupply() == supply


def test_reveal__by_anyone_holding_the_opening__accepted(
    auction, alice, keeper, sealed_round, phase, unseal, cycle
):
    # The opening is the secret, not the sender: a relayer may reveal for the bidder.
    (ticket,), (opening,) = sealed_round((alice, 4))
    phase("reveal", cycle)
    unseal(opening, keeper)
    assert auction.bidOf(cycle, ticket).status == 2


@pytest.mark.parametrize("tamper", ["fee+1", "fee-1", "blinding+1", "blinding+n", "blinding=0"])
def test_reveal__wrong_opening__reverts_opening_invalid(
    auction, alice, sealed_round, phase, cycle, tamper, reverts
):
    (ticket,), (op,) = sealed_round((alice, 4))
    phase("reveal", cycle)
    fee, blinding = {
        "fee+1": (op.fee_bps + 1, op.blinding),
        "fee-1": (op.fee_bps - 1, op.blinding),
        "blinding+1": (op.fee_bps, (op.blinding + 1) % N),
        # Opens the same point algebraically; refused so that each commitment has one opening.
        "blinding+n": (op.fee_bps, op.blinding + N),
        "blinding=0": (op.fee_bps, 0),
    }[tamper]
    with reverts(auction.OpeningInvalid, ticketId=ticket, feeBps=fee):
        auction.reveal(ticket, list(op.commitment), fee, blinding, sender=alice)


def test_reveal__other_bids_commitment_and_opening__reverts_commitment_mismatch(
    auction, alice, bob, sealed_round, phase, cycle, reverts
):
    # bob's (commitment, fee, blinding) is a valid opening, but not of alice's commitment.
    (ticket_alice, _), (_, op_bob) = sealed_round((alice, 4), (bob, 11))
    phase("reveal", cycle)
    with reverts(auction.CommitmentMismatch, ticketId=ticket_alice):
        auction.reveal(ticket_alice, list(op_bob.commitment), op_bob.fee_bps, op_bob.blinding, sender=alice)


def test_reveal__before_boundary__reverts_reveal_window_closed(
    auction, alice, sealed_round, phase, cycle, reverts
):
    _, (op,) = sealed_round((alice, 4))
    _, boundary, closes = auction.windows(cycle)
    phase("reveal", cycle, offset=-1)
    with reverts(auction.RevealWindowClosed, cycleId=cycle, opens=boundary, closes=closes):
        auction.reveal(op.ticket_id, list(op.commitment), op.fee_bps, op.blinding, sender=alice)


def test_reveal__before_boundary_in_later_cycle__reverts_reveal_window_closed(
    auction, vault, alice, requests, phase, seal, cycle, reverts
):
    # In cycle k+1 a reveal is read as one for cycle k's auction, whose window is long over.
    (ticket,) = requests(alice)
    phase("bid", cycle + 1)
    op = seal(alice, ticket, 4)
    _, boundary, closes = auction.windows(cycle)
    phase("reveal", cycle + 1, offset=-1)
    with reverts(auction.RevealWindowClosed, cycleId=cycle, opens=boundary, closes=closes):
        auction.reveal(ticket, list(op.commitment), op.fee_bps, op.blinding, sender=alice)
    assert auction.bidOf(cycle + 1, ticket).status == 1


def test_reveal__at_window_close__reverts_reveal_window_closed(
    auction, alice, sealed_round, phase, cycle, reverts
):
    _, (op,) = sealed_round((alice, 4))
    _, boundary, closes = auction.windows(cycle)
    phase("closed", cycle)
    with reverts(auction.RevealWindowClosed, cycleId=cycle, opens=boundary, closes=closes):
        auction.reveal(op.ticket_id, list(op.commitment), op.fee_bps, op.blinding, sender=alice)


def test_reveal__last_second_of_window__accepted(auction, alice, sealed_round, phase, unseal, cycle):
    (ticket,), (op,) = sealed_round((alice, 4))
    phase("closed", cycle, offset=-1)
    unseal(op, alice)
    assert auction.bidOf(cycle, ticket).status == 2


def test_reveal__twice__reverts_bid_not_sealed(auction, alice, sealed_round, phase, unseal, cycle, reverts):
    (ticket,), (op,) = sealed_round((alice, 4))
    phase("reveal", cycle)
    unseal(op, alice)
    with reverts(auction.BidNotSealed, cycleId=cycle, ticketId=ticket):
        unseal(op, alice)


def test_reveal__ticket_without_bid__reverts_bid_not_sealed(
    auction, alice, bob, sealed_round, requests, phase, unseal, cycle, reverts
):
    _, (op,) = sealed_round((alice, 4))
    (other,) = requests(bob)
    phase("reveal", cycle)
    with reverts(auction.BidNotSealed, cycleId=cycle, ticketId=other):
        auction.reveal(other, list(op.commitment), op.fee_bps, op.blinding, sender=bob)
