// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IOmniComposer
/// @notice Stake from another chain: a holder sends USDai from another chain to the home lockbox with this
///         composer as recipient and a compose message `abi.encode(bytes32 recipient, uint256 minShares)`;
///         the lockbox releases the USDai here and the endpoint calls `lzCompose`, which deposits it in
///         sUSDai and sends the shares back to `recipient` on the chain the USDai came from.
///         Shares under one shared-decimals step (1e12 units) cannot cross: they go to the recipient's own
///         address on the home chain.
///         If any step fails (sUSDai paused, fewer shares than `minShares`, the recipient blacklisted on
///         sUSDai, a malformed message, the sUSDai route refusing the send) the whole stake is undone and
///         the USDai goes back to the sender on its chain (`Refunded`, with the reason). If the refund
///         itself is refused (its route paused or over its limit), `lzCompose` reverts and the endpoint
///         keeps the compose to be retried: the USDai waits here, never anywhere else.
///         The fee of the send back (or of the refund) is the value the executor attaches to `lzCompose`,
///         which the sender asks for in its compose option (`stake_from` quotes it); the endpoint returns
///         what the fee does not take to the recipient's (or the sender's) address here. Too little value
///         refunds a stake; a refund without its fee stays queued.
///         The composer holds nothing between calls.
interface IOmniComposer {
    /// @notice Thrown when `lzCompose` is called by anyone but the endpoint.
    error CallerNotEndpoint(address caller);
    /// @notice Thrown when a compose comes from anything but the USDai lockbox.
    error ComposeFromUnknown(address from);
    /// @notice Thrown when `stakeAndSend` is called by anyone but the composer itself.
    error CallerNotSelf(address caller);
    /// @notice Thrown (and refunded) when the recipient is zero or not an EVM address (its high 12 bytes set).
    error RecipientInvalid(bytes32 recipient);
    /// @notice Thrown (and refunded) when the recipient is blacklisted on sUSDai.
    error RecipientBlacklisted(address recipient);
    /// @notice Thrown (and refunded) when the deposit gives fewer shares to send than the sender's minimum.
    error SharesBelowMinimum(uint256 shares, uint256 minShares);

    /// @notice Emitted when a compose staked `assets` USDai and sent `shares` sUSDai back to `recipient`.
    event Staked(bytes32 indexed guid, uint32 indexed srcEid, bytes32 recipient, uint256 assets, uint256 shares);
    /// @notice Emitted when a compose failed and its USDai went back to `sender` on `srcEid`.
    event Refunded(bytes32 indexed guid, uint32 indexed srcEid, bytes32 sender, uint256 assets, bytes reason);

    /// @notice The stake, as an external call of the composer to itself so that a failure undoes all of it.
    function stakeAndSend(uint32 srcEid, uint256 assets, bytes calldata composeMsg)
        external
        payable
        returns (bytes32 recipient, uint256 shares);
}
