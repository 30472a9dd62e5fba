// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ISeniorCapital
/// @notice What the sUSDai vault needs from the FiLo ledger: a place to allocate senior capital, a way
///         to bring unused senior cash home, and what that capital is worth now. The ledger returns
///         senior principal and interest by transferring USDai to the vault (`sweep`), so the vault
///         needs no callback.
interface ISeniorCapital {
    /// @notice Records `amount` USDai, already transferred to the ledger by the vault, as senior
    ///         capital of `stackId`. Only the vault may call it; refused while paused.
    function allocateSenior(uint256 stackId, uint256 amount) external;

    /// @notice Moves `amount` of the stack's idle senior principal (cash no loan uses) to its
    ///         pending balance for the vault, which `sweep` pays out. Only the vault; refused while paused.
    function releaseSenior(uint256 stackId, uint256 amount) external;

    /// @notice Transfers the stack's pending senior cash (returned principal and net interest) to the
    ///         vault. Permissionless.
    /// @return amount USDai transferred.
    function sweep(uint256 stackId) external returns (uint256 amount);

    /// @notice The vault's senior exposure across all stacks, in USDai units (18 decimals).
    /// @return depositNav senior principal at carrying value + accrued senior interest (prices deposits).
    /// @return redemptionNav the same without accrued-but-unpaid interest (prices redemptions).
    /// @dev O(1): registry-wide running totals, the same gas at 1 stack or 10,000, 1 loan or 1,000,000.
    ///      Carrying value: every loan at no more than the recovery value of its collateral (latest
    ///      appraisals less the liquidation cost, stale appraisals haircut), junior capital first.
    function seniorNav() external view returns (uint256 depositNav, uint256 redemptionNav);

    /// @notice `seniorNav` and the moment from which it stops being the truth: the start of the hour in
    ///         which the first loan becomes markable (delinquent past its grace period, or an appraisal
    ///         turning stale), `type(uint256).max` if none. Pricing from then on would ignore a loss
    ///         anyone can already book; the vault refuses to price deposits and redemptions until
    ///         someone marks the loan (`ILoanBook.markDefault` / `refreshCollateral`).
    function navState() external view returns (uint256 depositNav, uint256 redemptionNav, uint256 staleFrom);
}
