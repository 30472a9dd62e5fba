// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title SuiteTimelock
/// @notice Governance for a launch that wants a delay on every admin action: OpenZeppelin's
///         TimelockController as is, deployed by the suite's one deploy path (`--timelock-delay`). It
///         administers itself (no admin account), so changing its proposers or delay also waits out the
///         delay. It receives DEFAULT_ADMIN_ROLE on every core contract and owns every ProxyAdmin.
contract SuiteTimelock is TimelockController {
    /// @param minDelay Seconds between scheduling an operation and executing it.
    /// @param proposers Who may schedule and cancel operations (a multisig, typically).
    /// @param executors Who may execute a ready operation (`address(0)`: anyone).
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors)
        TimelockController(minDelay, proposers, executors, address(0))
    {}
}
