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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts._suite.layerzero import CONFIRMATIONS, LzStack, Packet, TxFailed, lz_receive_gas

EMPTY = bytes(32)
# The endpoint's own work around the OApp's `lzReceive` (payload checks, clearing, the call itself).
DELIVERY_OVERHEAD_GAS = 100_000


@dataclass
class Delivery:
    """What happened to one packet in one pass."""

    guid: str
    route: str
    outcome: str  # "delivered", "already delivered", "verified", "refused"
    error: str = ""  # the decoded refusal, one line
    error_name: str | None = None
    error_args: tuple[Any, ...] = ()
    gas: dict[str, int] = field(default_factory=dict)


def _path(packet: Packet) -> tuple[int, str, int, str]:
    return (packet.src_eid, packet.sender, packet.dst_eid, packet.receiver)


class Relayer:
    """Moves packets between `stacks` (one per chain, keyed by endpoint id)."""

    def __init__(self, stacks: Mapping[int, LzStack], state_path: Path | None = None, *, start_blocks: Mapping[int, int] | None = None) -> None:
        self.stacks = dict(stacks)
        self.state_path = state_path
        self.next_block: dict[int, int] = {}
        self.pending: dict[str, Packet] = {}
        self.delivered: set[str] = set()
        self.refusals: dict[str, str] = {}
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

    def save(self) -> None:
        if self.state_path is None:
            return
        data = {
            "next_block": {str(k): v for k, v in self.next_block.items()},
            "pending": {g: p.to_json() for g, p in self.pending.items()},
            "delivered": sorted(self.delivered),
        }
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, self.state_path)  # atomic: a stop mid-write leaves the previous state

    # ---------------------------------------------------------------- reading

    def poll(self) -> list[Packet]:
        """New `PacketSent` packets on every chain, to a destination this relayer serves."""
        found: list[Packet] = []
        for eid, stack in self.stacks.items():
            head = int(stack.chain.w3.eth.block_number)
            start = self.next_block[eid]
            if start > head:
                continue
            for log in stack.endpoint.events.PacketSent().get_logs(from_block=start, to_block=head):
                packet = Packet.decode(bytes(log["args"]["encodedPayload"]), bytes(log["args"]["options"]))
                if packet.dst_eid in self.stacks and packet.guid not in self.delivered and packet.guid not in self.pending:
                    self.pending[packet.guid] = packet
                    found.append(packet)
            self.next_block[eid] = head + 1
            self.save()
        return found

    # ---------------------------------------------------------------- checks at the destination

    def _destination(self, packet: Packet) -> LzStack:
        return self.stacks[packet.dst_eid]

    def inbound_hash(self, packet: Packet) -> bytes:
        dst = self._destination(packet)
        return bytes(dst.endpoint.functions.inboundPayloadHash(
            packet.receiver, packet.src_eid, bytes.fromhex(packet.sender[2:]), packet.nonce
        ).call())

    def is_delivered(self, packet: Packet) -> bool:
        """The endpoint cleared it: no payload hash kept and the lazy nonce at or past it."""
        dst = self._destination(packet)
        lazy = dst.endpoint.functions.lazyInboundNonce(packet.receiver, packet.src_eid, bytes.fromhex(packet.sender[2:])).call()
        return self.inbound_hash(packet) == EMPTY and packet.nonce <= lazy

    def is_committed(self, packet: Packet) -> bool:
        return self.inbound_hash(packet) == packet.payload_hash

    # ---------------------------------------------------------------- the two jobs

    def verify(self, packet: Packet) -> dict[str, int]:
        """As the required DVN, then anyone's `commitVerification`. Skipped when already committed or
        delivered."""
        if self.is_committed(packet) or self.is_delivered(packet):
            return {}
        dst = self._destination(packet)
        chain = dst.chain
        r1 = chain.transact(dst.receive_lib.functions.verify(packet.header, packet.payload_hash, CONFIRMATIONS),
                            sender=dst.dvn, what="verify")
        r2 = chain.transact(dst.receive_lib.functions.commitVerification(packet.header, packet.payload_hash),
                            sender=dst.dvn, what="commitVerification")
        return {"verify": int(r1["gasUsed"]), "commit": int(r2["gasUsed"])}

    def deliver(self, packet: Packet) -> Delivery:
        """Verifies if needed and delivers; a refusal (the OApp reverts) leaves the packet pending."""
        route = f"{packet.src_eid}->{packet.dst_eid}"
        if packet.guid in self.delivered or self.is_delivered(packet):
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
        limit = lz_receive_gas(packet.options) + DELIVERY_OVERHEAD_GAS
        try:
            receipt = dst.chain.transact(fn, sender=dst.dvn, gas=limit, what="lzReceive")
        except TxFailed as exc:
            self.refusals[packet.guid] = str(exc)
            self.save()
            return Delivery(packet.guid, route, "refused", str(exc), exc.name, tuple(exc.args_), gas)
        gas["lzReceive"] = int(receipt["gasUsed"])
        self._done(packet)
        return Delivery(packet.guid, route, "delivered", gas=gas)

    def _done(self, packet: Packet) -> None:
        self.pending.pop(packet.guid, None)
        self.refusals.pop(packet.guid, None)
        self.delivered.add(packet.guid)
        self.save()

    # ---------------------------------------------------------------- passes

    def step(self) -> list[Delivery]:
        """One pass: read new packets, then deliver every pending one (oldest nonce first per route)."""
        self.poll()
        order = sorted(self.pending.values(), key=lambda p: (p.src_eid, p.dst_eid, p.nonce))
        return [self.deliver(p) for p in order]

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
