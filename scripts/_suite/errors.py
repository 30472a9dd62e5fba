"""One human line for a failed transaction or call: the decoded custom error, with amounts in USDai and
timestamps as UTC dates (what the CLIs print instead of a traceback)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from eth_abi.abi import decode
from eth_utils.crypto import keccak

from scripts._suite.report import fmt_units

# Error inputs that are timestamps, and those that are USDai amounts (18 decimals).
TIME_FIELDS = {
    "deadline", "timestamp", "closableAt", "occurredAt", "policyExpiry", "curableUntil", "appraisedAt",
    "staleFrom", "deadlineAt",
}
USDAI_FIELDS = {
    "principal", "maxPrincipal", "balance", "maxBalance", "paidAfter", "coverage", "needed", "available",
    "amount", "juniorCapital", "required", "seniorAfter", "maxSenior",
}


def format_value(name: str, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        if name in TIME_FIELDS and 0 < value < 2**40:
            return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        if name in USDAI_FIELDS:
            return f"{fmt_units(value, 18, 2)} USDai"
        return f"{value:,}" if value >= 10_000 and not name.endswith(("Id", "id", "nonce")) else str(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)


def _line(name: str, inputs: dict[str, Any]) -> str:
    fields = ", ".join(f"{key}={format_value(key, value)}" for key, value in inputs.items())
    return f"{name}({fields})"


def _revert_data(message: str) -> bytes | None:
    """Revert data in a message Ape could not decode ('custom error 0x12345678: 00ab...' or plain hex)."""
    found = re.search(r"custom error 0x([0-9a-fA-F]{8}):?\s*(?:0x)?([0-9a-fA-F]*)", message)
    if found:
        return bytes.fromhex(found.group(1) + found.group(2))
    found = re.fullmatch(r"\s*0x([0-9a-fA-F]{8,})\s*", message)
    return bytes.fromhex(found.group(1)) if found and len(found.group(1)) % 2 == 0 else None


def describe(exc: BaseException, *contracts: Any) -> str:
    """`ErrorName(field=value, ...)` for a custom error: decoded by Ape, or from the revert data with the
    error ABIs of `contracts` (an error raised by a nested call); else the first line of the message."""
    inputs = getattr(exc, "inputs", None)
    if isinstance(inputs, dict):
        return _line(type(exc).__name__, inputs)
    message = str(getattr(exc, "revert_message", "") or exc).strip()
    data = _revert_data(message)
    if data is not None:
        for contract in contracts:
            for abi in contract.contract_type.errors:
                if keccak(text=abi.selector)[:4] == data[:4]:
                    values = decode([i.canonical_type for i in abi.inputs], data[4:])
                    return _line(abi.name, {i.name: v for i, v in zip(abi.inputs, values, strict=True)})
    lines = message.splitlines()
    return lines[0] if lines else type(exc).__name__


def node_error(exc: BaseException) -> str:
    """A node's JSON-RPC error as one line: its message (`insufficient funds ...`), else the first line."""
    text = str(exc)
    found = re.search(r"'message': ['\"]([^'\"]*)['\"]", text)
    if found:
        return f"the node refused: {found.group(1)}"
    lines = text.strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def preflight(method: Any, *args: Any, sender: Any, contracts: tuple[Any, ...] = ()) -> str | None:
    """Runs `method(*args)` as an `eth_call` from `sender`: None if it would succeed, else the one-line
    description of its revert (decoded with `contracts`' error ABIs and the method's own). No
    transaction is sent and no trace is printed."""
    from web3.exceptions import ContractCustomError
    from web3.exceptions import ContractLogicError as Web3ContractLogicError

    contract = method.contract
    web3 = contract.provider.web3
    try:
        web3.eth.call({"from": str(sender.address), "to": str(contract.address), "data": method.encode_input(*args)})
    except (ContractCustomError, Web3ContractLogicError) as exc:
        data = exc.data if isinstance(exc.data, str) else getattr(exc, "message", "")
        raw = bytes.fromhex(str(data).removeprefix("0x")) if data else b""
        for candidate in (contract, *contracts):
            for abi in candidate.contract_type.errors:
                if raw[:4] == keccak(text=abi.selector)[:4]:
                    values = decode([i.canonical_type for i in abi.inputs], raw[4:])
                    return _line(abi.name, {i.name: v for i, v in zip(abi.inputs, values, strict=True)})
        return str(exc).splitlines()[0]
    return None


def one_line_errors(*contract_names: str) -> Any:
    """Decorator for a CLI command: a contract revert or bad input becomes one human line (exit 1),
    decoded with the error ABIs of the project's `contract_names`; never a traceback."""
    import functools

    import click
    from ape import project
    from ape.exceptions import ApeException
    from web3.exceptions import Web3Exception

    def wrap(func: Any) -> Any:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> None:
            try:
                func(*args, **kwargs)
            except (ApeException, ValueError, OSError) as exc:
                known = [getattr(project, name) for name in contract_names]
                raise click.ClickException(describe(exc, *known)) from None
            except Web3Exception as exc:  # a node's refusal through web3 (funds, nonce, timeout)
                raise click.ClickException(node_error(exc)) from None

        return wrapper

    return wrap
