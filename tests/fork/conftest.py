"""Fork tests: the same suite against Arbitrum One state (real wM, USDC, USDT, Uniswap V3).

They run only when ARBITRUM_RPC_URL is set, on `arbitrum:mainnet-fork:foundry` (anvil forking it);
otherwise every test here is skipped with the reason below."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from eth_utils import keccak

from scripts._suite.deployment import ARBITRUM_ONE, Suite, deploy_suite

FORK_REASON = "fork tests need ARBITRUM_RPC_URL (an Arbitrum One RPC endpoint); none is set"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if os.environ.get("ARBITRUM_RPC_URL"):
        return
    for item in items:
        if "tests/fork" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=FORK_REASON))


@pytest.fixture(scope="module")
def fork(networks: Any) -> Iterator[Any]:
    with networks.parse_network_choice("arbitrum:mainnet-fork:foundry") as provider:
        yield provider


@pytest.fixture(scope="module")
def fork_suite(fork: Any, accounts: Any) -> Suite:
    deployer = accounts.test_accounts[0]
    return deploy_suite(deployer, deployer, network=ARBITRUM_ONE)


@pytest.fixture(scope="module")
def deal(fork: Any) -> Any:
    """`deal(token, account, amount)` on the fork."""
    return lambda token, account, amount: _deal(fork, token, account, amount)


def _deal(provider: Any, token: Any, account: str, amount: int) -> None:
    """Sets `account`'s balance of `token` by finding its balances mapping slot (Solidity layout:
    keccak256(key . slot)), the usual fork-test technique; works for USDC, USDT and wM."""
    for slot in range(0, 64):
        key = keccak(bytes.fromhex(account[2:].lower().rjust(64, "0")) + slot.to_bytes(32, "big"))
        before = provider.get_storage(token.address, int.from_bytes(key, "big"))
        provider.set_storage(token.address, int.from_bytes(key, "big"), amount.to_bytes(32, "big"))
        if int(token.balanceOf(account)) == amount:
            return
        provider.set_storage(token.address, int.from_bytes(key, "big"), bytes(before).rjust(32, b"\0"))
    raise AssertionError(f"no balance slot found for {token.address}")
