// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title AmortizationLib
/// @notice Level-payment (annuity) schedules and per-second simple interest for FiLo loans.
/// @dev Rounding, mirrored to the wei by `scripts/_suite/credit_math.py`:
///      - interest is debt: rounded up (`accrue`);
///      - the per-period rate is a RAY (1e27) fraction rounded down, and `(1 + r)^n` is computed by
///        square-and-multiply with every product rounded down;
///      - the level payment is rounded up, so the schedule never ends short; the last period pays
///        whatever is left (balance + interest), which the rounding keeps at or just below the level payment.
library AmortizationLib {
    uint256 internal constant BPS = 1e4;
    uint256 internal constant SECONDS_PER_YEAR = 365 days;
    uint256 internal constant RAY = 1e27;

    /// @notice Simple interest on `principal` at `aprBps` per year over `elapsed` seconds, rounded up.
    function accrue(uint256 principal, uint256 aprBps, uint256 elapsed) internal pure returns (uint256) {
        return Math.mulDiv(principal, aprBps * elapsed, BPS * SECONDS_PER_YEAR, Math.Rounding.Ceil);
    }

    /// @notice The rate of one period of `periodLength` seconds, as a RAY fraction rounded down.
    function periodRateRay(uint256 aprBps, uint256 periodLength) internal pure returns (uint256) {
        return Math.mulDiv(aprBps * periodLength, RAY, BPS * SECONDS_PER_YEAR, Math.Rounding.Floor);
    }

    /// @notice `x^n` for a RAY fixed-point `x`, every product rounded down.
    function rpow(uint256 x, uint256 n) internal pure returns (uint256 z) {
        z = RAY;
        while (n != 0) {
            if (n & 1 == 1) z = Math.mulDiv(z, x, RAY, Math.Rounding.Floor);
            n >>= 1;
            if (n != 0) x = Math.mulDiv(x, x, RAY, Math.Rounding.Floor);
        }
    }

    /// @notice The level payment that amortizes `principal` over `periods` periods, rounded up:
    ///         `P * r * (1+r)^n / ((1+r)^n - 1)`, or `P / n` at a zero rate.
    function levelPayment(uint256 principal, uint256 aprBps, uint256 periods, uint256 periodLength)
        internal
        pure
        returns (uint256)
    {
        uint256 r = periodRateRay(aprBps, periodLength);
        if (r == 0) return Math.ceilDiv(principal, periods);
        uint256 x = rpow(RAY + r, periods);
        uint256 rx = Math.mulDiv(r, x, RAY, Math.Rounding.Ceil);
        return Math.mulDiv(principal, rx, x - RAY, Math.Rounding.Ceil);
    }

    /// @notice The schedule after `k` payments made exactly at their due dates: the remaining principal
    ///         and the sum of the scheduled payments. Each period's interest is `accrue(balance, apr,
    ///         periodLength)`, which is what the loan accrues when paid on its due dates.
    /// @dev O(min(k, periods)); periods are capped by the registry.
    function scheduleAt(
        uint256 principal,
        uint256 aprBps,
        uint256 periods,
        uint256 periodLength,
        uint256 payment,
        uint256 k
    ) internal pure returns (uint256 balance, uint256 paidTotal) {
        balance = principal;
        if (k > periods) k = periods;
        for (uint256 j; j < k; ++j) {
            uint256 pay;
            (balance, pay) = step(balance, aprBps, periods, periodLength, payment, j);
            paidTotal += pay;
        }
    }

    /// @notice Period `j` (counted from 0) of the schedule, paid on its due date: from the balance
    ///         before it, the balance after it and the payment. The last period pays whatever is left.
    function step(uint256 balance, uint256 aprBps, uint256 periods, uint256 periodLength, uint256 payment, uint256 j)
        internal
        pure
        returns (uint256 balanceAfter, uint256 pay)
    {
        uint256 owed = balance + accrue(balance, aprBps, periodLength);
        pay = (j + 1 == periods || payment > owed) ? owed : payment;
        balanceAfter = owed - pay;
    }
}
