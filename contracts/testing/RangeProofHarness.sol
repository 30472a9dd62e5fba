// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RangeProofLib} from "../libraries/RangeProofLib.sol";

/// @title RangeProofHarness
/// @notice Test and benchmark harness only: exposes RangeProofLib so that the differential tests
///         (tests/zk/test_solidity_verifier.py) run the shared vectors through it.
contract RangeProofHarness {
    function verify(uint256[2] memory commitment, uint8 tier, bytes32 ctx, bytes calldata proof)
        external
        view
        returns (bool)
    {
        return RangeProofLib.verify(commitment, tier, ctx, proof);
    }

    /// @notice `verify` plus the gas the library call used (gasleft() before and after), for benchmarks.
    function measureVerify(uint256[2] memory commitment, uint8 tier, bytes32 ctx, bytes calldata proof)
        external
        view
        returns (bool valid, uint256 gasUsed)
    {
        uint256 before = gasleft();
        valid = RangeProofLib.verify(commitment, tier, ctx, proof);
        gasUsed = before - gasleft();
    }

    function checkOpening(uint256[2] memory commitment, uint256 fee, uint256 blinding)
        external
        view
        returns (bool)
    {
        return RangeProofLib.checkOpening(commitment, fee, blinding);
    }

    function context(
        uint256 chainId,
        address auction,
        address bidder,
        uint256 cycleId,
        uint256 ticketId,
        uint256 tier
    ) external pure returns (bytes32) {
        return RangeProofLib.context(chainId, auction, bidder, cycleId, ticketId, tier);
    }

    function isOnCurve(uint256 x, uint256 y) external pure returns (bool) {
        return RangeProofLib.isOnCurve(x, y);
    }

    function pedersenH() external pure returns (uint256 x, uint256 y) {
        return (RangeProofLib.H_X, RangeProofLib.H_Y);
    }

    function contextTag() external pure returns (bytes32) {
        return RangeProofLib.CONTEXT_TAG;
    }
}
