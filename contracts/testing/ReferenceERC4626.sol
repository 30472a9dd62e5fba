// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";

/// @title ReferenceERC4626
/// @notice Benchmark reference only: OpenZeppelin 5's ERC-4626 vault over USDai, measured in the same
///         run as sUSDai.
contract ReferenceERC4626 is ERC4626 {
    constructor(IERC20 asset_) ERC20("Reference vault", "rUSDai") ERC4626(asset_) {}
}
