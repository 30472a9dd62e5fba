"""Fixtures of the points tests: the deployment as the indexer sees it, throwaway indexes, a raw driver
of anvil, the brute-force model, and holders funded and approved for every action."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ape import chain

from scripts._suite.deployment import Suite, deploy_suite
from scripts._suite.points.indexer import Deployment, HttpRpc, SyncReport, sync
from scripts._suite.points.store import Store
from scripts._suite.points.table import PointsTable, read_table
from tests.unit.points.model import Model, Node

WM_EACH = 10_000_000 * 10**6  # wM (6 decimals) each holder can turn into USDai


@pytest.fixture(scope="session")
def node() -> Node:
    return Node()


@pytest.fixture(scope="session")
def rpc() -> HttpRpc:
    return HttpRpc(chain.provider.web3.provider.endpoint_uri)


@pytest.fixture(scope="package")
def points_suite(deployer: Any, governance: Any, pauser: Any, blacklister: Any, strategist: Any) -> Suite:
    """A suite of their own, deployed when the points tests start: the indexer reads the share price at
    past blocks, and anvil keeps the state of only its last few thousand blocks, so in a full session the
    blocks where the session's suite was deployed are gone by the time these tests run."""
    roles = {"pauser": pauser, "blacklist_admin": blacklister, "strategy_admin": strategist}
    return deploy_suite(deployer, governance, roles=roles)


@pytest.fixture(scope="package")
def contracts(points_suite: Any) -> dict[str, str]:
    return dict(points_suite.manifest()["contracts"])


@pytest.fixture(scope="package")
def deployment(contracts: dict[str, str]) -> Deployment:
    return Deployment.from_manifest(contracts, chain.chain_id, 0)


@pytest.fixture(scope="package")
def model(node: Node, points_suite: Any) -> Model:
    return Model(node, points_suite.usdai.address, points_suite.vault.address)


@pytest.fixture
def harness(points_suite: Any, project: Any) -> Any:
    """contracts/testing/MerkleProofHarness.sol: OpenZeppelin's MerkleProof.verify over a points leaf."""
    return project.MerkleProofHarness.deploy(sender=points_suite.deployer)


@pytest.fixture
def index(tmp_path: Path, deployment: Deployment, rpc: HttpRpc) -> Iterator[Callable[..., tuple[Store, SyncReport]]]:
    """`index(name="main", **sync_options)`: syncs the SQLite index `<tmp>/<name>.sqlite` (created on
    first use, resumed after); returns its store and the sync's report."""
    stores: dict[str, Store] = {}

    def _index(name: str = "main", **options: Any) -> tuple[Store, SyncReport]:
        if name not in stores:
            stores[name] = Store(f"sqlite:///{tmp_path / name}.sqlite")
        return stores[name], sync(stores[name], rpc, options.pop("deployment", deployment), **options)

    yield _index
    for store in stores.values():
        store.close()


def points_of(t: PointsTable) -> dict[str, int]:
    return {h.account.lower(): h.points for h in t.rows}


@pytest.fixture
def table_of() -> Callable[[Store], dict[str, int]]:
    return lambda store: points_of(read_table(store))


@pytest.fixture
def holders(points_suite: Any, node: Node, alice: Any, bob: Any, carol: Any) -> list[str]:
    """alice, bob and carol (lower case), each with wM to deposit, USDai and sUSDai allowances for the
    vault, and every other one as its ERC-7540 operator (so anyone may request for anyone)."""
    wm, usdai, vault = points_suite.wm.address, points_suite.usdai.address, points_suite.vault.address
    people = [alice.address.lower(), bob.address.lower(), carol.address.lower()]
    deployer = points_suite.deployer.address
    for who in people:
        node.send(deployer, wm, "mint(address,uint256)", who, WM_EACH)
        node.send(who, wm, "approve(address,uint256)", usdai, 2**256 - 1)
        node.send(who, usdai, "approve(address,uint256)", vault, 2**256 - 1)
        for other in people:
            if other != who:
                node.send(who, vault, "setOperator(address,bool)", other, True)
    return people


@pytest.fixture
def no_base_yield(points_suite: Any) -> None:
    """wM stops earning: the share price moves only in transactions (the indexer samples it at those)."""
    points_suite.wm.setEarnerRate(0, sender=points_suite.deployer)
