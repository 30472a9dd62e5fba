// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";

import {ILoanBook} from "../interfaces/ILoanBook.sol";
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
    /// @notice Longest grace period governance may set: keeps every default deadline within the index's scan.
    uint256 public constant MAX_GRACE_PERIOD = 365 days;
    /// @notice Granularity of the due-date index: a loan's deadline is filed under the hour it falls in,
    ///         and the vault stops pricing from the start of that hour (up to an hour early, never late).
    uint256 public constant BUCKET = 1 hours;
    /// @notice Words of the index bitmap (256 hours each, about 10.7 days) one scan reads at most
    ///         (about 1.9 years); a deadline beyond is found by `rescanIndex` as time gets closer.
    uint256 public constant MAX_SCAN_WORDS = 64;
    uint256 internal constant NONE = type(uint256).max;

    // ---------------------------------------------------------------- storage

    /// @dev Origination terms, kept together in memory.
    struct Terms {
        uint256 stackId;
        address borrower;
        uint256 principal;
        uint256 aprBps;
        uint256 periods;
        uint256 periodLength;
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
    function initialize(address admin, address ledger_, address caliber_, RiskParams calldata risk)
        external
        initializer
    {
        if (admin == address(0) || ledger_ == address(0) || caliber_ == address(0)) revert AddressZero();
        __AccessControl_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        LoanBookStorage storage $ = _s();
        $.ledger = IFiLoRegistry(ledger_);
        $.caliber = ICaliberReceipt(caliber_);
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
    function originateLoan(
        uint256 stackId,
        address borrower,
        uint256 principal,
        uint256 aprBps,
        uint256 periods,
        uint256 periodLength,
        uint256[] calldata receiptIds
    ) external returns (uint256 loanId) {
        // Terms travel as one memory struct: without via-IR the arguments alone nearly fill the stack.
        return _originate(Terms(stackId, borrower, principal, aprBps, periods, periodLength), receiptIds);
    }

    /// @inheritdoc ILoanBook
    function closeLiquidation(uint256 loanId) external {
        LoanBookStorage storage $ = _s();
        Loan storage ln = _loan(loanId);
        if (ln.status != LoanStatus.Defaulted) revert LoanStatusInvalid(loanId, ln.status);
        if (msg.sender != $.ledger.curatorOf(ln.stackId) && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert LiquidationCloserInvalid(loanId, msg.sender);
        }
        // Effects: the loan leaves the book and the index. The receipts stay in escrow, Liquidating, until
        // the custodian burns them after the sale.
        ln.status = LoanStatus.Closed;
        _clearReceipts(ln);
        _closeOpen(loanId, ln.stackId);
        _reindex(loanId, ln);
        emit LiquidationClosed(loanId, ln.stackId);
        $.ledger.settleLiquidation(
            ln.stackId, ln.borrower, ln.outstanding, ln.interestAccrued, ln.impairment, ln.recovered
        );
    }

    // ---------------------------------------------------------------- anyone

    /// @inheritdoc ILoanBook
    function repay(uint256 loanId, uint256 amount) external returns (uint256 interestPaid, uint256 principalPaid) {
        LoanBookStorage storage $ = _s();
        Loan storage ln = _loan(loanId);
        if (ln.status != LoanStatus.Active) revert LoanStatusInvalid(loanId, ln.status);
        if (amount == 0) revert AmountZero();
        _accrueLoan(ln);

        interestPaid = Math.min(amount, ln.interestAccrued);
        principalPaid = Math.min(amount - interestPaid, ln.outstanding);
        ln.interestAccrued -= interestPaid;
        ln.outstanding -= principalPaid;
        ln.totalPaid += interestPaid + principalPaid;
        uint256 impairmentBefore = ln.impairment;
        ln.impairment = _impairment(ln.outstanding, ln.collateralValue);
        bool isRepaid = ln.outstanding == 0;
        if (isRepaid) {
            ln.status = LoanStatus.Repaid;
            _clearReceipts(ln);
            _closeOpen(loanId, ln.stackId);
        } else {
            _advanceSchedule(ln);
        }
        _reindex(loanId, ln);

        emit LoanRepayment(loanId, msg.sender, interestPaid, principalPaid);
        if (isRepaid) emit LoanRepaid(loanId);

        // The ledger pulls the payment from the payer (who approved the ledger) and shares it.
        $.ledger.settleRepayment(
            ln.stackId, msg.sender, interestPaid, principalPaid, ln.aprBps, impairmentBefore, ln.impairment
        );
        if (isRepaid) _moveReceipts(ln, ICaliberReceipt.Status.Active, ln.borrower);
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
    function onAppraisal(uint256 receiptId) external {
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

    /// @notice Re-reads the due-date index from its head when the head bucket is empty (a deadline beyond
    ///         one scan's reach). Permissionless; the vault's `staleFrom` follows.
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
    function isDelinquent(uint256 loanId) external view returns (bool) {
        return _isDelinquent(_loan(loanId));
    }

    /// @inheritdoc ILoanBook
    function hasDelinquency(uint256 stackId) external view returns (bool) {
        LoanBookStorage storage $ = _s();
        uint256[] storage ids = $.openLoans[stackId];
        for (uint256 i; i < ids.length; ++i) {
            Loan storage ln = $.loans[ids[i]];
            if (ln.status == LoanStatus.Defaulted) return true;
            // Behind schedule: the first due date its payments do not cover has passed.
            if (block.timestamp > ln.start + ln.dueIndex * ln.periodLength) return true;
        }
        return false;
    }

    /// @inheritdoc ILoanBook
    function scheduleAt(uint256 loanId, uint256 k) external view returns (uint256 balance, uint256 paidTotal) {
        Loan storage ln = _loan(loanId);
        return AmortizationLib.scheduleAt(ln.principal, ln.aprBps, ln.periods, ln.periodLength, ln.payment, k);
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
    function ledger() external view returns (address) {
        return address(_s().ledger);
    }

    /// @inheritdoc ILoanBook
    function caliber() external view returns (address) {
        return address(_s().caliber);
    }

    // ---------------------------------------------------------------- internal: origination

    function _originate(Terms memory t, uint256[] calldata receiptIds) internal returns (uint256 loanId) {
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
        if (receiptIds.length == 0 || receiptIds.length > MAX_RECEIPTS_PER_LOAN) {
            revert ReceiptCountInvalid(receiptIds.length);
        }
        if ($.openLoans[t.stackId].length >= MAX_OPEN_LOANS_PER_STACK) {
            revert StackLoansExceeded(t.stackId, MAX_OPEN_LOANS_PER_STACK);
        }

        loanId = ++$.loanCount;
        uint256 maxPrincipal =
            Math.mulDiv(_checkReceipts(loanId, t.borrower, receiptIds), $.risk.maxLtvBps, BPS, Math.Rounding.Floor);
        if (t.principal > maxPrincipal) revert LoanToValueExceeded(t.principal, maxPrincipal);

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
        uint256 payment = AmortizationLib.levelPayment(t.principal, t.aprBps, t.periods, t.periodLength);
        ln.payment = payment;
        ln.receiptIds = receiptIds;
        (ln.dueBalance, ln.duePaidTotal) = AmortizationLib.step(t.principal, t.aprBps, t.periods, t.periodLength, payment, 0);
        ln.dueIndex = 1;
        _valueCollateral(ln);
        ln.impairment = _impairment(t.principal, ln.collateralValue);
        $.openIndex[loanId] = $.openLoans[t.stackId].length + 1;
        $.openLoans[t.stackId].push(loanId);
        _reindex(loanId, ln);
        _emitOriginated(loanId, t, payment);

        ICaliberReceipt caliber_ = $.caliber;
        for (uint256 i; i < receiptIds.length; ++i) {
            // Plain transferFrom: the book needs no ERC721Receiver hook, and no callback runs.
            caliber_.transferFrom(t.borrower, address(this), receiptIds[i]);
            caliber_.setStatus(receiptIds[i], ICaliberReceipt.Status.Pledged);
        }
        // The ledger checks the stack's cash and first-loss capital, then pays the borrower.
        ledger_.lend(t.stackId, t.borrower, t.principal, t.aprBps);
        if (ln.impairment != 0) ledger_.updateImpairment(t.stackId, 0, ln.impairment);
    }

    /// @dev Its own frame: the event's eight words do not fit beside `_originate`'s locals.
    function _emitOriginated(uint256 loanId, Terms memory t, uint256 payment) internal {
        emit LoanOriginated(loanId, t.stackId, t.borrower, t.principal, t.aprBps, t.periods, t.periodLength, payment);
    }

    /// @dev Validates the receipts and ties them to `loanId` (a duplicate in the list is caught as pledged).
    /// @return appraisals Sum of their appraised values.
    function _checkReceipts(uint256 loanId, address borrower, uint256[] calldata receiptIds)
        internal
        returns (uint256 appraisals)
    {
        LoanBookStorage storage $ = _s();
        ICaliberReceipt caliber_ = $.caliber;
        for (uint256 i; i < receiptIds.length; ++i) {
            uint256 id = receiptIds[i];
            if ($.loanOfReceipt[id] != 0) revert ReceiptAlreadyPledged(id);
            // Reverts with the first failed check: not Active, already pledged, insurance, appraisal, owner.
            appraisals += caliber_.checkPledgeable(id, borrower);
            $.loanOfReceipt[id] = loanId;
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
        uint256 expiry = NONE;
        uint256[] storage ids = ln.receiptIds;
        for (uint256 i; i < ids.length; ++i) {
            (, uint256 appraised, uint64 appraisedAt,) = caliber_.financing(ids[i]);
            uint256 recovery = Math.mulDiv(appraised, keptBps, BPS, Math.Rounding.Floor);
            // CALIBER counts an appraisal fresh while `now - appraisedAt <= maxAge`.
            uint256 staleAt = uint256(appraisedAt) + maxAge + 1;
            if (block.timestamp >= staleAt) {
                recovery = Math.mulDiv(recovery, staleKeptBps, BPS, Math.Rounding.Floor);
            } else if (staleAt < expiry && staleKeptBps != BPS) {
                // No need to mark an appraisal turning stale when staleness costs nothing.
                expiry = staleAt;
            }
            value += recovery;
        }
        ln.collateralValue = value;
        ln.appraisalExpiry = expiry == NONE ? 0 : expiry;
    }

    function _impairment(uint256 outstanding, uint256 collateralValue) internal pure returns (uint256) {
        return outstanding > collateralValue ? outstanding - collateralValue : 0;
    }

    // ---------------------------------------------------------------- internal: schedule and delinquency

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
            (balance, pay) = AmortizationLib.step(balance, ln.aprBps, periods, ln.periodLength, ln.payment, d);
            paidTotal += pay;
            ++d;
        }
        if (d != ln.dueIndex) (ln.dueIndex, ln.dueBalance, ln.duePaidTotal) = (d, balance, paidTotal);
    }

    /// @dev When `markDefault` opens: grace after the first due date the payments do not cover. Same as
    ///      counting the due dates more than `gracePeriod` ago and comparing the schedule there (a later
    ///      due date is covered only if every earlier one is).
    function _defaultAt(Loan storage ln) internal view returns (uint256) {
        return ln.start + ln.dueIndex * ln.periodLength + _s().risk.gracePeriod + 1;
    }

    function _isDelinquent(Loan storage ln) internal view returns (bool) {
        return ln.status == LoanStatus.Active && block.timestamp >= _defaultAt(ln);
    }

    /// @dev The next moment the loan must be marked: default (performing loans) or an appraisal turning
    ///      stale (performing and defaulted loans); 0 when neither can happen.
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
        uint256 elapsed = block.timestamp - ln.lastAccrual;
        if (elapsed == 0) return;
        ln.interestAccrued += AmortizationLib.accrue(ln.outstanding, ln.aprBps, elapsed);
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
        if (
            risk.maxLtvBps > BPS || risk.maxLtvBps == 0 || risk.liquidationCostBps > BPS
                || risk.staleHaircutBps > BPS || risk.gracePeriod > MAX_GRACE_PERIOD
        ) revert RiskParamsInvalid();
        LoanBookStorage storage $ = _s();
        emit RiskParamsUpdated($.risk, risk);
        $.risk = risk;
    }
}
