// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReferenceERC20
/// @notice Benchmark reference only: OpenZeppelin 5's plain ERC-20 with an open mint, measured in the
///         same run as USDai so that the gas table compares like with like.
contract ReferenceERC20 is ERC20 {
    constructor() ERC20("Reference", "REF") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
