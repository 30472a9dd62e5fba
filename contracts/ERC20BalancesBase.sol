// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";

import {IBlacklistable} from "../interfaces/IBlacklistable.sol";

/// @title ERC20BalancesBase
/// @notice The balances of USDai and sUSDai, each account's blacklist flag in its balance word.
/// @dev OpenZeppelin's ERC-20 keeps balances and the supply in its own namespace, and a blacklist beside
///      it would cost every transfer two more cold reads (2,100 gas each: sender and recipient). Here bit
///      255 of an account's balance word is its flag (as USDC v2.2 does), so the words a transfer reads
///      and writes anyway say whether either side is blacklisted. Balances stay below 2^255: the supply
///      is bounded there, and every balance is at most the supply. Allowances, names and permit nonces
///      stay with OpenZeppelin's bases; `_update` here replaces theirs entirely.
abstract contract ERC20BalancesBase is ERC20Upgradeable, IBlacklistable {
    /// @dev The flag bit of a balance word.
    uint256 private constant BLACKLISTED = 1 << 255;

    /// @custom:storage-location erc7201:gpuyield.storage.ERC20Balances
    struct ERC20BalancesStorage {
        mapping(address => uint256) words; // bit 255: blacklisted; bits 0-254: balance
        uint256 totalSupply;
    }

    // keccak256(abi.encode(uint256(keccak256("gpuyield.storage.ERC20Balances")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant BALANCES_STORAGE_SLOT = 0x0dcf0c0253fa040424a1e5a2557a32d20e86f6e432be28d28898b74ac1c02700;

    function _balances() private pure returns (ERC20BalancesStorage storage $) {
        assembly {
            $.slot := BALANCES_STORAGE_SLOT
        }
    }

    // ---------------------------------------------------------------- views

    function balanceOf(address account) public view virtual override returns (uint256) {
        return _balances().words[account] & ~BLACKLISTED;
    }

    function totalSupply() public view virtual override returns (uint256) {
        return _balances().totalSupply;
    }

    function _isBlacklisted(address account) internal view returns (bool) {
        return _balances().words[account] & BLACKLISTED != 0;
    }

    // ---------------------------------------------------------------- internal

    /// @dev Sets or clears the flag; the balance underneath is kept (and frozen while flagged).
    function _setBlacklistFlag(address account, bool blacklisted) internal {
        ERC20BalancesStorage storage $ = _balances();
        uint256 word = $.words[account];
        $.words[account] = blacklisted ? word | BLACKLISTED : word & ~BLACKLISTED;
    }

    /// @dev A transfer, mint (`from` zero) or burn (`to` zero). Refuses a blacklisted sender, recipient
    ///      or operator (`msg.sender`, when it is neither): the first two from the words it updates, the
    ///      operator with one more read. A blacklisted account's word has bit 255 set, so a word that
    ///      passed the check is its balance.
    function _update(address from, address to, uint256 value) internal virtual override {
        ERC20BalancesStorage storage $ = _balances();
        if (from == address(0)) {
            uint256 supply = $.totalSupply + value;
            if (supply >= BLACKLISTED) revert SupplyOverflow(supply);
            $.totalSupply = supply;
        } else {
            uint256 fromWord = $.words[from];
            if (fromWord >= BLACKLISTED) revert AccountBlacklisted(from);
            if (fromWord < value) revert ERC20InsufficientBalance(from, fromWord, value);
            unchecked {
                $.words[from] = fromWord - value;
            }
        }
        if (to == address(0)) {
            unchecked {
                $.totalSupply -= value; // value <= from's balance <= the supply
            }
        } else {
            uint256 toWord = $.words[to];
            if (toWord >= BLACKLISTED) revert AccountBlacklisted(to);
            unchecked {
                $.words[to] = toWord + value; // below 2^255: at most the supply
            }
        }
        if (msg.sender != from && msg.sender != to && _isBlacklisted(msg.sender)) {
            revert AccountBlacklisted(msg.sender);
        }
        emit Transfer(from, to, value);
    }
}
