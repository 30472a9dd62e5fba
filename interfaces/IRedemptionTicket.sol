// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IRedemptionTicket
/// @notice ERC-721 redemption tickets of sUSDai: token id = request id, holder = the request's
///         controller. The vault keeps every request's state (holder, pending and claimable parts, bond,
///         place); this contract is its ERC-721 face: approvals, transfers (the vault moves the request
///         in `onTicketTransfer`), ERC-721 events and on-chain metadata.
interface IRedemptionTicket {
    /// @notice Thrown when a caller other than the vault calls a vault hook.
    error VaultOnly(address caller);
    /// @notice Thrown when an address argument is zero.
    error AddressZero();
    /// @notice Thrown when a blacklisted operator or approved address moves a ticket.
    error AccountBlacklisted(address account);

    /// @notice Emits the mint of ticket `requestId` to `to`, made in cycle `cycle`; `firstOfCycle`
    ///         when it is the cycle's first request (vault only).
    function onMint(address to, uint256 requestId, uint256 cycle, bool firstOfCycle) external;

    /// @notice Emits the burn of ticket `requestId` held by `from` and clears its approval (vault only).
    function onBurn(address from, uint256 requestId) external;

    /// @notice The cycle request `requestId` was made in (it is due at the next cycle's start).
    function requestCycle(uint256 requestId) external view returns (uint256);

    /// @notice The sUSDai vault whose requests these tickets are.
    function vault() external view returns (address);
}
