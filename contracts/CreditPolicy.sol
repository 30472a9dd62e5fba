// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";

import {ICreditPolicy} from "../interfaces/ICreditPolicy.sol";
import {AmortizationLib} from "./libraries/AmortizationLib.sol";

/// @title CreditPolicy
/// @notice Borrower consent and depreciation limits for the FiLo loan book. See `ICreditPolicy`.
/// @dev A standing `setApprovalForAll` on CALIBER lets the book move a borrower's receipts; it is not
///      consent to a loan. Consent is a signature over the exact terms, spent once.
contract CreditPolicy is ICreditPolicy, AccessControlUpgradeable, EIP712Upgradeable {
    uint256 internal constant BPS = 1e4;
    /// @notice A depreciation curve's month, and its longest length (a month per month of a 30-year loan).
    uint256 public constant MONTH = 30 days;
    uint256 public constant MAX_CURVE_LENGTH = 366;
    // Bounds of the loan book's risk parameters (see `checkRiskParams`).
    /// @notice Longest grace period: keeps every default deadline within the book's due-date index scan.
    uint256 public constant MAX_GRACE_PERIOD = 365 days;
    uint256 public constant MAX_PENALTY_BPS = 5_000;
    uint256 public constant MIN_CURE_PERIOD = 1 days;
    uint256 public constant MAX_CURE_PERIOD = 90 days;
    uint256 public constant MIN_RECOVERY_PERIOD = 30 days;
    uint256 public constant MAX_RECOVERY_PERIOD = 3 * 365 days;
    bytes32 public constant LOAN_TERMS_TYPEHASH = keccak256(
        "LoanTerms(uint256 stackId,address borrower,uint256 principal,uint256 aprBps,uint256 periods,uint256 periodLength,uint256 prepaymentFeeBps,uint256[] receiptIds,uint256 deadline,uint256 nonce)"
    );

    /// @custom:storage-location erc7201:gpuyield.storage.CreditPolicy
    struct CreditPolicyStorage {
        address book;
        mapping(address => mapping(uint256 => NonceState)) nonces;
        mapping(bytes32 => uint16[]) curves;
    }

    // keccak256(abi.encode(uint256(keccak256("gpuyield.storage.CreditPolicy")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x77b6377e4e6a1c5aa449ca5d9113d60942171d98387704d72d8af9daeffe2800;

    function _s() private pure returns (CreditPolicyStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @param admin Governance (`DEFAULT_ADMIN_ROLE`): depreciation curves, the loan book.
    function initialize(address admin) external initializer {
        if (admin == address(0)) revert AddressZero();
        __AccessControl_init();
        __EIP712_init("GPU Yield Credit Policy", "1");
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc ICreditPolicy
    function setLoanBook(address book) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (book == address(0)) revert AddressZero();
        emit LoanBookUpdated(_s().book, book);
        _s().book = book;
    }

    /// @inheritdoc ICreditPolicy
    function setDepreciationCurve(bytes32 assetClass, uint16[] calldata residualBps)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        uint256 n = residualBps.length;
        if (n == 0 || n > MAX_CURVE_LENGTH || residualBps[0] > BPS) revert DepreciationCurveInvalid(assetClass);
        for (uint256 k = 1; k < n; ++k) {
            if (residualBps[k] > residualBps[k - 1]) revert DepreciationCurveInvalid(assetClass);
        }
        _s().curves[assetClass] = residualBps;
        emit DepreciationCurveUpdated(assetClass, residualBps);
    }

    // ---------------------------------------------------------------- borrower

    /// @inheritdoc ICreditPolicy
    function cancelNonce(uint256 nonce) external {
        mapping(uint256 => NonceState) storage mine = _s().nonces[msg.sender];
        if (mine[nonce] == NonceState.Used) revert NonceUsed(msg.sender, nonce);
        mine[nonce] = NonceState.Cancelled;
        emit NonceCancellation(msg.sender, nonce);
    }

    // ---------------------------------------------------------------- loan book

    /// @inheritdoc ICreditPolicy
    function consume(LoanTerms calldata t, bytes calldata signature) external {
        CreditPolicyStorage storage $ = _s();
        if (msg.sender != $.book) revert CallerNotLoanBook(msg.sender);
        if (block.timestamp > t.deadline) revert TermsExpired(t.deadline, block.timestamp);
        mapping(uint256 => NonceState) storage nonces_ = $.nonces[t.borrower];
        NonceState state = nonces_[t.nonce];
        if (state == NonceState.Used) revert NonceUsed(t.borrower, t.nonce);
        if (state == NonceState.Cancelled) revert NonceCancelled(t.borrower, t.nonce);
        bytes32 digest = _termsDigest(t);
        // EOA (ECDSA, malleable signatures refused) or contract borrower (ERC-1271, a static call).
        if (!SignatureChecker.isValidSignatureNow(t.borrower, digest, signature)) revert SignatureInvalid(t.borrower);
        nonces_[t.nonce] = NonceState.Used;
        emit TermsAccepted(t.borrower, t.nonce, digest);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ICreditPolicy
    function checkSchedule(
        uint256 principal,
        uint256 aprBps,
        uint256 periods,
        uint256 periodLength,
        uint256 maxLtvBps,
        bytes32[] calldata classes,
        uint256[] calldata amounts
    ) external view {
        uint16[][] memory curves = new uint16[][](classes.length);
        for (uint256 c; c < classes.length; ++c) {
            curves[c] = _s().curves[classes[c]];
            if (curves[c].length == 0) revert DepreciationCurveMissing(classes[c]);
        }
        uint256 payment = AmortizationLib.levelPayment(principal, aprBps, periods, periodLength);
        uint256 balance = principal;
        // The last period clears the balance: nothing to check after it.
        for (uint256 k = 1; k < periods; ++k) {
            (balance,) = AmortizationLib.step(balance, aprBps, periods, periodLength, payment, k - 1);
            uint256 months = Math.ceilDiv(k * periodLength, MONTH);
            uint256 depreciated;
            for (uint256 c; c < classes.length; ++c) {
                uint16[] memory curve = curves[c];
                depreciated += amounts[c] * curve[months < curve.length ? months : curve.length - 1];
            }
            uint256 maxBalance = Math.mulDiv(depreciated, maxLtvBps, BPS * BPS, Math.Rounding.Floor);
            if (balance > maxBalance) revert DepreciationOutpacesSchedule(k, balance, maxBalance);
        }
    }

    /// @inheritdoc ICreditPolicy
    function checkRiskParams(RiskParams calldata risk) external pure {
        _within("maxLtvBps", risk.maxLtvBps, 1, BPS);
        _within("liquidationCostBps", risk.liquidationCostBps, 0, BPS);
        _within("gracePeriod", risk.gracePeriod, 0, MAX_GRACE_PERIOD);
        _within("staleHaircutBps", risk.staleHaircutBps, 0, BPS);
        // Above 100% a margin call would only come once the loan is underwater: none at all.
        _within("maintenanceLtvBps", risk.maintenanceLtvBps, risk.maxLtvBps, BPS);
        _within("curePeriod", risk.curePeriod, MIN_CURE_PERIOD, MAX_CURE_PERIOD);
        _within("penaltyBps", risk.penaltyBps, 0, MAX_PENALTY_BPS);
        _within("recoveryPeriod", risk.recoveryPeriod, MIN_RECOVERY_PERIOD, MAX_RECOVERY_PERIOD);
    }

    /// @inheritdoc ICreditPolicy
    function termsDigest(LoanTerms calldata terms) external view returns (bytes32) {
        return _termsDigest(terms);
    }

    /// @inheritdoc ICreditPolicy
    function nonceState(address borrower, uint256 nonce) external view returns (NonceState) {
        return _s().nonces[borrower][nonce];
    }

    /// @inheritdoc ICreditPolicy
    function depreciationCurve(bytes32 assetClass) external view returns (uint16[] memory) {
        return _s().curves[assetClass];
    }

    /// @inheritdoc ICreditPolicy
    function loanBook() external view returns (address) {
        return _s().book;
    }

    // ---------------------------------------------------------------- internal

    function _termsDigest(LoanTerms calldata t) internal view returns (bytes32) {
        bytes memory head =
            abi.encode(LOAN_TERMS_TYPEHASH, t.stackId, t.borrower, t.principal, t.aprBps, t.periods, t.periodLength);
        bytes memory tail =
            abi.encode(t.prepaymentFeeBps, keccak256(abi.encodePacked(t.receiptIds)), t.deadline, t.nonce);
        return _hashTypedDataV4(keccak256(bytes.concat(head, tail)));
    }

    function _within(string memory name, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert RiskParamOutOfRange(name, value, min, max);
    }
}
