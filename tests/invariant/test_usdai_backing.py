"""Invariant 1 (docs/DESIGN.md): USDai is fully backed by wM.

A Hypothesis state machine drives random deposits (wM, USDC, USDT), withdrawals (to each), transfers,
harvests and time warps across three users, and after every step checks
`totalSupply <= wM.balanceOf(USDai) * 1e12` and a Python model of the supply and of every balance the
step touched; after a harvest the excess backing must be below one wM unit.

Stablecoins swap through the suite's real Uniswap V3 pools (deployed from npm). The model takes each
swap's output from Uniswap's QuoterV2 just before the swap and applies USDai's price guard to it: a swap
more than `maxDeviationBps` from the feed's $1 must be refused, and leave every balance as it was.

Every example starts from the same chain state: the machine takes a snapshot in `__init__` and
restores it in `teardown` (Ape's per-test isolation does not cover Hypothesis examples).

Speed: the machine runs hundreds of steps, so it talks to anvil through web3 directly, one RPC per
read and one `eth_sendTransaction` per write (anvil's dev accounts are unlocked), instead of Ape's
contract handlers, which add an `eth_getCode`, gas estimation and model validation to every call.
The deployment and the fixtures are Ape's as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi import decode, encode
from eth_utils import keccak
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from scripts._suite.deployment import BPS, DAY, WM
from scripts._suite.uniswap import MAX_SQRT_PRICE_X96, MIN_SQRT_PRICE_X96

SCALE = 10**12  # USDai units per wM unit
STEPS = 20  # unless the Hypothesis profile sets its own stateful_step_count
FUNDING = 10_000_000 * WM  # of each token, per user, before the machine starts
MAX_AMOUNT = 500_000 * WM
TOKENS = ("wM", "USDC", "USDT")
STABLECOINS = ("USDC", "USDT")
MAX_UINT256 = 2**256 - 1

user_index = st.integers(min_value=0, max_value=2)
percents = st.integers(min_value=1, max_value=100)


class Rpc:
    """Minimal reads and writes over web3 (see the module docstring for why)."""

    # Explicit gas and fee caps spare web3 an eth_estimateGas and the fee look-ups on every send.
    GAS = 1_000_000
    MAX_FEE_PER_GAS = 100 * 10**9

    def __init__(self, web3: Any) -> None:
        self.web3 = web3

    @staticmethod
    def _calldata(signature: str, args: tuple[Any, ...]) -> bytes:
        types = signature[signature.index("(") + 1 : -1].split(",") if not signature.endswith("()") else []
        return keccak(text=signature)[:4] + encode(types, list(args))

    def read(self, to: str, signature: str, *args: Any) -> int:
        raw = self.web3.eth.call({"to": to, "data": self._calldata(signature, args)})
        return int(decode(["uint256"], raw)[0])

    def read_many(self, calls: list[tuple[str, str, tuple[Any, ...]]]) -> list[int]:
        """uint256 views `(to, signature, args)`, read in one JSON-RPC batch."""
        with self.web3.batch_requests() as batch:
            for to, signature, args in calls:
                batch.add(self.web3.eth.call({"to": to, "data": self._calldata(signature, args)}))
            results = batch.execute()
        return [int(decode(["uint256"], raw)[0]) for raw in results]

    def quote(self, quoter: str, token_in: str, token_out: str, amount: int, fee: int) -> int:
        """QuoterV2's exact output for an exact-input swap, stopped at the adapter's price limit."""
        limit = MIN_SQRT_PRICE_X96 if int(token_in, 16) < int(token_out, 16) else MAX_SQRT_PRICE_X96
        data = keccak(text="quoteExactInputSingle((address,address,uint256,uint24,uint160))")[:4] + encode(
            ["(address,address,uint256,uint24,uint160)"], [(token_in, token_out, amount, fee, limit)]
        )
        raw = self.web3.eth.call({"to": quoter, "data": data})
        return int(decode(["uint256"], raw[:32])[0])

    def send(self, sender: str, to: str, signature: str, *args: Any, reverts: bool = False) -> None:
        tx = {
            "from": sender,
            "to": to,
            "data": self._calldata(signature, args),
            "gas": self.GAS,
            "maxFeePerGas": self.MAX_FEE_PER_GAS,
            "maxPriorityFeePerGas": 0,
        }
        tx_hash = self.web3.eth.send_transaction(tx)
        # anvil mines each transaction on arrival, but the receipt may take a moment to be visible.
        receipt = self.web3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.005)
        assert receipt["status"] == (0 if reverts else 1), f"{signature}{args}: status {receipt['status']}"

    def head_timestamp(self) -> int:
        return int(self.web3.eth.get_block("latest")["timestamp"])


@dataclass(frozen=True)
class Start:
    """What the machine needs to know about the snapshot it starts from."""

    usdai: str
    wm: str
    tokens: dict[str, str]
    quoter: str
    pool_fee: int
    max_deviation_bps: int
    users: tuple[str, ...]
    admin_fee_bps: int
    yield_recipient: str
    fee_recipient: str
    usdai_of: dict[str, int]
    supply: int


class USDaiBacking(RuleBasedStateMachine):
    # Set by the test function before the machine runs.
    chain: Any = None
    start: Start | None = None

    def __init__(self) -> None:
        super().__init__()
        self.snapshot = self.chain.snapshot()
        self.rpc = Rpc(self.chain.provider.web3)
        s = self.start
        assert s is not None
        self.s = s
        # The model: USDai balances of every account the machine moves, the supply and the users' token
        # balances.
        self.usdai_of = dict(s.usdai_of)
        self.supply = s.supply
        self.token_of = {(u, t): FUNDING for u in s.users for t in TOKENS}

    def teardown(self) -> None:
        self.chain.restore(self.snapshot)

    # ------------------------------------------------------------ helpers

    def _swap(self, token_in: str, token_out: str, amount: int) -> int:
        s = self.s
        return self.rpc.quote(s.quoter, s.tokens[token_in], s.tokens[token_out], amount, s.pool_fee)

    def _guard_refuses(self, oracle_wm: int, swap_wm: int) -> bool:
        """USDai's price guard with every feed at $1 (stablecoins and wM share 6 decimals)."""
        return abs(swap_wm - oracle_wm) * BPS > oracle_wm * self.s.max_deviation_bps

    # ------------------------------------------------------------ rules

    @initialize(
        tokens=st.lists(st.sampled_from(TOKENS), min_size=3, max_size=3),
        amounts=st.lists(st.integers(min_value=1, max_value=MAX_AMOUNT), min_size=3, max_size=3),
    )
    def everyone_deposits(self, tokens: list[str], amounts: list[int]) -> None:
        # Every user starts with a balance, so that withdrawals and transfers have something to move.
        for i in range(3):
            self.deposit(i, tokens[i], amounts[i])

    @rule(i=user_index, token=st.sampled_from(TOKENS), amount=st.integers(min_value=1, max_value=MAX_AMOUNT))
    def deposit(self, i: int, token: str, amount: int) -> None:
        user = self.s.users[i]
        amount = min(amount, self.token_of[(user, token)])
        if amount == 0:
            return
        wm_in = amount if token == "wM" else self._swap(token, "wM", amount)
        refused = token in STABLECOINS and self._guard_refuses(amount, wm_in)
        signature = "deposit(address,uint256,uint256,address)"
        self.rpc.send(user, self.s.usdai, signature, self.s.tokens[token], amount, wm_in * SCALE, user, reverts=refused)
        if refused:
            return
        self.token_of[(user, token)] -= amount
        self.usdai_of[user] += wm_in * SCALE
        self.supply += wm_in * SCALE

    @rule(i=user_index, token=st.sampled_from(TOKENS), percent=percents)
    def withdraw(self, i: int, token: str, percent: int) -> None:
        user = self.s.users[i]
        # Any share of the balance, so that sub-wM-unit remainders (protocol dust) occur.
        usdai_in = self.usdai_of[user] * percent // 100
        if token in STABLECOINS:
            usdai_in = min(usdai_in, MAX_AMOUNT * SCALE)  # within what the pool holds near 1:1
        if usdai_in < SCALE:
            return
        wm_out = usdai_in // SCALE
        amount_out = wm_out if token == "wM" else self._swap("wM", token, wm_out)
        refused = token in STABLECOINS and self._guard_refuses(amount_out, wm_out)
        signature = "withdraw(address,uint256,uint256,address)"
        self.rpc.send(user, self.s.usdai, signature, self.s.tokens[token], usdai_in, amount_out, user, reverts=refused)
        if refused:
            return
        self.usdai_of[user] -= usdai_in
        self.supply -= usdai_in
        self.token_of[(user, token)] += amount_out

    @rule(i=user_index, j=user_index, percent=percents)
    def transfer(self, i: int, j: int, percent: int) -> None:
        sender, recipient = self.s.users[i], self.s.users[j]
        amount = self.usdai_of[sender] * percent // 100
        if amount == 0:
            return
        self.rpc.send(sender, self.s.usdai, "transfer(address,uint256)", recipient, amount)
        self.usdai_of[sender] -= amount
        self.usdai_of[recipient] += amount

    @rule()
    def harvest(self) -> None:
        # Pin the next block to the head's timestamp so that the view reads what the harvest will see.
        self.chain.pending_timestamp = self.rpc.head_timestamp()
        expected = self.rpc.read(self.s.usdai, "harvestableBaseYield()")
        fee = expected * self.s.admin_fee_bps // BPS
        self.rpc.send(self.s.users[0], self.s.usdai, "harvestBaseYield()")
        self.usdai_of[self.s.yield_recipient] += expected - fee
        self.usdai_of[self.s.fee_recipient] += fee
        self.supply += expected
        backing, supply = self.rpc.read_many(
            [(self.s.wm, "balanceOf(address)", (self.s.usdai,)), (self.s.usdai, "totalSupply()", ())]
        )
        assert 0 <= backing * SCALE - supply < SCALE

    @rule(seconds=st.integers(min_value=1, max_value=90 * DAY))
    def warp(self, seconds: int) -> None:
        self.chain.pending_timestamp = self.rpc.head_timestamp() + seconds
        self.chain.mine()

    # ------------------------------------------------------------ invariants

    @invariant()
    def fully_backed_and_model_matches(self) -> None:
        # One batch: backing, supply, then every balance of the model.
        balances = [(self.s.usdai, a) for a in self.usdai_of]
        balances += [(self.s.tokens[token], user) for user, token in self.token_of]
        backing, supply, *actual = self.rpc.read_many(
            [(self.s.wm, "balanceOf(address)", (self.s.usdai,)), (self.s.usdai, "totalSupply()", ())]
            + [(token, "balanceOf(address)", (account,)) for token, account in balances]
        )
        assert supply <= backing * SCALE
        assert supply == self.supply
        assert actual == [*self.usdai_of.values(), *self.token_of.values()]


def test_usdai__random_operations__stays_fully_backed(chain, suite, deployer, alice, bob, carol):
    usdai, uniswap = suite.usdai, suite.uniswap
    assert uniswap is not None, "the machine runs over the Uniswap venue"
    users = (alice.address, bob.address, carol.address)
    tokens = {"wM": suite.wm, "USDC": suite.usdc, "USDT": suite.usdt}
    # Funded and approved once, before the machine's snapshot: every example starts from here.
    for token in tokens.values():
        for user in (alice, bob, carol):
            token.mint(user, FUNDING, sender=deployer)
            token.approve(usdai, MAX_UINT256, sender=user)
    yield_recipient, fee_recipient = usdai.baseYieldRecipient(), usdai.feeRecipient()
    USDaiBacking.chain = chain
    USDaiBacking.start = Start(
        usdai=usdai.address,
        wm=suite.wm.address,
        tokens={name: token.address for name, token in tokens.items()},
        quoter=uniswap.quoter.address,
        pool_fee=uniswap.fee,
        max_deviation_bps=usdai.priceGuard().maxDeviationBps,
        users=users,
        admin_fee_bps=usdai.adminFeeBps(),
        yield_recipient=yield_recipient,
        fee_recipient=fee_recipient,
        usdai_of={a: usdai.balanceOf(a) for a in (*users, yield_recipient, fee_recipient)},
        supply=usdai.totalSupply(),
    )

    profile = settings.default
    steps = profile.stateful_step_count
    examples = profile.max_examples
    if steps == settings.get_profile("default").stateful_step_count:
        # The profile leaves it at Hypothesis's default: keep the run short (the suite has 15 minutes).
        steps, examples = STEPS, min(examples, 15)
    run_state_machine_as_test(USDaiBacking, settings=settings(profile, stateful_step_count=steps, max_examples=examples))
