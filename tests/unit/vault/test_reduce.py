"""reduceRedeemRequest: the ticket's holder (or its operator) takes back unserviced, unbonded shares;
what stays pending keeps its place; all of it cancels the request and burns its ticket. Cancelling
returns exactly the escrowed shares (invariant 8; docs/DECISIONS.md, "Requests are positions")."""

import pytest

from scripts._suite.deployment import USDAI

ZERO = "0x" + "00" * 20


@pytest.fixture
def requested(two_requests):
    """Alice's request of 300 sUSDai, then Bob's of 200 (conftest)."""
    return two_requests


def test_reduce__part__returns_shares_and_keeps_the_place(vault, requested, alice, keeper, next_cycle):
    first, second = requested
    tx = vault.reduceRedeemRequest(first, 100 * USDAI, sender=alice)
    assert tx.return_value == 200 * USDAI
    assert tx.events.filter(vault.RedeemRequestReduced) == [
        vault.RedeemRequestReduced(requestId=first, controller=alice, shares=100 * USDAI, remaining=200 * USDAI)
    ]
    assert vault.balanceOf(alice) == 800 * USDAI
    assert vault.pendingRedeemRequest(first, alice) == 200 * USDAI
    assert vault.escrowedShares() == 400 * USDAI
    next_cycle()
    tx = vault.serviceRedemptions(10, sender=keeper)
    assert [(e.requestId, e.shares) for e in tx.events.filter(vault.RedemptionServiced)] == [
        (first, 200 * USDAI),
        (second, 200 * USDAI),
    ]


def test_reduce__all__cancels_burns_ticket_and_returns_exactly_the_escrow(vault, ticket, requested, alice):
    first, _ = requested
    balance, escrow = vault.balanceOf(alice), vault.escrowedShares()
    tx = vault.reduceRedeemRequest(first, 300 * USDAI, sender=alice)
    assert vault.balanceOf(alice) - balance == 300 * USDAI == escrow - vault.escrowedShares()
    assert [(e["from"], e["to"], e.tokenId) for e in tx.events.filter(ticket.Transfer)] == [
        (alice.address, ZERO, first)
    ]
    assert vault.requestOf(first) == (ZERO, 0, False)
    assert (vault.openRequests(alice), ticket.balanceOf(alice)) == (0, 0)
    assert vault.pendingRedeemRequest(0, alice) == 0


def test_reduce__by_operator__returns_to_the_holder(vault, requested, alice, carol):
    first, _ = requested
    vault.setOperator(carol, True, sender=alice)
    before = vault.balanceOf(carol)
    vault.reduceRedeemRequest(first, 50 * USDAI, sender=carol)
    assert vault.balanceOf(alice) == 750 * USDAI
    assert vault.balanceOf(carol) == before


@pytest.mark.parametrize(
    ("shares", "error", "args"),
    [
        (0, "AmountZero", {}),
        (301 * USDAI, "ReductionExceedsPending", {"shares": 301 * USDAI, "pending": 300 * USDAI}),
        (300 * USDAI - USDAI // 2, "RedemptionTooSmall", {"shares": USDAI // 2, "minimum": USDAI}),
    ],
)
def test_reduce__bad_amount__reverts(vault, requested, alice, shares, error, args, reverts):
    first, _ = requested
    with reverts(getattr(vault, error), **args):
        vault.reduceRedeemRequest(first, shares, sender=alice)


def test_reduce__not_holder__reverts_caller_unauthorized(vault, requested, bob, reverts):
    first, _ = requested
    with reverts(vault.CallerUnauthorized, caller=bob):
        vault.reduceRedeemRequest(first, USDAI, sender=bob)


def test_reduce__serviced_request__nothing_pending_reverts(
    vault, requested, alice, keeper, next_cycle, reverts
):
    first, _ = requested
    next_cycle()
    vault.serviceRedemptions(10, sender=keeper)
    with reverts(vault.ReductionExceedsPending, shares=USDAI, pending=0):
        vault.reduceRedeemRequest(first, USDAI, sender=alice)


def test_reduce__blacklisted_holder__reverts_account_blacklisted(vault, requested, alice, blacklister, reverts):
    first, _ = requested
    vault.setBlacklisted(alice, True, sender=blacklister)
    with reverts(vault.AccountBlacklisted, account=alice):
        vault.reduceRedeemRequest(first, USDAI, sender=alice)
