"""The first-depositor (donation) inflation attack against the virtual-share offset: on a bare vault
(virtual offset only) and on the deployed one (virtual offset + dead shares)."""

import pytest

from scripts._suite.deployment import USDAI
from tests.reference.shares import VIRTUAL, to_assets_up

DONATION = 1_000_000 * USDAI
VICTIM = 1_000 * USDAI


def _one_share(vault):
    """One share's worth, rounded up: the victim's documented worst rounding loss."""
    return to_assets_up(1, vault.totalAssets(), vault.totalSupply())


@pytest.fixture
def attacker(holders, usdai, bare_vault):
    bob = holders[1]
    usdai.approve(bare_vault, 2**256 - 1, sender=bob)
    return bob


@pytest.fixture
def victim(holders, usdai, bare_vault):
    alice = holders[0]
    usdai.approve(bare_vault, 2**256 - 1, sender=alice)
    return alice


def test_inflation__bare_vault_one_wei_then_donation__victim_loses_at_most_one_share(
    bare_vault, usdai, attacker, victim
):
    vault = bare_vault
    assert vault.deposit(1, attacker, sender=attacker).return_value == 1
    usdai.transfer(vault, DONATION, sender=attacker)
    bound = _one_share(vault)
    assert bound <= DONATION // VIRTUAL + 1  # the donation is spread over a million virtual shares

    shares = vault.deposit(VICTIM, victim, sender=victim).return_value
    assert shares > 0
    victim_value = vault.convertToAssets(shares)
    assert VICTIM - victim_value <= bound
    assert VICTIM - victim_value < VICTIM // 1_000  # under 0.1 % of the deposit

    # The attacker's one share is worth about one millionth of the donation: it loses the rest.
    attacker_value = vault.convertToAssets(vault.balanceOf(attacker))
    assert attacker_value <= 1 + DONATION // VIRTUAL + (VICTIM - victim_value)
    assert DONATION + 1 - attacker_value > DONATION * 999_990 // 1_000_000


def test_inflation__bare_vault_deposit_below_one_share__reverts_amount_zero(
    bare_vault, usdai, attacker, victim, reverts
):
    # A victim whose deposit would buy no share is refused instead of donating it to the attacker.
    vault = bare_vault
    vault.deposit(1, attacker, sender=attacker)
    usdai.transfer(vault, DONATION, sender=attacker)
    small = _one_share(vault) // 2
    assert vault.previewDeposit(small) == 0
    with reverts(vault.AmountZero):
        vault.deposit(small, victim, sender=victim)


def test_inflation__deployed_vault_with_dead_shares__victim_redeems_its_deposit(
    vault, usdai, governance, holders, keeper, next_cycle
):
    alice, bob, _ = holders
    vault.deposit(1, bob, sender=bob)
    usdai.transfer(vault, DONATION, sender=bob)
    bound = _one_share(vault)
    deposited = VICTIM
    shares = vault.deposit(deposited, alice, sender=alice).return_value
    # The donation priced one whole sUSDai at ~1M USDai, so the victim holds less than the minimum
    # request, which is counted in shares (see the report): governance lowers it to let it out.
    assert shares < vault.minRequestShares()
    vault.setRedemptionLimits(1, 50, sender=governance)

    # Realized through the queue, not just valued: request, next cycle, service, claim.
    before = usdai.balanceOf(alice)
    vault.requestRedeem(shares, alice, alice, sender=alice)
    next_cycle()
    vault.serviceRedemptions(10, sender=keeper)
    vault.redeem(vault.maxRedeem(alice), alice, alice, sender=alice)
    received = usdai.balanceOf(alice) - before
    assert deposited - bound <= received
    # The attacker's 1-wei stake is worth next to nothing: the donation went to the dead shares.
    assert vault.convertToAssets(vault.balanceOf(bob)) < 10**7
