"""A Merkle tree of (account, points) that OpenZeppelin's `MerkleProof.verify` accepts.

The tree is OpenZeppelin's StandardMerkleTree (`@openzeppelin/merkle-tree`), rebuilt here so the root
and every proof are the ones that library would give for the same values:

- leaf = `keccak256(bytes.concat(keccak256(abi.encode(account, points))))` (`address`, `uint256`):
  hashed twice, so a leaf can never be read as an inner node of 64 bytes;
- leaves sorted by their hash, placed at the end of a complete binary tree kept as an array (node `i`
  has children `2i + 1` and `2i + 2`), inner nodes `keccak256` of their two children sorted (the
  commutative hashing `MerkleProof.verify` does);
- a proof is the siblings from the leaf up to the root.

An empty table has no tree: its root is 32 zero bytes and there are no proofs (OpenZeppelin's library
refuses to build it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

Hash = bytes  # 32 bytes
EMPTY_ROOT: Hash = bytes(32)


def _word_address(account: str) -> bytes:
    raw = bytes.fromhex(account.removeprefix("0x").removeprefix("0X"))
    if len(raw) != 20:
        raise ValueError(f"not an address: {account!r}")
    return bytes(12) + raw


def leaf(account: str, points: int) -> Hash:
    """The leaf of `account` with `points` (1e18 units): `keccak256(keccak256(abi.encode(account, points)))`."""
    if not 0 <= points < 2**256:
        raise ValueError(f"points out of uint256 range: {points}")
    return keccak(keccak(_word_address(account) + points.to_bytes(32, "big")))


def hash_pair(a: Hash, b: Hash) -> Hash:
    """OpenZeppelin's `Hashes.commutativeKeccak256`: the smaller word first."""
    return keccak(a + b if a <= b else b + a)


def verify(proof: Sequence[Hash], root: Hash, leaf_hash: Hash) -> bool:
    """`MerkleProof.verify`, in Python."""
    node = leaf_hash
    for sibling in proof:
        node = hash_pair(node, sibling)
    return node == root


@dataclass(frozen=True)
class Tree:
    root: Hash
    proofs: Mapping[str, tuple[Hash, ...]]  # checksummed account -> its proof

    def proof_hex(self, account: str) -> list[str]:
        return ["0x" + node.hex() for node in self.proofs[to_checksum_address(account)]]

    @property
    def root_hex(self) -> str:
        return "0x" + self.root.hex()


def build(entries: Iterable[tuple[str, int]]) -> Tree:
    """The tree of `(account, points)` entries (one entry per account)."""
    by_account: dict[str, int] = {}
    for account, points in entries:
        key = to_checksum_address(account)
        if key in by_account:
            raise ValueError(f"account {key} appears twice")
        by_account[key] = points
    if not by_account:
        return Tree(EMPTY_ROOT, {})
    hashed = sorted((leaf(account, points), account) for account, points in by_account.items())
    size = 2 * len(hashed) - 1
    tree: list[Hash] = [b""] * size
    position: dict[str, int] = {}
    for i, (leaf_hash, account) in enumerate(hashed):
        tree[size - 1 - i] = leaf_hash
        position[account] = size - 1 - i
    for i in range(size - 1 - len(hashed), -1, -1):
        tree[i] = hash_pair(tree[2 * i + 1], tree[2 * i + 2])
    proofs: dict[str, tuple[Hash, ...]] = {}
    for account, index in position.items():
        path: list[Hash] = []
        while index > 0:
            path.append(tree[index + 1 if index % 2 == 1 else index - 1])
            index = (index - 1) // 2
        proofs[account] = tuple(path)
    return Tree(tree[0], proofs)
