// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ICreditTerms} from "./ICreditPolicy.sol";

/// @title ILoanBook
/// @notice The FiLo loan book: GPU loans of the ledger's stacks, the CALIBER receipts securing them (in
///         escrow here), their schedules, delinquency, default and liquidation. It never holds USDai:
///         every cash flow is settled by the ledger (`IFiLoRegistry`), which pulls repayments and
///         recoveries from the payer (who approves the ledger) and pays principal to the borrower.
///      A loan exists only on terms its borrower signed, checked and spent by the credit policy
///      (`ICreditPolicy`): a standing `setApprovalForAll` on CALIBER lets the book move the receipts, it
///      is not consent to a loan. The policy also walks the whole schedule against the depreciation
///      curve of each pledged asset class: repayment must outpace depreciation.
/// @dev Carrying value follows the evidence. A loan's collateral is worth its receipts' latest
///      appraisals less the liquidation cost (`liquidationCostBps`), an appraisal older than CALIBER's
///      `maxAppraisalAge` also less `staleHaircutBps`; the loan is impaired by whatever of its principal
///      that value does not cover. A new appraisal reaches the ledger (and the vault's price) in the
///      same transaction (CALIBER calls `onReceiptEvidence`). What only time changes (a due date passing
///      its grace period, an appraisal turning stale) is found in O(1) from a due-date index: the
///      ledger's `navState` reports the earliest such moment and the vault refuses to price from
///      then until someone marks the loan (`markDefault`, `refreshCollateral`).
interface ILoanBook is ICreditTerms {
    // ---------------------------------------------------------------- types

    enum LoanStatus {
        None,
        Active,
        Repaid,
        Defaulted,
        Closed
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
        // Interest and principal paid (penalties and prepayment fees are not part of the schedule).
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
        // Penalty interest accrued on overdue installments and not yet paid.
        uint256 penaltyAccrued;
        uint256 prepaymentFeeBps;
        // The schedule in force: re-amortized by a prepayment over the periods left after due date
        // `rebaseIndex`, from `rebaseBalance`, when `rebasePaid` had been paid (all 0/principal at origination).
        uint256 rebaseIndex;
        uint256 rebaseBalance;
        uint256 rebasePaid;
        // Appraisals behind the loan as last evidenced (casualties at zero; a stale appraisal counts in
        // full here, its haircut applies to the carrying value only): the LTV basis.
        uint256 appraisalTotal;
        // When the open margin call started (0: none), and when the loan was marked defaulted.
        uint256 marginCallAt;
        uint256 defaultedAt;
    }

    // ---------------------------------------------------------------- errors

    /// @notice Thrown when a configuration address is zero.
    error AddressZero();
    // The consent and depreciation errors of `ICreditTerms` are raised by the credit policy and bubble
    // up through `originateLoan`.
    /// @notice Thrown when an amount argument is zero.
    error AmountZero();
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
    /// @notice Thrown when `onReceiptEvidence` is called by anyone but the receipt contract.
    error CallerNotCaliber(address caller);
    /// @notice Thrown when the signed prepayment fee is not the stack's current fee.
    error PrepaymentFeeMismatch(uint256 stackId, uint256 signed, uint256 current);
    /// @notice Thrown when a stack's prepayment fee is set above 500 bps.
    error PrepaymentFeeInvalid(uint256 feeBps);
    /// @notice Thrown when someone other than the loan's borrower acts as its borrower.
    error BorrowerOnly(uint256 loanId, address caller);
    /// @notice Thrown when a receipt does not secure this loan.
    error ReceiptNotInLoan(uint256 receiptId, uint256 loanId);
    /// @notice Thrown when an insurance payout is recorded for a receipt without a reported casualty.
    error CasualtyNotReported(uint256 receiptId);
    /// @notice Thrown when the casualty happened after the policy expired: the policy does not pay.
    error CasualtyAfterPolicyExpiry(uint256 receiptId, uint64 occurredAt, uint64 policyExpiry);
    /// @notice Thrown when the payouts recorded for a receipt would exceed its policy's coverage.
    error InsuranceCoverageExceeded(uint256 receiptId, uint256 paidAfter, uint256 coverage);
    /// @notice Thrown when a liquidation is closed while a receipt is unsold and the recovery period runs.
    error LiquidationOpen(uint256 loanId, uint256 closableAt);

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
    /// @notice An insurer's payout for a casualty on `receiptId` reached the loan (a repayment while it
    ///         performs, a recovery once defaulted).
    event InsurancePayout(uint256 indexed loanId, uint256 indexed receiptId, address indexed payer, uint256 amount);
    /// @notice Penalty interest and a prepayment fee paid by a repayment (shared like interest).
    event LoanFeesPaid(uint256 indexed loanId, uint256 penaltyPaid, uint256 prepaymentFee);
    /// @notice A prepayment re-amortized the periods after due date `fromPeriod` at a new level payment.
    event LoanReamortized(uint256 indexed loanId, uint256 fromPeriod, uint256 balance, uint256 payment);
    /// @notice The loan's LTV went above `maintenanceLtvBps`: cure by `curableUntil` or default.
    event MarginCalled(uint256 indexed loanId, uint256 outstanding, uint256 appraisalTotal, uint256 curableUntil);
    event MarginCallCured(uint256 indexed loanId);
    event ReceiptsPledged(uint256 indexed loanId, uint256[] receiptIds);
    event PrepaymentFeeUpdated(uint256 indexed stackId, uint256 feeBps);

    event LiquidationClosed(uint256 indexed loanId, uint256 indexed stackId);

    // ---------------------------------------------------------------- governance

    /// @notice Sets the loan-book risk parameters (`DEFAULT_ADMIN_ROLE`). Applies to loans as they are
    ///         next valued (originated, repaid, re-appraised, refreshed).
    function setRiskParams(RiskParams calldata params) external;

    // ---------------------------------------------------------------- curator

    /// @notice Lends `terms.principal` from the stack's cash to `terms.borrower`, who signed `terms`
    ///         (`signature`: EIP-712 on the credit policy's domain, or ERC-1271 for a contract borrower),
    ///         against `terms.receiptIds`,
    ///         pulled into escrow (the borrower also approves the book on the receipt contract). Only the
    ///         stack's approved curator.
    /// @dev Checks: curator; terms in range; prepayment fee = the stack's; the policy's deadline, nonce
    ///      (unused, not cancelled) and signature; every receipt financeable, owned by the borrower and not pledged;
    ///      principal <= maxLtvBps x appraisals; after every due date the scheduled balance <= maxLtvBps x
    ///      the appraisals depreciated along their class curves; then the ledger checks the stack's cash
    ///      and first-loss capital (and pause) and pays the borrower.
    /// @return loanId The new loan id (starting at 1).
    function originateLoan(LoanTerms calldata terms, bytes calldata signature) external returns (uint256 loanId);

    /// @notice Sets the fee (bps of the principal prepaid) that loans originated from now on in the stack
    ///         charge on prepayments; at most 500 bps. Only the stack's curator.
    function setPrepaymentFee(uint256 stackId, uint256 feeBps) external;

    /// @notice Closes the liquidation of a defaulted loan (see `IFiLoRegistry.settleLiquidation`; unpaid
    ///         interest and penalty interest are claims of the waterfall) once every pledged receipt is
    ///         sold (Liquidated; lost hardware also insured in full), or `recoveryPeriod` has passed since
    ///         the default. Only the stack's curator or governance.
    function closeLiquidation(uint256 loanId) external;

    // ---------------------------------------------------------------- borrower

    /// @notice Pledges more receipts to an active loan (the borrower's own transaction is its consent),
    ///         for instance to cure a margin call.
    function pledgeReceipts(uint256 loanId, uint256[] calldata receiptIds) external;

    // ---------------------------------------------------------------- anyone

    /// @notice Pays up to `amount` USDai on loan `loanId`: accrued interest, then penalty interest, then the
    ///         principal the schedule asks for up to its next due date; what is left prepays principal
    ///         (less the loan's prepayment fee) and re-amortizes the remaining periods at a lower level
    ///         payment. Only what is owed is pulled (by the ledger: approve the ledger). Full repayment
    ///         returns the receipts. Paying down a margin call's LTV cures it.
    function repay(uint256 loanId, uint256 amount) external returns (uint256 interestPaid, uint256 principalPaid);

    /// @notice Records an insurer's payout for a custodian-reported casualty on `receiptId` of loan
    ///         `loanId`, pulled from the caller: at most the policy's coverage in total, only for a loss
    ///         before the policy's expiry. A performing loan is repaid with it, a defaulted one recovers it.
    function recordInsurancePayout(uint256 loanId, uint256 receiptId, uint256 amount) external;

    /// @notice Marks a loan defaulted when it is behind schedule by more than the grace period, or in a
    ///         margin call uncured for longer than the cure period: it stops
    ///         accruing, is carried at its collateral's recovery value and its receipts go to Liquidating.
    ///         Permissionless.
    function markDefault(uint256 loanId) external;

    /// @notice Re-values a loan's collateral now (an appraisal turned stale, or parameters changed) and
    ///         moves its deadline. Permissionless; a no-op on a loan whose value did not change.
    function refreshCollateral(uint256 loanId) external;

    /// @notice Pulls `amount` USDai from the caller as a recovery on a defaulted loan (sale proceeds).
    function recordRecovery(uint256 loanId, uint256 amount) external;

    /// @notice Called by CALIBER when a pledged receipt is appraised or suffers a casualty: its loan is
    ///         re-valued at once.
    function onReceiptEvidence(uint256 receiptId) external;

    /// @notice Re-reads the due-date index from its head when the head bucket is empty (a deadline beyond
    ///         one scan's reach). Permissionless; the ledger's `staleFrom` (and so the vault) follows.
    function rescanIndex() external;

    // ---------------------------------------------------------------- views

    /// @notice Principal outstanding and interest owed now on a loan.
    function loanDebt(uint256 loanId) external view returns (uint256 outstanding, uint256 interest);

    /// @notice What a payment now would settle before any prepayment: interest, penalty interest, and the
    ///         principal the schedule asks for up to its next due date.
    function amountDue(uint256 loanId) external view returns (uint256 interest, uint256 penalty, uint256 principal);

    /// @notice True when `markDefault(loanId)` would succeed now.
    function isDelinquent(uint256 loanId) external view returns (bool);

    /// @notice True when any open loan of the stack is behind its schedule now, in margin call, or
    ///         defaulted (junior capital stays while it is). Bounded by `MAX_OPEN_LOANS_PER_STACK`.
    function hasDelinquency(uint256 stackId) external view returns (bool);

    /// @notice The schedule in force after due date `k`: remaining principal and cumulative scheduled
    ///         payments (interest and principal). After a re-amortization, `k` before it reads as the
    ///         re-amortization point.
    function scheduleAt(uint256 loanId, uint256 k) external view returns (uint256 balance, uint256 paidTotal);

    /// @notice The moment loan `loanId` next becomes markable (0 if never).
    function deadlineOf(uint256 loanId) external view returns (uint256);

    /// @notice Start of the hour in which the first loan becomes markable (`type(uint256).max` if none).
    function staleFrom() external view returns (uint256);

    /// @notice Loan `loanId` as stored (USDai units; accruals as of `lastAccrual`, `loanDebt` for now);
    ///         reverts `LoanNonexistent` for an unknown id.
    function loan(uint256 loanId) external view returns (Loan memory);
    /// @notice Number of loans originated; ids run from 1 to it.
    function loanCount() external view returns (uint256);
    /// @notice The live loan a pledged receipt secures (0 if none).
    function loanOfReceipt(uint256 receiptId) external view returns (uint256);
    /// @notice Ids of stack `stackId`'s open loans (active, or defaulted and not yet closed), in no set
    ///         order; at most `MAX_OPEN_LOANS_PER_STACK`.
    function openLoans(uint256 stackId) external view returns (uint256[] memory);
    /// @notice The risk parameters in force (see `RiskParams`).
    function riskParams() external view returns (RiskParams memory);
    /// @notice The stack's prepayment fee in bps, which new terms must sign; a loan keeps the fee it was
    ///         originated with (`Loan.prepaymentFeeBps`).
    function prepaymentFeeOf(uint256 stackId) external view returns (uint256);
    /// @notice Insurance payouts recorded for a receipt so far.
    function insurancePaid(uint256 receiptId) external view returns (uint256);
    /// @notice The credit policy (`ICreditPolicy`) that checks and spends borrowers' consent.
    function policy() external view returns (address);
    /// @notice The FiLo ledger (`IFiLoRegistry`) that settles every cash flow (fixed at initialization).
    function ledger() external view returns (address);
    /// @notice The CALIBER receipt contract whose receipts secure the loans (fixed at initialization).
    function caliber() external view returns (address);

    // ---------------------------------------------------------------- constants

    /// @notice Granularity of the due-date index: a loan's deadline is filed under the hour it falls in,
    ///         and the vault stops pricing from the start of that hour (up to an hour early, never late).
    function BUCKET() external view returns (uint256);

    /// @notice Highest loan rate (100% a year): beyond it a typo is likelier than a deal.
    function MAX_APR_BPS() external view returns (uint256);

    /// @notice Bounds `hasDelinquency`, which a junior withdrawal runs over the stack's open loans.
    function MAX_OPEN_LOANS_PER_STACK() external view returns (uint256);

    /// @notice Longest schedule: bounds a schedule walk.
    function MAX_PERIODS() external view returns (uint256);

    /// @notice Longest payment period of a loan (365 days).
    function MAX_PERIOD_LENGTH() external view returns (uint256);

    /// @notice Bounds the receipt loops of origination, valuation and release.
    function MAX_RECEIPTS_PER_LOAN() external view returns (uint256);

    /// @notice Words of the index bitmap (256 hours each, about 10.7 days) one scan reads at most
    ///         (about 1.9 years); a deadline beyond is found by `rescanIndex` as time gets closer.
    function MAX_SCAN_WORDS() external view returns (uint256);

    /// @notice Longest loan (30 years): also keeps `(1 + r)^n` of the annuity far inside 256 bits.
    function MAX_TERM() external view returns (uint256);

    /// @notice Shortest payment period of a loan (1 day).
    function MIN_PERIOD_LENGTH() external view returns (uint256);
}
