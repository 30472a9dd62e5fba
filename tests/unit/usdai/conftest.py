"""Helpers for the USDai unit tests: strict revert matching, time travel, funded deposits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import ape
import pytest
from eth_abi import decode
from eth_utils import keccak
from hexbytes import HexBytes

from scripts._suite.deployment import DAY

SCALE = 10**12  # USDai units per wM unit
YEAR = 365 * DAY


def _normalize(value: Any) -> Any:
    """Addresses (accounts, contracts, strings) compare case-insensitively; bytes as bytes."""
    if hasattr(value, "address"):
        value = value.address
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return value.lower()
    return value


@contextmanager
def strict_reverts(error: Any, **inputs: Any) -> Iterator[Any]:
    """`ape.reverts(error)` made strict for errors raised by a nested call (the venue or adapter behind
    USDai): Ape decodes only the called contract's errors and lets any undecoded revert pass, so the
    raw revert data is matched here against `error`'s selector and decoded. `inputs` are compared by
    name."""
    with ape.reverts(error) as info:
        yield info
    raised = info.value
    if isinstance(raised, error):
        actual = dict(raised.inputs)
    else:
        data = HexBytes(raised.revert_message if str(raised.revert_message).startswith("0x") else b"")
        selector = keccak(text=error.abi.selector)[:4]
        assert data[:4] == selector, f"expected {error.abi.selector}, reverted with {raised.revert_message!r}"
        values = decode([i.canonical_type for i in error.abi.inputs], data[4:])
        actual = {i.name: v for i, v in zip(error.abi.inputs, values, strict=True)}
    for name, expected in inputs.items():
        assert name in actual, f"{error.abi.selector} has no input {name!r}"
        assert _normalize(actual[name]) == _normalize(expected), f"{name}: {actual[name]!r} != {expected!r}"


@pytest.fixture(scope="session")
def reverts() -> Callable[..., Any]:
    """`with reverts(contract.Error, **inputs)`: the exact custom error, also from nested calls."""
    return strict_reverts


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
def venue(suite: Any) -> Any:
    return suite.venue


@pytest.fixture(scope="session")
def adapter(suite: Any) -> Any:
    return suite.swap_adapter


@pytest.fixture(scope="session")
def default_admin_role(usdai: Any) -> bytes:
    return usdai.DEFAULT_ADMIN_ROLE()
