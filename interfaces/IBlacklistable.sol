// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IBlacklistable
/// @notice The errors of a token whose transfers refuse blacklisted accounts (USDai, sUSDai): declared
///         once, for both the token's interface and the balance base that enforces them.
interface IBlacklistable {
    /// @notice Thrown when a mint, transfer or burn involves a blacklisted sender, recipient or operator.
    error AccountBlacklisted(address account);
    /// @notice Thrown when a mint would take the supply to 2^255, where a balance word keeps its flag.
    error SupplyOverflow(uint256 supply);
}
