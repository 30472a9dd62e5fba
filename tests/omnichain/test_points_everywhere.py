"""Allo points on every chain: the other chain's index prices its sUSDai with the home index's price
samples, at their own times, so a holding earns the same wherever it is held; `ape run points` sums every
chain's points per account (one row, one Merkle leaf); the lockboxes and the composer earn nothing."""

from __future__ import annotations

import json

import ape
import pytest

from scripts import points as points_cli
from scripts._suite.deployment import DAY, USDAI, WM, deploy_suite
from scripts._suite.layerzero import EID_ARBITRUM, EID_ETHEREUM, EvmChain
from scripts._suite.omnichain import deploy_omnichain, send_tokens
from scripts._suite.points import chain_db, default_db
from scripts._suite.points.indexer import (
    DENOMINATOR,
    SUSDAI_POINTS_PER_DAY,
    Deployment,
    HttpRpc,
    Ledger,
    PointsError,
    PriceSchedule,
    sync,
)
from scripts._suite.points.store import Loaded, Store
from scripts._suite.points.table import read_table


def _align(*chains: EvmChain) -> None:
    """One block on each chain at the same time (the later of their clocks, plus a second)."""
    now = max(int(c.w3.eth.get_block("latest")["timestamp"]) for c in chains) + 1
    for c in chains:
        c.rpc("evm_setNextBlockTimestamp", now)
        c.rpc("evm_mine")


def test_price_schedule__a_sample_holds_from_its_time__the_last_of_one_time_wins():
    schedule = PriceSchedule(((100, 5), (200, 6), (200, 7), (300, 8)), until=400)
    assert [schedule.at(t) for t in (99, 100, 199, 200, 299, 300, 1_000)] == [0, 5, 5, 7, 7, 8, 8]
    assert [schedule.taken_by(t) for t in (99, 100, 200, 1_000)] == [0, 1, 3, 4]


def test_remote_ledger__a_home_sample_taken_later_in_the_same_second_still_counts():
    """Home blocks share seconds (Arbitrum makes several a second): the other chain's index may have reached
    second 200 before the home index took a second sample at 200. It is taken by its number, from 200 on."""
    remote = Deployment(chain_id=1, usdai="0x" + "11" * 20, vault="0x" + "22" * 20, ticket=None, registry=None,
                        excluded=frozenset(), start_block=0, home_chain_id=42161)
    ledger = Ledger(remote, Loaded(None, {}, {}), PriceSchedule(((100, 5),), until=200))
    ledger.begin_block(0, 150, record=False)
    ledger.begin_block(1, 200, record=False)
    later = Ledger(remote, Loaded(ledger.state(), {}, {}), PriceSchedule(((100, 5), (200, 7), (300, 9)), until=400))
    later.begin_block(2, 400, record=False)
    assert later.price_clock == 5 * 50 + 7 * 100 + 9 * 100 and later.price == 9


def test_points_on_every_chain__same_holding_same_points(
    deployer, governance, pauser, blacklister, strategist, dvn, fund, home_chain, remote_chain, tmp_path, capsys
):
    # A suite and a launch of their own: the home index reads the share price at past blocks, which a
    # pruned session chain keeps only for its last few thousand blocks.
    suite = deploy_suite(deployer, governance, roles={"pauser": pauser, "blacklist_admin": blacklister,
                                                      "strategy_admin": strategist})
    omni = deploy_omnichain(
        ape.project, home_chain, [remote_chain], {"USDai": suite.usdai.address, "sUSDai": suite.vault.address},
        deployer=deployer.address, owner=governance.address, pauser=pauser.address, blacklister=blacklister.address,
        dvns={EID_ARBITRUM: dvn.address, EID_ETHEREUM: dvn.address},
    )
    relayer = omni.relayer()
    alice, bob, carol, dave = (ape.accounts.test_accounts[i] for i in (4, 5, 6, 7))
    _align(home_chain, remote_chain)
    for holder in (alice, bob, carol, dave):
        fund(suite.wm, holder, 1_000 * WM)
        suite.wm.approve(suite.usdai, 1_000 * WM, sender=holder)
        suite.usdai.deposit(suite.wm, 1_000 * WM, 0, holder, sender=holder)
    for holder in (alice, bob):
        suite.usdai.approve(suite.vault, 1_000 * USDAI, sender=holder)
        suite.vault.deposit(1_000 * USDAI, holder, sender=holder)
    shares = suite.vault.balanceOf(alice)
    assert suite.vault.balanceOf(bob) == shares
    # bob takes his shares to the other chain (all but the dust under the shared decimals), carol her USDai;
    # alice and dave keep theirs at home.
    bridged = shares - shares % 10**12
    send_tokens(omni.home, "sUSDai", bob.address, bridged, EID_ETHEREUM)
    send_tokens(omni.home, "USDai", carol.address, 1_000 * USDAI, EID_ETHEREUM)
    assert [d.outcome for d in relayer.step()] == ["delivered", "delivered"]
    start_price = suite.vault.convertToAssets(10**18)  # sampled at the bridge's block

    # The price moves at home (base yield harvested into the vault) while time passes on both chains.
    prices = []
    for days in (1, 2, 1):
        home_chain.warp(days * DAY)
        remote_chain.warp(days * DAY)
        suite.usdai.harvestBaseYield(sender=dave)
        prices.append(suite.vault.convertToAssets(10**18))
    assert prices[0] < prices[1] < prices[2]
    # Anyone may send OFT sUSDai to the OFT contract itself: the other chain's index has no vault to check.
    soft = omni.remotes[0].oapps["sUSDai"]
    remote_chain.transact(soft.functions.transfer(soft.address, 1), sender=bob.address)
    remote_chain.warp(DAY)  # the other chain is ahead of the home chain: indexed only up to home's time

    manifest = tmp_path / "local.json"
    manifest.write_text(json.dumps(suite.manifest()))
    omni.write_manifests(tmp_path, "local")
    remote_url = str(remote_chain.w3.provider.endpoint_uri)  # type: ignore[attr-defined]
    capsys.readouterr()
    points_cli.sync.callback(manifest=manifest, db_url=None, confirmations=0, remotes=(remote_url,))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("indexed blocks") and lines[1].startswith("ethereum: indexed blocks")

    home_db, remote_db = default_db(manifest), chain_db(default_db(manifest), "ethereum")
    home_store, remote_store = Store(home_db), Store(remote_db)
    try:
        home_time = int(home_store.state()["timestamp"])
        assert int(remote_store.state()["timestamp"]) == home_time  # not the remote chain's head, a day later
        t = read_table(home_store, [remote_store])
        by = {h.account: h for h in t.rows}
        # dave's USDai at home and carol's on the other chain: exactly 5 points per USDai-day, 4 days.
        assert by[dave.address].points == by[carol.address].points == 5 * 1_000 * 4 * 10**18
        assert by[carol.address].usdai == 1_000 * USDAI
        # bob's sUSDai on the other chain (and his dust at home) earns what alice's earns at home, within
        # the floor of each chain's sum.
        assert 0 <= by[alice.address].points - by[bob.address].points <= 1
        assert by[bob.address].shares == shares - 1 and len([h for h in t.rows if h.account == bob.address]) == 1
        # The lockboxes hold the bridged tokens for others: they earn nothing.
        lockboxes = {p.address for p in omni.home.oapps.values()}
        assert not lockboxes & set(by)
        assert t.others[0].deployment.chain_id == 1 and t.others[0].timestamp == home_time
        # Without them excluded, the USDai lockbox would have earned carol's points a second time.
        loose = Store(f"sqlite:///{tmp_path}/loose.sqlite")
        sync(loose, HttpRpc(str(home_chain.w3.provider.endpoint_uri)),  # type: ignore[attr-defined]
             Deployment.from_manifest(suite.manifest()["contracts"], home_chain.chain_id, int(suite.manifest().get("startBlock") or 0)))
        assert {h.account: h.points for h in read_table(loose).rows}[omni.home.oapps["USDai"].address] == by[carol.address].points
        loose.close()
    finally:
        home_store.close()
        remote_store.close()

    # alice's points, exactly: her shares at the price sampled at each of its changes, for as long as it held.
    price_seconds = (start_price * 1 + prices[0] * 2 + prices[1] * 1) * DAY
    assert by[alice.address].points == shares * SUSDAI_POINTS_PER_DAY * price_seconds // DENOMINATOR

    points_cli.show.callback(manifest=manifest, db_url=None, limit=5)
    heading = capsys.readouterr().out.splitlines()[0]
    assert ", chain 1 at block" in heading
    out = tmp_path / "points.json"
    points_cli.export.callback(manifest=manifest, db_url=None, fmt="json", out=out)
    exported = json.loads(out.read_text())
    assert exported["otherChains"][0]["chainId"] == 1 and exported["root"] == t.tree.root_hex


def test_points_cli__another_chain_without_its_index__refused(tmp_path, suite, omni):
    manifest = tmp_path / "local.json"
    manifest.write_text(json.dumps(suite.manifest()))
    omni.write_manifests(tmp_path, "local")
    Store(default_db(manifest)).close()
    with pytest.raises(Exception, match=r"ethereum \(chain 1\) has no index at .*: run `ape run points sync --remote <its RPC URL>` first"):
        points_cli.show.callback(manifest=manifest, db_url=None, limit=5)
    with pytest.raises(PointsError, match="the other chains' indexes live beside a SQLite --db"):
        chain_db("postgresql://points@db/points", "ethereum")



def test_store__price_samples_roll_back_with_their_blocks__an_index_of_schema_1_is_refused(tmp_path):
    import sqlalchemy as sa

    from scripts._suite.points.store import StoreError, meta

    url = f"sqlite:///{tmp_path}/p.sqlite"
    store = Store(url)
    state = {"block": 12, "timestamp": 120, "clock": "0", "priceClock": "0", "price": "6", "events": 0}
    store.commit(state, {}, {}, [], [], 0, [(10, 100, 5), (12, 120, 6)])
    assert store.prices() == [(100, 5), (120, 6)]
    store.rollback(11)
    assert store.prices() == [(100, 5)]
    store.commit(state, {}, {}, [], [], 0, [(12, 121, 7)])
    assert store.prices() == [(100, 5), (121, 7)]
    with store.engine.begin() as conn:
        conn.execute(sa.update(meta).where(meta.c.key == "schema").values(value="1"))
    store.close()
    with pytest.raises(StoreError, match="schema 1, this indexer writes 2"):
        Store(url)
