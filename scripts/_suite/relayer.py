"""The DVN and the executor of local chains, off chain: reads `PacketSent` on every chain, verifies each
packet at its destination's `ReceiveUln302` (as the required DVN), commits the verification and delivers
it through `EndpointV2.lzReceive` (as the executor). Local chains only: on live chains LayerZero's DVNs
and executors do this work.

Every step is idempotent and checked against the destination endpoint before it is taken:
- a packet whose nonce the endpoint already cleared (`inboundPayloadHash` empty, nonce at or below
  `lazyInboundNonce`) is recorded as delivered and never sent again;
- a packet already committed (`inboundPayloadHash` equals its payload hash) is not verified again.

Its state (the last block read on each chain and the packets not yet delivered) is written to a JSON file
after every step, so a relayer stopped at any point and started again loses no packet and delivers none
twice. Use `step()` for tests (one pass) and `run()` for the demo (polling).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils.crypto import keccak
from web3 import Web3

from scripts._suite.layerzero import CONFIRMATIONS, LzStack, Packet, TxFailed, lz_compose_gas, lz_receive_gas

EMPTY = bytes(32)
# The endpoint's own work around the OApp's `lzReceive` (payload checks, clearing, the call itself).
DELIVERY_OVERHEAD_GAS = 100_000


@dataclass
class Delivery:
    """What happened to one packet in one pass."""

    guid: str
    route: str
    outcome: str  # "delivered", "already delivered" or "refused" (held at the endpoint, still pending)
    error: str = ""  # the decoded refusal, one line
    error_name: str | None = None
    error_args: tuple[Any, ...] = ()
    gas: dict[str, int] = field(default_factory=dict)


Route = tuple[int, str, int, str]  # (source eid, sender as bytes32 hex, destination eid, receiver address)
ComposeRoute = tuple[int, str, str]  # (eid, composing OApp, composer)
RECEIVED = (1).to_bytes(32, "big")  # the endpoint's mark of a compose delivered


@dataclass(frozen=True)
class Compose:
    """A compose an OApp queued at its endpoint (`ComposeSent`), to be delivered to `to` by `lzCompose`."""

    eid: int
    sender: str  # the OApp that composed (the lockbox)
    to: str  # the composer
    guid: str
    index: int
    message: bytes
    gas: int
    value: int = 0  # wei the sender's options asked the executor to attach

    @property
    def key(self) -> str:
        return f"{self.eid}:{self.guid}:{self.index}:{self.to}"

    def to_json(self) -> dict[str, Any]:
        return {"eid": self.eid, "from": self.sender, "to": self.to, "guid": self.guid, "index": self.index,
                "message": "0x" + self.message.hex(), "gas": self.gas, "value": self.value}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Compose:
        return cls(int(d["eid"]), d["from"], d["to"], d["guid"], int(d["index"]), bytes.fromhex(d["message"][2:]),
                   int(d["gas"]), int(d.get("value", 0)))


def _path(packet: Packet) -> Route:
    return (packet.src_eid, packet.sender.lower(), packet.dst_eid, packet.receiver)


class Relayer:
    """Moves packets between `stacks` (one per chain, keyed by endpoint id)."""

    def __init__(
        self,
        stacks: Mapping[int, LzStack],
        routes: Collection[Route],
        state_path: Path | None = None,
        *,
        compose_routes: Collection[ComposeRoute] = (),
        default_compose_gas: int = 0,
        start_blocks: Mapping[int, int] | None = None,
    ) -> None:
        """`routes` are the (source eid, sender as bytes32 hex, destination eid, receiver) paths it serves:
        every other packet on the endpoints is someone else's and is never touched (a stranger's packet to
        a receiver that does not know its sender could never be committed and would block the queue).
        `compose_routes` are the (eid, composing OApp, composer) pairs whose composes it delivers;
        `default_compose_gas` is the gas of a compose whose packet it never read (sent before its state
        began): the enforced amount.
        Without a state file it reads from `start_blocks` (default: the next block)."""
        self.stacks = dict(stacks)
        self.routes = {(src, sender.lower(), dst, Web3.to_checksum_address(receiver)) for src, sender, dst, receiver in routes}
        self.compose_routes = {(eid, Web3.to_checksum_address(a), Web3.to_checksum_address(b)) for eid, a, b in compose_routes}
        self.state_path = state_path
        self.next_block: dict[int, int] = {}
        self.pending: dict[str, Packet] = {}
        self.delivered: set[str] = set()
        self.composes: dict[str, Compose] = {}  # queued at an endpoint, not yet delivered
        self.default_compose_gas = default_compose_gas
        self.compose_gas: dict[str, tuple[int, int]] = {}  # guid -> (gas, value) its packet's options asked for
        if state_path is not None and state_path.is_file():
            self._load(json.loads(state_path.read_text()))
        for eid, stack in self.stacks.items():
            if eid not in self.next_block:
                self.next_block[eid] = (start_blocks or {}).get(eid, int(stack.chain.w3.eth.block_number) + 1)

    # ---------------------------------------------------------------- state

    def _load(self, data: Mapping[str, Any]) -> None:
        self.next_block = {int(k): int(v) for k, v in data["next_block"].items()}
        self.pending = {g: Packet.from_json(p) for g, p in data["pending"].items()}
        self.delivered = set(data.get("delivered", []))
        self.composes = {k: Compose.from_json(c) for k, c in data.get("composes", {}).items()}
        self.compose_gas = {g: (int(v[0]), int(v[1])) for g, v in data.get("compose_gas", {}).items()}

    def save(self) -> None:
        if self.state_path is None:
            return
        data = {
            "next_block": {str(k): v for k, v in self.next_block.items()},
            "pending": {g: p.to_json() for g, p in self.pending.items()},
            "delivered": sorted(self.delivered),
            "composes": {k: c.to_json() for k, c in self.composes.items()},
            "compose_gas": self.compose_gas,
        }
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, self.state_path)  # atomic: a stop mid-write leaves the previous state

    # ---------------------------------------------------------------- reading

    def poll(self) -> list[Packet]:
        """New `PacketSent` packets on every chain, on a route this relayer serves."""
        found: list[Packet] = []
        moved = False
        for eid, stack in self.stacks.items():
            head = int(stack.chain.w3.eth.block_number)
            start = self.next_block[eid]
            if start > head:
                continue
            for log in stack.endpoint.events.PacketSent().get_logs(from_block=start, to_block=head):
                packet = Packet.decode(bytes(log["args"]["encodedPayload"]), bytes(log["args"]["options"]))
                if _path(packet) in self.routes and packet.guid not in self.delivered and packet.guid not in self.pending:
                    self.pending[packet.guid] = packet
                    found.append(packet)
                    asked = lz_compose_gas(packet.options)
                    if any(asked) and any(route[0] == packet.dst_eid for route in self.compose_routes):
                        self.compose_gas[packet.guid] = asked
            if any(route[0] == eid for route in self.compose_routes):
                for log in stack.endpoint.events.ComposeSent().get_logs(from_block=start, to_block=head):
                    args = log["args"]
                    if (eid, args["from"], args["to"]) not in self.compose_routes:
                        continue
                    guid = "0x" + bytes(args["guid"]).hex()
                    gas, value = self.compose_gas.get(guid, (self.default_compose_gas, 0))
                    compose = Compose(eid, args["from"], args["to"], guid, int(args["index"]), bytes(args["message"]),
                                      gas or self.default_compose_gas, value)
                    self.composes.setdefault(compose.key, compose)
            self.next_block[eid] = head + 1
            moved = True
        if moved:
            self.save()  # the packets found and the blocks read, together
        return found

    # ---------------------------------------------------------------- checks at the destination

    def _destination(self, packet: Packet) -> LzStack:
        return self.stacks[packet.dst_eid]

    def status(self, packet: Packet) -> str:
        """What the destination endpoint holds for the packet: "delivered" (its payload hash cleared and
        the lazy nonce at or past it), "committed" (its payload hash stored) or "open"."""
        dst = self._destination(packet)
        sender = bytes.fromhex(packet.sender[2:])
        stored = bytes(dst.endpoint.functions.inboundPayloadHash(packet.receiver, packet.src_eid, sender, packet.nonce).call())
        if stored == packet.payload_hash:
            return "committed"
        if stored == EMPTY and packet.nonce <= dst.endpoint.functions.lazyInboundNonce(packet.receiver, packet.src_eid, sender).call():
            return "delivered"
        return "open"

    # ---------------------------------------------------------------- the two jobs

    def verify(self, packet: Packet) -> dict[str, int]:
        """As the required DVN, then anyone's `commitVerification`. Skipped when already committed or
        delivered."""
        if self.status(packet) != "open":
            return {}
        dst = self._destination(packet)
        chain = dst.chain
        receive_lib, dvn = dst.local()
        r1 = chain.transact(receive_lib.functions.verify(packet.header, packet.payload_hash, CONFIRMATIONS),
                            sender=dvn, what="verify")
        r2 = chain.transact(receive_lib.functions.commitVerification(packet.header, packet.payload_hash),
                            sender=dvn, what="commitVerification")
        return {"verify": int(r1["gasUsed"]), "commit": int(r2["gasUsed"])}

    def deliver(self, packet: Packet) -> Delivery:
        """Verifies if needed and delivers; a refusal (the OApp reverts) leaves the packet pending."""
        route = f"{packet.src_eid}->{packet.dst_eid}"
        if packet.guid in self.delivered or self.status(packet) == "delivered":
            self._done(packet)
            return Delivery(packet.guid, route, "already delivered")
        # The endpoint delivers out of order only past verified nonces: every earlier packet of the same
        # path is verified first (a DVN verifies in order; execution may then come in any order).
        for earlier in sorted(self.pending.values(), key=lambda p: p.nonce):
            if earlier.nonce < packet.nonce and _path(earlier) == _path(packet):
                self.verify(earlier)
        gas = self.verify(packet)
        dst = self._destination(packet)
        fn = dst.endpoint.functions.lzReceive(packet.origin, packet.receiver, bytes.fromhex(packet.guid[2:]), packet.message, b"")
        # The sender's options set the gas (LayerZero's executor adds the enforced and the extra ones up);
        # never more than a block holds, or the node refuses the transaction outright.
        block_gas = int(dst.chain.w3.eth.get_block("latest")["gasLimit"])
        limit = min(lz_receive_gas(packet.options) + DELIVERY_OVERHEAD_GAS, block_gas)
        try:
            receipt = dst.chain.transact(fn, sender=dst.local()[1], gas=limit, what="lzReceive")
        except TxFailed as exc:
            return Delivery(packet.guid, route, "refused", str(exc), exc.name, tuple(exc.args_), gas)
        gas["lzReceive"] = int(receipt["gasUsed"])
        self._done(packet)
        return Delivery(packet.guid, route, "delivered", gas=gas)

    def compose_status(self, compose: Compose) -> str:
        """"delivered" (the endpoint marked it received), "queued" (its hash waits) or "open"."""
        endpoint = self.stacks[compose.eid].endpoint
        stored = bytes(endpoint.functions.composeQueue(compose.sender, compose.to, bytes.fromhex(compose.guid[2:]),
                                                       compose.index).call())
        if stored == RECEIVED:
            return "delivered"
        return "queued" if stored == keccak(compose.message) else "open"

    def deliver_compose(self, compose: Compose) -> Delivery:
        """As the executor: `EndpointV2.lzCompose` with the gas the packet's options asked for. A refusal
        (the composer reverts) leaves it queued at the endpoint and pending here."""
        route = f"compose {compose.eid}"
        if self.compose_status(compose) == "delivered":
            self._compose_done(compose)
            return Delivery(compose.guid, route, "already delivered")
        stack = self.stacks[compose.eid]
        fn = stack.endpoint.functions.lzCompose(compose.sender, compose.to, bytes.fromhex(compose.guid[2:]), compose.index,
                                                compose.message, b"")
        block_gas = int(stack.chain.w3.eth.get_block("latest")["gasLimit"])
        try:
            receipt = stack.chain.transact(fn, sender=stack.local()[1], value=compose.value,
                                           gas=min(compose.gas + DELIVERY_OVERHEAD_GAS, block_gas), what="lzCompose")
        except TxFailed as exc:
            return Delivery(compose.guid, route, "refused", str(exc), exc.name, tuple(exc.args_))
        self._compose_done(compose)
        return Delivery(compose.guid, route, "delivered", gas={"lzCompose": int(receipt["gasUsed"])})

    def _compose_done(self, compose: Compose) -> None:
        self.composes.pop(compose.key, None)
        self.compose_gas.pop(compose.guid, None)
        self.save()

    def _done(self, packet: Packet) -> None:
        self.pending.pop(packet.guid, None)
        self.delivered.add(packet.guid)
        self.save()

    # ---------------------------------------------------------------- passes

    def step(self) -> list[Delivery]:
        """One pass: read new packets, then deliver every pending one (oldest nonce first per route)."""
        self.poll()
        order = sorted(self.pending.values(), key=lambda p: (p.src_eid, p.dst_eid, p.nonce))
        deliveries = [self._guarded(self.deliver, p, p.guid, f"{p.src_eid}->{p.dst_eid}") for p in order]
        if self.compose_routes:
            self.poll()  # the composes those deliveries queued
            deliveries += [self._guarded(self.deliver_compose, c, c.guid, f"compose {c.eid}") for c in list(self.composes.values())]
        return deliveries

    @staticmethod
    def _guarded(job: Callable[[Any], Delivery], item: Any, guid: str, route: str) -> Delivery:
        """One packet's or compose's failure (a node error) never stops the others."""
        try:
            return job(item)
        except Exception as exc:  # noqa: BLE001
            return Delivery(guid, route, "refused", f"{type(exc).__name__}: {exc}")

    def run(self, *, until: Callable[[], bool], interval: float = 0.2, timeout: float = 60.0,
            on_delivery: Callable[[Delivery], None] | None = None) -> None:
        """Polls until `until()` is true (the demo's relayer); a timeout is an error."""
        deadline = time.monotonic() + timeout
        while not until():
            for delivery in self.step():
                if on_delivery is not None:
                    on_delivery(delivery)
            if time.monotonic() > deadline:
                raise TimeoutError(f"relayer: still {len(self.pending)} packet(s) pending after {timeout:.0f} s")
            time.sleep(interval)
