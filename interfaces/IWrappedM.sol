// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

/// @title IWrappedM
/// @notice The subset of M^0's Wrapped M (wM) that the suite uses. The real wM on Arbitrum
///         (0x437cc33344a0B27A429f795ff6B469C72698B291) and `LocalWrappedM` both serve it.
/// @dev Earners' balances grow by a continuously compounding index; the growth is not part of
///      `balanceOf` until it is claimed with `claimFor`, which mints it to the account.
interface IWrappedM is IERC20Metadata {
    /// @notice The current earning index, scaled by 1e12, compounding continuously at the earner rate.
    function currentIndex() external view returns (uint128);

    /// @notice Whether `account` earns yield on its balance.
    function isEarning(address account) external view returns (bool);

    /// @notice Yield accrued by `account` since its last claim, not yet part of its balance.
    function accruedYieldOf(address account) external view returns (uint240);

    /// @notice Mints the accrued yield of `account` to it and returns the amount minted.
    function claimFor(address account) external returns (uint240 yield);

    /// @notice Starts earning for `account` (on the real wM: allowed if the registrar approves it).
    function startEarningFor(address account) external;

    /// @notice Stops earning for `account`.
    function stopEarningFor(address account) external;
}
