// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IOmniGuard} from "../../interfaces/IOmniGuard.sol";

/// @title RateLimitLib
/// @notice A bucket that drains linearly: `limit` units may move within any `window` seconds.
library RateLimitLib {
    /// @notice What is still counted at `time`: the stored amount less `limit * elapsed / window`,
    ///         drained rounding down (the bucket empties no faster than the limit says).
    function inFlightAt(IOmniGuard.RateLimit memory r, uint256 time) internal pure returns (uint256) {
        if (r.inFlight == 0) return 0;
        uint256 drained = Math.mulDiv(time - r.updatedAt, r.limit, r.window, Math.Rounding.Floor);
        return drained >= r.inFlight ? 0 : r.inFlight - drained;
    }

    /// @notice Units that may move at `time`.
    function available(IOmniGuard.RateLimit memory r, uint256 time) internal pure returns (uint256) {
        uint256 counted = inFlightAt(r, time);
        return r.limit > counted ? r.limit - counted : 0;
    }

    /// @notice Counts `amount`, or reverts with what was available.
    function consume(IOmniGuard.RateLimit storage r, uint256 amount, uint32 eid, bool outbound) internal {
        IOmniGuard.RateLimit memory m = r; // one read of the packed word
        uint256 counted = inFlightAt(m, block.timestamp);
        uint256 room = m.limit > counted ? m.limit - counted : 0;
        if (amount > room) revert IOmniGuard.RateLimitExceeded(eid, outbound, amount, room);
        // counted + amount <= limit < 2^96
        r.inFlight = uint96(counted + amount);
        r.updatedAt = SafeCast.toUint32(block.timestamp);
    }

    /// @notice A new limit and window; what is in flight is drained to now under the old ones and kept.
    function reset(IOmniGuard.RateLimit storage r, uint96 limit, uint32 window) internal {
        uint256 counted = r.window == 0 ? 0 : inFlightAt(r, block.timestamp);
        r.inFlight = uint96(counted); // at most the old limit
        r.updatedAt = SafeCast.toUint32(block.timestamp);
        r.limit = limit;
        r.window = window;
    }
}
