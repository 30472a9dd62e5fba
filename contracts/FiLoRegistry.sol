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
import {ILoanBook} from "../interfaces/ILoanBook.sol";
import {WaterfallLib} from "./libraries/WaterfallLib.sol";

/// @title FiLoRegistry (the FiLo ledger)
/// @notice Holds every USDai of the credit side: stacks, junior and senior capital, what waits for the
///         vault and for claimants, and the running totals that price the sUSDai vault in O(1). Loans
///         live in the loan book, which settles their cash flows here. See `IFiLoRegistry`.
contract FiLoRegistry is IFiLoRegistry, AccessControlUpgradeable, PausableUpgradeable {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    // ---------------------------------------------------------------- constants

    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    bytes32 public constant CURATOR_ADMIN_ROLE = keccak256("CURATOR_ADMIN_ROLE");

    uint256 internal constant BPS = 1e4;
    uint256 internal constant SECONDS_PER_YEAR = 365 days;
    /// @notice Extra precision of the deposit-NAV accrual (1e9 units per USDai wei). A stack's senior
    ///         rate is rounded down to 1e-9 wei a second: at most 0.03 wei a year of accrual is lost per
    ///         stack, while the largest accrual (1e27 wei x 1e9) still fits the 168 bits it is kept in.
    uint256 public constant NAV_SCALE = 1e9;
    uint40 internal constant NEVER = type(uint40).max;

    // ---------------------------------------------------------------- storage

    /// @custom:storage-location erc7201:gpuyield.storage.FiLoRegistry
    struct FiLoRegistryStorage {
        IERC20 usdai;
        address vault;
        address loanBook;
        StackRules rules;
        uint256 stackCount;
        // USDai the ledger must hold: stack cash + senior pending + open recoveries + claimables.
        uint256 accountedUsdai;
        SeniorTotals totals;
        NavTotals nav;
        mapping(address => bool) isCuratorApproved;
        mapping(uint256 => Stack) stacks;
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
    function initialize(address admin, address usdai_, address vault_, StackRules calldata rules)
        external
        initializer
    {
        if (admin == address(0) || usdai_ == address(0)) revert AddressZero();
        __AccessControl_init();
        __Pausable_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        FiLoRegistryStorage storage $ = _s();
        $.usdai = IERC20(usdai_);
        $.vault = vault_;
        $.nav = NavTotals({redemption: 0, rateScaled: 0, accruedScaled: 0, updatedAt: uint40(block.timestamp), staleFrom: NEVER}); // safe: timestamps fit 40 bits for 34,000 years
        emit VaultUpdated(address(0), vault_);
        _setStackRules(rules);
    }

    // ---------------------------------------------------------------- modifiers

    modifier onlyVault() {
        if (msg.sender != _s().vault) revert CallerNotVault(msg.sender);
        _;
    }

    modifier onlyLoanBook() {
        if (msg.sender != _s().loanBook || msg.sender == address(0)) revert CallerNotLoanBook(msg.sender);
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
    function setLoanBook(address book) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (book == address(0)) revert AddressZero();
        FiLoRegistryStorage storage $ = _s();
        emit LoanBookUpdated($.loanBook, book);
        $.loanBook = book;
    }

    /// @inheritdoc IFiLoRegistry
    function setStackRules(StackRules calldata rules) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setStackRules(rules);
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
            params.minFirstLossBps < $.rules.minFirstLossBps || params.minFirstLossBps > BPS
                || params.curatorFeeBps > $.rules.maxCuratorFeeBps
        ) revert StackParamsInvalid(params.minFirstLossBps, params.curatorFeeBps);
        stackId = ++$.stackCount;
        Stack storage st = $.stacks[stackId];
        st.curator = msg.sender;
        st.minFirstLossBps = params.minFirstLossBps;
        st.curatorFeeBps = params.curatorFeeBps;
        st.maxSenior = params.maxSenior;
        // An empty stack adds nothing to the running totals: creating stacks never costs the vault gas.
        st.lastAccrual = block.timestamp.toUint40();
        emit StackCreated(stackId, msg.sender, params.maxSenior, params.minFirstLossBps, params.curatorFeeBps);
    }

    /// @inheritdoc IFiLoRegistry
    function depositJunior(uint256 stackId, uint256 amount) external whenNotPaused {
        Stack storage st = _curatorStack(stackId);
        if (amount == 0) revert AmountZero();
        NavTotals memory n = _open(st);
        st.cash += amount.toUint128();
        _close(st, n);
        _s().accountedUsdai += amount;
        emit JuniorDeposited(stackId, msg.sender, amount);
        _pull(msg.sender, amount);
    }

    /// @inheritdoc IFiLoRegistry
    function withdrawJunior(uint256 stackId, uint256 amount, address recipient) external {
        FiLoRegistryStorage storage $ = _s();
        Stack storage st = _curatorStack(stackId);
        if (amount == 0) revert AmountZero();
        if (recipient == address(0)) revert AddressZero();
        if (st.loansInDefault != 0) revert StackHasDefault(stackId, st.loansInDefault);
        // A loan behind its schedule is a loss in the making: first-loss capital stays until it is cured.
        if ($.loanBook != address(0) && ILoanBook($.loanBook).hasDelinquency(stackId)) {
            revert StackHasDelinquency(stackId);
        }
        if (amount > st.cash) revert StackCapitalInsufficient(stackId, amount, st.cash);
        uint256 junior = _juniorEconomic(st);
        uint256 required = _firstLossRequired(st, st.principalOutstanding);
        if (junior < amount || junior - amount < required) {
            revert FirstLossBelowMinimum(stackId, junior < amount ? 0 : junior - amount, required);
        }
        NavTotals memory n = _open(st);
        st.cash -= amount.toUint128();
        _close(st, n);
        $.accountedUsdai -= amount;
        emit JuniorWithdrawn(stackId, recipient, amount);
        _push(recipient, amount);
    }

    // ---------------------------------------------------------------- vault

    /// @inheritdoc ISeniorCapital
    function allocateSenior(uint256 stackId, uint256 amount) external onlyVault whenNotPaused {
        FiLoRegistryStorage storage $ = _s();
        Stack storage st = _stack(stackId);
        if (amount == 0) revert AmountZero();
        uint256 seniorAfter = st.seniorPrincipal + amount;
        if (seniorAfter > st.maxSenior) revert StackSeniorCapExceeded(stackId, seniorAfter, st.maxSenior);
        // The vault transfers first; check it did, so that no stack is credited with money it never got.
        uint256 unaccounted = $.usdai.balanceOf(address(this)) - $.accountedUsdai;
        if (unaccounted < amount) revert SeniorFundsMissing(amount, unaccounted);
        NavTotals memory n = _open(st);
        st.seniorPrincipal = seniorAfter.toUint128();
        st.cash += amount.toUint128();
        _close(st, n);
        $.accountedUsdai += amount;
        $.totals.allocated += amount;
        emit SeniorAllocated(stackId, amount);
    }

    /// @inheritdoc ISeniorCapital
    function releaseSenior(uint256 stackId, uint256 amount) external onlyVault whenNotPaused {
        FiLoRegistryStorage storage $ = _s();
        Stack storage st = _stack(stackId);
        if (amount == 0) revert AmountZero();
        uint256 available = Math.min(st.seniorPrincipal, st.cash);
        if (amount > available) revert StackCapitalInsufficient(stackId, amount, available);
        // S and C fall together: junior capital (C + L - S) and the first-loss ratio are unchanged.
        NavTotals memory n = _open(st);
        st.seniorPrincipal -= amount.toUint128();
        st.cash -= amount.toUint128();
        st.seniorPending += amount.toUint128();
        _close(st, n);
        $.totals.returned += amount;
        emit SeniorReleased(stackId, amount);
    }

    // ---------------------------------------------------------------- loan book

    /// @inheritdoc IFiLoRegistry
    function lend(uint256 stackId, address borrower, uint256 principal, uint256 aprBps)
        external
        onlyLoanBook
        whenNotPaused
    {
        Stack storage st = _stack(stackId);
        if (principal > st.cash) revert StackCapitalInsufficient(stackId, principal, st.cash);
        uint256 required = _firstLossRequired(st, st.principalOutstanding + principal);
        uint256 junior = _juniorEconomic(st);
        if (junior < required) revert FirstLossBelowMinimum(stackId, junior, required);
        NavTotals memory n = _open(st);
        st.rateSum += (principal * aprBps).toUint128();
        st.principalOutstanding += principal.toUint128();
        st.cash -= principal.toUint128();
        _close(st, n);
        _s().accountedUsdai -= principal;
        _push(borrower, principal);
    }

    /// @inheritdoc IFiLoRegistry
    function settleRepayment(
        uint256 stackId,
        address payer,
        uint256 interestPaid,
        uint256 feesPaid,
        uint256 principalPaid,
        uint256 aprBps,
        uint256 impairmentBefore,
        uint256 impairmentAfter
    ) external onlyLoanBook {
        Stack storage st = _s().stacks[stackId];
        NavTotals memory n = _open(st);
        // The checkpoint is rounded down while loans round up: it may fall short, never go negative.
        st.accruedInterest = (st.accruedInterest > interestPaid ? st.accruedInterest - interestPaid : 0).toUint128();
        st.rateSum -= (principalPaid * aprBps).toUint128();
        uint256 income = interestPaid + feesPaid;
        _shareRepayment(stackId, st, income, principalPaid);
        _moveImpairment(stackId, st, impairmentBefore, impairmentAfter);
        _close(st, n);
        _s().accountedUsdai += income + principalPaid;
        _pull(payer, income + principalPaid);
    }

    /// @dev Shares a repayment's income (interest and fees) and principal between the tranches, at the
    ///      capital before the payment moves it.
    function _shareRepayment(uint256 stackId, Stack storage st, uint256 income, uint256 principalPaid) internal {
        FiLoRegistryStorage storage $ = _s();
        uint256 total = st.cash + st.principalOutstanding;
        (uint256 seniorInterest, uint256 fee, uint256 juniorInterest) =
            WaterfallLib.splitInterest(income, st.seniorPrincipal, total, st.curatorFeeBps);
        uint256 seniorPrincipal = WaterfallLib.seniorShare(principalPaid, st.seniorPrincipal, total);
        st.principalOutstanding -= principalPaid.toUint128();
        st.seniorPrincipal -= seniorPrincipal.toUint128();
        st.seniorPending += (seniorInterest + seniorPrincipal).toUint128();
        st.cash += (juniorInterest + principalPaid - seniorPrincipal).toUint128();
        $.claimable[st.curator] += fee;
        $.totals.returned += seniorPrincipal;
        $.totals.interestPaid += seniorInterest;
        emit RepaymentSettled(stackId, income, principalPaid, seniorInterest, fee, seniorPrincipal);
    }

    /// @inheritdoc IFiLoRegistry
    function recordDefault(
        uint256 stackId,
        uint256 outstanding,
        uint256 interestUnpaid,
        uint256 aprBps,
        uint256 impairmentBefore,
        uint256 impairmentAfter
    ) external onlyLoanBook {
        Stack storage st = _s().stacks[stackId];
        NavTotals memory n = _open(st);
        st.rateSum -= (outstanding * aprBps).toUint128();
        st.accruedInterest =
            (st.accruedInterest > interestUnpaid ? st.accruedInterest - interestUnpaid : 0).toUint128();
        st.loansInDefault += 1;
        _moveImpairment(stackId, st, impairmentBefore, impairmentAfter);
        _close(st, n);
    }

    /// @inheritdoc IFiLoRegistry
    function updateImpairment(uint256 stackId, uint256 previous, uint256 current) external onlyLoanBook {
        if (previous == current) return;
        Stack storage st = _s().stacks[stackId];
        NavTotals memory n = _open(st);
        _moveImpairment(stackId, st, previous, current);
        _close(st, n);
    }

    /// @inheritdoc IFiLoRegistry
    function pullRecovery(address payer, uint256 amount) external onlyLoanBook {
        _s().accountedUsdai += amount;
        _pull(payer, amount);
    }

    /// @inheritdoc IFiLoRegistry
    function settleLiquidation(
        uint256 stackId,
        address borrower,
        uint256 outstanding,
        uint256 interestUnpaid,
        uint256 impairment,
        uint256 recovered
    ) external onlyLoanBook returns (Liquidation memory result) {
        Stack storage st = _s().stacks[stackId];
        NavTotals memory n = _open(st);
        (WaterfallLib.Claims memory paid, uint256 surplus) = _waterfall(st, outstanding, interestUnpaid, recovered);

        // The loan leaves the books; recoveries already sit in `accountedUsdai`.
        st.principalOutstanding -= outstanding.toUint128();
        st.impairment -= impairment.toUint128();
        st.loansInDefault -= 1;
        uint256 loss = _settleWaterfall(stackId, st, borrower, paid, surplus);
        _close(st, n);

        result = Liquidation({
            seniorPrincipal: paid.seniorPrincipal,
            seniorInterest: paid.seniorInterest,
            juniorPrincipal: paid.juniorPrincipal,
            juniorInterest: paid.juniorInterest,
            surplus: surplus,
            seniorLoss: loss
        });
        emit LiquidationSettled(stackId, result);
    }

    /// @inheritdoc IFiLoRegistry
    function setStaleFrom(uint256 staleFrom_) external onlyLoanBook {
        FiLoRegistryStorage storage $ = _s();
        uint40 next = staleFrom_ >= NEVER ? NEVER : uint40(staleFrom_); // safe: below NEVER, a uint40
        uint40 previous = $.nav.staleFrom;
        if (next == previous) return;
        $.nav.staleFrom = next;
        emit StaleFromUpdated(_widen(previous), _widen(next));
    }

    // ---------------------------------------------------------------- anyone

    /// @inheritdoc ISeniorCapital
    function sweep(uint256 stackId) external returns (uint256 amount) {
        FiLoRegistryStorage storage $ = _s();
        Stack storage st = _stack(stackId);
        address vault_ = $.vault;
        if (vault_ == address(0)) revert AddressZero();
        uint128 pending = st.seniorPending;
        if (pending == 0) return 0;
        amount = pending;
        // Pending cash counts in the redemption NAV until it reaches the vault's idle balance. Only that
        // term moves: the stack's accrual does not depend on it, so it is not re-checkpointed (a
        // checkpoint floors the accrued interest and would lower the deposit price by a wei).
        st.seniorPending = 0;
        $.nav.redemption -= pending;
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
        (depositNav, redemptionNav) = _seniorNav(_s().nav);
    }

    /// @inheritdoc ISeniorCapital
    function navState() external view returns (uint256 depositNav, uint256 redemptionNav, uint256 staleFrom) {
        NavTotals memory n = _s().nav;
        (depositNav, redemptionNav) = _seniorNav(n);
        staleFrom = _widen(n.staleFrom);
    }

    /// @inheritdoc IFiLoRegistry
    function stackNav(uint256 stackId) external view returns (uint256 depositNav, uint256 redemptionNav) {
        Stack storage st = _stack(stackId);
        redemptionNav = _stackRedemption(st);
        depositNav = redemptionNav + _stackAccruedScaled(st) / NAV_SCALE;
    }

    /// @inheritdoc IFiLoRegistry
    function juniorCapital(uint256 stackId) external view returns (uint256 book, uint256 economic) {
        Stack storage st = _stack(stackId);
        book = st.cash + st.principalOutstanding - st.seniorPrincipal;
        economic = _juniorEconomic(st);
    }

    /// @inheritdoc IFiLoRegistry
    function stack(uint256 stackId) external view returns (Stack memory) {
        return _stack(stackId);
    }

    /// @inheritdoc IFiLoRegistry
    function curatorOf(uint256 stackId) external view returns (address) {
        return _stack(stackId).curator;
    }

    /// @inheritdoc IFiLoRegistry
    function stackCount() external view returns (uint256) {
        return _s().stackCount;
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
    function navTotals() external view returns (NavTotals memory) {
        return _s().nav;
    }

    /// @inheritdoc IFiLoRegistry
    function isCuratorApproved(address curator) external view returns (bool) {
        return _s().isCuratorApproved[curator];
    }

    /// @inheritdoc IFiLoRegistry
    function stackRules() external view returns (StackRules memory) {
        return _s().rules;
    }

    /// @inheritdoc IFiLoRegistry
    function vault() external view returns (address) {
        return _s().vault;
    }

    /// @inheritdoc IFiLoRegistry
    function loanBook() external view returns (address) {
        return _s().loanBook;
    }

    /// @inheritdoc IFiLoRegistry
    function usdai() external view returns (address) {
        return address(_s().usdai);
    }

    /// @inheritdoc IFiLoRegistry
    function accountedUsdai() external view returns (uint256) {
        return _s().accountedUsdai;
    }

    // ---------------------------------------------------------------- internal: running totals

    /// @dev Opens a change to `st`: brings the registry totals and the stack's interest checkpoint to now
    ///      and takes the stack's part out of the totals. Every change to a stack's capital, principal,
    ///      rate, impairment or pending cash happens between `_open` and `_close`.
    ///      Exactness: the totals hold, for every stack, exactly `seniorAccruedScaled + seniorRateScaled x
    ///      (t - lastAccrual)` (integers, no rounding), so taking it out leaves the others untouched.
    function _open(Stack storage st) internal returns (NavTotals memory n) {
        n = _s().nav;
        uint256 t = block.timestamp;
        n.accruedScaled += (uint256(n.rateScaled) * (t - n.updatedAt)).toUint168();
        n.updatedAt = uint40(t); // safe: a timestamp (see initialize)
        n.accruedScaled -= _stackAccruedScaled(st).toUint168();
        n.rateScaled -= st.seniorRateScaled;
        n.redemption -= _stackRedemption(st).toUint128();
        uint256 elapsed = t - st.lastAccrual;
        if (elapsed != 0) {
            st.accruedInterest +=
                Math.mulDiv(st.rateSum, elapsed, BPS * SECONDS_PER_YEAR, Math.Rounding.Floor).toUint128();
            st.lastAccrual = uint40(t); // safe: a timestamp
        }
    }

    /// @dev Closes a change: the stack's new senior accrual (its checkpointed interest and its rate, both
    ///      shared pro rata to capital net of the curator fee, rounded down) and redemption NAV go back
    ///      into the totals.
    function _close(Stack storage st, NavTotals memory n) internal {
        uint256 total = st.cash + st.principalOutstanding;
        uint256 accrued;
        uint256 rate;
        if (total != 0 && st.seniorPrincipal != 0) {
            uint256 seniorNetBps = uint256(st.seniorPrincipal) * (BPS - st.curatorFeeBps);
            accrued = Math.mulDiv(uint256(st.accruedInterest) * NAV_SCALE, seniorNetBps, total * BPS);
            rate = Math.mulDiv(uint256(st.rateSum) * NAV_SCALE, seniorNetBps, total * BPS * BPS * SECONDS_PER_YEAR);
        }
        st.seniorAccruedScaled = accrued.toUint128();
        st.seniorRateScaled = rate.toUint128();
        n.accruedScaled += accrued.toUint168();
        n.rateScaled += rate.toUint128();
        n.redemption += _stackRedemption(st).toUint128();
        _s().nav = n;
    }

    function _seniorNav(NavTotals memory n) internal view returns (uint256 depositNav, uint256 redemptionNav) {
        uint256 accrued = n.accruedScaled + uint256(n.rateScaled) * (block.timestamp - n.updatedAt);
        redemptionNav = n.redemption;
        depositNav = redemptionNav + accrued / NAV_SCALE;
    }

    /// @dev Senior net interest accrued by the stack until now, in NAV_SCALE units.
    function _stackAccruedScaled(Stack storage st) internal view returns (uint256) {
        return st.seniorAccruedScaled + uint256(st.seniorRateScaled) * (block.timestamp - st.lastAccrual);
    }

    /// @dev min(S, C + L - I) + pending: senior principal less whatever part of the impairment junior
    ///      capital cannot absorb, plus what waits for the vault.
    function _stackRedemption(Stack storage st) internal view returns (uint256) {
        uint256 assets = uint256(st.cash) + st.principalOutstanding - st.impairment;
        return Math.min(st.seniorPrincipal, assets) + st.seniorPending;
    }

    /// @dev Claims on a liquidated loan, shared pro rata to capital as its cash flows would have been,
    ///      paid down the waterfall by what was recovered.
    function _waterfall(Stack storage st, uint256 outstanding, uint256 interestUnpaid, uint256 recovered)
        internal
        view
        returns (WaterfallLib.Claims memory paid, uint256 surplus)
    {
        uint256 total = uint256(st.cash) + st.principalOutstanding;
        uint256 seniorPrincipalClaim = WaterfallLib.seniorShare(outstanding, st.seniorPrincipal, total);
        uint256 seniorInterestClaim = WaterfallLib.seniorShare(interestUnpaid, st.seniorPrincipal, total);
        return WaterfallLib.distribute(
            recovered,
            WaterfallLib.Claims({
                seniorPrincipal: seniorPrincipalClaim,
                seniorInterest: seniorInterestClaim,
                juniorPrincipal: outstanding - seniorPrincipalClaim,
                juniorInterest: interestUnpaid - seniorInterestClaim
            })
        );
    }

    /// @dev Books a waterfall's payments; the unrecovered rest is absorbed by junior capital (C + L - S)
    ///      first, and only what exceeds it is a realised senior loss, which leaves junior capital at 0.
    function _settleWaterfall(
        uint256 stackId,
        Stack storage st,
        address borrower,
        WaterfallLib.Claims memory paid,
        uint256 surplus
    ) internal returns (uint256 loss) {
        FiLoRegistryStorage storage $ = _s();
        uint256 fee = Math.mulDiv(paid.seniorInterest, st.curatorFeeBps, BPS, Math.Rounding.Floor);
        st.seniorPrincipal -= paid.seniorPrincipal.toUint128();
        st.seniorPending += (paid.seniorPrincipal + paid.seniorInterest - fee).toUint128();
        st.cash += (paid.juniorPrincipal + paid.juniorInterest).toUint128();
        $.claimable[st.curator] += fee;
        $.claimable[borrower] += surplus;
        $.totals.returned += paid.seniorPrincipal;
        $.totals.interestPaid += paid.seniorInterest - fee;
        uint256 assets = uint256(st.cash) + st.principalOutstanding;
        loss = st.seniorPrincipal > assets ? st.seniorPrincipal - assets : 0;
        if (loss != 0) {
            st.seniorPrincipal -= loss.toUint128();
            st.seniorLoss += loss.toUint128();
            $.totals.lossRealised += loss;
            emit SeniorLossRealised(stackId, loss);
        }
    }

    function _moveImpairment(uint256 stackId, Stack storage st, uint256 previous, uint256 current) internal {
        if (previous == current) return;
        uint256 before = st.impairment;
        st.impairment = (before + current - previous).toUint128();
        emit ImpairmentUpdated(stackId, before, st.impairment);
    }

    // ---------------------------------------------------------------- internal

    function _stack(uint256 stackId) internal view returns (Stack storage st) {
        st = _s().stacks[stackId];
        if (st.curator == address(0)) revert StackNonexistent(stackId);
    }

    function _curatorStack(uint256 stackId) internal view returns (Stack storage st) {
        st = _stack(stackId);
        if (st.curator != msg.sender) revert StackCuratorOnly(stackId, msg.sender);
    }

    /// @dev C + L - impairment - S, floored at 0 (junior capital never carries a negative balance).
    function _juniorEconomic(Stack storage st) internal view returns (uint256) {
        uint256 assets = uint256(st.cash) + st.principalOutstanding - st.impairment;
        return assets > st.seniorPrincipal ? assets - st.seniorPrincipal : 0;
    }

    /// @dev First loss required for `outstanding` principal, rounded up (against the curator).
    function _firstLossRequired(Stack storage st, uint256 outstanding) internal view returns (uint256) {
        return Math.mulDiv(outstanding, st.minFirstLossBps, BPS, Math.Rounding.Ceil);
    }

    function _widen(uint40 t) internal pure returns (uint256) {
        return t == NEVER ? type(uint256).max : t;
    }

    /// @dev One call site per direction keeps the SafeERC20 code once in the bytecode.
    function _pull(address from, uint256 amount) internal {
        _s().usdai.safeTransferFrom(from, address(this), amount);
    }

    function _push(address to, uint256 amount) internal {
        _s().usdai.safeTransfer(to, amount);
    }

    function _setStackRules(StackRules calldata rules) internal {
        if (rules.minFirstLossBps > BPS || rules.maxCuratorFeeBps > BPS) {
            revert StackRulesInvalid(rules.minFirstLossBps, rules.maxCuratorFeeBps);
        }
        FiLoRegistryStorage storage $ = _s();
        emit StackRulesUpdated($.rules, rules);
        $.rules = rules;
    }
}
