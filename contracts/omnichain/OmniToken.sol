// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";
import {OFTUpgradeable} from "@layerzerolabs/oft-evm-upgradeable/contracts/oft/OFTUpgradeable.sol";

import {IOmniToken} from "../../interfaces/IOmniToken.sol";
import {OmniGuard} from "./OmniGuard.sol";

/// @title OmniToken
/// @notice USDai or sUSDai on a chain other than the home chain (a LayerZero OFT, 18 decimals, 6 shared).
/// @dev See `OmniLockbox` for what the shared decimals mean for amounts.
contract OmniToken is IOmniToken, OFTUpgradeable, OmniGuard {
    // ---------------------------------------------------------------- storage

    /// @custom:storage-location erc7201:gpuyield.storage.OmniToken
    struct OmniTokenStorage {
        address blacklister;
        mapping(address => bool) isBlacklisted;
    }

    // keccak256(abi.encode(uint256(keccak256("gpuyield.storage.OmniToken")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant OMNI_TOKEN_STORAGE_SLOT =
        0x34ab81cefdbc66d83c67f93d10ed8b634276bd932749323f3392f0849f04bf00;

    function _token() private pure returns (OmniTokenStorage storage $) {
        assembly {
            $.slot := OMNI_TOKEN_STORAGE_SLOT
        }
    }

    // ---------------------------------------------------------------- initializer

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(address endpoint_) OFTUpgradeable(endpoint_) {
        _disableInitializers();
    }

    /// @notice `owner_` is the owner and the endpoint delegate; `pauser_` may pause; `blacklister_` keeps
    ///         the blacklist.
    function initialize(string calldata name_, string calldata symbol_, address owner_, address pauser_, address blacklister_)
        external
        initializer
    {
        __OFT_init(name_, symbol_, owner_);
        __OmniGuard_init(owner_, pauser_);
        _token().blacklister = blacklister_;
        emit BlacklisterUpdated(address(0), blacklister_);
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

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IOmniToken
    function setBlacklister(address blacklister_) external onlyOwner {
        OmniTokenStorage storage $ = _token();
        emit BlacklisterUpdated($.blacklister, blacklister_);
        $.blacklister = blacklister_;
    }

    /// @inheritdoc IOmniToken
    function setBlacklisted(address account, bool blacklisted) external {
        OmniTokenStorage storage $ = _token();
        if (msg.sender != $.blacklister) revert CallerNotBlacklister(msg.sender);
        $.isBlacklisted[account] = blacklisted;
        emit BlacklistUpdated(account, blacklisted);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IOmniToken
    function isBlacklisted(address account) external view returns (bool) {
        return _token().isBlacklisted[account];
    }

    /// @inheritdoc IOmniToken
    function blacklister() external view returns (address) {
        return _token().blacklister;
    }

    // ---------------------------------------------------------------- internal

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

    /// @dev Every mint, burn and transfer: refused while paused, or for a blacklisted sender, recipient or
    ///      caller (an operator spending a blacklisted account's allowance on its behalf is refused too).
    function _update(address from, address to, uint256 value) internal override whenNotPaused {
        OmniTokenStorage storage $ = _token();
        if ($.isBlacklisted[from]) revert AccountBlacklisted(from);
        if ($.isBlacklisted[to]) revert AccountBlacklisted(to);
        if ($.isBlacklisted[msg.sender]) revert AccountBlacklisted(msg.sender);
        super._update(from, to, value);
    }
}
