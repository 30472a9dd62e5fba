import math

import ape
import pytest
from ape import chain

from scripts._suite.deployment import BPS, DAY, USDAI, WM, deploy_proxy

SCALE = 10**12  # USDai units per wM unit
YEAR = 365 * DAY
EARNER_RATE = 0.04  # Params().wm_earner_rate_bps / BPS, continuously compounded


@pytest.fixture
def backed(usdai, wm, alice, mint_usdai):
    """Alice deposits 1,000,000 wM; returns USDai's wM balance afterwards."""
    mint_usdai(alice, 1_000_000 * WM)
    return wm.balanceOf(usdai)


def _split(minted: int, fee_bps: int) -> tuple[int, int]:
    """(to recipient, fee): the fee is rounded down, the recipient gets the rounding."""
    fee = minted * fee_bps // BPS
    return minted - fee, fee


# ---------------------------------------------------------------- happy paths


def test_harvest__after_one_year__mints_four_percent_less_admin_fee(usdai, wm, keeper, backed, warp):
    recipient, fee_recipient = usdai.baseYieldRecipient(), usdai.feeRecipient()
    recipient_before, fee_recipient_before = usdai.balanceOf(recipient), usdai.balanceOf(fee_recipient)
    warp(YEAR)  # the harvest is mined at the timestamp the views read
    expected = usdai.harvestableBaseYield()
    accrued = wm.accruedYieldOf(usdai)
    to_recipient, fee = _split(expected, usdai.adminFeeBps())

    tx = usdai.harvestBaseYield(sender=keeper)

    assert tx.return_value == expected
    # e^0.04 - 1 = 4.08% of the backing, floored at every step of the index and the claim.
    # (rel_tol 1e-7: a second of clock drift between warp and mining is 3e-8 of a year.)
    assert math.isclose(expected, backed * SCALE * math.expm1(EARNER_RATE), rel_tol=1e-7)
    assert expected == accrued * SCALE
    assert fee == expected // 100  # 1% admin fee
    assert usdai.balanceOf(recipient) == recipient_before + to_recipient
    assert usdai.balanceOf(fee_recipient) == fee_recipient_before + fee
    events = tx.events.filter(usdai.BaseYieldHarvested)
    assert len(events) == 1
    assert events[0].recipient == recipient
    assert events[0].wmClaimed == accrued
    assert events[0].usdaiToRecipient == to_recipient
    assert events[0].usdaiFee == fee


def test_harvest__after_one_year__leaves_excess_below_one_wm_unit(usdai, wm, keeper, backed, warp):
    warp(YEAR)
    usdai.harvestBaseYield(sender=keeper)
    excess = wm.balanceOf(usdai) * SCALE - usdai.totalSupply()
    assert 0 <= excess < SCALE
    assert usdai.harvestableBaseYield() == 0


def test_harvest__base_yield_recipient__is_the_vault(usdai, vault):
    assert usdai.baseYieldRecipient() == vault.address


def test_harvest__twice_in_one_block_time__second_mints_nothing(usdai, keeper, backed, warp):
    warp(YEAR)
    usdai.harvestBaseYield(sender=keeper)
    # The same second as the first harvest (`warp(0)` could cross a wall-clock second and accrue).
    chain.pending_timestamp = chain.blocks.head.timestamp
    supply = usdai.totalSupply()
    tx = usdai.harvestBaseYield(sender=keeper)
    assert tx.return_value == 0
    assert usdai.totalSupply() == supply
    assert len(tx.events.filter(usdai.BaseYieldHarvested)) == 0


def test_harvest__withdrawal_dust__is_harvested(usdai, wm, alice, keeper, backed, warp):
    usdai.withdraw(wm, SCALE + SCALE // 2, 0, alice, sender=alice)
    warp(0)
    harvestable = usdai.harvestableBaseYield()
    assert harvestable >= SCALE // 2
    tx = usdai.harvestBaseYield(sender=keeper)
    assert tx.return_value == harvestable
    assert wm.balanceOf(usdai) * SCALE == usdai.totalSupply()


def test_harvest__wm_donated__mints_donation_as_base_yield(usdai, wm, carol, keeper, fund, backed, warp):
    fund(wm, carol, 5 * WM)
    wm.transfer(usdai, 5 * WM, sender=carol)
    warp(0)
    harvestable = usdai.harvestableBaseYield()
    assert harvestable >= 5 * USDAI
    assert usdai.harvestBaseYield(sender=keeper).return_value == harvestable


def test_harvest__zero_admin_fee__all_to_recipient(usdai, governance, keeper, backed, warp):
    usdai.setAdminFee(0, governance, sender=governance)
    recipient = usdai.baseYieldRecipient()
    before = usdai.balanceOf(recipient)
    warp(30 * DAY)
    expected = usdai.harvestableBaseYield()
    tx = usdai.harvestBaseYield(sender=keeper)
    assert usdai.balanceOf(recipient) == before + expected
    assert tx.events.filter(usdai.BaseYieldHarvested)[0].usdaiFee == 0


def test_harvest__max_admin_fee__takes_twenty_percent(usdai, carol, governance, keeper, backed, warp):
    usdai.setAdminFee(usdai.MAX_ADMIN_FEE_BPS(), carol, sender=governance)
    warp(30 * DAY)
    expected = usdai.harvestableBaseYield()
    to_recipient, fee = _split(expected, 2_000)
    tx = usdai.harvestBaseYield(sender=keeper)
    assert usdai.balanceOf(carol) == fee
    event = tx.events.filter(usdai.BaseYieldHarvested)[0]
    assert (event.usdaiToRecipient, event.usdaiFee) == (to_recipient, fee)


def test_harvest__recipient_changed__pays_new_recipient(usdai, governance, carol, keeper, backed, warp):
    usdai.setBaseYieldRecipient(carol, sender=governance)
    warp(30 * DAY)
    expected = usdai.harvestableBaseYield()
    to_recipient, _ = _split(expected, usdai.adminFeeBps())
    tx = usdai.harvestBaseYield(sender=keeper)
    assert usdai.balanceOf(carol) == to_recipient
    assert tx.events.filter(usdai.BaseYieldHarvested)[0].recipient == carol.address


def test_harvest__above_supply_cap__still_mints(usdai, governance, keeper, backed, warp):
    # Base yield is backing that already exists: the cap limits deposits only.
    usdai.setSupplyCap(usdai.totalSupply(), sender=governance)
    warp(YEAR)
    expected = usdai.harvestableBaseYield()
    assert usdai.harvestBaseYield(sender=keeper).return_value == expected
    assert usdai.totalSupply() > usdai.supplyCap()


def test_harvestable_base_yield__grows_with_time(usdai, backed, warp):
    warp(DAY)
    one_day = usdai.harvestableBaseYield()
    warp(DAY)
    two_days = usdai.harvestableBaseYield()
    assert 0 < one_day < two_days


# ---------------------------------------------------------------- failures


def test_harvest__recipient_unset__reverts(deployer, governance, suite, keeper, reverts):
    # Unreachable on the deployed suite (deploy_suite sets the recipient to the vault and the setter
    # rejects zero), so a fresh proxy is deployed with the recipient never set.
    fresh, _, _ = deploy_proxy(
        ape.project.USDai,
        deployer,
        governance,
        {
            "admin": governance,
            "wM": suite.wm,
            "adapter": suite.swap_adapter,
            "tokens": [suite.usdc, suite.usdt],
            "cap": 10**9 * USDAI,
            "feeBps": 100,
            "feeRecipient": governance,
        },
    )
    with reverts(fresh.BaseYieldRecipientUnset):
        fresh.harvestBaseYield(sender=keeper)
