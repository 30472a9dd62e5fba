// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IRedemptionPriority} from "./IRedemptionPriority.sol";

/// @title IQEVAuction
/// @notice A sealed-bid priority auction per cycle. The controller of a redemption request (a
///         "ticket") bids a priority fee in bps, hidden in a Pedersen commitment with a range proof
///         that it is below 2^tier; a bond of (2^tier - 1) bps of the ticket's pending shares is
///         locked. After the boundary B the bidders reveal; unrevealed bonds are burned for the
///         holders who stay; anyone settles by passing the revealed bids sorted by fee (ties by
///         request order); the vault then serves the winners first and burns their fees.
/// @dev Phases of cycle k's auction, B = start of cycle k+1: bid [B - bidWindow, B),
///      reveal [B, B + revealWindow), then sweep unrevealed bids and settle.
interface IQEVAuction is IRedemptionPriority {
    enum BidStatus {
        None,
        Sealed,
        Revealed,
        Swept
    }

    /// @notice One bid, two slots. The commitment is kept as its hash; the reveal passes it again.
    ///         The bidder is not stored: the proof already binds it.
    struct Bid {
        bytes32 commitmentHash;
        uint8 tier;
        BidStatus status;
        uint16 feeBps;
        uint128 bondShares;
    }

    /// @notice Counters of one cycle's auction (one slot). `minFeeBps` is the reserve fee, fixed by
    ///         the round's first bid; `eligible` counts revealed bids at or above it (the priority
    ///         list's length); `ranked` counts entries settled so far, the last being
    ///         (`lastFee`, `lastTicket`).
    struct Round {
        uint16 bids;
        uint16 revealed;
        uint16 swept;
        uint16 eligible;
        uint16 ranked;
        uint16 minFeeBps;
        uint16 lastFee;
        uint64 lastTicket;
        bool settled;
    }

    // ---------------------------------------------------------------- errors

    /// @notice Thrown when a bid arrives outside `[opens, closes)`.
    error BidWindowClosed(uint256 cycleId, uint256 opens, uint256 closes);
    /// @notice Thrown when a reveal arrives outside the reveal window.
    error RevealWindowClosed(uint256 cycleId, uint256 opens, uint256 closes);
    /// @notice Thrown when a sweep or a settlement comes before the reveal window has closed.
    error RevealWindowOpen(uint256 cycleId, uint256 closes);
    /// @notice Thrown when the ticket has no pending shares.
    error TicketNotPending(uint256 ticketId);
    /// @notice Thrown when the sender is neither the ticket's controller nor its operator.
    error BidderUnauthorized(address sender, uint256 ticketId);
    /// @notice Thrown when a ticket already has a bid in the cycle.
    error BidAlreadyPlaced(uint256 cycleId, uint256 ticketId);
    /// @notice Thrown when the tier is outside [4, 13].
    error TierInvalid(uint256 tier);
    /// @notice Thrown when the cycle already holds the maximum number of bids.
    error BidCapReached(uint256 cycleId, uint256 maximum);
    /// @notice Thrown when the range proof does not verify for this chain, auction, sender, cycle, ticket and tier.
    error ProofInvalid(uint256 ticketId);
    /// @notice Thrown when a bid to reveal or sweep does not exist or is not sealed.
    error BidNotSealed(uint256 cycleId, uint256 ticketId);
    /// @notice Thrown when the revealed commitment is not the one the bid committed to.
    error CommitmentMismatch(uint256 ticketId);
    /// @notice Thrown when (fee, blinding) does not open the bid's commitment, or the fee is above 10,000 bps.
    error OpeningInvalid(uint256 ticketId, uint256 feeBps);
    /// @notice Thrown when a cycle is settled twice.
    error AlreadySettled(uint256 cycleId);
    /// @notice Thrown when sealed bids remain unswept at settlement.
    error BidsUnswept(uint256 cycleId, uint256 remaining);
    /// @notice Thrown when the settlement list does not hold exactly the revealed bids.
    error SettlementCountMismatch(uint256 expected, uint256 actual);
    /// @notice Thrown when entry `index` is not a revealed bid of the cycle.
    error SettlementEntryInvalid(uint256 index, uint256 ticketId);
    /// @notice Thrown when entry `index` breaks the order (fee descending, then request order).
    error SettlementOrderInvalid(uint256 index);
    /// @notice Thrown when a challenge does not show an eligible bid left out of a partial settlement.
    error ChallengeInvalid(uint256 cycleId, uint256 ticketId, uint256 position);
    /// @notice Thrown when an address argument is zero.
    error AddressZero();
    /// @notice Thrown when parameter `name` is outside `[min, max]` (bounds at the time of the call).
    error ParameterOutOfRange(string name, uint256 value, uint256 min, uint256 max);

    // ---------------------------------------------------------------- events

    event BidPlaced(
        uint256 indexed cycleId, uint256 indexed ticketId, address indexed bidder, uint256 tier, uint256 bondShares,
        uint256[2] commitment
    );
    event BidRevealed(uint256 indexed cycleId, uint256 indexed ticketId, uint256 feeBps);
    event BidSwept(uint256 indexed cycleId, uint256 indexed ticketId, address indexed keeper, uint256 bondShares);
    event Settled(uint256 indexed cycleId, uint256 winners);
    /// @notice A settlement batch ranked `ranked` of `eligible` bids so far.
    event SettlementProgress(uint256 indexed cycleId, uint256 ranked, uint256 eligible);
    /// @notice A partial settlement left out bid `ticketId` and was discarded; settlement starts over.
    event SettlementReset(uint256 indexed cycleId, uint256 ticketId, address indexed challenger);
    event MinFeeUpdated(uint256 previousBps, uint256 currentBps);
    event WindowsUpdated(uint256 bidWindow, uint256 revealWindow);
    event MaxBidsUpdated(uint256 previous, uint256 current);
    event KeeperTipUpdated(uint256 previousBps, uint256 currentBps);

    // ---------------------------------------------------------------- actions

    /// @notice Places the sealed bid of `ticketId` for the current cycle: `commitment` hides the fee,
    ///         `proof` (32 + 160 tier bytes, zk/ format) shows it is below 2^tier for this chain,
    ///         auction, sender, cycle, ticket and tier. Locks the bond. Controller or operator only.
    function bid(uint256 ticketId, uint256 tier, uint256[2] calldata commitment, bytes calldata proof) external;

    /// @notice Reveals the fee of `ticketId`'s bid in the previous cycle's auction and releases its bond.
    function reveal(uint256 ticketId, uint256[2] calldata commitment, uint256 feeBps, uint256 blinding) external;

    /// @notice Burns the bond of a bid left unrevealed after the reveal window (a tip to the caller).
    function sweep(uint256 cycleId, uint256 ticketId) external;

    /// @notice Ranks the next batch of cycle `cycleId`'s eligible revealed bids: `ticketIds` sorted by
    ///         fee descending, ties by ticket id, continuing the batches before it. Permissionless once
    ///         the reveal window closed and every unrevealed bid was swept; final when every eligible
    ///         bid is ranked (an empty batch settles a round with none).
    function settle(uint256 cycleId, uint256[] calldata ticketIds) external;

    /// @notice Discards a partial settlement that left out eligible bid `ticketId`: the entry at
    ///         `position` ranks after it and the entry before `position` (if any) ranks before it, so
    ///         it can never be ranked and the list could never finish. Permissionless.
    function challengeSettlement(uint256 cycleId, uint256 ticketId, uint256 position) external;

    // ---------------------------------------------------------------- governance

    /// @notice Sets the bid window (seconds before each cycle boundary) and the reveal window (seconds
    ///         after it) (`DEFAULT_ADMIN_ROLE`); `ParameterOutOfRange` unless the bid window is in
    ///         [1, cycle - 1] and the reveal window in [1, cycle - bidWindow - 1].
    /// @dev Warning: a change moves the phases of the cycle in progress; make it between auctions.
    function setWindows(uint256 bidWindow, uint256 revealWindow) external;

    /// @notice Caps the bids of one cycle (`DEFAULT_ADMIN_ROLE`): in [1, 65535]. Bounds the reveal,
    ///         sweep and settlement work of a round.
    function setMaxBids(uint256 maxBids) external;

    /// @notice Sets the share of a forfeited bond paid to the sweeping keeper (`DEFAULT_ADMIN_ROLE`):
    ///         at most `MAX_KEEPER_TIP_BPS`.
    function setKeeperTip(uint256 keeperTipBps) external;

    /// @notice Sets the reserve fee below which a revealed bid buys no priority (`DEFAULT_ADMIN_ROLE`):
    ///         at most `MAX_MIN_FEE_BPS`. A round keeps the reserve it had at its first bid.
    function setMinFee(uint256 minFeeBps) external;

    /// @notice Pauses bidding (`PAUSER_ROLE`); reveals, sweeps and settlement stay open so that no
    ///         bond is trapped.
    function pause() external;

    /// @notice Lifts the pause (`PAUSER_ROLE`).
    function unpause() external;

    /// @notice Highest keeper tip governance may set (1,000 bps: 10% of a forfeited bond).
    function MAX_KEEPER_TIP_BPS() external view returns (uint256);

    /// @notice Reserve fee a new auction starts with (10 bps): a fee of 0 buys no priority.
    function DEFAULT_MIN_FEE_BPS() external view returns (uint256);

    /// @notice Highest reserve fee governance may set (8,191 bps: the largest fee of a tier-13 bid).
    function MAX_MIN_FEE_BPS() external view returns (uint256);

    /// @notice The role that may pause and unpause bidding.
    function PAUSER_ROLE() external view returns (bytes32);

    // ---------------------------------------------------------------- views

    /// @notice The sUSDai vault whose requests are bid on and whose cycles time the auction (fixed).
    function vault() external view returns (address);
    /// @notice Ticket `ticketId`'s bid in cycle `cycleId`'s auction (status `None` if it placed none).
    function bidOf(uint256 cycleId, uint256 ticketId) external view returns (Bid memory);
    /// @notice Counters of cycle `cycleId`'s auction (see `Round`).
    function roundOf(uint256 cycleId) external view returns (Round memory);
    /// @notice [opens, closes) of the bid window of `cycleId`, and the end of its reveal window.
    function windows(uint256 cycleId) external view returns (uint256 bidOpens, uint256 revealOpens, uint256 revealCloses);
    /// @notice Seconds before each cycle boundary during which bids are taken.
    function bidWindow() external view returns (uint256);
    /// @notice Seconds after each cycle boundary during which bids are revealed.
    function revealWindow() external view returns (uint256);
    /// @notice Most bids one cycle's auction takes (`BidCapReached` beyond).
    function maxBids() external view returns (uint256);
    /// @notice Share of a swept bond paid to the sweeping keeper in sUSDai shares, in bps (the rest is
    ///         burned). The value in force at the sweep applies, not the one at the bid.
    function keeperTipBps() external view returns (uint256);
    /// @notice Reserve fee: a revealed fee below it buys no priority (the bond is still released).
    function minFeeBps() external view returns (uint256);
}
