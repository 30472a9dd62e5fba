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
/// @notice `ISwapAdapter` over Uniswap V3 pools between wM and each deposit token: on Arbitrum the real
///         pools, on a local chain Uniswap V3 deployed from its npm artifacts. One pool fee tier per deposit
///         token, fixed at deployment.
contract UniswapV3SwapAdapter is ISwapAdapter {
    using SafeERC20 for IERC20;

    /// @notice The furthest a swap may push a pool from 1:1 (in base units; wM, USDC and USDT all have 6
    ///         decimals): sqrt(0.95) and sqrt(1.05) in Q64.96. A swap that would go further stops there and
    ///         is refused as partially filled. Without a limit a pool that runs out of liquidity walks its
    ///         whole tick bitmap (about 7,000 words at tick spacing 1) and the transaction runs out of gas.
    uint160 public constant MIN_SQRT_PRICE_X96 = 77222060634363718885682874256;
    uint160 public constant MAX_SQRT_PRICE_X96 = 81184708056111249417064520224;

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
        uint256 held = IERC20(tokenIn).balanceOf(address(this));
        uint256 before = IERC20(tokenOut).balanceOf(recipient);
        // Selling token0 (the lower address) lowers the pool's price.
        uint160 limit = tokenIn < tokenOut ? MIN_SQRT_PRICE_X96 : MAX_SQRT_PRICE_X96;
        router.exactInputSingle(
            ISwapRouter02.ExactInputSingleParams(tokenIn, tokenOut, fee, recipient, amountIn, 0, limit)
        );
        // SwapRouter02 accepts an exact-input swap that stops short at the price limit (the pool ran out of
        // liquidity within 5% of 1:1): refuse it rather than leave the rest here.
        uint256 spent = held - IERC20(tokenIn).balanceOf(address(this));
        if (spent != amountIn) revert SwapPartiallyFilled(amountIn, spent);
        // Measured, not trusted: what reached the recipient is what counts for slippage.
        amountOut = IERC20(tokenOut).balanceOf(recipient) - before;
        if (amountOut < minAmountOut) revert SwapSlippageExceeded(amountOut, minAmountOut);
        emit Swapped(tokenIn, tokenOut, amountIn, amountOut, recipient);
    }

    /// @inheritdoc ISwapAdapter
    /// @dev A pool-price quote needs the Quoter's state-changing simulation; as a view this returns the
    ///      1:1 amount less the pool fee: an estimate for display, not a bound (it ignores price impact and
    ///      where the pool trades). Set a minimum from QuoterV2 off-chain.
    function quoteExactIn(address tokenIn, address tokenOut, uint256 amountIn) external view returns (uint256) {
        uint24 fee = _fee(tokenIn, tokenOut);
        return amountIn - (amountIn * fee + 999_999) / 1_000_000;
    }

    function _fee(address tokenIn, address tokenOut) internal view returns (uint24 fee) {
        fee = tokenIn == wM ? poolFee[tokenOut] : (tokenOut == wM ? poolFee[tokenIn] : 0);
        if (fee == 0) revert SwapPairUnsupported(tokenIn, tokenOut);
    }
}
