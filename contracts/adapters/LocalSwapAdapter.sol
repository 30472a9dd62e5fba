// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {ISwapAdapter} from "../../interfaces/ISwapAdapter.sol";
import {LocalSwapVenue} from "../local/LocalSwapVenue.sol";

/// @title LocalSwapAdapter
/// @notice `ISwapAdapter` over the local venue; the same interface `UniswapV3SwapAdapter` serves on forks.
contract LocalSwapAdapter is ISwapAdapter {
    using SafeERC20 for IERC20;

    LocalSwapVenue public immutable venue;

    constructor(LocalSwapVenue venue_) {
        venue = venue_;
    }

    /// @inheritdoc ISwapAdapter
    function swapExactIn(address tokenIn, address tokenOut, uint256 amountIn, uint256 minAmountOut, address recipient)
        external
        returns (uint256 amountOut)
    {
        if (amountIn == 0) revert SwapAmountZero();
        // Quoted first so that slippage fails with the adapter's error, the same for every adapter.
        amountOut = venue.quote(tokenIn, tokenOut, amountIn);
        if (amountOut < minAmountOut) revert SwapSlippageExceeded(amountOut, minAmountOut);
        IERC20(tokenIn).forceApprove(address(venue), amountIn);
        venue.swap(tokenIn, tokenOut, amountIn, amountOut, recipient);
        emit Swapped(tokenIn, tokenOut, amountIn, amountOut, recipient);
    }

    /// @inheritdoc ISwapAdapter
    function quoteExactIn(address tokenIn, address tokenOut, uint256 amountIn) external view returns (uint256) {
        return venue.quote(tokenIn, tokenOut, amountIn);
    }
}
