// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {ERC721Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC721/ERC721Upgradeable.sol";
import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";

import {ICaliberReceipt} from "../interfaces/ICaliberReceipt.sol";
import {ILoanBook} from "../interfaces/ILoanBook.sol";

/// @title CaliberReceipt
/// @notice CALIBER custody receipts (ERC-721), one per lot of GPU hardware held by an insured custodian.
contract CaliberReceipt is ICaliberReceipt, ERC721Upgradeable, AccessControlUpgradeable, PausableUpgradeable {
    using Strings for uint256;
    using Strings for address;
    using Strings for string;

    // ---------------------------------------------------------------- constants

    bytes32 public constant CUSTODIAN_ROLE = keccak256("CUSTODIAN_ROLE");
    bytes32 public constant APPRAISER_ROLE = keccak256("APPRAISER_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    // ---------------------------------------------------------------- storage

    /// @custom:storage-location erc7201:gpuyield.storage.CaliberReceipt
    struct CaliberReceiptStorage {
        address registry;
        uint256 maxAppraisalAge;
        uint256 lastId;
        mapping(uint256 => Receipt) records;
        // A reported casualty and the policy as it stood when it was reported (a later restatement of
        // the insurance does not change what the loss is covered for).
        mapping(uint256 => Casualty) casualties;
    }

    struct Casualty {
        uint64 occurredAt;
        uint64 policyExpiry;
        uint128 coverageUsdai;
    }

    // keccak256(abi.encode(uint256(keccak256("gpuyield.storage.CaliberReceipt")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x393d8cdd82bc28c5be7960cb748cef589bf83c1687e1dcabdb887f7d0af50d00;

    function _s() private pure returns (CaliberReceiptStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    // ---------------------------------------------------------------- initializer

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @param admin Governance (`DEFAULT_ADMIN_ROLE`); custodians, appraisers and pausers are granted separately.
    /// @param maxAppraisalAge_ Age in seconds beyond which an appraisal is stale (*default* 90 days).
    function initialize(address admin, uint256 maxAppraisalAge_) external initializer {
        if (admin == address(0)) revert AddressZero();
        __ERC721_init("CALIBER Custody Receipt", "CALIBER");
        __AccessControl_init();
        __Pausable_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _setMaxAppraisalAge(maxAppraisalAge_);
    }

    // ---------------------------------------------------------------- modifiers

    /// @dev The caller must hold `CUSTODIAN_ROLE` and be the custodian named in the receipt.
    modifier onlyCustodianOf(uint256 id) {
        _checkRole(CUSTODIAN_ROLE);
        Receipt storage r = _record(id);
        if (r.custodian != msg.sender) revert ReceiptCustodianMismatch(id, msg.sender, r.custodian);
        _;
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc ICaliberReceipt
    function setRegistry(address registry_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (registry_ == address(0)) revert AddressZero();
        CaliberReceiptStorage storage $ = _s();
        emit RegistryUpdated($.registry, registry_);
        $.registry = registry_;
    }

    /// @inheritdoc ICaliberReceipt
    function setMaxAppraisalAge(uint256 maxAge) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setMaxAppraisalAge(maxAge);
    }

    /// @inheritdoc ICaliberReceipt
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc ICaliberReceipt
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------- custodian and appraiser

    /// @inheritdoc ICaliberReceipt
    function mint(address to, MintParams calldata params)
        external
        whenNotPaused
        onlyRole(CUSTODIAN_ROLE)
        returns (uint256 id)
    {
        if (params.quantity == 0 || params.serialsRoot == bytes32(0)) revert ReceiptRecordInvalid();
        _checkInsurance(params.insurance);
        CaliberReceiptStorage storage $ = _s();
        id = ++$.lastId;
        Receipt storage r = $.records[id];
        r.custodian = msg.sender;
        r.status = Status.Active;
        r.facilityId = params.facilityId;
        r.assetClass = params.assetClass;
        r.model = params.model;
        r.quantity = params.quantity;
        r.serialsRoot = params.serialsRoot;
        r.legalDocHash = params.legalDocHash;
        r.insurance = params.insurance;
        emit ReceiptMinted(id, msg.sender, to, params.facilityId);
        emit StatusChanged(id, Status.None, Status.Active);
        // `_mint`, not `_safeMint`: no receiver callback, so no re-entry from the owner during a mint.
        _mint(to, id);
    }

    /// @inheritdoc ICaliberReceipt
    function burn(uint256 id) external onlyCustodianOf(id) {
        Receipt storage r = _s().records[id];
        Status previous = r.status;
        Status next;
        if (previous == Status.Active) next = Status.Released;
        else if (previous == Status.Liquidating) next = Status.Liquidated;
        else revert ReceiptNotBurnable(id, previous);
        // The status leaves Liquidating before `_burn`, so the escrow lock in `_update` lets the burn through.
        r.status = next;
        emit StatusChanged(id, previous, next);
        emit ReceiptBurned(id, msg.sender, next);
        _burn(id);
    }

    /// @inheritdoc ICaliberReceipt
    function updateInsurance(uint256 id, Insurance calldata insurance) external onlyCustodianOf(id) {
        _checkInsurance(insurance);
        _s().records[id].insurance = insurance;
        emit InsuranceUpdated(
            id, insurance.insurer, insurance.policyHash, insurance.coverageUsdai, insurance.policyExpiry
        );
    }

    /// @inheritdoc ICaliberReceipt
    function appraise(uint256 id, uint256 valueUsdai, uint64 timestamp) external onlyRole(APPRAISER_ROLE) {
        Receipt storage r = _record(id);
        uint64 previous = r.appraisal.timestamp;
        if (timestamp <= previous || timestamp > block.timestamp) {
            revert AppraisalTimestampInvalid(id, timestamp, previous);
        }
        if (valueUsdai == 0) revert AppraisalValueZero(id);
        r.appraisal = Appraisal(valueUsdai, timestamp, msg.sender);
        emit Appraised(id, msg.sender, valueUsdai, timestamp);
        // A pledged receipt's new value reaches its loan, and the vault's price, in this transaction.
        Status status = r.status;
        if (status == Status.Pledged || status == Status.Liquidating) ILoanBook(_s().registry).onReceiptEvidence(id);
    }

    /// @inheritdoc ICaliberReceipt
    function reportCasualty(uint256 id, uint64 occurredAt) external onlyCustodianOf(id) {
        CaliberReceiptStorage storage $ = _s();
        Receipt storage r = $.records[id];
        Status status = r.status;
        if (
            occurredAt == 0 || occurredAt > block.timestamp || $.casualties[id].occurredAt != 0
                || status == Status.Released || status == Status.Liquidated
        ) revert CasualtyInvalid(id, occurredAt);
        uint256 coverage = r.insurance.coverageUsdai;
        $.casualties[id] = Casualty(
            occurredAt, r.insurance.policyExpiry, coverage > type(uint128).max ? type(uint128).max : uint128(coverage)
        );
        emit CasualtyReported(id, msg.sender, occurredAt);
        if (status == Status.Pledged || status == Status.Liquidating) ILoanBook($.registry).onReceiptEvidence(id);
    }

    // ---------------------------------------------------------------- registry

    /// @inheritdoc ICaliberReceipt
    function setStatus(uint256 id, Status next) external {
        if (msg.sender != _s().registry) revert CallerNotRegistry(msg.sender);
        Receipt storage r = _record(id);
        Status previous = r.status;
        bool allowed = (previous == Status.Active && next == Status.Pledged)
            || (previous == Status.Pledged && (next == Status.Active || next == Status.Liquidating));
        if (!allowed) revert StatusTransitionInvalid(id, previous, next);
        r.status = next;
        emit StatusChanged(id, previous, next);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ICaliberReceipt
    function receipt(uint256 id) external view returns (Receipt memory) {
        return _record(id);
    }

    /// @inheritdoc ICaliberReceipt
    function statusOf(uint256 id) external view returns (Status) {
        return _s().records[id].status;
    }

    /// @inheritdoc ICaliberReceipt
    function appraisalValue(uint256 id) external view returns (uint256) {
        return _s().records[id].appraisal.valueUsdai;
    }

    /// @inheritdoc ICaliberReceipt
    function financing(uint256 id)
        external
        view
        returns (Status status, uint256 valueUsdai, uint64 appraisedAt, uint64 policyExpiry)
    {
        Receipt storage r = _s().records[id];
        return (r.status, r.appraisal.valueUsdai, r.appraisal.timestamp, r.insurance.policyExpiry);
    }

    /// @inheritdoc ICaliberReceipt
    function valuation(uint256 id) external view returns (uint256 valueUsdai, uint64 appraisedAt, uint64 casualtyAt) {
        CaliberReceiptStorage storage $ = _s();
        Appraisal storage a = $.records[id].appraisal;
        return (a.valueUsdai, a.timestamp, $.casualties[id].occurredAt);
    }

    /// @inheritdoc ICaliberReceipt
    function casualty(uint256 id) external view returns (uint64 occurredAt, uint256 coverageUsdai, uint64 policyExpiry) {
        Casualty storage c = _s().casualties[id];
        return (c.occurredAt, c.coverageUsdai, c.policyExpiry);
    }

    /// @inheritdoc ICaliberReceipt
    function isFinanceable(uint256 id) public view returns (bool) {
        CaliberReceiptStorage storage $ = _s();
        Receipt storage r = $.records[id];
        if (r.status != Status.Active && r.status != Status.Pledged) return false;
        if ($.casualties[id].occurredAt != 0) return false;
        if (r.insurance.policyExpiry <= block.timestamp) return false;
        // A receipt never appraised has timestamp 0: stale by construction.
        uint64 appraisedAt = r.appraisal.timestamp;
        return appraisedAt != 0 && block.timestamp - appraisedAt <= $.maxAppraisalAge;
    }

    /// @inheritdoc ICaliberReceipt
    function checkPledgeable(uint256 id, address borrower) external view returns (uint256 valueUsdai, bytes32 assetClass) {
        Receipt storage r = _s().records[id];
        Status status = r.status;
        if (status == Status.Pledged) revert ReceiptAlreadyPledged(id);
        if (status != Status.Active) revert ReceiptNotFinanceable(id, status);
        if (!isFinanceable(id)) {
            // One definition of "financeable" (`isFinanceable`); here only the diagnosis.
            uint64 lostAt = _s().casualties[id].occurredAt;
            if (lostAt != 0) revert ReceiptCasualty(id, lostAt);
            if (r.insurance.policyExpiry <= block.timestamp) revert ReceiptInsuranceLapsed(id, r.insurance.policyExpiry);
            revert ReceiptAppraisalStale(id, r.appraisal.timestamp);
        }
        address owner = _ownerOf(id);
        if (owner != borrower) revert ReceiptNotOwned(id, owner, borrower);
        return (r.appraisal.valueUsdai, keccak256(bytes(r.assetClass)));
    }

    /// @inheritdoc ICaliberReceipt
    function verifySerial(uint256 id, string calldata serial, bytes32[] calldata proof) external view returns (bool) {
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(serial))));
        return MerkleProof.verifyCalldata(proof, _record(id).serialsRoot, leaf);
    }

    /// @inheritdoc ICaliberReceipt
    function registry() external view returns (address) {
        return _s().registry;
    }

    /// @inheritdoc ICaliberReceipt
    function maxAppraisalAge() external view returns (uint256) {
        return _s().maxAppraisalAge;
    }

    /// @inheritdoc ICaliberReceipt
    function totalMinted() external view returns (uint256) {
        return _s().lastId;
    }

    /// @notice On-chain JSON metadata (`data:application/json;base64,...`) with the full record.
    function tokenURI(uint256 id) public view override returns (string memory) {
        _requireOwned(id);
        Receipt storage r = _s().records[id];
        string memory json = string.concat(
            '{"name":"CALIBER #',
            id.toString(),
            '","description":"Custody receipt for a lot of GPU hardware held by an insured custodian.","attributes":[',
            _recordJson(r),
            ",",
            _insuranceJson(r),
            "]}"
        );
        return string.concat("data:application/json;base64,", Base64.encode(bytes(json)));
    }

    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(IERC165, ERC721Upgradeable, AccessControlUpgradeable)
        returns (bool)
    {
        return interfaceId == type(ICaliberReceipt).interfaceId || super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------- internal

    /// @dev Escrow lock: a Pledged or Liquidating receipt moves only by the registry's hand.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        Status status = _s().records[tokenId].status;
        if ((status == Status.Pledged || status == Status.Liquidating) && msg.sender != _s().registry) {
            revert ReceiptLocked(tokenId, status);
        }
        return super._update(to, tokenId, auth);
    }

    function _record(uint256 id) internal view returns (Receipt storage r) {
        r = _s().records[id];
        if (r.status == Status.None) revert ReceiptNonexistent(id);
    }

    function _checkInsurance(Insurance calldata insurance) internal view {
        if (insurance.insurer == address(0) || insurance.policyExpiry <= block.timestamp) {
            revert InsuranceInvalid(insurance.insurer, insurance.policyExpiry);
        }
    }

    function _setMaxAppraisalAge(uint256 maxAge) internal {
        if (maxAge == 0) revert MaxAppraisalAgeInvalid(maxAge);
        CaliberReceiptStorage storage $ = _s();
        emit MaxAppraisalAgeUpdated($.maxAppraisalAge, maxAge);
        $.maxAppraisalAge = maxAge;
    }

    function _attr(string memory key, string memory value, bool quoted) private pure returns (string memory) {
        return quoted
            ? string.concat('{"trait_type":"', key, '","value":"', value, '"}')
            : string.concat('{"trait_type":"', key, '","value":', value, "}");
    }

    function _recordJson(Receipt storage r) private view returns (string memory) {
        string[6] memory status = ["None", "Active", "Pledged", "Liquidating", "Liquidated", "Released"];
        // Free text (model, asset class) is custodian input: escaped, so that no text can break or
        // forge the metadata's structure.
        return string.concat(
            _attr("status", status[uint256(r.status)], true),
            ",",
            _attr("custodian", r.custodian.toHexString(), true),
            ",",
            _attr("facilityId", uint256(r.facilityId).toHexString(32), true),
            ",",
            _attr("assetClass", r.assetClass.escapeJSON(), true),
            ",",
            _attr("model", r.model.escapeJSON(), true),
            ",",
            _attr("quantity", r.quantity.toString(), false),
            ",",
            _attr("serialsRoot", uint256(r.serialsRoot).toHexString(32), true),
            ",",
            _attr("legalDocHash", uint256(r.legalDocHash).toHexString(32), true)
        );
    }

    function _insuranceJson(Receipt storage r) private view returns (string memory) {
        return string.concat(
            _attr("insurer", r.insurance.insurer.toHexString(), true),
            ",",
            _attr("policyHash", uint256(r.insurance.policyHash).toHexString(32), true),
            ",",
            _attr("coverageUsdai", r.insurance.coverageUsdai.toString(), false),
            ",",
            _attr("policyExpiry", uint256(r.insurance.policyExpiry).toString(), false),
            ",",
            _attr("appraisalValueUsdai", r.appraisal.valueUsdai.toString(), false),
            ",",
            _attr("appraisalTimestamp", uint256(r.appraisal.timestamp).toString(), false),
            ",",
            _attr("appraiser", r.appraisal.appraiser.toHexString(), true)
        );
    }
}
