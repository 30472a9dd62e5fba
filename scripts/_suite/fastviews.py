"""Contract views as raw `eth_call`s, encoded and decoded with eth_abi: about 1 ms a call where Ape's
contract call costs 10-20 ms. For what reads many views a step: the state machines' invariants (tests)
and the system campaign (scripts/_suite/campaign.py)."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from eth_abi.abi import decode, encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak


class FastViews:
    """The views of `contract` as raw `eth_call`s (encoded and decoded here with eth_abi): about 1 ms a
    call where Ape's contract call costs 10-20 ms. For the invariants a state machine checks after every
    step; they read the same block Ape's calls read ("latest"). A revert raises RuntimeError."""

    def __init__(self, contract: Any) -> None:
        import ape

        self._address = str(contract.address)
        self._methods = {m.name: m for m in contract.contract_type.view_methods}
        self._request = ape.chain.provider.web3.provider.make_request

    def __getattr__(self, name: str) -> Any:
        methods = self.__dict__.get("_methods", {})
        if name not in methods:
            raise AttributeError(name)
        method = _Method(self._address, methods[name])
        request = self._request

        def call(*args: Any) -> Any:
            reply = request("eth_call", [method.params(args), "latest"])
            if "error" in reply:
                raise RuntimeError(f"{name}: {reply['error']}")
            return method.decode(reply["result"])

        call.method = method  # type: ignore[attr-defined]
        setattr(self, name, call)
        return call


class _Method:
    """One view: its `eth_call` parameters for some arguments, and the decoding of its result."""

    def __init__(self, address: str, abi: Any) -> None:
        self.name, self.abi, self.address = abi.name, abi, address
        self.inputs = [i.canonical_type for i in abi.inputs]
        self.outputs = [o.canonical_type for o in abi.outputs]
        self.selector = keccak(text=f"{abi.name}({','.join(self.inputs)})")[:4]

    def params(self, args: tuple[Any, ...]) -> dict[str, str]:
        data = self.selector + encode(self.inputs, [getattr(a, "address", a) for a in args])
        return {"to": self.address, "data": "0x" + data.hex()}

    def decode(self, result: str) -> Any:
        decoded = decode(self.outputs, bytes.fromhex(result[2:]))
        values = [_named(o, v) for o, v in zip(self.abi.outputs, decoded, strict=True)]
        return values[0] if len(values) == 1 else tuple(values)


def read_batch(calls: list[tuple[Any, tuple[Any, ...]]]) -> list[Any]:
    """`[(fast_views.method, args), ...]` read in one JSON-RPC batch (one HTTP round trip) at "latest";
    a reverted call raises RuntimeError."""
    if not calls:
        return []
    import ape

    provider = ape.chain.provider.web3.provider
    replies = provider.make_batch_request([("eth_call", [fn.method.params(args), "latest"]) for fn, args in calls])
    out = []
    for (fn, _), reply in zip(calls, replies, strict=True):
        if "error" in reply:
            raise RuntimeError(f"{fn.method.name}: {reply['error']}")
        out.append(fn.method.decode(reply["result"]))
    return out


def _named(abi_type: Any, value: Any) -> Any:
    """A decoded struct with its fields by name (as Ape returns it); other values as decoded."""
    if abi_type.type == "address":
        return to_checksum_address(value)  # as Ape returns addresses
    components = getattr(abi_type, "components", None)
    if not components or not abi_type.type.startswith("tuple") or abi_type.type != "tuple":
        return value
    fields = [c.name for c in components]
    cls = namedtuple("Struct", fields)  # type: ignore[misc]
    return cls(*(_named(c, v) for c, v in zip(components, value, strict=True)))
