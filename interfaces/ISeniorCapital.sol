// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ISeniorCapital
/// @notice What the sUSDai vault needs from the FiLo registry: a place to allocate senior capital
///         and a view of what that capital is worth. The registry returns senior principal and
///         interest by transferring USDai to the vault (`sweep`), so the vault needs no callback.
interface ISeniorCapital {
    /// @notice Records `amount` USDai, already transferred to the registry by the vault, as senior
    ///         capital of `stackId`. Only the vault may call it.
    function allocateSenior(uint256 stackId, uint256 amount) external;

    /// @notice Moves `amount` of the stack's idle senior principal (cash no loan uses) to its
    ///         pending balance for the vault, which `sweep` pays out. Only the vault may call it.
    function releaseSenior(uint256 stackId, uint256 amount) external;

    /// @notice Transfers the stack's pending senior cash (returned principal and net interest) to the
    ///         vault. Permissionless.
    /// @return amount USDai transferred.
    function sweep(uint256 stackId) external returns (uint256 amount);

    /// @notice The vault's senior exposure across all stacks, in USDai units (18 decimals).
    /// @return depositNav principal + accrued senior interest - impairments (prices deposits).
    /// @return redemptionNav the same without accrued-but-unpaid interest (prices redemptions).
    /// @dev O(stacks), never O(loans).
    function seniorNav() external view returns (uint256 depositNav, uint256 redemptionNav);
}
