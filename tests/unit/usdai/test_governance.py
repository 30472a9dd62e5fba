import ape
import pytest

from scripts._suite.deployment import USDAI, WM

ZERO_ADDRESS = "0x" + "00" * 20


# ---------------------------------------------------------------- deployed state


def test_deploy__roles__held_by_named_accounts(usdai, deployer, governance, pauser, blacklister):
    admin, pauser_role, blacklist_role = (
        usdai.DEFAULT_ADMIN_ROLE(),
        usdai.PAUSER_ROLE(),
        usdai.BLACKLIST_ADMIN_ROLE(),
    )
    assert usdai.hasRole(admin, governance)
    assert not usdai.hasRole(admin, deployer)  # renounced at the end of the deploy
    assert usdai.hasRole(pauser_role, pauser)
    assert not usdai.hasRole(pauser_role, governance)
    assert usdai.hasRole(blacklist_role, blacklister)
    assert not usdai.hasRole(blacklist_role, governance)


def test_deploy__configuration__matches_params(usdai, suite, governance, wm, usdc, usdt):
    assert (usdai.name(), usdai.symbol(), usdai.decimals()) == ("USDai", "USDai", 18)
    assert usdai.wrappedM() == wm.address
    assert usdai.swapAdapter() == suite.swap_adapter.address
    assert usdai.supplyCap() == suite.params.usdai_supply_cap
    assert usdai.adminFeeBps() == suite.params.usdai_admin_fee_bps
    assert usdai.feeRecipient() == governance.address
    assert usdai.baseYieldRecipient() == suite.vault.address
    assert usdai.isTokenSupported(usdc) and usdai.isTokenSupported(usdt)
    assert not usdai.isTokenSupported(wm)  # wM is the backing, deposited without a swap
    assert not usdai.paused()
    assert wm.isEarning(usdai)


def test_supports_interface__erc165_and_access_control__true(usdai):
    assert usdai.supportsInterface("0x01ffc9a7")  # ERC-165
    assert usdai.supportsInterface("0x7965db0b")  # IAccessControl
    assert not usdai.supportsInterface("0xffffffff")


# ---------------------------------------------------------------- access control


SETTERS = [
    # (function, args builder, role attribute)
    ("setSupplyCap", lambda s: [1], "DEFAULT_ADMIN_ROLE"),
    ("setSwapAdapter", lambda s: [s.swap_adapter], "DEFAULT_ADMIN_ROLE"),
    ("setBaseYieldRecipient", lambda s: [s.governance], "DEFAULT_ADMIN_ROLE"),
    ("setAdminFee", lambda s: [50, s.governance], "DEFAULT_ADMIN_ROLE"),
    ("setTokenSupport", lambda s: [s.usdc, False], "DEFAULT_ADMIN_ROLE"),
    ("setBlacklisted", lambda s: [s.governance, True], "BLACKLIST_ADMIN_ROLE"),
    ("pause", lambda s: [], "PAUSER_ROLE"),
]


@pytest.mark.parametrize("name,args,role", SETTERS, ids=[s[0] for s in SETTERS])
def test_setter__without_role__reverts(usdai, suite, alice, reverts, name, args, role):
    with reverts(usdai.AccessControlUnauthorizedAccount, account=alice, neededRole=getattr(usdai, role)()):
        getattr(usdai, name)(*args(suite), sender=alice)


@pytest.mark.parametrize("name,args,role", SETTERS[:5], ids=[s[0] for s in SETTERS[:5]])
def test_admin_setter__by_pauser__reverts(usdai, suite, pauser, reverts, name, args, role):
    with reverts(
        usdai.AccessControlUnauthorizedAccount, account=pauser, neededRole=usdai.DEFAULT_ADMIN_ROLE()
    ):
        getattr(usdai, name)(*args(suite), sender=pauser)


def test_pause__by_governance_without_pauser_role__reverts(usdai, governance, reverts):
    with reverts(usdai.AccessControlUnauthorizedAccount, account=governance, neededRole=usdai.PAUSER_ROLE()):
        usdai.pause(sender=governance)


def test_unpause__without_role__reverts(usdai, pauser, alice, reverts):
    usdai.pause(sender=pauser)
    with reverts(usdai.AccessControlUnauthorizedAccount, account=alice, neededRole=usdai.PAUSER_ROLE()):
        usdai.unpause(sender=alice)


def test_grant_role__by_governance__gives_power(usdai, governance, carol):
    usdai.grantRole(usdai.PAUSER_ROLE(), carol, sender=governance)
    usdai.pause(sender=carol)
    assert usdai.paused()


def test_grant_role__without_admin__reverts(usdai, alice, carol, reverts):
    with reverts(
        usdai.AccessControlUnauthorizedAccount, account=alice, neededRole=usdai.DEFAULT_ADMIN_ROLE()
    ):
        usdai.grantRole(usdai.PAUSER_ROLE(), carol, sender=alice)


def test_revoke_role__pauser_revoked__loses_power(usdai, governance, pauser, reverts):
    usdai.revokeRole(usdai.PAUSER_ROLE(), pauser, sender=governance)
    with reverts(usdai.AccessControlUnauthorizedAccount, account=pauser, neededRole=usdai.PAUSER_ROLE()):
        usdai.pause(sender=pauser)


# ---------------------------------------------------------------- supply cap


def test_set_supply_cap__by_governance__updates_and_emits(usdai, governance):
    previous = usdai.supplyCap()
    tx = usdai.setSupplyCap(5 * USDAI, sender=governance)
    assert usdai.supplyCap() == 5 * USDAI
    events = tx.events.filter(usdai.SupplyCapUpdated)
    assert len(events) == 1
    assert (events[0].previous, events[0].current) == (previous, 5 * USDAI)


@pytest.mark.parametrize("cap", [2**96 - 1, 2**96, 2**255])
def test_set_supply_cap__beyond_96_bits__refused_and_kept(usdai, governance, reverts, cap):
    # The cap shares a slot with wM (a deposit reads both): 96 bits, 2^96 - 1 meaning none.
    before = usdai.supplyCap()
    with reverts(usdai.ParameterOutOfRange, name="supplyCap", value=cap, min=0, max=2**96 - 2):
        usdai.setSupplyCap(cap, sender=governance)
    assert usdai.supplyCap() == before


def test_set_supply_cap__max__means_none_and_reads_back(usdai, governance):
    tx = usdai.setSupplyCap(2**256 - 1, sender=governance)
    assert tx.events.filter(usdai.SupplyCapUpdated)[0].current == 2**256 - 1
    assert usdai.supplyCap() == 2**256 - 1
    assert usdai.maxDeposit() == 2**256 - 1 - usdai.totalSupply()


def test_set_supply_cap__below_supply__blocks_deposits_only(
    usdai, wm, governance, alice, mint_usdai, fund, reverts
):
    mint_usdai(alice, 10 * WM)
    usdai.setSupplyCap(0, sender=governance)
    assert usdai.maxDeposit() == 0
    usdai.withdraw(wm, 5 * USDAI, 0, alice, sender=alice)
    fund(wm, alice, 1)
    wm.approve(usdai, 1, sender=alice)
    with reverts(usdai.SupplyCapExceeded, supplyAfter=usdai.totalSupply() + 10**12, cap=0):
        usdai.deposit(wm, 1, 0, alice, sender=alice)


# ---------------------------------------------------------------- swap adapter


def test_set_swap_adapter__new_adapter__updates_emits_and_is_used(
    usdai, usdc, venue, deployer, governance, alice, deposit
):
    previous = usdai.swapAdapter()
    new_adapter = ape.project.LocalSwapAdapter.deploy(venue, sender=deployer)
    tx = usdai.setSwapAdapter(new_adapter, sender=governance)
    assert usdai.swapAdapter() == new_adapter.address
    events = tx.events.filter(usdai.SwapAdapterUpdated)
    assert (events[0].previous, events[0].current) == (previous, new_adapter.address)
    deposit_tx = deposit(alice, usdc, 10 * WM)
    assert len(deposit_tx.events.filter(new_adapter.Swapped)) == 1


def test_set_swap_adapter__zero__reverts(usdai, governance, reverts):
    with reverts(usdai.AddressZero):
        usdai.setSwapAdapter(ZERO_ADDRESS, sender=governance)


# ---------------------------------------------------------------- base yield recipient


def test_set_base_yield_recipient__by_governance__updates_and_emits(usdai, governance, carol):
    previous = usdai.baseYieldRecipient()
    tx = usdai.setBaseYieldRecipient(carol, sender=governance)
    assert usdai.baseYieldRecipient() == carol.address
    events = tx.events.filter(usdai.BaseYieldRecipientUpdated)
    assert (events[0].previous, events[0].current) == (previous, carol.address)


def test_set_base_yield_recipient__zero__reverts(usdai, governance, reverts):
    with reverts(usdai.AddressZero):
        usdai.setBaseYieldRecipient(ZERO_ADDRESS, sender=governance)


# ---------------------------------------------------------------- admin fee


def test_set_admin_fee__by_governance__updates_and_emits(usdai, governance, carol):
    previous = usdai.adminFeeBps()
    tx = usdai.setAdminFee(250, carol, sender=governance)
    assert usdai.adminFeeBps() == 250
    assert usdai.feeRecipient() == carol.address
    events = tx.events.filter(usdai.AdminFeeUpdated)
    assert len(events) == 1
    assert (events[0].previousBps, events[0].currentBps, events[0].feeRecipient) == (
        previous,
        250,
        carol.address,
    )


def test_set_admin_fee__at_maximum__succeeds(usdai, governance):
    usdai.setAdminFee(usdai.MAX_ADMIN_FEE_BPS(), governance, sender=governance)
    assert usdai.adminFeeBps() == 2_000


def test_set_admin_fee__above_maximum__reverts(usdai, governance, reverts):
    with reverts(usdai.AdminFeeTooHigh, feeBps=2_001, maximum=2_000):
        usdai.setAdminFee(2_001, governance, sender=governance)


def test_set_admin_fee__zero_recipient__reverts(usdai, governance, reverts):
    with reverts(usdai.AddressZero):
        usdai.setAdminFee(100, ZERO_ADDRESS, sender=governance)


# ---------------------------------------------------------------- token support


def test_set_token_support__new_token__updates_and_emits(usdai, governance, unsupported_token):
    tx = usdai.setTokenSupport(unsupported_token, True, sender=governance)
    assert usdai.isTokenSupported(unsupported_token)
    events = tx.events.filter(usdai.TokenSupportUpdated)
    assert (events[0].token, events[0].supported) == (unsupported_token.address, True)


def test_set_token_support__token_the_adapter_has_no_pool_for__deposit_reverts_in_adapter(
    usdai, adapter, governance, alice, fund, unsupported_token, wm, reverts
):
    usdai.setTokenSupport(unsupported_token, True, sender=governance)
    fund(unsupported_token, alice, 10 * WM)
    unsupported_token.approve(usdai, 10 * WM, sender=alice)
    with reverts(adapter.SwapPairUnsupported, tokenIn=unsupported_token, tokenOut=wm):
        usdai.deposit(unsupported_token, 10 * WM, 0, alice, sender=alice)


def test_set_token_support__zero__reverts(usdai, governance, reverts):
    with reverts(usdai.AddressZero):
        usdai.setTokenSupport(ZERO_ADDRESS, True, sender=governance)


# ---------------------------------------------------------------- blacklist


def test_set_blacklisted__by_blacklister__updates_and_emits(usdai, blacklister, alice):
    tx = usdai.setBlacklisted(alice, True, sender=blacklister)
    assert usdai.isBlacklisted(alice)
    events = tx.events.filter(usdai.BlacklistUpdated)
    assert (events[0].account, events[0].blacklisted) == (alice.address, True)


def test_set_blacklisted__zero_address__reverts(usdai, blacklister, reverts):
    # address(0) stands for mint and burn in _update: it can never be blacklisted.
    with reverts(usdai.AddressZero):
        usdai.setBlacklisted(ZERO_ADDRESS, True, sender=blacklister)


def test_set_blacklisted__lifted__transfers_again(usdai, blacklister, alice, bob, mint_usdai):
    mint_usdai(alice, 1 * WM)
    usdai.setBlacklisted(alice, True, sender=blacklister)
    usdai.setBlacklisted(alice, False, sender=blacklister)
    assert not usdai.isBlacklisted(alice)
    usdai.transfer(bob, 1 * USDAI, sender=alice)
    assert usdai.balanceOf(bob) == 1 * USDAI


# ---------------------------------------------------------------- pause


def test_pause__by_pauser__pauses_and_emits(usdai, pauser):
    tx = usdai.pause(sender=pauser)
    assert usdai.paused()
    events = tx.events.filter(usdai.Paused)
    assert events[0].account == pauser.address


def test_unpause__by_pauser__unpauses_and_emits(usdai, pauser):
    usdai.pause(sender=pauser)
    tx = usdai.unpause(sender=pauser)
    assert not usdai.paused()
    assert tx.events.filter(usdai.Unpaused)[0].account == pauser.address


def test_pause__already_paused__reverts(usdai, pauser, reverts):
    usdai.pause(sender=pauser)
    with reverts(usdai.EnforcedPause):
        usdai.pause(sender=pauser)


def test_unpause__not_paused__reverts(usdai, pauser, reverts):
    with reverts(usdai.ExpectedPause):
        usdai.unpause(sender=pauser)
