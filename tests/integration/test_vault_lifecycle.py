"""Stake, request across a cycle boundary, service and claim: the vault's basic lifecycle."""

from ape import chain

from scripts._suite.deployment import DAY, USDAI


def test_lifecycle__request_then_next_cycle__serviced_and_claimed(suite, vault, usdai, alice, bob, keeper, stake):
    shares = stake(alice, 1_000 * USDAI)
    stake(bob, 500 * USDAI)
    # Base yield is in the price from the first second: the first shares cost a hair above 1 USDai.
    assert 999 * USDAI < shares <= 1_000 * USDAI

    request_id = vault.requestRedeem(400 * USDAI, alice, alice, sender=alice).return_value
    assert vault.pendingRedeemRequest(request_id, alice) == 400 * USDAI
    assert vault.escrowedShares() == 400 * USDAI

    # Not due before the next cycle starts.
    vault.serviceRedemptions(10, sender=keeper)
    assert vault.pendingRedeemRequest(request_id, alice) == 400 * USDAI

    chain.pending_timestamp = vault.cycleStart(vault.currentCycle() + 1) + DAY
    chain.mine()
    suite.usdai.harvestBaseYield(sender=keeper)
    vault.serviceRedemptions(10, sender=keeper)
    assert vault.pendingRedeemRequest(request_id, alice) == 0
    claimable = vault.maxWithdraw(alice)
    assert claimable > 400 * USDAI  # base yield accrued for a month
    before = usdai.balanceOf(alice)
    vault.redeem(vault.maxRedeem(alice), alice, alice, sender=alice)
    assert usdai.balanceOf(alice) - before == claimable
    assert vault.reservedAssets() == 0
