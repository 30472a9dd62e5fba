// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IOmniGuard
/// @notice The guards every omnichain endpoint of the suite shares (the lockboxes on the home chain, the
///         OFTs elsewhere): a rate limit per remote chain and direction, and a pause.
///         A rate limit is a bucket of `limit` units that refills at `limit` per `window` seconds: at most
///         `limit` moves at once, and at most about twice `limit` within any one window (a full bucket
///         emptied, then refilled over the window). Size it for that. A remote chain without a limit moves
///         nothing (fail closed): the deploy sets one for every peer.
///         Ownership moves in two steps: `transferOwnership` names the next owner, who becomes it with
///         `acceptOwnership`, and then also holds the endpoint delegation (libraries, DVNs). It cannot be
///         renounced (nothing could then unpause).
///         Refused inbound messages are not lost: the endpoint keeps them verified and anyone may
///         deliver them again once the cause is gone (the limit drained, the pause lifted, the
///         recipient no longer blacklisted).
interface IOmniGuard {
    // ---------------------------------------------------------------- types

    /// @notice One direction's limit with a remote chain. One storage word.
    struct RateLimit {
        uint96 limit; // units (the token's local decimals) that may move per window
        uint32 window; // seconds
        uint96 inFlight; // units counted at `updatedAt`; drains by `limit` per `window` (the bucket refills)
        uint32 updatedAt;
    }

    // ---------------------------------------------------------------- errors

    /// @notice Thrown when a send or a delivery would move more than the rate limit has room for.
    error RateLimitExceeded(uint32 eid, bool outbound, uint256 amount, uint256 available);
    /// @notice Thrown when `pause` is called by neither the pauser nor the owner.
    error CallerNotPauser(address caller);
    /// @notice Thrown when a send would move nothing (its whole amount is dust under the shared decimals).
    error SendAmountZero(uint256 amountLD);
    /// @notice Thrown when a setter's argument is outside its bounds.
    error ParameterOutOfRange(string name, uint256 value, uint256 min, uint256 max);
    /// @notice Thrown by `renounceOwnership`, always.
    error OwnershipNotRenounceable();

    // ---------------------------------------------------------------- events

    /// @notice Emitted when the owner sets a rate limit (what is in flight is kept, drained to now).
    event RateLimitUpdated(uint32 indexed eid, bool indexed outbound, uint256 limit, uint256 window);
    /// @notice Emitted when the owner names another pauser.
    event PauserUpdated(address previous, address current);
    /// @notice Emitted when the owner names the next owner (who must accept).
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);

    // ---------------------------------------------------------------- governance

    /// @notice Sets both directions' limits with the remote chain `eid`. Owner only.
    /// @dev Windows are 1 minute to 30 days; a limit of 0 closes that direction.
    function setRateLimits(uint32 eid, uint96 outboundLimit, uint32 outboundWindow, uint96 inboundLimit, uint32 inboundWindow)
        external;

    /// @notice Names the account that may pause (besides the owner). Owner only.
    function setPauser(address pauser) external;

    /// @notice Stops sends and deliveries (refused deliveries stay at the endpoint); on an OFT it also stops
    ///         transfers. Pauser or owner.
    function pause() external;

    /// @notice Lifts the pause. Owner only.
    function unpause() external;

    /// @notice The pending owner becomes the owner and the endpoint delegate. Pending owner only.
    function acceptOwnership() external;

    // ---------------------------------------------------------------- views

    /// @notice The stored limit with `eid` in one direction.
    function rateLimit(uint32 eid, bool outbound) external view returns (RateLimit memory);

    /// @notice Units that may move to (`outbound`) or from `eid` now.
    function availableToMove(uint32 eid, bool outbound) external view returns (uint256);

    /// @notice The account that may pause besides the owner.
    function pauser() external view returns (address);

    /// @notice The account `transferOwnership` named, until it accepts (zero: none).
    function pendingOwner() external view returns (address);
}
