import pytest

from scripts._suite.deployment import WM


@pytest.fixture
def pushed(adapter, usdc, alice, fund):
    """Alice pushes 100 USDC to the adapter (push model: the caller transfers, then swaps)."""
    fund(usdc, alice, 100 * WM)
    usdc.transfer(adapter, 100 * WM, sender=alice)


def test_quote_exact_in__matches_venue(adapter, venue, usdc, wm):
    assert adapter.quoteExactIn(usdc, wm, 100 * WM) == venue.quote(usdc, wm, 100 * WM) == 99_990_000


def test_swap_exact_in__pushed_stablecoin__pays_wm_and_keeps_nothing(
    adapter, venue, usdc, wm, alice, bob, pushed
):
    tx = adapter.swapExactIn(usdc, wm, 100 * WM, 99_990_000, bob, sender=alice)
    assert tx.return_value == 99_990_000
    assert wm.balanceOf(bob) == 99_990_000
    assert usdc.balanceOf(adapter) == 0
    assert wm.balanceOf(adapter) == 0
    assert usdc.allowance(adapter, venue) == 0
    event = tx.events.filter(adapter.Swapped)[0]
    assert (event.tokenIn, event.tokenOut, event.amountIn, event.amountOut, event.recipient) == (
        usdc.address,
        wm.address,
        100 * WM,
        99_990_000,
        bob.address,
    )


def test_swap_exact_in__zero_amount__reverts(adapter, usdc, wm, alice, reverts):
    with reverts(adapter.SwapAmountZero):
        adapter.swapExactIn(usdc, wm, 0, 0, alice, sender=alice)


def test_swap_exact_in__below_min_out__reverts(adapter, usdc, wm, alice, pushed, reverts):
    with reverts(adapter.SwapSlippageExceeded, amountOut=99_990_000, minAmountOut=99_990_001):
        adapter.swapExactIn(usdc, wm, 100 * WM, 99_990_001, alice, sender=alice)


def test_swap_exact_in__unsupported_pair__reverts_in_venue(
    adapter, venue, usdc, usdt, alice, pushed, reverts
):
    # The local adapter leaves the pair check to the venue's quote (its own SwapPairUnsupported is
    # for adapters with a fixed pair list, such as the Uniswap one).
    with reverts(venue.VenuePairUnsupported, tokenIn=usdc, tokenOut=usdt):
        adapter.swapExactIn(usdc, usdt, 100 * WM, 0, alice, sender=alice)


def test_swap_exact_in__nothing_pushed__reverts(adapter, usdc, wm, alice, reverts):
    # Without the push the venue's pull fails: the adapter holds no tokens between transactions.
    with reverts(usdc.ERC20InsufficientBalance, sender=adapter, balance=0, needed=1 * WM):
        adapter.swapExactIn(usdc, wm, 1 * WM, 0, alice, sender=alice)
