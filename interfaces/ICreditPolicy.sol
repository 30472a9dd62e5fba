// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ICreditTerms
/// @notice The terms a borrower signs and the errors of their checks. Shared by the credit policy, which
///         checks them, and the loan book, whose `originateLoan` raises the same errors (so that callers
///         of the book can decode them).
interface ICreditTerms {
    /// @notice What a borrower signs (EIP-712 `LoanTerms`, domain "GPU Yield Credit Policy" version "1",
    ///         verifying contract: the credit policy).
    struct LoanTerms {
        uint256 stackId;
        address borrower;
        uint256 principal;
        uint256 aprBps;
        uint256 periods;
        uint256 periodLength;
        uint256 prepaymentFeeBps; // must equal the stack's fee when the loan is originated
        uint256[] receiptIds;
        uint256 deadline; // the terms may not be used after this timestamp
        uint256 nonce; // any unused number of the borrower's choice; cancellable
    }

    /// @notice Loan-book risk parameters (governance): checked by the credit policy, held by the book.
    struct RiskParams {
        uint256 maxLtvBps; // principal <= maxLtvBps x sum of appraisals (*default* 7000)
        uint256 liquidationCostBps; // recovery value = appraisals x (1 - liquidationCostBps) (*default* 3000)
        uint256 gracePeriod; // seconds a loan may run behind schedule (*default* 30 days)
        uint256 staleHaircutBps; // what a stale appraisal loses on top (*default* 10000: it supports nothing)
        uint256 maintenanceLtvBps; // above it (on the latest evidence) a loan is in margin call (*default* 8500; maxLtvBps to 10000)
        uint256 curePeriod; // seconds a margin call may stay uncured (*default* 14 days; 1 to 90 days)
        uint256 penaltyBps; // APR added on overdue installments (*default* 500; at most 5000)
        uint256 recoveryPeriod; // a liquidation may close this long after default even if receipts are unsold (*default* 180 days; 30 days to 3 years)
    }

    enum NonceState {
        Unused,
        Used,
        Cancelled
    }

    /// @notice Thrown when signed terms are used after their deadline.
    error TermsExpired(uint256 deadline, uint256 timestamp);
    /// @notice Thrown when the signature is not the borrower's over these exact terms (EOA or ERC-1271).
    error SignatureInvalid(address borrower);
    /// @notice Thrown when the borrower's nonce has already originated a loan.
    error NonceUsed(address borrower, uint256 nonce);
    /// @notice Thrown when the borrower cancelled the nonce.
    error NonceCancelled(address borrower, uint256 nonce);
    /// @notice Thrown when a pledged asset class has no depreciation curve.
    error DepreciationCurveMissing(bytes32 assetClass);
    /// @notice Thrown when risk parameter `name` (a `RiskParams` field) is outside `[min, max]`.
    error RiskParamOutOfRange(string name, uint256 value, uint256 min, uint256 max);
    /// @notice Thrown when the balance after due date `period` would exceed `maxLtvBps` x the depreciated collateral.
    error DepreciationOutpacesSchedule(uint256 period, uint256 balance, uint256 maxBalance);
}

/// @title ICreditPolicy
/// @notice What a loan may be, before the loan book books it: terms its borrower signed (EIP-712,
///         ERC-1271 for contract borrowers, deadline, cancellable nonces), and a schedule that outpaces the
///         depreciation of its collateral (a residual-value curve per asset class, set by governance).
interface ICreditPolicy is ICreditTerms {
    /// @notice Thrown when a configuration address is zero.
    error AddressZero();
    /// @notice Thrown when a caller other than the loan book spends a borrower's consent.
    error CallerNotLoanBook(address caller);
    /// @notice Thrown when a curve is empty, too long, above 100% or rising.
    error DepreciationCurveInvalid(bytes32 assetClass);

    event LoanBookUpdated(address indexed previous, address indexed current);
    event DepreciationCurveUpdated(bytes32 indexed assetClass, uint16[] residualBps);
    event TermsAccepted(address indexed borrower, uint256 indexed nonce, bytes32 digest);
    event NonceCancellation(address indexed borrower, uint256 nonce);

    /// @notice Sets the loan book, the only caller of `consume` (`DEFAULT_ADMIN_ROLE`).
    function setLoanBook(address book) external;

    /// @notice Sets the depreciation curve of an asset class (`DEFAULT_ADMIN_ROLE`): `residualBps[k]` is
    ///         the share of an appraisal left after k months (30 days), non-increasing, the last entry
    ///         holding beyond; `assetClass` is `keccak256(bytes(receipt.assetClass))`. Applies to loans
    ///         originated afterwards.
    function setDepreciationCurve(bytes32 assetClass, uint16[] calldata residualBps) external;

    /// @notice Cancels one of the caller's nonces: terms signed with it can no longer originate a loan.
    function cancelNonce(uint256 nonce) external;

    /// @notice Spends the borrower's consent to `terms`: reverts unless before the deadline, with an unused
    ///         and uncancelled nonce, and signed by the borrower. Only the loan book.
    function consume(LoanTerms calldata terms, bytes calldata signature) external;

    /// @notice Reverts unless, after every due date but the last, the scheduled balance of a level-payment
    ///         loan stays within `maxLtvBps` of its collateral depreciated along the class curves (months
    ///         since origination rounded up). `classes[:count]` and `amounts[:count]` are the appraisals per
    ///         asset class.
    function checkSchedule(
        uint256 principal,
        uint256 aprBps,
        uint256 periods,
        uint256 periodLength,
        uint256 maxLtvBps,
        bytes32[] calldata classes,
        uint256[] calldata amounts
    ) external view;

    /// @notice Reverts with `RiskParamOutOfRange` naming the first field of `risk` outside its bounds:
    ///         LTVs, costs and haircut in (0, 100%] or [0, 100%], maintenance LTV at least the origination
    ///         LTV, grace period at most `MAX_GRACE_PERIOD`, cure and recovery periods and the penalty rate
    ///         within the policy's constants. The loan book calls it before storing new parameters.
    function checkRiskParams(RiskParams calldata risk) external pure;

    /// @notice The EIP-712 digest a borrower signs for `terms`.
    function termsDigest(LoanTerms calldata terms) external view returns (bytes32);
    /// @notice Whether `borrower`'s `nonce` is unused, used by a loan or cancelled.
    function nonceState(address borrower, uint256 nonce) external view returns (NonceState);
    /// @notice The residual-value curve of `assetClass` (bps of an appraisal left after k months); empty
    ///         if none is set (origination against the class reverts `DepreciationCurveMissing`).
    function depreciationCurve(bytes32 assetClass) external view returns (uint16[] memory);
    /// @notice The loan book, the only caller of `consume` (zero until set).
    function loanBook() external view returns (address);

    // ---------------------------------------------------------------- constants

    /// @notice EIP-712 type hash of `LoanTerms` (the struct a borrower signs).
    function LOAN_TERMS_TYPEHASH() external view returns (bytes32);

    /// @notice Longest cure period of a margin call governance may set (90 days).
    function MAX_CURE_PERIOD() external view returns (uint256);

    /// @notice Longest depreciation curve, in months (366: a month per month of a 30-year loan).
    function MAX_CURVE_LENGTH() external view returns (uint256);

    /// @notice Longest grace period: keeps every default deadline within the book's due-date index scan.
    function MAX_GRACE_PERIOD() external view returns (uint256);

    /// @notice Highest penalty rate on overdue installments governance may set (5,000 bps a year on top of the loan rate).
    function MAX_PENALTY_BPS() external view returns (uint256);

    /// @notice Longest recovery period of a liquidation governance may set (3 years).
    function MAX_RECOVERY_PERIOD() external view returns (uint256);

    /// @notice Shortest cure period of a margin call governance may set (1 day).
    function MIN_CURE_PERIOD() external view returns (uint256);

    /// @notice Shortest recovery period of a liquidation governance may set (30 days).
    function MIN_RECOVERY_PERIOD() external view returns (uint256);

    /// @notice A depreciation curve's month, and its longest length (a month per month of a 30-year loan).
    function MONTH() external view returns (uint256);
}
