"""ERC-4626 deposit side of sUSDai: deposit/mint, rounding directions, supply cap, pause, blacklist,
the max* views and the asset views."""

import pytest

from scripts._suite.deployment import DEAD, USDAI
from tests.reference.shares import VIRTUAL, to_assets_down, to_assets_up, to_shares_down

MAX_UINT = 2**256 - 1
DONATION = 333_333_333_333_333_333  # makes the price 1.333… so that every conversion rounds


@pytest.fixture
def funded(holders):
    """Alice: USDai approved to the vault."""
    return holders[0]


@pytest.fixture
def uneven_price(vault, usdai, holders):
    """A donation puts the price at ~1.333 USDai per share (not a whole ratio)."""
    usdai.transfer(vault, DONATION, sender=holders[1])
    assert vault.totalAssets() != vault.totalSupply()


# ---------------------------------------------------------------- views


def test_asset__deployed__is_usdai(vault, usdai):
    assert vault.asset() == usdai.address
    assert vault.share() == vault.address
    assert vault.decimals() == 18
    assert vault.symbol() == "sUSDai"


def test_total_assets__deployed__is_idle_usdai_plus_registry_nav(suite, vault, usdai):
    # The deploy seeds the vault with dead shares; nothing is allocated yet.
    assert vault.registry() == suite.registry.address
    deposit_nav, redemption_nav = suite.registry.seniorNav()
    idle = usdai.balanceOf(vault) - vault.reservedAssets()
    assert vault.totalAssets() == idle + deposit_nav
    assert vault.redemptionAssets() == idle + redemption_nav
    assert vault.totalSupply() == vault.balanceOf(DEAD) > 0


def test_total_assets__bare_vault__is_idle_usdai(bare_vault, usdai, holders):
    usdai.transfer(bare_vault, 5 * USDAI, sender=holders[0])
    assert bare_vault.totalAssets() == bare_vault.redemptionAssets() == 5 * USDAI


def test_total_assets__after_donation__counts_donated_usdai(vault, usdai, holders):
    before = vault.totalAssets()
    usdai.transfer(vault, 5 * USDAI, sender=holders[1])
    assert vault.totalAssets() == before + 5 * USDAI


# ---------------------------------------------------------------- deposit and mint


def test_deposit__at_par__mints_equal_shares_and_emits_deposit(vault, usdai, funded, bob):
    assets_before, supply_before = vault.totalAssets(), vault.totalSupply()
    tx = vault.deposit(100 * USDAI, bob, sender=funded)
    assert tx.return_value == 100 * USDAI
    assert vault.balanceOf(bob) == 100 * USDAI
    assert vault.balanceOf(funded) == 0
    assert vault.totalAssets() == assets_before + 100 * USDAI
    assert vault.totalSupply() == supply_before + 100 * USDAI
    events = tx.events.filter(vault.Deposit)
    assert len(events) == 1
    assert events[0].sender == funded.address
    assert events[0].owner == bob.address
    assert events[0].assets == 100 * USDAI
    assert events[0].shares == 100 * USDAI


def test_mint__at_par__pulls_equal_assets_and_emits_deposit(vault, usdai, funded, bob):
    balance = usdai.balanceOf(funded)
    tx = vault.mint(40 * USDAI, bob, sender=funded)
    assert tx.return_value == 40 * USDAI
    assert usdai.balanceOf(funded) == balance - 40 * USDAI
    assert vault.balanceOf(bob) == 40 * USDAI
    event = tx.events.filter(vault.Deposit)[0]
    assert (event.sender, event.owner, event.assets, event.shares) == (
        funded.address,
        bob.address,
        40 * USDAI,
        40 * USDAI,
    )


def test_deposit__at_uneven_price__mints_shares_rounded_down(vault, funded, uneven_price):
    assets, supply = vault.totalAssets(), vault.totalSupply()
    amount = 10 * USDAI
    expected = to_shares_down(amount, assets, supply)
    assert amount * (supply + VIRTUAL) % (assets + VIRTUAL) != 0  # the division is inexact
    assert vault.convertToShares(amount) == expected
    assert vault.previewDeposit(amount) == expected
    tx = vault.deposit(amount, funded, sender=funded)
    assert tx.return_value == expected
    assert vault.balanceOf(funded) == expected


def test_mint__at_uneven_price__pulls_assets_rounded_up(vault, usdai, funded, uneven_price):
    assets, supply = vault.totalAssets(), vault.totalSupply()
    shares = 10 * USDAI
    expected = to_assets_up(shares, assets, supply)
    assert shares * (assets + VIRTUAL) % (supply + VIRTUAL) != 0
    assert vault.previewMint(shares) == expected
    balance = usdai.balanceOf(funded)
    tx = vault.mint(shares, funded, sender=funded)
    assert tx.return_value == expected
    assert balance - usdai.balanceOf(funded) == expected
    assert vault.balanceOf(funded) == shares


def test_convert_to_assets__at_uneven_price__rounds_down(vault, uneven_price):
    assets, supply = vault.totalAssets(), vault.totalSupply()
    assert vault.convertToAssets(10 * USDAI) == to_assets_down(10 * USDAI, assets, supply)


@pytest.mark.parametrize("amount", [1, 7, 10**6, USDAI + 3, 12_345_678_901_234_567_890_123])
def test_previews__round_trip__never_favour_the_caller(vault, uneven_price, amount):
    # Deposit then mint back: never more assets out of a round trip than in, and the reverse.
    assert vault.previewMint(vault.previewDeposit(amount)) <= amount
    assert vault.previewDeposit(vault.previewMint(amount)) >= amount
    assert vault.convertToAssets(vault.convertToShares(amount)) <= amount


def test_deposit__zero_assets__reverts_amount_zero(vault, funded, reverts):
    with reverts(vault.AmountZero):
        vault.deposit(0, funded, sender=funded)


def test_mint__zero_shares__reverts_amount_zero(vault, funded, reverts):
    with reverts(vault.AmountZero):
        vault.mint(0, funded, sender=funded)


def test_deposit__rounds_to_zero_shares__reverts_amount_zero(vault, funded, uneven_price, reverts):
    # At a price above 1, one wei buys no share: the deposit must fail rather than take the wei.
    assert vault.previewDeposit(1) == 0
    with reverts(vault.AmountZero):
        vault.deposit(1, funded, sender=funded)


def test_deposit__without_allowance__reverts_insufficient_allowance(vault, usdai, holders, reverts):
    bob = holders[1]
    usdai.approve(vault, 0, sender=bob)
    # USDai's error, decoded by the vault's ABI (same signature).
    with reverts(vault.ERC20InsufficientAllowance, spender=vault, allowance=0, needed=10 * USDAI):
        vault.deposit(10 * USDAI, bob, sender=bob)


def test_deposit__receiver_is_vault__reverts_invalid_receiver(vault, funded, reverts):
    # Shares reach the vault only through requestRedeem (escrow == pending requests).
    with reverts(vault.ERC20InvalidReceiver, receiver=vault):
        vault.deposit(USDAI, vault, sender=funded)


# ---------------------------------------------------------------- supply cap


def test_deposit__exactly_to_supply_cap__succeeds(vault, governance, funded):
    cap = vault.totalAssets() + 100 * USDAI
    vault.setSupplyCap(cap, sender=governance)
    assert vault.maxDeposit(funded) == 100 * USDAI
    vault.deposit(100 * USDAI, funded, sender=funded)
    assert vault.totalAssets() == cap
    assert vault.maxDeposit(funded) == 0
    assert vault.maxMint(funded) == 0


def test_deposit__one_wei_over_supply_cap__reverts_supply_cap_exceeded(vault, governance, funded, reverts):
    cap = vault.totalAssets() + 100 * USDAI
    vault.setSupplyCap(cap, sender=governance)
    with reverts(vault.SupplyCapExceeded, assetsAfter=cap + 1, cap=cap):
        vault.deposit(100 * USDAI + 1, funded, sender=funded)


def test_mint__over_supply_cap__reverts_supply_cap_exceeded(vault, governance, funded, reverts):
    cap = vault.totalAssets() + 100 * USDAI
    vault.setSupplyCap(cap, sender=governance)
    vault.mint(vault.maxMint(funded), funded, sender=funded)  # the max* view is honoured
    with reverts(vault.SupplyCapExceeded, cap=cap):
        vault.mint(USDAI, funded, sender=funded)


def test_max_deposit__below_cap__is_cap_minus_total_assets(vault, governance, alice):
    vault.setSupplyCap(vault.totalAssets() + 123 * USDAI, sender=governance)
    assert vault.maxDeposit(alice) == 123 * USDAI
    assert vault.maxMint(alice) == vault.convertToShares(123 * USDAI)


def test_max_deposit__cap_lowered_below_assets__is_zero(vault, governance, alice):
    vault.setSupplyCap(vault.totalAssets() - 1, sender=governance)
    assert vault.maxDeposit(alice) == 0
    assert vault.maxMint(alice) == 0


def test_max_deposit__unlimited_cap__is_max_uint(vault, governance, alice):
    vault.setSupplyCap(MAX_UINT, sender=governance)
    assert vault.maxDeposit(alice) == MAX_UINT
    assert vault.maxMint(alice) == MAX_UINT


def test_max_mint__at_uneven_price__mint_of_max_fits_the_cap(vault, governance, funded, uneven_price):
    vault.setSupplyCap(vault.totalAssets() + 77 * USDAI + 5, sender=governance)
    shares = vault.maxMint(funded)
    assert vault.previewMint(shares) <= vault.maxDeposit(funded)
    vault.mint(shares, funded, sender=funded)


# ---------------------------------------------------------------- pause and blacklist


def test_deposit__while_paused__reverts_enforced_pause(vault, pauser, funded, reverts):
    vault.pause(sender=pauser)
    with reverts(vault.EnforcedPause):
        vault.deposit(USDAI, funded, sender=funded)
    with reverts(vault.EnforcedPause):
        vault.mint(USDAI, funded, sender=funded)


def test_max_deposit__while_paused__is_zero(vault, pauser, alice):
    vault.pause(sender=pauser)
    assert vault.maxDeposit(alice) == 0
    assert vault.maxMint(alice) == 0
    vault.unpause(sender=pauser)
    assert vault.maxDeposit(alice) > 0


def test_max_deposit__blacklisted_receiver__is_zero(vault, blacklister, alice, bob):
    vault.setBlacklisted(bob, True, sender=blacklister)
    assert vault.maxDeposit(bob) == 0
    assert vault.maxMint(bob) == 0
    assert vault.maxDeposit(alice) > 0


def test_deposit__blacklisted_receiver__reverts_account_blacklisted(vault, blacklister, funded, bob, reverts):
    vault.setBlacklisted(bob, True, sender=blacklister)
    with reverts(vault.AccountBlacklisted, account=bob):
        vault.deposit(USDAI, bob, sender=funded)


def test_deposit__blacklisted_sender__reverts_account_blacklisted(vault, blacklister, funded, bob, reverts):
    # The depositor is the mint's operator.
    vault.setBlacklisted(funded, True, sender=blacklister)
    with reverts(vault.AccountBlacklisted, account=funded):
        vault.deposit(USDAI, bob, sender=funded)
