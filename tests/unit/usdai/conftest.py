"""Helpers for the USDai unit tests: strict revert matching, time travel, funded deposits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
import pytest

from scripts._suite.deployment import DAY

SCALE = 10**12  # USDai units per wM unit
YEAR = 365 * DAY


@pytest.fixture(scope="session")
def warp(chain: Any) -> Callable[[int], int]:
    """`warp(seconds)`: mines a block `seconds` later and pins the next block to the same timestamp, so
    that views read now (e.g. `harvestableBaseYield`) see exactly what the next transaction sees."""

    def _warp(seconds: int) -> int:
        chain.pending_timestamp += seconds
        chain.mine()
        now = chain.blocks.head.timestamp
        chain.pending_timestamp = now
        return now

    return _warp


@pytest.fixture(scope="session")
def deposit(usdai: Any, fund: Callable[[Any, Any, int], None]) -> Callable[..., Any]:
    """`deposit(account, token, amount, min_out=0, recipient=account)`: funds, approves and deposits;
    returns the receipt."""

    def _deposit(account: Any, token: Any, amount: int, min_out: int = 0, recipient: Any = None) -> Any:
        fund(token, account, amount)
        token.approve(usdai, amount, sender=account)
        return usdai.deposit(token, amount, min_out, recipient or account, sender=account)

    return _deposit


@pytest.fixture(scope="session")
def unsupported_token(deployer: Any) -> Any:
    """A 6-decimal stablecoin that USDai and the venue have never listed."""
    return ape.project.LocalStablecoin.deploy("Dai (local)", "DAI", deployer, sender=deployer)


@pytest.fixture(scope="session")
def default_admin_role(usdai: Any) -> bytes:
    return usdai.DEFAULT_ADMIN_ROLE()


@pytest.fixture(scope="session")
def quote(uniswap: Any) -> Callable[[Any, Any, int], int]:
    """`quote(token_in, token_out, amount)`: what the suite's Uniswap pool returns for that exact-input swap
    now (QuoterV2: the fee and every tick crossed), to compare with what a deposit or withdrawal got."""
    return uniswap.quote
