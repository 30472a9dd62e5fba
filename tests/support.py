"""Test helpers importable from any test module (conftest modules cannot import each other)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from ape.exceptions import ContractLogicError, CustomError
from eth_abi import decode, encode
from eth_utils import keccak
from hexbytes import HexBytes
from web3.exceptions import ContractCustomError
from web3.exceptions import ContractLogicError as Web3ContractLogicError

from scripts._suite.deployment import IMPLEMENTATION_SLOT
from scripts._suite.fastviews import FastViews as FastViews  # re-exported: the machines import it from here
from scripts._suite.upgrade import PROXY_ADMIN_ABI as UPGRADE_PROXY_ADMIN_ABI


def _normalize(value: Any) -> Any:
    """Addresses (accounts, contracts, strings) compare case-insensitively; bytes as bytes."""
    if hasattr(value, "address"):
        value = value.address
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return value.lower()
    return value


def _revert_data(message: str) -> bytes:
    """Raw revert data from an undecoded revert: a transaction gives the hex, a call (eth_call) gives
    `custom error 0x<selector>: <hex arguments>`."""
    if message.startswith("0x"):
        return bytes(HexBytes(message))
    if match := re.fullmatch(r"custom error (0x[0-9a-fA-F]{8}):? ?([0-9a-fA-F]*)", message):
        return bytes(HexBytes(match[1])) + bytes.fromhex(match[2])
    return b""


@contextmanager
def strict_reverts(error: Any, **inputs: Any) -> Iterator[Any]:
    """Asserts the block reverts with custom error `error` (matched by signature, which is all the revert
    data carries) and, by name, with `inputs`. Stricter than `ape.reverts(error)`: Ape decodes only the
    called contract's errors and lets any revert it cannot decode pass, so errors from a nested call
    (the venue or adapter behind USDai) are decoded here from the raw revert data."""
    with pytest.raises(ContractLogicError) as info:
        yield info
    raised = info.value
    expected = error.abi.selector
    if isinstance(raised, CustomError):
        got = type(raised).abi.selector
        assert got == expected, f"expected {expected}, reverted with {got} {raised.inputs}"
        actual = dict(raised.inputs)
    else:
        message = str(raised.revert_message)
        data = _revert_data(message)
        assert data[:4] == keccak(text=expected)[:4], f"expected {expected}, reverted with {message!r}"
        values = decode([i.canonical_type for i in error.abi.inputs], data[4:])
        actual = {i.name: v for i, v in zip(error.abi.inputs, values, strict=True)}
    for name, value in inputs.items():
        assert name in actual, f"{expected} has no input {name!r}"
        assert _normalize(actual[name]) == _normalize(value), f"{name}: {actual[name]!r} != {value!r}"


def _decode_error(error: Any, data: bytes) -> dict[str, Any]:
    expected = error.abi.selector
    assert data[:4] == keccak(text=expected)[:4], f"expected {expected}, reverted with {HexBytes(data).hex()}"
    values = decode([i.canonical_type for i in error.abi.inputs], data[4:])
    return {i.name: v for i, v in zip(error.abi.inputs, values, strict=True)}


def _check_inputs(error: Any, actual: dict[str, Any], inputs: dict[str, Any]) -> None:
    for name, value in inputs.items():
        assert name in actual, f"{error.abi.selector} has no input {name!r}"
        assert _normalize(actual[name]) == _normalize(value), f"{name}: {actual[name]!r} != {value!r}"


def call_revert_data(method: Any, *args: Any, sender: Any) -> bytes | None:
    """Runs `method(*args)` as an `eth_call` from `sender` on the latest block; returns the revert
    data, or None if the call succeeds. Skips Ape's trace printing: ~50x faster per revert, for
    property tests that make many."""
    contract = method.contract
    calldata = HexBytes(method.encode_input(*args))
    web3 = contract.provider.web3
    try:
        web3.eth.call({"from": sender.address, "to": contract.address, "data": calldata})
    except ContractCustomError as exc:
        return HexBytes(exc.data if isinstance(exc.data, str) else exc.message)
    except Web3ContractLogicError as exc:
        return HexBytes(exc.data) if isinstance(exc.data, str) else b""
    return None


def assert_call_reverts(error: Any, method: Any, *args: Any, sender: Any, **inputs: Any) -> None:
    """`eth_call` counterpart of `strict_reverts`: the call must revert with exactly `error(inputs)`."""
    data = call_revert_data(method, *args, sender=sender)
    assert data is not None, f"call did not revert, expected {error.abi.selector}"
    _check_inputs(error, _decode_error(error, bytes(data)), inputs)


def error_data(error: Any, *values: Any) -> bytes:
    """The revert data of `error(*values)`."""
    types = [i.canonical_type for i in error.abi.inputs]
    return keccak(text=error.abi.selector)[:4] + encode(types, list(values))


_TEST_ACCOUNTS: dict[tuple[str, str, int], Any] = {}


def cache_test_accounts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Speed only: on every revert ape-foundry prints the call trace, and enriching it asks
    `address in accounts` for each call, which re-derives all 20 HD test accounts (~1 s a time, ~7 s
    per reverted transaction). The derivation is deterministic, so it is memoised per (mnemonic,
    path, index); nothing else changes. `monkeypatch` undoes it after the test."""
    from ape_test.accounts import TestAccountContainer

    original = TestAccountContainer.get_test_account

    def get_test_account(self: Any, index: int) -> Any:
        if index >= self.number_of_accounts:
            return original(self, index)
        key = (self.mnemonic, self.hd_path, index)
        if key not in _TEST_ACCOUNTS:
            _TEST_ACCOUNTS[key] = original(self, index)
        return _TEST_ACCOUNTS[key]

    monkeypatch.setattr(TestAccountContainer, "get_test_account", get_test_account)


# OpenZeppelin 5 ProxyAdmin is not a project artifact: the entries the upgrade command uses, plus the
# two the tests read.
PROXY_ADMIN_ABI = [
    *UPGRADE_PROXY_ADMIN_ABI,
    {
        "type": "function",
        "name": "UPGRADE_INTERFACE_VERSION",
        "stateMutability": "view",
        "inputs": [],
        "outputs": [{"name": "", "type": "string"}],
    },
    {
        "type": "error",
        "name": "OwnableUnauthorizedAccount",
        "inputs": [{"name": "account", "type": "address"}],
    },
]


def implementation_of(proxy: Any) -> str:
    """The EIP-1967 implementation address behind `proxy`."""
    import ape

    raw = ape.chain.provider.get_storage(proxy.address, IMPLEMENTATION_SLOT)
    return ape.convert("0x" + bytes(raw)[-20:].hex(), ape.types.AddressType)


# EIP-2612's Permit struct (USDai and sUSDai), for eth-account's typed-data signing.
PERMIT_TYPES = {
    "Permit": [
        {"name": "owner", "type": "address"},
        {"name": "spender", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ]
}


def depth(steps: int, examples: int) -> tuple[int, int]:
    """A machine's (steps, examples): its own short run, unless the active Hypothesis profile sets its own
    step count (`deep`, or any profile made for a campaign), whose steps and examples then apply."""
    from hypothesis import settings

    profile = settings.default
    if profile.stateful_step_count != 50:  # Hypothesis's default: the profile did not ask for a depth
        return profile.stateful_step_count, profile.max_examples
    return steps, min(examples, profile.max_examples)


def run_seeded(machine: Any, first_seed: int, steps: int, examples: int, reached: Any) -> None:
    """Runs a state machine with block times pinned (each block one second after the last, besides the
    machine's own warps) and an explicit seed (derandomize's seed depends on what else pytest collected),
    so that a pass walks the same paths on any machine, at any hour and in any selection of tests. A pass
    after which `reached()` is false (it missed a path the invariants are about) is followed by one with
    the next seed, up to four passes. (The start state still depends on the session: in one full CI
    rehearsal the FiLo machine's first two seeds never reached a liquidation, alone they did.)"""
    from ape import chain
    from hypothesis import seed, settings
    from hypothesis.stateful import run_state_machine_as_test

    provider = chain.provider
    provider.make_request("anvil_setBlockTimestampInterval", [1])
    try:
        for attempt in range(4):
            run_state_machine_as_test(
                seed(first_seed + attempt)(machine),
                settings=settings(
                    settings.default, derandomize=False, database=None, stateful_step_count=steps, max_examples=examples
                ),
            )
            if reached():
                break
    finally:
        provider.make_request("anvil_removeBlockTimestampInterval", [])
