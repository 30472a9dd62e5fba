"""Property: for random histories on the local chain (USDai deposits and transfers, sUSDai deposits and
transfers, redemption requests for oneself or another, ticket transfers, reductions and cancels,
servicing at a cycle boundary, claims, USDai donated to the vault, time warps), the indexer's points
equal the brute-force model's (tests/unit/points/model.py: views at every block, integrated second by
second), bit for bit; an index synced in several steps along the way equals one synced once at the end.

wM does not earn here, so the share price moves only in transactions, each of which the indexer samples
(with base yield on, the bound of the approximation is test_points.py's). Every example starts from the
same chain state (snapshot, restore). Each holder starts with USDai, part of it staked. Examples and
length: 20 histories of 10 to 30 actions under the `ci` and `dev` profiles (about 15 s), the profile's
own example count and 100 actions under `deep`.
"""

from __future__ import annotations

import itertools
import os
from typing import Any

from ape import chain
from hypothesis import given, settings
from hypothesis import strategies as st

from scripts._suite.deployment import DAY, USDAI, WM
from scripts._suite.points.indexer import sync
from scripts._suite.points.store import Store
from tests.unit.points.model import Node

DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "deep"
EXAMPLES = settings.default.max_examples if DEEP else min(settings.default.max_examples, 20)
STEPS = 100 if DEEP else 30
MIN_REQUEST = USDAI  # Params().min_request_shares

who = st.integers(0, 2)
percent = st.integers(1, 100)
# Each holder starts with some USDai, part of it staked, so that most drawn actions have something to move.
PREAMBLE = st.lists(st.tuples(st.integers(1, 100_000), st.integers(0, 100)), min_size=3, max_size=3)
ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("mint"), who, st.integers(1, 100_000)),
        st.tuples(st.just("transfer"), who, who, percent),
        st.tuples(st.just("stake"), who, percent),
        st.tuples(st.just("share_transfer"), who, who, percent),
        st.tuples(st.just("request"), who, who, percent),  # owner, controller
        st.tuples(st.just("ticket"), st.integers(0, 30), who),
        st.tuples(st.just("reduce"), st.integers(0, 30), percent),
        st.tuples(st.just("service"), st.integers(0, 3 * DAY)),
        st.tuples(st.just("claim"), who),
        st.tuples(st.just("donate"), who, percent),
        st.tuples(st.just("warp"), st.integers(1, 20 * DAY)),
        st.tuples(st.just("sync"), st.just(0)),
    ),
    min_size=STEPS // 3,
    max_size=STEPS,
)


class History:
    """Runs one drawn history through the raw driver, skipping what the contracts would refuse."""

    def __init__(self, node: Node, points_suite: Any, people: list[str], keeper: str, sync: Any) -> None:
        self.node, self.people, self.keeper, self.sync_index = node, people, keeper, sync
        self.usdai, self.vault, self.wm, self.ticket = (x.address for x in (points_suite.usdai, points_suite.vault, points_suite.wm, points_suite.ticket))
        self.requests: list[int] = []

    def view(self, to: str, signature: str, *args: Any, returns: str = "uint256") -> Any:
        [value] = self.node.read("latest", [(to, signature, args, returns)])
        return value

    def usdai_of(self, i: int) -> int:
        return int(self.view(self.usdai, "balanceOf(address)", self.people[i]))

    def shares_of(self, i: int) -> int:
        return int(self.view(self.vault, "balanceOf(address)", self.people[i]))

    def start(self, preamble: list[tuple[int, int]]) -> None:
        for i, (usdai, pct) in enumerate(preamble):
            self.do_mint(i, usdai)
            self.do_stake(i, pct)

    def run(self, action: tuple[Any, ...]) -> None:
        kind, *args = action
        getattr(self, "do_" + kind)(*args)

    def do_mint(self, i: int, usdai: int) -> None:
        self.node.send(self.people[i], self.usdai, "deposit(address,uint256,uint256,address)", self.wm, usdai * WM, 0, self.people[i])

    def do_transfer(self, i: int, j: int, pct: int) -> None:
        amount = self.usdai_of(i) * pct // 100
        if amount:
            self.node.send(self.people[i], self.usdai, "transfer(address,uint256)", self.people[j], amount)

    def do_donate(self, i: int, pct: int) -> None:
        amount = self.usdai_of(i) * pct // 100
        if amount:
            self.node.send(self.people[i], self.usdai, "transfer(address,uint256)", self.vault, amount)

    def do_stake(self, i: int, pct: int) -> None:
        amount = self.usdai_of(i) * pct // 100
        if amount and self.view(self.vault, "previewDeposit(uint256)", amount):
            self.node.send(self.people[i], self.vault, "deposit(uint256,address)", amount, self.people[i])

    def do_share_transfer(self, i: int, j: int, pct: int) -> None:
        amount = self.shares_of(i) * pct // 100
        if amount:
            self.node.send(self.people[i], self.vault, "transfer(address,uint256)", self.people[j], amount)

    def do_request(self, owner: int, controller: int, pct: int) -> None:
        shares = self.shares_of(owner) * pct // 100
        if shares < MIN_REQUEST:
            return
        # The controller sends it, as the owner's operator when it is someone else (fixture `holders`).
        receipt = self.node.send(
            self.people[controller], self.vault, "requestRedeem(uint256,address,address)", shares,
            self.people[controller], self.people[owner],
        )
        [request_id] = [int(log["topics"][3], 16) for log in receipt["logs"] if len(log["topics"]) == 4 and log["address"].lower() == self.vault.lower()]
        self.requests.append(request_id)

    def _live(self, k: int) -> tuple[int, str, int] | None:
        """The k-th (mod count) request whose ticket still exists: (id, holder, pending)."""
        for request_id in self.requests[k % len(self.requests):] + self.requests[: k % len(self.requests)] if self.requests else []:
            holder, pending, _ = self.view(self.vault, "requestOf(uint256)", request_id, returns="address,uint88,bool")
            claimable = self.view(self.vault, "claimableRedeemRequest(uint256,address)", request_id, holder)
            if pending or claimable:
                return request_id, str(holder).lower(), int(pending)
        return None

    def do_ticket(self, k: int, j: int) -> None:
        found = self._live(k)
        if found is not None:
            request_id, holder, _ = found
            self.node.send(holder, self.ticket, "transferFrom(address,address,uint256)", holder, self.people[j], request_id)

    def do_reduce(self, k: int, pct: int) -> None:
        found = self._live(k)
        if found is None or found[2] == 0:
            return
        request_id, holder, pending = found
        shares = pending * pct // 100
        if shares == 0 or 0 < pending - shares < MIN_REQUEST:
            shares = pending  # cancel it all
        self.node.send(holder, self.vault, "reduceRedeemRequest(uint256,uint256)", request_id, shares)

    def do_service(self, offset: int) -> None:
        cycle = int(self.view(self.vault, "currentCycle()"))
        start = int(self.view(self.vault, "cycleStart(uint256)", cycle + 1))
        self.node.call("evm_setNextBlockTimestamp", [start + DAY + offset])
        self.node.send(self.keeper, self.vault, "serviceRedemptions(uint256)", 50)

    def do_claim(self, i: int) -> None:
        shares = int(self.view(self.vault, "maxRedeem(address)", self.people[i]))
        if shares:
            self.node.send(self.people[i], self.vault, "redeem(uint256,address,address)", shares, self.people[i], self.people[i])

    def do_warp(self, seconds: int) -> None:
        self.node.warp(seconds)

    def do_sync(self, _: int) -> None:
        self.sync_index()


def test_random_histories__indexer_equals_the_second_by_second_model(
    points_suite, node, model, keeper, rpc, deployment, holders, table_of, no_base_yield, tmp_path
):
    others = [keeper.address, points_suite.deployer.address, points_suite.governance.address]
    runs = itertools.count()

    @settings(parent=settings.default, max_examples=EXAMPLES, deadline=None, database=None)
    @given(PREAMBLE, ACTIONS)
    def check(preamble: list[tuple[int, int]], actions: list[tuple[Any, ...]]) -> None:
        snapshot = chain.snapshot()
        run = next(runs)
        stepped = Store(f"sqlite:///{tmp_path}/steps-{run}.sqlite")  # synced along the way and at the end
        once = Store(f"sqlite:///{tmp_path}/once-{run}.sqlite")  # synced at the end only
        try:
            history = History(node, points_suite, holders, keeper.address, lambda: sync(stepped, rpc, deployment))
            history.start(preamble)
            for action in actions:
                history.run(action)
            head = node.head()
            assert sync(stepped, rpc, deployment).last_block == head
            expected = model.points([*holders, *others], head)
            assert table_of(stepped) == expected
            sync(once, rpc, deployment)
            assert table_of(once) == expected
        finally:
            stepped.close()
            once.close()
            chain.restore(snapshot)

    check()
