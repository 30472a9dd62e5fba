// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {ISwapAdapter} from "../../interfaces/ISwapAdapter.sol";

/// @notice The part of Uniswap's SwapRouter02 (Arbitrum 0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45) used here.
interface ISwapRouter02 {
    struct ExactInputSingleParams {
        address tokenIn;
        address tokenOut;
        uint24 fee;
        address recipient;
        uint256 amountIn;
        uint256 amountOutMinimum;
        uint160 sqrtPriceLimitX96;
    }

    function exactInputSingle(ExactInputSingleParams calldata params) external payable returns (uint256 amountOut);
}

/// @title UniswapV3SwapAdapter
/// @notice `ISwapAdapter` over Uniswap V3 pools between wM and each deposit token, used in fork mode
///         and on live networks. One pool fee tier per deposit token, fixed at deployment.
contract UniswapV3SwapAdapter is ISwapAdapter {
    using SafeERC20 for IERC20;

    ISwapRouter02 public immutable router;
    address public immutable wM;
    /// @dev Pool fee tier (hundredths of a bip) of the wM pool of each deposit token; 0 = not served.
    mapping(address => uint24) public poolFee;

    constructor(ISwapRouter02 router_, address wM_, address[] memory tokens, uint24[] memory fees) {
        router = router_;
        wM = wM_;
        for (uint256 i; i < tokens.length; ++i) {
            poolFee[tokens[i]] = fees[i];
        }
    }

    /// @inheritdoc ISwapAdapter
    function swapExactIn(address tokenIn, address tokenOut, uint256 amountIn, uint256 minAmountOut, address recipient)
        external
        returns (uint256 amountOut)
    {
        if (amountIn == 0) revert SwapAmountZero();
        uint24 fee = _fee(tokenIn, tokenOut);
        IERC20(tokenIn).forceApprove(address(router), amountIn);
        uint256 before = IERC20(tokenOut).balanceOf(recipient);
        router.exactInputSingle(
            ISwapRouter02.ExactInputSingleParams(tokenIn, tokenOut, fee, recipient, amountIn, 0, 0)
        );
        // Measured, not trusted: what reached the recipient is what counts for slippage.
        amountOut = IERC20(tokenOut).balanceOf(recipient) - before;
        if (amountOut < minAmountOut) revert SwapSlippageExceeded(amountOut, minAmountOut);
        emit Swapped(tokenIn, tokenOut, amountIn, amountOut, recipient);
    }

    /// @inheritdoc ISwapAdapter
    /// @dev A pool-price quote needs the Quoter's state-changing simulation; as a view this returns the
    ///      1:1 amount less the pool fee, an upper bound used only for display.
    function quoteExactIn(address tokenIn, address tokenOut, uint256 amountIn) external view returns (uint256) {
        uint24 fee = _fee(tokenIn, tokenOut);
        return amountIn - (amountIn * fee + 999_999) / 1_000_000;
    }

    function _fee(address tokenIn, address tokenOut) internal view returns (uint24 fee) {
        fee = tokenIn == wM ? poolFee[tokenOut] : (tokenOut == wM ? poolFee[tokenIn] : 0);
        if (fee == 0) revert SwapPairUnsupported(tokenIn, tokenOut);
    }
}
