"""Allo points: 5 points per USDai per day, 2 per USDai of sUSDai value per
day, computed off chain from logs, reproducibly, with a Merkle root a distributor can verify.

- indexer.py: the formula, the approximation, and the sync (logs in batches, lazy per-second accrual,
  resume, confirmations, reorg rollback);
- store.py: the index in any SQLAlchemy database (SQLite by default);
- merkle.py: OpenZeppelin StandardMerkleTree root and proofs of (account, points);
- table.py: the leaderboard and the CSV/JSON export.

`ape run points sync|show|export` (scripts/points.py) is the command line; `leaderboard_text` is the
demo's one call.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scripts._suite.points.indexer import (
    Deployment,
    HttpRpc,
    PointsError,
    SyncReport,
    home_schedule,
    rpc_for,
    sync,
)
from scripts._suite.points.store import Store
from scripts._suite.points.table import read_table, render_leaderboard


def default_db(manifest: Path) -> str:
    """The SQLite index beside a manifest: `deployments/local.json` -> `deployments/local.points.sqlite`."""
    return f"sqlite:///{manifest.with_suffix('').as_posix()}.points.sqlite"


def chain_db(home_url: str, chain_name: str) -> str:
    """Another chain's index beside the home chain's: `....points.sqlite` -> `....<chain>.points.sqlite`."""
    if not home_url.startswith("sqlite:///"):
        raise PointsError("the other chains' indexes live beside a SQLite --db (one file per chain): pass a SQLite --db")
    base = home_url.removesuffix(".points.sqlite").removesuffix(".sqlite")
    return f"{base}.{chain_name}.points.sqlite"


def omnichain_manifests(manifest: Path) -> list[dict[str, Any]]:
    """The omnichain manifests of a suite manifest's launch (`<name>.<chain>.omnichain.json` beside it)."""
    found = []
    for path in sorted(manifest.parent.glob(f"{manifest.stem}.*.omnichain.json")):
        if "." in path.name[len(manifest.stem) + 1 : -len(".omnichain.json")]:
            continue  # another launch's (`<stem>.v2.<chain>.omnichain.json`), not this one's
        try:
            found.append(json.loads(path.read_text()))
        except json.JSONDecodeError as exc:
            raise PointsError(f"omnichain manifest {path} is not JSON: {exc.msg} at line {exc.lineno}") from None
    return found


def leaderboard_text(
    manifest_contracts: Mapping[str, Any],
    db_url: str | None = None,
    labels: Mapping[str, str] | None = None,
    limit: int | None = None,
    omnichain: Sequence[tuple[Mapping[str, Any], str | None]] = (),
) -> str:
    """Syncs an index of the deployment on the connected chain (`db_url`, else a throwaway SQLite file)
    from block 0 and returns its leaderboard; `labels` names addresses (`{address: "alice"}`). With
    `omnichain` ((omnichain manifest, its chain's RPC URL; None for the home chain's), every chain of a
    launch) the other chains are indexed too and every account's points are summed over the chains."""
    from ape import chain

    home_omni = next((m for m, _ in omnichain if m.get("home")), None)
    deployment = Deployment.from_manifest(manifest_contracts, chain.chain_id,
                                          also_excluded=None if home_omni is None else home_omni["contracts"])
    with tempfile.TemporaryDirectory(prefix="points-") as scratch:
        store = Store(db_url or f"sqlite:///{scratch}/points.sqlite")
        others: list[Store] = []
        try:
            report = sync(store, rpc_for(chain.provider), deployment)
            lines = [report.line()]
            for manifest, url in omnichain:
                if manifest.get("home") or url is None:
                    continue
                other = Store(f"sqlite:///{scratch}/points.{manifest['network']}.sqlite")
                others.append(other)
                remote = sync(other, HttpRpc(url), Deployment.from_omnichain(manifest, chain.chain_id),
                              schedule=home_schedule(store))
                lines.append(f"{manifest['network']}: {remote.line()}")
            text = render_leaderboard(read_table(store, others), limit=limit, labels=labels)
        finally:
            for s in (store, *others):
                s.close()
    return text + "\n".join(lines) + "\n"


__all__ = ["Deployment", "PointsError", "Store", "SyncReport", "default_db", "leaderboard_text", "sync"]
