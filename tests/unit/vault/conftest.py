"""Helpers for the sUSDai unit tests: funded holders, cycle time travel, requests, an account acting
as the auction, a bare (unwired) vault, and the test-only MockSeniorCapital registry that makes
liquidity short and moves NAV. Exact reverts use the root `reverts` fixture (tests/support.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ape import chain

from scripts._suite.deployment import DAY, USDAI, deploy_vault

# ---------------------------------------------------------------- speed


# ---------------------------------------------------------------- time


@pytest.fixture
def at() -> Callable[[int], None]:
    """`at(t)`: the next transaction is mined exactly at timestamp `t`."""

    def _at(timestamp: int) -> None:
        chain.pending_timestamp = timestamp

    return _at


@pytest.fixture
def next_cycle(vault: Any) -> Callable[..., int]:
    """`next_cycle(offset=DAY)`: mines a block `offset` seconds into the next cycle; returns its id."""

    def _next(offset: int = DAY) -> int:
        cycle = vault.currentCycle() + 1
        timestamp = vault.cycleStart(cycle) + offset
        chain.pending_timestamp = timestamp
        chain.mine()
        # The next transaction is pinned to the same second, so views read now price it exactly.
        chain.pending_timestamp = timestamp
        return cycle

    return _next


# ---------------------------------------------------------------- actions


@pytest.fixture
def request_redeem(vault: Any) -> Callable[..., int]:
    """`request_redeem(owner, shares, controller=owner, sender=owner)`: returns the request id (from
    the RedeemRequest event)."""

    def _request(owner: Any, shares: int, controller: Any = None, sender: Any = None) -> int:
        tx = vault.requestRedeem(shares, controller or owner, owner, sender=sender or owner)
        return int(tx.events.filter(vault.RedeemRequest)[0].requestId)

    return _request


HOLDING = 10_000_000 * USDAI  # USDai each named holder starts with


@pytest.fixture(scope="package", autouse=True)
def holders(
    vault: Any,
    usdai: Any,
    mint_usdai: Callable[[Any, int], int],
    alice: Any,
    bob: Any,
    carol: Any,
    keeper: Any,
    auction: Any,
    project: Any,
    reverts: Any,
    suite: Any,
    wm: Any,
) -> list[Any]:
    """Alice, Bob and Carol hold HOLDING USDai each, approved to the vault: set up once, before any
    module snapshot (autouse), so every test of the package starts from it. It also asks for the
    session fixtures the tests use, so that none is first set up inside a test's snapshot (Ape would
    then have to rebase its isolation).

    wM stops earning here (rate 0, accrued yield harvested): these tests price the queue and the
    registry's NAV exactly, and the 30 million USDai of the holders would otherwise hand the small
    vault a month of base yield on every cycle. `base_yield_on` turns it back on where a test is
    about base yield (tests/unit/vault/test_base_yield.py)."""
    # Before the holders' USDai exists: what accrued on the seed stake alone is below one wM unit.
    wm.setEarnerRate(0, sender=suite.deployer)
    usdai.harvestBaseYield(sender=keeper)
    for holder in (alice, bob, carol):
        mint_usdai(holder, HOLDING // 10**12)
        usdai.approve(vault, 2**256 - 1, sender=holder)
    assert usdai.baseYieldOwed(vault) == 0
    return [alice, bob, carol]


@pytest.fixture
def base_yield_on(wm: Any, suite: Any) -> Callable[[int], None]:
    """`base_yield_on(rate_bps=400)`: wM earns again at `rate_bps` a year from the next block."""

    def _on(rate_bps: int = 400) -> None:
        wm.setEarnerRate(rate_bps, sender=suite.deployer)

    return _on


@pytest.fixture
def deposit(vault: Any) -> Callable[[Any, int], int]:
    """`deposit(holder, assets)`: deposits for the holder itself; returns the shares minted."""

    def _deposit(holder: Any, assets: int) -> int:
        tx = vault.deposit(assets, holder, sender=holder)
        return int(tx.events.filter(vault.Deposit)[0].shares)

    return _deposit


# ---------------------------------------------------------------- roles


@pytest.fixture
def hook_caller(vault: Any, governance: Any, accounts: Any) -> Any:
    """An account installed as the vault's auction, to drive the bond hooks directly. Servicing from
    cycle 1 on asks the auction for its priority list, so tests put the real auction back first."""
    vault.setAuction(accounts[12], sender=governance)
    return accounts[12]


# ---------------------------------------------------------------- registry


@pytest.fixture
def registry(project: Any, vault: Any, usdai: Any, governance: Any) -> Any:
    """A test-only MockSeniorCapital set as the vault's registry."""
    mock = project.MockSeniorCapital.deploy(usdai, vault, sender=governance)
    vault.setRegistry(mock, sender=governance)
    return mock


@pytest.fixture
def bare_vault(project: Any, deployer: Any, governance: Any, usdai: Any, strategist: Any) -> Any:
    """A freshly initialized sUSDai proxy, deployed by the same code as the suite's but not wired:
    no seed stake (only the virtual offset defends it), no registry, no auction."""
    vault, _, _, _ = deploy_vault(
        deployer,
        governance,
        {
            "admin": governance,
            "usdai": usdai,
            "genesis": chain.blocks.head.timestamp,
            "cycleDuration": 30 * DAY,
            "minRequestShares": USDAI,
            "maxOpenRequests": 50,
            "supplyCap": 2**256 - 1,
        },
    )
    vault.grantRole(vault.STRATEGY_ADMIN_ROLE(), strategist, sender=governance)
    assert vault.totalSupply() == 0
    return vault


@pytest.fixture
def two_requests(holders: list[Any], deposit: Callable[[Any, int], int], request_redeem: Callable[..., int]) -> tuple[int, int]:
    """Alice and Bob hold 1,000 sUSDai each; Alice requests 300, then Bob 200. Returns their ids."""
    alice, bob, _ = holders
    deposit(alice, 1_000 * USDAI)
    deposit(bob, 1_000 * USDAI)
    return request_redeem(alice, 300 * USDAI), request_redeem(bob, 200 * USDAI)
