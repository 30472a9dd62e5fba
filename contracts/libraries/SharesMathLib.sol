// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title SharesMathLib
/// @notice The one home of sUSDai's share price: every conversion, preview, deposit, mint and
///         servicing fill goes through these four functions. The price is
///         `(assets + VIRTUAL) / (shares + VIRTUAL)`. Its Python twin, which the tests use, is
///         `tests/reference/shares.py`.
/// @dev Inflation defence: the virtual amounts act as if 1e-12 USDai and 1e-12 sUSDai had been
///      deposited before anyone. A donation D before a victim's deposit is shared with these virtual
///      shares, so an attacker holding s shares keeps at most s / (s + VIRTUAL) of it, while the victim
///      loses at most one share's worth to rounding. Equal virtual amounts keep the initial price at 1
///      and sUSDai at USDai's 18 decimals.
///      Rounding is named by the function: `Down` favours the vault when it pays (shares minted for a
///      deposit, assets paid for shares), `Up` favours the vault when it is paid (assets charged for a
///      mint).
library SharesMathLib {
    uint256 internal constant VIRTUAL = 1e6;

    /// @notice Shares worth `assets` at the price `totalAssets / totalShares`, rounded down.
    function toSharesDown(uint256 assets, uint256 totalAssets, uint256 totalShares) internal pure returns (uint256) {
        return Math.mulDiv(assets, totalShares + VIRTUAL, totalAssets + VIRTUAL, Math.Rounding.Floor);
    }

    /// @notice Assets worth `shares` at the price `totalAssets / totalShares`, rounded down.
    function toAssetsDown(uint256 shares, uint256 totalAssets, uint256 totalShares) internal pure returns (uint256) {
        return Math.mulDiv(shares, totalAssets + VIRTUAL, totalShares + VIRTUAL, Math.Rounding.Floor);
    }

    /// @notice Assets worth `shares` at the price `totalAssets / totalShares`, rounded up.
    function toAssetsUp(uint256 shares, uint256 totalAssets, uint256 totalShares) internal pure returns (uint256) {
        return Math.mulDiv(shares, totalAssets + VIRTUAL, totalShares + VIRTUAL, Math.Rounding.Ceil);
    }
}
