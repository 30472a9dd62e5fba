// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title LocalLzWorker
/// @notice The executor and the DVN that LayerZero's send library pays on a local chain, for free. On a
///         live chain these are LayerZero's and its DVN operators' contracts; locally the suite's relayer
///         (`scripts/_suite/relayer.py`) does their work off chain: it reads `PacketSent`, verifies the
///         packet at the destination's receive library and delivers it through the endpoint.
/// @dev Implements `ILayerZeroExecutor` and `ILayerZeroDVN` (messagelib-v2), declared here by selector.
contract LocalLzWorker {
    /// @notice `ILayerZeroDVN.AssignJobParam`.
    struct AssignJobParam {
        uint32 dstEid;
        bytes packetHeader;
        bytes32 payloadHash;
        uint64 confirmations;
        address sender;
    }

    /// @notice Executor job: free.
    function assignJob(uint32, address, uint256, bytes calldata) external pure returns (uint256) {
        return 0;
    }

    /// @notice Executor fee: none.
    function getFee(uint32, address, uint256, bytes calldata) external pure returns (uint256) {
        return 0;
    }

    /// @notice DVN job: free.
    function assignJob(AssignJobParam calldata, bytes calldata) external payable returns (uint256) {
        return 0;
    }

    /// @notice DVN fee: none.
    function getFee(uint32, uint64, address, bytes calldata) external pure returns (uint256) {
        return 0;
    }
}
