// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IBlacklistable} from "./IBlacklistable.sol";
import {IPriceFeed} from "./IPriceFeed.sol";

/// @title IUSDai
/// @notice A dollar backed 1:1 by M^0's wrapped M (wM, 6 decimals): 1 USDai (1e18 units) per 1 wM
///         (1e6 units). USDC/USDT deposits are swapped to wM; wM's earner yield is not paid to
///         holders but harvested as the sUSDai vault's base yield.
///         Every swap leg is checked against a Chainlink price of its stablecoin (the price guard).
/// @dev Invariant: `totalSupply() <= wM.balanceOf(this) * 1e12` at all times.
interface IUSDai is IERC20, IBlacklistable {
    // ---------------------------------------------------------------- types

    /// @notice The USD price feed of a stablecoin and how old its answer may be. wM is valued at $1 (it is
    ///         T-bill backed 1:1 and has no Chainlink feed): a swap leg is compared with this price alone.
    struct PriceFeedConfig {
        IPriceFeed feed;
        uint32 maxAge; // seconds since the feed's `updatedAt`
        uint8 feedDecimals; // read from the feed when it is set
        uint8 tokenDecimals; // read from the token when its feed is set
    }

    /// @notice How far a swap may execute from the feed's price, and the L2 sequencer check.
    struct PriceGuard {
        IPriceFeed sequencerFeed; // Chainlink's L2 sequencer-uptime feed; zero where the chain has none
        uint32 gracePeriod; // seconds after the sequencer comes back during which swaps stay refused
        uint16 maxDeviationBps; // largest gap between the swap's execution price and the feed's price
    }

    // ---------------------------------------------------------------- errors

    /// @notice Thrown when an amount argument is zero.
    error AmountZero();
    /// @notice Thrown when a deposit or withdrawal names a token that is neither wM nor a supported stablecoin.
    error TokenUnsupported(address token);
    /// @notice Thrown when a deposit mints less USDai than the caller's minimum.
    error DepositSlippageExceeded(uint256 usdaiOut, uint256 minUsdaiOut);
    /// @notice Thrown when a withdrawal pays out less than the caller's minimum.
    error WithdrawalSlippageExceeded(uint256 amountOut, uint256 minOut);
    /// @notice Thrown when a withdrawal is smaller than one wM unit (1e12 USDai units).
    error WithdrawalTooSmall(uint256 usdaiIn, uint256 minimum);
    /// @notice Thrown when a deposit would take the supply above the cap.
    error SupplyCapExceeded(uint256 supplyAfter, uint256 cap);
    /// @notice Thrown when a recipient is the zero address or the token itself.
    error RecipientInvalid(address recipient);
    /// @notice Thrown when a harvest finds no base-yield recipient configured.
    error BaseYieldRecipientUnset();
    /// @notice Thrown when the admin fee is set above `MAX_ADMIN_FEE_BPS`.
    error AdminFeeTooHigh(uint256 feeBps, uint256 maximum);
    /// @notice Thrown when a configuration address is zero.
    error AddressZero();
    /// @notice Thrown when a setting is outside its bounds.
    error ParameterOutOfRange(string name, uint256 value, uint256 min, uint256 max);
    /// @notice Thrown when a stablecoin swap is asked of a token that has no price feed.
    error PriceFeedUnset(address token);
    /// @notice Thrown when a price feed answers zero or less.
    error PriceInvalid(address feed, int256 answer);
    /// @notice Thrown when a price feed's last update is older than its `maxAge`.
    error PriceStale(address feed, uint256 updatedAt, uint256 maxAge);
    /// @notice Thrown when a swap returned `swapWm` where the feed's price gives `oracleWm` (both in wM units)
    ///         and the gap is more than `maxDeviationBps`: a depegged or manipulated pool.
    error SwapPriceDeviation(address token, uint256 oracleWm, uint256 swapWm, uint256 maxDeviationBps);
    /// @notice Thrown while the L2 sequencer-uptime feed reports the sequencer down.
    error SequencerDown(address feed);
    /// @notice Thrown when the sequencer came back less than the grace period ago; swaps reopen at `until`.
    error SequencerGracePeriod(uint256 until);

    // ---------------------------------------------------------------- events

    /// @notice Emitted when `amountIn` of `tokenIn` from `sender` mints `usdaiOut` to `recipient`.
    event Deposited(
        address indexed sender, address indexed recipient, address indexed tokenIn, uint256 amountIn, uint256 usdaiOut
    );
    /// @notice Emitted when `usdaiIn` of `sender` is burned and `amountOut` of `tokenOut` paid to `recipient`.
    event Withdrawn(
        address indexed sender, address indexed recipient, address indexed tokenOut, uint256 usdaiIn, uint256 amountOut
    );
    /// @notice Emitted by a harvest: wM yield claimed, USDai minted to the recipient and as fee.
    event BaseYieldHarvested(address indexed recipient, uint256 wmClaimed, uint256 usdaiToRecipient, uint256 usdaiFee);
    event SupplyCapUpdated(uint256 previous, uint256 current);
    event SwapAdapterUpdated(address indexed previous, address indexed current);
    event BaseYieldRecipientUpdated(address indexed previous, address indexed current);
    event AdminFeeUpdated(uint256 previousBps, uint256 currentBps, address indexed feeRecipient);
    event TokenSupportUpdated(address indexed token, bool supported);
    event BlacklistUpdated(address indexed account, bool blacklisted);
    event PriceFeedUpdated(address indexed token, address indexed feed, uint256 maxAge);
    event PriceGuardUpdated(address indexed sequencerFeed, uint256 gracePeriod, uint256 maxDeviationBps);

    // ---------------------------------------------------------------- user actions

    /// @notice Pulls `amountIn` of `tokenIn` from the caller, swaps it to wM unless it is wM, and mints
    ///         `wM received * 1e12` USDai to `recipient`.
    /// @dev Reverts while paused (`EnforcedPause`), above the supply cap, below `minUsdaiOut`, and for a
    ///      stablecoin when the price guard refuses the swap (`PriceFeedUnset`, `PriceInvalid`, `PriceStale`,
    ///      `SwapPriceDeviation`, `SequencerDown`, `SequencerGracePeriod`).
    ///      Warning: the guard bounds a swap to `maxDeviationBps` from a feed that may be up to its `maxAge`
    ///      old; within that band a sandwich can still move the pool against the depositor. Set
    ///      `minUsdaiOut` from a fresh quote (Uniswap's QuoterV2) with a few bps of tolerance.
    /// @return usdaiOut USDai minted.
    function deposit(address tokenIn, uint256 amountIn, uint256 minUsdaiOut, address recipient)
        external
        returns (uint256 usdaiOut);

    /// @notice Burns `usdaiIn` of the caller's USDai and pays `usdaiIn / 1e12` wM (rounded down; the
    ///         remainder stays as backing), swapped to `tokenOut` unless it is wM, to `recipient`.
    /// @dev Open while paused: a pause never traps what is already the holder's. A stablecoin withdrawal
    ///      passes the same price guard as a deposit; a withdrawal in wM never depends on a feed.
    /// @return amountOut Amount of `tokenOut` paid, at least `minOut`.
    function withdraw(address tokenOut, uint256 usdaiIn, uint256 minOut, address recipient)
        external
        returns (uint256 amountOut);

    /// @notice Claims USDai's wM earner yield and mints the excess backing as USDai: the admin fee to
    ///         the fee recipient, the rest to the base-yield recipient (the sUSDai vault). Permissionless.
    /// @return minted Total USDai minted (recipient + fee).
    function harvestBaseYield() external returns (uint256 minted);

    // ---------------------------------------------------------------- governance

    /// @notice Caps `totalSupply()` after a deposit, in USDai units (`DEFAULT_ADMIN_ROLE`). Any value: below
    ///         the supply it only stops deposits; harvests mint base yield regardless of it.
    function setSupplyCap(uint256 cap) external;
    /// @notice Sets the adapter that swaps supported stablecoins to and from wM (`DEFAULT_ADMIN_ROLE`;
    ///         `AddressZero` for zero). Applies from the next deposit or withdrawal.
    /// @dev Warning: the adapter holds the user's tokens during each swap and is trusted for the rest: a
    ///      deposit's `minUsdaiOut`, a withdrawal's `minOut` and the price guard's deviation bound are the
    ///      user's bounds on what it returns.
    function setSwapAdapter(address adapter) external;
    /// @notice Sets who receives harvested base yield net of the admin fee: the sUSDai vault
    ///         (`DEFAULT_ADMIN_ROLE`; `AddressZero` for zero).
    /// @dev Warning: not refused while yield is unharvested: the previous recipient's `baseYieldOwed` drops
    ///      to 0 at once (the sUSDai price falls) and the new one gets it all. Harvest first.
    function setBaseYieldRecipient(address recipient) external;
    /// @notice Sets the admin fee on base yield in bps (`AdminFeeTooHigh` above `MAX_ADMIN_FEE_BPS`) and its
    ///         recipient (`AddressZero` for zero) (`DEFAULT_ADMIN_ROLE`).
    /// @dev Warning: applies to yield accrued and not yet harvested too: `baseYieldOwed`, and with it the
    ///      sUSDai price, moves at once. Harvest first.
    function setAdminFee(uint256 feeBps, address feeRecipient) external;
    /// @notice Adds or removes a stablecoin (USDC, USDT) for deposits and withdrawals (`DEFAULT_ADMIN_ROLE`;
    ///         `AddressZero` for zero). wM needs no support: withdrawals in wM stay open.
    function setTokenSupport(address token, bool supported) external;
    /// @notice Sets the USD price feed of a stablecoin and the oldest answer accepted (`DEFAULT_ADMIN_ROLE`;
    ///         `AddressZero` for a zero token or feed; `ParameterOutOfRange` for `maxAge` outside
    ///         [60 s, 7 days], or for feed and token decimals adding up to more than 36). Deposits and withdrawals of a stablecoin without a feed are refused.
    function setPriceFeed(address token, IPriceFeed feed, uint256 maxAge) external;
    /// @notice Sets the price guard (`DEFAULT_ADMIN_ROLE`): the largest deviation of a swap from the feed's
    ///         price (`ParameterOutOfRange` outside [1, 1000] bps), and the L2 sequencer-uptime feed (zero:
    ///         none) with its grace period (at most 1 day).
    function setPriceGuard(IPriceFeed sequencerFeed, uint256 gracePeriod, uint256 maxDeviationBps) external;
    /// @notice Blacklists or clears `account` (`BLACKLIST_ADMIN_ROLE`; `AddressZero` for zero): no USDai
    ///         moves from, to or by it (transfers, allowance spends, deposits and withdrawals revert).
    function setBlacklisted(address account, bool blacklisted) external;
    /// @notice Pauses deposits (`PAUSER_ROLE`); withdrawals, transfers and harvests stay open.
    function pause() external;
    /// @notice Lifts the pause (`PAUSER_ROLE`).
    function unpause() external;

    // ---------------------------------------------------------------- views

    /// @notice The backing token (wM).
    function wrappedM() external view returns (address);
    /// @notice The adapter that swaps supported stablecoins to and from wM.
    function swapAdapter() external view returns (address);
    /// @notice The cap on `totalSupply()` a deposit may reach, in USDai units (18 decimals).
    function supplyCap() external view returns (uint256);
    /// @notice Receives harvested base yield net of the admin fee (the sUSDai vault); zero until set, and
    ///         a harvest then reverts `BaseYieldRecipientUnset`.
    function baseYieldRecipient() external view returns (address);
    /// @notice Share of each harvest minted to `feeRecipient`, in bps (at most `MAX_ADMIN_FEE_BPS`).
    function adminFeeBps() external view returns (uint256);
    /// @notice Receives the admin fee on base yield.
    function feeRecipient() external view returns (address);
    /// @notice Whether `token` may be deposited and withdrawn into (wM is accepted regardless).
    function isTokenSupported(address token) external view returns (bool);
    /// @notice The price feed of `token` (a zero feed: none).
    function priceFeed(address token) external view returns (PriceFeedConfig memory);
    /// @notice The price guard's settings.
    function priceGuard() external view returns (PriceGuard memory);
    /// @notice Whether `account` is blacklisted (see `setBlacklisted`).
    function isBlacklisted(address account) external view returns (bool);
    /// @notice USDai a harvest would mint now (recipient + fee), from balance and accrued yield.
    function harvestableBaseYield() external view returns (uint256);
    /// @notice USDai a harvest would mint now to `recipient` (net of the admin fee, rounded as the
    ///         harvest rounds it); 0 unless `recipient` is the base-yield recipient. The sUSDai vault
    ///         counts it in its price, so that whoever harvests, and whenever, a depositor never
    ///         receives yield accrued before its deposit.
    function baseYieldOwed(address recipient) external view returns (uint256);
    /// @notice The most a deposit can mint now (0 while paused).
    function maxDeposit() external view returns (uint256);

    // ---------------------------------------------------------------- constants

    /// @notice The role that may blacklist and clear accounts.
    function BLACKLIST_ADMIN_ROLE() external view returns (bytes32);

    /// @notice Highest admin fee on base yield governance may set (20%).
    function MAX_ADMIN_FEE_BPS() external view returns (uint256);

    /// @notice The price guard's deviation bound from initialization until governance sets another (0.5%).
    /// @dev Warning: an upgrade of a proxy initialized before the guard existed starts with no feeds and a
    ///      bound of 0: every stablecoin deposit and withdrawal is refused (wM stays open) until the same
    ///      governance batch calls `setPriceFeed` for each stablecoin and `setPriceGuard`.
    function DEFAULT_MAX_DEVIATION_BPS() external view returns (uint256);

    /// @notice The role that may pause and unpause.
    function PAUSER_ROLE() external view returns (bytes32);

    /// @notice 1 wM unit (1e-6) backs 1e12 USDai units (1e-18).
    function SCALE() external view returns (uint256);
}
