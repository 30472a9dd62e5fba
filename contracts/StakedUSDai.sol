// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IStakedUSDai} from "../interfaces/IStakedUSDai.sol";
import {ISeniorCapital} from "../interfaces/ISeniorCapital.sol";
import {IRedemptionPriority} from "../interfaces/IRedemptionPriority.sol";
import {IUSDai} from "../interfaces/IUSDai.sol";
import {IRedemptionTicket} from "../interfaces/IRedemptionTicket.sol";
import {StakedUSDaiBase} from "./StakedUSDaiBase.sol";
import {SharesMathLib} from "./libraries/SharesMathLib.sol";

/// @title StakedUSDai (sUSDai)
/// @notice ERC-4626 deposits, ERC-7540 asynchronous redemptions served per cycle. See IStakedUSDai.
contract StakedUSDai is IStakedUSDai, StakedUSDaiBase {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @dev What `_serve` did with a request: nothing left to serve now (move past it), liquidity ran
    ///      out (stop), or all of it that is not bonded was served and a QEV bond is still locked.
    uint256 private constant SERVED = 0;
    uint256 private constant STARVED = 1;
    uint256 private constant BONDED = 2;

    /// @dev Running prices of one servicing call, kept in memory so each request costs O(1).
    struct Pricing {
        uint256 liquidity;
        uint256 nav;
        uint256 supply;
        uint256 setAside;
        // Escrowed shares served so far, burned once at the end of the call (one Transfer event and one
        // balance write for the batch, not one a request).
        uint256 burned;
        // Whether any request holds a QEV bond (`Queue.lockedBonds`): if none does, no request's bond
        // slot is read (2,100 gas a request).
        bool bonds;
    }

    // ---------------------------------------------------------------- module

    /// @notice The module that runs this vault's less frequent entry points (see StakedUSDaiModule).
    address public immutable MODULE;

    /// @custom:oz-upgrades-unsafe-allow constructor state-variable-immutable
    constructor(address module_) {
        if (module_.code.length == 0) revert AddressZero();
        MODULE = module_;
        _disableInitializers();
    }

    /// @dev Runs the calling function in the module (same storage, same caller) and returns or
    ///      reverts with what it returned. The stubs below keep the whole ABI on this contract.
    function _forward() private {
        address module = MODULE;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), module, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    /// @notice initialize(admin, usdai, genesis, cycleDuration, minRequestShares, maxOpenRequests,
    ///         supplyCap): see StakedUSDaiModule.initialize.
    function initialize(address, IERC20, uint256, uint256, uint256, uint256, uint256) external {
        _forward();
    }

    /// @inheritdoc IStakedUSDai
    function setSupplyCap(uint256) external {
        _forward();
    }

    /// @inheritdoc IStakedUSDai
    function setRegistry(ISeniorCapital) external {
        _forward();
    }

    /// @inheritdoc IStakedUSDai
    function setAuction(IRedemptionPriority) external {
        _forward();
    }

    /// @inheritdoc IStakedUSDai
    function setRedemptionLimits(uint256, uint256) external {
        _forward();
    }

    /// @inheritdoc IStakedUSDai
    function setTicket(IRedemptionTicket) external {
        _forward();
    }

    /// @inheritdoc IStakedUSDai
    function setBlacklisted(address, bool) external {
        _forward();
    }

    /// @inheritdoc IStakedUSDai
    function pause() external {
        _forward();
    }

    /// @inheritdoc IStakedUSDai
    function unpause() external {
        _forward();
    }

    /// @inheritdoc IStakedUSDai
    function allocate(uint256, uint256) external {
        _forward();
    }

    /// @inheritdoc IStakedUSDai
    function deallocate(uint256, uint256) external {
        _forward();
    }

    /// @inheritdoc IStakedUSDai
    function lockBond(uint256, uint256) external {
        _forward();
    }

    /// @inheritdoc IStakedUSDai
    function releaseBond(uint256) external {
        _forward();
    }

    /// @inheritdoc IStakedUSDai
    function forfeitBond(uint256, address, uint256) external {
        _forward();
    }

    /// @inheritdoc IStakedUSDai
    function onTicketTransfer(uint256, address, address) external {
        _forward();
    }

    /// @inheritdoc IStakedUSDai
    function reduceRedeemRequest(uint256, uint256) external returns (uint256) {
        _forward();
    }

    // ---------------------------------------------------------------- ERC-4626 deposits

    /// @inheritdoc IStakedUSDai
    function deposit(uint256 assets, address receiver) external whenNotPaused returns (uint256 shares) {
        (uint256 total,) = _pricesChecked(_s());
        shares = SharesMathLib.toSharesDown(assets, total, totalSupply());
        _deposit(assets, shares, receiver, total);
    }

    /// @inheritdoc IStakedUSDai
    function mint(uint256 shares, address receiver) external whenNotPaused returns (uint256 assets) {
        (uint256 total,) = _pricesChecked(_s());
        assets = SharesMathLib.toAssetsUp(shares, total, totalSupply());
        _deposit(assets, shares, receiver, total);
    }

    // ---------------------------------------------------------------- ERC-7540 redemptions

    /// @inheritdoc IStakedUSDai
    function requestRedeem(uint256 shares, address controller, address owner)
        external
        whenNotPaused
        returns (uint256 requestId)
    {
        VaultStorage storage $ = _s();
        IRedemptionTicket ticket_ = $.ticket;
        if (address(ticket_) == address(0)) revert TicketUnset();
        if (shares < $.minRequestShares || shares == 0) revert RedemptionTooSmall(shares, $.minRequestShares);
        if (controller == address(0)) revert AddressZero();
        // The controller consents: a request counts against its cap, which no one else may fill.
        if (msg.sender != controller && !$.operators[controller][msg.sender]) {
            revert CallerUnauthorized(msg.sender, controller);
        }
        if (msg.sender != owner && !$.operators[owner][msg.sender]) _spendAllowance(owner, msg.sender, shares);
        Holder storage h = $.holders[controller];
        if (h.openRequests >= $.maxOpenRequests) revert RedemptionRequestsExceeded(controller, $.maxOpenRequests);

        Queue memory q = $.queue;
        uint256 cycle = currentCycle();
        bool firstOfCycle = cycle != q.lastRequestCycle || q.nextRequestId == 1;
        if (firstOfCycle) {
            // The first request of a new cycle: every earlier id is due from the next boundary on.
            q.dueLimit = q.nextRequestId;
            q.lastRequestCycle = uint32(cycle); // safe: a 30-day cycle count reaches 2^32 after 350M years
        }
        requestId = q.nextRequestId++;
        $.queue = q;
        $.requests[requestId] = Request(controller, shares.toUint88(), true);
        h.openRequests += 1;
        h.tickets += 1;
        $.lists[controller].pending += uint160(shares); // safe: shares fit uint88 (checked above)

        emit RedeemRequest(controller, owner, requestId, msg.sender, shares);
        ticket_.onMint(controller, requestId, cycle, firstOfCycle);
        // Escrow last; `_update` checks the blacklist for owner and operator.
        _escrowing = true;
        _transfer(owner, address(this), shares);
        _escrowing = false;
    }

    /// @inheritdoc IStakedUSDai
    function setOperator(address operator, bool approved) external returns (bool) {
        if (operator == msg.sender) revert CallerUnauthorized(msg.sender, operator);
        _s().operators[msg.sender][operator] = approved;
        emit OperatorSet(msg.sender, operator, approved);
        return true;
    }

    /// @inheritdoc IStakedUSDai
    function redeem(uint256 shares, address receiver, address controller) external returns (uint256 assets) {
        (VaultStorage storage $, Holder storage h) = _claimant(controller);
        if (shares == 0) revert AmountZero();
        if (shares > h.claimableShares) revert ClaimExceedsClaimable(shares, h.claimableShares);
        (, assets) = _drawClaims($, controller, shares, false);
        _claim($, h, shares, assets, receiver, controller);
    }

    /// @inheritdoc IStakedUSDai
    function withdraw(uint256 assets, address receiver, address controller) external returns (uint256 shares) {
        (VaultStorage storage $, Holder storage h) = _claimant(controller);
        if (assets == 0) revert AmountZero();
        if (assets > h.claimableAssets) revert ClaimExceedsClaimable(assets, h.claimableAssets);
        (shares,) = _drawClaims($, controller, assets, true);
        _claim($, h, shares, assets, receiver, controller);
    }

    // ---------------------------------------------------------------- servicing

    /// @inheritdoc IStakedUSDai
    function serviceRedemptions(uint256 maxRequests) external returns (uint256 served) {
        VaultStorage storage $ = _s();
        uint256 cycle = currentCycle();
        Queue memory q = $.queue;
        uint256 dueLimit = q.lastRequestCycle < cycle ? q.nextRequestId : q.dueLimit;
        // Base yield is in the price already; harvesting it first makes it liquidity too, so that a due
        // request is not left partly unserved for want of a harvest.
        if (_baseYieldOwed($) != 0) IUSDai(address($.usdai)).harvestBaseYield();
        (, uint256 nav) = _pricesChecked($);
        Pricing memory p = Pricing({
            liquidity: _idle($), nav: nav, supply: totalSupply(), setAside: 0, burned: 0, bonds: q.lockedBonds != 0
        });
        IRedemptionPriority auction_ = $.auction;

        Cursor memory cursor = $.cursor;
        if (address(auction_) != address(0) && cycle != 0) {
            served = _servicePriority($, auction_, cycle - 1, maxRequests, p, cursor);
        }
        // Requests passed over while bonded keep their place: they come before the FIFO head. One
        // still bonded (bid again in this cycle's window) goes to the end of the held list, so it
        // holds up neither the held requests behind it nor FIFO; each is visited at most once a call.
        for (uint256 n = cursor.heldTail - cursor.heldHead; n != 0 && served < maxRequests && p.liquidity != 0; --n) {
            ++served;
            uint256 id = $.held[cursor.heldHead];
            uint256 outcome = _serve($, id, 0, p);
            if (outcome == STARVED) break;
            delete $.held[cursor.heldHead++];
            if (outcome == BONDED) $.held[cursor.heldTail++] = id;
        }
        uint256 head = q.fifoHead;
        while (head < dueLimit && served < maxRequests && p.liquidity != 0) {
            ++served;
            uint256 outcome = _serve($, head, 0, p);
            if (outcome == STARVED) break;
            if (outcome == BONDED) {
                $.held[cursor.heldTail++] = head;
                emit RequestHeld(head);
            }
            ++head;
        }
        $.cursor = cursor;
        $.queue.fifoHead = uint64(head); // safe: head <= nextRequestId, a uint64
        $.reservedAssets += p.setAside.toUint96();
        if (p.burned != 0) _burn(address(this), p.burned);
    }

    // ---------------------------------------------------------------- views: ERC-4626

    /// @inheritdoc IStakedUSDai
    function asset() external view returns (address) {
        return address(_s().usdai);
    }

    /// @inheritdoc IStakedUSDai
    function totalAssets() public view returns (uint256) {
        VaultStorage storage $ = _s();
        uint256 senior;
        if (address($.registry) != address(0)) (senior,) = $.registry.seniorNav();
        return _idle($) + _baseYieldOwed($) + senior;
    }

    /// @inheritdoc IStakedUSDai
    function redemptionAssets() public view returns (uint256) {
        VaultStorage storage $ = _s();
        uint256 senior;
        if (address($.registry) != address(0)) (, senior) = $.registry.seniorNav();
        return _idle($) + _baseYieldOwed($) + senior;
    }

    /// @inheritdoc IStakedUSDai
    function convertToShares(uint256 assets) public view returns (uint256) {
        return SharesMathLib.toSharesDown(assets, totalAssets(), totalSupply());
    }

    /// @inheritdoc IStakedUSDai
    function convertToAssets(uint256 shares) public view returns (uint256) {
        return SharesMathLib.toAssetsDown(shares, totalAssets(), totalSupply());
    }

    /// @inheritdoc IStakedUSDai
    function previewDeposit(uint256 assets) public view returns (uint256) {
        return convertToShares(assets);
    }

    /// @inheritdoc IStakedUSDai
    function previewMint(uint256 shares) public view returns (uint256) {
        return SharesMathLib.toAssetsUp(shares, totalAssets(), totalSupply());
    }

    /// @inheritdoc IStakedUSDai
    function previewRedeem(uint256) external pure returns (uint256) {
        revert PreviewUnsupported();
    }

    /// @inheritdoc IStakedUSDai
    function previewWithdraw(uint256) external pure returns (uint256) {
        revert PreviewUnsupported();
    }

    /// @inheritdoc IStakedUSDai
    function maxDeposit(address receiver) public view returns (uint256) {
        VaultStorage storage $ = _s();
        if (paused() || _isBlacklisted(receiver)) return 0;
        if (address($.registry) != address(0)) {
            (,, uint256 staleFrom) = $.registry.navState();
            if (block.timestamp >= staleFrom) return 0;
        }
        uint256 cap = _supplyCap($);
        if (cap == type(uint256).max) return cap;
        uint256 assets = totalAssets();
        return cap > assets ? cap - assets : 0;
    }

    /// @inheritdoc IStakedUSDai
    function maxMint(address receiver) external view returns (uint256) {
        uint256 assets = maxDeposit(receiver);
        return assets == type(uint256).max ? assets : convertToShares(assets);
    }

    /// @inheritdoc IStakedUSDai
    function maxRedeem(address controller) external view returns (uint256) {
        return _s().holders[controller].claimableShares;
    }

    /// @inheritdoc IStakedUSDai
    function maxWithdraw(address controller) external view returns (uint256) {
        return _s().holders[controller].claimableAssets;
    }

    // ---------------------------------------------------------------- views: ERC-7540 and queue

    /// @inheritdoc IStakedUSDai
    function pendingRedeemRequest(uint256 requestId, address controller) external view returns (uint256) {
        VaultStorage storage $ = _s();
        if (requestId == 0) return $.lists[controller].pending;
        Request memory r = $.requests[requestId];
        return r.controller == controller && controller != address(0) ? r.shares + $.bonds[requestId] : 0;
    }

    /// @inheritdoc IStakedUSDai
    function claimableRedeemRequest(uint256 requestId, address controller) external view returns (uint256) {
        VaultStorage storage $ = _s();
        if (requestId == 0) return $.holders[controller].claimableShares;
        if ($.requests[requestId].controller != controller || controller == address(0)) return 0;
        return $.claims[requestId].shares;
    }

    /// @inheritdoc IStakedUSDai
    function isOperator(address controller, address operator) external view returns (bool) {
        return _s().operators[controller][operator];
    }

    /// @inheritdoc IStakedUSDai
    function share() external view returns (address) {
        return address(this);
    }

    /// @inheritdoc IStakedUSDai
    function reservedAssets() external view returns (uint256) {
        return _s().reservedAssets;
    }

    /// @inheritdoc IStakedUSDai
    function escrowedShares() external view returns (uint256) {
        return balanceOf(address(this));
    }

    /// @inheritdoc IStakedUSDai
    function currentCycle() public view returns (uint256) {
        VaultStorage storage $ = _s();
        return (block.timestamp - $.genesis) / $.cycleDuration;
    }

    /// @inheritdoc IStakedUSDai
    function cycleStart(uint256 cycleId) external view returns (uint256) {
        VaultStorage storage $ = _s();
        return $.genesis + cycleId * $.cycleDuration;
    }

    /// @inheritdoc IStakedUSDai
    function genesis() external view returns (uint256) {
        return _s().genesis;
    }

    /// @inheritdoc IStakedUSDai
    function cycleDuration() external view returns (uint256) {
        return _s().cycleDuration;
    }

    /// @inheritdoc IStakedUSDai
    function requestOf(uint256 requestId) external view returns (Request memory) {
        return _s().requests[requestId];
    }

    /// @inheritdoc IStakedUSDai
    function claimOf(uint256 requestId) external view returns (Claim memory) {
        return _s().claims[requestId];
    }

    /// @inheritdoc IStakedUSDai
    function ticketCount(address holder) external view returns (uint256) {
        return _s().holders[holder].tickets;
    }

    /// @inheritdoc IStakedUSDai
    function ticket() external view returns (address) {
        return address(_s().ticket);
    }

    /// @inheritdoc IStakedUSDai
    function heldState() external view returns (uint256 heldHead, uint256 heldTail) {
        Cursor memory cursor = _s().cursor;
        return (cursor.heldHead, cursor.heldTail);
    }

    /// @inheritdoc IStakedUSDai
    function heldAt(uint256 index) external view returns (uint256) {
        return _s().held[index];
    }

    /// @inheritdoc IStakedUSDai
    function bondOf(uint256 requestId) external view returns (uint256) {
        return _s().bonds[requestId];
    }

    /// @inheritdoc IStakedUSDai
    function queueState() external view returns (uint256 nextRequestId, uint256 fifoHead, uint256 dueLimit) {
        Queue memory q = _s().queue;
        dueLimit = q.lastRequestCycle < currentCycle() ? q.nextRequestId : q.dueLimit;
        return (q.nextRequestId, q.fifoHead, dueLimit);
    }

    /// @inheritdoc IStakedUSDai
    function openRequests(address controller) external view returns (uint256) {
        return _s().holders[controller].openRequests;
    }

    /// @inheritdoc IStakedUSDai
    function minRequestShares() external view returns (uint256) {
        return _s().minRequestShares;
    }

    /// @inheritdoc IStakedUSDai
    function maxOpenRequests() external view returns (uint256) {
        return _s().maxOpenRequests;
    }

    /// @inheritdoc IStakedUSDai
    function registry() external view returns (address) {
        return address(_s().registry);
    }

    /// @inheritdoc IStakedUSDai
    function auction() external view returns (address) {
        return address(_s().auction);
    }

    /// @inheritdoc IStakedUSDai
    function supplyCap() external view returns (uint256) {
        return _supplyCap(_s());
    }

    /// @inheritdoc IStakedUSDai
    function isBlacklisted(address account) external view returns (bool) {
        return _isBlacklisted(account);
    }

    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == ERC7540_OPERATOR_ID || interfaceId == ERC7540_REDEEM_ID || interfaceId == ERC7575_ID
            || super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------- internal

    function _deposit(uint256 assets, uint256 shares, address receiver, uint256 total) internal {
        if (assets == 0 || shares == 0) revert AmountZero();
        if (receiver == address(this)) revert ERC20InvalidReceiver(receiver);
        VaultStorage storage $ = _s();
        uint256 assetsAfter = total + assets;
        uint256 cap = _supplyCap($);
        if (assetsAfter > cap) revert SupplyCapExceeded(assetsAfter, cap);
        // Shares were priced before the transfer in; pulling first would count the deposit twice.
        $.usdai.safeTransferFrom(msg.sender, address(this), assets);
        _mint(receiver, shares);
        emit Deposit(msg.sender, receiver, assets, shares);
    }

    /// @dev Walks the settled priority list of `auctionCycle` from the saved cursor. A winner bid
    ///      again in the current window is served up to its bond and passed over: FIFO keeps its place.
    function _servicePriority(
        VaultStorage storage $,
        IRedemptionPriority auction_,
        uint256 auctionCycle,
        uint256 maxRequests,
        Pricing memory p,
        Cursor memory cursor
    ) internal returns (uint256 served) {
        (bool isFinal, uint256 length) = auction_.priorityStatus(auctionCycle);
        if (!isFinal) revert SettlementPending(auctionCycle);
        if (cursor.cycleId != auctionCycle) (cursor.cycleId, cursor.index) = (uint64(auctionCycle), 0); // safe: a cycle id (see above)
        while (cursor.index < length && served < maxRequests && p.liquidity != 0) {
            (uint256 requestId, uint256 feeBps) = auction_.priorityAt(auctionCycle, cursor.index);
            ++served;
            if (_serve($, requestId, feeBps, p) == STARVED) break;
            ++cursor.index;
        }
    }

    /// @dev Serves as much of request `requestId`'s pending shares as liquidity allows at the running
    ///      redemption price, burning a QEV fee of `feeBps` of the served shares, and credits the
    ///      request's claim. Returns SERVED, STARVED or BONDED (see the constants).
    function _serve(VaultStorage storage $, uint256 requestId, uint256 feeBps, Pricing memory p)
        internal
        returns (uint256)
    {
        Request storage r = $.requests[requestId];
        uint256 pending = r.shares;
        if (pending != 0) {
            (uint256 shares, uint256 feeShares, uint256 assets) = _fill(pending, feeBps, p);
            if (shares == 0) return STARVED;
            p.liquidity -= assets;
            p.nav -= assets;
            p.supply -= shares;
            p.setAside += assets;
            address holder = r.controller;
            // safe: shares <= pending, which was read from the uint88
            r.shares = uint88(pending - shares);
            $.lists[holder].pending -= uint160(shares);
            _credit($, requestId, holder, shares - feeShares, assets);
            emit RedemptionServiced(requestId, holder, shares, assets, feeShares);
            p.burned += shares;
            if (shares != pending) return STARVED;
        }
        if (p.bonds && $.bonds[requestId] != 0) return BONDED;
        _retire($, requestId, p.bonds);
        return SERVED;
    }

    /// @dev Adds a serviced part to request `requestId`'s claim and its holder's aggregate; a request
    ///      that becomes claimable joins the end of its holder's claim list.
    function _credit(VaultStorage storage $, uint256 requestId, address holder, uint256 shares, uint256 assets)
        internal
    {
        // Nothing to claim (dust eaten by the fee): no claim, no link. A claim is in its holder's list
        // exactly while it is not empty.
        if (shares == 0 && assets == 0) return;
        // safe: shares are at most a request's uint88; the sums below are checked arithmetic
        uint96 shares96 = uint96(shares);
        uint112 assets112 = assets.toUint112();
        // Each struct is one slot: read once, written once (linking touches other claims only).
        Claim memory c = $.claims[requestId];
        if (c.shares == 0 && c.assets == 0) _linkClaim($, requestId, holder);
        $.claims[requestId] = Claim(c.shares + shares96, c.assets + assets112, c.next);
        Holder memory h = $.holders[holder];
        h.claimableShares += shares96;
        h.claimableAssets += assets112;
        $.holders[holder] = h;
    }

    /// @dev Takes `amount` (assets if `byAssets`, else shares) from the controller's claims, from the
    ///      head of its list. A claim taken in full gives exactly what it holds; a part rounds against
    ///      the claimant (assets down for shares, shares up for assets, never beyond the claim).
    function _drawClaims(VaultStorage storage $, address controller, uint256 amount, bool byAssets)
        internal
        returns (uint256 shares, uint256 assets)
    {
        uint256 left = amount;
        uint256 id = $.lists[controller].head;
        while (left != 0) {
            // Unreachable while the aggregate equals the sum of the list (invariant 8): a fence.
            if (id == 0) revert ClaimExceedsClaimable(amount, amount - left);
            Claim memory c = $.claims[id];
            uint256 take;
            uint256 paid;
            if (byAssets) {
                paid = Math.min(left, c.assets);
                take = paid == c.assets ? c.shares : Math.mulDiv(paid, c.shares, c.assets, Math.Rounding.Ceil);
                left -= paid;
            } else {
                take = Math.min(left, c.shares);
                paid = take == c.shares ? c.assets : Math.mulDiv(take, c.assets, c.shares, Math.Rounding.Floor);
                left -= take;
            }
            shares += take;
            assets += paid;
            id = _drawClaim($, id, c, take, paid, controller);
        }
    }

    /// @dev Takes `shares` and `assets` from request `requestId`'s claim (`c`, as read); a claim taken
    ///      in full leaves the list (and the ticket burns if nothing else is left). Returns the next id.
    function _drawClaim(
        VaultStorage storage $,
        uint256 requestId,
        Claim memory c,
        uint256 shares,
        uint256 assets,
        address holder
    ) internal returns (uint256 next) {
        next = c.next;
        if (shares == c.shares && assets == c.assets) {
            _unlinkClaim($, requestId, next, holder);
            delete $.claims[requestId];
            _retire($, requestId, true);
        } else {
            Claim storage stored = $.claims[requestId];
            // safe: a part of the claim (shares <= c.shares, assets <= c.assets)
            stored.shares = uint96(c.shares - shares);
            stored.assets = uint112(c.assets - assets);
        }
    }

    /// @dev How much of `pending` the running liquidity serves: `shares` burned, of which
    ///      `feeShares` are the QEV fee (rounded up, against the redeemer), and the `assets` paid for
    ///      the rest at the running redemption price (rounded down, against the redeemer).
    function _fill(uint256 pending, uint256 feeBps, Pricing memory p)
        internal
        pure
        returns (uint256 shares, uint256 feeShares, uint256 assets)
    {
        // Net shares the liquidity can pay, rounded down; grossed up by the fee, rounded down.
        uint256 affordable = SharesMathLib.toSharesDown(p.liquidity, p.nav, p.supply);
        if (feeBps != 0) affordable = Math.mulDiv(affordable, BPS, BPS - Math.min(feeBps, BPS - 1), Math.Rounding.Floor);
        shares = Math.min(pending, affordable);
        feeShares = Math.mulDiv(shares, feeBps, BPS, Math.Rounding.Ceil);
        // A part so small that the fee (rounded up) takes all of it is not served, unless it is the
        // request's last dust: liquidity that cannot pay one net share is none.
        if (feeShares == shares && shares != pending) return (0, 0, 0);
        assets = SharesMathLib.toAssetsDown(shares - feeShares, p.nav, p.supply);
    }

    function _claimant(address controller) internal view returns (VaultStorage storage $, Holder storage) {
        $ = _s();
        if (msg.sender != controller && !$.operators[controller][msg.sender]) {
            revert CallerUnauthorized(msg.sender, controller);
        }
        return ($, $.holders[controller]);
    }

    function _claim(
        VaultStorage storage $,
        Holder storage h,
        uint256 shares,
        uint256 assets,
        address receiver,
        address controller
    ) internal {
        if (receiver == address(0)) revert AddressZero();
        // safe: drawn from claims, which the aggregate sums (invariant 8)
        h.claimableShares -= uint96(shares);
        h.claimableAssets -= uint112(assets);
        $.reservedAssets -= assets.toUint96();
        emit Withdraw(msg.sender, receiver, controller, assets, shares);
        $.usdai.safeTransfer(receiver, assets);
    }

    /// @dev Both prices, refusing a stale book: from the moment a loan can be marked (defaulted past its
    ///      grace period, or an appraisal turned stale) until someone marks it, the ledger's NAV ignores
    ///      a loss anyone can book, and pricing a deposit or a redemption on it would move that loss
    ///      between holders. The ledger reports the moment in O(1) (`navState`).
    function _pricesChecked(VaultStorage storage $) internal view returns (uint256 deposit_, uint256 redemption) {
        uint256 base = _idle($) + _baseYieldOwed($);
        if (address($.registry) == address(0)) return (base, base);
        (uint256 d, uint256 r, uint256 staleFrom) = $.registry.navState();
        if (block.timestamp >= staleFrom) revert BookStale(staleFrom);
        return (base + d, base + r);
    }

    /// @dev wM yield USDai would mint to this vault if anyone harvested now (net of the admin fee). In
    ///      both prices, so a harvest moves no value between holders: whoever joins just before it pays
    ///      for the yield already accrued, and whoever leaves is priced with it.
    function _baseYieldOwed(VaultStorage storage $) internal view returns (uint256) {
        return IUSDai(address($.usdai)).baseYieldOwed(address(this));
    }

}
