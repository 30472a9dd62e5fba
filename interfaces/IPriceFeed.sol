// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IPriceFeed
/// @notice The part of Chainlink's `AggregatorV3Interface` the suite reads: a price feed (USDC/USD,
///         USDT/USD) or an L2 sequencer-uptime feed (answer 0 = up, 1 = down; `startedAt` = when that
///         status began). Same selectors and return layout as Chainlink's, so the real feeds plug in.
interface IPriceFeed {
    /// @notice Decimals of `answer` (8 for Chainlink's USD feeds).
    function decimals() external view returns (uint8);

    /// @notice The latest round: its id, answer, when it started, when it was last updated, and the round
    ///         in which the answer was computed.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
