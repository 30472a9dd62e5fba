"""The real vault against the real registry: allocation, NAV with and without accrued interest,
repayments swept back as redemption liquidity, and a default that junior capital absorbs."""

from ape import chain

from scripts._suite.credit import MONTH, mint_receipt, open_stack, originate
from scripts._suite.deployment import USDAI


def now():
    return int(chain.pending_timestamp)


def warp(seconds):
    chain.pending_timestamp = chain.pending_timestamp + seconds
    chain.mine()


def _setup(suite, governance, strategist, curator, borrower, alice, stake, mint_usdai):
    # The credit unit tests point the registry at a stand-in vault for the session; use the real one.
    if suite.registry.vault() != suite.vault.address:
        suite.registry.setVault(suite.vault, sender=governance)
    suite.registry.setCuratorApproval(curator, True, sender=governance)
    stake(alice, 1_000_000 * USDAI)
    mint_usdai(curator, 100_000 * 10**6)
    # Base yield accrues every second in the price; capital moves are compared without it.
    assets_before = suite.vault.totalAssets() - suite.usdai.baseYieldOwed(suite.vault)
    stack = open_stack(suite, curator, 100_000 * USDAI)
    suite.vault.allocate(stack, 800_000 * USDAI, sender=strategist)
    rid = mint_receipt(suite, governance, governance, borrower, 1_000_000 * USDAI, now=now())
    loan = originate(suite, curator, borrower, stack, 600_000 * USDAI, [rid])
    # Allocation and origination move capital; they create and destroy no value.
    assert suite.vault.totalAssets() - suite.usdai.baseYieldOwed(suite.vault) == assets_before
    return stack, loan


def test_allocate_and_lend__interest_accrues__deposit_nav_above_redemption_nav(
    suite, governance, strategist, curator, borrower, alice, stake, mint_usdai
):
    vault = suite.vault
    _setup(suite, governance, strategist, curator, borrower, alice, stake, mint_usdai)
    warp(15 * 86_400)
    deposit_nav, redemption_nav = suite.registry.seniorNav()
    assert deposit_nav > redemption_nav
    assert vault.totalAssets() - vault.redemptionAssets() == deposit_nav - redemption_nav


def test_repay_and_sweep__senior_share_returns__vault_liquidity_grows(
    suite, governance, strategist, curator, borrower, alice, keeper, stake, mint_usdai
):
    book = suite.loan_book
    vault, registry, usdai = suite.vault, suite.registry, suite.usdai
    stack, loan = _setup(suite, governance, strategist, curator, borrower, alice, stake, mint_usdai)
    warp(MONTH)
    mint_usdai(borrower, 50_000 * 10**6)
    usdai.approve(registry, 50_000 * USDAI, sender=borrower)
    book.repay(loan, 50_000 * USDAI, sender=borrower)
    idle_before = usdai.balanceOf(vault) - vault.reservedAssets()
    price_before = vault.convertToAssets(USDAI)
    swept = registry.sweep(stack, sender=keeper).return_value
    assert swept > 0
    assert usdai.balanceOf(vault) - vault.reservedAssets() == idle_before + swept
    assert vault.convertToAssets(USDAI) >= price_before  # a sweep is a move, never a loss


def test_default_within_junior__vault_nav_keeps_senior_principal(
    suite, governance, strategist, curator, borrower, alice, keeper, stake, mint_usdai
):
    book = suite.loan_book
    vault, registry = suite.vault, suite.registry
    stack, loan = _setup(suite, governance, strategist, curator, borrower, alice, stake, mint_usdai)
    warp(2 * MONTH)
    # The appraiser keeps the valuation fresh (older than 90 days it would support nothing).
    suite.caliber.appraise(book.loan(loan).receiptIds[0], 1_000_000 * USDAI, now(), sender=governance)
    warp(2 * MONTH)
    book.markDefault(loan, sender=keeper)
    # Carried at min(outstanding, appraisal x 0.7) = 600k vs 700k: no impairment reaches senior.
    _, redemption_nav = registry.seniorNav()
    assert redemption_nav >= 800_000 * USDAI * 99 // 100
    assert vault.redemptionAssets() >= 1_000_000 * USDAI
