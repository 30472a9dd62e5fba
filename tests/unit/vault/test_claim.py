"""ERC-7540 claims: redeem/withdraw(…, receiver, controller) out of the controller's claimable
requests in the order they became claimable, rounding against the claimant, by the controller or its
operator only, open while paused; per-request views and the ticket burned with its last claim."""

import pytest

from scripts._suite.deployment import USDAI

ZERO = "0x" + "00" * 20
DONATION = 333_333_333_333_333_333  # an uneven price, so that partial claims round


@pytest.fixture
def claimable(vault, usdai, holders, keeper, deposit, request_redeem, next_cycle):
    """Alice has two serviced requests (400 + 100 sUSDai) at an uneven price, not yet claimed."""
    alice, bob, _ = holders
    deposit(alice, 1_000 * USDAI)
    deposit(bob, 1_000 * USDAI)
    ids = [request_redeem(alice, 400 * USDAI), request_redeem(alice, 100 * USDAI)]
    usdai.transfer(vault, DONATION, sender=bob)
    next_cycle()
    vault.serviceRedemptions(10, sender=keeper)
    assert vault.maxRedeem(alice) == 500 * USDAI
    assert vault.maxWithdraw(alice) > 500 * USDAI
    return ids


def _withdraw_event(tx, vault):
    events = tx.events.filter(vault.Withdraw)
    assert len(events) == 1
    e = events[0]
    return e.sender, e.receiver, e.owner, e.assets, e.shares


def test_claimable__two_requests__per_request_and_aggregate(vault, claimable, alice, bob):
    """Revision 1 reported the controller's aggregate for every id, so a client summing its requests
    counted 500 twice. Per request now; id 0 is the aggregate, and the parts sum to it."""
    first, second = claimable
    assert vault.claimableRedeemRequest(first, alice) == 400 * USDAI
    assert vault.claimableRedeemRequest(second, alice) == 100 * USDAI
    assert vault.claimableRedeemRequest(0, alice) == 500 * USDAI == vault.maxRedeem(alice)
    assert vault.claimableRedeemRequest(12345, alice) == 0
    assert vault.claimableRedeemRequest(first, bob) == 0
    assert vault.pendingRedeemRequest(first, alice) == 0
    claims = [vault.claimOf(i) for i in claimable]
    assert sum(c.assets for c in claims) == vault.maxWithdraw(alice)


def test_redeem__partial__draws_oldest_claimable_first(vault, ticket, claimable, alice):
    first, second = claimable
    before = [vault.claimOf(first), vault.claimOf(second)]
    tx = vault.redeem(450 * USDAI, alice, alice, sender=alice)
    # The first request is taken in full (its ticket burns), the second for 50 of its 100.
    assert vault.claimableRedeemRequest(first, alice) == 0
    assert vault.claimableRedeemRequest(second, alice) == 50 * USDAI
    burned = tx.events.filter(ticket.Transfer)
    assert [(e["from"], e["to"], e.tokenId) for e in burned] == [(alice.address, ZERO, first)]
    assert vault.requestOf(first).controller == ZERO
    assert ticket.balanceOf(alice) == 1
    # The part of the second rounds down: 50/100 of its assets, floored.
    assert tx.return_value == before[0].assets + 50 * USDAI * before[1].assets // before[1].shares
    assert vault.claimOf(second).assets == before[1].assets - 50 * USDAI * before[1].assets // before[1].shares
    assert vault.maxRedeem(alice) == 50 * USDAI == vault.claimableRedeemRequest(0, alice)
    assert vault.maxWithdraw(alice) == vault.claimOf(second).assets


def test_redeem__all_claimable__pays_everything_and_emits_withdraw(vault, usdai, claimable, alice, carol):
    assets = vault.maxWithdraw(alice)
    reserved = vault.reservedAssets()
    total_assets = vault.totalAssets()
    before = usdai.balanceOf(carol)
    tx = vault.redeem(500 * USDAI, carol, alice, sender=alice)
    assert tx.return_value == assets
    assert _withdraw_event(tx, vault) == (alice.address, carol.address, alice.address, assets, 500 * USDAI)
    assert usdai.balanceOf(carol) - before == assets
    assert vault.reservedAssets() == reserved - assets
    assert vault.maxRedeem(alice) == vault.maxWithdraw(alice) == 0
    # Claims pay out of the reserve: the price of those who stay does not move.
    assert vault.totalAssets() == total_assets


def test_withdraw__all_claimable__consumes_all_shares(vault, usdai, claimable, alice):
    assets = vault.maxWithdraw(alice)
    tx = vault.withdraw(assets, alice, alice, sender=alice)
    assert tx.return_value == 500 * USDAI
    assert _withdraw_event(tx, vault) == (alice.address, alice.address, alice.address, assets, 500 * USDAI)
    assert vault.maxRedeem(alice) == vault.maxWithdraw(alice) == 0
    assert vault.reservedAssets() == 0


def test_redeem__partial__pays_rounded_down_and_the_last_claim_takes_the_rest(vault, usdai, claimable, alice):
    shares, assets = vault.maxRedeem(alice), vault.maxWithdraw(alice)
    part = 123 * USDAI + 7
    expected = part * assets // shares
    assert part * assets % shares != 0
    tx = vault.redeem(part, alice, alice, sender=alice)
    assert tx.return_value == expected
    assert vault.maxRedeem(alice) == shares - part
    assert vault.maxWithdraw(alice) == assets - expected
    tx = vault.redeem(shares - part, alice, alice, sender=alice)
    # Nothing is left behind in the reserve: the two claims add up to the claimable assets.
    assert tx.return_value == assets - expected
    assert vault.reservedAssets() == 0


def test_withdraw__partial__consumes_shares_rounded_up(vault, claimable, alice):
    shares, assets = vault.maxRedeem(alice), vault.maxWithdraw(alice)
    part = 100 * USDAI + 1
    expected = -(-part * shares // assets)
    assert part * shares % assets != 0
    tx = vault.withdraw(part, alice, alice, sender=alice)
    assert tx.return_value == expected
    assert vault.maxRedeem(alice) == shares - expected
    assert vault.maxWithdraw(alice) == assets - part


def test_withdraw__many_small_claims__never_pay_more_than_claimable(vault, usdai, claimable, alice):
    assets = vault.maxWithdraw(alice)
    before = usdai.balanceOf(alice)
    for _ in range(3):
        vault.withdraw(USDAI + 1, alice, alice, sender=alice)
    vault.withdraw(vault.maxWithdraw(alice), alice, alice, sender=alice)
    assert usdai.balanceOf(alice) - before == assets
    assert vault.maxRedeem(alice) == 0


def test_redeem__by_operator__pays_receiver_for_controller(vault, usdai, claimable, alice, bob, carol):
    vault.setOperator(bob, True, sender=alice)
    assets = vault.maxWithdraw(alice)
    before = usdai.balanceOf(carol)
    tx = vault.redeem(500 * USDAI, carol, alice, sender=bob)
    assert _withdraw_event(tx, vault) == (bob.address, carol.address, alice.address, assets, 500 * USDAI)
    assert usdai.balanceOf(carol) - before == assets


def test_withdraw__by_operator__pays_receiver_for_controller(vault, usdai, claimable, alice, bob):
    vault.setOperator(bob, True, sender=alice)
    tx = vault.withdraw(USDAI, bob, alice, sender=bob)
    sender, receiver, owner, assets, _ = _withdraw_event(tx, vault)
    assert (sender, receiver, owner, assets) == (bob.address, bob.address, alice.address, USDAI)


def test_redeem__by_stranger__reverts_caller_unauthorized(vault, claimable, alice, bob, reverts):
    with reverts(vault.CallerUnauthorized, caller=bob, account=alice):
        vault.redeem(USDAI, bob, alice, sender=bob)


def test_withdraw__by_stranger__reverts_caller_unauthorized(vault, claimable, alice, bob, reverts):
    with reverts(vault.CallerUnauthorized, caller=bob, account=alice):
        vault.withdraw(USDAI, bob, alice, sender=bob)


def test_redeem__by_revoked_operator__reverts_caller_unauthorized(vault, claimable, alice, bob, reverts):
    vault.setOperator(bob, True, sender=alice)
    vault.setOperator(bob, False, sender=alice)
    with reverts(vault.CallerUnauthorized, caller=bob, account=alice):
        vault.redeem(USDAI, bob, alice, sender=bob)


def test_redeem__more_than_claimable__reverts_claim_exceeds_claimable(vault, claimable, alice, reverts):
    with reverts(vault.ClaimExceedsClaimable, requested=500 * USDAI + 1, claimable=500 * USDAI):
        vault.redeem(500 * USDAI + 1, alice, alice, sender=alice)


def test_withdraw__more_than_claimable__reverts_claim_exceeds_claimable(vault, claimable, alice, reverts):
    assets = vault.maxWithdraw(alice)
    with reverts(vault.ClaimExceedsClaimable, requested=assets + 1, claimable=assets):
        vault.withdraw(assets + 1, alice, alice, sender=alice)


def test_redeem__nothing_serviced__reverts_claim_exceeds_claimable(
    vault, holders, deposit, request_redeem, reverts
):
    # Pending is not claimable.
    alice = holders[0]
    deposit(alice, 10 * USDAI)
    request_redeem(alice, 10 * USDAI)
    with reverts(vault.ClaimExceedsClaimable, requested=USDAI, claimable=0):
        vault.redeem(USDAI, alice, alice, sender=alice)


def test_redeem__zero__reverts_amount_zero(vault, claimable, alice, reverts):
    with reverts(vault.AmountZero):
        vault.redeem(0, alice, alice, sender=alice)


def test_withdraw__zero__reverts_amount_zero(vault, claimable, alice, reverts):
    with reverts(vault.AmountZero):
        vault.withdraw(0, alice, alice, sender=alice)


def test_redeem__zero_receiver__reverts_address_zero(vault, claimable, alice, reverts):
    with reverts(vault.AddressZero):
        vault.redeem(USDAI, ZERO, alice, sender=alice)


def test_redeem__while_paused__still_pays_and_max_views_stay_truthful(vault, usdai, pauser, claimable, alice):
    vault.pause(sender=pauser)
    assert vault.maxRedeem(alice) == 500 * USDAI
    assets = vault.maxWithdraw(alice)
    before = usdai.balanceOf(alice)
    vault.redeem(200 * USDAI, alice, alice, sender=alice)
    vault.withdraw(vault.maxWithdraw(alice), alice, alice, sender=alice)
    assert usdai.balanceOf(alice) - before == assets
    assert vault.maxRedeem(alice) == vault.maxWithdraw(alice) == 0
