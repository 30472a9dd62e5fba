"""The system-wide campaign: one Hypothesis state machine over the whole suite as `deploy_suite` deploys
it (USDai, sUSDai and its module, the FiLo ledger and loan book, CALIBER, the QEV auction, the ticket,
wM/USDC/USDT and Uniswap V3 deployed from npm; no mocks), with three holders, one of them an adversary.

alice and bob are honest. mallory times her calls: she deposits, stakes, requests, reduces, claims,
harvests and bids right before and after boundaries (the machine's warps land a second either side of
cycle boundaries, bid windows and loan deadlines) and settles the auction in her own order. Keepers
service, mark and sweep; the curator originates and liquidates; appraisals move; time passes.

Every rule takes plain integers (no draws inside a rule), so a run is its list of (rule, arguments):
`TRANSCRIPT` holds the current example's, and `replay()` runs one on a fresh chain outside Hypothesis
(`make fuzz`, `make replay`: scripts/fuzz.py, scripts/replay.py; the suite's run: tests/system/).
A rule that finds nothing to act on is recorded as skipped; a refused call records the contract's
custom error (a refusal is not a failure: the invariants decide).

Invariants after every step (PROTOCOL 7; docs/INVARIANTS.md maps each clause here):
- `backing` (1): USDai's supply is at most its wM backing.
- `vault_is_the_truth` (2, 7): sUSDai's two NAVs are its idle USDai, the base yield it is owed
  (computed here from wM's own figures, not the vault's) and the ledger's senior NAVs.
- `escrow` (3): the vault's own shares are the pending requests plus bonds; FIFO never passed one.
- `claims` (8): reserved USDai is the sum of per-request claims.
- `ledger` (4, 7): `seniorNav` is the sum of the stacks; the ledger's USDai is what it accounts for;
  and (checked inside the step that does it) a senior loss is taken only once junior capital is gone.
- `pledged_receipts` (5): a pledged receipt is the book's.
- `settlement` (6): a settled list is strictly by fee, then request order.
- `conservation`: every USDai is held by an actor, a contract of the suite or a fee recipient.
- `adversary_bound` (7): mallory's worth (USDai, shares and pending at the true redemption price,
  claimable USDai) never exceeds what she put in plus what the true price gave every share she held
  while others acted and time passed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, ClassVar

from eth_utils.crypto import keccak
from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from scripts._suite.credit import mint_receipt, open_stack, originate
from scripts._suite.deployment import DAY, USDAI, WM, Suite, deploy_suite
from scripts._suite.fastviews import FastViews, read_batch
from zk import N, commit, context, prove

# SharesMathLib's virtual assets and shares (the price is (assets + VIRTUAL) / (supply + VIRTUAL)).
VIRTUAL = 10**6
ACTORS = ("alice", "bob", "mallory")
MALLORY = 2
GAS = 3_000_000
BPS = 10_000
ACTIVE, DEFAULTED = 1, 3
# Offsets a warp lands on, either side of a boundary (seconds).
EDGES = (-3_601, -61, -1, 0, 1, 61, 3_601)

# The example being run: [{"rule", "args", "result"}], replaced by each new machine.
TRANSCRIPT: list[dict[str, Any]] = []
# Called with each step's rule name as it is recorded (`make fuzz` counts steps per second with it).
STEP_HOOKS: list[Callable[[str], None]] = []


class Refused(Exception):
    """A transaction reverted; `name` is the decoded custom error."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def web3_contract(w3: Any, contract: Any) -> Any:
    """A web3 handle of an Ape contract (same address and ABI): raw, fast transactions."""
    abi = [item.model_dump(mode="json", by_alias=True) for item in contract.contract_type.abi]
    return w3.eth.contract(address=contract.address, abi=abi)


class Env:
    """The suite, its web3 handles, the actors and the error table; built once per campaign."""

    def __init__(self, suite: Suite, accounts: list[Any]) -> None:
        from ape import chain

        self.suite = suite
        self.chain = chain
        self.w3 = chain.provider.web3
        self.rpc = chain.provider.web3.provider.make_request
        names = ("usdai", "vault", "registry", "loan_book", "caliber", "auction", "ticket", "wm", "usdc", "usdt")
        self.c = {n: web3_contract(self.w3, getattr(suite, n)) for n in names}
        self.ape = {n: getattr(suite, n) for n in names}
        self.fast = {n: FastViews(contract) for n, contract in self.ape.items()}
        self.holders = accounts[:3]
        self.keeper, self.curator, self.borrower, self.strategist = accounts[3:7]
        self.governance = suite.governance
        self.stack = 0
        self.loans: list[int] = []
        self.receipts: dict[int, list[int]] = {}
        self.gas_price = 2 * int(self.rpc("eth_gasPrice", [])["result"], 16) + 10**9
        # Everyone who may hold USDai: the actors, the suite's contracts, fee and seed holders.
        self.usdai_holders = {a.address for a in (*accounts[:7], suite.governance, suite.deployer)}
        self.usdai_holders |= {getattr(suite, n).address for n in names}
        self.usdai_holders.add(suite.usdai.feeRecipient())
        self.errors: dict[bytes, str] = {}
        for contract in (*self.ape.values(), suite.swap_adapter):  # the adapter's errors surface through USDai
            for item in contract.contract_type.abi:
                if item.type == "error":
                    self.errors[keccak(text=item.selector)[:4]] = item.name

    def send(self, contract: str, fn: str, *args: Any, sender: Any) -> Any:
        """Sends without estimating (fixed gas); a revert raises Refused with the decoded error."""
        call = getattr(self.c[contract].functions, fn)(*args)
        tx = {"from": sender.address, "to": self.c[contract].address, "gas": hex(GAS), "gasPrice": hex(self.gas_price),
              "data": call._encode_transaction_data()}
        # Raw JSON-RPC: web3's transact would ask the node for fees and a nonce on every call.
        sent = self.rpc("eth_sendTransaction", [tx])
        if "error" in sent:
            raise RuntimeError(f"{contract}.{fn}: {sent['error']}")
        receipt = None
        while receipt is None:  # automine: mined at once, though the receipt may lag the reply
            receipt = self.rpc("eth_getTransactionReceipt", [sent["result"]])["result"]
        if int(receipt["status"], 16) != 1:
            raise Refused(self._why(call, {"from": sender.address, "gas": GAS}, int(receipt["blockNumber"], 16)))
        return receipt

    def _why(self, call: Any, tx: dict[str, Any], block: int) -> str:
        try:
            call.call(tx, block_identifier=block - 1)
        except Exception as exc:  # the node's revert: decode its data
            data = getattr(exc, "data", None)
            raw = bytes.fromhex(data[2:]) if isinstance(data, str) and data.startswith("0x") else b""
            return self.errors.get(raw[:4], raw[:4].hex() or str(exc)[:60])
        return "reverted (not reproducible by a call)"

    def view(self, contract: str, fn: str, *args: Any) -> Any:
        return getattr(self.fast[contract], fn)(*args)

    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def warp_to(self, timestamp: int) -> None:
        self.rpc("evm_setNextBlockTimestamp", [max(timestamp, self.now() + 1)])
        self.rpc("evm_mine", [])


@dataclass
class Fair:
    """mallory's account: what she put in, and the passive gains of the shares she held."""

    put_in: Fraction = Fraction(0)
    worth_at_start: Fraction = Fraction(0)


@dataclass
class Round:
    cycle: int
    openings: dict[int, tuple[int, int, tuple[int, int]]] = field(default_factory=dict)  # ticket -> fee, blinding, C


@dataclass
class State:
    """One step's reading of the chain (`SystemMachine.state`)."""

    usdai_supply: int
    wm_backing: int
    true_assets: tuple[int, int]  # deposit, redemption: idle + owed base yield (from wM) + senior NAVs
    vault_assets: tuple[int, int]  # totalAssets, redemptionAssets
    supply: int
    reserved: int
    escrow_balance: int
    escrowed: int
    queue: tuple[int, int, int]
    senior_nav: tuple[int, int]
    stack_nav: tuple[int, int]
    registry_usdai: int
    accounted: int
    stack: Any
    junior: tuple[int, int]
    requests: dict[int, tuple[Any, int, Any]]  # id -> (request, bond, claim)
    loans: dict[int, Any]
    usdai_held: int
    mallory_wallet: int
    mallory_claimable: int
    mallory_usdai: int
    mallory: str

    @property
    def redemption_price(self) -> Fraction:
        return Fraction(self.true_assets[1] + VIRTUAL, self.supply + VIRTUAL)

    @property
    def mallory_shares(self) -> int:
        """Her wallet, her requests' pending shares and her bonds."""
        pending = sum(int(r.shares) + bond for r, bond, _ in self.requests.values() if r.controller == self.mallory)
        return self.mallory_wallet + pending


class SystemMachine(RuleBasedStateMachine):
    env: ClassVar[Env]

    def __init__(self) -> None:
        super().__init__()
        e = self.env
        self.snapshot = e.rpc("evm_snapshot", [])["result"]
        self.requests: set[int] = set()  # request ids not yet deleted by the vault
        self.loans: list[int] = []
        self.receipts: dict[int, list[int]] = {}
        self.stack = 0
        self.rounds: dict[int, Round] = {}
        self.checked_rounds: set[int] = set()
        self.fair = Fair()
        self.ops = 0
        self._state: State | None = None
        TRANSCRIPT.clear()

    def teardown(self) -> None:
        self.env.rpc("evm_revert", [self.snapshot])

    # ---------------------------------------------------------------- bookkeeping

    def _record(self, name: str, args: dict[str, Any], result: str) -> None:
        TRANSCRIPT.append({"rule": name, "args": args, "result": result})
        for hook in STEP_HOOKS:
            hook(name)

    def _run(self, name: str, args: dict[str, Any], body: Callable[[], str | None]) -> None:
        """Runs one rule and records it. mallory is credited what the true price gave the shares she
        held going in (whoever acted: a fee burned by servicing is every holder's), and her own
        money in or out inside the rule; anything else she gains is value taken from others."""
        before = self.state()
        try:
            result = body() or "ok"
        except Refused as refused:
            result = f"refused: {refused.name}"
        self.ops += 1
        self._state = None
        after = self.state()
        self.fair.put_in += before.mallory_shares * (after.redemption_price - before.redemption_price)
        self._record(name, args, result)
        if after.stack.seniorLoss > before.stack.seniorLoss:
            # Invariant 4, at the moment a loss reaches the senior: junior capital is gone.
            assert after.junior == (0, 0), f"senior loss taken while junior capital {after.junior} remains"

    # ---------------------------------------------------------------- truth (computed here, not read from the vault)

    def state(self) -> State:
        """Everything the invariants and mallory's account read, in one JSON-RPC batch, once a step;
        requests the vault deleted (claimed out, ticket burned) are forgotten here."""
        if self._state is not None:
            return self._state
        e = self.env
        f = e.fast
        vault, usdai, registry = (e.c[n].address for n in ("vault", "usdai", "registry"))
        mallory = e.holders[MALLORY].address
        rids = sorted(self.requests)
        fixed: list[tuple[Any, tuple[Any, ...]]] = [
            (f["usdai"].totalSupply, ()), (f["wm"].balanceOf, (usdai,)), (f["wm"].accruedYieldOf, (usdai,)),
            (f["usdai"].baseYieldRecipient, ()), (f["usdai"].adminFeeBps, ()), (f["usdai"].balanceOf, (vault,)),
            (f["vault"].reservedAssets, ()), (f["registry"].seniorNav, ()), (f["vault"].totalSupply, ()),
            (f["vault"].totalAssets, ()), (f["vault"].redemptionAssets, ()), (f["vault"].balanceOf, (vault,)),
            (f["vault"].escrowedShares, ()), (f["vault"].queueState, ()), (f["registry"].stackNav, (self.stack,)),
            (f["usdai"].balanceOf, (registry,)), (f["registry"].accountedUsdai, ()), (f["vault"].balanceOf, (mallory,)),
            (f["vault"].maxWithdraw, (mallory,)), (f["usdai"].balanceOf, (mallory,)), (f["registry"].stack, (self.stack,)),
            (f["registry"].juniorCapital, (self.stack,)),
        ]
        per_request = [(fn, (rid,)) for rid in rids for fn in (f["vault"].requestOf, f["vault"].bondOf, f["vault"].claimOf)]
        loans = [(f["loan_book"].loan, (loan,)) for loan in self.loans]
        holders = sorted(e.usdai_holders)
        balances = [(f["usdai"].balanceOf, (a,)) for a in holders]
        values = read_batch(fixed + per_request + loans + balances)
        (usdai_supply, wm_backing, wm_accrued, yield_recipient, fee_bps, vault_usdai, reserved, senior_nav,
         supply, total_assets, redemption_assets, escrow_balance, escrowed, queue, stack_nav, registry_usdai,
         accounted, mallory_wallet, mallory_claimable, mallory_usdai, stack, junior) = values[: len(fixed)]
        rest = values[len(fixed):]
        requests = {rid: (rest[3 * k], int(rest[3 * k + 1]), rest[3 * k + 2]) for k, rid in enumerate(rids)}
        rest = rest[3 * len(rids):]
        zero = "0x" + "00" * 20
        self.requests = {rid for rid, (request, _, _) in requests.items() if request[0] != zero}
        owed = 0
        if yield_recipient == vault:
            excess = max(0, (wm_backing + wm_accrued) * 10**12 - usdai_supply)
            owed = excess - excess * fee_bps // BPS
        idle = vault_usdai - reserved
        state = State(
            usdai_supply=usdai_supply, wm_backing=wm_backing, true_assets=(idle + owed + senior_nav[0], idle + owed + senior_nav[1]),
            vault_assets=(total_assets, redemption_assets), supply=supply, reserved=reserved,
            escrow_balance=escrow_balance, escrowed=escrowed, queue=queue, senior_nav=senior_nav, stack_nav=stack_nav,
            registry_usdai=registry_usdai, accounted=accounted, stack=stack, junior=tuple(junior),
            requests={rid: r for rid, r in requests.items() if rid in self.requests},
            loans=dict(zip(self.loans, rest[: len(loans)], strict=True)),
            usdai_held=sum(rest[len(loans):]),
            mallory_wallet=mallory_wallet, mallory_claimable=mallory_claimable, mallory_usdai=mallory_usdai,
            mallory=mallory,
        )
        self._state = state
        return state

    def mallory_worth(self) -> Fraction:
        s = self.state()
        return s.mallory_usdai + s.mallory_claimable + s.mallory_shares * s.redemption_price

    # ---------------------------------------------------------------- setup

    @initialize()
    def setup(self) -> None:
        """The book `build_env` opened (once a campaign: every example starts from its snapshot)."""
        e = self.env
        self.stack, self.loans, self.receipts = e.stack, list(e.loans), {k: list(v) for k, v in e.receipts.items()}
        self._state = None
        self.fair = Fair(put_in=Fraction(0), worth_at_start=self.mallory_worth())
        self._record("setup", {}, "ok")

    def _originate(self, principal: int, now: int) -> None:
        loan, rid = open_loan(self.env, self.stack, principal, now)
        self.loans.append(loan)
        self.receipts[loan] = [rid]

    # ---------------------------------------------------------------- USDai

    @rule(who=st.integers(0, 2), amount=st.integers(1, 50_000), stable=st.booleans())
    def usdai_deposit(self, who: int, amount: int, stable: bool) -> None:
        e = self.env

        def body() -> None:
            token = "usdc" if stable else "wm"
            e.send("usdai", "deposit", e.c[token].address, amount * WM, 0, e.holders[who].address, sender=e.holders[who])
            if who == MALLORY:
                self.fair.put_in += amount * USDAI

        self._run("usdai_deposit", {"who": who, "amount": amount, "stable": stable}, body)

    @rule(who=st.integers(0, 2), percent=st.integers(1, 100), stable=st.booleans())
    def usdai_withdraw(self, who: int, percent: int, stable: bool) -> None:
        e = self.env

        def body() -> str | None:
            balance = e.view("usdai", "balanceOf", e.holders[who].address)
            amount = balance * percent // 100 // 10**12 * 10**12
            if amount == 0:
                return "skipped: nothing to withdraw"
            token = "usdt" if stable else "wm"
            e.send("usdai", "withdraw", e.c[token].address, amount, 0, e.holders[who].address, sender=e.holders[who])
            if who == MALLORY:
                self.fair.put_in -= amount
            return None

        self._run("usdai_withdraw", {"who": who, "percent": percent, "stable": stable}, body)

    @rule(who=st.integers(0, 2))
    def harvest(self, who: int) -> None:
        e = self.env
        self._run("harvest", {"who": who}, lambda: e.send("usdai", "harvestBaseYield", sender=e.holders[who]) and None)

    # ---------------------------------------------------------------- sUSDai

    @rule(who=st.integers(0, 2), amount=st.integers(1, 100_000))
    def stake(self, who: int, amount: int) -> None:
        e = self.env
        self._run(
            "stake", {"who": who, "amount": amount},
            lambda: e.send("vault", "deposit", amount * USDAI, e.holders[who].address, sender=e.holders[who]) and None,
        )

    @rule(who=st.integers(0, 2), percent=st.integers(1, 100))
    def request(self, who: int, percent: int) -> None:
        e = self.env

        def body() -> str | None:
            holder = e.holders[who].address
            shares = e.view("vault", "balanceOf", holder) * percent // 100
            if shares == 0:
                return "skipped: no shares"
            rid = e.view("vault", "queueState")[0]  # the id this request takes
            e.send("vault", "requestRedeem", shares, holder, holder, sender=e.holders[who])
            self.requests.add(rid)
            return f"request {rid}"

        self._run("request", {"who": who, "percent": percent}, body)

    def _owned(self, who: int, pick: int) -> int | None:
        e = self.env
        holder = e.holders[who].address
        mine = [rid for rid, (r, _, _) in sorted(self.state().requests.items()) if r.controller == holder]
        return mine[pick % len(mine)] if mine else None

    @rule(who=st.integers(0, 2), pick=st.integers(0, 7), percent=st.integers(1, 100))
    def reduce(self, who: int, pick: int, percent: int) -> None:
        e = self.env

        def body() -> str | None:
            rid = self._owned(who, pick)
            if rid is None:
                return "skipped: no request"
            pending = self.state().requests[rid][0].shares
            if pending == 0:
                return "skipped: nothing pending"
            e.send("vault", "reduceRedeemRequest", rid, max(1, pending * percent // 100), sender=e.holders[who])
            return f"request {rid}"

        self._run("reduce", {"who": who, "pick": pick, "percent": percent}, body)

    @rule(who=st.integers(0, 2), to=st.integers(0, 2), pick=st.integers(0, 7))
    def give_ticket(self, who: int, to: int, pick: int) -> None:
        e = self.env

        def body() -> str | None:
            rid = self._owned(who, pick)
            if rid is None or who == to or to == MALLORY:
                # A gift to mallory would be value she did not earn: the bound counts only her own.
                return "skipped: no ticket to give"
            e.send("ticket", "transferFrom", e.holders[who].address, e.holders[to].address, rid, sender=e.holders[who])
            return f"ticket {rid}"

        self._run("give_ticket", {"who": who, "to": to, "pick": pick}, body)

    @rule(who=st.integers(0, 2), percent=st.integers(1, 100))
    def claim(self, who: int, percent: int) -> None:
        e = self.env

        def body() -> str | None:
            holder = e.holders[who].address
            shares = e.view("vault", "maxRedeem", holder) * percent // 100
            if shares == 0:
                return "skipped: nothing claimable"
            e.send("vault", "redeem", shares, holder, holder, sender=e.holders[who])
            return None

        self._run("claim", {"who": who, "percent": percent}, body)

    @rule(who=st.integers(0, 3), batch=st.integers(1, 12))
    def service(self, who: int, batch: int) -> None:
        e = self.env
        sender = (*e.holders, e.keeper)[who]
        self._run("service", {"who": who, "batch": batch}, lambda: e.send("vault", "serviceRedemptions", batch, sender=sender) and None)

    # ---------------------------------------------------------------- time

    @rule(days=st.integers(0, 20), hours=st.integers(0, 23), keeper=st.booleans())
    def wait(self, days: int, hours: int, keeper: bool) -> None:
        """Time passes; with `keeper`, a keeper then marks, harvests and services."""
        e = self.env

        def body() -> str | None:
            e.warp_to(e.now() + days * DAY + hours * 3600 + 1)
            return self._keeper_round() if keeper else None

        self._run("wait", {"days": days, "hours": hours, "keeper": keeper}, body)

    @rule(which=st.sampled_from(("cycle", "bid", "reveal", "close", "deadline")), edge=st.sampled_from(EDGES),
          keeper=st.booleans())
    def to_edge(self, which: str, edge: int, keeper: bool) -> None:
        """To a second either side of the next boundary of a kind: the adversary's timing."""
        e = self.env

        def body() -> str | None:
            now = e.now()
            cycle = e.view("vault", "currentCycle")
            if which == "cycle":
                target = e.view("vault", "cycleStart", cycle + 1)
            elif which == "deadline":
                deadlines = [d for d in (e.view("loan_book", "deadlineOf", i) for i in self.loans) if d > now]
                if not deadlines:
                    return "skipped: no deadline ahead"
                target = min(deadlines)
            else:
                windows = e.view("auction", "windows", cycle)
                target = windows[("bid", "reveal", "close").index(which)]
                if target + edge <= now:
                    target = e.view("auction", "windows", cycle + 1)[("bid", "reveal", "close").index(which)]
            if target + edge <= now:
                return "skipped: already past"
            e.warp_to(target + edge)
            return self._keeper_round() if keeper else None

        self._run("to_edge", {"which": which, "edge": edge, "keeper": keeper}, body)

    # ---------------------------------------------------------------- credit

    @rule(pick=st.integers(0, 7), percent=st.integers(10, 300))
    def repay(self, pick: int, percent: int) -> None:
        e = self.env

        def body() -> str | None:
            active = [i for i in self.loans if self._status(i) == ACTIVE]
            if not active:
                return "skipped: no active loan"
            loan = active[pick % len(active)]
            payment = e.view("loan_book", "loan", loan).payment
            e.send("loan_book", "repay", loan, payment * percent // 100, sender=e.borrower)
            return f"loan {loan}"

        self._run("repay", {"pick": pick, "percent": percent}, body)

    def _status(self, loan: int) -> int:
        """The loan's status as of the step's start (rules that change it re-read what they need)."""
        return int(self.state().loans[loan].status)

    @rule(pick=st.integers(0, 7), percent=st.integers(20, 160))
    def appraise(self, pick: int, percent: int) -> None:
        e = self.env

        def body() -> str | None:
            live = [i for i in self.loans if self._status(i) in (ACTIVE, DEFAULTED)]
            if not live:
                return "skipped: no live loan"
            loan = live[pick % len(live)]
            rid = self.receipts[loan][0]
            now = e.now() + 1
            value = e.view("loan_book", "loan", loan).principal * percent // 100
            e.rpc("evm_setNextBlockTimestamp", [now])
            e.send("caliber", "appraise", rid, value, now, sender=e.governance)
            return f"loan {loan}"

        self._run("appraise", {"pick": pick, "percent": percent}, body)

    @rule(who=st.integers(0, 3))
    def mark(self, who: int) -> None:
        e = self.env
        self._run("mark", {"who": who}, lambda: self._mark_all((*e.holders, e.keeper)[who]))

    def _mark_all(self, sender: Any) -> str:
        """Marks whatever can be marked: delinquent loans defaulted, expired appraisals refreshed."""
        e = self.env
        done = []
        for loan in self.loans:
            ln = e.view("loan_book", "loan", loan)
            try:
                if ln.status == ACTIVE and e.view("loan_book", "isDelinquent", loan):
                    e.send("loan_book", "markDefault", loan, sender=sender)
                    done.append(f"default {loan}")
                elif ln.status in (ACTIVE, DEFAULTED) and ln.appraisalExpiry and ln.appraisalExpiry <= e.now():
                    e.send("loan_book", "refreshCollateral", loan, sender=sender)
                    done.append(f"refresh {loan}")
            except Refused as refused:
                done.append(f"{loan}: {refused.name}")
        return ", ".join(done) or "nothing to mark"

    def _keeper_round(self) -> str:
        """What a diligent keeper does on waking: mark the book, harvest, service the queue."""
        e = self.env
        marked = self._mark_all(e.keeper)
        for fn, args in (("usdai", ("harvestBaseYield",)), ("vault", ("serviceRedemptions", 10))):
            try:
                e.send(fn, *args, sender=e.keeper)
            except Refused as refused:
                marked += f"; {args[0]}: {refused.name}"
        return "keeper: " + marked

    @rule(pick=st.integers(0, 7), percent=st.integers(0, 120))
    def liquidate(self, pick: int, percent: int) -> None:
        e = self.env

        def body() -> str | None:
            defaulted = [i for i in self.loans if self._status(i) == DEFAULTED]
            if not defaulted:
                return "skipped: no defaulted loan"
            loan = defaulted[pick % len(defaulted)]
            amount = e.view("loan_book", "loan", loan).outstanding * percent // 100
            if amount:
                e.send("loan_book", "recordRecovery", loan, amount, sender=e.keeper)
            for rid in self.receipts[loan]:
                e.send("caliber", "burn", rid, sender=e.governance)
            e.send("loan_book", "closeLiquidation", loan, sender=e.curator)
            return f"loan {loan} closed, {percent}% recovered"

        self._run("liquidate", {"pick": pick, "percent": percent}, body)

    @rule(principal=st.integers(5_000, 60_000))
    def lend(self, principal: int) -> None:
        e = self.env

        def body() -> str | None:
            if len(self.loans) >= 5:
                return "skipped: five loans"
            st_ = e.view("registry", "stack", self.stack)
            junior = e.view("registry", "juniorCapital", self.stack)[1]
            if principal * USDAI > st_.cash or junior * 10 < st_.principalOutstanding + principal * USDAI:
                return "skipped: no room"
            self._originate(principal, now=e.now())
            return f"loan {self.loans[-1]}"

        self._run("lend", {"principal": principal}, body)

    # ---------------------------------------------------------------- QEV

    @rule(who=st.integers(0, 2), pick=st.integers(0, 7), fee=st.integers(0, 12))
    def bid(self, who: int, pick: int, fee: int) -> None:
        """A sealed bid at tier 4 (fees 0-15 bps: ties are common) on one of `who`'s requests (a new
        one, of half her shares, if she has none), whenever she likes: early and late bids refused."""
        self._run("bid", {"who": who, "pick": pick, "fee": fee}, lambda: self._bid(who, pick, fee))

    def _bid(self, who: int, pick: int, fee: int, fresh: bool = False) -> str:
        e = self.env
        rid = None if fresh else self._owned(who, pick)
        made = ""
        if rid is None:
            holder = e.holders[who].address
            rid = e.view("vault", "queueState")[0]
            e.send("vault", "requestRedeem", e.view("vault", "balanceOf", holder) // 2, holder, holder, sender=e.holders[who])
            self.requests.add(rid)
            self._state = None
            made = f"request {rid}; "
        cycle = e.view("vault", "currentCycle")
        bidder = e.holders[who].address
        # The blinding follows from the step, so that a transcript replays the same commitments.
        blinding = int.from_bytes(hashlib.sha256(f"{cycle}:{rid}:{fee}".encode()).digest(), "big") % N
        c = commit(fee, blinding)
        proof = prove(fee, blinding, 4, context(e.chain.chain_id, e.c["auction"].address, bidder, cycle, rid, 4))
        e.send("auction", "bid", rid, 4, [c[0], c[1]], proof, sender=e.holders[who])
        self.rounds.setdefault(cycle, Round(cycle)).openings[rid] = (fee, blinding, (c[0], c[1]))
        return f"{made}bid {fee} bps on ticket {rid} in cycle {cycle}"

    @rule(who=st.integers(0, 2))
    def reveal(self, who: int) -> None:
        """Reveals every bid of `who`'s tickets in the current reveal window."""
        self._run("reveal", {"who": who}, lambda: self._reveal(who))

    def _reveal(self, who: int) -> str:
        e = self.env
        cycle = e.view("vault", "currentCycle") - 1
        round_ = self.rounds.get(cycle)
        if round_ is None:
            return "skipped: no round to reveal"
        done = []
        for rid, (fee, blinding, c) in round_.openings.items():
            request = self.state().requests.get(rid)
            if request is None or request[0].controller != e.holders[who].address:
                continue
            try:
                e.send("auction", "reveal", rid, list(c), fee, blinding, sender=e.holders[who])
                done.append(str(rid))
            except Refused as refused:
                done.append(f"{rid}: {refused.name}")
        return "revealed " + ", ".join(done) if done else "skipped: nothing of theirs"

    @rule(adversarial=st.booleans(), shuffle=st.integers(0, 2**16))
    def settle(self, adversarial: bool, shuffle: int) -> None:
        """The keeper sweeps the round's unrevealed bids and settles in the right order; or mallory
        submits the revealed bids with two neighbours swapped."""
        self._run("settle", {"adversarial": adversarial, "shuffle": shuffle}, lambda: self._settle(adversarial, shuffle))

    def _settle(self, adversarial: bool, shuffle: int) -> str:
        e = self.env
        cycle = e.view("vault", "currentCycle") - 1
        round_ = self.rounds.get(cycle)
        if round_ is None or e.now() < e.view("auction", "windows", cycle)[2]:
            return "skipped: no closed round"
        if e.view("auction", "priorityStatus", cycle)[0]:
            return "skipped: settled"
        revealed = []
        for rid in round_.openings:
            bid = e.view("auction", "bidOf", cycle, rid)  # (hash, tier, status, fee, bond)
            if bid[2] == 1:  # sealed: sweep it
                e.send("auction", "sweep", cycle, rid, sender=e.keeper)
            elif bid[2] == 2:
                revealed.append((int(bid[3]), rid))
        reserve = e.view("auction", "roundOf", cycle)[5]  # minFeeBps
        order = [rid for fee, rid in sorted(revealed, key=lambda x: (-x[0], x[1])) if fee >= reserve]
        if adversarial and len(order) >= 2:
            swapped = list(order)
            i = shuffle % (len(order) - 1)
            swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
            try:
                e.send("auction", "settle", cycle, swapped, sender=e.holders[MALLORY])
                return f"mallory's order {swapped} accepted"
            except Refused as refused:
                e.send("auction", "settle", cycle, order, sender=e.keeper)
                return f"mallory's order {swapped} refused ({refused.name}); keeper settled {order}"
        e.send("auction", "settle", cycle, order, sender=e.keeper)
        return f"settled {order}"

    @rule(fees=st.lists(st.integers(0, 3), min_size=2, max_size=5), reveal_all=st.booleans(),
          adversarial=st.booleans(), shuffle=st.integers(0, 2**16))
    def auction_round(self, fees: list[int], reveal_all: bool, adversarial: bool, shuffle: int) -> None:
        """A whole round: into this cycle's bid window, the holders bid the reserve fee plus `fees` in
        turn, each on a new request (ties are likely), reveal (all, or all but mallory), the window
        closes, the round is settled (by mallory's order when `adversarial`) and the keeper services
        the winners."""
        e = self.env

        def body() -> str:
            cycle = e.view("vault", "currentCycle")
            bid_opens, boundary, closes = e.view("auction", "windows", cycle)
            if cycle in self.rounds:
                return "skipped: this cycle has a round"
            e.warp_to(max(e.now(), bid_opens) + 1)
            reserve = e.view("auction", "minFeeBps")
            log = []
            for k, fee in enumerate(fees):
                try:
                    log.append(self._bid(k % 3, 0, reserve + fee, fresh=True))
                except Refused as refused:
                    log.append(f"bid refused: {refused.name}")
            e.warp_to(boundary + 1)
            self._state = None
            for who in range(3):
                if reveal_all or who != MALLORY:
                    log.append(self._reveal(who))
            e.warp_to(closes + 1)
            self._state = None
            log.append(self._settle(adversarial, shuffle))
            log.append(self._keeper_round())
            return "; ".join(log)

        self._run("auction_round", {"fees": fees, "reveal_all": reveal_all, "adversarial": adversarial, "shuffle": shuffle}, body)

    # ---------------------------------------------------------------- invariants

    @invariant()
    def backing(self) -> None:
        s = self.state()
        assert s.usdai_supply <= s.wm_backing * 10**12, "USDai supply above its wM backing"

    @invariant()
    def vault_is_the_truth(self) -> None:
        s = self.state()
        assert s.vault_assets[0] == s.true_assets[0], "totalAssets is not idle + owed base yield + deposit NAV"
        assert s.vault_assets[1] == s.true_assets[1], "redemptionAssets is not idle + owed base yield + redemption NAV"

    @invariant()
    def escrow(self) -> None:
        s = self.state()
        pending = sum(r.shares + bond for r, bond, _ in s.requests.values())
        assert s.escrow_balance == pending == s.escrowed, f"escrow {s.escrow_balance}, pending + bonds {pending}"
        head = s.queue[1]
        passed = [rid for rid, (r, bond, _) in s.requests.items() if r.shares and rid < head and not bond]
        if passed:  # FIFO passed them: they must be held (bid, passed over while bonded)
            e = self.env
            held_head, held_tail = e.view("vault", "heldState")
            held = {e.view("vault", "heldAt", i) for i in range(held_head, held_tail)}
            assert set(passed) <= held, f"FIFO passed pending requests {sorted(set(passed) - held)}"

    @invariant()
    def claims(self) -> None:
        s = self.state()
        assert s.reserved == sum(c.assets for _, _, c in s.requests.values()), "reserved USDai is not the claims' sum"

    @invariant()
    def ledger(self) -> None:
        s = self.state()
        assert s.senior_nav[1] == s.stack_nav[1] and 0 <= s.senior_nav[0] - s.stack_nav[0] <= 1
        assert s.registry_usdai == s.accounted, "the ledger's USDai is not what it accounts for"

    @invariant()
    def pledged_receipts(self) -> None:
        e, s = self.env, self.state()
        for loan, rids in self.receipts.items():
            if int(s.loans[loan].status) == ACTIVE:
                for rid in rids:
                    assert e.view("caliber", "ownerOf", rid) == e.c["loan_book"].address

    @invariant()
    def settlement(self) -> None:
        e = self.env
        for cycle in set(self.rounds) - self.checked_rounds:
            final, count = e.view("auction", "priorityStatus", cycle)
            entries = [e.view("auction", "priorityAt", cycle, i) for i in range(count)]
            for (prev_id, prev_fee), (rid, fee) in zip(entries, entries[1:], strict=False):
                assert fee < prev_fee or (fee == prev_fee and rid > prev_id), f"cycle {cycle} settled as {entries}"
            if final:
                self.checked_rounds.add(cycle)

    @invariant()
    def conservation(self) -> None:
        s = self.state()
        assert s.usdai_held == s.usdai_supply, f"{s.usdai_supply - s.usdai_held} USDai held by no one known"

    @invariant()
    def adversary_bound(self) -> None:
        worth = self.mallory_worth()
        allowed = self.fair.worth_at_start + self.fair.put_in
        tolerance = (self.ops + 1) * 4
        assert worth <= allowed + tolerance, f"mallory holds {float(worth - allowed):.0f} wei more than her due"


INVARIANTS = ("backing", "vault_is_the_truth", "escrow", "claims", "ledger", "pledged_receipts", "settlement",
              "conservation", "adversary_bound")


def build_env(suite: Suite, accounts: list[Any]) -> Env:
    """Funds and wires the actors on a freshly deployed suite; `accounts`: alice, bob, mallory, keeper,
    curator, borrower, strategist (the suite's strategy admin)."""
    env = Env(suite, accounts)
    s = suite
    registry, book = s.registry, s.loan_book
    registry.setCuratorApproval(env.curator, True, sender=s.governance)
    s.caliber.setApprovalForAll(book, True, sender=env.borrower)
    for who in (*env.holders, env.borrower, env.keeper, env.curator):
        amount = 2_000_000 * WM
        s.wm.mint(who, amount, sender=s.deployer)
        s.usdc.mint(who, amount, sender=s.deployer)
        for token in (s.wm, s.usdc):
            token.approve(s.usdai, 2**256 - 1, sender=who)
        s.usdai.deposit(s.wm, amount // 2, 0, who, sender=who)
        s.usdai.approve(s.vault, 2**256 - 1, sender=who)
        s.usdai.approve(registry, 2**256 - 1, sender=who)
    # The book every example starts from, ten days into a cycle: the holders staked, one stack with
    # 100,000 of first-loss capital and 450,000 of the vault's, two loans at the launch's 70% LTV.
    env.warp_to(s.vault.cycleStart(s.vault.currentCycle() + 1) + 10 * DAY)
    for who in env.holders:
        env.send("vault", "deposit", 200_000 * USDAI, who.address, sender=who)
    env.stack = open_stack(s, env.curator, 100_000 * USDAI)
    s.vault.allocate(env.stack, 450_000 * USDAI, sender=env.strategist)
    for principal in (250_000, 150_000):
        loan, rid = open_loan(env, env.stack, principal, env.now())
        env.loans.append(loan)
        env.receipts[loan] = [rid]
    return env


# Where `make fuzz` and `make replay` start their fresh chain (2030-03-17 17:46:40 UTC): every block
# time, and so every amount, is then the same on any machine and at any hour.
FIXED_START = 1_900_000_000


def deploy_campaign(start: int | None = None) -> Env:
    """A fresh suite as a launch deploys it, its actors funded and its book opened (`make fuzz`, `make
    replay` and the suite's run build the same): test accounts 0 (deployer), 1 (governance), 11-13
    (alice, bob, mallory), 14 (keeper), 15 (curator), 16 (borrower), 17 (strategy admin). Blocks are
    one second apart unless a step warps; from `start` (a fresh chain only), the run is exact to the wei."""
    from ape import accounts, chain

    chain.provider.make_request("anvil_setBlockTimestampInterval", [1])
    if start is not None:
        chain.provider.make_request("evm_setNextBlockTimestamp", [start])
        chain.provider.make_request("evm_mine", [])
    t = accounts.test_accounts
    suite = deploy_suite(t[0], t[1], roles={"strategy_admin": t[17]})
    return build_env(suite, [t[i] for i in (11, 12, 13, 14, 15, 16, 17)])


def open_loan(env: Env, stack: int, principal: int, now: int) -> tuple[int, int]:
    """A receipt appraised at `principal` / 70% and a 12-month loan of `principal` USDai against it."""
    appraisal = -(-principal * 10 // 7) * USDAI
    rid = mint_receipt(env.suite, env.governance, env.governance, env.borrower, appraisal, now=now)
    return originate(env.suite, env.curator, env.borrower, stack, principal * USDAI, [rid], periods=12), rid


def run_campaign(env: Env, seed_: int, steps: int, examples: int, *, shrink: bool = True) -> None:
    """`examples` sequences of up to `steps` steps from `seed_` (no example database: the seed is the
    run); raises the first failure, shrunk unless `shrink` is False."""
    SystemMachine.env = env
    phases = [Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if shrink else [])
    run_state_machine_as_test(
        seed(seed_)(SystemMachine),
        settings=settings(
            derandomize=False, database=None, deadline=None, stateful_step_count=steps, max_examples=examples,
            phases=phases, suppress_health_check=list(HealthCheck),
        ),
    )


def replay(env: Env, transcript: list[dict[str, Any]], echo: Callable[[str], None] = print) -> str | None:
    """Runs `transcript` on `env` (a fresh deployment) outside Hypothesis, checking every invariant after
    each step; returns the first failure (None if none) and echoes each call with its result."""
    SystemMachine.env = env
    machine = SystemMachine()
    try:
        for n, step in enumerate(transcript):
            call = f"{step['rule']}({', '.join(f'{k}={v}' for k, v in step['args'].items())})"
            try:
                getattr(machine, step["rule"])(**step["args"])
            except AssertionError as failure:
                message = f"step {n} {call} fails: {failure}"
                echo(message)
                return message
            echo(f"{n:>4} {call} -> {TRANSCRIPT[-1]['result']}")
            for name in INVARIANTS:
                try:
                    getattr(machine, name)()
                except AssertionError as failure:
                    message = f"invariant {name} fails after step {n}: {failure}"
                    echo(message)
                    return message
    finally:
        machine.teardown()
    return None

