// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IWrappedM} from "../../interfaces/IWrappedM.sol";
import {ContinuousIndexLib} from "../libraries/ContinuousIndexLib.sol";

/// @title LocalWrappedM
/// @notice Local stand-in for M^0's Wrapped M: a 6-decimal ERC-20 whose earners accrue yield at a
///         continuously compounding index, claimable with `claimFor`. As on the real wM, the yield of
///         an earner is claimed (minted to it) before any transfer that moves its balance.
/// @dev Each account is one storage slot: its balance and, for earners, the index of its last claim
///      (0 for non-earners), so an earner costs no extra slot on transfers.
contract LocalWrappedM is IWrappedM, IERC20Errors, Ownable {
    using ContinuousIndexLib for uint256;
    using SafeCast for uint256;

    struct Account {
        uint128 balance;
        uint128 lastIndex; // 0: not earning
    }

    /// @notice Thrown when a caller other than the owner or the minter mints or burns.
    error MinterUnauthorized(address caller);
    /// @notice Thrown when an earner is started twice or a non-earner stopped.
    error EarningStatusUnchanged(address account, bool isEarning);

    /// @notice Emitted when yield is minted to an earner.
    event Claimed(address indexed account, uint256 yield);
    event StartedEarning(address indexed account);
    event StoppedEarning(address indexed account);
    event EarnerRateUpdated(uint256 previousRateBps, uint256 rateBps);
    event MinterUpdated(address indexed previous, address indexed current);

    uint256 public totalSupply;
    mapping(address => Account) internal _accounts;
    mapping(address => mapping(address => uint256)) public allowance;

    /// @notice The annual earner rate in bps.
    uint256 public earnerRate;
    /// @notice The address allowed to mint and burn besides the owner (the local swap venue).
    address public minter;
    uint128 internal _latestIndex;
    uint40 internal _latestUpdate; // block timestamps fit 40 bits for 34,000 years

    constructor(address owner_, uint256 earnerRateBps) Ownable(owner_) {
        earnerRate = earnerRateBps;
        _latestIndex = uint128(ContinuousIndexLib.INDEX_ONE);
        _latestUpdate = uint40(block.timestamp);
    }

    // ---------------------------------------------------------------- governance

    function setEarnerRate(uint256 rateBps) external onlyOwner {
        _latestIndex = currentIndex();
        _latestUpdate = uint40(block.timestamp);
        emit EarnerRateUpdated(earnerRate, rateBps);
        earnerRate = rateBps;
    }

    function setMinter(address minter_) external onlyOwner {
        emit MinterUpdated(minter, minter_);
        minter = minter_;
    }

    /// @inheritdoc IWrappedM
    function startEarningFor(address account) external onlyOwner {
        Account storage a = _accounts[account];
        if (a.lastIndex != 0) revert EarningStatusUnchanged(account, true);
        a.lastIndex = currentIndex();
        emit StartedEarning(account);
    }

    /// @inheritdoc IWrappedM
    function stopEarningFor(address account) external onlyOwner {
        if (_accounts[account].lastIndex == 0) revert EarningStatusUnchanged(account, false);
        _claim(account);
        _accounts[account].lastIndex = 0;
        emit StoppedEarning(account);
    }

    function mint(address to, uint256 amount) external {
        if (msg.sender != minter && msg.sender != owner()) revert MinterUnauthorized(msg.sender);
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        _move(address(0), to, amount);
    }

    function burn(uint256 amount) external {
        if (msg.sender != minter && msg.sender != owner()) revert MinterUnauthorized(msg.sender);
        _move(msg.sender, address(0), amount);
    }

    // ---------------------------------------------------------------- ERC-20

    function name() external pure returns (string memory) {
        return "WrappedM by M^0 (local)";
    }

    function symbol() external pure returns (string memory) {
        return "wM";
    }

    function decimals() external pure returns (uint8) {
        return 6;
    }

    function balanceOf(address account) external view returns (uint256) {
        return _accounts[account].balance;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < amount) revert ERC20InsufficientAllowance(msg.sender, allowed, amount);
            unchecked {
                allowance[from][msg.sender] = allowed - amount;
            }
        }
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        _move(from, to, amount);
        return true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    // ---------------------------------------------------------------- earning

    /// @inheritdoc IWrappedM
    function currentIndex() public view returns (uint128) {
        return uint256(_latestIndex).grow(earnerRate, block.timestamp - _latestUpdate).toUint128();
    }

    /// @inheritdoc IWrappedM
    function isEarning(address account) external view returns (bool) {
        return _accounts[account].lastIndex != 0;
    }

    /// @inheritdoc IWrappedM
    function accruedYieldOf(address account) public view returns (uint240) {
        return _accrued(_accounts[account], currentIndex());
    }

    /// @inheritdoc IWrappedM
    function claimFor(address account) external returns (uint240 yield) {
        return _claim(account);
    }

    // ---------------------------------------------------------------- internal

    function _claim(address account) internal returns (uint240 yield) {
        Account storage a = _accounts[account];
        if (a.lastIndex == 0) return 0;
        uint128 index = currentIndex();
        yield = _accrued(a, index);
        a.lastIndex = index;
        if (yield == 0) return 0;
        a.balance += uint256(yield).toUint128();
        totalSupply += yield;
        emit Claimed(account, yield);
        emit Transfer(address(0), account, yield);
    }

    function _accrued(Account memory a, uint256 index) internal pure returns (uint240) {
        if (a.lastIndex == 0) return 0;
        // Rounded down: an earner is never credited more than its index growth.
        // safe: below 2^128 x index / lastIndex, far inside 240 bits
        return uint240((uint256(a.balance) * index) / a.lastIndex - a.balance);
    }

    function _move(address from, address to, uint256 amount) internal {
        if (from == address(0)) {
            totalSupply += amount;
            amount.toUint128(); // a mint must fit a balance; a transfer fits (amount <= the sender's)
        } else {
            _claim(from);
            Account storage a = _accounts[from];
            if (a.balance < amount) revert ERC20InsufficientBalance(from, a.balance, amount);
            unchecked {
                a.balance -= uint128(amount); // safe: amount <= a.balance (checked above)
            }
        }
        if (to == address(0)) {
            totalSupply -= amount;
        } else {
            _claim(to);
            _accounts[to].balance += uint128(amount); // safe: checked above for a mint, else <= a balance
        }
        emit Transfer(from, to, amount);
    }
}
