// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";
import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";

import {IStakedUSDai} from "../interfaces/IStakedUSDai.sol";
import {ISeniorCapital} from "../interfaces/ISeniorCapital.sol";
import {IRedemptionPriority} from "../interfaces/IRedemptionPriority.sol";
import {IUSDai} from "../interfaces/IUSDai.sol";

/// @title StakedUSDai (sUSDai)
/// @notice ERC-4626 deposits, ERC-7540 asynchronous redemptions served per cycle. See IStakedUSDai.
contract StakedUSDai is IStakedUSDai, ERC20Upgradeable, AccessControlUpgradeable, PausableUpgradeable {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    // ---------------------------------------------------------------- constants

    /// @notice Inflation defence: the price is (assets + VIRTUAL) / (supply + VIRTUAL), as if 1e-12
    ///         USDai and 1e-12 sUSDai had been deposited before anyone. A donation D before a victim's
    ///         deposit is shared with these virtual shares, so an attacker holding s shares keeps at
    ///         most s / (s + VIRTUAL) of it, while the victim loses at most one share's worth to
    ///         rounding ((assets + VIRTUAL) / (supply + VIRTUAL)). Equal virtual amounts keep the
    ///         initial price at 1 and sUSDai at USDai's 18 decimals.
    uint256 internal constant VIRTUAL = 1e6;
    uint256 internal constant BPS = 1e4;

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

    /// @dev Per controller, one slot: claimable (serviced) balance and open request count.
    struct Controller {
        uint128 claimableAssets;
        uint96 claimableShares;
        uint32 openRequests;
    }

    /// @dev Progress through a cycle's QEV priority list.
    struct PriorityCursor {
        uint64 cycleId;
        uint64 index;
    }

    /// @custom:storage-location erc7201:gpuyield.storage.StakedUSDai
    struct VaultStorage {
        IERC20 usdai;
        ISeniorCapital registry;
        IRedemptionPriority auction;
        uint64 genesis;
        uint64 cycleDuration;
        uint256 supplyCap;
        uint256 reservedAssets;
        uint256 minRequestShares;
        uint256 maxOpenRequests;
        Queue queue;
        PriorityCursor cursor;
        mapping(uint256 => Request) requests;
        mapping(uint256 => uint256) bonds;
        mapping(address => Controller) controllers;
        mapping(address => mapping(address => bool)) operators;
        mapping(address => bool) isBlacklisted;
    }

    // keccak256(abi.encode(uint256(keccak256("gpuyield.storage.StakedUSDai")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x36dbd98407cbad2ec20ad00113eeb228589146ea695dc7f80233846025471400;

    function _s() private pure returns (VaultStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    /// @dev Running prices of one servicing call, kept in memory so each request costs O(1).
    struct Pricing {
        uint256 liquidity;
        uint256 nav;
        uint256 supply;
        uint256 setAside;
    }

    // ---------------------------------------------------------------- initializer

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

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
        if (genesis_ > block.timestamp) revert ParameterInvalid("genesis", genesis_);
        if (cycleDuration_ == 0) revert ParameterInvalid("cycleDuration", cycleDuration_);
        if (maxOpenRequests_ == 0) revert ParameterInvalid("maxOpenRequests", maxOpenRequests_);
        __ERC20_init("Staked USDai", "sUSDai");
        __AccessControl_init();
        __Pausable_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        VaultStorage storage $ = _s();
        $.usdai = usdai_;
        $.genesis = genesis_.toUint64();
        $.cycleDuration = cycleDuration_.toUint64();
        $.supplyCap = supplyCap_;
        // Request ids start at 1: ERC-7540 reserves id 0 for vaults that aggregate every request of
        // a controller ("if a Vault returns 0 for the requestId of any request, it MUST return 0
        // for all requests"), and this vault numbers them.
        $.queue = Queue({nextRequestId: 1, fifoHead: 1, dueLimit: 1, lastRequestCycle: 0, lockedBonds: 0});
        emit SupplyCapUpdated(0, supplyCap_);
        _setRedemptionLimits(minRequestShares_, maxOpenRequests_);
    }

    // ---------------------------------------------------------------- governance

    function setSupplyCap(uint256 cap) external onlyRole(DEFAULT_ADMIN_ROLE) {
        VaultStorage storage $ = _s();
        emit SupplyCapUpdated($.supplyCap, cap);
        $.supplyCap = cap;
    }

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

    function setRedemptionLimits(uint256 minRequestShares_, uint256 maxOpenRequests_)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        if (maxOpenRequests_ == 0) revert ParameterInvalid("maxOpenRequests", maxOpenRequests_);
        _setRedemptionLimits(minRequestShares_, maxOpenRequests_);
    }

    function setBlacklisted(address account, bool blacklisted) external onlyRole(BLACKLIST_ADMIN_ROLE) {
        if (account == address(0)) revert AddressZero();
        _s().isBlacklisted[account] = blacklisted;
        emit BlacklistUpdated(account, blacklisted);
    }

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /// @inheritdoc IStakedUSDai
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

    /// @inheritdoc IStakedUSDai
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

    // ---------------------------------------------------------------- ERC-4626 deposits

    function deposit(uint256 assets, address receiver) external whenNotPaused returns (uint256 shares) {
        (uint256 total,) = _pricesChecked(_s());
        shares = Math.mulDiv(assets, totalSupply() + VIRTUAL, total + VIRTUAL, Math.Rounding.Floor);
        _deposit(assets, shares, receiver, total);
    }

    function mint(uint256 shares, address receiver) external whenNotPaused returns (uint256 assets) {
        (uint256 total,) = _pricesChecked(_s());
        assets = Math.mulDiv(shares, total + VIRTUAL, totalSupply() + VIRTUAL, Math.Rounding.Ceil);
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
        if (shares < $.minRequestShares || shares == 0) revert RedemptionTooSmall(shares, $.minRequestShares);
        if (controller == address(0)) revert AddressZero();
        if (msg.sender != owner && !$.operators[owner][msg.sender]) _spendAllowance(owner, msg.sender, shares);
        Controller storage c = $.controllers[controller];
        if (c.openRequests >= $.maxOpenRequests) revert RedemptionRequestsExceeded(controller, $.maxOpenRequests);

        Queue memory q = $.queue;
        uint256 cycle = currentCycle();
        if (cycle != q.lastRequestCycle) {
            // The first request of a new cycle: every earlier id is due from the next boundary on.
            q.dueLimit = q.nextRequestId;
            q.lastRequestCycle = uint32(cycle);
        }
        requestId = q.nextRequestId++;
        $.queue = q;
        $.requests[requestId] = Request(controller, shares.toUint96());
        c.openRequests += 1;

        emit RedeemRequest(controller, owner, requestId, msg.sender, shares);
        // Escrow last; `_update` checks the blacklist for owner and operator.
        _transfer(owner, address(this), shares);
    }

    /// @inheritdoc IStakedUSDai
    function setOperator(address operator, bool approved) external returns (bool) {
        if (operator == msg.sender) revert CallerUnauthorized(msg.sender, operator);
        _s().operators[msg.sender][operator] = approved;
        emit OperatorSet(msg.sender, operator, approved);
        return true;
    }

    /// @notice Claims `shares` of the controller's serviced balance, paying USDai to `receiver`.
    function redeem(uint256 shares, address receiver, address controller) external returns (uint256 assets) {
        Controller storage c = _claimant(controller);
        uint256 claimableShares = c.claimableShares;
        if (shares == 0) revert AmountZero();
        if (shares > claimableShares) revert ClaimExceedsClaimable(shares, claimableShares);
        // The last claim takes exactly what is left; partial claims round down (favour the vault).
        assets = shares == claimableShares
            ? c.claimableAssets
            : Math.mulDiv(shares, c.claimableAssets, claimableShares, Math.Rounding.Floor);
        _claim(c, shares, assets, receiver, controller);
    }

    /// @notice Claims `assets` USDai of the controller's serviced balance for `receiver`.
    function withdraw(uint256 assets, address receiver, address controller) external returns (uint256 shares) {
        Controller storage c = _claimant(controller);
        uint256 claimableAssets = c.claimableAssets;
        if (assets == 0) revert AmountZero();
        if (assets > claimableAssets) revert ClaimExceedsClaimable(assets, claimableAssets);
        // Shares consumed round up (favour the vault), never beyond what is claimable.
        shares = assets == claimableAssets
            ? c.claimableShares
            : Math.mulDiv(assets, c.claimableShares, claimableAssets, Math.Rounding.Ceil);
        _claim(c, shares, assets, receiver, controller);
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
        Pricing memory p = Pricing({liquidity: _idle($), nav: nav, supply: totalSupply(), setAside: 0});
        IRedemptionPriority auction_ = $.auction;

        if (address(auction_) != address(0) && cycle != 0) {
            served = _servicePriority($, auction_, cycle - 1, maxRequests, p);
        }
        uint256 head = q.fifoHead;
        bool withBonds = address(auction_) != address(0);
        while (head < dueLimit && served < maxRequests && p.liquidity != 0) {
            ++served;
            if (!_serve($, head, 0, p, withBonds)) break;
            ++head;
        }
        $.queue.fifoHead = uint64(head);
        $.reservedAssets += p.setAside;
    }

    // ---------------------------------------------------------------- QEV hooks

    /// @inheritdoc IStakedUSDai
    function lockBond(uint256 requestId, uint256 shares) external {
        VaultStorage storage $ = _onlyAuction();
        Request storage r = $.requests[requestId];
        if (r.shares == 0) revert RequestNotPending(requestId);
        if (shares > r.shares) revert BondExceedsPending(requestId, shares, r.shares);
        // One bond per request: a later bid must wait until the earlier one is revealed or swept,
        // or releasing the later bond would release the earlier one with it.
        if ($.bonds[requestId] != 0) revert BondAlreadyLocked(requestId);
        r.shares -= uint96(shares);
        $.bonds[requestId] = shares;
        $.queue.lockedBonds += 1;
        emit BondLocked(requestId, shares);
    }

    /// @inheritdoc IStakedUSDai
    function releaseBond(uint256 requestId) external {
        VaultStorage storage $ = _onlyAuction();
        uint256 bond = $.bonds[requestId];
        if (bond == 0) return;
        delete $.bonds[requestId];
        $.queue.lockedBonds -= 1;
        $.requests[requestId].shares += uint96(bond);
        emit BondReleased(requestId, bond);
    }

    /// @inheritdoc IStakedUSDai
    function forfeitBond(uint256 requestId, address keeper, uint256 tipShares) external {
        VaultStorage storage $ = _onlyAuction();
        uint256 bond = $.bonds[requestId];
        if (bond == 0) return;
        tipShares = Math.min(tipShares, bond);
        delete $.bonds[requestId];
        $.queue.lockedBonds -= 1;
        _closeIfDone($, requestId);
        emit BondForfeited(requestId, bond - tipShares, keeper, tipShares);
        // Burned shares raise the price for every holder who stays.
        _burn(address(this), bond - tipShares);
        if (tipShares != 0) _transfer(address(this), keeper, tipShares);
    }

    // ---------------------------------------------------------------- views: ERC-4626

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

    function convertToShares(uint256 assets) public view returns (uint256) {
        return Math.mulDiv(assets, totalSupply() + VIRTUAL, totalAssets() + VIRTUAL, Math.Rounding.Floor);
    }

    function convertToAssets(uint256 shares) public view returns (uint256) {
        return Math.mulDiv(shares, totalAssets() + VIRTUAL, totalSupply() + VIRTUAL, Math.Rounding.Floor);
    }

    function previewDeposit(uint256 assets) public view returns (uint256) {
        return convertToShares(assets);
    }

    function previewMint(uint256 shares) public view returns (uint256) {
        return Math.mulDiv(shares, totalAssets() + VIRTUAL, totalSupply() + VIRTUAL, Math.Rounding.Ceil);
    }

    /// @dev ERC-7540: redemptions are asynchronous, so previews must revert.
    function previewRedeem(uint256) external pure returns (uint256) {
        revert PreviewUnsupported();
    }

    /// @dev ERC-7540: redemptions are asynchronous, so previews must revert.
    function previewWithdraw(uint256) external pure returns (uint256) {
        revert PreviewUnsupported();
    }

    function maxDeposit(address receiver) public view returns (uint256) {
        VaultStorage storage $ = _s();
        if (paused() || $.isBlacklisted[receiver]) return 0;
        if (address($.registry) != address(0)) {
            (,, uint256 staleFrom) = $.registry.navState();
            if (block.timestamp >= staleFrom) return 0;
        }
        uint256 cap = $.supplyCap;
        if (cap == type(uint256).max) return cap;
        uint256 assets = totalAssets();
        return cap > assets ? cap - assets : 0;
    }

    function maxMint(address receiver) external view returns (uint256) {
        uint256 assets = maxDeposit(receiver);
        return assets == type(uint256).max ? assets : convertToShares(assets);
    }

    /// @notice The controller's claimable shares: claims stay open while paused.
    function maxRedeem(address controller) external view returns (uint256) {
        return _s().controllers[controller].claimableShares;
    }

    /// @notice The controller's claimable assets: claims stay open while paused.
    function maxWithdraw(address controller) external view returns (uint256) {
        return _s().controllers[controller].claimableAssets;
    }

    // ---------------------------------------------------------------- views: ERC-7540 and queue

    /// @inheritdoc IStakedUSDai
    function pendingRedeemRequest(uint256 requestId, address controller) external view returns (uint256) {
        VaultStorage storage $ = _s();
        Request memory r = $.requests[requestId];
        return r.controller == controller ? r.shares + $.bonds[requestId] : 0;
    }

    /// @inheritdoc IStakedUSDai
    function claimableRedeemRequest(uint256, address controller) external view returns (uint256) {
        return _s().controllers[controller].claimableShares;
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
        return _s().controllers[controller].openRequests;
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
        return _s().supplyCap;
    }

    /// @inheritdoc IStakedUSDai
    function isBlacklisted(address account) external view returns (bool) {
        return _s().isBlacklisted[account];
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
        if (assetsAfter > $.supplyCap) revert SupplyCapExceeded(assetsAfter, $.supplyCap);
        // Shares were priced before the transfer in; pulling first would count the deposit twice.
        $.usdai.safeTransferFrom(msg.sender, address(this), assets);
        _mint(receiver, shares);
        emit Deposit(msg.sender, receiver, assets, shares);
    }

    /// @dev Walks the settled priority list of `auctionCycle` from the saved cursor.
    function _servicePriority(
        VaultStorage storage $,
        IRedemptionPriority auction_,
        uint256 auctionCycle,
        uint256 maxRequests,
        Pricing memory p
    ) internal returns (uint256 served) {
        (bool isFinal, uint256 length) = auction_.priorityStatus(auctionCycle);
        if (!isFinal) revert SettlementPending(auctionCycle);
        PriorityCursor memory cursor = $.cursor;
        if (cursor.cycleId != auctionCycle) cursor = PriorityCursor(uint64(auctionCycle), 0);
        while (cursor.index < length && served < maxRequests && p.liquidity != 0) {
            (uint256 requestId, uint256 feeBps) = auction_.priorityAt(auctionCycle, cursor.index);
            ++served;
            if (!_serve($, requestId, feeBps, p, true)) break;
            ++cursor.index;
        }
        $.cursor = cursor;
    }

    /// @dev Serves as much of request `requestId` as liquidity allows at the running redemption
    ///      price, burning a QEV fee of `feeBps` of the served shares. Returns true when nothing of
    ///      the request is left to serve now (so the walk may move past it).
    function _serve(VaultStorage storage $, uint256 requestId, uint256 feeBps, Pricing memory p, bool withBonds)
        internal
        returns (bool)
    {
        Request storage r = $.requests[requestId];
        uint256 pending = r.shares;
        // A locked bond holds the request's place until its bid is revealed or swept.
        if (pending == 0) return !withBonds || $.bonds[requestId] == 0;

        (uint256 shares, uint256 feeShares, uint256 assets) = _fill(pending, feeBps, p);
        if (shares == 0) return false;

        p.liquidity -= assets;
        p.nav -= assets;
        p.supply -= shares;
        p.setAside += assets;
        address controller = r.controller;
        Controller storage c = $.controllers[controller];
        c.claimableAssets += uint128(assets);
        c.claimableShares += uint96(shares - feeShares);
        bool done = shares == pending && (!withBonds || $.bonds[requestId] == 0);
        if (done) {
            c.openRequests -= 1;
            delete $.requests[requestId];
        } else {
            r.shares = uint96(pending - shares);
        }
        emit RedemptionServiced(requestId, controller, shares, assets, feeShares);
        _burn(address(this), shares);
        return done;
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
        uint256 affordable = Math.mulDiv(p.liquidity, p.supply + VIRTUAL, p.nav + VIRTUAL, Math.Rounding.Floor);
        if (feeBps != 0) affordable = Math.mulDiv(affordable, BPS, BPS - Math.min(feeBps, BPS - 1), Math.Rounding.Floor);
        shares = Math.min(pending, affordable);
        feeShares = Math.mulDiv(shares, feeBps, BPS, Math.Rounding.Ceil);
        assets = Math.mulDiv(shares - feeShares, p.nav + VIRTUAL, p.supply + VIRTUAL, Math.Rounding.Floor);
    }

    /// @dev Closes a request that a forfeited bond left empty.
    function _closeIfDone(VaultStorage storage $, uint256 requestId) internal {
        Request memory r = $.requests[requestId];
        if (r.shares == 0 && r.controller != address(0)) {
            $.controllers[r.controller].openRequests -= 1;
            delete $.requests[requestId];
        }
    }

    function _claimant(address controller) internal view returns (Controller storage) {
        VaultStorage storage $ = _s();
        if (msg.sender != controller && !$.operators[controller][msg.sender]) {
            revert CallerUnauthorized(msg.sender, controller);
        }
        return $.controllers[controller];
    }

    function _claim(Controller storage c, uint256 shares, uint256 assets, address receiver, address controller)
        internal
    {
        if (receiver == address(0)) revert AddressZero();
        c.claimableShares -= uint96(shares);
        c.claimableAssets -= uint128(assets);
        VaultStorage storage $ = _s();
        $.reservedAssets -= assets;
        emit Withdraw(msg.sender, receiver, controller, assets, shares);
        $.usdai.safeTransfer(receiver, assets);
    }

    function _onlyAuction() internal view returns (VaultStorage storage $) {
        $ = _s();
        if (msg.sender != address($.auction) || msg.sender == address(0)) revert AuctionOnly(msg.sender);
    }

    function _idle(VaultStorage storage $) internal view returns (uint256) {
        return $.usdai.balanceOf(address(this)) - $.reservedAssets;
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

    function _setRedemptionLimits(uint256 minRequestShares_, uint256 maxOpenRequests_) internal {
        VaultStorage storage $ = _s();
        $.minRequestShares = minRequestShares_;
        $.maxOpenRequests = maxOpenRequests_;
        emit RedemptionLimitsUpdated(minRequestShares_, maxOpenRequests_);
    }

    /// @dev Blacklist on sender, recipient and operator. Shares reach the vault only through
    ///      `requestRedeem`, so that escrowed shares always equal pending requests plus bonds.
    function _update(address from, address to, uint256 value) internal override {
        mapping(address => bool) storage blacklisted = _s().isBlacklisted;
        // address(0) (mint, burn) is never blacklisted: skipping it saves a cold read.
        if (from != address(0) && blacklisted[from]) revert AccountBlacklisted(from);
        if (to != address(0) && blacklisted[to]) revert AccountBlacklisted(to);
        if (msg.sender != from && blacklisted[msg.sender]) revert AccountBlacklisted(msg.sender);
        super._update(from, to, value);
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        if (to == address(this)) revert ERC20InvalidReceiver(to);
        return super.transfer(to, value);
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (to == address(this)) revert ERC20InvalidReceiver(to);
        return super.transferFrom(from, to, value);
    }
}
