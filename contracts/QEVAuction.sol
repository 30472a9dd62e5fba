// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";

import {IQEVAuction} from "../interfaces/IQEVAuction.sol";
import {IRedemptionPriority} from "../interfaces/IRedemptionPriority.sol";
import {IStakedUSDai} from "../interfaces/IStakedUSDai.sol";
import {RangeProofLib} from "./libraries/RangeProofLib.sol";

/// @title QEVAuction
/// @notice Sealed priority auction over sUSDai redemption requests, one per cycle. See IQEVAuction.
contract QEVAuction is IQEVAuction, AccessControlUpgradeable, PausableUpgradeable {
    using SafeCast for uint256;

    // ---------------------------------------------------------------- constants

    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    uint256 internal constant BPS = 1e4;
    uint256 internal constant MIN_TIER = 4;
    uint256 internal constant MAX_TIER = 13;
    /// @notice Highest keeper tip governance may set: 10% of a forfeited bond.
    uint256 public constant MAX_KEEPER_TIP_BPS = 1000;
    /// @notice Reserve fee a new auction starts with (10 bps): a fee of 0 buys no priority.
    uint256 public constant DEFAULT_MIN_FEE_BPS = 10;
    /// @notice Highest reserve fee governance may set: the largest fee a tier-13 bid can carry.
    uint256 public constant MAX_MIN_FEE_BPS = 8191;
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
        uint16 minFeeBps;
        mapping(uint256 cycleId => Round) rounds;
        mapping(uint256 cycleId => mapping(uint256 ticketId => Bid)) bids;
        mapping(uint256 cycleId => mapping(uint256 word => uint256)) priority;
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
    /// @param maxBids_ Bids per cycle (default 4,096); settlement is paginated, so the cap only bounds
    ///        the keeper's work, and a squatter would pay about 270,000 gas per slot to fill it.
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
        _setMinFee(DEFAULT_MIN_FEE_BPS);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IQEVAuction
    function setWindows(uint256 bidWindow_, uint256 revealWindow_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setWindows(bidWindow_, revealWindow_);
    }

    /// @inheritdoc IQEVAuction
    function setMaxBids(uint256 maxBids_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setMaxBids(maxBids_);
    }

    /// @inheritdoc IQEVAuction
    function setKeeperTip(uint256 keeperTipBps_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setKeeperTip(keeperTipBps_);
    }

    /// @inheritdoc IQEVAuction
    function setMinFee(uint256 minFeeBps_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setMinFee(minFeeBps_);
    }

    /// @inheritdoc IQEVAuction
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IQEVAuction
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
        if (round.bids == 0) round.minFeeBps = $.minFeeBps;
        _checkProof(cycleId, ticketId, tier, commitment, proof);

        // The bond covers the highest fee the tier allows, rounded up (against the bidder).
        uint256 bond = Math.mulDiv(pending, (1 << tier) - 1, BPS, Math.Rounding.Ceil);
        b.commitmentHash = keccak256(abi.encode(commitment));
        b.tier = uint8(tier); // safe: tier <= MAX_TIER (checked above)
        b.status = BidStatus.Sealed;
        b.bondShares = uint128(bond); // safe: bond <= pending, a uint88 of the vault
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
        if (keccak256(abi.encode(commitment)) != b.commitmentHash) revert CommitmentMismatch(ticketId);
        // The range proof bound the fee below 2^tier; the opening check also bounds it by 10,000 bps.
        if (!RangeProofLib.checkOpening([commitment[0], commitment[1]], feeBps, blinding)) {
            revert OpeningInvalid(ticketId, feeBps);
        }
        b.status = BidStatus.Revealed;
        b.feeBps = uint16(feeBps); // safe: the opening check bounds the fee by 10,000
        Round storage round = $.rounds[cycleId];
        round.revealed += 1;
        // Below the reserve fee the bid buys no priority; its bond comes back all the same.
        if (feeBps >= round.minFeeBps) round.eligible += 1;
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
        uint256 ranked = round.ranked;
        uint256 end = ranked + ticketIds.length;
        if (end > round.eligible || (ticketIds.length == 0 && round.eligible != 0)) {
            revert SettlementCountMismatch(round.eligible - ranked, ticketIds.length);
        }

        (uint256 lastFee, uint256 lastTicket) = _rankBatch($, cycleId, ticketIds, round);
        Round storage stored = $.rounds[cycleId];
        // safe: end <= eligible (a uint16), fees are at most 10,000, request ids are below 2^48
        stored.ranked = uint16(end);
        stored.lastFee = uint16(lastFee);
        stored.lastTicket = uint64(lastTicket);
        emit SettlementProgress(cycleId, end, round.eligible);
        if (end == round.eligible) {
            stored.settled = true;
            emit Settled(cycleId, end);
        }
    }

    /// @inheritdoc IQEVAuction
    function challengeSettlement(uint256 cycleId, uint256 ticketId, uint256 position) external {
        AuctionStorage storage $ = _s();
        Round memory round = $.rounds[cycleId];
        Bid memory b = $.bids[cycleId][ticketId];
        // The left-out bid must be eligible and sort strictly between the entries around `position`,
        // with `position` inside the ranked part: then no later batch can place it.
        bool valid = !round.settled && b.status == BidStatus.Revealed && b.feeBps >= round.minFeeBps
            && position < round.ranked && _ranksBefore(b.feeBps, ticketId, _entry($, cycleId, position))
            && (position == 0 || _entryRanksBefore(_entry($, cycleId, position - 1), b.feeBps, ticketId));
        if (!valid) revert ChallengeInvalid(cycleId, ticketId, position);
        Round storage stored = $.rounds[cycleId];
        stored.ranked = 0;
        stored.lastFee = 0;
        stored.lastTicket = 0;
        emit SettlementReset(cycleId, ticketId, msg.sender);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IRedemptionPriority
    /// @dev Final once settled, or when the cycle had no bid at all (its bid window is over by the
    ///      time the vault asks, since the vault asks only after the boundary).
    function priorityStatus(uint256 cycleId) external view returns (bool isFinal, uint256 length) {
        Round memory round = _s().rounds[cycleId];
        if (round.bids == 0) return (true, 0);
        return (round.settled, round.settled ? round.eligible : 0);
    }

    /// @inheritdoc IRedemptionPriority
    function priorityAt(uint256 cycleId, uint256 index) external view returns (uint256 requestId, uint256 feeBps) {
        uint256 entry = _entry(_s(), cycleId, index);
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

    /// @inheritdoc IQEVAuction
    function minFeeBps() external view returns (uint256) {
        return _s().minFeeBps;
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
        if (bidWindow_ == 0 || bidWindow_ >= cycle) revert ParameterOutOfRange("bidWindow", bidWindow_, 1, cycle - 1);
        // Reveal and settlement must finish before the next bid window opens.
        if (revealWindow_ == 0 || bidWindow_ + revealWindow_ >= cycle) {
            revert ParameterOutOfRange("revealWindow", revealWindow_, 1, cycle - bidWindow_ - 1);
        }
        $.bidWindow = bidWindow_.toUint32();
        $.revealWindow = revealWindow_.toUint32();
        emit WindowsUpdated(bidWindow_, revealWindow_);
    }

    function _setMaxBids(uint256 maxBids_) internal {
        if (maxBids_ == 0 || maxBids_ > type(uint16).max) revert ParameterOutOfRange("maxBids", maxBids_, 1, type(uint16).max);
        AuctionStorage storage $ = _s();
        emit MaxBidsUpdated($.maxBids, maxBids_);
        $.maxBids = uint16(maxBids_); // safe: checked above
    }

    /// @dev Appends `ticketIds` to the priority list after the `round.ranked` entries already there and
    ///      returns the last entry's (fee, ticket). One pass: each entry is an eligible revealed bid of
    ///      the cycle and sorts strictly after the previous one, across batches (fee descending, ticket
    ///      id ascending), which also rules out duplicates. A batch that skipped a bid can never finish:
    ///      anyone may discard it (`challengeSettlement`).
    function _rankBatch(AuctionStorage storage $, uint256 cycleId, uint256[] calldata ticketIds, Round memory round)
        internal
        returns (uint256 prevFee, uint256 prevTicket)
    {
        mapping(uint256 => Bid) storage cycleBids = $.bids[cycleId];
        mapping(uint256 => uint256) storage words = $.priority[cycleId];
        uint256 ranked = round.ranked;
        uint256 end = ranked + ticketIds.length;
        (prevFee, prevTicket) =
            ranked == 0 ? (type(uint256).max, uint256(0)) : (uint256(round.lastFee), uint256(round.lastTicket));
        // A word left part-full by the previous batch is continued; a new word starts empty.
        uint256 word = ranked % ENTRIES_PER_WORD == 0 ? 0 : words[ranked / ENTRIES_PER_WORD];
        for (uint256 i = ranked; i < end; ++i) {
            uint256 ticketId = ticketIds[i - ranked];
            Bid storage b = cycleBids[ticketId];
            uint256 fee = b.feeBps;
            if (b.status != BidStatus.Revealed || fee < round.minFeeBps) revert SettlementEntryInvalid(i, ticketId);
            if (fee > prevFee || (fee == prevFee && ticketId <= prevTicket)) revert SettlementOrderInvalid(i);
            (prevFee, prevTicket) = (fee, ticketId);
            uint256 slot = i % ENTRIES_PER_WORD;
            word = (slot == 0 ? 0 : word) | ((ticketId << 16) | fee) << (ENTRY_BITS * slot);
            if (slot == ENTRIES_PER_WORD - 1 || i == end - 1) words[i / ENTRIES_PER_WORD] = word;
        }
    }

    /// @dev Entry `index` of `cycleId`'s priority list: (ticketId << 16 | feeBps).
    function _entry(AuctionStorage storage $, uint256 cycleId, uint256 index) internal view returns (uint256) {
        uint256 word = $.priority[cycleId][index / ENTRIES_PER_WORD];
        return (word >> (ENTRY_BITS * (index % ENTRIES_PER_WORD))) & ENTRY_MASK;
    }

    /// @dev Whether bid (fee, ticketId) ranks strictly before `entry`: higher fee, or equal fee and
    ///      lower ticket id.
    function _ranksBefore(uint256 fee, uint256 ticketId, uint256 entry) internal pure returns (bool) {
        uint256 entryFee = entry & 0xffff;
        return fee > entryFee || (fee == entryFee && ticketId < entry >> 16);
    }

    /// @dev Whether `entry` ranks strictly before bid (fee, ticketId): so the bid is not that entry.
    function _entryRanksBefore(uint256 entry, uint256 fee, uint256 ticketId) internal pure returns (bool) {
        uint256 entryFee = entry & 0xffff;
        return entryFee > fee || (entryFee == fee && entry >> 16 < ticketId);
    }

    function _setMinFee(uint256 minFeeBps_) internal {
        if (minFeeBps_ > MAX_MIN_FEE_BPS) revert ParameterOutOfRange("minFeeBps", minFeeBps_, 0, MAX_MIN_FEE_BPS);
        AuctionStorage storage $ = _s();
        emit MinFeeUpdated($.minFeeBps, minFeeBps_);
        $.minFeeBps = uint16(minFeeBps_); // safe: at most MAX_MIN_FEE_BPS
    }

    function _setKeeperTip(uint256 keeperTipBps_) internal {
        if (keeperTipBps_ > MAX_KEEPER_TIP_BPS) revert ParameterOutOfRange("keeperTipBps", keeperTipBps_, 0, MAX_KEEPER_TIP_BPS);
        AuctionStorage storage $ = _s();
        emit KeeperTipUpdated($.keeperTipBps, keeperTipBps_);
        $.keeperTipBps = uint16(keeperTipBps_); // safe: at most MAX_KEEPER_TIP_BPS
    }
}
