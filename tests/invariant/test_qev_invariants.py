"""Property tests of the QEV auction (docs/DESIGN.md, invariant 6, with invariants 3 and 8 where the
auction touches the queue).

(a) No accepted proof for f >= 2^j: the prover refuses (FeeOutOfRange); a proof for f mod 2^j under
    a commitment to f, and a proof whose top "bit" carries the overflow (so that C == sum 2^i C_i
    still holds), are refused by the Python verifier and by the contract (ProofInvalid), while an
    honest proof in the same state is accepted.
(b) A proof bound to one (chain, auction, bidder, cycle, ticket, tier) fails for any other: one field
    of the context is changed at random, the proof is refused by zk.verify and on chain, and the
    proof for the true context is accepted.
(c) A state machine over requests (any owner, handed to any controller as a ticket), ticket
    transfers at any time (bonded or not), cancels and reductions of unbonded requests, sealed bids
    (random fees, tiers 4-6, by the holder or its operator) under the default reserve fee, reveals or
    not (by anyone holding the opening), sweeps, a paginated settlement in random batches (a wrong
    order first, refused at the exact index; sometimes a batch that skips a bid, challenged), servicing
    in random batch sizes and phase changes across cycles. After every step it checks: the vault's
    escrow == sum of pending (bonds included) per an exact model (invariant 3); every request's shares
    are conserved (pending + served + forfeited + cancelled == requested) and a closed request is
    never serviced again; the total supply falls by exactly the burned bonds (less tips) and the
    serviced shares (fees included); no holder but the keeper (tips) and cancelling holders gains
    shares; settlement is strictly by fee then request order among eligible bids (read back via
    priorityAt); each servicing call emits exactly what an independent model predicts: the settled
    list first, then requests FIFO passed over while bonded (held list), then FIFO passing over bonded
    requests, at the running price, pay-as-bid fees rounded up; per-request claimable amounts sum to
    each holder's aggregate and follow the ticket (invariant 8); a cancel returns exactly the shares.

On-chain rejections are checked by `eth_call` on the exact revert data (fast: no Ape trace), and the
machine sends its transactions straight through web3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from ape import chain
from eth_utils import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from web3.logs import DISCARD

from scripts._suite.campaign import web3_contract
from scripts._suite.deployment import DEAD, USDAI
from scripts._suite.qev import make_bid
from tests.reference.shares import fill
from tests.support import depth
from tests.unit.qev.helpers import (
    BPS,
    assert_call_reverts,
    bond_for,
    cache_test_accounts,
    call_revert_data,
)
from zk import FeeOutOfRange, N, commit, context, prove, verify
from zk.rangeproof import SystemScalarSource, prove_bits, split_blinding

GAS = 5_000_000
STAKE = 10_000 * USDAI
REQUEST = 100 * USDAI
FIELDS = ("chain", "auction", "bidder", "cycle", "ticket", "tier")

blinding = st.integers(1, N - 1)
# (owner, controller, whole shares, dust): any actor may request for any controller
request_spec = st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(1, 60), st.integers(0, 10**6))
address = st.binary(min_size=20, max_size=20).map(to_checksum_address)


@pytest.fixture(autouse=True)
def _cached_test_accounts(monkeypatch: pytest.MonkeyPatch) -> None:
    cache_test_accounts(monkeypatch)


def at(t: int) -> None:
    """Mines a block at `t` and pins the next one to `t`."""
    chain.pending_timestamp = t
    chain.mine()
    chain.pending_timestamp = t


@pytest.fixture
def bid_ticket(vault, auction, alice, stake) -> int:
    """alice's request of REQUEST shares, in the current cycle's bid window."""
    stake(alice, 1_000 * USDAI)
    ticket_id = int(vault.requestRedeem(REQUEST, alice, alice, sender=alice).return_value)
    at(int(auction.windows(vault.currentCycle())[0]) + 1)
    return ticket_id


# ---------------------------------------------------------------- (a) no proof for f >= 2^j


@given(tier=st.integers(4, 13), excess=st.integers(0, 2**16), r=blinding)
def test_prove__fee_at_or_above_two_to_tier__refused(tier, excess, r):
    fee = (1 << tier) + excess
    ctx = context(42161, DEAD, DEAD, 0, 0, tier)
    with pytest.raises(FeeOutOfRange):
        prove(fee, r, tier, ctx)
    with pytest.raises(FeeOutOfRange):
        prove(-1 - excess, r, tier, ctx)


@given(
    tier=st.integers(4, 7),
    fee_seed=st.integers(0, 2**32),
    r=blinding,
    forgery=st.sampled_from(["reduced", "overflow"]),
)
def test_bid__fee_out_of_tier__no_accepted_proof(
    chain, auction, vault, alice, bid_ticket, tier, fee_seed, r, forgery
):
    fee = (1 << tier) + fee_seed % (10_001 - (1 << tier))  # in [2^j, 10000]: committable, not provable
    cycle = int(vault.currentCycle())
    ctx = context(chain.chain_id, auction.address, alice.address, cycle, bid_ticket, tier)
    c = commit(fee, r)
    if forgery == "reduced":
        proof = prove(fee % (1 << tier), r, tier, ctx)
    else:
        # Bits 0..j-2 of f and a top "bit" of f >> (j-1) >= 2: the bit commitments still sum to C.
        rng = SystemScalarSource()
        bits = [(fee >> i) & 1 for i in range(tier - 1)] + [fee >> (tier - 1)]
        forged_c, forged = prove_bits(bits, split_blinding(r, tier, rng), ctx, rng)
        assert forged_c == c
        proof = forged.to_bytes()
    assert not verify(c, tier, ctx, proof)
    assert_call_reverts(
        auction.ProofInvalid, auction.bid, bid_ticket, tier, list(c), proof, sender=alice, ticketId=bid_ticket
    )
    # Control: in the same state an honest bid of the largest fee the tier allows goes through.
    honest_c = commit((1 << tier) - 1, r)
    honest = prove((1 << tier) - 1, r, tier, ctx)
    assert call_revert_data(auction.bid, bid_ticket, tier, list(honest_c), honest, sender=alice) is None


# ---------------------------------------------------------------- (b) the context binds


@given(field=st.sampled_from(FIELDS), data=st.data())
def test_bid__proof_bound_to_other_context__rejected(chain, auction, vault, alice, bid_ticket, field, data):
    tier = data.draw(st.integers(4, 6), label="tier")
    fee = data.draw(st.integers(0, (1 << tier) - 1), label="fee")
    cycle = int(vault.currentCycle())
    true = {
        "chain_id": chain.chain_id,
        "auction": auction.address,
        "bidder": alice.address,
        "cycle_id": cycle,
        "ticket_id": bid_ticket,
        "tier": tier,
    }
    other = dict(true)
    if field == "chain":
        other["chain_id"] = data.draw(
            st.one_of(st.just(1), st.integers(0, 2**256 - 1)).filter(lambda v: v != chain.chain_id)
        )
    elif field == "auction":
        other["auction"] = data.draw(
            st.one_of(st.just(vault.address), address).filter(lambda a: a != auction.address)
        )
    elif field == "bidder":
        other["bidder"] = data.draw(address.filter(lambda a: a.lower() != alice.address.lower()))
    elif field == "cycle":
        other["cycle_id"] = data.draw(
            st.one_of(st.just(cycle + 1), st.integers(0, 2**256 - 1)).filter(lambda v: v != cycle)
        )
    elif field == "ticket":
        other["ticket_id"] = data.draw(
            st.one_of(st.just(bid_ticket + 1), st.integers(0, 2**256 - 1)).filter(lambda v: v != bid_ticket)
        )
    else:
        other["tier"] = data.draw(st.integers(0, 2**256 - 1).filter(lambda v: v != tier))
    r = 1 + data.draw(st.integers(0, N - 2), label="blinding - 1")
    c = commit(fee, r)
    true_ctx, other_ctx = context(**true), context(**other)
    rng = SystemScalarSource()
    bits = [(fee >> i) & 1 for i in range(tier)]
    # tier bits, challenge bound to the other context (for "tier" only the context's word differs)
    _, bound_elsewhere = prove_bits(bits, split_blinding(r, tier, rng), other_ctx, rng)
    proof = bound_elsewhere.to_bytes()
    assert verify(c, tier, other_ctx, proof)  # a valid proof, for the other context
    assert not verify(c, tier, true_ctx, proof)
    assert_call_reverts(
        auction.ProofInvalid, auction.bid, bid_ticket, tier, list(c), proof, sender=alice, ticketId=bid_ticket
    )
    _, bound_here = prove_bits(bits, split_blinding(r, tier, rng), true_ctx, rng)
    assert call_revert_data(auction.bid, bid_ticket, tier, list(c), bound_here.to_bytes(), sender=alice) is None


# ---------------------------------------------------------------- (c) the auction and the queue


@dataclass
class Req:
    controller: str
    owner: str
    requested: int
    created: int  # vault cycle of the request
    shares: int  # pending, not bonded
    bond: int = 0
    served: int = 0  # shares burned by servicing, fees included
    forfeited: int = 0  # bond shares swept
    cancelled: int = 0  # shares taken back by the holder
    claimable: int = 0  # serviced shares net of fees, not claimed (the machine never claims)
    closed: bool = False  # nothing left in the queue (pending and bond both zero)
    deleted: bool = False  # cancelled in full with nothing claimable: the request and ticket are gone


@dataclass
class Bid:
    opening: Any
    tier: int
    bond: int
    sealed: bool = True
    revealed: bool = False


class Env:
    """web3 handles of the contracts and the actors' addresses."""

    def __init__(
        self, vault: Any, auction: Any, usdai: Any, ticket: Any, actors: list[Any], operator: Any, keeper: Any
    ) -> None:
        self.w3 = chain.provider.web3
        self.ape_vault, self.ape_auction = vault, auction
        self.vault = web3_contract(self.w3, vault)
        self.auction = web3_contract(self.w3, auction)
        self.usdai = web3_contract(self.w3, usdai)
        self.ticket = web3_contract(self.w3, ticket)
        self.actors = [a.address for a in actors]
        self.operator = operator.address  # alice's ERC-7540 operator
        self.keeper = keeper.address
        self.keeper_account = keeper
        self.chain_id = chain.chain_id
        self.tip_bps = int(auction.keeperTipBps())

    def send(self, fn: Any, sender: str) -> Any:
        tx_hash = fn.transact({"from": sender, "gas": GAS})
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.005)
        assert receipt["status"] == 1, f"{fn.fn_name} reverted"
        return receipt

    def read(self, calls: list[Any]) -> list[Any]:
        with self.w3.batch_requests() as batch:
            for call in calls:
                batch.add(call)
            return list(batch.execute())


class QEVMachine(RuleBasedStateMachine):
    env: ClassVar[Env]

    def __init__(self) -> None:
        super().__init__()
        self.snapshot = chain.snapshot()
        e = self.env
        self.v, self.a = e.vault.functions, e.auction.functions
        self.holders = [*e.actors, e.operator, e.keeper, DEAD]
        next_id, head, _ = self.v.queueState().call()
        assert next_id == head  # nothing open at the start
        self.next_id, self.fifo_head = next_id, head
        self.requests: dict[int, Req] = {}
        self.bids: dict[tuple[int, int], Bid] = {}
        self.bid_count: dict[int, int] = {}
        self.priority: dict[int, list[tuple[int, int]]] = {}  # settled cycles
        self.cursor = (0, 0)  # the vault's priority cursor (cycle, index) before any servicing
        self.held: list[int] = []  # the vault's held list from its head
        self.reserve = int(e.ape_auction.minFeeBps())
        supply, *balances = e.read([self.v.totalSupply(), *(self.v.balanceOf(h) for h in self.holders)])
        self.supply = supply
        self.balances = dict(zip(self.holders, balances, strict=True))
        self.c = self.v.currentCycle().call()  # the auction being run
        self.phase = "pre"  # then bid, reveal, settled

    def teardown(self) -> None:
        chain.restore(self.snapshot)

    # ---------------------------------------------------------------- helpers

    def now_cycle(self) -> int:
        return self.v.currentCycle().call()

    def open_ids(self) -> list[int]:
        return sorted(rid for rid, r in self.requests.items() if not r.closed)

    def sealed(self, cycle: int) -> list[int]:
        return sorted(t for (c, t), b in self.bids.items() if c == cycle and b.sealed)

    def revealed(self, cycle: int) -> list[tuple[int, int]]:
        """(fee, ticket) of the eligible revealed bids of `cycle` (fee at or above the reserve), in
        settlement order."""
        entries = [
            (b.opening.fee_bps, t)
            for (c, t), b in self.bids.items()
            if c == cycle and b.revealed and b.opening.fee_bps >= self.reserve
        ]
        return sorted(entries, key=lambda e: (-e[0], e[1]))

    def close(self, rid: int) -> None:
        self.requests[rid].closed = True

    def check_request(self, rid: int) -> None:
        r = self.requests[rid]
        pending, bond, req, claimable = self.env.read(
            [
                self.v.pendingRedeemRequest(rid, r.controller),
                self.v.bondOf(rid),
                self.v.requestOf(rid),
                self.v.claimableRedeemRequest(rid, r.controller),
            ]
        )
        if r.deleted:  # cancelled with nothing claimable: no holder, nothing pending
            assert (int(req[0], 16), req[1], pending, bond, claimable) == (0, 0, 0, 0, 0)
        else:
            assert req[0] == r.controller
            assert (pending, bond, req[1], claimable) == (r.shares + r.bond, r.bond, r.shares, r.claimable)

    # ---------------------------------------------------------------- rules

    @initialize(specs=st.lists(request_spec, min_size=1, max_size=4))
    def open_requests_then_bid_window(self, specs):
        for spec in specs:
            self._request(*spec)
        self.c = self.now_cycle()
        self._warp(self.a.windows(self.c).call()[0])
        self.phase = "bid"

    @rule(spec=request_spec)
    def request(self, spec):
        self._request(*spec)

    @rule(data=st.data())
    def next_phase(self, data):
        """Does the current phase's work with random choices, then moves on:
        bid: random bids, 0-2 servicing calls -> the boundary (servicing now waits for the settlement);
        reveal: a random subset revealed, the reveal window closed, sweeps in random order, a wrong
        settlement order refused at its exact index, the settlement -> settled;
        settled: 0-3 servicing calls of random batch sizes -> the next cycle's bid window."""
        if self.phase == "bid":
            eligible = [rid for rid in self.open_ids() if self.requests[rid].shares > 0]
            # (Hypothesis's simplest draws are the most active ones: bid, reveal, by the controller.)
            chosen = (
                data.draw(st.lists(st.sampled_from(eligible), min_size=1, unique=True), label="bidders")
                if eligible
                else []
            )
            for rid in chosen:
                self._bid(data, rid)
            # Servicing inside the bid window may meet a waiting ticket whose bond is now locked.
            for batch in data.draw(st.lists(st.integers(1, 6), max_size=2), label="service batches"):
                self.service(batch)
            self._warp(self.a.windows(self.c).call()[1])
            self.phase = "reveal"
        elif self.phase == "reveal":
            for rid in self.sealed(self.c):
                if not data.draw(st.booleans(), label=f"leave {rid} unrevealed"):
                    self._reveal(rid, data.draw(st.integers(0, 3), label="revealed by"))
            self._warp(self.a.windows(self.c).call()[2])
            for rid in data.draw(st.permutations(self.sealed(self.c)), label="sweeps"):
                self._sweep(rid)
            self._settle_wrong_order(data)
            self._settle(data)
            self.phase = "settled"
        else:
            for batch in data.draw(st.lists(st.integers(1, 6), max_size=3), label="service batches"):
                self.service(batch)
            self.c += 1
            self._warp(self.a.windows(self.c).call()[0])
            self.phase = "bid"

    def _warp(self, t: int) -> None:
        """To one second after phase start `t` (always ahead: each phase starts after the last)."""
        assert t >= chain.blocks.head.timestamp
        at(t + 1)

    def _request(self, owner: int, controller: int, whole: int, dust: int) -> None:
        """`owner` requests for itself; for another controller it then hands over the ticket (a
        request names another controller only with its consent)."""
        e = self.env
        shares = whole * USDAI + dust
        owner_addr, controller_addr = e.actors[owner], e.actors[controller]
        receipt = e.send(self.v.requestRedeem(shares, owner_addr, owner_addr), owner_addr)
        (log,) = e.vault.events.RedeemRequest().process_receipt(receipt, errors=DISCARD)
        rid = log.args.requestId
        assert rid == self.next_id
        self.next_id += 1
        self.requests[rid] = Req(owner_addr, owner_addr, shares, self.now_cycle(), shares)
        self.balances[owner_addr] -= shares
        self.check_request(rid)
        if controller_addr != owner_addr:
            self._transfer(rid, controller_addr)

    def _transfer(self, rid: int, to: str) -> None:
        e = self.env
        r = self.requests[rid]
        e.send(e.ticket.functions.transferFrom(r.controller, to, rid), r.controller)
        r.controller = to
        self.check_request(rid)

    @rule(data=st.data())
    def transfer(self, data):
        """A ticket changes hands at any time: bonded, due, part-served or waiting for its claim."""
        live = [rid for rid, r in self.requests.items() if not r.deleted]
        if not live:
            return
        rid = data.draw(st.sampled_from(live), label="ticket")
        to = data.draw(st.sampled_from([a for a in self.env.actors if a != self.requests[rid].controller]), label="to")
        self._transfer(rid, to)

    @rule(data=st.data())
    def cancel(self, data):
        """The holder takes back part or all of an unbonded request's pending shares."""
        e = self.env
        open_ = [rid for rid in self.open_ids() if self.requests[rid].bond == 0 and self.requests[rid].shares > 0]
        if not open_:
            return
        rid = data.draw(st.sampled_from(open_), label="cancel")
        r = self.requests[rid]
        # All of it, or a part that leaves at least the minimum request.
        part = data.draw(st.sampled_from([r.shares, r.shares - USDAI]), label="amount")
        if part == 0 or (part != r.shares and r.shares - part < USDAI):
            part = r.shares
        receipt = e.send(self.v.reduceRedeemRequest(rid, part), r.controller)
        (log,) = e.vault.events.RedeemRequestReduced().process_receipt(receipt, errors=DISCARD)
        assert (log.args.shares, log.args.remaining) == (part, r.shares - part)
        r.shares -= part
        r.cancelled += part
        # Cancelling returns exactly the escrowed shares, to the ticket's holder.
        self.balances[r.controller] += part
        if r.shares == 0:
            self.close(rid)
            r.deleted = r.claimable == 0
        self.check_request(rid)

    def _bid(self, data: Any, rid: int) -> None:
        e = self.env
        tier = data.draw(st.integers(4, 6), label="tier")
        fee = data.draw(st.integers(0, (1 << tier) - 1), label="fee")
        r = self.requests[rid]
        by_operator = r.controller == e.actors[0] and data.draw(st.booleans(), label="by operator")
        sender = e.operator if by_operator else r.controller  # the ticket's holder, or alice's operator
        opening, words, proof = make_bid(e.chain_id, e.auction.address, sender, self.c, rid, fee, tier)
        receipt = e.send(self.a.bid(rid, tier, words, proof), sender)
        bond = bond_for(r.shares, tier)
        (locked,) = e.vault.events.BondLocked().process_receipt(receipt, errors=DISCARD)
        assert (locked.args.requestId, locked.args.shares) == (rid, bond)
        r.shares -= bond
        r.bond += bond
        self.bids[(self.c, rid)] = Bid(opening, tier, bond)
        self.bid_count[self.c] = self.bid_count.get(self.c, 0) + 1
        self.check_request(rid)

    def _reveal(self, rid: int, by: int) -> None:
        e = self.env
        b = self.bids[(self.c, rid)]
        op = b.opening
        sender = (e.actors + [e.keeper])[by]  # anyone holding the opening may reveal
        receipt = e.send(self.a.reveal(rid, list(op.commitment), op.fee_bps, op.blinding), sender)
        (released,) = e.vault.events.BondReleased().process_receipt(receipt, errors=DISCARD)
        assert (released.args.requestId, released.args.shares) == (rid, b.bond)
        r = self.requests[rid]
        r.shares += r.bond
        r.bond = 0
        b.sealed, b.revealed = False, True
        self.check_request(rid)

    def _sweep(self, rid: int) -> None:
        e = self.env
        b = self.bids[(self.c, rid)]
        receipt = e.send(self.a.sweep(self.c, rid), e.keeper)
        tip = b.bond * e.tip_bps // BPS
        (forfeited,) = e.vault.events.BondForfeited().process_receipt(receipt, errors=DISCARD)
        assert (forfeited.args.burnedShares, forfeited.args.tipShares) == (b.bond - tip, tip)
        self.supply -= b.bond - tip
        self.balances[e.keeper] += tip
        r = self.requests[rid]
        r.forfeited += r.bond
        r.bond = 0
        b.sealed = False
        if r.shares == 0:
            self.close(rid)  # the forfeit emptied the request
            r.deleted = r.claimable == 0
        self.check_request(rid)

    def _settle_wrong_order(self, data: Any) -> None:
        expected = self.revealed(self.c)
        if len(expected) < 2:
            return
        shuffled = data.draw(st.permutations(expected), label="wrong order")
        if shuffled == expected:
            return
        # The first entry that does not sort strictly after its predecessor is the one refused.
        index = next(
            i
            for i in range(1, len(shuffled))
            if not (
                shuffled[i][0] < shuffled[i - 1][0]
                or (shuffled[i][0] == shuffled[i - 1][0] and shuffled[i][1] > shuffled[i - 1][1])
            )
        )
        auction = self.env.ape_auction
        tickets = [t for _, t in shuffled]
        keeper = self.env.keeper_account
        assert_call_reverts(
            auction.SettlementOrderInvalid, auction.settle, self.c, tickets, sender=keeper, index=index
        )

    def _settle(self, data: Any) -> None:
        """The eligible bids in random batches; with three or more, sometimes a first batch that skips
        one, which can never finish: it is challenged and the settlement starts over."""
        e = self.env
        expected = self.revealed(self.c)
        tickets = [t for _, t in expected]
        if len(tickets) >= 3 and data.draw(st.booleans(), label="skip a bid"):
            gap = data.draw(st.integers(1, len(tickets) - 2), label="skipped")
            e.send(self.a.settle(self.c, tickets[:gap] + tickets[gap + 1 : gap + 2]), e.keeper)
            e.send(self.a.challengeSettlement(self.c, tickets[gap], gap), e.actors[1])
            assert self.a.roundOf(self.c).call()[4] == 0  # ranked: back to none
        start = 0
        while start < len(tickets) or start == 0:
            size = data.draw(st.integers(1, 4), label="batch")
            e.send(self.a.settle(self.c, tickets[start : start + size]), e.keeper)
            start += size
            if start >= len(tickets):
                break
        status, *entries = e.read(
            [self.a.priorityStatus(self.c), *(self.a.priorityAt(self.c, i) for i in range(len(expected)))]
        )
        assert tuple(status) == (True, len(expected))
        read_back = [(fee, rid) for rid, fee in entries]
        assert read_back == expected
        # Strictly by fee (descending), then request order.
        for (prev_fee, prev_id), (fee, rid) in zip(read_back, read_back[1:], strict=False):
            assert fee < prev_fee or (fee == prev_fee and rid > prev_id)
        self.priority[self.c] = [(rid, fee) for fee, rid in read_back]

    @rule(batch=st.integers(1, 6))
    def service(self, batch):
        e = self.env
        cycle = self.now_cycle()
        auction_cycle = cycle - 1
        if cycle != 0 and self.bid_count.get(auction_cycle, 0) and auction_cycle not in self.priority:
            vault = e.ape_vault
            assert_call_reverts(
                vault.SettlementPending,
                vault.serviceRedemptions,
                batch,
                sender=e.keeper_account,
                cycleId=auction_cycle,
            )
            return
        idle, reserved, nav, supply = e.read(
            [
                e.usdai.functions.balanceOf(e.vault.address),
                self.v.reservedAssets(),
                self.v.redemptionAssets(),
                self.v.totalSupply(),
            ]
        )
        assert nav == idle - reserved  # no registry: NAV is the idle USDai
        expected = self._model_service(cycle, batch, [idle - reserved, nav, supply])
        receipt = e.send(self.v.serviceRedemptions(batch), e.keeper)
        events = e.vault.events.RedemptionServiced().process_receipt(receipt, errors=DISCARD)
        got = [(ev.args.requestId, ev.args.shares, ev.args.assets, ev.args.feeShares) for ev in events]
        assert got == expected
        for rid, shares, _, _ in got:
            self.supply -= shares
            self.check_request(rid)
        assert self.v.queueState().call()[1] == self.fifo_head
        head, tail = self.v.heldState().call()
        assert tail - head == len(self.held)
        if self.held:
            assert e.read([self.v.heldAt(head + i) for i in range(len(self.held))]) == self.held

    def _model_service(self, cycle: int, batch: int, p: list[int]) -> list[tuple[int, int, int, int]]:
        """The servicing walk, independently: the settled priority list from the saved cursor, then the
        held list (requests FIFO passed over while bonded), then FIFO over due requests, passing over
        bonded ones; `p` = [liquidity, nav, supply], updated as each fill is priced."""
        out: list[tuple[int, int, int, int]] = []
        served = 0
        served_, starved, bonded = "served", "starved", "bonded"

        def serve(rid: int, fee: int) -> str:
            r = self.requests.get(rid)
            if r is None or r.deleted or r.closed:
                return served_
            if r.shares:
                # Nothing served: no liquidity for a share, or the fee would take the whole part.
                shares, fee_shares, assets = fill(r.shares, fee, p[0], p[1], p[2])
                if shares == 0:
                    return starved
                p[0] -= assets
                p[1] -= assets
                p[2] -= shares
                out.append((rid, shares, assets, fee_shares))
                r.served += shares
                r.shares -= shares
                r.claimable += shares - fee_shares
                if r.shares:
                    return starved
            if r.bond:
                return bonded
            self.close(rid)
            r.deleted = r.claimable == 0
            return served_

        if cycle != 0:
            auction_cycle = cycle - 1
            entries = self.priority.get(auction_cycle, [])
            cursor_cycle, index = self.cursor
            if cursor_cycle != auction_cycle:
                index = 0
            while index < len(entries) and served < batch and p[0] != 0:
                served += 1
                if serve(*entries[index]) == starved:
                    break
                index += 1
            self.cursor = (auction_cycle, index)
        # The held list: each entry visited at most once a call; one still bonded goes to the end.
        for _ in range(len(self.held)):
            if served >= batch or p[0] == 0:
                break
            served += 1
            rid = self.held[0]
            outcome = serve(rid, 0)
            if outcome == starved:
                break
            self.held.pop(0)
            if outcome == bonded:
                self.held.append(rid)
        due_limit = next(
            (rid for rid in sorted(self.requests) if self.requests[rid].created >= cycle), self.next_id
        )
        head = self.fifo_head
        while head < due_limit and served < batch and p[0] != 0:
            served += 1
            outcome = serve(head, 0)
            if outcome == starved:
                break
            if outcome == bonded:
                self.held.append(head)
            head += 1
        self.fifo_head = head
        return out

    # ---------------------------------------------------------------- invariants

    @invariant()
    def escrow_supply_and_balances(self):
        e = self.env
        escrow, supply, *balances = e.read(
            [
                self.v.balanceOf(e.vault.address),
                self.v.totalSupply(),
                *(self.v.balanceOf(h) for h in self.holders),
            ]
        )
        # Invariant 3: escrowed shares == sum of pending requests, bonds included.
        assert escrow == sum(r.shares + r.bond for r in self.requests.values() if not r.closed)
        # Invariant 8: per-request claimable amounts sum to each holder's aggregate (id 0) and
        # follow the ticket.
        aggregates = e.read([self.v.claimableRedeemRequest(0, a) for a in e.actors])
        for holder, aggregate in zip(e.actors, aggregates, strict=True):
            assert aggregate == sum(r.claimable for r in self.requests.values() if r.controller == holder)
        # Supply falls only by burned bonds (less tips) and serviced shares (fees included).
        assert supply == self.supply
        # Fees and bonds reach no holder but the keeper's tips.
        assert balances == [self.balances[h] for h in self.holders]

    @invariant()
    def shares_conserved(self):
        for r in self.requests.values():
            assert r.shares + r.bond + r.served + r.forfeited + r.cancelled == r.requested
            assert not r.closed or r.shares + r.bond == 0


def test_qev__random_auctions_and_servicing__invariants_hold(
    vault, auction, usdai, alice, bob, carol, keeper, accounts, stake, suite
):
    operator = accounts[11]
    # The machine models the auction and the queue with NAV = idle USDai: wM stops earning first, so
    # no base yield enters the price between a read and the next transaction (base yield has its own
    # tests: tests/integration/test_nav_attacks.py, tests/unit/vault/test_service.py).
    suite.wm.setEarnerRate(0, sender=suite.deployer)
    usdai.harvestBaseYield(sender=keeper)
    for who in (alice, bob, carol):
        stake(who, STAKE)
    vault.setOperator(operator, True, sender=alice)
    QEVMachine.env = Env(vault, auction, usdai, suite.ticket, [alice, bob, carol], operator, keeper)
    # ~2 s an example (proofs, ~40 transactions): 10 examples of 15 steps keep the whole suite under its
    # 15 minutes; a profile with its own depth (deep) runs at it.
    steps, examples = depth(15, 10)
    run_state_machine_as_test(
        QEVMachine,
        settings=settings(parent=settings.default, stateful_step_count=steps, max_examples=examples),
    )
