// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBlacklistable} from "./IBlacklistable.sol";
import {IOmniGuard} from "./IOmniGuard.sol";

/// @title IOmniToken
/// @notice USDai or sUSDai on a chain other than the home chain: a LayerZero OFT minted when tokens
///         locked in the home chain's lockbox arrive, burned when they leave. Its own blacklist and
///         pause stand in for the home token's: a blacklisted account can neither send, receive nor
///         transfer, and a delivery to it is refused and held at the endpoint until it is cleared.
interface IOmniToken is IOmniGuard, IBlacklistable {
    /// @notice Thrown when `setBlacklisted` is called by anyone but the blacklister.
    error CallerNotBlacklister(address caller);

    /// @notice Emitted when the owner names another blacklister.
    event BlacklisterUpdated(address previous, address current);
    /// @notice Emitted when the blacklister adds or removes an account.
    event BlacklistUpdated(address indexed account, bool blacklisted);

    /// @notice Names the account that keeps the blacklist. Owner only.
    function setBlacklister(address blacklister) external;

    /// @notice Adds or removes `account`. Blacklister only.
    function setBlacklisted(address account, bool blacklisted) external;

    /// @notice Whether `account` is blacklisted on this chain.
    function isBlacklisted(address account) external view returns (bool);

    /// @notice The account that keeps the blacklist.
    function blacklister() external view returns (address);
}
