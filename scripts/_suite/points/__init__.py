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

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scripts._suite.points.indexer import Deployment, PointsError, SyncReport, rpc_for, sync
from scripts._suite.points.store import Store
from scripts._suite.points.table import read_table, render_leaderboard


def default_db(manifest: Path) -> str:
    """The SQLite index beside a manifest: `deployments/local.json` -> `deployments/local.points.sqlite`."""
    return f"sqlite:///{manifest.with_suffix('').as_posix()}.points.sqlite"


def leaderboard_text(
    manifest_contracts: Mapping[str, Any],
    db_url: str | None = None,
    labels: Mapping[str, str] | None = None,
    limit: int | None = None,
) -> str:
    """Syncs an index of the deployment on the connected chain (`db_url`, else a throwaway SQLite file)
    from block 0 and returns its leaderboard; `labels` names addresses (`{address: "alice"}`)."""
    from ape import chain

    deployment = Deployment.from_manifest(manifest_contracts, chain.chain_id)
    with tempfile.TemporaryDirectory(prefix="points-") as scratch:
        store = Store(db_url or f"sqlite:///{scratch}/points.sqlite")
        try:
            report = sync(store, rpc_for(chain.provider), deployment)
            text = render_leaderboard(read_table(store), limit=limit, labels=labels)
        finally:
            store.close()
    return text + report.line() + "\n"


__all__ = ["Deployment", "PointsError", "Store", "SyncReport", "default_db", "leaderboard_text", "sync"]
