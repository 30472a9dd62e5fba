// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC721Holder} from "@openzeppelin/contracts/token/ERC721/utils/ERC721Holder.sol";

/// @title TicketReceiver
/// @notice A contract that accepts ERC-721 safe transfers (a market's escrow, say). Tests only.
contract TicketReceiver is ERC721Holder {}
