// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";
import {ERC20PermitUpgradeable} from
    "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20PermitUpgradeable.sol";
import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";

import {IUSDai} from "../interfaces/IUSDai.sol";
import {IWrappedM} from "../interfaces/IWrappedM.sol";
import {ISwapAdapter} from "../interfaces/ISwapAdapter.sol";
import {IPriceFeed} from "../interfaces/IPriceFeed.sol";
import {ERC20BalancesBase} from "./ERC20BalancesBase.sol";

/// @title USDai
/// @notice ERC-20 dollar (18 decimals, EIP-2612 permit) backed 1:1 by wM (6 decimals). Balances and the
///         blacklist share one word per account (`ERC20BalancesBase`).
contract USDai is IUSDai, ERC20PermitUpgradeable, ERC20BalancesBase, AccessControlUpgradeable, PausableUpgradeable {
    using SafeERC20 for IERC20;

    // ---------------------------------------------------------------- constants

    /// @notice 1 wM unit (1e-6) backs 1e12 USDai units (1e-18).
    uint256 public constant SCALE = 1e12;
    uint256 internal constant BPS = 1e4;
    /// @notice Highest admin fee on base yield governance may set (20%).
    uint256 public constant MAX_ADMIN_FEE_BPS = 2000;
    /// @dev wM has 6 decimals: the unit a swap leg is valued in.
    uint256 internal constant WM_UNIT = 1e6;
    /// @notice The price guard's deviation bound until governance sets another (0.5%).
    uint256 public constant DEFAULT_MAX_DEVIATION_BPS = 50;

    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    bytes32 public constant BLACKLIST_ADMIN_ROLE = keccak256("BLACKLIST_ADMIN_ROLE");

    // ---------------------------------------------------------------- storage

    /// @dev A deposit reads the first two slots and nothing else of this struct: wM and the supply cap
    ///      (96 bits: 79 billion USDai, `NO_CAP` for none), the swap adapter and the pause flag.
    /// @custom:storage-location erc7201:gpuyield.storage.USDai
    struct USDaiStorage {
        IWrappedM wM;
        uint96 supplyCap; // NO_CAP: none
        ISwapAdapter swapAdapter;
        bool paused; // replaces PausableUpgradeable's own slot (see `paused`)
        address baseYieldRecipient;
        uint16 adminFeeBps;
        address feeRecipient;
        mapping(address => bool) isTokenSupported;
        mapping(address => PriceFeedConfig) priceFeeds;
        PriceGuard priceGuard;
    }

    // keccak256(abi.encode(uint256(keccak256("gpuyield.storage.USDai")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x24b6554e092562b22cd58650e9784c4048104893110a4cc9e579582582931800;

    /// @dev The stored supply cap meaning none (`setSupplyCap(type(uint256).max)`).
    uint96 private constant NO_CAP = type(uint96).max;

    function _s() private pure returns (USDaiStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    // ---------------------------------------------------------------- initializer

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @param admin Governance (`DEFAULT_ADMIN_ROLE`); pauser and blacklist admin are granted separately.
    /// @param tokens Deposit stablecoins (USDC, USDT) supported from the start.
    function initialize(
        address admin,
        IWrappedM wM,
        ISwapAdapter adapter,
        address[] calldata tokens,
        uint256 cap,
        uint256 feeBps,
        address feeRecipient_
    ) external initializer {
        if (admin == address(0) || address(wM) == address(0) || address(adapter) == address(0)) revert AddressZero();
        __ERC20_init("USDai", "USDai");
        __ERC20Permit_init("USDai");
        __AccessControl_init();
        __Pausable_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        USDaiStorage storage $ = _s();
        $.wM = wM;
        $.swapAdapter = adapter;
        emit SwapAdapterUpdated(address(0), address(adapter));
        for (uint256 i; i < tokens.length; ++i) {
            _setTokenSupport(tokens[i], true);
        }
        $.supplyCap = _encodeCap(cap);
        emit SupplyCapUpdated(0, cap);
        _setAdminFee(feeBps, feeRecipient_);
        $.priceGuard.maxDeviationBps = uint16(DEFAULT_MAX_DEVIATION_BPS);
        emit PriceGuardUpdated(address(0), 0, DEFAULT_MAX_DEVIATION_BPS);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IUSDai
    function setSupplyCap(uint256 cap) external onlyRole(DEFAULT_ADMIN_ROLE) {
        USDaiStorage storage $ = _s();
        emit SupplyCapUpdated(_supplyCap($), cap);
        $.supplyCap = _encodeCap(cap);
    }

    /// @inheritdoc IUSDai
    function setSwapAdapter(address adapter) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (adapter == address(0)) revert AddressZero();
        USDaiStorage storage $ = _s();
        emit SwapAdapterUpdated(address($.swapAdapter), adapter);
        $.swapAdapter = ISwapAdapter(adapter);
    }

    /// @inheritdoc IUSDai
    function setBaseYieldRecipient(address recipient) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (recipient == address(0)) revert AddressZero();
        USDaiStorage storage $ = _s();
        emit BaseYieldRecipientUpdated($.baseYieldRecipient, recipient);
        $.baseYieldRecipient = recipient;
    }

    /// @inheritdoc IUSDai
    function setAdminFee(uint256 feeBps, address feeRecipient_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setAdminFee(feeBps, feeRecipient_);
    }

    /// @inheritdoc IUSDai
    function setTokenSupport(address token, bool supported) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTokenSupport(token, supported);
    }

    /// @inheritdoc IUSDai
    function setPriceFeed(address token, IPriceFeed feed, uint256 maxAge) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (token == address(0) || address(feed) == address(0)) revert AddressZero();
        if (maxAge < 60 || maxAge > 7 days) revert ParameterOutOfRange("maxAge", maxAge, 60, 7 days);
        uint8 feedDecimals = feed.decimals();
        uint8 tokenDecimals = IERC20Metadata(token).decimals();
        // 10 ** (feed + token decimals) is the guard's divisor: keep it well inside uint256.
        uint256 decimals = uint256(feedDecimals) + tokenDecimals;
        if (decimals > 36) revert ParameterOutOfRange("decimals", decimals, 0, 36);
        _s().priceFeeds[token] = PriceFeedConfig({
            feed: feed,
            maxAge: uint32(maxAge), // safe: at most 7 days
            feedDecimals: feedDecimals,
            tokenDecimals: tokenDecimals
        });
        emit PriceFeedUpdated(token, address(feed), maxAge);
    }

    /// @inheritdoc IUSDai
    function setPriceGuard(IPriceFeed sequencerFeed, uint256 gracePeriod, uint256 maxDeviationBps)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        if (gracePeriod > 1 days) revert ParameterOutOfRange("gracePeriod", gracePeriod, 0, 1 days);
        if (maxDeviationBps == 0 || maxDeviationBps > 1000) {
            revert ParameterOutOfRange("maxDeviationBps", maxDeviationBps, 1, 1000);
        }
        // safe casts: both bounded just above
        _s().priceGuard = PriceGuard(sequencerFeed, uint32(gracePeriod), uint16(maxDeviationBps));
        emit PriceGuardUpdated(address(sequencerFeed), gracePeriod, maxDeviationBps);
    }

    /// @inheritdoc IUSDai
    function setBlacklisted(address account, bool blacklisted) external onlyRole(BLACKLIST_ADMIN_ROLE) {
        if (account == address(0)) revert AddressZero();
        _setBlacklistFlag(account, blacklisted);
        emit BlacklistUpdated(account, blacklisted);
    }

    /// @inheritdoc IUSDai
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IUSDai
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------- user actions

    /// @inheritdoc IUSDai
    function deposit(address tokenIn, uint256 amountIn, uint256 minUsdaiOut, address recipient)
        external
        whenNotPaused
        returns (uint256 usdaiOut)
    {
        if (amountIn == 0) revert AmountZero();
        _checkRecipient(recipient);
        USDaiStorage storage $ = _s();
        IWrappedM wM = $.wM;
        uint256 wmIn;
        if (tokenIn == address(wM)) {
            wmIn = amountIn;
            IERC20(tokenIn).safeTransferFrom(msg.sender, address(this), amountIn);
        } else {
            if (!$.isTokenSupported[tokenIn]) revert TokenUnsupported(tokenIn);
            // Push to the adapter, then measure what arrived rather than trusting its return value.
            IERC20(tokenIn).safeTransferFrom(msg.sender, address($.swapAdapter), amountIn);
            // wM claims an earner's yield on any transfer in: claim it first, or the swap's balance delta
            // would include it and the depositor would be minted the vault's base yield.
            wM.claimFor(address(this));
            uint256 before = wM.balanceOf(address(this));
            $.swapAdapter.swapExactIn(tokenIn, address(wM), amountIn, Math.ceilDiv(minUsdaiOut, SCALE), address(this));
            wmIn = wM.balanceOf(address(this)) - before;
            _checkSwapPrice($, tokenIn, amountIn, wmIn);
        }
        usdaiOut = wmIn * SCALE;
        if (usdaiOut < minUsdaiOut) revert DepositSlippageExceeded(usdaiOut, minUsdaiOut);
        uint256 supplyAfter = totalSupply() + usdaiOut;
        uint256 cap = _supplyCap($);
        if (supplyAfter > cap) revert SupplyCapExceeded(supplyAfter, cap);
        _mint(recipient, usdaiOut);
        emit Deposited(msg.sender, recipient, tokenIn, amountIn, usdaiOut);
    }

    /// @inheritdoc IUSDai
    function withdraw(address tokenOut, uint256 usdaiIn, uint256 minOut, address recipient)
        external
        returns (uint256 amountOut)
    {
        if (usdaiIn == 0) revert AmountZero();
        _checkRecipient(recipient);
        USDaiStorage storage $ = _s();
        IWrappedM wM = $.wM;
        // Rounded down: the sub-unit remainder stays behind as backing, never paid out.
        uint256 wmOut = usdaiIn / SCALE;
        if (wmOut == 0) revert WithdrawalTooSmall(usdaiIn, SCALE);
        bool isWm = tokenOut == address(wM);
        if (!isWm && !$.isTokenSupported[tokenOut]) revert TokenUnsupported(tokenOut);
        _burn(msg.sender, usdaiIn);
        if (isWm) {
            amountOut = wmOut;
            if (amountOut < minOut) revert WithdrawalSlippageExceeded(amountOut, minOut);
            IERC20(address(wM)).safeTransfer(recipient, wmOut);
        } else {
            IERC20(address(wM)).safeTransfer(address($.swapAdapter), wmOut);
            uint256 before = IERC20(tokenOut).balanceOf(recipient);
            $.swapAdapter.swapExactIn(address(wM), tokenOut, wmOut, minOut, recipient);
            amountOut = IERC20(tokenOut).balanceOf(recipient) - before;
            if (amountOut < minOut) revert WithdrawalSlippageExceeded(amountOut, minOut);
            _checkSwapPrice($, tokenOut, amountOut, wmOut);
        }
        emit Withdrawn(msg.sender, recipient, tokenOut, usdaiIn, amountOut);
    }

    /// @inheritdoc IUSDai
    function harvestBaseYield() external returns (uint256 minted) {
        USDaiStorage storage $ = _s();
        address recipient = $.baseYieldRecipient;
        if (recipient == address(0)) revert BaseYieldRecipientUnset();
        uint256 claimed = $.wM.claimFor(address(this));
        minted = _excessBacking();
        if (minted == 0) return 0;
        // The fee is rounded down: the recipient (the vault) gets the rounding.
        uint256 fee = Math.mulDiv(minted, $.adminFeeBps, BPS, Math.Rounding.Floor);
        // Base yield is not capped by the supply cap: it is backing that already exists.
        if (fee != 0) _mint($.feeRecipient, fee);
        _mint(recipient, minted - fee);
        emit BaseYieldHarvested(recipient, claimed, minted - fee, fee);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IUSDai
    function wrappedM() external view returns (address) {
        return address(_s().wM);
    }

    /// @inheritdoc IUSDai
    function swapAdapter() external view returns (address) {
        return address(_s().swapAdapter);
    }

    /// @inheritdoc IUSDai
    function supplyCap() external view returns (uint256) {
        return _supplyCap(_s());
    }

    /// @inheritdoc IUSDai
    function baseYieldRecipient() external view returns (address) {
        return _s().baseYieldRecipient;
    }

    /// @inheritdoc IUSDai
    function adminFeeBps() external view returns (uint256) {
        return _s().adminFeeBps;
    }

    /// @inheritdoc IUSDai
    function feeRecipient() external view returns (address) {
        return _s().feeRecipient;
    }

    /// @inheritdoc IUSDai
    function isTokenSupported(address token) external view returns (bool) {
        return _s().isTokenSupported[token];
    }

    /// @inheritdoc IUSDai
    function priceFeed(address token) external view returns (PriceFeedConfig memory) {
        return _s().priceFeeds[token];
    }

    /// @inheritdoc IUSDai
    function priceGuard() external view returns (PriceGuard memory) {
        return _s().priceGuard;
    }

    /// @inheritdoc IUSDai
    function isBlacklisted(address account) external view returns (bool) {
        return _isBlacklisted(account);
    }

    /// @inheritdoc IUSDai
    function harvestableBaseYield() external view returns (uint256) {
        USDaiStorage storage $ = _s();
        uint256 backing = ($.wM.balanceOf(address(this)) + $.wM.accruedYieldOf(address(this))) * SCALE;
        uint256 supply = totalSupply();
        return backing > supply ? backing - supply : 0;
    }

    /// @inheritdoc IUSDai
    function baseYieldOwed(address recipient) external view returns (uint256) {
        USDaiStorage storage $ = _s();
        if (recipient != $.baseYieldRecipient) return 0;
        uint256 backing = ($.wM.balanceOf(address(this)) + $.wM.accruedYieldOf(address(this))) * SCALE;
        uint256 supply = totalSupply();
        if (backing <= supply) return 0;
        uint256 minted = backing - supply;
        // Same fee and rounding as `harvestBaseYield`, so the price does not move when it runs.
        return minted - Math.mulDiv(minted, $.adminFeeBps, BPS, Math.Rounding.Floor);
    }

    /// @inheritdoc IUSDai
    function maxDeposit() external view returns (uint256) {
        if (paused()) return 0;
        uint256 cap = _supplyCap(_s());
        uint256 supply = totalSupply();
        return cap > supply ? cap - supply : 0;
    }

    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IUSDai).interfaceId || super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------- balances

    // Balances, supply and transfers are `ERC20BalancesBase`'s (the blacklist in the balance word);
    // Solidity asks for these overrides because ERC20PermitUpgradeable reaches ERC20Upgradeable too.

    function balanceOf(address account) public view override(ERC20BalancesBase, ERC20Upgradeable, IERC20) returns (uint256) {
        return ERC20BalancesBase.balanceOf(account);
    }

    function totalSupply() public view override(ERC20BalancesBase, ERC20Upgradeable, IERC20) returns (uint256) {
        return ERC20BalancesBase.totalSupply();
    }

    // ---------------------------------------------------------------- internal

    function _update(address from, address to, uint256 value) internal override(ERC20BalancesBase, ERC20Upgradeable) {
        ERC20BalancesBase._update(from, to, value);
    }

    function _supplyCap(USDaiStorage storage $) internal view returns (uint256) {
        uint96 cap = $.supplyCap;
        return cap == NO_CAP ? type(uint256).max : cap;
    }

    /// @dev A cap as stored: `type(uint256).max` (none) as NO_CAP; any other at most NO_CAP - 1.
    function _encodeCap(uint256 cap) internal pure returns (uint96) {
        if (cap == type(uint256).max) return NO_CAP;
        if (cap >= NO_CAP) revert ParameterOutOfRange("supplyCap", cap, 0, NO_CAP - 1);
        return uint96(cap);
    }

    // OpenZeppelin's PausableUpgradeable keeps its flag in a namespace of its own: one more cold slot
    // (2,100 gas) on every deposit and withdrawal. The flag lives beside the swap adapter instead (a
    // deposit reads that slot in its place); the modifiers, errors and events are OpenZeppelin's.

    function paused() public view override returns (bool) {
        return _s().paused;
    }

    function _pause() internal override whenNotPaused {
        _s().paused = true;
        emit Paused(_msgSender());
    }

    function _unpause() internal override whenPaused {
        _s().paused = false;
        emit Unpaused(_msgSender());
    }

    function _excessBacking() internal view returns (uint256) {
        uint256 backing = _s().wM.balanceOf(address(this)) * SCALE;
        uint256 supply = totalSupply();
        return backing > supply ? backing - supply : 0;
    }

    /// @dev The price guard on a swap leg that exchanged `tokenAmount` of `token` for `wmAmount` of wM, either
    ///      way: the sequencer is up and past its grace period, the feed's answer is positive and fresh, and
    ///      the swap's execution price is within `maxDeviationBps` of the feed's (wM at $1).
    function _checkSwapPrice(USDaiStorage storage $, address token, uint256 tokenAmount, uint256 wmAmount)
        internal
        view
    {
        PriceGuard memory guard = $.priceGuard;
        if (address(guard.sequencerFeed) != address(0)) {
            (, int256 status, uint256 startedAt,,) = guard.sequencerFeed.latestRoundData();
            // startedAt 0: the uptime feed has no round yet (Chainlink: treat as not up).
            if (status != 0 || startedAt == 0) revert SequencerDown(address(guard.sequencerFeed));
            if (block.timestamp < startedAt + guard.gracePeriod) {
                revert SequencerGracePeriod(startedAt + guard.gracePeriod);
            }
        }
        PriceFeedConfig memory config = $.priceFeeds[token];
        if (address(config.feed) == address(0)) revert PriceFeedUnset(token);
        (, int256 answer,, uint256 updatedAt,) = config.feed.latestRoundData();
        if (answer <= 0) revert PriceInvalid(address(config.feed), answer);
        if (block.timestamp > updatedAt + config.maxAge) revert PriceStale(address(config.feed), updatedAt, config.maxAge);
        // The token leg's value in wM units at the feed's price.
        uint256 oracleWm = Math.mulDiv(
            tokenAmount, uint256(answer) * WM_UNIT, 10 ** (uint256(config.feedDecimals) + config.tokenDecimals)
        );
        uint256 gap = wmAmount > oracleWm ? wmAmount - oracleWm : oracleWm - wmAmount;
        if (gap * BPS > oracleWm * guard.maxDeviationBps) {
            revert SwapPriceDeviation(token, oracleWm, wmAmount, guard.maxDeviationBps);
        }
    }

    function _checkRecipient(address recipient) internal view {
        if (recipient == address(0) || recipient == address(this)) revert RecipientInvalid(recipient);
    }

    function _setTokenSupport(address token, bool supported) internal {
        if (token == address(0)) revert AddressZero();
        _s().isTokenSupported[token] = supported;
        emit TokenSupportUpdated(token, supported);
    }

    function _setAdminFee(uint256 feeBps, address feeRecipient_) internal {
        if (feeBps > MAX_ADMIN_FEE_BPS) revert AdminFeeTooHigh(feeBps, MAX_ADMIN_FEE_BPS);
        if (feeRecipient_ == address(0)) revert AddressZero();
        USDaiStorage storage $ = _s();
        emit AdminFeeUpdated($.adminFeeBps, feeBps, feeRecipient_);
        $.adminFeeBps = uint16(feeBps); // safe: at most MAX_ADMIN_FEE_BPS
        $.feeRecipient = feeRecipient_;
    }
}
