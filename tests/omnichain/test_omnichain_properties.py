"""Invariant of the omnichain tokens, as a Hypothesis state machine on the two chains: across random sends
both ways, with deliveries delayed (verified only), reordered and duplicated,

    USDai locked in the home lockbox == OFT supply on the other chain + everything in flight,

every holder's balance on both chains is what a model of the sends and deliveries says, a duplicate
delivery reverts at the endpoint and mints nothing, and the refusals the model predicts (a send over the
outbound limit governance moves at random, a send of dust only) happen exactly, moving nothing.

Every example starts from the same two snapshots (Ape's per-test isolation does not cover examples).
`HYPOTHESIS_SEED=N` replays a run (passes are seeded from it).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, ClassVar

from hypothesis import event, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from web3.logs import DISCARD

from scripts._suite.layerzero import EID_ARBITRUM, EID_ETHEREUM, Packet, TxFailed
from scripts._suite.omnichain import Omnichain, locked_and_supply, send_tokens

UNIT = 10**18
STEP = 10**12  # one shared-decimals unit
FUNDING = 10_000 * UNIT
STEPS = 12
EXAMPLES = 10
REFUSALS: dict[str, int] = {}  # what the run refused, by error (printed)


class OmnichainConservation(RuleBasedStateMachine):
    omni: ClassVar[Omnichain]
    users: ClassVar[tuple[str, ...]]
    dvn: ClassVar[str]
    owner: ClassVar[str]

    def __init__(self) -> None:
        super().__init__()
        self.home, self.remote = self.omni.home, self.omni.remotes[0]
        self.snapshots = (self.home.chain.snapshot(), self.remote.chain.snapshot())
        self.relayer = self.omni.relayer()
        self.usdai = self.home.chain.contract("USDai", self.home.tokens["USDai"])
        self.oft = self.remote.oapps["USDai"]
        self.home_balance = {u: int(self.usdai.functions.balanceOf(u).call()) for u in self.users}
        self.remote_balance = dict.fromkeys(self.users, 0)
        self.locked, self.supply = locked_and_supply(self.omni, "USDai")
        self.in_flight: dict[str, tuple[int, str, int]] = {}  # guid -> (dst eid, recipient, amount)
        self.seen: list[Packet] = []  # packets read from the chains, in any state
        self.delivered: list[Packet] = []
        # The home lockbox's outbound limit to the remote, modelled: time is frozen in these tests (nothing
        # drains), so the room is the limit less everything sent since the example began.
        self.outbound_limit = self.omni.params.outbound_limit
        self.counted = 0

    def teardown(self) -> None:
        self.home.chain.revert(self.snapshots[0])
        self.remote.chain.revert(self.snapshots[1])

    # ---------------------------------------------------------------- sends

    def _send(self, part: Any, sender: str, recipient: str, amount: int, dst_eid: int) -> int:
        receipt = send_tokens(part, "USDai", sender, amount, dst_eid, recipient=recipient)
        sent = amount - amount % STEP
        guid = part.oapps["USDai"].events.OFTSent().process_receipt(receipt, errors=DISCARD)[0]["args"]["guid"]
        self.in_flight["0x" + bytes(guid).hex()] = (dst_eid, recipient, sent)
        return sent

    @rule(s=st.integers(0, 1), r=st.integers(0, 1), units=st.integers(0, 2_000 * 10**6), dust=st.integers(0, STEP - 1))
    def send_to_remote(self, s: int, r: int, units: int, dust: int) -> None:
        """Any amount the sender holds, dust-only ones included; over the limit's room it is refused."""
        sender, recipient = self.users[s], self.users[r]
        amount = min(units * STEP + dust, self.home_balance[sender])
        if amount == 0:
            return
        sent = amount - amount % STEP
        room = max(0, self.outbound_limit - self.counted)
        refusal = ("SendAmountZero", (amount,)) if sent == 0 else (
            ("RateLimitExceeded", (EID_ETHEREUM, True, sent, room)) if sent > room else None
        )
        if refusal is not None:
            try:
                self._send(self.home, sender, recipient, amount, EID_ETHEREUM)
            except TxFailed as exc:
                assert (exc.name, tuple(exc.args_)) == refusal, exc
                event(f"refused: {exc.name}")
                REFUSALS[exc.name] = REFUSALS.get(exc.name, 0) + 1
            else:
                raise AssertionError(f"a send of {amount} went through; expected {refusal}")
            return
        self._send(self.home, sender, recipient, amount, EID_ETHEREUM)
        self.home_balance[sender] -= sent
        self.locked += sent
        self.counted += sent

    @rule(s=st.integers(0, 1), dust=st.integers(1, STEP - 1))
    def send_dust_only(self, s: int, dust: int) -> None:
        self.send_to_remote(s, s, 0, dust)

    @rule(units=st.integers(0, 200))
    def set_outbound_limit(self, units: int) -> None:
        """Governance tightens or loosens the route (what is in flight stays counted)."""
        self.outbound_limit = units * UNIT
        box = self.home.oapps["USDai"]
        p = self.omni.params
        self.home.chain.transact(
            box.functions.setRateLimits(EID_ETHEREUM, self.outbound_limit, p.window, p.inbound_limit, p.window),
            sender=self.owner,
        )

    @precondition(lambda self: any(self.remote_balance.values()))
    @rule(s=st.integers(0, 1), r=st.integers(0, 1), fraction=st.integers(1, 100))
    def send_home(self, s: int, r: int, fraction: int) -> None:
        sender, recipient = self.users[s], self.users[r]
        amount = self.remote_balance[sender] * fraction // 100
        if amount < STEP:
            return
        sent = self._send(self.remote, sender, recipient, amount, EID_ARBITRUM)
        self.remote_balance[sender] -= sent
        self.supply -= sent

    # ---------------------------------------------------------------- the relayer, out of order

    @rule()
    def read_packets(self) -> None:
        self.seen += self.relayer.poll()

    @precondition(lambda self: any(p.guid in self.in_flight for p in self.seen))
    @rule(pick=st.integers(0, 10**6), verify_only=st.booleans())
    def deliver_any(self, pick: int, verify_only: bool) -> None:
        """Any packet read so far, in any order; sometimes only verified (a delayed delivery)."""
        waiting = [p for p in self.seen if p.guid in self.in_flight]
        packet = waiting[pick % len(waiting)]
        if verify_only:
            self.relayer.verify(packet)
            return
        outcome = self.relayer.deliver(packet)
        assert outcome.outcome == "delivered", outcome
        dst_eid, recipient, amount = self.in_flight.pop(packet.guid)
        if dst_eid == EID_ETHEREUM:
            self.remote_balance[recipient] += amount
            self.supply += amount
        else:
            self.home_balance[recipient] += amount
            self.locked -= amount
        self.delivered.append(packet)

    @precondition(lambda self: self.delivered)
    @rule(pick=st.integers(0, 10**6))
    def deliver_again(self, pick: int) -> None:
        """A duplicate straight to the endpoint (a faulty or hostile executor): refused, nothing minted."""
        packet = self.delivered[pick % len(self.delivered)]
        part = self.omni.by_eid(packet.dst_eid)
        fn = part.lz.endpoint.functions.lzReceive(packet.origin, packet.receiver, bytes.fromhex(packet.guid[2:]),
                                                  packet.message, b"")
        try:
            part.chain.transact(fn, sender=self.dvn)
        except TxFailed as exc:
            assert exc.name == "LZ_PayloadHashNotFound", exc
        else:
            raise AssertionError(f"packet {packet.guid} was delivered twice")
        assert self.relayer.deliver(packet).outcome == "already delivered"

    # ---------------------------------------------------------------- what must always hold

    @invariant()
    def locked_covers_supply_and_in_flight(self) -> None:
        locked, supply = locked_and_supply(self.omni, "USDai")
        assert (locked, supply) == (self.locked, self.supply)
        assert locked == supply + sum(amount for _, _, amount in self.in_flight.values())

    @invariant()
    def balances_match_the_model(self) -> None:
        for user in self.users:
            assert self.usdai.functions.balanceOf(user).call() == self.home_balance[user]
            assert self.oft.functions.balanceOf(user).call() == self.remote_balance[user]


def test_omnichain__random_sends_and_out_of_order_deliveries__locked_equals_supply_plus_in_flight(
    omni: Omnichain, mint_usdai: Callable[..., int], alice: Any, bob: Any, dvn: Any, governance: Any
) -> None:
    for user in (alice, bob):
        mint_usdai(user, FUNDING // 10**12)
        omni.home.chain.transact(
            omni.home.chain.contract("USDai", omni.home.tokens["USDai"]).functions.approve(
                omni.home.oapps["USDai"].address, 2**256 - 1
            ),
            sender=user.address,
        )
    REFUSALS.clear()
    OmnichainConservation.omni = omni
    OmnichainConservation.users = (alice.address, bob.address)
    OmnichainConservation.dvn = dvn.address
    OmnichainConservation.owner = governance.address
    profile = settings.default
    steps, examples = profile.stateful_step_count, profile.max_examples
    if steps == settings.get_profile("default").stateful_step_count:
        steps, examples = STEPS, min(examples, EXAMPLES)
    # The run must reach the refusals the machine predicts, not only the happy path: seeded passes (the
    # first is HYPOTHESIS_SEED, default 0: replayable) until both were seen, at most four.
    first_seed = int(os.environ.get("HYPOTHESIS_SEED", "0"))
    for attempt in range(4):
        run_state_machine_as_test(
            seed(first_seed + attempt)(OmnichainConservation),
            settings=settings(profile, derandomize=False, database=None, stateful_step_count=steps, max_examples=examples),
        )
        if REFUSALS.get("RateLimitExceeded") and REFUSALS.get("SendAmountZero"):
            break
    print("refusals:", REFUSALS)
    assert REFUSALS.get("RateLimitExceeded") and REFUSALS.get("SendAmountZero"), REFUSALS
