// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ISeniorCapital} from "./ISeniorCapital.sol";
import {IRedemptionPriority} from "./IRedemptionPriority.sol";
import {IRedemptionTicket} from "./IRedemptionTicket.sol";
import {IBlacklistable} from "./IBlacklistable.sol";

/// @title IStakedUSDaiTypes
/// @notice sUSDai's types, errors and events, shared by the vault, its module and their callers.
interface IStakedUSDaiTypes is IBlacklistable {
    // ---------------------------------------------------------------- types

    /// @notice One redemption request (a "ticket"): packed into one slot.
    /// @dev `shares` is uint88 (up to 309 million sUSDai per request). `counted` is set while the
    ///      request counts against its maker's open-request cap: from the request until it is fully
    ///      serviced, cancelled or its ticket leaves the maker.
    struct Request {
        address controller; // the ticket's holder
        uint88 shares; // pending, not yet serviced (excludes a locked QEV bond)
        bool counted;
    }

    /// @notice The serviced, unclaimed part of a request, and its link in the holder's claim list.
    struct Claim {
        uint96 shares;
        uint112 assets;
        uint48 next; // the next claimable request of the same holder (0: none)
    }

    // ---------------------------------------------------------------- errors

    /// @notice Thrown when a deposit or servicing would be priced on a NAV that ignores a loan anyone can
    ///         already mark (delinquent past its grace period, or collateral appraised too long ago),
    ///         from `staleFrom` until the loan is marked (`ILoanBook.markDefault` / `refreshCollateral`).
    error BookStale(uint256 staleFrom);
    /// @notice Thrown when an amount argument is zero.
    error AmountZero();
    /// @notice Thrown when a deposit would take total assets above the supply cap.
    error SupplyCapExceeded(uint256 assetsAfter, uint256 cap);
    /// @notice Thrown when a redemption request is below the minimum.
    error RedemptionTooSmall(uint256 shares, uint256 minimum);
    /// @notice Thrown when a controller already has the maximum number of open requests.
    error RedemptionRequestsExceeded(address controller, uint256 maximum);
    /// @notice Thrown when the caller is neither the owner/controller nor its operator.
    error CallerUnauthorized(address caller, address account);
    /// @notice Thrown when a claim asks for more than the controller's claimable balance.
    error ClaimExceedsClaimable(uint256 requested, uint256 claimable);
    /// @notice Thrown by `previewRedeem`/`previewWithdraw`, which ERC-7540 vaults must not support.
    error PreviewUnsupported();
    /// @notice Thrown when servicing waits for the cycle's QEV settlement.
    error SettlementPending(uint256 cycleId);
    /// @notice Thrown when an allocation exceeds idle USDai not set aside for claims.
    error AllocationExceedsIdle(uint256 amount, uint256 idle);
    /// @notice Thrown when a caller other than the QEV auction calls an auction hook.
    error AuctionOnly(address caller);
    /// @notice Thrown when a request id does not exist or has nothing pending.
    error RequestNotPending(uint256 requestId);
    /// @notice Thrown when a bond exceeds the request's pending shares.
    error BondExceedsPending(uint256 requestId, uint256 bond, uint256 pending);
    /// @notice Thrown when a request already holds a bond (an earlier bid not yet revealed or swept).
    error BondAlreadyLocked(uint256 requestId);
    /// @notice Thrown when the auction is changed while bonds are locked (they could never be settled).
    error BondsOutstanding(uint256 count);
    /// @notice Thrown when an address argument is zero.
    error AddressZero();
    /// @notice Thrown when the registry has not been set and capital cannot move.
    error RegistryUnset();
    /// @notice Thrown when parameter `name` is outside `[min, max]`.
    error ParameterOutOfRange(string name, uint256 value, uint256 min, uint256 max);
    /// @notice Thrown when the ticket contract is set a second time.
    error TicketAlreadySet(address ticket);
    /// @notice Thrown when a caller other than the ticket contract calls its hook.
    error TicketOnly(address caller);
    /// @notice Thrown when requests are made before governance set the ticket contract.
    error TicketUnset();
    /// @notice Thrown when a request's ticket is not held by `account`.
    error TicketNotHeld(uint256 requestId, address account);
    /// @notice Thrown when a request with a locked QEV bond is cancelled or reduced (wait for the
    ///         reveal or the sweep).
    error RequestBonded(uint256 requestId);
    /// @notice Thrown when a reduction exceeds the request's pending shares.
    error ReductionExceedsPending(uint256 requestId, uint256 shares, uint256 pending);

    // ---------------------------------------------------------------- events

    /// @notice ERC-4626: `sender` deposited `assets` and `owner` received `shares`.
    event Deposit(address indexed sender, address indexed owner, uint256 assets, uint256 shares);
    /// @notice ERC-4626/7540 claim: `assets` paid to `receiver` for `shares` of `owner` (the controller).
    event Withdraw(
        address indexed sender, address indexed receiver, address indexed owner, uint256 assets, uint256 shares
    );
    /// @notice ERC-7540: `owner`'s `shares` escrowed for `controller` as request `requestId`.
    event RedeemRequest(
        address indexed controller, address indexed owner, uint256 indexed requestId, address sender, uint256 shares
    );
    /// @notice ERC-7540 operator approval.
    event OperatorSet(address indexed controller, address indexed operator, bool approved);
    /// @notice `shares` of request `requestId` burned, `assets` set aside for its controller;
    ///         `feeShares` of them were a QEV priority fee (burned without assets).
    event RedemptionServiced(
        uint256 indexed requestId, address indexed controller, uint256 shares, uint256 assets, uint256 feeShares
    );
    event Allocated(uint256 indexed stackId, uint256 amount);
    event Deallocated(uint256 indexed stackId, uint256 amount);
    event BondLocked(uint256 indexed requestId, uint256 shares);
    event BondReleased(uint256 indexed requestId, uint256 shares);
    event BondForfeited(uint256 indexed requestId, uint256 burnedShares, address indexed keeper, uint256 tipShares);
    event SupplyCapUpdated(uint256 previous, uint256 current);
    event RegistryUpdated(address indexed previous, address indexed current);
    event AuctionUpdated(address indexed previous, address indexed current);
    event RedemptionLimitsUpdated(uint256 minRequestShares, uint256 maxOpenRequests);
    event BlacklistUpdated(address indexed account, bool blacklisted);
    event TicketUpdated(address indexed ticket);
    /// @notice `shares` of request `requestId` returned to its holder; `remaining` stay pending.
    event RedeemRequestReduced(uint256 indexed requestId, address indexed controller, uint256 shares, uint256 remaining);
    /// @notice FIFO servicing passed over request `requestId` while its QEV bond is locked; it is
    ///         served from the held list, ahead of later requests, once the bond is released or burned.
    event RequestHeld(uint256 indexed requestId);
}

/// @title IStakedUSDai
/// @notice sUSDai: an ERC-4626 vault over USDai with synchronous deposits and ERC-7540 asynchronous
///         redemptions served once per cycle (default 30 days) from idle USDai, QEV winners first,
///         then first in, first out.
/// @dev Two prices. Deposits use `totalAssets()` = idle USDai + the base yield USDai already owes the
///      vault (wM yield a harvest would mint to it, net of the admin fee: the price does not wait for
///      someone to harvest) + the registry's senior NAV including accrued interest. Redemptions are priced at servicing with the conservative NAV, which leaves
///      accrued-but-unpaid interest out. Pending shares stay in `totalSupply` (exposed to NAV) until
///      serviced; servicing burns them and sets their USDai aside for the controller's claim.
///      Every request is a position: an ERC-721 redemption ticket (`RedemptionTicket`, token id =
///      request id) whose holder is the request's controller. Moving the ticket moves every right of
///      the request (pending and claimable parts, its QEV bid and bond, cancelling) and keeps its
///      place. Per-request views report one request (id != 0) or the controller's aggregate (id 0);
///      claims draw on the controller's claimable requests in the order they became claimable to it.
interface IStakedUSDai is IStakedUSDaiTypes {
    // ---------------------------------------------------------------- ERC-4626 deposits

    /// @notice Deposits `assets` USDai for `receiver`, minting shares at the deposit price rounded down.
    /// @dev Reverts while paused, for a blacklisted caller or receiver, when no share would be minted,
    ///      beyond the supply cap, or from the moment the ledger's NAV may be stale until someone marks
    ///      it (`navState`): a deposit never prices against a NAV that lags a due date or an appraisal.
    function deposit(uint256 assets, address receiver) external returns (uint256 shares);

    /// @notice Mints exactly `shares` to `receiver` for the USDai they cost at the deposit price,
    ///         rounded up. Same refusals as `deposit`.
    function mint(uint256 shares, address receiver) external returns (uint256 assets);

    /// @notice Shares `assets` buy at the deposit price, rounded down.
    function convertToShares(uint256 assets) external view returns (uint256 shares);

    /// @notice USDai `shares` are worth at the deposit price, rounded down.
    /// @dev Warning: redemptions are priced at servicing with `redemptionAssets()`, which leaves
    ///      accrued-but-unpaid interest out: a request gets at most this, often less.
    function convertToAssets(uint256 shares) external view returns (uint256 assets);

    /// @notice Same as `convertToShares`.
    function previewDeposit(uint256 assets) external view returns (uint256 shares);

    /// @notice USDai `mint(shares)` would take now, rounded up.
    function previewMint(uint256 shares) external view returns (uint256 assets);

    /// @dev Warning: always reverts `PreviewUnsupported` (ERC-7540: redemptions are asynchronous).
    function previewRedeem(uint256 shares) external view returns (uint256);

    /// @dev Warning: always reverts `PreviewUnsupported` (ERC-7540: redemptions are asynchronous).
    function previewWithdraw(uint256 assets) external view returns (uint256);

    /// @notice USDai `receiver` may deposit now: 0 while paused, for a blacklisted receiver or while the
    ///         NAV may be stale; otherwise what the supply cap leaves (unbounded without a cap).
    function maxDeposit(address receiver) external view returns (uint256);

    /// @notice `maxDeposit` in shares (rounded down).
    function maxMint(address receiver) external view returns (uint256);

    // ---------------------------------------------------------------- ERC-7540 claims

    /// @notice Claims `shares` of `controller`'s serviced balance, paying their USDai to `receiver`.
    /// @dev Caller must be `controller` or its operator. Draws on its claimable requests in the order
    ///      they became claimable to it; a request taken in full pays exactly what it holds, a part pays
    ///      its assets rounded down. Open while paused (the USDai is already set aside).
    function redeem(uint256 shares, address receiver, address controller) external returns (uint256 assets);

    /// @notice Claims `assets` USDai of `controller`'s serviced balance for `receiver`, taking the shares
    ///         they correspond to (a part rounded up), in the same order as `redeem`.
    function withdraw(uint256 assets, address receiver, address controller) external returns (uint256 shares);

    /// @notice Shares `controller` can claim now (its claimable aggregate).
    function maxRedeem(address controller) external view returns (uint256);

    /// @notice USDai `controller` can claim now (its claimable aggregate).
    function maxWithdraw(address controller) external view returns (uint256);

    // ---------------------------------------------------------------- ERC-7540 redemption

    /// @notice Escrows `shares` of `owner` as a redemption request for `controller` and mints its
    ///         ticket to `controller`.
    /// @dev Caller must be `owner`, an operator of `owner`, or hold an ERC-20 allowance from it; and
    ///      `controller` or its operator (a request counts against its controller's open-request
    ///      cap, so no one can fill another's cap). Reverts while paused. Due at the next cycle's start.
    function requestRedeem(uint256 shares, address controller, address owner) external returns (uint256 requestId);

    /// @notice Shares of request `requestId` not yet serviced, bond included (0 if `controller` does
    ///         not hold its ticket); for id 0, the controller's aggregate over the tickets it holds.
    function pendingRedeemRequest(uint256 requestId, address controller) external view returns (uint256 shares);

    /// @notice Serviced, unclaimed shares of request `requestId` (0 if `controller` does not hold its
    ///         ticket); for id 0, the controller's aggregate.
    function claimableRedeemRequest(uint256 requestId, address controller) external view returns (uint256 shares);

    /// @notice Returns `shares` of request `requestId`'s pending shares to its holder (all of them
    ///         cancels it); what stays pending keeps its place. Holder or its operator; refused while
    ///         a QEV bond is locked, or when it would leave less than the minimum request.
    function reduceRedeemRequest(uint256 requestId, uint256 shares) external returns (uint256 remaining);

    /// @notice ERC-7540 operator approval for the caller's requests and claims.
    function setOperator(address operator, bool approved) external returns (bool);

    /// @notice Whether `operator` may act for `controller` (ERC-7540): request with its shares (no
    ///         allowance needed), reduce its requests, claim to any receiver and bid in the QEV auction.
    function isOperator(address controller, address operator) external view returns (bool);

    /// @notice ERC-7575: the share token (this vault).
    function share() external view returns (address);

    // ---------------------------------------------------------------- servicing and capital

    /// @notice Serves up to `maxRequests` due requests from idle USDai: the cycle's QEV winners by
    ///         settled priority, then first in, first out; partial fills keep their place.
    ///         Permissionless once the previous cycle's QEV settlement is final (or none ran).
    /// @return served Number of requests touched (fully or partly served).
    function serviceRedemptions(uint256 maxRequests) external returns (uint256 served);

    /// @notice Sends `amount` idle USDai to FiLo stack `stackId` as senior capital. STRATEGY_ADMIN only;
    ///         refused while paused.
    function allocate(uint256 stackId, uint256 amount) external;

    /// @notice Brings `amount` of stack `stackId`'s unused senior cash home (release, then sweep), so that
    ///         cash no loan uses can serve due redemptions. STRATEGY_ADMIN only; refused while paused.
    function deallocate(uint256 stackId, uint256 amount) external;

    // ---------------------------------------------------------------- governance

    /// @notice Caps `totalAssets()` after a deposit (`DEFAULT_ADMIN_ROLE`).
    function setSupplyCap(uint256 cap) external;

    /// @notice Sets the FiLo ledger whose senior NAV the vault prices (`DEFAULT_ADMIN_ROLE`).
    /// @dev Warning: not refused while the current registry still holds the vault's capital: its senior
    ///      NAV leaves `totalAssets()` at once (the price drops). Deallocate everything first.
    function setRegistry(ISeniorCapital registry) external;

    /// @notice Sets the QEV auction (`DEFAULT_ADMIN_ROLE`); zero turns priority off (FIFO only).
    /// @dev Warning: refused while any bond is locked.
    function setAuction(IRedemptionPriority auction) external;

    /// @notice Sets the minimum request and the open-request cap per controller (`DEFAULT_ADMIN_ROLE`);
    ///         `ParameterOutOfRange` outside [0, 2^88) (a request holds at most a uint88) and [1, 2^16).
    function setRedemptionLimits(uint256 minRequestShares, uint256 maxOpenRequests) external;

    /// @notice Sets the ticket contract, once (`DEFAULT_ADMIN_ROLE`; `TicketAlreadySet` afterwards).
    function setTicket(IRedemptionTicket ticket) external;

    /// @notice Blacklists or clears `account` (`BLACKLIST_ADMIN_ROLE`): a blacklisted account can neither
    ///         send nor receive sUSDai, request, transfer a ticket or receive one.
    function setBlacklisted(address account, bool blacklisted) external;

    /// @notice Pauses deposits, requests and share transfers (`PAUSER_ROLE`); claims stay open.
    function pause() external;

    /// @notice Lifts the pause (`PAUSER_ROLE`).
    function unpause() external;

    // ---------------------------------------------------------------- QEV hooks (auction only)

    /// @notice Locks `shares` of request `requestId`'s pending shares as a bid bond.
    function lockBond(uint256 requestId, uint256 shares) external;

    /// @notice Returns request `requestId`'s bond to its pending shares (bid revealed).
    function releaseBond(uint256 requestId) external;

    /// @notice Burns request `requestId`'s bond (bid never revealed), less `tipShares` paid to `keeper`.
    function forfeitBond(uint256 requestId, address keeper, uint256 tipShares) external;

    // ---------------------------------------------------------------- ticket hook (ticket only)

    /// @notice Moves request `requestId` (pending and claimable parts, bond, place) from `from` to
    ///         `to`. Called by the ticket contract after it checked the caller's ERC-721 rights.
    function onTicketTransfer(uint256 requestId, address from, address to) external;

    // ---------------------------------------------------------------- views

    /// @notice The module that runs the less frequent entry points by delegatecall (same storage).
    function MODULE() external view returns (address);
    /// @notice ERC-4626: the underlying asset (USDai, 18 decimals).
    function asset() external view returns (address);
    /// @notice Idle USDai + base yield USDai owes the vault (harvestable now, net of its admin fee) +
    ///         senior NAV with accrued interest: prices deposits.
    function totalAssets() external view returns (uint256);
    /// @notice Idle USDai + base yield owed + senior NAV without accrued-but-unpaid interest: prices
    ///         redemptions.
    function redemptionAssets() external view returns (uint256);
    /// @notice USDai held for serviced, unclaimed requests (not part of NAV).
    function reservedAssets() external view returns (uint256);
    /// @notice Shares escrowed by the vault for requests (pending + bonds).
    function escrowedShares() external view returns (uint256);
    /// @notice The cycle in progress, from 0: `(block.timestamp - genesis) / cycleDuration`.
    function currentCycle() external view returns (uint256);
    /// @notice Start of cycle `cycleId` (unix seconds): `genesis + cycleId * cycleDuration`.
    function cycleStart(uint256 cycleId) external view returns (uint256);
    /// @notice Start of cycle 0 (unix seconds), fixed at initialization.
    function genesis() external view returns (uint256);
    /// @notice Length of a cycle in seconds (default 30 days), fixed at initialization.
    function cycleDuration() external view returns (uint256);
    /// @notice Request `requestId` as stored: holder, pending shares (bond excluded) and whether it counts
    ///         against its maker's cap. All zero once the request is retired, or if it never existed.
    function requestOf(uint256 requestId) external view returns (Request memory);
    /// @notice The serviced, unclaimed part of request `requestId` (shares burned, USDai set aside) and the
    ///         next request in its holder's claim list.
    function claimOf(uint256 requestId) external view returns (Claim memory);
    /// @notice Tickets `holder` holds (its ERC-721 balance).
    function ticketCount(address holder) external view returns (uint256);
    /// @notice The ERC-721 ticket contract.
    function ticket() external view returns (address);
    /// @notice Requests passed over by FIFO while bonded and not yet served: [heldHead, heldTail).
    function heldState() external view returns (uint256 heldHead, uint256 heldTail);
    /// @notice The request at position `index` of the held list (0 outside [heldHead, heldTail)).
    function heldAt(uint256 index) external view returns (uint256 requestId);
    /// @notice Shares of request `requestId` locked as a QEV bid bond (0 if none).
    function bondOf(uint256 requestId) external view returns (uint256);
    /// @notice Next request id; first id not yet passed by FIFO servicing; ids below `dueLimit` are
    ///         due now (made before the current cycle).
    function queueState() external view returns (uint256 nextRequestId, uint256 fifoHead, uint256 dueLimit);
    /// @notice Open requests counted against `controller`'s cap (made by it, still held and pending).
    function openRequests(address controller) external view returns (uint256);
    /// @notice Smallest request in shares (18 decimals), and smallest remainder a reduction may leave.
    function minRequestShares() external view returns (uint256);
    /// @notice Most open requests a controller may have counted against its cap at once.
    function maxOpenRequests() external view returns (uint256);
    /// @notice The FiLo ledger whose senior NAV the vault prices (zero until set: no allocation).
    function registry() external view returns (address);
    /// @notice The QEV auction that ranks each cycle's redemptions (zero: FIFO only).
    function auction() external view returns (address);
    /// @notice Cap on `totalAssets()` after a deposit, in USDai units (18 decimals); `type(uint256).max`
    ///         means none.
    function supplyCap() external view returns (uint256);
    /// @notice Whether `account` is blacklisted (see `setBlacklisted`).
    function isBlacklisted(address account) external view returns (bool);
}
