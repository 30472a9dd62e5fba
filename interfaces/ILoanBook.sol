// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ILoanBook
/// @notice The FiLo loan book: GPU loans of the ledger's stacks, the CALIBER receipts securing them (in
///         escrow here), their schedules, delinquency, default and liquidation. It never holds USDai:
///         every cash flow is settled by the ledger (`IFiLoRegistry`), which pulls repayments and
///         recoveries from the payer (who approves the ledger) and pays principal to the borrower.
/// @dev Carrying value follows the evidence. A loan's collateral is worth its receipts' latest
///      appraisals less the liquidation cost (`liquidationCostBps`), an appraisal older than CALIBER's
///      `maxAppraisalAge` also less `staleHaircutBps`; the loan is impaired by whatever of its principal
///      that value does not cover. A new appraisal reaches the ledger (and the vault's price) in the
///      same transaction (CALIBER calls `onAppraisal`). What only time changes (a due date passing
///      its grace period, an appraisal turning stale) is found in O(1) from a due-date index: the
///      ledger's `navState` reports the earliest such moment and the vault refuses to price from
///      then until someone marks the loan (`markDefault`, `refreshCollateral`).
interface ILoanBook {
    // ---------------------------------------------------------------- types

    enum LoanStatus {
        None,
        Active,
        Repaid,
        Defaulted,
        Closed
    }

    /// @notice Loan-book risk parameters (governance).
    struct RiskParams {
        uint256 maxLtvBps; // principal <= maxLtvBps x sum of appraisals (*default* 7000)
        uint256 liquidationCostBps; // recovery value = appraisals x (1 - liquidationCostBps) (*default* 3000)
        uint256 gracePeriod; // seconds a loan may run behind schedule (*default* 30 days)
        uint256 staleHaircutBps; // what a stale appraisal loses on top (*default* 10000: it supports nothing)
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
        // Recovery value of the collateral as last evidenced, and when its freshest-expiring appraisal
        // turns stale (0 once every appraisal is counted stale).
        uint256 collateralValue;
        uint256 appraisalExpiry;
        // Schedule cursor: the first due date (counted from 1) not yet covered by payments, with the
        // scheduled balance and cumulative payments after it. Only moves forward.
        uint256 dueIndex;
        uint256 dueBalance;
        uint256 duePaidTotal;
        // Hour bucket under which the loan sits in the due-date index (0: not indexed).
        uint256 deadlineBucket;
        uint256[] receiptIds;
    }

    // ---------------------------------------------------------------- errors

    /// @notice Thrown when a configuration address is zero.
    error AddressZero();
    /// @notice Thrown when an amount argument is zero.
    error AmountZero();
    /// @notice Thrown when a risk parameter is out of range.
    error RiskParamsInvalid();
    /// @notice Thrown when a caller other than the stack's curator originates for it.
    error StackCuratorOnly(uint256 stackId, address caller);
    /// @notice Thrown when the caller is not an approved curator.
    error CuratorNotApproved(address curator);
    /// @notice Thrown when loan terms are out of range (principal, rate, periods, period length).
    error LoanTermsInvalid(uint256 principal, uint256 aprBps, uint256 periods, uint256 periodLength);
    /// @notice Thrown when a loan names no receipts or more than `MAX_RECEIPTS_PER_LOAN`.
    error ReceiptCountInvalid(uint256 count);
    /// @notice Thrown when a stack already has `MAX_OPEN_LOANS_PER_STACK` loans open.
    error StackLoansExceeded(uint256 stackId, uint256 maximum);
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
    /// @notice Thrown when `onAppraisal` is called by anyone but the receipt contract.
    error CallerNotCaliber(address caller);
    /// @notice Thrown when a caller other than the ledger asks for a stack scan.
    error CallerNotLedger(address caller);

    // ---------------------------------------------------------------- events

    event RiskParamsUpdated(RiskParams previous, RiskParams current);
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
    /// @notice Emitted by `repay` (the ledger's `RepaymentSettled` has the split).
    event LoanRepayment(uint256 indexed loanId, address indexed payer, uint256 interestPaid, uint256 principalPaid);
    event LoanRepaid(uint256 indexed loanId);
    event LoanDefaulted(uint256 indexed loanId, uint256 outstanding, uint256 interestUnpaid, uint256 impairment);
    /// @notice The loan's collateral was re-valued (a new appraisal, or one turning stale).
    event CollateralRevalued(uint256 indexed loanId, uint256 collateralValue, uint256 impairment);
    /// @notice The loan's next markable moment (0: none): a keeper marks it from then on.
    event LoanDeadlineUpdated(uint256 indexed loanId, uint256 deadline);
    event RecoveryRecorded(uint256 indexed loanId, address indexed payer, uint256 amount);
    event LiquidationClosed(uint256 indexed loanId, uint256 indexed stackId);

    // ---------------------------------------------------------------- governance

    /// @notice Sets the loan-book risk parameters (`DEFAULT_ADMIN_ROLE`). Applies to loans as they are
    ///         next valued (originated, repaid, re-appraised, refreshed).
    function setRiskParams(RiskParams calldata params) external;

    // ---------------------------------------------------------------- curator

    /// @notice Lends `principal` from the stack's cash to `borrower` against `receiptIds`, which are pulled
    ///         into escrow (the borrower must have approved the book on the receipt contract).
    /// @dev Checks: approved curator of the stack; terms in range; every receipt financeable, owned by the
    ///      borrower and not pledged; principal <= maxLtvBps x appraisals; then the ledger checks the
    ///      stack's cash and first-loss capital and pays the borrower.
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

    /// @notice Closes the liquidation of a defaulted loan (see `IFiLoRegistry.settleLiquidation`). Only the
    ///         stack's curator or governance.
    function closeLiquidation(uint256 loanId) external;

    // ---------------------------------------------------------------- anyone

    /// @notice Pays up to `amount` USDai on loan `loanId`: accrued interest first, then principal; only what
    ///         is owed is pulled (by the ledger: approve the ledger). Full repayment returns the receipts.
    function repay(uint256 loanId, uint256 amount) external returns (uint256 interestPaid, uint256 principalPaid);

    /// @notice Marks a loan defaulted when it is behind schedule by more than the grace period: it stops
    ///         accruing, is carried at its collateral's recovery value and its receipts go to Liquidating.
    ///         Permissionless.
    function markDefault(uint256 loanId) external;

    /// @notice Re-values a loan's collateral now (an appraisal turned stale, or parameters changed) and
    ///         moves its deadline. Permissionless; a no-op on a loan whose value did not change.
    function refreshCollateral(uint256 loanId) external;

    /// @notice Pulls `amount` USDai from the caller as a recovery on a defaulted loan (sale proceeds).
    function recordRecovery(uint256 loanId, uint256 amount) external;

    /// @notice Called by CALIBER when a receipt is appraised: a pledged receipt's loan is re-valued at once.
    function onAppraisal(uint256 receiptId) external;

    // ---------------------------------------------------------------- views

    /// @notice Principal outstanding and interest owed now on a loan.
    function loanDebt(uint256 loanId) external view returns (uint256 outstanding, uint256 interest);

    /// @notice True when `markDefault(loanId)` would succeed now.
    function isDelinquent(uint256 loanId) external view returns (bool);

    /// @notice True when any open loan of the stack is behind its schedule now (or defaulted). Bounded by
    ///         `MAX_OPEN_LOANS_PER_STACK`.
    function hasDelinquency(uint256 stackId) external view returns (bool);

    /// @notice The loan's schedule after `k` on-time payments: remaining principal and cumulative payments.
    function scheduleAt(uint256 loanId, uint256 k) external view returns (uint256 balance, uint256 paidTotal);

    /// @notice The moment loan `loanId` next becomes markable (0 if never).
    function deadlineOf(uint256 loanId) external view returns (uint256);

    /// @notice Start of the hour in which the first loan becomes markable (`type(uint256).max` if none).
    function staleFrom() external view returns (uint256);

    function loan(uint256 loanId) external view returns (Loan memory);
    function loanCount() external view returns (uint256);
    /// @notice The live loan a pledged receipt secures (0 if none).
    function loanOfReceipt(uint256 receiptId) external view returns (uint256);
    function openLoans(uint256 stackId) external view returns (uint256[] memory);
    function riskParams() external view returns (RiskParams memory);
    function ledger() external view returns (address);
    function caliber() external view returns (address);
}
