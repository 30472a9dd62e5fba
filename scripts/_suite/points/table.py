"""The points table read from an index: the leaderboard text, and the CSV/JSON export with the Merkle
root and every account's proof (merkle.py)."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_utils.address import to_checksum_address

from scripts._suite.points import merkle
from scripts._suite.points.indexer import (
    DAY,
    POINT,
    SUSDAI_POINTS_PER_DAY,
    USDAI_POINTS_PER_DAY,
    Deployment,
    Holding,
    PointsError,
    holdings,
)
from scripts._suite.points.store import Store
from scripts._suite.report import fmt_units, table

FORMULA = (
    f"points (1e18 units) = floor(sum over seconds of ({USDAI_POINTS_PER_DAY} * USDai wei * 1e18 + "
    f"{SUSDAI_POINTS_PER_DAY} * sUSDai wei (wallet + pending requests) * convertToAssets(1e18)) / ({DAY} * 1e18))"
)
LEAF = "keccak256(bytes.concat(keccak256(abi.encode(address account, uint256 points))))"
FORMATS = ("csv", "json")


@dataclass(frozen=True)
class ChainCut:
    """Another chain's index in a table: its deployment and the block (and time) it is indexed to."""

    deployment: Deployment
    block: int
    timestamp: int | None


@dataclass(frozen=True)
class PointsTable:
    deployment: Deployment
    block: int
    timestamp: int | None
    rows: tuple[Holding, ...]
    tree: merkle.Tree
    others: tuple[ChainCut, ...] = ()  # the other chains' indexes summed in (points on every chain)

    @property
    def total(self) -> int:
        return sum(h.points for h in self.rows)


def _read(store: Store) -> tuple[Deployment, int, int | None, list[Holding]]:
    state, rows = holdings(store)
    found = store.deployment()
    if state is None or found is None or int(state["block"]) < int(found["startBlock"]):
        raise PointsError(f"--db {store.label} holds no index yet: run `ape run points sync` first")
    timestamp = None if state["timestamp"] is None else int(state["timestamp"])
    return Deployment.from_json(found), int(state["block"]), timestamp, rows


def read_table(store: Store, others: Sequence[Store] = ()) -> PointsTable:
    """The index's table at its block, with its Merkle tree; refuses an index never synced. With the
    indexes of other chains (`others`), each account's points (and holdings) are summed over every
    chain: one row, one leaf per account."""
    deployment, block, timestamp, rows = _read(store)
    cuts: list[ChainCut] = []
    if others:
        merged: dict[str, list[int]] = {}
        for part in (rows, *[_cut(o, deployment, cuts) for o in others]):
            for h in part:
                found = merged.setdefault(h.account, [0, 0, 0, 0])
                for i, value in enumerate((h.points, h.usdai, h.shares, h.escrowed)):
                    found[i] += value
        rows = [Holding(a, *v) for a, v in merged.items()]
        rows.sort(key=lambda h: (-h.points, h.account.lower()))
    tree = merkle.build((h.account, h.points) for h in rows)
    return PointsTable(deployment, block, timestamp, tuple(rows), tree, tuple(cuts))


def _cut(store: Store, home: Deployment, cuts: list[ChainCut]) -> list[Holding]:
    deployment, block, timestamp, rows = _read(store)
    if deployment.home_chain_id != home.chain_id:
        raise PointsError(f"--db {store.label} is not another chain of chain {home.chain_id}'s deployment")
    if any(c.deployment.chain_id == deployment.chain_id for c in cuts):
        raise PointsError(f"--db {store.label}: chain {deployment.chain_id} is counted once already")
    cuts.append(ChainCut(deployment, block, timestamp))
    return rows


def _when(timestamp: int | None) -> str:
    if timestamp is None:
        return "no block time yet"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def points(amount: int) -> str:
    return fmt_units(amount, 18, 2)


def render_leaderboard(t: PointsTable, limit: int | None = None, labels: Mapping[str, str] | None = None) -> str:
    """A heading (block, time, accounts, total, root) and the table, most points first."""
    names = {k.lower(): v for k, v in (labels or {}).items()}
    shown = t.rows if limit is None else t.rows[:limit]
    rows = []
    for rank, h in enumerate(shown, start=1):
        label = names.get(h.account.lower())
        account = f"{label} ({h.account})" if label else h.account
        rows.append((rank, account, points(h.points), fmt_units(h.usdai, 18, 2), fmt_units(h.shares, 18, 2)))
    also = "".join(f", chain {c.deployment.chain_id} at block {c.block:,} ({_when(c.timestamp)})" for c in t.others)
    heading = (
        f"Allo points at block {t.block:,} ({_when(t.timestamp)}){also}: {len(t.rows)} accounts, "
        f"{points(t.total)} points in all; Merkle root {t.tree.root_hex}"
    )
    more = f"\n... and {len(t.rows) - len(shown)} more" if len(shown) < len(t.rows) else ""
    if not rows:
        return heading + "\nno account has points yet\n"
    return heading + "\n" + table(["rank", "account", "points", "USDai", "sUSDai (incl. pending)"], rows) + more + "\n"


def export_json(t: PointsTable) -> dict[str, Any]:
    d = t.deployment
    return {
        "program": "Allo points (revision 2)",
        "formula": FORMULA,
        "pointDecimals": 18,
        "chainId": d.chain_id,
        "contracts": {k: to_checksum_address(v) for k, v in d.addresses().items()},
        "fromBlock": d.start_block,
        "block": t.block,
        "timestamp": t.timestamp,
        "otherChains": [
            {"chainId": c.deployment.chain_id, "contracts": {k: to_checksum_address(v) for k, v in c.deployment.addresses().items()},
             "fromBlock": c.deployment.start_block, "block": c.block, "timestamp": c.timestamp}
            for c in t.others
        ],
        "leaf": LEAF,
        "root": t.tree.root_hex,
        "total": str(t.total),
        "accounts": [
            {
                "account": h.account, "points": str(h.points), "usdai": str(h.usdai), "sUSDai": str(h.shares),
                "proof": t.tree.proof_hex(h.account),
            }
            for h in t.rows
        ],
    }


def write_export(t: PointsTable, fmt: str, out: Path) -> None:
    """CSV (one row per account, the root repeated on each) or JSON (export_json)."""
    if fmt not in FORMATS:
        raise PointsError(f"--format {fmt}: one of {', '.join(FORMATS)}")
    if not out.parent.is_dir():
        raise PointsError(f"--out {out}: no folder {out.parent}")
    if fmt == "json":
        out.write_text(json.dumps(export_json(t), indent=2) + "\n", encoding="utf8")
        return
    with out.open("w", newline="", encoding="utf8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rank", "account", "points", "usdai", "susdai", "root", "proof"])
        for rank, h in enumerate(t.rows, start=1):
            writer.writerow([rank, h.account, h.points, h.usdai, h.shares, t.tree.root_hex, ";".join(t.tree.proof_hex(h.account))])


__all__ = ["FORMATS", "FORMULA", "POINT", "ChainCut", "PointsTable", "export_json", "read_table", "render_leaderboard", "write_export"]
