// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ISwapAdapter
/// @notice Exact-input swaps between wM and a deposit token (USDC, USDT). Push model: the caller
///         transfers `amountIn` of `tokenIn` to the adapter in the same transaction, then calls
///         `swapExactIn`; the adapter never pulls, so it needs no allowance and holds nothing
///         between transactions.
interface ISwapAdapter {
    /// @notice Thrown when a swap would pay out less than the caller's minimum.
    error SwapSlippageExceeded(uint256 amountOut, uint256 minAmountOut);
    /// @notice Thrown when the pair is not served by the adapter.
    error SwapPairUnsupported(address tokenIn, address tokenOut);
    /// @notice Thrown when a swap is asked for zero input.
    error SwapAmountZero();
    /// @notice Thrown when the venue took less than the whole input (a pool ran out of liquidity before the
    ///         price limit): the rest would be left in the adapter.
    error SwapPartiallyFilled(uint256 amountIn, uint256 amountSpent);

    /// @notice Emitted on every swap.
    event Swapped(
        address indexed tokenIn, address indexed tokenOut, uint256 amountIn, uint256 amountOut, address indexed recipient
    );

    /// @notice Swaps `amountIn` of `tokenIn`, already held by the adapter, to `tokenOut` for `recipient`.
    /// @return amountOut The amount of `tokenOut` sent to `recipient`, at least `minAmountOut`.
    function swapExactIn(address tokenIn, address tokenOut, uint256 amountIn, uint256 minAmountOut, address recipient)
        external
        returns (uint256 amountOut);

    /// @notice The amount a swap of `amountIn` would return now (before slippage limits).
    function quoteExactIn(address tokenIn, address tokenOut, uint256 amountIn) external view returns (uint256);
}
