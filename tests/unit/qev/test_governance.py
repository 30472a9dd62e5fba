"""QEVAuction governance: windows, bid cap and keeper tip (range checks, admin only, events), pause
roles, and the proxy's one-time initializer."""

from __future__ import annotations

import pytest

from scripts._suite.deployment import DAY, Params

CYCLE = 30 * DAY


# ---------------------------------------------------------------- setWindows


@pytest.mark.parametrize(
    ("bid_window", "reveal_window", "name", "value", "bounds"),
    [
        (0, 2 * DAY, "bidWindow", 0, (1, CYCLE - 1)),
        (CYCLE, 1, "bidWindow", CYCLE, (1, CYCLE - 1)),
        (5 * DAY, 0, "revealWindow", 0, (1, 25 * DAY - 1)),
        # Reveal and settlement must end before the next bid window opens.
        (5 * DAY, 25 * DAY, "revealWindow", 25 * DAY, (1, 25 * DAY - 1)),
        (CYCLE - 1, 1, "revealWindow", 1, (1, 0)),
    ],
)
def test_set_windows__out_of_range__reverts_parameter_out_of_range(
    auction, governance, bid_window, reveal_window, name, value, bounds, reverts
):
    low, high = bounds
    with reverts(auction.ParameterOutOfRange, name=name, value=value, min=low, max=high):
        auction.setWindows(bid_window, reveal_window, sender=governance)


def test_set_windows__valid__updates_phases_and_emits(auction, vault, governance, cycle):
    tx = auction.setWindows(CYCLE - 2, 1, sender=governance)
    assert tx.events.filter(auction.WindowsUpdated) == [
        auction.WindowsUpdated(bidWindow=CYCLE - 2, revealWindow=1)
    ]
    assert (auction.bidWindow(), auction.revealWindow()) == (CYCLE - 2, 1)
    boundary = vault.cycleStart(cycle + 1)
    assert tuple(auction.windows(cycle)) == (boundary - (CYCLE - 2), boundary, boundary + 1)


def test_set_windows__not_admin__reverts_access_control(auction, alice, pauser, reverts):
    for who in (alice, pauser):
        with reverts(
            auction.AccessControlUnauthorizedAccount, account=who, neededRole=auction.DEFAULT_ADMIN_ROLE()
        ):
            auction.setWindows(4 * DAY, DAY, sender=who)


# ---------------------------------------------------------------- setMaxBids


@pytest.mark.parametrize("value", [0, 2**16, 2**256 - 1])
def test_set_max_bids__out_of_range__reverts_parameter_out_of_range(auction, governance, value, reverts):
    with reverts(auction.ParameterOutOfRange, name="maxBids", value=value, min=1, max=2**16 - 1):
        auction.setMaxBids(value, sender=governance)


@pytest.mark.parametrize("value", [1, 2, 2**16 - 1])
def test_set_max_bids__valid__updates_and_emits(auction, governance, value):
    previous = auction.maxBids()
    tx = auction.setMaxBids(value, sender=governance)
    assert tx.events.filter(auction.MaxBidsUpdated) == [
        auction.MaxBidsUpdated(previous=previous, current=value)
    ]
    assert auction.maxBids() == value


def test_set_max_bids__not_admin__reverts_access_control(auction, alice, reverts):
    with reverts(
        auction.AccessControlUnauthorizedAccount, account=alice, neededRole=auction.DEFAULT_ADMIN_ROLE()
    ):
        auction.setMaxBids(2, sender=alice)


# ---------------------------------------------------------------- setKeeperTip


@pytest.mark.parametrize("value", [1001, 10_000, 2**256 - 1])
def test_set_keeper_tip__above_max__reverts_parameter_out_of_range(auction, governance, value, reverts):
    assert auction.MAX_KEEPER_TIP_BPS() == 1000
    with reverts(auction.ParameterOutOfRange, name="keeperTipBps", value=value, min=0, max=1000):
        auction.setKeeperTip(value, sender=governance)


@pytest.mark.parametrize("value", [0, 1000])
def test_set_keeper_tip__valid__updates_and_emits(auction, governance, value):
    previous = auction.keeperTipBps()
    tx = auction.setKeeperTip(value, sender=governance)
    assert tx.events.filter(auction.KeeperTipUpdated) == [
        auction.KeeperTipUpdated(previousBps=previous, currentBps=value)
    ]
    assert auction.keeperTipBps() == value


def test_set_keeper_tip__not_admin__reverts_access_control(auction, keeper, reverts):
    with reverts(
        auction.AccessControlUnauthorizedAccount, account=keeper, neededRole=auction.DEFAULT_ADMIN_ROLE()
    ):
        auction.setKeeperTip(1000, sender=keeper)


@pytest.mark.parametrize("value", [8192, 10_000, 2**256 - 1])
def test_set_min_fee__above_tier_13__reverts_parameter_out_of_range(auction, governance, value, reverts):
    with reverts(auction.ParameterOutOfRange, name="minFeeBps", value=value, min=0, max=8191):
        auction.setMinFee(value, sender=governance)


def test_set_min_fee__valid__updates_and_emits(auction, governance):
    previous = auction.minFeeBps()
    tx = auction.setMinFee(8191, sender=governance)
    assert tx.events.filter(auction.MinFeeUpdated) == [auction.MinFeeUpdated(previousBps=previous, currentBps=8191)]
    assert auction.minFeeBps() == 8191


def test_set_min_fee__not_admin__reverts_access_control(auction, keeper, reverts):
    with reverts(auction.AccessControlUnauthorizedAccount, account=keeper):
        auction.setMinFee(10, sender=keeper)


# ---------------------------------------------------------------- roles and initializer


def test_deployment__defaults__params_and_roles_as_specified(auction, vault, governance, pauser, deployer):
    assert auction.vault() == vault.address
    assert vault.auction() == auction.address
    assert (auction.bidWindow(), auction.revealWindow(), auction.maxBids(), auction.keeperTipBps()) == (
        5 * DAY,
        2 * DAY,
        4096,
        100,
    )
    # The reserve fee deploys at 10 bps (this package then sets it to 0: see conftest).
    assert auction.DEFAULT_MIN_FEE_BPS() == Params().qev_min_fee_bps == 10
    assert auction.hasRole(auction.DEFAULT_ADMIN_ROLE(), governance)
    assert not auction.hasRole(auction.DEFAULT_ADMIN_ROLE(), deployer)
    assert auction.hasRole(auction.PAUSER_ROLE(), pauser)


@pytest.mark.parametrize("fn", ["pause", "unpause"])
def test_pause__not_pauser__reverts_access_control(auction, alice, governance, fn, reverts):
    # Governance holds admin, not the pauser role: the powers are split.
    for who in (alice, governance):
        with reverts(auction.AccessControlUnauthorizedAccount, account=who, neededRole=auction.PAUSER_ROLE()):
            getattr(auction, fn)(sender=who)


def test_initialize__again__reverts_invalid_initialization(auction, vault, alice, reverts):
    with reverts(auction.InvalidInitialization):
        auction.initialize(alice, vault, 5 * DAY, 2 * DAY, 256, 100, sender=alice)
