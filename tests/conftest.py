"""Shared fixtures: named actors, the suite deployed by the launch code, and funding helpers.

Session fixtures deploy once; Ape snapshots and reverts the chain around every test, so each test
starts from the same deployed state.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import ape
import pytest
from ape_ethereum.trace import Trace
from hypothesis import HealthCheck, settings

from scripts._suite.build import ensure_fresh_build
from scripts._suite.deployment import USDAI, WM, Suite, deploy_suite
from tests.support import cache_test_accounts, strict_reverts

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "deep",
    max_examples=1000,
    stateful_step_count=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))



def pytest_sessionstart(session: pytest.Session) -> None:
    """No test ever runs stale bytecode: every contract a changed source reaches (through its imports,
    transitively) is rebuilt before the first test touches a contract (scripts/_suite/build.py)."""
    ensure_fresh_build()


# ---------------------------------------------------------------- exact reverts



@pytest.fixture(scope="session")
def reverts() -> Callable[..., Any]:
    """`with reverts(contract.Error, **inputs)`: the exact custom error, also from nested calls."""
    return strict_reverts


@pytest.fixture(scope="session", autouse=True)
def _fast_reverts() -> Any:
    """Speed only. ape-foundry prints (and first enriches) the call trace of every revert, expected or
    not, re-deriving the HD test accounts each time (see `cache_test_accounts`): the accounts are
    memoised and the trace is not printed; a failing test still shows its error."""
    with pytest.MonkeyPatch.context() as patch:
        cache_test_accounts(patch)
        patch.setattr(Trace, "show", lambda self, *args, **kwargs: None)
        yield


@pytest.fixture(scope="session")
def pin_time(chain: Any) -> Callable[[int], int]:
    """`pin_time(timestamp)`: mines a block at `timestamp` and pins the next block to it, so that views
    read now see exactly what the next transaction sees."""

    def _pin(timestamp: int) -> int:
        chain.pending_timestamp = timestamp
        chain.mine()
        chain.pending_timestamp = timestamp
        return timestamp

    return _pin


# ---------------------------------------------------------------- actors


@pytest.fixture(scope="session")
def deployer(accounts: Any) -> Any:
    return accounts[0]


@pytest.fixture(scope="session")
def governance(accounts: Any) -> Any:
    return accounts[1]


@pytest.fixture(scope="session")
def pauser(accounts: Any) -> Any:
    return accounts[2]


@pytest.fixture(scope="session")
def blacklister(accounts: Any) -> Any:
    return accounts[3]


@pytest.fixture(scope="session")
def alice(accounts: Any) -> Any:
    return accounts[4]


@pytest.fixture(scope="session")
def bob(accounts: Any) -> Any:
    return accounts[5]


@pytest.fixture(scope="session")
def carol(accounts: Any) -> Any:
    return accounts[6]


@pytest.fixture(scope="session")
def keeper(accounts: Any) -> Any:
    return accounts[7]


@pytest.fixture(scope="session")
def curator(accounts: Any) -> Any:
    return accounts[8]


@pytest.fixture(scope="session")
def borrower(accounts: Any) -> Any:
    return accounts[9]


@pytest.fixture(scope="session")
def strategist(accounts: Any) -> Any:
    return accounts[10]


# ---------------------------------------------------------------- the suite


@pytest.fixture(scope="session")
def suite(deployer: Any, governance: Any, pauser: Any, blacklister: Any, strategist: Any) -> Suite:
    roles = {"pauser": pauser, "blacklist_admin": blacklister, "strategy_admin": strategist}
    return deploy_suite(deployer, governance, roles=roles)


@pytest.fixture(scope="session")
def usdai(suite: Suite) -> Any:
    return suite.usdai


@pytest.fixture(scope="session")
def vault(suite: Suite) -> Any:
    return suite.vault


@pytest.fixture(scope="session")
def uniswap(suite: Suite) -> Any:
    """The suite's venue: Uniswap V3 from npm, a wM pool per stablecoin (`scripts/_suite/uniswap.py`)."""
    assert suite.uniswap is not None
    return suite.uniswap


@pytest.fixture(scope="session")
def adapter(suite: Suite) -> Any:
    """USDai's adapter: `UniswapV3SwapAdapter` over the suite's pools."""
    return suite.swap_adapter


@pytest.fixture(scope="session")
def venue(suite: Suite) -> Any:
    """The 1:1 reserve venue (`LocalSwapVenue`) on the suite's wM, listing its USDC and USDT: for tests
    that need a price they control. It becomes wM's minter (the deployer still mints as wM's owner)."""
    deployer = suite.deployer
    venue = ape.project.LocalSwapVenue.deploy(suite.wm, suite.params.swap_fee_bps, deployer, sender=deployer)
    suite.wm.setMinter(venue, sender=deployer)
    for token in (suite.usdc, suite.usdt):
        venue.listStablecoin(token, sender=deployer)
    return venue


@pytest.fixture(scope="session")
def local_adapter(venue: Any, deployer: Any) -> Any:
    """A `LocalSwapAdapter` over `venue`."""
    return ape.project.LocalSwapAdapter.deploy(venue, sender=deployer)


@pytest.fixture(scope="session")
def ticket(suite: Suite) -> Any:
    return suite.ticket


@pytest.fixture(scope="session")
def auction(suite: Suite) -> Any:
    return suite.auction


@pytest.fixture(scope="session")
def wm(suite: Suite) -> Any:
    return suite.wm


@pytest.fixture(scope="session")
def usdc(suite: Suite) -> Any:
    return suite.usdc


@pytest.fixture(scope="session")
def usdt(suite: Suite) -> Any:
    return suite.usdt


@pytest.fixture(scope="session")
def fund(suite: Suite) -> Callable[[Any, Any, int], None]:
    """`fund(token, account, amount)`: mints a local stablecoin or wM to `account` (6 decimals)."""

    def _fund(token: Any, account: Any, amount: int) -> None:
        token.mint(account, amount, sender=suite.deployer)

    return _fund


@pytest.fixture(scope="session")
def mint_usdai(suite: Suite, fund: Callable[[Any, Any, int], None]) -> Callable[[Any, int], int]:
    """`mint_usdai(account, wm_amount)`: deposits fresh wM for `account` and returns the USDai minted."""

    def _mint(account: Any, wm_amount: int) -> int:
        fund(suite.wm, account, wm_amount)
        suite.wm.approve(suite.usdai, wm_amount, sender=account)
        suite.usdai.deposit(suite.wm, wm_amount, 0, account, sender=account)
        return wm_amount * 10**12

    return _mint


@pytest.fixture(scope="session")
def stake(suite: Suite, mint_usdai: Callable[[Any, int], int]) -> Callable[[Any, int], int]:
    """`stake(account, usdai_amount)`: mints USDai for `account` (from wM) and deposits it into the
    vault; returns the shares received."""

    def _stake(account: Any, amount: int) -> int:
        mint_usdai(account, -(-amount // 10**12))
        suite.usdai.approve(suite.vault, amount, sender=account)
        before = suite.vault.balanceOf(account)
        suite.vault.deposit(amount, account, sender=account)
        return int(suite.vault.balanceOf(account) - before)

    return _stake


__all__ = ["USDAI", "WM"]
