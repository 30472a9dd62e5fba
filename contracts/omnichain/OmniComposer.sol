// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ILayerZeroComposer} from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroComposer.sol";
import {IOFT, SendParam, MessagingFee} from "@layerzerolabs/oft-evm/contracts/interfaces/IOFT.sol";
import {OFTComposeMsgCodec} from "@layerzerolabs/oft-evm/contracts/libs/OFTComposeMsgCodec.sol";

import {IOmniComposer} from "../../interfaces/IOmniComposer.sol";
import {IStakedUSDai} from "../../interfaces/IStakedUSDai.sol";

/// @title OmniComposer
/// @notice Stakes USDai arriving from another chain in sUSDai and sends the shares back (see the interface).
/// @dev Not upgradeable and ownerless: it holds nothing between calls and trusts only the endpoint and the
///      USDai lockbox. Both lockboxes are approved once, at construction.
contract OmniComposer is IOmniComposer, ILayerZeroComposer {
    using SafeERC20 for IERC20;

    /// @dev One shared-decimals step: 18 local decimals over 6 shared.
    uint256 internal constant SHARED_STEP = 1e12;

    address public immutable endpoint;
    IOFT public immutable usdaiLockbox;
    IOFT public immutable susdaiLockbox;
    IStakedUSDai public immutable vault;

    constructor(address endpoint_, IOFT usdaiLockbox_, IOFT susdaiLockbox_, IStakedUSDai vault_) {
        endpoint = endpoint_;
        usdaiLockbox = usdaiLockbox_;
        susdaiLockbox = susdaiLockbox_;
        vault = vault_;
        IERC20 usdai = IERC20(usdaiLockbox_.token());
        usdai.forceApprove(address(vault_), type(uint256).max); // the deposit
        usdai.forceApprove(address(usdaiLockbox_), type(uint256).max); // a refund
        IERC20(address(vault_)).forceApprove(address(susdaiLockbox_), type(uint256).max); // the shares back
    }

    /// @notice Called by the endpoint with what the USDai lockbox composed: stakes and sends back, or refunds.
    function lzCompose(address from, bytes32 guid, bytes calldata message, address executor, bytes calldata)
        external
        payable
    {
        if (msg.sender != endpoint) revert CallerNotEndpoint(msg.sender);
        if (from != address(usdaiLockbox)) revert ComposeFromUnknown(from);
        uint32 srcEid = OFTComposeMsgCodec.srcEid(message);
        uint256 assets = OFTComposeMsgCodec.amountLD(message);
        // Everything that can fail, decoding the holder's message included, runs inside the try: a failure
        // undoes the deposit and the send, and the USDai goes home to its sender.
        try this.stakeAndSend{value: msg.value}(srcEid, assets, OFTComposeMsgCodec.composeMsg(message), executor)
        returns (bytes32 recipient, uint256 shares) {
            emit Staked(guid, srcEid, recipient, assets, shares);
        } catch (bytes memory reason) {
            bytes32 sender = OFTComposeMsgCodec.composeFrom(message);
            _send(usdaiLockbox, srcEid, sender, assets, executor);
            emit Refunded(guid, srcEid, sender, assets, reason);
        }
        // The executor attached the fee; what the quote did not take goes back to it.
        if (address(this).balance != 0) Address.sendValue(payable(executor), address(this).balance);
    }

    /// @inheritdoc IOmniComposer
    function stakeAndSend(uint32 srcEid, uint256 assets, bytes calldata composeMsg, address refundTo)
        external
        payable
        returns (bytes32 recipient, uint256 shares)
    {
        if (msg.sender != address(this)) revert CallerNotSelf(msg.sender);
        uint256 minShares;
        (recipient, minShares) = abi.decode(composeMsg, (bytes32, uint256));
        address home = address(uint160(uint256(recipient))); // the recipient's own address here
        if (recipient == bytes32(0)) revert RecipientZero();
        if (vault.isBlacklisted(home)) revert RecipientBlacklisted(home);
        uint256 minted = vault.deposit(assets, address(this));
        shares = minted - minted % SHARED_STEP;
        if (shares < minShares) revert SharesBelowMinimum(shares, minShares);
        if (minted != shares) IERC20(address(vault)).safeTransfer(home, minted - shares); // dust stays home
        _send(susdaiLockbox, srcEid, recipient, shares, refundTo);
    }

    /// @dev A send of exactly `amount` (already a whole number of shared steps), paying the quoted fee from
    ///      the value the executor attached; what is left goes back to it.
    function _send(IOFT lockbox, uint32 dstEid, bytes32 to, uint256 amount, address refundTo) private {
        SendParam memory param = SendParam(dstEid, to, amount, amount, "", "", "");
        MessagingFee memory fee = lockbox.quoteSend(param, false);
        lockbox.send{value: fee.nativeFee}(param, fee, refundTo);
    }
}
