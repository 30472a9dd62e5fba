from decimal import Decimal, getcontext

import pytest

from scripts._suite.deployment import DAY, WM

YEAR = 365 * DAY
INDEX_ONE = 10**12
WAD = 10**18
RATE_BPS = 400
ZERO_ADDRESS = "0x" + "00" * 20

getcontext().prec = 50


def _grow(index: int, rate_bps: int, elapsed: int) -> int:
    """ContinuousIndexLib.grow in Python: Taylor series of e^x in 1e18 fixed point, every term floored."""
    if elapsed == 0 or rate_bps == 0:
        return index
    x = rate_bps * elapsed * WAD // (10_000 * YEAR)
    total, term, k = WAD, WAD, 1
    while term != 0:
        term = term * x // (k * WAD)
        total += term
        k += 1
    return index * total // WAD


def _claimed(tx, wm, account) -> int:
    return sum(
        e.event_arguments["yield"] for e in tx.events.filter(wm.Claimed) if e.account == account.address
    )


@pytest.fixture
def earner(fresh_wm, deployer, alice, chain):
    """Alice holds 1,000,000 wM and earns from now; returns (start timestamp, start index)."""
    fresh_wm.mint(alice, 1_000_000 * WM, sender=deployer)
    fresh_wm.startEarningFor(alice, sender=deployer)
    return chain.blocks.head.timestamp, fresh_wm.currentIndex()


# ---------------------------------------------------------------- index


@pytest.mark.parametrize("elapsed", [3_600, DAY, YEAR, 10 * YEAR], ids=["hour", "day", "year", "decade"])
def test_current_index__after_elapsed__compounds_continuously(fresh_wm, chain, pin_time, elapsed):
    start = chain.blocks.head.timestamp  # the deployment block: index 1e12 at this time
    pin_time(start + elapsed)
    index = fresh_wm.currentIndex()
    assert index == _grow(INDEX_ONE, RATE_BPS, elapsed)
    exact = Decimal(INDEX_ONE) * (Decimal(RATE_BPS * elapsed) / Decimal(10_000 * YEAR)).exp()
    # Rounded down, and at most one index unit (1e-12) below e^(0.04 t).
    assert exact - 1 <= index <= exact


def test_set_earner_rate__index__continuous_then_grows_at_new_rate(fresh_wm, deployer, chain, pin_time):
    start = chain.blocks.head.timestamp
    pin_time(start + YEAR)
    index_before = fresh_wm.currentIndex()
    tx = fresh_wm.setEarnerRate(500, sender=deployer)
    assert fresh_wm.currentIndex() == index_before
    event = tx.events.filter(fresh_wm.EarnerRateUpdated)[0]
    assert (event.previousRateBps, event.rateBps) == (400, 500)
    pin_time(start + 2 * YEAR)
    assert fresh_wm.currentIndex() == _grow(index_before, 500, YEAR)


# ---------------------------------------------------------------- accrual and claims


def test_accrued_yield_of__earner_after_one_year__is_index_growth(fresh_wm, alice, earner, pin_time):
    start, start_index = earner
    pin_time(start + YEAR)
    balance = 1_000_000 * WM
    expected = balance * fresh_wm.currentIndex() // start_index - balance
    assert fresh_wm.accruedYieldOf(alice) == expected
    assert 40_810 * WM < expected < 40_811 * WM  # e^0.04 - 1 = 4.081%
    assert fresh_wm.balanceOf(alice) == balance  # not part of the balance until claimed


def test_claim_for__earner__mints_accrued_yield(fresh_wm, alice, keeper, earner, pin_time):
    start, _ = earner
    pin_time(start + YEAR)
    accrued = fresh_wm.accruedYieldOf(alice)
    supply = fresh_wm.totalSupply()
    # Anyone may claim; the yield goes to the earner.
    tx = fresh_wm.claimFor(alice, sender=keeper)
    assert tx.return_value == accrued
    assert fresh_wm.balanceOf(alice) == 1_000_000 * WM + accrued
    assert fresh_wm.totalSupply() == supply + accrued
    assert fresh_wm.accruedYieldOf(alice) == 0
    assert _claimed(tx, fresh_wm, alice) == accrued
    transfer = tx.events.filter(fresh_wm.Transfer)[0]
    assert (transfer["from"], transfer.to, transfer.value) == (ZERO_ADDRESS, alice.address, accrued)


def test_claim_for__non_earner__mints_nothing(fresh_wm, deployer, bob, keeper, chain, pin_time):
    fresh_wm.mint(bob, 1_000 * WM, sender=deployer)
    pin_time(chain.blocks.head.timestamp + YEAR)
    assert fresh_wm.accruedYieldOf(bob) == 0
    tx = fresh_wm.claimFor(bob, sender=keeper)
    assert tx.return_value == 0
    assert fresh_wm.balanceOf(bob) == 1_000 * WM
    assert len(tx.events.filter(fresh_wm.Claimed)) == 0


def test_transfer__to_earner__claims_its_yield_first(fresh_wm, deployer, alice, bob, earner, pin_time):
    start, _ = earner
    fresh_wm.mint(bob, 10 * WM, sender=deployer)
    pin_time(start + YEAR)
    accrued = fresh_wm.accruedYieldOf(alice)
    tx = fresh_wm.transfer(alice, 10 * WM, sender=bob)
    assert _claimed(tx, fresh_wm, alice) == accrued
    assert fresh_wm.balanceOf(alice) == 1_000_000 * WM + accrued + 10 * WM


def test_stop_earning_for__earner__claims_and_stops_accruing(fresh_wm, deployer, alice, earner, pin_time):
    start, _ = earner
    pin_time(start + YEAR)
    accrued = fresh_wm.accruedYieldOf(alice)
    tx = fresh_wm.stopEarningFor(alice, sender=deployer)
    assert not fresh_wm.isEarning(alice)
    assert fresh_wm.balanceOf(alice) == 1_000_000 * WM + accrued
    assert tx.events.filter(fresh_wm.StoppedEarning)[0].account == alice.address
    pin_time(start + 2 * YEAR)
    assert fresh_wm.accruedYieldOf(alice) == 0


def test_start_earning_for__new_earner__accrues_from_now(fresh_wm, deployer, alice, chain, pin_time):
    fresh_wm.mint(alice, 1_000 * WM, sender=deployer)
    pin_time(chain.blocks.head.timestamp + YEAR)  # a year as a non-earner earns nothing
    tx = fresh_wm.startEarningFor(alice, sender=deployer)
    assert fresh_wm.isEarning(alice)
    assert tx.events.filter(fresh_wm.StartedEarning)[0].account == alice.address
    assert fresh_wm.accruedYieldOf(alice) == 0


# ---------------------------------------------------------------- failures


def test_start_earning_for__already_earning__reverts(fresh_wm, deployer, alice, earner, reverts):
    with reverts(fresh_wm.EarningStatusUnchanged, account=alice, isEarning=True):
        fresh_wm.startEarningFor(alice, sender=deployer)


def test_stop_earning_for__not_earning__reverts(fresh_wm, deployer, bob, reverts):
    with reverts(fresh_wm.EarningStatusUnchanged, account=bob, isEarning=False):
        fresh_wm.stopEarningFor(bob, sender=deployer)


@pytest.mark.parametrize("name", ["startEarningFor", "stopEarningFor"])
def test_earning_status__by_non_owner__reverts(fresh_wm, alice, bob, reverts, name):
    with reverts(fresh_wm.OwnableUnauthorizedAccount, account=alice):
        getattr(fresh_wm, name)(bob, sender=alice)


def test_mint__by_non_minter__reverts(fresh_wm, alice, reverts):
    with reverts(fresh_wm.MinterUnauthorized, caller=alice):
        fresh_wm.mint(alice, 1 * WM, sender=alice)


def test_burn__by_non_minter__reverts(fresh_wm, deployer, alice, reverts):
    fresh_wm.mint(alice, 1 * WM, sender=deployer)
    with reverts(fresh_wm.MinterUnauthorized, caller=alice):
        fresh_wm.burn(1 * WM, sender=alice)


def test_mint__by_minter__mints(fresh_wm, deployer, alice, bob):
    tx = fresh_wm.setMinter(bob, sender=deployer)
    assert tx.events.filter(fresh_wm.MinterUpdated)[0].current == bob.address
    fresh_wm.mint(alice, 1 * WM, sender=bob)
    assert fresh_wm.balanceOf(alice) == 1 * WM


def test_mint__to_zero_address__reverts(fresh_wm, deployer, reverts):
    with reverts(fresh_wm.ERC20InvalidReceiver, receiver=ZERO_ADDRESS):
        fresh_wm.mint(ZERO_ADDRESS, 1 * WM, sender=deployer)


def test_transfer__more_than_balance__reverts(fresh_wm, deployer, alice, bob, reverts):
    fresh_wm.mint(alice, 1 * WM, sender=deployer)
    with reverts(fresh_wm.ERC20InsufficientBalance, sender=alice, balance=1 * WM, needed=1 * WM + 1):
        fresh_wm.transfer(bob, 1 * WM + 1, sender=alice)


def test_transfer_from__above_allowance__reverts(fresh_wm, deployer, alice, bob, carol, reverts):
    fresh_wm.mint(alice, 10 * WM, sender=deployer)
    fresh_wm.approve(carol, 1 * WM, sender=alice)
    with reverts(fresh_wm.ERC20InsufficientAllowance, spender=carol, allowance=1 * WM, needed=2 * WM):
        fresh_wm.transferFrom(alice, bob, 2 * WM, sender=carol)


def test_transfer_from__infinite_allowance__is_not_spent(fresh_wm, deployer, alice, bob, carol):
    fresh_wm.mint(alice, 10 * WM, sender=deployer)
    fresh_wm.approve(carol, 2**256 - 1, sender=alice)
    fresh_wm.transferFrom(alice, bob, 2 * WM, sender=carol)
    assert fresh_wm.allowance(alice, carol) == 2**256 - 1
    assert fresh_wm.balanceOf(bob) == 2 * WM
