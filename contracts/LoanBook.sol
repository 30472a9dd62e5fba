// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";

import {ILoanBook} from "../interfaces/ILoanBook.sol";
import {ICreditPolicy} from "../interfaces/ICreditPolicy.sol";
import {IFiLoRegistry} from "../interfaces/IFiLoRegistry.sol";
import {ICaliberReceipt} from "../interfaces/ICaliberReceipt.sol";
import {AmortizationLib} from "./libraries/AmortizationLib.sol";

/// @title LoanBook
/// @notice GPU loans of the FiLo stacks and the CALIBER receipts in escrow behind them: origination,
///         schedules, repayment, delinquency, default, collateral valuation, liquidation. Holds no
///         USDai: every cash flow settles in the ledger (`FiLoRegistry`). See `ILoanBook`.
contract LoanBook is ILoanBook, AccessControlUpgradeable {
    // ---------------------------------------------------------------- constants

    uint256 internal constant BPS = 1e4;
    /// @notice Highest loan rate (100% a year): beyond it a typo is likelier than a deal.
    uint256 public constant MAX_APR_BPS = 10_000;
    /// @notice Longest schedule: bounds a schedule walk.
    uint256 public constant MAX_PERIODS = 360;
    uint256 public constant MIN_PERIOD_LENGTH = 1 days;
    uint256 public constant MAX_PERIOD_LENGTH = 365 days;
    /// @notice Longest loan (30 years): also keeps `(1 + r)^n` of the annuity far inside 256 bits.
    uint256 public constant MAX_TERM = 30 * 365 days;
    /// @notice Bounds the receipt loops of origination, valuation and release.
    uint256 public constant MAX_RECEIPTS_PER_LOAN = 32;
    /// @notice Bounds `hasDelinquency`, which a junior withdrawal runs over the stack's open loans.
    uint256 public constant MAX_OPEN_LOANS_PER_STACK = 128;
    /// @notice Granularity of the due-date index: a loan's deadline is filed under the hour it falls in,
    ///         and the vault stops pricing from the start of that hour (up to an hour early, never late).
    uint256 public constant BUCKET = 1 hours;
    /// @notice Words of the index bitmap (256 hours each, about 10.7 days) one scan reads at most
    ///         (about 1.9 years); a deadline beyond is found by `rescanIndex` as time gets closer.
    uint256 public constant MAX_SCAN_WORDS = 64;
    uint256 internal constant NONE = type(uint256).max;
    /// @dev Highest prepayment fee a stack may charge (internal: a public getter costs bytecode the book
    ///      lacks). The bounds of the risk parameters are the credit policy's (`checkRiskParams`).
    uint256 internal constant MAX_PREPAYMENT_FEE_BPS = 500;

    // ---------------------------------------------------------------- storage

    /// @dev Appraisals of the receipts offered for a loan, in total and per distinct asset class.
    struct Collateral {
        uint256 total;
        uint256 count;
        bytes32[] classes;
        uint256[] amounts;
    }

    /// @dev How one payment was booked.
    struct Payment {
        uint256 interest;
        uint256 penalty;
        uint256 principal; // scheduled and prepaid
        uint256 prepaid;
        uint256 fee;
        uint256 target; // the due date the scheduled part covers
    }

    /// @custom:storage-location erc7201:gpuyield.storage.LoanBook
    struct LoanBookStorage {
        IFiLoRegistry ledger;
        ICaliberReceipt caliber;
        RiskParams risk;
        uint256 loanCount;
        // Smallest hour bucket holding a loan's deadline (NONE when the index is empty), and how many
        // loans the index holds.
        uint256 nextBucket;
        uint256 indexedLoans;
        mapping(uint256 => Loan) loans;
        mapping(uint256 => uint256) loanOfReceipt;
        mapping(uint256 => uint256) bucketCount;
        mapping(uint256 => uint256) bucketBitmap;
        mapping(uint256 => uint256[]) openLoans;
        mapping(uint256 => uint256) openIndex;
        ICreditPolicy policy;
        mapping(uint256 => uint256) prepaymentFeeBps;
        mapping(uint256 => uint256) insurancePaid;
    }

    // keccak256(abi.encode(uint256(keccak256("gpuyield.storage.LoanBook")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x3fef9271071ed809db58c24c7d1cc1e48b0561dbaba5c6d160b322fae43c0f00;

    function _s() private pure returns (LoanBookStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    // ---------------------------------------------------------------- initializer

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @param admin Governance (`DEFAULT_ADMIN_ROLE`): risk parameters, closing liquidations.
    function initialize(
        address admin,
        address ledger_,
        address caliber_,
        address policy_,
        RiskParams calldata risk
    ) external initializer {
        if (admin == address(0) || ledger_ == address(0) || caliber_ == address(0) || policy_ == address(0)) {
            revert AddressZero();
        }
        __AccessControl_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        LoanBookStorage storage $ = _s();
        $.ledger = IFiLoRegistry(ledger_);
        $.caliber = ICaliberReceipt(caliber_);
        $.policy = ICreditPolicy(policy_);
        $.nextBucket = NONE;
        _setRiskParams(risk);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc ILoanBook
    function setRiskParams(RiskParams calldata risk) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setRiskParams(risk);
    }

    // ---------------------------------------------------------------- curator

    /// @inheritdoc ILoanBook
    function originateLoan(LoanTerms calldata terms, bytes calldata signature) external returns (uint256 loanId) {
        // The borrower's consent, spent first by the policy (which reverts unless it holds).
        _s().policy.consume(terms, signature);
        return _originate(terms);
    }

    /// @inheritdoc ILoanBook
    function setPrepaymentFee(uint256 stackId, uint256 feeBps) external {
        if (_s().ledger.curatorOf(stackId) != msg.sender) revert StackCuratorOnly(stackId, msg.sender);
        if (feeBps > MAX_PREPAYMENT_FEE_BPS) revert PrepaymentFeeInvalid(feeBps);
        _s().prepaymentFeeBps[stackId] = feeBps;
        emit PrepaymentFeeUpdated(stackId, feeBps);
    }

    /// @inheritdoc ILoanBook
    function closeLiquidation(uint256 loanId) external {
        LoanBookStorage storage $ = _s();
        Loan storage ln = _loan(loanId);
        if (ln.status != LoanStatus.Defaulted) revert LoanStatusInvalid(loanId, ln.status);
        if (msg.sender != $.ledger.curatorOf(ln.stackId) && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert LiquidationCloserInvalid(loanId, msg.sender);
        }
        // The collateral must be gone (every receipt sold and burned: Liquidated), or the recovery period
        // over: recoveries are recorded until then, none is stranded by an early close.
        uint256 closableAt = ln.defaultedAt + $.risk.recoveryPeriod;
        if (block.timestamp < closableAt) {
            uint256[] storage ids = ln.receiptIds;
            for (uint256 i; i < ids.length; ++i) {
                if (!_recovered(ids[i])) revert LiquidationOpen(loanId, closableAt);
            }
        }
        // Effects: the loan leaves the book and the index. The receipts stay in escrow, Liquidating, until
        // the custodian burns them after the sale.
        ln.status = LoanStatus.Closed;
        _clearReceipts(ln);
        _closeOpen(loanId, ln.stackId);
        _reindex(loanId, ln);
        emit LiquidationClosed(loanId, ln.stackId);
        // Penalty interest is owed like interest: recoveries pay it before any surplus reaches the borrower.
        $.ledger.settleLiquidation(
            ln.stackId, ln.borrower, ln.outstanding, ln.interestAccrued + ln.penaltyAccrued, ln.impairment, ln.recovered
        );
    }

    // ---------------------------------------------------------------- borrower

    /// @inheritdoc ILoanBook
    function pledgeReceipts(uint256 loanId, uint256[] calldata receiptIds) external {
        LoanBookStorage storage $ = _s();
        Loan storage ln = _loan(loanId);
        if (ln.status != LoanStatus.Active) revert LoanStatusInvalid(loanId, ln.status);
        if (msg.sender != ln.borrower) revert BorrowerOnly(loanId, msg.sender);
        uint256 count = ln.receiptIds.length + receiptIds.length;
        if (receiptIds.length == 0 || count > MAX_RECEIPTS_PER_LOAN) revert ReceiptCountInvalid(count);
        _checkReceipts(loanId, ln.borrower, receiptIds);
        for (uint256 i; i < receiptIds.length; ++i) {
            ln.receiptIds.push(receiptIds[i]);
        }
        emit ReceiptsPledged(loanId, receiptIds);
        _revalue(loanId, ln);
        _pullReceipts(ln.borrower, receiptIds);
    }

    // ---------------------------------------------------------------- anyone

    /// @inheritdoc ILoanBook
    function repay(uint256 loanId, uint256 amount) external returns (uint256 interestPaid, uint256 principalPaid) {
        Loan storage ln = _loan(loanId);
        if (ln.status != LoanStatus.Active) revert LoanStatusInvalid(loanId, ln.status);
        if (amount == 0) revert AmountZero();
        (interestPaid, principalPaid,) = _repay(loanId, ln, amount, true);
    }

    /// @inheritdoc ILoanBook
    function recordInsurancePayout(uint256 loanId, uint256 receiptId, uint256 amount) external {
        LoanBookStorage storage $ = _s();
        Loan storage ln = _loan(loanId);
        if ($.loanOfReceipt[receiptId] != loanId) revert ReceiptNotInLoan(receiptId, loanId);
        if (amount == 0) revert AmountZero();
        (uint64 occurredAt, uint256 coverage, uint64 policyExpiry) = $.caliber.casualty(receiptId);
        if (occurredAt == 0) revert CasualtyNotReported(receiptId);
        if (occurredAt > policyExpiry) revert CasualtyAfterPolicyExpiry(receiptId, occurredAt, policyExpiry);
        uint256 paidBefore = $.insurancePaid[receiptId];
        if (paidBefore + amount > coverage) revert InsuranceCoverageExceeded(receiptId, paidBefore + amount, coverage);
        if (ln.status == LoanStatus.Defaulted) {
            // A receipt is tied to a loan only while it is Active or Defaulted.
            ln.recovered += amount;
            $.insurancePaid[receiptId] = paidBefore + amount;
            emit InsurancePayout(loanId, receiptId, msg.sender, amount);
            emit RecoveryRecorded(loanId, msg.sender, amount);
            $.ledger.pullRecovery(msg.sender, amount);
        } else {
            // A performing loan is repaid with it; only what is owed is taken, and counted.
            $.insurancePaid[receiptId] = paidBefore + amount;
            // No prepayment fee on an insurer's money: the borrower did not choose to prepay.
            (uint256 interestPaid, uint256 principalPaid, uint256 fees) = _repay(loanId, ln, amount, false);
            uint256 taken = interestPaid + principalPaid + fees;
            $.insurancePaid[receiptId] = paidBefore + taken;
            emit InsurancePayout(loanId, receiptId, msg.sender, taken);
        }
    }

    /// @inheritdoc ILoanBook
    function markDefault(uint256 loanId) external {
        Loan storage ln = _loan(loanId);
        if (ln.status != LoanStatus.Active) revert LoanStatusInvalid(loanId, ln.status);
        if (!_isDelinquent(ln)) revert LoanNotDelinquent(loanId);
        _accrueLoan(ln);
        uint256 impairmentBefore = ln.impairment;
        // Valued on the evidence of now (an appraisal may have turned stale since the last valuation).
        _valueCollateral(ln);
        ln.impairment = _impairment(ln.outstanding, ln.collateralValue);
        ln.status = LoanStatus.Defaulted;
        ln.defaultedAt = block.timestamp;
        _reindex(loanId, ln);
        emit LoanDefaulted(loanId, ln.outstanding, ln.interestAccrued, ln.impairment);

        _s().ledger.recordDefault(
            ln.stackId, ln.outstanding, ln.interestAccrued, ln.aprBps, impairmentBefore, ln.impairment
        );
        // Receipts stay in escrow, now Liquidating: still tied to this loan until the liquidation closes.
        _moveReceipts(ln, ICaliberReceipt.Status.Liquidating, address(0));
    }

    /// @inheritdoc ILoanBook
    function refreshCollateral(uint256 loanId) external {
        _revalue(loanId, _loan(loanId));
    }

    /// @inheritdoc ILoanBook
    function onReceiptEvidence(uint256 receiptId) external {
        LoanBookStorage storage $ = _s();
        if (msg.sender != address($.caliber)) revert CallerNotCaliber(msg.sender);
        uint256 loanId = $.loanOfReceipt[receiptId];
        // No need to revert for a receipt without a live loan: the appraisal stands on its own.
        if (loanId != 0) _revalue(loanId, $.loans[loanId]);
    }

    /// @inheritdoc ILoanBook
    function recordRecovery(uint256 loanId, uint256 amount) external {
        Loan storage ln = _loan(loanId);
        if (ln.status != LoanStatus.Defaulted) revert LoanStatusInvalid(loanId, ln.status);
        if (amount == 0) revert AmountZero();
        ln.recovered += amount;
        emit RecoveryRecorded(loanId, msg.sender, amount);
        _s().ledger.pullRecovery(msg.sender, amount);
    }

    /// @inheritdoc ILoanBook
    function rescanIndex() external {
        LoanBookStorage storage $ = _s();
        uint256 head = $.nextBucket;
        if (head == NONE || $.bucketCount[head] != 0) return;
        _setNextBucket(_scanFrom(head));
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ILoanBook
    function loanDebt(uint256 loanId) external view returns (uint256 outstanding, uint256 interest) {
        Loan storage ln = _loan(loanId);
        outstanding = ln.outstanding;
        interest = ln.interestAccrued;
        if (ln.status == LoanStatus.Active) {
            interest += AmortizationLib.accrue(ln.outstanding, ln.aprBps, block.timestamp - ln.lastAccrual);
        }
    }

    /// @inheritdoc ILoanBook
    function amountDue(uint256 loanId) external view returns (uint256 interest, uint256 penalty, uint256 principal) {
        Loan storage ln = _loan(loanId);
        if (ln.status != LoanStatus.Active) return (0, 0, 0);
        (interest, penalty) = _accrued(ln);
        interest += ln.interestAccrued;
        penalty += ln.penaltyAccrued;
        (, principal) = _scheduledPrincipal(ln, ln.totalPaid + interest);
    }

    /// @inheritdoc ILoanBook
    function isDelinquent(uint256 loanId) external view returns (bool) {
        return _isDelinquent(_loan(loanId));
    }

    /// @inheritdoc ILoanBook
    function hasDelinquency(uint256 stackId) external view returns (bool) {
        LoanBookStorage storage $ = _s();
        uint256[] storage ids = $.openLoans[stackId];
        for (uint256 i; i < ids.length; ++i) {
            Loan storage ln = $.loans[ids[i]];
            if (ln.status == LoanStatus.Defaulted || ln.marginCallAt != 0) return true;
            // Behind schedule: the first due date its payments do not cover has passed.
            if (block.timestamp > ln.start + ln.dueIndex * ln.periodLength) return true;
        }
        return false;
    }

    /// @inheritdoc ILoanBook
    function scheduleAt(uint256 loanId, uint256 k) external view returns (uint256 balance, uint256 paidTotal) {
        Loan storage ln = _loan(loanId);
        uint256 base = ln.rebaseIndex;
        (balance, paidTotal) = AmortizationLib.scheduleAt(
            ln.rebaseBalance, ln.aprBps, ln.periods - base, ln.periodLength, ln.payment, k > base ? k - base : 0
        );
        paidTotal += ln.rebasePaid;
    }

    /// @inheritdoc ILoanBook
    function deadlineOf(uint256 loanId) external view returns (uint256) {
        return _deadline(_loan(loanId));
    }

    /// @inheritdoc ILoanBook
    function staleFrom() external view returns (uint256) {
        return _staleFrom(_s().nextBucket);
    }

    /// @inheritdoc ILoanBook
    function loan(uint256 loanId) external view returns (Loan memory) {
        return _loan(loanId);
    }

    /// @inheritdoc ILoanBook
    function loanCount() external view returns (uint256) {
        return _s().loanCount;
    }

    /// @inheritdoc ILoanBook
    function loanOfReceipt(uint256 receiptId) external view returns (uint256) {
        return _s().loanOfReceipt[receiptId];
    }

    /// @inheritdoc ILoanBook
    function openLoans(uint256 stackId) external view returns (uint256[] memory) {
        return _s().openLoans[stackId];
    }

    /// @inheritdoc ILoanBook
    function riskParams() external view returns (RiskParams memory) {
        return _s().risk;
    }

    /// @inheritdoc ILoanBook
    function prepaymentFeeOf(uint256 stackId) external view returns (uint256) {
        return _s().prepaymentFeeBps[stackId];
    }

    /// @inheritdoc ILoanBook
    function insurancePaid(uint256 receiptId) external view returns (uint256) {
        return _s().insurancePaid[receiptId];
    }

    /// @inheritdoc ILoanBook
    function policy() external view returns (address) {
        return address(_s().policy);
    }

    /// @inheritdoc ILoanBook
    function ledger() external view returns (address) {
        return address(_s().ledger);
    }

    /// @inheritdoc ILoanBook
    function caliber() external view returns (address) {
        return address(_s().caliber);
    }

    // ---------------------------------------------------------------- internal: origination

    function _originate(LoanTerms calldata t) internal returns (uint256 loanId) {
        LoanBookStorage storage $ = _s();
        IFiLoRegistry ledger_ = $.ledger;
        if (ledger_.curatorOf(t.stackId) != msg.sender) revert StackCuratorOnly(t.stackId, msg.sender);
        if (!ledger_.isCuratorApproved(msg.sender)) revert CuratorNotApproved(msg.sender);
        if (t.borrower == address(0)) revert AddressZero();
        if (
            t.principal == 0 || t.aprBps > MAX_APR_BPS || t.periods == 0 || t.periods > MAX_PERIODS
                || t.periodLength < MIN_PERIOD_LENGTH || t.periodLength > MAX_PERIOD_LENGTH
                || t.periods * t.periodLength > MAX_TERM
        ) revert LoanTermsInvalid(t.principal, t.aprBps, t.periods, t.periodLength);
        uint256[] calldata receiptIds = t.receiptIds;
        if (receiptIds.length == 0 || receiptIds.length > MAX_RECEIPTS_PER_LOAN) {
            revert ReceiptCountInvalid(receiptIds.length);
        }
        if ($.openLoans[t.stackId].length >= MAX_OPEN_LOANS_PER_STACK) {
            revert StackLoansExceeded(t.stackId, MAX_OPEN_LOANS_PER_STACK);
        }
        uint256 fee = $.prepaymentFeeBps[t.stackId];
        if (t.prepaymentFeeBps != fee) revert PrepaymentFeeMismatch(t.stackId, t.prepaymentFeeBps, fee);

        loanId = ++$.loanCount;
        _checkCollateral(t, _checkReceipts(loanId, t.borrower, receiptIds));
        uint256 payment = AmortizationLib.levelPayment(t.principal, t.aprBps, t.periods, t.periodLength);

        Loan storage ln = $.loans[loanId];
        ln.stackId = t.stackId;
        ln.borrower = t.borrower;
        ln.status = LoanStatus.Active;
        ln.aprBps = t.aprBps;
        ln.periods = t.periods;
        ln.periodLength = t.periodLength;
        ln.start = block.timestamp;
        ln.lastAccrual = block.timestamp;
        ln.principal = t.principal;
        ln.outstanding = t.principal;
        ln.payment = payment;
        ln.prepaymentFeeBps = fee;
        ln.rebaseBalance = t.principal;
        ln.receiptIds = receiptIds;
        (ln.dueBalance, ln.duePaidTotal) = AmortizationLib.step(t.principal, t.aprBps, t.periods, t.periodLength, payment, 0);
        ln.dueIndex = 1;
        _valueCollateral(ln);
        ln.impairment = _impairment(t.principal, ln.collateralValue);
        $.openIndex[loanId] = $.openLoans[t.stackId].length + 1;
        $.openLoans[t.stackId].push(loanId);
        _reindex(loanId, ln);
        _emitOriginated(loanId, t, payment);

        _pullReceipts(t.borrower, receiptIds);
        // The ledger checks the stack's cash and first-loss capital, then pays the borrower.
        ledger_.lend(t.stackId, t.borrower, t.principal, t.aprBps);
        if (ln.impairment != 0) ledger_.updateImpairment(t.stackId, 0, ln.impairment);
    }

    /// @dev Its own frame: the event's eight words do not fit beside `_originate`'s locals.
    function _emitOriginated(uint256 loanId, LoanTerms calldata t, uint256 payment) internal {
        emit LoanOriginated(loanId, t.stackId, t.borrower, t.principal, t.aprBps, t.periods, t.periodLength, payment);
    }

    /// @dev Validates the receipts and ties them to `loanId` (a duplicate in the list is caught as pledged).
    /// @return value Their appraised values summed per asset class (`classes`, `count` distinct).
    function _checkReceipts(uint256 loanId, address borrower, uint256[] calldata receiptIds)
        internal
        returns (Collateral memory value)
    {
        LoanBookStorage storage $ = _s();
        ICaliberReceipt caliber_ = $.caliber;
        value.classes = new bytes32[](receiptIds.length);
        value.amounts = new uint256[](receiptIds.length);
        for (uint256 i; i < receiptIds.length; ++i) {
            uint256 id = receiptIds[i];
            if ($.loanOfReceipt[id] != 0) revert ReceiptAlreadyPledged(id);
            // Reverts with the first failed check: not Active, already pledged, casualty, insurance,
            // appraisal, owner.
            (uint256 appraised, bytes32 class_) = caliber_.checkPledgeable(id, borrower);
            $.loanOfReceipt[id] = loanId;
            value.total += appraised;
            uint256 c;
            while (c < value.count && value.classes[c] != class_) ++c;
            if (c == value.count) (value.classes[c], value.count) = (class_, c + 1);
            value.amounts[c] += appraised;
        }
    }

    /// @dev Principal within `maxLtvBps` of the appraisals now, and (the policy checks) after every due date.
    function _checkCollateral(LoanTerms calldata t, Collateral memory value) internal view {
        LoanBookStorage storage $ = _s();
        uint256 maxLtv = $.risk.maxLtvBps;
        uint256 maxPrincipal = Math.mulDiv(value.total, maxLtv, BPS, Math.Rounding.Floor);
        if (t.principal > maxPrincipal) revert LoanToValueExceeded(t.principal, maxPrincipal);
        bytes32[] memory classes = value.classes;
        uint256[] memory amounts = value.amounts;
        uint256 count = value.count;
        assembly ("memory-safe") {
            // Trim both lists to the distinct classes found.
            mstore(classes, count)
            mstore(amounts, count)
        }
        $.policy.checkSchedule(t.principal, t.aprBps, t.periods, t.periodLength, maxLtv, classes, amounts);
    }

    /// @dev A receipt of a defaulted loan is done with when sold (Liquidated); lost hardware only once its
    ///      insurer has paid the whole coverage (until then the payout may still come).
    function _recovered(uint256 receiptId) internal view returns (bool) {
        LoanBookStorage storage $ = _s();
        if ($.caliber.statusOf(receiptId) != ICaliberReceipt.Status.Liquidated) return false;
        (uint64 occurredAt, uint256 coverage,) = $.caliber.casualty(receiptId);
        return occurredAt == 0 || $.insurancePaid[receiptId] >= coverage;
    }

    /// @dev Moves receipts the borrower pledged into escrow (plain transferFrom: no receiver hook, no
    ///      callback runs) and marks them Pledged.
    function _pullReceipts(address borrower, uint256[] calldata receiptIds) internal {
        ICaliberReceipt caliber_ = _s().caliber;
        for (uint256 i; i < receiptIds.length; ++i) {
            caliber_.transferFrom(borrower, address(this), receiptIds[i]);
            caliber_.setStatus(receiptIds[i], ICaliberReceipt.Status.Pledged);
        }
    }

    // ---------------------------------------------------------------- internal: valuation

    /// @dev Re-values a loan (Active or Defaulted) on the evidence of now and settles the change.
    function _revalue(uint256 loanId, Loan storage ln) internal {
        if (ln.status != LoanStatus.Active && ln.status != LoanStatus.Defaulted) {
            revert LoanStatusInvalid(loanId, ln.status);
        }
        uint256 impairmentBefore = ln.impairment;
        _valueCollateral(ln);
        ln.impairment = _impairment(ln.outstanding, ln.collateralValue);
        if (ln.status == LoanStatus.Active) _checkMargin(loanId, ln);
        _reindex(loanId, ln);
        emit CollateralRevalued(loanId, ln.collateralValue, ln.impairment);
        _s().ledger.updateImpairment(ln.stackId, impairmentBefore, ln.impairment);
    }

    /// @dev Recovery value of the receipts: appraisal x (1 - liquidationCost), and a stale appraisal (older
    ///      than CALIBER's `maxAppraisalAge`) also x (1 - staleHaircut); each rounded down (collateral value
    ///      down, against the borrower). Also when the freshest-expiring appraisal turns stale.
    function _valueCollateral(Loan storage ln) internal {
        LoanBookStorage storage $ = _s();
        ICaliberReceipt caliber_ = $.caliber;
        uint256 maxAge = caliber_.maxAppraisalAge();
        uint256 keptBps = BPS - $.risk.liquidationCostBps;
        uint256 staleKeptBps = BPS - $.risk.staleHaircutBps;
        uint256 value;
        uint256 appraisals;
        uint256 expiry = NONE;
        uint256[] storage ids = ln.receiptIds;
        for (uint256 i; i < ids.length; ++i) {
            (uint256 appraised, uint64 appraisedAt, uint64 casualtyAt) = caliber_.valuation(ids[i]);
            // Lost hardware supports nothing: what its insurance pays is recorded when paid.
            if (casualtyAt != 0) continue;
            // The LTV basis is the appraisers' evidence: a margin call comes from a re-appraisal (or a
            // casualty), not from an appraisal growing old, which only haircuts the carrying value.
            appraisals += appraised;
            // CALIBER counts an appraisal fresh while `now - appraisedAt <= maxAge`.
            uint256 staleAt = uint256(appraisedAt) + maxAge + 1;
            if (block.timestamp >= staleAt) {
                appraised = Math.mulDiv(appraised, staleKeptBps, BPS, Math.Rounding.Floor);
            } else if (staleAt < expiry && staleKeptBps != BPS) {
                // No need to mark an appraisal turning stale when staleness costs nothing.
                expiry = staleAt;
            }
            value += Math.mulDiv(appraised, keptBps, BPS, Math.Rounding.Floor);
        }
        ln.collateralValue = value;
        ln.appraisalTotal = appraisals;
        ln.appraisalExpiry = expiry == NONE ? 0 : expiry;
    }

    /// @dev Opens a margin call when the loan's LTV (on the latest evidence) is above `maintenanceLtvBps`,
    ///      clears it once back at or below (a prepayment, more receipts, a better appraisal).
    function _checkMargin(uint256 loanId, Loan storage ln) internal {
        bool above = ln.outstanding * BPS > _s().risk.maintenanceLtvBps * ln.appraisalTotal;
        if (above && ln.marginCallAt == 0) {
            ln.marginCallAt = block.timestamp;
            emit MarginCalled(loanId, ln.outstanding, ln.appraisalTotal, block.timestamp + _s().risk.curePeriod);
        } else if (!above && ln.marginCallAt != 0) {
            ln.marginCallAt = 0;
            emit MarginCallCured(loanId);
        }
    }

    function _impairment(uint256 outstanding, uint256 collateralValue) internal pure returns (uint256) {
        return outstanding > collateralValue ? outstanding - collateralValue : 0;
    }

    // ---------------------------------------------------------------- internal: schedule and delinquency

    /// @dev Pays `amount` (at most what is owed): interest, penalty, the principal the schedule asks for up
    ///      to its next due date, then a prepayment (less its fee) that re-amortizes the periods left.
    function _repay(uint256 loanId, Loan storage ln, uint256 amount, bool prepaymentFee)
        internal
        returns (uint256 interestPaid, uint256 principalPaid, uint256 fees)
    {
        Payment memory p = _applyPayment(ln, amount, prepaymentFee ? ln.prepaymentFeeBps : 0);
        (interestPaid, principalPaid, fees) = (p.interest, p.principal, p.penalty + p.fee);
        uint256 impairmentBefore = ln.impairment;
        ln.impairment = _impairment(ln.outstanding, ln.collateralValue);
        bool isRepaid = ln.outstanding == 0;
        if (isRepaid) {
            ln.status = LoanStatus.Repaid;
            ln.marginCallAt = 0;
            _clearReceipts(ln);
            _closeOpen(loanId, ln.stackId);
        } else {
            if (p.prepaid != 0) _reamortize(loanId, ln, p.target);
            else _advanceSchedule(ln);
            _checkMargin(loanId, ln);
        }
        _reindex(loanId, ln);

        emit LoanRepayment(loanId, msg.sender, interestPaid, principalPaid);
        if (fees != 0) emit LoanFeesPaid(loanId, p.penalty, p.fee);
        if (isRepaid) emit LoanRepaid(loanId);

        _settleRepayment(ln, p, impairmentBefore);
        if (isRepaid) _moveReceipts(ln, ICaliberReceipt.Status.Active, ln.borrower);
    }

    /// @dev The ledger pulls the payment from the payer (who approved the ledger) and shares it.
    function _settleRepayment(Loan storage ln, Payment memory p, uint256 impairmentBefore) internal {
        _s().ledger.settleRepayment(
            ln.stackId, msg.sender, p.interest, p.penalty + p.fee, p.principal, ln.aprBps, impairmentBefore, ln.impairment
        );
    }

    /// @dev Accrues the loan and books `amount` against it (see `_repay`).
    function _applyPayment(Loan storage ln, uint256 amount, uint256 feeBps) internal returns (Payment memory p) {
        _accrueLoan(ln);
        p.interest = Math.min(amount, ln.interestAccrued);
        uint256 rest = amount - p.interest;
        p.penalty = Math.min(rest, ln.penaltyAccrued);
        rest -= p.penalty;
        ln.interestAccrued -= p.interest;
        ln.penaltyAccrued -= p.penalty;
        ln.totalPaid += p.interest;
        uint256 due;
        (p.target, due) = _scheduledPrincipal(ln, ln.totalPaid);
        p.principal = Math.min(rest, due);
        rest -= p.principal;
        uint256 room = ln.outstanding - p.principal;
        if (rest != 0 && room != 0) {
            // Prepaid principal q and its fee q x feeBps come out of the rest (the fee takes the rounding).
            p.prepaid = Math.min(Math.mulDiv(rest, BPS, BPS + feeBps, Math.Rounding.Floor), room);
            if (p.prepaid != 0) {
                p.fee = p.prepaid < room ? rest - p.prepaid : Math.mulDiv(p.prepaid, feeBps, BPS, Math.Rounding.Ceil);
            }
            p.principal += p.prepaid;
        }
        ln.outstanding -= p.principal;
        ln.totalPaid += p.principal;
    }

    /// @dev The schedule in force from due date `from`: the periods after it, from `rebaseBalance` at
    ///      `payment`; period `d` (counted from 0, ending at due date d + 1) of the loan.
    function _step(Loan storage ln, uint256 balance, uint256 d) internal view returns (uint256, uint256) {
        uint256 base = ln.rebaseIndex;
        return AmortizationLib.step(balance, ln.aprBps, ln.periods - base, ln.periodLength, ln.payment, d - base);
    }

    /// @dev The schedule's next due date at or after now (or the first one not covered, if later), and the
    ///      principal still needed to cover it once `paid` (interest and principal) is counted: the smaller
    ///      of what the cumulative payments and the balance lack. At maturity everything is due.
    function _scheduledPrincipal(Loan storage ln, uint256 paid) internal view returns (uint256 target, uint256 due) {
        uint256 periods = ln.periods;
        target = Math.max(ln.dueIndex, Math.ceilDiv(block.timestamp - ln.start, ln.periodLength));
        if (target >= periods) return (periods, ln.outstanding);
        uint256 balance = ln.dueBalance;
        uint256 paidTotal = ln.duePaidTotal;
        for (uint256 d = ln.dueIndex; d < target; ++d) {
            uint256 pay;
            (balance, pay) = _step(ln, balance, d);
            paidTotal += pay;
        }
        uint256 byPayments = paidTotal > paid ? paidTotal - paid : 0;
        uint256 byBalance = ln.outstanding > balance ? ln.outstanding - balance : 0;
        due = Math.min(byPayments, byBalance);
    }

    /// @dev After a prepayment covering due date `from`: the outstanding principal is amortized over the
    ///      periods left at a new (lower) level payment, and the cursor restarts at the next due date.
    function _reamortize(uint256 loanId, Loan storage ln, uint256 from) internal {
        uint256 left = ln.periods - from;
        uint256 balance = ln.outstanding;
        uint256 payment = AmortizationLib.levelPayment(balance, ln.aprBps, left, ln.periodLength);
        (ln.payment, ln.rebaseIndex, ln.rebaseBalance, ln.rebasePaid) = (payment, from, balance, ln.totalPaid);
        (uint256 dueBalance, uint256 pay) = AmortizationLib.step(balance, ln.aprBps, left, ln.periodLength, payment, 0);
        (ln.dueIndex, ln.dueBalance, ln.duePaidTotal) = (from + 1, dueBalance, ln.totalPaid + pay);
        emit LoanReamortized(loanId, from, balance, payment);
    }

    /// @dev Moves the schedule cursor past every due date the payments now cover (either the cumulative
    ///      payments or the principal on track). Only forward: payments only add up. The last due date is
    ///      never passed: a loan still open at maturity is behind.
    function _advanceSchedule(Loan storage ln) internal {
        uint256 d = ln.dueIndex;
        uint256 balance = ln.dueBalance;
        uint256 paidTotal = ln.duePaidTotal;
        uint256 periods = ln.periods;
        while (d < periods && (ln.totalPaid >= paidTotal || ln.outstanding <= balance)) {
            uint256 pay;
            (balance, pay) = _step(ln, balance, d);
            paidTotal += pay;
            ++d;
        }
        if (d != ln.dueIndex) (ln.dueIndex, ln.dueBalance, ln.duePaidTotal) = (d, balance, paidTotal);
    }

    /// @dev Interest and penalty interest accrued since the last accrual. The penalty runs at `penaltyBps`
    ///      on the overdue installments: from each uncovered due date, on the scheduled payments through
    ///      it that the loan has not paid.
    function _accrued(Loan storage ln) internal view returns (uint256 interest, uint256 penalty) {
        uint256 from = ln.lastAccrual;
        if (block.timestamp <= from) return (0, 0);
        interest = AmortizationLib.accrue(ln.outstanding, ln.aprBps, block.timestamp - from);
        uint256 penaltyBps = _s().risk.penaltyBps;
        uint256 length = ln.periodLength;
        uint256 d = ln.dueIndex;
        uint256 dueAt = ln.start + d * length;
        if (penaltyBps == 0 || dueAt >= block.timestamp) return (interest, 0);
        uint256 balance = ln.dueBalance;
        uint256 paidTotal = ln.duePaidTotal;
        while (true) {
            uint256 nextAt = d < ln.periods ? dueAt + length : block.timestamp;
            uint256 end = Math.min(block.timestamp, nextAt);
            uint256 begin = Math.max(from, dueAt);
            if (end > begin && paidTotal > ln.totalPaid) {
                penalty += AmortizationLib.accrue(paidTotal - ln.totalPaid, penaltyBps, end - begin);
            }
            if (nextAt >= block.timestamp) break;
            uint256 pay;
            (balance, pay) = _step(ln, balance, d);
            paidTotal += pay;
            ++d;
            dueAt = nextAt;
        }
    }

    /// @dev When `markDefault` opens: grace after the first due date the payments do not cover. Same as
    ///      counting the due dates more than `gracePeriod` ago and comparing the schedule there (a later
    ///      due date is covered only if every earlier one is).
    function _defaultAt(Loan storage ln) internal view returns (uint256 at) {
        RiskParams storage risk = _s().risk;
        at = ln.start + ln.dueIndex * ln.periodLength + risk.gracePeriod + 1;
        // An uncured margin call opens it too.
        if (ln.marginCallAt != 0) at = Math.min(at, ln.marginCallAt + risk.curePeriod + 1);
    }

    function _isDelinquent(Loan storage ln) internal view returns (bool) {
        return ln.status == LoanStatus.Active && block.timestamp >= _defaultAt(ln);
    }

    /// @dev The next moment the loan must be marked: default (performing loans: behind schedule or an
    ///      uncured margin call) or an appraisal turning stale (performing and defaulted loans); 0 when
    ///      neither can happen.
    function _deadline(Loan storage ln) internal view returns (uint256 deadline) {
        deadline = NONE;
        if (ln.status == LoanStatus.Active) deadline = _defaultAt(ln);
        if (ln.status == LoanStatus.Active || ln.status == LoanStatus.Defaulted) {
            uint256 expiry = ln.appraisalExpiry;
            if (expiry != 0 && expiry < deadline) deadline = expiry;
        }
        if (deadline == NONE) deadline = 0;
    }

    // ---------------------------------------------------------------- internal: due-date index

    /// @dev Files the loan under its current deadline's hour and keeps the ledger's `staleFrom` at the
    ///      index's head. O(1) but for the head moving past an emptied bucket (one bitmap word per 256
    ///      hours, at most MAX_SCAN_WORDS).
    function _reindex(uint256 loanId, Loan storage ln) internal {
        LoanBookStorage storage $ = _s();
        uint256 deadline = _deadline(ln);
        uint256 bucket = deadline == 0 ? 0 : deadline / BUCKET;
        uint256 old = ln.deadlineBucket;
        emit LoanDeadlineUpdated(loanId, deadline);
        if (bucket == old) return;
        ln.deadlineBucket = bucket;
        uint256 head = $.nextBucket;
        uint256 next = head;
        if (old == 0) ++$.indexedLoans;
        if (bucket == 0) --$.indexedLoans;
        // File the new bucket first: a loan moving on (a payment) is then found by the scan below within
        // a few words, instead of the scan running its full length past an index holding only it.
        if (bucket != 0) {
            if ($.bucketCount[bucket]++ == 0) $.bucketBitmap[bucket >> 8] |= uint256(1) << (bucket & 0xff);
            if (bucket < next) next = bucket;
        }
        if (old != 0 && --$.bucketCount[old] == 0) {
            $.bucketBitmap[old >> 8] &= ~(uint256(1) << (old & 0xff));
            // The head emptied: every other bucket lies after it, but the new one may lie before.
            if (old == head && !(bucket != 0 && bucket < old)) next = _scanFrom(old);
        }
        if (next != head) _setNextBucket(next);
    }

    /// @dev First filed bucket at or after `from`, scanning at most MAX_SCAN_WORDS words; past them, the
    ///      first bucket not scanned (the vault would stop pricing there until `rescanIndex`), or NONE if
    ///      the book has no indexed loan left.
    function _scanFrom(uint256 from) internal view returns (uint256) {
        LoanBookStorage storage $ = _s();
        uint256 word = from >> 8;
        uint256 bits = $.bucketBitmap[word] & ~((uint256(1) << (from & 0xff)) - 1);
        for (uint256 i; i < MAX_SCAN_WORDS; ++i) {
            if (bits != 0) return (word << 8) + Math.log2(bits & (~bits + 1));
            bits = $.bucketBitmap[++word];
        }
        // Nothing within reach: a conservative head (the vault stops pricing there, long after now, until
        // `rescanIndex` moves it on), or NONE when no loan is indexed at all.
        return $.indexedLoans != 0 ? word << 8 : NONE;
    }

    function _setNextBucket(uint256 next) internal {
        LoanBookStorage storage $ = _s();
        $.nextBucket = next;
        $.ledger.setStaleFrom(_staleFrom(next));
    }

    function _staleFrom(uint256 bucket) internal pure returns (uint256) {
        return bucket == NONE ? type(uint256).max : bucket * BUCKET;
    }

    // ---------------------------------------------------------------- internal

    function _loan(uint256 loanId) internal view returns (Loan storage ln) {
        ln = _s().loans[loanId];
        if (ln.status == LoanStatus.None) revert LoanNonexistent(loanId);
    }

    function _accrueLoan(Loan storage ln) internal {
        if (block.timestamp == ln.lastAccrual) return;
        (uint256 interest, uint256 penalty) = _accrued(ln);
        ln.interestAccrued += interest;
        ln.penaltyAccrued += penalty;
        ln.lastAccrual = block.timestamp;
    }

    /// @dev Takes the loan off its stack's open list (swap and pop).
    function _closeOpen(uint256 loanId, uint256 stackId) internal {
        LoanBookStorage storage $ = _s();
        uint256[] storage ids = $.openLoans[stackId];
        uint256 index = $.openIndex[loanId] - 1;
        uint256 last = ids[ids.length - 1];
        ids[index] = last;
        $.openIndex[last] = index + 1;
        ids.pop();
        delete $.openIndex[loanId];
    }

    function _clearReceipts(Loan storage ln) internal {
        mapping(uint256 => uint256) storage loanOf = _s().loanOfReceipt;
        for (uint256 i; i < ln.receiptIds.length; ++i) {
            delete loanOf[ln.receiptIds[i]];
        }
    }

    /// @dev Sets the receipts' status and, if `to` is set, moves them out of escrow (status first, so that
    ///      an Active receipt leaves; the book may move locked receipts anyway).
    function _moveReceipts(Loan storage ln, ICaliberReceipt.Status status, address to) internal {
        ICaliberReceipt caliber_ = _s().caliber;
        for (uint256 i; i < ln.receiptIds.length; ++i) {
            caliber_.setStatus(ln.receiptIds[i], status);
            if (to != address(0)) caliber_.transferFrom(address(this), to, ln.receiptIds[i]);
        }
    }

    function _setRiskParams(RiskParams calldata risk) internal {
        LoanBookStorage storage $ = _s();
        $.policy.checkRiskParams(risk);
        emit RiskParamsUpdated($.risk, risk);
        $.risk = risk;
    }
}
