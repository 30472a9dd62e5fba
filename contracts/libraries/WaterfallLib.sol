// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title WaterfallLib
/// @notice How money entering a FiLo stack is shared between the senior tranche (the vault), the junior
///         tranche (the curator's first-loss capital) and the curator's fee.
/// @dev Rounding favours the senior tranche on interest (the fee is rounded down) and is neutral on
///      principal (the senior share is rounded down, the rest stays in the stack where junior capital
///      absorbs any later loss first). Mirrored to the wei by `tests/reference/credit.py`.
library WaterfallLib {
    uint256 internal constant BPS = 1e4;

    /// @notice Claims on a liquidated loan, in payment order.
    struct Claims {
        uint256 seniorPrincipal;
        uint256 seniorInterest;
        uint256 juniorPrincipal;
        uint256 juniorInterest;
    }

    /// @notice `amount` paid down the waterfall: senior principal, senior interest, junior principal,
    ///         junior interest; what exceeds every claim is the surplus (the borrower's).
    function distribute(uint256 amount, Claims memory claims) internal pure returns (Claims memory paid, uint256 surplus) {
        uint256 left = amount;
        (paid.seniorPrincipal, left) = _take(left, claims.seniorPrincipal);
        (paid.seniorInterest, left) = _take(left, claims.seniorInterest);
        (paid.juniorPrincipal, left) = _take(left, claims.juniorPrincipal);
        (paid.juniorInterest, left) = _take(left, claims.juniorInterest);
        surplus = left;
    }

    /// @notice The senior tranche's share of `amount`, pro rata to capital, rounded down.
    function seniorShare(uint256 amount, uint256 seniorCapital, uint256 totalCapital) internal pure returns (uint256) {
        if (totalCapital == 0) return 0;
        return Math.mulDiv(amount, seniorCapital, totalCapital, Math.Rounding.Floor);
    }

    /// @notice Interest `interest` shared pro rata to capital; the curator takes `feeBps` of the senior
    ///         share (rounded down: the rounding stays with the vault).
    /// @return seniorNet to the vault; fee to the curator; junior to the stack's junior capital.
    function splitInterest(uint256 interest, uint256 seniorCapital, uint256 totalCapital, uint256 feeBps)
        internal
        pure
        returns (uint256 seniorNet, uint256 fee, uint256 junior)
    {
        uint256 seniorGross = seniorShare(interest, seniorCapital, totalCapital);
        fee = Math.mulDiv(seniorGross, feeBps, BPS, Math.Rounding.Floor);
        seniorNet = seniorGross - fee;
        junior = interest - seniorGross;
    }

    function _take(uint256 left, uint256 claim) private pure returns (uint256 taken, uint256 rest) {
        taken = left < claim ? left : claim;
        rest = left - taken;
    }
}
