"""Resume, confirmations and reorgs: an index synced in steps (or interrupted and started again) equals
one synced once; after the chain is reverted with a snapshot and a different history mined, the next
sync rolls the reorged blocks back and the table matches a fresh index of the new chain (and the
model); a reorg deeper than the window is refused; a node that refuses wide log ranges, or a chain
that moves while a window is read, changes nothing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from ape import chain

from scripts._suite.deployment import DAY, USDAI, WM
from scripts._suite.points import indexer
from scripts._suite.points.indexer import PointsError, ReorgTooDeep, RpcError


@pytest.fixture
def act(points_suite, holders, node, no_base_yield):
    """`act(step)`: a few transactions with time between them; each call moves different amounts."""
    usdai, vault, wm = points_suite.usdai.address, points_suite.vault.address, points_suite.wm.address
    a, b, c = holders

    def _act(step: int, to: str | None = None) -> None:
        to = to or b
        node.send(a, usdai, "deposit(address,uint256,uint256,address)", wm, (1_000 + step) * WM, 0, a)
        node.warp(3_600 * (step + 1))
        node.send(a, usdai, "transfer(address,uint256)", to, (100 + step) * USDAI)
        node.send(a, vault, "deposit(uint256,address)", (200 + step) * USDAI, a)
        node.warp(DAY)
        node.send(a, vault, "requestRedeem(uint256,address,address)", (50 + step) * USDAI, c, a)
        node.warp(DAY // 2)
        node.send(a, vault, "transfer(address,uint256)", to, USDAI)

    return _act


def test_resume__in_steps__equals_one_sync(node, act, index, table_of):
    start = node.head()
    act(1)
    middle = node.head()
    act(2)
    act(3)
    store, first = index("steps", to_block=middle)
    assert (first.first_block, first.last_block) == (0, middle)
    assert table_of(store) == table_of(index("at-middle", to_block=middle)[0])
    _, second = index("steps")
    assert (second.first_block, second.last_block) == (middle + 1, node.head())
    _, again = index("steps")
    assert again.first_block is None and again.events == 0 and "up to date" in again.line()
    once, _ = index("once")
    assert table_of(store) == table_of(once) and len(table_of(once)) >= 2 and start < middle


def test_resume__interrupted_between_windows__equals_one_sync(node, act, index, table_of, monkeypatch):
    act(1)
    act(2)
    monkeypatch.setattr(indexer, "COMMIT_SECONDS", 0.0)  # commit after every window

    windows = []

    def stop_after_three(done: int, total: int, events: int) -> None:
        windows.append(done)
        if len(windows) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        index("cut", batch_blocks=7, progress=stop_after_three)
    store, resumed = index("cut", batch_blocks=7)
    # Two windows were committed; the third was being applied (progress counts blocks from block 0).
    assert resumed.first_block == windows[1]
    assert table_of(store) == table_of(index("once")[0])


def test_confirmations__stay_behind_the_head(node, act, index, table_of):
    act(1)
    _, behind = index("c", confirmations=3)
    assert behind.last_block == node.head() - 3
    act(2)
    store, caught_up = index("c", confirmations=0)
    assert caught_up.first_block == behind.last_block + 1 and caught_up.last_block == node.head()
    assert table_of(store) == table_of(index("once")[0])


def test_reorg__reverted_and_mined_again__matches_a_fresh_index(points_suite, node, model, keeper, holders, act, index, table_of):
    a, b, c = holders
    act(1)
    fork = node.head()
    snapshot = chain.snapshot()
    act(2, to=b)
    act(3, to=b)
    store, before = index("main")
    old_head = before.last_block
    chain.restore(snapshot)
    assert node.head() == fork
    act(4, to=c)  # another history from the fork: fewer blocks than the one indexed
    assert node.head() < old_head
    _, after = index("main")
    assert after.rolled_back_to is not None and after.rolled_back_to <= fork and after.undone > 0
    assert after.last_block == node.head() and "reorg: rolled back to block" in after.line()
    fresh, _ = index("fresh")
    assert table_of(store) == table_of(fresh) == model.points([*holders, keeper.address, points_suite.deployer.address, points_suite.governance.address], node.head())
    # And longer than it again: the next sync only moves forward.
    act(5, to=b)
    act(6, to=c)
    _, forward = index("main")
    assert forward.rolled_back_to is None and forward.first_block == after.last_block + 1
    assert table_of(store) == table_of(index("fresh")[0])


def test_reorg__deeper_than_the_window__refused(node, act, index):
    act(1)
    snapshot = chain.snapshot()
    act(2)
    index("shallow", reorg_depth=1)
    chain.restore(snapshot)
    act(3, to="0x" + "12" * 20)
    with pytest.raises(ReorgTooDeep) as info:
        index("shallow", reorg_depth=1)
    assert "deeper than --reorg-depth" in str(info.value) and "\n" not in str(info.value)


class Refusing:
    """The real node, refusing eth_getLogs over more than two blocks (as public nodes cap results)."""

    def __init__(self, rpc: Any) -> None:
        self.rpc, self.refused = rpc, 0

    def call(self, method: str, params: list[Any]) -> Any:
        if method == "eth_getLogs" and int(params[0]["toBlock"], 16) - int(params[0]["fromBlock"], 16) > 1:
            self.refused += 1
            raise RpcError("eth_getLogs: query returned more than 10000 results")
        return self.rpc.call(method, params)

    def batch(self, calls: Any) -> list[Any]:
        return self.rpc.batch(calls)


class Moving(Refusing):
    """The real node, whose answer for the first window's last block changes while its logs are read."""

    def __init__(self, rpc: Any) -> None:
        super().__init__(rpc)
        self.headers = 0

    def call(self, method: str, params: list[Any]) -> Any:
        answer = self.rpc.call(method, params)
        if method == "eth_getBlockByNumber":
            self.headers += 1
            if self.headers == 1:
                answer = {**answer, "hash": "0x" + "ee" * 32}
        return answer


def test_node_refuses_wide_ranges__halved__same_table(rpc, deployment, act, index, table_of, tmp_path):
    act(1)
    refusing = Refusing(rpc)
    store = indexer.Store(f"sqlite:///{tmp_path}/halved.sqlite")
    indexer.sync(store, refusing, deployment)
    assert refusing.refused > 0 and table_of(store) == table_of(index("once")[0])
    store.close()


def test_chain_moves_while_reading__the_sync_starts_over(rpc, deployment, act, index, table_of, tmp_path):
    act(1)
    moving = Moving(rpc)
    store = indexer.Store(f"sqlite:///{tmp_path}/moving.sqlite")
    report = indexer.sync(store, moving, deployment)
    assert moving.headers > 2 and report.first_block == 0 and table_of(store) == table_of(index("once")[0])
    store.close()


def test_another_deployment_or_start__refused(deployment, node, act, index):
    act(1)
    index("one")
    with pytest.raises(PointsError, match="indexes another deployment or range \\(differs in startBlock\\)"):
        index("one", deployment=replace(deployment, start_block=5))
    with pytest.raises(PointsError, match="USDai already had holders at block"):
        index("late", deployment=replace(deployment, start_block=node.head()))
