// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {OFTAdapterUpgradeable} from "@layerzerolabs/oft-evm-upgradeable/contracts/oft/OFTAdapterUpgradeable.sol";

import {OmniGuard} from "./OmniGuard.sol";

/// @title OmniLockbox
/// @notice The home chain's end of USDai or sUSDai on other chains: a LayerZero OFT adapter that locks
///         the token when it leaves and releases it when it comes back. Tokens locked here always cover
///         the OFT supply on the other chains plus what is in flight.
///         The home token's own rules apply to both legs: a send is a `transferFrom` of the sender and a
///         delivery a `transfer` to the recipient, so USDai's and sUSDai's pause and blacklist refuse
///         them with the token's errors; a refused delivery stays at the endpoint to be retried.
/// @dev Shared decimals are 6 (OFT's default) against the tokens' 18: amounts move in steps of 1e12 units
///      (1e-6 USDai or sUSDai), the remainder (dust) stays with the sender, and one message carries at most
///      2^64 - 1 steps (about 1.8e13 tokens).
contract OmniLockbox is OFTAdapterUpgradeable, OmniGuard {
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(address token_, address endpoint_) OFTAdapterUpgradeable(token_, endpoint_) {
        _disableInitializers();
    }

    /// @notice `owner_` is the owner and the endpoint delegate (LayerZero configuration); `pauser_` may pause.
    function initialize(address owner_, address pauser_) external initializer {
        __OFTAdapter_init(owner_);
        __OmniGuard_init(owner_, pauser_);
    }

    // ---------------------------------------------------------------- ownership (OmniGuard's two steps)

    function transferOwnership(address newOwner) public override(OwnableUpgradeable, OmniGuard) {
        OmniGuard.transferOwnership(newOwner);
    }

    function renounceOwnership() public pure override(OwnableUpgradeable, OmniGuard) {
        OmniGuard.renounceOwnership();
    }

    function _delegateTo(address account) internal override {
        endpoint.setDelegate(account);
    }

    function _debit(address from, uint256 amountLD, uint256 minAmountLD, uint32 dstEid)
        internal
        override
        returns (uint256 amountSentLD, uint256 amountReceivedLD)
    {
        (amountSentLD, amountReceivedLD) = super._debit(from, amountLD, minAmountLD, dstEid);
        _countOutbound(dstEid, amountLD, amountSentLD);
    }

    function _credit(address to, uint256 amountLD, uint32 srcEid) internal override returns (uint256) {
        _countInbound(srcEid, amountLD);
        return super._credit(to, amountLD, srcEid);
    }
}
