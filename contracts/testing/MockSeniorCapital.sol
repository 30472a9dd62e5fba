// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {ISeniorCapital} from "../../interfaces/ISeniorCapital.sol";

/// @title MockSeniorCapital
/// @notice TEST ONLY. Never deploy outside tests. A stand-in for the FiLo registry as the sUSDai
///         vault sees it: it holds allocated USDai, reports a settable senior NAV (both prices),
///         and hands USDai back to the vault on demand, so vault tests can make liquidity short
///         (partial fills) and move NAV up or down (gains and losses of pending shares).
/// @dev `allocateSenior` adds the allocation to both NAVs; `setNav` overrides them; `returnToVault`
///      sends USDai back and takes it off both NAVs (saturating at zero). No access control beyond
///      the vault check on `allocateSenior`: tests drive it from any account.
contract MockSeniorCapital is ISeniorCapital {
    using SafeERC20 for IERC20;

    /// @notice Thrown when an account other than the vault calls `allocateSenior`.
    error VaultOnly(address caller);

    IERC20 public immutable usdai;
    address public immutable vault;

    uint256 public depositNav;
    uint256 public redemptionNav;
    uint256 public allocated;
    uint256 public released;
    uint256 public staleFrom = type(uint256).max;

    event SeniorAllocated(uint256 indexed stackId, uint256 amount);

    constructor(IERC20 usdai_, address vault_) {
        usdai = usdai_;
        vault = vault_;
    }

    /// @inheritdoc ISeniorCapital
    function allocateSenior(uint256 stackId, uint256 amount) external {
        if (msg.sender != vault) revert VaultOnly(msg.sender);
        allocated += amount;
        depositNav += amount;
        redemptionNav += amount;
        emit SeniorAllocated(stackId, amount);
    }

    /// @inheritdoc ISeniorCapital
    function seniorNav() external view returns (uint256, uint256) {
        return (depositNav, redemptionNav);
    }

    /// @inheritdoc ISeniorCapital
    /// @dev Mock: released cash is swept from what this contract holds.
    function releaseSenior(uint256, uint256 amount) external {
        if (msg.sender != vault) revert VaultOnly(msg.sender);
        released += amount;
    }

    /// @inheritdoc ISeniorCapital
    function sweep(uint256) external returns (uint256 amount) {
        amount = released;
        released = 0;
        depositNav = depositNav > amount ? depositNav - amount : 0;
        redemptionNav = redemptionNav > amount ? redemptionNav - amount : 0;
        usdai.safeTransfer(vault, amount);
    }

    /// @inheritdoc ISeniorCapital
    function navState() external view returns (uint256, uint256, uint256) {
        return (depositNav, redemptionNav, staleFrom);
    }

    /// @notice Test hook: the moment the mocked book turns stale (`type(uint256).max`: never).
    function setStaleFrom(uint256 staleFrom_) external {
        staleFrom = staleFrom_;
    }

    /// @notice Test hook: sets both NAVs (a gain, a loss, or accrued interest when they differ).
    function setNav(uint256 depositNav_, uint256 redemptionNav_) external {
        depositNav = depositNav_;
        redemptionNav = redemptionNav_;
    }

    /// @notice Test hook: sends `amount` USDai held here back to the vault (a sweep of principal).
    function returnToVault(uint256 amount) external {
        depositNav = depositNav > amount ? depositNav - amount : 0;
        redemptionNav = redemptionNav > amount ? redemptionNav - amount : 0;
        usdai.safeTransfer(vault, amount);
    }
}
