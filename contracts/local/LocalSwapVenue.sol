// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {LocalWrappedM} from "./LocalWrappedM.sol";

/// @title LocalSwapVenue
/// @notice Local stand-in for the wM/USDC and wM/USDT pools: a reserve-backed 1:1 venue with a fee.
///         Stablecoins in are kept as reserves and wM is minted against them; wM in is burned and
///         paid out from the reserves, so a withdrawal larger than the reserves fails as a drained
///         pool would. Pull model (like a router): the caller approves the venue.
contract LocalSwapVenue is Ownable {
    using SafeERC20 for IERC20;

    uint256 internal constant BPS = 1e4;
    /// @notice The highest fee governance may set (1%).
    uint256 public constant MAX_FEE_BPS = 100;

    /// @notice Thrown when a swap would pay out less than the caller's minimum.
    error VenueSlippageExceeded(uint256 amountOut, uint256 minAmountOut);
    /// @notice Thrown when a token other than wM or a listed stablecoin is offered.
    error VenuePairUnsupported(address tokenIn, address tokenOut);
    /// @notice Thrown when the reserves cannot pay a swap out.
    error VenueReservesInsufficient(address token, uint256 reserve, uint256 amountOut);
    /// @notice Thrown when the fee is set above `MAX_FEE_BPS`.
    error VenueFeeTooHigh(uint256 feeBps, uint256 maximum);

    event Swap(address indexed tokenIn, address indexed tokenOut, uint256 amountIn, uint256 amountOut, address recipient);
    event FeeUpdated(uint256 previousFeeBps, uint256 feeBps);
    event StablecoinListed(address indexed token);

    LocalWrappedM public immutable wM;
    uint256 public feeBps;
    mapping(address => bool) public isListed;

    constructor(LocalWrappedM wM_, uint256 feeBps_, address owner_) Ownable(owner_) {
        if (feeBps_ > MAX_FEE_BPS) revert VenueFeeTooHigh(feeBps_, MAX_FEE_BPS);
        wM = wM_;
        feeBps = feeBps_;
    }

    function setFee(uint256 feeBps_) external onlyOwner {
        if (feeBps_ > MAX_FEE_BPS) revert VenueFeeTooHigh(feeBps_, MAX_FEE_BPS);
        emit FeeUpdated(feeBps, feeBps_);
        feeBps = feeBps_;
    }

    function listStablecoin(address token) external onlyOwner {
        isListed[token] = true;
        emit StablecoinListed(token);
    }

    /// @notice Amount out for `amountIn`, after the fee (rounded against the trader).
    function quote(address tokenIn, address tokenOut, uint256 amountIn) public view returns (uint256) {
        _checkPair(tokenIn, tokenOut);
        return Math.mulDiv(amountIn, BPS - feeBps, BPS, Math.Rounding.Floor);
    }

    function swap(address tokenIn, address tokenOut, uint256 amountIn, uint256 minAmountOut, address recipient)
        external
        returns (uint256 amountOut)
    {
        amountOut = quote(tokenIn, tokenOut, amountIn);
        if (amountOut < minAmountOut) revert VenueSlippageExceeded(amountOut, minAmountOut);
        if (tokenIn == address(wM)) {
            uint256 reserve = IERC20(tokenOut).balanceOf(address(this));
            if (reserve < amountOut) revert VenueReservesInsufficient(tokenOut, reserve, amountOut);
            IERC20(tokenIn).safeTransferFrom(msg.sender, address(this), amountIn);
            wM.burn(amountIn);
            IERC20(tokenOut).safeTransfer(recipient, amountOut);
        } else {
            IERC20(tokenIn).safeTransferFrom(msg.sender, address(this), amountIn);
            wM.mint(recipient, amountOut);
        }
        emit Swap(tokenIn, tokenOut, amountIn, amountOut, recipient);
    }

    function _checkPair(address tokenIn, address tokenOut) internal view {
        bool wmToStable = tokenIn == address(wM) && isListed[tokenOut];
        bool stableToWm = tokenOut == address(wM) && isListed[tokenIn];
        if (!wmToStable && !stableToWm) revert VenuePairUnsupported(tokenIn, tokenOut);
    }
}
