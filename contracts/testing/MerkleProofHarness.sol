// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title MerkleProofHarness
/// @notice Test harness only: checks an Allo points proof exported by `ape run points export` with
///         OpenZeppelin's MerkleProof, the leaf built as a distributor would (StandardMerkleTree).
contract MerkleProofHarness {
    function verify(bytes32[] calldata proof, bytes32 root, address account, uint256 points)
        external
        pure
        returns (bool)
    {
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(account, points))));
        return MerkleProof.verify(proof, root, leaf);
    }
}
