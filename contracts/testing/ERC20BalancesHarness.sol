// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20BalancesBase} from "../ERC20BalancesBase.sol";

/// @title ERC20BalancesHarness
/// @notice Test only: `ERC20BalancesBase` with open mint, burn and flag setters, so the tests reach the
///         edges no deployed token can (a supply at 2^255) and compare the packed words with a model.
contract ERC20BalancesHarness is ERC20BalancesBase {
    constructor() initializer {
        __ERC20_init("Harness", "HRN");
    }

    function mint(address to, uint256 value) external {
        _mint(to, value);
    }

    function burn(address from, uint256 value) external {
        _burn(from, value);
    }

    function setBlacklisted(address account, bool blacklisted) external {
        _setBlacklistFlag(account, blacklisted);
    }

    function isBlacklisted(address account) external view returns (bool) {
        return _isBlacklisted(account);
    }

    /// @notice The raw balance word: bit 255 the flag, the rest the balance.
    function wordOf(address account) external view returns (uint256 word) {
        bytes32 slot = keccak256(abi.encode(account, uint256(0x0dcf0c0253fa040424a1e5a2557a32d20e86f6e432be28d28898b74ac1c02700)));
        assembly {
            word := sload(slot)
        }
    }
}
