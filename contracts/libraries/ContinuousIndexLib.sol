// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

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
    function grow(uint256 index, uint256 rateBps, uint256 elapsed) internal pure returns (uint256) {
        if (elapsed == 0 || rateBps == 0) return index;
        uint256 x = Math.mulDiv(rateBps * elapsed, WAD, BPS * SECONDS_PER_YEAR);
        uint256 sum = WAD;
        uint256 term = WAD;
        for (uint256 k = 1; term != 0; ++k) {
            term = Math.mulDiv(term, x, k * WAD);
            sum += term;
        }
        return Math.mulDiv(index, sum, WAD);
    }
}
