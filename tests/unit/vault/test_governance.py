"""Governance of sUSDai: setters and their events, one role per power, pause, blacklist,
initialization."""

import pytest
from ape import chain, project

from scripts._suite.deployment import USDAI, deploy_vault

ZERO = "0x" + "00" * 20


# ---------------------------------------------------------------- roles


def test_roles__deployed__one_holder_per_power(vault, deployer, governance, pauser, blacklister, strategist):
    assert vault.hasRole(vault.DEFAULT_ADMIN_ROLE(), governance)
    assert not vault.hasRole(vault.DEFAULT_ADMIN_ROLE(), deployer)  # renounced after wiring
    assert vault.hasRole(vault.PAUSER_ROLE(), pauser)
    assert vault.hasRole(vault.BLACKLIST_ADMIN_ROLE(), blacklister)
    assert vault.hasRole(vault.STRATEGY_ADMIN_ROLE(), strategist)
    assert not vault.hasRole(vault.PAUSER_ROLE(), governance)


# (function, arguments, role that may call it)
GUARDED = [
    ("setSupplyCap", lambda a: [USDAI], "DEFAULT_ADMIN_ROLE"),
    ("setRegistry", lambda a: [a], "DEFAULT_ADMIN_ROLE"),
    ("setAuction", lambda a: [a], "DEFAULT_ADMIN_ROLE"),
    ("setRedemptionLimits", lambda a: [USDAI, 10], "DEFAULT_ADMIN_ROLE"),
    ("setBlacklisted", lambda a: [a, True], "BLACKLIST_ADMIN_ROLE"),
    ("pause", lambda a: [], "PAUSER_ROLE"),
    ("unpause", lambda a: [], "PAUSER_ROLE"),
    ("allocate", lambda a: [1, USDAI], "STRATEGY_ADMIN_ROLE"),
    ("grantRole", lambda a: [b"\0" * 32, a], "DEFAULT_ADMIN_ROLE"),
]


@pytest.mark.parametrize("name, args, role", GUARDED, ids=[g[0] for g in GUARDED])
def test_governance_function__without_role__reverts_access_control_unauthorized(
    vault, alice, reverts, name, args, role
):
    role_id = getattr(vault, role)()
    with reverts(vault.AccessControlUnauthorizedAccount, account=alice, neededRole=role_id):
        getattr(vault, name)(*args(alice), sender=alice)


@pytest.mark.parametrize("name, args, role", GUARDED[4:8], ids=[g[0] for g in GUARDED[4:8]])
def test_operational_function__by_governance_without_role__reverts_access_control_unauthorized(
    vault, governance, reverts, name, args, role
):
    # Governance holds the admin role, not the operational ones (each power has its own holder).
    with reverts(
        vault.AccessControlUnauthorizedAccount, account=governance, neededRole=getattr(vault, role)()
    ):
        getattr(vault, name)(*args(governance), sender=governance)


# ---------------------------------------------------------------- setters


def test_set_supply_cap__by_governance__emits_supply_cap_updated(vault, governance):
    previous = vault.supplyCap()
    tx = vault.setSupplyCap(5 * USDAI, sender=governance)
    event = tx.events.filter(vault.SupplyCapUpdated)[0]
    assert (event.previous, event.current) == (previous, 5 * USDAI)
    assert vault.supplyCap() == 5 * USDAI


@pytest.mark.parametrize("cap", [2**96 - 1, 2**96, 2**255])
def test_set_supply_cap__beyond_96_bits__refused_and_kept(vault, governance, reverts, cap):
    # The cap shares a slot with the registry (a deposit reads both): 96 bits, 2^96 - 1 meaning none.
    before = vault.supplyCap()
    with reverts(vault.ParameterOutOfRange, name="supplyCap", value=cap, min=0, max=2**96 - 2):
        vault.setSupplyCap(cap, sender=governance)
    assert vault.supplyCap() == before


def test_set_supply_cap__max__means_none_and_reads_back(vault, governance, alice):
    vault.setSupplyCap(2**96 - 2, sender=governance)
    assert vault.supplyCap() == 2**96 - 2
    tx = vault.setSupplyCap(2**256 - 1, sender=governance)
    event = tx.events.filter(vault.SupplyCapUpdated)[0]
    assert (event.previous, event.current) == (2**96 - 2, 2**256 - 1)
    assert vault.supplyCap() == 2**256 - 1
    assert vault.maxDeposit(alice) == 2**256 - 1


def test_pause__flag_in_the_ticket_slot__deposits_refused_and_events_kept(vault, pauser, alice, reverts):
    # The pause flag left OpenZeppelin's own slot for the vault's; the modifiers, errors and events are
    # OpenZeppelin's.
    tx = vault.pause(sender=pauser)
    assert [e.account for e in tx.events.filter(vault.Paused)] == [pauser.address]
    assert vault.paused() and vault.maxDeposit(alice) == 0
    with reverts(vault.EnforcedPause):
        vault.deposit(USDAI, alice, sender=alice)
    with reverts(vault.EnforcedPause):
        vault.pause(sender=pauser)
    tx = vault.unpause(sender=pauser)
    assert [e.account for e in tx.events.filter(vault.Unpaused)] == [pauser.address]
    assert not vault.paused()
    with reverts(vault.ExpectedPause):
        vault.unpause(sender=pauser)


def test_set_registry__by_governance__emits_registry_updated(vault, governance, keeper):
    previous = vault.registry()
    tx = vault.setRegistry(keeper, sender=governance)
    event = tx.events.filter(vault.RegistryUpdated)[0]
    assert (event.previous, event.current) == (previous, keeper.address)
    assert vault.registry() == keeper.address


def test_set_registry__zero__reverts_address_zero(vault, governance, reverts):
    with reverts(vault.AddressZero):
        vault.setRegistry(ZERO, sender=governance)


def test_set_auction__to_zero__emits_auction_updated_and_turns_auction_off(vault, governance, auction):
    assert vault.auction() == auction.address
    tx = vault.setAuction(ZERO, sender=governance)
    event = tx.events.filter(vault.AuctionUpdated)[0]
    assert (event.previous, event.current) == (auction.address, ZERO)
    assert vault.auction() == ZERO


def test_set_redemption_limits__by_governance__emits_redemption_limits_updated(vault, governance):
    tx = vault.setRedemptionLimits(5 * USDAI, 7, sender=governance)
    event = tx.events.filter(vault.RedemptionLimitsUpdated)[0]
    assert (event.minRequestShares, event.maxOpenRequests) == (5 * USDAI, 7)
    assert (vault.minRequestShares(), vault.maxOpenRequests()) == (5 * USDAI, 7)


def test_set_redemption_limits__zero_max_open__reverts_parameter_out_of_range(vault, governance, reverts):
    with reverts(vault.ParameterOutOfRange, name="maxOpenRequests", value=0, min=1, max=2**16 - 1):
        vault.setRedemptionLimits(USDAI, 0, sender=governance)


def test_set_redemption_limits__minimum_beyond_a_request__reverts_parameter_out_of_range(vault, governance, reverts):
    """A request holds at most a uint88 of shares: a larger minimum would refuse every request."""
    with reverts(vault.ParameterOutOfRange, name="minRequestShares", value=2**88, min=0, max=2**88 - 1):
        vault.setRedemptionLimits(2**88, 50, sender=governance)
    vault.setRedemptionLimits(2**88 - 1, 50, sender=governance)
    assert vault.minRequestShares() == 2**88 - 1


def test_set_blacklisted__by_blacklister__emits_blacklist_updated(vault, blacklister, alice):
    tx = vault.setBlacklisted(alice, True, sender=blacklister)
    event = tx.events.filter(vault.BlacklistUpdated)[0]
    assert (event.account, event.blacklisted) == (alice.address, True)
    assert vault.isBlacklisted(alice)
    vault.setBlacklisted(alice, False, sender=blacklister)
    assert not vault.isBlacklisted(alice)


# ---------------------------------------------------------------- pause


def test_pause__by_pauser__emits_paused_and_unpause_restores(vault, pauser, holders, deposit):
    tx = vault.pause(sender=pauser)
    assert tx.events.filter(vault.Paused)[0].account == pauser.address
    assert vault.paused()
    tx = vault.unpause(sender=pauser)
    assert tx.events.filter(vault.Unpaused)[0].account == pauser.address
    assert not vault.paused()
    assert deposit(holders[0], USDAI) > 0


def test_pause__twice__reverts_enforced_pause(vault, pauser, reverts):
    vault.pause(sender=pauser)
    with reverts(vault.EnforcedPause):
        vault.pause(sender=pauser)


def test_unpause__not_paused__reverts_expected_pause(vault, pauser, reverts):
    with reverts(vault.ExpectedPause):
        vault.unpause(sender=pauser)


def test_pause__share_transfers__stay_open(vault, pauser, holders, deposit):
    # The pause stops deposits, mints and requests; holders keep their shares' liquidity.
    alice, bob, _ = holders
    deposit(alice, 10 * USDAI)
    vault.pause(sender=pauser)
    vault.transfer(bob, USDAI, sender=alice)
    assert vault.balanceOf(bob) == USDAI


# ---------------------------------------------------------------- blacklist on transfers


@pytest.fixture
def shares(vault, holders, deposit):
    deposit(holders[0], 10 * USDAI)
    return holders


def test_transfer__from_blacklisted__reverts_account_blacklisted(vault, blacklister, shares, reverts):
    alice, bob, _ = shares
    vault.setBlacklisted(alice, True, sender=blacklister)
    with reverts(vault.AccountBlacklisted, account=alice):
        vault.transfer(bob, USDAI, sender=alice)


def test_transfer__to_blacklisted__reverts_account_blacklisted(vault, blacklister, shares, reverts):
    alice, bob, _ = shares
    vault.setBlacklisted(bob, True, sender=blacklister)
    with reverts(vault.AccountBlacklisted, account=bob):
        vault.transfer(bob, USDAI, sender=alice)


def test_transfer_from__blacklisted_spender__reverts_account_blacklisted(vault, blacklister, shares, reverts):
    alice, bob, carol = shares
    vault.approve(carol, USDAI, sender=alice)
    vault.setBlacklisted(carol, True, sender=blacklister)
    with reverts(vault.AccountBlacklisted, account=carol):
        vault.transferFrom(alice, bob, USDAI, sender=carol)


def test_transfer__after_unblacklisting__succeeds(vault, blacklister, shares):
    alice, bob, _ = shares
    vault.setBlacklisted(alice, True, sender=blacklister)
    vault.setBlacklisted(alice, False, sender=blacklister)
    vault.transfer(bob, USDAI, sender=alice)
    assert vault.balanceOf(bob) == USDAI


# ---------------------------------------------------------------- initialization


def test_initialize__proxy_again__reverts_invalid_initialization(vault, usdai, governance, reverts):
    with reverts(vault.InvalidInitialization):
        vault.initialize(governance, usdai, 0, 1, 1, 1, 1, sender=governance)


def test_initialize__implementation__reverts_invalid_initialization(
    project, suite, usdai, governance, reverts
):
    implementation = project.StakedUSDai.at(suite.implementations["sUSDai"])
    with reverts(implementation.InvalidInitialization):
        implementation.initialize(governance, usdai, 0, 1, 1, 1, 1, sender=governance)


def test_initialize__cycle_duration_beyond_32_bits__refused(deployer, governance, usdai, reverts):
    # The cycle duration shares the ticket's slot as a uint32; the deploy checks the same bound first.
    with reverts(project.StakedUSDaiModule.ParameterOutOfRange, name="cycleDuration", value=2**32, min=1, max=2**32 - 1):
        deploy_vault(deployer, governance, {
            "admin": governance, "usdai": usdai, "genesis": chain.blocks.head.timestamp, "cycleDuration": 2**32,
            "minRequestShares": USDAI, "maxOpenRequests": 50, "supplyCap": 2**256 - 1,
        })
