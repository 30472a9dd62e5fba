// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ISeniorCapital} from "./ISeniorCapital.sol";

/// @title IFiLoRegistry
/// @notice First-loss (FiLo) stacks of GPU loans. A stack is an isolated pool run by one approved curator:
///         senior capital from the sUSDai vault and junior (first-loss) capital from the curator fund its
///         loans together; each loan is secured by CALIBER receipts held in escrow.
/// @dev Stack accounting (all USDai units, 18 decimals):
///      - `cash` C: idle USDai of the stack (senior and junior alike);
///      - `principalOutstanding` L: principal of the stack's live loans (performing and defaulted);
///      - `seniorPrincipal` S: the vault's principal claim on C + L;
///      - junior capital J = C + L - S (book) and C + L - impairment - S (economic), never below 0;
///      - `seniorPending`: senior principal returned and net senior interest, held for the vault until `sweep`.
///      Interest and principal repayments are shared pro rata to capital (S : C + L); the senior share of
///      repaid principal goes back to the vault. Losses are absorbed by J first: S is reduced (a realised
///      senior loss) only by what exceeds J. Invariant: sum of S over stacks == allocated - returned - lost.
interface IFiLoRegistry is ISeniorCapital {
    // ---------------------------------------------------------------- types

    enum LoanStatus {
        None,
        Active,
        Repaid,
        Defaulted,
        Closed
    }

    /// @notice Registry-wide risk parameters (governance).
    struct RiskParams {
        uint256 minFirstLossBps; // floor of every stack's first-loss ratio (*default* 1000)
        uint256 maxLtvBps; // principal <= maxLtvBps x sum of appraisals (*default* 7000)
        uint256 liquidationCostBps; // haircut on appraisals of a defaulted loan (*default* 3000)
        uint256 maxCuratorFeeBps; // ceiling of a stack's fee on senior interest (*default* 2000)
        uint256 gracePeriod; // seconds a loan may run behind schedule (*default* 30 days)
    }

    /// @notice What a curator chooses when creating a stack.
    struct StackParams {
        uint256 maxSenior;
        uint16 minFirstLossBps;
        uint16 curatorFeeBps;
    }

    /// @dev Packed so that a stack's NAV (read for every stack on every vault price) touches five
    ///      slots: amounts are uint128 (3.4e20 USDai), timestamps uint40, counts uint24.
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
        uint256 maxSenior;
    }

    struct Loan {
        uint256 stackId;
        address borrower;
        LoanStatus status;
        uint256 aprBps;
        uint256 periods;
        uint256 periodLength;
        uint256 start;
        uint256 lastAccrual;
        uint256 principal;
        uint256 payment;
        uint256 outstanding;
        uint256 interestAccrued;
        uint256 totalPaid;
        uint256 impairment;
        uint256 recovered;
        uint256[] receiptIds;
    }

    /// @notice Registry-wide senior totals (invariant 4).
    struct SeniorTotals {
        uint256 allocated;
        uint256 returned;
        uint256 lossRealised;
        uint256 interestPaid;
        uint256 swept;
    }

    /// @notice What a waterfall paid on `closeLiquidation`.
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
    /// @notice Thrown when a risk parameter is out of range.
    error RiskParamsInvalid();
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
    /// @notice Thrown when a senior allocation would take the stack above its `maxSenior`.
    error StackSeniorCapExceeded(uint256 stackId, uint256 seniorAfter, uint256 maxSenior);
    /// @notice Thrown when the registry has not received the USDai an allocation claims to bring.
    error SeniorFundsMissing(uint256 amount, uint256 received);
    /// @notice Thrown when the stack's idle cash (or senior principal) is below what an action needs.
    error StackCapitalInsufficient(uint256 stackId, uint256 needed, uint256 available);
    /// @notice Thrown when junior capital would fall below `minFirstLossBps` of the outstanding principal.
    error FirstLossBelowMinimum(uint256 stackId, uint256 juniorCapital, uint256 required);
    /// @notice Thrown when junior capital is withdrawn while a loan of the stack is in default.
    error StackHasDefault(uint256 stackId, uint256 loansInDefault);
    /// @notice Thrown when loan terms are out of range (principal, rate, periods, period length).
    error LoanTermsInvalid(uint256 principal, uint256 aprBps, uint256 periods, uint256 periodLength);
    /// @notice Thrown when a loan names no receipts or more than `MAX_RECEIPTS_PER_LOAN`.
    error ReceiptCountInvalid(uint256 count);
    // The five receipt errors below are raised by `ICaliberReceipt.checkPledgeable` (same selectors) and
    // bubble up through `originateLoan`; they are declared here too so that callers can decode them.
    /// @notice Thrown when a receipt is already pledged to a loan.
    error ReceiptAlreadyPledged(uint256 receiptId);
    /// @notice Thrown when a receipt is not owned by the borrower.
    error ReceiptNotOwned(uint256 receiptId, address owner, address borrower);
    /// @notice Thrown when a receipt is not Active (never minted, released, liquidated...).
    error ReceiptNotFinanceable(uint256 receiptId, uint8 status);
    /// @notice Thrown when a receipt's appraisal is older than the receipt contract's `maxAppraisalAge`.
    error ReceiptAppraisalStale(uint256 receiptId, uint64 appraisedAt);
    /// @notice Thrown when a receipt's insurance policy has expired.
    error ReceiptInsuranceLapsed(uint256 receiptId, uint64 policyExpiry);
    /// @notice Thrown when the principal exceeds `maxLtvBps` of the receipts' appraisals.
    error LoanToValueExceeded(uint256 principal, uint256 maxPrincipal);
    /// @notice Thrown when a loan id does not exist.
    error LoanNonexistent(uint256 loanId);
    /// @notice Thrown when an action needs a loan in another status.
    error LoanStatusInvalid(uint256 loanId, LoanStatus status);
    /// @notice Thrown when a loan is marked defaulted while it is not behind schedule by more than the grace period.
    error LoanNotDelinquent(uint256 loanId);
    /// @notice Thrown when the caller may not close this liquidation (only the stack's curator or governance).
    error LiquidationCloserInvalid(uint256 loanId, address caller);

    // ---------------------------------------------------------------- events

    event CuratorApprovalUpdated(address indexed curator, bool approved);
    event VaultUpdated(address indexed previous, address indexed current);
    event RiskParamsUpdated(RiskParams previous, RiskParams current);
    event StackCreated(
        uint256 indexed stackId, address indexed curator, uint256 maxSenior, uint256 minFirstLossBps, uint256 curatorFeeBps
    );
    event JuniorDeposited(uint256 indexed stackId, address indexed curator, uint256 amount);
    event JuniorWithdrawn(uint256 indexed stackId, address indexed recipient, uint256 amount);
    event SeniorAllocated(uint256 indexed stackId, uint256 amount);
    event SeniorReleased(uint256 indexed stackId, uint256 amount);
    event LoanOriginated(
        uint256 indexed loanId,
        uint256 indexed stackId,
        address indexed borrower,
        uint256 principal,
        uint256 aprBps,
        uint256 periods,
        uint256 periodLength,
        uint256 payment
    );
    /// @notice Emitted by `repay`: `seniorInterest` net of `curatorFee`, `seniorPrincipal` returned to the vault.
    event LoanRepayment(
        uint256 indexed loanId,
        address indexed payer,
        uint256 interestPaid,
        uint256 principalPaid,
        uint256 seniorInterest,
        uint256 curatorFee,
        uint256 seniorPrincipal
    );
    event LoanRepaid(uint256 indexed loanId);
    event LoanDefaulted(uint256 indexed loanId, uint256 outstanding, uint256 interestUnpaid, uint256 impairment);
    event RecoveryRecorded(uint256 indexed loanId, address indexed payer, uint256 amount);
    event LiquidationClosed(uint256 indexed loanId, uint256 indexed stackId, Liquidation result);
    event SeniorLossRealised(uint256 indexed stackId, uint256 amount);
    event Swept(uint256 indexed stackId, address indexed vault, uint256 amount);
    event Claimed(address indexed account, address indexed recipient, uint256 amount);

    // ---------------------------------------------------------------- governance

    /// @notice Approves or revokes a curator (`CURATOR_ADMIN_ROLE`). A revoked curator keeps running its
    ///         stacks' existing loans but cannot create stacks or originate.
    function setCuratorApproval(address curator, bool approved) external;

    /// @notice Sets the sUSDai vault, the only allocator of senior capital and the recipient of sweeps
    ///         (`DEFAULT_ADMIN_ROLE`).
    function setVault(address vault) external;

    /// @notice Sets the registry-wide risk parameters (`DEFAULT_ADMIN_ROLE`).
    function setRiskParams(RiskParams calldata params) external;

    /// @notice Stops stack creation, junior deposits and originations (`PAUSER_ROLE`). Repayments,
    ///         defaults, recoveries, liquidations, sweeps and claims stay open.
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
    ///         cash, only while no loan of the stack is in default and the first-loss ratio still holds.
    function withdrawJunior(uint256 stackId, uint256 amount, address recipient) external;

    /// @notice Lends `principal` from the stack's cash to `borrower` against `receiptIds`, which are pulled
    ///         into escrow (the borrower must have approved the registry on the receipt contract).
    /// @dev Checks: approved curator of the stack; terms in range; every receipt financeable, owned by the
    ///      borrower and not pledged; principal <= maxLtvBps x appraisals; principal <= stack cash; junior
    ///      capital >= minFirstLossBps x outstanding principal after origination.
    /// @return loanId The new loan id (starting at 1).
    function originateLoan(
        uint256 stackId,
        address borrower,
        uint256 principal,
        uint256 aprBps,
        uint256 periods,
        uint256 periodLength,
        uint256[] calldata receiptIds
    ) external returns (uint256 loanId);

    /// @notice Closes the liquidation of a defaulted loan: the recoveries go down the waterfall (senior
    ///         principal, senior interest, junior principal, junior interest, surplus to the borrower); a
    ///         shortfall is absorbed by the stack's junior capital and only beyond it by senior principal.
    ///         Only the stack's curator or governance.
    function closeLiquidation(uint256 loanId) external;

    // ---------------------------------------------------------------- anyone

    /// @notice Pays up to `amount` USDai on loan `loanId`: accrued interest first, then principal; only what
    ///         is owed is pulled. Full repayment returns the receipts (Active) to the borrower.
    function repay(uint256 loanId, uint256 amount) external returns (uint256 interestPaid, uint256 principalPaid);

    /// @notice Marks a loan defaulted when it is behind schedule by more than the grace period: it stops
    ///         accruing, is carried at min(outstanding, appraisals x (1 - liquidationCostBps)) in NAV and its
    ///         receipts go to Liquidating. Permissionless.
    function markDefault(uint256 loanId) external;

    /// @notice Pulls `amount` USDai from the caller as a recovery on a defaulted loan (sale proceeds).
    function recordRecovery(uint256 loanId, uint256 amount) external;

    /// @notice Pays the caller's claimable USDai (curator fees, liquidation surpluses) to `recipient`.
    function claim(address recipient) external returns (uint256 amount);

    // ---------------------------------------------------------------- views

    /// @notice Senior NAV of one stack (see `seniorNav`).
    function stackNav(uint256 stackId) external view returns (uint256 depositNav, uint256 redemptionNav);

    /// @notice Junior capital of a stack: book (C + L - S) and economic (net of impairments, floored at 0).
    function juniorCapital(uint256 stackId) external view returns (uint256 book, uint256 economic);

    /// @notice Principal outstanding and interest owed now on a loan.
    function loanDebt(uint256 loanId) external view returns (uint256 outstanding, uint256 interest);

    /// @notice True when `markDefault(loanId)` would succeed now.
    function isDelinquent(uint256 loanId) external view returns (bool);

    /// @notice The loan's schedule after `k` on-time payments: remaining principal and cumulative payments.
    function scheduleAt(uint256 loanId, uint256 k) external view returns (uint256 balance, uint256 paidTotal);

    function stack(uint256 stackId) external view returns (Stack memory);
    function loan(uint256 loanId) external view returns (Loan memory);
    function stackCount() external view returns (uint256);
    function loanCount() external view returns (uint256);
    /// @notice The live loan a pledged receipt secures (0 if none).
    function loanOfReceipt(uint256 receiptId) external view returns (uint256);
    function claimable(address account) external view returns (uint256);
    function seniorTotals() external view returns (SeniorTotals memory);
    function isCuratorApproved(address curator) external view returns (bool);
    function riskParams() external view returns (RiskParams memory);
    function vault() external view returns (address);
    function usdai() external view returns (address);
    function caliber() external view returns (address);
}
