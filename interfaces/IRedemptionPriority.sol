// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IRedemptionPriority
/// @notice What the sUSDai vault reads from the QEV auction when it services a cycle: whether the
///         cycle's settlement is final and the settled priority list (requests and their fees).
interface IRedemptionPriority {
    /// @notice Whether servicing of the requests due at the end of `cycleId` may start.
    /// @return isFinal true once settlement is final, or when no auction ran for the cycle.
    /// @return length number of entries in the settled priority list (0 when no auction ran).
    function priorityStatus(uint256 cycleId) external view returns (bool isFinal, uint256 length);

    /// @notice Entry `index` of the settled priority list of `cycleId`, highest fee first.
    /// @return requestId the redemption request to serve first.
    /// @return feeBps the priority fee (pay-as-bid), in bps of the shares served.
    function priorityAt(uint256 cycleId, uint256 index) external view returns (uint256 requestId, uint256 feeBps);
}
