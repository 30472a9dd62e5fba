// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ILayerZeroComposer} from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroComposer.sol";
import {IOFT, SendParam, MessagingFee} from "@layerzerolabs/oft-evm/contracts/interfaces/IOFT.sol";
import {OFTComposeMsgCodec} from "@layerzerolabs/oft-evm/contracts/libs/OFTComposeMsgCodec.sol";

import {IOmniComposer} from "../../interfaces/IOmniComposer.sol";
import {IStakedUSDai} from "../../interfaces/IStakedUSDai.sol";

/// @dev The lockbox's view of its shared-decimals step (OFTCore's public immutable).
interface IDecimalConversion {
    function decimalConversionRate() external view returns (uint256);
}

/// @title OmniComposer
/// @notice Stakes USDai arriving from another chain in sUSDai and sends the shares back (see the interface).
/// @dev Not upgradeable and ownerless: it holds nothing between calls and trusts only the endpoint and the
///      USDai lockbox. Both lockboxes are approved once, at construction.
contract OmniComposer is IOmniComposer, ILayerZeroComposer {
    using SafeERC20 for IERC20;

    address public immutable endpoint;
    IOFT public immutable usdaiLockbox;
    IOFT public immutable susdaiLockbox;
    IStakedUSDai public immutable vault;
    /// @notice The sUSDai lockbox's shared-decimals step (1e12: 18 local decimals over 6 shared).
    uint256 public immutable sharedStep;

    constructor(address endpoint_, IOFT usdaiLockbox_, IOFT susdaiLockbox_, IStakedUSDai vault_) {
        endpoint = endpoint_;
        usdaiLockbox = usdaiLockbox_;
        susdaiLockbox = susdaiLockbox_;
        vault = vault_;
        sharedStep = IDecimalConversion(address(susdaiLockbox_)).decimalConversionRate();
        IERC20 usdai = IERC20(usdaiLockbox_.token());
        usdai.forceApprove(address(vault_), type(uint256).max); // the deposit
        usdai.forceApprove(address(usdaiLockbox_), type(uint256).max); // a refund
        IERC20(address(vault_)).forceApprove(address(susdaiLockbox_), type(uint256).max); // the shares back
    }

    /// @notice Called by the endpoint with what the USDai lockbox composed: stakes and sends back, or refunds.
    function lzCompose(address from, bytes32 guid, bytes calldata message, address, bytes calldata)
        external
        payable
    {
        if (msg.sender != endpoint) revert CallerNotEndpoint(msg.sender);
        if (from != address(usdaiLockbox)) revert ComposeFromUnknown(from);
        uint32 srcEid = OFTComposeMsgCodec.srcEid(message);
        uint256 assets = OFTComposeMsgCodec.amountLD(message);
        // Everything that can fail, decoding the holder's message included, runs inside the try: a failure
        // undoes the deposit and the send, and the USDai goes home to its sender.
        try this.stakeAndSend{value: msg.value}(srcEid, assets, OFTComposeMsgCodec.composeMsg(message))
        returns (bytes32 recipient, uint256 shares) {
            emit Staked(guid, srcEid, recipient, assets, shares);
        } catch (bytes memory reason) {
            bytes32 sender = OFTComposeMsgCodec.composeFrom(message);
            _send(usdaiLockbox, srcEid, sender, assets);
            emit Refunded(guid, srcEid, sender, assets, reason);
        }
    }

    /// @inheritdoc IOmniComposer
    function stakeAndSend(uint32 srcEid, uint256 assets, bytes calldata composeMsg)
        external
        payable
        returns (bytes32 recipient, uint256 shares)
    {
        if (msg.sender != address(this)) revert CallerNotSelf(msg.sender);
        uint256 minShares;
        (recipient, minShares) = abi.decode(composeMsg, (bytes32, uint256));
        // An EVM address on both chains: its low 20 bytes are the recipient's own address here.
        if (recipient == bytes32(0) || uint256(recipient) >> 160 != 0) revert RecipientInvalid(recipient);
        address home = address(uint160(uint256(recipient)));
        if (vault.isBlacklisted(home)) revert RecipientBlacklisted(home);
        uint256 minted = vault.deposit(assets, address(this));
        shares = minted - minted % sharedStep;
        if (shares < minShares) revert SharesBelowMinimum(shares, minShares);
        if (minted != shares) IERC20(address(vault)).safeTransfer(home, minted - shares); // dust stays home
        _send(susdaiLockbox, srcEid, recipient, shares);
    }

    /// @dev A send of exactly `amount` (already a whole number of shared steps) paid with all the value the
    ///      executor attached (the compose option's value): the endpoint takes its fee and returns the rest
    ///      to the address `to` names here, so nothing stays in the composer. Too little value reverts
    ///      (`NotEnoughNative` from the endpoint): a stake is then refunded, a refund stays queued.
    function _send(IOFT lockbox, uint32 dstEid, bytes32 to, uint256 amount) private {
        SendParam memory param = SendParam(dstEid, to, amount, amount, "", "", "");
        uint256 value = address(this).balance;
        lockbox.send{value: value}(param, MessagingFee(value, 0), address(uint160(uint256(to))));
    }
}
