"""The ABI by name: structs, initializer arguments, enums and events read from the compiled contracts.

Solidity encodes structs and argument lists by position; a Python tuple built by hand silently shifts
every later value when a field is inserted or reordered. Here every value is given by name and placed
by the compiled ABI, which refuses a missing or unknown name (`AbiMismatch`), so a layout change fails
loudly where it is used instead of writing a grace period into a penalty rate.

- `encode_args(abi_inputs, values)`: a mapping of argument names to values (nested structs as
  mappings, struct arrays as lists of mappings) to the positional list the ABI wants.
- `init_args(container, **values)`: the arguments of a contract's `initialize`.
- `struct(container, "RiskParams", **fields)`: a struct tuple, found by its type name in the ABI.
- `enum_value(container, "BidStatus", "Revealed")`: an enum member's number, from the declaring
  source (the ABI names the enum type, `enum IQEVAuction.BidStatus`; member names are only in the
  source).
- `event_signature(container, "Deposit")`, `event_topic(...)`: from the compiled ABI.
- `raw_events(receipt, address, container, "Name")`: one event's arguments from a raw JSON-RPC receipt
  (for callers that bypass Ape for speed). Everything else decodes events with Ape's own
  `receipt.events.filter(contract.Name)`, which reads the same ABI.

Argument names are matched without their trailing underscores (`ledger_` is `ledger`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from eth_utils.crypto import keccak

ROOT = Path(__file__).resolve().parents[2]
SOURCE_FOLDERS = ("contracts", "interfaces")
_ENUM = re.compile(r"\benum\s+(\w+)\s*\{([^}]*)\}", re.DOTALL)
_DECLARATION = re.compile(r"^\s*(?:abstract\s+)?(?:contract|interface|library)\s+(\w+)", re.MULTILINE)


_CONTAINERS: dict[str, Any] = {}


def container(name: str) -> Any:
    """`ape.project.<name>`, looked up once per process: each project attribute lookup costs about
    10 ms (Ape checks the sources), too much for builders called on every loan or receipt."""
    if name not in _CONTAINERS:
        from ape import project

        _CONTAINERS[name] = getattr(project, name)
    return _CONTAINERS[name]


class AbiMismatch(ValueError):
    """Values given by name do not match the compiled ABI (a missing, unknown or misshapen field)."""


def _bare(name: str) -> str:
    return name.rstrip("_")


def _abi_entries(container: Any) -> list[dict[str, Any]]:
    """The ABI of an Ape contract container or instance (or a plain ABI list) as JSON dicts."""
    if isinstance(container, list):
        return [dict(entry) for entry in container]
    contract_type = getattr(container, "contract_type", container)
    return _dumped(contract_type.name, contract_type.abi)


_DUMPED: dict[str, tuple[int, list[dict[str, Any]]]] = {}


def _dumped(name: str, entries: Sequence[Any]) -> list[dict[str, Any]]:
    """JSON dicts of a contract type's ABI, kept per contract while its ABI object is the same one
    (a rebuild replaces it)."""
    kept = _DUMPED.get(name)
    if kept is None or kept[0] != id(entries):
        kept = (id(entries), [entry.model_dump(mode="json", by_alias=True) for entry in entries])
        _DUMPED[name] = kept
    return kept[1]


def encode_value(abi_type: Mapping[str, Any], value: Any, where: str) -> Any:
    """One ABI value: a struct (`tuple`) from a mapping, an array of structs from a list of mappings,
    anything else as given."""
    kind = str(abi_type["type"])
    if kind == "tuple":
        if not isinstance(value, Mapping):
            raise AbiMismatch(f"{where}: a {abi_type.get('internalType', 'struct')} is given by field name")
        return tuple(encode_args(abi_type["components"], value, where))
    if kind.startswith("tuple[") and kind.endswith("]"):
        element = {**abi_type, "type": kind[: kind.rindex("[")]}
        return [encode_value(element, item, f"{where}[{i}]") for i, item in enumerate(value)]
    return value


def encode_args(inputs: Sequence[Mapping[str, Any]], values: Mapping[str, Any], where: str = "") -> list[Any]:
    """The positional list of `inputs` (ABI parameters) from `values` by name; refuses a missing or an
    unknown name."""
    names = [_bare(str(p["name"])) for p in inputs]
    given = {_bare(k): v for k, v in values.items()}
    missing = [n for n in names if n not in given]
    unknown = sorted(set(given) - set(names))
    if missing or unknown:
        raise AbiMismatch(
            f"{where or 'arguments'}: expected fields {names}"
            + (f"; missing {missing}" if missing else "")
            + (f"; unknown {unknown}" if unknown else "")
        )
    return [encode_value(p, given[n], f"{where}.{n}" if where else n) for p, n in zip(inputs, names, strict=True)]


def function_abi(container: Any, name: str) -> dict[str, Any]:
    """The ABI entry of function `name` (which must not be overloaded)."""
    found = [e for e in _abi_entries(container) if e.get("type") == "function" and e.get("name") == name]
    if len(found) != 1:
        raise AbiMismatch(f"{name}: {len(found)} functions of that name in the ABI")
    return found[0]


def init_args(container: Any, **values: Any) -> list[Any]:
    """The arguments of `container`'s `initialize`, by name."""
    return encode_args(function_abi(container, "initialize")["inputs"], values, "initialize")


def _struct_types(params: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    for p in params:
        if str(p.get("type", "")).startswith("tuple"):
            yield p
            yield from _struct_types(p.get("components", []))


_STRUCTS: dict[tuple[str, int, str], dict[str, Any]] = {}


def struct_abi(container: Any, struct_name: str) -> dict[str, Any]:
    """The ABI type of struct `struct_name` (as `struct <Scope>.<Name>`) wherever the ABI uses it
    (kept per contract type: builders call this for every struct they encode)."""
    if isinstance(container, list):
        return _find_struct(container, struct_name)
    contract_type = getattr(container, "contract_type", container)
    key = (str(contract_type.name), id(contract_type.abi), struct_name)
    if key not in _STRUCTS:
        _STRUCTS[key] = _find_struct(container, struct_name)
    return _STRUCTS[key]


def _find_struct(container: Any, struct_name: str) -> dict[str, Any]:
    for entry in _abi_entries(container):
        for p in _struct_types([*entry.get("inputs", []), *entry.get("outputs", [])]):
            internal = str(p.get("internalType", ""))
            if re.fullmatch(rf"struct (\w+\.)?{struct_name}(\[\d*\])*", internal):
                return {**p, "type": "tuple"}
    raise AbiMismatch(f"no struct {struct_name} in the ABI")


def struct(container: Any, struct_name: str, **fields: Any) -> tuple[Any, ...]:
    """Struct `struct_name` of `container`'s ABI as the tuple the ABI wants, from its fields by name."""
    return tuple(encode_args(struct_abi(container, struct_name)["components"], fields, struct_name))


def struct_fields(container: Any, struct_name: str) -> list[str]:
    """The field names of struct `struct_name`, in ABI order."""
    return [str(c["name"]) for c in struct_abi(container, struct_name)["components"]]


# ---------------------------------------------------------------- enums


@cache
def _declarations() -> dict[str, Path]:
    """Which project source declares each contract, interface and library."""
    where: dict[str, Path] = {}
    for folder in SOURCE_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.sol")):
            if any(part.startswith(".") for part in path.relative_to(ROOT).parts):
                continue
            for name in _DECLARATION.findall(path.read_text("utf8")):
                where.setdefault(name, path)
    return where


@cache
def enum_members(scope: str, enum_name: str) -> tuple[str, ...]:
    """The members of `enum <enum_name>` declared in `<scope>` (a contract or interface), in order."""
    path = _declarations().get(scope)
    if path is None:
        raise AbiMismatch(f"enum {scope}.{enum_name}: no project source declares {scope}")
    for name, body in _ENUM.findall(path.read_text("utf8")):
        if name == enum_name:
            body = re.sub(r"//[^\n]*", "", body)
            return tuple(m.strip() for m in body.split(",") if m.strip())
    raise AbiMismatch(f"enum {scope}.{enum_name}: not in {path.relative_to(ROOT)}")


def enum_scope(container: Any, enum_name: str) -> str:
    """The contract or interface that declares `enum_name`, as the ABI names it."""
    pattern = re.compile(rf"enum (\w+)\.{enum_name}(\[\d*\])*")
    for entry in _abi_entries(container):
        for p in [*entry.get("inputs", []), *entry.get("outputs", [])]:
            for q in [p, *_struct_types([p]), *[c for t in _struct_types([p]) for c in t.get("components", [])]]:
                match = pattern.fullmatch(str(q.get("internalType", "")))
                if match:
                    return match.group(1)
    raise AbiMismatch(f"no enum {enum_name} in the ABI")


def enum_value(container: Any, enum_name: str, member: str) -> int:
    """The number of `enum_name.member` for a contract whose ABI uses that enum."""
    members = enum_members(enum_scope(container, enum_name), enum_name)
    if member not in members:
        raise AbiMismatch(f"enum {enum_name} has no member {member} (members: {list(members)})")
    return members.index(member)


def enum_name(container: Any, enum_name_: str, value: int) -> str:
    """The member name of `enum_name_` numbered `value`."""
    return enum_members(enum_scope(container, enum_name_), enum_name_)[int(value)]


# ---------------------------------------------------------------- events


def _canonical(p: Mapping[str, Any]) -> str:
    kind = str(p["type"])
    if kind.startswith("tuple"):
        return "(" + ",".join(_canonical(c) for c in p["components"]) + ")" + kind[len("tuple") :]
    return kind


def event_abi(container: Any, name: str) -> dict[str, Any]:
    found = [e for e in _abi_entries(container) if e.get("type") == "event" and e.get("name") == name]
    if len(found) != 1:
        raise AbiMismatch(f"event {name}: {len(found)} events of that name in the ABI")
    return found[0]


def event_signature(container: Any, name: str) -> str:
    """`Name(type,...)` of event `name`, from the compiled ABI."""
    return f"{name}({','.join(_canonical(p) for p in event_abi(container, name)['inputs'])})"


def event_topic(container: Any, name: str) -> str:
    """topic0 of event `name` (0x-prefixed hex)."""
    return "0x" + keccak(text=event_signature(container, name)).hex()


def raw_events(receipt: Mapping[str, Any], address: str, container: Any, name: str) -> list[tuple[Any, ...]]:
    """The arguments (declaration order) of each event `name` that `address` emitted, from a raw JSON-RPC
    receipt: for callers that bypass Ape's receipt objects for speed. Addresses come back lower case."""
    from eth_abi.abi import decode

    abi = event_abi(container, name)
    topic = event_topic(container, name)
    inputs = abi["inputs"]
    data_types = [_canonical(p) for p in inputs if not p.get("indexed")]
    found = []
    for log in receipt["logs"]:
        if str(log["address"]).lower() != address.lower() or log["topics"][0] != topic:
            continue
        topics = iter(log["topics"][1:])
        data = iter(decode(data_types, bytes.fromhex(str(log["data"])[2:])))
        found.append(
            tuple(
                decode([_canonical(p)], bytes.fromhex(next(topics)[2:]))[0] if p.get("indexed") else next(data)
                for p in inputs
            )
        )
    return found
