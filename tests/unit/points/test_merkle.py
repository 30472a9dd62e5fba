"""The Merkle root and proofs of the points table: OpenZeppelin's StandardMerkleTree (its published
example root), and every exported proof verified on chain by `MerkleProof.verify`
(contracts/testing/MerkleProofHarness.sol), a tampered one refused."""

from __future__ import annotations

import json

import pytest

from scripts._suite.deployment import DAY, USDAI, WM
from scripts._suite.points import merkle
from scripts._suite.points.table import read_table, write_export


def test_standard_tree__openzeppelin_example_root():
    """The two-value example of @openzeppelin/merkle-tree's README (address, uint256)."""
    tree = merkle.build([
        ("0x1111111111111111111111111111111111111111", 5_000_000_000_000_000_000),
        ("0x2222222222222222222222222222222222222222", 2_500_000_000_000_000_000),
    ])
    assert tree.root_hex == "0xd4dee0beab2d53f2cc83e567171bd2820e49898130a22622b10ead383e90bd77"


def test_tree__edge_sizes():
    assert merkle.build([]).root == merkle.EMPTY_ROOT
    one = merkle.build([("0x" + "ab" * 20, 7)])
    assert one.root == merkle.leaf("0x" + "ab" * 20, 7) and one.proof_hex("0x" + "ab" * 20) == []
    with pytest.raises(ValueError, match="appears twice"):
        merkle.build([("0x" + "ab" * 20, 1), ("0x" + "AB" * 20, 2)])


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 8, 13])
def test_every_proof__verified_by_openzeppelin(harness, size):
    entries = [("0x" + f"{i + 1:040x}", (i + 1) * 10**18 + i) for i in range(size)]
    tree = merkle.build(entries)
    for account, points in entries:
        proof = tree.proof_hex(account)
        assert merkle.verify(tree.proofs[merkle.to_checksum_address(account)], tree.root, merkle.leaf(account, points))
        assert harness.verify(proof, tree.root_hex, account, points)
        assert not harness.verify(proof, tree.root_hex, account, points + 1)


def test_exported_proofs__verify_on_chain__tampered_ones_do_not(harness, points_suite, node, holders, index, tmp_path, no_base_yield):
    a, b, c = holders
    usdai, vault, wm = points_suite.usdai.address, points_suite.vault.address, points_suite.wm.address
    for i, who in enumerate(holders):
        node.send(who, usdai, "deposit(address,uint256,uint256,address)", wm, (1_000 * (i + 1)) * WM, 0, who)
        node.send(who, vault, "deposit(uint256,address)", (300 * (i + 1)) * USDAI, who)
    node.warp(DAY)
    node.send(a, usdai, "transfer(address,uint256)", "0x" + "42" * 20, 10 * USDAI)
    node.warp(DAY)
    node.send(b, usdai, "transfer(address,uint256)", c, USDAI)
    store, _ = index()
    out = tmp_path / "points.json"
    write_export(read_table(store), "json", out)
    exported = json.loads(out.read_text())
    rows = exported["accounts"]
    # (The deployer may have a few points too: the deploy mints it the seed stake's USDai a block or
    # more before staking it for 0x...dEaD.)
    assert {*holders, "0x" + "42" * 20} <= {r["account"].lower() for r in rows}
    assert exported["root"] == read_table(store).tree.root_hex
    for row in rows:
        assert harness.verify(row["proof"], exported["root"], row["account"], int(row["points"]))
    first, second = rows[0], rows[1]
    assert not harness.verify(first["proof"], exported["root"], first["account"], int(first["points"]) + 1)
    assert not harness.verify(first["proof"], exported["root"], second["account"], int(first["points"]))
    assert not harness.verify(second["proof"], exported["root"], first["account"], int(first["points"]))
    bent = [first["proof"][0][:-2] + ("00" if first["proof"][0][-2:] != "00" else "01"), *first["proof"][1:]]
    assert not harness.verify(bent, exported["root"], first["account"], int(first["points"]))
