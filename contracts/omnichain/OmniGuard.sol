// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";

import {IOmniGuard} from "../../interfaces/IOmniGuard.sol";
import {RateLimitLib} from "../libraries/RateLimitLib.sol";

/// @title OmniGuard
/// @notice The rate limits, the pause and the ownership of the lockboxes and the OFTs. The owner is the one
///         that sets LayerZero peers and options (OAppCore's owner): the suite's governance. Ownership moves
///         in two steps (the new owner accepts), the endpoint delegation follows it, and it cannot be
///         renounced.
abstract contract OmniGuard is IOmniGuard, OwnableUpgradeable, PausableUpgradeable {
    using RateLimitLib for RateLimit;

    // ---------------------------------------------------------------- constants

    uint32 internal constant MIN_WINDOW = 1 minutes;
    uint32 internal constant MAX_WINDOW = 30 days;

    // ---------------------------------------------------------------- storage

    /// @custom:storage-location erc7201:gpuyield.storage.OmniGuard
    struct OmniGuardStorage {
        mapping(uint32 eid => RateLimit) outbound;
        mapping(uint32 eid => RateLimit) inbound;
        address pauser;
        address pendingOwner; // named by `transferOwnership`, owner once it accepts
    }

    // keccak256(abi.encode(uint256(keccak256("gpuyield.storage.OmniGuard")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant OMNI_GUARD_STORAGE_SLOT =
        0xd3e1d6915fbcf5972e44f9bc1af5a3af5d2600c3cd4284850aa164b1e7aefe00;

    function _guard() private pure returns (OmniGuardStorage storage $) {
        assembly {
            $.slot := OMNI_GUARD_STORAGE_SLOT
        }
    }

    // ---------------------------------------------------------------- initializer

    function __OmniGuard_init(address owner_, address pauser_) internal onlyInitializing {
        __Ownable_init(owner_);
        __Pausable_init();
        _guard().pauser = pauser_;
        emit PauserUpdated(address(0), pauser_);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IOmniGuard
    function setRateLimits(uint32 eid, uint96 outboundLimit, uint32 outboundWindow, uint96 inboundLimit, uint32 inboundWindow)
        external
        onlyOwner
    {
        _checkWindow(outboundWindow);
        _checkWindow(inboundWindow);
        OmniGuardStorage storage $ = _guard();
        $.outbound[eid].reset(outboundLimit, outboundWindow);
        $.inbound[eid].reset(inboundLimit, inboundWindow);
        emit RateLimitUpdated(eid, true, outboundLimit, outboundWindow);
        emit RateLimitUpdated(eid, false, inboundLimit, inboundWindow);
    }

    /// @inheritdoc IOmniGuard
    function setPauser(address pauser_) external onlyOwner {
        OmniGuardStorage storage $ = _guard();
        emit PauserUpdated($.pauser, pauser_);
        $.pauser = pauser_;
    }

    /// @inheritdoc IOmniGuard
    function pause() external {
        if (msg.sender != _guard().pauser && msg.sender != owner()) revert CallerNotPauser(msg.sender);
        _pause();
    }

    /// @inheritdoc IOmniGuard
    function unpause() external onlyOwner {
        _unpause();
    }

    /// @notice Names the next owner, who becomes it by calling `acceptOwnership` (a mistyped address
    ///         takes nothing). Owner only; naming another replaces the pending one.
    function transferOwnership(address newOwner) public virtual override onlyOwner {
        _guard().pendingOwner = newOwner;
        emit OwnershipTransferStarted(owner(), newOwner);
    }

    /// @inheritdoc IOmniGuard
    function acceptOwnership() external {
        OmniGuardStorage storage $ = _guard();
        if (msg.sender != $.pendingOwner) revert OwnableUnauthorizedAccount(msg.sender);
        delete $.pendingOwner;
        _transferOwnership(msg.sender);
        _delegateTo(msg.sender);
    }

    /// @notice Refused: without an owner nothing could unpause, set limits or change peers.
    function renounceOwnership() public pure virtual override {
        revert OwnershipNotRenounceable();
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IOmniGuard
    function rateLimit(uint32 eid, bool outbound) external view returns (RateLimit memory) {
        return outbound ? _guard().outbound[eid] : _guard().inbound[eid];
    }

    /// @inheritdoc IOmniGuard
    function availableToMove(uint32 eid, bool outbound) external view returns (uint256) {
        RateLimit memory r = outbound ? _guard().outbound[eid] : _guard().inbound[eid];
        return r.available(block.timestamp);
    }

    /// @inheritdoc IOmniGuard
    function pauser() external view returns (address) {
        return _guard().pauser;
    }

    /// @inheritdoc IOmniGuard
    function pendingOwner() external view returns (address) {
        return _guard().pendingOwner;
    }

    // ---------------------------------------------------------------- internal

    /// @dev Called by the token's `_debit`: a send counts what leaves this chain, dust removed. One that moves
    ///      nothing (all dust) is refused, so a route closed with a limit of 0 carries no message at all.
    function _countOutbound(uint32 dstEid, uint256 amountLD, uint256 amountSentLD) internal whenNotPaused {
        if (amountSentLD == 0) revert SendAmountZero(amountLD);
        _guard().outbound[dstEid].consume(amountSentLD, dstEid, true);
    }

    /// @dev Called by the token's `_credit`: a refusal reverts the delivery, which the endpoint keeps.
    function _countInbound(uint32 srcEid, uint256 amount) internal whenNotPaused {
        _guard().inbound[srcEid].consume(amount, srcEid, false);
    }

    /// @dev Makes `account` the endpoint delegate (LayerZero's configuration of this OApp), as the owner is.
    function _delegateTo(address account) internal virtual;

    function _checkWindow(uint32 window) private pure {
        if (window < MIN_WINDOW || window > MAX_WINDOW) {
            revert ParameterOutOfRange("window", window, MIN_WINDOW, MAX_WINDOW);
        }
    }
}
