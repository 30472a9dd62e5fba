import pytest

from scripts._suite.deployment import WM


@pytest.fixture
def pushed(local_adapter, usdc, alice, fund):
    """Alice pushes 100 USDC to the adapter (push model: the caller transfers, then swaps)."""
    fund(usdc, alice, 100 * WM)
    usdc.transfer(local_adapter, 100 * WM, sender=alice)


def test_quote_exact_in__matches_venue(local_adapter, venue, usdc, wm):
    assert local_adapter.quoteExactIn(usdc, wm, 100 * WM) == venue.quote(usdc, wm, 100 * WM) == 99_990_000


def test_swap_exact_in__pushed_stablecoin__pays_wm_and_keeps_nothing(
    local_adapter, venue, usdc, wm, alice, bob, pushed
):
    tx = local_adapter.swapExactIn(usdc, wm, 100 * WM, 99_990_000, bob, sender=alice)
    assert tx.return_value == 99_990_000
    assert wm.balanceOf(bob) == 99_990_000
    assert usdc.balanceOf(local_adapter) == 0
    assert wm.balanceOf(local_adapter) == 0
    assert usdc.allowance(local_adapter, venue) == 0
    event = tx.events.filter(local_adapter.Swapped)[0]
    assert (event.tokenIn, event.tokenOut, event.amountIn, event.amountOut, event.recipient) == (
        usdc.address,
        wm.address,
        100 * WM,
        99_990_000,
        bob.address,
    )


def test_swap_exact_in__zero_amount__reverts(local_adapter, usdc, wm, alice, reverts):
    with reverts(local_adapter.SwapAmountZero):
        local_adapter.swapExactIn(usdc, wm, 0, 0, alice, sender=alice)


def test_swap_exact_in__below_min_out__reverts(local_adapter, usdc, wm, alice, pushed, reverts):
    with reverts(local_adapter.SwapSlippageExceeded, amountOut=99_990_000, minAmountOut=99_990_001):
        local_adapter.swapExactIn(usdc, wm, 100 * WM, 99_990_001, alice, sender=alice)


def test_swap_exact_in__unsupported_pair__reverts_in_venue(
    local_adapter, venue, usdc, usdt, alice, pushed, reverts
):
    # The local local_adapter leaves the pair check to the venue's quote (its own SwapPairUnsupported is
    # for adapters with a fixed pair list, such as the Uniswap one).
    with reverts(venue.VenuePairUnsupported, tokenIn=usdc, tokenOut=usdt):
        local_adapter.swapExactIn(usdc, usdt, 100 * WM, 0, alice, sender=alice)


def test_swap_exact_in__nothing_pushed__reverts(local_adapter, usdc, wm, alice, reverts):
    # Without the push the venue's pull fails: the local_adapter holds no tokens between transactions.
    with reverts(usdc.ERC20InsufficientBalance, sender=local_adapter, balance=0, needed=1 * WM):
        local_adapter.swapExactIn(usdc, wm, 1 * WM, 0, alice, sender=alice)
