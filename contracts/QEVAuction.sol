// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";

import {IQEVAuction} from "../interfaces/IQEVAuction.sol";
import {IRedemptionPriority} from "../interfaces/IRedemptionPriority.sol";
import {IStakedUSDai} from "../interfaces/IStakedUSDai.sol";
import {RangeProofLib} from "./libraries/RangeProofLib.sol";

/// @title QEVAuction
/// @notice Sealed priority auction over sUSDai redemption requests, one per cycle. See IQEVAuction.
contract QEVAuction is IQEVAuction, AccessControlUpgradeable, PausableUpgradeable {
    // ---------------------------------------------------------------- constants

    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    uint256 internal constant BPS = 1e4;
    uint256 internal constant MIN_TIER = 4;
    uint256 internal constant MAX_TIER = 13;
    /// @notice Highest keeper tip governance may set: 10% of a forfeited bond.
    uint256 public constant MAX_KEEPER_TIP_BPS = 1000;
    /// @dev Settled priority entries are packed three to a word: (ticketId << 16 | feeBps), 80 bits each.
    uint256 internal constant ENTRY_BITS = 80;
    uint256 internal constant ENTRIES_PER_WORD = 3;
    uint256 internal constant ENTRY_MASK = (1 << ENTRY_BITS) - 1;

    // ---------------------------------------------------------------- storage

    /// @custom:storage-location erc7201:gpuyield.storage.QEVAuction
    struct AuctionStorage {
        IStakedUSDai vault;
        uint32 bidWindow;
        uint32 revealWindow;
        uint16 maxBids;
        uint16 keeperTipBps;
        mapping(uint256 cycleId => Round) rounds;
        mapping(uint256 cycleId => mapping(uint256 ticketId => Bid)) bids;
        mapping(uint256 cycleId => uint256[]) priority;
    }

    // keccak256(abi.encode(uint256(keccak256("gpuyield.storage.QEVAuction")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x2495eb36d0c2b58cdc9a4cd512b791c517d9f4fee7692e14e7810dbb03bdce00;

    function _s() private pure returns (AuctionStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    // ---------------------------------------------------------------- initializer

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @param bidWindow_ Seconds before the boundary during which bids are taken (default 5 days).
    /// @param revealWindow_ Seconds after the boundary during which bids are revealed (default 2 days).
    /// @param maxBids_ Bids per cycle (default 256), so that settlement fits one block.
    /// @param keeperTipBps_ Share of a forfeited bond paid to the keeper that sweeps it.
    function initialize(
        address admin,
        IStakedUSDai vault_,
        uint256 bidWindow_,
        uint256 revealWindow_,
        uint256 maxBids_,
        uint256 keeperTipBps_
    ) external initializer {
        if (admin == address(0) || address(vault_) == address(0)) revert AddressZero();
        __AccessControl_init();
        __Pausable_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _s().vault = vault_;
        _setWindows(bidWindow_, revealWindow_);
        _setMaxBids(maxBids_);
        _setKeeperTip(keeperTipBps_);
    }

    // ---------------------------------------------------------------- governance

    /// @dev Changing windows mid-cycle moves that cycle's phases; governance does it between auctions.
    function setWindows(uint256 bidWindow_, uint256 revealWindow_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setWindows(bidWindow_, revealWindow_);
    }

    function setMaxBids(uint256 maxBids_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setMaxBids(maxBids_);
    }

    function setKeeperTip(uint256 keeperTipBps_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setKeeperTip(keeperTipBps_);
    }

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------- actions

    /// @inheritdoc IQEVAuction
    function bid(uint256 ticketId, uint256 tier, uint256[2] calldata commitment, bytes calldata proof)
        external
        whenNotPaused
    {
        AuctionStorage storage $ = _s();
        IStakedUSDai vault_ = $.vault;
        uint256 cycleId = _checkBidWindow($, vault_);
        if (tier < MIN_TIER || tier > MAX_TIER) revert TierInvalid(tier);
        uint256 pending = _checkTicket(vault_, ticketId);
        Bid storage b = $.bids[cycleId][ticketId];
        if (b.status != BidStatus.None) revert BidAlreadyPlaced(cycleId, ticketId);
        Round storage round = $.rounds[cycleId];
        if (round.bids >= $.maxBids) revert BidCapReached(cycleId, $.maxBids);
        _checkProof(cycleId, ticketId, tier, commitment, proof);

        // The bond covers the highest fee the tier allows, rounded up (against the bidder).
        uint256 bond = Math.mulDiv(pending, (1 << tier) - 1, BPS, Math.Rounding.Ceil);
        b.commitmentHash = keccak256(abi.encode(commitment));
        b.tier = uint8(tier);
        b.status = BidStatus.Sealed;
        b.bondShares = uint128(bond);
        round.bids += 1;
        emit BidPlaced(cycleId, ticketId, msg.sender, tier, bond, commitment);
        vault_.lockBond(ticketId, bond);
    }

    /// @inheritdoc IQEVAuction
    function reveal(uint256 ticketId, uint256[2] calldata commitment, uint256 feeBps, uint256 blinding) external {
        AuctionStorage storage $ = _s();
        IStakedUSDai vault_ = $.vault;
        // Reveals happen in the cycle after the auction's: B is the current cycle's start.
        uint256 current = vault_.currentCycle();
        uint256 cycleId = current == 0 ? 0 : current - 1;
        (, uint256 opens, uint256 closes) = _windows($, vault_, cycleId);
        if (current == 0 || block.timestamp >= closes) revert RevealWindowClosed(cycleId, opens, closes);
        Bid storage b = $.bids[cycleId][ticketId];
        if (b.status != BidStatus.Sealed) revert BidNotSealed(cycleId, ticketId);
        if (keccak256(abi.encode(commitment)) != b.commitmentHash) revert OpeningInvalid(ticketId);
        // The range proof bound the fee below 2^tier; the opening check also bounds it by 10,000 bps.
        if (!RangeProofLib.checkOpening([commitment[0], commitment[1]], feeBps, blinding)) {
            revert OpeningInvalid(ticketId);
        }
        b.status = BidStatus.Revealed;
        b.feeBps = uint16(feeBps);
        $.rounds[cycleId].revealed += 1;
        emit BidRevealed(cycleId, ticketId, feeBps);
        vault_.releaseBond(ticketId);
    }

    /// @inheritdoc IQEVAuction
    function sweep(uint256 cycleId, uint256 ticketId) external {
        AuctionStorage storage $ = _s();
        IStakedUSDai vault_ = $.vault;
        (,, uint256 closes) = _windows($, vault_, cycleId);
        if (block.timestamp < closes) revert RevealWindowOpen(cycleId, closes);
        Bid storage b = $.bids[cycleId][ticketId];
        if (b.status != BidStatus.Sealed) revert BidNotSealed(cycleId, ticketId);
        b.status = BidStatus.Swept;
        $.rounds[cycleId].swept += 1;
        uint256 bond = b.bondShares;
        uint256 tip = Math.mulDiv(bond, $.keeperTipBps, BPS, Math.Rounding.Floor);
        emit BidSwept(cycleId, ticketId, msg.sender, bond);
        vault_.forfeitBond(ticketId, msg.sender, tip);
    }

    /// @inheritdoc IQEVAuction
    function settle(uint256 cycleId, uint256[] calldata ticketIds) external {
        AuctionStorage storage $ = _s();
        (,, uint256 closes) = _windows($, $.vault, cycleId);
        if (block.timestamp < closes) revert RevealWindowOpen(cycleId, closes);
        Round memory round = $.rounds[cycleId];
        if (round.settled) revert AlreadySettled(cycleId);
        uint256 sealedLeft = round.bids - round.revealed - round.swept;
        if (sealedLeft != 0) revert BidsUnswept(cycleId, sealedLeft);
        if (ticketIds.length != round.revealed) revert SettlementCountMismatch(round.revealed, ticketIds.length);

        // One pass: each entry is a revealed bid of the cycle and sorts strictly after the previous
        // one (fee descending, ticket id ascending), which also rules out duplicates; with the count
        // check above, the list is exactly the revealed bids.
        mapping(uint256 => Bid) storage cycleBids = $.bids[cycleId];
        uint256[] storage packed = $.priority[cycleId];
        uint256 word;
        uint256 prevFee = type(uint256).max;
        uint256 prevTicket;
        for (uint256 i; i < ticketIds.length; ++i) {
            uint256 ticketId = ticketIds[i];
            Bid storage b = cycleBids[ticketId];
            if (b.status != BidStatus.Revealed) revert SettlementEntryInvalid(i, ticketId);
            uint256 fee = b.feeBps;
            if (i != 0 && (fee > prevFee || (fee == prevFee && ticketId <= prevTicket))) {
                revert SettlementOrderInvalid(i);
            }
            (prevFee, prevTicket) = (fee, ticketId);
            word |= ((ticketId << 16) | fee) << (ENTRY_BITS * (i % ENTRIES_PER_WORD));
            if (i % ENTRIES_PER_WORD == ENTRIES_PER_WORD - 1 || i == ticketIds.length - 1) {
                packed.push(word);
                word = 0;
            }
        }
        $.rounds[cycleId].settled = true;
        emit Settled(cycleId, ticketIds.length);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IRedemptionPriority
    /// @dev Final once settled, or when the cycle had no bid at all (its bid window is over by the
    ///      time the vault asks, since the vault asks only after the boundary).
    function priorityStatus(uint256 cycleId) external view returns (bool isFinal, uint256 length) {
        Round memory round = _s().rounds[cycleId];
        if (round.bids == 0) return (true, 0);
        return (round.settled, round.settled ? round.revealed : 0);
    }

    /// @inheritdoc IRedemptionPriority
    function priorityAt(uint256 cycleId, uint256 index) external view returns (uint256 requestId, uint256 feeBps) {
        uint256 word = _s().priority[cycleId][index / ENTRIES_PER_WORD];
        uint256 entry = (word >> (ENTRY_BITS * (index % ENTRIES_PER_WORD))) & ENTRY_MASK;
        return (entry >> 16, entry & 0xffff);
    }

    /// @inheritdoc IQEVAuction
    function vault() external view returns (address) {
        return address(_s().vault);
    }

    /// @inheritdoc IQEVAuction
    function bidOf(uint256 cycleId, uint256 ticketId) external view returns (Bid memory) {
        return _s().bids[cycleId][ticketId];
    }

    /// @inheritdoc IQEVAuction
    function roundOf(uint256 cycleId) external view returns (Round memory) {
        return _s().rounds[cycleId];
    }

    /// @inheritdoc IQEVAuction
    function windows(uint256 cycleId)
        external
        view
        returns (uint256 bidOpens, uint256 revealOpens, uint256 revealCloses)
    {
        AuctionStorage storage $ = _s();
        return _windows($, $.vault, cycleId);
    }

    /// @inheritdoc IQEVAuction
    function bidWindow() external view returns (uint256) {
        return _s().bidWindow;
    }

    /// @inheritdoc IQEVAuction
    function revealWindow() external view returns (uint256) {
        return _s().revealWindow;
    }

    /// @inheritdoc IQEVAuction
    function maxBids() external view returns (uint256) {
        return _s().maxBids;
    }

    /// @inheritdoc IQEVAuction
    function keeperTipBps() external view returns (uint256) {
        return _s().keeperTipBps;
    }

    // ---------------------------------------------------------------- internal

    /// @dev The current cycle, if its bid window is open. No need to check the window's end: the
    ///      current cycle ends at the boundary.
    function _checkBidWindow(AuctionStorage storage $, IStakedUSDai vault_) internal view returns (uint256 cycleId) {
        cycleId = vault_.currentCycle();
        (uint256 opens, uint256 closes,) = _windows($, vault_, cycleId);
        if (block.timestamp < opens) revert BidWindowClosed(cycleId, opens, closes);
    }

    /// @dev The ticket's pending shares, if the sender is its controller or the controller's operator.
    function _checkTicket(IStakedUSDai vault_, uint256 ticketId) internal view returns (uint256) {
        IStakedUSDai.Request memory request = vault_.requestOf(ticketId);
        if (request.shares == 0) revert TicketNotPending(ticketId);
        if (msg.sender != request.controller && !vault_.isOperator(request.controller, msg.sender)) {
            revert BidderUnauthorized(msg.sender, ticketId);
        }
        return request.shares;
    }

    /// @dev The proof must be bound to this chain, this auction, the sender, the cycle, the ticket and the tier.
    function _checkProof(
        uint256 cycleId,
        uint256 ticketId,
        uint256 tier,
        uint256[2] calldata commitment,
        bytes calldata proof
    ) internal view {
        bytes32 ctx = RangeProofLib.context(block.chainid, address(this), msg.sender, cycleId, ticketId, tier);
        if (!RangeProofLib.verify(commitment, tier, ctx, proof)) revert ProofInvalid(ticketId);
    }

    function _windows(AuctionStorage storage $, IStakedUSDai vault_, uint256 cycleId)
        internal
        view
        returns (uint256 bidOpens, uint256 boundary, uint256 revealCloses)
    {
        boundary = vault_.cycleStart(cycleId + 1);
        return (boundary - $.bidWindow, boundary, boundary + $.revealWindow);
    }

    function _setWindows(uint256 bidWindow_, uint256 revealWindow_) internal {
        AuctionStorage storage $ = _s();
        uint256 cycle = $.vault.cycleDuration();
        if (bidWindow_ == 0 || bidWindow_ >= cycle) revert ParameterInvalid("bidWindow", bidWindow_);
        // Reveal and settlement must finish before the next bid window opens.
        if (revealWindow_ == 0 || bidWindow_ + revealWindow_ >= cycle) {
            revert ParameterInvalid("revealWindow", revealWindow_);
        }
        $.bidWindow = uint32(bidWindow_);
        $.revealWindow = uint32(revealWindow_);
        emit WindowsUpdated(bidWindow_, revealWindow_);
    }

    function _setMaxBids(uint256 maxBids_) internal {
        if (maxBids_ == 0 || maxBids_ > type(uint16).max) revert ParameterInvalid("maxBids", maxBids_);
        AuctionStorage storage $ = _s();
        emit MaxBidsUpdated($.maxBids, maxBids_);
        $.maxBids = uint16(maxBids_);
    }

    function _setKeeperTip(uint256 keeperTipBps_) internal {
        if (keeperTipBps_ > MAX_KEEPER_TIP_BPS) revert ParameterInvalid("keeperTipBps", keeperTipBps_);
        AuctionStorage storage $ = _s();
        emit KeeperTipUpdated($.keeperTipBps, keeperTipBps_);
        $.keeperTipBps = uint16(keeperTipBps_);
    }
}
