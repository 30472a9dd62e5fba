import ape
import pytest
from eth_utils import keccak

from scripts._suite.deployment import USDAI, WM
from tests.support import PROXY_ADMIN_ABI
from tests.support import implementation_of as _implementation_of


def _erc7201_slot(namespace: str) -> int:
    """keccak256(abi.encode(uint256(keccak256(namespace)) - 1)) & ~bytes32(uint256(0xff))"""
    inner = int.from_bytes(keccak(text=namespace), "big") - 1
    return int.from_bytes(keccak(inner.to_bytes(32, "big")), "big") & ~0xFF


@pytest.fixture(scope="session")
def proxy_admin(suite):
    return ape.Contract(suite.proxy_admins["USDai"], abi=PROXY_ADMIN_ABI)


@pytest.fixture(scope="session")
def implementation(suite):
    return ape.project.USDai.at(suite.implementations["USDai"])


def _init_args(suite, admin):
    return [admin, suite.wm, suite.swap_adapter, [suite.usdc, suite.usdt], 10**9 * USDAI, 100, admin]


# ---------------------------------------------------------------- initializers


def test_initialize__proxy_already_initialized__reverts(usdai, suite, alice, reverts):
    with reverts(usdai.InvalidInitialization):
        usdai.initialize(*_init_args(suite, alice), sender=alice)


def test_initialize__implementation__is_disabled(implementation, suite, alice, reverts):
    with reverts(implementation.InvalidInitialization):
        implementation.initialize(*_init_args(suite, alice), sender=alice)


def test_implementation__own_storage__is_empty(implementation):
    # The implementation never holds state: everything lives in the proxy.
    assert implementation.supplyCap() == 0
    assert implementation.wrappedM() == "0x" + "00" * 20


def test_storage__erc7201_namespace__holds_the_config(usdai, wm, suite, pauser):
    base = _erc7201_slot("gpuyield.storage.USDai")

    def read(offset: int) -> int:
        return int.from_bytes(bytes(ape.chain.provider.get_storage(usdai.address, base + offset)), "big")

    # wM and the supply cap share a slot (a deposit reads both), as do the adapter and the pause flag.
    assert read(0) == usdai.supplyCap() << 160 | int(wm.address, 16)
    assert read(1) == int(suite.swap_adapter.address, 16)  # not paused
    usdai.pause(sender=pauser)
    assert usdai.paused() and read(1) == 1 << 160 | int(suite.swap_adapter.address, 16)


# ---------------------------------------------------------------- ProxyAdmin


def test_proxy_admin__owner__is_governance(proxy_admin, usdai, implementation, governance):
    assert proxy_admin.owner() == governance.address
    assert proxy_admin.UPGRADE_INTERFACE_VERSION() == "5.0.0"
    assert _implementation_of(usdai) == implementation.address


def test_upgrade__by_governance__switches_implementation_and_keeps_state(
    usdai, wm, usdc, proxy_admin, deployer, governance, pauser, blacklister, alice, bob, mint_usdai, deposit
):
    mint_usdai(alice, 100 * WM)
    usdai.transfer(bob, 10 * USDAI, sender=alice)
    usdai.setSupplyCap(5_000 * USDAI, sender=governance)
    usdai.setBlacklisted(bob, True, sender=blacklister)
    before = {
        "alice": usdai.balanceOf(alice),
        "bob": usdai.balanceOf(bob),
        "supply": usdai.totalSupply(),
        "cap": usdai.supplyCap(),
        "fee": (usdai.adminFeeBps(), usdai.feeRecipient()),
        "recipient": usdai.baseYieldRecipient(),
        "adapter": usdai.swapAdapter(),
        "wm": usdai.wrappedM(),
        "domain": usdai.DOMAIN_SEPARATOR(),
    }
    new_implementation = ape.project.USDai.deploy(sender=deployer)

    proxy_admin.upgradeAndCall(usdai, new_implementation, b"", sender=governance)

    assert _implementation_of(usdai) == new_implementation.address
    after = {
        "alice": usdai.balanceOf(alice),
        "bob": usdai.balanceOf(bob),
        "supply": usdai.totalSupply(),
        "cap": usdai.supplyCap(),
        "fee": (usdai.adminFeeBps(), usdai.feeRecipient()),
        "recipient": usdai.baseYieldRecipient(),
        "adapter": usdai.swapAdapter(),
        "wm": usdai.wrappedM(),
        "domain": usdai.DOMAIN_SEPARATOR(),
    }
    assert after == before
    assert usdai.isBlacklisted(bob)
    assert usdai.hasRole(usdai.DEFAULT_ADMIN_ROLE(), governance)
    assert usdai.hasRole(usdai.PAUSER_ROLE(), pauser)
    assert usdai.isTokenSupported(usdc)
    # Still works after the upgrade, and still cannot be initialized again.
    deposit(alice, usdc, 10 * WM)
    assert usdai.balanceOf(alice) > before["alice"]


def test_upgrade__reinitialize_after_upgrade__reverts(
    usdai, suite, proxy_admin, deployer, governance, alice, reverts
):
    new_implementation = ape.project.USDai.deploy(sender=deployer)
    proxy_admin.upgradeAndCall(usdai, new_implementation, b"", sender=governance)
    with reverts(usdai.InvalidInitialization):
        usdai.initialize(*_init_args(suite, alice), sender=alice)


def test_upgrade__by_non_owner__reverts(usdai, proxy_admin, deployer, alice, reverts):
    new_implementation = ape.project.USDai.deploy(sender=deployer)
    with reverts(proxy_admin.OwnableUnauthorizedAccount, account=alice):
        proxy_admin.upgradeAndCall(usdai, new_implementation, b"", sender=alice)


def test_upgrade__by_usdai_admin_not_proxy_owner__reverts(
    usdai, proxy_admin, deployer, governance, carol, reverts
):
    # DEFAULT_ADMIN_ROLE on USDai and ownership of the ProxyAdmin are separate powers.
    usdai.grantRole(usdai.DEFAULT_ADMIN_ROLE(), carol, sender=governance)
    new_implementation = ape.project.USDai.deploy(sender=deployer)
    with reverts(proxy_admin.OwnableUnauthorizedAccount, account=carol):
        proxy_admin.upgradeAndCall(usdai, new_implementation, b"", sender=carol)
