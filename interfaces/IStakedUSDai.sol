// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IStakedUSDaiTypes
/// @notice sUSDai's types, errors and events, shared by the vault, its module and their callers.
interface IStakedUSDaiTypes {
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
    /// @notice Thrown when a mint, transfer or burn involves a blacklisted sender, recipient or operator.
    error AccountBlacklisted(address account);
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
    function currentCycle() external view returns (uint256);
    function cycleStart(uint256 cycleId) external view returns (uint256);
    function genesis() external view returns (uint256);
    function cycleDuration() external view returns (uint256);
    function requestOf(uint256 requestId) external view returns (Request memory);
    function claimOf(uint256 requestId) external view returns (Claim memory);
    /// @notice Tickets `holder` holds (its ERC-721 balance).
    function ticketCount(address holder) external view returns (uint256);
    /// @notice The ERC-721 ticket contract.
    function ticket() external view returns (address);
    /// @notice Requests passed over by FIFO while bonded and not yet served: [heldHead, heldTail).
    function heldState() external view returns (uint256 heldHead, uint256 heldTail);
    function heldAt(uint256 index) external view returns (uint256 requestId);
    function bondOf(uint256 requestId) external view returns (uint256);
    /// @notice Next request id; first id not yet passed by FIFO servicing; ids below `dueLimit` are
    ///         due now (made before the current cycle).
    function queueState() external view returns (uint256 nextRequestId, uint256 fifoHead, uint256 dueLimit);
    /// @notice Open requests counted against `controller`'s cap (made by it, still held and pending).
    function openRequests(address controller) external view returns (uint256);
    function minRequestShares() external view returns (uint256);
    function maxOpenRequests() external view returns (uint256);
    function registry() external view returns (address);
    function auction() external view returns (address);
    function supplyCap() external view returns (uint256);
    function isBlacklisted(address account) external view returns (bool);
}
