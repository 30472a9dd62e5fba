// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";
import {ERC20PermitUpgradeable} from
    "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20PermitUpgradeable.sol";
import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";

import {ERC20BalancesBase} from "./ERC20BalancesBase.sol";

import {IStakedUSDaiTypes} from "../interfaces/IStakedUSDai.sol";
import {ISeniorCapital} from "../interfaces/ISeniorCapital.sol";
import {IRedemptionPriority} from "../interfaces/IRedemptionPriority.sol";
import {IRedemptionTicket} from "../interfaces/IRedemptionTicket.sol";

/// @title StakedUSDaiBase
/// @notice What sUSDai (`StakedUSDai`) and its module (`StakedUSDaiModule`) share: the ERC-7201
///         storage layout, the share token's transfer rules, and the request bookkeeping both change.
/// @dev The module runs only by delegatecall from the vault, so both read and write the same proxy
///      storage (OpenZeppelin's upgradeable bases keep theirs in namespaced slots too). The share is an
///      EIP-2612 token: a smart wallet or a relayer approves a deposit, a request or a claim by
///      signature, without a separate approval transaction.
abstract contract StakedUSDaiBase is
    IStakedUSDaiTypes,
    ERC20PermitUpgradeable,
    ERC20BalancesBase,
    AccessControlUpgradeable,
    PausableUpgradeable
{
    // ---------------------------------------------------------------- constants

    uint256 internal constant BPS = 1e4;
    /// @dev The stored supply cap meaning none (`setSupplyCap(type(uint256).max)`).
    uint96 internal constant NO_CAP = type(uint96).max;

    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    bytes32 public constant BLACKLIST_ADMIN_ROLE = keccak256("BLACKLIST_ADMIN_ROLE");
    bytes32 public constant STRATEGY_ADMIN_ROLE = keccak256("STRATEGY_ADMIN_ROLE");

    bytes4 internal constant ERC7540_OPERATOR_ID = 0xe3bc4e65;
    bytes4 internal constant ERC7540_REDEEM_ID = 0x620ee8e4;
    bytes4 internal constant ERC7575_ID = 0x2f0a18c5;

    // ---------------------------------------------------------------- storage

    /// @dev The redemption queue's counters, one slot.
    struct Queue {
        uint64 nextRequestId;
        uint64 fifoHead;
        uint64 dueLimit; // first request id made in `lastRequestCycle`
        uint32 lastRequestCycle;
        uint32 lockedBonds; // requests holding a QEV bond
    }

    /// @dev Per ticket holder, one slot: claimable (serviced) aggregate, requests counted against its
    ///      cap, tickets held (its ERC-721 balance).
    struct Holder {
        uint112 claimableAssets;
        uint96 claimableShares;
        uint16 openRequests;
        uint32 tickets;
    }

    /// @dev Per ticket holder, one slot: its claimable requests as a doubly linked list (in the order
    ///      they became claimable to it; `Claim.next` and `claimPrev` link it) and its pending aggregate.
    struct ClaimList {
        uint48 head;
        uint48 tail;
        uint160 pending;
    }

    /// @dev Progress through a cycle's QEV priority list, and the held list: requests FIFO passed
    ///      over while their QEV bond was locked, served (in id order) ahead of the FIFO head.
    struct Cursor {
        uint64 cycleId;
        uint64 index;
        uint64 heldHead;
        uint64 heldTail;
    }

    /// @dev The first four slots pack what each hot path reads together, so that a path reads each slot
    ///      once: a deposit the first three, a claim the first, a request the third and fourth, servicing
    ///      the first, second and fourth. Amounts of 96 bits hold 79 billion USDai (or shares): the
    ///      supply cap is at most that (`NO_CAP` for none), and USDai set aside for claims is at most
    ///      what the vault holds.
    /// @custom:storage-location erc7201:gpuyield.storage.StakedUSDai
    struct VaultStorage {
        IERC20 usdai;
        uint96 reservedAssets;
        ISeniorCapital registry;
        uint96 supplyCap; // NO_CAP: none
        IRedemptionTicket ticket;
        uint40 genesis;
        uint32 cycleDuration;
        uint16 maxOpenRequests;
        bool paused; // replaces PausableUpgradeable's own slot (see `paused`)
        IRedemptionPriority auction;
        uint96 minRequestShares; // at most a request's uint88
        Queue queue;
        Cursor cursor;
        mapping(uint256 => Request) requests;
        mapping(uint256 => uint256) bonds;
        mapping(address => Holder) holders;
        mapping(address => mapping(address => bool)) operators;
        mapping(uint256 => Claim) claims;
        mapping(uint256 => uint256) claimPrev;
        mapping(address => ClaimList) lists;
        mapping(uint256 => uint256) held;
    }

    /// @dev Set only while `requestRedeem` escrows shares: the one way shares may reach the vault.
    ///      Transient storage, so it takes no slot of the proxy's layout.
    bool internal transient _escrowing;

    // keccak256(abi.encode(uint256(keccak256("gpuyield.storage.StakedUSDai")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x36dbd98407cbad2ec20ad00113eeb228589146ea695dc7f80233846025471400;

    function _s() internal pure returns (VaultStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    // ---------------------------------------------------------------- balances

    // Balances, supply and transfers are `ERC20BalancesBase`'s (the blacklist in the balance word);
    // Solidity asks for these overrides because ERC20PermitUpgradeable reaches ERC20Upgradeable too.

    function balanceOf(address account) public view override(ERC20BalancesBase, ERC20Upgradeable) returns (uint256) {
        return ERC20BalancesBase.balanceOf(account);
    }

    function totalSupply() public view override(ERC20BalancesBase, ERC20Upgradeable) returns (uint256) {
        return ERC20BalancesBase.totalSupply();
    }

    // ---------------------------------------------------------------- shared internals

    /// @dev Called when a request may have nothing left in the queue: once neither pending shares nor a
    ///      bond remain it stops counting against its maker's cap, and once its claim is empty too the
    ///      request is deleted and its ticket burned. `mayHoldBond` false (no bond is locked anywhere, as
    ///      the queue counts them) skips the read of its bond.
    function _retire(VaultStorage storage $, uint256 requestId, bool mayHoldBond) internal {
        Request memory r = $.requests[requestId];
        if (r.shares != 0 || r.controller == address(0) || (mayHoldBond && $.bonds[requestId] != 0)) return;
        Holder storage h = $.holders[r.controller];
        if (r.counted) {
            h.openRequests -= 1;
            $.requests[requestId].counted = false;
        }
        Claim memory c = $.claims[requestId];
        if (c.shares != 0 || c.assets != 0) return;
        h.tickets -= 1;
        delete $.requests[requestId];
        $.ticket.onBurn(r.controller, requestId);
    }

    /// @dev Request ids are below 2^48 (at most one a transaction): the uint48 links are safe casts.
    function _linkClaim(VaultStorage storage $, uint256 requestId, address holder) internal {
        ClaimList storage list = $.lists[holder];
        uint256 tail = list.tail;
        if (tail == 0) {
            list.head = uint48(requestId);
        } else {
            $.claims[tail].next = uint48(requestId);
            $.claimPrev[requestId] = tail;
        }
        list.tail = uint48(requestId);
    }

    function _unlinkClaim(VaultStorage storage $, uint256 requestId, uint256 next, address holder) internal {
        ClaimList storage list = $.lists[holder];
        uint256 prev = $.claimPrev[requestId];
        if (prev == 0) list.head = uint48(next);
        else $.claims[prev].next = uint48(next);
        if (next == 0) list.tail = uint48(prev);
        else $.claimPrev[next] = prev;
        if (prev != 0) delete $.claimPrev[requestId];
    }

    /// @dev The supply cap in assets: `type(uint256).max` for none.
    function _supplyCap(VaultStorage storage $) internal view returns (uint256) {
        uint96 cap = $.supplyCap;
        return cap == NO_CAP ? type(uint256).max : cap;
    }

    // ---------------------------------------------------------------- pause

    // OpenZeppelin's PausableUpgradeable keeps its flag in a namespace of its own: one more cold slot
    // (2,100 gas) on every deposit and request. The flag lives in the vault's ticket slot instead, which
    // a request reads anyway (and a deposit reads it in place of OpenZeppelin's); the modifiers, errors
    // and events are OpenZeppelin's.

    function paused() public view override returns (bool) {
        return _s().paused;
    }

    function _pause() internal override whenNotPaused {
        _s().paused = true;
        emit Paused(_msgSender());
    }

    function _unpause() internal override whenPaused {
        _s().paused = false;
        emit Unpaused(_msgSender());
    }

    function _idle(VaultStorage storage $) internal view returns (uint256) {
        return $.usdai.balanceOf(address(this)) - $.reservedAssets;
    }

    /// @dev Blacklist on sender, recipient and operator (`ERC20BalancesBase`, from the balance words).
    ///      Shares reach the vault only through `requestRedeem` (which sets `_escrowing`), so that
    ///      escrowed shares always equal pending requests plus bonds.
    function _update(address from, address to, uint256 value) internal override(ERC20BalancesBase, ERC20Upgradeable) {
        if (to == address(this) && !_escrowing) revert ERC20InvalidReceiver(to);
        ERC20BalancesBase._update(from, to, value);
    }
}
