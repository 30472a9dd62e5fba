// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";

import {IFiLoRegistry} from "../interfaces/IFiLoRegistry.sol";
import {ISeniorCapital} from "../interfaces/ISeniorCapital.sol";
import {ICaliberReceipt} from "../interfaces/ICaliberReceipt.sol";
import {AmortizationLib} from "./libraries/AmortizationLib.sol";
import {WaterfallLib} from "./libraries/WaterfallLib.sol";

/// @title FiLoRegistry
/// @notice Isolated first-loss stacks of GPU loans secured by CALIBER receipts; the sUSDai vault's senior
///         capital (`ISeniorCapital`). See `IFiLoRegistry` for the accounting model.
contract FiLoRegistry is IFiLoRegistry, AccessControlUpgradeable, PausableUpgradeable {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    // ---------------------------------------------------------------- constants

    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    bytes32 public constant CURATOR_ADMIN_ROLE = keccak256("CURATOR_ADMIN_ROLE");

    uint256 internal constant BPS = 1e4;
    uint256 internal constant SECONDS_PER_YEAR = 365 days;
    /// @notice Highest loan rate (100% a year): beyond it a typo is likelier than a deal.
    uint256 public constant MAX_APR_BPS = 10_000;
    /// @notice Longest schedule: bounds the O(periods) schedule walk of `markDefault`.
    uint256 public constant MAX_PERIODS = 360;
    uint256 public constant MIN_PERIOD_LENGTH = 1 days;
    uint256 public constant MAX_PERIOD_LENGTH = 365 days;
    /// @notice Longest loan (30 years): also keeps `(1 + r)^n` of the annuity far inside 256 bits.
    uint256 public constant MAX_TERM = 30 * 365 days;
    /// @notice Bounds the receipt loops of origination, default and repayment.
    uint256 public constant MAX_RECEIPTS_PER_LOAN = 32;

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

    /// @custom:storage-location erc7201:gpuyield.storage.FiLoRegistry
    struct FiLoRegistryStorage {
        IERC20 usdai;
        ICaliberReceipt caliber;
        address vault;
        RiskParams risk;
        uint256 stackCount;
        uint256 loanCount;
        // USDai the registry must hold: stack cash + senior pending + open recoveries + claimables.
        uint256 accountedUsdai;
        SeniorTotals totals;
        mapping(address => bool) isCuratorApproved;
        mapping(uint256 => Stack) stacks;
        mapping(uint256 => Loan) loans;
        mapping(uint256 => uint256) loanOfReceipt;
        mapping(address => uint256) claimable;
    }

    // keccak256(abi.encode(uint256(keccak256("gpuyield.storage.FiLoRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x4c76c7d5303545851461f2247c0b95df456143cf5859a44dc442cc377d870e00;

    function _s() private pure returns (FiLoRegistryStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    // ---------------------------------------------------------------- initializer

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @param admin Governance (`DEFAULT_ADMIN_ROLE`); curator admin and pauser are granted separately.
    /// @param vault_ The sUSDai vault; may be zero until it is deployed (then `setVault`).
    function initialize(address admin, address usdai_, address caliber_, address vault_, RiskParams calldata risk)
        external
        initializer
    {
        if (admin == address(0) || usdai_ == address(0) || caliber_ == address(0)) revert AddressZero();
        __AccessControl_init();
        __Pausable_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        FiLoRegistryStorage storage $ = _s();
        $.usdai = IERC20(usdai_);
        $.caliber = ICaliberReceipt(caliber_);
        $.vault = vault_;
        emit VaultUpdated(address(0), vault_);
        _setRiskParams(risk);
    }

    // ---------------------------------------------------------------- modifiers

    modifier onlyVault() {
        if (msg.sender != _s().vault) revert CallerNotVault(msg.sender);
        _;
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IFiLoRegistry
    function setCuratorApproval(address curator, bool approved) external onlyRole(CURATOR_ADMIN_ROLE) {
        if (curator == address(0)) revert AddressZero();
        _s().isCuratorApproved[curator] = approved;
        emit CuratorApprovalUpdated(curator, approved);
    }

    /// @inheritdoc IFiLoRegistry
    function setVault(address vault_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (vault_ == address(0)) revert AddressZero();
        FiLoRegistryStorage storage $ = _s();
        emit VaultUpdated($.vault, vault_);
        $.vault = vault_;
    }

    /// @inheritdoc IFiLoRegistry
    function setRiskParams(RiskParams calldata risk) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setRiskParams(risk);
    }

    /// @inheritdoc IFiLoRegistry
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IFiLoRegistry
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------- curator

    /// @inheritdoc IFiLoRegistry
    function createStack(StackParams calldata params) external whenNotPaused returns (uint256 stackId) {
        FiLoRegistryStorage storage $ = _s();
        if (!$.isCuratorApproved[msg.sender]) revert CuratorNotApproved(msg.sender);
        if (
            params.minFirstLossBps < $.risk.minFirstLossBps || params.minFirstLossBps > BPS
                || params.curatorFeeBps > $.risk.maxCuratorFeeBps
        ) revert StackParamsInvalid(params.minFirstLossBps, params.curatorFeeBps);
        stackId = ++$.stackCount;
        Stack storage st = $.stacks[stackId];
        st.curator = msg.sender;
        st.minFirstLossBps = params.minFirstLossBps;
        st.curatorFeeBps = params.curatorFeeBps;
        st.maxSenior = params.maxSenior;
        st.lastAccrual = block.timestamp.toUint40();
        emit StackCreated(stackId, msg.sender, params.maxSenior, params.minFirstLossBps, params.curatorFeeBps);
    }

    /// @inheritdoc IFiLoRegistry
    function depositJunior(uint256 stackId, uint256 amount) external whenNotPaused {
        Stack storage st = _curatorStack(stackId);
        if (amount == 0) revert AmountZero();
        st.cash += amount.toUint128();
        _s().accountedUsdai += amount;
        emit JuniorDeposited(stackId, msg.sender, amount);
        _pull(amount);
    }

    /// @inheritdoc IFiLoRegistry
    function withdrawJunior(uint256 stackId, uint256 amount, address recipient) external {
        Stack storage st = _curatorStack(stackId);
        if (amount == 0) revert AmountZero();
        if (recipient == address(0)) revert AddressZero();
        if (st.loansInDefault != 0) revert StackHasDefault(stackId, st.loansInDefault);
        if (amount > st.cash) revert StackCapitalInsufficient(stackId, amount, st.cash);
        // No loan is in default, so impairment is 0 and economic junior capital is the book one.
        uint256 junior = _juniorEconomic(st);
        uint256 required = _firstLossRequired(st, st.principalOutstanding);
        if (junior < amount || junior - amount < required) {
            revert FirstLossBelowMinimum(stackId, junior < amount ? 0 : junior - amount, required);
        }
        st.cash -= amount.toUint128();
        _s().accountedUsdai -= amount;
        emit JuniorWithdrawn(stackId, recipient, amount);
        _push(recipient, amount);
    }

    /// @inheritdoc IFiLoRegistry
    function originateLoan(
        uint256 stackId,
        address borrower,
        uint256 principal,
        uint256 aprBps,
        uint256 periods,
        uint256 periodLength,
        uint256[] calldata receiptIds
    ) external whenNotPaused returns (uint256 loanId) {
        // Terms travel as one memory struct: without via-IR the arguments alone nearly fill the stack.
        return _originate(Terms(stackId, borrower, principal, aprBps, periods, periodLength), receiptIds);
    }

    /// @inheritdoc IFiLoRegistry
    function closeLiquidation(uint256 loanId) external {
        FiLoRegistryStorage storage $ = _s();
        Loan storage ln = _loan(loanId);
        if (ln.status != LoanStatus.Defaulted) revert LoanStatusInvalid(loanId, ln.status);
        Stack storage st = $.stacks[ln.stackId];
        if (msg.sender != st.curator && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert LiquidationCloserInvalid(loanId, msg.sender);
        }

        // Claims shared pro rata to capital, as the loan's cash flows would have been.
        uint256 total = st.cash + st.principalOutstanding;
        uint256 seniorPrincipalClaim = WaterfallLib.seniorShare(ln.outstanding, st.seniorPrincipal, total);
        uint256 seniorInterestClaim = WaterfallLib.seniorShare(ln.interestAccrued, st.seniorPrincipal, total);
        (WaterfallLib.Claims memory paid, uint256 surplus) = WaterfallLib.distribute(
            ln.recovered,
            WaterfallLib.Claims({
                seniorPrincipal: seniorPrincipalClaim,
                seniorInterest: seniorInterestClaim,
                juniorPrincipal: ln.outstanding - seniorPrincipalClaim,
                juniorInterest: ln.interestAccrued - seniorInterestClaim
            })
        );
        uint256 fee = Math.mulDiv(paid.seniorInterest, st.curatorFeeBps, BPS, Math.Rounding.Floor);

        // Effects: the loan leaves the books; recoveries already sit in `accountedUsdai`. The receipts stay
        // in escrow, Liquidating, until the custodian burns them after the sale.
        ln.status = LoanStatus.Closed;
        _clearReceipts(ln);
        st.principalOutstanding -= ln.outstanding.toUint128();
        st.impairment -= ln.impairment.toUint128();
        st.loansInDefault -= 1;
        st.seniorPrincipal -= paid.seniorPrincipal.toUint128();
        st.seniorPending += (paid.seniorPrincipal + paid.seniorInterest - fee).toUint128();
        st.cash += (paid.juniorPrincipal + paid.juniorInterest).toUint128();
        $.claimable[st.curator] += fee;
        $.claimable[ln.borrower] += surplus;
        $.totals.returned += paid.seniorPrincipal;
        $.totals.interestPaid += paid.seniorInterest - fee;

        // The unrecovered rest is absorbed by junior capital (C + L - S) first; only what exceeds it
        // is a realised senior loss, which leaves junior capital at exactly 0.
        uint256 assets = st.cash + st.principalOutstanding;
        uint256 loss = st.seniorPrincipal > assets ? st.seniorPrincipal - assets : 0;
        if (loss != 0) {
            st.seniorPrincipal -= loss.toUint128();
            st.seniorLoss += loss.toUint128();
            $.totals.lossRealised += loss;
            emit SeniorLossRealised(ln.stackId, loss);
        }

        Liquidation memory result = Liquidation({
            seniorPrincipal: paid.seniorPrincipal,
            seniorInterest: paid.seniorInterest,
            juniorPrincipal: paid.juniorPrincipal,
            juniorInterest: paid.juniorInterest,
            surplus: surplus,
            seniorLoss: loss
        });
        emit LiquidationClosed(loanId, ln.stackId, result);
    }

    // ---------------------------------------------------------------- vault

    /// @inheritdoc ISeniorCapital
    function allocateSenior(uint256 stackId, uint256 amount) external onlyVault {
        FiLoRegistryStorage storage $ = _s();
        Stack storage st = _stack(stackId);
        if (amount == 0) revert AmountZero();
        uint256 seniorAfter = st.seniorPrincipal + amount;
        if (seniorAfter > st.maxSenior) revert StackSeniorCapExceeded(stackId, seniorAfter, st.maxSenior);
        // The vault transfers first; check it did, so that no stack is credited with money it never got.
        uint256 unaccounted = $.usdai.balanceOf(address(this)) - $.accountedUsdai;
        if (unaccounted < amount) revert SeniorFundsMissing(amount, unaccounted);
        st.seniorPrincipal = seniorAfter.toUint128();
        st.cash += amount.toUint128();
        $.accountedUsdai += amount;
        $.totals.allocated += amount;
        emit SeniorAllocated(stackId, amount);
    }

    /// @inheritdoc ISeniorCapital
    function releaseSenior(uint256 stackId, uint256 amount) external onlyVault {
        FiLoRegistryStorage storage $ = _s();
        Stack storage st = _stack(stackId);
        if (amount == 0) revert AmountZero();
        uint256 available = Math.min(st.seniorPrincipal, st.cash);
        if (amount > available) revert StackCapitalInsufficient(stackId, amount, available);
        // S and C fall together: junior capital (C + L - S) and the first-loss ratio are unchanged.
        st.seniorPrincipal -= amount.toUint128();
        st.cash -= amount.toUint128();
        st.seniorPending += amount.toUint128();
        $.totals.returned += amount;
        emit SeniorReleased(stackId, amount);
    }

    // ---------------------------------------------------------------- anyone

    /// @inheritdoc IFiLoRegistry
    function repay(uint256 loanId, uint256 amount) external returns (uint256 interestPaid, uint256 principalPaid) {
        FiLoRegistryStorage storage $ = _s();
        Loan storage ln = _loan(loanId);
        if (ln.status != LoanStatus.Active) revert LoanStatusInvalid(loanId, ln.status);
        if (amount == 0) revert AmountZero();
        Stack storage st = $.stacks[ln.stackId];
        _accrueStack(st);
        _accrueLoan(ln);

        interestPaid = Math.min(amount, ln.interestAccrued);
        principalPaid = Math.min(amount - interestPaid, ln.outstanding);
        // Shares are taken at the capital before this payment moves it.
        uint256 total = st.cash + st.principalOutstanding;
        (uint256 seniorInterest, uint256 fee, uint256 juniorInterest) =
            WaterfallLib.splitInterest(interestPaid, st.seniorPrincipal, total, st.curatorFeeBps);
        uint256 seniorPrincipal = WaterfallLib.seniorShare(principalPaid, st.seniorPrincipal, total);

        ln.interestAccrued -= interestPaid;
        ln.outstanding -= principalPaid;
        ln.totalPaid += interestPaid + principalPaid;
        // The checkpoint is rounded down while loans round up: it may fall short, never go negative.
        st.accruedInterest = (st.accruedInterest > interestPaid ? st.accruedInterest - interestPaid : 0)
            .toUint128();
        st.rateSum -= (principalPaid * ln.aprBps).toUint128();
        st.principalOutstanding -= principalPaid.toUint128();
        st.seniorPrincipal -= seniorPrincipal.toUint128();
        st.seniorPending += (seniorInterest + seniorPrincipal).toUint128();
        st.cash += (juniorInterest + principalPaid - seniorPrincipal).toUint128();
        $.claimable[st.curator] += fee;
        $.accountedUsdai += interestPaid + principalPaid;
        $.totals.returned += seniorPrincipal;
        $.totals.interestPaid += seniorInterest;
        bool isRepaid = ln.outstanding == 0;
        if (isRepaid) {
            ln.status = LoanStatus.Repaid;
            _clearReceipts(ln);
        }

        emit LoanRepayment(loanId, msg.sender, interestPaid, principalPaid, seniorInterest, fee, seniorPrincipal);
        if (isRepaid) emit LoanRepaid(loanId);

        _pull(interestPaid + principalPaid);
        if (isRepaid) _moveReceipts(ln, ICaliberReceipt.Status.Active, ln.borrower);
    }

    /// @inheritdoc IFiLoRegistry
    function markDefault(uint256 loanId) external {
        FiLoRegistryStorage storage $ = _s();
        Loan storage ln = _loan(loanId);
        if (ln.status != LoanStatus.Active) revert LoanStatusInvalid(loanId, ln.status);
        if (!_isDelinquent(ln)) revert LoanNotDelinquent(loanId);
        Stack storage st = $.stacks[ln.stackId];
        _accrueStack(st);
        _accrueLoan(ln);

        // Carried at min(outstanding, appraisals x (1 - liquidationCost)); impairment is counted against
        // principal only, since unpaid interest is not in the books (nor in the conservative NAV).
        uint256 appraisals;
        for (uint256 i; i < ln.receiptIds.length; ++i) {
            appraisals += $.caliber.appraisalValue(ln.receiptIds[i]);
        }
        uint256 carrying = Math.min(
            ln.outstanding + ln.interestAccrued,
            Math.mulDiv(appraisals, BPS - $.risk.liquidationCostBps, BPS, Math.Rounding.Floor)
        );
        uint256 impairment = ln.outstanding > carrying ? ln.outstanding - carrying : 0;

        ln.status = LoanStatus.Defaulted;
        ln.impairment = impairment;
        st.rateSum -= (ln.outstanding * ln.aprBps).toUint128();
        st.accruedInterest = (
            st.accruedInterest > ln.interestAccrued ? st.accruedInterest - ln.interestAccrued : 0
        ).toUint128();
        st.impairment += impairment.toUint128();
        st.loansInDefault += 1;
        emit LoanDefaulted(loanId, ln.outstanding, ln.interestAccrued, impairment);

        // Receipts stay in escrow, now Liquidating: still tied to this loan until the liquidation closes.
        _moveReceipts(ln, ICaliberReceipt.Status.Liquidating, address(0));
    }

    /// @inheritdoc IFiLoRegistry
    function recordRecovery(uint256 loanId, uint256 amount) external {
        FiLoRegistryStorage storage $ = _s();
        Loan storage ln = _loan(loanId);
        if (ln.status != LoanStatus.Defaulted) revert LoanStatusInvalid(loanId, ln.status);
        if (amount == 0) revert AmountZero();
        ln.recovered += amount;
        $.accountedUsdai += amount;
        emit RecoveryRecorded(loanId, msg.sender, amount);
        _pull(amount);
    }

    /// @inheritdoc ISeniorCapital
    function sweep(uint256 stackId) external returns (uint256 amount) {
        FiLoRegistryStorage storage $ = _s();
        Stack storage st = _stack(stackId);
        address vault_ = $.vault;
        if (vault_ == address(0)) revert AddressZero();
        amount = st.seniorPending;
        if (amount == 0) return 0;
        st.seniorPending = 0;
        $.accountedUsdai -= amount;
        $.totals.swept += amount;
        emit Swept(stackId, vault_, amount);
        _push(vault_, amount);
    }

    /// @inheritdoc IFiLoRegistry
    function claim(address recipient) external returns (uint256 amount) {
        if (recipient == address(0)) revert AddressZero();
        FiLoRegistryStorage storage $ = _s();
        amount = $.claimable[msg.sender];
        if (amount == 0) revert AmountZero();
        $.claimable[msg.sender] = 0;
        $.accountedUsdai -= amount;
        emit Claimed(msg.sender, recipient, amount);
        _push(recipient, amount);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ISeniorCapital
    function seniorNav() external view returns (uint256 depositNav, uint256 redemptionNav) {
        FiLoRegistryStorage storage $ = _s();
        uint256 count = $.stackCount;
        for (uint256 id = 1; id <= count; ++id) {
            (uint256 d, uint256 r) = _stackNav($.stacks[id]);
            depositNav += d;
            redemptionNav += r;
        }
    }

    /// @inheritdoc IFiLoRegistry
    function stackNav(uint256 stackId) external view returns (uint256 depositNav, uint256 redemptionNav) {
        return _stackNav(_stack(stackId));
    }

    /// @inheritdoc IFiLoRegistry
    function juniorCapital(uint256 stackId) external view returns (uint256 book, uint256 economic) {
        Stack storage st = _stack(stackId);
        book = st.cash + st.principalOutstanding - st.seniorPrincipal;
        economic = _juniorEconomic(st);
    }

    /// @inheritdoc IFiLoRegistry
    function loanDebt(uint256 loanId) external view returns (uint256 outstanding, uint256 interest) {
        Loan storage ln = _loan(loanId);
        outstanding = ln.outstanding;
        interest = ln.interestAccrued;
        if (ln.status == LoanStatus.Active) {
            interest += AmortizationLib.accrue(ln.outstanding, ln.aprBps, block.timestamp - ln.lastAccrual);
        }
    }

    /// @inheritdoc IFiLoRegistry
    function isDelinquent(uint256 loanId) external view returns (bool) {
        return _isDelinquent(_loan(loanId));
    }

    /// @inheritdoc IFiLoRegistry
    function scheduleAt(uint256 loanId, uint256 k) external view returns (uint256 balance, uint256 paidTotal) {
        Loan storage ln = _loan(loanId);
        return AmortizationLib.scheduleAt(ln.principal, ln.aprBps, ln.periods, ln.periodLength, ln.payment, k);
    }

    /// @inheritdoc IFiLoRegistry
    function stack(uint256 stackId) external view returns (Stack memory) {
        return _stack(stackId);
    }

    /// @inheritdoc IFiLoRegistry
    function loan(uint256 loanId) external view returns (Loan memory) {
        return _loan(loanId);
    }

    /// @inheritdoc IFiLoRegistry
    function stackCount() external view returns (uint256) {
        return _s().stackCount;
    }

    /// @inheritdoc IFiLoRegistry
    function loanCount() external view returns (uint256) {
        return _s().loanCount;
    }

    /// @inheritdoc IFiLoRegistry
    function loanOfReceipt(uint256 receiptId) external view returns (uint256) {
        return _s().loanOfReceipt[receiptId];
    }

    /// @inheritdoc IFiLoRegistry
    function claimable(address account) external view returns (uint256) {
        return _s().claimable[account];
    }

    /// @inheritdoc IFiLoRegistry
    function seniorTotals() external view returns (SeniorTotals memory) {
        return _s().totals;
    }

    /// @inheritdoc IFiLoRegistry
    function isCuratorApproved(address curator) external view returns (bool) {
        return _s().isCuratorApproved[curator];
    }

    /// @inheritdoc IFiLoRegistry
    function riskParams() external view returns (RiskParams memory) {
        return _s().risk;
    }

    /// @inheritdoc IFiLoRegistry
    function vault() external view returns (address) {
        return _s().vault;
    }

    /// @inheritdoc IFiLoRegistry
    function usdai() external view returns (address) {
        return address(_s().usdai);
    }

    /// @inheritdoc IFiLoRegistry
    function caliber() external view returns (address) {
        return address(_s().caliber);
    }

    /// @notice USDai the registry must hold (stack cash, senior pending, open recoveries, claimables).
    function accountedUsdai() external view returns (uint256) {
        return _s().accountedUsdai;
    }

    // ---------------------------------------------------------------- internal

    function _originate(Terms memory t, uint256[] calldata receiptIds) internal returns (uint256 loanId) {
        FiLoRegistryStorage storage $ = _s();
        Stack storage st = _curatorStack(t.stackId);
        if (!$.isCuratorApproved[msg.sender]) revert CuratorNotApproved(msg.sender);
        if (t.borrower == address(0)) revert AddressZero();
        if (
            t.principal == 0 || t.aprBps > MAX_APR_BPS || t.periods == 0 || t.periods > MAX_PERIODS
                || t.periodLength < MIN_PERIOD_LENGTH || t.periodLength > MAX_PERIOD_LENGTH
                || t.periods * t.periodLength > MAX_TERM
        ) revert LoanTermsInvalid(t.principal, t.aprBps, t.periods, t.periodLength);
        if (receiptIds.length == 0 || receiptIds.length > MAX_RECEIPTS_PER_LOAN) {
            revert ReceiptCountInvalid(receiptIds.length);
        }

        loanId = ++$.loanCount;
        uint256 maxPrincipal =
            Math.mulDiv(_checkReceipts(loanId, t.borrower, receiptIds), $.risk.maxLtvBps, BPS, Math.Rounding.Floor);
        if (t.principal > maxPrincipal) revert LoanToValueExceeded(t.principal, maxPrincipal);
        if (t.principal > st.cash) revert StackCapitalInsufficient(t.stackId, t.principal, st.cash);
        uint256 required = _firstLossRequired(st, st.principalOutstanding + t.principal);
        uint256 junior = _juniorEconomic(st);
        if (junior < required) revert FirstLossBelowMinimum(t.stackId, junior, required);

        _accrueStack(st);
        st.rateSum += (t.principal * t.aprBps).toUint128();
        st.principalOutstanding += t.principal.toUint128();
        st.cash -= t.principal.toUint128();
        $.accountedUsdai -= t.principal;

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
        _emitOriginated(loanId, t, payment);

        ICaliberReceipt caliber_ = $.caliber;
        for (uint256 i; i < receiptIds.length; ++i) {
            // Plain transferFrom: the registry needs no ERC721Receiver hook, and no callback runs.
            caliber_.transferFrom(t.borrower, address(this), receiptIds[i]);
            caliber_.setStatus(receiptIds[i], ICaliberReceipt.Status.Pledged);
        }
        _push(t.borrower, t.principal);
    }

    function _stack(uint256 stackId) internal view returns (Stack storage st) {
        st = _s().stacks[stackId];
        if (st.curator == address(0)) revert StackNonexistent(stackId);
    }

    function _curatorStack(uint256 stackId) internal view returns (Stack storage st) {
        st = _stack(stackId);
        if (st.curator != msg.sender) revert StackCuratorOnly(stackId, msg.sender);
    }

    function _loan(uint256 loanId) internal view returns (Loan storage ln) {
        ln = _s().loans[loanId];
        if (ln.status == LoanStatus.None) revert LoanNonexistent(loanId);
    }

    /// @dev C + L - impairment - S, floored at 0 (junior capital never carries a negative balance).
    function _juniorEconomic(Stack storage st) internal view returns (uint256) {
        uint256 assets = st.cash + st.principalOutstanding - st.impairment;
        return assets > st.seniorPrincipal ? assets - st.seniorPrincipal : 0;
    }

    /// @dev First loss required for `outstanding` principal, rounded up (against the curator).
    function _firstLossRequired(Stack storage st, uint256 outstanding) internal view returns (uint256) {
        return Math.mulDiv(outstanding, st.minFirstLossBps, BPS, Math.Rounding.Ceil);
    }

    /// @dev Senior NAV of a stack. Redemption: min(S, C + L - impairment) + pending, i.e. senior principal
    ///      less whatever part of the impairment junior capital cannot absorb. Deposit: plus the senior
    ///      share (net of the curator fee) of interest accrued on performing loans, read from the checkpoint.
    function _stackNav(Stack storage st) internal view returns (uint256 depositNav, uint256 redemptionNav) {
        uint256 total = st.cash + st.principalOutstanding;
        uint256 assets = total - st.impairment;
        redemptionNav = Math.min(st.seniorPrincipal, assets) + st.seniorPending;
        uint256 accrued = st.accruedInterest
            + Math.mulDiv(st.rateSum, block.timestamp - st.lastAccrual, BPS * SECONDS_PER_YEAR, Math.Rounding.Floor);
        (uint256 seniorInterest,,) = WaterfallLib.splitInterest(accrued, st.seniorPrincipal, total, st.curatorFeeBps);
        depositNav = redemptionNav + seniorInterest;
    }

    function _accrueStack(Stack storage st) internal {
        uint256 elapsed = block.timestamp - st.lastAccrual;
        if (elapsed == 0) return;
        st.accruedInterest +=
            Math.mulDiv(st.rateSum, elapsed, BPS * SECONDS_PER_YEAR, Math.Rounding.Floor).toUint128();
        st.lastAccrual = block.timestamp.toUint40();
    }

    function _accrueLoan(Loan storage ln) internal {
        uint256 elapsed = block.timestamp - ln.lastAccrual;
        if (elapsed == 0) return;
        ln.interestAccrued += AmortizationLib.accrue(ln.outstanding, ln.aprBps, elapsed);
        ln.lastAccrual = block.timestamp;
    }

    /// @dev Behind schedule by more than the grace period: past maturity + grace with principal left, or,
    ///      counting the due dates more than `gracePeriod` ago, both paid less than the schedule and
    ///      principal above the scheduled balance (either one on track keeps the loan performing).
    function _isDelinquent(Loan storage ln) internal view returns (bool) {
        if (ln.status != LoanStatus.Active) return false;
        uint256 grace = _s().risk.gracePeriod;
        uint256 periodLength = ln.periodLength;
        if (block.timestamp <= ln.start + grace + periodLength) return false;
        uint256 duePassed = (block.timestamp - ln.start - grace - 1) / periodLength;
        if (duePassed >= ln.periods) return true;
        (uint256 balance, uint256 paidTotal) =
            AmortizationLib.scheduleAt(ln.principal, ln.aprBps, ln.periods, periodLength, ln.payment, duePassed);
        return ln.totalPaid < paidTotal && ln.outstanding > balance;
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
        FiLoRegistryStorage storage $ = _s();
        ICaliberReceipt caliber_ = $.caliber;
        for (uint256 i; i < receiptIds.length; ++i) {
            uint256 id = receiptIds[i];
            if ($.loanOfReceipt[id] != 0) revert ReceiptAlreadyPledged(id);
            // Reverts with the first failed check: not Active, already pledged, insurance, appraisal, owner.
            appraisals += caliber_.checkPledgeable(id, borrower);
            $.loanOfReceipt[id] = loanId;
        }
    }

    function _clearReceipts(Loan storage ln) internal {
        mapping(uint256 => uint256) storage loanOf = _s().loanOfReceipt;
        for (uint256 i; i < ln.receiptIds.length; ++i) {
            delete loanOf[ln.receiptIds[i]];
        }
    }

    /// @dev Sets the receipts' status and, if `to` is set, moves them out of escrow (status first, so that
    ///      an Active receipt leaves; the registry may move locked receipts anyway).
    function _moveReceipts(Loan storage ln, ICaliberReceipt.Status status, address to) internal {
        ICaliberReceipt caliber_ = _s().caliber;
        for (uint256 i; i < ln.receiptIds.length; ++i) {
            caliber_.setStatus(ln.receiptIds[i], status);
            if (to != address(0)) caliber_.transferFrom(address(this), to, ln.receiptIds[i]);
        }
    }

    /// @dev One call site per direction keeps the SafeERC20 code once in the bytecode.
    function _pull(uint256 amount) internal {
        _s().usdai.safeTransferFrom(msg.sender, address(this), amount);
    }

    function _push(address to, uint256 amount) internal {
        _s().usdai.safeTransfer(to, amount);
    }

    function _setRiskParams(RiskParams calldata risk) internal {
        if (
            risk.minFirstLossBps > BPS || risk.maxLtvBps > BPS || risk.maxLtvBps == 0
                || risk.liquidationCostBps > BPS || risk.maxCuratorFeeBps > BPS
        ) revert RiskParamsInvalid();
        FiLoRegistryStorage storage $ = _s();
        emit RiskParamsUpdated($.risk, risk);
        $.risk = risk;
    }
}
