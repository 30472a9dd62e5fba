// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title LocalLzWorker
/// @notice The executor and the DVN that LayerZero's send library pays on a local chain. On a live chain
///         these are LayerZero's and its DVN operators' contracts; locally the suite's relayer
///         (`scripts/_suite/relayer.py`) does their work off chain: it reads `PacketSent`, verifies the
///         packet at the destination's receive library and delivers it through the endpoint.
///         Free by default; its deployer may set a fee per job (charged once as executor and once as DVN),
///         so that tests see senders and composers pay real native fees. The send library keeps what it
///         collects for the worker.
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

    /// @notice Thrown when `setFee` is called by anyone but the deployer.
    error CallerNotOwner(address caller);

    address public immutable owner;
    /// @notice Native fee per job, in wei.
    uint256 public fee;

    constructor() {
        owner = msg.sender;
    }

    /// @notice Sets the fee per job. Deployer only.
    function setFee(uint256 fee_) external {
        if (msg.sender != owner) revert CallerNotOwner(msg.sender);
        fee = fee_;
    }

    /// @notice Executor job.
    function assignJob(uint32, address, uint256, bytes calldata) external view returns (uint256) {
        return fee;
    }

    /// @notice Executor fee.
    function getFee(uint32, address, uint256, bytes calldata) external view returns (uint256) {
        return fee;
    }

    /// @notice DVN job.
    function assignJob(AssignJobParam calldata, bytes calldata) external payable returns (uint256) {
        return fee;
    }

    /// @notice DVN fee.
    function getFee(uint32, uint64, address, bytes calldata) external view returns (uint256) {
        return fee;
    }
}
