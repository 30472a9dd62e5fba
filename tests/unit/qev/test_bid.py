"""QEVAuction.bid: the proof binds (chain, auction, sender, cycle, ticket, tier); access, window, tier,
ticket, one bid per ticket, the cap; the bond locked in the vault."""

from __future__ import annotations

import pytest

from scripts._suite.deployment import DEAD
from tests.unit.qev.helpers import REQUEST, bond_for
from zk import N
from zk.rangeproof import SystemScalarSource, context, prove_bits, split_blinding

# ---------------------------------------------------------------- the proof binds its context


def test_bid__operator_replays_controller_proof__reverts_proof_invalid(
    auction, vault, alice, operator, requests, phase, sealed_args, reverts
):
    (ticket,) = requests(alice)
    vault.setOperator(operator, True, sender=alice)
    phase("bid")
    _, words, proof = sealed_args(alice, ticket, 7)
    # The operator may bid for alice, but not with a proof bound to alice: a front-runner who lifts
    # the bid from the mempool gets nothing.
    with reverts(auction.ProofInvalid, ticketId=ticket):
        auction.bid(ticket, 4, words, proof, sender=operator)
    assert auction.bidOf(0, ticket).status == 0
    auction.bid(ticket, 4, words, proof, sender=alice)  # the original still goes through
    assert auction.bidOf(0, ticket).status == 1


def test_bid__controller_replays_operator_proof__reverts_proof_invalid(
    auction, vault, alice, operator, requests, phase, sealed_args, reverts
):
    (ticket,) = requests(alice)
    vault.setOperator(operator, True, sender=alice)
    phase("bid")
    _, words, proof = sealed_args(operator, ticket, 7)
    with reverts(auction.ProofInvalid, ticketId=ticket):
        auction.bid(ticket, 4, words, proof, sender=alice)


def test_bid__other_controller_copies_proof_to_own_ticket__reverts_proof_invalid(
    auction, alice, bob, requests, phase, sealed_args, reverts
):
    ticket_alice, ticket_bob = requests(alice, bob)
    phase("bid")
    _, words, proof = sealed_args(alice, ticket_alice, 7)
    with reverts(auction.ProofInvalid, ticketId=ticket_bob):
        auction.bid(ticket_bob, 4, words, proof, sender=bob)


def test_bid__stranger_copies_proof_to_its_ticket__reverts_bidder_unauthorized(
    auction, alice, bob, requests, phase, sealed_args, reverts
):
    # bob is no operator of alice: authorisation fails before the proof is even looked at.
    ticket_alice, _ = requests(alice, bob)
    phase("bid")
    _, words, proof = sealed_args(alice, ticket_alice, 7)
    with reverts(auction.BidderUnauthorized, sender=bob, ticketId=ticket_alice):
        auction.bid(ticket_alice, 4, words, proof, sender=bob)


def test_bid__proof_for_other_ticket__reverts_proof_invalid(
    auction, alice, requests, phase, sealed_args, reverts
):
    first, second = requests(alice, alice)
    phase("bid")
    _, words, proof = sealed_args(alice, first, 7)
    with reverts(auction.ProofInvalid, ticketId=second):
        auction.bid(second, 4, words, proof, sender=alice)


def test_bid__proof_for_next_cycle__reverts_proof_invalid(
    auction, alice, requests, phase, sealed_args, cycle, reverts
):
    (ticket,) = requests(alice)
    phase("bid")
    _, words, proof = sealed_args(alice, ticket, 7, cycle_id=cycle + 1)
    with reverts(auction.ProofInvalid, ticketId=ticket):
        auction.bid(ticket, 4, words, proof, sender=alice)


def test_bid__proof_for_previous_cycle__reverts_proof_invalid(
    auction, vault, alice, requests, phase, sealed_args, cycle, reverts
):
    (ticket,) = requests(alice)
    phase("bid", cycle + 1)
    assert vault.currentCycle() == cycle + 1
    _, words, proof = sealed_args(alice, ticket, 7, cycle_id=cycle)
    with reverts(auction.ProofInvalid, ticketId=ticket):
        auction.bid(ticket, 4, words, proof, sender=alice)


def test_bid__proof_for_smaller_tier_sent_as_larger__reverts_proof_invalid(
    auction, alice, requests, phase, sealed_args, reverts
):
    (ticket,) = requests(alice)
    phase("bid")
    _, words, proof = sealed_args(alice, ticket, 7, tier=5)
    with reverts(auction.ProofInvalid, ticketId=ticket):
        auction.bid(ticket, 6, words, proof, sender=alice)


def test_bid__proof_for_larger_tier_sent_as_smaller__reverts_proof_invalid(
    auction, alice, requests, phase, sealed_args, reverts
):
    # A fee under 2^4 proven with 6 bits claims a smaller bond if sent as tier 4; the proof's length
    # and its context both say 6.
    (ticket,) = requests(alice)
    phase("bid")
    _, words, proof = sealed_args(alice, ticket, 7, tier=6)
    with reverts(auction.ProofInvalid, ticketId=ticket):
        auction.bid(ticket, 4, words, proof, sender=alice)


def test_bid__bits_match_tier_but_context_names_other_tier__reverts_proof_invalid(
    chain, auction, alice, requests, phase, cycle, reverts
):
    # Only the tier word of the context differs: 5 well-formed bits, challenge bound to tier 6.
    (ticket,) = requests(alice)
    phase("bid")
    ctx = context(chain.chain_id, auction.address, alice.address, cycle, ticket, 6)
    rng = SystemScalarSource()
    blindings = split_blinding(123_456_789, 5, rng)
    commitment, proof = prove_bits([1, 1, 1, 0, 0], blindings, ctx, rng)
    with reverts(auction.ProofInvalid, ticketId=ticket):
        auction.bid(ticket, 5, list(commitment), proof.to_bytes(), sender=alice)


def test_bid__proof_for_other_chain__reverts_proof_invalid(
    auction, alice, requests, phase, sealed_args, reverts
):
    (ticket,) = requests(alice)
    phase("bid")
    _, words, proof = sealed_args(alice, ticket, 7, chain_id=1)
    with reverts(auction.ProofInvalid, ticketId=ticket):
        auction.bid(ticket, 4, words, proof, sender=alice)


def test_bid__proof_for_other_auction__reverts_proof_invalid(
    auction, vault, alice, requests, phase, sealed_args, reverts
):
    (ticket,) = requests(alice)
    phase("bid")
    _, words, proof = sealed_args(alice, ticket, 7, auction_address=vault.address)
    with reverts(auction.ProofInvalid, ticketId=ticket):
        auction.bid(ticket, 4, words, proof, sender=alice)


def test_bid__commitment_swapped_under_valid_proof__reverts_proof_invalid(
    auction, alice, requests, phase, sealed_args, reverts
):
    (ticket,) = requests(alice)
    phase("bid")
    _, words, proof = sealed_args(alice, ticket, 7)
    _, other_words, _ = sealed_args(alice, ticket, 7)
    with reverts(auction.ProofInvalid, ticketId=ticket):
        auction.bid(ticket, 4, other_words, proof, sender=alice)


@pytest.mark.parametrize(
    "malformed",
    ["identity_commitment", "off_curve_commitment", "truncated", "extra_byte", "empty", "scalar_ge_n"],
)
def test_bid__malformed_commitment_or_proof__reverts_proof_invalid(
    auction, alice, requests, phase, sealed_args, malformed, reverts
):
    (ticket,) = requests(alice)
    phase("bid")
    _, words, proof = sealed_args(alice, ticket, 7)
    if malformed == "identity_commitment":
        words = [0, 0]
    elif malformed == "off_curve_commitment":
        words = [words[0], words[1] + 1]
    elif malformed == "truncated":
        proof = proof[:-1]
    elif malformed == "extra_byte":
        proof = proof + b"\0"
    elif malformed == "empty":
        proof = b""
    else:  # the challenge e replaced by e + n (< 2^256): the same value mod n, refused as non-canonical
        proof = (int.from_bytes(proof[:32], "big") + N).to_bytes(32, "big") + proof[32:]
    with reverts(auction.ProofInvalid, ticketId=ticket):
        auction.bid(ticket, 4, words, proof, sender=alice)


# ---------------------------------------------------------------- who may bid, once


def test_bid__second_bid_on_ticket__reverts_bid_already_placed(
    auction, vault, alice, operator, requests, phase, seal, sealed_args, cycle, reverts
):
    (ticket,) = requests(alice)
    vault.setOperator(operator, True, sender=alice)
    phase("bid")
    seal(alice, ticket, 3)
    for who in (alice, operator):
        _, words, proof = sealed_args(who, ticket, 9)
        with reverts(auction.BidAlreadyPlaced, cycleId=cycle, ticketId=ticket):
            auction.bid(ticket, 4, words, proof, sender=who)


def test_bid__someone_elses_ticket__reverts_bidder_unauthorized(
    auction, alice, bob, requests, phase, sealed_args, reverts
):
    (ticket,) = requests(alice)
    phase("bid")
    _, words, proof = sealed_args(bob, ticket, 7)  # a valid proof, bound to bob
    with reverts(auction.BidderUnauthorized, sender=bob, ticketId=ticket):
        auction.bid(ticket, 4, words, proof, sender=bob)


def test_bid__revoked_operator__reverts_bidder_unauthorized(
    auction, vault, alice, operator, requests, phase, sealed_args, reverts
):
    (ticket,) = requests(alice)
    vault.setOperator(operator, True, sender=alice)
    vault.setOperator(operator, False, sender=alice)
    phase("bid")
    _, words, proof = sealed_args(operator, ticket, 7)
    with reverts(auction.BidderUnauthorized, sender=operator, ticketId=ticket):
        auction.bid(ticket, 4, words, proof, sender=operator)


def test_bid__owner_not_controller__reverts_bidder_unauthorized(
    auction, alice, bob, requests, phase, sealed_args, reverts
):
    # alice's shares, bob's ticket (alice handed it over): the ticket's holder bids, not the owner.
    (ticket,) = requests(alice, controller=bob)
    phase("bid")
    _, words, proof = sealed_args(alice, ticket, 7)
    with reverts(auction.BidderUnauthorized, sender=alice, ticketId=ticket):
        auction.bid(ticket, 4, words, proof, sender=alice)


def test_bid__operator_of_controller__locks_bond(
    auction, vault, alice, operator, requests, phase, sealed_args, cycle
):
    (ticket,) = requests(alice)
    vault.setOperator(operator, True, sender=alice)
    phase("bid")
    _, words, proof = sealed_args(operator, ticket, 7, tier=5)
    tx = auction.bid(ticket, 5, words, proof, sender=operator)
    bond = bond_for(REQUEST, 5)
    assert tx.events.filter(auction.BidPlaced) == [
        auction.BidPlaced(
            cycleId=cycle, ticketId=ticket, bidder=operator, tier=5, bondShares=bond, commitment=words
        )
    ]
    assert vault.bondOf(ticket) == bond
    assert vault.requestOf(ticket).controller == alice.address


# ---------------------------------------------------------------- window, tier, ticket, cap


def test_bid__before_window__reverts_bid_window_closed(
    auction, alice, requests, phase, sealed_args, cycle, reverts
):
    (ticket,) = requests(alice)
    opens, closes, _ = auction.windows(cycle)
    phase("bid", offset=-1)
    _, words, proof = sealed_args(alice, ticket, 7)
    with reverts(auction.BidWindowClosed, cycleId=cycle, opens=opens, closes=closes):
        auction.bid(ticket, 4, words, proof, sender=alice)


def test_bid__first_second_of_window__accepted(auction, alice, requests, phase, sealed_args, cycle):
    (ticket,) = requests(alice)
    phase("bid")
    _, words, proof = sealed_args(alice, ticket, 7)
    auction.bid(ticket, 4, words, proof, sender=alice)
    assert auction.roundOf(cycle).bids == 1


def test_bid__at_boundary__reverts_bid_window_closed_of_next_cycle(
    auction, alice, requests, phase, sealed_args, cycle, reverts
):
    # At B the bid belongs to the next cycle, whose window opens only B + cycle - bidWindow.
    (ticket,) = requests(alice)
    phase("reveal")
    opens, closes, _ = auction.windows(cycle + 1)
    _, words, proof = sealed_args(alice, ticket, 7)
    with reverts(auction.BidWindowClosed, cycleId=cycle + 1, opens=opens, closes=closes):
        auction.bid(ticket, 4, words, proof, sender=alice)


@pytest.mark.parametrize("tier", [0, 3, 14, 2**256 - 1])
def test_bid__tier_out_of_range__reverts_tier_invalid(
    auction, alice, requests, phase, sealed_args, tier, reverts
):
    (ticket,) = requests(alice)
    phase("bid")
    _, words, proof = sealed_args(alice, ticket, 7)
    with reverts(auction.TierInvalid, tier=tier):
        auction.bid(ticket, tier, words, proof, sender=alice)


def test_bid__unknown_ticket__reverts_ticket_not_pending(
    auction, alice, requests, phase, sealed_args, reverts
):
    requests(alice)
    phase("bid")
    _, words, proof = sealed_args(alice, 999, 7)
    with reverts(auction.TicketNotPending, ticketId=999):
        auction.bid(999, 4, words, proof, sender=alice)


def test_bid__serviced_ticket__reverts_ticket_not_pending(
    auction, vault, alice, keeper, requests, phase, sealed_args, cycle, reverts
):
    (ticket,) = requests(alice)
    phase("bid", cycle + 1)  # cycle 0 had no bid: servicing is FIFO right away
    vault.serviceRedemptions(10, sender=keeper)
    assert vault.pendingRedeemRequest(ticket, alice) == 0
    _, words, proof = sealed_args(alice, ticket, 7)
    with reverts(auction.TicketNotPending, ticketId=ticket):
        auction.bid(ticket, 4, words, proof, sender=alice)


def test_bid__beyond_cap__reverts_bid_cap_reached(
    auction, governance, alice, bob, carol, requests, phase, seal, sealed_args, cycle, reverts
):
    auction.setMaxBids(2, sender=governance)
    tickets = requests(alice, bob, carol)
    phase("bid")
    seal(alice, tickets[0], 1)
    seal(bob, tickets[1], 2)
    _, words, proof = sealed_args(carol, tickets[2], 3)
    with reverts(auction.BidCapReached, cycleId=cycle, maximum=2):
        auction.bid(tickets[2], 4, words, proof, sender=carol)
    assert auction.roundOf(cycle).bids == 2


# ---------------------------------------------------------------- the bond


@pytest.mark.parametrize("tier", [4, 9, 13])
def test_bid__valid__locks_ceil_bond_and_keeps_pending(
    auction, vault, alice, bob, keeper, requests, phase, sealed_args, cycle, tier
):
    shares = REQUEST + 7  # not a multiple of 1e4: the bond rounds up, against the bidder
    (ticket,) = requests(alice, shares=shares)
    phase("bid")
    holders = [alice, bob, keeper, DEAD, vault]
    balances = [vault.balanceOf(h) for h in holders]
    supply = vault.totalSupply()
    _, words, proof = sealed_args(alice, ticket, (1 << tier) - 1, tier=tier)

    tx = auction.bid(ticket, tier, words, proof, sender=alice)

    bond = bond_for(shares, tier)
    assert bond == shares * ((1 << tier) - 1) // 10_000 + 1
    assert vault.bondOf(ticket) == bond
    assert vault.requestOf(ticket).shares == shares - bond
    assert vault.pendingRedeemRequest(ticket, alice) == shares
    assert tx.events.filter(vault.BondLocked) == [vault.BondLocked(requestId=ticket, shares=bond)]
    stored = auction.bidOf(cycle, ticket)
    assert (stored.tier, stored.status, stored.feeBps, stored.bondShares) == (tier, 1, 0, bond)
    assert auction.roundOf(cycle).bids == 1
    # The bond stays in escrow: no share moves and none is burned.
    assert [vault.balanceOf(h) for h in holders] == balances
    assert vault.totalSupply() == supply


def test_bid__rejected__leaves_no_state(
    auction, vault, alice, bob, requests, phase, sealed_args, cycle, reverts
):
    # A failed bid leaves nothing behind: the ticket may still bid.
    (ticket,) = requests(alice)
    phase("bid")
    _, words, proof = sealed_args(bob, ticket, 7)
    with reverts(auction.BidderUnauthorized, sender=bob, ticketId=ticket):
        auction.bid(ticket, 4, words, proof, sender=bob)
    assert auction.roundOf(cycle).bids == 0
    assert vault.bondOf(ticket) == 0
