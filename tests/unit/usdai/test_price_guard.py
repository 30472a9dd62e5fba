"""USDai's price guard over the real Uniswap V3 pools (deployed from npm) and Chainlink-shaped feeds.

Every stablecoin leg of a deposit or withdrawal is compared with the stablecoin's USD feed (wM at $1):
a stale or non-positive answer, a swap more than `maxDeviationBps` from the feed's price, or an L2
sequencer that is down or inside its grace period refuses the whole transaction, with nothing moved.
The pools hold 10M of each token between -200 and +200 ticks (about +-2%) around 1:1.
"""

import ape
import pytest

from scripts._suite.deployment import DAY, USDAI, WM, Params
from scripts._suite.uniswap import MAX_SQRT_PRICE_X96, MIN_SQRT_PRICE_X96

SCALE = 10**12
ZERO_ADDRESS = "0x" + "00" * 20
PARAMS = Params()


@pytest.fixture(scope="session")
def feeds(suite):
    return suite.price_feeds


@pytest.fixture
def funded(alice, usdc, usdt, usdai, fund, mint_usdai):
    """Alice holds 10M USDC and 10M USDT approved to USDai, and 1,000 USDai."""
    for token in (usdc, usdt):
        fund(token, alice, 10_000_000 * WM)
        token.approve(usdai, 2**256 - 1, sender=alice)
    mint_usdai(alice, 1_000 * WM)


def _now(chain):
    """The time of the latest block: every transaction below is mined at it or later."""
    return chain.blocks.head.timestamp


def _depeg_usdt_pool(suite, whale, fund, amount):
    """A whale sells `amount` USDT for wM straight into the pool: USDT trades below 1:1 there."""
    router, usdt, wm = suite.uniswap.router, suite.usdt, suite.wm
    fund(usdt, whale, amount)
    usdt.approve(router, amount, sender=whale)
    params = {
        "tokenIn": usdt.address,
        "tokenOut": wm.address,
        "fee": suite.uniswap.fee,
        "recipient": whale.address,
        "amountIn": amount,
        "amountOutMinimum": 0,
        "sqrtPriceLimitX96": 0,
    }
    router.exactInputSingle(params, sender=whale)


# ---------------------------------------------------------------- the deployment


def test_adapter_price_limits__the_ones_the_python_quote_uses(adapter):
    assert adapter.MIN_SQRT_PRICE_X96() == MIN_SQRT_PRICE_X96
    assert adapter.MAX_SQRT_PRICE_X96() == MAX_SQRT_PRICE_X96


def test_deploy__each_stablecoin_priced_by_its_feed__guard_at_params(usdai, usdc, usdt, feeds):
    for label, token in (("USDC", usdc), ("USDT", usdt)):
        config = usdai.priceFeed(token)
        assert config.feed == feeds[label].address
        assert config.maxAge == PARAMS.price_max_age
        assert (config.feedDecimals, config.tokenDecimals) == (8, 6)
    guard = usdai.priceGuard()
    assert guard.sequencerFeed == feeds["Sequencer"].address
    assert guard.gracePeriod == PARAMS.sequencer_grace_period
    assert guard.maxDeviationBps == PARAMS.price_max_deviation_bps


# ---------------------------------------------------------------- price impact, fee, deviation


def test_deposit__large_trade__price_impact_paid_within_the_bound(usdai, usdc, wm, alice, funded, quote):
    # 2M USDC against 10M of liquidity within +-2%: the pool's price moves and the average fill is about
    # 0.2% below 1:1, on top of the 0.01% fee; inside the 0.5% bound, so it goes through.
    amount = 2_000_000 * WM
    small = quote(usdc, wm, 1_000 * WM)
    out = quote(usdc, wm, amount)
    impact_bps = (amount - out) * 10_000 / amount
    assert small == pytest.approx(1_000 * WM * 0.9999, abs=2_000)  # the fee, and 1,000 USDC of impact
    assert 15 < impact_bps < 30
    tx = usdai.deposit(usdc, amount, 0, alice, sender=alice)
    assert tx.return_value == out * SCALE


def test_deposit__trade_moving_the_price_beyond_the_bound__refused(usdai, usdc, wm, alice, funded, quote, reverts):
    amount = 6_000_000 * WM
    out = quote(usdc, wm, amount)  # about 0.6% below the feed's price
    with reverts(usdai.SwapPriceDeviation, token=usdc, oracleWm=amount, swapWm=out, maxDeviationBps=50):
        usdai.deposit(usdc, amount, 0, alice, sender=alice)
    assert usdc.balanceOf(alice) == 10_000_000 * WM


def test_guard__tighter_bound__refuses_what_the_default_allowed(usdai, usdc, wm, governance, alice, funded, quote, reverts):
    usdai.setPriceGuard(usdai.priceGuard().sequencerFeed, PARAMS.sequencer_grace_period, 10, sender=governance)
    out = quote(usdc, wm, 2_000_000 * WM)
    with reverts(usdai.SwapPriceDeviation, token=usdc, oracleWm=2_000_000 * WM, swapWm=out, maxDeviationBps=10):
        usdai.deposit(usdc, 2_000_000 * WM, 0, alice, sender=alice)


def test_depegged_pool__deposits_and_withdrawals_of_that_coin_refused__others_open(
    suite, usdai, usdc, usdt, wm, bob, alice, funded, fund, quote, reverts
):
    # The pool's USDT moves about 1.5% off 1:1 while Chainlink still says $1: both directions refused.
    _depeg_usdt_pool(suite, bob, fund, 7_000_000 * WM)
    deposit_out = quote(usdt, wm, 1_000 * WM)
    with reverts(usdai.SwapPriceDeviation, token=usdt, oracleWm=1_000 * WM, swapWm=deposit_out, maxDeviationBps=50):
        usdai.deposit(usdt, 1_000 * WM, 0, alice, sender=alice)
    paid = quote(wm, usdt, 100 * WM)
    assert paid > 101 * WM  # a withdrawer would get more USDT than its dollars are worth
    with reverts(usdai.SwapPriceDeviation, token=usdt, oracleWm=paid, swapWm=100 * WM, maxDeviationBps=50):
        usdai.withdraw(usdt, 100 * USDAI, 0, alice, sender=alice)
    # USDC's pool and wM itself are untouched.
    usdai.deposit(usdc, 1_000 * WM, 0, alice, sender=alice)
    usdai.withdraw(wm, 100 * USDAI, 100 * WM, alice, sender=alice)


def test_feed_depegs_while_pool_holds_1_to_1__refused(usdai, usdt, feeds, deployer, alice, funded, reverts):
    # Chainlink sees USDT at $0.97; the pool still swaps 1:1: the swap is 3% above the feed's price.
    feeds["USDT"].setRound(97_000_000, 1, 0, sender=deployer)
    with reverts(usdai.SwapPriceDeviation, token=usdt, oracleWm=970 * WM, maxDeviationBps=50):
        usdai.deposit(usdt, 1_000 * WM, 0, alice, sender=alice)


# ---------------------------------------------------------------- feed health


def test_stale_feed__deposit_and_withdrawal_refused__wm_withdrawal_open(
    usdai, usdc, wm, feeds, deployer, alice, funded, chain, reverts
):
    updated = _now(chain) - PARAMS.price_max_age - 1
    feeds["USDC"].setRound(10**8, 1, updated, sender=deployer)
    with reverts(usdai.PriceStale, feed=feeds["USDC"], updatedAt=updated, maxAge=PARAMS.price_max_age):
        usdai.deposit(usdc, 1_000 * WM, 0, alice, sender=alice)
    with reverts(usdai.PriceStale, feed=feeds["USDC"], updatedAt=updated, maxAge=PARAMS.price_max_age):
        usdai.withdraw(usdc, 10 * USDAI, 0, alice, sender=alice)
    usdai.withdraw(wm, 10 * USDAI, 10 * WM, alice, sender=alice)


def test_feed_exactly_max_age_old__accepted(usdai, usdc, feeds, deployer, alice, funded, chain, pin_time):
    now = pin_time(_now(chain) + 10)
    feeds["USDC"].setRound(10**8, 1, now - PARAMS.price_max_age, sender=deployer)
    usdai.deposit(usdc, 1_000 * WM, 0, alice, sender=alice)


@pytest.mark.parametrize("answer", [0, -1])
def test_non_positive_answer__refused(usdai, usdc, feeds, deployer, alice, funded, reverts, answer):
    feeds["USDC"].setRound(answer, 1, 0, sender=deployer)
    with reverts(usdai.PriceInvalid, feed=feeds["USDC"], answer=answer):
        usdai.deposit(usdc, 1_000 * WM, 0, alice, sender=alice)


def test_sequencer_down__stablecoin_legs_refused__wm_open(usdai, usdc, usdt, wm, feeds, deployer, alice, funded, chain, reverts):
    feeds["Sequencer"].setRound(1, _now(chain), 0, sender=deployer)
    with reverts(usdai.SequencerDown, feed=feeds["Sequencer"]):
        usdai.deposit(usdc, 1_000 * WM, 0, alice, sender=alice)
    with reverts(usdai.SequencerDown, feed=feeds["Sequencer"]):
        usdai.withdraw(usdt, 10 * USDAI, 0, alice, sender=alice)
    usdai.withdraw(wm, 10 * USDAI, 10 * WM, alice, sender=alice)


def test_sequencer_back__refused_for_the_grace_period__then_open(
    usdai, usdc, feeds, deployer, alice, funded, chain, pin_time, reverts
):
    back = _now(chain) - 10
    feeds["Sequencer"].setRound(0, back, 0, sender=deployer)
    until = back + PARAMS.sequencer_grace_period
    with reverts(usdai.SequencerGracePeriod, until=until):
        usdai.deposit(usdc, 1_000 * WM, 0, alice, sender=alice)
    pin_time(until - 1)
    with reverts(usdai.SequencerGracePeriod, until=until):
        usdai.deposit(usdc, 1_000 * WM, 0, alice, sender=alice)
    pin_time(until)
    usdai.deposit(usdc, 1_000 * WM, 0, alice, sender=alice)


def test_sequencer_feed_without_a_round__treated_as_down(usdai, usdc, feeds, deployer, alice, funded, reverts):
    feeds["Sequencer"].setRound(0, 0, 0, sender=deployer)
    with reverts(usdai.SequencerDown, feed=feeds["Sequencer"]):
        usdai.deposit(usdc, 1_000 * WM, 0, alice, sender=alice)


def test_token_without_a_feed__refused(
    usdai, venue, local_adapter, governance, deployer, alice, fund, unsupported_token, reverts
):
    # A supported stablecoin whose feed was never set: the swap happens (here through the local venue)
    # but its price cannot be checked.
    venue.listStablecoin(unsupported_token, sender=deployer)
    usdai.setSwapAdapter(local_adapter, sender=governance)
    usdai.setTokenSupport(unsupported_token, True, sender=governance)
    fund(unsupported_token, alice, 10 * WM)
    unsupported_token.approve(usdai, 10 * WM, sender=alice)
    with reverts(usdai.PriceFeedUnset, token=unsupported_token):
        usdai.deposit(unsupported_token, 10 * WM, 0, alice, sender=alice)


# ---------------------------------------------------------------- governance


def test_set_price_feed__by_governance__stored_with_decimals_and_emitted(usdai, usdc, feeds, governance):
    tx = usdai.setPriceFeed(usdc, feeds["USDT"], DAY, sender=governance)
    config = usdai.priceFeed(usdc)
    assert (config.feed, config.maxAge, config.feedDecimals, config.tokenDecimals) == (feeds["USDT"].address, DAY, 8, 6)
    event = tx.events.filter(usdai.PriceFeedUpdated)[0]
    assert (event.token, event.feed, event.maxAge) == (usdc.address, feeds["USDT"].address, DAY)


@pytest.mark.parametrize("max_age", [59, 7 * DAY + 1])
def test_set_price_feed__max_age_out_of_range__refused(usdai, usdc, feeds, governance, reverts, max_age):
    with reverts(usdai.ParameterOutOfRange, name="maxAge", value=max_age, min=60, max=7 * DAY):
        usdai.setPriceFeed(usdc, feeds["USDC"], max_age, sender=governance)


@pytest.mark.parametrize("which", ["token", "feed"])
def test_set_price_feed__zero_address__refused(usdai, usdc, feeds, governance, reverts, which):
    token, feed = (ZERO_ADDRESS, feeds["USDC"]) if which == "token" else (usdc, ZERO_ADDRESS)
    with reverts(usdai.AddressZero):
        usdai.setPriceFeed(token, feed, DAY, sender=governance)


def test_set_price_guard__by_governance__stored_and_emitted(usdai, governance):
    tx = usdai.setPriceGuard(ZERO_ADDRESS, 0, 1_000, sender=governance)
    guard = usdai.priceGuard()
    assert (guard.sequencerFeed, guard.gracePeriod, guard.maxDeviationBps) == (ZERO_ADDRESS, 0, 1_000)
    event = tx.events.filter(usdai.PriceGuardUpdated)[0]
    assert (event.sequencerFeed, event.gracePeriod, event.maxDeviationBps) == (ZERO_ADDRESS, 0, 1_000)


@pytest.mark.parametrize(
    "grace, deviation, name, value, low, high",
    [
        (DAY + 1, 50, "gracePeriod", DAY + 1, 0, DAY),
        (3_600, 0, "maxDeviationBps", 0, 1, 1_000),
        (3_600, 1_001, "maxDeviationBps", 1_001, 1, 1_000),
    ],
)
def test_set_price_guard__out_of_range__refused_by_name(usdai, governance, reverts, grace, deviation, name, value, low, high):
    with reverts(usdai.ParameterOutOfRange, name=name, value=value, min=low, max=high):
        usdai.setPriceGuard(ZERO_ADDRESS, grace, deviation, sender=governance)


@pytest.mark.parametrize("call", ["setPriceFeed", "setPriceGuard"])
def test_guard_setters__without_admin__refused(usdai, usdc, feeds, pauser, reverts, call, default_admin_role):
    args = (usdc, feeds["USDC"], DAY) if call == "setPriceFeed" else (ZERO_ADDRESS, 0, 50)
    with reverts(usdai.AccessControlUnauthorizedAccount, account=pauser, neededRole=default_admin_role):
        getattr(usdai, call)(*args, sender=pauser)


def test_set_price_feed__decimals_beyond_36__refused(usdai, usdc, governance, deployer, reverts):
    feed = ape.project.LocalPriceFeed.deploy(31, "too precise", 1, deployer, sender=deployer)
    with reverts(usdai.ParameterOutOfRange, name="decimals", value=37, min=0, max=36):
        usdai.setPriceFeed(usdc, feed, DAY, sender=governance)
