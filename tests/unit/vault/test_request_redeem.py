"""ERC-7540 redemption requests: escrow, events, the ticket minted to the controller, who may request
for an owner and name a controller, limits, pause and blacklist, and the previews that must revert."""

import pytest

from scripts._suite.deployment import USDAI
from tests.support import assert_call_reverts

ZERO = "0x" + "00" * 20


@pytest.fixture
def staked(vault, holders, deposit):
    """Alice holds 1,000 sUSDai; Bob 500."""
    alice, bob, _ = holders
    deposit(alice, 1_000 * USDAI)
    deposit(bob, 500 * USDAI)
    return alice


# ---------------------------------------------------------------- happy paths


def test_request_redeem__own_shares__escrows_and_emits_redeem_request(vault, ticket, staked):
    alice = staked
    supply = vault.totalSupply()
    next_id, _, _ = vault.queueState()
    tx = vault.requestRedeem(400 * USDAI, alice, alice, sender=alice)
    request_id = tx.return_value
    assert request_id == next_id
    events = tx.events.filter(vault.RedeemRequest)
    assert len(events) == 1
    assert events[0].controller == alice.address
    assert events[0].owner == alice.address
    assert events[0].requestId == request_id
    assert events[0].sender == alice.address
    assert events[0].shares == 400 * USDAI
    assert vault.balanceOf(alice) == 600 * USDAI
    assert vault.escrowedShares() == vault.balanceOf(vault) == 400 * USDAI
    # Pending shares stay in the supply: they are exposed to NAV until serviced.
    assert vault.totalSupply() == supply
    assert vault.pendingRedeemRequest(request_id, alice) == 400 * USDAI
    assert vault.claimableRedeemRequest(request_id, alice) == 0
    assert vault.openRequests(alice) == 1
    assert vault.requestOf(request_id) == (alice.address, 400 * USDAI, True)
    assert vault.queueState()[0] == next_id + 1
    # The request is a ticket held by its controller.
    minted = tx.events.filter(ticket.Transfer)
    assert [(e["from"], e["to"], e.tokenId) for e in minted] == [(ZERO, alice.address, request_id)]
    assert ticket.ownerOf(request_id) == alice.address
    assert ticket.balanceOf(alice) == vault.ticketCount(alice) == 1


def test_request_redeem__first_request__id_is_not_zero(vault, staked, request_redeem):
    # ERC-7540: id 0 means "all of the controller's requests"; a vault that numbers its requests
    # must never return it.
    assert vault.queueState()[0] == 1
    first = request_redeem(staked, 10 * USDAI)
    assert first == 1
    assert vault.pendingRedeemRequest(first, staked) == 10 * USDAI
    # Id 0 is the controller's aggregate.
    request_redeem(staked, 5 * USDAI)
    assert vault.pendingRedeemRequest(0, staked) == 15 * USDAI


def test_request_redeem__successive_requests__ids_increase_by_one(vault, staked, request_redeem):
    ids = [request_redeem(staked, 10 * USDAI) for _ in range(3)]
    assert ids == [ids[0], ids[0] + 1, ids[0] + 2]
    assert vault.openRequests(staked) == 3
    assert vault.escrowedShares() == 30 * USDAI


def test_request_redeem__for_consenting_controller__pending_is_the_controllers(
    vault, staked, carol, request_redeem
):
    # Carol consents by making alice her operator; the request and its ticket are Carol's.
    vault.setOperator(staked, True, sender=carol)
    request_id = request_redeem(staked, 100 * USDAI, controller=carol)
    assert vault.pendingRedeemRequest(request_id, carol) == 100 * USDAI
    assert vault.pendingRedeemRequest(request_id, staked) == 0
    assert vault.openRequests(carol) == 1
    assert vault.openRequests(staked) == 0


def test_request_redeem__other_controller_without_consent__reverts_caller_unauthorized(
    vault, staked, carol, reverts
):
    # Revision 1 let anyone open requests naming a victim as controller and fill the victim's cap.
    with reverts(vault.CallerUnauthorized, caller=staked, account=carol):
        vault.requestRedeem(100 * USDAI, carol, staked, sender=staked)


def test_request_redeem__cap_griefing__victim_still_requests(vault, governance, holders, deposit, reverts):
    """The issue's attack: an attacker makes one-share requests naming the victim as controller until
    the victim's cap is full. None of them is accepted, so the victim's own request goes through."""
    attacker, victim, _ = holders
    vault.setRedemptionLimits(USDAI, 3, sender=governance)
    deposit(attacker, 10 * USDAI)
    deposit(victim, 10 * USDAI)
    for _ in range(3):
        with reverts(vault.CallerUnauthorized):
            vault.requestRedeem(USDAI, victim, attacker, sender=attacker)
    assert vault.openRequests(victim) == 0
    vault.requestRedeem(USDAI, victim, victim, sender=victim)
    assert vault.openRequests(victim) == 1


def test_request_redeem__by_spender__spends_allowance(vault, staked, bob):
    vault.approve(bob, 150 * USDAI, sender=staked)
    tx = vault.requestRedeem(100 * USDAI, bob, staked, sender=bob)
    assert vault.allowance(staked, bob) == 50 * USDAI
    event = tx.events.filter(vault.RedeemRequest)[0]
    assert (event.controller, event.owner, event.sender) == (bob.address, staked.address, bob.address)
    assert vault.balanceOf(staked) == 900 * USDAI


def test_request_redeem__by_operator__needs_no_allowance(vault, staked, bob):
    vault.setOperator(bob, True, sender=staked)
    tx = vault.requestRedeem(100 * USDAI, staked, staked, sender=bob)
    assert vault.allowance(staked, bob) == 0
    event = tx.events.filter(vault.RedeemRequest)[0]
    assert (event.controller, event.owner, event.sender) == (staked.address, staked.address, bob.address)
    assert vault.pendingRedeemRequest(event.requestId, staked) == 100 * USDAI


def test_request_redeem__exactly_minimum__succeeds(vault, staked, request_redeem):
    minimum = vault.minRequestShares()
    assert minimum == USDAI  # Params default
    request_id = request_redeem(staked, minimum)
    assert vault.pendingRedeemRequest(request_id, staked) == minimum


def test_request_redeem__not_due__same_cycle(vault, staked, request_redeem):
    # ids below dueLimit are due; a request made now is not.
    request_id = request_redeem(staked, 10 * USDAI)
    _, _, due_limit = vault.queueState()
    assert request_id >= due_limit


# ---------------------------------------------------------------- failures


def test_request_redeem__by_stranger__reverts_insufficient_allowance(vault, staked, bob, reverts):
    with reverts(vault.ERC20InsufficientAllowance, spender=bob, allowance=0, needed=100 * USDAI):
        vault.requestRedeem(100 * USDAI, bob, staked, sender=bob)


def test_request_redeem__operator_of_controller_only__reverts_insufficient_allowance(
    vault, staked, bob, carol, reverts
):
    # An operator acts for the owner of the shares, not for whoever it names as controller.
    vault.setOperator(bob, True, sender=carol)
    with reverts(vault.ERC20InsufficientAllowance, spender=bob):
        vault.requestRedeem(100 * USDAI, carol, staked, sender=bob)


def test_request_redeem__below_minimum__reverts_redemption_too_small(vault, staked, reverts):
    with reverts(vault.RedemptionTooSmall, shares=USDAI - 1, minimum=USDAI):
        vault.requestRedeem(USDAI - 1, staked, staked, sender=staked)


def test_request_redeem__zero_with_zero_minimum__reverts_redemption_too_small(
    vault, governance, staked, reverts
):
    vault.setRedemptionLimits(0, 50, sender=governance)
    with reverts(vault.RedemptionTooSmall, shares=0, minimum=0):
        vault.requestRedeem(0, staked, staked, sender=staked)


def test_request_redeem__beyond_open_request_cap__reverts_requests_exceeded(
    vault, governance, staked, bob, request_redeem, reverts
):
    vault.setRedemptionLimits(USDAI, 2, sender=governance)
    request_redeem(staked, USDAI)
    request_redeem(staked, USDAI)
    with reverts(vault.RedemptionRequestsExceeded, controller=staked, maximum=2):
        vault.requestRedeem(USDAI, staked, staked, sender=staked)
    # The cap is per controller: the same owner may still request for another (consenting) controller.
    vault.setOperator(staked, True, sender=bob)
    request_redeem(staked, USDAI, controller=bob)
    assert vault.openRequests(bob) == 1


def test_request_redeem__zero_controller__reverts_address_zero(vault, staked, reverts):
    with reverts(vault.AddressZero):
        vault.requestRedeem(USDAI, ZERO, staked, sender=staked)


def test_request_redeem__more_than_balance__reverts_insufficient_balance(vault, staked, reverts):
    with reverts(vault.ERC20InsufficientBalance, sender=staked, balance=1_000 * USDAI, needed=1_001 * USDAI):
        vault.requestRedeem(1_001 * USDAI, staked, staked, sender=staked)


def test_request_redeem__while_paused__reverts_enforced_pause(vault, pauser, staked, request_redeem, reverts):
    vault.pause(sender=pauser)
    with reverts(vault.EnforcedPause):
        vault.requestRedeem(USDAI, staked, staked, sender=staked)
    vault.unpause(sender=pauser)
    request_redeem(staked, USDAI)


def test_request_redeem__blacklisted_owner__reverts_account_blacklisted(vault, blacklister, staked, reverts):
    vault.setBlacklisted(staked, True, sender=blacklister)
    with reverts(vault.AccountBlacklisted, account=staked):
        vault.requestRedeem(USDAI, staked, staked, sender=staked)


def test_request_redeem__blacklisted_operator__reverts_account_blacklisted(
    vault, blacklister, staked, bob, reverts
):
    vault.setOperator(bob, True, sender=staked)
    vault.setBlacklisted(bob, True, sender=blacklister)
    with reverts(vault.AccountBlacklisted, account=bob):
        vault.requestRedeem(USDAI, staked, staked, sender=bob)


def test_request_redeem__blacklisted_spender__reverts_account_blacklisted(
    vault, blacklister, staked, bob, reverts
):
    vault.approve(bob, USDAI, sender=staked)
    vault.setBlacklisted(bob, True, sender=blacklister)
    with reverts(vault.AccountBlacklisted, account=bob):
        vault.requestRedeem(USDAI, bob, staked, sender=bob)


def test_transfer__to_vault__reverts_invalid_receiver(vault, staked, reverts):
    # Shares reach the escrow only through requestRedeem.
    with reverts(vault.ERC20InvalidReceiver, receiver=vault):
        vault.transfer(vault, USDAI, sender=staked)


def test_transfer_from__to_vault__reverts_invalid_receiver(vault, staked, bob, reverts):
    vault.approve(bob, USDAI, sender=staked)
    with reverts(vault.ERC20InvalidReceiver, receiver=vault):
        vault.transferFrom(staked, vault, USDAI, sender=bob)


def test_preview_redeem__any__reverts_preview_unsupported(vault, staked):
    # ERC-7540: previews of asynchronous flows must revert (a view: checked on the raw revert data).
    assert_call_reverts(vault.PreviewUnsupported, vault.previewRedeem, USDAI, sender=staked)


def test_preview_withdraw__any__reverts_preview_unsupported(vault, staked):
    assert_call_reverts(vault.PreviewUnsupported, vault.previewWithdraw, USDAI, sender=staked)
