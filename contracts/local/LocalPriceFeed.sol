// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IPriceFeed} from "../../interfaces/IPriceFeed.sol";

/// @title LocalPriceFeed
/// @notice Stand-in for a Chainlink feed on the local chain: a USD price feed (8 decimals) or an L2
///         sequencer-uptime feed (answer 0 = up, 1 = down). By default it behaves like a healthy feed whose
///         keepers never miss a heartbeat: `updatedAt` is the current block's time, however far a test
///         warps the clock. The owner can move the answer and pin `updatedAt` to make the feed stale.
contract LocalPriceFeed is IPriceFeed, Ownable {
    /// @notice Emitted when the owner moves the feed.
    event RoundSet(uint80 indexed roundId, int256 answer, uint256 startedAt, uint256 updatedAt);

    uint8 public immutable decimals;
    string public description;

    uint80 internal _roundId;
    int256 internal _answer;
    uint256 internal _startedAt;
    /// @dev 0: the feed is live and reports the current block's time.
    uint256 internal _updatedAt;

    constructor(uint8 decimals_, string memory description_, int256 answer_, address owner_) Ownable(owner_) {
        decimals = decimals_;
        description = description_;
        _roundId = 1;
        _answer = answer_;
        _startedAt = 1; // "since the epoch": an uptime feed that was never down
    }

    /// @notice Sets the answer and its times. `updatedAt` 0 makes the feed live again (always fresh);
    ///         `startedAt` is what a sequencer-uptime feed reports as the start of its current status.
    function setRound(int256 answer_, uint256 startedAt_, uint256 updatedAt_) external onlyOwner {
        uint80 roundId = ++_roundId;
        _answer = answer_;
        _startedAt = startedAt_;
        _updatedAt = updatedAt_;
        emit RoundSet(roundId, answer_, startedAt_, updatedAt_);
    }

    /// @inheritdoc IPriceFeed
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        uint256 updatedAt = _updatedAt == 0 ? block.timestamp : _updatedAt;
        return (_roundId, _answer, _startedAt, updatedAt, _roundId);
    }
}
