import ape
import pytest

from scripts._suite.deployment import WM

ZERO_ADDRESS = "0x" + "00" * 20


@pytest.fixture
def swap(venue, fund):
    """`swap(account, token_in, token_out, amount, min_out=0)`: funds `account` if `token_in` is a
    stablecoin, approves the venue (pull model) and swaps to `account`."""

    def _swap(account, token_in, token_out, amount, min_out=0):
        fund(token_in, account, amount)
        token_in.approve(venue, amount, sender=account)
        return venue.swap(token_in, token_out, amount, min_out, account, sender=account)

    return _swap


# ---------------------------------------------------------------- quotes and swaps


def test_quote__default_fee__one_bps_rounded_down(venue, usdc, wm):
    assert venue.feeBps() == 1
    assert venue.quote(usdc, wm, 100 * WM) == 99_990_000
    assert venue.quote(wm, usdc, 100 * WM) == 99_990_000
    assert venue.quote(usdc, wm, 9_999) == 9_998  # 9_998.0001 floored


def test_swap__stablecoin_to_wm__mints_wm_and_keeps_reserve(venue, usdc, wm, alice, swap):
    supply = wm.totalSupply()
    reserve = usdc.balanceOf(venue)
    tx = swap(alice, usdc, wm, 100 * WM)
    assert tx.return_value == 99_990_000
    assert wm.balanceOf(alice) == 99_990_000
    assert wm.totalSupply() == supply + 99_990_000
    assert usdc.balanceOf(venue) == reserve + 100 * WM
    event = tx.events.filter(venue.Swap)[0]
    assert (event.tokenIn, event.tokenOut, event.amountIn, event.amountOut, event.recipient) == (
        usdc.address,
        wm.address,
        100 * WM,
        99_990_000,
        alice.address,
    )


def test_swap__wm_to_stablecoin__burns_wm_and_pays_reserve(venue, usdt, wm, alice, bob, swap):
    swap(alice, usdt, wm, 1_000 * WM)  # fills the USDT reserve
    reserve = usdt.balanceOf(venue)
    supply = wm.totalSupply()
    wm.approve(venue, 50 * WM, sender=alice)
    tx = venue.swap(wm, usdt, 50 * WM, 49_995_000, bob, sender=alice)
    assert tx.return_value == 49_995_000
    assert usdt.balanceOf(bob) == 49_995_000
    assert usdt.balanceOf(venue) == reserve - 49_995_000
    assert wm.totalSupply() == supply - 50 * WM
    assert wm.balanceOf(venue) == 0


def test_swap__zero_fee__one_to_one(venue, usdc, wm, deployer, alice, swap):
    venue.setFee(0, sender=deployer)
    assert swap(alice, usdc, wm, 100 * WM).return_value == 100 * WM


# ---------------------------------------------------------------- governance


def test_set_fee__by_owner__updates_and_emits(venue, deployer):
    tx = venue.setFee(100, sender=deployer)
    assert venue.feeBps() == 100
    event = tx.events.filter(venue.FeeUpdated)[0]
    assert (event.previousFeeBps, event.feeBps) == (1, 100)


def test_set_fee__above_maximum__reverts(venue, deployer, reverts):
    with reverts(venue.VenueFeeTooHigh, feeBps=101, maximum=100):
        venue.setFee(101, sender=deployer)


def test_deploy__fee_above_maximum__reverts(wm, deployer, reverts):
    with reverts(ape.project.LocalSwapVenue.VenueFeeTooHigh, feeBps=101, maximum=100):
        ape.project.LocalSwapVenue.deploy(wm, 101, deployer, sender=deployer)


def test_set_fee__by_non_owner__reverts(venue, alice, reverts):
    with reverts(venue.OwnableUnauthorizedAccount, account=alice):
        venue.setFee(5, sender=alice)


def test_list_stablecoin__by_owner__opens_pair(venue, wm, deployer, alice, unlisted_token, swap):
    tx = venue.listStablecoin(unlisted_token, sender=deployer)
    assert venue.isListed(unlisted_token)
    assert tx.events.filter(venue.StablecoinListed)[0].token == unlisted_token.address
    assert swap(alice, unlisted_token, wm, 10 * WM).return_value == 9_999_000


def test_list_stablecoin__by_non_owner__reverts(venue, alice, unlisted_token, reverts):
    with reverts(venue.OwnableUnauthorizedAccount, account=alice):
        venue.listStablecoin(unlisted_token, sender=alice)


# ---------------------------------------------------------------- failures


def test_swap__below_min_out__reverts(venue, usdc, wm, alice, fund, reverts):
    fund(usdc, alice, 100 * WM)
    usdc.approve(venue, 100 * WM, sender=alice)
    with reverts(venue.VenueSlippageExceeded, amountOut=99_990_000, minAmountOut=100 * WM):
        venue.swap(usdc, wm, 100 * WM, 100 * WM, alice, sender=alice)


@pytest.mark.parametrize(
    "pair",
    [("usdc", "usdt"), ("wm", "unlisted_token"), ("unlisted_token", "wm"), ("wm", "wm"), ("usdc", "usdc")],
    ids=lambda pair: "-".join(pair),
)
def test_quote__unsupported_pair__reverts(request, venue, reverts, pair):
    token_in, token_out = (request.getfixturevalue(name) for name in pair)
    with reverts(venue.VenuePairUnsupported, tokenIn=token_in, tokenOut=token_out):
        venue.quote(token_in, token_out, 1 * WM)


def test_swap__stablecoin_to_stablecoin__reverts(venue, usdc, usdt, alice, fund, reverts):
    fund(usdc, alice, 10 * WM)
    usdc.approve(venue, 10 * WM, sender=alice)
    with reverts(venue.VenuePairUnsupported, tokenIn=usdc, tokenOut=usdt):
        venue.swap(usdc, usdt, 10 * WM, 0, alice, sender=alice)


def test_swap__wm_beyond_reserves__reverts(venue, usdc, wm, deployer, alice, reverts):
    wm.mint(alice, 10 * WM, sender=deployer)
    wm.approve(venue, 10 * WM, sender=alice)
    reserve = usdc.balanceOf(venue)
    with reverts(venue.VenueReservesInsufficient, token=usdc, reserve=reserve, amountOut=9_999_000):
        venue.swap(wm, usdc, 10 * WM, 0, alice, sender=alice)
