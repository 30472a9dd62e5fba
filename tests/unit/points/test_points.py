"""The points of a known history: the indexer against the brute-force model and against the formula by
hand; escrowed shares earn for the ticket's holder until serviced; protocol contracts earn nothing;
the price between logs (the documented approximation) is bounded."""

from __future__ import annotations

from typing import Any

import pytest

from scripts._suite.deployment import DAY, USDAI, WM
from scripts._suite.points.indexer import DENOMINATOR, PointsError
from scripts._suite.points.table import read_table
from tests.unit.points.model import WAD


def request_id(receipt: dict[str, Any], vault: str) -> int:
    """The id of the request a receipt made (RedeemRequest's third indexed topic)."""
    [found] = [
        int(log["topics"][3], 16) for log in receipt["logs"]
        if log["address"].lower() == vault.lower() and len(log["topics"]) == 4
    ]
    return found


def next_cycle(node, vault: str, offset: int = DAY) -> None:
    [cycle] = node.read("latest", [(vault, "currentCycle()", (), "uint256")])
    [start] = node.read("latest", [(vault, "cycleStart(uint256)", (cycle + 1,), "uint256")])
    node.call("evm_setNextBlockTimestamp", [start + offset])


def test_history__indexer_equals_model(points_suite, node, model, keeper, holders, index, table_of, no_base_yield):
    a, b, c = holders
    usdai, vault, wm, ticket = (x.address for x in (points_suite.usdai, points_suite.vault, points_suite.wm, points_suite.ticket))
    node.send(a, usdai, "deposit(address,uint256,uint256,address)", wm, 1_000 * WM, 0, a)
    node.warp(3_600)
    node.send(a, usdai, "transfer(address,uint256)", b, 300 * USDAI)
    node.send(a, vault, "deposit(uint256,address)", 500 * USDAI, a)
    node.warp(DAY)
    # a requests for c (a is c's operator); c sells the ticket to b.
    rid = request_id(node.send(a, vault, "requestRedeem(uint256,address,address)", 200 * USDAI, a, a), vault)
    rid2 = request_id(node.send(a, vault, "requestRedeem(uint256,address,address)", 100 * USDAI, c, a), vault)
    node.warp(2 * DAY)
    node.send(c, ticket, "transferFrom(address,address,uint256)", c, b, rid2)
    node.send(a, vault, "reduceRedeemRequest(uint256,uint256)", rid, 50 * USDAI)
    next_cycle(node, vault)
    node.send(keeper.address, vault, "serviceRedemptions(uint256)", 10)
    node.warp(5 * DAY)
    node.send(b, usdai, "transfer(address,uint256)", c, 100 * USDAI)
    store, report = index()
    assert report.last_block == node.head() and report.events > 0
    expected = model.points([*holders, keeper.address, points_suite.deployer.address, points_suite.governance.address], node.head())
    assert table_of(store) == expected
    # The deployer may earn a little too: the deploy mints it the seed stake's USDai before staking it.
    assert set(expected) - {points_suite.deployer.address.lower()} == {a, b, c}


def test_escrow__earns_for_the_ticket_holder_until_serviced(points_suite, node, keeper, holders, index, table_of, no_base_yield):
    """By hand: a stakes, requests it all, sells the ticket to b; servicing burns it."""
    a, b, _ = holders
    usdai, vault, wm, ticket = (x.address for x in (points_suite.usdai, points_suite.vault, points_suite.wm, points_suite.ticket))
    node.send(a, usdai, "deposit(address,uint256,uint256,address)", wm, 1_000 * WM, 0, a)
    t0 = node.timestamp(node.head())
    node.warp(DAY)
    node.send(a, vault, "deposit(uint256,address)", 1_000 * USDAI, a)  # all of a's USDai
    t1 = node.timestamp(node.head())
    [shares, price] = node.read("latest", [(vault, "balanceOf(address)", (a,), "uint256"), (vault, "convertToAssets(uint256)", (WAD,), "uint256")])
    node.warp(DAY)
    rid = request_id(node.send(a, vault, "requestRedeem(uint256,address,address)", shares, a, a), vault)
    node.warp(3 * DAY)
    node.send(a, ticket, "transferFrom(address,address,uint256)", a, b, rid)
    t2 = node.timestamp(node.head())
    next_cycle(node, vault)
    node.send(keeper.address, vault, "serviceRedemptions(uint256)", 10)
    t3 = node.timestamp(node.head())
    node.warp(7 * DAY)
    node.send(keeper.address, vault, "serviceRedemptions(uint256)", 10)  # a later block: nothing left to earn
    store, _ = index()
    points = table_of(store)
    # a: 1,000 USDai for a day, then the shares (wallet, then escrowed) until the ticket left her.
    assert points[a] == (t1 - t0) * 5 * 1_000 * USDAI * WAD // DENOMINATOR + (t2 - t1) * 2 * shares * price // DENOMINATOR
    # b: the escrow from the ticket's transfer until servicing burned it; the claim earns nothing.
    assert points[b] == (t3 - t2) * 2 * shares * price // DENOMINATOR
    assert points_suite.vault.pendingRedeemRequest(rid, b) == 0 and points_suite.vault.maxRedeem(b) > 0


def test_protocol_contracts__earn_nothing(points_suite, contracts, node, holders, index, no_base_yield):
    a, _, _ = holders
    usdai, vault, wm = points_suite.usdai.address, points_suite.vault.address, points_suite.wm.address
    node.send(a, usdai, "deposit(address,uint256,uint256,address)", wm, 1_000 * WM, 0, a)
    node.send(a, vault, "deposit(uint256,address)", 500 * USDAI, a)
    node.send(a, vault, "requestRedeem(uint256,address,address)", 200 * USDAI, a, a)  # the vault escrows
    for name in ("QEVAuction", "RedemptionTicket", "LoanBook", "FiLoRegistry", "USDai"):
        node.send(a, usdai, "transfer(address,uint256)", contracts[name], USDAI)  # plain USDai transfers in
    node.warp(10 * DAY)
    node.send(a, usdai, "transfer(address,uint256)", a, 1)
    store, _ = index()
    loaded = store.load()
    protocol = {addr.lower() for addr in contracts.values()} | {"0x000000000000000000000000000000000000dead"}
    held = {addr for addr, row in loaded.accounts.items() if row[0] or row[1] or row[2]}
    # They hold USDai or sUSDai (the dead shares, the vault's escrow) but accrue nothing and are not listed.
    assert {vault.lower(), "0x000000000000000000000000000000000000dead", contracts["FiLoRegistry"].lower()} <= held
    assert all(loaded.accounts[addr][3] == 0 for addr in protocol & set(loaded.accounts))
    listed = {h.account.lower() for h in read_table(store).rows}
    assert listed - {points_suite.deployer.address.lower()} == {a} and not listed & protocol


def test_price_between_logs__undercounts_by_at_most_the_price_growth(points_suite, node, model, keeper, holders, index, table_of):
    """wM earning: the price grows every second, the indexer holds it between vault logs (the documented
    approximation): never above the every-block model, and below it by at most the price's growth."""
    a, b, _ = holders
    usdai, vault, wm = points_suite.usdai.address, points_suite.vault.address, points_suite.wm.address
    node.send(a, usdai, "deposit(address,uint256,uint256,address)", wm, 100_000 * WM, 0, a)
    node.send(a, vault, "deposit(uint256,address)", 50_000 * USDAI, a)
    p0 = points_suite.vault.convertToAssets(USDAI)
    for _ in range(6):  # USDai moves between a and b: blocks without a vault log
        node.warp(5 * DAY)
        node.send(a, usdai, "transfer(address,uint256)", b, USDAI)
    node.warp(5 * DAY)
    node.send(keeper.address, usdai, "harvestBaseYield()")  # a harvest samples the price
    node.warp(DAY)
    node.send(a, usdai, "transfer(address,uint256)", b, USDAI)
    p1 = points_suite.vault.convertToAssets(USDAI)
    store, _ = index()
    got = table_of(store)
    exact = model.points([*holders, keeper.address, points_suite.governance.address], node.head())
    assert got[b] == exact[b]  # USDai only: exact
    assert got[a] <= exact[a] <= got[a] + exact[a] * (p1 - p0) // p0 + 1
    assert exact[a] - got[a] > 0  # the price did grow between the samples


@pytest.mark.parametrize(("options", "message"), [({"confirmations": -1}, "--confirmations"), ({"batch_blocks": 0}, "--batch-blocks")])
def test_sync__bad_options__one_line(deployment, index, options, message):
    with pytest.raises(PointsError, match=message) as info:
        index("bad", **options)
    assert "\n" not in str(info.value)
