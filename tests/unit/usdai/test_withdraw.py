import pytest

from scripts._suite.deployment import USDAI, WM
from tests.support import assert_call_reverts

SCALE = 10**12  # USDai units per wM unit
ZERO_ADDRESS = "0x" + "00" * 20


def _claimed(tx, wm, account) -> int:
    """wM yield claimed for `account` inside `tx`: wM claims an earner's yield before moving its balance."""
    return sum(
        e.event_arguments["yield"] for e in tx.events.filter(wm.Claimed) if e.account == account.address
    )


@pytest.fixture
def stable_reserves(alice, bob, usdc, usdt, deposit, mint_usdai):
    """Bob deposits 1000 USDC and 1000 USDT through the pools; alice holds 100 USDai minted from wM."""
    deposit(bob, usdc, 1_000 * WM)
    deposit(bob, usdt, 1_000 * WM)
    mint_usdai(alice, 100 * WM)


# ---------------------------------------------------------------- happy paths


def test_withdraw__to_wm__burns_usdai_and_pays_wm(usdai, wm, alice, mint_usdai):
    mint_usdai(alice, 100 * WM)
    supply = usdai.totalSupply()
    backing = wm.balanceOf(usdai)
    tx = usdai.withdraw(wm, 40 * USDAI, 40 * WM, alice, sender=alice)
    assert tx.return_value == 40 * WM
    assert usdai.balanceOf(alice) == 60 * USDAI
    assert usdai.totalSupply() == supply - 40 * USDAI
    assert wm.balanceOf(alice) == 40 * WM
    assert wm.balanceOf(usdai) == backing + _claimed(tx, wm, usdai) - 40 * WM


def test_withdraw__to_other_recipient__emits_withdrawn(usdai, wm, alice, bob, mint_usdai):
    mint_usdai(alice, 100 * WM)
    tx = usdai.withdraw(wm, 25 * USDAI, 0, bob, sender=alice)
    assert wm.balanceOf(bob) == 25 * WM
    assert wm.balanceOf(alice) == 0
    events = tx.events.filter(usdai.Withdrawn)
    assert len(events) == 1
    assert events[0].sender == alice.address
    assert events[0].recipient == bob.address
    assert events[0].tokenOut == wm.address
    assert events[0].usdaiIn == 25 * USDAI
    assert events[0].amountOut == 25 * WM


@pytest.mark.parametrize("token_name", ["usdc", "usdt"])
def test_withdraw__to_stablecoin__swaps_wm_less_fee(
    request, usdai, wm, uniswap, alice, stable_reserves, quote, token_name
):
    token = request.getfixturevalue(token_name)
    pool = uniswap.pools[token.symbol()]
    pooled, backing = token.balanceOf(pool), wm.balanceOf(usdai)
    out = quote(wm, token, 50 * WM)
    # The 0.01% pool fee (5,000 units) give or take a sliver of price impact: 50 USDai -> 50 wM -> ~49.995 USDC.
    assert abs(out - (50 * WM - 5_000)) < 300
    tx = usdai.withdraw(token, 50 * USDAI, out, alice, sender=alice)
    assert tx.return_value == out
    assert token.balanceOf(alice) == out
    assert token.balanceOf(pool) == pooled - out
    assert wm.balanceOf(usdai) == backing + _claimed(tx, wm, usdai) - 50 * WM
    assert usdai.balanceOf(alice) == 50 * USDAI


def test_withdraw__not_whole_wm_units__leaves_remainder_as_backing(usdai, wm, alice, mint_usdai):
    mint_usdai(alice, 10 * WM)
    excess = wm.balanceOf(usdai) * SCALE - usdai.totalSupply()
    tx = usdai.withdraw(wm, SCALE + SCALE // 2, 0, alice, sender=alice)
    # Rounded down: 1.5 wM units of USDai pay one wM unit; the half stays behind as backing.
    assert tx.return_value == 1
    assert wm.balanceOf(alice) == 1
    assert (
        wm.balanceOf(usdai) * SCALE - usdai.totalSupply()
        == excess + SCALE // 2 + _claimed(tx, wm, usdai) * SCALE
    )


def test_withdraw__exactly_one_wm_unit__succeeds(usdai, wm, alice, mint_usdai):
    mint_usdai(alice, 1 * WM)
    tx = usdai.withdraw(wm, SCALE, 1, alice, sender=alice)
    assert tx.return_value == 1


def test_withdraw__whole_balance__leaves_nothing(usdai, wm, alice, mint_usdai):
    mint_usdai(alice, 7 * WM)
    usdai.withdraw(wm, 7 * USDAI, 7 * WM, alice, sender=alice)
    assert usdai.balanceOf(alice) == 0
    assert wm.balanceOf(alice) == 7 * WM


def test_withdraw__to_wm_while_paused__succeeds(usdai, wm, pauser, alice, mint_usdai):
    mint_usdai(alice, 10 * WM)
    usdai.pause(sender=pauser)
    tx = usdai.withdraw(wm, 10 * USDAI, 10 * WM, alice, sender=alice)
    assert tx.return_value == 10 * WM
    assert usdai.balanceOf(alice) == 0


def test_withdraw__to_stablecoin_while_paused__succeeds(usdai, usdc, wm, pauser, alice, stable_reserves, quote):
    usdai.pause(sender=pauser)
    out = quote(wm, usdc, 10 * WM)
    tx = usdai.withdraw(usdc, 10 * USDAI, 0, alice, sender=alice)
    assert tx.return_value == out


# ---------------------------------------------------------------- failures


def test_withdraw__zero_amount__reverts(usdai, wm, alice, mint_usdai, reverts):
    mint_usdai(alice, 1 * WM)
    with reverts(usdai.AmountZero):
        usdai.withdraw(wm, 0, 0, alice, sender=alice)


def test_withdraw__below_one_wm_unit__reverts(usdai, wm, alice, mint_usdai, reverts):
    mint_usdai(alice, 1 * WM)
    with reverts(usdai.WithdrawalTooSmall, usdaiIn=SCALE - 1, minimum=SCALE):
        usdai.withdraw(wm, SCALE - 1, 0, alice, sender=alice)


def test_withdraw__unsupported_token__reverts(usdai, alice, mint_usdai, unsupported_token, reverts):
    mint_usdai(alice, 10 * WM)
    with reverts(usdai.TokenUnsupported, token=unsupported_token):
        usdai.withdraw(unsupported_token, 10 * USDAI, 0, alice, sender=alice)


def test_withdraw__usdai_itself__reverts(usdai, alice, mint_usdai, reverts):
    mint_usdai(alice, 10 * WM)
    with reverts(usdai.TokenUnsupported, token=usdai):
        usdai.withdraw(usdai, 10 * USDAI, 0, alice, sender=alice)


@pytest.mark.parametrize("recipient_name", ["zero", "usdai"])
def test_withdraw__invalid_recipient__reverts(usdai, wm, alice, mint_usdai, reverts, recipient_name):
    recipient = ZERO_ADDRESS if recipient_name == "zero" else usdai.address
    mint_usdai(alice, 10 * WM)
    with reverts(usdai.RecipientInvalid, recipient=recipient):
        usdai.withdraw(wm, 10 * USDAI, 0, recipient, sender=alice)


def test_withdraw__more_than_balance__reverts(usdai, wm, alice, mint_usdai, reverts):
    mint_usdai(alice, 10 * WM)
    with reverts(usdai.ERC20InsufficientBalance, sender=alice, balance=10 * USDAI, needed=10 * USDAI + 1):
        usdai.withdraw(wm, 10 * USDAI + 1, 0, alice, sender=alice)


def test_withdraw__wm_below_min_out__reverts(usdai, wm, alice, mint_usdai, reverts):
    mint_usdai(alice, 10 * WM)
    with reverts(usdai.WithdrawalSlippageExceeded, amountOut=10 * WM, minOut=10 * WM + 1):
        usdai.withdraw(wm, 10 * USDAI, 10 * WM + 1, alice, sender=alice)


# Errors raised inside the adapter (a nested call) are read from an eth_call's revert data: a reverted
# transaction through Uniswap costs Ape seconds of tracing.


def test_withdraw__usdt_below_min_out__reverts_in_adapter(usdai, usdt, wm, adapter, alice, stable_reserves, quote):
    # The minimum goes to the adapter as is, which rejects the swap before USDai's own check.
    out = quote(wm, usdt, 50 * WM)
    assert_call_reverts(
        adapter.SwapSlippageExceeded, usdai.withdraw, usdt, 50 * USDAI, 50 * WM, alice, sender=alice,
        amountOut=out, minAmountOut=50 * WM,
    )


def test_withdraw__usdt_at_exact_min_out__succeeds(usdai, usdt, wm, alice, stable_reserves, quote):
    out = quote(wm, usdt, 50 * WM)
    tx = usdai.withdraw(usdt, 50 * USDAI, out, alice, sender=alice)
    assert tx.return_value == out


def test_withdraw__to_usdc_beyond_the_pool__refused_as_partial_fill(
    usdai, usdc, wm, adapter, uniswap, alice, mint_usdai
):
    # More wM than the pool's whole USDC side buys: SwapRouter02 would stop at the adapter's price limit
    # and leave the rest in the adapter; the adapter refuses the partial fill.
    pooled = usdc.balanceOf(uniswap.pools["USDC"])
    amount = pooled * 2
    mint_usdai(alice, amount)
    assert_call_reverts(
        adapter.SwapPartiallyFilled, usdai.withdraw, usdc, amount * 10**12, 0, alice, sender=alice, amountIn=amount
    )


def test_withdraw__blacklisted_sender__reverts(usdai, wm, blacklister, alice, bob, mint_usdai, reverts):
    mint_usdai(alice, 10 * WM)
    usdai.setBlacklisted(alice, True, sender=blacklister)
    with reverts(usdai.AccountBlacklisted, account=alice):
        usdai.withdraw(wm, 10 * USDAI, 0, bob, sender=alice)
