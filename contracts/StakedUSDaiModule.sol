// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {StakedUSDaiBase} from "./StakedUSDaiBase.sol";
import {ISeniorCapital} from "../interfaces/ISeniorCapital.sol";
import {IRedemptionPriority} from "../interfaces/IRedemptionPriority.sol";
import {IRedemptionTicket} from "../interfaces/IRedemptionTicket.sol";

/// @title StakedUSDaiModule
/// @notice The vault's less frequent entry points, run by delegatecall from `StakedUSDai` (whose
///         stubs forward them unchanged): initialization, governance, capital moves, the QEV bond
///         hooks, ticket transfers and request reductions. Documented in IStakedUSDai.
/// @dev Splitting them out keeps the vault under the 24,576-byte code limit; the hot paths
///      (deposit, request, service, claim) stay in the vault with no extra call. Called directly,
///      the module sees its own empty storage: no role is granted there, so every guarded entry
///      point refuses, and the hooks find no auction or ticket.
contract StakedUSDaiModule is StakedUSDaiBase {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    // ---------------------------------------------------------------- initializer

    /// @param genesis_ Start of cycle 0 (not in the future).
    /// @param cycleDuration_ Length of a cycle in seconds (default 30 days).
    /// @param minRequestShares_ Smallest redemption request (default 1e18).
    /// @param maxOpenRequests_ Open requests allowed per controller (default 50).
    function initialize(
        address admin,
        IERC20 usdai_,
        uint256 genesis_,
        uint256 cycleDuration_,
        uint256 minRequestShares_,
        uint256 maxOpenRequests_,
        uint256 supplyCap_
    ) external initializer {
        if (admin == address(0) || address(usdai_) == address(0)) revert AddressZero();
        if (genesis_ > block.timestamp) revert ParameterOutOfRange("genesis", genesis_, 0, block.timestamp);
        if (cycleDuration_ == 0 || cycleDuration_ > type(uint32).max) {
            revert ParameterOutOfRange("cycleDuration", cycleDuration_, 1, type(uint32).max);
        }
        __ERC20_init("Staked USDai", "sUSDai");
        __ERC20Permit_init("Staked USDai");
        __AccessControl_init();
        __Pausable_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        VaultStorage storage $ = _s();
        $.usdai = usdai_;
        // safe casts: genesis is at most now (a uint40 for millennia), the duration checked above
        $.genesis = uint40(genesis_);
        $.cycleDuration = uint32(cycleDuration_);
        $.supplyCap = _encodeCap(supplyCap_);
        // Request ids start at 1: ERC-7540 reserves id 0 for vaults that aggregate every request of
        // a controller ("if a Vault returns 0 for the requestId of any request, it MUST return 0
        // for all requests"), and this vault numbers them.
        $.queue = Queue({nextRequestId: 1, fifoHead: 1, dueLimit: 1, lastRequestCycle: 0, lockedBonds: 0});
        emit SupplyCapUpdated(0, supplyCap_);
        _setRedemptionLimits(minRequestShares_, maxOpenRequests_);
    }

    // ---------------------------------------------------------------- governance

    /// @dev See IStakedUSDai.
    function setSupplyCap(uint256 cap) external onlyRole(DEFAULT_ADMIN_ROLE) {
        VaultStorage storage $ = _s();
        emit SupplyCapUpdated(_supplyCap($), cap);
        $.supplyCap = _encodeCap(cap);
    }

    /// @dev See IStakedUSDai.
    function setRegistry(ISeniorCapital registry_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(registry_) == address(0)) revert AddressZero();
        VaultStorage storage $ = _s();
        emit RegistryUpdated(address($.registry), address(registry_));
        $.registry = registry_;
    }

    /// @dev Zero is allowed: it turns the auction off and servicing becomes FIFO only. Refused while
    ///      any bond is locked: only the auction that locked a bond can release or burn it.
    function setAuction(IRedemptionPriority auction_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        VaultStorage storage $ = _s();
        if ($.queue.lockedBonds != 0) revert BondsOutstanding($.queue.lockedBonds);
        emit AuctionUpdated(address($.auction), address(auction_));
        $.auction = auction_;
    }

    /// @dev See IStakedUSDai.
    function setRedemptionLimits(uint256 minRequestShares_, uint256 maxOpenRequests_)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        _setRedemptionLimits(minRequestShares_, maxOpenRequests_);
    }

    /// @notice Sets the ERC-721 ticket contract, once: tickets already issued live there.
    function setTicket(IRedemptionTicket ticket_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(ticket_) == address(0)) revert AddressZero();
        VaultStorage storage $ = _s();
        if (address($.ticket) != address(0)) revert TicketAlreadySet(address($.ticket));
        $.ticket = ticket_;
        emit TicketUpdated(address(ticket_));
    }

    /// @dev See IStakedUSDai.
    function setBlacklisted(address account, bool blacklisted) external onlyRole(BLACKLIST_ADMIN_ROLE) {
        if (account == address(0)) revert AddressZero();
        _setBlacklistFlag(account, blacklisted);
        emit BlacklistUpdated(account, blacklisted);
    }

    /// @dev See IStakedUSDai.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @dev See IStakedUSDai.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------- capital

    /// @dev See IStakedUSDai.
    function allocate(uint256 stackId, uint256 amount) external onlyRole(STRATEGY_ADMIN_ROLE) whenNotPaused {
        if (amount == 0) revert AmountZero();
        VaultStorage storage $ = _s();
        ISeniorCapital registry_ = $.registry;
        if (address(registry_) == address(0)) revert RegistryUnset();
        uint256 idle = _idle($);
        if (amount > idle) revert AllocationExceedsIdle(amount, idle);
        emit Allocated(stackId, amount);
        $.usdai.safeTransfer(address(registry_), amount);
        registry_.allocateSenior(stackId, amount);
    }

    /// @dev See IStakedUSDai.
    function deallocate(uint256 stackId, uint256 amount) external onlyRole(STRATEGY_ADMIN_ROLE) whenNotPaused {
        if (amount == 0) revert AmountZero();
        ISeniorCapital registry_ = _s().registry;
        if (address(registry_) == address(0)) revert RegistryUnset();
        emit Deallocated(stackId, amount);
        // The registry checks the stack's unused senior cash; the sweep also brings home whatever the
        // stack already held for the vault. NAV is unchanged: senior NAV falls as idle rises.
        registry_.releaseSenior(stackId, amount);
        registry_.sweep(stackId);
    }

    // ---------------------------------------------------------------- QEV hooks

    /// @dev See IStakedUSDai.
    function lockBond(uint256 requestId, uint256 shares) external {
        VaultStorage storage $ = _onlyAuction();
        Request storage r = $.requests[requestId];
        if (r.shares == 0) revert RequestNotPending(requestId);
        if (shares > r.shares) revert BondExceedsPending(requestId, shares, r.shares);
        // One bond per request: a later bid must wait until the earlier one is revealed or swept,
        // or releasing the later bond would release the earlier one with it.
        if ($.bonds[requestId] != 0) revert BondAlreadyLocked(requestId);
        r.shares -= uint88(shares); // safe: shares <= r.shares (checked above)
        $.bonds[requestId] = shares;
        $.queue.lockedBonds += 1;
        emit BondLocked(requestId, shares);
    }

    /// @dev See IStakedUSDai.
    function releaseBond(uint256 requestId) external {
        VaultStorage storage $ = _onlyAuction();
        uint256 bond = $.bonds[requestId];
        if (bond == 0) return;
        delete $.bonds[requestId];
        $.queue.lockedBonds -= 1;
        $.requests[requestId].shares += uint88(bond); // safe: the bond was taken from this uint88
        emit BondReleased(requestId, bond);
    }

    /// @dev See IStakedUSDai.
    function forfeitBond(uint256 requestId, address keeper, uint256 tipShares) external {
        VaultStorage storage $ = _onlyAuction();
        uint256 bond = $.bonds[requestId];
        if (bond == 0) return;
        tipShares = Math.min(tipShares, bond);
        delete $.bonds[requestId];
        $.queue.lockedBonds -= 1;
        $.lists[$.requests[requestId].controller].pending -= uint160(bond); // safe: bond came from a uint88
        if ($.requests[requestId].shares == 0) _retire($, requestId, true);
        emit BondForfeited(requestId, bond - tipShares, keeper, tipShares);
        // Burned shares raise the price for every holder who stays.
        _burn(address(this), bond - tipShares);
        if (tipShares != 0) _transfer(address(this), keeper, tipShares);
    }

    // ---------------------------------------------------------------- tickets

    /// @dev See IStakedUSDai.
    function onTicketTransfer(uint256 requestId, address from, address to) external {
        VaultStorage storage $ = _s();
        if (msg.sender != address($.ticket)) revert TicketOnly(msg.sender);
        if (to == address(0)) revert AddressZero();
        if (_isBlacklisted(from)) revert AccountBlacklisted(from);
        if (_isBlacklisted(to)) revert AccountBlacklisted(to);
        Request storage r = $.requests[requestId];
        if (r.controller != from || from == address(0)) revert TicketNotHeld(requestId, from);
        // To oneself: nothing moves (and the cap slot stays counted).
        if (from == to) return;
        Holder storage seller = $.holders[from];
        Holder storage buyer = $.holders[to];
        // The cap counts requests a holder made and still holds: a ticket given away frees the maker's
        // slot and takes none of the recipient's.
        if (r.counted) {
            seller.openRequests -= 1;
            r.counted = false;
        }
        r.controller = to;
        seller.tickets -= 1;
        buyer.tickets += 1;
        uint160 pending = uint160(r.shares + $.bonds[requestId]); // safe: both parts of one uint88 request
        $.lists[from].pending -= pending;
        $.lists[to].pending += pending;
        Claim memory c = $.claims[requestId];
        if (c.shares != 0 || c.assets != 0) {
            _unlinkClaim($, requestId, c.next, from);
            $.claims[requestId].next = 0;
            _linkClaim($, requestId, to);
            seller.claimableShares -= c.shares;
            seller.claimableAssets -= c.assets;
            buyer.claimableShares += c.shares;
            buyer.claimableAssets += c.assets;
        }
    }

    /// @dev See IStakedUSDai.
    function reduceRedeemRequest(uint256 requestId, uint256 shares) external returns (uint256 remaining) {
        VaultStorage storage $ = _s();
        Request storage r = $.requests[requestId];
        address holder = r.controller;
        if (msg.sender != holder && !$.operators[holder][msg.sender]) revert CallerUnauthorized(msg.sender, holder);
        if ($.bonds[requestId] != 0) revert RequestBonded(requestId);
        uint256 pending = r.shares;
        if (shares == 0) revert AmountZero();
        if (shares > pending) revert ReductionExceedsPending(requestId, shares, pending);
        remaining = pending - shares;
        if (remaining != 0 && remaining < $.minRequestShares) revert RedemptionTooSmall(remaining, $.minRequestShares);
        r.shares = uint88(remaining); // safe: remaining < pending, read from the uint88
        $.lists[holder].pending -= uint160(shares);
        emit RedeemRequestReduced(requestId, holder, shares, remaining);
        if (remaining == 0) _retire($, requestId, true);
        _transfer(address(this), holder, shares);
    }

    // ---------------------------------------------------------------- internal

    function _onlyAuction() internal view returns (VaultStorage storage $) {
        $ = _s();
        if (msg.sender != address($.auction) || msg.sender == address(0)) revert AuctionOnly(msg.sender);
    }

    /// @dev A cap as stored: `type(uint256).max` (none) as NO_CAP; any other at most NO_CAP - 1.
    function _encodeCap(uint256 cap) internal pure returns (uint96) {
        if (cap == type(uint256).max) return NO_CAP;
        if (cap >= NO_CAP) revert ParameterOutOfRange("supplyCap", cap, 0, NO_CAP - 1);
        return uint96(cap);
    }

    function _setRedemptionLimits(uint256 minRequestShares_, uint256 maxOpenRequests_) internal {
        if (maxOpenRequests_ == 0 || maxOpenRequests_ > type(uint16).max) {
            revert ParameterOutOfRange("maxOpenRequests", maxOpenRequests_, 1, type(uint16).max);
        }
        // A request holds at most a uint88 of shares: a larger minimum would refuse every request.
        if (minRequestShares_ > type(uint88).max) revert ParameterOutOfRange("minRequestShares", minRequestShares_, 0, type(uint88).max);
        VaultStorage storage $ = _s();
        // safe: both checked above
        $.minRequestShares = uint96(minRequestShares_);
        $.maxOpenRequests = uint16(maxOpenRequests_);
        emit RedemptionLimitsUpdated(minRequestShares_, maxOpenRequests_);
    }
}
