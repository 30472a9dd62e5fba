"""Redemption tickets (ERC-721): every request is one, held by its controller. A transfer moves every
right of the request (pending and claimable parts, cancelling) and keeps its place; the seller keeps
none. ERC-721 conformance: approvals, operators, safe transfers, errors, metadata on chain."""

import base64
import json

import pytest

from scripts._suite.deployment import USDAI
from tests.support import assert_call_reverts

ZERO = "0x" + "00" * 20


@pytest.fixture
def tickets(two_requests):
    """Alice's request of 300 sUSDai, then Bob's of 200 (conftest)."""
    return two_requests


def _transfers(tx, ticket):
    return [(e["from"], e["to"], e.tokenId) for e in tx.events.filter(ticket.Transfer)]


# ---------------------------------------------------------------- positions


def test_transfer__mid_queue__buyer_is_served_in_the_sellers_place(
    vault, ticket, tickets, alice, bob, carol, keeper, next_cycle
):
    first, second = tickets
    tx = ticket.transferFrom(alice, carol, first, sender=alice)
    assert _transfers(tx, ticket) == [(alice.address, carol.address, first)]
    assert ticket.ownerOf(first) == carol.address
    assert vault.pendingRedeemRequest(first, carol) == 300 * USDAI
    assert vault.pendingRedeemRequest(first, alice) == 0
    assert vault.pendingRedeemRequest(0, alice) == 0
    next_cycle()
    tx = vault.serviceRedemptions(10, sender=keeper)
    serviced = [(e.requestId, e.controller) for e in tx.events.filter(vault.RedemptionServiced)]
    assert serviced == [(first, carol.address), (second, bob.address)]
    assert vault.maxRedeem(alice) == 0
    assert vault.maxRedeem(carol) == 300 * USDAI == vault.claimableRedeemRequest(first, carol)


def test_transfer__after_service__claimable_part_moves_and_seller_cannot_claim(
    vault, usdai, ticket, tickets, alice, carol, keeper, next_cycle, reverts
):
    first, _ = tickets
    next_cycle()
    vault.serviceRedemptions(10, sender=keeper)
    claim = vault.claimOf(first)
    ticket.transferFrom(alice, carol, first, sender=alice)
    assert (vault.maxRedeem(alice), vault.maxWithdraw(alice)) == (0, 0)
    assert (vault.maxRedeem(carol), vault.maxWithdraw(carol)) == (claim.shares, claim.assets)
    with reverts(vault.ClaimExceedsClaimable):
        vault.redeem(claim.shares, alice, alice, sender=alice)
    before = usdai.balanceOf(carol)
    tx = vault.redeem(claim.shares, carol, carol, sender=carol)
    assert usdai.balanceOf(carol) - before == claim.assets
    # The last claim burns the ticket.
    assert _transfers(tx, ticket) == [(carol.address, ZERO, first)]
    assert ticket.balanceOf(carol) == 0


def test_transfer__seller_keeps_no_right_to_cancel(vault, ticket, tickets, alice, carol, reverts):
    first, _ = tickets
    ticket.transferFrom(alice, carol, first, sender=alice)
    with reverts(vault.CallerUnauthorized, caller=alice, account=carol):
        vault.reduceRedeemRequest(first, 100 * USDAI, sender=alice)
    vault.reduceRedeemRequest(first, 100 * USDAI, sender=carol)
    assert vault.balanceOf(carol) == 100 * USDAI


def test_transfer__frees_the_makers_cap_and_takes_none_of_the_recipients(
    vault, governance, ticket, tickets, alice, bob, request_redeem, reverts
):
    first, _ = tickets
    vault.setRedemptionLimits(USDAI, 2, sender=governance)
    request_redeem(alice, USDAI)
    with reverts(vault.RedemptionRequestsExceeded, controller=alice, maximum=2):
        vault.requestRedeem(USDAI, alice, alice, sender=alice)
    ticket.transferFrom(alice, bob, first, sender=alice)
    assert (vault.openRequests(alice), vault.openRequests(bob)) == (1, 1)
    assert (ticket.balanceOf(alice), ticket.balanceOf(bob)) == (1, 2)
    request_redeem(alice, USDAI)
    request_redeem(bob, USDAI)


def test_transfer__to_oneself__changes_nothing_and_keeps_the_cap(
    vault, governance, ticket, tickets, alice, request_redeem, reverts
):
    """Review finding: a transfer to oneself dropped the cap count, so one address could open
    unlimited requests. Now it moves nothing."""
    first, _ = tickets
    vault.setRedemptionLimits(USDAI, 2, sender=governance)
    request_redeem(alice, USDAI)
    ticket.transferFrom(alice, alice, first, sender=alice)
    assert (vault.openRequests(alice), ticket.balanceOf(alice)) == (2, 2)
    assert vault.requestOf(first) == (alice.address, 300 * USDAI, True)
    with reverts(vault.RedemptionRequestsExceeded, controller=alice, maximum=2):
        vault.requestRedeem(USDAI, alice, alice, sender=alice)


def test_transfer__by_blacklisted_operator__reverts_account_blacklisted(
    vault, ticket, tickets, alice, bob, carol, blacklister, reverts
):
    first, _ = tickets
    ticket.setApprovalForAll(bob, True, sender=alice)
    vault.setBlacklisted(bob, True, sender=blacklister)
    with reverts(ticket.AccountBlacklisted, account=bob):
        ticket.transferFrom(alice, carol, first, sender=bob)


@pytest.mark.parametrize("who", ["recipient", "sender"])
def test_transfer__blacklisted_party__reverts_account_blacklisted(
    vault, ticket, tickets, alice, carol, blacklister, who, reverts
):
    first, _ = tickets
    blocked = carol if who == "recipient" else alice
    vault.setBlacklisted(blocked, True, sender=blacklister)
    with reverts(vault.AccountBlacklisted, account=blocked):
        ticket.transferFrom(alice, carol, first, sender=alice)


def test_hooks__direct_calls__revert_only_errors(vault, ticket, tickets, alice, carol, reverts):
    first, _ = tickets
    with reverts(vault.TicketOnly, caller=alice):
        vault.onTicketTransfer(first, alice, carol, sender=alice)
    with reverts(ticket.VaultOnly, caller=alice):
        ticket.onMint(alice, 99, 0, True, sender=alice)
    with reverts(ticket.VaultOnly, caller=alice):
        ticket.onBurn(alice, first, sender=alice)


# ---------------------------------------------------------------- ERC-721 conformance


def test_erc721__interfaces_and_names(ticket, vault):
    assert ticket.supportsInterface("0x80ac58cd")  # ERC-721
    assert ticket.supportsInterface("0x5b5e139f")  # metadata
    assert ticket.supportsInterface("0x01ffc9a7")  # ERC-165
    assert not ticket.supportsInterface("0xffffffff")
    assert (ticket.name(), ticket.symbol()) == ("sUSDai Redemption Ticket", "sUSDai-RT")
    assert ticket.vault() == vault.address and vault.ticket() == ticket.address


def test_erc721__queries_of_nothing__revert(ticket, tickets, alice):
    # Views: checked on the raw revert data.
    assert_call_reverts(ticket.ERC721InvalidOwner, ticket.balanceOf, ZERO, sender=alice)
    for view in (ticket.ownerOf, ticket.getApproved, ticket.tokenURI):
        assert_call_reverts(ticket.ERC721NonexistentToken, view, 999, sender=alice)


def test_erc721__approved_account__transfers_once(ticket, tickets, alice, bob, carol, reverts):
    first, _ = tickets
    tx = ticket.approve(bob, first, sender=alice)
    assert tx.events.filter(ticket.Approval) == [ticket.Approval(owner=alice, approved=bob, tokenId=first)]
    assert ticket.getApproved(first) == bob.address
    ticket.transferFrom(alice, carol, first, sender=bob)
    # The approval is cleared by the transfer.
    assert ticket.getApproved(first) == ZERO
    with reverts(ticket.ERC721InsufficientApproval, operator=bob, tokenId=first):
        ticket.transferFrom(carol, bob, first, sender=bob)


def test_erc721__operator_for_all__approves_and_transfers(ticket, tickets, alice, bob, carol, reverts):
    first, _ = tickets
    tx = ticket.setApprovalForAll(bob, True, sender=alice)
    assert tx.events.filter(ticket.ApprovalForAll) == [
        ticket.ApprovalForAll(owner=alice, operator=bob, approved=True)
    ]
    assert ticket.isApprovedForAll(alice, bob)
    ticket.approve(carol, first, sender=bob)
    ticket.transferFrom(alice, carol, first, sender=bob)
    assert ticket.ownerOf(first) == carol.address
    with reverts(ticket.ERC721InvalidOperator, operator=ZERO):
        ticket.setApprovalForAll(ZERO, True, sender=alice)


def test_erc721__bad_transfers__revert_with_erc6093_errors(vault, ticket, tickets, alice, bob, carol, reverts):
    first, second = tickets
    with reverts(ticket.ERC721InvalidApprover, approver=bob):
        ticket.approve(bob, first, sender=bob)
    with reverts(ticket.ERC721InsufficientApproval, operator=bob, tokenId=first):
        ticket.transferFrom(alice, bob, first, sender=bob)
    with reverts(ticket.ERC721IncorrectOwner, sender=bob, tokenId=first, owner=alice):
        ticket.transferFrom(bob, carol, first, sender=alice)
    for lost in (ZERO, vault.address, ticket.address):
        with reverts(ticket.ERC721InvalidReceiver, receiver=lost):
            ticket.transferFrom(alice, lost, first, sender=alice)
    with reverts(ticket.ERC721NonexistentToken, tokenId=second + 10):
        ticket.transferFrom(alice, bob, second + 10, sender=alice)


def test_safe_transfer__to_non_receiver_contract__reverts_invalid_receiver(
    ticket, usdai, tickets, alice, reverts
):
    first, _ = tickets
    with reverts(ticket.ERC721InvalidReceiver, receiver=usdai):
        ticket.safeTransferFrom(alice, usdai, first, sender=alice)
    assert ticket.ownerOf(first) == alice.address


def test_safe_transfer__to_receiver_contract_and_account__moves_the_request(
    project, vault, ticket, tickets, alice, carol, deployer
):
    first, second = tickets
    market = project.TicketReceiver.deploy(sender=deployer)
    ticket.safeTransferFrom(alice, market, first, sender=alice)
    assert ticket.ownerOf(first) == market.address
    assert vault.pendingRedeemRequest(first, market) == 300 * USDAI
    ticket.safeTransferFrom(ticket.ownerOf(second), carol, second, b"order 7", sender=ticket.ownerOf(second))
    assert ticket.ownerOf(second) == carol.address


def test_token_uri__on_chain_json__reports_the_request(vault, ticket, tickets, keeper, next_cycle):
    first, second = tickets
    uri = ticket.tokenURI(second)
    prefix = "data:application/json;base64,"
    assert uri.startswith(prefix)
    doc = json.loads(base64.b64decode(uri[len(prefix) :]))
    attributes = {a["trait_type"]: a["value"] for a in doc["attributes"]}
    assert doc["name"] == f"sUSDai redemption #{second}"
    assert attributes == {
        "pending shares": 200 * USDAI,
        "bonded shares": 0,
        "claimable shares": 0,
        "claimable USDai": 0,
        "due cycle": vault.currentCycle() + 1,
        "requests ahead": second - vault.queueState().fifoHead,
    }
    next_cycle()
    vault.serviceRedemptions(1, sender=keeper)
    doc = json.loads(base64.b64decode(ticket.tokenURI(first)[len(prefix) :]))
    attributes = {a["trait_type"]: a["value"] for a in doc["attributes"]}
    assert (attributes["pending shares"], attributes["claimable shares"]) == (0, 300 * USDAI)
    assert attributes["claimable USDai"] == vault.claimOf(first).assets
