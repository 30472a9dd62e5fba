// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Metadata} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC721Utils} from "@openzeppelin/contracts/token/ERC721/utils/ERC721Utils.sol";
import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";

import {IRedemptionTicket} from "../interfaces/IRedemptionTicket.sol";
import {IStakedUSDai} from "../interfaces/IStakedUSDai.sol";

/// @title RedemptionTicket
/// @notice ERC-721 redemption tickets of sUSDai. See IRedemptionTicket.
/// @dev Owners and balances are read from the vault (the request's controller and the holder's ticket
///      count), so a request costs the vault one event here, not two more storage slots. Approvals are
///      kept here and cleared on every transfer. The vault refuses a transfer from or to a blacklisted
///      account and moves the whole request, place included.
contract RedemptionTicket is IRedemptionTicket, IERC721Metadata, IERC721Errors, Initializable {
    using Strings for uint256;

    /// @custom:storage-location erc7201:gpuyield.storage.RedemptionTicket
    struct TicketStorage {
        mapping(uint256 tokenId => address) approvals;
        mapping(address owner => mapping(address operator => bool)) operatorApprovals;
        // (cycle << 64 | first ticket id of that cycle), one entry per cycle that had a request.
        uint256[] cycles;
    }

    // keccak256(abi.encode(uint256(keccak256("gpuyield.storage.RedemptionTicket")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0xb3749ec95b2faec4b498ce57be42127ed99c7f2f4a1569ac4bbe2585921c7e00;

    function _s() private pure returns (TicketStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    /// @notice The vault these tickets belong to: fixed in the implementation (an immutable read costs
    ///         no storage access on every mint, burn and view).
    IStakedUSDai internal immutable VAULT;

    /// @custom:oz-upgrades-unsafe-allow constructor state-variable-immutable
    constructor(IStakedUSDai vault_) {
        if (address(vault_).code.length == 0) revert AddressZero();
        VAULT = vault_;
        _disableInitializers();
    }

    /// @notice Marks the proxy initialized (the vault is the implementation's).
    function initialize() external initializer {}

    // ---------------------------------------------------------------- vault hooks

    /// @inheritdoc IRedemptionTicket
    function onMint(address to, uint256 requestId, uint256 cycle, bool firstOfCycle) external {
        _onlyVault();
        // An entry only for the first request of a cycle: ids and cycles both only grow.
        if (firstOfCycle) _s().cycles.push(cycle << 64 | requestId);
        emit Transfer(address(0), to, requestId);
    }

    /// @inheritdoc IRedemptionTicket
    function onBurn(address from, uint256 requestId) external {
        _onlyVault();
        delete _s().approvals[requestId];
        emit Transfer(from, address(0), requestId);
    }

    // ---------------------------------------------------------------- ERC-721

    function balanceOf(address owner) external view returns (uint256) {
        if (owner == address(0)) revert ERC721InvalidOwner(address(0));
        return VAULT.ticketCount(owner);
    }

    function ownerOf(uint256 tokenId) public view returns (address owner) {
        owner = VAULT.requestOf(tokenId).controller;
        if (owner == address(0)) revert ERC721NonexistentToken(tokenId);
    }

    function approve(address to, uint256 tokenId) external {
        address owner = ownerOf(tokenId);
        if (msg.sender != owner && !_s().operatorApprovals[owner][msg.sender]) {
            revert ERC721InvalidApprover(msg.sender);
        }
        _s().approvals[tokenId] = to;
        emit Approval(owner, to, tokenId);
    }

    function getApproved(uint256 tokenId) external view returns (address) {
        ownerOf(tokenId);
        return _s().approvals[tokenId];
    }

    function setApprovalForAll(address operator, bool approved) external {
        if (operator == address(0)) revert ERC721InvalidOperator(operator);
        _s().operatorApprovals[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    function isApprovedForAll(address owner, address operator) public view returns (bool) {
        return _s().operatorApprovals[owner][operator];
    }

    /// @dev Refuses the zero address, the vault and this contract as recipients: neither can ever
    ///      claim, so a ticket sent there would be lost.
    function transferFrom(address from, address to, uint256 tokenId) public {
        TicketStorage storage $ = _s();
        if (to == address(0) || to == address(VAULT) || to == address(this)) revert ERC721InvalidReceiver(to);
        address owner = ownerOf(tokenId);
        if (owner != from) revert ERC721IncorrectOwner(from, tokenId, owner);
        if (msg.sender != owner && !$.operatorApprovals[owner][msg.sender] && $.approvals[tokenId] != msg.sender) {
            revert ERC721InsufficientApproval(msg.sender, tokenId);
        }
        // The vault refuses a blacklisted holder or recipient; an operator moving it is checked here.
        if (msg.sender != owner && VAULT.isBlacklisted(msg.sender)) revert AccountBlacklisted(msg.sender);
        delete $.approvals[tokenId];
        emit Transfer(from, to, tokenId);
        VAULT.onTicketTransfer(tokenId, from, to);
    }

    function safeTransferFrom(address from, address to, uint256 tokenId) external {
        safeTransferFrom(from, to, tokenId, "");
    }

    function safeTransferFrom(address from, address to, uint256 tokenId, bytes memory data) public {
        transferFrom(from, to, tokenId);
        ERC721Utils.checkOnERC721Received(msg.sender, from, to, tokenId, data);
    }

    // ---------------------------------------------------------------- metadata

    function name() external pure returns (string memory) {
        return "sUSDai Redemption Ticket";
    }

    function symbol() external pure returns (string memory) {
        return "sUSDai-RT";
    }

    /// @notice On-chain JSON: pending and bonded shares, the serviced part waiting to be claimed, the
    ///         cycle it is due in, and its place: requests ahead of it in the FIFO queue (0 once FIFO
    ///         has reached it).
    function tokenURI(uint256 tokenId) external view returns (string memory) {
        ownerOf(tokenId);
        string memory json = string.concat(
            '{"name":"sUSDai redemption #',
            tokenId.toString(),
            '","description":"A place in the sUSDai redemption queue. Whoever holds it claims it.","attributes":[',
            _attributes(tokenId),
            "]}"
        );
        return string.concat("data:application/json;base64,", Base64.encode(bytes(json)));
    }

    // ---------------------------------------------------------------- ERC-165 and views

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC721).interfaceId || interfaceId == type(IERC721Metadata).interfaceId
            || interfaceId == type(IERC165).interfaceId;
    }

    /// @inheritdoc IRedemptionTicket
    function requestCycle(uint256 requestId) public view returns (uint256) {
        // Each entry packs (cycle << 64 | first request id): uint64 takes the id back.
        uint256[] storage cycles = _s().cycles;
        if (cycles.length == 0 || requestId < uint64(cycles[0])) revert ERC721NonexistentToken(requestId);
        // The last entry whose first id is at most `requestId`.
        uint256 low;
        uint256 high = cycles.length;
        while (high - low > 1) {
            uint256 mid = (low + high) / 2;
            if (uint64(cycles[mid]) <= requestId) low = mid;
            else high = mid;
        }
        return cycles[low] >> 64;
    }

    /// @inheritdoc IRedemptionTicket
    function vault() external view returns (address) {
        return address(VAULT);
    }

    // ---------------------------------------------------------------- internal

    function _onlyVault() internal view {
        if (msg.sender != address(VAULT)) revert VaultOnly(msg.sender);
    }

    function _attributes(uint256 tokenId) internal view returns (string memory) {
        IStakedUSDai vault_ = VAULT;
        uint256 bond = vault_.bondOf(tokenId);
        string memory pending = string.concat(
            _attribute("pending shares", uint256(vault_.requestOf(tokenId).shares) + bond, true),
            _attribute("bonded shares", bond, true)
        );
        IStakedUSDai.Claim memory c = vault_.claimOf(tokenId);
        string memory claimable =
            string.concat(_attribute("claimable shares", c.shares, true), _attribute("claimable USDai", c.assets, true));
        (, uint256 fifoHead,) = vault_.queueState();
        return string.concat(
            pending,
            claimable,
            _attribute("due cycle", requestCycle(tokenId) + 1, true),
            _attribute("requests ahead", tokenId > fifoHead ? tokenId - fifoHead : 0, false)
        );
    }

    function _attribute(string memory trait, uint256 value, bool more) internal pure returns (string memory) {
        return string.concat(
            '{"trait_type":"', trait, '","display_type":"number","value":', value.toString(), more ? "}," : "}"
        );
    }
}
