"""The Allo points indexer: balances from logs, points per second (the program: 5 points per USDai
per day held, 2 per USDai of sUSDai value).

Points
------
An account earns, every second, 5 points per USDai it holds and 2 points per USDai of value of the
sUSDai it holds, the value being its shares times the vault's deposit price `convertToAssets(1e18)`.
sUSDai escrowed in a pending redemption request earns for the request's holder (the ticket's owner,
ERC-7540's controller) until servicing burns it, a reduction returns it or a forfeited QEV bond takes
it; once serviced, the USDai set aside for the claim is the vault's until claimed, and earns nothing.
Protocol contracts (every address of the manifest's `contracts` table), the dead-share holder
`0x…dEaD` and the zero address earn nothing.

Exactly, for an account with USDai `u` and shares `s` (wallet plus escrowed pending, both in wei) held
at price `p` (USDai wei per 1e18 shares) over `dt` seconds:

    numerator += 5 * u * 1e18 * dt + 2 * s * p * dt
    points     = numerator // (86_400 * 1e18)      (1e18 units: 1 point = 10**18)

Nothing is rounded until that one floor division, so the result does not depend on how the time is
cut into intervals (one sync or many, any batch size) and is reproducible bit for bit. One USDai held
for a day is 5 * 10**18; one sUSDai worth 1.05 USDai for a day is 2.1 * 10**18.

Time is block time: the state after block `b` holds from `b`'s timestamp to the next indexed block's,
and an index at block `B` counts up to `B`'s timestamp.

The approximation: the share price is sampled, not read at every block. It is read (`eth_call` at the
block's hash: its state after the block) at every block that has a log of the vault (deposits,
transfers, requests, servicing, claims, bonds, capital moves), one of the FiLo ledger's NAV events, a
USDai base-yield harvest or a USDai transfer to or from the vault, and holds from that block's
timestamp until the next such block. What moves the price without a log is
what accrues with time: the wM base yield the vault is owed (`baseYieldOwed`) and the senior interest
accrued on performing loans, both in `totalAssets`. Between two sampled blocks that growth is counted at
the earlier price, so sUSDai points are undercounted by at most the price's growth over each gap (4%/yr
of base yield: 0.011% over a day without a vault log). Losses are ledger events (impairments,
liquidations), so they are sampled in their block.

How
---
Logs only, no per-account calls: `eth_getLogs` over windows of blocks (all four contracts, the topics
below, in one filter), decoded by hand (`Transfer`'s three words) or with eth_abi from the compiled
ABIs (the rest). Balances follow `Transfer`s of USDai and sUSDai; the escrow of each request follows
`RedeemRequest`, `RedemptionServiced` (shares burned, fee included), `RedeemRequestReduced` (returned)
and `BondForfeited` (burned and tipped), and its holder follows the ticket's ERC-721 `Transfer`. The
vault's own share balance is then the sum of the escrows, checked after every window (a mismatch means
an escrow path this indexer does not know, and stops it).

Accrual is lazy: two clocks run for everyone (`clock`: seconds; `price_clock`: price x seconds), and
an account is settled against them only when its balance changes (and when a table is read). Windows
adapt to about TARGET_LOGS logs each; the next window is fetched while one is applied; the state is
committed every COMMIT_SECONDS and at the end. Blocks within `reorg_depth` of the target keep undo
rows and their hashes, so a reorg found at the next sync (a stored hash no longer on the chain) is
rolled back to the newest block still on it, then indexed again.
"""

from __future__ import annotations

import json
import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from eth_abi.abi import decode
from eth_utils.address import is_address, to_checksum_address
from eth_utils.crypto import keccak

from scripts._suite.points.store import (
    AccountRow,
    BlockUndo,
    Loaded,
    RequestRow,
    Store,
)

DAY = 86_400
WAD = 10**18
USDAI_POINTS_PER_DAY = 5
SUSDAI_POINTS_PER_DAY = 2
POINT = 10**18  # points are integers in 1e18 units
DENOMINATOR = DAY * WAD  # numerator units: wei x 1e18 x seconds (see the module docstring)
USDAI_FACTOR = USDAI_POINTS_PER_DAY * WAD
ZERO = "0x" + "00" * 20
DEAD = "0x000000000000000000000000000000000000dead"

DEFAULT_BATCH_BLOCKS = 10_000  # widest eth_getLogs window, in blocks
TARGET_LOGS = 10_000  # windows adapt to about this many logs
DEFAULT_REORG_DEPTH = 128  # blocks below the target that keep undo rows and hashes
COMMIT_SECONDS = 5.0
MAX_RETRIES = 5  # times a sync restarts when the chain moves under it
BATCH_LIMIT = 500  # requests per JSON-RPC batch (hosted nodes cap batches)

# Events read, by the manifest name of the contract that emits them. The vault's and the ledger's
# also mark the blocks at which the share price is sampled.
EVENTS: dict[str, tuple[str, ...]] = {
    "USDai": ("Transfer", "BaseYieldHarvested"),
    "sUSDai": (
        "Transfer", "RedeemRequest", "RedemptionServiced", "RedeemRequestReduced", "BondForfeited",
        "Deposit", "Withdraw", "Allocated", "Deallocated",
    ),
    "RedemptionTicket": ("Transfer",),
    "FiLoRegistry": ("RepaymentSettled", "ImpairmentUpdated", "LiquidationSettled", "SeniorLossRealised", "Swept"),
}
CONTAINERS = {"USDai": "USDai", "sUSDai": "StakedUSDai", "RedemptionTicket": "RedemptionTicket", "FiLoRegistry": "FiLoRegistry"}
TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
CONVERT_TO_ASSETS = "0x" + (keccak(text="convertToAssets(uint256)")[:4] + WAD.to_bytes(32, "big")).hex()
TOTAL_SUPPLY = "0x" + keccak(text="totalSupply()")[:4].hex()


class PointsError(ValueError):
    """Bad input or a chain the index cannot follow: one line for the CLI."""


class RpcError(PointsError):
    pass


class ReorgTooDeep(PointsError):
    pass


class ChainMoved(PointsError):
    """The chain reorganised under a window being read: the sync starts over from its last commit."""


# ---------------------------------------------------------------- JSON-RPC


class Rpc(Protocol):
    def call(self, method: str, params: list[Any]) -> Any: ...

    def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]: ...


def _result(method: str, response: Mapping[str, Any]) -> Any:
    if "error" in response:
        error = response["error"]
        message = error.get("message", error) if isinstance(error, Mapping) else error
        raise RpcError(f"{method}: {message}")
    return response.get("result")


class HttpRpc:
    """JSON-RPC over HTTP: one session, batches as JSON arrays (one round trip)."""

    def __init__(self, uri: str, timeout: float = 120.0) -> None:
        self.uri = uri
        self.timeout = timeout
        self._local = threading.local()  # one session per thread: the next window is read beside
        self._id = 0

    def _session(self) -> Any:
        session = getattr(self._local, "session", None)
        if session is None:
            import requests

            session = requests.Session()
            session.headers["Content-Type"] = "application/json"
            self._local.session = session
        return session

    def _post(self, body: Any) -> Any:
        import requests

        try:
            response = self._session().post(self.uri, data=json.dumps(body), timeout=self.timeout)
        except requests.RequestException as exc:
            raise RpcError(f"node at {self.uri} unreachable: {type(exc).__name__}") from None
        if response.status_code >= 400 and not response.content.startswith((b"{", b"[")):
            raise RpcError(f"node at {self.uri}: HTTP {response.status_code}")
        return json.loads(response.content)

    def call(self, method: str, params: list[Any]) -> Any:
        self._id += 1
        return _result(method, self._post({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params}))

    def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        """The answers of `calls`, in order, sent as JSON-RPC batches of at most BATCH_LIMIT requests."""
        found: list[Any] = []
        for start in range(0, len(calls), BATCH_LIMIT):
            chunk = calls[start : start + BATCH_LIMIT]
            body = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(chunk)]
            answers = self._post(body)
            if not isinstance(answers, list):  # a node that refuses batches answers with one error
                found += [self.call(m, p) for m, p in chunk]
                continue
            by_id = {a.get("id"): a for a in answers}
            found += [_result(chunk[i][0], by_id.get(i, {"error": {"message": "no answer"}})) for i in range(len(chunk))]
        return found


class ProviderRpc:
    """JSON-RPC through a web3 provider (IPC, websockets): for nodes not reached over HTTP."""

    def __init__(self, provider: Any) -> None:
        self.provider = provider

    def call(self, method: str, params: list[Any]) -> Any:
        return _result(method, self.provider.make_request(method, params))

    def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        return [self.call(m, p) for m, p in calls]


def rpc_for(provider: Any) -> Rpc:
    """The raw JSON-RPC of an Ape provider (`chain.provider`)."""
    web3_provider = provider.web3.provider
    uri = getattr(web3_provider, "endpoint_uri", None)
    if isinstance(uri, str) and uri.startswith(("http://", "https://")):
        return HttpRpc(uri)
    return ProviderRpc(web3_provider)


# ---------------------------------------------------------------- the deployment


@dataclass(frozen=True)
class Deployment:
    """What an index follows; stored with it, so that one database never mixes two deployments."""

    chain_id: int
    usdai: str  # lower case
    vault: str  # home: the vault; another chain: its sUSDai OFT
    ticket: str | None  # None on another chain (no requests there)
    registry: str | None
    excluded: frozenset[str]  # lower case: earn nothing
    start_block: int
    home_chain_id: int | None = None  # another chain: the home chain whose index prices its sUSDai

    @property
    def remote(self) -> bool:
        return self.home_chain_id is not None

    @classmethod
    def from_manifest(cls, contracts: Mapping[str, Any], chain_id: int, start_block: int = 0,
                      also_excluded: Mapping[str, Any] | None = None) -> Deployment:
        """From a manifest's `contracts` table (`Suite.manifest()["contracts"]`); `also_excluded` is the
        home omnichain manifest's table (lockboxes, composer, LayerZero), which earn nothing either."""
        for name in ("USDai", "sUSDai", "RedemptionTicket"):
            if name not in contracts:
                raise PointsError(f"the manifest lists no {name}")
        for name, address in {**contracts, **(also_excluded or {})}.items():
            if not isinstance(address, str) or not is_address(address):
                raise PointsError(f"manifest entry {name} is not an address: {address!r}")
        if start_block < 0:
            raise PointsError(f"--from-block {start_block}: a block number is at least 0")
        protocol = [*contracts.values(), *(also_excluded or {}).values()]
        excluded = frozenset({str(a).lower() for a in protocol} | {ZERO, DEAD})
        registry = contracts.get("FiLoRegistry")
        return cls(
            chain_id=int(chain_id),
            usdai=str(contracts["USDai"]).lower(),
            vault=str(contracts["sUSDai"]).lower(),
            ticket=str(contracts["RedemptionTicket"]).lower(),
            registry=None if registry is None else str(registry).lower(),
            excluded=excluded,
            start_block=int(start_block),
        )

    @classmethod
    def from_omnichain(cls, manifest: Mapping[str, Any], home_chain_id: int, start_block: int | None = None) -> Deployment:
        """Another chain's part, from its omnichain manifest (`ape run omnichain deploy`): its USDai and
        sUSDai OFTs; its own contracts earn nothing."""
        if manifest.get("home"):
            raise PointsError(f"the omnichain manifest of chain {manifest.get('chainId')} is the home chain's")
        contracts = manifest["contracts"]
        for name in ("USDaiOFT", "sUSDaiOFT"):
            if not is_address(str(contracts.get(name))):
                raise PointsError(f"the omnichain manifest of chain {manifest.get('chainId')} lists no {name}")
        start = int(manifest.get("startBlock", 0)) if start_block is None else start_block
        return cls(
            chain_id=int(manifest["chainId"]), usdai=str(contracts["USDaiOFT"]).lower(),
            vault=str(contracts["sUSDaiOFT"]).lower(), ticket=None, registry=None,
            excluded=frozenset({str(a).lower() for a in contracts.values()} | {ZERO, DEAD}), start_block=start,
            home_chain_id=int(home_chain_id),
        )

    def to_json(self) -> dict[str, Any]:
        found = {
            "chainId": self.chain_id, "USDai": self.usdai, "sUSDai": self.vault, "RedemptionTicket": self.ticket,
            "FiLoRegistry": self.registry, "excluded": sorted(self.excluded), "startBlock": self.start_block,
        }
        if self.home_chain_id is not None:
            found["homeChainId"] = self.home_chain_id
        return found

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Deployment:
        ticket, home = data.get("RedemptionTicket"), data.get("homeChainId")
        return cls(
            chain_id=int(data["chainId"]), usdai=str(data["USDai"]), vault=str(data["sUSDai"]),
            ticket=None if ticket is None else str(ticket), registry=data.get("FiLoRegistry"),
            excluded=frozenset(data["excluded"]), start_block=int(data["startBlock"]),
            home_chain_id=None if home is None else int(home),
        )

    def addresses(self) -> dict[str, str]:
        found = {"USDai": self.usdai, "sUSDai": self.vault}
        if self.ticket is not None:
            found["RedemptionTicket"] = self.ticket
        if self.registry is not None:
            found["FiLoRegistry"] = self.registry
        return found


def attach(store: Store, deployment: Deployment) -> None:
    """Binds an empty database to `deployment`; refuses one that indexes another."""
    found = store.deployment()
    if found is None:
        store.set_deployment(deployment.to_json())
        return
    mine = deployment.to_json()
    if found != mine:
        differ = sorted(k for k in mine if found.get(k) != mine[k])
        raise PointsError(
            f"--db {store.label} indexes another deployment or range (differs in {', '.join(differ)}): pass another --db"
        )


# ---------------------------------------------------------------- events


@dataclass(frozen=True)
class EventCodec:
    """One event of the compiled ABI: its topic and how to decode its arguments with eth_abi."""

    name: str
    topic: str
    inputs: tuple[tuple[str, str, bool], ...]  # (name, canonical type, indexed)

    def decode(self, log: Mapping[str, Any]) -> dict[str, Any]:
        topics = iter(log["topics"][1:])
        data_types = [t for _, t, indexed in self.inputs if not indexed]
        data = iter(decode(data_types, bytes.fromhex(str(log["data"])[2:])))
        out: dict[str, Any] = {}
        for name, kind, indexed in self.inputs:
            out[name] = decode([kind], bytes.fromhex(str(next(topics))[2:]))[0] if indexed else next(data)
        return out


def _canonical(p: Mapping[str, Any]) -> str:
    """An ABI parameter's canonical type (structs as tuples)."""
    kind = str(p["type"])
    if kind.startswith("tuple"):
        return "(" + ",".join(_canonical(c) for c in p["components"]) + ")" + kind[len("tuple") :]
    return kind


def codecs() -> dict[str, dict[str, EventCodec]]:
    """Manifest name -> event name -> codec, from the project's compiled ABIs."""
    from scripts._suite.abi import container, event_abi, event_topic

    found: dict[str, dict[str, EventCodec]] = {}
    for owner, names in EVENTS.items():
        c = container(CONTAINERS[owner])
        found[owner] = {}
        for name in names:
            inputs = tuple((str(p["name"]), _canonical(p), bool(p.get("indexed"))) for p in event_abi(c, name)["inputs"])
            found[owner][name] = EventCodec(name, event_topic(c, name), inputs)
    if found["USDai"]["Transfer"].topic != TRANSFER_TOPIC:
        raise PointsError("USDai's Transfer is not the ERC-20 event")
    return found


# ---------------------------------------------------------------- the ledger


def initial_state(start_block: int) -> dict[str, Any]:
    return {"block": start_block - 1, "timestamp": None, "clock": "0", "priceClock": "0", "price": "0", "events": 0}


@dataclass(frozen=True)
class PriceSchedule:
    """The home index's share price over time, for another chain's sUSDai: (timestamp, price) samples in
    the order the home chain took them, known up to `until` (the home index's block time). A sample holds
    from its timestamp on, as at home; of samples with one timestamp the last holds."""

    samples: tuple[tuple[int, int], ...]
    until: int

    def at(self, timestamp: int) -> int:
        """The price holding at `timestamp` (0 before the first sample)."""
        i = bisect_right(self.samples, timestamp, key=lambda s: s[0])
        return self.samples[i - 1][1] if i else 0

    def taken_by(self, timestamp: int) -> int:
        """How many samples hold by `timestamp` (those at or before it)."""
        return bisect_right(self.samples, timestamp, key=lambda s: s[0])


class Ledger:
    """Balances, escrows and the two clocks, in memory while a sync applies logs; records what it
    changes (for the store) and, inside the reorg window, the values before each block changed them.
    At home it records every price it samples (`samples`, for the other chains' indexes); on another
    chain the price follows the home samples (`schedule`) at their own times."""

    def __init__(self, deployment: Deployment, loaded: Loaded, schedule: PriceSchedule | None = None) -> None:
        state = loaded.state or initial_state(deployment.start_block)
        self.schedule = schedule
        self.samples: list[tuple[int, int, int]] = []  # (block, timestamp, price), home only
        self.excluded = deployment.excluded
        self.vault = deployment.vault
        self.accounts: dict[str, AccountRow] = loaded.accounts
        self.requests: dict[int, list[Any]] = {i: [h, e] for i, (h, e) in loaded.requests.items()}
        self.block = int(state["block"])
        self.timestamp: int | None = None if state["timestamp"] is None else int(state["timestamp"])
        self.clock = int(state["clock"])
        self.price_clock = int(state["priceClock"])
        self.price = int(state["price"])
        self.price_seq = int(state.get("priceSeq", 0))  # another chain: home samples taken so far
        self.events = int(state["events"])
        self.changed_accounts: set[str] = set()
        self.changed_requests: set[int] = set()
        self.undo: list[BlockUndo] = []
        self._before: BlockUndo | None = None  # the current block's, inside the reorg window

    def state(self) -> dict[str, Any]:
        return {
            "block": self.block, "timestamp": self.timestamp, "clock": str(self.clock),
            "priceClock": str(self.price_clock), "price": str(self.price), "events": self.events,
            "priceSeq": self.price_seq,
        }

    # -------------------------------------------------------- time

    def begin_block(self, number: int, timestamp: int, record: bool) -> None:
        """Runs the clocks to `timestamp` (the state so far held until then); later changes are `number`'s."""
        self._before = BlockUndo(number, self.state()) if record else None
        if self._before is not None:
            self.undo.append(self._before)
        if self.timestamp is not None:
            elapsed = timestamp - self.timestamp
            if elapsed < 0:
                raise PointsError(f"block {number} is older than block {self.block}")
            self.clock += elapsed
            if self.schedule is None:
                self.price_clock += self.price * elapsed
            else:  # another chain: the home price changes at the home samples' times
                self._follow_home(timestamp)
        elif self.schedule is not None:
            self.price = self.schedule.at(timestamp)
            self.price_seq = self.schedule.taken_by(timestamp)
        self.timestamp = timestamp
        self.block = number

    def _follow_home(self, timestamp: int) -> None:
        """Runs the price clock to `timestamp` through every home sample not yet taken that holds by then,
        each from its own time. Samples are taken by their number, not their time: one the home chain
        took later at the very second this index had reached (several home blocks share a second) is
        still taken, from that second on."""
        assert self.schedule is not None and self.timestamp is not None
        mark = self.timestamp
        for at, price in self.schedule.samples[self.price_seq:]:
            if at > timestamp:
                break
            at = max(at, mark)
            self.price_clock += self.price * (at - mark)
            mark, self.price = at, price
            self.price_seq += 1
        self.price_clock += self.price * (timestamp - mark)

    # -------------------------------------------------------- accounts

    def settle(self, address: str) -> AccountRow:
        """`address`'s row, accrued up to now (and saved for undo before its first change this block)."""
        row = self.accounts.get(address)
        before = self._before
        if before is not None and address not in before.accounts:
            before.accounts[address] = None if row is None else list(row)
        self.changed_accounts.add(address)
        if row is None:
            row = [0, 0, 0, 0, self.clock, self.price_clock]
            self.accounts[address] = row
            return row
        if address not in self.excluded:
            elapsed = self.clock - row[4]
            if elapsed:
                row[3] += row[0] * USDAI_FACTOR * elapsed
            priced = self.price_clock - row[5]
            if priced:
                row[3] += (row[1] + row[2]) * SUSDAI_POINTS_PER_DAY * priced
        row[4] = self.clock
        row[5] = self.price_clock
        return row

    def usdai_transfer(self, sender: str, recipient: str, value: int) -> None:
        if sender != ZERO:
            self.settle(sender)[0] -= value
        if recipient != ZERO:
            self.settle(recipient)[0] += value

    def share_transfer(self, sender: str, recipient: str, value: int) -> None:
        if sender != ZERO:
            self.settle(sender)[1] -= value
        if recipient != ZERO:
            self.settle(recipient)[1] += value

    # -------------------------------------------------------- requests

    def _save_request(self, request_id: int) -> list[Any] | None:
        found = self.requests.get(request_id)
        before = self._before
        if before is not None and request_id not in before.requests:
            before.requests[request_id] = None if found is None else (str(found[0]), int(found[1]))
        self.changed_requests.add(request_id)
        return found

    def request_made(self, request_id: int, controller: str, shares: int) -> None:
        if self._save_request(request_id) is not None:
            raise PointsError(f"request {request_id} made twice")
        self.requests[request_id] = [controller, shares]
        self.settle(controller)[2] += shares

    def request_moved(self, request_id: int, recipient: str) -> None:
        found = self.requests.get(request_id)
        if found is None or found[0] == recipient:
            return
        self._save_request(request_id)
        self.settle(found[0])[2] -= found[1]
        self.settle(recipient)[2] += found[1]
        found[0] = recipient

    def escrow_released(self, request_id: int, shares: int) -> None:
        found = self._save_request(request_id)
        if found is None:
            raise PointsError(f"request {request_id} released shares before it was made (index from the deployment)")
        found[1] -= shares
        self.settle(found[0])[2] -= shares

    def price_sampled(self, price: int) -> None:
        if price != self.price:
            assert self.timestamp is not None
            self.samples.append((self.block, self.timestamp, price))
        self.price = price

    # -------------------------------------------------------- checks and output

    def check(self) -> None:
        """The vault's share balance is the sum of the escrows (docs/DESIGN.md, "sUSDai: cycles and
        requests": shares reach the vault only as a request's escrow). Another chain has no vault and no
        requests (its "vault" is the sUSDai OFT, which anyone may send tokens to)."""
        if self.schedule is not None:
            return
        held = self.accounts.get(self.vault, [0, 0])[1]
        escrowed = sum(r[1] for r in self.requests.values())
        if held != escrowed:
            raise PointsError(
                f"block {self.block}: the vault holds {held} sUSDai wei but its requests escrow {escrowed}: "
                "an escrow path this indexer does not follow"
            )

    def take_changes(self) -> tuple[dict[str, AccountRow], dict[int, RequestRow], list[BlockUndo], list[tuple[int, int, int]]]:
        accounts = {a: list(self.accounts[a]) for a in self.changed_accounts}
        requests = {i: (str(self.requests[i][0]), int(self.requests[i][1])) for i in self.changed_requests}
        undo, self.undo = self.undo, []
        samples, self.samples = self.samples, []
        self._before = None  # a block's record is complete once committed
        self.changed_accounts, self.changed_requests = set(), set()
        return accounts, requests, undo, samples


# ---------------------------------------------------------------- reading the chain


@dataclass(frozen=True)
class Window:
    low: int
    high: int
    end_hash: str
    end_timestamp: int
    logs: list[dict[str, Any]]


def _header(rpc: Rpc, number: int) -> dict[str, Any] | None:
    found = rpc.call("eth_getBlockByNumber", [hex(number), False])
    return None if found is None else dict(found)


def get_logs(rpc: Rpc, query: Mapping[str, Any], low: int, high: int) -> list[dict[str, Any]]:
    """The logs of [low, high]; a range the node refuses (too many results, too wide) is read in halves."""
    try:
        found = rpc.call("eth_getLogs", [{**query, "fromBlock": hex(low), "toBlock": hex(high)}])
    except RpcError:
        if low == high:
            raise
        middle = (low + high) // 2
        return get_logs(rpc, query, low, middle) + get_logs(rpc, query, middle + 1, high)
    return list(found)


def read_window(rpc: Rpc, query: Mapping[str, Any], low: int, high: int) -> Window:
    """The logs of [low, high] and the hash and time of `high`, read twice around the logs: a changed
    hash means a reorg while reading (ChainMoved)."""
    before = _header(rpc, high)
    if before is None:
        raise ChainMoved(f"block {high} is gone")
    logs = get_logs(rpc, query, low, high)
    after = _header(rpc, high)
    if after is None or after["hash"] != before["hash"]:
        raise ChainMoved(f"block {high} changed while its logs were read")
    return Window(low, high, str(before["hash"]), int(before["timestamp"], 16), logs)


# ---------------------------------------------------------------- sync


@dataclass(frozen=True)
class SyncReport:
    first_block: int | None  # None: nothing new
    last_block: int  # the index's block after the sync
    events: int
    seconds: float
    rolled_back_to: int | None = None
    undone: int = 0

    def line(self) -> str:
        if self.first_block is None:
            done = f"up to date at block {self.last_block}"
        else:
            rate = self.events / self.seconds if self.seconds > 0 else 0.0
            done = (
                f"indexed blocks {self.first_block:,}-{self.last_block:,}: {self.events:,} events in "
                f"{self.seconds:.1f} s ({rate:,.0f} events/s)"
            )
        if self.rolled_back_to is not None:
            done = f"reorg: rolled back to block {self.rolled_back_to:,} ({self.undone} changes undone); " + done
        return done


Progress = Callable[[int, int, int], None]  # (blocks done, blocks in all, events so far)


@dataclass
class _Plan:
    query: dict[str, Any]
    kinds: dict[tuple[str, str], tuple[str, str]]  # (address, topic0) -> (contract, event)
    codecs: dict[str, dict[str, EventCodec]] = field(default_factory=dict)


def _plan(deployment: Deployment) -> _Plan:
    found = codecs()
    kinds: dict[tuple[str, str], tuple[str, str]] = {}
    addresses = deployment.addresses()
    for owner, address in addresses.items():
        for name, codec in found[owner].items():
            kinds[(address, codec.topic)] = (owner, name)
    topics = sorted({topic for _, topic in kinds})
    return _Plan({"address": sorted(addresses.values()), "topics": [topics]}, kinds, found)


def check_reorg(store: Store, rpc: Rpc) -> tuple[int | None, int]:
    """Compares the stored block hashes with the chain's; on a difference rolls the index back to the
    newest stored block still on the chain. Returns (that block, changes undone), or (None, 0)."""
    stored = store.block_hashes()
    if not stored:
        return None, 0
    newest, newest_hash = stored[0]
    header = _header(rpc, newest)
    if header is not None and header["hash"] == newest_hash:
        return None, 0
    answers = rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n, _ in stored])
    for (number, block_hash), answer in zip(stored, answers, strict=True):
        if answer is not None and answer["hash"] == block_hash:
            return number, store.rollback(number)
    raise ReorgTooDeep(
        f"the chain no longer has any of the {len(stored)} recent blocks this index remembers "
        f"(blocks {stored[-1][0]:,}-{newest:,}): the reorg is deeper than --reorg-depth; index again into a new --db"
    )


def _check_fresh_start(rpc: Rpc, deployment: Deployment) -> None:
    """An index starts where nobody held USDai yet: balances come only from the logs it reads."""
    if deployment.start_block == 0:
        return
    before = hex(deployment.start_block - 1)
    code = rpc.call("eth_getCode", [deployment.usdai, before])
    if code in (None, "0x", "0x0"):
        return
    supply = rpc.call("eth_call", [{"to": deployment.usdai, "data": TOTAL_SUPPLY}, before])
    if supply not in (None, "0x") and int(supply, 16) != 0:
        raise PointsError(
            f"--from-block {deployment.start_block}: USDai already had holders at block {deployment.start_block - 1}; "
            "index from the deployment block (the manifest's startBlock) or earlier"
        )


def _last_block_at(rpc: Rpc, low: int, high: int, timestamp: int) -> int:
    """The newest block in [low, high] whose time is at most `timestamp` (`low` if none is): another
    chain is indexed only as far as the home index's prices are known."""
    def time_of(number: int) -> int:
        header = _header(rpc, number)
        if header is None:
            raise ChainMoved(f"block {number} is gone")
        return int(header["timestamp"], 16)

    if high <= low or time_of(high) <= timestamp:
        return max(low, high)
    while high - low > 1:  # time_of(high) > timestamp; low is the answer or below it
        middle = (low + high) // 2
        if time_of(middle) <= timestamp:
            low = middle
        else:
            high = middle
    return low


def home_schedule(store: Store) -> PriceSchedule:
    """The home index's prices, for the other chains' indexes; refuses an index never synced."""
    state = store.state()
    if state is None or state.get("timestamp") is None:
        raise PointsError(f"--db {store.label}: the home chain is not indexed yet (sync it first)")
    return PriceSchedule(tuple(store.prices()), int(state["timestamp"]))


def _windows(low: int, high: int, floor: int, span: int) -> Iterator[tuple[int, int]]:
    """[low, high] cut into windows of at most `span` blocks, one of them ending exactly at `floor`."""
    while low <= high:
        end = min(high, low + span - 1)
        if low <= floor < end:
            end = floor
        yield low, end
        low = end + 1


def sync(
    store: Store,
    rpc: Rpc,
    deployment: Deployment,
    *,
    confirmations: int = 0,
    to_block: int | None = None,
    batch_blocks: int = DEFAULT_BATCH_BLOCKS,
    reorg_depth: int = DEFAULT_REORG_DEPTH,
    progress: Progress | None = None,
    schedule: PriceSchedule | None = None,
) -> SyncReport:
    """Indexes from the last indexed block up to the chain head less `confirmations` (or `to_block`).
    Another chain's index needs the home index's prices (`schedule`, `home_schedule(home store)`) and goes
    no further than the home index's time."""
    if deployment.remote != (schedule is not None):
        raise PointsError("another chain's index needs the home index's prices, and only it does")
    for flag, value, least in (("--confirmations", confirmations, 0), ("--batch-blocks", batch_blocks, 1), ("--reorg-depth", reorg_depth, 0)):
        if value < least:
            raise PointsError(f"{flag} {value}: at least {least}")
    chain_id = int(rpc.call("eth_chainId", []), 16)
    if chain_id != deployment.chain_id:
        raise PointsError(f"the node is chain {chain_id}, the deployment is on chain {deployment.chain_id}")
    attach(store, deployment)
    started = time.monotonic()
    rolled_back_to, undone = None, 0
    for attempt in range(MAX_RETRIES):
        try:
            found, count = check_reorg(store, rpc)
            if found is not None:
                rolled_back_to, undone = found, undone + count
            return _sync_once(store, rpc, deployment, confirmations, to_block, batch_blocks, reorg_depth, progress,
                              started, rolled_back_to, undone, schedule)
        except ChainMoved:
            if attempt == MAX_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def _sync_once(
    store: Store, rpc: Rpc, deployment: Deployment, confirmations: int, to_block: int | None, batch_blocks: int,
    reorg_depth: int, progress: Progress | None, started: float, rolled_back_to: int | None, undone: int,
    schedule: PriceSchedule | None = None,
) -> SyncReport:
    head = int(rpc.call("eth_blockNumber", []), 16)
    target = head - confirmations if to_block is None else min(to_block, head - confirmations)
    loaded = store.load()
    if loaded.state is None:
        _check_fresh_start(rpc, deployment)
    ledger = Ledger(deployment, loaded, schedule)
    if schedule is not None:
        target = min(target, _last_block_at(rpc, max(ledger.block, deployment.start_block - 1), target, schedule.until))
    first = ledger.block + 1
    if first > target:
        return SyncReport(None, ledger.block, 0, time.monotonic() - started, rolled_back_to, undone)
    plan = _plan(deployment)
    floor = target - reorg_depth  # blocks above it keep undo rows; their hashes are kept from it on
    events_before = ledger.events
    hashes: dict[int, str] = {}
    last_commit = time.monotonic()

    def commit() -> None:
        keep_from = min(floor, ledger.block)
        accounts, requests, undo, samples = ledger.take_changes()
        store.commit(ledger.state(), accounts, requests, undo, hashes.items(), keep_from, samples)
        hashes.clear()

    with ThreadPoolExecutor(max_workers=1) as pool:
        span = min(batch_blocks, 1_000)
        low = first
        pending: Future[Window] | None = None
        while low <= target:
            if pending is None:
                high = next(_windows(low, target, floor, span))[1]
                pending = pool.submit(read_window, rpc, plan.query, low, high)
            window = pending.result()
            pending = None
            # Size the next window from this one's yield, and read it while this one is applied.
            span = max(1, min(batch_blocks, span * 4, span * TARGET_LOGS // max(1, len(window.logs))))
            if window.high < target:
                low_next = window.high + 1
                high_next = next(_windows(low_next, target, floor, span))[1]
                pending = pool.submit(read_window, rpc, plan.query, low_next, high_next)
            _apply(ledger, rpc, plan, deployment, window, floor, hashes)
            ledger.check()
            low = window.high + 1
            if progress is not None:
                progress(window.high - first + 1, target - first + 1, ledger.events - events_before)
            if time.monotonic() - last_commit >= COMMIT_SECONDS or low > target:
                commit()
                last_commit = time.monotonic()
    return SyncReport(first, ledger.block, ledger.events - events_before, time.monotonic() - started, rolled_back_to, undone)


def _apply(
    ledger: Ledger, rpc: Rpc, plan: _Plan, deployment: Deployment, window: Window, floor: int, hashes: dict[int, str]
) -> None:
    """Applies one window's logs block by block (price sampled at the blocks that need it), then runs
    the clocks to the window's last block."""
    kinds = plan.kinds
    vault, usdai, ticket = deployment.vault, deployment.usdai, deployment.ticket
    # Blocks in order, their timestamps and hashes, and which ones sample the price.
    blocks: list[tuple[int, str, list[dict[str, Any]]]] = []
    times: dict[int, int] = {}
    priced: set[int] = set()
    for log in window.logs:
        if log.get("removed"):
            continue
        number = int(log["blockNumber"], 16)
        if not blocks or blocks[-1][0] != number:
            blocks.append((number, str(log["blockHash"]), []))
            stamp = log.get("blockTimestamp")
            if stamp is not None:
                times[number] = int(stamp, 16)
        elif blocks[-1][1] != log["blockHash"]:
            raise ChainMoved(f"block {number}: logs of two different blocks")
        blocks[-1][2].append(log)
        address = str(log["address"]).lower()
        if deployment.remote:
            continue  # another chain's price is the home index's
        if address == vault or address == deployment.registry:
            priced.add(number)
        elif address == usdai:
            topics = log["topics"]
            if topics[0] != TRANSFER_TOPIC or topics[1][26:].lower() == vault[2:] or topics[2][26:].lower() == vault[2:]:
                priced.add(number)
    missing = [(n, h) for n, h, _ in blocks if n not in times]
    if missing:
        for (number, block_hash), header in zip(
            missing, rpc.batch([("eth_getBlockByHash", [h, False]) for _, h in missing]), strict=True
        ):
            if header is None:
                raise ChainMoved(f"block {number} {block_hash} is gone")
            times[number] = int(header["timestamp"], 16)
    sampled = sorted(priced)
    prices: dict[int, int] = {}
    if sampled:
        hashes_of = {n: h for n, h, _ in blocks}
        try:
            answers = rpc.batch([
                ("eth_call", [{"to": vault, "data": CONVERT_TO_ASSETS}, {"blockHash": hashes_of[n]}]) for n in sampled
            ])
        except RpcError as exc:
            raise PointsError(f"the share price at past blocks needs an archive node ({exc})") from None
        for number, answer in zip(sampled, answers, strict=True):
            prices[number] = int(answer, 16) if answer not in (None, "0x") else 0

    for number, block_hash, logs in blocks:
        ledger.begin_block(number, times[number], record=number > floor)
        if number >= floor:
            hashes[number] = block_hash
        for log in logs:
            address = str(log["address"]).lower()
            topics = log["topics"]
            kind = kinds.get((address, topics[0]))
            if kind is None:
                continue
            ledger.events += 1
            owner, name = kind
            if name == "Transfer":
                # Transfer(address indexed, address indexed, uint256): three words, read by hand (hot path).
                sender, recipient = "0x" + topics[1][26:].lower(), "0x" + topics[2][26:].lower()
                if owner == "USDai":
                    ledger.usdai_transfer(sender, recipient, int(log["data"], 16))
                elif owner == "sUSDai":
                    ledger.share_transfer(sender, recipient, int(log["data"], 16))
                elif address == ticket and sender != ZERO and recipient != ZERO:
                    ledger.request_moved(int(topics[3], 16), recipient)
                continue
            if owner != "sUSDai":
                continue  # price events of USDai and the ledger: sampled below
            args = plan.codecs[owner][name].decode(log)
            if name == "RedeemRequest":
                ledger.request_made(int(args["requestId"]), str(args["controller"]).lower(), int(args["shares"]))
            elif name == "RedemptionServiced":
                ledger.escrow_released(int(args["requestId"]), int(args["shares"]))
            elif name == "RedeemRequestReduced":
                ledger.escrow_released(int(args["requestId"]), int(args["shares"]))
            elif name == "BondForfeited":
                ledger.escrow_released(int(args["requestId"]), int(args["burnedShares"]) + int(args["tipShares"]))
        if number in prices:
            ledger.price_sampled(prices[number])
    if ledger.block < window.high:
        ledger.begin_block(window.high, window.end_timestamp, record=window.high > floor)
    hashes[window.high] = window.end_hash  # the index's block is always checkable at the next sync


# ---------------------------------------------------------------- reading the index


@dataclass(frozen=True)
class Holding:
    account: str  # checksummed
    points: int  # 1e18 units
    usdai: int
    shares: int  # wallet plus escrowed in pending requests
    escrowed: int


def points_now(row: AccountRow, clock: int, price_clock: int) -> int:
    """An account's points at the index's block: its numerator settled to the clocks, floored once."""
    acc = row[3] + row[0] * USDAI_FACTOR * (clock - row[4]) + (row[1] + row[2]) * SUSDAI_POINTS_PER_DAY * (price_clock - row[5])
    return acc // DENOMINATOR


def holdings(store: Store) -> tuple[dict[str, Any] | None, list[Holding]]:
    """The index's state and every earning account with points, most points first."""
    loaded = store.load()
    found = store.deployment()
    excluded = frozenset() if found is None else Deployment.from_json(found).excluded
    state = loaded.state
    if state is None:
        return None, []
    clock, price_clock = int(state["clock"]), int(state["priceClock"])
    rows = []
    for address, row in loaded.accounts.items():
        if address in excluded:
            continue
        points = points_now(row, clock, price_clock)
        if points > 0:
            rows.append(Holding(to_checksum_address(address), points, row[0], row[1] + row[2], row[2]))
    rows.sort(key=lambda h: (-h.points, h.account.lower()))
    return state, rows
