// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AmortizationLib} from "../libraries/AmortizationLib.sol";
import {WaterfallLib} from "../libraries/WaterfallLib.sol";

/// @title CreditMathHarness
/// @notice Test-only: exposes the FiLo math libraries so that tests can run them against the Python
///         reference (`scripts/_suite/credit_math.py`, `tests/reference/credit.py`) on the same inputs.
contract CreditMathHarness {
    function accrue(uint256 principal, uint256 aprBps, uint256 elapsed) external pure returns (uint256) {
        return AmortizationLib.accrue(principal, aprBps, elapsed);
    }

    function periodRateRay(uint256 aprBps, uint256 periodLength) external pure returns (uint256) {
        return AmortizationLib.periodRateRay(aprBps, periodLength);
    }

    function rpow(uint256 x, uint256 n) external pure returns (uint256) {
        return AmortizationLib.rpow(x, n);
    }

    function levelPayment(uint256 principal, uint256 aprBps, uint256 periods, uint256 periodLength)
        external
        pure
        returns (uint256)
    {
        return AmortizationLib.levelPayment(principal, aprBps, periods, periodLength);
    }

    function scheduleAt(
        uint256 principal,
        uint256 aprBps,
        uint256 periods,
        uint256 periodLength,
        uint256 payment,
        uint256 k
    ) external pure returns (uint256 balance, uint256 paidTotal) {
        return AmortizationLib.scheduleAt(principal, aprBps, periods, periodLength, payment, k);
    }

    function distribute(uint256 amount, WaterfallLib.Claims calldata claims)
        external
        pure
        returns (WaterfallLib.Claims memory paid, uint256 surplus)
    {
        return WaterfallLib.distribute(amount, claims);
    }

    function splitInterest(uint256 interest, uint256 seniorCapital, uint256 totalCapital, uint256 feeBps)
        external
        pure
        returns (uint256 seniorNet, uint256 fee, uint256 junior)
    {
        return WaterfallLib.splitInterest(interest, seniorCapital, totalCapital, feeBps);
    }

    function seniorShare(uint256 amount, uint256 seniorCapital, uint256 totalCapital) external pure returns (uint256) {
        return WaterfallLib.seniorShare(amount, seniorCapital, totalCapital);
    }

    /// @notice The block time a view sees, to line up Python time-dependent math with `eth_call`.
    function blockTimestamp() external view returns (uint256) {
        return block.timestamp;
    }
}
