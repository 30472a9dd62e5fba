"""What `ape run status` shows: one snapshot of a deployment, read from the chain at one block, and its
two renderings (terminal tables and a self-contained static HTML page).

Every figure is a contract view read at the snapshot's block (`block_id`), so the figures agree with
each other even while blocks keep coming. Nothing a view gives is recomputed here; what no view gives
is derived from views and says so:

- the backing ratio (wM held by USDai x 1e12 / USDai supply) and the vault's idle USDai (its USDai
  balance less `reservedAssets`, as docs/DESIGN.md "sUSDai: the price" defines it);
- an auction's phase, from `windows(cycle)` and `priorityStatus(cycle)`;
- a loan's next due date (`start + dueIndex * periodLength`) and "late" (that date has passed: the rule
  of `LoanBook.hasDelinquency`); "delinquent" is `isDelinquent` (markable now);
- the share-price history: no event carries total assets or supply, so the blocks in which the price
  can move are found from raw logs (`eth_getLogs` in batches) and the price at each is the view
  `convertToAssets(1e18)` read at that block (an archive node is needed on a live network).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scripts._suite.abi import container, enum_name, event_topic
from scripts._suite.report import fmt_units, table

SHARE = 10**18
WAD = 10**18
WM_SCALE = 10**12  # 1 wM unit backs 1e12 USDai units
NO_STALE = 2**256 - 1  # navState().staleFrom when no loan will ever be markable
LOG_BATCH = 10_000  # blocks per eth_getLogs request (halved while the node refuses)
MAX_HISTORY_POINTS = 240  # newest blocks kept in the price history
TEXT_HISTORY_POINTS = 12  # of which the terminal shows the newest

# The manifest's names (`Suite.manifest()["contracts"]`) and the project containers that read them.
CONTAINERS = {
    "wM": "LocalWrappedM",  # the IWrappedM surface, served by the real wM too
    "USDai": "USDai",
    "sUSDai": "StakedUSDai",
    "RedemptionTicket": "RedemptionTicket",
    "QEVAuction": "QEVAuction",
    "FiLoRegistry": "FiLoRegistry",
    "LoanBook": "LoanBook",
}
MANIFEST_NAMES = (
    "wM", "USDC", "USDT", "swapAdapter", "USDai", "sUSDai", "RedemptionTicket", "QEVAuction", "CaliberReceipt",
    "FiLoRegistry", "LoanBook", "CreditPolicy",
)

# Events after which the share price may have moved, by the contract that emits them.
PRICE_EVENTS: dict[str, tuple[str, ...]] = {
    "sUSDai": ("Deposit", "Withdraw", "RedemptionServiced", "BondForfeited", "Allocated", "Deallocated"),
    "USDai": ("BaseYieldHarvested",),
    "FiLoRegistry": (
        "RepaymentSettled", "ImpairmentUpdated", "LiquidationSettled", "SeniorLossRealised", "Swept",
    ),
}


# ---------------------------------------------------------------- the snapshot


@dataclass(frozen=True)
class UsdaiFigures:
    supply: int  # totalSupply (18 decimals)
    supply_cap: int
    wm_backing: int  # wM.balanceOf(USDai) (6 decimals): the backing the invariant counts
    wm_accrued: int  # wM.accruedYieldOf(USDai): earned, not yet claimed
    backing_ratio_wad: int  # wm_backing * 1e12 * 1e18 / supply (derived; 1e18 = 100%)
    harvestable: int  # harvestableBaseYield(): what a harvest would mint (fee included)
    base_yield_owed: int  # baseYieldOwed(vault): the vault's part, in its price
    admin_fee_bps: int


@dataclass(frozen=True)
class FeedFigures:
    token: str  # the manifest's name of the stablecoin (USDC, USDT)
    feed: str
    answer: int  # in `decimals`
    decimals: int
    updated_at: int
    max_age: int

    def stale(self, timestamp: int) -> bool:
        return timestamp > self.updated_at + self.max_age


@dataclass(frozen=True)
class GuardFigures:
    """USDai's price guard on stablecoin swaps (docs/DESIGN.md, 3.1)."""

    max_deviation_bps: int
    sequencer_feed: str | None  # None: the chain has none configured
    sequencer_up: bool
    sequencer_since: int  # when the sequencer's current status began
    grace_period: int
    feeds: tuple[FeedFigures, ...]

    def sequencer_text(self, timestamp: int) -> str:
        if self.sequencer_feed is None:
            return "no uptime feed"
        if not self.sequencer_up:
            return f"DOWN since {iso(self.sequencer_since)}"
        reopens = self.sequencer_since + self.grace_period
        return f"up, in its grace period until {iso(reopens)}" if timestamp < reopens else f"up since {iso(self.sequencer_since)}"


@dataclass(frozen=True)
class VaultFigures:
    total_assets: int  # deposit price basis
    redemption_assets: int  # redemption price basis
    total_supply: int
    share_price: int  # convertToAssets(1e18)
    usdai_balance: int  # USDai.balanceOf(vault)
    reserved_assets: int  # set aside for serviced, unclaimed requests
    idle: int  # usdai_balance - reserved_assets (derived)
    base_yield_owed: int  # USDai.baseYieldOwed(vault)
    senior_nav_deposit: int  # registry navState()
    senior_nav_redemption: int
    stale_from: int | None  # navState().staleFrom; None: no loan will become markable
    escrowed_shares: int  # pending requests and bonds
    max_deposit: int  # maxDeposit(0x0): 0 while paused or stale


@dataclass(frozen=True)
class PricePoint:
    block: int
    timestamp: int
    share_price: int  # convertToAssets(1e18) at `block`
    events: tuple[str, ...]  # what happened in that block ("now" for the snapshot's own block)


@dataclass(frozen=True)
class CycleQueue:
    cycle: int
    due_at: int  # cycleStart(cycle + 1)
    requests: int  # requests of the cycle with shares still pending
    pending_shares: int  # pendingRedeemRequest summed (bonds included)
    bonded_shares: int  # bondOf summed
    due: bool  # below queueState().dueLimit (made before the current cycle): servicing may pay it


@dataclass(frozen=True)
class QueueFigures:
    current_cycle: int
    cycle_start: int
    cycle_end: int  # cycleStart(current + 1)
    cycle_duration: int
    next_request_id: int
    fifo_head: int
    due_limit: int
    held: int  # requests in the held list (passed over while bonded)
    reserved_assets: int
    cycles: tuple[CycleQueue, ...]


@dataclass(frozen=True)
class AuctionRound:
    cycle: int
    phase: str  # "not open", "bidding", "revealing", "settling" or "settled"
    bid_opens: int
    reveal_opens: int
    reveal_closes: int
    bids: int
    revealed: int
    swept: int
    eligible: int
    ranked: int
    min_fee_bps: int
    final: bool  # priorityStatus(cycle).isFinal: the vault may service the cycle's due requests
    priority_length: int


@dataclass(frozen=True)
class StackFigures:
    stack_id: int
    curator: str
    first_loss_book: int  # juniorCapital(): book
    first_loss_economic: int  # juniorCapital(): net of impairments
    senior_principal: int
    senior_pending: int
    cash: int
    principal_outstanding: int
    impairment: int
    loans_in_default: int
    deposit_nav: int  # stackNav()
    redemption_nav: int
    delinquency: bool  # hasDelinquency()
    open_loans: tuple[int, ...]

    @property
    def status(self) -> str:
        if self.loans_in_default:
            return "in default"
        return "delinquent" if self.delinquency else "performing"


@dataclass(frozen=True)
class LoanFigures:
    loan_id: int
    stack_id: int
    borrower: str
    state: str  # LoanStatus member, lower case
    principal: int  # as originated
    outstanding: int  # loanDebt(): principal outstanding now
    interest: int  # loanDebt(): interest owed now
    payment: int
    due_index: int
    periods: int
    next_due: int | None  # start + dueIndex * periodLength (active loans with periods left)
    deadline: int | None  # deadlineOf(): markable from (None: never)
    margin_call_at: int | None
    curable_until: int | None  # margin_call_at + curePeriod
    delinquent: bool  # isDelinquent(): markDefault would succeed now
    late: bool  # active and past its next due date (hasDelinquency's rule)

    @property
    def flags(self) -> tuple[str, ...]:
        found = []
        if self.state == "defaulted":
            found.append("defaulted")
        if self.delinquent:
            found.append("delinquent")
        if self.late:
            found.append("late")
        if self.margin_call_at is not None:
            found.append("margin call")
        return tuple(found)


@dataclass(frozen=True)
class Snapshot:
    chain_id: int
    network: str
    block: int
    timestamp: int
    contracts: tuple[tuple[str, str], ...]  # (manifest name, address)
    usdai: UsdaiFigures
    vault: VaultFigures
    history: tuple[PricePoint, ...]
    queue: QueueFigures
    auctions: tuple[AuctionRound, ...]  # the previous cycle's round (if any), then the current one
    stacks: tuple[StackFigures, ...]
    loans: tuple[LoanFigures, ...]  # open loans (active, or defaulted and not closed)
    notes: tuple[str, ...] = field(default=())  # what could not be read, or does not add up
    guard: GuardFigures | None = None  # None: a USDai without the price guard

    def alerts(self) -> list[str]:
        """What needs someone's attention, most urgent first."""
        out = []
        stale = self.vault.stale_from
        if stale is not None and stale <= self.timestamp:
            out.append(
                f"book stale since {iso(stale)}: deposits and servicing are refused until a keeper marks the loan"
            )
        guard = self.guard
        if guard is not None:
            if guard.sequencer_feed is not None and (
                not guard.sequencer_up or self.timestamp < guard.sequencer_since + guard.grace_period
            ):
                out.append(f"sequencer {guard.sequencer_text(self.timestamp)}: USDC/USDT deposits and withdrawals are refused")
            for feed in guard.feeds:
                if feed.stale(self.timestamp):
                    out.append(
                        f"{feed.token}/USD feed stale since {iso(feed.updated_at + feed.max_age)}: {feed.token} "
                        "deposits and withdrawals are refused (wM stays open)"
                    )
        for rd in self.auctions:
            if rd.phase == "settling":
                out.append(
                    f"QEV round of cycle {rd.cycle} awaits its sweep and settlement: servicing waits for it "
                    f"(ape run qev settle --cycle {rd.cycle})"
                )
        for ln in self.loans:
            if ln.flags:
                out.append(f"loan {ln.loan_id} (stack {ln.stack_id}): {', '.join(ln.flags)}")
        out.extend(self.notes)
        return out


# ---------------------------------------------------------------- reading


def iso(timestamp: int) -> str:
    """A unix timestamp as an ISO 8601 UTC date and time."""
    return datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _address(value: Any) -> str:
    return str(getattr(value, "address", value))


def _same(a: Any, b: Any) -> bool:
    return _address(a).lower() == _address(b).lower()


def _validated(contracts: Mapping[str, str]) -> dict[str, str]:
    """The manifest's table, refusing a missing name, a non-address or an address without code."""
    from ape import chain
    from eth_utils.address import is_hex_address

    for name in CONTAINERS:
        if name not in contracts:
            raise ValueError(f"the manifest lists no {name}")
    out = {}
    for name, address in contracts.items():
        if not is_hex_address(str(address)):
            raise ValueError(f"manifest entry {name} is not an address: {address!r}")
        if name in CONTAINERS and not chain.provider.get_code(str(address)):
            raise ValueError(f"no contract at {address} ({name}) on this network")
        out[str(name)] = str(address)
    return out


class _Reader:
    """Contract views read at one block: each is one raw `eth_call` at that block, encoded and decoded
    with the compiled ABI by Ape. (An Ape contract call costs three more round trips, code, latest
    block and gas limit, and web3's middleware asks for the chain id twice a call.)"""

    def __init__(self, addresses: Mapping[str, str], block: int) -> None:
        from ape import chain

        self.block = block
        self.c = {name: container(kind).at(addresses[name]) for name, kind in CONTAINERS.items()}
        self._rpc = chain.provider.web3.provider.make_request
        self._ecosystem = chain.provider.network.ecosystem

    def view(self, address: str, view: str, *args: Any) -> Any:
        """A view of a Chainlink-shaped feed at `address` (not in the manifest's core contracts)."""
        key = f"feed:{_address(address)}"
        if key not in self.c:
            self.c[key] = container("LocalPriceFeed").at(_address(address))
        return self(key, view, *args)

    def __call__(self, name: str, view: str, *args: Any, block: int | None = None) -> Any:
        contract = self.c[name]
        handler = getattr(contract, view)
        at = self.block if block is None else block
        call = {"to": contract.address, "data": handler.encode_input(*args).to_0x_hex()}
        response = self._rpc("eth_call", [call, hex(at)])
        if "error" in response:
            error = response["error"]
            raise ValueError(f"{name}.{view}{tuple(args)!r} failed at block {at}: {_error_line(contract, error)}")
        abi = next(a for a in handler.abis if len(a.inputs) == len(args))
        output = self._ecosystem.decode_returndata(abi, bytes.fromhex(str(response["result"]).removeprefix("0x")))
        if not isinstance(output, (list, tuple)):
            return output
        return output[0] if len(output) == 1 else output


def _error_line(contract: Any, error: Any) -> str:
    """A JSON-RPC error as one line: `ErrorName(field=value, ...)` for a custom error of `contract`."""
    from eth_abi.abi import decode
    from eth_utils.crypto import keccak

    from scripts._suite.errors import format_value

    data = str(error.get("data") or "") if isinstance(error, dict) else ""
    raw = bytes.fromhex(data.removeprefix("0x")) if data.startswith("0x") and len(data) % 2 == 0 else b""
    for abi in contract.contract_type.errors:
        if len(raw) >= 4 and raw[:4] == keccak(text=abi.selector)[:4]:
            values = decode([i.canonical_type for i in abi.inputs], raw[4:])
            fields = ", ".join(f"{i.name}={format_value(i.name, v)}" for i, v in zip(abi.inputs, values, strict=True))
            return f"{abi.name}({fields})"
    message = error.get("message") if isinstance(error, dict) else error
    return str(message).strip().splitlines()[0] if str(message).strip() else "error"


def read_snapshot(
    contracts: Mapping[str, str], *, block: int | None = None, from_block: int | None = None,
    max_points: int = MAX_HISTORY_POINTS,
) -> Snapshot:
    """The deployment named by `contracts` (a manifest's `contracts` table) at `block` (default: the
    latest). `from_block`: where the share-price history starts (default: the first block at or after
    the vault's genesis)."""
    from ape import chain

    addresses = _validated(contracts)
    head = int(chain.blocks.height) if block is None else int(block)
    timestamp = _block_timestamp(head)
    r = _Reader(addresses, head)
    notes = _wiring_notes(r)
    usdai = _usdai(r)
    guard, guard_note = _guard(r, addresses)
    if guard_note:
        notes.append(guard_note)
    vault = _vault(r)
    queue = _queue(r)
    notes += _queue_notes(r, queue)
    start = _first_block_at(int(r("sUSDai", "genesis")), head) if from_block is None else from_block
    history, history_note = price_history(r, start, head, max_points)
    if history_note:
        notes.append(history_note)
    stacks = tuple(_stack(r, i) for i in range(1, int(r("FiLoRegistry", "stackCount")) + 1))
    cure = int(r("LoanBook", "riskParams").curePeriod)
    loan_ids = sorted({i for st in stacks for i in st.open_loans})
    return Snapshot(
        chain_id=int(chain.chain_id),
        network=_network_name(),
        block=head,
        timestamp=timestamp,
        contracts=tuple((name, addresses[name]) for name in _ordered(addresses)),
        usdai=usdai,
        vault=vault,
        history=history,
        queue=queue,
        auctions=_auctions(r, queue.current_cycle, timestamp),
        stacks=stacks,
        loans=tuple(_loan(r, i, timestamp, cure) for i in loan_ids),
        notes=tuple(notes),
        guard=guard,
    )


def _ordered(addresses: Mapping[str, str]) -> list[str]:
    known = [n for n in MANIFEST_NAMES if n in addresses]
    return known + sorted(n for n in addresses if n not in MANIFEST_NAMES)


def _network_name() -> str:
    from ape import chain

    network = chain.provider.network
    return f"{network.ecosystem.name}:{network.name}"


def _wiring_notes(r: _Reader) -> list[str]:
    """Where the contracts' own links disagree with the manifest (the snapshot reads the manifest's)."""
    links = [
        ("sUSDai", "registry", "FiLoRegistry"),
        ("sUSDai", "auction", "QEVAuction"),
        ("sUSDai", "ticket", "RedemptionTicket"),
        ("sUSDai", "asset", "USDai"),
        ("USDai", "wrappedM", "wM"),
        ("FiLoRegistry", "vault", "sUSDai"),
        ("FiLoRegistry", "loanBook", "LoanBook"),
    ]
    notes = []
    for owner, view, target in links:
        linked = r(owner, view)
        if not _same(linked, r.c[target]):
            notes.append(f"{owner}.{view}() is {_address(linked)}, not the manifest's {target} {r.c[target].address}")
    return notes


def _usdai(r: _Reader) -> UsdaiFigures:
    usdai, vault = r.c["USDai"], r.c["sUSDai"]
    supply = int(r("USDai", "totalSupply"))
    held = int(r("wM", "balanceOf", usdai))
    return UsdaiFigures(
        supply=supply,
        supply_cap=int(r("USDai", "supplyCap")),
        wm_backing=held,
        wm_accrued=int(r("wM", "accruedYieldOf", usdai)),
        backing_ratio_wad=held * WM_SCALE * WAD // supply if supply else 0,
        harvestable=int(r("USDai", "harvestableBaseYield")),
        base_yield_owed=int(r("USDai", "baseYieldOwed", vault)),
        admin_fee_bps=int(r("USDai", "adminFeeBps")),
    )


def _guard(r: _Reader, addresses: Mapping[str, str]) -> tuple[GuardFigures | None, str | None]:
    """USDai's price guard and the feeds it reads, at the snapshot's block."""
    try:
        guard = r("USDai", "priceGuard")
    except ValueError as exc:
        return None, f"price guard not read ({_first_line(exc)})"
    feeds = []
    for token in ("USDC", "USDT"):
        if token not in addresses:
            continue
        config = r("USDai", "priceFeed", addresses[token])
        if int(config.feed, 16) == 0:
            continue
        _, answer, _, updated_at, _ = r.view(config.feed, "latestRoundData")
        feeds.append(FeedFigures(
            token, _address(config.feed), int(answer), int(config.feedDecimals), int(updated_at), int(config.maxAge)
        ))
    sequencer = None if int(guard.sequencerFeed, 16) == 0 else _address(guard.sequencerFeed)
    up, since = True, 0
    if sequencer is not None:
        _, status, started, _, _ = r.view(sequencer, "latestRoundData")
        up, since = int(status) == 0 and int(started) != 0, int(started)
    return GuardFigures(
        max_deviation_bps=int(guard.maxDeviationBps), sequencer_feed=sequencer, sequencer_up=up,
        sequencer_since=since, grace_period=int(guard.gracePeriod), feeds=tuple(feeds),
    ), None


def _vault(r: _Reader) -> VaultFigures:
    vault = r.c["sUSDai"]
    balance = int(r("USDai", "balanceOf", vault))
    reserved = int(r("sUSDai", "reservedAssets"))
    deposit_nav, redemption_nav, stale_from = (int(v) for v in r("FiLoRegistry", "navState"))
    return VaultFigures(
        total_assets=int(r("sUSDai", "totalAssets")),
        redemption_assets=int(r("sUSDai", "redemptionAssets")),
        total_supply=int(r("sUSDai", "totalSupply")),
        share_price=int(r("sUSDai", "convertToAssets", SHARE)),
        usdai_balance=balance,
        reserved_assets=reserved,
        idle=balance - reserved,
        base_yield_owed=int(r("USDai", "baseYieldOwed", vault)),
        senior_nav_deposit=deposit_nav,
        senior_nav_redemption=redemption_nav,
        stale_from=None if stale_from == NO_STALE else stale_from,
        escrowed_shares=int(r("sUSDai", "escrowedShares")),
        max_deposit=int(r("sUSDai", "maxDeposit", "0x" + "00" * 20)),
    )


def _queue(r: _Reader) -> QueueFigures:
    cycle = int(r("sUSDai", "currentCycle"))
    next_id, fifo_head, due_limit = (int(v) for v in r("sUSDai", "queueState"))
    held_head, held_tail = (int(v) for v in r("sUSDai", "heldState"))
    # Requests with shares pending: those passed over while bonded (the held list) and every id from
    # the FIFO head on (requests below it were served or cancelled).
    held = [int(r("sUSDai", "heldAt", i)) for i in range(held_head, held_tail)]
    totals: dict[int, tuple[int, int, int]] = {}  # cycle: (requests, pending, bonded)
    due: dict[int, bool] = {}  # cycle: its requests are below queueState().dueLimit
    for request_id in sorted({*held, *range(max(fifo_head, 1), next_id)}):
        controller = r("sUSDai", "requestOf", request_id).controller
        pending = int(r("sUSDai", "pendingRedeemRequest", request_id, controller))
        if pending == 0:
            continue  # served, cancelled or retired
        bonded = int(r("sUSDai", "bondOf", request_id))
        request_cycle = int(r("RedemptionTicket", "requestCycle", request_id))
        count, pending_sum, bonded_sum = totals.get(request_cycle, (0, 0, 0))
        totals[request_cycle] = (count + 1, pending_sum + pending, bonded_sum + bonded)
        due[request_cycle] = request_id < due_limit
    cycles = tuple(
        CycleQueue(
            cycle=c, due_at=int(r("sUSDai", "cycleStart", c + 1)), requests=count, pending_shares=pending,
            bonded_shares=bonded, due=due[c],
        )
        for c, (count, pending, bonded) in sorted(totals.items())
    )
    return QueueFigures(
        current_cycle=cycle,
        cycle_start=int(r("sUSDai", "cycleStart", cycle)),
        cycle_end=int(r("sUSDai", "cycleStart", cycle + 1)),
        cycle_duration=int(r("sUSDai", "cycleDuration")),
        next_request_id=next_id,
        fifo_head=fifo_head,
        due_limit=due_limit,
        held=held_tail - held_head,
        reserved_assets=int(r("sUSDai", "reservedAssets")),
        cycles=cycles,
    )


def _queue_notes(r: _Reader, queue: QueueFigures) -> list[str]:
    pending = sum(c.pending_shares for c in queue.cycles)
    escrowed = int(r("sUSDai", "escrowedShares"))
    if pending != escrowed:
        return [f"escrowed shares {fmt_units(escrowed, 18, 2)} differ from the pending requests found ({fmt_units(pending, 18, 2)})"]
    return []


def auction_phase(timestamp: int, bid_opens: int, reveal_opens: int, reveal_closes: int, final: bool) -> str:
    """A round's phase at `timestamp` from its windows and whether its priority list is final."""
    if timestamp < bid_opens:
        return "not open"
    if timestamp < reveal_opens:
        return "bidding"
    if timestamp < reveal_closes:
        return "revealing"
    return "settled" if final else "settling"


def _auctions(r: _Reader, cycle: int, timestamp: int) -> tuple[AuctionRound, ...]:
    rounds = []
    for c in ([cycle - 1] if cycle > 0 else []) + [cycle]:
        bid_opens, reveal_opens, reveal_closes = (int(t) for t in r("QEVAuction", "windows", c))
        rd = r("QEVAuction", "roundOf", c)
        final, length = r("QEVAuction", "priorityStatus", c)
        rounds.append(
            AuctionRound(
                cycle=c,
                phase=auction_phase(timestamp, bid_opens, reveal_opens, reveal_closes, bool(final)),
                bid_opens=bid_opens,
                reveal_opens=reveal_opens,
                reveal_closes=reveal_closes,
                bids=int(rd.bids),
                revealed=int(rd.revealed),
                swept=int(rd.swept),
                eligible=int(rd.eligible),
                ranked=int(rd.ranked),
                min_fee_bps=int(rd.minFeeBps),
                final=bool(final),
                priority_length=int(length),
            )
        )
    return tuple(rounds)


def _stack(r: _Reader, stack_id: int) -> StackFigures:
    st = r("FiLoRegistry", "stack", stack_id)
    book, economic = (int(v) for v in r("FiLoRegistry", "juniorCapital", stack_id))
    deposit_nav, redemption_nav = (int(v) for v in r("FiLoRegistry", "stackNav", stack_id))
    return StackFigures(
        stack_id=stack_id,
        curator=_address(st.curator),
        first_loss_book=book,
        first_loss_economic=economic,
        senior_principal=int(st.seniorPrincipal),
        senior_pending=int(st.seniorPending),
        cash=int(st.cash),
        principal_outstanding=int(st.principalOutstanding),
        impairment=int(st.impairment),
        loans_in_default=int(st.loansInDefault),
        deposit_nav=deposit_nav,
        redemption_nav=redemption_nav,
        delinquency=bool(r("LoanBook", "hasDelinquency", stack_id)),
        open_loans=tuple(sorted(int(i) for i in r("LoanBook", "openLoans", stack_id))),
    )


def _loan(r: _Reader, loan_id: int, timestamp: int, cure_period: int) -> LoanFigures:
    ln = r("LoanBook", "loan", loan_id)
    outstanding, interest = (int(v) for v in r("LoanBook", "loanDebt", loan_id))
    state = enum_name(r.c["LoanBook"], "LoanStatus", int(ln.status)).lower()
    due_index, periods = int(ln.dueIndex), int(ln.periods)
    next_due = int(ln.start) + due_index * int(ln.periodLength) if state == "active" and due_index <= periods else None
    deadline = int(r("LoanBook", "deadlineOf", loan_id))
    margin = int(ln.marginCallAt)
    return LoanFigures(
        loan_id=loan_id,
        stack_id=int(ln.stackId),
        borrower=_address(ln.borrower),
        state=state,
        principal=int(ln.principal),
        outstanding=outstanding,
        interest=interest,
        payment=int(ln.payment),
        due_index=due_index,
        periods=periods,
        next_due=next_due,
        deadline=deadline or None,
        margin_call_at=margin or None,
        curable_until=margin + cure_period if margin else None,
        delinquent=bool(r("LoanBook", "isDelinquent", loan_id)),
        late=next_due is not None and timestamp > next_due,
    )


# ---------------------------------------------------------------- history from raw logs


def _rpc(method: str, params: list[Any]) -> Any:
    from ape import chain

    return chain.provider.make_request(method, params)


def _block_timestamp(block: int) -> int:
    return int(_rpc("eth_getBlockByNumber", [hex(block), False])["timestamp"], 16)


def _first_block_at(timestamp: int, head: int) -> int:
    """The first block whose timestamp is at or after `timestamp` (binary search on block headers)."""
    low, high = 0, head
    while low < high:
        mid = (low + high) // 2
        if _block_timestamp(mid) < timestamp:
            low = mid + 1
        else:
            high = mid
    return low


def raw_logs(
    addresses: Sequence[str], topics: Sequence[str], from_block: int, to_block: int, batch: int = LOG_BATCH,
    fetch: Callable[[str, list[Any]], Any] = _rpc,
) -> Iterator[list[dict[str, Any]]]:
    """Raw JSON-RPC logs of `addresses` whose topic0 is one of `topics`, in [from_block, to_block], newest
    window first: one `eth_getLogs` per window of at most `batch` blocks. A window the node refuses
    (too many results, too wide a range) is halved, and later windows keep the smaller width."""
    high = to_block
    while high >= from_block:
        low = max(from_block, high - batch + 1)
        query = {"fromBlock": hex(low), "toBlock": hex(high), "address": list(addresses), "topics": [list(topics)]}
        try:
            logs = fetch("eth_getLogs", [query])
        except Exception:
            if batch == 1:
                raise
            batch = (high - low + 2) // 2
            continue
        yield list(logs)
        high = low - 1


def price_history(
    r: _Reader, from_block: int, to_block: int, max_points: int = MAX_HISTORY_POINTS
) -> tuple[tuple[PricePoint, ...], str | None]:
    """The share price (`convertToAssets(1e18)` read at each block) at `to_block` and at the newest
    blocks in which an event that can move it was emitted, `max_points` in all, oldest first; the logs
    are read backwards from `to_block` until enough blocks are found. With a note if the node could not
    give the logs or the state of past blocks (an archive node is needed)."""
    kinds: dict[tuple[str, str], str] = {}
    for owner, names in PRICE_EVENTS.items():
        for name in names:
            kinds[(r.c[owner].address.lower(), event_topic(r.c[owner], name))] = name
    addresses = [r.c[owner].address for owner in PRICE_EVENTS]
    topics = sorted({topic for _, topic in kinds})
    by_block: dict[int, list[str]] = {to_block: []}
    note = None
    try:
        for logs in raw_logs(addresses, topics, from_block, to_block):
            for log in logs:
                kind = kinds.get((str(log["address"]).lower(), str(log["topics"][0])))
                events = by_block.setdefault(int(log["blockNumber"], 16), [])
                if kind is not None and kind not in events:
                    events.append(kind)
            if len(by_block) >= max_points:
                break
    except Exception as exc:  # noqa: BLE001 - the report goes on without history
        note = f"share-price history incomplete: logs could not be read ({_first_line(exc)})"
    by_block[to_block].append("now")
    points = []
    for block in sorted(by_block)[-max_points:]:
        try:
            price = int(r("sUSDai", "convertToAssets", SHARE, block=block))
        except ValueError as exc:
            note = f"share-price history incomplete: no state at block {block} (archive node needed; {_first_line(exc)})"
            continue
        points.append(PricePoint(block, _block_timestamp(block), price, tuple(by_block[block])))
    return tuple(points), note


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


# ---------------------------------------------------------------- what both renderings show


@dataclass(frozen=True)
class Cell:
    text: str
    field: str | None = None  # the HTML data-field of a figure (None: a label)


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    key: str | None = None  # HTML data-key of the row (a loan, a stack, a cycle)
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[Row, ...]
    empty: str = "none"


def usd(amount: int) -> str:
    """USDai or sUSDai shares (18 decimals), two places."""
    return fmt_units(amount, 18, 2)


def price(amount: int) -> str:
    """A share price (USDai per sUSDai, 18 decimals), six places."""
    return fmt_units(amount, 18, 6)


def wm(amount: int) -> str:
    return fmt_units(amount, 6, 2)


def percent(wad: int) -> str:
    """A ratio with 1e18 = 100%, as a percentage with four places."""
    return fmt_units(wad, 16, 4) + "%"


def when(timestamp: int | None, none: str = "-") -> str:
    return none if timestamp is None else iso(timestamp)


def _figures(section: str, title: str, items: Iterable[tuple[str, str, str]]) -> Section:
    rows = tuple(Row((Cell(label), Cell(value, f"{section}.{key}"))) for key, label, value in items)
    return Section(section, title, ("figure", "value"), rows)


def _guard_sections(s: Snapshot) -> list[Section]:
    g = s.guard
    if g is None:
        return []
    items = [
        ("max_deviation_bps", "largest swap deviation from the feed (bps)", str(g.max_deviation_bps)),
        ("sequencer", "L2 sequencer", g.sequencer_text(s.timestamp)),
    ]
    for f in g.feeds:
        state = "STALE" if f.stale(s.timestamp) else "fresh"
        items.append((
            f"feed_{f.token}", f"{f.token}/USD feed",
            f"{fmt_units(f.answer, f.decimals, f.decimals)} at {iso(f.updated_at)} ({state}; max age {f.max_age:,} s)",
        ))
    return [_figures("guard", "USDai price guard (stablecoin swaps)", items)]


def sections(s: Snapshot) -> list[Section]:
    """Every figure of the report, in order; the text and the HTML render exactly these."""
    u, v, q = s.usdai, s.vault, s.queue
    out = [
        _figures("chain", "Chain", [
            ("network", "network", s.network),
            ("chain_id", "chain id", str(s.chain_id)),
            ("block", "block", str(s.block)),
            ("time", "block time (UTC)", iso(s.timestamp)),
        ]),
        _figures("usdai", "USDai", [
            ("supply", "supply (USDai)", usd(u.supply)),
            ("supply_cap", "supply cap (USDai)", usd(u.supply_cap)),
            ("wm_backing", "wM held by USDai (wM)", wm(u.wm_backing)),
            ("wm_accrued", "wM yield accrued, unclaimed (wM)", wm(u.wm_accrued)),
            ("backing_ratio", "backing ratio (wM held / supply)", percent(u.backing_ratio_wad)),
            ("harvestable", "harvestable base yield (USDai)", usd(u.harvestable)),
            ("base_yield_owed", "base yield owed to sUSDai (USDai)", usd(u.base_yield_owed)),
            ("admin_fee_bps", "admin fee (bps)", str(u.admin_fee_bps)),
        ]),
        *_guard_sections(s),
        _figures("vault", "sUSDai", [
            ("share_price", "share price (USDai per sUSDai)", price(v.share_price)),
            ("total_assets", "total assets, deposit price (USDai)", usd(v.total_assets)),
            ("redemption_assets", "total assets, redemption price (USDai)", usd(v.redemption_assets)),
            ("total_supply", "total supply (sUSDai)", usd(v.total_supply)),
            ("idle", "idle cash (USDai)", usd(v.idle)),
            ("base_yield_owed", "base yield owed (USDai)", usd(v.base_yield_owed)),
            ("senior_nav_deposit", "FiLo senior NAV, with accrued interest (USDai)", usd(v.senior_nav_deposit)),
            ("senior_nav_redemption", "FiLo senior NAV, without accrued interest (USDai)", usd(v.senior_nav_redemption)),
            ("reserved_assets", "reserved for claims (USDai)", usd(v.reserved_assets)),
            ("escrowed_shares", "escrowed for requests (sUSDai)", usd(v.escrowed_shares)),
            ("max_deposit", "deposits open", "no" if v.max_deposit == 0 else "yes"),
            ("stale_from", "book stale from", when(v.stale_from, "never")),
        ]),
    ]
    out.append(_figures("queue", "Redemption queue", [
        ("current_cycle", "current cycle", str(q.current_cycle)),
        ("cycle_start", "cycle started (UTC)", iso(q.cycle_start)),
        ("cycle_end", "cycle ends (UTC)", iso(q.cycle_end)),
        ("cycle_days", "cycle length (days)", f"{q.cycle_duration / 86_400:g}"),
        ("next_request_id", "next request id", str(q.next_request_id)),
        ("fifo_head", "FIFO head", str(q.fifo_head)),
        ("held", "held (bonded, passed over)", str(q.held)),
        ("reserved_assets", "serviced, unclaimed (USDai)", usd(q.reserved_assets)),
    ]))
    out.append(Section(
        "cycles", "Pending requests by cycle", ("cycle", "due (UTC)", "status", "requests", "pending (sUSDai)", "bonded (sUSDai)"),
        tuple(
            Row((
                Cell(str(c.cycle)), Cell(iso(c.due_at), f"cycle.{c.cycle}.due_at"),
                Cell("due" if c.due else "waiting", f"cycle.{c.cycle}.status"),
                Cell(str(c.requests), f"cycle.{c.cycle}.requests"),
                Cell(usd(c.pending_shares), f"cycle.{c.cycle}.pending_shares"),
                Cell(usd(c.bonded_shares), f"cycle.{c.cycle}.bonded_shares"),
            ), key=str(c.cycle))
            for c in q.cycles
        ),
        empty="no pending requests",
    ))
    out.append(Section(
        "auctions", "QEV auctions",
        ("cycle", "phase", "bids open (UTC)", "reveals open (UTC)", "reveals close (UTC)", "bids", "revealed",
         "swept", "eligible", "ranked", "reserve (bps)", "priority list"),
        tuple(
            Row((
                Cell(str(a.cycle)), Cell(a.phase, f"auction.{a.cycle}.phase"),
                Cell(iso(a.bid_opens), f"auction.{a.cycle}.bid_opens"),
                Cell(iso(a.reveal_opens), f"auction.{a.cycle}.reveal_opens"),
                Cell(iso(a.reveal_closes), f"auction.{a.cycle}.reveal_closes"),
                Cell(str(a.bids), f"auction.{a.cycle}.bids"), Cell(str(a.revealed), f"auction.{a.cycle}.revealed"),
                Cell(str(a.swept), f"auction.{a.cycle}.swept"), Cell(str(a.eligible), f"auction.{a.cycle}.eligible"),
                Cell(str(a.ranked), f"auction.{a.cycle}.ranked"),
                Cell(str(a.min_fee_bps), f"auction.{a.cycle}.min_fee_bps"),
                Cell(_priority_text(a), f"auction.{a.cycle}.priority"),
            ), key=str(a.cycle))
            for a in s.auctions
        ),
    ))
    out.append(Section(
        "stacks", "FiLo stacks (USDai)",
        ("stack", "curator", "status", "first loss (book)", "first loss (economic)", "senior principal",
         "senior pending", "cash", "outstanding", "impairment", "senior NAV", "open loans"),
        tuple(
            Row((
                Cell(str(st.stack_id)), Cell(st.curator, f"stack.{st.stack_id}.curator"),
                Cell(st.status, f"stack.{st.stack_id}.status"),
                Cell(usd(st.first_loss_book), f"stack.{st.stack_id}.first_loss_book"),
                Cell(usd(st.first_loss_economic), f"stack.{st.stack_id}.first_loss_economic"),
                Cell(usd(st.senior_principal), f"stack.{st.stack_id}.senior_principal"),
                Cell(usd(st.senior_pending), f"stack.{st.stack_id}.senior_pending"),
                Cell(usd(st.cash), f"stack.{st.stack_id}.cash"),
                Cell(usd(st.principal_outstanding), f"stack.{st.stack_id}.principal_outstanding"),
                Cell(usd(st.impairment), f"stack.{st.stack_id}.impairment"),
                Cell(usd(st.deposit_nav), f"stack.{st.stack_id}.deposit_nav"),
                Cell(" ".join(str(i) for i in st.open_loans) or "-", f"stack.{st.stack_id}.open_loans"),
            ), key=str(st.stack_id), flags=() if st.status == "performing" else (st.status,))
            for st in s.stacks
        ),
        empty="no stacks",
    ))
    out.append(Section(
        "loans", "Open loans (USDai)",
        ("loan", "stack", "borrower", "state", "principal outstanding", "interest owed", "payment", "period",
         "next due (UTC)", "markable from (UTC)", "flags"),
        tuple(
            Row((
                Cell(str(ln.loan_id)), Cell(str(ln.stack_id), f"loan.{ln.loan_id}.stack"),
                Cell(ln.borrower, f"loan.{ln.loan_id}.borrower"), Cell(ln.state, f"loan.{ln.loan_id}.state"),
                Cell(usd(ln.outstanding), f"loan.{ln.loan_id}.outstanding"),
                Cell(usd(ln.interest), f"loan.{ln.loan_id}.interest"),
                Cell(usd(ln.payment), f"loan.{ln.loan_id}.payment"),
                Cell(f"{ln.due_index}/{ln.periods}", f"loan.{ln.loan_id}.period"),
                Cell(when(ln.next_due), f"loan.{ln.loan_id}.next_due"),
                Cell(when(ln.deadline, "never"), f"loan.{ln.loan_id}.deadline"),
                Cell(_loan_flags_text(ln), f"loan.{ln.loan_id}.flags"),
            ), key=str(ln.loan_id), flags=ln.flags)
            for ln in s.loans
        ),
        empty="no open loans",
    ))
    newest = s.history[-TEXT_HISTORY_POINTS:]
    out.append(Section(
        "history", f"Share price history (newest {len(newest)} of {len(s.history)} points)",
        ("block", "time (UTC)", "share price", "events"),
        tuple(
            Row((
                Cell(str(p.block), f"history.{p.block}.block"), Cell(iso(p.timestamp), f"history.{p.block}.time"),
                Cell(price(p.share_price), f"history.{p.block}.share_price"), Cell(", ".join(p.events)),
            ), key=str(p.block))
            for p in newest
        ),
    ))
    out.append(Section(
        "contracts", "Contracts", ("name", "address"),
        tuple(Row((Cell(name), Cell(address, f"contract.{name}"))) for name, address in s.contracts),
    ))
    return out


def _priority_text(a: AuctionRound) -> str:
    """The settled priority list, once the round is past its reveal window (before, `priorityStatus`
    already reads final for a round without bids, though bids may still come)."""
    if a.phase not in ("settling", "settled"):
        return "open"
    if not a.final:
        return "not final"
    return f"final, {a.priority_length} {'entry' if a.priority_length == 1 else 'entries'}"


def _loan_flags_text(ln: LoanFigures) -> str:
    parts = [f.upper() for f in ln.flags]
    if ln.curable_until is not None:
        parts.append(f"cure by {iso(ln.curable_until)}")
    return "! " + ", ".join(parts) if ln.flags else "ok"


# ---------------------------------------------------------------- text


def render_text(s: Snapshot) -> str:
    """The snapshot as terminal tables (report.table), alerts first."""
    parts = [f"GPU-yield suite status: {s.network} (chain {s.chain_id}), block {s.block} at {iso(s.timestamp)}"]
    alerts = s.alerts()
    if alerts:
        parts.append("\n".join(f"! {a}" for a in alerts))
    for section in sections(s):
        body = table(section.headers, [[c.text for c in row.cells] for row in section.rows]) if section.rows else section.empty
        parts.append(f"{section.title}\n{body}")
    return "\n\n".join(parts) + "\n"


# ---------------------------------------------------------------- HTML


STYLE = """
:root { color-scheme: light; --ink: #1c2430; --muted: #5b6778; --line: #d9dee5; --bg: #f6f7f9; --bad: #b3261e;
        --bad-bg: #fde8e6; --accent: #2457c5; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       background: var(--bg); }
header { padding: 16px 24px 12px; background: #fff; border-bottom: 1px solid var(--line); }
header h1 { margin: 0 0 6px; font-size: 20px; }
header dl { margin: 0; display: flex; flex-wrap: wrap; gap: 4px 24px; color: var(--muted); }
header dt { display: inline; }
header dd { display: inline; margin: 0 0 0 6px; color: var(--ink); font-variant-numeric: tabular-nums; }
main { padding: 16px 24px 40px; display: grid; gap: 14px; grid-template-columns: repeat(3, minmax(0, 1fr)); }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; min-width: 0; }
section.wide { grid-column: 1 / -1; }
h2 { margin: 0 0 8px; font-size: 15px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
td[data-field] { font-variant-numeric: tabular-nums; white-space: nowrap; }
th.num, td.num { text-align: right; }
section.figures td:last-child, section.figures th:last-child { text-align: right; }
td.address { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; white-space: normal;
             word-break: break-all; min-width: 12em; }
tr.flagged td { background: var(--bad-bg); }
tr.flagged td.flag { color: var(--bad); font-weight: 700; }
.empty { color: var(--muted); margin: 0; }
#alerts { grid-column: 1 / -1; border-color: var(--bad); background: var(--bad-bg); }
#alerts ul { margin: 0; padding-left: 20px; color: var(--bad); font-weight: 600; }
.phase { display: inline-block; padding: 0 8px; border-radius: 10px; background: #e8eefc; color: var(--accent); }
svg { width: 100%; height: auto; display: block; margin-bottom: 8px; }
svg .line { fill: none; stroke: var(--accent); stroke-width: 2; }
svg .dot { fill: var(--accent); }
svg text { fill: var(--muted); font-size: 11px; }
svg .axis { stroke: var(--line); }
"""

_WIDE = {"cycles", "auctions", "stacks", "loans", "history", "contracts"}
_NUMBER = re.compile(r"-?[\d,]+(\.\d+)?%?")


def _numeric(section: Section) -> list[bool]:
    """Which columns hold only numbers (right-aligned on the page)."""
    return [
        bool(section.rows) and all(_NUMBER.fullmatch(row.cells[i].text) for row in section.rows)
        for i in range(len(section.headers))
    ]


def _cell_html(cell: Cell, numeric: bool) -> str:
    attrs, classes = "", ["num"] if numeric else []
    text = html.escape(cell.text)
    if cell.field is not None:
        attrs += f' data-field="{html.escape(cell.field)}"'
        if cell.field.startswith("contract.") or cell.field.endswith((".curator", ".borrower")):
            classes.append("address")
        if cell.field.endswith((".flags", ".status")):
            classes.append("flag")
        if cell.field.endswith(".phase"):
            text = f'<span class="phase">{text}</span>'
    if classes:
        attrs += f' class="{" ".join(classes)}"'
    return f"<td{attrs}>{text}</td>"


def _row_html(row: Row, numeric: list[bool]) -> str:
    attrs = ""
    if row.key is not None:
        attrs += f' data-key="{html.escape(row.key)}"'
    if row.flags:
        names = [f.replace(" ", "-") for f in row.flags]
        attrs += f' class="flagged {" ".join(names)}" data-flags="{" ".join(names)}"'
    cells = "".join(_cell_html(c, n) for c, n in zip(row.cells, numeric, strict=True))
    return f"<tr{attrs}>{cells}</tr>"


def _section_html(section: Section, extra: str = "") -> str:
    classes = ["wide"] if section.id in _WIDE else []
    if section.headers == ("figure", "value"):
        classes.append("figures")
    numeric = _numeric(section)
    head = "".join(
        f'<th class="num">{html.escape(h)}</th>' if n else f"<th>{html.escape(h)}</th>"
        for h, n in zip(section.headers, numeric, strict=True)
    )
    if section.rows:
        rows = "".join(_row_html(r, numeric) for r in section.rows)
        body = f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    else:
        body = f'<p class="empty">{html.escape(section.empty)}</p>'
    return (
        f'<section id="{section.id}" class="{" ".join(classes)}"><h2>{html.escape(section.title)}</h2>'
        f"{extra}{body}</section>"
    )


def price_chart(points: Sequence[PricePoint], width: int = 1000, height: int = 180) -> str:
    """An inline SVG polyline of the share price against time (empty with fewer than two points)."""
    if len(points) < 2:
        return ""
    pad_left, pad_right, pad_y = 90, 16, 22
    t0, t1 = points[0].timestamp, points[-1].timestamp
    low = min(p.share_price for p in points)
    high = max(p.share_price for p in points)
    span_t = max(t1 - t0, 1)
    span_p = max(high - low, 1)

    def x(p: PricePoint) -> float:
        return pad_left + (p.timestamp - t0) * (width - pad_left - pad_right) / span_t

    def y(p: PricePoint) -> float:
        if high == low:
            return height / 2
        return pad_y + (high - p.share_price) * (height - 2 * pad_y) / span_p

    coords = " ".join(f"{x(p):.1f},{y(p):.1f}" for p in points)
    dots = "".join(
        f'<circle class="dot" cx="{x(p):.1f}" cy="{y(p):.1f}" r="2.5" data-block="{p.block}"/>' for p in points
    )
    return (
        f'<svg id="price-chart" viewBox="0 0 {width} {height}" role="img" aria-label="share price history">'
        f'<line class="axis" x1="{pad_left}" y1="{pad_y}" x2="{pad_left}" y2="{height - pad_y}"/>'
        f'<line class="axis" x1="{pad_left}" y1="{height - pad_y}" x2="{width - pad_right}" y2="{height - pad_y}"/>'
        f'<text x="4" y="{pad_y + 4}">{price(high)}</text>'
        f'<text x="4" y="{height - pad_y + 4}">{price(low)}</text>'
        f'<text x="{pad_left}" y="{height - 4}">{iso(t0)[:10]}</text>'
        f'<text x="{width - pad_right}" y="{height - 4}" text-anchor="end">{iso(t1)[:10]}</text>'
        f'<polyline class="line" points="{coords}"/>{dots}</svg>'
    )


def render_html(s: Snapshot) -> str:
    """One self-contained static page (inline CSS and SVG, no script, nothing fetched): every figure
    of `render_text`, each in an element with a stable `data-field`, and every history point."""
    title = f"GPU-yield suite status, block {s.block}"
    alerts = s.alerts()
    header = ""
    parts = []
    if alerts:
        items = "".join(f"<li data-alert>{html.escape(a)}</li>" for a in alerts)
        parts.append(f'<section id="alerts"><h2>Needs attention</h2><ul>{items}</ul></section>')
    for section in sections(s):
        if section.id == "chain":
            # The chain's figures head the page.
            header = "".join(
                f'<dt>{html.escape(row.cells[0].text)}</dt><dd data-field="{row.cells[1].field}">'
                f"{html.escape(row.cells[1].text)}</dd>"
                for row in section.rows
            )
        elif section.id == "history":
            # The page shows every point (the terminal only the newest), under the chart.
            full = Section(section.id, f"Share price history ({len(s.history)} points)", section.headers, tuple(
                Row((
                    Cell(str(p.block), f"history.{p.block}.block"),
                    Cell(iso(p.timestamp), f"history.{p.block}.time"),
                    Cell(price(p.share_price), f"history.{p.block}.share_price"), Cell(", ".join(p.events)),
                ), key=str(p.block))
                for p in reversed(s.history)
            ))
            parts.append(_section_html(full, price_chart(s.history)))
        else:
            parts.append(_section_html(section))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f'<body data-block="{s.block}" data-chain-id="{s.chain_id}">'
        f'<header><h1>GPU-yield suite status</h1><dl id="chain">{header}</dl></header>'
        f"<main>{''.join(parts)}</main></body></html>\n"
    )
