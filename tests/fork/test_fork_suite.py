"""The suite on an Arbitrum One fork: real wM semantics and deposits through Uniswap V3."""

from scripts._suite.deployment import ARBITRUM_ONE, USDAI, WM


def test_real_wm__interface__matches_iwrappedm(fork_suite):
    wm = fork_suite.wm
    assert wm.decimals() == 6
    assert wm.currentIndex() >= 10**12
    assert wm.isEarning(fork_suite.usdai) is False  # earner approval is M^0 governance's


def test_deposit__wm_on_fork__mints_scaled_usdai(deal, fork_suite, accounts):
    alice = accounts.test_accounts[4]
    deal(fork_suite.wm, alice.address, 1_000 * WM)
    fork_suite.wm.approve(fork_suite.usdai, 1_000 * WM, sender=alice)
    fork_suite.usdai.deposit(fork_suite.wm, 1_000 * WM, 1_000 * USDAI, alice, sender=alice)
    assert fork_suite.usdai.balanceOf(alice) == 1_000 * USDAI


def test_deposit__usdc_through_uniswap__slippage_bounded(deal, fork_suite, accounts):
    alice = accounts.test_accounts[4]
    deal(fork_suite.usdc, alice.address, 1_000 * WM)
    fork_suite.usdc.approve(fork_suite.usdai, 1_000 * WM, sender=alice)
    minted = fork_suite.usdai.deposit(fork_suite.usdc, 1_000 * WM, 990 * USDAI, alice, sender=alice).return_value
    assert 990 * USDAI <= minted <= 1_001 * USDAI
    assert fork_suite.usdai.totalSupply() <= fork_suite.wm.balanceOf(fork_suite.usdai) * 10**12


def test_price_guard__real_chainlink_feeds_and_sequencer_feed(fork_suite):
    usdai = fork_suite.usdai
    assert usdai.priceFeed(fork_suite.usdc).feed == ARBITRUM_ONE.usdc_feed
    assert usdai.priceFeed(fork_suite.usdt).feed == ARBITRUM_ONE.usdt_feed
    assert usdai.priceGuard().sequencerFeed == ARBITRUM_ONE.sequencer_feed
    _, status, started, _, _ = fork_suite.price_feeds["Sequencer"].latestRoundData()
    assert status == 0 and started > 0  # Arbitrum's sequencer is up at the forked block


def test_withdraw__usdt_through_uniswap__passes_the_real_price_guard(deal, fork_suite, accounts):
    alice = accounts.test_accounts[4]
    deal(fork_suite.wm, alice.address, 1_000 * WM)
    fork_suite.wm.approve(fork_suite.usdai, 1_000 * WM, sender=alice)
    fork_suite.usdai.deposit(fork_suite.wm, 1_000 * WM, 0, alice, sender=alice)
    paid = fork_suite.usdai.withdraw(fork_suite.usdt, 500 * USDAI, 495 * WM, alice, sender=alice).return_value
    assert 495 * WM <= paid <= 505 * WM
