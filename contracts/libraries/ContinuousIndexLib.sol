// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ContinuousIndexLib
/// @notice Continuous compounding for an earning index scaled by 1e12 (M^0's EXP_SCALED_ONE).
library ContinuousIndexLib {
    uint256 internal constant INDEX_ONE = 1e12;
    uint256 internal constant WAD = 1e18;
    uint256 internal constant BPS = 1e4;
    uint256 internal constant SECONDS_PER_YEAR = 365 days;

    /// @notice `index * e^(rateBps/1e4 * elapsed/year)`, rounded down.
    /// @dev Taylor series of e^x in 1e18 fixed point; every term is rounded down, so the index never
    ///      grows faster than the true rate. Terms stop once they are below one unit (x <= ~40 for
    ///      any realistic rate and horizon, so the loop stays short).
    ///      The products are plain (checked) `a * b / c`, cheaper than `mulDiv` on every wM transfer,
    ///      and none can overflow in range: with x <= 40 (x in WAD below 2^66), e^x < 2^58, so `sum`
    ///      and every `term` stay below 2^118 and `term * x` below 2^184; `index` is a uint128, so
    ///      `index * sum` is below 2^246. Beyond that range the checked product reverts, never wraps.
    function grow(uint256 index, uint256 rateBps, uint256 elapsed) internal pure returns (uint256) {
        if (elapsed == 0 || rateBps == 0) return index;
        uint256 x = (rateBps * elapsed * WAD) / (BPS * SECONDS_PER_YEAR);
        uint256 sum = WAD;
        uint256 term = WAD;
        for (uint256 k = 1; term != 0; ++k) {
            term = (term * x) / (k * WAD);
            sum += term;
        }
        return (index * sum) / WAD;
    }
}
