// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ISeniorCapital} from "./ISeniorCapital.sol";

/// @title IFiLoRegistry
/// @notice The FiLo ledger: every USDai of the credit side. First-loss (FiLo) stacks are isolated pools,
///         each run by one approved curator: senior capital from the sUSDai vault and junior
///         (first-loss) capital from the curator fund its loans together. The ledger holds the stacks'
///         cash, their senior and junior capital, what waits for the vault (`sweep`) and for curators and
///         borrowers (`claim`), and keeps the registry-wide running totals that price the vault in O(1).
///         It never sees a loan: the loan book (`ILoanBook`) runs loans and receipts and settles every
///         cash flow here through the narrow `onlyLoanBook` functions below.
/// @dev Stack accounting (all USDai units, 18 decimals):
///      - `cash` C: idle USDai of the stack (senior and junior alike);
///      - `principalOutstanding` L: principal of the stack's live loans (performing and defaulted);
///      - `impairment` I: the part of L that the collateral's recovery value does not cover;
///      - `seniorPrincipal` S: the vault's principal claim on C + L;
///      - junior capital J = C + L - S (book) and C + L - I - S (economic), never below 0;
///      - `seniorPending`: senior principal returned and net senior interest, held for the vault until `sweep`.
///      Interest and principal repayments are shared pro rata to capital (S : C + L); the senior share of
///      repaid principal goes back to the vault. Losses are absorbed by J first: S is reduced (a realised
///      senior loss) only by what exceeds J. Invariant: sum of S over stacks == allocated - returned - lost.
///
///      Senior NAV of a stack: redemption = min(S, C + L - I) + pending; deposit = redemption + the senior
///      share (net of the curator fee) of the interest accrued on performing loans. Registry-wide sums
///      are kept as running totals, updated by each stack's change (see `navTotals`).
interface IFiLoRegistry is ISeniorCapital {
    // ---------------------------------------------------------------- types

    /// @notice Registry-wide rules for stacks (governance).
    struct StackRules {
        uint256 minFirstLossBps; // floor of every stack's first-loss ratio (*default* 1000)
        uint256 maxCuratorFeeBps; // ceiling of a stack's fee on senior interest (*default* 2000)
    }

    /// @notice What a curator chooses when creating a stack.
    struct StackParams {
        uint256 maxSenior;
        uint16 minFirstLossBps;
        uint16 curatorFeeBps;
    }

    /// @dev Amounts are uint128 (3.4e20 USDai), timestamps uint40, counts uint24.
    struct Stack {
        address curator;
        uint16 minFirstLossBps;
        uint16 curatorFeeBps;
        uint24 loansInDefault;
        uint40 lastAccrual;
        uint128 seniorPrincipal;
        uint128 seniorPending;
        uint128 cash;
        uint128 principalOutstanding;
        uint128 impairment;
        // Unpaid interest of performing loans as of `lastAccrual` (rounded down), and the sum over them
        // of outstanding principal x aprBps: accrued interest is read in O(1) without touching loans.
        uint128 accruedInterest;
        uint128 rateSum;
        uint128 seniorLoss;
        // The stack's part of the registry-wide deposit-NAV accrual, in NAV_SCALE units: senior net
        // interest accrued as of `lastAccrual`, and its rate per second since.
        uint128 seniorAccruedScaled;
        uint128 seniorRateScaled;
        uint256 maxSenior;
    }

    /// @notice Registry-wide senior totals (invariant 4).
    struct SeniorTotals {
        uint256 allocated;
        uint256 returned;
        uint256 lossRealised;
        uint256 interestPaid;
        uint256 swept;
    }

    /// @notice The running totals behind `seniorNav`, two slots. `redemption` = sum over stacks of their
    ///         redemption NAV; `accruedScaled` + `rateScaled` x (now - `updatedAt`) = sum over stacks of
    ///         their accrued senior interest, in NAV_SCALE units; `staleFrom` as in `navState`.
    struct NavTotals {
        uint128 redemption;
        uint128 rateScaled;
        uint168 accruedScaled;
        uint40 updatedAt;
        uint40 staleFrom;
    }

    /// @notice What a waterfall paid on a closed liquidation.
    struct Liquidation {
        uint256 seniorPrincipal;
        uint256 seniorInterest;
        uint256 juniorPrincipal;
        uint256 juniorInterest;
        uint256 surplus;
        uint256 seniorLoss;
    }

    // ---------------------------------------------------------------- errors

    /// @notice Thrown when a configuration address is zero.
    error AddressZero();
    /// @notice Thrown when an amount argument is zero.
    error AmountZero();
    /// @notice Thrown when a stack rule is out of range.
    error StackRulesInvalid(uint256 minFirstLossBps, uint256 maxCuratorFeeBps);
    /// @notice Thrown when a stack is created or run by an address that is not an approved curator.
    error CuratorNotApproved(address curator);
    /// @notice Thrown when a stack's parameters are out of range (first loss below the floor, fee above the ceiling).
    error StackParamsInvalid(uint256 minFirstLossBps, uint256 curatorFeeBps);
    /// @notice Thrown when a stack id does not exist.
    error StackNonexistent(uint256 stackId);
    /// @notice Thrown when a caller other than the stack's curator acts as its curator.
    error StackCuratorOnly(uint256 stackId, address caller);
    /// @notice Thrown when a caller other than the vault allocates or releases senior capital.
    error CallerNotVault(address caller);
    /// @notice Thrown when a caller other than the loan book settles a loan's cash flow.
    error CallerNotLoanBook(address caller);
    /// @notice Thrown when a senior allocation would take the stack above its `maxSenior`.
    error StackSeniorCapExceeded(uint256 stackId, uint256 seniorAfter, uint256 maxSenior);
    /// @notice Thrown when the ledger has not received the USDai an allocation claims to bring.
    error SeniorFundsMissing(uint256 amount, uint256 received);
    /// @notice Thrown when the stack's idle cash (or senior principal) is below what an action needs.
    error StackCapitalInsufficient(uint256 stackId, uint256 needed, uint256 available);
    /// @notice Thrown when junior capital would fall below `minFirstLossBps` of the outstanding principal.
    error FirstLossBelowMinimum(uint256 stackId, uint256 juniorCapital, uint256 required);
    /// @notice Thrown when junior capital is withdrawn while a loan of the stack is in default.
    error StackHasDefault(uint256 stackId, uint256 loansInDefault);
    /// @notice Thrown when junior capital is withdrawn while a loan of the stack is behind its schedule.
    error StackHasDelinquency(uint256 stackId);

    // ---------------------------------------------------------------- events

    event CuratorApprovalUpdated(address indexed curator, bool approved);
    event VaultUpdated(address indexed previous, address indexed current);
    event LoanBookUpdated(address indexed previous, address indexed current);
    event StackRulesUpdated(StackRules previous, StackRules current);
    event StackCreated(
        uint256 indexed stackId, address indexed curator, uint256 maxSenior, uint256 minFirstLossBps, uint256 curatorFeeBps
    );
    event JuniorDeposited(uint256 indexed stackId, address indexed curator, uint256 amount);
    event JuniorWithdrawn(uint256 indexed stackId, address indexed recipient, uint256 amount);
    event SeniorAllocated(uint256 indexed stackId, uint256 amount);
    event SeniorReleased(uint256 indexed stackId, uint256 amount);
    /// @notice A loan's cash flow reached the ledger: `seniorInterest` net of `curatorFee`, `seniorPrincipal`
    ///         returned to the vault.
    event RepaymentSettled(
        uint256 indexed stackId, uint256 interestPaid, uint256 principalPaid, uint256 seniorInterest, uint256 curatorFee, uint256 seniorPrincipal
    );
    /// @notice A stack's carrying value moved (a re-appraisal, a stale appraisal, a default, a repayment).
    event ImpairmentUpdated(uint256 indexed stackId, uint256 previous, uint256 current);
    event LiquidationSettled(uint256 indexed stackId, Liquidation result);
    event SeniorLossRealised(uint256 indexed stackId, uint256 amount);
    event Swept(uint256 indexed stackId, address indexed vault, uint256 amount);
    event Claimed(address indexed account, address indexed recipient, uint256 amount);
    /// @notice The loan book reported a new earliest moment at which a loan becomes markable.
    event StaleFromUpdated(uint256 previous, uint256 current);

    // ---------------------------------------------------------------- governance

    /// @notice Approves or revokes a curator (`CURATOR_ADMIN_ROLE`). A revoked curator keeps running its
    ///         stacks' existing loans but cannot create stacks or originate.
    function setCuratorApproval(address curator, bool approved) external;

    /// @notice Sets the sUSDai vault, the only allocator of senior capital and the recipient of sweeps
    ///         (`DEFAULT_ADMIN_ROLE`).
    function setVault(address vault) external;

    /// @notice Sets the loan book, the only caller of the settlement functions (`DEFAULT_ADMIN_ROLE`).
    /// @dev Warning: the loan book moves the ledger's USDai to borrowers. Only a book deployed by the same
    ///      launch and verified against the manifest belongs here.
    function setLoanBook(address book) external;

    /// @notice Sets the registry-wide stack rules (`DEFAULT_ADMIN_ROLE`).
    function setStackRules(StackRules calldata rules) external;

    /// @notice Stops stack creation, junior deposits, lending (so origination), allocation and release
    ///         (`PAUSER_ROLE`). Repayments, defaults, recoveries, liquidations, sweeps and claims stay open.
    function pause() external;

    /// @notice Resumes (`PAUSER_ROLE`).
    function unpause() external;

    // ---------------------------------------------------------------- curator

    /// @notice Creates a stack run by the caller, an approved curator.
    /// @return stackId The new stack id (starting at 1).
    function createStack(StackParams calldata params) external returns (uint256 stackId);

    /// @notice Pulls `amount` USDai from the stack's curator as junior (first-loss) capital.
    function depositJunior(uint256 stackId, uint256 amount) external;

    /// @notice Pays `amount` of junior capital to `recipient`. Only the stack's curator, only from idle
    ///         cash, only while no loan of the stack is behind its schedule or in default, and only while
    ///         the first-loss ratio still holds.
    function withdrawJunior(uint256 stackId, uint256 amount, address recipient) external;

    // ---------------------------------------------------------------- loan book

    /// @notice Lends `principal` of the stack's cash to `borrower` at `aprBps`. Refused while paused,
    ///         beyond the stack's cash, or if junior capital would fall below the first-loss minimum.
    function lend(uint256 stackId, address borrower, uint256 principal, uint256 aprBps) external;

    /// @notice Pulls `interestPaid + feesPaid + principalPaid` from `payer` (who approved the ledger) and
    ///         shares it: interest and fees (penalty interest, prepayment fees) pro rata to capital (the
    ///         curator's fee from the senior part), the senior share of principal back to the vault. Only
    ///         `interestPaid` settles the stack's accrued interest: fees were never accrued.
    ///         `impairmentAfter` is the loan's new impairment, `impairmentBefore` its previous one.
    function settleRepayment(
        uint256 stackId,
        address payer,
        uint256 interestPaid,
        uint256 feesPaid,
        uint256 principalPaid,
        uint256 aprBps,
        uint256 impairmentBefore,
        uint256 impairmentAfter
    ) external;

    /// @notice A loan of `outstanding` principal at `aprBps` stopped performing: it leaves the accrual
    ///         (with its `interestUnpaid`) and is carried with `impairmentAfter` (was `impairmentBefore`).
    function recordDefault(
        uint256 stackId,
        uint256 outstanding,
        uint256 interestUnpaid,
        uint256 aprBps,
        uint256 impairmentBefore,
        uint256 impairmentAfter
    ) external;

    /// @notice A loan's impairment moved from `previous` to `current` (new evidence on its collateral).
    function updateImpairment(uint256 stackId, uint256 previous, uint256 current) external;

    /// @notice Pulls `amount` USDai from `payer` as a recovery held for a liquidation.
    function pullRecovery(address payer, uint256 amount) external;

    /// @notice Runs the waterfall of a closed liquidation: `recovered` pays senior principal and interest,
    ///         then junior, then the borrower's surplus; the unrecovered rest is absorbed by junior capital
    ///         first and only beyond it by senior principal (a realised loss).
    function settleLiquidation(
        uint256 stackId,
        address borrower,
        uint256 outstanding,
        uint256 interestUnpaid,
        uint256 impairment,
        uint256 recovered
    ) external returns (Liquidation memory result);

    /// @notice The loan book's earliest markable moment changed (see `navState`).
    function setStaleFrom(uint256 staleFrom) external;

    // ---------------------------------------------------------------- anyone

    /// @notice Pays the caller's claimable USDai (curator fees, liquidation surpluses) to `recipient`.
    function claim(address recipient) external returns (uint256 amount);

    // ---------------------------------------------------------------- views

    /// @notice Senior NAV of one stack (see `seniorNav`). The sum over stacks equals `seniorNav()` for the
    ///         redemption NAV exactly; for the deposit NAV `seniorNav()` is at most one wei per stack above
    ///         the sum (each stack's accrual is rounded down on its own), in the vault's favour.
    function stackNav(uint256 stackId) external view returns (uint256 depositNav, uint256 redemptionNav);

    /// @notice Junior capital of a stack: book (C + L - S) and economic (net of impairments, floored at 0).
    function juniorCapital(uint256 stackId) external view returns (uint256 book, uint256 economic);

    /// @notice Stack `stackId` as stored (USDai units; `accruedInterest` as of `lastAccrual`); reverts
    ///         `StackNonexistent` for an unknown id.
    function stack(uint256 stackId) external view returns (Stack memory);
    /// @notice The curator running stack `stackId`; reverts `StackNonexistent` for an unknown id.
    function curatorOf(uint256 stackId) external view returns (address);
    /// @notice Number of stacks created; ids run from 1 to it.
    function stackCount() external view returns (uint256);
    /// @notice USDai `account` may `claim` now (curator fees, liquidation surpluses).
    function claimable(address account) external view returns (uint256);
    /// @notice Registry-wide senior totals since launch, in USDai units: allocated, returned, realised
    ///         losses, net senior interest paid, swept to the vault.
    function seniorTotals() external view returns (SeniorTotals memory);
    /// @notice The running totals behind `seniorNav`, as last written (see `NavTotals`).
    function navTotals() external view returns (NavTotals memory);
    /// @notice Whether `curator` may create stacks and originate loans.
    function isCuratorApproved(address curator) external view returns (bool);
    /// @notice The first-loss floor and curator-fee ceiling (bps) a new stack must meet; existing stacks
    ///         keep the parameters they were created with.
    function stackRules() external view returns (StackRules memory);
    /// @notice The sUSDai vault: sole allocator of senior capital and recipient of sweeps (zero until set).
    function vault() external view returns (address);
    /// @notice The loan book, the only caller of the settlement functions (zero until set).
    function loanBook() external view returns (address);
    /// @notice The USDai token the ledger holds and settles in (fixed at initialization).
    function usdai() external view returns (address);
    /// @notice USDai the ledger must hold (stack cash, senior pending, open recoveries, claimables).
    function accountedUsdai() external view returns (uint256);

    // ---------------------------------------------------------------- constants

    /// @notice The role that may approve and remove curators.
    function CURATOR_ADMIN_ROLE() external view returns (bytes32);

    /// @notice Extra precision of the deposit-NAV accrual (1e9 units per USDai wei). A stack's senior
    ///         rate is rounded down to 1e-9 wei a second: at most 0.03 wei a year of accrual is lost per
    ///         stack, while the largest accrual (1e27 wei x 1e9) still fits the 168 bits it is kept in.
    function NAV_SCALE() external view returns (uint256);

    /// @notice The role that may pause and unpause.
    function PAUSER_ROLE() external view returns (bytes32);
}
