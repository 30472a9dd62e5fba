"""Test helpers importable from any test module (conftest modules cannot import each other)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from ape.exceptions import ContractLogicError, CustomError
from eth_abi import decode
from eth_utils import keccak
from hexbytes import HexBytes


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
    if match := re.fullmatch(r"custom error (0x[0-9a-fA-F]{8}): ?([0-9a-fA-F]*)", message):
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
