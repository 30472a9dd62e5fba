"""`ape run points sync|show|export` (scripts/points.py) through its commands' callbacks on the test chain:
sync with its progress and summary, the leaderboard, the CSV and JSON exports with root and proofs;
every bad input is one line."""

from __future__ import annotations

import csv
import json

import click
import pytest
from eth_utils import to_checksum_address

from scripts import points as cli
from scripts._suite.deployment import DAY, USDAI, WM
from scripts._suite.points import leaderboard_text, merkle
from scripts._suite.points.store import Store
from scripts._suite.points.table import points as fmt_points
from scripts._suite.report import fmt_units


@pytest.fixture
def files(points_suite, tmp_path):
    manifest = tmp_path / "local.json"
    manifest.write_text(json.dumps(points_suite.manifest()))
    return manifest, f"sqlite:///{tmp_path}/points.sqlite"


@pytest.fixture
def history(points_suite, holders, node, no_base_yield):
    a, b, c = holders
    usdai, vault, wm = points_suite.usdai.address, points_suite.vault.address, points_suite.wm.address
    node.send(a, usdai, "deposit(address,uint256,uint256,address)", wm, 5_000 * WM, 0, a)
    node.send(b, usdai, "deposit(address,uint256,uint256,address)", wm, 2_000 * WM, 0, b)
    node.send(a, vault, "deposit(uint256,address)", 1_000 * USDAI, a)
    node.warp(3 * DAY)
    node.send(b, usdai, "transfer(address,uint256)", c, 500 * USDAI)
    node.warp(DAY)
    node.send(a, vault, "requestRedeem(uint256,address,address)", 100 * USDAI, a, a)
    return holders


def test_sync_show_export(points_suite, node, files, history, capsys, tmp_path):
    manifest, db = files
    a, b, c = history
    start = points_suite.manifest()["startBlock"]  # the deployment's first block: where a new index starts
    cli.sync.callback(manifest=manifest, db_url=db)
    captured = capsys.readouterr()
    assert captured.out.startswith(f"indexed blocks {start}-{node.head():,}: ") and captured.out.endswith(" events/s)\n")
    assert "indexing" in captured.err  # the progress bar
    cli.sync.callback(manifest=manifest, db_url=db)
    assert capsys.readouterr().out == f"up to date at block {node.head()}\n"

    cli.show.callback(manifest=manifest, db_url=db, limit=2)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"Allo points at block {node.head():,} (") and "Merkle root 0x" in out[0]
    assert [cell.strip() for cell in out[1].split("|")[1:-1]] == ["rank", "account", "points", "USDai", "sUSDai (incl. pending)"]
    rows = [line.split("|")[1:-1] for line in out[3:] if line.startswith("|")]
    assert len(rows) == 2 and out[-1].startswith("... and ")
    assert rows[0][1].strip().lower() == a and rows[0][4].strip() == fmt_units(1_000 * USDAI, 18, 2)

    json_out, csv_out = tmp_path / "points.json", tmp_path / "points.csv"
    cli.export.callback(manifest=manifest, db_url=db, fmt="json", out=json_out)
    line = capsys.readouterr().out
    exported = json.loads(json_out.read_text())
    assert line == f"{len(exported['accounts'])} accounts at block {node.head():,}, root {exported['root']}, written to {json_out}\n"
    cli.export.callback(manifest=manifest, db_url=db, fmt="csv", out=csv_out)
    with csv_out.open() as handle:
        table = list(csv.DictReader(handle))
    assert [r["account"] for r in table] == [r["account"] for r in exported["accounts"]]
    assert {a, b, c} <= {r["account"].lower() for r in table}
    root = bytes.fromhex(exported["root"][2:])
    for row in table:
        assert row["root"] == exported["root"]
        proof = [bytes.fromhex(p[2:]) for p in row["proof"].split(";") if p]
        assert merkle.verify(proof, root, merkle.leaf(row["account"], int(row["points"])))
    assert exported["fromBlock"] == start and exported["block"] == node.head() and exported["pointDecimals"] == 18
    top = exported["accounts"][0]
    assert fmt_points(int(top["points"])) in "\n".join(out)


def _one_line(call, message):
    with pytest.raises(click.ClickException) as info:
        call()
    assert message in info.value.message and "\n" not in info.value.message, info.value.message


def test_bad_input__one_line(points_suite, files, history, tmp_path):
    manifest, db = files
    missing = tmp_path / "none.json"
    _one_line(lambda: cli.sync.callback(manifest=missing, db_url=db), "no manifest at")
    _one_line(lambda: cli.show.callback(manifest=manifest, db_url=None), "no index at ")
    _one_line(lambda: cli.sync.callback(manifest=manifest, db_url="nosuchdb://x/y"), "not a database URL")
    _one_line(lambda: cli.sync.callback(manifest=manifest, db_url=db, from_block=-1), "--from-block -1")
    _one_line(lambda: cli.sync.callback(manifest=manifest, db_url=db, confirmations=-2), "--confirmations -2")
    empty = f"sqlite:///{tmp_path}/empty.sqlite"
    Store(empty).close()
    _one_line(lambda: cli.show.callback(manifest=manifest, db_url=empty), "holds no index yet")
    cli.sync.callback(manifest=manifest, db_url=db)
    _one_line(lambda: cli.export.callback(manifest=manifest, db_url=db, fmt="json", out=tmp_path / "no" / "x.json"), "no folder")
    _one_line(lambda: cli.sync.callback(manifest=manifest, db_url=db, from_block=3), "differs in startBlock")
    other = points_suite.manifest()
    other["contracts"]["USDai"] = "0x" + "12" * 20
    moved = tmp_path / "other.json"
    moved.write_text(json.dumps(other))
    _one_line(lambda: cli.sync.callback(manifest=moved, db_url=db), "indexes another deployment")
    del other["contracts"]["RedemptionTicket"]
    moved.write_text(json.dumps(other))
    _one_line(lambda: cli.sync.callback(manifest=moved, db_url=f"sqlite:///{tmp_path}/x.sqlite"), "the manifest lists no RedemptionTicket")
    other["contracts"]["RedemptionTicket"] = "0x1234"
    moved.write_text(json.dumps(other))
    _one_line(lambda: cli.sync.callback(manifest=moved, db_url=f"sqlite:///{tmp_path}/x.sqlite"), "manifest entry RedemptionTicket is not an address")


def test_leaderboard_text__the_demo_call(contracts, node, history):
    """What scripts/demo.py prints at its end: a throwaway index of the whole chain, actors named."""
    a, _, _ = history
    text = leaderboard_text(contracts, labels={a: "alice"})
    lines = text.splitlines()
    assert lines[0].startswith(f"Allo points at block {node.head():,} (")
    assert f"| 1    | alice ({to_checksum_address(a)}) |" in text
    assert lines[-1].startswith(f"indexed blocks 0-{node.head():,}: ")
