import pytest

from scripts._suite.deployment import DAY, USDAI, WM
from tests.support import assert_call_reverts

SCALE = 10**12  # USDai units per wM unit
YEAR = 365 * DAY

# ---------------------------------------------------------------- happy paths


def test_deposit__from_wm__mints_scaled_usdai(usdai, wm, alice, fund):
    backing = wm.balanceOf(usdai)
    fund(wm, alice, 100 * WM)
    wm.approve(usdai, 100 * WM, sender=alice)
    tx = usdai.deposit(wm, 100 * WM, 100 * USDAI, alice, sender=alice)
    assert usdai.balanceOf(alice) == 100 * USDAI
    assert wm.balanceOf(usdai) == backing + 100 * WM
    assert tx.return_value == 100 * USDAI
    assert tx.events.filter(usdai.Deposited)[0].usdaiOut == 100 * USDAI


@pytest.mark.parametrize("token_name", ["usdc", "usdt"])
def test_deposit__from_stablecoin__swaps_to_wm_less_fee(
    request, usdai, wm, uniswap, alice, deposit, quote, token_name
):
    token = request.getfixturevalue(token_name)
    pool = uniswap.pools[token.symbol()]
    backing, pooled = wm.balanceOf(usdai), token.balanceOf(pool)
    wm_out = quote(token, wm, 100 * WM)
    # The 0.01% pool fee (10,000 units) give or take a sliver of price impact: 100 USDC -> ~99.99 wM.
    assert abs(wm_out - (100 * WM - 10_000)) < 300
    tx = deposit(alice, token, 100 * WM, min_out=wm_out * SCALE)
    assert tx.return_value == wm_out * SCALE
    assert usdai.balanceOf(alice) == wm_out * SCALE
    assert wm.balanceOf(usdai) == backing + wm_out
    assert token.balanceOf(pool) == pooled + 100 * WM
    assert token.balanceOf(alice) == 0
    assert usdai.totalSupply() == wm.balanceOf(usdai) * SCALE


def test_deposit__to_other_recipient__emits_deposited(usdai, usdc, wm, alice, bob, deposit, quote):
    wm_out = quote(usdc, wm, 50 * WM)
    tx = deposit(alice, usdc, 50 * WM, recipient=bob)
    assert usdai.balanceOf(alice) == 0
    assert usdai.balanceOf(bob) == wm_out * SCALE
    events = tx.events.filter(usdai.Deposited)
    assert len(events) == 1
    assert events[0].sender == alice.address
    assert events[0].recipient == bob.address
    assert events[0].tokenIn == usdc.address
    assert events[0].amountIn == 50 * WM
    assert events[0].usdaiOut == wm_out * SCALE


def test_deposit__stablecoin_after_yield_accrued__depositor_gets_no_base_yield(
    usdai, usdc, wm, alice, bob, fund, mint_usdai, warp, quote
):
    # Regression: wM claims an earner's yield on a transfer in, so the swap's balance delta used to
    # include a year of USDai's base yield and mint it to the depositor.
    mint_usdai(alice, 1_000_000 * WM)
    fund(usdc, bob, 100 * WM)
    usdc.approve(usdai, 100 * WM, sender=bob)
    warp(YEAR)  # the deposit below is mined at the timestamp the views read
    harvestable = usdai.harvestableBaseYield()
    assert harvestable > 40_000 * USDAI
    wm_out = quote(usdc, wm, 100 * WM)
    tx = usdai.deposit(usdc, 100 * WM, 0, bob, sender=bob)
    assert tx.return_value == wm_out * SCALE
    assert usdai.balanceOf(bob) == wm_out * SCALE
    assert usdai.harvestableBaseYield() == harvestable


def test_deposit__wm_after_yield_accrued__depositor_gets_no_base_yield(
    usdai, wm, alice, bob, fund, mint_usdai, warp
):
    mint_usdai(alice, 1_000_000 * WM)
    fund(wm, bob, 100 * WM)
    wm.approve(usdai, 100 * WM, sender=bob)
    warp(YEAR)
    harvestable = usdai.harvestableBaseYield()
    tx = usdai.deposit(wm, 100 * WM, 0, bob, sender=bob)
    assert tx.return_value == 100 * USDAI
    assert usdai.balanceOf(bob) == 100 * USDAI
    assert usdai.harvestableBaseYield() == harvestable


def test_deposit__up_to_supply_cap__succeeds(usdai, governance, alice, mint_usdai):
    usdai.setSupplyCap(usdai.totalSupply() + 100 * USDAI, sender=governance)
    mint_usdai(alice, 100 * WM)
    assert usdai.totalSupply() == usdai.supplyCap()
    assert usdai.maxDeposit() == 0


def test_deposit__max_deposit__is_cap_minus_supply(usdai, governance, alice, mint_usdai):
    usdai.setSupplyCap(usdai.totalSupply() + 100 * USDAI, sender=governance)
    mint_usdai(alice, 40 * WM)
    assert usdai.maxDeposit() == 60 * USDAI


def test_deposit__while_unpaused_after_pause__succeeds(usdai, wm, pauser, alice, mint_usdai):
    usdai.pause(sender=pauser)
    usdai.unpause(sender=pauser)
    assert mint_usdai(alice, 1 * WM) == 1 * USDAI
    assert usdai.balanceOf(alice) == 1 * USDAI


# ---------------------------------------------------------------- failures


def test_deposit__zero_amount__reverts(usdai, wm, alice, reverts):
    with reverts(usdai.AmountZero):
        usdai.deposit(wm, 0, 0, alice, sender=alice)


def test_deposit__unsupported_token__reverts(usdai, alice, fund, unsupported_token, reverts):
    fund(unsupported_token, alice, 10 * WM)
    unsupported_token.approve(usdai, 10 * WM, sender=alice)
    with reverts(usdai.TokenUnsupported, token=unsupported_token):
        usdai.deposit(unsupported_token, 10 * WM, 0, alice, sender=alice)


def test_deposit__token_support_removed__reverts(usdai, usdc, governance, alice, fund, reverts):
    usdai.setTokenSupport(usdc, False, sender=governance)
    fund(usdc, alice, 10 * WM)
    usdc.approve(usdai, 10 * WM, sender=alice)
    with reverts(usdai.TokenUnsupported, token=usdc):
        usdai.deposit(usdc, 10 * WM, 0, alice, sender=alice)


def test_deposit__usdai_itself__reverts(usdai, alice, mint_usdai, reverts):
    mint_usdai(alice, 10 * WM)
    usdai.approve(usdai, 10 * USDAI, sender=alice)
    with reverts(usdai.TokenUnsupported, token=usdai):
        usdai.deposit(usdai, 10 * USDAI, 0, alice, sender=alice)


@pytest.mark.parametrize("recipient_name", ["zero", "usdai"])
def test_deposit__invalid_recipient__reverts(usdai, wm, alice, fund, reverts, recipient_name):
    recipient = "0x" + "00" * 20 if recipient_name == "zero" else usdai.address
    fund(wm, alice, 10 * WM)
    wm.approve(usdai, 10 * WM, sender=alice)
    with reverts(usdai.RecipientInvalid, recipient=recipient):
        usdai.deposit(wm, 10 * WM, 0, recipient, sender=alice)


def test_deposit__wm_below_min_out__reverts(usdai, wm, alice, fund, reverts):
    fund(wm, alice, 100 * WM)
    wm.approve(usdai, 100 * WM, sender=alice)
    with reverts(usdai.DepositSlippageExceeded, usdaiOut=100 * USDAI, minUsdaiOut=100 * USDAI + 1):
        usdai.deposit(wm, 100 * WM, 100 * USDAI + 1, alice, sender=alice)


def test_deposit__usdc_at_exact_min_out__succeeds(usdai, usdc, wm, alice, deposit, quote):
    # The pool's exact output as the minimum: met with no margin.
    wm_out = quote(usdc, wm, 100 * WM)
    tx = deposit(alice, usdc, 100 * WM, min_out=wm_out * SCALE)
    assert tx.return_value == wm_out * SCALE


# Errors raised inside the adapter (a nested call) are read from an eth_call's revert data: a reverted
# transaction through Uniswap costs Ape seconds of tracing.


def test_deposit__usdc_below_min_out__reverts_in_adapter(usdai, usdc, wm, adapter, alice, fund, quote):
    # USDai passes ceil(minUsdaiOut / 1e12) to the adapter, which rejects the swap before USDai's own check.
    fund(usdc, alice, 100 * WM)
    usdc.approve(usdai, 100 * WM, sender=alice)
    wm_out = quote(usdc, wm, 100 * WM)
    assert_call_reverts(
        adapter.SwapSlippageExceeded, usdai.deposit, usdc, 100 * WM, 100 * USDAI, alice, sender=alice,
        amountOut=wm_out, minAmountOut=100 * WM,
    )


def test_deposit__usdc_min_out_one_unit_above__reverts_in_adapter(usdai, usdc, wm, adapter, alice, fund, quote):
    # Rounding against the user: one USDai unit above the pool's output needs a whole extra wM unit.
    fund(usdc, alice, 100 * WM)
    usdc.approve(usdai, 100 * WM, sender=alice)
    wm_out = quote(usdc, wm, 100 * WM)
    assert_call_reverts(
        adapter.SwapSlippageExceeded, usdai.deposit, usdc, 100 * WM, wm_out * SCALE + 1, alice, sender=alice,
        amountOut=wm_out, minAmountOut=wm_out + 1,
    )


def test_deposit__one_unit_above_supply_cap__reverts(usdai, wm, governance, alice, mint_usdai, fund, reverts):
    cap = usdai.totalSupply() + 100 * USDAI
    usdai.setSupplyCap(cap, sender=governance)
    mint_usdai(alice, 100 * WM)
    fund(wm, alice, 1)
    wm.approve(usdai, 1, sender=alice)
    with reverts(usdai.SupplyCapExceeded, supplyAfter=cap + SCALE, cap=cap):
        usdai.deposit(wm, 1, 0, alice, sender=alice)


def test_deposit__cap_one_usdai_unit_short__reverts(usdai, wm, governance, alice, fund, reverts):
    supply = usdai.totalSupply()
    usdai.setSupplyCap(supply + 100 * USDAI - 1, sender=governance)
    fund(wm, alice, 100 * WM)
    wm.approve(usdai, 100 * WM, sender=alice)
    with reverts(usdai.SupplyCapExceeded, supplyAfter=supply + 100 * USDAI, cap=supply + 100 * USDAI - 1):
        usdai.deposit(wm, 100 * WM, 0, alice, sender=alice)


def test_deposit__paused__reverts(usdai, wm, pauser, alice, fund, reverts):
    fund(wm, alice, 10 * WM)
    wm.approve(usdai, 10 * WM, sender=alice)
    usdai.pause(sender=pauser)
    with reverts(usdai.EnforcedPause):
        usdai.deposit(wm, 10 * WM, 0, alice, sender=alice)


def test_max_deposit__paused__returns_zero(usdai, pauser):
    assert usdai.maxDeposit() > 0
    usdai.pause(sender=pauser)
    assert usdai.maxDeposit() == 0


def test_deposit__blacklisted_sender__reverts(usdai, wm, blacklister, alice, bob, fund, reverts):
    fund(wm, alice, 10 * WM)
    wm.approve(usdai, 10 * WM, sender=alice)
    usdai.setBlacklisted(alice, True, sender=blacklister)
    with reverts(usdai.AccountBlacklisted, account=alice):
        usdai.deposit(wm, 10 * WM, 0, bob, sender=alice)


def test_deposit__blacklisted_recipient__reverts(usdai, wm, blacklister, alice, bob, fund, reverts):
    fund(wm, alice, 10 * WM)
    wm.approve(usdai, 10 * WM, sender=alice)
    usdai.setBlacklisted(bob, True, sender=blacklister)
    with reverts(usdai.AccountBlacklisted, account=bob):
        usdai.deposit(wm, 10 * WM, 0, bob, sender=alice)


def test_deposit__without_allowance__reverts(usdai, wm, alice, fund, reverts):
    fund(wm, alice, 10 * WM)
    with reverts(wm.ERC20InsufficientAllowance, spender=usdai, allowance=0, needed=10 * WM):
        usdai.deposit(wm, 10 * WM, 0, alice, sender=alice)
